/*
 * check_tls_cert - which certificates does a mail server present?
 *
 * Finds every certificate the server can present (RSA, RSA-PSS, ECDSA per
 * curve, Ed25519, Ed448, DSA; dual and triple setups) in one run, and
 * checks the required key types, minimum key sizes, days until expiry
 * (leaf and presented intermediates), and optionally trust and name.
 * Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad arguments,
 * internal failure).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

#include "certscan.h"
#include "log.h"
#include "opts.h"
#include "range.h"
#include "registry.h"
#include "result.h"
#include "runner.h"
#include "strnum.h"

#define LABEL "TLS CERT"

enum {
    OPT_REQUIRE = MX_OPT_PLUGIN,
    OPT_MIN_BITS,
    OPT_CA_FILE,
    OPT_CA_PATH,
    OPT_MATCH,
};

struct cfg {
    struct mx_std std;
    struct mx_range warn;
    struct mx_range crit;
    int require[MX_KEY_COUNT];
    int require_given; /* a --require replaced the default */
    int min_bits[MX_KEY_COUNT];
    struct mx_range bits_range[MX_KEY_COUNT];
    const char *cafile;
    const char *capath;
    const char *match;
};

static void
help(struct mx_buf *b)
{
    mx_buf_append(
        b,
        "check_tls_cert (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
        "Finds every certificate a mail server presents (RSA, ECDSA per "
        "curve,\n"
        "Ed25519, Ed448, DSA, dual setups) and checks key types, key sizes "
        "and\n"
        "expiry. By default an RSA certificate is required: peers whose TLS\n"
        "clients offer only RSA-authenticated suites cannot deliver to a "
        "server\n"
        "without one.\n"
        "\n"
        "Usage:\n"
        "  check_tls_cert -H HOST [-p PORT] [-S DIALECT] [-w RANGE] [-c RANGE]\n"
        "                 [--require=TYPES] [--min-bits=TYPE:BITS,...]\n"
        "                 [--ca-file=FILE] [--ca-path=DIR] [--match=NAME]\n"
        "\n"
        "Options:\n"
        " -w, --warning=RANGE\n"
        "    Days until expiry that raise a WARNING (default: 30:, i.e. fewer "
        "than\n"
        "    30 days). Checked for every certificate presented, "
        "intermediates too.\n"
        " -c, --critical=RANGE\n"
        "    Days until expiry that raise a CRITICAL (default: 14:).\n"
        " --require=TYPES\n"
        "    Comma-separated key types that must be presented, each "
        "CRITICAL when\n"
        "    missing: rsa, rsa-pss, ecdsa, ed25519, ed448, dsa (default: "
        "rsa);\n"
        "    'none' requires nothing beyond one certificate of any type.\n"
        "    Repeated --require and --min-bits add up.\n"
        " --min-bits=TYPE:BITS[,TYPE:BITS...]\n"
        "    Smallest key size per type, CRITICAL below it "
        "(e.g. rsa:2048,ecdsa:256).\n"
        " --ca-file=FILE\n"
        "    Verify each chain against the CA certificates in FILE "
        "(PEM).\n"
        " --ca-path=DIR\n"
        "    Verify each chain against the hashed CA directory DIR.\n"
        " --match=NAME\n"
        "    Each certificate must cover NAME (DNS name or IP address).\n");
    mx_std_help(b);
    mx_buf_append(
        b,
        "\n"
        "Thresholds are ranges as in the Monitoring Plugins guidelines: "
        "\"30:\"\n"
        "alerts below 30, \"@0:30\" alerts from 0 to 30, \"30\" alerts "
        "outside\n"
        "0..30 (so a plain number is rarely what you want for days left).\n"
        "\n"
        "Examples:\n"
        "  check_tls_cert -H mx.example.org\n"
        "  check_tls_cert -H mx.example.org --require=rsa,ecdsa -w 21: -c 7:\n"
        "  check_tls_cert -H 127.0.0.1 -p 465 -S none --min-bits=rsa:3072\n");
}

