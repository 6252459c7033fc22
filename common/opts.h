/*
 * opts.h - the options every mxtls plugin shares, and --extra-opts.
 *
 * Standard options (the ones every Nagios administrator knows):
 *   -h/--help, -V/--version, -v/--verbose (repeatable, up to 3),
 *   -t/--timeout=SECONDS[:STATE], --timeout-result=STATE,
 *   -H/--hostname, -p/--port, -4/--ipv4, -6/--ipv6,
 *   -S/--starttls=smtp|lmtp|imap|pop3|none, --ehlo=NAME,
 *   --sni=NAME, --no-sni, --extra-opts=[section][@file].
 *
 * A plugin puts MX_STD_SHORTOPTS and MX_STD_LONGOPTS into its getopt_long
 * tables, hands every option it does not know itself to mx_std_option(),
 * and calls mx_std_finish() once all options are read. Plugin-specific
 * long-only options use codes from MX_OPT_PLUGIN upwards.
 *
 * --extra-opts follows the monitoring-plugins ini semantics: the argument
 * is [section][@file]; the section defaults to the plugin name; without a
 * file the standard locations are searched. Options from the ini file are
 * placed before all command-line options, whatever their position, so the
 * command line wins for single-valued options.
 *
 * Errors fill a struct mx_error with MX_E_USAGE and a one-line message;
 * nothing here prints or exits.
 */
#ifndef MX_OPTS_H
#define MX_OPTS_H

#include <getopt.h>

#include "buf.h"
#include "dialect.h"
#include "err.h"
#include "state.h"

enum {
    MX_OPT_TIMEOUT_RESULT = 1000,
    MX_OPT_EXTRA_OPTS,
    MX_OPT_EHLO,
    MX_OPT_SNI,
    MX_OPT_NO_SNI,
    MX_OPT_PLUGIN = 2000
};

#define MX_STD_SHORTOPTS "hVvt:H:p:46S:"

#define MX_STD_LONGOPTS                                                     \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},  \
        {"verbose", no_argument, NULL, 'v'},                                \
        {"timeout", required_argument, NULL, 't'},                          \
        {"timeout-result", required_argument, NULL, MX_OPT_TIMEOUT_RESULT}, \
        {"hostname", required_argument, NULL, 'H'},                         \
        {"port", required_argument, NULL, 'p'},                             \
        {"ipv4", no_argument, NULL, '4'}, {"ipv6", no_argument, NULL, '6'}, \
        {"starttls", required_argument, NULL, 'S'},                         \
        {"ehlo", required_argument, NULL, MX_OPT_EHLO},                     \
        {"sni", required_argument, NULL, MX_OPT_SNI},                       \
        {"no-sni", no_argument, NULL, MX_OPT_NO_SNI},                       \
    {                                                                       \
        "extra-opts", optional_argument, NULL, MX_OPT_EXTRA_OPTS            \
    }

#define MX_DEFAULT_TIMEOUT 10.0
#define MX_NAME_MAX        255 /* longest -H, --ehlo, --sni */
#define MX_MAX_TIMEOUT     3600.0

struct mx_std {
    const char *progname;
    int verbosity;               /* number of -v, at most 3 */
    double timeout;              /* seconds; MX_DEFAULT_TIMEOUT */
    enum mx_state timeout_state; /* MX_CRITICAL unless told otherwise */
    const char *host;            /* -H; required */
    int port;                    /* -p; after finish: never 0 */
    int family;                  /* AF_UNSPEC, AF_INET or AF_INET6 */
    enum mx_dialect dialect;     /* after finish: never INVALID */
    const char *ehlo;            /* NULL: the local host name */
    const char *sni;             /* after finish: NULL means send none */
    int no_sni;
    int want_help;
    int want_version;
    int dialect_given; /* internal: -S seen */
    int sni_given;     /* internal: --sni seen */
    int timeout_given; /* -t seen (a plugin may have its own default) */
    int host_optional; /* set before parsing: -H is not required */
};

void mx_std_init(struct mx_std *std, const char *progname);

