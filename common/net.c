/*
 * net.c - resolve, connect and line I/O with poll() deadlines.
 *
 * Error contract: every function returns 0 or -1; on -1 the struct
 * mx_error holds the code and a one-line message naming the peer address
 * and what was awaited. Nothing is printed; -v diagnostics go through
 * mx_log().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
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
 * Name resolution with a deadline. The request and everything it points
 * to live on the heap: if the deadline passes while glibc's resolver
 * thread still works on it and cannot be cancelled, it is left to that
 * thread (the process ends soon after) instead of being freed under it.
 */
struct resolve_req {
    struct gaicb cb;
    struct addrinfo hints;
    char service[8];
    char name[];
};

static int
resolve(const char *host, int port, int family, struct mx_deadline dl,
        struct addrinfo **res, struct mx_error *err)
{
    struct addrinfo hints;
    struct resolve_req *req;
    struct gaicb *list[1];
    struct timespec ts;
    char service[8];
    size_t hlen = strlen(host);
    int rc, left;

    snprintf(service, sizeof(service), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, service, &hints, res) == 0)
        return 0;

    req = calloc(1, sizeof(*req) + hlen + 1);
    if (req == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    memcpy(req->name, host, hlen + 1);
    memcpy(req->service, service, sizeof(service));
    req->hints = hints;
    req->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    req->cb.ar_name = req->name;
    req->cb.ar_service = req->service;
    req->cb.ar_request = &req->hints;
    list[0] = &req->cb;
    rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        mx_error_set(err, MX_E_RESOLVE, "cannot resolve %s: %s", host,
                     gai_strerror(rc));
        free(req);
        return -1;
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
    if (rc == EAI_INPROGRESS) {
        mx_error_set(err, MX_E_TIMEOUT, "timeout resolving %s", host);
        if (gai_cancel(&req->cb) == EAI_CANCELED)
            free(req);
        return -1;
    }
    if (rc != 0) {
        mx_error_set(err, MX_E_RESOLVE, "cannot resolve %s: %s", host,
                     gai_strerror(rc));
        free(req);
        return -1;
    }
    *res = req->cb.ar_result;
    free(req);
    return 0;
}

/* Connect one address; 0, or -1 with errno-based err (TIMEOUT/CONNECT). */
static int
connect_one(struct mx_conn *c, const struct addrinfo *ai, struct mx_deadline dl,
            struct mx_error *err)
{
    struct pollfd pfd;
    socklen_t len;
    int fd, rc, soerr = 0;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                ai->ai_protocol);
    if (fd < 0) {
        mx_error_set(err, MX_E_CONNECT, "socket: %s", strerror(errno));
        return -1;
    }
    rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno != EINPROGRESS) {
        soerr = errno;
        goto fail;
    }
    while (rc != 0) {
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        rc = poll(&pfd, 1, mx_deadline_left_ms(dl));
        if (rc < 0 && errno == EINTR) {
            rc = -1;
            continue;
        }
        if (rc == 0) {
            mx_error_set(err, MX_E_TIMEOUT, "timeout connecting to %s port %d",
                         c->addr, c->port);
            close(fd);
            return -1;
        }
        if (rc < 0) {
            soerr = errno;
            goto fail;
        }
        len = sizeof(soerr);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (soerr != 0)
            goto fail;
        rc = 0;
    }
    c->fd = fd;
    return 0;
fail:
    mx_error_set(err, MX_E_CONNECT, "cannot connect to %s port %d: %s", c->addr,
                 c->port, strerror(soerr));
    close(fd);
    return -1;
}

int
mx_connect(struct mx_conn *c, const char *host, int port, int family,
           struct mx_deadline dl, struct mx_error *err)
{
    struct addrinfo *res = NULL, *ai;
    const void *a;
    int rc = -1;

    if (resolve(host, port, family, dl, &res, err) != 0)
        return -1;
    mx_error_set(err, MX_E_RESOLVE, "%s has no address%s", host,
                 family == AF_INET    ? " for IPv4"
                 : family == AF_INET6 ? " for IPv6"
                                      : "");
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET)
            a = &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
        else if (ai->ai_family == AF_INET6)
            a = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
        else
            continue;
        if (inet_ntop(ai->ai_family, a, c->addr, sizeof(c->addr)) == NULL)
            snprintf(c->addr, sizeof(c->addr), "?");
        c->port = port;
        mx_log(2, "connecting to %s port %d", c->addr, port);
        if (connect_one(c, ai, dl, err) == 0) {
            rc = 0;
            break;
        }
        mx_log(1, "%s", err->msg);
        if (err->code == MX_E_TIMEOUT)
            break;
    }
    freeaddrinfo(res);
    if (rc == 0)
        mx_error_clear(err);
    return rc;
}

