#!/bin/bash
# protocol_fixture.sh - check_tls_protocol against servers OpenSSL 3 cannot
# be (the fixture's forge mode: SSLv2, SSLv3, RC4, EXPORT, CCM_8 in TLS
# 1.3, X25519MLKEM768, fallback protection, client or server order) and
# against hostile ones: every answer is classified, none crashes or hangs
# past -t. The fixture serves each connection in its own process. forge
# sends a server's first flight but cannot complete a handshake (it has no
# keys), so the raw engine's view of it is asked with --raw-only; without
# it, a version whose complete handshake fails is not accepted.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
MX_GUARD=20 # -t is 3 below: a run past 20 s ignored its deadline
mx_init
mx_certs
crt=$CERTS/rsa2048.pem

# The (version, suite) pairs of --ciphers output, sorted, one per line.
pairs() {
    awk '/^\[/{v=$2} /^  \[[A-Z]+\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print v, $2}' <<<"$1" | sort
}

# A legacy server: SSLv2, SSLv3 with RC4 and EXPORT, TLS 1.0, 1.2, 1.3.
mx_fixture forge --concurrent --cert "$crt" \
    --versions ssl2,ssl3,tls1.0,tls1.2,tls1.3 \
    --suites 0x1305,0x1301,0xC030,0x0004,0x0005,0x000A,0x0003 \
    --groups 0x11ec,0x001d --fallback-scsv --ssl2-ciphers 0x010080,0x0700c0
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --minimum=TLSv1.2
t_is "$RC" 2 "legacy: CRITICAL with --minimum=TLSv1.2"
t_like "$LINE1" '^TLS PROTOCOL CRITICAL - SSLv2, SSLv3, TLSv1\.0 accepted \(minimum TLSv1\.2\) \| TLSv1\.3=1;;;0;1 TLSv1\.2=1;;;0;1 TLSv1\.1=0;;;0;1 TLSv1\.0=1;;;0;1 SSLv3=1;;;0;1 SSLv2=1;;;0;1 handshake=[0-9.]+s time=[0-9.]+s connections=[0-9]+$' \
    "legacy: status line and one 0/1 metric per version"
t_like "$OUT" '^\[CRITICAL\] SSLv3 accepted: RC4-MD5, [0-9.]+ ms, below the minimum$' \
    "legacy: SSLv3 with the suite the server chose"
t_like "$OUT" '^\[OK\] TLSv1\.1 refused: server answered with TLSv1\.0$' \
    "legacy: TLSv1.1 refused, with how"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --ciphers
t_is "$RC" 2 "legacy: SSLv2/SSLv3 are CRITICAL by default (minimum TLSv1.0)"
want="SSLv3 0x0003
SSLv3 0x0004
SSLv3 0x0005
SSLv3 0x000A
TLSv1.0 0x0003
TLSv1.0 0x0004
TLSv1.0 0x0005
TLSv1.0 0x000A
TLSv1.2 0x0004
TLSv1.2 0x0005
TLSv1.2 0x000A
TLSv1.2 0xC030
TLSv1.3 0x1301
TLSv1.3 0x1305"
t_is "$(pairs "$OUT")" "$want" "legacy: every suite per version, RC4/3DES/EXPORT/CCM_8 included"
t_like "$OUT" '^  \[OK\] 0x010080 RC4-MD5$' "legacy: the SSLv2 cipher kinds are listed"
t_like "$OUT" '^  \[OK\] 0x0700C0 DES-CBC3-MD5$' "legacy: the second SSLv2 kind"
t_like "$OUT" '^  \[OK\] groups: X25519MLKEM768, X25519$' "legacy: TLS 1.3 groups, ML-KEM hybrid first"
t_like "$OUT" "^  \[OK\] the server's order decides$" "legacy: server order found"
t_like "$OUT" '^\[OK\] TLS_FALLBACK_SCSV honoured$' "legacy: fallback protection found"
# The cipher policy, by default: RC4, EXPORT, MD5 CRITICAL, 3DES WARNING.
t_like "$OUT" '^  \[CRITICAL\] 0x0004 RC4-MD5 .* TLS_RSA_WITH_RC4_128_MD5 \(rc4, md5\)$' \
    "policy: an RC4-MD5 suite line is CRITICAL with its classes"
