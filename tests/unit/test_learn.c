/*
 * test_learn.c - what learning a peer reads without a DNS server: the
 * data of MX, A and AAAA records as libunbound hands it (mx_mx_rdata,
 * mx_vres_addr in resolve.c), and the mx strings and DNS servers that
 * mx_learn refuses before it asks anything. The lookups themselves are
 * tested against Knot DNS and a hostile responder in
 * tests/integration/learn.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "err.h"
#include "learn.h"
#include "net.h"
#include "profile.h"
#include "resolve.h"
#include "tap.h"

/* An MX rdata: pref, then the labels of dotted (no final dot). */
static size_t
mx_rdata(unsigned pref, const char *dotted, unsigned char *out)
{
    size_t n = 2, lab;
    const char *p = dotted, *dot;

    out[0] = (unsigned char)(pref >> 8);
    out[1] = (unsigned char)pref;
    while (*p != '\0') {
        dot = strchr(p, '.');
        lab = dot != NULL ? (size_t)(dot - p) : strlen(p);
        out[n++] = (unsigned char)lab;
        memcpy(out + n, p, lab);
        n += lab;
        p += lab + (dot != NULL);
    }
    out[n++] = 0;
    return n;
}

static void
test_mx_rdata(void)
{
    unsigned char rd[600];
    struct mx_mxrec rec;
    char name[300];
    size_t n;

    n = mx_rdata(10, "mx01.Bank.test", rd);
    tap_ok(mx_mx_rdata(rd, n, &rec) == 0 && rec.pref == 10 &&
               strcmp(rec.host, "mx01.Bank.test") == 0,
           "MX rdata: preference and host, case kept");
    n = mx_rdata(65535, "_a-b.x", rd);
    tap_ok(mx_mx_rdata(rd, n, &rec) == 0 && rec.pref == 65535 &&
               strcmp(rec.host, "_a-b.x") == 0,
           "MX rdata: preference 65535, '_' and '-' in a label");
    n = mx_rdata(0, "", rd);
    tap_ok(mx_mx_rdata(rd, n, &rec) == 0 && rec.pref == 0 && rec.host[0] == 0,
           "MX rdata: the root (null MX) is host \"\"");
    tap_is_int(mx_mx_rdata(rd, 2, &rec), -1, "MX rdata: no exchange");
    n = mx_rdata(5, "mx.test", rd);
    tap_is_int(mx_mx_rdata(rd, n - 1, &rec), -1, "MX rdata: no root label");
    tap_is_int(mx_mx_rdata(rd, n - 3, &rec), -1, "MX rdata: a label cut");
    rd[n] = 0;
    tap_is_int(mx_mx_rdata(rd, n + 1, &rec), -1, "MX rdata: bytes after it");
    /* a compression pointer: libunbound hands names uncompressed */
    rd[2] = 0xC0;
    rd[3] = 0x02;
    tap_is_int(mx_mx_rdata(rd, 4, &rec), -1, "MX rdata: a pointer");
    n = mx_rdata(5, "a b.test", rd);
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1, "MX rdata: a space");
    n = mx_rdata(5, "a*.test", rd);
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1, "MX rdata: '*'");
    n = mx_rdata(5, "x.test", rd);
    rd[3] = 0xE9; /* a byte that is no ASCII letter */
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1, "MX rdata: not ASCII");
    n = mx_rdata(5, "x.test", rd);
    rd[3] = '.'; /* a dot inside a label */
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1, "MX rdata: '.' in a label");
    memset(name, 'a', 64);
    name[64] = '\0';
    n = mx_rdata(5, name, rd);
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1, "MX rdata: a label of 64");
    name[63] = '\0';
    n = mx_rdata(5, name, rd);
    tap_ok(mx_mx_rdata(rd, n, &rec) == 0 && strlen(rec.host) == 63,
           "MX rdata: a label of 63");
    /* 63.63.63.61 = 253 characters: the longest host name */
    memset(name, 'a', 253);
    name[63] = name[127] = name[191] = '.';
    name[253] = '\0';
    n = mx_rdata(5, name, rd);
    tap_ok(mx_mx_rdata(rd, n, &rec) == 0 && strcmp(rec.host, name) == 0,
           "MX rdata: a name of 253 characters");
    name[253] = 'a';
    name[254] = '\0';
    n = mx_rdata(5, name, rd);
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1,
               "MX rdata: a name of 254 characters");
    n = mx_rdata(5, "x..test", rd);
    tap_is_int(mx_mx_rdata(rd, n, &rec), -1,
               "MX rdata: an empty label ends the name early");
}

