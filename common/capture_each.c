/*
 * capture_each.c - every ClientHello of capture files or of a live
 * capture, as it comes (capture.h: mx_capture_each, mx_capture_live).
 *
 * The reading is capture.c's (links, IP, TCP reassembly, the STARTTLS
 * dialogue); what differs is when a connection is judged: after each
 * segment its client sends, until its hello is whole (or it ends), and
 * then it is forgotten (struct cap's seen, capture_int.h). So the memory
 * is bounded by the connections open at once, not by the capture.
 *
 * Live: pcap_create/pcap_activate on the interface, not promiscuous,
 * immediate mode, a BPF filter on the SMTP ports; the loop polls the
 * capture's descriptor with a deadline (deadline.h) and reads with
 * pcap_dispatch. A missing privilege is one line: "capturing on lo needs
 * CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on the plugin):
 * <libpcap's words>".
 *
 * Error contract: 0, or -1 with a struct mx_error (USAGE, INTERNAL).
 * Nothing here prints.
 *
 * Sources: pcap_create(3PCAP), pcap_activate(3PCAP) (PCAP_ERROR_PERM_DENIED),
 * pcap_set_immediate_mode(3PCAP), pcap_get_selectable_fd(3PCAP),
 * pcap_dispatch(3PCAP), pcap-filter(7), capabilities(7).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "buf.h"
#include "capture_int.h"
#include "deadline.h"
#include "file.h"

struct each {
    mx_hello_fn fn;
    void *arg;
    const char *source;
    struct mx_capture_stats *st;
    int stop; /* the callback said stop */
    int dlt;
    struct cap *c;
};

/* struct cap's seen: judge k; hand a whole hello over. */
static void
seen(struct cap *c, struct conn *k, int final)
{
    struct each *e = c->arg;
    struct stream s[2];
    struct result best;
    struct mx_seen_hello h;
    size_t alen = k->family == AF_INET ? 4 : 16;
    int cl;

    if (k->done || e->stop)
        return;
    if (mx_cap_judge(k, s, &best, &cl) < 0) {
        c->nomem = 1;
        return;
    }
    if (best.o == O_FOUND) {
        memset(&h, 0, sizeof(h));
        h.bytes = s[cl].buf + best.at;
        h.len = best.used;
        h.family = k->family;
        memcpy(h.src, k->addr[cl], alen);
        memcpy(h.dst, k->addr[1 - cl], alen);
        h.sport = k->port[cl];
        h.dport = k->port[1 - cl];
        h.when = c->now;
        h.source = e->source;
        e->st->hellos++;
        if (e->fn(e->arg, &h) != 0)
            e->stop = 1;
    } else if (final) {
        e->st->nohello++;
        if (best.o == O_GAP)
            e->st->gap++;
        else if (best.o == O_CUT)
            e->st->cut_hello++;
        else if (best.o == O_BAD)
            e->st->bad++;
    }
    mx_cap_stream_free(&s[0]);
    mx_cap_stream_free(&s[1]);
    if (best.o == O_FOUND || final) {
        e->st->judged++;
        k->done = 1;
        mx_cap_conn_drop(c, k);
    }
}

static struct cap *
cap_new(struct each *e, const char *name)
{
    struct cap *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->conns = calloc(MAX_CONNS, sizeof(*c->conns));
    if (c->conns == NULL) {
        free(c);
        return NULL;
    }
    c->path = name;
    c->seen = seen;
    c->arg = e;
    return c;
}

/* Judge what is left, add the counts, free. 0, or -1 for memory. */
static int
cap_end(struct each *e, struct cap *c)
{
    struct mx_capture_stats *st = e->st;
    size_t i;
    int nomem;

    for (i = 0; i < c->nconns && !c->nomem; i++)
        if (!c->conns[i].done && !c->conns[i].retired)
            seen(c, &c->conns[i], 1);
    for (i = 0; i < c->nconns; i++)
        mx_cap_conn_drop(c, &c->conns[i]);
    st->packets += c->packets;
    st->tcp += c->tcp;
    st->evicted += c->evicted;
    st->frags += c->frags;
    st->cut += c->cut;
    st->malformed += c->malformed;
    if (c->capped)
        st->capped = 1;
    nomem = c->nomem;
    free(c->conns);
    free(c);
    return nomem || e->stop ? -1 : 0;
}

