/*
 * scheduler.c - the probe scheduler: tasks as state machines, one poll() loop,
 * a bounded number of connections, one deadline.
 *
 * Error contract: see scheduler.h. Every connection a task opens is closed
 * before its done() callback runs, whatever the outcome.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry.h"
#include "scheduler.h"
#include "suites.h"

/* The first pause before a task turned away by a connection limit is
 * tried again: long enough for a server to reap the connections that just
 * ended (Exim keeps a child about half a second after a failed
 * handshake). */
#define LIMIT_PAUSE_MS 1000
/* A task turned away again, alone, waits twice as long each time, up to
 * this many first pauses (1 s, 2 s, 4 s, 8 s, 8 s, ...): a server under
 * load may count connections that ended a while ago (Postfix's anvil
 * learns of a disconnect only when smtpd reports it, an Exim child
 * lingers until it is reaped). */
#define LIMIT_PAUSE_GROWTH 8
/* How often a task is tried again alone while the server has greeted no
 * connection of the run: a limit met right at the start (the server still
 * counting the connections of a run that just ended) clears within a few
 * seconds; a server that turns every connection away refuses service. */
#define LIMIT_RETRIES_UNGREETED 3
/* The time a retry needs after its pause, kept free before the deadline. */
#define LIMIT_ROOM_MS 2000

enum {
    ST_QUEUED = 0,
    ST_CONNECT,
    ST_APP_BEGIN,
    ST_TLS,
    ST_RAW,
    ST_APP_END,
    ST_DONE
};

void
mx_task_init(struct mx_task *task)
{
    memset(task, 0, sizeof(*task));
    mx_handshake_init(&task->hs);
    mx_conn_init(&task->conn);
}

void
mx_task_free(struct mx_task *task)
{
    mx_handshake_free(&task->hs);
    mx_raw_result_free(&task->raw);
}

void
mx_sched_init(struct mx_sched *s, struct mx_target *t, int max_parallel)
{
    memset(s, 0, sizeof(*s));
    s->t = t;
    if (max_parallel < 1)
        max_parallel = 1;
    if (max_parallel > MX_SCHED_MAX)
        max_parallel = MX_SCHED_MAX;
    s->asked_parallel = max_parallel;
    s->limit_pause_ms = LIMIT_PAUSE_MS;
    if (t->conn_limit > 0 && max_parallel > t->conn_limit)
        max_parallel = t->conn_limit;
    s->max_parallel = max_parallel;
}

void
mx_sched_add(struct mx_sched *s, struct mx_task *task)
{
    task->state = ST_QUEUED;
    task->next = NULL;
    if (s->tail != NULL)
        s->tail->next = task;
    else
        s->head = task;
    s->tail = task;
    s->nqueued++;
}

/* Take task (queued after prev, NULL: first) off the queue. */
static struct mx_task *
unlink_task(struct mx_sched *s, struct mx_task *prev, struct mx_task *task)
{
    if (prev != NULL)
        prev->next = task->next;
    else
        s->head = task->next;
    if (s->tail == task)
        s->tail = prev;
    task->next = NULL;
    s->nqueued--;
    return task;
}

static struct mx_task *
pop(struct mx_sched *s)
{
    return unlink_task(s, NULL, s->head);
}

/* The first queued task that may start at now (its not_before passed),
 * and the one queued before it in *prev; NULL when every one waits. */
static struct mx_task *
first_ready(const struct mx_sched *s, int64_t now, struct mx_task **prev)
{
    struct mx_task *task;

    *prev = NULL;
    for (task = s->head; task != NULL; *prev = task, task = task->next)
        if (task->not_before <= now)
            return task;
    return NULL;
}

/* The earliest not_before after now of the queued tasks, 0 if none. */
static int64_t
next_wake(const struct mx_sched *s, int64_t now)
{
    const struct mx_task *task;
    int64_t w = 0;

    for (task = s->head; task != NULL; task = task->next)
        if (task->not_before > now && (w == 0 || task->not_before < w))
            w = task->not_before;
    return w;
}

/* Diagnostics of a task carry "[cN]" while several connections run at
 * once (-vv would interleave their dialogues otherwise). */
static void
tag(const struct mx_sched *s, struct mx_task *task)
{
    char t[16];

    if (s->max_parallel < 2 || !mx_log_enabled(1))
        return;
    if (task->log_id == 0)
        task->log_id = mx_log_next_id();
    snprintf(t, sizeof(t), "c%d", task->log_id);
    mx_log_tag(t);
}

