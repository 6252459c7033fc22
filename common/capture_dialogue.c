/*
 * capture_dialogue.c - what one TCP connection of a capture shows: the
 * client's STARTTLS (or TLS from the start), the server's answer, and
 * the client's ClientHello (capture_int.h).
 *
 *  - The dialogue: the client's first bytes are a TLS handshake record or
 *    an SSLv2 CLIENT-HELLO (implicit TLS); or it sends a line "STARTTLS"
 *    (SMTP/LMTP), "TAG STARTTLS" (IMAP, any tag) or "STLS" (POP3), case
 *    and trailing blanks aside, and the server answers positively: any 2xx
 *    reply in SMTP/LMTP (220 is what RFC 3207 says; a client that goes on
 *    after 250 still sent its hello), "TAG OK" in IMAP, "+OK" in POP3. A
 *    refusal ends the attempt; the client may try STARTTLS again later.
 *  - Which reply answers STARTTLS: in IMAP, the one with its tag. In SMTP
 *    and POP3, when both directions were captured from their SYN, replies
 *    are counted from the greeting, one per client line (an SMTP DATA
 *    exchange and POP3's multi-line replies to CAPA, LIST, UIDL, RETR and
 *    TOP are followed); otherwise it is the first reply captured after
 *    the STARTTLS line. If the server's reply is not in the capture at all
 *    (a one-sided capture), a ClientHello right after STARTTLS is taken.
 *  - The TLS bytes right after STARTTLS (or from the start) must be
 *    handshake records that carry the ClientHello message (its 24-bit
 *    length) and end where it ends; they are returned exactly as sent.
 *    Anything else is reported: no TLS at all, a hello cut short by the
 *    end of the capture, a missing segment, a malformed hello.
 *
 * SMTP and LMTP replies are read by the one reply parser (smtpreply.h);
 * a line that is not part of a well-formed reply ends the reply as one
 * that is not positive.
 *
 * Nothing here fails: the verdict is a struct result.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "capture_int.h"
#include "smtpreply.h"

#define EXCERPT 40 /* bytes of plaintext quoted in a message */

/* Up to EXCERPT bytes of s as printable text, up to the first line end. */
static void
excerpt(struct mx_buf *b, const uint8_t *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i < EXCERPT && s[i] != '\r' && s[i] != '\n'; i++)
        ;
    mx_buf_append(b, "\"");
    mx_buf_append_printable(b, (const char *)s, i);
    mx_buf_append(b, i < n && i == EXCERPT ? "...\"" : "\"");
}

/* The whole line at *pos (without CR LF); 0 if there is none. */
static int
next_line(const struct stream *s, size_t *pos, const uint8_t **line, size_t *n)
{
    const uint8_t *lf;

    if (*pos >= s->len)
        return 0;
    lf = memchr(s->buf + *pos, '\n', s->len - *pos);
    if (lf == NULL)
        return 0;
    *line = s->buf + *pos;
    *n = (size_t)(lf - *line);
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    *pos = (size_t)(lf - s->buf) + 1;
    return 1;
}

static int
prefix_ci(const uint8_t *l, size_t n, const char *word)
{
    size_t w = strlen(word);

    return n >= w && strncasecmp((const char *)l, word, w) == 0;
}

enum dialect { D_UNKNOWN, D_SMTP, D_IMAP, D_POP3 };

/* A STARTTLS command line: its dialect (D_UNKNOWN if none), IMAP tag. */
static enum dialect
starttls_line(const uint8_t *l, size_t n, size_t *taglen)
{
    size_t i;

    while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
        n--;
    if (n == 8 && prefix_ci(l, n, "STARTTLS"))
        return D_SMTP;
    if (n == 4 && prefix_ci(l, n, "STLS"))
        return D_POP3;
    if (n < 10 || n > 64 + 9 || !prefix_ci(l + n - 9, 9, " STARTTLS"))
        return D_UNKNOWN;
    for (i = 0; i < n - 9; i++)
        if (l[i] <= 0x20 || l[i] >= 0x7f)
            return D_UNKNOWN;
    if (l[0] == '*' || l[0] == '+')
        return D_UNKNOWN;
    *taglen = n - 9;
    return D_IMAP;
}

/* A server reply: positive or not, and the text of its last line. */
struct reply {
    size_t start; /* stream offset of its first byte */
    int ok;
    int code; /* SMTP: the 3-digit code, -1 if none */
    const uint8_t *text;
    size_t tlen;
};

