/*
 * test_dns.c - mx_dns_mx(), mx_dns_addrs() and mx_dns_resolv_conf()
 * against tests/fixture/dnsfixture on loopback.
 *
 * The fixture is $MXTLS_BUILDDIR/tests/fixture/dnsfixture (MXTLS_BUILDDIR
 * defaults to "."); it serves a zone written to a temporary directory.
 * IPv6 checks are skipped ("# SKIP") when ::1 cannot be bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

static char tmpdir[64];
static char server4[64], server4b[64], server6[64];
static pid_t fixture_pid = -1;

static const char zone_text[] = "# the zone of test_dns\n"
                                "multi.test MX 20 mx-b.multi.test\n"
                                "multi.test MX 10 mx-a.multi.test\n"
                                "multi.test MX 30 mx-c.multi.test\n"
                                "multi.test MX 10 mx-a2.multi.test\n"
                                "equal.test MX 5 one.equal.test\n"
                                "equal.test MX 5 two.equal.test\n"
                                "equal.test MX 5 three.equal.test\n"
                                "alias.test CNAME multi.test\n"
                                "c1.test CNAME c2.test\n"
                                "c2.test CNAME c3.test\n"
                                "c3.test CNAME c4.test\n"
                                "c4.test CNAME c5.test\n"
                                "c5.test CNAME c6.test\n"
                                "c6.test CNAME c7.test\n"
                                "c7.test CNAME c8.test\n"
                                "c8.test CNAME c9.test\n"
                                "c9.test MX 1 end.test\n"
                                "c0.test CNAME c1.test\n"
                                "a.cloop.test CNAME b.cloop.test\n"
                                "b.cloop.test CNAME a.cloop.test\n"
                                "nomx.test A 192.0.2.1\n"
                                "null.test NULLMX\n"
                                "nx.test NXDOMAIN\n"
                                "fail.test SERVFAIL\n"
                                "tc.test TRUNCATE\n"
                                "tc.test MX 7 mx.tc.test\n"
                                "silent.test SILENT\n"
                                "garbage.test GARBAGE\n"
                                "badid.test BADID\n"
                                "badid.test MX 1 mx.badid.test\n"
                                "loop.test LOOP\n"
                                "host.test A 192.0.2.10\n"
                                "host.test AAAA 2001:db8::10\n"
                                "host.test A 192.0.2.11\n"
                                "hostc.test CNAME host.test\n";

static int
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int
have_ipv6_loopback(void)
{
    struct sockaddr_in6 s6;
    int fd = socket(AF_INET6, SOCK_DGRAM, 0), ok;

    if (fd < 0)
        return 0;
    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    s6.sin6_addr = in6addr_loopback;
    ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
    close(fd);
    return ok;
}

/* Run the fixture with extra arguments and return its exit status. */
static int
fixture_status(const char *fixture, char *const extra[])
{
    char *argv[8];
    int st, i;
    pid_t pid;

    argv[0] = (char *)fixture;
    for (i = 0; extra[i] != NULL && i < 6; i++)
        argv[i + 1] = extra[i];
    argv[i + 1] = NULL;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(126);
        execv(fixture, argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* Start the fixture; the port, or -1. */
static int
start_fixture(const char *fixture, const char *zone, int v6)
{
    char port_file[128], buf[16];
    FILE *f;
    int i, port = -1;

    snprintf(port_file, sizeof(port_file), "%s/port", tmpdir);
    fflush(stdout);
    fixture_pid = fork();
    if (fixture_pid == 0) {
        if (v6)
            execl(fixture, fixture, "--zone", zone, "--listen", "127.0.0.1",
                  "--listen", "::1", "--port-file", port_file, (char *)NULL);
        else
            execl(fixture, fixture, "--zone", zone, "--port-file", port_file,
                  (char *)NULL);
        _exit(127);
    }
    if (fixture_pid < 0)
        return -1;
    for (i = 0; i < 250 && port < 0; i++) {
        f = fopen(port_file, "r");
        if (f != NULL) {
            if (fgets(buf, sizeof(buf), f) != NULL) {
                char *end;
                long v = strtol(buf, &end, 10);

                if (end != buf && *end == '\n' && v > 0 && v < 65536)
                    port = (int)v;
            }
            fclose(f);
        }
        if (port < 0)
            sleep_ms(20);
    }
    return port;
}

static int
stop_fixture(void)
{
    int st;

    if (fixture_pid <= 0)
        return -1;
    kill(fixture_pid, SIGTERM);
    if (waitpid(fixture_pid, &st, 0) != fixture_pid)
        return -1;
    fixture_pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
skip(const char *name, const char *why)
{
    tap_n++;
    printf("ok %d - %s # SKIP %s\n", tap_n, name, why);
}

/* mx_dns_mx with the IPv4 server and a deadline of secs. */
static int
mx(const char *domain, double secs, struct mx_mxrec *out, size_t cap, size_t *n,
   struct mx_error *err)
{
    mx_error_clear(err);
    return mx_dns_mx(domain, server4, mx_deadline_in(secs), out, cap, n, err);
}

/* "pref host, pref host" of a result, for comparisons. */
static const char *
list(const struct mx_mxrec *r, size_t n)
{
    static char buf[1024];
    size_t len = 0, i;

    buf[0] = '\0';
    for (i = 0; i < n && len < sizeof(buf); i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u %s",
                                i > 0 ? ", " : "", r[i].pref, r[i].host);
    return buf;
}

static void
check_err(int rc, const struct mx_error *err, enum mx_err code,
          const char *needle, const char *name)
{
    char what[256];

    snprintf(what, sizeof(what), "%s: rc -1", name);
    tap_is_int(rc, -1, what);
    snprintf(what, sizeof(what), "%s: %s", name, mx_err_name(code));
    tap_is_str(mx_err_name(err->code), mx_err_name(code), what);
    if (needle != NULL) {
        snprintf(what, sizeof(what), "%s: message names '%s'", name, needle);
        if (!tap_ok(strstr(err->msg, needle) != NULL, what))
            printf("#   message: %s\n", err->msg);
    }
}

static void
test_mx(void)
{
    struct mx_mxrec r[16];
    struct mx_error err;
    size_t n;
    int rc;

    rc = mx("multi.test", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "several MX: rc 0");
    tap_is_str(list(r, n),
               "10 mx-a.multi.test, 10 mx-a2.multi.test, 20 mx-b.multi.test, "
               "30 mx-c.multi.test",
               "several MX: sorted by preference, ties in answer order");

    rc = mx("equal.test", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "equal preferences: rc 0");
    tap_is_str(list(r, n),
               "5 one.equal.test, 5 two.equal.test, 5 "
               "three.equal.test",
               "equal preferences keep their order");

    rc = mx("multi.test", 5, r, 2, &n, &err);
    tap_is_int(rc, 0, "cap 2: rc 0");
    tap_is_str(list(r, n), "10 mx-a.multi.test, 10 mx-a2.multi.test",
               "cap 2: the two of lowest preference");

    rc = mx("MULTI.Test.", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "name in other case, final dot: rc 0");
    tap_is_int((long long)n, 4, "name in other case, final dot: 4 MX");

    rc = mx("alias.test", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "CNAME to the MX owner: rc 0");
    tap_is_str(list(r, n),
               "10 mx-a.multi.test, 10 mx-a2.multi.test, 20 mx-b.multi.test, "
               "30 mx-c.multi.test",
               "CNAME to the MX owner: its MX");

    rc = mx("c1.test", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "a chain of 8 CNAMEs: rc 0");
    tap_is_str(list(r, n), "1 end.test", "a chain of 8 CNAMEs: the MX");
    rc = mx("c0.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "CNAME", "a chain of 9 CNAMEs");
    rc = mx("a.cloop.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "CNAME", "a CNAME loop");

    rc = mx("nomx.test", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "no MX: rc 0");
    tap_is_str(list(r, n), "0 nomx.test", "no MX: the implicit MX");
    rc = mx("nomx.test.", 5, r, 16, &n, &err);
    tap_is_str(list(r, n), "0 nomx.test",
               "no MX, final dot: the implicit MX without it");

    rc = mx("null.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE,
              "domain null.test accepts no mail (null MX, RFC 7505)",
              "null MX");
    tap_is_int((long long)n, 0, "null MX: no records");

    rc = mx("nx.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "NXDOMAIN", "NXDOMAIN");
    rc = mx("unknown.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "NXDOMAIN", "a name not in the zone");
    rc = mx("fail.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "SERVFAIL", "SERVFAIL");

    rc = mx("tc.test", 5, r, 16, &n, &err);
    tap_is_int(rc, 0, "truncated over UDP: rc 0");
    tap_is_str(list(r, n), "7 mx.tc.test", "truncated: the answer over TCP");

    rc = mx("silent.test", 0.5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_TIMEOUT, NULL, "no answer");
    rc = mx("badid.test", 0.5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_TIMEOUT, NULL, "a wrong ID is ignored");
    rc = mx("garbage.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "malformed", "a malformed answer");
    tap_ok(strstr(err.msg, "past the end") != NULL,
           "a malformed answer: a record past the end");
    rc = mx("loop.test", 5, r, 16, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "malformed", "a compression loop");
    tap_ok(strstr(err.msg, "compression pointer") != NULL,
           "a compression loop: said so");
}

static void
test_servers(int v6)
{
    static const char *const bad[] = {
        "",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:",
        "127.0.0.1:x",
        "[::1",
        "[::1]x",
        "[]:53",
        "example.org",
        "[example.org]:53",
        "1.2.3.4.5",
    };
    static const char *const bad_domains[] = {
        "",
        ".",
        "a..b",
        "bad name.test",
        "x_\x01.test",
        /* a label of 64 octets */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.t",
    };
    struct mx_mxrec r[4];
    struct mx_error err;
    char name[300];
    size_t n, i;
    int rc;

    mx_error_clear(&err);
    rc = mx_dns_mx("multi.test", server4b, mx_deadline_in(5), r, 4, &n, &err);
    tap_ok(rc == 0 && n == 4, "server as [127.0.0.1]:PORT");
    if (v6) {
        rc =
            mx_dns_mx("multi.test", server6, mx_deadline_in(5), r, 4, &n, &err);
        tap_ok(rc == 0 && n == 4, "server as [::1]:PORT");
        rc = mx_dns_mx("tc.test", server6, mx_deadline_in(5), r, 4, &n, &err);
        tap_ok(rc == 0 && n == 1, "TCP fallback over IPv6");
    } else {
        skip("server as [::1]:PORT", "no IPv6 loopback");
        skip("TCP fallback over IPv6", "no IPv6 loopback");
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mx_error_clear(&err);
        rc = mx_dns_mx("multi.test", bad[i], mx_deadline_in(1), r, 4, &n, &err);
        snprintf(name, sizeof(name), "bad server '%s' is USAGE", bad[i]);
        tap_ok(rc == -1 && err.code == MX_E_USAGE, name);
    }
    memset(name, 'a', sizeof(name));
    for (i = 63; i < 4 * 64; i += 64)
        name[i] = '.';
    name[4 * 64 - 1] = '\0'; /* four labels of 63: 255 characters */
    mx_error_clear(&err);
    rc = mx_dns_mx(name, server4, mx_deadline_in(1), r, 4, &n, &err);
    tap_ok(rc == -1 && err.code == MX_E_USAGE, "a name of 255 characters");
    name[3 * 64 + 61] = '\0'; /* 253: NXDOMAIN from the fixture */
    mx_error_clear(&err);
    rc = mx_dns_mx(name, server4, mx_deadline_in(5), r, 4, &n, &err);
    tap_ok(rc == -1 && err.code == MX_E_RESOLVE, "a name of 253 characters");
    for (i = 0; i < sizeof(bad_domains) / sizeof(bad_domains[0]); i++) {
        mx_error_clear(&err);
        rc = mx_dns_mx(bad_domains[i], server4, mx_deadline_in(1), r, 4, &n,
                       &err);
        snprintf(name, sizeof(name), "bad domain #%zu is USAGE", i);
        tap_ok(rc == -1 && err.code == MX_E_USAGE, name);
    }
}

/* A loopback UDP port nobody listens on (ICMP port unreachable). */
static void
test_unreachable(void)
{
    struct sockaddr_in s4;
    socklen_t sl = sizeof(s4);
    struct mx_mxrec r[4];
    struct mx_error err;
    char srv[64];
    size_t n;
    int fd, rc;

    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&s4, sizeof(s4)) != 0 ||
        getsockname(fd, (struct sockaddr *)&s4, &sl) != 0) {
        skip("a closed port fails fast", "no UDP socket");
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    snprintf(srv, sizeof(srv), "127.0.0.1:%u", ntohs(s4.sin_port));
    mx_error_clear(&err);
    rc = mx_dns_mx("multi.test", srv, mx_deadline_in(5), r, 4, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "refused", "a closed port");
}

static void
test_addrs(void)
{
    struct mx_addr a[8];
    struct mx_error err;
    size_t n;
    int rc;

    mx_error_clear(&err);
    rc = mx_dns_addrs("host.test", 2525, AF_UNSPEC, server4, mx_deadline_in(5),
                      a, 8, &n, &err);
    tap_is_int(rc, 0, "addresses: rc 0");
    tap_is_int((long long)n, 3, "addresses: AAAA and A");
    if (n == 3) {
        tap_is_str(a[0].text, "2001:db8::10", "addresses: AAAA first");
        tap_is_str(a[1].text, "192.0.2.10", "addresses: then A");
        tap_is_str(a[2].text, "192.0.2.11", "addresses: in answer order");
        tap_is_int(ntohs(((struct sockaddr_in *)(void *)&a[1].sa)->sin_port),
                   2525, "addresses: with the port");
        tap_is_int(ntohs(((struct sockaddr_in6 *)(void *)&a[0].sa)->sin6_port),
                   2525, "addresses: with the port (IPv6)");
    }
    rc = mx_dns_addrs("host.test", 25, AF_INET, server4, mx_deadline_in(5), a,
                      8, &n, &err);
    tap_ok(rc == 0 && n == 2, "addresses: AF_INET asks for A only");
    rc = mx_dns_addrs("hostc.test", 25, AF_INET6, server4, mx_deadline_in(5), a,
                      8, &n, &err);
    tap_ok(rc == 0 && n == 1 && strcmp(a[0].text, "2001:db8::10") == 0,
           "addresses: through a CNAME");
    rc = mx_dns_addrs("host.test", 25, AF_UNSPEC, server4, mx_deadline_in(5), a,
                      2, &n, &err);
    tap_ok(rc == 0 && n == 2, "addresses: at most cap");
    mx_error_clear(&err);
    rc = mx_dns_addrs("nowhere.test", 25, AF_UNSPEC, server4, mx_deadline_in(5),
                      a, 8, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "NXDOMAIN", "addresses of no name");
    mx_error_clear(&err);
    rc = mx_dns_addrs("multi.test", 25, AF_UNSPEC, server4, mx_deadline_in(5),
                      a, 8, &n, &err);
    check_err(rc, &err, MX_E_RESOLVE, "no address", "a name without address");
    rc = mx_dns_addrs("192.0.2.99", 25, AF_UNSPEC, "[::1", mx_deadline_in(5), a,
                      8, &n, &err);
    tap_ok(rc == 0 && n == 1 && strcmp(a[0].text, "192.0.2.99") == 0,
           "addresses: a literal needs no DNS");
}

static size_t
conf(const char *text, char out[][MX_DNS_ADDRLEN], size_t cap)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/resolv.conf", tmpdir);
    if (text == NULL) {
        unlink(path);
    } else if (write_file(path, text) != 0) {
        return 0;
    }
    return mx_dns_resolv_conf(path, out, cap);
}

static void
test_resolv_conf(void)
{
    char out[8][MX_DNS_ADDRLEN], longline[2100];
    size_t n;

    n = conf("# comment\n"
             "; another\n"
             "search example.org\n"
             "nameserver 192.0.2.1\n"
             "options ndots:2 timeout:1\n"
             "nameserver 2001:db8::1\n"
             "nameserver   192.0.2.3   # after it\n"
             "nameserver 192.0.2.4\n",
             out, 8);
    tap_is_int((long long)n, 3, "resolv.conf: at most 3 nameservers");
    if (n == 3) {
        tap_is_str(out[0], "192.0.2.1", "resolv.conf: first");
        tap_is_str(out[1], "2001:db8::1", "resolv.conf: IPv6");
        tap_is_str(out[2], "192.0.2.3", "resolv.conf: blanks and rest");
    }
    n = conf("nameserver 192.0.2.1\nnameserver 192.0.2.2\n", out, 1);
    tap_ok(n == 1 && strcmp(out[0], "192.0.2.1") == 0, "resolv.conf: cap 1");
    n = conf(" nameserver 192.0.2.9\n"
             "nameserver\n"
             "nameserver bogus.example\n"
             "nameserverx 192.0.2.8\n"
             "#nameserver 192.0.2.7\n"
             "nameserver 192.0.2.300\n",
             out, 8);
    tap_ok(n == 1 && strcmp(out[0], "127.0.0.1") == 0,
           "resolv.conf: no valid nameserver line: 127.0.0.1");
    n = conf("", out, 8);
    tap_ok(n == 1 && strcmp(out[0], "127.0.0.1") == 0,
           "resolv.conf: empty file: 127.0.0.1");
    n = conf(NULL, out, 8);
    tap_ok(n == 1 && strcmp(out[0], "127.0.0.1") == 0,
           "resolv.conf: no file: 127.0.0.1");
    n = conf("nameserver\t192.0.2.5\r\nnameserver fe80::1%lo\n", out, 8);
    tap_ok(n == 2 && strcmp(out[0], "192.0.2.5") == 0 &&
               strcmp(out[1], "fe80::1%lo") == 0,
           "resolv.conf: tab, CR LF, scope id");
    memset(longline, 'x', sizeof(longline));
    memcpy(longline, "nameserver 192.0.2.1 ", 21);
    memcpy(longline + sizeof(longline) - 24, "\nnameserver 192.0.2.6\n", 23);
    n = conf(longline, out, 8);
    tap_ok(n == 1 && strcmp(out[0], "192.0.2.6") == 0,
           "resolv.conf: an overlong line is skipped whole");
    tap_is_int((long long)conf("nameserver 192.0.2.1\n", out, 0), 0,
               "resolv.conf: cap 0");
}

static void
test_fixture_usage(const char *fixture, const char *zone)
{
    char badzone[128];
    char *no_zone[] = {NULL};
    char *bad_port[] = {"--zone", (char *)zone, "--port", "70000", NULL};
    char *not_lo[] = {"--zone", (char *)zone, "--listen", "192.0.2.1", NULL};
    char *bad_z[] = {"--zone", badzone, NULL};

    snprintf(badzone, sizeof(badzone), "%s/bad.zone", tmpdir);
    write_file(badzone, "x.test MX ten mx.x.test\n");
    tap_is_int(fixture_status(fixture, no_zone), 2, "fixture: no --zone: 2");
    tap_is_int(fixture_status(fixture, bad_port), 2, "fixture: bad port: 2");
    tap_is_int(fixture_status(fixture, not_lo), 2, "fixture: not loopback: 2");
    tap_is_int(fixture_status(fixture, bad_z), 2, "fixture: bad zone: 2");
    unlink(badzone);
}

/* A reply to "x.test MX" (ID 0x1234) with one MX record whose exchange
 * is the n bytes of wire name given; returns the message length. */
static size_t
mx_reply(uint8_t *m, const uint8_t *exch, size_t n)
{
    static const uint8_t head[] = {
        0x12, 0x34, 0x81, 0x80, 0,   1,   0,   1, 0, 0,  0, 0, /* header */
        1,    'x',  4,    't',  'e', 's', 't', 0, 0, 15, 0, 1, /* question */
        0xC0, 12,   0,    15,   0,   1,   0,   0, 1, 0, /* owner .. TTL */
    };
    size_t len = sizeof(head);

    memcpy(m, head, len);
    m[len++] = (uint8_t)((n + 2) >> 8);
    m[len++] = (uint8_t)(n + 2);
    m[len++] = 0;
    m[len++] = 10; /* preference */
    memcpy(m + len, exch, n);
    return len + n;
}

/* The reply parser without a network: each fault named for what it is. */
static void
test_parse(void)
{
    uint8_t m[1024], name[400];
    struct mx_mxrec r[4];
    struct mx_error err;
    size_t n, len, i;
    int rc;

    memcpy(name, "\2mx\1x\4test\0", 11);
    len = mx_reply(m, name, 11);
    rc = mx_dns_parse_mx(m, len, 0x1234, "x.test", r, 4, &n, &err);
    tap_ok(rc == 0 && n == 1 && strcmp(r[0].host, "mx.x.test") == 0 &&
               r[0].pref == 10,
           "parse: a well-formed MX answer");

    /* the exchange at offset 38: "a", then a pointer back to 38 (a loop) */
    len = mx_reply(m, (const uint8_t *)"\1a\xC0\x26", 4);
    rc = mx_dns_parse_mx(m, len, 0x1234, "x.test", r, 4, &n, &err);
    tap_ok(rc == -1 && err.code == MX_E_RESOLVE &&
               strstr(err.msg, "compression pointer") != NULL &&
               strstr(err.msg, "does not match its type") == NULL,
           "parse: a compression loop in the MX exchange is named as one");
    printf("#   %s\n", err.msg);

    /* the exchange: five labels of 63 octets (321 octets) */
    for (i = 0, len = 0; i < 5; i++) {
        name[len++] = 63;
        memset(name + len, 'a', 63);
        len += 63;
    }
    name[len++] = 0;
    len = mx_reply(m, name, len);
    rc = mx_dns_parse_mx(m, len, 0x1234, "x.test", r, 4, &n, &err);
    tap_ok(rc == -1 && err.code == MX_E_RESOLVE &&
               strstr(err.msg, "longer than 255 octets") != NULL &&
               strstr(err.msg, "does not match its type") == NULL,
           "parse: an MX exchange over 255 octets is named as such");
    printf("#   %s\n", err.msg);

    /* an exchange that ends before its RDATA does */
    len = mx_reply(m, (const uint8_t *)"\1a\0\0", 4);
    rc = mx_dns_parse_mx(m, len, 0x1234, "x.test", r, 4, &n, &err);
    tap_ok(rc == -1 && strstr(err.msg, "does not match its type") != NULL,
           "parse: RDATA longer than its name still 'does not match'");

    /* not ours, and A records */
    m[1] = 0x35;
    rc = mx_dns_parse_mx(m, len, 0x1234, "x.test", r, 4, &n, &err);
    tap_ok(rc == -1 && strstr(err.msg, "not the answer") != NULL,
           "parse: another ID is not the answer");
    {
        static const uint8_t a[] = {
            0xAB, 0xCD, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'h', 0, 0, 1, 0,
            1,    0xC0, 12,   0,    1, 0, 1, 0, 0, 0, 9, 0, 4, 192, 0, 2, 7,
        };
        struct mx_addr ad[2];

        rc = mx_dns_parse_addrs(a, sizeof(a), 0xABCD, "h", AF_INET, 25, ad, 2,
                                &n, &err);
        tap_ok(rc == 0 && n == 1 && strcmp(ad[0].text, "192.0.2.7") == 0,
               "parse: an A answer");
    }
}

int
main(void)
{
    const char *bd = getenv("MXTLS_BUILDDIR");
    char fixture[512], zone[128], path[160];
    int port, v6;

    if (bd == NULL || bd[0] == '\0')
        bd = ".";
    snprintf(fixture, sizeof(fixture), "%s/tests/fixture/dnsfixture", bd);
    if (access(fixture, X_OK) != 0) {
        printf("Bail out! %s is not built\n", fixture);
        return 1;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mxtls-dns.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(zone, sizeof(zone), "%s/zone", tmpdir);
    if (write_file(zone, zone_text) != 0) {
        printf("Bail out! cannot write %s\n", zone);
        return 1;
    }
    v6 = have_ipv6_loopback();
    port = start_fixture(fixture, zone, v6);
    if (!tap_ok(port > 0, "the fixture starts")) {
        stop_fixture();
        printf("Bail out! dnsfixture did not start\n");
        return 1;
    }
    snprintf(server4, sizeof(server4), "127.0.0.1:%d", port);
    snprintf(server4b, sizeof(server4b), "[127.0.0.1]:%d", port);
    snprintf(server6, sizeof(server6), "[::1]:%d", port);

    test_parse();
    test_mx();
    test_servers(v6);
    test_unreachable();
    test_addrs();
    test_resolv_conf();
    tap_is_int(stop_fixture(), 0, "the fixture exits 0 on SIGTERM");
    test_fixture_usage(fixture, zone);

    unlink(zone);
    snprintf(path, sizeof(path), "%s/port", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/resolv.conf", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return tap_done();
}
