/*
 * resolve.c - DNSSEC-validated lookups over libunbound, bounded by a
 * deadline (see resolve.h for the contract).
 *
 * libunbound does the DNS, the chain of trust and the signature checks;
 * this file sets it up (anchor, servers), starts the lookups in its worker
 * thread and waits for them in poll() on ub_fd(). The anchor file is read
 * by the project's one file reader (a FIFO cannot block a run) and handed
 * to libunbound record by record.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <unbound.h>

#include "file.h"
#include "log.h"
#include "net.h"
#include "resolve.h"
#include "strnum.h"

#define MX_ANCHOR_MAX (1024u * 1024)

struct mx_vresolver {
    struct ub_ctx *ctx;
    char server[300];
    char anchor[300];
    size_t open; /* lookups started and not answered */
};

/* The anchor of mx_vres_new_plain: none, nothing is validated. */
static const char no_anchor[] = "";

const char *
mx_vres_status_name(enum mx_vres_status s)
{
    switch (s) {
    case MX_VRES_SECURE:
        return "secure";
    case MX_VRES_INSECURE:
        return "insecure";
    case MX_VRES_BOGUS:
        return "bogus";
    case MX_VRES_FAILED:
        return "failed";
    default:
        return "pending";
    }
}

static const char *
type_name(int type)
{
    switch (type) {
    case MX_RR_MX:
        return "MX";
    case MX_RR_A:
        return "A";
    case MX_RR_AAAA:
        return "AAAA";
    case MX_RR_TLSA:
        return "TLSA";
    case MX_RR_TXT:
        return "TXT";
    case 12:
        return "PTR";
    default:
        return "?";
    }
}

static const char *
rcode_name(int rcode)
{
    static const char *names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                  "NXDOMAIN", "NOTIMP",  "REFUSED"};

    if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
        return names[rcode];
    return "an unknown rcode";
}

/*
 * Hand the trust anchors of text (zone file lines: DS or DNSKEY records;
 * ';' comments; a record may span lines inside parentheses) to libunbound
 * one record at a time.
 */
static int
add_anchors(struct ub_ctx *ctx, const char *path, char *text,
            struct mx_error *err)
{
    char rr[4096], *line, *next, *semi;
    size_t len = 0, lineno = 0, added = 0;
    int depth = 0, rc;

    /* line by line, blank ones counted, so that errors name the line */
    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        semi = strchr(line, ';');
        if (semi != NULL)
            *semi = '\0';
        for (char *p = line; *p != '\0'; p++) {
            if (*p == '(') {
                depth++;
                *p = ' ';
            } else if (*p == ')') {
                depth--;
                *p = ' ';
            } else if (*p == '\t' || *p == '\r') {
                *p = ' ';
            }
        }
        if (depth < 0) {
            mx_error_set(err, MX_E_USAGE, "%s:%zu: ')' without '('", path,
                         lineno);
            return -1;
        }
        if (len + strlen(line) + 2 > sizeof(rr)) {
            mx_error_set(err, MX_E_USAGE, "%s:%zu: record too long", path,
                         lineno);
            return -1;
        }
        len += (size_t)snprintf(rr + len, sizeof(rr) - len, "%s ", line);
        if (depth > 0)
            continue;
        if (strspn(rr, " ") == len) {
            len = 0;
            continue;
        }
        rc = ub_ctx_add_ta(ctx, rr);
        if (rc != 0) {
            mx_error_set(err, MX_E_USAGE,
                         "%s:%zu: not a DS or DNSKEY record (%s)", path, lineno,
                         ub_strerror(rc));
            return -1;
        }
        mx_log(3, "trust anchor: %s", rr);
        added++;
        len = 0;
    }
    if (depth != 0) {
        mx_error_set(err, MX_E_USAGE, "%s: '(' without ')'", path);
        return -1;
    }
    if (added == 0) {
        mx_error_set(err, MX_E_USAGE, "%s: no DS or DNSKEY record", path);
        return -1;
    }
    return 0;
}

