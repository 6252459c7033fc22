/*
 * learn.h - learn a peer's client profile by probing its MX as a server,
 * the way an administrator would with testssl: the MX hosts of a domain
 * (or the host given), every address of each, the versions, suites and
 * groups each accepts (enumerate.h), merged into one profile.
 *
 * This is the only part of mxtls that talks to a foreign server; it runs
 * only on request (check_tls_peers --learn), never in a routine check.
 *
 * mx says what to probe, as Postfix's relayhost does (port 25 by default):
 *   "domain"         the MX hosts of domain (MX lookup; without MX records
 *                    the domain itself, RFC 5321 5.1), each on port 25;
 *   "domain:port"    the MX hosts of domain, each on that port (this is
 *                    how a test points a domain's MX at another port);
 *   "[host]", "[host]:port"  host itself, no MX lookup (a name or an
 *                    address; "[2001:db8::1]:2525" for IPv6 with a port);
 *   "address", "address:port"  an IPv4 or IPv6 address literal: no MX
 *                    lookup (an IPv6 address with a port needs brackets).
 * A name that is not a mail domain (say "localhost") must be bracketed.
 * Each host is resolved to all its addresses (IPv6 and IPv4), at most
 * MX_PROFILE_ADDRS addresses in all are probed, one after the other, each
 * with mx_enumerate (versions, suites, groups; SMTP STARTTLS; no SNI).
 *
 * dns_server, when not NULL, is the DNS server (ADDRESS[@PORT], a
 * resolver or an authoritative server) asked for the MX records and the
 * addresses (AAAA, A) of the MX hosts; when NULL, the resolvers of
 * /etc/resolv.conf are asked, after /etc/hosts. The answers are not
 * validated (resolve.h: mx_vres_new_plain): they only say where to probe.
 * An MX host that is an address literal is taken as it is.
 *
 * The profile: versions accepted by any address (highest first); suites
 * accepted by any, the highest version's first, each once, in the order
 * found; groups likewise; hosts and addrs as probed. An address whose
 * probes partly failed still counts when it accepted some version (its
 * failure is logged).
 *
 * Returns 0 with a profile when at least one address answered (accepted
 * some TLS version), -1 with err otherwise: USAGE for a bad peer, mx or
 * dns_server; else the first failure (RESOLVE, CONNECT, TIMEOUT, ...; TLS
 * when an address answered but accepted no version). Each address's
 * outcome is logged at -v.
 */
#ifndef MX_LEARN_H
#define MX_LEARN_H

#include "deadline.h"
#include "err.h"
#include "profile.h"

int mx_learn(const char *peer, const char *mx, const char *dns_server,
             struct mx_deadline dl, int parallel, struct mx_profile *out,
             struct mx_error *err);

#endif
