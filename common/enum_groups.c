/*
 * enum_groups.c - the groups of each accepted version by elimination
 * chains (the OpenSSL engine for the groups the library has, raw hellos
 * for the rest), anchored on the groups found when a chain is refused
 * early (see enumerate.h, enumerate.c).
 *
 * Error contract: as enumerate.c; a group the server was not offered is
 * an error that says so. Nothing here prints.
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

/* A suite below TLS 1.3 whose ServerKeyExchange names a curve: ECDHE,
 * and ECDH_anon (ephemeral too, despite its name). */
static int
curve_kx(const struct mx_suite *s)
{
    return s != NULL && (s->kx == MX_KX_ECDHE ||
                         (s->kx == MX_KX_ECDH && s->auth == MX_SAUTH_NULL));
}

/*
 * The hello of a group chain: the candidates left, and once anchored the
 * groups already found after them. The anchors matter below TLS 1.3: a
 * server with only an ECDSA certificate refuses a client whose
 * supported_groups lacks the certificate's curve, so once that curve has
 * been found and removed, a plain elimination ends in a refusal although
 * other groups are still accepted. With the found groups listed last, the
 * server picks a candidate it accepts before them (a server that follows
 * the client's order does; one that follows its own picks what it ranks
 * first), and picking an anchor ends the chain.
 */
static int
build_groups(struct ctx *c, struct job *j)
{
    const struct mx_vresult *r = &c->e->v[j->vi];
    uint16_t list[2 * MX_ENUM_MAX_GROUPS];
    size_t n = 0, i;

    for (i = 0; i < j->ncand; i++)
        list[n++] = j->cand[i];
    for (i = 0; j->anchored && i < r->ngroups; i++)
        if (!mx_code_listed(list, n, r->groups[i]))
            list[n++] = r->groups[i];
    return en_build(j, list, n,
                    en_version_codes[j->vi] == MX_TLS13 ? MX_FLIGHT_STOP_HELLO
                                                        : MX_FLIGHT_STOP_DONE);
}

/* An OpenSSL group chain's next handshake (see build_groups). */
static void
build_groups_ossl(struct ctx *c, struct job *j)
{
    const struct mx_vresult *r = &c->e->v[j->vi];
    size_t i;

    j->nglist = 0;
    for (i = 0; i < j->ncand; i++)
        j->glist[j->nglist++] = j->cand[i];
    for (i = 0; j->anchored && i < r->ngroups; i++)
        if (!mx_code_listed(j->glist, j->nglist, r->groups[i]))
            j->glist[j->nglist++] = r->groups[i];
    en_build_ossl(j, j->offer, j->noffer);
    j->task.offer.groups = j->glist;
    j->task.offer.ngroups = j->nglist;
}

/* An OpenSSL group chain's candidates left, moved before the groups for
 * the raw engine. */
static void
to_raw(struct job *j)
{
    size_t i, n = j->ncand;

    for (i = 0; i < j->nrest && n < MX_ENUM_MAX_GROUPS; i++)
        if (!mx_code_listed(j->cand, n, j->rest[i]))
            j->cand[n++] = j->rest[i];
    memcpy(j->rest, j->cand, n * sizeof(*j->cand));
    j->nrest = n;
    j->ncand = 0;
}

/* After the OpenSSL group chain: the groups the library cannot offer, by
 * the raw engine, with the groups found listed last (anchor; otherwise
 * only after a refusal). 0 when queued. */
static int
groups_rest(struct ctx *c, struct job *j, int anchor)
{
    struct mx_vresult *r = &c->e->v[j->vi];

    if (j->nrest == 0 || c->failed) {
        r->groups_complete = 1;
        return -1;
    }
    j->ossl = 0;
    memcpy(j->cand, j->rest, j->nrest * sizeof(*j->rest));
    j->ncand = j->nrest;
    j->nrest = 0;
    j->anchored = anchor && r->ngroups > 0;
    if (build_groups(c, j) != 0) {
        c->failed = 1;
        return -1;
    }
    en_queue(c, j);
    return 0;
}

