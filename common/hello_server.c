/*
 * hello_server.c - the contents of the server's handshake messages in its
 * first flight: ServerHello (or HelloRetryRequest) with its extensions,
 * Certificate and ServerKeyExchange (hello_flight.c frames them; the
 * rules are in its top comment and in hello.h).
 *
 * Error contract: as hello_flight.c: what the server gets wrong becomes
 * the MX_V_MALFORMED verdict (mx_flight_bad). Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "hello.h"
#include "hello_int.h"

void
mx_flight_bad(struct mx_flight *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(f->reason, sizeof(f->reason), fmt, ap) < 0)
        f->reason[0] = '\0';
    va_end(ap);
    f->verdict = MX_V_MALFORMED;
}

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

/* "DOWNGRD", the first 7 bytes of both sentinels, RFC 8446 4.1.3. */
static const uint8_t downgrade_prefix[7] = {0x44, 0x4f, 0x57, 0x4e,
                                            0x47, 0x52, 0x44};

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

void
mx_flight_ske(struct mx_flight *f, struct rd r)
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

void
mx_flight_certificate(struct mx_flight *f, struct rd r)
{
    size_t list = 0, n = 0;
    struct rd l;

    if (rd_u24(&r, &list) < 0 || list != rd_left(&r)) {
        mx_flight_bad(f, "bad Certificate list length");
        return;
    }
    rd_sub(&r, list, &l);
    while (rd_left(&l) > 0) {
        if (rd_u24(&l, &n) < 0 || n == 0 || n > rd_left(&l)) {
            mx_flight_bad(f, "bad certificate length in Certificate");
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
            mx_flight_bad(f, "bad supported_versions in ServerHello");
            return -1;
        }
        *sv = v;
        return 0;
    case EXT_KEY_SHARE:
        if (rd_u16(&e, &v) < 0) {
            mx_flight_bad(f, "bad key_share in ServerHello");
            return -1;
        }
        if (hrr) {
            if (rd_left(&e) != 0) {
                mx_flight_bad(f, "bad key_share in HelloRetryRequest");
                return -1;
            }
            f->hrr_group = (uint16_t)v;
            return 0;
        }
        if (rd_u16(&e, &n) < 0 || n == 0 || n != rd_left(&e)) {
            mx_flight_bad(f, "bad key_share in ServerHello");
            return -1;
        }
        f->group = (uint16_t)v;
        f->share_len = n;
        f->share_first = e.b[e.pos];
        return 0;
    case EXT_EMS:
        if (rd_left(&e) != 0) {
            mx_flight_bad(f, "extended_master_secret not empty");
            return -1;
        }
        f->ems = 1;
        return 0;
    case EXT_RENEG:
        if (rd_u8(&e, &n) < 0 || n != rd_left(&e)) {
            mx_flight_bad(f, "bad renegotiation_info");
            return -1;
        }
        f->reneg = 1;
        return 0;
    default:
        return 0;
    }
}

void
mx_flight_server_hello(struct mx_flight *f, struct rd r)
{
    unsigned v = 0, sidlen = 0, suite = 0, comp = 0, n = 0, type = 0;
    unsigned elen = 0, sv = 0;
    size_t i;
    const uint8_t *random;
    struct rd ext, e;
    int hrr;

    if (rd_u16(&r, &v) < 0 || rd_left(&r) < 32) {
        mx_flight_bad(f, "ServerHello too short");
        return;
    }
    f->legacy_version = (uint16_t)v;
    random = r.b + r.pos;
    r.pos += 32;
    if (rd_u8(&r, &sidlen) < 0) {
        mx_flight_bad(f, "ServerHello too short");
        return;
    }
    if (sidlen > 32) {
        mx_flight_bad(f, "ServerHello session_id length %u", sidlen);
        return;
    }
    if (rd_left(&r) < sidlen) {
        mx_flight_bad(f, "ServerHello too short");
        return;
    }
    memcpy(f->session_id, r.b + r.pos, sidlen);
    f->session_id_len = sidlen;
    r.pos += sidlen;
    if (rd_u16(&r, &suite) < 0 || rd_u8(&r, &comp) < 0) {
        mx_flight_bad(f, "ServerHello too short");
        return;
    }
    f->suite = (uint16_t)suite;
    f->compression = (uint8_t)comp;
    hrr = memcmp(random, hrr_random, 32) == 0;
    if (rd_left(&r) > 0) {
        if (rd_u16(&r, &n) < 0 || n != rd_left(&r)) {
            mx_flight_bad(f, "bad ServerHello extensions length");
            return;
        }
        rd_sub(&r, n, &ext);
        while (rd_left(&ext) > 0) {
            if (rd_u16(&ext, &type) < 0 || rd_u16(&ext, &elen) < 0 ||
                rd_sub(&ext, elen, &e) < 0) {
                mx_flight_bad(f, "ServerHello extension overflows its block");
                return;
            }
            for (i = 0; i < f->nextensions; i++)
                if (f->extensions[i] == type) {
                    mx_flight_bad(f, "duplicate ServerHello extension %u",
                                  type);
                    return;
                }
            if (f->nextensions >= sizeof(f->extensions) / sizeof(uint16_t)) {
                mx_flight_bad(f, "more than 64 ServerHello extensions");
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
