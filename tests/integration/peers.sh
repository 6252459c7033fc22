#!/bin/bash
# peers.sh - check_tls_peers against a real Postfix on loopback.
#
# The incident end to end, with the bank's client described three ways
# (its 12 suites and TLSv1.2; a profile learned from a Postfix configured
# like the bank's MX; a ClientHello recorded here with tcpdump): CRITICAL
# with the certificate-type diagnosis against an ECDSA-only service, OK
# against RSA-only and dual services. Real clients (Postfix's smtp client,
# gnutls-cli, swaks) recorded and replayed: the predicted version and
# suite equal what the real client negotiated, read from the Postfix log.
# Each diagnosis class; the profile cache (reuse, stale, missing); bad
# input; thresholds; politeness.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
mx_require tcpdump=tcpdump gnutls-cli=gnutls-bin swaks=swaks \
    Net::SSLeay=libnet-ssleay-perl
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
c=$CERTS
bank_suites=$MX_BANK_SUITES
only12="smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2"
pf_start "$WORK/pf" \
    "0:ecdsa:$c/ecdsa-p256.pem" \
    "0:rsa:$c/rsa2048.pem" \
    "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
    "0:bank:$c/rsa2048.pem:$only12;smtpd_tls_ciphers=medium;tls_medium_cipherlist=$bank_suites" \
    "0:hardened:$c/rsa2048.pem,$c/ecdsa-p256.pem:smtpd_tls_protocols=>=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2;smtpd_tls_ciphers=high;smtpd_tls_mandatory_ciphers=high;smtpd_tls_exclude_ciphers=aNULL, CAMELLIA" \
    "0:curves:$c/rsa2048.pem:tls_eecdh_auto_curves=X25519 prime256v1" \
    "0:ed25519:$c/ed25519.pem" \
    "0:plain:none" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
port() { pf_port "$WORK/pf" "$1"; }
mkdir "$WORK/cache"

# incident NAME ARGS...: the bank described by ARGS against the three
# services: ECDSA only fails with the certificate-type diagnosis, RSA only
# and dual get ECDHE-RSA-AES256-GCM-SHA384.
incident() {
    local how=$1
    shift
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" "$@"
    t_is "$RC" 2 "$how: ECDSA-only server is CRITICAL"
    t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 1 critical peer cannot negotiate: arz \(no RSA certificate\) \|' \
        "$how: the summary names the peer and the cause"
    t_like "$OUT" '^\[CRITICAL\] arz: no shared cipher - the peer offers only RSA-authenticated suites and the server has an ECDSA certificate but no RSA certificate \(with one, ECDHE-RSA-AES256-GCM-SHA384 would match\); add an RSA certificate \(Postfix: smtpd_tls_chain_files with both keys, or smtpd_tls_cert_file/smtpd_tls_key_file beside smtpd_tls_eccert_file\)$' \
        "$how: the diagnosis and the fix"
    for svc in rsa dual; do
        mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port "$svc")" "$@"
        t_is "$RC" 0 "$how: $svc server is OK"
        t_like "$OUT" '^\[OK\] arz: TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384, X25519, RSA 2048, [0-9.]+ ms' \
            "$how: $svc server negotiates ECDHE-RSA-AES256-GCM-SHA384"
    done
}

# 1. the 12 suites and TLSv1.2 from the incident write-up
incident "lists" --peer-name=arz --peer-protocols=TLSv1.2 --peer-ciphers="$bank_suites"

# 2. learned from a Postfix configured like the bank's MX
cat >"$WORK/peers.conf" <<INI
# the bank of the incident, learned from its MX
[arz]
description = the bank (learned)
mx = [127.0.0.1]:$(port bank)
INI
before=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/peers.conf" --cache-dir="$WORK/cache"
t_is "$RC" 0 "learn: OK"
t_like "$LINE1" "^TLS PEERS OK - learned 1 peer into $WORK/cache" "learn: summary"
t_like "$OUT" '^\[OK\] arz: learned from .*: TLSv1\.2; 12 suites' "learn: TLSv1.2 and 12 suites"
t_like "$(cat "$WORK/cache/arz.profile")" '^suites = ' "learn: the profile was written"
learned_conns=$(pf_count "$WORK/pf" 'postfix/bank/smtpd\[[0-9]+\]: connect from' "$before")
t_isnt "$learned_conns" 0 "learn: the bank's MX was probed"
before=$(pf_lines "$WORK/pf")
incident "learned" -f "$WORK/peers.conf" --cache-dir="$WORK/cache"
t_is "$(pf_count "$WORK/pf" 'postfix/bank/smtpd\[[0-9]+\]: connect from' "$before")" 0 \
    "learned: a check never contacts the peer's MX (the cache is reused)"

