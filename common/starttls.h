/*
 * starttls.h - the application dialogue around a TLS handshake: SMTP and
 * LMTP (RFC 3207), IMAP (RFC 3501), POP3 (RFC 2595), or none (implicit
 * TLS).
 *
 * mx_starttls_begin() reads the greeting (never writing before it, so
 * postscreen's pregreet test is not tripped), says EHLO/LHLO, checks that
 * STARTTLS is offered and asks for it; on success the next bytes on the
 * connection are the TLS handshake. mx_starttls_end() runs after a
 * completed handshake: EHLO again over TLS (all pre-TLS state forgotten),
 * QUIT (or LOGOUT), then close_notify. Failures are -1 with a struct
 * mx_error that quotes the server's own words: REFUSED (421/554 greeting,
 * 4xx/5xx to EHLO or STARTTLS, IMAP BYE/NO, POP3 -ERR), NO_STARTTLS,
 * PROTOCOL (not a reply, data injected after the STARTTLS reply), CLOSED,
 * TIMEOUT.
 */
#ifndef MX_STARTTLS_H
#define MX_STARTTLS_H

#include "deadline.h"
#include "dialect.h"
#include "err.h"
#include "net.h"

struct mx_app {
    enum mx_dialect dialect;
    const char *helo_name; /* EHLO/LHLO argument; NULL: this host's name */
};

struct mx_app_info {
    char greeting[256]; /* first greeting line, censored */
    char hello[256];    /* first line of the EHLO/LHLO reply, censored */
};

int mx_starttls_begin(struct mx_conn *c, const struct mx_app *app,
                      struct mx_deadline dl, struct mx_app_info *info,
                      struct mx_error *err);

/* Best effort: 0 when the server answered everything, -1 otherwise (err
 * says what went wrong; the handshake itself stays valid). */
int mx_starttls_end(struct mx_conn *c, const struct mx_app *app,
                    struct mx_deadline dl, struct mx_error *err);

#endif
