/*
 * capture.c - a peer's recorded ClientHello, from a hex dump or from a
 * pcap/pcapng capture of an SMTP, LMTP, IMAP or POP3 session (capture.h).
 *
 * Error contract: every function returns 0, or -1 with a struct mx_error:
 * USAGE for input that is not what it should be (the message names the
 * file or says "hex", and says what was found and where), INTERNAL when
 * memory runs out. On failure the struct mx_recorded_hello is left empty
 * (bytes NULL, len 0), so mx_recorded_hello_free is always safe. Every
 * result has passed mx_hello_decode (a ClientHello spread over several
 * records is decoded with its fragments joined into one record). Nothing
 * here prints or exits.
 *
 * Hex (decisions capture.h leaves open):
 *  - Separators, anywhere between bytes: blanks, tabs, CR, LF, ':', '-'
 *    and ','. A "0x"/"0X" prefix may start any token ("0x16 0x03 ..." and
 *    "0x160301..." both work). A byte is two adjacent digits, either
 *    case: a separator between the two digits of a byte, an odd number of
 *    digits, or any other character is an error naming its offset (from 0)
 *    in the text.
 *  - The first byte decides: 0x16, whole TLS handshake records; 0x80 or
 *    above, an SSLv2 CLIENT-HELLO (kept as it is); 0x01, a bare handshake
 *    message, wrapped into records of at most 16384 bytes with record
 *    version 0x0301 (TLS 1.0, what clients put in their first record).
 *  - Exactly one ClientHello: bytes after it (a second hello, the next
 *    record, a stray byte) are an error that names where they start,
 *    rather than being dropped without a word (nothing here can warn).
 *  - A file is read as hex unless its first 4 bytes are a pcap magic
 *    number (a1b2c3d4, d4c3b2a1, a1b23c4d, 4d3cb2a1) or the pcapng one
 *    (0a0d0d0a); a hex file may be at most 1 MiB.
 *
 * Captures (read with libpcap; pcap and pcapng):
 *  - Link types: Ethernet (with up to 4 VLAN tags, 802.1Q/802.1ad),
 *    Linux cooked SLL and SLL2, raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6), BSD
 *    loopback (DLT_NULL, DLT_LOOP: the 4-byte family is skipped and the IP
 *    version nibble decides, as the family's byte order is the writer's).
 *    IPv4 options and IPv6 extension headers (hop-by-hop, routing,
 *    destination options, fragment with offset 0 and no more fragments,
 *    AH, mobility, HIP, shim6; at most 8) are skipped; IP fragments are
 *    not reassembled, only counted and mentioned in the error.
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
 *  - The dialogue: the client's first bytes are a TLS handshake record or
 *    an SSLv2 CLIENT-HELLO (implicit TLS); or it sends a line "STARTTLS"
 *    (SMTP/LMTP), "TAG STARTTLS" (IMAP, any tag) or "STLS" (POP3), case
 *    and trailing blanks aside, and the server answers positively: any 2xx
 *    reply in SMTP/LMTP (220 is what RFC 3207 says; a client that goes on
 *    after 250 still sent its hello), "TAG OK" in IMAP, "+OK" in POP3. A
 *    refusal ends the attempt; the client may try STARTTLS again later.
 *  - Which reply answers STARTTLS: in IMAP, the one with its tag. In SMTP
 *    and POP3, when both directions were captured from their SYN, replies
 *    are counted from the greeting, one per client line (an SMTP DATA
 *    exchange and POP3's multi-line replies to CAPA, LIST, UIDL, RETR and
 *    TOP are followed); otherwise it is the first reply captured after
 *    the STARTTLS line. If the server's reply is not in the capture at all
 *    (a one-sided capture), a ClientHello right after STARTTLS is taken.
 *  - The TLS bytes right after STARTTLS (or from the start) must be
 *    handshake records that carry the ClientHello message (its 24-bit
 *    length) and end where it ends; they are returned exactly as sent.
 *    Anything else is reported: no TLS at all, a hello cut short by the
 *    end of the capture, a missing segment, a malformed hello.
 *  - The first connection, in order of its first packet, with a valid
 *    ClientHello wins. If there is none, the error counts the TCP
 *    connections by what went wrong. A file that ends early (a truncated
 *    last packet) is not an error by itself: the packets before it are
 *    used, and the read error is mentioned if no hello is found.
 *
 * Sources: pcap-savefile(5), pcap-linktype(7), pcap_open_offline(3PCAP),
 * pcap_next_ex(3PCAP); the link-layer header types registry
 * (tcpdump.org/linktypes.html: LINUX_SLL, LINUX_SLL2, NULL, LOOP); RFC 791
 * (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 3207 (SMTP STARTTLS), RFC
 * 2595 (IMAP STARTTLS, POP3 STLS), RFC 1939 (POP3), RFC 2449 (CAPA), RFC
 * 8446 5.1 and RFC 5246 6.2.1 (record layer), draft-hickman-netscape-ssl
 * (SSLv2 record header).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "buf.h"
#include "capture.h"
#include "file.h"
#include "hello.h"
#include "text.h"

#define HEX_FILE_MAX  (1024 * 1024) /* largest hex file read */
#define REC_MAX       16384         /* TLSPlaintext.length limit, 2^14 */
#define MAX_CONNS     256           /* TCP connections followed */
#define DIR_WINDOW    (MX_RECORDED_MAX + 16384) /* stream bytes kept */
#define DIR_RAW_MAX   (4 * DIR_WINDOW)   /* segment bytes kept per direction */
#define TOTAL_RAW_MAX (32 * 1024 * 1024) /* segment bytes kept in all */
#define MAX_VLAN      4
#define MAX_V6_EXT    8
#define EXCERPT       40 /* bytes of plaintext quoted in a message */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* ---------------------------------------------------------------- */
/* Small helpers.                                                    */

static unsigned
be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static size_t
be24(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* a - b in TCP sequence space: -2^31 .. 2^31 - 1. */
static int64_t
seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;

    return d < 0x80000000u ? (int64_t)d : (int64_t)d - 0x100000000LL;
}

