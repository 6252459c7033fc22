/*
 * test_peers.c - the peers file, the command-line peer and the typical
 * MTA's lists (peers.c).
 *
 * Every rule of the file format is checked with its exact message; the
 * typical MTA's lists are compared with a ClientHello that the linked
 * OpenSSL builds for Postfix's default settings (SSL_connect on a memory
 * BIO); recorded hellos are built with mx_hello_encode or by OpenSSL and
 * written as hex files. contrib/peers.conf.example is loaded as it is,
 * from a copy in a temporary directory beside the hex file its [partner]
 * names (a relative clienthello path is taken from the directory of the
 * peers file). Everything temporary lives in one mkdtemp directory that is
 * removed at the end.
 *
 * The example is found through MXTLS_SRCDIR (set by make check), else
 * relative to the working directory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "err.h"
#include "hello.h"
#include "peers.h"
#include "registry.h"
#include "suites.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[64];

/* ---------------------------------------------------------------- */
/* Helpers.                                                         */

static void
path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

static int
write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL)
        return -1;
    ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int
write_text(const char *path, const char *text)
{
    return write_bytes(path, text, strlen(text));
}

/* bytes as a hex dump, 32 bytes a line */
static int
write_hex(const char *path, const uint8_t *b, size_t len)
{
    struct mx_buf t = MX_BUF_INIT;
    size_t i;
    int rc;

    for (i = 0; i < len; i++)
        mx_buf_printf(&t, "%02x%s", b[i], i % 32 == 31 ? "\n" : " ");
    mx_buf_append(&t, "\n");
    rc = write_text(path, mx_buf_str(&t));
    mx_buf_free(&t);
    return rc;
}

static int
u16_eq(const uint16_t *got, size_t ngot, const uint16_t *want, size_t nwant,
       const char *name)
{
    size_t i;
    int same = ngot == nwant;

    for (i = 0; same && i < ngot; i++)
        same = got[i] == want[i];
    if (!tap_ok(same, name)) {
        printf("#   got  %zu:", ngot);
        for (i = 0; i < ngot; i++)
            printf(" %04X", got[i]);
        printf("\n#   want %zu:", nwant);
        for (i = 0; i < nwant; i++)
            printf(" %04X", want[i]);
        printf("\n");
    }
    return same;
}

static int
has_code(const uint16_t *v, size_t n, uint16_t code)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i] == code)
            return 1;
    return 0;
}

/* Load text as a peers file; expect -1, USAGE, "PATH" + suffix. */
static void
load_fails(const char *text, const char *suffix, const char *name)
{
    char path[128], want[1024];
    struct mx_peers peers = {(struct mx_peer *)1, 7};
    struct mx_error err;
    int rc;

    path_in(path, sizeof(path), "err.conf");
    write_text(path, text);
    snprintf(want, sizeof(want), "%s%s", path, suffix);
    mx_error_clear(&err);
    rc = mx_peers_load(path, &peers, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strcmp(err.msg, want) == 0 && peers.v == NULL &&
                    peers.n == 0,
                name))
        printf("#   rc %d code %d\n#   got  \"%s\"\n#   want \"%s\"\n", rc,
               (int)err.code, err.msg, want);
    if (rc == 0)
        mx_peers_free(&peers);
    unlink(path);
}

/* The same for errors about the file itself (named with -f). */
static void
load_fails_file(const char *text, const char *suffix, const char *name)
{
    char path[128], want[1024];
    struct mx_peers peers = {(struct mx_peer *)1, 7};
    struct mx_error err;
    int rc;

    path_in(path, sizeof(path), "err.conf");
    write_text(path, text);
    snprintf(want, sizeof(want), "-f: %s%s", path, suffix);
    mx_error_clear(&err);
    rc = mx_peers_load(path, &peers, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strcmp(err.msg, want) == 0 && peers.v == NULL &&
                    peers.n == 0,
                name))
        printf("#   rc %d code %d\n#   got  \"%s\"\n#   want \"%s\"\n", rc,
               (int)err.code, err.msg, want);
    if (rc == 0)
        mx_peers_free(&peers);
    unlink(path);
}

/* The same, but only the start of the message is known. */
static void
load_fails_prefix(const char *text, const char *suffix, const char *name)
{
    char path[128], want[1024];
    struct mx_peers peers;
    struct mx_error err;
    int rc;

    path_in(path, sizeof(path), "err.conf");
    write_text(path, text);
    snprintf(want, sizeof(want), "%s%s", path, suffix);
    mx_error_clear(&err);
    rc = mx_peers_load(path, &peers, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strncmp(err.msg, want, strlen(want)) == 0 &&
                    peers.v == NULL && peers.n == 0,
                name))
        printf("#   rc %d\n#   got  \"%s\"\n#   want \"%s...\"\n", rc, err.msg,
               want);
    if (rc == 0)
        mx_peers_free(&peers);
    unlink(path);
}

/* Load text; 0 expected. The caller frees. */
static int
load_ok(const char *text, struct mx_peers *peers, const char *name)
{
    char path[128];
    struct mx_error err;
    int rc;

    path_in(path, sizeof(path), "ok.conf");
    write_text(path, text);
    mx_error_clear(&err);
    rc = mx_peers_load(path, peers, &err);
    if (!tap_ok(rc == 0, name))
        printf("#   %s\n", err.msg);
    unlink(path);
    return rc;
}

/* Build a ClientHello with the linked OpenSSL (memory BIOs). */
static size_t
openssl_hello(int minv, int maxv, const char *ciphers, const char *groups,
              int seclevel, uint8_t *out, size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    BIO *rb, *wb;
    char *data;
    long n = 0;

    if (ctx == NULL)
        return 0;
    SSL_CTX_set_security_level(ctx, seclevel);
    if (SSL_CTX_set_min_proto_version(ctx, minv) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, maxv) != 1 ||
        (ciphers != NULL && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) ||
        (groups != NULL && SSL_CTX_set1_groups_list(ctx, groups) != 1))
        goto out;
    ssl = SSL_new(ctx);
    rb = BIO_new(BIO_s_mem());
    wb = BIO_new(BIO_s_mem());
    if (ssl == NULL || rb == NULL || wb == NULL) {
        BIO_free(rb);
        BIO_free(wb);
        goto out;
    }
    SSL_set_bio(ssl, rb, wb);
    (void)SSL_connect(ssl);
    n = BIO_get_mem_data(wb, &data);
    if (n <= 0 || (size_t)n > cap)
        n = 0;
    else
        memcpy(out, data, (size_t)n);
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return (size_t)n;
}

/* ---------------------------------------------------------------- */
/* The typical MTA.                                                 */

static const uint16_t want_versions[] = {0x0304, 0x0303, 0x0302, 0x0301};
static const uint16_t want_groups[] = {0x001d, 0x001e, 0x0017, 0x0019, 0x0018};
/* OpenSSL 3.0.x, security level 1 or 2 (read from its ClientHello). */
static const uint16_t want_sigalgs[] = {
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
    0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
    0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
};
static const uint16_t tls13[] = {0x1302, 0x1303, 0x1301};
/* The bank's 12 suites, in its order. */
static const uint16_t bank[] = {0xc030, 0xc028, 0xc014, 0x009d, 0x003d, 0x0035,
                                0xc02f, 0xc027, 0xc013, 0x009c, 0x003c, 0x002f};
