/*
 * simulate.c - peers' clients against our server, and why a peer fails
 * (see simulate.h).
 *
 * A peer is one "pjob": the main task (the peer's offer), and, when the
 * server refuses it, a chain of diagnosis probes run one after the other,
 * each asking one question and started only when the answers so far do
 * not name the cause yet, so that the server sees as few refused
 * handshakes as the diagnosis needs:
 *
 *   1. version: the peer's versions with everything else open (every
 *      suite, group and signature scheme). Refused: the cause is the
 *      protocol version, and one more probe with every version finds the
 *      server's highest (its lowest would cost a refusal per version).
 *   2. auth (when the peer has suites below TLS 1.3): every suite of the
 *      peer's authentication types (RSA, ECDSA, DSA) at the peer's
 *      versions. Refused: the server has no certificate of the peer's
 *      type; then
 *   3. cert: the peer's ciphers with the other certificate types tells
 *      whether the peer's ciphers are enabled at all.
 *   4. group (when a group matters for the peer, and the group the
 *      server took in probe 1 is not one the peer offers), 5. signature
 *      scheme (likewise), 6. cipher: the peer's offer with that one list
 *      opened. The first accepted names the cause; when none is, the
 *      cause is unknown.
 *
 * The words of the cause and the fix are diagnose.c's; this file orders
 * the probes and hands it their answers; each probe's offer, task and
 * verdict are simprobe.c's (simulate_int.h).
 *
 * A server that fails every handshake (alert internal_error) would make
 * every peer fail with a wrong cause, at the cost of a chain of refused
 * probes each. So a peer whose offer or probe meets that alert, or whose
 * acceptance rests on a raw first flight without a signature in it (a
 * TLS 1.3 ServerHello comes before the certificate), waits for one
 * control handshake, made once per run: everything the library offers,
 * TLS 1.0 to 1.3, which a working server accepts by its own choice (the
 * same probe answers every peer's "highest version" question). When the
 * control fails with that alert too, the peer is held; after the run,
 * held peers fail with the server (MX_DIAG_SERVER) if nothing of the run
 * completed a handshake, and go through their own diagnosis in one more
 * run otherwise (a server that fails some handshakes only).
 *
 * A probe whose lists the linked OpenSSL can offer runs on the OpenSSL
 * engine, so that an accepted one ends as a normal session (EHLO, QUIT,
 * close_notify) and leaves no error in the server's log; the open lists
 * are the library's for that reason. Each probe the server refuses, and
 * each raw probe (cut short after the first flight), is counted in
 * mx_sim.refusals. Accepted probes also show the server's certificates:
 * their key types are what the certificate diagnosis names. Peers that
 * offer exactly the same share one simulation.
 *
 * Error contract: see simulate.h. Everything allocated here is freed
 * before mx_simulate returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certinfo.h"
#include "diagnose.h"
#include "hello.h"
#include "log.h"
#include "offer.h"
#include "registry.h"
#include "simulate.h"
#include "simulate_int.h"
#include "suites.h"
#include "text.h"

/* The diagnosis probes (diagnose.h), by name for -v and the text. */
static const char *const stage_names[MX_NDSTAGE] = {
    "version",          "highest version",
    "certificate type", "same ciphers, other certificates",
    "any group",        "any signature scheme",
    "any suite"};

/* A diagnosis probe not made yet reads as one that did not run. */
static const struct ptask not_run = {.alert = -1};

static const struct ptask *
stage(const struct pjob *pj, enum mx_dstage k)
{
    return pj->d[k] != NULL ? pj->d[k] : &not_run;
}

const char *
mx_diag_name(enum mx_diag d)
{
    static const char *const names[] = {"none",
                                        "protocol version",
                                        "certificate type",
                                        "group",
                                        "signature algorithm",
                                        "cipher",
                                        "unknown",
                                        "server fails every handshake"};

    return (size_t)d < sizeof(names) / sizeof(names[0]) ? names[d] : "?";
}

static void control_done(struct sctx *c, int ran);

/* The main task: the peer's own offer (borrowed), on the engine the
 * offer calls for: a recording the library cannot reproduce is sent byte
 * for byte. */
