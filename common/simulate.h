/*
 * simulate.h - will each peer's TLS client get a handshake with our
 * server, and if not, why, and what to change on the server.
 *
 * Each peer's client is simulated by offering exactly what the peer
 * offers. When the linked OpenSSL can offer all of it (every suite, group
 * and signature scheme, versions TLS 1.0 to 1.3), the handshake is
 * completed with the OpenSSL engine and ended with EHLO, QUIT and
 * close_notify, so that the server logs a normal session for a peer that
 * is fine; a recording is re-created so only when OpenSSL would also send
 * the same key shares (offer.c, mx_offer_engine). Otherwise the
 * raw engine sends the peer's ClientHello (a recording unchanged; lists
 * built into a hello shaped like a real client's) and stops at the
 * server's first flight.
 *
 * A server that answers with alert internal_error (it failed itself, not
 * the offer), or an acceptance resting on a raw first flight with no
 * signature in it, makes one control handshake for the whole run:
 * everything the library offers, TLS 1.0 to 1.3. Refused with that alert
 * too, and nothing of the run completed, every such peer is
 * MX_DIAG_SERVER: the server fails every handshake.
 *
 * When a peer fails, a chain of probes finds out why, one question at a
 * time and only as far as needed (see simulate.c): whether the server
 * accepts the peer's versions at all, whether it has a certificate of the
 * peer's type (and which key types it has), and whether it would accept
 * the peer's offer with one list opened: any group, any signature scheme,
 * any suite. The first answer that explains the refusal names the cause
 * (protocol version, certificate type, group, signature algorithm,
 * cipher), with the server-side setting to change (Postfix names first).
 * Probes run on the OpenSSL engine where it can offer them, so that
 * accepted ones end as normal sessions; how many handshakes the server
 * refused or saw cut short is counted per peer.
 *
 * All peers run at once on the scheduler, with a bounded number of
 * connections; peers that offer exactly the same are simulated once.
 * mx_simulate() returns 0 (per-peer results in out, errors included) or -1 when
 * it could not run at all (err: resolution, memory).
 */
#ifndef MX_SIMULATE_H
#define MX_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "err.h"
#include "peers.h"
#include "scheduler.h"

enum mx_sim_state {
    MX_SIM_OK = 0, /* the peer gets a handshake */
    MX_SIM_FAIL,   /* the server refuses the peer's offer */
    MX_SIM_ERROR   /* no verdict (STARTTLS refused, timeout, ...): err */
};

enum mx_diag {
    MX_DIAG_NONE = 0,
    MX_DIAG_PROTOCOL,  /* no common protocol version */
    MX_DIAG_CERT_TYPE, /* a suite would match with another certificate */
    MX_DIAG_GROUP,     /* no common key exchange group */
    MX_DIAG_SIGALG,    /* no usable signature scheme */
    MX_DIAG_CIPHER,    /* no common cipher even ignoring authentication */
    MX_DIAG_UNKNOWN,   /* refused whatever was relaxed */
    MX_DIAG_SERVER     /* the server fails every handshake */
};

struct mx_sim {
    const struct mx_peer *peer;
    enum mx_sim_state state;
    enum mx_engine engine; /* what simulated the peer */
    /* accepted */
    uint16_t version;
    uint16_t suite;
    uint16_t group;
    char cert[48]; /* "RSA 2048"; empty when not visible (raw TLS 1.3) */
    /* the chain presented, leaf first, owned here (mx_sim_free); kept
       for a peer that authenticates by DANE or MTA-STS, from the OpenSSL engine
       only: NULL otherwise */
    STACK_OF(X509) * chain;
    int64_t us; /* from the ClientHello to the verdict */
    /* refused */
    char refusal[512]; /* how the server refused ("alert ...") */
    enum mx_diag diag;
    char why[512];    /* short cause: "no RSA certificate" */
    char detail[768]; /* one line: the cause and the fix */
    /* no verdict */
    struct mx_error err;
    /* politeness */
    int probes;   /* handshakes tried for this peer, the diagnosis's too */
    int refusals; /* of them: refused, or raw and dropped after the first
                     flight (each an error in the server's log) */
    int shared;   /* a copy of an earlier peer's run (same offer): its
                     probes are that peer's */
};

int mx_simulate(struct mx_target *t, const struct mx_peer *peers, size_t n,
                int parallel, const char *sni, struct mx_sim *out,
                struct mx_probe_stats *stats, struct mx_error *err);

/* The same for peers and results anywhere: peers[i] into *out[i] (the
 * peers of a list that are to run, in place). */
int mx_simulate_each(struct mx_target *t, const struct mx_peer *const *peers,
                     struct mx_sim *const *out, size_t n, int parallel,
                     const char *sni, struct mx_probe_stats *stats,
                     struct mx_error *err);

/* Free what n results hold (their chains); the array itself is the
 * caller's. */
void mx_sim_free(struct mx_sim *s, size_t n);

/* "certificate type", "protocol version", ... for -v and tests. */
const char *mx_diag_name(enum mx_diag d);

#endif
