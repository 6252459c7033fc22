#!/bin/bash
# record-clients.sh - record the ClientHello each real mail client sends
# after STARTTLS, into the client library (data/clients/).
#
#   tools/record-clients.sh [-o DIR] [CLIENT...]      (as root; make clients)
#   tools/record-clients.sh -s PORT [-c CERTDIR] [CLIENT...]
#
# Every client runs here, on loopback, and delivers a message (or, for
# those that are no MTA, starts TLS) to tests/fixture/hellorecord, a
# listener of the project's own that writes the records holding the
# ClientHello, byte for byte, as hex (no packet capture). Each recording
# becomes DIR/NAME.hex (what --peer-clienthello reads) and a section of
# DIR/MANIFEST: program, version, TLS library and version, settings, the
# date and how it was recorded. The sections of clients not recorded in
# this run are kept as they were.
#
# -s PORT: record nothing; run each client against the server on
# 127.0.0.1:PORT instead (the tests compare what the real client
# negotiates there with the prediction from its recording). Java then
# trusts the test CA, so that its handshake completes.
#
# -c CERTDIR: the test PKI already made there by tests/certs/mkcerts.sh
# (default: made anew in a scratch directory).
#
# CLIENT: postfix-default postfix-tls12 postfix-tls13 postfix-high
# postfix-hardened exim-gnutls opensmtpd msmtp swaks python-smtplib
# java-jsse (default: all). A client whose program is missing is reported
# and left out (exit 1 at the end), never recorded from something else.
#
# Environment: MXTLS_SRCDIR, MXTLS_BUILDDIR (default: the tree this script
# is in; hellorecord must be built: make check builds it, make clients
# too).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

MXTLS_SRCDIR=${MXTLS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
MXTLS_BUILDDIR=${MXTLS_BUILDDIR:-$MXTLS_SRCDIR}
# shellcheck source=../tests/lib/postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"
# shellcheck source=../tests/lib/exim.sh
. "$MXTLS_SRCDIR/tests/lib/exim.sh"
# shellcheck source=../tests/lib/opensmtpd.sh
. "$MXTLS_SRCDIR/tests/lib/opensmtpd.sh"

RECORDER=$MXTLS_BUILDDIR/tests/fixture/hellorecord
SYNTH=$MXTLS_BUILDDIR/tests/fixture/hellosynth
OUT=$MXTLS_SRCDIR/data/clients
ALL=(postfix-default postfix-tls12 postfix-tls13 postfix-high postfix-hardened
    exim-gnutls opensmtpd msmtp swaks python-smtplib java-jsse)
# the clients that cannot run here, by their documented lists
for f in "$MXTLS_SRCDIR"/data/clients/*.list; do
    [ -e "$f" ] && f=${f##*/} && ALL+=("${f%.list}")
done
FAILED=0
SERVER=
CERTS=

say() { printf 'record-clients: %s\n' "$*" >&2; }

while getopts o:s:c: opt; do
    case $opt in
    o) OUT=$OPTARG ;;
    s) SERVER=$OPTARG ;;
    c) CERTS=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- "${ALL[@]}"

if [ "$(id -u)" != 0 ]; then
    say "run as root (the Postfix and Exim clients run as private instances)"
    exit 2
fi
if [ -z "$SERVER" ] && [ ! -x "$RECORDER" ]; then
    say "$RECORDER is not built (make tests/fixture/hellorecord)"
    exit 2
fi
WORK=$(mktemp -d /tmp/mxtls-record.XXXXXX) || exit 2
chmod 755 "$WORK"
CLEANUP=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local i
    for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$CERTS" ]; then
    CERTS=$WORK/certs
    bash "$MXTLS_SRCDIR/tests/certs/mkcerts.sh" "$CERTS" || exit 2
fi
TODAY=$(date -u +%Y-%m-%d)
SEEN=0
if [ -n "$SERVER" ]; then
    PORT=$SERVER
