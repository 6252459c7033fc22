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

#include "certinfo.h"
#include "clientlib.h"
#include "dane.h"
#include "danebase.h"
#include "learn.h"
#include "log.h"
#include "net.h"
#include "opts.h"
#include "peerprep.h"
#include "peers.h"
#include "peers_outbound.h"
#include "profile.h"
#include "range.h"
#include "registry.h"
#include "resolve.h"
#include "result.h"
#include "runner.h"
#include "simulate.h"
#include "stsget.h"
#include "strnum.h"
#include "suites.h"
#include "traffic.h"
#include "utctime.h"

#define LABEL           "TLS PEERS"
#define DEFAULT_MAX_AGE (30L * 86400)
#define LEARN_TIMEOUT   120.0
#define PERF_PEERS      10 /* per-peer perfdata up to this many peers */

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
    OPT_MTA_STS,
    OPT_CA_FILE,
    OPT_PEER_CLIENT,
    OPT_LIST_CLIENTS,
    OPT_OUR_CLIENT,
    OPT_LEARN_FROM,
    OPT_PERF_PEERS,
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
    char peer_client[1100]; /* --peer-client: its recording */
    int list_clients;
    const char *our_client; /* --our-client: the outbound direction */
    enum mx_state peer_severity;
    unsigned peer_auth;
    int peer_auth_given;
    const char *cache_dir;
    long max_age;
    int max_age_given;
    int learn;
    const char *learn_from; /* --learn-from=SOURCE */
    const char *dns_server; /* ADDR@PORT, or NULL */
    char dns_server_buf[80];
    const char *dns_anchor;
    const char *mta_sts; /* --mta-sts=DOMAIN */
    const char *cafile;  /* --ca-file: MTA-STS trust store */
    long long parallel;
    long long perf_peers; /* per-peer perfdata up to this many peers */
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
        "  check_tls_peers -H HOST --peer-client=NAME\n"
        "  check_tls_peers --list-clients\n"
        "  check_tls_peers -f PEERS-FILE --our-client=NAME|FILE\n"
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
        " --peer-client=NAME\n"
        "    One peer given by a client of the library of recorded mail "
        "clients\n"
        "    (Postfix, Exim, msmtp, ...: --list-clients), as 'client = NAME' "
        "in a\n"
        "    peers file; replayed like --peer-clienthello.\n"
        " --list-clients\n"
        "    List the client library (" MXTLS_CLIENTSDIR ",\n"
        "    or $MXTLS_CLIENTS_DIR): name, program, version, TLS library, "
        "settings.\n"
        " --our-client=NAME|FILE\n"
        "    The other direction: will our MTA's client (a client of the "
        "library, or\n"
        "    a recorded ClientHello) negotiate with the MX of each 'mx =' "
        "peer? Predicted\n"
        "    from the profiles --learn cached, without contacting the "
        "peers; a failure\n"
        "    names our smtp_tls_* setting to change. With -f, without -H.\n"
        " --peer-name=NAME, --peer-severity=critical|warning\n"
        "    Name and severity of the command-line peer (peer, critical).\n"
        " --peer-authenticates=dane|mta-sts|none\n"
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
        "    'certificate not verified (raw probe)'. mta-sts: as "
        "'authenticates =\n"
        "    mta-sts', the peer applies the policy of --mta-sts.\n"
        " --mta-sts=DOMAIN\n"
        "    The MTA-STS policy (RFC 8461) of DOMAIN, for the peers that "
        "authenticate\n"
        "    by mta-sts: fetched once per run after the handshakes (TXT "
        "_mta-sts.DOMAIN,\n"
        "    validated, then https://mta-sts.DOMAIN/.well-known/mta-sts.txt). "
        "The\n"
        "    host (-H, or --sni with -H ADDRESS) must match an mx of the "
        "policy, and\n"
        "    the certificate each such peer gets must chain to the trust store "
        "and be\n"
        "    valid for the host. Mode enforce and a mismatch: the peer fails "
        "(its\n"
        "    severity); testing: WARNING (deferred under enforce); none, or no "
        "policy:\n"
        "    a note; a policy that cannot be fetched or parsed: a note naming "
        "why.\n"
        " --ca-file=FILE\n"
        "    MTA-STS: the CA certificates trusted instead of the system's "
        "store (for\n"
        "    both the policy's web server and the mail server's chain).\n"
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
        " --perfdata-peers=N\n"
        "    Performance data of each working peer (PEER_time) while at most "
        "N\n"
        "    peers are checked (0..1000, default 10); the totals (peers_ok,\n"
        "    peers_failed, peers_total, peer_time_max) always.\n"
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
    case OPT_PEER_CLIENT:
        if (cfg->peer_hello != NULL) {
            mx_error_set(err, MX_E_USAGE,
                         "--peer-clienthello and --peer-client: one "
                         "recorded ClientHello per command-line peer");
            return -1;
        }
        if (opt == OPT_PEER_HELLO) {
            cfg->peer_hello = arg;
            return 1;
        }
        if (mx_clientlib_path(NULL, arg, cfg->peer_client,
                              sizeof(cfg->peer_client), err) != 0) {
            char m[sizeof(err->msg)];
            snprintf(m, sizeof(m), "%s", err->msg);
            mx_error_set(err, err->code, "--peer-client: %s", m);
            return -1;
        }
        cfg->peer_hello = cfg->peer_client;
        return 1;
    case OPT_LIST_CLIENTS:
        cfg->list_clients = 1;
        cfg->std.host_optional = 1;
        return 1;
    case OPT_OUR_CLIENT:
        cfg->our_client = arg;
        cfg->std.host_optional = 1;
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
    case OPT_PERF_PEERS:
        return mx_parse_bounded(arg, "--perfdata-peers", 0, MX_PEERS_MAX,
                                &cfg->perf_peers, err) == 0
                   ? 1
                   : -1;
    case OPT_LEARN_FROM: /* learning, from traffic rather than the MX */
        cfg->learn = 1;
        cfg->learn_from = arg;
        return 1;
    case OPT_DNS_SERVER:
        if (mx_vres_server_parse(arg, cfg->dns_server_buf,
                                 sizeof(cfg->dns_server_buf), err) != 0)
            return -1;
        cfg->dns_server = cfg->dns_server_buf;
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
    case OPT_MTA_STS:
        cfg->mta_sts = arg;
        return 1;
    case OPT_CA_FILE:
        cfg->cafile = arg;
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
        {"mta-sts", required_argument, NULL, OPT_MTA_STS},
        {"ca-file", required_argument, NULL, OPT_CA_FILE},
        {"peer-client", required_argument, NULL, OPT_PEER_CLIENT},
        {"list-clients", no_argument, NULL, OPT_LIST_CLIENTS},
        {"our-client", required_argument, NULL, OPT_OUR_CLIENT},
        {"perfdata-peers", required_argument, NULL, OPT_PERF_PEERS},
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
    if (cfg->list_clients)
        return 0;
    if (cfg->our_client != NULL &&
        (cfg->std.host != NULL || cfg->learn || cfg->peers_file == NULL)) {
        mx_error_set(err, MX_E_USAGE,
                     "--our-client checks the peers' MX (outbound) from a "
                     "peers file (-f) and the cached profiles: give it -f, "
                     "not -H or --learn");
        return -1;
    }
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
                     "'authenticates = dane' or 'mta-sts'");
        return -1;
    }
    return 0;
}

