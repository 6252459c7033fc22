/*
 * test_profile.c - the cache of learned peer profiles (profile.c): paths,
 * the exact file written, round trips, strict reading with exact
 * messages, atomic writing, and applying a profile to a peer.
 *
 * Atomic writing is checked with failures that can be caused even as
 * root (where a mode 0555 directory stops nothing): a cache directory that
 * does not exist, a target that is a directory (rename fails), and a file
 * size limit (RLIMIT_FSIZE, SIGXFSZ ignored) that makes write(2) fail in
 * the middle of the temporary file. After each, the old profile must be
 * byte for byte what it was and no temporary file may be left. A mode
 * 0555 directory is tried too, as root by a child that has become nobody.
 * Everything lives in one mkdtemp directory, removed at the end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "peers.h"
#include "profile.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[64];
static char cache[128];

/* ---------------------------------------------------------------- */
/* Helpers.                                                         */

static int
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL)
        return -1;
    ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The whole file, malloc'd and NUL-ended; NULL if unreadable. */
static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL)
        return NULL;
    buf = malloc(1 << 20);
    if (buf != NULL) {
        n = fread(buf, 1, (1 << 20) - 1, f);
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

/* Entries of dir other than "." and "..". */
static int
count_entries(const char *dir, int *hidden)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    *hidden = 0;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (de->d_name[0] == '.')
            (*hidden)++;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

static void
sample(struct mx_profile *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->peer, sizeof(p->peer), "arz");
    snprintf(p->mx, sizeof(p->mx), "arz.at");
    p->learned = 1795885200; /* 2026-11-28T17:00:00Z */
    snprintf(p->hosts, sizeof(p->hosts), "mx01.arz.at mx02.arz.at");
    snprintf(p->addrs[0], sizeof(p->addrs[0]), "192.0.2.25");
    snprintf(p->addrs[1], sizeof(p->addrs[1]), "2001:db8::25");
    p->naddrs = 2;
    p->versions[0] = 0x0303;
    p->nversions = 1;
    p->suites[0] = 0xc030;
    p->suites[1] = 0xc028;
    p->suites[2] = 0x002f;
    p->nsuites = 3;
    p->groups[0] = 0x0017;
    p->groups[1] = 0x001d;
    p->ngroups = 2;
}

static const char sample_text[] =
    "# mxtls learned peer profile; written by check_tls_peers --learn\n"
    "peer = arz\n"
    "mx = arz.at\n"
    "learned = 2026-11-28T17:00:00Z\n"
    "hosts = mx01.arz.at mx02.arz.at\n"
    "address = 192.0.2.25\n"
    "address = 2001:db8::25\n"
    "versions = TLSv1.2\n"
    "suites = 0xC030,0xC028,0x002F\n"
    "groups = 0x0017,0x001D\n";

static int
same_profile(const struct mx_profile *a, const struct mx_profile *b)
{
    size_t i;

    if (strcmp(a->peer, b->peer) != 0 || strcmp(a->mx, b->mx) != 0 ||
        a->learned != b->learned || strcmp(a->hosts, b->hosts) != 0 ||
        a->naddrs != b->naddrs || a->nversions != b->nversions ||
        a->nsuites != b->nsuites || a->ngroups != b->ngroups)
        return 0;
    for (i = 0; i < a->naddrs; i++)
        if (strcmp(a->addrs[i], b->addrs[i]) != 0)
            return 0;
    return memcmp(a->versions, b->versions, a->nversions * 2) == 0 &&
           memcmp(a->suites, b->suites, a->nsuites * 2) == 0 &&
           memcmp(a->groups, b->groups, a->ngroups * 2) == 0;
}

/* Write text as DIR/NAME.profile and read it for peer; expect the
 * message "PATH" + suffix. */
static void
read_fails(const char *peer, const char *text, const char *suffix,
           const char *name)
{
    struct mx_profile *p = malloc(sizeof(*p));
    char path[256], want[1024];
    struct mx_error err;
    int rc;

    snprintf(path, sizeof(path), "%s/%s.profile", cache, peer);
    write_text(path, text);
    snprintf(want, sizeof(want), "%s%s", path, suffix);
    mx_error_clear(&err);
    memset(p, 0x55, sizeof(*p));
    rc = mx_profile_read(cache, peer, p, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strcmp(err.msg, want) == 0 && p->nsuites == 0 &&
                    p->peer[0] == '\0',
                name))
        printf("#   rc %d\n#   got  \"%s\"\n#   want \"%s\"\n", rc, err.msg,
               want);
    unlink(path);
    free(p);
}

/* A valid profile with line "key = value" replaced or added. */
static void
with_line(char *out, size_t cap, const char *drop, const char *add)
{
    const char *s = sample_text, *nl;
    size_t len = 0, n;

    out[0] = '\0';
    while (*s != '\0') {
        nl = strchr(s, '\n');
        n = (size_t)(nl - s) + 1;
        if (drop == NULL || strncmp(s, drop, strlen(drop)) != 0) {
            if (len + n < cap) {
                memcpy(out + len, s, n);
                len += n;
                out[len] = '\0';
            }
        }
        s += n;
    }
    if (add != NULL && len + strlen(add) < cap)
        memcpy(out + len, add, strlen(add) + 1);
}

