#!/bin/bash
# peers_dane.sh - check_tls_peers for peers that authenticate the server
# by DANE ('authenticates = dane', --peer-authenticates=dane) or MTA-STS
# ('authenticates = mta-sts', --mta-sts), against a real Postfix with an
# RSA 2048 and an ECDSA P-256 certificate, a real authoritative DNS server
# (Knot DNS, tests/lib/dns.sh) serving a zone signed with ldns-signzone
# whose TLSA record covers only the RSA key, and a real HTTPS server
# (nginx, tests/lib/mtasts.sh) serving MTA-STS policies.
#
# A peer with the bank's RSA-only suites gets the RSA certificate, which
# matches: OK. A peer offering only ECDSA suites gets the ECDSA
# certificate, which matches no record: CRITICAL (its severity), naming
# the certificate. Each verdict is compared with openssl s_client
# -dane_tlsa_domain/-dane_tlsa_rrdata offering the same suites, one
# handshake per peer. Unsigned zone and no TLSA: a note, OK; bogus
# records: the peer fails; a raw probe says its certificate is not
# verified; a DNS server that never answers ends within -t, UNKNOWN.
#
# MTA-STS: a second dual service whose ECDSA certificate is self-signed
# (the incident's shape: one key type renewed outside the CA). Under an
# enforce policy the ECDSA-only peer fails, the RSA peer passes; testing
# warns; none and no policy are notes. Each verdict is compared with
# openssl s_client -verify_hostname offering the same suites.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/dns.sh
. "$MXTLS_SRCDIR/tests/lib/dns.sh"
# shellcheck source=../lib/mtasts.sh
. "$MXTLS_SRCDIR/tests/lib/mtasts.sh"
mx_init
mx_need_postfix
mx_require knotd=knot kdig=knot-dnsutils ldns-signzone=ldnsutils \
    ldns-keygen=ldnsutils ss=iproute2 nginx=nginx-light curl=curl
mx_certs
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
c=$CERTS
RSA=$c/rsa2048.crt
EC=$c/ecdsa-p256.crt
EC_SUITES="ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"

# an ECDSA certificate for the same name, self-signed: no CA vouches for it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/ecself.key" -out "$WORK/ecself.crt" -days 30 \
    -subj "/CN=mail.example.test" -addext "subjectAltName=DNS:mail.example.test" \
    >/dev/null 2>&1 || t_bail "cannot make the self-signed ECDSA certificate"
cat "$WORK/ecself.key" "$WORK/ecself.crt" >"$WORK/ecself.pem"
pf_start "$WORK/pf" "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
    "0:stsdual:$c/rsa2048.pem,$WORK/ecself.pem" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
PD=$(pf_port "$WORK/pf" dual)
PM=$(pf_port "$WORK/pf" stsdual)

# ---- the zone: TLSA 3 1 1 of the RSA key only ----------------------------
RSA311=$(dns_tlsa 3 1 1 "$RSA" | cut -d' ' -f4)
EC311=$(dns_tlsa 3 1 1 "$EC" | cut -d' ' -f4)
STS_DOMAINS="enf tst none enfother notxt broken"
D=$WORK/dns
cat >"$WORK/signed.body" <<EOF
mx IN A 127.0.0.1
_$PD._tcp.mx IN TLSA 3 1 1 $RSA311
notlsa IN A 127.0.0.1
bogus IN A 127.0.0.1
_$PD._tcp.bogus IN TLSA 3 1 1 $EC311
alias IN CNAME mx.example.test.
_$PD._tcp.alias IN TLSA 3 1 1 $RSA311
_$PD._tcp.alias IN TLSA 3 1 1 $EC311
EOF
for dom in $STS_DOMAINS; do
    echo "mta-sts.$dom IN A 127.1.0.26"
    [ "$dom" = notxt ] || echo "_mta-sts.$dom IN TXT \"v=STSv1; id=20261203\""
done >>"$WORK/signed.body"
cat >"$WORK/unsigned.body" <<EOF
mx IN A 127.0.0.1
_$PD._tcp.mx IN TLSA 3 1 1 $RSA311
EOF
# the bogus record: signed with the ECDSA key's digest, then given another
mx_at_exit "dns_stop '$D'"
dns_test_zones "$D" "$WORK/signed.body" "$WORK/unsigned.body" \
    "_$PD._tcp.bogus" "$EC311" "$RSA311" || t_bail "cannot serve the test zones"
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

