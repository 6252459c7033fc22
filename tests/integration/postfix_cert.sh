#!/bin/bash
# postfix_cert.sh - check_tls_cert against a real Postfix on loopback.
#
# One private Postfix instance with one smtpd service per certificate
# setup. For every service the set of certificates check_tls_cert reports
# must equal the set the configuration holds, and must equal what
# `openssl s_client -sigalgs/-cipher` sees on the same port. Then the
# incident (ECDSA only vs. RSA+ECDSA), thresholds, key sizes, trust, name
# matching, perfdata, the first line's length, politeness and the TLS
# errors each run leaves in the Postfix log, and a leak check.
#
# The test CA is not in the system store: runs that are about something
# else than trust give it with --ca-file ("${CA[@]}").
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
    "0:triple:$c/expiring-soon.pem,$c/ecdsa-p256.pem,$c/ed25519.pem" \
    "0:dualpref:$c/rsa2048.pem,$c/ecdsa-p256.pem:tls_preempt_cipherlist=yes" \
    "0:smtps:$c/rsa2048.pem,$c/ecdsa-p256.pem:smtpd_tls_wrappermode=yes" \
    "0:plain:none" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
port() { pf_port "$WORK/pf" "$1"; }
CA=(--ca-file="$c/ca.pem")

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
    [triple]="ECDSA P-256,Ed25519,RSA 2048"
    [dualpref]="ECDSA P-256,RSA 2048"
)
for svc in rsa ecdsa p384 p521 ed25519 dual all all12 dual13 ecdsa12 triple dualpref; do
    p=$(port "$svc")
    if [ "$svc" = triple ]; then
        # its RSA certificate expires in 5 days: CRITICAL, but the set counts
        mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$p" --require=none "${CA[@]}" -w 1 -c 1
    else
        mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$p" --require=none "${CA[@]}"
    fi
    t_is "$RC" 0 "$svc: exit status OK"
    got=$(plugin_labels "$OUT" | paste -sd, -)
    t_is "$got" "${want[$svc]}" "$svc: reported certificates"
    ssl=$(sclient_labels "$p" | paste -sd, -)
    t_is "$ssl" "${want[$svc]}" "$svc: openssl s_client sees the same set"
done

# The incident: only ECDSA, a peer that needs RSA.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" --require=rsa "${CA[@]}"
t_is "$RC" 2 "incident: ECDSA only with --require=rsa is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - no RSA certificate \(ECDSA P-256 only\) \| ecdsa_p256_days=[0-9.]+;30:;14: ecdsa_p256_bits=256 time=[0-9.]+s connections=4$' \
    "incident: status line names the missing RSA certificate"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" "${CA[@]}"
t_is "$RC" 2 "incident: RSA is required by default"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --require=rsa "${CA[@]}"
t_is "$RC" 0 "fix: RSA + ECDSA with --require=rsa is OK"
t_like "$LINE1" '^TLS CERT OK - ECDSA P-256 and RSA 2048; first expires in (89|90) days' \
    "fix: status line lists both certificates"
t_like "$OUT" '^\[OK\] RSA 2048: CN=mail.example.test; issuer CN=mxtls test intermediate CA; expires ' \
    "fix: long output describes the RSA certificate"
t_like "$OUT" '^\[OK\] ECDSA P-256: .* seen with TLSv1.3 TLS_AES_[0-9A-Z_]* ecdsa_secp256r1_sha256$' \
    "fix: long output says how the ECDSA certificate was seen"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --require=rsa,ecdsa,ed25519 "${CA[@]}"
t_is "$RC" 2 "a missing Ed25519 certificate is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - no Ed25519 certificate \(ECDSA P-256 and RSA 2048 only\)' \
    "the missing type is named"

# Repeated --require add up; the first replaces the default (rsa).
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --require=rsa --require=ed25519 "${CA[@]}"
t_like "$LINE1" '^TLS CERT CRITICAL - no Ed25519 certificate ' "--require twice: both lists count"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" --require=ecdsa "${CA[@]}"
t_is "$RC" 0 "--require=ecdsa replaces the default rsa"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa)" --require=ecdsa --require=rsa "${CA[@]}"
t_like "$LINE1" '^TLS CERT CRITICAL - no RSA certificate ' "--require=ecdsa --require=rsa: rsa is required again"