# 3. a ClientHello recorded here: openssl s_client as the bank's client
mx_capture_start "$WORK/bank.pcap" "$(port dual)"
echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$(port dual)" \
    -starttls smtp -tls1_2 -cipher "$bank_suites" >/dev/null 2>&1
mx_capture_stop
incident "recorded" --peer-name=arz --peer-clienthello="$WORK/bank.pcap"
"$MXTLS_BUILDDIR/tests/fixture/hellodump" -w "$WORK/bank.raw" "$WORK/bank.pcap" >/dev/null 2>&1
od -An -v -tx1 "$WORK/bank.raw" | tr -d ' \n' >"$WORK/bank.hex"
incident "recorded, as hex" --peer-name=arz --peer-clienthello="$WORK/bank.hex"

# Real clients, recorded and replayed: the prediction equals what the
# client negotiated (Postfix logs "TLS connection established from ...:
# VERSION with cipher SUITE").
negotiated() { # SERVICE AFTER -> "VERSION SUITE" of the latest session
    pf_wait_log "$WORK/pf" "postfix/$1/smtpd.*TLS connection established" 1 10 "$2"
    sed -n "$(($2 + 1)),\$p" "$(pf_log "$WORK/pf")" |
        sed -n "s/.*postfix\/$1\/smtpd.*TLS connection established from [^:]*: \(TLSv[0-9.]*\) with cipher \([^ ]*\) .*/\1 \2/p" |
        tail -n 1
}
predicted() { # OUT of check_tls_peers -> "VERSION SUITE"
    sed -n 's/^\[OK\] [^:]*: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p' <<<"$1"
}
replay() { # NAME SERVICE: the capture of a real client, checked
    local name=$1 svc=$2 real
    real=$(negotiated "$svc" "$before")
    t_isnt "$real" "" "$name: Postfix logged the negotiated version and suite"
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port "$svc")" \
        --peer-name="$name" --peer-clienthello="$WORK/$name.pcap"
    t_is "$RC" 0 "$name: replayed, the peer negotiates"
    t_is "$(predicted "$OUT")" "$real" "$name: predicted version and suite = what $name negotiated"
}

before=$(pf_lines "$WORK/pf")
mx_capture_start "$WORK/swaks.pcap" "$(port dual)"
timeout 20 swaks --server "127.0.0.1:$(port dual)" --tls --quit-after TLS >/dev/null 2>&1
mx_capture_stop
replay swaks dual

if command -v gnutls-cli >/dev/null 2>&1; then
    before=$(pf_lines "$WORK/pf")
    mx_capture_start "$WORK/gnutls.pcap" "$(port rsa)"
    timeout 20 gnutls-cli --insecure --starttls-proto=smtp \
        --port "$(port rsa)" 127.0.0.1 </dev/null >/dev/null 2>&1
    mx_capture_stop
    replay gnutls rsa
else
    t_skip "gnutls-cli replay" "gnutls-cli is not installed (gnutls-bin)"
fi

# Postfix's own smtp client, relaying a message to the dual service.
inject=$(pf_free_port)
PF_MAIN_EXTRA="relayhost = [127.0.0.1]:$(port dual)
default_transport = smtp
relay_transport = smtp
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_security_level = may
smtp_tls_loglevel = 1" pf_start "$WORK/client" "$inject:inject:none" ||
    t_bail "cannot start the client Postfix"
mx_at_exit "pf_stop '$WORK/client'"
before=$(pf_lines "$WORK/pf")
mx_capture_start "$WORK/postfix.pcap" "$(port dual)"
timeout 20 swaks --server "127.0.0.1:$inject" --from a@example.test \
    --to b@example.org --quit-after DATA >/dev/null 2>&1
timeout 20 swaks --server "127.0.0.1:$inject" --from a@example.test \
    --to b@example.org >/dev/null 2>&1
