#!/bin/bash
# opensmtpd.sh - check_tls_peers against a real private OpenSMTPD 6.8.0p2
# (Debian 12's, unpacked from its .deb: tests/lib/opensmtpd.sh).
#
# Linked with OpenSSL 3, that OpenSMTPD cannot use its certificate, RSA or
# ECDSA: it fails every TLS handshake with alert internal_error (its log
# says "EVP lib" or "internal error"). The real clients (openssl s_client
# with TLS 1.2 and TLS 1.3, gnutls-cli, swaks) fail one handshake at a
# time, and check_tls_peers must say so once, in its first line, CRITICAL:
# the server fails every handshake, not N per-peer mismatches such as "add
# an ECDSA certificate" or "no common key exchange group". Peers offered by
# the OpenSSL engine, by a raw ClientHello (a TLS 1.3 ServerHello comes
# before the failing signature) and as recordings of the real clients all
# get that verdict, with one connection per peer and one control
# handshake, which the server's log counts.
#
# A working OpenSMTPD (a good certificate, predictions against real
# clients' successful handshakes) cannot be tested with this package:
# no key it can load completes a handshake (see tests/lib/opensmtpd.sh).
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/opensmtpd.sh
. "$MXTLS_SRCDIR/tests/lib/opensmtpd.sh"
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
mx_init
if [ "$(id -u)" != 0 ]; then
    t_skip_all "OpenSMTPD tests need root"
fi
mx_certs
mx_require tcpdump=tcpdump gnutls-cli=gnutls-bin swaks=swaks \
    Net::SSLeay=libnet-ssleay-perl unshare=util-linux dpkg-deb=dpkg
missing=$(os_missing)
if [ -n "$missing" ]; then
    while IFS= read -r m; do
        t_fail "${m%%=*} is missing: ${m#*=}"
    done <<<"$missing"
    t_done
fi

for key in rsa2048 ecdsa-p256; do
    os_start "$WORK/$key" "$CERTS/$key.pem" || t_bail "cannot start OpenSMTPD ($key)"
    mx_at_exit "os_stop '$WORK/$key'"
done
port() { os_port "$WORK/$1"; }
log() { os_log "$WORK/$1"; }
lines() { wc -l <"$(log "$1")"; }
# sessions KEY AFTER: the sessions smtpd has ended since line AFTER of its
# log, once the count holds still (its processes write it as they go).
sessions() {
    local n prev=-1 i
    for ((i = 0; i < 50; i++)); do
        n=$(tail -n +"$(($2 + 1))" "$(log "$1")" | grep -c 'smtp disconnected reason=')
        [ "$n" = "$prev" ] && break
        prev=$n
        sleep 0.2
    done
    echo "$n"
}
bank=$MX_BANK_SUITES
first='^TLS PEERS CRITICAL - server fails every TLS handshake \(alert internal_error\), even ones it should accept: check its certificate/key configuration \|'
tail='and a handshake offering every version from TLSv1\.0 to TLSv1\.3 and every suite, group and signature scheme of this OpenSSL, which a working server accepts by its own choice, failed too; no handshake of this run completed, so this is no mismatch of the peer.s: check the server.s certificate and key configuration \(its log names the error\)$'
each="the server fails every TLS handshake \\(alert internal_error\\), whatever is offered: this peer.s offer got \"server sent alert internal_error\", $tail"

for key in rsa2048 ecdsa-p256; do
    p=$(port "$key")
    # The real clients, one handshake at a time: every one fails.
    for v in tls1_2 tls1_3; do
        sc=$(echo QUIT | timeout 20 openssl s_client -connect "127.0.0.1:$p" \
            -starttls smtp -"$v" 2>&1)
        t_like "$sc" 'alert internal error.*SSL alert number 80' \
            "$key: openssl s_client -$v gets alert internal_error"
    done
    gc=$(timeout 20 gnutls-cli --insecure --starttls-proto=smtp --port "$p" \
        127.0.0.1 </dev/null 2>&1)
    t_like "$gc" '(Internal error|internal error)' "$key: gnutls-cli gets alert internal_error"
    sw=$(timeout 20 swaks --server "127.0.0.1:$p" --tls --quit-after TLS 2>&1)
    t_like "$sw" '(TLS startup failed|internal error)' "$key: swaks cannot start TLS"
    t_like "$(cat "$(log "$key")")" 'smtp disconnected reason="io-error: error:[0-9A-F]+:SSL routines::(EVP lib|internal error)"' \
        "$key: smtpd logs its own TLS failure"

    # The bank of the incident (TLS 1.2, 12 RSA suites): the server, once.
    # With the RSA certificate its handshake fails (then one control
    # handshake); with the ECDSA one the server refuses its RSA suites
    # (handshake_failure, rightly), the diagnosis's first probe fails,
    # and then the control.
    case $key in
    rsa2048) conns=2 got='server sent alert internal_error' ;;
    *) conns=3 got='server sent alert handshake_failure' ;;
    esac
    before=$(lines "$key")
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$p" -t 20 --peer-name=arz \
        --peer-protocols=TLSv1.2 --peer-ciphers="$bank"
    t_is "$RC" 2 "$key, bank: CRITICAL"
    t_like "$LINE1" "$first" "$key, bank: the first line names the server's failure"
    t_like "$LINE1" " connections=$conns\$" "$key, bank: $conns connections"
    t_like "$OUT" "^\\[CRITICAL\\] arz: the server fails every TLS handshake \\(alert internal_error\\), whatever is offered: this peer.s offer got \"$got\", $tail" \
        "$key, bank: the long output says why it is the server"
    t_unlike "$OUT" '(add an (RSA|ECDSA) certificate|no usable signature|no common key exchange group|no shared cipher)' \
        "$key, bank: no per-peer mismatch is named"
    t_is "$(sessions "$key" "$before")" "$conns" "$key, bank: smtpd's log has $conns sessions"
