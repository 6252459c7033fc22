/*
 * test_strnum.c - strict integer and decimal parsing.
 */
#include <limits.h>
#include <locale.h>
#include <stddef.h>

#include "strnum.h"
#include "tap.h"

static void
int_ok(const char *s, long long min, long long max, long long want)
{
    long long v = -12345;
    const char *why = "unset";
    char name[128];
    int rc;

    rc = mx_strtonum(s, min, max, &v, &why);
    snprintf(name, sizeof(name), "strtonum \"%s\" succeeds", s);
    tap_is_int(rc, 0, name);
    snprintf(name, sizeof(name), "strtonum \"%s\" value", s);
    tap_is_int(v, want, name);
    snprintf(name, sizeof(name), "strtonum \"%s\" clears errstr", s);
    tap_ok(why == NULL, name);
}

static void
int_bad(const char *s, long long min, long long max, const char *want)
{
    long long v = -12345;
    const char *why = NULL;
    char name[128];
    int rc;

    rc = mx_strtonum(s, min, max, &v, &why);
    snprintf(name, sizeof(name), "strtonum \"%s\" fails", s ? s : "(null)");
    tap_is_int(rc, -1, name);
    snprintf(name, sizeof(name), "strtonum \"%s\" reason", s ? s : "(null)");
    tap_is_str(why, want, name);
    snprintf(name, sizeof(name), "strtonum \"%s\" leaves *out",
             s ? s : "(null)");
    tap_is_int(v, -12345, name);
}

