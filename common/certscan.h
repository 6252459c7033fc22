/*
 * certscan.h - find every certificate a server can present, in as few
 * connections as possible.
 *
 * Elimination: offer everything and note the certificate the server
 * presents; offer everything except what that certificate can serve, and
 * repeat. When the server speaks TLS 1.3, the rounds run in TLS 1.3, where
 * signature schemes choose the certificate (and, for ECDSA, the curve);
 * one more round below TLS 1.3 with DSS suites finds DSA, which TLS 1.3
 * cannot use. A server without TLS 1.3 is asked class by class (RSA,
 * ECDSA/EdDSA, DSS suites), each with the signature schemes of the key
 * types not seen yet.
 *
 * A round ends when nothing new comes back. The first probe offers
 * AES-128-GCM suites first; a server that picks them follows the client's
 * order, and then every later round offers a certificate already seen
 * last, so that "nothing new" is a complete handshake with that
 * certificate instead of a refused one (which the server logs as a TLS
 * error). That ends a round only once the server showed that it takes
 * the client's scheme order (or, below TLS 1.3, when the suites of
 * another class decide): a GnuTLS server answers with its first
 * certificate whenever one of its schemes is listed, so until then the
 * round is asked once more without the schemes of the certificates seen.
 * A server that orders by its own preference gets the plain exclusions
 * and refuses the last offer of each round. s->refusals counts the
 * refused handshakes: 0 for a dual RSA + ECDSA Postfix with its defaults,
 * 1 for a TLS 1.3-only one (the DSS round below TLS 1.3) and for a single
 * certificate (the proof that it is alone).
 *
 * Return contract: 0 when the scan ran to its end (s->n may be 0 when the
 * server refused every offer; s->refusal then says how); -1 with err when
 * a probe got no verdict (timeout, STARTTLS refused, not TLS ...), with
 * the certificates found before that kept in s.
 */
#ifndef MX_CERTSCAN_H
#define MX_CERTSCAN_H

#include "certinfo.h"
#include "probe.h"

#define MX_SCAN_MAX_CERTS  8
#define MX_SCAN_MAX_PROBES 12

struct mx_scanned_cert {
    STACK_OF(X509) * chain; /* leaf first; owned */
    struct mx_certinfo info;
    uint16_t version;    /* the handshake that showed it */
    char suite[64];      /* OpenSSL name of that handshake's suite */
    uint16_t suite_code; /* its IANA code */
    uint16_t sigalg;     /* its signature scheme, 0 if none */
};

struct mx_certscan {
    struct mx_scanned_cert certs[MX_SCAN_MAX_CERTS];
    size_t n;
    struct mx_probe_stats stats;
    int tls13;         /* the server negotiated TLS 1.3 */
    int client_order;  /* the server follows the client's suite order */
    int refusals;      /* handshakes the server refused (and logged) */
    char refusal[256]; /* n == 0: how the server refused */
    char note[256];    /* the server ignored an exclusion, ... */
    int64_t first_handshake_ms;
};

int mx_certscan(struct mx_target *t, const char *sni, struct mx_certscan *s,
                struct mx_error *err);
void mx_certscan_free(struct mx_certscan *s);

#endif
