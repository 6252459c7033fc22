/*
 * starttls.c - greeting, EHLO/LHLO and STARTTLS (or IMAP STARTTLS, POP3
 * STLS) before the handshake; EHLO, QUIT and close_notify after it.
 *
 * Error contract: see starttls.h. Server text in messages is censored and
 * limited to the first reply line. Dialogue lines are logged at -vv.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>

#include "buf.h"
#include "log.h"
#include "smtpreply.h"
#include "starttls.h"

#define IMAP_MAX_UNTAGGED 100

static void
copy_censored(char *dst, size_t cap, const char *s)
{
    size_t i;

    for (i = 0; i + 1 < cap && s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[i] = '\0';
}

static int
send_line(struct mx_conn *c, const char *line, struct mx_deadline dl,
          const char *what, struct mx_error *err)
{
    struct mx_buf b = MX_BUF_INIT;
    int rc;

    mx_buf_printf(&b, "%s\r\n", line);
    if (mx_buf_failed(&b)) {
        mx_buf_free(&b);
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    mx_log(2, "> %s", line);
    rc = mx_conn_write(c, b.s, b.len, dl, what, err);
    mx_buf_free(&b);
    return rc;
}

/* Read one whole SMTP reply. */
static int
read_reply(struct mx_conn *c, struct mx_reply *r, struct mx_deadline dl,
           const char *what, struct mx_error *err)
{
    char line[MX_LINE_MAX + 1];
    size_t len;
    int rc;

    mx_reply_init(r);
    do {
        if (mx_conn_read_line(c, line, &len, dl, what, err) != 0)
            return -1;
        if (mx_log_enabled(2)) {
            char shown[256];
            copy_censored(shown, sizeof(shown), line);
            mx_log(2, "< %s", shown);
        }
        rc = mx_reply_feed(r, line, len);
        if (rc < 0) {
            char shown[80];
            copy_censored(shown, sizeof(shown), line);
            mx_error_set(err, MX_E_PROTOCOL, "%s in %s: \"%s\"", r->error, what,
                         shown);
            return -1;
        }
    } while (rc == 0);
    return 0;
}

static const char *
local_name(const struct mx_app *app, char *buf, size_t cap)
{
    if (app->helo_name != NULL)
        return app->helo_name;
    if (gethostname(buf, cap) != 0 || buf[0] == '\0')
        snprintf(buf, cap, "localhost");
    buf[cap - 1] = '\0';
    return buf;
}

static int
smtp_begin(struct mx_conn *c, const struct mx_app *app, struct mx_deadline dl,
           struct mx_app_info *info, struct mx_error *err)
{
    const char *verb = app->dialect == MX_DIALECT_LMTP ? "LHLO" : "EHLO";
    char name[256], cmd[300];
    struct mx_reply r;

    if (read_reply(c, &r, dl, "the greeting", err) != 0)
        return -1;
    copy_censored(info->greeting, sizeof(info->greeting), r.first);
    if (r.code != 220) {
        mx_error_set(err, MX_E_REFUSED, "greeting refused service: %s",
                     r.first);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "%s %s", verb,
             local_name(app, name, sizeof(name)));
    if (send_line(c, cmd, dl, verb, err) != 0)
        return -1;
    if (read_reply(c, &r, dl, "the EHLO reply", err) != 0)
        return -1;
    copy_censored(info->hello, sizeof(info->hello), r.first);
    if (r.code != 250) {
        mx_error_set(err, MX_E_REFUSED, "%s rejected: %s", verb, r.first);
        return -1;
    }
    if (!mx_reply_has_keyword(&r, "STARTTLS")) {
        mx_error_set(err, MX_E_NO_STARTTLS,
                     "STARTTLS not offered in the %s reply (%s)", verb,
                     r.first);
        return -1;
    }
    if (send_line(c, "STARTTLS", dl, "STARTTLS", err) != 0)
        return -1;
    if (read_reply(c, &r, dl, "the STARTTLS reply", err) != 0)
        return -1;
    if (r.code != 220) {
        mx_error_set(err, MX_E_REFUSED, "STARTTLS refused: %s", r.first);
        return -1;
    }
    return 0;
}