static const char bank_ciphers[] =
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-"
    "SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-"
    "SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:"
    "AES128-SHA256:AES128-SHA";

/* A peer's versions as the list its range spans, highest first, in vbuf;
 * returns the count. */
static uint16_t vbuf[8];

static size_t
vlist(const struct mx_peer *p)
{
    size_t n = 0;
    uint16_t v;

    for (v = p->offer.max_version;
         v >= p->offer.min_version && v != 0 && n < NELEM(vbuf); v--)
        vbuf[n++] = v;
    return n;
}

/* o emptied, then one list set (for the defaults cases). */
static void
reset(struct mx_offer *o)
{
    mx_offer_free(o);
}

static void
setl(struct mx_offer *o, enum mx_offer_list which, const uint16_t *codes,
     size_t n)
{
    struct mx_error err;

    if (mx_offer_set(o, which, codes, n, &err) != 0)
        tap_ok(0, "out of memory");
}

static void
test_defaults(void)
{
    struct mx_offer o;
    struct mx_offer *p = &o;
    struct mx_hello_view *v = calloc(1, sizeof(*v));
    uint8_t hello[4096];
    uint16_t lib[MX_HELLO_MAX_LIST], codes[MX_PEER_MAX_SUITES];
    const struct mx_suite *s;
    struct mx_error err;
    size_t n, i, nlib = 0;
    int clean = 1, is30;

    memset(&o, 0, sizeof(o));
    tap_is_int(mx_offer_defaults(p, &err), 0, "defaults: filled");
    tap_ok(p->max_version == want_versions[0] &&
               p->min_version == want_versions[NELEM(want_versions) - 1],
           "defaults: TLSv1.3 down to TLSv1.0");
    u16_eq(p->suites, 3, tls13, 3,
           "defaults: OpenSSL's TLS 1.3 suites first, in its order");
    u16_eq(p->groups, p->ngroups, want_groups, NELEM(want_groups),
           "defaults: Postfix 3.7 tls_eecdh_auto_curves");
    u16_eq(p->sigalgs, p->nsigalgs, want_sigalgs, NELEM(want_sigalgs),
           "defaults: OpenSSL 3.0's default signature schemes");
    tap_ok(p->owned, "defaults: the offer owns its lists");

    /* What the library sends for Postfix's settings, SCSV left out. */
    n = openssl_hello(
        TLS1_VERSION, TLS1_3_VERSION, "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
        "X25519:X448:prime256v1:secp521r1:secp384r1", 2, hello, sizeof(hello));
    if (tap_ok(n > 0 && mx_hello_decode(hello, n, v, &err) == 0,
               "defaults: the library builds Postfix's ClientHello")) {
        for (i = 0; i < v->nsuites; i++)
            if (v->suites[i] != 0x00ff)
                lib[nlib++] = v->suites[i];
        u16_eq(p->suites, p->nsuites, lib, nlib,
               "defaults: suites are what the library's client sends for "
               "Postfix's medium list");
        u16_eq(p->groups, p->ngroups, v->groups, v->ngroups,
               "defaults: groups are what Postfix's client sends");
        is30 = (OpenSSL_version_num() >> 20) == 0x300;
        if (is30)
            u16_eq(p->sigalgs, p->nsigalgs, v->sigalgs, v->nsigalgs,
                   "defaults: sigalgs are what OpenSSL 3.0's client sends");
        else
            tap_ok(1, "defaults: sigalgs vs the library # SKIP not "
                      "OpenSSL 3.0");
    }
    for (i = 0; i < p->nsuites; i++) {
        s = mx_suite_by_code(p->suites[i]);
        if (s == NULL || s->auth == MX_SAUTH_NULL || s->kx == MX_KX_PSK ||
            s->kx == MX_KX_SRP || (s->flags & MX_SUITE_SCSV))
            clean = 0;
    }
    tap_ok(clean, "defaults: no anonymous, PSK, SRP or signalling suite");
    tap_ok(!has_code(p->suites, p->nsuites, 0x00a7) &&
               !has_code(p->suites, p->nsuites, 0x00a9) &&
               !has_code(p->suites, p->nsuites, 0xc020),
           "defaults: ADH-AES256-GCM-SHA384, PSK-AES256-GCM-SHA384 and "
           "SRP-AES-256-CBC-SHA left out");
    tap_ok(has_code(p->suites, p->nsuites, 0xc030) &&
               has_code(p->suites, p->nsuites, 0x002f) &&
               has_code(p->suites, p->nsuites, 0xc02c),
           "defaults: ECDHE-RSA-AES256-GCM-SHA384, AES128-SHA and "
           "ECDHE-ECDSA-AES256-GCM-SHA384 offered");
    if ((OpenSSL_version_num() >> 20) == 0x300)
        tap_is_int((long long)p->nsuites, 74,
                   "defaults: 3 + 71 suites with OpenSSL 3.0");
    else
        tap_ok(1, "defaults: suite count # SKIP not OpenSSL 3.0");
    tap_is_int(p->suites[3], 0xc02c,
               "defaults: strongest TLS 1.2 suite first (@STRENGTH)");

    /* Only empty lists are filled. */
    reset(p);
    codes[0] = 0x0017;
    setl(p, MX_OFFER_GROUPS, codes, 1);
    codes[0] = 0x0401;
    setl(p, MX_OFFER_SIGALGS, codes, 1);
    p->min_version = p->max_version = 0x0303;
    mx_offer_defaults(p, &err);
    tap_ok(p->ngroups == 1 && p->groups[0] == 0x0017 && p->nsigalgs == 1 &&
               p->sigalgs[0] == 0x0401 && p->min_version == 0x0303 &&
               p->max_version == 0x0303,
           "defaults: lists the peer gave are kept");
    tap_ok(p->nsuites == (size_t)(nlib - 3) && p->suites[0] == 0xc02c &&
               !has_code(p->suites, p->nsuites, 0x1301),
           "defaults: no TLSv1.3, so the default suites lose the TLS 1.3 "
           "ones");

    /* TLS 1.3 in protocols, no TLS 1.3 suite: OpenSSL's are added. */
    reset(p);
    setl(p, MX_OFFER_SUITES, bank, NELEM(bank));
    mx_offer_defaults(p, &err);
    {
        uint16_t want[15];

        memcpy(want, tls13, sizeof(tls13));
        memcpy(want + 3, bank, sizeof(bank));
        u16_eq(p->suites, p->nsuites, want, 15,
               "defaults: TLSv1.3 offered and no TLS 1.3 suite: "
               "1302,1303,1301 put first");
    }

    /* TLS 1.3 suites with TLS 1.3 already present: kept as given. */
    reset(p);
    codes[0] = 0xc030;
    codes[1] = 0x1301;
    setl(p, MX_OFFER_SUITES, codes, 2);
    mx_offer_defaults(p, &err);
    tap_ok(p->nsuites == 2 && p->suites[0] == 0xc030 && p->suites[1] == 0x1301,
           "defaults: a TLS 1.3 suite present: nothing added");

    /* No TLS 1.3 in protocols: TLS 1.3 suites dropped. */
    reset(p);
    p->max_version = 0x0303;
    p->min_version = 0x0302;
    codes[0] = 0x1301;
    codes[1] = 0xc030;
    codes[2] = 0x1302;
    codes[3] = 0x002f;
    setl(p, MX_OFFER_SUITES, codes, 4);
    mx_offer_defaults(p, &err);
    tap_ok(p->nsuites == 2 && p->suites[0] == 0xc030 && p->suites[1] == 0x002f,
           "defaults: TLSv1.3 not offered: TLS 1.3 suites dropped");

    /* A full list: the TLS 1.3 suites go in, the tail falls off. */
    reset(p);
    for (i = 0; i < MX_PEER_MAX_SUITES; i++)
        codes[i] = (uint16_t)(0x2000 + i);
    setl(p, MX_OFFER_SUITES, codes, MX_PEER_MAX_SUITES);
    mx_offer_defaults(p, &err);
    tap_ok(p->nsuites == MX_PEER_MAX_SUITES && p->suites[0] == 0x1302 &&
               p->suites[2] == 0x1301 && p->suites[3] == 0x2000 &&
               p->suites[MX_PEER_MAX_SUITES - 1] ==
                   0x2000 + MX_PEER_MAX_SUITES - 4,
           "defaults: a full suite list keeps 512 suites, TLS 1.3 first");
    tap_is_int(mx_offer_defaults(NULL, &err), 0,
               "defaults: NULL offer ignored");
    mx_offer_free(p);
    tap_ok(p->suites == NULL && p->nsuites == 0 && !p->owned,
           "mx_offer_free empties the offer");
    free(v);
}

