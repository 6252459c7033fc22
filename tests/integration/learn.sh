#!/bin/bash
# learn.sh - learning a peer's profile from its MX (mx_learn, run by
# tests/fixture/learndump, and check_tls_peers --learn) against a Postfix
# set up like the bank's server side in the incident: TLSv1.2 only, an RSA
# certificate only, exactly twelve cipher suites. First by address
# ("[127.0.0.1]:PORT"), then through DNS with "domain:PORT": the MX lookup
# for the domain, then that port on each MX host. The DNS is a real
# authoritative server (Knot DNS, tests/lib/dns.sh) for what servers
# answer, a truncated UDP answer taken again over TCP and a CNAME loop
# among them, and the hostile responder tests/fixture/dnsfixture for what
# no real server sends (silence, SERVFAIL on request, a wrong ID, a record
# past the end, a compression loop, TC with no TCP). Last, the command a
# check prints for a missing or stale profile learns into the cache that
# check reads.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/dns.sh
. "$MXTLS_SRCDIR/tests/lib/dns.sh"
mx_init
mx_need_postfix
mx_require knotd=knot kdig=knot-dnsutils ss=iproute2
mx_certs

LEARNDUMP=$MXTLS_BUILDDIR/tests/fixture/learndump
DNSFIXTURE=$MXTLS_BUILDDIR/tests/fixture/dnsfixture
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
for b in "$LEARNDUMP" "$DNSFIXTURE" "$CHECK_TLS_PEERS"; do
    [ -x "$b" ] || t_bail "$b is not built (make check builds it)"
done

# The bank's twelve suites, in its order; and their codes, sorted.
BANK_CIPHERS=ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA
BANK_CODES="0x002F 0x0035 0x003C 0x003D 0x009C 0x009D 0xC013 0xC014 0xC027 0xC028 0xC02F 0xC030"

# Postfix takes the list through the "medium" grade (smtpd_tls_ciphers,
# Postfix's default) with tls_medium_cipherlist set for this service.
tls12="smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2"
grade="smtpd_tls_ciphers=medium;smtpd_tls_mandatory_ciphers=medium;tls_medium_cipherlist=$BANK_CIPHERS"
PF_IPV6=1 pf_start "$WORK/pf" "0:bank:$CERTS/rsa2048.pem:$tls12;$grade" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
port=$(pf_port "$WORK/pf" bank)

# s_client PROTOCOL-OPTION CIPHER-OPTION...: the cipher of a handshake with
# the bank's Postfix, or "none".
s_client() {
    local out
    out=$(echo QUIT | timeout 20 openssl s_client -starttls smtp \
        -connect "127.0.0.1:$port" "$@" 2>&1 </dev/null)
    sed -n 's/^New, [^,]*, Cipher is \(.*\)$/\1/p' <<<"$out" | head -n1 |
        sed 's/^(NONE)$/none/' | grep . || echo none
}

# The server is what the test says it is.
t_is "$(s_client -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384)" \
    ECDHE-RSA-AES256-GCM-SHA384 "openssl: TLSv1.2 with the bank's first suite"
t_is "$(s_client -tls1_2 -cipher AES128-SHA)" AES128-SHA \
    "openssl: TLSv1.2 with the bank's last suite"
t_is "$(s_client -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305)" none \
    "openssl: a suite not in the list is refused"
t_is "$(s_client -tls1_3)" none "openssl: TLSv1.3 is refused"

# suite_set OUTPUT: the "suites:" codes, sorted, on one line.
suite_set() {
    sed -n 's/^suites: *//p' <<<"$1" | tr ' ' '\n' | sed '/^$/d' | sort |
        paste -sd' ' -
}
# field NAME OUTPUT: the value of line "NAME: ...".
field() {
    sed -n "s/^$1: *//p" <<<"$2"
}

# --- by address, no DNS
mx_run "$LEARNDUMP" "[127.0.0.1]:$port"
t_is "$RC" 0 "[127.0.0.1]:PORT: learned"
[ "$RC" = 0 ] || t_diag "$OUT" "$ERR"
t_is "$(field versions "$OUT")" "TLSv1.2" "[127.0.0.1]:PORT: versions = TLSv1.2"
t_is "$(suite_set "$OUT")" "$BANK_CODES" \
    "[127.0.0.1]:PORT: suites = exactly the bank's twelve"
