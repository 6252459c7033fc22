# shellcheck shell=bash
#
# monitoring.sh - private Icinga 2, Nagios 4 and NRPE daemons for the
# integration tests of contrib/ (icinga2.sh, nagios.sh, nrpe.sh, deb.sh).
#
#   . "$MXTLS_SRCDIR/tests/lib/common.sh"
#   . "$MXTLS_SRCDIR/tests/lib/monitoring.sh"
#
# Every daemon runs from a directory of the test's own (under $WORK) with
# configuration files written by the test: nothing under /etc/icinga2,
# /etc/nagios4, /etc/nagios or /var is read or written, and every daemon
# listens on 127.0.0.1 only. A daemon started here is stopped at exit
# (mx_at_exit), and mon_stop_dir makes sure that no process whose command
# line or working directory names its directory survives.
#
# Common
#   mon_need_root               skip the script unless it runs as root
#   mon_need_cmd CMD PACKAGE    skip the script unless CMD is installed
#   mon_need_user               set MON_USER (the daemons' user: nagios)
#                               and MON_GROUP, or skip the script
#   mon_own PATH...             chown -R PATH to MON_USER:MON_GROUP
#   mon_wait SECONDS CMD...     run CMD every 0.2 s until it succeeds (0)
#                               or SECONDS have passed (1)
#   mon_procs DIR               print the pids of processes whose command
#                               line or working directory contain DIR
#   mon_stop_dir DIR [PID]      TERM PID, wait, then TERM and KILL (by pid)
#                               whatever mon_procs DIR still lists; prints
#                               nothing and returns 0 when none is left
#   mon_pki DIR NAME...         a private CA (DIR/ca.crt) and, per NAME, a
#                               certificate DIR/NAME.crt + DIR/NAME.key
#   mon_postfix                 a private Postfix in $WORK/pf with the
#                               services dual (RSA + ECDSA), ecdsa (ECDSA
#                               only), soon (RSA, expires in days), modern
#                               (RSA + ECDSA, TLSv1.2 and up); sets p_dual,
#                               p_ecdsa, p_soon, p_modern (needs mx_certs)
#   mon_peers_file FILE         the peers file: [arz], the bank of the
#                               incident (critical), and [modern], a TLS
#                               1.3 client (warning); readable by all
#                               with CN and DNS subjectAltName NAME
#   mon_help_check PLUGIN PREFIX
#                               TAP checks of PLUGIN --help (layout, 80
#                               columns, every option named exists) and -V
#   mon_man_check MANPAGE PLUGIN
#                               TAP checks: the man page renders, and every
#                               option in PLUGIN --help is in it
#
# Icinga 2 (icinga2 daemon -c DIR/etc/icinga2.conf, all paths below DIR)
#   mon_i2_init DIR             make DIR/{etc,data,cache,log,run,spool}
#   mon_i2 DIR ARGS...          run icinga2 ARGS with DIR's path constants
#   mon_i2_validate DIR         icinga2 daemon -C; output in DIR/validate.log
#   mon_i2_start DIR API_PORT   start the daemon; with API_PORT, wait until
#                               its REST API (user "root", password in
#                               DIR/api-password) answers
#   mon_i2_api DIR METHOD PATH [JSON]
#                               one REST API request; prints the response
#   mon_i2_service_states DIR   print "HOST!SERVICE STATE CHECK_SOURCE" for
#                               every service that has a check result
#   mon_i2_stop DIR
#
# Nagios 4 (nagios4 DIR/nagios.cfg, written by mon_nagios_write)
#   mon_nagios_write DIR PLUGINDIR CFG...
#                               write DIR/nagios.cfg reading each CFG file,
#                               with $USER1$ = PLUGINDIR, intervals in
#                               seconds and fast result processing
#   mon_nagios_verify DIR       nagios4 -v; output in DIR/verify.log
#   mon_nagios_start DIR        start it; wait for DIR/status.dat
#   mon_nagios_command DIR LINE write one external command to DIR's pipe
#   mon_nagios_service_states DIR
#                               print "HOST!SERVICE STATE" for every service
#                               that has been checked (from status.dat)
#   mon_nagios_stop DIR
#
# NRPE (nrpe -c DIR/nrpe.cfg -f, on 127.0.0.1)
#   mon_nrpe_start DIR [NRPE]   start nrpe (or the daemon NRPE) with
#                               DIR/nrpe.cfg (written by the test); wait
#                               until it accepts connections
#   mon_nrpe_stop DIR