pf_wait_log "$WORK/pf" 'postfix/dual/smtpd.*TLS connection established' 1 30 "$before"
mx_capture_stop
replay postfix dual

# Each diagnosis class.
diag() { # NAME SERVICE WHY-REGEX DETAIL-REGEX ARGS...
    local name=$1 svc=$2 why=$3 detail=$4
    shift 4
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port "$svc")" --peer-name="$name" "$@"
    t_is "$RC" 2 "$name: CRITICAL"
    t_like "$LINE1" "cannot negotiate: $name \\($why\\)" "$name: cause in the summary"
    t_like "$OUT" "^\\[CRITICAL\\] $name: $detail" "$name: diagnosis and fix"
}
diag old hardened 'protocol version' \
    'no common protocol version - the peer offers TLSv1\.0, the server refuses it \(its highest is TLSv1\.3\); allow TLSv1\.0 on the server \(Postfix: smtpd_tls_protocols = >=TLSv1,' \
    --peer-protocols=TLSv1.0
diag camellia hardened 'no shared cipher' \
    'no shared cipher - the peer offers CAMELLIA256-SHA and CAMELLIA128-SHA, the server accepts e\.g\. [A-Z0-9-]+; closest: ' \
    --peer-protocols=TLSv1.2 --peer-ciphers=CAMELLIA256-SHA:CAMELLIA128-SHA
diag p384 curves 'no common group' \
    'no common key exchange group - the peer offers P-384 and P-521, the server chose X25519 when offered every group; enable one of the peer.s groups on the server \(Postfix: tls_eecdh_auto_curves\)$' \
    --peer-protocols=TLSv1.2 --peer-ciphers=ECDHE-RSA-AES256-GCM-SHA384 --peer-groups=secp384r1,secp521r1
diag pss ecdsa 'signature algorithm' \
    'no usable signature algorithm - none of the peer.s signature schemes \(rsa_pss_rsae_sha256, rsa_pkcs1_sha256\) can sign with the server.s certificate; add an RSA certificate' \
    --peer-protocols=TLSv1.3 --peer-sigalgs=rsa_pss_rsae_sha256:rsa_pkcs1_sha256
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port plain)" --peer-name=any --peer-protocols=TLSv1.2
t_is "$RC" 2 "no STARTTLS: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - STARTTLS not offered in the EHLO reply' "no STARTTLS: named"
mx_fixture greeting-421 --concurrent --cert "$c/rsa2048.pem"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" --peer-name=any --peer-protocols=TLSv1.2
t_like "$LINE1" '^TLS PEERS CRITICAL - greeting refused service: 421 ' "421: named"
mx_fixture close-on-accept --concurrent --cert "$c/rsa2048.pem"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" --peer-name=any --peer-protocols=TLSv1.2
t_is "$RC" 2 "closed before the greeting: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 127\.0\.0\.1 closed the connection while we waited for the greeting \|' \
    "closed before the greeting: named"
mx_fixture no-greeting --concurrent --cert "$c/rsa2048.pem"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" -t 2 --peer-name=any --peer-protocols=TLSv1.2
t_like "$LINE1" '^TLS PEERS CRITICAL - timeout waiting for the greeting' "no greeting: a timeout within -t"

