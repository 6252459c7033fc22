#!/bin/bash
# learn.sh - learning a peer's profile from its MX (mx_learn, run by
# tests/fixture/learndump) against a Postfix set up like the bank's server
# side in the incident: TLSv1.2 only, an RSA certificate only, exactly
# twelve cipher suites. First by address ("[127.0.0.1]:PORT"), then through
# DNS (tests/fixture/dnsfixture) with "domain:PORT": the MX lookup for the
# domain, then that port on each MX host.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs

LEARNDUMP=$MXTLS_BUILDDIR/tests/fixture/learndump
DNSFIXTURE=$MXTLS_BUILDDIR/tests/fixture/dnsfixture
for b in "$LEARNDUMP" "$DNSFIXTURE"; do
    [ -x "$b" ] || t_bail "$b is not built (make check builds it)"
done

# The bank's twelve suites, in its order; and their codes, sorted.
BANK_CIPHERS=ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA
BANK_CODES="0x002F 0x0035 0x003C 0x003D 0x009C 0x009D 0xC013 0xC014 0xC027 0xC028 0xC02F 0xC030"

# Postfix takes the list through the "medium" grade (smtpd_tls_ciphers,
# Postfix's default) with tls_medium_cipherlist set for this service.
tls12="smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2"
grade="smtpd_tls_ciphers=medium;smtpd_tls_mandatory_ciphers=medium;tls_medium_cipherlist=$BANK_CIPHERS"
pf_start "$WORK/pf" "0:bank:$CERTS/rsa2048.pem:$tls12;$grade" ||
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

# --- through DNS
cat >"$WORK/zone" <<EOF
# the bank and friends
bank.test MX 10 mx01.bank.test
mx01.bank.test A 127.0.0.1
two.test MX 20 mx02.two.test
two.test MX 10 mx01.bank.test
mx02.two.test A 127.0.0.1
implicit.test A 127.0.0.1
nomail.test NULLMX
gone.test NXDOMAIN
slow.test SILENT
nohost.test MX 10 missing.nohost.test
EOF
"$DNSFIXTURE" --zone "$WORK/zone" --port-file "$WORK/dns.port" \
    2>>"$WORK/dnsfixture.err" &
dns_pid=$!
mx_at_exit "kill $dns_pid; wait $dns_pid"
for ((i = 0; i < 100; i++)); do
    [ -s "$WORK/dns.port" ] && break
    sleep 0.05
done
[ -s "$WORK/dns.port" ] ||
    t_bail "dnsfixture did not start: $(cat "$WORK/dnsfixture.err")"
dns=127.0.0.1:$(cat "$WORK/dns.port")

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

mx_run "$LEARNDUMP" --dns "$dns" "nomail.test:$port"
t_is "$RC" 1 "nomail.test: fails"
t_like "$OUT" '^error: resolve: .*null MX' "nomail.test: null MX"

mx_run "$LEARNDUMP" --dns "$dns" "gone.test:$port"
t_like "$RC:$OUT" '^1:error: resolve: .*NXDOMAIN' "gone.test: NXDOMAIN"

mx_run "$LEARNDUMP" --dns "$dns" "nohost.test:$port"
t_like "$RC:$OUT" '^1:error: resolve: .*missing\.nohost\.test' \
    "nohost.test: the MX host does not resolve"

mx_run "$LEARNDUMP" --dns "$dns" --timeout 1 "slow.test:$port"
t_like "$RC:$OUT" '^1:error: timeout: ' "slow.test: the DNS server is silent"

mx_run "$LEARNDUMP" --dns "$dns" "bank.test:0"
t_like "$RC:$OUT" '^1:error: usage: ' "bank.test:0: a bad port"

mx_run "$LEARNDUMP" --dns "$dns" "::1:$port"
t_like "$RC:$OUT" '^1:error: usage: ' "::1:PORT is refused (brackets needed)"

mx_run "$LEARNDUMP" --dns "bogus" "bank.test:$port"
t_like "$RC:$OUT" '^1:error: usage: ' "a DNS server that is no address"

closed=$(pf_free_port)
mx_run "$LEARNDUMP" "[127.0.0.1]:$closed"
t_like "$RC:$OUT" '^1:error: connect: ' "a closed port: connect error"

t_done
