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
 * Tasks are the caller's memory; the scheduler never frees them. Results:
 * task->rc is 0 when the server gave a verdict (hs for OpenSSL tasks,
 * raw for raw tasks) and -1 otherwise (task->err).
 */
#ifndef MX_SCHEDULER_H
#define MX_SCHEDULER_H

#include "deadline.h"
#include "err.h"
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
};

/* Resolve t->host once (bounded by t->deadline). 0 or -1. */
int mx_target_resolve(struct mx_target *t, struct mx_error *err);

struct mx_probe_stats {
    int connections; /* TCP connections opened */
    int handshakes;  /* handshakes attempted */
};

enum mx_engine { MX_ENGINE_OPENSSL = 0, MX_ENGINE_RAW };

struct mx_sched;

struct mx_task {
    /* what to do */
    enum mx_engine engine;
    struct mx_offer offer; /* OpenSSL engine */
    const uint8_t *hello;  /* raw engine: the ClientHello record(s) */
    size_t hello_len;
    int stop;                /* raw engine: MX_FLIGHT_STOP_* */
    const uint16_t *offered; /* raw engine: the suites in hello (or NULL) */
    size_t noffered;
    int abrupt; /* OpenSSL engine: drop after the handshake (no EHLO,
                   QUIT, close_notify) */
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
    int log_id; /* N of the "[cN]" tag of its -v lines (0: none yet) */
    struct mx_task *next;
};

struct mx_sched {
    struct mx_target *t;
    int max_parallel;
    struct mx_task *head; /* queued, not started */
    struct mx_task *tail;
    struct mx_task *active[MX_SCHED_MAX];
    int nactive;
    size_t addr_hint; /* the address that last accepted a connection */
    struct mx_probe_stats stats;
};

void mx_task_init(struct mx_task *task);
/* Free what a finished task holds (certificate chain, flight). */
void mx_task_free(struct mx_task *task);

/* max_parallel is clamped to 1..MX_SCHED_MAX. t must be resolved. */
void mx_sched_init(struct mx_sched *s, struct mx_target *t, int max_parallel);
void mx_sched_add(struct mx_sched *s, struct mx_task *task);
/* Run until every task has ended. 0, or -1 when poll() itself fails (every
 * task then ends with that error). */
int mx_sched_run(struct mx_sched *s);

#endif
