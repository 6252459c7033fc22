/*
 * peers_outbound.h - check_tls_peers --our-client (see peers_outbound.c):
 * will our client negotiate with each peer's MX, predicted from the MX
 * profiles --learn cached. Adds one node per mx peer and the summary to
 * chk; never fails (a problem is a node or an UNKNOWN summary).
 */
#ifndef MX_PEERS_OUTBOUND_H
#define MX_PEERS_OUTBOUND_H

#include "peers.h"
#include "result.h"

struct mx_peers_outbound_cfg {
    const char *our_client; /* a library name, or a recording's path */
    const char *cache_dir;
    const char *peers_file; /* for the --learn advice */
    long max_age;
    int max_age_given;
};

void mx_peers_outbound(const struct mx_peers_outbound_cfg *cfg,
                       const struct mx_peers *peers, struct mx_check *chk);

#endif
