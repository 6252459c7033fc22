# shellcheck shell=bash
#
# exim.sh - a private Exim 4.96 (Debian's exim4-daemon-light, built with
# GnuTLS) on loopback for the mxtls integration tests. Debian's Exim
# packages conflict with postfix, so the daemon's .deb is not installed:
# ./quickstart.sh downloads it into EX_DEBS (apt-get download
# exim4-daemon-light) and installs its libraries; ex_start unpacks it with
# dpkg-deb -x under DIR and runs that binary with its own configuration
# (-C DIR/exim.conf), its spool and logs under DIR, listening on a free
# port of 127.0.0.1 only.
#
#   . "$top_srcdir/tests/lib/exim.sh"
#   ex_start DIR CERTS [CONFIG_LINE...]
#   port=$(ex_port DIR)
#   ex_log DIR                # the path of Exim's main log
#   ex_stop DIR
#
# CERTS is a comma-separated list of PEM files, each a private key
# followed by its certificate chain (as made by tests/certs/mkcerts.sh);
# several give Exim several certificates (tls_certificate and
# tls_privatekey as lists, one per key type, chosen by GnuTLS). Each
# CONFIG_LINE is appended to the main section (later settings win), e.g.
# "tls_require_ciphers = SECURE256:-VERS-TLS1.3",
# "smtp_accept_max_per_host = 2" or "acl_smtp_connect = slow" (the
# configuration has an ACL "slow" that delays the banner by EX_DELAY,
# default 3s).
#
# After the handshake every EHLO of a TLS session is logged as
# "mxtls-tls VERSION STANDARD-SUITE-NAME" in the main log, so that a test
# can read what a real client negotiated.
#
# The binary was built for the user Debian-exim, which exists only where
# exim4-base is installed. The instance gets its own passwd and group
# files through nss_wrapper (libnss-wrapper): Debian-exim is uid and gid
# 65534 (nobody, nogroup) there, so nothing on the machine is changed.
# ex_start returns 1 with the reason as "# " lines on stderr when the
# instance does not come up; ex_missing prints what is missing to run it
# at all (empty when nothing is).

# shellcheck source=postfix.sh
. "$(dirname "${BASH_SOURCE[0]}")/postfix.sh"

EX_DEBS=${EX_DEBS:-/var/cache/mxtls-test/debs}
EX_NSSWRAP=${EX_NSSWRAP:-/usr/lib/x86_64-linux-gnu/libnss_wrapper.so}
EX_DELAY=${EX_DELAY:-3s}

ex__say() {
    local l
    while IFS= read -r l; do printf '# %s\n' "$l" >&2; done <<<"$*"
}

# ex__deb: the path of the cached exim4-daemon-light .deb (newest).
ex__deb() {
    local f
    f=$(find "$EX_DEBS" -maxdepth 1 -name 'exim4-daemon-light_*.deb' 2>/dev/null |
        sort -V | tail -n 1)
    [ -n "$f" ] && echo "$f"
}

# ex_missing: print "NAME=WHAT-INSTALLS-IT" for each thing ex_start needs
# and cannot find, one per line.
ex_missing() {
    ex__deb >/dev/null ||
        echo "$EX_DEBS/exim4-daemon-light_*.deb=mkdir -p $EX_DEBS && cd $EX_DEBS && apt-get download exim4-daemon-light (./quickstart.sh does)"
    command -v dpkg-deb >/dev/null 2>&1 || echo "dpkg-deb=dpkg"
    [ -e "$EX_NSSWRAP" ] || echo "libnss_wrapper.so=libnss-wrapper"
}

# ex__list NAME VALUE...: an Exim list option, items separated by " : ".
ex__list() {
    local name=$1 v sep=
    shift
    printf '%s =' "$name"
    for v in "$@"; do
        printf '%s %s' "$sep" "$v"
        sep=" :"
    done
    printf '\n'
}

ex__exim() {
    local d=$1
    NSS_WRAPPER_PASSWD=$d/passwd NSS_WRAPPER_GROUP=$d/group \
        LD_PRELOAD=$EX_NSSWRAP "$d/root/usr/sbin/exim4" -C "$d/exim.conf" "${@:2}"
}

