/*
 * enumerate.c - versions, suites, order, groups and fallback protection
 * of a server, by raw ClientHellos on the scheduler (see enumerate.h).
 *
 * Jobs: a job is a scheduler task with what it is for (a version probe, a
 * suite or group elimination chain, an order or fallback probe) and the
 * ClientHello it sends. A chain reuses its job: when the server picks a
 * candidate, the candidate is removed and the job goes back on the queue
 * with a new hello. Every job is freed when mx_enumerate returns.
 *
 * Error contract: see enumerate.h. A server that answers with a version
 * or a suite it was not offered, or with malformed TLS, gets an error
 * (MX_E_TLS) that says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "enumerate.h"
#include "hello.h"
#include "log.h"
#include "registry.h"
#include "suites.h"

#define HELLO_CAP 16400

static const uint16_t version_codes[MX_NVERSIONS] = {
    MX_SSL2, MX_SSL3, MX_TLS10, MX_TLS11, MX_TLS12, MX_TLS13};

enum jkind { J_VERSION, J_SUITES, J_ORDER, J_GROUPS, J_FALLBACK };

struct ctx;

struct job {
    struct mx_task task;
    struct ctx *ctx;
    enum jkind kind;
    int vi;
    uint16_t offer[MX_ENUM_CHUNK + 1]; /* the suites in its hello */
    size_t noffer;
    uint16_t cand[MX_ENUM_MAX_GROUPS]; /* group chains: groups left */
    size_t ncand;
    uint8_t *hello;
    size_t hello_len;
    struct job *all_next; /* every job, for freeing */
};

struct share {
    uint16_t group;
    long len; /* <= 0: cannot be made */
    uint8_t data[2048];
};

#define NSHARES 16

struct ctx {
    struct mx_enum *e;
    const struct mx_enum_opts *o;
    struct mx_sched s;
    struct job *jobs;
    int pending_versions;             /* version probes not yet done */
    int pending_suites[MX_NVERSIONS]; /* suite chains still running */
    struct share shares[NSHARES];     /* made once, reused by every hello */
    size_t nshares;
    uint16_t scratch[MX_ENUM_MAX_SUITES];
    uint16_t pref[MX_ENUM_MAX_SUITES]; /* the library's suite order */
    size_t npref;
    uint16_t sigalgs[128];
    size_t nsigalgs;
    int failed; /* an internal error stopped new work */
};

int
mx_version_index(uint16_t version)
{
    int i;

    for (i = 0; i < MX_NVERSIONS; i++)
        if (version_codes[i] == version)
            return i;
    return -1;
}

static void job_done(struct mx_sched *s, struct mx_task *task);

static struct job *
new_job(struct ctx *c, enum jkind kind, int vi)
{
    struct job *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return NULL;
    j->hello = malloc(HELLO_CAP);
    if (j->hello == NULL) {
        free(j);
        return NULL;
    }
    j->ctx = c;
    j->kind = kind;
    j->vi = vi;
    j->all_next = c->jobs;
    c->jobs = j;
    return j;
}

/* A key share for group, made on first use; NULL if it cannot be made. */
static const struct share *
share_for(struct ctx *c, uint16_t group)
{
    struct share *sh;
    size_t i;

    for (i = 0; i < c->nshares; i++)
        if (c->shares[i].group == group)
            return c->shares[i].len > 0 ? &c->shares[i] : NULL;
    if (c->nshares == NSHARES)
        return NULL;
    sh = &c->shares[c->nshares++];
    sh->group = group;
    sh->len = mx_keyshare_make(group, sh->data, sizeof(sh->data));
    return sh->len > 0 ? sh : NULL;
}

/* Groups offered below TLS 1.3 and in TLS 1.3 version probes. */
static const uint16_t common_groups[] = {0x001d, 0x0017, 0x0018, 0x0019,
                                         0x001e, 0x0100, 0x0101, 0x0102};

/*
 * Build the ClientHello of a job: its version, the suites in j->offer,
 * the given groups (NULL: the common groups). In TLS 1.3 there are key
 * shares for the first two groups a share can be made for (real clients
 * send one or two). stop is set on the task.
 */
