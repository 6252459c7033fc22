/*
 * enumerate.c - versions, suites, order, groups and fallback protection
 * of a server, on the scheduler, by complete handshakes where the linked
 * OpenSSL can offer what is asked and raw ClientHellos for the rest (see
 * enumerate.h).
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
#include <openssl/ssl.h>

#include "enumerate.h"
#include "hello.h"
#include "log.h"
#include "offer.h"
#include "registry.h"
#include "suites.h"
#include "text.h"

#define HELLO_CAP 16400

static const uint16_t version_codes[MX_NVERSIONS] = {
    MX_SSL2, MX_SSL3, MX_TLS10, MX_TLS11, MX_TLS12, MX_TLS13};

enum jkind { J_VERSION, J_SUITES, J_ORDER, J_GROUPS, J_FALLBACK, J_TLSV };

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
    int anchored; /* group chains: the groups found are offered last */
    int lo;       /* J_TLSV: the lowest version index of the range asked */
    int ossl;     /* J_SUITES, J_ORDER, J_GROUPS: the OpenSSL engine */
    uint16_t rest[MX_ENUM_MAX_GROUPS]; /* group chains: for the raw engine,
                                          after the OpenSSL chain */
    size_t nrest;
    uint16_t glist[2 * MX_ENUM_MAX_GROUPS]; /* OpenSSL group chains: the
                                               groups offered */
    size_t nglist;
    uint16_t lib[MX_ENUM_MAX_SUITES]; /* J_TLSV: the library's suites */
    size_t nlib;
    size_t nwin;   /* OpenSSL suite chains: the first nwin of lib offered */
    int confirmed; /* OpenSSL suite chains: a suite that makes the server
                      close was found; closes are not asked again */
    int retried;   /* ... the last close was already asked again */
    int singles;   /* ... the candidates left are asked one at a time */
    int again;     /* other jobs: the last close was already asked again */
    int ec_only;   /* raw suite chains: the hello lists no FFDHE group */
    uint8_t *hello;
    size_t hello_len;
    struct job *all_next; /* every job, for freeing */
};