/*
 * DANE for the peers that authenticate this server by it (RFC 7672): the
 * TLSA RRset of _PORT._tcp.BASE, looked up once per run after the
 * handshakes, and the chain each such peer got checked against it.
 */
struct pdane {
    int wanted;             /* a peer that ran authenticates by DANE */
    int rc;                 /* the lookup: 0, or -1 with err */
    struct mx_error err;    /* why it failed */
    char base[256];         /* the TLSA base domain */
    char owner[300];        /* _PORT._tcp.TLSABASE, the TLSA name used */
    struct mx_tlsa_base tb; /* the TLSA base after CNAMEs */
    struct mx_vresolver *vr;
    struct mx_vquery q;
    struct mx_tlsa recs[MX_TLSA_MAX];
    size_t nrecs;
    size_t usable;
    char (*note)[400]; /* per peer: the DANE words of an accepted peer */
    /* per peer: 1 when it negotiates but fails its authentication (mail
     * deferred), 2 when it would under MTA-STS enforce (mode testing), 3
     * when it negotiates and its authentication could not be judged */
    unsigned char *deferred;
};

/* The server's name (-H NAME, or --sni with -H ADDRESS) into out: 0, or
 * -1 when there is none. */
static int
server_name(const struct cfg *cfg, char *out, size_t cap)
{
    if (!mx_is_address(cfg->std.host))
        snprintf(out, cap, "%s", cfg->std.host);
    else if (cfg->std.sni_given && cfg->std.sni != NULL)
        snprintf(out, cap, "%s", cfg->std.sni);
    else
        return -1;
    return 0;
}

/* The validator of the DANE and MTA-STS peers (--dns-anchor,
 * --dns-server), or NULL with err. */
static struct mx_vresolver *
peer_resolver(const struct cfg *cfg, struct mx_error *err)
{
    return mx_vres_new(cfg->dns_anchor, cfg->dns_server, err);
}