static int
build(struct job *j, const uint16_t *groups, size_t ngroups, int stop)
{
    const uint16_t *suites = j->offer;
    size_t nsuites = j->noffer;
    const struct share *sh;
    struct ctx *c = j->ctx;
    struct mx_hello h;
    struct mx_key_share shares[2];
    struct mx_error err;
    uint32_t ssl2[16];
    const struct mx_ssl2_cipher *s2;
    size_t n2, i, nshares = 0;
    uint16_t v = version_codes[j->vi];
    uint16_t v13[1] = {MX_TLS13};

    memset(&h, 0, sizeof(h));
    if (RAND_bytes(h.random, sizeof(h.random)) != 1 ||
        RAND_bytes(h.session_id, sizeof(h.session_id)) != 1)
        return -1;
    if (groups == NULL) {
        groups = common_groups;
        ngroups = sizeof(common_groups) / sizeof(common_groups[0]);
    }
    h.suites = suites;
    h.nsuites = nsuites;
    h.sni = c->o->sni;
    if (v == MX_SSL2) {
        s2 = mx_ssl2_ciphers(&n2);
        for (i = 0; i < n2 && i < 16; i++)
            ssl2[i] = s2[i].code;
        h.sslv2 = 1;
        h.legacy_version = MX_SSL2;
        h.ssl2_ciphers = ssl2;
        h.nssl2_ciphers = i;
    } else if (v == MX_SSL3) {
        h.record_version = MX_SSL3;
        h.legacy_version = MX_SSL3;
        h.flags = 0; /* no extensions: what SSLv3 clients send */
    } else if (v == MX_TLS13) {
        h.record_version = MX_TLS10;
        h.legacy_version = MX_TLS12;
        h.versions = v13;
        h.nversions = 1;
        h.groups = groups;
        h.ngroups = ngroups;
        h.sigalgs = c->sigalgs;
        h.nsigalgs = c->nsigalgs;
        for (i = 0; i < ngroups && nshares < 2; i++) {
            sh = share_for(c, groups[i]);
            if (sh == NULL)
                continue;
            shares[nshares].group = sh->group;
            shares[nshares].data = sh->data;
            shares[nshares++].len = (size_t)sh->len;
        }
        h.shares = shares;
        h.nshares = nshares;
        h.flags = MX_HELLO_MODERN & ~(nshares == 0 ? MX_HELLO_KEY_SHARE : 0);
    } else {
        h.record_version = MX_TLS10;
        h.legacy_version = v;
        h.groups = groups;
        h.ngroups = ngroups;
        h.flags = MX_HELLO_SNI | MX_HELLO_GROUPS | MX_HELLO_POINT_FMT |
                  MX_HELLO_RENEG_EXT | MX_HELLO_EMS | MX_HELLO_TICKET |
                  MX_HELLO_PADDING | MX_HELLO_SESSION_ID;
        if (v == MX_TLS12) {
            h.sigalgs = c->sigalgs;
            h.nsigalgs = c->nsigalgs;
            h.flags |= MX_HELLO_SIGALGS;
        }
    }
    if (h.sni == NULL)
        h.flags &= ~(unsigned)MX_HELLO_SNI;
    if (mx_hello_encode(&h, j->hello, HELLO_CAP, &j->hello_len, &err) != 0) {
        mx_log(1, "enumerate: cannot build a ClientHello: %s", err.msg);
        return -1;
    }
    mx_task_free(&j->task);
    mx_task_init(&j->task);
    j->task.engine = MX_ENGINE_RAW;
    j->task.hello = j->hello;
    j->task.hello_len = j->hello_len;
    j->task.stop = stop;
    j->task.offered = j->offer;
    j->task.noffered = j->noffer;
    j->task.done = job_done;
    j->task.arg = j;
    return 0;
}

static int
offered(const uint16_t *list, size_t n, uint16_t code)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (list[i] == code)
            return 1;
    return 0;
}

/*
 * The candidate suites of a version in the order a real client offers
 * them: TLS 1.3 suites as OpenSSL orders them, then the library's own
 * order of everything it implements (strongest first), then every other
 * suite of the registry that is valid for the version, in code order.
 */