# Certificate types beyond RSA and ECDSA: an Ed25519-only service serves
# its certificate in TLS 1.2 (with the ECDSA suites) and TLS 1.3, as
# openssl s_client shows one handshake at a time; a peer with RSA suites
# only is told what the server has.
for v in tls1_2 tls1_3; do
    sc=$(echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$(port ed25519)" \
        -starttls smtp -"$v" 2>&1)
    t_like "$sc" '^Peer signature type: [Ee][Dd]25519' "ed25519 service: s_client -$v sees an Ed25519 signature"
done
t_like "$sc" 'New, TLSv1\.3, Cipher is TLS_' "ed25519 service: TLS 1.3 with it"
diag arz-ed ed25519 'no RSA certificate' \
    'no shared cipher - the peer offers only RSA-authenticated suites and the server has an Ed25519 certificate but no RSA certificate \(with one, ECDHE-RSA-AES256-GCM-SHA384 would match\); add an RSA certificate \(Postfix: ' \
    --peer-protocols=TLSv1.2 --peer-ciphers="$bank_suites"

# RSA key transport suites need an RSA certificate, whatever ciphers the
# server enables: AES128-SHA (enabled with ECDSA as ECDHE-ECDSA-AES128-SHA)
# and DES-CBC3-SHA (not in this OpenSSL at all).
diag kt-aes ecdsa 'no RSA certificate' \
    'no shared cipher - the peer offers only RSA key transport suites \(AES128-SHA and AES256-SHA\), which need an RSA certificate \(the server decrypts the premaster secret with its RSA key\), and the server has an ECDSA certificate but no RSA certificate \(with one, AES128-SHA would match\); add an RSA certificate \(Postfix: [^)]*\)$' \
    --peer-protocols=TLSv1.2 --peer-ciphers=AES128-SHA:AES256-SHA
diag kt-3des ecdsa 'no RSA certificate' \
    'no shared cipher - the peer offers only RSA key transport suites \(DES-CBC3-SHA\), which need an RSA certificate \(the server decrypts the premaster secret with its RSA key\), and the server has an ECDSA certificate but no RSA certificate; add an RSA certificate \(Postfix: [^)]*\), and enable one of the peer.s suites on the server \(Postfix: smtpd_tls_ciphers, [^)]*\): the server refuses the peer.s ciphers with the certificates it has too$' \
    --peer-protocols=TLSv1.2 --peer-ciphers=DES-CBC3-SHA

# Several peers from one file, severities and thresholds.
cat >"$WORK/many.conf" <<INI
[arz]
severity = critical
protocols = TLSv1.2
ciphers = $bank_suites

[old]
severity = warning
protocols = TLSv1.0

[modern]
INI
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/many.conf"
t_is "$RC" 2 "file: a failing critical peer is CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 2 critical peers cannot negotiate: arz \(no RSA certificate\) \| old_time=[0-9.]+s modern_time=[0-9.]+s peers_ok=2;;;0 peers_failed=1;;;0 peers_total=3;;;0 peer_time_max=[0-9.]+s time=[0-9.]+s connections=[0-9]+$' \
    "file: summary and perfdata"
max=$(sed -n 's/.*peer_time_max=\([0-9.]*\)s.*/\1/p' <<<"$LINE1")
t_is "$(awk -v l="$LINE1" -v m="$max" 'BEGIN {
    n = split(l, w, " "); best = -1
    for (i = 1; i <= n; i++) if (w[i] ~ /^(old|modern)_time=/) {
        sub(/^[a-z]+_time=/, "", w[i]); sub(/s$/, "", w[i])
        if (w[i] + 0 > best) best = w[i] + 0 }
    print (best == m + 0) ? "slowest" : "not the slowest" }')" slowest \
    "file: peer_time_max is the slowest working peer's time"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/many.conf" --perfdata-peers=2
t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 2 critical peers cannot negotiate: arz \(no RSA certificate\) \| peers_ok=2;;;0 peers_failed=1;;;0 peers_total=3;;;0 peer_time_max=[0-9.]+s time=' \
    "--perfdata-peers=2, 3 peers: the totals only"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/many.conf" --perfdata-peers=1001
t_like "$LINE1" '^TLS PEERS UNKNOWN - --perfdata-peers' "--perfdata-peers above 1000 is a usage error"
t_is "$RC" 3 "--perfdata-peers=1001: UNKNOWN"
for i in $(seq 1 11); do printf '[p%02d]\n' "$i"; done >"$WORK/eleven.conf"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port dual)" -f "$WORK/eleven.conf"
t_like "$LINE1" '^TLS PEERS OK - 11 of 11 peers negotiate \| peers_ok=11;;;0 peers_failed=0;;;0 peers_total=11;;;0 peer_time_max=[0-9.]+s time=[0-9.]+s connections=1$' \
    "11 peers: no per-peer perfdata by default (10 at most)"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port dual)" -f "$WORK/eleven.conf" --perfdata-peers=11
