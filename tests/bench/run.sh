#!/bin/bash
#
# run.sh - the mxtls benchmark: how long, and with how many connections,
# the plugins take to learn what a mail server offers, next to the tools a
# mail administrator would use instead.  Benchmarks A to D and F talk to
# one private Postfix on 127.0.0.1, E to a private Dovecot and two Exims.
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
# Benchmark E (complete enumeration on other servers): Dovecot with
# Debian's defaults (IMAP STARTTLS, tests/lib/dovecot.sh), Exim 4.96 with
# GnuTLS's default priority and Exim with tls_require_ciphers =
# SECURE256:-VERS-TLS1.3:%SERVER_PRECEDENCE (tests/lib/exim.sh):
# check_tls_protocol --ciphers, sslscan and testssl.sh --cipher-per-proto
# against the truth, one openssl s_client handshake per (version, suite)
# (openssl-suites.sh); the pairs that differ are listed with their cause.
# Benchmark F (DANE), service "dual" and a private Knot DNS serving a
# signed zone (tests/lib/dns.sh) with three TLSA sets in turn (both
# certificates, RSA only, ECDSA only): check_tls_cert --dane next to
# check_ssl_cert --dane 311; TLS connections and DNS queries (Knot's
# mod-stats counters).
#
# Benchmark G (many peers), tests/bench/many-peers.sh with its own
# Postfix (RSA 2048 + ECDSA P-256): check_tls_peers with 1000 distinct
# TLSv1.2 peers of 3 to 12 suites each; wall time, the plugin's CPU time
# and maximum resident set size (GNU time), the perfdata's length.
#
# For each command: the median wall time of its runs, and the TCP
# connections it opened, counted from the server's log (Postfix: the
# "connect from" lines of that service; Dovecot: its imap-login lines;
# Exim: "SMTP connection from" lines) logged during the run.
#
# Output: a Markdown report on stdout (progress goes to stderr), made of
# sections between "<!-- bench:NAME -->" markers.  With
# MXTLS_BENCH_WRITE_DOCS=1 the report also replaces docs/benchmark.md in
# MXTLS_SRCDIR (only when every run succeeded); the sections of
# benchmarks that did not run are kept from the file as it was (A to D
# form one section: they run together or not at all when the docs are
# written).  The raw output of every run stays in a log directory under
# /tmp, named at the end.
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
#   MXTLS_BENCH_ONLY        the benchmarks to run, e.g. "D" or "E F"
#                           (default "A B C D E F G"); with
#                           MXTLS_BENCH_WRITE_DOCS=1, A to D all or none
#   MXTLS_BENCH_CHECK_SSL_CERT  check_ssl_cert for benchmarks D and F
#                           (default /usr/lib/nagios/plugins/check_ssl_cert;
#                           optional for F)
#   MXTLS_BENCH_NSS_WRAPPER libnss_wrapper.so, to give check_ssl_cert the
#                           test host's address in F (default
#                           /usr/lib/x86_64-linux-gnu/libnss_wrapper.so)
#
# Exit status: 0 when every run of every command succeeded and its result
# could be read (whatever the numbers); 1 when a tool is missing or a run
# failed (the report names it); 2 on a usage error.
#
# Needs root (Postfix), postfix, sslscan, testssl, openssl, flock
# and ss; check_tls_protocol, check_tls_cert and check_tls_peers built
# (make); for E Dovecot (dovecot-imapd) and what tests/lib/exim.sh needs
# (the exim4-daemon-light .deb that quickstart.sh downloads, dpkg-deb,
# libnss-wrapper); for F knot, knot-dnsutils and ldnsutils, and for its
# check_ssl_cert rows also dig (bind9-dnsutils) and libnss-wrapper.
# Nothing but loopback is contacted.

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
read -r -a ONLY_LIST <<<"${MXTLS_BENCH_ONLY:-A B C D E F G}"
ONLY=
for b in A B C D E F G; do
    case " ${ONLY_LIST[*]} " in
    *" $b "*) ONLY="$ONLY $b" ;;
    esac
done
ONLY=${ONLY# }
for b in "${ONLY_LIST[@]}"; do
    case $b in
    A | B | C | D | E | F | G) ;;
    *) usage_error "MXTLS_BENCH_ONLY takes A, B, C, D, E, F and G (got \"$b\")" ;;
    esac
done
# ran B: whether benchmark B is one of those run.
ran() {
    case " $ONLY " in
    *" $1 "*) return 0 ;;
    esac
    return 1
}
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
# A to D share the set-up, the machine table and the notes of one run:
# docs/benchmark.md takes them from one run, all four or none; E and F
# each have their own section.
ABCD=
for b in A B C D; do
    ran "$b" && ABCD="$ABCD $b"
