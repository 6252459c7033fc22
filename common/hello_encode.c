/*
 * hello_encode.c - the ClientHello encoder (mx_hello_encode, hello.h).
 * Pure: no I/O, no global state, no TLS library.
 *
 * Error contract: mx_hello_encode returns 0, or -1 with a struct mx_error
 * (USAGE) that says what is wrong. Nothing here prints.
 *
 * Encoding. One TLSPlaintext record (RFC 8446 5.1, RFC 5246 6.2.1) holding
 * a ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2). Extensions go in the
 * order server_name (RFC 6066 3), ec_point_formats (RFC 8422 5.1.2),
 * supported_groups (RFC 8446 4.2.7), session_ticket (RFC 5077 3.2),
 * encrypt_then_mac (RFC 7366), extended_master_secret (RFC 7627),
 * signature_algorithms (RFC 8446 4.2.3), status_request (RFC 6066 8),
 * supported_versions (RFC 8446 4.2.1), psk_key_exchange_modes (4.2.9),
 * key_share (4.2.8), renegotiation_info (RFC 5746 3.4), padding (RFC
 * 7685). When no extension is selected the extensions block is left out
 * altogether (an SSLv3-style hello). Padding: the length measured is that
 * of the ClientHello handshake message including its 4-byte header and
 * excluding the record header; when it is 256..511 bytes a padding
 * extension of zeros brings it to 512, the rule common clients apply (its
 * data is at least one byte, so 508..511 become 513..516; when padding is
 * the only extension the extensions block length counts too). Further
 * decisions:
 * legacy_version 0 encodes as 0x0303; a selected list extension with an
 * empty list, a key share of length 0, and SNI without a name are USAGE
 * errors like those hello.h lists; SNI is at most 255 bytes (a DNS name).
 *
 * SSLv2. A CLIENT-HELLO (draft-hickman-netscape-ssl-00, "SSL 2.0"; also
 * RFC 6101 E and RFC 5246 E.2 for the version-3 compatible form): a 2-byte
 * header with the high bit set, message type 1, the version
 * (legacy_version, 0 meaning 0x0002), the cipher specs (the 3-byte SSLv2
 * kinds, then every suite as 00 hi lo), the session id (16 bytes of
 * session_id with MX_HELLO_SESSION_ID) and a 16-byte challenge, the last
 * 16 bytes of random (a version-3 server right-aligns the challenge in its
 * 32-byte random, RFC 6101 E.1, so random keeps its place).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hello.h"
#include "hello_int.h"

#define PAD_FROM 256 /* RFC 7685: the lengths to avoid */
#define PAD_TO   512

/* ---------------------------------------------------------------- */
/* Writing.                                                          */

struct wr {
    uint8_t *p;
    size_t cap;
    size_t len;
    int full; /* a write did not fit; len stops growing */
};