t_like "$OUT" '^  \[WARNING\] 0x000A DES-CBC3-SHA .* \(3des\)$' "policy: 3DES is WARNING by default"
t_like "$OUT" '^\[CRITICAL\] rc4 suites RC4 accepted \(--forbid rc4\): .* in TLSv1\.2, TLSv1\.0, SSLv3; Postfix: smtpd_tls_exclude_ciphers = RC4 ' \
    "policy: the rc4 class line names the versions and the Postfix setting"
t_like "$OUT" '^\[CRITICAL\] export suites EXPORT grade accepted \(--forbid export\): EXP-RC4-MD5 in TLSv1\.0, SSLv3; ' \
    "policy: EXPORT found from the registry's flag"
t_like "$OUT" '^\[WARNING\] 3des suites 3DES \(Sweet32\) accepted \(--warn-on 3des\): DES-CBC3-SHA in TLSv1\.2, TLSv1\.0, SSLv3; Postfix: smtpd_tls_exclude_ciphers = 3DES ' \
    "policy: the 3des class line"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --ciphers --minimum=SSLv2 --forbid=none --warn-on=none
t_is "$RC" 0 "policy: --forbid=none --warn-on=none turns it off"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --minimum=SSLv2 --forbid=none --warn-on=rc4
t_is "$RC" 1 "policy: --warn-on=rc4 alone: WARNING (and implies --ciphers)"
t_like "$LINE1" '^TLS PROTOCOL WARNING - rc4 suites accepted \(TLSv1\.2, TLSv1\.0, SSLv3\) \|' \
    "policy: the first line names the class and the versions"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --forbid=rc4,bogus
t_is "$RC" 3 "policy: an unknown class is a usage error"
t_like "$LINE1" "^TLS PROTOCOL UNKNOWN - --forbid: unknown suite class 'bogus' " "policy: the unknown class is named"

# NULL and anonymous suites: NULL is CRITICAL by default, anon is not
# (Postfix offers it on purpose for opportunistic TLS), unless asked.
mx_fixture forge --concurrent --cert "$crt" --versions tls1.2 --suites 0xC02F,0x0034,0x0002
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --ciphers
t_is "$RC" 2 "policy: a NULL suite is CRITICAL by default"
t_like "$LINE1" '^TLS PROTOCOL CRITICAL - null suites accepted \(TLSv1\.2\) \|' "policy: NULL in the first line"
t_like "$OUT" '^  \[OK\] 0x0034 ADH-AES128-SHA ' "policy: anon is OK by default"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --forbid=none --warn-on=anon
t_is "$RC" 1 "policy: --warn-on=anon: WARNING"
t_like "$OUT" '^\[WARNING\] anon suites anonymous \(no certificate\) accepted \(--warn-on anon\): ADH-AES128-SHA in TLSv1\.2; Postfix: smtpd_tls_exclude_ciphers = aNULL ' \
    "policy: the anon class line names the Postfix setting"

# Client order, no fallback protection.
mx_fixture forge --concurrent --cert "$crt" --versions tls1.1,tls1.2 \
    --suites 0xC02F,0xC030,0x009C,0xC013 --order client
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --ciphers --minimum=TLSv1.1 --require=TLSv1.2
t_is "$RC" 0 "client order: OK with --minimum=TLSv1.1 --require=TLSv1.2"
t_like "$OUT" "^  \[OK\] the client's order decides$" "client order found"
t_like "$OUT" '^\[OK\] TLS_FALLBACK_SCSV ignored$' "missing fallback protection found"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --require=TLSv1.3,TLSv1.2
t_is "$RC" 2 "--require=TLSv1.3 against a server without it: CRITICAL"
t_like "$LINE1" '^TLS PROTOCOL CRITICAL - TLSv1\.3 not accepted \(required\)' \
    "the missing required version is named"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --require=TLSv1.2 --require=TLSv1.3
