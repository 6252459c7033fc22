/*
 * fuzz_lists.c - libFuzzer target for the lists a peer is described by
 * (suites.c: suites in every form, OpenSSL cipher strings expanded by the
 * linked library, groups, signature schemes; peers.c: protocol versions,
 * through mx_peer_from_options) and the names of the registry (versions,
 * key types, dialects).
 *
 * Input: the first byte picks the parser; the rest, up to a NUL or at
 * most 4000 bytes, is the list. Besides the sanitizers, the target aborts
 * when a parsed list has more entries than its capacity or (suites,
 * versions) a duplicate, when a version name does not parse back to its
 * code, or when a failure has no one-line message. Groups and schemes
 * may be codes the registry has no name for (a number is taken as it is).
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "peers.h"
#include "registry.h"
#include "suites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mx_peer peer;
static uint16_t codes[MX_PEER_MAX_SUITES];

static void
no_dups(const uint16_t *v, size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++)
            if (v[i] == v[j])
                abort();
}

static void
failed(const struct mx_error *err)
{
    if (err->msg[0] == '\0' || strpbrk(err->msg, "\r\n") != NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char s[4001];
    struct mx_error err;
    size_t k, n = 0, cap;
    uint16_t v;

    if (size < 1)
        return 0;
    k = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;
    memcpy(s, data + 1, k);
    s[k] = '\0';
    cap = 1 + data[0] / 8 % 64; /* small capacities too */
    mx_error_clear(&err);
    switch (data[0] % 8) {
    case 0:
        if (mx_suites_parse(s, codes, MX_PEER_MAX_SUITES, &n, &err) != 0)
            failed(&err);
        else if (n > MX_PEER_MAX_SUITES)
            abort();
        else
            no_dups(codes, n);
        break;
    case 1:
        if (mx_suites_parse(s, codes, cap, &n, &err) != 0)
            failed(&err);
        else if (n > cap)
            abort();
        break;
    case 2:
        if (mx_groups_parse(s, codes, cap, &n, &err) != 0) {
            failed(&err);
            break;
        }
        if (n > cap)
            abort();
        break;
    case 3:
        if (mx_sigalgs_parse(s, codes, cap, &n, &err) != 0) {
            failed(&err);
            break;
        }
        if (n > cap)
            abort();
        break;
    case 4:
        if (mx_peer_from_options(&peer, "fuzz", s, NULL, NULL, NULL, NULL,
                                 &err) != 0) {
            failed(&err);
            break;
        }
        /* the versions the list names, as the range they span */
        if (peer.offer.max_version == 0 || peer.offer.min_version == 0 ||
            peer.offer.min_version > peer.offer.max_version ||
            !mx_peer_version_ok(peer.offer.min_version) ||
            !mx_peer_version_ok(peer.offer.max_version))
            abort();
        no_dups(peer.offer.suites, peer.offer.nsuites);
        mx_peer_free(&peer);
        break;
    case 5:
        v = mx_version_parse(s);
        if (v != 0 && mx_version_parse(mx_version_name(v)) != v)
            abort();
        break;
    case 6:
        if (mx_keytype_parse(s) != mx_keytype_parse(s))
            abort();
        break;
    default:
        if (mx_dialect_parse(s) != MX_DIALECT_INVALID &&
            mx_dialect_parse(mx_dialect_name(mx_dialect_parse(s))) !=
                mx_dialect_parse(s))
            abort();
        break;
    }
    return 0;
}