done
ABCD=${ABCD# }
if [ "$WRITE_DOCS" = 1 ] && [ -n "$ABCD" ] && [ "$ABCD" != "A B C D" ]; then
    usage_error "MXTLS_BENCH_WRITE_DOCS=1 needs A, B, C and D together or none of them (got \"$ABCD\")"
fi

CHECK_TLS_PROTOCOL=$MXTLS_BUILDDIR/plugins/check_tls_protocol
CHECK_TLS_CERT=$MXTLS_BUILDDIR/plugins/check_tls_cert
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
CHECK_SSL_CERT=${MXTLS_BENCH_CHECK_SSL_CERT:-/usr/lib/nagios/plugins/check_ssl_cert}
OPENSSL_CERTS=$BENCH_DIR/openssl-certs.sh
OPENSSL_PEERS=$BENCH_DIR/openssl-peers.sh
OPENSSL_SUITES=$BENCH_DIR/openssl-suites.sh
NSS_WRAPPER=${MXTLS_BENCH_NSS_WRAPPER:-/usr/lib/x86_64-linux-gnu/libnss_wrapper.so}
DOCS=$MXTLS_SRCDIR/docs/benchmark.md

# shellcheck source=../lib/postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"
# shellcheck source=../lib/dovecot.sh
. "$MXTLS_SRCDIR/tests/lib/dovecot.sh"
if [ -f "$MXTLS_SRCDIR/tests/lib/exim.sh" ]; then
    # shellcheck source=../lib/exim.sh
    . "$MXTLS_SRCDIR/tests/lib/exim.sh"
fi
# shellcheck source=../lib/dns.sh
. "$MXTLS_SRCDIR/tests/lib/dns.sh"
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
if ran D; then
    [ -x "$CHECK_SSL_CERT" ] ||
        missing+=("$CHECK_SSL_CERT (Debian package monitoring-plugins-contrib)")
fi
if ran E; then
    [ -x "$DC_DOVECOT" ] || missing+=("$DC_DOVECOT (Debian package dovecot-imapd)")
    if declare -F ex_missing >/dev/null; then
        while IFS= read -r m; do
            [ -n "$m" ] && missing+=("${m%%=*} (${m#*=})")
        done < <(ex_missing)
    else
        missing+=("$MXTLS_SRCDIR/tests/lib/exim.sh")
    fi
fi
if ran F; then
    for tool in knotd=knot knotc=knot kdig=knot-dnsutils \
        ldns-keygen=ldnsutils ldns-signzone=ldnsutils; do
        command -v "${tool%%=*}" >/dev/null 2>&1 ||
            missing+=("${tool%%=*} (Debian package ${tool#*=})")
    done
fi
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
    local x
    bench_stop_child
    if [ -n "$WORK" ]; then
        dc_stop "$WORK/dovecot"
        if declare -F ex_stop >/dev/null; then
            for x in exim exim256; do
                ex_stop "$WORK/$x"
            done
        fi
        dns_stop "$WORK/dns"
        if [ -n "$LOGS" ]; then
            cp "$WORK/dovecot/dovecot.log" "$LOGS/dovecot.log" 2>/dev/null
            cp "$WORK/exim/log/mainlog" "$LOGS/exim-mainlog" 2>/dev/null
            cp "$WORK/exim256/log/mainlog" "$LOGS/exim256-mainlog" 2>/dev/null
            cp "$WORK/dns/knot.log" "$LOGS/knot.log" 2>/dev/null
        fi
    fi
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
mkdir -p "$LOGS/A" "$LOGS/B" "$LOGS/C" "$LOGS/D" "$LOGS/E" "$LOGS/F" ||
    die "cannot write to $LOGS"
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
# Benchmark E's servers: Dovecot with Debian's defaults (IMAP STARTTLS),
# Exim with GnuTLS's default priority and Exim with SECURE256, each with
# the RSA 2048 and the ECDSA P-256 certificate.  Exim logs every
# connection (+smtp_connection), so that they can be counted, and has no
# limit on connections at once (smtp_accept_max = 0): with its default
# of 20, children that linger after a dropped handshake make it refuse
# the next connections of a fast scan, and the suite tables would compare
# Exim's limit rather than the tools.
E_SECURE256="SECURE256:-VERS-TLS1.3:%SERVER_PRECEDENCE"
if ran E; then
    say "starting Dovecot in $WORK/dovecot"
    dc_start "$WORK/dovecot" "$CERTS/rsa2048.pem" "$CERTS/ecdsa-p256.pem" ||
        die "cannot start Dovecot"
    PORT[dovecot]=$(dc_port "$WORK/dovecot" imap) || die "no IMAP port"
    say "starting Exim in $WORK/exim and $WORK/exim256"
    ex_start "$WORK/exim" "$CERTS/rsa2048.pem,$CERTS/ecdsa-p256.pem" \
        "log_selector = +smtp_connection" "smtp_accept_max = 0" ||
        die "cannot start Exim"
    PORT[exim]=$(ex_port "$WORK/exim") || die "no Exim port"
    ex_start "$WORK/exim256" "$CERTS/rsa2048.pem,$CERTS/ecdsa-p256.pem" \
        "log_selector = +smtp_connection" "smtp_accept_max = 0" \
        "tls_require_ciphers = $E_SECURE256" || die "cannot start Exim (SECURE256)"
    PORT[exim256]=$(ex_port "$WORK/exim256") || die "no Exim port"
fi
# What the services were configured with, as the certificate sets name it.
declare -A CONFIGURED=([dual]="ECDSA P-256, RSA 2048" [ecdsa]="ECDSA P-256"
    [rsa]="RSA 2048" [tls13]="ECDSA P-256, RSA 2048")

# ---------------------------------------------------------------- runs

# Per measured command KEY: wall times (ns) and connection counts of the
# successful runs, space-separated.
declare -A R_NS R_CONN
FAILURES=()

# The log each server writes a line to per connection, and that line:
# Dovecot's login process logs every connection once, when it ends
# ("imap-login: ... session=<ID>"); Exim with +smtp_connection logs each
# one when it is accepted ("SMTP connection from [127.0.0.1] (TCP/IP
# connection count = N)").
declare -A E_LOG_RE=(
    [dovecot]='imap-login: .*session=<'
    [exim]='SMTP connection from \[127\.0\.0\.1\](:[0-9]+)? \(TCP/IP connection count'
)

# conn_log SERVICE: the log file of a non-Postfix SERVICE.
conn_log() {
    case $1 in
    dovecot) dc_log "$WORK/dovecot" ;;
    exim | exim256) ex_log "$WORK/$1" ;;
    esac
}

# conn_mark SERVICE: the current length of SERVICE's log (a mark for
# conn_settle).
conn_mark() {
    local f n=0
    case $1 in
    dovecot | exim | exim256)
        f=$(conn_log "$1")
        [ -f "$f" ] && n=$(wc -l <"$f")
        echo $((n + 0))
        ;;
    *) pf_lines "$PF" ;;
    esac
}

# conn_settle SERVICE MARK: the connections SERVICE logged after MARK (see
# bench_settle for Postfix).  Dovecot and Exim write their lines
# asynchronously too (Dovecot through its log process, at the end of the
# session): wait until the count has stayed the same over 5 polls, 0.2 s
# apart, at most BENCH_LOG_WAIT seconds.
conn_settle() {
    local svc=$1 mark=$2 f re c prev=-1 same=0 end
    case $svc in
    dovecot | exim | exim256) ;;
    *)
        bench_settle "$PF" "$svc" "$mark"
        return
        ;;
    esac
    f=$(conn_log "$svc")
    re=${E_LOG_RE[${svc%256}]}
    end=$((SECONDS + BENCH_LOG_WAIT))
    while :; do
        c=$(tail -n "+$((mark + 1))" "$f" 2>/dev/null | grep -cE -- "$re")
        if [ "$c" = "$prev" ] && [ "$c" -gt 0 ]; then
            same=$((same + 1))
            if [ "$same" -ge 5 ]; then
                echo "$c"
                return 0
            fi
        else
            same=0
        fi
        prev=$c
        if [ "$SECONDS" -ge "$end" ]; then
            echo "$c"
            return 1
        fi
        sleep 0.2
    done
}

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
    before=$(conn_mark "$svc")
    bench_exec "$guard" "$out" "$out.err" "$@"
    conns=$(conn_settle "$svc" "$before") || settled=0
    case $svc in
    dovecot | exim | exim256)
        tail -n "+$((before + 1))" "$(conn_log "$svc")" >"$out.log" 2>/dev/null
        ;;
    esac
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
        FAILURES+=("$label: the server's log did not settle within ${BENCH_LOG_WAIT} s (connections uncertain)")
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

# ---- Benchmark E: complete enumeration against Dovecot and Exim

E_SERVICES="dovecot exim exim256"
declare -A E_DIALECT=([dovecot]=imap [exim]=smtp [exim256]=smtp)
declare -A E_TESTSSL_T=([dovecot]=imap [exim]=smtp [exim256]=smtp)
declare -A E_NAME=(
    [dovecot]="Dovecot, Debian's defaults, IMAP STARTTLS"
    [exim]="Exim, GnuTLS's default priority, SMTP STARTTLS"
    [exim256]="Exim, tls_require_ciphers = $E_SECURE256, SMTP STARTTLS"
)
E_OURS="check_tls_protocol -H 127.0.0.1 -p PORT -S DIALECT --ciphers"
E_SSLSCAN="sslscan --starttls-DIALECT --xml=FILE --no-colour 127.0.0.1:PORT"
E_TESTSSL="testssl --cipher-per-proto -t DIALECT --quiet --color 0 --nodns none --warnings batch --jsonfile FILE 127.0.0.1:PORT"
E_OPENSSL="tests/bench/openssl-suites.sh DIALECT PORT"
# Two TLS 1.2 suites that Dovecot accepts, a DHE one first, then in the
# other order: what happens when a client's offer starts with DHE.
E_DHE_PAIR="DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
E_DHE_PAIR_REV="ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-GCM-SHA384"

# bench_set_truth FILE: the accepted pairs of openssl-suites.sh's output.
bench_set_truth() {
    awk '$4 == "accepted" { print $1, $2 }' "$1" | bench_hexnorm
}