/* ---------------------------------------------------------------- */

static void
test_path(void)
{
    char out[64];
    char n64[80];

    tap_ok(mx_profile_path("/var/cache/mxtls", "arz", out, sizeof(out)) == 0 &&
               strcmp(out, "/var/cache/mxtls/arz.profile") == 0,
           "path: DIR/NAME.profile");
    tap_ok(mx_profile_path("/var/cache/mxtls//", "arz", out, sizeof(out)) ==
                   0 &&
               strcmp(out, "/var/cache/mxtls/arz.profile") == 0,
           "path: trailing slashes of the directory dropped");
    tap_ok(mx_profile_path("/", "a.b_c-1", out, sizeof(out)) == 0 &&
               strcmp(out, "/a.b_c-1.profile") == 0,
           "path: the root directory");
    tap_ok(mx_profile_path("c", "x", out, sizeof(out)) == 0 &&
               strcmp(out, "c/x.profile") == 0,
           "path: a relative directory");
    tap_ok(mx_profile_path("/c", "../x", out, sizeof(out)) == -1 &&
               mx_profile_path("/c", "a/b", out, sizeof(out)) == -1 &&
               mx_profile_path("/c", "", out, sizeof(out)) == -1 &&
               mx_profile_path("/c", NULL, out, sizeof(out)) == -1 &&
               mx_profile_path("/c", "a b", out, sizeof(out)) == -1 &&
               mx_profile_path("/c", "a\n", out, sizeof(out)) == -1,
           "path: names with '/', blanks or nothing refused");
    tap_ok(mx_profile_path("", "x", out, sizeof(out)) == -1 &&
               mx_profile_path(NULL, "x", out, sizeof(out)) == -1,
           "path: no directory refused");
    memset(n64, 'a', 64);
    n64[64] = '\0';
    tap_is_int(mx_profile_path("/", n64, out, sizeof(out)), -1,
               "path: 64-byte name refused");
    /* "/c/x.profile" is 12 bytes and the NUL. */
    tap_ok(mx_profile_path("/c", "x", out, 13) == 0 &&
               mx_profile_path("/c", "x", out, 12) == -1,
           "path: exactly fitting, and one byte short");
}

static void
test_write_read(void)
{
    struct mx_profile *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
    struct mx_error err;
    struct stat st;
    char path[256], *text;
    mode_t old;
    size_t i;
    int rc, hidden;

    sample(p);
    old = umask(077);
    rc = mx_profile_write(cache, p, &err);
    umask(old);
    if (!tap_ok(rc == 0, "write: a profile"))
        printf("#   %s\n", err.msg);
    snprintf(path, sizeof(path), "%s/arz.profile", cache);
    text = read_text(path);
    tap_is_str(text, sample_text, "write: the exact file");
    free(text);
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
           "write: mode 0644 whatever the umask");
    tap_ok(count_entries(cache, &hidden) == 1 && hidden == 0,
           "write: no temporary file left");

    memset(q, 0x55, sizeof(*q));
    rc = mx_profile_read(cache, "arz", q, &err);
    tap_ok(rc == 0 && same_profile(p, q), "read: round trip");

    /* A full profile: 16 addresses, 8 versions... as many as fit. */
    memset(p, 0, sizeof(*p));
    snprintf(p->peer, sizeof(p->peer), "full");
    p->learned = 1795885200; /* 2026-11-28T17:00:00Z */
    for (i = 0; i < MX_PROFILE_ADDRS; i++)
        snprintf(p->addrs[i], sizeof(p->addrs[i]), "fd00::%zx", i);
    p->naddrs = MX_PROFILE_ADDRS;
    p->versions[0] = 0x0304;
    p->versions[1] = 0x0303;
    p->versions[2] = 0x0302;
    p->versions[3] = 0x0301;
    p->versions[4] = 0x0300;
    p->nversions = 5;
    for (i = 0; i < MX_PEER_MAX_SUITES; i++)
        p->suites[i] = (uint16_t)(0xff00 - i);
    p->nsuites = MX_PEER_MAX_SUITES;
    for (i = 0; i < MX_PEER_MAX_LIST; i++)
        p->groups[i] = (uint16_t)(0x0100 + i);
    p->ngroups = MX_PEER_MAX_LIST;
    memset(p->hosts, 'h', sizeof(p->hosts) - 1);
    memset(p->mx, 'm', sizeof(p->mx) - 1);
    rc = mx_profile_write(cache, p, &err);
    memset(q, 0x55, sizeof(*q));
    tap_ok(rc == 0 && mx_profile_read(cache, "full", q, &err) == 0 &&
               same_profile(p, q),
           "read: round trip of a profile with every field full");

    /* Stale is the caller's business: 1970 reads fine. */
    sample(p);
    snprintf(p->peer, sizeof(p->peer), "old");
    p->learned = 0;
    p->mx[0] = p->hosts[0] = '\0';
    p->naddrs = 0;
    p->ngroups = 0;
    rc = mx_profile_write(cache, p, &err);
    snprintf(path, sizeof(path), "%s/old.profile", cache);
    text = read_text(path);
    tap_is_str(text,
               "# mxtls learned peer profile; written by check_tls_peers "
               "--learn\npeer = old\nlearned = 1970-01-01T00:00:00Z\nversions "
               "= TLSv1.2\nsuites = 0xC030,0xC028,0x002F\n",
               "write: empty mx, hosts, addresses and groups are left out");
    free(text);
    rc = mx_profile_read(cache, "old", q, &err);
    tap_ok(rc == 0 && q->learned == 0 && same_profile(p, q),
           "read: a stale (1970) profile is just data");

    /* Overwrite: the new profile replaces the old one. */
    sample(p);
    p->suites[0] = 0x009c;
    rc = mx_profile_write(cache, p, &err);
    tap_ok(rc == 0 && mx_profile_read(cache, "arz", q, &err) == 0 &&
               q->suites[0] == 0x009c,
           "write: replaces an older profile");

    tap_is_int(mx_profile_read(cache, "nobody", q, &err), 1,
               "read: no profile for the peer is 1");

    /* Blanks around mx and hosts are not kept. */
    sample(p);
    snprintf(p->peer, sizeof(p->peer), "blanks");
    snprintf(p->mx, sizeof(p->mx), "  arz.at ");
    rc = mx_profile_write(cache, p, &err);
    tap_ok(rc == 0 && mx_profile_read(cache, "blanks", q, &err) == 0 &&
               strcmp(q->mx, "arz.at") == 0,
           "write: blanks around mx dropped");
    snprintf(path, sizeof(path), "%s/blanks.profile", cache);
    unlink(path);
    snprintf(path, sizeof(path), "%s/full.profile", cache);
    unlink(path);
    snprintf(path, sizeof(path), "%s/old.profile", cache);
    unlink(path);
    free(p);
    free(q);
}

