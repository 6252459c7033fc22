/*
 * capture_hex.c - a recorded ClientHello given as hex text
 * (mx_hello_from_hex, capture.h).
 *
 * Error contract: as capture.h says; the messages name the offset in the
 * text. Nothing here prints.
 *
 * Hex (decisions capture.h leaves open):
 *  - Separators, anywhere between bytes: blanks, tabs, CR, LF, ':', '-'
 *    and ','. A "0x"/"0X" prefix may start any token ("0x16 0x03 ..." and
 *    "0x160301..." both work). A byte is two adjacent digits, either
 *    case: a separator between the two digits of a byte, an odd number of
 *    digits, or any other character is an error naming its offset (from 0)
 *    in the text.
 *  - The first byte decides: 0x16, whole TLS handshake records; 0x80 or
 *    above, an SSLv2 CLIENT-HELLO (kept as it is); 0x01, a bare handshake
 *    message, wrapped into records of at most 16384 bytes with record
 *    version 0x0301 (TLS 1.0, what clients put in their first record).
 *  - Exactly one ClientHello: bytes after it (a second hello, the next
 *    record, a stray byte) are an error that names where they start,
 *    rather than being dropped without a word (nothing here can warn).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "hello.h"
#include "text.h"

static int
hex_sep(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f' || c == ':' || c == '-' || c == ',';
}

/* "'g'" or "byte 0x89" for a character of the text. */
static void
char_name(char *s, size_t n, unsigned char c)
{
    if (c > 0x20 && c < 0x7f)
        snprintf(s, n, "'%c'", c);
    else
        snprintf(s, n, "byte 0x%02x", c);
}

/*
 * Parse hex text into out (capacity cap); *n gets the byte count. If
 * mark is below the count, *mark_off gets the text offset of byte number
 * mark. 0, or -1 with err (USAGE, with the offset).
 */
static int
hex_scan(const char *t, size_t len, uint8_t *out, size_t cap, size_t *n,
         size_t mark, size_t *mark_off, struct mx_error *err)
{
    size_t i = 0, k = 0;
    int start = 1, hi, lo;
    char cn[16];

    while (i < len) {
        unsigned char c = (unsigned char)t[i];

        if (hex_sep(c)) {
            start = 1;
            i++;
            continue;
        }
        if (c == '0' && i + 1 < len && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
            if (!start) {
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: '%c' is not a hex digit "
                             "(a 0x prefix must start a token)",
                             i + 1, t[i + 1]);
                return -1;
            }
            if (i + 2 >= len || mx_hexval((unsigned char)t[i + 2]) < 0) {
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: 0x is not followed by hex "
                             "digits",
                             i);
                return -1;
            }
            i += 2;
            start = 0;
            continue;
        }
        hi = mx_hexval(c);
        if (hi < 0) {
            char_name(cn, sizeof(cn), c);
            mx_error_set(err, MX_E_USAGE,
                         "hex at offset %zu: %s is not a hex digit", i, cn);
            return -1;
        }
        lo = i + 1 < len ? mx_hexval((unsigned char)t[i + 1]) : -1;
        if (lo < 0) {
            if (i + 1 < len && !hex_sep((unsigned char)t[i + 1])) {
                char_name(cn, sizeof(cn), (unsigned char)t[i + 1]);
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: %s is not a hex digit", i + 1,
                             cn);
            } else {
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: a lone hex digit (bytes are "
                             "two digits; odd number of digits)",
                             i);
            }
            return -1;
        }
        if (k >= cap) {
            mx_error_set(err, MX_E_USAGE,
                         "hex at offset %zu: more than %zu bytes, too many "
                         "for one ClientHello",
                         i, cap);
            return -1;
        }
        if (k == mark && mark_off != NULL)
            *mark_off = i;
        out[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
        start = 0;
    }
    if (k == 0) {
        mx_error_set(err, MX_E_USAGE, "hex: no hex digits");
        return -1;
    }
    *n = k;
    return 0;
}

/* The error for bytes after the ClientHello, at byte `at` of n. */
static int
hex_trailing(const char *text, size_t len, uint8_t *tmp, size_t cap, size_t at,
             size_t n, struct mx_error *err)
{
    size_t off = 0, k;
    struct mx_error e;

    hex_scan(text, len, tmp, cap, &k, at, &off, &e);
    mx_error_set(err, MX_E_USAGE,
                 "hex at offset %zu: %zu bytes follow the ClientHello (byte "
                 "%zu on); give one ClientHello only",
                 off, n - at, at);
    return -1;
}

