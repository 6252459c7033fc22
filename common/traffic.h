/*
 * traffic.h - learn each peer's real TLS client from the mail it sends
 * us: every ClientHello of a capture (files, a directory of rotated
 * captures, or a live capture) is attributed to its sender's address and,
 * through a peer's "from =" (networks, host names), to a peer; each peer
 * seen gets a learned profile holding the real hello (profile.h), and the
 * senders no peer claims are listed as candidates, most frequent first.
 *
 * "from =" is a list, separated by blanks or commas, of
 *   192.0.2.0/24, 2001:db8::/32   networks (CIDR), IPv4 or IPv6
 *   192.0.2.7, 2001:db8::25       single addresses
 *   mx01.bank.test                a host name: the sender's PTR name,
 *                                 confirmed forward (the name has an
 *                                 A/AAAA record of the sender's address)
 *   .bank.test                    any such name under bank.test
 * A sender matching several peers belongs to the first in the file.
 *
 * A hello's kind is its fingerprint (JA4 and JA3 MD5, fingerprint.h):
 * two hellos "agree" when both are equal (randoms, session ids and key
 * shares differ in every hello and are not compared). A sender whose
 * kind changes is news: the change is reported, within one run (in the
 * order of the capture) and against the profile of the run before.
 *
 * Error contract: 0, or -1 with a struct mx_error: USAGE (a bad SOURCE,
 * a capture that cannot be read, no permission to capture), INTERNAL
 * (memory). Peers whose profile cannot be written carry the error in
 * their entry; names that cannot be looked up leave a note. Nothing
 * here prints.
 */
#ifndef MX_TRAFFIC_H
#define MX_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "capture.h"
#include "deadline.h"
#include "err.h"
#include "peers.h"

struct mx_traffic_opts {
    const char *source;     /* FILE, DIRECTORY or iface:NAME:SECONDS */
    const char *cache_dir;  /* where profiles are written */
    const char *dns_server; /* ADDR[@PORT] for PTR/A lookups, NULL: system */
    const char *dns_anchor; /* trust anchor file, NULL: the root's */
    int names;              /* look up senders' names (PTR, confirmed) */
    const unsigned *ports;  /* live: ports besides 25, 465, 587 */
    size_t nports;
    double names_timeout; /* seconds for the name lookups, counted from
                             when they start (after a live capture) */
};

/* A peer some hello was attributed to. */
struct mx_traffic_peer {
    size_t peer;             /* index in the peers */
    unsigned long hellos;    /* hellos attributed */
    unsigned long agree;     /* ... like the one kept */
    long long first, last;   /* seen, seconds since the epoch */
    char ja3[33], ja4[40];   /* of the hello kept */
    char senders[512];       /* "192.0.2.7 (mx01.bank.test), ..." */
    char offer[200];         /* "TLSv1.2 only, 12 suites, ..." */
    char change[256];        /* "" or what changed */
    char profile_error[300]; /* "" or why no profile was written */
};

/* A sender no peer claims. */
struct mx_traffic_sender {
    char addr[48];
    char name[256]; /* confirmed PTR name, or "" */
    unsigned long hellos;
    char offer[200];
    char ja4[40];
    char change[256];
};

struct mx_traffic {
    struct mx_capture_stats st;
    char source[300];              /* what was read, for the output */
    struct mx_traffic_peer *peers; /* in the order of the peers file */
    size_t npeers;
    struct mx_traffic_sender *cands; /* most frequent first */
    size_t ncands;
    size_t nsenders;       /* distinct senders */
    unsigned long dropped; /* hellos from senders over the cap */
    char names_note[300];  /* "" or why names are missing */
};

#define MX_TRAFFIC_SENDERS 65536 /* most distinct senders followed */

/* Read o->source, attribute, write profiles into o->cache_dir. */
int mx_traffic_learn(const struct mx_traffic_opts *o,
                     const struct mx_peers *peers, struct mx_traffic *t,
                     struct mx_error *err);

void mx_traffic_free(struct mx_traffic *t);

#endif
