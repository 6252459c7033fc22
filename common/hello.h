/*
 * hello.h - the TLS ClientHello codec and the decoder of the server's
 * first flight. Pure functions on byte buffers: no sockets, no clocks, no
 * global state (randomness and key shares are inputs).
 *
 * Encoding builds one TLSPlaintext record holding a ClientHello (or an
 * SSLv2-compatible CLIENT-HELLO) from an offer. Decoding takes the bytes a
 * server sends, in pieces of any size, and stops at a verdict: a
 * ServerHello (with, below TLS 1.3, the Certificate, ServerKeyExchange and
 * ServerHelloDone that follow it, when asked to), a HelloRetryRequest, an
 * alert, or an SSLv2 SERVER-HELLO. Every length is checked against its
 * container; anything inconsistent is a MALFORMED verdict with a reason.
 *
 * Sources: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 6101 (SSLv3), the
 * SSLv2 draft (draft-hickman-netscape-ssl-00), RFC 8422, RFC 7627, RFC 5746,
 * RFC 6066, RFC 7685, RFC 7919, RFC 9180-era hybrid drafts for ML-KEM
 * shares (draft-kwiatkowski-tls-ecdhe-mlkem).
 */
#ifndef MX_HELLO_H
#define MX_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Extensions and options of an encoded ClientHello. */
#define MX_HELLO_SNI         0x0001 /* server_name (needs sni) */
#define MX_HELLO_GROUPS      0x0002 /* supported_groups */
#define MX_HELLO_POINT_FMT   0x0004 /* ec_point_formats (uncompressed) */
#define MX_HELLO_SIGALGS     0x0008 /* signature_algorithms */
#define MX_HELLO_VERSIONS    0x0010 /* supported_versions */
#define MX_HELLO_KEY_SHARE   0x0020 /* key_share */
#define MX_HELLO_RENEG_EXT   0x0040 /* renegotiation_info (empty) */
#define MX_HELLO_EMS         0x0080 /* extended_master_secret */
#define MX_HELLO_TICKET      0x0100 /* session_ticket (empty) */
#define MX_HELLO_PADDING     0x0200 /* padding to 512 bytes if 256..511 */
#define MX_HELLO_PSK_MODES   0x0400 /* psk_key_exchange_modes (psk_dhe_ke) */
#define MX_HELLO_STATUS_REQ  0x0800 /* status_request (OCSP) */
#define MX_HELLO_ETM         0x1000 /* encrypt_then_mac */
#define MX_HELLO_COMPRESSION 0x2000 /* offer DEFLATE before null */
#define MX_HELLO_SESSION_ID  0x4000 /* 32-byte legacy_session_id */

/* What a typical modern client sends (all of the above but COMPRESSION). */
#define MX_HELLO_MODERN                                                       \
    (MX_HELLO_SNI | MX_HELLO_GROUPS | MX_HELLO_POINT_FMT | MX_HELLO_SIGALGS | \
     MX_HELLO_VERSIONS | MX_HELLO_KEY_SHARE | MX_HELLO_RENEG_EXT |            \
     MX_HELLO_EMS | MX_HELLO_TICKET | MX_HELLO_PADDING | MX_HELLO_PSK_MODES | \
     MX_HELLO_SESSION_ID)

struct mx_key_share {
    uint16_t group;
    const uint8_t *data; /* the share's bytes (keyshare.h makes them) */
    size_t len;
};

struct mx_hello {
    uint16_t record_version; /* record layer version; 0: 0x0301 */
    uint16_t legacy_version; /* ClientHello.legacy_version (client_version) */
    const uint16_t *suites;  /* in order; SCSVs included as given */
    size_t nsuites;
    const uint16_t *versions; /* supported_versions, highest first */
    size_t nversions;
    const uint16_t *groups; /* supported_groups */
    size_t ngroups;
    const uint16_t *sigalgs; /* signature_algorithms */
    size_t nsigalgs;
    const struct mx_key_share *shares; /* key_share entries */
    size_t nshares;
    const char *sni;    /* host name for server_name */
    uint8_t random[32]; /* ClientHello.random */
    uint8_t session_id[32];
    unsigned flags;               /* MX_HELLO_* */
    int sslv2;                    /* encode an SSLv2 CLIENT-HELLO instead */
    const uint32_t *ssl2_ciphers; /* with sslv2: 3-byte cipher kinds */
    size_t nssl2_ciphers;
};

/*
 * Encode into out (capacity cap); *len gets the size. Errors (-1, USAGE):
 * an empty suite list, a hello over 16384 bytes of handshake, a list too
 * long for its length field, key_share without shares, SNI too long.
 */
int mx_hello_encode(const struct mx_hello *h, uint8_t *out, size_t cap,
                    size_t *len, struct mx_error *err);

/* A decoded ClientHello (for replaying recordings, and for the tests). */
#define MX_HELLO_MAX_LIST 512
struct mx_hello_view {
    uint16_t record_version;
    uint16_t legacy_version;
    uint16_t suites[MX_HELLO_MAX_LIST];
    size_t nsuites;
    uint16_t versions[32];
    size_t nversions;
    uint16_t groups[64];
    size_t ngroups;
    uint16_t sigalgs[64];
    size_t nsigalgs;
    uint16_t share_groups[16];
    size_t share_lens[16]; /* key_exchange length of each share */
    size_t nshares;
    char sni[256];
    uint16_t extensions[64]; /* extension types in order */
    size_t nextensions;
    int sslv2;
    /* Added for round-trip checks of the non-extension fields. */
    uint8_t random[32]; /* SSLv2: the challenge, right-aligned */
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t compressions[16]; /* compression methods in order */
    size_t ncompressions;
    uint32_t ssl2_ciphers[MX_HELLO_MAX_LIST]; /* SSLv2: every 3-byte kind */
    size_t nssl2_ciphers;
};

