/*
 * certscan.c - certificate enumeration by elimination (see certscan.h).
 *
 * A certificate's "kind" is what an offer can exclude: below TLS 1.3 its
 * key type; in TLS 1.3 its key type and, for ECDSA, its curve. A round
 * that brings back a certificate already seen, or of a kind already
 * excluded, means the server ignored the exclusion: the round stops there
 * and s->note says so. Error contract: see certscan.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certscan.h"
#include "log.h"
#include "registry.h"

#define MAX_SUITES  512
#define MAX_SIGALGS 64

struct kind {
    enum mx_keytype type;
    uint16_t curve; /* 0 below TLS 1.3 */
};

struct scan {
    struct mx_target *t;
    const char *sni;
    struct mx_certscan *s;
    struct mx_lib_suite lib[MAX_SUITES];
    size_t nlib;
    struct kind found[MX_SCAN_MAX_CERTS * 2];
    size_t nfound;
    /* The server follows the client's order: every round after the
     * first ends on a certificate already seen (see pick_fallback). */
    int fallback;
    /* A round with the fallback brought back a new certificate of the
     * fallback's own choice (TLS 1.3, or the same class below it): the
     * server takes the first listed scheme it has a certificate for, so
     * the fallback answering means nothing else is there. */
    int scheme_order;
};

/*
 * Marker suites, offered first in the first probe: AES-128-GCM, which a
 * server that orders suites itself ranks below AES-256-GCM (OpenSSL's
 * default order, Postfix's @STRENGTH). The server follows the client's
 * order when it picks the marker of the class of the certificate it
 * presents.
 */
static const struct {
    uint16_t code;
    enum mx_sauth auth;
} markers[] = {
    {0x1301, MX_SAUTH_TLS13}, /* TLS_AES_128_GCM_SHA256 */
    {0xC02B, MX_SAUTH_ECDSA}, /* ECDHE-ECDSA-AES128-GCM-SHA256 */
    {0xC02F, MX_SAUTH_RSA},   /* ECDHE-RSA-AES128-GCM-SHA256 */
    {0x00A2, MX_SAUTH_DSS},   /* DHE-DSS-AES128-GCM-SHA256 */
};

static int
is_marker(uint16_t code)
{
    size_t i;

    for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (markers[i].code == code)
            return 1;
    return 0;
}

static int
kind_found(const struct scan *sc, enum mx_keytype type, uint16_t curve,
           int tls13)
{
    size_t i;

    for (i = 0; i < sc->nfound; i++)
        if (sc->found[i].type == type &&
            (!tls13 || type != MX_KEY_ECDSA || sc->found[i].curve == curve))
            return 1;
    return 0;
}

/* Can a server key of this type be chosen through a suite with auth a? */
static int
auth_serves(enum mx_sauth a, enum mx_keytype k)
{
    return a != MX_SAUTH_NULL && mx_keytype_sauth(k) == a;
}

/*
 * Build the offer of one round. phase 0: the first probe (everything, all
 * versions, marker suites first); 13: TLS 1.3 only; 12: below TLS 1.3,
 * suites of one authentication class only. Returns 0 when there is nothing
 * left to offer.
 *
 * Below TLS 1.3 a server picks the certificate from the suite it chose,
 * and only then looks at the signature schemes: an OpenSSL server with an
 * RSA certificate chooses an RSA suite even when none of the offered
 * schemes can sign with that key, and fails. So each class is asked on its
 * own, with the schemes of the key types in it that are still unseen.
 *
 * With the fallback (a server that follows the client's order), the
 * first certificate's scheme and, below TLS 1.3, its class's suites come
 * last: a server that has nothing unseen answers with that certificate
 * again instead of refusing, and the round ends with a complete handshake
 * (see fallback_ends for when that proves nothing is left). nofb: the
 * round asked again without the fallback.
 */
/*
 * The certificate a round falls back on, offered last: in TLS 1.3 the
 * first one found; below it one of the round's own class when there is
 * one (an OpenSSL server picks an RSA or DSA certificate from the suite
 * alone, so a class with a certificate seen must fall back on it), else
 * the first one. -1 when its signature scheme is unknown.
 */