static void
rec_clear(struct mx_recorded_hello *h)
{
    h->bytes = NULL;
    h->len = 0;
    h->origin[0] = '\0';
}

void
mx_recorded_hello_free(struct mx_recorded_hello *h)
{
    if (h == NULL)
        return;
    free(h->bytes);
    rec_clear(h);
}

/* Up to EXCERPT bytes of s as printable text, up to the first line end. */
static void
excerpt(struct mx_buf *b, const uint8_t *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i < EXCERPT && s[i] != '\r' && s[i] != '\n'; i++)
        ;
    mx_buf_append(b, "\"");
    mx_buf_append_printable(b, (const char *)s, i);
    mx_buf_append(b, i < n && i == EXCERPT ? "...\"" : "\"");
}

/* ---------------------------------------------------------------- */
/* Where a ClientHello ends, and whether it decodes.                 */

enum { EXT_BAD = -1, EXT_MORE = 0, EXT_DONE = 1 };

struct extent {
    size_t used;   /* DONE: bytes of the records that carry the hello */
    size_t need;   /* MORE: bytes needed at least, as far as known */
    size_t at;     /* BAD: offset of the problem */
    char why[160]; /* BAD: what */
};

static int
ext_bad(struct extent *x, size_t at, const char *why)
{
    x->at = at;
    snprintf(x->why, sizeof(x->why), "%s", why);
    return EXT_BAD;
}

/*
 * The TLS records (or the SSLv2 record) at the start of b that carry one
 * ClientHello: EXT_DONE with x->used, EXT_MORE if b ends too early (with
 * x->need, the least size that could do), EXT_BAD with x->at and x->why.
 * Only the framing is looked at here; mx_hello_decode judges the rest.
 */
static int
hello_extent(const uint8_t *b, size_t n, struct extent *x)
{
    size_t pos = 0, have = 0, msg = 0, hdr_n = 0, rlen, i;
    uint8_t hdr[4];
    char why[160];

    memset(x, 0, sizeof(*x));
    if (n == 0) {
        x->need = 1;
        return EXT_MORE;
    }
    if (b[0] & 0x80) { /* SSLv2: 2-byte header, then the message */
        if (n < 3) {
            x->need = 3;
            return EXT_MORE;
        }
        if (b[2] != 1) {
            snprintf(why, sizeof(why),
                     "SSLv2 message type %u is not a CLIENT-HELLO (1)", b[2]);
            return ext_bad(x, 2, why);
        }
        x->used = 2 + ((size_t)(b[0] & 0x7f) << 8 | b[1]);
        if (n < x->used) {
            x->need = x->used;
            return EXT_MORE;
        }
        return EXT_DONE;
    }
    for (;;) {
        if (n - pos < 5) {
            x->need = pos + 5;
            return EXT_MORE;
        }
        if (b[pos] != 22) {
            snprintf(why, sizeof(why),
                     "record type %u where a handshake record (22) should be",
                     b[pos]);
            return ext_bad(x, pos, why);
        }
        if (b[pos + 1] != 3) {
            snprintf(why, sizeof(why), "record version 0x%04x is not TLS",
                     be16(b + pos + 1));
            return ext_bad(x, pos + 1, why);
        }
        rlen = be16(b + pos + 3);
        if (rlen == 0)
            return ext_bad(x, pos + 3, "empty handshake record");
        if (rlen > REC_MAX)
            return ext_bad(x, pos + 3, "record longer than 16384 bytes");
        if (pos + 5 + rlen > MX_RECORDED_MAX)
            return ext_bad(x, pos, "ClientHello records over 65536 bytes");
        /* the message header, which may itself be split */
        for (i = 0; i < rlen && hdr_n < 4 && pos + 5 + i < n; i++)
            hdr[hdr_n++] = b[pos + 5 + i];
        if (hdr_n >= 1 && hdr[0] != 1) {
            snprintf(why, sizeof(why),
                     "handshake message type %u is not a ClientHello (1)",
                     hdr[0]);
            return ext_bad(x, 5, why);
        }
        if (hdr_n == 4 && msg == 0) {
            msg = 4 + be24(hdr + 1);
            if (msg > MX_RECORDED_MAX)
                return ext_bad(x, 6, "ClientHello over 65536 bytes");
        }
        if (n - pos - 5 < rlen) {
            x->need = pos + 5 + rlen;
            if (msg > have && msg - have > rlen)
                x->need = pos + 5 + (msg - have);
            return EXT_MORE;
        }
        have += rlen;
        pos += 5 + rlen;
        if (msg != 0 && have >= msg)
            break;
    }
    if (have > msg) {
        snprintf(why, sizeof(why),
                 "%zu bytes follow the ClientHello in its last record",
                 have - msg);
        return ext_bad(x, pos - (have - msg), why);
    }
    x->used = pos;
    return EXT_DONE;
}

/*
 * Check the records b[0..n) (as hello_extent found them) with
 * mx_hello_decode, which takes one record: the fragments of a hello
 * spread over several records are joined into one for it.
 */
