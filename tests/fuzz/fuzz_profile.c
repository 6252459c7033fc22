/*
 * fuzz_profile.c - libFuzzer target for profile.c: a cached profile, from
 * its text as the one file reader hands it over (mx_profile_parse), then
 * the time check and the copy into a peer.
 *
 * Input: the whole file; the peer is "arz" (the seeds name it). Besides
 * the sanitizers, the target aborts when a parsed profile breaks what
 * profile.h promises (versions and suites present, counts in range,
 * strings terminated), or when a failure leaves data behind or has no
 * one-line message.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mx_profile prof;
static struct mx_offer peer;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mx_error err;
    size_t i;

    mx_error_clear(&err);
    if (mx_profile_parse((const char *)data, size, "fuzz.profile", "arz", &prof,
                         &err) != 0) {
        if (prof.nsuites != 0 || prof.peer[0] != '\0' || err.msg[0] == '\0' ||
            strchr(err.msg, '\n') != NULL)
            abort();
        return 0;
    }
    if (strcmp(prof.peer, "arz") != 0 || prof.nversions == 0 ||
        prof.nversions > 8 || prof.nsuites == 0 ||
        prof.nsuites > MX_PEER_MAX_SUITES || prof.ngroups > MX_PEER_MAX_LIST ||
        prof.naddrs > MX_PROFILE_ADDRS || prof.learned < 0 ||
        memchr(prof.mx, '\0', sizeof(prof.mx)) == NULL ||
        memchr(prof.hosts, '\0', sizeof(prof.hosts)) == NULL)
        abort();
    for (i = 0; i < prof.naddrs; i++)
        if (memchr(prof.addrs[i], '\0', sizeof(prof.addrs[i])) == NULL)
            abort();
    (void)mx_profile_usable(&prof, 1795885200, "fuzz.profile", &err);
    memset(&peer, 0, sizeof(peer));
    if (mx_profile_offer(&prof, &peer, &err) != 0)
        return 0; /* memory */
    /* no suite may be left (TLS 1.3 suites with TLS 1.2 only): the
     * simulation refuses such a peer ("offers no suites") */
    if (peer.max_version == 0 || peer.nsuites > MX_PEER_MAX_SUITES)
        abort();
    mx_offer_free(&peer);
    return 0;
}