struct ctx {
    struct mx_enum *e;
    const struct mx_enum_opts *o;
    struct mx_sched s;
    struct job *jobs;
    int pending_versions;             /* version probes not yet done */
    int pending_suites[MX_NVERSIONS]; /* suite chains still running */
    struct mx_shares shares;          /* made once, reused by every hello */
    uint16_t scratch[MX_ENUM_MAX_SUITES];
    uint16_t pref[MX_ENUM_MAX_SUITES]; /* the library's suite order */
    size_t npref;
    int failed;                  /* an internal error stopped new work */
    int tlsv;                    /* the library speaks TLS 1.0 to 1.3 */
    int hs_failed[MX_NVERSIONS]; /* a complete handshake was refused or
                                    broke; the raw engine asked again */
    int hs_closed[MX_NVERSIONS]; /* a complete handshake was closed; the
                                    raw engine asks again (the second ask) */
    struct mx_error close_err;   /* the first such close, as an error */
    int dhe_asked[MX_NVERSIONS]; /* the DHE suites were asked with the
                                    other kind of hello (dhe_again) */
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

#define TLSV_LO 2 /* index of TLS 1.0: from here OpenSSL completes */

/* Can the linked library speak TLS 1.0 to 1.3 (at security level 0)? */
static int
tlsv_spoken(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int ok;

    if (ctx == NULL)
        return 0;
    SSL_CTX_set_security_level(ctx, 0);
    ok = SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1 &&
         SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
    SSL_CTX_free(ctx);
    return ok;
}

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

/*
 * Build the ClientHello of a job: its version, the suites in j->offer,
 * the given groups (NULL: the common ones), every signature scheme; an
 * SSLv2 CLIENT-HELLO with every SSLv2 cipher kind for SSLv2. stop is set
 * on the task.
 */
static int
build(struct job *j, const uint16_t *groups, size_t ngroups, int stop)
{
    struct ctx *c = j->ctx;
    struct mx_offer o;
    struct mx_hello h;
    struct mx_error err;
    const struct mx_ssl2_cipher *s2;
    uint32_t ssl2[16];
    size_t n2, i;
    uint16_t v = version_codes[j->vi];
    int rc;

    if (v == MX_SSL2) {
        memset(&h, 0, sizeof(h));
        s2 = mx_ssl2_ciphers(&n2);
        for (i = 0; i < n2 && i < 16; i++)
            ssl2[i] = s2[i].code;
        h.sslv2 = 1;
        h.legacy_version = MX_SSL2;
        h.ssl2_ciphers = ssl2;
        h.nssl2_ciphers = i;
        rc = RAND_bytes(h.random, sizeof(h.random)) == 1
                 ? mx_hello_encode(&h, j->hello, HELLO_CAP, &j->hello_len, &err)
                 : -1;
    } else {
        memset(&o, 0, sizeof(o));
        o.max_version = o.min_version = v;
        o.suites = j->offer;
        o.nsuites = j->noffer;
        o.groups = groups;
        o.ngroups = ngroups;
        o.sni = c->o->sni;
        rc = mx_offer_hello(&c->shares, &o, j->hello, HELLO_CAP, &j->hello_len,
                            &err);
    }
    if (rc != 0) {
        mx_log(1, "enumerate: cannot build a ClientHello: %s", err.msg);
        return -1;
    }
    mx_task_free(&j->task);
    mx_task_init(&j->task);
    j->task.engine = MX_ENGINE_RAW;
    j->task.hello = j->hello;
    j->task.hello_len = j->hello_len;
    j->task.stop = stop;
    j->task.offer.suites = j->offer;
    j->task.offer.nsuites = j->noffer;
    j->task.done = job_done;
    j->task.arg = j;
    return 0;
}

/* A raw suite chain's hello: j->offer, with the groups of its kind. */
static int
build_suites(struct job *j)
{
    const uint16_t *ec;
    size_t nec;

    if (!j->ec_only)
        return build(j, NULL, 0, MX_FLIGHT_STOP_HELLO);
    ec = mx_offer_ec_groups(&nec);
    return build(j, ec, nec, MX_FLIGHT_STOP_HELLO);
}

/* An OpenSSL task offering suites (n of them) at one version: a complete
 * handshake, EHLO, QUIT and close_notify when it is accepted. */
static void
build_ossl(struct job *j, const uint16_t *suites, size_t n)
{
    uint16_t v = version_codes[j->vi];

    mx_task_free(&j->task);
    mx_task_init(&j->task);
    j->task.engine = MX_ENGINE_OPENSSL;
    j->task.offer.min_version = v;
    j->task.offer.max_version = v;
    j->task.offer.suites = suites;
    j->task.offer.nsuites = n;
    j->task.offer.sni = j->ctx->o->sni;
    j->task.done = job_done;
    j->task.arg = j;
}

/* Can the OpenSSL engine ask this version with these suites? */
static int
ossl_can(const struct ctx *c, int vi, const uint16_t *suites, size_t n)
{
    size_t i;

    if (!c->tlsv || vi < TLSV_LO || n == 0 || !c->e->v[vi].verified)
        return 0;
    for (i = 0; i < n; i++)
        if (!mx_suite_in_library(suites[i]))
            return 0;
    return 1;
}

/* The candidate suites of a version, in a real client's order. */
static size_t
universe(const struct ctx *c, int vi, uint16_t *out, size_t cap)
{
    return mx_offer_universe(version_codes[vi], c->pref, c->npref, out, cap);
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
    if (*n < cap && !mx_code_listed(list, *n, code))
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

/* The verdict of a job's raw task (see mx_raw_judge). */
static int
judge(struct job *j, const uint16_t *suites, size_t nsuites, char *detail,
      size_t cap, struct mx_error *err)
{
    uint16_t v = version_codes[j->vi];
    int rc = mx_raw_judge(&j->task.raw, j->task.addr, suites, nsuites, v, v,
                          detail, cap, err);

    if (rc == 1)
        j->ctx->e->dropped++; /* the raw engine stops at the hello */
    return rc;
}

static void start_suite_chains(struct ctx *c, int vi);
static void start_groups(struct ctx *c, int vi);
static void maybe_fallback(struct ctx *c);

/* Did the server end the probe without an answer to its ClientHello: a
 * close or a reset before any byte of its answer (raw), or before the
 * handshake's verdict without an alert (OpenSSL)? A close in the middle
 * of an answer is broken TLS, a close before TLS (greeting, STARTTLS) is
 * no answer about TLS, and a timeout is the run's deadline: none
 * counts. */
static int
closed_probe(const struct job *j)
{
    const struct mx_task *t = &j->task;

    if (t->rc != 0)
        return 0;
    if (t->engine == MX_ENGINE_OPENSSL)
        return !t->hs.accepted && t->hs.closed;
    return (t->raw.closed || t->raw.reset || t->raw.flight == NULL) &&
           (t->raw.flight == NULL || t->raw.flight->total == 0);
}

/* Queue a job's task, built anew, to be asked again on a fresh
 * connection after a short pause: the scheduler holds it while the other
 * probes go on. */
static void
queue_later(struct ctx *c, struct job *j)
{
    j->task.not_before = mx_now_ms() + MX_ENUM_RETRY_MS;
    queue(c, j);
}

/* The reason a closed probe gives, for -v. */
static const char *
closed_why(const struct job *j)
{
    if (j->task.engine == MX_ENGINE_OPENSSL)
        return j->task.hs.reason;
    return j->task.raw.reset ? "server reset the connection"
                             : "server closed the connection";
}

static void
version_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    const struct mx_group *g;
    struct mx_error err;
    char note[160];
    size_t i;
    int rc;

    if (closed_probe(j)) {
        /* no answer: asked again once (a version whose complete
         * handshake was closed is asked the second time here) */
        if (!j->again && !c->hs_closed[j->vi] && !c->failed) {
            mx_log(1, "enumerate: %s %s: %s; asked again",
                   mx_version_name(r->version), j->task.addr, closed_why(j));
            j->again = 1;
            if (build(j, NULL, 0, MX_FLIGHT_STOP_DONE) == 0) {
                queue_later(c, j);
                return;
            }
            c->failed = 1;
        }
        c->pending_versions--;
        r->state = MX_VS_CLOSED;
        snprintf(r->detail, sizeof(r->detail),
                 "the server %s the connection without an alert, %s",
                 j->task.raw.reset ? "reset" : "closed",
                 c->hs_closed[j->vi]
                     ? "to a complete handshake and to a raw ClientHello"
                     : "twice");
        mx_log(1, "enumerate: %s: no answer (%s)", mx_version_name(r->version),
               r->detail);
        maybe_fallback(c);
        return;
    }
    c->pending_versions--;
    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        maybe_fallback(c);
        return;
    }
    snprintf(note, sizeof(note), "%s", r->detail);
    rc = judge(j, j->offer, j->noffer, r->detail, sizeof(r->detail), &err);
    r->us = j->task.raw.us;
    if (rc == 1 && (c->hs_failed[j->vi] || c->hs_closed[j->vi]) &&
        f->verdict != MX_V_SSL2_HELLO && mx_suite_in_library(f->suite) &&
        ((g = mx_group_by_code(f->hrr ? f->hrr_group : f->group)) == NULL ||
         g->openssl != NULL)) {
        /* the server chose what the complete handshake offered, and that
         * handshake failed: no real client gets this version */
        mx_error_set(&err, MX_E_TLS,
                     "%s chose %s, which a complete handshake offered too, "
                     "but that handshake failed (%s)",
                     j->task.addr, mx_suite_name(f->suite), note);
        rc = -1;
    }
    if (rc < 0) {
        note_error(c, j, &err);
    } else if (rc == 0) {
        r->state = MX_VS_REFUSED;
        c->e->refusals++;
    } else {
        r->state = MX_VS_ACCEPTED;
        r->verified = 0; /* the raw engine stops at the server's hello */
        snprintf(r->detail, sizeof(r->detail), "%s", note);
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

/* Would OpenSSL offer this suite alone at version v (a client without
 * PSK or SRP callbacks, security level 0)? Those it would not are asked
 * by the raw engine. */
static int
ossl_offers(uint16_t code, uint16_t v)
{
    const struct mx_suite *s = mx_suite_by_code(code);
    STACK_OF(SSL_CIPHER) * sk;
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    int ok = 0;

    if (s == NULL || s->openssl == NULL ||
        (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
        return 0;
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_min_proto_version(ctx, v) == 1 &&
        SSL_CTX_set_max_proto_version(ctx, v) == 1 &&
        (v == MX_TLS13 ? SSL_CTX_set_ciphersuites(ctx, s->openssl)
                       : SSL_CTX_set_cipher_list(ctx, s->openssl)) == 1 &&
        (ssl = SSL_new(ctx)) != NULL &&
        (sk = SSL_get1_supported_ciphers(ssl)) != NULL) {
        ok = sk_SSL_CIPHER_num(sk) > 0;
        sk_SSL_CIPHER_free(sk);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
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
    r->suites_complete = 1; /* until a chain fails */
    if (c->tlsv && vi >= TLSV_LO && r->verified) {
        /* the library's suites by complete handshakes, one chain; the
         * raw chains below get the rest */
        j = new_job(c, J_SUITES, vi);
        if (j == NULL) {
            c->failed = 1;
            return;
        }
        j->ossl = 1;
        for (i = 0, per = 0; i < n; i++)
            if (mx_suite_in_library(all[i]) &&
                ossl_offers(all[i], version_codes[vi]))
                j->lib[j->nlib++] = all[i];
            else
                all[per++] = all[i];
        n = per;
        if (j->nlib > 0) {
            j->nwin = j->nlib;
            build_ossl(j, j->lib, j->nwin);
            c->pending_suites[vi]++;
            queue(c, j);
        }
    }
    nchains = (n + MX_ENUM_CHUNK - 1) / MX_ENUM_CHUNK;
    if (nchains == 0) {
        if (c->pending_suites[vi] == 0)
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
    if (ossl_can(c, vi, j->offer, 2)) {
        j->ossl = 1;
        build_ossl(j, j->offer, 2);
    } else if (build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
        c->failed = 1;
        return;
    }
    queue(c, j);
}

/* Does a suite share its key exchange with a suite known to close? */
static int
like_a_close(const struct mx_vresult *r, uint16_t code)
{
    const struct mx_suite *s = mx_suite_by_code(code), *t;
    size_t i;

    for (i = 0; s != NULL && i < r->ncloses; i++)
        if ((t = mx_suite_by_code(r->closes[i])) != NULL && t->kx == s->kx)
            return 1;
    return 0;
}

/*
 * Order an OpenSSL suite chain's candidates so that those sharing the key
 * exchange of a suite that made the server close come last, and offer the
 * others first; 1 when that narrows the offer. Only a hint: each suite is
 * still judged by what the server does with it.
 */
static int
kind_last(const struct mx_vresult *r, struct job *j)
{
    uint16_t tmp[MX_ENUM_MAX_SUITES];
    size_t i, n = 0, m;

    for (i = 0; i < j->nlib; i++)
        if (!like_a_close(r, j->lib[i]))
            tmp[n++] = j->lib[i];
    if (n == 0 || n == j->nlib)
        return 0;
    m = n;
    for (i = 0; i < j->nlib; i++)
        if (like_a_close(r, j->lib[i]))
            tmp[m++] = j->lib[i];
    memcpy(j->lib, tmp, j->nlib * sizeof(*tmp));
    j->nwin = n;
    return 1;
}

/*
 * The next step of an OpenSSL suite chain; 1 when a task was queued.
 * The chain offers the first nwin of its candidates. An accepted suite is
 * noted and removed; a refusal (an alert) of the whole set ends the chain,
 * of a narrowed window removes the window's suites (refused) and offers
 * the rest again. A close (or reset, or timeout) is no verdict: asked once
 * more on a fresh connection after a pause, and when it closes again, the
 * window is halved: the server picks from what is offered, so halving
 * finds the suites whose choice makes it close (a server that cannot use
 * a suite it is configured with, such as DHE without DH parameters).
 * Such a suite is noted in closes, neither accepted nor refused, and the
 * chain goes on with the rest.
 */
static int
ossl_suites_next(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_handshake *hs = &j->task.hs;
    struct mx_error err;

    if (j->task.rc != 0 && j->retried) {
        /* no handshake at all, twice: no verdict */
        note_error(c, j, &j->task.err);
        r->suites_complete = 0;
        return 0;
    }
    if (j->task.rc == 0 && hs->accepted &&
        mx_code_listed(j->lib, j->nwin, hs->suite)) {
        add_code(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, hs->suite);
        remove_code(j->lib, &j->nlib, hs->suite);
        j->nwin--;
        j->retried = 0;
    } else if (j->task.rc == 0 && hs->accepted) {
        mx_error_set(&err, MX_E_TLS, "%s: chose a suite not offered",
                     j->task.addr);
        note_error(c, j, &err);
        r->suites_complete = 0;
        return 0;
    } else if (j->task.rc == 0 && !hs->closed) {
        c->e->refusals++;
        j->retried = 0;
        if (j->nwin == j->nlib)
            return 0; /* every candidate refused */
        /* the window refused: its suites are not accepted */
        memmove(j->lib, j->lib + j->nwin,
                (j->nlib - j->nwin) * sizeof(*j->lib));
        j->nlib -= j->nwin;
        j->nwin = 0;
    } else if (!j->retried && !(j->confirmed && j->task.rc == 0)) {
        /* a close, a reset or a timeout: ask again once */
        mx_log(1, "enumerate: %s: %s; asked again", j->task.addr,
               j->task.rc != 0 ? j->task.err.msg : hs->reason);
        j->retried = 1;
        if (c->failed)
            return 0;
        build_ossl(j, j->lib, j->nwin);
        queue_later(c, j);
        return 1;
    } else if (j->nwin == 1) {
        /* this suite alone makes the server close */
        mx_log(1, "enumerate: %s closes when it picks %s", j->task.addr,
               mx_suite_name(j->lib[0]));
        add_code(r->closes, &r->ncloses, MX_ENUM_MAX_SUITES, j->lib[0]);
        remove_code(j->lib, &j->nlib, j->lib[0]);
        j->nwin = 0;
        j->retried = 0;
        j->confirmed = 1;
    } else if (j->nwin == j->nlib && kind_last(r, j)) {
        /* first the candidates unlike those that made it close */
    } else if (j->confirmed && j->nwin == j->nlib) {
        /* every candidate left, offered together, closes, on a server
         * known to close: each would be isolated by halving anyway (and
         * named in closes), so each is asked alone from here, once */
        mx_log(1,
               "enumerate: %s closes on the %zu suites left; each asked "
               "alone",
               j->task.addr, j->nlib);
        j->singles = 1;
    } else {
        j->nwin /= 2;
        /* a halved offer that closes is halved again; one suite alone
         * is asked twice before it counts */
        j->retried = j->nwin > 1;
    }
    if (j->nwin == 0) {
        j->nwin = j->nlib;
        j->retried = 0;
    }
    if (j->singles && j->nlib > 0)
        j->nwin = 1;
    if (j->nlib == 0 || c->failed)
        return 0;
    build_ossl(j, j->lib, j->nwin);
    queue(c, j);
    return 1;
}

/* A raw suite chain over suites (n of them) at version vi. */
static int
raw_suite_chain(struct ctx *c, int vi, const uint16_t *suites, size_t n,
                int ec_only)
{
    struct job *j;
    size_t i, k;

    for (i = 0; i < n; i += k) {
        k = n - i < MX_ENUM_CHUNK ? n - i : MX_ENUM_CHUNK;
        j = new_job(c, J_SUITES, vi);
        if (j == NULL)
            return -1;
        memcpy(j->offer, suites + i, k * sizeof(*suites));
        j->noffer = k;
        j->ec_only = ec_only;
        if (build_suites(j) != 0)
            return -1;
        c->pending_suites[vi]++;
        queue(c, j);
    }
    return 0;
}

/*
 * DHE and the groups of the hello. A GnuTLS server decides whether it
 * serves DHE at all by the FFDHE groups the client lists, not by the
 * suite: without DH parameters of its own (Exim's tls_dhparam = none) it
 * serves DHE only to a client listing an RFC 7919 group it allows; with
 * its own parameters and the RFC 7919 groups removed from its priority
 * string, only to a client listing none. The OpenSSL engine's hellos list
 * no FFDHE group (OpenSSL 3.0 below TLS 1.3), the raw engine's list all
 * five. So when the suite chains of a version have ended with suites
 * accepted but no DHE suite among them, the DHE suites that remain, with
 * an authentication the server was seen to use (an RSA suite accepted for
 * DHE-RSA), are asked once more by raw chains with the other kind of
 * hello: those the OpenSSL engine asked, with a hello listing every FFDHE
 * group; those the raw engine asked, with one listing only elliptic-curve
 * groups. A suite accepted by either kind is accepted. A version that
 * got one DHE suite needs none of this (the server's choice does not
 * depend on the suite), so a server that serves DHE, or that has no
 * suite of the authentication DHE would need, costs no connection more;
 * nor does one that answered suites by closing the connection (Dovecot
 * without DH parameters closes when it picks DHE: a second ask would
 * only close again). 1 when chains were queued.
 */
static int
dhe_again(struct ctx *c, int vi)
{
    struct mx_vresult *r = &c->e->v[vi];
    uint16_t *all = c->scratch, ff[MX_ENUM_MAX_SUITES], ec[MX_ENUM_MAX_SUITES];
    const struct mx_suite *s, *t;
    size_t n, i, k, nff = 0, nec = 0;
    uint16_t v = version_codes[vi];
    int ossl_chain, auth_seen;

    if (c->dhe_asked[vi] || c->failed || v < MX_TLS10 || v > MX_TLS12 ||
        r->nsuites == 0 || r->ncloses > 0 || r->closed_ends > 0)
        return 0;
    c->dhe_asked[vi] = 1;
    for (i = 0; i < r->nsuites; i++)
        if ((s = mx_suite_by_code(r->suites[i])) != NULL && s->kx == MX_KX_DHE)
            return 0;
    ossl_chain = c->tlsv && vi >= TLSV_LO && r->verified;
    n = universe(c, vi, all, MX_ENUM_MAX_SUITES);
    for (i = 0; i < n; i++) {
        s = mx_suite_by_code(all[i]);
        if (s == NULL || s->kx != MX_KX_DHE ||
            mx_code_listed(r->closes, r->ncloses, all[i]))
            continue;
        for (k = 0, auth_seen = 0; k < r->nsuites && !auth_seen; k++)
            auth_seen = (t = mx_suite_by_code(r->suites[k])) != NULL &&
                        t->auth == s->auth;
        if (!auth_seen)
            continue;
        if (ossl_chain && mx_suite_in_library(all[i]) && ossl_offers(all[i], v))
            ff[nff++] = all[i];
        else
            ec[nec++] = all[i];
    }
    if (nff + nec == 0)
        return 0;
    mx_log(1,
           "enumerate: %s: no DHE suite accepted; %zu asked again with FFDHE "
           "groups listed, %zu with none",
           mx_version_name(v), nff, nec);
    if (raw_suite_chain(c, vi, ff, nff, 0) != 0 ||
        raw_suite_chain(c, vi, ec, nec, 1) != 0) {
        c->failed = 1;
        return c->pending_suites[vi] > 0;
    }
    return 1;
}

static void
suites_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    struct mx_error err;
    char detail[160];
    int rc = -1;

    if (j->ossl) {
        if (ossl_suites_next(c, j))
            return;
        goto chain_end;
    }
    if (closed_probe(j)) {
        /* no answer to the suites left: asked again once; closed again,
         * the chain ends there, and says so */
        if (!j->again && !c->failed) {
            mx_log(1, "enumerate: %s: %s; asked again", j->task.addr,
                   closed_why(j));
            j->again = 1;
            if (build_suites(j) == 0) {
                queue_later(c, j);
                return;
            }
            c->failed = 1;
        }
        r->closed_ends++;
        goto chain_end;
    }
    j->again = 0;
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
    if (rc == 0)
        c->e->refusals++;
    if (rc == 1) {
        add_code(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, f->suite);
        if (f->dh_bits > 0)
            r->dh_bits = f->dh_bits;
        remove_code(j->offer, &j->noffer, f->suite);
        if (j->noffer > 0 && !c->failed && build_suites(j) == 0) {
            queue(c, j);
            return;
        }
    }
chain_end:
    if (--c->pending_suites[j->vi] > 0)
        return;
    if (dhe_again(c, j->vi))
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
    if (closed_probe(j)) {
        if (!j->again && !c->failed) {
            j->again = 1;
            if (j->ossl)
                build_ossl(j, j->offer, 2);
            if (j->ossl || build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) == 0) {
                queue_later(c, j);
                return;
            }
            c->failed = 1;
        }
        r->order_closed = 1;
        return;
    }
    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        return;
    }
    if (j->ossl) {
        if (j->task.hs.accepted)
            r->order = j->task.hs.suite == j->offer[1] ? 1 : 0;
        else if (!j->task.hs.closed)
            c->e->refusals++;
        return;
    }
    switch (judge(j, j->offer, 2, detail, sizeof(detail), &err)) {
    case 1:
        r->order = j->task.raw.flight->suite == j->offer[1] ? 1 : 0;
        break;
    case 0:
        c->e->refusals++;
        break;
    default:
        break;
    }
}

/* A suite below TLS 1.3 whose ServerKeyExchange names a curve: ECDHE,
 * and ECDH_anon (ephemeral too, despite its name). */
static int
curve_kx(const struct mx_suite *s)
{
    return s != NULL && (s->kx == MX_KX_ECDHE ||
                         (s->kx == MX_KX_ECDH && s->auth == MX_SAUTH_NULL));
}

/*
 * The hello of a group chain: the candidates left, and once anchored the
 * groups already found after them. The anchors matter below TLS 1.3: a
 * server with only an ECDSA certificate refuses a client whose
 * supported_groups lacks the certificate's curve, so once that curve has
 * been found and removed, a plain elimination ends in a refusal although
 * other groups are still accepted. With the found groups listed last, the
 * server picks a candidate it accepts before them (a server that follows
 * the client's order does; one that follows its own picks what it ranks
 * first), and picking an anchor ends the chain.
 */
static int
build_groups(struct ctx *c, struct job *j)
{
    const struct mx_vresult *r = &c->e->v[j->vi];
    uint16_t list[2 * MX_ENUM_MAX_GROUPS];
    size_t n = 0, i;

    for (i = 0; i < j->ncand; i++)
        list[n++] = j->cand[i];
    for (i = 0; j->anchored && i < r->ngroups; i++)
        if (!mx_code_listed(list, n, r->groups[i]))
            list[n++] = r->groups[i];
    return build(j, list, n,
                 version_codes[j->vi] == MX_TLS13 ? MX_FLIGHT_STOP_HELLO
                                                  : MX_FLIGHT_STOP_DONE);
}

/* An OpenSSL group chain's next handshake (see build_groups). */
static void
build_groups_ossl(struct ctx *c, struct job *j)
{
    const struct mx_vresult *r = &c->e->v[j->vi];
    size_t i;

    j->nglist = 0;
    for (i = 0; i < j->ncand; i++)
        j->glist[j->nglist++] = j->cand[i];
    for (i = 0; j->anchored && i < r->ngroups; i++)
        if (!mx_code_listed(j->glist, j->nglist, r->groups[i]))
            j->glist[j->nglist++] = r->groups[i];
    build_ossl(j, j->offer, j->noffer);
    j->task.offer.groups = j->glist;
    j->task.offer.ngroups = j->nglist;
}

/* An OpenSSL group chain's candidates left, moved before the groups for
 * the raw engine. */
static void
to_raw(struct job *j)
{
    size_t i, n = j->ncand;

    for (i = 0; i < j->nrest && n < MX_ENUM_MAX_GROUPS; i++)
        if (!mx_code_listed(j->cand, n, j->rest[i]))
            j->cand[n++] = j->rest[i];
    memcpy(j->rest, j->cand, n * sizeof(*j->cand));
    j->nrest = n;
    j->ncand = 0;
}

/* After the OpenSSL group chain: the groups the library cannot offer, by
 * the raw engine, with the groups found listed last (anchor; otherwise
 * only after a refusal). 0 when queued. */
static int
groups_rest(struct ctx *c, struct job *j, int anchor)
{
    struct mx_vresult *r = &c->e->v[j->vi];

    if (j->nrest == 0 || c->failed) {
        r->groups_complete = 1;
        return -1;
    }
    j->ossl = 0;
    memcpy(j->cand, j->rest, j->nrest * sizeof(*j->rest));
    j->ncand = j->nrest;
    j->nrest = 0;
    j->anchored = anchor && r->ngroups > 0;
    if (build_groups(c, j) != 0) {
        c->failed = 1;
        return -1;
    }
    queue(c, j);
    return 0;
}

/*
 * Below TLS 1.3, the group chain offers no ECDSA suite when the server
 * accepts ECDHE suites with another authentication (RSA, anonymous, PSK).
 * The group a chain asks about is the key exchange's, named in the
 * ServerKeyExchange; an ECDSA certificate's curve is another thing, but
 * TLS 1.2 ties the two in the client: OpenSSL aborts a handshake whose
 * certificate is on a curve its supported_groups leaves out (wrong curve,
 * alert illegal_parameter), and a server that does not check this
 * (GnuTLS) picks its P-256 certificate for an offer without P-256 all the
 * same. Without ECDSA suites the offer's groups are about the key
 * exchange alone. A server whose only ECDHE suites are ECDSA keeps them,
 * and the group chain lists the groups found last when needed (see
 * build_groups and groups_done).
 */
static void
drop_ecdsa(struct job *j)
{
    const struct mx_suite *s;
    size_t i, n = 0;

    for (i = 0; i < j->noffer; i++)
        if ((s = mx_suite_by_code(j->offer[i])) != NULL &&
            s->auth != MX_SAUTH_ECDSA)
            n++;
    if (n == 0 || n == j->noffer)
        return;
    for (i = 0, n = 0; i < j->noffer; i++)
        if ((s = mx_suite_by_code(j->offer[i])) != NULL &&
            s->auth != MX_SAUTH_ECDSA)
            j->offer[n++] = j->offer[i];
    j->noffer = n;
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
    /* the suites: those accepted (with a curve below TLS 1.3) */
    for (i = 0; i < r->nsuites && i < MX_ENUM_CHUNK; i++) {
        s = mx_suite_by_code(r->suites[i]);
        if (tls13 || curve_kx(s))
            add_code(j->offer, &j->noffer, MX_ENUM_CHUNK, r->suites[i]);
    }
    if (j->noffer == 0 && r->chosen != 0) {
        s = mx_suite_by_code(r->chosen);
        if (tls13 || curve_kx(s))
            add_code(j->offer, &j->noffer, MX_ENUM_CHUNK, r->chosen);
    }
    if (j->noffer == 0) {
        r->groups_complete = 1; /* nothing to ask: no ECDHE suite */
        return;
    }
    if (!tls13)
        drop_ecdsa(j);
    if (ossl_can(c, vi, j->offer, j->noffer)) {
        /* the library's groups by complete handshakes, the rest after */
        for (i = 0, n = 0; i < j->ncand; i++) {
            g = mx_group_by_code(j->cand[i]);
            if (g != NULL && g->openssl != NULL)
                j->cand[n++] = j->cand[i];
            else
                j->rest[j->nrest++] = j->cand[i];
        }
        j->ncand = n;
        if (n > 0) {
            j->ossl = 1;
            build_groups_ossl(c, j);
            queue(c, j);
            return;
        }
        (void)groups_rest(c, j, 1);
        return;
    }
    if (build_groups(c, j) != 0) {
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

    if (closed_probe(j) && !j->again && !c->failed) {
        /* no answer: asked again once */
        mx_log(1, "enumerate: %s: %s; asked again", j->task.addr,
               closed_why(j));
        j->again = 1;
        if (j->ossl)
            build_groups_ossl(c, j);
        if (j->ossl || build_groups(c, j) == 0) {
            queue_later(c, j);
            return;
        }
        c->failed = 1;
        return;
    }
    if (closed_probe(j)) {
        /* closed twice: the end of this chain rests on it; what
         * follows a refusal follows */
        r->closed_ends++;
        j->again = 0;
        if (!j->anchored && j->ncand > 0 && r->ngroups > 0 && !c->failed) {
            j->anchored = 1;
            if (j->ossl)
                build_groups_ossl(c, j);
            if (j->ossl || build_groups(c, j) == 0) {
                queue(c, j);
                return;
            }
        }
        if (j->ossl)
            (void)groups_rest(c, j, 1);
        else
            r->groups_complete = 1;
        return;
    }
    j->again = 0;
    if (j->ossl) {
        const struct mx_handshake *hs = &j->task.hs;

        if (j->task.rc != 0 && hs->alert_sent == 47 && !j->anchored &&
            j->ncand > 0) {
            /* the library rejected the server's answer (illegal_parameter):
             * an ECDSA certificate on a curve the offer leaves out (wrong
             * curve; see drop_ecdsa), or a group not offered. The groups
             * left go to the raw engine, which reads the
             * ServerKeyExchange's curve and does not judge the
             * certificate (a group not offered is an error there). */
            mx_log(1, "enumerate: %s: %s; the groups left asked raw",
                   j->task.addr, j->task.err.msg);
            c->e->refusals++; /* an aborted handshake in the server's log */
            to_raw(j);
            (void)groups_rest(c, j, 0);
            return;
        }
        if (j->task.rc != 0) {
            note_error(c, j, &j->task.err);
            return;
        }
        if (!hs->accepted) {
            c->e->refusals++;
            if (!j->anchored && j->ncand > 0 && r->ngroups > 0) {
                j->anchored = 1;
                build_groups_ossl(c, j);
                queue(c, j);
                return;
            }
            (void)groups_rest(c, j, 1);
            return;
        }
        g = hs->group;
        if (j->anchored && mx_code_listed(r->groups, r->ngroups, g)) {
            (void)groups_rest(c, j, 1);
            return;
        }
        if (g == 0 || !mx_code_listed(j->cand, j->ncand, g)) {
            mx_error_set(&err, MX_E_TLS,
                         "%s: the handshake's group 0x%04X was not offered",
                         j->task.addr, g);
            note_error(c, j, &err);
            return;
        }
        add_code(r->groups, &r->ngroups, MX_ENUM_MAX_GROUPS, g);
        remove_code(j->cand, &j->ncand, g);
        if (j->ncand == 0) {
            (void)groups_rest(c, j, 1);
            return;
        }
        build_groups_ossl(c, j);
        queue(c, j);
        return;
    }
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
        c->e->refusals++;
        /* refused: retry once with the groups found as anchors */
        if (!j->anchored && j->ncand > 0 && r->ngroups > 0 && !c->failed) {
            j->anchored = 1;
            if (build_groups(c, j) == 0) {
                queue(c, j);
                return;
            }
        }
        r->groups_complete = 1;
        return;
    }
    g = f->hrr ? f->hrr_group : f->group;
    if (j->anchored && g != 0 && mx_code_listed(r->groups, r->ngroups, g)) {
        r->groups_complete = 1; /* an anchor beat every candidate left */
        return;
    }
    if (g == 0 || !mx_code_listed(j->cand, j->ncand, g)) {
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
    if (!c->failed && build_groups(c, j) == 0)
        queue(c, j);
}

/*
 * TLS versions the linked OpenSSL speaks are asked with complete
 * handshakes (EHLO, QUIT and close_notify after them), so that an
 * accepted version leaves nothing in the server's log and is accepted
 * only when the handshake completes. TLS 1.0 to 1.2 are one range: the
 * server answers with the highest version of the range it accepts; that
 * version is accepted and those above it refused, and the range below it
 * is asked next. Only the range no version of which is accepted ends in a
 * refusal. A refusal that is not about the version (no suite or group in
 * common with the library's) is asked again per version by the raw
 * engine, whose offer has every suite of the registry.
 */
static int
build_tlsv(struct ctx *c, struct job *j)
{
    uint16_t *all = c->scratch;
    size_t n, i;
    int vi;

    j->nlib = 0;
    for (vi = j->vi; vi >= j->lo; vi--) {
        n = universe(c, vi, all, MX_ENUM_MAX_SUITES);
        for (i = 0; i < n; i++)
            if (mx_suite_in_library(all[i]))
                add_code(j->lib, &j->nlib, MX_ENUM_MAX_SUITES, all[i]);
    }
    if (j->nlib == 0)
        return -1;
    mx_task_free(&j->task);
    mx_task_init(&j->task);
    j->task.engine = MX_ENGINE_OPENSSL;
    j->task.offer.min_version = version_codes[j->lo];
    j->task.offer.max_version = version_codes[j->vi];
    j->task.offer.suites = j->lib;
    j->task.offer.nsuites = j->nlib;
    j->task.offer.sni = c->o->sni;
    j->task.done = job_done;
    j->task.arg = j;
    return 0;
}

/* A version is decided: its suites etc. follow when it was accepted. */
static void
decided(struct ctx *c, int vi)
{
    c->pending_versions--;
    if (c->e->v[vi].state != MX_VS_ACCEPTED)
        return;
    if (c->o->what & MX_ENUM_SUITES)
        start_suite_chains(c, vi);
    else if (c->o->what & MX_ENUM_GROUPS)
        start_groups(c, vi);
}

/* Versions lo..hi to the raw engine, one probe each. */
static void
raw_versions(struct ctx *c, int lo, int hi, int later)
{
    struct job *j;
    int vi;

    for (vi = hi; vi >= lo; vi--) {
        j = new_job(c, J_VERSION, vi);
        if (j == NULL) {
            c->failed = 1;
            return;
        }
        j->noffer = universe(c, vi, j->offer, MX_ENUM_CHUNK);
        if (build(j, NULL, 0, MX_FLIGHT_STOP_DONE) != 0) {
            c->failed = 1;
            return;
        }
        if (later)
            queue_later(c, j);
        else
            queue(c, j);
    }
}

static void
tlsv_done(struct ctx *c, struct job *j)
{
    const struct mx_handshake *hs = &j->task.hs;
    struct mx_vresult *r;
    char detail[160];
    int vi, got;

    if (j->task.rc != 0 && j->task.err.code == MX_E_TLS) {
        /* the server answered, but the handshake broke: what the raw
         * engine sees is all there is, and it is said */
        for (vi = j->vi; vi >= j->lo; vi--) {
            c->hs_failed[vi] = 1;
            snprintf(c->e->v[vi].detail, sizeof(c->e->v[vi].detail),
                     "a complete handshake failed: %.120s", j->task.err.msg);
        }
        raw_versions(c, j->lo, j->vi, 0);
        return;
    }
    if (closed_probe(j)) {
        /* a close or a reset is no refusal: each version of the range is
         * asked again by the raw engine, on a fresh connection after a
         * pause; a close there too is the second */
        mx_log(1, "enumerate: %s to %s: %s; asked again per version",
               mx_version_name(version_codes[j->lo]),
               mx_version_name(version_codes[j->vi]), closed_why(j));
        if (c->close_err.code == MX_E_OK)
            mx_error_set(&c->close_err, MX_E_CLOSED, "%s: %s", j->task.addr,
                         closed_why(j));
        for (vi = j->vi; vi >= j->lo; vi--) {
            c->hs_closed[vi] = 1;
            snprintf(c->e->v[vi].detail, sizeof(c->e->v[vi].detail),
                     "a complete handshake was closed: %.120s", closed_why(j));
        }
        raw_versions(c, j->lo, j->vi, 1);
        return;
    }
    if (j->task.rc != 0) {
        /* no verdict: the deadline, or a close before TLS began */
        struct mx_error err = j->task.err;

        for (vi = j->vi; vi >= j->lo; vi--) {
            c->e->errors++;
            c->e->v[vi].state = MX_VS_ERROR;
            c->e->v[vi].err = err;
            decided(c, vi);
        }
        maybe_fallback(c);
        return;
    }
    if (!hs->accepted) {
        c->e->refusals++;
        if (hs->alert_recv >= 0 && hs->alert_recv != 70 &&
            j->task.err.code == MX_E_OK) {
            /* not about the version: the raw engine offers more */
            mx_log(1,
                   "enumerate: %s to %s refused with the library's "
                   "suites (%s); asking the raw engine",
                   mx_version_name(version_codes[j->lo]),
                   mx_version_name(version_codes[j->vi]), hs->reason);
            for (vi = j->vi; vi >= j->lo; vi--) {
                c->hs_failed[vi] = 1;
                snprintf(c->e->v[vi].detail, sizeof(c->e->v[vi].detail),
                         "the library's suites were refused: %.100s",
                         hs->reason);
            }
            raw_versions(c, j->lo, j->vi, 0);
            return;
        }
        if (hs->alert_recv >= 0)
            snprintf(detail, sizeof(detail), "alert %s",
                     mx_alert_name(hs->alert_recv));
        else
            snprintf(detail, sizeof(detail), "%.150s", hs->reason);
        for (vi = j->vi; vi >= j->lo; vi--) {
            c->e->v[vi].state = MX_VS_REFUSED;
            snprintf(c->e->v[vi].detail, sizeof(c->e->v[vi].detail), "%s",
                     detail);
            decided(c, vi);
        }
        maybe_fallback(c);
        return;
    }
    got = mx_version_index(hs->version);
    if (got < j->lo || got > j->vi) { /* OpenSSL does not let this pass */
        got = j->vi;
    }
    for (vi = j->vi; vi > got; vi--) {
        r = &c->e->v[vi];
        r->state = MX_VS_REFUSED;
        snprintf(r->detail, sizeof(r->detail),
                 "server chose %s when offered up to %s",
                 mx_version_name(hs->version),
                 mx_version_name(version_codes[j->vi]));
        decided(c, vi);
    }
    r = &c->e->v[got];
    r->state = MX_VS_ACCEPTED;
    r->verified = 1;
    r->chosen = hs->suite;
    r->group = hs->group;
    r->us = hs->ms * 1000;
    mx_log(1, "enumerate: %s accepted (%s), handshake completed",
           mx_version_name(r->version), mx_suite_name(r->chosen));
    if (got > j->lo) {
        j->vi = got - 1;
        if (build_tlsv(c, j) == 0)
            queue(c, j);
        else
            raw_versions(c, j->lo, j->vi, 0);
    }
    decided(c, got);
    maybe_fallback(c);
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

/*
 * The fallback probe: TLS_FALLBACK_SCSV at the second highest version
 * accepted. Alert inappropriate_fallback: honoured; a ServerHello at that
 * version: ignored. A close (or reset) is no verdict by itself: the same
 * hello without the SCSV is sent on a fresh connection, and when the
 * server accepts that one, the close answered the SCSV (a server that
 * rejects a fallback by closing, as Dovecot does).
 */
static void
fallback_done(struct ctx *c, struct job *j)
{
    const struct mx_flight *f = j->task.raw.flight;
    int closed, hello;

    closed = j->task.rc != 0 ? j->task.err.code == MX_E_CLOSED
                             : f == NULL || f->verdict == MX_V_NEED_MORE;
    hello = j->task.rc == 0 && f != NULL && f->verdict == MX_V_SERVER_HELLO &&
            f->version == version_codes[j->vi];
    if (j->retried) {
        /* the same hello without the SCSV, after a close */
        if (hello) {
            c->e->fallback = 1;
            c->e->fallback_closes = 1;
            c->e->dropped++;
        } else if (j->task.rc != 0) {
            note_error(c, j, &j->task.err);
        }
        return;
    }
    c->e->fallback = -1;
    if (closed && !c->failed) {
        mx_log(1,
               "enumerate: %s closed after TLS_FALLBACK_SCSV; the same "
               "hello without it follows",
               j->task.addr);
        j->retried = 1;
        j->noffer--; /* the SCSV is last */
        if (build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) == 0) {
            queue_later(c, j);
            return;
        }
        c->failed = 1;
        return;
    }
    if (j->task.rc != 0) {
        note_error(c, j, &j->task.err);
        return;
    }
    if (f != NULL && f->verdict == MX_V_ALERT && f->alert_desc == 86) {
        c->e->fallback = 1;
        c->e->refusals++;
    } else if (hello)
        c->e->fallback = 0;
    c->e->dropped++;
}

static void
job_done(struct mx_sched *s, struct mx_task *task)
{
    struct job *j = task->arg;
    struct ctx *c = j->ctx;

    (void)s;
    if (closed_probe(j))
        c->e->closed++;
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
    case J_TLSV:
        tlsv_done(c, j);
        break;
    }
}

/*
 * A server that closes every complete handshake, at every TLS version,
 * and accepts none, fails TLS as such: no version is the reason, so the
 * TLS versions get no verdict (MX_VS_ERROR with the close) rather than
 * "no answer" each.
 */
static void
every_close(struct ctx *c)
{
    struct mx_vresult *r;
    int vi;

    for (vi = 0; vi < MX_NVERSIONS; vi++)
        if (c->e->v[vi].state == MX_VS_ACCEPTED ||
            (vi >= TLSV_LO && !c->hs_closed[vi]))
            return;
    if (!c->tlsv || c->close_err.code == MX_E_OK)
        return;
    for (vi = TLSV_LO; vi < MX_NVERSIONS; vi++) {
        r = &c->e->v[vi];
        if (r->state != MX_VS_CLOSED)
            continue;
        r->state = MX_VS_ERROR;
        r->err = c->close_err;
        c->e->errors++;
    }
}

int
mx_enumerate(struct mx_target *t, const struct mx_enum_opts *o,
             struct mx_enum *e, struct mx_error *err)
{
    struct ctx *c;
    struct job *j, *next;
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
    mx_offer_library_order(c->pref, MX_ENUM_MAX_SUITES, &c->npref);
    mx_sched_init(&c->s, t, o->parallel);

    c->pending_versions = MX_NVERSIONS;
    c->tlsv = !o->raw_only && tlsv_spoken();
    for (vi = 0; vi < MX_NVERSIONS; vi++) {
        if (vi == TLSV_LO && !c->tlsv)
            break;
        j = new_job(c, vi >= TLSV_LO ? J_TLSV : J_VERSION, vi);
        if (j == NULL)
            goto oom;
        if (vi >= TLSV_LO) {
            /* TLS 1.0 to 1.2 as one range, TLS 1.3 alone */
            j->lo = vi == TLSV_LO ? TLSV_LO : vi;
            j->vi = vi == TLSV_LO ? TLSV_LO + 2 : vi;
            if (build_tlsv(c, j) != 0) {
                mx_error_set(err, MX_E_INTERNAL, "cannot build an offer");
                goto out;
            }
            queue(c, j);
            if (vi == TLSV_LO)
                vi = TLSV_LO + 2;
            continue;
        }
        j->noffer = universe(c, vi, j->offer, MX_ENUM_CHUNK);
        if (build(j, NULL, 0, MX_FLIGHT_STOP_DONE) != 0) {
            mx_error_set(err, MX_E_INTERNAL, "cannot build a ClientHello");
            goto out;
        }
        queue(c, j);
    }
    if (vi == TLSV_LO) /* a library without TLS 1.0..1.3: raw probes */
        raw_versions(c, TLSV_LO, MX_NVERSIONS - 1, 0);
    (void)mx_sched_run(&c->s);
    e->stats = c->s.stats;
    if (c->failed) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory or no randomness");
        goto out;
    }
    every_close(c);
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
