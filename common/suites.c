/*
 * suites.c - the cipher suite registry, and parsing of suite, group and
 * signature scheme lists.
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

/* A context that selects every suite it can, at security level 0. */
static SSL_CTX *
scratch_ctx(void)
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
    ctx = scratch_ctx();
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

/* ---- list parsing ---- */

/* Longest entry looked up; longer ones cannot be names. */
#define WORD_MAX 128

/* The codes collected so far: in order, each once, at most cap. */
struct codeset {
    uint16_t *out;
    size_t cap, n;
    int over; /* a code did not fit */
    unsigned char seen[65536 / 8];
};

static void
set_init(struct codeset *cs, uint16_t *out, size_t cap)
{
    memset(cs, 0, sizeof(*cs));
    cs->out = out;
    cs->cap = cap;
}

static void
set_add(struct codeset *cs, uint16_t code)
{
    unsigned char bit = (unsigned char)(1u << (code & 7));

    if (cs->seen[code >> 3] & bit)
        return;
    cs->seen[code >> 3] |= bit;
    if (cs->n < cs->cap)
        cs->out[cs->n++] = code;
    else
        cs->over = 1;
}

/* One entry of a list, and whether a ',' (and no ':') came before it. */
struct tok {
    const char *p;
    size_t len;
    int comma_before;
};

static int
is_sep(char c)
{
    return c == ':' || c == ',' || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r';
}

/* Next entry of *sp; 0 at the end. */
static int
next_tok(const char **sp, struct tok *t)
{
    const char *s = *sp;
    int comma = 0, colon = 0;

    for (; *s != '\0' && is_sep(*s); s++) {
        if (*s == ',')
            comma = 1;
        else if (*s == ':')
            colon = 1;
    }
    *sp = s;
    if (*s == '\0')
        return 0;
    t->p = s;
    while (*s != '\0' && !is_sep(*s))
        s++;
    t->len = (size_t)(s - t->p);
    t->comma_before = comma && !colon;
    *sp = s;
    return 1;
}

/* Copy an entry into w (WORD_MAX bytes); 0 if it does not fit. */
static int
tok_word(const struct tok *t, char *w)
{
    if (t->len >= WORD_MAX)
        return 0;
    memcpy(w, t->p, t->len);
    w[t->len] = '\0';
    return 1;
}

/*
 * A hex number: "0x" and 1..maxd digits, or (when bare > 0) exactly bare
 * digits without the prefix. Its value, or -1.
 */