struct mx_vresolver *
mx_vres_new(const char *anchor, const char *server, struct mx_error *err)
{
    struct mx_vresolver *r = calloc(1, sizeof(*r));
    const char *path = anchor != NULL ? anchor : MX_ROOT_ANCHOR;
    char *text = NULL;
    size_t tlen = 0;
    int rc;

    if (r == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return NULL;
    }
    r->ctx = ub_ctx_create();
    if (r->ctx == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "cannot create a DNS validator");
        goto fail;
    }
    /* a thread, not a forked process, answers the lookups */
    if ((rc = ub_ctx_async(r->ctx, 1)) != 0 ||
        /* the servers asked may be on loopback (a local resolver, tests) */
        (rc = ub_ctx_set_option(r->ctx, "do-not-query-localhost:", "no")) !=
            0) {
        mx_error_set(err, MX_E_INTERNAL, "DNS validator setup: %s",
                     ub_strerror(rc));
        goto fail;
    }
    if (anchor == no_anchor)
        goto servers;
    if (mx_file_read(path, anchor != NULL ? "--dns-anchor" : "trust anchor",
                     MX_ANCHOR_MAX, 0, &text, &tlen, err) != 0)
        goto fail;
    if (add_anchors(r->ctx, path, text, err) != 0)
        goto fail;
    snprintf(r->anchor, sizeof(r->anchor), "%s", path);
servers:
    if (server != NULL) {
        rc = ub_ctx_set_fwd(r->ctx, server);
        if (rc != 0) {
            mx_error_set(err, MX_E_USAGE,
                         "--dns-server '%.100s' is not ADDRESS[@PORT] (%s)",
                         server, ub_strerror(rc));
            goto fail;
        }
        /* libunbound answers test. and home.arpa. (RFC 6761, RFC 8375)
         * itself; a server named here is asked about them too (private
         * zones, tests): a transparent zone of ours replaces the built-in
         * one ("nodefault" is not taken through ub_ctx_set_option) */
        if ((rc = ub_ctx_set_option(r->ctx,
                                    "local-zone:", "test. transparent")) != 0 ||
            (rc = ub_ctx_set_option(
                 r->ctx, "local-zone:", "home.arpa. transparent")) != 0) {
            mx_error_set(err, MX_E_INTERNAL, "DNS validator setup: %s",
                         ub_strerror(rc));
            goto fail;
        }
        snprintf(r->server, sizeof(r->server), "%s", server);
    } else {
        rc = ub_ctx_resolvconf(r->ctx, NULL);
        if (rc != 0) {
            mx_error_set(err, MX_E_USAGE,
                         "cannot read the system's resolvers from "
                         "/etc/resolv.conf: %s",
                         ub_strerror(rc));
            goto fail;
        }
        snprintf(r->server, sizeof(r->server),
                 "the resolvers of /etc/resolv.conf");
    }
    free(text);
    return r;
fail:
    free(text);
    mx_vres_free(r);
    return NULL;
}

void
mx_vres_free(struct mx_vresolver *r)
{
    if (r == NULL)
        return;
    if (r->ctx != NULL)
        ub_ctx_delete(r->ctx);
    free(r);
}

const char *
mx_vres_server(const struct mx_vresolver *r)
{
    return r->server;
}

const char *
mx_vres_anchor(const struct mx_vresolver *r)
{
    return r->anchor;
}

void
mx_vquery_set(struct mx_vquery *q, const char *name, int type)
{
    memset(q, 0, sizeof(*q));
    snprintf(q->name, sizeof(q->name), "%s", name);
    q->type = type;
}

void
mx_vquery_free(struct mx_vquery *q)
{
    size_t i;

    if (q->rr != NULL)
        for (i = 0; i < q->n; i++)
            free(q->rr[i]);
    free(q->rr);
    free(q->len);
    q->rr = NULL;
    q->len = NULL;
    q->n = 0;
}

