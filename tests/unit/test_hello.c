/*
 * test_hello.c - the ClientHello codec, the decoder of the server's first
 * flight, and the key shares (hello_*.c, keyshare.c).
 *
 * Three kinds of checks: byte-exact vectors written out by hand from the
 * RFC layouts; real OpenSSL peers run over memory BIOs (no network): an
 * OpenSSL client's ClientHello must decode to what it was configured with,
 * and an OpenSSL server fed our ClientHellos must be described by the
 * flight decoder exactly as the server object reports itself (and its
 * answer must pass the checks a real client makes, shcheck.c); and
 * malformed input built by hand, including a ServerHello for each fault a
 * client must reject. Every server flight is also fed one byte
 * at a time and in random chunks, and must give the same result.
 *
 * With MXTLS_HELLO_CORPUS=DIR set, the real flights and hellos are written
 * to DIR as seeds for tests/fuzz/fuzz_flight.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hello.h"
#include "keyshare.h"
#include "shcheck.h"
#include "tap.h"

/* ---------------------------------------------------------------- */
/* Small helpers.                                                    */

static int
bytes_eq(const uint8_t *got, size_t gotlen, const uint8_t *want, size_t wantlen,
         const char *name)
{
    size_t i, n = gotlen < wantlen ? gotlen : wantlen;
    int same = gotlen == wantlen && (n == 0 || memcmp(got, want, n) == 0);

    if (!tap_ok(same, name)) {
        for (i = 0; i < n && got[i] == want[i]; i++)
            ;
        printf("#   lengths got %zu want %zu; first difference at byte %zu",
               gotlen, wantlen, i);
        if (i < n)
            printf(": got 0x%02x want 0x%02x", got[i], want[i]);
        printf("\n");
    }
    return same;
}

static int
u16_list_eq(const uint16_t *got, size_t ngot, const uint16_t *want,
            size_t nwant, const char *name)
{
    size_t i;
    int same = ngot == nwant;

    for (i = 0; same && i < ngot; i++)
        same = got[i] == want[i];
    if (!tap_ok(same, name)) {
        printf("#   got ");
        for (i = 0; i < ngot; i++)
            printf(" %04x", got[i]);
        printf("\n#   want");
        for (i = 0; i < nwant; i++)
            printf(" %04x", want[i]);
        printf("\n");
    }
    return same;
}

static int
has_ext(const struct mx_hello_view *v, uint16_t type)
{
    size_t i;

    for (i = 0; i < v->nextensions; i++)
        if (v->extensions[i] == type)
            return 1;
    return 0;
}

static uint32_t
xorshift(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* A byte builder for hand-made records. */
struct bb {
    uint8_t b[140000];
    size_t n;
};

static void
bb_put(struct bb *b, const void *p, size_t n)
{
    if (n > sizeof(b->b) - b->n)
        abort();
    if (n == 0)
        return;
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void
bb_u8(struct bb *b, unsigned v)
{
    uint8_t c = (uint8_t)v;

    bb_put(b, &c, 1);
}

static void
bb_u16(struct bb *b, unsigned v)
{
    bb_u8(b, v >> 8);
    bb_u8(b, v & 0xff);
}

static void
bb_u24(struct bb *b, size_t v)
{
    bb_u8(b, (unsigned)(v >> 16) & 0xff);
    bb_u16(b, (unsigned)(v & 0xffff));
}

/* Append one record of type holding n bytes of p. */
static void
bb_record(struct bb *b, unsigned type, const uint8_t *p, size_t n)
{
    bb_u8(b, type);
    bb_u16(b, 0x0303);
    bb_u16(b, (unsigned)n);
    bb_put(b, p, n);
}

/* Append a handshake message. */
static void
bb_hs(struct bb *b, unsigned type, const uint8_t *p, size_t n)
{
    bb_u8(b, type);
    bb_u24(b, n);
    bb_put(b, p, n);
}

static const uint8_t plain_random[32] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* A ServerHello message (with its handshake header) into b. exts is the
 * extensions block content; with_block 0 leaves the block out. */
static void
bb_server_hello(struct bb *b, unsigned version, const uint8_t *random,
                unsigned sidlen, unsigned suite, const uint8_t *exts,
                size_t extlen, int with_block)
{
    struct bb *m = malloc(sizeof(*m));
    unsigned i;

    if (m == NULL)
        abort();
    m->n = 0;
    bb_u16(m, version);
    bb_put(m, random != NULL ? random : plain_random, 32);
    bb_u8(m, sidlen);
    for (i = 0; i < sidlen; i++)
        bb_u8(m, 0x40 + i);
    bb_u16(m, suite);
    bb_u8(m, 0);
    if (with_block) {
        bb_u16(m, (unsigned)extlen);
        bb_put(m, exts, extlen);
    }
    bb_hs(b, 2, m->b, m->n);
    free(m);
}

/* ---------------------------------------------------------------- */
/* Feeding flights.                                                  */

static struct mx_flight fa, fb;

/* Feed n bytes in pieces: pattern 0 all at once, 1 one byte at a time,
 * else random sizes 1..pattern from seed. */
static enum mx_verdict
feed(struct mx_flight *f, int stop, const uint8_t *p, size_t n, int pattern,
     uint32_t seed)
{
    size_t i = 0, k;

    mx_flight_init(f, stop);
    while (i < n) {
        if (pattern == 0)
            k = n - i;
        else if (pattern == 1)
            k = 1;
        else
            k = 1 + xorshift(&seed) % (uint32_t)pattern;
        if (k > n - i)
            k = n - i;
        mx_flight_feed(f, p + i, k);
        i += k;
    }
    return f->verdict;
}

static int
same_flight(const struct mx_flight *a, const struct mx_flight *b)
{
    return a->verdict == b->verdict && strcmp(a->reason, b->reason) == 0 &&
           a->record_version == b->record_version &&
           a->legacy_version == b->legacy_version && a->version == b->version &&
           a->suite == b->suite && a->compression == b->compression &&
           a->group == b->group && a->hrr_group == b->hrr_group &&
           a->hrr == b->hrr && a->ems == b->ems && a->reneg == b->reneg &&
           a->dh_bits == b->dh_bits && a->ske_sigalg == b->ske_sigalg &&
           a->downgrade == b->downgrade && a->done == b->done &&
           a->leaf_len == b->leaf_len && a->ncerts == b->ncerts &&
           (a->leaf_len == 0 || memcmp(a->leaf, b->leaf, a->leaf_len) == 0) &&
           a->alert_level == b->alert_level && a->alert_desc == b->alert_desc &&
           a->ssl2_version == b->ssl2_version &&
           a->nssl2_ciphers == b->nssl2_ciphers &&
           memcmp(a->ssl2_ciphers, b->ssl2_ciphers, sizeof(a->ssl2_ciphers)) ==
               0 &&
           a->total == b->total;
}

/* Whole, one byte at a time, and random chunks: one check. */
static void
check_split(const char *name, int stop, const uint8_t *p, size_t n)
{
    static const int patterns[] = {1, 2, 3, 7, 64, 1000};
    char label[200];
    size_t i;
    uint32_t seed;
    int same = 1;

    feed(&fa, stop, p, n, 0, 0);
    for (i = 0; same && i < sizeof(patterns) / sizeof(patterns[0]); i++)
        for (seed = 1; same && seed <= 5; seed++) {
            feed(&fb, stop, p, n, patterns[i], seed * 2654435761u);
            same = same_flight(&fa, &fb);
            if (!same)
                printf("# split %d seed %u: %s (%s) vs %s (%s)\n", patterns[i],
                       seed, mx_verdict_name(fb.verdict), fb.reason,
                       mx_verdict_name(fa.verdict), fa.reason);
        }
    snprintf(label, sizeof(label), "%s: same result in any chunking", name);
    tap_ok(same, label);
}

/* Seeds for the fuzzer: first byte is the mode byte of fuzz_flight.c. */
static void
save_seed(const char *name, unsigned mode, const uint8_t *p, size_t n)
{
    const char *dir = getenv("MXTLS_HELLO_CORPUS");
    char path[512];
    FILE *fp;

    if (dir == NULL || *dir == '\0')
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "wb");
    if (fp == NULL)
        return;
    fputc((int)mode, fp);
    fwrite(p, 1, n, fp);
    fclose(fp);
}

/* ---------------------------------------------------------------- */
/* Encoding: byte-exact vectors.                                     */

static void
test_names(void)
{
    tap_is_str(mx_verdict_name(MX_V_NEED_MORE), "need-more", "name need-more");
    tap_is_str(mx_verdict_name(MX_V_SERVER_HELLO), "server-hello",
               "name server-hello");
    tap_is_str(mx_verdict_name(MX_V_HRR), "hello-retry-request", "name hrr");
    tap_is_str(mx_verdict_name(MX_V_ALERT), "alert", "name alert");
    tap_is_str(mx_verdict_name(MX_V_SSL2_HELLO), "sslv2-server-hello",
               "name sslv2");
    tap_is_str(mx_verdict_name(MX_V_MALFORMED), "malformed", "name malformed");
    tap_is_str(mx_verdict_name((enum mx_verdict)77), "invalid",
               "name of an unknown verdict");
}

static void
init_random(struct mx_hello *h)
{
    int i;

    for (i = 0; i < 32; i++) {
        h->random[i] = (uint8_t)i;
        h->session_id[i] = (uint8_t)(0xa0 + i);
    }
}

static void
test_encode_minimal(void)
{
    static const uint16_t suites[] = {0x002f, 0x00ff};
    static const uint8_t head[] = {0x16, 0x03, 0x00, 0x00,
                                   0x30, /* record: handshake, SSLv3, 48 */
                                   0x01, 0x00, 0x00, 0x2c, /* ClientHello, 44 */
                                   0x03, 0x00}; /* client_version SSLv3 */
    static const uint8_t tail[] = {
        0x00,                               /* no session id */
        0x00, 0x04, 0x00, 0x2f, 0x00, 0xff, /* two suites */
        0x02, 0x01, 0x00};                  /* DEFLATE, null; no extensions */
    struct mx_hello h;
    struct mx_error err;
    uint8_t out[600], want[100];
    size_t len = 0;
    int i;

    memset(&h, 0, sizeof(h));
    init_random(&h);
    h.record_version = 0x0300;
    h.legacy_version = 0x0300;
    h.suites = suites;
    h.nsuites = 2;
    h.flags = MX_HELLO_COMPRESSION;
    memcpy(want, head, sizeof(head));
    for (i = 0; i < 32; i++)
        want[sizeof(head) + i] = (uint8_t)i;
    memcpy(want + sizeof(head) + 32, tail, sizeof(tail));
    tap_is_int(mx_hello_encode(&h, out, sizeof(out), &len, &err), 0,
               "SSLv3-style hello encodes");
    bytes_eq(out, len, want, sizeof(head) + 32 + sizeof(tail),
             "SSLv3-style hello: exact bytes, no extensions block");

    /* record_version 0 is 0x0301, legacy_version 0 is 0x0303 */
    h.record_version = 0;
    h.legacy_version = 0;
    h.flags = 0;
    mx_hello_encode(&h, out, sizeof(out), &len, &err);
    tap_ok(out[1] == 3 && out[2] == 1 && out[9] == 3 && out[10] == 3,
           "record_version 0 -> 0x0301, legacy_version 0 -> 0x0303");
    tap_ok(len == 5 + 4 + 2 + 32 + 1 + 6 + 2 && out[len - 2] == 1 &&
               out[len - 1] == 0,
           "null compression only without MX_HELLO_COMPRESSION");
}

static void
test_encode_full(void)
{
    static const uint16_t suites[] = {0x1301, 0xc02f};
    static const uint16_t versions[] = {0x0304, 0x0303};
    static const uint16_t groups[] = {0x001d, 0x0017};
    static const uint16_t sigalgs[] = {0x0403, 0x0804};
    static const uint8_t share[] = {0xde, 0xad, 0xbe, 0xef};
    static const uint8_t head[] = {
        0x16, 0x03, 0x01, 0x00, 0xb4, /* record: 180 bytes */
        0x01, 0x00, 0x00, 0xb0,       /* ClientHello: 176 */
        0x03, 0x03};
    /* after random: session id, suites, compression, extensions */
    static const uint8_t body[] = {
        0x00, 0x04, 0x13, 0x01, 0xc0, 0x2f, /* cipher_suites */
        0x01, 0x00,                         /* null compression */
        0x00, 0x63,                         /* extensions: 99 bytes */
        /* server_name: list 12, host_name, 9, "a.example" */
        0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, 'a', '.', 'e',
        'x', 'a', 'm', 'p', 'l', 'e',
        /* ec_point_formats: uncompressed */
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
        /* supported_groups: x25519, secp256r1 */
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17,
        /* session_ticket, encrypt_then_mac, extended_master_secret */
        0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00,
        /* signature_algorithms */
        0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04,
        /* status_request: ocsp, no responder ids, no extensions */
        0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
        /* supported_versions: TLS 1.3, TLS 1.2 */
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
        /* psk_key_exchange_modes: psk_dhe_ke */
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,
        /* key_share: one x25519 entry of 4 bytes */
        0x00, 0x33, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00, 0x04, 0xde, 0xad,
        0xbe, 0xef,
        /* renegotiation_info: empty renegotiated_connection */
        0xff, 0x01, 0x00, 0x01, 0x00};
    struct mx_key_share ks = {0x001d, share, sizeof(share)};
    struct mx_hello h;
    struct mx_error err;
    uint8_t out[1000], want[400];
    size_t len = 0, n = 0;
    int i;

    memset(&h, 0, sizeof(h));
    init_random(&h);
    h.suites = suites;
    h.nsuites = 2;
    h.versions = versions;
    h.nversions = 2;
    h.groups = groups;
    h.ngroups = 2;
    h.sigalgs = sigalgs;
    h.nsigalgs = 2;
    h.shares = &ks;
    h.nshares = 1;
    h.sni = "a.example";
    h.flags = MX_HELLO_MODERN | MX_HELLO_ETM | MX_HELLO_STATUS_REQ;
    memcpy(want, head, sizeof(head));
    n = sizeof(head);
    for (i = 0; i < 32; i++)
        want[n++] = (uint8_t)i;
    want[n++] = 32;
    for (i = 0; i < 32; i++)
        want[n++] = (uint8_t)(0xa0 + i);
    memcpy(want + n, body, sizeof(body));
    n += sizeof(body);
    tap_is_int(mx_hello_encode(&h, out, sizeof(out), &len, &err), 0,
               "every extension: encodes");
    bytes_eq(out, len, want, n,
             "every extension: exact bytes in client order (180-byte "
             "hello, not padded)");

    /* an output buffer one byte short */
    tap_is_int(mx_hello_encode(&h, out, n - 1, &len, &err), -1,
               "output buffer one byte short: -1");
    tap_is_int(err.code, MX_E_USAGE, "... USAGE");
    tap_is_int(mx_hello_encode(&h, out, n, &len, &err), 0,
               "output buffer of the exact size: 0");
}

static void
test_encode_sslv2(void)
{
    static const uint32_t kinds[] = {0x010080, 0x0700c0};
    static const uint16_t suites[] = {0x0035};
    static const uint8_t head[] = {
        0x80, 0x22,       /* 2-byte header, 34 bytes */
        0x01,             /* MSG-CLIENT-HELLO */
        0x00, 0x02,       /* SSL 2.0 */
        0x00, 0x09,       /* cipher specs: 9 bytes */
        0x00, 0x00,       /* no session id */
        0x00, 0x10,       /* challenge: 16 bytes */
        0x01, 0x00, 0x80, /* SSL_CK_RC4_128_WITH_MD5 */
        0x07, 0x00, 0xc0, /* SSL_CK_DES_192_EDE3_CBC_WITH_MD5 */
        0x00, 0x00, 0x35};
    struct mx_hello h;
    struct mx_hello_view v;
    struct mx_error err;
    uint8_t out[200], want[100];
    size_t len = 0;
    int i;

    memset(&h, 0, sizeof(h));
    init_random(&h);
    h.sslv2 = 1;
    h.ssl2_ciphers = kinds;
    h.nssl2_ciphers = 2;
    h.suites = suites;
    h.nsuites = 1;
    memcpy(want, head, sizeof(head));
    for (i = 0; i < 16; i++)
        want[sizeof(head) + i] = (uint8_t)(16 + i);
    tap_is_int(mx_hello_encode(&h, out, sizeof(out), &len, &err), 0,
               "SSLv2 CLIENT-HELLO encodes");
    bytes_eq(out, len, want, sizeof(head) + 16,
             "SSLv2 CLIENT-HELLO: exact bytes");
    tap_is_int(mx_hello_decode(out, len, &v, &err), 0,
               "SSLv2 CLIENT-HELLO decodes");
    tap_ok(v.sslv2 == 1 && v.legacy_version == 2 && v.nssl2_ciphers == 3 &&
               v.ssl2_ciphers[0] == 0x010080 && v.ssl2_ciphers[1] == 0x0700c0 &&
               v.ssl2_ciphers[2] == 0x35 && v.nsuites == 1 &&
               v.suites[0] == 0x0035,
           "SSLv2 decode: version, cipher kinds, TLS suite");
    tap_ok(memcmp(v.random + 16, h.random + 16, 16) == 0 && v.random[0] == 0 &&
               v.random[15] == 0,
           "SSLv2 decode: challenge right-aligned into random");

    /* a version-3 compatible hello with a session id */
    h.legacy_version = 0x0301;
    h.nssl2_ciphers = 0;
    h.flags = MX_HELLO_SESSION_ID;
    mx_hello_encode(&h, out, sizeof(out), &len, &err);
    tap_ok(len == 2 + 9 + 3 + 16 + 16 && out[3] == 3 && out[4] == 1 &&
               out[8] == 16 && memcmp(out + 14, h.session_id, 16) == 0,
           "SSLv2-compatible TLS 1.0 hello with a 16-byte session id");
    save_seed("hello-sslv2", 0, out, len);
    h.nsuites = 0;
    tap_is_int(mx_hello_encode(&h, out, sizeof(out), &len, &err), -1,
               "SSLv2 hello without ciphers: -1");
}

static void
test_encode_errors(void)
{
    static uint16_t many[40000];
    static const uint16_t one[] = {0x1301};
    static const uint8_t d[] = {1};
    static char longname[300];
    struct mx_key_share ks = {0x001d, d, 1}, ks0 = {0x001d, d, 0};
    struct mx_hello h, base;
    struct mx_error err;
    static uint8_t out[20000];
    size_t len;

    memset(&base, 0, sizeof(base));
    base.suites = one;
    base.nsuites = 1;
    base.groups = one;
    base.ngroups = 1;
    base.sigalgs = one;
    base.nsigalgs = 1;
    base.versions = one;
    base.nversions = 1;
    base.shares = &ks;
    base.nshares = 1;
    base.sni = "x";

#define EXPECT_FAIL(name)                                                    \
    do {                                                                     \
        mx_error_clear(&err);                                                \
        tap_ok(mx_hello_encode(&h, out, sizeof(out), &len, &err) == -1 &&    \
                   err.code == MX_E_USAGE && err.msg[0] != '\0' && len == 0, \
               name);                                                        \
        printf("#   %s\n", err.msg);                                         \
    } while (0)

    h = base;
    h.nsuites = 0;
    EXPECT_FAIL("empty suite list");
    h = base;
    h.suites = many;
    h.nsuites = 40000;
    EXPECT_FAIL("suite list too long for its length field");
    h = base;
    h.suites = many;
    h.nsuites = 8190; /* fits the field, not the record */
    EXPECT_FAIL("hello over 16384 bytes of handshake");
    h = base;
    h.suites = many;
    h.nsuites = 8170;
    tap_is_int(mx_hello_encode(&h, out, sizeof(out), &len, &err), 0,
               "hello of 16384 bytes or less encodes");
    tap_ok(len <= 5 + 16384 && len > 5 + 16300, "... and fits one record");
    h = base;
    h.flags = MX_HELLO_KEY_SHARE;
    h.nshares = 0;
    EXPECT_FAIL("key_share without shares");
    h = base;
    h.flags = MX_HELLO_KEY_SHARE;
    h.shares = &ks0;
    EXPECT_FAIL("key share of length 0");
    h = base;
    h.flags = MX_HELLO_GROUPS;
    h.ngroups = 0;
    EXPECT_FAIL("supported_groups without groups");
    h = base;
    h.flags = MX_HELLO_GROUPS;
    h.groups = many;
    h.ngroups = 33000;
    EXPECT_FAIL("groups too long for their length field");
    h = base;
    h.flags = MX_HELLO_SIGALGS;
    h.nsigalgs = 0;
    EXPECT_FAIL("signature_algorithms without algorithms");
    h = base;
    h.flags = MX_HELLO_VERSIONS;
    h.nversions = 0;
    EXPECT_FAIL("supported_versions without versions");
    h = base;
    h.flags = MX_HELLO_VERSIONS;
    h.versions = many;
    h.nversions = 128;
    EXPECT_FAIL("versions too long for their 1-byte length field");
    h = base;
    h.flags = MX_HELLO_SNI;
    h.sni = NULL;
    EXPECT_FAIL("SNI flag without a name");
    memset(longname, 'a', 256);
    h.sni = longname;
    EXPECT_FAIL("SNI too long (256 bytes)");
    longname[255] = '\0';
    tap_is_int(mx_hello_encode(&h, out, sizeof(out), &len, &err), 0,
               "SNI of 255 bytes encodes");
#undef EXPECT_FAIL
}

/* The extension types MX_HELLO_* flags select, in encoding order. */
static const struct {
    unsigned flag;
    uint16_t type;
} ext_order[] = {
    {MX_HELLO_SNI, 0x0000},       {MX_HELLO_POINT_FMT, 0x000b},
    {MX_HELLO_GROUPS, 0x000a},    {MX_HELLO_TICKET, 0x0023},
    {MX_HELLO_ETM, 0x0016},       {MX_HELLO_EMS, 0x0017},
    {MX_HELLO_SIGALGS, 0x000d},   {MX_HELLO_STATUS_REQ, 0x0005},
    {MX_HELLO_VERSIONS, 0x002b},  {MX_HELLO_PSK_MODES, 0x002d},
    {MX_HELLO_KEY_SHARE, 0x0033}, {MX_HELLO_RENEG_EXT, 0xff01},
};

#define NEXT_ORDER (sizeof(ext_order) / sizeof(ext_order[0]))

/* Encode with these flags, decode, compare everything; NULL if all is
 * well, else what differs. */
static const char *
roundtrip(unsigned flags, size_t *outlen)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0xc02b, 0x00ff};
    static const uint16_t versions[] = {0x0304, 0x0303, 0x0302};
    static const uint16_t groups[] = {0x11ec, 0x001d, 0x0017, 0x0100};
    static const uint16_t sigalgs[] = {0x0804, 0x0403, 0x0807, 0x0401};
    static const uint8_t d1[32] = {7}, d2[65] = {4};
    static const struct mx_key_share ks[] = {{0x001d, d1, sizeof(d1)},
                                             {0x0017, d2, sizeof(d2)}};
    static struct mx_hello_view v;
    struct mx_hello h;
    struct mx_error err;
    uint8_t out[2000];
    size_t len, i, n, hs;
    uint16_t want[16];

    memset(&h, 0, sizeof(h));
    init_random(&h);
    h.suites = suites;
    h.nsuites = 4;
    h.versions = versions;
    h.nversions = 3;
    h.groups = groups;
    h.ngroups = 4;
    h.sigalgs = sigalgs;
    h.nsigalgs = 4;
    h.shares = ks;
    h.nshares = 2;
    h.sni = "mail.example.net";
    h.flags = flags;
    if (mx_hello_encode(&h, out, sizeof(out), &len, &err) < 0)
        return "encode failed";
    *outlen = len;
    if (mx_hello_decode(out, len, &v, &err) < 0)
        return "decode failed";
    if (v.record_version != 0x0301 || v.legacy_version != 0x0303 ||
        memcmp(v.random, h.random, 32) != 0)
        return "versions or random";
    if (v.nsuites != 4 || memcmp(v.suites, suites, sizeof(suites)) != 0)
        return "suites";
    if (v.session_id_len != ((flags & MX_HELLO_SESSION_ID) ? 32u : 0u) ||
        memcmp(v.session_id, h.session_id, v.session_id_len) != 0)
        return "session id";
    if ((flags & MX_HELLO_COMPRESSION)
            ? (v.ncompressions != 2 || v.compressions[0] != 1 ||
               v.compressions[1] != 0)
            : (v.ncompressions != 1 || v.compressions[0] != 0))
        return "compression methods";
    n = 0;
    for (i = 0; i < NEXT_ORDER; i++)
        if (flags & ext_order[i].flag)
            want[n++] = ext_order[i].type;
    hs = len - 5;
    if (has_ext(&v, 0x0015)) {
        if (!(flags & MX_HELLO_PADDING))
            return "padding without the flag";
        if (v.extensions[v.nextensions - 1] != 0x0015)
            return "padding not last";
        want[n++] = 0x0015;
        if (hs < 512 || hs > 518)
            return "padded to less than 512 or more than 518";
    } else if ((flags & MX_HELLO_PADDING) && hs >= 256 && hs < 512) {
        return "not padded";
    }
    if (v.nextensions != n || memcmp(v.extensions, want, n * 2) != 0)
        return "extension types or order";
    if (n == 0 && len != 5 + 4 + 2 + 32 + 1 + v.session_id_len + 2 + 8 + 1 +
                             v.ncompressions)
        return "extensions block present without extensions";
    if ((flags & MX_HELLO_SNI) && strcmp(v.sni, h.sni) != 0)
        return "sni";
    if ((flags & MX_HELLO_GROUPS) &&
        (v.ngroups != 4 || memcmp(v.groups, groups, sizeof(groups)) != 0))
        return "groups";
    if ((flags & MX_HELLO_SIGALGS) &&
        (v.nsigalgs != 4 || memcmp(v.sigalgs, sigalgs, sizeof(sigalgs)) != 0))
        return "sigalgs";
    if ((flags & MX_HELLO_VERSIONS) &&
        (v.nversions != 3 ||
         memcmp(v.versions, versions, sizeof(versions)) != 0))
        return "versions";
    if ((flags & MX_HELLO_KEY_SHARE) &&
        (v.nshares != 2 || v.share_groups[0] != 0x001d ||
         v.share_groups[1] != 0x0017 || v.share_lens[0] != 32 ||
         v.share_lens[1] != 65))
        return "key shares";
    return NULL;
}

