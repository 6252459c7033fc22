#!/bin/bash
# limits.sh - servers that limit connections at once (Exim's
# smtp_accept_max_per_host, Postfix's anvil, postscreen) and servers slow
# to greet, played by the fixture: --max-concurrent N answers a connection
# beyond N open ones with "421 4.7.0 ... Too many concurrent SMTP
# connections" (or closes it, --limit-close); --greeting-delay pauses
# before every greeting. A plugin backs off to what the server takes and
# gets the same answer as from the same server unlimited, says in the long
# output that it met a limit, and a server that refuses every connection
# stays CRITICAL with its 421.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
MX_GUARD=40
mx_init
mx_certs
crt=$CERTS/rsa2048.pem
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
peer=(--peer-name=p --peer-ciphers=ECDHE-RSA-AES128-GCM-SHA256)
suites=0xC030,0xC02F,0x009C,0x009D,0xC013,0xC014,0x002F,0x0035,0x003C,0x003D,0xC027,0xC028,0x0067,0x006B,0x009E,0x009F

# The (version, suite) pairs of --ciphers output, sorted, one per line.
pairs() {
    awk '/^\[/{v=$2} /^  \[[A-Z]+\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print v, $2}' <<<"$1" | sort
}

# Output without the perfdata and timings, to compare two runs.
plain() {
    sed -e 's/ |.*//' -e 's/[0-9.]* ms\b/N ms/g' -e 's/ port [0-9]* / port N /' <<<"$1" |
        grep -v 'refused connections beyond'
}

# The reference: the same forge server without a limit.
mx_fixture forge --concurrent --cert "$crt" --versions tls1.2 --suites "$suites"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 30 --ciphers
ref_rc=$RC
ref=$(pairs "$OUT")
t_is "$(wc -l <<<"$ref")" 16 "unlimited: the 16 suites of the forge server"

for how in 421 close; do
    extra=()
    [ "$how" = close ] && extra=(--limit-close)
    mx_fixture forge --max-concurrent 2 "${extra[@]}" --cert "$crt" \
        --versions tls1.2 --suites "$suites"
    mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 30 --ciphers
    t_is "$RC" "$ref_rc" "limit 2 ($how): the exit status of the unlimited server"
    t_is "$(pairs "$OUT")" "$ref" "limit 2 ($how): the whole suite table"
    t_ok "limit 2 ($how): the fixture did turn probes away" grep -q "end=limit-$how" "$FLOG"
    t_like "$OUT" '^\[OK\] the server refused connections beyond [12] at once \(.*\): parallelism lowered from 8 to [12]' \
        "limit 2 ($how): check_tls_protocol reports the limit it met"
done

# check_tls_cert and check_tls_peers (real handshakes: mode good). The
# limit is 2: a server process may still be ending when the next serial
# connection comes (as Exim's children do), so 1 would refuse serial
# clients too.
for plugin in cert peers; do
    case $plugin in
    cert) bin=$CHECK_TLS_CERT args=(--ca-file="$CERTS/ca.pem") ;;
    peers) bin=$CHECK_TLS_PEERS args=("${peer[@]}") ;;
    esac
    mx_fixture good --concurrent --cert "$crt"
    mx_run "$bin" -H 127.0.0.1 -p "$FPORT" -t 30 "${args[@]}"
    rc0=$RC out0=$OUT
    for how in 421 close; do
        extra=()
        [ "$how" = close ] && extra=(--limit-close)
        mx_fixture good --max-concurrent 2 "${extra[@]}" --cert "$crt"
        mx_run "$bin" -H 127.0.0.1 -p "$FPORT" -t 30 "${args[@]}"
        t_is "$RC" "$rc0" "$plugin, limit 2 ($how): the exit status of the unlimited server"
        t_is "$(plain "$OUT")" "$(plain "$out0")" "$plugin, limit 2 ($how): the same answer"
    done
done
# check_tls_peers runs its peers in parallel: it meets the limit and says so.
pf=$WORK/peers.conf
: >"$pf"
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 AES128-SHA AES256-SHA \
    ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA AES128-GCM-SHA256 AES256-GCM-SHA384; do
    printf '[%s]\nprotocols = TLSv1.2\nciphers = %s\n\n' "$c" "$c" >>"$pf"
