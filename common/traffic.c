/*
 * traffic.c - each peer's real TLS client, learned from the mail it sends
 * us (traffic.h).
 *
 *  - SOURCE: "iface:NAME:SECONDS" is a live capture (1 to 86400 s); a
 *    directory is every regular file in it not starting with '.', in
 *    name order (rotated captures: capture.pcap0, capture.pcap1, ... or
 *    dated names sort as they were written); anything else is one file.
 *  - Each hello is fingerprinted (fingerprint.h) and kept per sender in a
 *    hash table of at most MX_TRAFFIC_SENDERS senders: the latest hello
 *    byte for byte, its fingerprint, counts, first and last seen, and the
 *    latest change of fingerprint.
 *  - Attribution: each sender against each peer's "from =" in the order
 *    of the peers file; host names need the sender's PTR name confirmed
 *    forward (resolve.h: mx_vres_confirmed_names), looked up once for
 *    every sender when some peer names hosts or when names are asked for
 *    the candidates.
 *  - A peer's profile (profile.h) keeps what the cache held from 'mx ='
 *    (its lists, mx, hosts, addresses, learned time) and adds the hello;
 *    without one, the lists are the hello's offer and learned is now.
 *
 * Error contract: see traffic.h. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "buf.h"
#include "fingerprint.h"
#include "fromspec.h"
#include "profile.h"
#include "registry.h"
#include "resolve.h"
#include "strnum.h"
#include "suites.h"
#include "text.h"
#include "traffic.h"
#include "utctime.h"

#define HASH_BUCKETS 4096 /* sender hash table */
#define DIR_FILES    100000