static size_t
universe(const struct ctx *c, int vi, uint16_t *out, size_t cap)
{
    static const uint16_t tls13[] = {0x1302, 0x1303, 0x1301, 0x1304, 0x1305};
    const struct mx_suite *t, *s;
    uint16_t v = version_codes[vi];
    size_t i, n, k = 0;

    for (i = 0; i < sizeof(tls13) / sizeof(tls13[0]) && v == MX_TLS13; i++)
        out[k++] = tls13[i];
    for (i = 0; i < c->npref && k < cap; i++) {
        s = mx_suite_by_code(c->pref[i]);
        if (s != NULL && !(s->flags & MX_SUITE_SCSV) &&
            mx_suite_valid_for(s, v) && !offered(out, k, s->code))
            out[k++] = s->code;
    }
    t = mx_suites(&n);
    for (i = 0; i < n && k < cap; i++)
        if (!(t[i].flags & MX_SUITE_SCSV) && mx_suite_valid_for(&t[i], v) &&
            !offered(out, k, t[i].code))
            out[k++] = t[i].code;
    return k;
}

static void
remove_code(uint16_t *list, size_t *n, uint16_t code)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (list[i] == code) {
            memmove(list + i, list + i + 1, (*n - i - 1) * sizeof(*list));
            (*n)--;
            return;
        }
}

static void
add_code(uint16_t *list, size_t *n, size_t cap, uint16_t code)
{
    if (*n < cap && !offered(list, *n, code))
        list[(*n)++] = code;
}

static void
queue(struct ctx *c, struct job *j)
{
    mx_sched_add(&c->s, &j->task);
}

static void
note_error(struct ctx *c, struct job *j, const struct mx_error *err)
{
    c->e->errors++;
    mx_log(1, "enumerate: %s", err->msg);
    if (j->kind == J_VERSION) {
        c->e->v[j->vi].state = MX_VS_ERROR;
        c->e->v[j->vi].err = *err;
    } else if (c->e->v[j->vi].err.code == MX_E_OK) {
        c->e->v[j->vi].err = *err;
    }
}

/* The verdict of a raw task as the version or suite the server chose;
 * returns 1 for a ServerHello (or HRR) inside the offer, 0 for a refusal
 * (detail set), -1 for a broken answer (err set). */
static int
judge(struct job *j, const uint16_t *suites, size_t nsuites, char *detail,
      size_t cap, struct mx_error *err)
{
    const struct mx_task *t = &j->task;
    const struct mx_flight *f = t->raw.flight;
    uint16_t v = version_codes[j->vi];

    if ((t->raw.closed || t->raw.reset) && f != NULL && f->total > 0) {
        mx_error_set(err, MX_E_TLS,
                     "%s %s the connection after %zu bytes, in the middle of "
                     "its answer to the ClientHello",
                     t->addr, t->raw.reset ? "reset" : "closed", f->total);
        return -1;
    }
    if (t->raw.closed || t->raw.reset || f == NULL) {
        snprintf(detail, cap, "server %s the connection",
                 t->raw.reset ? "reset" : "closed");
        return 0;
    }
    if (f->verdict == MX_V_NEED_MORE && f->suite != 0 &&
        !offered(suites, nsuites, f->suite)) {
        mx_error_set(err, MX_E_TLS,
                     "%s chose suite 0x%04X, which was not offered", t->addr,
                     f->suite);
        return -1;
    }
    switch (f->verdict) {
    case MX_V_ALERT:
        snprintf(detail, cap, "alert %s", mx_alert_name(f->alert_desc));
        return 0;
    case MX_V_SSL2_HELLO:
        if (v == MX_SSL2)
            return 1;
        mx_error_set(err, MX_E_TLS,
                     "%s answered a %s ClientHello with an SSLv2 SERVER-HELLO",
                     t->addr, mx_version_name(v));
        return -1;
    case MX_V_SERVER_HELLO:
    case MX_V_HRR:
        if (v == MX_SSL2) {
            mx_error_set(err, MX_E_TLS,
                         "%s answered an SSLv2 CLIENT-HELLO with a %s "
                         "ServerHello",
                         t->addr, mx_version_name(f->version));
            return -1;
        }
        if (f->version != v) {
            if (f->version < v && f->version >= MX_SSL3) {
                snprintf(detail, cap, "server answered with %s",
                         mx_version_name(f->version));
                return 0;
            }
            mx_error_set(err, MX_E_TLS,
                         "%s chose version 0x%04X, which was not offered "
                         "(%s)",
                         t->addr, f->version, mx_version_name(v));
            return -1;
        }
        if (!offered(suites, nsuites, f->suite)) {
            mx_error_set(err, MX_E_TLS,
                         "%s chose suite 0x%04X, which was not offered",
                         t->addr, f->suite);
            return -1;
        }
        return 1;
    case MX_V_MALFORMED:
    default:
        mx_error_set(err, MX_E_TLS, "%s answered with broken TLS: %s", t->addr,
                     f->reason);
        return -1;
    }
}