static void
one_frame(struct each *e, const struct pcap_pkthdr *h, const u_char *data)
{
    struct cap *c = e->c;

    if (c->nomem || e->stop)
        return;
    c->packets++;
    c->now = (int64_t)h->ts.tv_sec;
    mx_cap_frame(c, e->dlt, data, h->caplen, c->packets);
}

static int
check_dlt(pcap_t *p, const char *name, int *dlt, struct mx_error *err)
{
    const char *lname;

    *dlt = pcap_datalink(p);
    if (*dlt < 0) {
        mx_error_set(err, MX_E_USAGE, "%s: no link-layer type: %s", name,
                     pcap_geterr(p));
        return -1;
    }
    if (!mx_cap_dlt_supported(*dlt)) {
        lname = pcap_datalink_val_to_name(*dlt);
        mx_error_set(err, MX_E_USAGE,
                     "%s: link-layer type %s (%d) is not supported (Ethernet, "
                     "Linux cooked SLL/SLL2, raw IP and BSD loopback are)",
                     name, lname != NULL ? lname : "unknown", *dlt);
        return -1;
    }
    return 0;
}

int
mx_capture_each(const char *path, mx_hello_fn fn, void *arg,
                struct mx_capture_stats *st, struct mx_error *err)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    struct each e;
    pcap_t *p;
    FILE *f;
    int fd, r, rc = -1;

    if (path == NULL || fn == NULL || st == NULL) {
        mx_error_set(err, MX_E_USAGE, "capture: no file, callback or stats");
        return -1;
    }
    fd = mx_file_open(path, NULL, 0, err);
    if (fd < 0)
        return -1;
    f = fdopen(fd, "rb");
    if (f == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    ebuf[0] = '\0';
    p = pcap_fopen_offline(f, ebuf);
    if (p == NULL) {
        fclose(f);
        mx_error_set(err, MX_E_USAGE,
                     "%s is not a capture file libpcap can read: %s", path,
                     ebuf[0] != '\0' ? ebuf : "unknown error");
        return -1;
    }
    memset(&e, 0, sizeof(e));
    e.fn = fn;
    e.arg = arg;
    e.source = path;
    e.st = st;
    if (check_dlt(p, path, &e.dlt, err) != 0)
        goto out;
    e.c = cap_new(&e, path);
    if (e.c == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory reading %s", path);
        goto out;
    }
    while ((r = pcap_next_ex(p, &h, &data)) == 1 && !e.c->nomem && !e.stop)
        one_frame(&e, h, data);
    if (r == PCAP_ERROR)
        snprintf(st->read_error, sizeof(st->read_error),
                 "%s ends early after %lu packets: %s", path, e.c->packets,
                 pcap_geterr(p));
    st->files++;
    if (cap_end(&e, e.c) != 0) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory reading %s", path);
        goto out;
    }
    rc = 0;
out:
    pcap_close(p); /* closes f */
    return rc;
}

static void
live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    one_frame((struct each *)(void *)user, h, data);
}

/* The BPF filter: the SMTP ports and the ones given. */
static int
live_filter(struct mx_buf *b, const unsigned *ports, size_t nports)
{
    size_t i;

    mx_buf_append(b, "tcp and (port 25 or port 465 or port 587");
    for (i = 0; i < nports; i++)
        mx_buf_printf(b, " or port %u", ports[i]);
    mx_buf_append(b, ")");
    return mx_buf_failed(b) ? -1 : 0;
}

int
mx_capture_live(const char *iface, unsigned seconds, const unsigned *ports,
                size_t nports, mx_hello_fn fn, void *arg,
                struct mx_capture_stats *st, struct mx_error *err)
{
    char ebuf[PCAP_ERRBUF_SIZE], source[300];
    struct mx_buf flt = MX_BUF_INIT;
    struct bpf_program prog;
    struct mx_deadline dl;
    struct pollfd pfd;
    struct each e;
    pcap_t *p;
    int r, rc = -1, have_prog = 0;
    long ms;

