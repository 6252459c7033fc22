#!/bin/bash
# gnutls_serv.sh - the plugins against gnutls-serv (gnutls-bin), TLS from
# the first byte (-S none), with three certificates (RSA, ECDSA P-256,
# Ed25519) and a restricted priority string with server precedence; each
# answer compared with real clients one handshake at a time:
# check_tls_cert finds the three certificates openssl s_client gets key
# type by key type; check_tls_protocol --ciphers finds the TLS 1.2 suites
# of one openssl s_client and one gnutls-cli handshake per suite, the
# TLS 1.3 suites of one s_client per suite, and the priority string's
# order; check_tls_peers predicts what openssl s_client and gnutls-cli
# negotiate, live and from recorded ClientHellos.
#
# gnutls-serv has no option to choose its address: it listens on every
# address of the machine for the time of the test; every connection the
# test makes goes to 127.0.0.1.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/gnutls.sh
. "$MXTLS_SRCDIR/tests/lib/gnutls.sh"
MX_GUARD=120
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
mx_init
mx_require openssl=openssl gnutls-serv=gnutls-bin gnutls-cli=gnutls-bin \
    tcpdump=tcpdump ss=iproute2
mx_certs
c=$CERTS
prio='NORMAL:-VERS-TLS1.0:-VERS-TLS1.1:-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:%SERVER_PRECEDENCE'
gs_start "$WORK/gs" "$prio" "$c/rsa2048.pem" "$c/ecdsa-p256.pem" "$c/ed25519.pem" ||
    t_bail "cannot start gnutls-serv"
mx_at_exit "gs_stop '$WORK/gs'"
p=$(gs_port "$WORK/gs")
H=(-H 127.0.0.1 -p "$p" -S none -t 60)

# Certificates.
want="ECDSA P-256,Ed25519,RSA 2048"
t_is "$(tg_sclient_labels "$p")" "$want" "openssl s_client gets the three certificates"
mx_run "$CHECK_TLS_CERT" "${H[@]}" --require=none --ca-file="$c/ca.pem"
t_is "$RC" 0 "check_tls_cert OK"
t_is "$(tg_labels "$OUT")" "$want" "check_tls_cert finds the three certificates"

# Suites, order.
ossl12=$(tg_openssl_codes "$p" TLSv1.2)
ossl13=$(tg_openssl_codes "$p" TLSv1.3)
gtls12=$(tg_gnutls_codes "$p")
order=$(tg_gnutls_order "$prio")
t_isnt "$ossl12" "" "s_client, one suite at a time, finds TLS 1.2 suites"
t_is "$gtls12" "$ossl12" "gnutls-cli, one suite at a time, finds the same TLS 1.2 suites"
t_is "$(sort <<<"$order")" "$ossl12" "... which are the TLS 1.2 suites of the priority string"
for mode in handshakes raw; do
    extra=()
    [ "$mode" = raw ] && extra=(--raw-only)
    mx_run "$CHECK_TLS_PROTOCOL" "${H[@]}" --parallel 4 --ciphers "${extra[@]}"
    t_is "$RC" 0 "protocol ($mode): OK"
    t_like "$LINE1" '^TLS PROTOCOL OK - TLSv1\.3, TLSv1\.2 accepted' "protocol ($mode): TLSv1.3 and TLSv1.2"
    t_is "$(tg_codes "$OUT" TLSv1.2)" "$ossl12" "protocol ($mode): the TLS 1.2 suites of s_client and gnutls-cli"
    t_is "$(tg_codes "$OUT" TLSv1.3)" "$ossl13" "protocol ($mode): the TLS 1.3 suites of s_client"
    t_like "$(awk '/^\[OK\] TLSv1\.2 accepted/{f=1} f' <<<"$OUT")" '\[OK\] the server.s order decides' \
        "protocol ($mode): TLS 1.2, the server's order"
    t_is "$(tg_order "$OUT" TLSv1.2 | paste -sd' ')" "$(paste -sd' ' <<<"$order")" \
        "protocol ($mode): TLS 1.2 in the order of the priority string"
    t_unlike "$LINE1" 'incomplete' "protocol ($mode): a complete table"
done

