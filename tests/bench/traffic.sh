#!/bin/bash
#
# traffic.sh - the cost of check_tls_peers --learn-from: CPU time and
# memory per 10,000 packets of a capture, and the time to attribute and
# learn 50 peers.
#
#   MXTLS_SRCDIR=SRC MXTLS_BUILDDIR=BUILD bash SRC/tests/bench/traffic.sh
#
# A private Postfix on 127.0.0.1 (tests/lib/postfix.sh) receives one
# STARTTLS session from each of 50 senders, swaks bound to 127.0.0.11 ..
# 127.0.0.60, while tcpdump records; that capture (the "50 peers" one) is
# then multiplied by a Python script into a large one: each connection
# copied with other client ports, the copies interleaved so that 256 and
# more connections are open at once (the reader's most). On both:
#   - check_tls_peers --learn-from with a peers file of 50 peers, one per
#     sender (from = 127.0.0.N/32), into a fresh cache: the median wall
#     time of RUNS runs;
#   - GNU time's user+system CPU seconds and maximum resident set size of
#     one run on the large capture, per 10,000 packets (the packets
#     counted by the plugin itself).
# Output: a Markdown section between "<!-- bench:traffic -->" markers on
# stdout; with MXTLS_BENCH_WRITE_DOCS=1 it replaces that section of
# docs/benchmark.md (appended when missing).
#
# Needs root, postfix, swaks, tcpdump, python3, GNU time (/usr/bin/time).
# Nothing but loopback is contacted.
set -u -o pipefail
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
MXTLS_SRCDIR=${MXTLS_SRCDIR:-$BENCH_DIR/../..}
MXTLS_BUILDDIR=${MXTLS_BUILDDIR:-$MXTLS_SRCDIR}
RUNS=${MXTLS_BENCH_RUNS:-7}
COPIES=${MXTLS_BENCH_TRAFFIC_COPIES:-400}
PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}
for p in postfix swaks tcpdump python3 /usr/bin/time; do
    command -v "$p" >/dev/null 2>&1 || die "$p is missing"
done
[ -x "$PEERS" ] || die "$PEERS is not built"
# shellcheck source=../lib/postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"

W=$(mktemp -d /tmp/mxtls-bench-traffic.XXXXXX) || die "mktemp"
chmod 755 "$W"
cap=
cleanup() {
    [ -n "$cap" ] && kill "$cap" 2>/dev/null
    pf_stop "$W/pf"
    rm -rf "$W"
}
trap cleanup EXIT
bash "$MXTLS_SRCDIR/tests/certs/mkcerts.sh" "$W/certs" >/dev/null 2>&1 ||
    die "cannot make certificates"
pf_start "$W/pf" "0:dual:$W/certs/rsa2048.pem,$W/certs/ecdsa-p256.pem" ||
    die "cannot start Postfix"
port=$(pf_port "$W/pf" dual)

say "recording 50 senders"
tcpdump -i lo -n -U --immediate-mode -w "$W/50.pcap" "tcp port $port" \
    2>"$W/tcpdump.err" &
cap=$!
for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$W/tcpdump.err" && break
    sleep 0.05
done
: >"$W/peers.conf"
for ((n = 11; n <= 60; n++)); do
    swaks --server "127.0.0.1:$port" --local-interface "127.0.0.$n" --tls \
        --quit-after TLS >/dev/null 2>&1 || die "swaks from 127.0.0.$n failed"
    printf '[peer%02d]\nfrom = 127.0.0.%d/32\n' "$n" "$n" >>"$W/peers.conf"
done
sleep 1
kill "$cap"
wait "$cap" 2>/dev/null
cap=

say "making the large capture ($COPIES copies of each connection)"
python3 - "$W/50.pcap" "$W/big.pcap" "$COPIES" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
copies = int(sys.argv[3])
head, off, pkts = data[:24], 24, []
while off + 16 <= len(data):
    n = struct.unpack("<I", data[off + 8:off + 12])[0]
    pkts.append(data[off:off + 16 + n])
    off += 16 + n
link = struct.unpack("<I", head[20:24])[0]
ip0 = 16 + {1: 14, 113: 16, 276: 20, 0: 4, 101: 0}[link]
def moved(p, k):
    b = bytearray(p)
    tcp = ip0 + (b[ip0] & 15) * 4
    sport, dport = struct.unpack(">HH", b[tcp:tcp + 4])
    at = tcp if sport > dport else tcp + 2
    b[at:at + 2] = struct.pack(">H", 1024 + k)
    return bytes(b)
