/*
 * check_tls_cert - which certificates does a mail server present?
 *
 * Finds every certificate the server can present (RSA, RSA-PSS, ECDSA per
 * curve, Ed25519, Ed448, DSA; dual and triple setups) in one run, and
 * checks the required key types, minimum key sizes, days until expiry
 * (leaf and presented intermediates), the chain against the system's (or
 * a given) trust store, and the name (-H or --match).
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
#include "net.h"
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
    OPT_TRUST,
    OPT_NAME,
};

/* The longest first line (before the perfdata) for any number of
 * certificates and problems: short enough for a pager or an SMS. */
#define LINE1_MAX 100

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
    const char *warn_arg; /* -w and -c as typed, for messages */
    const char *crit_arg;
    enum mx_state trust; /* an untrusted chain; INVALID: by service */
    enum mx_state name;  /* a name mismatch; INVALID: by service */
};

/* One problem for the first line: its cause (shared by the certificates
 * it hits), the certificate's label, and the whole sentence used when it
 * is the only problem. */
struct problem {
    enum mx_state st;
    char cause[96];
    char label[48];
    char alone[160];
};

#define MAX_PROBLEMS 64

struct problems {
    struct problem v[MAX_PROBLEMS];
    size_t n;
    int dropped;
};

static void
help(struct mx_buf *b)
{
    mx_buf_append(
        b,
        "check_tls_cert (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
        "Finds every certificate a mail server presents (RSA, ECDSA per "
        "curve,\n"
        "Ed25519, Ed448, DSA, dual setups) and checks key types, key sizes,\n"
        "expiry, the chain against the system's trust store and the name. By\n"
        "default an RSA certificate is required: peers whose TLS clients "
        "offer\n"
        "only RSA-authenticated suites cannot deliver to a server without "
        "one.\n"
        "\n"
        "Usage:\n"
        "  check_tls_cert -H HOST [-p PORT] [-S DIALECT] [-w DAYS] [-c DAYS]\n"
        "                 [--require=TYPES] [--min-bits=TYPE:BITS,...]\n"
        "                 [--ca-file=FILE] [--ca-path=DIR] [--match=NAME]\n"
        "                 [--trust=STATE] [--name=STATE]\n"
        "\n"
        "Options:\n"
        " -w, --warning=DAYS\n"
        "    WARNING when a certificate has fewer than DAYS days left "
        "(default:\n"
        "    30). Checked for every certificate presented, intermediates "
        "too.\n"
        " -c, --critical=DAYS\n"
        "    CRITICAL when fewer than DAYS days are left (default: 14). A "
        "warning\n"
        "    below the critical number is an error (UNKNOWN); given alone, "
        "-c 40\n"
        "    raises the warning to 40 and -w 7 lowers the critical to 7.\n"
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
        "    Verify each chain against the CA certificates in FILE (PEM) "
        "instead\n"
        "    of the system's trust store.\n"
        " --ca-path=DIR\n"
        "    Verify each chain against the CA certificates (PEM) of every "
        "regular\n"
        "    file in DIR instead of the system's trust store.\n"
        " --match=NAME\n"
        "    Each certificate must cover NAME (DNS name or IP address); "
        "default:\n"
        "    --sni, else -H when it is a name (an address is not checked).\n"
        " --trust=STATE\n"
        "    State of a chain that does not verify: critical, warning, or ok "
        "(also\n"
        "    'ignore': reported in the long output only). Default: warning "
        "for\n"
        "    SMTP or LMTP with STARTTLS on any port but 587 (opportunistic "
        "TLS),\n"
        "    critical for port 587, implicit TLS, IMAP and POP3, and "
        "critical\n"
        "    whenever --ca-file or --ca-path is given.\n"
        " --name=STATE\n"
        "    State of a certificate that does not cover the name, the same "
        "way;\n"
        "    critical whenever --match is given.\n");
    mx_std_help(b);
    mx_buf_append(
        b,
        "\n"
        "Thresholds are in days left, as check_ssl_cert and check_http -C "
        "take\n"
        "them: -w 30 -c 14 warns below 30 days and is critical below 14. "
        "Text\n"
        "with ':' or '@' is a range as in the Monitoring Plugins "
        "guidelines\n"
        "(\"30:\" is the same as 30, \"@0:30\" alerts from 0 to 30 "
        "inclusive).\n"
        "\n"
        "The first line names at most about 100 characters of problems, "
        "grouped\n"
        "by cause; the long output has one line per certificate (in its "
        "worst\n"
        "state) with every finding below it, and a last line with the "
        "number of\n"
        "connections and of refused handshakes (each one a TLS error in "
        "the\n"
        "server's log; none for a server that follows the client's order).\n"
        "\n"
        "Examples:\n"
        "  check_tls_cert -H mx.example.org\n"
        "  check_tls_cert -H mx.example.org --require=rsa,ecdsa -w 21 -c 7\n"
        "  check_tls_cert -H mx.example.org -p 587 --trust=warning\n"
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

/* --trust=STATE, --name=STATE: critical, warning, ok (or ignore). */
static int
parse_verdict(const char *opt, const char *arg, enum mx_state *out,
              struct mx_error *err)
{
    enum mx_state st = strcmp(arg, "ignore") == 0 ? MX_OK : mx_state_parse(arg);

    if (st != MX_OK && st != MX_WARNING && st != MX_CRITICAL) {
        mx_error_set(err, MX_E_USAGE,
                     "%s: '%.40s' is not a state (critical, warning, ok or "
                     "ignore)",
                     opt, arg);
        return -1;
    }
    *out = st;
    return 0;
}

static int
cert_option(int opt, const char *arg, void *vcfg, struct mx_error *err)
{
    struct cfg *cfg = vcfg;
    char rerr[160];

    switch (opt) {
    case 'w':
    case 'c':
        if (mx_range_parse_min(arg, opt == 'w' ? &cfg->warn : &cfg->crit, rerr,
                               sizeof(rerr)) != 0) {
            mx_error_set(err, MX_E_USAGE, "%s: %s",
                         opt == 'w' ? "--warning" : "--critical", rerr);
            return -1;
        }
        if (opt == 'w')
            cfg->warn_arg = arg;
        else
            cfg->crit_arg = arg;
        return 1;
    case OPT_TRUST:
        return parse_verdict("--trust", arg, &cfg->trust, err) == 0 ? 1 : -1;
    case OPT_NAME:
        return parse_verdict("--name", arg, &cfg->name, err) == 0 ? 1 : -1;
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
        {"trust", required_argument, NULL, OPT_TRUST},
        {"name", required_argument, NULL, OPT_NAME},
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

/* Everything check_cert and evaluate share for one run. */
struct run {
    const struct cfg *cfg;
    struct mx_check *chk;
    X509_STORE *store;
    const char *store_name; /* "the system store (/usr/lib/ssl/certs)" */
    const char *name;       /* the name each certificate must cover */
    enum mx_state trust;    /* state of an untrusted chain */
    enum mx_state name_st;  /* state of a name mismatch */
    struct problems pr;
    time_t now;
};

static void
add_problem(struct problems *pr, enum mx_state st, const char *label,
            const char *cause, const char *alone)
{
    struct problem *p;

    if (st == MX_OK)
        return;
    if (pr->n >= MAX_PROBLEMS) {
        pr->dropped++;
        return;
    }
    p = &pr->v[pr->n++];
    p->st = st;
    snprintf(p->label, sizeof(p->label), "%s", label);
    snprintf(p->cause, sizeof(p->cause), "%s", cause);
    snprintf(p->alone, sizeof(p->alone), "%s", alone);
}

/* A child of a certificate's line: the line keeps the worst state. */
static struct mx_node *
add_finding(struct run *r, struct mx_node *cert, enum mx_state st,
            const char *text)
{
    struct mx_node *n = mx_check_add(r->chk, cert, st, "%s", text);

    mx_node_raise(cert, st);
    return n;
}

static void
check_cert(struct run *r, const struct mx_scanned_cert *sc, const char *stem)
{
    const struct cfg *cfg = r->cfg;
    const struct mx_certinfo *ci = &sc->info;
    const struct mx_sigalg *sa = mx_sigalg_by_code(sc->sigalg);
    struct mx_node *n;
    struct mx_certinfo ici;
    struct mx_error e;
    struct mx_perf pd;
    char exp[40], days[40], why[200], label[80], cause[96], alone[160],
        text[400];
    double left = mx_cert_days_left(ci, r->now);
    enum mx_state st;
    int i, v;

    fmt_time(ci->not_after, exp, sizeof(exp));
    fmt_days(left, days, sizeof(days));
    n = mx_check_add(
        r->chk, NULL, MX_OK,
        "%s: %s; issuer %s; expires %s (%s); %s; seen with %s %s%s%s",
        ci->label, ci->subject, ci->issuer, exp, days, ci->sigalg,
        mx_version_name(sc->version), sc->suite, sa != NULL ? " " : "",
        sa != NULL ? sa->iana : "");
    if (n == NULL)
        return;

    st = days_state(cfg, left);
    if (st != MX_OK) {
        snprintf(cause, sizeof(cause), "%s %s",
                 left < 0 ? "expired" : "expires", days);
        snprintf(alone, sizeof(alone), "%s certificate %s", ci->label, cause);
        add_finding(r, n, st, alone);
        add_problem(&r->pr, st, ci->label, cause, alone);
    }
    if (difftime(ci->not_before, r->now) > 0) {
        fmt_time(ci->not_before, exp, sizeof(exp));
        snprintf(text, sizeof(text), "not valid before %s", exp);
        snprintf(alone, sizeof(alone), "%s certificate not valid before %s",
                 ci->label, exp);
        add_finding(r, n, MX_CRITICAL, text);
        add_problem(&r->pr, MX_CRITICAL, ci->label, "not yet valid", alone);
    }
    if (cfg->min_bits[ci->type] > 0 && ci->bits < cfg->min_bits[ci->type]) {
        snprintf(text, sizeof(text), "key of %d bits, minimum %d", ci->bits,
                 cfg->min_bits[ci->type]);
        snprintf(cause, sizeof(cause), "key below %d bits",
                 cfg->min_bits[ci->type]);
        snprintf(alone, sizeof(alone), "%s %s", ci->label, cause);
        add_finding(r, n, MX_CRITICAL, text);
        add_problem(&r->pr, MX_CRITICAL, ci->label, cause, alone);
    }

    v = mx_cert_verify(r->store, sc->chain, why, sizeof(why));
    if (v == 1) {
        snprintf(text, sizeof(text), "chain trusted by %s", r->store_name);
        add_finding(r, n, MX_OK, text);
    } else {
        if (v < 0)
            snprintf(why, sizeof(why), "verification failed");
        snprintf(text, sizeof(text), "chain not trusted by %s: %s%s",
                 r->store_name, why,
                 r->trust == MX_OK ? " (not alerting: --trust=ok)" : "");
        snprintf(alone, sizeof(alone), "%s certificate not trusted (%.100s)",
                 ci->label, why);
        add_finding(r, n, r->trust, text);
        add_problem(&r->pr, r->trust, ci->label, "untrusted", alone);
    }
    if (r->name != NULL) {
        if (mx_cert_matches(sk_X509_value(sc->chain, 0), r->name)) {
            snprintf(text, sizeof(text), "covers %s", r->name);
            add_finding(r, n, MX_OK, text);
        } else {
            snprintf(text, sizeof(text), "does not cover %s%s", r->name,
                     r->name_st == MX_OK ? " (not alerting: --name=ok)" : "");
            snprintf(cause, sizeof(cause), "does not cover %.40s%s", r->name,
                     strlen(r->name) > 40 ? "..." : "");
            snprintf(alone, sizeof(alone), "%s certificate does not cover %s",
                     ci->label, r->name);
            add_finding(r, n, r->name_st, text);
            add_problem(&r->pr, r->name_st, ci->label, cause, alone);
        }
    }
    for (i = 1; i < sk_X509_num(sc->chain); i++) {
        if (mx_certinfo_get(sk_X509_value(sc->chain, i), &ici, &e) != 0)
            continue;
        left = mx_cert_days_left(&ici, r->now);
        st = days_state(cfg, left);
        if (st == MX_OK)
            continue;
        fmt_days(left, days, sizeof(days));
        snprintf(text, sizeof(text), "chain certificate %s %s %s", ici.subject,
                 left < 0 ? "expired" : "expires", days);
        snprintf(cause, sizeof(cause), "chain certificate %s %s",
                 left < 0 ? "expired" : "expires", days);
        snprintf(alone, sizeof(alone), "%s chain certificate %.80s %s %s",
                 ci->label, ici.subject, left < 0 ? "expired" : "expires",
                 days);
        add_finding(r, n, st, text);
        add_problem(&r->pr, st, ci->label, cause, alone);
    }

    memset(&pd, 0, sizeof(pd));
    snprintf(label, sizeof(label), "%.60s_days", stem);
    pd.label = label;
    pd.value = (double)((long long)(mx_cert_days_left(ci, r->now) * 100)) / 100;
    pd.warn = &cfg->warn;
    pd.crit = &cfg->crit;
    mx_check_perf(r->chk, &pd);
    memset(&pd, 0, sizeof(pd));
    snprintf(label, sizeof(label), "%.60s_bits", stem);
    pd.label = label;
    pd.value = ci->bits;
    if (cfg->min_bits[ci->type] > 0)
        pd.crit = &cfg->bits_range[ci->type];
    mx_check_perf(r->chk, &pd);
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

/* Append text cut to fit cap bytes in all, "..." marking a cut (never
 * in the middle of a UTF-8 sequence). */
static void
append_fit(struct mx_buf *b, const char *text, size_t cap)
{
    size_t len = strlen(text), keep;

    if (b->len + len <= cap) {
        mx_buf_append(b, text);
        return;
    }
    if (b->len + 3 >= cap)
        return;
    keep = cap - b->len - 3;
    while (keep > 0 && ((unsigned char)text[keep] & 0xc0) == 0x80)
        keep--;
    mx_buf_appendn(b, text, keep);
    mx_buf_append(b, "...");
}

/*
 * The first line for the problems found: the problem's own sentence when
 * there is one, else the causes, CRITICAL ones first, each with the
 * certificates it hits ("no RSA certificate; untrusted (ECDSA P-256,
 * Ed25519)", "all 3" when it hits every one). A cause whose list does not
 * fit is given with a count; one that does not fit at all is left for a
 * final "+K more" (K problems), and later, shorter ones may still fit.
 * The text stays within cap bytes; the long output has every detail.
 */
static void
summarize(const struct problems *pr, size_t ncerts, size_t cap,
          struct mx_buf *out)
{
    static const enum mx_state order[] = {MX_CRITICAL, MX_WARNING};
    struct mx_buf piece = MX_BUF_INIT, labels = MX_BUF_INIT;
    size_t i, j, o, k, n, hidden = 0, total = pr->n + (size_t)pr->dropped;
    int seen, shown = 0, missing;

    if (total == 1 && pr->n == 1) {
        append_fit(out, pr->v[0].alone, cap);
        return;
    }
    for (o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        for (i = 0; i < pr->n; i++) {
            if (pr->v[i].st != order[o])
                continue;
            for (seen = 0, j = 0; j < i && !seen; j++)
                seen = pr->v[j].st == order[o] &&
                       strcmp(pr->v[j].cause, pr->v[i].cause) == 0;
            if (seen)
                continue;
            missing = strcmp(pr->v[i].cause, "missing") == 0;
            for (n = 0, j = i; j < pr->n; j++)
                n += pr->v[j].st == order[o] &&
                     strcmp(pr->v[j].cause, pr->v[i].cause) == 0;
            mx_buf_reset(&labels);
            for (k = 0, j = i; j < pr->n; j++) {
                if (pr->v[j].st != order[o] ||
                    strcmp(pr->v[j].cause, pr->v[i].cause) != 0)
                    continue;
                if (pr->v[j].label[0] != '\0')
                    mx_buf_printf(&labels, "%s%s",
                                  k == 0                  ? ""
                                  : missing && k + 1 == n ? " or "
                                                          : ", ",
                                  pr->v[j].label);
                k++;
            }
            mx_buf_reset(&piece);
            if (missing)
                mx_buf_printf(&piece, "no %s certificate", mx_buf_str(&labels));
            else if (labels.len == 0)
                mx_buf_printf(&piece, "%s", pr->v[i].cause);
            else if (k == ncerts && k > 2)
                mx_buf_printf(&piece, "%s (all %zu)", pr->v[i].cause, k);
            else
                mx_buf_printf(&piece, "%s (%s)", pr->v[i].cause,
                              mx_buf_str(&labels));
            /* room for "; +99 more" after this piece */
            if (out->len + 2 + piece.len + 10 > cap && labels.len > 0 &&
                !missing) {
                mx_buf_reset(&piece);
                mx_buf_printf(&piece, "%s (%zu certificates)", pr->v[i].cause,
                              k);
            }
            if (out->len + 2 + piece.len + 10 > cap) {
                hidden += k;
                continue;
            }
            mx_buf_printf(out, "%s%s", shown++ > 0 ? "; " : "",
                          mx_buf_str(&piece));
        }
    }
    hidden += (size_t)pr->dropped;
    if (shown == 0)
        mx_buf_printf(out, "%zu problems (see the long output)", total);
    else if (hidden > 0)
        mx_buf_printf(out, "; +%zu more", hidden);
    mx_buf_free(&piece);
    mx_buf_free(&labels);
}

/* The worst state among the problems. */
static enum mx_state
problems_state(const struct problems *pr)
{
    enum mx_state st = MX_OK;
    size_t i;

    for (i = 0; i < pr->n; i++)
        st = mx_state_worst(st, pr->v[i].st);
    return st;
}

static void
evaluate(struct run *r, const struct mx_certscan *s, const struct mx_target *t,
         int complete)
{
    const struct cfg *cfg = r->cfg;
    struct mx_buf present = MX_BUF_INIT, line = MX_BUF_INIT;
    char stems[MX_SCAN_MAX_CERTS][64], stem[48], exp[40], days[40], alone[200];
    size_t i, j;
    int k, have, dup;
    double soonest = 0;
    size_t soonest_i = 0, cap;
    enum mx_state st;

    list_labels(s, &present);
    for (k = MX_KEY_RSA; k < MX_KEY_COUNT; k++) {
        if (!cfg->require[k])
            continue;
        for (have = 0, i = 0; i < s->n; i++)
            if ((int)s->certs[i].info.type == k)
                have = 1;
        if (have || s->n == 0 || !complete)
            continue;
        snprintf(alone, sizeof(alone), "no %s certificate (%s only)",
                 mx_keytype_name((enum mx_keytype)k), mx_buf_str(&present));
        mx_check_add(r->chk, NULL, MX_CRITICAL, "%s: %s", alone,
                     missing_hint(k));
        /* grouped: "missing (Ed448, DSA)" */
        add_problem(&r->pr, MX_CRITICAL, mx_keytype_name((enum mx_keytype)k),
                    "missing", alone);
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
        check_cert(r, &s->certs[i], stems[i]);
        if (i == 0 ||
            s->certs[i].info.not_after < s->certs[soonest_i].info.not_after)
            soonest_i = i;
    }
    if (s->n > 0 && r->name == NULL)
        mx_check_add(r->chk, NULL, MX_OK,
                     "names not checked: %s is an address (--match=NAME "
                     "checks one)",
                     t->host);
    if (s->n > 0) {
        soonest = mx_cert_days_left(&s->certs[soonest_i].info, r->now);
        fmt_time(s->certs[soonest_i].info.not_after, exp, sizeof(exp));
        fmt_days(soonest, days, sizeof(days));
        mx_check_ok_summary(r->chk, "%s; %s expires %s (%s)",
                            mx_buf_str(&present), s->n > 1 ? "first" : "it",
                            days, exp);
    }
    st = problems_state(&r->pr);
    if (st != MX_OK) {
        cap = LINE1_MAX - strlen(LABEL " ") - strlen(mx_state_name(st)) -
              strlen(" - ");
        summarize(&r->pr, s->n, cap, &line);
        mx_check_summary(r->chk, st, "%s", mx_buf_str(&line));
    }
    mx_buf_free(&line);
    mx_buf_free(&present);
}

/* The line about the run itself: connections, refused handshakes, and
 * how the scan ended. A scan that failed or found nothing carries its
 * state here too, never OK. */
static void
report_run(struct mx_check *chk, const struct mx_certscan *s,
           const struct mx_target *t, enum mx_state fail_st, const char *fail)
{
    if (fail != NULL) {
        mx_check_add(chk, NULL, fail_st,
                     "%s port %d (%s): %s; %d connection%s, %d refused "
                     "handshake%s",
                     t->host, t->port, mx_dialect_name(t->app.dialect), fail,
                     s->stats.connections, s->stats.connections == 1 ? "" : "s",
                     s->refusals, s->refusals == 1 ? "" : "s");
        return;
    }
    mx_check_add(
        chk, NULL, MX_OK,
        "%s port %d (%s): %d connection%s, %d refused handshake%s%s%s%s%s%s",
        t->host, t->port, mx_dialect_name(t->app.dialect), s->stats.connections,
        s->stats.connections == 1 ? "" : "s", s->refusals,
        s->refusals == 1 ? "" : "s",
        s->refusals > 0 ? " (the server logs each as a TLS error)" : "",
        s->tls13 ? ", TLSv1.3 supported" : "",
        s->client_order ? ""
                        : "; the server orders suites itself, so "
                          "each round ends with a refusal",
        s->note[0] ? "; note: " : "", s->note);
}

/* Opportunistic TLS (SMTP or LMTP with STARTTLS, except port 587): senders
 * rarely verify (RFC 7672 DANE aside), so an untrusted chain or a name
 * mismatch warns. Submission and implicit TLS (465, 587, 993, 995, IMAP,
 * POP3), where users' clients verify, make it critical. */
static enum mx_state
verdict_default(const struct mx_std *std)
{
    if ((std->dialect == MX_DIALECT_SMTP || std->dialect == MX_DIALECT_LMTP) &&
        std->port != 587)
        return MX_WARNING;
    return MX_CRITICAL;
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct mx_error err;
    struct mx_certscan scan;
    struct mx_target t;
    struct mx_perf pd;
    struct run *run = NULL;
    char rerr[160], store_name[300];
    char **nargv = NULL;
    int nargc = 0, rc = MX_UNKNOWN, scan_rc;
    double wf, cf;
    int64_t t0;

    memset(&cfg, 0, sizeof(cfg));
    memset(&scan, 0, sizeof(scan));
    mx_error_clear(&err);
    mx_std_init(&cfg.std, "check_tls_cert");
    cfg.require[MX_KEY_RSA] = 1;
    cfg.trust = MX_STATE_INVALID;
    cfg.name = MX_STATE_INVALID;
    if (mx_range_parse_min("30", &cfg.warn, rerr, sizeof(rerr)) != 0 ||
        mx_range_parse_min("14", &cfg.crit, rerr, sizeof(rerr)) != 0) {
        mx_error_set(&err, MX_E_INTERNAL, "%s", rerr);
        return mx_run_usage_error(LABEL, &err);
    }
    rc = mx_run_start(argc, argv, "check_tls_cert", LABEL, parse_args, help,
                      &cfg, &cfg.std, &nargc, &nargv);
    if (rc >= 0)
        goto out;
    rc = MX_UNKNOWN;
    /* Given alone, -c 40 or -w 7 moves the other default along (-w 40,
     * -c 7); both given the wrong way round are an error. */
    if (mx_range_floor(&cfg.warn, &wf) && mx_range_floor(&cfg.crit, &cf) &&
        wf < cf && cfg.warn_arg == NULL)
        cfg.warn = cfg.crit;
    else if (mx_range_floor(&cfg.warn, &wf) && mx_range_floor(&cfg.crit, &cf) &&
             wf < cf && cfg.crit_arg == NULL)
        cfg.crit = cfg.warn;
    if (mx_range_floor(&cfg.warn, &wf) && mx_range_floor(&cfg.crit, &cf) &&
        wf < cf) {
        mx_error_set(&err, MX_E_USAGE,
                     "--warning=%s is below --critical=%s: a certificate "
                     "would turn CRITICAL before it warns (-w 30 -c 14 "
                     "means fewer than 30 / 14 days left)",
                     cfg.warn_arg != NULL ? cfg.warn_arg : cfg.warn.text,
                     cfg.crit_arg != NULL ? cfg.crit_arg : cfg.crit.text);
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    run = calloc(1, sizeof(*run));
    if (run == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    run->cfg = &cfg;
    run->now = time(NULL);
    run->store = mx_trust_load(cfg.cafile, cfg.capath, &err);
    if (run->store == NULL) {
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    if (cfg.cafile != NULL || cfg.capath != NULL)
        snprintf(store_name, sizeof(store_name), "%s%.120s%s%.120s",
                 cfg.cafile != NULL ? "--ca-file " : "",
                 cfg.cafile != NULL ? cfg.cafile : "",
                 cfg.capath != NULL
                     ? (cfg.cafile != NULL ? " and --ca-path " : "--ca-path ")
                     : "",
                 cfg.capath != NULL ? cfg.capath : "");
    else
        snprintf(store_name, sizeof(store_name), "the system store (%s)",
                 mx_trust_system_dir());
    run->store_name = store_name;
    run->trust = cfg.trust != MX_STATE_INVALID ? cfg.trust
                 : cfg.cafile != NULL || cfg.capath != NULL
                     ? MX_CRITICAL
                     : verdict_default(&cfg.std);
    run->name_st = cfg.name != MX_STATE_INVALID ? cfg.name
                   : cfg.match != NULL          ? MX_CRITICAL
                                                : verdict_default(&cfg.std);
    /* The name asked for: --match, else the name sent as SNI (--sni), else
     * -H when it is a name. */
    if (cfg.match != NULL)
        run->name = cfg.match;
    else if (cfg.std.sni_given && cfg.std.sni != NULL)
        run->name = cfg.std.sni;
    else if (!mx_is_address(cfg.std.host))
        run->name = cfg.std.host;
    run->chk = mx_check_new(LABEL);
    if (run->chk == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    mx_run_target(&cfg.std, &t);
    t0 = mx_now_ms();
    scan_rc = mx_certscan(&t, cfg.std.sni, &scan, &err);
    evaluate(run, &scan, &t, scan_rc == 0);
    if (scan_rc != 0) {
        report_run(run->chk, &scan, &t,
                   mx_err_state(err.code, cfg.std.timeout_state), err.msg);
        mx_check_summary(run->chk,
                         mx_err_state(err.code, cfg.std.timeout_state), "%s",
                         err.msg);
    } else if (scan.n == 0) {
        snprintf(rerr, sizeof(rerr), "no TLS handshake: %.120s", scan.refusal);
        report_run(run->chk, &scan, &t, MX_CRITICAL, rerr);
        mx_check_summary(run->chk, MX_CRITICAL, "no TLS handshake with %s: %s",
                         t.host, scan.refusal);
    } else {
        report_run(run->chk, &scan, &t, MX_OK, NULL);
    }
    /* what the scheduler met: a connection limit, a run too long for -t */
    mx_target_report(run->chk, &t, cfg.std.timeout_state);
    memset(&pd, 0, sizeof(pd));
    pd.label = "time";
    pd.value = (double)(mx_now_ms() - t0) / 1000.0;
    pd.uom = "s";
    mx_check_perf(run->chk, &pd);
    pd.label = "connections";
    pd.value = scan.stats.connections;
    pd.uom = NULL;
    mx_check_perf(run->chk, &pd);
    rc = mx_run_emit(run->chk);
out:
    if (run != NULL) {
        mx_check_free(run->chk);
        X509_STORE_free(run->store);
        free(run);
    }
    mx_certscan_free(&scan);
    mx_argv_free(nargc, nargv);
    return rc;
}
