/*
 * keyshare.c - well-formed TLS 1.3 key shares (KeyShareEntry.key_exchange
 * values) for the groups a probe offers.
 *
 * Classic groups get a fresh key pair from the linked OpenSSL 3: X25519
 * and X448 as their raw 32/56-byte public keys (RFC 8446 4.2.8.2, RFC
 * 7748), the NIST curves as uncompressed points 04 || X || Y (RFC 8446
 * 4.2.8.2, SEC 1 2.3.3), FFDHE groups as the public value Y left-padded
 * with zeros to the size of the prime (RFC 8446 4.2.8.1, RFC 7919). The
 * brainpool, secp224r1 and secp256k1 curves are served the same way, for
 * probes that offer them.
 *
 * ML-KEM (FIPS 203) is not in OpenSSL 3.0, and a probe never needs the
 * secret: an encapsulation key is ByteEncode12 of k*256 coefficients
 * followed by the 32-byte seed rho (FIPS 203 7.1, 384k + 32 bytes), and the
 * one check a server makes on it is that every coefficient is below
 * q = 3329 (FIPS 203 7.2, modulus check). So the coefficients are drawn
 * uniformly below q (rejection sampling of 12-bit values) and rho is
 * random. The hybrids (draft-ietf-tls-ecdhe-mlkem, formerly
 * draft-kwiatkowski-tls-ecdhe-mlkem) concatenate the two shares:
 * X25519MLKEM768 (0x11ec) is the ML-KEM-768 key (1184 bytes) first, then
 * X25519 (32); SecP256r1MLKEM768 (0x11eb) is the P-256 point (65) first,
 * then the ML-KEM-768 key; SecP384r1MLKEM1024 (0x11ed) is the P-384 point
 * (97), then the ML-KEM-1024 key (1568). MLKEM512/768/1024 (0x0200-0x0202,
 * draft-ietf-tls-mlkem) are the bare keys of 800/1184/1568 bytes.
 *
 * Error contract (keyshare.h): the length written, 0 for a group not in the
 * table, -1 when OpenSSL or the random generator fails or cap is too small
 * (nothing useful is in out then). Every EVP and BN object is freed on
 * every path; nothing prints, the OpenSSL error queue is left for the
 * caller to drain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "keyshare.h"

enum kind {
    K_NONE = 0,
    K_RAW,   /* X25519, X448: raw public key */
    K_EC,    /* NIST/brainpool curve: uncompressed point */
    K_FFDHE, /* RFC 7919 group: Y padded to the prime */
    K_MLKEM  /* ML-KEM encapsulation key with k = len / 384 */
};

struct part {
    enum kind kind;
    const char *name; /* OpenSSL algorithm, curve or group name */
    size_t len;       /* bytes on the wire */
};

