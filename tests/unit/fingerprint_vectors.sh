#!/bin/sh
# fingerprint_vectors.sh - record the ClientHellos of real clients on this
# machine (openssl s_client, gnutls-cli, curl, Python's ssl) and write
# tests/unit/fingerprint_vectors.txt for test_fingerprint: per client its
# hello in hex, JA3 string and MD5 as tshark computes them, and JA4 and
# its raw form derived from tshark's decoding of the hello's fields with
# sort and sha256sum, following FoxIO's JA4 definition step by step:
#   a = t + version (highest supported_versions, else the handshake
#       version) + d/i (server_name or not) + suite count + extension
#       count (two digits, GREASE left out) + first/last character of the
#       first ALPN value (00 without ALPN)
#   b = sha256 of the sorted suites (4 hex digits, ',') cut to 12
#   c = sha256 of the sorted extensions without 0000 and 0010, then '_'
#       and the signature algorithms in order, cut to 12
# None of the clients recorded here sends GREASE or a non-alphanumeric
# ALPN edge; test_fingerprint covers those with hellos of its own.
#
# Needs: openssl, gnutls-bin, curl, python3, tcpdump, tshark; root (for
# the capture on lo). Usage: sh tests/unit/fingerprint_vectors.sh [OUT]
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

out=${1:-$(dirname "$0")/fingerprint_vectors.txt}
port=44330
for p in openssl gnutls-cli curl python3 tcpdump tshark sha256sum; do
    command -v "$p" >/dev/null 2>&1 || {
        echo "fingerprint_vectors.sh: $p is missing" >&2
        exit 1
    }
done
tmp=$(mktemp -d)
trap 'kill "$srv" "$cap" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/k.pem" -out "$tmp/c.pem" -subj /CN=localhost -days 2 \
    2>/dev/null
openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/c.pem" \
    -key "$tmp/k.pem" -www -quiet >/dev/null 2>&1 &
srv=$!
tcpdump -i lo -U -w "$tmp/c.pcap" "tcp port $port" >/dev/null 2>&1 &
cap=$!
sleep 2

# one client per line: its name, then the command
names=""
run() {
    names="$names $1"
    shift
    "$@" </dev/null >/dev/null 2>&1 || true
}
run openssl-s_client timeout 5 openssl s_client -connect "127.0.0.1:$port"
run openssl-s_client-sni-alpn timeout 5 openssl s_client \
    -connect "127.0.0.1:$port" -servername mx.example.test -alpn h2,http/1.1
run openssl-s_client-tls12-2suites timeout 5 openssl s_client \
    -connect "127.0.0.1:$port" -tls1_2 -cipher AES256-GCM-SHA384:AES128-SHA
run gnutls-cli timeout 5 gnutls-cli --insecure -p "$port" localhost
run curl timeout 5 curl -sk "https://localhost:$port/"
run python3-ssl timeout 5 python3 -c "
import ssl, socket
c = ssl.create_default_context()
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
c.wrap_socket(socket.create_connection(('127.0.0.1', $port)),
              server_hostname='mail.example.test').close()"
sleep 1
kill "$cap" "$srv"
wait "$cap" 2>/dev/null || true

nogrease() { tr ',' '\n' | grep -iv '^0x\([0-9a-f]\)a\1a$' | sed '/^$/d'; }
hex4() { sed 's/^0x//' | tr 'A-F' 'a-f'; }
sha12() { printf '%s' "$1" | sha256sum | cut -c1-12; }

{
    echo "# made by tests/unit/fingerprint_vectors.sh on $(date -u +%F)"
    echo "# $(tshark --version 2>/dev/null | head -1)"
    echo "# name|hello hex|ja3 (tshark)|ja3 md5 (tshark)|ja4|ja4_r"
    # shellcheck disable=SC2086 # one word per client
    set -- $names
    tshark -r "$tmp/c.pcap" -Y 'tls.handshake.type==1' -T fields -E separator='|' \
        -e tcp.payload -e tls.handshake.ja3_full -e tls.handshake.ja3 \
        -e tls.handshake.version -e tls.handshake.ciphersuite \
        -e tls.handshake.extension.type -e tls.handshake.sig_hash_alg \
        -e tls.handshake.extensions.supported_version \
        -e tls.handshake.extensions_alpn_str \
        -e tls.handshake.extensions_server_name 2>/dev/null |
        while IFS='|' read -r hex ja3 md5 hver suites exts sigs vers alpn sni; do
            v=$(printf '%s' "$vers" | nogrease | hex4 | sort | tail -1)
            [ -n "$v" ] || v=$(printf '%s' "$hver" | hex4)
            case $v in
            0304) v=13 ;; 0303) v=12 ;; 0302) v=11 ;; 0301) v=10 ;;
            0300) v=s3 ;; *) v=00 ;;
            esac
            [ -n "$sni" ] && d=d || d=i
            ns=$(printf '%s' "$suites" | nogrease | wc -l)
            # extension types come in decimal from tshark
            el=$(printf '%s\n' "$exts" | tr ',' '\n' | sed '/^$/d' |
                while read -r e; do printf '%04x\n' "$e"; done |
                grep -v '^\([0-9a-f]\)a\1a$' || true)
            ne=$(printf '%s\n' "$el" | sed '/^$/d' | wc -l)
            a1=${alpn%%,*}
            if [ -n "$a1" ]; then
                al=$(printf '%s' "$a1" | cut -c1)$(printf '%s' "$a1" | rev | cut -c1)
            else
                al=00
            fi
            a=$(printf 't%s%s%02d%02d%s' "$v" "$d" "$ns" "$ne" "$al")
            b=$(printf '%s' "$suites" | nogrease | hex4 | sort | paste -sd, -)
            c=$(printf '%s\n' "$el" | sed '/^$/d' | grep -v '^0000$' |
                grep -v '^0010$' | sort | paste -sd, -)
            s=$(printf '%s' "$sigs" | nogrease | hex4 | paste -sd, -)
            [ -n "$s" ] && c="${c}_$s"
            printf '%s|%s|%s|%s|%s_%s_%s|%s_%s_%s\n' "$1" "$hex" "$ja3" \
                "$md5" "$a" "$(sha12 "$b")" "$(sha12 "$c")" "$a" "$b" "$c"
            shift
        done
} >"$out"
echo "wrote $out"
