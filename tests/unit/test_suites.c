/*
 * test_suites.c - the cipher suite registry (codes, IANA and OpenSSL names,
 * fields, versions, what the linked OpenSSL implements) and the parsing of
 * suite, group and signature scheme lists in every form suites.h lists.
 *
 * The expected codes and names come from the IANA TLS Cipher Suites
 * registry, OpenSSL's ciphers(1) manual pages and the seed incident (the
 * bank's 12 client suites).
 */
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "registry.h"
#include "suites.h"
#include "tap.h"

#define CAP 512

static uint16_t got[CAP];

/* Parse with fn and compare with want[0..nwant). */
static void
check_list(int (*fn)(const char *, uint16_t *, size_t, size_t *,
                     struct mx_error *),
           const char *list, const uint16_t *want, size_t nwant,
           const char *name)
{
    struct mx_error err;
    size_t n = 99, i;
    int rc, same;

    mx_error_clear(&err);
    rc = fn(list, got, CAP, &n, &err);
    same = rc == 0 && n == nwant;
    for (i = 0; same && i < n; i++)
        same = got[i] == want[i];
    if (!tap_ok(same, name)) {
        printf("#   rc %d (%s), n %zu, want %zu:", rc, err.msg, n, nwant);
        for (i = 0; rc == 0 && i < n; i++)
            printf(" %04X", got[i]);
        printf("\n");
    }
}

/* Parse with fn, expect failure with the given message. */
static void
check_error(int (*fn)(const char *, uint16_t *, size_t, size_t *,
                      struct mx_error *),
            const char *list, size_t cap, enum mx_err code, const char *msg,
            const char *name)
{
    struct mx_error err;
    size_t n = 99;
    int rc;

    mx_error_clear(&err);
    rc = fn(list, got, cap, &n, &err);
    if (!tap_ok(rc == -1 && err.code == code && n == 0 &&
                    (msg == NULL || strcmp(err.msg, msg) == 0),
                name))
        printf("#   rc %d, code %d, n %zu, msg \"%s\"\n", rc, (int)err.code, n,
               err.msg);
}

/* Does the message start with prefix? (For messages naming an entry.) */
static void
check_error_prefix(const char *list, const char *prefix, const char *name)
{
    struct mx_error err;
    size_t n = 99;
    int rc;

    mx_error_clear(&err);
    rc = mx_suites_parse(list, got, CAP, &n, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strncmp(err.msg, prefix, strlen(prefix)) == 0,
                name))
        printf("#   rc %d, msg \"%s\"\n", rc, err.msg);
}

static int
has(const uint16_t *list, size_t n, uint16_t code)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (list[i] == code)
            return 1;
    return 0;
}

/* The bank's client (seed incident), in its order. */
static const struct {
    uint16_t code;
    const char *ossl;
    const char *iana;
} bank[] = {
    {0xC030, "ECDHE-RSA-AES256-GCM-SHA384",
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC028, "ECDHE-RSA-AES256-SHA384",
     "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xC014, "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x009D, "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x003D, "AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0035, "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0xC02F, "ECDHE-RSA-AES128-GCM-SHA256",
     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC027, "ECDHE-RSA-AES128-SHA256",
     "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC013, "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x009C, "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x003C, "AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x002F, "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"},
};

#define NBANK (sizeof(bank) / sizeof(bank[0]))

/*
 * Legacy OpenSSL names (ciphers(1) of OpenSSL 1.0.2, ssl3.h/tls1.h of
 * 1.0.x and 1.1.x) and names of the linked OpenSSL 3, with their codes.
 */