/* Read IMAP lines until the one tagged tag; *line gets it. */
static int
imap_tagged(struct mx_conn *c, const char *tag, char *line,
            struct mx_deadline dl, const char *what, struct mx_error *err)
{
    size_t len, tlen = strlen(tag);
    int i;

    for (i = 0; i < IMAP_MAX_UNTAGGED; i++) {
        if (mx_conn_read_line(c, line, &len, dl, what, err) != 0)
            return -1;
        mx_log(2, "< %.200s", line);
        if (len > tlen && strncmp(line, tag, tlen) == 0 && line[tlen] == ' ')
            return 0;
        if (line[0] != '*' && line[0] != '+') {
            char shown[80];
            copy_censored(shown, sizeof(shown), line);
            mx_error_set(err, MX_E_PROTOCOL, "not an IMAP response in %s: %s",
                         what, shown);
            return -1;
        }
    }
    mx_error_set(err, MX_E_PROTOCOL, "no tagged IMAP response in %s", what);
    return -1;
}

static int
imap_begin(struct mx_conn *c, struct mx_deadline dl, struct mx_app_info *info,
           struct mx_error *err)
{
    char line[MX_LINE_MAX + 1], shown[200];
    size_t len;

    if (mx_conn_read_line(c, line, &len, dl, "the greeting", err) != 0)
        return -1;
    mx_log(2, "< %.200s", line);
    copy_censored(info->greeting, sizeof(info->greeting), line);
    copy_censored(shown, sizeof(shown), line);
    if (strncasecmp(line, "* BYE", 5) == 0 ||
        strncasecmp(line, "* PREAUTH", 9) == 0) {
        mx_error_set(err, MX_E_REFUSED, "greeting refused service: %s", shown);
        return -1;
    }
    if (strncasecmp(line, "* OK", 4) != 0) {
        mx_error_set(err, MX_E_PROTOCOL, "not an IMAP greeting: %s", shown);
        return -1;
    }
    if (send_line(c, "a1 STARTTLS", dl, "STARTTLS", err) != 0)
        return -1;
    if (imap_tagged(c, "a1", line, dl, "the STARTTLS response", err) != 0)
        return -1;
    copy_censored(shown, sizeof(shown), line);
    if (strncasecmp(line + 3, "OK", 2) != 0) {
        mx_error_set(err,
                     strncasecmp(line + 3, "BAD", 3) == 0 ? MX_E_NO_STARTTLS
                                                          : MX_E_REFUSED,
                     "STARTTLS refused: %s", shown);
        return -1;
    }
    return 0;
}

static int
pop3_begin(struct mx_conn *c, struct mx_deadline dl, struct mx_app_info *info,
           struct mx_error *err)
{
    char line[MX_LINE_MAX + 1], shown[200];
    size_t len;

    if (mx_conn_read_line(c, line, &len, dl, "the greeting", err) != 0)
        return -1;
    mx_log(2, "< %.200s", line);
    copy_censored(info->greeting, sizeof(info->greeting), line);
    copy_censored(shown, sizeof(shown), line);
    if (strncmp(line, "-ERR", 4) == 0) {
        mx_error_set(err, MX_E_REFUSED, "greeting refused service: %s", shown);
        return -1;
    }
    if (strncmp(line, "+OK", 3) != 0) {
        mx_error_set(err, MX_E_PROTOCOL, "not a POP3 greeting: %s", shown);
        return -1;
    }
    if (send_line(c, "STLS", dl, "STLS", err) != 0)
        return -1;
    if (mx_conn_read_line(c, line, &len, dl, "the STLS response", err) != 0)
        return -1;
    mx_log(2, "< %.200s", line);
    copy_censored(shown, sizeof(shown), line);
    if (strncmp(line, "+OK", 3) != 0) {
        mx_error_set(err,
                     strncmp(line, "-ERR", 4) == 0 ? MX_E_NO_STARTTLS
                                                   : MX_E_PROTOCOL,
                     "STLS refused: %s", shown);
        return -1;
    }
    return 0;
}

