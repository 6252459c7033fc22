#!/bin/bash
# nagios.sh - contrib/nagios/ in a real Nagios 4 against a real Postfix.
#
# `nagios4 -v` accepts the command and service definitions of
# contrib/nagios/ (with hosts of the test's own); then a private Nagios 4
# started by the test runs the services against a private Postfix, and
# the states in its status.dat must be the expected ones: OK for RSA +
# ECDSA, CRITICAL for ECDSA only and for TLSv1.0 under --minimum=TLSv1.2,
# WARNING for a certificate that expires in a few days. Two of the hosts
# also use the template mxtls-peers, with a peers file that has the bank
# of the incident (TLSv1.2, its 12 RSA suites): "TLS peers" is CRITICAL
# ("no RSA certificate") against ECDSA only and OK against RSA + ECDSA.
# Checks are forced through the external command pipe. Nothing under /etc/nagios4 or /var
# is used; no process is left.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/monitoring.sh
. "$MXTLS_SRCDIR/tests/lib/monitoring.sh"
mx_init
mon_need_root
mx_need_postfix
mon_need_cmd nagios4 nagios4
mon_need_user
mx_certs

contrib=$MXTLS_SRCDIR/contrib/nagios
mon_postfix

# The peers file: the bank of the incident (contrib/peers.conf.example's
# [arz]) and a TLS 1.3 client that both services serve.
mon_peers_file "$WORK/peers.conf"

n=$WORK/nagios
mkdir -p "$n"
# What the examples expect from the Nagios sample configuration
# (generic-service, a host template, 24x7, a contact group), then the
# mail servers, which opt in with the template mxtls-mx.
cat >"$n/test.cfg" <<EOF
define timeperiod {
    timeperiod_name         24x7
    alias                   always
    sunday                  00:00-24:00
    monday                  00:00-24:00
    tuesday                 00:00-24:00
    wednesday               00:00-24:00
    thursday                00:00-24:00
    friday                  00:00-24:00
    saturday                00:00-24:00
}
define command {
    command_name            mxtls-test-host-up
    command_line            /bin/true
}
define command {
    command_name            mxtls-test-notify
    command_line            /bin/true
}
define contact {
    contact_name            mxtls-test
    host_notifications_enabled 0
    service_notifications_enabled 0
    host_notification_period 24x7
    service_notification_period 24x7
    host_notification_options n
    service_notification_options n
    host_notification_commands mxtls-test-notify
    service_notification_commands mxtls-test-notify
}
define contactgroup {
    contactgroup_name       admins
    members                 mxtls-test
}
define service {
    name                    generic-service
    register                0
    check_period            24x7
    max_check_attempts      1
    check_interval          60
    retry_interval          60
    notification_period     24x7
    notification_interval   0
    contact_groups          admins
}
define host {
    name                    test-host
    register                0
    check_command           mxtls-test-host-up
    check_period            24x7
    check_interval          3600
    max_check_attempts      1
    notification_period     24x7
    contact_groups          admins
}
define host {
    use                     mxtls-peers,mxtls-mx,test-host
    host_name               mx-dual
    address                 127.0.0.1
    _MXTLS_PORT             $p_dual
    _MXTLS_CERT_OPTIONS     --require=rsa --ca-file=$CERTS/ca.pem
    _MXTLS_PEERS_FILE       $WORK/peers.conf
    _MXTLS_PEERS_PORT       $p_dual
    _MXTLS_PEERS_OPTIONS    --peer=arz
}
define host {
    use                     mxtls-peers,mxtls-mx,test-host
    host_name               mx-ecdsa
    address                 127.0.0.1
    _MXTLS_PORT             $p_ecdsa
    _MXTLS_PROTOCOL_OPTIONS --minimum=TLSv1.2
    _MXTLS_PEERS_FILE       $WORK/peers.conf
    _MXTLS_PEERS_PORT       $p_ecdsa
}
define host {
    use                     mxtls-mx,test-host
    host_name               mx-soon
    address                 127.0.0.1
    _MXTLS_PORT             $p_soon
    _MXTLS_CERT_OPTIONS     --require=rsa -c 3:
}
EOF
mon_nagios_write "$n" "$MXTLS_BUILDDIR/plugins" \
    "$contrib/mxtls.cfg" "$contrib/mxtls-services.cfg" "$n/test.cfg" ||
    t_bail "cannot write nagios.cfg"
