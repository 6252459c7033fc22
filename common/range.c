/*
 * range.c - parse and evaluate threshold ranges.
 *
 * Grammar (the Monitoring Plugins Development Guidelines, read strictly):
 *
 *   range = [ "@" ] ( end | start ":" [ end ] )
 *   start = "~" | number
 *   end   = number
 *
 * where number is what mx_strtod accepts (optional sign, decimal point, no
 * exponent, no blanks). So:
 *   - "~:" is accepted: from negative to positive infinity, i.e. every
 *     number is inside; it never alerts, and "@~:" always alerts.
 *   - ":" alone, ":10" and "~" are rejected: a start, when a ':' is written,
 *     must be given (a number or "~"), and "~" needs a ':' after it.
 *   - "@" alone, "", start > end, "1e3", " 10", "10 " are rejected.
 * An alert is raised for a value outside [start, end] (both ends inclusive),
 * or inside it with "@". NaN always alerts.
 *
 * mx_range_parse_min reads a plain number N as "N:" (alert below N), for
 * thresholds on something that alerts when low; everything with ':' or
 * '@' it leaves to mx_range_parse.
 *
 * mx_range_parse returns 0, or -1 with a one-line reason in err (when err
 * is not NULL and errlen > 0) and *r left untouched. A range text that does
 * not fit into r->text is an error, never truncated. Nothing here prints.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "range.h"
#include "strnum.h"

static int
parse_number(const char *s, size_t n, double *v, const char **why)
{
    char tmp[sizeof(((struct mx_range *)0)->text)];

    if (n >= sizeof(tmp)) {
        *why = "is too long";
        return -1;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return mx_strtod(tmp, -DBL_MAX, DBL_MAX, v, why);
}

int
mx_range_parse(const char *s, struct mx_range *r, char *err, size_t errlen)
{
    struct mx_range nr;
    const char *p, *colon, *why = NULL, *part = "";
    size_t len;

    memset(&nr, 0, sizeof(nr));
    if (s == NULL || *s == '\0') {
        why = "is empty";
        goto out;
    }
    len = strlen(s);
    if (len >= sizeof(nr.text)) {
        why = "is too long";
        goto out;
    }
    memcpy(nr.text, s, len + 1);

    p = s;
    if (*p == '@') {
        nr.inside = 1;
        p++;
    }
    if (*p == '\0') {
        why = "has no limits";
        goto out;
    }
    colon = strchr(p, ':');
    if (colon == NULL) {
        /* "N" is "0:N". */
        part = "end ";
        if (parse_number(p, strlen(p), &nr.end, &why) < 0)
            goto out;
        nr.start = 0;
    } else {
        part = "start ";
        if (colon == p) {
            why = "is missing (use ~ for negative infinity)";
            goto out;
        }
        if (colon - p == 1 && *p == '~') {
            nr.start_inf = 1;
        } else if (parse_number(p, (size_t)(colon - p), &nr.start, &why) < 0) {
            goto out;
        }
        part = "end ";
        if (colon[1] == '\0')
            nr.end_inf = 1;
        else if (parse_number(colon + 1, strlen(colon + 1), &nr.end, &why) < 0)
            goto out;
    }
    part = "";
    if (!nr.start_inf && !nr.end_inf && nr.start > nr.end) {
        why = "has its start above its end";
        goto out;
    }
    *r = nr;
    return 0;
out:
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "range \"%s\": %s%s", s != NULL ? s : "", part,
                 why);
    return -1;
}

int
mx_range_alert(const struct mx_range *r, double x)
{
    int outside;

    if (isnan(x))
        return 1;
    outside = (!r->start_inf && x < r->start) || (!r->end_inf && x > r->end);
    return r->inside ? !outside : outside;
}

int
mx_range_parse_min(const char *s, struct mx_range *r, char *err, size_t errlen)
{
    char tmp[sizeof(r->text)];
    size_t len;
    int n;

    if (s == NULL || *s == '\0' || strchr(s, ':') != NULL || *s == '@')
        return mx_range_parse(s, r, err, errlen);
    len = strlen(s);
    n = snprintf(tmp, sizeof(tmp), "%s:", s);
    if (n < 0 || (size_t)n >= sizeof(tmp) || len + 1 >= sizeof(tmp)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "\"%.40s\" is too long", s);
        return -1;
    }
    if (mx_range_parse(tmp, r, NULL, 0) != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "\"%.40s\" is neither a number (N: fewer than N) nor a "
                     "range (N:, @N:M, ...)",
                     s);
        return -1;
    }
    return 0;
}

int
mx_range_floor(const struct mx_range *r, double *floor)
{
    if (r->inside || r->start_inf || !r->end_inf)
        return 0;
    *floor = r->start;
    return 1;
}
