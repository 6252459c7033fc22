/*
 * test_perfdata.c - perfdata items and number formatting.
 */
#include <stddef.h>

#include "perfdata.h"
#include "range.h"
#include "tap.h"

static void
num(double v, const char *want, const char *name)
{
    struct mx_buf b = MX_BUF_INIT;

    mx_fmt_num(&b, v);
    tap_is_str(mx_buf_str(&b), want, name);
    mx_buf_free(&b);
}

static void
test_fmt_num(void)
{
    struct mx_buf b = MX_BUF_INIT;

    num(0, "0", "0");
    num(-0.0, "0", "-0.0 is 0");
    num(1.5, "1.5", "1.5");
    num(10, "10", "10 keeps its zero");
    num(100, "100", "100 keeps its zeros");
    num(1.1, "1.1", "1.1");
    num(0.25, "0.25", "0.25");
    num(0.000001, "0.000001", "0.000001");
    num(0.0000001, "0", "0.0000001 is 0");
    num(-0.0000001, "0", "-0.0000001 is 0, not -0");
    num(0.0000015, "0.000002", "rounded to 6 fraction digits");
    num(123456789.25, "123456789.25", "123456789.25");
    num(-3.125, "-3.125", "-3.125");
    num(-42, "-42", "-42");
    num(1e20, "100000000000000000000", "1e20 without exponent");
    num(-1e15, "-1000000000000000", "-1e15 without exponent");
    num(NAN, "U", "NaN is U");
    num(INFINITY, "U", "infinity is U");

    mx_fmt_num(&b, 1e300);
    tap_is_int((long long)b.len, 301, "1e300 is 301 digits");
    tap_ok(strchr(mx_buf_str(&b), 'e') == NULL, "1e300 has no exponent");
    tap_ok(strncmp(mx_buf_str(&b), "1000000000000000052504760255204420248",
                   37) == 0,
           "1e300 starts with its digits");
    mx_buf_reset(&b);
    mx_fmt_num(&b, -1.7976931348623157e308);
    tap_is_int((long long)b.len, 310, "-DBL_MAX is written in full");
    mx_buf_reset(&b);
    mx_buf_append(&b, "x=");
    mx_fmt_num(&b, 2);
    tap_is_str(mx_buf_str(&b), "x=2", "mx_fmt_num appends");
    mx_buf_free(&b);
}

static void
perf(const struct mx_perf *p, const char *want, const char *name)
{
    struct mx_buf b = MX_BUF_INIT;
    char n[160];

    mx_buf_append(&b, "<");
    snprintf(n, sizeof(n), "%s: accepted", name);
    tap_is_int(mx_perf_format(&b, p), 0, n);
    snprintf(n, sizeof(n), "%s: text", name);
    mx_buf_append(&b, ">");
    tap_is_str(mx_buf_str(&b), want, n);
    mx_buf_free(&b);
}

static void
perf_bad(const struct mx_perf *p, const char *name)
{
    struct mx_buf b = MX_BUF_INIT;
    char n[160];

    mx_buf_append(&b, "before");
    snprintf(n, sizeof(n), "%s: refused", name);
    tap_is_int(mx_perf_format(&b, p), -1, n);
    snprintf(n, sizeof(n), "%s: nothing appended", name);
    tap_is_str(mx_buf_str(&b), "before", n);
    mx_buf_free(&b);
}

