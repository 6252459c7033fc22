/*
 * err.c - failure codes, their names, and the one failure -> state map.
 *
 * mx_error_set formats into the fixed message buffer (a message that does
 * not fit is cut, which is harmless for a one-line reason) and censors it
 * (mx_censor: control characters become '?'), so that no argument, file
 * or server text quoted in a message can start a second line of a
 * plugin's output, whatever path the message takes; a NULL error
 * pointer is ignored so callers may pass NULL when they do not care. An
 * unknown code is named "invalid" and maps to UNKNOWN. Nothing here prints.
 */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "text.h"

static const struct {
    enum mx_err code;
    const char *name;
    enum mx_state state; /* MX_STATE_INVALID: the timeout state */
} errs[] = {
    {MX_E_OK, "ok", MX_OK},
    {MX_E_USAGE, "usage", MX_UNKNOWN},
    {MX_E_INTERNAL, "internal", MX_UNKNOWN},
    {MX_E_RESOLVE, "resolve", MX_UNKNOWN},
    {MX_E_CONNECT, "connect", MX_CRITICAL},
    {MX_E_TIMEOUT, "timeout", MX_STATE_INVALID},
    {MX_E_CLOSED, "closed", MX_CRITICAL},
    {MX_E_PROTOCOL, "protocol", MX_CRITICAL},
    {MX_E_REFUSED, "refused", MX_CRITICAL},
    {MX_E_NO_STARTTLS, "no-starttls", MX_CRITICAL},
    {MX_E_TLS, "tls", MX_CRITICAL},
    {(enum mx_err) - 1, "invalid", MX_UNKNOWN},
};

#define NERRS (sizeof(errs) / sizeof(errs[0]) - 1)

static size_t
lookup(enum mx_err code)
{
    size_t i;

    for (i = 0; i < NERRS; i++)
        if (errs[i].code == code)
            break;
    return i;
}

void
mx_error_set(struct mx_error *e, enum mx_err code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    e->code = code;
    e->msg[0] = '\0';
    if (fmt == NULL)
        return;
    va_start(ap, fmt);
    if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) < 0)
        e->msg[0] = '\0';
    va_end(ap);
    mx_censor(e->msg);
}

int
mx_error_vat(struct mx_error *e, const char *path, int line, const char *fmt,
             va_list ap)
{
    char what[400];

    if (vsnprintf(what, sizeof(what), fmt, ap) < 0)
        what[0] = '\0';
    mx_error_set(e, MX_E_USAGE, "%s:%d: %s", path, line, what);
    return -1;
}

void
mx_error_clear(struct mx_error *e)
{
    if (e == NULL)
        return;
    e->code = MX_E_OK;
    e->msg[0] = '\0';
}

const char *
mx_err_name(enum mx_err code)
{
    return errs[lookup(code)].name;
}

enum mx_state
mx_err_state(enum mx_err code, enum mx_state timeout_state)
{
    enum mx_state st = errs[lookup(code)].state;

    if (st != MX_STATE_INVALID)
        return st;
    /* A timeout: what --timeout-result said, CRITICAL if that is bad. */
    if (mx_state_rank(timeout_state) < 0)
        return MX_CRITICAL;
    return timeout_state;
}
