#!/bin/bash
# options.sh - bad input gets one line and UNKNOWN (3), never a crash;
# --help and --version; --extra-opts end to end: every such case fails
# before connecting, or points at a closed port. Then -vv and -vvv against
# the fixture server: with connections in parallel every line carries its
# connection's tag and each tag's lines are one SMTP dialogue in order;
# -vvv shows each connection's offer (versions, suites, groups, sigalgs).
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
closed=$(pf_free_port)

# bad MESSAGE-REGEX ARGS...: UNKNOWN, exactly one line, the message.
bad() {
    local regex=$1
    shift
    mx_run "$CHECK_TLS_CERT" "$@"
    t_is "$RC" 3 "$* -> UNKNOWN"
    t_is "$(printf '%s\n' "$OUT" | wc -l)" 1 "$* -> one line"
    t_like "$LINE1" "^TLS CERT UNKNOWN - $regex" "$* -> message"
    t_is "$ERR" "" "$* -> nothing on stderr"
}

bad 'unknown option or missing value: --bogus' -H 127.0.0.1 --bogus
bad 'unknown option or missing value: -x' -H 127.0.0.1 -x
bad 'unknown option or missing value: -H' -H
bad 'unexpected argument .extra.' -H 127.0.0.1 extra
bad '.*host' -p 25
bad '.*port.*' -H 127.0.0.1 -p 0
bad '.*port.*' -H 127.0.0.1 -p 65536
bad '.*port.*' -H 127.0.0.1 -p 25x
bad '.*timeout.*' -H 127.0.0.1 -t 0
bad '.*timeout.*' -H 127.0.0.1 -t abc
bad '.*timeout.*' -H 127.0.0.1 -t 10:bogus
bad '.*' -H 127.0.0.1 --timeout-result=maybe
bad '--starttls "smtp-tls" is invalid \(use smtp, lmtp, imap, pop3 or none\)' -H 127.0.0.1 -S smtp-tls
bad '--warning: ' -H 127.0.0.1 -w abc
bad '--critical: ' -H 127.0.0.1 -c 20:10
bad "--require: unknown key type 'rsa2048'" -H 127.0.0.1 --require=rsa2048
bad '--require: empty list' -H 127.0.0.1 --require=
bad '--require: empty list' -H 127.0.0.1 --require=,
bad "--min-bits: 'rsa' is not TYPE:BITS" -H 127.0.0.1 --min-bits=rsa
bad "--min-bits: unknown key type 'foo'" -H 127.0.0.1 --min-bits=foo:1
bad "--min-bits: rsa bits 'abc'" -H 127.0.0.1 --min-bits=rsa:abc
bad "--min-bits: rsa bits '0'" -H 127.0.0.1 --min-bits=rsa:0
bad "--ca-file: $WORK/none.pem: cannot open" \
    -H 127.0.0.1 -p "$closed" --ca-file="$WORK/none.pem"
echo "not a certificate" >"$WORK/garbage.pem"
bad "--ca-file: $WORK/garbage.pem: no usable CA certificate in it" \
    -H 127.0.0.1 -p "$closed" --ca-file="$WORK/garbage.pem"
bad "--dns-server: port '99999' is not a number from 1 to 65535" \
    -H mx.example.test --dane --dns-server=127.0.0.1@99999
bad "--dns-server 'ns.example.test': not an IPv4 or IPv6 address" \
    -H mx.example.test --dane --dns-server=ns.example.test
bad "--ca-path: $WORK/nodir: cannot open" -H 127.0.0.1 -p "$closed" --ca-path="$WORK/nodir"
mkdir "$WORK/emptyca"
bad "--ca-path: $WORK/emptyca: no CA certificate in it" \
    -H 127.0.0.1 -p "$closed" --ca-path="$WORK/emptyca"

