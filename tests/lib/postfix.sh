# shellcheck shell=bash
#
# postfix.sh - private Postfix instances for the mxtls integration tests.
#
# Source this file from a bash test script that runs as root:
#
#   . "$top_srcdir/tests/lib/postfix.sh"
#   d=$(mktemp -d /tmp/mxtls-test.XXXXXX)
#   trap 'pf_stop "$d"; rm -rf "$d"' EXIT
#   pf_start "$d" "0:rsa:$certs/rsa2048.pem" \
#       "0:modern:$certs/ecdsa-p256.pem:smtpd_tls_protocols=>=TLSv1.3"
#   port=$(pf_port "$d" rsa)
#
# Functions:
#
#   pf_start DIR SPEC...   write DIR/etc/{main,master}.cf, start the instance
#                          and wait until its master listens on every port;
#                          silent on success.  On failure it prints the
#                          reason, the output of "postfix start" and the tail
#                          of DIR/maillog as "# " lines on stderr, stops what
#                          was started and returns 1 (2 for a usage error).
#       SPEC is PORT:NAME:CHAINFILES[:OPTIONS]
#         PORT        TCP port on 127.0.0.1 (also on [::1] when PF_IPV6=1
#                     and IPv6 loopback works); 0 = pick a free port, see
#                     pf_port
#         NAME        label [A-Za-z0-9._-], unique in the instance; the
#                     service logs as postfix/NAME/smtpd
#         CHAINFILES  comma-separated PEM files for smtpd_tls_chain_files
#                     (each: private key, then its certificate chain), or
#                     "none" for a service that does not offer STARTTLS
#         OPTIONS     extra "name=value" settings separated by ";"; each one
#                     becomes "-o name=value" for that service, after the
#                     ones pf_start sets, so it can override them.  Values
#                     may contain spaces, commas, colons and "$", not ";",
#                     "{" or "}".
#   pf_port DIR NAME       print the port of service NAME (after pf_start).
#   pf_stop DIR            stop the instance ("postfix stop", then abort and
#                          SIGKILL if needed); quiet and successful when it is
#                          not running; no process of the instance survives.
#   pf_running DIR         exit status 0 when the instance's master runs.
#   pf_pids DIR            print the pids of all processes of the instance
#                          (every Postfix daemon has DIR/queue as its cwd).
#   pf_free_port           print a TCP port that nothing listens on.
#   pf_free_ports N        print N distinct such ports, one per line.
#   pf_log DIR             print the path of the instance's log file.
#   pf_lines DIR           print the number of lines in the log so far.
#   pf_count DIR REGEX [AFTER]
#                          print the number of log lines matching REGEX
#                          (grep -E), counting only lines after line AFTER
#                          (a value from pf_lines) when given.
#   pf_wait_log DIR REGEX [N [SECONDS [AFTER]]]
#                          wait until at least N (default 1) lines match,
#                          for at most SECONDS (default 10); postlogd writes
#                          asynchronously, so the log line about a session
#                          may appear shortly after the session ended.
#   pf_has_ipv6            exit status 0 when ::1 is configured on lo.
#
# Environment:
#   PF_POSTFIX        postfix command (default: from PATH, else /usr/sbin)
#   PF_START_TIMEOUT  seconds to wait for the ports (default 20)
#   PF_IPV6           1: every service also listens on [::1]:PORT (only
#                     when pf_has_ipv6); default 0
#   PF_MAIN_EXTRA     main.cf lines appended to the generated ones (later
#                     settings win), e.g. to let an instance relay mail
#                     with its smtp client for a test
#
# Notes:
#
# * Everything lives under DIR: etc/ (main.cf, master.cf), queue/, data/
#   (owned by postfix), maillog, start.log, ports.  Nothing outside DIR is
#   written, so "rm -rf DIR" after pf_stop removes every trace.  The postfix
#   user must reach DIR/data: pf_start makes DIR mode 0755, and each parent
#   of DIR must be searchable by others (true for "mktemp -d" in /tmp).
# * Several instances may run at once (distinct DIRs and ports).  Postfix
#   binds with SO_REUSEPORT, so a port clash does not make it fail: pf_start
#   checks that nobody else listens on its ports, retries with other ports
#   for PORT 0, and fails for a fixed PORT.
# * The services run without chroot, so the PEM files may live anywhere;
#   smtpd reads them as root before it drops privileges.  pf_start only
#   checks that each file starts with a private key and holds a
#   certificate: a key that does not match its certificate shows up at the
#   first connection (smtpd logs a TLS library problem and does not offer
#   STARTTLS).
# * Protocol versions (checked with openssl s_client, Postfix 3.7.11 and
#   OpenSSL 3.0 on Debian 12): with the defaults (smtpd_tls_protocols =
#   >=TLSv1, cipher grade medium) a service accepts TLSv1.3, TLSv1.2 and
#   also TLSv1.1 and TLSv1, and it loads the rsa1024 test key.  It is the
#   client side that refuses them: Debian's OpenSSL offers TLSv1/1.1 (and
#   accepts a 1024-bit key) only at security level 0, e.g.
#   "openssl s_client -tls1 -cipher DEFAULT@SECLEVEL=0"; a test of the
#   plugins' TLSv1.0 detection needs the plugin to do the same.  Per-service
#   OPTIONS that were verified:
#     smtpd_tls_protocols=>=TLSv1.2      TLSv1.2 and TLSv1.3 only
#     smtpd_tls_protocols=>=TLSv1.3      TLSv1.3 only
#     smtpd_tls_protocols=<=TLSv1        TLSv1.0 only
#     tls_medium_cipherlist=DEFAULT@SECLEVEL=2
#                                        server at security level 2: no
#                                        TLSv1/1.1, and the rsa1024 key
#                                        fails the handshake (TLSv1.2)
#   Left open: a per-service "-o tls_config_file=FILE" (an OpenSSL file with
#   MinProtocol) had no visible effect, and nothing here sets up SSLv3 or
#   export/RC4 ciphers; tests that need more than the options above must
#   work out the tls_config_file / cipher settings themselves.
# * Functions return non-zero on errors, so under "set -e" a failing
#   pf_start ends the test script; "pf_start ... || t_bail ..." reports it.

