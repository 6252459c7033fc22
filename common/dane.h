/*
 * dane.h - TLSA records (RFC 6698) and the certificates a mail server
 * presents, as a DANE SMTP sender checks them (RFC 7671, RFC 7672).
 *
 * For SMTP only DANE-TA(2) and DANE-EE(3) are usable; PKIX-TA(0) and
 * PKIX-EE(1) records, unknown parameters and digests of the wrong length
 * are unusable (RFC 7672 section 3.1.3); an RRset without a usable record
 * makes a sender insist on TLS without authenticating the server. DANE-EE
 * matches the leaf alone and ignores names and dates; DANE-TA matches a CA
 * certificate the server presents (selector 0 or 1) and then the leaf must
 * chain to it, be valid now and cover the TLSA base name.
 *
 * Pure functions over parsed records and X509 chains; nothing prints.
 * Errors: -1 with INTERNAL when the library cannot encode or hash.
 */
#ifndef MX_DANE_H
#define MX_DANE_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define MX_TLSA_MAX 32

enum { MX_TLSA_PKIX_TA = 0, MX_TLSA_PKIX_EE, MX_TLSA_DANE_TA, MX_TLSA_DANE_EE };

struct mx_tlsa {
    uint8_t usage, selector, mtype;
    const unsigned char *data; /* points into the record's rdata */
    size_t len;
    int usable;   /* usable for SMTP */
    char why[96]; /* when not: why */
};

/* Parse one TLSA rdata (usage, selector, matching type, data). 0, or -1
 * when shorter than 4 bytes. The record's usability is decided here. */
int mx_tlsa_parse(const unsigned char *rdata, size_t len, struct mx_tlsa *t);

/* "3 1 1 8f2c...e01a" (data cut in the middle past 16 hex digits). */
void mx_tlsa_text(const struct mx_tlsa *t, char *buf, size_t cap);

/* Does x, by t's selector and matching type, match t's data? 1, 0, -1
 * (INTERNAL). Usage is not looked at. */
int mx_tlsa_match_cert(X509 *x, const struct mx_tlsa *t, struct mx_error *err);

/* What one presented chain (leaf first) gets from a TLSA RRset. */
struct mx_dane_result {
    int ee;        /* index of a DANE-EE record matching the leaf, or -1 */
    int ta;        /* index of a DANE-TA record that authenticates it */
    int ta_depth;  /* the chain position of its trust anchor */
    int ta_failed; /* a DANE-TA record matched a presented CA, but the
                      chain did not verify to it: ta_why says why */
    char ta_why[200];
    unsigned char hit[MX_TLSA_MAX]; /* records that matched a cert here */
};

/*
 * Check chain against records (n at most MX_TLSA_MAX). name is the TLSA
 * base domain (the host name a DANE-TA chain must cover). now is the
 * time the chain's dates are checked at for DANE-TA. 0 or -1.
 */
int mx_dane_check(STACK_OF(X509) * chain, const struct mx_tlsa *recs, size_t n,
                  const char *name, time_t now, struct mx_dane_result *out,
                  struct mx_error *err);

/* Is the chain authenticated (a usable record matched)? */
#define MX_DANE_OK(r) ((r)->ee >= 0 || (r)->ta >= 0)

#endif
