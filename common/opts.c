/*
 * opts.c - the options every mxtls plugin shares (--extra-opts itself is
 * expanded by extraopts.c).
 *
 * Error contract: every function returns 0 (mx_std_option: 1 or 0) on
 * success and -1 on failure, with err (when not NULL) holding MX_E_USAGE
 * and a one-line message that names the option or the file and line; an
 * allocation failure is MX_E_INTERNAL. Nothing here prints or exits, and
 * the strings stored in struct mx_std point into the caller's argv.
 *
 * Decisions the header leaves open:
 *   - -H is used verbatim. It gets SNI by default only when it is a name:
 *     anything containing ':' (IPv6, also "[::1]" or "fe80::1%eth0") and
 *     anything made of digits and dots only (IPv4, also "127.1") is an
 *     address literal and gets no SNI. --no-sni wins over --sni.
 *   - --ehlo and --sni refuse empty values, blanks and control characters
 *     (they end up in the SMTP dialogue and the handshake), and, like -H,
 *     values longer than 255 bytes (MX_NAME_MAX: no DNS name is longer,
 *     RFC 1035 2.3.4, and OpenSSL refuses a longer SNI).
 *   - -4 and -6: the last one given wins.
 *   - --extra-opts reaching mx_std_option means the plugin did not call
 *     mx_extra_opts first; that is an error rather than silently ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "opts.h"
#include "strnum.h"
#include "text.h"

void
mx_std_init(struct mx_std *std, const char *progname)
{
    memset(std, 0, sizeof(*std));
    std->progname = progname;
    std->timeout = MX_DEFAULT_TIMEOUT;
    std->timeout_state = MX_CRITICAL;
    std->family = AF_UNSPEC;
    std->dialect = MX_DIALECT_INVALID;
}

int
mx_parse_timeout(const char *s, double *secs, enum mx_state *st,
                 struct mx_error *err)
{
    char num[64];
    const char *colon, *why;
    enum mx_state state = MX_STATE_INVALID;
    size_t n;
    double v;

    if (s == NULL) {
        mx_error_set(err, MX_E_USAGE, "timeout is missing");
        return -1;
    }
    colon = strchr(s, ':');
    n = colon != NULL ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof(num)) {
        mx_error_set(err, MX_E_USAGE, "timeout \"%s\" is invalid", s);
        return -1;
    }
    memcpy(num, s, n);
    num[n] = '\0';
    if (mx_strtod(num, 0, MX_MAX_TIMEOUT, &v, &why) < 0) {
        mx_error_set(err, MX_E_USAGE, "timeout \"%s\" %s (0 < seconds <= %g)",
                     num, why, MX_MAX_TIMEOUT);
        return -1;
    }
    if (v <= 0) {
        mx_error_set(err, MX_E_USAGE,
                     "timeout \"%s\" must be more than 0 seconds", num);
        return -1;
    }
    if (colon != NULL) {
        state = mx_state_parse(colon + 1);
        if (state == MX_STATE_INVALID) {
            mx_error_set(err, MX_E_USAGE,
                         "timeout state \"%s\" is invalid (use ok, warning, "
                         "critical or unknown)",
                         colon + 1);
            return -1;
        }
    }
    *secs = v;
    if (state != MX_STATE_INVALID && st != NULL)
        *st = state;
    return 0;
}

int
mx_parse_port(const char *s, int *port, struct mx_error *err)
{
    long long v;
    const char *why;

    if (mx_strtonum(s, 1, 65535, &v, &why) < 0) {
        mx_error_set(err, MX_E_USAGE, "port \"%s\" %s (1..65535)",
                     s != NULL ? s : "", why);
        return -1;
    }
    *port = (int)v;
    return 0;
}

/* A name that may go into EHLO or SNI: not empty, no blanks or controls. */
static int
name_ok(const char *s)
{
    const unsigned char *p;

    if (s == NULL || *s == '\0')
        return 0;
    for (p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

/* An address literal (no SNI for it): see the comment at the top. */
static int
is_address_literal(const char *host)
{
    const char *p;

    if (strchr(host, ':') != NULL)
        return 1;
    for (p = host; *p != '\0'; p++)
        if (*p != '.' && (*p < '0' || *p > '9'))
            return 0;
    return 1;
}

/* 1 (with err) when a name given to opt is longer than any may be; why
 * says who says so. */
static int
too_long(const char *opt, const char *arg, const char *why,
         struct mx_error *err)
{
    if (strlen(arg) <= MX_NAME_MAX)
        return 0;
    mx_error_set(err, MX_E_USAGE, "%s: longer than %d bytes (%s)", opt,
                 MX_NAME_MAX, why);
    return 1;
}

/* A name for EHLO or SNI given to opt. 0 or -1. */
static int
name_arg(const char *opt, const char *arg, const char *why_long,
         struct mx_error *err)
{
    if (!name_ok(arg)) {
        mx_error_set(err, MX_E_USAGE,
                     "%s \"%s\" is invalid (empty or with blanks)", opt, arg);
        return -1;
    }
    return too_long(opt, arg, why_long, err) ? -1 : 0;
}

/* The options of mx_std_option that take an argument (arg not NULL). */
static int
std_arg(struct mx_std *std, int opt, const char *arg, struct mx_error *err)
{
    enum mx_state st;

    switch (opt) {
    case 't':
        if (mx_parse_timeout(arg, &std->timeout, &std->timeout_state, err) < 0)
            return -1;
        std->timeout_given = 1;
        break;
    case MX_OPT_TIMEOUT_RESULT:
        st = mx_state_parse(arg);
        if (st == MX_STATE_INVALID) {
            mx_error_set(err, MX_E_USAGE,
                         "--timeout-result \"%s\" is invalid (use ok, "
                         "warning, critical or unknown)",
                         arg);
            return -1;
        }
        std->timeout_state = st;
        break;
    case 'H':
        if (*arg == '\0') {
            mx_error_set(err, MX_E_USAGE, "-H needs a host name or address");
            return -1;
        }
        if (too_long("-H", arg, "no host name is", err))
            return -1;
        std->host = arg;
        break;
    case 'p':
        if (mx_parse_port(arg, &std->port, err) < 0)
            return -1;
        break;
    case 'S':
        if (mx_dialect_parse(arg) == MX_DIALECT_INVALID) {
            mx_error_set(err, MX_E_USAGE,
                         "--starttls \"%s\" is invalid (use smtp, lmtp, "
                         "imap, pop3 or none)",
                         arg);
            return -1;
        }
        std->dialect = mx_dialect_parse(arg);
        std->dialect_given = 1;
        break;
    case MX_OPT_EHLO:
        if (name_arg("--ehlo", arg, "RFC 5321 4.5.3.1.2", err) < 0)
            return -1;
        std->ehlo = arg;
        break;
    case MX_OPT_SNI:
        if (name_arg("--sni", arg, "no DNS name is", err) < 0)
            return -1;
        std->sni = arg;
        std->sni_given = 1;
        break;
    }
    return 1;
}

int
mx_std_option(struct mx_std *std, int opt, const char *arg,
              struct mx_error *err)
{
    switch (opt) {
    case 'h':
        std->want_help = 1;
        return 1;
    case 'V':
        std->want_version = 1;
        return 1;
    case 'v':
        if (std->verbosity < 3)
            std->verbosity++;
        return 1;
    case '4':
        std->family = AF_INET;
        return 1;
    case '6':
        std->family = AF_INET6;
        return 1;
    case MX_OPT_NO_SNI:
        std->no_sni = 1;
        return 1;
    case MX_OPT_EXTRA_OPTS:
        mx_error_set(err, MX_E_USAGE,
                     "--extra-opts was not expanded (write it in full: "
                     "--extra-opts=[section][@file])");
        return -1;
    case 't':
    case MX_OPT_TIMEOUT_RESULT:
    case 'H':
    case 'p':
    case 'S':
    case MX_OPT_EHLO:
    case MX_OPT_SNI:
        break;
    default:
        return 0;
    }
    /* The options with a required argument. */
    if (arg == NULL) {
        mx_error_set(err, MX_E_USAGE, "an option needs an argument");
        return -1;
    }
    return std_arg(std, opt, arg, err);
}

int
mx_std_finish(struct mx_std *std, struct mx_error *err)
{
    if (!std->dialect_given || std->dialect == MX_DIALECT_INVALID)
        std->dialect =
            std->port != 0 ? mx_dialect_for_port(std->port) : MX_DIALECT_SMTP;
    if (std->port == 0)
        std->port = mx_dialect_default_port(std->dialect);

    if (std->no_sni)
        std->sni = NULL;
    else if (!std->sni_given)
        std->sni = std->host != NULL && !is_address_literal(std->host)
                       ? std->host
                       : NULL;

    if (std->host == NULL && !std->want_help && !std->want_version &&
        !std->host_optional) {
        mx_error_set(err, MX_E_USAGE, "no host given (use -H)");
        return -1;
    }
    return 0;
}

int
mx_parse_duration(const char *s, const char *what, long *secs,
                  struct mx_error *err)
{
    static const struct {
        char suffix;
        long long factor;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
    char num[32];
    const char *errstr;
    long long v, factor = 1;
    size_t n = s != NULL ? strlen(s) : 0, i;

    if (n > 0 && n < sizeof(num)) {
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (s[n - 1] == units[i].suffix) {
                factor = units[i].factor;
                n--;
                break;
            }
        memcpy(num, s, n);
        num[n] = '\0';
        if (n > 0 &&
            mx_strtonum(num, 1, 315360000LL / factor, &v, &errstr) == 0) {
            *secs = (long)(v * factor);
            return 0;
        }
    }
    mx_error_set(err, MX_E_USAGE,
                 "%s%s'%.30s' is not a duration (seconds, or a number with "
                 "s, m, h, d or w; at most 10 years)",
                 what != NULL ? what : "", what != NULL ? ": " : "",
                 s != NULL ? s : "");
    return -1;
}

int
mx_parse_bounded(const char *s, const char *name, long long lo, long long hi,
                 long long *out, struct mx_error *err)
{
    const char *why;

    if (mx_strtonum(s, lo, hi, out, &why) != 0) {
        mx_error_set(err, MX_E_USAGE, "%s: '%.20s' %s (%lld..%lld)", name, s,
                     why, lo, hi);
        return -1;
    }
    return 0;
}

void
mx_std_help(struct mx_buf *b)
{
    mx_buf_append(b, " -h, --help\n"
                     "    Print detailed help screen\n"
                     " -V, --version\n"
                     "    Print version information\n"
                     " --extra-opts=[section][@file]\n"
                     "    Read options from an ini file (the section defaults "
                     "to the plugin name).\n"
                     "    See https://www.monitoring-plugins.org/doc/"
                     "extra-opts.html\n"
                     " -v, --verbose\n"
                     "    Show details for command-line debugging (up to three "
                     "times: -vvv)\n"
                     " -t, --timeout=SECONDS[:STATE]\n");
    mx_buf_printf(b,
                  "    Seconds before the check gives up (default: %g, at "
                  "most %g); STATE is\n"
                  "    the result on a timeout (default: CRITICAL)\n",
                  MX_DEFAULT_TIMEOUT, MX_MAX_TIMEOUT);
    mx_buf_append(b,
                  " --timeout-result=STATE\n"
                  "    Result on a timeout: OK, WARNING, CRITICAL or UNKNOWN "
                  "(default: CRITICAL)\n"
                  " -H, --hostname=ADDRESS\n"
                  "    Host name, IPv4 or IPv6 address of the server "
                  "(required)\n"
                  " -p, --port=INTEGER\n"
                  "    Port number (default: from --starttls: smtp 25, lmtp "
                  "24, imap 143,\n"
                  "    pop3 110, none 465)\n"
                  " -4, --ipv4\n"
                  "    Connect over IPv4 only\n"
                  " -6, --ipv6\n"
                  "    Connect over IPv6 only\n"
                  " -S, --starttls=smtp|lmtp|imap|pop3|none\n"
                  "    Protocol spoken before TLS; none (also smtps, "
                  "submissions) is TLS from\n"
                  "    the first byte (default: from --port: none for 465, "
                  "993 and 995, imap\n"
                  "    for 143, pop3 for 110, smtp for any other)\n"
                  " --ehlo=NAME\n"
                  "    Name sent with EHLO or LHLO (default: the local host "
                  "name)\n"
                  " --sni=NAME\n"
                  "    Server name sent in the TLS handshake (default: the -H "
                  "name; none for\n"
                  "    an IP address)\n"
                  " --no-sni\n"
                  "    Send no server name in the TLS handshake\n");
}
