/*
 * dns.c - MX, A and AAAA queries of our own (RFC 1035, RFC 3596) over UDP,
 * and over TCP when the answer comes back truncated, bounded by a poll()
 * deadline.
 *
 * Each nameserver is asked in turn, and each once more if it said nothing;
 * an attempt waits at most a third of the time left (and at most 5 s),
 * the last one all that is left. A reply that does not belong to the query
 * (another ID, not a response, another opcode or question, too short) is
 * dropped and the wait goes on, as a stub resolver must (RFC 5452). A
 * reply that belongs to it is checked strictly: every record of every
 * section within the message, compression pointers inside it and strictly
 * backwards (so they cannot loop), names of at most 255 octets, RDLENGTH
 * equal to what the record type holds, nothing after the last record. A
 * malformed reply, SERVFAIL, REFUSED or another failure code fails that
 * nameserver and the next one is asked; NXDOMAIN is final.
 *
 * Error contract: see dns.h (RESOLVE, TIMEOUT, USAGE, INTERNAL). Nothing
 * is printed; queries and replies are logged at -vv through mx_log().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "strnum.h"

#define DNS_PORT       53
#define HDR_LEN        12
#define MSG_MAX        65535
#define NAME_MAX_WIRE  255  /* octets of a name in wire form (RFC 1035 2.3.4) */
#define EDNS_UDP_SIZE  1232 /* the payload size we announce (EDNS0) */
#define ATTEMPT_MS_MAX 5000 /* glibc's default timeout per attempt */
#define TCP_MS_MAX     10000
#define CNAME_MAX      8 /* CNAMEs followed in one answer */
#define PTR_MAX        127

#define T_A     1
#define T_CNAME 5
#define T_MX    15
#define T_AAAA  28
#define T_OPT   41
#define C_IN    1

#define RC_NOERROR  0
#define RC_FORMERR  1
#define RC_NXDOMAIN 3

struct server {
    struct sockaddr_storage sa;
    socklen_t len;
    char text[MX_DNS_ADDRLEN + 8]; /* "ADDR:PORT" or "[ADDR]:PORT" */
};

/* What the reply must echo. */
struct question {
    uint8_t name[NAME_MAX_WIRE];
    size_t len;
    uint16_t type;
    const char *text; /* for messages */
    const char *tname;
    int nxdomain; /* set by ask() */
};

/* A checked reply. */
struct reply {
    const uint8_t *msg;
    size_t len;
    int rcode;
    int tc;
    size_t an_off; /* first answer record */
    unsigned ancount;
};

/* One resource record: owner name in wire form, RDATA position. */
struct rr {
    uint8_t owner[NAME_MAX_WIRE];
    size_t olen;
    uint16_t type;
    uint16_t class;
    size_t rdoff;
    size_t rdlen;
};

static const char *const rcode_names[] = {
    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
};

static const char *
rcode_name(int rc)
{
    if (rc >= 0 && (size_t)rc < sizeof(rcode_names) / sizeof(rcode_names[0]))
        return rcode_names[rc];
    return "an unknown RCODE";
}

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
host_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Names in wire form, without compression, compared ignoring ASCII case
 * (RFC 1035 2.3.3). */