done

# Several peers, severities mixed, engines mixed: one first line,
# CRITICAL; each peer in the long output; one connection per peer and
# one control. The TLS 1.3 peer listing brainpoolP256r1tls13 first is
# sent as a raw ClientHello (OpenSSL 3.0 has no such TLS 1.3 group):
# OpenSMTPD answers it with a ServerHello before it fails to sign.
cat >"$WORK/peers.conf" <<INI
[arz]
severity = critical
protocols = TLSv1.2
ciphers = $bank

[appliance]
severity = warning
protocols = TLSv1.2, TLSv1.1, TLSv1
ciphers = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 0x002F, C0,14
groups = P-256 P-384

[modern]
protocols = TLSv1.3
groups = X25519

[brainpool]
severity = warning
protocols = TLSv1.3
groups = brainpoolP256r1tls13 X25519
INI
before=$(lines rsa2048)
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa2048)" -t 20 -f "$WORK/peers.conf"
t_is "$RC" 2 "four peers: CRITICAL"
t_like "$LINE1" "$first" "four peers: one first line about the server"
t_like "$LINE1" ' connections=5$' "four peers: four handshakes and one control"
t_is "$(sessions rsa2048 "$before")" 5 "four peers: smtpd's log has 5 sessions"
for peer in arz modern; do
    t_like "$OUT" "^\\[CRITICAL\\] $peer: $each" "four peers: $peer, the server's failure"
done
t_like "$OUT" "^\\[WARNING\\] appliance: $each" "four peers: appliance (a warning peer) too"
t_like "$OUT" "^\\[WARNING\\] brainpool: the server answered this peer.s ClientHello with a TLSv1\\.3 ServerHello \\(TLS_AES_[0-9A-Z_]+\\), which is as far as a raw ClientHello reads, but it fails every TLS handshake \\(alert internal_error\\), $tail" \
    "four peers: the raw ServerHello is not taken for a handshake"
t_unlike "$OUT" '^\[OK\] [a-z]+:' "four peers: none is said to negotiate"
t_like "$OUT" '^\[OK\] server log: 5 of this run.s 5 handshakes refused by the server or cut short' \
    "four peers: the long output counts the 5 failed handshakes"

# Real clients recorded and replayed: the prediction is what they got.
replay() { # NAME: the capture WORK/NAME.pcap of a real client
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa2048)" -t 20 \
        --peer-name="$1" --peer-clienthello="$WORK/$1.pcap"
    t_is "$RC" 2 "$1 replayed: CRITICAL, as the real $1 failed"
    t_like "$LINE1" "$first" "$1 replayed: the server's failure"
}
mx_capture_start "$WORK/swaks.pcap" "$(port rsa2048)"
timeout 20 swaks --server "127.0.0.1:$(port rsa2048)" --tls --quit-after TLS >/dev/null 2>&1
mx_capture_stop
replay swaks
mx_capture_start "$WORK/gnutls.pcap" "$(port rsa2048)"
timeout 20 gnutls-cli --insecure --starttls-proto=smtp --port "$(port rsa2048)" \
    127.0.0.1 </dev/null >/dev/null 2>&1
mx_capture_stop
replay gnutls
# GnuTLS sends key shares for P-256 and X25519, OpenSSL 3.0 one only: the
# recording itself is sent, and its TLS 1.3 ServerHello is no handshake.
t_like "$OUT" '^\[CRITICAL\] gnutls: the server answered this peer.s ClientHello with a TLSv1\.3 ServerHello ' \
    "gnutls replayed: its recording is sent as it is"
mx_capture_start "$WORK/openssl.pcap" "$(port rsa2048)"
echo QUIT | timeout 20 openssl s_client -connect "127.0.0.1:$(port rsa2048)" \
    -starttls smtp >/dev/null 2>&1
mx_capture_stop
replay openssl
t_like "$OUT" '^\[CRITICAL\] openssl: the server fails every TLS handshake \(alert internal_error\), whatever is offered: this peer.s offer got "server sent alert internal_error"' \
    "openssl replayed: re-created by the linked OpenSSL, the same hello"

t_done
