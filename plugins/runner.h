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

#include "buf.h"
#include "err.h"
#include "opts.h"
#include "probe.h"
#include "result.h"

/* Install the -v sink (stderr) for verbosity 0..3. */
void mx_run_verbose(int verbosity);

/* Print "LABEL UNKNOWN - message" (one line) and return 3. */
int mx_run_usage_error(const char *label, const struct mx_error *err);

/* Print "PROGNAME (mxtls VERSION)" and return 0. */
int mx_run_version(const char *progname);

/* Print a help text and return 0. */
int mx_run_help(const struct mx_buf *help);

/* Fill a probe target from the standard options; the run's deadline
 * starts now. */
void mx_run_target(const struct mx_std *std, struct mx_target *t);

/* Render the check to stdout; returns the exit code (0..3). */
int mx_run_emit(const struct mx_check *c);

#endif
