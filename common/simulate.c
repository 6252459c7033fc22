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

#include "buf.h"
#include "certinfo.h"
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

/* The diagnosis probes, in the order they may run. */
enum stage {
    D_VERSION = 0, /* the peer's versions, all else open */
    D_VHIGH,       /* every version: the server's highest */
    D_AUTH,        /* every suite of the peer's certificate types */
    D_CERT,        /* the peer's ciphers with other certificate types */
    D_GROUP,       /* the peer's offer, any group */
    D_SIGALG,      /* ... any signature scheme */
    D_CIPHER,      /* ... any suite */
    NSTAGE
};

static const char *const stage_names[NSTAGE] = {
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

struct ptask {
    struct mx_task task;
    struct pjob *pj;
    int is_main;
    int is_control;   /* the run's control handshake (see want_control) */
    int ran;          /* started */
    const char *name; /* for -v */
    uint16_t vmin, vmax;
    uint16_t suites[MAX_OFFER];
    size_t nsuites;
    uint16_t groups[MAX_GROUP];
    size_t ngroups;
    uint16_t sigalgs[MAX_SIGS];
    size_t nsigalgs;
    uint8_t *hello; /* raw engine: malloc'd, or the peer's recording */
    int own_hello;
    /* the verdict */
    int ok;         /* 1 accepted, 0 refused, -1 no verdict */
    uint16_t suite; /* accepted: what the server chose */
    uint16_t group;
    uint16_t version;
    uint16_t sigalg;     /* accepted: the server's signature scheme, or 0 */
    enum mx_keytype key; /* accepted: the leaf's key type, if seen */
    char detail[512];    /* refused: how; no verdict: why */
};

struct pjob {
    struct sctx *c;
    const struct mx_peer *peer;
    struct mx_sim *out;
    struct ptask main;
    struct ptask d[NSTAGE];
    unsigned keys;     /* key types seen (1 << mx_keytype) */
    enum wait waiting; /* for the control handshake, and why */
    int held;          /* the control says the server fails every
                          handshake: no diagnosis of its own (yet) */
};

struct sctx {
    struct mx_sched s;
    struct mx_shares shares;
    const char *sni;
    uint16_t pref[PREF_MAX];
    size_t npref;
    /* the control handshake: every version TLS 1.0 to 1.3, suite, group
     * and signature scheme of the library, run at most once */
    struct pjob cjob;
    enum control control;
    struct pjob *pj; /* the peers' jobs, n of them */
    size_t n;
    struct pjob *asker; /* the peer whose count the control joins */
    int completed;      /* a handshake of this run completed (OpenSSL engine) */
};

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

static void
add(uint16_t *list, size_t *n, size_t cap, uint16_t code)
{
    if (*n < cap && !mx_code_listed(list, *n, code))
        list[(*n)++] = code;
}

static uint16_t
lowest(const struct mx_peer *p)
{
    uint16_t v = 0;
    size_t i;

    for (i = 0; i < p->nversions; i++)
        if (v == 0 || p->versions[i] < v)
            v = p->versions[i];
    return v;
}

static uint16_t
highest(const struct mx_peer *p)
{
    uint16_t v = 0;
    size_t i;

    for (i = 0; i < p->nversions; i++)
        if (p->versions[i] > v)
            v = p->versions[i];
    return v;
}

/* Can the OpenSSL engine offer exactly these lists? */
static int
library_can_offer(uint16_t vmin, uint16_t vmax, const uint16_t *suites,
                  size_t nsuites, const uint16_t *groups, size_t ngroups,
                  const uint16_t *sigalgs, size_t nsigalgs)
{
    const struct mx_group *g;
    const struct mx_sigalg *s;
    size_t i;

    if (vmin < MX_TLS10 || vmax > MX_TLS13 || nsuites == 0)
        return 0;
    for (i = 0; i < nsuites; i++)
        if (suites[i] != 0x00ff && suites[i] != 0x5600 &&
            !mx_suite_in_library(suites[i]))
            return 0;
    for (i = 0; i < ngroups; i++)
        if ((g = mx_group_by_code(groups[i])) == NULL || g->openssl == NULL)
            return 0;
    for (i = 0; i < nsigalgs; i++)
        if ((s = mx_sigalg_by_code(sigalgs[i])) == NULL || s->openssl == NULL)
            return 0;
    return 1;
}

static int
pt_in_library(const struct ptask *pt)
{
    return library_can_offer(pt->vmin, pt->vmax, pt->suites, pt->nsuites,
                             pt->groups, pt->ngroups, pt->sigalgs,
                             pt->nsigalgs);
}

static void task_done(struct mx_sched *s, struct mx_task *task);
static void control_done(struct sctx *c, int ran);

static void
task_setup(struct ptask *pt, enum mx_engine engine)
{
    mx_task_free(&pt->task);
    mx_task_init(&pt->task);
    pt->task.engine = engine;
    pt->task.done = task_done;
    pt->task.arg = pt;
    pt->ok = -1;
    pt->key = MX_KEY_NONE;
}

/* An OpenSSL task that offers pt's lists. */
static void
openssl_from_lists(struct ptask *pt)
{
    struct mx_offer *o = &pt->task.offer;

    task_setup(pt, MX_ENGINE_OPENSSL);
    o->min_version = pt->vmin;
    o->max_version = pt->vmax;
    o->suites = pt->suites;
    o->nsuites = pt->nsuites;
    o->groups = pt->ngroups > 0 ? pt->groups : NULL;
    o->ngroups = pt->ngroups;
    o->sigalgs = pt->nsigalgs > 0 ? pt->sigalgs : NULL;
    o->nsigalgs = pt->nsigalgs;
    o->sni = pt->pj->c->sni;
}

/* A raw task that sends pt's lists as a real client would. */
static int
raw_from_lists(struct ptask *pt, int stop, struct mx_error *err)
{
    struct sctx *c = pt->pj->c;
    struct mx_client_offer o;
    size_t len;

    if (pt->hello == NULL) {
        pt->hello = malloc(HELLO_CAP);
        if (pt->hello == NULL) {
            mx_error_set(err, MX_E_INTERNAL, "out of memory");
            return -1;
        }
        pt->own_hello = 1;
    }
    memset(&o, 0, sizeof(o));
    o.max_version = pt->vmax;
    o.min_version = pt->vmin;
    o.suites = pt->suites;
    o.nsuites = pt->nsuites;
    o.groups = pt->ngroups > 0 ? pt->groups : NULL;
    o.ngroups = pt->ngroups;
    o.sigalgs = pt->nsigalgs > 0 ? pt->sigalgs : NULL;
    o.nsigalgs = pt->nsigalgs;
    o.sni = c->sni;
    if (mx_offer_hello(&c->shares, &o, pt->hello, HELLO_CAP, &len, err) != 0)
        return -1;
    task_setup(pt, MX_ENGINE_RAW);
    pt->task.hello = pt->hello;
    pt->task.hello_len = len;
    pt->task.stop = stop;
    pt->task.offered = pt->suites;
    pt->task.noffered = pt->nsuites;
    return 0;
}

static void
copy_lists(struct ptask *pt, const struct mx_peer *p)
{
    size_t i;

    pt->nsuites = pt->ngroups = pt->nsigalgs = 0;
    for (i = 0; i < p->nsuites; i++)
        add(pt->suites, &pt->nsuites, MAX_OFFER, p->suites[i]);
    for (i = 0; i < p->ngroups; i++)
        add(pt->groups, &pt->ngroups, MAX_GROUP, p->groups[i]);
    for (i = 0; i < p->nsigalgs; i++)
        add(pt->sigalgs, &pt->nsigalgs, MAX_SIGS, p->sigalgs[i]);
    pt->vmin = lowest(p);
    pt->vmax = highest(p);
}

/*
 * Would the linked OpenSSL, given a recording's lists, send a hello that
 * a server answers as it answers the recording? The lists (versions,
 * suites, groups and signature schemes, each in its order) are what a
 * server negotiates from; random, session id, key-share values, padding
 * and the order of extensions are not. What also steers a server is
 * which groups carry a key share: OpenSSL 3 sends one, for the first
 * TLS 1.3 group it lists; a client that sends others (GnuTLS: P-256 and
 * X25519) may get another group from a server that picks among the
 * shares it got. So: one share, for the first TLS 1.3 group, or no TLS
 * 1.3; supported_groups and signature_algorithms present where OpenSSL
 * sends them (else it would add its defaults); the versions a range with
 * no gap. A hello the decoder cannot read as one record is sent as it is.
 */
static int
recording_reproducible(const struct mx_peer *p)
{
    struct mx_hello_view *v = malloc(sizeof(*v));
    const struct mx_group *g;
    uint16_t lo = lowest(p), hi = highest(p), first = 0, ver;
    struct mx_error e;
    size_t i;
    int ok = 0;

    if (v == NULL ||
        mx_hello_decode(p->hello.bytes, p->hello.len, v, &e) != 0 || v->sslv2)
        goto out;
    for (ver = lo; ver <= hi && ver != 0; ver++)
        if (!mx_code_listed(p->versions, p->nversions, ver))
            goto out;
    if (p->ngroups == 0 || (hi >= MX_TLS12 && p->nsigalgs == 0))
        goto out;
    for (i = 0; i < p->ngroups && first == 0; i++)
        if ((g = mx_group_by_code(p->groups[i])) != NULL && g->tls13)
            first = g->code;
    if (hi >= MX_TLS13)
        ok = v->nshares == 1 && v->share_groups[0] == first;
    else
        ok = v->nshares == 0;
out:
    free(v);
    return ok;
}

/* The main task: the peer's own offer. */
static int
setup_main(struct pjob *pj, struct mx_error *err)
{
    const struct mx_peer *p = pj->peer;
    struct ptask *pt = &pj->main;

    pt->pj = pj;
    pt->is_main = 1;
    pt->name = "the peer's offer";
    copy_lists(pt, p);
    if (pt_in_library(pt) &&
        (p->kind != MX_PEER_HELLO || p->hello.bytes == NULL ||
         recording_reproducible(p))) {
        openssl_from_lists(pt);
        pj->out->engine = MX_ENGINE_OPENSSL;
        return 0;
    }
    pj->out->engine = MX_ENGINE_RAW;
    if (p->kind == MX_PEER_HELLO && p->hello.bytes != NULL) {
        task_setup(pt, MX_ENGINE_RAW); /* the recording, byte for byte */
        pt->hello = p->hello.bytes;
        pt->own_hello = 0;
        pt->task.hello = p->hello.bytes;
        pt->task.hello_len = p->hello.len;
        pt->task.stop = MX_FLIGHT_STOP_DONE;
        pt->task.offered = pt->suites;
        pt->task.noffered = pt->nsuites;
        return 0;
    }
    if (pt->nsuites == 0) {
        mx_error_set(err, MX_E_USAGE, "peer %s offers no suites", p->name);
        return -1;
    }
    return raw_from_lists(pt, MX_FLIGHT_STOP_DONE, err);
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

/* Judge a finished task into pt->ok and its fields. */
static void
judge(struct ptask *pt)
{
    const struct mx_task *t = &pt->task;
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
    rc = mx_raw_judge(&t->raw, t->addr, pt->suites, pt->nsuites, pt->vmin,
                      pt->vmax, pt->detail, sizeof(pt->detail), &e);
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
    return pt->ok == 0 || (pt->ok == 1 && pt->task.engine == MX_ENGINE_RAW);
}

/* The alert by which a server says that it failed, not that it refuses
 * the offer: internal_error (RFC 8446 6.2, "an internal error unrelated
 * to the peer or the correctness of the protocol"). A broken key or
 * certificate (OpenSMTPD 6.8 with OpenSSL 3 signs with none) ends every
 * handshake with it. */
#define ALERT_INTERNAL_ERROR 80

/* The failure alert the server refused finished probe pt with, or -1. */
static int
failure_alert(const struct ptask *pt)
{
    const struct mx_task *t = &pt->task;
    int a = -1;

    if (pt->ok != 0 || t->rc != 0)
        return -1;
    if (t->engine == MX_ENGINE_OPENSSL)
        a = t->hs.alert_recv;
    else if (t->raw.flight != NULL && t->raw.flight->verdict == MX_V_ALERT)
        a = t->raw.flight->alert_desc;
    return a == ALERT_INTERNAL_ERROR ? a : -1;
}

/* The peer's authentication types below TLS 1.3 (1 << mx_sauth). */
static unsigned
peer_auths(const struct mx_peer *p)
{
    const struct mx_suite *s;
    uint16_t plo = lowest(p), phi = highest(p);
    unsigned a = 0;
    size_t i;

    for (i = 0; i < p->nsuites; i++)
        if ((s = mx_suite_by_code(p->suites[i])) != NULL &&
            s->auth != MX_SAUTH_TLS13 && plo < MX_TLS13 &&
            mx_suite_valid_for(s, phi < MX_TLS13 ? phi : MX_TLS12) &&
            (s->auth == MX_SAUTH_RSA || s->auth == MX_SAUTH_ECDSA ||
             s->auth == MX_SAUTH_DSS))
            a |= 1u << s->auth;
    return a;
}

/* Do all of the peer's suites below TLS 1.3 use RSA key transport? */
static int
peer_kx_rsa_only(const struct mx_peer *p)
{
    const struct mx_suite *s;
    size_t i, n = 0;

    for (i = 0; i < p->nsuites; i++) {
        s = mx_suite_by_code(p->suites[i]);
        if (s == NULL || s->auth == MX_SAUTH_TLS13 ||
            (s->flags & MX_SUITE_SCSV))
            continue;
        if (s->kx != MX_KX_RSA)
            return 0;
        n++;
    }
    return n > 0;
}

/* Does a group matter for the peer (TLS 1.3, or an (EC)DHE suite)? */
static int
peer_uses_groups(const struct mx_peer *p)
{
    const struct mx_suite *s;
    size_t i;

    if (highest(p) >= MX_TLS13)
        return 1;
    for (i = 0; i < p->nsuites; i++)
        if ((s = mx_suite_by_code(p->suites[i])) != NULL &&
            (s->kx == MX_KX_ECDHE || s->kx == MX_KX_DHE))
            return 1;
    return 0;
}

/* Every suite valid for versions vmin..vmax, the library's ones only when
 * the library can offer those versions (then an accepted probe is a
 * normal session), of the authentication types in auths (0: any). */
static void
open_suites(struct ptask *pt, const struct sctx *c, unsigned auths)
{
    const struct mx_suite *s;
    int library = pt->vmin >= MX_TLS10 && pt->vmax <= MX_TLS13;
    uint16_t u[128], v;
    size_t i, nu;

    pt->nsuites = 0;
    for (v = pt->vmax; v >= pt->vmin && v != 0; v--) {
        nu = mx_offer_universe(v, c->pref, c->npref, u, 128);
        for (i = 0; i < nu; i++) {
            s = mx_suite_by_code(u[i]);
            if (s == NULL || s->kx == MX_KX_NULL ||
                (library && !mx_suite_in_library(u[i])) ||
                (auths != 0 && !(auths & (1u << s->auth))))
                continue;
            add(pt->suites, &pt->nsuites, OPEN_MAX, u[i]);
        }
        if (v == MX_SSL3 || v == MX_SSL2)
            break;
    }
}

/* Every group (usable at vmax), the library's ones when it can. */
static void
open_groups(struct ptask *pt)
{
    const struct mx_group *g;
    int library = pt->vmin >= MX_TLS10 && pt->vmax <= MX_TLS13;
    size_t i, n;

    g = mx_groups(&n);
    pt->ngroups = 0;
    for (i = 0; i < n; i++)
        if ((pt->vmax == MX_TLS13 ? g[i].tls13 : g[i].code < 0x0100) &&
            (!library || g[i].openssl != NULL))
            add(pt->groups, &pt->ngroups, MAX_GROUP, g[i].code);
}

/* Every signature scheme, the library's ones when it can. */
static void
open_sigalgs(struct ptask *pt)
{
    const struct mx_sigalg *sa;
    int library = pt->vmin >= MX_TLS10 && pt->vmax <= MX_TLS13;
    size_t i, n;

    sa = mx_sigalgs(&n);
    pt->nsigalgs = 0;
    for (i = 0; i < n; i++)
        if (!library || sa[i].openssl != NULL)
            add(pt->sigalgs, &pt->nsigalgs, MAX_SIGS, sa[i].code);
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
    if (pt->nsuites > OPEN_MAX)
        pt->nsuites = OPEN_MAX; /* keep the hello a size servers take */
    if (pt_in_library(pt)) {
        openssl_from_lists(pt);
    } else if (raw_from_lists(pt, MX_FLIGHT_STOP_DONE, &err) != 0) {
        pt->ok = -1;
        snprintf(pt->detail, sizeof(pt->detail), "%s", err.msg);
        return -1;
    }
    mx_sched_add(&pj->c->s, &pt->task);
    return 0;
}

/* The lists of diagnosis stage k, from the peer's. */
static void
stage_lists(struct pjob *pj, enum stage k, struct ptask *pt)
{
    const struct mx_peer *p = pj->peer;
    const struct mx_suite *s, *t;
    size_t i, j, n, ns;

    copy_lists(pt, p);
    switch (k) {
    case D_VERSION:
        open_suites(pt, pj->c, 0);
        open_groups(pt);
        open_sigalgs(pt);
        break;
    case D_VHIGH:
        pt->vmin = MX_TLS10;
        pt->vmax = MX_TLS13;
        open_suites(pt, pj->c, 0);
        open_groups(pt);
        open_sigalgs(pt);
        break;
    case D_AUTH: /* below TLS 1.3: the certificate is chosen by the suite */
        if (pt->vmax > MX_TLS12)
            pt->vmax = MX_TLS12;
        open_suites(pt, pj->c, peer_auths(p));
        open_groups(pt);
        open_sigalgs(pt);
        break;
    case D_CERT: /* the same ciphers with other certificate types */
        if (pt->vmax > MX_TLS12)
            pt->vmax = MX_TLS12;
        t = mx_suites(&n);
        for (i = 0, ns = pt->nsuites; i < ns; i++) {
            s = mx_suite_by_code(pt->suites[i]);
            if (s == NULL || s->auth == MX_SAUTH_TLS13)
                continue;
            for (j = 0; j < n; j++)
                if (t[j].auth != s->auth &&
                    (t[j].auth == MX_SAUTH_RSA || t[j].auth == MX_SAUTH_ECDSA ||
                     t[j].auth == MX_SAUTH_DSS) &&
                    (t[j].kx == MX_KX_ECDHE || t[j].kx == MX_KX_DHE ||
                     t[j].kx == MX_KX_RSA) &&
                    t[j].bits == s->bits && t[j].enc != NULL &&
                    s->enc != NULL && strcmp(t[j].enc, s->enc) == 0 &&
                    t[j].mac != NULL && s->mac != NULL &&
                    strcmp(t[j].mac, s->mac) == 0 &&
                    !(t[j].flags & MX_SUITE_EXPORT))
                    add(pt->suites, &pt->nsuites, MAX_OFFER, t[j].code);
        }
        pt->nsigalgs = 0; /* the default schemes */
        break;
    case D_GROUP:
        open_groups(pt);
        break;
    case D_SIGALG:
        open_sigalgs(pt);
        break;
    case D_CIPHER:
        open_suites(pt, pj->c, 0);
        break;
    case NSTAGE:
        break;
    }
}

/* The next probe the diagnosis needs, or NULL when the answers so far
 * name the cause (or cannot go further). */
static struct ptask *
next_probe(struct pjob *pj, enum stage *k)
{
    const struct mx_peer *p = pj->peer;
    struct ptask *d = pj->d;

    if (!d[D_VERSION].ran)
        return *k = D_VERSION, &d[D_VERSION];
    if (d[D_VERSION].ok < 0)
        return NULL;
    if (d[D_VERSION].ok == 0)
        return d[D_VHIGH].ran ? NULL : (*k = D_VHIGH, &d[D_VHIGH]);
    if (peer_auths(p) != 0) {
        if (!d[D_AUTH].ran)
            return *k = D_AUTH, &d[D_AUTH];
        if (d[D_AUTH].ok < 0)
            return NULL;
        if (d[D_AUTH].ok == 0)
            return d[D_CERT].ran ? NULL : (*k = D_CERT, &d[D_CERT]);
    }
    /* a group or scheme the server took with the versions probe and the
     * peer offers too is not the cause: no probe for it */
    if (p->ngroups > 0 && peer_uses_groups(p) &&
        !(d[D_VERSION].group != 0 &&
          mx_code_listed(p->groups, p->ngroups, d[D_VERSION].group))) {
        if (!d[D_GROUP].ran)
            return *k = D_GROUP, &d[D_GROUP];
        if (d[D_GROUP].ok == 1)
            return NULL;
    }
    if (p->nsigalgs > 0 &&
        !(d[D_VERSION].sigalg != 0 &&
          mx_code_listed(p->sigalgs, p->nsigalgs, d[D_VERSION].sigalg))) {
        if (!d[D_SIGALG].ran)
            return *k = D_SIGALG, &d[D_SIGALG];
        if (d[D_SIGALG].ok == 1)
            return NULL;
    }
    if (!d[D_CIPHER].ran)
        return *k = D_CIPHER, &d[D_CIPHER];
    return NULL;
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
    enum stage k = NSTAGE;

    while ((pt = next_probe(pj, &k)) != NULL) {
        if (k == D_VHIGH) { /* the run's control handshake answers it */
            if (pj->c->control != C_DONE) {
                want_control(pj, W_VHIGH);
                return;
            }
            from_control(pt, &pj->c->cjob.main);
            if (pt->ok == 1 && pt->key != MX_KEY_NONE && (unsigned)pt->key < 32)
                pj->keys |= 1u << pt->key;
            continue;
        }
        stage_lists(pj, k, pt);
        if (start_probe(pj, pt, stage_names[k]) == 0)
            return;
    }
    conclude(pj);
}

static const char *
keytype_for_auth(enum mx_sauth a)
{
    switch (a) {
    case MX_SAUTH_RSA:
        return "RSA";
    case MX_SAUTH_ECDSA:
        return "ECDSA";
    case MX_SAUTH_DSS:
        return "DSA";
    default:
        return "other";
    }
}

static const char *
cert_fix(enum mx_sauth a)
{
    switch (a) {
    case MX_SAUTH_RSA:
        return "add an RSA certificate (Postfix: smtpd_tls_chain_files with "
               "both keys, or smtpd_tls_cert_file/smtpd_tls_key_file beside "
               "smtpd_tls_eccert_file)";
    case MX_SAUTH_ECDSA:
        return "add an ECDSA certificate (Postfix: smtpd_tls_chain_files "
               "with both keys, or smtpd_tls_eccert_file/smtpd_tls_eckey_file "
               "beside smtpd_tls_cert_file)";
    case MX_SAUTH_DSS:
        return "add a DSA certificate (Postfix: smtpd_tls_chain_files, or "
               "smtpd_tls_dcert_file/smtpd_tls_dkey_file)";
    default:
        return "add a certificate of that type";
    }
}

/* "A, B and C" of at most max names, "and N more". */
static void
name_list(struct mx_buf *b, const uint16_t *codes, size_t n, int groups,
          size_t max)
{
    const struct mx_group *g;
    size_t i;

    for (i = 0; i < n && i < max; i++) {
        if (i > 0)
            mx_buf_append(b, i + 1 == n ? " and " : ", ");
        if (groups) {
            g = mx_group_by_code(codes[i]);
            mx_buf_append(b, g != NULL ? g->display : "?");
        } else {
            mx_buf_append(b, mx_suite_name(codes[i]));
        }
    }
    if (n > max)
        mx_buf_printf(b, " and %zu more", n - max);
}

static void
version_range(struct mx_buf *b, uint16_t lo, uint16_t hi)
{
    if (lo == hi)
        mx_buf_append(b, mx_version_name(lo));
    else
        mx_buf_printf(b, "%s to %s", mx_version_name(lo), mx_version_name(hi));
}

/* The suite of list closest to s: same key exchange and cipher first. */
static uint16_t
closest(const struct mx_suite *s, const uint16_t *list, size_t n)
{
    const struct mx_suite *t;
    uint16_t best = n > 0 ? list[0] : 0;
    int score, top = -1;
    size_t i;

    for (i = 0; i < n && s != NULL; i++) {
        t = mx_suite_by_code(list[i]);
        if (t == NULL)
            continue;
        score =
            (t->kx == s->kx) * 4 + (t->auth == s->auth) * 2 +
            (t->enc != NULL && s->enc != NULL && strcmp(t->enc, s->enc) == 0);
        if (score > top) {
            top = score;
            best = list[i];
        }
    }
    return best;
}

/* The certificate type the peer's signature schemes ask for first (RSA,
 * ECDSA, DSA), MX_SAUTH_NULL when they name none of them. */
static enum mx_sauth
sigalg_keytype(const struct mx_peer *p)
{
    const struct mx_sigalg *sa;
    size_t i;

    for (i = 0; i < p->nsigalgs; i++) {
        sa = mx_sigalg_by_code(p->sigalgs[i]);
        if (sa == NULL)
            continue;
        if (sa->key == MX_KEY_RSA || sa->key == MX_KEY_RSA_PSS)
            return MX_SAUTH_RSA;
        if (sa->key == MX_KEY_ECDSA)
            return MX_SAUTH_ECDSA;
        if (sa->key == MX_KEY_DSA)
            return MX_SAUTH_DSS;
    }
    return MX_SAUTH_NULL;
}

/* Did the server close (or reset) the connection, with no alert? */
static int
main_closed(const struct ptask *pt)
{
    const struct mx_task *t = &pt->task;

    if (t->rc != 0)
        return t->err.code == MX_E_CLOSED;
    if (t->engine == MX_ENGINE_OPENSSL)
        return !t->hs.accepted && t->hs.closed;
    return t->raw.flight == NULL || t->raw.flight->verdict == MX_V_NEED_MORE;
}

/* The peer's first suite with a finite-field DHE key exchange, or NULL. */
static const struct mx_suite *
first_dhe(const struct mx_peer *p)
{
    const struct mx_suite *s;
    size_t i;

    for (i = 0; i < p->nsuites; i++)
        if ((s = mx_suite_by_code(p->suites[i])) != NULL && s->kx == MX_KX_DHE)
            return s;
    return NULL;
}

/* "an Ed25519 certificate", "ECDSA and Ed25519 certificates": the key
 * types in keys (1 << mx_keytype) but not the one named need. */
static int
keys_phrase(struct mx_buf *b, unsigned keys, const char *need)
{
    const char *names[8];
    size_t n = 0, i;
    unsigned k;

    for (k = 0; k < 32 && n < 8; k++)
        if ((keys & (1u << k)) && (enum mx_keytype)k != MX_KEY_NONE &&
            strcmp(mx_keytype_name((enum mx_keytype)k), need) != 0)
            names[n++] = mx_keytype_name((enum mx_keytype)k);
    if (n == 0)
        return 0;
    if (n == 1)
        mx_buf_printf(b, "%s %s certificate",
                      strcmp(names[0], "DSA") == 0 ? "a" : "an", names[0]);
    else
        for (i = 0; i < n; i++)
            mx_buf_printf(b, "%s%s%s", names[i],
                          i + 2 < n   ? ", "
                          : i + 1 < n ? " and "
                                      : "",
                          i + 1 == n ? " certificates" : "");
    return 1;
}

static const char *const cipher_fix =
    "enable one of the peer's suites on the server (Postfix: "
    "smtpd_tls_ciphers, smtpd_tls_mandatory_ciphers, tls_*_cipherlist, "
    "smtpd_tls_exclude_ciphers)";

static void
conclude(struct pjob *pj)
{
    const struct mx_peer *p = pj->peer;
    const struct ptask *d = pj->d;
    struct mx_sim *o = pj->out;
    struct mx_buf b = MX_BUF_INIT;
    const struct mx_suite *s, *ps, *dhe = first_dhe(p);
    uint16_t shi, plo = lowest(p), phi = highest(p);
    unsigned auths = peer_auths(p);
    enum mx_sauth need = MX_SAUTH_RSA;
    size_t i, k;

    if (d[D_VERSION].ok == 0 && d[D_VHIGH].ok == 1) {
        shi = d[D_VHIGH].version;
        o->diag = MX_DIAG_PROTOCOL;
        snprintf(o->why, sizeof(o->why), "protocol version");
        mx_buf_append(&b, "no common protocol version - the peer offers ");
        version_range(&b, plo, phi);
        mx_buf_printf(&b, ", the server refuses %s (its highest is %s)",
                      plo == phi ? "it" : "them", mx_version_name(shi));
        if (phi < shi)
            mx_buf_printf(&b,
                          "; allow %s on the server (Postfix: "
                          "smtpd_tls_protocols = >=%s, and "
                          "smtpd_tls_mandatory_protocols where TLS is "
                          "mandatory)",
                          mx_version_name(phi),
                          phi == MX_TLS10 ? "TLSv1" : mx_version_name(phi));
        else
            mx_buf_printf(&b,
                          "; enable %s on the server (Postfix: "
                          "smtpd_tls_protocols; a TLS library that has it)",
                          mx_version_name(plo));
    } else if (d[D_VERSION].ok == 1 && d[D_AUTH].ok == 0 && auths != 0) {
        for (k = MX_SAUTH_RSA; k <= MX_SAUTH_ECDSA; k++)
            if (auths & (1u << k)) {
                need = (enum mx_sauth)k;
                break;
            }
        o->diag = MX_DIAG_CERT_TYPE;
        snprintf(o->why, sizeof(o->why), "no %s certificate",
                 keytype_for_auth(need));
        if (need == MX_SAUTH_RSA && peer_kx_rsa_only(p)) {
            mx_buf_append(&b, "no shared cipher - the peer offers only RSA "
                              "key transport suites (");
            name_list(&b, p->suites, p->nsuites, 0, 4);
            mx_buf_append(&b, "), which need an RSA certificate (the "
                              "server decrypts the premaster secret with "
                              "its RSA key), and the server has ");
        } else {
            mx_buf_printf(&b,
                          "no shared cipher - the peer offers only "
                          "%s-authenticated suites and the server has ",
                          keytype_for_auth(need));
        }
        if (!keys_phrase(&b, pj->keys, keytype_for_auth(need)))
            mx_buf_append(&b, "other certificates");
        mx_buf_printf(&b, " but no %s certificate", keytype_for_auth(need));
        s = d[D_CERT].ok == 1 ? mx_suite_by_code(d[D_CERT].suite) : NULL;
        ps = s != NULL ? mx_suite_by_code(closest(s, p->suites, p->nsuites))
                       : NULL;
        if (ps != NULL)
            mx_buf_printf(&b, " (with one, %s would match)",
                          ps->openssl != NULL ? ps->openssl : ps->iana);
        mx_buf_printf(&b, "; %s", cert_fix(need));
        if (d[D_CERT].ok == 0)
            mx_buf_printf(&b,
                          ", and %s: the server refuses the peer's ciphers "
                          "with the certificates it has too",
                          cipher_fix);
    } else if (d[D_GROUP].ok == 1) {
        o->diag = MX_DIAG_GROUP;
        snprintf(o->why, sizeof(o->why), "no common group");
        mx_buf_append(&b, "no common key exchange group - the peer offers ");
        name_list(&b, p->groups, p->ngroups, 1, 6);
        mx_buf_printf(&b,
                      ", the server chose %s when offered every group; "
                      "enable one of the peer's groups on the server "
                      "(Postfix: tls_eecdh_auto_curves)",
                      mx_group_by_code(d[D_GROUP].group) != NULL
                          ? mx_group_by_code(d[D_GROUP].group)->display
                          : "another group");
    } else if (d[D_SIGALG].ok == 1) {
        o->diag = MX_DIAG_SIGALG;
        snprintf(o->why, sizeof(o->why), "signature algorithm");
        mx_buf_append(&b, "no usable signature algorithm - none of the "
                          "peer's signature schemes (");
        for (i = 0; i < p->nsigalgs && i < 6; i++) {
            const struct mx_sigalg *sa = mx_sigalg_by_code(p->sigalgs[i]);
            mx_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
                          sa != NULL ? sa->iana : "?");
        }
        if (p->nsigalgs > 6)
            mx_buf_printf(&b, " and %zu more", p->nsigalgs - 6);
        mx_buf_append(&b, ") can sign with the server's certificate");
        need = sigalg_keytype(p);
        if (need != MX_SAUTH_NULL)
            mx_buf_printf(&b, "; %s", cert_fix(need));
        else
            mx_buf_append(&b, "; add a certificate whose key type the peer "
                              "can verify (Postfix: smtpd_tls_chain_files)");
    } else if (dhe != NULL && p->suites[0] == dhe->code &&
               main_closed(&pj->main)) {
        /* a DHE-first peer, and the server closed without an alert */
        o->diag = MX_DIAG_UNKNOWN;
        snprintf(o->why, sizeof(o->why), "closed on DHE?");
        mx_buf_printf(&b,
                      "the server closed the connection without an alert "
                      "(%s); the peer offers %s first: a server closes "
                      "like this when it picks a DHE suite and has no DH "
                      "parameters (an inference from the close, not an "
                      "answer of the server: check its log; Dovecot: "
                      "ssl_dh = </etc/dovecot/dh.pem; Postfix: "
                      "smtpd_tls_dh1024_param_file)",
                      o->refusal,
                      dhe->openssl != NULL ? dhe->openssl : dhe->iana);
    } else if (d[D_CIPHER].ok == 1) {
        s = mx_suite_by_code(d[D_CIPHER].suite);
        ps = s != NULL ? mx_suite_by_code(closest(s, p->suites, p->nsuites))
                       : NULL;
        o->diag = MX_DIAG_CIPHER;
        snprintf(o->why, sizeof(o->why), "no shared cipher");
        mx_buf_append(&b, "no shared cipher - the peer offers ");
        name_list(&b, p->suites, p->nsuites, 0, 4);
        mx_buf_printf(&b, ", the server accepts e.g. %s",
                      s != NULL && s->openssl ? s->openssl
                      : s != NULL             ? s->iana
                                              : "other suites");
        if (ps != NULL && s != NULL)
            mx_buf_printf(&b, "; closest: the peer's %s and the server's %s",
                          ps->openssl != NULL ? ps->openssl : ps->iana,
                          s->openssl != NULL ? s->openssl : s->iana);
        mx_buf_printf(&b, "; %s", cipher_fix);
    } else {
        const struct ptask *broke = NULL;
        for (k = 0; k < NSTAGE && broke == NULL; k++)
            if (d[k].ran && d[k].ok < 0)
                broke = &d[k];
        o->diag = MX_DIAG_UNKNOWN;
        snprintf(o->why, sizeof(o->why), "%s", o->refusal);
        if (broke == NULL && main_closed(&pj->main) &&
            (dhe = first_dhe(p)) != NULL)
            mx_buf_printf(&b,
                          "the server closed the connection without an "
                          "alert (%s), and so did every variation of the "
                          "offer tried; the peer offers %s: a server closes "
                          "like this when it picks a DHE suite and has no "
                          "DH parameters (an inference from the close: "
                          "check the server's log; Dovecot: ssl_dh = "
                          "</etc/dovecot/dh.pem; Postfix: "
                          "smtpd_tls_dh1024_param_file)",
                          o->refusal,
                          dhe->openssl != NULL ? dhe->openssl : dhe->iana);
        else if (broke != NULL)
            mx_buf_printf(&b,
                          "the server refused the peer's offer (%s); the "
                          "diagnosis stopped where the probe with %s "
                          "failed: %s",
                          o->refusal, broke->name, broke->detail);
        else
            mx_buf_printf(&b,
                          "the server refused the peer's offer (%s), and "
                          "every variation of it tried; see "
                          "check_tls_protocol --ciphers for what the server "
                          "accepts",
                          o->refusal);
    }
    if (!mx_buf_failed(&b))
        snprintf(o->detail, sizeof(o->detail), "%s", mx_buf_str(&b));
    mx_buf_free(&b);
    mx_log(1, "peer %s: %s (%d probe%s, %d refused or cut short)", p->name,
           o->detail, o->probes, o->probes == 1 ? "" : "s", o->refusals);
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
    const struct mx_task *t = &pt->task;
    X509 *leaf;
    struct mx_certinfo ci;
    struct mx_error e;

    judge(pt);
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
    return lowest(p) >= MX_TLS10 && highest(p) <= MX_TLS13;
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
    pt->vmin = MX_TLS10;
    pt->vmax = MX_TLS13;
    open_suites(pt, c, 0);
    open_groups(pt);
    open_sigalgs(pt);
    if (start_probe(&c->cjob, pt, "control (everything the library offers)") !=
        0)
        control_done(c, 0);
}

/* The control has ended: every peer waiting for it goes on. */
static void
control_done(struct sctx *c, int ran)
{
    struct ptask *pt = &c->cjob.main;
    size_t i;

    if (ran) {
        judge(pt);
        count(c->asker, pt);
    }
    c->control = C_DONE;
    mx_log(2, "control handshake (%s to %s, everything offered): %s",
           mx_version_name(pt->vmin), mx_version_name(pt->vmax),
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
    if (pt->is_control) {
        control_done(pj->c, 1);
        return;
    }
    if (pt->is_main) {
        main_done(pj);
        return;
    }
    judge(pt);
    count(pj, pt);
    mx_log(2, "peer %s: probe %s (%s to %s): %s", pj->peer->name, pt->name,
           mx_version_name(pt->vmin), mx_version_name(pt->vmax),
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
    const struct ptask *ctl = &pj->c->cjob.main;
    struct mx_sim *o = pj->out;
    struct mx_buf b = MX_BUF_INIT;
    const char *alert = mx_alert_name(failure_alert(ctl));

    if (o->state == MX_SIM_OK) { /* a raw first flight, and no further */
        mx_buf_printf(&b,
                      "the server answered this peer's ClientHello with a "
                      "%s ServerHello (%s), which is as far as a raw "
                      "ClientHello reads, but it fails every TLS handshake "
                      "(alert %s)",
                      mx_version_name(o->version), mx_suite_name(o->suite),
                      alert);
        snprintf(o->refusal, sizeof(o->refusal), "fails after the ServerHello");
        o->state = MX_SIM_FAIL;
        o->version = o->suite = o->group = 0;
        o->cert[0] = '\0';
    } else {
        mx_buf_printf(&b,
                      "the server fails every TLS handshake (alert %s), "
                      "whatever is offered: this peer's offer got \"%s\"",
                      alert, o->refusal);
    }
    mx_buf_append(&b, ", and a handshake offering every version from TLSv1.0 "
                      "to TLSv1.3 and every suite, group and signature "
                      "scheme of this OpenSSL, which a working server "
                      "accepts by its own choice, failed too; no handshake "
                      "of this run completed, so this is no mismatch of the "
                      "peer's: check the server's certificate and key "
                      "configuration (its log names the error)");
    o->diag = MX_DIAG_SERVER;
    snprintf(o->why, sizeof(o->why),
             "server fails every TLS handshake (alert %s)", alert);
    if (!mx_buf_failed(&b))
        snprintf(o->detail, sizeof(o->detail), "%s", mx_buf_str(&b));
    mx_buf_free(&b);
    mx_log(1, "peer %s: %s", pj->peer->name, o->detail);
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
    if (a->kind == MX_PEER_HELLO || b->kind == MX_PEER_HELLO)
        return a->kind == b->kind && a->hello.len == b->hello.len &&
               a->hello.bytes != NULL && b->hello.bytes != NULL &&
               memcmp(a->hello.bytes, b->hello.bytes, a->hello.len) == 0;
    return a->nversions == b->nversions && a->nsuites == b->nsuites &&
           a->ngroups == b->ngroups && a->nsigalgs == b->nsigalgs &&
           memcmp(a->versions, b->versions,
                  a->nversions * sizeof(a->versions[0])) == 0 &&
           memcmp(a->suites, b->suites, a->nsuites * sizeof(a->suites[0])) ==
               0 &&
           memcmp(a->groups, b->groups, a->ngroups * sizeof(a->groups[0])) ==
               0 &&
           memcmp(a->sigalgs, b->sigalgs,
                  a->nsigalgs * sizeof(a->sigalgs[0])) == 0;
}

static void
free_task(struct ptask *pt)
{
    mx_task_free(&pt->task);
    if (pt->own_hello)
        free(pt->hello);
    pt->hello = NULL;
}

int
mx_simulate(struct mx_target *t, const struct mx_peer *peers, size_t n,
            int parallel, const char *sni, struct mx_sim *out,
            struct mx_probe_stats *stats, struct mx_error *err)
{
    struct sctx *c = NULL;
    struct pjob *pj = NULL;
    size_t *leader = NULL;
    size_t i, k;
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
    mx_task_init(&c->cjob.main.task);
    mx_offer_library_order(c->pref, PREF_MAX, &c->npref);
    mx_sched_init(&c->s, t, parallel);
    for (i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        out[i].peer = &peers[i];
        pj[i].c = c;
        pj[i].peer = &peers[i];
        pj[i].out = &out[i];
        mx_task_init(&pj[i].main.task);
        for (k = 0; k < NSTAGE; k++)
            mx_task_init(&pj[i].d[k].task);
        /* a peer that offers what an earlier one offers shares its run */
        for (leader[i] = 0; leader[i] < i; leader[i]++)
            if (leader[leader[i]] == leader[i] &&
                same_offer(&peers[i], &peers[leader[i]]))
                break;
        if (leader[i] != i)
            continue;
        if (setup_main(&pj[i], &out[i].err) != 0) {
            out[i].state = MX_SIM_ERROR;
            continue;
        }
        mx_sched_add(&c->s, &pj[i].main.task);
    }
    (void)mx_sched_run(&c->s);
    settle(c);
    for (i = 0; i < n; i++)
        if (leader[i] != i) {
            out[i] = out[leader[i]];
            out[i].peer = &peers[i];
            out[i].shared = 1;
        }
    if (stats != NULL) {
        stats->connections += c->s.stats.connections;
        stats->handshakes += c->s.stats.handshakes;
    }
    rc = 0;
out:
    for (i = 0; pj != NULL && i < n; i++) {
        free_task(&pj[i].main);
        for (k = 0; k < NSTAGE; k++)
            free_task(&pj[i].d[k]);
    }
    if (c != NULL)
        free_task(&c->cjob.main);
    free(leader);
    free(pj);
    free(c);
    return rc;
}
