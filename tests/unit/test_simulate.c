/*
 * test_simulate.c - peers' clients (simulate.h) against OpenSSL servers
 * the test makes on 127.0.0.1 (tlsserver.h), with the diagnosis of each
 * failure:
 *
 *   the incident   an ECDSA-only server and a peer that offers only RSA
 *                  suites: no shared cipher, and the cause named is the
 *                  certificate type (an RSA certificate is missing);
 *   dual           the same peer against RSA + ECDSA: it gets a handshake,
 *                  with the RSA certificate, without any refusal;
 *   protocol       a TLS 1.3-only server and a TLS 1.2 peer;
 *   group          a server with P-384 only and a peer without it;
 *   cipher         an RSA server with RSA key transport only and a peer
 *                  with ECDHE-RSA only: the certificate is right, the
 *                  cipher is not;
 *   not TLS        a server that answers with text: no verdict;
 *   shared         two peers that offer the same are simulated once.
 *
 * Every refusal the simulation counts is a failed handshake in the
 * server's count, and no more.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "simulate.h"
#include "tap.h"
#include "tlsserver.h"

#define NPEERS 4

static struct mx_peer peers[NPEERS];
static struct mx_sim out[NPEERS];

/* The offers of this file: a peer described by lists, with what it
 * leaves out filled with a typical MTA's (as the peers file does). */
static int
peer(struct mx_peer *p, const char *name, const char *protocols,
     const char *ciphers, const char *groups)
{
    struct mx_error err;

    mx_peer_free(p); /* what an earlier case left in this slot */
    if (mx_peer_from_options(p, name, protocols, ciphers, groups, NULL, NULL,
                             &err) != 0) {
        printf("# peer %s: %s\n", name, err.msg);
        return -1;
    }
    return 0; /* what it leaves out: the typical MTA's (mx_offer_defaults) */
}

/* Simulate the first n peers against a server made for cfg; the
 * server's counts are compared with the simulation's. 0 or -1. */
static int
simulate(const char *name, const struct ts_config *cfg, size_t n)
{
    struct mx_probe_stats stats;
    struct ts_server srv;
    struct mx_target t;
    struct mx_error err;
    char what[160];
    int rc, refusals = 0;
    size_t i;

    memset(out, 0, sizeof(out));
    memset(&stats, 0, sizeof(stats));
    snprintf(what, sizeof(what), "%s: a server on 127.0.0.1", name);
    if (!tap_ok(ts_start(&srv, cfg) == 0, what))
        return -1;
    ts_target(&t, srv.port, 30);
    rc = mx_simulate(&t, peers, n, 4, NULL, out, &stats, &err);
    snprintf(what, sizeof(what), "%s: the simulation runs", name);
    if (!tap_is_int(rc, 0, what))
        printf("#   %s\n", err.msg);
    for (i = 0; i < n; i++) {
        printf("# %s: %s: %s %s (%s) [%s] probes %d refusals %d\n", name,
               peers[i].name,
               out[i].state == MX_SIM_OK     ? "ok"
               : out[i].state == MX_SIM_FAIL ? "fail"
                                             : "error",
               mx_diag_name(out[i].diag), out[i].why,
               out[i].state == MX_SIM_ERROR ? out[i].err.msg : out[i].refusal,
               out[i].probes, out[i].refusals);
        if (!out[i].shared)
            refusals += out[i].refusals;
    }
    (void)ts_settle(&srv);
    if (cfg->mode == TS_TLS) {
        snprintf(what, sizeof(what),
                 "%s: the refusals counted are the server's failed "
                 "handshakes",
                 name);
        tap_is_int(refusals, srv.counts->failed, what);
        snprintf(what, sizeof(what),
                 "%s: every connection the server took was counted", name);
        tap_is_int(stats.connections, srv.counts->connections, what);
    }
    ts_stop(&srv);
    return rc;
}

static int
contains(const char *s, const char *part)
{
    int ok = strstr(s, part) != NULL;

    if (!ok)
        printf("#   \"%s\" does not contain \"%s\"\n", s, part);
    return ok;
}

static X509 *
leaf(const struct mx_sim *s)
{
    return s->chain != NULL && sk_X509_num(s->chain) > 0
               ? sk_X509_value(s->chain, 0)
               : NULL;
}

