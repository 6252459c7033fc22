/*
 * test_peerprep.c - the peers of a run prepared (common/peerprep.c) and
 * the offer they carry (common/offer.c): the file and the --peer
 * selection, the command-line peer, each mx peer's profile with its
 * status (ready, stale, missing, unusable), the engine an offer calls
 * for, and offers that own their lists. Fixture-free: a peers file and
 * a cache directory in one mkdtemp directory, removed at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "offer.h"
#include "peerprep.h"
#include "profile.h"
#include "registry.h"
#include "tap.h"

static char dir[64], cache[128], file[128];

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        tap_ok(0, "cannot write a test file");
        exit(1);
    }
}

/* A profile of peer learned at t: TLS 1.2, two suites, one group. */
static void
profile(const char *peer, time_t t)
{
    struct mx_profile p;
    struct mx_error err;

    memset(&p, 0, sizeof(p));
    snprintf(p.peer, sizeof(p.peer), "%s", peer);
    snprintf(p.mx, sizeof(p.mx), "%s.example", peer);
    p.learned = t;
    snprintf(p.hosts, sizeof(p.hosts), "mx.%s.example", peer);
    snprintf(p.addrs[0], sizeof(p.addrs[0]), "192.0.2.25");
    p.naddrs = 1;
    p.versions[0] = MX_TLS12;
    p.nversions = 1;
    p.suites[0] = 0xc030;
    p.suites[1] = 0x002f;
    p.nsuites = 2;
    p.groups[0] = 0x001d;
    p.ngroups = 1;
    if (mx_profile_write(cache, &p, &err) != 0) {
        tap_ok(0, "cannot write a profile");
        exit(1);
    }
}

static void
opts(struct mx_prep_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->file = file;
    o->severity = MX_CRITICAL;
    o->cache_dir = cache;
    o->max_age = 30L * 86400;
}

static void
test_prepare(void)
{
    struct mx_prep_opts o;
    struct mx_prepared pp;
    struct mx_error err;
    time_t now = 1795885200; /* 2026-11-28T17:00:00Z */
    char path[256];

    write_file(file, "[lists]\nprotocols = TLSv1.2\nciphers = AES128-SHA\n\n"
                     "[fresh]\nmx = fresh.example\n\n"
                     "[old]\nmx = old.example\nmax-age = 1d\n\n"
                     "[missing]\nmx = missing.example\n\n"
                     "[broken]\nmx = broken.example\n");
    profile("fresh", now - 3600);
    profile("old", now - 2 * 86400);
    snprintf(path, sizeof(path), "%s/broken.profile", cache);
    write_file(path, "peer = broken\nnonsense\n");

    opts(&o);
    if (!tap_is_int(mx_prep_load(&o, &pp, &err), 0, "load: five peers read"))
        printf("#   %s\n", err.msg);
    tap_is_int((long long)pp.peers.n, 5, "load: five entries");
    tap_ok(pp.e[0].status == MX_PS_READY && pp.e[1].status == MX_PS_READY,
           "load: every status ready before the profiles");
    tap_ok(pp.peers.v[1].offer.nsuites == 0 &&
               pp.peers.v[1].offer.suites == NULL,
           "load: an mx peer's offer is empty until its profile");
    mx_prep_profiles(&o, &pp, now);
    tap_is_int(pp.e[0].status, MX_PS_READY, "profiles: a lists peer ready");
    tap_is_int(pp.e[1].status, MX_PS_READY, "profiles: a fresh profile ready");
    tap_ok(pp.peers.v[1].offer.max_version == MX_TLS12 &&
               pp.peers.v[1].offer.nsuites == 2 &&
               pp.peers.v[1].offer.suites[0] == 0xc030 &&
               pp.peers.v[1].offer.ngroups == 1 &&
               pp.peers.v[1].offer.nsigalgs > 0,
           "profiles: the profile is the peer's offer, schemes the MTA's");
    tap_is_int(pp.e[2].status, MX_PS_STALE,
               "profiles: older than its max-age: stale");
    tap_ok(pp.e[2].max_age == 86400 && pp.e[2].age == 2.0 * 86400,
           "profiles: its age and its limit");
    tap_is_int(pp.e[3].status, MX_PS_NO_PROFILE, "profiles: none: missing");
    tap_is_int(pp.e[4].status, MX_PS_BAD_PROFILE,
               "profiles: unreadable: unusable");
    tap_ok(pp.e[4].err.code == MX_E_USAGE && pp.e[4].err.msg[0] != '\0',
           "profiles: why it is unusable");
    tap_ok(mx_prep_checked(&pp.e[0]) && mx_prep_checked(&pp.e[2]) &&
               !mx_prep_checked(&pp.e[3]) && !mx_prep_checked(&pp.e[4]),
           "checked: ready and stale peers, not the others");
    mx_prep_free(&pp);

    /* --max-age holds for every peer */
    o.max_age = 60;
    o.max_age_given = 1;
    mx_prep_load(&o, &pp, &err);
    mx_prep_profiles(&o, &pp, now);
    tap_ok(pp.e[1].status == MX_PS_STALE && pp.e[1].max_age == 60,
           "profiles: --max-age overrides the peer's");
    mx_prep_free(&pp);

    /* the selection and the command-line peer */
    opts(&o);
    o.only = "old,lists";
    o.ciphers = "ECDHE-RSA-AES256-GCM-SHA384";
    o.name = "cli";
    o.severity = MX_WARNING;
    tap_is_int(mx_prep_load(&o, &pp, &err), 0, "select: loaded");
    tap_ok(pp.peers.n == 3 && strcmp(pp.peers.v[0].name, "lists") == 0 &&
               strcmp(pp.peers.v[1].name, "old") == 0 &&
               strcmp(pp.peers.v[2].name, "cli") == 0 &&
               pp.peers.v[2].severity == MX_WARNING,
           "select: the file's order, the command-line peer last");
    mx_prep_free(&pp);
    o.only = "lists,nosuch";
    tap_is_int(mx_prep_load(&o, &pp, &err), -1, "select: an unknown name");
    tap_is_str(err.msg, "--peer: no peer 'nosuch' in the file",
               "select: the message names it");
    tap_ok(pp.peers.v == NULL && pp.e == NULL, "select: nothing kept");
    mx_prep_free(&pp);

    unlink(path);
    snprintf(path, sizeof(path), "%s/fresh.profile", cache);
    unlink(path);
    snprintf(path, sizeof(path), "%s/old.profile", cache);
    unlink(path);
    unlink(file);
}

