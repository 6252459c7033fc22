/*
 * simulate.c - peers' clients against our server, and why a peer fails
 * (see simulate.h).
 *
 * A peer is one "pjob": the main task (the peer's offer), and, when the
 * server refuses it, the diagnosis tasks: four relaxations of the peer's
 * own offer (other certificate types for its ciphers; any group; any
 * signature scheme; any suite), and the four version probes (TLS 1.0 to
 * 1.3, everything else as open as possible), which depend on the server
 * only and so run once for all failing peers. When the last of a peer's
 * probes ends, the cause is decided in this order: protocol version,
 * certificate type, group, signature algorithm, cipher; if nothing
 * helped, the cause is unknown. Peers that offer exactly the same share
 * one simulation.
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
#include "log.h"
#include "offer.h"
#include "registry.h"
#include "simulate.h"
#include "suites.h"
#include "text.h"

#define HELLO_CAP 16400
#define NVPROBES  4 /* TLS 1.0 .. TLS 1.3 */
#define MAX_OFFER (MX_PEER_MAX_SUITES * 2)
#define PREF_MAX  512

enum relax { R_CERT = 0, R_GROUP, R_SIGALG, R_CIPHER, NRELAX };
enum kind { K_MAIN, K_VERSION, K_RELAX };

static const uint16_t tls_versions[NVPROBES] = {MX_TLS10, MX_TLS11, MX_TLS12,
                                                MX_TLS13};

struct sctx;
struct pjob;

struct ptask {
    struct mx_task task;
    struct pjob *pj;
    enum kind kind;
    int index;
    uint16_t vmin, vmax;
    uint16_t suites[MAX_OFFER];
    size_t nsuites;
    uint16_t groups[MX_PEER_MAX_LIST * 2];
    size_t ngroups;
    uint16_t sigalgs[128];
    size_t nsigalgs;
    uint8_t *hello; /* raw engine: malloc'd, or the peer's recording */
    int own_hello;
    /* the verdict */
    int ok;         /* 1 accepted, 0 refused, -1 no verdict */
    uint16_t suite; /* accepted: what the server chose */
    uint16_t group;
    uint16_t version;
    char detail[512]; /* refused: how */
};

struct pjob {
    struct sctx *c;
    const struct mx_peer *peer;
    struct mx_sim *out;
    struct ptask main;
    struct ptask r[NRELAX];
    int pending; /* its relaxations, and the version probes */
    int waits_for_versions;
};

struct sctx {
    struct mx_sched s;
    struct mx_shares shares;
    const char *sni;
    uint16_t pref[PREF_MAX];
    size_t npref;
    struct pjob vjob;         /* owner of the shared version probes */
    struct ptask v[NVPROBES]; /* the server's versions, asked once */
    int vstarted;
    int vpending;
    struct pjob **waiting; /* failing peers waiting for them */
    size_t nwaiting;
};