/* Write p and expect failure with a message starting with want. */
static void
write_fails(const char *dir, const struct mx_profile *p, const char *want,
            const char *name)
{
    struct mx_error err;
    int rc;

    mx_error_clear(&err);
    rc = mx_profile_write(dir, p, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strncmp(err.msg, want, strlen(want)) == 0,
                name))
        printf("#   rc %d\n#   got  \"%s\"\n#   want \"%s...\"\n", rc, err.msg,
               want);
}

static void
test_write_failures(void)
{
    struct mx_profile *p = malloc(sizeof(*p));
    struct rlimit lim, small;
    char path[256], missing[256], want[512], *before, *after;
    void (*old_handler)(int);
    struct stat st;
    struct mx_error err;
    int hidden, rc;
    size_t i;

    sample(p);
    mx_profile_write(cache, p, &err);
    snprintf(path, sizeof(path), "%s/arz.profile", cache);
    before = read_text(path);

    /* The directory must exist; it is not created. */
    snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
    snprintf(want, sizeof(want),
             "cache directory %s does not exist (create it: mxtls does not "
             "create it)",
             missing);
    write_fails(missing, p, want, "write: a missing cache directory");
    tap_ok(stat(missing, &st) != 0, "write: ... is not created");
    snprintf(missing, sizeof(missing), "%s/arz.profile", cache);
    snprintf(want, sizeof(want), "cache directory %s is not a directory",
             missing);
    write_fails(missing, p, want, "write: a file as cache directory");

    /* Profiles that could not be read back are refused before any I/O. */
    snprintf(p->peer, sizeof(p->peer), "../etc/x");
    write_fails(cache, p, "bad peer name '../etc/x'",
                "write: a peer name with '/' refused");
    sample(p);
    p->nsuites = 0;
    write_fails(cache, p, "profile for arz: bad suites",
                "write: a profile without suites refused");
    sample(p);
    p->nversions = 0;
    write_fails(cache, p, "profile for arz: bad versions",
                "write: a profile without versions refused");
    sample(p);
    p->versions[0] = 0x0305;
    write_fails(cache, p, "profile for arz: bad versions",
                "write: an unknown version refused");
    sample(p);
    p->suites[2] = 0xc030;
    write_fails(cache, p, "profile for arz: bad suites (repeated)",
                "write: a repeated suite refused");
    sample(p);
    snprintf(p->hosts, sizeof(p->hosts), "a\nb");
    write_fails(cache, p, "profile for arz: bad hosts",
                "write: a line break in hosts refused");
    sample(p);
    snprintf(p->addrs[1], sizeof(p->addrs[1]), "192.0.2.1 x");
    write_fails(cache, p, "profile for arz: bad address",
                "write: a blank in an address refused");
    sample(p);
    p->naddrs = MX_PROFILE_ADDRS + 1;
    write_fails(cache, p, "profile for arz: bad address (too many)",
                "write: 17 addresses refused");
    sample(p);
    p->learned = 253402300800; /* 10000-01-01 */
    write_fails(cache, p, "profile for arz: learned time out of range",
                "write: a year over 9999 refused");
    sample(p);
    p->learned = -1;
    write_fails(cache, p, "profile for arz: learned time out of range",
                "write: a time before 1970 refused");
    after = read_text(path);
    tap_ok(before != NULL && after != NULL && strcmp(before, after) == 0,
           "write: after refused profiles the old one is unchanged");
    free(after);

    /* rename fails: the target is a directory. */
    sample(p);
    snprintf(p->peer, sizeof(p->peer), "isdir");
    snprintf(missing, sizeof(missing), "%s/isdir.profile", cache);
    mkdir(missing, 0755);
    snprintf(want, sizeof(want), "%s: cannot rename into place", missing);
    write_fails(cache, p, want, "write: rename over a directory fails");
    tap_ok(count_entries(cache, &hidden) == 2 && hidden == 0,
           "write: ... and the temporary file is removed");
    rmdir(missing);

    /* write fails half-way (file size limit): the old profile stays. */
    sample(p);
    for (i = 0; i < 200; i++) /* well over the limit below */
        p->suites[i] = (uint16_t)(0x0100 + i);
    p->nsuites = 200;
    old_handler = signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &lim);
    small = lim;
    small.rlim_cur = 64;
    rc = setrlimit(RLIMIT_FSIZE, &small);
    snprintf(want, sizeof(want), "%s: cannot write %s/.arz.profile.", path,
             cache);
    write_fails(cache, p, want, "write: a write that fails half-way");
    setrlimit(RLIMIT_FSIZE, &lim);
    signal(SIGXFSZ, old_handler);
    tap_is_int(rc, 0, "write: (the size limit was set)");
    after = read_text(path);
    tap_ok(before != NULL && after != NULL && strcmp(before, after) == 0,
           "write: ... the old profile is byte for byte unchanged");
    free(after);
    tap_ok(count_entries(cache, &hidden) == 1 && hidden == 0,
           "write: ... and no temporary file is left");

    /* A directory that cannot be written. Root ignores mode 0555, so as
     * root the write is tried by a child that has become nobody. */
    chmod(tmpdir, 0755);
    chmod(cache, 0555);
    sample(p);
    p->suites[0] = 0x009c;
    snprintf(want, sizeof(want),
             "%s: cannot create a temporary file in the cache directory", path);
    if (geteuid() != 0) {
        write_fails(cache, p, want, "write: a read-only cache directory");
    } else {
        pid_t pid;
        int status = -1;

        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            mx_error_clear(&err);
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
                setuid(65534) != 0)
                _exit(2);
            rc = mx_profile_write(cache, p, &err);
            _exit(rc == -1 && err.code == MX_E_USAGE &&
                          strncmp(err.msg, want, strlen(want)) == 0
                      ? 0
                      : 1);
        }
        if (pid > 0)
            waitpid(pid, &status, 0);
        tap_ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "write: a read-only cache directory (as nobody)");
    }
    chmod(cache, 0755);
    chmod(tmpdir, 0700);
    after = read_text(path);
    tap_ok(before != NULL && after != NULL && strcmp(before, after) == 0,
           "write: ... the old profile is unchanged");
    free(after);
    tap_ok(mx_profile_write(NULL, p, &err) == -1 &&
               mx_profile_write(cache, NULL, &err) == -1,
           "write: NULL arguments");
    free(before);
    free(p);
}

