/*
 * capture_tcp.c - TCP segments of a capture by connection and direction,
 * and a direction put back together into a stream (capture_int.h).
 *
 *  - TCP connections are keyed by their 4-tuple, at most 256 (later ones
 *    are ignored and said so). A SYN that is not a retransmission on a
 *    4-tuple already used starts a new connection. The client is the
 *    sender of the SYN (or the receiver of the SYN+ACK); without either,
 *    both sides are tried and the content decides.
 *  - Reassembly: each direction keeps the stream bytes from its start (the
 *    ISN + 1 of its SYN; without a SYN, the lowest sequence number seen)
 *    up to MX_RECORDED_MAX + 16 KiB, enough for the dialogue and the
 *    largest hello; later bytes are not needed and not kept. Out-of-order
 *    segments are placed by sequence number; where segments overlap
 *    (retransmissions, repacketised data) the bytes captured first win.
 *    Memory: at most 4 times that window of segment data per direction
 *    and 32 MiB in all; what goes over is dropped and said so.
 *
 * Nothing here fails loudly: what cannot be kept is counted in struct
 * cap (cut, malformed, over_limit, capped, nomem) for the verdict.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "capture_int.h"

/* a - b in TCP sequence space: -2^31 .. 2^31 - 1. */
static int64_t
seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;

    return d < 0x80000000u ? (int64_t)d : (int64_t)d - 0x100000000LL;
}

void
mx_cap_conn_drop(struct cap *c, struct conn *k)
{
    int i;

    for (i = 0; i < 2; i++) {
        c->raw_total -= k->d[i].raw;
        k->d[i].raw = 0;
        mx_cap_dir_free(&k->d[i]);
    }
}

void
mx_cap_dir_free(struct dir *d)
{
    struct seg *s, *next;

    for (s = d->segs; s != NULL; s = next) {
        next = s->next;
        free(s);
    }
    d->segs = d->last = NULL;
}

/* The ISN of a SYN: the stream starts at isn + 1. */
static void
dir_syn(struct dir *d, uint32_t isn)
{
    uint32_t ref = isn + 1;
    struct seg *s;
    int64_t delta;

    if (d->syn)
        return;
    if (d->have_ref) {
        delta = seq_diff(d->ref, ref);
        for (s = d->segs; s != NULL; s = s->next)
            s->rel += delta;
    }
    d->ref = ref;
    d->have_ref = 1;
    d->syn = 1;
}

/* Keep n bytes of payload at sequence number seq. */
static void
dir_add(struct cap *c, struct dir *d, uint32_t seq, const uint8_t *p, size_t n,
        unsigned long pkt)
{
    int64_t rel, lo, hi = DIR_WINDOW;
    struct seg *s;

    if (n == 0)
        return;
    if (!d->have_ref) {
        d->ref = seq;
        d->have_ref = 1;
    }
    rel = seq_diff(seq, d->ref);
    lo = d->syn ? 0 : -(int64_t)DIR_WINDOW;
    if (rel + (int64_t)n <= lo || rel >= hi)
        return; /* outside the window: not needed */
    if (rel < lo) {
        p += lo - rel;
        n -= (size_t)(lo - rel);
        rel = lo;
    }
    if (rel + (int64_t)n > hi)
        n = (size_t)(hi - rel);
    if (n > DIR_RAW_MAX - d->raw || n > TOTAL_RAW_MAX - c->raw_total) {
        c->capped = 1;
        return;
    }
    s = malloc(sizeof(*s) + n);
    if (s == NULL) {
        c->nomem = 1;
        return;
    }
    s->next = NULL;
    s->rel = rel;
    s->len = n;
    s->pkt = pkt;
    memcpy(s->data, p, n);
    if (d->last != NULL)
        d->last->next = s;
    else
        d->segs = s;
    d->last = s;
    d->raw += n;
    c->raw_total += n;
}

static int
side_is(const struct conn *k, int side, const uint8_t *addr, unsigned port)
{
    size_t alen = k->family == AF_INET ? 4 : 16;

    return k->port[side] == port && memcmp(k->addr[side], addr, alen) == 0;
}

static int
conn_used(const struct conn *k)
{
    return k->d[0].have_ref || k->d[1].have_ref;
}

/* Every-hello mode: a slot for a new connection when all are taken, the
 * one of a done or retired connection, else of the one idle longest
 * (judged now, as it stands). */
static struct conn *
conn_slot(struct cap *c)
{
    struct conn *k = NULL;
    size_t i;

    for (i = 0; i < c->nconns && k == NULL; i++)
        if (c->conns[i].done || c->conns[i].retired)
            k = &c->conns[i];
    if (k == NULL) {
        k = &c->conns[0];
        for (i = 1; i < c->nconns; i++)
            if (c->conns[i].last < k->last)
                k = &c->conns[i];
        c->seen(c, k, 1);
        c->evicted++;
    }
    mx_cap_conn_drop(c, k);
    return k;
}

