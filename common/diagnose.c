/*
 * diagnose.c - the cause of a peer's failure and the server setting that
 * fixes it, in words, from the answers of simulate.c's probes (see
 * diagnose.h).
 *
 * The causes, in the order they are tried: a protocol version the server
 * refuses (its highest named); no certificate of the peer's type, also
 * for peers that offer only RSA key transport (the key types the server
 * has named, and whether the peer's ciphers are enabled at all); a group;
 * a signature scheme; a DHE-first peer that the server answers by
 * closing (an inference from the close); a cipher; else what is known.
 * And, apart, a server that fails every handshake.
 *
 * Error contract: none; text that does not fit its field is cut.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "certinfo.h"
#include "diagnose.h"
#include "registry.h"
#include "suites.h"

/* "RSA", "ECDSA", "DSA": the certificate a suite authentication needs. */
static const char *
keytype_for_auth(enum mx_sauth a)
{
    return mx_keytype_name(mx_sauth_keytype(a));
}

/* The server-side change that adds that certificate. */
static const char *
cert_fix(enum mx_sauth a)
{
    return mx_keytype_advice(mx_sauth_keytype(a));
}

/* "A, B and C" of at most max names, "and N more". */
static void
name_list(struct mx_buf *b, const uint16_t *codes, size_t n, int groups,
          size_t max)
{
    const struct mx_group *g;
    size_t i;

    for (i = 0; i < n && i < max; i++) {
        if (i > 0)
            mx_buf_append(b, i + 1 == n ? " and " : ", ");
        if (groups) {
            g = mx_group_by_code(codes[i]);
            mx_buf_append(b, g != NULL ? g->display : "?");
        } else {
            mx_buf_append(b, mx_suite_name(codes[i]));
        }
    }
    if (n > max)
        mx_buf_printf(b, " and %zu more", n - max);
}

static void
version_range(struct mx_buf *b, uint16_t lo, uint16_t hi)
{
    if (lo == hi)
        mx_buf_append(b, mx_version_name(lo));
    else
        mx_buf_printf(b, "%s to %s", mx_version_name(lo), mx_version_name(hi));
}

/* The suite of list closest to s: same key exchange and cipher first. */
static uint16_t
closest(const struct mx_suite *s, const uint16_t *list, size_t n)
{
    const struct mx_suite *t;
    uint16_t best = n > 0 ? list[0] : 0;
    int score, top = -1;
    size_t i;

    for (i = 0; i < n && s != NULL; i++) {
        t = mx_suite_by_code(list[i]);
        if (t == NULL)
            continue;
        score =
            (t->kx == s->kx) * 4 + (t->auth == s->auth) * 2 +
            (t->enc != NULL && s->enc != NULL && strcmp(t->enc, s->enc) == 0);
        if (score > top) {
            top = score;
            best = list[i];
        }
    }
    return best;
}

/* The certificate type the peer's signature schemes ask for first (RSA,
 * ECDSA, DSA), MX_SAUTH_NULL when they name none of them. */
static enum mx_sauth
sigalg_keytype(const struct mx_offer *p)
{
    const struct mx_sigalg *sa;
    size_t i;

    for (i = 0; i < p->nsigalgs; i++) {
        sa = mx_sigalg_by_code(p->sigalgs[i]);
        /* EdDSA schemes name no certificate type below TLS 1.3's */
        if (sa != NULL && sa->key != MX_KEY_ED25519 &&
            sa->key != MX_KEY_ED448 &&
            mx_keytype_sauth(sa->key) != MX_SAUTH_NULL)
            return mx_keytype_sauth(sa->key);
    }
    return MX_SAUTH_NULL;
}

/* The peer's first suite with a finite-field DHE key exchange, or NULL. */
static const struct mx_suite *
first_dhe(const struct mx_offer *p)
{
    const struct mx_suite *s;
    size_t i;

    for (i = 0; i < p->nsuites; i++)
        if ((s = mx_suite_by_code(p->suites[i])) != NULL && s->kx == MX_KX_DHE)
            return s;
    return NULL;
}

/* "an Ed25519 certificate", "ECDSA and Ed25519 certificates": the key
 * types in keys (1 << mx_keytype) but not the one named need. */