static int
pick_fallback(const struct scan *sc, int phase, enum mx_sauth cls, int nofb)
{
    const struct mx_certscan *s = sc->s;
    const struct mx_sigalg *sa;
    size_t i, f = 0;

    if (phase == 0 || nofb || !sc->fallback || s->n == 0)
        return -1;
    if (phase == 12)
        for (i = s->n; i-- > 0;)
            if (mx_keytype_sauth(s->certs[i].info.type) == cls)
                f = i;
    sa = mx_sigalg_by_code(s->certs[f].sigalg);
    if (sa == NULL || sa->openssl == NULL || (phase == 13 && !sa->tls13) ||
        mx_keytype_sauth(s->certs[f].info.type) == MX_SAUTH_NULL)
        return -1;
    return (int)f;
}

static int
build_offer(const struct scan *sc, int phase, enum mx_sauth cls, int nofb,
            uint16_t *suites, uint16_t *sigalgs, struct mx_offer *o, int *fbi)
{
    const struct mx_sigalg *sa;
    size_t i, j, nsa, ns = 0, ng = 0;
    int k, any, fb = pick_fallback(sc, phase, cls, nofb);
    enum mx_sauth fbc = MX_SAUTH_NULL;

    memset(o, 0, sizeof(*o));
    o->sni = sc->sni;
    o->min_version = phase == 13 ? MX_TLS13 : MX_TLS10;
    o->max_version = phase == 12 ? MX_TLS12 : MX_TLS13;

    sa = mx_sigalgs(&nsa);
    for (i = 0; i < nsa && ng < MAX_SIGALGS - 1; i++) {
        if (sa[i].openssl == NULL)
            continue;
        if (phase == 13 &&
            (!sa[i].tls13 || kind_found(sc, sa[i].key, sa[i].curve, 1)))
            continue;
        if (phase == 12 &&
            (!auth_serves(cls, sa[i].key) || kind_found(sc, sa[i].key, 0, 0)))
            continue;
        sigalgs[ng++] = sa[i].code;
    }
    *fbi = -1;
    if (ng == 0)
        return 0;
    if (fb >= 0) {
        *fbi = fb;
        sigalgs[ng++] = sc->s->certs[fb].sigalg;
        fbc = mx_keytype_sauth(sc->s->certs[fb].info.type);
    }
    if (phase == 0)
        for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
            for (j = 0; j < sc->nlib; j++)
                if (sc->lib[j].code == markers[i].code)
                    suites[ns++] = markers[i].code;
    for (i = 0; i < sc->nlib; i++) {
        const struct mx_lib_suite *ls = &sc->lib[i];
        if (phase == 0 && is_marker(ls->code))
            continue;
        if (ls->auth == MX_SAUTH_TLS13) {
            if (phase != 12)
                suites[ns++] = ls->code;
            continue;
        }
        if (phase == 13 || (phase == 12 && ls->auth != cls))
            continue;
        for (any = 0, k = MX_KEY_RSA; k < MX_KEY_COUNT && !any; k++)
            any = auth_serves(ls->auth, (enum mx_keytype)k);
        if (any)
            suites[ns++] = ls->code;
    }
    if (fb >= 0 && phase == 12 && fbc != cls)
        for (i = 0; i < sc->nlib; i++)
            if (sc->lib[i].auth == fbc)
                suites[ns++] = sc->lib[i].code;
    if (ns == 0)
        return 0;
    o->suites = suites;
    o->nsuites = ns;
    o->sigalgs = sigalgs;
    o->nsigalgs = ng;
    return 1;
}

/* After the first certificate: does the server follow the client's order
 * (it chose the marker of its certificate's class)? */
static void
set_fallback(struct scan *sc)
{
    const struct mx_scanned_cert *c0 = &sc->s->certs[0];
    enum mx_sauth want = c0->version == MX_TLS13
                             ? MX_SAUTH_TLS13
                             : mx_keytype_sauth(c0->info.type);
    size_t i;

    for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (markers[i].auth == want)
            sc->s->client_order = markers[i].code == c0->suite_code;
    sc->fallback = sc->s->client_order;
    mx_log(1, "scan: the server %s the client's suite order%s",
           sc->s->client_order ? "follows" : "does not follow",
           sc->fallback ? "; later rounds end on the first certificate"
                        : "; later rounds end with a refusal");
}