static void
put_bytes(struct wr *w, const uint8_t *s, size_t n)
{
    if (w->full || n > w->cap - w->len) {
        w->full = 1;
        return;
    }
    if (n > 0)
        memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void
put_zeros(struct wr *w, size_t n)
{
    if (w->full || n > w->cap - w->len) {
        w->full = 1;
        return;
    }
    memset(w->p + w->len, 0, n);
    w->len += n;
}

static void
put8(struct wr *w, unsigned v)
{
    uint8_t b = (uint8_t)(v & 0xff);

    put_bytes(w, &b, 1);
}

static void
put16(struct wr *w, unsigned v)
{
    uint8_t b[2];

    b[0] = (uint8_t)((v >> 8) & 0xff);
    b[1] = (uint8_t)(v & 0xff);
    put_bytes(w, b, 2);
}

/* Fill in a length field of size bytes at offset at, counting what was
 * written after it. */
static void
patch_len(struct wr *w, size_t at, size_t size)
{
    size_t v, i;

    if (w->full)
        return;
    v = w->len - at - size;
    for (i = 0; i < size; i++)
        w->p[at + size - 1 - i] = (uint8_t)((v >> (8 * i)) & 0xff);
}

static void
put_u16_list(struct wr *w, const uint16_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        put16(w, v[i]);
}

/* ---------------------------------------------------------------- */
/* Encoding.                                                         */

/*
 * A list extension selected by flag needs a list of 1..max entries: "EXT
 * without ITEMS" or "too many NOUN (N)" otherwise. 0 or -1.
 */
static int
check_list(const struct mx_hello *h, unsigned flag, const void *list, size_t n,
           size_t max, const char *ext, const char *items, const char *noun,
           struct mx_error *err)
{
    if (!(h->flags & flag))
        return 0;
    if (n == 0 || list == NULL) {
        mx_error_set(err, MX_E_USAGE, "%s without %s", ext, items);
        return -1;
    }
    if (n > max) {
        mx_error_set(err, MX_E_USAGE, "too many %s (%zu)", noun, n);
        return -1;
    }
    return 0;
}

/* The lists an encoding needs, checked before anything is written. */
static int
check_offer(const struct mx_hello *h, struct mx_error *err)
{
    size_t i, total;

    if (h->nsuites == 0 || h->suites == NULL) {
        mx_error_set(err, MX_E_USAGE, "no cipher suites to offer");
        return -1;
    }
    if (h->nsuites > 32767) {
        mx_error_set(err, MX_E_USAGE, "too many cipher suites (%zu)",
                     h->nsuites);
        return -1;
    }
    if (check_list(h, MX_HELLO_GROUPS, h->groups, h->ngroups, 32767,
                   "supported_groups", "groups", "groups", err) != 0 ||
        check_list(h, MX_HELLO_SIGALGS, h->sigalgs, h->nsigalgs, 32767,
                   "signature_algorithms", "algorithms", "signature algorithms",
                   err) != 0 ||
        check_list(h, MX_HELLO_VERSIONS, h->versions, h->nversions, 127,
                   "supported_versions", "versions", "versions", err) != 0)
        return -1;
    if (h->flags & MX_HELLO_KEY_SHARE) {
        if (h->nshares == 0 || h->shares == NULL) {
            mx_error_set(err, MX_E_USAGE, "key_share without shares");
            return -1;
        }
        total = 0;
        for (i = 0; i < h->nshares; i++) {
            if (h->shares[i].len == 0 || h->shares[i].data == NULL ||
                h->shares[i].len > 65535) {
                mx_error_set(err, MX_E_USAGE,
                             "key share %zu (group 0x%04x) has a bad length", i,
                             h->shares[i].group);
                return -1;
            }
            total += 4 + h->shares[i].len;
            if (total > 65535) {
                mx_error_set(err, MX_E_USAGE, "key shares too long");
                return -1;
            }
        }
    }
    if (h->flags & MX_HELLO_SNI) {
        if (h->sni == NULL || h->sni[0] == '\0') {
            mx_error_set(err, MX_E_USAGE, "server_name without a name");
            return -1;
        }
        if (strnlen(h->sni, 256) > 255) {
            mx_error_set(err, MX_E_USAGE, "SNI too long (over 255 bytes)");
            return -1;
        }
    }
    return 0;
}

/* Begin an extension: type and a length to patch. Returns where the
 * length field is. */
static size_t
ext_begin(struct wr *w, unsigned type)
{
    size_t at;

    put16(w, type);
    at = w->len;
    put16(w, 0);
    return at;
}

/* An extension that holds one list of 16-bit codes, after its length in
 * lenbytes (1 or 2) bytes. */
static void
put_list_ext(struct wr *w, unsigned type, int lenbytes, const uint16_t *v,
             size_t n)
{
    size_t e = ext_begin(w, type);

    if (lenbytes == 1)
        put8(w, (unsigned)(2 * n));
    else
        put16(w, (unsigned)(2 * n));
    put_u16_list(w, v, n);
    patch_len(w, e, 2);
}

static void
put_extensions(struct wr *w, const struct mx_hello *h)
{
    unsigned fl = h->flags;
    size_t e, l, i, n;

    if (fl & MX_HELLO_SNI) {
        n = strlen(h->sni);
        e = ext_begin(w, EXT_SNI);
        put16(w, (unsigned)(n + 3)); /* server_name_list */
        put8(w, 0);                  /* host_name */
        put16(w, (unsigned)n);
        put_bytes(w, (const uint8_t *)h->sni, n);
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_POINT_FMT) {
        e = ext_begin(w, EXT_POINT_FMT);
        put8(w, 1); /* ec_point_format_list: uncompressed only */
        put8(w, 0);
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_GROUPS)
        put_list_ext(w, EXT_GROUPS, 2, h->groups, h->ngroups);
    if (fl & MX_HELLO_TICKET)
        patch_len(w, ext_begin(w, EXT_TICKET), 2);
    if (fl & MX_HELLO_ETM)
        patch_len(w, ext_begin(w, EXT_ETM), 2);
    if (fl & MX_HELLO_EMS)
        patch_len(w, ext_begin(w, EXT_EMS), 2);
    if (fl & MX_HELLO_SIGALGS)
        put_list_ext(w, EXT_SIGALGS, 2, h->sigalgs, h->nsigalgs);
    if (fl & MX_HELLO_STATUS_REQ) {
        e = ext_begin(w, EXT_STATUS_REQ);
        put8(w, 1);  /* status_type ocsp */
        put16(w, 0); /* responder_id_list */
        put16(w, 0); /* request_extensions */
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_VERSIONS)
        put_list_ext(w, EXT_VERSIONS, 1, h->versions, h->nversions);
    if (fl & MX_HELLO_PSK_MODES) {
        e = ext_begin(w, EXT_PSK_MODES);
        put8(w, 1);
        put8(w, 1); /* psk_dhe_ke */
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_KEY_SHARE) {
        e = ext_begin(w, EXT_KEY_SHARE);
        l = w->len;
        put16(w, 0); /* client_shares */
        for (i = 0; i < h->nshares; i++) {
            put16(w, h->shares[i].group);
            put16(w, (unsigned)h->shares[i].len);
            put_bytes(w, h->shares[i].data, h->shares[i].len);
        }
        patch_len(w, l, 2);
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_RENEG_EXT) {
        e = ext_begin(w, EXT_RENEG);
        put8(w, 0); /* empty renegotiated_connection */
        patch_len(w, e, 2);
    }
}

static int
encode_ssl2(const struct mx_hello *h, struct wr *w, struct mx_error *err)
{
    size_t i, nspecs;
    size_t sid = (h->flags & MX_HELLO_SESSION_ID) ? 16 : 0;

    nspecs = h->nssl2_ciphers + h->nsuites;
    if (nspecs == 0 || (h->nssl2_ciphers > 0 && h->ssl2_ciphers == NULL) ||
        (h->nsuites > 0 && h->suites == NULL)) {
        mx_error_set(err, MX_E_USAGE, "SSLv2 CLIENT-HELLO without ciphers");
        return -1;
    }
    /* 9 bytes of fixed fields, the specs, the session id, 16 challenge
     * bytes: all under the 15-bit record length. */
    if (nspecs > (0x7fff - 9 - 16 - sid) / 3) {
        mx_error_set(err, MX_E_USAGE, "too many SSLv2 cipher specs (%zu)",
                     nspecs);
        return -1;
    }
    put16(w, 0x8000 | (unsigned)(9 + 3 * nspecs + sid + 16));
    put8(w, 1); /* MSG-CLIENT-HELLO */
    put16(w, h->legacy_version != 0 ? h->legacy_version : 0x0002);
    put16(w, (unsigned)(3 * nspecs));
    put16(w, (unsigned)sid);
    put16(w, 16);
    for (i = 0; i < h->nssl2_ciphers; i++) {
        put8(w, (h->ssl2_ciphers[i] >> 16) & 0xff);
        put16(w, h->ssl2_ciphers[i] & 0xffff);
    }
    for (i = 0; i < h->nsuites; i++) {
        put8(w, 0);
        put16(w, h->suites[i]);
    }
    put_bytes(w, h->session_id, sid);
    put_bytes(w, h->random + 16, 16);
    return 0;
}

/*
 * After the extensions (the handshake message starts at hs_at, the
 * extensions block length at ext_at): the padding extension when it is
 * asked for and the length calls for it, then the block length, or no
 * block at all when there is no extension.
 */
static void
end_extensions(struct wr *w, const struct mx_hello *h, size_t hs_at,
               size_t ext_at)
{
    size_t hs_len, pad, over;
    int has_ext;

    /* The length as it would go out without padding: without the
     * extensions block length when there is no extension. */
    has_ext = w->len > ext_at + 2;
    hs_len = w->len - hs_at - (has_ext ? 0 : 2);
    if ((h->flags & MX_HELLO_PADDING) && hs_len >= PAD_FROM &&
        hs_len < PAD_TO) {
        over = has_ext ? 4 : 6; /* extension header (and block length) */
        pad = PAD_TO - hs_len > over ? PAD_TO - hs_len - over : 1;
        put16(w, EXT_PADDING);
        put16(w, (unsigned)pad);
        put_zeros(w, pad);
    }
    if (w->len == ext_at + 2)
        w->len = ext_at; /* no extension at all: no extensions block */
    else
        patch_len(w, ext_at, 2);
}

int
mx_hello_encode(const struct mx_hello *h, uint8_t *out, size_t cap, size_t *len,
                struct mx_error *err)
{
    uint8_t tmp[5 + MAX_PLAINTEXT + 8]; /* slack: the block placeholder */
    struct wr w = {tmp, sizeof(tmp), 0, 0};
    size_t hs_at, ext_at, sid;

    if (len != NULL)
        *len = 0;
    if (h == NULL || (out == NULL && cap > 0)) {
        mx_error_set(err, MX_E_USAGE, "no hello to encode");
        return -1;
    }
    if (h->sslv2) {
        if (encode_ssl2(h, &w, err) < 0)
            return -1;
        goto done;
    }
    if (check_offer(h, err) < 0)
        return -1;

    put8(&w, REC_HANDSHAKE);
    put16(&w, h->record_version != 0 ? h->record_version : 0x0301);
    put16(&w, 0); /* record length, patched */
    hs_at = w.len;
    put8(&w, HS_CLIENT_HELLO);
    put8(&w, 0); /* 24-bit length, patched */
    put16(&w, 0);
    put16(&w, h->legacy_version != 0 ? h->legacy_version : 0x0303);
    put_bytes(&w, h->random, 32);
    sid = (h->flags & MX_HELLO_SESSION_ID) ? 32 : 0;
    put8(&w, (unsigned)sid);
    put_bytes(&w, h->session_id, sid);
    put16(&w, (unsigned)(2 * h->nsuites));
    put_u16_list(&w, h->suites, h->nsuites);
    if (h->flags & MX_HELLO_COMPRESSION) {
        put8(&w, 2);
        put8(&w, 1); /* DEFLATE, RFC 3749 */
        put8(&w, 0);
    } else {
        put8(&w, 1);
        put8(&w, 0);
    }
    ext_at = w.len;
    put16(&w, 0); /* extensions length, patched or taken back */
    put_extensions(&w, h);
    if (w.full)
        goto toolong;

    end_extensions(&w, h, hs_at, ext_at);
    if (w.full)
        goto toolong;
    if (w.len - hs_at > MAX_PLAINTEXT)
        goto toolong;
    patch_len(&w, hs_at + 1, 3);
    patch_len(&w, 3, 2);

done:
    if (w.full)
        goto toolong;
    if (w.len > cap) {
        mx_error_set(err, MX_E_USAGE,
                     "output buffer too small (%zu bytes, need %zu)", cap,
                     w.len);
        return -1;
    }
    memcpy(out, tmp, w.len);
    if (len != NULL)
        *len = w.len;
    return 0;

toolong:
    mx_error_set(err, MX_E_USAGE, "ClientHello over %d bytes of handshake",
                 MAX_PLAINTEXT);
    return -1;
}