static void
test_strtonum(void)
{
    long long v = 0;

    int_ok("0", 0, 10, 0);
    int_ok("42", 0, 100, 42);
    int_ok("-42", -100, 100, -42);
    int_ok("+7", 0, 10, 7);
    int_ok("-0", 0, 0, 0);
    int_ok("007", 0, 10, 7);
    int_ok("1", 1, 1, 1);
    int_ok("9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX);
    int_ok("-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN);

    int_bad("9223372036854775808", LLONG_MIN, LLONG_MAX, "is too large");
    int_bad("-9223372036854775809", LLONG_MIN, LLONG_MAX, "is too small");
    int_bad("99999999999999999999999", 0, 10, "is too large");
    int_bad("0", 1, 10, "is too small");
    int_bad("11", 1, 10, "is too large");
    int_bad("-1", 0, 10, "is too small");
    int_bad("", 0, 10, "is invalid");
    int_bad(NULL, 0, 10, "is invalid");
    int_bad("+", 0, 10, "is invalid");
    int_bad("-", 0, 10, "is invalid");
    int_bad(" 1", 0, 10, "is invalid");
    int_bad("1 ", 0, 10, "is invalid");
    int_bad("1x", 0, 10, "is invalid");
    int_bad("0x10", 0, 100, "is invalid");
    int_bad("1e3", 0, 10000, "is invalid");
    int_bad("1.0", 0, 10, "is invalid");
    int_bad("--1", -10, 10, "is invalid");
    int_bad("+-1", -10, 10, "is invalid");
    int_bad("5", 10, 1, "is invalid");

    tap_is_int(mx_strtonum("5", 0, 10, &v, NULL), 0, "errstr may be NULL");
    tap_is_int(v, 5, "value with errstr NULL");
    tap_is_int(mx_strtonum("x", 0, 10, &v, NULL), -1,
               "failure with errstr NULL");
}

static void
dbl_ok(const char *s, double min, double max, double want)
{
    double v = -12345;
    const char *why = "unset";
    char name[128];
    int rc;

    rc = mx_strtod(s, min, max, &v, &why);
    snprintf(name, sizeof(name), "strtod \"%.40s\" succeeds", s);
    tap_is_int(rc, 0, name);
    snprintf(name, sizeof(name), "strtod \"%.40s\" value", s);
    tap_is_num(v, want, name);
    snprintf(name, sizeof(name), "strtod \"%.40s\" clears errstr", s);
    tap_ok(why == NULL, name);
}

static void
dbl_bad(const char *s, double min, double max, const char *want)
{
    double v = -12345;
    const char *why = NULL;
    char name[128];
    int rc;

    rc = mx_strtod(s, min, max, &v, &why);
    snprintf(name, sizeof(name), "strtod \"%.40s\" fails", s ? s : "(null)");
    tap_is_int(rc, -1, name);
    snprintf(name, sizeof(name), "strtod \"%.40s\" reason", s ? s : "(null)");
    tap_is_str(why, want, name);
    snprintf(name, sizeof(name), "strtod \"%.40s\" leaves *out",
             s ? s : "(null)");
    tap_is_num(v, -12345, name);
}

static void
test_strtod(void)
{
    char big[420], tiny[420];
    double v = 0;
    const char *why = NULL;

    dbl_ok("10", 0, 100, 10);
    dbl_ok("-1.5", -10, 10, -1.5);
    dbl_ok(".5", 0, 1, 0.5);
    dbl_ok("3.", 0, 10, 3);
    dbl_ok("+2.25", 0, 10, 2.25);
    dbl_ok("-.25", -1, 0, -0.25);
    dbl_ok("0", 0, 0, 0);
    dbl_ok("3600", 0, 3600, 3600);
    dbl_ok("0.000001", 0, 1, 0.000001);
    dbl_ok("123456789.25", 0, 1e10, 123456789.25);

    mx_strtod("0.1", 0, 1, &v, NULL);
    tap_ok(v == 0.1, "\"0.1\" is exactly the double 0.1");
    mx_strtod("-0", -1, 1, &v, NULL);
    tap_ok(v == 0, "\"-0\" is zero");

    dbl_bad("", 0, 10, "is invalid");
    dbl_bad(NULL, 0, 10, "is invalid");
    dbl_bad(".", 0, 10, "is invalid");
    dbl_bad("-", -10, 10, "is invalid");
    dbl_bad("+.", 0, 10, "is invalid");
    dbl_bad("-.", -10, 10, "is invalid");
    dbl_bad("1e3", 0, 1e6, "is invalid");
    dbl_bad("1E3", 0, 1e6, "is invalid");
    dbl_bad("1e-3", 0, 1, "is invalid");
    dbl_bad("0x10", 0, 100, "is invalid");
    dbl_bad("0x1p3", 0, 100, "is invalid");
    dbl_bad("inf", 0, 10, "is invalid");
    dbl_bad("-infinity", -10, 10, "is invalid");
    dbl_bad("nan", 0, 10, "is invalid");
    dbl_bad(" 1", 0, 10, "is invalid");
    dbl_bad("1 ", 0, 10, "is invalid");
    dbl_bad("\t1", 0, 10, "is invalid");
    dbl_bad("1.2.3", 0, 10, "is invalid");
    dbl_bad("1,5", 0, 10, "is invalid");
    dbl_bad("--1", -10, 10, "is invalid");
    dbl_bad("1..", 0, 10, "is invalid");
    dbl_bad("..1", 0, 10, "is invalid");
    dbl_bad("1-", 0, 10, "is invalid");
    dbl_bad("1", 10, 0, "is invalid");
    dbl_bad("-0.5", 0, 10, "is too small");
    dbl_bad("3600.5", 0, 3600, "is too large");
    dbl_bad("10.000001", 0, 10, "is too large");

    /* 1 followed by 400 zeros overflows a double. */
    big[0] = '1';
    memset(big + 1, '0', 400);
    big[401] = '\0';
    dbl_bad(big, -1e308, 1e308, "is too large");
    big[0] = '-';
    big[1] = '1';
    dbl_bad(big, -1e308, 1e308, "is too small");

    /* 0.000...1 with 400 zeros underflows to 0, which is fine. */
    memcpy(tiny, "0.", 2);
    memset(tiny + 2, '0', 400);
    tiny[402] = '1';
    tiny[403] = '\0';
    dbl_ok(tiny, 0, 1, 0);

    tap_is_int(mx_strtod("1.5", 0, 2, &v, NULL), 0, "errstr may be NULL");
    tap_is_num(v, 1.5, "value with errstr NULL");
    tap_is_int(mx_strtod("1.5", 0, 2, &v, &why), 0, "1.5 again");
}

/* A locale with a decimal comma must not change anything. */
static void
test_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "fr_FR.UTF-8", "de_DE"};
    const char *why = NULL;
    double v = 0;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (setlocale(LC_NUMERIC, names[i]) != NULL)
            break;
    if (i == sizeof(names) / sizeof(names[0])) {
        printf("# no locale with a decimal comma installed; "
               "locale checks not run\n");
        return;
    }
    tap_is_int(mx_strtod("1.5", 0, 2, &v, &why), 0,
               "1.5 parses under a decimal-comma locale");
    tap_is_num(v, 1.5, "1.5 is 1.5 under a decimal-comma locale");
    tap_is_int(mx_strtod("1,5", 0, 2, &v, &why), -1,
               "1,5 is refused under a decimal-comma locale");
    setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
    test_strtonum();
    test_strtod();
    test_locale();
    return tap_done();
}
