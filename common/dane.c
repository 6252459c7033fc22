/*
 * dane.c - TLSA records against presented chains (see dane.h).
 *
 * Matching is done here from the records' three fields: the selected
 * bytes (the whole certificate's DER, or its SubjectPublicKeyInfo's DER),
 * compared whole, or by SHA2-256 or SHA2-512 digest. A DANE-TA match is
 * then confirmed with OpenSSL's chain verification, with the matched CA
 * as the only trust anchor (a partial chain is fine: the anchor need not
 * be self-signed), the TLSA base name as the host name, and the dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "dane.h"
#include "log.h"

int
mx_tlsa_parse(const unsigned char *rdata, size_t len, struct mx_tlsa *t)
{
    memset(t, 0, sizeof(*t));
    if (len < 4)
        return -1;
    t->usage = rdata[0];
    t->selector = rdata[1];
    t->mtype = rdata[2];
    t->data = rdata + 3;
    t->len = len - 3;
    t->usable = 0;
    if (t->usage == MX_TLSA_PKIX_TA || t->usage == MX_TLSA_PKIX_EE)
        snprintf(t->why, sizeof(t->why),
                 "PKIX-%s (usage %u) is unusable for SMTP (RFC 7672 3.1.3)",
                 t->usage == MX_TLSA_PKIX_TA ? "TA" : "EE", t->usage);
    else if (t->usage > MX_TLSA_DANE_EE)
        snprintf(t->why, sizeof(t->why), "unknown usage %u", t->usage);
    else if (t->selector > 1)
        snprintf(t->why, sizeof(t->why), "unknown selector %u", t->selector);
    else if (t->mtype > 2)
        snprintf(t->why, sizeof(t->why), "unknown matching type %u", t->mtype);
    else if (t->mtype == 1 && t->len != 32)
        snprintf(t->why, sizeof(t->why),
                 "SHA2-256 data of %zu bytes instead of 32", t->len);
    else if (t->mtype == 2 && t->len != 64)
        snprintf(t->why, sizeof(t->why),
                 "SHA2-512 data of %zu bytes instead of 64", t->len);
    else
        t->usable = 1;
    return 0;
}

void
mx_tlsa_text(const struct mx_tlsa *t, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char data[48];
    size_t i, o = 0;

    for (i = 0; i < t->len && o + 2 < sizeof(data); i++) {
        if (t->len > 16 && i == 8) {
            memcpy(data + o, "...", 3);
            o += 3;
            i = t->len - 8;
        }
        data[o++] = hex[t->data[i] >> 4];
        data[o++] = hex[t->data[i] & 15];
    }
    data[o] = '\0';
    snprintf(buf, cap, "%u %u %u %s", t->usage, t->selector, t->mtype, data);
}

/* The bytes t's selector picks from x, malloc'd. */
static unsigned char *
selected(X509 *x, int selector, size_t *len)
{
    unsigned char *der = NULL;
    int n;

    if (selector == 0)
        n = i2d_X509(x, &der);
    else
        n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    if (n <= 0) {
        (void)mx_log_openssl(3);
        return NULL;
    }
    *len = (size_t)n;
    return der;
}

int
mx_tlsa_match_cert(X509 *x, const struct mx_tlsa *t, struct mx_error *err)
{
    unsigned char *der, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t len = 0;
    const EVP_MD *alg;
    int rc = 0;

    if (t->selector > 1 || t->mtype > 2)
        return 0;
    der = selected(x, t->selector, &len);
    if (der == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "cannot encode a certificate");
        return -1;
    }
    if (t->mtype == 0) {
        rc = len == t->len && memcmp(der, t->data, len) == 0;
    } else {
        alg = t->mtype == 1 ? EVP_sha256() : EVP_sha512();
        if (EVP_Digest(der, len, md, &mdlen, alg, NULL) != 1) {
            (void)mx_log_openssl(3);
            mx_error_set(err, MX_E_INTERNAL, "cannot hash a certificate");
            rc = -1;
        } else {
            rc = mdlen == t->len && memcmp(md, t->data, mdlen) == 0;
        }
    }
    OPENSSL_free(der);
    return rc;
}

/* Does the chain verify to chain[depth] as its trust anchor, for name,
 * at now? 1, 0 (why says why), -1. */
static int
verify_to(STACK_OF(X509) * chain, int depth, const char *name, time_t now,
          char *why, size_t cap)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *rest = sk_X509_new_null();
    X509_VERIFY_PARAM *param;
    int i, rc = -1, v;

    if (store == NULL || ctx == NULL || rest == NULL)
        goto out;
    if (X509_STORE_add_cert(store, sk_X509_value(chain, depth)) != 1)
        goto out;
    for (i = 1; i < sk_X509_num(chain); i++)
        if (sk_X509_push(rest, sk_X509_value(chain, i)) <= 0)
            goto out;
    if (X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), rest) != 1)
        goto out;
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN |
                                           X509_V_FLAG_USE_CHECK_TIME);
    X509_VERIFY_PARAM_set_time(param, now);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, name, 0) != 1 ||
        X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER) != 1)
        goto out;
    v = X509_verify_cert(ctx);
    if (v == 1) {
        rc = 1;
    } else {
        snprintf(why, cap, "%s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        rc = 0;
    }
out:
    if (rc < 0)
        snprintf(why, cap, "verification failed");
    (void)mx_log_openssl(3);
    sk_X509_free(rest);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}

int
mx_dane_check(STACK_OF(X509) * chain, const struct mx_tlsa *recs, size_t n,
              const char *name, time_t now, struct mx_dane_result *out,
              struct mx_error *err)
{
    X509 *leaf = sk_X509_value(chain, 0);
    int depth, m, v;
    size_t i;

    memset(out, 0, sizeof(*out));
    out->ee = -1;
    out->ta = -1;
    if (leaf == NULL)
        return 0;
    if (n > MX_TLSA_MAX)
        n = MX_TLSA_MAX;
    for (i = 0; i < n; i++) {
        if (!recs[i].usable)
            continue;
        if (recs[i].usage == MX_TLSA_DANE_EE) {
            m = mx_tlsa_match_cert(leaf, &recs[i], err);
            if (m < 0)
                return -1;
            if (m) {
                out->hit[i] = 1;
                if (out->ee < 0)
                    out->ee = (int)i;
            }
            continue;
        }
        /* DANE-TA: a CA the server presents, above the leaf */
        for (depth = 1; depth < sk_X509_num(chain); depth++) {
            m = mx_tlsa_match_cert(sk_X509_value(chain, depth), &recs[i], err);
            if (m < 0)
                return -1;
            if (!m)
                continue;
            out->hit[i] = 1;
            v = verify_to(chain, depth, name, now, out->ta_why,
                          sizeof(out->ta_why));
            if (v == 1) {
                if (out->ta < 0) {
                    out->ta = (int)i;
                    out->ta_depth = depth;
                }
            } else {
                out->ta_failed = 1;
            }
            break;
        }
    }
    if (out->ta >= 0)
        out->ta_failed = 0;
    return 0;
}