/* ---------------------------------------------------------------- */
/* Recorded hellos.                                                 */

/* A hello with GREASE, SCSVs and supported_versions (mx_hello_encode). */
static size_t
grease_hello(uint8_t *out, size_t cap, int with_versions)
{
    static const uint16_t suites[] = {0x2a2a, 0x1301, 0xc02f,
                                      0x00ff, 0x5600, 0x002f};
    static const uint16_t versions[] = {0xdada, 0x0303, 0x0304, 0x7f1c};
    static const uint16_t groups[] = {0x3a3a, 0x001d, 0x0017};
    static const uint16_t sigalgs[] = {0x0a0a, 0x0403, 0x0804};
    struct mx_hello h;
    struct mx_error err;
    size_t len = 0;

    memset(&h, 0, sizeof(h));
    h.legacy_version = 0x0303;
    h.suites = suites;
    h.nsuites = NELEM(suites);
    h.versions = versions;
    h.nversions = with_versions ? NELEM(versions) : 0;
    h.groups = groups;
    h.ngroups = NELEM(groups);
    h.sigalgs = sigalgs;
    h.nsigalgs = NELEM(sigalgs);
    h.flags = MX_HELLO_GROUPS | MX_HELLO_SIGALGS |
              (with_versions ? MX_HELLO_VERSIONS : 0);
    if (mx_hello_encode(&h, out, cap, &len, &err) != 0) {
        printf("# encode: %s\n", err.msg);
        return 0;
    }
    return len;
}

static void
test_hellos(void)
{
    static const uint16_t want_suites[] = {0x1301, 0xc02f, 0x002f};
    static const uint16_t want_v13[] = {0x0304, 0x0303};
    static const uint16_t want_groups2[] = {0x001d, 0x0017};
    static const uint16_t want_sig2[] = {0x0403, 0x0804};
    struct mx_peers peers;
    struct mx_peer *p;
    uint8_t b[8192], split[8200];
    char path[128], text[512];
    size_t n, cut;

    n = grease_hello(b, sizeof(b), 1);
    path_in(path, sizeof(path), "grease.hex");
    write_hex(path, b, n);
    snprintf(text, sizeof(text), "[g]\nclienthello = %s\n", path);
    if (load_ok(text, &peers, "hello: GREASE hello loads by absolute path") ==
        0) {
        p = &peers.v[0];
        tap_is_int(p->kind, MX_PEER_HELLO, "hello: kind is MX_PEER_HELLO");
        u16_eq(vbuf, vlist(p), want_v13, 2,
               "hello: versions from supported_versions, GREASE and "
               "unknown drafts left out, highest first");
        u16_eq(p->offer.suites, p->offer.nsuites, want_suites, 3,
               "hello: suites without GREASE and SCSVs, in order");
        u16_eq(p->offer.groups, p->offer.ngroups, want_groups2, 2,
               "hello: groups without GREASE");
        u16_eq(p->offer.sigalgs, p->offer.nsigalgs, want_sig2, 2,
               "hello: sigalgs without GREASE");
        tap_ok(p->offer.hello != NULL && p->offer.hello_len == n &&
                   memcmp(p->offer.hello, b, n) == 0,
               "hello: the recording is kept byte for byte");
        mx_peers_free(&peers);
    }

    /* No supported_versions: the legacy version alone. */
    n = grease_hello(b, sizeof(b), 0);
    path_in(path, sizeof(path), "tls12.hex");
    write_hex(path, b, n);
    if (load_ok("[t]\nclienthello = tls12.hex\n", &peers,
                "hello: relative path from the peers file's directory") == 0) {
        tap_ok(peers.v[0].offer.min_version == 0x0303 &&
                   peers.v[0].offer.max_version == 0x0303,
               "hello: no supported_versions: just the legacy version");
        mx_peers_free(&peers);
    }

    /* The same hello split over two records. */
    n = grease_hello(b, sizeof(b), 1);
    cut = 40;
    memcpy(split, b, 5 + cut);
    split[3] = (uint8_t)(cut >> 8);
    split[4] = (uint8_t)(cut & 0xff);
    split[5 + cut] = 0x16;
    split[5 + cut + 1] = b[1];
    split[5 + cut + 2] = b[2];
    split[5 + cut + 3] = (uint8_t)((n - 5 - cut) >> 8);
    split[5 + cut + 4] = (uint8_t)((n - 5 - cut) & 0xff);
    memcpy(split + 10 + cut, b + 5 + cut, n - 5 - cut);
    path_in(path, sizeof(path), "split.hex");
    write_hex(path, split, n + 5);
    if (load_ok("[s]\nclienthello = split.hex\n", &peers,
                "hello: a hello in two records loads") == 0) {
        u16_eq(peers.v[0].offer.suites, peers.v[0].offer.nsuites, want_suites,
               3, "hello: two records decoded as one hello");
        tap_is_int((long long)peers.v[0].offer.hello_len, (long long)n + 5,
                   "hello: both records kept for the replay");
        mx_peers_free(&peers);
    }

    /* A TLS 1.0 client (OpenSSL, max TLS 1.0): legacy version 0x0301. */
    n = openssl_hello(TLS1_VERSION, TLS1_VERSION, "AES128-SHA:AES256-SHA", NULL,
                      0, b, sizeof(b));
    path_in(path, sizeof(path), "tls10.hex");
    write_hex(path, b, n);
    if (load_ok("[old]\nclienthello = tls10.hex\n", &peers,
                "hello: an OpenSSL TLS 1.0 client's hello loads") == 0) {
        static const uint16_t want[] = {0x002f, 0x0035};

        tap_ok(peers.v[0].offer.min_version == 0x0301 &&
                   peers.v[0].offer.max_version == 0x0301,
               "hello: TLS 1.0 client: versions = TLSv1.0");
        u16_eq(peers.v[0].offer.suites, peers.v[0].offer.nsuites, want, 2,
               "hello: TLS 1.0 client: its two suites, SCSV left out");
        mx_peers_free(&peers);
    }

    /* An SSLv2-compatible CLIENT-HELLO offering TLS 1.0. */
    {
        static const uint16_t v2suites[] = {0x0035, 0x002f};
        static const uint32_t v2kinds[] = {0x010080};
        struct mx_hello h;
        struct mx_error err;

        memset(&h, 0, sizeof(h));
        h.sslv2 = 1;
        h.legacy_version = 0x0301;
        h.suites = v2suites;
        h.nsuites = 2;
        h.ssl2_ciphers = v2kinds;
        h.nssl2_ciphers = 1;
        n = 0;
        if (mx_hello_encode(&h, b, sizeof(b), &n, &err) != 0)
            printf("# encode: %s\n", err.msg);
        path_in(path, sizeof(path), "v2.hex");
        write_hex(path, b, n);
        if (load_ok("[v2]\nclienthello = v2.hex\n", &peers,
                    "hello: an SSLv2-compatible hello loads") == 0) {
            tap_ok(peers.v[0].offer.min_version == 0x0301 &&
                       peers.v[0].offer.max_version == 0x0301,
                   "hello: SSLv2 format: its version, TLSv1.0");
            u16_eq(peers.v[0].offer.suites, peers.v[0].offer.nsuites, v2suites,
                   2, "hello: SSLv2 format: the TLS suites among its kinds");
            tap_ok(peers.v[0].offer.ngroups == 0 &&
                       peers.v[0].offer.nsigalgs == 0,
                   "hello: SSLv2 format: no groups, no sigalgs (not "
                   "filled with defaults)");
            mx_peers_free(&peers);
        }
    }

    /* Not a hello at all: the reader's or the decoder's message. */
    path_in(path, sizeof(path), "junk.hex");
    write_text(path, "16 03 01 00 05 02 00 00 01 00\n");
    load_fails_prefix("[j]\nclienthello = junk.hex\n", ":2: clienthello: ",
                      "hello: a record that is not a ClientHello is an "
                      "error at its line");
    load_fails_prefix("[j]\nclienthello = missing.hex\n", ":2: clienthello: ",
                      "hello: an unreadable clienthello file is an error at "
                      "its line");
}