static long
hex_form(const char *p, size_t len, size_t maxd, size_t bare)
{
    long v = 0;
    size_t i;
    int d;

    if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        len -= 2;
        if (len > maxd)
            return -1;
    } else if (bare == 0 || len != bare) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        if ((d = mx_hexval(p[i])) < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* One byte of a "C0,30" or "0xc0,0x30" pair: "0x" optional, 1-2 digits. */
static long
byte_form(const struct tok *t)
{
    long v = hex_form(t->p, t->len, 2, 0);

    if (v < 0 && (t->len == 1 || t->len == 2))
        v = hex_form(t->p, t->len, 2, t->len);
    return v;
}

/* A suite code: "0xC030" (1-4 digits after 0x) or "C030" (exactly 4). */
static long
code_form(const struct tok *t)
{
    return hex_form(t->p, t->len, 4, 4);
}

static void
usage(struct mx_error *err, const char *what, const struct tok *t)
{
    mx_error_set(err, MX_E_USAGE, "unknown %s '%.*s'", what,
                 (int)(t->len > 100 ? 100 : t->len), t->p);
}

/*
 * Literal reading of a suite list: every entry a code, a byte pair or a
 * name. 1 when all are, with the codes in cs; 0 as soon as one is not.
 */
static int
suites_literal(const char *list, struct codeset *cs)
{
    const char *s = list, *save;
    const struct mx_suite *st;
    struct tok t, u;
    char w[WORD_MAX];
    long a, b;
    int have = next_tok(&s, &t);

    while (have) {
        save = s;
        if ((a = byte_form(&t)) >= 0 && next_tok(&s, &u) && u.comma_before &&
            (b = byte_form(&u)) >= 0) {
            set_add(cs, (uint16_t)(a << 8 | b));
            have = next_tok(&s, &t);
            continue;
        }
        s = save;
        if ((a = code_form(&t)) >= 0)
            set_add(cs, (uint16_t)a);
        else if (tok_word(&t, w) && (st = mx_suite_by_name(w)) != NULL)
            set_add(cs, st->code);
        else
            return 0;
        have = next_tok(&s, &t);
    }
    return 1;
}

/*
 * OpenSSL cipher string keywords (ciphers(1), OpenSSL 1.0.2 and 3.0) that
 * an OpenSSL 3 build may know yet match no suite with: they are valid in a
 * cipher string even when the check below finds nothing for them.
 */
static const char *const quiet_keywords[] = {
    "LOW",       "MEDIUM",  "EXP",    "EXPORT",  "EXPORT40", "EXPORT56",
    "RC4",       "RC2",     "DES",    "3DES",    "IDEA",     "SEED",
    "MD5",       "KRB5",    "kKRB5",  "aKRB5",   "FZA",      "kFZA",
    "aFZA",      "eFZA",    "SSLv2",  "TLSv1.1", "kDH",      "kDHr",
    "kDHd",      "aDH",     "kECDH",  "kECDHr",  "kECDHe",   "aECDH",
    "kGOST",     "kGOST18", "aGOST",  "aGOST01", "aGOST12",  "GOST94",
    "GOST89MAC", "GOST12",  "GOST89",
};

/* Is w a keyword of the library's cipher string language? */
static int
keyword_ok(const char *w)
{
    SSL_CTX *ctx;
    size_t i;
    int ok = 0;

    for (i = 0; i < sizeof(quiet_keywords) / sizeof(quiet_keywords[0]); i++)
        if (strcmp(w, quiet_keywords[i]) == 0)
            return 1;
    ERR_set_mark();
    ctx = scratch_ctx();
    if (ctx != NULL)
        ok = SSL_CTX_set_cipher_list(ctx, w) == 1;
    SSL_CTX_free(ctx);
    ERR_pop_to_mark();
    return ok;
}

/*
 * Check one part of a cipher string entry (between '+'), and append what
 * the library should see for it to b. Returns 1 to keep the entry, 0 to
 * drop it (a removal of a suite the library lacks), -1 on error.
 */
static int
cs_part(const char *part, size_t len, char op, struct mx_buf *b,
        struct mx_error *err)
{
    char w[WORD_MAX];
    const struct mx_suite *s;
    struct tok t;

    t.p = part;
    t.len = len;
    if (len == 0 || !tok_word(&t, w)) {
        usage(err, "suite", &t);
        return -1;
    }
    if (code_form(&t) >= 0) {
        mx_error_set(err, MX_E_USAGE,
                     "'%s' is a code: codes cannot be mixed with an OpenSSL "
                     "cipher string",
                     w);
        return -1;
    }
    s = mx_suite_by_name(w);
    if (s == NULL) {
        if (!keyword_ok(w)) {
            usage(err, "suite", &t);
            return -1;
        }
        mx_buf_append(b, w);
        return 1;
    }
    if (s->min_version < MX_TLS13 && !(s->flags & MX_SUITE_SCSV) &&
        mx_suite_in_library(s->code) && s->openssl != NULL) {
        mx_buf_append(b, s->openssl);
        return 1;
    }
    if (op != '\0')
        return 0; /* removing or moving a suite the string cannot hold */
    if (s->min_version >= MX_TLS13)
        mx_error_set(err, MX_E_USAGE,
                     "'%s' is a TLS 1.3 suite: OpenSSL cipher strings select "
                     "TLS 1.2 and older suites; list suites by name or code",
                     w);
    else
        mx_error_set(err, MX_E_USAGE,
                     "'%s' is not in the TLS library, so a cipher string "
                     "cannot select it; list suites by name or code",
                     w);
    return -1;
}

/*
 * Rewrite a cipher string for the library: entries checked one by one,
 * suite names replaced by the library's spelling (so IANA names and any
 * letter case work), removals of suites the library lacks dropped.
 */
static int
cs_normalize(const char *list, struct mx_buf *b, struct mx_error *err)
{
    const char *s = list, *body, *at, *plus, *end;
    struct mx_buf word = MX_BUF_INIT;
    struct tok t;
    char op;
    int rc = 0, keep;

    while (rc == 0 && next_tok(&s, &t)) {
        mx_buf_reset(&word);
        body = t.p;
        end = t.p + t.len;
        op = (*body == '!' || *body == '-' || *body == '+') ? *body++ : '\0';
        at = memchr(body, '@', (size_t)(end - body));
        if (at == NULL)
            at = end;
        if (op != '\0')
            mx_buf_appendn(&word, &op, 1);
        keep = 1;
        while (body < at && keep == 1) {
            plus = memchr(body, '+', (size_t)(at - body));
            if (plus == NULL)
                plus = at;
            keep = cs_part(body, (size_t)(plus - body), op, &word, err);
            if (plus < at)
                mx_buf_append(&word, "+");
            body = plus < at ? plus + 1 : at;
        }
        if (keep < 0) {
            rc = -1;
            break;
        }
        if (keep == 0)
            continue;
        mx_buf_appendn(&word, at, (size_t)(end - at));
        if (b->len > 0)
            mx_buf_append(b, ":");
        mx_buf_append(b, mx_buf_str(&word));
    }
    if (rc == 0 && (mx_buf_failed(&word) || mx_buf_failed(b))) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        rc = -1;
    }
    mx_buf_free(&word);
    return rc;
}