static void
test_roundtrip(void)
{
    static const struct {
        unsigned flag;
        const char *name;
    } flags[] = {
        {MX_HELLO_SNI, "SNI"},
        {MX_HELLO_GROUPS, "GROUPS"},
        {MX_HELLO_POINT_FMT, "POINT_FMT"},
        {MX_HELLO_SIGALGS, "SIGALGS"},
        {MX_HELLO_VERSIONS, "VERSIONS"},
        {MX_HELLO_KEY_SHARE, "KEY_SHARE"},
        {MX_HELLO_RENEG_EXT, "RENEG_EXT"},
        {MX_HELLO_EMS, "EMS"},
        {MX_HELLO_TICKET, "TICKET"},
        {MX_HELLO_PADDING, "PADDING"},
        {MX_HELLO_PSK_MODES, "PSK_MODES"},
        {MX_HELLO_STATUS_REQ, "STATUS_REQ"},
        {MX_HELLO_ETM, "ETM"},
        {MX_HELLO_COMPRESSION, "COMPRESSION"},
        {MX_HELLO_SESSION_ID, "SESSION_ID"},
    };
    char label[120];
    const char *why;
    unsigned f, bad = 0, first_bad = 0;
    size_t i, len;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        why = roundtrip(flags[i].flag, &len);
        snprintf(label, sizeof(label), "round trip with only %s",
                 flags[i].name);
        if (!tap_ok(why == NULL, label))
            printf("#   %s\n", why);
    }
    why = roundtrip(MX_HELLO_MODERN, &len);
    if (!tap_ok(why == NULL, "round trip MX_HELLO_MODERN"))
        printf("#   %s\n", why);
    for (f = 0; f < 0x8000; f++)
        if (roundtrip(f, &len) != NULL && bad++ == 0)
            first_bad = f;
    if (!tap_is_int(bad, 0, "round trip of all 32768 flag combinations"))
        printf("#   first failing flags 0x%04x: %s\n", first_bad,
               roundtrip(first_bad, &len));
}