static int
in_net(const struct mx_from_rule *r, int family, const uint8_t *a)
{
    unsigned full = r->bits / 8, rest = r->bits % 8;
    uint8_t mask;

    if (r->family != family)
        return 0;
    if (memcmp(r->addr, a, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    mask = (uint8_t)(0xff << (8 - rest));
    return (r->addr[full] & mask) == (a[full] & mask);
}

static int
name_matches(const struct mx_from_rule *r, const char *name)
{
    size_t n = strlen(name), m = strlen(r->name);

    if (name[0] == '\0')
        return 0;
    if (r->name[0] != '.')
        return strcasecmp(r->name, name) == 0;
    return n > m && strcasecmp(name + n - m, r->name) == 0;
}

static int
from_has_names(const struct mx_from *f)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        if (f->r[i].family == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- */
/* Senders */

struct sender {
    struct sender *next; /* in its bucket */
    int family;
    uint8_t addr[16];
    char addr_s[48];
    char name[256];
    unsigned long hellos, agree;
    long long first, last;
    uint8_t *hello; /* the latest */
    size_t len;
    char source[200];
    char ja3[33], ja4[40];
    char change[256];
    int peer; /* index, -1 for none */
};

struct learner {
    struct sender *buckets[HASH_BUCKETS];
    struct sender **all; /* in order of first hello */
    size_t n, cap;
    unsigned long dropped;
    int nomem;
};

static unsigned
addr_hash(int family, const uint8_t *a)
{
    size_t i, n = family == AF_INET ? 4 : 16;
    uint32_t h = 2166136261u;

    for (i = 0; i < n; i++)
        h = (h ^ a[i]) * 16777619u;
    return h % HASH_BUCKETS;
}

static struct sender *
sender_get(struct learner *l, int family, const uint8_t *a)
{
    unsigned b = addr_hash(family, a);
    size_t alen = family == AF_INET ? 4 : 16;
    struct sender *s, **nv;

    for (s = l->buckets[b]; s != NULL; s = s->next)
        if (s->family == family && memcmp(s->addr, a, alen) == 0)
            return s;
    if (l->n == MX_TRAFFIC_SENDERS) {
        l->dropped++;
        return NULL;
    }
    if (l->n == l->cap) {
        size_t ncap = l->cap == 0 ? 64 : l->cap * 2;

        nv = realloc(l->all, ncap * sizeof(*nv));
        if (nv == NULL) {
            l->nomem = 1;
            return NULL;
        }
        l->all = nv;
        l->cap = ncap;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        l->nomem = 1;
        return NULL;
    }
    s->family = family;
    memcpy(s->addr, a, alen);
    if (inet_ntop(family, a, s->addr_s, sizeof(s->addr_s)) == NULL)
        strcpy(s->addr_s, "?");
    s->peer = -1;
    s->next = l->buckets[b];
    l->buckets[b] = s;
    l->all[l->n++] = s;
    return s;
}

static void
when_text(long long t, char *out, size_t cap)
{
    if (mx_utc_format((time_t)t, out, cap) != 0)
        snprintf(out, cap, "(time out of range)");
}

/* The capture reader's callback: one hello. */
static int
on_hello(void *arg, const struct mx_seen_hello *h)
{
    struct learner *l = arg;
    struct mx_fingerprint *fp;
    struct mx_error e;
    struct sender *s;
    uint8_t *copy;
    char when[32];

    s = sender_get(l, h->family, h->src);
    if (s == NULL)
        return l->nomem ? -1 : 0;
    fp = malloc(sizeof(*fp));
    if (fp == NULL) {
        l->nomem = 1;
        return -1;
    }
    if (mx_fingerprint(h->bytes, h->len, fp, &e) != 0) {
        free(fp);
        if (e.code == MX_E_INTERNAL) {
            l->nomem = 1;
            return -1;
        }
        return 0; /* an SSLv2 hello: no fingerprint, not learned */
    }
    copy = malloc(h->len);
    if (copy == NULL) {
        free(fp);
        l->nomem = 1;
        return -1;
    }
    memcpy(copy, h->bytes, h->len);
    if (s->hellos == 0) {
        s->first = h->when;
    } else if (strcmp(s->ja4, fp->ja4) != 0 ||
               strcmp(s->ja3, fp->ja3_md5) != 0) {
        when_text(h->when, when, sizeof(when));
        snprintf(s->change, sizeof(s->change),
                 "%s: JA4 %s (%lu hello%s) then %s", when, s->ja4, s->agree,
                 s->agree == 1 ? "" : "s", fp->ja4);
        s->agree = 0;
    }
    if (h->when < s->first)
        s->first = h->when;
    if (h->when > s->last || s->hellos == 0)
        s->last = h->when;
    s->hellos++;
    s->agree++;
    free(s->hello);
    s->hello = copy;
    s->len = h->len;
    snprintf(s->ja3, sizeof(s->ja3), "%s", fp->ja3_md5);
    snprintf(s->ja4, sizeof(s->ja4), "%s", fp->ja4);
    {
        char from[80], to[80];

        mx_capture_endpoint(from, sizeof(from), h->family, h->src, h->sport);
        mx_capture_endpoint(to, sizeof(to), h->family, h->dst, h->dport);
        snprintf(s->source, sizeof(s->source), "%.100s: %.46s -> %.46s",
                 h->source, from, to);
    }
    free(fp);
    return 0;
}

static void
learner_free(struct learner *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->all[i]->hello);
        free(l->all[i]);
    }
    free(l->all);
    memset(l, 0, sizeof(*l));
}

/* ---------------------------------------------------------------- */
/* Sources */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every capture file of a directory, in name order. */
static int
read_dir(const char *dir, struct learner *l, struct mx_capture_stats *st,
         struct mx_error *err)
{
    DIR *d;
    struct dirent *de;
    struct stat sb;
    char **names = NULL, **nv;
    size_t n = 0, cap = 0, i;
    struct mx_buf path = MX_BUF_INIT;
    int rc = -1;

    d = opendir(dir);
    if (d == NULL) {
        mx_error_set(err, MX_E_USAGE, "%s: %s", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == DIR_FILES) {
            mx_error_set(err, MX_E_USAGE, "%s: more than %d files", dir,
                         DIR_FILES);
            goto out;
        }
        if (n == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            nv = realloc(names, cap * sizeof(*nv));
            if (nv == NULL)
                goto nomem;
            names = nv;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL)
            goto nomem;
        n++;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n; i++) {
        mx_buf_reset(&path);
        mx_buf_printf(&path, "%s/%s", dir, names[i]);
        if (mx_buf_failed(&path))
            goto nomem;
        if (stat(mx_buf_str(&path), &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (mx_capture_each(mx_buf_str(&path), on_hello, l, st, err) != 0)
            goto out;
    }
    if (st->files == 0) {
        mx_error_set(err, MX_E_USAGE, "%s: no capture files in it", dir);
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    mx_error_set(err, MX_E_INTERNAL, "out of memory");
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    mx_buf_free(&path);
    closedir(d);
    return rc;
}

/* "iface:NAME:SECONDS" */
static int
read_live(const struct mx_traffic_opts *o, struct learner *l,
          struct mx_capture_stats *st, struct mx_error *err)
{
    char iface[64];
    const char *s = o->source + 6, *colon = strrchr(o->source, ':');
    long long secs;
    const char *why = NULL;

    if (colon == NULL || colon < s || (size_t)(colon - s) >= sizeof(iface) ||
        colon == s) {
        mx_error_set(err, MX_E_USAGE,
                     "--learn-from=%.100s: say iface:NAME:SECONDS, e.g. "
                     "iface:eth0:3600",
                     o->source);
        return -1;
    }
    memcpy(iface, s, (size_t)(colon - s));
    iface[colon - s] = '\0';
    if (mx_strtonum(colon + 1, 1, 86400, &secs, &why) != 0) {
        mx_error_set(err, MX_E_USAGE,
                     "--learn-from=%.100s: SECONDS %s (1 to 86400)", o->source,
                     why != NULL ? why : "is not a number");
        return -1;
    }
    return mx_capture_live(iface, (unsigned)secs, o->ports, o->nports, on_hello,
                           l, st, err);
}

static int
read_source(const struct mx_traffic_opts *o, struct learner *l,
            struct mx_capture_stats *st, struct mx_error *err)
{
    struct stat sb;
    int rc;

    if (strncmp(o->source, "iface:", 6) == 0)
        rc = read_live(o, l, st, err);
    else if (stat(o->source, &sb) == 0 && S_ISDIR(sb.st_mode))
        rc = read_dir(o->source, l, st, err);
    else
        rc = mx_capture_each(o->source, on_hello, l, st, err);
    if (rc == 0 && l->nomem) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        rc = -1;
    }
    return rc;
}

/* ---------------------------------------------------------------- */
/* Names, attribution, profiles */

/* Confirmed PTR names of every sender; a note when they cannot be had. */
static void
look_up_names(const struct mx_traffic_opts *o, struct learner *l,
              struct mx_traffic *t)
{
    struct mx_vresolver *r;
    struct mx_error e;
    char(*names)[256] = NULL;
    const char **addrs = NULL;
    size_t i;

    if (l->n == 0)
        return;
    r = mx_vres_new(o->dns_anchor, o->dns_server, &e);
    if (r == NULL) {
        snprintf(t->names_note, sizeof(t->names_note),
                 "sender names not looked up: %.250s", e.msg);
        return;
    }
    names = calloc(l->n, sizeof(*names));
    addrs = calloc(l->n, sizeof(*addrs));
    if (names == NULL || addrs == NULL) {
        snprintf(t->names_note, sizeof(t->names_note),
                 "sender names not looked up: out of memory");
        goto out;
    }
    for (i = 0; i < l->n; i++)
        addrs[i] = l->all[i]->addr_s;
    if (mx_vres_confirmed_names(
            r, addrs, l->n, names,
            mx_deadline_in(o->names_timeout > 0 ? o->names_timeout : 10.0),
            &e) != 0)
        snprintf(t->names_note, sizeof(t->names_note),
                 "sender names not looked up: %.250s", e.msg);
    for (i = 0; i < l->n; i++)
        snprintf(l->all[i]->name, sizeof(l->all[i]->name), "%s", names[i]);
out:
    free(names);
    free(addrs);
    mx_vres_free(r);
}

static void
attribute(struct learner *l, const struct mx_peers *peers,
          const struct mx_from *froms)
{
    size_t i, p, k;

    for (i = 0; i < l->n; i++) {
        struct sender *s = l->all[i];

        for (p = 0; p < peers->n && s->peer < 0; p++)
            for (k = 0; k < froms[p].n && s->peer < 0; k++) {
                const struct mx_from_rule *r = &froms[p].r[k];

                if (r->family != 0 ? in_net(r, s->family, s->addr)
                                   : name_matches(r, s->name))
                    s->peer = (int)p;
            }
    }
}

/* "TLSv1.2 only, 12 suites, all RSA-authenticated" of a hello. */
static void
offer_text(const uint8_t *hello, size_t len, char *out, size_t cap)
{
    struct mx_offer o;
    struct mx_error e;
    const struct mx_suite *s;
    size_t i, rsa = 0, ecdsa = 0, other = 0;

    snprintf(out, cap, "(undecodable)");
    if (mx_offer_from_hello(&o, hello, len, "hello", &e) != 0)
        return;
    for (i = 0; i < o.nsuites; i++) {
        s = mx_suite_by_code(o.suites[i]);
        if (s == NULL || s->auth == MX_SAUTH_TLS13)
            continue;
        if (s->auth == MX_SAUTH_RSA)
            rsa++;
        else if (s->auth == MX_SAUTH_ECDSA)
            ecdsa++;
        else
            other++;
    }
    if (o.max_version != 0 && o.max_version == o.min_version)
        snprintf(out, cap, "%s only, ", mx_version_name(o.max_version));
    else if (o.max_version != 0)
        snprintf(out, cap, "%s to %s, ", mx_version_name(o.max_version),
                 mx_version_name(o.min_version));
    else
        out[0] = '\0';
    snprintf(out + strlen(out), cap - strlen(out), "%zu suite%s%s", o.nsuites,
             o.nsuites == 1 ? "" : "s",
             rsa + ecdsa + other == 0   ? ""
             : ecdsa == 0 && other == 0 ? ", all RSA-authenticated"
             : rsa == 0 && other == 0   ? ", all ECDSA-authenticated"
             : rsa > 0 && ecdsa > 0     ? ", RSA- and ECDSA-authenticated"
                                        : "");
    mx_offer_free(&o);
}

static void
sender_label(const struct sender *s, struct mx_buf *b)
{
    mx_buf_append(b, s->addr_s);
    if (s->name[0] != '\0')
        mx_buf_printf(b, " (%s)", s->name);
}

/* The profile of peer p from its senders; writes it. */
static void
learn_peer(const struct mx_traffic_opts *o, const struct mx_peer *peer,
           struct learner *l, size_t p, struct mx_traffic_peer *tp)
{
    struct mx_profile *prof = NULL, *old = NULL;
    struct mx_buf senders = MX_BUF_INIT;
    const struct sender *best = NULL;
    struct mx_error e;
    char when[32];
    size_t i;
    int rc, nsend = 0;

    memset(tp, 0, sizeof(*tp));
    tp->peer = p;
    for (i = 0; i < l->n; i++) {
        const struct sender *s = l->all[i];

        if (s->peer != (int)p)
            continue;
        if (best == NULL || s->last > best->last)
            best = s;
        if (nsend++ < 8) {
            mx_buf_append(&senders, nsend > 1 ? ", " : "");
            sender_label(s, &senders);
        }
        tp->hellos += s->hellos;
        if (tp->first == 0 || s->first < tp->first)
            tp->first = s->first;
        if (s->last > tp->last)
            tp->last = s->last;
    }
    if (nsend > 8)
        mx_buf_printf(&senders, " and %d more", nsend - 8);
    for (i = 0; i < l->n; i++) {
        const struct sender *s = l->all[i];

        if (s->peer != (int)p)
            continue;
        if (strcmp(s->ja4, best->ja4) == 0 && strcmp(s->ja3, best->ja3) == 0)
            tp->agree += s->agree;
        else if (tp->change[0] == '\0')
            snprintf(tp->change, sizeof(tp->change),
                     "its senders differ: %s sends JA4 %s, %s sends %s",
                     s->addr_s, s->ja4, best->addr_s, best->ja4);
    }
    if (best->change[0] != '\0')
        snprintf(tp->change, sizeof(tp->change), "%.190s (from %.47s)",
                 best->change, best->addr_s);
    snprintf(tp->ja3, sizeof(tp->ja3), "%s", best->ja3);
    snprintf(tp->ja4, sizeof(tp->ja4), "%s", best->ja4);
    snprintf(tp->senders, sizeof(tp->senders), "%s",
             mx_buf_failed(&senders) ? "?" : mx_buf_str(&senders));
    offer_text(best->hello, best->len, tp->offer, sizeof(tp->offer));

    prof = calloc(1, sizeof(*prof));
    old = calloc(1, sizeof(*old));
    if (prof == NULL || old == NULL) {
        snprintf(tp->profile_error, sizeof(tp->profile_error), "out of memory");
        goto out;
    }
    rc = o->cache_dir != NULL
             ? mx_profile_read(o->cache_dir, peer->name, old, &e)
             : 1;
    if (rc < 0) {
        snprintf(tp->profile_error, sizeof(tp->profile_error), "%.290s", e.msg);
        goto out;
    }
    if (rc == 0) {
        *prof = *old; /* what 'mx =' learned stays */
        if (old->hello_len > 0 &&
            (strcmp(old->ja4, best->ja4) != 0 ||
             strcmp(old->ja3, best->ja3) != 0) &&
            tp->change[0] == '\0') {
            when_text((long long)old->hello_last, when, sizeof(when));
            snprintf(tp->change, sizeof(tp->change),
                     "changed since the last capture (last seen %s): JA4 %s "
                     "then %s",
                     when, old->ja4, best->ja4);
        }
        if (old->hello_len > 0 && strcmp(old->ja4, best->ja4) == 0 &&
            strcmp(old->ja3, best->ja3) == 0 &&
            old->hello_first < (time_t)tp->first)
            tp->first = (long long)old->hello_first;
    } else {
        /* the lists of the profile: what the hello offers */
        static const uint16_t vs[] = {MX_TLS13, MX_TLS12, MX_TLS11, MX_TLS10,
                                      MX_SSL3};
        struct mx_offer ho;
        size_t k, n;

        if (mx_offer_from_hello(&ho, best->hello, best->len, "hello", &e) !=
            0) {
            snprintf(tp->profile_error, sizeof(tp->profile_error), "%.290s",
                     e.msg);
            goto out;
        }
        prof->nversions = 0;
        for (k = 0; k < sizeof(vs) / sizeof(vs[0]); k++)
            if (vs[k] <= ho.max_version && vs[k] >= ho.min_version &&
                prof->nversions < sizeof(prof->versions) / sizeof(uint16_t))
                prof->versions[prof->nversions++] = vs[k];
        n = ho.nsuites < MX_PEER_MAX_SUITES ? ho.nsuites : MX_PEER_MAX_SUITES;
        memcpy(prof->suites, ho.suites, n * sizeof(uint16_t));
        prof->nsuites = n;
        n = ho.ngroups < MX_PEER_MAX_LIST ? ho.ngroups : MX_PEER_MAX_LIST;
        memcpy(prof->groups, ho.groups, n * sizeof(uint16_t));
        prof->ngroups = n;
        mx_offer_free(&ho);
        snprintf(prof->peer, sizeof(prof->peer), "%s", peer->name);
        snprintf(prof->mx, sizeof(prof->mx), "%s", peer->mx);
        prof->learned = time(NULL);
    }
    if (best->len > sizeof(prof->hello)) {
        snprintf(tp->profile_error, sizeof(tp->profile_error),
                 "the hello is longer than %zu bytes", sizeof(prof->hello));
        goto out;
    }
    memcpy(prof->hello, best->hello, best->len);
    prof->hello_len = best->len;
    snprintf(prof->hello_source, sizeof(prof->hello_source), "%s",
             best->source);
    snprintf(prof->hello_from, sizeof(prof->hello_from), "%s", tp->senders);
    prof->hello_first = (time_t)tp->first;
    prof->hello_last = (time_t)tp->last;
    prof->hello_count = tp->hellos;
    prof->hello_agree = tp->agree;
    snprintf(prof->ja3, sizeof(prof->ja3), "%s", best->ja3);
    snprintf(prof->ja4, sizeof(prof->ja4), "%s", best->ja4);
    snprintf(prof->hello_change, sizeof(prof->hello_change), "%s", tp->change);
    if (o->cache_dir != NULL && mx_profile_write(o->cache_dir, prof, &e) != 0)
        snprintf(tp->profile_error, sizeof(tp->profile_error), "%.290s", e.msg);
out:
    mx_buf_free(&senders);
    free(prof);
    free(old);
}

static int
cmp_cand(const void *a, const void *b)
{
    const struct mx_traffic_sender *x = a, *y = b;

    if (x->hellos != y->hellos)
        return x->hellos < y->hellos ? 1 : -1;
    return strcmp(x->addr, y->addr);
}

int
mx_traffic_learn(const struct mx_traffic_opts *o, const struct mx_peers *peers,
                 struct mx_traffic *t, struct mx_error *err)
{
    struct learner *l = NULL;
    struct mx_from *froms = NULL;
    size_t i, np = 0, nc = 0, withpeers = 0;
    int names = 0, rc = -1;

    memset(t, 0, sizeof(*t));
    if (o == NULL || o->source == NULL || peers == NULL) {
        mx_error_set(err, MX_E_USAGE, "--learn-from: no source");
        return -1;
    }
    snprintf(t->source, sizeof(t->source), "%s", o->source);
    l = calloc(1, sizeof(*l));
    froms = calloc(peers->n > 0 ? peers->n : 1, sizeof(*froms));
    if (l == NULL || froms == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    for (i = 0; i < peers->n; i++) {
        if (peers->v[i].from[0] == '\0')
            continue;
        if (mx_from_parse(peers->v[i].from, &froms[i], err) != 0)
            goto out;
        withpeers++;
        if (from_has_names(&froms[i]))
            names = 1;
    }
    if (read_source(o, l, &t->st, err) != 0)
        goto out;
    t->nsenders = l->n;
    t->dropped = l->dropped;
    if (names || o->names)
        look_up_names(o, l, t);
    attribute(l, peers, froms);
    for (i = 0; i < l->n; i++)
        if (l->all[i]->peer < 0)
            nc++;
    t->peers = calloc(peers->n > 0 ? peers->n : 1, sizeof(*t->peers));
    t->cands = calloc(nc > 0 ? nc : 1, sizeof(*t->cands));
    if (t->peers == NULL || t->cands == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    for (i = 0; i < peers->n; i++) {
        size_t k;
        int any = 0;

        for (k = 0; k < l->n && !any; k++)
            any = l->all[k]->peer == (int)i;
        if (any)
            learn_peer(o, &peers->v[i], l, i, &t->peers[np++]);
    }
    t->npeers = np;
    for (i = 0; i < l->n; i++) {
        const struct sender *s = l->all[i];
        struct mx_traffic_sender *c;

        if (s->peer >= 0)
            continue;
        c = &t->cands[t->ncands++];
        snprintf(c->addr, sizeof(c->addr), "%s", s->addr_s);
        snprintf(c->name, sizeof(c->name), "%s", s->name);
        c->hellos = s->hellos;
        snprintf(c->ja4, sizeof(c->ja4), "%s", s->ja4);
        snprintf(c->change, sizeof(c->change), "%s", s->change);
        offer_text(s->hello, s->len, c->offer, sizeof(c->offer));
    }
    qsort(t->cands, t->ncands, sizeof(*t->cands), cmp_cand);
    rc = 0;
out:
    if (rc != 0)
        mx_traffic_free(t);
    if (l != NULL)
        learner_free(l);
    free(l);
    free(froms);
    (void)withpeers;
    return rc;
}

void
mx_traffic_free(struct mx_traffic *t)
{
    if (t == NULL)
        return;
    free(t->peers);
    free(t->cands);
    t->peers = NULL;
    t->cands = NULL;
    t->npeers = t->ncands = 0;
}
