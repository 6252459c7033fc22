/*
 * range.h - threshold ranges as the Monitoring Plugins Development
 * Guidelines define them.
 *
 *   "10"     alert if x < 0 or x > 10
 *   "10:"    alert if x < 10
 *   "~:10"   alert if x > 10
 *   "10:20"  alert if x < 10 or x > 20
 *   "@10:20" alert if 10 <= x <= 20
 *
 * Ends are inclusive (a value equal to an end is inside the range), numbers
 * may be negative or decimal, "~" is negative infinity and an empty end is
 * positive infinity. Anything else (empty string, start > end, junk,
 * exponents, blanks) is an error: mx_range_parse returns -1 and writes a
 * reason into err. Nothing here prints.
 */
#ifndef MX_RANGE_H
#define MX_RANGE_H

#include <stddef.h>

struct mx_range {
    double start;
    double end;
    int start_inf; /* start is "~" (negative infinity) */
    int end_inf;   /* no end given (positive infinity) */
    int inside;    /* '@': alert when inside instead of outside */
    char text[64]; /* the range as given, for perfdata */
};

int mx_range_parse(const char *s, struct mx_range *r, char *err, size_t errlen);

/*
 * For thresholds on a quantity that alerts when it runs low (days until a
 * certificate expires), as administrators type them for check_ssl_cert or
 * check_http -C: a plain number N means "fewer than N", i.e. the range
 * "N:" (and r->text becomes "N:", so that perfdata says what is checked).
 * Text with ':' or '@' is a range exactly as mx_range_parse reads it.
 * Errors as mx_range_parse, with a hint at both forms.
 */
int mx_range_parse_min(const char *s, struct mx_range *r, char *err,
                       size_t errlen);

/*
 * 1 and *floor set when r alerts exactly for values below a number (the
 * form "N:"), 0 for any other range. Lets a plugin compare a warning and a
 * critical floor.
 */
int mx_range_floor(const struct mx_range *r, double *floor);

/* 1 if value x raises an alert for range r, 0 if not. */
int mx_range_alert(const struct mx_range *r, double x);

#endif