static int
parse_require(const char *arg, struct cfg *cfg, struct mx_error *err)
{
    char tmp[256], *tok, *save = NULL;
    enum mx_keytype t;
    int n = 0;

    if (strlen(arg) >= sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "--require: list too long");
        return -1;
    }
    /* The first --require replaces the default; later ones add to it. */
    if (!cfg->require_given)
        memset(cfg->require, 0, sizeof(cfg->require));
    cfg->require_given = 1;
    snprintf(tmp, sizeof(tmp), "%s", arg);
    for (tok = strtok_r(tmp, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        n++;
        if (strcmp(tok, "none") == 0)
            continue;
        t = mx_keytype_parse(tok);
        if (t == MX_KEY_NONE) {
            mx_error_set(err, MX_E_USAGE,
                         "--require: unknown key type '%.40s' (rsa, rsa-pss, "
                         "ecdsa, ed25519, ed448, dsa, none)",
                         tok);
            return -1;
        }
        cfg->require[t] = 1;
    }
    if (n == 0) {
        mx_error_set(err, MX_E_USAGE,
                     "--require: empty list (none requires no key type)");
        return -1;
    }
    return 0;
}

static int
parse_min_bits(const char *arg, struct cfg *cfg, struct mx_error *err)
{
    char tmp[256], *tok, *save = NULL, *colon, range[32], rerr[128];
    const char *errstr;
    long long bits;
    enum mx_keytype t;

    if (strlen(arg) >= sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "--min-bits: list too long");
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s", arg);
    for (tok = strtok_r(tmp, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        colon = strchr(tok, ':');
        if (colon == NULL) {
            mx_error_set(err, MX_E_USAGE,
                         "--min-bits: '%.40s' is not TYPE:BITS", tok);
            return -1;
        }
        *colon = '\0';
        t = mx_keytype_parse(tok);
        if (t == MX_KEY_NONE) {
            mx_error_set(err, MX_E_USAGE,
                         "--min-bits: unknown key type '%.40s'", tok);
            return -1;
        }
        if (mx_strtonum(colon + 1, 1, 65536, &bits, &errstr) != 0) {
            mx_error_set(err, MX_E_USAGE, "--min-bits: %s bits '%.20s' %s", tok,
                         colon + 1, errstr);
            return -1;
        }
        cfg->min_bits[t] = (int)bits;
        snprintf(range, sizeof(range), "%lld:", bits);
        if (mx_range_parse(range, &cfg->bits_range[t], rerr, sizeof(rerr)) !=
            0) {
            mx_error_set(err, MX_E_INTERNAL, "%s", rerr);
            return -1;
        }
    }
    return 0;
}

static int
cert_option(int opt, const char *arg, void *vcfg, struct mx_error *err)
{
    struct cfg *cfg = vcfg;
    char rerr[128];

    switch (opt) {
    case 'w':
    case 'c':
        if (mx_range_parse(arg, opt == 'w' ? &cfg->warn : &cfg->crit, rerr,
                           sizeof(rerr)) != 0) {
            mx_error_set(err, MX_E_USAGE, "%s: %s",
                         opt == 'w' ? "--warning" : "--critical", rerr);
            return -1;
        }
        return 1;
    case OPT_REQUIRE:
        return parse_require(arg, cfg, err) == 0 ? 1 : -1;
    case OPT_MIN_BITS:
        return parse_min_bits(arg, cfg, err) == 0 ? 1 : -1;
    case OPT_CA_FILE:
        cfg->cafile = arg;
        return 1;
    case OPT_CA_PATH:
        cfg->capath = arg;
        return 1;
    case OPT_MATCH:
        cfg->match = arg;
        return 1;
    default:
        return 0;
    }
}

static int
parse_args(int argc, char **argv, void *vcfg, struct mx_error *err)
{
    struct cfg *cfg = vcfg;
    static const struct option longopts[] = {
        {"warning", required_argument, NULL, 'w'},
        {"critical", required_argument, NULL, 'c'},
        {"require", required_argument, NULL, OPT_REQUIRE},
        {"min-bits", required_argument, NULL, OPT_MIN_BITS},
        {"ca-file", required_argument, NULL, OPT_CA_FILE},
        {"ca-path", required_argument, NULL, OPT_CA_PATH},
        {"match", required_argument, NULL, OPT_MATCH},
        {NULL, 0, NULL, 0},
    };

    return mx_run_options(argc, argv, "w:c:", longopts, cert_option, cfg,
                          &cfg->std, err);
}

static void
fmt_time(time_t t, char *out, size_t cap)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(out, cap, "?");
}