const char *
mx_diag_name(enum mx_diag d)
{
    static const char *const names[] = {
        "none",   "protocol version",    "certificate type",
        "group",  "signature algorithm", "cipher",
        "unknown"};

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

/* Can the OpenSSL engine offer exactly what the peer offers? */
static int
library_can_offer(const struct mx_peer *p)
{
    const struct mx_group *g;
    const struct mx_sigalg *s;
    size_t i;

    if (lowest(p) < MX_TLS10 || highest(p) > MX_TLS13)
        return 0;
    for (i = 0; i < p->nsuites; i++)
        if (p->suites[i] != 0x00ff && p->suites[i] != 0x5600 &&
            !mx_suite_in_library(p->suites[i]))
            return 0;
    for (i = 0; i < p->ngroups; i++)
        if ((g = mx_group_by_code(p->groups[i])) == NULL || g->openssl == NULL)
            return 0;
    for (i = 0; i < p->nsigalgs; i++)
        if ((s = mx_sigalg_by_code(p->sigalgs[i])) == NULL ||
            s->openssl == NULL)
            return 0;
    return p->nsuites > 0;
}

static void task_done(struct mx_sched *s, struct mx_task *task);

static void
task_setup(struct ptask *pt, enum mx_engine engine)
{
    mx_task_free(&pt->task);
    mx_task_init(&pt->task);
    pt->task.engine = engine;
    pt->task.done = task_done;
    pt->task.arg = pt;
    pt->ok = -1;
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
        add(pt->groups, &pt->ngroups, MX_PEER_MAX_LIST * 2, p->groups[i]);
    for (i = 0; i < p->nsigalgs; i++)
        add(pt->sigalgs, &pt->nsigalgs, 128, p->sigalgs[i]);
    pt->vmin = lowest(p);
    pt->vmax = highest(p);
}

/* The main task: the peer's own offer. */
static int
setup_main(struct pjob *pj, struct mx_error *err)
{
    const struct mx_peer *p = pj->peer;
    struct ptask *pt = &pj->main;
    struct mx_offer *o = &pt->task.offer;

    pt->pj = pj;
    pt->kind = K_MAIN;
    copy_lists(pt, p);
    if (library_can_offer(p)) {
        task_setup(pt, MX_ENGINE_OPENSSL);
        o->min_version = pt->vmin;
        o->max_version = pt->vmax;
        o->suites = pt->suites;
        o->nsuites = pt->nsuites;
        o->groups = pt->ngroups > 0 ? pt->groups : NULL;
        o->ngroups = pt->ngroups;
        o->sigalgs = pt->nsigalgs > 0 ? pt->sigalgs : NULL;
        o->nsigalgs = pt->nsigalgs;
        o->sni = pj->c->sni;
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

/* The certificate of a raw TLS <= 1.2 flight, as a label. */
static void
leaf_label(const struct mx_flight *f, char *out, size_t cap)
{
    const unsigned char *p = f->leaf;
    struct mx_certinfo ci;
    struct mx_error e;
    X509 *x;

    out[0] = '\0';
    if (f->leaf == NULL || f->leaf_len == 0)
        return;
    x = d2i_X509(NULL, &p, (long)f->leaf_len);
    if (x != NULL && mx_certinfo_get(x, &ci, &e) == 0)
        snprintf(out, cap, "%s", ci.label);
    X509_free(x);
}

/* Judge a finished task into pt->ok and its fields. */
static void
judge(struct ptask *pt)
{
    const struct mx_task *t = &pt->task;
    const struct mx_flight *f;
    struct mx_error e;
    int rc;

    pt->ok = -1;
    if (t->rc != 0)
        return;
    if (t->engine == MX_ENGINE_OPENSSL) {
        pt->ok = t->hs.accepted;
        if (pt->ok) {
            pt->version = t->hs.version;
            pt->suite = t->hs.suite;
            pt->group = t->hs.group;
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
    }
}

static void conclude(struct pjob *pj);

static void
start_diagnosis(struct pjob *pj)
{
    struct sctx *c = pj->c;
    const struct mx_peer *p = pj->peer;
    const struct mx_suite *s, *t;
    const struct mx_group *g;
    const struct mx_sigalg *sa;
    struct ptask *pt;
    struct mx_error err;
    size_t i, j, n, ns, k;
    uint16_t v;

    /* versions: is any of the peer's versions accepted at all? The
     * probes are the same for every peer: they run once. */
    if (!c->vstarted) {
        c->vstarted = 1;
        c->vjob.c = c;
        for (k = 0; k < NVPROBES; k++) {
            pt = &c->v[k];
            pt->pj = &c->vjob;
            pt->kind = K_VERSION;
            pt->index = (int)k;
            v = tls_versions[k];
            pt->vmin = pt->vmax = v;
            pt->nsuites =
                mx_offer_universe(v, c->pref, c->npref, pt->suites, 128);
            pt->ngroups = pt->nsigalgs = 0;
            if (raw_from_lists(pt, MX_FLIGHT_STOP_HELLO, &err) == 0) {
                c->vpending++;
                mx_sched_add(&c->s, &pt->task);
            }
        }
    }
    if (c->vpending > 0) {
        c->waiting[c->nwaiting++] = pj;
        pj->waits_for_versions = 1;
        pj->pending++;
    }
    for (k = 0; k < NRELAX; k++) {
        pt = &pj->r[k];
        pt->pj = pj;
        pt->kind = K_RELAX;
        pt->index = (int)k;
        copy_lists(pt, p);
        switch (k) {
        case R_CERT: /* the same ciphers with other certificate types */
            t = mx_suites(&n);
            for (i = 0, ns = pt->nsuites; i < ns; i++) {
                s = mx_suite_by_code(pt->suites[i]);
                if (s == NULL || s->auth == MX_SAUTH_TLS13)
                    continue;
                for (j = 0; j < n; j++)
                    if (t[j].auth != s->auth &&
                        (t[j].auth == MX_SAUTH_RSA ||
                         t[j].auth == MX_SAUTH_ECDSA ||
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
            pt->nsigalgs = 0; /* every scheme */
            break;
        case R_GROUP:
            g = mx_groups(&n);
            for (i = 0; i < n; i++)
                if (pt->vmax == MX_TLS13 ? g[i].tls13 : g[i].code < 0x0100)
                    add(pt->groups, &pt->ngroups, MX_PEER_MAX_LIST * 2,
                        g[i].code);
            break;
        case R_SIGALG:
            sa = mx_sigalgs(&n);
            for (i = 0; i < n; i++)
                add(pt->sigalgs, &pt->nsigalgs, 128, sa[i].code);
            break;
        case R_CIPHER:
            for (v = pt->vmin; v <= pt->vmax && v != 0; v++) {
                uint16_t u[128];
                size_t nu = mx_offer_universe(v, c->pref, c->npref, u, 128);
                for (i = 0; i < nu; i++)
                    add(pt->suites, &pt->nsuites, MAX_OFFER, u[i]);
            }
            break;
        }
        if (pt->nsuites > 256)
            pt->nsuites = 256; /* keep the hello a size servers take */
        /* the group of a TLS 1.2 handshake is in the ServerKeyExchange */
        if (raw_from_lists(
                pt, k == R_GROUP ? MX_FLIGHT_STOP_DONE : MX_FLIGHT_STOP_HELLO,
                &err) == 0) {
            pj->pending++;
            mx_sched_add(&c->s, &pt->task);
        }
    }
    if (pj->pending == 0)
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

static void
conclude(struct pjob *pj)
{
    const struct mx_peer *p = pj->peer;
    struct mx_sim *o = pj->out;
    struct mx_buf b = MX_BUF_INIT, pb = MX_BUF_INIT;
    const struct mx_suite *s, *ps;
    uint16_t slo = 0, shi = 0, plo = lowest(p), phi = highest(p);
    unsigned peer_auths = 0;
    size_t i, k;
    int common = 0;

    for (k = 0; k < NVPROBES; k++) {
        if (pj->c->v[k].ok != 1)
            continue;
        if (slo == 0)
            slo = tls_versions[k];
        shi = tls_versions[k];
        if (tls_versions[k] >= plo && tls_versions[k] <= phi)
            common = 1;
    }
    for (i = 0; i < p->nsuites; i++) /* suites usable below TLS 1.3 */
        if ((s = mx_suite_by_code(p->suites[i])) != NULL &&
            s->auth != MX_SAUTH_TLS13 && plo < MX_TLS13 &&
            mx_suite_valid_for(s, phi < MX_TLS13 ? phi : MX_TLS12))
            peer_auths |= 1u << s->auth;

    if (!common && slo != 0) {
        o->diag = MX_DIAG_PROTOCOL;
        snprintf(o->why, sizeof(o->why), "protocol version");
        mx_buf_append(&b, "no common protocol version - the peer offers ");
        version_range(&b, plo, phi);
        mx_buf_append(&b, ", the server accepts ");
        version_range(&b, slo, shi);
        if (phi < slo)
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
    } else if (pj->r[R_CERT].ok == 1 &&
               (s = mx_suite_by_code(pj->r[R_CERT].suite)) != NULL &&
               (s->auth == MX_SAUTH_RSA || s->auth == MX_SAUTH_ECDSA ||
                s->auth == MX_SAUTH_DSS) &&
               !(peer_auths & (1u << s->auth)) && peer_auths != 0) {
        enum mx_sauth need = MX_SAUTH_RSA;
        for (k = MX_SAUTH_RSA; k <= MX_SAUTH_ECDSA; k++)
            if (peer_auths & (1u << k)) {
                need = (enum mx_sauth)k;
                break;
            }
        ps = mx_suite_by_code(closest(s, p->suites, p->nsuites));
        o->diag = MX_DIAG_CERT_TYPE;
        snprintf(o->why, sizeof(o->why), "no %s certificate",
                 keytype_for_auth(need));
        mx_buf_printf(&b,
                      "no shared cipher - the peer offers only "
                      "%s-authenticated suites and the server has an %s "
                      "certificate but no %s certificate",
                      keytype_for_auth(need), keytype_for_auth(s->auth),
                      keytype_for_auth(need));
        if (ps != NULL)
            mx_buf_printf(&b, " (with one, %s would match)",
                          ps->openssl != NULL ? ps->openssl : ps->iana);
        mx_buf_printf(&b, "; %s", cert_fix(need));
    } else if (pj->r[R_GROUP].ok == 1) {
        o->diag = MX_DIAG_GROUP;
        snprintf(o->why, sizeof(o->why), "no common group");
        mx_buf_append(&b, "no common key exchange group - the peer offers ");
        name_list(&b, p->groups, p->ngroups, 1, 6);
        mx_buf_printf(&b,
                      ", the server chose %s when offered every group; "
                      "enable one of the peer's groups on the server "
                      "(Postfix: tls_eecdh_auto_curves)",
                      mx_group_by_code(pj->r[R_GROUP].group) != NULL
                          ? mx_group_by_code(pj->r[R_GROUP].group)->display
                          : "another group");
    } else if (pj->r[R_SIGALG].ok == 1) {
        enum mx_sauth need;
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
    } else if (pj->r[R_CIPHER].ok == 1) {
        s = mx_suite_by_code(pj->r[R_CIPHER].suite);
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
        mx_buf_append(&b, "; enable one of the peer's suites on the server "
                          "(Postfix: smtpd_tls_ciphers, "
                          "smtpd_tls_mandatory_ciphers, tls_*_cipherlist, "
                          "smtpd_tls_exclude_ciphers)");
    } else {
        o->diag = MX_DIAG_UNKNOWN;
        snprintf(o->why, sizeof(o->why), "%s", o->refusal);
        mx_buf_printf(&b,
                      "the server refused the peer's offer (%s), and every "
                      "variation of it tried; see check_tls_protocol "
                      "--ciphers for what the server accepts",
                      o->refusal);
    }
    if (!mx_buf_failed(&b))
        snprintf(o->detail, sizeof(o->detail), "%s", mx_buf_str(&b));
    mx_buf_free(&b);
    mx_buf_free(&pb);
    mx_log(1, "peer %s: %s", p->name, o->detail);
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
            leaf_label(t->raw.flight, o->cert, sizeof(o->cert));
        }
        return;
    }
    o->state = MX_SIM_FAIL;
    snprintf(o->refusal, sizeof(o->refusal), "%s", pt->detail);
    start_diagnosis(pj);
}

static void
task_done(struct mx_sched *s, struct mx_task *task)
{
    struct ptask *pt = task->arg;
    struct pjob *pj = pt->pj;

    (void)s;
    if (pt->kind == K_MAIN) {
        main_done(pj);
        return;
    }
    judge(pt);
    if (pt->kind == K_VERSION) {
        struct sctx *c = pj->c;
        size_t i;
        mx_log(2, "server version probe %s: %s",
               mx_version_name(tls_versions[pt->index]),
               pt->ok == 1 ? "accepted" : pt->detail);
        if (--c->vpending > 0)
            return;
        for (i = 0; i < c->nwaiting; i++)
            if (--c->waiting[i]->pending == 0)
                conclude(c->waiting[i]);
        c->nwaiting = 0;
        return;
    }
    mx_log(2, "peer %s: relaxation %d: %s", pj->peer->name, pt->index,
           pt->ok == 1 ? "accepted" : pt->detail);
    if (--pj->pending == 0)
        conclude(pj);
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
    c->waiting = calloc(n > 0 ? n : 1, sizeof(*c->waiting));
    if (c->waiting == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    for (k = 0; k < NVPROBES; k++)
        mx_task_init(&c->v[k].task);
    mx_offer_library_order(c->pref, PREF_MAX, &c->npref);
    mx_sched_init(&c->s, t, parallel);
    for (i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        out[i].peer = &peers[i];
        pj[i].c = c;
        pj[i].peer = &peers[i];
        pj[i].out = &out[i];
        mx_task_init(&pj[i].main.task);
        for (k = 0; k < NRELAX; k++)
            mx_task_init(&pj[i].r[k].task);
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
    for (i = 0; i < n; i++)
        if (leader[i] != i) {
            out[i] = out[leader[i]];
            out[i].peer = &peers[i];
        }
    if (stats != NULL) {
        stats->connections += c->s.stats.connections;
        stats->handshakes += c->s.stats.handshakes;
    }
    rc = 0;
out:
    for (i = 0; pj != NULL && i < n; i++) {
        free_task(&pj[i].main);
        for (k = 0; k < NRELAX; k++)
            free_task(&pj[i].r[k]);
    }
    for (k = 0; c != NULL && k < NVPROBES; k++)
        free_task(&c->v[k]);
    if (c != NULL)
        free(c->waiting);
    free(leader);
    free(pj);
    free(c);
    return rc;
}