t_like "$LINE1" '^TLS PROTOCOL CRITICAL - TLSv1\.3 not accepted \(required\)' \
    "repeated --require add up"

# TLS_NULL_WITH_NULL_NULL (0x0000) is never offered: a server that would
# pick it when offered is seen with the suite it picks among real ones.
mx_fixture forge --concurrent --cert "$crt" --versions tls1.0,tls1.1 --suites 0x0000,0x002F
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --ciphers
t_like "$OUT" '^\[OK\] TLSv1\.1 accepted: AES128-SHA, ' "0x0000 not offered: the version probe gets a real suite"
t_is "$(pairs "$OUT")" "TLSv1.0 0x002F
TLSv1.1 0x002F" "0x0000 not offered: never in the suite table"

# A slow server (1 s before each greeting): the deadline cuts the suite
# table, and the first line says so with the timeout state.
mx_fixture forge-slow --concurrent --cert "$crt" --versions tls1.2 \
    --suites 0xC030,0xC02F,0x009C,0x009D,0xC013,0xC014,0x002F,0x0035,0x003C,0x003D,0xC027,0xC028,0x0067,0x006B,0x009E,0x009F
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 4 --ciphers --timeout-result=UNKNOWN
t_is "$RC" 3 "slow server, --ciphers cut by -t: the timeout state (UNKNOWN)"
t_like "$LINE1" '^TLS PROTOCOL UNKNOWN - TLSv1\.2 table incomplete \(timeout\)(; the run could not fit the deadline: [^|]*)? \|' \
    "slow server: the first line says the table is incomplete"
t_like "$OUT" '^  \[UNKNOWN\] table incomplete: timeout ' "slow server: the cut table says why"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 4 --ciphers
t_is "$RC" 2 "slow server, default --timeout-result: CRITICAL"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 4 --ciphers --timeout-result=OK
t_like "$LINE1" '^TLS PROTOCOL OK - TLSv1\.2 accepted; table incomplete for TLSv1\.2(; the run could not fit the deadline: [^|]*)? \|' \
    "slow server, --timeout-result=OK: the first line still says it"

# Without --raw-only, versions the local OpenSSL speaks count only when a
# complete handshake succeeds: forge chooses a suite the handshake offered
# and then cannot finish, so TLS 1.2 is not accepted (no real client gets
# it); TLS 1.0 with only RC4 (which this OpenSSL lacks) is what the raw
# engine sees, and says so.
mx_fixture forge --concurrent --cert "$crt" --versions tls1.0,tls1.2 --suites 0xC030,0x0005
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -t 3
t_is "$RC" 2 "forged first flights: CRITICAL without --raw-only"
t_like "$OUT" '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 chose ECDHE-RSA-AES256-GCM-SHA384, which a complete handshake offered too, but that handshake failed \(' \
    "a version whose complete handshake fails is not accepted"
t_like "$OUT" '^\[OK\] TLSv1\.0 accepted: ' "a version only the raw engine can ask is accepted"
t_like "$OUT" "^  \[OK\] not verified: the raw probe read the server's hello only, no handshake completed; " \
    "... and what was not verified is said"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3
t_is "$RC" 0 "forged first flights, --raw-only: the raw engine's view"

# A ServerHello trickled one byte every 2 s: the TLS probes time out, the
# SSLv2/SSLv3 ones are refused at once. Timeouts are not refusals.
mx_fixture forge-trickle --concurrent --cert "$crt" --versions tls1.0,tls1.1,tls1.2,tls1.3 \
    --suites 0x1301,0xC030,0x002F
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -t 3 --timeout-result=UNKNOWN
t_is "$RC" 3 "trickled ServerHello: the timeout state, not CRITICAL"
t_like "$LINE1" '^TLS PROTOCOL UNKNOWN - no protocol version accepted, no verdict for TLSv1\.3, TLSv1\.2, TLSv1\.1, TLSv1\.0: timeout ' \
    "trickled ServerHello: the versions without a verdict are named"
t_like "$OUT" '^\[OK\] SSLv3 refused: alert protocol_version$' "trickled ServerHello: SSLv3 really refused"