static int
setup_main(struct pjob *pj, struct mx_error *err)
{
    const struct mx_peer *p = pj->peer;
    struct ptask *pt = &pj->main;

    pt->pj = pj;
    pt->is_main = 1;
    pt->name = "the peer's offer";
    pt->offer = p->offer;
    pt->offer.owned = 0;
    if (pt->offer.hello != NULL &&
        mx_offer_engine(&pt->offer) == MX_ENGINE_RAW) {
        if (sim_task_setup(pt, MX_ENGINE_RAW, err) != 0)
            return -1;
        pt->task->stop = MX_FLIGHT_STOP_DONE; /* the recording itself */
        pj->out->engine = MX_ENGINE_RAW;
        return 0;
    }
    if (pt->offer.nsuites == 0) {
        mx_error_set(err, MX_E_USAGE, "peer %s offers no suites", p->name);
        return -1;
    }
    if (sim_lists_task(pt, err) != 0)
        return -1;
    pj->out->engine = pt->engine;
    return 0;
}

/* Diagnosis stage k of pj, made on first use (NULL: memory). */
static struct ptask *
make_stage(struct pjob *pj, enum mx_dstage k)
{
    if (pj->d[k] == NULL && (pj->d[k] = calloc(1, sizeof(*pj->d[k]))) != NULL) {
        pj->d[k]->pj = pj;
        pj->d[k]->alert = -1;
    }
    return pj->d[k];
}

/* The next probe the diagnosis needs (into *k), or MX_NDSTAGE when the
 * answers so far name the cause (or cannot go further). */
static enum mx_dstage
next_stage(const struct pjob *pj)
{
    const struct mx_offer *p = &pj->peer->offer;
    const struct ptask *ver = stage(pj, MX_D_VERSION);

    if (!ver->ran)
        return MX_D_VERSION;
    if (ver->ok < 0)
        return MX_NDSTAGE;
    if (ver->ok == 0)
        return stage(pj, MX_D_VHIGH)->ran ? MX_NDSTAGE : MX_D_VHIGH;
    if (mx_offer_auths(p) != 0) {
        if (!stage(pj, MX_D_AUTH)->ran)
            return MX_D_AUTH;
        if (stage(pj, MX_D_AUTH)->ok < 0)
            return MX_NDSTAGE;
        if (stage(pj, MX_D_AUTH)->ok == 0)
            return stage(pj, MX_D_CERT)->ran ? MX_NDSTAGE : MX_D_CERT;
    }
    /* a group or scheme the server took with the versions probe and the
     * peer offers too is not the cause: no probe for it */
    if (p->ngroups > 0 && sim_peer_uses_groups(p) &&
        !(ver->group != 0 &&
          mx_code_listed(p->groups, p->ngroups, ver->group))) {
        if (!stage(pj, MX_D_GROUP)->ran)
            return MX_D_GROUP;
        if (stage(pj, MX_D_GROUP)->ok == 1)
            return MX_NDSTAGE;
    }
    if (p->nsigalgs > 0 &&
        !(ver->sigalg != 0 &&
          mx_code_listed(p->sigalgs, p->nsigalgs, ver->sigalg))) {
        if (!stage(pj, MX_D_SIGALG)->ran)
            return MX_D_SIGALG;
        if (stage(pj, MX_D_SIGALG)->ok == 1)
            return MX_NDSTAGE;
    }
    if (!stage(pj, MX_D_CIPHER)->ran)
        return MX_D_CIPHER;
    return MX_NDSTAGE;
}

static void conclude(struct pjob *pj);
static void want_control(struct pjob *pj, enum wait why);

/* The control's answer as pt's: the server's highest version is what it
 * chose when offered everything. */
static void
from_control(struct ptask *pt, const struct ptask *ctl)
{
    pt->ran = 1;
    pt->name = ctl->name;
    pt->ok = ctl->ok;
    pt->version = ctl->version;
    pt->suite = ctl->suite;
    pt->group = ctl->group;
    pt->sigalg = ctl->sigalg;
    pt->key = ctl->key;
    snprintf(pt->detail, sizeof(pt->detail), "%s", ctl->detail);
}

/* Start the next probe of the diagnosis, or conclude. */
static void
advance(struct pjob *pj)
{
    struct ptask *pt;
    struct mx_error err;
    enum mx_dstage k;

    while ((k = next_stage(pj)) != MX_NDSTAGE &&
           (pt = make_stage(pj, k)) != NULL) {
        if (k == MX_D_VHIGH) { /* the run's control handshake answers it */
            if (pj->c->control != C_DONE) {
                want_control(pj, W_VHIGH);
                return;
            }
            from_control(pt, &pj->c->cjob.main);
            if (pt->ok == 1 && pt->key != MX_KEY_NONE && (unsigned)pt->key < 32)
                pj->keys |= 1u << pt->key;
            continue;
        }
        if (sim_stage_lists(pj, k, pt, &err) != 0) {
            pt->ran = 1;
            pt->name = stage_names[k];
            pt->ok = -1;
            snprintf(pt->detail, sizeof(pt->detail), "%s", err.msg);
            continue;
        }
        if (sim_start_probe(pj, pt, stage_names[k]) == 0)
            return;
    }
    conclude(pj);
}

