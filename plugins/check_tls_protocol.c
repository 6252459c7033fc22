/*
 * check_tls_protocol - which TLS protocol versions does a mail server
 * accept?
 *
 * TLS 1.0 to 1.3 by complete handshakes where the linked OpenSSL speaks
 * them, SSLv2 and SSLv3 by raw ClientHellos (see enumerate.h).
 * An accepted version below --minimum is CRITICAL, a --require'd version
 * that is refused is CRITICAL. With --ciphers the long output also lists,
 * per accepted version, every suite the server accepts, whose order
 * decides, its groups, and whether it honours TLS_FALLBACK_SCSV.
 * Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "enumerate.h"
#include "log.h"
#include "opts.h"
#include "registry.h"
#include "result.h"
#include "runner.h"
#include "strnum.h"
#include "suites.h"

#define LABEL "TLS PROTOCOL"

enum {
    OPT_MINIMUM = MX_OPT_PLUGIN,
    OPT_REQUIRE,
    OPT_CIPHERS,
    OPT_PARALLEL,
    OPT_FORBID,
    OPT_WARN_ON,
    OPT_RAW_ONLY,
};

/*
 * The cipher policy: classes of suites, each read from the registry's
 * facts about a suite (key exchange, authentication, cipher, MAC, the
 * EXPORT flag), never from its name. An accepted suite in a --forbid
 * class is CRITICAL, in a --warn-on class WARNING. exclude is what
 * removes the class in Postfix's smtpd_tls_exclude_ciphers.
 */
struct sclass {
    const char *name;
    const char *what;
    const char *exclude;
    int (*match)(const struct mx_suite *s);
};

static int
enc_is(const struct mx_suite *s, const char *enc)
{
    return s->enc != NULL && strcmp(s->enc, enc) == 0;
}

static int
mac_is(const struct mx_suite *s, const char *mac)
{
    return s->mac != NULL && strcmp(s->mac, mac) == 0;
}

static int
is_null(const struct mx_suite *s)
{
    return enc_is(s, "NULL");
}

static int
is_export(const struct mx_suite *s)
{
    return (s->flags & MX_SUITE_EXPORT) != 0;
}

static int
is_rc4(const struct mx_suite *s)
{
    return enc_is(s, "RC4");
}

static int
is_des(const struct mx_suite *s)
{
    return enc_is(s, "DES");
}

static int
is_3des(const struct mx_suite *s)
{
    return enc_is(s, "3DES");
}

static int
is_md5(const struct mx_suite *s)
{
    return mac_is(s, "MD5");
}

static int
is_anon(const struct mx_suite *s)
{
    return s->auth == MX_SAUTH_NULL && s->kx != MX_KX_NULL &&
           s->kx != MX_KX_TLS13;
}

/* A block cipher in CBC mode: a separate MAC, and neither NULL nor RC4. */
static int
is_cbc(const struct mx_suite *s)
{
    return s->mac != NULL && !mac_is(s, "AEAD") && s->kx != MX_KX_TLS13 &&
           !is_null(s) && !is_rc4(s);
}

static int
is_cbc_sha1(const struct mx_suite *s)
{
    return is_cbc(s) && mac_is(s, "SHA1");
}

/* No forward secrecy: RSA key transport, static (EC)DH. */
static int
is_no_fs(const struct mx_suite *s)
{
    return s->kx == MX_KX_RSA || ((s->kx == MX_KX_DH || s->kx == MX_KX_ECDH) &&
                                  s->auth != MX_SAUTH_NULL);
}

static const struct sclass classes[] = {
    {"null", "without encryption", "eNULL", is_null},
    {"export", "EXPORT grade", "EXPORT", is_export},
    {"rc4", "RC4", "RC4", is_rc4},
    {"des", "single DES", "DES", is_des},
    {"3des", "3DES (Sweet32)", "3DES", is_3des},
    {"md5", "with an MD5 MAC", "MD5", is_md5},
    {"anon", "anonymous (no certificate)", "aNULL", is_anon},
    {"cbc-sha1", "CBC with SHA-1", "SHA1", is_cbc_sha1},
    {"cbc", "CBC", "SHA1, SHA256, SHA384", is_cbc},
    {"no-fs", "without forward secrecy", "kRSA", is_no_fs},
};

