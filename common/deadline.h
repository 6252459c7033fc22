/*
 * deadline.h - absolute deadlines on the monotonic clock.
 *
 * A plugin run has one deadline (-t); every wait below it (connect, read,
 * write, handshake, name resolution) asks how many milliseconds remain and
 * gives that to poll(). No signals, no alarm().
 */
#ifndef MX_DEADLINE_H
#define MX_DEADLINE_H

#include <stdint.h>

struct mx_deadline {
    int64_t at_ms; /* monotonic milliseconds; INT64_MAX: none */
};

int64_t mx_now_ms(void);
int64_t mx_now_us(void); /* microseconds, for timing short exchanges */

/* A deadline secs seconds from now (secs <= 0: already passed). */
struct mx_deadline mx_deadline_in(double secs);

/* A deadline secs seconds after start_ms (a past mx_now_ms()): a run's
 * deadline counts from its start, not from when -t was read. */
struct mx_deadline mx_deadline_from(int64_t start_ms, double secs);

/* The earlier of two deadlines. */
struct mx_deadline mx_deadline_min(struct mx_deadline a, struct mx_deadline b);

/* Milliseconds left, clamped to [0, INT32_MAX] for poll(). */
int mx_deadline_left_ms(struct mx_deadline d);

int mx_deadline_passed(struct mx_deadline d);

#endif