/* Expand a cipher string with the library into cs. */
static int
suites_cipher_string(const char *list, struct codeset *cs, struct mx_error *err)
{
    struct mx_buf b = MX_BUF_INIT;
    STACK_OF(SSL_CIPHER) * sk;
    const SSL_CIPHER *c;
    SSL_CTX *ctx = NULL;
    int i, n, rc = -1;

    if (cs_normalize(list, &b, err) != 0)
        goto out;
    ERR_set_mark();
    ctx = scratch_ctx();
    if (ctx == NULL || SSL_CTX_set_ciphersuites(ctx, "") != 1) {
        mx_error_set(err, MX_E_INTERNAL,
                     "cannot set up the TLS library to read a cipher string");
        goto pop;
    }
    if (b.len == 0 || SSL_CTX_set_cipher_list(ctx, mx_buf_str(&b)) != 1) {
        mx_error_set(err, MX_E_USAGE,
                     "the TLS library selects no suite from '%.200s'", list);
        goto pop;
    }
    sk = SSL_CTX_get_ciphers(ctx);
    n = sk != NULL ? sk_SSL_CIPHER_num(sk) : 0;
    for (i = 0; i < n; i++) {
        c = sk_SSL_CIPHER_value(sk, i);
        if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)
            continue; /* a TLS 1.3 suite: not selected by cipher strings */
        set_add(cs, SSL_CIPHER_get_protocol_id(c));
    }
    rc = 0;
pop:
    SSL_CTX_free(ctx);
    ERR_pop_to_mark();
out:
    mx_buf_free(&b);
    return rc;
}

/* Common start of the parsers: arguments, an empty list. */
static int
parse_start(const char *list, uint16_t *out, size_t cap, size_t *n,
            const char *what, struct mx_error *err)
{
    const char *s = list;
    struct tok t;

    if (n != NULL)
        *n = 0;
    if (list == NULL || n == NULL || (out == NULL && cap > 0)) {
        mx_error_set(err, MX_E_USAGE, "no %s list", what);
        return -1;
    }
    if (!next_tok(&s, &t)) {
        mx_error_set(err, MX_E_USAGE, "empty %s list", what);
        return -1;
    }
    return 0;
}

