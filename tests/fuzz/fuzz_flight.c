/*
 * fuzz_flight.c - libFuzzer target for the hello codec: the first-flight
 * decoder, the ClientHello decoder, and the encoder/decoder round trip.
 *
 * Input: the first byte is the mode; the rest is what a server sent.
 *   bit 0      stop mode (MX_FLIGHT_STOP_HELLO / MX_FLIGHT_STOP_DONE)
 *   bits 1-3   how the rest is cut into mx_flight_feed calls: all at once,
 *              single bytes, pairs, 1/1000 alternating, sizes from a
 *              PRNG seeded with the mode, sizes taken from the input
 *              itself, 13-byte pieces, two halves
 * Besides the sanitizers' own checks, the target aborts when a property
 * fails: the result must not depend on the chunking (it is compared with
 * feeding everything at once), leaf must point inside the struct's own
 * buffer, the reason must be a terminated string, and a verdict-less
 * flight must have consumed all its input. mx_hello_decode runs on the
 * same bytes, and an offer built from them must encode and decode back to
 * itself (or fail cleanly).
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mx_flight whole, cut;
static struct mx_hello_view view;
static uint8_t enc[5 + 16384 + 64];

static uint32_t
next(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x != 0 ? x : 1;
    return *s;
}

static void
feed_cut(struct mx_flight *f, unsigned mode, const uint8_t *p, size_t n)
{
    uint32_t seed = 0x9e3779b9u ^ mode;
    size_t i = 0, k = 0, turn = 0;

    while (i < n) {
        switch ((mode >> 1) & 7) {
        case 0:
            k = n - i;
            break;
        case 1:
            k = 1;
            break;
        case 2:
            k = 2;
            break;
        case 3:
            k = (turn++ & 1) ? 1000 : 1;
            break;
        case 4:
            k = 1 + next(&seed) % 300;
            break;
        case 5:
            k = 1 + p[i];
            break;
        case 6:
            k = 13;
            break;
        default:
            k = i == 0 ? n / 2 + 1 : n - i;
            break;
        }
        if (k > n - i)
            k = n - i;
        mx_flight_feed(f, p + i, k);
        i += k;
    }
}

static int
same(const struct mx_flight *a, const struct mx_flight *b)
{
    return a->verdict == b->verdict && strcmp(a->reason, b->reason) == 0 &&
           a->record_version == b->record_version &&
           a->legacy_version == b->legacy_version && a->version == b->version &&
           a->suite == b->suite && a->compression == b->compression &&
           a->group == b->group && a->hrr_group == b->hrr_group &&
           a->hrr == b->hrr && a->ems == b->ems && a->reneg == b->reneg &&
           a->dh_bits == b->dh_bits && a->ske_sigalg == b->ske_sigalg &&
           a->downgrade == b->downgrade && a->done == b->done &&
           a->leaf_len == b->leaf_len && a->ncerts == b->ncerts &&
           (a->leaf_len == 0 || memcmp(a->leaf, b->leaf, a->leaf_len) == 0) &&
           a->alert_level == b->alert_level && a->alert_desc == b->alert_desc &&
           a->ssl2_version == b->ssl2_version &&
           a->nssl2_ciphers == b->nssl2_ciphers &&
           memcmp(a->ssl2_ciphers, b->ssl2_ciphers, sizeof(a->ssl2_ciphers)) ==
               0 &&
           a->total == b->total;
}

static void
check_flight(const struct mx_flight *f, size_t n)
{
    if (memchr(f->reason, '\0', sizeof(f->reason)) == NULL)
        abort();
    if (f->verdict > MX_V_MALFORMED || f->total > n)
        abort();
    if (f->verdict == MX_V_NEED_MORE && f->total != n)
        abort();
    if (f->verdict == MX_V_MALFORMED && f->reason[0] == '\0')
        abort();
    if (f->leaf != NULL &&
        (f->leaf < f->hs || f->leaf_len > f->hs_len ||
         (size_t)(f->leaf - f->hs) > f->hs_len - f->leaf_len))
        abort();
    if (f->hs_len > MX_FLIGHT_MAX || f->hs_used > f->hs_len)
        abort();
}

/* An offer made of the input: it encodes (or fails with a message), and
 * what it encodes decodes back to it. */
