/*
 * fromspec.c - a peer's "from =" value (fromspec.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "fromspec.h"
#include "strnum.h"
#include "text.h"

static int
name_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 253 || (s[0] == '.' && n == 1))
        return 0;
    for (i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.' ||
              s[i] == '_'))
            return 0;
    return strstr(s, "..") == NULL && s[n - 1] != '.';
}

/* One entry of "from =" into *r. 0, or -1 with err. */
static int
from_entry(const char *tok, struct mx_from_rule *r, struct mx_error *err)
{
    char a[INET6_ADDRSTRLEN + 8], *slash;
    long long bits = -1;
    const char *why = NULL;
    size_t i;

    memset(r, 0, sizeof(*r));
    if (strlen(tok) < sizeof(a)) {
        strcpy(a, tok);
        slash = strchr(a, '/');
        if (slash != NULL)
            *slash++ = '\0';
        if (inet_pton(AF_INET, a, r->addr) == 1)
            r->family = AF_INET;
        else if (inet_pton(AF_INET6, a, r->addr) == 1)
            r->family = AF_INET6;
        if (r->family != 0) {
            r->bits = r->family == AF_INET ? 32 : 128;
            if (slash != NULL) {
                if (mx_strtonum(slash, 0, r->bits, &bits, &why) != 0) {
                    mx_error_set(err, MX_E_USAGE,
                                 "from: '%.60s': prefix length %s (0 to %u)",
                                 tok, why != NULL ? why : "bad", r->bits);
                    return -1;
                }
                r->bits = (unsigned)bits;
            }
            return 0;
        }
        if (slash != NULL) {
            mx_error_set(err, MX_E_USAGE,
                         "from: '%.60s' is not a network like 192.0.2.0/24 "
                         "or 2001:db8::/32",
                         tok);
            return -1;
        }
    }
    if (!name_ok(tok)) {
        mx_error_set(err, MX_E_USAGE,
                     "from: '%.60s' is neither an address, a network nor a "
                     "host name",
                     tok);
        return -1;
    }
    for (i = 0; tok[i] != '\0'; i++)
        r->name[i] = (char)tolower((unsigned char)tok[i]);
    r->name[i] = '\0';
    return 0;
}

int
mx_from_parse(const char *s, struct mx_from *f, struct mx_error *err)
{
    char tok[300];
    size_t n;

    f->n = 0;
    for (;;) {
        while (*s != '\0' && (mx_is_blank(*s) || *s == ','))
            s++;
        if (*s == '\0')
            break;
        for (n = 0; s[n] != '\0' && !mx_is_blank(s[n]) && s[n] != ','; n++)
            ;
        if (n >= sizeof(tok)) {
            mx_error_set(err, MX_E_USAGE, "from: an entry is too long");
            return -1;
        }
        memcpy(tok, s, n);
        tok[n] = '\0';
        s += n;
        if (f->n == MX_FROM_MAX) {
            mx_error_set(err, MX_E_USAGE, "from: more than %d entries",
                         MX_FROM_MAX);
            return -1;
        }
        if (from_entry(tok, &f->r[f->n], err) != 0)
            return -1;
        f->n++;
    }
    if (f->n == 0) {
        mx_error_set(err, MX_E_USAGE, "from: no network or host name");
        return -1;
    }
    return 0;
}

int
mx_from_check(const char *s, struct mx_error *err)
{
    struct mx_from *f = malloc(sizeof(*f));
    int rc;

    if (f == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    rc = mx_from_parse(s, f, err);
    free(f);
    return rc;
}
