# shellcheck shell=bash disable=SC2034 # OUT, RC, ... are for the callers
#
# common.sh - shared setup for the mxtls integration tests: where the
# sources and binaries are, a private work directory removed at exit, the
# test certificates, and running a plugin with a hang guard.
#
#   . "${MXTLS_SRCDIR:-.}/tests/lib/common.sh"
#   mx_init                 # work dir in $WORK, cleanup on exit
#   mx_need_postfix         # skip the script unless root; Postfix required
#   mx_require tcpdump=tcpdump Net::SSLeay=libnet-ssleay-perl
#                           # fail naming the Debian package of what is missing
#   mx_certs                # test PKI in $CERTS (made once, shared)
#   mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$port"
#   t_is "$RC" 2 "..." ; t_like "$OUT" '^TLS CERT CRITICAL' "..."
#
# mx_run stores stdout in OUT, stderr in ERR, the exit status in RC and the
# first output line in LINE1. A run that outlives MX_GUARD seconds (default
# 60) is killed and reported with RC 124: a hang, never a pass.

MXTLS_SRCDIR=${MXTLS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MXTLS_BUILDDIR=${MXTLS_BUILDDIR:-$MXTLS_SRCDIR}
export MXTLS_SRCDIR MXTLS_BUILDDIR

# shellcheck source=tap.sh
. "$MXTLS_SRCDIR/tests/lib/tap.sh"
# shellcheck source=postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"

CHECK_TLS_CERT=$MXTLS_BUILDDIR/plugins/check_tls_cert
CHECK_TLS_PROTOCOL=$MXTLS_BUILDDIR/plugins/check_tls_protocol
FIXTURE=$MXTLS_BUILDDIR/tests/fixture/mxtls-fixture
MX_GUARD=${MX_GUARD:-60}
WORK=
CERTS=
MX_CLEANUP=()

mx__cleanup() {
    local i
    for ((i = ${#MX_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${MX_CLEANUP[$i]}" >/dev/null 2>&1 || true
    done
    [ -n "$WORK" ] && rm -rf "$WORK"
}

# mx_at_exit CMD: run CMD (a string) at exit, last registered first.
mx_at_exit() {
    MX_CLEANUP+=("$1")
}

mx_init() {
    WORK=$(mktemp -d /tmp/mxtls-test.XXXXXX) || t_bail "mktemp failed"
    chmod 755 "$WORK"
    trap mx__cleanup EXIT
    trap 'exit 130' INT TERM
    t_plan_later
}

# mx_require NAME=PACKAGE...: the programs (or, for a NAME with "::", the
# Perl modules) that the script needs and that ./quickstart.sh installs.
# Each one that is missing is a failing check naming its Debian package,
# and then the script ends (exit 1): a test machine without them is
# incomplete, which must neither pass as a skip nor show up as a confusing
# assertion further down. Call it before the first check.
mx_require() {
    local spec name pkg missing=0
    for spec in "$@"; do
        name=${spec%%=*}
        pkg=${spec#*=}
        case $name in
        *::*) perl -M"$name" -e 1 >/dev/null 2>&1 && continue ;;
        *) command -v "$name" >/dev/null 2>&1 && continue ;;
        esac
        missing=1
        t_fail "$name is missing: apt-get install $pkg" \
            "the Debian package $pkg provides $name; ./quickstart.sh installs it"
    done
    [ "$missing" = 0 ] || t_done
}

mx_need_postfix() {
    if [ "$(id -u)" != 0 ]; then
        t_skip_all "Postfix tests need root"
    fi
    if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
        mx_require postfix=postfix
    fi
    mx_require openssl=openssl
}

# The 12 suites the bank's client offered in the incident, in its order:
# TLS 1.2 only, each RSA-authenticated or RSA key transport.
# shellcheck disable=SC2034 # used by the scripts that source this file
MX_BANK_SUITES="ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA"

# mx_certs: make the test PKI once per build tree (concurrent test scripts
# wait for each other) and set CERTS.
mx_certs() {
    mx_require openssl=openssl flock=util-linux
    CERTS=$MXTLS_BUILDDIR/tests/run/certs
    mkdir -p "$MXTLS_BUILDDIR/tests/run"
    (
        flock 9
        bash "$MXTLS_SRCDIR/tests/certs/mkcerts.sh" "$CERTS"
    ) 9>"$MXTLS_BUILDDIR/tests/run/.certs.lock" ||
        t_bail "cannot make the test certificates"
    chmod 755 "$MXTLS_BUILDDIR/tests/run" "$CERTS"
}

# mx_run CMD...: run with the hang guard; sets OUT, ERR, RC, LINE1.
mx_run() {
    OUT=$(timeout -k 5 "$MX_GUARD" "$@" 2>"$WORK/stderr")
    RC=$?
    ERR=$(cat "$WORK/stderr")
    LINE1=${OUT%%$'\n'*}
}

# mx_fixture MODE [ARGS...]: start the fixture server in MODE, set FPORT
# and FLOG; it is stopped at exit.
mx_fixture() {
    local mode=$1 pf pid i
    shift
    pf=$WORK/fixture-$mode.port
    FLOG=$WORK/fixture-$mode.log
    rm -f "$pf"
    "$FIXTURE" --mode "$mode" --port-file "$pf" --log "$FLOG" "$@" \
        2>>"$WORK/fixture.err" &
    pid=$!
    mx_at_exit "kill $pid; wait $pid"
    for ((i = 0; i < 100; i++)); do
        [ -s "$pf" ] && break
        sleep 0.05
    done
    [ -s "$pf" ] || t_bail "fixture $mode did not start: $(cat "$WORK/fixture.err")"
    FPORT=$(cat "$pf")
}

# mx_capture_start FILE PORT: record loopback traffic to or from PORT into
# FILE with tcpdump (stopped by mx_capture_stop, or at exit).
mx_capture_start() {
    local i
    MX_CAPFILE=$1
    : >"$WORK/tcpdump.err"
    tcpdump -i lo -n -U --immediate-mode -Z root -w "$1" "tcp port $2" \
        2>"$WORK/tcpdump.err" &
    MX_CAPPID=$!
    mx_at_exit "kill $MX_CAPPID; wait $MX_CAPPID"
    for ((i = 0; i < 100; i++)); do
        grep -q 'listening on' "$WORK/tcpdump.err" && return 0
        sleep 0.05
    done
    t_bail "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
}

# mx_capture_stop: wait until the file has stopped growing, then stop
# tcpdump (packets are written as they come: --immediate-mode, -U).
mx_capture_stop() {
    local i size prev=-1
    for ((i = 0; i < 50; i++)); do
        size=$(stat -c %s "$MX_CAPFILE")
        [ "$size" -gt 24 ] && [ "$size" = "$prev" ] && break
        prev=$size
        sleep 0.1
    done
    kill -TERM "$MX_CAPPID" 2>/dev/null
    wait "$MX_CAPPID" 2>/dev/null
}
