#!/bin/bash
# nrpe.sh - contrib/nrpe/ in a real NRPE daemon, queried with check_nrpe
# over loopback, against a real Postfix.
#
# The snippets are used as they are, but for the plugin directory (the
# build tree's), the fixed commands' port (the test Postfix's) and the
# peers file (the test's): the lines are rewritten with sed, and the test
# checks that nothing else changed. One daemon has dont_blame_nrpe=0 and
# mxtls.cfg (the fixed commands); the states check_nrpe reports must be
# the plugins' own: CRITICAL for an ECDSA-only server (check_tls_cert, and
# check_tls_peers with the bank of the incident in the peers file), OK for
# a TLSv1.2+ server under --minimum=TLSv1.2. A second one, Debian's nrpe
# again, has dont_blame_nrpe=1 and mxtls-args.cfg too: Debian builds nrpe
# without command arguments, and the test checks that it refuses them, as
# mxtls-args.cfg says. A third one is NRPE built from Debian's source with
# --enable-command-args (tests/setup/nrpe-args.sh; MXTLS_NRPE_ARGS names
# it, default /usr/local/lib/mxtls-test/nrpe) with the same configuration:
# host, port and options come from check_nrpe -a (OK, CRITICAL and
# WARNING cases). Nothing under /etc/nagios is used; no process is left.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/monitoring.sh
. "$MXTLS_SRCDIR/tests/lib/monitoring.sh"
mx_init
mon_need_root
mx_need_postfix
mon_need_cmd nrpe nagios-nrpe-server
check_nrpe=/usr/lib/nagios/plugins/check_nrpe
[ -x "$check_nrpe" ] || t_skip_all "check_nrpe is not installed (apt-get install nagios-nrpe-plugin)"
mon_need_user
mx_certs

contrib=$MXTLS_SRCDIR/contrib/nrpe
plugins=$MXTLS_BUILDDIR/plugins
mon_postfix
read -r p_safe p_deb p_args < <(pf_free_ports 3 | paste -sd' ')
nrpe_args=${MXTLS_NRPE_ARGS:-/usr/local/lib/mxtls-test/nrpe}

# The peers file in place of /etc/mxtls/peers.conf: the bank of the
# incident (contrib/peers.conf.example's [arz]) and a TLS 1.3 client.
mon_peers_file "$WORK/peers.conf"

# The snippets with the build tree's plugins and the test's peers file;
# the fixed check_tls_cert and check_tls_peers ask the ECDSA-only service,
# the fixed check_tls_protocol the TLSv1.2+ one.
for f in mxtls mxtls-args; do
    sed -e "s|/usr/lib/nagios/plugins/|$plugins/|" \
        -e "s| -f /etc/mxtls/peers\\.conf| -f $WORK/peers.conf|" \
        -e "/^command\\[check_tls_cert\\]=/s| -p 25 | -p $p_ecdsa |" \
        -e "/^command\\[check_tls_peers\\]=/s| -p 25 | -p $p_ecdsa |" \
        -e "/^command\\[check_tls_protocol\\]=/s| -p 25 | -p $p_modern |" \
        "$contrib/$f.cfg" >"$WORK/$f.cfg"
    t_is "$(diff "$contrib/$f.cfg" "$WORK/$f.cfg" | grep -c '^>')" 3 \
        "$f.cfg: the three command lines are rewritten, nothing else"
    t_is "$(grep -c "^command\\[[a-z_]*\\]=$plugins/check_tls_" "$WORK/$f.cfg")" 3 \
        "$f.cfg: three commands"
    t_is "$(grep -c "^command\\[check_tls_peers[a-z_]*\\]=.* -f $WORK/peers\\.conf( |\$)" -E "$WORK/$f.cfg")" 1 \
        "$f.cfg: check_tls_peers reads the (test's) peers file"
