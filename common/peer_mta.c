/*
 * peer_mta.c - the client of a typical OpenSSL-based MTA, which fills
 * what a peer leaves out (mx_offer_defaults, peers.h).
 *
 * The typical MTA is Postfix 3.7 on Debian 12 with OpenSSL 3.0, as a
 * client (smtp(8)) at the "may" level Debian configures:
 *  - versions: smtp_tls_protocols = ">=TLSv1" ("postconf -d", Postfix
 *    3.7.11), that is TLSv1.3 down to TLSv1.0;
 *  - suites: OpenSSL's default TLS 1.3 suites first (TLS_AES_256_GCM_SHA384,
 *    TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256, the order the
 *    library sends them in), then tls_medium_cipherlist =
 *    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH" (smtp_tls_ciphers = medium)
 *    as the linked library expands it, without anonymous, PSK and SRP
 *    suites. smtp_tls_exclude_ciphers and smtp_tls_mandatory_exclude_ciphers
 *    are empty by default, and at the "may" level Postfix adds no
 *    exclusion of its own (it adds "eNULL" at "encrypt" and "aNULL" at the
 *    verifying levels: smtp_tls_policy.c, set_cipher_grade), but OpenSSL
 *    3.0 at its default security level (1, and 2 in Debian's openssl.cnf)
 *    never offers anonymous suites, and it leaves PSK and SRP suites out of
 *    a ClientHello when no PSK or SRP callback is set, which Postfix does
 *    not do. The result is what such a client really sends (checked in
 *    tests/unit/test_peers.c against a ClientHello of the linked library);
 *  - groups: tls_eecdh_auto_curves = "X25519 X448 prime256v1 secp521r1
 *    secp384r1" (Postfix 3.7 default), which Postfix hands to OpenSSL as
 *    the groups list, so no FFDHE group is offered (Postfix 3.8 added
 *    tls_ffdhe_auto_groups; 3.7 has no such parameter);
 *  - signature schemes: what OpenSSL 3.0 sends by default at security
 *    level 1 or 2 (no SHA-1 schemes), read from a ClientHello the library
 *    built (SSL_connect on a memory BIO, decoded with mx_hello_decode; the
 *    same list as OpenSSL's tls12_sigalgs table less the SHA-1 entries).
 *    This list is fixed here rather than read at run time, so that it does
 *    not depend on the local openssl.cnf.
 *
 * Error contract: mx_offer_defaults fails only for memory (-1,
 * INTERNAL); should the library be unable to expand the cipher list, the
 * default suites are the TLS 1.3 ones alone. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "peers.h"
#include "registry.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t mta_versions[] = {MX_TLS13, MX_TLS12, MX_TLS11, MX_TLS10};

static const uint16_t tls13_suites[] = {0x1302, 0x1303, 0x1301};

static const char postfix_medium[] = "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH";

/* X25519 X448 prime256v1 secp521r1 secp384r1 */
static const uint16_t mta_groups[] = {0x001d, 0x001e, 0x0017, 0x0019, 0x0018};

static const uint16_t mta_sigalgs[] = {
    0x0403, /* ecdsa_secp256r1_sha256 */
    0x0503, /* ecdsa_secp384r1_sha384 */
    0x0603, /* ecdsa_secp521r1_sha512 */
    0x0807, /* ed25519 */
    0x0808, /* ed448 */
    0x0809, /* rsa_pss_pss_sha256 */
    0x080a, /* rsa_pss_pss_sha384 */
    0x080b, /* rsa_pss_pss_sha512 */
    0x0804, /* rsa_pss_rsae_sha256 */
    0x0805, /* rsa_pss_rsae_sha384 */
    0x0806, /* rsa_pss_rsae_sha512 */
    0x0401, /* rsa_pkcs1_sha256 */
    0x0501, /* rsa_pkcs1_sha384 */
    0x0601, /* rsa_pkcs1_sha512 */
    0x0303, /* ecdsa_sha224 */
    0x0301, /* rsa_pkcs1_sha224 */
    0x0302, /* dsa_sha224 */
    0x0402, /* dsa_sha256 */
    0x0502, /* dsa_sha384 */
    0x0602, /* dsa_sha512 */
};

