/*
 * smtpreply.c - parse SMTP/LMTP replies line by line.
 *
 * Error contract: mx_reply_feed returns -1 and sets r->error to a static
 * string for a line that is not a reply line, a code that differs from the
 * first line's, or more than MX_REPLY_MAX_LINES lines. It never prints.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpreply.h"

void
mx_reply_init(struct mx_reply *r)
{
    memset(r, 0, sizeof(*r));
}

/* Copy n bytes of s into dst (capacity cap, NUL-terminated), censoring
 * control and non-ASCII bytes; returns the bytes written. */
static size_t
censor_copy(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;

    if (cap == 0)
        return 0;
    if (n > cap - 1)
        n = cap - 1;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[n] = '\0';
    return n;
}

int
mx_reply_feed(struct mx_reply *r, const char *line, size_t len)
{
    int code, i, last;
    size_t room, n;

    if (r->complete) {
        r->error = "reply already complete";
        return -1;
    }
    if (len < 3) {
        r->error = "not an SMTP reply line";
        return -1;
    }
    for (i = 0; i < 3; i++)
        if (!isdigit((unsigned char)line[i])) {
            r->error = "not an SMTP reply line";
            return -1;
        }
    if (line[0] < '2' || line[0] > '5' || line[1] > '5') {
        r->error = "reply code out of range";
        return -1;
    }
    if (len > 3 && line[3] != ' ' && line[3] != '-') {
        r->error = "not an SMTP reply line";
        return -1;
    }
    code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (r->nlines > 0 && code != r->code) {
        r->error = "reply code changes within a multi-line reply";
        return -1;
    }
    if (r->nlines >= MX_REPLY_MAX_LINES) {
        r->error = "reply has too many lines";
        return -1;
    }
    last = len == 3 || line[3] == ' ';
    if (r->nlines == 0) {
        r->code = code;
        censor_copy(r->first, sizeof(r->first), line, len);
        if (len > 3)
            r->first[3] = ' ';
    }
    r->nlines++;
    /* keep the text after "ddd-" */
    if (r->len > 0 && r->len + 1 < sizeof(r->text))
        r->text[r->len++] = '\n';
    room = sizeof(r->text) - r->len;
    n = len > 4 ? len - 4 : 0;
    if (n >= room)
        r->truncated = 1;
    r->len +=
        censor_copy(r->text + r->len, room, line + (len > 4 ? 4 : len), n);
    if (last)
        r->complete = 1;
    return last;
}

int
mx_reply_has_keyword(const struct mx_reply *r, const char *kw)
{
    const char *p = r->text, *eol;
    size_t kwlen = strlen(kw);
    int lineno = 0;

    while (p < r->text + r->len) {
        eol = memchr(p, '\n', (size_t)(r->text + r->len - p));
        if (eol == NULL)
            eol = r->text + r->len;
        if (lineno > 0 && (size_t)(eol - p) >= kwlen &&
            strncasecmp(p, kw, kwlen) == 0 &&
            (p + kwlen == eol || p[kwlen] == ' '))
            return 1;
        lineno++;
        p = eol + 1;
    }
    return 0;
}
