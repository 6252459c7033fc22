/*
 * test_result.c - the result tree, the summary rules and the rendering.
 */
#include <stddef.h>

#include "result.h"
#include "tap.h"

/* Render c, compare with want and the returned state with st. */
static void
render_is(struct mx_check *c, const char *want, enum mx_state st,
          const char *name)
{
    struct mx_buf out = MX_BUF_INIT;
    char n[160];

    snprintf(n, sizeof(n), "%s: state", name);
    tap_is_int(mx_check_render(c, &out), st, n);
    snprintf(n, sizeof(n), "%s: mx_check_state agrees", name);
    tap_is_int(mx_check_state(c), st, n);
    snprintf(n, sizeof(n), "%s: output", name);
    tap_is_str(mx_buf_str(&out), want, n);
    mx_buf_free(&out);
}

static void
test_empty(void)
{
    struct mx_check *c = mx_check_new("TLS CERT");

    render_is(c, "TLS CERT OK\n", MX_OK, "empty check");
    mx_check_free(c);

    c = mx_check_new("");
    mx_check_add(c, NULL, MX_OK, "fine");
    render_is(c, "OK - fine\n[OK] fine\n", MX_OK, "empty label");
    mx_check_free(c);

    c = mx_check_new(NULL);
    render_is(c, "OK\n", MX_OK, "NULL label");
    mx_check_free(c);

    render_is(NULL, "UNKNOWN - out of memory\n", MX_UNKNOWN,
              "a check that could not be made");
    mx_check_free(NULL);
}

static void
test_ok_summary(void)
{
    struct mx_check *c = mx_check_new("SMTP TLS");
    struct mx_node *a;

    a = mx_check_add(c, NULL, MX_OK, "certificate valid for %d days", 80);
    mx_check_add(c, a, MX_OK, "issuer %s", "Example CA");
    mx_check_add(c, NULL, MX_OK, "TLSv1.3");
    render_is(c,
              "SMTP TLS OK - certificate valid for 80 days; TLSv1.3\n"
              "[OK] certificate valid for 80 days\n"
              "  [OK] issuer Example CA\n"
              "[OK] TLSv1.3\n",
              MX_OK, "OK summary from top-level texts");

    mx_check_ok_summary(c, "all %d checks passed", 3);
    render_is(c,
              "SMTP TLS OK - all 3 checks passed\n"
              "[OK] certificate valid for 80 days\n"
              "  [OK] issuer Example CA\n"
              "[OK] TLSv1.3\n",
              MX_OK, "OK summary given");
    mx_check_ok_summary(c, "replaced");
    render_is(c,
              "SMTP TLS OK - replaced\n"
              "[OK] certificate valid for 80 days\n"
              "  [OK] issuer Example CA\n"
              "[OK] TLSv1.3\n",
              MX_OK, "OK summary replaced");

    mx_check_add(c, NULL, MX_WARNING, "TLSv1.0 offered");
    render_is(c,
              "SMTP TLS WARNING - TLSv1.0 offered\n"
              "[OK] certificate valid for 80 days\n"
              "  [OK] issuer Example CA\n"
              "[OK] TLSv1.3\n"
              "[WARNING] TLSv1.0 offered\n",
              MX_WARNING, "OK summary not used for a problem");
    mx_check_free(c);
}

static void
test_problem_order(void)
{
    struct mx_check *c = mx_check_new("X");
    struct mx_node *w1, *c1;

    w1 = mx_check_add(c, NULL, MX_WARNING, "w1");
    c1 = mx_check_add(c, NULL, MX_CRITICAL, "c1");
    mx_check_add(c, NULL, MX_UNKNOWN, "u1");
    mx_check_add(c, NULL, MX_OK, "ok1");
    mx_check_add(c, w1, MX_WARNING, "w2");
    mx_check_add(c, NULL, MX_UNKNOWN, "u2");
    mx_check_add(c, c1, MX_CRITICAL, "c2");
    mx_check_add(c, w1, MX_OK, "ok2");
    render_is(c,
              "X CRITICAL - c1; c2; w1; w2; u1; u2\n"
              "[WARNING] w1\n"
              "  [WARNING] w2\n"
              "  [OK] ok2\n"
              "[CRITICAL] c1\n"
              "  [CRITICAL] c2\n"
              "[UNKNOWN] u1\n"
              "[OK] ok1\n"
              "[UNKNOWN] u2\n",
              MX_CRITICAL,
              "worst first, insertion order within a state, any depth");
    mx_check_free(c);
}

