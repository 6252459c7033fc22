/*
 * fingerprint.c - JA3 and JA4 of a ClientHello (fingerprint.h).
 *
 * The lists come from the project's decoder (mx_hello_decode_records);
 * the two things it does not keep, the first ALPN value and the EC point
 * formats, are read here from the extension's body, found by walking the
 * handshake message the decoder has already checked.
 *
 * Error contract: 0, or -1 with a struct mx_error (USAGE for bytes that
 * are not a TLS ClientHello, INTERNAL when a digest fails). Nothing here
 * prints.
 *
 * Sources: github.com/salesforce/ja3 (README: the JA3 fields), FoxIO's
 * JA4 definition (github.com/FoxIO-LLC/ja4, technical_details/JA4.md),
 * RFC 8701 (GREASE), RFC 7301 (ALPN), RFC 8422 5.1.2 (ec_point_formats).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "fingerprint.h"
#include "hello.h"

#define EXT_SNI        0x0000
#define EXT_POINT_FMTS 0x000b
#define EXT_ALPN       0x0010

int
mx_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static unsigned
get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/*
 * The ClientHello handshake message carried by the records in buf, its
 * fragments joined into *msg (malloc'd). 0, or -1 when the records do not
 * hold one whole handshake message (the decoder has said yes before this
 * is called, so that is not expected).
 */
static int
handshake_message(const uint8_t *buf, size_t len, uint8_t **msg, size_t *mlen)
{
    uint8_t *m;
    size_t at = 0, have = 0, need = 0, rl;

    m = malloc(len);
    if (m == NULL)
        return -1;
    while (at + 5 <= len) {
        rl = get16(buf + at + 3);
        if (buf[at] != 22 || at + 5 + rl > len)
            break;
        memcpy(m + have, buf + at + 5, rl);
        have += rl;
        at += 5 + rl;
        if (need == 0 && have >= 4)
            need = 4 + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
        if (need > 0 && have >= need)
            break;
    }
    if (need == 0 || have < need || m[0] != 1) {
        free(m);
        return -1;
    }
    *msg = m;
    *mlen = need;
    return 0;
}

/* The body of extension type in the handshake message m (mlen bytes). 1
 * with *body and *blen, 0 when it is not there. */
static int
ext_body(const uint8_t *m, size_t mlen, unsigned type, const uint8_t **body,
         size_t *blen)
{
    size_t at = 4 + 2 + 32, n, end;

    if (at + 1 > mlen)
        return 0;
    at += 1 + m[at]; /* legacy_session_id */
    if (at + 2 > mlen)
        return 0;
    at += 2 + get16(m + at); /* cipher_suites */
    if (at + 1 > mlen)
        return 0;
    at += 1 + m[at]; /* compression_methods */
    if (at + 2 > mlen)
        return 0;
    end = at + 2 + get16(m + at);
    at += 2;
    if (end > mlen)
        return 0;
    while (at + 4 <= end) {
        n = get16(m + at + 2);
        if (at + 4 + n > end)
            return 0;
        if (get16(m + at) == type) {
            *body = m + at + 4;
            *blen = n;
            return 1;
        }
        at += 4 + n;
    }
    return 0;
}

/* Hex digest (name "MD5" or "SHA256") of s into out (cap bytes). */
static int
digest_hex(const char *name, const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    const EVP_MD *type = strcmp(name, "MD5") == 0 ? EVP_md5() : EVP_sha256();

    if (type == NULL || EVP_Digest(s, strlen(s), md, &mdlen, type, NULL) != 1)
        return -1;
    if (cap < 2 * (size_t)mdlen + 1)
        return -1;
    for (i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * mdlen] = '\0';
    return 0;
}

/* A list of 16-bit values without GREASE, in decimal joined by '-'. */
static void
dec_list(struct mx_buf *b, const uint16_t *v, size_t n)
{
    size_t i;
    int first = 1;

    for (i = 0; i < n; i++) {
        if (mx_is_grease(v[i]))
            continue;
        mx_buf_printf(b, "%s%u", first ? "" : "-", (unsigned)v[i]);
        first = 0;
    }
}