/*
 * A bare handshake message in *b (n bytes of cap): wrapped into records
 * of at most REC_MAX bytes, which replace *b (and *n). 0, or -1 with err.
 */
static int
wrap_message(const char *text, size_t len, uint8_t **b, size_t *n, size_t cap,
             struct mx_error *err)
{
    size_t msg, nrec, total, i, pos, k;
    uint8_t *r;

    if (*n < 4) {
        mx_error_set(err, MX_E_USAGE,
                     "hex: a handshake message needs a 4-byte header, "
                     "there are %zu bytes",
                     *n);
        return -1;
    }
    msg = 4 + be24(*b + 1);
    if (msg > *n) {
        mx_error_set(err, MX_E_USAGE,
                     "hex: the handshake message is incomplete: its "
                     "header says %zu bytes, there are %zu",
                     msg, *n);
        return -1;
    }
    if (msg < *n)
        return hex_trailing(text, len, *b, cap, msg, *n, err);
    nrec = (msg + REC_MAX - 1) / REC_MAX;
    total = msg + 5 * nrec;
    if (total > MX_RECORDED_MAX) {
        mx_error_set(err, MX_E_USAGE,
                     "hex: the handshake message of %zu bytes is too long "
                     "for %d bytes of records",
                     msg, MX_RECORDED_MAX);
        return -1;
    }
    r = malloc(total);
    if (r == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    for (i = 0, pos = 0; i < msg; i += k) {
        k = msg - i < REC_MAX ? msg - i : REC_MAX;
        r[pos] = 22;
        r[pos + 1] = 3;
        r[pos + 2] = 1;
        r[pos + 3] = (uint8_t)(k >> 8);
        r[pos + 4] = (uint8_t)k;
        memcpy(r + pos + 5, *b + i, k);
        pos += 5 + k;
    }
    free(*b);
    *b = r;
    *n = total;
    return 0;
}

/* Records (TLS or SSLv2) in b: exactly one ClientHello's. 0 or -1. */
static int
whole_records(const char *text, size_t len, uint8_t *b, size_t n, size_t cap,
              struct mx_error *err)
{
    struct extent x;
    int e = mx_cap_hello_extent(b, n, &x);

    if (e == EXT_BAD) {
        mx_error_set(err, MX_E_USAGE,
                     "hex at byte %zu is not a ClientHello: %s", x.at, x.why);
        return -1;
    }
    if (e == EXT_MORE) {
        mx_error_set(err, MX_E_USAGE,
                     "hex: the ClientHello is incomplete: %zu bytes, at "
                     "least %zu needed",
                     n, x.need);
        return -1;
    }
    if (x.used < n)
        return hex_trailing(text, len, b, cap, x.used, n, err);
    return 0;
}

int
mx_hello_from_hex(const char *text, size_t len, struct mx_recorded_hello *out,
                  struct mx_error *err)
{
    uint8_t *b = NULL;
    size_t n = 0, cap = MX_RECORDED_MAX + 1;
    int rc = -1;

    if (out == NULL) {
        mx_error_set(err, MX_E_USAGE, "hex: nowhere to put the hello");
        return -1;
    }
    mx_cap_rec_clear(out);
    if (text == NULL) {
        mx_error_set(err, MX_E_USAGE, "hex: no text");
        return -1;
    }
    b = malloc(cap);
    if (b == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (hex_scan(text, len, b, cap, &n, SIZE_MAX, NULL, err) < 0)
        goto out;
    if (b[0] == 0x01) { /* a bare handshake message: wrap it */
        if (wrap_message(text, len, &b, &n, cap, err) < 0)
            goto out;
    } else if (b[0] == 22 || (b[0] & 0x80)) {
        if (whole_records(text, len, b, n, cap, err) < 0)
            goto out;
    } else {
        mx_error_set(err, MX_E_USAGE,
                     "hex starts with byte 0x%02x: not a TLS handshake record "
                     "(16), a handshake message (01) or an SSLv2 record "
                     "(80..ff)",
                     b[0]);
        goto out;
    }
    if (mx_cap_hello_check(b, n, err) < 0) {
        if (err != NULL && err->code == MX_E_USAGE) {
            struct mx_error e2 = *err;

            mx_error_set(err, MX_E_USAGE, "hex is not a ClientHello: %s",
                         e2.msg);
        }
        goto out;
    }
    out->bytes = b;
    out->len = n;
    b = NULL;
    snprintf(out->origin, sizeof(out->origin), "hex");
    rc = 0;
out:
    free(b);
    return rc;
}
