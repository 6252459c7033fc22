/*
 * test_opts.c - the standard options, their help text, and --extra-opts.
 *
 * Options go through getopt_long over real argument vectors, as in a
 * plugin. Ini files are written with mkstemp under /tmp and removed at the
 * end. The default-location search is tested through MP_CONFIG_FILE and
 * NAGIOS_CONFIG_PATH only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opts.h"
#include "tap.h"

static const struct option std_longopts[] = {MX_STD_LONGOPTS,
                                             {NULL, 0, NULL, 0}};

/* Parse an argument vector as a plugin does. Returns what went wrong:
 * 0 fine, -1 a standard option refused (or finish failed), -2 an option
 * that is not standard. */
static int
run_argv(struct mx_std *std, struct mx_error *err, char **argv, int finish)
{
    int argc = 0, opt, rc;

    while (argv[argc] != NULL)
        argc++;
    optind = 0; /* glibc: full reinitialisation */
    opterr = 0;
    mx_std_init(std, "check_test");
    mx_error_clear(err);
    while ((opt = getopt_long(argc, argv, MX_STD_SHORTOPTS, std_longopts,
                              NULL)) != -1) {
        rc = mx_std_option(std, opt, optarg, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return -2;
    }
    return finish ? mx_std_finish(std, err) : 0;
}

#define RUN(std, err, ...) \
    run_argv(std, err, (char *[]){"check_test", __VA_ARGS__, NULL}, 1)
#define RUN_NOFINISH(std, err, ...) \
    run_argv(std, err, (char *[]){"check_test", __VA_ARGS__, NULL}, 0)

static void
test_init(void)
{
    struct mx_std std;

    mx_std_init(&std, "check_x");
    tap_is_str(std.progname, "check_x", "init: progname");
    tap_is_num(std.timeout, 10, "init: timeout 10 s");
    tap_is_int(std.timeout_state, MX_CRITICAL, "init: timeout CRITICAL");
    tap_is_int(std.verbosity, 0, "init: not verbose");
    tap_is_int(std.family, AF_UNSPEC, "init: any address family");
    tap_is_int(std.port, 0, "init: no port yet");
    tap_ok(std.host == NULL && std.sni == NULL && std.ehlo == NULL,
           "init: no host, SNI, EHLO name");
    tap_ok(!std.no_sni && !std.want_help && !std.want_version,
           "init: flags off");
}

static void
test_short_and_long(void)
{
    struct mx_std std;
    struct mx_error err;

    tap_is_int(RUN(&std, &err, "-H", "mx.example.org", "-p", "587", "-S",
                   "smtp", "-t", "5", "-4", "-v"),
               0, "short options");
    tap_is_str(std.host, "mx.example.org", "-H");
    tap_is_int(std.port, 587, "-p");
    tap_is_int(std.dialect, MX_DIALECT_SMTP, "-S");
    tap_is_num(std.timeout, 5, "-t");
    tap_is_int(std.family, AF_INET, "-4");
    tap_is_int(std.verbosity, 1, "-v");

    tap_is_int(RUN(&std, &err, "--hostname=imap.example.org", "--port=993",
                   "--starttls=none", "--timeout=7.5",
                   "--timeout-result=unknown", "--ipv6", "--verbose",
                   "--verbose", "--ehlo=client.example", "--sni=other.example"),
               0, "long options");
    tap_is_str(std.host, "imap.example.org", "--hostname");
    tap_is_int(std.port, 993, "--port");
    tap_is_int(std.dialect, MX_DIALECT_NONE, "--starttls");
    tap_is_num(std.timeout, 7.5, "--timeout");
    tap_is_int(std.timeout_state, MX_UNKNOWN, "--timeout-result");
    tap_is_int(std.family, AF_INET6, "--ipv6");
    tap_is_int(std.verbosity, 2, "--verbose twice");
    tap_is_str(std.ehlo, "client.example", "--ehlo");
    tap_is_str(std.sni, "other.example", "--sni");

    tap_is_int(RUN(&std, &err, "--hostname", "h.example", "--no-sni"), 0,
               "--no-sni");
    tap_is_int(std.no_sni, 1, "--no-sni is set");
    tap_ok(std.sni == NULL, "--no-sni: no SNI");

    tap_is_int(RUN(&std, &err, "-4", "-6", "-H", "h"), 0, "-4 -6");
    tap_is_int(std.family, AF_INET6, "-4 -6: the last one wins");
    tap_is_int(RUN(&std, &err, "-6", "-4", "-H", "h"), 0, "-6 -4");
    tap_is_int(std.family, AF_INET, "-6 -4: the last one wins");

    tap_is_int(RUN(&std, &err, "-H", "a", "-H", "b"), 0, "-H twice");
    tap_is_str(std.host, "b", "-H twice: the last one wins");
}

static void
test_verbose(void)
{
    struct mx_std std;
    struct mx_error err;

    RUN(&std, &err, "-H", "h", "-vv");
    tap_is_int(std.verbosity, 2, "-vv");
    RUN(&std, &err, "-H", "h", "-vvv");
    tap_is_int(std.verbosity, 3, "-vvv");
    RUN(&std, &err, "-H", "h", "-vvvv", "-v", "--verbose");
    tap_is_int(std.verbosity, 3, "-v is capped at 3");
    RUN(&std, &err, "-v", "-H", "h", "-v");
    tap_is_int(std.verbosity, 2, "-v anywhere");
}

static void
test_help_version(void)
{
    struct mx_std std;
    struct mx_error err;

    tap_is_int(RUN(&std, &err, "-h"), 0, "-h without -H is fine");
    tap_is_int(std.want_help, 1, "-h sets want_help");
    tap_is_int(std.want_version, 0, "-h does not set want_version");
    tap_is_int(RUN(&std, &err, "--version"), 0, "--version without -H");
    tap_is_int(std.want_version, 1, "--version sets want_version");
    tap_is_int(RUN(&std, &err, "--help"), 0, "--help");
    tap_is_int(std.want_help, 1, "--help sets want_help");
    tap_is_int(RUN(&std, &err, "-V"), 0, "-V");
    tap_is_int(std.want_version, 1, "-V sets want_version");

    tap_is_int(RUN(&std, &err, "-v"), -1, "no -H is an error");
    tap_is_int(err.code, MX_E_USAGE, "no -H: usage error");
    tap_is_str(err.msg, "no host given (use -H)", "no -H: message");
    tap_is_int(RUN(&std, &err, "-H", ""), -1, "-H \"\" is an error");
    tap_is_str(err.msg, "-H needs a host name or address", "-H \"\": message");
}

static void
test_timeout(void)
{
    static const struct {
        char *arg;
        const char *msg;
    } bad[] = {
        {"0", "timeout \"0\" must be more than 0 seconds"},
        {"0.0", "timeout \"0.0\" must be more than 0 seconds"},
        {"-1", "timeout \"-1\" is too small (0 < seconds <= 3600)"},
        {"abc", "timeout \"abc\" is invalid (0 < seconds <= 3600)"},
        {"3601", "timeout \"3601\" is too large (0 < seconds <= 3600)"},
        {"3600.5", "timeout \"3600.5\" is too large (0 < seconds <= 3600)"},
        {"", "timeout \"\" is invalid (0 < seconds <= 3600)"},
        {"1e2", "timeout \"1e2\" is invalid (0 < seconds <= 3600)"},
        {" 10", "timeout \" 10\" is invalid (0 < seconds <= 3600)"},
        {":5", "timeout \"\" is invalid (0 < seconds <= 3600)"},
        {"10:bogus", "timeout state \"bogus\" is invalid (use ok, warning, "
                     "critical or unknown)"},
        {"10:", "timeout state \"\" is invalid (use ok, warning, critical "
                "or unknown)"},
        {"10:4", "timeout state \"4\" is invalid (use ok, warning, critical "
                 "or unknown)"},
        {"10:UNKNOWN:x", "timeout state \"UNKNOWN:x\" is invalid (use ok, "
                         "warning, critical or unknown)"},
    };
    struct mx_std std;
    struct mx_error err;
    enum mx_state st;
    double secs;
    char name[96];
    size_t i;

    RUN(&std, &err, "-H", "h", "-t", "10");
    tap_is_num(std.timeout, 10, "-t 10");
    tap_is_int(std.timeout_state, MX_CRITICAL, "-t 10 keeps CRITICAL");
    RUN(&std, &err, "-H", "h", "-t", "0.5");
    tap_is_num(std.timeout, 0.5, "-t 0.5");
    RUN(&std, &err, "-H", "h", "-t", "3600");
    tap_is_num(std.timeout, 3600, "-t 3600 is the maximum");
    RUN(&std, &err, "-H", "h", "-t", "10:UNKNOWN");
    tap_is_num(std.timeout, 10, "-t 10:UNKNOWN seconds");
    tap_is_int(std.timeout_state, MX_UNKNOWN, "-t 10:UNKNOWN state");
    RUN(&std, &err, "-H", "h", "-t", "10:warning");
    tap_is_int(std.timeout_state, MX_WARNING, "-t 10:warning");
    RUN(&std, &err, "-H", "h", "-t", "20:0");
    tap_is_int(std.timeout_state, MX_OK, "-t 20:0");
    RUN(&std, &err, "-H", "h", "-t", "20:crit");
    tap_is_int(std.timeout_state, MX_CRITICAL, "-t 20:crit");

    RUN(&std, &err, "-H", "h", "--timeout-result=unknown", "-t", "10");
    tap_is_int(std.timeout_state, MX_UNKNOWN,
               "-t without state keeps --timeout-result");
    RUN(&std, &err, "-H", "h", "--timeout-result=unknown", "-t", "10:warn");
    tap_is_int(std.timeout_state, MX_WARNING,
               "-t with state after --timeout-result wins");

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "-t \"%s\" is refused", bad[i].arg);
        tap_is_int(RUN(&std, &err, "-H", "h", "-t", bad[i].arg), -1, name);
        snprintf(name, sizeof(name), "-t \"%s\" message", bad[i].arg);
        tap_is_str(err.msg, bad[i].msg, name);
        tap_is_int(err.code, MX_E_USAGE, "and it is a usage error");
    }

    st = MX_WARNING;
    secs = 1;
    tap_is_int(mx_parse_timeout("30", &secs, &st, &err), 0,
               "mx_parse_timeout 30");
    tap_is_num(secs, 30, "mx_parse_timeout 30: seconds");
    tap_is_int(st, MX_WARNING, "mx_parse_timeout 30: state untouched");
    tap_is_int(mx_parse_timeout("abc", &secs, &st, &err), -1,
               "mx_parse_timeout abc");
    tap_is_num(secs, 30, "mx_parse_timeout abc: seconds untouched");
    tap_is_int(mx_parse_timeout("10:bogus", &secs, &st, &err), -1,
               "mx_parse_timeout 10:bogus");
    tap_is_num(secs, 30, "mx_parse_timeout 10:bogus: seconds untouched");
}