/* The answers of pj's probes, for diagnose.c. */
static void
conclude(struct pjob *pj)
{
    struct mx_dinput in;
    struct mx_sim *o = pj->out;
    size_t k;

    memset(&in, 0, sizeof(in));
    in.peer = pj->peer;
    in.keys = pj->keys;
    in.main_closed = pj->main.closed;
    for (k = 0; k < MX_NDSTAGE; k++) {
        const struct ptask *pt = stage(pj, (enum mx_dstage)k);
        in.d[k].ran = pt->ran;
        in.d[k].ok = pt->ok;
        in.d[k].version = pt->version;
        in.d[k].suite = pt->suite;
        in.d[k].group = pt->group;
        in.d[k].sigalg = pt->sigalg;
        in.d[k].name = pt->name != NULL ? pt->name : stage_names[k];
        in.d[k].detail = pt->detail;
    }
    mx_diagnose(&in, o);
    mx_log(1, "peer %s: %s (%d probe%s, %d refused or cut short)",
           pj->peer->name, o->detail, o->probes, o->probes == 1 ? "" : "s",
           o->refusals);
}

/* One finished probe in the peer's counts. */
static void
count(struct pjob *pj, const struct ptask *pt)
{
    pj->out->probes++;
    if (sim_left_error(pt))
        pj->out->refusals++;
}

/* Did the server sign in the first flight that the raw engine read
 * (below TLS 1.3, a DHE or ECDHE ServerKeyExchange)? Then its key works;
 * a TLS 1.3 ServerHello, or RSA key transport, proves nothing of it. */
static int
signed_flight(const struct mx_flight *f)
{
    return f != NULL && f->version < MX_TLS13 && f->done &&
           (f->dh_bits > 0 || f->group != 0);
}

static void
main_done(struct pjob *pj)
{
    struct ptask *pt = &pj->main;
    struct mx_sim *o = pj->out;
    const struct mx_task *t = pt->task;
    X509 *leaf;
    struct mx_certinfo ci;
    struct mx_error e;

    count(pj, pt);
    if (t->rc != 0) {
        o->state = MX_SIM_ERROR;
        o->err = t->err;
        return;
    }
    if (pt->ok < 0) { /* a broken answer: no verdict on the offer */
        o->state = MX_SIM_ERROR;
        mx_error_set(&o->err, MX_E_TLS, "%s", pt->detail);
        return;
    }
    if (pt->ok == 1) {
        o->state = MX_SIM_OK;
        o->version = pt->version;
        o->suite = pt->suite;
        o->group = pt->group;
        if (t->engine == MX_ENGINE_OPENSSL) {
            o->us = t->hs.ms * 1000;
            if (t->hs.chain != NULL && sk_X509_num(t->hs.chain) > 0 &&
                (leaf = sk_X509_value(t->hs.chain, 0)) != NULL &&
                mx_certinfo_get(leaf, &ci, &e) == 0)
                snprintf(o->cert, sizeof(o->cert), "%s", ci.label);
            /* kept for the caller's check of it (a peer that
               authenticates by DANE); NULL when the copy fails, as when
               none was presented */
            if (t->hs.chain != NULL && pj->keep_chain)
                o->chain = X509_chain_up_ref(t->hs.chain);
        } else {
            o->us = t->raw.us;
            (void)sim_der_keytype(t->raw.flight->leaf, t->raw.flight->leaf_len,
                                  o->cert, sizeof(o->cert));
            if (!signed_flight(t->raw.flight))
                want_control(pj, W_RAW); /* the first flight is no proof */
        }
        return;
    }
    o->state = MX_SIM_FAIL;
    snprintf(o->refusal, sizeof(o->refusal), "%s", pt->detail);
    if (sim_failure_alert(pt) >= 0)
        want_control(pj, W_REFUSED);
    else
        advance(pj);
}

/* Does the control say that the server fails every handshake: refused
 * with a failure alert, and no handshake of the run has completed? */
static int
server_fails(const struct sctx *c)
{
    return c->control == C_DONE && sim_failure_alert(&c->cjob.main) >= 0 &&
           !c->completed;
}

/* Are the peer's versions all ones the control offered? */
static int
control_covers(const struct mx_peer *p)
{
    return p->offer.min_version >= MX_TLS10 && p->offer.max_version <= MX_TLS13;
}

