#!/bin/bash
#
# run.sh - the mxtls benchmark: how long, and with how many connections,
# the plugins take to learn what a mail server offers, next to the tools a
# mail administrator would use instead.  Everything talks to one private
# Postfix on 127.0.0.1.
#
#   make bench                       (from the build directory)
#   MXTLS_SRCDIR=SRC MXTLS_BUILDDIR=BUILD bash SRC/tests/bench/run.sh
#
# Benchmark A (complete enumeration), service "dual" (RSA 2048 + ECDSA
# P-256, Postfix defaults): check_tls_protocol --ciphers against sslscan
# and testssl.sh --cipher-per-proto; the sets of accepted (version, suite)
# pairs are compared.
# Benchmark B (certificates), services "dual" and "ecdsa" (ECDSA P-256
# only): check_tls_cert --require=none against testssl.sh --server-defaults
# and an openssl s_client loop over signature algorithms
# (openssl-certs.sh); the sets of certificate key types are compared.
# Benchmark C (critical peers), services "rsa" (RSA 2048 only) and
# "ecdsa": check_tls_peers with 1, 10 and 50 peers, each the bank of the
# incident (TLSv1.2, its 12 RSA suites), default parallelism, against a
# shell loop of openssl s_client, one per peer (openssl-peers.sh); against
# rsa every peer must negotiate, against ecdsa every one must fail (and
# mxtls must diagnose it).
#
# Benchmark D (the server's log), services "dual", "ecdsa" and "tls13"
# (RSA 2048 + ECDSA P-256, TLSv1.3 only): how many lines each command adds
# to the Postfix log that an administrator reads as TLS trouble, and how
# many of them are refused handshakes: the three plugins, check_ssl_cert
# (Debian's monitoring-plugins-contrib), sslscan and one openssl s_client
# handshake.
#
# For each command: the median wall time of its runs, and the TCP
# connections it opened, counted from the Postfix log ("connect from"
# lines of that service logged during the run).
#
# Output: a Markdown report on stdout (progress goes to stderr).  With
# MXTLS_BENCH_WRITE_DOCS=1 the report also replaces docs/benchmark.md in
# MXTLS_SRCDIR (only when every run succeeded).  The raw output of every
# run stays in a log directory under /tmp, named at the end.
#
# Environment:
#   MXTLS_SRCDIR            source tree (default: two levels above this file)
#   MXTLS_BUILDDIR          build tree with plugins/ (default: MXTLS_SRCDIR)
#   MXTLS_BENCH_RUNS        measured runs of each fast command (default 7)
#   MXTLS_BENCH_SLOW_RUNS   measured runs of each testssl.sh command
#                           (default 1: one run takes from 15 s to minutes)
#   MXTLS_BENCH_WRITE_DOCS  1: write docs/benchmark.md (default 0)
#   MXTLS_BENCH_LOGDIR      where the raw output goes (default: a new
#                           /tmp/mxtls-bench-logs.XXXXXX)
#   MXTLS_BENCH_GUARD       seconds after which a fast command is killed and
#                           counted as failed (default 300)
#   MXTLS_BENCH_SLOW_GUARD  the same for testssl.sh (default 1800)
#   MXTLS_BENCH_ONLY        the benchmarks to run, e.g. "D" or "A B"
#                           (default "A B C D"); docs/benchmark.md is
#                           written only when all four ran
#   MXTLS_BENCH_CHECK_SSL_CERT  check_ssl_cert for benchmark D (default
#                           /usr/lib/nagios/plugins/check_ssl_cert)
#
# Exit status: 0 when every run of every command succeeded and its result
# could be read (whatever the numbers); 1 when a tool is missing or a run
# failed (the report names it); 2 on a usage error.
#
# Needs root (Postfix), postfix, sslscan, testssl, openssl, flock
# and ss; check_tls_protocol, check_tls_cert and check_tls_peers built
# (make).  Nothing but loopback is contacted.

set -u -o pipefail
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

say() {
    printf 'bench: %s\n' "$*" >&2
}

die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

usage_error() {
    printf 'bench: %s\n' "$*" >&2
    exit 2
}

# ---------------------------------------------------------------- settings

MXTLS_SRCDIR=${MXTLS_SRCDIR:-$BENCH_DIR/../..}
MXTLS_SRCDIR=$(cd "$MXTLS_SRCDIR" 2>/dev/null && pwd -P) ||
    usage_error "MXTLS_SRCDIR is not a directory"
MXTLS_BUILDDIR=${MXTLS_BUILDDIR:-$MXTLS_SRCDIR}
MXTLS_BUILDDIR=$(cd "$MXTLS_BUILDDIR" 2>/dev/null && pwd -P) ||
    usage_error "MXTLS_BUILDDIR is not a directory"
export MXTLS_SRCDIR MXTLS_BUILDDIR

RUNS=${MXTLS_BENCH_RUNS:-7}
SLOW_RUNS=${MXTLS_BENCH_SLOW_RUNS:-1}
WRITE_DOCS=${MXTLS_BENCH_WRITE_DOCS:-0}
read -r -a ONLY_LIST <<<"${MXTLS_BENCH_ONLY:-A B C D}"
ONLY=${ONLY_LIST[*]}
for b in $ONLY; do
    case $b in
    A | B | C | D) ;;
    *) usage_error "MXTLS_BENCH_ONLY takes A, B, C and D (got \"$b\")" ;;
    esac
done
GUARD=${MXTLS_BENCH_GUARD:-300}
SLOW_GUARD=${MXTLS_BENCH_SLOW_GUARD:-1800}
for v in RUNS:MXTLS_BENCH_RUNS SLOW_RUNS:MXTLS_BENCH_SLOW_RUNS \
    GUARD:MXTLS_BENCH_GUARD SLOW_GUARD:MXTLS_BENCH_SLOW_GUARD; do
    val=${v%%:*}
    val=${!val}
    if ! [[ $val =~ ^[1-9][0-9]{0,3}$ ]]; then
        usage_error "${v#*:} must be a whole number from 1 to 9999 (got \"$val\")"
    fi
done
case $WRITE_DOCS in
0 | 1) ;;
*) usage_error "MXTLS_BENCH_WRITE_DOCS must be 0 or 1" ;;
esac
if [ "$WRITE_DOCS" = 1 ] && [ "$ONLY" != "A B C D" ]; then
    usage_error "MXTLS_BENCH_WRITE_DOCS=1 needs every benchmark (MXTLS_BENCH_ONLY unset)"
fi

CHECK_TLS_PROTOCOL=$MXTLS_BUILDDIR/plugins/check_tls_protocol
CHECK_TLS_CERT=$MXTLS_BUILDDIR/plugins/check_tls_cert
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
CHECK_SSL_CERT=${MXTLS_BENCH_CHECK_SSL_CERT:-/usr/lib/nagios/plugins/check_ssl_cert}
OPENSSL_CERTS=$BENCH_DIR/openssl-certs.sh
OPENSSL_PEERS=$BENCH_DIR/openssl-peers.sh
DOCS=$MXTLS_SRCDIR/docs/benchmark.md

# shellcheck source=../lib/postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"

# ---------------------------------------------------------------- checks

[ "$(id -u)" = 0 ] || die "the benchmark needs root (it starts a private Postfix)"

missing=()
for tool in sslscan testssl openssl flock ss awk postconf; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! command -v postfix >/dev/null 2>&1; then
    missing+=(postfix)