static int
keys_phrase(struct mx_buf *b, unsigned keys, const char *need)
{
    const char *names[8];
    size_t n = 0, i;
    unsigned k;

    for (k = 0; k < 32 && n < 8; k++)
        if ((keys & (1u << k)) && (enum mx_keytype)k != MX_KEY_NONE &&
            strcmp(mx_keytype_name((enum mx_keytype)k), need) != 0)
            names[n++] = mx_keytype_name((enum mx_keytype)k);
    if (n == 0)
        return 0;
    if (n == 1)
        mx_buf_printf(b, "%s %s certificate",
                      strcmp(names[0], "DSA") == 0 ? "a" : "an", names[0]);
    else
        for (i = 0; i < n; i++)
            mx_buf_printf(b, "%s%s%s", names[i],
                          i + 2 < n   ? ", "
                          : i + 1 < n ? " and "
                                      : "",
                          i + 1 == n ? " certificates" : "");
    return 1;
}

/* Do all of the peer's suites below TLS 1.3 use RSA key transport? */
static int
peer_kx_rsa_only(const struct mx_offer *p)
{
    const struct mx_suite *s;
    size_t i, n = 0;

    for (i = 0; i < p->nsuites; i++) {
        s = mx_suite_by_code(p->suites[i]);
        if (s == NULL || s->auth == MX_SAUTH_TLS13 ||
            (s->flags & MX_SUITE_SCSV))
            continue;
        if (s->kx != MX_KX_RSA)
            return 0;
        n++;
    }
    return n > 0;
}

static const char *const cipher_fix =
    "enable one of the peer's suites on the server (Postfix: "
    "smtpd_tls_ciphers, smtpd_tls_mandatory_ciphers, tls_*_cipherlist, "
    "smtpd_tls_exclude_ciphers)";

/* The cause: no common protocol version (the server's highest named). */
static void
cause_protocol(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_danswer *d = in->d;
    uint16_t plo = in->peer->offer.min_version;
    uint16_t phi = in->peer->offer.max_version;
    uint16_t shi;

    shi = d[MX_D_VHIGH].version;
    o->diag = MX_DIAG_PROTOCOL;
    snprintf(o->why, sizeof(o->why), "protocol version");
    mx_buf_append(b, "no common protocol version - the peer offers ");
    version_range(b, plo, phi);
    mx_buf_printf(b, ", the server refuses %s (its highest is %s)",
                  plo == phi ? "it" : "them", mx_version_name(shi));
    if (phi < shi)
        mx_buf_printf(b,
                      "; allow %s on the server (Postfix: "
                      "smtpd_tls_protocols = >=%s, and "
                      "smtpd_tls_mandatory_protocols where TLS is "
                      "mandatory)",
                      mx_version_name(phi),
                      phi == MX_TLS10 ? "TLSv1" : mx_version_name(phi));
    else
        mx_buf_printf(b,
                      "; enable %s on the server (Postfix: "
                      "smtpd_tls_protocols; a TLS library that has it)",
                      mx_version_name(plo));
}

/* The cause: no certificate of the peer's type. */
static void
cause_cert_type(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_offer *p = &in->peer->offer;
    const struct mx_danswer *d = in->d;
    unsigned auths = mx_offer_auths(&in->peer->offer);
    const struct mx_suite *s;
    const struct mx_suite *ps;
    enum mx_sauth need = MX_SAUTH_RSA;
    size_t k;

    for (k = MX_SAUTH_RSA; k <= MX_SAUTH_ECDSA; k++)
        if (auths & (1u << k)) {
            need = (enum mx_sauth)k;
            break;
        }
    o->diag = MX_DIAG_CERT_TYPE;
    snprintf(o->why, sizeof(o->why), "no %s certificate",
             keytype_for_auth(need));
    if (need == MX_SAUTH_RSA && peer_kx_rsa_only(p)) {
        mx_buf_append(b, "no shared cipher - the peer offers only RSA "
                         "key transport suites (");
        name_list(b, p->suites, p->nsuites, 0, 4);
        mx_buf_append(b, "), which need an RSA certificate (the "
                         "server decrypts the premaster secret with "
                         "its RSA key), and the server has ");
    } else {
        mx_buf_printf(b,
                      "no shared cipher - the peer offers only "
                      "%s-authenticated suites and the server has ",
                      keytype_for_auth(need));
    }
    if (!keys_phrase(b, in->keys, keytype_for_auth(need)))
        mx_buf_append(b, "other certificates");
    mx_buf_printf(b, " but no %s certificate", keytype_for_auth(need));
    s = d[MX_D_CERT].ok == 1 ? mx_suite_by_code(d[MX_D_CERT].suite) : NULL;
    ps = s != NULL ? mx_suite_by_code(closest(s, p->suites, p->nsuites)) : NULL;
    if (ps != NULL)
        mx_buf_printf(b, " (with one, %s would match)",
                      ps->openssl != NULL ? ps->openssl : ps->iana);
    mx_buf_printf(b, "; %s", cert_fix(need));
    if (d[MX_D_CERT].ok == 0)
        mx_buf_printf(b,
                      ", and %s: the server refuses the peer's ciphers "
                      "with the certificates it has too",
                      cipher_fix);
}