#define NCLASSES    (sizeof(classes) / sizeof(classes[0]))
#define FORBID_DEF  "null,export,rc4,des,md5"
#define WARN_ON_DEF "3des"

struct cfg {
    struct mx_std std;
    uint16_t minimum;
    int require[MX_NVERSIONS];
    int ciphers;
    long long parallel;
    enum mx_state policy[NCLASSES]; /* OK: not checked */
    int raw_only;
};

static void
help(struct mx_buf *b)
{
    mx_buf_append(
        b,
        "check_tls_protocol (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
        "Which TLS protocol versions does a mail server accept, SSLv2 to "
        "TLSv1.3?\n"
        "Versions the local OpenSSL speaks are confirmed by complete "
        "handshakes\n"
        "(TLS 1.0 to 1.2 as one range); SSLv2 and SSLv3 by raw ClientHellos "
        "that\n"
        "read the server's hello only. The long output counts the refusals "
        "and\n"
        "dropped probes the run caused (each an error in the server's log).\n"
        "\n"
        "Usage:\n"
        "  check_tls_protocol -H HOST [-p PORT] [-S DIALECT] "
        "[--minimum=VERSION]\n"
        "                     [--require=VERSION[,VERSION...]] [--ciphers]\n"
        "                     [--forbid=CLASS[,...]] [--warn-on=CLASS[,...]]\n"
        "\n"
        "Options:\n"
        " --minimum=VERSION\n"
        "    An accepted version below VERSION is CRITICAL (default: "
        "TLSv1.0, so\n"
        "    SSLv2 and SSLv3 are). Versions are written TLSv1.2, TLS1.2, "
        "tls1_2,\n"
        "    1.2, SSLv3, SSLv2.\n"
        " --require=VERSION[,VERSION...]\n"
        "    Each version listed must be accepted; a refused one is "
        "CRITICAL.\n"
        "    Repeated --require add up.\n"
        " --ciphers\n"
        "    Also list every suite accepted per version (and the order, the\n"
        "    groups, TLS_FALLBACK_SCSV): the full table, one line per "
        "suite.\n"
        " --parallel=N\n"
        "    Connections at once (1..64, default 8).\n"
        " --raw-only\n"
        "    Ask with raw ClientHellos only, never complete a handshake: "
        "what the\n"
        "    server answers to its first flight, whatever the local OpenSSL "
        "can\n"
        "    verify (e.g. a test server that only forges first flights). "
        "Every\n"
        "    acceptance then leaves an error in the server's log.\n");
    mx_buf_append(
        b,
        " --forbid=CLASS[,CLASS...]\n"
        "    An accepted suite of a CLASS is CRITICAL (default:\n"
        "    " FORBID_DEF ").\n"
        " --warn-on=CLASS[,CLASS...]\n"
        "    An accepted suite of a CLASS is WARNING (default: " WARN_ON_DEF
        ").\n"
        "    Classes: null, export, rc4, des, 3des, md5, anon, cbc-sha1, cbc,\n"
        "    no-fs; 'none' for an empty list. The policy applies to the suite\n"
        "    table, so giving either option implies --ciphers. anon is not in\n"
        "    the defaults: Postfix offers anonymous suites on purpose for\n"
        "    opportunistic TLS on port 25 (clients that do not check\n"
        "    certificates lose nothing). Each class accepted names the "
        "Postfix\n"
        "    setting that removes it (smtpd_tls_exclude_ciphers).\n");
    mx_std_help(b);
    mx_buf_append(b, "\n"
                     "Examples:\n"
                     "  check_tls_protocol -H mx.example.org "
                     "--minimum=TLSv1.2\n"
                     "  check_tls_protocol -H mx.example.org "
                     "--require=TLSv1.2,TLSv1.3\n"
                     "  check_tls_protocol -H 127.0.0.1 -p 25 --ciphers\n"
                     "  check_tls_protocol -H mx.example.org -p 587 "
                     "--warn-on=3des,anon\n");
}