static void
test_read_errors(void)
{
    struct mx_profile *p = malloc(sizeof(*p));
    char text[4096], missing[256], want[512];
    struct mx_buf b = MX_BUF_INIT;
    struct mx_error err;
    size_t i;
    int rc;

    read_fails("arz", "", ": missing key 'peer'", "read: an empty file");
    with_line(text, sizeof(text), "peer =", NULL);
    read_fails("arz", text, ": missing key 'peer'", "read: peer missing");
    with_line(text, sizeof(text), "learned =", NULL);
    read_fails("arz", text, ": missing key 'learned'", "read: learned missing");
    with_line(text, sizeof(text), "versions =", NULL);
    read_fails("arz", text, ": missing key 'versions'",
               "read: versions missing");
    with_line(text, sizeof(text), "suites =", NULL);
    read_fails("arz", text, ": missing key 'suites'", "read: suites missing");
    with_line(text, sizeof(text), NULL, "colour = blue\n");
    read_fails("arz", text, ":11: unknown key 'colour'", "read: unknown key");
    with_line(text, sizeof(text), NULL, "Peer = arz\n");
    read_fails("arz", text, ":11: unknown key 'Peer'",
               "read: keys are lower case");
    with_line(text, sizeof(text), NULL, "suites = 0x0001\n");
    read_fails("arz", text, ":11: duplicate key 'suites' (first at line 9)",
               "read: duplicate key");
    with_line(text, sizeof(text), NULL, "mx =\n");
    read_fails("arz", text, ":11: duplicate key 'mx' (first at line 3)",
               "read: duplicate before empty");
    with_line(text, sizeof(text), "groups =", "groups = \n");
    read_fails("arz", text, ":10: empty value for 'groups'",
               "read: empty value");
    with_line(text, sizeof(text), NULL, "just text\n");
    read_fails("arz", text, ":11: expected key = value, not 'just text'",
               "read: a line without '='");
    with_line(text, sizeof(text), NULL, "hosts2 = a\x01z\n");
    read_fails("arz", text, ":11: control character in the line",
               "read: control character");
    read_fails("other", sample_text,
               ":2: profile of peer 'arz', not of 'other'",
               "read: a profile of another peer");
    with_line(text, sizeof(text), "peer =", "peer = a/b\n");
    read_fails("arz", text, ":10: peer: bad name 'a/b'",
               "read: a bad peer name in the file");

    /* learned, strictly. */
    {
        static const char *const bad[] = {
            "2026-11-28T17:00:00",       "2026-11-28 17:00:00Z",
            "2026-11-28t17:00:00Z",      "2026-11-28T17:00:00z",
            "2026-11-28T17:00:00+00:00", "2026-11-28T17:00:00.5Z",
            "2026-13-01T00:00:00Z",      "2026-00-01T00:00:00Z",
            "2026-02-29T00:00:00Z",      "2100-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",      "2026-11-00T00:00:00Z",
            "2026-11-28T24:00:00Z",      "2026-11-28T17:60:00Z",
            "2026-11-28T17:00:60Z",      "1969-12-31T23:59:59Z",
            "+026-11-28T17:00:00Z",      "2026-1-28T17:00:00Z",
            "26-11-28T17:00:00Z",        "2026-11-28T17:0a:00Z",
            "10000-01-01T00:00:00Z",
        };
        static const struct {
            const char *s;
            long long t;
        } good[] = {
            {"1970-01-01T00:00:00Z", 0},
            {"2026-11-28T17:00:00Z", 1795885200},
            {"2028-02-29T12:34:56Z", 1835440496},
            {"2000-02-29T00:00:00Z", 951782400},
            {"9999-12-31T23:59:59Z", 253402300799LL},
        };
        char line[128];
        int all = 1;

        for (i = 0; i < NELEM(bad); i++) {
            snprintf(line, sizeof(line), "learned = %s\n", bad[i]);
            with_line(text, sizeof(text), "learned =", line);
            /* quoted up to 24 bytes */
            snprintf(want, sizeof(want),
                     ":10: learned: '%.24s' is not a UTC time like "
                     "2026-11-28T17:00:00Z",
                     bad[i]);
            snprintf(line, sizeof(line), "read: learned '%s' refused", bad[i]);
            read_fails("arz", text, want, line);
        }
        for (i = 0; i < NELEM(good); i++) {
            snprintf(line, sizeof(line), "learned = %s\n", good[i].s);
            with_line(text, sizeof(text), "learned =", line);
            /* the parser alone: some of these are in the future */
            snprintf(missing, sizeof(missing), "%s/arz.profile", cache);
            rc = mx_profile_parse(text, strlen(text), missing, "arz", p, &err);
            if (rc != 0 || (long long)p->learned != good[i].t) {
                all = 0;
                printf("# %s: rc %d, %lld\n", good[i].s, rc,
                       (long long)p->learned);
            }
        }
        tap_ok(all, "read: learned 1970, 2026, leap days 2028 and 2000, "
                    "9999-12-31T23:59:59Z, to the second");
    }

    /* Lists. */
    with_line(text, sizeof(text), "suites =", "suites = 0xC03\n");
    read_fails("arz", text, ":10: suites: '0xC03' is not a code like 0xC02F",
               "read: a three-digit code");
    with_line(text, sizeof(text), "suites =", "suites = C030\n");
    read_fails("arz", text, ":10: suites: 'C030' is not a code like 0xC02F",
               "read: a code without 0x");
    with_line(text, sizeof(text),
              "suites =", "suites = ECDHE-RSA-AES128-SHA\n");
    read_fails("arz", text,
               ":10: suites: 'ECDHE-RSA-AES128-SHA' is not a code like 0xC02F",
               "read: a suite name is not a code");
    with_line(text, sizeof(text), "suites =", "suites = 0xC030,,0x002F\n");
    read_fails("arz", text, ":10: suites: empty entry", "read: an empty entry");
    with_line(text, sizeof(text), "suites =", "suites = 0xC030,0x002F,\n");
    read_fails("arz", text, ":10: suites: empty entry",
               "read: a trailing comma");
    with_line(text, sizeof(text), "suites =", "suites = 0xC030, 0xc030\n");
    read_fails("arz", text, ":10: suites: 0xC030 appears twice",
               "read: a repeated suite");
    with_line(text, sizeof(text), "groups =", "groups = 0x0017 0x001D\n");
    read_fails("arz", text,
               ":10: groups: '0x0017 0x001D' is not a code like 0xC02F",
               "read: groups separated by a blank");
    mx_buf_append(&b, "suites = ");
    for (i = 0; i <= MX_PEER_MAX_SUITES; i++)
        mx_buf_printf(&b, "%s0x%04zX", i > 0 ? "," : "", i);
    mx_buf_append(&b, "\n");
    {
        char *big = malloc(16384);

        with_line(big, 16384, "suites =", mx_buf_str(&b));
        read_fails("arz", big, ":10: suites: more than 512 codes",
                   "read: 513 suites");
        mx_buf_reset(&b);
        mx_buf_append(&b, "groups = ");
        for (i = 0; i <= MX_PEER_MAX_LIST; i++)
            mx_buf_printf(&b, "%s0x%04zX", i > 0 ? "," : "", i);
        mx_buf_append(&b, "\n");
        with_line(big, 16384, "groups =", mx_buf_str(&b));
        read_fails("arz", big, ":10: groups: more than 64 codes",
                   "read: 65 groups");
        free(big);
    }
    mx_buf_free(&b);
    with_line(text, sizeof(text), "versions =", "versions = TLSv1.4\n");
    read_fails("arz", text, ":10: versions: unknown version 'TLSv1.4'",
               "read: unknown version");
    with_line(text, sizeof(text), "versions =", "versions = tls1.2\n");
    read_fails("arz", text, ":10: versions: unknown version 'tls1.2'",
               "read: only the canonical version names");
    with_line(text, sizeof(text),
              "versions =", "versions = TLSv1.2, TLSv1.2\n");
    read_fails("arz", text, ":10: versions: TLSv1.2 appears twice",
               "read: a repeated version");
    with_line(text, sizeof(text), "versions =", "versions = ,\n");
    read_fails("arz", text, ":10: versions: no version",
               "read: versions without a version");
    with_line(text, sizeof(text),
              "versions =", "versions = TLSv1.3,TLSv1.2 TLSv1.1\n");
    snprintf(missing, sizeof(missing), "%s/arz.profile", cache);
    write_text(missing, text);
    rc = mx_profile_read(cache, "arz", p, &err);
    tap_ok(rc == 0 && p->nversions == 3 && p->versions[0] == 0x0304 &&
               p->versions[2] == 0x0302,
           "read: versions separated by commas or blanks");

    /* Addresses and lengths. */
    {
        char *big = malloc(16384);
        struct mx_buf a = MX_BUF_INIT;

        for (i = 0; i <= MX_PROFILE_ADDRS; i++)
            mx_buf_printf(&a, "address = 10.0.0.%zu\n", i);
        with_line(big, 16384, "address =", mx_buf_str(&a));
        read_fails("arz", big, ":25: address: more than 16",
                   "read: 17 addresses");
        mx_buf_reset(&a);
        with_line(big, 16384, NULL, "address = 10.0.0.1 10.0.0.2\n");
        read_fails("arz", big, ":11: address: '10.0.0.1 10.0.0.2' has blanks",
                   "read: blanks in an address");
        memset(want, 'a', 48);
        want[48] = '\0';
        snprintf(text, sizeof(text), "address = %s\n", want);
        with_line(big, 16384, NULL, text);
        read_fails("arz", big, ":11: address: longer than 47 bytes",
                   "read: a 48-byte address");
        mx_buf_printf(&a, "hosts = %0512d\n", 7);
        with_line(big, 16384, "hosts =", mx_buf_str(&a));
        read_fails("arz", big, ":10: hosts: longer than 511 bytes",
                   "read: 512-byte hosts");
        mx_buf_reset(&a);
        mx_buf_printf(&a, "mx = %0256d\n", 7);
        with_line(big, 16384, "mx =", mx_buf_str(&a));
        read_fails("arz", big, ":10: mx: longer than 255 bytes",
                   "read: 256-byte mx");
        mx_buf_free(&a);
        free(big);
    }

    /* Files that are not there, and directories that are not there. */
    rc = mx_profile_read(cache, "nobody", p, &err);
    tap_is_int(rc, 1, "read: no profile: 1");
    snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
    snprintf(want, sizeof(want),
             "cache directory %s does not exist (create it: mxtls does not "
             "create it)",
             missing);
    rc = mx_profile_read(missing, "arz", p, &err);
    tap_ok(rc == -1 && err.code == MX_E_USAGE && strcmp(err.msg, want) == 0,
           "read: a missing cache directory is an error, not 'no profile'");
    rc = mx_profile_read(cache, "../arz", p, &err);
    tap_ok(rc == -1 && err.code == MX_E_USAGE &&
               strncmp(err.msg, "bad peer name '../arz'", 22) == 0,
           "read: a peer name with '/' refused");
    snprintf(missing, sizeof(missing), "%s/dir.profile", cache);
    mkdir(missing, 0755);
    rc = mx_profile_read(cache, "dir", p, &err);
    tap_ok(rc == -1 && err.code == MX_E_USAGE &&
               strstr(err.msg, ": a directory, not a regular file"),
           "read: a directory in place of the profile");
    rmdir(missing);
    tap_ok(mx_profile_read(NULL, "arz", p, &err) == -1 &&
               mx_profile_read(cache, "arz", NULL, &err) == -1,
           "read: NULL arguments");
    snprintf(missing, sizeof(missing), "%s/arz.profile", cache);
    unlink(missing);
    free(p);
}