static void
test_timeout_result(void)
{
    static const struct {
        const char *arg;
        enum mx_state want;
    } good[] = {
        {"ok", MX_OK},
        {"OK", MX_OK},
        {"warning", MX_WARNING},
        {"Warn", MX_WARNING},
        {"critical", MX_CRITICAL},
        {"CRIT", MX_CRITICAL},
        {"unknown", MX_UNKNOWN},
        {"0", MX_OK},
        {"1", MX_WARNING},
        {"2", MX_CRITICAL},
        {"3", MX_UNKNOWN},
    };
    static const char *const bad[] = {"5", "-1", "bogus", "", "unk"};
    struct mx_std std;
    struct mx_error err;
    char name[96], msg[160];
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(name, sizeof(name), "--timeout-result=%s", good[i].arg);
        snprintf(msg, sizeof(msg), "--timeout-result=%s", good[i].arg);
        tap_is_int(RUN(&std, &err, "-H", "h", msg), 0, name);
        tap_is_int(std.timeout_state, good[i].want, name);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "--timeout-result=%s is refused", bad[i]);
        snprintf(msg, sizeof(msg), "--timeout-result=%s", bad[i]);
        tap_is_int(RUN(&std, &err, "-H", "h", msg), -1, name);
        snprintf(msg, sizeof(msg),
                 "--timeout-result \"%s\" is invalid (use ok, warning, "
                 "critical or unknown)",
                 bad[i]);
        tap_is_str(err.msg, msg, name);
    }
}