static int
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t i;

    if (alen != blen)
        return 0;
    for (i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

/*
 * A host name as text ("mx.example.org" or "mx.example.org.") to wire
 * form. Labels of 1..63 letters, digits, '-' or '_'. 0 or -1.
 */
static int
name_to_wire(const char *text, uint8_t *wire, size_t *len)
{
    size_t n = 0, lab;
    const char *p = text;

    if (*p == '\0' || strcmp(p, ".") == 0)
        return -1;
    while (*p != '\0') {
        lab = 0;
        while (p[lab] != '\0' && p[lab] != '.') {
            if (!host_char((unsigned char)p[lab]))
                return -1;
            lab++;
        }
        if (lab == 0 || lab > 63 || n + 1 + lab + 1 > NAME_MAX_WIRE)
            return -1;
        wire[n++] = (uint8_t)lab;
        memcpy(wire + n, p, lab);
        n += lab;
        p += lab;
        if (*p == '.')
            p++;
    }
    wire[n++] = 0;
    *len = n;
    return 0;
}

/*
 * A name in wire form to text, without the final dot ("." for the root);
 * octets other than letters, digits, '-' and '_' are written as \DDD
 * (RFC 1035 5.1). 0, or -1 when it does not fit in cap.
 */
static int
wire_to_text(const uint8_t *wire, size_t wlen, char *out, size_t cap)
{
    size_t i = 0, o = 0, j, lab;
    int k;

    if (cap < 2)
        return -1;
    if (wlen == 1) {
        memcpy(out, ".", 2);
        return 0;
    }
    while (i < wlen && wire[i] != 0) {
        lab = wire[i++];
        if (o > 0) {
            if (o + 1 >= cap)
                return -1;
            out[o++] = '.';
        }
        for (j = 0; j < lab && i < wlen; j++, i++) {
            if (host_char(wire[i])) {
                if (o + 1 >= cap)
                    return -1;
                out[o++] = (char)wire[i];
                continue;
            }
            if (o + 4 >= cap)
                return -1;
            k = snprintf(out + o, cap - o, "\\%03u", (unsigned)wire[i]);
            if (k != 4)
                return -1;
            o += 4;
        }
    }
    out[o] = '\0';
    return 0;
}

/*
 * Read the possibly compressed name at *off of msg into wire (uncompressed,
 * at most NAME_MAX_WIRE octets). A pointer must point into the message
 * past the header and strictly before the start of the labels it is part
 * of, so every jump goes backwards and no pointer chain can loop. *off
 * moves past the name as it is written at *off. 0, or if malformed: -1
 * (runs past the end), -2 (a bad pointer), -3 (too long, or a label type
 * not in use).
 */
static int
read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *wire,
          size_t *wlen)
{
    size_t pos = *off, seg = *off, out = 0, end = 0, target;
    int jumped = 0, hops = 0;
    unsigned c;

    for (;;) {
        if (pos >= len)
            return -1;
        c = msg[pos];
        if ((c & 0xC0) == 0xC0) {
            if (pos + 1 >= len)
                return -1;
            target = (size_t)(c & 0x3F) << 8 | msg[pos + 1];
            if (!jumped)
                end = pos + 2;
            jumped = 1;
            if (target < HDR_LEN || target >= seg || ++hops > PTR_MAX)
                return -2;
            pos = seg = target;
            continue;
        }
        if ((c & 0xC0) != 0) /* extended label types: not in use */
            return -3;
        if (c == 0)
            break;
        if (pos + 1 + c > len)
            return -1;
        if (out + 1 + c + 1 > NAME_MAX_WIRE)
            return -3;
        memcpy(wire + out, msg + pos, 1 + c);
        out += 1 + c;
        pos += 1 + c;
    }
    wire[out++] = 0;
    if (!jumped)
        end = pos + 1;
    *off = end;
    *wlen = out;
    return 0;
}

/* One resource record at *off: bounds checked, *off moved past it.
 * 0, or read_name()'s codes. */
static int
read_rr(const uint8_t *msg, size_t len, size_t *off, struct rr *rr)
{
    size_t p = *off;
    int rc;

    rc = read_name(msg, len, &p, rr->owner, &rr->olen);
    if (rc != 0)
        return rc;
    if (len - p < 10)
        return -1;
    rr->type = get16(msg + p);
    rr->class = get16(msg + p + 2);
    rr->rdlen = get16(msg + p + 8);
    rr->rdoff = p + 10;
    if (rr->rdlen > len - rr->rdoff)
        return -1;
    *off = rr->rdoff + rr->rdlen;
    return 0;
}

/* A name that must fill the RDATA from off to its end exactly: 0,
 * read_name()'s codes, or -4 (the name does not end where the RDATA
 * does). */
static int
rdata_name(const uint8_t *msg, size_t len, const struct rr *rr, size_t off,
           uint8_t *wire, size_t *wlen)
{
    size_t p = off;
    int rc;

    rc = read_name(msg, len, &p, wire, wlen);
    if (rc != 0)
        return rc;
    return p == rr->rdoff + rr->rdlen ? 0 : -4;
}

/* The RDATA of the types we read has the right shape: 0, read_name()'s
 * codes for a bad name in it, or -4 (a length that does not fit the
 * type). */
static int
rdata_ok(const uint8_t *msg, size_t len, const struct rr *rr)
{
    uint8_t w[NAME_MAX_WIRE];
    size_t wl;

    if (rr->class != C_IN && rr->type != T_OPT)
        return 0;
    switch (rr->type) {
    case T_A:
        return rr->rdlen == 4 ? 0 : -4;
    case T_AAAA:
        return rr->rdlen == 16 ? 0 : -4;
    case T_CNAME:
        return rdata_name(msg, len, rr, rr->rdoff, w, &wl);
    case T_MX:
        return rr->rdlen >= 3 ? rdata_name(msg, len, rr, rr->rdoff + 2, w, &wl)
                              : -4;
    default:
        return 0;
    }
}

/* What a code of read_name(), read_rr() or rdata_ok() means. */
static const char *
fault(int code)
{
    switch (code) {
    case -2:
        return "a name has a compression pointer that points forward, "
               "into the header or in a loop";
    case -3:
        return "a name is longer than 255 octets or has a label type not "
               "in use";
    case -4:
        return "a record's data does not match its type";
    default:
        return "a record runs past the end of the message";
    }
}

/*
 * Does the reply in msg belong to the query (ID, QR, opcode, question)?
 * 1 yes (r filled, the records checked), 0 no (to be ignored), -1 yes but
 * malformed (why says how).
 */
