/*
 * tlsengine.c - client handshakes with OpenSSL 3 on a non-blocking socket.
 *
 * The offer is translated from IANA codes into OpenSSL lists on a fresh
 * SSL object (security level 0, legacy server connect allowed, no session
 * reuse), the handshake runs under poll() until the deadline, and a
 * message callback records alerts and the first record header so that a
 * refusal (alert, close) can be told apart from a peer that does not speak
 * TLS at all. Error contract: see tlsengine.h. The OpenSSL error queue is
 * drained into -v output and never left behind.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "buf.h"
#include "log.h"
#include "registry.h"
#include "tlsengine.h"

static const char *const all_tls13 =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";

void
mx_handshake_init(struct mx_handshake *hs)
{
    memset(hs, 0, sizeof(*hs));
    hs->alert_recv = -1;
    hs->alert_sent = -1;
}

void
mx_handshake_free(struct mx_handshake *hs)
{
    if (hs->chain != NULL)
        sk_X509_pop_free(hs->chain, X509_free);
    hs->chain = NULL;
}

static void
msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
       SSL *ssl, void *arg)
{
    struct mx_tls_trace *t = arg;
    const unsigned char *p = buf;

    (void)version;
    (void)ssl;
    if (content_type == SSL3_RT_ALERT && len >= 2) {
        if (write_p)
            t->alert_sent = p[1];
        else
            t->alert_recv = p[1];
        mx_log(2, "TLS alert %s: %s (%d)", write_p ? "sent" : "received",
               mx_alert_name(p[1]), p[1]);
    } else if (content_type == SSL3_RT_HEADER && !write_p && len >= 5) {
        if (!t->have_first) {
            memcpy(t->first, p, 5);
            t->have_first = 1;
        }
        t->bytes_in += 5 + (size_t)((p[3] << 8) | p[4]);
    } else if (content_type == SSL3_RT_HANDSHAKE && len >= 1) {
        mx_log(3, "TLS handshake message %s: type %d, %zu bytes",
               write_p ? "sent" : "received", p[0], len);
    }
}

/* Move every queued OpenSSL error into -v output; return the first
 * reason code (0 if none) and copy its text into reason. */
static int
drain_errors(char *reason, size_t cap)
{
    unsigned long e = mx_log_openssl(1);
    const char *r;
    char text[256];

    if (reason != NULL && cap > 0) {
        reason[0] = '\0';
        if (e != 0) {
            ERR_error_string_n(e, text, sizeof(text));
            r = ERR_reason_error_string(e);
            snprintf(reason, cap, "%.*s", (int)(cap - 1), r != NULL ? r : text);
        }
    }
    return ERR_GET_REASON(e);
}

/* Build the OpenSSL lists of the offer's suites; counts what was taken. */
static int
suite_lists(SSL *ssl, const struct mx_offer *o, struct mx_buf *l12,
            struct mx_buf *l13)
{
    const SSL_CIPHER *c;
    unsigned char b[2];
    size_t i;

    if (o->suites == NULL) {
        mx_buf_append(l12, "ALL:COMPLEMENTOFALL");
        mx_buf_append(l13, all_tls13);
        return 0;
    }
    for (i = 0; i < o->nsuites; i++) {
        uint16_t code = o->suites[i];
        if (code == 0x00ff || code == 0x5600)
            continue; /* signalling values: the library adds its own */
        b[0] = (unsigned char)(code >> 8);
        b[1] = (unsigned char)(code & 0xff);
        c = SSL_CIPHER_find(ssl, b);
        if (c == NULL) {
            mx_log(3, "the TLS library cannot offer suite 0x%04X", code);
            continue;
        }
        if ((code >> 8) == 0x13) {
            if (l13->len > 0)
                mx_buf_append(l13, ":");
            mx_buf_append(l13, SSL_CIPHER_get_name(c));
        } else {
            if (l12->len > 0)
                mx_buf_append(l12, ":");
            mx_buf_append(l12, SSL_CIPHER_get_name(c));
        }
    }
    return mx_buf_failed(l12) || mx_buf_failed(l13) ? -1 : 0;
}

