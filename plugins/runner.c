/*
 * runner.c - the shared main() chores of the plugins (see runner.h).
 *
 * Output goes to stdout in one write so that a monitoring system never
 * sees half a result; -v lines go to stderr as they happen.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "runner.h"

/* When the run started (mx_now_ms), -1 before mx_run_start: the -t
 * deadline counts from here, before any option or file is read. */
static int64_t run_start_ms = -1;

/* -v lines, with control characters censored like the result's. */
static void
stderr_sink(void *arg, int level, const char *line)
{
    const unsigned char *p;

    (void)arg;
    (void)level;
    for (p = (const unsigned char *)line; *p != '\0'; p++)
        putc(*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
    putc('\n', stderr);
}

int
mx_run_options(int argc, char **argv, const char *shortopts,
               const struct option *longopts, mx_opt_fn fn, void *cfg,
               struct mx_std *std, struct mx_error *err)
{
    static const struct option stdopts[] = {MX_STD_LONGOPTS};
    struct option all[sizeof(stdopts) / sizeof(stdopts[0]) + 33];
    char shorts[64];
    size_t n = 0, i;
    int c, rc, li;

    for (i = 0; i < sizeof(stdopts) / sizeof(stdopts[0]); i++)
        all[n++] = stdopts[i];
    for (i = 0; longopts != NULL && longopts[i].name != NULL && i < 32; i++)
        all[n++] = longopts[i];
    memset(&all[n], 0, sizeof(all[n]));
    if (snprintf(shorts, sizeof(shorts), "%s%s", MX_STD_SHORTOPTS,
                 shortopts != NULL ? shortopts : "") >= (int)sizeof(shorts)) {
        mx_error_set(err, MX_E_INTERNAL, "too many short options");
        return -1;
    }
    opterr = 0;
    optind = 0;
    while ((li = -1, c = getopt_long(argc, argv, shorts, all, &li)) != -1) {
        if (c == '?') {
            if (optopt != 0 && optopt < 256)
                mx_error_set(err, MX_E_USAGE,
                             "unknown option or missing value: -%c (see "
                             "--help)",
                             optopt);
            else
                mx_error_set(err, MX_E_USAGE,
                             "unknown option or missing value: %.60s (see "
                             "--help)",
                             argv[optind - 1]);
            return -1;
        }
        rc = fn != NULL ? fn(c, optarg, cfg, err) : 0;
        if (rc == 0)
            rc = mx_std_option(std, c, optarg, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            mx_error_set(err, MX_E_USAGE, "unhandled option (see --help)");
            return -1;
        }
        /* No option takes an empty value: "--match=" is a mistake, not a
         * name, whatever the plugin's own checks let through. */
        if (optarg != NULL && optarg[0] == '\0') {
            if (li >= 0)
                mx_error_set(err, MX_E_USAGE, "--%s: empty value (see --help)",
                             all[li].name);
            else
                mx_error_set(err, MX_E_USAGE, "-%c: empty value (see --help)",
                             c);
            return -1;
        }
    }
    if (optind < argc) {
        mx_error_set(err, MX_E_USAGE,
                     "unexpected argument '%.60s' (see --help)", argv[optind]);
        return -1;
    }
    return mx_std_finish(std, err);
}

void
mx_run_verbose(int verbosity)
{
    /* A server that closes while we write must give an error, not
     * SIGPIPE (OpenSSL writes to its socket with write(2)). */
    signal(SIGPIPE, SIG_IGN);
    if (verbosity > 0)
        mx_log_set(stderr_sink, NULL, verbosity);
}

int
mx_run_start(int argc, char **argv, const char *progname, const char *label,
             mx_parse_fn parse, mx_help_fn help, void *cfg,
             const struct mx_std *std, int *nargc, char ***nargv)
{
    struct mx_buf hb = MX_BUF_INIT;
    struct mx_error err;
    int rc;

    /* The deadline's first half: its start. -t is not known yet (it may
     * be in the --extra-opts file); mx_run_deadline adds it. */
    run_start_ms = mx_now_ms();
    mx_error_clear(&err);
    *nargc = 0;
    *nargv = NULL;
    if (mx_extra_opts(argc, argv, progname, nargc, nargv, &err) != 0 ||
        parse(*nargc, *nargv, cfg, &err) != 0)
        return mx_run_usage_error(label, &err);
    if (std->want_help) {
        help(&hb);
        rc = mx_run_help(&hb);
        mx_buf_free(&hb);
        return rc;
    }
    if (std->want_version)
        return mx_run_version(progname);
    mx_run_verbose(std->verbosity);
    return -1;
}

int
mx_run_usage_error(const char *label, const struct mx_error *err)
{
    struct mx_check *c = mx_check_new(label);

    /* The one output path: rendered like every result, so censored the
     * same way (control characters, '|'), whatever err holds. */
    mx_check_summary(c, MX_UNKNOWN, "%s", err->msg);
    mx_run_emit(c);
    mx_check_free(c);
    return MX_UNKNOWN;
}

int
mx_run_version(const char *progname)
{
    printf("%s (%s %s)\n", progname, PACKAGE_NAME, PACKAGE_VERSION);
    return MX_OK;
}

int
mx_run_help(const struct mx_buf *help)
{
    fputs(mx_buf_str(help), stdout);
    return MX_OK;
}

void
mx_run_target(const struct mx_std *std, struct mx_target *t)
{
    memset(t, 0, sizeof(*t));
    t->host = std->host;
    t->port = std->port;
    t->family = std->family;
    t->app.dialect = std->dialect;
    t->app.helo_name = std->ehlo;
    t->deadline = mx_run_deadline(std);
}

struct mx_deadline
mx_run_deadline(const struct mx_std *std)
{
    if (run_start_ms < 0)
        return mx_deadline_in(std->timeout);
    return mx_deadline_from(run_start_ms, std->timeout);
}

int
mx_run_emit(const struct mx_check *c)
{
    struct mx_buf out = MX_BUF_INIT;
    enum mx_state st;

    st = mx_check_render(c, &out);
    if (mx_buf_failed(&out)) {
        mx_buf_free(&out);
        fputs("UNKNOWN - out of memory\n", stdout);
        return MX_UNKNOWN;
    }
    fwrite(out.s, 1, out.len, stdout);
    fflush(stdout);
    mx_buf_free(&out);
    return (int)st;
}