static int
hello_check(const uint8_t *b, size_t n, struct mx_error *err)
{
    struct mx_hello_view *v;
    struct mx_error e;
    uint8_t *joined = NULL;
    const uint8_t *p = b;
    size_t pos, out, rlen, np = n;
    int rc = -1;

    v = malloc(sizeof(*v));
    if (v == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (!(b[0] & 0x80) && be16(b + 3) != n - 5) {
        joined = malloc(n);
        if (joined == NULL) {
            mx_error_set(err, MX_E_INTERNAL, "out of memory");
            goto out;
        }
        memcpy(joined, b, 3);
        for (pos = 0, out = 5; pos < n; pos += 5 + rlen) {
            rlen = be16(b + pos + 3);
            memcpy(joined + out, b + pos + 5, rlen);
            out += rlen;
        }
        joined[3] = (uint8_t)((out - 5) >> 8);
        joined[4] = (uint8_t)(out - 5);
        p = joined;
        np = out;
    }
    mx_error_clear(&e);
    if (mx_hello_decode(p, np, v, &e) < 0) {
        mx_error_set(err, MX_E_USAGE, "%s%s", e.msg,
                     joined != NULL ? " (of its records joined into one)" : "");
        goto out;
    }
    rc = 0;
out:
    free(joined);
    free(v);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Hex.                                                              */

static int
hex_sep(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f' || c == ':' || c == '-' || c == ',';
}

/* "'g'" or "byte 0x89" for a character of the text. */
static void
char_name(char *s, size_t n, unsigned char c)
{
    if (c > 0x20 && c < 0x7f)
        snprintf(s, n, "'%c'", c);
    else
        snprintf(s, n, "byte 0x%02x", c);
}

/*
 * Parse hex text into out (capacity cap); *n gets the byte count. If
 * mark is below the count, *mark_off gets the text offset of byte number
 * mark. 0, or -1 with err (USAGE, with the offset).
 */
static int
hex_scan(const char *t, size_t len, uint8_t *out, size_t cap, size_t *n,
         size_t mark, size_t *mark_off, struct mx_error *err)
{
    size_t i = 0, k = 0;
    int start = 1, hi, lo;
    char cn[16];

    while (i < len) {
        unsigned char c = (unsigned char)t[i];

        if (hex_sep(c)) {
            start = 1;
            i++;
            continue;
        }
        if (c == '0' && i + 1 < len && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
            if (!start) {
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: '%c' is not a hex digit "
                             "(a 0x prefix must start a token)",
                             i + 1, t[i + 1]);
                return -1;
            }
            if (i + 2 >= len || mx_hexval((unsigned char)t[i + 2]) < 0) {
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: 0x is not followed by hex "
                             "digits",
                             i);
                return -1;
            }
            i += 2;
            start = 0;
            continue;
        }
        hi = mx_hexval(c);
        if (hi < 0) {
            char_name(cn, sizeof(cn), c);
            mx_error_set(err, MX_E_USAGE,
                         "hex at offset %zu: %s is not a hex digit", i, cn);
            return -1;
        }
        lo = i + 1 < len ? mx_hexval((unsigned char)t[i + 1]) : -1;
        if (lo < 0) {
            if (i + 1 < len && !hex_sep((unsigned char)t[i + 1])) {
                char_name(cn, sizeof(cn), (unsigned char)t[i + 1]);
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: %s is not a hex digit", i + 1,
                             cn);
            } else {
                mx_error_set(err, MX_E_USAGE,
                             "hex at offset %zu: a lone hex digit (bytes are "
                             "two digits; odd number of digits)",
                             i);
            }
            return -1;
        }
        if (k >= cap) {
            mx_error_set(err, MX_E_USAGE,
                         "hex at offset %zu: more than %zu bytes, too many "
                         "for one ClientHello",
                         i, cap);
            return -1;
        }
        if (k == mark && mark_off != NULL)
            *mark_off = i;
        out[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
        start = 0;
    }
    if (k == 0) {
        mx_error_set(err, MX_E_USAGE, "hex: no hex digits");
        return -1;
    }
    *n = k;
    return 0;
}

/* The error for bytes after the ClientHello, at byte `at` of n. */
static int
hex_trailing(const char *text, size_t len, uint8_t *tmp, size_t cap, size_t at,
             size_t n, struct mx_error *err)
{
    size_t off = 0, k;
    struct mx_error e;

    hex_scan(text, len, tmp, cap, &k, at, &off, &e);
    mx_error_set(err, MX_E_USAGE,
                 "hex at offset %zu: %zu bytes follow the ClientHello (byte "
                 "%zu on); give one ClientHello only",
                 off, n - at, at);
    return -1;
}

int
mx_hello_from_hex(const char *text, size_t len, struct mx_recorded_hello *out,
                  struct mx_error *err)
{
    uint8_t *b = NULL, *r = NULL;
    size_t n = 0, cap = MX_RECORDED_MAX + 1, msg, nrec, total, i, pos, k;
    struct extent x;
    int rc = -1, e;

    if (out == NULL) {
        mx_error_set(err, MX_E_USAGE, "hex: nowhere to put the hello");
        return -1;
    }
    rec_clear(out);
    if (text == NULL) {
        mx_error_set(err, MX_E_USAGE, "hex: no text");
        return -1;
    }
    b = malloc(cap);
    if (b == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (hex_scan(text, len, b, cap, &n, SIZE_MAX, NULL, err) < 0)
        goto out;
    if (b[0] == 0x01) { /* a bare handshake message: wrap it */
        if (n < 4) {
            mx_error_set(err, MX_E_USAGE,
                         "hex: a handshake message needs a 4-byte header, "
                         "there are %zu bytes",
                         n);
            goto out;
        }
        msg = 4 + be24(b + 1);
        if (msg > n) {
            mx_error_set(err, MX_E_USAGE,
                         "hex: the handshake message is incomplete: its "
                         "header says %zu bytes, there are %zu",
                         msg, n);
            goto out;
        }
        if (msg < n) {
            hex_trailing(text, len, b, cap, msg, n, err);
            goto out;
        }
        nrec = (msg + REC_MAX - 1) / REC_MAX;
        total = msg + 5 * nrec;
        if (total > MX_RECORDED_MAX) {
            mx_error_set(err, MX_E_USAGE,
                         "hex: the handshake message of %zu bytes is too long "
                         "for %d bytes of records",
                         msg, MX_RECORDED_MAX);
            goto out;
        }
        r = malloc(total);
        if (r == NULL) {
            mx_error_set(err, MX_E_INTERNAL, "out of memory");
            goto out;
        }
        for (i = 0, pos = 0; i < msg; i += k) {
            k = msg - i < REC_MAX ? msg - i : REC_MAX;
            r[pos] = 22;
            r[pos + 1] = 3;
            r[pos + 2] = 1;
            r[pos + 3] = (uint8_t)(k >> 8);
            r[pos + 4] = (uint8_t)k;
            memcpy(r + pos + 5, b + i, k);
            pos += 5 + k;
        }
        free(b);
        b = r;
        r = NULL;
        n = total;
    } else if (b[0] == 22 || (b[0] & 0x80)) {
        e = hello_extent(b, n, &x);
        if (e == EXT_BAD) {
            mx_error_set(err, MX_E_USAGE,
                         "hex at byte %zu is not a ClientHello: %s", x.at,
                         x.why);
            goto out;
        }
        if (e == EXT_MORE) {
            mx_error_set(err, MX_E_USAGE,
                         "hex: the ClientHello is incomplete: %zu bytes, at "
                         "least %zu needed",
                         n, x.need);
            goto out;
        }
        if (x.used < n) {
            hex_trailing(text, len, b, cap, x.used, n, err);
            goto out;
        }
    } else {
        mx_error_set(err, MX_E_USAGE,
                     "hex starts with byte 0x%02x: not a TLS handshake record "
                     "(16), a handshake message (01) or an SSLv2 record "
                     "(80..ff)",
                     b[0]);
        goto out;
    }
    if (hello_check(b, n, err) < 0) {
        if (err != NULL && err->code == MX_E_USAGE) {
            struct mx_error e2 = *err;

            mx_error_set(err, MX_E_USAGE, "hex is not a ClientHello: %s",
                         e2.msg);
        }
        goto out;
    }
    out->bytes = b;
    out->len = n;
    b = NULL;
    snprintf(out->origin, sizeof(out->origin), "hex");
    rc = 0;
out:
    free(b);
    free(r);
    return rc;
}

/* ---------------------------------------------------------------- */
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
};