PF_START_TIMEOUT=${PF_START_TIMEOUT:-20}
PF_IPV6=${PF_IPV6:-0}

# ---------------------------------------------------------------- helpers

# pf__say TEXT...: print TEXT on stderr, each line prefixed with "# ".
pf__say() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line" >&2
    done <<<"$*"
}

pf__postfix() {
    if [ -n "${PF_POSTFIX:-}" ]; then
        echo "$PF_POSTFIX"
    elif command -v postfix 2>/dev/null; then
        :
    elif [ -x /usr/sbin/postfix ]; then
        echo /usr/sbin/postfix
    else
        return 1
    fi
}

# pf__canon DIR: print DIR as an absolute physical path (DIR must exist),
# refusing paths that are not safe to hand to Postfix.
pf__canon() {
    local d
    d=$(cd "$1" 2>/dev/null && pwd -P) || {
        pf__say "pf: no such directory: $1"
        return 1
    }
    if ! [[ $d =~ ^/[A-Za-z0-9._/+-]+$ ]]; then
        pf__say "pf: unsupported characters in directory name: $d"
        return 1
    fi
    case $d/ in
    / | /etc/* | /usr/* | /var/spool/postfix/* | /var/lib/postfix/*)
        pf__say "pf: refusing to use $d as an instance directory"
        return 1
        ;;
    esac
    echo "$d"
}

pf_has_ipv6() {
    if command -v ip >/dev/null 2>&1; then
        ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'
    else
        grep -q '^0\{31\}1 .* lo$' /proc/net/if_inet6 2>/dev/null
    fi
}

pf__use_ipv6() {
    [ "$PF_IPV6" = 1 ] && pf_has_ipv6
}

# pf__master_pid DIR: print the pid of the running master of DIR (canonical).
pf__master_pid() {
    local pid
    [ -r "$1/queue/pid/master.pid" ] || return 1
    read -r pid <"$1/queue/pid/master.pid" 2>/dev/null || return 1
    pid=${pid//[!0-9]/}
    [ -n "$pid" ] || return 1
    # A stale pid file may name an unrelated process: check its directory.
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$1/queue" ] || return 1
    echo "$pid"
}

# pf__listening ADDR PORT PID: PID owns a listening TCP socket on ADDR:PORT.
pf__listening() {
    ss -Hltnp "sport = :$2" 2>/dev/null |
        grep -F -- "$1:$2 " | grep -q "pid=$3,"
}

pf__port_in_use() {
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# pf__check_pem FILE: FILE starts with a private key and has a certificate.
pf__check_pem() {
    local first
    first=$(grep -m1 -- '^-----BEGIN ' "$1") || return 1
    case $first in
    *"PRIVATE KEY-----") ;;
    *) return 1 ;;
    esac
    grep -q -- '^-----BEGIN CERTIFICATE-----' "$1"
}

# pf__service ADDR PORT NAME CHAINS OPTIONS: print one master.cf service.
pf__service() {
    local addr=$1 port=$2 name=$3 chains=$4 opts=$5 kv k v
    local -a kvs
    printf '%s:%s inet n - n - - smtpd\n' "$addr" "$port"
    printf '  -o syslog_name=postfix/%s\n' "$name"
    if [ "$chains" = none ]; then
        printf '  -o smtpd_tls_security_level=none\n'
    else
        printf '  -o smtpd_tls_chain_files=%s\n' "$chains"
    fi
    [ -n "$opts" ] || return 0
    IFS=';' read -r -a kvs <<<"$opts"
    for kv in "${kvs[@]}"; do
        [ -n "$kv" ] || continue
        k=${kv%%=*}
        v=${kv#*=}
        if [[ $v =~ [[:space:]] ]]; then
            # master(5), Postfix >= 3.0: "{ name = value }" keeps whitespace.
            printf '  -o { %s = %s }\n' "$k" "$v"
        else
            printf '  -o %s=%s\n' "$k" "$v"
        fi
    done
}

# pf__fail DIR MESSAGE...: report a failed start and clean up; returns 1.
pf__fail() {
    local dir=$1
    shift
    pf__say "pf_start: $*"
    if [ -s "$dir/start.log" ]; then
        pf__say "pf_start: output of postfix start:"
        pf__say "$(tr -d '\r' <"$dir/start.log" | tail -n 20)"
    fi
    if [ -s "$dir/maillog" ]; then
        pf__say "pf_start: last lines of $dir/maillog:"
        pf__say "$(tail -n 25 "$dir/maillog")"
    fi
    pf_stop "$dir"
    return 1
}

# pf__await DIR IPV6 PORT...: wait until the master of DIR listens on every
# PORT (on 127.0.0.1, and on [::1] too when IPV6 is 1).  Returns 0 when it
# does and no other process listens on those ports; 3, printing the shared
# ports, when another process listens there too; 1, printing what is
# missing, when the master is gone or the deadline has passed.
pf__await() {
    local dir=$1 ipv6=$2 end pid p missing shared
    shift 2
    end=$((SECONDS + PF_START_TIMEOUT))
    while :; do
        missing=
        if pid=$(pf__master_pid "$dir"); then
            for p in "$@"; do
                if ! pf__listening 127.0.0.1 "$p" "$pid"; then
                    missing="$missing 127.0.0.1:$p"
                elif [ "$ipv6" = 1 ] && ! pf__listening '[::1]' "$p" "$pid"; then
                    missing="$missing [::1]:$p"
                fi
            done
        else
            missing=" (master not running)"
        fi
        [ -n "$missing" ] || break
        if [ "$SECONDS" -ge "$end" ]; then
            echo "not listening after ${PF_START_TIMEOUT}s:$missing"
            return 1
        fi
        sleep 0.1
    done
    # Children of the master share its sockets and appear on the same ss
    # line, so any line without the master's pid is somebody else.
    shared=
    for p in "$@"; do
        if ss -Hltnp "sport = :$p" 2>/dev/null | grep -qv "pid=$pid,"; then
            shared="$shared $p"
        fi
    done
    if [ -n "$shared" ]; then
        echo "$shared"
        return 3
    fi
    return 0
}

# pf__write_master DIR SERVICES: write DIR/etc/master.cf.
pf__write_master() {
    cat >"$1/etc/master.cf" <<EOF
# Written by tests/lib/postfix.sh (pf_start).
# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# test services
$2
EOF
}

# pf__write_main DIR INET_INTERFACES INET_PROTOCOLS: write DIR/etc/main.cf.
pf__write_main() {
    cat >"$1/etc/main.cf" <<EOF
# Written by tests/lib/postfix.sh (pf_start) for an mxtls test; the whole
# instance lives in $1.
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = $2
inet_protocols = $3
myhostname = mail.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
alias_maps =
alias_database =
biff = no
# Accept no mail for delivery and never contact another host.
smtpd_relay_restrictions = reject_unauth_destination
default_transport = error:5.7.1 mxtls test instance delivers no mail
relay_transport = \$default_transport
maillog_file = $1/maillog
maillog_file_prefixes = $1
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
EOF
    if [ -n "${PF_MAIN_EXTRA:-}" ]; then
        printf '# From PF_MAIN_EXTRA (later settings win):\n%s\n' \
            "$PF_MAIN_EXTRA" >>"$1/etc/main.cf"
    fi
}

# ---------------------------------------------------------------- public

pf_log() {
    echo "$1/maillog"
}

pf_lines() {
    local n=0
    if [ -f "$1/maillog" ]; then
        n=$(wc -l <"$1/maillog")
    fi
    echo $((n + 0))
}

pf_count() {
    local after=${3:-0}
    if [ -f "$1/maillog" ]; then
        tail -n "+$((after + 1))" "$1/maillog" | grep -cE -- "$2" || true
    else
        echo 0
    fi
}

pf_wait_log() {
    local dir=$1 re=$2 want=${3:-1} secs=${4:-10} after=${5:-0} end
    end=$((SECONDS + secs))
    while [ "$(pf_count "$dir" "$re" "$after")" -lt "$want" ]; do
        if [ "$SECONDS" -ge "$end" ]; then
            return 1
        fi
        sleep 0.1
    done
}

pf_running() {
    local dir
    dir=$(cd "$1" 2>/dev/null && pwd -P) || return 1
    pf__master_pid "$dir" >/dev/null
}

pf_pids() {
    local dir p cwd
    dir=$(cd "$1" 2>/dev/null && pwd -P) || return 0
    for p in /proc/[0-9]*; do
        cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
        case $cwd in
        "$dir/queue" | "$dir/queue/"*) echo "${p#/proc/}" ;;
        esac
    done
}

pf_port() {
    local name p
    [ -r "$1/ports" ] || return 1
    while read -r name p; do
        if [ "$name" = "$2" ]; then
            echo "$p"
            return 0
        fi
    done <"$1/ports"
    return 1
}

pf_free_port() {
    local p tries=0
    while [ $tries -lt 200 ]; do
        tries=$((tries + 1))
        # Stay below the Linux ephemeral range (32768-60999) so that client
        # sockets never hold the port we hand out.
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        if ! pf__port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    pf__say "pf: no free port found"
    return 1
}

pf_free_ports() {
    local n=$1 got=" " p
    while [ "$n" -gt 0 ]; do
        p=$(pf_free_port) || return 1
        case $got in
        *" $p "*) continue ;;
        esac
        got="$got$p "
        echo "$p"
        n=$((n - 1))
    done
}

pf_start() {
    local dir postfix spec port name chains opts rest f abs list kv
    local i p attempt msg rc taken used services auto_shared
    local ipv6=0 inet_if=127.0.0.1 inet_proto=ipv4
    local -a want_port s_port s_name s_chains s_opts files kvs
    if [ $# -lt 2 ]; then
        pf__say "usage: pf_start DIR PORT:NAME:CHAINFILES[:OPTIONS]..."
        return 2
    fi
    postfix=$(pf__postfix) || {
        pf__say "pf_start: postfix not found"
        return 1
    }
    mkdir -p "$1" || return 1
    dir=$(pf__canon "$1") || return 1
    shift
    if pf_running "$dir"; then
        pf__say "pf_start: an instance is already running in $dir"
        return 1
    fi
    if pf__use_ipv6; then
        ipv6=1
    fi
    if pf_has_ipv6; then
        inet_if="127.0.0.1, [::1]"
        inet_proto=all
    fi

    # Parse and check every SPEC before touching anything.
    taken=" "
    for spec in "$@"; do
        port=${spec%%:*}
        rest=${spec#*:}
        name=${rest%%:*}
        rest=${rest#*:}
        chains=${rest%%:*}
        opts=
        case $rest in
        *:*) opts=${rest#*:} ;;
        esac
        if [ "$spec" = "$port" ] || [ "$rest" = "$name" ] ||
            ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -gt 65535 ]; then
            pf__say "pf_start: bad SPEC (want PORT:NAME:CHAINFILES[:OPTIONS]): $spec"
            return 2
        fi
        port=$((10#$port))
        if ! [[ $name =~ ^[A-Za-z0-9._-]+$ ]]; then
            pf__say "pf_start: bad NAME in SPEC: $spec"
            return 2
        fi
        for i in "${!s_name[@]}"; do
            if [ "${s_name[$i]}" = "$name" ]; then
                pf__say "pf_start: NAME $name given twice"
                return 2
            fi
        done
        if [ "$port" != 0 ]; then
            case $taken in
            *" $port "*)
                pf__say "pf_start: port $port given twice"
                return 2
                ;;
            esac
            taken="$taken$port "
        fi
        if [ "$chains" != none ]; then
            list=
            IFS=, read -r -a files <<<"$chains"
            for f in "${files[@]}"; do
                if [ ! -r "$f" ] || [ ! -s "$f" ]; then
                    pf__say "pf_start: cannot read chain file $f (SPEC $spec)"
                    return 1
                fi
                if ! pf__check_pem "$f"; then
                    pf__say "pf_start: $f is not a private key followed by certificates (PEM)"
                    return 1
                fi
                abs=$(cd "$(dirname "$f")" && pwd -P)/$(basename "$f")
                if [[ $abs =~ [[:space:],] ]]; then
                    pf__say "pf_start: chain file path with space or comma: $abs"
                    return 2
                fi
                list=${list:+$list,}$abs
            done
            if [ -z "$list" ]; then
                pf__say "pf_start: empty CHAINFILES in SPEC $spec"
                return 2
            fi
            chains=$list
        fi
        if [ -n "$opts" ]; then
            IFS=';' read -r -a kvs <<<"$opts"
            for kv in "${kvs[@]}"; do
                [ -n "$kv" ] || continue
                if ! [[ $kv =~ ^[a-z0-9_]+= ]] || [[ $kv == *[{}]* ]]; then
                    pf__say "pf_start: bad option \"$kv\" (want name=value, no braces) in SPEC $spec"
                    return 2
                fi
            done
        fi
        want_port+=("$port")
        s_name+=("$name")
        s_chains+=("$chains")
        s_opts+=("$opts")
    done

    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" || return 1
    chmod 0755 "$dir" "$dir/etc" "$dir/queue" || return 1
    chown postfix "$dir/data" || return 1
    if command -v runuser >/dev/null 2>&1 &&
        ! runuser -u postfix -- test -w "$dir/data" 2>/dev/null; then
        pf__say "pf_start: user postfix cannot write $dir/data: every parent" \
            "directory of $dir must be searchable by others (chmod o+x)"
        return 1
    fi
    pf__write_main "$dir" "$inet_if" "$inet_proto"

    # PORT 0 means "any free port": when such a port turns out to be shared
    # with a server that started at the same moment, try other ports.
    for attempt in 1 2 3; do
        s_port=()
        used=$taken
        for i in "${!s_name[@]}"; do
            p=${want_port[$i]}
            if [ "$p" = 0 ]; then
                while :; do
                    p=$(pf_free_port) || return 1
                    case $used in
                    *" $p "*) ;;
                    *) break ;;
                    esac
                done
                used="$used$p "
            elif pf__port_in_use "$p"; then
                pf__say "pf_start: port $p is already in use"
                return 1
            fi
            s_port+=("$p")
        done

        services=
        for i in "${!s_name[@]}"; do
            services+=$(pf__service 127.0.0.1 "${s_port[$i]}" "${s_name[$i]}" \
                "${s_chains[$i]}" "${s_opts[$i]}")$'\n'
            if [ "$ipv6" = 1 ]; then
                services+=$(pf__service '[::1]' "${s_port[$i]}" "${s_name[$i]}" \
                    "${s_chains[$i]}" "${s_opts[$i]}")$'\n'
            fi
        done
        pf__write_master "$dir" "$services"

        # postfix(1) reports errors on stderr only when that is a terminal;
        # give it one with script(1) so that start.log explains a failure.
        rm -f "$dir/start.log" "$dir/ports"
        if command -v script >/dev/null 2>&1; then
            script -qec "$postfix -c $dir/etc start" /dev/null \
                >"$dir/start.log" 2>&1 </dev/null
        else
            "$postfix" -c "$dir/etc" start >"$dir/start.log" 2>&1 </dev/null
        fi || {
            pf__fail "$dir" "postfix -c $dir/etc start failed (attempt $attempt)"
            return 1
        }

        rc=0
        msg=$(pf__await "$dir" "$ipv6" "${s_port[@]}") || rc=$?
        if [ "$rc" = 0 ]; then
            for i in "${!s_name[@]}"; do
                echo "${s_name[$i]} ${s_port[$i]}"
            done >"$dir/ports"
            return 0
        fi
        if [ "$rc" != 3 ]; then
            pf__fail "$dir" "$msg"
            return 1
        fi
        auto_shared=0
        for i in "${!s_name[@]}"; do
            case " $msg " in
            *" ${s_port[$i]} "*)
                if [ "${want_port[$i]}" != 0 ]; then
                    pf__fail "$dir" "another server also listens on port" \
                        "${s_port[$i]} (Postfix uses SO_REUSEPORT);" \
                        "choose other ports"
                    return 1
                fi
                auto_shared=1
                ;;
            esac
        done
        pf_stop "$dir"
        [ "$auto_shared" = 1 ] || break
    done
    pf__fail "$dir" "ports$msg are shared with another server; giving up"
    return 1
}

pf_stop() {
    local dir postfix pid i left
    dir=$(cd "$1" 2>/dev/null && pwd -P) || return 0
    [ -f "$dir/etc/main.cf" ] || return 0
    postfix=$(pf__postfix) || postfix=postfix
    if pid=$(pf__master_pid "$dir"); then
        "$postfix" -c "$dir/etc" stop >/dev/null 2>&1 </dev/null || true
        for i in $(seq 50); do
            [ -d "/proc/$pid" ] || break
            sleep 0.1
        done
        if [ -d "/proc/$pid" ]; then
            "$postfix" -c "$dir/etc" abort >/dev/null 2>&1 </dev/null || true
            sleep 0.5
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # The children notice that their master is gone and exit by themselves;
    # give them a moment, then kill what is left, each by its pid.
    for i in $(seq 30); do
        left=$(pf_pids "$dir")
        [ -n "$left" ] || return 0
        if [ "$i" -ge 20 ]; then
            # shellcheck disable=SC2086 # one pid per word
            kill -KILL $left 2>/dev/null || true
        fi
        sleep 0.1
    done
    left=$(pf_pids "$dir")
    if [ -n "$left" ]; then
        pf__say "pf_stop: processes still running in $dir/queue: ${left//$'\n'/ }"
    fi
    return 0
}