static void
pdane_lookup(const struct cfg *cfg, struct pdane *d, struct mx_deadline dl)
{
    struct mx_vquery q[2];
    size_t j;

    d->rc = -1;
    if (server_name(cfg, d->base, sizeof(d->base)) != 0) {
        mx_error_set(&d->err, MX_E_USAGE,
                     "DANE: the TLSA records need the server's name: -H NAME, "
                     "or --sni=NAME with -H ADDRESS");
        return;
    }
    snprintf(d->owner, sizeof(d->owner), "_%d._tcp.%s", cfg->std.port, d->base);
    d->vr = peer_resolver(cfg, &d->err);
    if (d->vr == NULL)
        return;
    /* TLSA, and the address lookup that tells an alias (RFC 7672 2.2.2) */
    mx_vquery_set(&q[0], d->owner, MX_RR_TLSA);
    mx_vquery_set(&q[1], d->base, MX_RR_A);
    if (mx_vres_run(d->vr, q, 2, dl, &d->err) != 0 ||
        mx_tlsa_base_resolve(d->vr, d->base, cfg->std.port, &q[1], 1, &q[0], dl,
                             &d->tb, &d->err) != 0) {
        char m[sizeof(d->err.msg)];
        snprintf(m, sizeof(m), "%s", d->err.msg);
        mx_error_set(&d->err, d->err.code, "DANE: %s", m);
        mx_vquery_free(&q[0]);
        mx_vquery_free(&q[1]);
        return;
    }
    d->q = q[0];
    mx_vquery_free(&q[1]);
    snprintf(d->owner, sizeof(d->owner), "%s", d->tb.owner);
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
/* Peer i negotiated, but its authentication could not be judged (no
 * answer from DNS, a usage error): its error is e. */
static void
unjudged(struct pdane *d, size_t i, struct mx_sim *s, const struct mx_error *e)
{
    s->state = MX_SIM_ERROR;
    s->err = *e;
    d->deferred[i] = 3;
}

/* Peer i negotiated and fails its authentication: mail deferred. */
static void
deferred(struct pdane *d, size_t i, struct mx_sim *s)
{
    s->state = MX_SIM_FAIL;
    d->deferred[i] = 1;
}

static void
pdane_judge(struct pdane *d, size_t i, struct mx_sim *s)
{
    char *note = d->note[i], rec[128], label[64];
    const size_t cap = sizeof(d->note[i]);
    struct mx_dane_result res;
    struct mx_error e;

    if (d->rc != 0) {
        unjudged(d, i, s, &d->err);
        return;
    }
    switch (d->q.status) {
    case MX_VRES_BOGUS:
        deferred(d, i, s);
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
        mx_error_set(&e, MX_E_RESOLVE, "DANE: TLSA lookup of %s %s%s%s",
                     d->owner, mx_vres_status_name(d->q.status),
                     d->q.why[0] ? ": " : "", d->q.why);
        unjudged(d, i, s, &e);
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
    if (mx_dane_check(s->chain, d->recs, d->nrecs, d->tb.base, time(NULL), &res,
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
    deferred(d, i, s);
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
    free(d->deferred);
}

/*
 * MTA-STS for the peers that authenticate this server by it (RFC 8461):
 * the policy of --mta-sts, got once per run after the handshakes
 * (common/stsget.c), and the chain each such peer got judged against it
 * (mx_sts_judge). The words go to the DANE block's note and deferred.
 */
struct psts {
    int wanted;          /* a peer that ran authenticates by MTA-STS */
    int rc;              /* the lookup: 0, or -1 with err */
    struct mx_error err; /* why it failed */
    char host[256];      /* the MX host the policy must list */
    struct mx_vresolver *vr;
    X509_STORE *store;
    char store_name[300];
    struct mx_sts_lookup l;
};

static void
psts_lookup(const struct cfg *cfg, struct psts *p, struct mx_deadline dl)
{
    p->rc = -1;
    if (cfg->mta_sts == NULL) {
        mx_error_set(&p->err, MX_E_USAGE,
                     "MTA-STS: a peer authenticates by mta-sts: give the "
                     "policy's domain with --mta-sts=DOMAIN");
        return;
    }
    if (server_name(cfg, p->host, sizeof(p->host)) != 0) {
        mx_error_set(&p->err, MX_E_USAGE,
                     "MTA-STS: the policy lists the server's name: -H NAME, "
                     "or --sni=NAME with -H ADDRESS");
        return;
    }
    p->store = mx_trust_load(cfg->cafile, NULL, &p->err);
    if (p->store == NULL)
        return;
    if (cfg->cafile != NULL)
        snprintf(p->store_name, sizeof(p->store_name), "--ca-file %.200s",
                 cfg->cafile);
    else
        snprintf(p->store_name, sizeof(p->store_name),
                 "the system store (%.200s)", mx_trust_system_dir());
    p->vr = peer_resolver(cfg, &p->err);
    if (p->vr == NULL)
        return;
    if (mx_sts_discover(p->vr, cfg->mta_sts, dl, &p->l, &p->err) != 0) {
        char m[sizeof(p->err.msg)];
        snprintf(m, sizeof(m), "%s", p->err.msg);
        mx_error_set(&p->err, p->err.code, "MTA-STS: %s", m);
        return;
    }
    mx_sts_retrieve(&p->l, cfg->cafile, dl);
    p->rc = 0;
}

/* Judge accepted MTA-STS peer i: a note, a failure (enforce), a warning
 * (testing) or an error (no answer from DNS). */
static void
psts_judge(struct psts *p, struct pdane *d, size_t i, struct mx_sim *s)
{
    char *note = d->note[i], label[64], why[300];
    const size_t cap = sizeof(d->note[i]);
    const struct mx_sts_policy *pol = &p->l.pol;
    enum mx_sts_verdict v;
    struct mx_error e;

    if (p->rc != 0) {
        unjudged(d, i, s, &p->err);
        return;
    }
    switch (p->l.outcome) {
    case MX_STS_NO_ANSWER:
        mx_error_set(&e, MX_E_RESOLVE, "%s", p->l.why);
        unjudged(d, i, s, &e);
        return;
    case MX_STS_ABSENT:
        snprintf(note, cap,
                 "MTA-STS: no policy for %s: opportunistic TLS, certificate "
                 "not checked",
                 p->l.domain);
        return;
    case MX_STS_BROKEN:
        snprintf(note, cap,
                 "MTA-STS: no usable policy (see its line): a sender "
                 "without a cached policy delivers unchecked");
        return;
    case MX_STS_GOT:
        break;
    }
    if (pol->mode == MX_STS_NONE) {
        snprintf(note, cap,
                 "MTA-STS: %s's policy is mode none: certificate not checked",
                 p->l.domain);
        return;
    }
    if (s->chain == NULL || sk_X509_num(s->chain) == 0) {
        snprintf(note, cap, "MTA-STS: certificate not verified (%s)",
                 s->engine == MX_ENGINE_RAW ? "raw probe"
                                            : "no certificate kept");
        return;
    }
    snprintf(label, sizeof(label), "%s", s->cert[0] ? s->cert : "server's");
    v = mx_sts_judge(pol, p->host, s->chain, p->store, p->store_name,
                     time(NULL), why, sizeof(why));
    if (v == MX_STS_ERROR) {
        mx_error_set(&e, MX_E_INTERNAL, "MTA-STS: %s", why);
        unjudged(d, i, s, &e);
        return;
    }
    if (v == MX_STS_VALID) {
        snprintf(note, cap, "MTA-STS (%s): %s certificate valid for %s",
                 mx_sts_mode_name(pol->mode), label, p->host);
        return;
    }
    if (pol->mode == MX_STS_TESTING) {
        d->deferred[i] = 2;
        if (v == MX_STS_INVALID)
            snprintf(note, cap,
                     "gets the %s certificate, which is not valid for %.80s "
                     "under MTA-STS (%.120s): mail would be deferred under "
                     "enforce (policy in testing)",
                     label, p->host, why);
        else
            snprintf(note, cap,
                     "%s matches no mx of the MTA-STS policy: mail would be "
                     "deferred under enforce (policy in testing)",
                     p->host);
        return;
    }
    deferred(d, i, s);
    if (v == MX_STS_UNLISTED) {
        snprintf(s->why, sizeof(s->why),
                 "%s is not an mx of the MTA-STS policy (enforce): mail "
                 "deferred",
                 p->host);
        snprintf(s->detail, sizeof(s->detail),
                 "%s matches no mx of %s's MTA-STS policy (enforce, id %s): "
                 "MTA-STS senders defer mail",
                 p->host, p->l.domain, p->l.id);
        return;
    }
    snprintf(s->why, sizeof(s->why),
             "gets the %s certificate, which is not valid for %s under "
             "MTA-STS (enforce): mail deferred",
             label, p->host);
    snprintf(s->detail, sizeof(s->detail),
             "gets the %s certificate (%s %s), which is not valid for %.100s "
             "under %.100s's MTA-STS policy (enforce, id %s): %.200s: MTA-STS "
             "senders defer mail",
             label, mx_version_name(s->version), mx_suite_name(s->suite),
             p->host, p->l.domain, p->l.id, why);
}

/* The policy once, every accepted MTA-STS peer judged, and a line about
 * the policy (WARNING when senders cannot use it). */
static void
psts_run(const struct cfg *cfg, struct psts *p, struct pdane *d,
         struct mx_check *chk, struct mx_prepared *pp, struct mx_deadline dl)
{
    struct mx_node *n;
    size_t i;

    psts_lookup(cfg, p, dl);
    for (i = 0; i < pp->peers.n; i++)
        if (mx_prep_checked(&pp->e[i]) &&
            (pp->peers.v[i].auth & MX_PEER_AUTH_MTASTS) &&
            pp->e[i].sim.state == MX_SIM_OK)
            psts_judge(p, d, i, &pp->e[i].sim);
    if (p->rc != 0)
        return; /* each peer carries the error */
    switch (p->l.outcome) {
    case MX_STS_GOT:
        mx_check_add(chk, NULL, MX_OK,
                     "MTA-STS %s: id %s, mode %s, max_age %ld, %zu mx; %s %s "
                     "listed (trust store %s)",
                     p->l.domain, p->l.id, mx_sts_mode_name(p->l.pol.mode),
                     p->l.pol.max_age, p->l.pol.nmx, p->host,
                     mx_sts_listed(&p->l.pol, p->host) ? "is" : "is not",
                     p->store_name);
        break;
    case MX_STS_BROKEN:
        /* as check_tls_cert: senders see no usable policy */
        n = mx_check_add(chk, NULL, MX_WARNING, "%s", p->l.why);
        mx_node_summary(n, "%s", p->l.why);
        break;
    case MX_STS_ABSENT:
        mx_check_add(chk, NULL, MX_OK,
                     "MTA-STS: no policy for %s (no v=STSv1 TXT record at %s)",
                     p->l.domain, p->l.txt_name);
        break;
    case MX_STS_NO_ANSWER:
        break; /* each peer carries the error */
    }
}

static void
psts_free(struct psts *p)
{
    mx_vres_free(p->vr);
    X509_STORE_free(p->store);
}

/* Where this run's peers come from. */
static void
prep_opts(const struct cfg *cfg, struct mx_prep_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->file = cfg->peers_file;
    o->only = cfg->only;
    o->name = cfg->peer_name;
    o->protocols = cfg->peer_protocols;
    o->ciphers = cfg->peer_ciphers;
    o->groups = cfg->peer_groups;
    o->sigalgs = cfg->peer_sigalgs;
    o->hello = cfg->peer_hello;
    o->severity = cfg->peer_severity;
    o->auth = cfg->peer_auth;
    o->cache_dir = cfg->cache_dir;
    o->max_age = cfg->max_age;
    o->max_age_given = cfg->max_age_given;
}

static void
show_groups_count(struct mx_buf *b, const struct mx_profile *p)
{
    mx_buf_printf(b, "%zu suite%s, %zu group%s", p->nsuites,
                  p->nsuites == 1 ? "" : "s", p->ngroups,
                  p->ngroups == 1 ? "" : "s");
}

/* --list-clients: the client library, one line per client. */
static void
list_clients(struct mx_check *chk)
{
    struct mx_clients lib;
    struct mx_error err;
    size_t i;

    if (mx_clientlib_load(NULL, &lib, &err) != 0) {
        mx_check_summary(chk, MX_UNKNOWN, "%s", err.msg);
        return;
    }
    mx_check_summary(chk, MX_OK, "%zu recorded client%s in %s", lib.n,
                     lib.n == 1 ? "" : "s", lib.dir);
    for (i = 0; i < lib.n; i++)
        mx_check_add(chk, NULL, MX_OK, "%s: %s; %s; %s; %s; recorded %s",
                     lib.v[i].name, lib.v[i].program, lib.v[i].version,
                     lib.v[i].library, lib.v[i].settings, lib.v[i].recorded);
    mx_clientlib_free(&lib);
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
        if (mx_learn(p->name, p->mx, cfg->dns_server, dl, (int)cfg->parallel,
                     &prof, &err) != 0) {
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
    char first[32], last[32];
    unsigned ports[1];
    size_t i;
    int changed = 0, failed = 0;

    memset(&o, 0, sizeof(o));
    o.source = cfg->learn_from;
    o.cache_dir = cfg->cache_dir;
    o.dns_anchor = cfg->dns_anchor;
    o.names = 1;
    o.names_timeout = cfg->std.timeout;
    o.dns_server = cfg->dns_server;
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

/* The notes of the peers whose profile keeps them from running (UNKNOWN)
 * or is stale (WARNING, still checked). */
static void
render_profiles(const struct cfg *cfg, const struct mx_prepared *pp,
                struct mx_check *chk)
{
    struct mx_node *n;
    char age[32], limit[32];
    size_t i;
    /* the command that learns: it must write where this check reads */
    const char *cd_opt =
        strcmp(cfg->cache_dir, MXTLS_CACHEDIR) != 0 ? " --cache-dir=" : "";
    const char *cd = cd_opt[0] != '\0' ? cfg->cache_dir : "";

    for (i = 0; i < pp->peers.n; i++) {
        const struct mx_peer *p = &pp->peers.v[i];
        const struct mx_pentry *e = &pp->e[i];
        switch (e->status) {
        case MX_PS_NO_PROFILE:
            n = mx_check_add(
                chk, NULL, MX_UNKNOWN,
                "%s: no learned profile in %s; run: " MXTLS_PLUGINDIR
                "/check_tls_peers --learn "
                "-f %s%s%s --peer=%s",
                p->name, cfg->cache_dir,
                cfg->peers_file ? cfg->peers_file : "FILE", cd_opt, cd,
                p->name);
            mx_node_summary(n, "%s (no profile)", p->name);
            break;
        case MX_PS_BAD_PROFILE:
            n = mx_check_add(chk, NULL, MX_UNKNOWN, "%s: %s", p->name,
                             e->err.msg);
            mx_node_summary(n, "%s (unusable profile)", p->name);
            break;
        case MX_PS_STALE:
            show_span(age, sizeof(age), e->age);
            show_span(limit, sizeof(limit), (double)e->max_age);
            n = mx_check_add(chk, NULL, MX_WARNING,
                             "%s: profile learned %s ago (max-age %s); "
                             "refresh: " MXTLS_PLUGINDIR
                             "/check_tls_peers --learn -f %s%s%s --peer=%s",
                             p->name, age, limit,
                             cfg->peers_file ? cfg->peers_file : "FILE", cd_opt,
                             cd, p->name);
            mx_node_summary(n, "%s (stale profile)", p->name);
            break;
        case MX_PS_READY:
            break;
        }
    }
    for (i = 0; i < pp->peers.n; i++) /* what a verdict rests on */
        if (mx_prep_checked(&pp->e[i]) && pp->peers.v[i].learned[0] != '\0')
            mx_check_add(chk, NULL, MX_OK, "%s: its client %s",
                         pp->peers.v[i].name, pp->peers.v[i].learned);
}

/* The perfdata label of a peer's handshake time. */
static void
time_label(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%.50s_time", name);
}

/* The result of peer i when it was checked, else NULL. */
static const struct mx_sim *
checked(const struct mx_prepared *pp, size_t i)
{
    return mx_prep_checked(&pp->e[i]) ? &pp->e[i].sim : NULL;
}

/* The first peer checked, with every one checked failing with the same
 * error (then that error, not a peer, is the news), or NULL. */
static const struct mx_sim *
all_same_error(const struct mx_prepared *pp)
{
    const struct mx_sim *s, *first = NULL;
    size_t i;

    for (i = 0; i < pp->peers.n; i++) {
        if ((s = checked(pp, i)) == NULL)
            continue;
        if (s->state != MX_SIM_ERROR)
            return NULL;
        if (first == NULL)
            first = s;
        else if (strcmp(s->err.msg, first->err.msg) != 0)
            return NULL;
    }
    return first;
}

/* The first peer checked when every one fails because the server fails
 * every handshake (then the server, not a peer, is the news), or NULL. */
static const struct mx_sim *
all_server_fails(const struct mx_prepared *pp)
{
    const struct mx_sim *s, *first = NULL;
    size_t i;

    for (i = 0; i < pp->peers.n; i++) {
        if ((s = checked(pp, i)) == NULL)
            continue;
        if (s->state != MX_SIM_FAIL || s->diag != MX_DIAG_SERVER)
            return NULL;
        if (first == NULL)
            first = s;
    }
    return first;
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

/* The result of peer i when it was checked, failed and is of severity
 * sev, else NULL. */
static const struct mx_sim *
failing(const struct mx_prepared *pp, size_t i, enum mx_state sev)
{
    const struct mx_sim *s = checked(pp, i);

    return s != NULL && s->state != MX_SIM_OK && pp->peers.v[i].severity == sev
               ? s
               : NULL;
}

static void
group_failures(struct mx_buf *b, const struct mx_prepared *pp,
               enum mx_state sev)
{
    const struct mx_sim *si, *sj;
    size_t i, j;
    int named, more, seen;

    for (i = 0; i < pp->peers.n; i++) {
        if ((si = failing(pp, i, sev)) == NULL)
            continue;
        seen = 0;
        for (j = 0; j < i && !seen; j++)
            seen = (sj = failing(pp, j, sev)) != NULL &&
                   strcmp(fail_cause(sj), fail_cause(si)) == 0;
        if (seen)
            continue;
        named = 0;
        more = 0;
        mx_buf_printf(b, "%s", b->len > 0 ? "; " : "");
        for (j = i; j < pp->peers.n; j++) {
            if ((sj = failing(pp, j, sev)) == NULL ||
                strcmp(fail_cause(sj), fail_cause(si)) != 0)
                continue;
            if (named < SUMMARY_NAMES) {
                mx_buf_printf(b, "%s%s", named > 0 ? ", " : "",
                              pp->peers.v[j].name);
                named++;
            } else {
                more++;
            }
        }
        if (more > 0)
            mx_buf_printf(b, " and %d more", more);
        mx_buf_printf(b, " (%s)", fail_cause(si));
    }
}

/* "; LEAD: a, b, c and 2 more" for the peers marked by mark (0: status
 * NO_PROFILE or BAD_PROFILE; 1: STALE; 2: delivered under MTA-STS in
 * testing, deferred once enforced, by d): the notes that a summary of
 * failing peers would otherwise hide. */
static int
marked(const struct mx_prepared *pp, const struct pdane *d, size_t i, int mark)
{
    switch (mark) {
    case 0:
        return !mx_prep_checked(&pp->e[i]);
    case 1:
        return pp->e[i].status == MX_PS_STALE;
    default:
        return mx_prep_checked(&pp->e[i]) && d->deferred != NULL &&
               d->deferred[i] == 2;
    }
}

static void
list_marked(struct mx_buf *b, const struct mx_prepared *pp,
            const struct pdane *d, int mark, const char *lead)
{
    const struct mx_peers *peers = &pp->peers;
    size_t i;
    int named = 0, more = 0;

    for (i = 0; i < peers->n; i++) {
        if (!marked(pp, d, i, mark))
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

/* How failing peers fail, by kind (kind[0]: cannot negotiate, [1]: would
 * defer mail, [3]: authentication not judged): "cannot negotiate", or
 * "fail (1 cannot negotiate, 1 would defer mail)" when mixed. */
static void
fail_lead(struct mx_buf *b, const int kind[4])
{
    static const char *const words[4] = {"cannot negotiate", "would defer mail",
                                         "", "could not be judged"};
    int k, nk = 0, one = 0, shown = 0;

    for (k = 0; k < 4; k++)
        if (kind[k] > 0) {
            nk++;
            one = k;
        }
    if (nk <= 1) {
        mx_buf_append(b, words[one]);
        return;
    }
    mx_buf_append(b, "fail (");
    for (k = 0; k < 4; k++)
        if (kind[k] > 0)
            mx_buf_printf(b, "%s%d %s", shown++ > 0 ? ", " : "", kind[k],
                          words[k]);
    mx_buf_append(b, ")");
}

/* What evaluate counts of the peers checked. */
struct tally {
    int ok, failed, total, ncrit, fcrit, nwarn, fwarn;
    int kinds[2][4]; /* failing [warning, critical] peers by fail_lead's kind */
    int64_t us_max;  /* the slowest working peer's handshake, -1: none */
};

/* The line of working peer p (its DANE note, if any), and its time in
 * the perfdata when per_peer. */
static void
working_peer(struct mx_check *chk, const struct mx_peer *p,
             const struct mx_sim *s, const char *note, int testing,
             int per_peer, struct tally *t)
{
    const struct mx_group *g = mx_group_by_code(s->group);
    /* MTA-STS in testing: delivered, deferred once enforced */
    enum mx_state st = testing ? MX_WARNING : MX_OK;
    struct mx_node *n;
    struct mx_perf pd;
    char label[64];

    n = mx_check_add(chk, NULL, st, "%s: %s %s%s%s%s%s, %.1f ms%s%s%s", p->name,
                     mx_version_name(s->version), mx_suite_name(s->suite),
                     g ? ", " : "", g ? g->display : "", s->cert[0] ? ", " : "",
                     s->cert[0] ? s->cert : "", (double)s->us / 1000.0,
                     s->engine == MX_ENGINE_RAW ? " (raw ClientHello)" : "",
                     note != NULL && note[0] ? "; " : "",
                     note != NULL ? note : "");
    if (st != MX_OK)
        mx_node_summary(n, "%s: %s", p->name, note != NULL ? note : "");
    t->ok++;
    if (s->us > t->us_max)
        t->us_max = s->us;
    if (!per_peer)
        return;
    memset(&pd, 0, sizeof(pd));
    time_label(p->name, label, sizeof(label));
    pd.label = label;
    pd.value = (double)s->us / 1e6;
    pd.uom = "s";
    mx_check_perf(chk, &pd);
}

/* The line of failing peer p: its severity, or the state the ranges give
 * (ranged, with -w/-c); a timeout and an UNKNOWN error keep their own. */
static void
failing_peer(const struct cfg *cfg, struct mx_check *chk,
             const struct mx_peer *p, const struct mx_sim *s, int kind,
             enum mx_state ranged, struct tally *t)
{
    enum mx_state st = cfg->have_warn || cfg->have_crit ? ranged : p->severity;
    struct mx_node *n;

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
        t->fcrit++;
    else
        t->fwarn++;
    t->kinds[p->severity == MX_CRITICAL][kind & 3]++;
}

/* The count of refused or cut-short handshakes, when there are any. */
static void
server_log_note(const struct mx_prepared *pp, struct mx_check *chk)
{
    size_t i;
    int probes = 0, refusals = 0;

    for (i = 0; i < pp->peers.n; i++)
        if (checked(pp, i) != NULL && !pp->e[i].sim.shared) {
            probes += pp->e[i].sim.probes;
            refusals += pp->e[i].sim.refusals;
        }
    if (refusals > 0)
        mx_check_add(chk, NULL, MX_OK,
                     "server log: %d of this run's %d handshake%s refused by "
                     "the server or cut short (each leaves an error there)",
                     refusals, probes, probes == 1 ? "" : "s");
}

/* The summary of the failing peers, by severity and cause. */
static void
failure_summary(const struct cfg *cfg, struct mx_check *chk,
                const struct mx_prepared *pp, const struct pdane *d,
                const struct tally *t, enum mx_state ranged)
{
    struct mx_buf crit = MX_BUF_INIT, warn = MX_BUF_INIT, b = MX_BUF_INIT;

    group_failures(&crit, pp, MX_CRITICAL);
    group_failures(&warn, pp, MX_WARNING);
    if (t->fcrit > 0) {
        mx_buf_printf(&b, "%d of %d critical peer%s ", t->fcrit, t->ncrit,
                      t->ncrit == 1 ? "" : "s");
        fail_lead(&b, t->kinds[1]);
        mx_buf_printf(&b, ": %s", mx_buf_str(&crit));
    }
    if (t->fwarn > 0) {
        mx_buf_printf(&b, "%s%d of %d warning peer%s ", b.len > 0 ? "; " : "",
                      t->fwarn, t->nwarn, t->nwarn == 1 ? "" : "s");
        fail_lead(&b, t->kinds[0]);
        mx_buf_printf(&b, ": %s", mx_buf_str(&warn));
    }
    list_marked(&b, pp, d, 0, "not checked, no usable profile");
    list_marked(&b, pp, d, 1, "stale profile");
    list_marked(&b, pp, d, 2, "deferred once MTA-STS is enforced");
    mx_check_summary(chk, cfg->have_warn || cfg->have_crit ? ranged : MX_OK,
                     "%s", mx_buf_str(&b));
    mx_buf_free(&b);
    mx_buf_free(&crit);
    mx_buf_free(&warn);
}

/* The totals in the perfdata (the peers' own times are working_peer's). */
static void
peers_perf(const struct cfg *cfg, struct mx_check *chk, const struct tally *t)
{
    struct mx_perf pd;

    memset(&pd, 0, sizeof(pd));
    pd.label = "peers_ok";
    pd.value = t->ok;
    pd.has_min = 1;
    mx_check_perf(chk, &pd);
    pd.label = "peers_failed";
    pd.value = t->failed;
    pd.warn = cfg->have_warn ? &cfg->warn : NULL;
    pd.crit = cfg->have_crit ? &cfg->crit : NULL;
    mx_check_perf(chk, &pd);
    pd.label = "peers_total";
    pd.value = t->total;
    pd.warn = pd.crit = NULL;
    mx_check_perf(chk, &pd);
    if (t->us_max >= 0) { /* the slowest working peer's handshake */
        memset(&pd, 0, sizeof(pd));
        pd.label = "peer_time_max";
        pd.value = (double)t->us_max / 1e6;
        pd.uom = "s";
        mx_check_perf(chk, &pd);
    }
}

static void
evaluate(const struct cfg *cfg, struct mx_check *chk,
         const struct mx_prepared *pp, const struct pdane *d)
{
    const struct mx_peers *peers = &pp->peers;
    const struct mx_sim *same, *server, *s;
    enum mx_state ranged = MX_OK;
    struct tally t;
    size_t i;
    int per_peer;

    memset(&t, 0, sizeof(t));
    t.us_max = -1;
    for (i = 0; i < peers->n; i++)
        if ((s = checked(pp, i)) != NULL) {
            t.total++;
            t.failed += s->state != MX_SIM_OK;
        }
    per_peer = t.total <= cfg->perf_peers;
    if (cfg->have_crit && mx_range_alert(&cfg->crit, t.failed))
        ranged = MX_CRITICAL;
    else if (cfg->have_warn && mx_range_alert(&cfg->warn, t.failed))
        ranged = MX_WARNING;

    same = all_same_error(pp);
    if (same != NULL)
        mx_check_summary(chk,
                         mx_err_state(same->err.code, cfg->std.timeout_state),
                         "%s", same->err.msg);
    server = all_server_fails(pp);
    if (server != NULL) /* once, CRITICAL whatever the peers' severities */
        mx_check_summary(chk, MX_CRITICAL,
                         "%s, even ones it should accept: check its "
                         "certificate/key configuration",
                         server->why);
    for (i = 0; i < peers->n; i++) {
        const struct mx_peer *p = &peers->v[i];
        if ((s = checked(pp, i)) == NULL)
            continue;
        if (p->severity == MX_CRITICAL)
            t.ncrit++;
        else
            t.nwarn++;
        if (s->state == MX_SIM_OK)
            working_peer(chk, p, s, d->note != NULL ? d->note[i] : NULL,
                         d->deferred != NULL && d->deferred[i] == 2, per_peer,
                         &t);
        else
            failing_peer(cfg, chk, p, s,
                         d->deferred != NULL ? d->deferred[i] : 0, ranged, &t);
    }
    server_log_note(pp, chk);
    if (t.failed > 0 && server == NULL && same == NULL)
        failure_summary(cfg, chk, pp, d, &t, ranged);
    if (t.total == 1)
        mx_check_ok_summary(chk, "%d of 1 peer negotiates", t.ok);
    else
        mx_check_ok_summary(chk, "%d of %d peers negotiate", t.ok, t.total);
    peers_perf(cfg, chk, &t);
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct mx_error err;
    struct mx_prep_opts po;
    struct mx_prepared pp;
    struct mx_probe_stats stats;
    struct mx_check *chk = NULL;
    struct mx_target t;
    struct mx_perf pd;
    struct pdane dane;
    struct psts sts;
    char **nargv = NULL;
    int nargc = 0, rc = MX_UNKNOWN;
    size_t i;
    int64_t t0 = mx_now_ms();

    memset(&cfg, 0, sizeof(cfg));
    memset(&pp, 0, sizeof(pp));
    memset(&stats, 0, sizeof(stats));
    memset(&dane, 0, sizeof(dane));
    memset(&sts, 0, sizeof(sts));
    mx_error_clear(&err);
    mx_std_init(&cfg.std, "check_tls_peers");
    cfg.peer_severity = MX_CRITICAL;
    cfg.cache_dir = MXTLS_CACHEDIR;
    cfg.max_age = DEFAULT_MAX_AGE;
    cfg.parallel = 8;
    cfg.perf_peers = PERF_PEERS;
    rc = mx_run_start(argc, argv, "check_tls_peers", LABEL, parse_args, help,
                      &cfg, &cfg.std, &nargc, &nargv);
    if (rc >= 0)
        goto out;
    rc = MX_UNKNOWN;
    if (cfg.list_clients) {
        chk = mx_check_new(LABEL);
        if (chk != NULL) {
            list_clients(chk);
            rc = mx_run_emit(chk);
        }
        goto out;
    }
    if (cfg.learn && !cfg.std.timeout_given)
        cfg.std.timeout = LEARN_TIMEOUT;
    prep_opts(&cfg, &po);
    if (mx_prep_load(&po, &pp, &err) != 0) {
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
        learn_traffic(&cfg, &pp.peers, chk);
        goto emit;
    }
    if (cfg.learn) {
        learn(&cfg, &pp.peers, chk);
        goto emit;
    }
    if (cfg.our_client != NULL) {
        struct mx_peers_outbound_cfg oc = {cfg.our_client, cfg.cache_dir,
                                           cfg.peers_file, cfg.max_age,
                                           cfg.max_age_given};
        mx_peers_outbound(&oc, &pp.peers, chk);
        goto emit;
    }
    mx_prep_profiles(&po, &pp, time(NULL));
    render_profiles(&cfg, &pp, chk);
    mx_run_target(&cfg.std, &t);
    /* simulate the peers that can run, in one scheduler run */
    if (mx_prep_simulate(&pp, &t, (int)cfg.parallel, cfg.std.sni, &stats,
                         &err) != 0) {
        mx_check_summary(chk, mx_err_state(err.code, cfg.std.timeout_state),
                         "%s", err.msg);
    } else {
        for (i = 0; i < pp.peers.n; i++) {
            if (!mx_prep_checked(&pp.e[i]) || pp.e[i].sim.state != MX_SIM_OK)
                continue;
            if (pp.peers.v[i].auth & MX_PEER_AUTH_DANE)
                dane.wanted = 1;
            if (pp.peers.v[i].auth & MX_PEER_AUTH_MTASTS)
                sts.wanted = 1;
        }
        if (dane.wanted || sts.wanted) {
            dane.note = calloc(pp.peers.n, sizeof(*dane.note));
            dane.deferred = calloc(pp.peers.n, sizeof(*dane.deferred));
            if (dane.note == NULL || dane.deferred == NULL) {
                mx_error_set(&err, MX_E_INTERNAL, "out of memory");
                rc = mx_run_usage_error(LABEL, &err);
                goto out;
            }
        }
        if (dane.wanted) {
            pdane_lookup(&cfg, &dane, t.deadline);
            for (i = 0; i < pp.peers.n; i++)
                if (mx_prep_checked(&pp.e[i]) &&
                    (pp.peers.v[i].auth & MX_PEER_AUTH_DANE) &&
                    pp.e[i].sim.state == MX_SIM_OK)
                    pdane_judge(&dane, i, &pp.e[i].sim);
            if (dane.rc == 0) {
                char why[700];
                mx_check_add(chk, NULL, MX_OK,
                             "DANE: TLSA %s: %s%s%s, %zu record%s, %zu "
                             "usable (trust anchor %s, server %s)",
                             dane.owner, mx_vres_status_name(dane.q.status),
                             dane.q.why[0] ? ": " : "", dane.q.why, dane.q.n,
                             dane.q.n == 1 ? "" : "s", dane.usable,
                             mx_vres_anchor(dane.vr), mx_vres_server(dane.vr));
                mx_tlsa_base_text(&dane.tb, why, sizeof(why));
                if (why[0] != '\0')
                    mx_check_add(chk, NULL, MX_OK, "DANE: %s", why);
            }
        }
        if (sts.wanted)
            psts_run(&cfg, &sts, &dane, chk, &pp, t.deadline);
        evaluate(&cfg, chk, &pp, &dane);
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
    pdane_free(&dane);
    psts_free(&sts);
    mx_prep_free(&pp);
    mx_argv_free(nargc, nargv);
    return rc;
}
