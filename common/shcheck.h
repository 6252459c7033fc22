/*
 * shcheck.h - does the server's hello answer the ClientHello that was
 * sent? The checks a real client makes before it goes on with a
 * handshake, so that the raw engine's "accepted" means what a real
 * client's would.
 *
 * mx_sh_check() takes the decoded ClientHello and a flight whose verdict
 * is a ServerHello or a HelloRetryRequest, and returns 0 when the answer
 * is one the client could take, or -1 with one line saying what is wrong
 * in why (RFC 8446 4.1.3, 4.1.4, 4.2, 4.2.8; RFC 5246 7.4.1.3, 7.4.1.4;
 * RFC 5746 3.4; RFC 8422 5.4):
 *
 *  - the suite: offered, a real suite (not TLS_NULL_WITH_NULL_NULL, not a
 *    signalling value) and of the version's kind (TLS 1.3 suites in TLS
 *    1.3 only);
 *  - the compression method: offered (null only in TLS 1.3);
 *  - the version: supported_versions selects a version the client listed
 *    (with legacy_version TLS 1.2), otherwise legacy_version is at most
 *    what the client offered;
 *  - TLS 1.3: the session id echoed; a key_share for a group the client
 *    listed and sent a share for, of the group's length (X25519 32, X448
 *    56, P-256 65 with 0x04 first, ..., the ML-KEM hybrids by their
 *    ciphertext sizes); a HelloRetryRequest for a listed group the client
 *    sent no share for, or a cookie;
 *  - extensions: only ones the client sent (renegotiation_info also after
 *    the SCSV), and only ones allowed in that message (TLS 1.3
 *    ServerHello: key_share, pre_shared_key, supported_versions; HRR:
 *    key_share, cookie, supported_versions; below TLS 1.3 none of the TLS
 *    1.3 ones nor signature_algorithms or padding); duplicates are already
 *    refused by the flight decoder;
 *  - below TLS 1.3, an ECDHE ServerKeyExchange (when the flight was read
 *    that far): a curve the client listed, a point of the curve's length.
 *
 * Pure: no I/O, no globals. An SSLv2 hello is not looked at (0).
 */
#ifndef MX_SHCHECK_H
#define MX_SHCHECK_H

#include <stddef.h>

#include "hello.h"

int mx_sh_check(const struct mx_hello_view *ch, const struct mx_flight *f,
                char *why, size_t cap);

#endif
