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
# names the smtp_tls_* setting.
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
t_done
