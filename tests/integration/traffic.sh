#!/bin/bash
# traffic.sh - check_tls_peers --learn-from: each peer's real client,
# learned from real mail flows on loopback.
#
# Senders on their own loopback addresses deliver to the tests' Postfix
# while tcpdump records: the tests' Postfix smtp client (127.0.0.3, a
# peer by network), Python's smtplib restricted like the incident's bank
# (127.0.0.4, a peer by host name: PTR and A in a private Knot DNS), swaks
# (127.0.0.5, three times) and smtplib again (127.0.0.6, whose PTR name is
# not confirmed by its A record), neither in the peers file. Then:
# attribution by network and by name; the unattributed senders, most
# frequent first; the profile (the real hello, byte for byte; JA3 as
# tshark computes it); the prediction from the learned profile equals
# what the client negotiated (Postfix's "TLS connection established"
# line); a peer whose client changed between two captures, and within a
# directory of rotated captures; the live mode on lo, and without
# CAP_NET_RAW; truncated, out-of-order and huge captures.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/dns.sh
. "$MXTLS_SRCDIR/tests/lib/dns.sh"
mx_init
mx_need_postfix
mx_certs
mx_require tcpdump=tcpdump swaks=swaks python3=python3 knotd=knot \
    kdig=knot-dnsutils ldns-signzone=ldnsutils capsh=libcap2-bin
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
c=$CERTS
bank_suites=$MX_BANK_SUITES

# dual also listens on ::1 where lo has it (a sender by IPv6). It refuses
# every recipient (its transport is error): the client MTA's messages go
# with the null sender, so that no bounce comes back over TLS.
ipv6=0
pf_has_ipv6 && ipv6=1
PF_IPV6=$ipv6 pf_start "$WORK/pf" \
    "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
port() { pf_port "$WORK/pf" "$1"; }
DUAL=$(port dual)
mkdir "$WORK/cache"

# A private DNS: PTR names of the senders and their A records.
D=$WORK/dns
mkdir -p "$D"
cat >"$D/insurer.test.zone" <<ZONE
\$ORIGIN insurer.test.
\$TTL 300
@ SOA ns.insurer.test. hostmaster.insurer.test. 1 3600 600 86400 300
@ NS ns.insurer.test.
ns A 127.0.0.1
mx01 A 127.0.0.4
mx02 A 127.0.0.99
ZONE
cat >"$D/127.zone" <<ZONE
\$ORIGIN 127.in-addr.arpa.
\$TTL 300
@ SOA ns.insurer.test. hostmaster.insurer.test. 1 3600 600 86400 300
@ NS ns.insurer.test.
4.0.0 PTR mx01.insurer.test.
6.0.0 PTR mx02.insurer.test.
ZONE
cat >"$D/anchor.test.zone" <<ZONE
\$ORIGIN anchor.test.
\$TTL 300
@ SOA ns.anchor.test. hostmaster.anchor.test. 1 3600 600 86400 300
@ NS ns.anchor.test.
ns A 127.0.0.1
ZONE
dns_keys "$D" anchor.test || t_bail "cannot make DNSSEC keys"
dns_sign "$D" anchor.test "$D/anchor.test.zone" || t_bail "cannot sign"
dns_start "$D" "anchor.test:$D/anchor.test.signed" \
    "insurer.test:$D/insurer.test.zone" "127.in-addr.arpa:$D/127.zone" ||
    t_bail "cannot start Knot DNS"
mx_at_exit "dns_stop '$D'"
DNS=(--dns-anchor="$(dns_anchor "$D" anchor.test)" --dns-server="127.0.0.1@$(dns_port "$D")")

