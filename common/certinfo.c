/*
 * certinfo.c - certificate facts, chain verification, name matching.
 *
 * Error contract: mx_certinfo_get fails (INTERNAL) only when the library
 * cannot read the certificate's own fields; mx_trust_load fails (USAGE)
 * for an unreadable or empty CA file or directory. The OpenSSL error queue
 * is drained into -v output.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "file.h"
#include "log.h"
#include "net.h"

/* A CA bundle (Debian's whole one is about 200 KiB), and a CA directory. */
#define MX_CA_FILE_MAX  (8u * 1024 * 1024)
#define MX_CA_DIR_FILES 4096

/* One-line name, RFC 2253 order, with non-printables censored. */
static void
name_line(const X509_NAME *n, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long len;
    size_t i, o = 0;

    out[0] = '\0';
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >=
        0) {
        len = BIO_get_mem_data(b, &p);
        for (i = 0; len > 0 && i < (size_t)len && o + 1 < cap; i++) {
            unsigned char ch = (unsigned char)p[i];
            out[o++] = ch >= 0x20 && ch != 0x7f ? (char)ch : '?';
        }
        out[o] = '\0';
    }
    BIO_free(b);
}

static int
asn1_to_time(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    *out = timegm(&tm);
    return 0;
}

int
mx_certinfo_get(X509 *x, struct mx_certinfo *ci, struct mx_error *err)
{
    EVP_PKEY *pk;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char group[64];
    const struct mx_group *g;
    int nid;

    memset(ci, 0, sizeof(*ci));
    pk = X509_get0_pubkey(x);
    if (pk == NULL) {
        (void)mx_log_openssl(1);
        mx_error_set(err, MX_E_INTERNAL, "cannot read the certificate's key");
        return -1;
    }
    ci->bits = EVP_PKEY_get_bits(pk);
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
        ci->type = MX_KEY_RSA;
        break;
    case EVP_PKEY_RSA_PSS:
        ci->type = MX_KEY_RSA_PSS;
        break;
    case EVP_PKEY_EC:
        ci->type = MX_KEY_ECDSA;
        if (EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group),
                                           NULL) == 1) {
            g = mx_group_by_name(group);
            if (g != NULL) {
                ci->curve = g->code;
                snprintf(ci->curve_name, sizeof(ci->curve_name), "%s",
                         g->display);
            } else {
                snprintf(ci->curve_name, sizeof(ci->curve_name), "%.31s",
                         group);
            }
        }
        break;
    case EVP_PKEY_ED25519:
        ci->type = MX_KEY_ED25519;
        break;
    case EVP_PKEY_ED448:
        ci->type = MX_KEY_ED448;
        break;
    case EVP_PKEY_DSA:
        ci->type = MX_KEY_DSA;
        break;
    default:
        ci->type = MX_KEY_NONE;
        break;
    }
    if (ci->type == MX_KEY_ECDSA)
        snprintf(ci->label, sizeof(ci->label), "ECDSA %s",
                 ci->curve_name[0] ? ci->curve_name : "?");
    else if (ci->type == MX_KEY_ED25519 || ci->type == MX_KEY_ED448)
        snprintf(ci->label, sizeof(ci->label), "%s", mx_keytype_name(ci->type));
    else if (ci->type == MX_KEY_NONE)
        snprintf(ci->label, sizeof(ci->label), "%s %d",
                 OBJ_nid2sn(EVP_PKEY_get_base_id(pk)), ci->bits);
    else
        snprintf(ci->label, sizeof(ci->label), "%s %d",
                 mx_keytype_name(ci->type), ci->bits);

    name_line(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
    name_line(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
    nid = X509_get_signature_nid(x);
    snprintf(ci->sigalg, sizeof(ci->sigalg), "%s",
             nid != NID_undef ? OBJ_nid2ln(nid) : "unknown");
    if (asn1_to_time(X509_get0_notBefore(x), &ci->not_before) != 0 ||
        asn1_to_time(X509_get0_notAfter(x), &ci->not_after) != 0) {
        (void)mx_log_openssl(1);
        mx_error_set(err, MX_E_INTERNAL,
                     "cannot read the certificate's validity dates");
        return -1;
    }
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1) {
        (void)mx_log_openssl(1);
        mx_error_set(err, MX_E_INTERNAL, "cannot hash the certificate");
        return -1;
    }
    for (i = 0; i < mdlen && i < 32; i++)
        snprintf(ci->fingerprint + 2 * i, 3, "%02x", md[i]);
    return 0;
}

double
mx_cert_days_left(const struct mx_certinfo *ci, time_t now)
{
    return difftime(ci->not_after, now) / 86400.0;
}

/*
 * Add the certificates and CRLs of one PEM file to st, read through the
 * one file reader (a regular file only, opened without blocking), never
 * by OpenSSL's own fopen(): a FIFO named as a CA file would block past
 * the deadline. Returns the number of certificates added, -1 with err.
 * A file without PEM objects is an error only when strict.
 */
static int
add_pem_file(X509_STORE *st, const char *path, const char *what, int strict,
             struct mx_error *err)
{
    STACK_OF(X509_INFO) *infos = NULL;
    char *text = NULL;
    size_t len = 0;
    BIO *b = NULL;
    int i, n = 0, rc = -1;