static int
check_reply(const uint8_t *msg, size_t len, uint16_t id,
            const struct question *q, struct reply *r, const char **why)
{
    uint8_t w[NAME_MAX_WIRE];
    unsigned qd, an, ns, ar, i;
    size_t off = HDR_LEN, wl;
    struct rr rr;
    int rc;

    if (len < HDR_LEN || get16(msg) != id || !(msg[2] & 0x80) ||
        (msg[2] & 0x78) != 0)
        return 0;
    memset(r, 0, sizeof(*r));
    r->msg = msg;
    r->len = len;
    r->rcode = msg[3] & 0x0F;
    r->tc = (msg[2] & 0x02) != 0;
    qd = get16(msg + 4);
    an = get16(msg + 6);
    ns = get16(msg + 8);
    ar = get16(msg + 10);
    if (qd == 0 && r->rcode == RC_FORMERR) /* some servers drop it */
        return 1;
    if (qd != 1)
        return 0;
    if (read_name(msg, len, &off, w, &wl) != 0 || len - off < 4 ||
        !name_eq(w, wl, q->name, q->len) || get16(msg + off) != q->type ||
        get16(msg + off + 2) != C_IN)
        return 0;
    off += 4;
    r->an_off = off;
    r->ancount = an;
    if (r->tc) /* the rest may be cut anywhere: not looked at */
        return 1;
    for (i = 0; i < an + ns + ar; i++) {
        if ((rc = read_rr(msg, len, &off, &rr)) != 0 ||
            (rc = rdata_ok(msg, len, &rr)) != 0) {
            *why = fault(rc);
            return -1;
        }
    }
    if (off != len) {
        *why = "bytes after the last record";
        return -1;
    }
    return 1;
}

/* A 16-bit query ID from the kernel's random source. */
static int
random_id(uint16_t *id)
{
    uint8_t b[2];
    ssize_t got;

    do
        got = getrandom(b, sizeof(b), 0);
    while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof(b))
        return -1;
    *id = get16(b);
    return 0;
}

/* The query message: header (RD), the question, an EDNS0 OPT record. */
static size_t
build_query(uint8_t *buf, uint16_t id, const struct question *q, int edns)
{
    size_t n = HDR_LEN;

    memset(buf, 0, HDR_LEN);
    put16(buf, id);
    buf[2] = 0x01; /* RD */
    put16(buf + 4, 1);
    put16(buf + 10, edns ? 1 : 0);
    memcpy(buf + n, q->name, q->len);
    n += q->len;
    put16(buf + n, q->type);
    put16(buf + n + 2, C_IN);
    n += 4;
    if (edns) {
        buf[n] = 0; /* root */
        put16(buf + n + 1, T_OPT);
        put16(buf + n + 3, EDNS_UDP_SIZE);
        memset(buf + n + 5, 0, 6); /* extended RCODE, version, flags, RDLEN */
        n += 11;
    }
    return n;
}

/* "ADDR" with the port to a server; 0 or -1. */
static int
server_addr(const char *addr, int port, struct server *s)
{
    struct addrinfo hints, *res = NULL;
    int ok;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST;
    if (strlen(addr) >= MX_DNS_ADDRLEN ||
        getaddrinfo(addr, NULL, &hints, &res) != 0)
        return -1;
    ok = res != NULL && res->ai_addrlen <= sizeof(s->sa) &&
         (res->ai_family == AF_INET || res->ai_family == AF_INET6);
    if (ok) {
        memset(s, 0, sizeof(*s));
        memcpy(&s->sa, res->ai_addr, res->ai_addrlen);
        s->len = res->ai_addrlen;
        if (res->ai_family == AF_INET) {
            ((struct sockaddr_in *)(void *)&s->sa)->sin_port =
                htons((uint16_t)port);
            snprintf(s->text, sizeof(s->text), "%s:%d", addr, port);
        } else {
            ((struct sockaddr_in6 *)(void *)&s->sa)->sin6_port =
                htons((uint16_t)port);
            snprintf(s->text, sizeof(s->text), "[%s]:%d", addr, port);
        }
    }
    freeaddrinfo(res);
    return ok ? 0 : -1;
}

/* A server string of dns.h's forms; 0 or -1 (USAGE). */
static int
parse_server(const char *spec, struct server *s, struct mx_error *err)
{
    char addr[MX_DNS_ADDRLEN];
    const char *a = spec, *port_s = NULL, *close, *colon;
    const char *errstr = "is invalid";
    long long port = DNS_PORT;
    size_t alen;

    if (spec[0] == '[') {
        a = spec + 1;
        close = strchr(a, ']');
        if (close == NULL)
            goto bad;
        alen = (size_t)(close - a);
        if (close[1] == ':')
            port_s = close + 2;
        else if (close[1] != '\0')
            goto bad;
    } else {
        alen = strlen(spec);
        colon = strchr(spec, ':');
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            alen = (size_t)(colon - spec); /* IPV4:PORT */
            port_s = colon + 1;
        }
    }
    if (alen == 0 || alen >= sizeof(addr))
        goto bad;
    memcpy(addr, a, alen);
    addr[alen] = '\0';
    if (port_s != NULL && mx_strtonum(port_s, 1, 65535, &port, &errstr) != 0) {
        mx_error_set(err, MX_E_USAGE, "DNS server '%.80s': port %s", spec,
                     errstr);
        return -1;
    }
    if (server_addr(addr, (int)port, s) == 0)
        return 0;