static int
parse_versions(const char *arg, struct cfg *cfg, struct mx_error *err)
{
    char tmp[256], *tok, *save = NULL;
    uint16_t v;
    int n = 0;

    if (strlen(arg) >= sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "--require: list too long");
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s", arg);
    for (tok = strtok_r(tmp, ", ", &save); tok != NULL;
         tok = strtok_r(NULL, ", ", &save)) {
        v = mx_version_parse(tok);
        if (v == 0 || mx_version_index(v) < 0) {
            mx_error_set(err, MX_E_USAGE,
                         "--require: unknown protocol version '%.40s'", tok);
            return -1;
        }
        cfg->require[mx_version_index(v)] = 1;
        n++;
    }
    if (n == 0) {
        mx_error_set(err, MX_E_USAGE, "--require: empty list");
        return -1;
    }
    return 0;
}

/* --forbid / --warn-on: the classes that get state st (replacing the
 * option's default). */
static int
parse_classes(const char *opt, const char *arg, enum mx_state st,
              struct cfg *cfg, struct mx_error *err)
{
    char tmp[256], *tok, *save = NULL;
    size_t i;
    int n = 0;

    if (strlen(arg) >= sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "%s: list too long", opt);
        return -1;
    }
    for (i = 0; i < NCLASSES; i++)
        if (cfg->policy[i] == st)
            cfg->policy[i] = MX_OK;
    if (strcmp(arg, "none") == 0)
        return 0;
    snprintf(tmp, sizeof(tmp), "%s", arg);
    for (tok = strtok_r(tmp, ", ", &save); tok != NULL;
         tok = strtok_r(NULL, ", ", &save)) {
        for (i = 0; i < NCLASSES && strcmp(classes[i].name, tok) != 0; i++)
            ;
        if (i == NCLASSES) {
            mx_error_set(err, MX_E_USAGE,
                         "%s: unknown suite class '%.40s' (null, export, "
                         "rc4, des, 3des, md5, anon, cbc-sha1, cbc, no-fs, "
                         "none)",
                         opt, tok);
            return -1;
        }
        cfg->policy[i] = mx_state_worst(cfg->policy[i], st);
        n++;
    }
    if (n == 0) {
        mx_error_set(err, MX_E_USAGE, "%s: empty list (say 'none')", opt);
        return -1;
    }
    return 0;
}

static int
protocol_option(int opt, const char *arg, void *vcfg, struct mx_error *err)
{
    struct cfg *cfg = vcfg;

    switch (opt) {
    case OPT_MINIMUM:
        cfg->minimum = mx_version_parse(arg);
        if (cfg->minimum == 0 || mx_version_index(cfg->minimum) < 0) {
            mx_error_set(err, MX_E_USAGE,
                         "--minimum: unknown protocol version '%.40s'", arg);
            return -1;
        }
        return 1;
    case OPT_REQUIRE:
        return parse_versions(arg, cfg, err) == 0 ? 1 : -1;
    case OPT_CIPHERS:
        cfg->ciphers = 1;
        return 1;
    case OPT_RAW_ONLY:
        cfg->raw_only = 1;
        return 1;
    case OPT_FORBID:
        cfg->ciphers = 1;
        return parse_classes("--forbid", arg, MX_CRITICAL, cfg, err) == 0 ? 1
                                                                          : -1;
    case OPT_WARN_ON:
        cfg->ciphers = 1;
        return parse_classes("--warn-on", arg, MX_WARNING, cfg, err) == 0 ? 1
                                                                          : -1;
    case OPT_PARALLEL:
        return mx_parse_bounded(arg, "--parallel", 1, MX_SCHED_MAX,
                                &cfg->parallel, err) == 0
                   ? 1
                   : -1;
    default:
        return 0;
    }
}

static int
parse_args(int argc, char **argv, void *vcfg, struct mx_error *err)
{
    struct cfg *cfg = vcfg;
    static const struct option longopts[] = {
        {"minimum", required_argument, NULL, OPT_MINIMUM},
        {"require", required_argument, NULL, OPT_REQUIRE},
        {"ciphers", no_argument, NULL, OPT_CIPHERS},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"forbid", required_argument, NULL, OPT_FORBID},
        {"warn-on", required_argument, NULL, OPT_WARN_ON},
        {"raw-only", no_argument, NULL, OPT_RAW_ONLY},
        {NULL, 0, NULL, 0},
    };

    return mx_run_options(argc, argv, NULL, longopts, protocol_option, cfg,
                          &cfg->std, err);
}

