/*
 * resolve.h - DNS lookups validated with DNSSEC (libunbound), bounded by
 * a deadline.
 *
 * A validator is made once per run: the trust anchor (the system's root
 * key, or a file of DS/DNSKEY records for a private zone) and the servers
 * it sends its queries to (the system's resolvers from /etc/resolv.conf,
 * or ADDR[@PORT]: a resolver or an authoritative server, asked as a
 * forwarder). It checks every signature itself: a resolver that strips
 * DNSSEC makes every signed answer bogus, never secure.
 *
 * Lookups run asynchronously in libunbound's worker thread; mx_vres_run
 * waits for their answers on ub_fd() in a poll() whose timeout is the
 * time left, so no lookup holds a run past its deadline.
 *
 * Error contract: mx_vres_new fails with USAGE (unreadable anchor file,
 * bad server address) or INTERNAL; mx_vres_run fails with RESOLVE when
 * the deadline passes before every answer came (the message names the
 * lookups still open and the servers asked) and INTERNAL when libunbound
 * fails. An answer the validator could not get (SERVFAIL, no server
 * reachable) is no error here: it is MX_VRES_FAILED in the query.
 */
#ifndef MX_RESOLVE_H
#define MX_RESOLVE_H

#include <stddef.h>

#include "deadline.h"
#include "err.h"

#define MX_RR_A    1
#define MX_RR_AAAA 28
#define MX_RR_TLSA 52
#define MX_RR_TXT  16

/* What the validator says about an answer. */
enum mx_vres_status {
    MX_VRES_PENDING = 0, /* no answer yet */
    MX_VRES_SECURE,      /* signed, validated */
    MX_VRES_INSECURE,    /* provably unsigned (no DS on the way down) */
    MX_VRES_BOGUS,       /* should be signed but does not validate */
    MX_VRES_FAILED       /* no answer: SERVFAIL, REFUSED, unreachable */
};

struct mx_vquery {
    /* asked */
    char name[256];
    int type;
    /* answered */
    enum mx_vres_status status;
    int rcode;          /* DNS rcode of the answer */
    int nxdomain;       /* the name does not exist */
    int nodata;         /* the name exists, without records of this type */
    char why[256];      /* bogus: the validator's reason; failed: rcode */
    unsigned char **rr; /* rdata of each record, n of them */
    size_t *len;
    size_t n;
    /* private */
    int async_id;
    struct mx_vresolver *owner;
};

struct mx_vresolver;

/* anchor: NULL for the system's root key (MX_ROOT_ANCHOR); server: NULL
 * for /etc/resolv.conf's resolvers. */
struct mx_vresolver *mx_vres_new(const char *anchor, const char *server,
                                 struct mx_error *err);
void mx_vres_free(struct mx_vresolver *r);

/* What was used, for the long output ("127.0.0.1@5300", "the system's
 * resolvers"; "/usr/share/dns/root.key"). */
const char *mx_vres_server(const struct mx_vresolver *r);
const char *mx_vres_anchor(const struct mx_vresolver *r);

/* Fill name and type of q (name is copied). */
void mx_vquery_set(struct mx_vquery *q, const char *name, int type);

/* Ask every query of q at once, wait for all answers until dl. 0 when all
 * were answered (each with its status), -1 with err. Queries still open
 * at the deadline stay MX_VRES_PENDING. */
int mx_vres_run(struct mx_vresolver *r, struct mx_vquery *q, size_t n,
                struct mx_deadline dl, struct mx_error *err);

void mx_vquery_free(struct mx_vquery *q);

const char *mx_vres_status_name(enum mx_vres_status s);

/*
 * Forward-confirmed PTR names: for each of the n addresses (text), the
 * first name of its PTR records (at most 4 tried) that has an A (AAAA
 * for IPv6) record of that address, into names[i], or "" when none is.
 * Answers must be secure or insecure; bogus ones count as none. 0, or -1
 * with err as mx_vres_run (the names found before stay).
 */
int mx_vres_confirmed_names(struct mx_vresolver *r, const char *const *addrs,
                            size_t n, char (*names)[256], struct mx_deadline dl,
                            struct mx_error *err);

/* The default trust anchor: Debian's dns-root-data. */
#define MX_ROOT_ANCHOR "/usr/share/dns/root.key"

#endif
