/*
 * utctime.c - RFC 3339 times in UTC, exactly YYYY-MM-DDTHH:MM:SSZ, as the
 * learned profiles write them (utctime.h). The date is computed from the
 * proleptic Gregorian calendar by counting days (no timegm, no TZ).
 *
 * Error contract: -1 for text that is not such a time, or a time out of
 * range; nothing is set then. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <time.h>

#include "utctime.h"

static int
leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(long y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};

    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 1970). */
static long long
days_from_civil(long y, int m, int d)
{
    long long days = 0;
    long yy;
    int mm;

    /* Whole 400-year cycles have 146097 days; the rest by counting. */
    days += (long long)((y - 1970) / 400) * 146097;
    for (yy = 1970 + ((y - 1970) / 400) * 400; yy < y; yy++)
        days += leap(yy) ? 366 : 365;
    for (mm = 1; mm < m; mm++)
        days += month_days(y, mm);
    return days + d - 1;
}

/* Two or four digits at s into *v, all checked to be digits. */
static int
digits(const char *s, int n, long *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int
mx_utc_parse(const char *s, time_t *out)
{
    long y, mo, d, h, mi, se;
    long long t;

    /* YYYY-MM-DDTHH:MM:SSZ */
    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
        digits(s + 17, 2, &se))
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, (int)mo) ||
        h > 23 || mi > 59 || se > 59)
        return -1;
    t = days_from_civil(y, (int)mo, (int)d) * 86400LL + h * 3600LL + mi * 60LL +
        se;
    if ((long long)(time_t)t != t)
        return -1;
    *out = (time_t)t;
    return 0;
}

int
mx_utc_format(time_t t, char *out, size_t cap)
{
    struct tm tm;

    if (t < 0 || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
        return -1;
    return strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ? 0 : -1;
}
