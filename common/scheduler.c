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

#include "buf.h"
#include "hello.h"
#include "log.h"
#include "registry.h"
#include "scheduler.h"
#include "suites.h"

enum {
    ST_QUEUED = 0,
    ST_CONNECT,
    ST_APP_BEGIN,
    ST_TLS,
    ST_RAW,
    ST_APP_END,
    ST_DONE
};

int
mx_target_resolve(struct mx_target *t, struct mx_error *err)
{
    return mx_resolve(t->host, t->port, t->family, t->deadline, t->addrs,
                      &t->naddrs, err);
}

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

/* -vvv: what a raw ClientHello offers, as the OpenSSL engine logs its
 * offer (tlsengine.c). */
static void
log_raw_offer(const struct mx_task *task)
{
    struct mx_hello_view *v;
    struct mx_error e;
    struct mx_buf b = MX_BUF_INIT;
    const struct mx_group *g;
    const struct mx_sigalg *sa;
    size_t i;

    if (!mx_log_enabled(3))
        return;
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return;
    if (mx_hello_decode(task->hello, task->hello_len, v, &e) != 0) {
        mx_log(3, "offer: a raw ClientHello of %zu bytes (%s)", task->hello_len,
               e.msg);
        free(v);
        return;
    }
    if (v->sslv2) {
        mx_log(3, "offer: an SSLv2 CLIENT-HELLO of %zu bytes, %zu cipher kinds",
               task->hello_len, v->nssl2_ciphers);
        free(v);
        return;
    }
    mx_buf_printf(&b, "offer: a raw ClientHello of %zu bytes; versions",
                  task->hello_len);
    if (v->nversions == 0)
        mx_buf_printf(&b, " %s", mx_version_name(v->legacy_version));
    for (i = 0; i < v->nversions; i++)
        mx_buf_printf(&b, " %s", mx_version_name(v->versions[i]));
    mx_buf_append(&b, "; suites");
    for (i = 0; i < v->nsuites; i++)
        mx_buf_printf(&b, " %s", mx_suite_name(v->suites[i]));
    mx_buf_append(&b, "; groups");
    for (i = 0; i < v->ngroups; i++) {
        g = mx_group_by_code(v->groups[i]);
        if (g != NULL)
            mx_buf_printf(&b, " %s", g->display);
        else
            mx_buf_printf(&b, " 0x%04X", v->groups[i]);
    }
    if (v->ngroups == 0)
        mx_buf_append(&b, " (none)");
    mx_buf_append(&b, "; sigalgs");
    for (i = 0; i < v->nsigalgs; i++) {
        sa = mx_sigalg_by_code(v->sigalgs[i]);
        if (sa != NULL)
            mx_buf_printf(&b, " %s", sa->iana);
        else
            mx_buf_printf(&b, " 0x%04X", v->sigalgs[i]);
    }
    if (v->nsigalgs == 0)
        mx_buf_append(&b, " (none)");
    if (!mx_buf_failed(&b))
        mx_log(3, "%s", mx_buf_str(&b));
    mx_buf_free(&b);
    free(v);
}

static void
end_task(struct mx_sched *s, struct mx_task *task, int rc)
{
    int i;

    mx_tls_abort(&task->tls);
    mx_raw_abort(&task->rawrun);
    mx_conn_close(&task->conn);
    task->rc = rc;
    task->total_ms = mx_now_ms() - task->t0;
    task->state = ST_DONE;
    for (i = 0; i < s->nactive; i++)
        if (s->active[i] == task) {
            s->active[i] = s->active[--s->nactive];
            break;
        }
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
            if (rc == MX_AGAIN)
                return;
            if (rc < 0) {
                end_task(s, task, -1);
                return;
            }
            s->stats.handshakes++;
            if (task->engine == MX_ENGINE_RAW) {
                log_raw_offer(task);
                if (mx_raw_start(&task->rawrun, task->hello, task->hello_len,
                                 task->stop, task->offered, task->noffered,
                                 &task->err) != 0) {
                    end_task(s, task, -1);
                    return;
                }
                task->state = ST_RAW;
            } else {
                if (mx_tls_start(&task->tls, &task->conn, &task->offer,
                                 &task->hs, &task->err) != 0) {
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
            task = s->head;
            s->head = task->next;
            if (s->head == NULL)
                s->tail = NULL;
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
    struct mx_task *snap[MX_SCHED_MAX], *task;
    int i, n, rc, result = 0;

    for (;;) {
        while (s->nactive < s->max_parallel && s->head != NULL) {
            task = s->head;
            s->head = task->next;
            if (s->head == NULL)
                s->tail = NULL;
            tag(s, task);
            if (mx_deadline_passed(s->t->deadline))
                time_out(s, task);
            else
                start(s, task);
            untag();
        }
        if (s->nactive == 0 && s->head == NULL)
            break;
        if (s->nactive == 0)
            continue;
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
        rc = poll(pfd, (nfds_t)n, mx_deadline_left_ms(s->t->deadline));
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
    return result;
}
