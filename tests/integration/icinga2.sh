#!/bin/bash
# icinga2.sh - contrib/icinga2/ in a real Icinga 2 against a real Postfix.
#
# 1. `icinga2 daemon -C` validates every file of contrib/icinga2/ (the
#    CheckCommands, the example apply rules, the distributed example).
# 2. Two private Icinga 2 daemons on loopback, a master and an agent in a
#    child zone, run the example apply rules of mxtls-services.conf for
#    hosts that point at a private Postfix: one service pair runs on the
#    agent through command_endpoint. Checks are forced through the
#    master's REST API, and the states the master reports (read through
#    the same API) must be the expected ones: OK for RSA + ECDSA, CRITICAL
#    for ECDSA only (check_tls_cert's default --require=rsa) and for
#    TLSv1.0 accepted under tls_protocol_minimum = "TLSv1.2", WARNING for a
#    certificate that expires in a few days. Hosts with a peers file get
#    "tls-peers": the bank of the incident (TLSv1.2, its 12 RSA suites) is
#    CRITICAL ("no RSA certificate") against ECDSA only, also on the agent,
#    and OK against RSA + ECDSA; a peer given by "mx =" without a learned
#    profile is UNKNOWN and names the cache directory it looked in.
# 3. The command lines Icinga 2 ran: arrays as repeated options, address6
#    when a host has no IPv4 address, every argument with a description
#    and every argument an option of the plugin's --help.
# Nothing under /etc/icinga2 or /var is used; no process is left.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/monitoring.sh
. "$MXTLS_SRCDIR/tests/lib/monitoring.sh"
mx_init
mon_need_root
mx_need_postfix
mon_need_cmd icinga2 icinga2
mon_need_cmd curl curl
mon_need_cmd jq jq
mon_need_user
mx_certs

contrib=$MXTLS_SRCDIR/contrib/icinga2
plugins=$MXTLS_BUILDDIR/plugins
mon_postfix
p_closed=$(pf_free_port)

# The peers: the bank of the incident (contrib/peers.conf.example's [arz])
# and a TLS 1.3 client that any of the services serves; a second file has
# a peer given by its MX, which nothing has learned (an empty cache).
mon_peers_file "$WORK/peers.conf"
cat >"$WORK/peers-mx.conf" <<EOF
[bankmx]
description = learned from its MX
mx = [127.0.0.1]:$p_dual
EOF
mkdir -p "$WORK/empty-cache"
chmod 644 "$WORK/peers-mx.conf"
read -r p_master p_agent < <(pf_free_ports 2 | paste -sd' ')

master=$WORK/i2-master
agent=$WORK/i2-agent
valid=$WORK/i2-valid
for d in "$master" "$agent" "$valid"; do
    mon_i2_init "$d" || t_bail "cannot make $d"
done
mon_pki "$WORK/i2-pki" mxtls-master mxtls-agent master1.example.org ||
    t_bail "cannot make the Icinga 2 certificates: $(cat "$WORK/i2-pki/openssl.log")"
for n in master agent; do
    d=$WORK/i2-$n
    cp "$WORK/i2-pki/ca.crt" "$d/data/certs/ca.crt"
    cp "$WORK/i2-pki/mxtls-$n.crt" "$WORK/i2-pki/mxtls-$n.key" "$d/data/certs/"
    echo "mxtls-$n" >"$d/node-name"
    mon_own "$d/data"
done
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$master/api-password"

# What both daemons share: the ITL, the CheckCommands under test, the
# zones (the agent's zone is a child of the master's).
common_conf() {
    cat <<EOF
const PluginDir = "/usr/lib/nagios/plugins"
const PluginContribDir = "$plugins"
const TicketSalt = ""
include <itl>
include <plugins>
include "$contrib/mxtls.conf"

object FileLogger "main-log" {
	severity = "information"
	path = LogDir + "/icinga2.log"
}
object Endpoint "mxtls-master" {
	host = "127.0.0.1"
	port = $p_master
}
object Zone "master" {
	endpoints = [ "mxtls-master" ]
}
object Endpoint "mxtls-agent" {
	host = "127.0.0.1"
	port = $p_agent
}
object Zone "mxtls-agent" {
	endpoints = [ "mxtls-agent" ]
	parent = "master"
}
EOF
}

