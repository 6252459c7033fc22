/*
 * test_capture.c - recorded ClientHellos from hex and from captures
 * (capture.c).
 *
 * The captures are built here, byte by byte, as pcap or pcapng files in a
 * private temporary directory (removed at the end): Ethernet (with a VLAN
 * tag and IPv4 options), Linux cooked SLL and SLL2, raw IP, BSD loopback;
 * SMTP, IMAP and POP3 dialogues with STARTTLS, and implicit TLS. The TLS
 * bytes are real ClientHellos: OpenSSL's (an SSL object writing to a
 * memory BIO) and a large one with an ML-KEM hybrid key share made by
 * mx_hello_encode, cut into two records. TCP segments are sent out of
 * order, retransmitted, overlapping, missing, or cut by the snapshot
 * length; every error message is checked for what it must say.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "capture.h"
#include "hello.h"
#include "keyshare.h"
#include "tap.h"

/* Link types as written in the files (the LINKTYPE_ values). */
#define LT_NULL     0
#define LT_ETHERNET 1
#define LT_RAW      101
#define LT_LOOP     108
#define LT_SLL      113
#define LT_IPV4     228
#define LT_SLL2     276
#define LT_80211    105

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static char tmpdir[64];

/* ---------------------------------------------------------------- */
/* Checks.                                                           */

static int
bytes_eq(const uint8_t *got, size_t gotlen, const uint8_t *want, size_t wantlen,
         const char *name)
{
    size_t i, n = gotlen < wantlen ? gotlen : wantlen;
    int same = got != NULL && gotlen == wantlen &&
               (n == 0 || memcmp(got, want, n) == 0);

    if (!tap_ok(same, name)) {
        for (i = 0; got != NULL && i < n && got[i] == want[i]; i++)
            ;
        printf("#   lengths got %zu want %zu; first difference at byte %zu\n",
               gotlen, wantlen, i);
    }
    return same;
}

/* Passes when got contains every needle (NULL-terminated list). */
static int
has_all(const char *got, const char *name, ...)
{
    va_list ap;
    const char *needle;
    int ok = 1;

    va_start(ap, name);
    while ((needle = va_arg(ap, const char *)) != NULL)
        if (strstr(got, needle) == NULL) {
            ok = 0;
            break;
        }
    va_end(ap);
    if (!tap_ok(ok, name))
        printf("#   got \"%s\"\n#   missing \"%s\"\n", got, needle);
    return ok;
}

/* ---------------------------------------------------------------- */
/* ClientHellos.                                                     */

static uint8_t ossl[4096]; /* OpenSSL's ClientHello record */
static size_t ossl_len;
static uint8_t pq[8192]; /* a large hello in two records */
static size_t pq_len, pq_split;
static uint8_t v2[512]; /* an SSLv2 CLIENT-HELLO */
static size_t v2_len;

static int
make_openssl_hello(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *s = ctx != NULL ? SSL_new(ctx) : NULL;
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    int r, k, ok = 0;

    if (s == NULL || rb == NULL || wb == NULL) {
        BIO_free(rb);
        BIO_free(wb);
        goto out;
    }
    SSL_set_bio(s, rb, wb);
    if (SSL_set_tlsext_host_name(s, "mx.example.test") != 1)
        goto out;
    SSL_set_connect_state(s);
    r = SSL_do_handshake(s);
    if (r >= 0 || SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
        goto out;
    while ((k = BIO_read(wb, ossl + ossl_len, (int)(sizeof(ossl) - ossl_len))) >
           0)
        ossl_len += (size_t)k;
    ok = ossl_len > 100;
out:
    SSL_free(s);
    SSL_CTX_free(ctx);
    return ok;
}

/* A hello with an X25519MLKEM768 share, its handshake message cut into two
 * records of record version 0x0301, as a client might send it. */
static int
make_pq_hello(void)
{
    static const uint16_t suites[] = {
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
        0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x00ff};
    static const uint16_t groups[] = {0x11ec, 0x001d, 0x0017, 0x0018};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                       0x0805, 0x0501, 0x0806, 0x0601};
    static const uint16_t versions[] = {0x0304, 0x0303};
    static uint8_t k1[1300], k2[64], one[8192];
    struct mx_key_share ks[2];
    struct mx_hello h;
    struct mx_error err;
    size_t len = 0, hs;
    long n1 = mx_keyshare_make(0x11ec, k1, sizeof(k1));
    long n2 = mx_keyshare_make(0x001d, k2, sizeof(k2));
    int i;

    if (n1 <= 0 || n2 <= 0)
        return 0;
    memset(&h, 0, sizeof(h));
    for (i = 0; i < 32; i++) {
        h.random[i] = (uint8_t)(i * 3 + 1);
        h.session_id[i] = (uint8_t)(0x40 + i);
    }
    h.suites = suites;
    h.nsuites = sizeof(suites) / sizeof(suites[0]);
    h.groups = groups;
    h.ngroups = 4;
    h.sigalgs = sigalgs;
    h.nsigalgs = 8;
    h.versions = versions;
    h.nversions = 2;
    ks[0].group = 0x11ec;
    ks[0].data = k1;
    ks[0].len = (size_t)n1;
    ks[1].group = 0x001d;
    ks[1].data = k2;
    ks[1].len = (size_t)n2;
    h.shares = ks;
    h.nshares = 2;
    h.sni = "mx.example.test";
    h.flags = MX_HELLO_MODERN;
    if (mx_hello_encode(&h, one, sizeof(one), &len, &err) < 0) {
        printf("# encode: %s\n", err.msg);
        return 0;
    }
    hs = len - 5;
    pq_split = 1000;
    memcpy(pq, one, 5);
    pq[3] = (uint8_t)(pq_split >> 8);
    pq[4] = (uint8_t)pq_split;
    memcpy(pq + 5, one + 5, pq_split);
    memcpy(pq + 5 + pq_split, one, 5);
    pq[5 + pq_split + 3] = (uint8_t)((hs - pq_split) >> 8);
    pq[5 + pq_split + 4] = (uint8_t)(hs - pq_split);
    memcpy(pq + 10 + pq_split, one + 5 + pq_split, hs - pq_split);
    pq_len = len + 5;
    return pq_len > 1400;
}

static int
make_v2_hello(void)
{
    static const uint16_t suites[] = {0x0035, 0x002f, 0x000a};
    static const uint32_t kinds[] = {0x010080, 0x0700c0};
    struct mx_hello h;
    struct mx_error err;

    memset(&h, 0, sizeof(h));
    h.sslv2 = 1;
    h.legacy_version = 0x0301;
    h.suites = suites;
    h.nsuites = 3;
    h.ssl2_ciphers = kinds;
    h.nssl2_ciphers = 2;
    return mx_hello_encode(&h, v2, sizeof(v2), &v2_len, &err) == 0;
}

/* ---------------------------------------------------------------- */
/* Capture files.                                                    */

struct cf {
    uint8_t *b;
    size_t n, cap;
    int lt;        /* link type */
    int ng;        /* pcapng */
    unsigned snap; /* snapshot length */
    uint32_t t;    /* time stamps, in microseconds */
};

