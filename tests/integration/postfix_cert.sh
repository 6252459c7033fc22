#!/bin/bash
# postfix_cert.sh - check_tls_cert against a real Postfix on loopback.
#
# One private Postfix instance with one smtpd service per certificate
# setup. For every service the set of certificates check_tls_cert reports
# must equal the set the configuration holds, and must equal what
# `openssl s_client -sigalgs/-cipher` sees on the same port. Then the
# incident (ECDSA only vs. RSA+ECDSA), thresholds, key sizes, trust, name
# matching, perfdata, politeness in the Postfix log, and a leak check.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
mx_require valgrind=valgrind

c=$CERTS
pf_start "$WORK/pf" \
    "0:rsa:$c/rsa2048.pem" \
    "0:ecdsa:$c/ecdsa-p256.pem" \
    "0:p384:$c/ecdsa-p384.pem" \
    "0:p521:$c/ecdsa-p521.pem" \
    "0:ed25519:$c/ed25519.pem" \
    "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
    "0:all:$c/rsa2048.pem,$c/ecdsa-p256.pem,$c/ed25519.pem,$c/ed448.pem,$c/dsa2048.pem" \
    "0:all12:$c/rsa2048.pem,$c/ecdsa-p384.pem,$c/ed25519.pem,$c/ed448.pem,$c/dsa2048.pem:smtpd_tls_protocols=<=TLSv1.2" \
    "0:dual13:$c/rsa4096.pem,$c/ecdsa-p256.pem:smtpd_tls_protocols=>=TLSv1.3" \
    "0:ecdsa12:$c/ecdsa-p256.pem:smtpd_tls_protocols=<=TLSv1.2" \
    "0:weak:$c/rsa1024.pem" \
    "0:expired:$c/expired.pem" \
    "0:soon:$c/expiring-soon.pem" \
    "0:wrongname:$c/wrongname.pem" \
    "0:selfsigned:$c/selfsigned.pem" \
    "0:plain:none" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
port() { pf_port "$WORK/pf" "$1"; }

# The certificate labels in a plugin's long output, sorted, one per line.
plugin_labels() {
    sed -n 's/^\[[A-Z]*\] \([A-Za-z0-9-]* [A-Za-z0-9-]*\|Ed25519\|Ed448\): CN=.*/\1/p' <<<"$1" |
        sort
}

# The label of the first certificate in s_client output.
pem_label() {
    local text
    text=$(openssl x509 -noout -text 2>/dev/null) || return 1
    case $text in
    *"Public Key Algorithm: rsaEncryption"*)
        echo "RSA $(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' <<<"$text" | head -1)" ;;
    *"Public Key Algorithm: id-ecPublicKey"*)
        echo "ECDSA $(sed -n 's/.*NIST CURVE: \(P-[0-9]*\).*/\1/p' <<<"$text" | head -1)" ;;
    *"Public Key Algorithm: ED25519"*) echo "Ed25519" ;;
    *"Public Key Algorithm: ED448"*) echo "Ed448" ;;
    *"Public Key Algorithm: dsaEncryption"*)
        echo "DSA $(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' <<<"$text" | head -1)" ;;
    *) echo "other" ;;
    esac
}

# What openssl s_client can get out of a port, key type by key type:
# signature schemes in TLS 1.3, authentication classes below it.
sclient_labels() {
    local p=$1 args
    {
        while IFS= read -r args; do
            # shellcheck disable=SC2086 # args is a word list on purpose
            echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
                -starttls smtp $args 2>/dev/null |
                sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' |
                pem_label
        done <<'LIST'
-tls1_3 -sigalgs rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512
-tls1_3 -sigalgs ecdsa_secp256r1_sha256
-tls1_3 -sigalgs ecdsa_secp384r1_sha384
-tls1_3 -sigalgs ecdsa_secp521r1_sha512
-tls1_3 -sigalgs ed25519
-tls1_3 -sigalgs ed448
-tls1_2 -cipher aRSA:@SECLEVEL=0 -sigalgs RSA+SHA256:RSA+SHA384:rsa_pss_rsae_sha256
-tls1_2 -cipher aECDSA:@SECLEVEL=0 -sigalgs ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512
-tls1_2 -cipher aECDSA:@SECLEVEL=0 -sigalgs ed25519
-tls1_2 -cipher aECDSA:@SECLEVEL=0 -sigalgs ed448
-tls1_2 -cipher aDSS:@SECLEVEL=0 -sigalgs DSA+SHA256:DSA+SHA1
LIST
    } | grep -v '^$' | sort -u
}