static void
test_port(void)
{
    static char *const bad[] = {"0",   "65536", "25x",  "-25", "",
                                " 25", "25 ",   "0x19", "1e2", "2.5"};
    struct mx_std std;
    struct mx_error err;
    char name[96], msg[160];
    size_t i;
    int port = 7;

    tap_is_int(RUN(&std, &err, "-H", "h", "-p", "1"), 0, "-p 1");
    tap_is_int(std.port, 1, "-p 1 value");
    tap_is_int(RUN(&std, &err, "-H", "h", "-p", "65535"), 0, "-p 65535");
    tap_is_int(std.port, 65535, "-p 65535 value");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "-p \"%s\" is refused", bad[i]);
        tap_is_int(RUN(&std, &err, "-H", "h", "-p", bad[i]), -1, name);
    }
    RUN(&std, &err, "-H", "h", "-p", "25x");
    tap_is_str(err.msg, "port \"25x\" is invalid (1..65535)", "-p 25x msg");
    RUN(&std, &err, "-H", "h", "-p", "0");
    tap_is_str(err.msg, "port \"0\" is too small (1..65535)", "-p 0 msg");
    RUN(&std, &err, "-H", "h", "-p", "65536");
    tap_is_str(err.msg, "port \"65536\" is too large (1..65535)",
               "-p 65536 msg");
    tap_is_int(mx_parse_port("x", &port, &err), -1, "mx_parse_port x");
    tap_is_int(port, 7, "mx_parse_port leaves the port on error");
    snprintf(msg, sizeof(msg), "%d", 443);
    tap_is_int(mx_parse_port(msg, &port, &err), 0, "mx_parse_port 443");
    tap_is_int(port, 443, "mx_parse_port 443 value");
}

static void
test_starttls(void)
{
    static const struct {
        char *arg;
        enum mx_dialect want;
        int port;
    } good[] = {
        {"smtp", MX_DIALECT_SMTP, 25},   {"lmtp", MX_DIALECT_LMTP, 24},
        {"imap", MX_DIALECT_IMAP, 143},  {"pop3", MX_DIALECT_POP3, 110},
        {"none", MX_DIALECT_NONE, 465},  {"IMAP", MX_DIALECT_IMAP, 143},
        {"Pop3", MX_DIALECT_POP3, 110},  {"SMTP", MX_DIALECT_SMTP, 25},
        {"smtps", MX_DIALECT_NONE, 465}, {"submissions", MX_DIALECT_NONE, 465},
        {"SMTPS", MX_DIALECT_NONE, 465},
    };
    static char *const bad[] = {"imaps", "", "tls", "pop", "smtp "};
    struct mx_std std;
    struct mx_error err;
    char name[96], msg[160];
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(name, sizeof(name), "-S %s", good[i].arg);
        tap_is_int(RUN(&std, &err, "-H", "h", "-S", good[i].arg), 0, name);
        tap_is_int(std.dialect, good[i].want, name);
        snprintf(name, sizeof(name), "-S %s: default port", good[i].arg);
        tap_is_int(std.port, good[i].port, name);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "-S \"%s\" is refused", bad[i]);
        tap_is_int(RUN(&std, &err, "-H", "h", "-S", bad[i]), -1, name);
        snprintf(msg, sizeof(msg),
                 "--starttls \"%s\" is invalid (use smtp, lmtp, imap, pop3 "
                 "or none)",
                 bad[i]);
        tap_is_str(err.msg, msg, name);
    }
}

static void
test_defaults(void)
{
    static const struct {
        char *port;
        enum mx_dialect want;
    } ports[] = {
        {"465", MX_DIALECT_NONE}, {"993", MX_DIALECT_NONE},
        {"995", MX_DIALECT_NONE}, {"143", MX_DIALECT_IMAP},
        {"110", MX_DIALECT_POP3}, {"587", MX_DIALECT_SMTP},
        {"25", MX_DIALECT_SMTP},  {"24", MX_DIALECT_SMTP},
    };
    struct mx_std std;
    struct mx_error err;
    char name[96];
    size_t i;

    tap_is_int(RUN(&std, &err, "-H", "mx.example.org"), 0, "only -H");
    tap_is_int(std.port, 25, "default port 25");
    tap_is_int(std.dialect, MX_DIALECT_SMTP, "default dialect smtp");
    tap_is_num(std.timeout, 10, "default timeout");
    tap_ok(std.ehlo == NULL, "default EHLO name: none given");

    for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        snprintf(name, sizeof(name), "-p %s: dialect %s", ports[i].port,
                 mx_dialect_name(ports[i].want));
        RUN(&std, &err, "-H", "h", "-p", ports[i].port);
        tap_is_int(std.dialect, ports[i].want, name);
    }
    RUN(&std, &err, "-H", "h", "-p", "465");
    tap_is_int(std.port, 465, "-p 465 keeps the port");
    RUN(&std, &err, "-H", "h", "-S", "imap");
    tap_is_int(std.port, 143, "-S imap: port 143");
    RUN(&std, &err, "-H", "h", "-S", "smtp", "-p", "465");
    tap_is_int(std.dialect, MX_DIALECT_SMTP, "-S smtp -p 465: smtp");
    tap_is_int(std.port, 465, "-S smtp -p 465: port 465");
    RUN(&std, &err, "-H", "h", "-p", "2525", "-S", "none");
    tap_is_int(std.dialect, MX_DIALECT_NONE, "-p 2525 -S none: none");
    tap_is_int(std.port, 2525, "-p 2525 -S none: port 2525");
}

