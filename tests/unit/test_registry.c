/*
 * test_registry.c - name <-> code tables: versions, key types, groups,
 * signature schemes, alerts; the codes checked against the IANA values.
 */
#include "registry.h"
#include "tap.h"

int
main(void)
{
    const struct mx_group *g;
    const struct mx_sigalg *s;
    size_t i, j, n;
    int dup;

    tap_is_int(mx_version_parse("TLSv1.2"), MX_TLS12, "TLSv1.2");
    tap_is_int(mx_version_parse("TLS1.2"), MX_TLS12, "TLS1.2");
    tap_is_int(mx_version_parse("tls1_2"), MX_TLS12, "tls1_2");
    tap_is_int(mx_version_parse("TLSv1_3"), MX_TLS13, "TLSv1_3");
    tap_is_int(mx_version_parse("1.2"), MX_TLS12, "1.2");
    tap_is_int(mx_version_parse("1.0"), MX_TLS10, "1.0");
    tap_is_int(mx_version_parse("TLSv1"), MX_TLS10, "TLSv1 is 1.0");
    tap_is_int(mx_version_parse("tlsv1.1"), MX_TLS11, "lower case");
    tap_is_int(mx_version_parse("SSLv3"), MX_SSL3, "SSLv3");
    tap_is_int(mx_version_parse("sslv2"), MX_SSL2, "sslv2");
    tap_is_int(mx_version_parse("TLSv1.4"), 0, "TLSv1.4 unknown");
    tap_is_int(mx_version_parse("SSLv1"), 0, "SSLv1 unknown");
    tap_is_int(mx_version_parse("3"), 0, "bare 3 refused");
    tap_is_int(mx_version_parse("TLSv1.22"), 0, "trailing junk refused");
    tap_is_int(mx_version_parse(""), 0, "empty refused");
    tap_is_str(mx_version_name(MX_TLS13), "TLSv1.3", "name of 0x0304");
    tap_is_str(mx_version_name(0x0305), "unknown", "sentinel name");

    tap_is_int(mx_keytype_parse("rsa"), MX_KEY_RSA, "rsa");
    tap_is_int(mx_keytype_parse("ECDSA"), MX_KEY_ECDSA, "ECDSA any case");
    tap_is_int(mx_keytype_parse("rsa-pss"), MX_KEY_RSA_PSS, "rsa-pss");
    tap_is_int(mx_keytype_parse("ed448"), MX_KEY_ED448, "ed448");
    tap_is_int(mx_keytype_parse("dsa"), MX_KEY_DSA, "dsa");
    tap_is_int(mx_keytype_parse("rsa2048"), MX_KEY_NONE, "unknown type");
    tap_is_str(mx_keytype_name(MX_KEY_ED25519), "Ed25519", "display name");
    tap_is_str(mx_keytype_id(MX_KEY_RSA_PSS), "rsa-pss", "option name");

    /* Codes from the IANA TLS Supported Groups registry. */
    tap_is_int(mx_group_by_name("secp256r1")->code, 23, "secp256r1 = 23");
    tap_is_int(mx_group_by_name("prime256v1")->code, 23, "OpenSSL alias");
    tap_is_int(mx_group_by_name("P-384")->code, 24, "P-384 = 24");
    tap_is_int(mx_group_by_name("x25519")->code, 29, "x25519 = 29");
    tap_is_int(mx_group_by_name("X448")->code, 30, "X448 = 30");
    tap_is_int(mx_group_by_name("ffdhe2048")->code, 256, "ffdhe2048 = 256");
    tap_is_int(mx_group_by_name("X25519MLKEM768")->code, 4588,
               "X25519MLKEM768 = 4588");
    tap_ok(mx_group_by_name("X25519MLKEM768")->openssl == NULL,
           "OpenSSL 3.0 cannot offer ML-KEM");
    tap_ok(mx_group_by_name("nosuchcurve") == NULL, "unknown group");
    g = mx_group_by_code(0x0018);
    tap_is_str(g ? g->display : NULL, "P-384", "display by code");
    tap_ok(mx_group_by_code(0x9999) == NULL, "unknown code");

    /* Codes from the IANA TLS SignatureScheme registry and RFC 5246. */
    s = mx_sigalg_by_name("rsa_pss_rsae_sha256");
    tap_is_int(s ? s->code : 0, 0x0804, "rsa_pss_rsae_sha256");
    tap_is_int(s ? s->key : 0, MX_KEY_RSA, "rsae signs with an RSA key");
    s = mx_sigalg_by_name("rsa_pss_pss_sha384");
    tap_is_int(s ? s->key : 0, MX_KEY_RSA_PSS, "pss_pss needs an RSA-PSS key");
    s = mx_sigalg_by_code(0x0503);
    tap_is_str(s ? s->iana : NULL, "ecdsa_secp384r1_sha384", "0x0503");
    tap_is_int(s ? s->curve : 0, 24, "bound to P-384 in TLS 1.3");
    s = mx_sigalg_by_code(0x0402);
    tap_is_str(s ? s->iana : NULL, "dsa_sha256", "0x0402 is dsa_sha256");
    tap_ok(s != NULL && !s->tls13, "DSA is not a TLS 1.3 scheme");
    s = mx_sigalg_by_name("DSA+SHA1");
    tap_is_int(s ? s->code : 0, 0x0202, "OpenSSL spelling accepted");
    tap_is_int(mx_sigalg_by_name("ed25519")->code, 0x0807, "ed25519");
    tap_ok(mx_sigalg_by_name("bogus") == NULL, "unknown scheme");

    /* The rest of the IANA groups registry. */
    g = mx_group_by_code(1);
    tap_is_str(g ? g->iana : NULL, "sect163k1", "group 1 is sect163k1");
    tap_is_str(g ? g->display : NULL, "K-163", "sect163k1 shown as K-163");
    tap_is_str(g ? g->openssl : NULL, "sect163k1", "OpenSSL 3.0 offers it");
    tap_ok(g != NULL && !g->tls13, "sect163k1 is not for TLS 1.3");
    tap_is_int(mx_group_by_name("B-571") ? mx_group_by_name("B-571")->code : 0,
               14, "B-571 = 14");
    tap_is_int(mx_group_by_name("P-192") ? mx_group_by_name("P-192")->code : 0,
               19, "P-192 = 19");
    tap_is_int(mx_group_by_name("prime192v1")
                   ? mx_group_by_name("prime192v1")->code
                   : 0,
               19, "prime192v1 alias");
    tap_is_int(
        mx_group_by_name("SECP256R1") ? mx_group_by_name("SECP256R1")->code : 0,
        23, "group names any case");
    g = mx_group_by_code(34);
    tap_is_str(g ? g->iana : NULL, "GC256A", "group 34 is GC256A");
    tap_ok(g != NULL && g->openssl == NULL, "OpenSSL 3.0 cannot offer GC256A");
    g = mx_group_by_code(41);
    tap_is_str(g ? g->iana : NULL, "curveSM2", "group 41 is curveSM2");
    g = mx_group_by_code(25497);
    tap_is_str(g ? g->iana : NULL, "X25519Kyber768Draft00",
               "25497 (OBSOLETE mark dropped)");
    g = mx_group_by_code(65282);
    tap_is_str(g ? g->iana : NULL, "arbitrary_explicit_char2_curves",
               "65282 is arbitrary_explicit_char2_curves");
    tap_ok(mx_group_by_code(0x0a0a) == NULL, "GREASE 0x0a0a is no group");
    tap_ok(mx_group_by_code(0) == NULL, "0 is no group");
    g = mx_groups(&n);
    tap_is_int((long long)n, 56, "56 named groups");
    tap_is_int(g[0].code, 0x001d, "x25519 still offered first");

    /* The rest of the IANA SignatureScheme registry, and ALG+HASH. */
    s = mx_sigalg_by_name("RSA+SHA256");
    tap_is_int(s ? s->code : 0, 0x0401, "RSA+SHA256 = rsa_pkcs1_sha256");
    s = mx_sigalg_by_name("ecdsa+sha384");
    tap_is_int(s ? s->code : 0, 0x0503, "ecdsa+sha384, any case");
    s = mx_sigalg_by_name("RSA-PSS+SHA256");
    tap_is_int(s ? s->code : 0, 0x0804, "RSA-PSS+SHA256 = rsae_sha256");
    s = mx_sigalg_by_name("PSS+SHA512");
    tap_is_int(s ? s->code : 0, 0x0806, "PSS+SHA512 = rsae_sha512");
    s = mx_sigalg_by_name("DSA+SHA224");
    tap_is_int(s ? s->code : 0, 0x0302, "DSA+SHA224 = 0x0302");
    tap_ok(mx_sigalg_by_name("RSA+MD5") == NULL, "RSA+MD5 not in the table");
    tap_ok(mx_sigalg_by_name("RSA-PSS+SHA1") == NULL, "no PSS with SHA-1");
    tap_ok(mx_sigalg_by_name("RSA+") == NULL, "RSA+ alone");
    tap_ok(mx_sigalg_by_name("+SHA256") == NULL, "+SHA256 alone");
    s = mx_sigalg_by_code(0x0420);
    tap_is_str(s ? s->iana : NULL, "rsa_pkcs1_sha256_legacy", "0x0420");
    s = mx_sigalg_by_name("mldsa87");
    tap_is_int(s ? s->code : 0, 0x0906, "mldsa87 = 0x0906");
    tap_ok(s != NULL && s->openssl == NULL, "OpenSSL 3.0 has no ML-DSA");
    s = mx_sigalg_by_name("GOSTR34102012_256A");
    tap_is_int(s ? s->code : 0, 0x0709, "gostr34102012_256a, any case");
    s = mx_sigalg_by_code(0x0708);
    tap_is_str(s ? s->iana : NULL, "sm2sig_sm3", "0x0708 is sm2sig_sm3");
    tap_ok(mx_sigalg_by_code(0x0101) == NULL, "0x0101 (rsa_md5) unknown");
    s = mx_sigalgs(&n);
    tap_is_int((long long)n, 44, "37 IANA schemes + 7 RFC 5246 pairs");
    tap_is_int(s[0].code, 0x0403, "ecdsa_secp256r1_sha256 still first");

    g = mx_groups(&n);
    for (dup = 0, i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (g[i].code == g[j].code)
                dup++;
    tap_is_int(dup, 0, "no duplicate group codes");
    s = mx_sigalgs(&n);
    for (dup = 0, i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (s[i].code == s[j].code)
                dup++;
    tap_is_int(dup, 0, "no duplicate signature scheme codes");

    tap_is_str(mx_alert_name(40), "handshake_failure", "alert 40");
    tap_is_str(mx_alert_name(70), "protocol_version", "alert 70");
    tap_is_str(mx_alert_name(0), "close_notify", "alert 0");
    tap_is_str(mx_alert_name(255), "unknown", "unknown alert");

    return tap_done();
}
