/*
 * fuzz_peers.c - libFuzzer target for peers.c: the peers file (-f), from
 * its text as the one file reader hands it over (mx_peers_parse).
 *
 * Input: the whole file. A clienthello line names a file that is read
 * relative to the current directory (through the same file reader), so
 * run the target in an empty directory. Besides the sanitizers, the
 * target aborts when a parsed file has no peer or a peer whose name,
 * lists or counts break what peers.h promises, or when a failure leaves
 * peers behind or has no message.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_peer(struct mx_peer *p)
{
    size_t n = strnlen(p->name, sizeof(p->name));

    if (n == 0 || n == sizeof(p->name) ||
        memchr(p->description, '\0', sizeof(p->description)) == NULL ||
        memchr(p->mx, '\0', sizeof(p->mx)) == NULL)
        abort();
    if (p->severity != MX_CRITICAL && p->severity != MX_WARNING)
        abort();
    if (p->offer.min_version > p->offer.max_version ||
        p->offer.nsuites > MX_PEER_MAX_SUITES ||
        p->offer.ngroups > MX_PEER_MAX_LIST ||
        p->offer.nsigalgs > MX_PEER_MAX_LIST ||
        (p->offer.nsuites > 0) != (p->offer.suites != NULL))
        abort();
    if (p->kind == MX_PEER_HELLO &&
        (p->offer.hello == NULL || p->offer.hello_len == 0))
        abort();
    if (p->kind == MX_PEER_MX && (p->mx[0] == '\0' || p->max_age <= 0))
        abort();
    /* a peer given by lists has its versions, groups and schemes (the
     * typical MTA's filled in; its suites may all be TLS 1.3 ones that
     * its versions drop) */
    if (p->kind == MX_PEER_LISTS &&
        (p->offer.max_version == 0 || p->offer.ngroups == 0 ||
         p->offer.nsigalgs == 0))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mx_peers peers;
    struct mx_error err;
    size_t i;

    mx_error_clear(&err);
    if (mx_peers_parse((const char *)data, size, "fuzz.conf", &peers, &err) ==
        0) {
        if (peers.n == 0 || peers.n > MX_PEERS_MAX)
            abort();
        for (i = 0; i < peers.n; i++)
            check_peer(&peers.v[i]);
        mx_peers_free(&peers);
    } else if (peers.v != NULL || peers.n != 0 || err.msg[0] == '\0' ||
               strchr(err.msg, '\n') != NULL) {
        abort();
    }
    return 0;
}
