/*
 * profile.h - a peer's client profile learned from its MX, and the cache
 * that keeps it between the (explicit, rare) learning step and the
 * (routine) checks of our own server.
 *
 * A profile is what the peer's MX accepts as a server, taken as what its
 * client offers: the versions, the suites per version (merged), the
 * groups; plus when and from which addresses it was learned. The cache is
 * a directory with one text file per peer ("NAME.profile"), written
 * atomically (a temporary file in the same directory, fsync, rename), so
 * that a check never reads half a profile and a failed learning run never
 * destroys the previous profile.
 *
 * Functions return 0 or -1 with a struct mx_error: USAGE for a cache
 * directory that cannot be used or a profile file that is not one (the
 * message names the file and line), INTERNAL for memory. Reading a
 * profile that does not exist returns 1 (not an error: the caller says
 * "run --learn"). Nothing here prints.
 */
#ifndef MX_PROFILE_H
#define MX_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "peers.h"

#define MX_PROFILE_ADDRS     16
#define MX_PROFILE_HELLO_MAX 32768 /* most bytes of a learned hello */

struct mx_profile {
    char peer[64];
    char mx[256];                     /* what was asked for */
    time_t learned;                   /* when */
    char hosts[512];                  /* the MX hosts probed, space-separated */
    char addrs[MX_PROFILE_ADDRS][48]; /* the addresses probed */
    size_t naddrs;
    uint16_t versions[8]; /* highest first */
    size_t nversions;
    uint16_t suites[MX_PEER_MAX_SUITES];
    size_t nsuites;
    uint16_t groups[MX_PEER_MAX_LIST];
    size_t ngroups;
    /* Learned from traffic (check_tls_peers --learn-from); hello_len 0:
     * not. The lists above are then the hello's offer. */
    uint8_t hello[MX_PROFILE_HELLO_MAX]; /* the real hello, byte for byte */
    size_t hello_len;
    char hello_source[200];    /* "FILE: 192.0.2.7:41234 -> 192.0.2.1:25" */
    char hello_from[512];      /* its senders: "192.0.2.7 (mx1.bank.test)" */
    time_t hello_first;        /* first seen */
    time_t hello_last;         /* last seen */
    unsigned long hello_count; /* hellos seen from the peer */
    unsigned long hello_agree; /* ... of them like this one */
    char ja3[33];              /* JA3 MD5 (fingerprint.h) */
    char ja4[40];              /* JA4 */
    char hello_change[256];    /* "" or how and when the hello changed */
};

/* "DIR/NAME.profile". 0 or -1 (too long). */
int mx_profile_path(const char *dir, const char *peer, char *out, size_t cap);

int mx_profile_write(const char *dir, const struct mx_profile *p,
                     struct mx_error *err);

/* How far (seconds) a profile's learned time may be ahead of this host's
 * clock: clocks of two hosts (or one host over a learning run) may be off
 * by that much, never by days. */
#define MX_PROFILE_SKEW 300

/*
 * 0 (read), 1 (no profile for this peer), -1 (error). The file must be a
 * regular file owned by this user or root, not a symbolic link, at most
 * 256 KiB ("profile PATH: a symbolic link, not a regular file", ...); a
 * profile learned more than MX_PROFILE_SKEW seconds in the future is an
 * error (see mx_profile_usable). Errors quote at most a short, censored
 * excerpt of what the file holds.
 */
int mx_profile_read(const char *dir, const char *peer, struct mx_profile *p,
                    struct mx_error *err);

/* A profile's text (len bytes, need not end with a NUL) as read by
 * mx_profile_read from the file path of peer, without the time check. */
int mx_profile_parse(const char *text, size_t len, const char *path,
                     const char *peer, struct mx_profile *p,
                     struct mx_error *err);

/* 0 if p was learned at most MX_PROFILE_SKEW seconds after now, else -1
 * with USAGE "PATH: learned ..., N s in the future ...". */
int mx_profile_usable(const struct mx_profile *p, time_t now, const char *path,
                      struct mx_error *err);

/* The offer of the client a profile describes, into o (freed first;
 * owned): the versions as the range they span, the suites and groups
 * learned, and what was not learned (signature schemes, an empty list)
 * from the typical MTA (mx_offer_defaults). A profile that holds a hello
 * learned from traffic gives that hello instead (traffic wins): replayed
 * byte for byte, its lists decoded from it. 0, or -1 (INTERNAL). */
int mx_profile_offer(const struct mx_profile *p, struct mx_offer *o,
                     struct mx_error *err);

/* "learned from traffic: 31 ClientHellos from 192.0.2.7 (mx01...), last
 * ...; JA4 ..., JA3 ...": what a peer's verdict rests on when p holds a
 * hello learned from traffic; "" when it does not. */
void mx_profile_learned_text(const struct mx_profile *p, char *out, size_t cap);

/* A peer not given by 'mx =' but with 'from =': when dir holds a profile
 * learned from its traffic, its client becomes that hello (traffic wins
 * over lists and recordings). 1 when applied, 0 when there is no such
 * profile, -1 with err when one is there but unusable. */
int mx_profile_apply_learned(const char *dir, struct mx_peer *peer,
                             struct mx_error *err);

#endif