/* Copy what the validator says into q. 0, or -1 when out of memory. */
static int
take(struct mx_vquery *q, int uerr, struct ub_result *res)
{
    size_t i, n = 0;

    if (uerr != 0 || res == NULL) {
        q->status = MX_VRES_FAILED;
        snprintf(q->why, sizeof(q->why), "%s",
                 uerr != 0 ? ub_strerror(uerr) : "no result");
        return 0;
    }
    q->rcode = res->rcode;
    snprintf(q->canon, sizeof(q->canon), "%s",
             res->canonname != NULL ? res->canonname : q->name);
    if (res->bogus) {
        q->status = MX_VRES_BOGUS;
        snprintf(q->why, sizeof(q->why), "%s",
                 res->why_bogus != NULL ? res->why_bogus : "validation failed");
        return 0;
    }
    if (res->rcode != 0 && !res->nxdomain) {
        q->status = MX_VRES_FAILED;
        snprintf(q->why, sizeof(q->why), "%s", rcode_name(res->rcode));
        return 0;
    }
    q->status = res->secure ? MX_VRES_SECURE : MX_VRES_INSECURE;
    q->nxdomain = res->nxdomain;
    q->nodata = !res->nxdomain && !res->havedata;
    if (!res->havedata || res->data == NULL)
        return 0;
    while (res->data[n] != NULL)
        n++;
    q->rr = calloc(n, sizeof(*q->rr));
    q->len = calloc(n, sizeof(*q->len));
    if (q->rr == NULL || q->len == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        q->rr[i] = malloc(res->len[i] > 0 ? (size_t)res->len[i] : 1);
        if (q->rr[i] == NULL)
            return -1;
        memcpy(q->rr[i], res->data[i], (size_t)res->len[i]);
        q->len[i] = (size_t)res->len[i];
        q->n = i + 1;
    }
    return 0;
}

static void
answered(void *arg, int uerr, struct ub_result *res)
{
    struct mx_vquery *q = arg;

    if (take(q, uerr, res) != 0) {
        mx_vquery_free(q);
        q->status = MX_VRES_FAILED;
        snprintf(q->why, sizeof(q->why), "out of memory");
    }
    mx_log(2, "DNS %s %s: %s%s%s (%zu record%s)", q->name, type_name(q->type),
           mx_vres_status_name(q->status), q->why[0] ? ": " : "", q->why, q->n,
           q->n == 1 ? "" : "s");
    if (res != NULL)
        ub_resolve_free(res);
    q->owner->open--;
}

int
mx_vres_run(struct mx_vresolver *r, struct mx_vquery *q, size_t n,
            struct mx_deadline dl, struct mx_error *err)
{
    struct pollfd pfd;
    char open[300];
    size_t i, used;
    int rc, left;

    for (i = 0; i < n; i++) {
        q[i].owner = r;
        q[i].status = MX_VRES_PENDING;
        mx_log(1, "DNS: asking %s %s%s of %s", q[i].name, type_name(q[i].type),
               r->anchor[0] != '\0' ? " (validated)" : "", r->server);
        rc = ub_resolve_async(r->ctx, q[i].name, q[i].type, 1, &q[i], answered,
                              &q[i].async_id);
        if (rc != 0) {
            mx_error_set(err, MX_E_INTERNAL, "DNS lookup of %s: %s", q[i].name,
                         ub_strerror(rc));
            return -1;
        }
        r->open++;
    }
    while (r->open > 0) {
        left = mx_deadline_left_ms(dl);
        if (left <= 0)
            break;
        pfd.fd = ub_fd(r->ctx);
        pfd.events = POLLIN;
        pfd.revents = 0;
        rc = poll(&pfd, 1, left);
        if (rc < 0 && errno != EINTR) {
            mx_error_set(err, MX_E_INTERNAL, "poll: %s", strerror(errno));
            return -1;
        }
        if (rc > 0) {
            rc = ub_process(r->ctx);
            if (rc != 0) {
                mx_error_set(err, MX_E_INTERNAL, "DNS validator: %s",
                             ub_strerror(rc));
                return -1;
            }
        }
    }
    if (r->open == 0)
        return 0;
    /* The deadline: name what is still open, and drop it. */
    for (used = 0, i = 0; i < n; i++) {
        if (q[i].status != MX_VRES_PENDING)
            continue;
        (void)ub_cancel(r->ctx, q[i].async_id);
        if (used < sizeof(open))
            used += (size_t)snprintf(open + used, sizeof(open) - used,
                                     "%s%s %s", used > 0 ? ", " : "", q[i].name,
                                     type_name(q[i].type));
    }
    r->open = 0;
    mx_error_set(err, MX_E_RESOLVE,
                 "no DNS answer before the deadline (-t) for %s from %s",
                 used > 0 ? open : "the lookups", r->server);
    return -1;
}

