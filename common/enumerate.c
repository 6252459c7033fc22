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
 * The jobs and their hellos are enum_job.c's, the version and fallback
 * probes enum_versions.c's, the suite chains and the order probe
 * enum_suites.c's, the group chains enum_groups.c's (enumerate_int.h);
 * this file holds the run: each job's callback and mx_enumerate.
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
        en_fallback_done(c, j);
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
    c->done = en_job_done;
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