bad:
    mx_error_set(err, MX_E_USAGE,
                 "DNS server '%.80s' is not an IP address (ADDR, IPV4:PORT "
                 "or [ADDR]:PORT)",
                 spec);
    return -1;
}

size_t
mx_dns_resolv_conf(const char *path, char out[][MX_DNS_ADDRLEN], size_t cap)
{
    struct server s;
    char line[512], *p, *v;
    size_t n = 0, vlen, max = cap < MX_DNS_MAXNS ? cap : MX_DNS_MAXNS;
    int c, whole;
    FILE *f;

    if (cap == 0)
        return 0;
    f = fopen(path != NULL ? path : "/etc/resolv.conf", "re");
    while (f != NULL && n < max && fgets(line, sizeof(line), f) != NULL) {
        whole = strchr(line, '\n') != NULL || feof(f);
        if (!whole) { /* too long for any use: skip the rest of it */
            while ((c = getc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        /* "nameserver" must start the line, a blank must follow it */
        if (strncmp(line, "nameserver", 10) != 0 ||
            (line[10] != ' ' && line[10] != '\t'))
            continue;
        v = line + 10;
        while (*v == ' ' || *v == '\t')
            v++;
        p = v;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
               *p != '\r')
            p++;
        vlen = (size_t)(p - v);
        if (vlen == 0 || vlen >= MX_DNS_ADDRLEN)
            continue;
        *p = '\0';
        if (server_addr(v, DNS_PORT, &s) != 0)
            continue;
        memcpy(out[n], v, vlen + 1);
        n++;
    }
    if (f != NULL)
        fclose(f);
    if (n == 0) {
        memcpy(out[0], "127.0.0.1", sizeof("127.0.0.1"));
        n = 1;
    }
    return n;
}

/* The servers to ask: the one given, or those of /etc/resolv.conf. */
static int
get_servers(const char *server, struct server *srv, size_t *n,
            struct mx_error *err)
{
    char conf[MX_DNS_MAXNS][MX_DNS_ADDRLEN];
    size_t i, k;

    *n = 0;
    if (server != NULL) {
        if (parse_server(server, &srv[0], err) != 0)
            return -1;
        *n = 1;
        return 0;
    }
    k = mx_dns_resolv_conf(NULL, conf, MX_DNS_MAXNS);
    for (i = 0; i < k; i++)
        if (server_addr(conf[i], DNS_PORT, &srv[*n]) == 0)
            (*n)++;
    if (*n == 0) {
        mx_error_set(err, MX_E_USAGE, "no usable nameserver");
        return -1;
    }
    return 0;
}

/* Wait for events on fd until dl: 1 ready, 0 time is up, -1 error. */
static int
wait_fd(int fd, short events, struct mx_deadline dl)
{
    struct pollfd p;
    int rc, left;

    for (;;) {
        left = mx_deadline_left_ms(dl);
        if (left == 0)
            return 0;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        rc = poll(&p, 1, left);
        if (rc > 0)
            return 1;
        if (rc == 0)
            continue; /* left is re-checked */
        if (errno != EINTR)
            return -1;
    }
}

/*
 * One query over UDP: 1 a reply that belongs to it (in r), 0 nothing in
 * time, -1 this server failed (err).
 */
static int
udp_exchange(const struct server *s, const uint8_t *query, size_t qlen,
             uint16_t id, const struct question *q, struct mx_deadline until,
             uint8_t *buf, struct reply *r, struct mx_error *err)
{
    const char *why = NULL;
    ssize_t got;
    int fd, rc = -1, w;

    fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mx_error_set(err, MX_E_RESOLVE, "DNS server %s: socket: %s", s->text,
                     strerror(errno));
        return -1;
    }
    /* connected: the kernel drops datagrams from any other address */
    if (connect(fd, (const struct sockaddr *)&s->sa, s->len) != 0 ||
        send(fd, query, qlen, 0) != (ssize_t)qlen) {
        mx_error_set(err, MX_E_RESOLVE, "DNS server %s: %s", s->text,
                     strerror(errno));
        goto out;
    }
    for (;;) {
        w = wait_fd(fd, POLLIN, until);
        if (w == 0) {
            rc = 0;
            break;
        }
        if (w < 0) {
            mx_error_set(err, MX_E_RESOLVE, "poll: %s", strerror(errno));
            break;
        }
        got = recv(fd, buf, MSG_MAX, 0);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            mx_error_set(err, MX_E_RESOLVE, "DNS server %s: %s", s->text,
                         strerror(errno));
            break;
        }
        w = check_reply(buf, (size_t)got, id, q, r, &why);
        if (w > 0) {
            rc = 1;
            break;
        }
        if (w < 0) {
            mx_error_set(err, MX_E_RESOLVE,
                         "malformed answer from DNS server %s for %s %s: %s",
                         s->text, q->text, q->tname, why);
            break;
        }
        mx_log(2,
               "DNS: ignored a %zd-byte reply from %s that is not the "
               "answer to query 0x%04x",
               got, s->text, (unsigned)id);
    }
out:
    close(fd);
    return rc;
}