# s_verdict PORT CIPHERS OPTIONS...: "ok" when openssl s_client, offering
# CIPHERS (TLS 1.2), verifies the certificate it gets as OPTIONS say,
# "fail" when that verification fails; one handshake
s_verdict() {
    local p=$1 ciphers=$2 out
    shift 2
    out=$(echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
        -starttls smtp -tls1_2 -cipher "$ciphers" "$@" 2>&1)
    if grep -q 'Verify return code: 0 (ok)' <<<"$out"; then
        echo ok
    elif grep -q 'Verify return code: [1-9]' <<<"$out"; then
        echo fail
    else
        echo "no verdict: $(grep -m1 'Verify return code\|error' <<<"$out")"
    fi
}
# plugin_verdict OK_RE FAIL_RE: "ok" or "fail" as the plugin's output
# matches the one or the other
plugin_verdict() {
    if grep -q "$1" <<<"$OUT"; then
        echo ok
    elif grep -q "$2" <<<"$OUT"; then
        echo fail
    else
        echo absent
    fi
}
# sclient CIPHERS: OpenSSL's DANE check of the zone's record; DANE-EE
# without name checks (RFC 7672 3.1.1, as Postfix sets it)
sclient() {
    s_verdict "$PD" "$1" -dane_tlsa_domain mx.example.test \
        -dane_ee_no_namechecks -dane_tlsa_rrdata "3 1 1 $RSA311"
}
# verdict PEER: the plugin says PEER's certificate matches, or matches no
# record
verdict() {
    plugin_verdict "^\[OK\] $1: .*DANE: [A-Z0-9 -]* certificate matches TLSA 3 1 1 " \
        "^\[CRITICAL\] $1: gets the [A-Z0-9 -]* certificate .*which matches no usable TLSA record"
}

# ---- the dual server, TLSA of the RSA key only ------------------------------
peers mx.example.test -f "$WORK/peers.conf"
t_is "$RC" 2 "ECDSA-only DANE peer: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 3 critical peers would defer mail: ecpeer \(gets the ECDSA P-256 certificate, which matches no TLSA record \(DANE\): mail deferred\)' \
    "first line: the peer negotiates, its certificate and the missing TLSA"
t_unlike "$LINE1" 'cannot negotiate' \
    "first line: a peer that negotiates is not said to fail negotiating"
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

# ---- an alias: the CNAME-expanded name's TLSA first (RFC 7672 2.2.2) -------
peers alias.example.test -f "$WORK/peers.conf" --peer=ecpeer
t_is "$RC" 2 "signed CNAME to mx: its TLSA (RSA only) decides: CRITICAL"
t_like "$OUT" '\[OK\] DANE: TLSA _[0-9]+\._tcp\.mx\.example\.test: secure, 1 record' \
    "signed CNAME: the expanded name's TLSA is used"
t_like "$OUT" '\[OK\] DANE: TLSA name _[0-9]+\._tcp\.mx\.example\.test: the CNAME-expanded name of alias\.example\.test' \
    "signed CNAME: the long output says which TLSA name and why"

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
echo "example.test SILENT" >"$WORK/bad.zone"
dns_fixture "$WORK/df" silent "$WORK/bad.zone" || t_bail "cannot start dnsfixture"
DFP=$(dns_fixture_port "$WORK/df" silent)
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --sni=mx.example.test -p "$PD" \
    --dns-anchor="$ANCHOR" --dns-server="127.0.0.1:$DFP" -t 3 \
    -f "$WORK/peers.conf"
t_is "$RC" 3 "silent DNS: UNKNOWN at the deadline"
t_like "$LINE1" '^TLS PEERS UNKNOWN - 2 of 3 critical peers could not be judged: bank, ecpeer \(DANE: no DNS answer before the deadline \(-t\) for _[0-9]+\._tcp\.mx\.example\.test TLSA, mx\.example\.test A from 127\.0\.0\.1@[0-9]+\)' \
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