static void
dir_free(struct dir *d)
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
    if (k != NULL && syn && !ack && conn_used(k) &&
        !(k->d[*side].syn && k->d[*side].ref == seq + 1)) {
        k->retired = 1; /* a new connection on the same 4-tuple */
        k = NULL;
    }
    if (k == NULL) {
        if (c->nconns >= MAX_CONNS) {
            c->over_limit = 1;
            return NULL;
        }
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
static void
tcp_segment(struct cap *c, int family, const uint8_t *src, const uint8_t *dst,
            const uint8_t *t, size_t avail, size_t claimed, unsigned long pkt)
{
    size_t doff;
    unsigned flags;
    uint32_t seq;
    struct conn *k;
    struct dir *d;
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
    dir_add(c, d, seq, t + doff, avail - doff, pkt);
}

static void
ipv4_packet(struct cap *c, const uint8_t *p, size_t n, unsigned long pkt)
{
    size_t ihl, tot;

    if (n < 20) {
        c->cut++;
        return;
    }
    ihl = (size_t)(p[0] & 0x0f) * 4;
    tot = be16(p + 2);
    if (tot == 0) /* segmentation offload: the length is not filled in */
        tot = n;
    if ((p[0] >> 4) != 4 || ihl < 20 || tot < ihl) {
        c->malformed++;
        return;
    }
    if (ihl > n) {
        c->cut++;
        return;
    }
    if ((be16(p + 6) & 0x3fff) != 0) { /* more fragments, or an offset */
        c->frags++;
        return;
    }
    if (p[9] != 6)
        return;
    tcp_segment(c, AF_INET, p + 12, p + 16, p + ihl, (tot < n ? tot : n) - ihl,
                tot - ihl, pkt);
}

static void
ipv6_packet(struct cap *c, const uint8_t *p, size_t n, unsigned long pkt)
{
    size_t plen, claimed, avail, off = 40, len;
    unsigned nh, fo;
    int i;

    if (n < 40) {
        c->cut++;
        return;
    }
    if ((p[0] >> 4) != 6) {
        c->malformed++;
        return;
    }
    plen = be16(p + 4);
    claimed = plen == 0 ? n : 40 + plen; /* 0: jumbogram or offload */
    avail = claimed < n ? claimed : n;
    nh = p[6];
    for (i = 0;; i++) {
        if (nh == 6) {
            tcp_segment(c, AF_INET6, p + 8, p + 24, p + off, avail - off,
                        claimed - off, pkt);
            return;
        }
        if (i == MAX_V6_EXT) { /* a ninth extension header */
            c->malformed++;
            return;
        }
        if (off + 8 > avail) {
            if (off + 8 > claimed)
                c->malformed++;
            else
                c->cut++;
            return;
        }
        switch (nh) {
        case 0:   /* hop-by-hop options */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */
            len = ((size_t)p[off + 1] + 1) * 8;
            break;
        case 51: /* AH: length in 4-byte units, minus 2 */
            len = ((size_t)p[off + 1] + 2) * 4;
            break;
        case 44: /* fragment */
            fo = be16(p + off + 2);
            if ((fo & 0xfff8) != 0 || (fo & 1) != 0) {
                c->frags++;
                return;
            }
            len = 8;
            break;
        default: /* ESP, no next header, UDP, ICMPv6, ... */
            return;
        }
        nh = p[off];
        off += len;
        if (off > avail) {
            if (off > claimed)
                c->malformed++;
            else
                c->cut++;
            return;
        }
    }
}

static int
dlt_supported(int dlt)
{
    return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
           dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6 ||
           dlt == DLT_NULL || dlt == DLT_LOOP;
}

/* One captured frame of link type dlt. */
static void
frame(struct cap *c, int dlt, const uint8_t *p, size_t n, unsigned long pkt)
{
    size_t off = 0;
    unsigned et = 0;
    int tags = 0, by_version = 0;

    if (dlt == DLT_EN10MB) {
        off = 14;
        if (n >= off)
            et = be16(p + 12);
    } else if (dlt == DLT_LINUX_SLL) {
        off = 16;
        if (n >= off)
            et = be16(p + 14);
    } else if (dlt == DLT_LINUX_SLL2) {
        off = 20;
        if (n >= off)
            et = be16(p);
    } else if (dlt == DLT_NULL || dlt == DLT_LOOP) {
        off = 4; /* the address family, in the writer's byte order */
        by_version = 1;
    } else {
        by_version = 1; /* raw IP */
    }
    if (n < off) {
        c->cut++;
        return;
    }
    while (!by_version && (et == 0x8100 || et == 0x88a8 || et == 0x9100)) {
        if (++tags > MAX_VLAN || n < off + 4) {
            c->malformed++;
            return;
        }
        et = be16(p + off + 2);
        off += 4;
    }
    p += off;
    n -= off;
    if (by_version && n > 0 && (p[0] >> 4) == 4)
        et = 0x0800;
    else if (by_version && n > 0 && (p[0] >> 4) == 6)
        et = 0x86dd;
    if (et == 0x0800)
        ipv4_packet(c, p, n, pkt);
    else if (et == 0x86dd)
        ipv6_packet(c, p, n, pkt);
    else
        c->nonip++;
}

/* ---------------------------------------------------------------- */
/* Streams and the dialogue.                                         */

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

static void
stream_free(struct stream *s)
{
    free(s->buf);
    free(s->have);
    s->buf = s->have = NULL;
}

/* Put a direction's segments in order; the first copy of a byte wins. */
static int
stream_build(const struct dir *d, struct stream *s)
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
        stream_free(s);
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
static unsigned long
stream_pkt(const struct stream *s, size_t at)
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

/* The whole line at *pos (without CR LF); 0 if there is none. */
static int
next_line(const struct stream *s, size_t *pos, const uint8_t **line, size_t *n)
{
    const uint8_t *lf;

    if (*pos >= s->len)
        return 0;
    lf = memchr(s->buf + *pos, '\n', s->len - *pos);
    if (lf == NULL)
        return 0;
    *line = s->buf + *pos;
    *n = (size_t)(lf - *line);
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    *pos = (size_t)(lf - s->buf) + 1;
    return 1;
}

static int
prefix_ci(const uint8_t *l, size_t n, const char *word)
{
    size_t w = strlen(word);

    return n >= w && strncasecmp((const char *)l, word, w) == 0;
}

enum dialect { D_UNKNOWN, D_SMTP, D_IMAP, D_POP3 };

/* A STARTTLS command line: its dialect (D_UNKNOWN if none), IMAP tag. */
static enum dialect
starttls_line(const uint8_t *l, size_t n, size_t *taglen)
{
    size_t i;

    while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
        n--;
    if (n == 8 && prefix_ci(l, n, "STARTTLS"))
        return D_SMTP;
    if (n == 4 && prefix_ci(l, n, "STLS"))
        return D_POP3;
    if (n < 10 || n > 64 + 9 || !prefix_ci(l + n - 9, 9, " STARTTLS"))
        return D_UNKNOWN;
    for (i = 0; i < n - 9; i++)
        if (l[i] <= 0x20 || l[i] >= 0x7f)
            return D_UNKNOWN;
    if (l[0] == '*' || l[0] == '+')
        return D_UNKNOWN;
    *taglen = n - 9;
    return D_IMAP;
}

/* A server reply: positive or not, and the text of its last line. */
struct reply {
    size_t start; /* stream offset of its first byte */
    int ok;
    int code; /* SMTP: the 3-digit code, -1 if none */
    const uint8_t *text;
    size_t tlen;
};

/* The SMTP reply at *pos (multi-line ones joined); 0 if incomplete. */
static int
smtp_reply(const struct stream *s, size_t *pos, struct reply *r)
{
    size_t p = *pos, n;
    const uint8_t *l;

    r->start = p;
    for (;;) {
        if (!next_line(s, &p, &l, &n))
            return 0;
        if (n >= 3 && l[0] >= '0' && l[0] <= '9' && l[1] >= '0' &&
            l[1] <= '9' && l[2] >= '0' && l[2] <= '9') {
            if (n > 3 && l[3] == '-')
                continue;
            r->code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
        } else {
            r->code = -1;
        }
        r->ok = r->code >= 200 && r->code <= 299;
        r->text = l;
        r->tlen = n;
        *pos = p;
        return 1;
    }
}

/* The POP3 reply at *pos; multi: read on to "." after +OK. */
static int
pop3_reply(const struct stream *s, size_t *pos, int multi, struct reply *r)
{
    size_t p = *pos, n;
    const uint8_t *l;

    r->start = p;
    if (!next_line(s, &p, &l, &n))
        return 0;
    r->ok = prefix_ci(l, n, "+OK");
    r->code = -1;
    r->text = l;
    r->tlen = n;
    if (r->ok && multi) {
        const uint8_t *m;
        size_t mn;

        do {
            if (!next_line(s, &p, &m, &mn))
                return 0;
        } while (!(mn == 1 && m[0] == '.'));
    }
    *pos = p;
    return 1;
}

/* POP3 commands whose +OK reply has more lines (RFC 1939, RFC 2449). */
static int
pop3_multi(const uint8_t *l, size_t n)
{
    size_t w;

    for (w = 0; w < n && l[w] != ' '; w++)
        ;
    if ((w == 4 && prefix_ci(l, n, "CAPA")) ||
        (w == 4 && prefix_ci(l, n, "RETR")) ||
        (w == 3 && prefix_ci(l, n, "TOP")))
        return 1;
    return w == n && ((w == 4 && prefix_ci(l, n, "LIST")) ||
                      (w == 4 && prefix_ci(l, n, "UIDL")));
}

/* The IMAP reply "TAG OK|NO|BAD ..." to the command with this tag. */
static int
imap_reply(const struct stream *s, const uint8_t *tag, size_t taglen,
           struct reply *r)
{
    size_t p = 0, n;
    const uint8_t *l;

    for (;;) {
        r->start = p;
        if (!next_line(s, &p, &l, &n))
            return 0;
        if (n > taglen && memcmp(l, tag, taglen) == 0 && l[taglen] == ' ') {
            r->ok = prefix_ci(l + taglen + 1, n - taglen - 1, "OK");
            r->code = -1;
            r->text = l;
            r->tlen = n;
            return 1;
        }
    }
}

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

static void
set_result(struct result *r, enum outcome o, const char *detail)
{
    r->o = o;
    snprintf(r->detail, sizeof(r->detail), "%.*s", (int)(sizeof(r->detail) - 1),
             detail);
}

/* The client's TLS bytes from stream offset at: a ClientHello or not. */
static void
client_tls(const struct stream *cs, size_t at, struct result *r)
{
    struct extent x;
    struct mx_error e;
    struct mx_buf b = MX_BUF_INIT;
    const uint8_t *p = cs->buf + at;
    size_t n = cs->len - at;
    int rc = hello_extent(p, n, &x);
    char d[200];

    if (rc == EXT_DONE) {
        mx_error_clear(&e);
        if (hello_check(p, x.used, &e) < 0) {
            set_result(r, O_BAD, e.msg);
            return;
        }
        r->o = O_FOUND;
        r->at = at;
        r->used = x.used;
        return;
    }
    if (rc == EXT_BAD && !(p[0] == 22 || (p[0] & 0x80))) {
        mx_buf_append(&b, "it sent ");
        excerpt(&b, p, n);
        set_result(r, O_NOT_TLS, mx_buf_failed(&b) ? "" : mx_buf_str(&b));
        mx_buf_free(&b);
        return;
    }
    if (rc == EXT_BAD) {
        snprintf(d, sizeof(d), "%s, at byte %zu", x.why, x.at);
        set_result(r, O_BAD, d);
        return;
    }
    if (cs->end > cs->len) {
        snprintf(d, sizeof(d), "at byte %zu of the client's stream", cs->len);
        set_result(r, O_GAP, d);
    } else if (n == 0) {
        set_result(r, O_NOT_TLS, "it sent nothing more");
    } else {
        snprintf(d, sizeof(d), "%zu bytes of at least %zu", n, x.need);
        set_result(r, O_CUT, d);
    }
}

/* A refusal (or a reply that is not one) as a detail. */
static void
refusal(struct result *r, const struct reply *rep)
{
    struct mx_buf b = MX_BUF_INIT;

    excerpt(&b, rep->text, rep->tlen);
    set_result(r, O_REFUSED, mx_buf_failed(&b) ? "" : mx_buf_str(&b));
    mx_buf_free(&b);
}

/* The greeting's dialect, for counting replies. */
static enum dialect
greeting_dialect(const struct stream *ss)
{
    if (ss->len >= 3 && ss->buf[0] >= '0' && ss->buf[0] <= '9')
        return D_SMTP;
    if (ss->len >= 3 && prefix_ci(ss->buf, ss->len, "+OK"))
        return D_POP3;
    if (ss->len >= 2 && prefix_ci(ss->buf, ss->len, "* "))
        return D_IMAP;
    return D_UNKNOWN;
}

/*
 * The reply to the STARTTLS line that ends at client stream offset
 * line_end (its LF at line_end - 1): found by counting (*spos is where the
 * reply to the previous command ended) or by packet order.
 */
static int
find_reply(const struct stream *cs, const struct stream *ss, int counting,
           enum dialect kind, const uint8_t *tag, size_t taglen,
           size_t line_end, size_t *spos, struct reply *rep)
{
    unsigned long after;
    size_t p = 0;

    if (kind == D_IMAP)
        return imap_reply(ss, tag, taglen, rep);
    if (counting)
        return kind == D_SMTP ? smtp_reply(ss, spos, rep)
                              : pop3_reply(ss, spos, 0, rep);
    after = stream_pkt(cs, line_end - 1);
    for (;;) {
        int got = kind == D_SMTP ? smtp_reply(ss, &p, rep)
                                 : pop3_reply(ss, &p, 0, rep);

        if (!got)
            return 0;
        if (stream_pkt(ss, rep->start) > after)
            return 1;
    }
}

/* The dialogue of one connection, with cs the client's stream. */
static void
dialogue(const struct stream *cs, const struct stream *ss, struct result *r)
{
    size_t cpos = 0, spos = 0, n, taglen = 0;
    const uint8_t *l;
    enum dialect g = greeting_dialect(ss), kind;
    int counting = cs->known && ss->known && (g == D_SMTP || g == D_POP3);
    int synced = counting, in_data = 0;
    struct reply rep;
    struct result t;

    set_result(r, O_NOTHING, "");
    if (counting) {
        synced = g == D_SMTP ? smtp_reply(ss, &spos, &rep)
                             : pop3_reply(ss, &spos, 0, &rep);
    }
    while (next_line(cs, &cpos, &l, &n)) {
        if (in_data) { /* SMTP message text, up to "." */
            if (n == 1 && l[0] == '.')
                in_data = 0;
            else
                continue;
        } else if ((kind = starttls_line(l, n, &taglen)) != D_UNKNOWN) {
            int found = find_reply(cs, ss, counting && synced, kind, l, taglen,
                                   cpos, &spos, &rep);

            memset(&t, 0, sizeof(t));
            if (found && !rep.ok) {
                refusal(&t, &rep);
                if (t.o > r->o)
                    *r = t;
                continue; /* the client may go on in plain text */
            }
            client_tls(cs, cpos, &t);
            if (!found && t.o == O_NOT_TLS)
                t.o = O_NO_REPLY; /* neither a reply nor TLS captured */
            if (t.o > r->o)
                *r = t;
            return; /* what follows is TLS, or not ours to read */
        }
        if (!synced)
            continue;
        /* one reply per command line */
        if (g == D_SMTP)
            synced = smtp_reply(ss, &spos, &rep);
        else
            synced = pop3_reply(ss, &spos, pop3_multi(l, n), &rep);
        if (synced && g == D_SMTP && rep.code == 354)
            in_data = 1;
    }
}

/* One connection, cs being what the client sent. */
static void
analyze(const struct stream *cs, const struct stream *ss, struct result *r)
{
    const uint8_t *b = cs->buf;

    set_result(r, O_NOTHING, "");
    if (cs->len == 0) {
        if (cs->end > 0)
            set_result(r, O_GAP, "the client's first segment is missing");
        return;
    }
    /* implicit TLS: a handshake record with a ClientHello, or SSLv2 */
    if ((b[0] == 22 && (cs->len < 2 || b[1] == 3) &&
         (cs->len < 6 || b[5] == 1)) ||
        ((b[0] & 0x80) && (cs->len < 3 || b[2] == 1))) {
        client_tls(cs, 0, r);
        return;
    }
    dialogue(cs, ss, r);
}

/* ---------------------------------------------------------------- */
/* The capture as a whole.                                           */

/* "127.0.0.1:25" or "[::1]:25". */
static void
endpoint(char *s, size_t n, int family, const uint8_t *addr, unsigned port)
{
    char a[INET6_ADDRSTRLEN];

    if (inet_ntop(family, addr, a, sizeof(a)) == NULL)
        snprintf(a, sizeof(a), "?");
    if (family == AF_INET6)
        snprintf(s, n, "[%s]:%u", a, port);
    else
        snprintf(s, n, "%s:%u", a, port);
}

static const char *const outcome_text[O_COUNT] = {
    [O_NOTHING] = "without STARTTLS or a ClientHello",
    [O_NO_REPLY] = "with STARTTLS but no reply to it and no TLS captured",
    [O_REFUSED] = "with STARTTLS refused",
    [O_NOT_TLS] = "with STARTTLS but the client sent no TLS record",
    [O_GAP] = "with a TCP segment of the client's missing",
    [O_CUT] = "with a ClientHello cut short at the end of the capture",
    [O_BAD] = "with a malformed ClientHello",
    [O_FOUND] = "with a ClientHello",
};

static const char *
plural(unsigned long n)
{
    return n == 1 ? "" : "s";
}

/* The error when no connection has a ClientHello. */
static void
no_hello(const struct cap *c, const unsigned long *count,
         char detail[O_COUNT][200], struct mx_error *err)
{
    struct mx_buf b = MX_BUF_INIT;
    int o;

    mx_buf_printf(&b, "no TLS ClientHello in %s: ", c->path);
    if (c->packets == 0) {
        mx_buf_append(&b, "it holds no packets");
    } else if (c->nconns == 0) {
        mx_buf_printf(&b, "no TCP connections among its %lu packet%s",
                      c->packets, plural(c->packets));
    } else {
        mx_buf_printf(&b, "%zu TCP connection%s", c->nconns, plural(c->nconns));
        for (o = O_COUNT - 1; o >= 0; o--) {
            if (count[o] == 0)
                continue;
            mx_buf_printf(&b, ", %lu %s", count[o], outcome_text[o]);
            if (detail[o][0] != '\0')
                mx_buf_printf(&b, " (%s)", detail[o]);
        }
    }
    if (c->frags > 0)
        mx_buf_printf(&b, "; %lu IP fragment%s skipped (not reassembled)",
                      c->frags, plural(c->frags));
    if (c->cut > 0)
        mx_buf_printf(&b, "; %lu packet%s cut short by the snapshot length",
                      c->cut, plural(c->cut));
    if (c->malformed > 0)
        mx_buf_printf(&b, "; %lu malformed packet%s", c->malformed,
                      plural(c->malformed));
    if (c->nconns == 0 && c->nonip > 0)
        mx_buf_printf(&b, "; %lu frame%s not IP", c->nonip, plural(c->nonip));
    if (c->over_limit)
        mx_buf_printf(&b, "; connections after the first %d ignored",
                      MAX_CONNS);
    if (c->capped)
        mx_buf_append(&b, "; some data dropped over the memory limit");
    if (c->read_error[0] != '\0')
        mx_buf_printf(&b, "; the file ends early: %s", c->read_error);
    mx_error_set(err, MX_E_USAGE, "%s",
                 mx_buf_failed(&b) ? "no TLS ClientHello in the capture"
                                   : mx_buf_str(&b));
    mx_buf_free(&b);
}

/* Look for the ClientHello in every connection, in order. */
static int
cap_result(struct cap *c, struct mx_recorded_hello *out, struct mx_error *err)
{
    unsigned long count[O_COUNT] = {0};
    char detail[O_COUNT][200];
    struct stream s[2];
    struct result best, r;
    char from[80], to[80];
    size_t i;
    int side, first, last, cl;

    memset(detail, 0, sizeof(detail));
    for (i = 0; i < c->nconns; i++) {
        struct conn *k = &c->conns[i];

        if (stream_build(&k->d[0], &s[0]) < 0)
            goto nomem;
        if (stream_build(&k->d[1], &s[1]) < 0) {
            stream_free(&s[0]);
            goto nomem;
        }
        first = k->client < 0 ? 0 : k->client;
        last = k->client < 0 ? 1 : k->client;
        memset(&best, 0, sizeof(best));
        cl = first;
        for (side = first; side <= last; side++) {
            analyze(&s[side], &s[1 - side], &r);
            if (side == first || r.o > best.o) {
                best = r;
                cl = side;
            }
        }
        if (best.o == O_FOUND) {
            out->bytes = malloc(best.used);
            if (out->bytes == NULL) {
                stream_free(&s[0]);
                stream_free(&s[1]);
                goto nomem;
            }
            memcpy(out->bytes, s[cl].buf + best.at, best.used);
            out->len = best.used;
            endpoint(from, sizeof(from), k->family, k->addr[cl], k->port[cl]);
            endpoint(to, sizeof(to), k->family, k->addr[1 - cl],
                     k->port[1 - cl]);
            snprintf(out->origin, sizeof(out->origin), "%s: %s -> %s", c->path,
                     from, to);
        }
        stream_free(&s[0]);
        stream_free(&s[1]);
        if (best.o == O_FOUND)
            return 0;
        if (count[best.o]++ == 0)
            snprintf(detail[best.o], sizeof(detail[best.o]), "%s", best.detail);
    }
    no_hello(c, count, detail, err);
    return -1;
nomem:
    mx_error_set(err, MX_E_INTERNAL, "out of memory reading %s", c->path);
    return -1;
}

/* Read a pcap or pcapng stream (f is closed in any case); name is for
 * messages. */
static int
from_pcap_stream(FILE *f, const char *name, struct mx_recorded_hello *out,
                 struct mx_error *err)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *p;
    struct cap *c = NULL;
    const char *lname;
    size_t i;
    int dlt, r, rc = -1;

    ebuf[0] = '\0';
    p = pcap_fopen_offline(f, ebuf);
    if (p == NULL) {
        fclose(f);
        mx_error_set(err, MX_E_USAGE,
                     "%s is not a capture file libpcap can read: %s", name,
                     ebuf[0] != '\0' ? ebuf : "unknown error");
        return -1;
    }
    dlt = pcap_datalink(p);
    if (dlt < 0) {
        mx_error_set(err, MX_E_USAGE, "%s: no link-layer type: %s", name,
                     pcap_geterr(p));
        goto out;
    }
    if (!dlt_supported(dlt)) {
        lname = pcap_datalink_val_to_name(dlt);
        mx_error_set(err, MX_E_USAGE,
                     "%s: link-layer type %s (%d) is not supported (Ethernet, "
                     "Linux cooked SLL/SLL2, raw IP and BSD loopback are)",
                     name, lname != NULL ? lname : "unknown", dlt);
        goto out;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL ||
        (c->conns = calloc(MAX_CONNS, sizeof(*c->conns))) == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory reading %s", name);
        goto out;
    }
    c->path = name;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        c->packets++;
        frame(c, dlt, data, h->caplen, c->packets);
        if (c->nomem)
            break;
    }
    if (c->nomem) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory reading %s", name);
        goto out;
    }
    if (r == PCAP_ERROR)
        snprintf(c->read_error, sizeof(c->read_error),
                 "%s (after %lu "
                 "packets)",
                 pcap_geterr(p), c->packets);
    rc = cap_result(c, out, err);