{
    echo 'const NodeName = "mxtls-agent"'
    echo 'const ZoneName = "mxtls-agent"'
    common_conf
    cat <<EOF
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = $p_agent
	accept_commands = true
	accept_config = false
}
EOF
} >"$agent/etc/icinga2.conf"

# The master: the example apply rules of contrib/ and hosts that opt in.
# generic-host and generic-service stand in for the default conf.d/
# templates.conf (the examples import them), with fast checks.
{
    echo 'const NodeName = "mxtls-master"'
    echo 'const ZoneName = "master"'
    common_conf
    cat <<EOF
include "$contrib/mxtls-services.conf"

object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = $p_master
	accept_commands = false
	accept_config = false
}
object ApiUser "root" {
	password = "$(cat "$master/api-password")"
	permissions = [ "*" ]
}
object CheckerComponent "checker" { }

template Host "generic-host" {
	check_command = "dummy"
	max_check_attempts = 1
}
template Service "generic-service" {
	max_check_attempts = 1
}

object Host "mx-dual" {
	import "generic-host"
	address = "127.0.0.1"
	vars.mxtls_starttls = "smtp"
	vars.mxtls_port = $p_dual
	vars.tls_cert_ca_file = "$CERTS/ca.pem"
	vars.mxtls_peers_file = "$WORK/peers.conf"
	vars.mxtls_peers_port = $p_dual
	vars.tls_peers_peer = [ "arz", "modern" ]
}
object Host "mx-ecdsa" {
	import "generic-host"
	address = "127.0.0.1"
	vars.mxtls_starttls = "smtp"
	vars.mxtls_port = $p_ecdsa
	vars.tls_protocol_minimum = "TLSv1.2"
	vars.mxtls_peers_file = "$WORK/peers.conf"
	vars.mxtls_peers_port = $p_ecdsa
}
object Host "mx-soon" {
	import "generic-host"
	address = "127.0.0.1"
	vars.mxtls_starttls = true
	vars.mxtls_port = $p_soon
	vars.tls_cert_critical = "3:"
}
object Host "mx-multi" {
	import "generic-host"
	address = "127.0.0.1"
	vars.tls_cert_ca_file = "$CERTS/ca.pem"
	vars.mxtls_services["modern"] = {
		starttls = "smtp"
		port = $p_modern
		cert_require = [ "rsa", "ecdsa" ]
		protocol_minimum = "TLSv1.2"
		protocol_require = [ "TLSv1.2", "TLSv1.3" ]
	}
	vars.mxtls_services["ecdsa"] = {
		starttls = "smtp"
		port = $p_ecdsa
		cert_require = "ecdsa"
	}
}
object Host "mx-agent" {
	import "generic-host"
	zone = "master"
	address = "127.0.0.1"
	vars.mxtls_starttls = "smtp"
	vars.mxtls_port = $p_ecdsa
	vars.mxtls_command_endpoint = "mxtls-agent"
	vars.mxtls_peers_file = "$WORK/peers.conf"
	vars.mxtls_peers_port = $p_ecdsa
}
object Host "mx-learn" {
	import "generic-host"
	address = "127.0.0.1"
	vars.mxtls_peers_file = "$WORK/peers-mx.conf"
	vars.mxtls_peers_port = $p_dual
	vars.tls_peers_cache_dir = "$WORK/empty-cache"
}
object Host "mx-implicit" {
	import "generic-host"
	address = "127.0.0.1"
	vars.mxtls_starttls = false
	vars.mxtls_port = $p_closed
}
object Host "mx-v6" {
	import "generic-host"
	address6 = "::1"
	vars.mxtls_starttls = "smtp"
	vars.mxtls_port = $p_closed
}
EOF
} >"$master/etc/icinga2.conf"