/* ---- lookups without validation (resolve.h: mx_vres_new_plain) ------- */

struct mx_vresolver *
mx_vres_new_plain(const char *server, struct mx_error *err)
{
    struct mx_vresolver *r = mx_vres_new(no_anchor, server, err);
    int rc;

    if (r == NULL)
        return NULL;
    /* no validator module: there is no anchor to validate with */
    rc = ub_ctx_set_option(r->ctx, "module-config:", "iterator");
    if (rc != 0) {
        mx_error_set(err, MX_E_INTERNAL, "DNS resolver setup: %s",
                     ub_strerror(rc));
        mx_vres_free(r);
        return NULL;
    }
    if (server == NULL && (rc = ub_ctx_hosts(r->ctx, NULL)) != 0)
        mx_log(1, "DNS: /etc/hosts not used: %s", ub_strerror(rc));
    return r;
}

int
mx_mx_rdata(const unsigned char *rd, size_t len, struct mx_mxrec *rec)
{
    size_t off = 2, out = 0, lab, i;
    unsigned char c;

    if (len < 3)
        return -1;
    rec->pref = (unsigned)rd[0] << 8 | rd[1];
    for (;;) {
        lab = rd[off++];
        if (lab == 0)
            break;
        /* a compression pointer (0xC0) or a label type of EDNS is > 63 */
        if (lab > 63 || lab >= len - off || out + (out > 0) + lab > 253)
            return -1;
        if (out > 0)
            rec->host[out++] = '.';
        for (i = 0; i < lab; i++) {
            c = rd[off + i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return -1;
            rec->host[out++] = (char)c;
        }
        off += lab;
    }
    if (off != len)
        return -1;
    rec->host[out] = '\0';
    return 0;
}

int
mx_vres_addr(int type, const unsigned char *rd, size_t len, int port,
             struct mx_addr *out)
{
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->sa;

    memset(out, 0, sizeof(*out));
    if (type == MX_RR_A && len == 4) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        memcpy(&s4->sin_addr, rd, 4);
        out->len = sizeof(*s4);
        inet_ntop(AF_INET, rd, out->text, sizeof(out->text));
        return 0;
    }
    if (type == MX_RR_AAAA && len == 16) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        memcpy(&s6->sin6_addr, rd, 16);
        out->len = sizeof(*s6);
        inet_ntop(AF_INET6, rd, out->text, sizeof(out->text));
        return 0;
    }
    return -1;
}

/* 0 when q has an answer to read (which may hold no record), else -1 with
 * err saying why not. */
static int
answer_usable(const struct mx_vresolver *r, const struct mx_vquery *q,
              struct mx_error *err)
{
    switch (q->status) {
    case MX_VRES_SECURE:
    case MX_VRES_INSECURE:
        if (!q->nxdomain)
            return 0;
        mx_error_set(err, MX_E_RESOLVE, "%s does not exist (NXDOMAIN from %s)",
                     q->name, r->server);
        return -1;
    case MX_VRES_BOGUS:
        mx_error_set(err, MX_E_RESOLVE, "the %s records of %s are bogus: %s",
                     type_name(q->type), q->name, q->why);
        return -1;
    default:
        /* libunbound says SERVFAIL also for what it could not use */
        mx_error_set(err, MX_E_RESOLVE,
                     "cannot resolve %s %s: no usable answer from %s (%s)",
                     q->name, type_name(q->type), r->server, q->why);
        return -1;
    }
}

int
mx_mx_read(const char *domain, unsigned char *const *rr, const size_t *len,
           size_t nrr, struct mx_mxrec *out, size_t cap, size_t *n,
           struct mx_error *err)
{
    struct mx_mxrec rec;
    size_t i, pos, dlen;

