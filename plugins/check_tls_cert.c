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
#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

#include "certscan.h"
#include "dane.h"
#include "danebase.h"
#include "log.h"
#include "mtasts.h"
#include "stsget.h"
#include "net.h"
#include "opts.h"
#include "range.h"
#include "registry.h"
#include "resolve.h"
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
    OPT_DANE,
    OPT_DNS_ANCHOR,
    OPT_DNS_SERVER,
    OPT_MTA_STS,
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
    int dane;            /* 0: no; 1: --dane; 2: --dane=required */
    const char *dns_anchor;
    const char *dns_server; /* ADDR@PORT, or NULL */
    char dns_server_buf[80];
    const char *mta_sts; /* --mta-sts=DOMAIN */
};

/* One problem for the first line: its cause (shared by the certificates
 * it hits), the certificate's label, and the whole sentence used when it
 * is the only problem. */
struct problem {
    enum mx_state st;
    char cause[96];
    char label[96]; /* "RSA 2048", "RSA 2048 at ::1" */
    char alone[320];
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
        "Every address of HOST (A and AAAA) is checked: one that presents "
        "other\n"
        "certificates than the first has them checked and named with its "
        "address.\n"
        "\n"
        "Usage:\n"
        "  check_tls_cert -H HOST [-p PORT] [-S DIALECT] [-w DAYS] [-c DAYS]\n"
        "                 [--require=TYPES] [--min-bits=TYPE:BITS,...]\n"
        "                 [--ca-file=FILE] [--ca-path=DIR] [--match=NAME]\n"
        "                 [--trust=STATE] [--name=STATE]\n"
        "                 [--dane[=required] [--dns-anchor=FILE]\n"
        "                 [--dns-server=ADDRESS[@PORT]]] [--mta-sts=DOMAIN]\n"
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
        "    critical whenever --match is given.\n"
        " --dane[=required]\n"
        "    Look up the TLSA records of _PORT._tcp.HOST (HOST: -H, or "
        "--sni when\n"
        "    -H is an address), validated with DNSSEC, and check every "
        "certificate\n"
        "    at every address of HOST (A and AAAA, validated too) against "
        "them as\n"
        "    DANE SMTP senders do (RFC 7672): DANE-EE (3) matches the key "
        "or\n"
        "    certificate and ignores names and dates; DANE-TA (2) needs the "
        "CA in\n"
        "    the presented chain, and the chain valid for HOST; PKIX usages "
        "(0, 1)\n"
        "    are unusable for SMTP. A certificate that no usable record "
        "matches is\n"
        "    CRITICAL, as are bogus answers; WARNING when a certificate "
        "expires\n"
        "    within -w and the records match only the keys in use (the "
        "renewal\n"
        "    breaks DANE unless the next key is published first). A zone "
        "that is\n"
        "    not signed, or no TLSA records, is OK with a note, CRITICAL "
        "with\n"
        "    --dane=required; a lookup that fails is UNKNOWN. When HOST is "
        "an\n"
        "    alias, the CNAME-expanded name's TLSA records come first if the "
        "chain\n"
        "    is signed, HOST's when it has none (RFC 7672 2.2.2).\n"
        " --dns-anchor=FILE\n"
        "    DNSSEC trust anchors (DS or DNSKEY records, zone file format) "
        "instead\n"
        "    of the root key in " MX_ROOT_ANCHOR ".\n"
        " --dns-server=ADDRESS[@PORT]\n"
        "    Send the DNS queries of --dane to this resolver or "
        "authoritative\n"
        "    server instead of those of /etc/resolv.conf; the answers are "
        "still\n"
        "    validated here.\n"
        " --mta-sts=DOMAIN\n"
        "    Fetch DOMAIN's MTA-STS policy (RFC 8461: the _mta-sts TXT "
        "record and\n"
        "    https://mta-sts.DOMAIN/.well-known/mta-sts.txt, checked "
        "strictly) and\n"
        "    check that HOST matches one of its mx patterns and that each\n"
        "    certificate chains to the trust store (or --ca-file), covers "
        "HOST and\n"
        "    is within its dates. A failure is CRITICAL in mode enforce, "
        "WARNING\n"
        "    in mode testing; a policy that cannot be fetched or parsed is "
        "WARNING,\n"
        "    a failed DNS lookup UNKNOWN. Uses --dns-anchor and "
        "--dns-server.\n");
    mx_std_help(b);
    mx_buf_append(
        b, "\n"
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
           "  check_tls_cert -H 127.0.0.1 -p 465 -S none --min-bits=rsa:3072\n"
           "  check_tls_cert -H mx.example.org --dane=required\n");
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
    case OPT_DANE:
        if (arg != NULL && strcmp(arg, "required") != 0) {
            mx_error_set(err, MX_E_USAGE,
                         "--dane=%.40s: the only value is 'required'", arg);
            return -1;
        }
        cfg->dane = arg != NULL ? 2 : 1;
        return 1;
    case OPT_DNS_ANCHOR:
        cfg->dns_anchor = arg;
        return 1;
    case OPT_DNS_SERVER:
        if (mx_vres_server_parse(arg, cfg->dns_server_buf,
                                 sizeof(cfg->dns_server_buf), err) != 0)
            return -1;
        cfg->dns_server = cfg->dns_server_buf;
        return 1;
    case OPT_MTA_STS:
        cfg->mta_sts = arg;
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
        {"dane", optional_argument, NULL, OPT_DANE},
        {"dns-anchor", required_argument, NULL, OPT_DNS_ANCHOR},
        {"dns-server", required_argument, NULL, OPT_DNS_SERVER},
        {"mta-sts", required_argument, NULL, OPT_MTA_STS},
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
    const char *at;         /* the address of the scan being checked, when it
                               presents other certificates than the first */
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
    char exp[40], days[40], why[200], label[80], cause[96], alone[320],
        text[400], lab[96];
    double left = mx_cert_days_left(ci, r->now);
    enum mx_state st;
    int i, v;

    if (r->at != NULL)
        snprintf(lab, sizeof(lab), "%s at %s", ci->label, r->at);
    else
        snprintf(lab, sizeof(lab), "%s", ci->label);
    fmt_time(ci->not_after, exp, sizeof(exp));
    fmt_days(left, days, sizeof(days));
    n = mx_check_add(
        r->chk, NULL, MX_OK,
        "%s: %s; issuer %s; expires %s (%s); %s; seen with %s %s%s%s", lab,
        ci->subject, ci->issuer, exp, days, ci->sigalg,
        mx_version_name(sc->version), sc->suite, sa != NULL ? " " : "",
        sa != NULL ? sa->iana : "");
    if (n == NULL)
        return;

    st = days_state(cfg, left);
    if (st != MX_OK) {
        snprintf(cause, sizeof(cause), "%s %s",
                 left < 0 ? "expired" : "expires", days);
        snprintf(alone, sizeof(alone), "%s certificate %s", lab, cause);
        add_finding(r, n, st, alone);
        add_problem(&r->pr, st, lab, cause, alone);
    }
    if (difftime(ci->not_before, r->now) > 0) {
        fmt_time(ci->not_before, exp, sizeof(exp));
        snprintf(text, sizeof(text), "not valid before %s", exp);
        snprintf(alone, sizeof(alone), "%s certificate not valid before %s",
                 lab, exp);
        add_finding(r, n, MX_CRITICAL, text);
        add_problem(&r->pr, MX_CRITICAL, lab, "not yet valid", alone);
    }
    if (cfg->min_bits[ci->type] > 0 && ci->bits < cfg->min_bits[ci->type]) {
        snprintf(text, sizeof(text), "key of %d bits, minimum %d", ci->bits,
                 cfg->min_bits[ci->type]);
        snprintf(cause, sizeof(cause), "key below %d bits",
                 cfg->min_bits[ci->type]);
        snprintf(alone, sizeof(alone), "%s %s", lab, cause);
        add_finding(r, n, MX_CRITICAL, text);
        add_problem(&r->pr, MX_CRITICAL, lab, cause, alone);
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
                 lab, why);
        add_finding(r, n, r->trust, text);
        add_problem(&r->pr, r->trust, lab, "untrusted", alone);
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
                     lab, r->name);
            add_finding(r, n, r->name_st, text);
            add_problem(&r->pr, r->name_st, lab, cause, alone);
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
        snprintf(alone, sizeof(alone), "%s chain certificate %.80s %s %s", lab,
                 ici.subject, left < 0 ? "expired" : "expires", days);
        add_finding(r, n, st, text);
        add_problem(&r->pr, st, lab, cause, alone);
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

