/*
 * profile.c - the cache of learned peer profiles: one text file per peer,
 * DIR/NAME.profile, written atomically and read strictly.
 *
 * The file:
 *
 *   # mxtls learned peer profile; written by check_tls_peers --learn
 *   peer = arz
 *   mx = arz.at
 *   learned = 2026-11-28T17:00:00Z
 *   hosts = mx01.arz.at mx02.arz.at
 *   address = 192.0.2.25
 *   address = 2001:db8::25
 *   versions = TLSv1.2
 *   suites = 0xC030,0xC028,0xC014
 *   groups = 0x0017,0x0018
 *
 * Learned from traffic (--learn-from), the profile also holds the real
 * ClientHello and what is known of it:
 *
 *   hello = 16030100...            (the records, hex, byte for byte)
 *   hello-source = capture.pcap: 192.0.2.7:41234 -> 192.0.2.1:25
 *   hello-from = 192.0.2.7 (mx01.bank.test)
 *   hello-first = 2026-11-28T08:00:00Z
 *   hello-last = 2026-11-28T17:00:00Z
 *   hello-count = 31
 *   hello-agree = 31
 *   ja3 = 90cf677d97e9b41f373eb6ef5e8e462b
 *   ja4 = t12i030400_e417c6cf4b4a_847bbcdea70d
 *   hello-change = 2026-11-28T12:00:00Z: t12i... before, t13d... since
 *
 * (all optional; hello must be a ClientHello mx_hello_from_hex reads, at
 * most 32 KiB; the counts are decimal; the times as learned).
 *
 * peer, learned, versions and suites are required; mx, hosts and groups
 * are optional (not written when empty); address may appear up to 16
 * times, every other key once. Lines starting with '#' and blank lines are
 * ignored; blanks around keys and values are dropped. learned is RFC 3339
 * in UTC, exactly YYYY-MM-DDTHH:MM:SSZ (upper-case T and Z, no fraction,
 * no offset, seconds 00..59, years 1970..9999). versions are the names
 * mx_version_name gives ("TLSv1.2"), separated by blanks or commas, highest
 * first as written; suites and groups are codes written 0x and four hex
 * digits, separated by commas. Keys are lower case; duplicates within a
 * list, unknown keys, values with control characters and values too long
 * for struct mx_profile are errors. Whether a profile is stale is the
 * caller's decision: any date in range is parsed; but mx_profile_read
 * refuses a profile learned more than MX_PROFILE_SKEW (5 minutes) after
 * this host's clock says it is now, which a learning run cannot write, so
 * that a profile dated in the future (a wrong clock, a planted file) is
 * not fresh forever, whatever --max-age says.
 *
 * Reading: the cache directory may be writable by others than the user
 * the checks run as (a shared cache), so the profile is read by the one
 * file reader (file.h) with O_NOFOLLOW, only when it is a regular file
 * owned by this user or root, and at most 256 KiB; an error quotes at
 * most 24 bytes of a line it cannot parse (censored by err.c), never a
 * whole line of whatever the file turned out to be.
 *
 * Writing: the profile is checked against the same rules (so that what
 * is written can be read back), written to a temporary file
 * ".NAME.profile.XXXXXX" (mkstemp) in the cache directory, given mode
 * 0644, fsync'ed and renamed over DIR/NAME.profile; the directory is then
 * fsync'ed (best effort: the new profile is in place by then). On any
 * failure the temporary file is removed and the old profile is untouched.
 * The cache directory must exist: it is never created here.
 *
 * Peer names are 1 to 63 letters, digits, '.', '_' or '-' (the name
 * becomes a file name: no '/', so no way out of the directory).
 *
 * Error contract: 0, or -1 with a struct mx_error: USAGE for a bad peer
 * name, a cache directory that is missing or cannot be written, and a
 * profile file that is not one ("FILE:LINE: what" or "FILE: what"),
 * INTERNAL for memory. mx_profile_read returns 1 when the directory holds
 * no profile for the peer. mx_profile_path returns -1 for a bad name or a
 * path that does not fit. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "file.h"
#include "hello.h"
#include "ini.h"
#include "profile.h"
#include "registry.h"
#include "strnum.h"
#include "text.h"
#include "utctime.h"

#define PROFILE_CAP (256 * 1024) /* most bytes in a profile file */
#define PATH_CAP    4096

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char header[] =
    "# mxtls learned peer profile; written by check_tls_peers --learn\n";