# ---- MTA-STS ------------------------------------------------------------------
# nginx on 127.1.0.26:443 (a private web CA) serves the policies; the
# service stsdual presents RSA 2048 under the test CA and a self-signed
# ECDSA P-256 certificate, both for mail.example.test.
W=$WORK/www
# shellcheck disable=SC2086 # one domain a word
sts_web_start "$W" 127.1.0.26 $STS_DOMAINS || t_bail "cannot start nginx"
cat "$c/ca.pem" "$W/ca/ca.pem" >"$W/cas.pem"
sts_policy "$W" enf 'version: STSv1\nmode: enforce\nmx: mail.example.test\nmax_age: 604800\n'
sts_policy "$W" tst 'version: STSv1\nmode: testing\nmx: *.example.test\nmax_age: 86400\n'
sts_policy "$W" none 'version: STSv1\nmode: none\nmax_age: 86400\n'
sts_policy "$W" enfother 'version: STSv1\nmode: enforce\nmx: other.example.test\nmax_age: 86400\n'
sts_policy "$W" broken 'version: STSv1\nmode: enforce\nmx mail.example.test\nmax_age: 86400\n'
cat >"$WORK/sts.conf" <<EOF
[bank]
description = RSA-only suites, authenticates by MTA-STS
protocols = TLSv1.2
ciphers = $MX_BANK_SUITES
authenticates = mta-sts

[ecpeer]
description = ECDSA-only suites, authenticates by MTA-STS
protocols = TLSv1.2
ciphers = $EC_SUITES
authenticates = MTA-STS

[plain]
description = ECDSA-only suites, opportunistic TLS
protocols = TLSv1.2
ciphers = $EC_SUITES
EOF
stspeers() { # DOMAIN [OPTIONS...]: the peers against stsdual, --mta-sts=DOMAIN
    local dom=$1
    shift
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --sni=mail.example.test -p "$PM" \
        "${DNS[@]}" --ca-file="$W/cas.pem" --mta-sts="$dom.example.test" \
        -t 30 "$@"
}
# sts_sclient CIPHERS: openssl s_client verifies the certificate for
# mail.example.test against the plugin's trust store
sts_sclient() {
    s_verdict "$PM" "$1" -CAfile "$W/cas.pem" -verify_hostname mail.example.test
}
# sts_verdict PEER: the plugin says PEER's certificate is valid under
# MTA-STS, or that it is not
sts_verdict() {
    plugin_verdict "^\[OK\] $1: .*MTA-STS ([a-z]*): [A-Z0-9 -]* certificate valid for mail\.example\.test" \
        "^\[[A-Z]*\] $1: .*gets the [A-Z0-9 -]* certificate.*, which is not valid for mail\.example\.test under"
}

stspeers enf -f "$WORK/sts.conf"
t_is "$RC" 2 "MTA-STS enforce, ECDSA-only peer gets the self-signed certificate: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 3 critical peers would defer mail: ecpeer \(gets the ECDSA P-256 certificate, which is not valid for mail\.example\.test under MTA-STS \(enforce\): mail deferred\)' \
    "enforce: the first line names the peer, its certificate and MTA-STS"
t_like "$OUT" '\[CRITICAL\] ecpeer: gets the ECDSA P-256 certificate \(TLSv1\.2 ECDHE-ECDSA-[A-Z0-9-]+\), which is not valid for mail\.example\.test under enf\.example\.test.s MTA-STS policy \(enforce, id 20261203\): not trusted by --ca-file [^ ]*cas\.pem \(self.signed certificate\)' \
    "enforce: the long output says why (not trusted) and which policy"
t_like "$OUT" '\[OK\] bank: TLSv1\.2 ECDHE-RSA-[A-Z0-9-]+, [^,]*, RSA 2048, [0-9.]+ ms; MTA-STS \(enforce\): RSA 2048 certificate valid for mail\.example\.test' \
    "enforce: the RSA peer's certificate is valid, said so"
t_like "$OUT" '\[OK\] plain: TLSv1\.2 ECDHE-ECDSA-[A-Z0-9-]+, [^,]*, ECDSA P-256, [0-9.]+ ms$' \
    "enforce: a peer that does not authenticate keeps its verdict"
t_like "$OUT" '\[OK\] MTA-STS enf\.example\.test: id 20261203, mode enforce, max_age 604800, 1 mx; mail\.example\.test is listed' \
    "enforce: one policy fetch, described in the long output"
