/*
 * probe.c - one connection, one offer, one verdict: a single task on the
 * scheduler.
 *
 * Error contract: see probe.h. Everything but the certificate chain in
 * r->hs is released before mx_probe returns; mx_probe_result_free
 * releases the chain.
 */
#include <string.h>

#include "probe.h"

void
mx_probe_result_free(struct mx_probe_result *r)
{
    mx_handshake_free(&r->hs);
}

int
mx_probe(struct mx_target *t, const struct mx_offer *o,
         struct mx_probe_stats *stats, struct mx_probe_result *r,
         struct mx_error *err)
{
    struct mx_sched s;
    struct mx_task task;

    memset(r, 0, sizeof(*r));
    mx_handshake_init(&r->hs);
    if (t->naddrs == 0 && mx_target_resolve(t, err) != 0)
        return -1;
    mx_task_init(&task);
    task.offer = *o;
    mx_sched_init(&s, t, 1);
    mx_sched_add(&s, &task);
    (void)mx_sched_run(&s);
    if (stats != NULL) {
        stats->connections += s.stats.connections;
        stats->handshakes += s.stats.handshakes;
    }
    r->hs = task.hs; /* the chain moves to the result */
    mx_handshake_init(&task.hs);
    r->app = task.app;
    memcpy(r->addr, task.addr, sizeof(r->addr));
    r->connect_ms = task.connect_ms;
    r->total_ms = task.total_ms;
    r->ended_cleanly = task.ended_cleanly;
    mx_task_free(&task);
    if (task.rc != 0) {
        *err = task.err;
        return -1;
    }
    return 0;
}