int
main(void)
{
    static const char rsa_only[] =
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";
    struct ts_cert rsa, ecdsa;
    size_t i;
    struct ts_config c;
    int ok;

    signal(SIGPIPE, SIG_IGN);
    ok = ts_cert_make(&rsa, "RSA", 2048, NULL, "rsa.test", NULL) == 0 &&
         ts_cert_make(&ecdsa, "EC", 0, "P-256", "ecdsa.test", NULL) == 0;
    if (!tap_ok(ok, "test certificates made"))
        return tap_done();

    /* the incident: an ECDSA-only server, an RSA-only peer */
    ok = peer(&peers[0], "bank", "TLSv1.2", rsa_only, NULL) == 0 &&
         peer(&peers[1], "modern", NULL, NULL, NULL) == 0;
    tap_ok(ok, "peers from lists");
    /* peers that authenticate us (DANE) keep the chain they got */
    peers[0].auth = peers[1].auth = MX_PEER_AUTH_DANE;
    memset(&c, 0, sizeof(c));
    c.min_version = TLS1_2_VERSION;
    c.certs[c.ncerts++] = &ecdsa;
    if (simulate("incident", &c, 2) == 0) {
        tap_is_int(out[0].state, MX_SIM_FAIL,
                   "incident: the RSA-only peer fails");
        tap_is_int(out[0].diag, MX_DIAG_CERT_TYPE,
                   "incident: the cause is the certificate type");
        tap_ok(contains(out[0].why, "RSA"),
               "incident: the cause names the missing RSA certificate");
        tap_ok(contains(out[0].detail, mx_keytype_advice(MX_KEY_RSA)),
               "incident: the fix is to add an RSA certificate");
        tap_ok(contains(out[0].refusal, "handshake_failure"),
               "incident: the server's refusal is quoted");
        tap_ok(out[0].refusals >= 1,
               "incident: the refused handshakes are counted");
        tap_is_int(out[1].state, MX_SIM_OK,
                   "incident: a default peer gets a handshake");
        tap_ok(leaf(&out[1]) && X509_cmp(leaf(&out[1]), ecdsa.cert) == 0,
               "incident: ... with the ECDSA certificate");
    }
    mx_sim_free(out, 2);

    /* dual: the same peer gets the RSA certificate */
    c.certs[c.ncerts++] = &rsa;
    if (simulate("dual", &c, 1) == 0) {
        tap_is_int(out[0].state, MX_SIM_OK, "dual: the RSA-only peer is fine");
        tap_is_int(out[0].engine, MX_ENGINE_OPENSSL,
                   "dual: simulated by a complete handshake");
        tap_is_int(out[0].version, MX_TLS12, "dual: TLSv1.2");
        tap_ok(out[0].suite == 0xC030 || out[0].suite == 0xC02F,
               "dual: a suite of the peer's");
        tap_ok(leaf(&out[0]) && X509_cmp(leaf(&out[0]), rsa.cert) == 0,
               "dual: the RSA certificate presented");
        tap_is_str(out[0].cert, "RSA 2048", "dual: the certificate named");
        tap_is_int(out[0].refusals, 0, "dual: no refused handshake");
        tap_is_int(out[0].diag, MX_DIAG_NONE, "dual: nothing to diagnose");
    }
    mx_sim_free(out, 1);

    /* protocol, group, cipher: one run, three peers */
    memset(&c, 0, sizeof(c));
    c.min_version = c.max_version = TLS1_3_VERSION;
    c.groups = "P-384";
    c.certs[c.ncerts++] = &rsa;
    ok = peer(&peers[0], "old", "TLSv1.2", NULL, NULL) == 0 &&
         peer(&peers[1], "curves", "TLSv1.3", NULL, "X25519:P-256") == 0 &&
         peer(&peers[2], "fine", "TLSv1.3", NULL, "X25519:P-384") == 0;
    tap_ok(ok, "peers from lists");
    if (simulate("tls13", &c, 3) == 0) {
        tap_ok(out[0].state == MX_SIM_FAIL && out[0].diag == MX_DIAG_PROTOCOL,
               "tls13: a TLS 1.2 peer fails on the protocol version");
        tap_ok(out[1].state == MX_SIM_FAIL && out[1].diag == MX_DIAG_GROUP,
               "tls13: a peer without P-384 fails on the group");
        tap_ok(out[2].state == MX_SIM_OK && out[2].group == 0x0018,
               "tls13: a peer with P-384 gets it");
    }
    mx_sim_free(out, 3);

    memset(&c, 0, sizeof(c));
    c.min_version = c.max_version = TLS1_2_VERSION;
    c.ciphers = "AES256-GCM-SHA384:AES128-GCM-SHA256";
    c.certs[c.ncerts++] = &rsa;
    ok = peer(&peers[0], "ecdhe", "TLSv1.2", rsa_only, NULL) == 0 &&
         peer(&peers[1], "same", "TLSv1.2", rsa_only, NULL) == 0;
    if (simulate("cipher", &c, 2) == 0) {
        tap_ok(out[0].state == MX_SIM_FAIL && out[0].diag == MX_DIAG_CIPHER,
               "cipher: an ECDHE-only peer fails on the cipher, not the "
               "certificate");
        tap_is_int(out[1].shared, 1,
                   "shared: a peer offering the same is not asked again");
        tap_ok(out[1].state == out[0].state && out[1].diag == out[0].diag,
               "shared: ... and gets the same verdict");
    }
    mx_sim_free(out, 2);

    memset(&c, 0, sizeof(c));
    c.mode = TS_GARBAGE;
    if (simulate("not TLS", &c, 1) == 0) {
        tap_is_int(out[0].state, MX_SIM_ERROR,
                   "not TLS: no verdict for the peer");
        tap_is_int(out[0].err.code, MX_E_TLS, "not TLS: a TLS error");
    }
    mx_sim_free(out, 1);

    ts_cert_free(&rsa);
    ts_cert_free(&ecdsa);
    for (i = 0; i < NPEERS; i++)
        mx_peer_free(&peers[i]);
    return tap_done();
}