static void
test_offer(void)
{
    static const uint16_t lib[] = {0xc030, 0x002f};
    static const uint16_t raw[] = {0xc030, 0x0005}; /* RC4-SHA */
    static const uint16_t x25519[] = {0x001d};
    struct mx_offer o, c;
    struct mx_error err;

    memset(&o, 0, sizeof(o));
    o.min_version = MX_TLS10;
    o.max_version = MX_TLS12;
    o.suites = lib;
    o.nsuites = 2;
    tap_is_int(mx_offer_engine(&o), MX_ENGINE_OPENSSL,
               "engine: suites the library has: OpenSSL");
    o.suites = raw;
    tap_is_int(mx_offer_engine(&o), MX_ENGINE_RAW,
               "engine: RC4 (not in OpenSSL 3): raw");
    o.suites = lib;
    o.min_version = MX_SSL3;
    tap_is_int(mx_offer_engine(&o), MX_ENGINE_RAW, "engine: SSLv3: raw");
    o.min_version = MX_TLS10;
    o.groups = x25519;
    o.ngroups = 1;
    tap_is_int(mx_offer_copy(&c, &o, &err), 0, "copy: made");
    tap_ok(c.owned && c.suites != lib && c.nsuites == 2 &&
               c.suites[1] == 0x002f && c.ngroups == 1 && c.sigalgs == NULL &&
               mx_offer_same(&c, &o),
           "copy: its own lists, the same offer");
    tap_is_int(mx_offer_set(&c, MX_OFFER_SUITES, raw, 2, &err), 0,
               "set: a list replaced");
    tap_ok(!mx_offer_same(&c, &o) && c.suites[1] == 0x0005,
           "set: the offer differs");
    tap_is_int(mx_offer_auths(&c), 1u << MX_SAUTH_RSA,
               "auths: RSA-authenticated suites");
    mx_offer_free(&c);
    tap_ok(c.suites == NULL && c.groups == NULL && !c.owned,
           "free: the offer is empty");
}

/* A peer known by where its mail comes from: before any capture, the
 * long output must say what stands in for its client. */
static void
test_from(void)
{
    struct mx_prep_opts o;
    struct mx_prepared pp;
    struct mx_error err;

    memset(&pp, 0, sizeof(pp));
    write_file(file, "[traffic]\nfrom = 192.0.2.0/24\n");
    opts(&o);
    tap_is_int(mx_prep_load(&o, &pp, &err), 0, "from: a from peer read");
    mx_prep_profiles(&o, &pp, time(NULL));
    tap_ok(pp.peers.n == 1 && pp.e[0].status == MX_PS_READY,
           "from: checked with its lists before any capture");
    tap_ok(pp.peers.n == 1 &&
               strcmp(pp.peers.v[0].learned,
                      "is not learned from traffic yet (check_tls_peers "
                      "--learn-from): checked with its lists") == 0,
           "from: the long output says no hello was learned yet");
    mx_prep_free(&pp);
    unlink(file);
}

int
main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/mxtls-peerprep-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        tap_ok(0, "mkdtemp");
        return 1;
    }
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    snprintf(file, sizeof(file), "%s/peers.conf", dir);
    if (mkdir(cache, 0700) != 0) {
        tap_ok(0, "mkdir");
        return 1;
    }
    test_prepare();
    test_offer();
    test_from();
    rmdir(cache);
    rmdir(dir);
    return tap_done();
}
