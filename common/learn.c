/*
 * learn.c - a peer's profile from probing its MX hosts as servers.
 *
 * The mx string is parsed as learn.h says; for a domain the MX records
 * come from mx_vres_mx(), each MX host is resolved by mx_vres_addrs()
 * (libunbound, not validated: resolve.h), an address literal by
 * mx_resolve(), and every address is probed with mx_enumerate() in turn,
 * all under the caller's one deadline. The versions, suites and groups
 * the addresses accept are merged per version, then laid out highest
 * version first.
 *
 * Error contract: see learn.h. Nothing is printed; the MX hosts found and
 * each address's outcome are logged at -v (mx_log level 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialect.h"
#include "enumerate.h"
#include "learn.h"
#include "log.h"
#include "net.h"
#include "registry.h"
#include "resolve.h"
#include "strnum.h"
#include "text.h"

#define SMTP_PORT 25
#define MAX_MX    MX_PROFILE_ADDRS /* MX hosts considered */

/* What mx says to probe. */
struct spec {
    char host[256];
    int port;
    int lookup_mx;
};

/* The results of all addresses, per version (index as in mx_enum.v). */
struct merge {
    int accepted[MX_NVERSIONS];
    uint16_t code[MX_NVERSIONS];
    uint16_t suites[MX_NVERSIONS][MX_PEER_MAX_SUITES];
    size_t nsuites[MX_NVERSIONS];
    uint16_t groups[MX_NVERSIONS][MX_PEER_MAX_LIST];
    size_t ngroups[MX_NVERSIONS];
    int overflow;     /* a list was full: logged once */
    struct mx_enum e; /* one address's results */
};

/* Append v to list unless it is there; 0, or -1 when the list is full. */
static int
add_unique(uint16_t *list, size_t *n, size_t cap, uint16_t v)
{
    if (*n == cap && !mx_code_listed(list, *n, v))
        return -1;
    mx_code_add(list, n, cap, v);
    return 0;
}

/* A host name: labels of 1..63 letters, digits, '-' or '_', at most 253
 * characters, a final dot allowed. */
