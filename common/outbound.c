/*
 * outbound.c - our client against a peer MX's learned profile (see
 * outbound.h for the rules).
 *
 * The diagnosis names what to change on our side, Postfix first:
 * versions through smtp_tls_protocols (opportunistic TLS, the 'may'
 * level) and smtp_tls_mandatory_protocols (the encrypt, dane, verify and
 * secure levels); suites through the cipher grade (smtp_tls_ciphers,
 * smtp_tls_mandatory_ciphers) and smtp_tls_exclude_ciphers /
 * smtp_tls_mandatory_exclude_ciphers; groups through
 * tls_eecdh_auto_curves, which Postfix's client and server share.
 *
 * Pure; no failure: every outcome is a verdict with its line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "outbound.h"
#include "registry.h"
#include "suites.h"
#include "text.h"

#define EXAMPLES 3 /* suites named in a diagnosis */

const char *
mx_outbound_verdict_name(enum mx_out_verdict v)
{
    switch (v) {
    case MX_OUT_OK:
        return "ok";
    case MX_OUT_NO_VERSION:
        return "no common protocol version";
    case MX_OUT_NO_SUITE:
        return "no shared cipher";
    case MX_OUT_NO_GROUP:
        return "no common group";
    }
    return "unknown";
}

static const char *
group_name(uint16_t code)
{
    const struct mx_group *g = mx_group_by_code(code);

    return g != NULL ? g->display : "unknown group";
}

/* "A, B and C" of the versions. */
static void
versions_text(struct mx_buf *b, const uint16_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        mx_buf_printf(b, "%s%s",
                      i == 0       ? ""
                      : i + 1 == n ? " and "
                                   : ", ",
                      mx_version_name(v[i]));
    if (n == 0)
        mx_buf_append(b, "nothing");
}

/* Is s usable in version v at all (by its own kind)? */
static int
suite_fits(uint16_t code, uint16_t v)
{
    const struct mx_suite *s = mx_suite_by_code(code);

    return s != NULL && !(s->flags & MX_SUITE_SCSV) && mx_suite_valid_for(s, v);
}

/* Does s need a group (ECDHE below TLS 1.3, every TLS 1.3 suite)? */
static int
needs_group(uint16_t code, uint16_t v)
{
    const struct mx_suite *s = mx_suite_by_code(code);

    return v >= 0x0304 || (s != NULL && s->kx == MX_KX_ECDHE);
}

/* The versions of our offer, highest first (its range); the count. */
static size_t
offer_versions(const struct mx_offer *o, uint16_t out[8])
{
    static const uint16_t all[] = {MX_TLS13, MX_TLS12, MX_TLS11, MX_TLS10,
                                   MX_SSL3};
    size_t i, n = 0;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] <= o->max_version && all[i] >= o->min_version)
            out[n++] = all[i];
    return n;
}

/* The first of our groups the MX accepts, or 0. */
static uint16_t
common_group(const struct mx_offer *ours, const struct mx_profile *mx)
{
    size_t i;

    for (i = 0; i < ours->ngroups; i++)
        if (mx_code_listed(mx->groups, mx->ngroups, ours->groups[i]))
            return ours->groups[i];
    return 0;
}

static void
finish(struct mx_outbound *out, struct mx_buf *b)
{
    snprintf(out->why, sizeof(out->why), "%s",
             mx_buf_failed(b) ? "out of memory" : mx_buf_str(b));
    mx_buf_free(b);
}

/* No version: say which one to allow. */
static void
no_version(const struct mx_offer *ours, const struct mx_profile *mx,
           struct mx_outbound *out, struct mx_buf *b)
{
    uint16_t vs[8];
    size_t nv = offer_versions(ours, vs);