static void
untag(void)
{
    mx_log_tag(NULL);
}

/* The bytes the raw engine sends: the hello built for the offer, or the
 * offer's recording. */
static const uint8_t *
raw_hello(const struct mx_task *task)
{
    return task->hello != NULL ? task->hello : task->offer.hello;
}

static size_t
raw_hello_len(const struct mx_task *task)
{
    return task->hello != NULL ? task->hello_len : task->offer.hello_len;
}

static void
remove_active(struct mx_sched *s, struct mx_task *task)
{
    int i;

    for (i = 0; i < s->nactive; i++)
        if (s->active[i] == task) {
            s->active[i] = s->active[--s->nactive];
            break;
        }
}

/* The pause before the next try of a task turned away retries times
 * before: the first pause doubled each time up to LIMIT_PAUSE_GROWTH of
 * them; from the second on cut to what the deadline leaves once a
 * retry's time is kept free, and -1 when it leaves nothing. */
static int64_t
limit_pause(const struct mx_sched *s, int retries)
{
    int64_t pause = s->limit_pause_ms, room;
    int i;

    for (i = 0; i < retries && pause < s->limit_pause_ms * LIMIT_PAUSE_GROWTH;
         i++)
        pause *= 2;
    if (pause > s->limit_pause_ms * LIMIT_PAUSE_GROWTH)
        pause = s->limit_pause_ms * LIMIT_PAUSE_GROWTH;
    room = (int64_t)mx_deadline_left_ms(s->t->deadline) - LIMIT_ROOM_MS -
           s->t->greeting_ms;
    if (retries == 0 || pause <= room)
        return pause; /* the first retry as before the deadline mattered */
    return room > 0 ? room : -1;
}

/* task was turned away before its greeting (mx_app_busy). With other
 * connections open (or a limit met before: the server may still count
 * connections that just ended), lower the parallelism to those that got
 * their greeting, queue the task again (first) and pause; 1 when so.
 * A task turned away alone is tried again, after longer and longer
 * pauses, as long as the server has greeted a connection of this run and
 * the deadline leaves room. */
static int
back_off(struct mx_sched *s, struct mx_task *task)
{
    struct mx_target *t = s->t;
    int64_t pause = limit_pause(s, task->retries);

    if (pause < 0 || t->refused_alone ||
        (s->nactive < 2 && t->conn_limit == 0 && s->backoff_at == 0 &&
         task->retries == 0 && !t->greeted_any) ||
        (task->retries >= LIMIT_RETRIES_UNGREETED && !t->greeted_any)) {
        /* turned away alone until the deadline left no room: a limit we
         * cannot work around; or no limit at all: a first connection
         * refused, or a server that has greeted no connection of this
         * run, refuses service */
        if (t->conn_limit > 0 || task->retries > 0) {
            if (!t->refused_alone)
                snprintf(t->conn_limit_why, sizeof(t->conn_limit_why), "%s",
                         task->err.msg);
            t->refused_alone = 1;
        }
        return 0;
    }
    /* a task started before the last back-off was part of the wave that
     * met the limit: queued again, without lowering further. Otherwise
     * one at a time until the pause is over; then recount() sets what
     * the server took (a 421 is often read before the greetings of the
     * connections the server did take). */
    if (s->backoff_at == 0 || task->t0 > s->backoff_at) {
        s->wave_t0 = task->t0;
        s->wave_from = s->max_parallel;
        s->max_parallel = 1;
        s->recount = 1;
        s->backoff_at = mx_now_ms();
        if (t->conn_limit == 0)
            t->conn_limit_from = s->asked_parallel;
        snprintf(t->conn_limit_why, sizeof(t->conn_limit_why), "%s",
                 task->err.msg);
    }
    mx_log(1,
           "turned away with %d other connections open: %s; this probe "
           "again alone after %lld ms",
           s->nactive - 1, task->err.msg, (long long)pause);
    mx_tls_abort(&task->tls);
    mx_raw_abort(&task->rawrun);
    mx_conn_close(&task->conn);
    remove_active(s, task);
    memset(&task->app, 0, sizeof(task->app));
    task->retries++;
    task->state = ST_QUEUED;
    task->next = s->head;
    s->head = task;
    if (s->tail == NULL)
        s->tail = task;
    s->nqueued++;
    s->hold_until = mx_now_ms() + pause;
    return 1;
}

