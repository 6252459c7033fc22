/*
 * registry.c - tables of protocol versions, key types, signature schemes
 * and groups.
 *
 * Codes come from the IANA TLS parameters registries: every named entry of
 * "TLS Supported Groups" and "TLS SignatureScheme" (CSV exports in the
 * project's shared data; the groups the registry marks OBSOLETE keep their
 * names without the mark). The DSA and SHA-224 signature codes, which IANA
 * lists only as "reserved for backward compatibility", are the RFC 5246
 * HashAlgorithm/SignatureAlgorithm pairs that TLS 1.2 peers still send.
 * The "openssl" column is the spelling OpenSSL 3.0 accepts in a groups or
 * sigalgs list (checked against the library with SSL_CTX_set1_groups_list
 * and SSL_CTX_set1_sigalgs_list; NULL where it has none). Names match
 * case-insensitively. Lookups return NULL, 0 or MX_KEY_NONE when nothing
 * matches; nothing here prints or allocates.
 */
#include <string.h>
#include <strings.h>

#include "registry.h"

static const struct {
    uint16_t code;
    const char *name;
} versions[] = {
    {MX_SSL2, "SSLv2"},    {MX_SSL3, "SSLv3"},    {MX_TLS10, "TLSv1.0"},
    {MX_TLS11, "TLSv1.1"}, {MX_TLS12, "TLSv1.2"}, {MX_TLS13, "TLSv1.3"},
    {0, "unknown"},
};

#define NVERSIONS (sizeof(versions) / sizeof(versions[0]) - 1)

const char *
mx_version_name(uint16_t code)
{
    size_t i;

    for (i = 0; i < NVERSIONS; i++)
        if (versions[i].code == code)
            break;
    return versions[i].name;
}

/*
 * Spellings: an optional "SSL" or "TLS" prefix, an optional 'v', then the
 * number: "1.2" or "1_2" (and "1" alone: TLSv1 is TLS 1.0) for TLS, "2" or
 * "3" after "SSL". A bare number means TLS.
 */
uint16_t
mx_version_parse(const char *s)
{
    int ssl = 0;

    if (s == NULL)
        return 0;
    if (strncasecmp(s, "ssl", 3) == 0) {
        ssl = 1;
        s += 3;
    } else if (strncasecmp(s, "tls", 3) == 0) {
        s += 3;
    }
    if (*s == 'v' || *s == 'V')
        s++;
    if (ssl) {
        if (strcmp(s, "2") == 0)
            return MX_SSL2;
        if (strcmp(s, "3") == 0)
            return MX_SSL3;
        return 0;
    }
    if (strcmp(s, "1") == 0)
        return MX_TLS10;
    if (s[0] != '1' || (s[1] != '.' && s[1] != '_') || s[2] == '\0' ||
        s[3] != '\0')
        return 0;
    switch (s[2]) {
    case '0':
        return MX_TLS10;
    case '1':
        return MX_TLS11;
    case '2':
        return MX_TLS12;
    case '3':
        return MX_TLS13;
    default:
        return 0;
    }
}

/* Each key type with the server-side change that adds a certificate of
 * it (the one home of this advice: check_tls_cert and check_tls_peers
 * both give it). */
static const struct {
    enum mx_keytype type;
    const char *id;
    const char *name;
    const char *advice;
} keytypes[] = {
    {MX_KEY_RSA, "rsa", "RSA",
     "add an RSA certificate (Postfix: smtpd_tls_chain_files with both keys, "
     "or smtpd_tls_cert_file/smtpd_tls_key_file beside smtpd_tls_eccert_file)"},
    {MX_KEY_RSA_PSS, "rsa-pss", "RSA-PSS",
     "add an RSA-PSS certificate (Postfix: smtpd_tls_chain_files)"},
    {MX_KEY_ECDSA, "ecdsa", "ECDSA",
     "add an ECDSA certificate (Postfix: smtpd_tls_chain_files with both "
     "keys, or smtpd_tls_eccert_file/smtpd_tls_eckey_file beside "
     "smtpd_tls_cert_file)"},
    {MX_KEY_ED25519, "ed25519", "Ed25519",
     "add an Ed25519 certificate (Postfix: smtpd_tls_chain_files)"},
    {MX_KEY_ED448, "ed448", "Ed448",
     "add an Ed448 certificate (Postfix: smtpd_tls_chain_files)"},
    {MX_KEY_DSA, "dsa", "DSA",
     "add a DSA certificate (Postfix: smtpd_tls_chain_files, or "
     "smtpd_tls_dcert_file/smtpd_tls_dkey_file)"},
    {MX_KEY_NONE, "none", "none", "add a certificate of that type"},
};