# service -> the certificates its configuration holds
declare -A want=(
    [rsa]="RSA 2048"
    [ecdsa]="ECDSA P-256"
    [p384]="ECDSA P-384"
    [p521]="ECDSA P-521"
    [ed25519]="Ed25519"
    [dual]="ECDSA P-256,RSA 2048"
    [all]="DSA 2048,ECDSA P-256,Ed25519,Ed448,RSA 2048"
    [all12]="DSA 2048,ECDSA P-384,Ed25519,Ed448,RSA 2048"
    [dual13]="ECDSA P-256,RSA 4096"
    [ecdsa12]="ECDSA P-256"
)
for svc in rsa ecdsa p384 p521 ed25519 dual all all12 dual13 ecdsa12; do
    p=$(port "$svc")
    mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$p" --require=none
    t_is "$RC" 0 "$svc: exit status OK"
    got=$(plugin_labels "$OUT" | paste -sd, -)
    t_is "$got" "${want[$svc]}" "$svc: reported certificates"
    ssl=$(sclient_labels "$p" | paste -sd, -)
    t_is "$ssl" "${want[$svc]}" "$svc: openssl s_client sees the same set"
done

# The incident: only ECDSA, a peer that needs RSA.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" --require=rsa
t_is "$RC" 2 "incident: ECDSA only with --require=rsa is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - no RSA certificate \(ECDSA P-256 only\) \| ecdsa_p256_days=[0-9.]+;30:;14: ecdsa_p256_bits=256 time=[0-9.]+s connections=3$' \
    "incident: status line names the missing RSA certificate"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)"
t_is "$RC" 2 "incident: RSA is required by default"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --require=rsa
t_is "$RC" 0 "fix: RSA + ECDSA with --require=rsa is OK"
t_like "$LINE1" '^TLS CERT OK - ECDSA P-256 and RSA 2048; first expires in (89|90) days' \
    "fix: status line lists both certificates"
t_like "$OUT" '^\[OK\] RSA 2048: CN=mail.example.test; issuer CN=mxtls test intermediate CA; expires ' \
    "fix: long output describes the RSA certificate"
t_like "$OUT" '^\[OK\] ECDSA P-256: .* seen with TLSv1.3 TLS_AES_[0-9A-Z_]* ecdsa_secp256r1_sha256$' \
    "fix: long output says how the ECDSA certificate was seen"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --require=rsa,ecdsa,ed25519
t_is "$RC" 2 "a missing Ed25519 certificate is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - no Ed25519 certificate \(ECDSA P-256 and RSA 2048 only\)' \
    "the missing type is named"

# Repeated --require add up; the first replaces the default (rsa).
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --require=rsa --require=ed25519
t_like "$LINE1" '^TLS CERT CRITICAL - no Ed25519 certificate ' "--require twice: both lists count"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" --require=ecdsa
t_is "$RC" 0 "--require=ecdsa replaces the default rsa"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" --require=ecdsa --require=rsa
t_like "$LINE1" '^TLS CERT CRITICAL - no RSA certificate ' "--require=ecdsa --require=rsa: rsa is required again"

# Connections: elimination costs one connection per certificate plus the
# refusals that prove nothing else is there.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)"
t_like "$LINE1" ' connections=4$' "dual with TLS 1.3: 4 connections"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa12)" --require=none
t_like "$LINE1" ' connections=4$' "ECDSA without TLS 1.3: 4 connections"

# Perfdata: days and bits per certificate, time, connections.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 20: -c 10:
t_like "$LINE1" '\| ecdsa_p256_days=[0-9]+(\.[0-9]+)?;20:;10: ecdsa_p256_bits=256 rsa_days=[0-9]+(\.[0-9]+)?;20:;10: rsa_bits=2048 time=[0-9.]+s connections=4$' \
    "perfdata carries the thresholds"

