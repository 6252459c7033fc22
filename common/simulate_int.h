/*
 * simulate_int.h - what simulate.c (the peers' runs: main task, control
 * handshake, the order of the diagnosis) and simprobe.c (one probe: its
 * offer, its task on the engine the offer calls for, its verdict) share.
 * Private to those two files.
 */
#ifndef MX_SIMULATE_INT_H
#define MX_SIMULATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"
#include "offer.h"
#include "registry.h"
#include "scheduler.h"
#include "simulate.h"

#define HELLO_CAP 16400
#define MAX_OFFER (MX_PEER_MAX_SUITES * 2)
#define MAX_GROUP (MX_PEER_MAX_LIST * 2)
#define MAX_SIGS  128
#define PREF_MAX  512
#define OPEN_MAX  256 /* suites of an open offer: a hello servers take */

struct sctx;
struct pjob;

/* Why a peer waits for the control handshake. */
enum wait {
    W_NONE = 0,
    W_REFUSED, /* its offer, or a probe of its diagnosis, was refused
                  with a failure alert */
    W_RAW,     /* its acceptance rests on the first flight only */
    W_VHIGH    /* its diagnosis asks for the server's highest version */
};

enum control { C_NONE = 0, C_RUNNING, C_DONE };

/*
 * One probe. Its offer is the peer's (borrowed) for the main task, an
 * owned variation of it for the diagnosis. The task (connection state,
 * verdicts of the engines) exists only while the probe is queued or
 * running; judge() keeps what the diagnosis needs, so that a peer costs
 * memory for what it offers and what was answered, not for connections.
 */
struct ptask {
    struct pjob *pj;
    int is_main;
    int is_control;   /* the run's control handshake (see want_control) */
    int ran;          /* started */
    const char *name; /* for -v */
    struct mx_offer offer;
    struct mx_task *task; /* while it runs */
    uint8_t *hello;       /* raw engine: the hello built for the offer */
    /* the verdict */
    enum mx_engine engine; /* what ran it */
    int ok;                /* 1 accepted, 0 refused, -1 no verdict */
    uint16_t suite;        /* accepted: what the server chose */
    uint16_t group;
    uint16_t version;
    uint16_t sigalg;     /* accepted: the server's signature scheme, or 0 */
    enum mx_keytype key; /* accepted: the leaf's key type, if seen */
    int alert;           /* refused with a failure alert: it, else -1 */
    int closed;          /* closed or reset with no alert (or no verdict
                            because of a close) */
    char detail[512];    /* refused: how; no verdict: why */
};

struct pjob {
    struct sctx *c;
    const struct mx_peer *peer;
    struct mx_sim *out;
    struct ptask main;
    struct ptask *d[MX_NDSTAGE]; /* the diagnosis probes, made when asked */
    unsigned keys;               /* key types seen (1 << mx_keytype) */
    enum wait waiting;           /* for the control handshake, and why */
    int held;                    /* the control says the server fails every
                                    handshake: no diagnosis of its own (yet) */
    int keep_chain; /* a peer of this run authenticates by DANE: the
                       chain it gets is kept for the caller */
};

struct sctx {
    struct mx_sched s;
    struct mx_shares shares;
    const char *sni;
    uint16_t pref[PREF_MAX];
    size_t npref;
    uint8_t hbuf[HELLO_CAP]; /* raw hellos are built here, then kept at
                                their length */
    /* the control handshake: every version TLS 1.0 to 1.3, suite, group
     * and signature scheme of the library, run at most once */
    struct pjob cjob;
    enum control control;
    struct pjob *pj; /* the peers' jobs, n of them */
    size_t n;
    struct pjob *asker; /* the peer whose count the control joins */
    int completed;      /* a handshake of this run completed (OpenSSL engine) */
};

/* simprobe.c */

/* A fresh task for pt on engine (pt's offer borrowed, the run's SNI,
 * done: sim_task_done). 0, or -1 (memory). */
int sim_task_setup(struct ptask *pt, enum mx_engine engine,
                   struct mx_error *err);
/* Release pt's task and raw hello once judged. */
void sim_release(struct ptask *pt);
/* pt's offer as a task: the OpenSSL engine when the library can send it,
 * else a raw hello shaped like a real client's. 0, or -1 with err. */
int sim_lists_task(struct ptask *pt, struct mx_error *err);
/* The key type of a DER certificate (and its label), MX_KEY_NONE. */
enum mx_keytype sim_der_keytype(const unsigned char *der, size_t len,
                                char *label, size_t cap);
/* Judge pt's finished task into its verdict. */
void sim_judge(struct ptask *pt);
/* Did the finished probe leave an error in the server's log? */
int sim_left_error(const struct ptask *pt);
/* The failure alert (internal_error) pt was refused with, or -1. */
int sim_failure_alert(const struct ptask *pt);
/* Does a group matter for the offer (TLS 1.3, or an (EC)DHE suite)? */
int sim_peer_uses_groups(const struct mx_offer *p);
/* Everything the library offers, TLS 1.0 to 1.3, as pt's offer. */
int sim_open_all(struct ptask *pt, const struct sctx *c, struct mx_error *err);
/* Start pt on the scheduler. 0, or -1 (pt->ok -1, detail set). */
int sim_start_probe(struct pjob *pj, struct ptask *pt, const char *name);
/* The offer of diagnosis stage k, from the peer's. 0, or -1. */
int sim_stage_lists(struct pjob *pj, enum mx_dstage k, struct ptask *pt,
                    struct mx_error *err);

/* simulate.c */
void sim_task_done(struct mx_sched *s, struct mx_task *task);

#endif
