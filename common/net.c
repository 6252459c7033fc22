/*
 * net.c - resolution with a deadline; non-blocking connect and buffered
 * line I/O over a socket or an OpenSSL session.
 *
 * Error contract: see net.h. Nothing is printed; connection attempts are
 * logged at -vv through mx_log().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "net.h"

void
mx_conn_init(struct mx_conn *c)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

int
mx_is_address(const char *s)
{
    struct in6_addr a6;
    struct in_addr a4;

    return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

/*
 * A name lookup and everything it points to live on the heap: if the
 * deadline passes while glibc's resolver thread still works on it and
 * cannot be cancelled, it is left to that thread (the process ends soon
 * after) instead of being freed under it.
 */
struct resolve_req {
    struct gaicb cb;
    struct addrinfo hints;
    char service[8];
    char name[];
};

/* One getaddrinfo_a() lookup with these flags, bounded by dl. */
static int
lookup_async(const char *host, const char *service,
             const struct addrinfo *hints, struct mx_deadline dl,
             struct addrinfo **res, int *gai)
{
    struct resolve_req *req;
    struct gaicb *list[1];
    struct timespec ts;
    size_t hlen = strlen(host);
    int rc, left;

    req = calloc(1, sizeof(*req) + hlen + 1);
    if (req == NULL)
        return -1;
    memcpy(req->name, host, hlen + 1);
    snprintf(req->service, sizeof(req->service), "%s", service);
    req->hints = *hints;
    req->cb.ar_name = req->name;
    req->cb.ar_service = req->service;
    req->cb.ar_request = &req->hints;
    list[0] = &req->cb;
    rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        free(req);
        *gai = rc;
        return 0;
    }
    for (;;) {
        rc = gai_error(&req->cb);
        if (rc != EAI_INPROGRESS)
            break;
        left = mx_deadline_left_ms(dl);
        if (left == 0)
            break;
        ts.tv_sec = left / 1000;
        ts.tv_nsec = (long)(left % 1000) * 1000000L;
        (void)gai_suspend((const struct gaicb *const *)list, 1, &ts);
    }
    *gai = rc;
    if (rc == EAI_INPROGRESS) {
        if (gai_cancel(&req->cb) == EAI_CANCELED)
            free(req);
        return 0;
    }
    if (rc == 0)
        *res = req->cb.ar_result;
    free(req);
    return 0;
}

/*
 * Resolve host: a numeric address at once, a name with getaddrinfo_a()
 * within the deadline. AI_ADDRCONFIG keeps out the addresses of a family
 * the machine has no address of, but glibc counts loopback as none, so
 * on a machine whose only address is 127.0.0.1 (a container, a test
 * namespace) every name, "localhost" too, would fail: a name that gets
 * no address with it is looked up again without it.
 */
static int
lookup(const char *host, const char *service, int family, struct mx_deadline dl,
       struct addrinfo **res, struct mx_error *err)
{
    struct addrinfo hints;
    int rc = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, service, &hints, res) == 0)
        return 0;

    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    if (lookup_async(host, service, &hints, dl, res, &rc) != 0)
        goto nomem;
    if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) {
        hints.ai_flags = AI_NUMERICSERV;
        if (lookup_async(host, service, &hints, dl, res, &rc) != 0)
            goto nomem;
    }
    if (rc == EAI_INPROGRESS) {
        mx_error_set(err, MX_E_TIMEOUT, "timeout resolving %s", host);
        return -1;
    }
    if (rc != 0) {
        mx_error_set(err, MX_E_RESOLVE, "cannot resolve %s: %s", host,
                     gai_strerror(rc));
        return -1;
    }
    return 0;
nomem:
    mx_error_set(err, MX_E_INTERNAL, "out of memory");
    return -1;
}

int
mx_resolve(const char *host, int port, int family, struct mx_deadline dl,
           struct mx_addr *out, size_t *n, struct mx_error *err)
{
    struct addrinfo *res = NULL, *ai;
    char service[8];
    const void *a;

