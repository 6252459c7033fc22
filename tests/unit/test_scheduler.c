/*
 * test_scheduler.c - tasks that wait (not_before) in the probe scheduler,
 * against a server forked on loopback that reads a little and closes
 * every connection.
 *
 * A task asked to wait must not hold up the tasks queued behind it, must
 * not start before its time, and the run's deadline still bounds the
 * wait: a task whose time comes after the deadline ends with a timeout
 * and no connection.
 *
 * Connection limits, against an SMTP server forked on loopback that
 * answers 421 to some connections: a task turned away alone, by a server
 * that greeted a connection of the run, is tried again after longer and
 * longer pauses until it gets through (a loaded server counts connections
 * that ended a while ago), or until the deadline leaves no room; a server
 * that greets nothing is not asked again and again.
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
#include "tlsserver.h"

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

static pid_t smtp_pid = -1;

static int
read_line(int c, char *buf, size_t len)
{
    size_t n = 0;

    while (n + 1 < len) {
        if (read(c, buf + n, 1) != 1)
            return -1;
        if (buf[n++] == '\n')
            break;
    }
    buf[n] = '\0';
    return 0;
}

static void
say(int c, const char *s)
{
    (void)write(c, s, strlen(s));
}

/* One SMTP session up to STARTTLS, then read the ClientHello and close. */
static void
smtp_session(int c)
{
    char buf[512];

    say(c, "220 test ESMTP\r\n");
    if (read_line(c, buf, sizeof(buf)) != 0)
        return;
    say(c, "250-test\r\n250 STARTTLS\r\n");
    if (read_line(c, buf, sizeof(buf)) != 0)
        return;
    say(c, "220 go ahead\r\n");
    (void)read(c, buf, sizeof(buf));
}

/* A loopback SMTP server: connections greet_first+1 to
 * greet_first+nrefuse (counted from 1) get "421" and a close, the others
 * a session; its port. */
static int
serve_smtp(int greet_first, int nrefuse)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd, c, n = 0;

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
    smtp_pid = fork();
    if (smtp_pid < 0) {
        close(fd);
        return -1;
    }
    if (smtp_pid == 0) {
        signal(SIGCHLD, SIG_IGN);
        for (;;) {
            c = accept(fd, NULL, NULL);
            if (c < 0)
                continue;
            n++;
            if (n > greet_first && n - greet_first <= nrefuse) {
                say(c, "421 4.7.0 Too many concurrent SMTP connections\r\n");
                close(c);
                continue;
            }
            if (fork() == 0) {
                close(fd);
                smtp_session(c);
                close(c);
                _exit(0);
            }
            close(c);
        }
    }
    close(fd);
    return ntohs(sa.sin_port);
}

