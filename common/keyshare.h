/*
 * keyshare.h - key shares for the groups a ClientHello offers: made with
 * the linked OpenSSL and its random generator (keyshare.c), so kept out of
 * the pure codec in hello.h, which takes the shares as input. Nothing
 * here prints.
 */
#ifndef MX_KEYSHARE_H
#define MX_KEYSHARE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A well-formed key share for group (a fresh key pair made with the
 * linked OpenSSL for X25519, X448, P-256/384/521 and FFDHE groups; for the
 * ML-KEM hybrids an encapsulation key whose coefficients are all below q,
 * as servers check, followed by the classic share). Writes at most cap
 * bytes; returns the length, 0 if the group is unknown, -1 on failure.
 */
long mx_keyshare_make(uint16_t group, uint8_t *out, size_t cap);

/*
 * The length of the share a server answers with for group (RFC 8446
 * 4.2.8: the same encoding as the client's for the classic groups; for
 * ML-KEM the ciphertext, in the hybrids beside the classic share), 0 when
 * the group is not in the table. *point_at (may be NULL) is the offset of
 * an uncompressed EC point's 0x04 in it, or -1 for none. A classic group
 * is also what a TLS 1.2 ServerKeyExchange point is as long as.
 */
long mx_keyshare_server_len(uint16_t group, int *point_at);

#endif
