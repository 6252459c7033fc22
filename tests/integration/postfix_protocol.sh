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
    awk '/^\[/{v=$2} /^  \[[A-Z]+\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print v, $2}' <<<"$1" |
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
pf_start "$WORK/pf2" "0:preempt:$dual:tls_preempt_cipherlist=yes" "0:client:$dual" \
    "0:ecdsa:$c/ecdsa-p256.pem" \
    "0:tls13:$dual:smtpd_tls_protocols=>=TLSv1.3;smtpd_tls_mandatory_protocols=>=TLSv1.3" \
    "0:weak:$dual:smtpd_tls_ciphers=low;smtpd_tls_mandatory_ciphers=low;tls_low_cipherlist=ALL:COMPLEMENTOFALL:@SECLEVEL=0" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf2'"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf2" preempt)" --ciphers
t_like "$OUT" "^  \[OK\] the server's order decides$" "tls_preempt_cipherlist=yes: server order"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf2" client)" --ciphers
t_like "$OUT" "^  \[OK\] the client's order decides$" "Postfix default: client order"
t_like "$OUT" '^\[OK\] TLS_FALLBACK_SCSV honoured$' "OpenSSL honours TLS_FALLBACK_SCSV"
t_like "$OUT" '^  \[OK\] groups: X25519, P-256, P-384, P-521, X448$' "Postfix 3.7's default groups"

# Groups per version against the truth: one openssl s_client handshake per
# group. Below TLS 1.3 a server with only an ECDSA certificate refuses a
# client that does not list the certificate's curve, so each group G is
# asked as "-groups G:P-256" (P-256 alone for P-256): G is accepted when
# the server negotiates G. sslscan lists only what a plain elimination
# finds there (X25519, P-256), which is why the truth is openssl here.
s_group() { # PORT VERSION-FLAG GROUPS -> the negotiated group, our names
    local k
    k=$(timeout 10 openssl s_client -connect "127.0.0.1:$1" -starttls smtp "$2" \
        -groups "$3" </dev/null 2>/dev/null | sed -n 's/^Server Temp Key: //p')
    case $k in
    X25519,*) echo X25519 ;;
    X448,*) echo X448 ;;
    "ECDH, prime256v1,"*) echo P-256 ;;
    "ECDH, secp384r1,"*) echo P-384 ;;
    "ECDH, secp521r1,"*) echo P-521 ;;
    "DH, "*) k=${k#DH, } && echo "ffdhe${k%% bits*}" ;;
    esac
}
truth_groups() { # PORT VERSION-FLAG -> accepted groups, sorted, one a line
    local g ask
    for g in X25519 P-256 P-384 P-521 X448 ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192; do
        ask=$g
        if [ "$2" = -tls1_2 ] && [ "$g" != P-256 ]; then
            ask=$g:P-256
        fi
        if [ "$(s_group "$1" "$2" "$ask")" = "$g" ]; then
            echo "$g"
        fi
    done | sort
}
our_groups() { # OUTPUT VERSION -> groups listed under that version, sorted
    awk -v v="$2" '/^\[/{cur=$2} cur==v && /^  \[OK\] groups: /{sub(/^  \[OK\] groups: /,""); print}' <<<"$1" |
        tr -d ' ' | tr ',' '\n' | sort
}
command -v openssl >/dev/null 2>&1 || t_bail "openssl is not installed (apt-get install openssl)"
for svc in ecdsa client; do
    p=$(pf_port "$WORK/pf2" "$svc")
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" --ciphers
    for v in TLSv1.2 TLSv1.3; do
        flag=-tls1_2
        [ "$v" = TLSv1.3 ] && flag=-tls1_3
        want=$(truth_groups "$p" "$flag")
        t_isnt "$want" "" "$svc $v: openssl finds groups"
        t_is "$(our_groups "$OUT" "$v")" "$want" "$svc $v: the groups equal one openssl handshake per group"
    done
done