fi
case " $ONLY " in
*" D "*)
    [ -x "$CHECK_SSL_CERT" ] ||
        missing+=("$CHECK_SSL_CERT (Debian package monitoring-plugins-contrib)")
    ;;
esac
for f in "$CHECK_TLS_PROTOCOL" "$CHECK_TLS_CERT" "$CHECK_TLS_PEERS"; do
    [ -x "$f" ] || missing+=("$f (run make in $MXTLS_BUILDDIR)")
done
if [ ${#missing[@]} -gt 0 ]; then
    die "missing: ${missing[*]}"
fi

# ---------------------------------------------------------------- work area

WORK=
PF=
LOGS=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    bench_stop_child
    if [ -n "$PF" ]; then
        pf_stop "$PF"
        if [ -n "$LOGS" ] && [ -f "$PF/maillog" ]; then
            cp "$PF/maillog" "$LOGS/postfix-maillog" 2>/dev/null || true
        fi
    fi
    if [ -n "$WORK" ]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
trap 'exit 129' HUP

WORK=$(mktemp -d /tmp/mxtls-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$WORK" # the postfix user must reach $WORK/pf/data
if [ -n "${MXTLS_BENCH_LOGDIR:-}" ]; then
    LOGS=$MXTLS_BENCH_LOGDIR
    mkdir -p "$LOGS" || die "cannot create $LOGS"
else
    LOGS=$(mktemp -d /tmp/mxtls-bench-logs.XXXXXX) || die "mktemp failed"
fi
LOGS=$(cd "$LOGS" && pwd -P)
mkdir -p "$LOGS/A" "$LOGS/B" "$LOGS/C" "$LOGS/D" || die "cannot write to $LOGS"
PF=$WORK/pf

# The test PKI, shared with the integration tests (same lock).
CERTS=$MXTLS_BUILDDIR/tests/run/certs
mkdir -p "$MXTLS_BUILDDIR/tests/run" || die "cannot create $MXTLS_BUILDDIR/tests/run"
(
    flock 9
    bash "$MXTLS_SRCDIR/tests/certs/mkcerts.sh" "$CERTS"
) 9>"$MXTLS_BUILDDIR/tests/run/.certs.lock" || die "cannot make the test certificates"
chmod 755 "$MXTLS_BUILDDIR/tests/run" "$CERTS"

say "starting Postfix in $PF"
pf_start "$PF" \
    "0:dual:$CERTS/rsa2048.pem,$CERTS/ecdsa-p256.pem" \
    "0:ecdsa:$CERTS/ecdsa-p256.pem" \
    "0:rsa:$CERTS/rsa2048.pem" \
    "0:tls13:$CERTS/rsa2048.pem,$CERTS/ecdsa-p256.pem:smtpd_tls_protocols=>=TLSv1.3;smtpd_tls_mandatory_protocols=>=TLSv1.3" ||
    die "cannot start Postfix"
declare -A PORT
for svc in dual ecdsa rsa tls13; do
    PORT[$svc]=$(pf_port "$PF" "$svc") || die "no port for service $svc"
done
# What the services were configured with, as the certificate sets name it.
declare -A CONFIGURED=([dual]="ECDSA P-256, RSA 2048" [ecdsa]="ECDSA P-256"
    [rsa]="RSA 2048" [tls13]="ECDSA P-256, RSA 2048")

# ---------------------------------------------------------------- runs

# Per measured command KEY: wall times (ns) and connection counts of the
# successful runs, space-separated.
declare -A R_NS R_CONN
FAILURES=()

# measure KEY SERVICE RUN GUARD OKRCS OUT CMD...: run CMD once against
# SERVICE, its stdout in OUT and stderr in OUT.err.  OKRCS lists the exit
# statuses that mean the command worked.  RUN 0 is a warm-up: checked, not
# recorded.  Returns 1 (and records a failure) when the run failed.
measure() {
    local key=$1 svc=$2 run=$3 guard=$4 okrcs=$5 out=$6 before conns
    local settled=1 label
    shift 6
    label="$key run $run"
    [ "$run" = 0 ] && label="$key warm-up run"
    before=$(pf_lines "$PF")
    bench_exec "$guard" "$out" "$out.err" "$@"
    conns=$(bench_settle "$PF" "$svc" "$before") || settled=0
    printf '%s\t%s\t%s\t%s\n' "$run" "$BENCH_NS" "$BENCH_RC" "$conns" \
        >>"$LOGS/$key.runs"
    if [ "$BENCH_TIMEOUT" = 1 ]; then
        FAILURES+=("$label: killed after ${guard} s without a result ($out.err)")
        return 1
    fi
    case " $okrcs " in
    *" $BENCH_RC "*) ;;
    *)
        FAILURES+=("$label: exit status $BENCH_RC (output: $out, $out.err)")
        return 1
        ;;
    esac
    if [ "$settled" = 0 ]; then
        FAILURES+=("$label: the Postfix log did not settle within ${BENCH_LOG_WAIT} s (connections uncertain)")
        return 1
    fi
    if [ "$run" != 0 ]; then
        R_NS[$key]="${R_NS[$key]:-} $BENCH_NS"
        R_CONN[$key]="${R_CONN[$key]:-} $conns"
    fi
    say "$label: $(bench_secs "$BENCH_NS"), $conns connections"
    return 0
}

# parsed KEY RUN SETFILE WHAT: check that a parsed set is not empty.
parsed() {
    if [ ! -s "$3" ]; then
        FAILURES+=("$1 run $2: no $4 found in the output ($3)")
        return 1
    fi
}

# ---- Benchmark A: complete enumeration against "dual"

A_OURS="check_tls_protocol -H 127.0.0.1 -p PORT --ciphers"
A_SSLSCAN="sslscan --starttls-smtp --xml=FILE --no-colour 127.0.0.1:PORT"
A_TESTSSL="testssl --cipher-per-proto -t smtp --quiet --color 0 --nodns none --warnings batch --jsonfile FILE 127.0.0.1:PORT"

bench_a() {
    local port=${PORT[dual]} i d=$LOGS/A
    say "benchmark A: complete enumeration, service dual (port $port)"
    for ((i = 0; i <= RUNS; i++)); do
        if measure A.ours dual "$i" "$GUARD" "0 1 2" "$d/ours-$i.txt" \
            "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" --ciphers; then
            bench_set_ours "$d/ours-$i.txt" >"$d/ours-$i.set"
            parsed A.ours "$i" "$d/ours-$i.set" "accepted suites"
        fi
        rm -f "$d/sslscan-$i.xml"
        if measure A.sslscan dual "$i" "$GUARD" 0 "$d/sslscan-$i.txt" \
            sslscan --starttls-smtp --xml="$d/sslscan-$i.xml" --no-colour \
            "127.0.0.1:$port"; then
            bench_set_sslscan "$d/sslscan-$i.xml" >"$d/sslscan-$i.set"
            parsed A.sslscan "$i" "$d/sslscan-$i.set" "accepted suites"
        fi
    done
    for ((i = 1; i <= SLOW_RUNS; i++)); do
        say "testssl.sh --cipher-per-proto run $i of $SLOW_RUNS (slow)"
        rm -f "$d/testssl-$i.json"
        if measure A.testssl dual "$i" "$SLOW_GUARD" 0 "$d/testssl-$i.txt" \
            testssl --cipher-per-proto -t smtp --quiet --color 0 \
            --nodns none --warnings batch --jsonfile "$d/testssl-$i.json" \
            "127.0.0.1:$port"; then
            bench_set_testssl "$d/testssl-$i.json" >"$d/testssl-$i.set"
            parsed A.testssl "$i" "$d/testssl-$i.set" "accepted suites"
        fi
    done
}

# ---- Benchmark B: certificates against "dual" and "ecdsa"

B_OURS="check_tls_cert -H 127.0.0.1 -p PORT --require=none"
B_TESTSSL="testssl --server-defaults -t smtp --quiet --color 0 --nodns none --warnings batch --jsonfile FILE 127.0.0.1:PORT"
B_OPENSSL="tests/bench/openssl-certs.sh 127.0.0.1 PORT"

bench_b() {
    local svc port i d
    for svc in dual ecdsa; do
        port=${PORT[$svc]}
        d=$LOGS/B/$svc
        mkdir -p "$d"
        say "benchmark B: certificates, service $svc (port $port)"
        for ((i = 0; i <= RUNS; i++)); do
            if measure "B.$svc.ours" "$svc" "$i" "$GUARD" "0 1 2" \
                "$d/ours-$i.txt" \
                "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$port" --require=none; then
                bench_certs_ours "$d/ours-$i.txt" >"$d/ours-$i.set"
                parsed "B.$svc.ours" "$i" "$d/ours-$i.set" "certificates"
            fi
            if measure "B.$svc.openssl" "$svc" "$i" "$GUARD" 0 \
                "$d/openssl-$i.txt" \
                bash "$OPENSSL_CERTS" 127.0.0.1 "$port"; then
                bench_certs_openssl "$d/openssl-$i.txt" >"$d/openssl-$i.set"
                parsed "B.$svc.openssl" "$i" "$d/openssl-$i.set" "certificates"
            fi
        done
        for ((i = 1; i <= SLOW_RUNS; i++)); do
            say "testssl.sh --server-defaults run $i of $SLOW_RUNS on $svc (slow)"
            rm -f "$d/testssl-$i.json"
            if measure "B.$svc.testssl" "$svc" "$i" "$SLOW_GUARD" 0 \
                "$d/testssl-$i.txt" \
                testssl --server-defaults -t smtp --quiet --color 0 \
                --nodns none --warnings batch --jsonfile "$d/testssl-$i.json" \
                "127.0.0.1:$port"; then
                bench_certs_testssl "$d/testssl-$i.json" >"$d/testssl-$i.set"
                parsed "B.$svc.testssl" "$i" "$d/testssl-$i.set" "certificates"
            fi
        done
    done
}

# ---- Benchmark C: critical peers against "rsa" and "ecdsa"

# The bank of the incident (contrib/peers.conf.example): TLSv1.2 only and
# these 12 suites, all RSA-authenticated or RSA key transport.
C_SUITES="ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA"
C_COUNTS="1 10 50"
C_SERVICES="rsa ecdsa"
C_OURS="check_tls_peers -H 127.0.0.1 -p PORT -f FILE"
C_OPENSSL="tests/bench/openssl-peers.sh PORT N"

# c_verdict TOOL SERVICE N FILE RC: check one run of benchmark C against
# what it must say: against rsa every one of the N peers negotiates,
# against ecdsa every one fails (and mxtls says why).  Writes FILE.result
# (what the run said, for the table) and FILE.check ("yes", or "no: WHY").
# Returns 1 when the output could not be read at all.
c_verdict() {
    local tool=$1 svc=$2 n=$3 f=$4 rc=$5 sum causes k lines why=
    local re_ok re_crit
    if [ "$tool" = ours ]; then
        sum=$(bench_peers_summary "$f")
        case $sum in
        OK\ -* | WARNING\ -* | CRITICAL\ -* | UNKNOWN\ -*) ;;
        *) return 1 ;;
        esac
        causes=$(bench_peers_causes "$f")
        echo "$sum${causes:+ ($causes)}" >"$f.result"
        if [ "$svc" = rsa ]; then
            re_ok="^OK - $n of $n peers? negotiates?\$"
            lines=$(bench_peers_lines "$f" '^\[OK\] bank[0-9]+: TLSv1\.2 ')
            [ "$rc" = 0 ] || why="$why, exit status $rc"
            [[ $sum =~ $re_ok ]] || why="$why, summary \"$sum\""
            [ "$lines" = "$n" ] || why="$why, $lines [OK] lines"
        else
            re_crit="^CRITICAL - $n of $n critical peers? cannot negotiate\$"
            lines=$(bench_peers_lines "$f" \
                '^\[CRITICAL\] bank[0-9]+: no shared cipher - .*no RSA certificate.*; add an RSA certificate')
            [ "$rc" = 2 ] || why="$why, exit status $rc"
            [[ $sum =~ $re_crit ]] || why="$why, summary \"$sum\""
            [ "$causes" = "$n × no RSA certificate" ] ||
                why="$why, causes \"${causes:-none}\""
            [ "$lines" = "$n" ] || why="$why, $lines certificate-type diagnoses"
        fi
    else
        read -r k lines <<<"$(bench_peers_openssl "$f")"
        [ -n "${lines:-}" ] || return 1
        causes=$(bench_peers_openssl_reasons "$f")
        if [ "$k" = 0 ]; then
            echo "$k of $lines handshakes succeeded; no diagnosis${causes:+ ($causes)}" >"$f.result"
        else
            echo "$k of $lines handshakes succeeded${causes:+; $causes}" >"$f.result"
        fi
        [ "$lines" = "$n" ] || why="$why, $lines handshakes tried"
        if [ "$svc" = rsa ]; then
            [ "$k" = "$n" ] || why="$why, $k succeeded"
        else
            [ "$k" = 0 ] || why="$why, $k succeeded"
        fi
    fi
    if [ -z "$why" ]; then
        echo yes >"$f.check"
    else
        echo "no: ${why#, }" >"$f.check"
    fi
}

