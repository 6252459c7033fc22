/*
 * strnum.h - strict number parsing with bounds.
 *
 * In the spirit of OpenBSD strtonum(3): the whole string must be a number,
 * within [min, max]; otherwise the function returns -1 and sets *errstr to
 * a short static description ("is invalid", "is too small", "is too
 * large"). No locale, no silent truncation, no partial parses.
 */
#ifndef MX_STRNUM_H
#define MX_STRNUM_H

/* Decimal integer (optional leading '-' or '+'). */
int mx_strtonum(const char *s, long long min, long long max, long long *out,
                const char **errstr);

/*
 * Decimal number with optional fraction ("-1.5", "10", ".5", "3.");
 * no exponent, no hex, no inf/nan, no surrounding blanks.
 */
int mx_strtod(const char *s, double min, double max, double *out,
              const char **errstr);

#endif
