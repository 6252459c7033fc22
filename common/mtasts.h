/*
 * mtasts.h - SMTP MTA Strict Transport Security (RFC 8461): the TXT
 * record, the policy file, its fetch over HTTPS, and MX patterns.
 *
 * The parsers are pure and strict (RFC 8461 sections 3.1 and 3.2): each
 * returns 0, or -1 with a one-line reason in why. The fetch uses libcurl:
 * HTTPS only, the certificate verified against the system's trust store
 * or a given CA file, redirects not followed, at most 64 KiB, text/plain
 * only, bounded by a deadline. Nothing prints.
 */
#ifndef MX_MTASTS_H
#define MX_MTASTS_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "deadline.h"
#include "err.h"

#define MX_STS_MAX_MX     32
#define MX_STS_MAX_POLICY (64u * 1024)
#define MX_STS_MAX_AGE    31557600L

enum mx_sts_mode { MX_STS_NONE = 0, MX_STS_TESTING, MX_STS_ENFORCE };

struct mx_sts_policy {
    enum mx_sts_mode mode;
    long max_age;
    char mx[MX_STS_MAX_MX][256];
    size_t nmx;
};

/* One TXT record's text (the character-strings joined): id into id
 * (33 bytes). 0, 1 when it is not an STSv1 record (to be ignored), -1
 * with why for an STSv1 record that breaks the grammar. */
int mx_sts_txt_parse(const char *text, char *id, char *why, size_t cap);

/* The policy file's bytes. 0, or -1 with why. */
int mx_sts_policy_parse(const char *text, size_t len, struct mx_sts_policy *p,
                        char *why, size_t cap);

/* Does host match the pattern ("mail.example.org", or "*.example.org":
 * exactly one label in place of the star)? Case-insensitive; a final
 * dot on host is ignored. 1 or 0. */
int mx_sts_mx_match(const char *pattern, const char *host);

const char *mx_sts_mode_name(enum mx_sts_mode m);

/* Does host match one of the policy's mx patterns? 1 or 0. */
int mx_sts_listed(const struct mx_sts_policy *p, const char *host);

/*
 * Is the certificate chain (leaf first) one an MTA-STS sender accepts for
 * host (RFC 8461 section 4.2)? It must chain to store (named store_name in
 * why), the leaf must cover host (RFC 6125) and be valid at now. 1, 0 with
 * why ("not trusted by ...", "does not cover HOST", "expired", "not yet
 * valid"), -1 when the library failed (why says so).
 */
int mx_sts_chain_valid(STACK_OF(X509) * chain, const char *host,
                       X509_STORE *store, const char *store_name, time_t now,
                       char *why, size_t cap);

/* What one sender enforcing the policy makes of one chain from host. */
enum mx_sts_verdict {
    MX_STS_VALID = 0, /* host listed, chain valid for it */
    MX_STS_UNLISTED,  /* host matches no mx pattern */
    MX_STS_INVALID,   /* the chain fails: why */
    MX_STS_ERROR      /* the library failed: why */
};

/* Both checks: mx_sts_listed, then mx_sts_chain_valid. */
enum mx_sts_verdict mx_sts_judge(const struct mx_sts_policy *p,
                                 const char *host, STACK_OF(X509) * chain,
                                 X509_STORE *store, const char *store_name,
                                 time_t now, char *why, size_t cap);

/*
 * GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt, connecting to
 * address (the caller resolved the name) unless NULL; cafile NULL for the
 * system's trust store. On success *body (malloc'd, NUL-terminated) and
 * *len. Failures (-1, why): TLS or certificate, HTTP status other than
 * 200 (a redirect is named as such), Content-Type not text/plain, larger
 * than 64 KiB, the deadline.
 */
int mx_sts_fetch(const char *domain, const char *address, const char *cafile,
                 struct mx_deadline dl, char **body, size_t *len, char *why,
                 size_t cap);

#endif
