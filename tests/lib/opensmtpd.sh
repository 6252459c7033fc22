# shellcheck shell=bash
#
# opensmtpd.sh - a private OpenSMTPD (Debian 12's opensmtpd 6.8.0p2, linked
# with OpenSSL 3) on loopback for the mxtls integration tests. Debian's
# opensmtpd package conflicts with postfix (both provide
# mail-transport-agent), so it is not installed: ./quickstart.sh downloads
# the .deb into OS_DEBS (apt-get download opensmtpd); os_start unpacks it
# with dpkg-deb -x under DIR and runs that smtpd in the foreground
# (smtpd -d -f DIR/smtpd.conf) with its own configuration, listening on a
# free port of 127.0.0.1 only, with STARTTLS.
#
#   . "$top_srcdir/tests/lib/opensmtpd.sh"
#   os_start DIR PEM [LISTEN-OPTION...]
#   port=$(os_port DIR)
#   os_log DIR                # the path of smtpd's log (its stderr)
#   os_stop DIR
#
# PEM is a private key followed by its certificate chain (as made by
# tests/certs/mkcerts.sh); each LISTEN-OPTION is appended to the listen
# line, e.g. 'protocols "tlsv1.2"' or 'ciphers "HIGH"'.
#
# What the binary needs, and how it gets it without touching the machine:
# * The users opensmtpd and opensmtpq (Debian's build; upstream calls them
#   _smtpd and _smtpq), which the package's postinst would create. The
#   instance gets its own passwd and group files through nss_wrapper
#   (libnss-wrapper): opensmtpd is uid and gid 65534, opensmtpq uid and
#   gid 65533, so no user or group is added to the machine.
# * Paths compiled in, with no option to move them: the queue in
#   /var/spool/smtpd, the chroot /var/lib/opensmtpd/empty and the control
#   socket /run/smtpd.sock. smtpd runs in a mount namespace of its own
#   (unshare -m, util-linux; root only) in which /var/spool, /var/lib and
#   /run are empty tmpfs mounts, so those paths exist for it alone and
#   vanish with it; the machine's directories are not written.
# os_start returns 1 with the reason as "# " lines on stderr when the
# instance does not come up; os_missing prints what is missing to run it
# at all (empty when nothing is).
#
# Debian 12's OpenSMTPD cannot complete a TLS handshake with any
# certificate: its privilege-separated signing (the key lives in another
# process) does not work with OpenSSL 3, so it answers every handshake,
# RSA or ECDSA, TLS 1.2 or 1.3, with alert internal_error and logs "EVP
# lib" or "internal error" (upstream issues OpenSMTPD#1171 and #1239); an
# Ed25519 key makes it refuse to start. The tests use it as the real
# server that fails every handshake.

# shellcheck source=postfix.sh
. "$(dirname "${BASH_SOURCE[0]}")/postfix.sh"

OS_DEBS=${OS_DEBS:-/var/cache/mxtls-test/debs}
OS_NSSWRAP=${OS_NSSWRAP:-/usr/lib/x86_64-linux-gnu/libnss_wrapper.so}

os__say() {
    local l
    while IFS= read -r l; do printf '# %s\n' "$l" >&2; done <<<"$*"
}

# os__deb: the path of the cached opensmtpd .deb (newest).
os__deb() {
    local f
    f=$(find "$OS_DEBS" -maxdepth 1 -name 'opensmtpd_*.deb' 2>/dev/null |
        sort -V | tail -n 1)
    [ -n "$f" ] && echo "$f"
}

# os_missing: print "NAME=WHAT-INSTALLS-IT" for each thing os_start needs
# and cannot find, one per line.
os_missing() {
    os__deb >/dev/null ||
        echo "$OS_DEBS/opensmtpd_*.deb=mkdir -p $OS_DEBS && cd $OS_DEBS && apt-get download opensmtpd (./quickstart.sh does)"
    command -v dpkg-deb >/dev/null 2>&1 || echo "dpkg-deb=dpkg"
    command -v unshare >/dev/null 2>&1 || echo "unshare=util-linux"
    [ -e "$OS_NSSWRAP" ] || echo "libnss_wrapper.so=libnss-wrapper"
}