static int
group_list(const struct mx_offer *o, struct mx_buf *b)
{
    const struct mx_group *g;
    size_t i;

    for (i = 0; i < o->ngroups; i++) {
        g = mx_group_by_code(o->groups[i]);
        if (g == NULL || g->openssl == NULL) {
            mx_log(3, "the TLS library cannot offer group 0x%04X",
                   o->groups[i]);
            continue;
        }
        if (b->len > 0)
            mx_buf_append(b, ":");
        mx_buf_append(b, g->openssl);
    }
    return mx_buf_failed(b) ? -1 : 0;
}

static int
sigalg_list(const struct mx_offer *o, struct mx_buf *b)
{
    const struct mx_sigalg *s;
    size_t i;

    for (i = 0; i < o->nsigalgs; i++) {
        s = mx_sigalg_by_code(o->sigalgs[i]);
        if (s == NULL || s->openssl == NULL) {
            mx_log(3, "the TLS library cannot offer signature scheme 0x%04X",
                   o->sigalgs[i]);
            continue;
        }
        if (b->len > 0)
            mx_buf_append(b, ":");
        mx_buf_append(b, s->openssl);
    }
    return mx_buf_failed(b) ? -1 : 0;
}

/* Configure ssl for the offer. 0, or -1 with err (INTERNAL, USAGE). */
static int
configure(SSL *ssl, const struct mx_offer *o, struct mx_error *err)
{
    struct mx_buf l12 = MX_BUF_INIT, l13 = MX_BUF_INIT, gl = MX_BUF_INIT,
                  sl = MX_BUF_INIT;
    int minv = o->min_version, maxv = o->max_version, rc = -1;

    SSL_set_security_level(ssl, 0);
    SSL_set_options(ssl, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_TICKET);
    if (suite_lists(ssl, o, &l12, &l13) != 0)
        goto oom;
    if (l12.len == 0 && l13.len == 0) {
        mx_error_set(err, MX_E_USAGE,
                     "the TLS library can offer none of the requested suites");
        goto out;
    }
    if (l12.len == 0 || SSL_set_cipher_list(ssl, mx_buf_str(&l12)) != 1) {
        drain_errors(NULL, 0);
        if (maxv != 0 && maxv < MX_TLS13) {
            mx_error_set(err, MX_E_USAGE,
                         "the TLS library can offer none of the requested "
                         "suites below TLSv1.3");
            goto out;
        }
        minv = MX_TLS13;
    }
    if (l13.len == 0 || SSL_set_ciphersuites(ssl, mx_buf_str(&l13)) != 1) {
        drain_errors(NULL, 0);
        if (minv == MX_TLS13) {
            mx_error_set(err, MX_E_USAGE,
                         "the TLS library can offer none of the requested "
                         "TLSv1.3 suites");
            goto out;
        }
        if (SSL_set_ciphersuites(ssl, "") != 1)
            goto lib;
        if (maxv == 0 || maxv > MX_TLS12)
            maxv = MX_TLS12;
    }
    if (SSL_set_min_proto_version(ssl, minv) != 1 ||
        SSL_set_max_proto_version(ssl, maxv) != 1) {
        drain_errors(NULL, 0);
        mx_error_set(err, MX_E_USAGE,
                     "the TLS library cannot offer versions %s to %s",
                     minv ? mx_version_name((uint16_t)minv) : "lowest",
                     maxv ? mx_version_name((uint16_t)maxv) : "highest");
        goto out;
    }
    if (o->groups != NULL) {
        if (group_list(o, &gl) != 0)
            goto oom;
        if (gl.len == 0 || SSL_set1_groups_list(ssl, mx_buf_str(&gl)) != 1) {
            drain_errors(NULL, 0);
            mx_error_set(err, MX_E_USAGE,
                         "the TLS library can offer none of the requested "
                         "groups");
            goto out;
        }
    }
    if (o->sigalgs != NULL) {
        if (sigalg_list(o, &sl) != 0)
            goto oom;
        if (sl.len == 0 || SSL_set1_sigalgs_list(ssl, mx_buf_str(&sl)) != 1) {
            drain_errors(NULL, 0);
            mx_error_set(err, MX_E_USAGE,
                         "the TLS library can offer none of the requested "
                         "signature schemes");
            goto out;
        }
    }
    if (o->sni != NULL && SSL_set_tlsext_host_name(ssl, o->sni) != 1)
        goto lib;
    mx_log(3, "offer: %s..%s; suites %s %s; groups %s; sigalgs %s",
           minv ? mx_version_name((uint16_t)minv) : "lowest",
           maxv ? mx_version_name((uint16_t)maxv) : "highest", mx_buf_str(&l12),
           mx_buf_str(&l13), o->groups ? mx_buf_str(&gl) : "(default)",
           o->sigalgs ? mx_buf_str(&sl) : "(default)");
    rc = 0;
    goto out;
lib:
    drain_errors(NULL, 0);
    mx_error_set(err, MX_E_INTERNAL, "TLS library setup failed");
    goto out;
oom:
    mx_error_set(err, MX_E_INTERNAL, "out of memory");
out:
    mx_buf_free(&l12);
    mx_buf_free(&l13);
    mx_buf_free(&gl);
    mx_buf_free(&sl);
    return rc;
}

