/*
 * fuzz_numbers.c - libFuzzer target for the numbers that come from the
 * command line and files: strnum.c (integers and decimals with bounds),
 * range.c (threshold ranges), and the option values of opts.c built on
 * them (timeouts, durations, ports, bounded counts).
 *
 * Input: the first byte picks the parser; the rest, up to a NUL or at
 * most 200 bytes, is the text. Besides the sanitizers, the target aborts
 * when a parser accepts text and gives back a value outside its bounds
 * (or NaN), when a range is not what range.h says (start above end, an
 * alert for a value on an end of a plain range), or when a failure has no
 * message.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "range.h"
#include "strnum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
range(const char *s)
{
    struct mx_range r;
    char why[128];

    why[0] = '\0';
    if (mx_range_parse(s, &r, why, sizeof(why)) != 0) {
        if (why[0] == '\0')
            abort();
        return;
    }
    if (!r.start_inf && !r.end_inf && r.start > r.end)
        abort();
    if (r.start != r.start || r.end != r.end) /* NaN */
        abort();
    if (!r.inside && !r.start_inf && mx_range_alert(&r, r.start))
        abort();
    if (!r.inside && !r.end_inf && mx_range_alert(&r, r.end))
        abort();
    if (r.inside && !r.start_inf && !mx_range_alert(&r, r.start))
        abort();
    if (memchr(r.text, '\0', sizeof(r.text)) == NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[201];
    const char *why = NULL;
    struct mx_error err;
    enum mx_state st = MX_CRITICAL;
    long long ll;
    double d;
    long l;
    int port;
    size_t k;

    if (size < 1)
        return 0;
    k = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;
    memcpy(s, data + 1, k);
    s[k] = '\0';
    mx_error_clear(&err);
    switch (data[0] % 8) {
    case 0:
        if (mx_strtonum(s, -1000, 1000000, &ll, &why) == 0) {
            if (ll < -1000 || ll > 1000000)
                abort();
        } else if (why == NULL) {
            abort();
        }
        if (mx_strtonum(s, LLONG_MIN, LLONG_MAX, &ll, &why) != 0 && why == NULL)
            abort();
        break;
    case 1:
        if (mx_strtod(s, -5.5, 1e6, &d, &why) == 0) {
            if (d != d || d < -5.5 || d > 1e6)
                abort();
        } else if (why == NULL) {
            abort();
        }
        break;
    case 2:
        range(s);
        break;
    case 3:
        if (mx_parse_timeout(s, &d, &st, &err) == 0) {
            if (!(d > 0 && d <= MX_MAX_TIMEOUT) || mx_state_rank(st) < 0)
                abort();
        } else if (err.msg[0] == '\0') {
            abort();
        }
        break;
    case 4:
        if (mx_parse_duration(s, "--max-age", &l, &err) == 0) {
            if (l < 1 || l > 315360000L)
                abort();
        } else if (err.msg[0] == '\0') {
            abort();
        }
        break;
    case 5:
        if (mx_parse_port(s, &port, &err) == 0) {
            if (port < 1 || port > 65535)
                abort();
        } else if (err.msg[0] == '\0') {
            abort();
        }
        break;
    case 6:
        if (mx_parse_bounded(s, "--parallel", 1, 64, &ll, &err) == 0) {
            if (ll < 1 || ll > 64)
                abort();
        } else if (err.msg[0] == '\0') {
            abort();
        }
        break;
    default:
        st = mx_state_parse(s);
        if (st != MX_STATE_INVALID && mx_state_rank(st) < 0)
            abort();
        break;
    }
    return 0;
}
