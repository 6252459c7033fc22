/*
 * test_clientlib.c - the client library (clientlib.c) and 'client = NAME'
 * in a peers file (peers.c).
 *
 * A library is made in a mkdtemp directory: a MANIFEST and hellos built
 * with mx_hello_encode, written as hex. Checked: the list (sections
 * without a recording left out, keys read, unknown keys ignored), lookup
 * by name, the path of a recording, the one-line error for an unknown
 * name with the known names, a missing or broken MANIFEST, the
 * MXTLS_CLIENTS_DIR override, and a peer described by client = NAME
 * (its lists come from the recording; an unknown name is FILE:LINE).
 * The shipped library (MXTLS_SRCDIR/data/clients, when make check sets
 * MXTLS_SRCDIR) loads, and every client in it makes a peer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clientlib.h"
#include "err.h"
#include "hello.h"
#include "peers.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[64];

static int
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    int ok;

    if (f == NULL)
        return -1;
    ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A TLS 1.2-only hello offering suites, written as hex to DIR/NAME.hex. */
static int
write_hello(const char *name, const uint16_t *suites, size_t nsuites)
{
    static const uint16_t groups[] = {0x001d, 0x0017};
    static const uint16_t sigalgs[] = {0x0401, 0x0403};
    struct mx_hello h;
    struct mx_error err;
    struct mx_buf t = MX_BUF_INIT;
    uint8_t b[4096];
    size_t len = 0, i;
    char path[128];
    int rc;

    memset(&h, 0, sizeof(h));
    h.legacy_version = 0x0303;
    h.suites = suites;
    h.nsuites = nsuites;
    h.groups = groups;
    h.ngroups = NELEM(groups);
    h.sigalgs = sigalgs;
    h.nsigalgs = NELEM(sigalgs);
    h.flags = MX_HELLO_GROUPS | MX_HELLO_SIGALGS;
    if (mx_hello_encode(&h, b, sizeof(b), &len, &err) != 0) {
        printf("# encode: %s\n", err.msg);
        return -1;
    }
    for (i = 0; i < len; i++)
        mx_buf_printf(&t, "%02x", b[i]);
    mx_buf_append(&t, "\n");
    snprintf(path, sizeof(path), "%s/%s.hex", tmpdir, name);
    rc = mx_buf_failed(&t) ? -1 : write_text(path, mx_buf_str(&t));
    mx_buf_free(&t);
    return rc;
}

static const char manifest[] = "# a test library\n"
                               "[bank-mta]\n"
                               "program = an MTA\n"
                               "version = 1.0\n"
                               "library = OpenSSL 3.0\n"
                               "settings = TLS 1.2 only\n"
                               "recorded = 2026-01-02\n"
                               "how = by hand, for a test\n"
                               "future-key = ignored\n"
                               "\n"
                               "[modern]\n"
                               "program = another\n"
                               "[listed-only]\n"
                               "program = no recording beside it\n";