static int
hash_byte(int nid)
{
    switch (nid) {
    case NID_sha1:
        return 2;
    case NID_sha224:
        return 3;
    case NID_sha256:
        return 4;
    case NID_sha384:
        return 5;
    case NID_sha512:
        return 6;
    default:
        return 0;
    }
}

/* The server's signature scheme as an IANA code, 0 if none/unknown. */
static uint16_t
peer_sigalg(SSL *ssl, X509 *leaf)
{
    int sig = NID_undef, md = NID_undef, h;
    EVP_PKEY *pk;

    if (SSL_get_peer_signature_type_nid(ssl, &sig) != 1)
        return 0;
    if (sig == EVP_PKEY_ED25519)
        return 0x0807;
    if (sig == EVP_PKEY_ED448)
        return 0x0808;
    if (SSL_get_peer_signature_nid(ssl, &md) != 1)
        return 0;
    h = hash_byte(md);
    if (h == 0)
        return 0;
    switch (sig) {
    case EVP_PKEY_RSA_PSS:
        if (h < 4)
            return 0;
        pk = leaf != NULL ? X509_get0_pubkey(leaf) : NULL;
        if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA_PSS)
            return (uint16_t)(0x0809 + (h - 4));
        return (uint16_t)(0x0804 + (h - 4));
    case EVP_PKEY_RSA:
        return (uint16_t)(h << 8 | 1);
    case EVP_PKEY_DSA:
        return (uint16_t)(h << 8 | 2);
    case EVP_PKEY_EC:
        return (uint16_t)(h << 8 | 3);
    default:
        return 0;
    }
}

static void
negotiated_group(SSL *ssl, struct mx_handshake *hs)
{
    const struct mx_group *g = NULL;
    EVP_PKEY *tmp = NULL;
    char name[64];
    int nid;

    nid = SSL_get_negotiated_group(ssl);
    if (nid > 0 && (nid & TLSEXT_nid_unknown) == 0)
        g = mx_group_by_name(OBJ_nid2sn(nid));
    if (g == NULL && SSL_get_peer_tmp_key(ssl, &tmp) == 1) {
        if (EVP_PKEY_get_base_id(tmp) == EVP_PKEY_DH) {
            snprintf(hs->group_name, sizeof(hs->group_name), "DHE %d",
                     EVP_PKEY_get_bits(tmp));
        } else if (EVP_PKEY_get_utf8_string_param(tmp, "group", name,
                                                  sizeof(name), NULL) == 1) {
            g = mx_group_by_name(name);
        } else {
            g = mx_group_by_name(OBJ_nid2sn(EVP_PKEY_get_base_id(tmp)));
        }
        EVP_PKEY_free(tmp);
    }
    if (g != NULL) {
        hs->group = g->code;
        snprintf(hs->group_name, sizeof(hs->group_name), "%s", g->display);
    }
    ERR_clear_error();
}