int
mx_conn_wait(struct mx_conn *c, int ssl_error, struct mx_deadline dl,
             const char *what, struct mx_error *err)
{
    struct pollfd pfd;
    int rc;

    pfd.fd = c->fd;
    pfd.events = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
    for (;;) {
        pfd.revents = 0;
        rc = poll(&pfd, 1, mx_deadline_left_ms(dl));
        if (rc > 0)
            return 0;
        if (rc == 0)
            break;
        if (errno != EINTR) {
            mx_error_set(err, MX_E_INTERNAL, "poll: %s", strerror(errno));
            return -1;
        }
    }
    mx_error_set(err, MX_E_TIMEOUT, "timeout waiting for %s from %s", what,
                 c->addr);
    return -1;
}

/* Fill rbuf with more bytes; 0, or -1 with err (CLOSED, TIMEOUT, ...). */
static int
fill(struct mx_conn *c, struct mx_deadline dl, const char *what,
     struct mx_error *err)
{
    size_t got = 0;
    ssize_t n;
    int rc, e;

    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    for (;;) {
        if (c->ssl != NULL) {
            ERR_clear_error();
            rc = SSL_read_ex(c->ssl, c->rbuf + c->rlen,
                             sizeof(c->rbuf) - c->rlen, &got);
            if (rc == 1) {
                c->rlen += got;
                return 0;
            }
            e = SSL_get_error(c->ssl, rc);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (mx_conn_wait(c, e, dl, what, err) != 0)
                    return -1;
                continue;
            }
            if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL) {
                mx_error_set(err, MX_E_CLOSED,
                             "%s closed the connection while we waited for %s",
                             c->addr, what);
                return -1;
            }
            mx_error_set(err, MX_E_TLS, "TLS error while waiting for %s: %s",
                         what, ERR_reason_error_string(ERR_peek_error()));
            return -1;
        }
        n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
        if (n > 0) {
            c->rlen += (size_t)n;
            return 0;
        }
        if (n == 0) {
            mx_error_set(err, MX_E_CLOSED,
                         "%s closed the connection while we waited for %s",
                         c->addr, what);
            return -1;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (mx_conn_wait(c, SSL_ERROR_WANT_READ, dl, what, err) != 0)
                return -1;
            continue;
        }
        mx_error_set(err, MX_E_CLOSED,
                     "connection to %s failed while waiting for %s: %s",
                     c->addr, what, strerror(errno));
        return -1;
    }
}

int
mx_conn_read_line(struct mx_conn *c, char *line, size_t *len,
                  struct mx_deadline dl, const char *what, struct mx_error *err)
{
    unsigned char *start, *nl;
    size_t n;

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
        if (fill(c, dl, what, err) != 0)
            return -1;
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
    return 0;
}

int
mx_conn_write(struct mx_conn *c, const void *buf, size_t n,
              struct mx_deadline dl, const char *what, struct mx_error *err)
{
    const unsigned char *p = buf;
    size_t done;
    ssize_t w;
    int rc, e;

    while (n > 0) {
        if (c->ssl != NULL) {
            ERR_clear_error();
            rc = SSL_write_ex(c->ssl, p, n, &done);
            if (rc == 1) {
                p += done;
                n -= done;
                continue;
            }
            e = SSL_get_error(c->ssl, rc);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (mx_conn_wait(c, e, dl, what, err) != 0)
                    return -1;
                continue;
            }
            mx_error_set(err, MX_E_CLOSED, "cannot send %s to %s over TLS",
                         what, c->addr);
            return -1;
        }
        w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (mx_conn_wait(c, SSL_ERROR_WANT_WRITE, dl, what, err) != 0)
                return -1;
            continue;
        }
        mx_error_set(err, MX_E_CLOSED, "cannot send %s to %s: %s", what,
                     c->addr, w < 0 ? strerror(errno) : "nothing written");
        return -1;
    }
    return 0;
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
    c->rpos = c->rlen = 0;
}