# c_run KEY SERVICE RUN TOOL N OKRCS OUT CMD...: one measured run of
# benchmark C and its check.
c_run() {
    local key=$1 svc=$2 run=$3 tool=$4 n=$5 okrcs=$6 out=$7
    shift 7
    rm -f "$out.result" "$out.check"
    if measure "$key" "$svc" "$run" "$GUARD" "$okrcs" "$out" "$@"; then
        if ! c_verdict "$tool" "$svc" "$n" "$out" "$BENCH_RC"; then
            FAILURES+=("$key run $run: no result found in the output ($out)")
        fi
    fi
}

bench_c() {
    local svc port n i d conf
    for n in $C_COUNTS; do
        bench_peers_file "$n" "$C_SUITES" >"$LOGS/C/peers-$n.conf" ||
            die "cannot write $LOGS/C/peers-$n.conf"
    done
    for svc in $C_SERVICES; do
        port=${PORT[$svc]}
        for n in $C_COUNTS; do
            d=$LOGS/C/$svc-$n
            conf=$LOGS/C/peers-$n.conf
            mkdir -p "$d"
            say "benchmark C: $n peer(s), service $svc (port $port)"
            for ((i = 0; i <= RUNS; i++)); do
                c_run "C.$svc.$n.ours" "$svc" "$i" ours "$n" "0 1 2" \
                    "$d/ours-$i.txt" \
                    "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$port" -f "$conf"
                c_run "C.$svc.$n.openssl" "$svc" "$i" openssl "$n" 0 \
                    "$d/openssl-$i.txt" bash "$OPENSSL_PEERS" "$port" "$n"
            done
        done
    done
}

