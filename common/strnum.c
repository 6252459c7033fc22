/*
 * strnum.c - strict decimal number parsing with bounds.
 *
 * The text is checked character by character before any conversion, so
 * blanks, exponents, hex, "inf", "nan" and trailing junk never get through.
 * On failure the function returns -1, leaves *out alone and points *errstr
 * (when errstr is not NULL) at "is invalid", "is too small" or "is too
 * large"; on success it returns 0 and sets *errstr to NULL. min > max is
 * "is invalid". Fractions are converted in the "C" locale whatever the
 * process locale is. Nothing here prints.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "strnum.h"

#define E_INVALID "is invalid"
#define E_SMALL   "is too small"
#define E_LARGE   "is too large"

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
fail(const char **errstr, const char *why)
{
    if (errstr != NULL)
        *errstr = why;
    return -1;
}

int
mx_strtonum(const char *s, long long min, long long max, long long *out,
            const char **errstr)
{
    const char *p;
    unsigned long long acc = 0, limit;
    int neg = 0;
    long long v;

    if (s == NULL || out == NULL || min > max)
        return fail(errstr, E_INVALID);
    p = s;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!is_digit(*p))
        return fail(errstr, E_INVALID);
    for (; *p != '\0'; p++)
        if (!is_digit(*p))
            return fail(errstr, E_INVALID);

    /* Largest magnitude representable with this sign. */
    limit =
        neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
    for (p = s + (s[0] == '+' || s[0] == '-'); *p != '\0'; p++) {
        unsigned d = (unsigned)(*p - '0');

        if (acc > (limit - d) / 10)
            return fail(errstr, neg ? E_SMALL : E_LARGE);
        acc = acc * 10 + d;
    }
    if (neg)
        v = acc == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN
                                                     : -(long long)acc;
    else
        v = (long long)acc;
    if (v < min)
        return fail(errstr, E_SMALL);
    if (v > max)
        return fail(errstr, E_LARGE);
    *out = v;
    if (errstr != NULL)
        *errstr = NULL;
    return 0;
}

/* [+-] digits [ '.' [digits] ] | [+-] '.' digits */
static int
decimal_syntax_ok(const char *s)
{
    size_t before = 0, after = 0;

    if (*s == '+' || *s == '-')
        s++;
    while (is_digit(*s)) {
        s++;
        before++;
    }
    if (*s == '.') {
        s++;
        while (is_digit(*s)) {
            s++;
            after++;
        }
    }
    return *s == '\0' && before + after > 0;
}

int
mx_strtod(const char *s, double min, double max, double *out,
          const char **errstr)
{
    locale_t c_locale;
    char *end = NULL;
    double v;
    int saved_errno, range_err;

    if (s == NULL || out == NULL || !(min <= max))
        return fail(errstr, E_INVALID);
    if (!decimal_syntax_ok(s))
        return fail(errstr, E_INVALID);

    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return fail(errstr, E_INVALID);
    saved_errno = errno;
    errno = 0;
    v = strtod_l(s, &end, c_locale);
    range_err = errno == ERANGE;
    errno = saved_errno;
    freelocale(c_locale);

    if (end == NULL || *end != '\0')
        return fail(errstr, E_INVALID);
    /* Overflow gives +-HUGE_VAL; underflow towards 0 is a fine result. */
    if (range_err && isinf(v))
        return fail(errstr, v < 0 ? E_SMALL : E_LARGE);
    if (v < min)
        return fail(errstr, E_SMALL);
    if (v > max)
        return fail(errstr, E_LARGE);
    *out = v;
    if (errstr != NULL)
        *errstr = NULL;
    return 0;
}
