/*
 * fromspec.h - a peer's "from =" (peers.h): where its mail comes from, as
 * networks (192.0.2.0/24, 2001:db8::/32), addresses, host names and
 * domains (.bank.test), separated by commas or blanks. The peers file
 * checks it; the traffic report (traffic.h) matches senders against it.
 *
 * Error contract: mx_from_parse and mx_from_check return 0, or -1 with
 * USAGE naming the entry ("from: '...' is neither an address, a network
 * nor a host name"), INTERNAL for memory. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef MX_FROMSPEC_H
#define MX_FROMSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MX_FROM_MAX 64 /* entries of one "from =" */

struct mx_from_rule {
    int family; /* AF_INET, AF_INET6, or 0 for a name */
    uint8_t addr[16];
    unsigned bits;
    char name[256]; /* lower case; a leading '.' for a domain */
};

struct mx_from {
    struct mx_from_rule r[MX_FROM_MAX];
    size_t n;
};

/* Parse s into *f. 0 or -1. */
int mx_from_parse(const char *s, struct mx_from *f, struct mx_error *err);

/* Is s a valid "from =" value? 0, or -1 with err. */
int mx_from_check(const char *s, struct mx_error *err);

#endif