/* The cause: no common group. */
static void
cause_group(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_offer *p = &in->peer->offer;
    const struct mx_danswer *d = in->d;

    o->diag = MX_DIAG_GROUP;
    snprintf(o->why, sizeof(o->why), "no common group");
    mx_buf_append(b, "no common key exchange group - the peer offers ");
    name_list(b, p->groups, p->ngroups, 1, 6);
    mx_buf_printf(b,
                  ", the server chose %s when offered every group; "
                  "enable one of the peer's groups on the server "
                  "(Postfix: tls_eecdh_auto_curves)",
                  mx_group_by_code(d[MX_D_GROUP].group) != NULL
                      ? mx_group_by_code(d[MX_D_GROUP].group)->display
                      : "another group");
}

/* The cause: no usable signature scheme. */
static void
cause_sigalg(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_offer *p = &in->peer->offer;
    enum mx_sauth need = MX_SAUTH_RSA;
    size_t i;

    o->diag = MX_DIAG_SIGALG;
    snprintf(o->why, sizeof(o->why), "signature algorithm");
    mx_buf_append(b, "no usable signature algorithm - none of the "
                     "peer's signature schemes (");
    for (i = 0; i < p->nsigalgs && i < 6; i++) {
        const struct mx_sigalg *sa = mx_sigalg_by_code(p->sigalgs[i]);
        mx_buf_printf(b, "%s%s", i > 0 ? ", " : "",
                      sa != NULL ? sa->iana : "?");
    }
    if (p->nsigalgs > 6)
        mx_buf_printf(b, " and %zu more", p->nsigalgs - 6);
    mx_buf_append(b, ") can sign with the server's certificate");
    need = sigalg_keytype(p);
    if (need != MX_SAUTH_NULL)
        mx_buf_printf(b, "; %s", cert_fix(need));
    else
        mx_buf_append(b, "; add a certificate whose key type the peer "
                         "can verify (Postfix: smtpd_tls_chain_files)");
}

/* The cause: a DHE-first peer the server answers by closing. */
static void
cause_dhe_close(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_suite *dhe = first_dhe(&in->peer->offer);

    /* a DHE-first peer, and the server closed without an alert */
    o->diag = MX_DIAG_UNKNOWN;
    snprintf(o->why, sizeof(o->why), "closed on DHE?");
    mx_buf_printf(b,
                  "the server closed the connection without an alert "
                  "(%s); the peer offers %s first: a server closes "
                  "like this when it picks a DHE suite and has no DH "
                  "parameters (an inference from the close, not an "
                  "answer of the server: check its log; Dovecot: "
                  "ssl_dh = </etc/dovecot/dh.pem; Postfix: "
                  "smtpd_tls_dh1024_param_file)",
                  o->refusal, dhe->openssl != NULL ? dhe->openssl : dhe->iana);
}

/* The cause: no shared cipher. */
static void
cause_cipher(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_offer *p = &in->peer->offer;
    const struct mx_danswer *d = in->d;
    const struct mx_suite *s;
    const struct mx_suite *ps;

    s = mx_suite_by_code(d[MX_D_CIPHER].suite);
    ps = s != NULL ? mx_suite_by_code(closest(s, p->suites, p->nsuites)) : NULL;
    o->diag = MX_DIAG_CIPHER;
    snprintf(o->why, sizeof(o->why), "no shared cipher");
    mx_buf_append(b, "no shared cipher - the peer offers ");
    name_list(b, p->suites, p->nsuites, 0, 4);
    mx_buf_printf(b, ", the server accepts e.g. %s",
                  s != NULL && s->openssl ? s->openssl
                  : s != NULL             ? s->iana
                                          : "other suites");
    if (ps != NULL && s != NULL)
        mx_buf_printf(b, "; closest: the peer's %s and the server's %s",
                      ps->openssl != NULL ? ps->openssl : ps->iana,
                      s->openssl != NULL ? s->openssl : s->iana);
    mx_buf_printf(b, "; %s", cipher_fix);
}