with open(sys.argv[2], "wb") as f:
    f.write(head)
    for p in pkts:
        for k in range(copies):
            f.write(moved(p, k))
PY

learn() { # PCAP: one run into a fresh cache
    rm -rf "$W/cache"
    mkdir "$W/cache"
    "$PEERS" --learn-from="$1" -f "$W/peers.conf" --cache-dir="$W/cache" -t 600
}
say "timing 50 peers ($RUNS runs)"
times=()
for ((r = 0; r < RUNS; r++)); do
    bench_clock t0
    out=$(learn "$W/50.pcap")
    bench_clock t1
    [[ $out == "TLS PEERS OK - learned 50 peers from 50 ClientHellos"* ]] ||
        die "unexpected: ${out%%$'\n'*}"
    times+=($((t1 - t0)))
done
secs() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }
med=$(secs "$(bench_median "${times[@]}")")
all=
for t in "${times[@]}"; do
    all="$all $(secs "$t")"
done
packets50=$(sed -n 's/.*read .*: 1 file, \([0-9]*\) packets.*/\1/p' <<<"$out")

say "measuring the large capture"
rm -rf "$W/cache"
mkdir "$W/cache"
/usr/bin/time -f '%U %S %M %e' -o "$W/time.out" "$PEERS" \
    --learn-from="$W/big.pcap" -f "$W/peers.conf" --cache-dir="$W/cache" \
    -t 600 >"$W/big.out"
read -r user sys rss _ <"$W/time.out"
packets=$(sed -n 's/.*read .*: 1 file, \([0-9]*\) packets.*/\1/p' "$W/big.out")
hellos=$(sed -n 's/.*, \([0-9]*\) ClientHellos, .*/\1/p' "$W/big.out" | head -1)
first=$(head -n 1 "$W/big.out")
if [ -z "$packets" ] || [ "$packets" = 0 ]; then
    die "no packet count: $first"
fi
size=$(stat -c %s "$W/big.pcap")
cpu10k=$(awk -v u="$user" -v s="$sys" -v p="$packets" \
    'BEGIN { printf "%.3f", (u + s) * 10000 / p }')

section=$(
    cat <<MD
<!-- bench:traffic -->
## G. Learning from traffic (check_tls_peers --learn-from)

Made by \`tests/bench/traffic.sh\` on $(date -u +%F) ($(nproc) cores shared
with other jobs): 50 senders (swaks bound to 127.0.0.11 .. 127.0.0.60)
each sent one STARTTLS session to a private Postfix while tcpdump
recorded; a peers file names each sender as a peer (\`from =
127.0.0.N/32\`). The large capture is that one with every connection
copied $COPIES times under other client ports, the copies interleaved
(so far more than 256 connections are open at once).

| capture | packets | size | ClientHellos | CPU (user+sys) | max RSS | CPU per 10,000 packets |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| 50 senders | $packets50 | $(stat -c %s "$W/50.pcap") B | 50 | | | |
| large | $packets | $size B | $hellos | ${user} s + ${sys} s | ${rss} KiB | ${cpu10k} s |

Memory does not grow with the capture: the connections followed at
once, the bytes kept per direction and the segments kept in all are
capped (256, 80 KiB, 32 MiB), and a connection is forgotten once its
hello is read; the resident set above is that of the whole plugin.

Attributing and learning the 50 peers (reading the 50-sender capture,
fingerprinting, looking up the senders' PTR names through the system's
resolver, attributing by network, writing 50 profiles, each fsync'ed
with its directory): median
**${med} s** of $RUNS runs (${all# } s).

The large capture's first line: \`${first%% |*}\`.
<!-- /bench:traffic -->
MD
)
printf '%s\n' "$section"
if [ "${MXTLS_BENCH_WRITE_DOCS:-0}" = 1 ]; then
    doc=$MXTLS_SRCDIR/docs/benchmark.md
    printf '%s\n' "$section" >"$W/section.md"
    python3 - "$doc" "$W/section.md" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
new = open(sys.argv[2]).read().rstrip("\n")
a, b = "<!-- bench:traffic -->", "<!-- /bench:traffic -->"
if a in text and b in text:
    text = text[:text.index(a)] + new + text[text.index(b) + len(b):]
else:
    text = text.rstrip("\n") + "\n\n" + new + "\n"
open(path, "w").write(text)
PY
    say "wrote $doc"
fi