# Text from outside never makes a second output line or reaches the
# terminal raw: LF, CR, ESC and DEL in any argument or file line come out
# as '?' ('|' as '/', as in every result), whichever path the message takes.
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
evil=$'x\nTLS CERT OK - injected\r\e[2J\x7f|a=1'
# clean PLUGIN WHAT ARGS...: one line, UNKNOWN, no control character.
clean() {
    local what=$1
    shift
    mx_run "$@"
    t_is "$RC" 3 "$what with control characters -> UNKNOWN"
    t_is "$(printf '%s\n' "$OUT" | wc -l)" 1 "$what -> one line"
    t_unlike "$OUT" $'[\r\e\x7f|]' "$what -> no CR, ESC, DEL or '|' in the output"
    t_unlike "$OUT" '^TLS CERT OK' "$what -> no injected status line"
}
clean --timeout-result "$CHECK_TLS_CERT" -H 127.0.0.1 --timeout-result="$evil"
clean -t "$CHECK_TLS_CERT" -H 127.0.0.1 -t "$evil"
clean -t:STATE "$CHECK_TLS_CERT" -H 127.0.0.1 -t "5:$evil"
clean --ehlo "$CHECK_TLS_CERT" -H 127.0.0.1 --ehlo="$evil"
clean --sni "$CHECK_TLS_CERT" -H 127.0.0.1 --sni="$evil"
clean -w "$CHECK_TLS_CERT" -H 127.0.0.1 -w "$evil"
clean -c "$CHECK_TLS_CERT" -H 127.0.0.1 -c "$evil"
clean -S "$CHECK_TLS_CERT" -H 127.0.0.1 -S "$evil"
clean -p "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$evil"
clean --require "$CHECK_TLS_CERT" -H 127.0.0.1 --require="$evil"
clean --bogus "$CHECK_TLS_CERT" -H 127.0.0.1 "--bogus$evil"
clean "stray argument" "$CHECK_TLS_CERT" -H 127.0.0.1 "$evil"
printf '[check_tls_cert]\nhostname = 127.0.0.1\nwarning = %s\n' "x$(printf '\r\e[2J\x7f')" \
    >"$WORK/evil.ini"
clean "an ini value" "$CHECK_TLS_CERT" --extra-opts=@"$WORK/evil.ini"
printf '[p]\nseverity = %s\n' "x$(printf '\r\e[2J\x7f')|y" >"$WORK/evil.conf"
clean "a peers file line" "$CHECK_TLS_PEERS" -H 127.0.0.1 -f "$WORK/evil.conf"
clean --peer-ciphers "$CHECK_TLS_PEERS" -H 127.0.0.1 --peer-ciphers="$evil"

# Files that are not regular files are refused at once, never read: a FIFO
# would block open() until a writer comes (ignoring -t), /dev/zero never
# ends. MX_GUARD turns a hang into RC 124.
mkfifo "$WORK/fifo"
MX_GUARD=20
# nofile WHAT REGEX ARGS...: UNKNOWN, one line, the message.
nofile() {
    local what=$1 regex=$2
    shift 2
    mx_run "$@"
    t_is "$RC" 3 "$what -> UNKNOWN, no hang"
    t_is "$(printf '%s\n' "$OUT" | wc -l)" 1 "$what -> one line"
    t_like "$LINE1" "UNKNOWN - $regex" "$what -> the option and the file named"
}
nofile "-f FIFO" "-f: $WORK/fifo: a FIFO, not a regular file$" \
    "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f "$WORK/fifo"
nofile "--peer-clienthello FIFO" \
    "--peer-clienthello: $WORK/fifo: a FIFO, not a regular file$" \
    "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 --peer-clienthello="$WORK/fifo"
printf '[p]\nclienthello = %s\n' "$WORK/fifo" >"$WORK/fifohello.conf"
nofile "clienthello = FIFO" \
    "$WORK/fifohello.conf:2: clienthello: $WORK/fifo: a FIFO, not a regular file$" \
    "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f "$WORK/fifohello.conf"
nofile "--extra-opts=@FIFO" "--extra-opts: $WORK/fifo: a FIFO, not a regular file$" \
    "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$closed" -t 2 --extra-opts=@"$WORK/fifo"
nofile "--ca-file FIFO" "--ca-file: $WORK/fifo: a FIFO, not a regular file$" \
    "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$closed" -t 2 --ca-file="$WORK/fifo"