/* What a missing key type costs (the change is mx_keytype_advice). */
static const char *
missing_cost(int type)
{
    switch (type) {
    case MX_KEY_RSA:
        return "peers whose TLS clients offer only RSA-authenticated suites "
               "cannot deliver";
    case MX_KEY_ECDSA:
        return "clients that offer only ECDSA-authenticated suites cannot "
               "connect";
    default:
        return "clients that accept only this type cannot connect";
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
    static const enum mx_state order[] = {MX_CRITICAL, MX_WARNING, MX_UNKNOWN};
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

/*
 * Every address of the host (A and AAAA; from the validated lookups of
 * --dane, else the system's resolver): senders may connect to any, so
 * each is scanned. The first address's scan is main's; one more scan per
 * further address.
 */
struct hostaddrs {
    struct mx_addr a[MX_MAX_ADDRS];
    size_t n; /* 0: the scan resolves -H itself (an address literal) */
    struct mx_certscan extra[MX_MAX_ADDRS];
    int extra_rc[MX_MAX_ADDRS];
    struct mx_error extra_err[MX_MAX_ADDRS];
    struct mx_error first_err; /* the first address's scan, when it failed */
};

/* The key types --require asks for that s lacks: CRITICAL each (at: the
 * address, for a further address that presents other certificates). */
static void
check_missing(struct run *r, const struct mx_certscan *s, int complete,
              const char *at)
{
    struct mx_buf present = MX_BUF_INIT;
    char alone[200], cause[96], where[80];
    size_t i;
    int k, have;

    list_labels(s, &present);
    snprintf(where, sizeof(where), "%s%s", at != NULL ? " at " : "",
             at != NULL ? at : "");
    for (k = MX_KEY_RSA; k < MX_KEY_COUNT; k++) {
        if (!r->cfg->require[k])
            continue;
        for (have = 0, i = 0; i < s->n; i++)
            if ((int)s->certs[i].info.type == k)
                have = 1;
        if (have || s->n == 0 || !complete)
            continue;
        snprintf(alone, sizeof(alone), "no %s certificate%s (%s only)",
                 mx_keytype_name((enum mx_keytype)k), where,
                 mx_buf_str(&present));
        mx_check_add(r->chk, NULL, MX_CRITICAL, "%s: %s; %s", alone,
                     missing_cost(k), mx_keytype_advice((enum mx_keytype)k));
        /* grouped: "missing (Ed448, DSA)" */
        snprintf(cause, sizeof(cause), "missing%s", where);
        add_problem(&r->pr, MX_CRITICAL, mx_keytype_name((enum mx_keytype)k),
                    cause, alone);
    }
    mx_buf_free(&present);
}

/* Do two scans present the same certificate chains (in any order)? */
static int
same_certs(const struct mx_certscan *a, const struct mx_certscan *b)
{
    size_t i, j;
    int k, found, n;

    if (a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++) {
        n = sk_X509_num(a->certs[i].chain);
        for (found = 0, j = 0; j < b->n && !found; j++) {
            if (sk_X509_num(b->certs[j].chain) != n)
                continue;
            for (found = 1, k = 0; k < n && found; k++)
                found = X509_cmp(sk_X509_value(a->certs[i].chain, k),
                                 sk_X509_value(b->certs[j].chain, k)) == 0;
        }
        if (!found)
            return 0;
    }
    return 1;
}

struct dane;
static void dane_evaluate(struct run *r, struct dane *d,
                          const struct mx_certscan *first, int first_rc,
                          const char *first_addr);
static const char *dane_ok_extra(const struct dane *d);
struct sts;
static void sts_evaluate(struct run *r, struct sts *st,
                         const struct mx_certscan *first,
                         const struct hostaddrs *ha);

static void
evaluate(struct run *r, const struct mx_certscan *s, const struct mx_target *t,
         int complete, struct dane *d, int scan_rc, struct sts *sts,
         const struct hostaddrs *ha)
{
    const struct cfg *cfg = r->cfg;
    struct mx_buf present = MX_BUF_INIT, line = MX_BUF_INIT;
    char stems[MX_SCAN_MAX_CERTS][64], stem[48], astem[64], exp[40], days[40],
        alone[200];
    const struct mx_scanned_cert *soon_x = NULL;
    time_t soon_other = 0;
    size_t i, j, a;
    int dup;
    double soonest = 0;
    size_t soonest_i = 0, cap;
    enum mx_state st;

    list_labels(s, &present);
    check_missing(r, s, complete, NULL);
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
    /* the further addresses: checked again only where they differ */
    for (a = 1; a < ha->n; a++) {
        const struct mx_certscan *x = &ha->extra[a];
        const struct mx_error *e = &ha->extra_err[a];

        if (ha->extra_rc[a] != 0 || x->n == 0) {
            if (d != NULL)
                continue; /* the DANE lines name it */
            st = ha->extra_rc[a] != 0
                     ? mx_err_state(e->code, cfg->std.timeout_state)
                     : MX_CRITICAL;
            snprintf(alone, sizeof(alone), "%s: %.150s", ha->a[a].text,
                     ha->extra_rc[a] != 0 ? e->msg : "no TLS handshake");
            mx_check_add(r->chk, NULL, st, "%s port %d: %s", ha->a[a].text,
                         cfg->std.port,
                         ha->extra_rc[a] != 0 ? e->msg : x->refusal);
            add_problem(&r->pr, st, ha->a[a].text, "no TLS", alone);
            continue;
        }
        if (same_certs(s, x)) {
            mx_check_add(r->chk, NULL, MX_OK,
                         "%s port %d: the same %zu certificate%s as %s",
                         ha->a[a].text, cfg->std.port, x->n,
                         x->n == 1 ? "" : "s", ha->a[0].text);
            continue;
        }
        mx_buf_reset(&line);
        list_labels(x, &line);
        mx_check_add(r->chk, NULL, MX_OK,
                     "%s port %d: other certificates than %s: %s (checked "
                     "below)",
                     ha->a[a].text, cfg->std.port, ha->a[0].text,
                     mx_buf_str(&line));
        mx_buf_reset(&line);
        r->at = ha->a[a].text;
        check_missing(r, x, 1, ha->a[a].text);
        for (i = 0; i < x->n; i++) {
            perf_stem(&x->certs[i].info, stem, sizeof(stem));
            snprintf(astem, sizeof(astem), "%.40s_a%zu", stem, a + 1);
            check_cert(r, &x->certs[i], astem);
            if (x->certs[i].info.not_after < soon_other || soon_x == NULL) {
                soon_other = x->certs[i].info.not_after;
                soon_x = &x->certs[i];
            }
        }
        r->at = NULL;
    }
    if (d != NULL)
        dane_evaluate(r, d, s, scan_rc,
                      t->naddrs > 0 ? t->addrs[0].text : t->host);
    if (sts != NULL)
        sts_evaluate(r, sts, s, ha);
    if (s->n > 0 && r->name == NULL)
        mx_check_add(r->chk, NULL, MX_OK,
                     "names not checked: %s is an address (--match=NAME "
                     "checks one)",
                     t->host);
    if (s->n > 0) {
        const struct mx_certinfo *si = &s->certs[soonest_i].info;

        if (soon_x != NULL && soon_x->info.not_after < si->not_after)
            si = &soon_x->info;
        soonest = mx_cert_days_left(si, r->now);
        fmt_time(si->not_after, exp, sizeof(exp));
        fmt_days(soonest, days, sizeof(days));
        mx_check_ok_summary(r->chk, "%s; %s expires %s (%s)%s%s",
                            mx_buf_str(&present),
                            s->n > 1 || soon_x != NULL ? "first" : "it", days,
                            exp, ha->n > 1 ? "; every address checked" : "",
                            d != NULL ? dane_ok_extra(d) : "");
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

/*
 * DANE (--dane): the TLSA RRset of _PORT._tcp.BASE and the addresses of
 * BASE, validated; every certificate at every address against the
 * records, as a DANE SMTP sender checks it (RFC 7672).
 */
enum { Q_TLSA, Q_A, Q_AAAA, Q_COUNT };

struct dane {
    struct mx_vresolver *vr;
    struct mx_vquery q[Q_COUNT];
    int asked[Q_COUNT];
    char base[256];         /* the host's name (-H, or --sni) */
    char owner[300];        /* _PORT._tcp.TLSABASE, the TLSA name used */
    struct mx_tlsa_base tb; /* the TLSA base domain (after CNAMEs) */
    struct hostaddrs *ha;   /* the addresses found here, and their scans */
    struct mx_tlsa recs[MX_TLSA_MAX];
    size_t nrecs;
    char ok_extra[120]; /* for the OK first line */
};

/* Add an address from an A or AAAA rdata. */
static void
dane_add_addr(struct dane *d, int type, const unsigned char *rd, size_t len,
              int port)
{
    if (d->ha->n < MX_MAX_ADDRS &&
        mx_vres_addr(type, rd, len, port, &d->ha->a[d->ha->n]) == 0)
        d->ha->n++;
}

/*
 * The lookups, before any connection: TLSA, and A/AAAA when -H is a name
 * (-4/-6 ask one). 0, or -1 with err (USAGE: no name to look up, a bad
 * anchor or server; RESOLVE: the deadline passed first).
 */
static int
dane_lookup(const struct cfg *cfg, struct dane *d, const struct mx_target *t,
            struct mx_error *err)
{
    struct mx_vquery q[Q_COUNT];
    size_t n = 0, i, j;
    int rc;

    if (!mx_is_address(cfg->std.host))
        snprintf(d->base, sizeof(d->base), "%s", cfg->std.host);
    else if (cfg->std.sni_given && cfg->std.sni != NULL)
        snprintf(d->base, sizeof(d->base), "%s", cfg->std.sni);
    else {
        mx_error_set(err, MX_E_USAGE,
                     "--dane needs the host's name for its TLSA records: -H "
                     "NAME, or --sni=NAME with -H ADDRESS");
        return -1;
    }
    snprintf(d->owner, sizeof(d->owner), "_%d._tcp.%s", cfg->std.port, d->base);
    d->vr = mx_vres_new(cfg->dns_anchor, cfg->dns_server, err);
    if (d->vr == NULL)
        return -1;
    d->asked[Q_TLSA] = 1;
    if (!mx_is_address(cfg->std.host)) {
        d->asked[Q_A] = t->family != AF_INET6;
        d->asked[Q_AAAA] = t->family != AF_INET;
    }
    /* the queries are asked together, in one array */
    for (i = 0; i < Q_COUNT; i++)
        if (d->asked[i])
            mx_vquery_set(&q[n++], i == Q_TLSA ? d->owner : d->base,
                          i == Q_TLSA ? MX_RR_TLSA
                          : i == Q_A  ? MX_RR_A
                                      : MX_RR_AAAA);
    rc = mx_vres_run(d->vr, q, n, t->deadline, err);
    for (n = 0, i = 0; i < Q_COUNT; i++)
        if (d->asked[i])
            d->q[i] = q[n++];
    if (rc != 0)
        return -1;
    /* an alias: the CNAME-expanded name's TLSA first (RFC 7672 2.2.2) */
    if (mx_tlsa_base_resolve(d->vr, d->base, cfg->std.port, &d->q[Q_A], 2,
                             &d->q[Q_TLSA], t->deadline, &d->tb, err) != 0)
        return -1;
    snprintf(d->owner, sizeof(d->owner), "%s", d->tb.owner);
    for (i = Q_A; i <= Q_AAAA; i++) {
        if (!d->asked[i] || (d->q[i].status != MX_VRES_SECURE &&
                             d->q[i].status != MX_VRES_INSECURE))
            continue;
        for (j = 0; j < d->q[i].n; j++)
            dane_add_addr(d, d->q[i].type, d->q[i].rr[j], d->q[i].len[j],
                          cfg->std.port);
    }
    if (d->q[Q_TLSA].status == MX_VRES_SECURE)
        for (j = 0; j < d->q[Q_TLSA].n && d->nrecs < MX_TLSA_MAX; j++)
            if (mx_tlsa_parse(d->q[Q_TLSA].rr[j], d->q[Q_TLSA].len[j],
                              &d->recs[d->nrecs]) == 0)
                d->nrecs++;
    return 0;
}

static const char *
dane_ok_extra(const struct dane *d)
{
    return d->ok_extra;
}

static void
dane_free(struct dane *d)
{
    size_t i;

    for (i = 0; i < Q_COUNT; i++)
        mx_vquery_free(&d->q[i]);
    mx_vres_free(d->vr);
}

/* A problem once per label and cause (several addresses present the same
 * certificate). */
static void
add_problem_once(struct problems *pr, enum mx_state st, const char *label,
                 const char *cause, const char *alone)
{
    size_t i;

    for (i = 0; i < pr->n; i++)
        if (pr->v[i].st == st && strcmp(pr->v[i].label, label) == 0 &&
            strcmp(pr->v[i].cause, cause) == 0)
            return;
    add_problem(pr, st, label, cause, alone);
}

/* The state of "DANE does not apply" (insecure, no records). */
static enum mx_state
dane_absent_state(const struct cfg *cfg)
{
    return cfg->dane == 2 ? MX_CRITICAL : MX_OK;
}

/* Which safe scheme to name for a renewal. */
static const char *
rollover_hint(const struct mx_tlsa *r)
{
    if (r->selector == 0)
        return "a 3 0 x record changes with every new certificate, even "
               "with the same key: publish the next certificate's record "
               "first, or use \"3 1 1 current + 3 1 1 next\" or \"2 1 1\" "
               "for the issuing CA";
    return "publish the next key first (\"3 1 1 current + 3 1 1 next\"), "
           "or use \"2 1 1\" for the issuing CA";
}

/* The certificates of one address against the records. Counts into
 * *matched / *total and the soonest expiry of a matched leaf. */
static void
dane_check_addr(struct run *r, struct dane *d, struct mx_node *top,
                struct mx_node *parent, const struct mx_certscan *s,
                unsigned char hit[MX_TLSA_MAX], int *ee_only_soon,
                const struct mx_scanned_cert **soon_cert, int *matched,
                int *total, double *first_days)
{
    struct mx_dane_result res;
    struct mx_error e;
    struct mx_certinfo tci;
    char rec[120], alone[1024], text[1024];
    double left;
    size_t i, k;

    for (i = 0; i < s->n; i++) {
        const struct mx_scanned_cert *sc = &s->certs[i];

        (*total)++;
        if (mx_dane_check(sc->chain, d->recs, d->nrecs, d->tb.base, r->now,
                          &res, &e) != 0) {
            mx_check_add(r->chk, parent, MX_UNKNOWN, "%s: %s", sc->info.label,
                         e.msg);
            mx_node_raise(parent, MX_UNKNOWN);
            mx_node_raise(top, MX_UNKNOWN);
            add_problem_once(&r->pr, MX_UNKNOWN, sc->info.label,
                             "DANE check failed", e.msg);
            continue;
        }
        for (k = 0; k < d->nrecs; k++)
            hit[k] |= res.hit[k];
        if (MX_DANE_OK(&res)) {
            (*matched)++;
            if (res.ee >= 0)
                mx_tlsa_text(&d->recs[res.ee], rec, sizeof(rec));
            else
                mx_tlsa_text(&d->recs[res.ta], rec, sizeof(rec));
            left = mx_cert_days_left(&sc->info, r->now);
            if (*matched == 1 || left < *first_days)
                *first_days = left;
            if (res.ee >= 0)
                snprintf(text, sizeof(text), "%s: matches %s (DANE-EE)",
                         sc->info.label, rec);
            else
                snprintf(text, sizeof(text),
                         "%s: matches %s (DANE-TA: the presented CA %s at "
                         "depth %d; the chain is valid for %s)",
                         sc->info.label, rec,
                         mx_certinfo_get(sk_X509_value(sc->chain, res.ta_depth),
                                         &tci, &e) == 0
                             ? tci.subject
                             : "?",
                         res.ta_depth, d->tb.base);
            mx_check_add(r->chk, parent, MX_OK, "%s", text);
            /* a renewal that changes what DANE-EE records match */
            if (res.ta < 0 && days_state(r->cfg, left) != MX_OK &&
                (*soon_cert == NULL ||
                 sc->info.not_after < (*soon_cert)->info.not_after)) {
                *soon_cert = sc;
                *ee_only_soon = res.ee;
            }
            continue;
        }
        /* the first line's sentence fits its 100 characters */
        snprintf(alone, sizeof(alone),
                 "the %s certificate matches no TLSA record: DANE senders "
                 "defer mail",
                 sc->info.label);
        mx_check_add(r->chk, parent, MX_CRITICAL,
                     "%s: matches no usable TLSA record of %s: DANE "
                     "senders that get it defer mail%s%s%s",
                     sc->info.label, d->owner,
                     res.ta_failed ? " (a DANE-TA record matches a "
                                     "presented CA, but the chain does "
                                     "not verify to it: "
                                   : "",
                     res.ta_failed ? res.ta_why : "", res.ta_failed ? ")" : "");
        mx_node_raise(parent, MX_CRITICAL);
        mx_node_raise(top, MX_CRITICAL);
        add_problem_once(&r->pr, MX_CRITICAL, sc->info.label,
                         "matches no TLSA record", alone);
    }
}

/* The whole DANE verdict: lookups, records, each address. */
static void
dane_evaluate(struct run *r, struct dane *d, const struct mx_certscan *first,
              int first_rc, const char *first_addr)
{
    const struct cfg *cfg = r->cfg;
    const struct mx_vquery *tq = &d->q[Q_TLSA];
    const struct mx_scanned_cert *soon = NULL;
    struct mx_node *top, *an;
    unsigned char hit[MX_TLSA_MAX];
    char rec[120], text[1024], alone[1024], days[40];
    int matched = 0, total = 0, ee_soon = -1, usable = 0, spare = 0;
    double first_days = 0;
    struct mx_perf pd;
    enum mx_state st;
    size_t i, k, naddr, p0 = r->pr.n;

    memset(hit, 0, sizeof(hit));
    top = mx_check_add(r->chk, NULL, MX_OK,
                       "DANE: TLSA %s: %s%s%s (validated with trust anchor "
                       "%s, asking %s)",
                       d->owner, mx_vres_status_name(tq->status),
                       tq->why[0] ? ": " : "", tq->why, mx_vres_anchor(d->vr),
                       mx_vres_server(d->vr));
    mx_tlsa_base_text(&d->tb, text, sizeof(text));
    if (text[0] != '\0')
        mx_check_add(r->chk, top, MX_OK, "%s", text);
    for (i = Q_A; i <= Q_AAAA; i++) {
        const struct mx_vquery *aq = &d->q[i];

        if (!d->asked[i])
            continue;
        st = aq->status == MX_VRES_BOGUS    ? MX_CRITICAL
             : aq->status == MX_VRES_FAILED ? MX_UNKNOWN
                                            : MX_OK;
        mx_check_add(r->chk, top, st, "%s %s: %s%s%s, %zu address%s", d->base,
                     i == Q_A ? "A" : "AAAA", mx_vres_status_name(aq->status),
                     aq->why[0] ? ": " : "", aq->why, aq->n,
                     aq->n == 1 ? "" : "es");
        if (st == MX_CRITICAL) {
            snprintf(alone, sizeof(alone),
                     "the %s records of %s are bogus (%.80s): DANE senders "
                     "defer mail",
                     i == Q_A ? "A" : "AAAA", d->base, aq->why);
            add_problem(&r->pr, st, "", "addresses bogus", alone);
        } else if (st == MX_UNKNOWN) {
            snprintf(alone, sizeof(alone), "%s lookup of %s failed: %.80s",
                     i == Q_A ? "A" : "AAAA", d->base, aq->why);
            add_problem(&r->pr, st, "", "address lookup failed", alone);
        }
    }
    naddr = d->ha->n > 0                          ? d->ha->n
            : (d->asked[Q_A] || d->asked[Q_AAAA]) ? 0
                                                  : 1;
    if (naddr == 0 && problems_state(&r->pr) == MX_OK) {
        /* no address, and no bogus or failed lookup named above */
        snprintf(alone, sizeof(alone), "%s has no address in DNS", d->base);
        mx_check_add(r->chk, top, MX_UNKNOWN, "%s", alone);
        add_problem(&r->pr, MX_UNKNOWN, "", "no address", alone);
    }
    switch (tq->status) {
    case MX_VRES_BOGUS:
        snprintf(alone, sizeof(alone),
                 "TLSA records of %s are bogus (%.60s): DANE senders defer "
                 "mail",
                 d->owner, tq->why);
        mx_check_add(r->chk, top, MX_CRITICAL, "%s", alone);
        add_problem(&r->pr, MX_CRITICAL, "", "TLSA bogus", alone);
        goto done;
    case MX_VRES_FAILED:
    case MX_VRES_PENDING:
        snprintf(alone, sizeof(alone), "TLSA lookup of %s failed: %.80s",
                 d->owner, tq->why);
        mx_check_add(r->chk, top, MX_UNKNOWN, "%s", alone);
        add_problem(&r->pr, MX_UNKNOWN, "", "TLSA lookup failed", alone);
        goto done;
    case MX_VRES_INSECURE:
        st = dane_absent_state(cfg);
        snprintf(alone, sizeof(alone),
                 "%s is not DNSSEC-signed (insecure): DANE senders do not "
                 "authenticate this server",
                 d->owner);
        mx_check_add(r->chk, top, st, "%s%s", alone,
                     st == MX_OK ? "" : " (--dane=required)");
        add_problem(&r->pr, st, "", "TLSA insecure", alone);
        snprintf(d->ok_extra, sizeof(d->ok_extra), "; DANE: not signed");
        goto done;
    case MX_VRES_SECURE:
        break;
    }
    if (tq->nxdomain || tq->nodata || d->nrecs == 0) {
        st = dane_absent_state(cfg);
        snprintf(alone, sizeof(alone),
                 "no TLSA records at %s (signed %s): DANE senders do not "
                 "authenticate this server",
                 d->owner, tq->nxdomain ? "NXDOMAIN" : "NODATA");
        mx_check_add(r->chk, top, st, "%s%s", alone,
                     st == MX_OK ? "" : " (--dane=required)");
        add_problem(&r->pr, st, "", "no TLSA records", alone);
        snprintf(d->ok_extra, sizeof(d->ok_extra), "; DANE: no TLSA records");
        goto done;
    }
    for (k = 0; k < d->nrecs; k++)
        usable += d->recs[k].usable;

    /* every address: the first scan and the extra ones */
    for (i = 0; i < naddr; i++) {
        const struct mx_certscan *s = i == 0 ? first : &d->ha->extra[i];
        int rc = i == 0 ? first_rc : d->ha->extra_rc[i];
        const char *addr = d->ha->n > 0 ? d->ha->a[i].text : first_addr;

        an = mx_check_add(r->chk, top, MX_OK, "%s port %d: %zu certificate%s",
                          addr, cfg->std.port, s->n, s->n == 1 ? "" : "s");
        if (rc != 0 && rc != 1) {
            const struct mx_error *e =
                i == 0 ? &d->ha->first_err : &d->ha->extra_err[i];

            st = mx_err_state(e->code, cfg->std.timeout_state);
            mx_check_add(r->chk, an, st, "%s", e->msg);
            mx_node_raise(an, st);
            mx_node_raise(top, st);
            /* the first address's failure makes the first line anyway */
            if (i > 0) {
                snprintf(alone, sizeof(alone), "%s: %.150s", addr, e->msg);
                add_problem(&r->pr, st, addr, "no TLS", alone);
            }
        }
        if (usable > 0)
            dane_check_addr(r, d, top, an, s, hit, &ee_soon, &soon, &matched,
                            &total, &first_days);
    }
    for (k = 0; k < d->nrecs; k++) {
        mx_tlsa_text(&d->recs[k], rec, sizeof(rec));
        if (!d->recs[k].usable) {
            mx_check_add(r->chk, top, MX_OK, "%s: unusable: %s", rec,
                         d->recs[k].why);
            continue;
        }
        if (!hit[k] && d->recs[k].usage == MX_TLSA_DANE_EE)
            spare++;
        mx_check_add(r->chk, top, MX_OK, "%s: %s", rec,
                     hit[k] ? "matches a presented certificate"
                            : "matches no presented certificate (a next "
                              "key?)");
    }
    if (usable == 0) {
        snprintf(alone, sizeof(alone),
                 "no usable TLSA record at %s (%zu unusable): DANE senders "
                 "insist on TLS without authenticating it",
                 d->owner, d->nrecs);
        mx_check_add(r->chk, top, MX_WARNING, "%s", alone);
        add_problem(&r->pr, MX_WARNING, "", "no usable TLSA record", alone);
    } else if (soon != NULL && spare == 0) {
        fmt_days(mx_cert_days_left(&soon->info, r->now), days, sizeof(days));
        mx_tlsa_text(&d->recs[ee_soon], rec, sizeof(rec));
        snprintf(text, sizeof(text),
                 "rollover: the %s certificate expires %s and the TLSA "
                 "records match only the keys in use (%s): the renewal "
                 "breaks DANE; %s",
                 soon->info.label, days, rec, rollover_hint(&d->recs[ee_soon]));
        snprintf(alone, sizeof(alone),
                 "%s certificate expires %s and TLSA has no next key",
                 soon->info.label, days);
        mx_check_add(r->chk, top, MX_WARNING, "%s", text);
        add_problem(&r->pr, MX_WARNING, soon->info.label,
                    "TLSA has no next key", alone);
    }
    snprintf(d->ok_extra, sizeof(d->ok_extra),
             "; DANE: %d of %d certificate%s match TLSA", matched, total,
             total == 1 ? "" : "s");
    memset(&pd, 0, sizeof(pd));
    pd.label = "dane_matched";
    pd.value = matched;
    pd.min = 0;
    pd.has_min = 1;
    pd.max = total;
    pd.has_max = 1;
    mx_check_perf(r->chk, &pd);
    if (matched > 0) {
        memset(&pd, 0, sizeof(pd));
        pd.label = "dane_days";
        pd.value = (double)((long long)(first_days * 100)) / 100;
        pd.warn = &cfg->warn;
        pd.crit = &cfg->crit;
        mx_check_perf(r->chk, &pd);
    }
done:
    /* the DANE line carries the worst of what is below it */
    for (i = p0; i < r->pr.n; i++)
        mx_node_raise(top, r->pr.v[i].st);
}

/*
 * MTA-STS (--mta-sts=DOMAIN): the TXT record and the policy, fetched
 * before the first connection; every certificate checked against the
 * policy after the scan.
 */
struct sts {
    struct mx_vresolver *own; /* made here when --dane made none */
    char host[256];           /* the MX host the policy must list */
    struct mx_sts_lookup l;
};

/* The lookups (common/stsget.c), before any connection. 0, or -1 with
 * err (USAGE; RESOLVE: the deadline passed in DNS). */
static int
sts_prepare(const struct cfg *cfg, struct dane *d, struct sts *st,
            const struct mx_target *t, struct mx_error *err)
{
    if (!mx_is_address(cfg->std.host))
        snprintf(st->host, sizeof(st->host), "%s", cfg->std.host);
    else if (cfg->std.sni_given && cfg->std.sni != NULL)
        snprintf(st->host, sizeof(st->host), "%s", cfg->std.sni);
    else {
        mx_error_set(err, MX_E_USAGE,
                     "--mta-sts needs the MX host's name that the policy "
                     "lists: -H NAME, or --sni=NAME with -H ADDRESS");
        return -1;
    }
    if (d == NULL) {
        st->own = mx_vres_new(cfg->dns_anchor, cfg->dns_server, err);
        if (st->own == NULL)
            return -1;
    }
    return mx_sts_discover(d != NULL ? d->vr : st->own, cfg->mta_sts,
                           t->deadline, &st->l, err);
}

static void
sts_free(struct sts *st)
{
    mx_vres_free(st->own);
}

static void
sts_evaluate(struct run *r, struct sts *st, const struct mx_certscan *first,
             const struct hostaddrs *ha)
{
    struct mx_node *top;
    struct mx_buf mxs = MX_BUF_INIT;
    char why[300], alone[600];
    enum mx_state bad;
    int listed = 0, valid = 0, total = 0;
    size_t i, j, naddr;
    struct mx_perf pd;

    const struct mx_sts_policy *pol = &st->l.pol;

    if (st->l.outcome == MX_STS_BROKEN || st->l.outcome == MX_STS_NO_ANSWER) {
        bad = st->l.outcome == MX_STS_BROKEN ? MX_WARNING : MX_UNKNOWN;
        mx_check_add(r->chk, NULL, bad, "%s", st->l.why);
        add_problem(&r->pr, bad, "", "MTA-STS policy", st->l.why);
        return;
    }
    if (st->l.outcome == MX_STS_ABSENT) {
        mx_check_add(r->chk, NULL, MX_OK,
                     "MTA-STS: no policy for %s (no v=STSv1 TXT record at "
                     "%s)",
                     r->cfg->mta_sts, st->l.txt_name);
        return;
    }
    for (i = 0; i < pol->nmx; i++)
        mx_buf_printf(&mxs, "%s%s", i > 0 ? ", " : "", pol->mx[i]);
    listed = mx_sts_listed(pol, st->host);
    top = mx_check_add(
        r->chk, NULL, MX_OK, "MTA-STS %s: id %s, mode %s, max_age %ld, mx %s",
        r->cfg->mta_sts, st->l.id, mx_sts_mode_name(pol->mode), pol->max_age,
        pol->nmx > 0 ? mx_buf_str(&mxs) : "(none)");
    mx_buf_free(&mxs);
    if (pol->mode == MX_STS_NONE) {
        mx_check_add(r->chk, top, MX_OK,
                     "mode none: senders do not apply the policy");
        return;
    }
    bad = pol->mode == MX_STS_ENFORCE ? MX_CRITICAL : MX_WARNING;
    if (!listed) {
        /* within the first line's 100 characters for common names */
        snprintf(alone, sizeof(alone), "%s is not in the MTA-STS policy (%s)%s",
                 st->host, mx_sts_mode_name(pol->mode),
                 bad == MX_CRITICAL ? ": senders defer mail" : "");
        mx_check_add(r->chk, top, bad, "%s", alone);
        mx_node_raise(top, bad);
        add_problem(&r->pr, bad, "", "host not in MTA-STS policy", alone);
    } else {
        mx_check_add(r->chk, top, MX_OK, "%s matches an mx of the policy",
                     st->host);
    }
    naddr = ha->n > 1 ? ha->n : 1;
    for (i = 0; i < naddr; i++) {
        const struct mx_certscan *s = i == 0 ? first : &ha->extra[i];

        for (j = 0; j < s->n; j++) {
            const struct mx_scanned_cert *sc = &s->certs[j];

            total++;
            if (mx_sts_chain_valid(sc->chain, st->host, r->store, r->store_name,
                                   r->now, why, sizeof(why)) > 0) {
                valid++;
                continue;
            }
            mx_check_add(r->chk, top, bad, "%s%s%s: %s (mode %s)",
                         sc->info.label, naddr > 1 ? " at " : "",
                         naddr > 1 ? ha->a[i].text : "", why,
                         mx_sts_mode_name(pol->mode));
            mx_node_raise(top, bad);
            snprintf(alone, sizeof(alone),
                     "the %s certificate fails MTA-STS (%s)%s", sc->info.label,
                     why, bad == MX_CRITICAL ? ": senders defer mail" : "");
            add_problem_once(&r->pr, bad, sc->info.label, "fails MTA-STS",
                             alone);
        }
    }
    if (total > 0 && valid == total)
        mx_check_add(r->chk, top, MX_OK,
                     "every certificate (%d) is valid for %s", total, st->host);
    memset(&pd, 0, sizeof(pd));
    pd.label = "sts_valid";
    pd.value = valid;
    pd.has_min = 1;
    pd.min = 0;
    pd.has_max = 1;
    pd.max = total;
    mx_check_perf(r->chk, &pd);
}

/* The line about the run itself: connections, refused handshakes, and
 * how the scan ended. A scan that failed or found nothing carries its
 * state here too, never OK. */
static void
report_run(struct mx_check *chk, const struct mx_certscan *s,
           const struct mx_target *t, enum mx_state fail_st, const char *fail,
           int connections, int refusals, size_t naddrs)
{
    char over[40] = "";

    if (naddrs > 1)
        snprintf(over, sizeof(over), " over %zu addresses", naddrs);
    if (fail != NULL) {
        mx_check_add(chk, NULL, fail_st,
                     "%s port %d (%s): %s; %d connection%s%s, %d refused "
                     "handshake%s",
                     t->host, t->port, mx_dialect_name(t->app.dialect), fail,
                     connections, connections == 1 ? "" : "s", over, refusals,
                     refusals == 1 ? "" : "s");
        return;
    }
    mx_check_add(
        chk, NULL, MX_OK,
        "%s port %d (%s): %d connection%s%s, %d refused handshake%s%s%s%s%s%s",
        t->host, t->port, mx_dialect_name(t->app.dialect), connections,
        connections == 1 ? "" : "s", over, refusals, refusals == 1 ? "" : "s",
        refusals > 0 ? " (the server logs each as a TLS error)" : "",
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
    struct dane *dn = NULL;
    struct sts *sts = NULL;
    struct hostaddrs *ha = NULL;
    struct mx_target ti;
    size_t ai;
    int connections, refusals;
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
    ha = calloc(1, sizeof(*ha));
    if (ha == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    if (cfg.dane) {
        dn = calloc(1, sizeof(*dn));
        if (dn == NULL) {
            mx_error_set(&err, MX_E_INTERNAL, "out of memory");
            rc = mx_run_usage_error(LABEL, &err);
            goto out;
        }
        dn->ha = ha;
        if (dane_lookup(&cfg, dn, &t, &err) != 0) {
            if (err.code != MX_E_RESOLVE) {
                rc = mx_run_usage_error(LABEL, &err);
                goto out;
            }
            /* the deadline passed in DNS: nothing left for the server */
            mx_check_add(run->chk, NULL, MX_UNKNOWN, "DANE: %s", err.msg);
            mx_check_summary(run->chk, mx_err_state(err.code, MX_UNKNOWN),
                             "DANE: %s", err.msg);
            rc = mx_run_emit(run->chk);
            goto out;
        }
    } else if (!mx_is_address(cfg.std.host) &&
               mx_target_resolve(&t, &err) == 0) {
        /* a name: its addresses from the system's resolver (a failure is
         * the scan's to report) */
        for (ai = 0; ai < t.naddrs && ai < MX_MAX_ADDRS; ai++)
            ha->a[ha->n++] = t.addrs[ai];
    }
    /* every address of the host, as senders may use any: one scan each */
    if (ha->n > 0) {
        t.addrs[0] = ha->a[0];
        t.naddrs = 1;
    }
    mx_error_clear(&err);
    if (cfg.mta_sts != NULL) {
        sts = calloc(1, sizeof(*sts));
        if (sts == NULL) {
            mx_error_set(&err, MX_E_INTERNAL, "out of memory");
            rc = mx_run_usage_error(LABEL, &err);
            goto out;
        }
        if (sts_prepare(&cfg, dn, sts, &t, &err) != 0) {
            if (err.code != MX_E_RESOLVE) {
                rc = mx_run_usage_error(LABEL, &err);
                goto out;
            }
            mx_check_add(run->chk, NULL, MX_UNKNOWN, "MTA-STS: %s", err.msg);
            mx_check_summary(run->chk, mx_err_state(err.code, MX_UNKNOWN),
                             "MTA-STS: %s", err.msg);
            rc = mx_run_emit(run->chk);
            goto out;
        }
    }
    if (dn != NULL && ha->n == 0 && (dn->asked[Q_A] || dn->asked[Q_AAAA]))
        scan_rc = 1; /* no address in DNS: DANE senders cannot connect */
    else
        scan_rc = mx_certscan(&t, cfg.std.sni, &scan, &err);
    connections = scan.stats.connections;
    refusals = scan.refusals;
    for (ai = 1; ai < ha->n; ai++) {
        ti = t;
        ti.addrs[0] = ha->a[ai];
        ha->extra_rc[ai] =
            mx_certscan(&ti, cfg.std.sni, &ha->extra[ai], &ha->extra_err[ai]);
        connections += ha->extra[ai].stats.connections;
        refusals += ha->extra[ai].refusals;
    }
    if (sts != NULL)
        mx_sts_retrieve(&sts->l, cfg.cafile, t.deadline);
    ha->first_err = err;
    evaluate(run, &scan, &t, scan_rc == 0, dn, scan_rc, sts, ha);
    if (scan_rc == 1) {
        /* not scanned: the DANE lines say why */
    } else if (scan_rc != 0) {
        report_run(run->chk, &scan, &t,
                   mx_err_state(err.code, cfg.std.timeout_state), err.msg,
                   connections, refusals, ha->n);
        mx_check_summary(run->chk,
                         mx_err_state(err.code, cfg.std.timeout_state), "%s",
                         err.msg);
    } else if (scan.n == 0) {
        snprintf(rerr, sizeof(rerr), "no TLS handshake: %.120s", scan.refusal);
        report_run(run->chk, &scan, &t, MX_CRITICAL, rerr, connections,
                   refusals, ha->n);
        mx_check_summary(run->chk, MX_CRITICAL, "no TLS handshake with %s: %s",
                         t.host, scan.refusal);
    } else {
        report_run(run->chk, &scan, &t, MX_OK, NULL, connections, refusals,
                   ha->n);
    }
    /* what the scheduler met: a connection limit, a run too long for -t */
    mx_target_report(run->chk, &t, cfg.std.timeout_state);
    memset(&pd, 0, sizeof(pd));
    pd.label = "time";
    pd.value = (double)(mx_now_ms() - t0) / 1000.0;
    pd.uom = "s";
    mx_check_perf(run->chk, &pd);
    pd.label = "connections";
    pd.value = connections;
    pd.uom = NULL;
    mx_check_perf(run->chk, &pd);
    rc = mx_run_emit(run->chk);
out:
    if (run != NULL) {
        mx_check_free(run->chk);
        X509_STORE_free(run->store);
        free(run);
    }
    if (sts != NULL) {
        sts_free(sts);
        free(sts);
    }
    if (dn != NULL) {
        dane_free(dn);
        free(dn);
    }
    if (ha != NULL) {
        for (ai = 0; ai < MX_MAX_ADDRS; ai++)
            mx_certscan_free(&ha->extra[ai]);
        free(ha);
    }
    mx_certscan_free(&scan);
    mx_argv_free(nargc, nargv);
    return rc;
}