static void
test_sni(void)
{
    static const struct {
        char *host;
        const char *sni;
    } cases[] = {
        {"mx.example.org", "mx.example.org"},
        {"localhost", "localhost"},
        {"MX.Example.ORG", "MX.Example.ORG"},
        {"host-1.example", "host-1.example"},
        {"127.0.0.1", NULL},
        {"192.0.2.10", NULL},
        {"127.1", NULL},
        {"::1", NULL},
        {"2001:db8::25", NULL},
        {"[::1]", NULL},
        {"fe80::1%eth0", NULL},
        {"::ffff:192.0.2.1", NULL},
    };
    struct mx_std std;
    struct mx_error err;
    char name[96];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "-H %s: SNI %s", cases[i].host,
                 cases[i].sni ? cases[i].sni : "none");
        RUN(&std, &err, "-H", cases[i].host);
        tap_is_str(std.sni, cases[i].sni, name);
        snprintf(name, sizeof(name), "-H %s is kept verbatim", cases[i].host);
        tap_is_str(std.host, cases[i].host, name);
    }
    RUN(&std, &err, "-H", "127.0.0.1", "--sni=mx.example.org");
    tap_is_str(std.sni, "mx.example.org", "--sni for an address");
    RUN(&std, &err, "-H", "a.example", "--sni", "b.example");
    tap_is_str(std.sni, "b.example", "--sni overrides -H");
    RUN(&std, &err, "-H", "a.example", "--sni=b.example", "--no-sni");
    tap_ok(std.sni == NULL, "--no-sni after --sni wins");
    RUN(&std, &err, "--no-sni", "-H", "a.example", "--sni=b.example");
    tap_ok(std.sni == NULL, "--no-sni before --sni wins");
    RUN(&std, &err, "--no-sni", "-H", "a.example");
    tap_ok(std.sni == NULL, "--no-sni with a name");

    tap_is_int(RUN(&std, &err, "-H", "h", "--sni="), -1, "--sni= refused");
    tap_is_str(err.msg, "--sni \"\" is invalid (empty or with blanks)",
               "--sni= message");
    tap_is_int(RUN(&std, &err, "-H", "h", "--sni=a b"), -1,
               "--sni with a blank refused");
    tap_is_int(RUN(&std, &err, "-H", "h", "--ehlo=a\r\nQUIT"), -1,
               "--ehlo with CR LF refused");
    tap_is_str(err.msg, "--ehlo \"a??QUIT\" is invalid (empty or with blanks)",
               "--ehlo message, CR LF censored");
    {
        char longname[300];

        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        longname[255] = '\0';
        tap_is_int(RUN(&std, &err, "-H", "h", "--sni", longname), 0,
                   "--sni of 255 bytes taken");
        tap_is_int(RUN(&std, &err, "-H", "h", "--ehlo", longname), 0,
                   "--ehlo of 255 bytes taken");
        tap_is_int(RUN(&std, &err, "-H", longname), 0, "-H of 255 bytes taken");
        longname[255] = 'a';
        longname[256] = '\0';
        tap_is_int(RUN(&std, &err, "-H", "h", "--sni", longname), -1,
                   "--sni of 256 bytes refused");
        tap_is_str(err.msg, "--sni: longer than 255 bytes (no DNS name is)",
                   "--sni of 256 bytes: the option named");
        tap_is_int(RUN(&std, &err, "-H", "h", "--ehlo", longname), -1,
                   "--ehlo of 256 bytes refused");
        tap_is_str(err.msg,
                   "--ehlo: longer than 255 bytes (RFC 5321 4.5.3.1.2)",
                   "--ehlo of 256 bytes: the option named");
        tap_is_int(RUN(&std, &err, "-H", longname), -1,
                   "-H of 256 bytes refused");
        tap_is_str(err.msg, "-H: longer than 255 bytes (no host name is)",
                   "-H of 256 bytes: the option named");
    }
    tap_is_int(RUN(&std, &err, "-H", "h", "--timeout-result",
                   "ok\nTLS CERT OK - x\r\x1b[2J\x7f"),
               -1, "--timeout-result with LF, CR, ESC, DEL refused");
    tap_is_str(err.msg,
               "--timeout-result \"ok?TLS CERT OK - x??[2J?\" is invalid "
               "(use ok, warning, critical or unknown)",
               "--timeout-result: every control character censored");
    tap_is_int(RUN(&std, &err, "-H", "h", "-S", "smtp\n\x1b"), -1,
               "-S with LF and ESC refused");
    tap_ok(strchr(err.msg, '\n') == NULL && strchr(err.msg, 0x1b) == NULL,
           "-S: no LF, no ESC in the message");
    tap_is_int(RUN(&std, &err, "-H", "h", "--ehlo", ""), -1,
               "--ehlo \"\" refused");
    tap_is_int(RUN(&std, &err, "-H", "h", "--ehlo=[192.0.2.1]"), 0,
               "--ehlo with an address literal");
    tap_is_str(std.ehlo, "[192.0.2.1]", "--ehlo value");
}

