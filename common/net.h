/*
 * net.h - name resolution with a deadline, and non-blocking TCP
 * connections with buffered line I/O over a plain socket or, once TLS is
 * up, over OpenSSL.
 *
 * Everything here is non-blocking except mx_resolve: a function that
 * cannot finish now returns MX_AGAIN and sets c->want to the poll() events
 * it waits for; the caller (the scheduler) polls and calls again. Errors
 * are -1 with a struct mx_error (RESOLVE, CONNECT, TIMEOUT, CLOSED,
 * PROTOCOL, TLS, INTERNAL) whose message names the peer and what was
 * awaited ("the greeting", "the STARTTLS reply").
 */
#ifndef MX_NET_H
#define MX_NET_H

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "deadline.h"
#include "err.h"

#define MX_DONE  1
#define MX_AGAIN 0

#define MX_LINE_MAX  4096 /* longest reply line we accept, without CRLF */
#define MX_RBUF      (MX_LINE_MAX + 2)
#define MX_OBUF      1024 /* one command line at a time */
#define MX_MAX_ADDRS 16

/* A resolved address. */
struct mx_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    char text[INET6_ADDRSTRLEN + 1];
};

struct mx_conn {
    int fd;                      /* -1 when closed */
    SSL *ssl;                    /* non-NULL once TLS is up */
    short want;                  /* POLLIN/POLLOUT after MX_AGAIN */
    unsigned char rbuf[MX_RBUF]; /* read buffer (plaintext or TLS) */
    size_t rpos;                 /* first unread byte in rbuf */
    size_t rlen;                 /* bytes in rbuf */
    unsigned char obuf[MX_OBUF]; /* pending output */
    size_t opos;
    size_t olen;
    int eof;                         /* the peer closed its side */
    char addr[INET6_ADDRSTRLEN + 1]; /* the address connected to */
    int port;
};

/*
 * Resolve host (name or address literal) with getaddrinfo_a, bounded by
 * dl; fills at most MX_MAX_ADDRS addresses in the resolver's order.
 * family is AF_UNSPEC, AF_INET or AF_INET6. 0 or -1.
 */
int mx_resolve(const char *host, int port, int family, struct mx_deadline dl,
               struct mx_addr *out, size_t *n, struct mx_error *err);

void mx_conn_init(struct mx_conn *c);

/* Start a non-blocking connect: MX_DONE (connected), MX_AGAIN (wait for
 * POLLOUT, then call mx_conn_connected) or -1. */
int mx_conn_connect(struct mx_conn *c, const struct mx_addr *a, int port,
                    struct mx_error *err);
/* After POLLOUT: MX_DONE or -1 (CONNECT). */
int mx_conn_connected(struct mx_conn *c, struct mx_error *err);

/*
 * Take one line (up to LF; CR LF and LF both end a line) into line, which
 * must hold MX_LINE_MAX + 1 bytes; the ending is removed and *len is the
 * length. MX_DONE, MX_AGAIN, or -1 (CLOSED, PROTOCOL for a line over
 * MX_LINE_MAX, TLS).
 */
int mx_conn_line(struct mx_conn *c, char *line, size_t *len, const char *what,
                 struct mx_error *err);

/* Queue text for sending (at most MX_OBUF bytes pending). 0 or -1. */
int mx_conn_queue(struct mx_conn *c, const void *buf, size_t n,
                  struct mx_error *err);

/* Send what is queued: MX_DONE when all is out, MX_AGAIN, or -1. */
int mx_conn_flush(struct mx_conn *c, const char *what, struct mx_error *err);

/*
 * Read raw bytes that are available now (plain socket only; for the raw
 * TLS engine): up to cap bytes into buf, *got set. MX_DONE when bytes were
 * read, MX_AGAIN when none are there yet, -1 on a reset or error. A clean
 * end of stream gives MX_DONE with *got = 0 and c->eof set.
 */
int mx_conn_read_raw(struct mx_conn *c, void *buf, size_t cap, size_t *got,
                     struct mx_error *err);

/* Write raw bytes (plain socket only): *done gets how many went out.
 * MX_DONE when all, MX_AGAIN when some are left, -1. */
int mx_conn_write_raw(struct mx_conn *c, const void *buf, size_t n,
                      size_t *done, struct mx_error *err);

/* Bytes read from the peer but not yet consumed. */
size_t mx_conn_pending(const struct mx_conn *c);

/* Free the TLS state (without sending anything) and close the socket. */
void mx_conn_close(struct mx_conn *c);

/* Is s an IPv4 or IPv6 address literal (an address, not a name)? */
int mx_is_address(const char *s);

#endif