static void start_suite_chains(struct ctx *c, int vi);
static void start_groups(struct ctx *c, int vi);
static void maybe_fallback(struct ctx *c);

static void
version_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    struct mx_error err;
    size_t i;
    int rc;

    c->pending_versions--;
    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        maybe_fallback(c);
        return;
    }
    rc = judge(j, j->offer, j->noffer, r->detail, sizeof(r->detail), &err);
    r->us = j->task.raw.us;
    if (rc < 0) {
        note_error(c, j, &err);
    } else if (rc == 0) {
        r->state = MX_VS_REFUSED;
    } else {
        r->state = MX_VS_ACCEPTED;
        if (f->verdict == MX_V_SSL2_HELLO) {
            for (i = 0; i < f->nssl2_ciphers && i < 16; i++)
                r->ssl2_ciphers[i] = f->ssl2_ciphers[i];
            r->nssl2 = i;
        } else {
            r->chosen = f->suite;
            r->group = f->hrr ? f->hrr_group : f->group;
            if (f->dh_bits > 0)
                r->dh_bits = f->dh_bits;
        }
        mx_log(1, "enumerate: %s accepted (%s)", mx_version_name(r->version),
               r->chosen ? mx_suite_name(r->chosen) : "SSLv2");
        if ((c->o->what & MX_ENUM_SUITES) && version_codes[j->vi] != MX_SSL2)
            start_suite_chains(c, j->vi);
        else if ((c->o->what & MX_ENUM_GROUPS) &&
                 version_codes[j->vi] != MX_SSL2)
            start_groups(c, j->vi);
    }
    maybe_fallback(c);
}

/* Suite chains of a version: the universe split into chunks. */
static void
start_suite_chains(struct ctx *c, int vi)
{
    uint16_t *all = c->scratch;
    struct mx_vresult *r = &c->e->v[vi];
    size_t n, i, nchains, per;
    struct job *j;

    n = universe(c, vi, all, MX_ENUM_MAX_SUITES);
    if (r->chosen != 0) {
        add_code(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, r->chosen);
        remove_code(all, &n, r->chosen);
    }
    nchains = (n + MX_ENUM_CHUNK - 1) / MX_ENUM_CHUNK;
    if (nchains == 0) {
        r->suites_complete = 1;
        return;
    }
    per = (n + nchains - 1) / nchains;
    for (i = 0; i < nchains; i++) {
        j = new_job(c, J_SUITES, vi);
        if (j == NULL) {
            c->failed = 1;
            return;
        }
        j->noffer = i * per + per <= n ? per : n - i * per;
        memcpy(j->offer, all + i * per, j->noffer * sizeof(uint16_t));
        if (build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
            c->failed = 1;
            return;
        }
        c->pending_suites[vi]++;
        queue(c, j);
    }
    r->suites_complete = 1; /* until a chain fails */
}

static void
order_probe(struct ctx *c, int vi)
{
    struct mx_vresult *r = &c->e->v[vi];
    struct job *j;

    if (r->nsuites < 2) {
        r->order = -1;
        return;
    }
    j = new_job(c, J_ORDER, vi);
    if (j == NULL) {
        c->failed = 1;
        return;
    }
    j->offer[0] = r->suites[1];
    j->offer[1] = r->suites[0];
    j->noffer = 2;
    if (build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
        c->failed = 1;
        return;
    }
    queue(c, j);
}