static void
test_apply(void)
{
    struct mx_profile *p = malloc(sizeof(*p));
    struct mx_offer peer, typical;
    struct mx_error err;

    memset(&peer, 0, sizeof(peer));
    memset(&typical, 0, sizeof(typical));
    mx_offer_defaults(&typical, &err);
    sample(p);
    tap_is_int(mx_profile_offer(p, &peer, &err), 0, "offer: made");
    tap_ok(peer.min_version == 0x0303 && peer.max_version == 0x0303 &&
               peer.nsuites == 3 && peer.suites[0] == 0xc030 &&
               peer.suites[2] == 0x002f && peer.ngroups == 2 &&
               peer.groups[1] == 0x001d && peer.owned,
           "offer: versions, suites and groups from the profile");
    tap_ok(peer.nsigalgs == typical.nsigalgs &&
               memcmp(peer.sigalgs, typical.sigalgs, peer.nsigalgs * 2) == 0,
           "offer: signature schemes are the typical MTA's");
    p->ngroups = 0;
    p->versions[0] = 0x0304;
    p->versions[1] = 0x0303;
    p->nversions = 2;
    tap_is_int(mx_profile_offer(p, &peer, &err), 0,
               "offer: made again over the first");
    tap_ok(peer.ngroups == typical.ngroups &&
               memcmp(peer.groups, typical.groups, peer.ngroups * 2) == 0,
           "offer: groups not learned are the typical MTA's");
    tap_ok(peer.nsuites == 6 && peer.suites[0] == 0x1302 &&
               peer.suites[3] == 0xc030 && peer.min_version == 0x0303 &&
               peer.max_version == 0x0304,
           "offer: TLS 1.3 learned without TLS 1.3 suites: OpenSSL's added");
    mx_offer_free(&peer);
    mx_offer_free(&typical);
    free(p);
}

