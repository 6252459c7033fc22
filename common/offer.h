/*
 * offer.h - ClientHellos shaped like a real client's, from lists of codes.
 *
 * The enumeration and the peer simulation both need raw ClientHellos that
 * look like what a real client sends for a version range: SSLv3 without
 * extensions; TLS 1.0 and 1.1 with SNI, groups, point formats,
 * renegotiation_info, extended_master_secret, session ticket, padding;
 * TLS 1.2 with signature schemes too; TLS 1.3 with supported_versions and
 * key shares for the first two groups a share can be made for. Key shares
 * are made once per struct mx_shares and reused by every hello built with
 * it. Building fails (-1 with err) only when the codec refuses the offer
 * (an empty suite list, a hello over 16 KiB) or randomness fails.
 */
#ifndef MX_OFFER_H
#define MX_OFFER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MX_SHARES_MAX 16

struct mx_share {
    uint16_t group;
    long len; /* <= 0: cannot be made */
    uint8_t data[2048];
};

struct mx_shares {
    struct mx_share s[MX_SHARES_MAX];
    size_t n;
};

struct mx_client_offer {
    uint16_t max_version; /* MX_SSL3 .. MX_TLS13 */
    uint16_t min_version; /* TLS 1.3: lowest in supported_versions (0: the
                             max only); ignored below TLS 1.3 */
    const uint16_t *suites;
    size_t nsuites;
    const uint16_t *groups; /* NULL: X25519, P-256, P-384, P-521, X448,
                               ffdhe2048..8192 */
    size_t ngroups;
    const uint16_t *sigalgs; /* NULL: every scheme of the registry */
    size_t nsigalgs;
    const char *sni; /* NULL: no server_name */
};

/* Encode o into out (cap bytes; 16400 is always enough); *len is set. */
int mx_offer_hello(struct mx_shares *sh, const struct mx_client_offer *o,
                   uint8_t *out, size_t cap, size_t *len, struct mx_error *err);

/* The suites the linked library implements, in its own order (strongest
 * first), TLS 1.2 and below; *n receives the count (0 if the library
 * cannot say). */
void mx_offer_library_order(uint16_t *out, size_t cap, size_t *n);

/*
 * Every suite of the registry valid for version v, in the order a real
 * client offers them: TLS 1.3 suites as OpenSSL orders them, then those
 * of pref (the library's order), then the rest in code order. No SCSVs
 * and never TLS_NULL_WITH_NULL_NULL (0x0000).
 * Returns how many were written (at most cap).
 */
size_t mx_offer_universe(uint16_t v, const uint16_t *pref, size_t npref,
                         uint16_t *out, size_t cap);

#endif