else
    mkdir -p "$OUT" || exit 2
    OUT=$(cd "$OUT" && pwd)
    mkdir "$WORK/rec"
    "$RECORDER" --out "$WORK/rec" --cert "$CERTS/rsa2048.pem" \
        --cert "$CERTS/ecdsa-p256.pem" --port-file "$WORK/rec.port" \
        2>"$WORK/rec.err" &
    RECPID=$!
    CLEANUP+=("kill $RECPID; wait $RECPID")
    for ((i = 0; i < 100; i++)); do
        [ -s "$WORK/rec.port" ] && break
        sleep 0.05
    done
    [ -s "$WORK/rec.port" ] || { say "hellorecord did not start: $(cat "$WORK/rec.err")"; exit 2; }
    PORT=$(cat "$WORK/rec.port")
fi

printf 'From: a@example.test\nTo: b@example.org\nSubject: mxtls client library\n\nrecorded by tools/record-clients.sh\n' >"$WORK/msg"

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# take NAME SECONDS: wait for the next recording and keep it as NAME.hex.
take() {
    local name=$1 secs=$2 i f
    [ -z "$SERVER" ] || return 0 # nothing to keep
    SEEN=$((SEEN + 1))
    f=$WORK/rec/$SEEN.hex
    for ((i = 0; i < secs * 10; i++)); do
        [ -s "$f" ] && break
        sleep 0.1
    done
    if [ ! -s "$f" ]; then
        SEEN=$((SEEN - 1))
        say "$name: no ClientHello reached the recorder in $secs s"
        return 1
    fi
    # a client may open a second connection (a retry without TLS): let it
    # end, so the next client's recording gets the next number
    sleep 1
    while [ -s "$WORK/rec/$((SEEN + 1)).hex" ]; do SEEN=$((SEEN + 1)); done
    cp "$f" "$OUT/$name.hex"
}

# manifest NAME KEY=VALUE...: this client's section for MANIFEST.
manifest() {
    local name=$1 kv
    shift
    {
        printf '[%s]\n' "$name"
        for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
        printf 'recorded = %s\n' "$TODAY"
        printf 'how = tools/record-clients.sh on Debian %s: the client delivered to tests/fixture/hellorecord on 127.0.0.1 after STARTTLS\n' \
            "$(cat /etc/debian_version 2>/dev/null)"
        printf '\n'
    } >"$WORK/manifest.$name"
}

missing() { # NAME WHAT
    say "$1: $2 is missing: left out"
    FAILED=1
}

OPENSSL_LIB="OpenSSL $(pkgver libssl3) (libssl3)"