/* ---------------------------------------------------------------- */
/* The file format.                                                 */

static void
test_format(void)
{
    struct mx_peers peers;
    struct mx_buf big = MX_BUF_INIT;
    char path[128], longname[80], text[512];
    struct mx_error err;
    struct mx_peer *p;
    size_t i;
    int rc;

    /* A plain peer, and defaults of the fields. */
    if (load_ok("# comment\n; another\n\n  [plain]  \n", &peers,
                "format: a section without keys is a peer") == 0) {
        p = &peers.v[0];
        tap_ok(peers.n == 1 && strcmp(p->name, "plain") == 0 &&
                   p->kind == MX_PEER_LISTS && p->severity == MX_CRITICAL &&
                   p->max_age == 30L * 86400 && p->line == 4 &&
                   p->description[0] == '\0',
               "format: name, kind, severity critical, max-age 30d, line");
        path_in(path, sizeof(path), "ok.conf");
        tap_is_str(p->file, path, "format: the file is recorded");
        u16_eq(vbuf, vlist(p), want_versions, 4,
               "format: a peer without lists looks like the typical MTA");
        tap_ok(p->offer.nsuites > 3 && p->offer.ngroups == 5 &&
                   p->offer.nsigalgs == 20,
               "format: ... in every list");
        mx_peers_free(&peers);
        mx_peers_free(&peers);
        tap_ok(peers.v == NULL && peers.n == 0, "format: free twice is fine");
    }

    /* Case, blanks, CRLF, '#' inside values. */
    if (load_ok("[Bank-1.x_y]\r\n  Severity   =   Warning  \r\n"
                "DESCRIPTION = a # b ; c\r\nPROTOCOLS=TLSv1.2\r\n",
                &peers, "format: CRLF, blanks and upper-case keys") == 0) {
        p = &peers.v[0];
        tap_is_str(p->name, "Bank-1.x_y", "format: section name case kept");
        tap_is_int(p->severity, MX_WARNING, "format: severity = Warning");
        tap_is_str(p->description, "a # b ; c",
                   "format: '#' and ';' inside a value are kept");
        tap_ok(p->offer.min_version == 0x0303 && p->offer.max_version == 0x0303,
               "format: protocols = TLSv1.2");
        mx_peers_free(&peers);
    }

    if (load_ok("\xef\xbb\xbf[bom]\n", &peers,
                "format: a UTF-8 byte order mark is skipped") == 0) {
        tap_is_str(peers.v[0].name, "bom", "format: ... and not in the name");
        mx_peers_free(&peers);
    }
    load_fails("[a]\n\xef\xbb\xbf[b]\n",
               ":2: expected [name], key = value or a comment, not "
               "'\xef\xbb\xbf[b]'",
               "error: a byte order mark elsewhere is text");

    /* Lists in the file, every form, and the TLS 1.3 rule. */
    if (load_ok("[b]\nprotocols = TLSv1.2\nciphers = ECDHE-RSA-AES256-GCM-"
                "SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-"
                "GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-"
                "SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-"
                "GCM-SHA256:AES128-SHA256:AES128-SHA\n"
                "[c]\nprotocols = 1.0, tls1_2 TLSv1.2\nciphers = 0xC0,0x30 "
                "C02F\ngroups = 29 P-256 0x0018\nsigalgs = RSA+SHA256 "
                "rsa_pss_rsae_sha256 0x0201\n"
                "[d]\nprotocols = TLSv1.3 TLSv1.2\nciphers = HIGH:!aNULL:"
                "!kRSA:!PSK:!SRP:!DSS:!CAMELLIA:!ARIA:!AESCCM:!SHA1:!SHA256:"
                "!SHA384\n",
                &peers, "format: lists in every form") == 0) {
        static const uint16_t c_suites[] = {0xc030, 0xc02f};
        /* "1.0, tls1_2 TLSv1.2": the range they span */
        static const uint16_t c_versions[] = {0x0303, 0x0302, 0x0301};
        static const uint16_t c_groups[] = {0x001d, 0x0017, 0x0018};
        static const uint16_t c_sig[] = {0x0401, 0x0804, 0x0201};

        u16_eq(peers.v[0].offer.suites, peers.v[0].offer.nsuites, bank, 12,
               "format: the bank's 12 suites, no TLS 1.3 suite added");
        u16_eq(vbuf, vlist(&peers.v[1]), c_versions, 3,
               "format: protocols as the range they span");
        u16_eq(peers.v[1].offer.suites, peers.v[1].offer.nsuites, c_suites, 2,
               "format: ciphers as codes");
        u16_eq(peers.v[1].offer.groups, peers.v[1].offer.ngroups, c_groups, 3,
               "format: groups by code and name");
        u16_eq(peers.v[1].offer.sigalgs, peers.v[1].offer.nsigalgs, c_sig, 3,
               "format: sigalgs by OpenSSL form, IANA name and code");
        tap_ok(peers.v[2].offer.nsuites > 3 &&
                   peers.v[2].offer.suites[0] == 0x1302 &&
                   peers.v[2].offer.suites[1] == 0x1303 &&
                   peers.v[2].offer.suites[2] == 0x1301 &&
                   !has_code(peers.v[2].offer.suites + 3,
                             peers.v[2].offer.nsuites - 3, 0x1301),
               "format: cipher string with TLSv1.3: OpenSSL's TLS 1.3 "
               "suites put first");
        tap_is_int(peers.v[2].offer.ngroups, 5,
                   "format: groups left out: default");
        mx_peers_free(&peers);
    }

    /* mx and max-age. */
    if (load_ok("[m1]\nmx = example.org\n[m2]\nmx = [192.0.2.1]:2525\n"
                "max-age = 3600\n[m3]\nmx = mx.example.org:25\nmax-age = "
                "90m\n[m4]\nmx = [2001:db8::1]\nmax-age = 12h\n[m5]\nmax-age "
                "= 2w\nmx = example.net\n[m6]\nmx = a\nmax-age = 3650d\n"
                "[m7]\nmx=b\nmax-age=1s\n",
                &peers, "format: mx forms and max-age units") == 0) {
        tap_ok(peers.n == 7 && peers.v[0].kind == MX_PEER_MX &&
                   strcmp(peers.v[0].mx, "example.org") == 0 &&
                   peers.v[0].max_age == 2592000 &&
                   peers.v[0].offer.nsuites == 0 &&
                   peers.v[0].offer.max_version == 0 &&
                   peers.v[0].offer.ngroups == 0,
               "format: mx peer: kind, mx, max-age 30d, lists empty");
        tap_ok(peers.v[1].max_age == 3600 && peers.v[2].max_age == 5400 &&
                   peers.v[3].max_age == 43200 &&
                   peers.v[4].max_age == 1209600 &&
                   peers.v[5].max_age == 315360000L && peers.v[6].max_age == 1,
               "format: max-age 3600, 90m, 12h, 2w, 3650d, 1s");
        tap_is_str(peers.v[1].mx, "[192.0.2.1]:2525", "format: [host]:port");
        mx_peers_free(&peers);
    }

    /* Errors, with exact messages. */
    load_fails("", ": no peer defined (a peer starts with [name])",
               "error: empty file");
    load_fails("# only\n\n; comments\n",
               ": no peer defined (a peer starts with [name])",
               "error: a file without a peer");
    load_fails("severity = warning\n[a]\n",
               ":1: key 'severity' outside a section (start one with [name])",
               "error: key outside a section");
    load_fails("[a]\ncolour = blue\n", ":2: unknown key 'colour'",
               "error: unknown key");
    load_fails("[a]\nseverity = warning\n\nSEVERITY = critical\n",
               ":4: duplicate key 'severity' (first at line 2)",
               "error: duplicate key (any case)");
    load_fails("[a]\n[b]\n[a]\n", ":3: duplicate section [a] (first at line 1)",
               "error: duplicate section");
    load_fails("[arz]\n[ARZ]\n",
               ":2: duplicate section [ARZ] (first at line 1)",
               "error: sections differing in case are duplicates");
    load_fails("[a b]\n",
               ":1: bad section name 'a b': 1 to 63 letters, digits, '.', '_' "
               "or '-'",
               "error: blank in a section name");
    load_fails("[../x]\n",
               ":1: bad section name '../x': 1 to 63 letters, digits, '.', "
               "'_' or '-'",
               "error: '/' in a section name");
    load_fails("[]\n",
               ":1: bad section name '': 1 to 63 letters, digits, '.', '_' or "
               "'-'",
               "error: empty section name");
    load_fails("[a] x\n", ":1: bad section line '[a] x': a section is [name]",
               "error: text after a section");
    load_fails("[a\n", ":1: bad section line '[a': a section is [name]",
               "error: section not closed");
    memset(longname, 'n', 64);
    longname[64] = '\0';
    snprintf(text, sizeof(text), "[%s]\n", longname);
    {
        char want[200];

        snprintf(want, sizeof(want),
                 ":1: bad section name '%s': 1 to 63 letters, digits, '.', "
                 "'_' or '-'",
                 longname);
        load_fails(text, want, "error: 64-byte section name");
    }
    longname[63] = '\0';
    snprintf(text, sizeof(text), "[%s]\n", longname);
    if (load_ok(text, &peers, "format: 63-byte section name") == 0)
        mx_peers_free(&peers);
    /* authenticates: dane or none, once, in any section kind */
    if (load_ok("[d]\nauthenticates = DANE\n[n]\nauthenticates = none\n"
                "[x]\nprotocols = TLSv1.2\n",
                &peers, "format: authenticates = dane / none") == 0) {
        tap_ok(peers.n == 3 && peers.v[0].auth == MX_PEER_AUTH_DANE &&
                   peers.v[1].auth == 0 && peers.v[2].auth == 0,
               "format: dane sets it, none and no key leave it unset");
        mx_peers_free(&peers);
    }
    if (load_ok("[a]\nauthenticates = MTA-STS\n", &peers,
                "format: authenticates = mta-sts") == 0) {
        tap_ok(peers.n == 1 && peers.v[0].auth == MX_PEER_AUTH_MTASTS,
               "format: mta-sts sets it");
        mx_peers_free(&peers);
    }
    load_fails("[a]\nauthenticates = tlsrpt\n",
               ":2: authenticates: 'tlsrpt' is not dane, mta-sts or none",
               "error: an unknown authenticates value is refused, saying why");
    load_fails("[a]\nauthenticates = dane\nauthenticates = dane\n",
               ":3: duplicate key 'authenticates' (first at line 2)",
               "error: authenticates twice");
    load_fails("[a]\nseverity = fatal\n",
               ":2: severity: 'fatal' is not critical or warning",
               "error: bad severity");
    load_fails("[a]\nseverity = unknown\n",
               ":2: severity: 'unknown' is not critical or warning",
               "error: severity unknown is not a peer severity");
    load_fails("[a]\nmx = x\nmax-age = soon\n",
               ":3: max-age: 'soon' is not a duration (seconds, or a number "
               "with s, m, h, d or w; at most 10 years)",
               "error: max-age not a number");
    load_fails("[a]\nmx = x\nmax-age = 10y\n",
               ":3: max-age: '10y' is not a duration (seconds, or a number "
               "with s, m, h, d or w; at most 10 years)",
               "error: max-age with an unknown unit");
    load_fails("[a]\nmx = x\nmax-age = -1\n",
               ":3: max-age: '-1' is not a duration (seconds, or a number "
               "with s, m, h, d or w; at most 10 years)",
               "error: negative max-age");
    load_fails("[a]\nmx = x\nmax-age = 1 d\n",
               ":3: max-age: '1 d' is not a duration (seconds, or a number "
               "with s, m, h, d or w; at most 10 years)",
               "error: blank inside max-age");
    load_fails(
        "[a]\nmx = x\nmax-age = 0\n",
        ":3: max-age: '0' is not a duration (seconds, or a number with s, m, h, d or w; at most 10 years)",
        "error: max-age 0");
    load_fails(
        "[a]\nmx = x\nmax-age = 3651d\n",
        ":3: max-age: '3651d' is not a duration (seconds, or a number with s, m, h, d or w; at most 10 years)",
        "error: max-age over 3650d");
    load_fails("[a]\nmx = x\nmax-age = 99999999999999999999999\n",
               ":3: max-age: '99999999999999999999999' is not a duration "
               "(seconds, or a number with s, m, h, d or w; at most 10 years)",
               "error: max-age overflow");
    load_fails("[a]\nmax-age = 1d\n",
               ":2: max-age needs mx (it says when the profile learned from "
               "the MX is stale)",
               "error: max-age without mx");
    load_fails("[a]\nciphers = FOO\n", ":2: ciphers: unknown suite 'FOO'",
               "error: ciphers that do not parse (the parser's message)");
    load_fails("[a]\nciphers = HIGH:!NOPE\n",
               ":2: ciphers: unknown suite 'NOPE'",
               "error: a cipher string with a typo");
    load_fails("[a]\ngroups = X25519 P-999\n",
               ":2: groups: unknown group 'P-999'",
               "error: groups that do not parse");
    load_fails("[a]\nsigalgs = RSA+MD4\n",
               ":2: sigalgs: unknown signature scheme 'RSA+MD4'",
               "error: sigalgs that do not parse");
    load_fails("[a]\nprotocols = TLSv1.2 TLSv1.4\n",
               ":2: protocols: unknown protocol version 'TLSv1.4'",
               "error: protocols that do not parse");
    load_fails("[a]\nprotocols = , :\n", ":2: protocols: empty protocol list",
               "error: protocols with separators only");
    load_fails("[a]\ndescription =\n", ":2: empty value for 'description'",
               "error: empty value");
    load_fails("[a]\nciphers =   \t\n", ":2: empty value for 'ciphers'",
               "error: blank value");
    load_fails("[a]\nmx = example.org\nprotocols = TLSv1.2\n",
               ":3: 'protocols' cannot be combined with 'mx' (line 2): a peer "
               "is described by lists, by a recorded ClientHello or by its MX",
               "error: mx and lists");
    load_fails("[a]\nciphers = HIGH\nclienthello = x.hex\n",
               ":3: 'clienthello' cannot be combined with 'ciphers' (line 2): "
               "a peer is described by lists, by a recorded ClientHello or by "
               "its MX",
               "error: lists and clienthello");
    load_fails("[a]\nclienthello = tls12.hex\nmx = x\n",
               ":3: 'mx' cannot be combined with 'clienthello' (line 2): a "
               "peer is described by lists, by a recorded ClientHello or by "
               "its MX",
               "error: clienthello and mx");
    load_fails("[a]\ngroups = P-256\nmax-age = 1d\n",
               ":3: 'max-age' cannot be combined with 'groups' (line 2): a "
               "peer is described by lists, by a recorded ClientHello or by "
               "its MX",
               "error: max-age belongs to mx, not to lists");
    load_fails("[a]\nseverity\n",
               ":2: expected [name], key = value or a comment, not 'severity'",
               "error: a line without '='");
    load_fails("[a]\n = x\n", ":2: no key before '='", "error: no key");
    load_fails("[a]\nmx = exa mple.org\n",
               ":2: mx 'exa mple.org' is not a host, domain, host:port or "
               "[host]:port",
               "error: blank in mx");
    load_fails("[a]\nmx = host:0\n",
               ":2: mx 'host:0' is not a host, domain, host:port or "
               "[host]:port",
               "error: port 0");
    load_fails("[a]\nmx = host:65536\n",
               ":2: mx 'host:65536' is not a host, domain, host:port or "
               "[host]:port",
               "error: port 65536");
    load_fails("[a]\nmx = [::1\n",
               ":2: mx '[::1' is not a host, domain, host:port or [host]:port",
               "error: bracket not closed");
    load_fails("[a]\nmx = a/b\n",
               ":2: mx 'a/b' is not a host, domain, host:port or [host]:port",
               "error: '/' in mx");
    memset(text, 'd', sizeof(text));
    memcpy(text, "[a]\ndescription = ", 18);
    text[18 + 160] = '\n';
    text[18 + 161] = '\0';
    load_fails(text, ":2: description is longer than 159 bytes",
               "error: 160-byte description");
    text[18 + 159] = '\n';
    text[18 + 160] = '\0';
    if (load_ok(text, &peers, "format: 159-byte description") == 0)
        mx_peers_free(&peers);

    /* NUL bytes, long lines, big files, many peers. */
    path_in(path, sizeof(path), "nul.conf");
    write_bytes(path, "[a]\nseve\0rity = x\n", 18);
    mx_error_clear(&err);
    rc = mx_peers_load(path, &peers, &err);
    {
        char want[200];

        snprintf(want, sizeof(want), "%s:2: NUL byte in the line", path);
        tap_ok(rc == -1 && strcmp(err.msg, want) == 0,
               "error: NUL byte in a line");
    }
    mx_buf_append(&big, "[a]\n#");
    for (i = 0; i < 4095; i++)
        mx_buf_append(&big, "x");
    mx_buf_append(&big, "\n");
    if (load_ok(mx_buf_str(&big), &peers, "format: a 4096-byte line") == 0)
        mx_peers_free(&peers);
    mx_buf_reset(&big);
    mx_buf_append(&big, "[a]\n#");
    for (i = 0; i < 4096; i++)
        mx_buf_append(&big, "x");
    mx_buf_append(&big, "\n");
    load_fails(mx_buf_str(&big), ":2: line longer than 4096 bytes",
               "error: a 4097-byte line");

    /* 1 MiB exactly is fine, one more byte is not. */
    mx_buf_reset(&big);
    mx_buf_append(&big, "[a]\n");
    while (big.len + 100 <= 1024 * 1024) {
        mx_buf_append(&big, "#");
        for (i = 0; i < 98; i++)
            mx_buf_append(&big, "y");
        mx_buf_append(&big, "\n");
    }
    while (big.len < 1024 * 1024 - 1)
        mx_buf_append(&big, "#");
    mx_buf_append(&big, "\n");
    if (load_ok(mx_buf_str(&big), &peers, "format: a file of exactly 1 MiB") ==
        0)
        mx_peers_free(&peers);
    mx_buf_append(&big, "\n");
    load_fails_file(mx_buf_str(&big), ": larger than 1 MiB",
                    "error: a file over 1 MiB");

    mx_buf_reset(&big);
    for (i = 0; i < MX_PEERS_MAX; i++)
        mx_buf_printf(&big, "[p%zu]\n", i);
    if (load_ok(mx_buf_str(&big), &peers, "format: 1000 peers") == 0) {
        tap_ok(peers.n == 1000 && strcmp(peers.v[999].name, "p999") == 0 &&
                   peers.v[999].line == 1000,
               "format: all 1000 peers read");
        mx_peers_free(&peers);
    }
    mx_buf_append(&big, "[p1000]\n");
    load_fails(mx_buf_str(&big), ":1001: more than 1000 peers",
               "error: 1001 peers");
    mx_buf_free(&big);

    path_in(path, sizeof(path), "absent.conf");
    mx_error_clear(&err);
    rc = mx_peers_load(path, &peers, &err);
    {
        char want[200];

        snprintf(want, sizeof(want),
                 "-f: %s: cannot open: No such file or directory", path);
        tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                   strcmp(err.msg, want) == 0 && peers.v == NULL,
               "error: a missing peers file");
    }
    rc = mx_peers_load(tmpdir, &peers, &err);
    tap_ok(rc == -1 && err.code == MX_E_USAGE &&
               strstr(err.msg, ": a directory, not a regular file"),
           "error: a directory as peers file");
    {
        static struct mx_peer peers_one;
        char fifo[160], want[300];

        path_in(fifo, sizeof(fifo), "fifo.conf");
        if (mkfifo(fifo, 0600) != 0)
            printf("# mkfifo %s failed\n", fifo);
        rc = mx_peers_load(fifo, &peers, &err);
        snprintf(want, sizeof(want), "-f: %s: a FIFO, not a regular file",
                 fifo);
        tap_ok(rc == -1 && strcmp(err.msg, want) == 0,
               "error: a FIFO as peers file, refused without blocking");
        rc = mx_peer_from_options(&peers_one, "p", NULL, NULL, NULL, NULL, fifo,
                                  &err);
        snprintf(want, sizeof(want),
                 "--peer-clienthello: %s: a FIFO, not a regular file", fifo);
        tap_ok(rc == -1 && strcmp(err.msg, want) == 0,
               "error: a FIFO as --peer-clienthello, refused without "
               "blocking");
        unlink(fifo);
        mx_peer_free(&peers_one);
        rc = mx_peers_load("/dev/zero", &peers, &err);
        tap_ok(rc == -1 &&
                   strcmp(err.msg, "-f: /dev/zero: a character device, not a "
                                   "regular file") == 0,
               "error: /dev/zero as peers file");
        /* a line with LF-less control characters: censored in the error */
        path_in(fifo, sizeof(fifo), "ctl.conf");
        write_text(fifo, "[p]\nseverity = x\r\x1b[2J\x7fOK\n");
        rc = mx_peers_load(fifo, &peers, &err);
        tap_ok(rc == -1 && strchr(err.msg, '\r') == NULL &&
                   strchr(err.msg, 0x1b) == NULL &&
                   strchr(err.msg, 0x7f) == NULL && strstr(err.msg, ":2: "),
               "error: CR, ESC and DEL of a line are censored in the message");
        printf("#   %s\n", err.msg);
        unlink(fifo);
    }
    tap_ok(mx_peers_load(NULL, &peers, &err) == -1 &&
               mx_peers_load(path, NULL, &err) == -1,
           "error: NULL arguments");
}

