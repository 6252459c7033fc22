/*
 * tlsserver.c - in-test TLS servers on 127.0.0.1 (see tlsserver.h).
 *
 * The listener is forked first and leads a process group of its own, so
 * that ts_stop() ends it and every connection's process with one signal
 * to that group. Each connection gets a process of its own, which ends
 * with _exit(): nothing of the server's memory outlives it, and the
 * test's leak checker sees only the test's own process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "scheduler.h"
#include "tlsserver.h"

static long next_serial = 1;

static void
ts_diag(const char *what)
{
    char text[256];
    unsigned long e = ERR_get_error();

    if (e != 0)
        ERR_error_string_n(e, text, sizeof(text));
    printf("# tlsserver: %s%s%s\n", what, e != 0 ? ": " : "",
           e != 0 ? text : "");
    ERR_clear_error();
}

static EVP_PKEY *
make_key(const char *alg, int bits, const char *curve)
{
    if (strcmp(alg, "RSA") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (strcmp(alg, "EC") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    if (strcmp(alg, "ED25519") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return NULL;
}

int
ts_cert_make(struct ts_cert *c, const char *alg, int bits, const char *curve,
             const char *cn, const struct ts_cert *issuer)
{
    EVP_PKEY *signer;
    X509_NAME *name;
    const EVP_MD *md;

    memset(c, 0, sizeof(*c));
    c->key = make_key(alg, bits, curve);
    if (c->key == NULL) {
        ts_diag("key generation failed");
        return -1;
    }
    c->cert = X509_new();
    if (c->cert == NULL || X509_set_version(c->cert, 2) != 1 ||
        ASN1_INTEGER_set(X509_get_serialNumber(c->cert), next_serial++) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(c->cert), -86400) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(c->cert), 30L * 86400) == NULL ||
        X509_set_pubkey(c->cert, c->key) != 1)
        goto fail;
    name = X509_get_subject_name(c->cert);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)cn, -1, -1, 0) != 1)
        goto fail;
    if (issuer != NULL) {
        if (X509_set_issuer_name(c->cert,
                                 X509_get_subject_name(issuer->cert)) != 1 ||
            X509_up_ref(issuer->cert) != 1)
            goto fail;
        c->ca = issuer->cert;
        signer = issuer->key;
    } else {
        if (X509_set_issuer_name(c->cert, name) != 1)
            goto fail;
        signer = c->key;
    }
    md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    if (X509_sign(c->cert, signer, md) <= 0)
        goto fail;
    return 0;
fail:
    ts_diag("certificate creation failed");
    ts_cert_free(c);
    return -1;
}

void
ts_cert_free(struct ts_cert *c)
{
    EVP_PKEY_free(c->key);
    X509_free(c->cert);
    X509_free(c->ca);
    memset(c, 0, sizeof(*c));
}

/* The server's context for cfg, or NULL (with a diagnostic). */
static SSL_CTX *
make_ctx(const struct ts_config *cfg)
{
    const struct ts_cert *tc;
    SSL_CTX *ctx;
    size_t i;

    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        ts_diag("SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    if (cfg->server_pref)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    else
        SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_min_proto_version(ctx, cfg->min_version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, cfg->max_version) != 1) {
        ts_diag("version range refused");
        goto fail;
    }
    if (SSL_CTX_set_cipher_list(ctx, cfg->ciphers ? cfg->ciphers : "DEFAULT") !=
        1) {
        ts_diag("cipher list refused");
        goto fail;
    }
    if (cfg->ciphersuites != NULL &&
        SSL_CTX_set_ciphersuites(ctx, cfg->ciphersuites) != 1) {
        ts_diag("TLS 1.3 suites refused");
        goto fail;
    }
    if (cfg->groups != NULL &&
        SSL_CTX_set1_groups_list(ctx, cfg->groups) != 1) {
        ts_diag("groups refused");
        goto fail;
    }
    for (i = 0; i < cfg->ncerts; i++) {
        tc = cfg->certs[i];
        if (SSL_CTX_use_certificate(ctx, tc->cert) != 1 ||
            SSL_CTX_use_PrivateKey(ctx, tc->key) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1 ||
            (tc->ca != NULL && SSL_CTX_add1_chain_cert(ctx, tc->ca) != 1)) {
            ts_diag("certificate refused");
            goto fail;
        }
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* Read exactly n bytes: 0, or -1 at the end of the stream or an error. */
static int
read_full(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    ssize_t r;

    while (got < n) {
        r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Read one ClientHello record (TLS, or an SSLv2 CLIENT-HELLO) and
 * whatever else has arrived, so that a close sends a FIN, not a reset
 * for unread data. */
static void
read_hello(int fd)
{
    unsigned char buf[18000];
    size_t len;

    if (read_full(fd, buf, 2) != 0)
        return;
    if (buf[0] & 0x80) {
        len = (size_t)((buf[0] & 0x7f) << 8 | buf[1]);
    } else {
        if (read_full(fd, buf + 2, 3) != 0)
            return;
        len = (size_t)(buf[3] << 8 | buf[4]);
    }
    if (len > sizeof(buf) || read_full(fd, buf, len) != 0)
        return;
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
}

/* Read until the client closes (or the receive timeout). */
static void
drain(int fd)
{
    unsigned char buf[4096];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

/* Send what the server wrote into the memory BIO. 0 or -1. */
static int
flush_out(int fd, BIO *out)
{
    char *p;
    long n = BIO_get_mem_data(out, &p);
    ssize_t w;

    while (n > 0) {
        w = write(fd, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pw = {fd, POLLOUT, 0};
            if (poll(&pw, 1, 20000) == 1)
                continue;
        }
        if (w <= 0)
            return -1;
        p += w;
        n -= w;
    }
    (void)BIO_reset(out);
    return 0;
}

/* A handshake whose output goes through memory, so that the alert of a
 * failed one can be dropped: 1 completed, 0 failed (and closed). */
static int
accept_noalert(SSL *ssl, int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    BIO *in = BIO_new_socket(fd, BIO_NOCLOSE), *out = BIO_new(BIO_s_mem());
    int rc, e, fl = fcntl(fd, F_GETFL);

    /* a blocking read would keep the flight in memory, unsent */
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 || in == NULL ||
        out == NULL) {
        BIO_free(in);
        BIO_free(out);
        return 0;
    }
    SSL_set_bio(ssl, in, out);
    for (;;) {
        rc = SSL_accept(ssl);
        if (rc == 1)
            return fcntl(fd, F_SETFL, fl) == 0 && flush_out(fd, out) == 0;
        e = SSL_get_error(ssl, rc);
        if (e != SSL_ERROR_WANT_READ)
            return 0; /* the alert stays in memory */
        if (flush_out(fd, out) != 0 || poll(&p, 1, 20000) != 1)
            return 0;
    }
}

static void
serve_conn(int fd, SSL_CTX *ctx, const struct ts_config *cfg,
           struct ts_counts *k)
{
    static const char smtp[] = "554 5.5.1 this is no TLS server\r\n";
    struct timeval tv = {20, 0};
    struct linger lg = {1, 0};
    char buf[4096];
    SSL *ssl;

    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    switch (cfg->mode) {
    case TS_CLOSE_AT_ONCE:
        break;
    case TS_CLOSE:
        read_hello(fd);
        (void)shutdown(fd, SHUT_WR);
        drain(fd);
        break;
    case TS_RESET:
        read_hello(fd);
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        break;
    case TS_GARBAGE:
        read_hello(fd);
        (void)write(fd, smtp, sizeof(smtp) - 1);
        drain(fd);
        break;
    case TS_SILENT:
        drain(fd);
        break;
    case TS_TLS:
    case TS_TLS_NOALERT:
        ssl = SSL_new(ctx);
        if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
            __atomic_add_fetch(&k->failed, 1, __ATOMIC_SEQ_CST);
            break;
        }
        if (cfg->mode == TS_TLS ? SSL_accept(ssl) == 1
                                : accept_noalert(ssl, fd)) {
            __atomic_add_fetch(&k->completed, 1, __ATOMIC_SEQ_CST);
            if (cfg->mode == TS_TLS_NOALERT)
                SSL_set_fd(ssl, fd);
            while (SSL_read(ssl, buf, sizeof(buf)) > 0)
                ;
            (void)SSL_shutdown(ssl);
        } else {
            __atomic_add_fetch(&k->failed, 1, __ATOMIC_SEQ_CST);
        }
        break;
    }
    close(fd);
}

static void
listener(int lfd, int ready, const struct ts_config *cfg, struct ts_counts *k)
{
    SSL_CTX *ctx = NULL;
    pid_t pid;
    int c;

    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if ((cfg->mode == TS_TLS || cfg->mode == TS_TLS_NOALERT) &&
        (ctx = make_ctx(cfg)) == NULL) {
        fflush(stdout);
        (void)write(ready, "E", 1);
        _exit(1);
    }
    (void)write(ready, "K", 1);
    close(ready);
    for (;;) {
        c = accept(lfd, NULL, NULL);
        if (c < 0)
            continue;
        __atomic_add_fetch(&k->connections, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&k->active, 1, __ATOMIC_SEQ_CST);
        pid = fork();
        if (pid == 0) {
            close(lfd);
            serve_conn(c, ctx, cfg, k);
            __atomic_sub_fetch(&k->active, 1, __ATOMIC_SEQ_CST);
            _exit(0);
        }
        if (pid < 0)
            __atomic_sub_fetch(&k->active, 1, __ATOMIC_SEQ_CST);
        close(c);
    }
}

int
ts_start(struct ts_server *s, const struct ts_config *cfg)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int lfd, p[2];
    char ok = 0;

    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->counts = mmap(NULL, sizeof(*s->counts), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s->counts == MAP_FAILED) {
        s->counts = NULL;
        printf("# tlsserver: mmap: %s\n", strerror(errno));
        return -1;
    }
    memset(s->counts, 0, sizeof(*s->counts));
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        goto fail;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &len) != 0 || pipe(p) != 0) {
        close(lfd);
        goto fail;
    }
    fflush(stdout);
    s->pid = fork();
    if (s->pid == 0) {
        (void)setpgid(0, 0);
        close(p[0]);
        listener(lfd, p[1], cfg, s->counts);
        _exit(0);
    }
    close(lfd);
    close(p[1]);
    if (s->pid < 0) {
        close(p[0]);
        goto fail;
    }
    (void)setpgid(s->pid, s->pid);
    while (read(p[0], &ok, 1) < 0 && errno == EINTR)
        ;
    close(p[0]);
    if (ok != 'K') {
        printf("# tlsserver: the server did not start\n");
        ts_stop(s);
        return -1;
    }
    s->port = ntohs(sa.sin_port);
    return 0;
fail:
    printf("# tlsserver: %s\n", strerror(errno));
    ts_stop(s);
    return -1;
}

int
ts_settle(struct ts_server *s)
{
    int i;

    for (i = 0; i < 1000; i++) {
        if (__atomic_load_n(&s->counts->active, __ATOMIC_SEQ_CST) == 0)
            return 0;
        (void)poll(NULL, 0, 10);
    }
    return -1;
}

void
ts_stop(struct ts_server *s)
{
    if (s->pid > 0) {
        (void)kill(-s->pid, SIGKILL);
        (void)waitpid(s->pid, NULL, 0);
    }
    s->pid = -1;
    if (s->counts != NULL)
        munmap(s->counts, sizeof(*s->counts));
    s->counts = NULL;
}

void
ts_target(struct mx_target *t, int port, double secs)
{
    struct mx_error err;

    memset(t, 0, sizeof(*t));
    t->host = "127.0.0.1";
    t->port = port;
    t->family = AF_INET;
    t->app.dialect = MX_DIALECT_NONE;
    t->deadline = mx_deadline_in(secs);
    if (mx_target_resolve(t, &err) != 0)
        printf("# resolve: %s\n", err.msg);
}
