/*
 * scheduler.h - many probes at once over poll(), with a bounded number of
 * connections and one deadline.
 *
 * A task is one connection: connect (trying the target's addresses in
 * turn), the STARTTLS dialogue, then either an OpenSSL handshake with an
 * offer (and, when accepted, EHLO/QUIT/close_notify) or a raw ClientHello
 * and the server's first flight. When a task ends, its done() callback
 * runs; it may add new tasks (that is how elimination chains continue).
 * mx_sched_run() returns when no task is left or the deadline passed; a
 * task cut by the deadline ends with a TIMEOUT error that says what it was
 * waiting for, and tasks not started by then end with a TIMEOUT as well.
 *
 * Connection limits: a task that a server turns away before its greeting
 * (mx_app_busy: a 421 or a close) while other connections to it are open
 * is not ended: the parallelism for that target drops to the connections
 * that were working (at least 1), and the task is tried again alone after
 * a pause. Turned away again alone, it is tried again after pauses twice
 * as long each time (1 s, 2 s, 4 s, 8 s, 8 s, ...) as long as the server
 * has greeted a connection of this run and the deadline leaves room for
 * the pause and a probe: a loaded server may count connections that
 * ended seconds ago. The parallelism never rises again in the run. A
 * task turned away with nothing else open and no limit met yet, or alone
 * three times by a server that greeted nothing (it may still count the
 * connections of a run that just ended), ends with its error (so does every
 * retry still queued then, without a new connection). The limit met is
 * kept in the target, so later runs on it start below it.
 *
 * Slow servers: the time from connect to the greeting of the first
 * connection is kept in the target; whenever a task ends, the connections
 * still queued or running are planned against the time left (waves of
 * max_parallel connections, each as long as the tasks so far took on
 * average). Parallelism starts at the bound the caller allows, so when
 * the plan does not fit nothing can be raised: the target records that
 * the run was expected not to fit, and why.
 *
 * A task may ask to wait (not_before: a probe asked again after a pause):
 * it stays queued while the tasks behind it start, poll() wakes up in
 * time for it, and the run's deadline bounds the wait as any other (a
 * task still waiting then ends with a TIMEOUT).
 *
 * Tasks are the caller's memory; the scheduler never frees them. Results:
 * task->rc is 0 when the server gave a verdict (hs for OpenSSL tasks,
 * raw for raw tasks) and -1 otherwise (task->err).
 */
#ifndef MX_SCHEDULER_H
#define MX_SCHEDULER_H

#include "deadline.h"
#include "err.h"
#include "state.h"
#include "net.h"
#include "rawtls.h"
#include "starttls.h"
#include "tlsengine.h"

#define MX_SCHED_MAX 64 /* most connections at once */

struct mx_target {
    const char *host; /* name or address literal */
    int port;
    int family; /* AF_UNSPEC, AF_INET, AF_INET6 */
    struct mx_app app;
    struct mx_deadline deadline; /* of the whole run */
    struct mx_addr addrs[MX_MAX_ADDRS];
    size_t naddrs; /* 0 until mx_target_resolve */
    /* learnt by the scheduler (zero before the first run) */
    int conn_limit;      /* 0: none met; else connections at once it took */
    int conn_limit_from; /* the parallelism asked for when it was met */
    int refused_alone;   /* it turned away a connection with none other open */
    int greeted_any;     /* it greeted a connection of this run (any phase) */
    char conn_limit_why[sizeof(
        ((struct mx_error *)0)->msg)]; /* the refusal that set the limit */
    int greeting_measured;
    int64_t greeting_ms; /* connect to greeting, first connection */
    int plan_short;      /* a plan did not fit the deadline */
    char plan_why[200];  /* the numbers of that plan */
    int timeouts;        /* tasks ended by the deadline */
};

struct mx_check;

/* Add the two notes below to a plugin's long output, when there are any:
 * the limit note as OK (it was worked around; a refusal that stayed is
 * the failing probe's own error), the plan note with timeout_state (the
 * state the plugin gives a timeout). */
void mx_target_report(struct mx_check *chk, const struct mx_target *t,
                      enum mx_state timeout_state);

/* One line for the long output about the connection limit met, or NULL
 * when none was met. */
