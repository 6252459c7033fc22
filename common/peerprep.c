/*
 * peerprep.c - the peers of one run, prepared and simulated (see
 * peerprep.h).
 *
 * Error contract: see peerprep.h. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peerprep.h"
#include "profile.h"

/* Is name in the comma-separated list? */
static int
in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    const char *p = list;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* Keep only the peers only names; every name must exist. */
static int
select_peers(struct mx_peers *peers, const char *only, struct mx_error *err)
{
    char tmp[1024], *tok, *save = NULL;
    size_t i, k;

    if (only == NULL)
        return 0;
    if (strlen(only) >= sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "--peer: list too long");
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s", only);
    for (tok = strtok_r(tmp, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        for (i = 0; i < peers->n; i++)
            if (strcmp(peers->v[i].name, tok) == 0)
                break;
        if (i == peers->n) {
            mx_error_set(err, MX_E_USAGE, "--peer: no peer '%.60s' in the file",
                         tok);
            return -1;
        }
    }
    for (i = 0, k = 0; i < peers->n; i++) {
        if (!in_list(only, peers->v[i].name)) {
            mx_peer_free(&peers->v[i]);
            continue;
        }
        if (k != i)
            peers->v[k] = peers->v[i];
        k++;
    }
    peers->n = k;
    return 0;
}

/* Is a command-line peer described? */
static int
has_cmdline_peer(const struct mx_prep_opts *o)
{
    return o->ciphers != NULL || o->protocols != NULL || o->groups != NULL ||
           o->sigalgs != NULL || o->hello != NULL;
}

/* The peers from the file and the command line, in one array. */
static int
load_peers(const struct mx_prep_opts *o, struct mx_peers *peers,
           struct mx_error *err)
{
    struct mx_peer *v;

    memset(peers, 0, sizeof(*peers));
    if (o->file != NULL && (mx_peers_load(o->file, peers, err) != 0 ||
                            select_peers(peers, o->only, err) != 0))
        return -1;
    if (!has_cmdline_peer(o))
        return 0;
    v = realloc(peers->v, (peers->n + 1) * sizeof(*v));
    if (v == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    peers->v = v;
    memset(&v[peers->n], 0, sizeof(v[peers->n]));
    if (mx_peer_from_options(&v[peers->n], o->name != NULL ? o->name : "peer",
                             o->protocols, o->ciphers, o->groups, o->sigalgs,
                             o->hello, err) != 0)
        return -1;
    v[peers->n].severity = o->severity;
    v[peers->n].auth = o->auth;
    peers->n++;
    return 0;
}

int
mx_prep_load(const struct mx_prep_opts *o, struct mx_prepared *pp,
             struct mx_error *err)
{
    memset(pp, 0, sizeof(*pp));
    if (load_peers(o, &pp->peers, err) != 0)
        goto fail;
    pp->e = calloc(pp->peers.n > 0 ? pp->peers.n : 1, sizeof(*pp->e));
    if (pp->e == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto fail;
    }
    return 0;
fail:
    mx_prep_free(pp);
    return -1;
}

void
mx_prep_profiles(const struct mx_prep_opts *o, struct mx_prepared *pp,
                 time_t now)
{
    struct mx_profile *prof = malloc(sizeof(*prof)); /* with its hello */
    struct mx_pentry *e;
    struct mx_peer *p;
    size_t i;
    int rc;

    for (i = 0; prof == NULL && i < pp->peers.n; i++) {
        mx_error_set(&pp->e[i].err, MX_E_INTERNAL, "out of memory");
        pp->e[i].status = MX_PS_BAD_PROFILE;
    }
    for (i = 0; prof != NULL && i < pp->peers.n; i++) {
        p = &pp->peers.v[i];
        e = &pp->e[i];
        if (p->kind != MX_PEER_MX) {
            /* a hello learned from the peer's traffic wins over its
               lists or recording */
            if (p->from[0] == '\0')
                continue;
            rc = mx_profile_apply_learned(o->cache_dir, p, &e->err);
            if (rc < 0)
                e->status = MX_PS_BAD_PROFILE;
            else if (rc == 0) /* say what its verdict rests on instead */
                snprintf(p->learned, sizeof(p->learned),
                         "is not learned from traffic yet (check_tls_peers "
                         "--learn-from): checked with %s",
                         p->kind == MX_PEER_HELLO ? "its recorded hello"
                                                  : "its lists");
            continue;
        }
        rc = mx_profile_read(o->cache_dir, p->name, prof, &e->err);
        if (rc == 0 && mx_profile_offer(prof, &p->offer, &e->err) != 0)
            rc = -1;
        if (rc != 0) {
            e->status = rc > 0 ? MX_PS_NO_PROFILE : MX_PS_BAD_PROFILE;
            continue;
        }
        if (prof->hello_len > 0) { /* traffic wins, and says so */
            p->kind = MX_PEER_HELLO;
            mx_profile_learned_text(prof, p->learned, sizeof(p->learned));
        }
        e->max_age =
            o->max_age_given || p->max_age <= 0 ? o->max_age : p->max_age;
        e->age = difftime(now, prof->learned);
        if (e->age > (double)e->max_age)
            e->status = MX_PS_STALE;
    }
    free(prof);
}

int
mx_prep_checked(const struct mx_pentry *e)
{
    return e->status == MX_PS_READY || e->status == MX_PS_STALE;
}

int
mx_prep_simulate(struct mx_prepared *pp, struct mx_target *t, int parallel,
                 const char *sni, struct mx_probe_stats *stats,
                 struct mx_error *err)
{
    size_t n = pp->peers.n > 0 ? pp->peers.n : 1, i, k = 0;
    const struct mx_peer **peers = calloc(n, sizeof(*peers));
    struct mx_sim **out = calloc(n, sizeof(*out));
    int rc = -1;

    if (peers == NULL || out == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto done;
    }
    for (i = 0; i < pp->peers.n; i++)
        if (mx_prep_checked(&pp->e[i])) {
            peers[k] = &pp->peers.v[i];
            out[k++] = &pp->e[i].sim;
        }
    rc = k == 0 ? 0
                : mx_simulate_each(t, peers, out, k, parallel, sni, stats, err);
done:
    free(peers);
    free(out);
    return rc;
}

void
mx_prep_free(struct mx_prepared *pp)
{
    size_t i;

    if (pp == NULL)
        return;
    for (i = 0; pp->e != NULL && i < pp->peers.n; i++)
        mx_sim_free(&pp->e[i].sim, 1);
    free(pp->e);
    pp->e = NULL;
    mx_peers_free(&pp->peers);
}