/*
 * Does the fallback answering end the round? Below TLS 1.3 with a fallback
 * of another class, the suites decide, offered in the client's order which
 * the server follows: yes. Otherwise (TLS 1.3, or the same class) only
 * when the server showed that it takes the client's scheme order: a GnuTLS
 * server takes the first of its own certificates that any listed scheme
 * allows, and answers with the first certificate whenever its scheme is
 * listed, even last.
 */
static int
fallback_ends(const struct scan *sc, int phase, enum mx_sauth cls, int fbi)
{
    if (phase == 12 && mx_keytype_sauth(sc->s->certs[fbi].info.type) != cls)
        return 1;
    return sc->scheme_order;
}

/*
 * One round. Returns 1 when it found a new kind of certificate (go on),
 * 2 when the fallback answered but may hide another certificate (ask once
 * more without it, nofb), 0 when the round ends (refused, or no
 * progress), -1 on error.
 */
static int
round_once(struct scan *sc, int phase, enum mx_sauth cls, int nofb,
           struct mx_error *err)
{
    struct mx_certscan *s = sc->s;
    uint16_t suites[MAX_SUITES], sigalgs[MAX_SIGALGS];
    struct mx_probe_result r;
    struct mx_scanned_cert *sc_cert;
    struct mx_certinfo ci;
    struct mx_offer o;
    X509 *leaf;
    size_t i;
    int rc = 0, tls13, fbi;

    if (!build_offer(sc, phase, cls, nofb, suites, sigalgs, &o, &fbi)) {
        mx_log(2, "scan: nothing left to offer %s",
               phase == 13 ? "in TLSv1.3" : "below TLSv1.3");
        return 0;
    }
    if (s->stats.connections >= MX_SCAN_MAX_PROBES) {
        snprintf(s->note, sizeof(s->note), "stopped after %d connections",
                 MX_SCAN_MAX_PROBES);
        return 0;
    }
    mx_log(1, "scan: probe %d (%s, %zu suites, %zu signature schemes%s)",
           s->stats.connections + 1,
           phase == 0              ? "all versions"
           : phase == 13           ? "TLSv1.3"
           : cls == MX_SAUTH_RSA   ? "below TLSv1.3, RSA suites"
           : cls == MX_SAUTH_ECDSA ? "below TLSv1.3, ECDSA suites"
                                   : "below TLSv1.3, DSS suites",
           o.nsuites, o.nsigalgs,
           fbi >= 0 ? ", the fallback last"
           : nofb   ? ", without the fallback"
                    : "");
    if (mx_probe(sc->t, &o, &s->stats, &r, err) != 0) {
        mx_probe_result_free(&r);
        return -1;
    }
    if (phase == 0)
        s->first_handshake_ms = r.hs.ms;
    if (!r.hs.accepted) {
        s->refusals++;
        if (s->n == 0)
            snprintf(s->refusal, sizeof(s->refusal), "%s", r.hs.reason);
        goto out;
    }
    if (r.hs.chain == NULL || sk_X509_num(r.hs.chain) < 1) {
        snprintf(s->note, sizeof(s->note),
                 "a handshake completed without a server certificate");
        goto out;
    }
    leaf = sk_X509_value(r.hs.chain, 0);
    if (mx_certinfo_get(leaf, &ci, err) != 0) {
        rc = -1;
        goto out;
    }
    tls13 = r.hs.version == MX_TLS13;
    if (phase == 0)
        s->tls13 = tls13;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->certs[i].info.fingerprint, ci.fingerprint) == 0)
            break;
    if (fbi >= 0 && i == (size_t)fbi) {
        if (fallback_ends(sc, phase, cls, fbi)) {
            mx_log(1, "scan: the fallback answered: nothing more %s",
                   phase == 13 ? "in TLSv1.3" : "in this class");
        } else {
            mx_log(1, "scan: the fallback answered, but the server has not "
                      "shown that it takes the client's scheme order: "
                      "asking once more without it");
            rc = 2;
        }
        goto out;
    }
    if (i < s->n || kind_found(sc, ci.type, ci.curve, tls13)) {
        snprintf(s->note, sizeof(s->note),
                 "the server presented %s again although the offer "
                 "excluded it",
                 ci.label);
        mx_log(1, "scan: %s", s->note);
        if (i < s->n)
            goto out;
    }
    if (s->n < MX_SCAN_MAX_CERTS) {
        sc_cert = &s->certs[s->n++];
        sc_cert->chain = r.hs.chain;
        r.hs.chain = NULL;
        sc_cert->info = ci;
        sc_cert->version = r.hs.version;
        snprintf(sc_cert->suite, sizeof(sc_cert->suite), "%s", r.hs.suite_ossl);
        sc_cert->suite_code = r.hs.suite;
        sc_cert->sigalg = r.hs.sigalg;
        mx_log(1, "scan: found %s (%s)", ci.label, ci.subject);
    }
    if (fbi >= 0 && !sc->scheme_order &&
        (phase == 13 || mx_keytype_sauth(s->certs[fbi].info.type) == cls)) {
        sc->scheme_order = 1;
        mx_log(1, "scan: a scheme listed before the fallback's won: the "
                  "server takes the client's scheme order");
    }
    if (nofb && sc->fallback) {
        /* The fallback hid this certificate: the server chooses among its
         * own certificates, and a fallback can never end a round there. */
        sc->fallback = 0;
        mx_log(1, "scan: the fallback hid a certificate: later rounds end "
                  "with a refusal");
    }
    if (kind_found(sc, ci.type, ci.curve, tls13))
        goto out; /* no progress */
    if (sc->nfound < sizeof(sc->found) / sizeof(sc->found[0])) {
        sc->found[sc->nfound].type = ci.type;
        sc->found[sc->nfound].curve = ci.curve;
        sc->nfound++;
    }
    rc = 1;