static int
cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

    return (x > y) - (x < y);
}

/* v without GREASE (and without the values skip1/skip2; pass 0xffff, no
 * code point of either list, for none) into out; the count. */
static size_t
filtered(const uint16_t *v, size_t n, uint16_t *out, unsigned skip1,
         unsigned skip2)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if (!mx_is_grease(v[i]) && v[i] != skip1 && v[i] != skip2)
            out[k++] = v[i];
    return k;
}

/* 4-digit hex values joined by ','. */
static void
hex_list(struct mx_buf *b, const uint16_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        mx_buf_printf(b, "%s%04x", i > 0 ? "," : "", (unsigned)v[i]);
}

static const char *
ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304:
        return "13";
    case 0x0303:
        return "12";
    case 0x0302:
        return "11";
    case 0x0301:
        return "10";
    case 0x0300:
        return "s3";
    case 0x0002:
        return "s2";
    default:
        return "00";
    }
}

/* The two ALPN characters of JA4 from the ALPN extension's body. */
static void
ja4_alpn(const uint8_t *body, size_t blen, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    size_t n;
    uint8_t f, l;

    strcpy(out, "00");
    if (body == NULL || blen < 3)
        return;
    n = body[2];
    if (n == 0 || 3 + n > blen)
        return;
    f = body[3];
    l = body[3 + n - 1];
    if (isalnum(f) && isalnum(l) && f < 0x80 && l < 0x80) {
        out[0] = (char)f;
        out[1] = (char)l;
    } else {
        out[0] = hex[f >> 4];
        out[1] = hex[l & 15];
    }
}

/* "NN" of a count, at most 99. */
static void
two_digits(char out[3], size_t n)
{
    snprintf(out, 3, "%02u", (unsigned)(n > 99 ? 99 : n));
}

/* b or c of JA4: the first 12 hex digits of SHA-256 of s, or twelve 0s
 * for an empty list. */
static int
ja4_hash(const char *s, int empty, char out[13])
{
    char h[65];

    if (empty) {
        strcpy(out, "000000000000");
        return 0;
    }
    if (digest_hex("SHA256", s, h, sizeof(h)) != 0)
        return -1;
    memcpy(out, h, 12);
    out[12] = '\0';
    return 0;
}

int
mx_fingerprint(const uint8_t *buf, size_t len, struct mx_fingerprint *fp,
               struct mx_error *err)
{
    struct mx_hello_view *v = NULL;
    struct mx_buf b = MX_BUF_INIT, cb = MX_BUF_INIT, cc = MX_BUF_INIT;
    uint8_t *msg = NULL;
    size_t mlen = 0, i, ns, ne, nsig, blen = 0;
    const uint8_t *body = NULL;
    uint16_t top = 0, *tmp = NULL;
    char alpn[3], nsuites[3], nexts[3], hb[13], hc[13];
    int sni = 0, rc = -1;