# e_dhe_demo PORT OFFER: what one s_client handshake offering the suites
# OFFER (TLSv1.2 only) to Dovecot got: "TLSv1.2 SUITE" or "no handshake
# (REASON)".
e_dhe_demo() {
    local out re='^[[:space:]]*Cipher[[:space:]]*:[[:space:]]*([A-Za-z0-9_-]+)'
    local line suite='' why
    out=$(openssl s_client -starttls imap -connect "127.0.0.1:$1" -tls1_2 \
        -cipher "$2" </dev/null 2>&1)
    while IFS= read -r line; do
        [[ $line =~ $re ]] && suite=${BASH_REMATCH[1]}
    done <<<"$out"
    if [ -n "$suite" ] && [ "$suite" != 0000 ] && [ "$suite" != "(NONE)" ]; then
        echo "TLSv1.2 $suite"
    else
        why=$(sed -n -E 's/^[0-9A-Fa-f]*:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):.*/\1/p' \
            <<<"$out" | head -n 1)
        echo "no handshake (${why:-no error printed})"
    fi
}

bench_e() {
    local svc port dia i d mark
    for svc in $E_SERVICES; do
        port=${PORT[$svc]}
        dia=${E_DIALECT[$svc]}
        d=$LOGS/E/$svc
        mkdir -p "$d"
        say "benchmark E: complete enumeration, $svc (port $port)"
        for ((i = 0; i <= RUNS; i++)); do
            if measure "E.$svc.ours" "$svc" "$i" "$GUARD" "0 1 2" \
                "$d/ours-$i.txt" \
                "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" -S "$dia" --ciphers; then
                bench_set_ours "$d/ours-$i.txt" >"$d/ours-$i.set"
                parsed "E.$svc.ours" "$i" "$d/ours-$i.set" "accepted suites"
            fi
            rm -f "$d/sslscan-$i.xml"
            if measure "E.$svc.sslscan" "$svc" "$i" "$GUARD" 0 \
                "$d/sslscan-$i.txt" \
                sslscan "--starttls-$dia" --xml="$d/sslscan-$i.xml" --no-colour \
                "127.0.0.1:$port"; then
                bench_set_sslscan "$d/sslscan-$i.xml" >"$d/sslscan-$i.set"
                parsed "E.$svc.sslscan" "$i" "$d/sslscan-$i.set" "accepted suites"
            fi
        done
        for ((i = 1; i <= SLOW_RUNS; i++)); do
            say "openssl s_client per suite, run $i of $SLOW_RUNS on $svc (slow)"
            if measure "E.$svc.openssl" "$svc" "$i" "$SLOW_GUARD" 0 \
                "$d/openssl-$i.txt" \
                bash "$OPENSSL_SUITES" "$dia" "$port"; then
                bench_set_truth "$d/openssl-$i.txt" >"$d/openssl-$i.set"
                parsed "E.$svc.openssl" "$i" "$d/openssl-$i.set" "accepted suites"
            fi
            say "testssl.sh --cipher-per-proto run $i of $SLOW_RUNS on $svc (slow)"
            rm -f "$d/testssl-$i.json"
            if measure "E.$svc.testssl" "$svc" "$i" "$SLOW_GUARD" 0 \
                "$d/testssl-$i.txt" \
                testssl --cipher-per-proto -t "${E_TESTSSL_T[$svc]}" --quiet \
                --color 0 --nodns none --warnings batch \
                --jsonfile "$d/testssl-$i.json" "127.0.0.1:$port"; then
                bench_set_testssl "$d/testssl-$i.json" >"$d/testssl-$i.set"
                parsed "E.$svc.testssl" "$i" "$d/testssl-$i.set" "accepted suites"
            fi
        done
        if [ "$svc" = dovecot ]; then
            mark=$(conn_mark dovecot)
            e_dhe_demo "$port" "$E_DHE_PAIR" >"$d/dhe-first.txt"
            conn_settle dovecot "$mark" >/dev/null
            tail -n "+$((mark + 1))" "$(conn_log dovecot)" >"$d/dhe-first.log"
            mark=$(conn_mark dovecot)
            e_dhe_demo "$port" "$E_DHE_PAIR_REV" >"$d/ecdhe-first.txt"
            conn_settle dovecot "$mark" >/dev/null
            tail -n "+$((mark + 1))" "$(conn_log dovecot)" >"$d/ecdhe-first.log"
        fi
    done
}

# ---- Benchmark F: DANE against "dual", its TLSA records in a signed zone

# The TLSA sets of _PORT._tcp.mail.example.test (PORT: dual's), one after
# the other in the same zone, re-signed and reloaded in between: "all"
# has a 3 1 1 record for each of dual's two certificates, "rsa" for the
# RSA one only, "ecdsa" for the ECDSA one only.  mail.example.test is the
# name in the certificates.
F_SETS="all rsa ecdsa"
declare -A F_SET_DESC=(
    [all]="3 1 1 of the RSA and of the ECDSA certificate"
    [rsa]="3 1 1 of the RSA certificate only"
    [ecdsa]="3 1 1 of the ECDSA certificate only"
)
declare -A F_SET_COUNT=([all]=2 [rsa]=1 [ecdsa]=1)
F_OURS="check_tls_cert -H mail.example.test -p PORT --require=none --ca-file=ca.pem --dane --dns-server=127.0.0.1@DNSPORT --dns-anchor=KSK -t 30"
F_CSC="LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_HOSTS=HOSTS check_ssl_cert -H mail.example.test -p PORT -P smtp --dane 311 --dig-bin DIG --rootcert-file ca.pem --ignore-ocsp --ignore-sct"
F_CSC_OK=0
F_DIG=
declare -A R_DNS F_TYPES

# f_spki_sha256 PEMFILE: the SHA-256 of the certificate's public key.
f_spki_sha256() {
    openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n'
}

# f_stats: knotd's counters of mod-stats, "NAME VALUE" a line.
f_stats() {
    knotc -c "$WORK/dns/knot.conf" stats 2>/dev/null |
        sed -n -E 's/^mod-stats\.([a-z-]+\[[^]]+\]) = ([0-9]+)$/\1 \2/p'
}

# f_zone SET SERIAL: write and sign the zone with the TLSA set SET; when
# knotd runs, reload it and wait until it serves the set.
f_zone() {
    local set=$1 serial=$2 dd=$WORK/dns z pd=${PORT[dual]} rsa ec i n
    rsa=$(f_spki_sha256 "$CERTS/rsa2048.crt") || return 1
    ec=$(f_spki_sha256 "$CERTS/ecdsa-p256.crt") || return 1
    z=$dd/example.test.zone
    {
        echo "\$ORIGIN example.test."
        echo "\$TTL 300"
        echo "@ IN SOA ns.example.test. hostmaster.example.test. $serial 3600 600 86400 300"
        echo "@ IN NS ns.example.test."
        echo "ns IN A 127.0.0.1"
        echo "mail IN A 127.0.0.1"
        [ "$set" = ecdsa ] || echo "_$pd._tcp.mail IN TLSA 3 1 1 $rsa"
        [ "$set" = rsa ] || echo "_$pd._tcp.mail IN TLSA 3 1 1 $ec"
    } >"$z"
    cp "$z" "$LOGS/F/example.test.zone-$set" 2>/dev/null
    dns_sign "$dd" example.test "$z" || return 1
    [ -s "$dd/port" ] || return 0
    knotc -c "$dd/knot.conf" zone-reload example.test >"$dd/reload.out" 2>&1 || {
        say "knotc zone-reload: $(cat "$dd/reload.out")"
        return 1
    }
    for ((i = 0; i < 50; i++)); do
        n=$(kdig +short @127.0.0.1 -p "$(dns_port "$dd")" TLSA "_$pd._tcp.mail.example.test" 2>/dev/null | grep -c .)
        [ "$n" = "${F_SET_COUNT[$set]}" ] && return 0
        sleep 0.1
    done
    say "knotd does not serve the TLSA set $set"
    return 1
}