static int
parse_end(const struct codeset *cs, size_t *n, const char *what,
          struct mx_error *err)
{
    if (cs->over) {
        mx_error_set(err, MX_E_USAGE, "too many %ss (more than %zu)", what,
                     cs->cap);
        return -1;
    }
    *n = cs->n;
    return 0;
}

/*
 * How lists are read (the forms are listed in suites.h):
 *  - Codes are taken as given, whether or not IANA has named them (a raw
 *    ClientHello may carry GREASE or unassigned values). "0x" takes one
 *    to four hex digits, a bare code exactly four ("C030"). Two entries of
 *    one or two hex digits joined by a comma ("C0,30", "0xc0, 0x30") are
 *    the two bytes of one code; a lone "0x2F" is 0x002F.
 *  - Names are IANA or OpenSSL names in any letter case, including the
 *    legacy names above.
 *  - Anything else makes the whole list an OpenSSL cipher string. Each of
 *    its words must be a suite name or a keyword the library knows (a word
 *    OpenSSL would silently ignore, such as a typo, is an error); suite
 *    names are handed to the library in its own spelling. A cipher string
 *    selects TLS 1.2 and older suites only, as SSL_CTX_set_cipher_list()
 *    does; it is read at security level 0 with the library's defaults and
 *    never sees the TLS 1.3 list, so naming a TLS 1.3 suite or one the
 *    library lacks in it is an error (removing one is ignored).
 */
int
mx_suites_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                struct mx_error *err)
{
    struct codeset cs;

    if (parse_start(list, out, cap, n, "suite", err) != 0)
        return -1;
    set_init(&cs, out, cap);
    if (!suites_literal(list, &cs)) {
        set_init(&cs, out, cap);
        if (suites_cipher_string(list, &cs, err) != 0)
            return -1;
    }
    return parse_end(&cs, n, "suite", err);
}

/* A group code: "0x001d" (1-4 hex digits) or decimal "29". */
static long
group_code(const char *w, const struct tok *t)
{
    long long v;

    if (w[0] >= '0' && w[0] <= '9' && hex_form(t->p, t->len, 4, 0) < 0)
        return mx_strtonum(w, 0, 0xffff, &v, NULL) == 0 ? (long)v : -1;
    return hex_form(t->p, t->len, 4, 0);
}

int
mx_groups_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                struct mx_error *err)
{
    const struct mx_group *g;
    struct codeset cs;
    const char *s = list;
    struct tok t;
    char w[WORD_MAX];
    long code;

    if (parse_start(list, out, cap, n, "group", err) != 0)
        return -1;
    set_init(&cs, out, cap);
    while (next_tok(&s, &t)) {
        if (!tok_word(&t, w)) {
            usage(err, "group", &t);
            return -1;
        }
        if ((code = group_code(w, &t)) >= 0) {
            set_add(&cs, (uint16_t)code);
        } else if ((g = mx_group_by_name(w)) != NULL) {
            set_add(&cs, g->code);
        } else {
            usage(err, "group", &t);
            return -1;
        }
    }
    return parse_end(&cs, n, "group", err);
}

int
mx_sigalgs_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                 struct mx_error *err)
{
    const struct mx_sigalg *sa;
    struct codeset cs;
    const char *s = list;
    struct tok t;
    char w[WORD_MAX];
    long code;

    if (parse_start(list, out, cap, n, "signature scheme", err) != 0)
        return -1;
    set_init(&cs, out, cap);
    while (next_tok(&s, &t)) {
        if (!tok_word(&t, w)) {
            usage(err, "signature scheme", &t);
            return -1;
        }
        if ((code = hex_form(t.p, t.len, 4, 0)) >= 0) {
            set_add(&cs, (uint16_t)code);
        } else if ((sa = mx_sigalg_by_name(w)) != NULL) {
            set_add(&cs, sa->code);
        } else {
            usage(err, "signature scheme", &t);
            return -1;
        }
    }
    return parse_end(&cs, n, "signature scheme", err);
}