static void
test_library(void)
{
    static const uint16_t bank[] = {0xc030, 0x009d};
    static const uint16_t modern[] = {0xc02b, 0xc02f};
    struct mx_clients lib;
    const struct mx_client *c;
    struct mx_error err;
    char path[256], want[256], mf[128];

    snprintf(mf, sizeof(mf), "%s/MANIFEST", tmpdir);
    tap_ok(write_text(mf, manifest) == 0 &&
               write_hello("bank-mta", bank, 2) == 0 &&
               write_hello("modern", modern, 2) == 0,
           "library written");
    mx_error_clear(&err);
    tap_is_int(mx_clientlib_load(tmpdir, &lib, &err), 0, "load");
    tap_is_int((long long)lib.n, 2,
               "two clients: a section without .hex is left out");
    tap_is_str(lib.dir, tmpdir, "the directory is kept");
    c = mx_clientlib_find(&lib, "bank-mta");
    tap_ok(c != NULL, "find bank-mta");
    if (c != NULL) {
        tap_is_str(c->program, "an MTA", "program");
        tap_is_str(c->version, "1.0", "version");
        tap_is_str(c->library, "OpenSSL 3.0", "library");
        tap_is_str(c->settings, "TLS 1.2 only", "settings");
        tap_is_str(c->recorded, "2026-01-02", "recorded");
    }
    tap_ok(mx_clientlib_find(&lib, "listed-only") == NULL,
           "a client without its recording is not found");
    tap_ok(mx_clientlib_find(&lib, "BANK-MTA") == NULL, "names are exact");
    mx_clientlib_free(&lib);
    tap_ok(lib.v == NULL && lib.n == 0, "free empties it");

    tap_is_int(mx_clientlib_path(tmpdir, "modern", path, sizeof(path), &err), 0,
               "path of modern");
    snprintf(want, sizeof(want), "%s/modern.hex", tmpdir);
    tap_is_str(path, want, "path is DIR/NAME.hex");
    tap_is_int(mx_clientlib_path(tmpdir, "exchange", path, sizeof(path), &err),
               -1, "unknown name fails");
    tap_is_int(err.code, MX_E_USAGE, "as USAGE");
    tap_is_str(err.msg, "unknown client 'exchange' (known: bank-mta, modern)",
               "one line with the known names");
    tap_is_int(mx_clientlib_path(tmpdir, "../modern", path, sizeof(path), &err),
               -1, "a name with '/' is no client");
    tap_is_int(mx_clientlib_path(tmpdir, "modern", path, 8, &err), -1,
               "a path that does not fit fails");

    /* the override */
    setenv("MXTLS_CLIENTS_DIR", tmpdir, 1);
    tap_is_str(mx_clientlib_dir(), tmpdir,
               "MXTLS_CLIENTS_DIR is the directory");
    tap_is_int(mx_clientlib_path(NULL, "modern", path, sizeof(path), &err), 0,
               "NULL dir: the override is used");
    setenv("MXTLS_CLIENTS_DIR", "", 1);
    tap_ok(strcmp(mx_clientlib_dir(), tmpdir) != 0 &&
               mx_clientlib_dir()[0] == '/',
           "an empty MXTLS_CLIENTS_DIR: the installed directory");
}

static void
test_bad_manifests(void)
{
    struct mx_clients lib;
    struct mx_error err;
    char dir[128], mf[160], want[256];

    snprintf(dir, sizeof(dir), "%s/none", tmpdir);
    tap_is_int(mx_clientlib_load(dir, &lib, &err), -1, "no library: fails");
    snprintf(want, sizeof(want), "client library: %s/MANIFEST: ", dir);
    tap_ok(strncmp(err.msg, want, strlen(want)) == 0,
           "no library: the message names its MANIFEST");
    printf("#   %s\n", err.msg);

    snprintf(dir, sizeof(dir), "%s/bad", tmpdir);
    tap_ok(mkdir(dir, 0700) == 0, "mkdir bad");
    snprintf(mf, sizeof(mf), "%s/MANIFEST", dir);
    write_text(mf, "[a]\nprogram = x\n[a]\n");
    tap_is_int(mx_clientlib_load(dir, &lib, &err), -1, "a client twice fails");
    snprintf(want, sizeof(want), "%s:3: client [a] twice", mf);
    tap_is_str(err.msg, want, "with FILE:LINE");
    write_text(mf, "program = x\n");
    tap_is_int(mx_clientlib_load(dir, &lib, &err), -1,
               "a key before a section");
    write_text(mf, "[../x]\n");
    tap_is_int(mx_clientlib_load(dir, &lib, &err), -1, "a bad name fails");
    snprintf(want, sizeof(want), "%s:1: bad client name '../x'", mf);
    tap_is_str(err.msg, want, "bad name with FILE:LINE");
    write_text(mf, "# nothing\n");
    tap_is_int(mx_clientlib_load(dir, &lib, &err), 0, "an empty library loads");
    tap_is_int((long long)lib.n, 0, "with no client");
    mx_clientlib_free(&lib);
    tap_is_int(mx_clientlib_path(dir, "x", want, sizeof(want), &err), -1,
               "an empty library knows no name");
    tap_is_str(err.msg, "unknown client 'x' (known: none)", "known: none");
    unlink(mf);
    rmdir(dir);
}