static void
roundtrip(const uint8_t *d, size_t n)
{
    uint16_t suites[64], groups[20], sigalgs[20], versions[8];
    struct mx_key_share ks[3];
    char sni[40];
    struct mx_hello h;
    struct mx_error err;
    size_t len, i, k = 10, m;

    if (n < 10)
        return;
    memset(&h, 0, sizeof(h));
    h.flags = ((unsigned)d[0] | ((unsigned)d[1] << 8)) & 0x7fff;
    h.nsuites = d[2] % 64;
    h.ngroups = d[3] % 20;
    h.nsigalgs = d[4] % 20;
    h.nversions = d[5] % 8;
    h.nshares = d[6] % 4;
    h.record_version = (uint16_t)(d[7] << 8 | d[8]);
    h.sslv2 = (d[9] & 0x01) && (d[9] & 0x02);
    h.suites = suites;
    h.groups = groups;
    h.sigalgs = sigalgs;
    h.versions = versions;
    h.shares = ks;
    h.sni = sni;
    for (i = 0; i < 64; i++, k += 2)
        suites[i] = (uint16_t)(d[k % n] << 8 | d[(k + 1) % n]);
    for (i = 0; i < 20; i++, k += 2) {
        groups[i] = (uint16_t)(d[k % n] << 8 | d[(k + 1) % n]);
        sigalgs[i] = (uint16_t)(d[(k + 7) % n] << 8 | d[(k + 3) % n]);
    }
    for (i = 0; i < 8; i++, k += 2)
        versions[i] = (uint16_t)(d[k % n] << 8 | d[(k + 1) % n]);
    m = d[9] % sizeof(sni);
    for (i = 0; i < m; i++)
        sni[i] = (char)('a' + d[(k + i) % n] % 26);
    sni[m] = '\0';
    for (i = 0; i < 3; i++) {
        ks[i].group = groups[i];
        ks[i].data = d;
        ks[i].len = (size_t)d[(k + i) % n] * 7 % n;
    }
    mx_error_clear(&err);
    if (mx_hello_encode(&h, enc, sizeof(enc), &len, &err) < 0) {
        if (err.code != MX_E_USAGE || err.msg[0] == '\0' || len != 0)
            abort();
        return;
    }
    if (len > sizeof(enc) || mx_hello_decode(enc, len, &view, &err) < 0)
        abort();
    if (view.sslv2)
        return;
    if (view.nsuites != h.nsuites ||
        memcmp(view.suites, suites, 2 * h.nsuites) != 0)
        abort();
    if ((h.flags & MX_HELLO_GROUPS) &&
        (view.ngroups != h.ngroups ||
         memcmp(view.groups, groups, 2 * h.ngroups) != 0))
        abort();
    if ((h.flags & MX_HELLO_SIGALGS) &&
        (view.nsigalgs != h.nsigalgs ||
         memcmp(view.sigalgs, sigalgs, 2 * h.nsigalgs) != 0))
        abort();
    if ((h.flags & MX_HELLO_VERSIONS) &&
        (view.nversions != h.nversions ||
         memcmp(view.versions, versions, 2 * h.nversions) != 0))
        abort();
    if ((h.flags & MX_HELLO_SNI) && strcmp(view.sni, sni) != 0)
        abort();
    if (h.flags & MX_HELLO_KEY_SHARE) {
        if (view.nshares != h.nshares)
            abort();
        for (i = 0; i < h.nshares; i++)
            if (view.share_groups[i] != ks[i].group ||
                view.share_lens[i] != ks[i].len)
                abort();
    }
    if ((h.flags & MX_HELLO_PADDING) && len - 5 >= 256 && len - 5 < 512)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode;
    int stop;

    if (size < 1)
        return 0;
    mode = data[0];
    stop = (mode & 1) ? MX_FLIGHT_STOP_DONE : MX_FLIGHT_STOP_HELLO;
    data++;
    size--;

    mx_flight_init(&whole, stop);
    mx_flight_feed(&whole, data, size);
    check_flight(&whole, size);
    mx_flight_init(&cut, stop);
    feed_cut(&cut, mode, data, size);
    check_flight(&cut, size);
    if (!same(&whole, &cut))
        abort();

    mx_hello_decode(data, size, &view, NULL);
    roundtrip(data, size);
    return 0;
}
