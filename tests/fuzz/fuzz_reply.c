/*
 * fuzz_reply.c - libFuzzer target for the replies a server sends before
 * and after TLS: the SMTP reply parser (smtpreply.c) and the SMTP, LMTP,
 * IMAP and POP3 dialogues of starttls.c, run against the input as the
 * server's side of a connection (a socket pair: the input is written to
 * one end, which is then shut for writing; what the dialogue writes is
 * never read).
 *
 * Input: the first byte is the mode; the rest is what the server sends.
 *   bits 0-1   dialect: SMTP, LMTP, IMAP, POP3
 *   bit 2      the script after TLS ("end") instead of the one before
 *   bit 3      only the reply parser: the rest cut at LF, fed line by
 *              line to mx_reply_feed
 * Besides the sanitizers, the target aborts when the dialogue neither
 * ends nor fails within a bound of steps (the input is finite and closed,
 * so it must), when a failure has no message or one with a line break,
 * or when the reply parser breaks what smtpreply.h promises.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtpreply.h"
#include "starttls.h"

#define IN_MAX 60000 /* fits a socket pair's buffer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mx_conn conn;
static struct mx_app_sm sm;
static struct mx_reply reply;

static void
replies(const uint8_t *p, size_t n)
{
    const uint8_t *nl;
    size_t k;
    int rc = 0;

    mx_reply_init(&reply);
    while (n > 0) {
        nl = memchr(p, '\n', n);
        k = nl != NULL ? (size_t)(nl - p) : n;
        rc = mx_reply_feed(&reply, (const char *)p, k);
        if (rc < 0 && (reply.error == NULL || reply.error[0] == '\0'))
            abort();
        if (memchr(reply.first, '\0', sizeof(reply.first)) == NULL ||
            reply.len >= sizeof(reply.text) ||
            strlen(reply.text) != reply.len ||
            strpbrk(reply.first, "\r\n") != NULL)
            abort();
        if (rc != 0) {
            if (rc > 0 && (reply.code < 100 || reply.code > 999))
                abort();
            (void)mx_reply_has_keyword(&reply, "STARTTLS");
            mx_reply_init(&reply);
        }
        p += k;
        n -= k;
        if (n > 0) {
            p++;
            n--;
        }
    }
}

static void
dialogue(unsigned mode, const uint8_t *p, size_t n)
{
    static const enum mx_dialect dialects[4] = {
        MX_DIALECT_SMTP, MX_DIALECT_LMTP, MX_DIALECT_IMAP, MX_DIALECT_POP3};
    struct mx_app app;
    struct mx_app_info info;
    struct mx_error err;
    int sv[2], rc = MX_AGAIN, steps;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   sv) != 0)
        abort();
    if (n > 0 && write(sv[1], p, n) != (ssize_t)n)
        abort();
    shutdown(sv[1], SHUT_WR);
    app.dialect = dialects[mode & 3];
    app.helo_name = "fuzz.example";
    memset(&info, 0, sizeof(info));
    mx_conn_init(&conn);
    conn.fd = sv[0];
    mx_app_begin(&sm, &app, &info);
    if (mode & 4)
        mx_app_end(&sm, &app);
    mx_error_clear(&err);
    for (steps = 0; steps < 100000 && rc == MX_AGAIN; steps++)
        rc = mx_app_step(&sm, &conn, &err);
    if (rc == MX_AGAIN)
        abort(); /* a closed, finite input that never ends the dialogue */
    if (rc != MX_DONE &&
        (err.msg[0] == '\0' || strpbrk(err.msg, "\r\n") != NULL ||
         mx_app_waiting(&sm) == NULL))
        abort();
    if (memchr(info.greeting, '\0', sizeof(info.greeting)) == NULL ||
        memchr(info.hello, '\0', sizeof(info.hello)) == NULL)
        abort();
    mx_conn_close(&conn);
    close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > IN_MAX)
        return 0;
    if (data[0] & 8)
        replies(data + 1, size - 1);
    else
        dialogue(data[0], data + 1, size - 1);
    return 0;
}