/* ---------------------------------------------------------------- */
/* The command-line peer.                                           */

static void
opt_fails(const char *name, const char *protocols, const char *ciphers,
          const char *groups, const char *sigalgs, const char *hello,
          const char *want, const char *what)
{
    struct mx_peer *p = calloc(1, sizeof(*p));
    struct mx_error err;
    int rc;

    mx_error_clear(&err);
    rc = mx_peer_from_options(p, name, protocols, ciphers, groups, sigalgs,
                              hello, &err);
    if (!tap_ok(rc == -1 && err.code == MX_E_USAGE &&
                    strncmp(err.msg, want, strlen(want)) == 0,
                what))
        printf("#   rc %d\n#   got  \"%s\"\n#   want \"%s\"\n", rc, err.msg,
               want);
    mx_peer_free(p);
    free(p);
}

static void
test_options(void)
{
    struct mx_peer *p = calloc(1, sizeof(*p));
    struct mx_error err;
    char path[128], n64[80];
    int rc;

    rc = mx_peer_from_options(p, "cli", NULL, NULL, NULL, NULL, NULL, &err);
    tap_ok(rc == 0 && strcmp(p->name, "cli") == 0 && p->kind == MX_PEER_LISTS &&
               p->severity == MX_CRITICAL && strcmp(p->file, "-") == 0 &&
               p->line == 0 && vlist(p) == 4 && p->offer.ngroups == 5 &&
               p->offer.nsigalgs == 20 && p->offer.nsuites > 3,
           "options: name alone: the typical MTA, file \"-\", line 0");

    mx_peer_free(p);
    rc = mx_peer_from_options(p, "bank", "TLSv1.2", bank_ciphers, NULL, NULL,
                              NULL, &err);
    if (tap_ok(rc == 0, "options: the bank from the command line"))
        u16_eq(p->offer.suites, p->offer.nsuites, bank, 12,
               "options: the bank's suites, none added");
    mx_peer_free(p);
    rc = mx_peer_from_options(p, "x", "TLSv1, TLSv1.2:TLSv1.2", "C030", "x448",
                              "ed25519", NULL, &err);
    tap_ok(rc == 0 && p->offer.max_version == 0x0303 &&
               p->offer.min_version == 0x0301 && p->offer.nsuites == 1 &&
               p->offer.suites[0] == 0xc030 && p->offer.ngroups == 1 &&
               p->offer.groups[0] == 0x001e && p->offer.nsigalgs == 1 &&
               p->offer.sigalgs[0] == 0x0807,
           "options: every list given");

    opt_fails("x", NULL, "X", NULL, NULL, NULL,
              "--peer-ciphers: unknown suite 'X'", "options: bad ciphers");
    opt_fails("x", "SSLv4", NULL, NULL, NULL, NULL,
              "--peer-protocols: unknown protocol version 'SSLv4'",
              "options: bad protocols");
    opt_fails("x", NULL, NULL, "foo", NULL, NULL,
              "--peer-groups: unknown group 'foo'", "options: bad groups");
    opt_fails("x", NULL, NULL, NULL, "foo", NULL,
              "--peer-sigalgs: unknown signature scheme 'foo'",
              "options: bad sigalgs");
    opt_fails("x", NULL, " ", NULL, NULL, NULL, "--peer-ciphers: empty value",
              "options: empty ciphers");
    opt_fails("x", "", NULL, NULL, NULL, NULL, "--peer-protocols: empty value",
              "options: empty protocols");
    opt_fails("x", NULL, "HIGH", NULL, NULL, "x.hex",
              "--peer-clienthello cannot be combined with --peer-ciphers: a "
              "peer is described by lists or by a recorded ClientHello",
              "options: clienthello with lists");
    opt_fails("x", NULL, NULL, NULL, NULL, "/nonexistent/hello.hex",
              "--peer-clienthello: ", "options: unreadable clienthello");
    opt_fails("a/b", NULL, NULL, NULL, NULL, NULL,
              "peer name 'a/b' is not 1 to 63 letters, digits, '.', '_' or "
              "'-'",
              "options: bad name");
    opt_fails(NULL, NULL, NULL, NULL, NULL, NULL,
              "peer name '' is not 1 to 63 letters, digits, '.', '_' or '-'",
              "options: no name");
    memset(n64, 'q', 64);
    n64[64] = '\0';
    opt_fails(n64, NULL, NULL, NULL, NULL, NULL, "peer name 'qqqq",
              "options: 64-byte name");
    tap_ok(mx_peer_from_options(NULL, "x", NULL, NULL, NULL, NULL, NULL,
                                &err) == -1,
           "options: NULL peer");

    path_in(path, sizeof(path), "grease.hex");
    mx_peer_free(p);
    rc = mx_peer_from_options(p, "rec", NULL, NULL, NULL, NULL, path, &err);
    tap_ok(rc == 0 && p->kind == MX_PEER_HELLO &&
               p->offer.max_version == 0x0304 &&
               p->offer.min_version == 0x0303 && p->offer.nsuites == 3 &&
               p->offer.hello != NULL,
           "options: a recorded hello");
    mx_peer_free(p);
    free(p);
}