MON_USER=
MON_GROUP=

# ------------------------------------------------------------------ common

mon_need_root() {
    if [ "$(id -u)" != 0 ]; then
        t_skip_all "needs root (it starts monitoring daemons)"
    fi
}

mon_need_cmd() {
    if ! command -v "$1" >/dev/null 2>&1; then
        t_skip_all "$1 is not installed (apt-get install $2)"
    fi
}

mon_need_user() {
    if id nagios >/dev/null 2>&1; then
        MON_USER=nagios
        MON_GROUP=$(id -gn nagios)
    else
        t_skip_all "no user nagios (the monitoring packages create it)"
    fi
}

mon_own() {
    chown -R "$MON_USER:$MON_GROUP" "$@"
}

mon_postfix() {
    local c=$CERTS
    pf_start "$WORK/pf" \
        "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
        "0:ecdsa:$c/ecdsa-p256.pem" \
        "0:soon:$c/expiring-soon.pem" \
        "0:modern:$c/rsa2048.pem,$c/ecdsa-p256.pem:smtpd_tls_protocols=>=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2" ||
        t_bail "cannot start Postfix"
    mx_at_exit "pf_stop '$WORK/pf'"
    # shellcheck disable=SC2034 # the ports are for the calling script
    p_dual=$(pf_port "$WORK/pf" dual)
    # shellcheck disable=SC2034
    p_ecdsa=$(pf_port "$WORK/pf" ecdsa)
    # shellcheck disable=SC2034
    p_soon=$(pf_port "$WORK/pf" soon)
    # shellcheck disable=SC2034
    p_modern=$(pf_port "$WORK/pf" modern)
}

mon_peers_file() {
    cat >"$1" <<EOF
[arz]
description = the bank of the incident
severity = critical
protocols = TLSv1.2
ciphers = $MX_BANK_SUITES

[modern]
description = a TLS 1.3 client
severity = warning
protocols = TLSv1.3
EOF
    chmod 644 "$1"
}

mon_wait() {
    local secs=$1 end
    shift
    end=$((SECONDS + secs))
    while ! "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$end" ]; then
            return 1
        fi
        sleep 0.2
    done
    return 0
}

mon_procs() {
    local dir=$1 p cmd cwd
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        [ "${p#/proc/}" = "$BASHPID" ] && continue
        cmd=
        if [ -r "$p/cmdline" ]; then
            cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || cmd=
        fi
        cwd=$(readlink "$p/cwd" 2>/dev/null) || cwd=
        case "$cmd|$cwd" in
        *"$dir"*) echo "${p#/proc/}" ;;
        esac
    done
}

mon_stop_dir() {
    local dir=$1 pid=${2:-} i left
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    for ((i = 0; i < 50; i++)); do
        left=$(mon_procs "$dir")
        [ -n "$left" ] || break
        if [ "$i" = 0 ]; then
            # shellcheck disable=SC2086 # one pid per word
            kill -TERM $left 2>/dev/null
        elif [ "$i" -ge 30 ]; then
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null
        fi
        sleep 0.1
    done
    # Reap our own children, so that none is left as a zombie.
    if [ -n "$pid" ]; then
        wait "$pid" 2>/dev/null
    fi
    left=$(mon_procs "$dir")
    if [ -n "$left" ]; then
        echo "still running: ${left//$'\n'/ }"
        return 1
    fi
    return 0
}

