/*
 * peers.h - the critical peers of a mail server: who they are, how bad it
 * is when one cannot deliver, and what its TLS client offers.
 *
 * The peers file is INI-style (see contrib/peers.conf.example):
 *
 *   # the bank from the incident
 *   [arz]
 *   description = ARZ (Austrian banks), mx01.arz.at
 *   severity = critical
 *   protocols = TLSv1.2
 *   ciphers = ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:...
 *
 *   [partner]
 *   clienthello = /etc/mxtls/partner.pcap
 *
 *   [example]
 *   mx = example.org
 *   max-age = 30d
 *
 * Keys: description (free text), severity (critical | warning; default
 * critical), and one way to describe the peer's client:
 *   protocols, ciphers, groups, sigalgs  lists in every form the registry
 *       parses; omitted ones default to what a typical OpenSSL-based MTA
 *       (Postfix on Debian 12) sends;
 *   clienthello  a file with a recorded ClientHello (hex, pcap, pcapng);
 *   mx  a host or domain (optionally host:port or [host]:port) whose MX is
 *       probed as a server by --learn; max-age (seconds, or with a suffix
 *       s, m, h, d, w) says when a learned profile is stale (default 30d).
 * authenticates = dane says that the peer's client authenticates us by
 * DANE (RFC 7672): its prediction then checks the certificate it gets
 * against our TLSA records; mta-sts, against our MTA-STS policy (RFC
 * 8461); none (the default) that it does not.
 * Blank lines and lines starting with '#' or ';' are ignored; a section
 * name is 1..63 letters, digits, '.', '_' or '-'; a key may appear once
 * per section; the three ways exclude each other.
 *
 * Errors are USAGE with "FILE:LINE: what is wrong"; nothing here prints.
 */
#ifndef MX_PEERS_H
#define MX_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "err.h"
#include "offer.h"
#include "state.h"

/* Most codes a peer's list may hold (the offer keeps what is there). */
#define MX_PEER_MAX_SUITES 512
#define MX_PEER_MAX_LIST   64
#define MX_PEERS_MAX       1000 /* most peers in one file */

#define MX_PEER_AUTH_DANE   1u /* DANE for SMTP (RFC 7672) */
#define MX_PEER_AUTH_MTASTS 2u /* MTA-STS (RFC 8461) */

enum mx_peer_kind {
    MX_PEER_LISTS = 0, /* protocols/ciphers/groups/sigalgs (or defaults) */
    MX_PEER_HELLO,     /* a recorded ClientHello */
    MX_PEER_MX         /* learned from its MX (profile in the cache) */
};

struct mx_peer {
    char name[64];
    char description[160];
    enum mx_state severity; /* MX_CRITICAL or MX_WARNING */
    enum mx_peer_kind kind;
    /* the client's offer, its lists sized to the data (MX_PEER_LISTS:
       the lists or the typical MTA's; MX_PEER_HELLO: the recording and
       its decoded lists; MX_PEER_MX: empty until its learned profile is
       applied, mx_profile_offer) */
    struct mx_offer offer;
    /* MX_PEER_MX */
    char mx[256];
    long max_age; /* seconds */
    /* how its client authenticates us (MX_PEER_AUTH_*), 0: not at all */
    unsigned auth;
    /* where its mail comes from: networks and host names (traffic.h),
       "" when not said */
    char from[512];
    /* "" or, when its client is a hello learned from traffic (profile.h),
       what it rests on: "learned from traffic: 3 ClientHellos from ..." */
    char learned[300];
    /* where it was defined ("-" and 0 for command-line peers) */
    char file[256];
    int line;
};

struct mx_peers {
    struct mx_peer *v;
    size_t n;
};

/* Read and check a peers file (a regular file of at most 1 MiB, read by
 * mx_file_read: errors about the file itself start with "-f: PATH: ");
 * recorded hellos are loaded and decoded into the offer. 0 or -1. */
int mx_peers_load(const char *path, struct mx_peers *peers,
                  struct mx_error *err);

/* The same from the text of the file (len bytes, need not end with a
 * NUL); path is for messages and for relative clienthello paths. */
int mx_peers_parse(const char *text, size_t len, const char *path,
                   struct mx_peers *peers, struct mx_error *err);

/* Fill the lists an offer left out with a typical OpenSSL-based MTA's:
 * TLSv1.3 down to TLSv1.0, OpenSSL's default TLS 1.3 suites plus its
 * "medium" grade list (Postfix's default), Postfix 3.7's curves, and
 * OpenSSL's default signature schemes; TLS 1.3 suites added or dropped
 * to fit the versions. The offer must be owned or empty. 0, or -1
 * (INTERNAL: memory). */
int mx_offer_defaults(struct mx_offer *o, struct mx_error *err);

/* Load the recorded ClientHello in the file path (hex, pcap, pcapng)
 * into p's offer: the recording, and the lists decoded from it (GREASE
 * and signalling values left out; the versions as a range). 0 or -1
 * (USAGE naming the file, INTERNAL). */
int mx_peer_load_hello(struct mx_peer *p, const char *path,
                       struct mx_error *err);

/* The lists of o decoded from its recording (o->hello): GREASE and
 * signalling values left out, the versions as a range; messages start
 * with what. 0 or -1 (USAGE, INTERNAL). */
int mx_offer_hello_lists(struct mx_offer *o, const char *what,
                         struct mx_error *err);

/* o (emptied first, not freed) made an owned offer of a copy of the
 * ClientHello records hello[0..len) and the lists decoded from them, as
 * mx_offer_hello_lists. 0 or -1 (o left empty). */
int mx_offer_from_hello(struct mx_offer *o, const uint8_t *hello, size_t len,
                        const char *what, struct mx_error *err);

/* Release what one peer holds (its offer). */
void mx_peer_free(struct mx_peer *p);

/* One peer given on the command line (--peer-ciphers etc.): any of the
 * lists may be NULL. 0 or -1 (USAGE naming the option). */
int mx_peer_from_options(struct mx_peer *p, const char *name,
                         const char *protocols, const char *ciphers,
                         const char *groups, const char *sigalgs,
                         const char *clienthello, struct mx_error *err);

void mx_peers_free(struct mx_peers *peers);

/* An authenticates value: dane, mta-sts or none (case-insensitive) into
 * *out. 0,
 * or -1 (USAGE). */
int mx_peer_auth_parse(const char *s, unsigned *out, struct mx_error *err);

/* 1 when v is a protocol version the registry knows by name (what a
 * peer's or a profile's version list may hold). */
int mx_peer_version_ok(uint16_t v);

#endif
