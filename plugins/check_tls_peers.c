/*
 * check_tls_peers - will each critical peer's TLS client get a handshake
 * with our mail server? If not, why, and what to change on the server.
 *
 * The peers come from a peers file (-f) or from the command line
 * (--peer-ciphers, --peer-protocols, --peer-groups, --peer-sigalgs,
 * --peer-clienthello). Each peer's client is simulated against our server
 * (see common/simulate.h); a failing peer is diagnosed. Peers described
 * by their MX ("mx = domain") use a profile learned beforehand with
 * --learn, which is the only mode that contacts a foreign server. A peer
 * that authenticates us by DANE ('authenticates = dane') also has the
 * chain its client got checked against our TLSA records (one validated
 * lookup per run, after the handshakes).
 * Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#include "dane.h"
#include "learn.h"
#include "log.h"
#include "net.h"
#include "opts.h"
#include "peers.h"
#include "profile.h"
#include "range.h"
#include "registry.h"
#include "resolve.h"
#include "result.h"
#include "runner.h"
#include "simulate.h"
#include "strnum.h"
#include "suites.h"
#include "traffic.h"
#include "utctime.h"

#define LABEL           "TLS PEERS"
#define DEFAULT_MAX_AGE (30L * 86400)
#define LEARN_TIMEOUT   120.0

enum {
    OPT_PEERS_FILE = MX_OPT_PLUGIN,
    OPT_PEER,
    OPT_PEER_NAME,
    OPT_PEER_PROTOCOLS,
    OPT_PEER_CIPHERS,
    OPT_PEER_GROUPS,
    OPT_PEER_SIGALGS,
    OPT_PEER_HELLO,
    OPT_PEER_SEVERITY,
    OPT_CACHE_DIR,
    OPT_MAX_AGE,
    OPT_LEARN,
    OPT_DNS_SERVER,
    OPT_DNS_ANCHOR,
    OPT_PEER_AUTH,
    OPT_PARALLEL,
    OPT_LEARN_FROM,
};

struct cfg {
    struct mx_std std;
    const char *peers_file;
    const char *only;    /* --peer: comma-separated names, or NULL */
    char only_buf[1024]; /* every --peer, joined with commas */
    const char *peer_name;
    const char *peer_protocols;
    const char *peer_ciphers;
    const char *peer_groups;
    const char *peer_sigalgs;
    const char *peer_hello;
    enum mx_state peer_severity;
    unsigned peer_auth;
    int peer_auth_given;
    const char *cache_dir;
    long max_age;
    int max_age_given;
    int learn;
    const char *learn_from; /* --learn-from=SOURCE */
    const char *dns_server;
    const char *dns_anchor;
    long long parallel;
    struct mx_range warn;
    struct mx_range crit;
    int have_warn;
    int have_crit;
};

static void
help(struct mx_buf *b)
{
    mx_buf_append(
        b,
        "check_tls_peers (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
        "Will each critical peer's TLS client get a handshake with this "
        "mail\n"
        "server? Each peer's client is simulated (it offers exactly what the "
        "peer\n"
        "offers); a failing peer is diagnosed: protocol version, certificate "
        "type,\n"
        "group, signature algorithm or cipher, with the server setting to "
        "change.\n"
        "A server that fails every handshake (alert internal_error) is "
        "said so\n"
        "once, CRITICAL, from one control handshake.\n"
        "\n"
        "Usage:\n"
        "  check_tls_peers -H HOST [-p PORT] -f PEERS-FILE [--peer=NAME,...]\n"
        "  check_tls_peers -H HOST --peer-ciphers=LIST "
        "[--peer-protocols=LIST]\n"
        "  check_tls_peers -H HOST --peer-clienthello=FILE\n"
        "  check_tls_peers --learn -f PEERS-FILE [--cache-dir=DIR]\n"
        "  check_tls_peers --learn-from=SOURCE -f PEERS-FILE [--cache-dir=DIR]\n"
        "\n"
        "Options:\n"
        " -f, --peers-file=FILE\n"
        "    The peers, one section each (see peers.conf.example).\n"
        " --peer=NAME[,NAME...]\n"
        "    Check only these peers of the file (repeated --peer add up).\n"
        " --peer-protocols, --peer-ciphers, --peer-groups, --peer-sigalgs=LIST\n"
        "    One peer described on the command line; lists take OpenSSL or "
        "IANA\n"
        "    names, hex codes, or (ciphers) OpenSSL cipher strings. What is "
        "left\n"
        "    out defaults to what a typical OpenSSL-based MTA sends.\n"
        " --peer-clienthello=FILE\n"
        "    One peer given by a recorded ClientHello: hex (as tshark or\n"
        "    Wireshark give it), pcap or pcapng of an SMTP session. Re-created\n"
        "    by the linked OpenSSL when it sends the same lists and key "
        "share,\n"
        "    else sent byte for byte (see the man page).\n"
        " --peer-name=NAME, --peer-severity=critical|warning\n"
        "    Name and severity of the command-line peer (peer, critical).\n"
        " --peer-authenticates=dane|none\n"
        "    The command-line peer authenticates this server by DANE (RFC "
        "7672), as\n"
        "    'authenticates = dane' in the peers file: the certificate it "
        "gets is\n"
        "    checked against the TLSA records of _PORT._tcp.HOST (HOST: -H, "
        "or --sni\n"
        "    with -H ADDRESS), looked up once per run after the handshakes "
        "and\n"
        "    validated with DNSSEC. No match, or bogus records: the peer "
        "fails (its\n"
        "    severity); unsigned zone or no TLSA records: a note "
        "(opportunistic TLS);\n"
        "    a failed lookup: UNKNOWN. A peer simulated by a raw ClientHello "
        "says\n"
        "    'certificate not verified (raw probe)'. MTA-STS is not "
        "supported.\n"
        " --cache-dir=DIR\n"
        "    Learned peer profiles (default " MXTLS_CACHEDIR ").\n"
        "    A profile must be a regular file, not a link, owned by this user, "
        "root,\n"
        "    or the cache directory's owner when no one else may write there; "
        "one\n"
        "    dated more than 5 minutes in the future is unusable.\n"
        " --max-age=DURATION\n"
        "    A learned profile older than this is WARNING. Given, it holds "
        "for every\n"
        "    peer; else each peer's max-age does (default 30d). DURATION: "
        "seconds,\n"
        "    or a number with s, m, h, d, w.\n"
        " --learn\n"
        "    Learn the peers given by 'mx =' from their MX (as a server) and "
        "write\n"
        "    their profiles; the only mode that contacts foreign servers "
        "(default\n"
        "    timeout 120 s). Run it from cron, not from the monitoring "
        "system.\n"
        " --learn-from=FILE, DIRECTORY or iface:NAME:SECONDS\n"
        "    Learn each peer's real client from the mail it sends: every "
        "ClientHello\n"
        "    after STARTTLS (or on port 465) in a pcap/pcapng file, a "
        "directory of\n"
        "    rotated captures, or a live capture on interface NAME for "
        "SECONDS\n"
        "    (needs CAP_NET_RAW; ports 25, 465, 587 and -p) goes to the peer "
        "whose\n"
        "    'from =' holds its sender (networks, or host names confirmed by "
        "PTR\n"
        "    and A/AAAA through --dns-server); the peer's profile then keeps "
        "the\n"
        "    real hello, replayed at check time (it wins over 'mx ='). "
        "Senders of\n"
        "    no peer are listed, most frequent first; a changed hello is "
        "WARNING.\n"
        " --dns-server=ADDR[:PORT], [ADDR]:PORT or ADDR@PORT\n"
        "    The DNS server asked for MX records (--learn) and TLSA records "
        "(DANE\n"
        "    peers; a resolver or an authoritative server; default: "
        "resolv.conf).\n"
        " --dns-anchor=FILE\n"
        "    DANE peers: the DNSSEC trust anchor, DS or DNSKEY records "
        "(default\n"
        "    " MX_ROOT_ANCHOR ").\n"
        " --parallel=N\n"
        "    Connections at once (1..64, default 8).\n"
        " -w, --warning=RANGE, -c, --critical=RANGE\n"
        "    Ranges on the number of failing peers; without them a failing\n"
        "    critical peer is CRITICAL and a failing warning peer WARNING.\n");
    mx_std_help(b);
    mx_buf_append(
        b, "\n"
           "Examples:\n"
           "  check_tls_peers -H mx.example.org -f "
           "/etc/mxtls/peers.conf\n"
           "  check_tls_peers -H 127.0.0.1 --peer-protocols=TLSv1.2 \\\n"
           "      --peer-ciphers=ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA\n"
           "  check_tls_peers --learn -f /etc/mxtls/peers.conf\n"
           "  check_tls_peers --learn-from=/var/tmp/smtp.pcap -f "
           "/etc/mxtls/peers.conf\n");
}

