/*
 * hello_int.h - what the parts of the hello codec share (private to
 * hello_encode.c, hello_decode.c and hello_flight.c): the wire numbers
 * and a bounds-checked reader of a byte buffer.
 */
#ifndef MX_HELLO_INT_H
#define MX_HELLO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hello.h"

/* Handshake and record layer numbers (RFC 8446 4, 5.1; RFC 5246 7.4). */
#define REC_CCS         20
#define REC_ALERT       21
#define REC_HANDSHAKE   22
#define REC_APPDATA     23
#define REC_SSL2        0x80 /* internal marker: an SSLv2 record */
#define HS_HELLO_REQ    0
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE  11
#define HS_SKE          12
#define HS_CERT_REQ     13
#define HS_HELLO_DONE   14
#define HS_CERT_STATUS  22

#define EXT_SNI        0x0000
#define EXT_STATUS_REQ 0x0005
#define EXT_GROUPS     0x000a
#define EXT_POINT_FMT  0x000b
#define EXT_SIGALGS    0x000d
#define EXT_PADDING    0x0015
#define EXT_ETM        0x0016
#define EXT_EMS        0x0017
#define EXT_TICKET     0x0023
#define EXT_VERSIONS   0x002b
#define EXT_PSK_MODES  0x002d
#define EXT_KEY_SHARE  0x0033
#define EXT_RENEG      0xff01

#define MAX_PLAINTEXT 16384          /* 2^14, RFC 8446 5.1 */
#define MAX_RECORD    (16384 + 2048) /* RFC 5246 6.2.3 */

/* Reading: every read checks what is left; -1 when it does not fit. */

struct rd {
    const uint8_t *b; /* the whole buffer (offsets in messages) */
    size_t pos;
    size_t end;
};

static inline int
rd_u8(struct rd *r, unsigned *v)
{
    if (r->end - r->pos < 1)
        return -1;
    *v = r->b[r->pos];
    r->pos++;
    return 0;
}

static inline int
rd_u16(struct rd *r, unsigned *v)
{
    if (r->end - r->pos < 2)
        return -1;
    *v = ((unsigned)r->b[r->pos] << 8) | r->b[r->pos + 1];
    r->pos += 2;
    return 0;
}

static inline int
rd_u24(struct rd *r, size_t *v)
{
    if (r->end - r->pos < 3)
        return -1;
    *v = ((size_t)r->b[r->pos] << 16) | ((size_t)r->b[r->pos + 1] << 8) |
         r->b[r->pos + 2];
    r->pos += 3;
    return 0;
}

/* Take the next n bytes as a reader of their own. */
static inline int
rd_sub(struct rd *r, size_t n, struct rd *sub)
{
    if (r->end - r->pos < n)
        return -1;
    sub->b = r->b;
    sub->pos = r->pos;
    sub->end = r->pos + n;
    r->pos += n;
    return 0;
}

static inline size_t
rd_left(const struct rd *r)
{
    return r->end - r->pos;
}

/* ---- the server's flight (hello_flight.c, hello_server.c) ---- */

/* Stages after the ServerHello, in RFC 5246 7.3 order. */
enum {
    ST_START = 0,
    ST_HELLO,
    ST_CERT,
    ST_STATUS,
    ST_SKE,
    ST_CERT_REQ,
    ST_DONE
};

/* The MX_V_MALFORMED verdict, with the reason from fmt. */
void mx_flight_bad(struct mx_flight *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The handshake messages whose contents hello_server.c reads; r holds
 * the message body. A problem ends in mx_flight_bad. */
void mx_flight_server_hello(struct mx_flight *f, struct rd r);
void mx_flight_certificate(struct mx_flight *f, struct rd r);
void mx_flight_ske(struct mx_flight *f, struct rd r);

#endif
