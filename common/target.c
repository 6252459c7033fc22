/*
 * target.c - the server a run talks to: its addresses, and the notes the
 * scheduler leaves in it for a plugin's long output (a connection limit
 * met, a run that could not fit the deadline). See scheduler.h.
 *
 * Error contract: mx_target_resolve as mx_resolve (net.h); the notes
 * cannot fail (text that does not fit is cut). Nothing here prints.
 */
#include <stdio.h>

#include "result.h"
#include "scheduler.h"

int
mx_target_resolve(struct mx_target *t, struct mx_error *err)
{
    return mx_resolve(t->host, t->port, t->family, t->deadline, t->addrs,
                      &t->naddrs, err);
}

const char *
mx_target_limit_note(const struct mx_target *t, char *buf, size_t len)
{
    if (t->conn_limit == 0 || len == 0)
        return NULL;
    if (t->refused_alone)
        snprintf(buf, len,
                 "the server turned away a connection even with none other "
                 "open (%s), after refusing connections at %d at a time",
                 t->conn_limit_why, t->conn_limit_from);
    else
        snprintf(buf, len,
                 "the server refused connections beyond %d at once (%s): "
                 "parallelism lowered from %d to %d, refused probes retried "
                 "one at a time",
                 t->conn_limit, t->conn_limit_why, t->conn_limit_from,
                 t->conn_limit);
    return buf;
}

const char *
mx_target_plan_note(const struct mx_target *t, char *buf, size_t len)
{
    if (!t->plan_short || t->timeouts == 0 || len == 0)
        return NULL;
    snprintf(buf, len, "the run could not fit the deadline: %s", t->plan_why);
    return buf;
}

void
mx_target_report(struct mx_check *chk, const struct mx_target *t,
                 enum mx_state timeout_state)
{
    char note[800];

    if (mx_target_limit_note(t, note, sizeof(note)) != NULL)
        (void)mx_check_add(chk, NULL, MX_OK, "%s", note);
    if (mx_target_plan_note(t, note, sizeof(note)) != NULL)
        (void)mx_check_add(chk, NULL, timeout_state, "%s", note);
}