# Connections: elimination costs one connection per certificate plus one
# per round that proves nothing else is there (a complete handshake with a
# certificate already seen, on a server that follows the client's order).
# That proof holds once a round showed that the server takes the client's
# scheme order (a new certificate came back before the one offered last):
# until then the round asks once more without the schemes of the
# certificate seen (a GnuTLS server answers with its first certificate
# whenever one of its schemes is listed). So a single certificate costs
# one connection more, refused: ECDSA without TLS 1.3, 5.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" "${CA[@]}"
t_like "$LINE1" ' connections=4$' "dual with TLS 1.3: 4 connections"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port ecdsa12)" --require=none "${CA[@]}"
t_like "$LINE1" ' connections=5$' "ECDSA without TLS 1.3: 5 connections"

# Perfdata: days and bits per certificate, time, connections.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 20: -c 10: "${CA[@]}"
t_like "$LINE1" '\| ecdsa_p256_days=[0-9]+(\.[0-9]+)?;20:;10: ecdsa_p256_bits=256 rsa_days=[0-9]+(\.[0-9]+)?;20:;10: rsa_bits=2048 time=[0-9.]+s connections=4$' \
    "perfdata carries the thresholds"

# Expiry thresholds.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port expired)" "${CA[@]}"
t_is "$RC" 2 "expired certificate is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - RSA 2048 certificate expired [0-9]+ days? ago' \
    "expired certificate named"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" "${CA[@]}"
t_is "$RC" 2 "5 days left is CRITICAL with the default -c 14:"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w 10: -c 3: "${CA[@]}"
t_is "$RC" 1 "5 days left is WARNING with -w 10: -c 3:"
t_like "$LINE1" '^TLS CERT WARNING - RSA 2048 certificate expires in [45] days' \
    "warning names the certificate"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w 3: -c 1: "${CA[@]}"
t_is "$RC" 0 "5 days left is OK with -w 3: -c 1:"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w @0:10 -c @0:2 "${CA[@]}"
t_is "$RC" 1 "inside range @0:10 is WARNING"

# Thresholds as administrators type them (check_ssl_cert, check_http -C):
# a plain number N is "fewer than N days left". The leaf certificates
# have about 90 days left.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 30 -c 14 "${CA[@]}"
t_is "$RC" 0 "-w 30 -c 14 with 89 days left is OK"
t_like "$LINE1" 'ecdsa_p256_days=[0-9.]+;30:;14: ' "-w 30 -c 14: perfdata says 30: and 14:"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 100 "${CA[@]}"
t_is "$RC" 1 "-w 100 with 89 days left is WARNING"
t_like "$LINE1" '^TLS CERT WARNING - expires in (89|90) days \(ECDSA P-256, RSA 2048\) \|'     "-w 100: both certificates in one cause"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -c 100 -w 120 "${CA[@]}"
t_is "$RC" 2 "-c 100 with 89 days left is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 100 -c 30 "${CA[@]}"
t_is "$RC" 1 "-w 100 -c 30 is WARNING"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w 10 -c 3 "${CA[@]}"
t_is "$RC" 1 "5 days left with -w 10 -c 3 is WARNING"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port soon)" -w 6 -c 5.5 "${CA[@]}"
t_is "$RC" 2 "4.99 days left with -c 5.5 is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w @0:100 "${CA[@]}"
t_is "$RC" 1 "explicit range @0:100 keeps its meaning: 89 is inside, WARNING"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w '~:30' "${CA[@]}"
t_is "$RC" 1 "explicit range ~:30 keeps its meaning: 89 is above, WARNING"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 14 -c 30 "${CA[@]}"
t_is "$RC" 3 "-w 14 -c 30 (warning below critical) is UNKNOWN"
t_is "$LINE1" 'TLS CERT UNKNOWN - --warning=14 is below --critical=30: a certificate would turn CRITICAL before it warns (-w 30 -c 14 means fewer than 30 / 14 days left)' \
    "-w 14 -c 30: one line naming both options"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -c 100 "${CA[@]}"