/* Send or receive exactly n bytes on a non-blocking stream until dl.
 * 1 done, 0 time is up, -1 error (errno; 0 for end of stream). */
static int
tcp_io(int fd, uint8_t *p, size_t n, int sending, struct mx_deadline dl)
{
    size_t done = 0;
    ssize_t k;
    int w;

    while (done < n) {
        if (sending)
            k = send(fd, p + done, n - done, MSG_NOSIGNAL);
        else
            k = recv(fd, p + done, n - done, 0);
        if (k > 0) {
            done += (size_t)k;
            continue;
        }
        if (k == 0 && !sending) {
            errno = 0;
            return -1;
        }
        if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        w = wait_fd(fd, sending ? POLLOUT : POLLIN, dl);
        if (w <= 0)
            return w;
    }
    return 1;
}

/*
 * The same query over TCP (RFC 1035 4.2.2: a two-octet length first).
 * 1 a reply (in r), 0 time is up, -1 failed (err).
 */
static int
tcp_exchange(const struct server *s, const uint8_t *query, size_t qlen,
             uint16_t id, const struct question *q, struct mx_deadline until,
             uint8_t *buf, struct reply *r, struct mx_error *err)
{
    uint8_t out[2 + 512], lenb[2];
    const char *why = NULL;
    int fd, rc = -1, w, soerr = 0;
    socklen_t sl = sizeof(soerr);
    size_t mlen;

    fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mx_error_set(err, MX_E_RESOLVE, "DNS server %s: socket: %s", s->text,
                     strerror(errno));
        return -1;
    }
    if (connect(fd, (const struct sockaddr *)&s->sa, s->len) != 0) {
        if (errno != EINPROGRESS) {
            soerr = errno;
        } else {
            w = wait_fd(fd, POLLOUT, until);
            if (w == 0) {
                rc = 0;
                goto out;
            }
            if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
                soerr = errno;
        }
        if (soerr != 0) {
            mx_error_set(err, MX_E_RESOLVE, "DNS server %s over TCP: %s",
                         s->text, strerror(soerr));
            goto out;
        }
    }
    if (qlen > sizeof(out) - 2)
        goto out;
    put16(out, (unsigned)qlen);
    memcpy(out + 2, query, qlen);
    w = tcp_io(fd, out, qlen + 2, 1, until);
    if (w > 0)
        w = tcp_io(fd, lenb, 2, 0, until);
    if (w > 0) {
        mlen = get16(lenb);
        w = tcp_io(fd, buf, mlen, 0, until);
    }
    if (w == 0) {
        rc = 0;
        goto out;
    }
    if (w < 0) {
        mx_error_set(err, MX_E_RESOLVE, "DNS server %s over TCP: %s", s->text,
                     errno == 0 ? "connection closed before the answer"
                                : strerror(errno));
        goto out;
    }
    w = check_reply(buf, mlen, id, q, r, &why);
    if (w > 0) {
        r->tc = 0; /* nothing more to ask for */
        rc = 1;
    } else {
        mx_error_set(err, MX_E_RESOLVE,
                     "malformed answer from DNS server %s over TCP for %s "
                     "%s: %s",
                     s->text, q->text, q->tname,
                     w == 0 ? "not the answer to the query" : why);
    }
out:
    close(fd);
    return rc;
}

/*
 * Ask the servers until one gives a NOERROR answer (0, in r; r->msg is
 * buf). NXDOMAIN and the last failure are -1 with err.
 */
static int
ask(const struct server *srv, size_t nsrv, struct question *q,
    struct mx_deadline dl, uint8_t *buf, struct reply *r, struct mx_error *err)
{
    uint8_t query[512];
    struct mx_error e, first;
    struct mx_deadline until;
    int dead[MX_DNS_MAXNS] = {0}, edns[MX_DNS_MAXNS];
    size_t i, k, total = 2 * nsrv, qlen;
    int64_t left, slice;
    uint16_t id;
    int rc;

