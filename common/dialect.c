/*
 * dialect.c - STARTTLS dialect names, codes and default ports.
 *
 * Table lookups only; an unknown name gives MX_DIALECT_INVALID. The
 * names of implicit TLS services (RFC 8314's "submissions", the common
 * "smtps") are accepted for none.
 */
#include <stddef.h>
#include <strings.h>

#include "dialect.h"

static const struct {
    enum mx_dialect code;
    const char *name;
    int port;
} dialects[] = {
    {MX_DIALECT_SMTP, "smtp", 25},  {MX_DIALECT_LMTP, "lmtp", 24},
    {MX_DIALECT_IMAP, "imap", 143}, {MX_DIALECT_POP3, "pop3", 110},
    {MX_DIALECT_NONE, "none", 465}, {MX_DIALECT_INVALID, "invalid", 0},
};

#define NDIALECTS (sizeof(dialects) / sizeof(dialects[0]) - 1)

/* Other names for a dialect; mx_dialect_name() gives the table's. */
static const struct {
    const char *alias;
    enum mx_dialect code;
} aliases[] = {
    {"smtps", MX_DIALECT_NONE},
    {"submissions", MX_DIALECT_NONE},
};

enum mx_dialect
mx_dialect_parse(const char *name)
{
    size_t i;

    if (name == NULL)
        return MX_DIALECT_INVALID;
    for (i = 0; i < NDIALECTS; i++)
        if (strcasecmp(name, dialects[i].name) == 0)
            return dialects[i].code;
    for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            return aliases[i].code;
    return MX_DIALECT_INVALID;
}

const char *
mx_dialect_name(enum mx_dialect d)
{
    size_t i;

    for (i = 0; i < NDIALECTS; i++)
        if (dialects[i].code == d)
            break;
    return dialects[i].name;
}

int
mx_dialect_default_port(enum mx_dialect d)
{
    size_t i;

    for (i = 0; i < NDIALECTS; i++)
        if (dialects[i].code == d)
            break;
    return dialects[i].port;
}

enum mx_dialect
mx_dialect_for_port(int port)
{
    switch (port) {
    case 465:
    case 993:
    case 995:
        return MX_DIALECT_NONE;
    case 143:
        return MX_DIALECT_IMAP;
    case 110:
        return MX_DIALECT_POP3;
    default:
        return MX_DIALECT_SMTP;
    }
}