static int
peers_option(int opt, const char *arg, void *vcfg, struct mx_error *err)
{
    struct cfg *cfg = vcfg;
    char rerr[128];
    size_t used;

    switch (opt) {
    case 'f':
    case OPT_PEERS_FILE:
        cfg->peers_file = arg;
        return 1;
    case OPT_PEER:
        /* Repeated --peer options add up. */
        if (arg[strspn(arg, ", ")] == '\0') {
            mx_error_set(err, MX_E_USAGE, "--peer: empty list");
            return -1;
        }
        used = strlen(cfg->only_buf);
        if (used + 1 + strlen(arg) >= sizeof(cfg->only_buf)) {
            mx_error_set(err, MX_E_USAGE, "--peer: list too long");
            return -1;
        }
        snprintf(cfg->only_buf + used, sizeof(cfg->only_buf) - used, "%s%s",
                 used > 0 ? "," : "", arg);
        cfg->only = cfg->only_buf;
        return 1;
    case OPT_PEER_NAME:
        cfg->peer_name = arg;
        return 1;
    case OPT_PEER_PROTOCOLS:
        cfg->peer_protocols = arg;
        return 1;
    case OPT_PEER_CIPHERS:
        cfg->peer_ciphers = arg;
        return 1;
    case OPT_PEER_GROUPS:
        cfg->peer_groups = arg;
        return 1;
    case OPT_PEER_SIGALGS:
        cfg->peer_sigalgs = arg;
        return 1;
    case OPT_PEER_HELLO:
        cfg->peer_hello = arg;
        return 1;
    case OPT_PEER_SEVERITY:
        cfg->peer_severity = mx_state_parse(arg);
        if (cfg->peer_severity != MX_CRITICAL &&
            cfg->peer_severity != MX_WARNING) {
            mx_error_set(err, MX_E_USAGE,
                         "--peer-severity: '%.20s' is not critical or "
                         "warning",
                         arg);
            return -1;
        }
        return 1;
    case OPT_CACHE_DIR:
        cfg->cache_dir = arg;
        return 1;
    case OPT_MAX_AGE:
        cfg->max_age_given = 1;
        return mx_parse_duration(arg, "--max-age", &cfg->max_age, err) == 0
                   ? 1
                   : -1;
    case OPT_LEARN:
        cfg->learn = 1;
        return 1;
    case OPT_LEARN_FROM: /* learning, from traffic rather than the MX */
        cfg->learn = 1;
        cfg->learn_from = arg;
        return 1;
    case OPT_DNS_SERVER:
        cfg->dns_server = arg;
        return 1;
    case OPT_DNS_ANCHOR:
        cfg->dns_anchor = arg;
        return 1;
    case OPT_PEER_AUTH:
        cfg->peer_auth_given = 1;
        if (mx_peer_auth_parse(arg, &cfg->peer_auth, err) != 0) {
            char m[sizeof(err->msg)];
            snprintf(m, sizeof(m), "%s", err->msg);
            mx_error_set(err, MX_E_USAGE, "--peer-authenticates: %s", m);
            return -1;
        }
        return 1;
    case OPT_PARALLEL:
        return mx_parse_bounded(arg, "--parallel", 1, MX_SCHED_MAX,
                                &cfg->parallel, err) == 0
                   ? 1
                   : -1;
    case 'w':
    case 'c':
        if (mx_range_parse(arg, opt == 'w' ? &cfg->warn : &cfg->crit, rerr,
                           sizeof(rerr)) != 0) {
            mx_error_set(err, MX_E_USAGE, "%s: %s",
                         opt == 'w' ? "--warning" : "--critical", rerr);
            return -1;
        }
        if (opt == 'w')
            cfg->have_warn = 1;
        else
            cfg->have_crit = 1;
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
        {"peers-file", required_argument, NULL, OPT_PEERS_FILE},
        {"peer", required_argument, NULL, OPT_PEER},
        {"peer-name", required_argument, NULL, OPT_PEER_NAME},
        {"peer-protocols", required_argument, NULL, OPT_PEER_PROTOCOLS},
        {"peer-ciphers", required_argument, NULL, OPT_PEER_CIPHERS},
        {"peer-groups", required_argument, NULL, OPT_PEER_GROUPS},
        {"peer-sigalgs", required_argument, NULL, OPT_PEER_SIGALGS},
        {"peer-clienthello", required_argument, NULL, OPT_PEER_HELLO},
        {"peer-severity", required_argument, NULL, OPT_PEER_SEVERITY},
        {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
        {"max-age", required_argument, NULL, OPT_MAX_AGE},
        {"learn", no_argument, NULL, OPT_LEARN},
        {"learn-from", required_argument, NULL, OPT_LEARN_FROM},
        {"dns-server", required_argument, NULL, OPT_DNS_SERVER},
        {"dns-anchor", required_argument, NULL, OPT_DNS_ANCHOR},
        {"peer-authenticates", required_argument, NULL, OPT_PEER_AUTH},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"warning", required_argument, NULL, 'w'},
        {"critical", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int i;

    /* --learn needs no -H: look for it before the standard checks run */
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--learn") == 0 ||
            strncmp(argv[i], "--learn-from", 12) == 0)
            cfg->std.host_optional = 1;
    if (mx_run_options(argc, argv, "f:w:c:", longopts, peers_option, cfg,
                       &cfg->std, err) != 0)
        return -1;
    if (cfg->std.want_help || cfg->std.want_version)
        return 0;
    if (cfg->learn && cfg->peers_file == NULL) {
        mx_error_set(err, MX_E_USAGE, "--learn needs a peers file (-f)");
        return -1;
    }
    if (cfg->learn && cfg->std.host != NULL) {
        mx_error_set(err, MX_E_USAGE,
                     "--learn takes no -H: it probes each peer's own MX");
        return -1;
    }
    if (cfg->peers_file == NULL && cfg->peer_ciphers == NULL &&
        cfg->peer_protocols == NULL && cfg->peer_groups == NULL &&
        cfg->peer_sigalgs == NULL && cfg->peer_hello == NULL) {
        mx_error_set(err, MX_E_USAGE,
                     "no peers: give a peers file (-f) or describe one with "
                     "--peer-ciphers, --peer-protocols, --peer-clienthello "
                     "(see --help)");
        return -1;
    }
    if (cfg->peer_auth_given && cfg->peer_ciphers == NULL &&
        cfg->peer_protocols == NULL && cfg->peer_groups == NULL &&
        cfg->peer_sigalgs == NULL && cfg->peer_hello == NULL) {
        mx_error_set(err, MX_E_USAGE,
                     "--peer-authenticates is for the command-line peer "
                     "(--peer-ciphers, ...); in a peers file, say "
                     "'authenticates = dane'");
        return -1;
    }
    return 0;
}

/*
 * --dns-server in either form: dns.c's (ADDR, ADDR:PORT, [ADDR]:PORT) for
 * the MX lookups of --learn, libunbound's (ADDR[@PORT]) for DANE. at: 1
 * for libunbound's form. 0, or -1 when it does not fit out.
 */
static int
server_form(const char *s, int at, char *out, size_t cap)
{
    const char *sep = strchr(s, '@'), *close;
    int n;

    if (at && sep == NULL) {
        close = s[0] == '[' ? strstr(s, "]:") : NULL;
        sep = strchr(s, ':');
        if (close != NULL)
            n = snprintf(out, cap, "%.*s@%s", (int)(close - s - 1), s + 1,
                         close + 2);
        else if (sep != NULL && strchr(sep + 1, ':') == NULL)
            n = snprintf(out, cap, "%.*s@%s", (int)(sep - s), s, sep + 1);
        else
            n = snprintf(out, cap, "%s", s);
    } else if (!at && sep != NULL) {
        if (memchr(s, ':', (size_t)(sep - s)) != NULL)
            n = snprintf(out, cap, "[%.*s]:%s", (int)(sep - s), s, sep + 1);
        else
            n = snprintf(out, cap, "%.*s:%s", (int)(sep - s), s, sep + 1);
    } else {
        n = snprintf(out, cap, "%s", s);
    }
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/*
 * DANE for the peers that authenticate this server by it (RFC 7672): the
 * TLSA RRset of _PORT._tcp.BASE, looked up once per run after the
 * handshakes, and the chain each such peer got checked against it.
 */
struct pdane {
    int wanted;          /* a peer that ran authenticates by DANE */
    int rc;              /* the lookup: 0, or -1 with err */
    struct mx_error err; /* why it failed */
    char base[256];      /* the TLSA base domain */
    char owner[300];     /* _PORT._tcp.BASE */
    struct mx_vresolver *vr;
    struct mx_vquery q;
    struct mx_tlsa recs[MX_TLSA_MAX];
    size_t nrecs;
    size_t usable;
    char (*note)[400]; /* per peer: the DANE words of an accepted peer */
};

static void
pdane_lookup(const struct cfg *cfg, struct pdane *d, struct mx_deadline dl)
{
    char server[300];
    size_t j;

    d->rc = -1;
    if (!mx_is_address(cfg->std.host))
        snprintf(d->base, sizeof(d->base), "%s", cfg->std.host);
    else if (cfg->std.sni_given && cfg->std.sni != NULL)
        snprintf(d->base, sizeof(d->base), "%s", cfg->std.sni);
    else {
        mx_error_set(&d->err, MX_E_USAGE,
                     "DANE: the TLSA records need the server's name: -H NAME, "
                     "or --sni=NAME with -H ADDRESS");
        return;
    }
    snprintf(d->owner, sizeof(d->owner), "_%d._tcp.%s", cfg->std.port, d->base);
    if (cfg->dns_server != NULL &&
        server_form(cfg->dns_server, 1, server, sizeof(server)) != 0) {
        mx_error_set(&d->err, MX_E_USAGE, "--dns-server: too long");
        return;
    }
    d->vr = mx_vres_new(cfg->dns_anchor,
                        cfg->dns_server != NULL ? server : NULL, &d->err);
    if (d->vr == NULL)
        return;
    mx_vquery_set(&d->q, d->owner, MX_RR_TLSA);
    if (mx_vres_run(d->vr, &d->q, 1, dl, &d->err) != 0) {
        char m[sizeof(d->err.msg)];
        snprintf(m, sizeof(m), "%s", d->err.msg);
        mx_error_set(&d->err, d->err.code, "DANE: %s", m);
        return;
    }
    d->rc = 0;
    if (d->q.status == MX_VRES_SECURE)
        for (j = 0; j < d->q.n && d->nrecs < MX_TLSA_MAX; j++)
            if (mx_tlsa_parse(d->q.rr[j], d->q.len[j], &d->recs[d->nrecs]) ==
                0) {
                d->usable += d->recs[d->nrecs].usable != 0;
                d->nrecs++;
            }
}

/*
 * Judge accepted DANE peer i: a note for its OK line, or its result
 * turned into a failure (no match, bogus records: DANE senders defer) or
 * an error (no answer from DNS).
 */
static void
pdane_judge(struct pdane *d, size_t i, struct mx_sim *s)
{
    char *note = d->note[i], rec[128], label[64];
    const size_t cap = sizeof(d->note[i]);
    struct mx_dane_result res;
    struct mx_error e;

    if (d->rc != 0) {
        s->state = MX_SIM_ERROR;
        s->err = d->err;
        return;
    }
    switch (d->q.status) {
    case MX_VRES_BOGUS:
        s->state = MX_SIM_FAIL;
        snprintf(s->why, sizeof(s->why), "TLSA bogus (DANE): mail deferred");
        snprintf(s->detail, sizeof(s->detail),
                 "the TLSA records of %s are bogus (%.100s): DANE senders "
                 "defer mail",
                 d->owner, d->q.why);
        return;
    case MX_VRES_SECURE:
        break;
    case MX_VRES_INSECURE:
        snprintf(note, cap,
                 "DANE: %s is not signed: falls back to opportunistic TLS "
                 "(RFC 7672), certificate not checked",
                 d->owner);
        return;
    default:
        s->state = MX_SIM_ERROR;
        mx_error_set(&s->err, MX_E_RESOLVE, "DANE: TLSA lookup of %s %s%s%s",
                     d->owner, mx_vres_status_name(d->q.status),
                     d->q.why[0] ? ": " : "", d->q.why);
        return;
    }
    if (d->q.n == 0) {
        snprintf(note, cap,
                 "DANE: no TLSA records at %s: opportunistic TLS, "
                 "certificate not checked",
                 d->owner);
        return;
    }
    if (d->usable == 0) {
        snprintf(note, cap,
                 "DANE: no usable TLSA record at %s: TLS without "
                 "authentication (RFC 7672)",
                 d->owner);
        return;
    }
    if (s->chain == NULL || sk_X509_num(s->chain) == 0) {
        snprintf(note, cap, "DANE: certificate not verified (%s)",
                 s->engine == MX_ENGINE_RAW ? "raw probe"
                                            : "no certificate kept");
        return;
    }
    snprintf(label, sizeof(label), "%s", s->cert[0] ? s->cert : "server's");
    mx_error_clear(&e);
    if (mx_dane_check(s->chain, d->recs, d->nrecs, d->base, time(NULL), &res,
                      &e) != 0) {
        s->state = MX_SIM_ERROR;
        s->err = e;
        return;
    }
    if (MX_DANE_OK(&res)) {
        mx_tlsa_text(&d->recs[res.ee >= 0 ? res.ee : res.ta], rec, sizeof(rec));
        snprintf(note, cap, "DANE: %s certificate matches TLSA %s", label, rec);
        return;
    }
    s->state = MX_SIM_FAIL;
    snprintf(s->why, sizeof(s->why),
             "gets the %s certificate, which matches no TLSA record (DANE): "
             "mail deferred",
             label);
    snprintf(s->detail, sizeof(s->detail),
             "gets the %s certificate (%s %s), which matches no usable TLSA "
             "record of %s%s%s: DANE senders defer mail",
             label, mx_version_name(s->version), mx_suite_name(s->suite),
             d->owner, res.ta_failed ? "; " : "",
             res.ta_failed ? res.ta_why : "");
}

static void
pdane_free(struct pdane *d)
{
    mx_vquery_free(&d->q);
    mx_vres_free(d->vr);
    free(d->note);
}

/* Is name in the comma-separated list? */
static int
in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    const char *p = list;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* Keep only the peers --peer names; every name must exist. */
static int
select_peers(struct mx_peers *peers, const char *only, struct mx_error *err)
{
    char tmp[1024], *tok, *save = NULL;
    size_t i, k;

    if (only == NULL)
        return 0;
    if (strlen(only) >= sizeof(tmp)) {
        mx_error_set(err, MX_E_USAGE, "--peer: list too long");
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s", only);
    for (tok = strtok_r(tmp, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        for (i = 0; i < peers->n; i++)
            if (strcmp(peers->v[i].name, tok) == 0)
                break;
        if (i == peers->n) {
            mx_error_set(err, MX_E_USAGE, "--peer: no peer '%.60s' in the file",
                         tok);
            return -1;
        }
    }
    for (i = 0, k = 0; i < peers->n; i++) {
        if (!in_list(only, peers->v[i].name)) {
            mx_recorded_hello_free(&peers->v[i].hello);
            continue;
        }
        if (k != i)
            peers->v[k] = peers->v[i];
        k++;
    }
    peers->n = k;
    return 0;
}

/* Peers from the file and the command line, in one array. */
static int
load_peers(const struct cfg *cfg, struct mx_peers *peers, struct mx_error *err)
{
    struct mx_peer *v;

    memset(peers, 0, sizeof(*peers));
    if (cfg->peers_file != NULL &&
        (mx_peers_load(cfg->peers_file, peers, err) != 0 ||
         select_peers(peers, cfg->only, err) != 0))
        return -1;
    if (cfg->peer_ciphers == NULL && cfg->peer_protocols == NULL &&
        cfg->peer_groups == NULL && cfg->peer_sigalgs == NULL &&
        cfg->peer_hello == NULL)
        return 0;
    v = realloc(peers->v, (peers->n + 1) * sizeof(*v));
    if (v == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    peers->v = v;
    memset(&v[peers->n], 0, sizeof(v[peers->n]));
    if (mx_peer_from_options(
            &v[peers->n], cfg->peer_name != NULL ? cfg->peer_name : "peer",
            cfg->peer_protocols, cfg->peer_ciphers, cfg->peer_groups,
            cfg->peer_sigalgs, cfg->peer_hello, err) != 0) {
        mx_recorded_hello_free(&v[peers->n].hello);
        return -1;
    }
    v[peers->n].severity = cfg->peer_severity;
    v[peers->n].auth = cfg->peer_auth;
    peers->n++;
    return 0;
}

static void
show_groups_count(struct mx_buf *b, const struct mx_profile *p)
{
    mx_buf_printf(b, "%zu suite%s, %zu group%s", p->nsuites,
                  p->nsuites == 1 ? "" : "s", p->ngroups,
                  p->ngroups == 1 ? "" : "s");
}

/* --learn: every mx peer, one after the other. */
static int
learn(const struct cfg *cfg, struct mx_peers *peers, struct mx_check *chk)
{
    struct mx_profile prof;
    struct mx_error err;
    struct mx_buf b = MX_BUF_INIT;
    struct mx_deadline dl = mx_run_deadline(&cfg->std);
    struct mx_node *n;
    struct mx_perf pd;
    size_t i, k;
    int learned = 0, failed = 0;
    char server[300];

    if (cfg->dns_server != NULL &&
        server_form(cfg->dns_server, 0, server, sizeof(server)) != 0) {
        mx_check_summary(chk, MX_UNKNOWN, "--dns-server: too long");
        return 0;
    }
    /* A cache that cannot take the profiles is a local mistake: say so
     * before spending minutes on foreign servers. */
    if (access(cfg->cache_dir, W_OK | X_OK) != 0) {
        mx_check_summary(chk, MX_UNKNOWN,
                         "cannot write to cache directory %s: %s",
                         cfg->cache_dir, strerror(errno));
        return 0;
    }
    for (i = 0; i < peers->n; i++) {
        const struct mx_peer *p = &peers->v[i];
        if (p->kind != MX_PEER_MX)
            continue;
        if (mx_learn(p->name, p->mx, cfg->dns_server != NULL ? server : NULL,
                     dl, (int)cfg->parallel, &prof, &err) != 0) {
            n = mx_check_add(chk, NULL, MX_WARNING,
                             "%s: cannot learn from %s: %s", p->name, p->mx,
                             err.msg);
            mx_node_summary(n, "%s: %s", p->name, err.msg);
            failed++;
            continue;
        }
        if (mx_profile_write(cfg->cache_dir, &prof, &err) != 0) {
            n = mx_check_add(chk, NULL, MX_UNKNOWN, "%s: %s", p->name, err.msg);
            mx_node_summary(n, "%s: %s", p->name, err.msg);
            failed++;
            continue;
        }
        mx_buf_reset(&b);
        for (k = 0; k < prof.nversions; k++)
            mx_buf_printf(&b, "%s%s", k > 0 ? ", " : "",
                          mx_version_name(prof.versions[k]));
        mx_buf_append(&b, "; ");
        show_groups_count(&b, &prof);
        mx_check_add(chk, NULL, MX_OK,
                     "%s: learned from %s (%zu address%s): %s", p->name,
                     prof.hosts[0] ? prof.hosts : p->mx, prof.naddrs,
                     prof.naddrs == 1 ? "" : "es", mx_buf_str(&b));
        learned++;
    }
    mx_buf_free(&b);
    if (learned + failed == 0 && cfg->only != NULL)
        mx_check_summary(chk, MX_UNKNOWN,
                         "none of the peers chosen with --peer (%s) is given "
                         "by 'mx =': nothing to learn",
                         cfg->only);
    else if (learned + failed == 0)
        mx_check_summary(chk, MX_UNKNOWN,
                         "no peer in %s is given by 'mx =': nothing to learn",
                         cfg->peers_file);
    else
        mx_check_ok_summary(chk, "learned %d peer%s into %s", learned,
                            learned == 1 ? "" : "s", cfg->cache_dir);
    memset(&pd, 0, sizeof(pd));
    pd.label = "learned";
    pd.value = learned;
    mx_check_perf(chk, &pd);
    pd.label = "failed";
    pd.value = failed;
    mx_check_perf(chk, &pd);
    return 0;
}

/* --learn-from: the one call into traffic.c, and what it found, one line
 * per peer learned and per sender of no peer. */
#define CANDIDATES_SHOWN 20

static void
learn_traffic(const struct cfg *cfg, const struct mx_peers *peers,
              struct mx_check *chk)
{
    struct mx_traffic_opts o;
    struct mx_traffic t;
    struct mx_error err;
    struct mx_perf pd;
    struct mx_node *n;
    char server[300], first[32], last[32];
    unsigned ports[1];
    size_t i;
    int changed = 0, failed = 0;

    memset(&o, 0, sizeof(o));
    o.source = cfg->learn_from;
    o.cache_dir = cfg->cache_dir;
    o.dns_anchor = cfg->dns_anchor;
    o.names = 1;
    o.names_timeout = cfg->std.timeout;
    if (cfg->dns_server != NULL) {
        if (server_form(cfg->dns_server, 1, server, sizeof(server)) != 0) {
            mx_check_summary(chk, MX_UNKNOWN, "--dns-server: too long");
            return;
        }
        o.dns_server = server;
    }
    if (cfg->std.port != 25 && cfg->std.port != 465 && cfg->std.port != 587) {
        ports[0] = (unsigned)cfg->std.port;
        o.ports = ports;
        o.nports = 1;
    }
    if (access(cfg->cache_dir, W_OK | X_OK) != 0) {
        mx_check_summary(chk, MX_UNKNOWN,
                         "cannot write to cache directory %s: %s",
                         cfg->cache_dir, strerror(errno));
        return;
    }
    if (mx_traffic_learn(&o, peers, &t, &err) != 0) {
        mx_check_summary(chk, mx_err_state(err.code, cfg->std.timeout_state),
                         "%s", err.msg);
        return;
    }
    for (i = 0; i < t.npeers; i++) {
        const struct mx_traffic_peer *tp = &t.peers[i];
        const char *name = peers->v[tp->peer].name;

        mx_utc_format((time_t)tp->first, first, sizeof(first));
        mx_utc_format((time_t)tp->last, last, sizeof(last));
        mx_check_add(chk, NULL, MX_OK,
                     "%s: %lu ClientHello%s from %s, %lu alike; %s; JA4 %s, "
                     "JA3 %s; first %s, last %s",
                     name, tp->hellos, tp->hellos == 1 ? "" : "s", tp->senders,
                     tp->agree, tp->offer, tp->ja4, tp->ja3, first, last);
        if (tp->change[0] != '\0') {
            n = mx_check_add(chk, NULL, MX_WARNING,
                             "%s: its client changed: %s", name, tp->change);
            mx_node_summary(n, "%s changed its client", name);
            changed++;
        }
        if (tp->profile_error[0] != '\0') {
            n = mx_check_add(chk, NULL, MX_UNKNOWN,
                             "%s: no profile written: %s", name,
                             tp->profile_error);
            mx_node_summary(n, "%s: %s", name, tp->profile_error);
            failed++;
        }
    }
    for (i = 0; i < peers->n; i++) {
        size_t k;

        if (peers->v[i].from[0] == '\0')
            continue;
        for (k = 0; k < t.npeers && t.peers[k].peer != i; k++)
            ;
        if (k == t.npeers)
            mx_check_add(chk, NULL, MX_OK,
                         "%s: no ClientHello from %s in this capture",
                         peers->v[i].name, peers->v[i].from);
    }
    for (i = 0; i < t.ncands && i < CANDIDATES_SHOWN; i++) {
        const struct mx_traffic_sender *c = &t.cands[i];

        mx_check_add(chk, NULL, MX_OK,
                     "not in the peers file: %s%s%s%s: %lu ClientHello%s, %s; "
                     "JA4 %s%s%s",
                     c->addr, c->name[0] ? " (" : "", c->name,
                     c->name[0] ? ")" : "", c->hellos,
                     c->hellos == 1 ? "" : "s", c->offer, c->ja4,
                     c->change[0] ? "; changed: " : "", c->change);
    }
    if (t.ncands > CANDIDATES_SHOWN)
        mx_check_add(chk, NULL, MX_OK,
                     "and %zu more senders not in the peers "
                     "file",
                     t.ncands - CANDIDATES_SHOWN);
    mx_check_add(chk, NULL, MX_OK,
                 "read %s: %lu file%s, %lu packets, %lu TCP connections "
                 "judged, %lu ClientHello%s, %lu connection%s without one "
                 "(%lu with a gap, %lu cut short, %lu malformed)%s%s",
                 t.source, t.st.files, t.st.files == 1 ? "" : "s", t.st.packets,
                 t.st.judged, t.st.hellos, t.st.hellos == 1 ? "" : "s",
                 t.st.nohello, t.st.nohello == 1 ? "" : "s", t.st.gap,
                 t.st.cut_hello, t.st.bad,
                 t.st.capped ? "; some data dropped over the "
                               "memory cap"
                             : "",
                 t.st.evicted > 0 ? "; connections judged early to free "
                                    "their place"
                                  : "");
    if (t.st.read_error[0] != '\0') {
        n = mx_check_add(chk, NULL, MX_WARNING, "%s", t.st.read_error);
        mx_node_summary(n, "%s", t.st.read_error);
    }
    if (t.names_note[0] != '\0')
        mx_check_add(chk, NULL, MX_WARNING, "%s", t.names_note);
    if (t.dropped > 0)
        mx_check_add(chk, NULL, MX_WARNING,
                     "%lu ClientHellos from senders over the first %d not "
                     "counted",
                     t.dropped, MX_TRAFFIC_SENDERS);
    if (t.st.hellos == 0)
        mx_check_summary(chk, MX_UNKNOWN,
                         "no ClientHello in %s (%lu packets, %lu TCP "
                         "connections judged)",
                         t.source, t.st.packets, t.st.judged);
    else
        mx_check_ok_summary(chk,
                            "learned %zu peer%s from %lu ClientHello%s; %zu "
                            "sender%s not in %s",
                            t.npeers - (size_t)failed,
                            t.npeers - (size_t)failed == 1 ? "" : "s",
                            t.st.hellos, t.st.hellos == 1 ? "" : "s", t.ncands,
                            t.ncands == 1 ? "" : "s", cfg->peers_file);
    memset(&pd, 0, sizeof(pd));
    pd.label = "hellos";
    pd.value = (double)t.st.hellos;
    mx_check_perf(chk, &pd);
    pd.label = "learned";
    pd.value = (double)(t.npeers - (size_t)failed);
    mx_check_perf(chk, &pd);
    pd.label = "changed";
    pd.value = changed;
    mx_check_perf(chk, &pd);
    pd.label = "unattributed";
    pd.value = (double)t.ncands;
    mx_check_perf(chk, &pd);
    mx_traffic_free(&t);
}

/* A span of seconds for people: whole days from two days on (or an exact
 * number of days), else exact hours or minutes, else hours from two hours
 * on, else seconds: "3 days", "12 h", "90 min", "45 s". */
static void
show_span(char *out, size_t cap, double secs)
{
    long long v = secs < 0 ? 0 : (long long)secs;

    if (v >= 2 * 86400 || (v >= 86400 && v % 86400 == 0))
        snprintf(out, cap, "%lld day%s", v / 86400, v / 86400 == 1 ? "" : "s");
    else if (v >= 3600 && v % 3600 == 0)
        snprintf(out, cap, "%lld h", v / 3600);
    else if (v >= 60 && v % 60 == 0)
        snprintf(out, cap, "%lld min", v / 60);
    else if (v >= 7200)
        snprintf(out, cap, "%lld h", v / 3600);
    else
        snprintf(out, cap, "%lld s", v);
}

/* Read the profiles of mx peers; the ones that cannot run are marked in
 * skip[], the stale ones (still checked) in stale[], each with a node
 * already added. */
static void
apply_profiles(const struct cfg *cfg, struct mx_peers *peers, int *skip,
               int *stale, struct mx_check *chk, time_t now)
{
    struct mx_profile prof;
    struct mx_error err;
    struct mx_node *n;
    char age[32], limit[32];
    long max_age;
    size_t i;
    int rc;

    for (i = 0; i < peers->n; i++) {
        struct mx_peer *p = &peers->v[i];
        if (p->kind != MX_PEER_MX) {
            if (p->kind == MX_PEER_LISTS)
                mx_peer_defaults(p);
            if (p->from[0] != '\0' &&
                mx_profile_apply_learned(cfg->cache_dir, p, &err) < 0)
                mx_check_add(chk, NULL, MX_WARNING, "%s: %s", p->name, err.msg);
            continue;
        }
        rc = mx_profile_read(cfg->cache_dir, p->name, &prof, &err);
        if (rc != 0) {
            skip[i] = 1;
            if (rc > 0)
                n = mx_check_add(
                    chk, NULL, MX_UNKNOWN,
                    "%s: no learned profile in %s; run: " MXTLS_PLUGINDIR
                    "/check_tls_peers --learn "
                    "-f %s --peer=%s",
                    p->name, cfg->cache_dir,
                    cfg->peers_file ? cfg->peers_file : "FILE", p->name);
            else
                n = mx_check_add(chk, NULL, MX_UNKNOWN, "%s: %s", p->name,
                                 err.msg);
            mx_node_summary(n, "%s (%s profile)", p->name,
                            rc > 0 ? "no" : "unusable");
            continue;
        }
        mx_profile_apply(&prof, p);
        max_age =
            cfg->max_age_given || p->max_age <= 0 ? cfg->max_age : p->max_age;
        if (difftime(now, prof.learned) > (double)max_age) {
            stale[i] = 1;
            show_span(age, sizeof(age), difftime(now, prof.learned));
            show_span(limit, sizeof(limit), (double)max_age);
            n = mx_check_add(chk, NULL, MX_WARNING,
                             "%s: profile learned %s ago (max-age %s); "
                             "refresh: " MXTLS_PLUGINDIR
                             "/check_tls_peers --learn -f %s --peer=%s",
                             p->name, age, limit,
                             cfg->peers_file ? cfg->peers_file : "FILE",
                             p->name);
            mx_node_summary(n, "%s (stale profile)", p->name);
        }
    }
    for (i = 0; i < peers->n; i++) /* what a verdict rests on */
        if (!skip[i] && peers->v[i].learned[0] != '\0')
            mx_check_add(chk, NULL, MX_OK, "%s: its client %s",
                         peers->v[i].name, peers->v[i].learned);
}

/* The perfdata label of a peer's handshake time. */
static void
time_label(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%.50s_time", name);
}

static int
all_same_error(const struct mx_sim *sim, const int *skip, size_t n)
{
    size_t i, first = n;

    for (i = 0; i < n; i++) {
        if (skip[i])
            continue;
        if (sim[i].state != MX_SIM_ERROR)
            return 0;
        if (first == n)
            first = i;
        else if (strcmp(sim[i].err.msg, sim[first].err.msg) != 0)
            return 0;
    }
    return first < n;
}

/* Does every simulated peer fail because the server fails every
 * handshake (then the server, not a peer, is the news)? */
static int
all_server_fails(const struct mx_sim *sim, const int *skip, size_t n)
{
    size_t i;
    int seen = 0;

    for (i = 0; i < n; i++) {
        if (skip[i])
            continue;
        if (sim[i].state != MX_SIM_FAIL || sim[i].diag != MX_DIAG_SERVER)
            return 0;
        seen = 1;
    }
    return seen;
}

/* The cause of a failing peer, as the summary names it. */
static const char *
fail_cause(const struct mx_sim *s)
{
    return s->state == MX_SIM_ERROR ? s->err.msg : s->why;
}

/* Failing peers of one severity, grouped by cause in order of first
 * appearance: "a, b, c and 7 more (no RSA certificate); d (protocol
 * version)". At most SUMMARY_NAMES names per cause keep the first line
 * short however many peers fail; the long output lists every peer. */
#define SUMMARY_NAMES 3

static void
group_failures(struct mx_buf *b, const struct mx_peers *peers, const int *skip,
               const struct mx_sim *sim, enum mx_state sev)
{
    size_t i, j;
    int named, more, seen;

    for (i = 0; i < peers->n; i++) {
        if (skip[i] || sim[i].state == MX_SIM_OK || peers->v[i].severity != sev)
            continue;
        seen = 0;
        for (j = 0; j < i && !seen; j++)
            seen = !skip[j] && sim[j].state != MX_SIM_OK &&
                   peers->v[j].severity == sev &&
                   strcmp(fail_cause(&sim[j]), fail_cause(&sim[i])) == 0;
        if (seen)
            continue;
        named = 0;
        more = 0;
        mx_buf_printf(b, "%s", b->len > 0 ? "; " : "");
        for (j = i; j < peers->n; j++) {
            if (skip[j] || sim[j].state == MX_SIM_OK ||
                peers->v[j].severity != sev ||
                strcmp(fail_cause(&sim[j]), fail_cause(&sim[i])) != 0)
                continue;
            if (named < SUMMARY_NAMES) {
                mx_buf_printf(b, "%s%s", named > 0 ? ", " : "",
                              peers->v[j].name);
                named++;
            } else {
                more++;
            }
        }
        if (more > 0)
            mx_buf_printf(b, " and %d more", more);
        mx_buf_printf(b, " (%s)", fail_cause(&sim[i]));
    }
}

/* "; LEAD: a, b, c and 2 more" for the peers marked in mark[]: the
 * profile notes that a summary of failing peers would otherwise hide. */
static void
list_marked(struct mx_buf *b, const struct mx_peers *peers, const int *mark,
            const char *lead)
{
    size_t i;
    int named = 0, more = 0;

    for (i = 0; i < peers->n; i++) {
        if (!mark[i])
            continue;
        if (named == SUMMARY_NAMES) {
            more++;
            continue;
        }
        if (named == 0)
            mx_buf_printf(b, "; %s: %s", lead, peers->v[i].name);
        else
            mx_buf_printf(b, ", %s", peers->v[i].name);
        named++;
    }
    if (more > 0)
        mx_buf_printf(b, " and %d more", more);
}

static void
evaluate(const struct cfg *cfg, struct mx_check *chk,
         const struct mx_peers *peers, const int *skip, const int *stale,
         const struct mx_sim *sim, const struct pdane *d)
{
    struct mx_buf crit = MX_BUF_INIT, warn = MX_BUF_INIT, okv = MX_BUF_INIT;
    const struct mx_group *g;
    struct mx_perf pd;
    struct mx_node *n;
    enum mx_state st, ranged = MX_OK;
    char label[64];
    size_t i;
    int ok = 0, failed = 0, ncrit = 0, fcrit = 0, nwarn = 0, fwarn = 0,
        total = 0, probes = 0, refusals = 0, server;

    for (i = 0; i < peers->n; i++) {
        if (skip[i])
            continue;
        total++;
        if (sim[i].state != MX_SIM_OK)
            failed++;
    }
    if (cfg->have_crit && mx_range_alert(&cfg->crit, failed))
        ranged = MX_CRITICAL;
    else if (cfg->have_warn && mx_range_alert(&cfg->warn, failed))
        ranged = MX_WARNING;

    if (all_same_error(sim, skip, peers->n)) {
        for (i = 0; skip[i]; i++)
            ;
        mx_check_summary(chk,
                         mx_err_state(sim[i].err.code, cfg->std.timeout_state),
                         "%s", sim[i].err.msg);
    }
    server = all_server_fails(sim, skip, peers->n);
    if (server) { /* once, CRITICAL whatever the peers' severities */
        for (i = 0; skip[i]; i++)
            ;
        mx_check_summary(chk, MX_CRITICAL,
                         "%s, even ones it should accept: check its "
                         "certificate/key configuration",
                         sim[i].why);
    }
    for (i = 0; i < peers->n; i++) {
        const struct mx_peer *p = &peers->v[i];
        const struct mx_sim *s = &sim[i];
        if (skip[i])
            continue;
        if (p->severity == MX_CRITICAL)
            ncrit++;
        else
            nwarn++;
        if (s->state == MX_SIM_OK) {
            g = mx_group_by_code(s->group);
            mx_check_add(chk, NULL, MX_OK, "%s: %s %s%s%s%s%s, %.1f ms%s%s%s",
                         p->name, mx_version_name(s->version),
                         mx_suite_name(s->suite), g ? ", " : "",
                         g ? g->display : "", s->cert[0] ? ", " : "",
                         s->cert[0] ? s->cert : "", (double)s->us / 1000.0,
                         s->engine == MX_ENGINE_RAW ? " (raw ClientHello)" : "",
                         d->note != NULL && d->note[i][0] ? "; " : "",
                         d->note != NULL ? d->note[i] : "");
            ok++;
            memset(&pd, 0, sizeof(pd));
            time_label(p->name, label, sizeof(label));
            pd.label = label;
            pd.value = (double)s->us / 1e6;
            pd.uom = "s";
            mx_check_perf(chk, &pd);
            continue;
        }
        if (cfg->have_warn || cfg->have_crit)
            st = ranged;
        else
            st = p->severity;
        if (s->state == MX_SIM_ERROR) {
            if (s->err.code == MX_E_TIMEOUT && st != MX_OK)
                st = mx_err_state(MX_E_TIMEOUT, cfg->std.timeout_state);
            else if (mx_err_state(s->err.code, MX_CRITICAL) == MX_UNKNOWN)
                st = MX_UNKNOWN;
            n = mx_check_add(chk, NULL, st, "%s: %s", p->name, s->err.msg);
            mx_node_summary(n, "%s (%s)", p->name, s->err.msg);
        } else {
            n = mx_check_add(chk, NULL, st, "%s: %s", p->name, s->detail);
            mx_node_summary(n, "%s (%s)", p->name, s->why);
        }
        if (p->severity == MX_CRITICAL)
            fcrit++;
        else
            fwarn++;
    }
    for (i = 0; i < peers->n; i++)
        if (!skip[i] && !sim[i].shared) {
            probes += sim[i].probes;
            refusals += sim[i].refusals;
        }
    if (refusals > 0)
        mx_check_add(chk, NULL, MX_OK,
                     "server log: %d of this run's %d handshake%s refused by "
                     "the server or cut short (each leaves an error there)",
                     refusals, probes, probes == 1 ? "" : "s");
    group_failures(&crit, peers, skip, sim, MX_CRITICAL);
    group_failures(&warn, peers, skip, sim, MX_WARNING);
    if (failed > 0 && !server && !all_same_error(sim, skip, peers->n)) {
        struct mx_buf b = MX_BUF_INIT;
        if (fcrit > 0)
            mx_buf_printf(&b, "%d of %d critical peer%s cannot negotiate: %s",
                          fcrit, ncrit, ncrit == 1 ? "" : "s",
                          mx_buf_str(&crit));
        if (fwarn > 0)
            mx_buf_printf(&b, "%s%d of %d warning peer%s cannot negotiate: %s",
                          b.len > 0 ? "; " : "", fwarn, nwarn,
                          nwarn == 1 ? "" : "s", mx_buf_str(&warn));
        list_marked(&b, peers, skip, "not checked, no usable profile");
        list_marked(&b, peers, stale, "stale profile");
        mx_check_summary(chk, cfg->have_warn || cfg->have_crit ? ranged : MX_OK,
                         "%s", mx_buf_str(&b));
        mx_buf_free(&b);
    }
    if (total == 1)
        mx_buf_printf(&okv, "%d of 1 peer negotiates", ok);
    else
        mx_buf_printf(&okv, "%d of %d peers negotiate", ok, total);
    mx_check_ok_summary(chk, "%s", mx_buf_str(&okv));
    memset(&pd, 0, sizeof(pd));
    pd.label = "peers_ok";
    pd.value = ok;
    pd.has_min = 1;
    mx_check_perf(chk, &pd);
    pd.label = "peers_failed";
    pd.value = failed;
    pd.warn = cfg->have_warn ? &cfg->warn : NULL;
    pd.crit = cfg->have_crit ? &cfg->crit : NULL;
    mx_check_perf(chk, &pd);
    mx_buf_free(&crit);
    mx_buf_free(&warn);
    mx_buf_free(&okv);
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct mx_error err;
    struct mx_peers peers;
    struct mx_probe_stats stats;
    struct mx_sim *sim = NULL;
    struct mx_check *chk = NULL;
    struct mx_target t;
    struct mx_perf pd;
    struct pdane dane;
    int *skip = NULL, *stale = NULL;
    char **nargv = NULL;
    int nargc = 0, rc = MX_UNKNOWN;
    size_t i, k;
    int64_t t0 = mx_now_ms();

    memset(&cfg, 0, sizeof(cfg));
    memset(&peers, 0, sizeof(peers));
    memset(&stats, 0, sizeof(stats));
    memset(&dane, 0, sizeof(dane));
    mx_error_clear(&err);
    mx_std_init(&cfg.std, "check_tls_peers");
    cfg.peer_severity = MX_CRITICAL;
    cfg.cache_dir = MXTLS_CACHEDIR;
    cfg.max_age = DEFAULT_MAX_AGE;
    cfg.parallel = 8;
    rc = mx_run_start(argc, argv, "check_tls_peers", LABEL, parse_args, help,
                      &cfg, &cfg.std, &nargc, &nargv);
    if (rc >= 0)
        goto out;
    rc = MX_UNKNOWN;
    if (cfg.learn && !cfg.std.timeout_given)
        cfg.std.timeout = LEARN_TIMEOUT;
    if (load_peers(&cfg, &peers, &err) != 0) {
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    chk = mx_check_new(LABEL);
    if (chk == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    if (cfg.learn_from != NULL) {
        learn_traffic(&cfg, &peers, chk);
        goto emit;
    }
    if (cfg.learn) {
        learn(&cfg, &peers, chk);
        goto emit;
    }
    sim = calloc(peers.n > 0 ? peers.n : 1, sizeof(*sim));
    skip = calloc(peers.n > 0 ? peers.n : 1, sizeof(*skip));
    stale = calloc(peers.n > 0 ? peers.n : 1, sizeof(*stale));
    if (sim == NULL || skip == NULL || stale == NULL) {
        mx_error_set(&err, MX_E_INTERNAL, "out of memory");
        rc = mx_run_usage_error(LABEL, &err);
        goto out;
    }
    apply_profiles(&cfg, &peers, skip, stale, chk, time(NULL));
    mx_run_target(&cfg.std, &t);
    {
        /* simulate the peers that can run, in one scheduler run */
        struct mx_peer *run = calloc(peers.n > 0 ? peers.n : 1, sizeof(*run));
        struct mx_sim *rsim = calloc(peers.n > 0 ? peers.n : 1, sizeof(*rsim));
        if (run == NULL || rsim == NULL) {
            free(run);
            free(rsim);
            mx_error_set(&err, MX_E_INTERNAL, "out of memory");
            rc = mx_run_usage_error(LABEL, &err);
            goto out;
        }
        for (i = 0, k = 0; i < peers.n; i++)
            if (!skip[i])
                run[k++] = peers.v[i];
        if (k > 0 && mx_simulate(&t, run, k, (int)cfg.parallel, cfg.std.sni,
                                 rsim, &stats, &err) != 0) {
            mx_sim_free(rsim, k);
            mx_check_summary(chk, mx_err_state(err.code, cfg.std.timeout_state),
                             "%s", err.msg);
        } else {
            for (i = 0, k = 0; i < peers.n; i++)
                if (!skip[i]) {
                    sim[i] = rsim[k++];
                    sim[i].peer = &peers.v[i];
                    if ((peers.v[i].auth & MX_PEER_AUTH_DANE) &&
                        sim[i].state == MX_SIM_OK)
                        dane.wanted = 1;
                }
            if (dane.wanted) {
                dane.note = calloc(peers.n, sizeof(*dane.note));
                if (dane.note == NULL) {
                    free(run);
                    free(rsim);
                    mx_error_set(&err, MX_E_INTERNAL, "out of memory");
                    rc = mx_run_usage_error(LABEL, &err);
                    goto out;
                }
                pdane_lookup(&cfg, &dane, t.deadline);
                for (i = 0; i < peers.n; i++)
                    if (!skip[i] && (peers.v[i].auth & MX_PEER_AUTH_DANE) &&
                        sim[i].state == MX_SIM_OK)
                        pdane_judge(&dane, i, &sim[i]);
                if (dane.rc == 0)
                    mx_check_add(chk, NULL, MX_OK,
                                 "DANE: TLSA %s: %s%s%s, %zu record%s, %zu "
                                 "usable (trust anchor %s, server %s)",
                                 dane.owner, mx_vres_status_name(dane.q.status),
                                 dane.q.why[0] ? ": " : "", dane.q.why,
                                 dane.q.n, dane.q.n == 1 ? "" : "s",
                                 dane.usable, mx_vres_anchor(dane.vr),
                                 mx_vres_server(dane.vr));
            }
            evaluate(&cfg, chk, &peers, skip, stale, sim, &dane);
        }
        free(run);
        free(rsim);
    }
    /* what the scheduler met: a connection limit, a run too long for -t */
    mx_target_report(chk, &t, cfg.std.timeout_state);
emit:
    memset(&pd, 0, sizeof(pd));
    pd.label = "time";
    pd.value = (double)(mx_now_ms() - t0) / 1000.0;
    pd.uom = "s";
    mx_check_perf(chk, &pd);
    if (!cfg.learn) {
        pd.label = "connections";
        pd.value = stats.connections;
        pd.uom = NULL;
        mx_check_perf(chk, &pd);
    }
    rc = mx_run_emit(chk);
out:
    mx_check_free(chk);
    if (sim != NULL)
        mx_sim_free(sim, peers.n);
    free(sim);
    pdane_free(&dane);
    free(skip);
    free(stale);
    mx_peers_free(&peers);
    mx_argv_free(nargc, nargv);
    return rc;
}
