/*
 * starttls.c - the dialogue before and after TLS, as small scripts run by
 * a non-blocking interpreter.
 *
 * A script is a list of operations (send a line, read an SMTP reply and
 * check its code, read an IMAP tagged response, read a POP3 status line,
 * send close_notify). Each dialect has a "begin" and an "end" script.
 * Error contract: see starttls.h. Server text in messages is censored and
 * limited to the first reply line; the dialogue is logged at -vv.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "starttls.h"

#define IMAP_MAX_UNTAGGED 100

enum op_kind {
    OP_END = 0,
    OP_SEND_HELLO,  /* EHLO/LHLO name */
    OP_SEND,        /* a fixed command */
    OP_REPLY,       /* an SMTP reply; check by the op's check */
    OP_IMAP_LINE,   /* IMAP greeting line */
    OP_IMAP_TAGGED, /* read until the line tagged with the op's text */
    OP_POP3_LINE,   /* POP3 status line */
    OP_NO_PENDING,  /* nothing may follow the STARTTLS reply */
    OP_CLOSE_NOTIFY
};

enum check {
    CK_NONE = 0,
    CK_GREETING_220,
    CK_HELLO_250_STARTTLS,
    CK_STARTTLS_220,
    CK_IMAP_GREETING,
    CK_IMAP_STARTTLS_OK,
    CK_POP3_GREETING,
    CK_POP3_STLS_OK
};

struct mx_op {
    enum op_kind kind;
    const char *text; /* OP_SEND: the command; OP_IMAP_TAGGED: the tag */
    enum check check;
    const char *what; /* what is awaited, for messages */
};

