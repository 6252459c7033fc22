/*
 * test_dane.c - TLSA records (common/dane.c): parsing and usability,
 * every selector and matching type, DANE-EE ignoring names and dates,
 * DANE-TA needing a presented CA, the name and the dates. On the same
 * chains: the TLSA base domain after CNAMEs (common/danebase.c, RFC 7672
 * 2.2.2) and what an MTA-STS sender makes of a chain (mx_sts_judge).
 *
 * The certificates are made here in memory (ECDSA P-256): a CA, an
 * intermediate, and a leaf for mx.example.test valid from yesterday for
 * 30 days. The expected record data is computed from the key and the
 * certificate with other calls than the module's (i2d_PUBKEY, SHA256()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include "dane.h"
#include "danebase.h"
#include "mtasts.h"
#include "resolve.h"
#include "tap.h"

/* The --dns-anchor reader's error names the line the record ends on,
 * counting blank lines and comment lines too. */
static void
anchor_lines(void)
{
    static const char text[] = "; a comment line\n"
                               "\n"
                               "example.test. IN DNSKEY 257 3 13 (\n"
                               "\n"
                               "  AAAA ) )\n";
    char path[] = "/tmp/test_dane_anchorXXXXXX";
    struct mx_vresolver *r;
    struct mx_error err;
    char want[128];
    int fd = mkstemp(path);

    if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1) {
        tap_ok(0, "anchor file written");
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    mx_error_clear(&err);
    r = mx_vres_new(path, "127.0.0.1@53", &err);
    tap_ok(r == NULL, "anchor: a ')' too many is refused");
    snprintf(want, sizeof(want), "%s:5: ')' without '('", path);
    tap_ok(strncmp(err.msg, want, strlen(want)) == 0,
           "anchor: the error names line 5, blank lines counted");
    if (strncmp(err.msg, want, strlen(want)) != 0)
        printf("# got: %s\n", err.msg);
    mx_vres_free(r);
    unlink(path);
}

/* An address answer for the TLSA base tests. */
static struct mx_vquery
answer(const char *name, const char *canon, enum mx_vres_status st)
{
    struct mx_vquery q;

    mx_vquery_set(&q, name, MX_RR_A);
    snprintf(q.canon, sizeof(q.canon), "%s", canon);
    q.status = st;
    return q;
}

/* RFC 7672 2.2.2: which name the TLSA records are asked at. */
static void
tlsa_base(void)
{
    struct mx_vquery a[2], t;
    struct mx_tlsa_base b;
    char text[600];

    a[0] = answer("mx.example.org", "mx.example.org.", MX_VRES_SECURE);
    a[1] = answer("mx.example.org", "MX.Example.org", MX_VRES_SECURE);
    tap_is_int(mx_tlsa_base_alias(&b, "mx.example.org", 25, a, 2), 0,
               "base: no alias (the same name, any case, final dot)");
    tap_is_str(b.owner, "_25._tcp.mx.example.org", "base: the original name");
    mx_tlsa_base_text(&b, text, sizeof(text));
    tap_is_str(text, "", "base: nothing to say without an alias");

    a[0] = answer("mx.example.org", "mail.example.net.", MX_VRES_SECURE);
    a[1] = answer("mx.example.org", "mail.example.net.", MX_VRES_SECURE);
    tap_is_int(mx_tlsa_base_alias(&b, "mx.example.org", 25, a, 2), 1,
               "base: a signed alias: the expanded name first");
    tap_is_str(b.expanded, "mail.example.net",
               "base: the expanded name, without its final dot");
    a[1] = answer("mx.example.org", "mail.example.net.", MX_VRES_INSECURE);
    tap_is_int(mx_tlsa_base_alias(&b, "mx.example.org", 25, a, 2), 0,
               "base: one answer through an unsigned chain: original only");
    mx_tlsa_base_text(&b, text, sizeof(text));
    tap_ok(strstr(text, "not DNSSEC-signed, so the original name is used") !=
               NULL,
           "base: the unsigned alias is said");
    a[0] = answer("mx.example.org", "x.example.net", MX_VRES_BOGUS);
    a[1] = answer("mx.example.org", "mx.example.org", MX_VRES_SECURE);
    tap_is_int(mx_tlsa_base_alias(&b, "mx.example.org", 25, a, 2), 0,
               "base: a bogus answer tells nothing");

    mx_vquery_set(&t, "_25._tcp.mail.example.net", MX_RR_TLSA);
    t.status = MX_VRES_SECURE;
    t.nxdomain = 1;
    tap_ok(!mx_tlsa_base_final(&t), "base: a signed NXDOMAIN: go on");
    t.nxdomain = 0;
    t.nodata = 1;
    tap_ok(!mx_tlsa_base_final(&t), "base: a signed NODATA: go on");
    t.status = MX_VRES_INSECURE;
    tap_ok(mx_tlsa_base_final(&t), "base: an unsigned denial ends it");
    t.status = MX_VRES_BOGUS;
    t.nodata = 0;
    tap_ok(mx_tlsa_base_final(&t), "base: a bogus answer ends it");
}

