/*
 * test_tlsengine.c - the two handshake engines against OpenSSL servers
 * the test makes itself on 127.0.0.1 (tlsserver.h): the OpenSSL engine
 * (tlsengine.h), driven here by its own poll() loop, and the raw engine
 * (rawtls.h) sending ClientHellos built by offer.h.
 *
 * Each engine: an accepted offer with the version, suite and group the
 * server was configured to take, the certificate chain it presents
 * (leaf and issuer, compared with the certificates made here), a refusal
 * by alert, a server that closes, one that resets, one that answers with
 * text. The deadline is the caller's (tlsengine.h): a server that never
 * answers is asked through the scheduler, whose run must end with a
 * timeout that says so, for either engine.
 */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "offer.h"
#include "probe.h"
#include "rawtls.h"
#include "registry.h"
#include "scheduler.h"
#include "tap.h"
#include "tlsengine.h"
#include "tlsserver.h"

#define NO_VERDICT (-2) /* the test's own bound passed: no verdict */

static struct mx_shares shares;

/*
 * The offers of this file, for either engine: versions vmin..vmax (0: the
 * library's), suites, groups (NULL: defaults). For the raw engine the
 * offer is encoded as a real client's ClientHello into out.
 */
struct offer {
    uint16_t vmin, vmax;
    const uint16_t *suites;
    size_t nsuites;
    const uint16_t *groups;
    size_t ngroups;
};

static struct mx_offer
offer_of(const struct offer *w)
{
    struct mx_offer o;

    memset(&o, 0, sizeof(o));
    o.min_version = w->vmin;
    o.max_version = w->vmax;
    o.suites = w->suites;
    o.nsuites = w->nsuites;
    o.groups = w->groups;
    o.ngroups = w->ngroups;
    return o;
}