static void
test_padding(void)
{
    static uint16_t suites[300];
    struct mx_hello h;
    struct mx_hello_view v;
    struct mx_error err;
    uint8_t out[2000];
    size_t n, len, hs, unpadded, bad = 0, padded = 0, i;

    for (i = 0; i < 300; i++)
        suites[i] = (uint16_t)(0xc000 + i);
    memset(&h, 0, sizeof(h));
    h.suites = suites;

    /* the known answer: 130 suites and nothing else is 303 bytes; with
     * the padding extension (header 4 + block length 2) 203 zeros */
    h.nsuites = 130;
    h.flags = MX_HELLO_PADDING;
    mx_hello_encode(&h, out, sizeof(out), &len, &err);
    tap_is_int((long long)len, 5 + 512, "303-byte hello padded to 512");
    tap_ok(out[3] == 0x02 && out[4] == 0x00 && out[6] == 0 && out[7] == 0x01 &&
               out[8] == 0xfc,
           "record and handshake lengths 512 and 508");
    {
        size_t at = 5 + 4 + 2 + 32 + 1 + 2 + 260 + 2;
        size_t z;
        int zeros = 1;

        tap_ok(out[at] == 0x00 && out[at + 1] == 0xcf && out[at + 2] == 0x00 &&
                   out[at + 3] == 0x15 && out[at + 4] == 0x00 &&
                   out[at + 5] == 0xcb,
               "extensions block 207, padding extension of 203 bytes");
        for (z = at + 6; z < len; z++)
            zeros &= out[z] == 0;
        tap_ok(zeros, "padding bytes are zeros");
    }

    /* every length around the window, with and without other
     * extensions: padded iff 256..511 before, to 512 (or 513 when only
     * a 1-byte padding fits) */
    for (n = 95; n < 250; n++) {
        for (i = 0; i < 2; i++) {
            h.nsuites = n;
            h.flags = i ? MX_HELLO_EMS : 0;
            mx_hello_encode(&h, out, sizeof(out), &len, &err);
            unpadded = len - 5;
            h.flags |= MX_HELLO_PADDING;
            if (mx_hello_encode(&h, out, sizeof(out), &len, &err) < 0 ||
                mx_hello_decode(out, len, &v, &err) < 0) {
                bad++;
                continue;
            }
            hs = len - 5;
            if (unpadded >= 256 && unpadded < 512) {
                padded++;
                if (!has_ext(&v, 0x0015) || hs != (unpadded <= (i ? 507u : 505u)
                                                       ? 512u
                                                       : unpadded + 5 + !i * 2))
                    bad++;
            } else if (has_ext(&v, 0x0015) || hs != unpadded) {
                bad++;
            }
        }
    }
    tap_is_int((long long)bad, 0,
               "padding: 256..511 padded to 512 (513+ when tight), others "
               "untouched");
    tap_ok(padded > 200, "padding: the window was exercised");
}

/* ---------------------------------------------------------------- */
/* Decoding ClientHellos: malformed ones.                            */

/* A hello spread over two records: mx_hello_decode takes one record,
 * mx_hello_decode_records joins them first. */
static void
test_decode_records(void)
{
    static const uint16_t suites[] = {0xc02f, 0x009c};
    struct mx_hello h = {.legacy_version = 0x0303,
                         .suites = suites,
                         .nsuites = 2,
                         .flags = MX_HELLO_SNI,
                         .sni = "mx.example.test"};
    struct mx_hello_view *v = malloc(sizeof(*v));
    struct mx_error err;
    uint8_t one[600], two[610];
    size_t len = 0, frag, pos, from;
    int joined = -1, k;

    init_random(&h);
    if (v == NULL ||
        !tap_is_int(mx_hello_encode(&h, one, sizeof(one), &len, &err), 0,
                    "records: a hello to split")) {
        free(v);
        return;
    }
    /* the record's fragment cut in two, each half in a record */
    for (k = 0, pos = 0, from = 5; k < 2; k++) {
        frag = k == 0 ? (len - 5) / 2 : len - from;
        memcpy(two + pos, one, 3);
        two[pos + 3] = (uint8_t)(frag >> 8);
        two[pos + 4] = (uint8_t)frag;
        memcpy(two + pos + 5, one + from, frag);
        pos += 5 + frag;
        from += frag;
    }
    tap_is_int(mx_hello_decode(two, len + 5, v, &err), -1,
               "records: mx_hello_decode takes one record only");
    tap_is_int(mx_hello_decode_records(two, len + 5, v, &joined, &err), 0,
               "records: two records decode when joined");
    tap_is_int(joined, 1, "records: ... and say so");
    tap_ok(v->nsuites == 2 && v->suites[0] == 0xc02f &&
               strcmp(v->sni, "mx.example.test") == 0,
           "records: ... into the same hello");
    tap_is_int(mx_hello_decode_records(one, len, v, &joined, &err), 0,
               "records: one record decodes as it is");
    tap_is_int(joined, 0, "records: ... not joined");
    two[len + 5] = 0x16;
    tap_is_int(mx_hello_decode_records(two, len + 6, v, &joined, &err), -1,
               "records: a stray byte after them: not joined, malformed");
    tap_is_int(joined, 0, "records: ... and not joined");
    free(v);
}

static void
test_decode_errors(void)
{
    static const uint16_t suites[] = {0x1301};
    static const uint16_t groups[] = {0x001d};
    struct mx_hello h;
    struct mx_hello_view v;
    struct mx_error err;
    uint8_t good[600], b[600];
    size_t len, n;

    memset(&h, 0, sizeof(h));
    h.suites = suites;
    h.nsuites = 1;
    h.groups = groups;
    h.ngroups = 1;
    h.sni = "ab";
    h.flags = MX_HELLO_SNI | MX_HELLO_GROUPS;
    mx_hello_encode(&h, good, sizeof(good), &len, &err);
    /* 5 record, 4 hs, 2 version, 32 random, 1 sid, 4 suites, 2 comp,
     * 2 block; SNI at 52: 00 00 00 07 00 05 00 00 02 'a' 'b'; groups at
     * 63: 00 0a 00 04 00 02 00 1d */
    tap_is_int((long long)len, 71, "decode errors: the base hello is 71 bytes");
    tap_is_int(mx_hello_decode(good, len, &v, &err), 0, "base hello decodes");
    tap_is_str(v.sni, "ab", "base hello SNI");

#define DECODE_FAIL(name)                                                     \
    do {                                                                      \
        tap_ok(mx_hello_decode(b, n, &v, &err) == -1 &&                       \
                   err.code == MX_E_USAGE && strstr(err.msg, "byte") != NULL, \
               name);                                                         \
        printf("#   %s\n", err.msg);                                          \
    } while (0)

    memcpy(b, good, len);
    n = len - 1;
    DECODE_FAIL("truncated by one byte");
    n = 3;
    DECODE_FAIL("three bytes");
    n = len;
    b[0] = 0x17;
    DECODE_FAIL("not a handshake record");
    memcpy(b, good, len);
    b[5] = 2;
    DECODE_FAIL("not a ClientHello");
    memcpy(b, good, len);
    b[8]++;
    DECODE_FAIL("handshake length disagrees with the record");
    memcpy(b, good, len);
    b[43] = 33;
    DECODE_FAIL("session id length 33");
    memcpy(b, good, len);
    b[45] = 3;
    DECODE_FAIL("odd cipher_suites length");
    memcpy(b, good, len);
    b[45] = 0;
    DECODE_FAIL("empty cipher_suites");
    memcpy(b, good, len);
    b[48] = 0;
    DECODE_FAIL("no compression methods");
    memcpy(b, good, len);
    b[51]++;
    DECODE_FAIL("extensions length disagrees");
    memcpy(b, good, len);
    b[66] = 0x10;
    DECODE_FAIL("extension length overflows the block");
    memcpy(b, good, len);
    b[63] = 0x00;
    b[64] = 0x00; /* groups becomes a second server_name */
    DECODE_FAIL("duplicate extension");
    memcpy(b, good, len);
    b[62] = 'x';
    b[61] = '\0';
    DECODE_FAIL("host_name with a NUL byte");
    memcpy(b, good, len);
    b[68] = 3;
    DECODE_FAIL("groups list length disagrees");
    /* supported_versions and key_share: the extensions start at 52 */
    {
        static const uint8_t d1[] = {1};
        struct mx_key_share ks = {0x001d, d1, 1};

        h.flags = MX_HELLO_VERSIONS;
        h.versions = suites;
        h.nversions = 1;
        mx_hello_encode(&h, b, sizeof(b), &n, &err);
        tap_ok(n == 59 && b[52] == 0x00 && b[53] == 0x2b && b[56] == 2,
               "supported_versions at byte 52");
        b[56] = 3;
        DECODE_FAIL("supported_versions list length disagrees");
        h.flags = MX_HELLO_KEY_SHARE;
        h.shares = &ks;
        h.nshares = 1;
        mx_hello_encode(&h, b, sizeof(b), &n, &err);
        tap_ok(n == 63 && b[53] == 0x33 && b[61] == 1,
               "key_share entry length at byte 61");
        b[61] = 9;
        DECODE_FAIL("key share entry past its list");
        b[61] = 1;
        b[57] = 4;
        DECODE_FAIL("client_shares length disagrees");
    }
    /* SSLv2 */
    n = 0;
    b[n++] = 0x80;
    b[n++] = 27;
    b[n++] = 1;
    b[n++] = 0;
    b[n++] = 2;
    b[n++] = 0;
    b[n++] = 3;
    b[n++] = 0;
    b[n++] = 0;
    b[n++] = 0;
    b[n++] = 15; /* challenge of 15 bytes: too short */
    memset(b + n, 0x11, 18);
    n += 18;
    DECODE_FAIL("SSLv2 challenge of 15 bytes");
    b[1] = 30;
    DECODE_FAIL("SSLv2 record length disagrees");
#undef DECODE_FAIL
}

/* ---------------------------------------------------------------- */
/* Key shares.                                                       */

static int
ec_point_ok(const char *group, const uint8_t *p, size_t n)
{
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY_CTX *check = NULL;
    EVP_PKEY *pk = NULL;
    int ok = 0;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *)group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  (void *)p, n);
    params[2] = OSSL_PARAM_construct_end();
    if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
        ok = check != NULL && EVP_PKEY_public_check(check) == 1;
    }
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* All k*256 coefficients of an encapsulation key below q; also returns
 * the largest and smallest. */
static int
mlkem_ok(const uint8_t *p, size_t len, unsigned *lo, unsigned *hi)
{
    size_t i, n = (len - 32) / 384 * 256;
    unsigned c0, c1;
    int ok = (len - 32) % 384 == 0;

    *lo = 4096;
    *hi = 0;
    for (i = 0; i < n / 2; i++) {
        c0 = p[3 * i] | ((unsigned)(p[3 * i + 1] & 0x0f) << 8);
        c1 = (unsigned)(p[3 * i + 1] >> 4) | ((unsigned)p[3 * i + 2] << 4);
        ok &= c0 < 3329 && c1 < 3329;
        *lo = c0 < *lo ? c0 : *lo;
        *lo = c1 < *lo ? c1 : *lo;
        *hi = c0 > *hi ? c0 : *hi;
        *hi = c1 > *hi ? c1 : *hi;
    }
    return ok;
}

static void
test_keyshare(void)
{
    static const struct {
        uint16_t group;
        long len;
    } sizes[] = {
        {0x001d, 32},   {0x001e, 56},   {0x0017, 65},   {0x0018, 97},
        {0x0019, 133},  {0x0100, 256},  {0x0101, 384},  {0x0102, 512},
        {0x0103, 768},  {0x0104, 1024}, {0x0200, 800},  {0x0201, 1184},
        {0x0202, 1568}, {0x11eb, 1249}, {0x11ec, 1216}, {0x11ed, 1665},
        {0x001a, 65},   {0x001f, 65},   {0x0016, 65},   {0x0015, 57},
    };
    static uint8_t a[2000], b[2000];
    char label[100];
    unsigned lo, hi;
    size_t i;
    long n;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        snprintf(label, sizeof(label), "key share 0x%04x is %ld bytes",
                 sizes[i].group, sizes[i].len);
        tap_is_int(mx_keyshare_make(sizes[i].group, a, sizeof(a)), sizes[i].len,
                   label);
    }
    tap_is_int(mx_keyshare_make(0x9999, a, sizeof(a)), 0, "unknown group: 0");
    tap_is_int(mx_keyshare_make(0x0017, a, 64), -1, "cap too small: -1");
    tap_is_int(mx_keyshare_make(0x0017, NULL, 100), -1, "no buffer: -1");

    n = mx_keyshare_make(0x0017, a, sizeof(a));
    tap_ok(n == 65 && a[0] == 0x04 && ec_point_ok("P-256", a, 65),
           "P-256 share is an uncompressed point on the curve");
    n = mx_keyshare_make(0x0019, a, sizeof(a));
    tap_ok(n == 133 && ec_point_ok("P-521", a, 133),
           "P-521 share is a point on the curve");
    mx_keyshare_make(0x0017, b, sizeof(b));
    tap_ok(memcmp(a, b, 65) != 0, "two P-256 shares differ (fresh keys)");

    n = mx_keyshare_make(0x11eb, a, sizeof(a));
    tap_ok(n == 1249 && ec_point_ok("P-256", a, 65),
           "SecP256r1MLKEM768: P-256 point first");
    tap_ok(mlkem_ok(a + 65, 1184, &lo, &hi),
           "SecP256r1MLKEM768: then an ML-KEM-768 key, coefficients < q");
    n = mx_keyshare_make(0x11ed, a, sizeof(a));
    tap_ok(n == 1665 && ec_point_ok("P-384", a, 97) &&
               mlkem_ok(a + 97, 1568, &lo, &hi),
           "SecP384r1MLKEM1024: P-384 point, then ML-KEM-1024 key");
    n = mx_keyshare_make(0x11ec, a, sizeof(a));
    tap_ok(n == 1216 && mlkem_ok(a, 1184, &lo, &hi),
           "X25519MLKEM768: ML-KEM-768 key first");
    tap_ok(lo < 100 && hi > 3229, "ML-KEM coefficients spread over 0..q-1");
    mx_keyshare_make(0x11ec, b, sizeof(b));
    tap_ok(memcmp(a + 1184, b + 1184, 32) != 0 &&
               memcmp(a + 1152, b + 1152, 32) != 0,
           "X25519MLKEM768: fresh X25519 key and rho each time");
    n = mx_keyshare_make(0x0200, a, sizeof(a));
    tap_ok(n == 800 && mlkem_ok(a, 800, &lo, &hi), "MLKEM512 key valid");
    n = mx_keyshare_make(0x0202, a, sizeof(a));
    tap_ok(n == 1568 && mlkem_ok(a, 1568, &lo, &hi), "MLKEM1024 key valid");
    n = mx_keyshare_make(0x0100, a, sizeof(a));
    tap_ok(n == 256 && (a[0] != 0 || a[1] != 0),
           "ffdhe2048 share is padded to 256 bytes");
}

/* ---------------------------------------------------------------- */
/* OpenSSL peers over memory BIOs.                                   */

static EVP_PKEY *rsa_key, *ec_key;
static X509 *rsa_cert, *ec_cert;
static int last_alert = -1;

