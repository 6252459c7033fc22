/*
 * test_ini.c - the one "key = value" reader (common/ini.c): lines,
 * sections, pairs, comments, and the FILE:LINE errors of each syntax
 * option.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ini.h"
#include "tap.h"

static const struct mx_ini_syntax full = {1024, 16, "#;",
                                          MX_INI_SECTIONS | MX_INI_BOM};
static const struct mx_ini_syntax plain = {2048, 0, "#",
                                           MX_INI_NUL_FILE | MX_INI_NO_CONTROL};

/*
 * Read text with syn into a one-line summary: "S(name)" for a section,
 * "B(text)" for a bad section, "P(key=value)" or "W(text)" for a key
 * without '=', each followed by "@LINE"; or "ERR: message".
 */
static void
walk(const char *text, size_t len, const struct mx_ini_syntax *syn, char *out,
     size_t cap)
{
    struct mx_buf b = MX_BUF_INIT;
    struct mx_error err;
    struct mx_ini ini;
    struct mx_ini_line l;
    int rc;

    mx_error_clear(&err);
    if (mx_ini_open(&ini, text, len, "f.ini", syn, &err) != 0) {
        snprintf(out, cap, "ERR: %s", err.msg);
        return;
    }
    while ((rc = mx_ini_next(&ini, &l)) > 0) {
        if (l.kind == MX_INI_SECTION)
            mx_buf_printf(&b, "S(%s)", l.name);
        else if (l.kind == MX_INI_BAD_SECTION)
            mx_buf_printf(&b, "B(%s)", l.text);
        else if (l.value != NULL)
            mx_buf_printf(&b, "P(%s=%s)", l.name, l.value);
        else
            mx_buf_printf(&b, "W(%s)", l.text);
        mx_buf_printf(&b, "@%d ", ini.line);
    }
    if (rc < 0)
        snprintf(out, cap, "ERR: %s", err.msg);
    else
        snprintf(out, cap, "%s", mx_buf_str(&b));
    mx_ini_close(&ini);
    mx_buf_free(&b);
}

static void
check(const char *text, const struct mx_ini_syntax *syn, const char *want,
      const char *name)
{
    char got[1024];

    walk(text, strlen(text), syn, got, sizeof(got));
    tap_is_str(got, want, name);
}

int
main(void)
{
    char got[1024], big[2100];
    struct mx_error err, verr;
    struct mx_ini ini;

    check("", &full, "", "an empty text has no lines");
    check("[a]\nk = v\n", &full, "S(a)@1 P(k=v)@2 ", "a section and a pair");
    check("[ a b ]\r\n k= a=b #c \r\n", &full, "S(a b)@1 P(k=a=b #c)@2 ",
          "blanks and CR trimmed; the key ends at the first '='");
    check("# c\n; c\n\n   \n[x]\nw", &full, "S(x)@5 W(w)@6 ",
          "comments and blank lines counted, a last line without LF");
    check("; c\nk=v\n", &plain, "W(; c)@1 P(k=v)@2 ",
          "';' is a comment only where the syntax says so");
    check("[x\n", &full, "B([x)@1 ", "a section without ']'");
    check("[]\n", &full, "S()@1 ", "an empty section name");
    check("[x]\n", &plain, "W([x])@1 ", "no sections: '[' starts a key");
    check(" = v\n", &full, "P(=v)@1 ", "an empty key");
    check("k =\n", &full, "P(k=)@1 ", "an empty value");
    check("\xef\xbb\xbf[a]\n", &full, "S(a)@1 ", "a byte order mark skipped");
    check("\xef\xbb\xbfk=v\n", &plain, "P(\xef\xbb\xbfk=v)@1 ",
          "... only where the syntax says so");
    check("a=b\n0123456789abcdef\n0123456789abcdefg\n", &full,
          "ERR: f.ini:3: line longer than 16 bytes",
          "a line over the cap: FILE:LINE");
    check("k=\x1b\n", &plain, "ERR: f.ini:1: control character in the line",
          "a control character, where the syntax refuses them");
    check("k=\x01\n", &full, "P(k=\x01)@1 ", "... kept where it does not");

    walk("a=b\n\0\n", 6, &full, got, sizeof(got));
    tap_is_str(got, "ERR: f.ini:2: NUL byte in the line",
               "a NUL byte: its line");
    walk("a=b\n\0\n", 6, &plain, got, sizeof(got));
    tap_is_str(got, "ERR: f.ini: NUL byte in the file",
               "a NUL byte: the file, where the syntax says so");

    memset(big, 'x', sizeof(big));
    walk(big, 1025, &full, got, sizeof(got));
    tap_is_str(got, "ERR: f.ini: larger than 1 KiB", "a file over the cap");
    walk(big, 2049, &plain, got, sizeof(got));
    tap_is_str(got, "ERR: f.ini: larger than 2 KiB", "... in KiB");

    /* The caller's messages: current line, another line, the file, and a
     * value parser's error. */
    mx_error_clear(&err);
    tap_is_int(mx_ini_open(&ini, "a=1\nb=2\n", 8, "p", &full, &err), 0, "open");
    {
        struct mx_ini_line l;

        mx_ini_next(&ini, &l);
        mx_ini_next(&ini, &l);
        tap_is_int(mx_ini_fail(&ini, "bad %s", l.name), -1, "fail: -1");
        tap_is_str(err.msg, "p:2: bad b", "fail: PATH:LINE: what");
        tap_is_int(err.code, MX_E_USAGE, "fail: USAGE");
        ini.line = 1;
        mx_ini_fail(&ini, "again");
        tap_is_str(err.msg, "p:1: again", "fail: at another line");
        mx_ini_fail_file(&ini, "no %s", "peer");
        tap_is_str(err.msg, "p: no peer", "fail_file: PATH: what");
        mx_error_set(&verr, MX_E_INTERNAL, "out of memory");
        mx_ini_fail_value(&ini, "suites", &verr);
        tap_is_str(err.msg, "p:1: suites: out of memory",
                   "fail_value: PATH:LINE: key: message");
        tap_is_int(err.code, MX_E_INTERNAL, "fail_value: INTERNAL stays");
        mx_error_set(&verr, MX_E_RESOLVE, "x");
        mx_ini_fail_value(&ini, "mx", &verr);
        tap_is_int(err.code, MX_E_USAGE, "fail_value: anything else is USAGE");
        tap_is_int(mx_ini_next(&ini, &l), 0, "the end");
    }
    mx_ini_close(&ini);
    return tap_done();
}
