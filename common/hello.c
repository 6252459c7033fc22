/*
 * hello.c - the ClientHello codec and the decoder of the server's first
 * flight (see hello.h). Pure functions on byte buffers: no I/O, no global
 * state, no TLS library.
 *
 * Error contract: mx_hello_encode and mx_hello_decode return 0, or -1 with
 * a struct mx_error (USAGE) that says what is wrong (the decoder also says
 * at which byte offset of its input). mx_flight_feed never fails as a
 * call: anything the server gets wrong becomes the MX_V_MALFORMED verdict
 * with a one-line reason in f->reason. Nothing here prints.
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
 * Flight decoding. Records of type 22 feed the handshake stream, which may
 * span records and share them; 21 is an alert (exactly 2 bytes, RFC 8446
 * 6); 20 and 23 end a TLS 1.2 flight early or are malformed (after a TLS
 * 1.3 ServerHello the verdict is already given and later bytes are not
 * looked at). Decisions hello.h leaves open:
 *  - A record over 16384 + 2048 bytes is "record overflow"; a zero-length
 *    handshake or alert record is malformed (RFC 8446 5.1); a record of
 *    another type while a handshake message is incomplete is malformed.
 *  - A warning alert (level 1) other than close_notify (0) and
 *    user_canceled (90) does not end the flight (some TLS 1.2 servers send
 *    unrecognized_name before their ServerHello); its level and
 *    description stay in alert_level/alert_desc. After 4 of them the
 *    fifth is malformed. Every other alert is the MX_V_ALERT verdict, with
 *    level and description as sent.
 *  - Versions are reported as given: version is the supported_versions
 *    value when that extension is present (whatever legacy_version says),
 *    else legacy_version; the caller judges 0x0305 or TLS 1.2 in
 *    supported_versions. Only 0x0300..0x0303 read on to ServerHelloDone.
 *  - The ServerKeyExchange kind is told from its contents: ECDHE
 *    (curve_type 3, named_curve, point, signature) or DHE (p, g, Ys,
 *    signature), each only when every length adds up exactly; the
 *    signature part is absent (anonymous) or [SignatureAndHashAlgorithm
 *    when the version is 0x0303] + opaque<0..2^16-1>. A ServerKeyExchange
 *    of neither shape (RSA_EXPORT, PSK, SRP) is skipped: group and dh_bits
 *    stay 0, and the caller compares with the suite.
 *  - After a TLS <= 1.2 ServerHello with MX_FLIGHT_STOP_DONE the messages
 *    must come in RFC 5246 order (Certificate, CertificateStatus,
 *    ServerKeyExchange, CertificateRequest, ServerHelloDone), each at most
 *    once; HelloRequest (empty) is ignored anywhere. A change_cipher_spec
 *    record there ends the flight: MX_V_SERVER_HELLO with done 0.
 *  - An SSLv2 ERROR message becomes MX_V_ALERT (level 2, the nearest TLS
 *    description: NO-CIPHER 40, NO-CERTIFICATE 41, BAD-CERTIFICATE 42,
 *    UNSUPPORTED-CERTIFICATE-TYPE 43, anything else 40), with
 *    record_version 0x0002 and the SSLv2 code in reason. In an SSLv2
 *    SERVER-HELLO, version and ssl2_version are SERVER-VERSION, the first
 *    16 cipher kinds are kept, and the certificate is the leaf.
 *  - ServerHello.random ending in a downgrade sentinel (RFC 8446 4.1.3) is
 *    reported in downgrade (not for a HelloRetryRequest).
 *  - total counts the bytes taken: after a verdict, up to the byte that
 *    gave it, so it is the same however the input was cut.
 *  - Any stop value other than MX_FLIGHT_STOP_HELLO reads on.
 * The handshake stream is never moved, so leaf stays valid as long as the
 * struct; each input byte is looked at a bounded number of times.
 *
 * Sources: RFC 8446, RFC 5246, RFC 6101, RFC 8422, RFC 7627, RFC 5746,
 * RFC 6066, RFC 7685, RFC 7919, draft-hickman-netscape-ssl-00.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hello.h"

/* Handshake and record layer numbers (RFC 8446 4, 5.1; RFC 5246 7.4). */
#define REC_CCS         20
#define REC_ALERT       21
#define REC_HANDSHAKE   22
#define REC_APPDATA     23
#define REC_SSL2        0x80 /* internal marker: an SSLv2 record */
#define HS_HELLO_REQ    0
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE  11
#define HS_SKE          12
#define HS_CERT_REQ     13
#define HS_HELLO_DONE   14
#define HS_CERT_STATUS  22

#define EXT_SNI        0x0000
#define EXT_STATUS_REQ 0x0005
#define EXT_GROUPS     0x000a
#define EXT_POINT_FMT  0x000b
#define EXT_SIGALGS    0x000d
#define EXT_PADDING    0x0015
#define EXT_ETM        0x0016
#define EXT_EMS        0x0017
#define EXT_TICKET     0x0023
#define EXT_VERSIONS   0x002b
#define EXT_PSK_MODES  0x002d
#define EXT_KEY_SHARE  0x0033
#define EXT_RENEG      0xff01

#define MAX_PLAINTEXT 16384          /* 2^14, RFC 8446 5.1 */
#define MAX_RECORD    (16384 + 2048) /* RFC 5246 6.2.3 */
#define PAD_FROM      256            /* RFC 7685: the lengths to avoid */
#define PAD_TO        512
#define MAX_WARNINGS  4

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