t_like "$(field groups "$OUT")" '^0x' "[127.0.0.1]:PORT: groups learned (ECDHE)"
t_is "$(field hosts "$OUT")" "127.0.0.1" "[127.0.0.1]:PORT: hosts"
t_is "$(field addrs "$OUT")" "127.0.0.1" "[127.0.0.1]:PORT: addrs"

mx_run "$LEARNDUMP" "127.0.0.1:$port"
t_is "$RC:$(suite_set "$OUT")" "0:$BANK_CODES" \
    "127.0.0.1:PORT (an address: no MX lookup): the same suites"

# --- through DNS: Knot DNS serving test. (unsigned)
Z=$WORK/test.zone
{
    cat <<'EOF'
$ORIGIN test.
$TTL 300
@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@ NS ns.test.
ns A 127.0.0.1
; the bank and friends
bank MX 10 mx01.bank
mx01.bank A 127.0.0.1
two MX 20 mx02.two
two MX 10 mx01.bank
mx02.two A 127.0.0.1
implicit A 127.0.0.1
nomail MX 0 .
nohost MX 10 missing.nohost
; a domain that is an alias, and an MX host that is one
alias CNAME bank
cname MX 10 alias.cname
alias.cname CNAME mx01.bank
; both families: AAAA is probed first
v6 MX 10 mx.v6
mx.v6 A 127.0.0.1
mx.v6 AAAA ::1
; a CNAME loop
a.loop CNAME b.loop
b.loop CNAME a.loop
; an MX record that names no host name
badmx MX 10 bad\032name.badmx
EOF
    # 100 MX records, highest preference first: too big for UDP; only the
    # first one by preference (h001) has an address
    for ((i = 100; i >= 1; i--)); do
        printf 'huge MX %d h%03d.huge\n' "$i" "$i"
    done
    echo 'h001.huge A 127.0.0.1'
} >"$Z"
dns_start "$WORK/knot" "test:$Z" || t_bail "cannot start Knot DNS"
mx_at_exit "dns_stop '$WORK/knot'"
kp=$(dns_port "$WORK/knot")
dns=127.0.0.1@$kp

mx_run "$LEARNDUMP" --dns "$dns" "bank.test:$port"
t_is "$RC" 0 "bank.test:PORT: learned through the MX"
[ "$RC" = 0 ] || t_diag "$OUT" "$ERR"
t_is "$(field versions "$OUT")" "TLSv1.2" "bank.test:PORT: versions = TLSv1.2"
t_is "$(suite_set "$OUT")" "$BANK_CODES" \
    "bank.test:PORT: suites = exactly the bank's twelve"
t_is "$(field hosts "$OUT")" "mx01.bank.test" "bank.test:PORT: the MX host"
t_is "$(field addrs "$OUT")" "127.0.0.1" "bank.test:PORT: its address"

mx_run "$LEARNDUMP" --dns "$dns" "two.test:$port"
t_is "$RC" 0 "two.test:PORT: learned"
t_is "$(field hosts "$OUT")" "mx01.bank.test mx02.two.test" \
    "two.test:PORT: both MX hosts, by preference"
t_is "$(field addrs "$OUT")" "127.0.0.1" \
    "two.test:PORT: an address shared by two MX hosts is probed once"

mx_run "$LEARNDUMP" --dns "$dns" "implicit.test:$port"
t_is "$RC:$(field hosts "$OUT")" "0:implicit.test" \
    "implicit.test:PORT: no MX, the domain itself (implicit MX)"

mx_run "$LEARNDUMP" --dns "$dns" "[mx01.bank.test]:$port"
t_is "$RC:$(field hosts "$OUT")" "0:mx01.bank.test" \
    "[mx01.bank.test]:PORT: no MX lookup, the host's address from DNS"

mx_run "$LEARNDUMP" --dns "$dns" "alias.test:$port"
t_is "$RC:$(field hosts "$OUT")" "0:mx01.bank.test" \
    "alias.test:PORT: a domain that is a CNAME: the MX of its target"
mx_run "$LEARNDUMP" --dns "$dns" "cname.test:$port"
t_is "$RC:$(field hosts "$OUT"):$(field addrs "$OUT")" \
    "0:alias.cname.test:127.0.0.1" \
    "cname.test:PORT: an MX host that is a CNAME: its target's address"

mx_run "$LEARNDUMP" --dns "$dns" "v6.test:$port"
t_is "$RC:$(field addrs "$OUT")" "0:::1 127.0.0.1" \
    "v6.test:PORT: AAAA and A, IPv6 first, both probed"

