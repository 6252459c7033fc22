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
 *  - A file is read as hex unless its first 4 bytes are a pcap magic
 *    number (a1b2c3d4, d4c3b2a1, a1b23c4d, 4d3cb2a1) or the pcapng one
 *    (0a0d0d0a); a hex file may be at most 1 MiB.
 *
 * Captures:
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
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "buf.h"
#include "capture_int.h"
#include "file.h"

#define HEX_FILE_MAX (1024 * 1024) /* largest hex file read */

/* ---------------------------------------------------------------- */
/* The capture as a whole.                                           */

void
mx_capture_endpoint(char *s, size_t n, int family, const uint8_t *addr,
                    unsigned port)
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

int
mx_cap_judge(struct conn *k, struct stream s[2], struct result *best, int *cl)
{
    struct result r;
    int side, first, last;

    if (mx_cap_stream_build(&k->d[0], &s[0]) < 0)
        return -1;
    if (mx_cap_stream_build(&k->d[1], &s[1]) < 0) {
        mx_cap_stream_free(&s[0]);
        return -1;
    }
    first = k->client < 0 ? 0 : k->client;
    last = k->client < 0 ? 1 : k->client;
    memset(best, 0, sizeof(*best));
    *cl = first;
    for (side = first; side <= last; side++) {
        mx_cap_analyze(&s[side], &s[1 - side], &r);
        if (side == first || r.o > best->o) {
            *best = r;
            *cl = side;
        }
    }
    return 0;
}

/* Look for the ClientHello in every connection, in order. */
static int
cap_result(struct cap *c, struct mx_recorded_hello *out, struct mx_error *err)
{
    unsigned long count[O_COUNT] = {0};
    char detail[O_COUNT][200];
    struct stream s[2];
    struct result best;
    char from[80], to[80];
    size_t i;
    int cl;

    memset(detail, 0, sizeof(detail));
    for (i = 0; i < c->nconns; i++) {
        struct conn *k = &c->conns[i];

        if (mx_cap_judge(k, s, &best, &cl) < 0)
            goto nomem;
        if (best.o == O_FOUND) {
            out->bytes = malloc(best.used);
            if (out->bytes == NULL) {
                mx_cap_stream_free(&s[0]);
                mx_cap_stream_free(&s[1]);
                goto nomem;
            }
            memcpy(out->bytes, s[cl].buf + best.at, best.used);
            out->len = best.used;
            mx_capture_endpoint(from, sizeof(from), k->family, k->addr[cl],
                                k->port[cl]);
            mx_capture_endpoint(to, sizeof(to), k->family, k->addr[1 - cl],
                                k->port[1 - cl]);
            snprintf(out->origin, sizeof(out->origin), "%s: %s -> %s", c->path,
                     from, to);
        }
        mx_cap_stream_free(&s[0]);
        mx_cap_stream_free(&s[1]);
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
    if (!mx_cap_dlt_supported(dlt)) {
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
        mx_cap_frame(c, dlt, data, h->caplen, c->packets);
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
            mx_cap_dir_free(&c->conns[i].d[0]);
            mx_cap_dir_free(&c->conns[i].d[1]);
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
    mx_cap_rec_clear(out);
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
    mx_cap_rec_clear(out);
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
    mx_cap_rec_clear(out);
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