for f in "$contrib"/*.cfg; do
    grep -qxF "cfg_file=$f" "$n/nagios.cfg" ||
        t_fail "$(basename "$f") is verified" "contrib/nagios has a file the test does not know"
done

mon_nagios_verify "$n"
t_is "$?" 0 "nagios4 -v accepts contrib/nagios/*.cfg"
verify=$(cat "$n/verify.log")
[ "$T_LAST_OK" = 1 ] || t_diag "$verify"
t_like "$verify" '^Total Warnings: +0$' "nagios4 -v: no warnings"
t_like "$verify" '^Total Errors: +0$' "nagios4 -v: no errors"
t_like "$verify" 'Checked 8 services\.' "nagios4 -v: two services for each of the three hosts, TLS peers for two"

want=$(sort <<EOF
mx-dual!TLS certificate 0
mx-dual!TLS protocol 0
mx-dual!TLS peers 0
mx-ecdsa!TLS certificate 2
mx-ecdsa!TLS protocol 2
mx-ecdsa!TLS peers 2
mx-soon!TLS certificate 1
mx-soon!TLS protocol 0
EOF
)
start=$SECONDS
mon_nagios_start "$n" || t_bail "cannot start nagios4"
t_pass "nagios4 starts and writes status.dat"
for h in mx-dual mx-ecdsa mx-soon; do
    mon_nagios_command "$n" "SCHEDULE_FORCED_HOST_SVC_CHECKS;$h;$(date +%s)"
    t_is "$?" 0 "external command pipe: forced checks of $h"
done
all_checked() {
    [ "$(mon_nagios_service_states "$n" | wc -l)" = 8 ]
}
mon_wait 90 all_checked
mon_wait 10 grep -q 'EXTERNAL COMMAND: SCHEDULE_FORCED_HOST_SVC_CHECKS;mx-soon;' "$n/nagios.log"
t_is "$?" 0 "nagios4 read the forced checks from its pipe"
got=$(mon_nagios_service_states "$n" | sort)
t_is "$got" "$want" "the states in Nagios' status.dat"
[ "$T_LAST_OK" = 1 ] || t_diag "$(tail -n 30 "$n/nagios.log")"
t_diag "Nagios 4 states after $((SECONDS - start)) s:"
t_diag "$got"

# The text Nagios stored for a service (plugin_output + long output).
status_text() {
    awk -v h="$1" -v s="$2" '
        /^servicestatus \{/ { in_s = 1; hh = ""; ss = ""; out = ""; next }
        in_s && /^[ \t]*}/ { if (hh == h && ss == s) print out; in_s = 0; next }
        in_s {
            line = $0; sub(/^[ \t]+/, "", line)
            if (line ~ /^host_name=/) hh = substr(line, 11)
            else if (line ~ /^service_description=/) ss = substr(line, 21)
            else if (line ~ /^plugin_output=/) out = substr(line, 15) out
            else if (line ~ /^long_plugin_output=/) out = out "\n" substr(line, 20)
        }' "$n/status.dat"
}
t_like "$(status_text mx-ecdsa 'TLS certificate')" '^TLS CERT CRITICAL - no RSA certificate' \
    "ECDSA only: CRITICAL, no RSA certificate"
t_like "$(status_text mx-dual 'TLS certificate')" "port $p_dual \\(smtp\\)" \
    "the host's _MXTLS_PORT and _MXTLS_STARTTLS reach the plugin"
t_like "$(status_text mx-ecdsa 'TLS protocol')" '^TLS PROTOCOL CRITICAL - TLSv1.0, TLSv1.1 accepted' \
    "the host's _MXTLS_PROTOCOL_OPTIONS reach check_tls_protocol"
t_like "$(status_text mx-soon 'TLS certificate')" '^TLS CERT WARNING - ' \
    "expiring soon, -c 3: from _MXTLS_CERT_OPTIONS: WARNING"
t_like "$(status_text mx-ecdsa 'TLS peers')" \
    '^TLS PEERS CRITICAL - 1 of 1 critical peer cannot negotiate: arz \(no RSA certificate\)' \
    "TLS peers, ECDSA only: CRITICAL, the bank gets no RSA certificate"
t_like "$(status_text mx-ecdsa 'TLS peers')" '\[CRITICAL\] arz: no shared cipher - .* add an RSA certificate' \
    "TLS peers: the diagnosis and the fix reach Nagios (long output)"
t_like "$(status_text mx-ecdsa 'TLS peers')" '\[OK\] modern: TLSv1\.3 ' \
    "TLS peers: without _MXTLS_PEERS_OPTIONS every peer of the file is checked"
t_like "$(status_text mx-dual 'TLS peers')" '^TLS PEERS OK - 1 of 1 peer negotiates' \
    "TLS peers, RSA + ECDSA: OK; --peer=arz from _MXTLS_PEERS_OPTIONS"
t_like "$(status_text mx-dual 'TLS peers')" '\[OK\] arz: TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384, [^,]+, RSA 2048' \
    "TLS peers, RSA + ECDSA: the bank gets an RSA suite"
perf=$(grep -A40 'service_description=TLS certificate' "$n/status.dat" |
    grep -m1 '^[[:space:]]*performance_data=')
t_like "$perf" '_days=' "perfdata reaches Nagios"

left=$(mon_nagios_stop "$n")
t_is "$left" "" "nagios4 stops and leaves no process"
t_done