static X509 *
self_signed(EVP_PKEY *key, const char *cn)
{
    X509 *x = X509_new();
    X509_NAME *name;

    if (x == NULL)
        return NULL;
    name = X509_get_subject_name(x);
    if (X509_set_version(x, 2) != 1 ||
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
        X509_set_pubkey(x, key) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)cn, -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1 ||
        X509_sign(x, key, EVP_sha256()) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static void
info_cb(const SSL *s, int where, int ret)
{
    (void)s;
    if (where & SSL_CB_WRITE_ALERT)
        last_alert = ret;
}

static SSL_CTX *
server_ctx(int minv, int maxv, const char *ciphers, const char *groups)
{
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());

    if (c == NULL)
        return NULL;
    SSL_CTX_set_security_level(c, 0);
    if (SSL_CTX_set_min_proto_version(c, minv) != 1 ||
        SSL_CTX_set_max_proto_version(c, maxv) != 1 ||
        (ciphers != NULL && SSL_CTX_set_cipher_list(c, ciphers) != 1) ||
        (groups != NULL && SSL_CTX_set1_groups_list(c, groups) != 1) ||
        SSL_CTX_use_certificate(c, rsa_cert) != 1 ||
        SSL_CTX_use_PrivateKey(c, rsa_key) != 1 ||
        SSL_CTX_use_certificate(c, ec_cert) != 1 ||
        SSL_CTX_use_PrivateKey(c, ec_key) != 1) {
        SSL_CTX_free(c);
        return NULL;
    }
    SSL_CTX_set_info_callback(c, info_cb);
    return c;
}

/* Run a server on these client bytes; the server (for questions) is
 * returned and what it wrote is in out. */
static SSL *
serve(SSL_CTX *ctx, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
      size_t *outlen)
{
    SSL *s = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    int n;

    *outlen = 0;
    last_alert = -1;
    if (s == NULL || rb == NULL || wb == NULL) {
        BIO_free(rb);
        BIO_free(wb);
        SSL_free(s);
        return NULL;
    }
    SSL_set_bio(s, rb, wb);
    SSL_set_accept_state(s);
    BIO_write(rb, in, (int)inlen);
    SSL_do_handshake(s);
    ERR_clear_error();
    while (*outlen < cap &&
           (n = BIO_read(wb, out + *outlen, (int)(cap - *outlen))) > 0)
        *outlen += (size_t)n;
    return s;
}

static uint16_t
code_of_nid(int nid)
{
    static const struct {
        int nid;
        uint16_t code;
    } t[] = {
        {NID_X25519, 0x001d},           {NID_X448, 0x001e},
        {NID_X9_62_prime256v1, 0x0017}, {NID_secp384r1, 0x0018},
        {NID_secp521r1, 0x0019},        {NID_ffdhe2048, 0x0100},
        {NID_ffdhe3072, 0x0101},        {NID_ffdhe4096, 0x0102},
        {NID_ffdhe6144, 0x0103},        {NID_ffdhe8192, 0x0104},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].nid == nid)
            return t[i].code;
    return 0;
}

/* An offer to make ClientHellos from. */
struct offer {
    struct mx_hello h;
    struct mx_key_share ks[4];
    uint8_t keys[4][1300];
    uint8_t out[20000];
    size_t len;
};

static struct offer offer;

static void
offer_init(struct offer *o, unsigned flags, const uint16_t *suites,
           size_t nsuites)
{
    static const uint16_t sigalgs[] = {0x0804, 0x0403};
    static const uint16_t groups[] = {0x001d, 0x0017};
    static const uint16_t versions[] = {0x0304, 0x0303};
    size_t i;

    memset(&o->h, 0, sizeof(o->h));
    for (i = 0; i < 32; i++) {
        o->h.random[i] = (uint8_t)(i * 7 + 3);
        o->h.session_id[i] = (uint8_t)(i * 5 + 1);
    }
    o->h.flags = flags;
    o->h.suites = suites;
    o->h.nsuites = nsuites;
    o->h.sigalgs = sigalgs;
    o->h.nsigalgs = 2;
    o->h.groups = groups;
    o->h.ngroups = 2;
    o->h.versions = versions;
    o->h.nversions = 2;
    o->h.sni = "mx.example.org";
    o->h.shares = o->ks;
    o->h.nshares = 0;
}

static void
offer_share(struct offer *o, uint16_t group)
{
    size_t i = o->h.nshares;
    long n = mx_keyshare_make(group, o->keys[i], sizeof(o->keys[i]));

    if (n <= 0)
        abort();
    o->ks[i].group = group;
    o->ks[i].data = o->keys[i];
    o->ks[i].len = (size_t)n;
    o->h.nshares++;
}

static int
offer_encode(struct offer *o)
{
    struct mx_error err;

    if (mx_hello_encode(&o->h, o->out, sizeof(o->out), &o->len, &err) < 0) {
        printf("# encode: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static uint8_t flight[70000];
static size_t flight_len;

/* What an OpenSSL server says of itself, against the flight decoder. */
static void
check_server(const char *name, SSL *s, int stop, uint16_t sigalg)
{
    char label[200];
    const SSL_CIPHER *c = SSL_get_current_cipher(s) != NULL
                              ? SSL_get_current_cipher(s)
                              : SSL_get_pending_cipher(s);
    int version = SSL_version(s), kx, ok = 1;
    uint16_t want_group = 0;
    EVP_PKEY *tmp = NULL;
    int want_bits = 0, hash = 0;
    unsigned char *der = NULL;
    int derlen = 0;
    X509 *leaf;

    feed(&fa, stop, flight, flight_len, 0, 0);
#define CHECK(cond, what)                                     \
    do {                                                      \
        snprintf(label, sizeof(label), "%s: %s", name, what); \
        ok &= tap_ok(cond, label);                            \
    } while (0)
    CHECK(c != NULL, "the server chose a suite");
    if (c == NULL)
        return;
    kx = SSL_CIPHER_get_kx_nid(c);
    CHECK(fa.verdict == MX_V_SERVER_HELLO, "verdict server-hello");
    if (fa.verdict == MX_V_MALFORMED)
        printf("#   reason: %s\n", fa.reason);
    CHECK(fa.version == version, "version as the server's");
    CHECK(fa.suite == (SSL_CIPHER_get_protocol_id(c) & 0xffff),
          "suite as the server's");
    CHECK(fa.compression == 0, "null compression");
    {
        static struct mx_hello_view view;
        struct mx_error err;
        char why[200] = "";

        CHECK(mx_hello_decode(offer.out, offer.len, &view, &err) == 0 &&
                  mx_sh_check(&view, &fa, why, sizeof(why)) == 0,
              "a client takes the answer (shcheck)");
        if (why[0] != '\0')
            printf("#   shcheck: %s\n", why);
    }
    if (version == TLS1_3_VERSION) {
        want_group = code_of_nid(SSL_get_negotiated_group(s));
        CHECK(fa.group == want_group && want_group != 0,
              "key_share group as the server's");
        CHECK(fa.legacy_version == 0x0303, "legacy_version 0x0303");
        CHECK(fa.done == 0 && fa.leaf == NULL,
              "TLS 1.3: nothing read past the ServerHello");
        return;
    }
    if (stop == MX_FLIGHT_STOP_HELLO) {
        CHECK(fa.done == 0 && fa.leaf == NULL && fa.group == 0,
              "stop at the ServerHello: nothing after it read");
        return;
    }
    if (kx == NID_kx_ecdhe)
        want_group = code_of_nid(SSL_get_negotiated_group(s));
    if (SSL_get_tmp_key(s, &tmp) == 1 && tmp != NULL) {
        if (kx == NID_kx_dhe)
            want_bits = EVP_PKEY_get_bits(tmp);
        EVP_PKEY_free(tmp);
    }
    CHECK(fa.group == want_group, "SKE curve as the server's");
    CHECK(fa.dh_bits == want_bits, "DH prime size as the server's");
    if (version == TLS1_2_VERSION && kx != NID_kx_rsa) {
        SSL_get_signature_nid(s, &hash);
        /* every scheme the tests offer hashes with SHA-256 */
        CHECK(fa.ske_sigalg == sigalg && hash == NID_sha256,
              "SKE signature scheme as offered and used");
    } else {
        CHECK(fa.ske_sigalg == 0, "no SKE signature scheme");
    }
    leaf = SSL_get_certificate(s);
    if (leaf != NULL)
        derlen = i2d_X509(leaf, &der);
    CHECK(fa.ncerts == 1 && derlen > 0 && fa.leaf_len == (size_t)derlen &&
              memcmp(fa.leaf, der, (size_t)derlen) == 0,
          "leaf certificate is the server's, byte for byte");
    OPENSSL_free(der);
    CHECK(fa.done == 1, "ServerHelloDone seen");
#undef CHECK
    (void)ok;
}

/* One server case: encode the offer, serve it, check, split, save. */
static void
server_case(const char *name, const char *seed, SSL_CTX *ctx, int stop,
            uint16_t sigalg)
{
    SSL *s;

    if (ctx == NULL || offer_encode(&offer) < 0) {
        tap_ok(0, name);
        return;
    }
    s = serve(ctx, offer.out, offer.len, flight, sizeof(flight), &flight_len);
    if (s == NULL) {
        tap_ok(0, name);
        return;
    }
    check_server(name, s, stop, sigalg);
    check_split(name, stop, flight, flight_len);
    if (seed != NULL) {
        save_seed(seed, (unsigned)stop, flight, flight_len);
    }
    SSL_free(s);
}

static void
test_servers_tls12(void)
{
    static const uint16_t ecdhe_rsa[] = {0xc02f, 0xc02b};
    static const uint16_t ecdhe_ecdsa[] = {0xc02c};
    static const uint16_t dhe_rsa[] = {0x009e};
    static const uint16_t rsa_kx[] = {0x009c};
    static const uint16_t tls10[] = {0xc013};
    static const uint16_t pss[] = {0x0804}, ecdsa[] = {0x0403},
                          pkcs1[] = {0x0401};
    static const uint16_t p256[] = {0x0017};
    const unsigned fl12 = MX_HELLO_SNI | MX_HELLO_GROUPS | MX_HELLO_POINT_FMT |
                          MX_HELLO_SIGALGS | MX_HELLO_EMS | MX_HELLO_RENEG_EXT |
                          MX_HELLO_TICKET | MX_HELLO_ETM | MX_HELLO_STATUS_REQ |
                          MX_HELLO_SESSION_ID | MX_HELLO_PADDING;
    SSL_CTX *ctx;
    EVP_PKEY_CTX *kctx;
    EVP_PKEY *dh = NULL;

    /* ECDHE-RSA, a TLS 1.2-only server */
    ctx = server_ctx(TLS1_2_VERSION, TLS1_2_VERSION,
                     "ECDHE-RSA-AES128-GCM-SHA256", NULL);
    offer_init(&offer, fl12, ecdhe_rsa, 2);
    offer.h.sigalgs = pss;
    offer.h.nsigalgs = 1;
    offer.h.groups = p256;
    offer.h.ngroups = 1;
    server_case("TLS 1.2 ECDHE-RSA", "flight-tls12-ecdhe-rsa", ctx,
                MX_FLIGHT_STOP_DONE, 0x0804);
    tap_ok(fa.ems == 1 && fa.reneg == 1,
           "TLS 1.2 ECDHE-RSA: extended_master_secret and "
           "renegotiation_info echoed");
    tap_is_int(fa.downgrade, MX_DOWNGRADE_NONE,
               "TLS 1.2-only server: no downgrade sentinel");
    tap_is_int(fa.record_version, 0x0303, "TLS 1.2 record version");
    tap_is_int((long long)fa.total, (long long)flight_len,
               "the whole flight was read");
    server_case("TLS 1.2 ECDHE-RSA, stop at hello", "flight-tls12-stophello",
                ctx, MX_FLIGHT_STOP_HELLO, 0x0804);
    tap_ok(fa.total < flight_len, "stop at hello: bytes after it unread");

    /* plain RSA key exchange: no ServerKeyExchange */
    offer_init(&offer, fl12, rsa_kx, 1);
    offer.h.sigalgs = pss;
    offer.h.nsigalgs = 1;
    SSL_CTX_free(ctx);
    ctx = server_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "AES128-GCM-SHA256", NULL);
    server_case("TLS 1.2 RSA key exchange", "flight-tls12-rsa", ctx,
                MX_FLIGHT_STOP_DONE, 0);
    SSL_CTX_free(ctx);

    /* ECDHE-ECDSA from a server that could do TLS 1.3 */
    ctx = server_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
    offer_init(&offer, fl12, ecdhe_ecdsa, 1);
    offer.h.sigalgs = ecdsa;
    offer.h.nsigalgs = 1; /* groups x25519, P-256 (the certificate's) */
    server_case("TLS 1.2 ECDHE-ECDSA", "flight-tls12-ecdsa", ctx,
                MX_FLIGHT_STOP_DONE, 0x0403);
    tap_is_int(fa.downgrade, MX_DOWNGRADE_TLS12,
               "TLS 1.3 server answering TLS 1.2: DOWNGRD 01 sentinel");
    SSL_CTX_free(ctx);

    /* DHE-RSA with ffdhe3072 */
    ctx = server_ctx(TLS1_2_VERSION, TLS1_2_VERSION,
                     "DHE-RSA-AES128-GCM-SHA256", NULL);
    kctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1 ||
        EVP_PKEY_CTX_set_group_name(kctx, "ffdhe3072") != 1 ||
        EVP_PKEY_generate(kctx, &dh) != 1 || ctx == NULL ||
        SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
        EVP_PKEY_free(dh);
        tap_ok(0, "DHE server set up");
    }
    EVP_PKEY_CTX_free(kctx);
    offer_init(&offer, fl12 & ~(unsigned)MX_HELLO_GROUPS, dhe_rsa, 1);
    offer.h.sigalgs = pkcs1;
    offer.h.nsigalgs = 1;
    server_case("TLS 1.2 DHE-RSA", "flight-tls12-dhe", ctx, MX_FLIGHT_STOP_DONE,
                0x0401);
    tap_is_int(fa.dh_bits, 3072, "DHE: a 3072-bit prime");
    SSL_CTX_free(ctx);

    /* TLS 1.0: no signature scheme in the SKE, DOWNGRD 00 */
    ctx = server_ctx(TLS1_VERSION, TLS1_3_VERSION, "ALL:@SECLEVEL=0", NULL);
    offer_init(&offer, fl12 & ~(unsigned)MX_HELLO_SIGALGS, tls10, 1);
    offer.h.legacy_version = 0x0301;
    offer.h.groups = p256;
    offer.h.ngroups = 1;
    server_case("TLS 1.0 ECDHE-RSA", "flight-tls10", ctx, MX_FLIGHT_STOP_DONE,
                0);
    tap_is_int(fa.downgrade, MX_DOWNGRADE_TLS11,
               "TLS 1.3 server answering TLS 1.0: DOWNGRD 00 sentinel");
    tap_is_int(fa.version, 0x0301, "TLS 1.0 negotiated");
    SSL_CTX_free(ctx);
}

static void
test_servers_tls13(void)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02f};
    static const struct {
        uint16_t code;
        const char *name;
    } groups[] = {
        {0x001d, "X25519"},    {0x0017, "P-256"},     {0x0018, "P-384"},
        {0x0019, "P-521"},     {0x001e, "X448"},      {0x0100, "ffdhe2048"},
        {0x0101, "ffdhe3072"}, {0x0102, "ffdhe4096"}, {0x0103, "ffdhe6144"},
        {0x0104, "ffdhe8192"},
    };
    uint16_t one[1];
    char name[100], seed[100];
    SSL_CTX *ctx;
    size_t i;

    for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        ctx = server_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, groups[i].name);
        offer_init(&offer, MX_HELLO_MODERN, suites, 4);
        one[0] = groups[i].code;
        offer.h.groups = one;
        offer.h.ngroups = 1;
        offer_share(&offer, groups[i].code);
        snprintf(name, sizeof(name), "TLS 1.3 with a %s share", groups[i].name);
        snprintf(seed, sizeof(seed), "flight-tls13-%s", groups[i].name);
        server_case(name, i < 2 ? seed : NULL, ctx, MX_FLIGHT_STOP_DONE, 0);
        tap_ok(fa.group == groups[i].code && fa.version == 0x0304,
               "... the server took our share");
        SSL_CTX_free(ctx);
    }
}