static void
test_peers(void)
{
    static const char ok[] = "[bank]\nclient = bank-mta\n";
    static const char unknown[] = "[a]\ndescription = x\n\nclient = exchange\n";
    struct mx_peers peers;
    struct mx_error err;

    setenv("MXTLS_CLIENTS_DIR", tmpdir, 1);
    tap_is_int(mx_peers_parse(ok, strlen(ok), "p.conf", &peers, &err), 0,
               "client = bank-mta parses");
    if (peers.n == 1) {
        tap_is_int(peers.v[0].kind, MX_PEER_HELLO, "a recorded-hello peer");
        tap_is_int((long long)peers.v[0].offer.nsuites, 2,
                   "its suites from the recording");
        tap_is_int(peers.v[0].offer.suites[0], 0xc030, "in order");
        tap_ok(peers.v[0].offer.min_version == 0x0303 &&
                   peers.v[0].offer.max_version == 0x0303,
               "TLS 1.2 only");
        tap_is_str(peers.v[0].file, "p.conf",
                   "the peer's file is the peers file");
        tap_ok(peers.v[0].offer.hello_len > 0,
               "the recording is loaded for replay");
    } else {
        tap_ok(0, "one peer");
    }
    mx_peers_free(&peers);
    tap_is_int(mx_peers_parse(unknown, strlen(unknown), "p.conf", &peers, &err),
               -1, "an unknown client fails");
    tap_is_str(err.msg,
               "p.conf:4: client: unknown client 'exchange' (known: "
               "bank-mta, modern)",
               "FILE:LINE, the name and the known names");
}

/* The shipped library: every client in it makes a peer. */
static void
test_shipped(void)
{
    const char *src = getenv("MXTLS_SRCDIR");
    struct mx_clients lib;
    struct mx_peers peers;
    struct mx_error err;
    struct mx_buf text = MX_BUF_INIT;
    char dir[1024];
    size_t i;
    int bad = 0;

    snprintf(dir, sizeof(dir), "%s/data/clients", src != NULL ? src : ".");
    tap_is_int(mx_clientlib_load(dir, &lib, &err), 0,
               "the shipped library loads");
    tap_ok(lib.n >= 9, "it has the clients recorded here");
    setenv("MXTLS_CLIENTS_DIR", dir, 1);
    for (i = 0; i < lib.n; i++)
        mx_buf_printf(&text, "[%s]\nclient = %s\n", lib.v[i].name,
                      lib.v[i].name);
    if (mx_peers_parse(mx_buf_str(&text), strlen(mx_buf_str(&text)), "all.conf",
                       &peers, &err) != 0) {
        printf("# %s\n", err.msg);
        bad = 1;
    } else {
        for (i = 0; i < peers.n; i++)
            if (peers.v[i].offer.nsuites == 0 ||
                peers.v[i].offer.max_version == 0 ||
                peers.v[i].offer.hello_len == 0)
                bad = 1;
        tap_is_int((long long)peers.n, (long long)lib.n, "a peer per client");
        mx_peers_free(&peers);
    }
    tap_ok(!bad, "every shipped client decodes into versions and suites");
    mx_buf_free(&text);
    mx_clientlib_free(&lib);
}

int
main(void)
{
    char path[160];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_clientlib.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    test_library();
    test_bad_manifests();
    test_peers();
    test_shipped();
    snprintf(path, sizeof(path), "%s/MANIFEST", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bank-mta.hex", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/modern.hex", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return tap_done();
}
