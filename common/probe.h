/*
 * probe.h - one probe, run to its end: connect, speak the dialect up to
 * STARTTLS, run an OpenSSL handshake with an offer, and end politely
 * (EHLO again over TLS, QUIT, close_notify) so that a server that is fine
 * logs no error. A single task on the scheduler (scheduler.h).
 *
 * Return contract of mx_probe(): 0 when the server gave a verdict on the
 * offer (r->hs.accepted says which); -1 with err when it did not (could
 * not resolve or connect, greeting or STARTTLS refused, timeout, not TLS).
 */
#ifndef MX_PROBE_H
#define MX_PROBE_H

#include "scheduler.h"

struct mx_probe_result {
    struct mx_handshake hs;
    struct mx_app_info app;
    char addr[INET6_ADDRSTRLEN + 1]; /* address connected to */
    int64_t connect_ms;              /* TCP connect time */
    int64_t total_ms;                /* whole probe */
    int ended_cleanly;               /* EHLO/QUIT after TLS answered */
};

/* Resolves t on first use. stats (may be NULL) is added to. */
int mx_probe(struct mx_target *t, const struct mx_offer *o,
             struct mx_probe_stats *stats, struct mx_probe_result *r,
             struct mx_error *err);

void mx_probe_result_free(struct mx_probe_result *r);

#endif