done
mx_fixture good --concurrent --cert "$crt"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" -t 30 -f "$pf"
rc0=$RC out0=$OUT
t_is "$RC" 0 "peers, 8 peers, unlimited: OK"
mx_fixture good --max-concurrent 2 --cert "$crt"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" -t 30 -f "$pf"
t_is "$RC" "$rc0" "peers, 8 peers, limit 2: the exit status of the unlimited server"
t_is "$(plain "$OUT")" "$(plain "$out0")" "peers, 8 peers, limit 2: the same answer"
t_like "$OUT" '^\[OK\] the server refused connections beyond [12] at once \(greeting refused service: 421 4\.7\.0 .*Too many concurrent SMTP connections.*\): parallelism lowered from 8 to [12]' \
    "peers: the limit met is in the long output"

# A server that refuses every connection stays CRITICAL, naming the 421.
mx_fixture forge --max-concurrent 0 --cert "$crt" --versions tls1.2 --suites "$suites"
mx_run "$CHECK_TLS_PROTOCOL" --raw-only -H 127.0.0.1 -p "$FPORT" -t 30 --ciphers
t_is "$RC" 2 "limit 0: protocol CRITICAL"
t_like "$OUT" '421 4\.7\.0 .*Too many concurrent SMTP connections' "limit 0: protocol names the 421"
mx_fixture good --max-concurrent 0 --cert "$crt"
for plugin in cert peers; do
    case $plugin in
    cert) bin=$CHECK_TLS_CERT args=(--ca-file="$CERTS/ca.pem") lab=CERT ;;
    peers) bin=$CHECK_TLS_PEERS args=("${peer[@]}") lab=PEERS ;;
    esac
    n0=$(wc -l <"$FLOG")
    mx_run "$bin" -H 127.0.0.1 -p "$FPORT" -t 30 "${args[@]}"
    t_is "$RC" 2 "limit 0: $plugin CRITICAL"
    t_like "$LINE1" "^TLS $lab CRITICAL - .*421 4\\.7\\.0 .*Too many concurrent SMTP connections" \
        "limit 0: $plugin names the 421 in the first line"
    t_is "$(($(wc -l <"$FLOG") - n0))" 1 "limit 0: $plugin asked once (a refusal alone is not retried)"
done

# A slow greeting: 1.2 s before every greeting, 8 peers 2 at a time need
# at least 4 waves of 1.2 s, more than -t 3 allows however fast the
# machine: the peers cut by the deadline are timeouts, and the long output
# says the run could not fit, with its numbers.
mx_fixture good --concurrent --greeting-delay 1200 --cert "$crt"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" -t 3 --parallel 2 -f "$pf"
t_is "$RC" 2 "slow greeting: peers CRITICAL (the timeout state)"
t_like "$OUT" '^\[CRITICAL\] [^:]*: timeout ' "slow greeting: a peer cut by the deadline says timeout"
t_like "$OUT" '^\[CRITICAL\] the run could not fit the deadline: [0-9]+ connections were left, 2 at a time, about [0-9]+ ms each \(greeting after [0-9]+ ms\)' \
    "slow greeting: the plan that did not fit is in the long output"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" -t 3 --parallel 2 -f "$pf" --timeout-result=UNKNOWN
t_is "$RC" 3 "slow greeting: --timeout-result=UNKNOWN gives UNKNOWN"

# A real Postfix with an anvil limit of 2 connections at once from a
# client (smtpd_client_connection_count_limit; the exceptions, $mynetworks
# by default, emptied so that loopback counts): --ciphers gets the table
# of the same Postfix without the limit, and Postfix's log shows that the
# limit was met.
mx_need_postfix
c=$CERTS
pf_start "$WORK/pf" "0:plain:$c/rsa2048.pem" \
    "0:anvil:$c/rsa2048.pem:smtpd_client_connection_count_limit=2;smtpd_client_event_limit_exceptions=" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf" plain)" -t 30 --ciphers
pf_rc=$RC
pf_ref=$(pairs "$OUT")
t_isnt "$pf_ref" "" "Postfix unlimited: a suite table"
n0=$(pf_lines "$WORK/pf")
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(pf_port "$WORK/pf" anvil)" -t 30 --ciphers
t_is "$RC" "$pf_rc" "Postfix anvil limit 2: the exit status of the unlimited service"
[ "$RC" = "$pf_rc" ] || t_diag "$OUT"
t_is "$(pairs "$OUT")" "$pf_ref" "Postfix anvil limit 2: the whole suite table"
t_isnt "$(pf_count "$WORK/pf" 'postfix/anvil/smtpd.*Connection concurrency limit exceeded' "$n0")" 0 \
    "Postfix anvil limit 2: the limit was met (smtpd logged it)"

t_done
