/*
 * registry.h - name <-> code tables for protocol versions, certificate key
 * types, signature schemes and groups.
 *
 * Codes are the IANA wire values (TLS parameters registries; see
 * docs/registry.md for the sources). Names are what people read and type.
 * Every lookup that finds nothing returns the table's sentinel (code 0,
 * NULL pointer or MX_KEY_NONE); nothing here prints.
 */
#ifndef MX_REGISTRY_H
#define MX_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

/* Protocol versions, by wire code. */
#define MX_SSL2  0x0002
#define MX_SSL3  0x0300
#define MX_TLS10 0x0301
#define MX_TLS11 0x0302
#define MX_TLS12 0x0303
#define MX_TLS13 0x0304

/* "TLSv1.2" etc.; "unknown" for codes not in the table. */
const char *mx_version_name(uint16_t code);

/* Accepts TLSv1.2, TLS1.2, tls1_2, TLSv1_2, 1.2 (and TLSv1 = TLSv1.0,
 * SSLv3, SSLv2), case-insensitive. 0 when unknown. */
uint16_t mx_version_parse(const char *s);

/* Certificate key types. */
enum mx_keytype {
    MX_KEY_NONE = 0,
    MX_KEY_RSA,
    MX_KEY_RSA_PSS,
    MX_KEY_ECDSA,
    MX_KEY_ED25519,
    MX_KEY_ED448,
    MX_KEY_DSA,
    MX_KEY_COUNT
};

/* "rsa", "rsa-pss", "ecdsa", "ed25519", "ed448", "dsa" (option values). */
const char *mx_keytype_id(enum mx_keytype t);
/* "RSA", "RSA-PSS", "ECDSA", "Ed25519", "Ed448", "DSA" (display). */
const char *mx_keytype_name(enum mx_keytype t);
/* The server-side change that adds a certificate of type t, with the
 * Postfix parameters ("add an RSA certificate (Postfix: ...)"). */
const char *mx_keytype_advice(enum mx_keytype t);
/* Parses the option values above, case-insensitive; MX_KEY_NONE if none. */
enum mx_keytype mx_keytype_parse(const char *s);

/* Named groups (supported_groups / key_share). */
struct mx_group {
    uint16_t code;
    const char *iana;    /* "secp256r1", "x25519", "ffdhe2048" */
    const char *display; /* "P-256", "X25519", "ffdhe2048" */
    const char *openssl; /* name the linked library takes in a groups list,
                            or NULL if it cannot offer the group */
    int tls13;           /* usable in TLS 1.3 */
    const char *alias;   /* OpenSSL's curve name where it differs, or NULL */
};

const struct mx_group *mx_group_by_code(uint16_t code);
/* By IANA, display or OpenSSL name (also OpenSSL's curve names such as
 * prime256v1), case-insensitive. */
const struct mx_group *mx_group_by_name(const char *name);
/* The whole table, for iteration; *n receives its length. */
const struct mx_group *mx_groups(size_t *n);

/* Signature schemes (signature_algorithms). */
struct mx_sigalg {
    uint16_t code;
    const char *iana;    /* "rsa_pss_rsae_sha256", "ecdsa_sha1", ... */
    const char *openssl; /* spelling the linked library takes, or NULL */
    enum mx_keytype key; /* key type that can make this signature */
    uint16_t curve;      /* ECDSA schemes bound to one curve in TLS 1.3
                            (group code), else 0 */
    int tls13;           /* allowed for TLS 1.3 CertificateVerify */
};

const struct mx_sigalg *mx_sigalg_by_code(uint16_t code);
/* By IANA or OpenSSL name, or OpenSSL's "ALG+HASH" form (RSA, DSA, ECDSA,
 * RSA-PSS or PSS with SHA1 .. SHA512: "RSA+SHA256" is rsa_pkcs1_sha256,
 * "RSA-PSS+SHA256" rsa_pss_rsae_sha256), case-insensitive. */
const struct mx_sigalg *mx_sigalg_by_name(const char *name);
const struct mx_sigalg *mx_sigalgs(size_t *n);

/* TLS alert descriptions: "handshake_failure" for 40; "unknown" for
 * values not in the registry. */
const char *mx_alert_name(int desc);

#endif
