/*
 * simulate.c - peers' clients against our server, and why a peer fails
 * (see simulate.h).
 *
 * A peer is one "pjob": the main task (the peer's offer), and, when the
 * server refuses it, a chain of diagnosis probes run one after the other,
 * each asking one question and started only when the answers so far do
 * not name the cause yet, so that the server sees as few refused
 * handshakes as the diagnosis needs:
 *
 *   1. version: the peer's versions with everything else open (every
 *      suite, group and signature scheme). Refused: the cause is the
 *      protocol version, and one more probe with every version finds the
 *      server's highest (its lowest would cost a refusal per version).
 *   2. auth (when the peer has suites below TLS 1.3): every suite of the
 *      peer's authentication types (RSA, ECDSA, DSA) at the peer's
 *      versions. Refused: the server has no certificate of the peer's
 *      type; then
 *   3. cert: the peer's ciphers with the other certificate types tells
 *      whether the peer's ciphers are enabled at all.
 *   4. group (when a group matters for the peer, and the group the
 *      server took in probe 1 is not one the peer offers), 5. signature
 *      scheme (likewise), 6. cipher: the peer's offer with that one list
 *      opened. The first accepted names the cause; when none is, the
 *      cause is unknown.
 *
 * The words of the cause and the fix are diagnose.c's; this file makes
 * the probes and hands it their answers.
 *
 * A server that fails every handshake (alert internal_error) would make
 * every peer fail with a wrong cause, at the cost of a chain of refused
 * probes each. So a peer whose offer or probe meets that alert, or whose
 * acceptance rests on a raw first flight without a signature in it (a
 * TLS 1.3 ServerHello comes before the certificate), waits for one
 * control handshake, made once per run: everything the library offers,
 * TLS 1.0 to 1.3, which a working server accepts by its own choice (the
 * same probe answers every peer's "highest version" question). When the
 * control fails with that alert too, the peer is held; after the run,
 * held peers fail with the server (MX_DIAG_SERVER) if nothing of the run
 * completed a handshake, and go through their own diagnosis in one more
 * run otherwise (a server that fails some handshakes only).
 *
 * A probe whose lists the linked OpenSSL can offer runs on the OpenSSL
 * engine, so that an accepted one ends as a normal session (EHLO, QUIT,
 * close_notify) and leaves no error in the server's log; the open lists
 * are the library's for that reason. Each probe the server refuses, and
 * each raw probe (cut short after the first flight), is counted in
 * mx_sim.refusals. Accepted probes also show the server's certificates:
 * their key types are what the certificate diagnosis names. Peers that
 * offer exactly the same share one simulation.
 *
 * Error contract: see simulate.h. Everything allocated here is freed
 * before mx_simulate returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certinfo.h"
#include "diagnose.h"
#include "hello.h"
#include "log.h"
#include "offer.h"
#include "registry.h"
#include "simulate.h"
#include "suites.h"
#include "text.h"

#define HELLO_CAP 16400
#define MAX_OFFER (MX_PEER_MAX_SUITES * 2)
#define MAX_GROUP (MX_PEER_MAX_LIST * 2)
#define MAX_SIGS  128
#define PREF_MAX  512
#define OPEN_MAX  256 /* suites of an open offer: a hello servers take */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The diagnosis probes (diagnose.h), by name for -v and the text. */
static const char *const stage_names[MX_NDSTAGE] = {
    "version",          "highest version",
    "certificate type", "same ciphers, other certificates",
    "any group",        "any signature scheme",
    "any suite"};

struct sctx;
struct pjob;

/* Why a peer waits for the control handshake. */
enum wait {
    W_NONE = 0,
    W_REFUSED, /* its offer, or a probe of its diagnosis, was refused
                  with a failure alert */
    W_RAW,     /* its acceptance rests on the first flight only */
    W_VHIGH    /* its diagnosis asks for the server's highest version */
};

enum control { C_NONE = 0, C_RUNNING, C_DONE };