/* ---------------------------------------------------------------- */
/* Names and paths.                                                 */

int
mx_profile_path(const char *dir, const char *peer, char *out, size_t cap)
{
    static const char ext[] = ".profile";
    size_t dlen, plen, need;
    int slash;

    if (dir == NULL || out == NULL || !mx_ini_name_ok(peer))
        return -1;
    dlen = strlen(dir);
    if (dlen == 0)
        return -1;
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    slash = dir[dlen - 1] != '/';
    plen = strlen(peer);
    need = dlen + (size_t)slash + plen + sizeof(ext); /* with the NUL */
    if (need > cap)
        return -1;
    memcpy(out, dir, dlen);
    if (slash)
        out[dlen] = '/';
    memcpy(out + dlen + slash, peer, plen);
    memcpy(out + dlen + slash + plen, ext, sizeof(ext));
    return 0;
}

/* USAGE "bad peer name ..." unless name (NULL: none) is a peer name. */
static int
check_name(const char *name, struct mx_error *err)
{
    if (mx_ini_name_ok(name))
        return 0;
    mx_error_set(err, MX_E_USAGE,
                 "bad peer name '%.64s': 1 to 63 letters, digits, '.', '_' "
                 "or '-'",
                 name != NULL ? name : "");
    return -1;
}

