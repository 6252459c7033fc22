/*
 * test_outbound.c - our client against a peer MX's profile (outbound.c).
 *
 * Our clients are lists (what a recording decodes into); the MX profiles
 * are written out: the incident's bank (TLS 1.2, its 12 RSA suites), a
 * TLS 1.3-only MX, an MX with ECDHE suites and curves our client lacks.
 * Each verdict, the suite chosen in our order, the version chosen before
 * the suite (no going down a version for a suite), and each diagnosis
 * with the Postfix setting it names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "outbound.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
set_list(uint16_t *dst, size_t *n, const uint16_t *src, size_t k)
{
    memcpy(dst, src, k * sizeof(*src));
    *n = k;
}

/* a Postfix-like client: TLS 1.3 and 1.2, ECDHE-ECDSA before RSA */
/* Our client's lists, which the tests below narrow in place. */
static uint16_t our_suites[16], our_groups[8];

static void
our_client(struct mx_offer *o, int tls13)
{
    static const uint16_t suites[] = {0x1302, 0x1303, 0x1301, 0xc02c, 0xc030,
                                      0xc02b, 0xc02f, 0x009d, 0x0035};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
    size_t n;

    memset(o, 0, sizeof(*o));
    o->max_version = tls13 ? 0x0304 : 0x0303;
    o->min_version = 0x0303;
    set_list(our_suites, &n, suites, NELEM(suites));
    o->suites = our_suites;
    o->nsuites = n;
    set_list(our_groups, &n, groups, NELEM(groups));
    o->groups = our_groups;
    o->ngroups = n;
}

static void
bank_mx(struct mx_profile *m)
{
    static const uint16_t v[] = {0x0303};
    /* the bank's 12 suites, its order */
    static const uint16_t suites[] = {0xc030, 0xc028, 0xc014, 0x009d,
                                      0x003d, 0x0035, 0xc02f, 0xc027,
                                      0xc013, 0x009c, 0x003c, 0x002f};
    static const uint16_t groups[] = {0x0017, 0x0018};

    memset(m, 0, sizeof(*m));
    set_list(m->versions, &m->nversions, v, 1);
    set_list(m->suites, &m->nsuites, suites, NELEM(suites));
    set_list(m->groups, &m->ngroups, groups, NELEM(groups));
}

static void
test_bank(void)
{
    struct mx_offer ours;
    struct mx_profile mx;
    struct mx_outbound o;

    our_client(&ours, 1);
    bank_mx(&mx);
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_OK, "bank: negotiates");
    tap_is_int(o.version, 0x0303, "bank: TLS 1.2 (its highest)");
    tap_is_int(o.suite, 0xc030,
               "bank: our first suite it accepts (ECDSA ones skipped)");
    tap_is_int(o.group, 0x0017, "bank: P-256, our first group it accepts");
    tap_is_int((long long)o.ncommon, 4, "bank: four suites in common");
    tap_is_str(o.why,
               "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384, P-256 (our first of 4 "
               "suites in common; a MX that orders suites itself may choose "
               "another)",
               "bank: the line");

    /* the same bank, no group in common: the RSA key transport suites */
    ours.ngroups = 1; /* X25519 only */
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_OK, "bank, X25519 only: still negotiates");
    tap_is_int(o.suite, 0x009d,
               "bank, X25519 only: AES256-GCM-SHA384 (RSA kx)");
    tap_is_int(o.group, 0, "bank, X25519 only: no group");

    /* only ECDHE suites and no group in common */
    ours.nsuites = 7;
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_NO_GROUP, "ECDHE only, no common curve");
    tap_is_str(o.why,
               "no common key exchange group in TLSv1.2 - our client's suites "
               "in common need one, and of our groups (X25519) their MX "
               "accepts none; offer P-256 (Postfix: tls_eecdh_auto_curves, "
               "shared by the client and the server)",
               "no group: the diagnosis names tls_eecdh_auto_curves");

    /* our client TLS 1.3 only: no version */
    our_client(&ours, 1);
    ours.min_version = 0x0304;
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_NO_VERSION, "TLS 1.3-only client vs the bank");
    tap_is_str(o.why,
               "no common protocol version - our client offers TLSv1.3, their "
               "MX accepts TLSv1.2; allow TLSv1.2 on our client (Postfix: "
               "smtp_tls_protocols, and smtp_tls_mandatory_protocols for the "
               "encrypt, dane and verify levels)",
               "no version: names smtp_tls_protocols");

    /* ECDSA suites only: no shared cipher, with the bank's suites named */
    our_client(&ours, 0);
    our_suites[0] = 0xc02c;
    our_suites[1] = 0xc02b;
    ours.nsuites = 2;
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_NO_SUITE, "ECDSA suites only vs the bank");
    tap_is_int(o.version, 0x0303, "the version it failed in");
    tap_is_str(o.why,
               "no shared cipher in TLSv1.2 - their MX accepts "
               "ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-AES256-SHA384, "
               "ECDHE-RSA-AES256-SHA, our client offers none of them; allow "
               "one on our client (Postfix: the grade of smtp_tls_ciphers or "
               "smtp_tls_mandatory_ciphers, and smtp_tls_exclude_ciphers / "
               "smtp_tls_mandatory_exclude_ciphers)",
               "no suite: names the MX's suites and the cipher settings");
}

