/*
 * runner.c - the shared main() chores of the plugins (see runner.h).
 *
 * Output goes to stdout in one write so that a monitoring system never
 * sees half a result; -v lines go to stderr as they happen.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "runner.h"

static void
stderr_sink(void *arg, int level, const char *line)
{
    (void)arg;
    (void)level;
    fprintf(stderr, "%s\n", line);
}

void
mx_run_verbose(int verbosity)
{
    if (verbosity > 0)
        mx_log_set(stderr_sink, NULL, verbosity);
}

int
mx_run_usage_error(const char *label, const struct mx_error *err)
{
    printf("%s UNKNOWN - %s\n", label, err->msg);
    fflush(stdout);
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
    t->deadline = mx_deadline_in(std->timeout);
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