static void
put(struct cf *f, const void *p, size_t n)
{
    if (f->n + n > f->cap) {
        size_t cap = (f->n + n) * 2;
        uint8_t *b = realloc(f->b, cap);

        if (b == NULL)
            abort();
        f->b = b;
        f->cap = cap;
    }
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void
le16(struct cf *f, unsigned v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

    put(f, b, 2);
}

static void
le32(struct cf *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};

    put(f, b, 4);
}

/* pcap-savefile(5) header, or a pcapng section header and interface. */
static void
cf_begin(struct cf *f, int lt, int ng, unsigned snap)
{
    memset(f, 0, sizeof(*f));
    f->lt = lt;
    f->ng = ng;
    f->snap = snap;
    f->t = 1000;
    if (!ng) {
        le32(f, 0xa1b2c3d4); /* little-endian file: d4 c3 b2 a1 */
        le16(f, 2);
        le16(f, 4);
        le32(f, 0); /* thiszone */
        le32(f, 0); /* sigfigs */
        le32(f, snap);
        le32(f, (uint32_t)lt);
        return;
    }
    le32(f, 0x0a0d0d0a); /* section header block */
    le32(f, 28);
    le32(f, 0x1a2b3c4d);
    le16(f, 1);
    le16(f, 0);
    le32(f, 0xffffffff); /* section length unknown */
    le32(f, 0xffffffff);
    le32(f, 28);
    le32(f, 1); /* interface description block */
    le32(f, 20);
    le16(f, (unsigned)lt);
    le16(f, 0);
    le32(f, snap);
    le32(f, 20);
}

static void
cf_packet(struct cf *f, const uint8_t *p, size_t n)
{
    size_t incl = n < f->snap ? n : f->snap;
    static const uint8_t zero[4];

    f->t += 1000;
    if (!f->ng) {
        le32(f, 1700000000u + f->t / 1000000);
        le32(f, f->t % 1000000);
        le32(f, (uint32_t)incl);
        le32(f, (uint32_t)n);
        put(f, p, incl);
        return;
    }
    le32(f, 6); /* enhanced packet block */
    le32(f, (uint32_t)(32 + (incl + 3) / 4 * 4));
    le32(f, 0); /* interface 0 */
    le32(f, 0);
    le32(f, f->t);
    le32(f, (uint32_t)incl);
    le32(f, (uint32_t)n);
    put(f, p, incl);
    put(f, zero, (4 - incl % 4) % 4);
    le32(f, (uint32_t)(32 + (incl + 3) / 4 * 4));
}

/* Write the capture to tmpdir/name; returns the path (static). With
 * MXTLS_CAPTURE_CORPUS=DIR, a copy goes to DIR (the fuzzer's seeds). */
static const char *
cf_write(struct cf *f, const char *name)
{
    static char path[256];
    const char *seeds = getenv("MXTLS_CAPTURE_CORPUS");
    FILE *fp;

    if (seeds != NULL && *seeds != '\0') {
        snprintf(path, sizeof(path), "%s/%s", seeds, name);
        fp = fopen(path, "wb");
        if (fp == NULL || fwrite(f->b, 1, f->n, fp) != f->n || fclose(fp) != 0)
            abort();
    }
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "wb");
    if (fp == NULL || fwrite(f->b, 1, f->n, fp) != f->n || fclose(fp) != 0)
        abort();
    free(f->b);
    f->b = NULL;
    return path;
}