/* "in 12 days" / "today" / "3 days ago", from a fractional day count. */
static void
fmt_days(double days, char *out, size_t cap)
{
    long d = (long)(days < 0 ? -days : days);

    if (days >= 0)
        snprintf(out, cap, "in %ld day%s", d, d == 1 ? "" : "s");
    else
        snprintf(out, cap, "%ld day%s ago", d, d == 1 ? "" : "s");
}

/* Perfdata label stem for a certificate: rsa, ecdsa_p256, ed25519... */
static void
perf_stem(const struct mx_certinfo *ci, char *out, size_t cap)
{
    const char *src = mx_keytype_id(ci->type);
    size_t o = 0;
    int curve = 0;

    while (o + 1 < cap) {
        char ch = *src++;
        if (ch == '\0') {
            if (curve || ci->type != MX_KEY_ECDSA || !ci->curve_name[0])
                break;
            curve = 1; /* "ecdsa" then "_" and the curve: ecdsa_p256 */
            src = ci->curve_name;
            ch = '_';
        } else if (ch == '-') {
            if (curve)
                continue;
            ch = '_';
        } else if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        out[o++] = ch;
    }
    out[o] = '\0';
}

static enum mx_state
days_state(const struct cfg *cfg, double days)
{
    if (mx_range_alert(&cfg->crit, days))
        return MX_CRITICAL;
    if (mx_range_alert(&cfg->warn, days))
        return MX_WARNING;
    return MX_OK;
}

static void
check_cert(const struct cfg *cfg, struct mx_check *chk, X509_STORE *store,
           const struct mx_scanned_cert *sc, time_t now, const char *stem)
{
    const struct mx_certinfo *ci = &sc->info;
    const struct mx_sigalg *sa = mx_sigalg_by_code(sc->sigalg);
    struct mx_node *n, *p;
    struct mx_certinfo ici;
    struct mx_error e;
    struct mx_perf pd;
    char exp[40], days[40], why[200], label[80];
    double left = mx_cert_days_left(ci, now);
    enum mx_state st;
    int i;

    fmt_time(ci->not_after, exp, sizeof(exp));
    fmt_days(left, days, sizeof(days));
    n = mx_check_add(
        chk, NULL, MX_OK,
        "%s: %s; issuer %s; expires %s (%s); %s; seen with %s %s%s%s",
        ci->label, ci->subject, ci->issuer, exp, days, ci->sigalg,
        mx_version_name(sc->version), sc->suite, sa != NULL ? " " : "",
        sa != NULL ? sa->iana : "");
    if (n == NULL)
        return;

    st = days_state(cfg, left);
    if (st != MX_OK) {
        p = mx_check_add(chk, n, st, "%s certificate %s %s", ci->label,
                         left < 0 ? "expired" : "expires", days);
        mx_node_summary(p, "%s certificate %s %s", ci->label,
                        left < 0 ? "expired" : "expires", days);
    }
    if (difftime(ci->not_before, now) > 0) {
        fmt_time(ci->not_before, exp, sizeof(exp));
        p = mx_check_add(chk, n, MX_CRITICAL, "not valid before %s", exp);
        mx_node_summary(p, "%s certificate not valid before %s", ci->label,
                        exp);
    }
    if (cfg->min_bits[ci->type] > 0 && ci->bits < cfg->min_bits[ci->type]) {
        p = mx_check_add(chk, n, MX_CRITICAL, "key of %d bits, minimum %d",
                         ci->bits, cfg->min_bits[ci->type]);
        mx_node_summary(p, "%s key below %d bits", ci->label,
                        cfg->min_bits[ci->type]);
    }
    if (store != NULL) {
        int v = mx_cert_verify(store, sc->chain, why, sizeof(why));
        if (v != 1) {
            p = mx_check_add(chk, n, MX_CRITICAL, "not trusted: %s",
                             v < 0 ? "verification failed" : why);
            mx_node_summary(p, "%s certificate not trusted (%s)", ci->label,
                            v < 0 ? "verification failed" : why);
        }
    }
    if (cfg->match != NULL &&
        !mx_cert_matches(sk_X509_value(sc->chain, 0), cfg->match)) {
        p = mx_check_add(chk, n, MX_CRITICAL, "does not cover %s", cfg->match);
        mx_node_summary(p, "%s certificate does not cover %s", ci->label,
                        cfg->match);
    }
    for (i = 1; i < sk_X509_num(sc->chain); i++) {
        if (mx_certinfo_get(sk_X509_value(sc->chain, i), &ici, &e) != 0)
            continue;
        left = mx_cert_days_left(&ici, now);
        st = days_state(cfg, left);
        if (st == MX_OK)
            continue;
        fmt_days(left, days, sizeof(days));
        p = mx_check_add(chk, n, st, "chain certificate %s %s %s", ici.subject,
                         left < 0 ? "expired" : "expires", days);
        mx_node_summary(p, "%s chain certificate %s %s %s", ci->label,
                        ici.subject, left < 0 ? "expired" : "expires", days);
    }

    memset(&pd, 0, sizeof(pd));
    snprintf(label, sizeof(label), "%.60s_days", stem);
    pd.label = label;
    pd.value = (double)((long long)(mx_cert_days_left(ci, now) * 100)) / 100;
    pd.warn = &cfg->warn;
    pd.crit = &cfg->crit;
    mx_check_perf(chk, &pd);
    memset(&pd, 0, sizeof(pd));
    snprintf(label, sizeof(label), "%.60s_bits", stem);
    pd.label = label;
    pd.value = ci->bits;
    if (cfg->min_bits[ci->type] > 0)
        pd.crit = &cfg->bits_range[ci->type];
    mx_check_perf(chk, &pd);
}