t_is "$RC" 2 "-c 100 alone is CRITICAL (the default warning follows it)"
t_like "$LINE1" 'ecdsa_p256_days=[0-9.]+;100:;100: ' "-c 100 alone: the warning threshold is 100 too"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 7 "${CA[@]}"
t_is "$RC" 0 "-w 7 alone is OK (the default critical follows it)"
t_like "$LINE1" 'ecdsa_p256_days=[0-9.]+;7:;7: ' "-w 7 alone: the critical threshold is 7 too"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 14: -c 30: "${CA[@]}"
t_is "$RC" 3 "-w 14: -c 30: is UNKNOWN too"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -w 30,14 "${CA[@]}"
t_is "$RC" 3 "-w 30,14 is UNKNOWN"
t_is "$LINE1" 'TLS CERT UNKNOWN - --warning: "30,14" is neither a number (N: fewer than N) nor a range (N:, @N:M, ...)' \
    "-w 30,14: one line naming the option"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -c 14d "${CA[@]}"
t_like "$LINE1" '^TLS CERT UNKNOWN - --critical: "14d" is neither a number' "-c 14d names --critical"
t_is "$(wc -l <<<"$OUT")" 1 "a bad threshold is one line"

# Key sizes.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port weak)" --min-bits=rsa:2048 "${CA[@]}"
t_is "$RC" 2 "RSA 1024 below --min-bits=rsa:2048 is CRITICAL"
t_like "$LINE1" 'RSA 1024 key below 2048 bits' "weak key named"
t_like "$LINE1" 'rsa_bits=1024;;2048:' "bits perfdata carries the minimum"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --min-bits=rsa:2048,ecdsa:384 "${CA[@]}"
t_is "$RC" 2 "ECDSA P-256 below ecdsa:384 is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --min-bits=rsa:2048,ecdsa:256 "${CA[@]}"
t_is "$RC" 0 "sizes at the minimum are OK"

# Trust and names.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --ca-file="$c/ca.pem"
t_is "$RC" 0 "chain verifies against the test root"
# --ca-path: every regular file of the directory is loaded before the
# run; a FIFO among them (named as OpenSSL's hashed lookup names its
# files) is passed over, so verification cannot block on it.
mkdir "$WORK/capath"
cp "$c/ca.pem" "$WORK/capath/test-root.pem"
mkfifo "$WORK/capath/0badcafe.0"
MX_GUARD=20 mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" -t 5 --ca-path="$WORK/capath"
t_is "$RC" 0 "chain verifies against a --ca-path directory holding a FIFO"
t_like "$OUT" '^  \[OK\] chain trusted by --ca-path ' "the directory is named as the store"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port selfsigned)" --ca-file="$c/ca.pem"
t_is "$RC" 2 "self-signed certificate is not trusted"
t_like "$LINE1" 'not trusted \(self-signed certificate\)' "verifier's reason shown"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --ca-file=/etc/ssl/certs/ca-certificates.crt
t_is "$RC" 2 "test chain is not trusted by the system roots"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --match=mail.example.test "${CA[@]}"
t_is "$RC" 0 "--match on the SAN name"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --match=127.0.0.1 "${CA[@]}"
t_is "$RC" 0 "--match on the SAN address"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port wrongname)" --match=mail.example.test "${CA[@]}"
t_is "$RC" 2 "wrong name is CRITICAL"
t_like "$LINE1" 'does not cover mail.example.test' "name mismatch named"

# Trust by default: the system store (the test CA is not in it). On an
# SMTP port with STARTTLS (opportunistic TLS) an untrusted chain warns; on
# implicit TLS it is critical; --trust changes either.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)"
t_is "$RC" 1 "no --ca-file, SMTP port: untrusted is WARNING"
t_like "$LINE1" '^TLS CERT WARNING - untrusted \(ECDSA P-256, RSA 2048\) \|' \
    "untrusted: one cause, both certificates"
t_like "$OUT" '^\[WARNING\] ECDSA P-256: CN=mail\.example\.test; ' \
    "the certificate's line carries its worst state"
t_like "$OUT" '^  \[WARNING\] chain not trusted by the system store \(/[^)]*\): unable to get local issuer certificate$' \
    "the failure is nested below, naming the store and the reason"
t_like "$OUT" '^\[OK\] names not checked: 127\.0\.0\.1 is an address' \
    "-H is an address: the long output says names were not checked"
t_unlike "$OUT" '^\[OK\] (ECDSA|RSA) ' "no certificate line says OK above a failure"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --trust=critical
t_is "$RC" 2 "--trust=critical: untrusted is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --trust=ok
t_is "$RC" 0 "--trust=ok: reported, not alerting"
t_like "$OUT" '^  \[OK\] chain not trusted by the system store .*\(not alerting: --trust=ok\)$' \
    "--trust=ok: the result is still in the long output"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" "${CA[@]}"