/* "DOWNGRD", the first 7 bytes of both sentinels, RFC 8446 4.1.3. */
static const uint8_t downgrade_prefix[7] = {0x44, 0x4f, 0x57, 0x4e,
                                            0x47, 0x52, 0x44};

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
/* Reading.                                                          */

struct rd {
    const uint8_t *b; /* the whole buffer (offsets in messages) */
    size_t pos;
    size_t end;
};

static int
rd_u8(struct rd *r, unsigned *v)
{
    if (r->end - r->pos < 1)
        return -1;
    *v = r->b[r->pos];
    r->pos++;
    return 0;
}

static int
rd_u16(struct rd *r, unsigned *v)
{
    if (r->end - r->pos < 2)
        return -1;
    *v = ((unsigned)r->b[r->pos] << 8) | r->b[r->pos + 1];
    r->pos += 2;
    return 0;
}

static int
rd_u24(struct rd *r, size_t *v)
{
    if (r->end - r->pos < 3)
        return -1;
    *v = ((size_t)r->b[r->pos] << 16) | ((size_t)r->b[r->pos + 1] << 8) |
         r->b[r->pos + 2];
    r->pos += 3;
    return 0;
}

/* Take the next n bytes as a reader of their own. */
static int
rd_sub(struct rd *r, size_t n, struct rd *sub)
{
    if (r->end - r->pos < n)
        return -1;
    sub->b = r->b;
    sub->pos = r->pos;
    sub->end = r->pos + n;
    r->pos += n;
    return 0;
}

static size_t
rd_left(const struct rd *r)
{
    return r->end - r->pos;
}

/* ---------------------------------------------------------------- */
/* Encoding.                                                         */

