/*
 * test_traffic.c - what --learn-from keeps: "from =" values (traffic.c),
 * the profile keys of a hello learned from traffic (profile.c) and how
 * such a profile makes the peer's client that hello (traffic wins).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "fingerprint.h"
#include "hello.h"
#include "peers.h"
#include "profile.h"
#include "tap.h"
#include "fromspec.h"
#include "traffic.h"

static void
from_values(void)
{
    static const char *const good[] = {
        "192.0.2.0/24",
        "2001:db8::/32, 192.0.2.7",
        "mx01.bank.test .bank.test",
        "10.0.0.0/0,::/0",
    };
    static const struct {
        const char *v, *msg;
    } bad[] = {
        {"192.0.2.0/33", "prefix length"},
        {"2001:db8::/129", "prefix length"},
        {"192.0.2.0/x", "prefix length"},
        {"mx01..bank.test", "neither an address"},
        {"bank.test.", "neither an address"},
        {"mx/24", "not a network"},
        {" , ", "no network"},
        {"a$b", "neither an address"},
    };
    struct mx_error err;
    size_t i;
    char name[120];

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(name, sizeof(name), "from = %s is valid", good[i]);
        tap_ok(mx_from_check(good[i], &err) == 0, name);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "from = '%s' is refused: %s", bad[i].v,
                 bad[i].msg);
        tap_ok(mx_from_check(bad[i].v, &err) != 0 &&
                   strstr(err.msg, bad[i].msg) != NULL,
               name);
    }
}

static size_t
hello(uint8_t *out, size_t cap)
{
    static const uint16_t suites[] = {0xc030, 0xc02f, 0x009d, 0x00ff};
    static const uint16_t groups[] = {0x001d, 0x0017};
    static const uint16_t sigalgs[] = {0x0401, 0x0804};
    struct mx_hello h;
    struct mx_error err;
    size_t len = 0;

    memset(&h, 0, sizeof(h));
    h.legacy_version = 0x0303;
    h.suites = suites;
    h.nsuites = 4;
    h.groups = groups;
    h.ngroups = 2;
    h.sigalgs = sigalgs;
    h.nsigalgs = 2;
    h.flags = MX_HELLO_GROUPS | MX_HELLO_POINT_FMT | MX_HELLO_SIGALGS;
    if (mx_hello_encode(&h, out, cap, &len, &err) != 0)
        return 0;
    return len;
}

static void
profile_keys(void)
{
    char dir[] = "/tmp/mxtls-traffic.XXXXXX", path[256];
    struct mx_profile *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
    struct mx_peers peers;
    struct mx_fingerprint fp;
    struct mx_error err;
    struct mx_peer *peer;
    uint8_t h[1024];
    size_t n = hello(h, sizeof(h));

    if (!tap_ok(p != NULL && q != NULL && n > 0 && mkdtemp(dir) != NULL,
                "set-up"))
        goto out;
    tap_ok(mx_fingerprint(h, n, &fp, &err) == 0, "fingerprint of the hello");
    snprintf(p->peer, sizeof(p->peer), "bank");
    p->learned = 1764806400;
    p->versions[0] = 0x0303;
    p->nversions = 1;
    p->suites[0] = 0x002f; /* what 'mx =' learned: not the client */
    p->nsuites = 1;
    memcpy(p->hello, h, n);
    p->hello_len = n;
    snprintf(p->hello_source, sizeof(p->hello_source),
             "one.pcap: 192.0.2.7:41234 -> 192.0.2.1:25");
    snprintf(p->hello_from, sizeof(p->hello_from), "192.0.2.7 (mx1.bank.test)");
    p->hello_first = 1764806000;
    p->hello_last = 1764806300;
    p->hello_count = 31;
    p->hello_agree = 30;
    snprintf(p->ja3, sizeof(p->ja3), "%s", fp.ja3_md5);
    snprintf(p->ja4, sizeof(p->ja4), "%s", fp.ja4);
    snprintf(p->hello_change, sizeof(p->hello_change), "x then y");
    if (!tap_ok(mx_profile_write(dir, p, &err) == 0, "profile written")) {
        printf("# %s\n", err.msg);
        goto rm;
    }
    tap_ok(mx_profile_read(dir, "bank", q, &err) == 0, "profile read back");
    tap_ok(q->hello_len == n && memcmp(q->hello, h, n) == 0,
           "the hello, byte for byte");
    tap_is_str(q->hello_source, p->hello_source, "hello-source");
    tap_is_str(q->hello_from, p->hello_from, "hello-from");
    tap_ok(q->hello_first == p->hello_first && q->hello_last == p->hello_last,
           "first and last seen");
    tap_ok(q->hello_count == 31 && q->hello_agree == 30, "counts");
    tap_is_str(q->ja3, fp.ja3_md5, "ja3");
    tap_is_str(q->ja4, fp.ja4, "ja4");
    tap_is_str(q->hello_change, "x then y", "hello-change");

    /* traffic wins over what 'mx =' learned */
    memset(&peers, 0, sizeof(peers));
    tap_ok(mx_peers_parse("[bank]\nmx = bank.test\n", 20, "t.conf", &peers,
                          &err) == 0,
           "an mx peer");
    peer = &peers.v[0];
    tap_ok(mx_profile_offer(q, &peer->offer, &err) == 0,
           "offer: the profile's offer made");
    mx_profile_learned_text(q, peer->learned, sizeof(peer->learned));
    tap_ok(peer->offer.hello_len == n && memcmp(peer->offer.hello, h, n) == 0,
           "offer: the peer's client is the learned hello, byte for byte");
    tap_ok(peer->offer.nsuites == 3 && peer->offer.suites[0] == 0xc030 &&
               peer->offer.nsigalgs == 2 && peer->offer.sigalgs[1] == 0x0804,
           "offer: the lists are the hello's (SCSV left out)");
    tap_ok(strncmp(peer->learned,
                   "learned from traffic: 31 ClientHellos from 192.0.2.7 "
                   "(mx1.bank.test), last 2025-12-03T23:58:20Z; JA4 t12i",
                   90) == 0 &&
               strstr(peer->learned, fp.ja3_md5) != NULL,
           "learned text: what the client rests on, with JA4 and JA3");
    mx_peers_free(&peers);

    /* a peer with only 'from =' */
    memset(&peers, 0, sizeof(peers));
    tap_ok(mx_peers_parse("[bank]\nfrom = 192.0.2.0/24\n", 26, "t.conf", &peers,
                          &err) == 0,
           "a from peer");
    tap_is_str(peers.v[0].from, "192.0.2.0/24", "from kept");
    tap_is_int(mx_profile_apply_learned(dir, &peers.v[0], &err), 1,
               "apply_learned: applied");
    tap_ok(peers.v[0].kind == MX_PEER_HELLO, "apply_learned: the hello");
    mx_peers_free(&peers);
    memset(&peers, 0, sizeof(peers));
    tap_ok(mx_peers_parse("[other]\nfrom = 192.0.2.0/24\n", 27, "t.conf",
                          &peers, &err) == 0,
           "another from peer");
    tap_is_int(mx_profile_apply_learned(dir, &peers.v[0], &err), 0,
               "apply_learned: no profile, nothing applied");
    mx_peers_free(&peers);
    memset(&peers, 0, sizeof(peers));
    tap_ok(mx_peers_parse("[x]\nfrom = 192.0.2.0/40\n", 24, "t.conf", &peers,
                          &err) != 0 &&
               strstr(err.msg, "prefix length") != NULL,
           "peers file: a bad from is refused");
    mx_peers_free(&peers);
rm:
    snprintf(path, sizeof(path), "%s/bank.profile", dir);
    unlink(path);
    rmdir(dir);
out:
    free(p);
    free(q);
}

int
main(void)
{
    from_values();
    profile_keys();
    return tap_done();
}