t_is "$(grep -o 'p[0-9][0-9]_time=' <<<"$LINE1" | wc -l)" 11 "--perfdata-peers=11: each peer's time"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port hardened)" -f "$WORK/many.conf" --peer=old,modern
t_is "$RC" 1 "file: only a failing warning peer is WARNING"
t_like "$LINE1" '^TLS PEERS WARNING - 1 of 1 warning peer cannot negotiate: old \(protocol version\)' "file: --peer selects"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port hardened)" -f "$WORK/many.conf" --peer=old --peer=modern
t_like "$LINE1" '^TLS PEERS WARNING - 1 of 1 warning peer cannot negotiate: old \(protocol version\) \| modern_time=' \
    "file: repeated --peer add up"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port hardened)" -f "$WORK/many.conf" --peer=
t_like "$LINE1" '^TLS PEERS UNKNOWN - --peer: empty list$' "file: --peer with an empty list"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/many.conf" -w 0 -c 5
t_is "$RC" 1 "-w 0 -c 5: one failing peer is WARNING"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/many.conf" -w 5 -c 10
t_is "$RC" 0 "-w 5 -c 10: one failing peer is OK"
t_like "$LINE1" 'peers_failed=1;5;10;0' "thresholds in the perfdata"

# Many failing peers: grouped by cause, at most three names per cause in
# the first line, every peer in the long output.
{
    for i in 1 2 3 4 5; do
        printf '[bank%d]\nprotocols = TLSv1.2\nciphers = %s\n\n' "$i" "$bank_suites"
    done
    printf '[pss]\nprotocols = TLSv1.3\nsigalgs = rsa_pss_rsae_sha256:rsa_pkcs1_sha256\n\n'
    printf '[camellia]\nseverity = warning\nprotocols = TLSv1.2\nciphers = CAMELLIA256-SHA\n'
} >"$WORK/group.conf"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/group.conf"
t_is "$RC" 2 "grouped: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 6 of 6 critical peers cannot negotiate: bank1, bank2, bank3 and 2 more \(no RSA certificate\); pss \(signature algorithm\); 1 of 1 warning peer cannot negotiate: camellia \(no RSA certificate\) \|' \
    "grouped: causes in order, three names and a count"
t_is "$(printf '%s\n' "$OUT" | grep -c '^\[CRITICAL\] bank[0-9]: ')" 5 "grouped: every peer in the long output"

# Politeness: a peer that is fine gets a full handshake, EHLO and QUIT.
before=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" --peer-name=arz --peer-protocols=TLSv1.2 --peer-ciphers="$bank_suites"
pf_wait_log "$WORK/pf" 'postfix/rsa/smtpd.*disconnect from' 1 10 "$before"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd.*disconnect from .* ehlo=2 starttls=1 quit=1 commands=4' "$before")" 1 \
    "a peer that is fine: one session with EHLO over TLS and QUIT"
t_is "$(pf_count "$WORK/pf" 'postfix/rsa/smtpd.*(TLS library problem|SSL_accept error)' "$before")" 0 \
    "a peer that is fine: no TLS error in the server log"
t_unlike "$OUT" 'server log:' "a peer that is fine: no refused handshake reported"

# The server's log for a failing peer: its own refusal and the ones the
# diagnosis needs (no RSA certificate: the probe with every RSA suite, and
# the peer's ciphers with the server's certificates when those are not
# enabled either; a protocol version: the probe with the peer's versions;
# a group, a signature scheme or a cipher: none); the other probes
# complete (EHLO, QUIT). The long output counts what the log shows.
failing() { # NAME SERVICE REFUSALS PROBES ARGS...
    local name=$1 svc=$2 want=$3 probes=$4 errs
    shift 4
    before=$(pf_lines "$WORK/pf")
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port "$svc")" --peer-name="$name" "$@"
    pf_wait_log "$WORK/pf" "postfix/$svc/smtpd.*disconnect from" "$probes" 10 "$before"
    errs=$(pf_count "$WORK/pf" "postfix/$svc/smtpd.*SSL_accept error" "$before")
    t_is "$errs" "$want" "$name: $want refused handshakes in the server's log"
    t_like "$OUT" "^\\[OK\\] server log: $want of this run's $probes handshakes refused by the server or cut short \\(each leaves an error there\\)\$" \
        "$name: the long output counts them"
    t_is "$(pf_count "$WORK/pf" "postfix/$svc/smtpd.*disconnect from .* ehlo=2 starttls=1 quit=1 commands=4" "$before")" \
        "$((probes - want))" "$name: every other probe is a normal session"
    printf '# %s: %s log lines with TLS errors\n' "$name" \
        "$(pf_count "$WORK/pf" "postfix/$svc/smtpd.*(SSL_accept error|TLS library problem)" "$before")"
}
failing bank-ecdsa ecdsa 2 4 --peer-protocols=TLSv1.2 --peer-ciphers="$bank_suites"
failing bank-ed25519 ed25519 2 4 --peer-protocols=TLSv1.2 --peer-ciphers="$bank_suites"
failing p384 curves 1 4 --peer-protocols=TLSv1.2 --peer-ciphers=ECDHE-RSA-AES256-GCM-SHA384 --peer-groups=secp384r1,secp521r1
failing old hardened 2 3 --peer-protocols=TLSv1.0
failing kt-3des ecdsa 3 4 --peer-protocols=TLSv1.2 --peer-ciphers=DES-CBC3-SHA
failing camellia hardened 1 4 --peer-protocols=TLSv1.2 --peer-ciphers=CAMELLIA256-SHA:CAMELLIA128-SHA
failing pss ecdsa 1 3 --peer-protocols=TLSv1.3 --peer-sigalgs=rsa_pss_rsae_sha256:rsa_pkcs1_sha256