/*
 * Handle one option returned by getopt_long. Returns 1 if it was a
 * standard option and was accepted, 0 if it is not a standard option (the
 * plugin's own, or '?'), -1 if it is a standard option with a bad value
 * (err says which and why).
 */
int mx_std_option(struct mx_std *std, int opt, const char *arg,
                  struct mx_error *err);

/*
 * After all options: check what is required (-H unless --help/--version),
 * fill defaults (dialect from the port or smtp, port from the dialect, SNI
 * from -H when it is a name and not an address literal). 0 or -1.
 */
int mx_std_finish(struct mx_std *std, struct mx_error *err);

/* The --help text of the standard options, 80 columns. */
void mx_std_help(struct mx_buf *b);

/*
 * Parse "SECONDS" or "SECONDS:STATE" (decimal seconds, 0 < s <= 3600).
 * 0 or -1 with err set.
 */
int mx_parse_timeout(const char *s, double *secs, enum mx_state *st,
                     struct mx_error *err);

/*
 * Parse a duration: a number of seconds, or a number with a suffix s, m,
 * h, d or w ("30d"); 1 second to 10 years. 0 or -1 with err (what, if
 * not NULL, names the option or key at the start of the message).
 */
int mx_parse_duration(const char *s, const char *what, long *secs,
                      struct mx_error *err);

/* Parse a whole number lo..hi given to option name: 0, or -1 with err
 * ("--parallel: '0' is too small (1..64)"). */
int mx_parse_bounded(const char *s, const char *name, long long lo,
                     long long hi, long long *out, struct mx_error *err);

/* Parse a TCP port 1..65535. */
int mx_parse_port(const char *s, int *port, struct mx_error *err);

/*
 * Expand --extra-opts: returns in *nargv a new NULL-terminated argument
 * vector (argv[0], the options read from the ini sections in the order
 * they were named, then the remaining command-line arguments without the
 * --extra-opts ones) and its length in *nargc. Free with mx_argv_free.
 * Without any --extra-opts the result is a plain copy. 0 or -1; on error
 * the message names the file and the line.
 *
 * The ini format: [section] headers; "key = value" lines become
 * "--key=value" ("-k value" for one-letter keys); a line "key" alone
 * becomes "--key"; blank lines and lines starting with '#' or ';' are
 * ignored; surrounding blanks are trimmed. Text before the first section,
 * a line starting with '=', a missing section, an unreadable file: errors.
 * The file is read by mx_file_read (common/file.h): a regular file of at
 * most 1 MiB ("--extra-opts: PATH: a FIFO, not a regular file"), lines
 * of at most 4096 bytes, no NUL bytes.
 *
 * Default file search, first found wins: $MP_CONFIG_FILE; plugins.ini or
 * nagios-plugins.ini in each directory of $NAGIOS_CONFIG_PATH;
 * /usr/local/etc/monitoring-plugins/monitoring-plugins.ini,
 * /etc/monitoring-plugins/monitoring-plugins.ini,
 * /usr/local/etc/monitoring-plugins.ini, /etc/monitoring-plugins.ini,
 * /etc/nagios/plugins.ini, /usr/local/nagios/etc/plugins.ini,
 * /usr/local/etc/nagios/plugins.ini, /etc/opt/nagios/plugins.ini,
 * /etc/nagios-plugins.ini, /usr/local/etc/nagios-plugins.ini,
 * /etc/opt/nagios-plugins.ini.
 */
int mx_extra_opts(int argc, char *const argv[], const char *default_section,
                  int *nargc, char ***nargv, struct mx_error *err);
void mx_argv_free(int argc, char **argv);

/* The options of section in an ini text of len bytes (the part of
 * mx_extra_opts after the file is read; path is for messages): *nargv
 * gets "" (argv[0]'s place) and the options, as mx_extra_opts puts them.
 * Free with mx_argv_free. 0 or -1. */
int mx_extra_opts_parse(const char *text, size_t len, const char *path,
                        const char *section, int *nargc, char ***nargv,
                        struct mx_error *err);

#endif
