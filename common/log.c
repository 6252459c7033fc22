/*
 * log.c - hand verbose diagnostics to the plugin's sink.
 *
 * The sink, its argument, the level, the current tag and the connection
 * counter are the only mutable global state in common/: the plugin sets
 * the first three once (mx_log_set) before doing work; the scheduler sets
 * and clears the tag around each connection's work.
 * A line is formatted only when a sink is set and the level is enabled
 * (1 <= level <= maxlevel). If the line cannot be formatted (out of
 * memory), it is dropped: diagnostics never make a run fail. Not
 * thread-safe. Nothing here prints; the sink decides where lines go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <openssl/err.h>

#include "buf.h"
#include "log.h"

static mx_log_sink log_sink;
static void *log_arg;
static int log_maxlevel;
static char log_tagbuf[16]; /* "" when no tag is set */
static int log_ids;

void
mx_log_set(mx_log_sink sink, void *arg, int maxlevel)
{
    log_sink = sink;
    log_arg = arg;
    log_maxlevel = maxlevel;
}

int
mx_log_enabled(int level)
{
    return log_sink != NULL && level >= 1 && level <= log_maxlevel;
}

void
mx_log(int level, const char *fmt, ...)
{
    struct mx_buf line = MX_BUF_INIT;
    va_list ap;

    if (!mx_log_enabled(level) || fmt == NULL)
        return;
    if (log_tagbuf[0] != '\0')
        mx_buf_printf(&line, "[%s] ", log_tagbuf);
    va_start(ap, fmt);
    mx_buf_vprintf(&line, fmt, ap);
    va_end(ap);
    if (!mx_buf_failed(&line))
        log_sink(log_arg, level, mx_buf_str(&line));
    mx_buf_free(&line);
}

void
mx_log_tag(const char *tag)
{
    snprintf(log_tagbuf, sizeof(log_tagbuf), "%s", tag != NULL ? tag : "");
}

int
mx_log_next_id(void)
{
    return ++log_ids;
}

unsigned long
mx_log_openssl(int level)
{
    unsigned long e, first = 0;
    char text[256];

    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, text, sizeof(text));
        mx_log(level, "openssl: %s", text);
        if (first == 0)
            first = e;
    }
    return first;
}
