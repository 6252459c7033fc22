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
    char canon[256];    /* the name the answer is for after CNAMEs (the
                           final target; name itself when there was none) */
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

/*
 * Lookups that need no DNSSEC: the mail exchangers of a domain and the
 * addresses of a host (check_tls_peers --learn, which only chooses where
 * to probe).
 *
 * mx_vres_new_plain asks the servers mx_vres_new would (server, or the
 * resolvers of /etc/resolv.conf, and then /etc/hosts too, as the system's
 * resolver does) with no trust anchor: nothing is validated, every answer
 * is MX_VRES_INSECURE or MX_VRES_FAILED. Errors as mx_vres_new.
 *
 * mx_vres_mx: the MX records of domain, lowest preference first (equal
 * ones in the order of the answer), the cap lowest kept; a domain without
 * MX records has itself as its one MX (RFC 5321 section 5.1: the implicit
 * MX). mx_vres_addrs: the AAAA and A records of host, asked together,
 * IPv6 first, each with port, at most cap; libunbound follows CNAMEs.
 * Both return 0, or -1 with err: RESOLVE for a name that does not exist
 * (NXDOMAIN), a null MX (RFC 7505), MX records that all name no host, a
 * host without addresses, an answer the resolver could not get (SERVFAIL,
 * no server reachable, only garbage received: libunbound's "failed"), a
 * bogus one, and the deadline (mx_vres_run's message); USAGE when cap is
 * 0; INTERNAL as mx_vres_run.
 *
 * The pure parts, for tests and fuzzing: mx_mx_read is how mx_vres_mx
 * reads an answer, from the rdata of its nrr records (rr[i], len[i]
 * bytes). mx_mx_rdata reads one MX record's data as libunbound hands it
 * (the preference, then the exchange as an uncompressed wire name): 0
 * with rec->host in text without the final dot ("" for the root, "."), or
 * -1 when it is malformed or the exchange is no host name (labels of
 * 1..63 letters, digits, '-' or '_'; at most 253 characters); mx_mx_read
 * leaves such a record out (logged at -v). mx_vres_addr makes an address
 * with port from the data of an A (4 bytes) or AAAA (16 bytes) record: 0,
 * or -1 for another type or length.
 */
#define MX_RR_MX 15

struct mx_addr;

struct mx_mxrec {
    unsigned pref; /* 0..65535 */
    char host[256];
};

struct mx_vresolver *mx_vres_new_plain(const char *server,
                                       struct mx_error *err);
int mx_vres_mx(struct mx_vresolver *r, const char *domain,
               struct mx_deadline dl, struct mx_mxrec *out, size_t cap,
               size_t *n, struct mx_error *err);
int mx_vres_addrs(struct mx_vresolver *r, const char *host, int port,
                  struct mx_deadline dl, struct mx_addr *out, size_t cap,
                  size_t *n, struct mx_error *err);
int mx_mx_rdata(const unsigned char *rd, size_t len, struct mx_mxrec *rec);
int mx_mx_read(const char *domain, unsigned char *const *rr, const size_t *len,
               size_t nrr, struct mx_mxrec *out, size_t cap, size_t *n,
               struct mx_error *err);
int mx_vres_addr(int type, const unsigned char *rd, size_t len, int port,
                 struct mx_addr *out);

/*
 * The --dns-server of both plugins, in any of its forms (ADDR, ADDR@PORT,
 * IPv4:PORT, [ADDR], [ADDR]:PORT), as libunbound takes it: "ADDR@PORT"
 * (port 53 when none is given). 0, or -1 with USAGE naming what is wrong
 * (not an address, a port outside 1-65535, too long for cap).
 */
int mx_vres_server_parse(const char *s, char *out, size_t cap,
                         struct mx_error *err);

#endif
