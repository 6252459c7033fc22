/*
 * fuzz_dns.c - libFuzzer target for the DNS record data mxtls reads
 * itself: libunbound parses the messages, and resolve.c reads the rdata
 * of the MX, A and AAAA records it hands over (mx_mx_read, mx_mx_rdata,
 * mx_vres_addr).
 *
 * Input: the first byte picks the type (bits 0-1: MX, A, AAAA, MX) and,
 * for MX, the room for records (bits 2-5: 1..16); then records, each a
 * two-byte length (big-endian) and that many bytes of rdata, up to the
 * end (a record cut by the end is as long as what is left). Besides the
 * sanitizers, the target aborts when a result breaks what resolve.h
 * promises: MX hosts sorted by preference, not empty, terminated, at most
 * 253 characters of letters, digits, '-', '_' and dots between non-empty
 * labels, at most the room given; the implicit MX exactly when no record
 * was read; a failure with a one-line message; an address only from 4 (A)
 * or 16 (AAAA) bytes, of that family, whose text reads back as the data.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"
#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DOMAIN "fuzz.test"

static void
check_host(const char *h)
{
    const char *end = memchr(h, '\0', 256);
    size_t i, len;

    if (end == NULL)
        abort();
    len = (size_t)(end - h);
    if (len == 0 || len > 253 || h[0] == '.' || h[len - 1] == '.' ||
        strstr(h, "..") != NULL)
        abort();
    for (i = 0; i < len; i++)
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789-_.",
                   h[i]) == NULL)
            abort();
}

static void
check_addr(int type, const uint8_t *rd, size_t len)
{
    struct mx_addr a;
    unsigned char back[16];
    int family = type == MX_RR_A ? AF_INET : AF_INET6;
    size_t want = type == MX_RR_A ? 4 : 16;

    if (mx_vres_addr(type, rd, len, 25, &a) != 0) {
        if (len == want)
            abort();
        return;
    }
    if (len != want || a.sa.ss_family != family ||
        inet_pton(family, a.text, back) != 1 || memcmp(back, rd, want) != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mx_mxrec mx[16];
    unsigned char *rr[256];
    size_t len[256], nrr = 0, off = 1, cap, n = 16, i;
    struct mx_error err;
    unsigned type;
    int rc;

    if (size < 1)
        return 0;
    type = data[0] & 3;
    cap = ((size_t)data[0] >> 2 & 15) + 1;
    while (off + 1 < size && nrr < 256) {
        len[nrr] = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len[nrr] > size - off)
            len[nrr] = size - off;
        /* each in a buffer of its own, so that ASan sees a read past it */
        rr[nrr] = malloc(len[nrr] > 0 ? len[nrr] : 1);
        if (rr[nrr] == NULL)
            abort();
        memcpy(rr[nrr], data + off, len[nrr]);
        off += len[nrr];
        nrr++;
    }
    if (type == 1 || type == 2) {
        for (i = 0; i < nrr; i++)
            check_addr(type == 1 ? MX_RR_A : MX_RR_AAAA, rr[i], len[i]);
    } else {
        mx_error_clear(&err);
        rc = mx_mx_read(DOMAIN, rr, len, nrr, mx, cap, &n, &err);
        if (rc == 0) {
            if (n == 0 || n > cap)
                abort();
            if (nrr == 0 && (n != 1 || strcmp(mx[0].host, DOMAIN) != 0))
                abort();
            for (i = 0; i < n; i++) {
                check_host(mx[i].host);
                if (mx[i].pref > 65535 ||
                    (i > 0 && mx[i - 1].pref > mx[i].pref))
                    abort();
            }
        } else if (rc != -1 || n != 0 || nrr == 0 || err.msg[0] == '\0' ||
                   strpbrk(err.msg, "\r\n") != NULL) {
            abort();
        }
    }
    for (i = 0; i < nrr; i++)
        free(rr[i]);
    return 0;
}