/*
 * One probe. Its offer is the peer's (borrowed) for the main task, an
 * owned variation of it for the diagnosis. The task (connection state,
 * verdicts of the engines) exists only while the probe is queued or
 * running; judge() keeps what the diagnosis needs, so that a peer costs
 * memory for what it offers and what was answered, not for connections.
 */
struct ptask {
    struct pjob *pj;
    int is_main;
    int is_control;   /* the run's control handshake (see want_control) */
    int ran;          /* started */
    const char *name; /* for -v */
    struct mx_offer offer;
    struct mx_task *task; /* while it runs */
    uint8_t *hello;       /* raw engine: the hello built for the offer */
    /* the verdict */
    enum mx_engine engine; /* what ran it */
    int ok;                /* 1 accepted, 0 refused, -1 no verdict */
    uint16_t suite;        /* accepted: what the server chose */
    uint16_t group;
    uint16_t version;
    uint16_t sigalg;     /* accepted: the server's signature scheme, or 0 */
    enum mx_keytype key; /* accepted: the leaf's key type, if seen */
    int alert;           /* refused with a failure alert: it, else -1 */
    int closed;          /* closed or reset with no alert (or no verdict
                            because of a close) */
    char detail[512];    /* refused: how; no verdict: why */
};

struct pjob {
    struct sctx *c;
    const struct mx_peer *peer;
    struct mx_sim *out;
    struct ptask main;
    struct ptask *d[MX_NDSTAGE]; /* the diagnosis probes, made when asked */
    unsigned keys;               /* key types seen (1 << mx_keytype) */
    enum wait waiting;           /* for the control handshake, and why */
    int held;                    /* the control says the server fails every
                                    handshake: no diagnosis of its own (yet) */
    int keep_chain; /* a peer of this run authenticates by DANE: the
                       chain it gets is kept for the caller */
};

struct sctx {
    struct mx_sched s;
    struct mx_shares shares;
    const char *sni;
    uint16_t pref[PREF_MAX];
    size_t npref;
    uint8_t hbuf[HELLO_CAP]; /* raw hellos are built here, then kept at
                                their length */
    /* the control handshake: every version TLS 1.0 to 1.3, suite, group
     * and signature scheme of the library, run at most once */
    struct pjob cjob;
    enum control control;
    struct pjob *pj; /* the peers' jobs, n of them */
    size_t n;
    struct pjob *asker; /* the peer whose count the control joins */
    int completed;      /* a handshake of this run completed (OpenSSL engine) */
};

/* A diagnosis probe not made yet reads as one that did not run. */
static const struct ptask not_run = {.alert = -1};

static const struct ptask *
stage(const struct pjob *pj, enum mx_dstage k)
{
    return pj->d[k] != NULL ? pj->d[k] : &not_run;
}

const char *
mx_diag_name(enum mx_diag d)
{
    static const char *const names[] = {"none",
                                        "protocol version",
                                        "certificate type",
                                        "group",
                                        "signature algorithm",
                                        "cipher",
                                        "unknown",
                                        "server fails every handshake"};

    return (size_t)d < sizeof(names) / sizeof(names[0]) ? names[d] : "?";
}

static void task_done(struct mx_sched *s, struct mx_task *task);
static void control_done(struct sctx *c, int ran);