static void
test_hrr_and_alerts(void)
{
    static const uint16_t suites13[] = {0x1301, 0x1302};
    static const uint16_t aes256sha[] = {0x0035};
    static const uint16_t both[] = {0x001d, 0x0017};
    SSL_CTX *ctx;
    SSL *s;

    /* HelloRetryRequest: x25519 share, but the server only does P-256 */
    ctx = server_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, "P-256");
    offer_init(&offer, MX_HELLO_MODERN, suites13, 2);
    offer.h.groups = both;
    offer.h.ngroups = 2;
    offer_share(&offer, 0x001d);
    offer_encode(&offer);
    s = serve(ctx, offer.out, offer.len, flight, sizeof(flight), &flight_len);
    feed(&fa, MX_FLIGHT_STOP_DONE, flight, flight_len, 0, 0);
    tap_is_str(mx_verdict_name(fa.verdict), "hello-retry-request",
               "HRR: verdict");
    /* (SSL_get_negotiated_group crashes on a server after an HRR in
     * OpenSSL 3.0: its only group is P-256) */
    tap_ok(fa.hrr == 1 && fa.hrr_group == 0x0017,
           "HRR: asks for P-256, the server's only group");
    tap_ok(fa.version == 0x0304 && fa.suite == 0x1301 &&
               fa.downgrade == MX_DOWNGRADE_NONE,
           "HRR: TLS 1.3, suite, no downgrade sentinel");
    check_split("HRR", MX_FLIGHT_STOP_DONE, flight, flight_len);
    save_seed("flight-hrr", 1, flight, flight_len);
    SSL_free(s);
    /* the second try with a P-256 share is accepted */
    offer.h.nshares = 0;
    offer_share(&offer, 0x0017);
    server_case("TLS 1.3 after HRR, P-256 share", NULL, ctx,
                MX_FLIGHT_STOP_DONE, 0);
    SSL_CTX_free(ctx);

    /* no shared suite: handshake_failure */
    ctx = server_ctx(TLS1_2_VERSION, TLS1_2_VERSION,
                     "ECDHE-RSA-AES128-GCM-SHA256", NULL);
    offer_init(&offer, MX_HELLO_SIGALGS | MX_HELLO_GROUPS | MX_HELLO_RENEG_EXT,
               aes256sha, 1);
    offer_encode(&offer);
    s = serve(ctx, offer.out, offer.len, flight, sizeof(flight), &flight_len);
    feed(&fa, MX_FLIGHT_STOP_DONE, flight, flight_len, 0, 0);
    tap_is_str(mx_verdict_name(fa.verdict), "alert", "no shared suite: alert");
    tap_ok(fa.alert_level == 2 && fa.alert_desc == 40 &&
               last_alert == ((2 << 8) | 40),
           "no shared suite: fatal handshake_failure, as the server sent");
    check_split("alert", MX_FLIGHT_STOP_DONE, flight, flight_len);
    save_seed("flight-alert", 1, flight, flight_len);
    SSL_free(s);
    SSL_CTX_free(ctx);

    /* TLS 1.3 with DEFLATE offered: the server objects */
    ctx = server_ctx(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL);
    offer_init(&offer, MX_HELLO_MODERN | MX_HELLO_COMPRESSION, suites13, 2);
    offer_share(&offer, 0x001d);
    offer_encode(&offer);
    s = serve(ctx, offer.out, offer.len, flight, sizeof(flight), &flight_len);
    feed(&fa, MX_FLIGHT_STOP_DONE, flight, flight_len, 0, 0);
    tap_ok(fa.verdict == MX_V_ALERT && last_alert > 0 &&
               fa.alert_level == (last_alert >> 8) &&
               fa.alert_desc == (last_alert & 0xff),
           "TLS 1.3 with compression: the alert the server sent");
    printf("#   alert %d/%d\n", fa.alert_level, fa.alert_desc);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

/* An OpenSSL client: its ClientHello decodes to its configuration, and
 * it reads the server flight our decoder reads the same way. */
static void
test_openssl_client(void)
{
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0100};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401};
    static const uint16_t versions[] = {0x0304, 0x0303};
    static struct mx_hello_view v;
    static uint8_t hello[20000];
    SSL_CTX *cctx, *sctx;
    SSL *c, *s;
    BIO *crb, *cwb;
    STACK_OF(SSL_CIPHER) * sk;
    struct mx_error err;
    uint16_t want[200];
    size_t n = 0, hlen = 0, i;
    int r, k;
    EVP_PKEY *peer = NULL;
    X509 *cert;
    unsigned char *der = NULL;
    int derlen;

    cctx = SSL_CTX_new(TLS_client_method());
    if (cctx == NULL ||
        SSL_CTX_set_min_proto_version(cctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(cctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(cctx, "DHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                      "ECDHE-RSA-AES128-SHA") != 1 ||
        SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256:"
                                       "TLS_CHACHA20_POLY1305_SHA256") != 1 ||
        SSL_CTX_set1_groups_list(cctx, "X25519:P-256:ffdhe2048") != 1 ||
        SSL_CTX_set1_sigalgs_list(cctx, "ECDSA+SHA256:rsa_pss_rsae_sha256:"
                                        "RSA+SHA256") != 1) {
        tap_ok(0, "OpenSSL client set up");
        SSL_CTX_free(cctx);
        return;
    }
    c = SSL_new(cctx);
    crb = BIO_new(BIO_s_mem());
    cwb = BIO_new(BIO_s_mem());
    SSL_set_bio(c, crb, cwb);
    SSL_set_tlsext_host_name(c, "mx.example.org");
    SSL_set_connect_state(c);
    r = SSL_do_handshake(c);
    tap_ok(r < 0 && SSL_get_error(c, r) == SSL_ERROR_WANT_READ,
           "OpenSSL client wrote its ClientHello");
    while ((k = BIO_read(cwb, hello + hlen, (int)(sizeof(hello) - hlen))) > 0)
        hlen += (size_t)k;
    save_seed("hello-openssl", 0, hello, hlen);
    mx_error_clear(&err);
    tap_is_int(mx_hello_decode(hello, hlen, &v, &err), 0,
               "OpenSSL ClientHello decodes");
    if (err.code != MX_E_OK)
        printf("#   %s\n", err.msg);
    sk = SSL_get1_supported_ciphers(c);
    for (i = 0; sk != NULL && i < (size_t)sk_SSL_CIPHER_num(sk) && n < 200; i++)
        want[n++] = (uint16_t)SSL_CIPHER_get_protocol_id(
            sk_SSL_CIPHER_value(sk, (int)i));
    sk_SSL_CIPHER_free(sk);
    if (v.nsuites == n + 1 && v.suites[n] == 0x00ff)
        v.nsuites--; /* the renegotiation SCSV OpenSSL adds */
    u16_list_eq(v.suites, v.nsuites, want, n,
                "OpenSSL hello: suites as configured");
    u16_list_eq(v.groups, v.ngroups, groups, 3,
                "OpenSSL hello: supported_groups as configured");
    u16_list_eq(v.sigalgs, v.nsigalgs, sigalgs, 3,
                "OpenSSL hello: signature_algorithms as configured");
    u16_list_eq(v.versions, v.nversions, versions, 2,
                "OpenSSL hello: supported_versions 1.3, 1.2");
    tap_is_str(v.sni, "mx.example.org", "OpenSSL hello: SNI");
    tap_ok(v.nshares == 1 && v.share_groups[0] == 0x001d &&
               v.share_lens[0] == 32,
           "OpenSSL hello: one X25519 key share of 32 bytes");
    tap_ok(v.record_version == 0x0301 && v.legacy_version == 0x0303 &&
               v.session_id_len == 32 && v.ncompressions == 1 &&
               v.compressions[0] == 0,
           "OpenSSL hello: versions, 32-byte session id, null compression");
    tap_ok(has_ext(&v, 0x0000) && has_ext(&v, 0x000a) && has_ext(&v, 0x000d) &&
               has_ext(&v, 0x002b) && has_ext(&v, 0x002d) &&
               has_ext(&v, 0x0033) && has_ext(&v, 0x0017) &&
               !has_ext(&v, 0x0015),
           "OpenSSL hello: the extensions it sends");

    /* that hello to a TLS 1.2 DHE server; then the client reads the
     * flight, and both readings agree */
    sctx = server_ctx(TLS1_2_VERSION, TLS1_2_VERSION,
                      "DHE-RSA-AES128-GCM-SHA256", NULL);
    if (sctx != NULL)
        SSL_CTX_set_dh_auto(sctx, 1);
    s = sctx != NULL
            ? serve(sctx, hello, hlen, flight, sizeof(flight), &flight_len)
            : NULL;
    feed(&fa, MX_FLIGHT_STOP_DONE, flight, flight_len, 0, 0);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 1 &&
               fa.suite == 0x009e && fa.version == 0x0303,
           "OpenSSL pair: the flight decodes to DHE-RSA, TLS 1.2");
    BIO_write(crb, flight, (int)flight_len);
    r = SSL_do_handshake(c);
    tap_ok(r < 0 && SSL_get_error(c, r) == SSL_ERROR_WANT_READ,
           "OpenSSL pair: the client accepted the flight");
    tap_ok(SSL_get_peer_tmp_key(c, &peer) == 1 && peer != NULL &&
               EVP_PKEY_get_bits(peer) == fa.dh_bits && fa.dh_bits >= 2048,
           "OpenSSL pair: DH size as the client sees it");
    EVP_PKEY_free(peer);
    cert = SSL_get1_peer_certificate(c);
    derlen = cert != NULL ? i2d_X509(cert, &der) : 0;
    tap_ok(derlen > 0 && fa.leaf_len == (size_t)derlen &&
               memcmp(fa.leaf, der, (size_t)derlen) == 0,
           "OpenSSL pair: leaf as the client sees it");
    OPENSSL_free(der);
    X509_free(cert);
    r = 0;
    tap_ok(SSL_get_peer_signature_nid(c, &r) == 1 && r == NID_sha256 &&
               (fa.ske_sigalg == 0x0804 || fa.ske_sigalg == 0x0401),
           "OpenSSL pair: SKE signed with SHA-256, RSA");
    check_split("OpenSSL pair", MX_FLIGHT_STOP_DONE, flight, flight_len);
    save_seed("flight-openssl-dhe", 1, flight, flight_len);
    SSL_free(s);
    SSL_CTX_free(sctx);
    SSL_free(c);
    SSL_CTX_free(cctx);
    ERR_clear_error();
}

/* ---------------------------------------------------------------- */
/* Hand-made flights: the rules, and malformed input.                */

static struct bb fl, msg;

static enum mx_verdict
run(int stop)
{
    return feed(&fa, stop, fl.b, fl.n, 0, 0);
}

static int
malformed(const char *reason_start, const char *name)
{
    int ok = fa.verdict == MX_V_MALFORMED &&
             strncmp(fa.reason, reason_start, strlen(reason_start)) == 0;

    if (!tap_ok(ok, name))
        printf("#   %s: \"%s\"\n", mx_verdict_name(fa.verdict), fa.reason);
    return ok;
}

/* A TLS 1.2 ServerHello message with EMS and renegotiation_info. */
static void
sh12(struct bb *b)
{
    static const uint8_t exts[] = {0x00, 0x17, 0x00, 0x00, 0xff,
                                   0x01, 0x00, 0x01, 0x00};

    bb_server_hello(b, 0x0303, NULL, 32, 0xc02f, exts, sizeof(exts), 1);
}

/* An ECDHE ServerKeyExchange for TLS 1.2: P-256, a 65-byte point,
 * rsa_pss_rsae_sha256, a 256-byte signature. */
static void
ske_ecdhe(struct bb *b)
{
    struct bb *m = malloc(sizeof(*m));
    int i;

    if (m == NULL)
        abort();
    m->n = 0;
    bb_u8(m, 3);
    bb_u16(m, 0x0017);
    bb_u8(m, 65);
    for (i = 0; i < 65; i++)
        bb_u8(m, i == 0 ? 4 : i);
    bb_u16(m, 0x0804);
    bb_u16(m, 256);
    for (i = 0; i < 256; i++)
        bb_u8(m, 0x55);
    bb_hs(b, 12, m->b, m->n);
    free(m);
}

static void
certs(struct bb *b, size_t n1, size_t n2)
{
    size_t i, list = 3 + n1 + (n2 ? 3 + n2 : 0);

    bb_u8(b, 11);
    bb_u24(b, 3 + list);
    bb_u24(b, list);
    bb_u24(b, n1);
    for (i = 0; i < n1; i++)
        bb_u8(b, 0x30 + (i & 7));
    if (n2) {
        bb_u24(b, n2);
        for (i = 0; i < n2; i++)
            bb_u8(b, 0x90);
    }
}