# Every file of contrib/icinga2 validates, the distributed example with
# its own zones and node name.
cat >"$valid/etc/icinga2.conf" <<EOF
const NodeName = "master1.example.org"
const ZoneName = "master"
const PluginDir = "/usr/lib/nagios/plugins"
const PluginContribDir = "/usr/lib/nagios/plugins"
const TicketSalt = ""
include <itl>
include <plugins>
template Host "generic-host" {
	check_command = "dummy"
}
template Service "generic-service" {
}
include "$contrib/mxtls.conf"
include "$contrib/mxtls-services.conf"
include "$contrib/mxtls-distributed.conf"
EOF
for f in "$contrib"/*.conf; do
    grep -qF "include \"$f\"" "$valid/etc/icinga2.conf" ||
        t_fail "$(basename "$f") is validated" "contrib/icinga2 has a file the test does not know"
done
mon_i2_validate "$valid"
t_is "$?" 0 "icinga2 daemon -C: contrib/icinga2/*.conf are valid"
[ "$T_LAST_OK" = 1 ] || t_diag "$(grep -E 'critical|warning' "$valid/validate.log")"
t_unlike "$(grep -v 'does not match anywhere' "$valid/validate.log")" 'warning/' \
    "icinga2 daemon -C: no warnings (but apply rules without a matching host)"
objs=$(mon_i2 "$valid" object list --type Service 2>&1 | sed -n "s/^Object '\(.*\)' of type 'Service':$/\1/p" | sort | paste -sd' ')
t_is "$objs" "mx1.example.org!tls-cert mx1.example.org!tls-peers mx1.example.org!tls-protocol" \
    "the distributed example's host gets the three services"
cmds=$(mon_i2 "$valid" object list --type CheckCommand --name 'tls_*' 2>&1 |
    sed -n "s/^Object '\(.*\)' of type 'CheckCommand':$/\1/p" | sort | paste -sd' ')
t_is "$cmds" "tls_cert tls_peers tls_peers_outbound tls_protocol" \
    "mxtls.conf defines tls_cert, tls_peers, tls_peers_outbound and tls_protocol"
mon_i2_validate "$agent"
t_is "$?" 0 "icinga2 daemon -C: the agent's configuration is valid"
[ "$T_LAST_OK" = 1 ] || t_diag "$(grep critical "$agent/validate.log")"
mon_i2_validate "$master"
t_is "$?" 0 "icinga2 daemon -C: the master's configuration is valid"
[ "$T_LAST_OK" = 1 ] || t_diag "$(grep critical "$master/validate.log")"

# Expected: HOST!SERVICE STATE WHERE-IT-RAN
want=$(sort <<EOF
mx-dual!tls-cert 0 mxtls-master
mx-dual!tls-protocol 0 mxtls-master
mx-dual!tls-peers 0 mxtls-master
mx-ecdsa!tls-cert 2 mxtls-master
mx-ecdsa!tls-protocol 2 mxtls-master
mx-ecdsa!tls-peers 2 mxtls-master
mx-soon!tls-cert 1 mxtls-master
mx-soon!tls-protocol 0 mxtls-master
mx-multi!tls-cert-modern 0 mxtls-master
mx-multi!tls-protocol-modern 0 mxtls-master
mx-multi!tls-cert-ecdsa 0 mxtls-master
mx-multi!tls-protocol-ecdsa 0 mxtls-master
mx-agent!tls-cert 2 mxtls-agent
mx-agent!tls-protocol 0 mxtls-agent
mx-agent!tls-peers 2 mxtls-agent
mx-learn!tls-peers 3 mxtls-master
mx-v6!tls-cert 2 mxtls-master
mx-v6!tls-protocol 2 mxtls-master
mx-implicit!tls-cert 2 mxtls-master
mx-implicit!tls-protocol 2 mxtls-master
EOF
)
nwant=$(wc -l <<<"$want")

start=$SECONDS
mon_i2_start "$agent" || t_bail "cannot start the Icinga 2 agent"
mon_i2_start "$master" "$p_master" || t_bail "cannot start the Icinga 2 master"
t_pass "the master's REST API answers"

agent_connected() {
    mon_i2_api "$master" GET objects/endpoints/mxtls-agent |
        jq -e '.results[0].attrs.connected == true'
}
mon_wait 60 agent_connected
t_is "$?" 0 "the agent connects to the master"
[ "$T_LAST_OK" = 1 ] || t_diag "$(tail -n 20 "$agent/log/icinga2.log" "$master/log/icinga2.log")"

n=$(mon_i2_api "$master" GET objects/services | jq '.results | length')
t_is "$n" "$nwant" "the apply rules made $nwant services"

# Force a check of every service now (the examples check hourly), and
# again if the master asked the agent before the connection was up.
mon_i2_api "$master" POST actions/reschedule-check \
    '{"type": "Service", "filter": "true", "force": true}' >/dev/null
t_is "$?" 0 "REST API: reschedule-check accepted"
all_checked() {
    [ "$(mon_i2_service_states "$master" | wc -l)" = "$nwant" ]
}
mon_wait 60 all_checked
got=$(mon_i2_service_states "$master" | sort)
agent_answered() {
    ! mon_i2_service_states "$master" | grep -q 'mx-agent!.* 3 '
}
if ! agent_answered; then
    mon_i2_api "$master" POST actions/reschedule-check \
        '{"type": "Service", "filter": "host.name == \"mx-agent\"", "force": true}' >/dev/null
    sleep 1
    mon_wait 30 agent_answered
    got=$(mon_i2_service_states "$master" | sort)
fi
t_is "$got" "$want" "the states Icinga 2 reports (and where each check ran)"
t_diag "Icinga 2 states after $((SECONDS - start)) s:"
t_diag "$got"

result() {
    mon_i2_api "$master" GET "objects/services/$1" |
        jq -r ".results[0].attrs.last_check_result.$2"
}
t_like "$(result 'mx-ecdsa!tls-cert' output)" '^TLS CERT CRITICAL - no RSA certificate' \
    "ECDSA only: CRITICAL, no RSA certificate"
t_like "$(result 'mx-agent!tls-cert' output)" '^TLS CERT CRITICAL - no RSA certificate' \
    "the agent ran check_tls_cert against the ECDSA-only service"
t_like "$(result 'mx-dual!tls-cert' output)" '^TLS CERT OK - ' "RSA + ECDSA: OK"
t_like "$(result 'mx-soon!tls-cert' output)" '^TLS CERT WARNING - ' "expiring soon: WARNING"
t_like "$(result 'mx-ecdsa!tls-protocol' output)" '^TLS PROTOCOL CRITICAL - TLSv1.0, TLSv1.1 accepted' \
    "host var tls_protocol_minimum reaches check_tls_protocol"
t_like "$(result 'mx-dual!tls-cert' performance_data)" 'rsa_days' "perfdata reaches Icinga 2"
t_like "$(result 'mx-ecdsa!tls-peers' output)" \
    '^TLS PEERS CRITICAL - 1 of 1 critical peer cannot negotiate: arz \(no RSA certificate\)' \
    "tls-peers, ECDSA only: CRITICAL, the bank gets no RSA certificate"
t_like "$(result 'mx-ecdsa!tls-peers' output)" '^\[CRITICAL\] arz: no shared cipher - .* add an RSA certificate' \
    "tls-peers: the long output with the diagnosis and the fix reaches Icinga 2"
t_like "$(result 'mx-agent!tls-peers' output)" '^TLS PEERS CRITICAL - .*arz \(no RSA certificate\)' \
    "the agent ran check_tls_peers against the ECDSA-only service"
t_like "$(result 'mx-dual!tls-peers' output)" '^TLS PEERS OK - 2 of 2 peers negotiate' \
    "tls-peers, RSA + ECDSA: OK, both peers"
t_like "$(result 'mx-dual!tls-peers' output)" '^\[OK\] arz: TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384, [^,]+, RSA 2048' \
    "tls-peers, RSA + ECDSA: the bank gets an RSA suite"
t_like "$(result 'mx-dual!tls-peers' performance_data)" 'peers_failed=0' "tls-peers: perfdata reaches Icinga 2"
t_like "$(result 'mx-learn!tls-peers' output)" "no learned profile in $WORK/empty-cache; run: $MXTLS_PLUGINDIR/check_tls_peers --learn" \
    "tls-peers: a peer by MX without a profile is UNKNOWN, in tls_peers_cache_dir"

cmdline() {
    result "$1" command | jq -r 'join(" ")' 2>/dev/null || result "$1" command
}
t_is "$(cmdline 'mx-dual!tls-cert')" \
    "$plugins/check_tls_cert -H 127.0.0.1 --ca-file $CERTS/ca.pem -S smtp -p $p_dual" \
    "tls_cert: the command line from the host's variables"
t_like "$(cmdline 'mx-multi!tls-cert-modern')" ' --require rsa --require ecdsa( |$)' \
    "tls_cert: an array for --require is repeated (repeat_key)"
t_like "$(cmdline 'mx-multi!tls-protocol-modern')" ' --minimum TLSv1\.2( |$)' \
    "tls_protocol: --minimum from the entry"
t_like "$(cmdline 'mx-multi!tls-protocol-modern')" ' --require TLSv1\.2 --require TLSv1\.3( |$)' \
    "tls_protocol: an array for --require is repeated (repeat_key)"
t_like "$(cmdline 'mx-v6!tls-cert')" ' -H ::1( |$)' "address6 when the host has no address"
t_like "$(cmdline 'mx-soon!tls-cert')" ' -c 3:( |$)' "a host's tls_cert_critical is passed"
t_like "$(cmdline 'mx-soon!tls-cert')" ' -S smtp( |$)' "mxtls_starttls = true: -S smtp"
t_like "$(cmdline 'mx-soon!tls-protocol')" ' -S smtp( |$)' "mxtls_starttls = true: -S smtp for tls_protocol"
t_like "$(cmdline 'mx-implicit!tls-cert')" " -S none -p $p_closed( |\$)" \
    "mxtls_starttls = false: -S none (TLS from the first byte)"
t_like "$(cmdline 'mx-implicit!tls-protocol')" " -S none -p $p_closed( |\$)" \
    "mxtls_starttls = false: -S none for tls_protocol"
t_is "$(cmdline 'mx-ecdsa!tls-peers')" \
    "$plugins/check_tls_peers -H 127.0.0.1 -f $WORK/peers.conf -p $p_ecdsa" \
    "tls_peers: the command line from the host's variables"
t_like "$(cmdline 'mx-dual!tls-peers')" ' --peer arz --peer modern( |$)' \
    "tls_peers: an array for --peer is repeated (repeat_key)"
t_like "$(cmdline 'mx-learn!tls-peers')" " --cache-dir $WORK/empty-cache( |\$)" \
    "tls_peers: a host's tls_peers_cache_dir is passed"

# Every argument of the commands has a description, and is an option
# that the plugin's --help names (some lines name several: "-w,
# --warning=RANGE, -c, --critical=RANGE").
for cmd in tls_cert tls_protocol tls_peers; do
    args=$(mon_i2_api "$master" GET "objects/checkcommands/$cmd" |
        jq -r '.results[0].attrs.arguments')
    undoc=$(jq -r 'to_entries[] |
        select((.value | type) != "object" or (.value.description // "") == "") | .key' <<<"$args")
    t_is "$undoc" "" "$cmd: every argument has a description"
    help=$("$plugins/check_$cmd" --help 2>&1)
    unknown=
    for a in $(jq -r 'keys[]' <<<"$args"); do
        grep -qE -- "^ +(.*[ ,])?$a([=, ]|\$)" <<<"$help" || unknown="$unknown $a"
    done
    t_is "$unknown" "" "$cmd: every argument is an option of check_$cmd --help"
done

left=$(mon_i2_stop "$master")
t_is "$left" "" "the master stops and leaves no process"
left=$(mon_i2_stop "$agent")
t_is "$left" "" "the agent stops and leaves no process"
t_done
