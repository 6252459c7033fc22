/*
 * enum_job.c - the jobs of an enumeration (enumerate_int.h): making one,
 * building its ClientHello (raw or for the OpenSSL engine), queueing it,
 * judging a server's answer, and what a close means. Below the version,
 * suite and group probes (enum_versions.c, enum_suites.c,
 * enum_groups.c) and the run (enumerate.c), which they all use; every
 * job's callback is the run's (struct ctx's done).
 *
 * Error contract: as enumerate.c (enumerate.h); nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
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
    j->task.done = j->ctx->done;
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
    j->task.done = j->ctx->done;
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

/* Did the server end the probe without an answer to its ClientHello: a
 * close or a reset before any byte of its answer (raw), or before the
 * handshake's verdict without an alert (OpenSSL)? A close in the middle
 * of an answer is broken TLS, a close before TLS (greeting, STARTTLS) is
 * no answer about TLS, and a timeout is the run's deadline: none
 * counts. */
int
en_closed_probe(const struct job *j)
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
void
en_queue_later(struct ctx *c, struct job *j)
{
    j->task.not_before = mx_now_ms() + MX_ENUM_RETRY_MS;
    en_queue(c, j);
}

/* The reason a closed probe gives, for -v. */
const char *
en_closed_why(const struct job *j)
{
    if (j->task.engine == MX_ENGINE_OPENSSL)
        return j->task.hs.reason;
    return j->task.raw.reset ? "server reset the connection"
                             : "server closed the connection";
}