# The tests' Postfix smtp client as a peer's MTA, on 127.0.0.3.
client_mta() { # DIR EXTRA-MAIN.CF: an instance relaying to dual
    local inject
    inject=$(pf_free_port)
    PF_MAIN_EXTRA="relayhost = [127.0.0.1]:$DUAL
default_transport = smtp
relay_transport = smtp
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_bind_address = 127.0.0.3
smtp_tls_security_level = may
smtp_tls_loglevel = 1
$2" pf_start "$1" "$inject:inject:none" || t_bail "cannot start the client Postfix"
    mx_at_exit "pf_stop '$1'"
    INJECT=$inject
}
relay() { # send one message through the client MTA, wait for its TLS line
    local before
    before=$(pf_lines "$WORK/pf")
    timeout 20 swaks --server "127.0.0.1:$INJECT" --from '<>' \
        --to b@example.org >/dev/null 2>&1
    pf_wait_log "$WORK/pf" 'postfix/dual/smtpd.*TLS connection established from [^[]*\[127\.0\.0\.3\]' 1 30 "$before" ||
        t_fail "the client MTA delivered over TLS"
}
smtplib() { # SOURCE-ADDRESS [CIPHERS]: one message with STARTTLS
    timeout 20 python3 - "$1" "$DUAL" "${2:-}" <<'PY'
import smtplib, ssl, sys
src, port, ciphers = sys.argv[1], int(sys.argv[2]), sys.argv[3]
server = "::1" if ":" in src else "127.0.0.1"
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if ciphers:
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(ciphers)
s = smtplib.SMTP(server, port, source_address=(src, 0), timeout=15)
s.starttls(context=ctx)
try:  # the message may be refused: the handshake is what is learned
    s.sendmail("a@insurer.test", ["b@example.org"], "Subject: t\r\n\r\nhi\r\n")
except smtplib.SMTPException as e:
    print("# smtplib:", e, file=sys.stderr)
s.quit()
PY
}
swaks5() {
    timeout 20 swaks --server "127.0.0.1:$DUAL" --local-interface 127.0.0.5 \
        --tls --from a@other.test --to b@example.org >/dev/null 2>&1
}

cat >"$WORK/peers.conf" <<INI
[bank]
description = the bank's MTA
from = 127.0.0.3/32
[insurer]
from = .insurer.test
[silent]
from = 192.0.2.0/24, 2001:db8::/32
[v6]
from = ::1/128
INI
npeers=$((2 + ipv6))

# 1. the first capture
client_mta "$WORK/client" ""
mx_capture_start "$WORK/one.pcap" "$DUAL"
before_one=$(pf_lines "$WORK/pf")
relay
relay
smtplib 127.0.0.4 "$bank_suites" || t_fail "smtplib from 127.0.0.4: STARTTLS"
swaks5
swaks5
swaks5
smtplib 127.0.0.6 || t_fail "smtplib from 127.0.0.6: STARTTLS"
if [ "$ipv6" = 1 ]; then
    smtplib ::1 || t_fail "smtplib from ::1: STARTTLS"
fi
pf_wait_log "$WORK/pf" 'postfix/dual/smtpd.*TLS connection established' 7 30 "$before_one"
mx_capture_stop
# what really happened, from Postfix's log: TLS sessions in all and of
# the bank's MTA (a refused message comes back as a bounce, over TLS too)
tls_lines() { # [ADDRESS]
    sed -n "$((before_one + 1)),\$p" "$(pf_log "$WORK/pf")" |
        grep -cE "postfix/dual/smtpd.*TLS connection established from [^[]*\\[${1:-[0-9a-f.:]+}\\]"
}
total=$(tls_lines)
n3=$(tls_lines '127\.0\.0\.3')
t_ok "Postfix logged $total TLS sessions, $n3 of the bank's MTA" \
    test "$n3" -ge 2 -a "$total" -ge 7

mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/one.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache" "${DNS[@]}"
t_is "$RC" 0 "one capture: OK"
t_like "$LINE1" "^TLS PEERS OK - learned $npeers peers from $total ClientHellos; 2 senders not in $WORK/peers.conf \|" \
    "one capture: summary"
t_like "$OUT" "^\\[OK\\] bank: $n3 ClientHellos from 127\\.0\\.0\\.3, $n3 alike; TLSv1\\.3 to TLSv1\\.[0-2], [0-9]+ suites, [^;]*; JA4 t13i[0-9]{4}00_[0-9a-f]{12}_[0-9a-f]{12}, JA3 [0-9a-f]{32}; first " \
    "by network: the bank's MTA, every hello alike, JA4 without SNI"