static const struct {
    uint16_t group;
    struct part a, b; /* b.kind K_NONE for a single share */
} table[] = {
    {0x001d, {K_RAW, "X25519", 32}, {K_NONE, NULL, 0}},
    {0x001e, {K_RAW, "X448", 56}, {K_NONE, NULL, 0}},
    {0x0015, {K_EC, "secp224r1", 57}, {K_NONE, NULL, 0}},
    {0x0016, {K_EC, "secp256k1", 65}, {K_NONE, NULL, 0}},
    {0x0017, {K_EC, "P-256", 65}, {K_NONE, NULL, 0}},
    {0x0018, {K_EC, "P-384", 97}, {K_NONE, NULL, 0}},
    {0x0019, {K_EC, "P-521", 133}, {K_NONE, NULL, 0}},
    {0x001a, {K_EC, "brainpoolP256r1", 65}, {K_NONE, NULL, 0}},
    {0x001b, {K_EC, "brainpoolP384r1", 97}, {K_NONE, NULL, 0}},
    {0x001c, {K_EC, "brainpoolP512r1", 129}, {K_NONE, NULL, 0}},
    {0x001f, {K_EC, "brainpoolP256r1", 65}, {K_NONE, NULL, 0}},
    {0x0020, {K_EC, "brainpoolP384r1", 97}, {K_NONE, NULL, 0}},
    {0x0021, {K_EC, "brainpoolP512r1", 129}, {K_NONE, NULL, 0}},
    {0x0100, {K_FFDHE, "ffdhe2048", 256}, {K_NONE, NULL, 0}},
    {0x0101, {K_FFDHE, "ffdhe3072", 384}, {K_NONE, NULL, 0}},
    {0x0102, {K_FFDHE, "ffdhe4096", 512}, {K_NONE, NULL, 0}},
    {0x0103, {K_FFDHE, "ffdhe6144", 768}, {K_NONE, NULL, 0}},
    {0x0104, {K_FFDHE, "ffdhe8192", 1024}, {K_NONE, NULL, 0}},
    {0x0200, {K_MLKEM, NULL, 800}, {K_NONE, NULL, 0}},
    {0x0201, {K_MLKEM, NULL, 1184}, {K_NONE, NULL, 0}},
    {0x0202, {K_MLKEM, NULL, 1568}, {K_NONE, NULL, 0}},
    {0x11eb, {K_EC, "P-256", 65}, {K_MLKEM, NULL, 1184}},
    {0x11ec, {K_MLKEM, NULL, 1184}, {K_RAW, "X25519", 32}},
    {0x11ed, {K_EC, "P-384", 97}, {K_MLKEM, NULL, 1568}},
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

/* The server's side of a KEM: an ML-KEM ciphertext is 768, 1088 or 1568
 * bytes for an encapsulation key of 800, 1184 or 1568 (FIPS 203 8). The
 * classic groups answer with a share of the client's size. */
static size_t
server_part_len(const struct part *p)
{
    if (p->kind != K_MLKEM)
        return p->len;
    switch (p->len) {
    case 800:
        return 768;
    case 1184:
        return 1088;
    default:
        return 1568;
    }
}

#define MLKEM_Q 3329

/* A fresh key pair of algorithm alg (group set when group != NULL). */
static EVP_PKEY *
keygen(const char *alg, const char *group)
{
    EVP_PKEY_CTX *ctx;
    EVP_PKEY *pkey = NULL;

    ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_keygen_init(ctx) <= 0 ||
        (group != NULL && EVP_PKEY_CTX_set_group_name(ctx, group) <= 0) ||
        EVP_PKEY_generate(ctx, &pkey) <= 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static int
raw_share(const struct part *p, uint8_t *out)
{
    EVP_PKEY *pkey = keygen(p->name, NULL);
    size_t n = p->len;
    int ok;

    if (pkey == NULL)
        return -1;
    ok = EVP_PKEY_get_raw_public_key(pkey, out, &n) == 1 && n == p->len;
    EVP_PKEY_free(pkey);
    return ok ? 0 : -1;
}

static int
ec_share(const struct part *p, uint8_t *out)
{
    EVP_PKEY *pkey = keygen("EC", p->name);
    size_t n = 0;
    int ok;

    if (pkey == NULL)
        return -1;
    /* The default point format of an EC key is uncompressed. */
    ok = EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, out,
                                         p->len, &n) == 1 &&
         n == p->len && out[0] == 0x04;
    EVP_PKEY_free(pkey);
    return ok ? 0 : -1;
}

static int
ffdhe_share(const struct part *p, uint8_t *out)
{
    EVP_PKEY *pkey = keygen("DH", p->name);
    BIGNUM *y = NULL;
    int ok;

    if (pkey == NULL)
        return -1;
    ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
         BN_bn2binpad(y, out, (int)p->len) == (int)p->len;
    BN_free(y);
    EVP_PKEY_free(pkey);
    return ok ? 0 : -1;
}

/* ByteEncode12 of k*256 coefficients uniform below q, then a random rho
 * (FIPS 203 4.2.1 and 7.1). */
static int
mlkem_share(const struct part *p, uint8_t *out)
{
    size_t ncoef = (p->len - 32) / 384 * 256, have = 0, i;
    uint8_t rnd[192];
    uint16_t c[2];
    unsigned cand[2];
    int got = 0, j;

    while (have < ncoef) {
        if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1)
            return -1;
        /* every 3 random bytes give two 12-bit candidates */
        for (i = 0; i + 3 <= sizeof(rnd) && have < ncoef; i += 3) {
            cand[0] = rnd[i] | ((unsigned)(rnd[i + 1] & 0x0f) << 8);
            cand[1] = (unsigned)(rnd[i + 1] >> 4) | ((unsigned)rnd[i + 2] << 4);
            for (j = 0; j < 2 && have < ncoef; j++) {
                if (cand[j] >= MLKEM_Q)
                    continue;
                c[got++] = (uint16_t)cand[j];
                if (got == 2) {
                    /* two coefficients, 24 bits, little-endian */
                    uint8_t *o = out + have / 2 * 3;

                    o[0] = (uint8_t)(c[0] & 0xff);
                    o[1] = (uint8_t)((c[0] >> 8) | ((c[1] & 0x0f) << 4));
                    o[2] = (uint8_t)(c[1] >> 4);
                    have += 2;
                    got = 0;
                }
            }
        }
    }
    if (RAND_bytes(out + p->len - 32, 32) != 1)
        return -1;
    return 0;
}

static int
make_part(const struct part *p, uint8_t *out)
{
    switch (p->kind) {
    case K_RAW:
        return raw_share(p, out);
    case K_EC:
        return ec_share(p, out);
    case K_FFDHE:
        return ffdhe_share(p, out);
    case K_MLKEM:
        return mlkem_share(p, out);
    case K_NONE:
        return 0; /* no second part */
    }
    return -1;
}

long
mx_keyshare_make(uint16_t group, uint8_t *out, size_t cap)
{
    size_t i, total;

    for (i = 0; i < NTABLE; i++)
        if (table[i].group == group)
            break;
    if (i == NTABLE)
        return 0;
    total = table[i].a.len + table[i].b.len;
    if (out == NULL || cap < total)
        return -1;
    if (make_part(&table[i].a, out) < 0 ||
        make_part(&table[i].b, out + table[i].a.len) < 0)
        return -1;
    return (long)total;
}

long
mx_keyshare_server_len(uint16_t group, int *point_at)
{
    size_t i;

    for (i = 0; i < NTABLE; i++)
        if (table[i].group == group)
            break;
    if (i == NTABLE)
        return 0;
    if (point_at != NULL)
        *point_at = table[i].a.kind == K_EC ? 0 : -1;
    return (long)(server_part_len(&table[i].a) + server_part_len(&table[i].b));
}
