#!/bin/bash
# outbound.sh - the other direction: will our Postfix's smtp client
# negotiate with a peer's MX? Predicted by common/outbound.c from our
# client's recording (the client library's Postfix variants) and the MX
# profile that check_tls_peers --learn wrote, then compared with the real
# Postfix smtp client delivering to that MX.
#
# The peers' MX are Postfix services on loopback: the incident's bank
# (RSA certificate only, TLS 1.2 only, its 12 suites), a TLS 1.3-only
# one, and one with TLS 1.2 and four CBC suites only. Each of our client
# variants (defaults, TLS 1.2+, TLS 1.3 only, hardened) delivers to each;
# the version and suite Postfix logged equal the prediction, and a
# delivery without a TLS session is a failed prediction whose diagnosis
# names the smtp_tls_* setting. The same through check_tls_peers
# --our-client, from the cache alone.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
mx_require swaks=swaks Net::SSLeay=libnet-ssleay-perl
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
DUMP=$MXTLS_BUILDDIR/tests/fixture/outbounddump
RECORD=$MXTLS_SRCDIR/tools/record-clients.sh
export MXTLS_CLIENTS_DIR=${MXTLS_CLIENTS_DIR:-$MXTLS_SRCDIR/data/clients}
c=$CERTS
only12="smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2"
pf_start "$WORK/pf" \
    "0:bank:$c/rsa2048.pem:$only12;smtpd_tls_ciphers=medium;tls_medium_cipherlist=$MX_BANK_SUITES" \
    "0:tls13:$c/rsa2048.pem,$c/ecdsa-p256.pem:smtpd_tls_protocols=>=TLSv1.3;smtpd_tls_mandatory_protocols=>=TLSv1.3" \
    "0:cbc12:$c/rsa2048.pem:$only12;smtpd_tls_ciphers=medium;tls_medium_cipherlist=AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES256-SHA256" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"

# The peers' MX learned as servers, into the cache.
mkdir "$WORK/cache"
for svc in bank tls13 cbc12; do
    printf '[%s]\nmx = [127.0.0.1]:%s\n' "$svc" "$(pf_port "$WORK/pf" "$svc")"
done >"$WORK/peers.conf"
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/peers.conf" --cache-dir="$WORK/cache"
t_is "$RC" 0 "the three MX are learned"
t_like "$OUT" '\[OK\] bank: learned from .*: TLSv1\.2; 12 suites' "bank: TLS 1.2 and its 12 suites"
t_like "$OUT" '\[OK\] tls13: learned from .*: TLSv1\.3;' "tls13: TLS 1.3 only"

# real SERVICE AFTER: "VERSION SUITE" Postfix logged for the first session
# after log line AFTER, or "none"
real() {
    local got
    got=$(sed -n "$(($2 + 1)),\$p" "$(pf_log "$WORK/pf")" |
        sed -n "s/.*postfix\/$1\/smtpd.*TLS connection established from [^:]*: \(TLSv[0-9.]*\) with cipher \([^ ]*\) .*/\1 \2/p" |
        head -n 1)
    echo "${got:-none}"
}
for svc in bank tls13 cbc12; do
    port=$(pf_port "$WORK/pf" "$svc")
    for ours in postfix-default postfix-tls12 postfix-tls13 postfix-hardened; do
        before=$(pf_lines "$WORK/pf")
        bash "$RECORD" -s "$port" -c "$CERTS" "$ours" >"$WORK/run.out" 2>&1
        pf_wait_log "$WORK/pf" "postfix/$svc/smtpd.*disconnect from" 1 10 "$before"
        got=$(real "$svc" "$before")
        pred=$("$DUMP" "$ours" "$WORK/cache" "$svc" 2>&1)
        verdict=$(sed -n 's/^verdict: //p' <<<"$pred")
        if [ "$verdict" = ok ]; then
            said="$(sed -n 's/^version: //p' <<<"$pred") $(sed -n 's/^suite: //p' <<<"$pred")"
        else
            said=none
        fi
        t_is "$said" "$got" "$ours -> $svc: predicted ($verdict) as the real Postfix client got ($got)"
        if [ "$got" = none ]; then
            t_like "$pred" '^why: no common protocol version - .*; allow TLSv1\.[23] on our client \(Postfix: smtp_tls_protocols' \
                "$ours -> $svc: the diagnosis names smtp_tls_protocols"
        fi
    done
done

# The same through the plugin: check_tls_peers -f --our-client, from the
# cache alone (no connection to the peers' MX).
before=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_PEERS" -f "$WORK/peers.conf" --cache-dir="$WORK/cache" --our-client=postfix-default
t_is "$RC" 0 "--our-client=postfix-default: OK"
t_like "$LINE1" '^TLS PEERS OK - our client \(postfix-default\) negotiates with the MX of 3 of 3 peers' \
    "--our-client: the summary"
t_like "$OUT" '^\[OK\] bank: our client gets TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384, X25519 .* from its MX \[127\.0\.0\.1\]:' \
    "--our-client: what our client gets from the bank's MX"
mx_run "$CHECK_TLS_PEERS" -f "$WORK/peers.conf" --cache-dir="$WORK/cache" \
    --our-client="$MXTLS_CLIENTS_DIR/postfix-tls13.hex"
t_is "$RC" 2 "--our-client with a TLS 1.3-only recording: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - bank \(no common protocol version\); cbc12 \(no common protocol version\)' \
    "--our-client: the summary names the MX our client cannot reach"
t_like "$OUT" '^\[CRITICAL\] bank: our client cannot deliver to its MX \[127\.0\.0\.1\]:[0-9]+: no common protocol version - our client offers TLSv1\.3, their MX accepts TLSv1\.2; allow TLSv1\.2 on our client \(Postfix: smtp_tls_protocols' \
    "--our-client: the diagnosis names smtp_tls_protocols"
t_like "$OUT" '^\[OK\] tls13: our client gets TLSv1\.3 ' "--our-client: the TLS 1.3-only MX is fine"
t_is "$(pf_count "$WORK/pf" 'smtpd\[[0-9]+\]: connect from' "$before")" 0 \
    "--our-client contacts no MX"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -f "$WORK/peers.conf" --our-client=postfix-default
t_is "$RC" 3 "--our-client with -H: UNKNOWN"
t_like "$LINE1" "^TLS PEERS UNKNOWN - --our-client checks the peers' MX" "--our-client with -H: why"
rm "$WORK/cache/cbc12.profile"
mx_run "$CHECK_TLS_PEERS" -f "$WORK/peers.conf" --cache-dir="$WORK/cache" --our-client=postfix-default
t_is "$RC" 3 "--our-client, a profile missing: UNKNOWN"
t_like "$OUT" '^\[UNKNOWN\] cbc12: no learned profile of its MX in .*; run: .*check_tls_peers --learn ' \
    "--our-client, a profile missing: the command that learns it"
t_done
