/*
 * log.h - verbose diagnostics from library code.
 *
 * common/ never prints: it hands each diagnostic line to a sink that the
 * plugin installs (usually writing to stderr for -v, -vv, -vvv). Without a
 * sink, or above the configured level, lines are dropped cheaply.
 * Levels: 1 = what was tried and its result, 2 = protocol dialogue,
 * 3 = bytes and library internals.
 *
 * While a tag is set (mx_log_tag), every line starts with "[TAG] ": the
 * scheduler tags the lines of each connection with "cN" when several
 * connections run at once, so that interleaved dialogues can be told
 * apart. N comes from mx_log_next_id(), counted over the whole run.
 */
#ifndef MX_LOG_H
#define MX_LOG_H

typedef void (*mx_log_sink)(void *arg, int level, const char *line);

void mx_log_set(mx_log_sink sink, void *arg, int maxlevel);
int mx_log_enabled(int level);
void mx_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Empty OpenSSL's error queue of this thread, each error a line
 * "openssl: TEXT" at level; returns the first (oldest) error, 0 if none. */
unsigned long mx_log_openssl(int level);
/* Set the tag of the lines that follow (up to 15 bytes), or NULL for none. */
void mx_log_tag(const char *tag);
/* The next connection number for a tag: 1, 2, ... */
int mx_log_next_id(void);

#endif