#define NKEYTYPES (sizeof(keytypes) / sizeof(keytypes[0]) - 1)

const char *
mx_keytype_id(enum mx_keytype t)
{
    size_t i;

    for (i = 0; i < NKEYTYPES; i++)
        if (keytypes[i].type == t)
            break;
    return keytypes[i].id;
}

const char *
mx_keytype_name(enum mx_keytype t)
{
    size_t i;

    for (i = 0; i < NKEYTYPES; i++)
        if (keytypes[i].type == t)
            break;
    return keytypes[i].name;
}

const char *
mx_keytype_advice(enum mx_keytype t)
{
    size_t i;

    for (i = 0; i < NKEYTYPES; i++)
        if (keytypes[i].type == t)
            break;
    return keytypes[i].advice;
}

enum mx_keytype
mx_keytype_parse(const char *s)
{
    size_t i;

    for (i = 0; s != NULL && i < NKEYTYPES; i++)
        if (strcasecmp(s, keytypes[i].id) == 0)
            return keytypes[i].type;
    return MX_KEY_NONE;
}

/* Groups, in the order a client offers them. */
static const struct mx_group groups[] = {
    {0x001d, "x25519", "X25519", "X25519", 1, NULL},
    {0x0017, "secp256r1", "P-256", "P-256", 1, "prime256v1"},
    {0x0018, "secp384r1", "P-384", "P-384", 1, NULL},
    {0x0019, "secp521r1", "P-521", "P-521", 1, NULL},
    {0x001e, "x448", "X448", "X448", 1, NULL},
    {0x0100, "ffdhe2048", "ffdhe2048", "ffdhe2048", 1, NULL},
    {0x0101, "ffdhe3072", "ffdhe3072", "ffdhe3072", 1, NULL},
    {0x0102, "ffdhe4096", "ffdhe4096", "ffdhe4096", 1, NULL},
    {0x0103, "ffdhe6144", "ffdhe6144", "ffdhe6144", 1, NULL},
    {0x0104, "ffdhe8192", "ffdhe8192", "ffdhe8192", 1, NULL},
    {0x0016, "secp256k1", "secp256k1", "secp256k1", 0, NULL},
    {0x0015, "secp224r1", "P-224", "secp224r1", 0, NULL},
    {0x001a, "brainpoolP256r1", "brainpoolP256r1", "brainpoolP256r1", 0, NULL},
    {0x001b, "brainpoolP384r1", "brainpoolP384r1", "brainpoolP384r1", 0, NULL},
    {0x001c, "brainpoolP512r1", "brainpoolP512r1", "brainpoolP512r1", 0, NULL},
    {0x001f, "brainpoolP256r1tls13", "brainpoolP256r1tls13", NULL, 1, NULL},
    {0x0020, "brainpoolP384r1tls13", "brainpoolP384r1tls13", NULL, 1, NULL},
    {0x0021, "brainpoolP512r1tls13", "brainpoolP512r1tls13", NULL, 1, NULL},
    {0x0200, "MLKEM512", "MLKEM512", NULL, 1, NULL},
    {0x0201, "MLKEM768", "MLKEM768", NULL, 1, NULL},
    {0x0202, "MLKEM1024", "MLKEM1024", NULL, 1, NULL},
    {0x11eb, "SecP256r1MLKEM768", "SecP256r1MLKEM768", NULL, 1, NULL},
    {0x11ec, "X25519MLKEM768", "X25519MLKEM768", NULL, 1, NULL},
    {0x11ed, "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", NULL, 1, NULL},
    /*
     * The rest of the IANA registry, in code order. The display name is
     * the FIPS 186 / RFC 4492 Appendix A name where one exists. The
     * "openssl" column was checked at run time with
     * SSL_CTX_set1_groups_list() against OpenSSL 3.0: it accepts every
     * sect* and secp* name below (and the K-/B-/P- names), and rejects
     * GC256A..GC512C, curveSM2, the Kyber drafts and the two
     * arbitrary_explicit_* values. Its list names are case-sensitive.
     */
    {0x0001, "sect163k1", "K-163", "sect163k1", 0, NULL},
    {0x0002, "sect163r1", "sect163r1", "sect163r1", 0, NULL},
    {0x0003, "sect163r2", "B-163", "sect163r2", 0, NULL},
    {0x0004, "sect193r1", "sect193r1", "sect193r1", 0, NULL},
    {0x0005, "sect193r2", "sect193r2", "sect193r2", 0, NULL},
    {0x0006, "sect233k1", "K-233", "sect233k1", 0, NULL},
    {0x0007, "sect233r1", "B-233", "sect233r1", 0, NULL},
    {0x0008, "sect239k1", "sect239k1", "sect239k1", 0, NULL},
    {0x0009, "sect283k1", "K-283", "sect283k1", 0, NULL},
    {0x000a, "sect283r1", "B-283", "sect283r1", 0, NULL},
    {0x000b, "sect409k1", "K-409", "sect409k1", 0, NULL},
    {0x000c, "sect409r1", "B-409", "sect409r1", 0, NULL},
    {0x000d, "sect571k1", "K-571", "sect571k1", 0, NULL},
    {0x000e, "sect571r1", "B-571", "sect571r1", 0, NULL},
    {0x000f, "secp160k1", "secp160k1", "secp160k1", 0, NULL},
    {0x0010, "secp160r1", "secp160r1", "secp160r1", 0, NULL},
    {0x0011, "secp160r2", "secp160r2", "secp160r2", 0, NULL},
    {0x0012, "secp192k1", "secp192k1", "secp192k1", 0, NULL},
    {0x0013, "secp192r1", "P-192", "secp192r1", 0, "prime192v1"},
    {0x0014, "secp224k1", "secp224k1", "secp224k1", 0, NULL},
    /* RFC 9189 (TLS 1.2) and RFC 9367 (TLS 1.3) GOST curves. */
    {0x0022, "GC256A", "GC256A", NULL, 1, NULL},
    {0x0023, "GC256B", "GC256B", NULL, 1, NULL},
    {0x0024, "GC256C", "GC256C", NULL, 1, NULL},
    {0x0025, "GC256D", "GC256D", NULL, 1, NULL},
    {0x0026, "GC512A", "GC512A", NULL, 1, NULL},
    {0x0027, "GC512B", "GC512B", NULL, 1, NULL},
    {0x0028, "GC512C", "GC512C", NULL, 1, NULL},
    /* RFC 8998: ShangMi in TLS 1.3. */
    {0x0029, "curveSM2", "curveSM2", NULL, 1, NULL},
    /* Pre-standard Kyber hybrids, marked OBSOLETE by IANA. */
    {0x6399, "X25519Kyber768Draft00", "X25519Kyber768Draft00", NULL, 1, NULL},
    {0x639a, "SecP256r1Kyber768Draft00", "SecP256r1Kyber768Draft00", NULL, 1,
     NULL},
    /* RFC 8422: deprecated explicit curves, not usable in TLS 1.3. */
    {0xff01, "arbitrary_explicit_prime_curves",
     "arbitrary_explicit_prime_curves", NULL, 0, NULL},
    {0xff02, "arbitrary_explicit_char2_curves",
     "arbitrary_explicit_char2_curves", NULL, 0, NULL},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

const struct mx_group *
mx_groups(size_t *n)
{
    *n = NGROUPS;
    return groups;
}

const struct mx_group *
mx_group_by_code(uint16_t code)
{
    size_t i, n;
    const struct mx_group *t = mx_groups(&n);

    for (i = 0; i < n; i++)
        if (t[i].code == code)
            return &t[i];
    return NULL;
}

const struct mx_group *
mx_group_by_name(const char *name)
{
    size_t i, n;
    const struct mx_group *t = mx_groups(&n);

    if (name == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (strcasecmp(name, t[i].iana) == 0 ||
            strcasecmp(name, t[i].display) == 0 ||
            (t[i].openssl != NULL && strcasecmp(name, t[i].openssl) == 0) ||
            (t[i].alias != NULL && strcasecmp(name, t[i].alias) == 0))
            return &t[i];
    }
    return NULL;
}

static const struct mx_sigalg sigalgs[] = {
    /* TLS 1.3 schemes first: the order a modern client offers them. */
    {0x0403, "ecdsa_secp256r1_sha256", "ecdsa_secp256r1_sha256", MX_KEY_ECDSA,
     0x0017, 1},
    {0x0503, "ecdsa_secp384r1_sha384", "ecdsa_secp384r1_sha384", MX_KEY_ECDSA,
     0x0018, 1},
    {0x0603, "ecdsa_secp521r1_sha512", "ecdsa_secp521r1_sha512", MX_KEY_ECDSA,
     0x0019, 1},
    {0x0807, "ed25519", "ed25519", MX_KEY_ED25519, 0, 1},
    {0x0808, "ed448", "ed448", MX_KEY_ED448, 0, 1},
    {0x0804, "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha256", MX_KEY_RSA, 0, 1},
    {0x0805, "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha384", MX_KEY_RSA, 0, 1},
    {0x0806, "rsa_pss_rsae_sha512", "rsa_pss_rsae_sha512", MX_KEY_RSA, 0, 1},
    {0x0809, "rsa_pss_pss_sha256", "rsa_pss_pss_sha256", MX_KEY_RSA_PSS, 0, 1},
    {0x080a, "rsa_pss_pss_sha384", "rsa_pss_pss_sha384", MX_KEY_RSA_PSS, 0, 1},
    {0x080b, "rsa_pss_pss_sha512", "rsa_pss_pss_sha512", MX_KEY_RSA_PSS, 0, 1},
    {0x081a, "ecdsa_brainpoolP256r1tls13_sha256", NULL, MX_KEY_ECDSA, 0x001f,
     1},
    {0x081b, "ecdsa_brainpoolP384r1tls13_sha384", NULL, MX_KEY_ECDSA, 0x0020,
     1},
    {0x081c, "ecdsa_brainpoolP512r1tls13_sha512", NULL, MX_KEY_ECDSA, 0x0021,
     1},
    /* TLS 1.2 only. */
    {0x0401, "rsa_pkcs1_sha256", "rsa_pkcs1_sha256", MX_KEY_RSA, 0, 0},
    {0x0501, "rsa_pkcs1_sha384", "rsa_pkcs1_sha384", MX_KEY_RSA, 0, 0},
    {0x0601, "rsa_pkcs1_sha512", "rsa_pkcs1_sha512", MX_KEY_RSA, 0, 0},
    {0x0303, "ecdsa_sha224", "ECDSA+SHA224", MX_KEY_ECDSA, 0, 0},
    {0x0301, "rsa_pkcs1_sha224", "RSA+SHA224", MX_KEY_RSA, 0, 0},
    {0x0203, "ecdsa_sha1", "ECDSA+SHA1", MX_KEY_ECDSA, 0, 0},
    {0x0201, "rsa_pkcs1_sha1", "RSA+SHA1", MX_KEY_RSA, 0, 0},
    {0x0402, "dsa_sha256", "DSA+SHA256", MX_KEY_DSA, 0, 0},
    {0x0502, "dsa_sha384", "DSA+SHA384", MX_KEY_DSA, 0, 0},
    {0x0602, "dsa_sha512", "DSA+SHA512", MX_KEY_DSA, 0, 0},
    {0x0302, "dsa_sha224", "DSA+SHA224", MX_KEY_DSA, 0, 0},
    {0x0202, "dsa_sha1", "DSA+SHA1", MX_KEY_DSA, 0, 0},
    /*
     * The rest of the IANA SignatureScheme registry, in code order. OpenSSL
     * 3.0 rejects every one of these names in SSL_CTX_set1_sigalgs_list()
     * (checked at run time), hence no "openssl" spelling. Key types this
     * project does not model (SM2, GOST, ML-DSA, identity-based) are
     * MX_KEY_NONE.
     */
    /* draft-davidben-tls13-pkcs1: PKCS#1 v1.5 for TLS 1.3 client auth. */
    {0x0420, "rsa_pkcs1_sha256_legacy", NULL, MX_KEY_RSA, 0, 1},
    {0x0520, "rsa_pkcs1_sha384_legacy", NULL, MX_KEY_RSA, 0, 1},
    {0x0620, "rsa_pkcs1_sha512_legacy", NULL, MX_KEY_RSA, 0, 1},
    /* draft-wang-tls-raw-public-key-with-ibc: identity-based, TLS 1.3. */
    {0x0704, "eccsi_sha256", NULL, MX_KEY_NONE, 0, 1},
    {0x0705, "iso_ibs1", NULL, MX_KEY_NONE, 0, 1},
    {0x0706, "iso_ibs2", NULL, MX_KEY_NONE, 0, 1},
    {0x0707, "iso_chinese_ibs", NULL, MX_KEY_NONE, 0, 1},
    /* RFC 8998 (SM2 on curveSM2) and RFC 9367 (GOST), both TLS 1.3. */
    {0x0708, "sm2sig_sm3", NULL, MX_KEY_NONE, 0, 1},
    {0x0709, "gostr34102012_256a", NULL, MX_KEY_NONE, 0, 1},
    {0x070a, "gostr34102012_256b", NULL, MX_KEY_NONE, 0, 1},
    {0x070b, "gostr34102012_256c", NULL, MX_KEY_NONE, 0, 1},
    {0x070c, "gostr34102012_256d", NULL, MX_KEY_NONE, 0, 1},
    {0x070d, "gostr34102012_512a", NULL, MX_KEY_NONE, 0, 1},
    {0x070e, "gostr34102012_512b", NULL, MX_KEY_NONE, 0, 1},
    {0x070f, "gostr34102012_512c", NULL, MX_KEY_NONE, 0, 1},
    /* draft-ietf-tls-mldsa: ML-DSA (FIPS 204), TLS 1.3. */
    {0x0904, "mldsa44", NULL, MX_KEY_NONE, 0, 1},
    {0x0905, "mldsa65", NULL, MX_KEY_NONE, 0, 1},
    {0x0906, "mldsa87", NULL, MX_KEY_NONE, 0, 1},
};

#define NSIGALGS (sizeof(sigalgs) / sizeof(sigalgs[0]))

const struct mx_sigalg *
mx_sigalgs(size_t *n)
{
    *n = NSIGALGS;
    return sigalgs;
}

const struct mx_sigalg *
mx_sigalg_by_code(uint16_t code)
{
    size_t i;

    for (i = 0; i < NSIGALGS; i++)
        if (sigalgs[i].code == code)
            return &sigalgs[i];
    return NULL;
}

/*
 * OpenSSL's "ALG+HASH" spelling (SSL_CTX_set1_sigalgs_list): ALG is RSA,
 * DSA or ECDSA, giving the RFC 5246 SignatureAndHashAlgorithm pair
 * (hash << 8 | signature), or RSA-PSS / PSS, which OpenSSL 3.0 sends as
 * rsa_pss_rsae_* (0x0804..0x0806, checked on the wire); HASH is SHA1,
 * SHA224, SHA256, SHA384 or SHA512. 0 when the text is not of that form.
 */
static uint16_t
alg_hash_code(const char *name)
{
    static const struct {
        const char *name;
        unsigned code;
    } algs[] = {{"RSA", 1},
                {"DSA", 2},
                {"ECDSA", 3},
                {"RSA-PSS", 0x100},
                {"PSS", 0x100}},
      hashes[] = {{"SHA1", 2},
                  {"SHA224", 3},
                  {"SHA256", 4},
                  {"SHA384", 5},
                  {"SHA512", 6}};
    const char *plus = strchr(name, '+');
    size_t i, j, alen;

    if (plus == NULL)
        return 0;
    alen = (size_t)(plus - name);
    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strlen(algs[i].name) != alen ||
            strncasecmp(name, algs[i].name, alen) != 0)
            continue;
        for (j = 0; j < sizeof(hashes) / sizeof(hashes[0]); j++) {
            if (strcasecmp(plus + 1, hashes[j].name) != 0)
                continue;
            if (algs[i].code == 0x100)
                return hashes[j].code >= 4 ? (uint16_t)(0x0800 + hashes[j].code)
                                           : 0;
            return (uint16_t)(hashes[j].code << 8 | algs[i].code);
        }
    }
    return 0;
}

const struct mx_sigalg *
mx_sigalg_by_name(const char *name)
{
    size_t i;
    uint16_t code;

    if (name == NULL)
        return NULL;
    for (i = 0; i < NSIGALGS; i++)
        if (strcasecmp(name, sigalgs[i].iana) == 0 ||
            (sigalgs[i].openssl != NULL &&
             strcasecmp(name, sigalgs[i].openssl) == 0))
            return &sigalgs[i];
    code = alg_hash_code(name);
    return code != 0 ? mx_sigalg_by_code(code) : NULL;
}

static const struct {
    int code;
    const char *name;
} alerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
    {-1, "unknown"},
};

#define NALERTS (sizeof(alerts) / sizeof(alerts[0]) - 1)

const char *
mx_alert_name(int desc)
{
    size_t i;

    for (i = 0; i < NALERTS; i++)
        if (alerts[i].code == desc)
            break;
    return alerts[i].name;
}