const char *mx_target_limit_note(const struct mx_target *t, char *buf,
                                 size_t len);
/* One line for the long output when the deadline cut tasks and the plan
 * had said it would not fit, or NULL. */
const char *mx_target_plan_note(const struct mx_target *t, char *buf,
                                size_t len);

/* Resolve t->host once (bounded by t->deadline). 0 or -1. */
int mx_target_resolve(struct mx_target *t, struct mx_error *err);

struct mx_probe_stats {
    int connections; /* TCP connections opened */
    int handshakes;  /* handshakes attempted */
};

struct mx_sched;

struct mx_task {
    /* what to do */
    enum mx_engine engine; /* offer.h: mx_offer_engine chooses for an offer */
    struct mx_offer offer; /* what is offered (borrowed: the caller's); the
                              raw engine checks the server's choice against
                              its suites (none: no check) */
    const uint8_t *hello;  /* raw engine: the ClientHello record(s) built
                              for the offer; NULL: offer.hello, the
                              recording */
    size_t hello_len;
    int stop;           /* raw engine: MX_FLIGHT_STOP_* */
    int abrupt;         /* OpenSSL engine: drop after the handshake (no EHLO,
                           QUIT, close_notify) */
    int64_t not_before; /* mx_now_ms() before which it does not start (0:
                           at once); later tasks start meanwhile */
    void (*done)(struct mx_sched *s, struct mx_task *task);
    void *arg;
    /* what happened */
    int rc; /* 0: verdict; -1: see err */
    struct mx_error err;
    struct mx_handshake hs;   /* OpenSSL verdict */
    struct mx_raw_result raw; /* raw verdict */
    struct mx_app_info app;
    char addr[INET6_ADDRSTRLEN + 1];
    int64_t connect_ms;
    int64_t total_ms;
    int ended_cleanly; /* EHLO/QUIT after TLS answered */
    /* internal */
    int state;
    size_t ai;    /* address being tried */
    size_t tries; /* addresses tried so far */
    int64_t t0;
    struct mx_conn conn;
    struct mx_app_sm sm;
    struct mx_tls_run tls;
    struct mx_raw_run rawrun;
    int log_id;  /* N of the "[cN]" tag of its -v lines (0: none yet) */
    int retries; /* times turned away by a connection limit and queued again */
    int greeted; /* the greeting was read and accepted */
    struct mx_task *next;
};

struct mx_sched {
    struct mx_target *t;
    int max_parallel;
    int asked_parallel; /* max_parallel as given to mx_sched_init */
    struct {
        int64_t t0, end;
    } recent[MX_SCHED_MAX]; /* the last greeted tasks that ended */
    size_t nrecent;
    int recount;            /* back_off() waits for recount() */
    int64_t wave_t0;        /* start of the first task refused in that wave */
    int wave_from;          /* max_parallel when it was refused */
    int64_t backoff_at;     /* when the parallelism was last lowered */
    int64_t hold_until;     /* no new connection before this (mx_now_ms) */
    int64_t limit_pause_ms; /* the first pause after a limit (1000) */
    size_t nqueued;
    int64_t busy_ms; /* summed total_ms of the tasks ended so far */
    int nended;
    struct mx_task *head; /* queued, not started */
    struct mx_task *tail;
    struct mx_task *active[MX_SCHED_MAX];
    int nactive;
    size_t addr_hint; /* the address that last accepted a connection */
    struct mx_probe_stats stats;
    SSL_CTX *tls_ctx; /* the OpenSSL engine's context, shared by the
                         tasks of one mx_sched_run (made on first use) */
};

void mx_task_init(struct mx_task *task);
/* Free what a finished task holds (certificate chain, flight). */
void mx_task_free(struct mx_task *task);

/* max_parallel is clamped to 1..MX_SCHED_MAX and to a connection limit
 * the target met before. t must be resolved. */
void mx_sched_init(struct mx_sched *s, struct mx_target *t, int max_parallel);
void mx_sched_add(struct mx_sched *s, struct mx_task *task);
/* Run until every task has ended. 0, or -1 when poll() itself fails (every
 * task then ends with that error). */
int mx_sched_run(struct mx_sched *s);

#endif
