/*
 * capture_int.h - what the parts of the capture reader share (private to
 * capture.c, capture_record.c, capture_hex.c, capture_link.c,
 * capture_tcp.c and capture_dialogue.c; nothing else includes it).
 *
 * The layers, each using only those above it:
 *   capture_record.c    where a ClientHello's records end, and whether
 *                       the hello decodes
 *   capture_hex.c       a hello given as hex text
 *   capture_tcp.c       TCP segments by connection and direction, and a
 *                       direction put back together into a stream
 *   capture_link.c      link-layer frames and IPv4/IPv6 down to TCP
 *   capture_dialogue.c  what a connection's two streams show: STARTTLS
 *                       and the reply to it, then the client's hello
 *   capture.c           files, libpcap, and the verdict over all
 *                       connections
 *   capture_each.c      every ClientHello of files or a live capture,
 *                       as it comes (capture.h: mx_capture_each)
 */
#ifndef MX_CAPTURE_INT_H
#define MX_CAPTURE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "err.h"

#define REC_MAX       16384 /* TLSPlaintext.length limit, 2^14 */
#define MAX_CONNS     256   /* TCP connections followed */
#define DIR_WINDOW    (MX_RECORDED_MAX + 16384) /* stream bytes kept */
#define DIR_RAW_MAX   (4 * DIR_WINDOW)   /* segment bytes kept per direction */
#define TOTAL_RAW_MAX (32 * 1024 * 1024) /* segment bytes kept in all */

static inline unsigned
be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static inline size_t
be24(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static inline uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* An empty result (bytes NULL, len 0, no origin). */
void mx_cap_rec_clear(struct mx_recorded_hello *h);

/* ---- capture_record.c ---- */

enum { EXT_BAD = -1, EXT_MORE = 0, EXT_DONE = 1 };

struct extent {
    size_t used;   /* DONE: bytes of the records that carry the hello */
    size_t need;   /* MORE: bytes needed at least, as far as known */
    size_t at;     /* BAD: offset of the problem */
    char why[160]; /* BAD: what */
};

/*
 * The TLS records (or the SSLv2 record) at the start of b that carry one
 * ClientHello: EXT_DONE with x->used, EXT_MORE if b ends too early (with
 * x->need, the least size that could do), EXT_BAD with x->at and x->why.
 * Only the framing is looked at here; mx_hello_decode judges the rest.
 */
int mx_cap_hello_extent(const uint8_t *b, size_t n, struct extent *x);

/* Decode the records b[0..n) as mx_cap_hello_extent found them. 0 or -1
 * (USAGE with the decoder's message, INTERNAL). */
int mx_cap_hello_check(const uint8_t *b, size_t n, struct mx_error *err);

/* ---- capture_tcp.c ---- */

/* Captures: TCP segments by connection and direction.               */

struct seg {
    struct seg *next;
    int64_t rel; /* sequence number relative to the dir's ref */
    size_t len;
    unsigned long pkt; /* packet number in the file, from 1 */
    uint8_t data[];
};

struct dir {
    int have_ref; /* ref is set */
    int syn;      /* ref is the ISN + 1 of a captured SYN */
    uint32_t ref; /* the sequence number rel 0 stands for */
    struct seg *segs, *last;
    size_t raw;        /* segment bytes kept */
    unsigned long cut; /* segments cut short by the snapshot length */
};

struct conn {
    int family;          /* AF_INET or AF_INET6 */
    uint8_t addr[2][16]; /* side 0 sent the first packet seen */
    unsigned port[2];
    struct dir d[2]; /* d[i]: the bytes side i sent */
    int client;      /* the client's side, -1 unknown */
    int retired;     /* its 4-tuple was reused by a newer one */
    /* every-hello mode (struct cap's seen set) */
    int done;           /* judged: its segments are freed, new ones dropped */
    int fin[2];         /* side i sent a FIN */
    int rst;            /* a RST was seen */
    unsigned long last; /* packet number of its latest segment */
};

struct cap {
    const char *path;
    struct conn *conns; /* MAX_CONNS of them */
    size_t nconns;
    unsigned long packets, tcp, frags, nonip, malformed, cut;
    int over_limit; /* a connection beyond MAX_CONNS was ignored */
    int capped;     /* segment data went over a memory cap */
    int nomem;
    size_t raw_total;
    char read_error[PCAP_ERRBUF_SIZE + 64];
    /*
     * Every-hello mode: with seen set, a connection is looked at as its
     * segments come (final 0) and once more when it ends (FIN both ways,
     * RST, its slot needed for a newer one, or the end of the capture:
     * final 1); seen marks it done when it has its verdict. Slots of done
     * connections are reused, so MAX_CONNS bounds the connections followed
     * at once, not those in the capture.
     */
    void (*seen)(struct cap *c, struct conn *k, int final);
    void *arg;             /* for seen */
    int64_t now;           /* seconds since the epoch of the current packet */
    unsigned long evicted; /* connections judged early for their slot */
};

void mx_cap_dir_free(struct dir *d);

/* Free a connection's segments (its 4-tuple and state stay). */
void mx_cap_conn_drop(struct cap *c, struct conn *k);

/* A TCP segment t from src to dst (4 or 16 bytes by family): avail bytes
 * captured of the claimed length; pkt is its packet number. */
void mx_cap_tcp_segment(struct cap *c, int family, const uint8_t *src,
                        const uint8_t *dst, const uint8_t *t, size_t avail,
                        size_t claimed, unsigned long pkt);

struct stream {
    uint8_t *buf;  /* bytes 0 .. size-1 of the stream, where held */
    uint8_t *have; /* one flag per byte */
    size_t size;
    size_t len;   /* bytes held from 0 without a gap */
    size_t end;   /* one past the last byte held */
    int64_t base; /* rel of stream byte 0 */
    int known;    /* byte 0 is the first after the SYN */
    const struct dir *d;
};

/* Put a direction's segments in order; the first copy of a byte wins.
 * 0, or -1 for memory. */
int mx_cap_stream_build(const struct dir *d, struct stream *s);
void mx_cap_stream_free(struct stream *s);

/* The first packet that carried stream byte at (0 if none did). */
unsigned long mx_cap_stream_pkt(const struct stream *s, size_t at);

/* ---- capture_link.c ---- */

/* 1 when frames of link type dlt can be read. */
int mx_cap_dlt_supported(int dlt);

/* One captured frame of link type dlt, packet number pkt. */
void mx_cap_frame(struct cap *c, int dlt, const uint8_t *p, size_t n,
                  unsigned long pkt);

/* ---- capture_dialogue.c ---- */

/*
 * What one connection shows, from the client's side. The order matters:
 * of two readings (client side unknown), the higher one is kept, and the
 * summary lists the higher ones first.
 */
enum outcome {
    O_NOTHING, /* no STARTTLS, no TLS from the start */
    O_NO_REPLY,
    O_REFUSED,
    O_NOT_TLS,
    O_GAP,
    O_CUT,
    O_BAD,
    O_FOUND,
    O_COUNT
};

struct result {
    enum outcome o;
    size_t at, used; /* O_FOUND: the hello's records in the client stream */
    char detail[200];
};

/* One connection, cs being what the client sent and ss the other way. */
void mx_cap_analyze(const struct stream *cs, const struct stream *ss,
                    struct result *r);

/* ---- capture.c ---- */

/* What connection k shows: *best and the client's side *cl, with its
 * streams s built (the caller frees them). 0, or -1 for memory. */
int mx_cap_judge(struct conn *k, struct stream s[2], struct result *best,
                 int *cl);

#endif