mon_pki() {
    local dir=$1 name
    shift
    mkdir -p "$dir" || return 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj "/CN=mxtls test monitoring CA" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" >"$dir/openssl.log" 2>&1 ||
        return 1
    for name in "$@"; do
        printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' \
            "$name" >"$dir/$name.ext"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" \
            -keyout "$dir/$name.key" -out "$dir/$name.csr" >>"$dir/openssl.log" 2>&1 &&
            openssl x509 -req -days 2 -in "$dir/$name.csr" -CA "$dir/ca.crt" \
                -CAkey "$dir/ca.key" -CAcreateserial -extfile "$dir/$name.ext" \
                -out "$dir/$name.crt" >>"$dir/openssl.log" 2>&1 || return 1
    done
}

mon_help_check() {
    local plugin=$1 prefix=$2 help o name
    name=$(basename "$plugin")
    help=$(timeout 10 "$plugin" --help 2>&1)
    t_is "$?" 0 "$prefix: $name --help exits 0"
    t_like "$help" "^$name \\(mxtls [0-9.]+\\)\$" "$prefix: $name --help starts with name and version"
    t_like "$help" '^Usage:$' "$prefix: $name --help has a usage section"
    t_like "$help" "^  $name -H HOST" "$prefix: $name --help has the usage line"
    t_like "$help" '^Options:$' "$prefix: $name --help has an options section"
    t_like "$help" '^Examples:$' "$prefix: $name --help has examples"
    t_is "$(awk 'length > 80' <<<"$help" | wc -l)" 0 "$prefix: $name --help fits 80 columns"
    while read -r o; do
        mx_run "$plugin" "$o"
        t_unlike "$LINE1" "unknown option or missing value: $o\$" \
            "$prefix: $name --help's $o is a real option"
    done < <(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
    for o in -h -V -v -t -H -p -4 -6 -S; do
        mx_run "$plugin" "$o"
        t_unlike "$LINE1" "unknown option or missing value: $o\$" \
            "$prefix: $name $o is a real option"
        t_like "$help" "^ $o, --" "$prefix: $name --help documents $o"
    done
    mx_run "$plugin" -V
    t_is "$RC" 0 "$prefix: $name -V exits 0"
    t_like "$LINE1" "^$name \\(mxtls [0-9]+\\.[0-9]+\\.[0-9]+\\)\$" "$prefix: $name -V names the version"
}

mon_man_check() {
    local page=$1 plugin=$2 text help o missing='' name
    name=$(basename "$plugin")
    # man drops bold and underline itself when its output is not a terminal.
    text=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
    t_like "$text" "^NAME" "$(basename "$page"): renders with man"
    t_like "$text" "$name - " "$(basename "$page"): NAME names $name"
    t_like "$text" "^SYNOPSIS" "$(basename "$page"): has a SYNOPSIS"
    t_like "$text" "^EXIT STATUS" "$(basename "$page"): has an EXIT STATUS section"
    help=$("$plugin" --help 2>&1)
    while read -r o; do
        grep -qF -- "$o" <<<"$text" || missing="$missing $o"
    done < <(grep -oE -- '(^| )-(-[a-z][a-z0-9-]+|[a-zA-Z0-9])' <<<"$help" | tr -d ' ' | sort -u)
    t_is "$missing" "" "$(basename "$page"): every option of --help is in the page"
    t_like "$text" "$(grep -m1 -oE 'mxtls [0-9]+\.[0-9]+\.[0-9]+' <<<"$help")" \
        "$(basename "$page"): the version is the plugin's"
}

# ---------------------------------------------------------------- Icinga 2

mon_i2_init() {
    local d=$1
    mkdir -p "$d/etc" "$d/data/certs" "$d/cache" "$d/log" "$d/run" \
        "$d/spool" "$d/zones.d" || return 1
    chmod 755 "$d" "$d/etc"
    mon_own "$d/data" "$d/cache" "$d/log" "$d/run" "$d/spool"
}

# The path constants that move every file of the daemon below DIR.
mon_i2__defines() {
    local d=$1
    printf '%s\n' \
        "-DConfiguration.ConfigDir=$d/etc" \
        "-DConfiguration.DataDir=$d/data" \
        "-DConfiguration.CacheDir=$d/cache" \
        "-DConfiguration.LogDir=$d/log" \
        "-DConfiguration.InitRunDir=$d/run" \
        "-DConfiguration.SpoolDir=$d/spool" \
        "-DConfiguration.ZonesDir=$d/zones.d" \
        "-DConfiguration.RunAsUser=$MON_USER" \
        "-DConfiguration.RunAsGroup=$MON_GROUP"
}

mon_i2() {
    local d=$1 defs
    shift
    mapfile -t defs < <(mon_i2__defines "$d")
    icinga2 "$@" "${defs[@]}"
}

mon_i2_validate() {
    local d=$1
    mon_i2 "$d" daemon -C -c "$d/etc/icinga2.conf" >"$d/validate.log" 2>&1
}

mon_i2_start() {
    local d=$1 port=${2:-} pid
    mon_i2 "$d" daemon -c "$d/etc/icinga2.conf" -x warning \
        >"$d/daemon.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/daemon.pid"
    mx_at_exit "mon_i2_stop '$d'"
    if [ -n "$port" ]; then
        echo "$port" >"$d/api-port"
        if ! mon_wait 60 mon_i2_api "$d" GET status/IcingaApplication; then
            t_diag "icinga2 in $d: the REST API does not answer; its log:"
            t_diag "$(tail -n 30 "$d/daemon.log")"
            return 1
        fi
    fi
    kill -0 "$pid" 2>/dev/null
}

mon_i2_api() {
    local d=$1 method=$2 path=$3 data=${4:-} node
    node=$(cat "$d/node-name")
    curl -sS --fail --max-time 10 --cacert "$d/data/certs/ca.crt" \
        --resolve "$node:$(cat "$d/api-port"):127.0.0.1" \
        -u "root:$(cat "$d/api-password")" -H 'Accept: application/json' \
        -X "$method" ${data:+-d "$data"} \
        "https://$node:$(cat "$d/api-port")/v1/$path"
}

mon_i2_service_states() {
    mon_i2_api "$1" GET \
        'objects/services?attrs=state&attrs=last_check_result' |
        jq -r '.results[] | select(.attrs.last_check_result != null) |
            "\(.name) \(.attrs.state | floor) \(.attrs.last_check_result.check_source)"'
}

mon_i2_stop() {
    local d=$1 pid=
    [ -r "$d/daemon.pid" ] && pid=$(cat "$d/daemon.pid")
    mon_stop_dir "$d" "$pid"
}

# ---------------------------------------------------------------- Nagios 4

mon_nagios_write() {
    local d=$1 plugindir=$2 f
    shift 2
    mkdir -p "$d/spool/checkresults" "$d/archives" || return 1
    chmod 755 "$d"
    printf "\$USER1\$=%s\n" "$plugindir" >"$d/resource.cfg"
    {
        echo "# Written by tests/lib/monitoring.sh for an mxtls test."
        for f in "$@"; do
            echo "cfg_file=$f"
        done
        cat <<EOF
resource_file=$d/resource.cfg
log_file=$d/nagios.log
log_archive_path=$d/archives
object_cache_file=$d/objects.cache
precached_object_file=$d/objects.precache
status_file=$d/status.dat
lock_file=$d/nagios.lock
temp_file=$d/nagios.tmp
temp_path=$d
check_result_path=$d/spool/checkresults
state_retention_file=$d/retention.dat
retain_state_information=0
use_retained_program_state=0
use_retained_scheduling_info=0
debug_file=$d/nagios.debug
debug_level=0
command_file=$d/nagios.cmd
check_external_commands=1
query_socket=$d/nagios.qh
nagios_user=$MON_USER
nagios_group=$MON_GROUP
use_syslog=0
log_rotation_method=n
enable_notifications=0
enable_event_handlers=0
enable_flap_detection=0
process_performance_data=0
interval_length=1
status_update_interval=1
check_result_reaper_frequency=1
max_check_result_reaper_time=5
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_service_check_spread=1
max_host_check_spread=1
service_interleave_factor=1
service_check_timeout=30
host_check_timeout=30
check_for_orphaned_services=0
check_for_orphaned_hosts=0
check_for_updates=0
bare_update_check=1
EOF
        # The sample configuration's value: shell characters never reach
        # a command line through macros of plugin output.
        printf '%s\n' "illegal_macro_output_chars=\`~\$&|'\"<>"
    } >"$d/nagios.cfg"
    mon_own "$d"
}

mon_nagios_verify() {
    nagios4 -v "$1/nagios.cfg" >"$1/verify.log" 2>&1
}

mon_nagios_start() {
    local d=$1 pid
    nagios4 "$d/nagios.cfg" >"$d/daemon.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/daemon.pid"
    mx_at_exit "mon_nagios_stop '$d'"
    if ! mon_wait 60 test -s "$d/status.dat"; then
        t_diag "nagios4 in $d did not write status.dat; its log:"
        t_diag "$(tail -n 30 "$d/daemon.log" "$d/nagios.log" 2>/dev/null)"
        return 1
    fi
    kill -0 "$pid" 2>/dev/null
}

mon_nagios_command() {
    local d=$1 line=$2
    [ -p "$d/nagios.cmd" ] || return 1
    # Opening a pipe blocks until the reader is there: bound it.
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 10 bash -c 'printf "[%s] %s\n" "$(date +%s)" "$2" >"$1"' \
        _ "$d/nagios.cmd" "$line"
}

mon_nagios_service_states() {
    local f=$1/status.dat
    [ -r "$f" ] || return 1
    awk '
        /^servicestatus \{/ { in_s = 1; h = ""; s = ""; st = ""; chk = 0; next }
        in_s && /^[ \t]*}/ {
            if (chk) print h "!" s " " st
            in_s = 0; next
        }
        in_s {
            line = $0; sub(/^[ \t]+/, "", line)
            k = line; sub(/=.*/, "", k); v = line; sub(/^[^=]*=/, "", v)
            if (k == "host_name") h = v
            else if (k == "service_description") s = v
            else if (k == "current_state") st = v
            else if (k == "has_been_checked") chk = (v == "1")
        }' "$f"
}

mon_nagios_stop() {
    local d=$1 pid=
    [ -r "$d/daemon.pid" ] && pid=$(cat "$d/daemon.pid")
    mon_stop_dir "$d" "$pid"
}

# -------------------------------------------------------------------- NRPE

mon_nrpe__listening() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

mon_nrpe_start() {
    local d=$1 daemon=${2:-nrpe} port pid
    port=$(sed -n 's/^server_port=//p' "$d/nrpe.cfg")
    "$daemon" -c "$d/nrpe.cfg" -f >"$d/daemon.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/daemon.pid"
    mx_at_exit "mon_nrpe_stop '$d'"
    if ! mon_wait 30 mon_nrpe__listening "$port"; then
        t_diag "nrpe in $d does not listen on port $port; its log:"
        t_diag "$(tail -n 30 "$d/daemon.log" "$d/nrpe.log" 2>/dev/null)"
        return 1
    fi
    kill -0 "$pid" 2>/dev/null
}

mon_nrpe_stop() {
    local d=$1 pid=
    [ -r "$d/daemon.pid" ] && pid=$(cat "$d/daemon.pid")
    mon_stop_dir "$d" "$pid"
}
