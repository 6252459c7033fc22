/*
 * danebase.h - the TLSA base domain of an SMTP server host (RFC 7672
 * section 2.2.2), and the TLSA lookup it takes.
 *
 * The host's address lookup tells whether its name is an alias. When the
 * CNAME chain validated (secure), a DANE sender asks TLSA first at the
 * fully CNAME-expanded name and, only when that name securely has none
 * (NXDOMAIN or NODATA), at the original name. When the chain is not
 * secure, the expanded name is not used: the original name only.
 *
 * mx_tlsa_base_alias and mx_tlsa_base_final are pure; mx_tlsa_base_resolve
 * asks the one extra lookup an alias needs. Nothing prints. Errors: -1
 * with RESOLVE (the deadline passed) or INTERNAL from mx_vres_run.
 */
#ifndef MX_DANEBASE_H
#define MX_DANEBASE_H

#include <stddef.h>

#include "deadline.h"
#include "err.h"
#include "resolve.h"

struct mx_tlsa_base {
    char original[256]; /* the host name asked */
    char expanded[256]; /* its CNAME target, "" when not an alias */
    int secure_alias;   /* the CNAME chain validated */
    int fell_back;      /* the expanded name had no TLSA: original used */
    char base[256];     /* the TLSA base domain the records come from */
    char owner[300];    /* _PORT._tcp.BASE */
};

/* Fill b's names from the host's address answers (A, AAAA; bogus or
 * failed ones tell nothing). 1 when the expanded name is to be asked
 * first (a secure alias), else 0; b->base is the original name. */
int mx_tlsa_base_alias(struct mx_tlsa_base *b, const char *host, int port,
                       const struct mx_vquery *addr, size_t naddr);

/* Does the TLSA answer q at the expanded name end the search? Anything
 * but a secure denial (NXDOMAIN, NODATA) does. 1 or 0. */
int mx_tlsa_base_final(const struct mx_vquery *q);

/*
 * tlsa holds the answer for _PORT._tcp.HOST. When HOST is a secure alias,
 * ask _PORT._tcp.EXPANDED until dl; unless that name securely has no
 * TLSA, its answer replaces *tlsa (the old one freed). b says which name
 * was used. 0, or -1 with err (tlsa then unchanged).
 */
int mx_tlsa_base_resolve(struct mx_vresolver *vr, const char *host, int port,
                         const struct mx_vquery *addr, size_t naddr,
                         struct mx_vquery *tlsa, struct mx_deadline dl,
                         struct mx_tlsa_base *b, struct mx_error *err);

/* For the long output: why b->base was used ("" when host is no alias). */
void mx_tlsa_base_text(const struct mx_tlsa_base *b, char *buf, size_t cap);

#endif