/*
 * Below TLS 1.3, the group chain offers no ECDSA suite when the server
 * accepts ECDHE suites with another authentication (RSA, anonymous, PSK).
 * The group a chain asks about is the key exchange's, named in the
 * ServerKeyExchange; an ECDSA certificate's curve is another thing, but
 * TLS 1.2 ties the two in the client: OpenSSL aborts a handshake whose
 * certificate is on a curve its supported_groups leaves out (wrong curve,
 * alert illegal_parameter), and a server that does not check this
 * (GnuTLS) picks its P-256 certificate for an offer without P-256 all the
 * same. Without ECDSA suites the offer's groups are about the key
 * exchange alone. A server whose only ECDHE suites are ECDSA keeps them,
 * and the group chain lists the groups found last when needed (see
 * build_groups and groups_done).
 */
static void
drop_ecdsa(struct job *j)
{
    const struct mx_suite *s;
    size_t i, n = 0;

    for (i = 0; i < j->noffer; i++)
        if ((s = mx_suite_by_code(j->offer[i])) != NULL &&
            s->auth != MX_SAUTH_ECDSA)
            n++;
    if (n == 0 || n == j->noffer)
        return;
    for (i = 0, n = 0; i < j->noffer; i++)
        if ((s = mx_suite_by_code(j->offer[i])) != NULL &&
            s->auth != MX_SAUTH_ECDSA)
            j->offer[n++] = j->offer[i];
    j->noffer = n;
}

/* The groups a version can be asked about, and the suites to offer. */
void
en_start_groups(struct ctx *c, int vi)
{
    struct mx_vresult *r = &c->e->v[vi];
    const struct mx_group *g;
    const struct mx_suite *s;
    struct job *j;
    size_t n, i;
    int tls13 = en_version_codes[vi] == MX_TLS13;

    j = en_new_job(c, J_GROUPS, vi);
    if (j == NULL) {
        c->failed = 1;
        return;
    }
    g = mx_groups(&n);
    for (i = 0; i < n && j->ncand < MX_ENUM_MAX_GROUPS; i++) {
        if (tls13 ? !g[i].tls13 : g[i].code >= 0x0100)
            continue; /* below TLS 1.3 only ECDHE curves are seen */
        j->cand[j->ncand++] = g[i].code;
    }
    /* the suites: those accepted (with a curve below TLS 1.3) */
    for (i = 0; i < r->nsuites && i < MX_ENUM_CHUNK; i++) {
        s = mx_suite_by_code(r->suites[i]);
        if (tls13 || curve_kx(s))
            mx_code_add(j->offer, &j->noffer, MX_ENUM_CHUNK, r->suites[i]);
    }
    if (j->noffer == 0 && r->chosen != 0) {
        s = mx_suite_by_code(r->chosen);
        if (tls13 || curve_kx(s))
            mx_code_add(j->offer, &j->noffer, MX_ENUM_CHUNK, r->chosen);
    }
    if (j->noffer == 0) {
        r->groups_complete = 1; /* nothing to ask: no ECDHE suite */
        return;
    }
    if (!tls13)
        drop_ecdsa(j);
    if (en_ossl_can(c, vi, j->offer, j->noffer)) {
        /* the library's groups by complete handshakes, the rest after */
        for (i = 0, n = 0; i < j->ncand; i++) {
            g = mx_group_by_code(j->cand[i]);
            if (g != NULL && g->openssl != NULL)
                j->cand[n++] = j->cand[i];
            else
                j->rest[j->nrest++] = j->cand[i];
        }
        j->ncand = n;
        if (n > 0) {
            j->ossl = 1;
            build_groups_ossl(c, j);
            en_queue(c, j);
            return;
        }
        (void)groups_rest(c, j, 1);
        return;
    }
    if (build_groups(c, j) != 0) {
        c->failed = 1;
        return;
    }
    en_queue(c, j);
}