    *n = 0;
    if (cap == 0) {
        mx_error_set(err, MX_E_USAGE, "no room for MX records");
        return -1;
    }
    for (i = 0; i < nrr; i++) {
        if (mx_mx_rdata(rr[i], len[i], &rec) != 0 ||
            (rec.host[0] == '\0' && rec.pref != 0)) {
            mx_log(1, "DNS: MX of %s: a record that names no host is left out",
                   domain);
            continue;
        }
        if (rec.host[0] == '\0') {
            mx_error_set(err, MX_E_RESOLVE,
                         "domain %s accepts no mail (null MX, RFC 7505)",
                         domain);
            *n = 0;
            return -1;
        }
        /* after the records of lower or equal preference */
        for (pos = *n; pos > 0 && out[pos - 1].pref > rec.pref; pos--)
            ;
        if (pos == cap)
            continue;
        if (*n == cap)
            (*n)--;
        memmove(out + pos + 1, out + pos, (*n - pos) * sizeof(*out));
        out[pos] = rec;
        (*n)++;
    }
    if (*n == 0 && nrr > 0) {
        mx_error_set(err, MX_E_RESOLVE, "the MX records of %s name no host",
                     domain);
        return -1;
    }
    if (*n == 0) { /* RFC 5321 5.1: the implicit MX */
        dlen = strlen(domain);
        if (dlen > 1 && domain[dlen - 1] == '.')
            dlen--;
        snprintf(out[0].host, sizeof(out[0].host), "%.*s", (int)dlen, domain);
        out[0].pref = 0;
        *n = 1;
        mx_log(1, "DNS: %s has no MX record: the implicit MX is %s", domain,
               out[0].host);
    }
    return 0;
}

int
mx_vres_mx(struct mx_vresolver *r, const char *domain, struct mx_deadline dl,
           struct mx_mxrec *out, size_t cap, size_t *n, struct mx_error *err)
{
    struct mx_vquery q;
    int rc = -1;

    *n = 0;
    mx_vquery_set(&q, domain, MX_RR_MX);
    if (mx_vres_run(r, &q, 1, dl, err) == 0 && answer_usable(r, &q, err) == 0)
        rc = mx_mx_read(domain, q.rr, q.len, q.n, out, cap, n, err);
    mx_vquery_free(&q);
    return rc;
}

int
mx_vres_addrs(struct mx_vresolver *r, const char *host, int port,
              struct mx_deadline dl, struct mx_addr *out, size_t cap, size_t *n,
              struct mx_error *err)
{
    struct mx_vquery q[2]; /* AAAA, A */
    struct mx_error e[2];
    size_t i, j;
    int rc = -1, ok[2];

    *n = 0;
    mx_vquery_set(&q[0], host, MX_RR_AAAA);
    mx_vquery_set(&q[1], host, MX_RR_A);
    if (mx_vres_run(r, q, 2, dl, err) != 0)
        goto out;
    for (i = 0; i < 2; i++) {
        mx_error_clear(&e[i]);
        ok[i] = answer_usable(r, &q[i], &e[i]) == 0;
        for (j = 0; ok[i] && j < q[i].n && *n < cap; j++)
            if (mx_vres_addr(q[i].type, q[i].rr[j], q[i].len[j], port,
                             &out[*n]) == 0)
                (*n)++;
    }
    if (*n > 0) {
        for (i = 0; i < 2; i++)
            if (!ok[i])
                mx_log(1, "DNS: %s", e[i].msg);
        rc = 0;
    } else if (!ok[0] || !ok[1]) {
        *err = !ok[0] ? e[0] : e[1];
    } else {
        mx_error_set(err, MX_E_RESOLVE, "%s has no address", host);
    }
out:
    mx_vquery_free(&q[0]);
    mx_vquery_free(&q[1]);
    return rc;
}

