/*
 * diagnose.h - the words of check_tls_peers' diagnosis: from the answers
 * of the probes that simulate.c made for a failing peer, the cause and
 * the server setting that fixes it (Postfix names first).
 *
 * Pure: no I/O, no allocation that outlives a call. mx_diagnose and
 * mx_diagnose_server fill diag, why and detail of a struct mx_sim whose
 * refusal is set; they cannot fail (text that does not fit is cut).
 */
#ifndef MX_DIAGNOSE_H
#define MX_DIAGNOSE_H

#include <stdint.h>

#include "peers.h"
#include "simulate.h"

/* The diagnosis probes, in the order they may run (simulate.c). */
enum mx_dstage {
    MX_D_VERSION = 0, /* the peer's versions, all else open */
    MX_D_VHIGH,       /* every version: the server's highest */
    MX_D_AUTH,        /* every suite of the peer's certificate types */
    MX_D_CERT,        /* the peer's ciphers with other certificate types */
    MX_D_GROUP,       /* the peer's offer, any group */
    MX_D_SIGALG,      /* ... any signature scheme */
    MX_D_CIPHER,      /* ... any suite */
    MX_NDSTAGE
};

/* What one probe answered. */
struct mx_danswer {
    int ran;
    int ok; /* 1 accepted, 0 refused, -1 no verdict */
    uint16_t version, suite, group, sigalg; /* accepted: what was chosen */
    const char *name;   /* "version", ...: the probe, for the text */
    const char *detail; /* refused: how; no verdict: why */
};

struct mx_dinput {
    const struct mx_peer *peer;
    struct mx_danswer d[MX_NDSTAGE];
    unsigned keys;   /* key types the server showed (1 << mx_keytype) */
    int main_closed; /* the peer's own offer ended in a close, no alert */
};

/* The cause of the peer's failure from in's answers, into o (o->refusal:
 * how the server refused the peer's own offer). */
void mx_diagnose(const struct mx_dinput *in, struct mx_sim *o);

/* The server fails every handshake (alert alert_name): o's verdict says
 * so, not a mismatch of the peer's. A peer that o holds as accepted (a raw
 * ServerHello, read no further) is turned into a failure. */
void mx_diagnose_server(const char *alert_name, struct mx_sim *o);

#endif
