/*
 * stsget.h - a domain's MTA-STS policy as a sending MTA gets it (RFC 8461
 * section 3): the validated _mta-sts TXT record and the address of
 * mta-sts.DOMAIN (one DNS round), then the policy file over HTTPS, parsed.
 *
 * Two steps, so that a caller can fetch the policy after its own
 * connections (a slow web server then costs the policy, not the rest).
 * The outcome says what a sender would have: a policy, none (no STSv1
 * record: MTA-STS does not apply), a broken one (a bogus or malformed
 * TXT, two STSv1 records, no address, a fetch or parse failure: senders
 * that cached nothing see no policy), or no answer from DNS. Nothing
 * prints; the caller maps outcomes to states.
 */
#ifndef MX_STSGET_H
#define MX_STSGET_H

#include <netinet/in.h>

#include "deadline.h"
#include "err.h"
#include "mtasts.h"
#include "resolve.h"

enum mx_sts_outcome {
    MX_STS_GOT = 0,   /* pol holds the parsed policy (after the fetch) */
    MX_STS_ABSENT,    /* no v=STSv1 TXT record */
    MX_STS_BROKEN,    /* why says what a sender cannot get past */
    MX_STS_NO_ANSWER, /* the TXT lookup got no answer (why) */
};

struct mx_sts_lookup {
    char domain[254];
    char txt_name[300]; /* _mta-sts.DOMAIN */
    char web_name[300]; /* mta-sts.DOMAIN */
    char id[33];
    char addr[INET6_ADDRSTRLEN + 1]; /* of mta-sts.DOMAIN */
    enum mx_sts_outcome outcome;
    char why[700];
    struct mx_sts_policy pol;
    int fetched; /* mx_sts_retrieve ran the fetch */
};

/* Step 1: TXT, A and AAAA at once through vr, until dl. 0 with
 * l->outcome set (GOT means: ready to fetch), or -1 with err (RESOLVE:
 * the deadline passed; INTERNAL). */
int mx_sts_discover(struct mx_vresolver *vr, const char *domain,
                    struct mx_deadline dl, struct mx_sts_lookup *l,
                    struct mx_error *err);

/* Step 2: fetch and parse the policy when step 1 found one (cafile NULL
 * for the system's trust store); else nothing. The outcome stays GOT, or
 * becomes BROKEN with why. */
void mx_sts_retrieve(struct mx_sts_lookup *l, const char *cafile,
                     struct mx_deadline dl);

#endif