# The profile cache: missing and stale profiles.
cat >"$WORK/nomx.conf" <<INI
[gone]
mx = [127.0.0.1]:$(port bank)
INI
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" -f "$WORK/nomx.conf" --cache-dir="$WORK/cache"
t_is "$RC" 3 "missing profile: UNKNOWN"
t_like "$OUT" "^\\[UNKNOWN\\] gone: no learned profile in $WORK/cache; run: $MXTLS_PLUGINDIR/check_tls_peers --learn -f $WORK/nomx.conf --cache-dir=$WORK/cache --peer=gone\$" \
    "missing profile: says how to learn it"
echo "not a profile" >"$WORK/cache/gone.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" -f "$WORK/nomx.conf" --cache-dir="$WORK/cache"
t_is "$RC" 3 "unusable profile: UNKNOWN"
t_like "$LINE1" '^TLS PEERS UNKNOWN - gone \(unusable profile\) \|' "unusable profile: in the summary"
t_like "$OUT" "^\\[UNKNOWN\\] gone: .*gone\\.profile" "unusable profile: the file is named"
rm -f "$WORK/cache/gone.profile"
sed -i 's/^learned = .*/learned = 2020-01-01T00:00:00Z/' "$WORK/cache/arz.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" -f "$WORK/peers.conf" --cache-dir="$WORK/cache"
t_is "$RC" 1 "stale profile: WARNING"
t_like "$OUT" '^\[WARNING\] arz: profile learned [0-9]+ days ago \(max-age 30 days\); refresh: '"$MXTLS_PLUGINDIR"'/check_tls_peers --learn' \
    "stale profile: says how to refresh it"
t_like "$OUT" '^\[OK\] arz: TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384' "stale profile: still checked"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" -f "$WORK/peers.conf" --cache-dir="$WORK/cache" --max-age=3650d
t_is "$RC" 0 "--max-age=3650d: not stale"
sed -i "s/^learned = .*/learned = $(date -u -d '-150 seconds' +%Y-%m-%dT%H:%M:%SZ)/" "$WORK/cache/arz.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" -f "$WORK/peers.conf" --cache-dir="$WORK/cache" --max-age=60
t_like "$OUT" '^\[WARNING\] arz: profile learned 1[5-9][0-9] s ago \(max-age 1 min\); refresh: ' \
    "stale profile: short spans in seconds and minutes"

# Peers that cannot be checked stay in the summary beside failing ones.
cat >"$WORK/mixed.conf" <<INI
[arz]
protocols = TLSv1.2
ciphers = $bank_suites

[gone]
mx = [127.0.0.1]:$(port bank)

[old]
mx = [127.0.0.1]:$(port bank)
INI
cp "$WORK/cache/arz.profile" "$WORK/old.profile"
mkdir -p "$WORK/mixed-cache"
sed -e 's/^peer = .*/peer = old/' -e 's/^learned = .*/learned = 2020-01-01T00:00:00Z/' \
    "$WORK/old.profile" >"$WORK/mixed-cache/old.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port ecdsa)" -f "$WORK/mixed.conf" --cache-dir="$WORK/mixed-cache"