    out->verdict = MX_OUT_NO_VERSION;
    mx_buf_append(b, "no common protocol version - our client offers ");
    versions_text(b, vs, nv);
    mx_buf_append(b, ", their MX accepts ");
    versions_text(b, mx->versions, mx->nversions);
    if (mx->nversions > 0)
        mx_buf_printf(b,
                      "; allow %s on our client (Postfix: smtp_tls_protocols, "
                      "and smtp_tls_mandatory_protocols for the encrypt, dane "
                      "and verify levels)",
                      mx_version_name(mx->versions[0]));
}

void
mx_outbound_predict(const struct mx_offer *ours, const struct mx_profile *mx,
                    struct mx_outbound *out)
{
    struct mx_buf b = MX_BUF_INIT;
    uint16_t v = 0, grp, theirs[EXAMPLES], vs[8];
    size_t i, nsuite = 0, nneed = 0, ntheirs = 0, nv = offer_versions(ours, vs);

    memset(out, 0, sizeof(*out));
    /* 1. the version: the highest both have (ours is highest first) */
    for (i = 0; i < nv && v == 0; i++)
        if (mx_code_listed(mx->versions, mx->nversions, vs[i]))
            v = vs[i];
    if (v == 0) {
        no_version(ours, mx, out, &b);
        finish(out, &b);
        return;
    }
    out->version = v;
    grp = common_group(ours, mx);
    /* 2. the suite, in that version only, in our order */
    for (i = 0; i < ours->nsuites; i++) {
        uint16_t s = ours->suites[i];
        if (!suite_fits(s, v) || !mx_code_listed(mx->suites, mx->nsuites, s))
            continue;
        nsuite++;
        if (needs_group(s, v) && grp == 0) {
            nneed++;
            continue;
        }
        if (out->ncommon++ == 0)
            out->suite = s;
    }
    if (out->ncommon > 0) {
        out->verdict = MX_OUT_OK;
        if (needs_group(out->suite, v))
            out->group = grp;
        mx_buf_printf(&b, "%s %s", mx_version_name(v),
                      mx_suite_name(out->suite));
        if (out->group != 0)
            mx_buf_printf(&b, ", %s", group_name(out->group));
        if (out->ncommon > 1)
            mx_buf_printf(&b,
                          " (our first of %zu suites in common; a MX that "
                          "orders suites itself may choose another)",
                          out->ncommon);
        finish(out, &b);
        return;
    }
    if (nsuite > 0 && nneed == nsuite) {
        out->verdict = MX_OUT_NO_GROUP;
        mx_buf_printf(&b,
                      "no common key exchange group in %s - our client's "
                      "suites in common need one, and of our groups (",
                      mx_version_name(v));
        for (i = 0; i < ours->ngroups && i < 6; i++)
            mx_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
                          group_name(ours->groups[i]));
        mx_buf_append(&b, ") their MX accepts none");
        if (mx->ngroups > 0)
            mx_buf_printf(&b,
                          "; offer %s (Postfix: tls_eecdh_auto_curves, "
                          "shared by the client and the server)",
                          group_name(mx->groups[0]));
        finish(out, &b);
        return;
    }
    out->verdict = MX_OUT_NO_SUITE;
    for (i = 0; i < mx->nsuites && ntheirs < EXAMPLES; i++)
        if (suite_fits(mx->suites[i], v))
            theirs[ntheirs++] = mx->suites[i];
    mx_buf_printf(&b, "no shared cipher in %s - their MX accepts ",
                  mx_version_name(v));
    for (i = 0; i < ntheirs; i++)
        mx_buf_printf(&b, "%s%s", i > 0 ? ", " : "", mx_suite_name(theirs[i]));
    if (ntheirs == 0)
        mx_buf_append(&b, "no suite we know");
    mx_buf_append(&b, ", our client offers none of them; allow one on our "
                      "client (Postfix: the grade of smtp_tls_ciphers or "
                      "smtp_tls_mandatory_ciphers, and "
                      "smtp_tls_exclude_ciphers / "
                      "smtp_tls_mandatory_exclude_ciphers)");
    finish(out, &b);
}
