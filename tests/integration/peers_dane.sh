#!/bin/bash
# peers_dane.sh - check_tls_peers for peers that authenticate the server
# by DANE ('authenticates = dane', --peer-authenticates=dane), against a
# real Postfix with an RSA 2048 and an ECDSA P-256 certificate and a real
# authoritative DNS server (Knot DNS, tests/lib/dns.sh) serving a zone
# signed with ldns-signzone whose TLSA record covers only the RSA key.
#
# A peer with the bank's RSA-only suites gets the RSA certificate, which
# matches: OK. A peer offering only ECDSA suites gets the ECDSA
# certificate, which matches no record: CRITICAL (its severity), naming
# the certificate. Each verdict is compared with openssl s_client
# -dane_tlsa_domain/-dane_tlsa_rrdata offering the same suites, one
# handshake per peer. Unsigned zone and no TLSA: a note, OK; bogus
# records: the peer fails; a raw probe says its certificate is not
# verified; a DNS server that never answers ends within -t, UNKNOWN.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/dns.sh
. "$MXTLS_SRCDIR/tests/lib/dns.sh"
mx_init
mx_need_postfix
mx_require knotd=knot kdig=knot-dnsutils ldns-signzone=ldnsutils \
    ldns-keygen=ldnsutils ss=iproute2
mx_certs
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
c=$CERTS
RSA=$c/rsa2048.crt
EC=$c/ecdsa-p256.crt
EC_SUITES="ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"

pf_start "$WORK/pf" "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
PD=$(pf_port "$WORK/pf" dual)

# ---- the zone: TLSA 3 1 1 of the RSA key only ----------------------------
spki311() { # CERTFILE: the data of a 3 1 1 record for its key
    openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n'
}
RSA311=$(spki311 "$RSA")
D=$WORK/dns
mkdir -p "$D"
dns_keys "$D" example.test || t_bail "cannot make DNSSEC keys"
Z=$D/example.test.zone
cat >"$Z" <<EOF
\$ORIGIN example.test.
\$TTL 300
@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns.example.test.
ns IN A 127.0.0.1
unsigned IN NS ns.example.test.
mx IN A 127.0.0.1
_$PD._tcp.mx IN TLSA 3 1 1 $RSA311
notlsa IN A 127.0.0.1
bogus IN A 127.0.0.1
_$PD._tcp.bogus IN TLSA 3 1 1 $(spki311 "$EC")
EOF
dns_sign "$D" example.test "$Z" || t_bail "cannot sign the zone"
# the bogus record: signed with the ECDSA key's digest, then given another
sed -i "/^_$PD\._tcp\.bogus\./s/$(spki311 "$EC")/$RSA311/I" "$D/example.test.signed"
grep -qi "_$PD._tcp.bogus.*$RSA311" "$D/example.test.signed" ||
    t_bail "cannot break the bogus record's signature"
U=$D/unsigned.zone
cat >"$U" <<EOF
\$ORIGIN unsigned.example.test.
\$TTL 300
@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns.example.test.
mx IN A 127.0.0.1
_$PD._tcp.mx IN TLSA 3 1 1 $RSA311
EOF
dns_start "$D" "example.test:$D/example.test.signed" \
    "unsigned.example.test:$U" || t_bail "cannot start knotd"
mx_at_exit "dns_stop '$D'"
DNSP=$(dns_port "$D")
ANCHOR=$(dns_anchor "$D" example.test)
DNS=(--dns-anchor="$ANCHOR" --dns-server="127.0.0.1@$DNSP")

cat >"$WORK/peers.conf" <<EOF
[bank]
description = RSA-only suites, authenticates by DANE
protocols = TLSv1.2
ciphers = $MX_BANK_SUITES
authenticates = dane

[ecpeer]
description = ECDSA-only suites, authenticates by DANE
protocols = TLSv1.2
ciphers = $EC_SUITES
authenticates = DANE

[plain]
description = ECDSA-only suites, opportunistic TLS
protocols = TLSv1.2
ciphers = $EC_SUITES
EOF

peers() { # NAME [OPTIONS...]: the peers against the dual service, TLSA of
    local name=$1 # NAME.example.test
    shift
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --sni="$name" -p "$PD" \
        "${DNS[@]}" -t 30 "$@"
}

