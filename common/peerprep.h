/*
 * peerprep.h - the peers of one check_tls_peers run, prepared: read from
 * the peers file (only those --peer names, every name checked) and the
 * command line, each mx peer's learned profile turned into its offer,
 * each peer with a status; then all the peers that can run simulated in
 * one scheduler run, each result beside its peer. The plugin renders the
 * list; nothing here prints.
 *
 * Statuses: READY (its offer is known), STALE (from a profile learned
 * longer ago than its max-age; still checked), NO_PROFILE (an mx peer
 * with no profile in the cache: not checked), BAD_PROFILE (a profile that
 * cannot be used: not checked, err says why).
 *
 * mx_prep_load and mx_prep_simulate return 0, or -1 with err: USAGE for
 * the peers file, the --peer names and the command-line peer (messages as
 * peers.h writes them, "--peer: no peer 'x' in the file"), INTERNAL for
 * memory; what the simulation could not do at all (resolution) as
 * mx_simulate. On failure nothing stays allocated (mx_prep_free is safe).
 */
#ifndef MX_PEERPREP_H
#define MX_PEERPREP_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "peers.h"
#include "scheduler.h"
#include "simulate.h"

enum mx_pstatus {
    MX_PS_READY = 0,
    MX_PS_STALE,
    MX_PS_NO_PROFILE,
    MX_PS_BAD_PROFILE
};

struct mx_pentry {
    enum mx_pstatus status;
    struct mx_error err; /* BAD_PROFILE: why */
    double age;          /* STALE: seconds since the profile was learned */
    long max_age;        /* STALE: the limit it passed */
    struct mx_sim sim;   /* after mx_prep_simulate, for the peers checked */
};

struct mx_prepared {
    struct mx_peers peers; /* owned */
    struct mx_pentry *e;   /* e[i] is peers.v[i]'s */
};

/* Where the peers come from. */
struct mx_prep_opts {
    const char *file; /* -f, or NULL */
    const char *only; /* --peer names, comma-separated, or NULL */
    /* the command-line peer, when any of its lists (or hello) is given */
    const char *name; /* NULL: "peer" */
    const char *protocols, *ciphers, *groups, *sigalgs, *hello;
    enum mx_state severity;
    unsigned auth;
    /* profiles of mx peers */
    const char *cache_dir;
    long max_age;      /* the limit when max_age_given, or for a peer
                          without one */
    int max_age_given; /* --max-age: holds for every peer */
};

/* Read the peers (no profiles yet: every status READY). 0 or -1. */
int mx_prep_load(const struct mx_prep_opts *o, struct mx_prepared *pp,
                 struct mx_error *err);

/* Apply each mx peer's learned profile (at time now): its offer, or the
 * status that says why it cannot run. Cannot fail as a whole. */
void mx_prep_profiles(const struct mx_prep_opts *o, struct mx_prepared *pp,
                      time_t now);

/* Does entry e take part in the run (READY or STALE)? */
int mx_prep_checked(const struct mx_pentry *e);

/* Simulate the peers that are checked, in one run, into their entries'
 * sim. 0, or -1 with err (as mx_simulate). */
int mx_prep_simulate(struct mx_prepared *pp, struct mx_target *t, int parallel,
                     const char *sni, struct mx_probe_stats *stats,
                     struct mx_error *err);

void mx_prep_free(struct mx_prepared *pp);

#endif