/* The SMTP reply at *pos (multi-line ones joined); 0 if incomplete. */
static int
smtp_reply(const struct stream *s, size_t *pos, struct reply *r)
{
    struct mx_reply mr;
    size_t p = *pos, n;
    const uint8_t *l;
    int rc;

    r->start = p;
    mx_reply_init(&mr);
    do {
        if (!next_line(s, &p, &l, &n))
            return 0;
        rc = mx_reply_feed(&mr, (const char *)l, n);
    } while (rc == 0);
    r->code = rc == 1 ? mr.code : -1;
    r->ok = r->code >= 200 && r->code <= 299;
    r->text = l;
    r->tlen = n;
    *pos = p;
    return 1;
}

/* The POP3 reply at *pos; multi: read on to "." after +OK. */
static int
pop3_reply(const struct stream *s, size_t *pos, int multi, struct reply *r)
{
    size_t p = *pos, n;
    const uint8_t *l;

    r->start = p;
    if (!next_line(s, &p, &l, &n))
        return 0;
    r->ok = prefix_ci(l, n, "+OK");
    r->code = -1;
    r->text = l;
    r->tlen = n;
    if (r->ok && multi) {
        const uint8_t *m;
        size_t mn;

        do {
            if (!next_line(s, &p, &m, &mn))
                return 0;
        } while (!(mn == 1 && m[0] == '.'));
    }
    *pos = p;
    return 1;
}

/* POP3 commands whose +OK reply has more lines (RFC 1939, RFC 2449). */
static int
pop3_multi(const uint8_t *l, size_t n)
{
    size_t w;

    for (w = 0; w < n && l[w] != ' '; w++)
        ;
    if ((w == 4 && prefix_ci(l, n, "CAPA")) ||
        (w == 4 && prefix_ci(l, n, "RETR")) ||
        (w == 3 && prefix_ci(l, n, "TOP")))
        return 1;
    return w == n && ((w == 4 && prefix_ci(l, n, "LIST")) ||
                      (w == 4 && prefix_ci(l, n, "UIDL")));
}

/* The IMAP reply "TAG OK|NO|BAD ..." to the command with this tag. */
static int
imap_reply(const struct stream *s, const uint8_t *tag, size_t taglen,
           struct reply *r)
{
    size_t p = 0, n;
    const uint8_t *l;

    for (;;) {
        r->start = p;
        if (!next_line(s, &p, &l, &n))
            return 0;
        if (n > taglen && memcmp(l, tag, taglen) == 0 && l[taglen] == ' ') {
            r->ok = prefix_ci(l + taglen + 1, n - taglen - 1, "OK");
            r->code = -1;
            r->text = l;
            r->tlen = n;
            return 1;
        }
    }
}

static void
set_result(struct result *r, enum outcome o, const char *detail)
{
    r->o = o;
    snprintf(r->detail, sizeof(r->detail), "%.*s", (int)(sizeof(r->detail) - 1),
             detail);
}

/* The client's TLS bytes from stream offset at: a ClientHello or not. */
static void
client_tls(const struct stream *cs, size_t at, struct result *r)
{
    struct extent x;
    struct mx_error e;
    struct mx_buf b = MX_BUF_INIT;
    const uint8_t *p = cs->buf + at;
    size_t n = cs->len - at;
    int rc = mx_cap_hello_extent(p, n, &x);
    char d[200];

    if (rc == EXT_DONE) {
        mx_error_clear(&e);
        if (mx_cap_hello_check(p, x.used, &e) < 0) {
            set_result(r, O_BAD, e.msg);
            return;
        }
        r->o = O_FOUND;
        r->at = at;
        r->used = x.used;
        return;
    }
    if (rc == EXT_BAD && !(p[0] == 22 || (p[0] & 0x80))) {
        mx_buf_append(&b, "it sent ");
        excerpt(&b, p, n);
        set_result(r, O_NOT_TLS, mx_buf_failed(&b) ? "" : mx_buf_str(&b));
        mx_buf_free(&b);
        return;
    }
    if (rc == EXT_BAD) {
        snprintf(d, sizeof(d), "%s, at byte %zu", x.why, x.at);
        set_result(r, O_BAD, d);
        return;
    }
    if (cs->end > cs->len) {
        snprintf(d, sizeof(d), "at byte %zu of the client's stream", cs->len);
        set_result(r, O_GAP, d);
    } else if (n == 0) {
        set_result(r, O_NOT_TLS, "it sent nothing more");
    } else {
        snprintf(d, sizeof(d), "%zu bytes of at least %zu", n, x.need);
        set_result(r, O_CUT, d);
    }
}

