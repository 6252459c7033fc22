/*
 * enumerate.h - what a server accepts: protocol versions SSLv2 .. TLS 1.3,
 * the cipher suites per version, whether the server's or the client's
 * order decides, the groups per version, and TLS_FALLBACK_SCSV.
 *
 * What the linked OpenSSL can offer (TLS 1.0 to 1.3 at security level 0,
 * its suites and groups) is asked by complete handshakes, followed by
 * EHLO, QUIT and close_notify, so that an acceptance leaves no error in
 * the server's log and counts only when the handshake completes; the
 * rest (SSLv2, SSLv3, suites and groups of the IANA registry the library
 * lacks, and a version whose complete handshake fails) by raw
 * ClientHellos (rawtls.h) that read the server's first flight and drop
 * the connection (mx_vresult.verified says which). Refusals and dropped
 * raw probes are counted: each leaves an error in the server's log.
 * Probes run in parallel on the scheduler, with a bounded number of
 * connections:
 *
 *   versions  SSLv2 and SSLv3 one raw probe each; TLS 1.3 one handshake;
 *             TLS 1.0 to 1.2 one handshake over the range, then the
 *             range below the version the server chose (a refusal of
 *             the range refuses all of it; a refusal that is not
 *             protocol_version, or a handshake that breaks, is asked
 *             again per version by the raw engine);
 *   suites    per accepted version, elimination chains (offer a set, note
 *             the suite the server picks, remove it, offer the rest, until
 *             the server refuses): one by handshakes over the library's
 *             suites, raw ones over the rest, several when the version
 *             has many candidate suites; a raw ClientHello never offers
 *             more than MX_ENUM_CHUNK suites; in the handshake chain a
 *             close is asked again once, then the offer is halved until
 *             the suites the server closes on are found (closes);
 *             when a version's chains end with suites accepted but no
 *             DHE suite, the DHE suites left (of an authentication the
 *             server was seen to use) are asked once more by raw chains
 *             with the other kind of hello: FFDHE groups listed (after
 *             the handshake chain, whose OpenSSL hellos list none) or
 *             none listed (after a raw chain), as a GnuTLS server serves
 *             DHE or not by the FFDHE groups the client lists;
 *   order     one probe per version with two accepted suites reversed;
 *   groups    per accepted version, an elimination chain over the
 *             supported_groups list (TLS 1.3: the key_share group or the
 *             HelloRetryRequest's; below: the ServerKeyExchange curve of
 *             ECDHE suites, and no ECDSA suite when the server accepts
 *             ECDHE suites of another authentication); when it ends in a
 *             refusal with groups left, once more with the groups found
 *             listed after them (an ECDSA certificate's curve must be
 *             listed for the server to use it), until the server picks
 *             one of those; a handshake the library aborts because the
 *             server's ECDSA certificate is on a curve the offer leaves
 *             out (a GnuTLS server does that) hands the groups left to
 *             the raw engine, which reads the ServerKeyExchange's curve;
 *   fallback  one probe at the second highest version with
 *             TLS_FALLBACK_SCSV.
 *
 * Closes: a refusal is an alert or a well-formed rejection. A probe that
 * the server ends by closing or resetting the connection without an
 * alert (as Dovecot does on every failed handshake) is asked again once,
 * on a fresh connection after MX_ENUM_RETRY_MS (the scheduler holds it
 * while the other probes go on); a version range closed by a complete
 * handshake is asked again per version by the raw engine. What closes
 * again is recorded as such: a version as MX_VS_CLOSED, an elimination
 * chain's end in closed_ends, an order probe in order_closed, a suite of
 * the handshake chain in closes. A timeout is the run's deadline and is
 * not asked again.
 *
 * mx_enumerate() returns 0 when every probe got a verdict (a repeated
 * close counts as one, recorded as above), -1 when any did not (the
 * first such error in err; the results of the others are kept, and a
 * version whose probe failed has state MX_VS_ERROR).
 */
#ifndef MX_ENUMERATE_H
#define MX_ENUMERATE_H