static void
test_worst_state(void)
{
    static const struct {
        enum mx_state a, b, want;
    } cases[] = {
        {MX_OK, MX_OK, MX_OK},
        {MX_OK, MX_UNKNOWN, MX_UNKNOWN},
        {MX_UNKNOWN, MX_WARNING, MX_WARNING},
        {MX_WARNING, MX_UNKNOWN, MX_WARNING},
        {MX_WARNING, MX_CRITICAL, MX_CRITICAL},
        {MX_CRITICAL, MX_UNKNOWN, MX_CRITICAL},
    };
    struct mx_check *c;
    char name[64];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c = mx_check_new("S");
        mx_check_add(c, NULL, cases[i].a, "a");
        mx_check_add(c, NULL, cases[i].b, "b");
        snprintf(name, sizeof(name), "state of %s + %s",
                 mx_state_name(cases[i].a), mx_state_name(cases[i].b));
        tap_is_int(mx_check_state(c), cases[i].want, name);
        mx_check_free(c);
    }

    c = mx_check_new("S");
    mx_check_add(c, NULL, MX_UNKNOWN, "could not resolve");
    mx_check_add(c, NULL, MX_WARNING, "expires soon");
    render_is(c,
              "S WARNING - expires soon; could not resolve\n"
              "[UNKNOWN] could not resolve\n"
              "[WARNING] expires soon\n",
              MX_WARNING, "UNKNOWN does not hide a WARNING");
    mx_check_free(c);

    c = mx_check_new("S");
    mx_check_add(c, NULL, MX_STATE_INVALID, "bad state");
    render_is(c, "S UNKNOWN - bad state\n[UNKNOWN] bad state\n", MX_UNKNOWN,
              "an invalid node state counts as UNKNOWN");
    mx_check_free(c);
}

static void
test_node_summary(void)
{
    struct mx_check *c = mx_check_new("TLS CERT");
    struct mx_node *n;

    n = mx_check_add(c, NULL, MX_WARNING,
                     "certificate for mx.example.org expires in %d days "
                     "(2030-01-01)",
                     5);
    mx_node_summary(n, "expires in %dd", 6);
    mx_node_summary(n, "expires in %dd", 5);
    mx_check_add(c, NULL, MX_CRITICAL, "no OCSP");
    render_is(c,
              "TLS CERT CRITICAL - no OCSP; expires in 5d\n"
              "[WARNING] certificate for mx.example.org expires in 5 days "
              "(2030-01-01)\n"
              "[CRITICAL] no OCSP\n",
              MX_CRITICAL, "node summary in the summary, text below");
    mx_check_free(c);

    c = mx_check_new("T");
    n = mx_check_add(c, NULL, MX_OK, "long OK text");
    mx_node_summary(n, "short");
    render_is(c, "T OK - long OK text\n[OK] long OK text\n", MX_OK,
              "an OK summary uses the node text");
    mx_check_free(c);

    mx_node_summary(NULL, "ignored");
    mx_node_raise(NULL, MX_CRITICAL);
    tap_ok(1, "NULL nodes are ignored");
}

static void
test_raise(void)
{
    struct mx_check *c = mx_check_new("R");
    struct mx_node *n, *k;

    n = mx_check_add(c, NULL, MX_OK, "parent");
    k = mx_check_add(c, n, MX_OK, "child");
    mx_node_raise(k, MX_WARNING);
    render_is(c,
              "R WARNING - child\n"
              "[OK] parent\n"
              "  [WARNING] child\n",
              MX_WARNING, "raise a child; its parent keeps its own state");
    mx_node_raise(k, MX_OK);
    mx_node_raise(k, MX_UNKNOWN);
    tap_is_int(mx_check_state(c), MX_WARNING,
               "raise never lowers (OK, UNKNOWN after WARNING)");
    mx_node_raise(n, MX_CRITICAL);
    render_is(c,
              "R CRITICAL - parent; child\n"
              "[CRITICAL] parent\n"
              "  [WARNING] child\n",
              MX_CRITICAL, "raise a parent");
    mx_check_free(c);
}

static void
test_forced(void)
{
    struct mx_check *c = mx_check_new("TLS CERT");

    mx_check_summary(c, MX_UNKNOWN, "cannot resolve %s", "mx.example");
    render_is(c, "TLS CERT UNKNOWN - cannot resolve mx.example\n", MX_UNKNOWN,
              "only a forced UNKNOWN summary");
    mx_check_free(c);

    c = mx_check_new("L");
    mx_check_add(c, NULL, MX_CRITICAL, "expired");
    mx_check_add(c, NULL, MX_OK, "fine");
    mx_check_summary(c, MX_UNKNOWN, "connection lost");
    render_is(c,
              "L CRITICAL - connection lost\n"
              "[CRITICAL] expired\n"
              "[OK] fine\n",
              MX_CRITICAL, "forced summary, worse tree state wins");
    mx_check_free(c);

    c = mx_check_new("L");
    mx_check_add(c, NULL, MX_OK, "fine");
    mx_check_ok_summary(c, "all fine");
    mx_check_summary(c, MX_WARNING, "first try");
    mx_check_summary(c, MX_CRITICAL, "timeout after %gs", 10.0);
    render_is(c, "L CRITICAL - timeout after 10s\n[OK] fine\n", MX_CRITICAL,
              "forced summary replaces the previous one and the OK one");
    mx_check_free(c);

    c = mx_check_new("L");
    mx_check_summary(c, MX_OK, "%s", "");
    render_is(c, "L OK\n", MX_OK, "an empty forced summary has no \" - \"");
    mx_check_free(c);
}

