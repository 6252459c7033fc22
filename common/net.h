/*
 * net.h - TCP connections with deadlines, and buffered line I/O over a
 * plain socket or, once TLS is up, over OpenSSL.
 *
 * Sockets are non-blocking; every wait is a poll() bounded by the caller's
 * deadline. Name resolution uses getaddrinfo_a() so that a slow resolver
 * cannot outlive -t either. Functions return 0 on success and -1 with a
 * filled struct mx_error (codes RESOLVE, CONNECT, TIMEOUT, CLOSED,
 * PROTOCOL, TLS, INTERNAL); messages say what was being waited for, using
 * the caller's "what" text ("the greeting", "the STARTTLS reply").
 */
#ifndef MX_NET_H
#define MX_NET_H

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "err.h"

#define MX_LINE_MAX 4096 /* longest reply line we accept, without CRLF */
#define MX_RBUF     (MX_LINE_MAX + 2)

struct mx_conn {
    int fd;                          /* -1 when closed */
    SSL *ssl;                        /* non-NULL once TLS is up */
    unsigned char rbuf[MX_RBUF];     /* plaintext read buffer */
    size_t rpos;                     /* first unread byte in rbuf */
    size_t rlen;                     /* bytes in rbuf */
    char addr[INET6_ADDRSTRLEN + 1]; /* the address connected to */
    int port;
};

void mx_conn_init(struct mx_conn *c);

/*
 * Resolve host (name or address literal) and connect to the first address
 * that accepts, trying them in the resolver's order. family is AF_UNSPEC,
 * AF_INET or AF_INET6.
 */
int mx_connect(struct mx_conn *c, const char *host, int port, int family,
               struct mx_deadline dl, struct mx_error *err);

/*
 * Read one line (up to LF; CR LF and LF both end a line) into line, which
 * must hold MX_LINE_MAX + 1 bytes; the line ending is removed and *len is
 * the length. A line longer than MX_LINE_MAX is a PROTOCOL error.
 */
int mx_conn_read_line(struct mx_conn *c, char *line, size_t *len,
                      struct mx_deadline dl, const char *what,
                      struct mx_error *err);

/* Write all of buf. */
int mx_conn_write(struct mx_conn *c, const void *buf, size_t n,
                  struct mx_deadline dl, const char *what,
                  struct mx_error *err);

/* Bytes read from the peer but not yet consumed by a line read. */
size_t mx_conn_pending(const struct mx_conn *c);

/*
 * Wait until the socket is readable or writable as OpenSSL asks after a
 * WANT_READ / WANT_WRITE (ssl_error), or the deadline passes (-1, TIMEOUT).
 */
int mx_conn_wait(struct mx_conn *c, int ssl_error, struct mx_deadline dl,
                 const char *what, struct mx_error *err);

/* Free the TLS state (without sending anything) and close the socket. */
void mx_conn_close(struct mx_conn *c);

/* Is s an IPv4 or IPv6 address literal (an address, not a name)? */
int mx_is_address(const char *s);

#endif
