/*
 * shcheck.c - the server's hello against the ClientHello that was sent
 * (see shcheck.h).
 *
 * Error contract: 0, or -1 with one line in why; nothing else is written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keyshare.h"
#include "registry.h"
#include "shcheck.h"
#include "suites.h"
#include "text.h"

#define EXT_SNI         0x0000
#define EXT_GROUPS      0x000a
#define EXT_SIGALGS     0x000d
#define EXT_PADDING     0x0015
#define EXT_PSK         0x0029
#define EXT_EARLY_DATA  0x002a
#define EXT_VERSIONS    0x002b
#define EXT_COOKIE      0x002c
#define EXT_PSK_MODES   0x002d
#define EXT_CERT_AUTHS  0x002f
#define EXT_OID_FILTERS 0x0030
#define EXT_POST_HS     0x0031
#define EXT_SIGALGS_CRT 0x0032
#define EXT_KEY_SHARE   0x0033
#define EXT_RENEG       0xff01

#define SCSV_RENEG    0x00ff
#define SCSV_FALLBACK 0x5600
#define TLS12         0x0303
#define TLS13         0x0304

static int fail(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(why, cap, fmt, ap) < 0 && cap > 0)
        why[0] = '\0';
    va_end(ap);
    return -1;
}

static int
sent_ext(const struct mx_hello_view *ch, uint16_t type)
{
    return mx_code_listed(ch->extensions, ch->nextensions, type);
}

static const char *
group_name(uint16_t code, char *buf, size_t cap)
{
    const struct mx_group *g = mx_group_by_code(code);

    if (g != NULL)
        return g->display;
    snprintf(buf, cap, "0x%04X", code);
    return buf;
}

/* Is a TLS 1.3 version code (TLS 1.3 or one of its drafts)? */
static int
is_tls13(uint16_t v)
{
    return v == TLS13 || (v >> 8) == 0x7f;
}

/* The extensions of this message: sent by the client, allowed here. */
static int
check_extensions(const struct mx_hello_view *ch, const struct mx_flight *f,
                 int tls13, char *why, size_t cap)
{
    static const uint16_t sh13[] = {EXT_KEY_SHARE, EXT_PSK, EXT_VERSIONS};
    static const uint16_t hrr[] = {EXT_KEY_SHARE, EXT_COOKIE, EXT_VERSIONS};
    static const uint16_t not12[] = {
        EXT_SIGALGS,     EXT_PADDING, EXT_PSK,         EXT_EARLY_DATA,
        EXT_VERSIONS,    EXT_COOKIE,  EXT_PSK_MODES,   EXT_CERT_AUTHS,
        EXT_OID_FILTERS, EXT_POST_HS, EXT_SIGALGS_CRT, EXT_KEY_SHARE};
    const char *msg = f->hrr ? "HelloRetryRequest" : "ServerHello";
    uint16_t t;
    size_t i;

    for (i = 0; i < f->nextensions; i++) {
        t = f->extensions[i];
        if (f->hrr ? !mx_code_listed(hrr, 3, t)
            : tls13
                ? !mx_code_listed(sh13, 3, t)
                : mx_code_listed(not12, sizeof(not12) / sizeof(not12[0]), t))
            return fail(why, cap, "extension %u is not allowed in a %s%s", t,
                        tls13 && !f->hrr ? "TLS 1.3 " : "", msg);
        if (t == EXT_COOKIE && f->hrr)
            continue; /* the server's own, never sent by the client */
        if (!sent_ext(ch, t) &&
            !(t == EXT_RENEG &&
              mx_code_listed(ch->suites, ch->nsuites, SCSV_RENEG)))
            return fail(why, cap,
                        "%s extension %u, which the client did not send", msg,
                        t);
    }
    return 0;
}

/* A share or point of the group's length (and 0x04 where it is EC). */
static int
check_share(uint16_t group, size_t len, uint8_t first, const char *what,
            char *why, size_t cap)
{
    char gb[8];
    int point_at = -1;
    long want = mx_keyshare_server_len(group, &point_at);

    if (want <= 0)
        return 0; /* a group we do not know the size of */
    if (len != (size_t)want)
        return fail(why, cap, "%s of %zu bytes for %s (%ld expected)", what,
                    len, group_name(group, gb, sizeof(gb)), want);
    if (point_at == 0 && first != 0x04)
        return fail(why, cap,
                    "%s for %s is not an uncompressed point (first byte "
                    "0x%02X)",
                    what, group_name(group, gb, sizeof(gb)), first);
    return 0;
}