t_like "$OUT" '^\[OK\] insurer: 1 ClientHello from 127\.0\.0\.4 \(mx01\.insurer\.test\), 1 alike; TLSv1\.2 only, 12 suites, all RSA-authenticated; JA4 t12' \
    "by name: confirmed PTR mx01.insurer.test; TLSv1.2 only, 12 suites, all RSA"
if [ "$ipv6" = 1 ]; then
    t_like "$OUT" '^\[OK\] v6: 1 ClientHello from ::1, 1 alike; TLSv1\.3 to TLSv1\.[0-2], ' \
        "by IPv6 network: ::1/128"
else
    t_skip "by IPv6 network" "lo has no ::1"
fi
t_like "$OUT" '^\[OK\] silent: no ClientHello from 192\.0\.2\.0/24, 2001:db8::/32 in this capture$' \
    "a peer without mail in the capture is said so"
cands=$(grep '^\[OK\] not in the peers file' <<<"$OUT")
t_like "$(head -n 1 <<<"$cands")" '^\[OK\] not in the peers file: 127\.0\.0\.5: 3 ClientHellos, TLSv1\.3 to TLSv1\.[0-2], ' \
    "unattributed: the most frequent sender first"
t_like "$(sed -n 2p <<<"$cands")" '^\[OK\] not in the peers file: 127\.0\.0\.6: 1 ClientHello, ' \
    "unattributed: a PTR name its A record does not confirm is not shown, nor matched"
t_like "$OUT" "^\\[OK\\] read $WORK/one\\.pcap: 1 file, [0-9]+ packets, $total TCP connections judged, $total ClientHellos, 0 connections without one" \
    "the capture's numbers"
prof=$(cat "$WORK/cache/bank.profile" 2>/dev/null)
t_like "$prof" $'\nhello = 16030' "profile: the real hello, hex"
t_like "$prof" $'\nhello-source = '"$WORK"'/one\.pcap: 127\.0\.0\.3:[0-9]+ -> 127\.0\.0\.1:'"$DUAL" "profile: its source"
t_like "$prof" $'\nhello-count = '"$n3"$'\nhello-agree = '"$n3"$'\n' "profile: counts"
t_like "$prof" $'\nja4 = t13i' "profile: JA4"
# the hello kept is byte for byte one the client sent: tshark agrees on its JA3
if command -v tshark >/dev/null 2>&1; then
    ja3=$(sed -n 's/^ja3 = //p' <<<"$prof")
    tja3=$(tshark -r "$WORK/one.pcap" -d "tcp.port==$DUAL,smtp" \
        -Y "tls.handshake.type==1 && ip.src==127.0.0.3" -T fields \
        -e tls.handshake.ja3 2>/dev/null | sort -u)
    t_is "$tja3" "$ja3" "profile: JA3 = tshark's for the bank's MTA's hellos"
    hex=$(sed -n 's/^hello = //p' <<<"$prof")
    thex=$(tshark -r "$WORK/one.pcap" -d "tcp.port==$DUAL,smtp" \
        -Y "tls.handshake.type==1 && ip.src==127.0.0.3" -T fields \
        -e tcp.payload 2>/dev/null | tail -n 1)
    t_is "$hex" "$thex" "profile: the hello is the last one the MTA sent, byte for byte"
else
    t_skip "tshark comparisons" "tshark is not installed (tshark)"
fi

# 2. the prediction from the learned profile = what the client negotiated
real=$(sed -n "$((before_one + 1)),\$p" "$(pf_log "$WORK/pf")" |
    sed -n 's/.*postfix\/dual\/smtpd.*TLS connection established from [^[]*\[127\.0\.0\.3\]: \(TLSv[0-9.]*\) with cipher \([^ ]*\) .*/\1 \2/p' |
    tail -n 1)
t_isnt "$real" "" "Postfix logged what the bank's MTA negotiated"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$DUAL" -f "$WORK/peers.conf" \
    --peer=bank --cache-dir="$WORK/cache"