static int
valid_host(const char *s)
{
    size_t len = strlen(s), lab = 0, i;

    if (len > 1 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return 0;
    for (i = 0; i <= len; i++) {
        char c = i < len ? s[i] : '.';

        if (c == '.') {
            if (lab == 0 || lab > 63)
                return 0;
            lab = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || c == '-' || c == '_') {
            lab++;
        } else {
            return 0;
        }
    }
    return 1;
}

/* mx as learn.h describes it; 0 or -1 (USAGE). */
static int
parse_mx(const char *mx, struct spec *sp, struct mx_error *err)
{
    const char *h = mx, *port_s = NULL, *close, *colon;
    const char *errstr = "is invalid";
    long long port = SMTP_PORT;
    size_t hlen;
    int bracket = 0;

    memset(sp, 0, sizeof(*sp));
    if (mx[0] == '[') {
        bracket = 1;
        h = mx + 1;
        close = strchr(h, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            goto bad;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            port_s = close + 2;
    } else {
        hlen = strlen(mx);
        colon = strchr(mx, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            if (!mx_is_address(mx)) {
                mx_error_set(err, MX_E_USAGE,
                             "mx '%.80s': an IPv6 address with a port is "
                             "written [ADDRESS]:PORT",
                             mx);
                return -1;
            }
        } else if (colon != NULL) {
            hlen = (size_t)(colon - mx);
            port_s = colon + 1;
        }
    }
    if (hlen == 0 || hlen >= sizeof(sp->host))
        goto bad;
    memcpy(sp->host, h, hlen);
    sp->host[hlen] = '\0';
    if (port_s != NULL && mx_strtonum(port_s, 1, 65535, &port, &errstr) != 0) {
        mx_error_set(err, MX_E_USAGE, "mx '%.80s': port %s", mx, errstr);
        return -1;
    }
    sp->port = (int)port;
    if (mx_is_address(sp->host)) {
        sp->lookup_mx = 0;
        return 0;
    }
    if (!valid_host(sp->host))
        goto bad;
    sp->lookup_mx = !bracket;
    return 0;
bad:
    mx_error_set(err, MX_E_USAGE,
                 "mx '%.80s' is not DOMAIN, DOMAIN:PORT, [HOST], "
                 "[HOST]:PORT or an address",
                 mx);
    return -1;
}

/* "TLSv1.3 TLSv1.2" for the log. */
static void
versions_text(const struct mx_enum *e, char *buf, size_t cap)
{
    size_t len = 0;
    int vi, k;

    buf[0] = '\0';
    for (vi = MX_NVERSIONS - 1; vi >= 0; vi--) {
        if (e->v[vi].state != MX_VS_ACCEPTED)
            continue;
        k = snprintf(buf + len, cap - len, "%s%s", len > 0 ? " " : "",
                     mx_version_name(e->v[vi].version));
        if (k < 0 || (size_t)k >= cap - len)
            return;
        len += (size_t)k;
    }
}

/* Take what one address accepts into the merge; how many versions. */
static int
merge_one(struct merge *mg)
{
    const struct mx_vresult *r;
    size_t i;
    int vi, n = 0, full = 0;

    for (vi = 0; vi < MX_NVERSIONS; vi++) {
        r = &mg->e.v[vi];
        if (r->state != MX_VS_ACCEPTED)
            continue;
        n++;
        mg->accepted[vi] = 1;
        mg->code[vi] = r->version;
        for (i = 0; i < r->nsuites; i++)
            if (add_unique(mg->suites[vi], &mg->nsuites[vi], MX_PEER_MAX_SUITES,
                           r->suites[i]) != 0)
                full = 1;
        for (i = 0; i < r->ngroups; i++)
            if (add_unique(mg->groups[vi], &mg->ngroups[vi], MX_PEER_MAX_LIST,
                           r->groups[i]) != 0)
                full = 1;
    }
    if (full && !mg->overflow) {
        mg->overflow = 1;
        mx_log(1, "learn: more suites or groups than a profile holds; the "
                  "rest are left out");
    }
    return n;
}

/* Probe one address; 0 when it accepted some version (merged), else -1
 * with err. */
static int
probe(const struct mx_addr *a, const char *host, int port, int parallel,
      struct mx_deadline dl, struct merge *mg, struct mx_error *err)
{
    struct mx_target t;
    struct mx_enum_opts eo;
    struct mx_error e;
    char vers[64];
    int rc, nacc;

    memset(&t, 0, sizeof(t));
    t.host = a->text;
    t.port = port;
    t.family = a->sa.ss_family;
    t.app.dialect = MX_DIALECT_SMTP;
    t.app.helo_name = NULL;
    t.deadline = dl;
    t.addrs[0] = *a;
    t.naddrs = 1;
    memset(&eo, 0, sizeof(eo));
    eo.what = MX_ENUM_VERSIONS | MX_ENUM_SUITES | MX_ENUM_GROUPS;
    eo.parallel = parallel;
    eo.sni = NULL;
    mx_error_clear(&e);
    rc = mx_enumerate(&t, &eo, &mg->e, &e);
    nacc = merge_one(mg);
    if (nacc == 0) {
        if (rc == 0)
            mx_error_set(err, MX_E_TLS, "%s [%s]:%d accepts no TLS version",
                         host, a->text, port);
        else
            *err = e;
        mx_log(1, "learn: %s [%s]:%d: %s", host, a->text, port, err->msg);
        return -1;
    }
    versions_text(&mg->e, vers, sizeof(vers));
    mx_log(1, "learn: %s [%s]:%d: %s accepted%s%s", host, a->text, port, vers,
           rc != 0 ? "; some probes failed: " : "", rc != 0 ? e.msg : "");
    return 0;
}

/* The merged lists into the profile, highest version first. */
static void
finish(const struct merge *mg, struct mx_profile *out)
{
    size_t i, cap_v = sizeof(out->versions) / sizeof(out->versions[0]);
    int vi;

    for (vi = MX_NVERSIONS - 1; vi >= 0; vi--) {
        if (!mg->accepted[vi])
            continue;
        if (out->nversions < cap_v)
            out->versions[out->nversions++] = mg->code[vi];
        for (i = 0; i < mg->nsuites[vi]; i++)
            (void)add_unique(out->suites, &out->nsuites, MX_PEER_MAX_SUITES,
                             mg->suites[vi][i]);
        for (i = 0; i < mg->ngroups[vi]; i++)
            (void)add_unique(out->groups, &out->ngroups, MX_PEER_MAX_LIST,
                             mg->groups[vi][i]);
    }
}

/* host onto the space-separated list of hosts probed. */
static void
add_host(struct mx_profile *out, const char *host)
{
    size_t len = strlen(out->hosts), hl = strlen(host);

    if (len + (len > 0) + hl >= sizeof(out->hosts)) {
        mx_log(1, "learn: no room to note host %s in the profile", host);
        return;
    }
    if (len > 0)
        out->hosts[len++] = ' ';
    memcpy(out->hosts + len, host, hl + 1);
}

/* Has this address been probed already (another MX name for it)? */
static int
seen(const struct mx_profile *out, const char *text)
{
    size_t i;

    for (i = 0; i < out->naddrs; i++)
        if (strcmp(out->addrs[i], text) == 0)
            return 1;
    return 0;
}

/* Keep the first failure. */
static void
note(struct mx_error *first, const struct mx_error *e)
{
    if (first->code == MX_E_OK)
        *first = *e;
}

int
mx_learn(const char *peer, const char *mx, const char *dns_server,
         struct mx_deadline dl, int parallel, struct mx_profile *out,
         struct mx_error *err)
{
    struct mx_addr addrs[MX_MAX_ADDRS];
    struct mx_mxrec *recs = NULL;
    struct mx_vresolver *vr = NULL;
    struct merge *mg = NULL;
    struct mx_error first, e;
    struct spec sp;
    size_t nrec = 0, nad, h, a;
    int answered = 0, rc = -1, r, full = 0;

    memset(out, 0, sizeof(*out));
    mx_error_clear(&first);
    if (peer == NULL || peer[0] == '\0' || strlen(peer) >= sizeof(out->peer) ||
        mx == NULL || strlen(mx) >= sizeof(out->mx)) {
        mx_error_set(err, MX_E_USAGE,
                     "learn: peer name or mx missing or "
                     "too long");
        return -1;
    }
    memcpy(out->peer, peer, strlen(peer) + 1);
    memcpy(out->mx, mx, strlen(mx) + 1);
    if (parse_mx(mx, &sp, err) != 0)
        return -1;
    recs = calloc(MAX_MX, sizeof(*recs));
    mg = calloc(1, sizeof(*mg));
    if (recs == NULL || mg == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    /* a resolver only when some name is to be looked up */
    if ((sp.lookup_mx || !mx_is_address(sp.host)) &&
        (vr = mx_vres_new_plain(dns_server, err)) == NULL)
        goto out;
    if (sp.lookup_mx) {
        if (mx_vres_mx(vr, sp.host, dl, recs, MAX_MX, &nrec, err) != 0) {
            mx_log(1, "learn: MX of %s: %s", sp.host, err->msg);
            goto out;
        }
        for (h = 0; h < nrec; h++)
            mx_log(1, "learn: MX of %s: %u %s", sp.host, recs[h].pref,
                   recs[h].host);
    } else {
        memcpy(recs[0].host, sp.host, sizeof(recs[0].host));
        nrec = 1;
    }
    for (h = 0; h < nrec && !full; h++) {
        const char *host = recs[h].host;

        add_host(out, host);
        mx_error_clear(&e);
        if (mx_is_address(host))
            r = mx_resolve(host, sp.port, AF_UNSPEC, dl, addrs, &nad, &e);
        else
            r = mx_vres_addrs(vr, host, sp.port, dl, addrs, MX_MAX_ADDRS, &nad,
                              &e);
        if (r != 0) {
            mx_log(1, "learn: %s: %s", host, e.msg);
            note(&first, &e);
            continue;
        }
        for (a = 0; a < nad; a++) {
            if (seen(out, addrs[a].text))
                continue;
            if (out->naddrs == MX_PROFILE_ADDRS) {
                mx_log(1,
                       "learn: %d addresses probed; %s [%s] and what "
                       "follows are left out",
                       MX_PROFILE_ADDRS, host, addrs[a].text);
                full = 1;
                break;
            }
            snprintf(out->addrs[out->naddrs], sizeof(out->addrs[0]), "%s",
                     addrs[a].text);
            out->naddrs++;
            mx_error_clear(&e);
            if (probe(&addrs[a], host, sp.port, parallel, dl, mg, &e) == 0)
                answered++;
            else
                note(&first, &e);
        }
    }
    if (answered == 0) {
        if (first.code == MX_E_OK)
            mx_error_set(&first, MX_E_RESOLVE, "%s: no address to probe", mx);
        *err = first;
        goto out;
    }
    finish(mg, out);
    out->learned = time(NULL);
    rc = 0;
out:
    mx_vres_free(vr);
    free(recs);
    free(mg);
    return rc;
}