/* ---------------------------------------------------------------- */
/* contrib/peers.conf.example, as it is.                            */

static char *
read_example(size_t *len)
{
    static const char *const tries[] = {"contrib/peers.conf.example",
                                        "../contrib/peers.conf.example",
                                        "../../contrib/peers.conf.example"};
    const char *src = getenv("MXTLS_SRCDIR");
    char path[1024];
    char *buf = NULL;
    FILE *f = NULL;
    size_t i;

    if (src != NULL) {
        snprintf(path, sizeof(path), "%s/contrib/peers.conf.example", src);
        f = fopen(path, "rb");
    }
    for (i = 0; f == NULL && i < NELEM(tries); i++)
        f = fopen(tries[i], "rb");
    if (f == NULL)
        return NULL;
    buf = malloc(65536);
    if (buf != NULL)
        *len = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

/* uncomment: drop the '#' of every line that starts with '#' and a
 * character other than a blank (the example's optional peers). */
static void
uncomment(char *text, size_t *len)
{
    size_t i, o = 0;
    int bol = 1;

    for (i = 0; i < *len; i++) {
        if (bol && text[i] == '#' && i + 1 < *len && text[i + 1] != ' ' &&
            text[i + 1] != '\n') {
            bol = 0;
            continue;
        }
        bol = text[i] == '\n';
        text[o++] = text[i];
    }
    *len = o;
}

static void
test_example(void)
{
    static const uint16_t partner_suites[] = {0xc030, 0xc02f, 0x009d};
    static const uint16_t partner_groups[] = {0x0017, 0x0018};
    static const uint16_t v12[] = {0x0303};
    static const uint16_t app_versions[] = {0x0303, 0x0302, 0x0301};
    static const uint16_t app_suites[] = {0xc013, 0x002f, 0xc014};
    static const uint16_t app_groups[] = {0x0017, 0x0018};
    static const uint16_t app_sig[] = {0x0401, 0x0201, 0x0501};
    struct mx_peers peers;
    struct mx_error err;
    uint8_t hello[4096];
    char path[128];
    size_t len = 0, n;
    char *text = read_example(&len);
    struct mx_peer *p;

    if (!tap_ok(text != NULL && len > 0, "example: found (MXTLS_SRCDIR)"))
        return;
    /* As it is, alone in a directory: the two peers that need nothing. */
    path_in(path, sizeof(path), "alone.conf");
    write_bytes(path, text, len);
    mx_error_clear(&err);
    if (tap_ok(mx_peers_load(path, &peers, &err) == 0,
               "example: loads as it is, without any other file")) {
        tap_ok(peers.n == 2 && strcmp(peers.v[0].name, "arz") == 0 &&
                   strcmp(peers.v[1].name, "appliance") == 0,
               "example: as it is: arz and appliance");
        mx_peers_free(&peers);
    } else {
        printf("#   %s\n", err.msg);
    }
    /* With the optional peers' lines ('#' and no blank) uncommented. */
    uncomment(text, &len);
    path_in(path, sizeof(path), "peers.conf");
    write_bytes(path, text, len);
    free(text);
    /* The partner's recorded hello: an OpenSSL TLS 1.2 client. */
    n = openssl_hello(TLS1_2_VERSION, TLS1_2_VERSION,
                      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-"
                      "SHA256:AES256-GCM-SHA384",
                      "P-256:P-384", 1, hello, sizeof(hello));
    {
        char hpath[128];

        path_in(hpath, sizeof(hpath), "partner-clienthello.hex");
        write_hex(hpath, hello, n);
    }
    mx_error_clear(&err);
    if (!tap_ok(mx_peers_load(path, &peers, &err) == 0,
                "example: contrib/peers.conf.example loads")) {
        printf("#   %s\n", err.msg);
        return;
    }
    tap_is_int((long long)peers.n, 4, "example: four peers");
    p = &peers.v[0];
    tap_ok(strcmp(p->name, "arz") == 0 && p->kind == MX_PEER_LISTS &&
               p->severity == MX_CRITICAL &&
               strcmp(p->description, "ARZ (Austrian banks), mx01.arz.at") == 0,
           "example: the bank is the first peer, critical");
    u16_eq(vbuf, vlist(p), v12, 1, "example: the bank: TLSv1.2");
    u16_eq(p->offer.suites, p->offer.nsuites, bank, 12,
           "example: the bank: its 12 suites, in order");
    u16_eq(p->offer.groups, p->offer.ngroups, want_groups, 5,
           "example: the bank: typical groups");
    u16_eq(p->offer.sigalgs, p->offer.nsigalgs, want_sigalgs,
           NELEM(want_sigalgs), "example: the bank: typical signature schemes");
    p = &peers.v[1];
    tap_ok(strcmp(p->name, "partner") == 0 && p->kind == MX_PEER_HELLO &&
               p->severity == MX_WARNING && p->offer.hello_len == n,
           "example: the partner by its recorded hello, warning");
    u16_eq(vbuf, vlist(p), v12, 1,
           "example: the partner: TLSv1.2 (legacy version)");
    u16_eq(p->offer.suites, p->offer.nsuites, partner_suites, 3,
           "example: the partner: its suites");
    u16_eq(p->offer.groups, p->offer.ngroups, partner_groups, 2,
           "example: the partner: its groups");
    p = &peers.v[2];
    tap_ok(strcmp(p->name, "example") == 0 && p->kind == MX_PEER_MX &&
               strcmp(p->mx, "example.org") == 0 && p->max_age == 14L * 86400 &&
               p->offer.nsuites == 0,
           "example: the MX-learned peer, max-age 2w");
    p = &peers.v[3];
    tap_ok(strcmp(p->name, "appliance") == 0 && p->severity == MX_WARNING,
           "example: the appliance");
    u16_eq(vbuf, vlist(p), app_versions, 3, "example: the appliance: versions");
    u16_eq(p->offer.suites, p->offer.nsuites, app_suites, 3,
           "example: the appliance: suites by IANA name, code and byte pair");
    u16_eq(p->offer.groups, p->offer.ngroups, app_groups, 2,
           "example: the appliance: groups");
    u16_eq(p->offer.sigalgs, p->offer.nsigalgs, app_sig, 3,
           "example: the appliance: sigalgs");
    mx_peers_free(&peers);
}

/* ---------------------------------------------------------------- */

static void
remove_tmpdir(void)
{
    char path[512];
    struct dirent *de;
    DIR *d = opendir(tmpdir);

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    tap_ok(rmdir(tmpdir) == 0, "cleanup: temporary directory removed");
}

int
main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mxtls-peers-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        tap_ok(0, "mkdtemp");
        return tap_done();
    }
    test_defaults();
    test_hellos();
    test_format();
    test_options();
    test_example();
    remove_tmpdir();
    return tap_done();
}