# In a CA directory, a FIFO (here with a name OpenSSL's hashed lookup
# would open during verification) is passed over, never opened.
mkdir "$WORK/fifoca"
mkfifo "$WORK/fifoca/0badcafe.0"
nofile "--ca-path with only a FIFO" "--ca-path: $WORK/fifoca: no CA certificate in it$" \
    "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$closed" -t 2 --ca-path="$WORK/fifoca"
nofile "--extra-opts=@/dev/zero" \
    "--extra-opts: /dev/zero: a character device, not a regular file$" \
    "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$closed" -t 2 --extra-opts=@/dev/zero
nofile "-f /dev/zero" "-f: /dev/zero: a character device, not a regular file$" \
    "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f /dev/zero
# A FIFO planted as a cached profile: that peer is unusable, said so.
mkdir "$WORK/cache"
mkfifo "$WORK/cache/arz.profile"
printf '[arz]\nmx = arz.example\n' >"$WORK/mx.conf"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f "$WORK/mx.conf" \
    --cache-dir="$WORK/cache"
t_isnt "$RC" 124 "a FIFO as a cached profile: no hang"
t_like "$OUT" "arz: profile $WORK/cache/arz.profile: a FIFO, not a regular file" \
    "a FIFO as a cached profile: named, not read"
MX_GUARD=60

# Other cache attacks: a link to another file (never followed, nothing of
# the target quoted), a profile dated in the future (not fresh forever,
# even with --max-age=1s).
rm -f "$WORK/cache/arz.profile"
ln -s /etc/passwd "$WORK/cache/arz.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f "$WORK/mx.conf" \
    --cache-dir="$WORK/cache"
t_like "$OUT" "arz: profile $WORK/cache/arz.profile: a symbolic link, not a regular file" \
    "a link planted as a cached profile: refused"
t_unlike "$OUT" "root:" "a link to /etc/passwd: nothing of it in the output"
rm -f "$WORK/cache/arz.profile"
printf 'peer = arz\nlearned = %s\nversions = TLSv1.2\nsuites = 0xC030\n' \
    "$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)" >"$WORK/cache/arz.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f "$WORK/mx.conf" \
    --cache-dir="$WORK/cache" --max-age=1s
t_is "$RC" 3 "a profile from the future: UNKNOWN"
t_like "$LINE1" 'arz \(unusable profile\)' "a profile from the future: unusable"
t_like "$OUT" "arz: $WORK/cache/arz.profile: learned .* s in the future: more than the 300 s a clock may be off; learn it again" \
    "a profile from the future: says why"
printf 'peer = arz\nlearned = %s\nversions = TLSv1.2\nsuites = 0xC030\n' \
    "$(date -u -d '+60 seconds' +%Y-%m-%dT%H:%M:%SZ)" >"$WORK/cache/arz.profile"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$closed" -t 2 -f "$WORK/mx.conf" \
    --cache-dir="$WORK/cache" --max-age=1s
t_unlike "$OUT" "unusable profile|in the future" \
    "a profile 60 s ahead (clock skew): used"

# Values no option takes: an empty one, and names longer than DNS allows.
bad '--match: empty value' -H 127.0.0.1 -p "$closed" --match=
bad '--ca-file: empty value' -H 127.0.0.1 -p "$closed" --ca-file=
long=$(printf 'a%.0s' {1..256})
bad '--sni: longer than 255 bytes' -H 127.0.0.1 -p "$closed" --sni="$long"
bad '--ehlo: longer than 255 bytes' -H 127.0.0.1 -p "$closed" --ehlo="$long"
bad '-H: longer than 255 bytes' -H "$long" -p "$closed"