/* A refusal (or a reply that is not one) as a detail. */
static void
refusal(struct result *r, const struct reply *rep)
{
    struct mx_buf b = MX_BUF_INIT;

    excerpt(&b, rep->text, rep->tlen);
    set_result(r, O_REFUSED, mx_buf_failed(&b) ? "" : mx_buf_str(&b));
    mx_buf_free(&b);
}

/* The greeting's dialect, for counting replies. */
static enum dialect
greeting_dialect(const struct stream *ss)
{
    if (ss->len >= 3 && ss->buf[0] >= '0' && ss->buf[0] <= '9')
        return D_SMTP;
    if (ss->len >= 3 && prefix_ci(ss->buf, ss->len, "+OK"))
        return D_POP3;
    if (ss->len >= 2 && prefix_ci(ss->buf, ss->len, "* "))
        return D_IMAP;
    return D_UNKNOWN;
}

/*
 * The reply to the STARTTLS line that ends at client stream offset
 * line_end (its LF at line_end - 1): found by counting (*spos is where the
 * reply to the previous command ended) or by packet order.
 */
static int
find_reply(const struct stream *cs, const struct stream *ss, int counting,
           enum dialect kind, const uint8_t *tag, size_t taglen,
           size_t line_end, size_t *spos, struct reply *rep)
{
    unsigned long after;
    size_t p = 0;

    if (kind == D_IMAP)
        return imap_reply(ss, tag, taglen, rep);
    if (counting)
        return kind == D_SMTP ? smtp_reply(ss, spos, rep)
                              : pop3_reply(ss, spos, 0, rep);
    after = mx_cap_stream_pkt(cs, line_end - 1);
    for (;;) {
        int got = kind == D_SMTP ? smtp_reply(ss, &p, rep)
                                 : pop3_reply(ss, &p, 0, rep);

        if (!got)
            return 0;
        if (mx_cap_stream_pkt(ss, rep->start) > after)
            return 1;
    }
}

/* The dialogue of one connection, with cs the client's stream. */
static void
dialogue(const struct stream *cs, const struct stream *ss, struct result *r)
{
    size_t cpos = 0, spos = 0, n, taglen = 0;
    const uint8_t *l;
    enum dialect g = greeting_dialect(ss), kind;
    int counting = cs->known && ss->known && (g == D_SMTP || g == D_POP3);
    int synced = counting, in_data = 0;
    struct reply rep;
    struct result t;

    set_result(r, O_NOTHING, "");
    if (counting) {
        synced = g == D_SMTP ? smtp_reply(ss, &spos, &rep)
                             : pop3_reply(ss, &spos, 0, &rep);
    }
    while (next_line(cs, &cpos, &l, &n)) {
        if (in_data) { /* SMTP message text, up to "." */
            if (n == 1 && l[0] == '.')
                in_data = 0;
            else
                continue;
        } else if ((kind = starttls_line(l, n, &taglen)) != D_UNKNOWN) {
            int found = find_reply(cs, ss, counting && synced, kind, l, taglen,
                                   cpos, &spos, &rep);

            memset(&t, 0, sizeof(t));
            if (found && !rep.ok) {
                refusal(&t, &rep);
                if (t.o > r->o)
                    *r = t;
                continue; /* the client may go on in plain text */
            }
            client_tls(cs, cpos, &t);
            if (!found && t.o == O_NOT_TLS)
                t.o = O_NO_REPLY; /* neither a reply nor TLS captured */
            if (t.o > r->o)
                *r = t;
            return; /* what follows is TLS, or not ours to read */
        }
        if (!synced)
            continue;
        /* one reply per command line */
        if (g == D_SMTP)
            synced = smtp_reply(ss, &spos, &rep);
        else
            synced = pop3_reply(ss, &spos, pop3_multi(l, n), &rep);
        if (synced && g == D_SMTP && rep.code == 354)
            in_data = 1;
    }
}

/* One connection, cs being what the client sent. */
void
mx_cap_analyze(const struct stream *cs, const struct stream *ss,
               struct result *r)
{
    const uint8_t *b = cs->buf;

    set_result(r, O_NOTHING, "");
    if (cs->len == 0) {
        if (cs->end > 0)
            set_result(r, O_GAP, "the client's first segment is missing");
        return;
    }
    /* implicit TLS: a handshake record with a ClientHello, or SSLv2 */
    if ((b[0] == 22 && (cs->len < 2 || b[1] == 3) &&
         (cs->len < 6 || b[5] == 1)) ||
        ((b[0] & 0x80) && (cs->len < 3 || b[2] == 1))) {
        client_tls(cs, 0, r);
        return;
    }
    dialogue(cs, ss, r);
}