# f_start_dns: the signed zone on a private Knot, and its query counters.
f_start_dns() {
    local dd=$WORK/dns set
    mkdir -p "$dd" || return 1
    dns_keys "$dd" example.test || return 1
    set=${F_SETS%% *}
    f_zone "$set" 1 || return 1
    dns_start "$dd" "example.test:$dd/example.test.signed" || return 1
    # Knot counts queries only with its statistics module: add it to the
    # configuration dns_start wrote and reload.
    sed -i -e 's/^template:$/mod-stats:\n  - id: bench\n    query-type: on\n    request-protocol: on\ntemplate:/' \
        -e 's/^    journal-content: none$/&\n    global-module: mod-stats\/bench/' \
        "$dd/knot.conf" || return 1
    knotc -c "$dd/knot.conf" reload >"$dd/reload.out" 2>&1 || {
        say "knotc reload: $(cat "$dd/reload.out")"
        return 1
    }
    kdig +short @127.0.0.1 -p "$(dns_port "$dd")" A ns.example.test >/dev/null 2>&1
    f_stats | grep -q '^server-operation\[query\] [1-9]' || {
        say "knotd counts no queries (mod-stats)"
        return 1
    }
    # dig as check_ssl_cert runs it, asking the private server
    F_DIG=$WORK/dig-private
    printf '#!/bin/sh\nexec dig @127.0.0.1 -p %s "$@"\n' "$(dns_port "$dd")" >"$F_DIG"
    chmod 755 "$F_DIG"
    echo "127.0.0.1 mail.example.test" >"$WORK/hosts"
    if [ -x "$CHECK_SSL_CERT" ] && [ -e "$NSS_WRAPPER" ] &&
        command -v dig >/dev/null 2>&1; then
        F_CSC_OK=1
    fi
}

# f_measure KEY NAME OKRCS OUT CMD...: measure one run (connections of
# "dual") and the DNS queries knotd answered meanwhile: their number in
# R_DNS[KEY] and, for the first measured run, their types in F_TYPES[KEY].
f_measure() {
    local key=$1 run=$2 okrcs=$3 out=$4 q0 q1 t
    shift 4
    f_stats >"$out.dns0"
    measure "$key" dual "$run" "$GUARD" "$okrcs" "$out" "$@" || return 1
    f_stats >"$out.dns1"
    q0=$(awk '$1 == "server-operation[query]" { print $2 }' "$out.dns0")
    q1=$(awk '$1 == "server-operation[query]" { print $2 }' "$out.dns1")
    [ "$run" = 0 ] && return 0
    R_DNS[$key]="${R_DNS[$key]:-} $((${q1:-0} - ${q0:-0}))"
    if [ -z "${F_TYPES[$key]:-}" ]; then
        t=$(awk 'NR == FNR { a[$1] = $2; next }
                 $1 ~ /^(query-type|request-protocol)\[/ && $2 - a[$1] > 0 {
                     n = $1; gsub(/^[a-z-]+\[|\]$/, "", n)
                     printf "%s%s %d", (k++ ? ", " : ""), n, $2 - a[$1] }' \
            "$out.dns0" "$out.dns1")
        F_TYPES[$key]=${t:-none}
    fi
}

bench_f() {
    local set i d pd=${PORT[dual]} dnsp anchor serial=1
    say "benchmark F: DANE, service dual (port $pd), a private Knot DNS"
    f_start_dns || die "cannot set up the DNS server of benchmark F"
    dnsp=$(dns_port "$WORK/dns")
    anchor=$(dns_anchor "$WORK/dns" example.test)
    for set in $F_SETS; do
        d=$LOGS/F/$set
        mkdir -p "$d"
        if [ "$serial" -gt 1 ]; then
            f_zone "$set" "$serial" || die "cannot publish the TLSA set $set"
        fi
        serial=$((serial + 1))
        say "benchmark F: TLSA set $set"
        for ((i = 0; i <= RUNS; i++)); do
            f_measure "F.$set.ours" "$i" "0 1 2" "$d/ours-$i.txt" \
                "$CHECK_TLS_CERT" -H mail.example.test -p "$pd" \
                --require=none "--ca-file=$CERTS/ca.pem" --dane \
                "--dns-server=127.0.0.1@$dnsp" "--dns-anchor=$anchor" -t 30 &&
                echo "$BENCH_RC" >"$d/ours-$i.rc"
            [ "$F_CSC_OK" = 1 ] || continue
            f_measure "F.$set.csc" "$i" "0 1 2" "$d/csc-$i.txt" \
                env "LD_PRELOAD=$NSS_WRAPPER" "NSS_WRAPPER_HOSTS=$WORK/hosts" \
                "$CHECK_SSL_CERT" -H mail.example.test -p "$pd" -P smtp \
                --dane 311 --dig-bin "$F_DIG" --rootcert-file "$CERTS/ca.pem" \
                --ignore-ocsp --ignore-sct &&
                echo "$BENCH_RC" >"$d/csc-$i.rc"
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
    V_DOVECOT=$("$DC_DOVECOT" --version 2>/dev/null | awk '{ print $1; exit }')
    V_EXIM=
    V_GNUTLS=
    if [ -x "$WORK/exim/root/usr/sbin/exim4" ]; then
        ex__exim "$WORK/exim" -bV >"$WORK/exim-bV" 2>/dev/null
        V_EXIM=$(sed -n -E 's/^Exim version ([^ ]+).*/\1/p' "$WORK/exim-bV" | head -n 1)
        # exim -bV names GnuTLS without its version: Debian's package
        V_GNUTLS=$(dpkg-query -W -f '${Version}' libgnutls30 2>/dev/null)
        V_GNUTLS=${V_GNUTLS:+libgnutls30 $V_GNUTLS}
    fi
    V_KNOT=$(knotd --version 2>/dev/null | sed -n -E 's/.*version ([^ ]+).*/\1/p' | head -n 1)
    V_CSC=
    if [ -x "$CHECK_SSL_CERT" ]; then
        V_CSC=$(sed -n -E 's/^VERSION=([0-9.]+).*/\1/p' "$CHECK_SSL_CERT" | head -n 1)
    fi
}

# The report is made of sections, each between "<!-- bench:NAME -->" and
# "<!-- /bench:NAME -->" lines: intro, howto and reproduce are the same
# text in every run; abcd (benchmarks A to D with their set-up and
# machine table), E and F hold measurements.  When docs/benchmark.md is
# written, the measured sections of benchmarks that did not run are kept
# from the file as it was, so that E or F can be measured on their own.
REPORT_SECTIONS="intro abcd E F G howto reproduce"

# section_ran NAME: whether NAME is written by this run.
section_ran() {
    case $1 in
    intro | howto | reproduce) return 0 ;;
    abcd) [ -n "$ABCD" ] ;;
    *) ran "$1" ;;
    esac
}

