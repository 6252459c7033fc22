/*
 * perfdata.c - write performance data items.
 *
 *   label=value[UOM];[warn];[crit];[min];[max]
 *
 * mx_perf_format appends one item and returns 0, or returns -1 and appends
 * nothing when the unit is not one of the guideline's or the label is
 * missing or empty. Besides the header's rules for labels, control
 * characters in a label are written as '?' and '|' as '/', so that a label
 * can never end the plugin's text or perfdata. A value that is not a finite
 * number is written as "U" (the guideline's "no value"), without unit; a
 * non-finite min or max is left out. warn and crit are written as the text
 * the range was parsed from (rebuilt from its numbers when text is empty).
 * Nothing here prints.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "perfdata.h"

static const char *const units[] = {"",  "s",  "ms", "us", "%",
                                    "B", "KB", "MB", "TB", "c"};

#define NUNITS (sizeof(units) / sizeof(units[0]))

static int
unit_ok(const char *uom)
{
    size_t i;

    for (i = 0; i < NUNITS; i++)
        if (strcmp(uom, units[i]) == 0)
            return 1;
    return 0;
}

static int
label_plain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
           c == '/' || c == ':';
}

/* The label character after the '=', control and '|' replacements. */
static char
label_char(char c)
{
    unsigned char u = (unsigned char)c;

    if (c == '=')
        return '_';
    if (c == '|')
        return '/';
    if (u < 0x20 || u == 0x7f)
        return '?';
    return c;
}

static void
put_label(struct mx_buf *b, const char *label)
{
    const char *p;
    int quote = 0;

    for (p = label; *p != '\0'; p++)
        if (!label_plain_char(label_char(*p)))
            quote = 1;
    if (quote)
        mx_buf_append(b, "'");
    for (p = label; *p != '\0'; p++) {
        char c = label_char(*p);

        mx_buf_appendn(b, &c, 1);
        if (c == '\'')
            mx_buf_append(b, "'");
    }
    if (quote)
        mx_buf_append(b, "'");
}

void
mx_fmt_num(struct mx_buf *b, double v)
{
    char tmp[512];
    size_t n;
    int len;

    if (!isfinite(v)) {
        mx_buf_append(b, "U");
        return;
    }
    /* %f never uses an exponent; DBL_MAX needs 309 digits + 8. */
    len = snprintf(tmp, sizeof(tmp), "%.6f", v);
    if (len < 0 || (size_t)len >= sizeof(tmp)) {
        mx_buf_append(b, "U");
        return;
    }
    n = (size_t)len;
    if (strchr(tmp, '.') != NULL) {
        while (n > 0 && tmp[n - 1] == '0')
            n--;
        if (n > 0 && tmp[n - 1] == '.')
            n--;
    }
    tmp[n] = '\0';
    if (strcmp(tmp, "-0") == 0)
        mx_buf_append(b, "0");
    else
        mx_buf_append(b, tmp);
}

/* Rebuild the text of a range that was not made by mx_range_parse. */
static void
put_range(struct mx_buf *b, const struct mx_range *r)
{
    if (r->text[0] != '\0') {
        mx_buf_append(b, r->text);
        return;
    }
    if (r->inside)
        mx_buf_append(b, "@");
    if (r->start_inf)
        mx_buf_append(b, "~");
    else
        mx_fmt_num(b, r->start);
    mx_buf_append(b, ":");
    if (!r->end_inf)
        mx_fmt_num(b, r->end);
}

int
mx_perf_format(struct mx_buf *b, const struct mx_perf *p)
{
    const char *uom;
    int last;

    if (b == NULL || p == NULL || p->label == NULL || p->label[0] == '\0')
        return -1;
    uom = p->uom != NULL ? p->uom : "";
    if (!unit_ok(uom))
        return -1;

    /* The last field that is not empty: 0 value .. 4 max. */
    last = 0;
    if (p->warn != NULL)
        last = 1;
    if (p->crit != NULL)
        last = 2;
    if (p->has_min && isfinite(p->min))
        last = 3;
    if (p->has_max && isfinite(p->max))
        last = 4;

    put_label(b, p->label);
    mx_buf_append(b, "=");
    mx_fmt_num(b, p->value);
    if (isfinite(p->value))
        mx_buf_append(b, uom);
    if (last >= 1) {
        mx_buf_append(b, ";");
        if (p->warn != NULL)
            put_range(b, p->warn);
    }
    if (last >= 2) {
        mx_buf_append(b, ";");
        if (p->crit != NULL)
            put_range(b, p->crit);
    }
    if (last >= 3) {
        mx_buf_append(b, ";");
        if (p->has_min && isfinite(p->min))
            mx_fmt_num(b, p->min);
    }
    if (last >= 4) {
        mx_buf_append(b, ";");
        mx_fmt_num(b, p->max);
    }
    return 0;
}
