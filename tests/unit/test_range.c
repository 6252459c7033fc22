/*
 * test_range.c - threshold range parsing and alerting.
 */
#include <stddef.h>

#include "range.h"
#include "tap.h"

struct probe {
    double x;
    int alert;
};

static void
check_range(const char *text, const struct probe *p, size_t n)
{
    struct mx_range r;
    char err[128] = "", name[128];
    size_t i;

    snprintf(name, sizeof(name), "parse \"%s\"", text);
    if (!tap_is_int(mx_range_parse(text, &r, err, sizeof(err)), 0, name)) {
        printf("#   err: %s\n", err);
        return;
    }
    snprintf(name, sizeof(name), "\"%s\" keeps its text", text);
    tap_is_str(r.text, text, name);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "\"%s\" with %g %s", text, p[i].x,
                 p[i].alert ? "alerts" : "does not alert");
        tap_is_int(mx_range_alert(&r, p[i].x), p[i].alert, name);
    }
}

#define CHECK(text, ...)                                                  \
    do {                                                                  \
        static const struct probe probes_[] = {__VA_ARGS__};              \
        check_range(text, probes_, sizeof(probes_) / sizeof(probes_[0])); \
    } while (0)

static void
test_guideline_examples(void)
{
    /* "10": alert if x < 0 or x > 10 */
    CHECK("10", {-1, 1}, {-0.000001, 1}, {0, 0}, {5, 0}, {10, 0},
          {10.000001, 1}, {11, 1});
    /* "10:": alert if x < 10 */
    CHECK("10:", {-5, 1}, {9.999999, 1}, {10, 0}, {11, 0}, {1e12, 0});
    /* "~:10": alert if x > 10 */
    CHECK("~:10", {-1e12, 0}, {-1, 0}, {0, 0}, {10, 0}, {10.000001, 1},
          {11, 1});
    /* "10:20": alert if x < 10 or x > 20 */
    CHECK("10:20", {9, 1}, {9.999999, 1}, {10, 0}, {15, 0}, {20, 0},
          {20.000001, 1}, {21, 1});
    /* "@10:20": alert if 10 <= x <= 20 */
    CHECK("@10:20", {9, 0}, {9.999999, 0}, {10, 1}, {15, 1}, {20, 1},
          {20.000001, 0}, {21, 0});
}

static void
test_more_ranges(void)
{
    CHECK("-5:-1", {-6, 1}, {-5, 0}, {-3, 0}, {-1, 0}, {-0.5, 1}, {0, 1});
    CHECK("0.5:1.5", {0.4, 1}, {0.5, 0}, {1, 0}, {1.5, 0}, {1.6, 1});
    CHECK("~:-0.5", {-100, 0}, {-0.5, 0}, {-0.4, 1}, {0, 1});
    CHECK("~:", {-1e300, 0}, {0, 0}, {1e300, 0});
    CHECK("@~:", {-1e300, 1}, {0, 1}, {1e300, 1});
    CHECK("@10", {-1, 0}, {0, 1}, {10, 1}, {11, 0});
    CHECK("@10:", {9, 0}, {10, 1}, {1e9, 1});
    CHECK("@~:10", {-1e9, 1}, {10, 1}, {10.5, 0});
    CHECK("10:10", {9.9, 1}, {10, 0}, {10.1, 1});
    CHECK("0", {-0.1, 1}, {0, 0}, {0.1, 1});
    CHECK("+5:+10", {4, 1}, {5, 0}, {10, 0}, {11, 1});
    CHECK("-.5:.5", {-0.6, 1}, {-0.5, 0}, {0.5, 0}, {0.6, 1});
    CHECK("3.:4.", {2.9, 1}, {3, 0}, {4, 0}, {4.1, 1});
}

