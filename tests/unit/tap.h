/*
 * tap.h - a minimal Test Anything Protocol producer for the unit tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" (with the values
 * compared on failure, as TAP diagnostics); tap_done() prints the plan and
 * returns the exit status (0 when every check passed). The automake TAP
 * driver counts every check as one test.
 */
#ifndef MX_TAP_H
#define MX_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static __attribute__((unused)) int
tap_ok(int cond, const char *name)
{
    tap_n++;
    if (!cond)
        tap_failed++;
    printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
    return cond;
}

static __attribute__((unused)) int
tap_is_int(long long got, long long want, const char *name)
{
    if (!tap_ok(got == want, name))
        printf("#   got %lld, want %lld\n", got, want);
    return got == want;
}

static __attribute__((unused)) int
tap_is_str(const char *got, const char *want, const char *name)
{
    int same =
        got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want;
    if (!tap_ok(same, name))
        printf("#   got  \"%s\"\n#   want \"%s\"\n", got ? got : "(null)",
               want ? want : "(null)");
    return same;
}

static __attribute__((unused)) int
tap_is_num(double got, double want, const char *name)
{
    int same = fabs(got - want) < 1e-9;
    if (!tap_ok(same, name))
        printf("#   got %.17g, want %.17g\n", got, want);
    return same;
}

static __attribute__((unused)) int
tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed == 0 ? 0 : 1;
}

#endif