    *n = 0;
    snprintf(service, sizeof(service), "%d", port);
    if (lookup(host, service, family, dl, &res, err) != 0)
        return -1;
    for (ai = res; ai != NULL && *n < MX_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET)
            a = &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
        else if (ai->ai_family == AF_INET6)
            a = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
        else
            continue;
        if (ai->ai_addrlen > sizeof(out[*n].sa))
            continue;
        memset(&out[*n], 0, sizeof(out[*n]));
        memcpy(&out[*n].sa, ai->ai_addr, ai->ai_addrlen);
        out[*n].len = ai->ai_addrlen;
        if (inet_ntop(ai->ai_family, a, out[*n].text, sizeof(out[*n].text)) ==
            NULL)
            snprintf(out[*n].text, sizeof(out[*n].text), "?");
        (*n)++;
    }
    freeaddrinfo(res);
    if (*n == 0) {
        mx_error_set(err, MX_E_RESOLVE, "%s has no address%s", host,
                     family == AF_INET    ? " for IPv4"
                     : family == AF_INET6 ? " for IPv6"
                                          : "");
        return -1;
    }
    return 0;
}

int
mx_conn_connect(struct mx_conn *c, const struct mx_addr *a, int port,
                struct mx_error *err)
{
    int fd;

    snprintf(c->addr, sizeof(c->addr), "%s", a->text);
    c->port = port;
    fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mx_error_set(err, MX_E_CONNECT, "socket: %s", strerror(errno));
        return -1;
    }
    mx_log(2, "connecting to %s port %d", c->addr, port);
    c->fd = fd;
    if (connect(fd, (const struct sockaddr *)&a->sa, a->len) == 0)
        return MX_DONE;
    if (errno == EINPROGRESS) {
        c->want = POLLOUT;
        return MX_AGAIN;
    }
    mx_error_set(err, MX_E_CONNECT, "cannot connect to %s port %d: %s", c->addr,
                 port, strerror(errno));
    close(fd);
    c->fd = -1;
    return -1;
}

int
mx_conn_connected(struct mx_conn *c, struct mx_error *err)
{
    socklen_t len = sizeof(int);
    int soerr = 0;

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        soerr = errno;
    if (soerr == 0)
        return MX_DONE;
    mx_error_set(err, MX_E_CONNECT, "cannot connect to %s port %d: %s", c->addr,
                 c->port, strerror(soerr));
    return -1;
}

static void
closed_error(struct mx_conn *c, const char *what, struct mx_error *err)
{
    mx_error_set(err, MX_E_CLOSED,
                 "%s closed the connection while we waited for %s", c->addr,
                 what);
}

/* Read more into rbuf: MX_DONE (got bytes), MX_AGAIN or -1. */
static int
fill(struct mx_conn *c, const char *what, struct mx_error *err)
{
    size_t got = 0;
    ssize_t n;
    int rc, e;

    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    if (c->ssl != NULL) {
        ERR_clear_error();
        rc = SSL_read_ex(c->ssl, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen,
                         &got);
        if (rc == 1) {
            c->rlen += got;
            return MX_DONE;
        }
        e = SSL_get_error(c->ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            c->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            return MX_AGAIN;
        }
        if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL) {
            ERR_clear_error();
            closed_error(c, what, err);
            return -1;
        }
        mx_error_set(err, MX_E_TLS, "TLS error while waiting for %s: %s", what,
                     ERR_reason_error_string(ERR_peek_error()));
        ERR_clear_error();
        return -1;
    }
    n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
    if (n > 0) {
        c->rlen += (size_t)n;
        return MX_DONE;
    }
    if (n == 0) {
        c->eof = 1;
        closed_error(c, what, err);
        return -1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        c->want = POLLIN;
        return MX_AGAIN;
    }
    mx_error_set(err, MX_E_CLOSED,
                 "connection to %s failed while waiting for %s: %s", c->addr,
                 what, strerror(errno));
    return -1;
}

int
mx_conn_line(struct mx_conn *c, char *line, size_t *len, const char *what,
             struct mx_error *err)
{
    unsigned char *start, *nl;
    size_t n;
    int rc;

