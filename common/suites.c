/*
 * suites.c - the cipher suite registry (the lists people type are
 * parsed by suitelist.c).
 *
 * The table is generated from the IANA "TLS Cipher Suites" registry
 * (suites_table.h, by tools/gen-suites.py). OpenSSL names are filled in
 * once, on first use, from the linked library (SSL_CIPHER_find on every
 * code) and, for the suites it does not know, from the table of legacy
 * names below; at the same time the suites the library can offer are
 * recorded (the ciphers "ALL:COMPLEMENTOFALL" selects at security level 0,
 * plus the TLS 1.3 suites it accepts). The filled-in copy lives in static
 * storage, is written only inside CRYPTO_THREAD_run_once() and never
 * changes afterwards; the names point into the library's own static
 * cipher tables or into this file. The SSL_CTX and SSL used for it (and
 * for expanding cipher strings) are freed before returning, and the
 * OpenSSL error queue is left as it was found (ERR_set_mark and
 * ERR_pop_to_mark). If the library cannot be set up, the names come from
 * the legacy table only and no suite counts as in the library.
 *
 * Error contract: lookups return NULL (or 0) when nothing matches; the
 * parsers return -1 and fill a struct mx_error, USAGE with a message that
 * names the first entry they could not use ("unknown suite 'FOO-BAR'"), or
 * INTERNAL when the TLS library cannot be set up or memory runs out.
 * Nothing here prints or exits.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "registry.h"
#include "strnum.h"
#include "suites.h"
#include "text.h"

static const struct mx_suite table[] = {
#include "suites_table.h"
};

#define NSUITES (sizeof(table) / sizeof(table[0]))

/*
 * OpenSSL names of suites that OpenSSL 3 no longer implements (or that a
 * build may leave out), as earlier OpenSSL releases spelled them. For each
 * code the first row is the name shown; later rows for the same code are
 * accepted as input only. Sources, each name checked against one of them:
 *   [A] OpenSSL 1.0.2 doc/apps/ciphers.pod, "CIPHER SUITE NAMES" (the
 *       SSL v3.0, TLS v1.0, AES, Camellia, SEED, Elliptic curve, TLS v1.2
 *       and PSK sections pair each IANA name with the OpenSSL name);
 *   [B] OpenSSL 0.9.8 / 1.0.x ssl/ssl3.h, the SSL3_TXT_* defines (also the
 *       KRB5 names; "EDH-DSS-DES-CBC-SHA" is spelled so there, where
 *       ciphers.pod misprints it as "EDH-DSS-CBC-SHA");
 *   [C] OpenSSL 1.1.x include/openssl/ssl3.h and tls1.h, the
 *       SSL3_TXT_DHE_* names that replaced "EDH" in 1.1.0 (the EDH forms
 *       are kept there "for backward compatibility") and the TLS1_TXT_*
 *       names of the PSK, DHE-PSK, RSA-PSK, ECDHE-PSK and SRP suites with
 *       RC4 and 3DES;
 * The IANA code of each row follows from the IANA name the sources pair
 * it with.
 */
