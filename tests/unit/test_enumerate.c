/*
 * test_enumerate.c - the enumeration (enumerate.h) against OpenSSL
 * servers the test configures itself on 127.0.0.1 (tlsserver.h): the
 * table found must be the server's configuration, no more and no less.
 *
 *   A  TLS 1.2 only, three RSA suites in the server's order, P-256 then
 *      X25519: versions, the three suites in that order, server order,
 *      the two groups in that order, no fallback question (one version);
 *   B  TLS 1.2 and 1.3, client order, two suites per version, X25519 and
 *      P-384: client order found for both versions, TLS_FALLBACK_SCSV
 *      honoured;
 *   C  a server that closes every connection after the ClientHello:
 *      nothing accepted, and no verdict (the close is the error);
 *   D  A again, but refusing by closing the connection without an alert
 *      (as Dovecot does): the same table, closes recorded as such.
 *
 * The parallel connections and the number of connections are the
 * enumeration's business; only the results are checked.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "enumerate.h"
#include "registry.h"
#include "tap.h"
#include "tlsserver.h"

/* Print a list as a TAP diagnostic. */
static void
show(const char *what, const uint16_t *v, size_t n)
{
    size_t i;

    printf("#   %s:", what);
    for (i = 0; i < n; i++)
        printf(" %04X", v[i]);
    printf("\n");
}

/* The same codes in the same order. */
static int
same_list(const char *name, const uint16_t *got, size_t ngot,
          const uint16_t *want, size_t nwant)
{
    int ok = ngot == nwant && memcmp(got, want, ngot * sizeof(*got)) == 0;

    if (!tap_ok(ok, name)) {
        show("got ", got, ngot);
        show("want", want, nwant);
    }
    return ok;
}

/* The same codes in any order, each once. */
static int
same_set(const char *name, const uint16_t *got, size_t ngot,
         const uint16_t *want, size_t nwant)
{
    size_t i, j, hits = 0;
    int ok = ngot == nwant;

    for (i = 0; ok && i < nwant; i++) {
        for (j = 0, hits = 0; j < ngot; j++)
            hits += got[j] == want[i];
        ok = hits == 1;
    }
    if (!tap_ok(ok, name)) {
        show("got ", got, ngot);
        show("want", want, nwant);
    }
    return ok;
}

static int
run(int port, struct mx_enum *e)
{
    struct mx_enum_opts o;
    struct mx_target t;
    struct mx_error err;
    int rc;

    memset(&o, 0, sizeof(o));
    o.what = MX_ENUM_ALL;
    o.parallel = 8;
    ts_target(&t, port, 60);
    memset(e, 0, sizeof(*e));
    rc = mx_enumerate(&t, &o, e, &err);
    if (rc != 0)
        printf("# mx_enumerate: %s\n", err.msg);
    return rc;
}