/* The connection of a segment (and which side sent it), or NULL. */
static struct conn *
conn_find(struct cap *c, int family, const uint8_t *src, unsigned sport,
          const uint8_t *dst, unsigned dport, unsigned flags, uint32_t seq,
          int *side)
{
    size_t i, alen = family == AF_INET ? 4 : 16;
    struct conn *k = NULL;
    int syn = (flags & 0x02) != 0, ack = (flags & 0x10) != 0;

    for (i = c->nconns; i-- > 0;) {
        struct conn *q = &c->conns[i];

        if (q->retired || q->family != family)
            continue;
        if (side_is(q, 0, src, sport) && side_is(q, 1, dst, dport)) {
            k = q;
            *side = 0;
            break;
        }
        if (side_is(q, 1, src, sport) && side_is(q, 0, dst, dport)) {
            k = q;
            *side = 1;
            break;
        }
    }
    /* A SYN on a 4-tuple in use starts a new connection, unless it is
     * this side's first SYN (or its retransmission) and the connection
     * has not ended: a SYN captured after the SYN+ACK that answers it
     * (out of order) belongs to the connection it opened. */
    if (k != NULL && syn && !ack && conn_used(k) &&
        !(k->d[*side].syn ? k->d[*side].ref == seq + 1
                          : !(k->fin[0] || k->fin[1] || k->rst))) {
        if (c->seen != NULL && !k->done)
            c->seen(c, k, 1);
        k->retired = 1; /* a new connection on the same 4-tuple */
        k = NULL;
    }
    if (k == NULL) {
        if (c->nconns >= MAX_CONNS && c->seen != NULL)
            k = conn_slot(c);
        if (k == NULL && c->nconns >= MAX_CONNS) {
            c->over_limit = 1;
            return NULL;
        }
        if (k == NULL)
            k = &c->conns[c->nconns++];
        memset(k, 0, sizeof(*k));
        k->family = family;
        memcpy(k->addr[0], src, alen);
        memcpy(k->addr[1], dst, alen);
        k->port[0] = sport;
        k->port[1] = dport;
        k->client = -1;
        *side = 0;
    }
    if (syn && !ack)
        k->client = *side;
    else if (syn && ack && k->client < 0)
        k->client = 1 - *side;
    return k;
}

/* A TCP segment: avail bytes captured of the claimed length. */
void
mx_cap_tcp_segment(struct cap *c, int family, const uint8_t *src,
                   const uint8_t *dst, const uint8_t *t, size_t avail,
                   size_t claimed, unsigned long pkt)
{
    size_t doff;
    unsigned flags;
    uint32_t seq;
    struct conn *k;
    struct dir *d;
    size_t before;
    int side = 0;

    if (avail < 20) {
        if (claimed < 20)
            c->malformed++;
        else
            c->cut++;
        return;
    }
    doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > claimed) {
        c->malformed++;
        return;
    }
    if (doff > avail) {
        c->cut++;
        return;
    }
    c->tcp++;
    flags = t[13];
    seq = be32(t + 4);
    k = conn_find(c, family, src, be16(t), dst, be16(t + 2), flags, seq, &side);
    if (k == NULL)
        return;
    d = &k->d[side];
    if (flags & 0x02) { /* SYN: the data (TCP Fast Open) starts after it */
        dir_syn(d, seq);
        seq++;
    }
    if (avail < claimed) {
        d->cut++;
        c->cut++;
    }
    k->last = pkt;
    if (flags & 0x01)
        k->fin[side] = 1;
    if (flags & 0x04)
        k->rst = 1;
    if (k->done)
        return;
    before = d->raw;
    dir_add(c, d, seq, t + doff, avail - doff, pkt);
    if (c->seen == NULL)
        return;
    if ((flags & 0x04) || (k->fin[0] && k->fin[1]))
        c->seen(c, k, 1);
    else if (d->raw > before && (k->client < 0 || k->client == side))
        c->seen(c, k, 0);
}

void
mx_cap_stream_free(struct stream *s)
{
    free(s->buf);
    free(s->have);
    s->buf = s->have = NULL;
}

/* Put a direction's segments in order; the first copy of a byte wins. */
int
mx_cap_stream_build(const struct dir *d, struct stream *s)
{
    const struct seg *g;
    int64_t base = 0, end = 0, off;
    size_t i;

    memset(s, 0, sizeof(*s));
    s->d = d;
    s->known = d->syn;
    if (d->segs == NULL)
        return 0;
    if (!d->syn) {
        base = INT64_MAX;
        for (g = d->segs; g != NULL; g = g->next)
            if (g->rel < base)
                base = g->rel;
    }
    for (g = d->segs; g != NULL; g = g->next)
        if (g->rel - base + (int64_t)g->len > end)
            end = g->rel - base + (int64_t)g->len;
    s->base = base;
    s->size = end > DIR_WINDOW ? DIR_WINDOW : (size_t)end;
    if (s->size == 0)
        return 0;
    s->buf = malloc(s->size);
    s->have = calloc(s->size, 1);
    if (s->buf == NULL || s->have == NULL) {
        mx_cap_stream_free(s);
        return -1;
    }
    for (g = d->segs; g != NULL; g = g->next) {
        off = g->rel - base;
        for (i = off < 0 ? (size_t)-off : 0; i < g->len; i++) {
            size_t at = (size_t)(off + (int64_t)i);

            if (at >= s->size)
                break;
            if (!s->have[at]) {
                s->have[at] = 1;
                s->buf[at] = g->data[i];
            }
        }
    }
    while (s->len < s->size && s->have[s->len])
        s->len++;
    for (s->end = s->size; s->end > 0 && !s->have[s->end - 1]; s->end--)
        ;
    return 0;
}

/* The first packet that carried stream byte at (0 if none did). */
unsigned long
mx_cap_stream_pkt(const struct stream *s, size_t at)
{
    const struct seg *g;
    unsigned long best = 0;
    int64_t rel = s->base + (int64_t)at;

    for (g = s->d->segs; g != NULL; g = g->next)
        if (rel >= g->rel && rel < g->rel + (int64_t)g->len &&
            (best == 0 || g->pkt < best))
            best = g->pkt;
    return best;
}