/* A fresh task for pt on engine. 0, or -1 (memory). */
static int
task_setup(struct ptask *pt, enum mx_engine engine, struct mx_error *err)
{
    if (pt->task == NULL && (pt->task = malloc(sizeof(*pt->task))) == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    mx_task_init(pt->task);
    pt->task->engine = engine;
    pt->task->offer = pt->offer; /* borrowed: pt keeps the lists */
    pt->task->offer.sni = pt->pj->c->sni;
    pt->task->done = task_done;
    pt->task->arg = pt;
    pt->engine = engine;
    pt->ok = -1;
    pt->alert = -1;
    pt->closed = 0;
    pt->key = MX_KEY_NONE;
    return 0;
}

/* Release pt's task and hello once judged. */
static void
release(struct ptask *pt)
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
static int
lists_task(struct ptask *pt, struct mx_error *err)
{
    struct sctx *c = pt->pj->c;
    struct mx_offer o = pt->offer;
    size_t len;

    if (mx_offer_in_library(&pt->offer))
        return task_setup(pt, MX_ENGINE_OPENSSL, err);
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
    if (task_setup(pt, MX_ENGINE_RAW, err) != 0)
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

/* The main task: the peer's own offer (borrowed), on the engine the
 * offer calls for: a recording the library cannot reproduce is sent byte
 * for byte. */
static int
setup_main(struct pjob *pj, struct mx_error *err)
{
    const struct mx_peer *p = pj->peer;
    struct ptask *pt = &pj->main;

    pt->pj = pj;
    pt->is_main = 1;
    pt->name = "the peer's offer";
    pt->offer = p->offer;
    pt->offer.owned = 0;
    if (pt->offer.hello != NULL &&
        mx_offer_engine(&pt->offer) == MX_ENGINE_RAW) {
        if (task_setup(pt, MX_ENGINE_RAW, err) != 0)
            return -1;
        pt->task->stop = MX_FLIGHT_STOP_DONE; /* the recording itself */
        pj->out->engine = MX_ENGINE_RAW;
        return 0;
    }
    if (pt->offer.nsuites == 0) {
        mx_error_set(err, MX_E_USAGE, "peer %s offers no suites", p->name);
        return -1;
    }
    if (lists_task(pt, err) != 0)
        return -1;
    pj->out->engine = pt->engine;
    return 0;
}

/* The key type of a DER certificate, MX_KEY_NONE if unreadable. */
static enum mx_keytype
der_keytype(const unsigned char *der, size_t len, char *label, size_t cap)
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
static void
judge(struct ptask *pt)
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
        pt->key = der_keytype(f->leaf, f->leaf_len, NULL, 0);
    }
}

/* Has the server's log an error for this finished probe: refused, or a
 * raw probe dropped after the first flight? */
static int
left_error(const struct ptask *pt)
{
    return pt->ok == 0 || (pt->ok == 1 && pt->engine == MX_ENGINE_RAW);
}

/* The failure alert the server refused finished probe pt with, or -1. */
static int
failure_alert(const struct ptask *pt)
{
    return pt->alert;
}