# ---- Benchmark D: lines in the server's log, per run

# What an administrator reads as TLS trouble in a Postfix log, and the
# part of it that is a refused or failed handshake.
D_NOISE='SSL_accept error|TLS library problem|lost connection|warning:'
D_REFUSED='SSL_accept error'
D_SERVICES="dual ecdsa tls13"
D_TOOLS="cert protocol ciphers peers check_ssl_cert sslscan openssl"
declare -A D_LINES D_REFUSALS
declare -A D_LABEL=(
    [cert]="check_tls_cert"
    [protocol]="check_tls_protocol"
    [ciphers]="check_tls_protocol --ciphers"
    [peers]="check_tls_peers (the bank of the incident)"
    [check_ssl_cert]="check_ssl_cert -P smtp"
    [sslscan]="sslscan --starttls-smtp"
    [openssl]="one openssl s_client handshake"
)

# d_cmd TOOL PORT: the command line of TOOL against PORT, one word a line.
d_cmd() {
    local port=$2
    case $1 in
    cert) printf '%s\n' "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$port" \
        --require=none "--ca-file=$CERTS/ca.pem" ;;
    protocol) printf '%s\n' "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" ;;
    ciphers) printf '%s\n' "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" --ciphers ;;
    peers) printf '%s\n' "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$port" \
        --peer-name=bank --peer-protocols=TLSv1.2 "--peer-ciphers=$C_SUITES" ;;
    check_ssl_cert) printf '%s\n' "$CHECK_SSL_CERT" -H 127.0.0.1 -p "$port" \
        -P smtp --rootcert-file "$CERTS/ca.pem" --ignore-ocsp --ignore-sct ;;
    sslscan) printf '%s\n' sslscan --starttls-smtp "127.0.0.1:$port" ;;
    openssl) printf '%s\n' sh -c "openssl s_client -connect 127.0.0.1:$port \
-starttls smtp </dev/null" ;;
    esac
}

bench_d() {
    local svc tool i d before lines refused
    local -a cmd
    for svc in $D_SERVICES; do
        d=$LOGS/D/$svc
        mkdir -p "$d"
        say "benchmark D: the server's log, service $svc (port ${PORT[$svc]})"
        for tool in $D_TOOLS; do
            mapfile -t cmd < <(d_cmd "$tool" "${PORT[$svc]}")
            for ((i = 0; i <= 3; i++)); do
                before=$(pf_lines "$PF")
                # Any exit status: the log is what is measured here.
                measure "D.$svc.$tool" "$svc" "$i" "$GUARD" "0 1 2 3" \
                    "$d/$tool-$i.txt" "${cmd[@]}" || continue
                lines=$(pf_count "$PF" "postfix/$svc/smtpd\[[0-9]+\]: .*($D_NOISE)" "$before")
                refused=$(pf_count "$PF" "postfix/$svc/smtpd\[[0-9]+\]: .*($D_REFUSED)" "$before")
                tail -n "+$((before + 1))" "$PF/maillog" >"$d/$tool-$i.log"
                if [ "$i" != 0 ]; then
                    D_LINES[$svc.$tool]="${D_LINES[$svc.$tool]:-} $lines"
                    D_REFUSALS[$svc.$tool]="${D_REFUSALS[$svc.$tool]:-} $refused"
                fi
            done
        done
    done
}

