#!/bin/bash
#
# openssl-peers.sh - the loop a mail administrator would write to learn,
# with nothing but the openssl command line tool, whether N peers that
# each speak like the bank of the incident (TLSv1.2 only, its 12
# RSA-authenticated or RSA key-transport suites) get a handshake with a
# mail server on 127.0.0.1: one STARTTLS session per peer, each given
# "QUIT" on stdin.
#
#   tests/bench/openssl-peers.sh PORT N
#
# Prints one line per peer: "PEER ok VERSION SUITE" when the handshake
# succeeded, "PEER failed REASON" when it did not, REASON being the first
# OpenSSL error that s_client printed (e.g. "sslv3 alert handshake
# failure"), or "-" when it printed none.  The last line is
# "K of N handshakes succeeded".  Exits 0 when every handshake was tried,
# whatever their outcome; 2 on a usage error.
#
# -ign_eof: without it s_client reads the "Q" of "QUIT" as its own
# command letter for "close the connection", so QUIT never reaches the
# server; with it, QUIT is sent, the server answers 221 and closes.

set -u

if [ $# -ne 2 ] || ! [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] ||
    ! [[ $2 =~ ^[1-9][0-9]{0,3}$ ]]; then
    echo "usage: $0 PORT N  (PORT 1-65535, N 1-9999)" >&2
    exit 2
fi
port=$1
n=$2
if [ "$port" -gt 65535 ]; then
    echo "usage: $0 PORT N  (PORT 1-65535, N 1-9999)" >&2
    exit 2
fi
openssl=${OPENSSL:-openssl}

# The bank's client, as peers.conf.example describes it.
SUITES="ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA"

tmp=$(mktemp -d /tmp/mxtls-openssl-peers.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# outcome OUT ERR: "ok VERSION SUITE" or "failed REASON" from the output
# of one s_client run.  s_client prints "New, TLSv1.2, Cipher is SUITE"
# after a handshake and "New, (NONE), Cipher is (NONE)" when there was
# none; its errors look like
# "80FB...:error:0A000410:SSL routines:FUNC:REASON:FILE:LINE:".
outcome() {
    local line ver suite reason=
    local re_new='^New, (TLSv[0-9.]+|SSLv3), Cipher is ([A-Za-z0-9_-]+)$'
    local re_err='^[0-9A-Fa-f]*:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):'
    while IFS= read -r line; do
        if [[ $line =~ $re_new ]]; then
            ver=${BASH_REMATCH[1]}
            suite=${BASH_REMATCH[2]}
            echo "ok $ver $suite"
            return
        fi
    done <"$1"
    while IFS= read -r line; do
        if [[ $line =~ $re_err ]]; then
            reason=${BASH_REMATCH[1]}
            break
        fi
    done <"$2"
    echo "failed ${reason:--}"
}

ok=0
for ((i = 1; i <= n; i++)); do
    peer=$(printf 'bank%02d' "$i")
    echo QUIT | "$openssl" s_client -starttls smtp \
        -connect "127.0.0.1:$port" -tls1_2 -cipher "$SUITES" -ign_eof \
        >"$tmp/out" 2>"$tmp/err"
    result=$(outcome "$tmp/out" "$tmp/err")
    case $result in
    ok" "*) ok=$((ok + 1)) ;;
    esac
    echo "$peer $result"
done
echo "$ok of $n handshakes succeeded"
exit 0