    if (mx_file_read(path, what, MX_CA_FILE_MAX, 0, &text, &len, err) != 0)
        return -1;
    if (len > INT_MAX || (b = BIO_new_mem_buf(text, (int)len)) == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
    for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *xi = sk_X509_INFO_value(infos, i);

        if (xi->x509 != NULL) {
            if (X509_STORE_add_cert(st, xi->x509) != 1)
                goto bad;
            n++;
        }
        if (xi->crl != NULL && X509_STORE_add_crl(st, xi->crl) != 1)
            goto bad;
    }
    if (n == 0 && strict)
        goto bad;
    ERR_clear_error();
    rc = n;
    goto out;
bad:
    (void)mx_log_openssl(1);
    mx_error_set(err, MX_E_USAGE, "%s%s: no usable CA certificate in it",
                 what != NULL ? what : "", path);
out:
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(b);
    free(text);
    return rc;
}

/*
 * Load every regular file of a CA directory up front (at most
 * MX_CA_DIR_FILES), instead of OpenSSL's hashed-directory lookup, which
 * opens files during verification, where a FIFO would block. Entries that
 * are not regular files, and files that hold no PEM object, are passed
 * over; a directory without any certificate is an error.
 */
static int
add_pem_dir(X509_STORE *st, const char *dir, struct mx_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat sb;
    char path[PATH_MAX];
    int files = 0, certs = 0, n;

    if (d == NULL) {
        mx_error_set(err, MX_E_USAGE, "--ca-path: %s: cannot open: %s", dir,
                     strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
                sizeof(path) ||
            stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (++files > MX_CA_DIR_FILES) {
            closedir(d);
            mx_error_set(err, MX_E_USAGE, "--ca-path: %s: more than %d files",
                         dir, MX_CA_DIR_FILES);
            return -1;
        }
        n = add_pem_file(st, path, "--ca-path: ", 0, err);
        if (n < 0) {
            closedir(d);
            return -1;
        }
        certs += n;
    }
    closedir(d);
    if (certs == 0) {
        mx_error_set(err, MX_E_USAGE, "--ca-path: %s: no CA certificate in it",
                     dir);
        return -1;
    }
    return 0;
}

X509_STORE *
mx_trust_load(const char *cafile, const char *capath, struct mx_error *err)
{
    X509_STORE *st = X509_STORE_new();

    if (st == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return NULL;
    }
    ERR_clear_error();
    if (cafile == NULL && capath == NULL) {
        if (X509_STORE_set_default_paths(st) != 1) {
            (void)mx_log_openssl(1);
            mx_error_set(err, MX_E_INTERNAL,
                         "cannot use the system's CA certificates");
            goto fail;
        }
        /* A missing file or directory is not an error here: nothing is
         * trusted then, and each verification says so. */
        ERR_clear_error();
        return st;
    }
    if (cafile != NULL && add_pem_file(st, cafile, "--ca-file: ", 1, err) < 1)
        goto fail;
    if (capath != NULL && add_pem_dir(st, capath, err) != 0)
        goto fail;
    return st;
fail:
    X509_STORE_free(st);
    return NULL;
}

const char *
mx_trust_system_dir(void)
{
    const char *env = getenv(X509_get_default_cert_dir_env());

    return env != NULL && *env != '\0' ? env : X509_get_default_cert_dir();
}

int
mx_cert_verify(X509_STORE *store, STACK_OF(X509) * chain, char *why, size_t cap)
{
    X509_STORE_CTX *ctx;
    STACK_OF(X509) *untrusted = NULL;
    X509 *leaf;
    int rc = -1, i;

    why[0] = '\0';
    if (chain == NULL || sk_X509_num(chain) < 1) {
        snprintf(why, cap, "no certificate");
        return 0;
    }
    leaf = sk_X509_value(chain, 0);
    ctx = X509_STORE_CTX_new();
    untrusted = sk_X509_new_null();
    if (ctx == NULL || untrusted == NULL)
        goto out;
    for (i = 1; i < sk_X509_num(chain); i++)
        if (sk_X509_push(untrusted, sk_X509_value(chain, i)) <= 0)
            goto out;
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
        goto out;
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    /* Dates are the caller's (days left, per certificate): an expired
     * certificate is not reported a second time as untrusted. */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
    rc = X509_verify_cert(ctx);
    if (rc == 1) {
        rc = 1;
    } else {
        int e = X509_STORE_CTX_get_error(ctx);
        snprintf(why, cap, "%s", X509_verify_cert_error_string(e));
        rc = 0;
    }
out:
    (void)mx_log_openssl(1);
    sk_X509_free(untrusted); /* the certificates belong to chain */
    X509_STORE_CTX_free(ctx);
    return rc;
}

int
mx_cert_matches(X509 *x, const char *name)
{
    int rc;

    if (mx_is_address(name))
        rc = X509_check_ip_asc(x, name, 0);
    else
        rc = X509_check_host(x, name, 0, 0, NULL);
    ERR_clear_error();
    return rc == 1;
}
