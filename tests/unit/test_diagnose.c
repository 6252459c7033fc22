/*
 * test_diagnose.c - the words of check_tls_peers' diagnosis (diagnose.c),
 * from the answers of probes given here, without a server: each cause,
 * the server-wide failure for a refused peer and for one that only a raw
 * ServerHello accepted, and the version helpers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"
#include "registry.h"
#include "suites.h"
#include "tap.h"

/* The bank of the incident, shortened: TLS 1.2, RSA suites. */
static void
bank(struct mx_peer *p)
{
    static const uint16_t suites[] = {
        0xC030, /* ECDHE-RSA-AES256-GCM-SHA384 */
        0x009D  /* AES256-GCM-SHA384 */
    };
    static const uint16_t groups[] = {0x001D};  /* X25519 */
    static const uint16_t sigalgs[] = {0x0804}; /* rsa_pss_rsae_sha256 */

    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "arz");
    p->offer.min_version = p->offer.max_version = MX_TLS12;
    p->offer.suites = suites; /* borrowed */
    p->offer.nsuites = 2;
    p->offer.groups = groups;
    p->offer.ngroups = 1;
    p->offer.sigalgs = sigalgs;
    p->offer.nsigalgs = 1;
}

static void
input(struct mx_dinput *in, const struct mx_peer *p)
{
    size_t k;

    memset(in, 0, sizeof(*in));
    in->peer = p;
    for (k = 0; k < MX_NDSTAGE; k++) {
        in->d[k].ok = -1;
        in->d[k].name = "probe";
        in->d[k].detail = "";
    }
}

static void
answer(struct mx_dinput *in, enum mx_dstage k, int ok, uint16_t version,
       uint16_t suite, uint16_t group)
{
    in->d[k].ran = 1;
    in->d[k].ok = ok;
    in->d[k].version = version;
    in->d[k].suite = suite;
    in->d[k].group = group;
    in->d[k].detail = ok == 0 ? "server sent alert handshake_failure" : "";
}

static int
has(const char *text, const char *part, const char *name)
{
    int ok = strstr(text, part) != NULL;

    if (!tap_ok(ok, name))
        printf("#   in   \"%s\"\n#   want \"%s\"\n", text, part);
    return ok;
}

int
main(void)
{
    struct mx_peer p;
    struct mx_dinput in;
    struct mx_sim o;

    bank(&p);
    tap_is_int(mx_offer_auths(&p.offer), 1u << MX_SAUTH_RSA,
               "RSA authentication");

    /* no RSA certificate: versions fine, the RSA suites refused, the
     * same ciphers with ECDSA taken */
    input(&in, &p);
    in.keys = 1u << MX_KEY_ECDSA;
    answer(&in, MX_D_VERSION, 1, MX_TLS12, 0xC02C, 0x001D);
    answer(&in, MX_D_AUTH, 0, 0, 0, 0);
    answer(&in, MX_D_CERT, 1, MX_TLS12, 0xC02C, 0x001D);
    memset(&o, 0, sizeof(o));
    snprintf(o.refusal, sizeof(o.refusal),
             "server sent alert handshake_failure");
    mx_diagnose(&in, &o);
    tap_is_int(o.diag, MX_DIAG_CERT_TYPE, "certificate type: the cause");
    tap_is_str(o.why, "no RSA certificate", "certificate type: the summary");
    has(o.detail,
        "the server has an ECDSA certificate but no RSA certificate (with "
        "one, ECDHE-RSA-AES256-GCM-SHA384 would match); add an RSA "
        "certificate",
        "certificate type: what the server has and the fix");

    /* a protocol version: the peer's refused, the server's highest 1.3 */
    input(&in, &p);
    answer(&in, MX_D_VERSION, 0, 0, 0, 0);
    answer(&in, MX_D_VHIGH, 1, MX_TLS13, 0x1302, 0x001D);
    memset(&o, 0, sizeof(o));
    mx_diagnose(&in, &o);
    tap_is_int(o.diag, MX_DIAG_PROTOCOL, "protocol: the cause");
    has(o.detail,
        "no common protocol version - the peer offers TLSv1.2, the server "
        "refuses it (its highest is TLSv1.3)",
        "protocol: the versions");

    /* a group: taken with any group, P-384 */
    input(&in, &p);
    answer(&in, MX_D_VERSION, 1, MX_TLS12, 0xC030, 0x0018);
    answer(&in, MX_D_AUTH, 1, MX_TLS12, 0xC030, 0x0018);
    answer(&in, MX_D_GROUP, 1, MX_TLS12, 0xC030, 0x0018);
    memset(&o, 0, sizeof(o));
    mx_diagnose(&in, &o);
    tap_is_int(o.diag, MX_DIAG_GROUP, "group: the cause");
    has(o.detail, "the peer offers X25519, the server chose P-384",
        "group: the groups");

    /* nothing explains it, a probe broke */
    input(&in, &p);
    answer(&in, MX_D_VERSION, 1, MX_TLS12, 0xC030, 0x001D);
    in.d[MX_D_AUTH].ran = 1;
    in.d[MX_D_AUTH].ok = -1;
    in.d[MX_D_AUTH].name = "certificate type";
    in.d[MX_D_AUTH].detail = "timeout";
    memset(&o, 0, sizeof(o));
    snprintf(o.refusal, sizeof(o.refusal), "alert handshake_failure");
    mx_diagnose(&in, &o);
    tap_is_int(o.diag, MX_DIAG_UNKNOWN, "broken probe: unknown");
    has(o.detail,
        "the diagnosis stopped where the probe with certificate type "
        "failed: timeout",
        "broken probe: named");

    /* the server fails every handshake: a refused peer */
    memset(&o, 0, sizeof(o));
    o.state = MX_SIM_FAIL;
    snprintf(o.refusal, sizeof(o.refusal), "server sent alert internal_error");
    mx_diagnose_server("internal_error", &o);
    tap_is_int(o.diag, MX_DIAG_SERVER, "server: the cause");
    tap_is_str(o.why, "server fails every TLS handshake (alert internal_error)",
               "server: the summary");
    has(o.detail,
        "the server fails every TLS handshake (alert internal_error), "
        "whatever is offered: this peer's offer got \"server sent alert "
        "internal_error\", and a handshake offering every version",
        "server: the peer's own refusal");
    has(o.detail, "check the server's certificate and key configuration",
        "server: the fix");

    /* ... and one that a raw TLS 1.3 ServerHello alone accepted */
    memset(&o, 0, sizeof(o));
    o.state = MX_SIM_OK;
    o.version = MX_TLS13;
    o.suite = 0x1302;
    o.group = 0x001D;
    mx_diagnose_server("internal_error", &o);
    tap_is_int(o.state, MX_SIM_FAIL, "raw ServerHello: now a failure");
    tap_is_int(o.version, 0, "raw ServerHello: no version kept");
    has(o.detail,
        "the server answered this peer's ClientHello with a TLSv1.3 "
        "ServerHello (TLS_AES_256_GCM_SHA384), which is as far as a raw "
        "ClientHello reads, but it fails every TLS handshake (alert "
        "internal_error)",
        "raw ServerHello: what was seen and what it is worth");
    tap_is_str(mx_diag_name(MX_DIAG_SERVER), "server fails every handshake",
               "the cause's name");
    return tap_done();
}