/* The lists an encoding needs, checked before anything is written. */
static int
check_offer(const struct mx_hello *h, struct mx_error *err)
{
    size_t i, total;

    if (h->flags & MX_HELLO_GROUPS) {
        if (h->ngroups == 0 || h->groups == NULL) {
            mx_error_set(err, MX_E_USAGE, "supported_groups without groups");
            return -1;
        }
        if (h->ngroups > 32767) {
            mx_error_set(err, MX_E_USAGE, "too many groups (%zu)", h->ngroups);
            return -1;
        }
    }
    if (h->flags & MX_HELLO_SIGALGS) {
        if (h->nsigalgs == 0 || h->sigalgs == NULL) {
            mx_error_set(err, MX_E_USAGE,
                         "signature_algorithms without algorithms");
            return -1;
        }
        if (h->nsigalgs > 32767) {
            mx_error_set(err, MX_E_USAGE, "too many signature algorithms (%zu)",
                         h->nsigalgs);
            return -1;
        }
    }
    if (h->flags & MX_HELLO_VERSIONS) {
        if (h->nversions == 0 || h->versions == NULL) {
            mx_error_set(err, MX_E_USAGE,
                         "supported_versions without versions");
            return -1;
        }
        if (h->nversions > 127) {
            mx_error_set(err, MX_E_USAGE, "too many versions (%zu)",
                         h->nversions);
            return -1;
        }
    }
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
    if (fl & MX_HELLO_GROUPS) {
        e = ext_begin(w, EXT_GROUPS);
        put16(w, (unsigned)(2 * h->ngroups));
        put_u16_list(w, h->groups, h->ngroups);
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_TICKET)
        patch_len(w, ext_begin(w, EXT_TICKET), 2);
    if (fl & MX_HELLO_ETM)
        patch_len(w, ext_begin(w, EXT_ETM), 2);
    if (fl & MX_HELLO_EMS)
        patch_len(w, ext_begin(w, EXT_EMS), 2);
    if (fl & MX_HELLO_SIGALGS) {
        e = ext_begin(w, EXT_SIGALGS);
        put16(w, (unsigned)(2 * h->nsigalgs));
        put_u16_list(w, h->sigalgs, h->nsigalgs);
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_STATUS_REQ) {
        e = ext_begin(w, EXT_STATUS_REQ);
        put8(w, 1);  /* status_type ocsp */
        put16(w, 0); /* responder_id_list */
        put16(w, 0); /* request_extensions */
        patch_len(w, e, 2);
    }
    if (fl & MX_HELLO_VERSIONS) {
        e = ext_begin(w, EXT_VERSIONS);
        put8(w, (unsigned)(2 * h->nversions));
        put_u16_list(w, h->versions, h->nversions);
        patch_len(w, e, 2);
    }
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

int
mx_hello_encode(const struct mx_hello *h, uint8_t *out, size_t cap, size_t *len,
                struct mx_error *err)
{
    uint8_t tmp[5 + MAX_PLAINTEXT + 8]; /* slack: the block placeholder */
    struct wr w = {tmp, sizeof(tmp), 0, 0};
    size_t hs_at, ext_at, hs_len, pad, sid, over;
    int has_ext;

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
    if (h->nsuites == 0 || h->suites == NULL) {
        mx_error_set(err, MX_E_USAGE, "no cipher suites to offer");
        return -1;
    }
    if (h->nsuites > 32767) {
        mx_error_set(err, MX_E_USAGE, "too many cipher suites (%zu)",
                     h->nsuites);
        return -1;
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

    /* The length as it would go out without padding: without the
     * extensions block length when there is no extension. */
    has_ext = w.len > ext_at + 2;
    hs_len = w.len - hs_at - (has_ext ? 0 : 2);
    if ((h->flags & MX_HELLO_PADDING) && hs_len >= PAD_FROM &&
        hs_len < PAD_TO) {
        over = has_ext ? 4 : 6; /* extension header (and block length) */
        pad = PAD_TO - hs_len > over ? PAD_TO - hs_len - over : 1;
        put16(&w, EXT_PADDING);
        put16(&w, (unsigned)pad);
        put_zeros(&w, pad);
    }
    if (w.len == ext_at + 2)
        w.len = ext_at; /* no extension at all: no extensions block */
    else
        patch_len(&w, ext_at, 2);
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

/* ---------------------------------------------------------------- */
/* Decoding a ClientHello.                                           */

static int
bad_hello(struct mx_error *err, const char *what, size_t at)
{
    mx_error_set(err, MX_E_USAGE, "ClientHello: %s at byte %zu", what, at);
    return -1;
}

/* A list of 16-bit values filling r exactly. */
static int
get_u16_list(struct rd *r, uint16_t *out, size_t max, size_t *n,
             const char *name, struct mx_error *err)
{
    unsigned v = 0;
    char what[80];

    if (rd_left(r) % 2 != 0) {
        snprintf(what, sizeof(what), "odd %s length", name);
        return bad_hello(err, what, r->pos);
    }
    if (rd_left(r) / 2 > max) {
        snprintf(what, sizeof(what), "more than %zu %s", max, name);
        return bad_hello(err, what, r->pos);
    }
    *n = 0;
    while (rd_u16(r, &v) == 0)
        out[(*n)++] = (uint16_t)v;
    return 0;
}

static int
decode_sni(struct rd *r, struct mx_hello_view *v, struct mx_error *err)
{
    unsigned list = 0, type = 0, n = 0;
    struct rd l;

    if (rd_u16(r, &list) < 0 || list != rd_left(r))
        return bad_hello(err, "bad server_name_list length", r->pos);
    rd_sub(r, list, &l);
    while (rd_left(&l) > 0) {
        if (rd_u8(&l, &type) < 0 || rd_u16(&l, &n) < 0 || n > rd_left(&l))
            return bad_hello(err, "bad server_name entry", l.pos);
        if (type == 0 && v->sni[0] == '\0') {
            if (n == 0 || n > sizeof(v->sni) - 1 ||
                memchr(l.b + l.pos, '\0', n) != NULL)
                return bad_hello(err, "bad host_name", l.pos);
            memcpy(v->sni, l.b + l.pos, n);
            v->sni[n] = '\0';
        }
        l.pos += n;
    }
    return 0;
}

static int
decode_key_share(struct rd *r, struct mx_hello_view *v, struct mx_error *err)
{
    unsigned list = 0, group = 0, n = 0;
    struct rd l;

    if (rd_u16(r, &list) < 0 || list != rd_left(r))
        return bad_hello(err, "bad client_shares length", r->pos);
    rd_sub(r, list, &l);
    while (rd_left(&l) > 0) {
        if (rd_u16(&l, &group) < 0 || rd_u16(&l, &n) < 0 || n > rd_left(&l))
            return bad_hello(err, "bad key share entry", l.pos);
        if (v->nshares >= sizeof(v->share_groups) / sizeof(v->share_groups[0]))
            return bad_hello(err, "more than 16 key shares", l.pos);
        v->share_groups[v->nshares] = (uint16_t)group;
        v->share_lens[v->nshares] = n;
        v->nshares++;
        l.pos += n;
    }
    return 0;
}

static int
decode_extension(unsigned type, struct rd *e, struct mx_hello_view *v,
                 struct mx_error *err)
{
    unsigned n = 0;
    struct rd l;

    switch (type) {
    case EXT_SNI:
        return decode_sni(e, v, err);
    case EXT_GROUPS:
    case EXT_SIGALGS:
        if (rd_u16(e, &n) < 0 || n != rd_left(e))
            return bad_hello(err, "bad list length", e->pos);
        rd_sub(e, n, &l);
        if (type == EXT_GROUPS)
            return get_u16_list(&l, v->groups, 64, &v->ngroups, "groups", err);
        return get_u16_list(&l, v->sigalgs, 64, &v->nsigalgs,
                            "signature algorithms", err);
    case EXT_VERSIONS:
        if (rd_u8(e, &n) < 0 || n != rd_left(e))
            return bad_hello(err, "bad supported_versions length", e->pos);
        rd_sub(e, n, &l);
        return get_u16_list(&l, v->versions, 32, &v->nversions, "versions",
                            err);
    case EXT_KEY_SHARE:
        return decode_key_share(e, v, err);
    default:
        return 0;
    }
}

static int
decode_ssl2(const uint8_t *buf, size_t len, struct mx_hello_view *v,
            struct mx_error *err)
{
    struct rd r = {buf, 0, len};
    unsigned rlen, type = 0, ver = 0, cslen = 0, sidlen = 0, chlen = 0;
    unsigned hi = 0, lo = 0;
    size_t i;

    rlen = ((unsigned)(buf[0] & 0x7f) << 8) | buf[1];
    if (rlen != len - 2)
        return bad_hello(err, "SSLv2 record length does not match", 0);
    r.pos = 2;
    if (rd_u8(&r, &type) < 0 || type != 1)
        return bad_hello(err, "not an SSLv2 CLIENT-HELLO", 2);
    if (rd_u16(&r, &ver) < 0 || rd_u16(&r, &cslen) < 0 ||
        rd_u16(&r, &sidlen) < 0 || rd_u16(&r, &chlen) < 0)
        return bad_hello(err, "SSLv2 CLIENT-HELLO too short", r.pos);
    if ((size_t)cslen + sidlen + chlen != rd_left(&r))
        return bad_hello(err, "SSLv2 CLIENT-HELLO lengths do not add up",
                         r.pos);
    if (cslen % 3 != 0 || cslen / 3 > MX_HELLO_MAX_LIST)
        return bad_hello(err, "bad SSLv2 cipher specs length", 3);
    if (sidlen > 32)
        return bad_hello(err, "SSLv2 session id over 32 bytes", 5);
    if (chlen < 16 || chlen > 32)
        return bad_hello(err, "SSLv2 challenge not 16..32 bytes", 7);
    v->sslv2 = 1;
    v->legacy_version = (uint16_t)ver;
    for (i = 0; i < cslen / 3; i++) {
        rd_u8(&r, &hi);
        rd_u16(&r, &lo);
        v->ssl2_ciphers[v->nssl2_ciphers++] = ((uint32_t)hi << 16) | lo;
        if (hi == 0)
            v->suites[v->nsuites++] = (uint16_t)lo;
    }
    memcpy(v->session_id, buf + r.pos, sidlen);
    v->session_id_len = sidlen;
    r.pos += sidlen;
    memcpy(v->random + 32 - chlen, buf + r.pos, chlen);
    return 0;
}

int
mx_hello_decode(const uint8_t *buf, size_t len, struct mx_hello_view *v,
                struct mx_error *err)
{
    struct rd r = {buf, 0, len}, ext, e;
    unsigned type = 0, u = 0, sidlen = 0, n = 0, etype = 0, elen = 0;
    size_t rlen, hlen = 0, i;

    if (v == NULL) {
        mx_error_set(err, MX_E_USAGE, "ClientHello: no view to fill");
        return -1;
    }
    memset(v, 0, sizeof(*v));
    if (buf == NULL || len < 2)
        return bad_hello(err, "too short for a record header", 0);
    if (buf[0] & 0x80)
        return decode_ssl2(buf, len, v, err);
    if (len < 5)
        return bad_hello(err, "too short for a record header", 0);
    rd_u8(&r, &type);
    if (type != REC_HANDSHAKE)
        return bad_hello(err, "not a handshake record", 0);
    rd_u16(&r, &u);
    v->record_version = (uint16_t)u;
    rd_u16(&r, &u);
    rlen = u;
    if (rlen != len - 5)
        return bad_hello(err, "record length does not match the input", 3);
    if (rd_u8(&r, &type) < 0 || type != HS_CLIENT_HELLO)
        return bad_hello(err, "not a ClientHello", 5);
    if (rd_u24(&r, &hlen) < 0 || hlen != rd_left(&r))
        return bad_hello(err, "handshake length does not match the record", 6);
    if (rd_u16(&r, &u) < 0)
        return bad_hello(err, "truncated legacy_version", r.pos);
    v->legacy_version = (uint16_t)u;
    if (rd_left(&r) < 32)
        return bad_hello(err, "truncated random", r.pos);
    memcpy(v->random, buf + r.pos, 32);
    r.pos += 32;
    if (rd_u8(&r, &sidlen) < 0 || sidlen > 32 || sidlen > rd_left(&r))
        return bad_hello(err, "bad legacy_session_id length", r.pos);
    memcpy(v->session_id, buf + r.pos, sidlen);
    v->session_id_len = sidlen;
    r.pos += sidlen;
    if (rd_u16(&r, &n) < 0 || n < 2 || rd_sub(&r, n, &e) < 0)
        return bad_hello(err, "bad cipher_suites length", r.pos - 2);
    if (get_u16_list(&e, v->suites, MX_HELLO_MAX_LIST, &v->nsuites,
                     "cipher suites", err) < 0)
        return -1;
    if (rd_u8(&r, &n) < 0 || n < 1 || rd_sub(&r, n, &e) < 0)
        return bad_hello(err, "bad compression_methods length", r.pos);
    if (n > sizeof(v->compressions))
        return bad_hello(err, "more than 16 compression methods", e.pos);
    memcpy(v->compressions, buf + e.pos, n);
    v->ncompressions = n;
    if (rd_left(&r) == 0)
        return 0; /* no extensions block */
    if (rd_u16(&r, &n) < 0 || n != rd_left(&r))
        return bad_hello(err, "bad extensions length", r.pos);
    rd_sub(&r, n, &ext);
    while (rd_left(&ext) > 0) {
        size_t at = ext.pos;

        if (rd_u16(&ext, &etype) < 0 || rd_u16(&ext, &elen) < 0 ||
            rd_sub(&ext, elen, &e) < 0)
            return bad_hello(err, "extension overflows the block", at);
        for (i = 0; i < v->nextensions; i++)
            if (v->extensions[i] == etype)
                return bad_hello(err, "duplicate extension", at);
        if (v->nextensions >= sizeof(v->extensions) / sizeof(v->extensions[0]))
            return bad_hello(err, "more than 64 extensions", at);
        v->extensions[v->nextensions++] = (uint16_t)etype;
        if (decode_extension(etype, &e, v, err) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- */
/* The server's first flight.                                        */

/* Stages after the ServerHello, in RFC 5246 7.3 order. */
enum {
    ST_START = 0,
    ST_HELLO,
    ST_CERT,
    ST_STATUS,
    ST_SKE,
    ST_CERT_REQ,
    ST_DONE
};

static void bad(struct mx_flight *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad(struct mx_flight *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(f->reason, sizeof(f->reason), fmt, ap) < 0)
        f->reason[0] = '\0';
    va_end(ap);
    f->verdict = MX_V_MALFORMED;
}

void
mx_flight_init(struct mx_flight *f, int stop)
{
    size_t after = offsetof(struct mx_flight, hs) + sizeof(f->hs);

    /* Everything but the handshake buffer, which needs no clearing. */
    memset(f, 0, offsetof(struct mx_flight, hs));
    memset((uint8_t *)f + after, 0, sizeof(*f) - after);
    f->stop = stop;
    f->verdict = MX_V_NEED_MORE;
    f->first = 1;
}

const char *
mx_verdict_name(enum mx_verdict v)
{
    switch (v) {
    case MX_V_NEED_MORE:
        return "need-more";
    case MX_V_SERVER_HELLO:
        return "server-hello";
    case MX_V_HRR:
        return "hello-retry-request";
    case MX_V_ALERT:
        return "alert";
    case MX_V_SSL2_HELLO:
        return "sslv2-server-hello";
    case MX_V_MALFORMED:
        return "malformed";
    }
    return "invalid";
}

/* The signature that ends a ServerKeyExchange: nothing (anonymous), or
 * [SignatureAndHashAlgorithm, TLS 1.2] opaque signature<0..2^16-1> taking
 * exactly the rest. */
static int
ske_signature(struct rd *r, int tls12, unsigned *sigalg)
{
    unsigned n = 0;

    *sigalg = 0;
    if (rd_left(r) == 0)
        return 0;
    if (tls12 && rd_u16(r, sigalg) < 0)
        return -1;
    if (rd_u16(r, &n) < 0 || n != rd_left(r))
        return -1;
    return 0;
}

/* ServerECDHParams with a named curve (RFC 8422 5.4). */
static int
ske_ecdhe(struct rd r, int tls12, unsigned *group, unsigned *sigalg,
          struct rd *point)
{
    unsigned type = 0, n = 0;

    if (rd_u8(&r, &type) < 0 || type != 3 || rd_u16(&r, group) < 0 ||
        rd_u8(&r, &n) < 0 || n == 0 || rd_sub(&r, n, point) < 0)
        return -1;
    return ske_signature(&r, tls12, sigalg);
}

/* ServerDHParams (RFC 5246 7.4.3): p, g, Ys, each <1..2^16-1>. */
static int
ske_dhe(struct rd r, int tls12, int *bits, unsigned *sigalg)
{
    unsigned n = 0, i;
    struct rd p, x;
    int b = 0;

    if (rd_u16(&r, &n) < 0 || n == 0 || rd_sub(&r, n, &p) < 0)
        return -1;
    for (i = 0; i < 2; i++)
        if (rd_u16(&r, &n) < 0 || n == 0 || rd_sub(&r, n, &x) < 0)
            return -1;
    if (ske_signature(&r, tls12, sigalg) < 0)
        return -1;
    while (p.pos < p.end && p.b[p.pos] == 0)
        p.pos++;
    if (p.pos < p.end) {
        unsigned top = p.b[p.pos];

        b = (int)(8 * (rd_left(&p) - 1));
        while (top != 0) {
            b++;
            top >>= 1;
        }
    }
    *bits = b;
    return 0;
}

static void
server_key_exchange(struct mx_flight *f, struct rd r)
{
    int tls12 = f->version == 0x0303;
    unsigned group = 0, sigalg = 0;
    struct rd point = {NULL, 0, 0};
    int bits = 0;

    if (ske_ecdhe(r, tls12, &group, &sigalg, &point) == 0) {
        f->group = (uint16_t)group;
        f->ske_sigalg = (uint16_t)sigalg;
        f->ske_point_len = rd_left(&point);
        f->ske_point_first = point.b[point.pos];
    } else if (ske_dhe(r, tls12, &bits, &sigalg) == 0) {
        f->dh_bits = bits;
        f->ske_sigalg = (uint16_t)sigalg;
    }
    /* else: another kind of key exchange; see the comment at the top */
}

static void
certificate(struct mx_flight *f, struct rd r)
{
    size_t list = 0, n = 0;
    struct rd l;

    if (rd_u24(&r, &list) < 0 || list != rd_left(&r)) {
        bad(f, "bad Certificate list length");
        return;
    }
    rd_sub(&r, list, &l);
    while (rd_left(&l) > 0) {
        if (rd_u24(&l, &n) < 0 || n == 0 || n > rd_left(&l)) {
            bad(f, "bad certificate length in Certificate");
            return;
        }
        if (f->ncerts == 0) {
            f->leaf = l.b + l.pos;
            f->leaf_len = n;
        }
        f->ncerts++;
        l.pos += n;
    }
}

/* One ServerHello extension; 0 or -1 (f->reason set). */
static int
sh_extension(struct mx_flight *f, unsigned type, struct rd e, int hrr,
             unsigned *sv)
{
    unsigned v = 0, n = 0;

    switch (type) {
    case EXT_VERSIONS:
        if (rd_u16(&e, &v) < 0 || rd_left(&e) != 0) {
            bad(f, "bad supported_versions in ServerHello");
            return -1;
        }
        *sv = v;
        return 0;
    case EXT_KEY_SHARE:
        if (rd_u16(&e, &v) < 0) {
            bad(f, "bad key_share in ServerHello");
            return -1;
        }
        if (hrr) {
            if (rd_left(&e) != 0) {
                bad(f, "bad key_share in HelloRetryRequest");
                return -1;
            }
            f->hrr_group = (uint16_t)v;
            return 0;
        }
        if (rd_u16(&e, &n) < 0 || n == 0 || n != rd_left(&e)) {
            bad(f, "bad key_share in ServerHello");
            return -1;
        }
        f->group = (uint16_t)v;
        f->share_len = n;
        f->share_first = e.b[e.pos];
        return 0;
    case EXT_EMS:
        if (rd_left(&e) != 0) {
            bad(f, "extended_master_secret not empty");
            return -1;
        }
        f->ems = 1;
        return 0;
    case EXT_RENEG:
        if (rd_u8(&e, &n) < 0 || n != rd_left(&e)) {
            bad(f, "bad renegotiation_info");
            return -1;
        }
        f->reneg = 1;
        return 0;
    default:
        return 0;
    }
}

static void
server_hello(struct mx_flight *f, struct rd r)
{
    unsigned v = 0, sidlen = 0, suite = 0, comp = 0, n = 0, type = 0;
    unsigned elen = 0, sv = 0;
    size_t i;
    const uint8_t *random;
    struct rd ext, e;
    int hrr;

    if (rd_u16(&r, &v) < 0 || rd_left(&r) < 32) {
        bad(f, "ServerHello too short");
        return;
    }
    f->legacy_version = (uint16_t)v;
    random = r.b + r.pos;
    r.pos += 32;
    if (rd_u8(&r, &sidlen) < 0) {
        bad(f, "ServerHello too short");
        return;
    }
    if (sidlen > 32) {
        bad(f, "ServerHello session_id length %u", sidlen);
        return;
    }
    if (rd_left(&r) < sidlen) {
        bad(f, "ServerHello too short");
        return;
    }
    memcpy(f->session_id, r.b + r.pos, sidlen);
    f->session_id_len = sidlen;
    r.pos += sidlen;
    if (rd_u16(&r, &suite) < 0 || rd_u8(&r, &comp) < 0) {
        bad(f, "ServerHello too short");
        return;
    }
    f->suite = (uint16_t)suite;
    f->compression = (uint8_t)comp;
    hrr = memcmp(random, hrr_random, 32) == 0;
    if (rd_left(&r) > 0) {
        if (rd_u16(&r, &n) < 0 || n != rd_left(&r)) {
            bad(f, "bad ServerHello extensions length");
            return;
        }
        rd_sub(&r, n, &ext);
        while (rd_left(&ext) > 0) {
            if (rd_u16(&ext, &type) < 0 || rd_u16(&ext, &elen) < 0 ||
                rd_sub(&ext, elen, &e) < 0) {
                bad(f, "ServerHello extension overflows its block");
                return;
            }
            for (i = 0; i < f->nextensions; i++)
                if (f->extensions[i] == type) {
                    bad(f, "duplicate ServerHello extension %u", type);
                    return;
                }
            if (f->nextensions >= sizeof(f->extensions) / sizeof(uint16_t)) {
                bad(f, "more than 64 ServerHello extensions");
                return;
            }
            f->extensions[f->nextensions++] = (uint16_t)type;
            if (sh_extension(f, type, e, hrr, &sv) < 0)
                return;
        }
    }
    f->version = (uint16_t)(sv != 0 ? sv : v);
    f->have_hello = 1;
    if (!hrr && memcmp(random + 24, downgrade_prefix, 7) == 0) {
        if (random[31] == 1)
            f->downgrade = MX_DOWNGRADE_TLS12;
        else if (random[31] == 0)
            f->downgrade = MX_DOWNGRADE_TLS11;
    }
    if (hrr) {
        f->hrr = 1;
        f->verdict = MX_V_HRR;
        return;
    }
    f->stage = ST_HELLO;
    if (f->stop == MX_FLIGHT_STOP_HELLO || f->version < 0x0300 ||
        f->version > 0x0303)
        f->verdict = MX_V_SERVER_HELLO;
}

/* The stage a handshake message type belongs to after a TLS <= 1.2
 * ServerHello, or -1. */
static int
stage_of(unsigned type)
{
    switch (type) {
    case HS_CERTIFICATE:
        return ST_CERT;
    case HS_CERT_STATUS:
        return ST_STATUS;
    case HS_SKE:
        return ST_SKE;
    case HS_CERT_REQ:
        return ST_CERT_REQ;
    case HS_HELLO_DONE:
        return ST_DONE;
    default:
        return -1;
    }
}

/* Is a message of this type acceptable now? Says why not in f. */
static int
expected(struct mx_flight *f, unsigned type)
{
    int st;

    if (type == HS_HELLO_REQ)
        return 1;
    if (f->stage == ST_START) {
        if (type == HS_SERVER_HELLO)
            return 1;
        bad(f, "expected ServerHello, got handshake message type %u", type);
        return 0;
    }
    st = stage_of(type);
    if (st < 0) {
        bad(f, "unexpected handshake message type %u after ServerHello", type);
        return 0;
    }
    if (st <= f->stage) {
        bad(f, "handshake message type %u out of order", type);
        return 0;
    }
    return 1;
}

static void
handshake_message(struct mx_flight *f, unsigned type, struct rd m)
{
    switch (type) {
    case HS_HELLO_REQ:
        if (rd_left(&m) != 0)
            bad(f, "HelloRequest not empty");
        return;
    case HS_SERVER_HELLO:
        server_hello(f, m);
        return;
    case HS_CERTIFICATE:
        certificate(f, m);
        break;
    case HS_SKE:
        server_key_exchange(f, m);
        break;
    case HS_HELLO_DONE:
        if (rd_left(&m) != 0) {
            bad(f, "ServerHelloDone not empty");
            return;
        }
        f->done = 1;
        f->verdict = MX_V_SERVER_HELLO;
        break;
    default: /* CertificateStatus, CertificateRequest: not looked into */
        break;
    }
    if (f->verdict == MX_V_NEED_MORE)
        f->stage = stage_of(type);
}

/* Parse every complete handshake message in the stream. Returns the
 * stream offset just past the byte that gave a verdict (the last byte of
 * a message header or of a message), or 0 when there is none yet. */
static size_t
handshake_messages(struct mx_flight *f)
{
    while (f->verdict == MX_V_NEED_MORE && f->hs_len - f->hs_used >= 4) {
        const uint8_t *h = f->hs + f->hs_used;
        size_t mlen = ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
        struct rd m;

        if (mlen > MX_FLIGHT_MAX - f->hs_used - 4) {
            bad(f, "flight too large (handshake message of %zu bytes)", mlen);
            return f->hs_used + 4;
        }
        if (!expected(f, h[0]))
            return f->hs_used + 4;
        if (f->hs_len - f->hs_used - 4 < mlen)
            return 0;
        m.b = f->hs;
        m.pos = f->hs_used + 4;
        m.end = m.pos + mlen;
        f->hs_used += 4 + mlen;
        handshake_message(f, h[0], m);
        if (f->verdict != MX_V_NEED_MORE)
            return f->hs_used;
    }
    return 0;
}

static void
alert(struct mx_flight *f)
{
    f->alert_level = f->alert_buf[0];
    f->alert_desc = f->alert_buf[1];
    if (f->alert_level == 1 && f->alert_desc != 0 && f->alert_desc != 90) {
        if (++f->warnings > MAX_WARNINGS)
            bad(f, "too many warning alerts");
        return;
    }
    f->verdict = MX_V_ALERT;
}

static void
ssl2_error(struct mx_flight *f, unsigned code)
{
    const char *name;
    int desc;

    switch (code) {
    case 1:
        name = "NO-CIPHER-ERROR";
        desc = 40;
        break;
    case 2:
        name = "NO-CERTIFICATE-ERROR";
        desc = 41;
        break;
    case 4:
        name = "BAD-CERTIFICATE-ERROR";
        desc = 42;
        break;
    case 6:
        name = "UNSUPPORTED-CERTIFICATE-TYPE-ERROR";
        desc = 43;
        break;
    default:
        name = "unknown error";
        desc = 40;
        break;
    }
    snprintf(f->reason, sizeof(f->reason), "SSLv2 ERROR 0x%04x (%s)", code,
             name);
    f->alert_level = 2;
    f->alert_desc = desc;
    f->verdict = MX_V_ALERT;
}

/* A whole SSLv2 record is in hs. */
static void
ssl2_record(struct mx_flight *f)
{
    struct rd r = {f->hs, 0, f->hs_len};
    unsigned type = 0, hit = 0, ctype = 0, ver = 0, clen = 0, cslen = 0;
    unsigned cidlen = 0, hi = 0, lo = 0;
    size_t i;

    f->record_version = 0x0002;
    rd_u8(&r, &type);
    if (type == 0) {
        if (rd_u16(&r, &lo) < 0 || rd_left(&r) != 0) {
            bad(f, "bad SSLv2 ERROR length");
            return;
        }
        ssl2_error(f, lo);
        return;
    }
    if (rd_u8(&r, &hit) < 0 || rd_u8(&r, &ctype) < 0 || rd_u16(&r, &ver) < 0 ||
        rd_u16(&r, &clen) < 0 || rd_u16(&r, &cslen) < 0 ||
        rd_u16(&r, &cidlen) < 0) {
        bad(f, "SSLv2 SERVER-HELLO too short");
        return;
    }
    if ((size_t)clen + cslen + cidlen != rd_left(&r) || cslen % 3 != 0) {
        bad(f, "SSLv2 SERVER-HELLO lengths do not add up");
        return;
    }
    f->ssl2_version = (uint16_t)ver;
    f->version = (uint16_t)ver;
    if (clen > 0) {
        f->leaf = f->hs + r.pos;
        f->leaf_len = clen;
        f->ncerts = 1;
    }
    r.pos += clen;
    for (i = 0; i < cslen / 3; i++) {
        rd_u8(&r, &hi);
        rd_u16(&r, &lo);
        if (f->nssl2_ciphers < sizeof(f->ssl2_ciphers) / sizeof(uint32_t))
            f->ssl2_ciphers[f->nssl2_ciphers++] = ((uint32_t)hi << 16) | lo;
    }
    f->verdict = MX_V_SSL2_HELLO;
}

/* One byte of a record header. */
static void
header_byte(struct mx_flight *f, uint8_t c)
{
    size_t len;

    f->rec[f->rec_have++] = c;
    if (f->rec_have == 1) {
        if (f->first && (c & 0x80)) {
            f->rec_type = REC_SSL2;
            return;
        }
        if (c < REC_CCS || c > REC_APPDATA) {
            if (f->first)
                bad(f, "not TLS (first byte 0x%02x)", c);
            else
                bad(f, "unexpected record type %u", c);
            return;
        }
        f->rec_type = c;
        return;
    }
    if (f->rec_type == REC_SSL2) {
        /* 2-byte header: the length; the message type follows */
        len = ((size_t)(f->rec[0] & 0x7f) << 8) | f->rec[1];
        if (len < 3) {
            bad(f, "SSLv2 record too short (%zu bytes)", len);
            return;
        }
        f->rec_left = len;
        f->first = 0;
        return;
    }
    if (f->rec_have == 2 && c != 3) {
        if (f->first)
            bad(f, "not TLS (record version major %u)", c);
        else
            bad(f, "bad record version major %u", c);
        return;
    }
    if (f->rec_have < 5)
        return;

    len = ((size_t)f->rec[3] << 8) | f->rec[4];
    if (f->first) {
        f->record_version = (uint16_t)(((unsigned)f->rec[1] << 8) | f->rec[2]);
        f->first = 0;
    }
    if (len > MAX_RECORD) {
        bad(f, "record overflow (%zu bytes)", len);
        return;
    }
    if (f->rec_type != REC_HANDSHAKE && f->hs_len > f->hs_used) {
        bad(f, "handshake message cut by a record of type %u", f->rec_type);
        return;
    }
    switch (f->rec_type) {
    case REC_HANDSHAKE:
        if (len == 0)
            bad(f, "zero-length handshake record");
        break;
    case REC_ALERT:
        if (len != 2)
            bad(f, "bad alert length %zu", len);
        f->alert_have = 0;
        break;
    case REC_CCS:
        if (f->stage == ST_START)
            bad(f, "change_cipher_spec before ServerHello");
        else if (len != 1)
            bad(f, "bad change_cipher_spec length %zu", len);
        break;
    default:
        if (f->stage == ST_START)
            bad(f, "application data before ServerHello");
        else
            bad(f, "application data before ServerHelloDone");
        break;
    }
    f->rec_left = len;
}

/* Up to n bytes of a record's body; returns how many were taken: when a
 * verdict is reached, up to the byte that gave it, whatever the chunking
 * (so total does not depend on how the input was cut). */
static size_t
body_bytes(struct mx_flight *f, const uint8_t *p, size_t n)
{
    size_t take = n < f->rec_left ? n : f->rec_left, old, put, at;

    if (take == 0)
        return 0;
    switch (f->rec_type) {
    case REC_SSL2:
        /* 15-bit length: always fits the buffer */
        if (f->hs_len == 0 && p[0] != 0 && p[0] != 4) {
            bad(f, "not TLS (SSLv2 message type %u)", p[0]);
            return 1;
        }
        memcpy(f->hs + f->hs_len, p, take);
        f->hs_len += take;
        f->rec_left -= take;
        if (f->rec_left == 0)
            ssl2_record(f);
        return take;
    case REC_HANDSHAKE:
        /* What fits is parsed first: a verdict in it comes first. */
        old = f->hs_len;
        put = take < MX_FLIGHT_MAX - old ? take : MX_FLIGHT_MAX - old;
        memcpy(f->hs + old, p, put);
        f->hs_len += put;
        f->rec_left -= put;
        at = handshake_messages(f);
        if (f->verdict != MX_V_NEED_MORE)
            return at > old ? at - old : 1;
        if (put < take) {
            bad(f, "flight too large (over %d handshake bytes)", MX_FLIGHT_MAX);
            return put + 1;
        }
        return take;
    case REC_ALERT:
        memcpy(f->alert_buf + f->alert_have, p, take);
        f->alert_have += take;
        f->rec_left -= take;
        if (f->rec_left == 0)
            alert(f);
        return take;
    case REC_CCS:
        if (p[0] != 1) {
            bad(f, "bad change_cipher_spec value %u", p[0]);
            return take;
        }
        f->rec_left = 0;
        f->verdict = MX_V_SERVER_HELLO;
        return take;
    default:
        f->rec_left -= take;
        return take;
    }
}

enum mx_verdict
mx_flight_feed(struct mx_flight *f, const uint8_t *buf, size_t n)
{
    size_t i = 0, hdr;

    if (f == NULL)
        return MX_V_MALFORMED;
    if (buf == NULL)
        return f->verdict;
    while (f->verdict == MX_V_NEED_MORE && i < n) {
        hdr = f->rec_type == REC_SSL2 ? 2 : 5;
        if (f->rec_have < hdr || f->rec_have == 0) {
            header_byte(f, buf[i++]);
            continue;
        }
        i += body_bytes(f, buf + i, n - i);
        if (f->rec_left == 0)
            f->rec_have = 0; /* the next record */
    }
    f->total += i;
    return f->verdict;
}