    mx_error_clear(&first);
    for (i = 0; i < nsrv; i++)
        edns[i] = 1;
    for (k = 0; k < total; k++) {
        i = k % nsrv;
        if (dead[i])
            continue;
    again:
        left = mx_deadline_left_ms(dl);
        if (left == 0)
            break;
        slice = k + 1 < total ? left / 3 : left;
        if (slice > ATTEMPT_MS_MAX)
            slice = ATTEMPT_MS_MAX;
        if (slice < 1)
            slice = 1;
        until = mx_deadline_min(dl, mx_deadline_in((double)slice / 1000.0));
        if (random_id(&id) != 0) {
            mx_error_set(err, MX_E_INTERNAL,
                         "no random number for the DNS query ID: %s",
                         strerror(errno));
            return -1;
        }
        qlen = build_query(query, id, q, edns[i]);
        mx_log(2, "DNS: %s %s? to %s (UDP, id 0x%04x, %lld ms)", q->text,
               q->tname, srv[i].text, (unsigned)id, (long long)slice);
        mx_error_clear(&e);
        rc = udp_exchange(&srv[i], query, qlen, id, q, until, buf, r, &e);
        if (rc > 0 && r->tc) {
            mx_log(2, "DNS: the answer from %s is truncated; asking over TCP",
                   srv[i].text);
            until = mx_deadline_min(dl, mx_deadline_in(TCP_MS_MAX / 1000.0));
            rc = tcp_exchange(&srv[i], query, qlen, id, q, until, buf, r, &e);
            if (rc == 0) {
                mx_error_set(&e, MX_E_TIMEOUT,
                             "no answer from DNS server %s over TCP",
                             srv[i].text);
                rc = -1;
            }
        }
        if (rc == 0) {
            mx_log(2, "DNS: no answer from %s", srv[i].text);
            continue;
        }
        if (rc < 0) {
            mx_log(2, "DNS: %s", e.msg);
            if (first.code == MX_E_OK)
                first = e;
            dead[i] = 1;
            continue;
        }
        mx_log(2, "DNS: %s from %s, %u answer records", rcode_name(r->rcode),
               srv[i].text, r->ancount);
        if (r->rcode == RC_NOERROR)
            return 0;
        if (r->rcode == RC_NXDOMAIN) {
            q->nxdomain = 1;
            mx_error_set(err, MX_E_RESOLVE,
                         "%s does not exist (NXDOMAIN from DNS server %s)",
                         q->text, srv[i].text);
            return -1;
        }
        if (r->rcode == RC_FORMERR && edns[i]) {
            edns[i] = 0; /* an old server: once more without EDNS */
            goto again;
        }
        mx_error_set(&e, MX_E_RESOLVE,
                     "cannot resolve %s %s: %s from DNS server %s", q->text,
                     q->tname, rcode_name(r->rcode), srv[i].text);
        if (first.code == MX_E_OK)
            first = e;
        dead[i] = 1;
    }
    if (first.code != MX_E_OK) {
        *err = first;
        return -1;
    }
    mx_error_set(err, MX_E_TIMEOUT,
                 "no answer from the DNS server%s %s%s for %s %s",
                 nsrv > 1 ? "s" : "", srv[0].text, nsrv > 1 ? ", ..." : "",
                 q->text, q->tname);
    return -1;
}

/* For what check_reply() has ruled out already. */
static int
malformed(const struct question *q, struct mx_error *err)
{
    mx_error_set(err, MX_E_RESOLVE, "malformed answer for %s %s", q->text,
                 q->tname);
    return -1;
}

/*
 * Follow the CNAMEs of the answer section from the question's name: the
 * owner name whose records answer the question, in wire form. 0 or -1.
 */
static int
final_owner(const struct reply *r, const struct question *q, uint8_t *cur,
            size_t *clen, struct mx_error *err)
{
    struct rr rr;
    size_t off;
    unsigned i;
    int steps, found;

    memcpy(cur, q->name, q->len);
    *clen = q->len;
    for (steps = 0;; steps++) {
        found = 0;
        off = r->an_off;
        for (i = 0; i < r->ancount && !found; i++) {
            if (read_rr(r->msg, r->len, &off, &rr) != 0)
                return malformed(q, err); /* checked before */
            if (rr.type == T_CNAME && rr.class == C_IN &&
                name_eq(rr.owner, rr.olen, cur, *clen)) {
                if (steps == CNAME_MAX) {
                    mx_error_set(err, MX_E_RESOLVE,
                                 "%s: more than %d CNAMEs in a chain", q->text,
                                 CNAME_MAX);
                    return -1;
                }
                if (rdata_name(r->msg, r->len, &rr, rr.rdoff, cur, clen) != 0)
                    return malformed(q, err);
                found = 1;
            }
        }
        if (!found)
            return 0;
    }
}

/* Insert rec keeping out sorted by preference, equal ones in arrival
 * order; when out is full, the record of highest preference goes. */
static void
insert_sorted(struct mx_mxrec *out, size_t cap, size_t *n,
              const struct mx_mxrec *rec)
{
    size_t pos = *n;

    while (pos > 0 && out[pos - 1].pref > rec->pref)
        pos--;
    if (pos >= cap)
        return;
    if (*n == cap)
        (*n)--;
    memmove(out + pos + 1, out + pos, (*n - pos) * sizeof(*out));
    out[pos] = *rec;
    (*n)++;
}

static int
question_init(struct question *q, const char *name, uint16_t type,
              const char *tname, struct mx_error *err)
{
    memset(q, 0, sizeof(*q));
    if (name == NULL || name_to_wire(name, q->name, &q->len) != 0) {
        mx_error_set(err, MX_E_USAGE, "'%.80s' is not a domain name",
                     name != NULL ? name : "(null)");
        return -1;
    }
    q->type = type;
    q->text = name;
    q->tname = tname;
    return 0;
}

/* The MX records of a NOERROR reply r to q (the MX of domain), sorted,
 * or the implicit MX. 0 or -1. */