static const struct {
    uint16_t code;
    const char *name;
} legacy[] = {
    /* [A][B] SSL v3.0 / TLS v1.0 suites. */
    {0x0001, "NULL-MD5"},
    {0x0002, "NULL-SHA"},
    {0x0003, "EXP-RC4-MD5"},
    {0x0004, "RC4-MD5"},
    {0x0005, "RC4-SHA"},
    {0x0006, "EXP-RC2-CBC-MD5"},
    {0x0007, "IDEA-CBC-SHA"},
    {0x0008, "EXP-DES-CBC-SHA"},
    {0x0009, "DES-CBC-SHA"},
    {0x000a, "DES-CBC3-SHA"},
    {0x000b, "EXP-DH-DSS-DES-CBC-SHA"},
    {0x000c, "DH-DSS-DES-CBC-SHA"},
    {0x000d, "DH-DSS-DES-CBC3-SHA"},
    {0x000e, "EXP-DH-RSA-DES-CBC-SHA"},
    {0x000f, "DH-RSA-DES-CBC-SHA"},
    {0x0010, "DH-RSA-DES-CBC3-SHA"},
    {0x0011, "EXP-EDH-DSS-DES-CBC-SHA"},
    {0x0012, "EDH-DSS-DES-CBC-SHA"},
    {0x0013, "EDH-DSS-DES-CBC3-SHA"},
    {0x0014, "EXP-EDH-RSA-DES-CBC-SHA"},
    {0x0015, "EDH-RSA-DES-CBC-SHA"},
    {0x0016, "EDH-RSA-DES-CBC3-SHA"},
    {0x0017, "EXP-ADH-RC4-MD5"},
    {0x0018, "ADH-RC4-MD5"},
    {0x0019, "EXP-ADH-DES-CBC-SHA"},
    {0x001a, "ADH-DES-CBC-SHA"},
    {0x001b, "ADH-DES-CBC3-SHA"},
    /* [B] Kerberos 5 (RFC 2712). */
    {0x001e, "KRB5-DES-CBC-SHA"},
    {0x001f, "KRB5-DES-CBC3-SHA"},
    {0x0020, "KRB5-RC4-SHA"},
    {0x0021, "KRB5-IDEA-CBC-SHA"},
    {0x0022, "KRB5-DES-CBC-MD5"},
    {0x0023, "KRB5-DES-CBC3-MD5"},
    {0x0024, "KRB5-RC4-MD5"},
    {0x0025, "KRB5-IDEA-CBC-MD5"},
    {0x0026, "EXP-KRB5-DES-CBC-SHA"},
    {0x0027, "EXP-KRB5-RC2-CBC-SHA"},
    {0x0028, "EXP-KRB5-RC4-SHA"},
    {0x0029, "EXP-KRB5-DES-CBC-MD5"},
    {0x002a, "EXP-KRB5-RC2-CBC-MD5"},
    {0x002b, "EXP-KRB5-RC4-MD5"},
    /* [A] static DH (OpenSSL 1.0.2 only). */
    {0x0030, "DH-DSS-AES128-SHA"},
    {0x0031, "DH-RSA-AES128-SHA"},
    {0x0036, "DH-DSS-AES256-SHA"},
    {0x0037, "DH-RSA-AES256-SHA"},
    {0x003e, "DH-DSS-AES128-SHA256"},
    {0x003f, "DH-RSA-AES128-SHA256"},
    {0x0042, "DH-DSS-CAMELLIA128-SHA"},
    {0x0043, "DH-RSA-CAMELLIA128-SHA"},
    {0x0068, "DH-DSS-AES256-SHA256"},
    {0x0069, "DH-RSA-AES256-SHA256"},
    {0x0085, "DH-DSS-CAMELLIA256-SHA"},
    {0x0086, "DH-RSA-CAMELLIA256-SHA"},
    /* [A][C] PSK with RC4 and 3DES. */
    {0x008a, "PSK-RC4-SHA"},
    {0x008b, "PSK-3DES-EDE-CBC-SHA"},
    {0x008e, "DHE-PSK-RC4-SHA"},
    {0x008f, "DHE-PSK-3DES-EDE-CBC-SHA"},
    {0x0092, "RSA-PSK-RC4-SHA"},
    {0x0093, "RSA-PSK-3DES-EDE-CBC-SHA"},
    /* [A] SEED (RFC 4162). */
    {0x0096, "SEED-SHA"},
    {0x0097, "DH-DSS-SEED-SHA"},
    {0x0098, "DH-RSA-SEED-SHA"},
    {0x0099, "DHE-DSS-SEED-SHA"},
    {0x009a, "DHE-RSA-SEED-SHA"},
    {0x009b, "ADH-SEED-SHA"},
    /* [A] static DH with AES-GCM. */
    {0x00a0, "DH-RSA-AES128-GCM-SHA256"},
    {0x00a1, "DH-RSA-AES256-GCM-SHA384"},
    {0x00a4, "DH-DSS-AES128-GCM-SHA256"},
    {0x00a5, "DH-DSS-AES256-GCM-SHA384"},
    /* [A] elliptic curve suites: static ECDH, RC4, 3DES. */
    {0xc001, "ECDH-ECDSA-NULL-SHA"},
    {0xc002, "ECDH-ECDSA-RC4-SHA"},
    {0xc003, "ECDH-ECDSA-DES-CBC3-SHA"},
    {0xc004, "ECDH-ECDSA-AES128-SHA"},
    {0xc005, "ECDH-ECDSA-AES256-SHA"},
    {0xc007, "ECDHE-ECDSA-RC4-SHA"},
    {0xc008, "ECDHE-ECDSA-DES-CBC3-SHA"},
    {0xc00b, "ECDH-RSA-NULL-SHA"},
    {0xc00c, "ECDH-RSA-RC4-SHA"},
    {0xc00d, "ECDH-RSA-DES-CBC3-SHA"},
    {0xc00e, "ECDH-RSA-AES128-SHA"},
    {0xc00f, "ECDH-RSA-AES256-SHA"},
    {0xc011, "ECDHE-RSA-RC4-SHA"},
    {0xc012, "ECDHE-RSA-DES-CBC3-SHA"},
    {0xc016, "AECDH-RC4-SHA"},
    {0xc017, "AECDH-DES-CBC3-SHA"},
    /* [C] SRP with 3DES. */
    {0xc01a, "SRP-3DES-EDE-CBC-SHA"},
    {0xc01b, "SRP-RSA-3DES-EDE-CBC-SHA"},
    {0xc01c, "SRP-DSS-3DES-EDE-CBC-SHA"},
    /* [A] static ECDH, TLS 1.2. */
    {0xc025, "ECDH-ECDSA-AES128-SHA256"},
    {0xc026, "ECDH-ECDSA-AES256-SHA384"},
    {0xc029, "ECDH-RSA-AES128-SHA256"},
    {0xc02a, "ECDH-RSA-AES256-SHA384"},
    {0xc02d, "ECDH-ECDSA-AES128-GCM-SHA256"},
    {0xc02e, "ECDH-ECDSA-AES256-GCM-SHA384"},
    {0xc031, "ECDH-RSA-AES128-GCM-SHA256"},
    {0xc032, "ECDH-RSA-AES256-GCM-SHA384"},
    /* [C] ECDHE-PSK with RC4 and 3DES. */
    {0xc033, "ECDHE-PSK-RC4-SHA"},
    {0xc034, "ECDHE-PSK-3DES-EDE-CBC-SHA"},
    /* [C] OpenSSL 1.1 spellings, accepted as input. */
    {0x0011, "EXP-DHE-DSS-DES-CBC-SHA"},
    {0x0012, "DHE-DSS-DES-CBC-SHA"},
    {0x0013, "DHE-DSS-DES-CBC3-SHA"},
    {0x0014, "EXP-DHE-RSA-DES-CBC-SHA"},
    {0x0015, "DHE-RSA-DES-CBC-SHA"},
    {0x0016, "DHE-RSA-DES-CBC3-SHA"},
};