static int
raw_offer(const struct offer *w, uint8_t *out, size_t cap, size_t *len)
{
    struct mx_offer o = offer_of(w); /* one offer type for both engines */
    struct mx_error err;

    if (mx_offer_hello(&shares, &o, out, cap, len, &err) != 0) {
        printf("# mx_offer_hello: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* A connected socket to 127.0.0.1:port. 0 or -1. */
static int
dial(struct mx_conn *c, int port)
{
    struct mx_addr a[MX_MAX_ADDRS];
    struct mx_error err;
    struct pollfd p;
    size_t n = 0;
    int rc;

    mx_conn_init(c);
    if (mx_resolve("127.0.0.1", port, AF_INET, mx_deadline_in(5), a, &n,
                   &err) != 0 ||
        n == 0)
        return -1;
    rc = mx_conn_connect(c, &a[0], port, &err);
    if (rc == MX_AGAIN) {
        p.fd = c->fd;
        p.events = POLLOUT;
        if (poll(&p, 1, 10000) == 1)
            rc = mx_conn_connected(c, &err);
        else
            rc = -1;
    }
    if (rc != MX_DONE) {
        printf("# connect: %s\n", err.msg);
        mx_conn_close(c);
        return -1;
    }
    return 0;
}

/* One handshake on the OpenSSL engine: what mx_tls_step returned last
 * (MX_DONE or -1), or NO_VERDICT. hs is set up in any case. */
static int
tls_run(int port, const struct offer *w, struct mx_handshake *hs,
        struct mx_error *err)
{
    struct mx_offer o = offer_of(w);
    struct mx_tls_run run;
    struct mx_conn c;
    struct pollfd p;
    int rc;

    mx_handshake_init(hs);
    mx_error_clear(err);
    if (dial(&c, port) != 0)
        return NO_VERDICT;
    if (mx_tls_start(&run, &c, &o, hs, err) != 0) {
        mx_conn_close(&c);
        return -1;
    }
    while ((rc = mx_tls_step(&run, &c, hs, err)) == MX_AGAIN) {
        p.fd = c.fd;
        p.events = c.want;
        if (poll(&p, 1, 20000) != 1) {
            mx_tls_abort(&run);
            rc = NO_VERDICT;
            break;
        }
    }
    mx_conn_close(&c);
    return rc;
}

/* One ClientHello on the raw engine: what mx_raw_step returned last, or
 * NO_VERDICT. r holds the flight (free it with mx_raw_result_free). */
static int
raw_run(int port, const uint8_t *hello, size_t len, const struct offer *w,
        int stop, struct mx_raw_result *r, struct mx_error *err)
{
    struct mx_raw_run run;
    struct mx_conn c;
    struct pollfd p;
    int rc;

    memset(r, 0, sizeof(*r));
    mx_error_clear(err);
    if (dial(&c, port) != 0)
        return NO_VERDICT;
    if (mx_raw_start(&run, hello, len, stop, w->suites, w->nsuites, err) != 0) {
        mx_conn_close(&c);
        return -1;
    }
    while ((rc = mx_raw_step(&run, &c, r, err)) == MX_AGAIN) {
        p.fd = c.fd;
        p.events = c.want;
        if (poll(&p, 1, 20000) != 1) {
            rc = NO_VERDICT;
            break;
        }
    }
    mx_raw_abort(&run);
    mx_conn_close(&c);
    return rc;
}

static int
same_cert(STACK_OF(X509) * chain, int i, X509 *want)
{
    return chain != NULL && sk_X509_num(chain) > i &&
           X509_cmp(sk_X509_value(chain, i), want) == 0;
}

static int
contains(const char *s, const char *part)
{
    int ok = strstr(s, part) != NULL;

    if (!ok)
        printf("#   \"%s\" does not contain \"%s\"\n", s, part);
    return ok;
}

static struct ts_cert ca, rsa, ecdsa;

static const uint16_t ecdsa_gcm[] = {0xC02B, 0xC02C};
static const uint16_t rsa_gcm[] = {0xC02F};
static const uint16_t tls13_all[] = {0x1301, 0x1302, 0x1303};
static const uint16_t g_x25519_p384[] = {0x001d, 0x0018};
static const uint16_t g_x25519_p256_p384[] = {0x001d, 0x0017, 0x0018};
static const uint16_t g_p256[] = {0x0017};

/* S13: TLS 1.3 only, ChaCha20 only, P-384 only, an RSA leaf under a CA. */
static void
openssl_tls13(int port)
{
    struct offer w = {0, 0, NULL, 0, NULL, 0};
    struct mx_handshake hs;
    struct mx_error err;

    tap_is_int(tls_run(port, &w, &hs, &err), MX_DONE,
               "openssl engine: a verdict from a TLS 1.3 server");
    tap_is_int(hs.accepted, 1, "openssl engine: the open offer is accepted");
    tap_is_int(hs.version, MX_TLS13, "openssl engine: TLSv1.3 negotiated");
    tap_is_int(hs.suite, 0x1303, "openssl engine: the server's only suite");
    tap_is_str(hs.suite_iana, "TLS_CHACHA20_POLY1305_SHA256",
               "openssl engine: the suite's IANA name");
    tap_is_int(hs.group, 0x0018, "openssl engine: the server's only group");
    tap_is_str(hs.group_name, "P-384", "openssl engine: the group's name");
    tap_ok(hs.sigalg >= 0x0804 && hs.sigalg <= 0x0806,
           "openssl engine: an RSA-PSS signature in TLS 1.3");
    tap_is_int(hs.chain ? sk_X509_num(hs.chain) : 0, 2,
               "openssl engine: the chain has the leaf and the CA");
    tap_ok(same_cert(hs.chain, 0, rsa.cert),
           "openssl engine: the leaf is the server's certificate");
    tap_ok(same_cert(hs.chain, 1, ca.cert),
           "openssl engine: the second is the issuer");
    tap_is_int(hs.alert_recv, -1, "openssl engine: no alert on success");
    mx_handshake_free(&hs);
}

/* S12: TLS 1.2 only, two ECDSA suites in the server's order, X25519 and
 * P-256, a self-signed ECDSA P-256 leaf. */
static void
openssl_tls12(int port)
{
    struct offer w = {0, MX_TLS12, ecdsa_gcm, 2, NULL, 0};
    struct mx_handshake hs;
    struct mx_error err;
    int rc;

    rc = tls_run(port, &w, &hs, &err);
    tap_ok(rc == MX_DONE && hs.accepted == 1,
           "openssl engine: two ECDSA suites accepted by a TLS 1.2 server");
    tap_is_int(hs.version, MX_TLS12, "openssl engine: TLSv1.2 negotiated");
    tap_is_int(hs.suite, 0xC02C,
               "openssl engine: the server's preferred suite, not the "
               "client's first");
    tap_is_str(hs.suite_ossl, "ECDHE-ECDSA-AES256-GCM-SHA384",
               "openssl engine: the suite's OpenSSL name");
    tap_is_int(hs.group, 0x001d, "openssl engine: the server's first group");
    tap_is_int(hs.sigalg, 0x0403,
               "openssl engine: ecdsa_secp256r1_sha256 in the key exchange");
    tap_is_int(hs.chain ? sk_X509_num(hs.chain) : 0, 1,
               "openssl engine: a self-signed leaf alone");
    tap_ok(same_cert(hs.chain, 0, ecdsa.cert),
           "openssl engine: the ECDSA leaf presented");
    mx_handshake_free(&hs);

    w.groups = g_p256;
    w.ngroups = 1;
    rc = tls_run(port, &w, &hs, &err);
    tap_ok(rc == MX_DONE && hs.accepted && hs.group == 0x0017,
           "openssl engine: P-256 when the offer lists only P-256");
    mx_handshake_free(&hs);

    w.suites = rsa_gcm;
    w.nsuites = 1;
    w.groups = NULL;
    w.ngroups = 0;
    rc = tls_run(port, &w, &hs, &err);
    tap_is_int(rc, MX_DONE, "openssl engine: a refusal is a verdict");
    tap_is_int(hs.accepted, 0,
               "openssl engine: an RSA suite refused by an ECDSA server");
    tap_is_int(hs.alert_recv, 40, "openssl engine: alert handshake_failure");
    tap_is_int(hs.closed, 0, "openssl engine: refused by alert, not close");
    tap_ok(contains(hs.reason, "handshake_failure"),
           "openssl engine: the reason names the alert");
    tap_ok(hs.chain == NULL, "openssl engine: no chain when refused");
    mx_handshake_free(&hs);

    w.suites = NULL;
    w.nsuites = 0;
    w.vmax = MX_TLS11;
    rc = tls_run(port, &w, &hs, &err);
    tap_ok(rc == MX_DONE && hs.accepted == 0 && hs.alert_recv == 70,
           "openssl engine: TLS 1.1 refused with alert protocol_version");
    mx_handshake_free(&hs);
}

static void
openssl_misbehaving(int closing, int resetting, int garbage)
{
    struct offer w = {0, 0, NULL, 0, NULL, 0};
    struct mx_handshake hs;
    struct mx_error err;
    int rc;

    rc = tls_run(closing, &w, &hs, &err);
    tap_ok(rc == MX_DONE && hs.accepted == 0 && hs.closed == 1,
           "openssl engine: a close after the ClientHello is a refusal by "
           "close");
    tap_ok(contains(hs.reason, "closed"),
           "openssl engine: the reason says closed");
    mx_handshake_free(&hs);

    rc = tls_run(resetting, &w, &hs, &err);
    tap_ok(rc == MX_DONE && hs.accepted == 0 && hs.closed == 1,
           "openssl engine: a reset is a refusal by close too");
    tap_ok(contains(hs.reason, "reset"),
           "openssl engine: the reason says reset");
    mx_handshake_free(&hs);

    rc = tls_run(garbage, &w, &hs, &err);
    tap_is_int(rc, -1, "openssl engine: text instead of TLS is no verdict");
    tap_is_int(err.code, MX_E_TLS, "openssl engine: ... a TLS error");
    tap_ok(contains(err.msg, "does not speak TLS") &&
               contains(err.msg, "554 5"),
           "openssl engine: the error quotes what came back");
    mx_handshake_free(&hs);
}

static void
raw_engine(int p13, int p12, int closing, int resetting, int garbage)
{
    static uint8_t hello[16400];
    struct offer w = {MX_TLS12, MX_TLS13, tls13_all, 3, g_x25519_p384, 2};
    struct mx_raw_result r;
    struct mx_error err;
    char detail[200];
    unsigned char *der = NULL;
    size_t len;
    int n;

    /* TLS 1.3: a share for P-384 is in the hello */
    if (raw_offer(&w, hello, sizeof(hello), &len) != 0)
        return;
    tap_is_int(raw_run(p13, hello, len, &w, MX_FLIGHT_STOP_HELLO, &r, &err),
               MX_DONE, "raw engine: a verdict from a TLS 1.3 server");
    tap_is_int(r.flight ? (int)r.flight->verdict : -1, MX_V_SERVER_HELLO,
               "raw engine: a ServerHello");
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               1, "raw engine: judged accepted");
    tap_is_int(r.flight ? r.flight->version : 0, MX_TLS13,
               "raw engine: TLSv1.3 from supported_versions");
    tap_is_int(r.flight ? r.flight->suite : 0, 0x1303,
               "raw engine: the server's only suite");
    tap_is_int(r.flight ? r.flight->group : 0, 0x0018,
               "raw engine: the key share the server took");
    mx_raw_result_free(&r);

    /* no P-384 share: the server asks for one */
    w.groups = g_x25519_p256_p384;
    w.ngroups = 3;
    if (raw_offer(&w, hello, sizeof(hello), &len) != 0)
        return;
    raw_run(p13, hello, len, &w, MX_FLIGHT_STOP_HELLO, &r, &err);
    tap_ok(r.flight && r.flight->verdict == MX_V_HRR &&
               r.flight->hrr_group == 0x0018,
           "raw engine: a HelloRetryRequest for P-384");
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               1, "raw engine: a HelloRetryRequest inside the offer accepts");
    mx_raw_result_free(&r);

    /* TLS 1.2, read on to ServerHelloDone */
    w.vmin = MX_TLS12;
    w.vmax = MX_TLS12;
    w.suites = ecdsa_gcm;
    w.nsuites = 2;
    w.groups = NULL;
    w.ngroups = 0;
    if (raw_offer(&w, hello, sizeof(hello), &len) != 0)
        return;
    raw_run(p12, hello, len, &w, MX_FLIGHT_STOP_DONE, &r, &err);
    tap_ok(r.flight && r.flight->verdict == MX_V_SERVER_HELLO && r.flight->done,
           "raw engine: the TLS 1.2 flight read to ServerHelloDone");
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               1, "raw engine: TLS 1.2 judged accepted");
    tap_is_int(r.flight ? r.flight->suite : 0, 0xC02C,
               "raw engine: the server's preferred suite");
    tap_is_int(r.flight ? r.flight->group : 0, 0x001d,
               "raw engine: the ServerKeyExchange curve");
    tap_is_int(r.flight ? r.flight->ske_sigalg : 0, 0x0403,
               "raw engine: the ServerKeyExchange signature scheme");
    n = i2d_X509(ecdsa.cert, &der);
    tap_ok(r.flight && n > 0 && r.flight->leaf_len == (size_t)n &&
               memcmp(r.flight->leaf, der, (size_t)n) == 0,
           "raw engine: the leaf in the flight is the server's certificate");
    OPENSSL_free(der);
    mx_raw_result_free(&r);

    /* refused */
    w.suites = rsa_gcm;
    w.nsuites = 1;
    if (raw_offer(&w, hello, sizeof(hello), &len) != 0)
        return;
    raw_run(p12, hello, len, &w, MX_FLIGHT_STOP_HELLO, &r, &err);
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               0, "raw engine: an RSA suite refused by an ECDSA server");
    tap_is_str(detail, "alert handshake_failure",
               "raw engine: refused with alert handshake_failure");
    mx_raw_result_free(&r);

    /* misbehaving servers */
    tap_is_int(raw_run(closing, hello, len, &w, MX_FLIGHT_STOP_HELLO, &r, &err),
               MX_DONE, "raw engine: a close is a verdict");
    tap_ok(r.closed && !r.reset, "raw engine: ... seen as a close");
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               0, "raw engine: a close before answering refuses");
    tap_is_str(detail, "server closed the connection",
               "raw engine: the detail says closed");
    mx_raw_result_free(&r);

    raw_run(resetting, hello, len, &w, MX_FLIGHT_STOP_HELLO, &r, &err);
    tap_ok(r.reset, "raw engine: a reset seen as a reset");
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               0, "raw engine: a reset before answering refuses");
    tap_is_str(detail, "server reset the connection",
               "raw engine: the detail says reset");
    mx_raw_result_free(&r);

    raw_run(garbage, hello, len, &w, MX_FLIGHT_STOP_HELLO, &r, &err);
    tap_is_int(r.flight ? (int)r.flight->verdict : -1, MX_V_MALFORMED,
               "raw engine: text instead of TLS is malformed");
    tap_is_int(mx_raw_judge(&r, "127.0.0.1", w.suites, w.nsuites, w.vmin,
                            w.vmax, detail, sizeof(detail), &err),
               -1, "raw engine: ... and no verdict on the offer");
    tap_is_int(err.code, MX_E_TLS, "raw engine: ... a TLS error");
    mx_raw_result_free(&r);
}