# Peers: predictions against real clients' handshakes.
predicted() { # OUT of check_tls_peers -> "VERSION CODE"
    local v s
    read -r v s < <(sed -n 's/^\[OK\] [^:]*: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p' <<<"$1")
    [ -n "${s:-}" ] && echo "$v $(tg_ossl_code "$s")"
}
sclient() { # ARGS... -> "VERSION CODE" that openssl s_client negotiates
    local v s
    read -r v s < <(echo | timeout 10 openssl s_client -connect "127.0.0.1:$p" "$@" 2>/dev/null |
        tg_sclient_result)
    [ -n "${s:-}" ] && echo "$v $(tg_ossl_code "$s")"
}
gnutls() { # PRIORITY -> "VERSION CODE" that gnutls-cli negotiates
    echo | timeout 10 gnutls-cli --insecure -V --port "$p" --priority "$1" 127.0.0.1 2>&1 |
        tg_gnutls_negotiated
}

while IFS='|' read -r name gprio sargs pargs; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086 # word lists on purpose
    {
        real_o=$(sclient $sargs)
        real_g=$(gnutls "$gprio")
        mx_run "$CHECK_TLS_PEERS" "${H[@]}" --peer-name="$name" $pargs
    }
    t_is "$real_g" "$real_o" "$name: gnutls-cli and openssl s_client agree"
    t_is "$(predicted "$OUT")" "$real_o" "$name: predicted = what the real clients negotiate (empty: they fail)"
    if [ -z "$real_o" ]; then
        t_is "$RC" 2 "$name: CRITICAL, as the real clients fail"
    fi
done <<'LIST'
tls12-any|NORMAL:-VERS-TLS1.3|-tls1_2|--peer-protocols=TLSv1.2
tls13-any|NORMAL|-tls1_3|--peer-protocols=TLSv1.3
rsa-aes128|NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509|-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256|--peer-protocols=TLSv1.2 --peer-ciphers=ECDHE-RSA-AES128-GCM-SHA256
ecdsa-chacha|NONE:+VERS-TLS1.2:+ECDHE-ECDSA:+CHACHA20-POLY1305:+AEAD:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509|-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305|--peer-protocols=TLSv1.2 --peer-ciphers=ECDHE-ECDSA-CHACHA20-POLY1305
cbc-only|NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-CBC:+SHA1:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509|-tls1_2 -cipher ECDHE-RSA-AES128-SHA|--peer-protocols=TLSv1.2 --peer-ciphers=ECDHE-RSA-AES128-SHA
old|NORMAL:-VERS-ALL:+VERS-TLS1.1:%VERIFY_ALLOW_SIGN_WITH_SHA1|-tls1_1 -cipher DEFAULT:@SECLEVEL=0|--peer-protocols=TLSv1.1
ed25519-13|NORMAL:-SIGN-ALL:+SIGN-EdDSA-Ed25519|-tls1_3 -sigalgs ed25519|--peer-protocols=TLSv1.3 --peer-sigalgs=ed25519
LIST

# Recorded ClientHellos of the real clients, replayed.
for client in openssl gnutls; do
    mx_capture_start "$WORK/$client.pcap" "$p"
    if [ "$client" = openssl ]; then
        real=$(sclient)
    else
        real=$(gnutls NORMAL)
    fi
    mx_capture_stop
    t_isnt "$real" "" "$client: a handshake"
    mx_run "$CHECK_TLS_PEERS" "${H[@]}" --peer-name="$client" --peer-clienthello="$WORK/$client.pcap"
    t_is "$RC" 0 "$client replayed: the peer negotiates"
    t_is "$(predicted "$OUT")" "$real" "$client replayed: predicted = what $client negotiated"
done

# The contrib peers: the bank's RSA suites (server order: the first of
# them in the priority string's order) and the appliance (CBC only:
# refused here, as openssl s_client configured like it is).
mx_run "$CHECK_TLS_PEERS" "${H[@]}" -f "$MXTLS_SRCDIR/contrib/peers.conf.example"
arz=$(sclient -tls1_2 -cipher "$MX_BANK_SUITES")
appl=$(sclient -tls1_2 -cipher 'ECDHE-RSA-AES128-SHA:AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0' \
    -groups P-256:P-384 -sigalgs 'RSA+SHA256:RSA+SHA1:RSA+SHA384')
t_is "$(predicted "$(grep '^\[OK\] arz: ' <<<"$OUT")")" "$arz" "contrib arz: predicted = openssl s_client"
t_is "$appl" "" "contrib appliance: openssl s_client configured like it fails (CBC only)"
t_like "$OUT" '^\[WARNING\] appliance: ' "contrib appliance: predicted to fail (a warning peer)"
t_done