static void
stop_smtp(void)
{
    if (smtp_pid > 0) {
        kill(smtp_pid, SIGTERM);
        waitpid(smtp_pid, NULL, 0);
        smtp_pid = -1;
    }
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
    ts_target(&t, port, 30);
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
    ts_target(&t, port, 0.5);
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

    /* A limit met before (kept in the target: one at a time), a first
     * task greeted, then the second turned away alone four times: more
     * than the three retries of a fixed budget. */
    port = serve_smtp(1, 4);
    tap_ok(port > 0, "a loopback SMTP server that refuses connections 2-5");
    ts_target(&t, port, 30);
    t.app.dialect = MX_DIALECT_SMTP;
    t.conn_limit = 1;
    t.conn_limit_from = 2;
    mx_sched_init(&s, &t, 2);
    s.limit_pause_ms = 50; /* 50, 100, 200, 400 ms */
    task_setup(&a, &ra, 0);
    task_setup(&b, &rb, 0);
    ended = 0;
    mx_sched_add(&s, &a);
    mx_sched_add(&s, &b);
    tap_is_int(mx_sched_run(&s), 0, "limit: the run ends");
    tap_is_int(a.rc, 0, "limit: the first task got its answer");
    tap_is_int(b.retries, 4, "limit: the second was turned away alone 4 times");
    tap_is_int(b.rc, 0, "limit: ... and got its answer on the fifth try");
    tap_ok(b.raw.closed || b.raw.reset, "limit: ... a close after its hello");
    tap_is_int(t.refused_alone, 0, "limit: no refusal stayed");
    tap_is_int(s.stats.connections, 6, "limit: six connections");
    mx_task_free(&a);
    mx_task_free(&b);
    stop_smtp();

    /* The same server refusing every connection after the first: retries
     * until the deadline leaves no room, then the refusal stays. */
    port = serve_smtp(1, 1000000);
    ts_target(&t, port, 4);
    t.app.dialect = MX_DIALECT_SMTP;
    t.conn_limit = 1;
    t.conn_limit_from = 2;
    mx_sched_init(&s, &t, 2);
    s.limit_pause_ms = 50;
    task_setup(&a, &ra, 0);
    task_setup(&b, &rb, 0);
    ended = 0;
    mx_sched_add(&s, &a);
    mx_sched_add(&s, &b);
    tap_is_int(mx_sched_run(&s), 0, "refused until the deadline: the run ends");
    tap_is_int(a.rc, 0,
               "refused until the deadline: the first task got through");
    tap_is_int(b.rc, -1,
               "refused until the deadline: the second has no verdict");
    tap_is_int(b.err.code, MX_E_REFUSED, "... it was refused (not a timeout)");
    tap_ok(b.retries > 4, "... after more than four tries alone");
    tap_is_int(t.refused_alone, 1, "... and the target says so");
    tap_ok(!mx_deadline_passed(t.deadline), "... before the deadline");
    mx_task_free(&a);
    mx_task_free(&b);
    stop_smtp();

    /* A server that greets nothing: three tasks at once, each refused;
     * three retries alone (1, 2, 4 pauses) show it, and the others end
     * without connecting. */
    port = serve_smtp(0, 1000000);
    ts_target(&t, port, 30);
    t.app.dialect = MX_DIALECT_SMTP;
    mx_sched_init(&s, &t, 4);
    s.limit_pause_ms = 50;
    task_setup(&a, &ra, 0);
    task_setup(&b, &rb, 0);
    task_setup(&c, &rc, 0);
    ended = 0;
    mx_sched_add(&s, &a);
    mx_sched_add(&s, &b);
    mx_sched_add(&s, &c);
    tap_is_int(mx_sched_run(&s), 0, "greets nothing: the run ends");
    tap_ok(a.rc == -1 && b.rc == -1 && c.rc == -1,
           "greets nothing: no task has a verdict");
    tap_ok(a.err.code == MX_E_REFUSED && b.err.code == MX_E_REFUSED &&
               c.err.code == MX_E_REFUSED,
           "greets nothing: every task was refused");
    if (!tap_ok(s.stats.connections <= 6,
                "greets nothing: at most three retries (6 connections)"))
        printf("# %d connections\n", s.stats.connections);
    if (!tap_ok(s.stats.connections >= 5,
                "greets nothing: asked again alone more than once (a limit "
                "met at the start may clear)"))
        printf("# %d connections\n", s.stats.connections);
    tap_is_int(t.refused_alone, 1, "greets nothing: the target says so");
    for (i = 0; i < 3; i++)
        mx_task_free(i == 0 ? &a : i == 1 ? &b : &c);
    stop_smtp();

    /* A single connection answered 421, nothing else: no retry. */
    port = serve_smtp(0, 1000000);
    ts_target(&t, port, 30);
    t.app.dialect = MX_DIALECT_SMTP;
    mx_sched_init(&s, &t, 1);
    task_setup(&a, &ra, 0);
    ended = 0;
    mx_sched_add(&s, &a);
    tap_is_int(mx_sched_run(&s), 0, "one 421: the run ends");
    tap_is_int(a.rc, -1, "one 421: no verdict");
    tap_is_int(a.err.code, MX_E_REFUSED, "one 421: refused");
    tap_is_int(s.stats.connections, 1, "one 421: one connection, no retry");
    mx_task_free(&a);
    stop_smtp();
    return tap_done();
}