static void
suites_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    struct mx_error err;
    char detail[160];
    int rc = -1;

    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        r->suites_complete = 0;
    } else {
        rc = judge(j, j->offer, j->noffer, detail, sizeof(detail), &err);
        if (rc < 0) {
            note_error(c, j, &err);
            r->suites_complete = 0;
        }
    }
    if (rc == 1) {
        add_code(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, f->suite);
        if (f->dh_bits > 0)
            r->dh_bits = f->dh_bits;
        remove_code(j->offer, &j->noffer, f->suite);
        if (j->noffer > 0 && !c->failed &&
            build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) == 0) {
            queue(c, j);
            return;
        }
    }
    if (--c->pending_suites[j->vi] > 0)
        return;
    /* every chain of this version has ended */
    if (c->o->what & MX_ENUM_ORDER)
        order_probe(c, j->vi);
    if (c->o->what & MX_ENUM_GROUPS)
        start_groups(c, j->vi);
}

static void
order_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    struct mx_error err;
    char detail[160];

    r->order = -1;
    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        return;
    }
    if (judge(j, j->offer, 2, detail, sizeof(detail), &err) == 1)
        r->order = j->task.raw.flight->suite == j->offer[1] ? 1 : 0;
}

/* The groups a version can be asked about, and the suites to offer. */
static void
start_groups(struct ctx *c, int vi)
{
    struct mx_vresult *r = &c->e->v[vi];
    const struct mx_group *g;
    const struct mx_suite *s;
    struct job *j;
    size_t n, i;
    int tls13 = version_codes[vi] == MX_TLS13;

    j = new_job(c, J_GROUPS, vi);
    if (j == NULL) {
        c->failed = 1;
        return;
    }
    g = mx_groups(&n);
    for (i = 0; i < n && j->ncand < MX_ENUM_MAX_GROUPS; i++) {
        if (tls13 ? !g[i].tls13 : g[i].code >= 0x0100)
            continue; /* below TLS 1.3 only ECDHE curves are seen */
        j->cand[j->ncand++] = g[i].code;
    }
    /* the suites: those accepted (ECDHE ones below TLS 1.3) */
    for (i = 0; i < r->nsuites && i < MX_ENUM_CHUNK; i++) {
        s = mx_suite_by_code(r->suites[i]);
        if (tls13 || (s != NULL && s->kx == MX_KX_ECDHE))
            add_code(j->offer, &j->noffer, MX_ENUM_CHUNK, r->suites[i]);
    }
    if (j->noffer == 0 && r->chosen != 0) {
        s = mx_suite_by_code(r->chosen);
        if (tls13 || (s != NULL && s->kx == MX_KX_ECDHE))
            add_code(j->offer, &j->noffer, MX_ENUM_CHUNK, r->chosen);
    }
    if (j->noffer == 0) {
        r->groups_complete = 1; /* nothing to ask: no ECDHE suite */
        return;
    }
    if (build(j, j->cand, j->ncand,
              tls13 ? MX_FLIGHT_STOP_HELLO : MX_FLIGHT_STOP_DONE) != 0) {
        c->failed = 1;
        return;
    }
    queue(c, j);
}

static void
groups_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    struct mx_error err;
    char detail[160];
    uint16_t g;
    int rc;

    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        return;
    }
    rc = judge(j, j->offer, j->noffer, detail, sizeof(detail), &err);
    if (rc < 0) {
        note_error(c, j, &err);
        return;
    }
    if (rc == 0) {
        r->groups_complete = 1;
        return;
    }
    g = f->hrr ? f->hrr_group : f->group;
    if (g == 0 || !offered(j->cand, j->ncand, g)) {
        mx_error_set(&err, MX_E_TLS,
                     "%s chose group 0x%04X, which was not offered",
                     j->task.addr, g);
        note_error(c, j, &err);
        return;
    }
    add_code(r->groups, &r->ngroups, MX_ENUM_MAX_GROUPS, g);
    remove_code(j->cand, &j->ncand, g);
    if (j->ncand == 0) {
        r->groups_complete = 1;
        return;
    }
    if (!c->failed &&
        build(j, j->cand, j->ncand,
              version_codes[j->vi] == MX_TLS13 ? MX_FLIGHT_STOP_HELLO
                                               : MX_FLIGHT_STOP_DONE) == 0)
        queue(c, j);
}

/* Once every version probe is in: TLS_FALLBACK_SCSV at the second highest
 * accepted version. */
