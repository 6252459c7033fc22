#!/bin/bash
# peers_example.sh - contrib/peers.conf.example works when it is copied,
# alone, to where a peers file goes: check_tls_peers -f loads it and
# checks its peers against a real Postfix: OK against RSA + ECDSA,
# CRITICAL for the bank against ECDSA only. Its optional [partner] peer,
# uncommented without its recording, makes the file UNKNOWN naming the
# missing file, as the example's comment says.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
c=$CERTS
pf_start "$WORK/pf" \
    "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
    "0:ecdsa:$c/ecdsa-p256.pem" || t_bail "cannot start Postfix"
port() { pf_port "$WORK/pf" "$1"; }

etc=$WORK/etc/mxtls
mkdir -p "$etc"
cp "$MXTLS_SRCDIR/contrib/peers.conf.example" "$etc/peers.conf"
t_is "$(ls -A "$etc")" "peers.conf" "the example is alone in its directory"

mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port dual)" -f "$etc/peers.conf"
t_is "$RC" 0 "RSA + ECDSA: the example as it is: OK"
t_like "$LINE1" '^TLS PEERS OK - 2 of 2 peers negotiate' "RSA + ECDSA: both active peers checked"
t_like "$OUT" '^\[OK\] arz: TLSv1\.2 ' "RSA + ECDSA: the bank negotiates TLSv1.2"
t_like "$OUT" '^\[OK\] appliance: TLSv1\.2 ' "RSA + ECDSA: the appliance negotiates TLSv1.2"
t_is "$ERR" "" "RSA + ECDSA: nothing on stderr"

mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$etc/peers.conf"
t_is "$RC" 2 "ECDSA only: the example as it is: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - .*arz \(no RSA certificate\)' \
    "ECDSA only: the bank gets no RSA certificate"

# The optional peers, uncommented as the comments say.
sed 's/^#\([^ ]\)/\1/' "$MXTLS_SRCDIR/contrib/peers.conf.example" >"$etc/peers.conf"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port dual)" -f "$etc/peers.conf"
t_is "$RC" 3 "[partner] uncommented without its recording: UNKNOWN"
t_like "$LINE1" 'partner-clienthello\.hex' "... naming the missing recording"
t_done