    if (iface == NULL || fn == NULL || st == NULL) {
        mx_error_set(err, MX_E_USAGE,
                     "capture: no interface, callback or "
                     "stats");
        return -1;
    }
    snprintf(source, sizeof(source), "iface:%s", iface);
    ebuf[0] = '\0';
    p = pcap_create(iface, ebuf);
    if (p == NULL) {
        mx_error_set(err, MX_E_USAGE, "cannot capture on %s: %s", iface, ebuf);
        return -1;
    }
    memset(&e, 0, sizeof(e));
    if (pcap_set_snaplen(p, 65535) != 0 || pcap_set_promisc(p, 0) != 0 ||
        pcap_set_timeout(p, 100) != 0 || pcap_set_immediate_mode(p, 1) != 0) {
        mx_error_set(err, MX_E_INTERNAL, "cannot set up capture on %s: %s",
                     iface, pcap_geterr(p));
        goto out;
    }
    r = pcap_activate(p);
    if (r == PCAP_ERROR_PERM_DENIED ||
        (r == PCAP_ERROR && strstr(pcap_geterr(p), "not permitted") != NULL)) {
        mx_error_set(err, MX_E_USAGE,
                     "capturing on %s needs CAP_NET_RAW (run as root, or "
                     "setcap cap_net_raw+ep on the plugin): %s",
                     iface, pcap_geterr(p));
        goto out;
    }
    if (r == PCAP_ERROR_NO_SUCH_DEVICE) {
        mx_error_set(err, MX_E_USAGE, "cannot capture on %s: no such interface",
                     iface);
        goto out;
    }
    if (r < 0) {
        mx_error_set(err, MX_E_USAGE, "cannot capture on %s: %s", iface,
                     pcap_geterr(p));
        goto out;
    }
    if (live_filter(&flt, ports, nports) != 0) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    if (pcap_compile(p, &prog, mx_buf_str(&flt), 1, PCAP_NETMASK_UNKNOWN) !=
        0) {
        mx_error_set(err, MX_E_USAGE, "capture filter \"%s\": %s",
                     mx_buf_str(&flt), pcap_geterr(p));
        goto out;
    }
    have_prog = 1;
    if (pcap_setfilter(p, &prog) != 0 || pcap_setnonblock(p, 1, ebuf) != 0) {
        mx_error_set(err, MX_E_USAGE, "capture on %s: %s", iface,
                     pcap_geterr(p));
        goto out;
    }
    e.fn = fn;
    e.arg = arg;
    e.source = source;
    e.st = st;
    if (check_dlt(p, source, &e.dlt, err) != 0)
        goto out;
    e.c = cap_new(&e, source);
    if (e.c == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    pfd.fd = pcap_get_selectable_fd(p);
    dl = mx_deadline_in((double)seconds);
    while (!e.c->nomem && !e.stop) {
        ms = mx_deadline_left_ms(dl);
        if (ms <= 0)
            break;
        pfd.events = POLLIN;
        pfd.revents = 0;
        r = poll(&pfd, 1, pfd.fd >= 0 ? (int)(ms > 200 ? 200 : ms) : 0);
        if (r < 0 && errno != EINTR) {
            mx_error_set(err, MX_E_INTERNAL, "poll: %s", strerror(errno));
            cap_end(&e, e.c);
            goto out;
        }
        if (pfd.fd < 0 && r == 0)
            usleep(50000); /* no selectable descriptor: read anyway */
        r = pcap_dispatch(p, -1, live_frame, (u_char *)(void *)&e);
        if (r == PCAP_ERROR) {
            snprintf(st->read_error, sizeof(st->read_error),
                     "capture on %s stopped: %s", iface, pcap_geterr(p));
            break;
        }
    }
    st->files++;
    if (cap_end(&e, e.c) != 0) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory capturing on %s",
                     iface);
        goto out;
    }
    rc = 0;
out:
    if (have_prog)
        pcap_freecode(&prog);
    mx_buf_free(&flt);
    pcap_close(p);
    return rc;
}
