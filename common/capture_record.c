/*
 * capture_record.c - where the TLS records that carry a recorded
 * ClientHello end, and whether the hello decodes (capture_int.h).
 *
 * Error contract: mx_cap_hello_extent says what is wrong in its struct
 * extent; mx_cap_hello_check returns -1 with USAGE (the decoder's
 * message) or INTERNAL. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "hello.h"

void
mx_cap_rec_clear(struct mx_recorded_hello *h)
{
    h->bytes = NULL;
    h->len = 0;
    h->origin[0] = '\0';
}

void
mx_recorded_hello_free(struct mx_recorded_hello *h)
{
    if (h == NULL)
        return;
    free(h->bytes);
    mx_cap_rec_clear(h);
}

static int
ext_bad(struct extent *x, size_t at, const char *why)
{
    x->at = at;
    snprintf(x->why, sizeof(x->why), "%s", why);
    return EXT_BAD;
}

int
mx_cap_hello_extent(const uint8_t *b, size_t n, struct extent *x)
{
    size_t pos = 0, have = 0, msg = 0, hdr_n = 0, rlen, i;
    uint8_t hdr[4];
    char why[160];

    memset(x, 0, sizeof(*x));
    if (n == 0) {
        x->need = 1;
        return EXT_MORE;
    }
    if (b[0] & 0x80) { /* SSLv2: 2-byte header, then the message */
        if (n < 3) {
            x->need = 3;
            return EXT_MORE;
        }
        if (b[2] != 1) {
            snprintf(why, sizeof(why),
                     "SSLv2 message type %u is not a CLIENT-HELLO (1)", b[2]);
            return ext_bad(x, 2, why);
        }
        x->used = 2 + ((size_t)(b[0] & 0x7f) << 8 | b[1]);
        if (n < x->used) {
            x->need = x->used;
            return EXT_MORE;
        }
        return EXT_DONE;
    }
    for (;;) {
        if (n - pos < 5) {
            x->need = pos + 5;
            return EXT_MORE;
        }
        if (b[pos] != 22) {
            snprintf(why, sizeof(why),
                     "record type %u where a handshake record (22) should be",
                     b[pos]);
            return ext_bad(x, pos, why);
        }
        if (b[pos + 1] != 3) {
            snprintf(why, sizeof(why), "record version 0x%04x is not TLS",
                     be16(b + pos + 1));
            return ext_bad(x, pos + 1, why);
        }
        rlen = be16(b + pos + 3);
        if (rlen == 0)
            return ext_bad(x, pos + 3, "empty handshake record");
        if (rlen > REC_MAX)
            return ext_bad(x, pos + 3, "record longer than 16384 bytes");
        if (pos + 5 + rlen > MX_RECORDED_MAX)
            return ext_bad(x, pos, "ClientHello records over 65536 bytes");
        /* the message header, which may itself be split */
        for (i = 0; i < rlen && hdr_n < 4 && pos + 5 + i < n; i++)
            hdr[hdr_n++] = b[pos + 5 + i];
        if (hdr_n >= 1 && hdr[0] != 1) {
            snprintf(why, sizeof(why),
                     "handshake message type %u is not a ClientHello (1)",
                     hdr[0]);
            return ext_bad(x, 5, why);
        }
        if (hdr_n == 4 && msg == 0) {
            msg = 4 + be24(hdr + 1);
            if (msg > MX_RECORDED_MAX)
                return ext_bad(x, 6, "ClientHello over 65536 bytes");
        }
        if (n - pos - 5 < rlen) {
            x->need = pos + 5 + rlen;
            if (msg > have && msg - have > rlen)
                x->need = pos + 5 + (msg - have);
            return EXT_MORE;
        }
        have += rlen;
        pos += 5 + rlen;
        if (msg != 0 && have >= msg)
            break;
    }
    if (have > msg) {
        snprintf(why, sizeof(why),
                 "%zu bytes follow the ClientHello in its last record",
                 have - msg);
        return ext_bad(x, pos - (have - msg), why);
    }
    x->used = pos;
    return EXT_DONE;
}

/*
 * Check the records b[0..n) (as mx_cap_hello_extent found them) with
 * mx_hello_decode_records, which joins the fragments of a hello spread
 * over several records into one for the decoder.
 */
int
mx_cap_hello_check(const uint8_t *b, size_t n, struct mx_error *err)
{
    struct mx_hello_view *v;
    struct mx_error e;
    int joined = 0, rc;

    v = malloc(sizeof(*v));
    if (v == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    mx_error_clear(&e);
    rc = mx_hello_decode_records(b, n, v, &joined, &e);
    free(v);
    if (rc == 0)
        return 0;
    if (e.code == MX_E_INTERNAL)
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
    else
        mx_error_set(err, MX_E_USAGE, "%s%s", e.msg,
                     joined ? " (of its records joined into one)" : "");
    return -1;
}