static void
test_fields(void)
{
    struct mx_range r;

    mx_range_parse("10", &r, NULL, 0);
    tap_is_num(r.start, 0, "\"10\" starts at 0");
    tap_is_num(r.end, 10, "\"10\" ends at 10");
    tap_ok(!r.start_inf && !r.end_inf && !r.inside, "\"10\" flags");

    mx_range_parse("10:", &r, NULL, 0);
    tap_is_num(r.start, 10, "\"10:\" starts at 10");
    tap_ok(!r.start_inf && r.end_inf && !r.inside, "\"10:\" flags");

    mx_range_parse("~:10", &r, NULL, 0);
    tap_is_num(r.end, 10, "\"~:10\" ends at 10");
    tap_ok(r.start_inf && !r.end_inf && !r.inside, "\"~:10\" flags");

    mx_range_parse("@-5.25:7.5", &r, NULL, 0);
    tap_is_num(r.start, -5.25, "\"@-5.25:7.5\" starts at -5.25");
    tap_is_num(r.end, 7.5, "\"@-5.25:7.5\" ends at 7.5");
    tap_ok(!r.start_inf && !r.end_inf && r.inside, "\"@-5.25:7.5\" flags");
    tap_is_str(r.text, "@-5.25:7.5", "\"@-5.25:7.5\" text");

    mx_range_parse("~:", &r, NULL, 0);
    tap_ok(r.start_inf && r.end_inf && !r.inside, "\"~:\" flags");
}

static void
bad(const char *text, const char *want)
{
    struct mx_range r;
    char err[160] = "", name[160];

    memset(&r, 0, sizeof(r));
    memcpy(r.text, "untouched", 10);
    snprintf(name, sizeof(name), "\"%s\" is refused", text ? text : "NULL");
    tap_is_int(mx_range_parse(text, &r, err, sizeof(err)), -1, name);
    snprintf(name, sizeof(name), "\"%s\" reason", text ? text : "NULL");
    tap_is_str(err, want, name);
    snprintf(name, sizeof(name), "\"%s\" leaves the range alone",
             text ? text : "NULL");
    tap_is_str(r.text, "untouched", name);
}

static void
test_errors(void)
{
    char text[80], err[8], err2[160];
    struct mx_range r;

    bad("", "range \"\": is empty");
    bad(NULL, "range \"\": is empty");
    bad(":", "range \":\": start is missing (use ~ for negative infinity)");
    bad(":10", "range \":10\": start is missing (use ~ for negative "
               "infinity)");
    bad("20:10", "range \"20:10\": has its start above its end");
    bad("-1:-2", "range \"-1:-2\": has its start above its end");
    bad("-5", "range \"-5\": has its start above its end");
    bad("abc", "range \"abc\": end is invalid");
    bad("1e3", "range \"1e3\": end is invalid");
    bad("1e3:", "range \"1e3:\": start is invalid");
    bad(" 10", "range \" 10\": end is invalid");
    bad("10 ", "range \"10 \": end is invalid");
    bad("10: 20", "range \"10: 20\": end is invalid");
    bad("10 :20", "range \"10 :20\": start is invalid");
    bad("@", "range \"@\": has no limits");
    bad("~", "range \"~\": end is invalid");
    bad("@~", "range \"@~\": end is invalid");
    bad("~:~", "range \"~:~\": end is invalid");
    bad("10:~", "range \"10:~\": end is invalid");
    bad("~~:1", "range \"~~:1\": start is invalid");
    bad("@@10", "range \"@@10\": end is invalid");
    bad("10@", "range \"10@\": end is invalid");
    bad("1:2:3", "range \"1:2:3\": end is invalid");
    bad("10:abc", "range \"10:abc\": end is invalid");
    bad("0x10", "range \"0x10\": end is invalid");
    bad("inf", "range \"inf\": end is invalid");
    bad("nan:", "range \"nan:\": start is invalid");
    bad("10%", "range \"10%\": end is invalid");

    /* 63 characters fit into text[64], 64 do not. */
    memset(text, '0', 63);
    text[1] = ':';
    text[63] = '\0';
    tap_is_int(mx_range_parse(text, &r, NULL, 0), 0,
               "a 63-character range is accepted");
    tap_is_str(r.text, text, "and kept whole");
    memset(text, '0', 64);
    text[1] = ':';
    text[64] = '\0';
    tap_is_int(mx_range_parse(text, &r, err2, sizeof(err2)), -1,
               "a 64-character range is refused, not truncated");
    tap_ok(strstr(err2, "\": is too long") != NULL, "because it is too long");

    tap_is_int(mx_range_parse("20:10", &r, err, sizeof(err)), -1,
               "a short error buffer");
    tap_is_str(err, "range \"", "gets a cut, terminated message");
    tap_is_int(mx_range_parse("abc", &r, NULL, 0), -1, "err may be NULL");
}

static void
test_nan(void)
{
    struct mx_range r;

    mx_range_parse("~:", &r, NULL, 0);
    tap_is_int(mx_range_alert(&r, NAN), 1, "NaN alerts even for \"~:\"");
    mx_range_parse("@10:20", &r, NULL, 0);
    tap_is_int(mx_range_alert(&r, NAN), 1, "NaN alerts for \"@10:20\"");
}