/* Decode one whole ClientHello record (or SSLv2 CLIENT-HELLO). 0 or -1
 * (USAGE, with what is wrong and at which byte offset). */
int mx_hello_decode(const uint8_t *buf, size_t len, struct mx_hello_view *v,
                    struct mx_error *err);

/* The same for a ClientHello spread over several handshake records (as a
 * client sends one too long for a record): when buf is a clean sequence
 * of two or more of them, their fragments are joined into one record to
 * decode and *joined (may be NULL) is 1; anything else is decoded as it
 * is. 0 or -1 (as mx_hello_decode; INTERNAL for memory). */
int mx_hello_decode_records(const uint8_t *buf, size_t len,
                            struct mx_hello_view *v, int *joined,
                            struct mx_error *err);

/* The server's first flight. */
enum mx_verdict {
    MX_V_NEED_MORE = 0, /* no verdict yet: feed more bytes */
    MX_V_SERVER_HELLO,  /* accepted (see version, suite, ...) */
    MX_V_HRR,           /* HelloRetryRequest (see hrr_group) */
    MX_V_ALERT,         /* the server sent an alert */
    MX_V_SSL2_HELLO,    /* an SSLv2 SERVER-HELLO */
    MX_V_MALFORMED      /* not TLS, or TLS that breaks the rules */
};

#define MX_FLIGHT_STOP_HELLO 0 /* verdict at the ServerHello */
#define MX_FLIGHT_STOP_DONE  1 /* below TLS 1.3: read on to ServerHelloDone */

#define MX_FLIGHT_MAX 65536 /* most handshake bytes we keep */

struct mx_flight {
    /* input settings */
    int stop; /* MX_FLIGHT_STOP_* */
    /* verdict */
    enum mx_verdict verdict;
    char reason[160]; /* MALFORMED: what was wrong */
    /* ServerHello */
    uint16_t record_version;
    uint16_t legacy_version; /* ServerHello.legacy_version */
    uint16_t version;        /* negotiated: supported_versions or legacy */
    uint16_t suite;
    uint8_t compression;
    uint16_t group;         /* TLS 1.3 key_share, or ECDHE curve from SKE */
    uint16_t hrr_group;     /* HRR: the group the server asks for */
    int have_hello;         /* a ServerHello (or HRR) was parsed */
    uint8_t session_id[32]; /* legacy_session_id_echo */
    size_t session_id_len;
    uint16_t extensions[64]; /* ServerHello extension types, in order */
    size_t nextensions;
    size_t share_len;        /* TLS 1.3 key_share: key_exchange length */
    uint8_t share_first;     /* ... and its first byte */
    size_t ske_point_len;    /* ECDHE ServerKeyExchange: the point's length */
    uint8_t ske_point_first; /* ... and its first byte */
    int hrr;                 /* saw a HelloRetryRequest */
    int ems;                 /* extended_master_secret echoed */
    int reneg;               /* renegotiation_info echoed */
    int dh_bits;             /* DHE: prime size from SKE */
    uint16_t ske_sigalg;     /* TLS 1.2 SKE signature scheme */
    int downgrade;           /* MX_DOWNGRADE_*: sentinel in the random */
    int done;                /* saw ServerHelloDone */
    /* Certificate (below TLS 1.3): the leaf, DER */
    const uint8_t *leaf; /* points into the flight's own buffer */
    size_t leaf_len;
    int ncerts;
    /* alert */
    int alert_level;
    int alert_desc;
    /* SSLv2 */
    uint16_t ssl2_version;
    uint32_t ssl2_ciphers[16];
    size_t nssl2_ciphers;
    /* internal state */
    uint8_t rec[5];
    size_t rec_have; /* header bytes collected */
    size_t rec_left; /* body bytes still to come in this record */
    uint8_t rec_type;
    uint8_t hs[MX_FLIGHT_MAX]; /* handshake stream */
    size_t hs_len;
    size_t hs_used; /* bytes of whole messages already parsed */
    uint8_t alert_buf[2];
    size_t alert_have;
    size_t total; /* bytes taken so far: after a verdict, up to
                     the byte that gave it (any chunking) */
    int first;    /* nothing fed yet */
    int stage;    /* last handshake message seen (hello_int.h) */
    int warnings; /* warning alerts skipped so far */
};

/* ServerHello.random ends in the RFC 8446 4.1.3 downgrade sentinel. */
#define MX_DOWNGRADE_NONE  0
#define MX_DOWNGRADE_TLS12 1 /* 44 4F 57 4E 47 52 44 01: TLS 1.2 chosen */
#define MX_DOWNGRADE_TLS11 2 /* 44 4F 57 4E 47 52 44 00: TLS 1.1 or lower */

void mx_flight_init(struct mx_flight *f, int stop);

/* Feed n bytes; returns the verdict so far (MX_V_NEED_MORE until one is
 * reached). Bytes after a verdict are ignored. */
enum mx_verdict mx_flight_feed(struct mx_flight *f, const uint8_t *buf,
                               size_t n);

/* Short name of a verdict, for -v output and tests. */
const char *mx_verdict_name(enum mx_verdict v);

#endif