# section NAME: the section NAME of this run, between its markers.
section() {
    echo "<!-- bench:$1 -->"
    case $1 in
    intro) report_intro ;;
    abcd) report_abcd ;;
    E) e_report ;;
    F) f_report ;;
    G) sed '1d;$d' "$WORK/g.md" ;;
    howto) report_howto ;;
    reproduce) report_reproduce ;;
    esac
    echo "<!-- /bench:$1 -->"
}

# old_section FILE NAME: section NAME of FILE, markers included (nothing
# when FILE lacks it).
old_section() {
    [ -f "$1" ] || return 0
    awk -v b="<!-- bench:$2 -->" -v e="<!-- /bench:$2 -->" '
        $0 == b { on = 1 }
        on { print }
        $0 == e { on = 0 }' "$1"
}

# not_measured NAME: the stand-in for a section that never ran.
not_measured() {
    local title only
    case $1 in
    abcd) title="Benchmarks A to D" only="A B C D" ;;
    E) title="Benchmark E: complete enumeration, Dovecot and Exim" only=E ;;
    F) title="Benchmark F: DANE" only=F ;;
    G) title="G: 1000 distinct peers (check_tls_peers)" only=G ;;
    esac
    echo "<!-- bench:$1 -->"
    echo "## $title"
    echo
    echo "Not measured yet: \`MXTLS_BENCH_ONLY=\"$only\" MXTLS_BENCH_WRITE_DOCS=1 make bench\`."
    echo "<!-- /bench:$1 -->"
}