static void
record_success(SSL *ssl, struct mx_handshake *hs)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    const char *std;

    hs->accepted = 1;
    hs->version = (uint16_t)SSL_version(ssl);
    if (c != NULL) {
        hs->suite = (uint16_t)(SSL_CIPHER_get_protocol_id(c) & 0xffff);
        std = SSL_CIPHER_standard_name(c);
        snprintf(hs->suite_iana, sizeof(hs->suite_iana), "%s",
                 std != NULL ? std : "");
        snprintf(hs->suite_ossl, sizeof(hs->suite_ossl), "%s",
                 SSL_CIPHER_get_name(c));
    }
    negotiated_group(ssl, hs);
    hs->sigalg = peer_sigalg(ssl, leaf);
    if (chain != NULL)
        hs->chain = X509_chain_up_ref(chain);
    else if (leaf != NULL && (hs->chain = sk_X509_new_null()) != NULL) {
        if (X509_up_ref(leaf) != 1 || sk_X509_push(hs->chain, leaf) <= 0) {
            X509_free(leaf);
            sk_X509_free(hs->chain);
            hs->chain = NULL;
        }
    }
}

/* Printable rendering of the first bytes a non-TLS peer sent. */
static void
show_bytes(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t i, o = 0;

    for (i = 0; i < n && o + 5 < cap; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            out[o++] = (char)p[i];
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
    }
    out[o < cap ? o : cap - 1] = '\0';
}

SSL_CTX *
mx_tls_context(struct mx_error *err)
{
    SSL_CTX *ctx;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        drain_errors(NULL, 0);
        mx_error_set(err, MX_E_INTERNAL, "TLS library setup failed");
    }
    return ctx;
}

int
mx_tls_start(struct mx_tls_run *run, struct mx_conn *c,
             const struct mx_offer *o, struct mx_handshake *hs,
             struct mx_error *err)
{
    return mx_tls_start_in(run, NULL, c, o, hs, err);
}

int
mx_tls_start_in(struct mx_tls_run *run, SSL_CTX *ctx, struct mx_conn *c,
                const struct mx_offer *o, struct mx_handshake *hs,
                struct mx_error *err)
{
    memset(run, 0, sizeof(*run));
    mx_handshake_init(hs);
    run->trace.alert_recv = run->trace.alert_sent = -1;
    ERR_clear_error();
    run->own_ctx = ctx == NULL;
    run->ctx = ctx != NULL ? ctx : SSL_CTX_new(TLS_client_method());
    if (run->ctx == NULL || (run->ssl = SSL_new(run->ctx)) == NULL) {
        drain_errors(NULL, 0);
        mx_error_set(err, MX_E_INTERNAL, "TLS library setup failed");
        goto fail;
    }
    if (configure(run->ssl, o, err) != 0)
        goto fail;
    if (SSL_set_fd(run->ssl, c->fd) != 1) {
        drain_errors(NULL, 0);
        mx_error_set(err, MX_E_INTERNAL, "TLS library setup failed");
        goto fail;
    }
    SSL_set_msg_callback(run->ssl, msg_cb);
    SSL_set_msg_callback_arg(run->ssl, &run->trace);
    SSL_set_connect_state(run->ssl);
    run->t0 = mx_now_ms();
    return 0;
fail:
    mx_tls_abort(run);
    return -1;
}

void
mx_tls_abort(struct mx_tls_run *run)
{
    SSL_free(run->ssl);
    if (run->own_ctx)
        SSL_CTX_free(run->ctx);
    run->ssl = NULL;
    run->ctx = NULL;
    run->own_ctx = 0;
    ERR_clear_error();
}

int
mx_tls_step(struct mx_tls_run *run, struct mx_conn *c, struct mx_handshake *hs,
            struct mx_error *err)
{
    const struct mx_tls_trace *t = &run->trace;
    int rc, e, reason, sys_errno, result = -1;
    char why[200], shown[64];

