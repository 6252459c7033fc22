/*
 * peer_hello.c - a peer described by a recorded ClientHello: the
 * recording kept in its offer, and the offer's lists decoded from it
 * (mx_peer_load_hello, peers.h).
 *
 * The recording gives the offer's lists as follows (the simulation
 * replays the recording itself; the lists serve the diagnosis only):
 * versions: the range of supported_versions when the hello has that
 * extension; otherwise just the legacy version. GREASE values (RFC 8701) and
 * signalling suites (the renegotiation and fallback SCSVs) are left out; a
 * hello split over several records is put back together before it is decoded.
 *
 * Error contract: mx_peer_load_hello returns 0, or -1 with err: the file
 * reader's USAGE (naming the file), the decoder's USAGE with the path put
 * in front, INTERNAL for memory. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "hello.h"
#include "peers.h"
#include "registry.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

int
mx_peer_version_ok(uint16_t v)
{
    return v != 0 && strcmp(mx_version_name(v), "unknown") != 0;
}

/* The versions a decoded hello offers, as a range: supported_versions
 * when it has that extension, else the legacy version alone. */
static void
view_versions(const struct mx_hello_view *v, struct mx_offer *o)
{
    size_t i;
    uint16_t c;

    o->min_version = o->max_version = 0;
    for (i = 0; i < v->nversions; i++) {
        c = v->versions[i];
        if (is_grease(c) || !mx_peer_version_ok(c))
            continue;
        if (o->min_version == 0 || c < o->min_version)
            o->min_version = c;
        if (c > o->max_version)
            o->max_version = c;
    }
    if (o->max_version == 0 && mx_peer_version_ok(v->legacy_version))
        o->min_version = o->max_version = v->legacy_version;
}

/* The codes of a decoded list without GREASE (and, for suites, without
 * signalling values) into one list of the offer. */
static int
view_list(struct mx_offer *o, enum mx_offer_list which, const uint16_t *in,
          size_t n, size_t cap, struct mx_error *err)
{
    uint16_t keep[MX_PEER_MAX_SUITES];
    const struct mx_suite *s;
    size_t i, k = 0;

    for (i = 0; i < n && k < cap && k < NELEM(keep); i++) {
        if (is_grease(in[i]))
            continue;
        if (which == MX_OFFER_SUITES && (s = mx_suite_by_code(in[i])) != NULL &&
            (s->flags & MX_SUITE_SCSV))
            continue;
        keep[k++] = in[i];
    }
    return mx_offer_set(o, which, keep, k, err);
}

int
mx_offer_hello_lists(struct mx_offer *o, const char *what, struct mx_error *err)
{
    struct mx_hello_view *v;
    struct mx_error derr;
    int rc;

    v = malloc(sizeof(*v));
    if (v == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (mx_hello_decode_records(o->hello, o->hello_len, v, NULL, &derr) != 0) {
        mx_error_set(err,
                     derr.code == MX_E_INTERNAL ? MX_E_INTERNAL : MX_E_USAGE,
                     "%s: %s", what, derr.msg);
        free(v);
        return -1;
    }
    view_versions(v, o);
    rc = view_list(o, MX_OFFER_SUITES, v->suites, v->nsuites,
                   MX_PEER_MAX_SUITES, err) != 0 ||
                 view_list(o, MX_OFFER_GROUPS, v->groups, v->ngroups,
                           MX_PEER_MAX_LIST, err) != 0 ||
                 view_list(o, MX_OFFER_SIGALGS, v->sigalgs, v->nsigalgs,
                           MX_PEER_MAX_LIST, err) != 0
             ? -1
             : 0;
    free(v);
    return rc;
}

int
mx_offer_from_hello(struct mx_offer *o, const uint8_t *hello, size_t len,
                    const char *what, struct mx_error *err)
{
    uint8_t *b = len > 0 ? malloc(len) : NULL;

    memset(o, 0, sizeof(*o));
    if (b == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "%s: out of memory", what);
        return -1;
    }
    memcpy(b, hello, len);
    mx_offer_take_hello(o, b, len);
    if (mx_offer_hello_lists(o, what, err) != 0) {
        mx_offer_free(o);
        return -1;
    }
    return 0;
}

/* Load path into p's offer (the recording) and decode it. The reader's
 * messages name the file already; the decoder's get the path put in
 * front. */
int
mx_peer_load_hello(struct mx_peer *p, const char *path, struct mx_error *err)
{
    struct mx_recorded_hello h;

    memset(&h, 0, sizeof(h));
    if (mx_hello_from_file(path, &h, err) != 0)
        return -1;
    mx_offer_take_hello(&p->offer, h.bytes, h.len);
    return mx_offer_hello_lists(&p->offer, path, err);
}