void
en_groups_done(struct ctx *c, struct job *j)
{
    struct mx_vresult *r = &c->e->v[j->vi];
    const struct mx_flight *f = j->task.raw.flight;
    struct mx_error err;
    char detail[160];
    uint16_t g;
    int rc;

    if (en_closed_probe(j) && !j->again && !c->failed) {
        /* no answer: asked again once */
        mx_log(1, "enumerate: %s: %s; asked again", j->task.addr,
               en_closed_why(j));
        j->again = 1;
        if (j->ossl)
            build_groups_ossl(c, j);
        if (j->ossl || build_groups(c, j) == 0) {
            en_queue_later(c, j);
            return;
        }
        c->failed = 1;
        return;
    }
    if (en_closed_probe(j)) {
        /* closed twice: the end of this chain rests on it; what
         * follows a refusal follows */
        r->closed_ends++;
        j->again = 0;
        if (!j->anchored && j->ncand > 0 && r->ngroups > 0 && !c->failed) {
            j->anchored = 1;
            if (j->ossl)
                build_groups_ossl(c, j);
            if (j->ossl || build_groups(c, j) == 0) {
                en_queue(c, j);
                return;
            }
        }
        if (j->ossl)
            (void)groups_rest(c, j, 1);
        else
            r->groups_complete = 1;
        return;
    }
    j->again = 0;
    if (j->ossl) {
        const struct mx_handshake *hs = &j->task.hs;

        if (j->task.rc != 0 && hs->alert_sent == 47 && !j->anchored &&
            j->ncand > 0) {
            /* the library rejected the server's answer (illegal_parameter):
             * an ECDSA certificate on a curve the offer leaves out (wrong
             * curve; see drop_ecdsa), or a group not offered. The groups
             * left go to the raw engine, which reads the
             * ServerKeyExchange's curve and does not judge the
             * certificate (a group not offered is an error there). */
            mx_log(1, "enumerate: %s: %s; the groups left asked raw",
                   j->task.addr, j->task.err.msg);
            c->e->refusals++; /* an aborted handshake in the server's log */
            to_raw(j);
            (void)groups_rest(c, j, 0);
            return;
        }
        if (j->task.rc != 0) {
            en_note_error(c, j, &j->task.err);
            return;
        }
        if (!hs->accepted) {
            c->e->refusals++;
            if (!j->anchored && j->ncand > 0 && r->ngroups > 0) {
                j->anchored = 1;
                build_groups_ossl(c, j);
                en_queue(c, j);
                return;
            }
            (void)groups_rest(c, j, 1);
            return;
        }
        g = hs->group;
        if (j->anchored && mx_code_listed(r->groups, r->ngroups, g)) {
            (void)groups_rest(c, j, 1);
            return;
        }
        if (g == 0 || !mx_code_listed(j->cand, j->ncand, g)) {
            mx_error_set(&err, MX_E_TLS,
                         "%s: the handshake's group 0x%04X was not offered",
                         j->task.addr, g);
            en_note_error(c, j, &err);
            return;
        }
        mx_code_add(r->groups, &r->ngroups, MX_ENUM_MAX_GROUPS, g);
        en_remove_code(j->cand, &j->ncand, g);
        if (j->ncand == 0) {
            (void)groups_rest(c, j, 1);
            return;
        }
        build_groups_ossl(c, j);
        en_queue(c, j);
        return;
    }
    if (j->task.rc != 0) {
        en_note_error(c, j, &j->task.err);
        return;
    }
    rc = en_judge(j, j->offer, j->noffer, detail, sizeof(detail), &err);
    if (rc < 0) {
        en_note_error(c, j, &err);
        return;
    }
    if (rc == 0) {
        c->e->refusals++;
        /* refused: retry once with the groups found as anchors */
        if (!j->anchored && j->ncand > 0 && r->ngroups > 0 && !c->failed) {
            j->anchored = 1;
            if (build_groups(c, j) == 0) {
                en_queue(c, j);
                return;
            }
        }
        r->groups_complete = 1;
        return;
    }
    g = f->hrr ? f->hrr_group : f->group;
    if (j->anchored && g != 0 && mx_code_listed(r->groups, r->ngroups, g)) {
        r->groups_complete = 1; /* an anchor beat every candidate left */
        return;
    }
    if (g == 0 || !mx_code_listed(j->cand, j->ncand, g)) {
        mx_error_set(&err, MX_E_TLS,
                     "%s chose group 0x%04X, which was not offered",
                     j->task.addr, g);
        en_note_error(c, j, &err);
        return;
    }
    mx_code_add(r->groups, &r->ngroups, MX_ENUM_MAX_GROUPS, g);
    en_remove_code(j->cand, &j->ncand, g);
    if (j->ncand == 0) {
        r->groups_complete = 1;
        return;
    }
    if (!c->failed && build_groups(c, j) == 0)
        en_queue(c, j);
}