static int
read_mx(const struct reply *r, const struct question *q, const char *domain,
        struct mx_mxrec *out, size_t cap, size_t *n, struct mx_error *err)
{
    struct mx_mxrec rec;
    uint8_t cur[NAME_MAX_WIRE], x[NAME_MAX_WIRE];
    size_t clen, xlen, off, dlen;
    unsigned i;

    *n = 0;
    if (final_owner(r, q, cur, &clen, err) != 0)
        return -1;
    off = r->an_off;
    for (i = 0; i < r->ancount; i++) {
        struct rr rr;

        if (read_rr(r->msg, r->len, &off, &rr) != 0)
            return malformed(q, err);
        if (rr.type != T_MX || rr.class != C_IN ||
            !name_eq(rr.owner, rr.olen, cur, clen))
            continue;
        rec.pref = get16(r->msg + rr.rdoff);
        if (rdata_name(r->msg, r->len, &rr, rr.rdoff + 2, x, &xlen) != 0)
            return malformed(q, err);
        if (xlen == 1 && rec.pref == 0) {
            mx_error_set(err, MX_E_RESOLVE,
                         "domain %s accepts no mail (null MX, RFC 7505)",
                         domain);
            *n = 0;
            return -1;
        }
        if (xlen == 1 ||
            wire_to_text(x, xlen, rec.host, sizeof(rec.host)) != 0) {
            mx_log(2,
                   "DNS: MX of %s: an exchange that is no host name was "
                   "skipped",
                   domain);
            continue;
        }
        insert_sorted(out, cap, n, &rec);
    }
    if (*n == 0) { /* RFC 5321 5.1: the implicit MX */
        dlen = strlen(domain);
        if (dlen > 1 && domain[dlen - 1] == '.')
            dlen--;
        if (dlen >= sizeof(out[0].host))
            dlen = sizeof(out[0].host) - 1; /* cannot be: checked before */
        out[0].pref = 0;
        memcpy(out[0].host, domain, dlen);
        out[0].host[dlen] = '\0';
        *n = 1;
        mx_log(2, "DNS: %s has no MX record: the implicit MX is %s", domain,
               out[0].host);
    }
    return 0;
}

int
mx_dns_mx(const char *domain, const char *server, struct mx_deadline dl,
          struct mx_mxrec *out, size_t cap, size_t *n, struct mx_error *err)
{
    struct server srv[MX_DNS_MAXNS];
    struct question q;
    struct reply r;
    uint8_t *buf = NULL;
    size_t nsrv;
    int rc = -1;

    *n = 0;
    if (cap == 0 || question_init(&q, domain, T_MX, "MX", err) != 0) {
        if (cap == 0)
            mx_error_set(err, MX_E_USAGE, "no room for MX records");
        return -1;
    }
    if (get_servers(server, srv, &nsrv, err) != 0)
        return -1;
    buf = malloc(MSG_MAX);
    if (buf == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (ask(srv, nsrv, &q, dl, buf, &r, err) == 0)
        rc = read_mx(&r, &q, domain, out, cap, n, err);
    free(buf);
    return rc;
}

/* The A or AAAA records (q->type) of a NOERROR reply r, appended to out
 * with port. 0 or -1. */
static int
read_addrs(const struct reply *r, const struct question *q, int port,
           struct mx_addr *out, size_t cap, size_t *n, struct mx_error *err)
{
    struct rr rr;
    uint8_t cur[NAME_MAX_WIRE];
    size_t clen, off;
    unsigned i;
    struct mx_addr *a;

    if (final_owner(r, q, cur, &clen, err) != 0)
        return -1;
    off = r->an_off;
    for (i = 0; i < r->ancount && *n < cap; i++) {
        if (read_rr(r->msg, r->len, &off, &rr) != 0)
            return malformed(q, err);
        if (rr.type != q->type || rr.class != C_IN ||
            !name_eq(rr.owner, rr.olen, cur, clen))
            continue;
        a = &out[*n];
        memset(a, 0, sizeof(*a));
        if (q->type == T_A) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&a->sa;

            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)port);
            memcpy(&s4->sin_addr, r->msg + rr.rdoff, 4);
            a->len = sizeof(*s4);
            inet_ntop(AF_INET, &s4->sin_addr, a->text, sizeof(a->text));
        } else {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&a->sa;

            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons((uint16_t)port);
            memcpy(&s6->sin6_addr, r->msg + rr.rdoff, 16);
            a->len = sizeof(*s6);
            inet_ntop(AF_INET6, &s6->sin6_addr, a->text, sizeof(a->text));
        }
        (*n)++;
    }
    return 0;
}

/* The A or AAAA records of host, appended to out. 0 or -1. */
static int
addrs_of_type(const struct server *srv, size_t nsrv, const char *host, int port,
              uint16_t type, struct mx_deadline dl, uint8_t *buf,
              struct mx_addr *out, size_t cap, size_t *n, int *nx,
              struct mx_error *err)
{
    struct question q;
    struct reply r;

