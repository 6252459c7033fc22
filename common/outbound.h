/*
 * outbound.h - the other direction: will our MTA's TLS client negotiate
 * with a peer's MX, and what does it get? Predicted from our client's
 * offer (a struct mx_offer: a recording of the client library, a
 * recorded ClientHello, or lists) and the peer MX's server profile
 * learned by --learn (profile.h), without contacting the peer.
 *
 * The rules are the ones a TLS server applies: the highest version both
 * have; then, in that version only (a server does not go down a version
 * to find a suite), the first of our suites (in our order: Postfix's
 * smtpd and Exim follow the client's order unless told otherwise) that
 * the MX accepts, an ECDHE suite (and any TLS 1.3 suite) only with a
 * group both have. A failure is diagnosed with the Postfix smtp_tls_*
 * setting of our client to change.
 *
 * Pure: no I/O, nothing printed, no failure (every outcome is a verdict).
 */
#ifndef MX_OUTBOUND_H
#define MX_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "offer.h"
#include "profile.h"

enum mx_out_verdict {
    MX_OUT_OK = 0,
    MX_OUT_NO_VERSION, /* no protocol version in common */
    MX_OUT_NO_SUITE,   /* the version has no suite in common */
    MX_OUT_NO_GROUP    /* suites in common, but each needs a group and
                          there is none in common */
};

struct mx_outbound {
    enum mx_out_verdict verdict;
    uint16_t version; /* the version negotiated (or tried: NO_SUITE/GROUP) */
    uint16_t suite;   /* MX_OUT_OK: the suite */
    uint16_t group;   /* MX_OUT_OK: the group (0 for RSA key transport) */
    size_t ncommon;   /* suites usable in common in that version; a MX
                         that orders suites itself may pick another */
    char why[640];    /* one line: the outcome, or the diagnosis */
};

void mx_outbound_predict(const struct mx_offer *ours,
                         const struct mx_profile *mx, struct mx_outbound *out);

/* The verdict's short name: "ok", "no common version", ... */
const char *mx_outbound_verdict_name(enum mx_out_verdict v);

#endif