static void
test_not_standard(void)
{
    struct mx_std std;
    struct mx_error err;

    mx_std_init(&std, "check_test");
    mx_error_clear(&err);
    tap_is_int(mx_std_option(&std, 'x', NULL, &err), 0, "'x' is not ours");
    tap_is_int(mx_std_option(&std, '?', NULL, &err), 0, "'?' is not ours");
    tap_is_int(mx_std_option(&std, ':', NULL, &err), 0, "':' is not ours");
    tap_is_int(mx_std_option(&std, MX_OPT_PLUGIN, "x", &err), 0,
               "MX_OPT_PLUGIN is not ours");
    tap_is_int(mx_std_option(&std, MX_OPT_PLUGIN + 5, NULL, &err), 0,
               "MX_OPT_PLUGIN + 5 is not ours");
    tap_is_int(err.code, MX_E_OK, "and no error for them");
    tap_is_int(mx_std_option(&std, 'h', NULL, &err), 1, "'h' is ours");
    tap_is_int(std.want_help, 1, "'h' sets want_help");
    tap_is_int(mx_std_option(&std, 'V', NULL, &err), 1, "'V' is ours");
    tap_is_int(std.want_version, 1, "'V' sets want_version");
    tap_is_int(mx_std_option(&std, 'H', NULL, &err), -1,
               "'H' without an argument");

    tap_is_int(RUN(&std, &err, "-H", "h", "-x"), -2,
               "an unknown option goes back to the plugin");
    tap_is_int(RUN(&std, &err, "-H", "h", "--extra-opts=x@/nonexistent"), -1,
               "an unexpanded --extra-opts is an error");
    tap_is_str(err.msg,
               "--extra-opts was not expanded (write it in full: "
               "--extra-opts=[section][@file])",
               "an unexpanded --extra-opts: message");
}

static void
test_help(void)
{
    struct mx_buf b = MX_BUF_INIT;
    struct mx_buf want = MX_BUF_INIT;
    const char *s, *line, *nl;
    size_t i, n = 0, maxlen = 0;
    int lines_ok = 1, layout_ok = 1;
    char name[96];

    mx_std_help(&b);
    s = mx_buf_str(&b);
    tap_ok(b.len > 0 && s[b.len - 1] == '\n', "help ends with a newline");
    for (line = s; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        if ((size_t)(nl - line) > maxlen)
            maxlen = (size_t)(nl - line);
        /* An option line (" -x" or " --x") is followed by a description
         * line indented by four spaces; other lines are descriptions. */
        if (strncmp(line, " -", 2) == 0) {
            if (strncmp(nl + 1, "    ", 4) != 0 || nl[5] == ' ')
                layout_ok = 0;
        } else if (strncmp(line, "    ", 4) != 0 || line[4] == ' ') {
            lines_ok = 0;
        }
    }
    if (!tap_ok(maxlen <= 80, "every help line fits in 80 columns"))
        printf("#   longest line: %zu\n", maxlen);
    tap_ok(layout_ok, "every option line has a description below it");
    tap_ok(lines_ok, "every other line is an indented description");

    for (i = 0; std_longopts[i].name != NULL; i++) {
        const struct option *o = &std_longopts[i];

        mx_buf_reset(&want);
        if (o->val < 128)
            mx_buf_printf(&want, " -%c, --%s", o->val, o->name);
        else
            mx_buf_printf(&want, " --%s", o->name);
        mx_buf_append(&want, o->has_arg == no_argument         ? "\n"
                             : o->has_arg == required_argument ? "="
                                                               : "=[");
        snprintf(name, sizeof(name), "help shows %s", mx_buf_str(&want));
        if (name[strlen(name) - 1] == '\n')
            name[strlen(name) - 1] = '\0';
        tap_ok(strstr(s, mx_buf_str(&want)) != NULL, name);
        n++;
    }
    tap_is_int((long long)n, 14, "the table has 14 standard options");
    tap_ok(strstr(s, " -H, --hostname=ADDRESS\n    ") != NULL,
           "monitoring-plugins layout for -H");
    mx_buf_free(&want);
    mx_buf_free(&b);
}

/* ---- --extra-opts ---------------------------------------------------- */

static char tmp_files[32][64];
static size_t ntmp_files;
static char tmp_dirs[8][64];
static size_t ntmp_dirs;

static const char *
tmp_ini(const char *content)
{
    char *path = tmp_files[ntmp_files];
    size_t len = strlen(content);
    int fd;

    snprintf(path, 64, "/tmp/mxtls-test-ini-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
        printf("# cannot write %s: %s\n", path, strerror(errno));
        exit(99);
    }
    close(fd);
    ntmp_files++;
    return path;
}

static const char *
tmp_dir(void)
{
    char *path = tmp_dirs[ntmp_dirs];

    snprintf(path, 64, "/tmp/mxtls-test-dir-XXXXXX");
    if (mkdtemp(path) == NULL) {
        printf("# cannot make a directory: %s\n", strerror(errno));
        exit(99);
    }
    ntmp_dirs++;
    return path;
}

/* Write content into dir/name (removed at the end). */
static void
tmp_ini_in(const char *dir, const char *name, const char *content)
{
    char *path = tmp_files[ntmp_files];
    FILE *f;

    snprintf(path, 64, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL || fputs(content, f) == EOF || fclose(f) != 0) {
        printf("# cannot write %s\n", path);
        exit(99);
    }
    ntmp_files++;
}

static void
cleanup(void)
{
    size_t i;

    for (i = 0; i < ntmp_files; i++)
        unlink(tmp_files[i]);
    for (i = 0; i < ntmp_dirs; i++)
        rmdir(tmp_dirs[i]);
}

