#!/bin/bash
# postfix_protocol.sh - check_tls_protocol against a real Postfix in the
# configurations mail servers run, compared with sslscan on the same
# ports: the accepted versions, and the accepted suites per version
# (check_tls_protocol --ciphers vs sslscan's XML), must be the same sets;
# and --minimum=TLSv1.2 must give the right state.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
mx_require sslscan=sslscan

c=$CERTS
dual=$c/rsa2048.pem,$c/ecdsa-p256.pem
pf_start "$WORK/pf" \
    "0:debian:$c/rsa2048.pem" \
    "0:hardened:$dual:smtpd_tls_protocols=>=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2;smtpd_tls_ciphers=high;smtpd_tls_mandatory_ciphers=high;smtpd_tls_exclude_ciphers=aNULL, CAMELLIA" \
    "0:legacy:$dual:smtpd_tls_protocols=>=TLSv1;smtpd_tls_mandatory_protocols=>=TLSv1;smtpd_tls_ciphers=low;smtpd_tls_mandatory_ciphers=low" \
    "0:tls13:$dual:smtpd_tls_protocols=>=TLSv1.3;smtpd_tls_mandatory_protocols=>=TLSv1.3" \
    "0:tls12:$dual:smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"

# (version, suite code) pairs from --ciphers output
ours() {
    awk '/^\[/{v=$2} /^  \[OK\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print v, $2}' <<<"$1" |
        sort -u
}
# ... and from sslscan's XML
theirs() {
    grep -E '<cipher status="(accepted|preferred)"' "$1" |
        sed -E 's/.*sslversion="([^"]*)".*id="0x([0-9A-Fa-f]+)".*/\1 0x\2/' |
        awk '{print $1, toupper(substr($2,1,2)) toupper(substr($2,3))}' |
        sed 's/^\(.*\) 0X/\1 0x/' | sort -u
}
# accepted versions: from perfdata, and from sslscan's <protocol> lines
our_versions() {
    grep -oE '(SSLv[23]|TLSv1\.[0-3])=1;' <<<"${1%%$'\n'*}" | sed 's/=1;$//' |
        sort | paste -sd' ' -
}
their_versions() {
    sed -nE 's/.*<protocol type="(ssl|tls)" version="([0-9.]+)" enabled="1".*/\1 \2/p' "$1" |
        awk '{print ($1 == "ssl" ? "SSLv" $2 : "TLSv" $2)}' | sort | paste -sd' ' -
}

declare -A versions=(
    [debian]="TLSv1.0 TLSv1.1 TLSv1.2 TLSv1.3"
    [hardened]="TLSv1.2 TLSv1.3"
    [legacy]="TLSv1.0 TLSv1.1 TLSv1.2 TLSv1.3"
    [tls13]="TLSv1.3"
    [tls12]="TLSv1.2"
)
declare -A minimum12=([debian]=2 [hardened]=0 [legacy]=2 [tls13]=0 [tls12]=0)

for svc in debian hardened legacy tls13 tls12; do
    p=$(pf_port "$WORK/pf" "$svc")
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" --minimum=TLSv1.2
    t_is "$RC" "${minimum12[$svc]}" "$svc: --minimum=TLSv1.2 state"
    t_is "$(our_versions "$OUT")" "${versions[$svc]}" "$svc: accepted versions"
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" --ciphers
    full=$OUT
    timeout 120 sslscan --starttls-smtp --no-colour --xml="$WORK/$svc.xml" \
        "127.0.0.1:$p" >/dev/null 2>&1
    t_is "$(their_versions "$WORK/$svc.xml")" "${versions[$svc]}" \
        "$svc: sslscan sees the same versions"
    a=$(ours "$full")
    b=$(theirs "$WORK/$svc.xml")
    t_isnt "$a" "" "$svc: some suites found"
    t_is "$a" "$b" "$svc: the accepted suites per version equal sslscan's"
    t_unlike "$full" 'may be incomplete' "$svc: every suite chain ended in a refusal"
done

# Server order (Postfix's tls_preempt_cipherlist) is seen as such.
pf_stop "$WORK/pf"
pf_start "$WORK/pf2" "0:preempt:$dual:tls_preempt_cipherlist=yes" "0:client:$dual" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf2'"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf2" preempt)" --ciphers
t_like "$OUT" "^  \[OK\] the server's order decides$" "tls_preempt_cipherlist=yes: server order"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf2" client)" --ciphers
t_like "$OUT" "^  \[OK\] the client's order decides$" "Postfix default: client order"
t_like "$OUT" '^\[OK\] TLS_FALLBACK_SCSV honoured$' "OpenSSL honours TLS_FALLBACK_SCSV"
t_like "$OUT" '^  \[OK\] groups: X25519, P-256, P-384, P-521, X448$' "Postfix 3.7's default groups"

t_done