t_is "$RC" 0 "check: the bank's learned client negotiates"
pred=$(sed -n 's/^\[OK\] bank: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p' <<<"$OUT")
t_is "$pred" "$real" "check: predicted version and suite = what the bank's MTA negotiated"
t_like "$OUT" "^\\[OK\\] bank: its client learned from traffic: $n3 ClientHellos from 127\\.0\\.0\\.3, last [0-9TZ:-]+; JA4 $(sed -n 's/^ja4 = //p' <<<"$prof"), JA3 $(sed -n 's/^ja3 = //p' <<<"$prof")\$" \
    "check: the output says the verdict rests on the hello learned from traffic, with its JA4 and JA3"
real4=$(sed -n "$((before_one + 1)),\$p" "$(pf_log "$WORK/pf")" |
    sed -n 's/.*postfix\/dual\/smtpd.*TLS connection established from [^[]*\[127\.0\.0\.4\]: \(TLSv[0-9.]*\) with cipher \([^ ]*\) .*/\1 \2/p' |
    tail -n 1)
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$DUAL" -f "$WORK/peers.conf" \
    --peer=insurer --cache-dir="$WORK/cache"
pred=$(sed -n 's/^\[OK\] insurer: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p' <<<"$OUT")
t_is "$pred" "$real4" "check: the insurer's learned client, as it negotiated ($real4)"

# 3. the bank upgrades... to a client restricted to TLSv1.2
pf_stop "$WORK/client"
client_mta "$WORK/client2" "smtp_tls_protocols = >=TLSv1.2, <=TLSv1.2
smtp_tls_mandatory_protocols = >=TLSv1.2, <=TLSv1.2"
mx_capture_start "$WORK/two.pcap" "$DUAL"
relay
mx_capture_stop
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/two.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache" "${DNS[@]}"
t_is "$RC" 1 "changed client: WARNING"
t_like "$LINE1" '^TLS PEERS WARNING - bank changed its client' "changed client: summary"
t_like "$OUT" '^\[WARNING\] bank: its client changed: changed since the last capture \(last seen [0-9TZ:-]+\): JA4 t13i[0-9a-f_]+ then t12i' \
    "changed client: between the two captures, JA4 before and after"
t_like "$(cat "$WORK/cache/bank.profile")" $'\nhello-change = changed since the last capture' \
    "changed client: the profile says so"
mkdir "$WORK/rotated"
cp "$WORK/one.pcap" "$WORK/rotated/smtp.pcap0"
cp "$WORK/two.pcap" "$WORK/rotated/smtp.pcap1"
rm -f "$WORK/cache/bank.profile"
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/rotated" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache" "${DNS[@]}"
t_like "$OUT" "^\\[WARNING\\] bank: its client changed: [0-9TZ:-]+: JA4 t13i[0-9a-f_]+ \\($n3 hellos\\) then t12i.* \\(from 127\\.0\\.0\\.3\\)\$" \
    "rotated captures: the change within one run, in the captures' order"
t_like "$OUT" "read $WORK/rotated: 2 files, " "rotated captures: both files read"

# 4. live on lo
mx_run "$CHECK_TLS_PEERS" --learn-from=iface:lo:x -f "$WORK/peers.conf" --cache-dir="$WORK/cache"
t_is "$RC" 3 "live: bad SECONDS is UNKNOWN"
mx_run capsh --drop=cap_net_raw -- -c "'$CHECK_TLS_PEERS' --learn-from=iface:lo:5 -f '$WORK/peers.conf' --cache-dir='$WORK/cache'"
t_is "$RC" 3 "live without CAP_NET_RAW: UNKNOWN"
t_like "$OUT" '^TLS PEERS UNKNOWN - capturing on lo needs CAP_NET_RAW \(run as root, or setcap cap_net_raw\+ep on the plugin\): ' \
    "live without CAP_NET_RAW: said so"
t_is "$(wc -l <<<"$OUT")" 1 "live without CAP_NET_RAW: in one line"
# -t 3: the name lookups after an 8 s capture still get their 3 s
"$CHECK_TLS_PEERS" --learn-from=iface:lo:8 -p "$DUAL" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache" -t 3 "${DNS[@]}" >"$WORK/live.out" 2>&1 &
live=$!
# mail until the capture ends (it may start after the first messages)
while kill -0 "$live" 2>/dev/null; do
    swaks5
    sleep 0.5