#define NLEGACY (sizeof(legacy) / sizeof(legacy[0]))

/*
 * SSLv2 cipher kinds: the seven of the SSL 2.0 draft
 * (draft-hickman-netscape-ssl-00, CIPHER-KIND values) and OpenSSL's
 * RC4-64-MD5, named as OpenSSL 0.9.8 ssl/ssl2.h (SSL2_TXT_*) names them.
 */
static const struct mx_ssl2_cipher ssl2_ciphers[] = {
    {0x010080, "RC4-MD5", 128},      {0x020080, "EXP-RC4-MD5", 40},
    {0x030080, "RC2-CBC-MD5", 128},  {0x040080, "EXP-RC2-CBC-MD5", 40},
    {0x050080, "IDEA-CBC-MD5", 128}, {0x060040, "DES-CBC-MD5", 56},
    {0x0700c0, "DES-CBC3-MD5", 168}, {0x080080, "RC4-64-MD5", 64},
};

/* Filled in once (see the top of the file), then read only. */
static struct mx_suite cache[NSUITES];
static unsigned char cache_lib[NSUITES];
static int cache_ready;
static CRYPTO_ONCE cache_once = CRYPTO_ONCE_STATIC_INIT;

/* Index of code in the table (which is in code order), or NSUITES. */
static size_t
index_of(uint16_t code)
{
    size_t lo = 0, hi = NSUITES, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (table[mid].code == code)
            return mid;
        if (table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NSUITES;
}

SSL_CTX *
mx_suites_scratch_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());

    if (ctx != NULL)
        SSL_CTX_set_security_level(ctx, 0);
    return ctx;
}

/* Mark what the library can offer: TLS 1.2 and older suites from
 * "ALL:COMPLEMENTOFALL", TLS 1.3 suites from tls13 (a list of names). */
