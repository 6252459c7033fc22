/*
 * test_scheduler.c - tasks that wait (not_before) in the probe scheduler,
 * against a server forked on loopback that reads a little and closes
 * every connection.
 *
 * A task asked to wait must not hold up the tasks queued behind it, must
 * not start before its time, and the run's deadline still bounds the
 * wait: a task whose time comes after the deadline ends with a timeout
 * and no connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scheduler.h"
#include "tap.h"

static pid_t server_pid = -1;

/* A loopback server that reads what comes and closes; its port. */
static int
serve(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char buf[256];
    int fd, c;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    server_pid = fork();
    if (server_pid < 0) {
        close(fd);
        return -1;
    }
    if (server_pid == 0) {
        for (;;) {
            c = accept(fd, NULL, NULL);
            if (c < 0)
                continue;
            (void)read(c, buf, sizeof(buf));
            close(c);
        }
    }
    close(fd);
    return ntohs(sa.sin_port);
}

struct rec {
    int order;  /* when its done() ran: 1, 2, ... */
    int64_t t0; /* when it started */
};

static int ended;

static void
done(struct mx_sched *s, struct mx_task *task)
{
    struct rec *r = task->arg;

    (void)s;
    r->order = ++ended;
    r->t0 = task->t0;
}

static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x01, 0x01};

static void
task_setup(struct mx_task *task, struct rec *r, int64_t not_before)
{
    mx_task_init(task);
    task->engine = MX_ENGINE_RAW;
    task->hello = hello;
    task->hello_len = sizeof(hello);
    task->stop = MX_FLIGHT_STOP_HELLO;
    task->done = done;
    task->arg = r;
    task->not_before = not_before;
    memset(r, 0, sizeof(*r));
}

static void
target_setup(struct mx_target *t, int port, double secs)
{
    struct mx_error err;

    memset(t, 0, sizeof(*t));
    t->host = "127.0.0.1";
    t->port = port;
    t->family = AF_INET;
    t->app.dialect = MX_DIALECT_NONE;
    t->deadline = mx_deadline_in(secs);
    if (mx_target_resolve(t, &err) != 0)
        printf("# resolve: %s\n", err.msg);
}

int
main(void)
{
    struct mx_target t;
    struct mx_sched s;
    struct mx_task a, b, c;
    struct rec ra, rb, rc;
    int64_t wait_until;
    int port, i;

    signal(SIGPIPE, SIG_IGN);
    port = serve();
    if (!tap_ok(port > 0, "a loopback server"))
        return tap_done();

    /* a waiting task queued first; two others behind it */
    target_setup(&t, port, 30);
    mx_sched_init(&s, &t, 1);
    wait_until = mx_now_ms() + 3000; /* far beyond what B and C take */
    task_setup(&a, &ra, wait_until);
    task_setup(&b, &rb, 0);
    task_setup(&c, &rc, 0);
    ended = 0;
    mx_sched_add(&s, &a);
    mx_sched_add(&s, &b);
    mx_sched_add(&s, &c);
    tap_is_int(mx_sched_run(&s), 0, "the run ends");
    tap_ok(rb.order == 1 && rc.order == 2,
           "the tasks behind a waiting one are not held up by it");
    tap_is_int(ra.order, 3, "the waiting task ends last");
    tap_ok(ra.t0 >= wait_until, "the waiting task starts no sooner than asked");
    tap_is_int(a.rc, 0, "the waiting task got its answer (a close)");
    tap_ok(a.raw.closed || a.raw.reset, "... which it read as a close");
    tap_is_int(s.stats.connections, 3, "three connections");
    for (i = 0; i < 3; i++)
        mx_task_free(i == 0 ? &a : i == 1 ? &b : &c);

    /* the only task waits for longer than the run may last */
    target_setup(&t, port, 0.5);
    mx_sched_init(&s, &t, 4);
    wait_until = mx_now_ms() + 60000;
    task_setup(&a, &ra, wait_until);
    ended = 0;
    mx_sched_add(&s, &a);
    tap_is_int(mx_sched_run(&s), 0,
               "a run with a task waiting past the "
               "deadline ends");
    tap_ok(mx_now_ms() < wait_until, "... at the deadline, not at the wait");
    tap_is_int(a.rc, -1, "the task has no verdict");
    tap_is_int(a.err.code, MX_E_TIMEOUT, "... a timeout");
    tap_is_str(a.err.msg, "timeout before the probe could start",
               "... before it started");
    tap_is_int(s.stats.connections, 0, "no connection was opened");
    mx_task_free(&a);

    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
    return tap_done();
}