# the answer does not fit UDP: Knot sets TC, the resolver asks over TCP
t_like "$(kdig +notcp +bufsize=1232 +retry=0 @127.0.0.1 -p "$kp" MX huge.test)" \
    ';; Flags: qr aa tc ' "huge.test MX: over UDP the answer is truncated"
mx_run "$LEARNDUMP" --dns "$dns" "huge.test:$port"
t_is "$RC" 0 "huge.test:PORT: 100 MX records (over TCP): learned"
t_is "$(field hosts "$OUT")" "$(printf 'h%03d.huge.test ' $(seq 1 16) | sed 's/ $//')" \
    "huge.test:PORT: the 16 MX hosts of lowest preference, in order"
t_is "$(field addrs "$OUT")" "127.0.0.1" "huge.test:PORT: the one with an address"
t_is "$(suite_set "$OUT")" "$BANK_CODES" "huge.test:PORT: the bank's twelve suites"

mx_run "$LEARNDUMP" --dns "$dns" "nomail.test:$port"
t_is "$RC:$OUT" "1:error: resolve: domain nomail.test accepts no mail (null MX, RFC 7505)" \
    "nomail.test: null MX"

mx_run "$LEARNDUMP" --dns "$dns" "gone.test:$port"
t_is "$RC:$OUT" "1:error: resolve: gone.test does not exist (NXDOMAIN from $dns)" \
    "gone.test: NXDOMAIN, the server named"

mx_run "$LEARNDUMP" --dns "$dns" "nohost.test:$port"
t_is "$RC:$OUT" "1:error: resolve: missing.nohost.test does not exist (NXDOMAIN from $dns)" \
    "nohost.test: the MX host does not resolve"

mx_run "$LEARNDUMP" --dns "$dns" "a.loop.test:$port"
t_is "$RC:$OUT" "1:error: resolve: cannot resolve a.loop.test MX: no usable answer from $dns (SERVFAIL)" \
    "a.loop.test: a CNAME loop is no answer"

mx_run "$LEARNDUMP" --dns "$dns" "badmx.test:$port"
t_is "$RC:$OUT" "1:error: resolve: the MX records of badmx.test name no host" \
    "badmx.test: an MX that is no host name is not taken"

# --- through DNS: what no real server answers (tests/fixture/dnsfixture)
cat >"$WORK/bad.zone" <<EOF
slow.test SILENT
fail.test SERVFAIL
tc.test TRUNCATE
badid.test BADID
garbage.test GARBAGE
cloop.test LOOP
EOF
"$DNSFIXTURE" --zone "$WORK/bad.zone" --port-file "$WORK/dns.port" \
    2>>"$WORK/dnsfixture.err" &
dns_pid=$!
mx_at_exit "kill $dns_pid; wait $dns_pid"
for ((i = 0; i < 100; i++)); do
    [ -s "$WORK/dns.port" ] && break
    sleep 0.05
done
[ -s "$WORK/dns.port" ] ||
    t_bail "dnsfixture did not start: $(cat "$WORK/dnsfixture.err")"
bp=$(cat "$WORK/dns.port")
bad=127.0.0.1@$bp
# the responder does what the test says (kdig asks once, over UDP)
ask() {
    kdig +notcp +retry=0 +time=2 @127.0.0.1 -p "$bp" MX "$1" 2>&1
}
t_like "$(ask fail.test)" 'status: SERVFAIL' "dnsfixture: SERVFAIL"
t_like "$(ask tc.test)" ';; Flags: qr tc rd' "dnsfixture: TC"
t_like "$(ask garbage.test)" 'malformed reply' "dnsfixture: a record past the end"
t_like "$(ask cloop.test)" 'malformed reply' "dnsfixture: a compression loop"
t_unlike "$(ask slow.test)" 'HEADER' "dnsfixture: silence"
t_unlike "$(ask badid.test)" 'HEADER' "dnsfixture: another ID (kdig ignores it)"

for n in fail tc garbage cloop; do
    mx_run "$LEARNDUMP" --dns "$bad" --timeout 20 "$n.test:$port"
    t_is "$RC:$OUT" "1:error: resolve: cannot resolve $n.test MX: no usable answer from $bad (SERVFAIL)" \
        "$n.test: no usable answer, said so"