# Hostile servers: a classified outcome each, within -t.
hostile() {
    local mode=$1 rc=$2 regex=$3
    shift 3
    mx_fixture "$mode" --concurrent --cert "$crt" "$@"
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -t 3
    t_is "$RC" "$rc" "$mode: exit status"
    t_like "$OUT" "$regex" "$mode: message"
}
hostile tls-truncated 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 closed the connection after 25 bytes, in the middle of its answer to the ClientHello$'
hostile tls-lying-length 2 '^\[CRITICAL\] TLSv1\.2: timeout during the TLS handshake with 127\.0\.0\.1 \([0-9]+ bytes of TLS received\)$'
hostile tls-lying-length 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 answered with broken TLS: ' --variant 2
hostile tls-unoffered-suite 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 chose suite 0x[0-9A-F]{4}, which was not offered$'
hostile tls-unoffered-version 2 '^\[CRITICAL\] TLSv1\.3: 127\.0\.0\.1 chose version 0x0305, which was not offered \(TLSv1\.3\)$'
hostile tls-hrr-loop 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 chose version 0x0304, which was not offered \(TLSv1\.2\)$'
hostile tls-oversized-record 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 answered with broken TLS: record overflow'
hostile ssl2-garbage 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 answered with broken TLS: not TLS'
hostile tls-reset-mid-hello 2 '^\[CRITICAL\] TLSv1\.2: 127\.0\.0\.1 reset the connection after 30 bytes, in the middle of its answer to the ClientHello$'
hostile no-greeting 2 '^TLS PROTOCOL CRITICAL - timeout waiting for the greeting from 127\.0\.0\.1 \|'
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -t 2 --timeout-result=UNKNOWN
t_is "$RC" 3 "no-greeting with --timeout-result=UNKNOWN: UNKNOWN"

# The OpenSSL engine against the same hostile servers (check_tls_cert).
mx_fixture tls-hrr-loop --concurrent --cert "$crt"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 3
t_is "$RC" 2 "tls-hrr-loop: check_tls_cert CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - TLS handshake with 127\.0\.0\.1 failed: ' \
    "tls-hrr-loop: a second HelloRetryRequest ends the handshake"
mx_fixture tls-truncated --concurrent --cert "$crt"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 3
t_like "$LINE1" '^TLS CERT CRITICAL - 127\.0\.0\.1 closed the connection in the middle of its answer to the ClientHello' \
    "tls-truncated: check_tls_cert names the cut answer"

# Nothing listens.
port=$(pf_free_port)
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" -t 3
t_is "$RC" 2 "closed port: CRITICAL"
t_like "$LINE1" "^TLS PROTOCOL CRITICAL - cannot connect to 127\.0\.0\.1 port $port: Connection refused \|" \
    "closed port: one summary, not six"

# Bad arguments.
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 --minimum=TLSv1.4
t_is "$RC" 3 "--minimum=TLSv1.4: UNKNOWN"
t_like "$LINE1" "^TLS PROTOCOL UNKNOWN - --minimum: unknown protocol version 'TLSv1\.4'$" "--minimum: message"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 --require=TLSv1.2,bogus
t_like "$LINE1" "^TLS PROTOCOL UNKNOWN - --require: unknown protocol version 'bogus'$" "--require: message"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 --require=
t_is "$RC" 3 "--require with an empty list: UNKNOWN"
t_like "$LINE1" "^TLS PROTOCOL UNKNOWN - --require: empty list$" "--require: empty list named"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 --parallel=0
t_like "$LINE1" "^TLS PROTOCOL UNKNOWN - --parallel: '0' is too small" "--parallel: bounds"
for spelling in TLSv1.2 TLS1.2 tls1_2 1.2; do
    mx_fixture forge --concurrent --cert "$crt" --versions tls1.1,tls1.2 --suites 0xC013
    mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 3 --minimum="$spelling"
    t_like "$LINE1" '^TLS PROTOCOL CRITICAL - TLSv1\.1 accepted \(minimum TLSv1\.2\)' "--minimum=$spelling"
done

t_done
