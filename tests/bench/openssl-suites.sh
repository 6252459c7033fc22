#!/bin/bash
#
# openssl-suites.sh - the slow, obvious way to learn which (protocol
# version, cipher suite) pairs a mail server accepts, with nothing but the
# openssl command line tool: one STARTTLS handshake per pair, one after
# the other, each offering that version only and that suite only.
#
#   tests/bench/openssl-suites.sh DIALECT PORT
#
# DIALECT is s_client's -starttls argument (smtp, imap, pop3, ...); the
# server is 127.0.0.1:PORT.  The candidates are every suite the local
# OpenSSL implements for each version, at security level 0 so that the
# client's own policy refuses none of them:
#
#   TLSv1.0, TLSv1.1, TLSv1.2: the suites "openssl ciphers -s -tlsX
#     ALL:COMPLEMENTOFALL:@SECLEVEL=0" lists for that version (TLS 1.3
#     suites left out), each offered with "-tlsX -cipher SUITE:@SECLEVEL=0";
#   TLSv1.3: the five suites of RFC 8446, each offered with
#     "-tls1_3 -ciphersuites SUITE".
#
# Prints one line per candidate:
#
#   VERSION 0xHHHH NAME accepted           the handshake completed with
#                                          that version and that suite
#   VERSION 0xHHHH NAME refused REASON     it did not (REASON: the first
#                                          OpenSSL error, or "-")
#   VERSION 0xHHHH NAME local REASON       the local OpenSSL could not
#                                          offer it after STARTTLS ("no
#                                          ciphers available": PSK and SRP
#                                          suites without a key)
#   VERSION 0xHHHH NAME other VER SUITE    a handshake completed, but not
#                                          with what was offered
#
# and last "K accepted of N candidates, C connections".  Exits 0 when
# every candidate was tried, whatever the outcomes; 1 when openssl gives
# no candidates; 2 on a usage error.  Nothing but 127.0.0.1 is contacted.

set -u
export LC_ALL=C

usage() {
    echo "usage: $0 DIALECT PORT  (DIALECT: s_client -starttls, PORT 1-65535)" >&2
    exit 2
}
[ $# -eq 2 ] || usage
dialect=$1
port=$2
[[ $dialect =~ ^[a-z0-9]+$ ]] || usage
if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$port" -gt 65535 ]; then
    usage
fi
openssl=${OPENSSL:-openssl}

# The suites of RFC 8446, section B.4.
TLS13_SUITES="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256"

tmp=$(mktemp -d /tmp/mxtls-openssl-suites.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# candidates: "VERSION FLAG CODE NAME" lines, FLAG being s_client's
# version option.  "openssl ciphers -V" prints "0xC0,0x30 - NAME VERSION
# Kx=...".
candidates() {
    local flag ver
    for flag in tls1:TLSv1.0 tls1_1:TLSv1.1 tls1_2:TLSv1.2; do
        ver=${flag#*:}
        flag=${flag%%:*}
        "$openssl" ciphers -V -s "-$flag" 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' |
            awk -v ver="$ver" -v flag="$flag" '
                $4 != "TLSv1.3" && $1 ~ /^0x..,0x..$/ {
                    split($1, b, ",")
                    printf "%s %s 0x%s%s %s\n", ver, flag,
                        toupper(substr(b[1], 3)), toupper(substr(b[2], 3)), $3
                }'
    done
    "$openssl" ciphers -V -s -tls1_3 -ciphersuites \
        "$(echo "$TLS13_SUITES" | tr ' ' ':')" 'ALL:@SECLEVEL=0' |
        awk '$4 == "TLSv1.3" && $1 ~ /^0x..,0x..$/ {
                split($1, b, ",")
                printf "TLSv1.3 tls1_3 0x%s%s %s\n",
                    toupper(substr(b[1], 3)), toupper(substr(b[2], 3)), $3
            }'
}

# reason ERR: the reason of the first OpenSSL error line of ERR
# ("...:error:0A000410:SSL routines:FUNC:REASON:FILE:LINE:"), or "-".
reason() {
    local line re='^[0-9A-Fa-f]*:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):'
    while IFS= read -r line; do
        if [[ $line =~ $re ]]; then
            echo "${BASH_REMATCH[1]}"
            return
        fi
    done <"$1"
    echo -
}

candidates >"$tmp/candidates" || exit 1
[ -s "$tmp/candidates" ] || {
    echo "$0: openssl lists no cipher suites" >&2
    exit 1
}

# -brief: s_client prints "Protocol version: TLSv1.2" and "Ciphersuite:
# NAME" on stderr right after the handshake, the version negotiated (its
# "New, TLSv1.0, Cipher is ..." line gives the suite's version instead, and
# its "SSL-Session:" block comes with TLS 1.3 only when a session ticket
# arrived before it closed).  Every candidate costs one connection: the
# STARTTLS dialogue comes before s_client builds its ClientHello.
re_ver='^Protocol version: ([A-Za-z0-9.]+)$'
re_suite='^Ciphersuite: ([A-Za-z0-9_-]+)$'
n=0
ok=0
conns=0
while read -r ver flag code name; do
    n=$((n + 1))
    conns=$((conns + 1))
    if [ "$ver" = TLSv1.3 ]; then
        "$openssl" s_client -brief -starttls "$dialect" \
            -connect "127.0.0.1:$port" -tls1_3 -ciphersuites "$name" \
            -cipher 'ALL:@SECLEVEL=0' </dev/null >"$tmp/out" 2>"$tmp/err"
    else
        "$openssl" s_client -brief -starttls "$dialect" \
            -connect "127.0.0.1:$port" "-$flag" -cipher "$name:@SECLEVEL=0" \
            </dev/null >"$tmp/out" 2>"$tmp/err"
    fi
    got_ver=
    got_suite=
    while IFS= read -r line; do
        if [[ $line =~ $re_ver ]]; then
            got_ver=${BASH_REMATCH[1]}
        elif [[ $line =~ $re_suite ]]; then
            got_suite=${BASH_REMATCH[1]}
        fi
    done <"$tmp/err"
    [ "$got_ver" = TLSv1 ] && got_ver=TLSv1.0
    why=$(reason "$tmp/err")
    if [ -z "$got_suite" ]; then
        if [ "$why" = "no ciphers available" ]; then
            echo "$ver $code $name local $why"
        else
            echo "$ver $code $name refused $why"
        fi
    elif [ "$got_ver" = "$ver" ] && [ "$got_suite" = "$name" ]; then
        ok=$((ok + 1))
        echo "$ver $code $name accepted"
    else
        echo "$ver $code $name other $got_ver $got_suite"
    fi
done <"$tmp/candidates"
echo "$ok accepted of $n candidates, $conns connections"
exit 0
