#!/bin/bash
# capture.sh - ClientHellos of real clients, captured on loopback with
# tcpdump and read back by common/capture.c (through the check program
# tests/fixture/hellodump): openssl s_client (its defaults, and TLS 1.2
# with a cipher list, groups and signature algorithms), gnutls-cli with a
# priority string, and swaks with a cipher list, each doing SMTP STARTTLS
# with the fixture in mode good. What hellodump prints must be what the
# client was told to offer, what tshark reads in the same capture, and what
# the same bytes give as hex (xxd -p and od). Needs root (skipped without)
# and the tools above (fails naming the missing package). Traffic stays on lo.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
MX_GUARD=30
HELLODUMP=$MXTLS_BUILDDIR/tests/fixture/hellodump
mx_init
if [ "$(id -u)" != 0 ]; then
    t_skip_all "capturing on loopback needs root"
fi
mx_require tcpdump=tcpdump tshark=tshark mergecap=wireshark-common xxd=xxd \
    od=coreutils gnutls-cli=gnutls-bin swaks=swaks Net::SSLeay=libnet-ssleay-perl
[ -x "$HELLODUMP" ] || t_bail "$HELLODUMP is missing (make check builds it)"
mx_certs
mx_fixture good --cert "$CERTS/rsa2048.pem"
printf 'QUIT\r\n' >"$WORK/quit"

CAP=
CAPPID=
NCONN=0 # connections the fixture has served so far
# shellcheck disable=SC2016 # expanded at exit, when CAPPID is known
mx_at_exit '[ -z "$CAPPID" ] || kill "$CAPPID"'

have() {
    command -v "$1" >/dev/null 2>&1
}

# cap_start NAME: capture the fixture's port on lo into $WORK/NAME.pcap.
# -U and --immediate-mode: each packet is written as it arrives.
cap_start() {
    local i
    CAP=$WORK/$1.pcap
    : >"$WORK/tcpdump.err"
    tcpdump -i lo -n -U --immediate-mode -Z root -w "$CAP" \
        "tcp port $FPORT" 2>"$WORK/tcpdump.err" &
    CAPPID=$!
    for ((i = 0; i < 100; i++)); do
        grep -q 'listening on' "$WORK/tcpdump.err" && return 0
        sleep 0.05
    done
    t_bail "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
}

# cap_stop: once the fixture has logged the connection (so it is closed)
# and the file has stopped growing, stop tcpdump with SIGTERM.
cap_stop() {
    local i size prev=-1
    NCONN=$((NCONN + 1))
    for ((i = 0; i < 100; i++)); do
        [ -f "$FLOG" ] && [ "$(wc -l <"$FLOG")" -ge "$NCONN" ] && break
        sleep 0.05
    done
    for ((i = 0; i < 50; i++)); do
        size=$(stat -c %s "$CAP")
        [ "$size" -gt 24 ] && [ "$size" = "$prev" ] && break
        prev=$size
        sleep 0.1
    done
    kill -TERM "$CAPPID"
    wait "$CAPPID"
    CAPPID=
}

# field NAME: the values of hellodump's line NAME in DUMP, comma-separated
# as tshark prints them ("-" becomes "").
field() {
    local v
    v=$(sed -n "s/^$1: //p" <<<"$DUMP")
    [ "$v" = "-" ] && v=
    printf '%s' "${v// /,}"
}

# codes: "0xC0,0x2F - NAME ..." (openssl ciphers -V) or "NAME 0xc0, 0x2f
# TLS1.2" (gnutls-cli --list) lines as "0xc02f 0xcca8 ...".
codes() {
    grep -oiE '0x[0-9a-f]{2}, ?0x[0-9a-f]{2}' |
        tr 'A-F' 'a-f' | sed -E 's/0x(..), ?0x(..)/0x\1\2/' |
        paste -sd ' ' -
}

