/*
 * test_buf.c - the growable text buffer; also log.c, which formats its
 * lines with it.
 */
#include <stdarg.h>
#include <stddef.h>

#include "buf.h"
#include "log.h"
#include "tap.h"

static void
vprintf_helper(struct mx_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mx_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

static void
test_basics(void)
{
    struct mx_buf b = MX_BUF_INIT;
    size_t cap;

    tap_is_str(mx_buf_str(&b), "", "empty buffer reads as \"\"");
    tap_is_int(mx_buf_failed(&b), 0, "empty buffer has not failed");
    tap_is_int((long long)b.len, 0, "empty buffer has length 0");

    mx_buf_append(&b, "abc");
    tap_is_str(mx_buf_str(&b), "abc", "append");
    mx_buf_appendn(&b, "defgh", 2);
    tap_is_str(mx_buf_str(&b), "abcde", "appendn takes n bytes");
    mx_buf_appendn(&b, "xy", 10);
    tap_is_str(mx_buf_str(&b), "abcdexy", "appendn stops at the NUL");
    tap_is_int((long long)b.len, 7, "length counts the bytes");
    mx_buf_append(&b, NULL);
    mx_buf_appendn(&b, NULL, 3);
    mx_buf_append(&b, "");
    tap_is_str(mx_buf_str(&b), "abcdexy", "NULL and \"\" append nothing");

    mx_buf_printf(&b, "-%d-%s-%.2f", 42, "z", 1.5);
    tap_is_str(mx_buf_str(&b), "abcdexy-42-z-1.50", "printf appends");
    vprintf_helper(&b, "[%05d]", 7);
    tap_is_str(mx_buf_str(&b), "abcdexy-42-z-1.50[00007]", "vprintf appends");
    tap_is_int((long long)b.len, (long long)strlen(mx_buf_str(&b)),
               "length matches the text");

    cap = b.cap;
    mx_buf_reset(&b);
    tap_is_str(mx_buf_str(&b), "", "reset empties");
    tap_is_int((long long)b.len, 0, "reset sets length 0");
    tap_ok(b.cap == cap && b.s != NULL, "reset keeps the allocation");
    mx_buf_append(&b, "again");
    tap_is_str(mx_buf_str(&b), "again", "append after reset");

    mx_buf_free(&b);
    tap_ok(b.s == NULL && b.len == 0 && b.cap == 0, "free clears the buffer");
    tap_is_str(mx_buf_str(&b), "", "freed buffer reads as \"\"");
    mx_buf_append(&b, "reuse");
    tap_is_str(mx_buf_str(&b), "reuse", "a freed buffer can be used again");
    mx_buf_free(&b);
    mx_buf_free(&b);
    tap_ok(b.s == NULL, "free twice is harmless");
}

static void
test_growth(void)
{
    struct mx_buf b = MX_BUF_INIT;
    char big[5001];
    size_t i;
    int ok = 1;

    memset(big, 'x', 5000);
    big[5000] = '\0';
    mx_buf_printf(&b, "%s", big);
    tap_is_int((long long)b.len, 5000, "printf grows to 5000 bytes");
    tap_is_str(mx_buf_str(&b), big, "printf of 5000 bytes is exact");
    mx_buf_printf(&b, "%s|", big);
    tap_is_int((long long)b.len, 10001, "second long printf");
    tap_is_int(b.s[10000], '|', "second long printf ends right");
    tap_is_int(b.s[10001], '\0', "and is NUL-terminated");
    mx_buf_reset(&b);
    for (i = 0; i < 1000; i++)
        mx_buf_append(&b, "0123456789");
    tap_is_int((long long)b.len, 10000, "1000 appends of 10 bytes");
    for (i = 0; i < 10000; i++)
        if (b.s[i] != (char)('0' + i % 10))
            ok = 0;
    tap_ok(ok, "many appends keep the text");
    tap_is_int(mx_buf_failed(&b), 0, "no failure after growth");
    mx_buf_free(&b);
}

static void
test_failed(void)
{
    struct mx_buf b = MX_BUF_INIT;

    mx_buf_append(&b, "kept");
    b.failed = 1; /* as after an allocation failure */
    mx_buf_append(&b, "lost");
    mx_buf_printf(&b, "%s", "lost");
    mx_buf_append_printable(&b, "lost", 4);
    tap_is_str(mx_buf_str(&b), "kept", "a failed buffer ignores appends");
    tap_is_int(mx_buf_failed(&b), 1, "mx_buf_failed reports it");
    mx_buf_reset(&b);
    tap_is_int(mx_buf_failed(&b), 0, "reset clears the failure");
    mx_buf_append(&b, "new");
    tap_is_str(mx_buf_str(&b), "new", "appends work after reset");
    mx_buf_free(&b);
    tap_is_int(mx_buf_failed(NULL), 1, "a NULL buffer counts as failed");
}

static void
test_printable(void)
{
    struct mx_buf b = MX_BUF_INIT;

    mx_buf_append_printable(&b, "a\tb\001c\177\303\251d e~", 100);
    tap_is_str(mx_buf_str(&b), "a?b?c???d e~",
               "controls, DEL and non-ASCII become '?'");
    mx_buf_reset(&b);
    mx_buf_append_printable(&b, "a\tbcdef", 3);
    tap_is_str(mx_buf_str(&b), "a?b", "at most n bytes");
    mx_buf_reset(&b);
    mx_buf_append_printable(&b, "250-STARTTLS\r\n", 14);
    tap_is_str(mx_buf_str(&b), "250-STARTTLS??", "CR LF are censored");
    mx_buf_reset(&b);
    mx_buf_append_printable(&b, "ab", 0);
    tap_is_str(mx_buf_str(&b), "", "n = 0 appends nothing");
    mx_buf_append_printable(&b, NULL, 5);
    tap_is_str(mx_buf_str(&b), "", "NULL appends nothing");
    mx_buf_free(&b);
}

struct captured {
    int calls;
    int level;
    struct mx_buf text;
};

static void
capture(void *arg, int level, const char *line)
{
    struct captured *c = arg;

    c->calls++;
    c->level = level;
    mx_buf_reset(&c->text);
    mx_buf_append(&c->text, line);
}

static void
test_log(void)
{
    struct captured c = {0, 0, MX_BUF_INIT};
    char big[3001];

    tap_is_int(mx_log_enabled(1), 0, "log: no sink, nothing enabled");
    mx_log(1, "dropped %d", 1);

    mx_log_set(capture, &c, 2);
    tap_is_int(mx_log_enabled(0), 0, "log: level 0 is never enabled");
    tap_is_int(mx_log_enabled(1), 1, "log: level 1 enabled at -vv");
    tap_is_int(mx_log_enabled(2), 1, "log: level 2 enabled at -vv");
    tap_is_int(mx_log_enabled(3), 0, "log: level 3 not enabled at -vv");
    mx_log(2, "EHLO %s (%d)", "client.example", 250);
    tap_is_int(c.calls, 1, "log: a line reaches the sink");
    tap_is_int(c.level, 2, "log: with its level");
    tap_is_str(mx_buf_str(&c.text), "EHLO client.example (250)",
               "log: formatted");
    mx_log(3, "too detailed");
    tap_is_int(c.calls, 1, "log: a line above the level is dropped");

    memset(big, 'b', 3000);
    big[3000] = '\0';
    mx_log(1, "%s", big);
    tap_is_int((long long)c.text.len, 3000, "log: long lines are not cut");

    mx_log_set(NULL, NULL, 3);
    mx_log(1, "dropped");
    tap_is_int(c.calls, 2, "log: no sink, no call");
    tap_is_int(mx_log_enabled(1), 0, "log: sink removed");
    mx_buf_free(&c.text);
}

int
main(void)
{
    test_basics();
    test_growth();
    test_failed();
    test_printable();
    test_log();
    /* tap.h defines every helper static; this file compares no doubles. */
    (void)tap_is_num;
    return tap_done();
}
