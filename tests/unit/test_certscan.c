/*
 * test_certscan.c - the certificate scan (certscan.h) against OpenSSL
 * servers the test makes on 127.0.0.1 (tlsserver.h) with one, two and
 * three certificates: every certificate is found, each once, and it is
 * the one the server holds; the scan's connections are the ones the
 * server counted, and few (about one per certificate, plus the proof
 * that nothing is left). The refusals certscan.h promises: one for a
 * single certificate (the proof that it is alone), none for a dual one
 * that follows the client's order.
 *
 *   single  RSA, TLS 1.2 and 1.3
 *   dual    RSA + ECDSA P-256, TLS 1.2 and 1.3
 *   triple  RSA + ECDSA P-256 + Ed25519, TLS 1.2 and 1.3
 *   dual12  RSA + ECDSA P-384, TLS 1.2 only, the server's order (the
 *           class-by-class scan)
 *   none    a server that refuses every offer (the library's DEFAULT
 *           list without one suite it can use: anonymous suites only)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "certscan.h"
#include "registry.h"
#include "tap.h"
#include "tlsserver.h"

/* How many of the scan's certificates are this one (by the leaf). */
static int
found(const struct mx_certscan *s, X509 *want)
{
    size_t i;
    int n = 0;

    for (i = 0; i < s->n; i++)
        if (s->certs[i].chain != NULL && sk_X509_num(s->certs[i].chain) > 0 &&
            X509_cmp(sk_X509_value(s->certs[i].chain, 0), want) == 0)
            n++;
    return n;
}

/* Scan the server of cfg and check it against the certificates it holds;
 * tls13 is whether it speaks TLS 1.3. */
static void
scan(const char *name, const struct ts_config *cfg, int tls13, int refusals)
{
    struct ts_server srv;
    struct mx_certscan s;
    struct mx_target t;
    struct mx_error err;
    char what[160];
    size_t i;
    int rc, all = 1;

    memset(&s, 0, sizeof(s));
    snprintf(what, sizeof(what), "%s: a server on 127.0.0.1", name);
    if (!tap_ok(ts_start(&srv, cfg) == 0, what))
        return;
    ts_target(&t, srv.port, 30);
    rc = mx_certscan(&t, NULL, &s, &err);
    snprintf(what, sizeof(what), "%s: the scan runs to its end", name);
    if (!tap_is_int(rc, 0, what))
        printf("#   %s\n", err.msg);
    snprintf(what, sizeof(what), "%s: as many certificates as the server has",
             name);
    tap_is_int((long long)s.n, (long long)cfg->ncerts, what);
    for (i = 0; i < cfg->ncerts; i++) {
        if (found(&s, cfg->certs[i]->cert) != 1) {
            all = 0;
            printf("#   the %s certificate was found %d times\n",
                   EVP_PKEY_get0_type_name(cfg->certs[i]->key),
                   found(&s, cfg->certs[i]->cert));
        }
    }
    snprintf(what, sizeof(what), "%s: each of the server's certificates once",
             name);
    tap_ok(all, what);
    snprintf(what, sizeof(what), "%s: TLS 1.3 seen as %s", name,
             tls13 ? "spoken" : "not spoken");
    tap_is_int(s.tls13, tls13, what);
    (void)ts_settle(&srv);
    snprintf(what, sizeof(what),
             "%s: the scan counts the connections the server took", name);
    tap_is_int(s.stats.connections, srv.counts->connections, what);
    snprintf(what, sizeof(what),
             "%s: at most two connections per certificate, plus two", name);
    if (!tap_ok(s.stats.connections <= 2 * (int)cfg->ncerts + 2, what))
        printf("#   %d connections\n", s.stats.connections);
    snprintf(what, sizeof(what),
             "%s: the refusals counted are the server's failed handshakes",
             name);
    tap_is_int(s.refusals, srv.counts->failed, what);
    if (refusals >= 0) {
        snprintf(what, sizeof(what), "%s: %d refused handshake%s", name,
                 refusals, refusals == 1 ? "" : "s");
        tap_is_int(s.refusals, refusals, what);
    }
    printf("# %s: %d connections, %d refused, %d completed\n", name,
           s.stats.connections, srv.counts->failed, srv.counts->completed);
    mx_certscan_free(&s);
    ts_stop(&srv);
}

/* A server whose every handshake fails: n = 0 and the refusal said. */
static void
refusing(const struct ts_config *cfg)
{
    struct ts_server srv;
    struct mx_certscan s;
    struct mx_target t;
    struct mx_error err;

    memset(&s, 0, sizeof(s));
    if (!tap_ok(ts_start(&srv, cfg) == 0, "none: a server on 127.0.0.1"))
        return;
    ts_target(&t, srv.port, 30);
    tap_is_int(mx_certscan(&t, NULL, &s, &err), 0,
               "none: a refusal of everything is the scan's end");
    tap_is_int((long long)s.n, 0, "none: no certificate");
    tap_ok(strstr(s.refusal, "alert") != NULL,
           "none: the refusal says how (an alert)");
    if (s.refusal[0] != '\0')
        printf("#   %s\n", s.refusal);
    mx_certscan_free(&s);
    ts_stop(&srv);
}

int
main(void)
{
    struct ts_cert rsa, ec256, ec384, ed;
    struct ts_config c;
    int ok;

    signal(SIGPIPE, SIG_IGN);
    ok = ts_cert_make(&rsa, "RSA", 2048, NULL, "rsa.test", NULL) == 0 &&
         ts_cert_make(&ec256, "EC", 0, "P-256", "p256.test", NULL) == 0 &&
         ts_cert_make(&ec384, "EC", 0, "P-384", "p384.test", NULL) == 0 &&
         ts_cert_make(&ed, "ED25519", 0, NULL, "ed25519.test", NULL) == 0;
    if (!tap_ok(ok, "test certificates made"))
        return tap_done();

    memset(&c, 0, sizeof(c));
    c.min_version = TLS1_2_VERSION;
    c.certs[c.ncerts++] = &rsa;
    scan("single", &c, 1, 1); /* the proof that it is alone */

    c.certs[c.ncerts++] = &ec256;
    scan("dual", &c, 1, 0); /* the client's order ends rounds */

    c.certs[c.ncerts++] = &ed;
    scan("triple", &c, 1, 0);

    memset(&c, 0, sizeof(c));
    c.min_version = c.max_version = TLS1_2_VERSION;
    c.server_pref = 1;
    c.certs[c.ncerts++] = &rsa;
    c.certs[c.ncerts++] = &ec384;
    scan("dual12", &c, 0, -1);

    memset(&c, 0, sizeof(c));
    c.min_version = c.max_version = TLS1_2_VERSION;
    c.ciphers = "aNULL";
    c.certs[c.ncerts++] = &rsa;
    refusing(&c);

    ts_cert_free(&rsa);
    ts_cert_free(&ec256);
    ts_cert_free(&ec384);
    ts_cert_free(&ed);
    return tap_done();
}