/* The deadline is the caller's: through the scheduler, each engine. */
static void
deadlines(int ok13, int silent)
{
    static uint8_t hello[16400];
    struct offer w = {MX_TLS12, MX_TLS12, ecdsa_gcm, 2, NULL, 0};
    struct mx_offer o = offer_of(&w);
    struct mx_probe_result pr;
    struct mx_target t;
    struct mx_sched s;
    struct mx_task task;
    struct mx_error err;
    size_t len;
    int rc;

    /* a probe that completes, ended politely */
    w.vmin = w.vmax = 0;
    w.suites = NULL;
    w.nsuites = 0;
    o = offer_of(&w);
    ts_target(&t, ok13, 20);
    rc = mx_probe(&t, &o, NULL, &pr, &err);
    tap_ok(rc == 0 && pr.hs.accepted && pr.ended_cleanly,
           "probe: accepted and ended with close_notify");
    mx_probe_result_free(&pr);

    ts_target(&t, silent, 1);
    rc = mx_probe(&t, &o, NULL, &pr, &err);
    tap_is_int(rc, -1, "probe: a server that never answers gives no verdict");
    tap_is_int(err.code, MX_E_TIMEOUT, "probe: ... it is a timeout");
    tap_ok(contains(err.msg, "TLS handshake"),
           "probe: ... during the TLS handshake");
    mx_probe_result_free(&pr);

    w.vmin = w.vmax = MX_TLS12;
    w.suites = ecdsa_gcm;
    w.nsuites = 2;
    if (raw_offer(&w, hello, sizeof(hello), &len) != 0)
        return;
    ts_target(&t, silent, 1);
    mx_sched_init(&s, &t, 1);
    mx_task_init(&task);
    task.engine = MX_ENGINE_RAW;
    task.hello = hello;
    task.hello_len = len;
    task.stop = MX_FLIGHT_STOP_HELLO;
    task.offer.suites = w.suites;
    task.offer.nsuites = w.nsuites;
    mx_sched_add(&s, &task);
    (void)mx_sched_run(&s);
    tap_ok(task.rc == -1 && task.err.code == MX_E_TIMEOUT,
           "raw task: a server that never answers is a timeout");
    tap_ok(contains(task.err.msg, "answer to the ClientHello"),
           "raw task: ... waiting for the answer to the ClientHello");
    mx_task_free(&task);
}