/* After the pause of a back-off: the parallelism becomes the number of
 * connections open when the first refused one was opened that the server
 * greeted (still open, or ended since), below what met the refusal and
 * at least 1; the target keeps the lowest such limit. */
static void
recount(struct mx_sched *s)
{
    struct mx_target *t = s->t;
    int i, working = 0;

    s->recount = 0;
    for (i = 0; i < s->nactive; i++)
        if (s->active[i]->greeted && s->active[i]->t0 <= s->wave_t0)
            working++;
    for (i = 0; i < MX_SCHED_MAX; i++)
        if (s->recent[i].end != 0 && s->recent[i].t0 <= s->wave_t0 &&
            s->recent[i].end >= s->wave_t0)
            working++;
    if (working >= s->wave_from)
        working = s->wave_from - 1;
    if (working < 1)
        working = 1;
    s->max_parallel = working;
    if (t->conn_limit == 0 || working < t->conn_limit)
        t->conn_limit = working;
    mx_log(1, "at most %d connections at a time from now on", working);
}

/* Plan what is left against the deadline (see scheduler.h). */
static void
plan(struct mx_sched *s)
{
    struct mx_target *t = s->t;
    int64_t avg, need, left;
    size_t todo = s->nqueued + (size_t)s->nactive, waves;

    if (t->plan_short || s->nended == 0 || todo == 0)
        return;
    avg = s->busy_ms / s->nended;
    waves = (todo + (size_t)s->max_parallel - 1) / (size_t)s->max_parallel;
    need = (int64_t)waves * avg;
    left = mx_deadline_left_ms(t->deadline);
    if (need <= left)
        return;
    t->plan_short = 1;
    snprintf(t->plan_why, sizeof(t->plan_why),
             "%zu connections were left, %d at a time, about %lld ms each "
             "(greeting after %lld ms), so about %lld ms were needed and "
             "%lld ms were left",
             todo, s->max_parallel, (long long)avg, (long long)t->greeting_ms,
             (long long)need, (long long)left);
    mx_log(1, "plan: %s", t->plan_why);
}

static void
end_task(struct mx_sched *s, struct mx_task *task, int rc)
{
    if (rc < 0 && task->state == ST_APP_BEGIN &&
        mx_app_busy(&task->sm, &task->err) && back_off(s, task))
        return;
    mx_tls_abort(&task->tls);
    mx_raw_abort(&task->rawrun);
    mx_conn_close(&task->conn);
    task->rc = rc;
    task->total_ms = mx_now_ms() - task->t0;
    if (rc < 0 && task->err.code == MX_E_TIMEOUT)
        s->t->timeouts++;
    task->state = ST_DONE;
    remove_active(s, task);
    if (task->greeted) { /* for back_off(): greeted connections, ended */
        s->recent[s->nrecent % MX_SCHED_MAX].t0 = task->t0;
        s->recent[s->nrecent % MX_SCHED_MAX].end = mx_now_ms();
        s->nrecent++;
    }
    s->busy_ms += task->total_ms;
    s->nended++;
    if (s->t->greeting_measured)
        plan(s);
    if (task->done != NULL)
        task->done(s, task);
}

/* Connect to the next address that takes the attempt. MX_DONE, MX_AGAIN
 * or -1 when every address failed. */
static int
try_connect(struct mx_sched *s, struct mx_task *task)
{
    struct mx_target *t = s->t;
    int rc;

    while (task->tries < t->naddrs) {
        task->ai = (s->addr_hint + task->tries++) % t->naddrs;
        mx_conn_close(&task->conn);
        rc = mx_conn_connect(&task->conn, &t->addrs[task->ai], t->port,
                             &task->err);
        if (rc != -1)
            return rc;
        mx_log(1, "%s", task->err.msg);
    }
    return -1;
}

