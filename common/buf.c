/*
 * buf.c - growable NUL-terminated text buffer.
 *
 * Appends never fail loudly: when memory runs out (or a format cannot be
 * expanded) the buffer is marked failed, keeps the text it had, and every
 * later append does nothing until mx_buf_reset. Callers check
 * mx_buf_failed() once, when they are done. NULL strings append nothing.
 * Nothing here prints.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define MX_BUF_MIN 64

/* Make room for extra more bytes plus the NUL. 0 or -1 (buffer failed). */
static int
grow(struct mx_buf *b, size_t extra)
{
    size_t need, cap;
    char *s;

    if (b->failed)
        return -1;
    if (extra > SIZE_MAX - 1 - b->len) {
        b->failed = 1;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap < MX_BUF_MIN ? MX_BUF_MIN : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    s = realloc(b->s, cap);
    if (s == NULL) {
        b->failed = 1;
        return -1;
    }
    if (b->s == NULL)
        s[0] = '\0';
    b->s = s;
    b->cap = cap;
    return 0;
}

void
mx_buf_appendn(struct mx_buf *b, const char *s, size_t n)
{
    size_t len;

    if (b == NULL || s == NULL)
        return;
    len = strnlen(s, n);
    if (grow(b, len) < 0)
        return;
    memcpy(b->s + b->len, s, len);
    b->len += len;
    b->s[b->len] = '\0';
}

void
mx_buf_append(struct mx_buf *b, const char *s)
{
    if (s != NULL)
        mx_buf_appendn(b, s, strlen(s));
}

void
mx_buf_vprintf(struct mx_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;

    if (b == NULL || fmt == NULL || grow(b, 0) < 0)
        return;
    va_copy(aq, ap);
    n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, aq);
    va_end(aq);
    if (n < 0) {
        b->s[b->len] = '\0';
        b->failed = 1;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        /* Did not fit: grow to the exact size and format again. */
        b->s[b->len] = '\0';
        if (grow(b, (size_t)n) < 0)
            return;
        va_copy(aq, ap);
        n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, aq);
        va_end(aq);
        if (n < 0 || (size_t)n >= b->cap - b->len) {
            b->s[b->len] = '\0';
            b->failed = 1;
            return;
        }
    }
    b->len += (size_t)n;
}

void
mx_buf_printf(struct mx_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mx_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *
mx_buf_str(const struct mx_buf *b)
{
    return b != NULL && b->s != NULL ? b->s : "";
}

int
mx_buf_failed(const struct mx_buf *b)
{
    return b == NULL || b->failed;
}

void
mx_buf_reset(struct mx_buf *b)
{
    if (b == NULL)
        return;
    b->len = 0;
    b->failed = 0;
    if (b->s != NULL)
        b->s[0] = '\0';
}

void
mx_buf_free(struct mx_buf *b)
{
    if (b == NULL)
        return;
    free(b->s);
    b->s = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

void
mx_buf_append_printable(struct mx_buf *b, const char *s, size_t n)
{
    size_t i, len;

    if (b == NULL || s == NULL)
        return;
    len = strnlen(s, n);
    if (grow(b, len) < 0)
        return;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        b->s[b->len++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    b->s[b->len] = '\0';
}