static void
test_tls13(void)
{
    static const uint16_t v[] = {0x0304};
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
    static const uint16_t groups[] = {0x001d, 0x0017};
    struct mx_offer ours;
    struct mx_profile mx;
    struct mx_outbound o;

    memset(&mx, 0, sizeof(mx));
    set_list(mx.versions, &mx.nversions, v, 1);
    set_list(mx.suites, &mx.nsuites, suites, 3);
    set_list(mx.groups, &mx.ngroups, groups, 2);
    our_client(&ours, 1);
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_OK, "TLS 1.3 MX: negotiates");
    tap_is_int(o.version, 0x0304, "TLS 1.3 MX: TLS 1.3");
    tap_is_int(o.suite, 0x1302, "TLS 1.3 MX: our first TLS 1.3 suite");
    tap_is_int(o.group, 0x001d, "TLS 1.3 MX: X25519");

    our_client(&ours, 0);
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_NO_VERSION, "TLS 1.2 client vs TLS 1.3 MX");
    tap_ok(strstr(o.why, "allow TLSv1.3 on our client") != NULL,
           "TLS 1.2 client: allow TLSv1.3");

    our_client(&ours, 1);
    our_groups[0] = 0x0019; /* P-521 only */
    ours.ngroups = 1;
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_NO_GROUP, "TLS 1.3 without a common group");
    tap_is_int(o.version, 0x0304, "no group: in TLS 1.3");
}

/* The version comes first: a client with TLS 1.3 and 1.2 whose TLS 1.3
 * suites the MX lacks does not get TLS 1.2 instead. */
static void
test_no_downgrade(void)
{
    static const uint16_t v[] = {0x0304, 0x0303};
    static const uint16_t suites[] = {0x1301, 0xc02f};
    static const uint16_t groups[] = {0x0017};
    struct mx_offer ours;
    struct mx_profile mx;
    struct mx_outbound o;

    memset(&mx, 0, sizeof(mx));
    set_list(mx.versions, &mx.nversions, v, 2);
    set_list(mx.suites, &mx.nsuites, suites, 2);
    set_list(mx.groups, &mx.ngroups, groups, 1);
    our_client(&ours, 1);
    our_suites[0] = 0x1303; /* TLS_CHACHA20_POLY1305_SHA256 only */
    our_suites[1] = 0xc02f;
    ours.nsuites = 2;
    mx_outbound_predict(&ours, &mx, &o);
    tap_is_int(o.verdict, MX_OUT_NO_SUITE, "no TLS 1.3 suite in common: fails");
    tap_is_int(o.version, 0x0304, "in TLS 1.3, not TLS 1.2");
    tap_ok(strstr(o.why, "their MX accepts TLS_AES_128_GCM_SHA256,") != NULL,
           "names the MX's TLS 1.3 suite");
    tap_is_str(mx_outbound_verdict_name(MX_OUT_NO_SUITE), "no shared cipher",
               "verdict name");
}

int
main(void)
{
    test_bank();
    test_tls13();
    test_no_downgrade();
    return tap_done();
}