/* mx_mx_read over the MX records "PREF HOST,PREF HOST,..." ("." for the
 * root); the hosts found, "pref host" joined by ", ", or "error: msg". */
static const char *
read_mx(const char *recs, size_t cap, char *out, size_t outcap)
{
    static unsigned char buf[16][300];
    unsigned char *rr[16];
    size_t len[16], nrr = 0, n, i, used = 0;
    struct mx_mxrec mx[16];
    struct mx_error err;
    char host[256];
    unsigned pref;
    const char *p = recs;
    int k;

    while (*p != '\0' && nrr < 16) {
        if (sscanf(p, "%u %255[^,]%n", &pref, host, &k) != 2)
            break;
        len[nrr] = mx_rdata(pref, strcmp(host, ".") == 0 ? "" : host, buf[nrr]);
        rr[nrr] = buf[nrr];
        nrr++;
        p += k;
        if (*p == ',')
            p++;
    }
    mx_error_clear(&err);
    if (mx_mx_read("dom.test.", rr, len, nrr, mx, cap, &n, &err) != 0) {
        snprintf(out, outcap, "error: %s", err.msg);
        return out;
    }
    out[0] = '\0';
    for (i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, outcap - used, "%s%u %s",
                                 i > 0 ? ", " : "", mx[i].pref, mx[i].host);
    return out;
}

static void
test_mx_read(void)
{
    char out[600];

    tap_is_str(read_mx("20 b.test,10 a.test,30 c.test,10 a2.test", 16, out,
                       sizeof(out)),
               "10 a.test, 10 a2.test, 20 b.test, 30 c.test",
               "MX: by preference, equal ones in the order of the answer");
    tap_is_str(read_mx("20 b.test,10 a.test,30 c.test,10 a2.test", 2, out,
                       sizeof(out)),
               "10 a.test, 10 a2.test", "MX: the cap lowest kept");
    tap_is_str(
        read_mx("5 one.test,5 two.test,5 three.test", 2, out, sizeof(out)),
        "5 one.test, 5 two.test",
        "MX: equal preferences over the cap: the first ones");
    tap_is_str(read_mx("", 16, out, sizeof(out)), "0 dom.test",
               "MX: none, the implicit MX (the domain, no final dot)");
    tap_is_str(read_mx("0 .", 16, out, sizeof(out)),
               "error: domain dom.test. accepts no mail (null MX, RFC 7505)",
               "MX: null MX refused");
    tap_is_str(read_mx("10 a.test,0 .", 16, out, sizeof(out)),
               "error: domain dom.test. accepts no mail (null MX, RFC 7505)",
               "MX: null MX beside another record: refused");
    tap_is_str(read_mx("10 .,20 b.test", 16, out, sizeof(out)), "20 b.test",
               "MX: a root exchange with a preference is left out");
    tap_is_str(read_mx("10 bad name,20 a*b", 16, out, sizeof(out)),
               "error: the MX records of dom.test. name no host",
               "MX: records that name no host are no implicit MX");
}

