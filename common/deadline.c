/*
 * deadline.c - absolute deadlines on CLOCK_MONOTONIC.
 *
 * Cannot fail: clock_gettime(CLOCK_MONOTONIC) is always available on the
 * systems we build for; should it fail, time stands still at 0 and
 * deadlines computed from it still order correctly.
 */
#include <limits.h>
#include <time.h>

#include "deadline.h"

int64_t
mx_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mx_now_us(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct mx_deadline
mx_deadline_from(int64_t start_ms, double secs)
{
    struct mx_deadline d;

    if (secs <= 0)
        d.at_ms = start_ms;
    else if (secs > 1e9)
        d.at_ms = INT64_MAX;
    else
        d.at_ms = start_ms + (int64_t)(secs * 1000.0 + 0.5);
    return d;
}

struct mx_deadline
mx_deadline_in(double secs)
{
    return mx_deadline_from(mx_now_ms(), secs);
}

struct mx_deadline
mx_deadline_min(struct mx_deadline a, struct mx_deadline b)
{
    return a.at_ms <= b.at_ms ? a : b;
}

int
mx_deadline_left_ms(struct mx_deadline d)
{
    int64_t left;

    if (d.at_ms == INT64_MAX)
        return INT_MAX;
    left = d.at_ms - mx_now_ms();
    if (left < 0)
        return 0;
    if (left > INT_MAX)
        return INT_MAX;
    return (int)left;
}

int
mx_deadline_passed(struct mx_deadline d)
{
    return mx_deadline_left_ms(d) == 0;
}