done
for f in "$contrib"/*.cfg; do
    [ -e "$WORK/$(basename "$f")" ] ||
        t_fail "$(basename "$f") is tested" "contrib/nrpe has a file the test does not know"
done

# nrpe.cfg for a daemon in DIR on PORT, reading the snippet.
nrpe_cfg() {
    local d=$1 port=$2 blame=$3
    mkdir -p "$d"
    cat >"$d/nrpe.cfg" <<EOF
# Written by tests/integration/nrpe.sh.
server_address=127.0.0.1
server_port=$port
allowed_hosts=127.0.0.1
nrpe_user=$MON_USER
nrpe_group=$MON_GROUP
pid_file=$d/nrpe.pid
log_file=$d/nrpe.log
disable_syslog=1
debug=1
dont_blame_nrpe=$blame
allow_bash_command_substitution=0
command_timeout=60
connection_timeout=60
include=$WORK/mxtls.cfg
EOF
    if [ "$blame" = 1 ]; then
        echo "include=$WORK/mxtls-args.cfg" >>"$d/nrpe.cfg"
    fi
    mon_own "$d"
}
nrpe_cfg "$WORK/nrpe-safe" "$p_safe" 0
nrpe_cfg "$WORK/nrpe-deb" "$p_deb" 1
mon_nrpe_start "$WORK/nrpe-safe" || t_bail "cannot start nrpe (dont_blame_nrpe=0)"
mon_nrpe_start "$WORK/nrpe-deb" || t_bail "cannot start nrpe (dont_blame_nrpe=1)"
t_pass "two of Debian's NRPE daemons listen on 127.0.0.1"
daemons="nrpe-safe nrpe-deb"
have_args=0
if [ -x "$nrpe_args" ] && "$nrpe_args" --help 2>&1 | grep -q 'COMMAND ARGUMENTS ARE SUPPORTED'; then
    have_args=1
    nrpe_cfg "$WORK/nrpe-args" "$p_args" 1
    mon_nrpe_start "$WORK/nrpe-args" "$nrpe_args" ||
        t_bail "cannot start $nrpe_args (dont_blame_nrpe=1)"
    daemons="$daemons nrpe-args"
fi

# nrpe PORT ARGS...: check_nrpe against the daemon on PORT.
nrpe() {
    local port=$1
    shift
    mx_run "$check_nrpe" -H 127.0.0.1 -p "$port" -t 60 "$@"
}

nrpe "$p_safe" -c check_tls_cert
t_is "$RC" 2 "no arguments: check_tls_cert, ECDSA only -> CRITICAL (2)"
t_like "$LINE1" '^TLS CERT CRITICAL - no RSA certificate' "no arguments: the plugin's output comes back"
t_like "$OUT" "port $p_ecdsa \\(smtp\\)" "no arguments: the long output comes back"
nrpe "$p_safe" -c check_tls_protocol
t_is "$RC" 0 "no arguments: check_tls_protocol --minimum=TLSv1.2, TLSv1.2+ server -> OK (0)"
t_like "$LINE1" '^TLS PROTOCOL OK - ' "no arguments: check_tls_protocol output"
t_like "$LINE1" 'TLSv1\.3=1;' "no arguments: perfdata comes back"
nrpe "$p_safe" -c check_tls_peers
t_is "$RC" 2 "no arguments: check_tls_peers, the bank against ECDSA only -> CRITICAL (2)"
t_like "$LINE1" '^TLS PEERS CRITICAL - 1 of 1 critical peer cannot negotiate: arz \(no RSA certificate\)' \
    "no arguments: check_tls_peers output, no RSA certificate"
t_like "$OUT" '^\[CRITICAL\] arz: no shared cipher - .* add an RSA certificate' \
    "no arguments: check_tls_peers' diagnosis and fix come back"
t_like "$OUT" '^\[OK\] modern: TLSv1\.3 ' "no arguments: the other peer of the file comes back OK"
nrpe "$p_safe" -c check_tls_cert_args -a 127.0.0.1 "$p_dual"
t_isnt "$RC" 0 "dont_blame_nrpe=0: a command with arguments is refused"
t_unlike "$OUT" '^TLS CERT' "dont_blame_nrpe=0: the plugin did not run"

# Debian's nrpe with dont_blame_nrpe=1: compiled without arguments.
nrpe "$p_deb" -c check_tls_cert
t_is "$RC" 2 "Debian's nrpe, dont_blame_nrpe=1: the fixed commands still run"
lines=$(wc -l <"$WORK/nrpe-deb/nrpe.log")
nrpe "$p_deb" -c check_tls_cert_args -a 127.0.0.1 "$p_dual"
t_isnt "$RC" 0 "Debian's nrpe: a command with arguments is refused"
t_unlike "$OUT" '^TLS CERT' "Debian's nrpe: the plugin did not run"
t_ok "Debian's nrpe logs why: command arguments are compiled out" \
    grep -q 'Request contained command arguments' \
    <(tail -n "+$((lines + 1))" "$WORK/nrpe-deb/nrpe.log")
for cmd in check_tls_cert_args check_tls_protocol_args check_tls_peers_args; do
    nrpe "$p_deb" -c "$cmd"
    t_unlike "$OUT" 'not defined' "mxtls-args.cfg: nrpe knows $cmd"
done

# NRPE built with command arguments: mxtls-args.cfg as documented.
if [ "$have_args" != 1 ]; then
    t_skip "NRPE with command arguments" \
        "no $nrpe_args that takes command arguments: build it with tests/setup/nrpe-args.sh"
else
    nrpe "$p_args" -c check_tls_cert_args -a 127.0.0.1 "$p_dual" "--ca-file=$CERTS/ca.pem"
    t_is "$RC" 0 "arguments: RSA + ECDSA -> OK (0)"
    t_like "$LINE1" '^TLS CERT OK - ' "arguments: check_tls_cert output"
    nrpe "$p_args" -c check_tls_cert_args -a 127.0.0.1 "$p_ecdsa"
    t_is "$RC" 2 "arguments: ECDSA only with the default --require=rsa -> CRITICAL (2)"
    nrpe "$p_args" -c check_tls_cert_args -a 127.0.0.1 "$p_ecdsa" "-S smtp --require=ecdsa --ca-file=$CERTS/ca.pem"
    t_is "$RC" 0 "arguments: ECDSA only with --require=ecdsa in \$ARG3\$ -> OK (0)"
    nrpe "$p_args" -c check_tls_cert_args -a 127.0.0.1 "$p_soon"
    t_is "$RC" 2 "arguments: a certificate that expires in 5 days, default -c 14: -> CRITICAL (2)"
    nrpe "$p_args" -c check_tls_cert_args -a 127.0.0.1 "$p_soon" '-w 30: -c 2:'
    t_is "$RC" 1 "arguments: the same with -c 2: in \$ARG3\$ -> WARNING (1)"
    nrpe "$p_args" -c check_tls_protocol_args -a 127.0.0.1 "$p_dual" --minimum=TLSv1.2
    t_is "$RC" 2 "arguments: TLSv1.0 accepted, --minimum=TLSv1.2 -> CRITICAL (2)"
    t_like "$LINE1" '^TLS PROTOCOL CRITICAL - TLSv1\.0, TLSv1\.1 accepted' "arguments: check_tls_protocol output"
    nrpe "$p_args" -c check_tls_protocol_args -a 127.0.0.1 "$p_dual"
    t_is "$RC" 0 "arguments: the default minimum -> OK (0)"
    nrpe "$p_args" -c check_tls_peers_args -a 127.0.0.1 "$p_ecdsa"
    t_is "$RC" 2 "arguments: check_tls_peers, the bank against ECDSA only -> CRITICAL (2)"
    t_like "$LINE1" '^TLS PEERS CRITICAL - .*arz \(no RSA certificate\)' "arguments: check_tls_peers output"
    nrpe "$p_args" -c check_tls_peers_args -a 127.0.0.1 "$p_dual"
    t_is "$RC" 0 "arguments: check_tls_peers, RSA + ECDSA -> OK (0)"
    nrpe "$p_args" -c check_tls_peers_args -a 127.0.0.1 "$p_ecdsa" --peer=modern
    t_is "$RC" 0 "arguments: check_tls_peers --peer=modern in \$ARG3\$, ECDSA only -> OK (0)"
    nrpe "$p_args" -c check_tls_cert_args -a 127.0.0.1 "$p_dual" '--require=rsa;id'
    t_isnt "$RC" 0 "arguments: NRPE refuses shell characters"
    t_unlike "$OUT" '^TLS CERT' "arguments: the plugin did not run with shell characters"
fi

for d in $daemons; do
    left=$(mon_nrpe_stop "$WORK/$d")
    t_is "$left" "" "$d: nrpe stops and leaves no process"
done
t_done