static const struct mx_op smtp_begin[] = {
    {OP_REPLY, NULL, CK_GREETING_220, "the greeting"},
    {OP_SEND_HELLO, NULL, CK_NONE, "EHLO"},
    {OP_REPLY, NULL, CK_HELLO_250_STARTTLS, "the EHLO reply"},
    {OP_SEND, "STARTTLS", CK_NONE, "STARTTLS"},
    {OP_REPLY, NULL, CK_STARTTLS_220, "the STARTTLS reply"},
    {OP_NO_PENDING, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op smtp_end[] = {
    {OP_SEND_HELLO, NULL, CK_NONE, "EHLO"},
    {OP_REPLY, NULL, CK_NONE, "the EHLO reply over TLS"},
    {OP_SEND, "QUIT", CK_NONE, "QUIT"},
    {OP_REPLY, NULL, CK_NONE, "the QUIT reply"},
    {OP_CLOSE_NOTIFY, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op imap_begin[] = {
    {OP_IMAP_LINE, NULL, CK_IMAP_GREETING, "the greeting"},
    {OP_SEND, "a1 STARTTLS", CK_NONE, "STARTTLS"},
    {OP_IMAP_TAGGED, "a1", CK_IMAP_STARTTLS_OK, "the STARTTLS response"},
    {OP_NO_PENDING, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op imap_end[] = {
    {OP_SEND, "a2 LOGOUT", CK_NONE, "LOGOUT"},
    {OP_IMAP_TAGGED, "a2", CK_NONE, "the LOGOUT response"},
    {OP_CLOSE_NOTIFY, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op pop3_begin[] = {
    {OP_POP3_LINE, NULL, CK_POP3_GREETING, "the greeting"},
    {OP_SEND, "STLS", CK_NONE, "STLS"},
    {OP_POP3_LINE, NULL, CK_POP3_STLS_OK, "the STLS response"},
    {OP_NO_PENDING, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op pop3_end[] = {
    {OP_SEND, "QUIT", CK_NONE, "QUIT"},
    {OP_POP3_LINE, NULL, CK_NONE, "the QUIT response"},
    {OP_CLOSE_NOTIFY, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op none_begin[] = {
    {OP_END, NULL, CK_NONE, NULL},
};

static const struct mx_op none_end[] = {
    {OP_CLOSE_NOTIFY, NULL, CK_NONE, NULL},
    {OP_END, NULL, CK_NONE, NULL},
};

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

static void
set_name(struct mx_app_sm *sm, const struct mx_app *app)
{
    if (app->helo_name != NULL)
        snprintf(sm->name, sizeof(sm->name), "%s", app->helo_name);
    else if (gethostname(sm->name, sizeof(sm->name)) != 0 ||
             sm->name[0] == '\0')
        snprintf(sm->name, sizeof(sm->name), "localhost");
    sm->name[sizeof(sm->name) - 1] = '\0';
}

void
mx_app_begin(struct mx_app_sm *sm, const struct mx_app *app,
             struct mx_app_info *info)
{
    memset(sm, 0, sizeof(*sm));
    sm->app = app;
    sm->info = info;
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    set_name(sm, app);
    switch (app->dialect) {
    case MX_DIALECT_SMTP:
    case MX_DIALECT_LMTP:
        sm->ops = smtp_begin;
        break;
    case MX_DIALECT_IMAP:
        sm->ops = imap_begin;
        break;
    case MX_DIALECT_POP3:
        sm->ops = pop3_begin;
        break;
    default:
        sm->ops = none_begin;
        break;
    }
}

void
mx_app_end(struct mx_app_sm *sm, const struct mx_app *app)
{
    memset(sm, 0, sizeof(*sm));
    sm->app = app;
    set_name(sm, app);
    switch (app->dialect) {
    case MX_DIALECT_SMTP:
    case MX_DIALECT_LMTP:
        sm->ops = smtp_end;
        break;
    case MX_DIALECT_IMAP:
        sm->ops = imap_end;
        break;
    case MX_DIALECT_POP3:
        sm->ops = pop3_end;
        break;
    default:
        sm->ops = none_end;
        break;
    }
}

static const char *
hello_verb(const struct mx_app_sm *sm)
{
    return sm->app->dialect == MX_DIALECT_LMTP ? "LHLO" : "EHLO";
}

/* Judge a complete SMTP reply. 0 or -1. */
static int
check_reply(struct mx_app_sm *sm, const struct mx_op *op, struct mx_error *err)
{
    const struct mx_reply *r = &sm->reply;

    switch (op->check) {
    case CK_GREETING_220:
        if (sm->info != NULL)
            copy_censored(sm->info->greeting, sizeof(sm->info->greeting),
                          r->first);
        if (r->code != 220) {
            mx_error_set(err, MX_E_REFUSED, "greeting refused service: %s",
                         r->first);
            return -1;
        }
        return 0;
    case CK_HELLO_250_STARTTLS:
        if (sm->info != NULL)
            copy_censored(sm->info->hello, sizeof(sm->info->hello), r->first);
        if (r->code != 250) {
            mx_error_set(err, MX_E_REFUSED, "%s rejected: %s", hello_verb(sm),
                         r->first);
            return -1;
        }
        if (!mx_reply_has_keyword(r, "STARTTLS")) {
            mx_error_set(err, MX_E_NO_STARTTLS,
                         "STARTTLS not offered in the %s reply (%s)",
                         hello_verb(sm), r->first);
            return -1;
        }
        return 0;
    case CK_STARTTLS_220:
        if (r->code != 220) {
            mx_error_set(err, MX_E_REFUSED, "STARTTLS refused: %s", r->first);
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

/* Judge an IMAP or POP3 line. 0 or -1. */
static int
check_line(struct mx_app_sm *sm, const struct mx_op *op, const char *line,
           struct mx_error *err)
{
    char shown[200];

    copy_censored(shown, sizeof(shown), line);
    switch (op->check) {
    case CK_IMAP_GREETING:
        if (sm->info != NULL)
            copy_censored(sm->info->greeting, sizeof(sm->info->greeting), line);
        if (strncasecmp(line, "* BYE", 5) == 0 ||
            strncasecmp(line, "* PREAUTH", 9) == 0) {
            mx_error_set(err, MX_E_REFUSED, "greeting refused service: %s",
                         shown);
            return -1;
        }
        if (strncasecmp(line, "* OK", 4) != 0) {
            mx_error_set(err, MX_E_PROTOCOL, "not an IMAP greeting: %s", shown);
            return -1;
        }
        return 0;
    case CK_IMAP_STARTTLS_OK:
        if (strncasecmp(line + 3, "OK", 2) != 0) {
            mx_error_set(err,
                         strncasecmp(line + 3, "BAD", 3) == 0 ? MX_E_NO_STARTTLS
                                                              : MX_E_REFUSED,
                         "STARTTLS refused: %s", shown);
            return -1;
        }
        return 0;
    case CK_POP3_GREETING:
        if (sm->info != NULL)
            copy_censored(sm->info->greeting, sizeof(sm->info->greeting), line);
        if (strncmp(line, "-ERR", 4) == 0) {
            mx_error_set(err, MX_E_REFUSED, "greeting refused service: %s",
                         shown);
            return -1;
        }
        if (strncmp(line, "+OK", 3) != 0) {
            mx_error_set(err, MX_E_PROTOCOL, "not a POP3 greeting: %s", shown);
            return -1;
        }
        return 0;
    case CK_POP3_STLS_OK:
        if (strncmp(line, "+OK", 3) != 0) {
            mx_error_set(err,
                         strncmp(line, "-ERR", 4) == 0 ? MX_E_NO_STARTTLS
                                                       : MX_E_PROTOCOL,
                         "STLS refused: %s", shown);
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

static int
send_op(struct mx_app_sm *sm, struct mx_conn *c, const struct mx_op *op,
        struct mx_error *err)
{
    char cmd[300];
    int n;

    if (!sm->sent) {
        if (op->kind == OP_SEND_HELLO)
            n = snprintf(cmd, sizeof(cmd), "%s %s", hello_verb(sm), sm->name);
        else
            n = snprintf(cmd, sizeof(cmd), "%s", op->text);
        if (n < 0 || (size_t)n + 2 >= sizeof(cmd)) {
            mx_error_set(err, MX_E_INTERNAL, "command too long");
            return -1;
        }
        mx_log(2, "> %s", cmd);
        memcpy(cmd + n, "\r\n", 3);
        if (mx_conn_queue(c, cmd, (size_t)n + 2, err) != 0)
            return -1;
        sm->sent = 1;
    }
    return mx_conn_flush(c, op->what, err);
}

static int
reply_op(struct mx_app_sm *sm, struct mx_conn *c, const struct mx_op *op,
         struct mx_error *err)
{
    char line[MX_LINE_MAX + 1], shown[256];
    size_t len;
    int rc;

    if (!sm->sent) {
        mx_reply_init(&sm->reply);
        sm->sent = 1;
    }
    for (;;) {
        rc = mx_conn_line(c, line, &len, op->what, err);
        if (rc != MX_DONE)
            return rc;
        copy_censored(shown, sizeof(shown), line);
        mx_log(2, "< %s", shown);
        rc = mx_reply_feed(&sm->reply, line, len);
        if (rc < 0) {
            shown[79] = '\0';
            mx_error_set(err, MX_E_PROTOCOL, "%s in %s: \"%s\"",
                         sm->reply.error, op->what, shown);
            return -1;
        }
        if (rc == 1)
            return check_reply(sm, op, err) == 0 ? MX_DONE : -1;
    }
}

static int
line_op(struct mx_app_sm *sm, struct mx_conn *c, const struct mx_op *op,
        struct mx_error *err)
{
    char line[MX_LINE_MAX + 1], shown[256];
    size_t len, tlen;
    int rc;

    for (;;) {
        rc = mx_conn_line(c, line, &len, op->what, err);
        if (rc != MX_DONE)
            return rc;
        copy_censored(shown, sizeof(shown), line);
        mx_log(2, "< %s", shown);
        if (op->kind != OP_IMAP_TAGGED)
            return check_line(sm, op, line, err) == 0 ? MX_DONE : -1;
        tlen = strlen(op->text);
        if (len > tlen && strncmp(line, op->text, tlen) == 0 &&
            line[tlen] == ' ')
            return check_line(sm, op, line, err) == 0 ? MX_DONE : -1;
        if ((line[0] != '*' && line[0] != '+') ||
            ++sm->imap_lines > IMAP_MAX_UNTAGGED) {
            shown[79] = '\0';
            mx_error_set(err, MX_E_PROTOCOL, "not an IMAP response in %s: %s",
                         op->what, shown);
            return -1;
        }
    }
}

/* Send close_notify once; never wait for the server's. */
static int
close_notify_op(struct mx_app_sm *sm, struct mx_conn *c)
{
    int rc, e;

    if (c->ssl == NULL)
        return MX_DONE;
    ERR_clear_error();
    rc = SSL_shutdown(c->ssl);
    if (rc >= 0 || ++sm->shutdown_tries > 8) {
        ERR_clear_error();
        return MX_DONE;
    }
    e = SSL_get_error(c->ssl, rc);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        c->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return MX_AGAIN;
    }
    return MX_DONE;
}

int
mx_app_step(struct mx_app_sm *sm, struct mx_conn *c, struct mx_error *err)
{
    const struct mx_op *op;
    int rc;

    for (;;) {
        op = &sm->ops[sm->pc];
        switch (op->kind) {
        case OP_END:
            return MX_DONE;
        case OP_SEND_HELLO:
        case OP_SEND:
            rc = send_op(sm, c, op, err);
            break;
        case OP_REPLY:
            rc = reply_op(sm, c, op, err);
            break;
        case OP_IMAP_LINE:
        case OP_IMAP_TAGGED:
        case OP_POP3_LINE:
            rc = line_op(sm, c, op, err);
            break;
        case OP_NO_PENDING:
            if (mx_conn_pending(c) > 0) {
                /* RFC 3207 section 5: nothing may follow the 220 */
                mx_error_set(err, MX_E_PROTOCOL,
                             "%s sent %zu unexpected bytes after its STARTTLS "
                             "reply (STARTTLS command injection?)",
                             c->addr, mx_conn_pending(c));
                return -1;
            }
            rc = MX_DONE;
            break;
        case OP_CLOSE_NOTIFY:
            rc = close_notify_op(sm, c);
            break;
        default:
            mx_error_set(err, MX_E_INTERNAL, "bad dialogue script");
            return -1;
        }
        if (rc != MX_DONE)
            return rc;
        sm->pc++;
        sm->sent = 0;
    }
}

const char *
mx_app_waiting(const struct mx_app_sm *sm)
{
    const struct mx_op *op = &sm->ops[sm->pc];

    if (op->what != NULL)
        return op->what;
    return op->kind == OP_CLOSE_NOTIFY ? "close_notify" : "the server";
}

static int
is_greeting(const struct mx_op *op)
{
    return op->check == CK_GREETING_220 || op->check == CK_IMAP_GREETING ||
           op->check == CK_POP3_GREETING;
}

int
mx_app_greeted(const struct mx_app_sm *sm)
{
    if (sm->ops == NULL)
        return 0;
    if (!is_greeting(&sm->ops[0]))
        return 1; /* implicit TLS: no greeting to wait for */
    return sm->pc > 0;
}

int
mx_app_busy(const struct mx_app_sm *sm, const struct mx_error *err)
{
    if (sm->ops == NULL || sm->pc != 0 || !is_greeting(&sm->ops[0]))
        return 0;
    if (err->code == MX_E_CLOSED)
        return 1; /* closed or reset before any greeting */
    if (err->code != MX_E_REFUSED)
        return 0;
    if (sm->ops[0].check == CK_GREETING_220)
        return sm->reply.code >= 400 && sm->reply.code < 500;
    return 1; /* IMAP BYE, POP3 -ERR greeting */
}
