#!/bin/bash
# fixture.sh - check_tls_cert against servers that misbehave on purpose
# (tests/fixture/mxtls-fixture): each case must end within -t with the
# right state and a message that names what happened. The hang guard of
# mx_run (60 s) only catches a plugin that ignores -t entirely.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
MX_GUARD=15 # -t is 2 or less below: a run past 15 s ignored its deadline
mx_init
mx_certs
[ -x "$FIXTURE" ] || t_bail "fixture not built: $FIXTURE"
crt=$CERTS/rsa2048.pem

# expect MODE STATE REGEX [PLUGIN OPTIONS...]
expect() {
    local mode=$1 state=$2 regex=$3
    shift 3
    mx_fixture "$mode" --cert "$crt"
    mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 2 --ca-file="$CERTS/ca.pem" "$@"
    t_is "$RC" "$state" "$mode: exit status $state"
    t_like "$LINE1" "$regex" "$mode: message"
}

expect good 0 '^TLS CERT OK - RSA 2048; it expires in'
expect multiline-greeting 0 '^TLS CERT OK - RSA 2048'
expect no-greeting 2 '^TLS CERT CRITICAL - timeout waiting for the greeting from 127\.0\.0\.1'
for ((i = 0; i < 50; i++)); do
    [ -s "$FLOG" ] && break
    sleep 0.1
done
t_like "$(cat "$FLOG")" 'mode=no-greeting .* rx=0 .*pre_greeting=0 ' \
    "no-greeting: the plugin never spoke before the greeting"
expect no-greeting 3 '^TLS CERT UNKNOWN - timeout waiting for the greeting' --timeout-result=UNKNOWN
expect no-greeting 1 '^TLS CERT WARNING - timeout' -t 1:WARNING
expect stall-greeting 2 '^TLS CERT CRITICAL - timeout waiting for the greeting'
expect close-on-accept 2 '^TLS CERT CRITICAL - 127\.0\.0\.1 closed the connection while we waited for the greeting'
expect greeting-421 2 '^TLS CERT CRITICAL - greeting refused service: 421 4\.3\.2 fixture\.test Service not available - try later'
expect greeting-554 2 '^TLS CERT CRITICAL - greeting refused service: 554 5\.7\.1'
expect no-starttls 2 '^TLS CERT CRITICAL - STARTTLS not offered in the EHLO reply'
expect starttls-454 2 '^TLS CERT CRITICAL - STARTTLS refused: 454 4\.7\.0 TLS not available due to local problem'
expect ehlo-5xx 2 '^TLS CERT CRITICAL - EHLO rejected: 502 5\.5\.2'
expect close-after-starttls 2 '^TLS CERT CRITICAL - no TLS handshake with 127\.0\.0\.1: server closed the connection during the handshake'
expect garbage-serverhello 2 '^TLS CERT CRITICAL - 127\.0\.0\.1 does not speak TLS: it answered the ClientHello with "HTTP/'
expect stall-handshake 2 '^TLS CERT CRITICAL - timeout during the TLS handshake with 127\.0\.0\.1'
expect long-line 2 '^TLS CERT CRITICAL - 127\.0\.0\.1 sent a line longer than 4096 bytes in the greeting'
expect bad-reply 2 '^TLS CERT CRITICAL - not an SMTP reply line in the greeting: "hello there"'
expect data-after-starttls 2 '^TLS CERT CRITICAL - 127\.0\.0\.1 sent [0-9]+ unexpected bytes after its STARTTLS reply'
expect lmtp-good 0 '^TLS CERT OK - RSA 2048' -S lmtp
expect imap-good 0 '^TLS CERT OK - RSA 2048' -S imap
expect imap-no-starttls 2 '^TLS CERT CRITICAL - STARTTLS refused: a1 BAD' -S imap
expect imap-bye 2 '^TLS CERT CRITICAL - greeting refused service: \* BYE' -S imap
expect pop3-good 0 '^TLS CERT OK - RSA 2048' -S pop3
expect pop3-no-stls 2 '^TLS CERT CRITICAL - STLS refused: -ERR' -S pop3
expect tls 0 '^TLS CERT OK - RSA 2048' -S none

# Nothing listens: connection refused.
port=$(pf_free_port)
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$port" -t 2
t_is "$RC" 2 "closed port: CRITICAL"
t_like "$LINE1" "^TLS CERT CRITICAL - cannot connect to 127\.0\.0\.1 port $port: Connection refused" \
    "closed port: message"

# flog_accepted: the fixture's log line of the completed handshake (a
# check also makes refused ones); the fixture writes it once the
# connection has closed.
flog_accepted() {
    local i
    for ((i = 0; i < 50; i++)); do
        grep -q ' tls=TLS' "$FLOG" 2>/dev/null && break
        sleep 0.1
    done
    grep ' tls=TLS' "$FLOG" | tail -n 1
}

# A host name (resolved from /etc/hosts; no query leaves the machine) is
# sent as SNI; an address is not; --sni and --no-sni override.
mx_fixture good --cert "$crt"
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$FPORT" -t 5 --ca-file="$CERTS/ca.pem"
t_is "$RC" 0 "-H localhost -4: resolved and checked"
t_like "$(flog_accepted)" ' sni=localhost ' "-H localhost: SNI localhost"
: >"$FLOG"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 5
t_like "$(flog_accepted)" ' sni=- ' "-H 127.0.0.1: no SNI"
: >"$FLOG"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 5 --sni=mx.example.org
t_like "$(flog_accepted)" ' sni=mx.example.org ' "--sni sets the name"
: >"$FLOG"
mx_run "$CHECK_TLS_CERT" -H localhost -4 -p "$FPORT" -t 5 --no-sni
t_like "$(flog_accepted)" ' sni=- ' "--no-sni sends none"
t_like "$(flog_accepted)" ' cmds=EHLO,STARTTLS,EHLO,QUIT end=quit' \
    "the session ends with EHLO over TLS and QUIT"
: >"$FLOG"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$FPORT" -t 5 --ehlo=probe.example.net -vv
t_like "$ERR" '^> EHLO probe\.example\.net$' "--ehlo names the client (seen in -vv)"
t_like "$ERR" '^< 220 fixture\.test ESMTP' "-vv shows the dialogue"

# IPv6 loopback.
if pf_has_ipv6; then
    mx_fixture good --cert "$crt" --listen ::1
    mx_run "$CHECK_TLS_CERT" -H ::1 -p "$FPORT" -t 5 --ca-file="$CERTS/ca.pem"
    t_is "$RC" 0 "-H ::1: checked over IPv6"
    t_like "$OUT" "::1 port $FPORT" "-H ::1: the address is reported"
    mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -6 -p "$FPORT" -t 5
    t_is "$RC" 3 "-6 with an IPv4 address: UNKNOWN"
else
    t_skip "IPv6 loopback" "::1 is not configured on lo"
fi

t_done
