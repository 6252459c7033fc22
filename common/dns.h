/*
 * dns.h - MX records, asked over UDP (and TCP when the answer is
 * truncated) with a poll() deadline.
 *
 * The resolver is the given server (an IPv4 or IPv6 address, optionally
 * with ":port" or "[addr]:port"), or else the nameservers listed in
 * /etc/resolv.conf, tried in order. Answers are checked (ID, question,
 * name compression bounds, lengths); MX records come back sorted by
 * preference. A domain with no MX record has its own name as the only
 * "MX" (RFC 5321 section 5.1: the implicit MX). Returns 0, or -1 with
 * err: RESOLVE (NXDOMAIN, SERVFAIL, REFUSED, a malformed answer, a server
 * that refuses the query port, null MX "." per RFC 7505), TIMEOUT (no
 * server answered in time; replies with another ID or question are
 * ignored), USAGE (a bad server address or domain name). Nothing here
 * prints.
 *
 * Server strings: "ADDR" (port 53), "IPV4:PORT", "[ADDR]:PORT", "[ADDR]";
 * an IPv6 address with a port must be in brackets ("::1:53" is an
 * address). The domain is a host name in ASCII (IDNs as A-labels), with
 * or without the final dot. Also INTERNAL: out of memory, no randomness
 * for the query ID.
 */
#ifndef MX_DNS_H
#define MX_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "err.h"
#include "net.h"

#define MX_DNS_MAXNS   3  /* nameservers used from resolv.conf (as glibc) */
#define MX_DNS_ADDRLEN 64 /* a nameserver address as text, with its NUL */

struct mx_mxrec {
    uint16_t pref;
    char host[256];
};

/* At most cap records (those of lowest preference); *n is how many. */
int mx_dns_mx(const char *domain, const char *server, struct mx_deadline dl,
              struct mx_mxrec *out, size_t cap, size_t *n,
              struct mx_error *err);

/*
 * The addresses of host, asked of the same resolver (server, or those of
 * /etc/resolv.conf) as A and AAAA records (family AF_UNSPEC: AAAA first,
 * then A; AF_INET or AF_INET6: that one only), following CNAMEs; each
 * with port. An address literal is taken as it is. 0, or -1 with err as
 * above (RESOLVE also when host has no address).
 */
int mx_dns_addrs(const char *host, int port, int family, const char *server,
                 struct mx_deadline dl, struct mx_addr *out, size_t cap,
                 size_t *n, struct mx_error *err);

/*
 * One reply message (len bytes) to the query with ID id for the MX of
 * domain, or for the A (family AF_INET) or AAAA (AF_INET6) records of
 * host, checked and read exactly as mx_dns_mx and mx_dns_addrs check and
 * read what a server sends, without the network (for tests and fuzzing).
 * A reply that is not the answer to the query, is truncated or carries
 * another RCODE than NOERROR is RESOLVE here. 0 or -1 with err.
 */
int mx_dns_parse_mx(const uint8_t *msg, size_t len, uint16_t id,
                    const char *domain, struct mx_mxrec *out, size_t cap,
                    size_t *n, struct mx_error *err);
int mx_dns_parse_addrs(const uint8_t *msg, size_t len, uint16_t id,
                       const char *host, int family, int port,
                       struct mx_addr *out, size_t cap, size_t *n,
                       struct mx_error *err);

/*
 * The nameservers of a resolv.conf(5) file (path NULL: /etc/resolv.conf):
 * the address of each "nameserver" line in file order, at most
 * min(cap, MX_DNS_MAXNS); values that are not a numeric IPv4 or IPv6
 * address are skipped, as are all other lines. When the file lists none
 * (or cannot be read) the one nameserver is 127.0.0.1, as with glibc.
 * Returns how many were stored (0 only when cap is 0).
 */
size_t mx_dns_resolv_conf(const char *path, char out[][MX_DNS_ADDRLEN],
                          size_t cap);

#endif