/* USAGE "cache directory DIR ..." unless dir is a directory. */
static int
check_dir(const char *dir, struct mx_error *err)
{
    struct stat st;

    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            mx_error_set(err, MX_E_USAGE,
                         "cache directory %s does not exist (create it: "
                         "mxtls does not create it)",
                         dir);
        else
            mx_error_set(err, MX_E_USAGE, "cache directory %s: %s", dir,
                         strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        mx_error_set(err, MX_E_USAGE, "cache directory %s is not a directory",
                     dir);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- */
/* Checks shared by writing and reading.                            */

static int
has_blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (mx_is_blank(*s))
            return 1;
    return 0;
}

/* The index of a duplicate in list[0..n) of list[n], or -1. */
static int
dup_at(const uint16_t *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (list[i] == list[n])
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- */
/* Writing.                                                         */

/* Is p something mx_profile_read would read back? */
static int
check_profile(const struct mx_profile *p, struct mx_error *err)
{
    const char *what = NULL;
    size_t i;

    if (memchr(p->mx, '\0', sizeof(p->mx)) == NULL || mx_ini_has_control(p->mx))
        what = "mx";
    else if (memchr(p->hosts, '\0', sizeof(p->hosts)) == NULL ||
             mx_ini_has_control(p->hosts))
        what = "hosts";
    else if (p->naddrs > MX_PROFILE_ADDRS)
        what = "address (too many)";
    else if (p->nversions == 0 || p->nversions > NELEM(p->versions))
        what = "versions (none, or too many)";
    else if (p->nsuites == 0 || p->nsuites > MX_PEER_MAX_SUITES)
        what = "suites (none, or too many)";
    else if (p->ngroups > MX_PEER_MAX_LIST)
        what = "groups (too many)";
    for (i = 0; what == NULL && i < p->naddrs; i++)
        if (memchr(p->addrs[i], '\0', sizeof(p->addrs[i])) == NULL ||
            p->addrs[i][0] == '\0' || mx_ini_has_control(p->addrs[i]) ||
            has_blank(p->addrs[i]))
            what = "address";
    for (i = 0; what == NULL && i < p->nversions; i++)
        if (!mx_peer_version_ok(p->versions[i]) || dup_at(p->versions, i) >= 0)
            what = "versions (unknown or repeated)";
    for (i = 0; what == NULL && i < p->nsuites; i++)
        if (dup_at(p->suites, i) >= 0)
            what = "suites (repeated)";
    for (i = 0; what == NULL && i < p->ngroups; i++)
        if (dup_at(p->groups, i) >= 0)
            what = "groups (repeated)";
    if (what != NULL) {
        mx_error_set(err, MX_E_USAGE, "profile for %s: bad %s", p->peer, what);
        return -1;
    }
    return 0;
}

/* Append s without the blanks around it. */
static void
append_trimmed(struct mx_buf *b, const char *s)
{
    size_t n;

    while (mx_is_blank(*s))
        s++;
    n = strlen(s);
    while (n > 0 && mx_is_blank(s[n - 1]))
        n--;
    mx_buf_appendn(b, s, n);
}

static void
append_codes(struct mx_buf *b, const char *key, const uint16_t *v, size_t n)
{
    size_t i;

    mx_buf_printf(b, "%s = ", key);
    for (i = 0; i < n; i++)
        mx_buf_printf(b, "%s0x%04X", i > 0 ? "," : "", v[i]);
    mx_buf_append(b, "\n");
}

/* A string key, when set. */
static void
append_key(struct mx_buf *b, const char *key, const char *v)
{
    if (v[0] == '\0')
        return;
    mx_buf_printf(b, "%s = ", key);
    append_trimmed(b, v);
    mx_buf_append(b, "\n");
}

/* The keys of a profile learned from traffic. */
static int
compose_traffic(const struct mx_profile *p, struct mx_buf *b,
                struct mx_error *err)
{
    char first[32], last[32];
    size_t i;

    if (p->hello_len > sizeof(p->hello) ||
        mx_utc_format(p->hello_first, first, sizeof(first)) != 0 ||
        mx_utc_format(p->hello_last, last, sizeof(last)) != 0) {
        mx_error_set(err, MX_E_USAGE,
                     "profile for %s: hello too long or its times out of "
                     "range",
                     p->peer);
        return -1;
    }
    mx_buf_append(b, "hello = ");
    for (i = 0; i < p->hello_len; i++)
        mx_buf_printf(b, "%02x", p->hello[i]);
    mx_buf_append(b, "\n");
    append_key(b, "hello-source", p->hello_source);
    append_key(b, "hello-from", p->hello_from);
    mx_buf_printf(b, "hello-first = %s\nhello-last = %s\n", first, last);
    mx_buf_printf(b, "hello-count = %lu\nhello-agree = %lu\n", p->hello_count,
                  p->hello_agree);
    append_key(b, "ja3", p->ja3);
    append_key(b, "ja4", p->ja4);
    append_key(b, "hello-change", p->hello_change);
    return 0;
}

static int
compose(const struct mx_profile *p, struct mx_buf *b, struct mx_error *err)
{
    char when[32];
    size_t i;

    if (mx_utc_format(p->learned, when, sizeof(when)) != 0) {
        mx_error_set(err, MX_E_USAGE,
                     "profile for %s: learned time out of range (1970 to "
                     "9999)",
                     p->peer);
        return -1;
    }
    mx_buf_append(b, header);
    mx_buf_printf(b, "peer = %s\n", p->peer);
    if (p->mx[0] != '\0') {
        mx_buf_append(b, "mx = ");
        append_trimmed(b, p->mx);
        mx_buf_append(b, "\n");
    }
    mx_buf_printf(b, "learned = %s\n", when);
    if (p->hosts[0] != '\0') {
        mx_buf_append(b, "hosts = ");
        append_trimmed(b, p->hosts);
        mx_buf_append(b, "\n");
    }
    for (i = 0; i < p->naddrs; i++)
        mx_buf_printf(b, "address = %s\n", p->addrs[i]);
    mx_buf_append(b, "versions =");
    for (i = 0; i < p->nversions; i++)
        mx_buf_printf(b, " %s", mx_version_name(p->versions[i]));
    mx_buf_append(b, "\n");
    append_codes(b, "suites", p->suites, p->nsuites);
    if (p->ngroups > 0)
        append_codes(b, "groups", p->groups, p->ngroups);
    if (p->hello_len > 0 && compose_traffic(p, b, err) != 0)
        return -1;
    if (mx_buf_failed(b)) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    return 0;
}

static int
write_all(int fd, const char *s, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int
mx_profile_write(const char *dir, const struct mx_profile *p,
                 struct mx_error *err)
{
    char path[PATH_CAP], tmp[PATH_CAP + 16];
    struct mx_buf b = MX_BUF_INIT;
    const char *slash, *step = NULL;
    int fd = -1, made = 0, rc = -1, dfd, e = 0;

    if (dir == NULL || p == NULL) {
        mx_error_set(err, MX_E_USAGE, "no cache directory or profile");
        return -1;
    }
    if (check_name(memchr(p->peer, '\0', sizeof(p->peer)) ? p->peer : NULL,
                   err) != 0)
        return -1;
    if (mx_profile_path(dir, p->peer, path, sizeof(path)) != 0) {
        mx_error_set(err, MX_E_USAGE, "cache directory path too long: %.200s",
                     dir);
        return -1;
    }
    if (check_dir(dir, err) != 0 || check_profile(p, err) != 0 ||
        compose(p, &b, err) != 0)
        goto out;

    /* ".NAME.profile.XXXXXX" beside DIR/NAME.profile */
    slash = strrchr(path, '/');
    if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(slash + 1 - path),
                 path, slash + 1) >= (int)sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "cache directory path too long: %.200s",
                     dir);
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        e = errno;
        step = "cannot create a temporary file";
        goto fail;
    }
    made = 1;
    if (fchmod(fd, 0644) != 0)
        step = "cannot set the mode of";
    else if (write_all(fd, mx_buf_str(&b), b.len) != 0)
        step = "cannot write";
    else if (fsync(fd) != 0)
        step = "cannot sync";
    if (step != NULL) {
        e = errno;
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        e = errno;
        step = "cannot close";
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        e = errno;
        step = "cannot rename into place";
        goto fail;
    }
    made = 0;
    /* Make the rename itself durable (best effort: it has happened). */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    rc = 0;
    goto out;
fail:
    mx_error_set(err, MX_E_USAGE, "%s: %s %s: %s", path, step,
                 made ? tmp : "in the cache directory", strerror(e));
out:
    if (fd >= 0)
        close(fd);
    if (made)
        unlink(tmp);
    mx_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Reading.                                                         */

enum pkey {
    P_PEER,
    P_MX,
    P_LEARNED,
    P_HOSTS,
    P_ADDRESS,
    P_VERSIONS,
    P_SUITES,
    P_GROUPS,
    /* learned from traffic */
    P_HELLO,
    P_HELLO_SOURCE,
    P_HELLO_FROM,
    P_HELLO_FIRST,
    P_HELLO_LAST,
    P_HELLO_COUNT,
    P_HELLO_AGREE,
    P_JA3,
    P_JA4,
    P_HELLO_CHANGE,
    NPKEYS
};

static const char *const pkeys[NPKEYS] = {
    "peer",       "mx",          "learned",      "hosts",       "address",
    "versions",   "suites",      "groups",       "hello",       "hello-source",
    "hello-from", "hello-first", "hello-last",   "hello-count", "hello-agree",
    "ja3",        "ja4",         "hello-change",
};

struct reader {
    struct mx_ini ini;
    int seen[NPKEYS]; /* line of each key, or 0 */
};

static const struct mx_ini_syntax profile_syntax = {
    PROFILE_CAP, 0, "#", MX_INI_NUL_FILE | MX_INI_NO_CONTROL};

/* Copy a value into a field of cap bytes. */
static int
copy_value(struct reader *r, const char *key, const char *v, char *dst,
           size_t cap)
{
    size_t n = strlen(v);

    if (n >= cap)
        return mx_ini_fail(&r->ini, "%s: longer than %zu bytes", key, cap - 1);
    memcpy(dst, v, n + 1);
    return 0;
}

/* "0xC030,0xC02F": codes of exactly four hex digits, comma-separated. */
static int
parse_codes(struct reader *r, const char *key, char *v, uint16_t *out,
            size_t cap, size_t *n)
{
    char *tok, *next;
    int i, d, at;
    unsigned code;

    *n = 0;
    for (tok = v; tok != NULL; tok = next) {
        next = strchr(tok, ',');
        if (next != NULL)
            *next++ = '\0';
        tok = mx_trim(tok);
        if (tok[0] == '\0')
            return mx_ini_fail(&r->ini, "%s: empty entry", key);
        code = 0;
        if (strlen(tok) != 6 || tok[0] != '0' ||
            (tok[1] != 'x' && tok[1] != 'X'))
            return mx_ini_fail(&r->ini, "%s: '%.24s' is not a code like 0xC02F",
                               key, tok);
        for (i = 2; i < 6; i++) {
            if ((d = mx_hexval(tok[i])) < 0)
                return mx_ini_fail(
                    &r->ini, "%s: '%.24s' is not a code like 0xC02F", key, tok);
            code = code << 4 | (unsigned)d;
        }
        if (*n == cap)
            return mx_ini_fail(&r->ini, "%s: more than %zu codes", key, cap);
        out[*n] = (uint16_t)code;
        if ((at = dup_at(out, *n)) >= 0)
            return mx_ini_fail(&r->ini, "%s: 0x%04X appears twice", key, code);
        (*n)++;
    }
    return 0;
}

/* "TLSv1.3 TLSv1.2": names as mx_version_name gives them. */
static int
parse_version_names(struct reader *r, char *v, struct mx_profile *p)
{
    char *s = v, *start;
    uint16_t code;

    p->nversions = 0;
    for (;;) {
        while (mx_is_blank(*s) || *s == ',')
            s++;
        if (*s == '\0')
            break;
        start = s;
        while (*s != '\0' && !mx_is_blank(*s) && *s != ',')
            s++;
        if (*s != '\0')
            *s++ = '\0';
        code = mx_version_parse(start);
        if (code == 0 || strcmp(mx_version_name(code), start) != 0)
            return mx_ini_fail(&r->ini, "versions: unknown version '%.24s'",
                               start);
        if (p->nversions == NELEM(p->versions))
            return mx_ini_fail(&r->ini, "versions: more than %zu",
                               NELEM(p->versions));
        p->versions[p->nversions] = code;
        if (dup_at(p->versions, p->nversions) >= 0)
            return mx_ini_fail(&r->ini, "versions: %s appears twice",
                               mx_version_name(code));
        p->nversions++;
    }
    if (p->nversions == 0)
        return mx_ini_fail(&r->ini, "versions: no version");
    return 0;
}

/* The hex of a learned hello: a ClientHello the capture reader takes. */
static int
parse_hello(struct reader *r, const char *v, struct mx_profile *p)
{
    struct mx_recorded_hello h;
    struct mx_error e;

    if (mx_hello_from_hex(v, strlen(v), &h, &e) != 0)
        return mx_ini_fail(&r->ini, "hello: %s", e.msg);
    if (h.len > sizeof(p->hello)) {
        mx_recorded_hello_free(&h);
        return mx_ini_fail(&r->ini, "hello: more than %zu bytes",
                           sizeof(p->hello));
    }
    memcpy(p->hello, h.bytes, h.len);
    p->hello_len = h.len;
    mx_recorded_hello_free(&h);
    return 0;
}

static int
parse_count(struct reader *r, const char *key, const char *v,
            unsigned long *out)
{
    long long n;
    const char *why = NULL;

    if (mx_strtonum(v, 0, 1000000000000LL, &n, &why) != 0)
        return mx_ini_fail(&r->ini, "%s: '%.24s' %s", key, v,
                           why != NULL ? why : "is not a count");
    *out = (unsigned long)n;
    return 0;
}

static int
parse_time(struct reader *r, const char *key, const char *v, time_t *out)
{
    if (mx_utc_parse(v, out) != 0)
        return mx_ini_fail(&r->ini,
                           "%s: '%.24s' is not a UTC time like "
                           "2026-11-28T17:00:00Z",
                           key, v);
    return 0;
}

/* The keys of a profile learned from traffic. */
static int
read_traffic(struct reader *r, enum pkey k, char *v, struct mx_profile *p)
{
    switch (k) {
    case P_HELLO:
        return parse_hello(r, v, p);
    case P_HELLO_SOURCE:
        return copy_value(r, pkeys[k], v, p->hello_source,
                          sizeof(p->hello_source));
    case P_HELLO_FROM:
        return copy_value(r, pkeys[k], v, p->hello_from, sizeof(p->hello_from));
    case P_HELLO_FIRST:
        return parse_time(r, pkeys[k], v, &p->hello_first);
    case P_HELLO_LAST:
        return parse_time(r, pkeys[k], v, &p->hello_last);
    case P_HELLO_COUNT:
        return parse_count(r, pkeys[k], v, &p->hello_count);
    case P_HELLO_AGREE:
        return parse_count(r, pkeys[k], v, &p->hello_agree);
    case P_JA3:
        return copy_value(r, pkeys[k], v, p->ja3, sizeof(p->ja3));
    case P_JA4:
        return copy_value(r, pkeys[k], v, p->ja4, sizeof(p->ja4));
    case P_HELLO_CHANGE:
        return copy_value(r, pkeys[k], v, p->hello_change,
                          sizeof(p->hello_change));
    default:
        return -1;
    }
}

static int
read_value(struct reader *r, enum pkey k, char *v, struct mx_profile *p)
{
    if (k >= P_HELLO && k < NPKEYS)
        return read_traffic(r, k, v, p);
    switch (k) {
    case P_PEER:
        if (!mx_ini_name_ok(v))
            return mx_ini_fail(&r->ini, "peer: bad name '%.24s'", v);
        return copy_value(r, "peer", v, p->peer, sizeof(p->peer));
    case P_MX:
        return copy_value(r, "mx", v, p->mx, sizeof(p->mx));
    case P_LEARNED:
        if (mx_utc_parse(v, &p->learned) != 0)
            return mx_ini_fail(&r->ini,
                               "learned: '%.24s' is not a UTC time like "
                               "2026-11-28T17:00:00Z",
                               v);
        return 0;
    case P_HOSTS:
        return copy_value(r, "hosts", v, p->hosts, sizeof(p->hosts));
    case P_ADDRESS:
        if (p->naddrs == MX_PROFILE_ADDRS)
            return mx_ini_fail(&r->ini, "address: more than %d",
                               MX_PROFILE_ADDRS);
        if (has_blank(v))
            return mx_ini_fail(&r->ini, "address: '%.24s' has blanks", v);
        if (copy_value(r, "address", v, p->addrs[p->naddrs],
                       sizeof(p->addrs[0])) != 0)
            return -1;
        p->naddrs++;
        return 0;
    case P_VERSIONS:
        return parse_version_names(r, v, p);
    case P_SUITES:
        return parse_codes(r, "suites", v, p->suites, MX_PEER_MAX_SUITES,
                           &p->nsuites);
    case P_GROUPS:
        return parse_codes(r, "groups", v, p->groups, MX_PEER_MAX_LIST,
                           &p->ngroups);
    default:
        break;
    }
    return -1;
}

static int
read_line(struct reader *r, const struct mx_ini_line *l, struct mx_profile *p)
{
    size_t k;

    if (l->value == NULL)
        return mx_ini_fail(&r->ini, "expected key = value, not '%.24s'",
                           l->text);
    for (k = 0; k < NPKEYS && strcmp(l->name, pkeys[k]) != 0; k++)
        ;
    if (k == NPKEYS)
        return mx_ini_fail(&r->ini, "unknown key '%.24s'", l->name);
    if (r->seen[k] && k != P_ADDRESS)
        return mx_ini_fail(&r->ini, "duplicate key '%s' (first at line %d)",
                           pkeys[k], r->seen[k]);
    if (l->value[0] == '\0')
        return mx_ini_fail(&r->ini, "empty value for '%s'", pkeys[k]);
    if (!r->seen[k])
        r->seen[k] = r->ini.line;
    return read_value(r, (enum pkey)k, l->value, p);
}

static int
parse_profile(struct reader *r, const char *peer, struct mx_profile *p)
{
    static const enum pkey required[] = {P_PEER, P_LEARNED, P_VERSIONS,
                                         P_SUITES};
    struct mx_ini_line l;
    size_t i;
    int rc;

    while ((rc = mx_ini_next(&r->ini, &l)) > 0)
        if (read_line(r, &l, p) != 0)
            return -1;
    if (rc < 0)
        return -1;
    for (i = 0; i < NELEM(required); i++)
        if (!r->seen[required[i]])
            return mx_ini_fail_file(&r->ini, "missing key '%s'",
                                    pkeys[required[i]]);
    if (strcmp(p->peer, peer) != 0) {
        r->ini.line = r->seen[P_PEER];
        return mx_ini_fail(&r->ini, "profile of peer '%s', not of '%s'",
                           p->peer, peer);
    }
    return 0;
}

int
mx_profile_parse(const char *text, size_t len, const char *path,
                 const char *peer, struct mx_profile *p, struct mx_error *err)
{
    struct reader r;
    int rc;

    if (p == NULL || path == NULL || peer == NULL ||
        (text == NULL && len > 0)) {
        mx_error_set(err, MX_E_USAGE, "no profile text");
        return -1;
    }
    memset(p, 0, sizeof(*p));
    memset(&r, 0, sizeof(r));
    if (mx_ini_open(&r.ini, text, len, path, &profile_syntax, err) != 0)
        return -1;
    rc = parse_profile(&r, peer, p);
    mx_ini_close(&r.ini);
    if (rc != 0)
        memset(p, 0, sizeof(*p));
    return rc;
}

int
mx_profile_usable(const struct mx_profile *p, time_t now, const char *path,
                  struct mx_error *err)
{
    char when[32];
    double ahead = difftime(p->learned, now);

    if (ahead <= MX_PROFILE_SKEW)
        return 0;
    if (mx_utc_format(p->learned, when, sizeof(when)) != 0)
        snprintf(when, sizeof(when), "(out of range)");
    mx_error_set(err, MX_E_USAGE,
                 "%s: learned %s, %.0f s in the future: more than the %d s "
                 "a clock may be off; learn it again",
                 path, when, ahead, MX_PROFILE_SKEW);
    return -1;
}

int
mx_profile_read(const char *dir, const char *peer, struct mx_profile *p,
                struct mx_error *err)
{
    char path[PATH_CAP];
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (dir == NULL || p == NULL) {
        mx_error_set(err, MX_E_USAGE, "no cache directory or profile");
        return -1;
    }
    memset(p, 0, sizeof(*p));
    if (check_name(peer, err) != 0)
        return -1;
    if (mx_profile_path(dir, peer, path, sizeof(path)) != 0) {
        mx_error_set(err, MX_E_USAGE, "cache directory path too long: %.200s",
                     dir);
        return -1;
    }
    rc = mx_file_read(path, "profile ", PROFILE_CAP,
                      MX_FILE_NOFOLLOW | MX_FILE_OWNED | MX_FILE_ABSENT_OK,
                      &buf, &len, err);
    if (rc == 1 && check_dir(dir, err) != 0)
        rc = -1; /* no directory is an error, not "no profile yet" */
    if (rc != 0)
        return rc;
    rc = mx_profile_parse(buf, len, path, peer, p, err);
    free(buf);
    if (rc == 0 && mx_profile_usable(p, time(NULL), path, err) != 0) {
        memset(p, 0, sizeof(*p));
        rc = -1;
    }
    return rc;
}

/* ---------------------------------------------------------------- */

int
mx_profile_offer(const struct mx_profile *p, struct mx_offer *o,
                 struct mx_error *err)
{
    uint16_t lo = 0, hi = 0;
    size_t i;

    mx_offer_free(o);
    if (p->hello_len > 0) { /* traffic wins */
        if (mx_offer_from_hello(o, p->hello, p->hello_len, "learned hello",
                                err) != 0)
            return -1;
        if (mx_offer_defaults(o, err) != 0) {
            mx_offer_free(o);
            return -1;
        }
        return 0;
    }
    for (i = 0; i < p->nversions; i++) {
        if (lo == 0 || p->versions[i] < lo)
            lo = p->versions[i];
        if (p->versions[i] > hi)
            hi = p->versions[i];
    }
    o->min_version = lo;
    o->max_version = hi;
    if (mx_offer_set(o, MX_OFFER_SUITES, p->suites,
                     p->nsuites < MX_PEER_MAX_SUITES ? p->nsuites
                                                     : MX_PEER_MAX_SUITES,
                     err) != 0 ||
        mx_offer_set(o, MX_OFFER_GROUPS, p->groups,
                     p->ngroups < MX_PEER_MAX_LIST ? p->ngroups
                                                   : MX_PEER_MAX_LIST,
                     err) != 0 ||
        mx_offer_defaults(o, err) != 0) { /* no signature schemes learned */
        mx_offer_free(o);
        return -1;
    }
    return 0;
}

void
mx_profile_learned_text(const struct mx_profile *p, char *out, size_t cap)
{
    char last[32];

    if (p->hello_len == 0) {
        snprintf(out, cap, "%s", "");
        return;
    }
    if (mx_utc_format(p->hello_last, last, sizeof(last)) != 0)
        snprintf(last, sizeof(last), "(out of range)");
    snprintf(out, cap,
             "learned from traffic: %lu ClientHello%s from %.100s, last %s; "
             "JA4 %s, JA3 %s",
             p->hello_count, p->hello_count == 1 ? "" : "s", p->hello_from,
             last, p->ja4, p->ja3);
}

/* Traffic wins: the peer's client is the hello it really sent. */
static int
apply_hello(const struct mx_profile *p, struct mx_peer *peer,
            struct mx_error *err)
{
    struct mx_offer o;

    memset(&o, 0, sizeof(o));
    if (mx_profile_offer(p, &o, err) != 0)
        return -1;
    mx_offer_free(&peer->offer);
    peer->offer = o;
    peer->kind = MX_PEER_HELLO;
    mx_profile_learned_text(p, peer->learned, sizeof(peer->learned));
    return 0;
}

int
mx_profile_apply_learned(const char *dir, struct mx_peer *peer,
                         struct mx_error *err)
{
    struct mx_profile *p;
    int rc;

    p = malloc(sizeof(*p));
    if (p == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    rc = mx_profile_read(dir, peer->name, p, err);
    if (rc == 0 && p->hello_len > 0)
        rc = apply_hello(p, peer, err) == 0 ? 1 : -1;
    else if (rc > 0)
        rc = 0;
    free(p);
    return rc;
}
