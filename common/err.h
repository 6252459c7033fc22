/*
 * err.h - the typed failure every common/ function reports, and the one
 * place where a failure becomes a plugin state.
 *
 * Library functions return -1 and fill a struct mx_error (a code and a
 * one-line message) instead of printing. Plugins pass the code to
 * mx_err_state() to learn the state; nothing else maps failures to states.
 */
#ifndef MX_ERR_H
#define MX_ERR_H

#include <stdarg.h>
#include <stddef.h>

#include "state.h"

enum mx_err {
    MX_E_OK = 0,
    MX_E_USAGE,       /* bad argument, option or configuration file */
    MX_E_INTERNAL,    /* out of memory, TLS library setup failure */
    MX_E_RESOLVE,     /* the host name does not resolve */
    MX_E_CONNECT,     /* TCP connection refused or unreachable */
    MX_E_TIMEOUT,     /* a deadline passed */
    MX_E_CLOSED,      /* the server closed or reset the connection */
    MX_E_PROTOCOL,    /* the server broke SMTP/IMAP/POP3 (malformed reply) */
    MX_E_REFUSED,     /* the server refused: 421/554 greeting, 454 STARTTLS */
    MX_E_NO_STARTTLS, /* the server does not offer STARTTLS */
    MX_E_TLS,         /* no TLS handshake: alert, not TLS, bad handshake */
};

struct mx_error {
    enum mx_err code;
    char msg[512];
};

void mx_error_set(struct mx_error *e, enum mx_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mx_error_clear(struct mx_error *e);

/* A usage error about line `line` of the file `path`: "PATH:LINE: what",
 * with what from fmt and ap. Returns -1, for "return mx_error_vat(...)". */
int mx_error_vat(struct mx_error *e, const char *path, int line,
                 const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Short identifier ("timeout", "refused", ...) for -v output and tests. */
const char *mx_err_name(enum mx_err code);

/*
 * The state for a failure: USAGE, INTERNAL and RESOLVE are UNKNOWN;
 * TIMEOUT is timeout_state (--timeout-result, CRITICAL by default); every
 * other failure to talk TLS with the server is CRITICAL.
 */
enum mx_state mx_err_state(enum mx_err code, enum mx_state timeout_state);

#endif