/* An MTA-STS sender's view of chain (leaf for mx.example.test, issued by
 * in, issued by ca). */
static void
sts_judge(STACK_OF(X509) * chain, X509 *ca, X509 *expired_leaf, time_t now)
{
    struct mx_sts_policy pol;
    X509_STORE *store = X509_STORE_new(), *empty = X509_STORE_new();
    STACK_OF(X509) *old = sk_X509_dup(chain);
    char why[300];

    memset(&pol, 0, sizeof(pol));
    pol.mode = MX_STS_ENFORCE;
    snprintf(pol.mx[pol.nmx++], sizeof(pol.mx[0]), "*.example.test");
    X509_STORE_add_cert(store, ca);
    tap_is_int(mx_sts_judge(&pol, "mx.example.test", chain, store, "S", now,
                            why, sizeof(why)),
               MX_STS_VALID, "sts: listed, trusted, covers the host: valid");
    tap_is_int(mx_sts_judge(&pol, "mx.example.org", chain, store, "S", now, why,
                            sizeof(why)),
               MX_STS_UNLISTED, "sts: a host no mx matches");
    tap_is_int(mx_sts_judge(&pol, "mx2.example.test", chain, store, "S", now,
                            why, sizeof(why)),
               MX_STS_INVALID, "sts: listed, but not covered by the leaf");
    tap_is_str(why, "does not cover mx2.example.test", "sts: says why");
    tap_is_int(mx_sts_judge(&pol, "mx.example.test", chain, empty, "S", now,
                            why, sizeof(why)),
               MX_STS_INVALID, "sts: a chain the store does not know");
    tap_ok(strncmp(why, "not trusted by S (", 18) == 0,
           "sts: names the store and OpenSSL's reason");
    sk_X509_set(old, 0, expired_leaf);
    tap_is_int(mx_sts_judge(&pol, "mx.example.test", old, store, "S", now, why,
                            sizeof(why)),
               MX_STS_INVALID, "sts: an expired leaf");
    tap_is_str(why, "expired", "sts: says expired");
    sk_X509_free(old);
    X509_STORE_free(store);
    X509_STORE_free(empty);
}

static EVP_PKEY *
key(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static X509 *
cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *ikey, int ca,
     const char *san, long from, long to)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    static long serial = 1;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x,
                         issuer != NULL ? X509_get_subject_name(issuer) : name);
    X509_gmtime_adj(X509_getm_notBefore(x), from);
    X509_gmtime_adj(X509_getm_notAfter(x), to);
    X509_set_pubkey(x, pub);
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                              ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (san != NULL) {
        ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(x, ikey, EVP_sha256());
    X509_NAME_free(name);
    return x;
}

/* A TLSA rdata: usage, selector, mtype, then data. */
static size_t
rdata(unsigned char *out, int u, int s, int m, const unsigned char *d, size_t n)
{
    out[0] = (unsigned char)u;
    out[1] = (unsigned char)s;
    out[2] = (unsigned char)m;
    memcpy(out + 3, d, n);
    return n + 3;
}

