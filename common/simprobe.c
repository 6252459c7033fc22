/*
 * simprobe.c - one probe of the simulation: its offer (the peer's, or a
 * variation with one list opened for the diagnosis), its task on the
 * engine the offer calls for, and its verdict kept once the task is
 * released (see simulate.c for the order of the probes).
 *
 * Error contract: functions that can fail return -1 with err (memory, a
 * hello the codec refuses); a probe that cannot start is a verdict of its
 * own (ok -1, detail). Nothing here prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certinfo.h"
#include "hello.h"
#include "simulate_int.h"
#include "suites.h"
#include "text.h"

/* A fresh task for pt on engine. 0, or -1 (memory). */
int
sim_task_setup(struct ptask *pt, enum mx_engine engine, struct mx_error *err)
{
    if (pt->task == NULL && (pt->task = malloc(sizeof(*pt->task))) == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    mx_task_init(pt->task);
    pt->task->engine = engine;
    pt->task->offer = pt->offer; /* borrowed: pt keeps the lists */
    pt->task->offer.sni = pt->pj->c->sni;
    pt->task->done = sim_task_done;
    pt->task->arg = pt;
    pt->engine = engine;
    pt->ok = -1;
    pt->alert = -1;
    pt->closed = 0;
    pt->key = MX_KEY_NONE;
    return 0;
}

/* Release pt's task and hello once judged. */
void
sim_release(struct ptask *pt)
{
    if (pt->task != NULL) {
        mx_task_free(pt->task);
        free(pt->task);
        pt->task = NULL;
    }
    free(pt->hello);
    pt->hello = NULL;
}

/* pt's lists as a task: the OpenSSL engine when it can offer them all
 * (then an accepted handshake completes as a normal session), else a raw
 * hello shaped like a real client's, read to the end of the server's
 * first flight (so that a certificate below TLS 1.3 is seen). 0, or -1
 * with err (memory, or lists no hello can carry). */
int
sim_lists_task(struct ptask *pt, struct mx_error *err)
{
    struct sctx *c = pt->pj->c;
    struct mx_offer o = pt->offer;
    size_t len;

    if (mx_offer_in_library(&pt->offer))
        return sim_task_setup(pt, MX_ENGINE_OPENSSL, err);
    o.sni = c->sni;
    if (mx_offer_hello(&c->shares, &o, c->hbuf, sizeof(c->hbuf), &len, err) !=
        0)
        return -1;
    free(pt->hello);
    pt->hello = malloc(len);
    if (pt->hello == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    memcpy(pt->hello, c->hbuf, len);
    if (sim_task_setup(pt, MX_ENGINE_RAW, err) != 0)
        return -1;
    pt->task->hello = pt->hello;
    pt->task->hello_len = len;
    pt->task->stop = MX_FLIGHT_STOP_DONE;
    return 0;
}

/* pt's offer: the peer's lists and versions (not its recording), owned,
 * for a diagnosis probe to open one list of. 0, or -1 (memory). */
static int
peer_lists(struct ptask *pt, const struct mx_peer *p, struct mx_error *err)
{
    struct mx_offer lists = p->offer;

    lists.hello = NULL;
    lists.hello_len = 0;
    mx_offer_free(&pt->offer);
    return mx_offer_copy(&pt->offer, &lists, err);
}

/* The key type of a DER certificate, MX_KEY_NONE if unreadable. */
enum mx_keytype
sim_der_keytype(const unsigned char *der, size_t len, char *label, size_t cap)
{
    const unsigned char *p = der;
    enum mx_keytype k = MX_KEY_NONE;
    struct mx_certinfo ci;
    struct mx_error e;
    X509 *x;

    if (label != NULL && cap > 0)
        label[0] = '\0';
    if (der == NULL || len == 0)
        return k;
    x = d2i_X509(NULL, &p, (long)len);
    if (x != NULL && mx_certinfo_get(x, &ci, &e) == 0) {
        k = ci.type;
        if (label != NULL)
            snprintf(label, cap, "%s", ci.label);
    }
    X509_free(x);
    return k;
}

/* The alert by which a server says that it failed, not that it refuses
 * the offer: internal_error (RFC 8446 6.2, "an internal error unrelated
 * to the peer or the correctness of the protocol"). A broken key or
 * certificate (OpenSMTPD 6.8 with OpenSSL 3 signs with none) ends every
 * handshake with it. */
#define ALERT_INTERNAL_ERROR 80

static void judge_task(struct ptask *pt);

/* Judge pt's finished task into its verdict: the fields below, whether
 * it was refused with a failure alert, whether the server closed (or
 * reset) with no alert. */
void
sim_judge(struct ptask *pt)
{
    const struct mx_task *t = pt->task;
    int a = -1;

    judge_task(pt);
    if (t->rc != 0) {
        pt->closed = t->err.code == MX_E_CLOSED;
        return;
    }
    if (t->engine == MX_ENGINE_OPENSSL) {
        pt->closed = !t->hs.accepted && t->hs.closed;
        if (pt->ok == 0)
            a = t->hs.alert_recv;
    } else {
        pt->closed =
            t->raw.flight == NULL || t->raw.flight->verdict == MX_V_NEED_MORE;
        if (pt->ok == 0 && t->raw.flight != NULL &&
            t->raw.flight->verdict == MX_V_ALERT)
            a = t->raw.flight->alert_desc;
    }
    pt->alert = a == ALERT_INTERNAL_ERROR ? a : -1;
}

static void
judge_task(struct ptask *pt)
{
    const struct mx_task *t = pt->task;
    const struct mx_flight *f;
    struct mx_certinfo ci;
    struct mx_error e;
    X509 *leaf;
    int rc;

    pt->ok = -1;
    pt->key = MX_KEY_NONE;
    if (t->rc != 0) {
        snprintf(pt->detail, sizeof(pt->detail), "%s", t->err.msg);
        return;
    }
    if (t->engine == MX_ENGINE_OPENSSL) {
        pt->ok = t->hs.accepted;
        if (pt->ok) {
            pt->pj->c->completed = 1;
            pt->version = t->hs.version;
            pt->suite = t->hs.suite;
            pt->group = t->hs.group;
            pt->sigalg = t->hs.sigalg;
            if (t->hs.chain != NULL && sk_X509_num(t->hs.chain) > 0 &&
                (leaf = sk_X509_value(t->hs.chain, 0)) != NULL &&
                mx_certinfo_get(leaf, &ci, &e) == 0)
                pt->key = ci.type;
        } else {
            snprintf(pt->detail, sizeof(pt->detail), "%s", t->hs.reason);
        }
        return;
    }
    rc = mx_raw_judge(&t->raw, t->addr, pt->offer.suites, pt->offer.nsuites,
                      pt->offer.min_version, pt->offer.max_version, pt->detail,
                      sizeof(pt->detail), &e);
    if (rc < 0) {
        snprintf(pt->detail, sizeof(pt->detail), "%s", e.msg);
        return;
    }
    pt->ok = rc;
    if (rc == 1) {
        f = t->raw.flight;
        pt->version = f->version;
        pt->suite = f->suite;
        pt->group = f->hrr ? f->hrr_group : f->group;
        pt->sigalg = f->ske_sigalg;
        pt->key = sim_der_keytype(f->leaf, f->leaf_len, NULL, 0);
    }
}

/* Has the server's log an error for this finished probe: refused, or a
 * raw probe dropped after the first flight? */
int
sim_left_error(const struct ptask *pt)
{
    return pt->ok == 0 || (pt->ok == 1 && pt->engine == MX_ENGINE_RAW);
}

/* The failure alert the server refused finished probe pt with, or -1. */
int
sim_failure_alert(const struct ptask *pt)
{
    return pt->alert;
}

/* Does a group matter for the peer (TLS 1.3, or an (EC)DHE suite)? */
int
sim_peer_uses_groups(const struct mx_offer *p)
{
    const struct mx_suite *s;
    size_t i;

    if (p->max_version >= MX_TLS13)
        return 1;
    for (i = 0; i < p->nsuites; i++)
        if ((s = mx_suite_by_code(p->suites[i])) != NULL &&
            (s->kx == MX_KX_ECDHE || s->kx == MX_KX_DHE))
            return 1;
    return 0;
}

/* Can the library offer pt's versions (then the open lists are its own,
 * so that an accepted probe is a normal session)? */
static int
library_versions(const struct ptask *pt)
{
    return pt->offer.min_version >= MX_TLS10 &&
           pt->offer.max_version <= MX_TLS13;
}

/* Every suite valid for pt's versions, the library's ones only when the
 * library can offer those versions, of the authentication types in auths
 * (0: any). */
static int
open_suites(struct ptask *pt, const struct sctx *c, unsigned auths,
            struct mx_error *err)
{
    const struct mx_suite *s;
    int library = library_versions(pt);
    uint16_t u[128], v, out[OPEN_MAX];
    size_t i, nu, n = 0;

    for (v = pt->offer.max_version; v >= pt->offer.min_version && v != 0; v--) {
        nu = mx_offer_universe(v, c->pref, c->npref, u, 128);
        for (i = 0; i < nu; i++) {
            s = mx_suite_by_code(u[i]);
            if (s == NULL || s->kx == MX_KX_NULL ||
                (library && !mx_suite_in_library(u[i])) ||
                (auths != 0 && !(auths & (1u << s->auth))))
                continue;
            mx_code_add(out, &n, OPEN_MAX, u[i]);
        }
        if (v == MX_SSL3 || v == MX_SSL2)
            break;
    }
    return mx_offer_set(&pt->offer, MX_OFFER_SUITES, out, n, err);
}

/* Every group (usable at the highest version), the library's ones when
 * it can. */
static int
open_groups(struct ptask *pt, struct mx_error *err)
{
    const struct mx_group *g;
    int library = library_versions(pt);
    uint16_t out[MAX_GROUP];
    size_t i, n, k = 0;

    g = mx_groups(&n);
    for (i = 0; i < n; i++)
        if ((pt->offer.max_version == MX_TLS13 ? g[i].tls13
                                               : g[i].code < 0x0100) &&
            (!library || g[i].openssl != NULL))
            mx_code_add(out, &k, MAX_GROUP, g[i].code);
    return mx_offer_set(&pt->offer, MX_OFFER_GROUPS, out, k, err);
}

/* Every signature scheme, the library's ones when it can. */
static int
open_sigalgs(struct ptask *pt, struct mx_error *err)
{
    const struct mx_sigalg *sa;
    int library = library_versions(pt);
    uint16_t out[MAX_SIGS];
    size_t i, n, k = 0;

    sa = mx_sigalgs(&n);
    for (i = 0; i < n; i++)
        if (!library || sa[i].openssl != NULL)
            mx_code_add(out, &k, MAX_SIGS, sa[i].code);
    return mx_offer_set(&pt->offer, MX_OFFER_SIGALGS, out, k, err);
}

/* Every version TLS 1.0 to 1.3 and every suite, group and scheme of the
 * library. */
int
sim_open_all(struct ptask *pt, const struct sctx *c, struct mx_error *err)
{
    pt->offer.min_version = MX_TLS10;
    pt->offer.max_version = MX_TLS13;
    return open_suites(pt, c, 0, err) != 0 || open_groups(pt, err) != 0 ||
                   open_sigalgs(pt, err) != 0
               ? -1
               : 0;
}

/* Start pt on the scheduler: the OpenSSL engine when it can offer the
 * lists, else the raw engine reading the flight to its end (so that a
 * TLS <= 1.2 certificate is seen). 0, or -1 (pt->ok -1, detail set). */
int
sim_start_probe(struct pjob *pj, struct ptask *pt, const char *name)
{
    struct mx_error err;

    pt->pj = pj;
    pt->name = name;
    pt->ran = 1;
    if (pt->offer.nsuites > OPEN_MAX)
        pt->offer.nsuites = OPEN_MAX; /* keep the hello a size servers take */
    if (sim_lists_task(pt, &err) != 0) {
        pt->ok = -1;
        snprintf(pt->detail, sizeof(pt->detail), "%s", err.msg);
        return -1;
    }
    mx_sched_add(&pj->c->s, pt->task);
    return 0;
}

/* The suites of pt's offer with, after them, the same ciphers with the
 * other certificate types (RSA, ECDSA, DSS; ephemeral or RSA key
 * exchange, no EXPORT). */
static int
other_certs(struct ptask *pt, struct mx_error *err)
{
    const struct mx_suite *s, *t;
    uint16_t out[MAX_OFFER];
    size_t i, j, n, k = 0;

    t = mx_suites(&n);
    for (i = 0; i < pt->offer.nsuites; i++)
        mx_code_add(out, &k, MAX_OFFER, pt->offer.suites[i]);
    for (i = 0; i < pt->offer.nsuites; i++) {
        s = mx_suite_by_code(pt->offer.suites[i]);
        if (s == NULL || s->auth == MX_SAUTH_TLS13)
            continue;
        for (j = 0; j < n; j++)
            if (t[j].auth != s->auth &&
                (t[j].auth == MX_SAUTH_RSA || t[j].auth == MX_SAUTH_ECDSA ||
                 t[j].auth == MX_SAUTH_DSS) &&
                (t[j].kx == MX_KX_ECDHE || t[j].kx == MX_KX_DHE ||
                 t[j].kx == MX_KX_RSA) &&
                t[j].bits == s->bits && t[j].enc != NULL && s->enc != NULL &&
                strcmp(t[j].enc, s->enc) == 0 && t[j].mac != NULL &&
                s->mac != NULL && strcmp(t[j].mac, s->mac) == 0 &&
                !(t[j].flags & MX_SUITE_EXPORT))
                mx_code_add(out, &k, MAX_OFFER, t[j].code);
    }
    return mx_offer_set(&pt->offer, MX_OFFER_SUITES, out, k, err);
}

/* The offer of diagnosis stage k, from the peer's. 0, or -1 (memory). */
int
sim_stage_lists(struct pjob *pj, enum mx_dstage k, struct ptask *pt,
                struct mx_error *err)
{
    const struct mx_offer *p = &pj->peer->offer;

    if (peer_lists(pt, pj->peer, err) != 0)
        return -1;
    switch (k) {
    case MX_D_VERSION:
        return open_suites(pt, pj->c, 0, err) != 0 ||
                       open_groups(pt, err) != 0 || open_sigalgs(pt, err) != 0
                   ? -1
                   : 0;
    case MX_D_VHIGH:
        return sim_open_all(pt, pj->c, err);
    case MX_D_AUTH: /* below TLS 1.3: the certificate is chosen by the suite */
        if (pt->offer.max_version > MX_TLS12)
            pt->offer.max_version = MX_TLS12;
        return open_suites(pt, pj->c, mx_offer_auths(p), err) != 0 ||
                       open_groups(pt, err) != 0 || open_sigalgs(pt, err) != 0
                   ? -1
                   : 0;
    case MX_D_CERT: /* the same ciphers with other certificate types */
        if (pt->offer.max_version > MX_TLS12)
            pt->offer.max_version = MX_TLS12;
        if (other_certs(pt, err) != 0)
            return -1;
        /* the default schemes */
        return mx_offer_set(&pt->offer, MX_OFFER_SIGALGS, NULL, 0, err);
    case MX_D_GROUP:
        return open_groups(pt, err);
    case MX_D_SIGALG:
        return open_sigalgs(pt, err);
    case MX_D_CIPHER:
        return open_suites(pt, pj->c, 0, err);
    case MX_NDSTAGE:
        break;
    }
    return 0;
}
