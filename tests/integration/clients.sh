#!/bin/bash
# clients.sh - the client library (data/clients, client = NAME) against
# real Postfix services on loopback.
#
# 1. Every shipped recording parses, and the library lists it; the
#    documented clients (lists from a vendor's documentation, made into
#    a hello by tests/fixture/hellosynth) cite their source.
# 2. The clients are recorded again here (tools/record-clients.sh into a
#    scratch directory) and what must not change between two recordings
#    of the same client is compared with the shipped data: the record and
#    legacy versions, supported_versions, the suites, groups and signature
#    schemes in order, and the SNI (random, session id and key shares
#    change every time). A difference means the library no longer says
#    what Debian 12's clients send: make clients, and read the diff.
# 3. For each client and each of four Postfix services (ECDSA only; the
#    bank of the incident: RSA only, TLS 1.2, its 12 suites; TLS 1.3
#    only; TLS 1.2 with four CBC suites only, where each client's order
#    decides), the real client
#    delivers to the service and check_tls_peers --peer-client=NAME
#    predicts it: the version and suite Postfix logged for the real
#    client equal the prediction, and a client that Postfix logged no
#    TLS session for is a CRITICAL prediction.
# A documented client: Exchange's lists say it gets TLS 1.3 from a TLS 1.3
# service and, from the bank, an RSA suite of its list in its order.
t_isnt "$documented" "" "the library has documented clients"
for n in $documented; do
    t_like "$(cat "$LIB/$n.list")" '^source = https://' "$n: the list cites its source"
    t_like "$(sed -n "/^\[$n\]/,/^\$/p" "$LIB/MANIFEST")" 'how = synthesized .* not a recording' \
        "$n: the MANIFEST says it is no recording"
done
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(pf_port "$WORK/pf" tls13)" --peer-client=exchange-ws2022
t_like "$OUT" '^\[OK\] peer: TLSv1\.3 TLS_AES_256_GCM_SHA384,' "exchange-ws2022 against TLS 1.3 only: its first suite"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(pf_port "$WORK/pf" bank)" --peer-client=exchange-ws2022
t_like "$OUT" '^\[OK\] peer: TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384,' "exchange-ws2022 against the bank: its first RSA suite"

# 4. client = NAME in a peers file, and the errors.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
mx_require swaks=swaks Net::SSLeay=libnet-ssleay-perl msmtp=msmtp \
    /usr/bin/python3=python3 java=openjdk-17-jdk-headless \
    keytool=openjdk-17-jdk-headless dpkg-deb=dpkg
# shellcheck source=../lib/exim.sh
. "$MXTLS_SRCDIR/tests/lib/exim.sh"
if [ -n "$(ex_missing)" ]; then
    t_fail "Exim cannot run: $(ex_missing | tr '\n' ' ')" "./quickstart.sh fetches it"
    t_done
fi
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
HELLODUMP=$MXTLS_BUILDDIR/tests/fixture/hellodump
RECORD=$MXTLS_SRCDIR/tools/record-clients.sh
LIB=${MXTLS_CLIENTS_DIR:-$MXTLS_SRCDIR/data/clients}
export MXTLS_CLIENTS_DIR=$LIB
c=$CERTS

# 1. the shipped library
names=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$LIB/MANIFEST")
# the clients that run here (not "kind = documented": lists from a
# vendor's documentation, synthesized into a hello)
documented=$(awk '/^\[/ { n = substr($0, 2, length($0) - 2) } /^kind = documented$/ { print n }' "$LIB/MANIFEST")
runnable=$(for n in $names; do grep -qx "$n" <<<"$documented" || echo "$n"; done)
t_isnt "$names" "" "the library's MANIFEST names clients"
mx_run "$CHECK_TLS_PEERS" --list-clients
t_is "$RC" 0 "--list-clients: OK"
t_like "$LINE1" "^TLS PEERS OK - $(wc -w <<<"$names") recorded clients in $LIB" \
    "--list-clients: every client of MANIFEST, and where the library is"
for n in $names; do
    t_like "$OUT" "^\\[OK\\] $n: .*; recorded [0-9]{4}-[0-9]{2}-[0-9]{2}\$" \
        "--list-clients: $n with its program, version, library and date"
    "$HELLODUMP" "$LIB/$n.hex" >"$WORK/$n.shipped" 2>"$WORK/$n.err"
    t_is "$?" 0 "$n.hex parses as a ClientHello $(cat "$WORK/$n.err")"
done

# 2. recorded again: the stable fields are the shipped ones
stable() { grep -E '^(record_version|legacy_version|versions|suites|groups|sigalgs|sni):' "$1"; }
# built_with MANIFEST NAME: the version and library lines of NAME's entry
built_with() {
    awk -v n="[$2]" '$0 == n { on = 1; next } /^\[/ { on = 0 }
        on && /^(version|library) = / { print }' "$1"
}
MXTLS_BUILDDIR=$MXTLS_BUILDDIR bash "$RECORD" -o "$WORK/fresh" -c "$CERTS" >"$WORK/record.out" 2>&1
t_is "$?" 0 "tools/record-clients.sh recorded every client $(tr '\n' ' ' <"$WORK/record.out")"
for n in $names; do
    if [ ! -f "$WORK/fresh/$n.hex" ]; then
        t_fail "$n: recorded again" "no $WORK/fresh/$n.hex"
        continue
    fi
    "$HELLODUMP" "$WORK/fresh/$n.hex" >"$WORK/$n.fresh" 2>&1
    # The same program and library must send the same hello. A client
    # that Debian has updated since the recording may not: that is news
    # for the library (re-record it), not a defect of this checkout.
    was=$(built_with "$LIB/MANIFEST" "$n")
    now=$(built_with "$WORK/fresh/MANIFEST" "$n")
    if [ "$was" = "$now" ]; then
        t_is "$(stable "$WORK/$n.fresh")" "$(stable "$WORK/$n.shipped")" \
            "$n: recorded again, it offers what the library says (else: make clients)"
    elif [ "$(stable "$WORK/$n.fresh")" = "$(stable "$WORK/$n.shipped")" ]; then
        t_pass "$n: recorded again with a newer build, it still offers what the library says"
    else
        t_pass "$n: the library was recorded with another build; this machine's differs (make clients brings the library up to date)"
        t_diag "  library: $was"
        t_diag "  here:    $now"
        diff <(stable "$WORK/$n.shipped") <(stable "$WORK/$n.fresh") | sed 's/^/#   /'
    fi