static const char *
write_file(const char *name, const void *p, size_t n)
{
    static char path[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "wb");
    if (fp == NULL || (n > 0 && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
        abort();
    return path;
}

/* ---------------------------------------------------------------- */
/* TCP conversations.                                                */

struct cv {
    int v6;
    uint8_t ca[16], sa[16]; /* client and server address */
    unsigned cp, sp;
    uint32_t cnext, snext; /* next sequence number of each side */
    int vlan;              /* Ethernet: an 802.1Q tag */
    int ipopts;            /* IPv4: 4 bytes of options */
    int v6ext; /* IPv6: this many extension headers (hop-by-hop, then
                  destination options), 8 bytes each */
};

static void
cv_init(struct cv *c, int v6, unsigned cport, unsigned sport)
{
    memset(c, 0, sizeof(*c));
    c->v6 = v6;
    if (v6) {
        static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
        static const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

        memcpy(c->ca, a, 16);
        memcpy(c->sa, b, 16);
    } else {
        static const uint8_t a[4] = {192, 0, 2, 2}, b[4] = {192, 0, 2, 1};

        memcpy(c->ca, a, 4);
        memcpy(c->sa, b, 4);
    }
    c->cp = cport;
    c->sp = sport;
    c->cnext = 0x10000000u + cport * 7919u;
    c->snext = 0xfffff000u; /* wraps around during the dialogue */
}

static unsigned
ip_sum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

/* One TCP segment from the client (fc) or the server, as a frame. */
static void
seg(struct cf *f, const struct cv *c, int fc, unsigned flags, uint32_t seq,
    const uint8_t *p, size_t n)
{
    static uint8_t fr[70000];
    size_t o = 0, ip, tcp, iphl;
    unsigned et = c->v6 ? 0x86dd : 0x0800;
    const uint8_t *src = fc ? c->ca : c->sa, *dst = fc ? c->sa : c->ca;
    unsigned sp = fc ? c->cp : c->sp, dp = fc ? c->sp : c->cp;
    uint32_t ack = fc ? c->snext : c->cnext;

    if (n > 65000)
        abort();
    memset(fr, 0, 100);
    switch (f->lt) {
    case LT_ETHERNET:
        fr[5] = fc ? 1 : 2; /* destination MAC */
        fr[11] = fc ? 2 : 1;
        o = 12;
        if (c->vlan) {
            fr[o++] = 0x81;
            fr[o++] = 0x00;
            fr[o++] = 0x00;
            fr[o++] = 0x64; /* VLAN 100 */
        }
        fr[o++] = (uint8_t)(et >> 8);
        fr[o++] = (uint8_t)et;
        break;
    case LT_SLL:
        fr[1] = fc ? 4 : 0; /* outgoing or to us */
        fr[2] = 0x03;       /* ARPHRD_LOOPBACK 772 */
        fr[3] = 0x04;
        fr[5] = 6;
        fr[14] = (uint8_t)(et >> 8);
        fr[15] = (uint8_t)et;
        o = 16;
        break;
    case LT_SLL2:
        fr[0] = (uint8_t)(et >> 8);
        fr[1] = (uint8_t)et;
        fr[7] = 1; /* interface 1 */
        fr[8] = 0x03;
        fr[9] = 0x04;
        fr[10] = fc ? 4 : 0;
        fr[11] = 6;
        o = 20;
        break;
    case LT_NULL: /* the family in the writer's order: macOS AF_INET6 30 */
        fr[0] = c->v6 ? 30 : 2;
        o = 4;
        break;
    case LT_LOOP:
        fr[3] = c->v6 ? 30 : 2;
        o = 4;
        break;
    default: /* raw IP */
        break;
    }
    ip = o;
    if (!c->v6) {
        iphl = c->ipopts ? 24 : 20;
        fr[o] = (uint8_t)(0x40 | iphl / 4);
        fr[o + 2] = (uint8_t)((iphl + 20 + n) >> 8);
        fr[o + 3] = (uint8_t)(iphl + 20 + n);
        fr[o + 6] = 0x40; /* don't fragment */
        fr[o + 8] = 64;
        fr[o + 9] = 6;
        memcpy(fr + o + 12, src, 4);
        memcpy(fr + o + 16, dst, 4);
        if (c->ipopts) {
            fr[o + 20] = 1; /* NOP NOP NOP EOL */
            fr[o + 21] = 1;
            fr[o + 22] = 1;
            fr[o + 23] = 0;
        }
        {
            unsigned s = ip_sum(fr + o, iphl);

            fr[o + 10] = (uint8_t)(s >> 8);
            fr[o + 11] = (uint8_t)s;
        }
        o += iphl;
    } else {
        size_t ext = 8 * (size_t)c->v6ext;
        int e;

        fr[o] = 0x60;
        fr[o + 4] = (uint8_t)((ext + 20 + n) >> 8);
        fr[o + 5] = (uint8_t)(ext + 20 + n);
        fr[o + 6] = c->v6ext ? 0 : 6;
        fr[o + 7] = 64;
        memcpy(fr + o + 8, src, 16);
        memcpy(fr + o + 24, dst, 16);
        o += 40;
        for (e = 0; e < c->v6ext; e++) { /* each with a PadN of 4 */
            memset(fr + o, 0, 8);
            fr[o] = e + 1 < c->v6ext ? 60 : 6;
            fr[o + 2] = 1;
            fr[o + 3] = 4;
            o += 8;
        }
    }
    (void)ip;
    tcp = o;
    fr[o] = (uint8_t)(sp >> 8);
    fr[o + 1] = (uint8_t)sp;
    fr[o + 2] = (uint8_t)(dp >> 8);
    fr[o + 3] = (uint8_t)dp;
    fr[o + 4] = (uint8_t)(seq >> 24);
    fr[o + 5] = (uint8_t)(seq >> 16);
    fr[o + 6] = (uint8_t)(seq >> 8);
    fr[o + 7] = (uint8_t)seq;
    if (flags & F_ACK) {
        fr[o + 8] = (uint8_t)(ack >> 24);
        fr[o + 9] = (uint8_t)(ack >> 16);
        fr[o + 10] = (uint8_t)(ack >> 8);
        fr[o + 11] = (uint8_t)ack;
    }
    fr[o + 12] = 0x50;
    fr[o + 13] = (uint8_t)flags;
    fr[o + 14] = 0xff;
    fr[o + 15] = 0xff;
    memset(fr + o + 16, 0, 4);
    o = tcp + 20;
    if (n > 0)
        memcpy(fr + o, p, n);
    o += n;
    if (f->lt == LT_ETHERNET)
        while (o < 60)
            fr[o++] = 0; /* Ethernet padding, past the IP length */
    cf_packet(f, fr, o);
}

/* The three-way handshake. */
static void
cv_open(struct cf *f, struct cv *c)
{
    seg(f, c, 1, F_SYN, c->cnext - 1, NULL, 0);
    seg(f, c, 0, F_SYN | F_ACK, c->snext - 1, NULL, 0);
    seg(f, c, 1, F_ACK, c->cnext, NULL, 0);
}

static void
say(struct cf *f, struct cv *c, int fc, const void *p, size_t n)
{
    uint32_t *next = fc ? &c->cnext : &c->snext;

    seg(f, c, fc, F_ACK | F_PSH, *next, p, n);
    *next += (uint32_t)n;
}

static void
says(struct cf *f, struct cv *c, int fc, const char *s)
{
    say(f, c, fc, s, strlen(s));
}

static void
cv_close(struct cf *f, struct cv *c)
{
    seg(f, c, 1, F_FIN | F_ACK, c->cnext, NULL, 0);
    seg(f, c, 0, F_FIN | F_ACK, c->snext, NULL, 0);
    c->cnext++;
    c->snext++;
    seg(f, c, 1, F_ACK, c->cnext, NULL, 0);
}

/* The hello in segments of at most mss bytes. */
static void
say_mss(struct cf *f, struct cv *c, int fc, const uint8_t *p, size_t n,
        size_t mss)
{
    size_t i, k;

    for (i = 0; i < n; i += k) {
        k = n - i < mss ? n - i : mss;
        say(f, c, fc, p + i, k);
    }
}

/* An SMTP session up to the server's reply to STARTTLS. */
static void
smtp_to_reply(struct cf *f, struct cv *c, const char *reply)
{
    says(f, c, 0, "220 mx.example.test ESMTP\r\n");
    says(f, c, 1, "EHLO client.example.test\r\n");
    says(f, c, 0,
         "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
         "250-STARTTLS\r\n250 8BITMIME\r\n");
    says(f, c, 1, "STARTTLS\r\n");
    says(f, c, 0, reply);
}

static void
smtp_to_tls(struct cf *f, struct cv *c)
{
    smtp_to_reply(f, c, "220 2.0.0 Ready to start TLS\r\n");
}

/* What follows a hello: the server's records, the client's next ones. */
static void
after_hello(struct cf *f, struct cv *c)
{
    static const uint8_t sh[] = {0x16, 0x03, 0x03, 0x00, 0x04,
                                 0x02, 0x00, 0x00, 0x00};
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17,
                                  0x03, 0x03, 0x00, 0x03, 1,    2,    3};

    say(f, c, 0, sh, sizeof(sh));
    say(f, c, 1, ccs, sizeof(ccs));
}

/* Run mx_hello_from_pcap; on failure leave the message in msg. */
static int
from_pcap(const char *path, struct mx_recorded_hello *h, char *msg,
          size_t msglen)
{
    struct mx_error err;
    int rc;

    mx_error_clear(&err);
    rc = mx_hello_from_pcap(path, h, &err);
    snprintf(msg, msglen, "%s", rc < 0 ? err.msg : "");
    if (rc < 0 && err.code != MX_E_USAGE)
        printf("# unexpected error code %d: %s\n", err.code, err.msg);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Tests.                                                            */

static void
test_smtp_reordered(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    struct mx_error err;
    char msg[600], origin[300];
    const char *path;
    uint8_t garbage[40];
    uint32_t base;
    size_t a = 100, b = 200;

    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 41234, 25);
    c.vlan = 1;
    c.ipopts = 1;
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    base = c.cnext;
    /* third part first, then the first, then an overlap of the first's
     * tail (garbage there: the first copy wins) with the second part,
     * then both retransmitted */
    seg(&f, &c, 1, F_ACK | F_PSH, base + (uint32_t)b, ossl + b, ossl_len - b);
    seg(&f, &c, 1, F_ACK | F_PSH, base, ossl, a);
    memset(garbage, 0xee, sizeof(garbage));
    {
        uint8_t ov[300];

        memcpy(ov, garbage, 20);
        memcpy(ov + 20, ossl + a, b - a);
        seg(&f, &c, 1, F_ACK | F_PSH, base + (uint32_t)(a - 20), ov,
            b - a + 20);
    }
    seg(&f, &c, 1, F_ACK | F_PSH, base + (uint32_t)b, ossl + b, ossl_len - b);
    seg(&f, &c, 1, F_ACK | F_PSH, base, ossl, a);
    c.cnext = base + (uint32_t)ossl_len;
    after_hello(&f, &c);
    cv_close(&f, &c);
    path = cf_write(&f, "smtp.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "SMTP, hello in 3 segments out of order: found");
    if (msg[0] != '\0')
        printf("# %s\n", msg);
    bytes_eq(h.bytes, h.len, ossl, ossl_len,
             "... the record exactly as sent, nothing after it");
    snprintf(origin, sizeof(origin), "%s: 192.0.2.2:41234 -> 192.0.2.1:25",
             path);
    tap_is_str(h.origin, origin, "... origin names file and connection");
    mx_recorded_hello_free(&h);
    tap_ok(h.bytes == NULL && h.len == 0, "free empties the struct");
    mx_recorded_hello_free(&h);

    mx_error_clear(&err);
    tap_is_int(mx_hello_from_file(path, &h, &err), 0,
               "mx_hello_from_file knows the pcap magic");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... same bytes");
    mx_recorded_hello_free(&h);
}

static void
test_ipv6_sll2(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600], origin[300];
    const char *path;

    cf_begin(&f, LT_SLL2, 0, 262144);
    cv_init(&c, 1, 50000, 587);
    c.v6ext = 1;
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say_mss(&f, &c, 1, ossl, ossl_len, 120);
    after_hello(&f, &c);
    path = cf_write(&f, "v6.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "IPv6 (hop-by-hop header) in SLL2: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    snprintf(origin, sizeof(origin),
             "%s: [2001:db8::2]:50000 -> [2001:db8::1]:587", path);
    tap_is_str(h.origin, origin, "... IPv6 origin in brackets");
    mx_recorded_hello_free(&h);

    /* capture.c skips up to 8 extension headers: 8 is fine, 9 is not */
    cf_begin(&f, LT_SLL2, 0, 262144);
    cv_init(&c, 1, 50000, 587);
    c.v6ext = 8;
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "v6ext8.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "IPv6 with 8 extension headers: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);
    cf_begin(&f, LT_SLL2, 0, 262144);
    cv_init(&c, 1, 50000, 587);
    c.v6ext = 9;
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "v6ext9.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "IPv6 with 9 extension headers: not taken");
    has_all(msg, "... said so", "malformed", NULL);
    printf("#   %s\n", msg);

    /* Linux cooked v1 too */
    cf_begin(&f, LT_SLL, 0, 262144);
    cv_init(&c, 0, 50001, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "sll.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "IPv4 in Linux cooked SLL: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);
}

static void
test_loopback_pop3(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600];
    const char *path;

    cf_begin(&f, LT_NULL, 0, 262144);
    cv_init(&c, 0, 40000, 110);
    cv_open(&f, &c);
    says(&f, &c, 0, "+OK POP3 ready\r\n");
    says(&f, &c, 1, "CAPA\r\n");
    says(&f, &c, 0, "+OK Capability list follows\r\nUSER\r\n");
    says(&f, &c, 0, "STLS\r\nSASL PLAIN\r\n.\r\n");
    says(&f, &c, 1, "stls\r\n");
    says(&f, &c, 0, "+OK Begin TLS negotiation\r\n");
    say(&f, &c, 1, ossl, ossl_len);
    after_hello(&f, &c);
    path = cf_write(&f, "null.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "POP3 STLS over BSD loopback (DLT_NULL): found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);

    /* DLT_LOOP, IPv6, and a POP3 server that refuses the first STLS */
    cf_begin(&f, LT_LOOP, 0, 262144);
    cv_init(&c, 1, 40001, 110);
    cv_open(&f, &c);
    says(&f, &c, 0, "+OK POP3 ready\r\n");
    says(&f, &c, 1, "STLS\r\n");
    says(&f, &c, 0, "-ERR not now\r\n");
    says(&f, &c, 1, "NOOP\r\n");
    says(&f, &c, 0, "+OK\r\n");
    says(&f, &c, 1, "STLS\r\n");
    says(&f, &c, 0, "+OK go\r\n");
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "loop.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "POP3 over DLT_LOOP/IPv6, STLS refused then accepted: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);
}

