/*
 * starttls.h - the application dialogue around a TLS handshake, as a
 * non-blocking state machine: SMTP and LMTP (RFC 3207), IMAP (RFC 3501),
 * POP3 (RFC 2595), or none (implicit TLS).
 *
 * The "begin" script reads the greeting (never writing before it, so
 * postscreen's pregreet test is not tripped), says EHLO/LHLO, checks that
 * STARTTLS is offered, asks for it, and checks that nothing follows the
 * reply (RFC 3207 section 5); then the next bytes on the connection are
 * the TLS handshake. The "end" script runs after a completed handshake:
 * EHLO again over TLS (all pre-TLS state forgotten), QUIT (or LOGOUT),
 * then close_notify.
 *
 * mx_app_step() returns MX_DONE, MX_AGAIN (c->want says what to poll for)
 * or -1 with a struct mx_error that quotes the server's own words:
 * REFUSED (421/554 greeting, 4xx/5xx to EHLO or STARTTLS, IMAP BYE/NO,
 * POP3 -ERR), NO_STARTTLS, PROTOCOL (not a reply, data injected after the
 * STARTTLS reply), CLOSED, TLS.
 */
#ifndef MX_STARTTLS_H
#define MX_STARTTLS_H

#include "dialect.h"
#include "err.h"
#include "net.h"
#include "smtpreply.h"

struct mx_app {
    enum mx_dialect dialect;
    const char *helo_name; /* EHLO/LHLO argument; NULL: this host's name */
};

struct mx_app_info {
    char greeting[256]; /* first greeting line, censored */
    char hello[256];    /* first line of the EHLO/LHLO reply, censored */
};

struct mx_app_sm {
    const struct mx_app *app;
    struct mx_app_info *info;
    const struct mx_op *ops; /* the script */
    int pc;                  /* the op being run */
    int sent;                /* its command is queued */
    struct mx_reply reply;   /* reply being read */
    int imap_lines;          /* untagged IMAP lines seen */
    int shutdown_tries;
    char name[256]; /* the EHLO name in use */
};

/* Prepare the script before TLS (begin) or after it (end). */
void mx_app_begin(struct mx_app_sm *sm, const struct mx_app *app,
                  struct mx_app_info *info);
void mx_app_end(struct mx_app_sm *sm, const struct mx_app *app);

int mx_app_step(struct mx_app_sm *sm, struct mx_conn *c, struct mx_error *err);

/* 1 once the greeting has been read and accepted (at once for implicit
 * TLS, which has none). */
int mx_app_greeted(const struct mx_app_sm *sm);

/* 1 when a begin script failed with err in a way a busy server answers a
 * connection beyond its limit: a close or reset before any greeting, an
 * SMTP 4xx greeting (421 "too many connections"), an IMAP BYE or POP3
 * -ERR greeting. A 5xx greeting or a failure after the greeting is not. */
int mx_app_busy(const struct mx_app_sm *sm, const struct mx_error *err);

/* What the script waits for now ("the greeting", ...), for messages. */
const char *mx_app_waiting(const struct mx_app_sm *sm);

#endif