/* Advance a task as far as it goes without waiting. */
static void
step(struct mx_sched *s, struct mx_task *task)
{
    struct mx_target *t = s->t;
    int rc;

    for (;;) {
        switch (task->state) {
        case ST_CONNECT:
            rc = mx_conn_connected(&task->conn, &task->err);
            if (rc < 0) {
                mx_log(1, "%s", task->err.msg);
                rc = try_connect(s, task);
                if (rc < 0) {
                    end_task(s, task, -1);
                    return;
                }
                if (rc == MX_AGAIN)
                    return;
            }
            s->stats.connections++;
            s->addr_hint = task->ai;
            task->connect_ms = mx_now_ms() - task->t0;
            memcpy(task->addr, task->conn.addr, sizeof(task->addr));
            mx_app_begin(&task->sm, &t->app, &task->app);
            task->state = ST_APP_BEGIN;
            break;
        case ST_APP_BEGIN:
            rc = mx_app_step(&task->sm, &task->conn, &task->err);
            if (!task->greeted && mx_app_greeted(&task->sm)) {
                task->greeted = 1;
                s->t->greeted_any = 1;
                if (!t->greeting_measured) {
                    t->greeting_measured = 1;
                    t->greeting_ms = mx_now_ms() - task->t0 - task->connect_ms;
                    mx_log(2, "greeting after %lld ms",
                           (long long)t->greeting_ms);
                }
            }
            if (rc == MX_AGAIN)
                return;
            if (rc < 0) {
                end_task(s, task, -1);
                return;
            }
            s->stats.handshakes++;
            if (task->engine == MX_ENGINE_RAW) {
                mx_raw_log_offer(raw_hello(task), raw_hello_len(task));
                if (mx_raw_start(&task->rawrun, raw_hello(task),
                                 raw_hello_len(task), task->stop,
                                 task->offer.suites, task->offer.nsuites,
                                 &task->err) != 0) {
                    end_task(s, task, -1);
                    return;
                }
                task->state = ST_RAW;
            } else {
                if ((s->tls_ctx == NULL &&
                     (s->tls_ctx = mx_tls_context(&task->err)) == NULL) ||
                    mx_tls_start_in(&task->tls, s->tls_ctx, &task->conn,
                                    &task->offer, &task->hs, &task->err) != 0) {
                    end_task(s, task, -1);
                    return;
                }
                task->state = ST_TLS;
            }
            break;
        case ST_TLS:
            rc = mx_tls_step(&task->tls, &task->conn, &task->hs, &task->err);
            if (rc == MX_AGAIN)
                return;
            if (rc < 0 || !task->hs.accepted || task->abrupt) {
                end_task(s, task, rc < 0 ? -1 : 0);
                return;
            }
            mx_app_end(&task->sm, &t->app);
            task->state = ST_APP_END;
            break;
        case ST_RAW:
            rc =
                mx_raw_step(&task->rawrun, &task->conn, &task->raw, &task->err);
            if (rc == MX_AGAIN)
                return;
            end_task(s, task, rc < 0 ? -1 : 0);
            return;
        case ST_APP_END: {
            struct mx_error e;
            rc = mx_app_step(&task->sm, &task->conn, &e);
            if (rc == MX_AGAIN)
                return;
            if (rc == MX_DONE)
                task->ended_cleanly = 1;
            else
                mx_log(1, "after the handshake: %s", e.msg);
            end_task(s, task, 0);
            return;
        }
        default:
            return;
        }
    }
}

static void
start(struct mx_sched *s, struct mx_task *task)
{
    int rc;

    task->t0 = mx_now_ms();
    task->greeted = 0;
    mx_conn_init(&task->conn);
    s->active[s->nactive++] = task;
    if (s->t->naddrs == 0) {
        mx_error_set(&task->err, MX_E_INTERNAL, "target not resolved");
        end_task(s, task, -1);
        return;
    }
    task->tries = 0;
    rc = try_connect(s, task);
    if (rc < 0) {
        end_task(s, task, -1);
        return;
    }
    task->state = ST_CONNECT;
    if (rc == MX_DONE)
        step(s, task);
}

/* A task that was turned away by a limit is being tried again. */
static int
retry_running(const struct mx_sched *s)
{
    int i;

    for (i = 0; i < s->nactive; i++)
        if (s->active[i]->retries > 0)
            return 1;
    return 0;
}