/* The control has answered: go on with pj as it waited to. */
static void
resume(struct pjob *pj)
{
    enum wait why = pj->waiting;

    pj->waiting = W_NONE;
    switch (why) {
    case W_RAW: /* accepted as far as it read; kept unless ... */
        pj->held = server_fails(pj->c);
        return;
    case W_REFUSED:
        if (server_fails(pj->c) && control_covers(pj->peer)) {
            pj->held = 1; /* no probes of its own on a failing server */
            return;
        }
        advance(pj);
        return;
    case W_VHIGH:
        advance(pj);
        return;
    case W_NONE:
        return;
    }
}

/*
 * The control handshake: one complete handshake offering every version
 * from TLS 1.0 to 1.3 and every suite, group and signature scheme of the
 * linked library, run at most once per run and only when a peer needs it
 * (its offer refused with a failure alert, its acceptance resting on a
 * raw first flight, or its diagnosis asking for the server's highest
 * version). A working server accepts it by its own choice; a server that
 * refuses it with a failure alert too fails every handshake.
 */
static void
want_control(struct pjob *pj, enum wait why)
{
    struct sctx *c = pj->c;
    struct ptask *pt = &c->cjob.main;
    struct mx_error err;

    pj->waiting = why;
    if (c->control == C_DONE) {
        resume(pj);
        return;
    }
    if (c->control == C_RUNNING)
        return;
    c->control = C_RUNNING;
    c->asker = pj;
    pt->is_control = 1;
    pt->pj = &c->cjob;
    if (sim_open_all(pt, c, &err) != 0) {
        pt->ok = -1;
        snprintf(pt->detail, sizeof(pt->detail), "%s", err.msg);
        control_done(c, 0);
    } else if (sim_start_probe(&c->cjob, pt,
                               "control (everything the library offers)") != 0)
        control_done(c, 0);
}

/* The control has ended: every peer waiting for it goes on. */
static void
control_done(struct sctx *c, int ran)
{
    struct ptask *pt = &c->cjob.main;
    size_t i;

    if (ran)
        count(c->asker, pt);
    c->control = C_DONE;
    mx_log(2, "control handshake (%s to %s, everything offered): %s",
           mx_version_name(pt->offer.min_version),
           mx_version_name(pt->offer.max_version),
           pt->ok == 1 ? "accepted" : pt->detail);
    for (i = 0; i < c->n; i++)
        if (c->pj[i].waiting != W_NONE)
            resume(&c->pj[i]);
}

void
sim_task_done(struct mx_sched *s, struct mx_task *task)
{
    struct ptask *pt = task->arg;
    struct pjob *pj = pt->pj;

    (void)s;
    sim_judge(pt);
    if (pt->is_control) {
        sim_release(pt);
        control_done(pj->c, 1);
        return;
    }
    if (pt->is_main) {
        main_done(pj); /* reads the task: the chain, the first flight */
        sim_release(pt);
        return;
    }
    sim_release(pt);
    count(pj, pt);
    mx_log(2, "peer %s: probe %s (%s to %s): %s", pj->peer->name, pt->name,
           mx_version_name(pt->offer.min_version),
           mx_version_name(pt->offer.max_version),
           pt->ok == 1 ? "accepted" : pt->detail);
    if (pt->ok == 1 && pt->key != MX_KEY_NONE && (unsigned)pt->key < 32)
        pj->keys |= 1u << pt->key;
    if (sim_failure_alert(pt) >= 0) /* a failing server answers no question */
        want_control(pj, W_REFUSED);
    else
        advance(pj);
}

/* A peer held because the server fails every handshake: the verdict
 * names the server, once for all such peers, not a mismatch of the
 * peer's. */
static void
conclude_server(struct pjob *pj)
{
    mx_diagnose_server(mx_alert_name(sim_failure_alert(&pj->c->cjob.main)),
                       pj->out);
    mx_log(1, "peer %s: %s", pj->peer->name, pj->out->detail);
}

/* After the run: the peers held by the control either fail with the
 * server, or, when a handshake of the run did complete after all (the
 * server fails some handshakes, not all), go through their own
 * diagnosis in one more run. */
static void
settle(struct sctx *c)
{
    size_t i;
    int again = 0;

    for (i = 0; i < c->n; i++) {
        struct pjob *pj = &c->pj[i];
        if (!pj->held)
            continue;
        if (server_fails(c)) {
            conclude_server(pj);
            continue;
        }
        pj->held = 0;
        if (pj->out->state == MX_SIM_FAIL) {
            advance(pj);
            again = 1;
        }
    }
    if (again)
        (void)mx_sched_run(&c->s);
}