/* Does a group matter for the peer (TLS 1.3, or an (EC)DHE suite)? */
static int
peer_uses_groups(const struct mx_offer *p)
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
static int
open_all(struct ptask *pt, const struct sctx *c, struct mx_error *err)
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
static int
start_probe(struct pjob *pj, struct ptask *pt, const char *name)
{
    struct mx_error err;

    pt->pj = pj;
    pt->name = name;
    pt->ran = 1;
    if (pt->offer.nsuites > OPEN_MAX)
        pt->offer.nsuites = OPEN_MAX; /* keep the hello a size servers take */
    if (lists_task(pt, &err) != 0) {
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
static int
stage_lists(struct pjob *pj, enum mx_dstage k, struct ptask *pt,
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
        return open_all(pt, pj->c, err);
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

/* Diagnosis stage k of pj, made on first use (NULL: memory). */
static struct ptask *
make_stage(struct pjob *pj, enum mx_dstage k)
{
    if (pj->d[k] == NULL && (pj->d[k] = calloc(1, sizeof(*pj->d[k]))) != NULL) {
        pj->d[k]->pj = pj;
        pj->d[k]->alert = -1;
    }
    return pj->d[k];
}

/* The next probe the diagnosis needs (into *k), or MX_NDSTAGE when the
 * answers so far name the cause (or cannot go further). */
static enum mx_dstage
next_stage(const struct pjob *pj)
{
    const struct mx_offer *p = &pj->peer->offer;
    const struct ptask *ver = stage(pj, MX_D_VERSION);

    if (!ver->ran)
        return MX_D_VERSION;
    if (ver->ok < 0)
        return MX_NDSTAGE;
    if (ver->ok == 0)
        return stage(pj, MX_D_VHIGH)->ran ? MX_NDSTAGE : MX_D_VHIGH;
    if (mx_offer_auths(p) != 0) {
        if (!stage(pj, MX_D_AUTH)->ran)
            return MX_D_AUTH;
        if (stage(pj, MX_D_AUTH)->ok < 0)
            return MX_NDSTAGE;
        if (stage(pj, MX_D_AUTH)->ok == 0)
            return stage(pj, MX_D_CERT)->ran ? MX_NDSTAGE : MX_D_CERT;
    }
    /* a group or scheme the server took with the versions probe and the
     * peer offers too is not the cause: no probe for it */
    if (p->ngroups > 0 && peer_uses_groups(p) &&
        !(ver->group != 0 &&
          mx_code_listed(p->groups, p->ngroups, ver->group))) {
        if (!stage(pj, MX_D_GROUP)->ran)
            return MX_D_GROUP;
        if (stage(pj, MX_D_GROUP)->ok == 1)
            return MX_NDSTAGE;
    }
    if (p->nsigalgs > 0 &&
        !(ver->sigalg != 0 &&
          mx_code_listed(p->sigalgs, p->nsigalgs, ver->sigalg))) {
        if (!stage(pj, MX_D_SIGALG)->ran)
            return MX_D_SIGALG;
        if (stage(pj, MX_D_SIGALG)->ok == 1)
            return MX_NDSTAGE;
    }
    if (!stage(pj, MX_D_CIPHER)->ran)
        return MX_D_CIPHER;
    return MX_NDSTAGE;
}

static void conclude(struct pjob *pj);
static void want_control(struct pjob *pj, enum wait why);

/* The control's answer as pt's: the server's highest version is what it
 * chose when offered everything. */
static void
from_control(struct ptask *pt, const struct ptask *ctl)
{
    pt->ran = 1;
    pt->name = ctl->name;
    pt->ok = ctl->ok;
    pt->version = ctl->version;
    pt->suite = ctl->suite;
    pt->group = ctl->group;
    pt->sigalg = ctl->sigalg;
    pt->key = ctl->key;
    snprintf(pt->detail, sizeof(pt->detail), "%s", ctl->detail);
}

/* Start the next probe of the diagnosis, or conclude. */
static void
advance(struct pjob *pj)
{
    struct ptask *pt;
    struct mx_error err;
    enum mx_dstage k;

    while ((k = next_stage(pj)) != MX_NDSTAGE &&
           (pt = make_stage(pj, k)) != NULL) {
        if (k == MX_D_VHIGH) { /* the run's control handshake answers it */
            if (pj->c->control != C_DONE) {
                want_control(pj, W_VHIGH);
                return;
            }
            from_control(pt, &pj->c->cjob.main);
            if (pt->ok == 1 && pt->key != MX_KEY_NONE && (unsigned)pt->key < 32)
                pj->keys |= 1u << pt->key;
            continue;
        }
        if (stage_lists(pj, k, pt, &err) != 0) {
            pt->ran = 1;
            pt->name = stage_names[k];
            pt->ok = -1;
            snprintf(pt->detail, sizeof(pt->detail), "%s", err.msg);
            continue;
        }
        if (start_probe(pj, pt, stage_names[k]) == 0)
            return;
    }
    conclude(pj);
}

/* The answers of pj's probes, for diagnose.c. */
static void
conclude(struct pjob *pj)
{
    struct mx_dinput in;
    struct mx_sim *o = pj->out;
    size_t k;

    memset(&in, 0, sizeof(in));
    in.peer = pj->peer;
    in.keys = pj->keys;
    in.main_closed = pj->main.closed;
    for (k = 0; k < MX_NDSTAGE; k++) {
        const struct ptask *pt = stage(pj, (enum mx_dstage)k);
        in.d[k].ran = pt->ran;
        in.d[k].ok = pt->ok;
        in.d[k].version = pt->version;
        in.d[k].suite = pt->suite;
        in.d[k].group = pt->group;
        in.d[k].sigalg = pt->sigalg;
        in.d[k].name = pt->name != NULL ? pt->name : stage_names[k];
        in.d[k].detail = pt->detail;
    }
    mx_diagnose(&in, o);
    mx_log(1, "peer %s: %s (%d probe%s, %d refused or cut short)",
           pj->peer->name, o->detail, o->probes, o->probes == 1 ? "" : "s",
           o->refusals);
}

/* One finished probe in the peer's counts. */
static void
count(struct pjob *pj, const struct ptask *pt)
{
    pj->out->probes++;
    if (left_error(pt))
        pj->out->refusals++;
}

/* Did the server sign in the first flight that the raw engine read
 * (below TLS 1.3, a DHE or ECDHE ServerKeyExchange)? Then its key works;
 * a TLS 1.3 ServerHello, or RSA key transport, proves nothing of it. */
static int
signed_flight(const struct mx_flight *f)
{
    return f != NULL && f->version < MX_TLS13 && f->done &&
           (f->dh_bits > 0 || f->group != 0);
}

static void
main_done(struct pjob *pj)
{
    struct ptask *pt = &pj->main;
    struct mx_sim *o = pj->out;
    const struct mx_task *t = pt->task;
    X509 *leaf;
    struct mx_certinfo ci;
    struct mx_error e;

    count(pj, pt);
    if (t->rc != 0) {
        o->state = MX_SIM_ERROR;
        o->err = t->err;
        return;
    }
    if (pt->ok < 0) { /* a broken answer: no verdict on the offer */
        o->state = MX_SIM_ERROR;
        mx_error_set(&o->err, MX_E_TLS, "%s", pt->detail);
        return;
    }
    if (pt->ok == 1) {
        o->state = MX_SIM_OK;
        o->version = pt->version;
        o->suite = pt->suite;
        o->group = pt->group;
        if (t->engine == MX_ENGINE_OPENSSL) {
            o->us = t->hs.ms * 1000;
            if (t->hs.chain != NULL && sk_X509_num(t->hs.chain) > 0 &&
                (leaf = sk_X509_value(t->hs.chain, 0)) != NULL &&
                mx_certinfo_get(leaf, &ci, &e) == 0)
                snprintf(o->cert, sizeof(o->cert), "%s", ci.label);
            /* kept for the caller's check of it (a peer that
               authenticates by DANE); NULL when the copy fails, as when
               none was presented */
            if (t->hs.chain != NULL && pj->keep_chain)
                o->chain = X509_chain_up_ref(t->hs.chain);
        } else {
            o->us = t->raw.us;
            (void)der_keytype(t->raw.flight->leaf, t->raw.flight->leaf_len,
                              o->cert, sizeof(o->cert));
            if (!signed_flight(t->raw.flight))
                want_control(pj, W_RAW); /* the first flight is no proof */
        }
        return;
    }
    o->state = MX_SIM_FAIL;
    snprintf(o->refusal, sizeof(o->refusal), "%s", pt->detail);
    if (failure_alert(pt) >= 0)
        want_control(pj, W_REFUSED);
    else
        advance(pj);
}

/* Does the control say that the server fails every handshake: refused
 * with a failure alert, and no handshake of the run has completed? */
static int
server_fails(const struct sctx *c)
{
    return c->control == C_DONE && failure_alert(&c->cjob.main) >= 0 &&
           !c->completed;
}

/* Are the peer's versions all ones the control offered? */
static int
control_covers(const struct mx_peer *p)
{
    return p->offer.min_version >= MX_TLS10 && p->offer.max_version <= MX_TLS13;
}

/* The control has answered: go on with pj as it waited to. */
static void
resume(struct pjob *pj)
{
    enum wait why = pj->waiting;

    pj->waiting = W_NONE;
    switch (why) {
    case W_RAW: /* accepted as far as it read; kept unless ... */
        pj->held = server_fails(pj->c);
        return;
    case W_REFUSED:
        if (server_fails(pj->c) && control_covers(pj->peer)) {
            pj->held = 1; /* no probes of its own on a failing server */
            return;
        }
        advance(pj);
        return;
    case W_VHIGH:
        advance(pj);
        return;
    case W_NONE:
        return;
    }
}

/*
 * The control handshake: one complete handshake offering every version
 * from TLS 1.0 to 1.3 and every suite, group and signature scheme of the
 * linked library, run at most once per run and only when a peer needs it
 * (its offer refused with a failure alert, its acceptance resting on a
 * raw first flight, or its diagnosis asking for the server's highest
 * version). A working server accepts it by its own choice; a server that
 * refuses it with a failure alert too fails every handshake.
 */
static void
want_control(struct pjob *pj, enum wait why)
{
    struct sctx *c = pj->c;
    struct ptask *pt = &c->cjob.main;
    struct mx_error err;

    pj->waiting = why;
    if (c->control == C_DONE) {
        resume(pj);
        return;
    }
    if (c->control == C_RUNNING)
        return;
    c->control = C_RUNNING;
    c->asker = pj;
    pt->is_control = 1;
    pt->pj = &c->cjob;
    if (open_all(pt, c, &err) != 0) {
        pt->ok = -1;
        snprintf(pt->detail, sizeof(pt->detail), "%s", err.msg);
        control_done(c, 0);
    } else if (start_probe(&c->cjob, pt,
                           "control (everything the library offers)") != 0)
        control_done(c, 0);
}

/* The control has ended: every peer waiting for it goes on. */
static void
control_done(struct sctx *c, int ran)
{
    struct ptask *pt = &c->cjob.main;
    size_t i;

    if (ran)
        count(c->asker, pt);
    c->control = C_DONE;
    mx_log(2, "control handshake (%s to %s, everything offered): %s",
           mx_version_name(pt->offer.min_version),
           mx_version_name(pt->offer.max_version),
           pt->ok == 1 ? "accepted" : pt->detail);
    for (i = 0; i < c->n; i++)
        if (c->pj[i].waiting != W_NONE)
            resume(&c->pj[i]);
}

static void
task_done(struct mx_sched *s, struct mx_task *task)
{
    struct ptask *pt = task->arg;
    struct pjob *pj = pt->pj;

    (void)s;
    judge(pt);
    if (pt->is_control) {
        release(pt);
        control_done(pj->c, 1);
        return;
    }
    if (pt->is_main) {
        main_done(pj); /* reads the task: the chain, the first flight */
        release(pt);
        return;
    }
    release(pt);
    count(pj, pt);
    mx_log(2, "peer %s: probe %s (%s to %s): %s", pj->peer->name, pt->name,
           mx_version_name(pt->offer.min_version),
           mx_version_name(pt->offer.max_version),
           pt->ok == 1 ? "accepted" : pt->detail);
    if (pt->ok == 1 && pt->key != MX_KEY_NONE && (unsigned)pt->key < 32)
        pj->keys |= 1u << pt->key;
    if (failure_alert(pt) >= 0) /* a failing server answers no question */
        want_control(pj, W_REFUSED);
    else
        advance(pj);
}

/* A peer held because the server fails every handshake: the verdict
 * names the server, once for all such peers, not a mismatch of the
 * peer's. */
static void
conclude_server(struct pjob *pj)
{
    mx_diagnose_server(mx_alert_name(failure_alert(&pj->c->cjob.main)),
                       pj->out);
    mx_log(1, "peer %s: %s", pj->peer->name, pj->out->detail);
}

/* After the run: the peers held by the control either fail with the
 * server, or, when a handshake of the run did complete after all (the
 * server fails some handshakes, not all), go through their own
 * diagnosis in one more run. */
static void
settle(struct sctx *c)
{
    size_t i;
    int again = 0;

    for (i = 0; i < c->n; i++) {
        struct pjob *pj = &c->pj[i];
        if (!pj->held)
            continue;
        if (server_fails(c)) {
            conclude_server(pj);
            continue;
        }
        pj->held = 0;
        if (pj->out->state == MX_SIM_FAIL) {
            advance(pj);
            again = 1;
        }
    }
    if (again)
        (void)mx_sched_run(&c->s);
}

/* Do two peers offer exactly the same (so that one simulation serves
 * both)? */
static int
same_offer(const struct mx_peer *a, const struct mx_peer *b)
{
    return mx_offer_same(&a->offer, &b->offer);
}

static void
free_task(struct ptask *pt)
{
    release(pt);
    mx_offer_free(&pt->offer);
}

static void
free_job(struct pjob *pj)
{
    size_t k;

    free_task(&pj->main);
    for (k = 0; k < MX_NDSTAGE; k++)
        if (pj->d[k] != NULL) {
            free_task(pj->d[k]);
            free(pj->d[k]);
            pj->d[k] = NULL;
        }
}

int
mx_simulate_each(struct mx_target *t, const struct mx_peer *const *peers,
                 struct mx_sim *const *out, size_t n, int parallel,
                 const char *sni, struct mx_probe_stats *stats,
                 struct mx_error *err)
{
    struct sctx *c = NULL;
    struct pjob *pj = NULL;
    size_t *leader = NULL;
    size_t i;
    int rc = -1;

    if (t->naddrs == 0 && mx_target_resolve(t, err) != 0)
        return -1;
    c = calloc(1, sizeof(*c));
    pj = calloc(n > 0 ? n : 1, sizeof(*pj));
    leader = calloc(n > 0 ? n : 1, sizeof(*leader));
    if (c == NULL || pj == NULL || leader == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    c->sni = sni;
    c->pj = pj;
    c->n = n;
    c->cjob.c = c;
    c->cjob.main.alert = -1;
    mx_offer_library_order(c->pref, PREF_MAX, &c->npref);
    mx_sched_init(&c->s, t, parallel);
    for (i = 0; i < n; i++) {
        memset(out[i], 0, sizeof(*out[i]));
        out[i]->peer = peers[i];
        pj[i].c = c;
        pj[i].peer = peers[i];
        pj[i].out = out[i];
        pj[i].main.alert = -1;
        /* a peer that offers what an earlier one offers shares its run */
        for (leader[i] = 0; leader[i] < i; leader[i]++)
            if (leader[leader[i]] == leader[i] &&
                same_offer(peers[i], peers[leader[i]]))
                break;
        if (peers[i]->auth & MX_PEER_AUTH_DANE)
            pj[leader[i]].keep_chain = 1;
    }
    for (i = 0; i < n; i++) {
        if (leader[i] != i)
            continue;
        if (setup_main(&pj[i], &out[i]->err) != 0) {
            release(&pj[i].main);
            out[i]->state = MX_SIM_ERROR;
            continue;
        }
        mx_sched_add(&c->s, pj[i].main.task);
    }
    (void)mx_sched_run(&c->s);
    settle(c);
    for (i = 0; i < n; i++)
        if (leader[i] != i) {
            *out[i] = *out[leader[i]];
            out[i]->peer = peers[i];
            out[i]->shared = 1;
            if (out[i]->chain != NULL)
                out[i]->chain = X509_chain_up_ref(out[i]->chain);
        }
    if (stats != NULL) {
        stats->connections += c->s.stats.connections;
        stats->handshakes += c->s.stats.handshakes;
    }
    rc = 0;
out:
    for (i = 0; pj != NULL && i < n; i++)
        free_job(&pj[i]);
    if (c != NULL)
        free_task(&c->cjob.main);
    free(leader);
    free(pj);
    free(c);
    return rc;
}

int
mx_simulate(struct mx_target *t, const struct mx_peer *peers, size_t n,
            int parallel, const char *sni, struct mx_sim *out,
            struct mx_probe_stats *stats, struct mx_error *err)
{
    const struct mx_peer **pp = calloc(n > 0 ? n : 1, sizeof(*pp));
    struct mx_sim **po = calloc(n > 0 ? n : 1, sizeof(*po));
    size_t i;
    int rc = -1;

    if (pp == NULL || po == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
    } else {
        for (i = 0; i < n; i++) {
            pp[i] = &peers[i];
            po[i] = &out[i];
        }
        rc = mx_simulate_each(t, pp, po, n, parallel, sni, stats, err);
    }
    free(pp);
    free(po);
    return rc;
}

void
mx_sim_free(struct mx_sim *s, size_t n)
{
    size_t i;

    for (i = 0; s != NULL && i < n; i++) {
        if (s[i].chain != NULL)
            sk_X509_pop_free(s[i].chain, X509_free);
        s[i].chain = NULL;
    }
}