done
wait "$live"
RC=$?
OUT=$(cat "$WORK/live.out")
t_is "$RC" 0 "live: OK"
t_like "$OUT" '^\[OK\] not in the peers file: 127\.0\.0\.5: [0-9]+ ClientHellos?, TLSv1\.3 to TLSv1\.[0-2]' \
    "live: swaks's hellos seen on lo"
t_like "$OUT" '^\[OK\] read iface:lo:8: 1 file, ' "live: the source named"
t_unlike "$OUT" 'names not looked up' "live: the names looked up after the capture, within -t"

# 5. damaged and large captures
size=$(stat -c %s "$WORK/one.pcap")
head -c $((size * 2 / 3)) "$WORK/one.pcap" >"$WORK/cut.pcap"
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/cut.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache"
t_like "$OUT" "^\\[WARNING\\] $WORK/cut\\.pcap ends early after [0-9]+ packets: " \
    "truncated: said so, with where"
t_like "$OUT" '^\[OK\] bank: [0-9]+ ClientHellos? from 127\.0\.0\.3' "truncated: the hellos before the cut are learned"
python3 - "$WORK/one.pcap" "$WORK/swapped.pcap" "$WORK/many.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
head, off, pkts = data[:24], 24, []
while off + 16 <= len(data):
    n = struct.unpack("<I", data[off + 8:off + 12])[0]
    pkts.append(data[off:off + 16 + n])
    off += 16 + n
# out of order: every pair of packets swapped
sw = []
for i in range(0, len(pkts) - 1, 2):
    sw += [pkts[i + 1], pkts[i]]
if len(pkts) % 2:
    sw.append(pkts[-1])
open(sys.argv[2], "wb").write(head + b"".join(sw))
# many: 600 copies of the capture with other client ports, interleaved
# so that all 600 connections are open at once
link = struct.unpack("<I", head[20:24])[0]
off_ip = {1: 14, 113: 16, 276: 20, 0: 4, 101: 0}[link]
def with_port(p, k):
    body = bytearray(p)
    ip = 16 + off_ip
    ihl = (body[ip] & 15) * 4
    tcp = ip + ihl
    sport, dport = struct.unpack(">HH", body[tcp:tcp + 4])
    if sport < dport:
        body[tcp:tcp + 2] = struct.pack(">H", 10000 + k)
    else:
        body[tcp + 2:tcp + 4] = struct.pack(">H", 10000 + k)
    return bytes(body)
client = [p for p in pkts if p[16 + off_ip] >> 4 == 4]
out = []
for p in client:
    for k in range(600):
        out.append(with_port(p, k))
open(sys.argv[3], "wb").write(head + b"".join(out))
PY
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/swapped.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache" "${DNS[@]}"
t_like "$LINE1" "^TLS PEERS [A-Z]+ - learned $npeers peers from $total ClientHellos" \
    "out of order (a SYN after its SYN+ACK among them): every hello put back together"
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/many.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache" "${DNS[@]}"
total4=$((total - $(tls_lines '::1')))
t_like "$LINE1" "^TLS PEERS [A-Z]+ - learned 2 peers from $((600 * total4)) ClientHellos" \
    "huge: $((600 * total4)) connections (IPv4 ones copied), 600 at once, every hello found"
t_like "$OUT" 'connections judged early to free their place' \
    "huge: connections over the 256 followed at once said so"
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/nothing.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache"
t_is "$RC" 3 "missing file: UNKNOWN"
printf 'not a capture\n' >"$WORK/text.pcap"
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/text.pcap" -f "$WORK/peers.conf" \
    --cache-dir="$WORK/cache"
t_like "$LINE1" "^TLS PEERS UNKNOWN - $WORK/text\\.pcap is not a capture file libpcap can read" \
    "not a capture: UNKNOWN, named"
printf '[x]\nfrom = 10.0.0.0/33\n' >"$WORK/bad.conf"
mx_run "$CHECK_TLS_PEERS" --learn-from="$WORK/one.pcap" -f "$WORK/bad.conf" \
    --cache-dir="$WORK/cache"
t_like "$LINE1" "prefix length" "from = with a bad prefix length: UNKNOWN, said so"
t_done