/* A profile written with learned = t (seconds since the epoch). */
static void
profile_at(const char *peer, time_t t)
{
    char text[1024], when[32], path[256];
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(text, sizeof(text),
             "peer = %s\nlearned = %s\nversions = TLSv1.2\n"
             "suites = 0xC030\n",
             peer, when);
    snprintf(path, sizeof(path), "%s/%s.profile", cache, peer);
    write_text(path, text);
}

/* A profile from the future is not fresh forever: beyond the clock
 * allowance it cannot be used. */
static void
test_future(void)
{
    struct mx_profile *p = malloc(sizeof(*p));
    struct mx_error err;
    char path[256];
    time_t now = time(NULL);
    int rc;

    profile_at("fut", now + 60);
    mx_error_clear(&err);
    rc = mx_profile_read(cache, "fut", p, &err);
    tap_ok(rc == 0, "future: 60 s ahead is within the clock allowance");
    if (rc != 0)
        printf("#   %s\n", err.msg);
    profile_at("fut", now + 86400);
    rc = mx_profile_read(cache, "fut", p, &err);
    tap_ok(rc == -1 && err.code == MX_E_USAGE &&
               strstr(err.msg, "in the future: more than the 300 s a clock "
                               "may be off; learn it again") != NULL &&
               p->nsuites == 0,
           "future: a day ahead is unusable, and says why");
    printf("#   %s\n", err.msg);
    profile_at("fut", (time_t)253402300799LL);
    rc = mx_profile_read(cache, "fut", p, &err);
    tap_ok(rc == -1 && strstr(err.msg, "learned 9999-12-31T23:59:59Z") != NULL,
           "future: 9999 is unusable");
    p->learned = now + MX_PROFILE_SKEW;
    tap_is_int(mx_profile_usable(p, now, "x", &err), 0,
               "future: exactly the allowance is usable");
    p->learned = now + MX_PROFILE_SKEW + 1;
    tap_is_int(mx_profile_usable(p, now, "x", &err), -1,
               "future: one second more is not");
    snprintf(path, sizeof(path), "%s/fut.profile", cache);
    unlink(path);
    free(p);
}

