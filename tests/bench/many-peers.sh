#!/bin/bash
#
# many-peers.sh - benchmark G: check_tls_peers with many distinct peers
# against one private Postfix on 127.0.0.1 (RSA 2048 + ECDSA P-256,
# Postfix defaults).  Each peer speaks TLSv1.2 only and offers its own
# list of 3 to 12 suites that such a server accepts, drawn from a fixed
# seed, so that no two peers offer the same and none shares a run.
#
#   bash tests/bench/many-peers.sh [N]       (N peers, default 1000)
#
# Prints a Markdown section between "<!-- bench:G -->" markers: the
# plugin's exit status and first line, its wall time and maximum resident
# set size (/usr/bin/time -v), median of MXTLS_BENCH_RUNS runs (default
# 3), and the length of its perfdata.  Needs root (Postfix), GNU time
# (package time) and a built check_tls_peers (MXTLS_BUILDDIR).  Exits 0
# when every run ended OK, 1 otherwise, 2 on a usage error.

set -u -o pipefail
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
MXTLS_SRCDIR=${MXTLS_SRCDIR:-$BENCH_DIR/../..}
MXTLS_BUILDDIR=${MXTLS_BUILDDIR:-$MXTLS_SRCDIR}
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
RUNS=${MXTLS_BENCH_RUNS:-3}
n=${1:-1000}

if ! [[ $n =~ ^[1-9][0-9]{0,2}$|^1000$ ]]; then
    echo "usage: $0 [N]  (N 1-1000)" >&2
    exit 2
fi
if ! [[ $RUNS =~ ^[1-9][0-9]?$ ]]; then
    echo "many-peers: MXTLS_BENCH_RUNS must be 1 to 99" >&2
    exit 2
fi
[ "$(id -u)" = 0 ] || {
    echo "many-peers: needs root (it starts a private Postfix)" >&2
    exit 1
}
[ -x /usr/bin/time ] || {
    echo "many-peers: /usr/bin/time missing (package time)" >&2
    exit 1
}
[ -x "$CHECK_TLS_PEERS" ] || {
    echo "many-peers: $CHECK_TLS_PEERS not built (make)" >&2
    exit 1
}

# shellcheck source=../lib/postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"

work=$(mktemp -d /tmp/mxtls-many-peers.XXXXXX) && chmod 755 "$work" || exit 1
trap 'pf_stop "$work/pf"; rm -rf "$work"' EXIT
certs=$work/certs
bash "$MXTLS_SRCDIR/tests/certs/mkcerts.sh" "$certs" >/dev/null 2>&1 || {
    echo "many-peers: cannot make certificates" >&2
    exit 1
}
pf_start "$work/pf" "0:dual:$certs/rsa2048.pem,$certs/ecdsa-p256.pem" || {
    echo "many-peers: cannot start Postfix" >&2
    exit 1
}
port=$(pf_port "$work/pf" dual)

# TLSv1.2 suites a Postfix with an RSA and an ECDSA certificate accepts
# with its defaults.
suites=(ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-AES256-GCM-SHA384
    ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-RSA-CHACHA20-POLY1305
    ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256
    ECDHE-ECDSA-AES256-SHA384 ECDHE-RSA-AES256-SHA384
    ECDHE-ECDSA-AES128-SHA256 ECDHE-RSA-AES128-SHA256
    ECDHE-ECDSA-AES256-SHA ECDHE-RSA-AES256-SHA ECDHE-ECDSA-AES128-SHA
    ECDHE-RSA-AES128-SHA AES256-GCM-SHA384 AES128-GCM-SHA256 AES256-SHA256
    AES128-SHA256 AES256-SHA AES128-SHA)

# Peer i: 3 + i % 10 suites drawn from the list without replacement,
# in the order drawn, so that each list (and its order) is distinct.
RANDOM=20261203
{
    for ((i = 1; i <= n; i++)); do
        k=$((3 + i % 10))
        pool=("${suites[@]}")
        list=
        for ((j = 0; j < k; j++)); do
            x=$((RANDOM % ${#pool[@]}))
            list=${list:+$list:}${pool[$x]}
            pool=("${pool[@]:0:x}" "${pool[@]:x+1}")
        done
        printf '[p%04d]\nprotocols = TLSv1.2\nciphers = %s\n\n' "$i" "$list"
    done
} >"$work/peers.conf"
distinct=$(grep -c '^ciphers' "$work/peers.conf")
unique=$(grep '^ciphers' "$work/peers.conf" | sort -u | wc -l)

load0=$(cut -d' ' -f1-3 /proc/loadavg)
fail=0
times=()
rss=()
cpu=()
for ((r = 1; r <= RUNS; r++)); do
    /usr/bin/time -v -o "$work/time" "$CHECK_TLS_PEERS" -H 127.0.0.1 \
        -p "$port" -f "$work/peers.conf" -t 120 >"$work/out" 2>"$work/err"
    rc=$?
    [ "$rc" = 0 ] || fail=1
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")
    m=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
    u=$(sed -n 's/.*User time (seconds): //p' "$work/time")
    k=$(sed -n 's/.*System time (seconds): //p' "$work/time")
    cpu+=("$(awk -v u="$u" -v k="$k" 'BEGIN { printf "%.2f", u + k }')")
    # m:ss.ss -> seconds
    secs=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$w")
    times+=("$secs")
    rss+=("$m")
    echo "many-peers: run $r: exit $rc, $secs s (CPU ${cpu[-1]} s), $m KiB" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
first=$(head -n 1 "$work/out" | sed 's/ *|.*//')
perf=$(sed -n 's/^[^|]*|//p' "$work/out" | tr '\n' ' ' | wc -c)
echo "<!-- bench:G -->"
echo "## G: $n distinct peers (check_tls_peers)"
echo
echo "$distinct peers ($unique distinct suite lists), TLSv1.2, 3 to 12 suites each,"
echo "against Postfix with RSA 2048 + ECDSA P-256 on 127.0.0.1; median of $RUNS runs,"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $load0 before and"
echo "$(cut -d' ' -f1-3 /proc/loadavg) after.  The wall time includes the server's work (a"
echo "TLS handshake, EHLO and QUIT per peer); the plugin's CPU time is its own."
echo
echo "| exit | first line | wall time | plugin CPU (user + sys) | max RSS | perfdata |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| $rc | \`$first\` | $(median "${times[@]}") s | $(median "${cpu[@]}") s | $(($(median "${rss[@]}") / 1024)) MiB | $perf bytes |"
echo "<!-- /bench:G -->"
exit $fail
