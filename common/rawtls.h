/*
 * rawtls.h - the raw TLS engine: send ClientHello bytes we built (or
 * recorded) ourselves and read the server's first flight, for everything
 * the linked OpenSSL cannot offer (SSLv2, SSLv3, RC4, EXPORT, CCM_8 in
 * TLS 1.3, post-quantum groups ...) and for byte-exact replay. It never
 * completes a handshake: after the verdict the connection is dropped.
 *
 * mx_raw_step() returns MX_AGAIN (c->want says what to poll for), MX_DONE
 * when the server gave a verdict (r->flight->verdict, or r->closed /
 * r->reset when it hung up first), or -1 with err.
 */
#ifndef MX_RAWTLS_H
#define MX_RAWTLS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hello.h"
#include "net.h"

struct mx_raw_run {
    const uint8_t *hello; /* the bytes to send (the caller's) */
    size_t len;
    const uint16_t *offered; /* the suites offered, or NULL */
    size_t noffered;
    size_t sent;
    struct mx_flight *flight; /* heap; handed to the result */
    int64_t t0_us;
    int checked; /* the ServerHello was checked against the hello */
};

struct mx_raw_result {
    struct mx_flight *flight; /* owned; NULL before a run */
    int closed;               /* the server closed before a verdict */
    int reset;                /* ... or reset the connection */
    int64_t us;               /* from the first byte sent to the verdict */
    const uint8_t *hello;     /* the ClientHello sent (the caller's bytes) */
    size_t hello_len;
};

/*
 * 0, or -1 (INTERNAL: out of memory). stop is MX_FLIGHT_STOP_*. When
 * offered is given and the server's ServerHello names a suite outside it,
 * or the ServerHello is one a client rejects (shcheck.h), the run ends
 * there, without waiting for the rest of the flight (the flight's verdict
 * is then still MX_V_NEED_MORE, with have_hello set).
 */
int mx_raw_start(struct mx_raw_run *run, const uint8_t *hello, size_t len,
                 int stop, const uint16_t *offered, size_t noffered,
                 struct mx_error *err);
int mx_raw_step(struct mx_raw_run *run, struct mx_conn *c,
                struct mx_raw_result *r, struct mx_error *err);
void mx_raw_abort(struct mx_raw_run *run);

/*
 * Judge a raw run that offered suites (n of them) and versions vmin..vmax
 * (MX_SSL2 for an SSLv2 CLIENT-HELLO): 1 when the server accepted (a
 * ServerHello or HelloRetryRequest inside the offer, or an SSLv2
 * SERVER-HELLO to an SSLv2 hello); 0 when it refused (detail says how: an
 * alert, a close or reset before answering, a lower version than
 * offered); -1 when its answer breaks the protocol (err, TLS: a version or
 * suite that was not offered, malformed TLS, a close or reset in the
 * middle of its answer, or a hello a real client would not take: see
 * shcheck.h). addr names the server in messages.
 */
int mx_raw_judge(const struct mx_raw_result *r, const char *addr,
                 const uint16_t *suites, size_t n, uint16_t vmin, uint16_t vmax,
                 char *detail, size_t cap, struct mx_error *err);
void mx_raw_result_free(struct mx_raw_result *r);

/* -vvv: what a raw ClientHello offers (versions, suites, groups,
 * signature schemes), as the OpenSSL engine logs its offer. */
void mx_raw_log_offer(const uint8_t *hello, size_t len);

#endif
