/*
 * tlsengine.h - the OpenSSL handshake engine: offer exactly what the
 * caller asks (versions, suites, groups, signature schemes, SNI) at
 * security level 0, run the client handshake on a connection with a
 * deadline, and report what the server did.
 *
 * The offer is offer.h's; everything is stated by IANA code; the engine
 * translates codes into the library's names and logs (-vvv) whatever the linked
 * OpenSSL cannot offer. Certificates are not verified here (see certinfo.h);
 * the point is to see what the server presents, not to trust it.
 *
 * Verdicts of mx_tls_step():
 *   MX_DONE, hs->accepted = 1  the handshake completed; c->ssl carries
 *                              the session for the dialogue after TLS;
 *   MX_DONE, hs->accepted = 0  the server refused the offer: a TLS alert,
 *                              a version or suite outside the offer, or a
 *                              close or reset during the handshake
 *                              (hs->reason says which);
 *   -1                         no verdict on the offer: a peer that does
 *                              not speak TLS (TLS), or an INTERNAL
 *                              failure. Timeouts are the caller's: it
 *                              owns the clock.
 */
#ifndef MX_TLSENGINE_H
#define MX_TLSENGINE_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "deadline.h"
#include "err.h"
#include "net.h"
#include "offer.h"
#include "suites.h"

struct mx_handshake {
    int accepted;
    int closed;             /* refused by close/reset instead of an alert */
    int alert_recv;         /* alert description received, -1 if none */
    int alert_sent;         /* alert description we sent, -1 if none */
    char reason[256];       /* why it was refused, in words */
    uint16_t version;       /* negotiated version (wire code) */
    uint16_t suite;         /* negotiated suite (IANA code) */
    char suite_iana[64];    /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
    char suite_ossl[64];    /* ECDHE-RSA-AES256-GCM-SHA384 */
    uint16_t group;         /* key exchange group, 0 if none or unknown */
    char group_name[32];    /* "X25519", "P-256", "DHE 2048", "" */
    uint16_t sigalg;        /* server's signature scheme, 0 if none/unknown */
    STACK_OF(X509) * chain; /* presented chain, leaf first; NULL if none */
    int64_t ms;             /* handshake time in milliseconds */
};

struct mx_lib_suite {
    uint16_t code;
    enum mx_sauth auth; /* RSA, ECDSA (also Ed25519 and Ed448 below
                           TLS 1.3), DSS, or TLS13 (the signature scheme
                           decides) */
};

/*
 * The suites the linked library can offer in which the server proves
 * itself with a certificate (RSA, ECDSA, DSS key exchange/authentication,
 * and every TLS 1.3 suite); no anonymous, PSK, SRP or GOST suites. Writes
 * at most cap entries; returns how many, or -1 if the library fails.
 */
int mx_tls_cert_suites(struct mx_lib_suite *out, size_t cap);

void mx_handshake_init(struct mx_handshake *hs);
void mx_handshake_free(struct mx_handshake *hs);

/* What the message callback of a running handshake saw. */
struct mx_tls_trace {
    int alert_recv;
    int alert_sent;
    unsigned char first[5]; /* first record header received */
    int have_first;
    size_t bytes_in; /* record bytes received (headers + bodies) */
};

/* One handshake in progress. */
struct mx_tls_run {
    SSL_CTX *ctx;
    int own_ctx; /* ctx was made for this handshake (mx_tls_start) */
    SSL *ssl;
    struct mx_tls_trace trace;
    int64_t t0;
};

/*
 * Prepare a handshake on the connection (after STARTTLS): 0, or -1 with
 * err (USAGE when the library can offer nothing of the offer, INTERNAL).
 */
int mx_tls_start(struct mx_tls_run *run, struct mx_conn *c,
                 const struct mx_offer *o, struct mx_handshake *hs,
                 struct mx_error *err);

/* A client context that many handshakes share (each offer is set on its
 * own connection, mx_tls_start_in): SSL_CTX_new costs a good part of a
 * handshake. NULL with err (INTERNAL) when the library fails; the caller
 * frees it with SSL_CTX_free. */
SSL_CTX *mx_tls_context(struct mx_error *err);

/* mx_tls_start on a shared context (NULL: one of its own). */
int mx_tls_start_in(struct mx_tls_run *run, SSL_CTX *ctx, struct mx_conn *c,
                    const struct mx_offer *o, struct mx_handshake *hs,
                    struct mx_error *err);

/*
 * Drive the handshake: MX_AGAIN (c->want says what to poll for), MX_DONE
 * with a verdict in hs (accepted: c->ssl now carries the session; refused:
 * hs->reason says why), or -1 with err (a peer that is not TLS, a TLS
 * error that is no verdict on the offer, INTERNAL).
 */
int mx_tls_step(struct mx_tls_run *run, struct mx_conn *c,
                struct mx_handshake *hs, struct mx_error *err);

/* Release a handshake that did not complete (safe to call always). */
void mx_tls_abort(struct mx_tls_run *run);

#endif