rec_postfix() {
    local name=$1 settings=$2 d=$WORK/pf-$1 inject extra
    command -v postconf >/dev/null 2>&1 || { missing "$name" "postfix"; return; }
    command -v swaks >/dev/null 2>&1 || { missing "$name" "swaks (to hand Postfix the message)"; return; }
    extra="relayhost = [127.0.0.1]:$PORT
default_transport = smtp
relay_transport = smtp
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_loglevel = 1
${settings//; /$'\n'}"
    inject=$(pf_free_port) || return
    if ! PF_MAIN_EXTRA=$extra pf_start "$d" "$inject:inject:none"; then
        say "$name: the client Postfix did not start"
        FAILED=1
        return
    fi
    CLEANUP+=("pf_stop '$d'")
    timeout 20 swaks --server "127.0.0.1:$inject" --from a@example.test \
        --to b@example.org --data "$WORK/msg" >"$d/swaks.out" 2>&1
    # -s: the delivery attempt has ended when the client logs its status
    [ -z "$SERVER" ] || pf_wait_log "$d" 'status=' 1 30 ||
        say "$name: the client Postfix logged no delivery status"
    if take "$name" 30; then
        manifest "$name" "program=Postfix smtp client (delivery to a relayhost)" \
            "version=Postfix $(postconf -d -h mail_version) (Debian package $(pkgver postfix))" \
            "library=$OPENSSL_LIB" \
            "settings=$settings"
    else
        FAILED=1
    fi
    pf_stop "$d"
}

rec_exim() {
    local name=exim-gnutls d=$WORK/exim deb
    if [ -n "$(ex_missing)" ]; then
        missing "$name" "$(ex_missing | tr '\n' ' ')"
        return
    fi
    if ! ex_start "$d" "$CERTS/rsa2048.pem"; then
        say "$name: the client Exim did not start"
        FAILED=1
        return
    fi
    CLEANUP+=("ex_stop '$d'")
    # Exim 4.96 re-executes itself (exim_path) to deliver, as the Exim
    # user: the re-executed process needs the instance's users too, which
    # the loader does not preload into a set-uid binary (a copy without
    # the bit; a remote delivery needs no root).
    cp "$d/root/usr/sbin/exim4" "$d/exim4-plain" && chmod 755 "$d/exim4-plain"
    printf '#!/bin/sh\nNSS_WRAPPER_PASSWD=%s/passwd NSS_WRAPPER_GROUP=%s/group LD_PRELOAD=%s exec %s/exim4-plain "$@"\n' \
        "$d" "$d" "$EX_NSSWRAP" "$d" >"$d/exim-path"
    chmod 755 "$d/exim-path"
    {
        sed -e "/^begin acl\$/i exim_path = $d/exim-path" \
            -e '/^begin routers$/,$d' "$d/exim.conf"
        echo "begin routers"
        echo "out:"
        echo "  driver = manualroute"
        echo "  domains = *"
        echo "  route_list = * 127.0.0.1"
        echo "  self = send"
        echo "  transport = remote"
        echo "begin transports"
        echo "remote:"
        echo "  driver = smtp"
        echo "  port = $PORT"
        echo "  allow_localhost"
    } >"$d/exim.out.conf"
    mv "$d/exim.out.conf" "$d/exim.conf"
    chmod 644 "$d/exim.conf"
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 30 bash -c '. "$1/tests/lib/exim.sh"; ex__exim "$2" -odf -f a@example.test b@example.org <"$3"' \
        sh "$MXTLS_SRCDIR" "$d" "$WORK/msg" >"$d/send.out" 2>&1
    deb=$(basename "$(ex__deb)")
    deb=${deb#exim4-daemon-light_}
    if take "$name" 30; then
        manifest "$name" "program=Exim smtp transport (exim4-daemon-light, unpacked by tests/lib/exim.sh)" \
            "version=Exim ${deb%%-*} (Debian package exim4-daemon-light ${deb%%_*})" \
            "library=GnuTLS $(pkgver libgnutls30) (libgnutls30)" \
            "settings=defaults (smtp transport: hosts_try_tls = *, tls_require_ciphers unset)"
    else
        say "$name: $(cat "$d/send.out")"
        FAILED=1
    fi
    ex_stop "$d"
}

rec_opensmtpd() {
    local name=opensmtpd d=$WORK/opensmtpd deb
    if [ -n "$(os_missing)" ]; then
        missing "$name" "$(os_missing | tr '\n' ' ')"
        return
    fi
    # os_start's listen options end its listen line: the relay action and
    # its match go on lines of their own, before os_start's "reject"
    if ! os_start "$d" "$CERTS/rsa2048.pem" "
action \"out\" relay host smtp://127.0.0.1:$PORT
match from any for any action \"out\""; then
        say "$name: the client OpenSMTPD did not start"
        FAILED=1
        return
    fi
    CLEANUP+=("os_stop '$d'")
    timeout 20 swaks --server "127.0.0.1:$(os_port "$d")" --from a@example.test \
        --to b@example.org --data "$WORK/msg" >"$d/swaks.out" 2>&1
    # the delivery attempt has ended when smtpd logs its result
    for ((i = 0; i < 100; i++)); do
        grep -q 'mta delivery.*result=' "$(os_log "$d")" && break
        sleep 0.1
    done
    deb=$(basename "$(os__deb)")
    deb=${deb#opensmtpd_}
    if take "$name" 30; then
        manifest "$name" "program=OpenSMTPD relay (smtpd, unpacked by tests/lib/opensmtpd.sh)" \
            "version=OpenSMTPD ${deb%%-*} (Debian package opensmtpd ${deb%%_*})" \
            "library=$OPENSSL_LIB" \
            "settings=defaults (action relay host smtp://HOST:PORT: opportunistic STARTTLS)"
    else
        say "$name: $(tail -n 5 "$(os_log "$d")")"
        FAILED=1
    fi
    os_stop "$d"
}

# rec_listed NAME: a client that cannot run here, from data/clients/NAME.list
# (its documented lists, with their source): a synthesized hello, said so.
rec_listed() {
    local name=$1 list=$MXTLS_SRCDIR/data/clients/$1.list k v
    local -a kv=()
    [ -z "$SERVER" ] || { say "$name: cannot run here (documented lists only): skipped"; return; }
    if ! "$SYNTH" "$list" >"$WORK/$name.hex" 2>"$WORK/$name.err"; then
        say "$name: $(cat "$WORK/$name.err")"
        FAILED=1
        return
    fi
    cp "$WORK/$name.hex" "$OUT/$name.hex"
    for k in program version library settings source; do
        v=$(sed -n "s/^$k *= *//p" "$list" | head -n 1)
        kv+=("$k=$v")
    done
    manifest "$name" "${kv[@]}" "kind=documented"
    # not recorded: say how it was made instead
    sed -i "s|^how = .*|how = synthesized by tests/fixture/hellosynth from the documented lists in $name.list (see source); not a recording: our extensions, key shares and their order|" \
        "$WORK/manifest.$name"
}

rec_msmtp() {
    command -v msmtp >/dev/null 2>&1 || { missing msmtp "msmtp (apt-get install msmtp)"; return; }
    timeout 20 msmtp --host=127.0.0.1 --port="$PORT" --tls=on --tls-starttls=on \
        --tls-certcheck=off --auth=off --from=a@example.test b@example.org \
        <"$WORK/msg" >"$WORK/msmtp.out" 2>&1
    if take msmtp 20; then
        manifest msmtp "program=msmtp" \
            "version=$(msmtp --version | sed -n '1s/^msmtp version //p') (Debian package $(pkgver msmtp))" \
            "library=GnuTLS $(pkgver libgnutls30) (libgnutls30)" \
            "settings=tls on, tls_starttls on, tls_certcheck off (the check comes after the hello)"
    else
        FAILED=1
    fi
}

rec_swaks() {
    command -v swaks >/dev/null 2>&1 || { missing swaks "swaks (apt-get install swaks libnet-ssleay-perl)"; return; }
    timeout 20 swaks --server "127.0.0.1:$PORT" --tls --from a@example.test \
        --to b@example.org --data "$WORK/msg" >"$WORK/swaks.out" 2>&1
    if take swaks 20; then
        manifest swaks "program=swaks" \
            "version=$(swaks --version 2>&1 | sed -n '1s/^swaks version //p') (Debian package $(pkgver swaks))" \
            "library=Net::SSLeay $(perl -MNet::SSLeay -e 'print $Net::SSLeay::VERSION') over $OPENSSL_LIB" \
            "settings=--tls (STARTTLS required), no --tls-protocol or --tls-cipher"
    else
        FAILED=1
    fi
}

rec_python() {
    local py=/usr/bin/python3
    [ -x "$py" ] || { missing python-smtplib "/usr/bin/python3 (apt-get install python3)"; return; }
    timeout 20 "$py" -c '
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.starttls()
s.sendmail("a@example.test", ["b@example.org"], open(sys.argv[2], "rb").read())
s.quit()' "$PORT" "$WORK/msg" >"$WORK/python.out" 2>&1
    if take python-smtplib 20; then
        manifest python-smtplib "program=Python smtplib (SMTP.starttls() without a context)" \
            "version=Python $("$py" -c 'import sys; print(sys.version.split()[0])') (Debian package $(pkgver python3))" \
            "library=$("$py" -c 'import ssl; print(ssl.OPENSSL_VERSION)') (the ssl module)" \
            "settings=defaults (ssl._create_stdlib_context: no verification, the module's cipher list)"
    else
        FAILED=1
    fi
}

rec_java() {
    command -v java >/dev/null 2>&1 || { missing java-jsse "java (apt-get install openjdk-17-jre-headless)"; return; }
    local -a trust=()
    # -s: trust the test CA, so that the handshake completes (a trust
    # store changes nothing in the ClientHello)
    if [ -n "$SERVER" ] && command -v keytool >/dev/null 2>&1 &&
        keytool -importcert -noprompt -alias mxtls -file "$CERTS/ca.pem" \
            -keystore "$WORK/trust.p12" -storetype PKCS12 -storepass mxtlstest \
            >/dev/null 2>&1; then
        trust=(-Djavax.net.ssl.trustStore="$WORK/trust.p12"
            -Djavax.net.ssl.trustStoreType=PKCS12
            -Djavax.net.ssl.trustStorePassword=mxtlstest)
    fi
    timeout 60 java "${trust[@]}" "$MXTLS_SRCDIR/tools/SmtpStartTls.java" \
        127.0.0.1 "$PORT" >"$WORK/java.out" 2>&1
    if take java-jsse 20; then
        manifest java-jsse "program=Java SSLSocket after STARTTLS (what JavaMail/Jakarta Mail use at their defaults; tools/SmtpStartTls.java)" \
            "version=$(java -version 2>&1 | sed -n '2p')" \
            "library=JSSE (SunJSSE of that runtime)" \
            "settings=defaults (SSLSocketFactory.getDefault())"
    else
        FAILED=1
    fi
}

for c in "$@"; do
    case $c in
    postfix-default) rec_postfix "$c" "smtp_tls_security_level = may" ;;
    postfix-tls12) rec_postfix "$c" "smtp_tls_security_level = may; smtp_tls_protocols = >=TLSv1.2; smtp_tls_mandatory_protocols = >=TLSv1.2" ;;
    postfix-tls13) rec_postfix "$c" "smtp_tls_security_level = may; smtp_tls_protocols = >=TLSv1.3; smtp_tls_mandatory_protocols = >=TLSv1.3" ;;
    postfix-high) rec_postfix "$c" "smtp_tls_security_level = may; smtp_tls_ciphers = high; smtp_tls_mandatory_ciphers = high" ;;
    postfix-hardened) rec_postfix "$c" "smtp_tls_security_level = encrypt; smtp_tls_mandatory_protocols = >=TLSv1.2; smtp_tls_mandatory_ciphers = high; smtp_tls_mandatory_exclude_ciphers = aNULL, MD5, SHA1" ;;
    exim-gnutls) rec_exim ;;
    opensmtpd) rec_opensmtpd ;;
    msmtp) rec_msmtp ;;
    swaks) rec_swaks ;;
    python-smtplib) rec_python ;;
    java-jsse) rec_java ;;
    *)
        if [ -f "$MXTLS_SRCDIR/data/clients/$c.list" ]; then
            rec_listed "$c"
            continue
        fi
        say "unknown client '$c' (known: ${ALL[*]})"
        exit 2
        ;;
    esac
done

[ -z "$SERVER" ] || exit "$FAILED"

# MANIFEST: the sections of this run and those kept from before (clients
# not recorded this time), in name order.
if [ -f "$OUT/MANIFEST" ]; then
    awk -v dir="$WORK" '
        /^\[/ { name = substr($0, 2, length($0) - 2)
                keep = (system("test -e \"" dir "/manifest." name "\"") != 0) }
        /^#/ && !started { next }
        { started = 1; if (keep && name != "") print > (dir "/manifest." name) }
    ' "$OUT/MANIFEST"
fi
{
    echo "# The client library of check_tls_peers (client = NAME): one section"
    echo "# per client; NAME.hex is the ClientHello it sent, recorded by"
    echo "# tools/record-clients.sh (make clients). Regenerate, never edit by"
    echo "# hand."
    echo
    for f in $(find "$WORK" -maxdepth 1 -name 'manifest.*' | sort); do
        cat "$f"
        echo
    done
} | cat -s >"$OUT/MANIFEST.tmp" && mv "$OUT/MANIFEST.tmp" "$OUT/MANIFEST"
exit "$FAILED"