int
main(void)
{
    struct ts_server s13, s12, sclose, sreset, sgarbage, ssilent;
    struct ts_config c13, c12, cbad;
    int ok;

    signal(SIGPIPE, SIG_IGN);
    ok = ts_cert_make(&ca, "RSA", 2048, NULL, "mxtls test CA", NULL) == 0 &&
         ts_cert_make(&rsa, "RSA", 2048, NULL, "rsa.test", &ca) == 0 &&
         ts_cert_make(&ecdsa, "EC", 0, "P-256", "ecdsa.test", NULL) == 0;
    if (!tap_ok(ok, "test certificates made"))
        return tap_done();

    memset(&c13, 0, sizeof(c13));
    c13.min_version = c13.max_version = TLS1_3_VERSION;
    c13.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
    c13.groups = "P-384";
    c13.certs[c13.ncerts++] = &rsa;

    memset(&c12, 0, sizeof(c12));
    c12.min_version = c12.max_version = TLS1_2_VERSION;
    c12.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256";
    c12.server_pref = 1;
    c12.groups = "X25519:P-256";
    c12.certs[c12.ncerts++] = &ecdsa;

    memset(&cbad, 0, sizeof(cbad));
    ok = ts_start(&s13, &c13) == 0;
    ok = ts_start(&s12, &c12) == 0 && ok;
    cbad.mode = TS_CLOSE;
    ok = ts_start(&sclose, &cbad) == 0 && ok;
    cbad.mode = TS_RESET;
    ok = ts_start(&sreset, &cbad) == 0 && ok;
    cbad.mode = TS_GARBAGE;
    ok = ts_start(&sgarbage, &cbad) == 0 && ok;
    cbad.mode = TS_SILENT;
    ok = ts_start(&ssilent, &cbad) == 0 && ok;
    if (tap_ok(ok, "test servers on 127.0.0.1")) {
        openssl_tls13(s13.port);
        openssl_tls12(s12.port);
        openssl_misbehaving(sclose.port, sreset.port, sgarbage.port);
        raw_engine(s13.port, s12.port, sclose.port, sreset.port, sgarbage.port);
        deadlines(s13.port, ssilent.port);
    }
    ts_stop(&s13);
    ts_stop(&s12);
    ts_stop(&sclose);
    ts_stop(&sreset);
    ts_stop(&sgarbage);
    ts_stop(&ssilent);
    ts_cert_free(&rsa);
    ts_cert_free(&ecdsa);
    ts_cert_free(&ca);
    return tap_done();
}