static void
maybe_fallback(struct ctx *c)
{
    struct mx_enum *e = c->e;
    struct job *j;
    int hi = -1, lo = -1, i;

    if (c->pending_versions > 0 || !(c->o->what & MX_ENUM_FALLBACK))
        return;
    for (i = MX_NVERSIONS - 1; i >= 1; i--) {
        if (e->v[i].state != MX_VS_ACCEPTED)
            continue;
        if (hi < 0)
            hi = i;
        else if (lo < 0)
            lo = i;
    }
    if (lo < 0)
        return; /* one version only: nothing to fall back to */
    j = new_job(c, J_FALLBACK, lo);
    if (j == NULL) {
        c->failed = 1;
        return;
    }
    j->noffer = universe(c, lo, j->offer, MX_ENUM_CHUNK);
    j->offer[j->noffer++] = 0x5600; /* TLS_FALLBACK_SCSV */
    if (build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
        c->failed = 1;
        return;
    }
    queue(c, j);
}

static void
fallback_done(struct ctx *c, struct job *j)
{
    const struct mx_flight *f = j->task.raw.flight;

    c->e->fallback = -1;
    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        return;
    }
    if (f != NULL && f->verdict == MX_V_ALERT && f->alert_desc == 86)
        c->e->fallback = 1;
    else if (f != NULL && f->verdict == MX_V_SERVER_HELLO &&
             f->version == version_codes[j->vi])
        c->e->fallback = 0;
}

static void
job_done(struct mx_sched *s, struct mx_task *task)
{
    struct job *j = task->arg;
    struct ctx *c = j->ctx;

    (void)s;
    switch (j->kind) {
    case J_VERSION:
        version_done(c, j);
        break;
    case J_SUITES:
        suites_done(c, j);
        break;
    case J_ORDER:
        order_done(c, j);
        break;
    case J_GROUPS:
        groups_done(c, j);
        break;
    case J_FALLBACK:
        fallback_done(c, j);
        break;
    }
}

int
mx_enumerate(struct mx_target *t, const struct mx_enum_opts *o,
             struct mx_enum *e, struct mx_error *err)
{
    struct ctx *c;
    struct job *j, *next;
    const struct mx_sigalg *sa;
    size_t n, i;
    int vi, result = -1;

    memset(e, 0, sizeof(*e));
    e->fallback = -1;
    for (vi = 0; vi < MX_NVERSIONS; vi++) {
        e->v[vi].version = version_codes[vi];
        e->v[vi].order = -1;
    }
    if (t->naddrs == 0 && mx_target_resolve(t, err) != 0)
        return -1;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    c->e = e;
    c->o = o;
    if (mx_suites_parse("ALL:COMPLEMENTOFALL", c->pref, MX_ENUM_MAX_SUITES,
                        &c->npref, err) != 0)
        c->npref = 0; /* then code order it is */
    sa = mx_sigalgs(&n);
    for (i = 0; i < n && c->nsigalgs < 128; i++)
        c->sigalgs[c->nsigalgs++] = sa[i].code;
    mx_sched_init(&c->s, t, o->parallel);

    for (vi = 0; vi < MX_NVERSIONS; vi++) {
        j = new_job(c, J_VERSION, vi);
        if (j == NULL)
            goto oom;
        j->noffer = universe(c, vi, j->offer, MX_ENUM_CHUNK);
        if (build(j, NULL, 0, MX_FLIGHT_STOP_DONE) != 0) {
            mx_error_set(err, MX_E_INTERNAL, "cannot build a ClientHello");
            goto out;
        }
        c->pending_versions++;
        queue(c, j);
    }
    (void)mx_sched_run(&c->s);
    e->stats = c->s.stats;
    if (c->failed) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory or no randomness");
        goto out;
    }
    result = 0;
    for (vi = 0; vi < MX_NVERSIONS; vi++)
        if (e->v[vi].err.code != MX_E_OK && result == 0) {
            *err = e->v[vi].err;
            result = -1;
        }
    goto out;
oom:
    mx_error_set(err, MX_E_INTERNAL, "out of memory");
out:
    for (j = c->jobs; j != NULL; j = next) {
        next = j->all_next;
        mx_task_free(&j->task);
        free(j->hello);
        free(j);
    }
    free(c);
    return result;
}
