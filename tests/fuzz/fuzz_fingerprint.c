/*
 * fuzz_fingerprint.c - libFuzzer target for JA3 and JA4 (fingerprint.c):
 * any bytes as the records of a ClientHello.
 *
 * Besides the sanitizers' own checks, the target aborts when a property
 * fails: on success JA4 is "t" + 9 characters + '_' + 12 hex + '_' + 12
 * hex (36 in all), the JA3 MD5 is 32 hex digits, and the raw JA4 starts
 * with the same 10 characters as JA4; on failure every field is empty.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
all_hex(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mx_fingerprint fp;
    struct mx_error err;

    if (mx_fingerprint(data, size, &fp, &err) != 0) {
        if (fp.ja3[0] != '\0' || fp.ja4[0] != '\0' || fp.ja4_r[0] != '\0')
            abort();
        return 0;
    }
    if (strlen(fp.ja4) != 36 || fp.ja4[0] != 't' || fp.ja4[10] != '_' ||
        fp.ja4[23] != '_' || !all_hex(fp.ja4 + 11, 12) ||
        !all_hex(fp.ja4 + 24, 12))
        abort();
    if (strlen(fp.ja3_md5) != 32 || !all_hex(fp.ja3_md5, 32))
        abort();
    if (strncmp(fp.ja4, fp.ja4_r, 11) != 0)
        abort();
    return 0;
}