/* Expand argv and return it joined with '|' (or "ERROR: msg"). */
static const char *
expand(struct mx_buf *out, const char *section, char **argv)
{
    struct mx_error err;
    char **nargv = (char **)1;
    int argc = 0, nargc = -1, i;

    while (argv[argc] != NULL)
        argc++;
    mx_buf_reset(out);
    mx_error_clear(&err);
    if (mx_extra_opts(argc, argv, section, &nargc, &nargv, &err) < 0) {
        mx_buf_printf(out, "ERROR %s: %s", mx_err_name(err.code), err.msg);
        if (nargv != NULL || nargc != 0)
            mx_buf_append(out, " (and an output vector)");
        return mx_buf_str(out);
    }
    for (i = 0; i < nargc; i++) {
        if (i > 0)
            mx_buf_append(out, "|");
        mx_buf_append(out, nargv[i]);
        if (i < argc && nargv[i] == argv[i])
            mx_buf_append(out, "(not copied)");
    }
    if (nargv[nargc] != NULL)
        mx_buf_append(out, "(not NULL-terminated)");
    mx_argv_free(nargc, nargv);
    return mx_buf_str(out);
}

#define EXPAND(out, section, ...) \
    expand(out, section, (char *[]){"check_test", __VA_ARGS__, NULL})

static const char main_ini[] = "# a comment\n"
                               "; another comment\n"
                               "\n"
                               "[check_test]\n"
                               "  w = 5  \n"
                               "port=465\n"
                               "\tverbose\t\n"
                               "v\n"
                               "\n"
                               "[other]\n"
                               "hostname = other.example\n"
                               "starttls= imap\n"
                               "  # indented comment\n"
                               "timeout-result =\n"
                               "\n"
                               "[check_test]\n"
                               "c=10\n";

static void
test_extra_opts_basic(void)
{
    struct mx_buf out = MX_BUF_INIT, arg = MX_BUF_INIT, arg2 = MX_BUF_INIT;
    const char *f = tmp_ini(main_ini);
    char *a;

    tap_is_str(EXPAND(&out, "check_test", "-H", "x", "-p", "25"),
               "check_test|-H|x|-p|25", "no --extra-opts: a plain copy");
    tap_is_str(expand(&out, "check_test", (char *[]){"check_test", NULL}),
               "check_test", "argv[0] alone");

    mx_buf_printf(&arg, "--extra-opts=@%s", f);
    a = arg.s;
    tap_is_str(EXPAND(&out, "check_test", "-H", "x", a),
               "check_test|-w|5|--port=465|--verbose|-v|-c|10|-H|x",
               "@file: the plugin's section, before the command line");

    mx_buf_reset(&arg);
    mx_buf_printf(&arg, "--extra-opts=other@%s", f);
    a = arg.s;
    tap_is_str(EXPAND(&out, "check_test", a, "-p", "25"),
               "check_test|--hostname=other.example|--starttls=imap|"
               "--timeout-result=|-p|25",
               "section@file");

    mx_buf_printf(&arg2, "--extra-opts=check_test@%s", f);
    tap_is_str(EXPAND(&out, "check_test", a, "-p", "25", arg2.s, "-v"),
               "check_test|--hostname=other.example|--starttls=imap|"
               "--timeout-result=|-w|5|--port=465|--verbose|-v|-c|10|-p|25|-v",
               "several --extra-opts, in the order given");

    mx_buf_reset(&arg);
    mx_buf_printf(&arg, "--extra-opts=@%s", f);
    tap_is_str(
        expand(&out, NULL,
               (char *[]){"/usr/lib/nagios/plugins/check_test", arg.s, NULL}),
        "/usr/lib/nagios/plugins/check_test|-w|5|--port=465|"
        "--verbose|-v|-c|10",
        "no default section: the program's base name");
    tap_is_str(expand(&out, "", (char *[]){"check_test", arg.s, NULL}),
               "check_test|-w|5|--port=465|--verbose|-v|-c|10",
               "empty default section: the program's base name");

    mx_buf_reset(&arg2);
    mx_buf_printf(&arg2, "check_test|-H|x|--|%s|y", arg.s);
    tap_is_str(EXPAND(&out, "check_test", "-H", "x", "--", arg.s, "y"),
               mx_buf_str(&arg2), "arguments after \"--\" stay as they are");

    tap_is_str(EXPAND(&out, "check_test", "--extra-optsx", "-v"),
               "check_test|--extra-optsx|-v",
               "only --extra-opts itself is taken");

    mx_buf_free(&arg);
    mx_buf_free(&arg2);
    mx_buf_free(&out);
}

static void
test_extra_opts_format(void)
{
    struct mx_buf out = MX_BUF_INIT, arg = MX_BUF_INIT;
    const char *f;

    f = tmp_ini("[check_test]\r\n"
                "  ehlo   =   client example   \r\n"
                "t =\r\n"
                "sni=a=b\r\n"
                "[ spaced ]\n"
                "x-y_z = 1\n"
                "[check_test]");
    mx_buf_printf(&arg, "--extra-opts=@%s", f);
    tap_is_str(EXPAND(&out, "check_test", arg.s),
               "check_test|--ehlo=client example|-t||--sni=a=b",
               "trimming, CR LF, empty values, '=' in values, no final LF");
    mx_buf_reset(&arg);
    mx_buf_printf(&arg, "--extra-opts=spaced@%s", f);
    tap_is_str(EXPAND(&out, "check_test", arg.s), "check_test|--x-y_z=1",
               "a section name with blanks around it");

    f = tmp_ini("[check_test]\n[next]\nv\n");
    mx_buf_reset(&arg);
    mx_buf_printf(&arg, "--extra-opts=@%s", f);
    tap_is_str(EXPAND(&out, "check_test", arg.s, "-v"), "check_test|-v",
               "an empty section adds nothing");

    mx_buf_free(&arg);
    mx_buf_free(&out);
}

