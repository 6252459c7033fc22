#!/bin/bash
# gnutls_groups.sh - the TLS 1.2 groups of check_tls_protocol --ciphers
# against gnutls-serv (gnutls-bin) with an ECDSA P-256 certificate, whose
# curve is not the key exchange group: GnuTLS picks its ECDSA certificate
# for a client whose supported_groups leaves P-256 out, and OpenSSL's
# client aborts such a handshake (wrong curve). Each group is compared
# with real clients one handshake at a time:
#
# - RSA + ECDSA certificates: the groups of one gnutls-cli and one
#   openssl s_client (an ECDHE-RSA suite) handshake per group;
# - the ECDSA certificate alone: the groups of one gnutls-cli handshake
#   per group (openssl s_client gets only P-256 there, its own limit);
#
# by complete handshakes and by raw probes (--raw-only), OK and a complete
# table each time. Server precedence, as in gnutls_serv.sh.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/gnutls.sh
. "$MXTLS_SRCDIR/tests/lib/gnutls.sh"
MX_GUARD=120
mx_init
mx_require openssl=openssl gnutls-serv=gnutls-bin gnutls-cli=gnutls-bin \
    ss=iproute2
mx_certs
c=$CERTS
prio='NORMAL:-VERS-TLS1.0:-VERS-TLS1.1:-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:%SERVER_PRECEDENCE'
gs_start "$WORK/dual" "$prio" "$c/rsa2048.pem" "$c/ecdsa-p256.pem" ||
    t_bail "cannot start gnutls-serv (RSA + ECDSA)"
mx_at_exit "gs_stop '$WORK/dual'"
gs_start "$WORK/ecdsa" "$prio" "$c/ecdsa-p256.pem" ||
    t_bail "cannot start gnutls-serv (ECDSA)"
mx_at_exit "gs_stop '$WORK/ecdsa'"

# gnutls-cli's and the plugin's names of the groups asked.
names="X25519=X25519 SECP256R1=P-256 SECP384R1=P-384 SECP521R1=P-521 X448=X448"

# gnutls_groups PORT: the TLS 1.2 groups one gnutls-cli handshake per
# group gets, one a line, sorted.
gnutls_groups() {
    local pair out
    for pair in $names; do
        out=$(timeout 10 gnutls-cli --insecure -p "$1" \
            --priority "NORMAL:-VERS-TLS1.3:-GROUP-ALL:+GROUP-${pair%%=*}" \
            127.0.0.1 </dev/null 2>&1)
        grep -q "^- Description: (TLS1\.2-X\.509)-(ECDHE-${pair%%=*})-" <<<"$out" &&
            echo "${pair#*=}"
    done | sort
}

# sclient_groups PORT: the same by openssl s_client with an ECDHE-RSA
# suite.
sclient_groups() {
    local pair g out
    for pair in $names; do
        g=${pair#*=}
        out=$(timeout 10 openssl s_client -connect "127.0.0.1:$1" -tls1_2 \
            -cipher ECDHE-RSA-AES128-GCM-SHA256 -groups "$g" </dev/null 2>&1)
        grep -q '^Server Temp Key: ' <<<"$out" && echo "$g"
    done | sort
}

# plugin_groups OUT: the groups line of the TLSv1.2 section, one a line,
# sorted.
plugin_groups() {
    awk '/^\[/{v=$2} v == "TLSv1.2" && /^  \[[A-Z]+\] groups: /{sub(/^  \[[A-Z]+\] groups: /, ""); print}' <<<"$1" |
        tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep . | sort
}

for srv in dual ecdsa; do
    p=$(gs_port "$WORK/$srv")
    want=$(gnutls_groups "$p")
    t_is "$(wc -l <<<"$want")" 5 "$srv: gnutls-cli, one group at a time, gets the five groups"
    if [ "$srv" = dual ]; then
        t_is "$(sclient_groups "$p")" "$want" "$srv: openssl s_client (ECDHE-RSA), one group at a time, the same"
    fi
    for mode in handshakes raw; do
        extra=()
        [ "$mode" = raw ] && extra=(--raw-only)
        mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -S none -t 60 --parallel 4 --ciphers "${extra[@]}"
        t_is "$RC" 0 "$srv ($mode): OK"
        t_unlike "$LINE1" 'incomplete' "$srv ($mode): a complete table"
        t_is "$(plugin_groups "$OUT")" "$want" "$srv ($mode): the TLS 1.2 groups of the real clients"
    done
done
t_done