static void
test_pcapng_imap(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    struct mx_error err;
    char msg[600];
    const char *path;

    cf_begin(&f, LT_ETHERNET, 1, 262144);
    cv_init(&c, 0, 40002, 143);
    cv_open(&f, &c);
    says(&f, &c, 0, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
    says(&f, &c, 1, "a0 CAPABILITY\r\n");
    says(&f, &c, 0,
         "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na0 OK done\r\n");
    says(&f, &c, 1, "a1 starttls\r\n");
    says(&f, &c, 0, "a1 OK Begin TLS negotiation now\r\n");
    say_mss(&f, &c, 1, ossl, ossl_len, 200);
    after_hello(&f, &c);
    path = cf_write(&f, "imap.pcapng");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "IMAP a1 STARTTLS in pcapng: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);
    mx_error_clear(&err);
    tap_is_int(mx_hello_from_file(path, &h, &err), 0,
               "mx_hello_from_file knows the pcapng magic");
    mx_recorded_hello_free(&h);

    /* IMAP refusal: a tagged NO */
    cf_begin(&f, LT_ETHERNET, 1, 262144);
    cv_init(&c, 0, 40003, 143);
    cv_open(&f, &c);
    says(&f, &c, 0, "* OK ready\r\n");
    says(&f, &c, 1, "x7 STARTTLS\r\n");
    says(&f, &c, 0, "x7 NO [UNAVAILABLE] TLS not available\r\n");
    says(&f, &c, 1, "x8 LOGOUT\r\n");
    path = cf_write(&f, "imapno.pcapng");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "IMAP STARTTLS answered NO: error");
    has_all(msg, "... refusal quoted", "1 TCP connection", "refused",
            "x7 NO [UNAVAILABLE] TLS not available", NULL);
}

static void
test_two_records(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600];
    const char *path;

    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40004, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say_mss(&f, &c, 1, pq, pq_len, 1448);
    after_hello(&f, &c);
    path = cf_write(&f, "pq.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "hello of ~1.8 KB in two records over two segments: found");
    if (msg[0] != '\0')
        printf("# %s\n", msg);
    bytes_eq(h.bytes, h.len, pq, pq_len, "... both records, as sent");
    tap_ok(h.len > 10 + pq_split && h.bytes[0] == 0x16 &&
               h.bytes[5 + pq_split] == 0x16 &&
               (h.bytes[3] << 8 | h.bytes[4]) == (int)pq_split,
           "... two record headers");
    mx_recorded_hello_free(&h);

    /* the same, but the capture ends inside the second record */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40005, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, pq, 1448);
    path = cf_write(&f, "pqcut.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "hello cut at the end of the capture: error");
    has_all(msg, "... says it is cut short and how much there is",
            "no TLS ClientHello in ", "cut short at the end of the capture",
            "1448 bytes of at least", NULL);
}

static void
test_implicit(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600];
    const char *path;

    cf_begin(&f, LT_RAW, 0, 262144);
    cv_init(&c, 0, 40006, 465);
    cv_open(&f, &c);
    say_mss(&f, &c, 1, ossl, ossl_len, 64);
    after_hello(&f, &c);
    cv_close(&f, &c);
    path = cf_write(&f, "implicit.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "implicit TLS on 465, raw IP: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);

    /* implicit TLS with an SSLv2 CLIENT-HELLO, LINKTYPE_IPV4 */
    cf_begin(&f, LT_IPV4, 0, 262144);
    cv_init(&c, 0, 40007, 993);
    cv_open(&f, &c);
    say(&f, &c, 1, v2, v2_len);
    path = cf_write(&f, "sslv2.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "implicit SSLv2 CLIENT-HELLO (LINKTYPE_IPV4): found");
    bytes_eq(h.bytes, h.len, v2, v2_len, "... exact bytes");
    mx_recorded_hello_free(&h);
}

