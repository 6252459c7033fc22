/*
 * suites.h - the cipher suite registry, and parsing of user lists.
 *
 * Every suite of the IANA "TLS Cipher Suites" registry, identified by its
 * 16-bit code, with its IANA name, its OpenSSL name where one exists (read
 * from the linked library for the suites it implements, from a table of
 * our own for legacy suites OpenSSL 3 dropped: RC4, DES, 3DES, IDEA, SEED,
 * EXPORT, ...), its key exchange, authentication, bulk cipher and key
 * size, MAC, and the protocol versions it is valid for. The SSLv2 cipher
 * kinds (3-byte codes) have a small table of their own.
 *
 * Lookups return NULL when nothing matches; parsing returns -1 with a
 * struct mx_error (USAGE) whose message names the first entry it could not
 * understand. Nothing here prints.
 */
#ifndef MX_SUITES_H
#define MX_SUITES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "registry.h"

enum mx_kx {
    MX_KX_NULL = 0, /* TLS_NULL_WITH_NULL_NULL */
    MX_KX_RSA,      /* RSA key transport (also RSA_EXPORT) */
    MX_KX_DHE,      /* ephemeral finite-field DH */
    MX_KX_ECDHE,    /* ephemeral elliptic-curve DH */
    MX_KX_DH,       /* static DH (DH_DSS, DH_RSA, DH_anon) */
    MX_KX_ECDH,     /* static ECDH (ECDH_ECDSA, ECDH_RSA, ECDH_anon) */
    MX_KX_PSK,      /* PSK, DHE_PSK, RSA_PSK, ECDHE_PSK */
    MX_KX_SRP,
    MX_KX_KRB5,
    MX_KX_GOST,
    MX_KX_ECCPWD,
    MX_KX_TLS13, /* TLS 1.3: negotiated separately (key_share) */
    MX_KX_OTHER
};

enum mx_sauth {
    MX_SAUTH_NULL = 0, /* anonymous (anon, NULL) */
    MX_SAUTH_RSA,
    MX_SAUTH_DSS,
    MX_SAUTH_ECDSA,
    MX_SAUTH_PSK,
    MX_SAUTH_SRP, /* SRP_SHA without a certificate */
    MX_SAUTH_KRB5,
    MX_SAUTH_GOST,
    MX_SAUTH_ECCPWD,
    MX_SAUTH_TLS13, /* TLS 1.3: the signature scheme decides */
    MX_SAUTH_OTHER
};

/* The one mapping between certificate key types and the authentication
 * of suites below TLS 1.3. mx_keytype_sauth: the authentication that
 * serves a key (RSA for RSA and RSA-PSS keys; ECDSA for ECDSA, Ed25519
 * and Ed448; DSS for DSA; MX_SAUTH_NULL for none). mx_sauth_keytype: the
 * key type a suite's authentication asks for (RSA, ECDSA, DSA;
 * MX_KEY_NONE for the others). */
enum mx_sauth mx_keytype_sauth(enum mx_keytype k);
enum mx_keytype mx_sauth_keytype(enum mx_sauth a);

#define MX_SUITE_EXPORT 0x01 /* an EXPORT suite (40/56-bit) */
#define MX_SUITE_SCSV   0x02 /* a signalling value, not a suite */
#define MX_SUITE_REC    0x04 /* IANA "Recommended: Y" */

struct mx_suite {
    uint16_t code;
    const char *iana;    /* "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" */
    const char *openssl; /* "ECDHE-RSA-AES256-GCM-SHA384", or NULL */
    enum mx_kx kx;
    enum mx_sauth auth;
    const char *enc; /* "AESGCM", "AES", "CHACHA20", "3DES", "RC4", "NULL" */
    int bits;        /* bulk key size in bits (0 for NULL) */
    const char *mac; /* "AEAD", "SHA1", "SHA256", "SHA384", "MD5", ... */
    uint16_t min_version; /* lowest protocol version it can be used with */
    uint16_t max_version; /* highest */
    unsigned flags;       /* MX_SUITE_* */
};

/* The whole table in code order; *n receives its length. */
const struct mx_suite *mx_suites(size_t *n);
const struct mx_suite *mx_suite_by_code(uint16_t code);
/* IANA or OpenSSL name, case-insensitive. */
const struct mx_suite *mx_suite_by_name(const char *name);
/* "ECDHE-RSA-AES256-GCM-SHA384" if an OpenSSL name exists, else IANA. */
const char *mx_suite_name(uint16_t code);
/* Does the linked OpenSSL implement it (can the OpenSSL engine offer it)? */
int mx_suite_in_library(uint16_t code);
/* Is the suite usable with protocol version v (wire code)? */
int mx_suite_valid_for(const struct mx_suite *s, uint16_t v);

/* A TLS context that selects every suite the library has (security
 * level 0), for reading its suite lists; NULL when the library fails.
 * The caller frees it. */
struct ssl_ctx_st *mx_suites_scratch_ctx(void);

/* SSLv2 cipher kinds (3-byte codes, RFC draft / OpenSSL names). */
struct mx_ssl2_cipher {
    uint32_t code; /* 0x010080 ... */
    const char *name;
    int bits;
};
const struct mx_ssl2_cipher *mx_ssl2_ciphers(size_t *n);

/*
 * Parse a list of suites in any form people paste:
 *   OpenSSL names        ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA
 *   IANA names           TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
 *   hex codes            0xC030, C030, C0,30, 0xc0,0x30
 *   OpenSSL cipher strings, expanded by the linked library
 *                        HIGH:!aNULL, ECDHE+AESGCM, DEFAULT@SECLEVEL=0
 * Entries are separated by ':', ' ' or ',' (except inside the "C0,30"
 * and "0xc0,0x30" forms). Order is kept; duplicates are dropped. A list
 * whose every entry is a name or a code is taken literally; otherwise the
 * whole string must be a cipher string the library accepts. Writes at
 * most cap codes; more is an error. 0 or -1.
 */
int mx_suites_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                    struct mx_error *err);

/* The same for groups (IANA/OpenSSL names, display names, decimal or hex
 * codes) and signature schemes (IANA names, OpenSSL "ALG+HASH" forms, hex
 * codes). Unknown entries are errors that name them. */
int mx_groups_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                    struct mx_error *err);
int mx_sigalgs_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                     struct mx_error *err);

#endif
