/*
 * ini.c - the one reader of "key = value" files (see ini.h).
 *
 * The text is copied once and split in place: a line ends at '\n' (a '\r'
 * before it is a blank and goes with the trimming), the last line may
 * lack its '\n'. Blanks are mx_is_blank's. A comment is a line whose first
 * character after the blanks is one of the syntax's comment characters;
 * there are no comments after a value (a '#' in a value is part of it).
 * A key ends at the first '='.
 *
 * Error contract: see ini.h. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "text.h"

#define MIB (1024 * 1024)

int
mx_ini_fail(struct mx_ini *ini, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mx_error_vat(ini->err, ini->path, ini->line, fmt, ap);
    va_end(ap);
    return -1;
}

int
mx_ini_fail_value(struct mx_ini *ini, const char *key, const struct mx_error *e)
{
    mx_error_set(ini->err,
                 e->code == MX_E_INTERNAL ? MX_E_INTERNAL : MX_E_USAGE,
                 "%s:%d: %s: %s", ini->path, ini->line, key, e->msg);
    return -1;
}

int
mx_ini_fail_file(struct mx_ini *ini, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(what, sizeof(what), fmt, ap) < 0)
        what[0] = '\0';
    va_end(ap);
    mx_error_set(ini->err, MX_E_USAGE, "%s: %s", ini->path, what);
    return -1;
}

int
mx_ini_has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int
mx_ini_open(struct mx_ini *ini, const char *text, size_t len, const char *path,
            const struct mx_ini_syntax *syn, struct mx_error *err)
{
    size_t skip;

    memset(ini, 0, sizeof(*ini));
    ini->path = path;
    ini->err = err;
    ini->syn = syn;
    if (len > syn->file_cap) {
        if (syn->file_cap % MIB == 0)
            return mx_ini_fail_file(ini, "larger than %zu MiB",
                                    syn->file_cap / MIB);
        return mx_ini_fail_file(ini, "larger than %zu KiB",
                                syn->file_cap / 1024);
    }
    if ((syn->flags & MX_INI_NUL_FILE) && len > 0 &&
        memchr(text, '\0', len) != NULL)
        return mx_ini_fail_file(ini, "NUL byte in the file");
    /* A UTF-8 byte order mark (some editors write one) is not text. */
    skip = (syn->flags & MX_INI_BOM) && len >= 3 &&
                   memcmp(text, "\xef\xbb\xbf", 3) == 0
               ? 3
               : 0;
    ini->len = len - skip;
    ini->buf = malloc(ini->len + 1);
    if (ini->buf == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    if (ini->len > 0)
        memcpy(ini->buf, text + skip, ini->len);
    ini->buf[ini->len] = '\0';
    return 0;
}

/* Split a trimmed, non-comment line into out (in place). */
static void
classify(struct mx_ini *ini, char *text, struct mx_ini_line *out)
{
    size_t n = strlen(text);
    char *eq;

    out->text = text;
    out->name = text;
    out->value = NULL;
    if ((ini->syn->flags & MX_INI_SECTIONS) && text[0] == '[') {
        out->name = NULL;
        out->kind = MX_INI_BAD_SECTION;
        if (n < 2 || text[n - 1] != ']')
            return;
        out->kind = MX_INI_SECTION;
        out->text = NULL;
        text[n - 1] = '\0';
        out->name = mx_trim(text + 1);
        return;
    }
    out->kind = MX_INI_PAIR;
    eq = strchr(text, '=');
    if (eq == NULL)
        return;
    *eq = '\0';
    out->text = NULL;
    out->name = mx_trim(text);
    out->value = mx_trim(eq + 1);
}

int
mx_ini_next(struct mx_ini *ini, struct mx_ini_line *out)
{
    const struct mx_ini_syntax *syn = ini->syn;
    char *line, *nl, *text;
    size_t n;

    while (ini->off < ini->len) {
        ini->line++;
        line = ini->buf + ini->off;
        nl = memchr(line, '\n', ini->len - ini->off);
        n = nl != NULL ? (size_t)(nl - line) : ini->len - ini->off;
        if (syn->line_cap > 0 && n > syn->line_cap)
            return mx_ini_fail(ini, "line longer than %zu bytes",
                               syn->line_cap);
        if (memchr(line, '\0', n) != NULL)
            return mx_ini_fail(ini, "NUL byte in the line");
        line[n] = '\0';
        ini->off += n + 1;
        text = mx_trim(line);
        if (text[0] == '\0' || strchr(syn->comments, text[0]) != NULL)
            continue;
        if ((syn->flags & MX_INI_NO_CONTROL) && mx_ini_has_control(text))
            return mx_ini_fail(ini, "control character in the line");
        classify(ini, text, out);
        return 1;
    }
    return 0;
}

void
mx_ini_close(struct mx_ini *ini)
{
    free(ini->buf);
    ini->buf = NULL;
}

int
mx_ini_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
mx_ini_name_ok(const char *s)
{
    size_t n;

    if (s == NULL)
        return 0;
    for (n = 0; s[n] != '\0'; n++)
        if (n >= 63 || !mx_ini_name_char(s[n]))
            return 0;
    return n > 0;
}
