/*
 * probe.h - one probe: connect, speak the dialect up to STARTTLS, run a
 * TLS handshake with an offer, and end politely.
 *
 * After a completed handshake the probe says EHLO again over TLS, QUIT and
 * close_notify, so that a server that is fine logs no error. After a
 * refused handshake the connection is simply closed.
 *
 * Return contract of mx_probe(): 0 when the server gave a verdict on the
 * offer (r->hs.accepted says which); -1 with err when it did not (could
 * not connect, greeting or STARTTLS refused, timeout, not TLS, ...).
 */
#ifndef MX_PROBE_H
#define MX_PROBE_H

#include "deadline.h"
#include "err.h"
#include "starttls.h"
#include "tlsengine.h"

struct mx_target {
    const char *host; /* name or address literal */
    int port;
    int family; /* AF_UNSPEC, AF_INET, AF_INET6 */
    struct mx_app app;
    struct mx_deadline deadline; /* of the whole run */
};

struct mx_probe_stats {
    int connections; /* TCP connections opened */
    int handshakes;  /* handshakes attempted */
};

struct mx_probe_result {
    struct mx_handshake hs;
    struct mx_app_info app;
    char addr[INET6_ADDRSTRLEN + 1]; /* address connected to */
    int64_t connect_ms;              /* TCP connect time */
    int64_t total_ms;                /* whole probe */
    int ended_cleanly;               /* EHLO/QUIT after TLS answered */
};

int mx_probe(const struct mx_target *t, const struct mx_offer *o,
             struct mx_probe_stats *stats, struct mx_probe_result *r,
             struct mx_error *err);

void mx_probe_result_free(struct mx_probe_result *r);

#endif