/* What an attacker could plant in the cache: links, FIFOs, other users'
 * files, garbage that must not be quoted at length. */
static void
test_hostile_files(void)
{
    struct mx_profile *p = malloc(sizeof(*p));
    struct mx_error err;
    char path[256], target[256], want[600];
    int rc;

    /* a symbolic link to a valid profile, and to /etc/passwd */
    snprintf(target, sizeof(target), "%s/real.txt", tmpdir);
    write_text(target, sample_text);
    snprintf(path, sizeof(path), "%s/arz.profile", cache);
    unlink(path);
    if (symlink(target, path) != 0)
        printf("# symlink: failed\n");
    rc = mx_profile_read(cache, "arz", p, &err);
    snprintf(want, sizeof(want),
             "profile %s: a symbolic link, not a regular file", path);
    tap_ok(rc == -1 && err.code == MX_E_USAGE && strcmp(err.msg, want) == 0,
           "hostile: a symbolic link is not followed, even to a profile");
    printf("#   %s\n", err.msg);
    unlink(path);
    if (symlink("/etc/passwd", path) != 0)
        printf("# symlink: failed\n");
    rc = mx_profile_read(cache, "arz", p, &err);
    tap_ok(rc == -1 && strstr(err.msg, "root") == NULL &&
               strstr(err.msg, "a symbolic link") != NULL,
           "hostile: a link to /etc/passwd: refused, nothing of it quoted");
    unlink(path);
    unlink(target);

    /* a FIFO: refused at once (opening it would wait for a writer) */
    if (mkfifo(path, 0644) != 0)
        printf("# mkfifo: failed\n");
    rc = mx_profile_read(cache, "arz", p, &err);
    snprintf(want, sizeof(want), "profile %s: a FIFO, not a regular file",
             path);
    tap_ok(rc == -1 && strcmp(err.msg, want) == 0,
           "hostile: a FIFO is refused without blocking");
    unlink(path);

    /* another user's file */
    write_text(path, sample_text);
    if (geteuid() == 0) {
        rc = chown(path, 4321, 4321) == 0
                 ? mx_profile_read(cache, "arz", p, &err)
                 : 0;
        tap_ok(rc == -1 && strstr(err.msg, "owned by uid 4321, neither this "
                                           "user (uid 0), root, nor the sole "
                                           "writer of its directory") != NULL,
               "hostile: a file of another user is refused");
        /* The same user owning the directory, writable by no one else
         * (a cache a cron job fills as nagios, read by root): used. */
        rc = chown(cache, 4321, 4321) == 0 && chmod(cache, 0755) == 0
                 ? mx_profile_read(cache, "arz", p, &err)
                 : -1;
        tap_ok(rc == 0, "a file of the directory's sole writer is used");
        /* ... but not when the group may write there too. */
        rc = chmod(cache, 0775) == 0 ? mx_profile_read(cache, "arz", p, &err)
                                     : 0;
        tap_ok(rc == -1 && strstr(err.msg, "owned by uid 4321") != NULL,
               "a group-writable directory: another user's file is refused");
        if (chown(cache, 0, 0) != 0 || chmod(cache, 0755) != 0)
            printf("# restoring the cache directory failed\n");
    } else {
        printf("ok %d - hostile: a file of another user is refused # SKIP "
               "not root\n",
               ++tap_n);
        printf("ok %d - a file of the directory's sole writer is used # SKIP "
               "not root\n",
               ++tap_n);
        printf("ok %d - a group-writable directory: another user's file is "
               "refused # SKIP not root\n",
               ++tap_n);
    }
    unlink(path);

    /* garbage is quoted short, and censored */
    write_text(path, "root:x:0:0:root:/root:/bin/bash and then some more\n");
    rc = mx_profile_read(cache, "arz", p, &err);
    snprintf(want, sizeof(want),
             "%s:1: expected key = value, not 'root:x:0:0:root:/root:/b'",
             path);
    tap_ok(rc == -1 && strcmp(err.msg, want) == 0,
           "hostile: an unparsable line is quoted to 24 bytes only");
    printf("#   %s\n", err.msg);
    write_text(path, "peer = arz\nx\x1b[2Jy = 1\n");
    rc = mx_profile_read(cache, "arz", p, &err);
    tap_ok(rc == -1 && strchr(err.msg, 0x1b) == NULL,
           "hostile: no escape character in the message");
    unlink(path);
    free(p);
}

int
main(void)
{
    int hidden;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mxtls-profile-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        tap_ok(0, "mkdtemp");
        return tap_done();
    }
    snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
    mkdir(cache, 0755);
    test_path();
    test_write_read();
    test_write_failures();
    test_read_errors();
    test_hostile_files();
    test_future();
    test_apply();
    {
        char path[256];

        snprintf(path, sizeof(path), "%s/arz.profile", cache);
        unlink(path);
    }
    tap_ok(count_entries(cache, &hidden) == 0,
           "cleanup: the cache directory is empty");
    tap_ok(rmdir(cache) == 0 && rmdir(tmpdir) == 0,
           "cleanup: temporary directories removed");
    return tap_done();
}
