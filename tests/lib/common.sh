# shellcheck shell=bash disable=SC2034 # OUT, RC, ... are for the callers
#
# common.sh - shared setup for the mxtls integration tests: where the
# sources and binaries are, a private work directory removed at exit, the
# test certificates, and running a plugin with a hang guard.
#
#   . "${MXTLS_SRCDIR:-.}/tests/lib/common.sh"
#   mx_init                 # work dir in $WORK, cleanup on exit
#   mx_need_postfix         # skip the script unless root with Postfix
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

mx_need_postfix() {
    if [ "$(id -u)" != 0 ]; then
        t_skip_all "Postfix tests need root"
    fi
    if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
        t_skip_all "Postfix is not installed (apt-get install postfix)"
    fi
}

# mx_certs: make the test PKI once per build tree (concurrent test scripts
# wait for each other) and set CERTS.
mx_certs() {
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