# report [OLDFILE]: the whole report; the sections of benchmarks that did
# not run come from OLDFILE (docs/benchmark.md), else a stand-in.
report() {
    local old=${1:-} name kept first=1
    for name in $REPORT_SECTIONS; do
        [ "$first" = 1 ] || echo
        first=0
        if section_ran "$name"; then
            section "$name"
            continue
        fi
        kept=$(old_section "$old" "$name")
        if [ -n "$kept" ]; then
            printf '%s\n' "$kept"
        else
            not_measured "$name"
        fi
    done
    if [ ${#FAILURES[@]} -gt 0 ]; then
        printf '\n## Failed runs\n\n'
        printf -- '* %s\n' "${FAILURES[@]}"
    fi
}

report_intro() {
    cat <<EOF
# Benchmark: mxtls against sslscan, testssl.sh and openssl s_client

How long the mxtls plugins take, and how many connections they open, to
find out what a mail server offers and whether given clients get a
handshake with it, next to the tools a mail administrator would run
instead.  This file is written by \`tests/bench/run.sh\`
(\`MXTLS_BENCH_WRITE_DOCS=1 make bench\`); do not edit it by hand.
Benchmarks A to D come from one run of the script; E and F may come from
runs of their own (\`MXTLS_BENCH_ONLY\`): each of them says when, and
under what load, it was measured.
EOF
}

report_abcd() {
    local d=$LOGS/A s_ours s_ssl s_ts svc ref
    s_ours=$(first_set "$d" ours) || s_ours=
    s_ssl=$(first_set "$d" sslscan) || s_ssl=
    s_ts=$(first_set "$d" testssl) || s_ts=

    cat <<EOF
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
EOF
}

report_howto() {
    cat <<EOF
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
$(e_howto)
EOF
}

report_reproduce() {
    cat <<EOF
## Reproduce

From a configured build directory, as root, with postfix, sslscan,
testssl.sh, openssl and check_ssl_cert (monitoring-plugins-contrib)
installed; for E also dovecot-imapd and what \`tests/lib/exim.sh\` needs
(\`./quickstart.sh\` downloads Exim's .deb), for F knot, knot-dnsutils,
ldnsutils, bind9-dnsutils and libnss-wrapper:

\`\`\`
make bench                                   # print the report
MXTLS_BENCH_WRITE_DOCS=1 make bench          # also rewrite docs/benchmark.md
MXTLS_BENCH_RUNS=15 MXTLS_BENCH_SLOW_RUNS=3 make bench
MXTLS_BENCH_ONLY=D make bench                # only the server's log
MXTLS_BENCH_ONLY="E F" MXTLS_BENCH_WRITE_DOCS=1 make bench
                                             # E and F only; the file keeps A to D
\`\`\`

The script prints the report on stdout and keeps the raw output of every
run (plugin output, sslscan XML, testssl.sh JSON, the peers files of
benchmark C, the s_client loop's lines, the servers' logs, the zone of
benchmark F) in a directory under /tmp that it names at the end.
EOF
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
    local svc n runkeys="A.ours B.dual.ours B.ecdsa.ours"
    for svc in $C_SERVICES; do
        for n in $C_COUNTS; do
            runkeys="$runkeys C.$svc.$n.ours"
        done
    done
    for key in $runkeys; do
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

# ---- report of benchmark E

# e_tools: the tools of benchmark E, in the order of its tables.
E_TOOLS="openssl ours sslscan testssl"
declare -A E_TOOL_LABEL=(
    [openssl]="openssl s_client, one handshake per suite (the truth)"
    [ours]="mxtls \`check_tls_protocol --ciphers\`"
    [sslscan]="sslscan"
    [testssl]="testssl.sh \`--cipher-per-proto\`"
)

# e_name SVC VERSION CODE: the suite's name, as openssl-suites.sh or the
# plugin printed it ("?" when neither did).
e_name() {
    local d=$LOGS/E/$1 n
    n=$(awk -v v="$2" -v c="$3" '$1 == v && $2 == c { print $3; exit }' \
        "$d"/openssl-*.txt 2>/dev/null | head -n 1)
    if [ -z "$n" ]; then
        n=$(grep -h -E "^  \[[A-Z]+\] $3 " "$d"/ours-*.txt 2>/dev/null |
            head -n 1 | awk '{ print $3 }')
    fi
    echo "${n:-?}"
}

# e_candidate SVC VERSION CODE: whether the s_client loop tried the pair.
e_candidate() {
    local f
    f=$(first_set "$LOGS/E/$1" openssl) || return 1
    awk -v v="$2" -v c="$3" '$1 == v && $2 == c { f = 1 } END { exit !f }' \
        "${f%.set}.txt"
}

# e_version_claim SVC TOOL VERSION: what TOOL itself said about VERSION
# as a whole (sslscan's protocol check, testssl.sh's protocol finding),
# or nothing.
e_version_claim() {
    local svc=$1 tool=$2 ver=$3 f num
    num=${ver#TLSv}
    case $tool in
    sslscan)
        f=$(first_set "$LOGS/E/$svc" sslscan) || return 0
        f=${f%.set}.xml
        if grep -q "<protocol type=\"tls\" version=\"$num\" enabled=\"0\"" "$f" 2>/dev/null; then
            echo "its protocol check reported $ver disabled"
        fi
        ;;
    ours)
        f=$(first_set "$LOGS/E/$svc" ours) || return 0
        f=${f%.set}.txt
        if ! grep -q "^\[[A-Z]*\] $ver accepted" "$f"; then
            echo "it reported $ver not accepted"
        fi
        ;;
    esac
}

# e_diff SVC: the pairs on which a tool and the truth disagree, as a table,
# then one sentence per tool, version and cause.
e_diff() {
    local svc=$1 d=$LOGS/E/$1 truth tool set all ver code n=0 line
    local -A sets
    truth=$(first_set "$d" openssl) || {
        echo "No truth to compare with: the s_client loop gave no result."
        return
    }
    all=$WORK/e-all-$svc
    : >"$all"
    for tool in $E_TOOLS; do
        set=$(first_set "$d" "$tool") || set=
        sets[$tool]=$set
        [ -n "$set" ] && cat "$set" >>"$all"
    done
    sort -u -o "$all" "$all"
    local rows=
    while read -r ver code; do
        line="| $ver | $code $(e_name "$svc" "$ver" "$code") |"
        local differs=0 in_t=no
        grep -qxF "$ver $code" "$truth" && in_t=yes
        for tool in $E_TOOLS; do
            if [ -z "${sets[$tool]}" ]; then
                line="$line — |"
            elif grep -qxF "$ver $code" "${sets[$tool]}"; then
                line="$line yes |"
                [ "$in_t" = yes ] || differs=1
            else
                line="$line no |"
                [ "$in_t" = no ] || differs=1
            fi
        done
        if [ "$differs" = 1 ]; then
            n=$((n + 1))
            rows="$rows$line"$'\n'
        fi
    done <"$all"
    if [ "$n" = 0 ]; then
        echo "**Every tool's set equals the truth.**"
        return
    fi
    echo "Pairs on which a tool and the truth disagree ($n):"
    echo
    echo "| Version | Suite | truth | mxtls | sslscan | testssl.sh |"
    echo "|---|---|---|---|---|---|"
    printf '%s' "$rows"
    echo
    echo "Why, per tool and version:"
    echo
    for tool in ours sslscan testssl; do
        set=${sets[$tool]}
        [ -n "$set" ] || continue
        e_why "$svc" "$tool" "$set" "$truth"
    done
}

# e_why SVC TOOL SET TRUTH: one sentence per version and cause for the
# pairs TOOL misses or adds.
e_why() {
    local svc=$1 tool=$2 set=$3 truth=$4 ver codes claim local_only
    local label=${E_TOOL_LABEL[$tool]}
    for ver in TLSv1.3 TLSv1.2 TLSv1.1 TLSv1.0 SSLv3; do
        # missed: in the truth, not in the tool's set
        codes=$(comm -23 "$truth" "$set" | awk -v v="$ver" '$1 == v { print $2 }' |
            paste -sd' ')
        if [ -n "$codes" ]; then
            claim=$(e_version_claim "$svc" "$tool" "$ver")
            if ! grep -q "^$ver " "$set"; then
                echo "* $label misses all $(wc -w <<<"$codes") $ver suites ($codes)${claim:+: $claim}, so it listed none of them.$(e_closes "$svc" "$tool")"
            else
                echo "* $label misses $(wc -w <<<"$codes") $ver suite(s) that get a handshake when offered alone: $codes.$(e_why_more "$svc" "$tool")"
            fi
        fi
        # added: in the tool's set, not in the truth
        codes=$(comm -13 "$truth" "$set" | awk -v v="$ver" '$1 == v { print $2 }' |
            paste -sd' ')
        [ -n "$codes" ] || continue
        local_only=
        local c tried=
        for c in $codes; do
            if e_candidate "$svc" "$ver" "$c"; then
                tried="$tried $c"
            else
                local_only="$local_only $c"
            fi
        done
        if [ -n "$local_only" ]; then
            echo "* $label lists$local_only for $ver, suites the local OpenSSL does not implement, so the s_client loop could not offer them (the truth is blind to them; $label's own ClientHello is not)."
        fi
        if [ -n "$tried" ]; then
            echo "* $label lists$tried for $ver, which got no handshake when offered alone."
        fi
    done
}

# e_closes SVC TOOL: on Dovecot, how many handshakes of TOOL's first
# measured run Dovecot ended as it ended the DHE-first one of the notes.
e_closes() {
    local f n sig
    [ "$1" = dovecot ] || return 0
    [ "$(e_dhe_verdict)" = closes ] || return 0
    sig=$(e_dhe_signature) || return 0
    f=$(first_set "$LOGS/E/$1" "$2") || return 0
    f=${f%.set}.txt.log
    [ -f "$f" ] || return 0
    n=$(grep -cF -- "$sig" "$f")
    echo " During its run Dovecot logged \"$sig\" $n time(s), as for the DHE-first handshake of the notes below: that many of its handshakes got a DHE suite picked and the connection closed."
}

# e_dhe_signature: the error Dovecot logged for the DHE-first handshake
# (its complaint about DH parameters, else the end of the handshake).
e_dhe_signature() {
    local f=$LOGS/E/dovecot/dhe-first.log l
    l=$(grep -o 'Diffie-Hellman key exchange requested[^.=]*' "$f" 2>/dev/null | head -n 1)
    [ -n "$l" ] || l=$(grep -o 'TLS handshaking: [^,]*' "$f" 2>/dev/null | head -n 1)
    [ -n "$l" ] || return 1
    echo "${l#TLS handshaking: }"
}

# e_why_more SVC TOOL: what was seen about a tool's missing suites on
# SVC, when known.
e_why_more() {
    local f n sig
    [ "$1" = dovecot ] && [ "$2" = testssl ] || return 0
    [ "$(e_dhe_verdict)" = closes ] || return 0
    sig=$(e_dhe_signature) || return 0
    f=$(first_set "$LOGS/E/$1" testssl) || return 0
    f=${f%.set}.txt.log
    [ -f "$f" ] || return 0
    n=$(grep -cF -- "$sig" "$f")
    echo " testssl.sh offers the suites it has not found yet together and takes out the one the server picks, until the server refuses; during its run Dovecot logged \"$sig\" $n time(s): when it picked a DHE suite it closed the connection (see the notes below), which testssl.sh takes for the end of the list (with \`--debug 2\` it says \"server hello empty, TCP connection closed\"), so the ECDHE suites still in that offer were not listed."
}

# e_dhe_verdict: "closes" when Dovecot closed the DHE-first handshake and
# completed the ECDHE-first one.
e_dhe_verdict() {
    local a b
    a=$(cat "$LOGS/E/dovecot/dhe-first.txt" 2>/dev/null)
    b=$(cat "$LOGS/E/dovecot/ecdhe-first.txt" 2>/dev/null)
    case $a/$b in
    "no handshake"*/TLSv1.2\ *) echo closes ;;
    *) echo "no" ;;
    esac
}

# e_row SVC TOOL: one row of a table of benchmark E.
e_row() {
    local svc=$1 tool=$2 d=$LOGS/E/$1 set truth maxrun=$RUNS pairs
    set=$(first_set "$d" "$tool") || set=
    truth=$(first_set "$d" openssl) || truth=
    case $tool in openssl | testssl) maxrun=$SLOW_RUNS ;; esac
    if [ -n "$set" ]; then
        pairs="$(wc -l <"$set") ($(per_version "$set"))"
    else
        pairs="—"
    fi
    printf '| %s | %s | %s | %s | %s |\n' "${E_TOOL_LABEL[$tool]}" \
        "$(row_numbers "E.$svc.$tool" "E.$svc.ours")" "$pairs" \
        "$(if [ "$tool" = openssl ]; then echo —; else same "$set" "$truth"; fi)" \
        "$(stable "$d" "$tool" "$maxrun")"
}

e_report() {
    local svc
    cat <<EOF
## Benchmark E: complete enumeration, Dovecot and Exim

Every (protocol version, cipher suite) pair that two other real mail
servers accept, each started by the script on 127.0.0.1 with the RSA
2048 and the ECDSA P-256 certificate:

* **dovecot**: Dovecot $V_DOVECOT with Debian's TLS defaults
  (\`tests/lib/dovecot.sh\`: \`ssl_min_protocol = TLSv1.2\`, Debian's
  \`ssl_cipher_list\`, no \`ssl_dh\`), IMAP STARTTLS;
* **exim**: Exim ${V_EXIM:-?} built with GnuTLS ${V_GNUTLS:-?}
  (\`tests/lib/exim.sh\`), GnuTLS's default priority
  (\`tls_require_ciphers\` not set), SMTP STARTTLS, no limit on
  connections at once (\`smtp_accept_max = 0\`: with Exim's default of
  20, the children that linger after dropped handshakes make it refuse
  the next connections of a fast scan);
* **exim256**: the same Exim with
  \`tls_require_ciphers = $E_SECURE256\`.

The truth is the slow, obvious loop \`tests/bench/openssl-suites.sh\`:
one \`openssl s_client\` handshake per pair, offering that version only
and that suite only (\`-cipher SUITE:@SECLEVEL=0\` for TLS 1.0 to 1.2,
\`-ciphersuites SUITE\` for TLS 1.3), over every suite the local OpenSSL
implements for that version; a pair is accepted when the handshake
completed with exactly that version and suite.  It cannot see suites
OpenSSL does not implement.  mxtls and sslscan ran $RUNS times each
(after a warm-up run), taking turns; the loop and testssl.sh
$SLOW_RUNS time(s) each, after them.  Connections are counted in the
server's own log (see "How to read the tables").

| | |
|---|---|
| Measured | $(date -u '+%Y-%m-%d %H:%M UTC'), mxtls ${V_MXTLS}${V_GIT:+, git $V_GIT} |
| Load average (1, 5, 15 min) | ${LOAD_START:-?} at the start, ${LOAD_END:-?} at the end of the run ($(nproc) cores, shared with other work) |
| Tools | OpenSSL ${V_OPENSSL#OpenSSL }, sslscan $V_SSLSCAN, testssl.sh $V_TESTSSL |
EOF
    for svc in $E_SERVICES; do
        cat <<EOF

### $svc: ${E_NAME[$svc]}

| Tool | Runs | Median time | Min–max | Time vs. mxtls | Connections | Accepted pairs | Same as the truth | Same in every run |
|---|--:|--:|--:|--:|--:|--:|---|---|
$(for t in $E_TOOLS; do e_row "$svc" "$t"; done)

$(e_diff "$svc")
EOF
    done
    cat <<EOF

Commands (DIALECT: imap for dovecot, smtp for exim and exim256; PORT the
server's port, FILE a new file per run):

\`\`\`
$E_OPENSSL
$E_OURS
$E_SSLSCAN
$E_TESTSSL
\`\`\`
EOF
    e_notes
}

# e_notes: what the tables of E do not show.
e_notes() {
    local a b f closes svc sig
    echo
    echo "Notes on benchmark E:"
    echo
    a=$(cat "$LOGS/E/dovecot/dhe-first.txt" 2>/dev/null)
    b=$(cat "$LOGS/E/dovecot/ecdhe-first.txt" 2>/dev/null)
    if [ -n "$a" ] && [ -n "$b" ]; then
        echo "* Dovecot and DHE: one s_client handshake offering"
        echo "  \`$E_DHE_PAIR\` (TLSv1.2, DHE first) got: $a;"
        echo "  the same two suites in the other order got: $b."
        sig=$(e_dhe_signature) && echo "  Dovecot logged for the first: \"$sig\"."
        if [ "$(e_dhe_verdict)" = closes ]; then
            echo "  Without \`ssl_dh\` Dovecot cannot complete a DHE suite, yet its"
            echo "  cipher list has them and the client's order decides: a client"
            echo "  whose offer starts with DHE gets the connection closed, not a"
            echo "  handshake alert nor another suite.  A tool that probes a version"
            echo "  with one such offer sees the version as closed."
        fi
    fi
    f=$(first_set "$LOGS/E/dovecot" ours) && f=${f%.set}.txt
    if [ -n "$f" ] && [ -f "$f" ]; then
        closes=$(head -n 1 "$f" | sed -n -E 's/.* ([0-9]+) suites? close the connection.*/\1/p')
        if [ -n "$closes" ]; then
            echo "* mxtls against dovecot says \"$closes suites close the connection"
            echo "  (neither accepted nor refused)\": it tells a close from a refusal"
            echo "  (an alert)."
        fi
    fi
    for svc in $E_SERVICES; do
        f=$(first_set "$LOGS/E/$svc" ours) || continue
        f=${f%.set}.txt
        case $(head -n 1 "$f") in
        *" OK - "*) continue ;;
        esac
        echo "* mxtls's own verdict on $svc (first measured run):"
        echo "  \"$(head -n 1 "$f" | sed 's/[[:space:]]*|.*//')\"$(grep -m 1 -E '^ *\[(CRITICAL|UNKNOWN)\] table incomplete' "$f" | sed -E 's/^ *\[[A-Z]+\] (.*)/, with "\1"/')."
        echo "  Its set of pairs is compared above all the same."
    done
    echo "* The connections of the s_client loop are one per candidate pair"
    echo "  (SSLv3 is not tried: the local OpenSSL has no SSLv3); those of the"
    echo "  other tools include their other checks (see the notes on benchmark A)."
}

# e_howto: the columns of benchmark E, for "How to read the tables".
e_howto() {
    cat <<EOF
* **Benchmark E, Connections**: counted in the server's log: for
  Dovecot the \`imap-login: ... session=<...>\` lines (its login process
  logs one when each connection ends), for Exim the \`SMTP connection
  from [127.0.0.1] (TCP/IP connection count = N)\` lines (\`log_selector = +smtp_connection\`,
  logged when a connection is accepted), added during the run; the script
  waits until the count has stayed the same for a second.
* **Benchmark E, Same as the truth**: whether the tool's set of (version,
  suite) pairs (of its first measured run) equals that of the s_client
  loop; the pairs that differ are listed under the table, with the cause
  for each tool and version.
* **Benchmark F, DNS queries**: the queries the private Knot DNS answered
  during the run (its statistics module, \`knotc stats\`), with their types
  for the first measured run; **TLS connections**: the Postfix service's
  \`connect from\` lines, as in benchmark A.
EOF
}

# ---- report of benchmark F

# f_result FILE: the first line of a plugin's output without perfdata,
# and its exit status.
f_result() {
    local first rc
    first=$(head -n 1 "$1" 2>/dev/null | sed 's/[[:space:]]*|.*//')
    rc=$(cat "${1%.txt}.rc" 2>/dev/null)
    first=${first//|/\\|}
    echo "${first:-—} (exit ${rc:-?})"
}

# f_row SET TOOL LABEL: one row of table F.
f_row() {
    local set=$1 tool=$2 label=$3 key=F.$1.$2 n dns i f
    local -a q
    n=$(runstat "$key" n)
    read -r -a q <<<"${R_DNS[$key]:-}"
    if [ "${#q[@]}" -gt 0 ]; then
        dns=$(bench_range "${q[@]}")
    else
        dns="—"
    fi
    f=
    for ((i = 1; i <= RUNS; i++)); do
        if [ -f "$LOGS/F/$set/$tool-$i.rc" ]; then
            f=$LOGS/F/$set/$tool-$i.txt
            break
        fi
    done
    if [ "$n" = 0 ]; then
        printf '| %s | %s | failed | — | — | — | — | — | — | — |\n' "$set" "$label"
        return
    fi
    printf '| %s | %s | %s | %s | %s | %s |\n' "$set" "$label" \
        "$(row_numbers "$key" "F.$set.ours")" "$dns" \
        "${F_TYPES[$key]:-—}" "$(if [ -n "$f" ]; then f_result "$f"; else echo —; fi)"
}

# f_summary: each tool's verdict per TLSA set against the right one: OK
# (exit 0) when every certificate matches a record, CRITICAL (exit 2)
# when one does not (DANE senders that get it defer mail).
f_summary() {
    local set tool want rc i bad='' label other
    for set in $F_SETS; do
        want=2
        [ "$set" = all ] && want=0
        for tool in ours csc; do
            [ "$tool" = csc ] && [ "$F_CSC_OK" != 1 ] && continue
            label=mxtls
            [ "$tool" = csc ] && label=check_ssl_cert
            for ((i = 1; i <= RUNS; i++)); do
                [ -f "$LOGS/F/$set/$tool-$i.rc" ] || continue
                rc=$(cat "$LOGS/F/$set/$tool-$i.rc")
                [ "$rc" = "$want" ] && continue
                bad="$bad; $label with **$set** (run $i: exit $rc"
                if [ "$set" != all ]; then
                    other=RSA
                    [ "$set" = rsa ] && other=ECDSA
                    bad="$bad, while DANE senders that get the $other certificate defer mail"
                fi
                bad="$bad)"
                break
            done
        done
    done
    if [ -z "$bad" ]; then
        echo "Every measured run gave the right verdict: OK with **all**, CRITICAL with **rsa** and **ecdsa**."
    else
        echo "The right verdict is OK with **all**, CRITICAL with **rsa** and **ecdsa**.  Wrong: ${bad#; }."
    fi
}

f_report() {
    local set danecheck
    cat <<EOF
## Benchmark F: DANE (service dual)

\`check_tls_cert --dane\` against the Postfix service **dual** (RSA 2048
and ECDSA P-256), its TLSA records in a zone signed with ldns-signzone
(ECDSA P-256 keys) and served by a private Knot DNS ${V_KNOT:-?} on
127.0.0.1 (\`tests/lib/dns.sh\`); the plugin asks that server
(\`--dns-server\`) and validates with the zone's key as trust anchor
(\`--dns-anchor\`).  mail.example.test has \`A 127.0.0.1\` and no AAAA;
the TLSA records of \`_PORT._tcp.mail.example.test\`, one set after the
other (the zone re-signed and reloaded in between):

$(for set in $F_SETS; do echo "* **$set**: ${F_SET_DESC[$set]}"; done)

A DANE sender gets one of the two certificates, depending on its offer:
with **rsa**, those that get the ECDSA one defer mail, with **ecdsa**
those that get the RSA one.  Each command ran
$RUNS times after a warm-up run.

| | |
|---|---|
| Measured | $(date -u '+%Y-%m-%d %H:%M UTC'), mxtls ${V_MXTLS}${V_GIT:+, git $V_GIT} |
| Load average (1, 5, 15 min) | ${LOAD_START:-?} at the start, ${LOAD_END:-?} at the end of the run ($(nproc) cores, shared with other work) |
| Postfix, Knot DNS, check_ssl_cert | $V_POSTFIX, ${V_KNOT:-?}, ${V_CSC:-not installed} |

| TLSA set | Tool | Runs | Median time | Min–max | Time vs. mxtls | TLS connections | DNS queries | DNS queries by type and transport (first measured run) | Result (first measured run) |
|---|---|--:|--:|--:|--:|--:|--:|---|---|
EOF
    for set in $F_SETS; do
        f_row "$set" ours "mxtls \`check_tls_cert --dane\`"
        if [ "$F_CSC_OK" = 1 ]; then
            f_row "$set" csc "check_ssl_cert \`--dane 311\`"
        fi
    done
    danecheck=$(apt-cache policy danecheck 2>/dev/null | sed -n 's/^ *Candidate: //p')
    echo
    f_summary
    cat <<EOF

Commands (PORT: dual's port; DNSPORT: Knot's; KSK: the zone's
key-signing key; HOSTS: a hosts file with \`127.0.0.1 mail.example.test\`;
DIG: a script that runs
\`dig @127.0.0.1 -p DNSPORT "\$@"\`):

\`\`\`
$F_OURS
$F_CSC
\`\`\`

Notes on benchmark F:

EOF
    if [ "$F_CSC_OK" = 1 ]; then
        cat <<EOF
* check_ssl_cert (Debian's monitoring-plugins-contrib) has no resolver
  option.  It can still be pointed at the private server: its TLSA
  lookup is \`dig +short TLSA _PORT._tcp.HOST\` run through \`--dig-bin\`
  (here a script that adds \`@127.0.0.1 -p DNSPORT\`), and the host's
  address comes from the system's resolver, here nss_wrapper's hosts
  file, not from the zone.  \`dig +short\` prints the records without
  their DNSSEC status and check_ssl_cert takes no trust anchor: it does
  not validate, so a forged or unsigned TLSA answer counts as well as a
  signed one.  It checks the one certificate its handshakes get (s_client
  with \`-dane_tlsa_rrdata\`), not each certificate the server has.
EOF
    else
        echo "* check_ssl_cert was not measured: $CHECK_SSL_CERT, $NSS_WRAPPER or dig is missing (Debian packages monitoring-plugins-contrib, libnss-wrapper, bind9-dnsutils)."
    fi
    if [ -z "$danecheck" ] || [ "$danecheck" = "(none)" ]; then
        echo "* danecheck is not measured: Debian 12 has no package of it (\`apt-cache policy danecheck\` has no candidate), and it is not built here from source."
    else
        echo "* danecheck is packaged (candidate $danecheck) but not measured by this script."
    fi
    echo "* DNS queries are Knot's own count (\`knotc stats\`, module mod-stats, added to the configuration \`tests/lib/dns.sh\` writes and reloaded before the first run); mxtls validates, so it also asks for the zone's DNSKEY, once per run (no cache between runs); its NULL query, answered NXDOMAIN, is libunbound's trust-anchor signal (RFC 8145: \`_ta-KEYTAG.example.test\`, on by default, seen in a capture), which does not change the result."
}

# bench_g: benchmark G, many distinct peers (many-peers.sh, which starts
# its own Postfix): wall time, the plugin's CPU time and its memory.
bench_g() {
    say "G: 1000 distinct peers"
    if ! MXTLS_BENCH_RUNS=3 bash "$BENCH_DIR/many-peers.sh" 1000 \
        >"$WORK/g.md" 2>"$LOGS/g.err"; then
        FAILURES+=("G: many-peers.sh failed (see $LOGS/g.err)")
    fi
    if ! grep -q '^<!-- /bench:G -->$' "$WORK/g.md"; then
        printf '<!-- bench:G -->\n## G: 1000 distinct peers (check_tls_peers)\n\nNo result (see the failed runs).\n<!-- /bench:G -->\n' >"$WORK/g.md"
    fi
}

# ---------------------------------------------------------------- main

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
for b in $ONLY; do
    case $b in
    A) bench_a ;;
    B) bench_b ;;
    C) bench_c ;;
    D) bench_d ;;
    E) bench_e ;;
    F) bench_f ;;
    G) bench_g ;;
    esac
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

say "writing the report"
tool_versions
if [ "$WRITE_DOCS" = 1 ]; then
    report "$DOCS" >"$WORK/report.md"
else
    report >"$WORK/report.md"
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
