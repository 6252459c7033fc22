/*
 * enum_versions.c - which versions a server accepts: SSLv2 and SSLv3 by
 * raw probes, TLS 1.0 to 1.3 by complete handshakes asked as ranges,
 * closes asked again once, raw probes where the library's suites are
 * refused (see enumerate.h, enumerate.c).
 *
 * Error contract: as enumerate.c. Nothing here prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "enumerate_int.h"
#include "hello.h"
#include "log.h"
#include "registry.h"
#include "suites.h"
#include "text.h"

void
en_version_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    const struct mx_group *g;
    struct mx_error err;
    char note[160];
    size_t i;
    int rc;

    if (en_closed_probe(j)) {
        /* no answer: asked again once (a version whose complete
         * handshake was closed is asked the second time here) */
        if (!j->again && !c->hs_closed[j->vi] && !c->failed) {
            mx_log(1, "enumerate: %s %s: %s; asked again",
                   mx_version_name(r->version), j->task.addr, en_closed_why(j));
            j->again = 1;
            if (en_build(j, NULL, 0, MX_FLIGHT_STOP_DONE) == 0) {
                en_queue_later(c, j);
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
        en_maybe_fallback(c);
        return;
    }
    c->pending_versions--;
    if (j->task.rc != 0) {
        en_note_error(c, j, &j->task.err);
        en_maybe_fallback(c);
        return;
    }
    snprintf(note, sizeof(note), "%s", r->detail);
    rc = en_judge(j, j->offer, j->noffer, r->detail, sizeof(r->detail), &err);
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
        en_note_error(c, j, &err);
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
        if ((c->o->what & MX_ENUM_SUITES) && en_version_codes[j->vi] != MX_SSL2)
            en_start_suite_chains(c, j->vi);
        else if ((c->o->what & MX_ENUM_GROUPS) &&
                 en_version_codes[j->vi] != MX_SSL2)
            en_start_groups(c, j->vi);
    }
    en_maybe_fallback(c);
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
int
en_build_tlsv(struct ctx *c, struct job *j)
{
    uint16_t *all = c->scratch;
    size_t n, i;
    int vi;

    j->nlib = 0;
    for (vi = j->vi; vi >= j->lo; vi--) {
        n = en_universe(c, vi, all, MX_ENUM_MAX_SUITES);
        for (i = 0; i < n; i++)
            if (mx_suite_in_library(all[i]))
                mx_code_add(j->lib, &j->nlib, MX_ENUM_MAX_SUITES, all[i]);
    }
    if (j->nlib == 0)
        return -1;
    mx_task_free(&j->task);
    mx_task_init(&j->task);
    j->task.engine = MX_ENGINE_OPENSSL;
    j->task.offer.min_version = en_version_codes[j->lo];
    j->task.offer.max_version = en_version_codes[j->vi];
    j->task.offer.suites = j->lib;
    j->task.offer.nsuites = j->nlib;
    j->task.offer.sni = c->o->sni;
    j->task.done = c->done;
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
        en_start_suite_chains(c, vi);
    else if (c->o->what & MX_ENUM_GROUPS)
        en_start_groups(c, vi);
}

/* Versions lo..hi to the raw engine, one probe each. */
void
en_raw_versions(struct ctx *c, int lo, int hi, int later)
{
    struct job *j;
    int vi;

    for (vi = hi; vi >= lo; vi--) {
        j = en_new_job(c, J_VERSION, vi);
        if (j == NULL) {
            c->failed = 1;
            return;
        }
        j->noffer = en_universe(c, vi, j->offer, MX_ENUM_CHUNK);
        if (en_build(j, NULL, 0, MX_FLIGHT_STOP_DONE) != 0) {
            c->failed = 1;
            return;
        }
        if (later)
            en_queue_later(c, j);
        else
            en_queue(c, j);
    }
}

void
en_tlsv_done(struct ctx *c, struct job *j)
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
        en_raw_versions(c, j->lo, j->vi, 0);
        return;
    }
    if (en_closed_probe(j)) {
        /* a close or a reset is no refusal: each version of the range is
         * asked again by the raw engine, on a fresh connection after a
         * pause; a close there too is the second */
        mx_log(1, "enumerate: %s to %s: %s; asked again per version",
               mx_version_name(en_version_codes[j->lo]),
               mx_version_name(en_version_codes[j->vi]), en_closed_why(j));
        if (c->close_err.code == MX_E_OK)
            mx_error_set(&c->close_err, MX_E_CLOSED, "%s: %s", j->task.addr,
                         en_closed_why(j));
        for (vi = j->vi; vi >= j->lo; vi--) {
            c->hs_closed[vi] = 1;
            snprintf(c->e->v[vi].detail, sizeof(c->e->v[vi].detail),
                     "a complete handshake was closed: %.120s",
                     en_closed_why(j));
        }
        en_raw_versions(c, j->lo, j->vi, 1);
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
        en_maybe_fallback(c);
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
                   mx_version_name(en_version_codes[j->lo]),
                   mx_version_name(en_version_codes[j->vi]), hs->reason);
            for (vi = j->vi; vi >= j->lo; vi--) {
                c->hs_failed[vi] = 1;
                snprintf(c->e->v[vi].detail, sizeof(c->e->v[vi].detail),
                         "the library's suites were refused: %.100s",
                         hs->reason);
            }
            en_raw_versions(c, j->lo, j->vi, 0);
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
        en_maybe_fallback(c);
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
                 mx_version_name(en_version_codes[j->vi]));
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
        if (en_build_tlsv(c, j) == 0)
            en_queue(c, j);
        else
            en_raw_versions(c, j->lo, j->vi, 0);
    }
    decided(c, got);
    en_maybe_fallback(c);
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
void
en_fallback_done(struct ctx *c, struct job *j)
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