    for (;;) {
        start = c->rbuf + c->rpos;
        nl = memchr(start, '\n', c->rlen - c->rpos);
        if (nl != NULL)
            break;
        if (c->rlen - c->rpos > MX_LINE_MAX + 1) {
            mx_error_set(err, MX_E_PROTOCOL,
                         "%s sent a line longer than %d bytes in %s", c->addr,
                         MX_LINE_MAX, what);
            return -1;
        }
        rc = fill(c, what, err);
        if (rc != MX_DONE)
            return rc;
    }
    n = (size_t)(nl - start);
    c->rpos += n + 1;
    if (n > 0 && start[n - 1] == '\r')
        n--;
    if (n > MX_LINE_MAX) {
        mx_error_set(err, MX_E_PROTOCOL,
                     "%s sent a line longer than %d bytes in %s", c->addr,
                     MX_LINE_MAX, what);
        return -1;
    }
    memcpy(line, start, n);
    line[n] = '\0';
    *len = n;
    return MX_DONE;
}

int
mx_conn_queue(struct mx_conn *c, const void *buf, size_t n,
              struct mx_error *err)
{
    if (c->opos > 0) {
        memmove(c->obuf, c->obuf + c->opos, c->olen - c->opos);
        c->olen -= c->opos;
        c->opos = 0;
    }
    if (n > sizeof(c->obuf) - c->olen) {
        mx_error_set(err, MX_E_INTERNAL, "output line too long");
        return -1;
    }
    memcpy(c->obuf + c->olen, buf, n);
    c->olen += n;
    return 0;
}

int
mx_conn_flush(struct mx_conn *c, const char *what, struct mx_error *err)
{
    size_t done;
    ssize_t w;
    int rc, e;

    while (c->opos < c->olen) {
        if (c->ssl != NULL) {
            ERR_clear_error();
            rc = SSL_write_ex(c->ssl, c->obuf + c->opos, c->olen - c->opos,
                              &done);
            if (rc == 1) {
                c->opos += done;
                continue;
            }
            e = SSL_get_error(c->ssl, rc);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                c->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                return MX_AGAIN;
            }
            ERR_clear_error();
            mx_error_set(err, MX_E_CLOSED, "cannot send %s to %s over TLS",
                         what, c->addr);
            return -1;
        }
        w = send(c->fd, c->obuf + c->opos, c->olen - c->opos, MSG_NOSIGNAL);
        if (w > 0) {
            c->opos += (size_t)w;
            continue;
        }
        if (w < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            c->want = POLLOUT;
            return MX_AGAIN;
        }
        mx_error_set(err, MX_E_CLOSED, "cannot send %s to %s: %s", what,
                     c->addr, w < 0 ? strerror(errno) : "nothing written");
        return -1;
    }
    c->opos = c->olen = 0;
    return MX_DONE;
}

int
mx_conn_read_raw(struct mx_conn *c, void *buf, size_t cap, size_t *got,
                 struct mx_error *err)
{
    size_t have = c->rlen - c->rpos;
    ssize_t n;

    *got = 0;
    if (have > 0) { /* bytes a line reader already took in */
        if (have > cap)
            have = cap;
        memcpy(buf, c->rbuf + c->rpos, have);
        c->rpos += have;
        *got = have;
        return MX_DONE;
    }
    n = recv(c->fd, buf, cap, 0);
    if (n > 0) {
        *got = (size_t)n;
        return MX_DONE;
    }
    if (n == 0) {
        c->eof = 1;
        return MX_DONE;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        c->want = POLLIN;
        return MX_AGAIN;
    }
    mx_error_set(err, MX_E_CLOSED, "connection to %s failed: %s", c->addr,
                 strerror(errno));
    return -1;
}

int
mx_conn_write_raw(struct mx_conn *c, const void *buf, size_t n, size_t *done,
                  struct mx_error *err)
{
    ssize_t w;

    *done = 0;
    while (*done < n) {
        w = send(c->fd, (const unsigned char *)buf + *done, n - *done,
                 MSG_NOSIGNAL);
        if (w > 0) {
            *done += (size_t)w;
            continue;
        }
        if (w < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            c->want = POLLOUT;
            return MX_AGAIN;
        }
        mx_error_set(err, MX_E_CLOSED, "cannot send to %s: %s", c->addr,
                     w < 0 ? strerror(errno) : "nothing written");
        return -1;
    }
    return MX_DONE;
}

size_t
mx_conn_pending(const struct mx_conn *c)
{
    return c->rlen - c->rpos;
}

void
mx_conn_close(struct mx_conn *c)
{
    if (c->ssl != NULL) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->rpos = c->rlen = c->opos = c->olen = 0;
}