/* Do two peers offer exactly the same (so that one simulation serves
 * both)? */
static int
same_offer(const struct mx_peer *a, const struct mx_peer *b)
{
    return mx_offer_same(&a->offer, &b->offer);
}

static void
free_task(struct ptask *pt)
{
    sim_release(pt);
    mx_offer_free(&pt->offer);
}

static void
free_job(struct pjob *pj)
{
    size_t k;

    free_task(&pj->main);
    for (k = 0; k < MX_NDSTAGE; k++)
        if (pj->d[k] != NULL) {
            free_task(pj->d[k]);
            free(pj->d[k]);
            pj->d[k] = NULL;
        }
}

int
mx_simulate_each(struct mx_target *t, const struct mx_peer *const *peers,
                 struct mx_sim *const *out, size_t n, int parallel,
                 const char *sni, struct mx_probe_stats *stats,
                 struct mx_error *err)
{
    struct sctx *c = NULL;
    struct pjob *pj = NULL;
    size_t *leader = NULL;
    size_t i;
    int rc = -1;

    if (t->naddrs == 0 && mx_target_resolve(t, err) != 0)
        return -1;
    c = calloc(1, sizeof(*c));
    pj = calloc(n > 0 ? n : 1, sizeof(*pj));
    leader = calloc(n > 0 ? n : 1, sizeof(*leader));
    if (c == NULL || pj == NULL || leader == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    c->sni = sni;
    c->pj = pj;
    c->n = n;
    c->cjob.c = c;
    c->cjob.main.alert = -1;
    mx_offer_library_order(c->pref, PREF_MAX, &c->npref);
    mx_sched_init(&c->s, t, parallel);
    for (i = 0; i < n; i++) {
        memset(out[i], 0, sizeof(*out[i]));
        out[i]->peer = peers[i];
        pj[i].c = c;
        pj[i].peer = peers[i];
        pj[i].out = out[i];
        pj[i].main.alert = -1;
        /* a peer that offers what an earlier one offers shares its run */
        for (leader[i] = 0; leader[i] < i; leader[i]++)
            if (leader[leader[i]] == leader[i] &&
                same_offer(peers[i], peers[leader[i]]))
                break;
        if (peers[i]->auth & (MX_PEER_AUTH_DANE | MX_PEER_AUTH_MTASTS))
            pj[leader[i]].keep_chain = 1;
    }
    for (i = 0; i < n; i++) {
        if (leader[i] != i)
            continue;
        if (setup_main(&pj[i], &out[i]->err) != 0) {
            sim_release(&pj[i].main);
            out[i]->state = MX_SIM_ERROR;
            continue;
        }
        mx_sched_add(&c->s, pj[i].main.task);
    }
    (void)mx_sched_run(&c->s);
    settle(c);
    for (i = 0; i < n; i++)
        if (leader[i] != i) {
            *out[i] = *out[leader[i]];
            out[i]->peer = peers[i];
            out[i]->shared = 1;
            if (out[i]->chain != NULL)
                out[i]->chain = X509_chain_up_ref(out[i]->chain);
        }
    if (stats != NULL) {
        stats->connections += c->s.stats.connections;
        stats->handshakes += c->s.stats.handshakes;
    }
    rc = 0;
out:
    for (i = 0; pj != NULL && i < n; i++)
        free_job(&pj[i]);
    if (c != NULL)
        free_task(&c->cjob.main);
    free(leader);
    free(pj);
    free(c);
    return rc;
}

int
mx_simulate(struct mx_target *t, const struct mx_peer *peers, size_t n,
            int parallel, const char *sni, struct mx_sim *out,
            struct mx_probe_stats *stats, struct mx_error *err)
{
    const struct mx_peer **pp = calloc(n > 0 ? n : 1, sizeof(*pp));
    struct mx_sim **po = calloc(n > 0 ? n : 1, sizeof(*po));
    size_t i;
    int rc = -1;

    if (pp == NULL || po == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
    } else {
        for (i = 0; i < n; i++) {
            pp[i] = &peers[i];
            po[i] = &out[i];
        }
        rc = mx_simulate_each(t, pp, po, n, parallel, sni, stats, err);
    }
    free(pp);
    free(po);
    return rc;
}

void
mx_sim_free(struct mx_sim *s, size_t n)
{
    size_t i;

    for (i = 0; s != NULL && i < n; i++) {
        if (s[i].chain != NULL)
            sk_X509_pop_free(s[i].chain, X509_free);
        s[i].chain = NULL;
    }
}