# sclient CIPHERS: "ok" when OpenSSL's DANE check of the certificate the
# server presents for CIPHERS (TLS 1.2) passes the zone's record; DANE-EE
# without name checks (RFC 7672 3.1.1, as Postfix sets it).
sclient() {
    local out
    out=$(echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$PD" \
        -starttls smtp -tls1_2 -cipher "$1" \
        -dane_tlsa_domain mx.example.test -dane_ee_no_namechecks \
        -dane_tlsa_rrdata "3 1 1 $RSA311" 2>&1)
    if grep -q 'Verify return code: 0 (ok)' <<<"$out"; then
        echo ok
    elif grep -q 'Verify return code: 65 \|verify error:num=65:' <<<"$out"; then
        echo fail
    else
        echo "no verdict: $(grep -m1 'Verify return code\|error' <<<"$out")"
    fi
}
# verdict PEER: "ok" when the plugin's line for PEER says its certificate
# matches, "fail" when it says it matches no record
verdict() {
    if grep -q "^\[OK\] $1: .*DANE: [A-Z0-9 -]* certificate matches TLSA 3 1 1 " <<<"$OUT"; then
        echo ok
    elif grep -q "^\[CRITICAL\] $1: gets the [A-Z0-9 -]* certificate .*which matches no usable TLSA record" <<<"$OUT"; then
        echo fail
    else
        echo "absent"
    fi
}

# ---- the dual server, TLSA of the RSA key only ------------------------------
peers mx.example.test -f "$WORK/peers.conf"
t_is "$RC" 2 "ECDSA-only DANE peer: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 3 critical peers cannot negotiate: ecpeer \(gets the ECDSA P-256 certificate, which matches no TLSA record \(DANE\): mail deferred\)' \
    "first line: the peer, its certificate and the missing TLSA"
t_like "$OUT" "\\[OK\\] bank: TLSv1\\.2 ECDHE-RSA-AES256-GCM-SHA384, [^,]*, RSA 2048, [0-9.]+ ms; DANE: RSA 2048 certificate matches TLSA 3 1 1 ${RSA311:0:8}" \
    "bank: gets the RSA certificate, which matches the 3 1 1 record"
t_like "$OUT" '\[CRITICAL\] ecpeer: gets the ECDSA P-256 certificate \(TLSv1\.2 ECDHE-ECDSA-AES256-GCM-SHA384\), which matches no usable TLSA record of _[0-9]+\._tcp\.mx\.example\.test: DANE senders defer mail' \
    "ecpeer: the long output names the certificate, suite and TLSA name"
t_like "$OUT" '\[OK\] plain: TLSv1\.2 ECDHE-ECDSA-AES256-GCM-SHA384, [^,]*, ECDSA P-256, [0-9.]+ ms$' \
    "a peer that does not authenticate: no DANE verdict"
t_like "$OUT" '\[OK\] DANE: TLSA _[0-9]+\._tcp\.mx\.example\.test: secure, 1 record, 1 usable' \
    "one validated TLSA lookup, said in the long output"
t_is "$(verdict bank)" "$(sclient "$MX_BANK_SUITES")" \
    "bank: verdict equals openssl s_client -cipher BANK -dane_tlsa_rrdata"
t_is "$(verdict ecpeer)" "$(sclient "$EC_SUITES")" \
    "ecpeer: verdict equals openssl s_client -cipher ECDSA -dane_tlsa_rrdata"
t_is "$(verdict bank)" ok "bank: the verdict compared is a match"
t_is "$(verdict ecpeer)" fail "ecpeer: the verdict compared is a mismatch"

peers mx.example.test -f "$WORK/peers.conf" --peer=bank
t_is "$RC" 0 "the bank alone: OK"
t_like "$LINE1" '^TLS PEERS OK - 1 of 1 peer negotiates' "the bank alone: first line"

# the command-line equivalent, with a warning severity
peers mx.example.test --peer-name=ec --peer-protocols=TLSv1.2 \
    --peer-ciphers="$EC_SUITES" --peer-authenticates=dane \
    --peer-severity=warning
t_is "$RC" 1 "--peer-authenticates=dane, ECDSA-only, warning peer: WARNING"
t_like "$OUT" '\[WARNING\] ec: gets the ECDSA P-256 certificate' \
    "--peer-authenticates: the same verdict as the file's"
peers mx.example.test --peer-name=ec --peer-protocols=TLSv1.2 \
    --peer-ciphers="$EC_SUITES" --peer-authenticates=none
t_is "$RC" 0 "--peer-authenticates=none: no DANE check, OK"

# ---- what DNS says: unsigned, no TLSA, bogus ------------------------------
peers mx.unsigned.example.test -f "$WORK/peers.conf" --peer=ecpeer
t_is "$RC" 0 "unsigned zone: the DANE peer falls back to opportunistic TLS, OK"
t_like "$OUT" '\[OK\] ecpeer: .*; DANE: _[0-9]+\._tcp\.mx\.unsigned\.example\.test is not signed: falls back to opportunistic TLS \(RFC 7672\)' \
    "unsigned zone: said so"
peers notlsa.example.test -f "$WORK/peers.conf" --peer=ecpeer
t_is "$RC" 0 "no TLSA records: OK"
t_like "$OUT" '\[OK\] ecpeer: .*; DANE: no TLSA records at _[0-9]+\._tcp\.notlsa\.example\.test' \
    "no TLSA records: a note"
peers bogus.example.test -f "$WORK/peers.conf" --peer=bank
t_is "$RC" 2 "bogus TLSA records: CRITICAL"
t_like "$OUT" '\[CRITICAL\] bank: the TLSA records of _[0-9]+\._tcp\.bogus\.example\.test are bogus' \
    "bogus: said so"

# ---- no name for the TLSA records ------------------------------------------
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$PD" "${DNS[@]}" -t 30 \
    -f "$WORK/peers.conf" --peer=bank
t_is "$RC" 3 "-H ADDRESS without --sni: UNKNOWN"
t_like "$OUT" 'DANE: the TLSA records need the server'"'"'s name' \
    "-H ADDRESS without --sni: says what is missing"

# ---- a raw probe: a suite the linked OpenSSL cannot offer -------------------
peers mx.example.test --peer-name=raw --peer-protocols=TLSv1.2 \
    --peer-ciphers="ECDHE-RSA-AES256-GCM-SHA384:0x0007" \
    --peer-authenticates=dane
t_is "$RC" 0 "raw probe: accepted, OK"
t_like "$OUT" '\[OK\] raw: .*\(raw ClientHello\); DANE: certificate not verified \(raw probe\)' \
    "raw probe: the certificate is not verified, said so"

# ---- bad DNS: a server that never answers -----------------------------------
cat >"$WORK/bad.zone" <<EOF
example.test SILENT
EOF
DF=$MXTLS_BUILDDIR/tests/fixture/dnsfixture
"$DF" --zone "$WORK/bad.zone" --port-file "$WORK/df.port" 2>"$WORK/df.err" &
dfpid=$!
mx_at_exit "kill $dfpid"
for ((i = 0; i < 100; i++)); do
    [ -s "$WORK/df.port" ] && break
    sleep 0.05
done
DFP=$(cat "$WORK/df.port")
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --sni=mx.example.test -p "$PD" \
    --dns-anchor="$ANCHOR" --dns-server="127.0.0.1:$DFP" -t 3 \
    -f "$WORK/peers.conf"
t_is "$RC" 3 "silent DNS: UNKNOWN at the deadline"
t_like "$LINE1" '^TLS PEERS UNKNOWN - 2 of 3 critical peers cannot negotiate: bank, ecpeer \(DANE: no DNS answer before the deadline \(-t\) for _[0-9]+\._tcp\.mx\.example\.test TLSA from 127\.0\.0\.1@[0-9]+\)' \
    "silent DNS: the first line names the open lookup and the server"
t_like "$OUT" '\[OK\] plain: TLSv1\.2 ECDHE-ECDSA' \
    "silent DNS: the peer that does not authenticate keeps its verdict"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --sni=mx.example.test -p "$PD" \
    --dns-anchor="$ANCHOR" --dns-server="127.0.0.1:$DFP" -t 3 \
    -f "$WORK/peers.conf" --peer=plain
t_is "$RC" 0 "silent DNS, no DANE peer: no lookup, OK"

# --dns-server in libunbound's form (ADDR@PORT) serves --learn's MX lookup
# too: the same server is asked as with ADDR:PORT
printf '[e]\nmx = example.test\n' >"$WORK/learn.conf"
mkdir -p "$WORK/cache"
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/learn.conf" \
    --cache-dir="$WORK/cache" --dns-server="127.0.0.1@$DFP" -t 3
t_is "$RC" 1 "--learn with --dns-server=ADDR@PORT, silent: WARNING"
t_like "$LINE1" "no DNS answer before the deadline \\(-t\\) for example\\.test MX from 127\\.0\\.0\\.1@$DFP" \
    "--learn with --dns-server=ADDR@PORT: that server was asked"

t_done