static void
test_fields(void)
{
    struct mx_range w, c;
    struct mx_perf p;

    mx_range_parse("~:10", &w, NULL, 0);
    mx_range_parse("@10:20.5", &c, NULL, 0);

    memset(&p, 0, sizeof(p));
    p.label = "a";
    p.value = 1;
    perf(&p, "<a=1>", "value only");

    p.has_max = 1;
    p.max = 10;
    perf(&p, "<a=1;;;;10>", "value and max");

    p.has_max = 0;
    p.has_min = 1;
    p.min = 0;
    perf(&p, "<a=1;;;0>", "value and min 0");

    p.has_min = 0;
    p.warn = &w;
    perf(&p, "<a=1;~:10>", "value and warn");

    p.warn = NULL;
    p.crit = &c;
    perf(&p, "<a=1;;@10:20.5>", "value and crit");

    p.label = "time";
    p.value = 0.25;
    p.uom = "s";
    p.warn = &w;
    p.has_min = 1;
    p.min = 0;
    p.has_max = 1;
    p.max = 30;
    perf(&p, "<time=0.25s;~:10;@10:20.5;0;30>", "every field");

    p.has_min = 0;
    perf(&p, "<time=0.25s;~:10;@10:20.5;;30>", "an empty field in the middle");

    memset(&p, 0, sizeof(p));
    p.label = "days";
    p.value = -3.125;
    p.uom = "";
    p.has_min = 1;
    p.min = -0.0;
    perf(&p, "<days=-3.125;;;0>", "negative value, -0 min, empty unit");

    p.value = NAN;
    p.uom = "s";
    perf(&p, "<days=U;;;0>", "a value that is not a number is U");

    p.value = 1;
    p.has_min = 1;
    p.min = NAN;
    perf(&p, "<days=1s>", "a min that is not a number is left out");
}

static void
test_labels(void)
{
    static const struct {
        const char *label;
        const char *want;
    } cases[] = {
        {"plain", "<plain=1>"},         {"a/b:c-d.e_F9", "<a/b:c-d.e_F9=1>"},
        {"my label", "<'my label'=1>"}, {"it's", "<'it''s'=1>"},
        {"'q'", "<'''q'''=1>"},         {"a=b", "<a_b=1>"},
        {"a b=c", "<'a b_c'=1>"},       {"a|b", "<a/b=1>"},
        {"a\nb", "<'a?b'=1>"},          {"caf\303\251", "<'caf\303\251'=1>"},
        {"50%", "<'50%'=1>"},
    };
    struct mx_perf p;
    char name[64];
    size_t i;

    memset(&p, 0, sizeof(p));
    p.value = 1;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p.label = cases[i].label;
        snprintf(name, sizeof(name), "label %zu", i);
        perf(&p, cases[i].want, name);
    }
    p.label = "";
    perf_bad(&p, "empty label");
    p.label = NULL;
    perf_bad(&p, "NULL label");
}

static void
test_units(void)
{
    static const char *const good[] = {"",  "s",  "ms", "us", "%",
                                       "B", "KB", "MB", "TB", "c"};
    static const char *const badu[] = {"GB", "kb", "S",     "m",  "sec",
                                       " s", "s ", "bytes", "MS", "%%"};
    struct mx_buf b = MX_BUF_INIT;
    struct mx_perf p;
    char name[64], want[32];
    size_t i;

    memset(&p, 0, sizeof(p));
    p.label = "x";
    p.value = 2;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        p.uom = good[i];
        snprintf(name, sizeof(name), "unit \"%s\"", good[i]);
        snprintf(want, sizeof(want), "<x=2%s>", good[i]);
        perf(&p, want, name);
    }
    p.uom = NULL;
    perf(&p, "<x=2>", "NULL unit");
    for (i = 0; i < sizeof(badu) / sizeof(badu[0]); i++) {
        p.uom = badu[i];
        snprintf(name, sizeof(name), "unit \"%s\"", badu[i]);
        perf_bad(&p, name);
    }
    tap_is_int(mx_perf_format(&b, NULL), -1, "NULL item");
    mx_buf_free(&b);
}

static void
test_range_without_text(void)
{
    struct mx_range w, c;
    struct mx_perf p;

    memset(&w, 0, sizeof(w));
    w.start_inf = 1;
    w.end = 5;
    w.inside = 1;
    memset(&c, 0, sizeof(c));
    c.start = 1.5;
    c.end_inf = 1;
    memset(&p, 0, sizeof(p));
    p.label = "r";
    p.value = 3;
    p.warn = &w;
    p.crit = &c;
    perf(&p, "<r=3;@~:5;1.5:>", "ranges built by hand are written out");
    tap_is_num(c.start, 1.5, "and left as they were");
}

int
main(void)
{
    test_fmt_num();
    test_fields();
    test_labels();
    test_units();
    test_range_without_text();
    return tap_done();
}