static void
test_two_connections(void)
{
    struct cf f;
    struct cv c1, c2;
    struct mx_recorded_hello h;
    char msg[600], origin[300];
    const char *path;

    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c1, 0, 40010, 25);
    cv_init(&c2, 0, 40011, 25);
    cv_open(&f, &c1);
    cv_open(&f, &c2);
    /* interleaved: the first never does STARTTLS */
    says(&f, &c1, 0, "220 mx ESMTP\r\n");
    says(&f, &c2, 0, "220 mx ESMTP\r\n");
    says(&f, &c1, 1, "EHLO a\r\n");
    says(&f, &c2, 1, "EHLO b\r\n");
    says(&f, &c1, 0, "250 mx\r\n");
    says(&f, &c2, 0, "250-mx\r\n250 STARTTLS\r\n");
    says(&f, &c1, 1, "MAIL FROM:<a@example.test>\r\n");
    says(&f, &c2, 1, "STARTTLS\r\n");
    says(&f, &c1, 0, "250 2.1.0 Ok\r\n");
    says(&f, &c2, 0, "220 go ahead\r\n");
    say(&f, &c2, 1, ossl, ossl_len);
    cv_close(&f, &c1);
    path = cf_write(&f, "two.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "two connections, STARTTLS in the second: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    snprintf(origin, sizeof(origin), "%s: 192.0.2.2:40011 -> 192.0.2.1:25",
             path);
    tap_is_str(h.origin, origin, "... from the second connection");
    mx_recorded_hello_free(&h);
}

static void
test_no_syn(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600], origin[300];
    const char *path;

    /* The capture starts after the handshake and the greeting; the server
     * side comes first, so side 0 is the server. Replies are matched to
     * STARTTLS by packet order. */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40012, 25);
    says(&f, &c, 0, "250-mx\r\n250-STARTTLS\r\n250 SIZE\r\n");
    says(&f, &c, 1, "STARTTLS\r\n");
    says(&f, &c, 0, "220 Ready\r\n");
    say(&f, &c, 1, ossl, ossl_len);
    after_hello(&f, &c);
    path = cf_write(&f, "nosyn.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "capture without SYN, started mid-dialogue: found");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    snprintf(origin, sizeof(origin), "%s: 192.0.2.2:40012 -> 192.0.2.1:25",
             path);
    tap_is_str(h.origin, origin, "... the client told by the content");
    mx_recorded_hello_free(&h);

    /* only the client's side captured (no reply at all) */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40013, 25);
    seg(&f, &c, 1, F_SYN, c.cnext - 1, NULL, 0);
    says(&f, &c, 1, "EHLO x\r\n");
    says(&f, &c, 1, "STARTTLS\r\n");
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "oneside.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "one-sided capture: the hello after STARTTLS is taken");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);
}

static void
test_smtp_counting(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600];
    const char *path;

    /* A DATA exchange before STARTTLS, with a message line that reads
     * "STARTTLS": replies are counted, so the 354 and the 250 after the
     * "." are matched to DATA and the final dot. */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40014, 25);
    cv_open(&f, &c);
    says(&f, &c, 0, "220-mx ESMTP\r\n220 second greeting line\r\n");
    says(&f, &c, 1, "EHLO x\r\n");
    says(&f, &c, 0, "250-mx\r\n250 STARTTLS\r\n");
    says(&f, &c, 1, "MAIL FROM:<>\r\nRCPT TO:<p@example.test>\r\nDATA\r\n");
    says(&f, &c, 0, "250 ok\r\n250 ok\r\n354 go\r\n");
    says(&f, &c, 1, "Subject: x\r\n\r\nSTARTTLS\r\n.\r\n");
    says(&f, &c, 0, "250 queued\r\n");
    says(&f, &c, 1, "STARTTLS\r\n");
    says(&f, &c, 0, "454 4.7.0 TLS not available due to local problem\r\n");
    says(&f, &c, 1, "QUIT\r\n");
    says(&f, &c, 0, "221 bye\r\n");
    cv_close(&f, &c);
    path = cf_write(&f, "refused.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "STARTTLS refused with 454: error");
    has_all(msg, "... names the file, the count and the 454 reply",
            "no TLS ClientHello in ", "refused.pcap: 1 TCP connection, ",
            "1 with STARTTLS refused (\"454 4.7.0 TLS not available", NULL);
}

/* A capture of an SMTP session whose STARTTLS gets reply, the client
 * sending its hello after it anyway: what mx_hello_from_pcap makes of it. */
static int
hello_after_reply(const char *name, unsigned port, const char *reply,
                  struct mx_recorded_hello *h, char *msg, size_t msglen)
{
    struct cf f;
    struct cv c;

    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, port, 25);
    cv_open(&f, &c);
    smtp_to_reply(&f, &c, reply);
    say(&f, &c, 1, ossl, ossl_len);
    after_hello(&f, &c);
    cv_close(&f, &c);
    return from_pcap(cf_write(&f, name), h, msg, msglen);
}

/*
 * The reply to STARTTLS is read by the SMTP reply parser (smtpreply.h):
 * a multi-line 220 is positive; a multi-line reply whose code changes
 * from line to line is no reply at all, so it is a refusal, quoted, even
 * when the client went on with a hello.
 */
static void
test_smtp_reply_parser(void)
{
    struct mx_recorded_hello h;
    char msg[600];

    tap_is_int(hello_after_reply("multiline220.pcap", 40015,
                                 "220-2.0.0 Ready\r\n220 2.0.0 to start "
                                 "TLS\r\n",
                                 &h, msg, sizeof(msg)),
               0, "SMTP: a multi-line 220 to STARTTLS is positive");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... the hello after it");
    mx_recorded_hello_free(&h);
    tap_is_int(hello_after_reply("codechange.pcap", 40016,
                                 "454-4.7.0 not now\r\n220 go ahead\r\n", &h,
                                 msg, sizeof(msg)),
               -1, "SMTP: a reply whose code changes between lines is no 2xx");
    has_all(msg, "... a refusal, its last line quoted",
            "1 with STARTTLS refused", "\"220 go ahead\"", NULL);
}

