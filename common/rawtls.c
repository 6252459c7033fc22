/*
 * rawtls.c - send a ClientHello as bytes, read the first flight.
 *
 * Error contract: see rawtls.h. A server that closes or resets before a
 * verdict is a refusal (MX_DONE with closed/reset set), not an error; only
 * a failing socket call that is not the peer's doing is -1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "registry.h"
#include "rawtls.h"
#include "suites.h"
#include "shcheck.h"
#include "text.h"

int
mx_raw_start(struct mx_raw_run *run, const uint8_t *hello, size_t len, int stop,
             const uint16_t *offered, size_t noffered, struct mx_error *err)
{
    memset(run, 0, sizeof(*run));
    run->flight = malloc(sizeof(*run->flight));
    if (run->flight == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    mx_flight_init(run->flight, stop);
    run->hello = hello;
    run->len = len;
    run->offered = offered;
    run->noffered = noffered;
    run->t0_us = mx_now_us();
    return 0;
}

void
mx_raw_abort(struct mx_raw_run *run)
{
    free(run->flight);
    run->flight = NULL;
}

void
mx_raw_result_free(struct mx_raw_result *r)
{
    free(r->flight);
    r->flight = NULL;
}

static void
finish(struct mx_raw_run *run, struct mx_raw_result *r)
{
    r->flight = run->flight;
    run->flight = NULL;
    r->us = mx_now_us() - run->t0_us;
    r->hello = run->hello;
    r->hello_len = run->len;
}

/* Has the ServerHello named a suite that was not offered? */
static int
outside_offer(const struct mx_raw_run *run)
{
    size_t i;

    if (run->offered == NULL || !run->flight->have_hello)
        return 0;
    for (i = 0; i < run->noffered; i++)
        if (run->offered[i] == run->flight->suite)
            return 0;
    return 1;
}

/* The answer against the hello that was sent, as a real client checks
 * it (shcheck.h): 1, or -1 with err. A hello that does not decode (a
 * recording only the capture reader took) is not checked further. */