t_is "$(sts_verdict bank)" "$(sts_sclient "$MX_BANK_SUITES")" \
    "bank: verdict equals openssl s_client -cipher BANK -verify_hostname"
t_is "$(sts_verdict ecpeer)" "$(sts_sclient "$EC_SUITES")" \
    "ecpeer: verdict equals openssl s_client -cipher ECDSA -verify_hostname"
t_is "$(sts_verdict bank)" ok "bank: the verdict compared is valid"
t_is "$(sts_verdict ecpeer)" fail "ecpeer: the verdict compared is invalid"
t_is "$(grep -c 'GET /.well-known/mta-sts.txt' "$W/access.log")" 1 \
    "enforce: the policy is fetched once for two MTA-STS peers"

stspeers tst -f "$WORK/sts.conf"
t_is "$RC" 1 "MTA-STS testing, ECDSA-only peer: WARNING"
t_like "$LINE1" '^TLS PEERS WARNING - ecpeer: gets the ECDSA P-256 certificate, which is not valid for mail\.example\.test under MTA-STS \(not trusted by [^)]*\)\): mail would be deferred under enforce \(policy in testing\)' \
    "testing: the first line says the peer would be deferred under enforce"
stspeers none -f "$WORK/sts.conf"
t_is "$RC" 0 "MTA-STS mode none: OK"
t_like "$OUT" '\[OK\] ecpeer: .*; MTA-STS: none\.example\.test.s policy is mode none: certificate not checked' \
    "mode none: a note"
stspeers notxt -f "$WORK/sts.conf"
t_is "$RC" 0 "no MTA-STS policy: OK"
t_like "$OUT" '\[OK\] ecpeer: .*; MTA-STS: no policy for notxt\.example\.test: opportunistic TLS' \
    "no policy: a note"
stspeers broken -f "$WORK/sts.conf"
t_is "$RC" 1 "MTA-STS policy that does not parse: WARNING"
t_like "$LINE1" "^TLS PEERS WARNING - MTA-STS: https://mta-sts\\.broken\\.example\\.test/\\.well-known/mta-sts\\.txt: policy line 3: no ':' in 'mx mail\\.example\\.test'" \
    "broken policy: the first line names the line, as check_tls_cert does"
t_like "$OUT" '\[OK\] ecpeer: .*; MTA-STS: no usable policy \(see its line\)' \
    "broken policy: the peers say they are not checked"
stspeers enfother -f "$WORK/sts.conf"
t_is "$RC" 2 "MTA-STS enforce, host not in the policy: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 2 of 3 critical peers would defer mail: bank, ecpeer \(mail\.example\.test is not an mx of the MTA-STS policy \(enforce\): mail deferred\)' \
    "host not listed: both MTA-STS peers defer"

# a peer that cannot negotiate beside one that would defer mail
cat "$WORK/sts.conf" >"$WORK/mixed.conf"
printf '\n[dss]\nprotocols = TLSv1.2\nciphers = DHE-DSS-AES128-GCM-SHA256\n' \
    >>"$WORK/mixed.conf"
stspeers enf -f "$WORK/mixed.conf" --peer=ecpeer,dss
t_is "$RC" 2 "mixed failures: CRITICAL"
t_like "$LINE1" '^TLS PEERS CRITICAL - 2 of 2 critical peers fail \(1 cannot negotiate, 1 would defer mail\): ecpeer \(gets the ECDSA P-256 certificate[^;]*; dss \([^)]*\)' \
    "mixed failures: the first line says which kind each is"

# the command-line peer
stspeers enf --peer-name=ec --peer-protocols=TLSv1.2 \
    --peer-ciphers="$EC_SUITES" --peer-authenticates=mta-sts
t_is "$RC" 2 "--peer-authenticates=mta-sts, ECDSA-only: CRITICAL"
t_like "$OUT" '\[CRITICAL\] ec: gets the ECDSA P-256 certificate' \
    "--peer-authenticates=mta-sts: the same verdict as the file's"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --sni=mail.example.test -p "$PM" \
    "${DNS[@]}" -t 30 -f "$WORK/sts.conf" --peer=ecpeer
t_is "$RC" 3 "an MTA-STS peer without --mta-sts: UNKNOWN"
t_like "$OUT" 'give the policy.s domain with --mta-sts=DOMAIN' \
    "without --mta-sts: says what is missing"

t_done