static int
check_tls13(const struct mx_hello_view *ch, const struct mx_flight *f,
            char *why, size_t cap)
{
    char gb[8];
    uint16_t g;

    if (f->session_id_len != ch->session_id_len ||
        memcmp(f->session_id, ch->session_id, f->session_id_len) != 0)
        return fail(why, cap, "%s does not echo the session id",
                    f->hrr ? "HelloRetryRequest" : "ServerHello");
    if (f->compression != 0)
        return fail(why, cap, "compression method %u in TLS 1.3",
                    f->compression);
    if (f->hrr) {
        if (!mx_code_listed(f->extensions, f->nextensions, EXT_KEY_SHARE)) {
            if (!mx_code_listed(f->extensions, f->nextensions, EXT_COOKIE))
                return fail(why, cap,
                            "HelloRetryRequest asks for no change (no "
                            "key_share, no cookie)");
            return 0;
        }
        g = f->hrr_group;
        if (!mx_code_listed(ch->groups, ch->ngroups, g))
            return fail(why, cap,
                        "HelloRetryRequest asks for group %s, which was not "
                        "offered",
                        group_name(g, gb, sizeof(gb)));
        if (mx_code_listed(ch->share_groups, ch->nshares, g))
            return fail(why, cap,
                        "HelloRetryRequest asks for group %s, for which a "
                        "share was sent",
                        group_name(g, gb, sizeof(gb)));
        return 0;
    }
    if (!mx_code_listed(f->extensions, f->nextensions, EXT_KEY_SHARE))
        return fail(why, cap, "TLS 1.3 ServerHello without a key_share");
    g = f->group;
    if (!mx_code_listed(ch->groups, ch->ngroups, g))
        return fail(why, cap, "key_share for group %s, which was not offered",
                    group_name(g, gb, sizeof(gb)));
    if (!mx_code_listed(ch->share_groups, ch->nshares, g))
        return fail(why, cap,
                    "key_share for group %s, for which no share was sent",
                    group_name(g, gb, sizeof(gb)));
    return check_share(g, f->share_len, f->share_first, "key_share", why, cap);
}

static uint16_t
client_max(const struct mx_hello_view *ch)
{
    uint16_t v = ch->legacy_version;
    size_t i;

    for (i = 0; i < ch->nversions; i++)
        if ((ch->versions[i] & 0x0f0f) != 0x0a0a && ch->versions[i] > v)
            v = ch->versions[i]; /* GREASE aside */
    return v;
}

int
mx_sh_check(const struct mx_hello_view *ch, const struct mx_flight *f,
            char *why, size_t cap)
{
    const struct mx_suite *s;
    int sv = mx_code_listed(f->extensions, f->nextensions, EXT_VERSIONS);
    int tls13;
    char gb[8];
    size_t i;

    if (ch->sslv2 || !f->have_hello)
        return 0;
    /* the version */
    if (sv) {
        if (!sent_ext(ch, EXT_VERSIONS) ||
            !mx_code_listed(ch->versions, ch->nversions, f->version))
            return fail(why, cap,
                        "supported_versions selects 0x%04X, which was not "
                        "offered",
                        f->version);
        if (!is_tls13(f->version))
            return fail(why, cap,
                        "supported_versions selects %s (only TLS 1.3 is "
                        "negotiated that way)",
                        mx_version_name(f->version));
        if (f->legacy_version != TLS12)
            return fail(why, cap,
                        "TLS 1.3 %s with legacy_version 0x%04X (0x0303 "
                        "expected)",
                        f->hrr ? "HelloRetryRequest" : "ServerHello",
                        f->legacy_version);
    } else {
        if (f->hrr)
            return fail(why, cap,
                        "HelloRetryRequest without supported_versions");
        if (f->version > TLS12)
            return fail(why, cap,
                        "legacy_version 0x%04X (TLS 1.3 is chosen only by "
                        "supported_versions)",
                        f->version);
        if (f->version > client_max(ch))
            return fail(why, cap, "version 0x%04X was not offered", f->version);
    }
    tls13 = sv;
    /* the suite */
    if (f->suite == 0x0000)
        return fail(why, cap,
                    "chose TLS_NULL_WITH_NULL_NULL (0x0000), which is never "
                    "negotiated");
    if (f->suite == SCSV_RENEG || f->suite == SCSV_FALLBACK)
        return fail(why, cap,
                    "chose 0x%04X, a signalling value and not a cipher suite",
                    f->suite);
    if (!mx_code_listed(ch->suites, ch->nsuites, f->suite))
        return fail(why, cap, "chose suite 0x%04X, which was not offered",
                    f->suite);
    s = mx_suite_by_code(f->suite);
    if (s != NULL && tls13 && s->auth != MX_SAUTH_TLS13)
        return fail(why, cap, "chose %s, not a TLS 1.3 suite, for TLS 1.3",
                    mx_suite_name(f->suite));
    if (s != NULL && !tls13 && s->auth == MX_SAUTH_TLS13)
        return fail(why, cap, "chose the TLS 1.3 suite %s for %s",
                    mx_suite_name(f->suite), mx_version_name(f->version));
    /* compression */
    for (i = 0; i < ch->ncompressions; i++)
        if (ch->compressions[i] == f->compression)
            break;
    if (i == ch->ncompressions)
        return fail(why, cap,
                    "chose compression method %u, which was not offered",
                    f->compression);
    if (check_extensions(ch, f, tls13, why, cap) < 0)
        return -1;
    if (tls13)
        return check_tls13(ch, f, why, cap);
    /* below TLS 1.3: the ECDHE curve of a ServerKeyExchange read */
    if (f->ske_point_len > 0) {
        if (sent_ext(ch, EXT_GROUPS) &&
            !mx_code_listed(ch->groups, ch->ngroups, f->group))
            return fail(why, cap,
                        "ServerKeyExchange curve %s, which was not offered",
                        group_name(f->group, gb, sizeof(gb)));
        return check_share(f->group, f->ske_point_len, f->ske_point_first,
                           "ServerKeyExchange point", why, cap);
    }
    return 0;
}