# The cipher policy on real Postfix servers. Debian's defaults accept
# anonymous suites (on purpose, for opportunistic TLS): OK by default.
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf2" client)" --ciphers
t_is "$RC" 0 "policy: Postfix's defaults are OK under the default policy"
t_like "$OUT" '^  \[OK\] 0x[0-9A-F]{4} ADH-' "policy: ... although they accept anonymous suites"
# A Postfix that accepts everything OpenSSL 3 can serve (NULL, anon,
# CBC-SHA1 at @SECLEVEL=0; this OpenSSL has no 3DES, RC4 or EXPORT).
p=$(pf_port "$WORK/pf2" weak)
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" --ciphers
t_is "$RC" 2 "policy: NULL suites on a real Postfix: CRITICAL"
t_like "$OUT" '^\[CRITICAL\] null suites without encryption accepted \(--forbid null\): .*; Postfix: smtpd_tls_exclude_ciphers = eNULL ' \
    "policy: the null line names the Postfix setting"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" --forbid=none --warn-on=anon,cbc-sha1
t_is "$RC" 1 "policy: --warn-on=anon,cbc-sha1 (implies --ciphers): WARNING"
t_like "$LINE1" '^TLS PROTOCOL WARNING - anon suites accepted \(TLSv1\.2, TLSv1\.1, TLSv1\.0\); cbc-sha1 suites accepted \(TLSv1\.2, TLSv1\.1, TLSv1\.0\) \|' \
    "policy: both classes in the first line"
# every TLS 1.2 suite flagged is really accepted: one openssl handshake each
flagged=$(awk '/^\[/{v=$2} v=="TLSv1.2" && /^  \[WARNING\] 0x/{print $3}' <<<"$OUT")
t_isnt "$flagged" "" "policy: TLS 1.2 suites flagged"
bad=
for name in $flagged; do
    timeout 10 openssl s_client -connect "127.0.0.1:$p" -starttls smtp -tls1_2 \
        -cipher "$name:@SECLEVEL=0" </dev/null 2>/dev/null | grep -q "Cipher is $name\$" ||
        bad="$bad $name"
done
t_is "$bad" "" "policy: each flagged suite is accepted by openssl s_client -cipher"

# The server's log: TLS error lines a run adds (each refusal writes
# "SSL_accept error" and "TLS library problem", each raw probe dropped
# after the server's hello one "SSL_accept error"). Versions are confirmed
# by complete handshakes, so a default run adds only the refusals the
# question needs: SSLv2, SSLv3, and one for the TLS versions below those
# accepted. The long output's count is an upper bound of the log's.
log_errors() { # SERVICE ARGS... -> "LINES REFUSALS DROPPED"
    local svc=$1 before conns ref drop
    shift
    before=$(pf_lines "$WORK/pf2")
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf2" "$svc")" "$@"
    conns=$(sed -nE 's/.* connections=([0-9]+)$/\1/p' <<<"$LINE1")
    pf_wait_log "$WORK/pf2" "disconnect from" "${conns:-1}" 20 "$before" ||
        t_diag "$svc: fewer disconnect lines than connections"
    ref=$(sed -nE "s/^\[OK\] [0-9]+ connections?: ([0-9]+) refused on purpose, ([0-9]+) raw .*/\1 \2/p" <<<"$OUT")
    echo "$(pf_count "$WORK/pf2" 'SSL_accept error|TLS library problem' "$before") ${ref:--1 -1}"
}
declare -A max_default=([client]=4 [ecdsa]=4 [tls13]=6)
for svc in client ecdsa tls13; do
    read -r lines ref drop <<<"$(log_errors "$svc")"
    t_diag "log lines, $svc, default run: $lines ($ref refusals, $drop dropped)"
    t_ok "$svc: a default run adds at most ${max_default[$svc]} TLS error lines (got $lines)" [ "$lines" -le "${max_default[$svc]}" ]
    t_ok "$svc: the long output counts every error it causes" [ "$lines" -le "$((2 * ref + drop))" ]
    read -r lines ref drop <<<"$(log_errors "$svc" --ciphers)"
    t_diag "log lines, $svc, --ciphers: $lines ($ref refusals, $drop dropped)"
    t_ok "$svc: --ciphers adds at most 40 TLS error lines (got $lines)" [ "$lines" -le "40" ]
    t_ok "$svc --ciphers: the long output counts every error it causes" [ "$lines" -le "$((2 * ref + drop))" ]
done

t_done