static void
test_flight_rules(void)
{
    static const uint8_t done_msg[] = {14, 0, 0, 0};
    static const uint8_t hreq[] = {0, 0, 0, 0};
    static const uint8_t warn[] = {1, 112}, fatal[] = {2, 70};
    static const uint8_t ccs[] = {1};
    uint8_t hrr_random[32], down[32];
    size_t i, cut;
    int all;

    /* SH, Certificate (2 certs), SKE, CertificateRequest, Done in one
     * record */
    msg.n = 0;
    sh12(&msg);
    certs(&msg, 300, 200);
    ske_ecdhe(&msg);
    bb_hs(&msg, 13, (const uint8_t *)"\x01\x01\x00\x00", 4);
    bb_put(&msg, done_msg, 4);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 1 &&
               fa.version == 0x0303 && fa.suite == 0xc02f && fa.ems == 1 &&
               fa.reneg == 1,
           "five messages in one record: server-hello, done");
    tap_ok(fa.ncerts == 2 && fa.leaf_len == 300 && fa.leaf[0] == 0x30 &&
               fa.leaf[299] == 0x30 + (299 & 7),
           "two certificates: the first is the leaf");
    tap_ok(fa.group == 0x0017 && fa.ske_sigalg == 0x0804 && fa.dh_bits == 0,
           "ECDHE SKE: curve and signature scheme");
    check_split("five messages in one record", MX_FLIGHT_STOP_DONE, fl.b, fl.n);
    save_seed("flight-handmade", 1, fl.b, fl.n);

    /* the same flight, one message per record, and a message split
     * over three records */
    {
        size_t at = 0, len;

        fl.n = 0;
        while (at < msg.n) {
            len = ((size_t)msg.b[at + 1] << 16 | (size_t)msg.b[at + 2] << 8 |
                   msg.b[at + 3]) +
                  4;
            if (msg.b[at] == 11) {
                bb_record(&fl, 22, msg.b + at, 10);
                bb_record(&fl, 22, msg.b + at + 10, 100);
                bb_record(&fl, 22, msg.b + at + 110, len - 110);
            } else {
                bb_record(&fl, 22, msg.b + at, len);
            }
            at += len;
        }
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 1 &&
                   fa.ncerts == 2 && fa.group == 0x0017,
               "messages spanning records: same result");
    }

    /* every proper prefix needs more; feeding stops at EOF */
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    all = 1;
    for (cut = 0; cut < fl.n; cut++)
        all &=
            feed(&fa, MX_FLIGHT_STOP_DONE, fl.b, cut, 0, 0) == MX_V_NEED_MORE;
    tap_ok(all, "every truncation of the flight: need-more");
    feed(&fa, MX_FLIGHT_STOP_HELLO, fl.b, 5 + 4 + 38, 0, 0);
    tap_ok(fa.verdict == MX_V_NEED_MORE,
           "ServerHello cut inside its extensions: need-more");

    /* stop at the hello: nothing after it is read */
    fl.n = 0;
    sh12(&fl);
    msg.n = 0;
    bb_record(&msg, 22, fl.b, fl.n);
    bb_put(&msg, "garbage!", 8);
    feed(&fa, MX_FLIGHT_STOP_HELLO, msg.b, msg.n, 0, 0);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 0 &&
               fa.total == msg.n - 8,
           "bytes after the verdict are not read");
    feed(&fa, MX_FLIGHT_STOP_DONE, msg.b, msg.n, 0, 0);
    malformed("unexpected record type 103",
              "... but read on with STOP_DONE: garbage");
    tap_ok(fa.suite == 0xc02f && fa.ems == 1,
           "... the ServerHello fields stay");

    /* HelloRequest ignored; ServerHello, then CCS: done 0 */
    msg.n = 0;
    bb_put(&msg, hreq, 4);
    sh12(&msg);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    bb_record(&fl, 20, ccs, 1);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 0 &&
               fa.suite == 0xc02f,
           "HelloRequest ignored; change_cipher_spec ends a TLS 1.2 flight");
    fl.n -= 1;
    bb_u8(&fl, 2);
    run(MX_FLIGHT_STOP_DONE);
    malformed("bad change_cipher_spec value", "change_cipher_spec of 2");

    /* warning alerts do not end the flight; fatal ones do */
    fl.n = 0;
    bb_record(&fl, 21, warn, 2);
    msg.n = 0;
    sh12(&msg);
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_HELLO);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.alert_level == 1 &&
               fa.alert_desc == 112,
           "warning unrecognized_name, then ServerHello: server-hello");
    fl.n = 0;
    for (i = 0; i < 5; i++)
        bb_record(&fl, 21, warn, 2);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("too many warning alerts", "five warning alerts");
    fl.n = 0;
    bb_record(&fl, 21, (const uint8_t *)"\x01\x00", 2);
    run(MX_FLIGHT_STOP_HELLO);
    tap_ok(fa.verdict == MX_V_ALERT && fa.alert_level == 1 &&
               fa.alert_desc == 0,
           "warning close_notify: alert");
    fl.n = 0;
    bb_record(&fl, 21, fatal, 2);
    run(MX_FLIGHT_STOP_HELLO);
    tap_ok(fa.verdict == MX_V_ALERT && fa.alert_level == 2 &&
               fa.alert_desc == 70 && fa.record_version == 0x0303,
           "fatal protocol_version: alert");
    fl.n = 0;
    msg.n = 0;
    sh12(&msg);
    bb_record(&fl, 22, msg.b, msg.n);
    bb_record(&fl, 21, fatal, 2);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_ALERT && fa.suite == 0xc02f,
           "alert after a TLS 1.2 ServerHello: alert, hello kept");

    /* HelloRetryRequest by hand */
    SHA256((const unsigned char *)"HelloRetryRequest", 17, hrr_random);
    {
        static const uint8_t exts[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                       0x00, 0x33, 0x00, 0x02, 0x00, 0x18};
        static const uint8_t bad_exts[] = {0x00, 0x33, 0x00, 0x03,
                                           0x00, 0x18, 0x00};

        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, hrr_random, 0, 0x1302, exts, sizeof(exts),
                        1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_HRR && fa.hrr_group == 0x0018 &&
                   fa.version == 0x0304 && fa.suite == 0x1302,
               "HelloRetryRequest (SHA-256 random): hrr_group P-384");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, hrr_random, 0, 0x1302, bad_exts,
                        sizeof(bad_exts), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_DONE);
        malformed("bad key_share in HelloRetryRequest",
                  "HRR key_share of 3 bytes");
    }

    /* downgrade sentinels */
    memcpy(down, plain_random, 32);
    memcpy(down + 24, "DOWNGRD\x01", 8);
    fl.n = 0;
    msg.n = 0;
    bb_server_hello(&msg, 0x0303, down, 0, 0xc02f, NULL, 0, 0);
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_HELLO);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO &&
               fa.downgrade == MX_DOWNGRADE_TLS12 && fa.ems == 0,
           "DOWNGRD 01 sentinel; a hello without extensions block");
    fl.b[5 + 4 + 2 + 31] = 0;
    run(MX_FLIGHT_STOP_HELLO);
    tap_is_int(fa.downgrade, MX_DOWNGRADE_TLS11, "DOWNGRD 00 sentinel");
    fl.b[5 + 4 + 2 + 31] = 2;
    run(MX_FLIGHT_STOP_HELLO);
    tap_is_int(fa.downgrade, MX_DOWNGRADE_NONE, "DOWNGRD 02: no sentinel");

    /* versions are reported as given */
    fl.n = 0;
    msg.n = 0;
    bb_server_hello(&msg, 0x0305, NULL, 0, 0x1301, NULL, 0, 0);
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.version == 0x0305 &&
               fa.legacy_version == 0x0305,
           "legacy_version 0x0305: reported as given, verdict at once");
    {
        static const uint8_t sv12[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x03};
        static const uint8_t sv13[] = {
            0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24,
            0x00, 0x1d, 0x00, 0x20, 1,    2,    3,    4,    5,    6,
            7,    8,    9,    10,   11,   12,   13,   14,   15,   16,
            17,   18,   19,   20,   21,   22,   23,   24,   25,   26,
            27,   28,   29,   30,   31,   32};

        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0xc02f, sv12, sizeof(sv12), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.version == 0x0303,
               "supported_versions 1.2 in a ServerHello: reported as 1.2");
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_NEED_MORE,
               "... and read on to ServerHelloDone");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 32, 0x1301, sv13, sizeof(sv13), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        bb_record(&fl, 20, ccs, 1);
        bb_record(&fl, 23, (const uint8_t *)"encrypted", 9);
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.version == 0x0304 &&
                   fa.group == 0x001d && fa.total == fl.n - 6 - 14,
               "TLS 1.3 ServerHello: verdict at once, CCS and data unread");
    }
}

static void
test_flight_malformed(void)
{
    static const uint8_t one[] = {0};
    uint8_t big[300];

    fl.n = 0;
    bb_put(&fl, "HTTP/1.1 400 Bad Request\r\n", 26);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("not TLS", "HTTP reply: not TLS");
    feed(&fa, MX_FLIGHT_STOP_HELLO, fl.b, 1, 0, 0);
    malformed("not TLS", "... known from the first byte");
    fl.n = 0;
    bb_put(&fl, "220 mx ESMTP\r\n", 14);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("not TLS", "SMTP greeting: not TLS");
    fl.n = 0;
    bb_put(&fl, "\x16\x04\x03\x00\x10", 5);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("not TLS (record version major 4)", "record version 4.3");

    /* record sizes */
    fl.n = 0;
    bb_put(&fl, "\x16\x03\x03\x48\x01", 5); /* 18433 */
    run(MX_FLIGHT_STOP_HELLO);
    malformed("record overflow", "record of 16384+2049 bytes");
    fl.b[4] = 0x00; /* 18432: acceptable, wants more */
    run(MX_FLIGHT_STOP_HELLO);
    tap_ok(fa.verdict == MX_V_NEED_MORE, "record of 16384+2048: need-more");
    fl.n = 0;
    bb_record(&fl, 22, one, 0);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("zero-length handshake record", "zero-length handshake record");
    fl.n = 0;
    bb_record(&fl, 21, (const uint8_t *)"\x02\x28\x00", 3);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("bad alert length 3", "alert of 3 bytes");
    fl.n = 0;
    bb_record(&fl, 21, (const uint8_t *)"\x02", 1);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("bad alert length 1", "alert of 1 byte");
    fl.n = 0;
    bb_record(&fl, 23, (const uint8_t *)"x", 1);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("application data before ServerHello", "application data first");
    fl.n = 0;
    bb_record(&fl, 20, (const uint8_t *)"\x01", 1);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("change_cipher_spec before ServerHello", "CCS first");

    /* a handshake message announced longer than what comes, then a
     * record of another type */
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x02\x00\x01\x00\x03\x03", 6);
    bb_record(&fl, 21, (const uint8_t *)"\x02\x28", 2);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("handshake message cut by a record of type 21",
              "partial handshake message, then an alert");
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x02\x00\x01", 3);
    bb_record(&fl, 23, (const uint8_t *)"x", 1);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("handshake message cut", "partial header, then app data");
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x02\x00\x01\x00\x03\x03", 6);
    bb_put(&fl, "\x18\x03\x03\x00\x01", 5);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("unexpected record type 24", "record type 24 later on");
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x02\x00\x01\x00\x03\x03", 6);
    bb_put(&fl, "\x16\x02\x03\x00\x01", 5);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("bad record version major 2", "record version 2.3 later on");

    /* ServerHello structure */
    {
        static const uint8_t over[] = {0x00, 0x17, 0x00, 0x05, 0x00};
        static const uint8_t dup[] = {0x00, 0x17, 0x00, 0x00,
                                      0x00, 0x17, 0x00, 0x00};
        static const uint8_t ems1[] = {0x00, 0x17, 0x00, 0x01, 0x00};
        static const uint8_t reneg[] = {0xff, 0x01, 0x00, 0x02, 0x05, 0x00};

        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0xc02f, over, sizeof(over), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("ServerHello extension overflows",
                  "extension length past its block");
        /* the block length past the message */
        fl.b[5 + 4 + 2 + 32 + 1 + 3 + 1]++;
        run(MX_FLIGHT_STOP_HELLO);
        malformed("bad ServerHello extensions length",
                  "extensions block length past the message");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0xc02f, dup, sizeof(dup), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("duplicate ServerHello extension", "duplicate EMS");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0xc02f, ems1, sizeof(ems1), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("extended_master_secret not empty", "EMS with data");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0xc02f, reneg, sizeof(reneg), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("bad renegotiation_info", "renegotiation_info 5 of 1");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0xc02f, NULL, 0, 0);
        msg.b[3] += 1; /* one byte left over: half a block length */
        bb_u8(&msg, 0);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("bad ServerHello extensions length",
                  "a 1-byte extensions block");
    }
    fl.n = 0;
    msg.n = 0;
    bb_server_hello(&msg, 0x0303, NULL, 33, 0xc02f, NULL, 0, 0);
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("ServerHello session_id length 33", "session_id length 33");
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x02\x00\x00\x02\x03\x03", 6);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("ServerHello too short", "ServerHello of 2 bytes");
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x0b\x00\x00\x03\x00\x00\x00", 7);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("expected ServerHello", "Certificate first");
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x00\x00\x00\x01\x00", 5);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("HelloRequest not empty", "HelloRequest with a body");

    /* order and content after a TLS 1.2 ServerHello */
    msg.n = 0;
    sh12(&msg);
    ske_ecdhe(&msg);
    certs(&msg, 10, 0);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("handshake message type 11 out of order",
              "Certificate after ServerKeyExchange");
    msg.n = 0;
    sh12(&msg);
    certs(&msg, 10, 0);
    certs(&msg, 10, 0);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("handshake message type 11 out of order", "two Certificates");
    msg.n = 0;
    sh12(&msg);
    bb_hs(&msg, 4, (const uint8_t *)"", 0);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("unexpected handshake message type 4",
              "NewSessionTicket in the first flight");
    msg.n = 0;
    sh12(&msg);
    bb_hs(&msg, 14, (const uint8_t *)"x", 1);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("ServerHelloDone not empty", "ServerHelloDone with a body");
    msg.n = 0;
    sh12(&msg);
    bb_hs(&msg, 11, (const uint8_t *)"\x00\x00\x03\x00\x00\x00", 6);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("bad certificate length", "a zero-length certificate");
    msg.n = 0;
    sh12(&msg);
    bb_hs(&msg, 11, (const uint8_t *)"\x00\x00\x05\x00\x00\x01\x30", 7);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("bad Certificate list length", "certificate list too long");
    msg.n = 0;
    sh12(&msg);
    bb_hs(&msg, 11, (const uint8_t *)"\x00\x00\x00", 3);
    bb_hs(&msg, 14, NULL, 0);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.ncerts == 0 &&
               fa.leaf == NULL && fa.done == 1,
           "an empty certificate list is not malformed");

    /* ServerKeyExchange shapes */
    {
        uint8_t ske[1200];
        size_t n = 0, i;

        /* DHE: p of 2048 bits with a leading zero byte, g, Ys, TLS 1.2
         * signature */
        ske[n++] = 0x01;
        ske[n++] = 0x01;
        ske[n++] = 0x00;
        for (i = 0; i < 256; i++)
            ske[n++] = 0xff;
        ske[n++] = 0;
        ske[n++] = 1;
        ske[n++] = 2;
        ske[n++] = 0;
        ske[n++] = 2;
        ske[n++] = 0x12;
        ske[n++] = 0x34;
        ske[n++] = 0x04;
        ske[n++] = 0x01;
        ske[n++] = 0;
        ske[n++] = 3;
        ske[n++] = 'a';
        ske[n++] = 'b';
        ske[n++] = 'c';
        msg.n = 0;
        sh12(&msg);
        bb_hs(&msg, 12, ske, n);
        bb_hs(&msg, 14, NULL, 0);
        fl.n = 0;
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.dh_bits == 2048 &&
                   fa.group == 0 && fa.ske_sigalg == 0x0401,
               "DHE SKE: leading zero skipped, 2048 bits, rsa_pkcs1_sha256");
        /* anonymous DHE: no signature */
        msg.n = 0;
        sh12(&msg);
        bb_hs(&msg, 12, ske, n - 7);
        bb_hs(&msg, 14, NULL, 0);
        fl.n = 0;
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.dh_bits == 2048 && fa.ske_sigalg == 0, "anonymous DHE SKE");
        /* a shape neither ECDHE nor DHE: skipped */
        msg.n = 0;
        sh12(&msg);
        bb_hs(&msg, 12, ske, n - 1);
        bb_hs(&msg, 14, NULL, 0);
        fl.n = 0;
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 1 &&
                   fa.dh_bits == 0 && fa.group == 0 && fa.ske_sigalg == 0,
               "SKE of unknown shape: skipped, nothing reported");
    }

    /* CertificateStatus has its place between Certificate and SKE */
    msg.n = 0;
    sh12(&msg);
    certs(&msg, 10, 0);
    bb_hs(&msg, 22, (const uint8_t *)"\x01\x00\x00\x01\x00", 5);
    ske_ecdhe(&msg);
    bb_hs(&msg, 14, NULL, 0);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 1 &&
               fa.group == 0x0017,
           "CertificateStatus between Certificate and SKE");
    msg.n = 0;
    sh12(&msg);
    ske_ecdhe(&msg);
    bb_hs(&msg, 22, (const uint8_t *)"\x01\x00\x00\x01\x00", 5);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("handshake message type 22 out of order",
              "CertificateStatus after SKE");
    /* TLS 1.3 ServerHello extensions with bad lengths */
    {
        static const uint8_t sv3[] = {0x00, 0x2b, 0x00, 0x03, 0x03, 0x04, 0};
        static const uint8_t ks0[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00,
                                      0x33, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x00};
        static const uint8_t ks1[] = {0x00, 0x33, 0x00, 0x01, 0x00};

        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0x1301, sv3, sizeof(sv3), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("bad supported_versions in ServerHello",
                  "supported_versions of 3 bytes");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0x1301, ks0, sizeof(ks0), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("bad key_share in ServerHello", "empty key_exchange");
        fl.n = 0;
        msg.n = 0;
        bb_server_hello(&msg, 0x0303, NULL, 0, 0x1301, ks1, sizeof(ks1), 1);
        bb_record(&fl, 22, msg.b, msg.n);
        run(MX_FLIGHT_STOP_HELLO);
        malformed("bad key_share in ServerHello", "key_share of 1 byte");
    }

    /* flight size limits */
    fl.n = 0;
    bb_record(&fl, 22, (const uint8_t *)"\x02\x01\x00\x00", 4);
    run(MX_FLIGHT_STOP_HELLO);
    malformed("flight too large", "a 65536-byte ServerHello: too large");
    msg.n = 0;
    sh12(&msg);
    bb_u8(&msg, 11);
    bb_u24(&msg, 65500);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    run(MX_FLIGHT_STOP_DONE);
    malformed("flight too large", "a 65500-byte Certificate after it");
    {
        size_t at, k;

        /* ServerHello and a Certificate that fill the buffer to 6 bytes
         * short of MX_FLIGHT_MAX, then 300 more bytes */
        memset(big, 0x41, sizeof(big));
        msg.n = 0;
        sh12(&msg);
        certs(&msg, MX_FLIGHT_MAX - 6 - msg.n - 10, 0);
        fl.n = 0;
        for (at = 0; at < msg.n; at += k) {
            k = msg.n - at < 16000 ? msg.n - at : 16000;
            bb_record(&fl, 22, msg.b + at, k);
        }
        run(MX_FLIGHT_STOP_DONE);
        tap_ok(fa.verdict == MX_V_NEED_MORE && fa.ncerts == 1 &&
                   fa.hs_len == MX_FLIGHT_MAX - 6,
               "a flight of MX_FLIGHT_MAX - 6 bytes is fine");
        bb_record(&fl, 22, big, sizeof(big));
        run(MX_FLIGHT_STOP_DONE);
        malformed("flight too large",
                  "handshake bytes past MX_FLIGHT_MAX: too large");
    }
}