static const char *
kx_name(enum mx_kx kx)
{
    static const char *const names[] = {
        "NULL", "RSA",  "DHE",  "ECDHE",  "DH",  "ECDH", "PSK",
        "SRP",  "KRB5", "GOST", "ECCPWD", "any", "other"};

    return (size_t)kx < sizeof(names) / sizeof(names[0]) ? names[kx] : "?";
}

static const char *
ssl2_name(uint32_t code)
{
    const struct mx_ssl2_cipher *t;
    size_t i, n;

    t = mx_ssl2_ciphers(&n);
    for (i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return "?";
}

static const char *
auth_name(enum mx_sauth a)
{
    static const char *const names[] = {"anon",   "RSA", "DSS",  "ECDSA",
                                        "PSK",    "SRP", "KRB5", "GOST",
                                        "ECCPWD", "any", "other"};

    return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* The worst policy state of a suite; its classes into b. */
static enum mx_state
suite_policy(const struct cfg *cfg, const struct mx_suite *s, struct mx_buf *b)
{
    enum mx_state st = MX_OK;
    size_t i;

    for (i = 0; s != NULL && i < NCLASSES; i++)
        if (cfg->policy[i] != MX_OK && classes[i].match(s)) {
            st = mx_state_worst(st, cfg->policy[i]);
            mx_buf_append(b, b->len > 0 ? ", " : " (");
            mx_buf_append(b, classes[i].name);
        }
    if (b->len > 0)
        mx_buf_append(b, ")");
    return st;
}

/* The suite table of one version, as child lines of node n. */
static void
list_suites(const struct cfg *cfg, struct mx_check *chk, struct mx_node *n,
            const struct mx_vresult *r)
{
    struct mx_buf why = MX_BUF_INIT;
    struct mx_node *sn;
    enum mx_state st;
    const struct mx_suite *s;
    const struct mx_group *g;
    struct mx_buf b = MX_BUF_INIT;
    size_t i;

    for (i = 0; i < r->nssl2; i++)
        mx_check_add(chk, n, MX_OK, "0x%06X %s", r->ssl2_ciphers[i],
                     ssl2_name(r->ssl2_ciphers[i]));
    for (i = 0; i < r->nsuites; i++) {
        s = mx_suite_by_code(r->suites[i]);
        mx_buf_reset(&why);
        st = suite_policy(cfg, s, &why);
        sn = mx_check_add(
            chk, n, st, "0x%04X %-30s %-5s %-5s %-8s %3d %s%s", r->suites[i],
            mx_suite_name(r->suites[i]), s != NULL ? kx_name(s->kx) : "?",
            s != NULL ? auth_name(s->auth) : "?",
            s != NULL && s->enc != NULL ? s->enc : "?", s != NULL ? s->bits : 0,
            s != NULL ? s->iana : "?", mx_buf_str(&why));
        if (st != MX_OK)
            mx_node_summary(sn, "%s", ""); /* the class's line speaks */
    }
    mx_buf_free(&why);
    for (i = 0; i < r->ncloses; i++) {
        if (i > 0)
            mx_buf_append(&b, ", ");
        mx_buf_append(&b, mx_suite_name(r->closes[i]));
    }
    if (r->ncloses > 0)
        mx_check_add(chk, n, MX_OK,
                     "%zu suite%s close the connection when offered alone "
                     "(no alert, asked twice: not accepted, not refused; "
                     "e.g. DHE without DH parameters, or a server that "
                     "refuses by closing): %s",
                     r->ncloses, r->ncloses == 1 ? "" : "s", mx_buf_str(&b));
    mx_buf_reset(&b);
    if (!r->suites_complete && r->version != MX_SSL2 && r->err.code == MX_E_OK)
        mx_check_add(chk, n, MX_OK, "(the suite list may be incomplete)");
    if (r->closed_ends > 0)
        mx_check_add(chk, n, MX_OK,
                     "%d elimination chain%s ended with the server closing "
                     "the connection without an alert (asked twice): the "
                     "suites or groups left there are not accepted, and not "
                     "verified as refused",
                     r->closed_ends, r->closed_ends == 1 ? "" : "s");
    if (r->order >= 0)
        mx_check_add(chk, n, MX_OK, "%s order decides",
                     r->order ? "the server's" : "the client's");
    else if (r->order_closed)
        mx_check_add(chk, n, MX_OK,
                     "order unknown: the server closed the connection "
                     "without an alert (twice) when offered two accepted "
                     "suites reversed");
    for (i = 0; i < r->ngroups; i++) {
        g = mx_group_by_code(r->groups[i]);
        if (i > 0)
            mx_buf_append(&b, ", ");
        mx_buf_append(&b, g != NULL ? g->display : "?");
    }
    if (r->ngroups > 0)
        mx_check_add(chk, n, MX_OK, "groups: %s%s", mx_buf_str(&b),
                     r->groups_complete ? "" : " (may be incomplete)");
    if (r->dh_bits > 0)
        mx_check_add(chk, n, MX_OK, "DHE prime of %d bits", r->dh_bits);
    mx_buf_free(&b);
}

/*
 * An accepted version whose table has a hole: a suite, group, order or
 * fallback probe got no verdict (the deadline, a close, a reset). The
 * table is then incomplete, and says so with the state of the failure;
 * its short text goes into the first line. Returns that state (OK when
 * the table is whole).
 */
static enum mx_state
table_hole(const struct cfg *cfg, struct mx_check *chk, struct mx_node *n,
           const struct mx_vresult *r, struct mx_buf *why)
{
    struct mx_node *h;
    enum mx_state st;

    if (r->err.code == MX_E_OK)
        return MX_OK;
    st = mx_err_state(r->err.code, cfg->std.timeout_state);
    h = mx_check_add(chk, n, st, "table incomplete: %s", r->err.msg);
    mx_node_summary(h, "%s table incomplete (%s)", mx_version_name(r->version),
                    r->err.code == MX_E_TIMEOUT ? "timeout" : "no verdict");
    if (why->len > 0)
        mx_buf_append(why, ", ");
    mx_buf_append(why, mx_version_name(r->version));
    return st;
}

/*
 * The state of a version the server answered by closing the connection
 * twice (MX_VS_CLOSED). Required: CRITICAL, since no handshake with it
 * completed. Otherwise OK: a client offering only that version gets no
 * handshake, so it is not accepted, which is all a minimum asks (the
 * output says the close was no formal refusal).
 */
static enum mx_state
closed_state(const struct cfg *cfg, int vi)
{
    return cfg->require[vi] ? MX_CRITICAL : MX_OK;
}

/* Did every version probe fail the same way (the server, not a version,
 * is the problem)? */
static int
same_error(const struct mx_enum *e)
{
    int i;

    for (i = 0; i < MX_NVERSIONS; i++)
        if (e->v[i].state != MX_VS_ERROR ||
            strcmp(e->v[i].err.msg, e->v[0].err.msg) != 0)
            return 0;
    return 1;
}

/* Append name to a ", "-separated list b unless it is there already. */
static void
list_once(struct mx_buf *b, const char *name)
{
    const char *p = mx_buf_str(b);
    size_t n = strlen(name);

    while ((p = strstr(p, name)) != NULL) {
        if ((p == mx_buf_str(b) || p[-1] == ' ') &&
            (p[n] == '\0' || p[n] == ','))
            return;
        p += n;
    }
    if (b->len > 0)
        mx_buf_append(b, ", ");
    mx_buf_append(b, name);
}

/*
 * One line per policy class the server violates: the suites and versions,
 * and the Postfix setting that removes them. The short texts are added
 * to pol (for a forced first line).
 */
static void
policy_lines(const struct cfg *cfg, struct mx_check *chk,
             const struct mx_enum *e, struct mx_buf *pol)
{
    struct mx_buf names = MX_BUF_INIT, vers = MX_BUF_INIT;
    const struct mx_vresult *r;
    const struct mx_suite *s;
    struct mx_node *n;
    size_t c, k;
    int i;

    for (c = 0; c < NCLASSES; c++) {
        if (cfg->policy[c] == MX_OK)
            continue;
        mx_buf_reset(&names);
        mx_buf_reset(&vers);
        for (i = MX_NVERSIONS - 1; i >= 0; i--) {
            r = &e->v[i];
            for (k = 0; r->state == MX_VS_ACCEPTED && k < r->nsuites; k++)
                if ((s = mx_suite_by_code(r->suites[k])) != NULL &&
                    classes[c].match(s)) {
                    list_once(&names, mx_suite_name(r->suites[k]));
                    list_once(&vers, mx_version_name(r->version));
                }
        }
        if (names.len == 0)
            continue;
        n = mx_check_add(chk, NULL, cfg->policy[c],
                         "%s suites %s accepted (%s %s): %s in %s; Postfix: "
                         "smtpd_tls_exclude_ciphers = %s (and "
                         "smtpd_tls_mandatory_exclude_ciphers)",
                         classes[c].name, classes[c].what,
                         cfg->policy[c] == MX_CRITICAL ? "--forbid"
                                                       : "--warn-on",
                         classes[c].name, mx_buf_str(&names), mx_buf_str(&vers),
                         classes[c].exclude);
        mx_node_summary(n, "%s suites accepted (%s)", classes[c].name,
                        mx_buf_str(&vers));
        mx_buf_printf(pol, "; %s suites accepted (%s)", classes[c].name,
                      mx_buf_str(&vers));
    }
    mx_buf_free(&names);
    mx_buf_free(&vers);
}

/* The message of the first version probe without a verdict. */
static const char *
first_error(const struct mx_enum *e)
{
    int i;

    for (i = MX_NVERSIONS - 1; i >= 0; i--)
        if (e->v[i].state == MX_VS_ERROR)
            return e->v[i].err.msg;
    return "";
}

static void
evaluate(const struct cfg *cfg, struct mx_check *chk, const struct mx_enum *e)
{
    struct mx_buf acc = MX_BUF_INIT, low = MX_BUF_INIT, holes = MX_BUF_INIT;
    struct mx_buf lost = MX_BUF_INIT, pol = MX_BUF_INIT;
    enum mx_state hole_st = MX_OK, lost_st = MX_OK;
    const struct mx_vresult *r;
    const struct mx_group *g;
    struct mx_node *n;
    struct mx_perf pd;
    enum mx_state st;
    int i, naccepted = 0, nlow = 0, nlost = 0;
    size_t ncl;

    for (i = MX_NVERSIONS - 1; i >= 0; i--) {
        r = &e->v[i];
        switch (r->state) {
        case MX_VS_ACCEPTED:
            g = mx_group_by_code(r->group);
            if (r->version < cfg->minimum) {
                st = MX_CRITICAL;
                nlow++;
            } else {
                st = MX_OK;
            }
            if (r->version == MX_SSL2)
                n = mx_check_add(chk, NULL, st,
                                 "%s accepted (%zu cipher kinds)%s",
                                 mx_version_name(r->version), r->nssl2,
                                 st != MX_OK ? ", below the minimum" : "");
            else
                n = mx_check_add(
                    chk, NULL, st, "%s accepted: %s%s%s%s, %.1f ms%s",
                    mx_version_name(r->version), mx_suite_name(r->chosen),
                    g ? " (" : "", g ? g->display : "", g ? ")" : "",
                    (double)r->us / 1000.0,
                    st != MX_OK ? ", below the minimum" : "");
            if (!r->verified)
                mx_check_add(chk, n, MX_OK,
                             "not verified: the raw probe read the server's "
                             "hello only, no handshake completed%s%s",
                             r->detail[0] ? "; " : "", r->detail);
            if (st != MX_OK)
                mx_node_summary(n, "%s accepted", mx_version_name(r->version));
            if (cfg->ciphers) {
                list_suites(cfg, chk, n, r);
                hole_st =
                    mx_state_worst(hole_st, table_hole(cfg, chk, n, r, &holes));
            }
            if (naccepted++ > 0)
                mx_buf_append(&acc, ", ");
            mx_buf_append(&acc, mx_version_name(r->version));
            break;
        case MX_VS_REFUSED:
            st = cfg->require[i] ? MX_CRITICAL : MX_OK;
            n = mx_check_add(chk, NULL, st, "%s refused: %s%s",
                             mx_version_name(r->version), r->detail,
                             st != MX_OK ? " (required)" : "");
            mx_node_summary(n, "%s not accepted (required)",
                            mx_version_name(r->version));
            break;
        case MX_VS_CLOSED:
            /* no answer, twice: not accepted (no handshake completed),
             * not refused either (no alert) */
            st = closed_state(cfg, i);
            n = mx_check_add(chk, NULL, st,
                             "%s not accepted: no answer (closed): %s; no "
                             "handshake completed, no alert%s",
                             mx_version_name(r->version), r->detail,
                             cfg->require[i] ? " (required)" : "");
            mx_node_summary(n,
                            "%s: no answer (closed), not accepted (required)",
                            mx_version_name(r->version));
            break;
        case MX_VS_ERROR:
            st = mx_err_state(r->err.code, cfg->std.timeout_state);
            n = mx_check_add(chk, NULL, st, "%s: %s",
                             mx_version_name(r->version), r->err.msg);
            mx_node_summary(n, "%s: %s", mx_version_name(r->version),
                            r->err.msg);
            lost_st = mx_state_worst(lost_st, st);
            if (nlost++ > 0)
                mx_buf_append(&lost, ", ");
            mx_buf_append(&lost, mx_version_name(r->version));
            break;
        default:
            break;
        }
        memset(&pd, 0, sizeof(pd));
        pd.label = mx_version_name(r->version);
        pd.value = r->state == MX_VS_ACCEPTED ? 1 : 0;
        pd.has_min = pd.has_max = 1;
        pd.max = 1;
        if (r->state != MX_VS_ERROR)
            mx_check_perf(chk, &pd);
    }
    for (i = 0; i < MX_NVERSIONS; i++) /* lowest first: TLSv1.0, TLSv1.1 */
        if (e->v[i].state == MX_VS_ACCEPTED && e->v[i].version < cfg->minimum) {
            if (low.len > 0)
                mx_buf_append(&low, ", ");
            mx_buf_append(&low, mx_version_name(e->v[i].version));
        }
    for (i = MX_NVERSIONS - 1; i >= 0; i--) /* the highest version's */
        if (e->v[i].state == MX_VS_ACCEPTED && e->v[i].version != MX_SSL2) {
            memset(&pd, 0, sizeof(pd));
            pd.label = "handshake";
            pd.value = (double)e->v[i].us / 1e6;
            pd.uom = "s";
            mx_check_perf(chk, &pd);
            break;
        }
    if (cfg->ciphers)
        policy_lines(cfg, chk, e, &pol);
    /* what the run leaves in the server's log as errors */
    mx_check_add(chk, NULL, MX_OK,
                 "%d connection%s: %d refused on purpose, %d raw probe%s "
                 "dropped after the server's hello, %d closed by the server "
                 "without an alert (each leaves an error in the server's "
                 "log), the others completed",
                 e->stats.connections, e->stats.connections == 1 ? "" : "s",
                 e->refusals, e->dropped, e->dropped == 1 ? "" : "s",
                 e->closed);
    if (cfg->ciphers && e->fallback >= 0)
        mx_check_add(chk, NULL, MX_OK, "TLS_FALLBACK_SCSV %s%s",
                     e->fallback ? "honoured" : "ignored",
                     e->fallback_closes
                         ? " (the server closes the connection instead of "
                           "sending alert inappropriate_fallback; the same "
                           "hello without it is accepted)"
                         : "");
    if (naccepted == 0 && same_error(e)) {
        mx_check_summary(chk,
                         mx_err_state(e->v[0].err.code, cfg->std.timeout_state),
                         "%s", e->v[0].err.msg);
    } else if (naccepted == 0 && nlost > 0) {
        /* a timeout or a close is not a refusal: no verdict, not "none" */
        mx_check_summary(chk, lost_st,
                         "no protocol version accepted, no verdict for %s: %s",
                         mx_buf_str(&lost), first_error(e));
    } else if (naccepted == 0) {
        mx_check_summary(chk, MX_CRITICAL, "no protocol version accepted");
    } else if (nlow > 0) {
        mx_check_summary(
            chk, MX_CRITICAL, "%s accepted (minimum %s)%s%s%s%s",
            mx_buf_str(&low), mx_version_name(cfg->minimum), mx_buf_str(&pol),
            holes.len > 0 ? "; table incomplete for " : "", mx_buf_str(&holes),
            holes.len > 0 ? " (no verdict)" : "");
    } else if (holes.len > 0 && hole_st == MX_OK) {
        /* --timeout-result=OK: the first line still says it */
        mx_check_summary(chk, MX_OK, "%s accepted; table incomplete for %s",
                         mx_buf_str(&acc), mx_buf_str(&holes));
    }
    for (i = 0, ncl = 0; i < MX_NVERSIONS; i++)
        ncl += e->v[i].ncloses;
    if (ncl > 0)
        mx_check_ok_summary(chk,
                            "%s accepted; %zu suite%s close the connection "
                            "(neither accepted nor refused)",
                            mx_buf_str(&acc), ncl, ncl == 1 ? "" : "s");
    else
        mx_check_ok_summary(chk, "%s accepted", mx_buf_str(&acc));
    mx_buf_free(&acc);
    mx_buf_free(&low);
    mx_buf_free(&holes);
    mx_buf_free(&lost);
    mx_buf_free(&pol);
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct mx_error err;
    struct mx_enum *e = NULL;
    struct mx_enum_opts eo;
    struct mx_target t;
    struct mx_check *chk = NULL;
    struct mx_perf pd;
    char **nargv = NULL;
    int nargc = 0, rc = MX_UNKNOWN, erc;
    int64_t t0;

    memset(&cfg, 0, sizeof(cfg));
    mx_error_clear(&err);
    mx_std_init(&cfg.std, "check_tls_protocol");
    cfg.minimum = MX_TLS10;
    cfg.parallel = 8;
    if (parse_classes("--forbid", FORBID_DEF, MX_CRITICAL, &cfg, &err) != 0 ||
        parse_classes("--warn-on", WARN_ON_DEF, MX_WARNING, &cfg, &err) != 0)
        return mx_run_usage_error(LABEL, &err);
    rc = mx_run_start(argc, argv, "check_tls_protocol", LABEL, parse_args, help,
                      &cfg, &cfg.std, &nargc, &nargv);
    if (rc >= 0)
        goto out;
    rc = MX_UNKNOWN;
    chk = mx_check_new(LABEL);
    e = calloc(1, sizeof(*e));
    if (chk == NULL || e == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    mx_run_target(&cfg.std, &t);
    memset(&eo, 0, sizeof(eo));
    eo.what = cfg.ciphers ? MX_ENUM_ALL : MX_ENUM_VERSIONS;
    eo.parallel = (int)cfg.parallel;
    eo.sni = cfg.std.sni;
    eo.raw_only = cfg.raw_only;
    t0 = mx_now_ms();
    erc = mx_enumerate(&t, &eo, e, &err);
    if (erc != 0 && e->stats.connections == 0)
        mx_check_summary(chk, mx_err_state(err.code, cfg.std.timeout_state),
                         "%s", err.msg);
    else
        evaluate(&cfg, chk, e);
    mx_target_report(chk, &t, cfg.std.timeout_state);
    memset(&pd, 0, sizeof(pd));
    pd.label = "time";
    pd.value = (double)(mx_now_ms() - t0) / 1000.0;
    pd.uom = "s";
    mx_check_perf(chk, &pd);
    pd.label = "connections";
    pd.value = e->stats.connections;
    pd.uom = NULL;
    mx_check_perf(chk, &pd);
    rc = mx_run_emit(chk);
out:
    mx_check_free(chk);
    free(e);
    mx_argv_free(nargc, nargv);
    return rc;
}