out:
    mx_probe_result_free(&r);
    return rc;
}

/* The rounds of one phase (and class) until one ends: 0, or -1 on error. */
static int
rounds(struct scan *sc, int phase, enum mx_sauth cls, struct mx_error *err)
{
    int rc, nofb = 0;

    while ((rc = round_once(sc, phase, cls, nofb, err)) > 0)
        nofb = rc == 2;
    return rc;
}

int
mx_certscan(struct mx_target *t, const char *sni, struct mx_certscan *s,
            struct mx_error *err)
{
    static const enum mx_sauth classes[] = {MX_SAUTH_RSA, MX_SAUTH_ECDSA,
                                            MX_SAUTH_DSS};
    struct scan *sc;
    size_t i;
    int rc, n, result = -1;

    memset(s, 0, sizeof(*s));
    sc = calloc(1, sizeof(*sc));
    if (sc == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    sc->t = t;
    sc->sni = sni;
    sc->s = s;
    n = mx_tls_cert_suites(sc->lib, MAX_SUITES);
    if (n <= 0) {
        mx_error_set(err, MX_E_INTERNAL,
                     "the TLS library offers no usable cipher suites");
        goto out;
    }
    sc->nlib = (size_t)n;

    rc = round_once(sc, 0, MX_SAUTH_NULL, 0, err);
    if (rc <= 0) {
        result = rc == 0 ? 0 : -1;
        goto out;
    }
    set_fallback(sc);
    if (s->tls13 && rounds(sc, 13, MX_SAUTH_NULL, err) < 0)
        goto out;
    /* TLS 1.3 finds every key type but DSA: below it, only DSS is left. */
    for (i = s->tls13 ? 2 : 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (rounds(sc, 12, classes[i], err) < 0)
            goto out;
    result = 0;
out:
    free(sc);
    return result;
}

void
mx_certscan_free(struct mx_certscan *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->certs[i].chain != NULL)
            sk_X509_pop_free(s->certs[i].chain, X509_free);
    s->n = 0;
}
