/*
 * offer.c - the offer: its lists sized to the data, which engine can
 * carry it, and real-client-shaped ClientHellos from its lists.
 *
 * Error contract: see offer.h. Key shares that cannot be made (a group
 * the library has no key type for) are left out; a TLS 1.3 hello then
 * carries shares for other groups, or none, and the server asks for one
 * with a HelloRetryRequest.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "hello.h"
#include "keyshare.h"
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
 * groups (the five elliptic ones, mx_offer_ec_groups).
 */
static const uint16_t common_groups[] = {0x001d, 0x0017, 0x0018, 0x0019,
                                         0x001e, 0x0100, 0x0101, 0x0102,
                                         0x0103, 0x0104};
#define NEC_GROUPS 5 /* the elliptic ones come first */

/* ---------------------------------------------------------------- */
/* The offer's own memory.                                          */

static const uint16_t **
list_ptr(struct mx_offer *o, enum mx_offer_list which, size_t **n)
{
    switch (which) {
    case MX_OFFER_SUITES:
        *n = &o->nsuites;
        return &o->suites;
    case MX_OFFER_GROUPS:
        *n = &o->ngroups;
        return &o->groups;
    case MX_OFFER_SIGALGS:
    default:
        *n = &o->nsigalgs;
        return &o->sigalgs;
    }
}

int
mx_offer_set(struct mx_offer *o, enum mx_offer_list which,
             const uint16_t *codes, size_t n, struct mx_error *err)
{
    const uint16_t **list;
    uint16_t *copy = NULL;
    size_t *count;

    list = list_ptr(o, which, &count);
    if (n > 0) {
        copy = malloc(n * sizeof(*copy));
        if (copy == NULL) {
            mx_error_set(err, MX_E_INTERNAL, "out of memory");
            return -1;
        }
        memcpy(copy, codes, n * sizeof(*copy));
    }
    if (o->owned)
        free((void *)*list);
    *list = copy;
    *count = n;
    o->owned = 1;
    return 0;
}

void
mx_offer_take_hello(struct mx_offer *o, uint8_t *bytes, size_t len)
{
    if (o->owned)
        free((void *)o->hello);
    o->hello = bytes;
    o->hello_len = bytes != NULL ? len : 0;
    o->owned = 1;
}

int
mx_offer_copy(struct mx_offer *dst, const struct mx_offer *src,
              struct mx_error *err)
{
    uint8_t *h = NULL;

    memset(dst, 0, sizeof(*dst));
    dst->min_version = src->min_version;
    dst->max_version = src->max_version;
    dst->sni = src->sni;
    dst->owned = 1;
    if (src->hello != NULL && src->hello_len > 0) {
        h = malloc(src->hello_len);
        if (h == NULL)
            goto oom;
        memcpy(h, src->hello, src->hello_len);
        mx_offer_take_hello(dst, h, src->hello_len);
    }
    if (mx_offer_set(dst, MX_OFFER_SUITES, src->suites, src->nsuites, err) !=
            0 ||
        mx_offer_set(dst, MX_OFFER_GROUPS, src->groups, src->ngroups, err) !=
            0 ||
        mx_offer_set(dst, MX_OFFER_SIGALGS, src->sigalgs, src->nsigalgs, err) !=
            0) {
        mx_offer_free(dst);
        return -1;
    }
    return 0;
oom:
    mx_error_set(err, MX_E_INTERNAL, "out of memory");
    return -1;
}

void
mx_offer_free(struct mx_offer *o)
{
    if (o == NULL)
        return;
    if (o->owned) {
        free((void *)o->suites);
        free((void *)o->groups);
        free((void *)o->sigalgs);
        free((void *)o->hello);
    }
    memset(o, 0, sizeof(*o));
}