    ERR_clear_error();
    errno = 0;
    rc = SSL_connect(run->ssl);
    if (rc != 1) {
        e = SSL_get_error(run->ssl, rc);
        sys_errno = errno;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            c->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            return MX_AGAIN;
        }
        reason = drain_errors(why, sizeof(why));
        hs->ms = mx_now_ms() - run->t0;
        hs->alert_recv = t->alert_recv;
        hs->alert_sent = t->alert_sent;
        if (t->alert_recv > 0) {
            snprintf(hs->reason, sizeof(hs->reason), "server sent alert %s",
                     mx_alert_name(t->alert_recv));
            result = MX_DONE;
        } else if (t->have_first && (t->first[0] < 20 || t->first[0] > 24)) {
            show_bytes(t->first, sizeof(t->first), shown, sizeof(shown));
            mx_error_set(err, MX_E_TLS,
                         "%s does not speak TLS: it answered the ClientHello "
                         "with \"%s...\"",
                         c->addr, shown);
        } else if (reason == SSL_R_WRONG_VERSION_NUMBER ||
                   reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
            mx_error_set(err, MX_E_TLS,
                         "%s answered the ClientHello with something that is "
                         "not TLS (%s)",
                         c->addr, why);
        } else if ((e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN ||
                    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) &&
                   t->have_first) {
            mx_error_set(err, MX_E_TLS,
                         "%s %s the connection in the middle of its answer "
                         "to the ClientHello",
                         c->addr, sys_errno == ECONNRESET ? "reset" : "closed");
        } else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN ||
                   reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
                   t->alert_recv == 0) {
            hs->closed = 1;
            snprintf(hs->reason, sizeof(hs->reason),
                     "server %s the connection during the handshake",
                     sys_errno == ECONNRESET ? "reset" : "closed");
            result = MX_DONE;
        } else if (reason == SSL_R_UNSUPPORTED_PROTOCOL ||
                   reason == SSL_R_WRONG_CIPHER_RETURNED ||
                   reason == SSL_R_NO_PROTOCOLS_AVAILABLE) {
            snprintf(hs->reason, sizeof(hs->reason),
                     "server chose outside the offer (%s)", why);
            result = MX_DONE;
        } else {
            mx_error_set(err, MX_E_TLS, "TLS handshake with %s failed: %s",
                         c->addr, why[0] ? why : "unknown error");
        }
        if (result == MX_DONE)
            mx_log(1, "handshake refused: %s", hs->reason);
        mx_tls_abort(run);
        return result;
    }
    hs->ms = mx_now_ms() - run->t0;
    hs->alert_recv = t->alert_recv;
    hs->alert_sent = t->alert_sent;
    record_success(run->ssl, hs);
    SSL_set_msg_callback(run->ssl, NULL);
    SSL_set_msg_callback_arg(run->ssl, NULL);
    c->ssl = run->ssl;
    run->ssl = NULL;
    mx_tls_abort(run);
    mx_log(1, "handshake: %s %s, group %s, %d ms", mx_version_name(hs->version),
           hs->suite_ossl, hs->group_name[0] ? hs->group_name : "none",
           (int)hs->ms);
    return MX_DONE;
}

int
mx_tls_cert_suites(struct mx_lib_suite *out, size_t cap)
{
    SSL_CTX *ctx;
    STACK_OF(SSL_CIPHER) * sk;
    const SSL_CIPHER *c;
    size_t n = 0;
    int i, kx, auth;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        goto fail;
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL") != 1 ||
        SSL_CTX_set_ciphersuites(ctx, all_tls13) != 1)
        goto fail;
    sk = SSL_CTX_get_ciphers(ctx);
    for (i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk) && n < cap; i++) {
        c = sk_SSL_CIPHER_value(sk, i);
        kx = SSL_CIPHER_get_kx_nid(c);
        auth = SSL_CIPHER_get_auth_nid(c);
        out[n].code = (uint16_t)(SSL_CIPHER_get_protocol_id(c) & 0xffff);
        if (auth == NID_auth_any)
            out[n].auth = MX_SAUTH_TLS13;
        else if (kx != NID_kx_rsa && kx != NID_kx_ecdhe && kx != NID_kx_dhe)
            continue;
        else if (auth == NID_auth_rsa)
            out[n].auth = MX_SAUTH_RSA;
        else if (auth == NID_auth_ecdsa)
            out[n].auth = MX_SAUTH_ECDSA;
        else if (auth == NID_auth_dss)
            out[n].auth = MX_SAUTH_DSS;
        else
            continue;
        n++;
    }
    SSL_CTX_free(ctx);
    return (int)n;
fail:
    drain_errors(NULL, 0);
    SSL_CTX_free(ctx);
    return -1;
}
