/*
 * enumerate_int.h - what the files of the enumeration share: the jobs
 * and the run's context (enumerate.c), the version probes
 * (enum_versions.c), the suite chains and the order probe
 * (enum_suites.c), the group chains (enum_groups.c). Private to them.
 */
#ifndef MX_ENUMERATE_INT_H
#define MX_ENUMERATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "enumerate.h"
#include "offer.h"
#include "scheduler.h"

#define HELLO_CAP 16400
#define TLSV_LO   2 /* index of TLS 1.0: from here OpenSSL completes */

extern const uint16_t en_version_codes[MX_NVERSIONS];

enum jkind { J_VERSION, J_SUITES, J_ORDER, J_GROUPS, J_FALLBACK, J_TLSV };

struct ctx;

struct job {
    struct mx_task task;
    struct ctx *ctx;
    enum jkind kind;
    int vi;
    uint16_t offer[MX_ENUM_CHUNK + 1]; /* the suites in its hello */
    size_t noffer;
    uint16_t cand[MX_ENUM_MAX_GROUPS]; /* group chains: groups left */
    size_t ncand;
    int anchored; /* group chains: the groups found are offered last */
    int lo;       /* J_TLSV: the lowest version index of the range asked */
    int ossl;     /* J_SUITES, J_ORDER, J_GROUPS: the OpenSSL engine */
    uint16_t rest[MX_ENUM_MAX_GROUPS]; /* group chains: for the raw engine,
                                          after the OpenSSL chain */
    size_t nrest;
    uint16_t glist[2 * MX_ENUM_MAX_GROUPS]; /* OpenSSL group chains: the
                                               groups offered */
    size_t nglist;
    uint16_t lib[MX_ENUM_MAX_SUITES]; /* J_TLSV: the library's suites */
    size_t nlib;
    size_t nwin;   /* OpenSSL suite chains: the first nwin of lib offered */
    int confirmed; /* OpenSSL suite chains: a suite that makes the server
                      close was found; closes are not asked again */
    int retried;   /* ... the last close was already asked again */
    int singles;   /* ... the candidates left are asked one at a time */
    int again;     /* other jobs: the last close was already asked again */
    int ec_only;   /* raw suite chains: the hello lists no FFDHE group */
    uint8_t *hello;
    size_t hello_len;
    struct job *all_next; /* every job, for freeing */
};

struct ctx {
    struct mx_enum *e;
    const struct mx_enum_opts *o;
    struct mx_sched s;
    struct job *jobs;
    int pending_versions;             /* version probes not yet done */
    int pending_suites[MX_NVERSIONS]; /* suite chains still running */
    struct mx_shares shares;          /* made once, reused by every hello */
    uint16_t scratch[MX_ENUM_MAX_SUITES];
    uint16_t pref[MX_ENUM_MAX_SUITES]; /* the library's suite order */
    size_t npref;
    int failed;                  /* an internal error stopped new work */
    int tlsv;                    /* the library speaks TLS 1.0 to 1.3 */
    int hs_failed[MX_NVERSIONS]; /* a complete handshake was refused or
                                    broke; the raw engine asked again */
    int hs_closed[MX_NVERSIONS]; /* a complete handshake was closed; the
                                    raw engine asks again (the second ask) */
    struct mx_error close_err;   /* the first such close, as an error */
    int dhe_asked[MX_NVERSIONS]; /* the DHE suites were asked with the
                                    other kind of hello (dhe_again) */
    /* every job's callback (en_job_done, enumerate.c) */
    void (*done)(struct mx_sched *s, struct mx_task *task);
};

/* enum_job.c: the jobs, their hellos, the queue, judging an answer */
struct job *en_new_job(struct ctx *c, enum jkind kind, int vi);
int en_build(struct job *j, const uint16_t *groups, size_t ngroups, int stop);
int en_build_suites(struct job *j);
void en_build_ossl(struct job *j, const uint16_t *suites, size_t n);
int en_ossl_can(const struct ctx *c, int vi, const uint16_t *suites, size_t n);
size_t en_universe(const struct ctx *c, int vi, uint16_t *out, size_t cap);
void en_remove_code(uint16_t *list, size_t *n, uint16_t code);
void en_queue(struct ctx *c, struct job *j);
void en_note_error(struct ctx *c, struct job *j, const struct mx_error *err);
int en_judge(struct job *j, const uint16_t *suites, size_t nsuites,
             char *detail, size_t cap, struct mx_error *err);
int en_closed_probe(const struct job *j);
void en_queue_later(struct ctx *c, struct job *j);
const char *en_closed_why(const struct job *j);

/* enumerate.c: the run */
void en_job_done(struct mx_sched *s, struct mx_task *task);

/* enum_versions.c (with the fallback probe, at the versions found) */
void en_maybe_fallback(struct ctx *c);
void en_fallback_done(struct ctx *c, struct job *j);
void en_version_done(struct ctx *c, struct job *j);
int en_build_tlsv(struct ctx *c, struct job *j);
void en_raw_versions(struct ctx *c, int lo, int hi, int later);
void en_tlsv_done(struct ctx *c, struct job *j);

/* enum_suites.c */
void en_start_suite_chains(struct ctx *c, int vi);
void en_suites_done(struct ctx *c, struct job *j);
void en_order_done(struct ctx *c, struct job *j);

/* enum_groups.c */
void en_start_groups(struct ctx *c, int vi);
void en_groups_done(struct ctx *c, struct job *j);

#endif