static void
test_errors(void)
{
    static const uint8_t hdr_only[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0,
                                         0,    0,    0,    0,    0, 0, 0, 0,
                                         0,    0,    4,    0,    1, 0, 0, 0};
    static const char garbage[] = "This is not a capture, nor hex.\n";
    struct cf f;
    struct cv c, c2;
    struct mx_recorded_hello h;
    struct mx_error err;
    char msg[600];
    const char *path;

    /* empty file */
    path = write_file("empty.pcap", "", 0);
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "empty file as pcap: error");
    has_all(msg, "... libpcap cannot read it", "empty.pcap",
            "is not a capture file libpcap can read: ", NULL);
    tap_ok(h.bytes == NULL && h.len == 0, "... nothing returned");
    mx_error_clear(&err);
    tap_is_int(mx_hello_from_file(path, &h, &err), -1,
               "empty file, either kind: error");
    has_all(err.msg, "... says it is empty", "empty.pcap is empty", NULL);

    /* a header and no packets */
    path = write_file("nopackets.pcap", hdr_only, sizeof(hdr_only));
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "pcap with no packets: error");
    has_all(msg, "... says there was no TCP", "no TLS ClientHello in ",
            "it holds no packets", NULL);

    /* garbage */
    path = write_file("garbage.bin", garbage, sizeof(garbage) - 1);
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "garbage as pcap: error");
    has_all(msg, "... not a capture file", "garbage.bin is not a capture file",
            NULL);
    mx_error_clear(&err);
    tap_is_int(mx_hello_from_file(path, &h, &err), -1,
               "garbage, either kind: error");
    has_all(err.msg, "... read as hex, offset of the first bad character",
            "garbage.bin (not pcap or pcapng, so read as hex): hex at "
            "offset 0: 'T' is not a hex digit",
            NULL);

    /* a pcap magic, then nonsense */
    {
        uint8_t bad[40];

        memset(bad, 0x5a, sizeof(bad));
        memcpy(bad, "\xd4\xc3\xb2\xa1\x63\x00", 6);
        path = write_file("badversion.pcap", bad, sizeof(bad));
        mx_error_clear(&err);
        tap_is_int(mx_hello_from_file(path, &h, &err), -1,
                   "pcap magic with a bad version: error");
        has_all(
            err.msg, "... libpcap's reason",
            "badversion.pcap is not a capture file libpcap can read: ", NULL);
    }

    /* truncated pcap: the file ends inside the packet with the hello */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40020, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    f.n -= ossl_len / 2;
    path = cf_write(&f, "truncated.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "pcap truncated inside the hello's packet: error");
    has_all(msg, "... says STARTTLS without TLS, and that the file ends early",
            "1 with STARTTLS but the client sent no TLS record",
            "the file ends early: ", NULL);

    /* truncated after the hello: the hello is still there */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40021, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    after_hello(&f, &c);
    f.n -= 5;
    path = cf_write(&f, "truncated2.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "pcap truncated after the hello: found anyway");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);

    /* no STARTTLS at all, in two connections */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40022, 25);
    cv_init(&c2, 0, 40023, 25);
    cv_open(&f, &c);
    says(&f, &c, 0, "220 mx ESMTP\r\n");
    says(&f, &c, 1, "EHLO x\r\n");
    says(&f, &c, 0, "250 mx\r\n");
    says(&f, &c, 1, "QUIT\r\n");
    cv_open(&f, &c2);
    says(&f, &c2, 0, "220 mx ESMTP\r\n");
    path = cf_write(&f, "nostarttls.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1, "no STARTTLS: error");
    has_all(msg, "... two connections, none with STARTTLS",
            "nostarttls.pcap: 2 TCP connections, 2 without STARTTLS or a "
            "ClientHello",
            NULL);

    /* the client sends plain text after a 220 to STARTTLS */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40024, 25);
    cv_init(&c2, 0, 40025, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    says(&f, &c, 1, "EHLO again\r\n");
    cv_open(&f, &c2);
    says(&f, &c2, 0, "220 mx ESMTP\r\n");
    says(&f, &c2, 1, "QUIT\r\n");
    path = cf_write(&f, "nottls.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "plain text after STARTTLS: error");
    has_all(msg, "... what the client sent instead",
            "2 TCP connections, 1 with STARTTLS but the client sent no TLS "
            "record (it sent \"EHLO again\"), 1 without STARTTLS",
            NULL);

    /* a missing segment in the middle of the hello */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40026, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, 100);
    c.cnext += 50; /* lost */
    say(&f, &c, 1, ossl + 150, ossl_len - 150);
    path = cf_write(&f, "gap.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "a segment of the hello missing: error");
    has_all(msg, "... says where",
            "1 with a TCP segment of the client's "
            "missing (at byte ",
            NULL);

    /* a snapshot length shorter than the hello's packet */
    cf_begin(&f, LT_ETHERNET, 0, 200);
    cv_init(&c, 0, 40027, 25);
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "snaplen.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "snapshot length too short: error");
    has_all(msg, "... blames the snapshot length",
            "cut short at the end of the capture",
            "1 packet cut short by the snapshot length", NULL);

    /* after STARTTLS, a malformed hello: lengths do not add up */
    {
        uint8_t bad[4096];

        memcpy(bad, ossl, ossl_len);
        bad[5 + 4 + 2 + 32] = 33; /* session id length over 32 */
        cf_begin(&f, LT_ETHERNET, 0, 262144);
        cv_init(&c, 0, 40028, 25);
        cv_open(&f, &c);
        smtp_to_tls(&f, &c);
        say(&f, &c, 1, bad, ossl_len);
        path = cf_write(&f, "malformed.pcap");
        tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
                   "malformed ClientHello: error");
        has_all(msg, "... the decoder's reason",
                "1 with a malformed "
                "ClientHello (",
                "legacy_session_id", NULL);
    }

    /* IP fragments only */
    {
        uint8_t fr[100];

        memset(fr, 0, sizeof(fr));
        cf_begin(&f, LT_RAW, 0, 262144);
        fr[0] = 0x45;
        fr[3] = 60;
        fr[6] = 0x20; /* more fragments */
        fr[9] = 6;
        cf_packet(&f, fr, 60);
        fr[6] = 0x00;
        fr[7] = 5; /* offset 40 */
        cf_packet(&f, fr, 60);
        path = cf_write(&f, "frags.pcap");
        tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
                   "IP fragments only: error");
        has_all(msg, "... says they are not reassembled",
                "no TCP connections among its 2 packets",
                "2 IP fragments skipped (not reassembled)", NULL);
    }

    /* a link type we do not read */
    cf_begin(&f, LT_80211, 0, 262144);
    path = cf_write(&f, "wifi.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), -1,
               "802.11 capture: error");
    has_all(msg, "... names the link type", "link-layer type IEEE802_11",
            "is not supported", NULL);

    /* a missing file */
    mx_error_clear(&err);
    tap_is_int(mx_hello_from_file("/nonexistent/x.pcap", &h, &err), -1,
               "missing file: error");
    has_all(err.msg, "... cannot open",
            "/nonexistent/x.pcap: cannot open: ", NULL);
}

static void
test_port_reuse(void)
{
    struct cf f;
    struct cv c;
    struct mx_recorded_hello h;
    char msg[600];
    const char *path;

    /* the same 4-tuple twice: the first is refused, the second (a new SYN
     * with another ISN) gets the hello */
    cf_begin(&f, LT_ETHERNET, 0, 262144);
    cv_init(&c, 0, 40030, 25);
    cv_open(&f, &c);
    says(&f, &c, 0, "220 mx\r\n");
    says(&f, &c, 1, "STARTTLS\r\n");
    says(&f, &c, 0, "454 4.7.0 not now\r\n");
    cv_close(&f, &c);
    c.cnext += 100000;
    c.snext += 555;
    cv_open(&f, &c);
    smtp_to_tls(&f, &c);
    say(&f, &c, 1, ossl, ossl_len);
    path = cf_write(&f, "reuse.pcap");
    tap_is_int(from_pcap(path, &h, msg, sizeof(msg)), 0,
               "4-tuple reused: the second connection's hello");
    bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
    mx_recorded_hello_free(&h);
}

