/*
 * peers_outbound.c - check_tls_peers --our-client: the outbound direction.
 *
 * For every peer described by its MX (mx =), the profile --learn cached
 * for it says what its MX accepts as a server; common/outbound.c predicts
 * from it whether our client (a client of the library by name, or a
 * recorded ClientHello) negotiates with that MX and what it gets, without
 * contacting the peer. This file renders the predictions: one line per
 * peer, the peer's severity for a failure (with the smtp_tls_* setting of
 * ours to change), UNKNOWN for a missing or unusable profile, WARNING for
 * a stale one (still predicted).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"

#include "clientlib.h"
#include "outbound.h"
#include "peers_outbound.h"
#include "profile.h"

/* Our client's offer from a library name or a recording's path. */
static int
load_ours(const char *our, struct mx_peer *ours, struct mx_error *err)
{
    char path[1100];
    const char *hello = our;
    struct mx_error e;

    if (strchr(our, '/') == NULL) {
        if (mx_clientlib_path(NULL, our, path, sizeof(path), &e) != 0) {
            mx_error_set(err, e.code, "--our-client: %s", e.msg);
            return -1;
        }
        hello = path;
    }
    if (mx_peer_from_options(ours, "ours", NULL, NULL, NULL, NULL, hello, &e) !=
        0) {
        mx_error_set(err, e.code, "--our-client: %s", e.msg);
        return -1;
    }
    return 0;
}

/* One mx peer: 1 predicted OK, 0 not (a node was added either way). */
static int
one_peer(const struct mx_peers_outbound_cfg *cfg, const struct mx_offer *ours,
         const struct mx_peer *p, time_t now, struct mx_check *chk)
{
    static struct mx_profile prof;
    struct mx_outbound o;
    struct mx_error err;
    struct mx_node *n;
    long max_age;
    int rc;

    rc = mx_profile_read(cfg->cache_dir, p->name, &prof, &err);
    if (rc != 0) {
        if (rc > 0)
            n = mx_check_add(
                chk, NULL, MX_UNKNOWN,
                "%s: no learned profile of its MX in %s; run: " MXTLS_PLUGINDIR
                "/check_tls_peers --learn -f %s --peer=%s",
                p->name, cfg->cache_dir,
                cfg->peers_file != NULL ? cfg->peers_file : "FILE", p->name);
        else
            n = mx_check_add(chk, NULL, MX_UNKNOWN, "%s: %s", p->name, err.msg);
        mx_node_summary(n, "%s (%s profile)", p->name,
                        rc > 0 ? "no" : "unusable");
        return 0;
    }
    max_age = cfg->max_age_given || p->max_age <= 0 ? cfg->max_age : p->max_age;
    if (difftime(now, prof.learned) > (double)max_age) {
        n = mx_check_add(chk, NULL, MX_WARNING,
                         "%s: the profile of its MX is older than its max-age; "
                         "refresh: " MXTLS_PLUGINDIR
                         "/check_tls_peers --learn -f %s --peer=%s",
                         p->name,
                         cfg->peers_file != NULL ? cfg->peers_file : "FILE",
                         p->name);
        mx_node_summary(n, "%s (stale profile)", p->name);
    }
    mx_outbound_predict(ours, &prof, &o);
    if (o.verdict == MX_OUT_OK) {
        mx_check_add(chk, NULL, MX_OK, "%s: our client gets %s from its MX %s",
                     p->name, o.why, prof.mx);
        return 1;
    }
    n = mx_check_add(chk, NULL, p->severity,
                     "%s: our client cannot deliver to its MX %s: %s", p->name,
                     prof.mx, o.why);
    mx_node_summary(n, "%s (%s)", p->name, mx_outbound_verdict_name(o.verdict));
    return 0;
}

void
mx_peers_outbound(const struct mx_peers_outbound_cfg *cfg,
                  const struct mx_peers *peers, struct mx_check *chk)
{
    static struct mx_peer ours;
    struct mx_error err;
    time_t now = time(NULL);
    size_t i, nmx = 0, nok = 0;

    mx_error_clear(&err);
    if (load_ours(cfg->our_client, &ours, &err) != 0) {
        mx_peer_free(&ours);
        mx_check_summary(chk, MX_UNKNOWN, "%s", err.msg);
        return;
    }
    for (i = 0; i < peers->n; i++) {
        if (peers->v[i].kind != MX_PEER_MX)
            continue;
        nmx++;
        nok += (size_t)one_peer(cfg, &ours.offer, &peers->v[i], now, chk);
    }
    mx_peer_free(&ours);
    if (nmx == 0)
        mx_check_summary(chk, MX_UNKNOWN,
                         "no peer described by its MX (mx =): --our-client "
                         "predicts from the MX profiles --learn keeps");
    else
        mx_check_ok_summary(
            chk, "our client (%s) negotiates with the MX of %zu of %zu peer%s",
            cfg->our_client, nok, nmx, nmx == 1 ? "" : "s");
}
