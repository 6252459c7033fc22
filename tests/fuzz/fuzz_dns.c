/*
 * fuzz_dns.c - libFuzzer target for dns.c: a reply message as the
 * resolver checks and reads it (mx_dns_parse_mx, mx_dns_parse_addrs).
 *
 * Input: the first byte is the question type (bits 0-1: MX, A, AAAA, MX),
 * then the name asked for up to a NUL (at most 255 bytes), then the
 * reply message. The query ID is the message's own (its first two
 * bytes), so that the fuzzer reaches the records rather than the ID
 * check. Besides the sanitizers, the target aborts when an answer breaks
 * what dns.h promises (MX records sorted by preference, host names
 * terminated and not empty, addresses of the family asked for), or when
 * a failure has no one-line message.
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

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mx_mxrec mx[16];
static struct mx_addr ad[16];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul, *msg;
    char name[256];
    struct mx_error err;
    size_t k, len, n = 0, i;
    unsigned type;
    uint16_t id;
    int rc, family;

    if (size < 2)
        return 0;
    type = data[0] & 3;
    nul = memchr(data + 1, '\0', size - 1 < 256 ? size - 1 : 256);
    if (nul == NULL)
        return 0;
    k = (size_t)(nul - (data + 1));
    memcpy(name, data + 1, k);
    name[k] = '\0';
    msg = nul + 1;
    len = size - (size_t)(msg - data);
    id = len >= 2 ? (uint16_t)(msg[0] << 8 | msg[1]) : 0;
    mx_error_clear(&err);
    if (type == 1 || type == 2) {
        family = type == 1 ? AF_INET : AF_INET6;
        rc = mx_dns_parse_addrs(msg, len, id, name, family, 25, ad, 16, &n,
                                &err);
        for (i = 0; rc == 0 && i < n; i++)
            if (ad[i].sa.ss_family != family || ad[i].text[0] == '\0')
                abort();
    } else {
        rc = mx_dns_parse_mx(msg, len, id, name, mx, 16, &n, &err);
        if (rc == 0 && (n == 0 || n > 16))
            abort();
        for (i = 0; rc == 0 && i < n; i++)
            if (mx[i].host[0] == '\0' ||
                memchr(mx[i].host, '\0', sizeof(mx[i].host)) == NULL ||
                (i > 0 && mx[i - 1].pref > mx[i].pref))
                abort();
    }
    if (rc != 0 && (rc != -1 || err.msg[0] == '\0' ||
                    strpbrk(err.msg, "\r\n") != NULL || n > 16))
        abort();
    return 0;
}