/* The selected bytes of x / its key pub, hashed by m, into out. */
static size_t
data_of(X509 *x, EVP_PKEY *pub, int s, int m, unsigned char *out)
{
    unsigned char *der = NULL;
    int n = s == 0 ? i2d_X509(x, &der) : i2d_PUBKEY(pub, &der);
    size_t len = (size_t)n;

    if (m == 1) {
        SHA256(der, len, out);
        len = 32;
    } else if (m == 2) {
        SHA512(der, len, out);
        len = 64;
    } else {
        memcpy(out, der, len);
    }
    OPENSSL_free(der);
    return len;
}

int
main(void)
{
    EVP_PKEY *kca = key(), *kint = key(), *kleaf = key(), *kother = key();
    X509 *ca, *in, *leaf;
    STACK_OF(X509) *chain = sk_X509_new_null();
    unsigned char rd[8][4096], d[4096];
    struct mx_tlsa t[8];
    struct mx_dane_result res;
    struct mx_error err;
    char text[128], name[128];
    size_t n;
    int s, m;
    time_t now = time(NULL);

    ca = cert("test CA", kca, NULL, kca, 1, NULL, -86400, 3650L * 86400);
    in = cert("test intermediate", kint, ca, kca, 1, NULL, -86400,
              3650L * 86400);
    leaf = cert("mx.example.test", kleaf, in, kint, 0, "DNS:mx.example.test",
                -86400, 30L * 86400);
    sk_X509_push(chain, leaf);
    sk_X509_push(chain, in);

    /* parsing and usability */
    tap_is_int(mx_tlsa_parse((const unsigned char *)"\3\1\1", 3, &t[0]), -1,
               "a record of 3 bytes is refused");
    memset(d, 0xab, sizeof(d));
    n = rdata(rd[0], 3, 1, 1, d, 32);
    tap_is_int(mx_tlsa_parse(rd[0], n, &t[0]), 0, "3 1 1 parses");
    tap_ok(t[0].usable && t[0].len == 32, "3 1 1 with 32 bytes is usable");
    mx_tlsa_text(&t[0], text, sizeof(text));
    tap_is_str(text, "3 1 1 abababababababab...abababababababab",
               "3 1 1 as text, cut in the middle");
    n = rdata(rd[0], 3, 1, 1, d, 31);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable &&
               strcmp(t[0].why, "SHA2-256 data of 31 bytes instead of 32") == 0,
           "3 1 1 with 31 bytes is unusable, saying why");
    n = rdata(rd[0], 2, 0, 2, d, 63);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable, "2 0 2 with 63 bytes is unusable");
    n = rdata(rd[0], 0, 0, 1, d, 32);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable && strstr(t[0].why, "PKIX-TA (usage 0) is unusable "
                                            "for SMTP") != NULL,
           "usage 0 is PKIX-TA, unusable for SMTP");
    n = rdata(rd[0], 1, 1, 1, d, 32);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable && strstr(t[0].why, "PKIX-EE") != NULL,
           "usage 1 is PKIX-EE, unusable for SMTP");
    n = rdata(rd[0], 4, 1, 1, d, 32);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable && strcmp(t[0].why, "unknown usage 4") == 0,
           "usage 4 is unknown");
    n = rdata(rd[0], 3, 2, 1, d, 32);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable && strcmp(t[0].why, "unknown selector 2") == 0,
           "selector 2 is unknown");
    n = rdata(rd[0], 3, 1, 3, d, 32);
    mx_tlsa_parse(rd[0], n, &t[0]);
    tap_ok(!t[0].usable && strcmp(t[0].why, "unknown matching type 3") == 0,
           "matching type 3 is unknown");

    /* every selector and matching type against the leaf */
    for (s = 0; s <= 1; s++) {
        for (m = 0; m <= 2; m++) {
            n = data_of(leaf, kleaf, s, m, d);
            n = rdata(rd[0], 3, s, m, d, n);
            mx_tlsa_parse(rd[0], n, &t[0]);
            snprintf(name, sizeof(name), "3 %d %d matches the leaf", s, m);
            tap_is_int(mx_tlsa_match_cert(leaf, &t[0], &err), 1, name);
            snprintf(name, sizeof(name),
                     "3 %d %d does not match the intermediate", s, m);
            tap_is_int(mx_tlsa_match_cert(in, &t[0], &err), 0, name);
            d[n > 10 ? 10 : 0] ^= 1;
            n = rdata(rd[0], 3, s, m, d, n - 3);
            mx_tlsa_parse(rd[0], n, &t[0]);
            snprintf(name, sizeof(name), "3 %d %d with one bit changed fails",
                     s, m);
            tap_is_int(mx_tlsa_match_cert(leaf, &t[0], &err), 0, name);
        }
    }

    /* DANE-EE in a set: the matching record is found, the other not hit */
    n = data_of(NULL, kother, 1, 1, d);
    mx_tlsa_parse(rd[0], rdata(rd[0], 3, 1, 1, d, n), &t[0]);
    n = data_of(NULL, kleaf, 1, 1, d);
    mx_tlsa_parse(rd[1], rdata(rd[1], 3, 1, 1, d, n), &t[1]);
    tap_is_int(mx_dane_check(chain, t, 2, "mx.example.test", now, &res, &err),
               0, "check runs");
    tap_ok(res.ee == 1 && res.ta == -1 && MX_DANE_OK(&res),
           "3 1 1 next + 3 1 1 current: the current one matches");
    tap_ok(res.hit[1] && !res.hit[0], "only the current record is hit");
    mx_dane_check(chain, t, 2, "other.example.test", now + 90L * 86400, &res,
                  &err);
    tap_ok(res.ee == 1, "DANE-EE ignores the name and an expired leaf");
    mx_dane_check(chain, t, 1, "mx.example.test", now, &res, &err);
    tap_ok(!MX_DANE_OK(&res), "the next key alone matches nothing");

    /* DANE-TA */
    n = data_of(NULL, kint, 1, 1, d);
    mx_tlsa_parse(rd[2], rdata(rd[2], 2, 1, 1, d, n), &t[2]);
    mx_dane_check(chain, &t[2], 1, "mx.example.test", now, &res, &err);
    tap_ok(res.ta == 0 && res.ta_depth == 1 && res.ee == -1,
           "2 1 1 of the presented intermediate authenticates the chain");
    mx_dane_check(chain, &t[2], 1, "other.example.test", now, &res, &err);
    tap_ok(res.ta == -1 && res.ta_failed &&
               strstr(res.ta_why, "hostname mismatch") != NULL,
           "2 1 1 on a name the leaf does not cover fails: hostname mismatch");
    mx_dane_check(chain, &t[2], 1, "mx.example.test", now + 90L * 86400, &res,
                  &err);
    tap_ok(res.ta == -1 && res.ta_failed &&
               strstr(res.ta_why, "expired") != NULL,
           "2 1 1 with the leaf expired fails: DANE-TA checks dates");
    n = data_of(ca, kca, 0, 1, d);
    mx_tlsa_parse(rd[3], rdata(rd[3], 2, 0, 1, d, n), &t[3]);
    mx_dane_check(chain, &t[3], 1, "mx.example.test", now, &res, &err);
    tap_ok(!MX_DANE_OK(&res) && !res.ta_failed,
           "2 0 1 of a root the server does not present matches nothing");
    n = data_of(leaf, kleaf, 1, 1, d);
    mx_tlsa_parse(rd[4], rdata(rd[4], 2, 1, 1, d, n), &t[4]);
    mx_dane_check(chain, &t[4], 1, "mx.example.test", now, &res, &err);
    tap_ok(!MX_DANE_OK(&res), "2 1 1 of the leaf itself is no trust anchor");
    mx_tlsa_parse(rd[5], rdata(rd[5], 1, 1, 1, d, n), &t[5]);
    mx_dane_check(chain, &t[5], 1, "mx.example.test", now, &res, &err);
    tap_ok(!MX_DANE_OK(&res) && !res.hit[0],
           "1 1 1 of the leaf (PKIX-EE) is not used");

    anchor_lines();
    tlsa_base();
    {
        X509 *old = cert("mx.example.test", kleaf, in, kint, 0,
                         "DNS:mx.example.test", -30L * 86400, -86400);

        sts_judge(chain, ca, old, now);
        X509_free(old);
    }
    sk_X509_free(chain);
    X509_free(leaf);
    X509_free(in);
    X509_free(ca);
    EVP_PKEY_free(kca);
    EVP_PKEY_free(kint);
    EVP_PKEY_free(kleaf);
    EVP_PKEY_free(kother);
    return tap_done();
}