# --help: the layout, 80 columns, every option it names exists.
mx_run "$CHECK_TLS_CERT" --help
help=$OUT
t_is "$RC" 0 "--help exits 0"
t_like "$help" '^Usage:' "--help has a usage section"
t_is "$(awk 'length > 80' <<<"$help" | wc -l)" 0 "--help fits 80 columns"
opts=$(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
for o in $opts; do
    mx_run "$CHECK_TLS_CERT" "$o" 2>/dev/null
    t_unlike "$LINE1" "unknown option or missing value: $o\$" "--help's $o is a real option"
done
for o in --hostname --port --timeout --timeout-result --starttls --ehlo \
    --sni --no-sni --extra-opts --warning --critical --require --min-bits \
    --ca-file --ca-path --match --verbose --version --ipv4 --ipv6; do
    t_like "$help" "$o" "--help documents $o"
done
mx_run "$CHECK_TLS_CERT" -V
t_is "$RC" 0 "-V exits 0"
t_like "$LINE1" '^check_tls_cert \(mxtls [0-9]+\.[0-9]+\.[0-9]+\)$' "-V names the version"

# --extra-opts: the ini section supplies options; the command line wins.
cat >"$WORK/plugins.ini" <<INI
# comment
[check_tls_cert]
hostname = 127.0.0.1
port = $closed
timeout = 3

[strict]
hostname=127.0.0.1
port=$closed
require = rsa,ecdsa
min-bits = rsa:bogus
INI
mx_run "$CHECK_TLS_CERT" --extra-opts=@"$WORK/plugins.ini"
t_is "$RC" 2 "--extra-opts=@file: host and port from the default section"
t_like "$LINE1" "cannot connect to 127\.0\.0\.1 port $closed" "--extra-opts: the ini port was used"
mx_run "$CHECK_TLS_CERT" --extra-opts=strict@"$WORK/plugins.ini"
t_is "$RC" 3 "--extra-opts=section@file: bad value in the section is UNKNOWN"
t_like "$LINE1" "min-bits: rsa bits 'bogus'" "--extra-opts: the section's option was parsed"
other=$(pf_free_port)
mx_run "$CHECK_TLS_CERT" --extra-opts=@"$WORK/plugins.ini" -p "$other"
t_like "$LINE1" "port $other" "--extra-opts: the command line overrides the ini file"
mx_run "$CHECK_TLS_CERT" --extra-opts=missing@"$WORK/plugins.ini"
t_is "$RC" 3 "--extra-opts: a missing section is UNKNOWN"
t_like "$LINE1" "missing" "--extra-opts: the message names the section"
mx_run "$CHECK_TLS_CERT" --extra-opts=@"$WORK/nonexistent.ini"
t_is "$RC" 3 "--extra-opts: an unreadable file is UNKNOWN"
t_like "$LINE1" "nonexistent.ini" "--extra-opts: the message names the file"
printf 'hostname = x\n[check_tls_cert]\n' >"$WORK/bad.ini"
mx_run "$CHECK_TLS_CERT" --extra-opts=@"$WORK/bad.ini"
t_is "$RC" 3 "--extra-opts: text before the first section is UNKNOWN"
t_like "$LINE1" "bad.ini.*1|line 1" "--extra-opts: the message names the line"

# mx_require (tests/lib/common.sh): a test without a program or Perl
# module it needs fails, naming the Debian package, and stops there.
# shellcheck disable=SC2016 # expanded by the inner shell
req=$(bash -c '. "$MXTLS_SRCDIR/tests/lib/common.sh"
    mx_require sh=dash mxtls-no-such-program=mxtls-pkg \
        Mxtls::NoSuchModule=libmxtls-nosuch-perl File::Spec=perl-base
    echo reached' 2>&1)
t_is "$?" 1 "mx_require: a missing program or module fails the script"
t_like "$req" '^not ok 1 - mxtls-no-such-program is missing: apt-get install mxtls-pkg$' \
    "mx_require: the missing program and its package"
t_like "$req" '^not ok 2 - Mxtls::NoSuchModule is missing: apt-get install libmxtls-nosuch-perl$' \
    "mx_require: the missing Perl module and its package"
t_like "$req" '^1\.\.2$' "mx_require: present ones are not reported"
t_unlike "$req" 'reached' "mx_require: the script ends there"

# -vv with connections in parallel (check_tls_protocol, --parallel 8, a
# fixture that serves each connection in its own process).
mx_certs
mx_fixture good --concurrent --cert "$CERTS/rsa2048.pem"
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -vv
t_like "$LINE1" '^TLS PROTOCOL ' "-vv: check_tls_protocol ran"
conns=$(grep -oE 'connections=[0-9]+' <<<"$OUT" | cut -d= -f2)
t_is "$(grep -cvE '^\[c[0-9]+\] ' <<<"$ERR")" 0 \
    "-vv, in parallel: every line carries its connection's tag"
t_is "$(grep -oE '^\[c[0-9]+\]' <<<"$ERR" | sort -u | wc -l)" "$conns" \
    "-vv: one tag per connection (connections=$conns)"
# Each connection: connect, greeting, EHLO, STARTTLS, in that order (and
# EHLO, QUIT after a handshake the server accepted).
bad_tags=
for tag in $(grep -oE '^\[c[0-9]+\]' <<<"$ERR" | sort -u | tr -d '[]'); do
    seq=$(grep -F "[$tag] " <<<"$ERR" | sed "s/^\[$tag\] //" |
        grep -E '^(connecting|> |< 220 )' | cut -c1-12 | paste -sd'|')
    case $seq in
    "connecting t|< 220 fixtur|> EHLO vm|"*) ;;
    *) bad_tags="$bad_tags $tag" ;;
    esac
    cmds=$(grep -F "[$tag] > " <<<"$ERR" | sed 's/^.*> //; s/ .*//' | paste -sd,)
    case $cmds in
    EHLO,STARTTLS | EHLO,STARTTLS,EHLO,QUIT) ;;
    *) bad_tags="$bad_tags $tag($cmds)" ;;
    esac
