/*
 * utctime.h - RFC 3339 times in UTC, in the one form mxtls writes:
 * exactly YYYY-MM-DDTHH:MM:SSZ (upper-case T and Z, no fraction, no
 * offset, seconds 00..59, years 1970..9999). Pure; nothing prints.
 */
#ifndef MX_UTCTIME_H
#define MX_UTCTIME_H

#include <stddef.h>
#include <time.h>

/* "2026-11-28T17:00:00Z" into *out. 0, or -1 (not that form, or a date
 * that does not exist, or out of range). */
int mx_utc_parse(const char *s, time_t *out);

/* t as "2026-11-28T17:00:00Z" into out (cap bytes, at least 21). 0, or -1
 * for a time before 1970 or after 9999. */
int mx_utc_format(time_t t, char *out, size_t cap);

#endif