# check_capture NAME: hellodump reads $CAP (DUMP gets its output); tshark
# and the hex of the same bytes agree with it.
check_capture() {
    local name=$1 t
    mx_run "$HELLODUMP" -w "$WORK/$name.raw" "$CAP"
    t_is "$RC" 0 "$name: hellodump finds the ClientHello in the capture"
    [ "$RC" = 0 ] || t_diag "$ERR"
    DUMP=$OUT
    t_like "$DUMP" "^origin: $CAP: 127\\.0\\.0\\.1:[0-9]+ -> 127\\.0\\.0\\.1:$FPORT\$" \
        "$name: origin names the client's connection to the fixture"
    t_like "$DUMP" '^suites: 0x[0-9a-f]{4}( 0x[0-9a-f]{4})*$' \
        "$name: a list of suites"
    if have tshark; then
        t=$(tshark -r "$CAP" -d "tcp.port==$FPORT,smtp" \
            -Y 'tls.handshake.type == 1' -T fields -E 'separator=|' \
            -e tls.handshake.ciphersuite \
            -e tls.handshake.extensions_supported_group \
            -e tls.handshake.sig_hash_alg \
            -e tls.handshake.extensions.supported_version 2>/dev/null)
        t_is "$t" "$(field suites)|$(field groups)|$(field sigalgs)|$(field versions)" \
            "$name: tshark reads the same suites, groups, sigalgs, versions"
    else
        t_skip "$name: tshark agrees" "tshark is not installed"
    fi
    if have xxd; then
        xxd -p "$WORK/$name.raw" >"$WORK/$name.hex"
        mx_run "$HELLODUMP" "$WORK/$name.hex"
        t_is "$(sed 1d <<<"$OUT")" "$(sed 1d <<<"$DUMP")" \
            "$name: the same bytes as xxd -p hex decode the same"
        t_is "${OUT%%$'\n'*}" "origin: hex file $WORK/$name.hex" \
            "$name: hex origin names the file"
    else
        t_skip "$name: xxd -p hex decodes the same" "xxd is not installed"
    fi
    od -An -tx1 -v "$WORK/$name.raw" >"$WORK/$name.od"
    mx_run "$HELLODUMP" "$WORK/$name.od"
    t_is "$(sed 1d <<<"$OUT")" "$(sed 1d <<<"$DUMP")" \
        "$name: the same bytes as od -tx1 hex decode the same"
}

# openssl s_client with its defaults: the suites are those of
# "openssl ciphers -s" (TLS 1.3 ones first), then the renegotiation SCSV.
cap_start openssl
mx_run openssl s_client -starttls smtp -connect "127.0.0.1:$FPORT" \
    -servername mail.example.test -quiet <"$WORK/quit"
t_is "$RC" 0 "openssl: s_client -starttls smtp ran"
cap_stop
check_capture openssl
t_is "$(field suites)" "$(openssl ciphers -s -V | codes | tr ' ' ','),0x00ff" \
    "openssl: suites are openssl ciphers -s, then 0x00ff"
t_like "$DUMP" '^sni: mail\.example\.test$' "openssl: SNI as given"
t_like "$DUMP" '^versions: 0x0304 0x0303' "openssl: TLS 1.3 and 1.2 offered"
OPENSSL_SUITES=$(field suites)

# openssl s_client, TLS 1.2 only, told exactly what to offer.
list='ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:AES256-SHA'
cap_start openssl12
mx_run openssl s_client -starttls smtp -connect "127.0.0.1:$FPORT" -tls1_2 \
    -cipher "$list" -groups X25519:P-256 -sigalgs 'RSA+SHA256:ECDSA+SHA256' \
    -quiet <"$WORK/quit"
t_is "$RC" 0 "openssl12: s_client -tls1_2 -cipher ran"
cap_stop
check_capture openssl12
t_like "$DUMP" '^suites: 0xc02f 0xcca8 0x0035 0x00ff$' \
    "openssl12: suites are the -cipher list (and the SCSV)"