#include <stdint.h>

#include "err.h"
#include "scheduler.h"

#define MX_NVERSIONS       6 /* SSLv2, SSLv3, TLSv1.0, 1.1, 1.2, 1.3 */
#define MX_ENUM_MAX_SUITES 384
#define MX_ENUM_MAX_GROUPS 64
#define MX_ENUM_CHUNK      128 /* most suites in one ClientHello */
#define MX_ENUM_RETRY_MS   200 /* pause before a closed probe is asked again */

#define MX_ENUM_VERSIONS 0x01
#define MX_ENUM_SUITES   0x02
#define MX_ENUM_ORDER    0x04
#define MX_ENUM_GROUPS   0x08
#define MX_ENUM_FALLBACK 0x10
#define MX_ENUM_ALL      0x1f

enum mx_vstate {
    MX_VS_NOT_TESTED = 0,
    MX_VS_ACCEPTED,
    MX_VS_REFUSED,
    MX_VS_ERROR, /* no verdict: see err */
    MX_VS_CLOSED /* no answer: the server closed (or reset) the connection
                    without an alert, asked twice; neither accepted (no
                    handshake completed) nor refused (no alert) */
};

struct mx_vresult {
    uint16_t version;
    enum mx_vstate state;
    char detail[160];    /* refused: how ("alert protocol_version") */
    struct mx_error err; /* MX_VS_ERROR */
    uint16_t chosen;     /* the suite the server chose in the version probe */
    uint16_t group;      /* ... and its key exchange group, when known */
    int64_t us;          /* the version probe's time to the verdict */
    int verified; /* accepted: 1 a complete handshake (OpenSSL), 0 the raw
                     engine's view up to the server's hello only */
    uint16_t suites[MX_ENUM_MAX_SUITES]; /* accepted, in the order found */
    size_t nsuites;
    int suites_complete; /* every suite chain ended in a refusal */
    uint16_t closes[MX_ENUM_MAX_SUITES]; /* suites whose offer alone the
                                            server answers by closing the
                                            connection (twice): neither
                                            accepted nor refused */
    size_t ncloses;
    int closed_ends;  /* elimination chains that ended with the server
                         closing the connection without an alert (asked
                         twice): what was left is not accepted, and not
                         verified as refused */
    int order;        /* 1 server order, 0 client order, -1 unknown */
    int order_closed; /* unknown: the order probe was closed twice */
    uint16_t groups[MX_ENUM_MAX_GROUPS]; /* accepted, in the order found */
    size_t ngroups;
    int groups_complete;
    int dh_bits;               /* DHE prime size seen, 0 if none */
    uint32_t ssl2_ciphers[16]; /* SSLv2: the cipher kinds the server named */
    size_t nssl2;
};

struct mx_enum {
    struct mx_vresult v[MX_NVERSIONS]; /* index 0 SSLv2 ... 5 TLSv1.3 */
    int fallback;        /* 1 honoured, 0 ignored, -1 not tested or n/a */
    int fallback_closes; /* honoured by closing the connection (the same
                            hello without the SCSV accepted), not alert 86 */
    struct mx_probe_stats stats;
    int errors;   /* probes without a verdict */
    int refusals; /* verdicts that were refusals (each one leaves an error
                     in the server's log) */
    int dropped;  /* raw probes the server accepted and that were dropped
                     after its hello (an error in its log too) */
    int closed;   /* probes the server closed without an alert (a failed
                     handshake in its log, most likely) */
};

struct mx_enum_opts {
    unsigned what; /* MX_ENUM_* */
    int parallel;  /* connections at once (1..MX_SCHED_MAX) */
    const char *sni;
    int raw_only; /* raw ClientHellos only: no complete handshakes */
};

/* Index of a version in mx_enum.v, -1 if not one of the six. */
int mx_version_index(uint16_t version);

int mx_enumerate(struct mx_target *t, const struct mx_enum_opts *o,
                 struct mx_enum *e, struct mx_error *err);

#endif