/* The deadline passed: say what each task was waiting for. */
static void
time_out(struct mx_sched *s, struct mx_task *task)
{
    struct mx_conn *c = &task->conn;

    switch (task->state) {
    case ST_QUEUED:
        mx_error_set(&task->err, MX_E_TIMEOUT,
                     "timeout before the probe could start");
        break;
    case ST_CONNECT:
        mx_error_set(&task->err, MX_E_TIMEOUT,
                     "timeout connecting to %s port %d", c->addr, c->port);
        break;
    case ST_APP_BEGIN:
        mx_error_set(&task->err, MX_E_TIMEOUT, "timeout waiting for %s from %s",
                     mx_app_waiting(&task->sm), c->addr);
        break;
    case ST_TLS:
        mx_error_set(&task->err, MX_E_TIMEOUT,
                     "timeout during the TLS handshake with %s (%zu bytes of "
                     "TLS received)",
                     c->addr, task->tls.trace.bytes_in);
        break;
    case ST_RAW:
        mx_error_set(&task->err, MX_E_TIMEOUT,
                     "timeout waiting for the answer to the ClientHello from "
                     "%s (%zu bytes received)",
                     c->addr,
                     task->rawrun.flight ? task->rawrun.flight->total : 0);
        break;
    case ST_APP_END:
        mx_log(1, "after the handshake: timeout waiting for %s",
               mx_app_waiting(&task->sm));
        end_task(s, task, 0);
        return;
    default:
        return;
    }
    mx_log(1, "%s", task->err.msg);
    end_task(s, task, -1);
}

/* poll() failed: every task, running or queued, ends with that error. */
static void
fail_all(struct mx_sched *s, const char *why)
{
    struct mx_task *task;

    while (s->nactive > 0 || s->head != NULL) {
        if (s->nactive > 0) {
            task = s->active[0];
        } else {
            task = pop(s);
            task->t0 = mx_now_ms();
        }
        mx_error_set(&task->err, MX_E_INTERNAL, "poll: %s", why);
        tag(s, task);
        end_task(s, task, -1);
        untag();
    }
}

int
mx_sched_run(struct mx_sched *s)
{
    struct pollfd pfd[MX_SCHED_MAX];
    struct mx_task *snap[MX_SCHED_MAX], *task, *prev;
    int i, n, rc, wait, result = 0;
    int64_t now, wake;

    for (;;) {
        while (s->nactive < s->max_parallel && s->head != NULL) {
            prev = NULL;
            task = s->head;
            if (!mx_deadline_passed(s->t->deadline)) {
                if (mx_now_ms() < s->hold_until)
                    break; /* pausing after a refusal */
                if (s->recount)
                    recount(s);
                task = first_ready(s, mx_now_ms(), &prev);
                if (task == NULL)
                    break; /* every queued task waits for its time */
                if (task->retries > 0 && s->nactive > 0 && !s->t->refused_alone)
                    break; /* a retry runs alone */
                if (retry_running(s))
                    break; /* and nothing starts beside it */
            }
            task = unlink_task(s, prev, task);
            tag(s, task);
            if (mx_deadline_passed(s->t->deadline)) {
                time_out(s, task);
            } else if (task->retries > 0 && s->t->refused_alone) {
                /* refused even alone: keep its refusal, no new connection */
                task->t0 = mx_now_ms();
                end_task(s, task, -1);
            } else {
                start(s, task);
            }
            untag();
        }
        if (s->nactive == 0 && s->head == NULL)
            break;
        wait = mx_deadline_left_ms(s->t->deadline);
        now = mx_now_ms();
        if (s->head != NULL && s->hold_until > now &&
            s->hold_until - now < wait)
            wait = (int)(s->hold_until - now);
        /* a task waiting for its not_before, with room to start it */
        if (s->nactive < s->max_parallel && (wake = next_wake(s, now)) != 0 &&
            wake - now < wait)
            wait = (int)(wake - now);
        if (s->nactive == 0) {
            if (wait > 0)
                (void)poll(NULL, 0, wait);
            continue;
        }
        if (mx_deadline_passed(s->t->deadline)) {
            while (s->nactive > 0) {
                tag(s, s->active[0]);
                time_out(s, s->active[0]);
                untag();
            }
            continue; /* the queue times out at the top of the loop */
        }
        n = s->nactive;
        for (i = 0; i < n; i++) {
            snap[i] = s->active[i];
            pfd[i].fd = snap[i]->conn.fd;
            pfd[i].events = snap[i]->conn.want ? snap[i]->conn.want : POLLIN;
            pfd[i].revents = 0;
        }
        rc = poll(pfd, (nfds_t)n, wait);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            fail_all(s, strerror(errno));
            result = -1;
            break;
        }
        for (i = 0; i < n; i++)
            if (pfd[i].revents != 0 && snap[i]->state != ST_DONE) {
                tag(s, snap[i]);
                step(s, snap[i]);
                untag();
            }
    }
    SSL_CTX_free(s->tls_ctx); /* the sessions of ended tasks hold it */
    s->tls_ctx = NULL;
    return result;
}