/* ---------------------------------------------------------------- */
/* Hex.                                                              */

static int
hex_ok(const char *text, struct mx_recorded_hello *h, char *msg, size_t n)
{
    struct mx_error err;
    int rc;

    mx_error_clear(&err);
    rc = mx_hello_from_hex(text, strlen(text), h, &err);
    snprintf(msg, n, "%s", rc < 0 ? err.msg : "");
    return rc;
}

/* The bytes as hex text: sep between bytes, prefix before each, every
 * `wrap` bytes a newline (0: none). */
static char *
to_hex(const uint8_t *p, size_t n, const char *sep, const char *prefix,
       int upper, size_t wrap)
{
    size_t cap = n * (2 + strlen(sep) + strlen(prefix) + 1) + 16, o = 0, i;
    char *s = malloc(cap);

    if (s == NULL)
        abort();
    for (i = 0; i < n; i++) {
        if (i > 0)
            o += (size_t)snprintf(s + o, cap - o, "%s",
                                  wrap && i % wrap == 0 ? "\n" : sep);
        o += (size_t)snprintf(s + o, cap - o, upper ? "%s%02X" : "%s%02x",
                              prefix, p[i]);
    }
    snprintf(s + o, cap - o, "\n");
    return s;
}

static void
test_hex_forms(void)
{
    static const struct {
        const char *sep, *prefix;
        int upper;
        size_t wrap;
        const char *name;
    } forms[] = {
        {"", "", 0, 0, "hex stream (Wireshark's Copy as Hex Stream)"},
        {"", "", 1, 30, "upper case, lines of 30 bytes (xxd -p style)"},
        {" ", "", 0, 16, "blanks, 16 bytes a line (od/tcpdump style)"},
        {":", "", 0, 0, "colon separated"},
        {"-", "", 1, 0, "dash separated, upper case"},
        {", ", "0x", 0, 12, "C array: 0x prefixes and commas"},
        {" ", "0X", 1, 0, "0X prefixes, upper case"},
        {"\t", "", 0, 8, "tabs"},
    };
    struct mx_recorded_hello h;
    char msg[600], name[200], *text;
    size_t i;

    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        text = to_hex(ossl, ossl_len, forms[i].sep, forms[i].prefix,
                      forms[i].upper, forms[i].wrap);
        snprintf(name, sizeof(name), "hex: %s", forms[i].name);
        tap_is_int(hex_ok(text, &h, msg, sizeof(msg)), 0, name);
        if (msg[0] != '\0')
            printf("# %s\n", msg);
        bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
        mx_recorded_hello_free(&h);
        free(text);
    }
    /* one 0x prefix for the whole stream, CRLF lines, blanks around */
    text = to_hex(ossl, ossl_len, "", "", 0, 0);
    {
        size_t n = strlen(text);
        char *t2 = malloc(n + 16);

        if (t2 == NULL)
            abort();
        snprintf(t2, n + 16, "  0x%.*s\r\n\r\n", (int)(n - 1), text);
        tap_is_int(hex_ok(t2, &h, msg, sizeof(msg)), 0,
                   "hex: one 0x prefix, CRLF, blanks around");
        bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
        tap_is_str(h.origin, "hex", "... origin is hex");
        mx_recorded_hello_free(&h);
        free(t2);
    }
    free(text);

    /* the two-record hello, and SSLv2, kept as they are */
    text = to_hex(pq, pq_len, "", "", 0, 32);
    tap_is_int(hex_ok(text, &h, msg, sizeof(msg)), 0,
               "hex: a hello in two records");
    bytes_eq(h.bytes, h.len, pq, pq_len, "... both records as given");
    mx_recorded_hello_free(&h);
    free(text);
    text = to_hex(v2, v2_len, " ", "", 0, 0);
    tap_is_int(hex_ok(text, &h, msg, sizeof(msg)), 0,
               "hex: an SSLv2 CLIENT-HELLO");
    bytes_eq(h.bytes, h.len, v2, v2_len, "... kept as it is");
    mx_recorded_hello_free(&h);
    free(text);
}

static void
test_hex_bare(void)
{
    struct mx_recorded_hello h;
    struct mx_error err;
    char msg[600], *text;
    uint8_t *big, want[8];
    size_t hs = ossl_len - 5, n, body, i;

    /* OpenSSL's handshake message without its record header */
    text = to_hex(ossl + 5, hs, " ", "", 0, 16);
    tap_is_int(hex_ok(text, &h, msg, sizeof(msg)), 0,
               "hex: a bare handshake message");
    want[0] = 0x16;
    want[1] = 0x03;
    want[2] = 0x01;
    want[3] = (uint8_t)(hs >> 8);
    want[4] = (uint8_t)hs;
    bytes_eq(h.bytes, h.len < 5 ? h.len : 5, want, 5,
             "... wrapped: 16 03 01 and the message length");
    tap_ok(h.len == hs + 5 && memcmp(h.bytes + 5, ossl + 5, hs) == 0,
           "... then the message as given");
    mx_recorded_hello_free(&h);
    free(text);

    /* a message over 16384 bytes: two records, 16384 + the rest. A
     * ClientHello built by hand with a padding extension of 17000 zeros. */
    body = 2 + 32 + 1 + 2 + 2 + 2 + 2 + 4 + 17000;
    n = 4 + body;
    big = calloc(1, n);
    if (big == NULL)
        abort();
    big[0] = 0x01;
    big[1] = (uint8_t)(body >> 16);
    big[2] = (uint8_t)(body >> 8);
    big[3] = (uint8_t)body;
    big[4] = 3;
    big[5] = 3;
    i = 4 + 2 + 32;
    big[i++] = 0; /* no session id */
    big[i++] = 0; /* two suites */
    big[i++] = 2;
    big[i++] = 0x13;
    big[i++] = 0x01;
    big[i++] = 1; /* null compression */
    big[i++] = 0;
    big[i++] = (uint8_t)((4 + 17000) >> 8); /* extensions */
    big[i++] = (uint8_t)(4 + 17000);
    big[i++] = 0x00; /* padding */
    big[i++] = 0x15;
    big[i++] = (uint8_t)(17000 >> 8);
    big[i++] = (uint8_t)17000;
    text = to_hex(big, n, "", "", 0, 64);
    tap_is_int(hex_ok(text, &h, msg, sizeof(msg)), 0,
               "hex: a bare message of 17 KB");
    if (msg[0] != '\0')
        printf("# %s\n", msg);
    tap_is_int((long long)h.len, (long long)(n + 10),
               "... two record headers added");
    if (h.len == n + 10) {
        static const uint8_t r1[] = {0x16, 0x03, 0x01, 0x40, 0x00};
        uint8_t r2[5] = {0x16, 0x03, 0x01, (uint8_t)((n - 16384) >> 8),
                         (uint8_t)(n - 16384)};

        bytes_eq(h.bytes, 5, r1, 5, "... first record: 16384 bytes");
        bytes_eq(h.bytes + 5 + 16384, 5, r2, 5, "... second: the rest");
        tap_ok(memcmp(h.bytes + 5, big, 16384) == 0 &&
                   memcmp(h.bytes + 10 + 16384, big + 16384, n - 16384) == 0,
               "... the message split between them");
    }
    mx_recorded_hello_free(&h);
    free(text);
    free(big);

    /* a hex file holding the same */
    text = to_hex(ossl, ossl_len, "", "", 0, 30);
    {
        const char *path = write_file("hello.hex", text, strlen(text));
        char origin[300];

        mx_error_clear(&err);
        tap_is_int(mx_hello_from_file(path, &h, &err), 0,
                   "hex file read by mx_hello_from_file");
        bytes_eq(h.bytes, h.len, ossl, ossl_len, "... exact bytes");
        snprintf(origin, sizeof(origin), "hex file %s", path);
        tap_is_str(h.origin, origin, "... origin names the hex file");
        mx_recorded_hello_free(&h);
    }
    free(text);
}

