/*
 * test_fingerprint.c - JA3 and JA4 (common/fingerprint.c).
 *
 * The vectors of real clients are in fingerprint_vectors.txt, written by
 * fingerprint_vectors.sh: hellos recorded on this machine from openssl
 * s_client, gnutls-cli, curl and Python, with tshark's JA3 and a JA4
 * derived from tshark's decoding with sort and sha256sum. GREASE, ALPN
 * edge cases, a hello over two records and SSLv2 are tested with hellos
 * made by the project's encoder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fingerprint.h"
#include "hello.h"
#include "tap.h"

static int
vectors(void)
{
    const char *dir = getenv("MXTLS_SRCDIR");
    char path[1024], line[16384], name[200];
    struct mx_recorded_hello h;
    struct mx_fingerprint fp;
    struct mx_error err;
    FILE *f;
    int n = 0;

    snprintf(path, sizeof(path), "%s/tests/unit/fingerprint_vectors.txt",
             dir != NULL ? dir : ".");
    f = fopen(path, "r");
    if (!tap_ok(f != NULL, "fingerprint_vectors.txt opens"))
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *field[6], *s = line;
        int k;

        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        for (k = 0; k < 6; k++) {
            field[k] = s;
            s = strchr(s, '|');
            if (s == NULL)
                break;
            *s++ = '\0';
        }
        if (!tap_ok(k == 5, "vector line has 6 fields"))
            continue;
        n++;
        mx_error_clear(&err);
        if (!tap_ok(mx_hello_from_hex(field[1], strlen(field[1]), &h, &err) ==
                        0,
                    field[0])) {
            printf("#   %s\n", err.msg);
            continue;
        }
        if (tap_ok(mx_fingerprint(h.bytes, h.len, &fp, &err) == 0,
                   "fingerprint")) {
            snprintf(name, sizeof(name), "%s: JA3 string as tshark's",
                     field[0]);
            tap_is_str(fp.ja3, field[2], name);
            snprintf(name, sizeof(name), "%s: JA3 MD5 as tshark's", field[0]);
            tap_is_str(fp.ja3_md5, field[3], name);
            snprintf(name, sizeof(name), "%s: JA4", field[0]);
            tap_is_str(fp.ja4, field[4], name);
            snprintf(name, sizeof(name), "%s: JA4 raw", field[0]);
            tap_is_str(fp.ja4_r, field[5], name);
        } else {
            printf("#   %s\n", err.msg);
        }
        mx_recorded_hello_free(&h);
    }
    fclose(f);
    tap_ok(n >= 6, "six real clients or more");
    return n;
}

/* Encode a hello; grease adds GREASE values to every list. */
static size_t
encode(uint8_t *out, size_t cap, int grease, unsigned flags, const char *sni)
{
    static const uint16_t suites[] = {0x1301, 0xc02b, 0x009c, 0x002f};
    static const uint16_t gsuites[] = {0x3a3a, 0x1301, 0xc02b, 0x009c, 0x002f};
    static const uint16_t groups[] = {0x001d, 0x0017};
    static const uint16_t ggroups[] = {0xdada, 0x001d, 0x0017};
    static const uint16_t versions[] = {0x0304, 0x0303};
    static const uint16_t gversions[] = {0x7a7a, 0x0304, 0x0303};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401};
    static const uint8_t share[32] = {9};
    struct mx_key_share ks = {0x001d, share, 32};
    struct mx_hello h;
    struct mx_error err;
    size_t len = 0;

    memset(&h, 0, sizeof(h));
    h.legacy_version = 0x0303;
    h.suites = grease ? gsuites : suites;
    h.nsuites = grease ? 5 : 4;
    h.groups = grease ? ggroups : groups;
    h.ngroups = grease ? 3 : 2;
    h.versions = grease ? gversions : versions;
    h.nversions = grease ? 3 : 2;
    h.sigalgs = sigalgs;
    h.nsigalgs = 3;
    h.shares = &ks;
    h.nshares = 1;
    h.sni = sni;
    h.flags = flags;
    if (mx_hello_encode(&h, out, cap, &len, &err) != 0) {
        printf("# encode: %s\n", err.msg);
        return 0;
    }
    return len;
}