out:
    if (c != NULL && c->conns != NULL) {
        for (i = 0; i < c->nconns; i++) {
            dir_free(&c->conns[i].d[0]);
            dir_free(&c->conns[i].d[1]);
        }
    }
    if (c != NULL)
        free(c->conns);
    free(c);
    pcap_close(p); /* closes f */
    return rc;
}

/* Open path with the one file reader, as a stream. NULL with err. */
static FILE *
open_stream(const char *path, struct mx_error *err)
{
    FILE *f;
    int fd;

    fd = mx_file_open(path, NULL, 0, err);
    if (fd < 0)
        return NULL;
    f = fdopen(fd, "rb");
    if (f == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int
mx_hello_from_pcap(const char *path, struct mx_recorded_hello *out,
                   struct mx_error *err)
{
    FILE *f;

    if (out == NULL || path == NULL) {
        mx_error_set(err, MX_E_USAGE, "capture: no file or no result");
        return -1;
    }
    rec_clear(out);
    f = open_stream(path, err);
    if (f == NULL)
        return -1;
    return from_pcap_stream(f, path, out, err);
}

static int
capture_magic(const uint8_t *m)
{
    static const uint8_t magics[5][4] = {
        {0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1},
        {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1},
        {0x0a, 0x0d, 0x0d, 0x0a},
    };
    size_t i;

    for (i = 0; i < 5; i++)
        if (memcmp(m, magics[i], 4) == 0)
            return 1;
    return 0;
}

/* The hex half of mx_hello_from_file and mx_hello_from_bytes: n bytes of
 * text that are no capture. */
static int
from_text(const char *text, size_t n, const char *name,
          struct mx_recorded_hello *out, struct mx_error *err)
{
    struct mx_error e;

    if (n == 0) {
        mx_error_set(err, MX_E_USAGE,
                     "%s is empty: neither a capture nor a hex dump", name);
        return -1;
    }
    if (n > HEX_FILE_MAX) {
        mx_error_set(err, MX_E_USAGE,
                     "%s is not a pcap or pcapng file, and too large for a "
                     "hex dump (over 1 MiB)",
                     name);
        return -1;
    }
    mx_error_clear(&e);
    if (mx_hello_from_hex(text, n, out, &e) < 0) {
        if (e.code == MX_E_USAGE)
            mx_error_set(err, MX_E_USAGE,
                         "%s (not pcap or pcapng, so read as hex): %s", name,
                         e.msg);
        else
            mx_error_set(err, e.code, "%s: %s", name, e.msg);
        return -1;
    }
    snprintf(out->origin, sizeof(out->origin), "hex file %s", name);
    return 0;
}

int
mx_hello_from_bytes(const uint8_t *b, size_t n, const char *name,
                    struct mx_recorded_hello *out, struct mx_error *err)
{
    FILE *f;

    if (out == NULL || name == NULL || (b == NULL && n > 0)) {
        mx_error_set(err, MX_E_USAGE, "no bytes or no result");
        return -1;
    }
    rec_clear(out);
    if (n < 4 || !capture_magic(b))
        return from_text((const char *)b, n, name, out, err);
    f = fmemopen((void *)(uintptr_t)b, n, "rb");
    if (f == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "%s: %s", name, strerror(errno));
        return -1;
    }
    return from_pcap_stream(f, name, out, err);
}

int
mx_hello_from_file(const char *path, struct mx_recorded_hello *out,
                   struct mx_error *err)
{
    FILE *f;
    char *text = NULL;
    size_t n;
    int rc = -1;

    if (out == NULL || path == NULL) {
        mx_error_set(err, MX_E_USAGE, "no file or no result");
        return -1;
    }
    rec_clear(out);
    f = open_stream(path, err);
    if (f == NULL)
        return -1;
    text = malloc(HEX_FILE_MAX + 1);
    if (text == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    n = fread(text, 1, HEX_FILE_MAX + 1, f);
    if (ferror(f)) {
        mx_error_set(err, MX_E_USAGE, "%s: cannot read: %s", path,
                     strerror(errno));
        goto out;
    }
    if (n >= 4 && capture_magic((const uint8_t *)text)) {
        /* a capture is read as a stream, whatever its size */
        free(text);
        if (fseek(f, 0, SEEK_SET) != 0) {
            mx_error_set(err, MX_E_USAGE, "%s: cannot read: %s", path,
                         strerror(errno));
            fclose(f);
            return -1;
        }
        return from_pcap_stream(f, path, out, err);
    }
    rc = from_text(text, n, path, out, err);
out:
    free(text);
    fclose(f);
    return rc;
}