static int
same_codes(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

int
mx_offer_same(const struct mx_offer *a, const struct mx_offer *b)
{
    if (a->hello != NULL || b->hello != NULL)
        return a->hello != NULL && b->hello != NULL &&
               a->hello_len == b->hello_len &&
               memcmp(a->hello, b->hello, a->hello_len) == 0;
    return a->min_version == b->min_version &&
           a->max_version == b->max_version &&
           same_codes(a->suites, a->nsuites, b->suites, b->nsuites) &&
           same_codes(a->groups, a->ngroups, b->groups, b->ngroups) &&
           same_codes(a->sigalgs, a->nsigalgs, b->sigalgs, b->nsigalgs);
}

/* ---------------------------------------------------------------- */
/* Which engine.                                                    */

int
mx_offer_in_library(const struct mx_offer *o)
{
    const struct mx_group *g;
    const struct mx_sigalg *s;
    size_t i;

    if (o->min_version < MX_TLS10 || o->max_version > MX_TLS13 ||
        o->nsuites == 0)
        return 0;
    for (i = 0; i < o->nsuites; i++)
        if (o->suites[i] != 0x00ff && o->suites[i] != 0x5600 &&
            !mx_suite_in_library(o->suites[i]))
            return 0;
    for (i = 0; i < o->ngroups; i++)
        if ((g = mx_group_by_code(o->groups[i])) == NULL || g->openssl == NULL)
            return 0;
    for (i = 0; i < o->nsigalgs; i++)
        if ((s = mx_sigalg_by_code(o->sigalgs[i])) == NULL ||
            s->openssl == NULL)
            return 0;
    return 1;
}

/*
 * Would the linked OpenSSL, given a recording's lists, send a hello that
 * a server answers as it answers the recording? The lists (versions,
 * suites, groups and signature schemes, each in its order) are what a
 * server negotiates from; random, session id, key-share values, padding
 * and the order of extensions are not. What also steers a server is
 * which groups carry a key share: OpenSSL 3 sends one, for the first
 * TLS 1.3 group it lists; a client that sends others (GnuTLS: P-256 and
 * X25519) may get another group from a server that picks among the
 * shares it got. So: one share, for the first TLS 1.3 group, or no TLS
 * 1.3; supported_groups and signature_algorithms present where OpenSSL
 * sends them (else it would add its defaults); the versions a range with
 * no gap. A hello the decoder cannot read as one record is sent as it is.
 */
static int
reproducible(const struct mx_offer *o)
{
    struct mx_hello_view *v = malloc(sizeof(*v));
    const struct mx_group *g;
    uint16_t lo = o->min_version, hi = o->max_version, first = 0, ver;
    struct mx_error e;
    size_t i;
    int ok = 0;

    if (v == NULL || mx_hello_decode(o->hello, o->hello_len, v, &e) != 0 ||
        v->sslv2)
        goto out;
    if (v->nversions > 0) {
        for (ver = lo; ver <= hi && ver != 0; ver++)
            if (!mx_code_listed(v->versions, v->nversions, ver))
                goto out;
    } else if (lo != hi) {
        goto out;
    }
    if (o->ngroups == 0 || (hi >= MX_TLS12 && o->nsigalgs == 0))
        goto out;
    for (i = 0; i < o->ngroups && first == 0; i++)
        if ((g = mx_group_by_code(o->groups[i])) != NULL && g->tls13)
            first = g->code;
    if (hi >= MX_TLS13)
        ok = v->nshares == 1 && v->share_groups[0] == first;
    else
        ok = v->nshares == 0;
out:
    free(v);
    return ok;
}

enum mx_engine
mx_offer_engine(const struct mx_offer *o)
{
    if (!mx_offer_in_library(o))
        return MX_ENGINE_RAW;
    if (o->hello != NULL && !reproducible(o))
        return MX_ENGINE_RAW;
    return MX_ENGINE_OPENSSL;
}

unsigned
mx_offer_auths(const struct mx_offer *o)
{
    const struct mx_suite *s;
    uint16_t lo = o->min_version, hi = o->max_version;
    unsigned a = 0;
    size_t i;

    for (i = 0; i < o->nsuites; i++)
        if ((s = mx_suite_by_code(o->suites[i])) != NULL &&
            s->auth != MX_SAUTH_TLS13 && lo < MX_TLS13 &&
            mx_suite_valid_for(s, hi < MX_TLS13 ? hi : MX_TLS12) &&
            (s->auth == MX_SAUTH_RSA || s->auth == MX_SAUTH_ECDSA ||
             s->auth == MX_SAUTH_DSS))
            a |= 1u << s->auth;
    return a;
}

/* ---------------------------------------------------------------- */
/* Raw hellos.                                                      */

const uint16_t *
mx_offer_ec_groups(size_t *n)
{
    *n = NEC_GROUPS;
    return common_groups;
}

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
mx_offer_hello(struct mx_shares *sh, const struct mx_offer *o, uint8_t *out,
               size_t cap, size_t *len, struct mx_error *err)
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