int
mx_vres_server_parse(const char *s, char *out, size_t cap, struct mx_error *err)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *port = NULL, *close;
    size_t alen;
    long long pn = 53;
    struct in6_addr a6;
    struct in_addr a4;
    int n;

    if ((close = strchr(s, '@')) != NULL) { /* ADDR@PORT */
        alen = (size_t)(close - s);
        port = close + 1;
    } else if (s[0] == '[' && (close = strstr(s, "]:")) != NULL) {
        s++; /* [ADDR]:PORT */
        alen = (size_t)(close - s);
        port = close + 2;
    } else if (s[0] == '[' && (close = strchr(s, ']')) != NULL &&
               close[1] == '\0') {
        s++; /* [ADDR] */
        alen = (size_t)(close - s);
    } else if ((close = strchr(s, ':')) != NULL &&
               strchr(close + 1, ':') == NULL) {
        alen = (size_t)(close - s); /* IPv4:PORT */
        port = close + 1;
    } else {
        alen = strlen(s); /* ADDR */
    }
    if (alen == 0 || alen >= sizeof(addr)) {
        mx_error_set(err, MX_E_USAGE,
                     "--dns-server '%.100s': not an IPv4 or IPv6 address", s);
        return -1;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, &a4) != 1 &&
        inet_pton(AF_INET6, addr, &a6) != 1) {
        mx_error_set(err, MX_E_USAGE,
                     "--dns-server '%.100s': not an IPv4 or IPv6 address",
                     addr);
        return -1;
    }
    if (port != NULL && mx_strtonum(port, 1, 65535, &pn, NULL) != 0) {
        mx_error_set(err, MX_E_USAGE,
                     "--dns-server: port '%.20s' is not a number from 1 to "
                     "65535",
                     port);
        return -1;
    }
    n = snprintf(out, cap, "%s@%lld", addr, pn);
    if (n < 0 || (size_t)n >= cap) {
        mx_error_set(err, MX_E_USAGE, "--dns-server: too long");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- */
/* Confirmed PTR names (traffic.c: "from =" host names).             */

#define MX_RR_PTR 12

/* The reverse name of an address: d.c.b.a.in-addr.arpa or the 32
 * nibbles of ip6.arpa. 0, or -1 for a string that is no address. */
static int
reverse_name(const char *addr, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char a[16];
    size_t len = 0;
    int i;

    if (inet_pton(AF_INET, addr, a) == 1) {
        snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, a) != 1 || cap < 64 + 9)
        return -1;
    for (i = 15; i >= 0; i--) {
        out[len++] = hex[a[i] & 15];
        out[len++] = '.';
        out[len++] = hex[a[i] >> 4];
        out[len++] = '.';
    }
    snprintf(out + len, cap - len, "ip6.arpa");
    return 0;
}

/* A domain name in wire form (uncompressed, as libunbound gives rdata)
 * as text without the final dot, lower case. 0, or -1. */
