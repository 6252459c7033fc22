/*
 * hello_flight.c - the decoder of the server's first flight
 * (mx_flight_init, mx_flight_feed, hello.h). Pure: no I/O, no global
 * state, no TLS library.
 *
 * Error contract: mx_flight_feed never fails as a call: anything the
 * server gets wrong becomes the MX_V_MALFORMED verdict with a one-line
 * reason in f->reason. Nothing here prints.
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hello.h"
#include "hello_int.h"

#define MAX_WARNINGS 4

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
        mx_flight_bad(f, "expected ServerHello, got handshake message type %u",
                      type);
        return 0;
    }
    st = stage_of(type);
    if (st < 0) {
        mx_flight_bad(
            f, "unexpected handshake message type %u after ServerHello", type);
        return 0;
    }
    if (st <= f->stage) {
        mx_flight_bad(f, "handshake message type %u out of order", type);
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
            mx_flight_bad(f, "HelloRequest not empty");
        return;
    case HS_SERVER_HELLO:
        mx_flight_server_hello(f, m);
        return;
    case HS_CERTIFICATE:
        mx_flight_certificate(f, m);
        break;
    case HS_SKE:
        mx_flight_ske(f, m);
        break;
    case HS_HELLO_DONE:
        if (rd_left(&m) != 0) {
            mx_flight_bad(f, "ServerHelloDone not empty");
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
            mx_flight_bad(
                f, "flight too large (handshake message of %zu bytes)", mlen);
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
            mx_flight_bad(f, "too many warning alerts");
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
            mx_flight_bad(f, "bad SSLv2 ERROR length");
            return;
        }
        ssl2_error(f, lo);
        return;
    }
    if (rd_u8(&r, &hit) < 0 || rd_u8(&r, &ctype) < 0 || rd_u16(&r, &ver) < 0 ||
        rd_u16(&r, &clen) < 0 || rd_u16(&r, &cslen) < 0 ||
        rd_u16(&r, &cidlen) < 0) {
        mx_flight_bad(f, "SSLv2 SERVER-HELLO too short");
        return;
    }
    if ((size_t)clen + cslen + cidlen != rd_left(&r) || cslen % 3 != 0) {
        mx_flight_bad(f, "SSLv2 SERVER-HELLO lengths do not add up");
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
                mx_flight_bad(f, "not TLS (first byte 0x%02x)", c);
            else
                mx_flight_bad(f, "unexpected record type %u", c);
            return;
        }
        f->rec_type = c;
        return;
    }
    if (f->rec_type == REC_SSL2) {
        /* 2-byte header: the length; the message type follows */
        len = ((size_t)(f->rec[0] & 0x7f) << 8) | f->rec[1];
        if (len < 3) {
            mx_flight_bad(f, "SSLv2 record too short (%zu bytes)", len);
            return;
        }
        f->rec_left = len;
        f->first = 0;
        return;
    }
    if (f->rec_have == 2 && c != 3) {
        if (f->first)
            mx_flight_bad(f, "not TLS (record version major %u)", c);
        else
            mx_flight_bad(f, "bad record version major %u", c);
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
        mx_flight_bad(f, "record overflow (%zu bytes)", len);
        return;
    }
    if (f->rec_type != REC_HANDSHAKE && f->hs_len > f->hs_used) {
        mx_flight_bad(f, "handshake message cut by a record of type %u",
                      f->rec_type);
        return;
    }
    switch (f->rec_type) {
    case REC_HANDSHAKE:
        if (len == 0)
            mx_flight_bad(f, "zero-length handshake record");
        break;
    case REC_ALERT:
        if (len != 2)
            mx_flight_bad(f, "bad alert length %zu", len);
        f->alert_have = 0;
        break;
    case REC_CCS:
        if (f->stage == ST_START)
            mx_flight_bad(f, "change_cipher_spec before ServerHello");
        else if (len != 1)
            mx_flight_bad(f, "bad change_cipher_spec length %zu", len);
        break;
    default:
        if (f->stage == ST_START)
            mx_flight_bad(f, "application data before ServerHello");
        else
            mx_flight_bad(f, "application data before ServerHelloDone");
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
            mx_flight_bad(f, "not TLS (SSLv2 message type %u)", p[0]);
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
            mx_flight_bad(f, "flight too large (over %d handshake bytes)",
                          MX_FLIGHT_MAX);
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
            mx_flight_bad(f, "bad change_cipher_spec value %u", p[0]);
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