# d_report: table D.
d_report() {
    local tool svc l r
    cat <<EOF
## D. Lines in the server's log

A plugin runs against production servers every few minutes, and each
refused or broken handshake is a line in the server's log that hides
real failures and can trip log-based banning.  For each command, the
lines it added to the Postfix log of the service (median of 3 runs after
a warm-up): every line that reads as TLS trouble (\`SSL_accept error\`,
\`TLS library problem\`, \`lost connection\`, \`warning:\`), and in
brackets the refused or failed handshakes among them (\`SSL_accept
error\`).  Services: **dual** (RSA 2048 + ECDSA P-256, Postfix
defaults), **ecdsa** (ECDSA P-256 only), **tls13** (both certificates,
\`smtpd_tls_protocols = >=TLSv1.3\`).  The raw log of every run is kept
in the log directory (\`D/SERVICE/TOOL-N.log\`).

| command | dual | ecdsa | tls13 |
|---|---|---|---|
EOF
    for tool in $D_TOOLS; do
        printf '| %s |' "${D_LABEL[$tool]}"
        for svc in $D_SERVICES; do
            if [ -n "${D_LINES[$svc.$tool]:-}" ]; then
                # shellcheck disable=SC2086 # the list is meant to split
                l=$(bench_median ${D_LINES[$svc.$tool]})
                # shellcheck disable=SC2086
                r=$(bench_median ${D_REFUSALS[$svc.$tool]})
                printf ' %s (%s) |' "$l" "$r"
            else
                printf ' failed |'
            fi
        done
        echo
    done
    echo
}

# ---------------------------------------------------------------- report

# runstat KEY FIELD: from the recorded runs of KEY, print FIELD: n (runs),
# med (median ns), range ("min–max" in seconds), conn (connections).
runstat() {
    local key=$1 field=$2
    local -a ns conn
    read -r -a ns <<<"${R_NS[$key]:-}"
    read -r -a conn <<<"${R_CONN[$key]:-}"
    case $field in
    n) echo "${#ns[@]}" ;;
    med) bench_median "${ns[@]}" 2>/dev/null || echo 0 ;;
    range)
        if [ "${#ns[@]}" -lt 2 ]; then
            echo "—"
        else
            echo "$(bench_secs "$(bench_min "${ns[@]}")")–$(bench_secs "$(bench_max "${ns[@]}")")"
        fi
        ;;
    conn)
        if [ "${#conn[@]}" = 0 ]; then
            echo "—"
        else
            bench_range "${conn[@]}"
        fi
        ;;
    esac
}

# row_numbers KEY REFKEY: "runs | median | min–max | ratio | connections"
row_numbers() {
    local key=$1 ref=$2 n med refmed
    n=$(runstat "$key" n)
    if [ "$n" = 0 ]; then
        printf 'failed | — | — | — | —'
        return
    fi
    med=$(runstat "$key" med)
    refmed=$(runstat "$ref" med)
    printf '%s | %s | %s | %s | %s' "$n" "$(bench_secs "$med")" \
        "$(runstat "$key" range)" "$(bench_ratio "$med" "$refmed")" \
        "$(runstat "$key" conn)"
}

# first_set DIR TOOL: the set of the first successful measured run.
first_set() {
    local i
    for ((i = 1; i <= RUNS || i <= SLOW_RUNS; i++)); do
        if [ -s "$1/$2-$i.set" ]; then
            echo "$1/$2-$i.set"
            return 0
        fi
    done
    return 1
}

# stable DIR TOOL MAXRUN: "yes" when every measured run gave the set of the
# first one, else the runs that differ.
stable() {
    local ref i diff=
    ref=$(first_set "$1" "$2") || {
        echo "—"
        return
    }
    for ((i = 1; i <= $3; i++)); do
        [ -f "$1/$2-$i.set" ] || continue
        cmp -s "$ref" "$1/$2-$i.set" || diff="$diff $i"
    done
    if [ "$3" = 1 ]; then
        echo "n/a (1 run)"
    elif [ -z "$diff" ]; then
        echo yes
    else
        ref=${ref##*-}
        echo "no (runs$diff differ from run ${ref%.set})"
    fi
}

# same SETFILE REFFILE: "yes", "no" or "—".
same() {
    if [ -z "$1" ] || [ -z "$2" ]; then
        echo "—"
    elif cmp -s "$1" "$2"; then
        echo yes
    else
        echo "**no**"
    fi
}

# per_version SETFILE: "TLSv1.3 3, TLSv1.2 71, ..." from a suite set.
per_version() {
    awk '{ n[$1]++ } END { for (v in n) print v, n[v] }' "$1" |
        sort -r | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'
}

tool_versions() {
    V_OPENSSL=$(openssl version 2>/dev/null | head -n 1)
    V_SSLSCAN=$(sslscan --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' |
        awk 'NF { $1 = $1; printf "%s%s", (n++ ? " / " : ""), $0 }')
    V_TESTSSL=$(testssl --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' |
        sed -n -E 's/.*testssl(\.sh)?[[:space:]]+([0-9][^[:space:]]*).*/\2/p' |
        head -n 1)
    V_POSTFIX=$(postconf -h -d mail_version 2>/dev/null)
    V_MXTLS=$("$CHECK_TLS_PROTOCOL" -V 2>/dev/null | head -n 1 |
        sed 's/.*(mxtls \(.*\)).*/\1/')
    V_GIT=$(git -C "$MXTLS_SRCDIR" rev-parse --short HEAD 2>/dev/null) || V_GIT=
    if [ -n "$V_GIT" ] &&
        [ -n "$(git -C "$MXTLS_SRCDIR" status --porcelain 2>/dev/null | head -n 1)" ]; then
        V_GIT="$V_GIT + uncommitted changes"
    fi
    V_CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
}

report() {
    local d=$LOGS/A s_ours s_ssl s_ts svc ref
    tool_versions
    s_ours=$(first_set "$d" ours) || s_ours=
    s_ssl=$(first_set "$d" sslscan) || s_ssl=
    s_ts=$(first_set "$d" testssl) || s_ts=

    cat <<EOF
# Benchmark: mxtls against sslscan, testssl.sh and openssl s_client

How long the mxtls plugins take, and how many connections they open, to
find out what a mail server offers and whether given clients get a
handshake with it, next to the tools a mail administrator would run
instead.  This file is written by \`tests/bench/run.sh\`
(\`MXTLS_BENCH_WRITE_DOCS=1 make bench\`); do not edit it by hand.

**The numbers come from one machine and one run of the script**: the
median of $RUNS runs of each fast command and $SLOW_RUNS run(s) of each
testssl.sh command, on the machine below, against a server on the same
machine.  They show orders of magnitude, not a general speed rating:
another machine, another load (see the load average below) or another
network (a real MX is milliseconds away, not microseconds) gives other
numbers.

## Machine and versions

| | |
|---|---|
| Date | $(date -u '+%Y-%m-%d %H:%M UTC') |
| CPU | $(nproc) cores (nproc)${V_CPU:+, $V_CPU} |
| Kernel | $(uname -r) |
| Load average (1, 5, 15 min) | ${LOAD_START:-?} at the start, ${LOAD_END:-?} at the end |
| OpenSSL | $V_OPENSSL |
| sslscan | $V_SSLSCAN |
| testssl.sh | $V_TESTSSL |
| Postfix | $V_POSTFIX |
| mxtls | $V_MXTLS${V_GIT:+, git $V_GIT} |

## Set-up

One private Postfix instance on 127.0.0.1 (\`tests/lib/postfix.sh\`),
Postfix defaults apart from the certificates (TLSv1 to TLSv1.3, cipher
grade "medium"), with four smtpd services:

* **dual**: RSA 2048 and ECDSA P-256 certificates (\`rsa2048.pem\`,
  \`ecdsa-p256.pem\` of \`tests/certs/mkcerts.sh\`);
* **ecdsa**: the ECDSA P-256 certificate only;
* **rsa**: the RSA 2048 certificate only;
* **tls13**: both certificates, \`smtpd_tls_protocols = >=TLSv1.3\`.

Each fast command runs $RUNS times (after one warm-up run that is not
counted), the mxtls plugin and its rival taking turns; each testssl.sh
command runs $SLOW_RUNS time(s), after the fast ones.  Nothing else is
tuned: each tool runs with the options listed under its table.

## Benchmark A: complete enumeration (service dual)

Every protocol version and every cipher suite the server accepts.

| Tool | Runs | Median time | Min–max | Time vs. mxtls | Connections | Accepted pairs | Same pairs as mxtls | Same in every run |
|---|--:|--:|--:|--:|--:|--:|---|---|
| mxtls \`check_tls_protocol --ciphers\` | $(row_numbers A.ours A.ours) | $(if [ -n "$s_ours" ]; then wc -l <"$s_ours"; else echo —; fi) | — | $(stable "$d" ours "$RUNS") |
| sslscan | $(row_numbers A.sslscan A.ours) | $(if [ -n "$s_ssl" ]; then wc -l <"$s_ssl"; else echo —; fi) | $(same "$s_ssl" "$s_ours") | $(stable "$d" sslscan "$RUNS") |
| testssl.sh \`--cipher-per-proto\` | $(row_numbers A.testssl A.ours) | $(if [ -n "$s_ts" ]; then wc -l <"$s_ts"; else echo —; fi) | $(same "$s_ts" "$s_ours") | $(stable "$d" testssl "$SLOW_RUNS") |

EOF
    agreement_a "$s_ours" "$s_ssl" "$s_ts"
    cat <<EOF

Commands (PORT is the port of the service, FILE a new file per run):

\`\`\`
$A_OURS
$A_SSLSCAN
$A_TESTSSL
\`\`\`

## Benchmark B: certificates (services dual and ecdsa)

Every certificate the server has, by key type.  A mail server with an RSA
and an ECDSA certificate presents one of them per handshake, chosen by
what the client offers, so a tool has to make more than one handshake to
see both.

| Service (configured) | Tool | Runs | Median time | Min–max | Time vs. mxtls | Connections | Certificates found | Same as mxtls |
|---|---|--:|--:|--:|--:|--:|---|---|
EOF
    for svc in dual ecdsa; do
        d=$LOGS/B/$svc
        ref=$(first_set "$d" ours) || ref=
        b_row "$svc" "mxtls \`check_tls_cert --require=none\`" "B.$svc.ours" "$ref" "$d" ours
        b_row "$svc" "testssl.sh \`--server-defaults\`" "B.$svc.testssl" "$ref" "$d" testssl
        b_row "$svc" "openssl s_client loop (7 sigalgs)" "B.$svc.openssl" "$ref" "$d" openssl
    done
    cat <<EOF

$(b_summary)

Commands:

\`\`\`
$B_OURS
$B_TESTSSL
$B_OPENSSL
\`\`\`

\`tests/bench/openssl-certs.sh\` is the loop a person would write with the
openssl tool alone: for each TLS 1.3 signature algorithm (rsa_pss_rsae_sha256,
rsa_pss_pss_sha256, ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384,
ecdsa_secp521r1_sha512, ed25519, ed448) one
\`openssl s_client -starttls smtp -connect 127.0.0.1:PORT -sigalgs ALG\`,
piped into \`openssl x509 -noout -text\` to read the key type.  It cannot
see a DSA certificate (TLS 1.2 only) and needs a server with TLS 1.3.

## Benchmark C: critical peers (services rsa and ecdsa)

Whether each critical peer's TLS client gets a handshake with the server,
for 1, 10 and 50 peers that each speak like the bank of the incident
(TLSv1.2 only and its 12 suites, all of them RSA-authenticated or RSA key
transport).  Against **rsa** (RSA 2048 only) every peer must negotiate;
against **ecdsa** (ECDSA P-256 only) every peer must fail, because the
server has no RSA certificate.  The openssl loop makes one handshake per
peer, one after the other, as a shell loop does; mxtls runs with its
default parallelism: $(c_parallel).

| Service (configured) | Peers | Tool | Runs | Median time | Min–max | Time vs. mxtls | Connections | Result (first measured run) | As expected in every run |
|---|--:|---|--:|--:|--:|--:|--:|---|---|
$(for svc in $C_SERVICES; do
        for n in $C_COUNTS; do
            c_row "$svc" "$n" "mxtls \`check_tls_peers\`" ours
            c_row "$svc" "$n" "openssl s_client loop" openssl
        done
    done)

$(c_target)

$(c_notes)

Commands (FILE is the peers file with N peers, written by the script
into the log directory; PORT is the port of the service):

\`\`\`
$C_OURS
$C_OPENSSL
\`\`\`

Each of the N peers of FILE (bank01, bank02, ...):

\`\`\`
[bank01]
description = the bank of the incident, copy 1 of N
severity = critical
protocols = TLSv1.2
ciphers = $C_SUITES
\`\`\`

\`tests/bench/openssl-peers.sh\` is the loop a person would write with the
openssl tool alone: for each peer one
\`echo QUIT | openssl s_client -starttls smtp -connect 127.0.0.1:PORT -tls1_2 -cipher SUITES -ign_eof\`,
SUITES being the same 12 suites; a handshake succeeded when s_client
printed \`New, TLSv1.2, Cipher is ...\`, and the loop counts them.
\`-ign_eof\` is needed for the QUIT to reach the server: without it
s_client takes the "Q" of "QUIT" for its own command letter and closes
the connection without sending anything.

$(notes)

$(d_report)

## How to read the tables

* **Service (configured)**: the Postfix service measured, with the
  certificates it was configured with.
* **Peers**: how many peers the peers file (mxtls) or the loop (openssl)
  has.
* **Tool**: the command measured, exactly as listed under the table.
* **Runs**: how many measured runs the numbers are taken from (warm-up
  runs and failed runs are left out).
* **Median time**: the median wall time of those runs, the whole command
  from start to exit: the clock (bash's \`EPOCHREALTIME\`, the same as
  \`date +%s%N\` without a fork) is read just before the command starts
  and just after it has exited.
  It includes the tool's start-up, its STARTTLS dialogues and every
  handshake; for testssl.sh also its own local checks.
* **Min–max**: the fastest and the slowest measured run (— for a single
  run).
* **Time vs. mxtls**: the tool's median divided by the median of the mxtls
  plugin against the same service (and, in benchmark C, for the same
  number of peers); 40× means forty times as long.
* **Connections**: the TCP connections the command opened, counted on the
  server side from the Postfix log: the lines matching
  \`postfix/SERVICE/smtpd\[[0-9]+\]: connect from\` that were added to the
  log during the run.  Postfix logs through postlogd, asynchronously, so
  after each run the script waits (15 s at most) until the log holds as
  many \`disconnect from\` lines as \`connect from\` lines for that run
  and the count stays put, before the next command starts.  A single
  number means every run opened that many; otherwise the median comes
  first and the range follows.
* **Accepted pairs**: the number of (protocol version, cipher suite) pairs
  the tool reported as accepted.  mxtls: the \`  [OK] 0xC030 ...\` lines
  under each \`[OK] TLSvX accepted\` node of the long output; sslscan: the
  \`<cipher status="accepted|preferred" sslversion=... id=...>\` elements
  of its XML; testssl.sh: the findings of its JSON file whose id is
  \`cipher-<protocol>_x<hexcode>\` (e.g. \`cipher-tls1_2_xc030\`).  Suites
  are compared by IANA code, so the naming of each tool does not matter.
* **Same pairs as mxtls / Same as mxtls**: whether the tool's set (of
  the first measured run) equals the mxtls plugin's.
* **Same in every run**: whether every measured run of the tool reported
  the same set.
* **Certificates found**: the key types of the certificates the tool
  reported (mxtls: the \`[OK] RSA 2048: ...\` lines; testssl.sh: its
  \`cert_keySize\` findings, one per "Server Certificate #N"; the openssl
  loop: the key of each certificate it got).
* **Result (first measured run)**: mxtls: the state and summary of the
  plugin's first line (\`TLS PEERS OK - 10 of 10 peers negotiate\`)
  and, in parentheses, the causes it gives for the failing peers,
  counted; the openssl loop: how many of its handshakes succeeded, and
  for the failed ones what s_client said, counted.
* **As expected in every run**: whether every measured run said what it
  must.  Against rsa: mxtls exits 0, its summary says N of N peers
  negotiate and there is an \`[OK] bankNN: TLSv1.2 ...\` line for each
  peer; the openssl loop tried N handshakes and all N succeeded.  Against
  ecdsa: mxtls exits 2 (CRITICAL), its summary says N of N critical peers
  cannot negotiate, with "no RSA certificate" for each, and each peer has
  a \`[CRITICAL] bankNN: no shared cipher - ... no RSA certificate ...;
  add an RSA certificate ...\` line; the openssl loop tried N handshakes
  and none succeeded.

## Reproduce

From a configured build directory, as root, with postfix, sslscan,
testssl.sh, openssl and check_ssl_cert (monitoring-plugins-contrib)
installed:

\`\`\`
make bench                                   # print the report
MXTLS_BENCH_WRITE_DOCS=1 make bench          # also rewrite docs/benchmark.md
MXTLS_BENCH_RUNS=15 MXTLS_BENCH_SLOW_RUNS=3 make bench
MXTLS_BENCH_ONLY=D make bench                # only the server's log
\`\`\`

The script prints the report on stdout and keeps the raw output of every
run (plugin output, sslscan XML, testssl.sh JSON, the peers files of
benchmark C, the Postfix log) in a directory under /tmp that it names at
the end.
EOF
    if [ ${#FAILURES[@]} -gt 0 ]; then
        printf '\n## Failed runs\n\n'
        printf -- '* %s\n' "${FAILURES[@]}"
    fi
}

# agreement_a OURS SSLSCAN TESTSSL: the verdict on the three suite sets.
agreement_a() {
    local o=$1 s=$2 t=$3 all n
    if [ -z "$o" ] || [ -z "$s" ] || [ -z "$t" ]; then
        echo "The three sets could not be compared: a tool gave no result."
        return
    fi
    if cmp -s "$o" "$s" && cmp -s "$o" "$t"; then
        echo "**All three sets are identical**: $(wc -l <"$o") (version, suite)"
        echo "pairs ($(per_version "$o"))."
        return
    fi
    echo "**The three sets differ.**  Pairs not reported by all three tools:"
    echo
    echo "| Version | Suite | mxtls | sslscan | testssl.sh |"
    echo "|---|---|---|---|---|"
    all=$WORK/all-pairs
    sort -u "$o" "$s" "$t" >"$all"
    n=0
    while read -r ver code; do
        local in_o=no in_s=no in_t=no
        grep -qxF "$ver $code" "$o" && in_o=yes
        grep -qxF "$ver $code" "$s" && in_s=yes
        grep -qxF "$ver $code" "$t" && in_t=yes
        [ "$in_o$in_s$in_t" = yesyesyes ] && continue
        n=$((n + 1))
        if [ "$n" -le 60 ]; then
            echo "| $ver | $code | $in_o | $in_s | $in_t |"
        fi
    done <"$all"
    if [ "$n" -gt 60 ]; then
        echo
        echo "($n pairs in all; the first 60 are shown.)"
    fi
}

# selfcount: compare the server-side connection counts of the mxtls runs
# with the "connections=N" the plugins report in their own perfdata.
selfcount() {
    local key file run ns rc conns self agree=0 differ=
    local svc n keys="A.ours B.dual.ours B.ecdsa.ours"
    for svc in $C_SERVICES; do
        for n in $C_COUNTS; do
            keys="$keys C.$svc.$n.ours"
        done
    done
    for key in $keys; do
        [ -f "$LOGS/$key.runs" ] || continue
        case $key in
        A.*) file=$LOGS/A/ours ;;
        B.*) file=$LOGS/B/${key#B.} && file=${file%.ours}/ours ;;
        C.*)
            file=${key#C.}
            file=${file%.ours}
            file=$LOGS/C/${file%%.*}-${file#*.}/ours
            ;;
        esac
        while IFS=$'\t' read -r run ns rc conns; do
            self=$(head -n 1 "$file-$run.txt" 2>/dev/null |
                sed -n -E 's/.*[[:space:]]connections=([0-9]+).*/\1/p')
            [ -n "$self" ] || continue
            if [ "$self" = "$conns" ]; then
                agree=$((agree + 1))
            else
                differ="$differ, $key run $run: $self reported, $conns logged"
            fi
        done <"$LOGS/$key.runs"
    done
    if [ -n "$differ" ]; then
        echo "* The server-side count differs from the plugin's own"
        echo "  \`connections=\` perfdata in:${differ#,}."
    elif [ "$agree" -gt 0 ]; then
        echo "* In all $agree runs of the mxtls plugins (warm-up runs included) the"
        echo "  server-side count equals the \`connections=\` perfdata the plugin"
        echo "  reported itself, a check on the counting method."
    fi
}

# notes: remarks on this run that the tables do not show.
notes() {
    local xml ours pref n types
    echo "## Notes on this run"
    echo
    cat <<EOF
* The three enumerations do not do exactly the same work, and their time
  and connections include the rest: besides the suites, mxtls finds per
  version the key-exchange groups and whether the server's or the
  client's order decides, and whether TLS_FALLBACK_SCSV is honoured;
  sslscan's default run also tests TLS_FALLBACK_SCSV, renegotiation,
  compression and Heartbleed, lists the key-exchange groups and shows a
  certificate; testssl.sh \`--cipher-per-proto\` lists the suites per
  protocol only.  Fewer connections is not better in itself: a tool needs
  at least one handshake per accepted suite to enumerate them.
EOF
    selfcount
    ours=$(first_set "$LOGS/A" ours) || ours=
    xml=$(first_set "$LOGS/A" sslscan) && xml=${xml%.set}.xml || xml=
    if [ -n "$xml" ] && [ -f "$xml" ]; then
        n=$(grep -c '<certificate ' "$xml")
        types=$(grep -o '<pk [^>]*>' "$xml" |
            sed -n -E 's/.* type="([^"]*)".*/\1/p' | paste -sd, | sed 's/,/, /g')
        if [ "$n" -lt 2 ]; then
            echo "* sslscan's certificate section for the dual service (RSA and"
            echo "  ECDSA) showed $n certificate${types:+ ($types key)}: it does not"
            echo "  look for a second certificate, hence its absence from benchmark B."
        fi
        pref=$(grep -o '<cipher status="preferred"[^>]*>' "$xml" |
            sed -n -E 's/.*sslversion="([^"]*)".* cipher="([^"]*)".*/\1 \2/p' |
            paste -sd, | sed 's/,/, /g')
        if [ -n "$pref" ] && [ -n "$ours" ] &&
            grep -q "the client's order decides" "${ours%.set}.txt"; then
            echo "* sslscan marks one suite per version as \"preferred\" ($pref)."
            echo "  mxtls reports that the client's order decides on this server"
            echo "  (Postfix's default, tls_preempt_cipherlist = no), so these are the"
            echo "  suites the server picked from sslscan's own offer, not a"
            echo "  preference of the server."
        fi
    fi
}

# b_row SERVICE TOOLNAME KEY REFSET DIR TOOL: one row of table B.
b_row() {
    local svc=$1 name=$2 key=$3 ref=$4 d=$5 tool=$6 set found
    set=$(first_set "$d" "$tool") || set=
    if [ -n "$set" ]; then
        found=$(bench_join "$set")
    else
        found="—"
    fi
    printf '| %s (%s) | %s | %s | %s | %s |\n' "$svc" "${CONFIGURED[$svc]}" \
        "$name" "$(row_numbers "$key" "B.$svc.ours")" "$found" \
        "$(if [ "$tool" = ours ]; then echo —; else same "$set" "$ref"; fi)"
}

# b_summary: whether each tool found exactly the configured certificates.
b_summary() {
    local svc tool set got bad=
    for svc in dual ecdsa; do
        for tool in ours testssl openssl; do
            set=$(first_set "$LOGS/B/$svc" "$tool") || continue
            got=$(bench_join "$set")
            if [ "$got" != "${CONFIGURED[$svc]}" ]; then
                bad="$bad, $tool on $svc ($got)"
            fi
        done
    done
    if [ -z "$bad" ]; then
        echo "Every tool that gave a result found exactly the configured certificates."
    else
        echo "Not the configured certificates: ${bad#, }."
    fi
}

# c_parallel: the default parallelism of check_tls_peers, from its --help.
c_parallel() {
    local n
    n=$("$CHECK_TLS_PEERS" --help 2>/dev/null |
        sed -n -E 's/.*Connections at once \([0-9.]+, default ([0-9]+)\).*/\1/p' |
        head -n 1)
    if [ -n "$n" ]; then
        echo "$n connections at once (\`--parallel\` is not given)"
    else
        echo "\`--parallel\` is not given"
    fi
}

# c_result DIR TOOL: what the first measured run of TOOL said.
c_result() {
    local i
    for ((i = 1; i <= RUNS; i++)); do
        if [ -s "$1/$2-$i.txt.result" ]; then
            cat "$1/$2-$i.txt.result"
            return 0
        fi
    done
    echo "—"
    return 1
}

# c_expected DIR TOOL: "yes" when every measured run of TOOL said what it
# must, else the runs that did not and why.
c_expected() {
    local i check bad='' seen=0
    for ((i = 1; i <= RUNS; i++)); do
        [ -s "$1/$2-$i.txt.check" ] || continue
        seen=$((seen + 1))
        check=$(cat "$1/$2-$i.txt.check")
        [ "$check" = yes ] || bad="$bad; run $i: ${check#no: }"
    done
    if [ "$seen" = 0 ]; then
        echo "—"
    elif [ -z "$bad" ]; then
        echo yes
    else
        echo "**no** (${bad#; })"
    fi
}

# c_row SERVICE N TOOLNAME TOOL: one row of table C.
c_row() {
    local svc=$1 n=$2 name=$3 tool=$4 d=$LOGS/C/$1-$2
    printf '| %s (%s) | %s | %s | %s | %s | %s |\n' "$svc" "${CONFIGURED[$svc]}" \
        "$n" "$name" "$(row_numbers "C.$svc.$n.$tool" "C.$svc.$n.ours")" \
        "$(c_result "$d" "$tool")" "$(c_expected "$d" "$tool")"
}

# c_and "A, B, C": "A, B and C".
c_and() {
    case $1 in
    *", "*) echo "${1%, *} and ${1##*, }" ;;
    *) echo "$1" ;;
    esac
}

# c_conn KEY: the median connection count of KEY's measured runs.
c_conn() {
    local -a conn
    read -r -a conn <<<"${R_CONN[$1]:-}"
    bench_median "${conn[@]}" 2>/dev/null
}

# The issue's target: this many peers in under one second.
C_TARGET_PEERS=50
C_TARGET_NS=1000000000

# c_target: the verdict on the issue's target, in plain words.
c_target() {
    local svc key n med max what verdict=met parts='' slow='' rivals=''
    local -a ns
    for svc in $C_SERVICES; do
        key=C.$svc.$C_TARGET_PEERS.ours
        n=$(runstat "$key" n)
        if [ "$n" = 0 ]; then
            verdict="not measured"
            parts="$parts, no successful run against $svc"
            continue
        fi
        med=$(runstat "$key" med)
        read -r -a ns <<<"${R_NS[$key]}"
        max=$(bench_max "${ns[@]}")
        if [ "$med" -ge "$C_TARGET_NS" ] && [ "$verdict" != "not measured" ]; then
            verdict="not met"
        fi
        if [ "$max" -ge "$C_TARGET_NS" ]; then
            slow="$slow, against $svc the slowest run took $(bench_secs "$max")"
        fi
        what=
        if [ "$(c_expected "$LOGS/C/$svc-$C_TARGET_PEERS" ours)" = yes ]; then
            case $svc in
            rsa) what=" (every peer negotiates)" ;;
            ecdsa) what=" (every peer fails and is diagnosed)" ;;
            esac
        fi
        parts="$parts, $(bench_secs "$med") against $svc$what"
        n=$(runstat "C.$svc.$C_TARGET_PEERS.openssl" n)
        if [ "$n" != 0 ]; then
            rivals="$rivals, $(bench_secs "$(runstat "C.$svc.$C_TARGET_PEERS.openssl" med)") against $svc"
        fi
    done
    echo "**The issue's target, $C_TARGET_PEERS peers in under one second on loopback"
    echo "with the default parallelism: $verdict.**  Median time of"
    echo "\`check_tls_peers\` for $C_TARGET_PEERS peers: $(c_and "${parts#, }")."
    if [ -n "$slow" ]; then
        echo "Not every run was under the limit: $(c_and "${slow#, }")."
    elif [ "$verdict" = met ]; then
        echo "Every measured run was under the limit."
    fi
    if [ -n "$rivals" ]; then
        echo "The openssl loop took $(c_and "${rivals#, }") for the same $C_TARGET_PEERS peers."
    fi
}

# c_notes: remarks on benchmark C that the table does not show.
c_notes() {
    local n i f reasons diag c ours conns='' counts='' a='' b='' fit=1
    local nprev='' cprev=0
    f=
    for n in $C_COUNTS; do
        for ((i = 1; i <= RUNS; i++)); do
            if [ -s "$LOGS/C/ecdsa-$n/openssl-$i.txt.result" ]; then
                f=$LOGS/C/ecdsa-$n/openssl-$i.txt
                break 2
            fi
        done
    done
    ours=
    for ((i = 1; i <= RUNS; i++)); do
        if [ -s "$LOGS/C/ecdsa-1/ours-$i.txt.result" ]; then
            ours=$LOGS/C/ecdsa-1/ours-$i.txt
            break
        fi
    done
    if [ -n "$f" ]; then
        reasons=$(sed -n -E 's/^[^ ]+ failed (.*)$/"\1"/p' "$f" | LC_ALL=C sort -u |
            paste -sd, | sed 's/,/, /g')
        echo "* Against ecdsa the openssl loop fails every handshake and gives no"
        echo "  diagnosis: all s_client prints is ${reasons:-no error at all},"
        echo "  the alert the server sent, not what the two sides lack nor what to"
        echo "  change."
        if [ -n "$ours" ]; then
            diag=$(sed -n -E '2 s/^\[CRITICAL\] [^:]+: //p' "$ours")
            echo "  mxtls prints for each peer: \"$diag\"."
        fi
    fi
    # Connections of mxtls against ecdsa: A + B per peer?
    for n in $C_COUNTS; do
        c=$(c_conn "C.ecdsa.$n.ours") || {
            fit=0
            break
        }
        conns="$conns, $c"
        counts="$counts, $n"
        if [ -z "$nprev" ]; then
            nprev=$n
            cprev=$c
        elif [ -z "$b" ]; then
            if [ $(((c - cprev) % (n - nprev))) != 0 ]; then
                fit=0
            else
                b=$(((c - cprev) / (n - nprev)))
                a=$((c - b * n))
            fi
        elif [ "$c" != $((a + b * n)) ]; then
            fit=0
        fi
    done
    if [ -n "$conns" ]; then
        echo "* Connections of \`check_tls_peers\` against rsa: one per peer, like"
        echo "  the openssl loop (see the table).  Against ecdsa: $(c_and "${conns#, }")"
        echo "  connections for $(c_and "${counts#, }") peers"
        if [ "$fit" = 1 ] && [ -n "$b" ]; then
            echo "  ($b per failing peer plus $a): a failing peer costs more handshakes,"
            echo "  those of its diagnosis.  The peers of each file are identical copies,"
            echo "  and mxtls checks and diagnoses every one of them on its own."
        else
            echo "  (a failing peer costs more handshakes, those of its diagnosis)."
        fi
    fi
    cat <<EOF
* mxtls makes the handshakes of all peers in one process, several at
  once; the openssl loop starts one openssl process per peer and waits
  for each session to end (QUIT, the 221 reply, the server closing)
  before it starts the next.
EOF
}

# ---------------------------------------------------------------- main

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
for b in $ONLY; do
    case $b in
    A) bench_a ;;
    B) bench_b ;;
    C) bench_c ;;
    D) bench_d ;;
    esac
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

say "writing the report"
if [ "$ONLY" = "A B C D" ]; then
    report >"$WORK/report.md"
else
    {
        echo "# Benchmark $ONLY of mxtls (partial run)"
        echo
        case " $ONLY " in *" D "*) d_report ;; esac
        echo "Tables A, B and C are written by a full run only."
        if [ ${#FAILURES[@]} -gt 0 ]; then
            printf '\n## Failed runs\n\n'
            printf -- '* %s\n' "${FAILURES[@]}"
        fi
    } >"$WORK/report.md"
fi
cp "$WORK/report.md" "$LOGS/benchmark.md"
cat "$WORK/report.md"

if [ ${#FAILURES[@]} -gt 0 ]; then
    say "${#FAILURES[@]} run(s) failed:"
    printf 'bench:   %s\n' "${FAILURES[@]}" >&2
    [ "$WRITE_DOCS" = 1 ] && say "not writing $DOCS because of the failures"
    say "raw output: $LOGS"
    exit 1
fi
if [ "$WRITE_DOCS" = 1 ]; then
    cat "$WORK/report.md" >"$DOCS" || die "cannot write $DOCS"
    say "wrote $DOCS"
fi
say "raw output: $LOGS"
exit 0