    if (question_init(&q, host, type, type == T_A ? "A" : "AAAA", err) != 0)
        return -1;
    if (ask(srv, nsrv, &q, dl, buf, &r, err) != 0) {
        *nx = q.nxdomain;
        return -1;
    }
    return read_addrs(&r, &q, port, out, cap, n, err);
}

/* One reply as ask() and udp_exchange() judge it, without a network. */
static int
one_reply(const uint8_t *msg, size_t len, uint16_t id, struct question *q,
          struct reply *r, struct mx_error *err)
{
    const char *why = NULL;

    switch (check_reply(msg, len, id, q, r, &why)) {
    case 0:
        mx_error_set(err, MX_E_RESOLVE,
                     "not the answer to the query for %s %s (ID, flags or "
                     "question differ)",
                     q->text, q->tname);
        return -1;
    case -1:
        mx_error_set(err, MX_E_RESOLVE, "malformed answer for %s %s: %s",
                     q->text, q->tname, why);
        return -1;
    default:
        break;
    }
    if (r->tc) {
        mx_error_set(err, MX_E_RESOLVE,
                     "the answer for %s %s is truncated (asked again over "
                     "TCP)",
                     q->text, q->tname);
        return -1;
    }
    if (r->rcode != RC_NOERROR) {
        mx_error_set(err, MX_E_RESOLVE, "cannot resolve %s %s: %s", q->text,
                     q->tname, rcode_name(r->rcode));
        return -1;
    }
    return 0;
}

/* What mx_dns_parse_mx and mx_dns_parse_addrs share: the question for
 * name and type, and the reply msg judged against it. */
static int
parse_reply(const uint8_t *msg, size_t len, uint16_t id, const char *name,
            uint16_t type, const char *tname, size_t cap, struct question *q,
            struct reply *r, struct mx_error *err)
{
    if (msg == NULL || cap == 0) {
        mx_error_set(err, MX_E_USAGE, "no message or no room");
        return -1;
    }
    if (question_init(q, name, type, tname, err) != 0)
        return -1;
    return one_reply(msg, len, id, q, r, err);
}

int
mx_dns_parse_mx(const uint8_t *msg, size_t len, uint16_t id, const char *domain,
                struct mx_mxrec *out, size_t cap, size_t *n,
                struct mx_error *err)
{
    struct question q;
    struct reply r;

    *n = 0;
    if (parse_reply(msg, len, id, domain, T_MX, "MX", cap, &q, &r, err) != 0)
        return -1;
    return read_mx(&r, &q, domain, out, cap, n, err);
}

int
mx_dns_parse_addrs(const uint8_t *msg, size_t len, uint16_t id,
                   const char *host, int family, int port, struct mx_addr *out,
                   size_t cap, size_t *n, struct mx_error *err)
{
    struct question q;
    struct reply r;
    uint16_t type = family == AF_INET6 ? T_AAAA : T_A;

    *n = 0;
    if (parse_reply(msg, len, id, host, type, type == T_A ? "A" : "AAAA", cap,
                    &q, &r, err) != 0)
        return -1;
    return read_addrs(&r, &q, port, out, cap, n, err);
}

int
mx_dns_addrs(const char *host, int port, int family, const char *server,
             struct mx_deadline dl, struct mx_addr *out, size_t cap, size_t *n,
             struct mx_error *err)
{
    struct server srv[MX_DNS_MAXNS];
    struct mx_error e6;
    uint8_t *buf;
    size_t nsrv;
    int rc6 = 0, rc4 = 0, nx = 0;

    *n = 0;
    if (host == NULL || cap == 0 || port < 1 || port > 65535) {
        mx_error_set(err, MX_E_USAGE, "bad host or port");
        return -1;
    }
    if (mx_is_address(host))
        return mx_resolve(host, port, family, dl, out, n, err);
    if (get_servers(server, srv, &nsrv, err) != 0)
        return -1;
    buf = malloc(MSG_MAX);
    if (buf == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    mx_error_clear(&e6);
    if (family != AF_INET)
        rc6 = addrs_of_type(srv, nsrv, host, port, T_AAAA, dl, buf, out, cap, n,
                            &nx, &e6);
    if (rc6 != 0 && (e6.code == MX_E_USAGE || e6.code == MX_E_INTERNAL || nx)) {
        *err = e6; /* the name does not exist: no need to ask for A */
        free(buf);
        return -1;
    }
    if (family != AF_INET6)
        rc4 = addrs_of_type(srv, nsrv, host, port, T_A, dl, buf, out, cap, n,
                            &nx, err);
    free(buf);
    if (*n > 0) {
        if (rc6 != 0)
            mx_log(2, "DNS: %s AAAA: %s", host, e6.msg);
        if (rc4 != 0)
            mx_log(2, "DNS: %s A: %s", host, err->msg);
        mx_error_clear(err);
        return 0;
    }
    if (rc6 != 0)
        *err = e6;
    else if (rc4 == 0)
        mx_error_set(err, MX_E_RESOLVE, "%s has no address%s", host,
                     family == AF_INET    ? " for IPv4"
                     : family == AF_INET6 ? " for IPv6"
                                          : "");
    return -1;
}