static const struct {
    uint16_t code;
    const char *name;
} names[] = {
    {0x0004, "RC4-MD5"},
    {0x0005, "RC4-SHA"},
    {0x000A, "DES-CBC3-SHA"},
    {0x0016, "EDH-RSA-DES-CBC3-SHA"},
    {0x0016, "DHE-RSA-DES-CBC3-SHA"},
    {0x0009, "DES-CBC-SHA"},
    {0x0096, "SEED-SHA"},
    {0x0007, "IDEA-CBC-SHA"},
    {0x0003, "EXP-RC4-MD5"},
    {0x0008, "EXP-DES-CBC-SHA"},
    {0x0014, "EXP-EDH-RSA-DES-CBC-SHA"},
    {0x0018, "ADH-RC4-MD5"},
    {0x0001, "NULL-MD5"},
    {0x0002, "NULL-SHA"},
    {0x0006, "EXP-RC2-CBC-MD5"},
    {0x000B, "EXP-DH-DSS-DES-CBC-SHA"},
    {0x0010, "DH-RSA-DES-CBC3-SHA"},
    {0x0011, "EXP-EDH-DSS-DES-CBC-SHA"},
    {0x0012, "EDH-DSS-DES-CBC-SHA"},
    {0x0013, "EDH-DSS-DES-CBC3-SHA"},
    {0x0013, "DHE-DSS-DES-CBC3-SHA"},
    {0x0015, "EDH-RSA-DES-CBC-SHA"},
    {0x0017, "EXP-ADH-RC4-MD5"},
    {0x0019, "EXP-ADH-DES-CBC-SHA"},
    {0x001A, "ADH-DES-CBC-SHA"},
    {0x001B, "ADH-DES-CBC3-SHA"},
    {0x001F, "KRB5-DES-CBC3-SHA"},
    {0x002B, "EXP-KRB5-RC4-MD5"},
    {0x0031, "DH-RSA-AES128-SHA"},
    {0x008A, "PSK-RC4-SHA"},
    {0x008B, "PSK-3DES-EDE-CBC-SHA"},
    {0x009A, "DHE-RSA-SEED-SHA"},
    {0x009B, "ADH-SEED-SHA"},
    {0x00A5, "DH-DSS-AES256-GCM-SHA384"},
    {0xC002, "ECDH-ECDSA-RC4-SHA"},
    {0xC008, "ECDHE-ECDSA-DES-CBC3-SHA"},
    {0xC011, "ECDHE-RSA-RC4-SHA"},
    {0xC012, "ECDHE-RSA-DES-CBC3-SHA"},
    {0xC016, "AECDH-RC4-SHA"},
    {0xC017, "AECDH-DES-CBC3-SHA"},
    {0xC01A, "SRP-3DES-EDE-CBC-SHA"},
    {0xC02E, "ECDH-ECDSA-AES256-GCM-SHA384"},
    {0xC034, "ECDHE-PSK-3DES-EDE-CBC-SHA"},
    /* in OpenSSL 3 */
    {0x0034, "ADH-AES128-SHA"},
    {0xC018, "AECDH-AES128-SHA"},
    {0xC015, "AECDH-NULL-SHA"},
    {0x0084, "CAMELLIA256-SHA"},
    {0xC051, "ARIA256-GCM-SHA384"},
    {0xC060, "ECDHE-ARIA128-GCM-SHA256"},
    {0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305"},
    {0xCCAA, "DHE-RSA-CHACHA20-POLY1305"},
    {0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {0x008C, "PSK-AES128-CBC-SHA"},
    {0xC01D, "SRP-AES-128-CBC-SHA"},
    {0xC0A0, "AES128-CCM8"},
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
};

#define NNAMES (sizeof(names) / sizeof(names[0]))

static void
test_table(void)
{
    const struct mx_suite *t, *s;
    size_t n, i, j;
    int ok, dup;
    char label[128];

    t = mx_suites(&n);
    tap_is_int((long long)n, 352, "352 named suites in the IANA registry");
    for (ok = 1, i = 1; i < n; i++)
        if (t[i - 1].code >= t[i].code)
            ok = 0;
    tap_ok(ok, "table in strictly increasing code order");
    for (dup = 0, i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (strcmp(t[i].iana, t[j].iana) == 0)
                dup++;
    tap_is_int(dup, 0, "no duplicate IANA names");
    for (ok = 1, i = 0; i < n; i++)
        if (t[i].min_version > t[i].max_version ||
            strncmp(t[i].iana, "TLS_", 4) != 0)
            ok = 0;
    tap_ok(ok, "every entry: TLS_ name, min <= max version");
    for (ok = 1, i = 0; i < n; i++)
        if ((t[i].flags & MX_SUITE_EXPORT) && t[i].max_version != MX_TLS10)
            ok = 0;
    tap_ok(ok, "export suites end at TLS 1.0");
    for (j = 0, i = 0; i < n; i++)
        if (t[i].flags & MX_SUITE_SCSV)
            j++;
    tap_is_int((long long)j, 2, "two SCSVs");
    for (j = 0, i = 0; i < n; i++)
        if (t[i].flags & MX_SUITE_EXPORT)
            j++;
    tap_is_int((long long)j, 15, "15 export suites");

    for (i = 0; i < NBANK; i++) {
        snprintf(label, sizeof(label), "bank suite %s = 0x%04X", bank[i].ossl,
                 bank[i].code);
        s = mx_suite_by_name(bank[i].ossl);
        tap_is_int(s ? s->code : -1, bank[i].code, label);
        snprintf(label, sizeof(label), "0x%04X is %s", bank[i].code,
                 bank[i].ossl);
        tap_is_str(mx_suite_name(bank[i].code), bank[i].ossl, label);
        s = mx_suite_by_code(bank[i].code);
        snprintf(label, sizeof(label), "0x%04X IANA name", bank[i].code);
        tap_is_str(s ? s->iana : NULL, bank[i].iana, label);
        s = mx_suite_by_name(bank[i].iana);
        snprintf(label, sizeof(label), "%s by IANA name", bank[i].iana);
        tap_is_int(s ? s->code : -1, bank[i].code, label);
    }
    for (i = 0; i < NNAMES; i++) {
        snprintf(label, sizeof(label), "%s = 0x%04X", names[i].name,
                 names[i].code);
        s = mx_suite_by_name(names[i].name);
        tap_is_int(s ? s->code : -1, names[i].code, label);
    }

    /* Names shown for legacy codes (the first OpenSSL spelling). */
    tap_is_str(mx_suite_name(0x0004), "RC4-MD5", "0x0004 shown as RC4-MD5");
    tap_is_str(mx_suite_name(0x0003), "EXP-RC4-MD5", "0x0003 EXP-RC4-MD5");
    tap_is_str(mx_suite_name(0x000A), "DES-CBC3-SHA", "0x000A DES-CBC3-SHA");
    tap_is_str(mx_suite_name(0x0014), "EXP-EDH-RSA-DES-CBC-SHA",
               "0x0014 EXP-EDH-RSA-DES-CBC-SHA");
    tap_ok(mx_suite_name(0x0016) != NULL &&
               (strcmp(mx_suite_name(0x0016), "EDH-RSA-DES-CBC3-SHA") == 0 ||
                strcmp(mx_suite_name(0x0016), "DHE-RSA-DES-CBC3-SHA") == 0),
           "0x0016 shown as EDH- (or the library's DHE-) spelling");
    tap_is_str(mx_suite_name(0x0096), "SEED-SHA", "0x0096 SEED-SHA");
    tap_is_str(mx_suite_name(0x0018), "ADH-RC4-MD5", "0x0018 ADH-RC4-MD5");
    tap_is_str(mx_suite_name(0x1306), "TLS_AEGIS_256_SHA384",
               "no OpenSSL name: IANA name");
    tap_is_str(mx_suite_name(0xC0B0), "TLS_ECCPWD_WITH_AES_128_GCM_SHA256",
               "ECCPWD: IANA name");
    s = mx_suite_by_code(0x0004);
    tap_is_str(s ? s->iana : NULL, "TLS_RSA_WITH_RC4_128_MD5", "0x0004 IANA");
    s = mx_suite_by_code(0x0000);
    tap_is_str(s ? s->iana : NULL, "TLS_NULL_WITH_NULL_NULL", "0x0000 IANA");
    s = mx_suite_by_code(0xD005);
    tap_is_str(s ? s->iana : NULL, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256",
               "last code 0xD005");

    s = mx_suite_by_name("ecdhe-rsa-aes256-gcm-sha384");
    tap_is_int(s ? s->code : -1, 0xC030, "OpenSSL name any case");
    s = mx_suite_by_name("tls_rsa_with_rc4_128_md5");
    tap_is_int(s ? s->code : -1, 0x0004, "IANA name any case");
    s = mx_suite_by_name("edh-rsa-des-cbc3-sha");
    tap_is_int(s ? s->code : -1, 0x0016, "legacy name any case");
    tap_ok(mx_suite_by_name("FOO-BAR") == NULL, "unknown name");
    tap_ok(mx_suite_by_name("") == NULL, "empty name");
    tap_ok(mx_suite_by_name(NULL) == NULL, "NULL name");
    tap_ok(mx_suite_by_code(0x0A0A) == NULL, "GREASE 0x0A0A not a suite");
    tap_ok(mx_suite_by_code(0x001C) == NULL, "reserved 0x001C not a suite");
    tap_ok(mx_suite_by_code(0xC0B6) == NULL, "unassigned 0xC0B6");
    tap_ok(mx_suite_by_code(0xFF85) == NULL, "OpenSSL's private GOST code");
    tap_ok(mx_suite_name(0xFFFF) == NULL, "no name for an unknown code");
}

static void
check_fields(uint16_t code, enum mx_kx kx, enum mx_sauth auth, const char *enc,
             int bits, const char *mac, uint16_t minv, uint16_t maxv,
             unsigned flags)
{
    const struct mx_suite *s = mx_suite_by_code(code);
    char label[96];
    int ok;

    ok = s != NULL && s->kx == kx && s->auth == auth &&
         strcmp(s->enc, enc) == 0 && s->bits == bits &&
         strcmp(s->mac, mac) == 0 && s->min_version == minv &&
         s->max_version == maxv && s->flags == flags;
    snprintf(label, sizeof(label), "fields of 0x%04X (%s)", code,
             s ? s->iana : "?");
    if (!tap_ok(ok, label) && s != NULL)
        printf("#   kx %d auth %d enc %s bits %d mac %s %04X..%04X flags %u\n",
               (int)s->kx, (int)s->auth, s->enc, s->bits, s->mac,
               s->min_version, s->max_version, s->flags);
}

static void
test_fields(void)
{
    check_fields(0xC030, MX_KX_ECDHE, MX_SAUTH_RSA, "AESGCM", 256, "AEAD",
                 MX_TLS12, MX_TLS12, MX_SUITE_REC);
    check_fields(0xC028, MX_KX_ECDHE, MX_SAUTH_RSA, "AES", 256, "SHA384",
                 MX_TLS12, MX_TLS12, 0);
    check_fields(0xC013, MX_KX_ECDHE, MX_SAUTH_RSA, "AES", 128, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x003D, MX_KX_RSA, MX_SAUTH_RSA, "AES", 256, "SHA256",
                 MX_TLS12, MX_TLS12, 0);
    check_fields(0x0004, MX_KX_RSA, MX_SAUTH_RSA, "RC4", 128, "MD5", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x000A, MX_KX_RSA, MX_SAUTH_RSA, "3DES", 168, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x0009, MX_KX_RSA, MX_SAUTH_RSA, "DES", 56, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x0003, MX_KX_RSA, MX_SAUTH_RSA, "RC4", 40, "MD5", MX_SSL3,
                 MX_TLS10, MX_SUITE_EXPORT);
    check_fields(0x0014, MX_KX_DHE, MX_SAUTH_RSA, "DES", 40, "SHA1", MX_SSL3,
                 MX_TLS10, MX_SUITE_EXPORT);
    check_fields(0x0026, MX_KX_KRB5, MX_SAUTH_KRB5, "DES", 40, "SHA1", MX_SSL3,
                 MX_TLS10, MX_SUITE_EXPORT);
    check_fields(0x0018, MX_KX_DH, MX_SAUTH_NULL, "RC4", 128, "MD5", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0xC019, MX_KX_ECDH, MX_SAUTH_NULL, "AES", 256, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x0030, MX_KX_DH, MX_SAUTH_DSS, "AES", 128, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x0096, MX_KX_RSA, MX_SAUTH_RSA, "SEED", 128, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x0007, MX_KX_RSA, MX_SAUTH_RSA, "IDEA", 128, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0xCCA8, MX_KX_ECDHE, MX_SAUTH_RSA, "CHACHA20", 256, "AEAD",
                 MX_TLS12, MX_TLS12, MX_SUITE_REC);
    check_fields(0xC0AE, MX_KX_ECDHE, MX_SAUTH_ECDSA, "AESCCM8", 128, "AEAD",
                 MX_TLS12, MX_TLS12, 0);
    check_fields(0x00AA, MX_KX_PSK, MX_SAUTH_PSK, "AESGCM", 128, "AEAD",
                 MX_TLS12, MX_TLS12, MX_SUITE_REC);
    check_fields(0x00AC, MX_KX_PSK, MX_SAUTH_RSA, "AESGCM", 128, "AEAD",
                 MX_TLS12, MX_TLS12, 0);
    check_fields(0xC0AA, MX_KX_PSK, MX_SAUTH_PSK, "AESCCM8", 128, "AEAD",
                 MX_TLS12, MX_TLS12, 0);
    check_fields(0xC01B, MX_KX_SRP, MX_SAUTH_RSA, "3DES", 168, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0xC01D, MX_KX_SRP, MX_SAUTH_SRP, "AES", 128, "SHA1", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x0000, MX_KX_NULL, MX_SAUTH_NULL, "NULL", 0, "NULL", MX_SSL3,
                 MX_TLS12, 0);
    check_fields(0x003B, MX_KX_RSA, MX_SAUTH_RSA, "NULL", 0, "SHA256", MX_TLS12,
                 MX_TLS12, 0);
    check_fields(0x1301, MX_KX_TLS13, MX_SAUTH_TLS13, "AESGCM", 128, "AEAD",
                 MX_TLS13, MX_TLS13, MX_SUITE_REC);
    check_fields(0x1305, MX_KX_TLS13, MX_SAUTH_TLS13, "AESCCM8", 128, "AEAD",
                 MX_TLS13, MX_TLS13, 0);
    check_fields(0x00C6, MX_KX_TLS13, MX_SAUTH_TLS13, "SM4GCM", 128, "AEAD",
                 MX_TLS13, MX_TLS13, 0);
    check_fields(0xC0B4, MX_KX_TLS13, MX_SAUTH_TLS13, "NULL", 0, "SHA256",
                 MX_TLS13, MX_TLS13, 0);
    check_fields(0xC0B0, MX_KX_ECCPWD, MX_SAUTH_ECCPWD, "AESGCM", 128, "AEAD",
                 MX_TLS12, MX_TLS13, 0);
    check_fields(0xC100, MX_KX_GOST, MX_SAUTH_GOST, "KUZNYECHIK", 256, "OMAC",
                 MX_TLS12, MX_TLS12, 0);
    check_fields(0xC103, MX_KX_TLS13, MX_SAUTH_TLS13, "KUZNYECHIKMGM", 256,
                 "AEAD", MX_TLS13, MX_TLS13, 0);
    check_fields(0x00FF, MX_KX_OTHER, MX_SAUTH_OTHER, "NULL", 0, "NULL",
                 MX_SSL3, MX_TLS13, MX_SUITE_SCSV);
    check_fields(0x5600, MX_KX_OTHER, MX_SAUTH_OTHER, "NULL", 0, "NULL",
                 MX_SSL3, MX_TLS13, MX_SUITE_SCSV);
}

static void
test_versions_library(void)
{
    const struct mx_suite *s;
    const struct mx_ssl2_cipher *c2;
    size_t n;

    s = mx_suite_by_code(0xC030);
    tap_ok(mx_suite_valid_for(s, MX_TLS12), "0xC030 valid for TLS 1.2");
    tap_ok(!mx_suite_valid_for(s, MX_TLS11), "0xC030 not for TLS 1.1");
    tap_ok(!mx_suite_valid_for(s, MX_TLS13), "0xC030 not for TLS 1.3");
    tap_ok(!mx_suite_valid_for(s, MX_SSL3), "0xC030 not for SSLv3");
    s = mx_suite_by_code(0x0004);
    tap_ok(mx_suite_valid_for(s, MX_SSL3), "RC4-MD5 valid for SSLv3");
    tap_ok(mx_suite_valid_for(s, MX_TLS10), "RC4-MD5 valid for TLS 1.0");
    tap_ok(mx_suite_valid_for(s, MX_TLS12), "RC4-MD5 valid for TLS 1.2");
    tap_ok(!mx_suite_valid_for(s, MX_TLS13), "RC4-MD5 not for TLS 1.3");
    tap_ok(!mx_suite_valid_for(s, MX_SSL2), "RC4-MD5 (2 bytes) not SSLv2");
    s = mx_suite_by_code(0x0003);
    tap_ok(mx_suite_valid_for(s, MX_TLS10), "EXP-RC4-MD5 valid for TLS 1.0");
    tap_ok(!mx_suite_valid_for(s, MX_TLS11), "EXP-RC4-MD5 not for TLS 1.1");
    s = mx_suite_by_code(0x1301);
    tap_ok(mx_suite_valid_for(s, MX_TLS13), "0x1301 valid for TLS 1.3");
    tap_ok(!mx_suite_valid_for(s, MX_TLS12), "0x1301 not for TLS 1.2");
    tap_ok(!mx_suite_valid_for(NULL, MX_TLS12), "NULL suite never valid");

    tap_ok(mx_suite_in_library(0xC030), "library has 0xC030");
    tap_ok(mx_suite_in_library(0x1301), "library has 0x1301");
    tap_ok(mx_suite_in_library(0x002F), "library has AES128-SHA");
    tap_ok(!mx_suite_in_library(0x0004), "library lacks RC4-MD5");
    tap_ok(!mx_suite_in_library(0x0016), "library lacks EDH-RSA-DES-CBC3");
    tap_ok(!mx_suite_in_library(0xC0B0), "library lacks ECCPWD");
    tap_ok(!mx_suite_in_library(0x0A0A), "GREASE is not in the library");

    c2 = mx_ssl2_ciphers(&n);
    tap_is_int((long long)n, 8, "8 SSLv2 cipher kinds");
    tap_is_int(c2[0].code, 0x010080, "SSLv2 RC4-MD5 code");
    tap_is_str(c2[0].name, "RC4-MD5", "SSLv2 RC4-MD5 name");
    tap_is_int(c2[6].code, 0x0700C0, "SSLv2 DES-CBC3-MD5 code");
    tap_is_str(c2[6].name, "DES-CBC3-MD5", "SSLv2 DES-CBC3-MD5 name");
    tap_is_int(c2[6].bits, 168, "SSLv2 3DES bits");
    tap_is_int(c2[1].bits, 40, "SSLv2 EXP-RC4-MD5 bits");
}

static void
test_suites_parse(void)
{
    static const uint16_t bank_codes[] = {0xC030, 0xC028, 0xC014, 0x009D,
                                          0x003D, 0x0035, 0xC02F, 0xC027,
                                          0xC013, 0x009C, 0x003C, 0x002F};
    static const uint16_t c030[] = {0xC030};
    static const uint16_t mixed[] = {0xC030, 0xC02F, 0xC014, 0x002F, 0x0004};
    static const uint16_t aes128[] = {0x002F};
    static const uint16_t order[] = {0x002F, 0xC030};
    static const uint16_t legacy[] = {0x0004, 0x000A, 0x0003, 0x0016};
    static const uint16_t t13[] = {0x1301, 0x00FF, 0x5600};
    static const uint16_t leftover[] = {0xC030, 0x002F};
    char list[1024];
    struct mx_error err;
    const struct mx_suite *s;
    size_t i, n;
    int ok, rc;

    list[0] = '\0';
    for (i = 0; i < NBANK; i++) {
        if (i > 0)
            strcat(list, ":");
        strcat(list, bank[i].ossl);
    }
    check_list(mx_suites_parse, list, bank_codes, NBANK,
               "the bank's 12 OpenSSL names, in order");
    list[0] = '\0';
    for (i = 0; i < NBANK; i++) {
        if (i > 0)
            strcat(list, " ");
        strcat(list, bank[i].iana);
    }
    check_list(mx_suites_parse, list, bank_codes, NBANK,
               "the bank's 12 IANA names, space separated");
    check_list(mx_suites_parse,
               "0xc030,0xc028,0xc014,0x009d,0x003d,0x0035,0xc02f,0xc027,"
               "0xc013,0x009c,0x003c,0x002f",
               bank_codes, NBANK, "the bank's 12 codes, comma separated");

    check_list(mx_suites_parse, "0xC030", c030, 1, "0xC030");
    check_list(mx_suites_parse, "C030", c030, 1, "C030");
    check_list(mx_suites_parse, "c030", c030, 1, "c030");
    check_list(mx_suites_parse, "C0,30", c030, 1, "C0,30");
    check_list(mx_suites_parse, "0xc0,0x30", c030, 1, "0xc0,0x30");
    check_list(mx_suites_parse, "0xC0, 0x30", c030, 1, "0xC0, 0x30");
    check_list(mx_suites_parse, "  0xC030  ", c030, 1, "blanks around");
    check_list(mx_suites_parse,
               "0xC030 C0,2F:ECDHE-RSA-AES256-SHA,TLS_RSA_WITH_AES_128_CBC_SHA"
               " rc4-md5",
               mixed, 5, "mixed forms and separators");
    check_list(mx_suites_parse,
               "AES128-SHA:0x002F:TLS_RSA_WITH_AES_128_CBC_SHA:002F:00,2F",
               aes128, 1, "duplicates dropped");
    check_list(mx_suites_parse, "AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384", order,
               2, "order kept");
    check_list(mx_suites_parse,
               "RC4-MD5:DES-CBC3-SHA:EXP-RC4-MD5:EDH-RSA-DES-CBC3-SHA", legacy,
               4, "legacy names the library lacks, literally");
    check_list(mx_suites_parse,
               "TLS_AES_128_GCM_SHA256:TLS_EMPTY_RENEGOTIATION_INFO_SCSV:"
               "0x5600",
               t13, 3, "TLS 1.3 suite and SCSVs, literally");
    check_list(mx_suites_parse, "0xC0,0x30,0x2F", leftover, 2,
               "a byte pair, then a lone 0x2F as 0x002F");

    /* OpenSSL cipher strings. */
    mx_error_clear(&err);
    rc = mx_suites_parse("HIGH:!aNULL", got, CAP, &n, &err);
    tap_ok(rc == 0 && n > 50, "HIGH:!aNULL expands to many");
    for (ok = rc == 0, i = 0; ok && i < n; i++) {
        s = mx_suite_by_code(got[i]);
        ok = s != NULL && s->auth != MX_SAUTH_NULL && s->kx != MX_KX_TLS13 &&
             strcmp(s->enc, "RC4") != 0 && strcmp(s->enc, "NULL") != 0;
    }
    tap_ok(ok, "HIGH:!aNULL: none anonymous, no TLS 1.3, no RC4/NULL");
    tap_ok(rc == 0 && has(got, n, 0xC030) && has(got, n, 0x002F),
           "HIGH:!aNULL has 0xC030 and AES128-SHA");
    tap_ok(rc == 0 && !has(got, n, 0x0034) && !has(got, n, 0xC018),
           "HIGH:!aNULL lacks ADH-AES128-SHA and AECDH-AES128-SHA");

    rc = mx_suites_parse("ECDHE+AESGCM", got, CAP, &n, &err);
    tap_ok(rc == 0 && n == 4, "ECDHE+AESGCM: four suites");
    for (ok = rc == 0, i = 0; ok && i < n; i++) {
        s = mx_suite_by_code(got[i]);
        ok = s != NULL && s->kx == MX_KX_ECDHE && strcmp(s->enc, "AESGCM") == 0;
    }
    tap_ok(ok && has(got, n, 0xC02B) && has(got, n, 0xC02C) &&
               has(got, n, 0xC02F) && has(got, n, 0xC030),
           "ECDHE+AESGCM: C02B C02C C02F C030");

    rc = mx_suites_parse("DEFAULT@SECLEVEL=0", got, CAP, &n, &err);
    tap_ok(rc == 0 && n > 20 && has(got, n, 0xC030) && !has(got, n, 0x0034),
           "DEFAULT@SECLEVEL=0: has 0xC030, no ADH");

    rc = mx_suites_parse("aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", got, CAP,
                         &n, &err);
    s = rc == 0 && n > 0 ? mx_suite_by_code(got[0]) : NULL;
    tap_ok(rc == 0 && n > 50 && s != NULL && s->bits == 256,
           "Postfix medium list (with +RC4): strongest first");

    rc = mx_suites_parse("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:AES128-SHA:"
                         "!aNULL",
                         got, CAP, &n, &err);
    tap_ok(rc == 0 && n == 2 && got[0] == 0xC030 && got[1] == 0x002F,
           "IANA name inside a cipher string");
    rc =
        mx_suites_parse("ecdhe-rsa-aes256-gcm-sha384:+AES", got, CAP, &n, &err);
    tap_ok(rc == 0 && n == 1 && got[0] == 0xC030,
           "lower-case name inside a cipher string");
    rc = mx_suites_parse("kRSA+AESGCM:!RC4-MD5:-DES-CBC3-SHA", got, CAP, &n,
                         &err);
    tap_ok(rc == 0 && n == 2 && has(got, n, 0x009C) && has(got, n, 0x009D),
           "removing suites the library lacks is harmless");

    /* Errors that name the entry. */
    check_error(mx_suites_parse, "FOO-BAR", CAP, MX_E_USAGE,
                "unknown suite 'FOO-BAR'", "unknown suite 'FOO-BAR'");
    check_error(mx_suites_parse, "AES128-SHA:FOO-BAR", CAP, MX_E_USAGE,
                "unknown suite 'FOO-BAR'", "FOO-BAR after a good name");
    check_error(mx_suites_parse, "HIGH:!FOO-BAR", CAP, MX_E_USAGE,
                "unknown suite 'FOO-BAR'", "FOO-BAR inside a cipher string");
    check_error(mx_suites_parse, "ECDHE+FOO", CAP, MX_E_USAGE,
                "unknown suite 'FOO'", "FOO in a + combination");
    check_error(mx_suites_parse, "high", CAP, MX_E_USAGE,
                "unknown suite 'high'", "keywords are case-sensitive");
    check_error(mx_suites_parse, "0xC0300", CAP, MX_E_USAGE,
                "unknown suite '0xC0300'", "five hex digits");
    check_error(mx_suites_parse, "30", CAP, MX_E_USAGE, "unknown suite '30'",
                "a lone byte is not a code");
    check_error(mx_suites_parse, "", CAP, MX_E_USAGE, "empty suite list",
                "empty list");
    check_error(mx_suites_parse, " : , ", CAP, MX_E_USAGE, "empty suite list",
                "only separators");
    check_error(mx_suites_parse, NULL, CAP, MX_E_USAGE, "no suite list",
                "NULL list");
    check_error(mx_suites_parse, "RC4", CAP, MX_E_USAGE,
                "the TLS library selects no suite from 'RC4'",
                "a cipher string selecting nothing");
    check_error_prefix("RC4-MD5:HIGH", "'RC4-MD5' is not in the TLS library",
                       "legacy suite inside a cipher string");
    check_error_prefix("TLS_AES_128_GCM_SHA256:HIGH",
                       "'TLS_AES_128_GCM_SHA256' is a TLS 1.3 suite",
                       "TLS 1.3 suite inside a cipher string");
    check_error_prefix("0xC030:HIGH", "'0xC030' is a code",
                       "codes mixed with a cipher string");

    /* Capacity. */
    list[0] = '\0';
    for (i = 0; i < NBANK; i++) {
        if (i > 0)
            strcat(list, ":");
        strcat(list, bank[i].ossl);
    }
    check_error(mx_suites_parse, list, NBANK - 1, MX_E_USAGE,
                "too many suites (more than 11)", "12 suites, room for 11");
    mx_error_clear(&err);
    rc = mx_suites_parse(list, got, NBANK, &n, &err);
    tap_ok(rc == 0 && n == NBANK, "12 suites, room for 12");
    check_error(mx_suites_parse, "HIGH", 10, MX_E_USAGE,
                "too many suites (more than 10)", "HIGH into 10");
    rc = mx_suites_parse("AES128-SHA:AES128-SHA:0x002F", got, 1, &n, &err);
    tap_ok(rc == 0 && n == 1, "duplicates do not count against the cap");
}

static void
test_groups_parse(void)
{
    static const uint16_t g1[] = {29, 23, 24};
    static const uint16_t g2[] = {29, 23, 24, 256};
    static const uint16_t g3[] = {4588, 256, 30};
    static const uint16_t g4[] = {1, 2, 19, 21};
    static const uint16_t g5[] = {2570, 34, 41};

    check_list(mx_groups_parse, "x25519:secp256r1:P-384:prime256v1", g1, 3,
               "names, display names, aliases; duplicate dropped");
    check_list(mx_groups_parse, "29,0x0017 24:0X0100", g2, 4,
               "decimal and hex codes");
    check_list(mx_groups_parse, "X25519MLKEM768 ffdhe2048 x448", g3, 3,
               "hybrid, ffdhe, x448");
    check_list(mx_groups_parse, "K-163:sect163r1:P-192:prime192v1:P-224", g4, 4,
               "NIST names, secp192r1 alias, P-224");
    check_list(mx_groups_parse, "2570:GC256A:curveSM2", g5, 3,
               "GREASE code, GOST and SM2 names");
    check_list(mx_groups_parse, "SECP256R1", g1 + 1, 1, "group names any case");
    check_error(mx_groups_parse, "x25519:foo", CAP, MX_E_USAGE,
                "unknown group 'foo'", "unknown group named");
    check_error(mx_groups_parse, "29x", CAP, MX_E_USAGE, "unknown group '29x'",
                "trailing junk");
    check_error(mx_groups_parse, "70000", CAP, MX_E_USAGE,
                "unknown group '70000'", "decimal out of range");
    check_error(mx_groups_parse, "0x10000", CAP, MX_E_USAGE,
                "unknown group '0x10000'", "hex out of range");
    check_error(mx_groups_parse, "", CAP, MX_E_USAGE, "empty group list",
                "empty group list");
    check_error(mx_groups_parse, "x25519:P-256:P-384", 2, MX_E_USAGE,
                "too many groups (more than 2)", "group cap");
}

static void
test_sigalgs_parse(void)
{
    static const uint16_t s1[] = {0x0401, 0x0804, 0x0503, 0x0807};
    static const uint16_t s2[] = {0x0805, 0x0202, 0x0201, 0x0603};
    static const uint16_t s3[] = {0x0905, 0x0708, 0x0402};

    check_list(mx_sigalgs_parse,
               "RSA+SHA256:rsa_pss_rsae_sha256:0x0804:ECDSA+SHA384:ed25519", s1,
               4, "ALG+HASH, IANA names, hex; duplicate dropped");
    check_list(mx_sigalgs_parse, "RSA-PSS+SHA384 DSA+SHA1,rsa+sha1 0x603", s2,
               4, "RSA-PSS+HASH, DSA, any case, short hex");
    check_list(mx_sigalgs_parse, "mldsa65:sm2sig_sm3:dsa_sha256", s3, 3,
               "ML-DSA, SM2, legacy DSA pair");
    check_error(mx_sigalgs_parse, "RSA+MD5", CAP, MX_E_USAGE,
                "unknown signature scheme 'RSA+MD5'", "RSA+MD5 unknown");
    check_error(mx_sigalgs_parse, "ed25519:foo", CAP, MX_E_USAGE,
                "unknown signature scheme 'foo'", "unknown scheme named");
    check_error(mx_sigalgs_parse, "0804", CAP, MX_E_USAGE,
                "unknown signature scheme '0804'", "hex needs 0x");
    check_error(mx_sigalgs_parse, "", CAP, MX_E_USAGE,
                "empty signature scheme list", "empty scheme list");
    check_error(mx_sigalgs_parse, "ed25519:ed448", 1, MX_E_USAGE,
                "too many signature schemes (more than 1)", "scheme cap");
}

int
main(void)
{
    test_table();
    test_fields();
    test_versions_library();
    test_suites_parse();
    test_groups_parse();
    test_sigalgs_parse();
    return tap_done();
}