static int
strict(const struct mx_raw_result *r, const char *addr, struct mx_error *err)
{
    struct mx_hello_view *ch;
    struct mx_error e;
    char why[200];
    int rc = 1;

    if (r->hello == NULL)
        return 1;
    ch = malloc(sizeof(*ch));
    if (ch == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (mx_hello_decode(r->hello, r->hello_len, ch, &e) == 0 &&
        mx_sh_check(ch, r->flight, why, sizeof(why)) != 0) {
        mx_error_set(err, MX_E_TLS, "%s sent a %s a client rejects: %s", addr,
                     r->flight->hrr ? "HelloRetryRequest" : "ServerHello", why);
        rc = -1;
    }
    free(ch);
    return rc;
}

/* Has the ServerHello, once parsed, a fault that ends the handshake? Then
 * the rest of the flight is not waited for. Checked once. */
static int
rejected(struct mx_raw_run *run)
{
    struct mx_raw_result r;
    struct mx_error e;

    if (!run->flight->have_hello || run->checked)
        return 0;
    run->checked = 1;
    memset(&r, 0, sizeof(r));
    r.flight = run->flight;
    r.hello = run->hello;
    r.hello_len = run->len;
    return strict(&r, "", &e) < 0;
}

int
mx_raw_step(struct mx_raw_run *run, struct mx_conn *c, struct mx_raw_result *r,
            struct mx_error *err)
{
    uint8_t buf[4096];
    size_t n;
    int rc;

    while (run->sent < run->len) {
        rc = mx_conn_write_raw(c, run->hello + run->sent, run->len - run->sent,
                               &n, err);
        run->sent += n;
        if (rc == MX_AGAIN)
            return MX_AGAIN;
        if (rc < 0) {
            /* a reset before our hello is out: the server refused it */
            finish(run, r);
            r->reset = 1;
            mx_log(2, "raw: %s", err->msg);
            return MX_DONE;
        }
    }
    for (;;) {
        rc = mx_conn_read_raw(c, buf, sizeof(buf), &n, err);
        if (rc == MX_AGAIN)
            return MX_AGAIN;
        if (rc < 0) {
            finish(run, r);
            r->reset = 1;
            mx_log(2, "raw: %s", err->msg);
            return MX_DONE;
        }
        if (n == 0) { /* end of stream */
            finish(run, r);
            r->closed = 1;
            return MX_DONE;
        }
        if (mx_flight_feed(run->flight, buf, n) != MX_V_NEED_MORE ||
            outside_offer(run) || rejected(run)) {
            finish(run, r);
            mx_log(2, "raw: verdict %s after %zu bytes",
                   mx_verdict_name(r->flight->verdict), r->flight->total);
            return MX_DONE;
        }
    }
}

int
mx_raw_judge(const struct mx_raw_result *r, const char *addr,
             const uint16_t *suites, size_t n, uint16_t vmin, uint16_t vmax,
             char *detail, size_t cap, struct mx_error *err)
{
    const struct mx_flight *f = r->flight;
    enum mx_verdict v;

    if ((r->closed || r->reset) && f != NULL && f->total > 0) {
        mx_error_set(err, MX_E_TLS,
                     "%s %s the connection after %zu bytes, in the middle of "
                     "its answer to the ClientHello",
                     addr, r->reset ? "reset" : "closed", f->total);
        return -1;
    }
    if (r->closed || r->reset || f == NULL) {
        snprintf(detail, cap, "server %s the connection",
                 r->reset ? "reset" : "closed");
        return 0;
    }
    if (f->verdict == MX_V_NEED_MORE && f->have_hello &&
        !mx_code_listed(suites, n, f->suite)) {
        mx_error_set(err, MX_E_TLS,
                     "%s chose suite 0x%04X, which was not offered", addr,
                     f->suite);
        return -1;
    }
    /* a run stopped at a ServerHello it need not read past */
    v = f->verdict;
    if (v == MX_V_NEED_MORE && f->have_hello)
        v = f->hrr ? MX_V_HRR : MX_V_SERVER_HELLO;
    switch (v) {
    case MX_V_ALERT:
        snprintf(detail, cap, "alert %s", mx_alert_name(f->alert_desc));
        return 0;
    case MX_V_SSL2_HELLO:
        if (vmax == MX_SSL2)
            return 1;
        mx_error_set(err, MX_E_TLS,
                     "%s answered a %s ClientHello with an SSLv2 SERVER-HELLO",
                     addr, mx_version_name(vmax));
        return -1;
    case MX_V_SERVER_HELLO:
    case MX_V_HRR:
        if (vmax == MX_SSL2) {
            mx_error_set(err, MX_E_TLS,
                         "%s answered an SSLv2 CLIENT-HELLO with a %s "
                         "ServerHello",
                         addr, mx_version_name(f->version));
            return -1;
        }
        if (f->version > vmax || f->version < MX_SSL3) {
            mx_error_set(err, MX_E_TLS,
                         "%s chose version 0x%04X, which was not offered "
                         "(%s)",
                         addr, f->version, mx_version_name(vmax));
            return -1;
        }
        if (f->version < vmin) {
            snprintf(detail, cap, "server answered with %s",
                     mx_version_name(f->version));
            return 0;
        }
        if (!mx_code_listed(suites, n, f->suite)) {
            mx_error_set(err, MX_E_TLS,
                         "%s chose suite 0x%04X, which was not offered", addr,
                         f->suite);
            return -1;
        }
        return strict(r, addr, err);
    case MX_V_MALFORMED:
    default:
        mx_error_set(err, MX_E_TLS, "%s answered with broken TLS: %s", addr,
                     f->reason);
        return -1;
    }
}

void
mx_raw_log_offer(const uint8_t *hello, size_t len)
{
    struct mx_hello_view *v;
    struct mx_error e;
    struct mx_buf b = MX_BUF_INIT;
    const struct mx_group *g;
    const struct mx_sigalg *sa;
    size_t i;

    if (!mx_log_enabled(3))
        return;
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return;
    if (mx_hello_decode(hello, len, v, &e) != 0) {
        mx_log(3, "offer: a raw ClientHello of %zu bytes (%s)", len, e.msg);
        free(v);
        return;
    }
    if (v->sslv2) {
        mx_log(3, "offer: an SSLv2 CLIENT-HELLO of %zu bytes, %zu cipher kinds",
               len, v->nssl2_ciphers);
        free(v);
        return;
    }
    mx_buf_printf(&b, "offer: a raw ClientHello of %zu bytes; versions", len);
    if (v->nversions == 0)
        mx_buf_printf(&b, " %s", mx_version_name(v->legacy_version));
    for (i = 0; i < v->nversions; i++)
        mx_buf_printf(&b, " %s", mx_version_name(v->versions[i]));
    mx_buf_append(&b, "; suites");
    for (i = 0; i < v->nsuites; i++)
        mx_buf_printf(&b, " %s", mx_suite_name(v->suites[i]));
    mx_buf_append(&b, "; groups");
    for (i = 0; i < v->ngroups; i++) {
        g = mx_group_by_code(v->groups[i]);
        if (g != NULL)
            mx_buf_printf(&b, " %s", g->display);
        else
            mx_buf_printf(&b, " 0x%04X", v->groups[i]);
    }
    if (v->ngroups == 0)
        mx_buf_append(&b, " (none)");
    mx_buf_append(&b, "; sigalgs");
    for (i = 0; i < v->nsigalgs; i++) {
        sa = mx_sigalg_by_code(v->sigalgs[i]);
        if (sa != NULL)
            mx_buf_printf(&b, " %s", sa->iana);
        else
            mx_buf_printf(&b, " 0x%04X", v->sigalgs[i]);
    }
    if (v->nsigalgs == 0)
        mx_buf_append(&b, " (none)");
    if (!mx_buf_failed(&b))
        mx_log(3, "%s", mx_buf_str(&b));
    mx_buf_free(&b);
    free(v);
}