/* Days-left thresholds: a plain number is "fewer than N". */
static void
check_min(const char *text, const char *want_text, const struct probe *p,
          size_t n)
{
    struct mx_range r;
    char err[160] = "", name[128];
    size_t i;

    snprintf(name, sizeof(name), "parse_min \"%s\"", text);
    if (!tap_is_int(mx_range_parse_min(text, &r, err, sizeof(err)), 0, name)) {
        printf("#   err: %s\n", err);
        return;
    }
    snprintf(name, sizeof(name), "parse_min \"%s\" reads as \"%s\"", text,
             want_text);
    tap_is_str(r.text, want_text, name);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "min \"%s\" with %g %s", text, p[i].x,
                 p[i].alert ? "alerts" : "does not alert");
        tap_is_int(mx_range_alert(&r, p[i].x), p[i].alert, name);
    }
}

#define CHECK_MIN(text, want, ...)                                            \
    do {                                                                      \
        static const struct probe probes_[] = {__VA_ARGS__};                  \
        check_min(text, want, probes_, sizeof(probes_) / sizeof(probes_[0])); \
    } while (0)

static void
test_min(void)
{
    struct mx_range r;
    char err[160];
    double f = -1;

    /* -w 30: fewer than 30 days left warns; 824 days left does not. */
    CHECK_MIN("30", "30:", {824, 0}, {30, 0}, {29.99, 1}, {0, 1}, {-3, 1});
    CHECK_MIN("14.5", "14.5:", {14.5, 0}, {14.4, 1});
    CHECK_MIN("0", "0:", {0, 0}, {-0.01, 1});
    /* Explicit ranges keep the guideline meaning. */
    CHECK_MIN("30:", "30:", {31, 0}, {29, 1});
    CHECK_MIN("@0:30", "@0:30", {31, 0}, {30, 1}, {0, 1}, {-1, 0});
    CHECK_MIN("~:100", "~:100", {-5, 0}, {101, 1});
    CHECK_MIN("10:20", "10:20", {9, 1}, {15, 0}, {21, 1});

    tap_is_int(mx_range_parse_min("30,14", &r, err, sizeof(err)), -1,
               "parse_min \"30,14\" fails");
    tap_is_str(err,
               "\"30,14\" is neither a number (N: fewer than N) nor a range "
               "(N:, @N:M, ...)",
               "the reason names both forms");
    tap_is_int(mx_range_parse_min("", &r, err, sizeof(err)), -1,
               "parse_min \"\" fails");
    tap_is_int(mx_range_parse_min("30 days", &r, err, sizeof(err)), -1,
               "parse_min \"30 days\" fails");
    tap_is_int(mx_range_parse_min("1e3", &r, err, sizeof(err)), -1,
               "parse_min \"1e3\" fails");
    tap_is_int(mx_range_parse_min("30:14", &r, err, sizeof(err)), -1,
               "parse_min \"30:14\" fails as a range");
    tap_is_str(err, "range \"30:14\": has its start above its end",
               "the range error is mx_range_parse's");
    tap_is_int(mx_range_parse_min("123456789012345678901234567890123456789012"
                                  "34567890123456789012345",
                                  &r, err, sizeof(err)),
               -1, "parse_min of an overlong number fails");

    mx_range_parse_min("30", &r, NULL, 0);
    tap_is_int(mx_range_floor(&r, &f), 1, "\"30\" has a floor");
    tap_ok(f == 30, "the floor of \"30\" is 30");
    mx_range_parse_min("14:", &r, NULL, 0);
    tap_is_int(mx_range_floor(&r, &f), 1, "\"14:\" has a floor");
    tap_ok(f == 14, "the floor of \"14:\" is 14");
    mx_range_parse_min("@0:30", &r, NULL, 0);
    tap_is_int(mx_range_floor(&r, &f), 0, "\"@0:30\" has no floor");
    mx_range_parse_min("10:20", &r, NULL, 0);
    tap_is_int(mx_range_floor(&r, &f), 0, "\"10:20\" has no floor");
    mx_range_parse_min("~:", &r, NULL, 0);
    tap_is_int(mx_range_floor(&r, &f), 0, "\"~:\" has no floor");
}

int
main(void)
{
    test_guideline_examples();
    test_more_ranges();
    test_fields();
    test_errors();
    test_nan();
    test_min();
    return tap_done();
}