/* Inputs the fuzzer found, and what they taught. */
static void
test_regressions(void)
{
    /* fuzz_flight.c crash-089c0232... and crash-fd842b89... (mode byte
     * dropped): an SSLv2 header with a bad message type. The verdict
     * comes from the third byte, so total was 3 when fed byte by byte but
     * the whole chunk when fed at once. */
    static const uint8_t crash1[] = {0xff, 0x7e, 0xff, 0xb8, 0x14,
                                     0x4c, 0xf0, 0x01, 0x15, 0x03,
                                     0x03, 0x00, 0x08, 0x02, 0x28};
    static const uint8_t crash2[] = {0xaf, 0xaf, 0x55, 0x00, 0x00, 0x0d, 0x80,
                                     0xa3, 0xb5, 0x00, 0x00, 0x0d, 0x01};
    size_t at, k, before;

    check_split("fuzz regression 1", MX_FLIGHT_STOP_DONE, crash1,
                sizeof(crash1));
    tap_ok(fa.verdict == MX_V_MALFORMED && fa.total == 3,
           "fuzz regression 1: decided at the third byte");
    check_split("fuzz regression 2", MX_FLIGHT_STOP_DONE, crash2,
                sizeof(crash2));
    check_split("fuzz regression 2, stop at hello", MX_FLIGHT_STOP_HELLO,
                crash2, sizeof(crash2));

    /* the same lesson in a record: the verdict is the ServerHello's last
     * byte, not the end of the record or of the chunk */
    msg.n = 0;
    sh12(&msg);
    before = msg.n;
    bb_put(&msg, "\x0b\x00\x00", 3);
    fl.n = 0;
    bb_record(&fl, 22, msg.b, msg.n);
    check_split("verdict inside a record", MX_FLIGHT_STOP_HELLO, fl.b, fl.n);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.total == 5 + before,
           "verdict inside a record: total ends at the ServerHello");

    /* and near the size limit: a ServerHelloDone that fits comes before
     * the bytes that do not */
    msg.n = 0;
    sh12(&msg);
    certs(&msg, MX_FLIGHT_MAX - 4 - msg.n - 10, 0);
    bb_put(&msg, "\x0e\x00\x00\x00garbage", 11);
    fl.n = 0;
    for (at = 0; at < msg.n; at += k) {
        k = msg.n - at < 16000 ? msg.n - at : 16000;
        bb_record(&fl, 22, msg.b + at, k);
    }
    check_split("ServerHelloDone at the size limit", MX_FLIGHT_STOP_DONE, fl.b,
                fl.n);
    tap_ok(fa.verdict == MX_V_SERVER_HELLO && fa.done == 1 &&
               fa.total == fl.n - 7,
           "ServerHelloDone at the size limit: done, not too large");
}

/* SSLv2 SERVER-HELLO and ERROR, built by hand. */
static void
test_ssl2_server(void)
{
    static uint8_t cid[16] = {9, 9, 9};
    unsigned char *der = NULL;
    int derlen = i2d_X509(rsa_cert, &der);
    size_t body;

    if (derlen <= 0) {
        tap_ok(0, "certificate DER for the SSLv2 hello");
        return;
    }
    body = 11 + (size_t)derlen + 6 + 16;
    fl.n = 0;
    bb_u16(&fl, 0x8000 | (unsigned)body);
    bb_u8(&fl, 4);       /* SERVER-HELLO */
    bb_u8(&fl, 0);       /* no session hit */
    bb_u8(&fl, 1);       /* X.509 */
    bb_u16(&fl, 0x0002); /* SSL 2.0 */
    bb_u16(&fl, (unsigned)derlen);
    bb_u16(&fl, 6);
    bb_u16(&fl, 16);
    bb_put(&fl, der, (size_t)derlen);
    bb_put(&fl, "\x01\x00\x80\x07\x00\xc0", 6);
    bb_put(&fl, cid, 16);
    run(MX_FLIGHT_STOP_DONE);
    tap_is_str(mx_verdict_name(fa.verdict), "sslv2-server-hello",
               "SSLv2 SERVER-HELLO: verdict");
    tap_ok(fa.ssl2_version == 2 && fa.version == 2 && fa.record_version == 2 &&
               fa.nssl2_ciphers == 2 && fa.ssl2_ciphers[0] == 0x010080 &&
               fa.ssl2_ciphers[1] == 0x0700c0,
           "SSLv2 SERVER-HELLO: version and cipher kinds");
    tap_ok(fa.ncerts == 1 && fa.leaf_len == (size_t)derlen &&
               memcmp(fa.leaf, der, (size_t)derlen) == 0,
           "SSLv2 SERVER-HELLO: the certificate is the leaf");
    check_split("SSLv2 SERVER-HELLO", MX_FLIGHT_STOP_DONE, fl.b, fl.n);
    save_seed("flight-sslv2", 1, fl.b, fl.n);
    fl.b[12]++; /* cipher specs length 7 */
    run(MX_FLIGHT_STOP_DONE);
    malformed("SSLv2 SERVER-HELLO lengths", "SSLv2 lengths that do not add up");
    OPENSSL_free(der);

    fl.n = 0;
    bb_put(&fl, "\x80\x03\x00\x00\x01", 5);
    run(MX_FLIGHT_STOP_DONE);
    tap_ok(fa.verdict == MX_V_ALERT && fa.alert_level == 2 &&
               fa.alert_desc == 40 && fa.record_version == 2 &&
               strstr(fa.reason, "NO-CIPHER-ERROR") != NULL,
           "SSLv2 ERROR NO-CIPHER: alert handshake_failure");
    save_seed("flight-sslv2-error", 0, fl.b, fl.n);
    fl.n = 0;
    bb_put(&fl, "\x80\x04\x00\x00\x01\x00", 6);
    run(MX_FLIGHT_STOP_DONE);
    malformed("bad SSLv2 ERROR length", "SSLv2 ERROR of 4 bytes");
    fl.n = 0;
    bb_put(&fl, "\x80\x05\x02\x00\x00\x00\x00", 7);
    run(MX_FLIGHT_STOP_DONE);
    malformed("not TLS (SSLv2 message type 2)", "SSLv2 message type 2");
    fl.n = 0;
    bb_put(&fl, "\x80\x02\x04\x00", 4);
    run(MX_FLIGHT_STOP_DONE);
    malformed("SSLv2 record too short", "SSLv2 record of 2 bytes");
    fl.n = 0;
    bb_put(&fl, "\x80\x0b\x04\x00\x01\x00\x02\x00\x00\x00\x03\x00\x00", 13);
    run(MX_FLIGHT_STOP_DONE);
    malformed("SSLv2 SERVER-HELLO lengths", "SSLv2 cipher specs missing");
    /* an SSLv2 header is only recognised first */
    fl.n = 0;
    bb_record(&fl, 21, (const uint8_t *)"\x01\x70", 2);
    bb_put(&fl, "\x80\x03\x00\x00\x01", 5);
    run(MX_FLIGHT_STOP_DONE);
    malformed("unexpected record type 128", "SSLv2 header after a record");
}

static int
setup(void)
{
    rsa_key = EVP_RSA_gen(2048);
    ec_key = EVP_EC_gen("P-256");
    if (rsa_key == NULL || ec_key == NULL)
        return -1;
    rsa_cert = self_signed(rsa_key, "rsa.example");
    ec_cert = self_signed(ec_key, "ecdsa.example");
    return rsa_cert != NULL && ec_cert != NULL ? 0 : -1;
}

/* ---------------------------------------------------------------- */
/* ServerHellos a client must reject (shcheck.c).                    */

static struct mx_hello_view sc_view;
static uint8_t sc_sid[32];
static struct bb sc_msg, sc_wire;

/* The ClientHello of these cases: TLS 1.3 and 1.2; suites 0x1301, 0x1302,
 * 0xC02F, 0x00FF (SCSV); groups X25519, P-256, P-384, X25519MLKEM768 with
 * shares for X25519, P-256 and X25519MLKEM768; a 32-byte session id; the
 * modern extensions (renegotiation_info only as the SCSV when reneg is
 * 0). */
static int
sc_client(int reneg)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0xC02F, 0x00FF};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x11ec};
    struct mx_error err;

    offer_init(&offer,
               MX_HELLO_MODERN & ~(reneg ? 0u : (unsigned)MX_HELLO_RENEG_EXT),
               suites, 4);
    offer.h.groups = groups;
    offer.h.ngroups = 4;
    offer_share(&offer, 0x001d);
    offer_share(&offer, 0x0017);
    offer_share(&offer, 0x11ec);
    if (offer_encode(&offer) < 0 ||
        mx_hello_decode(offer.out, offer.len, &sc_view, &err) < 0)
        return -1;
    memcpy(sc_sid, offer.h.session_id, 32);
    return 0;
}

static void
ext_u16(struct bb *e, unsigned type, unsigned v)
{
    bb_u16(e, type);
    bb_u16(e, 2);
    bb_u16(e, v);
}

/* key_share with a server share of n bytes, first byte first. */
static void
ext_share(struct bb *e, unsigned group, size_t n, unsigned first)
{
    size_t i;

    bb_u16(e, 51);
    bb_u16(e, (unsigned)(n + 4));
    bb_u16(e, group);
    bb_u16(e, (unsigned)n);
    for (i = 0; i < n; i++)
        bb_u8(e, i == 0 ? first : (unsigned)(i * 13 + 1) & 0xff);
}

static void
ext_empty(struct bb *e, unsigned type)
{
    bb_u16(e, type);
    bb_u16(e, 0);
}

enum { SID_ECHO, SID_OTHER, SID_NONE };

/* Feed a ServerHello (hrr: with the HelloRetryRequest random) and an
 * optional ECDHE ServerKeyExchange of curve ske_group with a point of
 * ske_len bytes, then check it; want NULL: accepted, else rejected with
 * a reason holding want. */