done
# these end at the deadline (-t); the message says so (no timed assertion)
for n in slow badid; do
    mx_run "$LEARNDUMP" --dns "$bad" --timeout 2 "$n.test:$port"
    t_is "$RC:$OUT" "1:error: resolve: no DNS answer before the deadline (-t) for $n.test MX from $bad" \
        "$n.test: no answer (silence, a reply under another ID): ends at the deadline"
done

mx_run "$LEARNDUMP" --dns "$dns" "bank.test:0"
t_like "$RC:$OUT" '^1:error: usage: ' "bank.test:0: a bad port"

mx_run "$LEARNDUMP" --dns "$dns" "::1:12345"
t_like "$RC:$OUT" '^1:error: usage: ' "::1:PORT is refused (brackets needed)"

mx_run "$LEARNDUMP" --dns "bogus" "bank.test:$port"
t_like "$RC:$OUT" "^1:error: usage: .*'bogus'" "a DNS server that is no address"

closed=$(pf_free_port)
mx_run "$LEARNDUMP" "[127.0.0.1]:$closed"
t_like "$RC:$OUT" '^1:error: connect: ' "a closed port: connect error"

# --- check_tls_peers --learn: --dns-server in each form asks that server
mkdir -p "$WORK/cache"
printf '[bank]\nmx = bank.test:%s\n' "$port" >"$WORK/peers.conf"
for form in "127.0.0.1:$kp" "127.0.0.1@$kp" "[127.0.0.1]:$kp"; do
    rm -f "$WORK/cache/bank.profile"
    mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/peers.conf" \
        --cache-dir="$WORK/cache" --dns-server="$form"
    t_is "$RC" 0 "--learn --dns-server=$form: OK"
    t_like "$OUT" '^\[OK\] bank: learned from mx01\.bank\.test \(1 address\): TLSv1\.2; 12 suites' \
        "--learn --dns-server=$form: learned through the MX"
done
printf '[slow]\nmx = slow.test:%s\n' "$port" >"$WORK/slow.conf"
mx_run "$CHECK_TLS_PEERS" --learn -f "$WORK/slow.conf" \
    --cache-dir="$WORK/cache" --dns-server="127.0.0.1:$bp" -t 3
t_is "$RC" 1 "--learn, a DNS server that answers nothing: WARNING"
t_like "$LINE1" "slow: no DNS answer before the deadline \\(-t\\) for slow\\.test MX from 127\\.0\\.0\\.1@$bp" \
    "--learn, silent DNS: the lookup and the server named"

# --- the command a check prints for a missing or stale profile learns
# into the cache that check reads: a cache other than the default is named
printf '[arz]\nmx = [127.0.0.1]:%s\n' "$port" >"$WORK/arz.conf"
cd2=$WORK/other-cache
mkdir -p "$cd2"
check() {
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$port" -f "$WORK/arz.conf" "$@"
}
check --cache-dir="$cd2"
t_is "$RC" 3 "missing profile: UNKNOWN"
t_like "$OUT" "^\\[UNKNOWN\\] arz: no learned profile in $cd2; run: $MXTLS_PLUGINDIR/check_tls_peers --learn -f $WORK/arz.conf --cache-dir=$cd2 --peer=arz\$" \
    "missing profile, another cache: the command names that cache"
hint=$(sed -n 's/^\[UNKNOWN\] arz: no learned profile in [^;]*; run: //p' <<<"$OUT")
read -r -a cmd <<<"${hint/#$MXTLS_PLUGINDIR\/check_tls_peers/$CHECK_TLS_PEERS}"
mx_run "${cmd[@]}"
t_is "$RC" 0 "the printed command (from the build tree) learns"
t_is "$(ls "$cd2")" "arz.profile" "the printed command writes into that cache"
check --cache-dir="$cd2"
t_is "$RC" 0 "after the printed command the check finds the profile: OK"
sed -i 's/^learned = .*/learned = 2020-01-01T00:00:00Z/' "$cd2/arz.profile"
check --cache-dir="$cd2"
t_like "$OUT" "^\\[WARNING\\] arz: profile learned .*; refresh: $MXTLS_PLUGINDIR/check_tls_peers --learn -f $WORK/arz.conf --cache-dir=$cd2 --peer=arz\$" \
    "stale profile, another cache: the refresh command names it"
# (the default cache, where the command has no --cache-dir, is the
# installed package's: tests/integration/deb.sh)

t_done