done
t_is "$(sed -n 's/^\[\(.*\)\]$/\1/p' "$WORK/fresh/MANIFEST" | tr '\n' ' ')" \
    "$(tr '\n' ' ' <<<"$names")" "the fresh MANIFEST has the same clients"

# 3. each real client against each service, and its prediction
bank_suites=$MX_BANK_SUITES
only12="smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2"
pf_start "$WORK/pf" \
    "0:ecdsa:$c/ecdsa-p256.pem" \
    "0:bank:$c/rsa2048.pem:$only12;smtpd_tls_ciphers=medium;tls_medium_cipherlist=$bank_suites" \
    "0:tls13:$c/rsa2048.pem:smtpd_tls_protocols=>=TLSv1.3;smtpd_tls_mandatory_protocols=>=TLSv1.3" \
    "0:cbc12:$c/rsa2048.pem:$only12;smtpd_tls_ciphers=medium;tls_medium_cipherlist=AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES256-SHA256" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"

# real SERVICE AFTER: "VERSION SUITE" Postfix logged for the session of
# the client that ran after log line AFTER, or "none"
real() {
    local svc=$1 after=$2 got
    got=$(sed -n "$((after + 1)),\$p" "$(pf_log "$WORK/pf")" |
        sed -n "s/.*postfix\/$svc\/smtpd.*TLS connection established from [^:]*: \(TLSv[0-9.]*\) with cipher \([^ ]*\) .*/\1 \2/p" |
        head -n 1)
    echo "${got:-none}"
}
# predicted: "VERSION SUITE" of the [OK] line, or "none" when CRITICAL
predicted() {
    if [ "$RC" = 2 ]; then
        echo none
    else
        sed -n 's/^\[OK\] [^:]*: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p' <<<"$OUT"
    fi
}
for svc in ecdsa bank tls13 cbc12; do
    port=$(pf_port "$WORK/pf" "$svc")
    for n in $runnable; do
        before=$(pf_lines "$WORK/pf")
        bash "$RECORD" -s "$port" -c "$CERTS" "$n" >"$WORK/run.out" 2>&1
        # postlogd writes asynchronously: wait for the session's end
        pf_wait_log "$WORK/pf" "postfix/$svc/smtpd.*disconnect from" 1 10 "$before"
        got=$(real "$svc" "$before")
        mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$port" --peer-name="$n" --peer-client="$n"
        t_is "$(predicted)" "$got" "$svc: $n predicted as the real $n negotiated ($got)"
    done
done

# 4. client = NAME in a peers file
cat >"$WORK/peers.conf" <<INI
[bank-postfix]
description = a Postfix at its defaults
client = postfix-default
[old]
client = postfix-tls12
INI
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(pf_port "$WORK/pf" tls13)" -f "$WORK/peers.conf"
t_is "$RC" 0 "peers file with client = NAME: OK against TLS 1.3 only"
t_like "$OUT" '^\[OK\] bank-postfix: TLSv1\.3 TLS_' "peers file: client = postfix-default replayed"
printf '[p]\n\nclient = exchange\n' >"$WORK/bad.conf"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -f "$WORK/bad.conf"
t_is "$RC" 3 "unknown client: UNKNOWN"
t_like "$LINE1" "^TLS PEERS UNKNOWN - $WORK/bad.conf:3: client: unknown client 'exchange' \\(known: [a-z0-9, -]*postfix-default[a-z0-9, -]*\\)\$" \
    "unknown client: one line naming the file, the line and the known names"
printf '[p]\nclient = swaks\nclienthello = %s\n' "$LIB/swaks.hex" >"$WORK/both.conf"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -f "$WORK/both.conf"
t_like "$LINE1" "^TLS PEERS UNKNOWN - $WORK/both.conf:3: 'clienthello' cannot be combined with 'client' \\(line 2\\)" \
    "client and clienthello exclude each other"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --peer-client=nope
t_like "$LINE1" "^TLS PEERS UNKNOWN - --peer-client: unknown client 'nope' \\(known: " \
    "--peer-client with an unknown name"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 --peer-client=swaks --peer-clienthello="$LIB/swaks.hex"
t_like "$LINE1" "^TLS PEERS UNKNOWN - --peer-clienthello and --peer-client: one recorded ClientHello" \
    "--peer-client and --peer-clienthello exclude each other"
MXTLS_CLIENTS_DIR=$WORK/nowhere mx_run "$CHECK_TLS_PEERS" --list-clients
t_like "$LINE1" "^TLS PEERS UNKNOWN - client library: $WORK/nowhere/MANIFEST: " \
    "a missing library is UNKNOWN naming its MANIFEST"
t_done
