/*
 * hello_decode.c - the ClientHello decoder (mx_hello_decode, hello.h):
 * one whole record, TLS or SSLv2, into a struct mx_hello_view. Pure: no
 * I/O, no global state, no TLS library.
 *
 * Error contract: mx_hello_decode returns 0, or -1 with a struct mx_error
 * (USAGE) that says what is wrong and at which byte offset of its input.
 * Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hello.h"
#include "hello_int.h"

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

/* A list with a 16-bit length that fills r exactly, as the reader l.
 * 0, or -1 (r->pos is past the length when the length was there). */
static int
list16(struct rd *r, struct rd *l)
{
    unsigned n = 0;

    if (rd_u16(r, &n) < 0 || n != rd_left(r))
        return -1;
    return rd_sub(r, n, l);
}

static int
decode_sni(struct rd *r, struct mx_hello_view *v, struct mx_error *err)
{
    unsigned type = 0, n = 0;
    struct rd l;

    if (list16(r, &l) < 0)
        return bad_hello(err, "bad server_name_list length", r->pos);
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
    unsigned group = 0, n = 0;
    struct rd l;

    if (list16(r, &l) < 0)
        return bad_hello(err, "bad client_shares length", r->pos);
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

/*
 * The fragments of the handshake records b[0..len) joined into one record
 * in *out (malloc'd, *out_len bytes): 1. 0 (and *out NULL) when b is not
 * a clean sequence of two or more non-empty handshake records whose
 * fragments fit in one record's length field: nothing to join. -1 for
 * memory.
 */
static int
join_records(const uint8_t *b, size_t len, uint8_t **out, size_t *out_len)
{
    size_t off = 0, total = 0, nrec = 0, rlen;

    *out = NULL;
    while (off + 5 <= len && b[off] == REC_HANDSHAKE) {
        rlen = (size_t)b[off + 3] << 8 | b[off + 4];
        if (rlen == 0 || off + 5 + rlen > len)
            return 0;
        total += rlen;
        off += 5 + rlen;
        nrec++;
    }
    if (off != len || nrec < 2 || total > 0xffff)
        return 0;
    *out = malloc(5 + total);
    if (*out == NULL)
        return -1;
    memcpy(*out, b, 3);
    (*out)[3] = (uint8_t)(total >> 8);
    (*out)[4] = (uint8_t)(total & 0xff);
    for (off = 0, total = 5; off < len; off += 5 + rlen) {
        rlen = (size_t)b[off + 3] << 8 | b[off + 4];
        memcpy(*out + total, b + off + 5, rlen);
        total += rlen;
    }
    *out_len = total;
    return 1;
}

int
mx_hello_decode_records(const uint8_t *buf, size_t len, struct mx_hello_view *v,
                        int *joined, struct mx_error *err)
{
    uint8_t *one;
    size_t one_len = 0;
    int rc;

    if (joined != NULL)
        *joined = 0;
    rc = buf != NULL ? join_records(buf, len, &one, &one_len) : 0;
    if (rc < 0) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (rc == 0)
        return mx_hello_decode(buf, len, v, err);
    if (joined != NULL)
        *joined = 1;
    rc = mx_hello_decode(one, one_len, v, err);
    free(one);
    return rc;
}
