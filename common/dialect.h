/*
 * dialect.h - the application protocols before TLS (STARTTLS dialects).
 *
 * A name <-> code table with the default port of each dialect. Parsing an
 * unknown name returns MX_DIALECT_INVALID; nothing here prints.
 */
#ifndef MX_DIALECT_H
#define MX_DIALECT_H

enum mx_dialect {
    MX_DIALECT_SMTP = 0, /* EHLO, STARTTLS (RFC 3207) */
    MX_DIALECT_LMTP,     /* LHLO, STARTTLS (RFC 2033) */
    MX_DIALECT_IMAP,     /* tag STARTTLS (RFC 3501) */
    MX_DIALECT_POP3,     /* STLS (RFC 2595) */
    MX_DIALECT_NONE,     /* implicit TLS from the first byte */
    MX_DIALECT_INVALID = -1
};

/* Case-insensitive; "smtps" and "submissions" are names of none. */
enum mx_dialect mx_dialect_parse(const char *name);
const char *mx_dialect_name(enum mx_dialect d); /* "smtp", ... */
int mx_dialect_default_port(enum mx_dialect d); /* 25, 24, 143, 110, 465 */

/* The dialect to assume for a port when none was given: none for the
 * implicit-TLS ports (465, 993, 995), imap for 143, pop3 for 110, smtp for
 * everything else. */
enum mx_dialect mx_dialect_for_port(int port);

#endif