static void
sc_case(const char *name, unsigned legacy, int sid, unsigned suite,
        unsigned comp, int hrr, const struct bb *exts, unsigned ske_group,
        size_t ske_len, const char *want)
{
    static const uint8_t hrr_r[32] = {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
        0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
        0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    struct bb *m = &sc_msg;
    char why[200] = "", label[300];
    size_t i;
    int rc;

    m->n = 0;
    bb_u16(m, legacy);
    bb_put(m, hrr ? hrr_r : plain_random, 32);
    if (sid == SID_NONE) {
        bb_u8(m, 0);
    } else {
        bb_u8(m, 32);
        for (i = 0; i < 32; i++)
            bb_u8(m, sid == SID_ECHO ? sc_sid[i] : sc_sid[i] ^ 0x55);
    }
    bb_u16(m, suite);
    bb_u8(m, comp);
    bb_u16(m, (unsigned)exts->n);
    bb_put(m, exts->b, exts->n);
    sc_wire.n = 0;
    bb_hs(&sc_wire, 2, m->b, m->n);
    if (ske_len > 0) {
        m->n = 0;
        bb_u8(m, 3);
        bb_u16(m, ske_group);
        bb_u8(m, (unsigned)ske_len);
        for (i = 0; i < ske_len; i++)
            bb_u8(m, i == 0 ? 4 : 7);
        bb_hs(&sc_wire, 12, m->b, m->n);
        bb_hs(&sc_wire, 14, NULL, 0);
    }
    m->n = 0;
    bb_record(m, 22, sc_wire.b, sc_wire.n);
    feed(&fa, ske_len > 0 ? MX_FLIGHT_STOP_DONE : MX_FLIGHT_STOP_HELLO, m->b,
         m->n, 0, 0);
    if (fa.verdict != (hrr ? MX_V_HRR : MX_V_SERVER_HELLO)) {
        snprintf(label, sizeof(label), "%s: decoded (%s %s)", name,
                 mx_verdict_name(fa.verdict), fa.reason);
        tap_ok(0, label);
        return;
    }
    rc = mx_sh_check(&sc_view, &fa, why, sizeof(why));
    if (want == NULL) {
        snprintf(label, sizeof(label), "%s: accepted", name);
        if (!tap_ok(rc == 0, label))
            printf("#   why: %s\n", why);
        return;
    }
    snprintf(label, sizeof(label), "%s: rejected, \"%s\"", name, want);
    if (!tap_ok(rc == -1 && strstr(why, want) != NULL, label))
        printf("#   rc %d, why: %s\n", rc, why);
}

/* The length of a server's share per group (RFC 8446 4.2.8, RFC 7919,
 * FIPS 203 ciphertexts, the hybrid drafts). */
static void
test_server_share_len(void)
{
    static const struct {
        uint16_t group;
        long len;
        int point_at;
    } want[] = {
        {0x001d, 32, -1},   {0x001e, 56, -1},  {0x0017, 65, 0},
        {0x0018, 97, 0},    {0x0019, 133, 0},  {0x0100, 256, -1},
        {0x0101, 384, -1},  {0x0102, 512, -1}, {0x0103, 768, -1},
        {0x0104, 1024, -1}, {0x0200, 768, -1}, {0x0201, 1088, -1},
        {0x0202, 1568, -1}, {0x11eb, 1153, 0}, {0x11ec, 1120, -1},
        {0x11ed, 1665, 0},  {0x7777, 0, -1},
    };
    char label[80];
    size_t i;
    int at;

    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        at = -1;
        snprintf(label, sizeof(label), "server share of 0x%04x: %ld bytes",
                 want[i].group, want[i].len);
        tap_ok(mx_keyshare_server_len(want[i].group, &at) == want[i].len &&
                   (want[i].len == 0 || at == want[i].point_at),
               label);
    }
}

static void
test_sh_check(void)
{
    static struct bb e;
    static const uint8_t alpn[] = {0, 3, 2, 'h', '2'};

#define EXTS(...) (e.n = 0, __VA_ARGS__, &e)
#define SV13      ext_u16(&e, 43, 0x0304)
#define X25519    ext_share(&e, 0x001d, 32, 9)
    if (sc_client(1) < 0) {
        tap_ok(0, "shcheck: the ClientHello of the cases");
        return;
    }
    /* answers a client takes */
    sc_case("TLS 1.3, X25519", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(SV13, X25519), 0, 0, NULL);
    sc_case("TLS 1.3, P-256", 0x0303, SID_ECHO, 0x1302, 0, 0,
            EXTS(ext_share(&e, 0x0017, 65, 4), SV13), 0, 0, NULL);
    sc_case("TLS 1.3, X25519MLKEM768 (1088 + 32 bytes)", 0x0303, SID_ECHO,
            0x1301, 0, 0, EXTS(SV13, ext_share(&e, 0x11ec, 1120, 9)), 0, 0,
            NULL);
    sc_case("HelloRetryRequest for P-384 (listed, no share)", 0x0303, SID_ECHO,
            0x1301, 0, 1, EXTS(SV13, ext_u16(&e, 51, 0x0018)), 0, 0, NULL);
    sc_case("HelloRetryRequest with a cookie only", 0x0303, SID_ECHO, 0x1301, 0,
            1,
            EXTS(SV13,
                 (bb_u16(&e, 44), bb_u16(&e, 3), bb_u16(&e, 1), bb_u8(&e, 7))),
            0, 0, NULL);
    sc_case("TLS 1.2, renegotiation_info and EMS", 0x0303, SID_OTHER, 0xC02F, 0,
            0,
            EXTS((bb_u16(&e, 0xff01), bb_u16(&e, 1), bb_u8(&e, 0)),
                 ext_empty(&e, 23)),
            0, 0, NULL);
    sc_case("TLS 1.2, ECDHE P-256 ServerKeyExchange", 0x0303, SID_NONE, 0xC02F,
            0, 0, EXTS(ext_empty(&e, 23)), 0x0017, 65, NULL);
    sc_case("TLS 1.0 to a TLS 1.3 client", 0x0301, SID_OTHER, 0xC02F, 0, 0,
            EXTS((void)0), 0, 0, NULL);

    /* key_share */
    sc_case("key_share for a listed group with no share", 0x0303, SID_ECHO,
            0x1301, 0, 0, EXTS(SV13, ext_share(&e, 0x0018, 97, 4)), 0, 0,
            "for group P-384, for which no share was sent");
    sc_case("key_share for a group never offered", 0x0303, SID_ECHO, 0x1301, 0,
            0, EXTS(SV13, ext_share(&e, 0x7777, 32, 9)), 0, 0,
            "for group 0x7777, which was not offered");
    sc_case("X25519 share of 5 bytes", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(SV13, ext_share(&e, 0x001d, 5, 9)), 0, 0,
            "key_share of 5 bytes for X25519 (32 expected)");
    sc_case("X25519 share of 33 bytes", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(SV13, ext_share(&e, 0x001d, 33, 9)), 0, 0,
            "key_share of 33 bytes for X25519 (32 expected)");
    sc_case("P-256 share of 64 bytes", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(SV13, ext_share(&e, 0x0017, 64, 4)), 0, 0,
            "key_share of 64 bytes for P-256 (65 expected)");
    sc_case("P-256 share without 0x04", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(SV13, ext_share(&e, 0x0017, 65, 2)), 0, 0,
            "key_share for P-256 is not an uncompressed point");
    sc_case("X25519MLKEM768 share of the client's size", 0x0303, SID_ECHO,
            0x1301, 0, 0, EXTS(SV13, ext_share(&e, 0x11ec, 1216, 9)), 0, 0,
            "key_share of 1216 bytes for X25519MLKEM768 (1120 expected)");
    sc_case("TLS 1.3 without key_share", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(SV13), 0, 0, "TLS 1.3 ServerHello without a key_share");
    sc_case("HelloRetryRequest for a group already shared", 0x0303, SID_ECHO,
            0x1301, 0, 1, EXTS(SV13, ext_u16(&e, 51, 0x001d)), 0, 0,
            "asks for group X25519, for which a share was sent");
    sc_case("HelloRetryRequest for a group never offered", 0x0303, SID_ECHO,
            0x1301, 0, 1, EXTS(SV13, ext_u16(&e, 51, 0x7777)), 0, 0,
            "asks for group 0x7777, which was not offered");
    sc_case("HelloRetryRequest that changes nothing", 0x0303, SID_ECHO, 0x1301,
            0, 1, EXTS(SV13), 0, 0, "asks for no change");

    /* version */
    sc_case("supported_versions 0x0305", 0x0303, SID_ECHO, 0x1301, 0, 0,
            EXTS(ext_u16(&e, 43, 0x0305), X25519), 0, 0,
            "selects 0x0305, which was not offered");
    sc_case("supported_versions TLS 1.2", 0x0303, SID_ECHO, 0xC02F, 0, 0,
            EXTS(ext_u16(&e, 43, 0x0303)), 0, 0,
            "selects TLSv1.2 (only TLS 1.3 is negotiated that way)");
    sc_case("TLS 1.3 with legacy_version 0x0301", 0x0301, SID_ECHO, 0x1301, 0,
            0, EXTS(SV13, X25519), 0, 0, "legacy_version 0x0301");
    sc_case("legacy_version 0x0304", 0x0304, SID_ECHO, 0x1301, 0, 0,
            EXTS(X25519), 0, 0, "legacy_version 0x0304 (TLS 1.3 is chosen");
    sc_case("HelloRetryRequest without supported_versions", 0x0303, SID_ECHO,
            0x1301, 0, 1, EXTS(ext_u16(&e, 51, 0x0018)), 0, 0,
            "HelloRetryRequest without supported_versions");

    /* suite and compression */
    sc_case("TLS_NULL_WITH_NULL_NULL", 0x0303, SID_OTHER, 0x0000, 0, 0,
            EXTS((void)0), 0, 0, "TLS_NULL_WITH_NULL_NULL (0x0000)");
    sc_case("the renegotiation SCSV as a suite", 0x0303, SID_OTHER, 0x00FF, 0,
            0, EXTS((void)0), 0, 0, "a signalling value");
    sc_case("a suite not offered", 0x0303, SID_ECHO, 0x1303, 0, 0,
            EXTS(SV13, X25519), 0, 0, "suite 0x1303, which was not offered");
    sc_case("a TLS 1.2 suite in TLS 1.3", 0x0303, SID_ECHO, 0xC02F, 0, 0,
            EXTS(SV13, X25519), 0, 0, "not a TLS 1.3 suite, for TLS 1.3");
    sc_case("a TLS 1.3 suite in TLS 1.2", 0x0303, SID_OTHER, 0x1301, 0, 0,
            EXTS((void)0), 0, 0, "the TLS 1.3 suite");
    sc_case("compression DEFLATE, not offered", 0x0303, SID_OTHER, 0xC02F, 1, 0,
            EXTS((void)0), 0, 0, "compression method 1, which was not offered");

    /* session id */
    sc_case("TLS 1.3, session id not echoed", 0x0303, SID_OTHER, 0x1301, 0, 0,
            EXTS(SV13, X25519), 0, 0, "does not echo the session id");
    sc_case("TLS 1.3, empty session id", 0x0303, SID_NONE, 0x1301, 0, 0,
            EXTS(SV13, X25519), 0, 0, "does not echo the session id");

    /* extensions */
    sc_case("TLS 1.3 with ALPN (not sent, not allowed)", 0x0303, SID_ECHO,
            0x1301, 0, 0,
            EXTS(SV13, X25519,
                 (bb_u16(&e, 16), bb_u16(&e, 5), bb_put(&e, alpn, 5))),
            0, 0, "extension 16 is not allowed in a TLS 1.3 ServerHello");
    sc_case("TLS 1.3 with extended_master_secret (sent, not allowed)", 0x0303,
            SID_ECHO, 0x1301, 0, 0, EXTS(SV13, X25519, ext_empty(&e, 23)), 0, 0,
            "extension 23 is not allowed in a TLS 1.3 ServerHello");
    sc_case("HelloRetryRequest with EMS", 0x0303, SID_ECHO, 0x1301, 0, 1,
            EXTS(SV13, ext_u16(&e, 51, 0x0018), ext_empty(&e, 23)), 0, 0,
            "extension 23 is not allowed in a HelloRetryRequest");
    sc_case("TLS 1.2 with ALPN, not sent", 0x0303, SID_OTHER, 0xC02F, 0, 0,
            EXTS((bb_u16(&e, 16), bb_u16(&e, 5), bb_put(&e, alpn, 5))), 0, 0,
            "ServerHello extension 16, which the client did not send");
    sc_case("TLS 1.2 with key_share", 0x0303, SID_OTHER, 0xC02F, 0, 0,
            EXTS(X25519), 0, 0, "extension 51 is not allowed in a ServerHello");
    sc_case("TLS 1.2 with signature_algorithms", 0x0303, SID_OTHER, 0xC02F, 0,
            0,
            EXTS((bb_u16(&e, 13), bb_u16(&e, 4), bb_u16(&e, 2),
                  bb_u16(&e, 0x0403))),
            0, 0, "extension 13 is not allowed in a ServerHello");

    /* TLS 1.2 ServerKeyExchange */
    sc_case("ECDHE curve not offered", 0x0303, SID_NONE, 0xC02F, 0, 0,
            EXTS((void)0), 0x0019, 133,
            "ServerKeyExchange curve P-521, which was not offered");
    sc_case("ECDHE P-256 point of 64 bytes", 0x0303, SID_NONE, 0xC02F, 0, 0,
            EXTS((void)0), 0x0017, 64,
            "ServerKeyExchange point of 64 bytes for P-256 (65 expected)");

    /* renegotiation_info after the SCSV alone */
    if (sc_client(0) < 0) {
        tap_ok(0, "shcheck: the ClientHello without renegotiation_info");
        return;
    }
    sc_case("renegotiation_info answering the SCSV", 0x0303, SID_OTHER, 0xC02F,
            0, 0, EXTS((bb_u16(&e, 0xff01), bb_u16(&e, 1), bb_u8(&e, 0))), 0, 0,
            NULL);
#undef EXTS
#undef SV13
#undef X25519
}

int
main(void)
{
    int ok;

    setvbuf(stdout, NULL, _IOLBF, 0);
    ok = setup() == 0;

    tap_ok(ok, "throwaway RSA and ECDSA keys and certificates");
    test_names();
    test_encode_minimal();
    test_encode_full();
    test_encode_sslv2();
    test_encode_errors();
    test_roundtrip();
    test_decode_records();
    test_padding();
    test_decode_errors();
    test_keyshare();
    test_flight_rules();
    test_flight_malformed();
    test_regressions();
    test_server_share_len();
    test_sh_check();
    if (ok) {
        test_ssl2_server();
        test_openssl_client();
        test_servers_tls12();
        test_servers_tls13();
        test_hrr_and_alerts();
    }
    X509_free(rsa_cert);
    X509_free(ec_cert);
    EVP_PKEY_free(rsa_key);
    EVP_PKEY_free(ec_key);
    return tap_done();
}
