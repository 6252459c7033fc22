/*
 * enum_suites.c - the suites of each accepted version by elimination
 * chains (the OpenSSL engine for the suites the library has, raw hellos
 * for the rest), and the order probe (see enumerate.h, enumerate.c).
 *
 * Error contract: as enumerate.c; a server that picks a suite it was not
 * offered gets an error that says so. Nothing here prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "enumerate_int.h"
#include "hello.h"
#include "log.h"
#include "registry.h"
#include "suites.h"
#include "text.h"

/* Would OpenSSL offer this suite alone at version v (a client without
 * PSK or SRP callbacks, security level 0)? Those it would not are asked
 * by the raw engine. */
static int
ossl_offers(uint16_t code, uint16_t v)
{
    const struct mx_suite *s = mx_suite_by_code(code);
    STACK_OF(SSL_CIPHER) * sk;
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    int ok = 0;

    if (s == NULL || s->openssl == NULL ||
        (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
        return 0;
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_min_proto_version(ctx, v) == 1 &&
        SSL_CTX_set_max_proto_version(ctx, v) == 1 &&
        (v == MX_TLS13 ? SSL_CTX_set_ciphersuites(ctx, s->openssl)
                       : SSL_CTX_set_cipher_list(ctx, s->openssl)) == 1 &&
        (ssl = SSL_new(ctx)) != NULL &&
        (sk = SSL_get1_supported_ciphers(ssl)) != NULL) {
        ok = sk_SSL_CIPHER_num(sk) > 0;
        sk_SSL_CIPHER_free(sk);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

/* Suite chains of a version: the universe split into chunks. */
void
en_start_suite_chains(struct ctx *c, int vi)
{
    uint16_t *all = c->scratch;
    struct mx_vresult *r = &c->e->v[vi];
    size_t n, i, nchains, per;
    struct job *j;

    n = en_universe(c, vi, all, MX_ENUM_MAX_SUITES);
    if (r->chosen != 0) {
        mx_code_add(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, r->chosen);
        en_remove_code(all, &n, r->chosen);
    }
    r->suites_complete = 1; /* until a chain fails */
    if (c->tlsv && vi >= TLSV_LO && r->verified) {
        /* the library's suites by complete handshakes, one chain; the
         * raw chains below get the rest */
        j = en_new_job(c, J_SUITES, vi);
        if (j == NULL) {
            c->failed = 1;
            return;
        }
        j->ossl = 1;
        for (i = 0, per = 0; i < n; i++)
            if (mx_suite_in_library(all[i]) &&
                ossl_offers(all[i], en_version_codes[vi]))
                j->lib[j->nlib++] = all[i];
            else
                all[per++] = all[i];
        n = per;
        if (j->nlib > 0) {
            j->nwin = j->nlib;
            en_build_ossl(j, j->lib, j->nwin);
            c->pending_suites[vi]++;
            en_queue(c, j);
        }
    }
    nchains = (n + MX_ENUM_CHUNK - 1) / MX_ENUM_CHUNK;
    if (nchains == 0) {
        if (c->pending_suites[vi] == 0)
            r->suites_complete = 1;
        return;
    }
    per = (n + nchains - 1) / nchains;
    for (i = 0; i < nchains; i++) {
        j = en_new_job(c, J_SUITES, vi);
        if (j == NULL) {
            c->failed = 1;
            return;
        }
        j->noffer = i * per + per <= n ? per : n - i * per;
        memcpy(j->offer, all + i * per, j->noffer * sizeof(uint16_t));
        if (en_build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
            c->failed = 1;
            return;
        }
        c->pending_suites[vi]++;
        en_queue(c, j);
    }
}

static void
order_probe(struct ctx *c, int vi)
{
    struct mx_vresult *r = &c->e->v[vi];
    struct job *j;

    if (r->nsuites < 2) {
        r->order = -1;
        return;
    }
    j = en_new_job(c, J_ORDER, vi);
    if (j == NULL) {
        c->failed = 1;
        return;
    }
    j->offer[0] = r->suites[1];
    j->offer[1] = r->suites[0];
    j->noffer = 2;
    if (en_ossl_can(c, vi, j->offer, 2)) {
        j->ossl = 1;
        en_build_ossl(j, j->offer, 2);
    } else if (en_build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) != 0) {
        c->failed = 1;
        return;
    }
    en_queue(c, j);
}

/* Does a suite share its key exchange with a suite known to close? */
static int
like_a_close(const struct mx_vresult *r, uint16_t code)
{
    const struct mx_suite *s = mx_suite_by_code(code), *t;
    size_t i;

    for (i = 0; s != NULL && i < r->ncloses; i++)
        if ((t = mx_suite_by_code(r->closes[i])) != NULL && t->kx == s->kx)
            return 1;
    return 0;
}

/*
 * Order an OpenSSL suite chain's candidates so that those sharing the key
 * exchange of a suite that made the server close come last, and offer the
 * others first; 1 when that narrows the offer. Only a hint: each suite is
 * still judged by what the server does with it.
 */
static int
kind_last(const struct mx_vresult *r, struct job *j)
{
    uint16_t tmp[MX_ENUM_MAX_SUITES];
    size_t i, n = 0, m;

    for (i = 0; i < j->nlib; i++)
        if (!like_a_close(r, j->lib[i]))
            tmp[n++] = j->lib[i];
    if (n == 0 || n == j->nlib)
        return 0;
    m = n;
    for (i = 0; i < j->nlib; i++)
        if (like_a_close(r, j->lib[i]))
            tmp[m++] = j->lib[i];
    memcpy(j->lib, tmp, j->nlib * sizeof(*tmp));
    j->nwin = n;
    return 1;
}

/*
 * The next step of an OpenSSL suite chain; 1 when a task was queued.
 * The chain offers the first nwin of its candidates. An accepted suite is
 * noted and removed; a refusal (an alert) of the whole set ends the chain,
 * of a narrowed window removes the window's suites (refused) and offers
 * the rest again. A close (or reset, or timeout) is no verdict: asked once
 * more on a fresh connection after a pause, and when it closes again, the
 * window is halved: the server picks from what is offered, so halving
 * finds the suites whose choice makes it close (a server that cannot use
 * a suite it is configured with, such as DHE without DH parameters).
 * Such a suite is noted in closes, neither accepted nor refused, and the
 * chain goes on with the rest.
 */
static int
ossl_suites_next(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_handshake *hs = &j->task.hs;
    struct mx_error err;

    if (j->task.rc != 0 && j->retried) {
        /* no handshake at all, twice: no verdict */
        en_note_error(c, j, &j->task.err);
        r->suites_complete = 0;
        return 0;
    }
    if (j->task.rc == 0 && hs->accepted &&
        mx_code_listed(j->lib, j->nwin, hs->suite)) {
        mx_code_add(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, hs->suite);
        en_remove_code(j->lib, &j->nlib, hs->suite);
        j->nwin--;
        j->retried = 0;
    } else if (j->task.rc == 0 && hs->accepted) {
        mx_error_set(&err, MX_E_TLS, "%s: chose a suite not offered",
                     j->task.addr);
        en_note_error(c, j, &err);
        r->suites_complete = 0;
        return 0;
    } else if (j->task.rc == 0 && !hs->closed) {
        c->e->refusals++;
        j->retried = 0;
        if (j->nwin == j->nlib)
            return 0; /* every candidate refused */
        /* the window refused: its suites are not accepted */
        memmove(j->lib, j->lib + j->nwin,
                (j->nlib - j->nwin) * sizeof(*j->lib));
        j->nlib -= j->nwin;
        j->nwin = 0;
    } else if (!j->retried && !(j->confirmed && j->task.rc == 0)) {
        /* a close, a reset or a timeout: ask again once */
        mx_log(1, "enumerate: %s: %s; asked again", j->task.addr,
               j->task.rc != 0 ? j->task.err.msg : hs->reason);
        j->retried = 1;
        if (c->failed)
            return 0;
        en_build_ossl(j, j->lib, j->nwin);
        en_queue_later(c, j);
        return 1;
    } else if (j->nwin == 1) {
        /* this suite alone makes the server close */
        mx_log(1, "enumerate: %s closes when it picks %s", j->task.addr,
               mx_suite_name(j->lib[0]));
        mx_code_add(r->closes, &r->ncloses, MX_ENUM_MAX_SUITES, j->lib[0]);
        en_remove_code(j->lib, &j->nlib, j->lib[0]);
        j->nwin = 0;
        j->retried = 0;
        j->confirmed = 1;
    } else if (j->nwin == j->nlib && kind_last(r, j)) {
        /* first the candidates unlike those that made it close */
    } else if (j->confirmed && j->nwin == j->nlib) {
        /* every candidate left, offered together, closes, on a server
         * known to close: each would be isolated by halving anyway (and
         * named in closes), so each is asked alone from here, once */
        mx_log(1,
               "enumerate: %s closes on the %zu suites left; each asked "
               "alone",
               j->task.addr, j->nlib);
        j->singles = 1;
    } else {
        j->nwin /= 2;
        /* a halved offer that closes is halved again; one suite alone
         * is asked twice before it counts */
        j->retried = j->nwin > 1;
    }
    if (j->nwin == 0) {
        j->nwin = j->nlib;
        j->retried = 0;
    }
    if (j->singles && j->nlib > 0)
        j->nwin = 1;
    if (j->nlib == 0 || c->failed)
        return 0;
    en_build_ossl(j, j->lib, j->nwin);
    en_queue(c, j);
    return 1;
}

/* A raw suite chain over suites (n of them) at version vi. */
static int
raw_suite_chain(struct ctx *c, int vi, const uint16_t *suites, size_t n,
                int ec_only)
{
    struct job *j;
    size_t i, k;

    for (i = 0; i < n; i += k) {
        k = n - i < MX_ENUM_CHUNK ? n - i : MX_ENUM_CHUNK;
        j = en_new_job(c, J_SUITES, vi);
        if (j == NULL)
            return -1;
        memcpy(j->offer, suites + i, k * sizeof(*suites));
        j->noffer = k;
        j->ec_only = ec_only;
        if (en_build_suites(j) != 0)
            return -1;
        c->pending_suites[vi]++;
        en_queue(c, j);
    }
    return 0;
}

/*
 * DHE and the groups of the hello. A GnuTLS server decides whether it
 * serves DHE at all by the FFDHE groups the client lists, not by the
 * suite: without DH parameters of its own (Exim's tls_dhparam = none) it
 * serves DHE only to a client listing an RFC 7919 group it allows; with
 * its own parameters and the RFC 7919 groups removed from its priority
 * string, only to a client listing none. The OpenSSL engine's hellos list
 * no FFDHE group (OpenSSL 3.0 below TLS 1.3), the raw engine's list all
 * five. So when the suite chains of a version have ended with suites
 * accepted but no DHE suite among them, the DHE suites that remain, with
 * an authentication the server was seen to use (an RSA suite accepted for
 * DHE-RSA), are asked once more by raw chains with the other kind of
 * hello: those the OpenSSL engine asked, with a hello listing every FFDHE
 * group; those the raw engine asked, with one listing only elliptic-curve
 * groups. A suite accepted by either kind is accepted. A version that
 * got one DHE suite needs none of this (the server's choice does not
 * depend on the suite), so a server that serves DHE, or that has no
 * suite of the authentication DHE would need, costs no connection more;
 * nor does one that answered suites by closing the connection (Dovecot
 * without DH parameters closes when it picks DHE: a second ask would
 * only close again). 1 when chains were queued.
 */
static int
dhe_again(struct ctx *c, int vi)
{
    struct mx_vresult *r = &c->e->v[vi];
    uint16_t *all = c->scratch, ff[MX_ENUM_MAX_SUITES], ec[MX_ENUM_MAX_SUITES];
    const struct mx_suite *s, *t;
    size_t n, i, k, nff = 0, nec = 0;
    uint16_t v = en_version_codes[vi];
    int ossl_chain, auth_seen;

    if (c->dhe_asked[vi] || c->failed || v < MX_TLS10 || v > MX_TLS12 ||
        r->nsuites == 0 || r->ncloses > 0 || r->closed_ends > 0)
        return 0;
    c->dhe_asked[vi] = 1;
    for (i = 0; i < r->nsuites; i++)
        if ((s = mx_suite_by_code(r->suites[i])) != NULL && s->kx == MX_KX_DHE)
            return 0;
    ossl_chain = c->tlsv && vi >= TLSV_LO && r->verified;
    n = en_universe(c, vi, all, MX_ENUM_MAX_SUITES);
    for (i = 0; i < n; i++) {
        s = mx_suite_by_code(all[i]);
        if (s == NULL || s->kx != MX_KX_DHE ||
            mx_code_listed(r->closes, r->ncloses, all[i]))
            continue;
        for (k = 0, auth_seen = 0; k < r->nsuites && !auth_seen; k++)
            auth_seen = (t = mx_suite_by_code(r->suites[k])) != NULL &&
                        t->auth == s->auth;
        if (!auth_seen)
            continue;
        if (ossl_chain && mx_suite_in_library(all[i]) && ossl_offers(all[i], v))
            ff[nff++] = all[i];
        else
            ec[nec++] = all[i];
    }
    if (nff + nec == 0)
        return 0;
    mx_log(1,
           "enumerate: %s: no DHE suite accepted; %zu asked again with FFDHE "
           "groups listed, %zu with none",
           mx_version_name(v), nff, nec);
    if (raw_suite_chain(c, vi, ff, nff, 0) != 0 ||
        raw_suite_chain(c, vi, ec, nec, 1) != 0) {
        c->failed = 1;
        return c->pending_suites[vi] > 0;
    }
    return 1;
}

void
en_suites_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    struct mx_error err;
    char detail[160];
    int rc = -1;

    if (j->ossl) {
        if (ossl_suites_next(c, j))
            return;
        goto chain_end;
    }
    if (en_closed_probe(j)) {
        /* no answer to the suites left: asked again once; closed again,
         * the chain ends there, and says so */
        if (!j->again && !c->failed) {
            mx_log(1, "enumerate: %s: %s; asked again", j->task.addr,
                   en_closed_why(j));
            j->again = 1;
            if (en_build_suites(j) == 0) {
                en_queue_later(c, j);
                return;
            }
            c->failed = 1;
        }
        r->closed_ends++;
        goto chain_end;
    }
    j->again = 0;
    if (j->task.rc != 0) {
        en_note_error(c, j, &j->task.err);
        r->suites_complete = 0;
    } else {
        rc = en_judge(j, j->offer, j->noffer, detail, sizeof(detail), &err);
        if (rc < 0) {
            en_note_error(c, j, &err);
            r->suites_complete = 0;
        }
    }
    if (rc == 0)
        c->e->refusals++;
    if (rc == 1) {
        mx_code_add(r->suites, &r->nsuites, MX_ENUM_MAX_SUITES, f->suite);
        if (f->dh_bits > 0)
            r->dh_bits = f->dh_bits;
        en_remove_code(j->offer, &j->noffer, f->suite);
        if (j->noffer > 0 && !c->failed && en_build_suites(j) == 0) {
            en_queue(c, j);
            return;
        }
    }
chain_end:
    if (--c->pending_suites[j->vi] > 0)
        return;
    if (dhe_again(c, j->vi))
        return;
    /* every chain of this version has ended */
    if (c->o->what & MX_ENUM_ORDER)
        order_probe(c, j->vi);
    if (c->o->what & MX_ENUM_GROUPS)
        en_start_groups(c, j->vi);
}

void
en_order_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    struct mx_error err;
    char detail[160];

    r->order = -1;
    if (en_closed_probe(j)) {
        if (!j->again && !c->failed) {
            j->again = 1;
            if (j->ossl)
                en_build_ossl(j, j->offer, 2);
            if (j->ossl || en_build(j, NULL, 0, MX_FLIGHT_STOP_HELLO) == 0) {
                en_queue_later(c, j);
                return;
            }
            c->failed = 1;
        }
        r->order_closed = 1;
        return;
    }
    if (j->task.rc != 0) {
        en_note_error(c, j, &j->task.err);
        return;
    }
    if (j->ossl) {
        if (j->task.hs.accepted)
            r->order = j->task.hs.suite == j->offer[1] ? 1 : 0;
        else if (!j->task.hs.closed)
            c->e->refusals++;
        return;
    }
    switch (en_judge(j, j->offer, 2, detail, sizeof(detail), &err)) {
    case 1:
        r->order = j->task.raw.flight->suite == j->offer[1] ? 1 : 0;
        break;
    case 0:
        c->e->refusals++;
        break;
    default:
        break;
    }
}
