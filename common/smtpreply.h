/*
 * smtpreply.h - an SMTP/LMTP reply parser (RFC 5321 section 4.2).
 *
 * Pure functions on lines of text: feed the lines of one reply (without
 * CRLF) until it is complete. A line is "ddd text", "ddd-text" (more
 * lines follow) or "ddd". Every line of a reply must carry the same code;
 * the first digit must be 2..5. Malformed input returns -1 and leaves a
 * reason in the reply; nothing here prints. Text kept from the server is
 * censored (control and non-ASCII bytes become '?') and capped.
 */
#ifndef MX_SMTPREPLY_H
#define MX_SMTPREPLY_H

#include <stddef.h>

#define MX_REPLY_MAX_LINES 100
#define MX_REPLY_TEXT      2048

struct mx_reply {
    int code;                 /* 3-digit code of the reply */
    int nlines;               /* lines fed so far */
    int complete;             /* the last line was fed */
    char text[MX_REPLY_TEXT]; /* lines without codes, '\n'-separated */
    size_t len;               /* bytes used in text */
    int truncated;            /* text was cut at MX_REPLY_TEXT */
    char first[256];          /* "ddd text" of the first line */
    const char *error;        /* why the reply is malformed */
};

void mx_reply_init(struct mx_reply *r);

/* 1: the reply is complete; 0: more lines follow; -1: malformed (r->error
 * says why: not a reply line, code mismatch, too many lines). */
int mx_reply_feed(struct mx_reply *r, const char *line, size_t len);

/*
 * EHLO keyword test: does any line after the first start with kw (case
 * insensitive) followed by end of line or a blank? ("STARTTLS",
 * "PIPELINING", ...)
 */
int mx_reply_has_keyword(const struct mx_reply *r, const char *kw);

#endif