/* What a missing key type costs, and the server-side change. */
static const char *
missing_hint(int type)
{
    switch (type) {
    case MX_KEY_RSA:
        return "peers whose TLS clients offer only RSA-authenticated suites "
               "cannot deliver; add an RSA certificate (Postfix: "
               "smtpd_tls_chain_files with both keys, or "
               "smtpd_tls_cert_file/smtpd_tls_key_file beside "
               "smtpd_tls_eccert_file)";
    case MX_KEY_ECDSA:
        return "clients that offer only ECDSA-authenticated suites cannot "
               "connect; add an ECDSA certificate (Postfix: "
               "smtpd_tls_chain_files, or smtpd_tls_eccert_file/"
               "smtpd_tls_eckey_file)";
    default:
        return "add a certificate of this type (Postfix: "
               "smtpd_tls_chain_files)";
    }
}

/* "ECDSA P-256", "RSA 2048 and ECDSA P-256", "A, B and C" */
static void
list_labels(const struct mx_certscan *s, struct mx_buf *b)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (i > 0)
            mx_buf_append(b, i + 1 == s->n ? " and " : ", ");
        mx_buf_append(b, s->certs[i].info.label);
    }
}

static void
evaluate(const struct cfg *cfg, struct mx_check *chk, X509_STORE *store,
         const struct mx_certscan *s, const struct mx_target *t, int complete)
{
    struct mx_buf present = MX_BUF_INIT;
    char stems[MX_SCAN_MAX_CERTS][64], stem[48], exp[40], days[40];
    time_t now = time(NULL);
    struct mx_node *n;
    size_t i, j;
    int k, have, dup;
    double soonest = 0;
    size_t soonest_i = 0;

    list_labels(s, &present);
    for (k = MX_KEY_RSA; k < MX_KEY_COUNT; k++) {
        if (!cfg->require[k])
            continue;
        for (have = 0, i = 0; i < s->n; i++)
            if ((int)s->certs[i].info.type == k)
                have = 1;
        if (have || s->n == 0 || !complete)
            continue;
        n = mx_check_add(chk, NULL, MX_CRITICAL,
                         "no %s certificate (%s only): %s",
                         mx_keytype_name((enum mx_keytype)k),
                         mx_buf_str(&present), missing_hint(k));
        mx_node_summary(n, "no %s certificate (%s only)",
                        mx_keytype_name((enum mx_keytype)k),
                        mx_buf_str(&present));
    }
    for (i = 0; i < s->n; i++) {
        perf_stem(&s->certs[i].info, stem, sizeof(stem));
        for (dup = 1, j = 0; j < i; j++)
            if (strcmp(stems[j], stem) == 0)
                dup++;
        if (dup > 1)
            snprintf(stems[i], sizeof(stems[i]), "%.40s_%d", stem, dup);
        else
            snprintf(stems[i], sizeof(stems[i]), "%s", stem);
        check_cert(cfg, chk, store, &s->certs[i], now, stems[i]);
        if (i == 0 ||
            s->certs[i].info.not_after < s->certs[soonest_i].info.not_after)
            soonest_i = i;
    }
    if (s->n > 0) {
        soonest = mx_cert_days_left(&s->certs[soonest_i].info, now);
        fmt_time(s->certs[soonest_i].info.not_after, exp, sizeof(exp));
        fmt_days(soonest, days, sizeof(days));
        mx_check_ok_summary(chk, "%s; %s expires %s (%s)", mx_buf_str(&present),
                            s->n > 1 ? "first" : "it", days, exp);
    }
    mx_check_add(chk, NULL, MX_OK, "%s port %d (%s): %d connection%s%s%s%s",
                 t->host, t->port, mx_dialect_name(t->app.dialect),
                 s->stats.connections, s->stats.connections == 1 ? "" : "s",
                 s->tls13 ? ", TLSv1.3 supported" : "",
                 s->note[0] ? "; note: " : "", s->note);
    mx_buf_free(&present);
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct mx_error err;
    struct mx_certscan scan;
    struct mx_target t;
    struct mx_check *chk = NULL;
    struct mx_perf pd;
    X509_STORE *store = NULL;
    char rerr[128];
    char **nargv = NULL;
    int nargc = 0, rc = MX_UNKNOWN, scan_rc;
    int64_t t0;

    memset(&cfg, 0, sizeof(cfg));
    memset(&scan, 0, sizeof(scan));
    mx_error_clear(&err);
    mx_std_init(&cfg.std, "check_tls_cert");
    cfg.require[MX_KEY_RSA] = 1;
    if (mx_range_parse("30:", &cfg.warn, rerr, sizeof(rerr)) != 0 ||
        mx_range_parse("14:", &cfg.crit, rerr, sizeof(rerr)) != 0) {
        mx_error_set(&err, MX_E_INTERNAL, "%s", rerr);
        return mx_run_usage_error(LABEL, &err);
    }
    rc = mx_run_start(argc, argv, "check_tls_cert", LABEL, parse_args, help,
                      &cfg, &cfg.std, &nargc, &nargv);
    if (rc >= 0)
        goto out;
    rc = MX_UNKNOWN;
    if (cfg.cafile != NULL || cfg.capath != NULL) {
        store = mx_trust_load(cfg.cafile, cfg.capath, &err);
        if (store == NULL) {
            rc = mx_run_usage_error(LABEL, &err);
            goto out;
        }
    }
    chk = mx_check_new(LABEL);
    if (chk == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    mx_run_target(&cfg.std, &t);
    t0 = mx_now_ms();
    scan_rc = mx_certscan(&t, cfg.std.sni, &scan, &err);
    evaluate(&cfg, chk, store, &scan, &t, scan_rc == 0);
    if (scan_rc != 0)
        mx_check_summary(chk, mx_err_state(err.code, cfg.std.timeout_state),
                         "%s", err.msg);
    else if (scan.n == 0)
        mx_check_summary(chk, MX_CRITICAL, "no TLS handshake with %s: %s",
                         t.host, scan.refusal);
    memset(&pd, 0, sizeof(pd));
    pd.label = "time";
    pd.value = (double)(mx_now_ms() - t0) / 1000.0;
    pd.uom = "s";
    mx_check_perf(chk, &pd);
    pd.label = "connections";
    pd.value = scan.stats.connections;
    pd.uom = NULL;
    mx_check_perf(chk, &pd);
    rc = mx_run_emit(chk);
out:
    mx_check_free(chk);
    mx_certscan_free(&scan);
    X509_STORE_free(store);
    mx_argv_free(nargc, nargv);
    return rc;
}