    memset(fp, 0, sizeof(*fp));
    v = malloc(sizeof(*v));
    tmp = malloc(MX_HELLO_MAX_LIST * sizeof(*tmp));
    if (v == NULL || tmp == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    if (mx_hello_decode_records(buf, len, v, NULL, err) != 0)
        goto out;
    if (v->sslv2) {
        mx_error_set(err, MX_E_USAGE,
                     "an SSLv2 CLIENT-HELLO has no JA3 or JA4 fingerprint");
        goto out;
    }
    if (handshake_message(buf, len, &msg, &mlen) != 0) {
        mx_error_set(err, MX_E_USAGE,
                     "ClientHello: no whole handshake message in the records");
        goto out;
    }

    /* JA3 */
    mx_buf_printf(&b, "%u,", (unsigned)v->legacy_version);
    dec_list(&b, v->suites, v->nsuites);
    mx_buf_append(&b, ",");
    dec_list(&b, v->extensions, v->nextensions);
    mx_buf_append(&b, ",");
    dec_list(&b, v->groups, v->ngroups);
    mx_buf_append(&b, ",");
    if (ext_body(msg, mlen, EXT_POINT_FMTS, &body, &blen) && blen >= 1) {
        for (i = 0; i < body[0] && 1 + i < blen; i++)
            mx_buf_printf(&b, "%s%u", i > 0 ? "-" : "", body[1 + i]);
    }
    if (mx_buf_failed(&b) || strlen(mx_buf_str(&b)) >= sizeof(fp->ja3)) {
        mx_error_set(err, MX_E_INTERNAL, "JA3 string too long");
        goto out;
    }
    strcpy(fp->ja3, mx_buf_str(&b));
    if (digest_hex("MD5", fp->ja3, fp->ja3_md5, sizeof(fp->ja3_md5)) != 0) {
        mx_error_set(err, MX_E_INTERNAL, "MD5 failed");
        goto out;
    }

    /* JA4 a */
    for (i = 0; i < v->nversions; i++)
        if (!mx_is_grease(v->versions[i]) && v->versions[i] > top)
            top = v->versions[i];
    if (v->nversions == 0 || top == 0)
        top = v->legacy_version;
    for (i = 0; i < v->nextensions; i++)
        if (v->extensions[i] == EXT_SNI)
            sni = 1;
    body = NULL;
    blen = 0;
    if (!ext_body(msg, mlen, EXT_ALPN, &body, &blen))
        body = NULL;
    ja4_alpn(body, blen, alpn);
    two_digits(nsuites, filtered(v->suites, v->nsuites, tmp, 0xffff, 0xffff));
    two_digits(nexts,
               filtered(v->extensions, v->nextensions, tmp, 0xffff, 0xffff));

    /* b: suites, sorted */
    ns = filtered(v->suites, v->nsuites, tmp, 0xffff, 0xffff);
    qsort(tmp, ns, sizeof(*tmp), cmp_u16);
    hex_list(&cb, tmp, ns);
    /* c: extensions but SNI and ALPN, sorted; then the sigalgs in order */
    ne = filtered(v->extensions, v->nextensions, tmp, EXT_SNI, EXT_ALPN);
    qsort(tmp, ne, sizeof(*tmp), cmp_u16);
    hex_list(&cc, tmp, ne);
    nsig = filtered(v->sigalgs, v->nsigalgs, tmp, 0xffff, 0xffff);
    if (nsig > 0) {
        mx_buf_append(&cc, "_");
        hex_list(&cc, tmp, nsig);
    }
    if (mx_buf_failed(&cb) || mx_buf_failed(&cc)) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    if (ja4_hash(mx_buf_str(&cb), ns == 0, hb) != 0 ||
        ja4_hash(mx_buf_str(&cc), ne == 0, hc) != 0) {
        mx_error_set(err, MX_E_INTERNAL, "SHA-256 failed");
        goto out;
    }
    snprintf(fp->ja4, sizeof(fp->ja4), "t%s%c%s%s%s_%s_%s", ja4_version(top),
             sni ? 'd' : 'i', nsuites, nexts, alpn, hb, hc);
    if ((size_t)snprintf(fp->ja4_r, sizeof(fp->ja4_r), "t%s%c%s%s%s_%s_%s",
                         ja4_version(top), sni ? 'd' : 'i', nsuites, nexts,
                         alpn, mx_buf_str(&cb),
                         mx_buf_str(&cc)) >= sizeof(fp->ja4_r)) {
        mx_error_set(err, MX_E_INTERNAL, "JA4 raw string too long");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        memset(fp, 0, sizeof(*fp));
    mx_buf_free(&b);
    mx_buf_free(&cb);
    mx_buf_free(&cc);
    free(msg);
    free(tmp);
    free(v);
    return rc;
}