static void
bad_ini(const char *content, const char *spec_section, const char *want_fmt,
        const char *name)
{
    struct mx_buf out = MX_BUF_INIT, arg = MX_BUF_INIT, want = MX_BUF_INIT;
    const char *f = tmp_ini(content);

    mx_buf_printf(&arg, "--extra-opts=%s@%s", spec_section, f);
    mx_buf_printf(&want, want_fmt, f);
    tap_is_str(EXPAND(&out, "check_test", "-H", "h", arg.s), mx_buf_str(&want),
               name);
    mx_buf_free(&out);
    mx_buf_free(&arg);
    mx_buf_free(&want);
}

/* The ini reader's bounds: a regular file (never a FIFO, which would
 * block, or a device like /dev/zero, which never ends), at most 1 MiB,
 * lines of at most 4096 bytes, no NUL. */
static void
test_extra_opts_bounds(void)
{
    struct mx_buf out = MX_BUF_INIT, text = MX_BUF_INIT, want = MX_BUF_INIT;
    char fifo[64], **v = NULL;
    const char *f;
    int n = 0, i;

    tap_is_str(EXPAND(&out, "check_test", "--extra-opts=@/dev/zero"),
               "ERROR usage: --extra-opts: /dev/zero: a character device, "
               "not a regular file",
               "/dev/zero refused before it is read");
    snprintf(fifo, sizeof(fifo), "%s/fifo.ini", tmp_dir());
    if (mkfifo(fifo, 0600) != 0) {
        printf("# mkfifo %s: %s\n", fifo, strerror(errno));
        exit(99);
    }
    mx_buf_printf(&want,
                  "ERROR usage: --extra-opts: %s: a FIFO, not a "
                  "regular file",
                  fifo);
    mx_buf_printf(&text, "--extra-opts=@%s", fifo);
    tap_is_str(EXPAND(&out, "check_test", text.s), want.s,
               "a FIFO refused at once (no writer: opening it would block)");
    unlink(fifo);

    mx_buf_reset(&text);
    mx_buf_append(&text, "[check_test]\n# ");
    for (i = 0; i < 4094; i++)
        mx_buf_append(&text, "x");
    mx_buf_append(&text, "\nv\n");
    f = tmp_ini(text.s);
    mx_buf_reset(&want);
    mx_buf_printf(&want, "--extra-opts=@%s", f);
    tap_is_str(EXPAND(&out, "check_test", want.s), "check_test|-v",
               "a line of 4096 bytes is read");
    mx_buf_reset(&text);
    mx_buf_append(&text, "[check_test]\n# ");
    for (i = 0; i < 4095; i++)
        mx_buf_append(&text, "x");
    mx_buf_append(&text, "\n");
    bad_ini(text.s, "", "ERROR usage: %s:2: line longer than 4096 bytes",
            "a line of 4097 bytes");

    mx_buf_reset(&text);
    mx_buf_append(&text, "[check_test]\n");
    while (text.len <= 1024 * 1024)
        mx_buf_append(&text, "# filler filler filler filler filler filler\n");
    bad_ini(text.s, "", "ERROR usage: --extra-opts: %s: larger than 1 MiB",
            "a file over 1 MiB");

    tap_is_int(
        mx_extra_opts_parse("[s]\nw=1\0\nc=2\n", 14, "mem", "s", &n, &v, NULL),
        -1, "in memory: a NUL byte in a line refused");
    tap_is_int(mx_extra_opts_parse("[s]\nw = 1\n[t]\nx\n[s]\nv", 21, "mem", "s",
                                   &n, &v, NULL),
               0, "in memory: parsed");
    tap_ok(n == 4 && strcmp(v[0], "") == 0 && strcmp(v[1], "-w") == 0 &&
               strcmp(v[2], "1") == 0 && v[3] != NULL &&
               strcmp(v[3], "-v") == 0 && v[4] == NULL,
           "in memory: \"\", the section's options in order");
    mx_argv_free(n, v);
    mx_buf_free(&out);
    mx_buf_free(&text);
    mx_buf_free(&want);
}

static void
test_extra_opts_errors(void)
{
    struct mx_buf out = MX_BUF_INIT;

    bad_ini("w=5\n[check_test]\nc=1\n", "",
            "ERROR usage: %s:1: text before the first [section]",
            "text before the first section");
    bad_ini("# comment\n\nv\n[check_test]\n", "",
            "ERROR usage: %s:3: text before the first [section]",
            "a flag before the first section, after comments");
    bad_ini("[check_test]\nw=1\n=5\n", "",
            "ERROR usage: %s:3: no option name before '='",
            "a line starting with '='");
    bad_ini("[check_test]\n  = 5\n", "",
            "ERROR usage: %s:2: no option name before '='",
            "a line with blanks before '='");
    bad_ini("[other]\nx=1\n", "", "ERROR usage: %s: no section [check_test]",
            "the default section is missing");
    bad_ini("[other]\nx=1\n", "nosuch", "ERROR usage: %s: no section [nosuch]",
            "the named section is missing");
    bad_ini("", "", "ERROR usage: %s: no section [check_test]",
            "an empty file");
    bad_ini("[check_test\nx=1\n", "",
            "ERROR usage: %s:1: section header without ']'",
            "a section header without ']'");
    bad_ini("[check_test]\n[ ]\n", "", "ERROR usage: %s:2: empty section name",
            "an empty section name");
    bad_ini("[check_test]\nmy key = 1\n", "",
            "ERROR usage: %s:2: bad option name \"my key\"",
            "a blank inside the option name");
    bad_ini("[check_test]\n--port = 1\n", "",
            "ERROR usage: %s:2: bad option name \"--port\"",
            "dashes before the option name");
    bad_ini("[check_test]\nv\n[other]\nx\n=1\n", "",
            "ERROR usage: %s:5: no option name before '='",
            "an error in another section fails too");

    tap_is_str(
        EXPAND(&out, "check_test", "--extra-opts=@/nonexistent/mxtls-test.ini"),
        "ERROR usage: --extra-opts: /nonexistent/mxtls-test.ini: cannot "
        "open: No such file or directory",
        "an unreadable file");
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts=@/tmp"),
               "ERROR usage: --extra-opts: /tmp: a directory, not a regular "
               "file",
               "a directory");
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts=check_test@"),
               "ERROR usage: --extra-opts=check_test@: no file name after "
               "'@'",
               "an empty file name after '@'");
    mx_buf_free(&out);
}

