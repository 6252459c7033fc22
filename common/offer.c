/*
 * offer.c - real-client-shaped ClientHellos from lists of codes.
 *
 * Error contract: see offer.h. Key shares that cannot be made (a group
 * the library has no key type for) are left out; a TLS 1.3 hello then
 * carries shares for other groups, or none, and the server asks for one
 * with a HelloRetryRequest.
 */
#include <string.h>

#include <openssl/rand.h>

#include "hello.h"
#include "offer.h"
#include "registry.h"
#include "suites.h"
#include "text.h"

/*
 * X25519, P-256, P-384, P-521, X448, then every RFC 7919 group, ffdhe2048
 * to ffdhe8192. A GnuTLS server takes a DHE suite from a client that lists
 * FFDHE groups only with one of them it allows: Exim with
 * SECURE256 (whose only FFDHE group is ffdhe8192) refuses every DHE suite
 * to a client listing ffdhe2048..4096, and serves it to one listing all
 * five (as it does to one listing none). The converse server, one with
 * its own DH parameters and the RFC 7919 groups removed from its
 * priority string, takes DHE only from a client listing none: one hello
 * cannot be both, and a caller that must find those passes its own
 * groups (the five elliptic ones).
 */
static const uint16_t common_groups[] = {0x001d, 0x0017, 0x0018, 0x0019,
                                         0x001e, 0x0100, 0x0101, 0x0102,
                                         0x0103, 0x0104};

/* A key share for group, made on first use; NULL if it cannot be made. */
static const struct mx_share *
share_for(struct mx_shares *sh, uint16_t group)
{
    struct mx_share *s;
    size_t i;

    for (i = 0; i < sh->n; i++)
        if (sh->s[i].group == group)
            return sh->s[i].len > 0 ? &sh->s[i] : NULL;
    if (sh->n == MX_SHARES_MAX)
        return NULL;
    s = &sh->s[sh->n++];
    s->group = group;
    s->len = mx_keyshare_make(group, s->data, sizeof(s->data));
    return s->len > 0 ? s : NULL;
}

int
mx_offer_hello(struct mx_shares *sh, const struct mx_client_offer *o,
               uint8_t *out, size_t cap, size_t *len, struct mx_error *err)
{
    const struct mx_sigalg *all;
    const struct mx_share *s;
    struct mx_hello h;
    struct mx_key_share shares[2];
    uint16_t sigalgs[128], versions[4];
    const uint16_t *groups = o->groups;
    size_t i, n, ngroups = o->ngroups, nsig = o->nsigalgs, nshares = 0;
    uint16_t v, lo;

    memset(&h, 0, sizeof(h));
    if (RAND_bytes(h.random, sizeof(h.random)) != 1 ||
        RAND_bytes(h.session_id, sizeof(h.session_id)) != 1) {
        mx_error_set(err, MX_E_INTERNAL, "no randomness");
        return -1;
    }
    if (groups == NULL) {
        groups = common_groups;
        ngroups = sizeof(common_groups) / sizeof(common_groups[0]);
    }
    if (o->sigalgs == NULL) {
        all = mx_sigalgs(&n);
        for (i = 0, nsig = 0; i < n && nsig < 128; i++)
            sigalgs[nsig++] = all[i].code;
    }
    h.suites = o->suites;
    h.nsuites = o->nsuites;
    h.sni = o->sni;
    h.record_version = MX_TLS10;
    if (o->max_version <= MX_SSL3) {
        h.record_version = MX_SSL3;
        h.legacy_version = MX_SSL3;
        h.flags = 0; /* what SSLv3 clients send: no extensions */
    } else if (o->max_version == MX_TLS13) {
        lo = o->min_version != 0 ? o->min_version : MX_TLS13;
        for (n = 0, v = MX_TLS13; v >= lo && v >= MX_TLS10 && n < 4; v--)
            versions[n++] = v;
        h.legacy_version = MX_TLS12;
        h.versions = versions;
        h.nversions = n;
        h.groups = groups;
        h.ngroups = ngroups;
        h.sigalgs = o->sigalgs != NULL ? o->sigalgs : sigalgs;
        h.nsigalgs = nsig;
        for (i = 0; i < ngroups && nshares < 2; i++) {
            s = share_for(sh, groups[i]);
            if (s == NULL)
                continue;
            shares[nshares].group = s->group;
            shares[nshares].data = s->data;
            shares[nshares++].len = (size_t)s->len;
        }
        h.shares = shares;
        h.nshares = nshares;
        h.flags = MX_HELLO_MODERN & ~(nshares == 0 ? MX_HELLO_KEY_SHARE : 0);
    } else {
        h.legacy_version = o->max_version;
        h.groups = groups;
        h.ngroups = ngroups;
        h.flags = MX_HELLO_SNI | MX_HELLO_GROUPS | MX_HELLO_POINT_FMT |
                  MX_HELLO_RENEG_EXT | MX_HELLO_EMS | MX_HELLO_TICKET |
                  MX_HELLO_PADDING | MX_HELLO_SESSION_ID;
        if (o->max_version == MX_TLS12) {
            h.sigalgs = o->sigalgs != NULL ? o->sigalgs : sigalgs;
            h.nsigalgs = nsig;
            h.flags |= MX_HELLO_SIGALGS;
        }
    }
    if (h.sni == NULL)
        h.flags &= ~(unsigned)MX_HELLO_SNI;
    return mx_hello_encode(&h, out, cap, len, err);
}

void
mx_offer_library_order(uint16_t *out, size_t cap, size_t *n)
{
    struct mx_error err;

    if (mx_suites_parse("ALL:COMPLEMENTOFALL", out, cap, n, &err) != 0)
        *n = 0;
}

/* A suite a client can offer at version v: valid for v, not a signalling
 * value, and not TLS_NULL_WITH_NULL_NULL (0x0000), the "no suite yet"
 * state of a connection that no real client offers and no server may
 * pick. */
static int
offerable(const struct mx_suite *s, uint16_t v)
{
    return s->code != 0x0000 && !(s->flags & MX_SUITE_SCSV) &&
           mx_suite_valid_for(s, v);
}

size_t
mx_offer_universe(uint16_t v, const uint16_t *pref, size_t npref, uint16_t *out,
                  size_t cap)
{
    static const uint16_t tls13[] = {0x1302, 0x1303, 0x1301, 0x1304, 0x1305};
    const struct mx_suite *t, *s;
    size_t i, n, k = 0;

    for (i = 0;
         i < sizeof(tls13) / sizeof(tls13[0]) && v == MX_TLS13 && k < cap; i++)
        out[k++] = tls13[i];
    for (i = 0; i < npref && k < cap; i++) {
        s = mx_suite_by_code(pref[i]);
        if (s != NULL && offerable(s, v) && !mx_code_listed(out, k, s->code))
            out[k++] = s->code;
    }
    t = mx_suites(&n);
    for (i = 0; i < n && k < cap; i++)
        if (offerable(&t[i], v) && !mx_code_listed(out, k, t[i].code))
            out[k++] = t[i].code;
    return k;
}