os_start() {
    local d=$1 pem=$2 port i lib opts=
    shift 2
    if [ "$(id -u)" != 0 ]; then
        os__say "os_start: OpenSMTPD runs as root (unshare -m, privilege separation)"
        return 1
    fi
    if [ -n "$(os_missing)" ]; then
        os__say "os_start: missing: $(os_missing)"
        return 1
    fi
    mkdir -p "$d/root" "$d/tls" || return 1
    d=$(cd "$d" && pwd -P)
    chmod 755 "$d" "$d/root"
    chmod 700 "$d/tls"
    if [ ! -x "$d/root/usr/sbin/smtpd" ] &&
        ! dpkg-deb -x "$(os__deb)" "$d/root" 2>"$d/unpack.err"; then
        os__say "os_start: cannot unpack $(os__deb): $(cat "$d/unpack.err")"
        return 1
    fi
    lib=$(ldd "$d/root/usr/sbin/smtpd" 2>/dev/null | awk '/not found/{print $1}')
    if [ -n "$lib" ]; then
        os__say "os_start: libraries of smtpd not installed: $lib" \
            "(apt-get install the dependencies of opensmtpd: libevent-2.1-7 libdb5.3 ...)"
        return 1
    fi
    {
        echo "root:x:0:0:root:/root:/bin/sh"
        echo "opensmtpd:x:65534:65534:smtpd:/nonexistent:/usr/sbin/nologin"
        echo "opensmtpq:x:65533:65533:smtpq:/nonexistent:/usr/sbin/nologin"
    } >"$d/passwd"
    {
        echo "root:x:0:"
        echo "opensmtpd:x:65534:"
        echo "opensmtpq:x:65533:"
    } >"$d/group"
    # smtpd reads the key as root and wants it private
    if ! openssl pkey -in "$pem" -out "$d/tls/key" 2>/dev/null ||
        ! awk '/^-----BEGIN CERTIFICATE-----/{p=1} p' "$pem" >"$d/tls/crt" ||
        ! [ -s "$d/tls/crt" ]; then
        os__say "os_start: cannot split $pem into key and certificates"
        return 1
    fi
    chmod 600 "$d/tls/key" "$d/tls/crt"
    for i in "$@"; do opts="$opts $i"; done
    port=$(pf_free_port) || return 1
    echo "$port" >"$d/port"
    {
        echo "# Written by tests/lib/opensmtpd.sh for an mxtls test."
        echo "pki mail.example.test cert \"$d/tls/crt\""
        echo "pki mail.example.test key \"$d/tls/key\""
        echo "listen on 127.0.0.1 port $port tls pki mail.example.test hostname mail.example.test$opts"
        echo "match from any for any reject"
    } >"$d/smtpd.conf"
    if ! os__smtpd "$d" -n >"$d/check.out" 2>&1; then
        os__say "os_start: smtpd rejects its configuration:" "$(cat "$d/check.out")" \
            "$(cat "$d/smtpd.conf")"
        return 1
    fi
    # A mount namespace of its own: the paths compiled into smtpd are
    # empty tmpfs mounts there (see the top of this file).
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare -m sh -c '
        for m in /var/spool /var/lib /run; do
            mount -t tmpfs -o mode=755 mxtls-opensmtpd "$m" || exit 1
        done
        mkdir -p /var/lib/opensmtpd/empty || exit 1
        exec env NSS_WRAPPER_PASSWD="$1/passwd" NSS_WRAPPER_GROUP="$1/group" \
            LD_PRELOAD="$2" "$1/root/usr/sbin/smtpd" -d -f "$1/smtpd.conf"
    ' sh "$d" "$OS_NSSWRAP" >"$d/smtpd.log" 2>&1 &
    echo $! >"$d/pid"
    for ((i = 0; i < 100; i++)); do
        if pf__port_in_use "$port"; then
            return 0
        fi
        kill -0 "$(cat "$d/pid")" 2>/dev/null || break
        sleep 0.1
    done
    os__say "os_start: smtpd does not listen on $port:" "$(tail -n 20 "$d/smtpd.log")"
    os_stop "$d"
    return 1
}

# os__smtpd DIR ARGS...: the unpacked smtpd with the instance's users.
os__smtpd() {
    local d=$1
    shift
    NSS_WRAPPER_PASSWD=$d/passwd NSS_WRAPPER_GROUP=$d/group \
        LD_PRELOAD=$OS_NSSWRAP "$d/root/usr/sbin/smtpd" -f "$d/smtpd.conf" "$@"
}

os_port() {
    cat "$1/port"
}

os_log() {
    echo "$1/smtpd.log"
}

# os_pids DIR: the daemon and its children (every process running DIR's
# smtpd binary; the children retitle themselves, "smtpd: pony express").
os_pids() {
    local d p exe
    d=$(cd "$1" 2>/dev/null && pwd -P) || return 0
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        [ "$exe" = "$d/root/usr/sbin/smtpd" ] && echo "${p#/proc/}"
    done
}

os_stop() {
    local d=$1 pid i left
    [ -f "$d/pid" ] || return 0
    pid=$(cat "$d/pid")
    kill "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        left=$(os_pids "$d")
        [ -z "$left" ] && break
        sleep 0.1
    done
    left=$(os_pids "$d")
    # shellcheck disable=SC2086 # one pid per word
    [ -n "$left" ] && kill -KILL $left 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$d/pid"
    return 0
}