static void
test_hex_errors(void)
{
    static const struct {
        const char *text, *want, *name;
    } cases[] = {
        {"16 03 01 0g", "hex at offset 10: 'g' is not a hex digit",
         "non-hex character"},
        {"160301 0", "hex at offset 7: a lone hex digit",
         "odd number of digits"},
        {"16 0 301", "hex at offset 3: a lone hex digit",
         "a lone digit between separators"},
        {"16;03", "hex at offset 2: ';' is not a hex digit",
         "an unknown separator"},
        {"1603\x01", "hex at offset 4: byte 0x01 is not a hex digit",
         "a control character"},
        {"160x03", "hex at offset 3: 'x' is not a hex digit",
         "0x inside a token"},
        {"0x", "hex at offset 0: 0x is not followed by hex digits",
         "a bare 0x"},
        {" \n:: ", "hex: no hex digits", "separators only"},
        {"", "hex: no hex digits", "empty text"},
        {"17 03 03 00 01 00",
         "hex starts with byte 0x17: not a TLS handshake record",
         "application data"},
        {"16 03 03 00 04 02 00 00 00",
         "hex at byte 5 is not a ClientHello: handshake message type 2",
         "a ServerHello"},
        {"16 03 01 00 30 01 00 00 2c",
         "hex: the ClientHello is incomplete: 9 bytes, at least 53 needed",
         "an incomplete record"},
        {"01 00 01 00 03 03",
         "hex: the handshake message is incomplete: its header says 260 "
         "bytes, there are 6",
         "an incomplete bare message"},
        {"01 00 00", "a handshake message needs a 4-byte header",
         "a bare message without its header"},
        {"16 05 01 00 01 01", "record version 0x0501 is not TLS",
         "not TLS record version"},
        {"16 03 01 00 00", "empty handshake record", "an empty record"},
    };
    struct mx_recorded_hello h;
    char msg[600], name[200], *text, *t2;
    size_t i, n;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "hex error: %s", cases[i].name);
        tap_is_int(hex_ok(cases[i].text, &h, msg, sizeof(msg)), -1, name);
        has_all(msg, "... message", cases[i].want, NULL);
    }

    /* trailing bytes: a second hello, one stray byte */
    text = to_hex(ossl, ossl_len, "", "", 0, 0);
    n = strlen(text) - 1; /* without the newline */
    t2 = malloc(2 * n + 8);
    if (t2 == NULL)
        abort();
    snprintf(t2, 2 * n + 8, "%.*s %.*s", (int)n, text, (int)n, text);
    tap_is_int(hex_ok(t2, &h, msg, sizeof(msg)), -1,
               "hex error: two ClientHellos");
    snprintf(name, sizeof(name),
             "hex at offset %zu: %zu bytes follow the ClientHello (byte %zu "
             "on); give one ClientHello only",
             n + 1, ossl_len, ossl_len);
    has_all(msg, "... where the second one starts", name, NULL);
    snprintf(t2, 2 * n + 8, "%.*s00", (int)n, text);
    tap_is_int(hex_ok(t2, &h, msg, sizeof(msg)), -1,
               "hex error: one byte too many");
    has_all(msg, "... 1 byte after it", "1 bytes follow the ClientHello", NULL);
    free(t2);
    free(text);

    /* the decoder's verdict, with its offset */
    {
        uint8_t bad[4096];

        memcpy(bad, ossl, ossl_len);
        bad[5 + 4 + 2 + 32] = 33;
        text = to_hex(bad, ossl_len, "", "", 0, 0);
        tap_is_int(hex_ok(text, &h, msg, sizeof(msg)), -1,
                   "hex error: a malformed ClientHello");
        has_all(msg, "... the decoder's reason and offset",
                "hex is not a ClientHello: ClientHello: bad "
                "legacy_session_id length at byte 44",
                NULL);
        free(text);
    }

    /* a big hex file */
    {
        char *huge = malloc(1024 * 1024 + 10);
        struct mx_error err;
        const char *path;

        if (huge == NULL)
            abort();
        memset(huge, '0', 1024 * 1024 + 10);
        path = write_file("huge.hex", huge, 1024 * 1024 + 10);
        mx_error_clear(&err);
        tap_is_int(mx_hello_from_file(path, &h, &err), -1,
                   "hex file over 1 MiB: error");
        has_all(err.msg, "... says so", "too large for a hex dump", NULL);
        free(huge);
    }
}

/* ---------------------------------------------------------------- */

static void
cleanup(void)
{
    static const char *const names[] = {
        "smtp.pcap",       "v6.pcap",           "sll.pcap",
        "null.pcap",       "loop.pcap",         "imap.pcapng",
        "imapno.pcapng",   "pq.pcap",           "pqcut.pcap",
        "implicit.pcap",   "sslv2.pcap",        "two.pcap",
        "nosyn.pcap",      "oneside.pcap",      "refused.pcap",
        "empty.pcap",      "nopackets.pcap",    "garbage.bin",
        "badversion.pcap", "truncated.pcap",    "truncated2.pcap",
        "nostarttls.pcap", "nottls.pcap",       "gap.pcap",
        "snaplen.pcap",    "malformed.pcap",    "frags.pcap",
        "wifi.pcap",       "reuse.pcap",        "hello.hex",
        "huge.hex",        "multiline220.pcap", "codechange.pcap",
        "v6ext8.pcap",     "v6ext9.pcap",
    };
    char path[256];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    if (rmdir(tmpdir) != 0)
        printf("# could not remove %s\n", tmpdir);
}

int
main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mxtls-capture.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        printf("Bail out! mkdtemp failed\n");
        return 1;
    }
    if (!tap_ok(make_openssl_hello(), "OpenSSL wrote a ClientHello") ||
        !tap_ok(make_pq_hello(), "a 2-record hybrid ML-KEM hello built") ||
        !tap_ok(make_v2_hello(), "an SSLv2 CLIENT-HELLO built")) {
        cleanup();
        return tap_done();
    }
    test_smtp_reordered();
    test_ipv6_sll2();
    test_loopback_pop3();
    test_pcapng_imap();
    test_two_records();
    test_implicit();
    test_two_connections();
    test_no_syn();
    test_smtp_counting();
    test_smtp_reply_parser();
    test_port_reuse();
    test_errors();
    test_hex_forms();
    test_hex_bare();
    test_hex_errors();
    cleanup();
    return tap_done();
}