static void
test_extra_opts_locations(void)
{
    struct mx_buf out = MX_BUF_INIT, want = MX_BUF_INIT;
    const char *mp, *d1, *d2, *d3, *missing;
    char path[128];

    mp = tmp_ini("[check_test]\nv\n[other]\nport=2\n");
    d1 = tmp_dir();
    d2 = tmp_dir();
    d3 = tmp_dir();
    tmp_ini_in(d2, "nagios-plugins.ini", "[check_test]\nport=22\n");
    tmp_ini_in(d3, "plugins.ini", "[check_test]\nport=33\n");
    tmp_ini_in(d3, "nagios-plugins.ini", "[check_test]\nport=34\n");
    snprintf(path, sizeof(path), "%s:%s:%s", d1, d2, d3);

    setenv("MP_CONFIG_FILE", mp, 1);
    setenv("NAGIOS_CONFIG_PATH", path, 1);
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts", "-H", "h"),
               "check_test|-v|-H|h",
               "MP_CONFIG_FILE comes first; default section");
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts=other"),
               "check_test|--port=2", "MP_CONFIG_FILE with a section");
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts="), "check_test|-v",
               "--extra-opts= is the default section");

    setenv("MP_CONFIG_FILE", "/nonexistent/mxtls-test.ini", 1);
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts"),
               "check_test|--port=22",
               "a missing MP_CONFIG_FILE is skipped; the first directory "
               "of NAGIOS_CONFIG_PATH with a file wins");
    unsetenv("MP_CONFIG_FILE");
    snprintf(path, sizeof(path), "%s::%s", d3, d2);
    setenv("NAGIOS_CONFIG_PATH", path, 1);
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts"),
               "check_test|--port=33",
               "plugins.ini before nagios-plugins.ini in one directory");

    mx_buf_printf(&want, "ERROR usage: %s/plugins.ini: no section [nosuch]",
                  d3);
    tap_is_str(EXPAND(&out, "check_test", "--extra-opts=nosuch"),
               mx_buf_str(&want), "a missing section in the found file");

    /* Nothing in the environment: the result depends on the system's
     * files, which this test must not fake. */
    missing = "/nonexistent/mxtls-test.ini";
    setenv("MP_CONFIG_FILE", missing, 1);
    setenv("NAGIOS_CONFIG_PATH", d1, 1);
    EXPAND(&out, "check_test", "--extra-opts");
    if (strncmp(mx_buf_str(&out), "ERROR", 5) == 0)
        tap_is_str(mx_buf_str(&out),
                   "ERROR usage: --extra-opts: no ini file found in the "
                   "default locations",
                   "no ini file anywhere");
    else
        printf("# a system-wide plugins ini file exists; the not-found "
               "case was not checked\n");
    unsetenv("MP_CONFIG_FILE");
    unsetenv("NAGIOS_CONFIG_PATH");
    mx_buf_free(&want);
    mx_buf_free(&out);
}

/* The whole chain: ini options first, so the command line wins. */
static void
test_extra_opts_with_getopt(void)
{
    struct mx_buf arg = MX_BUF_INIT;
    struct mx_std std;
    struct mx_error err;
    char **nargv = NULL;
    int nargc = 0;
    const char *f = tmp_ini("[check_test]\n"
                            "hostname = ini.example\n"
                            "port = 465\n"
                            "t = 20:unknown\n"
                            "v\n"
                            "verbose\n");

    mx_buf_printf(&arg, "--extra-opts=@%s", f);
    tap_is_int(mx_extra_opts(
                   5, (char *[]){"check_test", "-p", "587", arg.s, "-v", NULL},
                   "check_test", &nargc, &nargv, &err),
               0, "expand for getopt");
    tap_is_int(nargc, 10, "ten arguments");
    tap_is_int(run_argv(&std, &err, nargv, 1), 0, "getopt over the result");
    tap_is_str(std.host, "ini.example", "-H from the ini file");
    tap_is_int(std.port, 587, "-p on the command line wins");
    tap_is_int(std.dialect, MX_DIALECT_SMTP, "and the dialect follows it");
    tap_is_num(std.timeout, 20, "-t from the ini file");
    tap_is_int(std.timeout_state, MX_UNKNOWN, "its state too");
    tap_is_int(std.verbosity, 3, "-v from both add up");
    mx_argv_free(nargc, nargv);
    mx_argv_free(0, NULL);
    mx_buf_free(&arg);
}

int
main(void)
{
    atexit(cleanup);
    test_init();
    test_short_and_long();
    test_verbose();
    test_help_version();
    test_timeout();
    test_timeout_result();
    test_port();
    test_starttls();
    test_defaults();
    test_sni();
    test_not_standard();
    test_help();
    test_extra_opts_basic();
    test_extra_opts_format();
    test_extra_opts_errors();
    test_extra_opts_bounds();
    test_extra_opts_locations();
    test_extra_opts_with_getopt();
    return tap_done();
}