ex_start() {
    local d=$1 certs=$2 f i port lib
    local -a pems keys chains
    shift 2
    if [ -n "$(ex_missing)" ]; then
        ex__say "ex_start: missing: $(ex_missing)"
        return 1
    fi
    mkdir -p "$d/root" "$d/spool" "$d/log" "$d/tls" || return 1
    d=$(cd "$d" && pwd -P)
    chmod 755 "$d" "$d/root" "$d/tls"
    if [ ! -x "$d/root/usr/sbin/exim4" ] &&
        ! dpkg-deb -x "$(ex__deb)" "$d/root" 2>"$d/unpack.err"; then
        ex__say "ex_start: cannot unpack $(ex__deb): $(cat "$d/unpack.err")"
        return 1
    fi
    lib=$(ldd "$d/root/usr/sbin/exim4" 2>/dev/null | awk '/not found/{print $1}')
    if [ -n "$lib" ]; then
        ex__say "ex_start: libraries of exim4 not installed: $lib" \
            "(apt-get install the dependencies of exim4-daemon-light)"
        return 1
    fi
    {
        echo "root:x:0:0:root:/root:/bin/sh"
        echo "Debian-exim:x:65534:65534:exim:/nonexistent:/usr/sbin/nologin"
    } >"$d/passwd"
    {
        echo "root:x:0:"
        echo "Debian-exim:x:65534:"
    } >"$d/group"
    chown 65534:65534 "$d/spool" "$d/log" || return 1
    IFS=, read -r -a pems <<<"$certs"
    for i in "${!pems[@]}"; do
        f=${pems[$i]}
        if ! openssl pkey -in "$f" -out "$d/tls/$i.key" 2>/dev/null ||
            ! awk '/^-----BEGIN CERTIFICATE-----/{p=1} p' "$f" >"$d/tls/$i.crt" ||
            ! [ -s "$d/tls/$i.crt" ]; then
            ex__say "ex_start: cannot split $f into key and certificates"
            return 1
        fi
        # read by the daemon after it has dropped to Debian-exim
        chmod 644 "$d/tls/$i.key" "$d/tls/$i.crt"
        keys+=("$d/tls/$i.key")
        chains+=("$d/tls/$i.crt")
    done
    port=$(pf_free_port) || return 1
    echo "$port" >"$d/port"
    {
        echo "# Written by tests/lib/exim.sh for an mxtls test."
        echo "primary_hostname = mail.example.test"
        echo "spool_directory = $d/spool"
        echo "log_file_path = $d/log/%slog"
        echo "pid_file_path = $d/exim.pid"
        echo "keep_environment ="
        echo "daemon_smtp_ports = $port"
        echo "local_interfaces = 127.0.0.1"
        echo "host_lookup ="
        echo "rfc1413_hosts ="
        echo "tls_advertise_hosts = *"
        ex__list tls_certificate "${chains[@]}"
        ex__list tls_privatekey "${keys[@]}"
        echo "acl_smtp_helo = helo"
        echo "acl_smtp_rcpt = deny"
        for i in "$@"; do echo "$i"; done
        echo "begin acl"
        echo "helo:"
        echo "  warn condition = \${if def:tls_in_cipher_std}"
        echo "       logwrite = mxtls-tls \$tls_in_ver \$tls_in_cipher_std"
        echo "  accept"
        echo "slow:"
        echo "  accept delay = $EX_DELAY"
        echo "begin routers"
        echo "begin transports"
    } >"$d/exim.conf"
    chmod 644 "$d/exim.conf"
    if ! ex__exim "$d" -bd >"$d/start.out" 2>&1; then
        ex__say "ex_start: exim did not start: $(cat "$d/start.out")" \
            "$(tail -n 20 "$d/log/paniclog" 2>/dev/null)"
        return 1
    fi
    for ((i = 0; i < 100; i++)); do
        if pf__port_in_use "$port"; then
            return 0
        fi
        sleep 0.1
    done
    ex__say "ex_start: exim does not listen on $port:" \
        "$(cat "$d/start.out")" "$(tail -n 20 "$d/log/mainlog" "$d/log/paniclog" 2>/dev/null)"
    ex_stop "$d"
    return 1
}

ex_port() {
    cat "$1/port"
}

ex_log() {
    echo "$1/log/mainlog"
}

# ex_pids DIR: the daemon and its children (every process running DIR's
# exim4 binary).
ex_pids() {
    local d p exe
    d=$(cd "$1" 2>/dev/null && pwd -P) || return 0
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        [ "$exe" = "$d/root/usr/sbin/exim4" ] && echo "${p#/proc/}"
    done
}

ex_stop() {
    local d=$1 pid i left
    [ -f "$d/exim.conf" ] || return 0
    if [ -r "$d/exim.pid" ] && read -r pid <"$d/exim.pid" && [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 50; i++)); do
        left=$(ex_pids "$d")
        [ -n "$left" ] || return 0
        # shellcheck disable=SC2086 # one pid per word
        [ "$i" -ge 30 ] && kill -KILL $left 2>/dev/null
        sleep 0.1
    done
    return 0
}