# Expiry thresholds.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port expired)"
t_is "$RC" 2 "expired certificate is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - RSA 2048 certificate expired [0-9]+ days? ago' \
    "expired certificate named"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)"
t_is "$RC" 2 "5 days left is CRITICAL with the default -c 14:"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w 10: -c 3:
t_is "$RC" 1 "5 days left is WARNING with -w 10: -c 3:"
t_like "$LINE1" '^TLS CERT WARNING - RSA 2048 certificate expires in [45] days' \
    "warning names the certificate"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w 3: -c 1:
t_is "$RC" 0 "5 days left is OK with -w 3: -c 1:"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w @0:10 -c @0:2
t_is "$RC" 1 "inside range @0:10 is WARNING"

# Key sizes.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port weak)" --min-bits=rsa:2048
t_is "$RC" 2 "RSA 1024 below --min-bits=rsa:2048 is CRITICAL"
t_like "$LINE1" 'RSA 1024 key below 2048 bits' "weak key named"
t_like "$LINE1" 'rsa_bits=1024;;2048:' "bits perfdata carries the minimum"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --min-bits=rsa:2048,ecdsa:384
t_is "$RC" 2 "ECDSA P-256 below ecdsa:384 is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --min-bits=rsa:2048,ecdsa:256
t_is "$RC" 0 "sizes at the minimum are OK"

# Trust and names.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --ca-file="$c/ca.pem"
t_is "$RC" 0 "chain verifies against the test root"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port selfsigned)" --ca-file="$c/ca.pem"
t_is "$RC" 2 "self-signed certificate is not trusted"
t_like "$LINE1" 'not trusted \(self-signed certificate\)' "verifier's reason shown"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --ca-file=/etc/ssl/certs/ca-certificates.crt
t_is "$RC" 2 "test chain is not trusted by the system roots"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --match=mail.example.test
t_is "$RC" 0 "--match on the SAN name"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --match=127.0.0.1
t_is "$RC" 0 "--match on the SAN address"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port wrongname)" --match=mail.example.test
t_is "$RC" 2 "wrong name is CRITICAL"
t_like "$LINE1" 'does not cover mail.example.test' "name mismatch named"

# A service without STARTTLS.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port plain)"
t_is "$RC" 2 "no STARTTLS is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - STARTTLS not offered in the EHLO reply' \
    "missing STARTTLS named"

# Politeness: each completed handshake ends with EHLO, QUIT and no error.
before=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port rsa)" --require=none
conns=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' <<<"$LINE1")
pf_wait_log "$WORK/pf" 'postfix/rsa/smtpd.*disconnect from' "$conns" 10 "$before"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd.*disconnect from .* ehlo=2 starttls=1 quit=1 commands=4' "$before")" 1 \
    "the accepted session ends with EHLO over TLS and QUIT"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd\[[0-9]+\]: connect from' "$before")" "$conns" \
    "the connection count in perfdata matches the server log"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd.*improper command pipelining' "$before")" 0 \
    "no pipelining before the greeting"

# No leaks: a full run under valgrind, or, in a sanitizer build (which
# valgrind cannot run), under LeakSanitizer.
if [ "${MXTLS_SANITIZERS:-no}" = yes ]; then
    ASAN_OPTIONS=detect_leaks=1:exitcode=99 mx_run "$CHECK_TLS_CERT" \
        -H 127.0.0.1 -p "$(port all)" --require=none
    t_is "$RC" 0 "LeakSanitizer: a full run has no leaks or memory errors"
    t_unlike "$ERR" 'Sanitizer' "LeakSanitizer: nothing reported"
elif command -v valgrind >/dev/null 2>&1; then
    mx_run valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port all)" --require=none
    t_is "$RC" 0 "valgrind: a full run has no leaks or memory errors"
    [ "$RC" = 0 ] || t_diag "$ERR"
else
    t_skip "leak check" "valgrind is not installed"
fi

t_done