/* The cause: refused whatever was relaxed, or a probe that broke. */
static void
cause_unknown(const struct mx_dinput *in, struct mx_sim *o, struct mx_buf *b)
{
    const struct mx_offer *p = &in->peer->offer;
    const struct mx_danswer *d = in->d;
    const struct mx_suite *dhe = first_dhe(&in->peer->offer);
    size_t k;

    const struct mx_danswer *broke = NULL;
    for (k = 0; k < MX_NDSTAGE && broke == NULL; k++)
        if (d[k].ran && d[k].ok < 0)
            broke = &d[k];
    o->diag = MX_DIAG_UNKNOWN;
    snprintf(o->why, sizeof(o->why), "%s", o->refusal);
    if (broke == NULL && in->main_closed && (dhe = first_dhe(p)) != NULL)
        mx_buf_printf(b,
                      "the server closed the connection without an "
                      "alert (%s), and so did every variation of the "
                      "offer tried; the peer offers %s: a server closes "
                      "like this when it picks a DHE suite and has no "
                      "DH parameters (an inference from the close: "
                      "check the server's log; Dovecot: ssl_dh = "
                      "</etc/dovecot/dh.pem; Postfix: "
                      "smtpd_tls_dh1024_param_file)",
                      o->refusal,
                      dhe->openssl != NULL ? dhe->openssl : dhe->iana);
    else if (broke != NULL)
        mx_buf_printf(b,
                      "the server refused the peer's offer (%s); the "
                      "diagnosis stopped where the probe with %s "
                      "failed: %s",
                      o->refusal, broke->name, broke->detail);
    else
        mx_buf_printf(b,
                      "the server refused the peer's offer (%s), and "
                      "every variation of it tried; see "
                      "check_tls_protocol --ciphers for what the server "
                      "accepts",
                      o->refusal);
}

void
mx_diagnose(const struct mx_dinput *in, struct mx_sim *o)
{
    const struct mx_offer *p = &in->peer->offer;
    const struct mx_danswer *d = in->d;
    const struct mx_suite *dhe = first_dhe(p);
    unsigned auths = mx_offer_auths(p);
    struct mx_buf b = MX_BUF_INIT;

    if (d[MX_D_VERSION].ok == 0 && d[MX_D_VHIGH].ok == 1)
        cause_protocol(in, o, &b);
    else if (d[MX_D_VERSION].ok == 1 && d[MX_D_AUTH].ok == 0 && auths != 0)
        cause_cert_type(in, o, &b);
    else if (d[MX_D_GROUP].ok == 1)
        cause_group(in, o, &b);
    else if (d[MX_D_SIGALG].ok == 1)
        cause_sigalg(in, o, &b);
    else if (dhe != NULL && p->suites[0] == dhe->code && in->main_closed)
        cause_dhe_close(in, o, &b);
    else if (d[MX_D_CIPHER].ok == 1)
        cause_cipher(in, o, &b);
    else
        cause_unknown(in, o, &b);
    if (!mx_buf_failed(&b))
        snprintf(o->detail, sizeof(o->detail), "%s", mx_buf_str(&b));
    mx_buf_free(&b);
}

void
mx_diagnose_server(const char *alert, struct mx_sim *o)
{
    struct mx_buf b = MX_BUF_INIT;

    if (o->state == MX_SIM_OK) { /* a raw first flight, and no further */
        mx_buf_printf(&b,
                      "the server answered this peer's ClientHello with a "
                      "%s ServerHello (%s), which is as far as a raw "
                      "ClientHello reads, but it fails every TLS handshake "
                      "(alert %s)",
                      mx_version_name(o->version), mx_suite_name(o->suite),
                      alert);
        snprintf(o->refusal, sizeof(o->refusal), "fails after the ServerHello");
        o->state = MX_SIM_FAIL;
        o->version = o->suite = o->group = 0;
        o->cert[0] = '\0';
    } else {
        mx_buf_printf(&b,
                      "the server fails every TLS handshake (alert %s), "
                      "whatever is offered: this peer's offer got \"%s\"",
                      alert, o->refusal);
    }
    mx_buf_append(&b, ", and a handshake offering every version from TLSv1.0 "
                      "to TLSv1.3 and every suite, group and signature "
                      "scheme of this OpenSSL, which a working server "
                      "accepts by its own choice, failed too; no handshake "
                      "of this run completed, so this is no mismatch of the "
                      "peer's: check the server's certificate and key "
                      "configuration (its log names the error)");
    o->diag = MX_DIAG_SERVER;
    snprintf(o->why, sizeof(o->why),
             "server fails every TLS handshake (alert %s)", alert);
    if (!mx_buf_failed(&b))
        snprintf(o->detail, sizeof(o->detail), "%s", mx_buf_str(&b));
    mx_buf_free(&b);
}
