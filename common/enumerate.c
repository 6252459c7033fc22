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
 * The version probes are enum_versions.c's, the suite chains and the
 * order probe enum_suites.c's, the group chains enum_groups.c's
 * (enumerate_int.h); this file holds the jobs and the run.
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
#include "enumerate_int.h"
#include "hello.h"
#include "log.h"
#include "offer.h"
#include "registry.h"
#include "suites.h"
#include "text.h"

const uint16_t en_version_codes[MX_NVERSIONS] = {MX_SSL2,  MX_SSL3,  MX_TLS10,
                                                 MX_TLS11, MX_TLS12, MX_TLS13};

int
mx_version_index(uint16_t version)
{
    int i;

    for (i = 0; i < MX_NVERSIONS; i++)
        if (en_version_codes[i] == version)
            return i;
    return -1;
}

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

struct job *
en_new_job(struct ctx *c, enum jkind kind, int vi)
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
int
en_build(struct job *j, const uint16_t *groups, size_t ngroups, int stop)
{
    struct ctx *c = j->ctx;
    struct mx_offer o;
    struct mx_hello h;
    struct mx_error err;
    const struct mx_ssl2_cipher *s2;
    uint32_t ssl2[16];
    size_t n2, i;
    uint16_t v = en_version_codes[j->vi];
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
    j->task.done = en_job_done;
    j->task.arg = j;
    return 0;
}

/* A raw suite chain's hello: j->offer, with the groups of its kind. */
int
en_build_suites(struct job *j)
{
    const uint16_t *ec;
    size_t nec;

    if (!j->ec_only)
        return en_build(j, NULL, 0, MX_FLIGHT_STOP_HELLO);
    ec = mx_offer_ec_groups(&nec);
    return en_build(j, ec, nec, MX_FLIGHT_STOP_HELLO);
}

/* An OpenSSL task offering suites (n of them) at one version: a complete
 * handshake, EHLO, QUIT and close_notify when it is accepted. */
void
en_build_ossl(struct job *j, const uint16_t *suites, size_t n)
{
    uint16_t v = en_version_codes[j->vi];

    mx_task_free(&j->task);
    mx_task_init(&j->task);
    j->task.engine = MX_ENGINE_OPENSSL;
    j->task.offer.min_version = v;
    j->task.offer.max_version = v;
    j->task.offer.suites = suites;
    j->task.offer.nsuites = n;
    j->task.offer.sni = j->ctx->o->sni;
    j->task.done = en_job_done;
    j->task.arg = j;
}

/* Can the OpenSSL engine ask this version with these suites? */
int
en_ossl_can(const struct ctx *c, int vi, const uint16_t *suites, size_t n)
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
size_t
en_universe(const struct ctx *c, int vi, uint16_t *out, size_t cap)
{
    return mx_offer_universe(en_version_codes[vi], c->pref, c->npref, out, cap);
}

void
en_remove_code(uint16_t *list, size_t *n, uint16_t code)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (list[i] == code) {
            memmove(list + i, list + i + 1, (*n - i - 1) * sizeof(*list));
            (*n)--;
            return;
        }
}

void
en_queue(struct ctx *c, struct job *j)
{
    mx_sched_add(&c->s, &j->task);
}

void
en_note_error(struct ctx *c, struct job *j, const struct mx_error *err)
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
int
en_judge(struct job *j, const uint16_t *suites, size_t nsuites, char *detail,
         size_t cap, struct mx_error *err)
{
    uint16_t v = en_version_codes[j->vi];
    int rc = mx_raw_judge(&j->task.raw, j->task.addr, suites, nsuites, v, v,
                          detail, cap, err);

    if (rc == 1)
        j->ctx->e->dropped++; /* the raw engine stops at the hello */
    return rc;
}

/* Once every version probe is in: TLS_FALLBACK_SCSV at the second highest
 * accepted version. */
void
en_maybe_fallback(struct ctx *c)
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
    j = en_new_job(c, J_FALLBACK, lo);
    if (j == NULL) {
        c->failed = 1;
        return;
    }
    j->noffer = en_universe(c, lo, j->offer, MX_ENUM_CHUNK);
    j->offer[j->noffer++] = 0x5600; /* TLS_FALLBACK_SCSV */
    if (en_build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
        c->failed = 1;
        return;
    }
    en_queue(c, j);
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
            f->version == en_version_codes[j->vi];
    if (j->retried) {
        /* the same hello without the SCSV, after a close */
        if (hello) {
            c->e->fallback = 1;
            c->e->fallback_closes = 1;
            c->e->dropped++;
        } else if (j->task.rc != 0) {
            en_note_error(c, j, &j->task.err);
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
        if (en_build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) == 0) {
            en_queue_later(c, j);
            return;
        }
        c->failed = 1;
        return;
    }
    if (j->task.rc != 0) {
        en_note_error(c, j, &j->task.err);
        return;
    }
    if (f != NULL && f->verdict == MX_V_ALERT && f->alert_desc == 86) {
        c->e->fallback = 1;
        c->e->refusals++;
    } else if (hello)
        c->e->fallback = 0;
    c->e->dropped++;
}

void
en_job_done(struct mx_sched *s, struct mx_task *task)
{
    struct job *j = task->arg;
    struct ctx *c = j->ctx;

    (void)s;
    if (en_closed_probe(j))
        c->e->closed++;
    switch (j->kind) {
    case J_VERSION:
        en_version_done(c, j);
        break;
    case J_SUITES:
        en_suites_done(c, j);
        break;
    case J_ORDER:
        en_order_done(c, j);
        break;
    case J_GROUPS:
        en_groups_done(c, j);
        break;
    case J_FALLBACK:
        fallback_done(c, j);
        break;
    case J_TLSV:
        en_tlsv_done(c, j);
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
        e->v[vi].version = en_version_codes[vi];
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
        j = en_new_job(c, vi >= TLSV_LO ? J_TLSV : J_VERSION, vi);
        if (j == NULL)
            goto oom;
        if (vi >= TLSV_LO) {
            /* TLS 1.0 to 1.2 as one range, TLS 1.3 alone */
            j->lo = vi == TLSV_LO ? TLSV_LO : vi;
            j->vi = vi == TLSV_LO ? TLSV_LO + 2 : vi;
            if (en_build_tlsv(c, j) != 0) {
                mx_error_set(err, MX_E_INTERNAL, "cannot build an offer");
                goto out;
            }
            en_queue(c, j);
            if (vi == TLSV_LO)
                vi = TLSV_LO + 2;
            continue;
        }
        j->noffer = en_universe(c, vi, j->offer, MX_ENUM_CHUNK);
        if (en_build(j, NULL, 0, MX_FLIGHT_STOP_DONE) != 0) {
            mx_error_set(err, MX_E_INTERNAL, "cannot build a ClientHello");
            goto out;
        }
        en_queue(c, j);
    }
    if (vi == TLSV_LO) /* a library without TLS 1.0..1.3: raw probes */
        en_raw_versions(c, TLSV_LO, MX_NVERSIONS - 1, 0);
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