static void
mark_library(SSL_CTX *ctx, const char *tls13)
{
    STACK_OF(SSL_CIPHER) * sk;
    const SSL_CIPHER *c;
    size_t idx;
    int i, n;

    if (tls13[0] != '\0' && SSL_CTX_set_ciphersuites(ctx, tls13) != 1) {
        /* refused: the library's default TLS 1.3 list stays in force (the
         * error is dropped with the caller's ERR_pop_to_mark) */
    }
    if (SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL") != 1)
        return;
    sk = SSL_CTX_get_ciphers(ctx);
    n = sk != NULL ? sk_SSL_CIPHER_num(sk) : 0;
    for (i = 0; i < n; i++) {
        c = sk_SSL_CIPHER_value(sk, i);
        idx = index_of(SSL_CIPHER_get_protocol_id(c));
        if (idx < NSUITES)
            cache_lib[idx] = 1;
    }
}

static void
build_cache(void)
{
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    const SSL_CIPHER *c;
    const char *std;
    unsigned char b[2];
    char tls13[512];
    size_t i, len = 0, k;

    memcpy(cache, table, sizeof(table));
    tls13[0] = '\0';
    ERR_set_mark();
    ctx = mx_suites_scratch_ctx();
    if (ctx != NULL)
        ssl = SSL_new(ctx);
    for (i = 0; ssl != NULL && i < NSUITES; i++) {
        b[0] = (unsigned char)(table[i].code >> 8);
        b[1] = (unsigned char)(table[i].code & 0xff);
        c = SSL_CIPHER_find(ssl, b);
        if (c == NULL)
            continue;
        cache[i].openssl = SSL_CIPHER_get_name(c);
        if (table[i].flags & MX_SUITE_SCSV) {
            cache_lib[i] = 1; /* the library sends these itself */
        } else if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any) { /* TLS 1.3 */
            std = SSL_CIPHER_standard_name(c);
            k = std != NULL ? strlen(std) : 0;
            if (k > 0 && len + k + 2 < sizeof(tls13)) {
                if (len > 0)
                    tls13[len++] = ':';
                memcpy(tls13 + len, std, k + 1);
                len += k;
            }
        }
    }
    if (ssl != NULL)
        mark_library(ctx, tls13);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_pop_to_mark();
    for (i = 0; i < NLEGACY; i++) {
        k = index_of(legacy[i].code);
        if (k < NSUITES && cache[k].openssl == NULL)
            cache[k].openssl = legacy[i].name;
    }
    cache_ready = 1;
}

static const struct mx_suite *
all_suites(void)
{
    if (CRYPTO_THREAD_run_once(&cache_once, build_cache) && cache_ready)
        return cache;
    return table;
}

const struct mx_suite *
mx_suites(size_t *n)
{
    *n = NSUITES;
    return all_suites();
}

const struct mx_suite *
mx_suite_by_code(uint16_t code)
{
    const struct mx_suite *t = all_suites();
    size_t i = index_of(code);

    return i < NSUITES ? &t[i] : NULL;
}

const struct mx_suite *
mx_suite_by_name(const char *name)
{
    const struct mx_suite *t = all_suites();
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 0; i < NSUITES; i++)
        if (strcasecmp(name, t[i].iana) == 0 ||
            (t[i].openssl != NULL && strcasecmp(name, t[i].openssl) == 0))
            return &t[i];
    for (i = 0; i < NLEGACY; i++)
        if (strcasecmp(name, legacy[i].name) == 0)
            return mx_suite_by_code(legacy[i].code);
    return NULL;
}

const char *
mx_suite_name(uint16_t code)
{
    const struct mx_suite *s = mx_suite_by_code(code);

    if (s == NULL)
        return NULL;
    return s->openssl != NULL ? s->openssl : s->iana;
}

/* The SCSVs count as implemented (the library sends them itself); codes
 * outside the IANA table (OpenSSL's private GOST codes) do not. */
int
mx_suite_in_library(uint16_t code)
{
    size_t i;

    (void)all_suites();
    i = index_of(code);
    return i < NSUITES && cache_ready && cache_lib[i];
}

/* For an SCSV: may a ClientHello of that version carry it. */
int
mx_suite_valid_for(const struct mx_suite *s, uint16_t v)
{
    return s != NULL && v >= s->min_version && v <= s->max_version;
}

enum mx_sauth
mx_keytype_sauth(enum mx_keytype k)
{
    switch (k) {
    case MX_KEY_RSA:
    case MX_KEY_RSA_PSS:
        return MX_SAUTH_RSA;
    case MX_KEY_ECDSA:
    case MX_KEY_ED25519:
    case MX_KEY_ED448:
        return MX_SAUTH_ECDSA;
    case MX_KEY_DSA:
        return MX_SAUTH_DSS;
    default:
        return MX_SAUTH_NULL;
    }
}

enum mx_keytype
mx_sauth_keytype(enum mx_sauth a)
{
    switch (a) {
    case MX_SAUTH_RSA:
        return MX_KEY_RSA;
    case MX_SAUTH_ECDSA:
        return MX_KEY_ECDSA;
    case MX_SAUTH_DSS:
        return MX_KEY_DSA;
    default:
        return MX_KEY_NONE;
    }
}

const struct mx_ssl2_cipher *
mx_ssl2_ciphers(size_t *n)
{
    *n = sizeof(ssl2_ciphers) / sizeof(ssl2_ciphers[0]);
    return ssl2_ciphers;
}
