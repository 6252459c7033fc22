/*
 * offer.h - what a TLS client proposes, in one type, and the ClientHellos
 * shaped like a real client's that carry it.
 *
 * struct mx_offer is the offer of every probe and every peer: versions as
 * a range, suites, groups and signature schemes by IANA code, SNI, and for
 * a recorded client the exact bytes of its ClientHello. Both engines take
 * it: the OpenSSL engine (tlsengine.h) when the linked library can send
 * it (mx_offer_engine), the raw engine (rawtls.h) otherwise, as a hello
 * built here (mx_offer_hello) or the recording itself. A peer's lists
 * (peers.h), a learned profile (profile.h) and a recording each become an
 * offer.
 *
 * An offer either borrows its lists (filled by hand, pointing at the
 * caller's arrays: nothing to free) or owns them (made by mx_offer_set,
 * mx_offer_copy or mx_offer_take_hello: each list allocated to its
 * length, all released by mx_offer_free). Mixing the two in one offer is
 * not allowed.
 *
 * The raw hellos: SSLv3 without extensions; TLS 1.0 and 1.1 with SNI,
 * groups, point formats, renegotiation_info, extended_master_secret,
 * session ticket, padding; TLS 1.2 with signature schemes too; TLS 1.3
 * with supported_versions and key shares for the first two groups a share
 * can be made for. Key shares are made once per struct mx_shares and
 * reused by every hello built with it. Building fails (-1 with err) only
 * when the codec refuses the offer (an empty suite list, a hello over
 * 16 KiB) or randomness fails; the setters fail only for memory.
 */
#ifndef MX_OFFER_H
#define MX_OFFER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Which engine carries an offer (scheduler.h runs both). */
enum mx_engine { MX_ENGINE_OPENSSL = 0, MX_ENGINE_RAW };

struct mx_offer {
    uint16_t min_version;   /* lowest offered (MX_SSL2 .. MX_TLS13); 0: the
                               library's lowest (OpenSSL engine) */
    uint16_t max_version;   /* highest; 0: the library's highest */
    const uint16_t *suites; /* IANA codes in order; NULL: every suite the
                               library has (OpenSSL engine) */
    size_t nsuites;
    const uint16_t *groups; /* NULL: the default list (the library's, or
                               X25519, P-256, P-384, P-521, X448,
                               ffdhe2048..8192 in a raw hello) */
    size_t ngroups;
    const uint16_t *sigalgs; /* NULL: the default list (the library's, or
                                every scheme of the registry) */
    size_t nsigalgs;
    const char *sni; /* NULL: no server_name */
    /* a recorded client: its ClientHello record(s), sent byte for byte
       when the library cannot reproduce it; the lists say what it offers
       (GREASE and signalling values left out) */
    const uint8_t *hello;
    size_t hello_len;
    int owned; /* the lists and hello are this offer's (mx_offer_free) */
};

enum mx_offer_list { MX_OFFER_SUITES, MX_OFFER_GROUPS, MX_OFFER_SIGALGS };

/* Set one list of an owned (or empty) offer to a copy of codes[0..n)
 * (n 0: NULL, the default). 0, or -1 (INTERNAL: memory). */
int mx_offer_set(struct mx_offer *o, enum mx_offer_list which,
                 const uint16_t *codes, size_t n, struct mx_error *err);

/* Make dst an owned copy of src (dst's old lists are not freed: start
 * from an empty or freed dst). 0, or -1 (INTERNAL). */
int mx_offer_copy(struct mx_offer *dst, const struct mx_offer *src,
                  struct mx_error *err);

/* Hand a malloc'd recording to an owned (or empty) offer. */
void mx_offer_take_hello(struct mx_offer *o, uint8_t *bytes, size_t len);

/* Release what an owned offer holds and empty it; a borrowed offer is
 * only emptied. */
void mx_offer_free(struct mx_offer *o);

/* Do a and b offer exactly the same (a recording: the same bytes)? */
int mx_offer_same(const struct mx_offer *a, const struct mx_offer *b);

/* Can the linked OpenSSL send exactly these lists (every suite, group
 * and signature scheme, versions within TLS 1.0 to 1.3)? */
int mx_offer_in_library(const struct mx_offer *o);

/*
 * The engine for o: OpenSSL when the library can send its lists and, for
 * a recording, would send a hello a server answers as it answers the
 * recording (see offer.c, reproducible); the raw engine otherwise.
 */
enum mx_engine mx_offer_engine(const struct mx_offer *o);

/* The offer's authentication types below TLS 1.3 (1 << mx_sauth): RSA,
 * ECDSA, DSS among its suites valid below TLS 1.3, when it offers a
 * version below TLS 1.3. */
unsigned mx_offer_auths(const struct mx_offer *o);

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

/* The elliptic-curve groups of the default list (X25519, P-256, P-384,
 * P-521, X448): a hello listing no FFDHE group; *n receives the count. */
const uint16_t *mx_offer_ec_groups(size_t *n);

/* Encode o's lists into a raw hello in out (cap bytes; 16400 is always
 * enough); *len is set. o->min_version matters in TLS 1.3 only (0: the
 * max only in supported_versions); a recording is not looked at. */
int mx_offer_hello(struct mx_shares *sh, const struct mx_offer *o, uint8_t *out,
                   size_t cap, size_t *len, struct mx_error *err);

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
