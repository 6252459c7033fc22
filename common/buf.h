/*
 * buf.h - growable NUL-terminated text buffer.
 *
 * Used to build output and messages without fixed-size truncation. On
 * allocation failure the buffer is marked failed, later appends do
 * nothing, and mx_buf_failed() reports it; callers check once at the end.
 */
#ifndef MX_BUF_H
#define MX_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mx_buf {
    char *s;    /* always NUL-terminated once anything was appended */
    size_t len; /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    int failed; /* an allocation failed */
};

#define MX_BUF_INIT   \
    {                 \
        NULL, 0, 0, 0 \
    }

void mx_buf_append(struct mx_buf *b, const char *s);
void mx_buf_appendn(struct mx_buf *b, const char *s, size_t n);
void mx_buf_printf(struct mx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mx_buf_vprintf(struct mx_buf *b, const char *fmt, va_list ap);
/* The text so far; "" for an empty buffer (never NULL). */
const char *mx_buf_str(const struct mx_buf *b);
int mx_buf_failed(const struct mx_buf *b);
void mx_buf_reset(struct mx_buf *b); /* empty, keeps the allocation */
void mx_buf_free(struct mx_buf *b);

/*
 * Append s with control characters and non-ASCII bytes replaced by '?',
 * at most max bytes of s (Postfix-style censoring of peer text).
 */
void mx_buf_append_printable(struct mx_buf *b, const char *s, size_t n);

#endif