static void
grease(void)
{
    uint8_t a[2048], b[2048];
    size_t na, nb;
    struct mx_fingerprint fa, fb;
    struct mx_error err;

    na = encode(a, sizeof(a), 0, MX_HELLO_MODERN, "mx.example.test");
    nb = encode(b, sizeof(b), 1, MX_HELLO_MODERN, "mx.example.test");
    if (!tap_ok(na > 0 && nb > 0, "GREASE: hellos encode"))
        return;
    tap_ok(mx_fingerprint(a, na, &fa, &err) == 0, "GREASE: plain hello");
    tap_ok(mx_fingerprint(b, nb, &fb, &err) == 0, "GREASE: hello with GREASE");
    tap_is_str(fb.ja3, fa.ja3, "GREASE left out of JA3");
    tap_is_str(fb.ja4, fa.ja4, "GREASE left out of JA4");
    tap_ok(strncmp(fa.ja4, "t13d04", 6) == 0 &&
               strncmp(fb.ja4, "t13d04", 6) == 0,
           "4 suites without GREASE, SNI, TLS 1.3 from supported_versions");
    tap_ok(mx_is_grease(0x0a0a) && mx_is_grease(0xfafa) &&
               !mx_is_grease(0x0a1a) && !mx_is_grease(0x1301),
           "GREASE values by RFC 8701");
}

static void
edges(void)
{
    uint8_t a[2048], two[2100];
    size_t na, hs, split = 40;
    struct mx_fingerprint f, g;
    struct mx_error err;
    static const uint16_t v2suites[] = {0x0035};
    static const uint32_t kinds[] = {0x010080};
    struct mx_hello h;

    /* no extensions but what an old client has: no SNI, no versions */
    na = encode(a, sizeof(a), 0, MX_HELLO_GROUPS | MX_HELLO_POINT_FMT, NULL);
    if (tap_ok(na > 0 && mx_fingerprint(a, na, &f, &err) == 0,
               "TLS 1.2 hello without supported_versions")) {
        tap_is_str(f.ja3, "771,4865-49195-156-47,11-10,29-23,0",
                   "JA3 with point formats");
        tap_ok(strncmp(f.ja4, "t12i040200_", 11) == 0,
               "JA4 a: legacy version, no SNI, no ALPN");
        /* c is the hash of "000a,000b" alone: no sigalgs, no '_' */
        tap_ok(strstr(f.ja4_r, "_000a,000b") != NULL /* sorted */ &&
                   f.ja4_r[strlen(f.ja4_r) - 1] == 'b',
               "JA4 c without signature algorithms has no '_'");
    }
    /* the same hello cut into two handshake records */
    na = encode(a, sizeof(a), 0, MX_HELLO_MODERN, "mx.example.test");
    hs = na - 5;
    memcpy(two, a, 5);
    two[3] = 0;
    two[4] = (uint8_t)split;
    memcpy(two + 5, a + 5, split);
    memcpy(two + 5 + split, a, 5);
    two[5 + split + 3] = (uint8_t)((hs - split) >> 8);
    two[5 + split + 4] = (uint8_t)(hs - split);
    memcpy(two + 10 + split, a + 5 + split, hs - split);
    if (tap_ok(mx_fingerprint(a, na, &f, &err) == 0 &&
                   mx_fingerprint(two, na + 5, &g, &err) == 0,
               "hello over two records"))
        tap_is_str(g.ja4, f.ja4, "two records: same JA4");
    tap_ok(mx_fingerprint(a, na - 1, &f, &err) != 0 && f.ja4[0] == '\0',
           "a hello one byte short is refused");

    memset(&h, 0, sizeof(h));
    h.sslv2 = 1;
    h.legacy_version = 0x0002;
    h.suites = v2suites;
    h.nsuites = 1;
    h.ssl2_ciphers = kinds;
    h.nssl2_ciphers = 1;
    na = 0;
    if (mx_hello_encode(&h, a, sizeof(a), &na, &err) == 0)
        tap_ok(mx_fingerprint(a, na, &f, &err) != 0 &&
                   strstr(err.msg, "SSLv2") != NULL,
               "SSLv2 CLIENT-HELLO: no fingerprint, said so");
    else
        tap_ok(0, "SSLv2 hello encodes");
}

int
main(void)
{
    vectors();
    grease();
    edges();
    return tap_done();
}
