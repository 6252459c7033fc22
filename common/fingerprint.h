/*
 * fingerprint.h - JA3 and JA4 fingerprints of a TLS ClientHello, so that
 * a peer's client can be compared with what an IDS logs.
 *
 * JA3 (Salesforce, github.com/salesforce/ja3): the decimal string
 * "legacy_version,suites,extensions,groups,point_formats" (lists joined by
 * '-', GREASE values left out, order kept) and its MD5 in hex.
 *
 * JA4 (FoxIO, github.com/FoxIO-LLC/ja4, technical_details/JA4.md; the
 * "a_b_c" form, TLS over TCP only):
 *   a: "t", the version (highest of supported_versions without GREASE,
 *      else legacy_version: "13" "12" "11" "10" "s3" "s2", else "00"),
 *      "d" with server_name else "i", the suite count and the extension
 *      count (GREASE left out, two decimal digits, at most 99), and the
 *      first and last character of the first ALPN value ("00" without
 *      ALPN; the first hex digit of its first byte and the last hex digit
 *      of its last byte where either character is not alphanumeric);
 *   b: the first 12 hex digits of the SHA-256 of the suites as 4-digit
 *      lower-case hex, sorted, joined by ',' ("000000000000" if none);
 *   c: the same of the extensions, sorted, server_name and ALPN left out,
 *      then, if there are any, '_' and the signature_algorithms in their
 *      order ("000000000000" without extensions).
 * The "raw" form (ja4_r) shows b and c unhashed.
 *
 * Error contract: mx_fingerprint returns 0, or -1 with a struct mx_error
 * (USAGE: the bytes are not a ClientHello; INTERNAL: the digest failed).
 * Nothing here prints.
 */
#ifndef MX_FINGERPRINT_H
#define MX_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct mx_fingerprint {
    char ja3[8192];   /* the JA3 string */
    char ja3_md5[33]; /* its MD5, hex */
    char ja4[40];     /* t13d1516h2_8daaf6152771_e5627efa2ab1 */
    char ja4_r[8192]; /* the same with b and c unhashed */
};

/* 1 for a GREASE value (RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa). */
int mx_is_grease(uint16_t v);

/*
 * The fingerprints of the ClientHello in buf (len bytes): TLS records
 * carrying one ClientHello (a hello over several records is joined), as
 * struct mx_recorded_hello holds them. An SSLv2 CLIENT-HELLO has neither
 * fingerprint: USAGE.
 */
int mx_fingerprint(const uint8_t *buf, size_t len, struct mx_fingerprint *fp,
                   struct mx_error *err);

#endif