t_like "$OUT" '^  \[OK\] chain trusted by --ca-file .*/ca\.pem$' "a trusted chain is reported"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port smtps)" -S none
t_is "$RC" 2 "no --ca-file, implicit TLS: untrusted is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port smtps)" -S none --trust=warning
t_is "$RC" 1 "implicit TLS with --trust=warning is WARNING"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port smtps)" -S none "${CA[@]}"
t_is "$RC" 0 "implicit TLS with the test CA is OK"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --trust=maybe
t_is "$RC" 3 "--trust=maybe is UNKNOWN"
t_like "$LINE1" '^TLS CERT UNKNOWN - --trust: .maybe. is not a state' "--trust=maybe named"

# Names by default: -H when it is a name. -4: localhost may also be ::1,
# where these services do not listen (every address is checked).
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$(port dual)" "${CA[@]}"
t_is "$RC" 0 "-H localhost, covered by the certificates: OK"
t_like "$OUT" '^  \[OK\] covers localhost$' "the name check is reported"
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$(port wrongname)" "${CA[@]}"
t_is "$RC" 1 "-H localhost on a certificate for other.example.test, SMTP port: WARNING"
t_like "$LINE1" '^TLS CERT WARNING - RSA 2048 certificate does not cover localhost \|' \
    "the mismatch is named"
t_like "$OUT" '^\[WARNING\] RSA 2048: CN=other\.example\.test' "its line carries the WARNING"
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$(port wrongname)" "${CA[@]}" --name=critical
t_is "$RC" 2 "--name=critical: a mismatch is CRITICAL"
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$(port wrongname)" "${CA[@]}" --name=ok
t_is "$RC" 0 "--name=ok: reported, not alerting"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port dual)" --sni=other.example.test "${CA[@]}"
t_is "$RC" 1 "--sni names the server: it is the name checked"
t_like "$LINE1" '^TLS CERT WARNING - does not cover other\.example\.test \(ECDSA P-256, RSA 2048\) \|' \
    "--sni: the mismatch is grouped for both certificates"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port selfsigned)" "${CA[@]}"
t_like "$OUT" '^\[CRITICAL\] RSA 2048: ' "self-signed: the certificate's line is CRITICAL"

# The first line stays short for a pager, whatever the number of
# certificates and problems; the long output has every one.
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$(port triple)" --require=rsa,dsa,ed448 \
    --min-bits=ecdsa:384,ed25519:300 --match=other.example.test
t_is "$RC" 2 "triple with eleven problems: CRITICAL"
text=${LINE1%% | *}
t_ok "the first line before the perfdata is at most 100 characters (${#text})" [ "${#text}" -le 100 ]
t_like "$text" '^TLS CERT CRITICAL - no Ed448 or DSA certificate; key below 384 bits \(ECDSA P-256\); ' \
    "problems grouped by cause, CRITICAL first"
t_like "$text" '; \+[0-9]+ more$' "what does not fit is counted"
t_is "$(grep -c '^  \[\(CRITICAL\|WARNING\)\]' <<<"$OUT")" 9 "the long output nests the 9 problems of the certificates"
t_is "$(grep -c '^\[CRITICAL\] no [A-Za-z0-9]* certificate' <<<"$OUT")" 2 "and lists both missing types"
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$(port triple)"
t_is "$RC" 2 "triple: RSA expires in 5 days"
t_like "${LINE1%% | *}" '^TLS CERT CRITICAL - expires in [45] days \(RSA 2048\); untrusted \(all 3\)$' \
    "CRITICAL causes first, then WARNING, 'all 3' for every certificate"

# A run that never reached TLS has no OK line about its connections.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(pf_free_port)"
t_is "$RC" 2 "connection refused is CRITICAL"
t_unlike "$OUT" '^\[OK\]' "connection refused: no [OK] line"
t_like "$OUT" '^\[CRITICAL\] 127\.0\.0\.1 port [0-9]+ \(smtp\): cannot connect' \
    "connection refused: the run's line says so"