t_is "$RC" 2 "failing and unchecked peers: CRITICAL (the worst)"
t_like "$LINE1" '^TLS PEERS CRITICAL - 2 of 2 critical peers cannot negotiate: arz, old \(no RSA certificate\); not checked, no usable profile: gone; stale profile: old \|' \
    "failing and unchecked peers: all named in the summary"

# Bad input: one line, UNKNOWN, nothing written.
bad() { # REGEX ARGS...
    local regex=$1
    shift
    mx_run "$CHECK_TLS_PEERS" "$@"
    t_is "$RC" 3 "bad input: $*"
    t_is "$(printf '%s\n' "$OUT" | wc -l)" 1 "bad input, one line: $*"
    t_like "$LINE1" "^TLS PEERS UNKNOWN - $regex" "bad input, message: $*"
}
printf '[ok]\nprotocols = TLSv1.2\nciphers = NOT-A-SUITE\n' >"$WORK/bad1.conf"
bad "$WORK/bad1.conf:3: .*NOT-A-SUITE" -H 127.0.0.1 -f "$WORK/bad1.conf"
printf 'protocols = TLSv1.2\n' >"$WORK/bad2.conf"
bad "$WORK/bad2.conf:1: " -H 127.0.0.1 -f "$WORK/bad2.conf"
printf '[a]\nfrobnicate = yes\n' >"$WORK/bad3.conf"
bad "$WORK/bad3.conf:2: .*frobnicate" -H 127.0.0.1 -f "$WORK/bad3.conf"
bad ".*$WORK/none.conf" -H 127.0.0.1 -f "$WORK/none.conf"
head -c 100 /dev/urandom >"$WORK/garbage.pcap"
bad ".*garbage.pcap" -H 127.0.0.1 --peer-clienthello="$WORK/garbage.pcap"
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00' >"$WORK/short.pcap"
bad ".*short.pcap" -H 127.0.0.1 --peer-clienthello="$WORK/short.pcap"
echo "16 03 01 00 05 02 00 00 01 00" >"$WORK/nothello.hex"
bad ".*(not a ClientHello|ClientHello)" -H 127.0.0.1 --peer-clienthello="$WORK/nothello.hex"
bad "--peer-ciphers: .*FOO-BAR" -H 127.0.0.1 --peer-ciphers=FOO-BAR
bad "--peer-protocols: .*TLSv9" -H 127.0.0.1 --peer-protocols=TLSv9
bad "--peer: no peer 'nobody' in the file" -H 127.0.0.1 -f "$WORK/many.conf" --peer=nobody
bad "no peers: " -H 127.0.0.1
bad "--max-age: 'soon' is not a duration" -H 127.0.0.1 -f "$WORK/many.conf" --max-age=soon
ls "$WORK/cache" >"$WORK/cache.before"
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/bad1.conf" --cache-dir="$WORK/cache"
t_is "$RC" 3 "--learn with a bad peers file: UNKNOWN"
t_is "$(ls "$WORK/cache")" "$(cat "$WORK/cache.before")" "--learn with a bad peers file: nothing written"
before=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/peers.conf" --cache-dir="$WORK/no-such-dir"
t_is "$RC" 3 "--learn into a missing cache directory: UNKNOWN"
t_like "$LINE1" "^TLS PEERS UNKNOWN - cannot write to cache directory $WORK/no-such-dir: No such file or directory \\|" \
    "--learn into a missing cache directory: named"
t_is "$(pf_count "$WORK/pf" 'postfix/bank/smtpd\[[0-9]+\]: connect from' "$before")" 0 \
    "--learn into a missing cache directory: no peer is probed"
bad "--learn needs a peers file \\(-f\\)" --learn
bad "--learn needs a peers file \\(-f\\)" --learn --peer-ciphers=AES128-SHA
bad "--learn takes no -H" --learn -H 127.0.0.1 -f "$WORK/peers.conf"
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/mixed.conf" --peer=arz --cache-dir="$WORK/cache"
t_is "$RC" 3 "--learn with --peer naming no mx peer: UNKNOWN"
t_like "$LINE1" "^TLS PEERS UNKNOWN - none of the peers chosen with --peer \\(arz\\) is given by 'mx =': nothing to learn" \
    "--learn with --peer naming no mx peer: named"

t_done