t_is "$(field suites)" \
    "$(openssl ciphers -V -ciphersuites '' "$list" | codes | tr ' ' ','),0x00ff" \
    "openssl12: ... as openssl ciphers -V maps the names"
t_like "$DUMP" '^groups: 0x001d 0x0017$' "openssl12: groups are -groups"
t_like "$DUMP" '^sigalgs: 0x0401 0x0403$' "openssl12: sigalgs are -sigalgs"
t_like "$DUMP" '^versions: -$' "openssl12: no supported_versions"
t_like "$DUMP" '^legacy_version: 0x0303$' "openssl12: legacy_version TLS 1.2"

# gnutls-cli with a priority string: the suites in the order
# "gnutls-cli --list" gives them, the versions in the string's order.
prio='NORMAL:-CIPHER-ALL:+AES-128-GCM:+CHACHA20-POLY1305:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3'
if have gnutls-cli; then
    cap_start gnutls
    mx_run gnutls-cli --starttls-proto=smtp --port "$FPORT" --insecure \
        --priority "$prio" 127.0.0.1 <"$WORK/quit"
    t_is "$RC" 0 "gnutls: gnutls-cli --starttls-proto=smtp ran"
    cap_stop
    check_capture gnutls
    want=$(gnutls-cli --list --priority "$prio" | codes)
    t_like "$want" '^0x1301 ' "gnutls: gnutls-cli --list gives codes"
    t_is "$(field suites)" "${want// /,}" \
        "gnutls: suites are those of the priority string, in order"
    t_like "$DUMP" '^versions: 0x0303 0x0304$' \
        "gnutls: versions in the priority string's order"
else
    t_skip "gnutls: gnutls-cli" "gnutls-cli is not installed"
fi

# swaks (OpenSSL through Net::SSLeay): TLS 1.2 with a cipher list.
if have swaks; then
    cap_start swaks
    mx_run swaks --server "127.0.0.1:$FPORT" --tls --quit-after TLS \
        --tls-protocol tlsv1_2 --tls-sni mail.example.test \
        --tls-cipher 'ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA'
    t_is "$RC" 0 "swaks: swaks --tls --quit-after TLS ran"
    cap_stop
    check_capture swaks
    t_like "$DUMP" '^suites: 0xc02c 0x0033 0x00ff$' \
        "swaks: suites are --tls-cipher (and the SCSV)"
    t_like "$DUMP" '^sni: mail\.example\.test$' "swaks: SNI as given"
    # and with its defaults it offers what s_client does
    cap_start swaksdefault
    mx_run swaks --server "127.0.0.1:$FPORT" --tls --quit-after TLS
    t_is "$RC" 0 "swaksdefault: swaks with its defaults ran"
    cap_stop
    check_capture swaksdefault
    t_is "$(field suites)" "$OPENSSL_SUITES" \
        "swaksdefault: the same suites as s_client's defaults"
else
    t_skip "swaks: swaks" "swaks is not installed"
fi

# Two captures in one file, the later session first (mergecap -a keeps
# the order of the files): the first connection in the file wins.
if have mergecap; then
    mergecap -a -F pcap -w "$WORK/all.pcap" "$WORK/openssl12.pcap" \
        "$WORK/openssl.pcap"
    mx_run "$HELLODUMP" "$WORK/all.pcap"
    t_like "$OUT" '^suites: 0xc02f 0xcca8 0x0035 0x00ff$' \
        "two sessions in one file: the first connection's hello"
    mergecap -a -F pcapng -w "$WORK/all.pcapng" "$WORK/openssl.pcap" \
        "$WORK/openssl12.pcap"
    mx_run "$HELLODUMP" "$WORK/all.pcapng"
    t_is "$(sed -n 's/^suites: //p' <<<"$OUT")" "${OPENSSL_SUITES//,/ }" \
        "the same as pcapng, the other way round: the other hello"
else
    t_skip "two sessions in one file" "mergecap is not installed"
fi

t_done