static int
wire_name(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t at = 0, len = 0, l, i;

    while (at < n && p[at] != 0) {
        l = p[at++];
        if (l > 63 || at + l > n || len + l + 2 > cap)
            return -1;
        if (len > 0)
            out[len++] = '.';
        for (i = 0; i < l; i++) {
            unsigned char c = p[at + i];

            if (c <= ' ' || c >= 0x7f || c == '.')
                return -1;
            out[len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        at += l;
    }
    if (at >= n || len == 0)
        return -1;
    out[len] = '\0';
    return 0;
}

#define PTR_NAMES 4 /* PTR names tried per address */

/*
 * libunbound answers the reverse zones of private and loopback addresses
 * itself, empty (RFC 6303); PTR names of senders inside a network are
 * the local DNS's to give, so those zones are asked like any other. Only
 * possible before the first lookup of the validator; later, the defaults
 * stay (and such senders get no name).
 */
static void
ask_private_reverse(struct mx_vresolver *r)
{
    static const char *const zones[] = {
        "127.in-addr.arpa. transparent",
        "10.in-addr.arpa. transparent",
        "16.172.in-addr.arpa. transparent",
        "17.172.in-addr.arpa. transparent",
        "18.172.in-addr.arpa. transparent",
        "19.172.in-addr.arpa. transparent",
        "20.172.in-addr.arpa. transparent",
        "21.172.in-addr.arpa. transparent",
        "22.172.in-addr.arpa. transparent",
        "23.172.in-addr.arpa. transparent",
        "24.172.in-addr.arpa. transparent",
        "25.172.in-addr.arpa. transparent",
        "26.172.in-addr.arpa. transparent",
        "27.172.in-addr.arpa. transparent",
        "28.172.in-addr.arpa. transparent",
        "29.172.in-addr.arpa. transparent",
        "30.172.in-addr.arpa. transparent",
        "31.172.in-addr.arpa. transparent",
        "168.192.in-addr.arpa. transparent",
        "d.f.ip6.arpa. transparent",
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
         "ip6.arpa. transparent"),
    };
    size_t i;

    for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        (void)ub_ctx_set_option(r->ctx, "local-zone:", zones[i]);
}

int
mx_vres_confirmed_names(struct mx_vresolver *r, const char *const *addrs,
                        size_t n, char (*names)[256], struct mx_deadline dl,
                        struct mx_error *err)
{
    struct mx_vquery *ptr = NULL, *fwd = NULL;
    unsigned char bin[16];
    char rev[80], cand[256];
    size_t i, j, k, nf = 0;
    int family, rc = -1;

    for (i = 0; i < n; i++)
        names[i][0] = '\0';
    if (n == 0)
        return 0;
    ask_private_reverse(r);
    ptr = calloc(n, sizeof(*ptr));
    fwd = calloc(n * PTR_NAMES, sizeof(*fwd));
    if (ptr == NULL || fwd == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (reverse_name(addrs[i], rev, sizeof(rev)) != 0)
            rev[0] = '\0';
        mx_vquery_set(&ptr[i], rev[0] ? rev : "invalid.", MX_RR_PTR);
    }
    if (mx_vres_run(r, ptr, n, dl, err) != 0)
        goto out;
    /* forward lookups of each PTR name, of the address's family */
    for (i = 0; i < n; i++) {
        if (ptr[i].status != MX_VRES_SECURE &&
            ptr[i].status != MX_VRES_INSECURE)
            continue;
        family = strchr(addrs[i], ':') != NULL ? AF_INET6 : AF_INET;
        for (k = 0; k < ptr[i].n && k < PTR_NAMES; k++) {
            if (wire_name(ptr[i].rr[k], ptr[i].len[k], cand, sizeof(cand)) != 0)
                continue;
            mx_vquery_set(&fwd[nf], cand,
                          family == AF_INET6 ? MX_RR_AAAA : MX_RR_A);
            fwd[nf].rcode = (int)i; /* which address, until answered */
            nf++;
        }
    }
    if (nf > 0) {
        int *owner = calloc(nf, sizeof(*owner));

        if (owner == NULL) {
            mx_error_set(err, MX_E_INTERNAL, "out of memory");
            goto out;
        }
        for (j = 0; j < nf; j++)
            owner[j] = fwd[j].rcode;
        if (mx_vres_run(r, fwd, nf, dl, err) != 0) {
            free(owner);
            goto out;
        }
        for (j = 0; j < nf; j++) {
            i = (size_t)owner[j];
            if (names[i][0] != '\0' || (fwd[j].status != MX_VRES_SECURE &&
                                        fwd[j].status != MX_VRES_INSECURE))
                continue;
            family = fwd[j].type == MX_RR_AAAA ? AF_INET6 : AF_INET;
            if (inet_pton(family, addrs[i], bin) != 1)
                continue;
            for (k = 0; k < fwd[j].n; k++)
                if (fwd[j].len[k] == (family == AF_INET6 ? 16u : 4u) &&
                    memcmp(fwd[j].rr[k], bin, fwd[j].len[k]) == 0) {
                    snprintf(names[i], 256, "%s", fwd[j].name);
                    break;
                }
        }
        free(owner);
    }
    rc = 0;
out:
    if (ptr != NULL)
        for (i = 0; i < n; i++)
            mx_vquery_free(&ptr[i]);
    if (fwd != NULL)
        for (j = 0; j < nf; j++)
            mx_vquery_free(&fwd[j]);
    free(ptr);
    free(fwd);
    return rc;
}
