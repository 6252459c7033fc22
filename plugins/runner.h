/*
 * runner.h - what every mxtls plugin's main() does the same way: read
 * --extra-opts, print --help/--version, send -v diagnostics to stderr,
 * turn the standard options into a probe target, and write the result.
 *
 * This is plugin code (it prints and decides exit codes), not library
 * code: common/ stays silent.
 */
#ifndef MX_RUNNER_H
#define MX_RUNNER_H

#include <getopt.h>

#include "buf.h"
#include "err.h"
#include "opts.h"
#include "probe.h"
#include "result.h"

/*
 * A plugin's own options: fn gets every option getopt_long returns that
 * is not a standard one; it returns 1 (taken), 0 (not mine) or -1 (bad
 * value, err set).
 */
typedef int (*mx_opt_fn)(int opt, const char *arg, void *cfg,
                         struct mx_error *err);

/*
 * Parse argv: the standard options (opts.h) plus the plugin's short
 * letters and NULL-terminated long options (at most 32). Unknown options,
 * missing values and stray arguments are USAGE errors naming them; at the
 * end mx_std_finish() runs. 0 or -1.
 */
int mx_run_options(int argc, char **argv, const char *shortopts,
                   const struct option *longopts, mx_opt_fn fn, void *cfg,
                   struct mx_std *std, struct mx_error *err);

/* A plugin's whole command line: parse argv into cfg (mx_run_options
 * underneath); 0 or -1 with err set. */
typedef int (*mx_parse_fn)(int argc, char **argv, void *cfg,
                           struct mx_error *err);

/* Append a plugin's --help text. */
typedef void (*mx_help_fn)(struct mx_buf *b);

/*
 * The start of every plugin (call it first: the run's deadline counts
 * from here): the options of --extra-opts (section
 * progname) before argv, parsed by parse into cfg (whose standard options
 * are std); --help and --version answered; the -v sink installed. Returns
 * -1 when the plugin goes on, else the exit code to return (a usage error,
 * help or version was printed). nargc and nargv get the merged arguments,
 * which cfg may point into: free them with mx_argv_free() at the end,
 * whatever this returned.
 */
int mx_run_start(int argc, char **argv, const char *progname, const char *label,
                 mx_parse_fn parse, mx_help_fn help, void *cfg,
                 const struct mx_std *std, int *nargc, char ***nargv);

/* Install the -v sink (stderr) for verbosity 0..3, and ignore SIGPIPE
 * (call before any network work). */
void mx_run_verbose(int verbosity);

/* Print "LABEL UNKNOWN - message" (one line, censored as every result is:
 * control characters as '?', '|' as '/') and return 3. */
int mx_run_usage_error(const char *label, const struct mx_error *err);

/* Print "PROGNAME (mxtls VERSION)" and return 0. */
int mx_run_version(const char *progname);

/* Print a help text and return 0. */
int mx_run_help(const struct mx_buf *help);

/* Fill a probe target from the standard options, with mx_run_deadline. */
void mx_run_target(const struct mx_std *std, struct mx_target *t);

/* The run's deadline: -t seconds after mx_run_start began (before the
 * options and every file were read), so that -t bounds the whole run. */
struct mx_deadline mx_run_deadline(const struct mx_std *std);

/* Render the check to stdout; returns the exit code (0..3). */
int mx_run_emit(const struct mx_check *c);

#endif