done
t_is "$bad_tags" "" "-vv: each tag's lines are one dialogue, in order"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -vv --parallel=1
t_is "$(grep -cE '^\[c[0-9]+\] ' <<<"$ERR")" 0 "-vv, one connection at a time: no tags"
t_like "$ERR" '^> EHLO ' "-vv, one connection at a time: the dialogue as it is"

# -vvv: the offer of every connection that got to TLS. By default the
# versions the library speaks are asked by complete handshakes (an offer
# of the OpenSSL engine); with --raw-only every probe is a raw ClientHello.
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -vvv
t_like "$ERR" '^\[c[0-9]+\] offer: TLSv1\.0\.\.TLSv1\.2; suites [A-Z]' \
    "-vvv: the OpenSSL engine's offer (a range of versions, its suites)"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$FPORT" -vvv --raw-only
starttls=$(grep -cE '^\[c[0-9]+\] > STARTTLS$' <<<"$ERR")
offers=$(grep -E '^\[c[0-9]+\] offer: ' <<<"$ERR")
t_is "$(grep -c . <<<"$offers")" "$starttls" "-vvv: one offer per connection that started TLS"
t_is "$(grep -oE '^\[c[0-9]+\]' <<<"$offers" | sort -u | wc -l)" "$starttls" \
    "-vvv: each offer tagged with its own connection"
t_like "$offers" 'offer: a raw ClientHello of [0-9]+ bytes; versions TLSv1\.2; suites [A-Z].*; groups X25519 .*; sigalgs [a-z].*' \
    "-vvv: a raw ClientHello's versions, suites, groups, sigalgs by name"
t_like "$offers" 'offer: an SSLv2 CLIENT-HELLO of [0-9]+ bytes, [0-9]+ cipher kinds' \
    "-vvv: the SSLv2 probe"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$FPORT" --peer-protocols=TLSv1.2 \
    --peer-ciphers=AES128-SHA:ECDHE-RSA-AES128-SHA --peer-groups=P-256 -vvv
t_like "$ERR" '^\[c1\] offer: TLSv1\.2\.\.TLSv1\.2; suites AES128-SHA:ECDHE-RSA-AES128-SHA *; groups P-256; sigalgs [a-z]' \
    "-vvv: check_tls_peers shows the peer's offer"

# A machine whose only address is 127.0.0.1 (a container, a namespace):
# AI_ADDRCONFIG alone finds no address for any name there, localhost too;
# the lookup is repeated without it. Run in a network namespace of the
# test's own with only lo up.
if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
    mx_run unshare --net sh -c 'ip link set lo up && exec "$@"' sh \
        "$CHECK_TLS_CERT" -H localhost -4 -p 1 -t 5
    t_like "$LINE1" '^TLS CERT CRITICAL - cannot connect to 127\.0\.0\.1 port 1: ' \
        "loopback only: localhost resolves (a refused connection, not UNKNOWN)"
else
    t_skip "needs root and unshare --net: localhost on a loopback-only machine"
fi

t_done