static void
test_censor(void)
{
    struct mx_check *c = mx_check_new("A|B");
    struct mx_node *n;

    n = mx_check_add(c, NULL, MX_WARNING, "x|y\tz\r\nw\177");
    mx_check_add(c, n, MX_OK, "caf\303\251 | ok");
    render_is(c,
              "A/B WARNING - x/y?z??w?\n"
              "[WARNING] x/y?z??w?\n"
              "  [OK] caf\303\251 / ok\n",
              MX_WARNING, "'|' becomes '/', control characters '?'");
    mx_node_summary(n, "s|\n");
    mx_check_ok_summary(c, "never shown");
    render_is(c,
              "A/B WARNING - s/?\n"
              "[WARNING] x/y?z??w?\n"
              "  [OK] caf\303\251 / ok\n",
              MX_WARNING, "node summaries are censored too");
    mx_check_summary(c, MX_WARNING, "a|b\n");
    render_is(c,
              "A/B WARNING - a/b?\n"
              "[WARNING] x/y?z??w?\n"
              "  [OK] caf\303\251 / ok\n",
              MX_WARNING, "forced summaries are censored too");
    mx_check_free(c);

    c = mx_check_new("O");
    mx_check_ok_summary(c, "1|2");
    render_is(c, "O OK - 1/2\n", MX_OK, "OK summaries are censored too");
    mx_check_free(c);
}

static void
test_perf(void)
{
    struct mx_check *c = mx_check_new("TLS CERT");
    struct mx_range w, cr;
    struct mx_perf p;

    mx_range_parse("30:", &w, NULL, 0);
    mx_range_parse("7:", &cr, NULL, 0);
    mx_check_add(c, NULL, MX_OK, "valid for 80 days");
    memset(&p, 0, sizeof(p));
    p.label = "days left";
    p.value = 80.5;
    p.warn = &w;
    p.crit = &cr;
    tap_is_int(mx_check_perf(c, &p), 0, "add perfdata");
    memset(&p, 0, sizeof(p));
    p.label = "time";
    p.value = 0.125;
    p.uom = "s";
    p.has_min = 1;
    p.min = 0;
    tap_is_int(mx_check_perf(c, &p), 0, "add more perfdata");
    p.label = "bad";
    p.uom = "GB";
    tap_is_int(mx_check_perf(c, &p), -1, "a bad unit is refused");
    p.uom = "ms";
    p.label = "a|b";
    tap_is_int(mx_check_perf(c, &p), 0, "a label with '|'");
    render_is(c,
              "TLS CERT OK - valid for 80 days | 'days left'=80.5;30:;7: "
              "time=0.125s;;;0 a/b=0.125ms;;;0\n"
              "[OK] valid for 80 days\n",
              MX_OK, "perfdata on the first line after \" | \"");
    tap_is_num(p.value, 0.125, "the item was copied, not changed");
    mx_check_free(c);

    c = mx_check_new("P");
    memset(&p, 0, sizeof(p));
    p.label = "n";
    p.value = 3;
    mx_check_perf(c, &p);
    render_is(c, "P OK | n=3\n", MX_OK, "perfdata without summary");
    tap_is_int(mx_check_perf(NULL, &p), -1, "perfdata for no check");
    mx_check_free(c);
}

static void
test_misc(void)
{
    struct mx_check *c = mx_check_new("M"), *other = mx_check_new("O");
    struct mx_node *a, *b, *d;
    struct mx_buf out = MX_BUF_INIT;

    a = mx_check_add(c, NULL, MX_OK, "level 0");
    b = mx_check_add(c, a, MX_OK, "level 1");
    d = mx_check_add(c, b, MX_OK, "level 2");
    mx_check_add(c, d, MX_OK, "level 3");
    mx_check_add(c, NULL, MX_OK, "second");
    tap_ok(mx_check_add(NULL, NULL, MX_OK, "x") == NULL,
           "no node without a check");
    tap_ok(mx_check_add(other, a, MX_OK, "x") == NULL,
           "no node under another check's node");
    mx_buf_append(&out, "prefix\n");
    tap_is_int(mx_check_render(c, &out), MX_OK, "nested: state");
    tap_is_str(mx_buf_str(&out),
               "prefix\n"
               "M OK - level 0; second\n"
               "[OK] level 0\n"
               "  [OK] level 1\n"
               "    [OK] level 2\n"
               "      [OK] level 3\n"
               "[OK] second\n",
               "two spaces per level; render appends to the buffer");
    tap_is_int(out.s[out.len - 1], '\n', "output ends with a newline");
    render_is(other, "O OK\n", MX_OK, "the other check stayed empty");
    mx_buf_free(&out);
    mx_check_free(c);
    mx_check_free(other);
}

int
main(void)
{
    test_empty();
    test_ok_summary();
    test_problem_order();
    test_worst_state();
    test_node_summary();
    test_raise();
    test_forced();
    test_censor();
    test_perf();
    test_misc();
    return tap_done();
}