static uint16_t mta_suites[MX_PEER_MAX_SUITES];
static size_t mta_nsuites;
static CRYPTO_ONCE mta_once = CRYPTO_ONCE_STATIC_INIT;

/* Would an OpenSSL client without PSK or SRP callbacks offer it? */
static int
mta_offers(uint16_t code)
{
    const struct mx_suite *s = mx_suite_by_code(code);

    if (s == NULL)
        return 1;
    return s->auth != MX_SAUTH_NULL && s->kx != MX_KX_PSK &&
           s->kx != MX_KX_SRP && s->auth != MX_SAUTH_PSK &&
           s->auth != MX_SAUTH_SRP;
}

static void
mta_build(void)
{
    uint16_t medium[MX_PEER_MAX_SUITES];
    struct mx_error err;
    size_t n = 0, i;

    memcpy(mta_suites, tls13_suites, sizeof(tls13_suites));
    mta_nsuites = NELEM(tls13_suites);
    if (mx_suites_parse(postfix_medium, medium, NELEM(medium), &n, &err) != 0)
        n = 0;
    for (i = 0; i < n && mta_nsuites < NELEM(mta_suites); i++)
        if (mta_offers(medium[i]))
            mta_suites[mta_nsuites++] = medium[i];
}

static int
is_tls13_suite(uint16_t code)
{
    const struct mx_suite *s = mx_suite_by_code(code);

    return s != NULL && s->min_version >= MX_TLS13;
}

int
mx_offer_defaults(struct mx_offer *o, struct mx_error *err)
{
    uint16_t suites[MX_PEER_MAX_SUITES];
    const uint16_t *from;
    size_t i, k, n, add;
    int has13, any13 = 0;

    if (o == NULL)
        return 0;
    if (o->max_version == 0) {
        o->max_version = mta_versions[0];
        o->min_version = mta_versions[NELEM(mta_versions) - 1];
    }
    if (o->nsuites == 0) {
        if (!CRYPTO_THREAD_run_once(&mta_once, mta_build) || mta_nsuites == 0) {
            from = tls13_suites;
            n = NELEM(tls13_suites);
        } else {
            from = mta_suites;
            n = mta_nsuites;
        }
        if (mx_offer_set(o, MX_OFFER_SUITES, from, n, err) != 0)
            return -1;
    }
    if (o->ngroups == 0 && mx_offer_set(o, MX_OFFER_GROUPS, mta_groups,
                                        NELEM(mta_groups), err) != 0)
        return -1;
    if (o->nsigalgs == 0 && mx_offer_set(o, MX_OFFER_SIGALGS, mta_sigalgs,
                                         NELEM(mta_sigalgs), err) != 0)
        return -1;

    has13 = o->max_version == MX_TLS13;
    for (i = 0; i < o->nsuites; i++)
        any13 |= is_tls13_suite(o->suites[i]);
    if (has13 == any13)
        return 0;
    n = 0;
    if (has13) {
        /* OpenSSL's TLS 1.3 suites go first; the tail may fall off. */
        add = NELEM(tls13_suites);
        k = o->nsuites + add > MX_PEER_MAX_SUITES ? MX_PEER_MAX_SUITES - add
                                                  : o->nsuites;
        memcpy(suites, tls13_suites, sizeof(tls13_suites));
        memcpy(suites + add, o->suites, k * sizeof(uint16_t));
        n = k + add;
    } else {
        for (i = 0; i < o->nsuites; i++)
            if (!is_tls13_suite(o->suites[i]))
                suites[n++] = o->suites[i];
    }
    return mx_offer_set(o, MX_OFFER_SUITES, suites, n, err);
}