static const char *
vstate(enum mx_vstate s)
{
    static const char *const names[] = {"not tested", "accepted", "refused",
                                        "error", "closed"};

    return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int
is_state(const struct mx_enum *e, uint16_t v, enum mx_vstate want)
{
    const struct mx_vresult *r = &e->v[mx_version_index(v)];
    char name[80];

    snprintf(name, sizeof(name), "%s %s", mx_version_name(v), vstate(want));
    if (!tap_ok(r->state == want, name))
        printf("#   got %s (%s%s)\n", vstate(r->state), r->detail, r->err.msg);
    return r->state == want;
}

static void
server_order(int port)
{
    static const uint16_t suites[] = {0xC030, 0xC02F, 0x002F};
    static const uint16_t groups[] = {0x0017, 0x001d};
    struct mx_enum e;
    const struct mx_vresult *v12 = &e.v[mx_version_index(MX_TLS12)];

    tap_is_int(run(port, &e), 0, "A: the enumeration ends with verdicts");
    tap_ok(e.v[0].state != MX_VS_ACCEPTED && e.v[0].state != MX_VS_ERROR,
           "A: SSLv2 not accepted");
    is_state(&e, MX_SSL3, MX_VS_REFUSED);
    is_state(&e, MX_TLS10, MX_VS_REFUSED);
    is_state(&e, MX_TLS11, MX_VS_REFUSED);
    is_state(&e, MX_TLS12, MX_VS_ACCEPTED);
    is_state(&e, MX_TLS13, MX_VS_REFUSED);
    tap_is_int(v12->verified, 1, "A: TLS 1.2 verified by a handshake");
    same_list("A: the server's suites, in its order", v12->suites, v12->nsuites,
              suites, 3);
    tap_is_int(v12->suites_complete, 1, "A: the suite chains ended refused");
    tap_is_int(v12->order, 1, "A: the server's order decides");
    same_list("A: the server's groups, in its order", v12->groups, v12->ngroups,
              groups, 2);
    tap_is_int(v12->ngroups > 0 ? v12->groups_complete : 0, 1,
               "A: the group chain ended refused");
    tap_is_int(e.fallback, -1, "A: no fallback question with one version");
    tap_is_int(e.errors, 0, "A: no probe without a verdict");
    tap_is_int(e.closed, 0, "A: no probe closed");
}

static void
client_order(int port)
{
    static const uint16_t s12[] = {0xC02B, 0xC009};
    static const uint16_t s13[] = {0x1302, 0x1301};
    static const uint16_t groups[] = {0x001d, 0x0018};
    struct mx_enum e;
    const struct mx_vresult *v12 = &e.v[mx_version_index(MX_TLS12)];
    const struct mx_vresult *v13 = &e.v[mx_version_index(MX_TLS13)];

    tap_is_int(run(port, &e), 0, "B: the enumeration ends with verdicts");
    is_state(&e, MX_TLS11, MX_VS_REFUSED);
    is_state(&e, MX_TLS12, MX_VS_ACCEPTED);
    is_state(&e, MX_TLS13, MX_VS_ACCEPTED);
    same_set("B: the TLS 1.2 suites", v12->suites, v12->nsuites, s12, 2);
    same_set("B: the TLS 1.3 suites", v13->suites, v13->nsuites, s13, 2);
    tap_is_int(v12->order, 0, "B: TLS 1.2 in the client's order");
    tap_is_int(v13->order, 0, "B: TLS 1.3 in the client's order");
    same_set("B: the TLS 1.2 groups", v12->groups, v12->ngroups, groups, 2);
    same_set("B: the TLS 1.3 groups", v13->groups, v13->ngroups, groups, 2);
    tap_is_int(e.fallback, 1, "B: TLS_FALLBACK_SCSV honoured");
    tap_is_int(e.fallback_closes, 0, "B: ... by alert, not by a close");
    tap_is_int(e.errors, 0, "B: no probe without a verdict");
}

/* C: closes every connection after the ClientHello. enumerate.c
 * (every_close) takes a server that closes every complete handshake at
 * every TLS version as failing TLS as such: the TLS versions have no
 * verdict (the close is the error), SSLv2 and SSLv3 no answer. */
static void
closing(int port)
{
    struct mx_enum e;
    int i, accepted = 0;

    tap_is_int(run(port, &e), -1,
               "C: a server that closes everything: no verdict");
    for (i = 0; i < MX_NVERSIONS; i++)
        accepted += e.v[i].state == MX_VS_ACCEPTED;
    tap_is_int(accepted, 0, "C: nothing accepted");
    is_state(&e, MX_SSL2, MX_VS_CLOSED);
    is_state(&e, MX_SSL3, MX_VS_CLOSED);
    is_state(&e, MX_TLS10, MX_VS_ERROR);
    is_state(&e, MX_TLS13, MX_VS_ERROR);
    tap_is_int(e.v[mx_version_index(MX_TLS12)].err.code, MX_E_CLOSED,
               "C: the error is the close");
    tap_is_int(e.refusals, 0, "C: a close is not counted as a refusal");
    tap_ok(e.closed >= MX_NVERSIONS, "C: the closes are counted");
}

/* D: the configuration of A, but a failed handshake ends with a close
 * instead of an alert: the same table, with the ends marked closed. */
static void
closing_refusals(int port)
{
    static const uint16_t suites[] = {0xC030, 0xC02F, 0x002F};
    struct mx_enum e;
    const struct mx_vresult *v12 = &e.v[mx_version_index(MX_TLS12)];

    tap_is_int(run(port, &e), 0,
               "D: refusals by close: every probe gets its verdict");
    is_state(&e, MX_TLS12, MX_VS_ACCEPTED);
    is_state(&e, MX_TLS13, MX_VS_CLOSED);
    is_state(&e, MX_TLS11, MX_VS_CLOSED);
    is_state(&e, MX_TLS10, MX_VS_CLOSED);
    same_list("D: the server's suites, in its order", v12->suites, v12->nsuites,
              suites, 3);
    tap_ok(v12->closed_ends > 0 || v12->ncloses > 0,
           "D: the chains' ends recorded as closed");
    tap_is_int(v12->order, 1, "D: the server's order decides");
    tap_is_int(e.errors, 0, "D: no probe without a verdict");
    tap_ok(e.closed > 0, "D: the closes are counted");
}

int
main(void)
{
    struct ts_server sa, sb, sc, sd;
    struct ts_config ca, cb, cc, cd;
    struct ts_cert rsa, ecdsa;
    int ok;

    signal(SIGPIPE, SIG_IGN);
    ok = ts_cert_make(&rsa, "RSA", 2048, NULL, "rsa.test", NULL) == 0 &&
         ts_cert_make(&ecdsa, "EC", 0, "P-256", "ecdsa.test", NULL) == 0;
    if (!tap_ok(ok, "test certificates made"))
        return tap_done();

    memset(&ca, 0, sizeof(ca));
    ca.min_version = ca.max_version = TLS1_2_VERSION;
    ca.ciphers = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
                 "AES128-SHA";
    ca.server_pref = 1;
    ca.groups = "P-256:X25519";
    ca.certs[ca.ncerts++] = &rsa;

    memset(&cb, 0, sizeof(cb));
    cb.min_version = TLS1_2_VERSION;
    cb.max_version = TLS1_3_VERSION;
    cb.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA";
    cb.ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
    cb.groups = "X25519:P-384";
    cb.certs[cb.ncerts++] = &ecdsa;

    memset(&cc, 0, sizeof(cc));
    cc.mode = TS_CLOSE;

    ok = ts_start(&sa, &ca) == 0;
    ok = ts_start(&sb, &cb) == 0 && ok;
    ok = ts_start(&sc, &cc) == 0 && ok;
    cd = ca;
    cd.mode = TS_TLS_NOALERT;
    ok = ts_start(&sd, &cd) == 0 && ok;
    if (tap_ok(ok, "test servers on 127.0.0.1")) {
        server_order(sa.port);
        client_order(sb.port);
        closing(sc.port);
        closing_refusals(sd.port);
    }
    ts_stop(&sa);
    ts_stop(&sb);
    ts_stop(&sc);
    ts_stop(&sd);
    ts_cert_free(&rsa);
    ts_cert_free(&ecdsa);
    return tap_done();
}
