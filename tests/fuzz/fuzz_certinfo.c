/*
 * fuzz_certinfo.c - libFuzzer target for certinfo.c on what a server
 * sends: a certificate's DER bytes (as the leaf of a first flight or a
 * chain from OpenSSL), decoded by the linked library, then read for key
 * type and size, curve, names, dates, signature algorithm, fingerprint,
 * and matched against host names.
 *
 * Input: the first byte picks the name matched (a DNS name, a wildcard
 * form, an IP literal, or the text after a NUL at the end of the input);
 * the rest is the DER. Besides the sanitizers, the target aborts when the
 * information read breaks what certinfo.h promises (terminated strings, a
 * label, a 64-digit fingerprint, names without control characters).
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "mx.example.org", "a.b.example.org",       "127.0.0.1", "::1",
        "*.example.org",  "xn--bcher-kva.example", ""};
    static struct mx_certinfo ci;
    const unsigned char *p;
    const char *name;
    struct mx_error err;
    X509 *x;

    if (size < 2)
        return 0;
    p = data + 1;
    x = d2i_X509(NULL, &p, (long)(size - 1));
    if (x == NULL)
        return 0;
    mx_error_clear(&err);
    if (mx_certinfo_get(x, &ci, &err) == 0) {
        if (memchr(ci.subject, '\0', sizeof(ci.subject)) == NULL ||
            memchr(ci.issuer, '\0', sizeof(ci.issuer)) == NULL ||
            memchr(ci.label, '\0', sizeof(ci.label)) == NULL ||
            memchr(ci.sigalg, '\0', sizeof(ci.sigalg)) == NULL ||
            memchr(ci.curve_name, '\0', sizeof(ci.curve_name)) == NULL ||
            strlen(ci.fingerprint) != 64 || ci.label[0] == '\0' ||
            has_control(ci.subject) || has_control(ci.issuer))
            abort();
        (void)mx_cert_days_left(&ci, 1795885200);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
    if (name[0] == '\0' && data[size - 1] == '\0')
        name = (const char *)memchr(data + 1, '\0', size - 1) + 1;
    if (name != NULL && name < (const char *)data + size)
        (void)mx_cert_matches(x, name);
    X509_free(x);
    return 0;
}
