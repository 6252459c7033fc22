/*
 * probe.c - one connection, one offer, one verdict.
 *
 * Error contract: see probe.h. Everything allocated for the probe
 * (socket, TLS session) is released before mx_probe returns, except the
 * certificate chain in r->hs, which mx_probe_result_free releases.
 */
#include <string.h>

#include "log.h"
#include "net.h"
#include "probe.h"

void
mx_probe_result_free(struct mx_probe_result *r)
{
    mx_handshake_free(&r->hs);
}

int
mx_probe(const struct mx_target *t, const struct mx_offer *o,
         struct mx_probe_stats *stats, struct mx_probe_result *r,
         struct mx_error *err)
{
    struct mx_conn c;
    struct mx_error end_err;
    int64_t t0 = mx_now_ms();
    int rc = -1;

    memset(r, 0, sizeof(*r));
    mx_handshake_init(&r->hs);
    mx_conn_init(&c);
    if (mx_connect(&c, t->host, t->port, t->family, t->deadline, err) != 0)
        goto out;
    if (stats != NULL)
        stats->connections++;
    r->connect_ms = mx_now_ms() - t0;
    memcpy(r->addr, c.addr, sizeof(r->addr));
    if (mx_starttls_begin(&c, &t->app, t->deadline, &r->app, err) != 0)
        goto out;
    if (stats != NULL)
        stats->handshakes++;
    if (mx_tls_handshake(&c, o, t->deadline, &r->hs, err) != 0)
        goto out;
    rc = 0;
    if (r->hs.accepted) {
        if (mx_starttls_end(&c, &t->app, t->deadline, &end_err) == 0)
            r->ended_cleanly = 1;
        else
            mx_log(1, "after the handshake: %s", end_err.msg);
    }
out:
    mx_conn_close(&c);
    r->total_ms = mx_now_ms() - t0;
    return rc;
}