mx_fixture close-on-accept --cert "$c/rsa2048.pem"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 5
t_is "$RC" 2 "close-on-accept is CRITICAL"
t_unlike "$OUT" '^\[OK\]' "close-on-accept: no [OK] line"
t_like "$OUT" '^\[CRITICAL\] 127\.0\.0\.1 port [0-9]+ \(smtp\): 127\.0\.0\.1 closed the connection while we waited for the greeting; 1 connection, 0 refused handshakes$' \
    "close-on-accept: the run's line says what happened"

# A service without STARTTLS.
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port plain)"
t_is "$RC" 2 "no STARTTLS is CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - STARTTLS not offered in the EHLO reply' \
    "missing STARTTLS named"

# Politeness: each completed handshake ends with EHLO, QUIT and no error.
before=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port rsa)" --require=none "${CA[@]}"
conns=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' <<<"$LINE1")
refused=$(sed -n 's/^\[OK\] .* [0-9]* connections, \([0-9]*\) refused handshakes\{0,1\}.*/\1/p' <<<"$OUT")
pf_wait_log "$WORK/pf" 'postfix/rsa/smtpd.*disconnect from' "$conns" 10 "$before"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd.*disconnect from .* ehlo=2 starttls=1 quit=1 commands=4' "$before")" "$((conns - refused))" \
    "every session with a completed handshake ends with EHLO over TLS and QUIT"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd\[[0-9]+\]: connect from' "$before")" "$conns" \
    "the connection count in perfdata matches the server log"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd.*improper command pipelining' "$before")" 0 \
    "no pipelining before the greeting"

# The TLS errors a run leaves in the server's log ("SSL_accept error" and
# "TLS library problem", two lines per refused handshake). Before the
# rounds ended on a certificate already seen, every run left 4 lines on
# dual, ecdsa and dual13 (and 6 on ecdsa12). Now a server that follows the
# client's order (Postfix's default) logs none, except the one refusal of
# TLS 1.2 that proves a TLS 1.3-only server has no DSA certificate, and,
# with a single certificate, the one refusal that proves it is alone
# (see "Connections" above); a
# server with its own order (tls_preempt_cipherlist=yes) refuses the last
# offer of each round. The long output counts the refusals; the log must
# agree.
tls_errors() {
    local svc=$1 nref=$2 bound=$3 before conns refused n
    before=$(pf_lines "$WORK/pf")
    mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port "$svc")" --require=none "${CA[@]}"
    conns=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' <<<"$LINE1")
    refused=$(sed -n 's/^\[OK\] .* [0-9]* connections, \([0-9]*\) refused handshakes\{0,1\}.*/\1/p' <<<"$OUT")
    pf_wait_log "$WORK/pf" "postfix/$svc/smtpd.*disconnect from" "$conns" 10 "$before"
    t_is "$refused" "$nref" "$svc: the long output counts $nref refused handshakes"
    t_is "$(pf_count "$WORK/pf" "postfix/$svc/smtpd.*SSL_accept error" "$before")" "$refused" \
        "$svc: the server logged as many refused handshakes"
    n=$(pf_count "$WORK/pf" "postfix/$svc/smtpd.*(SSL_accept error|TLS library problem)" "$before")
    t_ok "$svc: $n TLS error lines in the log (at most $bound; before: 4 or 6)" [ "$n" -le "$bound" ]
}
tls_errors dual 0 0
tls_errors ecdsa 1 2
tls_errors ecdsa12 1 2
tls_errors all 0 0
tls_errors dual13 1 2
tls_errors dualpref 2 4

# No leaks: a full run under valgrind, or, in a sanitizer build (which
# valgrind cannot run), under LeakSanitizer.
if [ "${MXTLS_SANITIZERS:-no}" = yes ]; then
    ASAN_OPTIONS=detect_leaks=1:exitcode=99 mx_run "$CHECK_TLS_CERT" \
        -H 127.0.0.1 -p "$(port all)" --require=none "${CA[@]}"
    t_is "$RC" 0 "LeakSanitizer: a full run has no leaks or memory errors"
    t_unlike "$ERR" 'Sanitizer' "LeakSanitizer: nothing reported"
elif command -v valgrind >/dev/null 2>&1; then
    mx_run valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port all)" --require=none "${CA[@]}"
    t_is "$RC" 0 "valgrind: a full run has no leaks or memory errors"
    [ "$RC" = 0 ] || t_diag "$ERR"
else
    t_skip "leak check" "valgrind is not installed"
fi

t_done