int
mx_starttls_begin(struct mx_conn *c, const struct mx_app *app,
                  struct mx_deadline dl, struct mx_app_info *info,
                  struct mx_error *err)
{
    int rc;

    memset(info, 0, sizeof(*info));
    switch (app->dialect) {
    case MX_DIALECT_SMTP:
    case MX_DIALECT_LMTP:
        rc = smtp_begin(c, app, dl, info, err);
        break;
    case MX_DIALECT_IMAP:
        rc = imap_begin(c, dl, info, err);
        break;
    case MX_DIALECT_POP3:
        rc = pop3_begin(c, dl, info, err);
        break;
    case MX_DIALECT_NONE:
        return 0;
    default:
        mx_error_set(err, MX_E_INTERNAL, "unknown dialect");
        return -1;
    }
    if (rc == 0 && mx_conn_pending(c) > 0) {
        /* RFC 3207 section 5: nothing may follow the 220 before TLS */
        mx_error_set(err, MX_E_PROTOCOL,
                     "%s sent %zu unexpected bytes after its STARTTLS "
                     "reply (STARTTLS command injection?)",
                     c->addr, mx_conn_pending(c));
        return -1;
    }
    return rc;
}

/* Send close_notify once; do not wait for the server's. */
static void
close_notify(struct mx_conn *c, struct mx_deadline dl)
{
    struct mx_error ignore;
    int rc, e, tries;

    for (tries = 0; tries < 8; tries++) {
        ERR_clear_error();
        rc = SSL_shutdown(c->ssl);
        if (rc >= 0)
            return;
        e = SSL_get_error(c->ssl, rc);
        if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
            break;
        if (mx_conn_wait(c, e, dl, "close_notify", &ignore) != 0)
            break;
    }
    ERR_clear_error();
}

int
mx_starttls_end(struct mx_conn *c, const struct mx_app *app,
                struct mx_deadline dl, struct mx_error *err)
{
    const char *verb = app->dialect == MX_DIALECT_LMTP ? "LHLO" : "EHLO";
    char name[256], cmd[300], line[MX_LINE_MAX + 1];
    struct mx_reply r;
    size_t len;
    int rc = -1;

    if (c->ssl == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "no TLS session to end");
        return -1;
    }
    switch (app->dialect) {
    case MX_DIALECT_SMTP:
    case MX_DIALECT_LMTP:
        snprintf(cmd, sizeof(cmd), "%s %s", verb,
                 local_name(app, name, sizeof(name)));
        if (send_line(c, cmd, dl, verb, err) != 0 ||
            read_reply(c, &r, dl, "the EHLO reply over TLS", err) != 0)
            break;
        if (send_line(c, "QUIT", dl, "QUIT", err) != 0 ||
            read_reply(c, &r, dl, "the QUIT reply", err) != 0)
            break;
        rc = 0;
        break;
    case MX_DIALECT_IMAP:
        if (send_line(c, "a2 LOGOUT", dl, "LOGOUT", err) != 0 ||
            imap_tagged(c, "a2", line, dl, "the LOGOUT response", err) != 0)
            break;
        rc = 0;
        break;
    case MX_DIALECT_POP3:
        if (send_line(c, "QUIT", dl, "QUIT", err) != 0 ||
            mx_conn_read_line(c, line, &len, dl, "the QUIT response", err) != 0)
            break;
        rc = 0;
        break;
    case MX_DIALECT_NONE:
    default:
        rc = 0;
        break;
    }
    close_notify(c, dl);
    return rc;
}