static void
test_addr(void)
{
    static const unsigned char v4[4] = {192, 0, 2, 7};
    unsigned char v6[16];
    struct mx_addr a;
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a.sa;
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a.sa;

    inet_pton(AF_INET6, "2001:db8::25", v6);
    tap_ok(mx_vres_addr(MX_RR_A, v4, 4, 2525, &a) == 0 &&
               strcmp(a.text, "192.0.2.7") == 0 && s4->sin_family == AF_INET &&
               ntohs(s4->sin_port) == 2525 && a.len == sizeof(*s4),
           "A rdata: the address, with the port");
    tap_ok(mx_vres_addr(MX_RR_AAAA, v6, 16, 25, &a) == 0 &&
               strcmp(a.text, "2001:db8::25") == 0 &&
               s6->sin6_family == AF_INET6 && ntohs(s6->sin6_port) == 25 &&
               a.len == sizeof(*s6),
           "AAAA rdata: the address, with the port");
    tap_is_int(mx_vres_addr(MX_RR_A, v6, 16, 25, &a), -1,
               "A rdata of 16 bytes: refused");
    tap_is_int(mx_vres_addr(MX_RR_AAAA, v4, 4, 25, &a), -1,
               "AAAA rdata of 4 bytes: refused");
    tap_is_int(mx_vres_addr(MX_RR_MX, v4, 4, 25, &a), -1,
               "another type: refused");
}

/* mx_learn's answer for mx with server; the error code. */
static enum mx_err
learn(const char *mx, const char *server, struct mx_error *err)
{
    static struct mx_profile p;

    mx_error_clear(err);
    if (mx_learn("t", mx, server, mx_deadline_in(5), 2, &p, err) == 0)
        return MX_E_OK;
    return err->code;
}

static void
test_refused(void)
{
    static const char *const bad[] = {
        "bank.test:0", "bank.test:65536", "bank.test:x",
        "::1:12345",   "[bank.test",      "[bank.test]x",
        "bad name",    "a..test",         "",
        ":25",
    };
    struct mx_error err;
    char what[80];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(what, sizeof(what), "mx '%s': USAGE", bad[i]);
        tap_is_int(learn(bad[i], NULL, &err), MX_E_USAGE, what);
    }
    tap_is_int(learn("bank.test", "not-an-address", &err), MX_E_USAGE,
               "a DNS server that is no address: USAGE");
    tap_ok(strstr(err.msg, "not-an-address") != NULL,
           "a DNS server that is no address: named");
    /* an address needs no DNS: the server is not even read */
    tap_is_int(learn("[127.0.0.1]:1", "not-an-address", &err), MX_E_CONNECT,
               "an address literal with a bad DNS server: no lookup");
}

/* --dns-server, one parser for both plugins. */
static void
server_forms(void)
{
    static const struct {
        const char *in, *want; /* want NULL: refused */
    } v[] = {
        {"127.0.0.1", "127.0.0.1@53"},
        {"127.0.0.1@5353", "127.0.0.1@5353"},
        {"127.0.0.1:5353", "127.0.0.1@5353"},
        {"::1", "::1@53"},
        {"[::1]", "::1@53"},
        {"[::1]:5353", "::1@5353"},
        {"::1@5353", "::1@5353"},
        {"127.0.0.1@99999", NULL},
        {"127.0.0.1@0", NULL},
        {"127.0.0.1@", NULL},
        {"127.0.0.1:5x", NULL},
        {"ns.example.test", NULL},
        {"", NULL},
        {"[::1", NULL},
    };
    char out[80], name[800];
    struct mx_error err;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        rc = mx_vres_server_parse(v[i].in, out, sizeof(out), &err);
        snprintf(name, sizeof(name), "--dns-server '%s': %s (%s)", v[i].in,
                 v[i].want != NULL ? v[i].want : "refused",
                 rc == 0 ? out : err.msg);
        if (v[i].want != NULL)
            tap_ok(rc == 0 && strcmp(out, v[i].want) == 0, name);
        else
            tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                       strstr(err.msg, "--dns-server") != NULL,
                   name);
    }
    tap_ok(mx_vres_server_parse("127.0.0.1@53", out, 8, &err) == -1,
           "--dns-server longer than the buffer refused");
}

int
main(void)
{
    test_mx_rdata();
    test_mx_read();
    test_addr();
    test_refused();
    server_forms();
    return tap_done();
}
