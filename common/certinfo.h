/*
 * certinfo.h - what a monitoring check needs to know about a certificate:
 * key type and size (curve for ECDSA), names, validity, signature
 * algorithm, fingerprint; chain verification against a CA file or
 * directory; host name matching.
 *
 * Functions return 0 or -1 with a struct mx_error; nothing prints.
 */
#ifndef MX_CERTINFO_H
#define MX_CERTINFO_H

#include <openssl/x509.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "registry.h"

struct mx_certinfo {
    enum mx_keytype type;
    int bits;            /* key size in bits (EVP_PKEY_get_bits) */
    uint16_t curve;      /* ECDSA: group code of the curve, else 0 */
    char curve_name[32]; /* ECDSA: "P-256" (or OpenSSL's name) */
    char label[48];      /* "RSA 2048", "ECDSA P-256", "Ed25519" */
    char subject[256];   /* one line, RFC 2253 order, censored */
    char issuer[256];
    char sigalg[64]; /* "sha256WithRSAEncryption", "ED25519" */
    time_t not_before;
    time_t not_after;
    char fingerprint[65]; /* SHA-256 of the DER, lowercase hex */
};

int mx_certinfo_get(X509 *x, struct mx_certinfo *ci, struct mx_error *err);

/* Days from now until not_after (negative when expired), as a fraction. */
double mx_cert_days_left(const struct mx_certinfo *ci, time_t now);

/*
 * Load trust anchors from cafile and/or capath; with neither, the
 * system's (OpenSSL's default file and directory, i.e. ca-certificates on
 * Debian; SSL_CERT_FILE and SSL_CERT_DIR override them). NULL on failure
 * with err = USAGE naming the file. Free with X509_STORE_free().
 */
X509_STORE *mx_trust_load(const char *cafile, const char *capath,
                          struct mx_error *err);

/* The system's CA directory as mx_trust_load(NULL, NULL) uses it. */
const char *mx_trust_system_dir(void);

/*
 * Verify chain (leaf first, the rest untrusted intermediates) against
 * store, for TLS server use, without looking at validity dates (the
 * caller checks those per certificate). Returns 1 if trusted,
 * 0 if not (why gets the verifier's reason), -1 on an internal failure.
 */
int mx_cert_verify(X509_STORE *store, STACK_OF(X509) * chain, char *why,
                   size_t cap);

/* Does the certificate cover name (DNS name with wildcards per RFC 6125,
 * or an IP address literal)? 1 or 0. */
int mx_cert_matches(X509 *x, const char *name);

#endif
