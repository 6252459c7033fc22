/*
 * fuzz_mtasts.c - libFuzzer target for mtasts.c on what DNS and a web
 * server hand over (RFC 8461): the text of a TXT record at
 * _mta-sts.DOMAIN, the policy file from https://mta-sts.DOMAIN, and the
 * MX patterns of a policy matched against MX host names.
 *
 * Input: the first byte picks the parser (modulo 3): 0 the TXT record
 * (the rest, up to a NUL, as the text the character-strings joined into);
 * 1 the policy file (the rest, all of it); 2 a pattern and a host name
 * (the rest, split at its first NUL).
 *
 * Besides the sanitizers, the target aborts when a result breaks what
 * mtasts.h promises: a TXT record accepted without starting with v=STSv1
 * or with an id that is not 1 to 32 letters and digits, one ignored that
 * starts with v=STSv1 and a delimiter, a policy accepted with a mode out
 * of range, a max_age above a year, too many or unterminated patterns,
 * no pattern in mode enforce or testing, or a pattern that does not match
 * a host it describes (itself; a label in place of the star, in upper
 * case, with a final dot) or that matches its parent domain; a failure
 * without a message.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_txt(const char *text)
{
    char id[33], why[200];
    size_t i, n;
    int rc;

    memset(id, 'x', sizeof(id));
    why[0] = '\0';
    rc = mx_sts_txt_parse(text, id, why, sizeof(why));
    if (rc == 0) {
        n = strnlen(id, sizeof(id));
        if (strncmp(text, "v=STSv1", 7) != 0 || n < 1 || n > 32)
            abort();
        for (i = 0; i < n; i++)
            if (!isalnum((unsigned char)id[i]))
                abort();
    } else if (rc == 1) {
        if (strncmp(text, "v=STSv1", 7) == 0 &&
            (text[7] == '\0' || text[7] == ';' || text[7] == ' ' ||
             text[7] == '\t'))
            abort();
    } else if (rc != -1 || why[0] == '\0' ||
               memchr(why, '\0', sizeof(why)) == NULL) {
        abort();
    }
}

/* Hosts a pattern describes must match it; its parent must not. */
static void
check_pattern(const char *pat)
{
    char host[300], upper[300];
    const char *base = pat;
    size_t i;

    if (strncmp(pat, "*.", 2) == 0) {
        base = pat + 2;
        if (mx_sts_mx_match(pat, base) != 0)
            abort();
        snprintf(host, sizeof(host), "a.b.%s", base);
        if (mx_sts_mx_match(pat, host) != 0)
            abort();
        snprintf(host, sizeof(host), "mx1.%s", base);
    } else {
        snprintf(host, sizeof(host), "%s", pat);
    }
    if (mx_sts_mx_match(pat, host) != 1)
        abort();
    for (i = 0; host[i] != '\0'; i++)
        upper[i] = (char)toupper((unsigned char)host[i]);
    upper[i] = '.';
    upper[i + 1] = '\0';
    if (mx_sts_mx_match(pat, upper) != 1)
        abort();
}

static void
fuzz_policy(const char *text, size_t len)
{
    struct mx_sts_policy p;
    char why[300];
    size_t i;
    int rc;

    why[0] = '\0';
    rc = mx_sts_policy_parse(text, len, &p, why, sizeof(why));
    if (rc == 0) {
        if ((p.mode != MX_STS_NONE && p.mode != MX_STS_TESTING &&
             p.mode != MX_STS_ENFORCE) ||
            p.max_age < 0 || p.max_age > MX_STS_MAX_AGE ||
            p.nmx > MX_STS_MAX_MX || (p.mode != MX_STS_NONE && p.nmx == 0))
            abort();
        for (i = 0; i < p.nmx; i++) {
            if (memchr(p.mx[i], '\0', sizeof(p.mx[i])) == NULL ||
                p.mx[i][0] == '\0')
                abort();
            check_pattern(p.mx[i]);
        }
    } else if (rc != -1 || why[0] == '\0' ||
               memchr(why, '\0', sizeof(why)) == NULL) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *host;

    if (size < 1)
        return 0;
    /* a copy of exactly the bytes given, and a NUL past them */
    text = malloc(size);
    if (text == NULL)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 3) {
    case 0:
        fuzz_txt(text);
        break;
    case 1:
        fuzz_policy(text, size - 1);
        break;
    default:
        host = text + strlen(text);
        if (host < text + size - 1)
            host++;
        (void)mx_sts_mx_match(text, host);
        break;
    }
    free(text);
    return 0;
}
