# shellcheck shell=bash disable=SC2034 # BENCH_* results are for the callers
#
# lib.sh - helpers for tests/bench/run.sh: timing one command, counting the
# connections a private Postfix logged for it, small statistics, and
# parsers that turn each tool's output into a comparable set.
#
# Sourced by run.sh after tests/lib/postfix.sh (pf_count, pf_lines and
# pf_wait_log are used here).  Every set is printed one item per line,
# sorted and unique, so that two sets compare with cmp/comm:
#
#   suite sets        "TLSv1.2 0xC030"  (protocol version, IANA code with
#                     at least four upper-case hex digits)
#   certificate sets  "RSA 2048", "ECDSA P-256", "Ed25519", "Ed448",
#                     "DSA 2048", "RSA-PSS 2048"

# ---------------------------------------------------------------- timing

# bench_clock VAR: store the wall clock in nanoseconds in VAR.  Bash 5 has
# it in EPOCHREALTIME (microseconds), which costs no fork; otherwise
# "date +%s%N" is used (about a millisecond more per reading).
bench_clock() {
    local t
    if [ -n "${EPOCHREALTIME:-}" ]; then
        t=${EPOCHREALTIME/[.,]/}
        printf -v "$1" '%s' "${t}000"
    else
        printf -v "$1" '%s' "$(date +%s%N)"
    fi
}

# The command being measured and its watchdog, so that the signal traps of
# run.sh can end them (by pid) when the benchmark is interrupted.
BENCH_CHILD=
BENCH_DOG=

# bench__watchdog SECONDS PIDFILE FLAG: after SECONDS, end the process
# whose pid is in PIDFILE (TERM, KILL 5 s later) and create FLAG.
# A TERM to the watchdog ends its sleep too: no sleep outlives a run.
bench__watchdog() {
    local pid='' nap
    sleep "$1" &
    nap=$!
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    wait "$nap"
    read -r pid <"$2" 2>/dev/null
    [ -n "$pid" ] || exit 0
    : >"$3"
    kill -TERM "$pid" 2>/dev/null || exit 0
    sleep 5 &
    nap=$!
    wait "$nap"
    kill -KILL "$pid" 2>/dev/null
    exit 0
}

# bench_exec GUARD OUT ERR CMD...: run CMD with stdin from /dev/null,
# stdout to OUT and stderr to ERR.  Sets BENCH_NS (wall time of the whole
# command, start to exit, in ns), BENCH_RC (its exit status) and
# BENCH_TIMEOUT (1 when it outlived GUARD seconds and was killed).
#
# CMD runs in the background and is waited for, so that a Ctrl-C is
# handled at once rather than after CMD has finished; the watchdog starts
# before the clock does, so its fork is not measured (GNU timeout would
# add an exec of its own, a few milliseconds, to every run).
bench_exec() {
    local guard=$1 out=$2 err=$3 t0 t1
    shift 3
    : >"$out.pid"
    rm -f "$out.timeout"
    bench__watchdog "$guard" "$out.pid" "$out.timeout" &
    BENCH_DOG=$!
    bench_clock t0
    "$@" </dev/null >"$out" 2>"$err" &
    BENCH_CHILD=$!
    echo "$BENCH_CHILD" >"$out.pid"
    wait "$BENCH_CHILD"
    BENCH_RC=$?
    bench_clock t1
    BENCH_CHILD=
    BENCH_NS=$((t1 - t0))
    bench_stop_child
    rm -f "$out.pid"
    BENCH_TIMEOUT=0
    if [ -e "$out.timeout" ]; then
        BENCH_TIMEOUT=1
        rm -f "$out.timeout"
    fi
}

# bench_stop_child: end the command that is being measured and its
# watchdog, if they run.
bench_stop_child() {
    if [ -n "$BENCH_CHILD" ]; then
        kill -TERM "$BENCH_CHILD" 2>/dev/null || true
        wait "$BENCH_CHILD" 2>/dev/null || true
        BENCH_CHILD=
    fi
    if [ -n "$BENCH_DOG" ]; then
        kill -TERM "$BENCH_DOG" 2>/dev/null || true
        wait "$BENCH_DOG" 2>/dev/null || true
        BENCH_DOG=
    fi
}

# ---------------------------------------------------------------- connections

BENCH_LOG_WAIT=${BENCH_LOG_WAIT:-15}

# bench_settle PFDIR SERVICE AFTER: print how many connections SERVICE
# logged after log line AFTER.  postlogd writes asynchronously, so wait
# (at most BENCH_LOG_WAIT seconds) until the log holds a "disconnect from"
# line for every "connect from" line and the count has stayed the same for
# one more poll.  Returns 1 (still printing the count) when the log did
# not settle in time.
bench_settle() {
    local dir=$1 svc=$2 after=$3 c d prev=-1 end
    local re_c="postfix/$svc/smtpd\[[0-9]+\]: connect from"
    local re_d="postfix/$svc/smtpd\[[0-9]+\]: disconnect from"
    end=$((SECONDS + BENCH_LOG_WAIT))
    # Every tool measured here opens at least one connection.
    pf_wait_log "$dir" "$re_c" 1 "$BENCH_LOG_WAIT" "$after" || true
    while :; do
        c=$(pf_count "$dir" "$re_c" "$after")
        d=$(pf_count "$dir" "$re_d" "$after")
        if [ "$c" = "$d" ] && [ "$c" = "$prev" ] && [ "$c" -gt 0 ]; then
            echo "$c"
            return 0
        fi
        if [ "$c" = "$d" ]; then
            prev=$c
        else
            prev=-1
        fi
        if [ "$SECONDS" -ge "$end" ]; then
            echo "$c"
            return 1
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------- statistics

# bench_sorted N...: print the numbers sorted, one per line.
bench_sorted() {
    printf '%s\n' "$@" | sort -n
}

# bench_median N...: the median (for an even count, the mean of the two
# middle values, rounded down).
bench_median() {
    local -a v
    local n
    mapfile -t v < <(bench_sorted "$@")
    n=${#v[@]}
    if [ "$n" = 0 ]; then
        return 1
    elif [ $((n % 2)) = 1 ]; then
        echo "${v[$((n / 2))]}"
    else
        echo $(((v[n / 2 - 1] + v[n / 2]) / 2))
    fi
}

bench_min() {
    bench_sorted "$@" | head -n 1
}

bench_max() {
    bench_sorted "$@" | tail -n 1
}

# bench_secs NS: nanoseconds as seconds for the table ("0.251 s", "61.3 s").
bench_secs() {
    awk -v ns="$1" 'BEGIN {
        s = ns / 1e9
        if (s < 10) printf "%.3f s", s; else printf "%.1f s", s
    }'
}

# bench_ratio A B: A/B for the table ("4.4×", "243×"), "n/a" when B is 0.
bench_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (b <= 0) { printf "n/a"; exit }
        r = a / b
        if (r < 10) printf "%.1f×", r; else printf "%.0f×", r
    }'
}

# bench_range N...: "147" when all values are equal, else "147 (146–149)"
# with the median first.
bench_range() {
    local med lo hi
    med=$(bench_median "$@") || return 1
    lo=$(bench_min "$@")
    hi=$(bench_max "$@")
    if [ "$lo" = "$hi" ]; then
        echo "$med"
    else
        echo "$med ($lo–$hi)"
    fi
}

# ---------------------------------------------------------------- suite sets

# bench_hexnorm: read "VERSION HEX" lines (HEX as 0xC030, xc030 or c030),
# print "VERSION 0xC030" sorted and unique.
bench_hexnorm() {
    local v h
    while read -r v h; do
        [ -n "$h" ] || continue
        h=${h#0x}
        h=${h#0X}
        h=${h#x}
        [[ $h =~ ^[0-9A-Fa-f]+$ ]] || continue
        printf '%s 0x%04X\n' "$v" "$((16#$h))"
    done | LC_ALL=C sort -u
}

# bench_set_ours FILE: the suites of check_tls_protocol --ciphers long
# output: the "  [OK] 0xC030 NAME ..." lines under each
# "[OK] TLSvX accepted: ..." node; the version is the node's second word.
bench_set_ours() {
    local line ver=
    local re_node='^\[[A-Z]+\] ([A-Za-z0-9.]+) accepted'
    local re_suite='^  \[[A-Z]+\] (0x[0-9A-Fa-f]+) '
    while IFS= read -r line; do
        if [[ $line =~ $re_node ]]; then
            ver=${BASH_REMATCH[1]}
        elif [[ $line == '['* ]]; then
            ver=
        elif [ -n "$ver" ] && [[ $line =~ $re_suite ]]; then
            echo "$ver ${BASH_REMATCH[1]}"
        fi
    done <"$1" | bench_hexnorm
}

# bench_set_sslscan XML: the <cipher> elements whose status is accepted or
# preferred: their sslversion and id attributes (in any order).
bench_set_sslscan() {
    local line ver id st
    local re_st='[[:space:]]status="([a-z]+)"'
    local re_ver='[[:space:]]sslversion="([^"]+)"'
    local re_id='[[:space:]]id="(0x[0-9A-Fa-f]+)"'
    grep -o '<cipher [^>]*>' "$1" | while IFS= read -r line; do
        [[ $line =~ $re_st ]] || continue
        st=${BASH_REMATCH[1]}
        case $st in
        accepted | preferred) ;;
        *) continue ;;
        esac
        [[ $line =~ $re_ver ]] || continue
        ver=${BASH_REMATCH[1]}
        [[ $line =~ $re_id ]] || continue
        id=${BASH_REMATCH[1]}
        echo "$ver $id"
    done | bench_hexnorm
}

# bench_testssl_proto ID_PROTO: testssl's protocol tag in a finding id
# (cipher-tls1_2_xc030) as the version name the other tools use.
bench_testssl_proto() {
    case $1 in
    ssl2) echo SSLv2 ;;
    ssl3) echo SSLv3 ;;
    tls1) echo TLSv1.0 ;;
    tls1_1) echo TLSv1.1 ;;
    tls1_2) echo TLSv1.2 ;;
    tls1_3) echo TLSv1.3 ;;
    *) echo "$1" ;;
    esac
}

# bench_testssl_records JSON: print each finding of a testssl flat JSON
# file on one line ("id" ... "finding"), whatever the file's layout.
bench_testssl_records() {
    tr '\n' ' ' <"$1" | grep -o '"id"[[:space:]]*:[^{}]*'
}

# bench_set_testssl JSON: the suites of a --cipher-per-proto run.  testssl
# writes one finding per accepted suite; its id holds both the protocol
# section and the hexcode: "cipher-tls1_2_xc030" (findings that say "not
# offered", as with --show-each, are skipped).
bench_set_testssl() {
    local rec proto hex
    local re='"id"[[:space:]]*:[[:space:]]*"cipher-([a-z0-9_]+)_x([0-9a-fA-F]+)"'
    bench_testssl_records "$1" | while IFS= read -r rec; do
        [[ $rec =~ $re ]] || continue
        proto=${BASH_REMATCH[1]}
        hex=${BASH_REMATCH[2]}
        case $rec in
        *"not offered"*) continue ;;
        esac
        echo "$(bench_testssl_proto "$proto") $hex"
    done | bench_hexnorm
}

# ---------------------------------------------------------------- certificate sets

# bench_ec_curve BITS: the NIST curve of an EC key of BITS bits.
bench_ec_curve() {
    case $1 in
    256) echo P-256 ;;
    384) echo P-384 ;;
    521) echo P-521 ;;
    *) echo "$1-bit" ;;
    esac
}

# bench_certs_ours FILE: the key type of each "[OK] RSA 2048: CN=..." line
# of check_tls_cert's long output.
bench_certs_ours() {
    local line
    local re='^\[[A-Z]+\] ((RSA|RSA-PSS|ECDSA|Ed25519|Ed448|DSA)( [^:]*)?): '
    while IFS= read -r line; do
        if [[ $line =~ $re ]]; then
            echo "${BASH_REMATCH[1]}"
        fi
    done <"$1" | LC_ALL=C sort -u
}

# bench_certs_testssl JSON: the "cert_keySize" findings of a
# --server-defaults run ("RSA 2048 bits", "EC 256 bits"; one per server
# certificate, the id then ends in " <cert#N>").
bench_certs_testssl() {
    local rec f
    local re_id='"id"[[:space:]]*:[[:space:]]*"cert_keySize( <cert#[0-9]+>)?"'
    local re_f='"finding"[[:space:]]*:[[:space:]]*"([^"]*)"'
    bench_testssl_records "$1" | while IFS= read -r rec; do
        [[ $rec =~ $re_id ]] || continue
        [[ $rec =~ $re_f ]] || continue
        f=${BASH_REMATCH[1]}
        case $f in
        "RSA "*" bits"*)
            f=${f#RSA }
            echo "RSA ${f%% bits*}"
            ;;
        "RSASSA-PSS "*" bits"* | "RSA-PSS "*" bits"*)
            f=${f#* }
            echo "RSA-PSS ${f%% bits*}"
            ;;
        "EC "*" bits"* | "ECDSA "*" bits"*)
            f=${f#* }
            echo "ECDSA $(bench_ec_curve "${f%% bits*}")"
            ;;
        *[Ee][Dd]25519* | "EdDSA 25"[0-9]" bits"*) echo Ed25519 ;;
        *[Ee][Dd]448* | "EdDSA 4"[0-9][0-9]" bits"*) echo Ed448 ;;
        "DSA "*" bits"*)
            f=${f#DSA }
            echo "DSA ${f%% bits*}"
            ;;
        *) echo "? $f" ;;
        esac
    done | LC_ALL=C sort -u
}

# bench_certs_openssl FILE: the output of openssl-certs.sh ("SIGALG TYPE"
# lines, "-" for no certificate).
bench_certs_openssl() {
    local alg type
    while read -r alg type; do
        if [ -n "$alg" ] && [ -n "$type" ] && [ "$type" != - ]; then
            echo "$type"
        fi
    done <"$1" | LC_ALL=C sort -u
}

# bench_join FILE: the lines of FILE joined with ", " ("none" when empty).
bench_join() {
    local out
    out=$(paste -sd, "$1" | sed 's/,/, /g')
    echo "${out:-none}"
}

# ---------------------------------------------------------------- peers (benchmark C)

# bench_peers_file N SUITES: a peers file for check_tls_peers with N
# peers, bank01 to bankN, each like the bank of the incident: TLSv1.2 only
# and the colon-separated cipher list SUITES, rotated by a different
# amount for each peer and, from the 13th peer on, one suite left out, so
# that no two peers offer the same list (check_tls_peers simulates
# identical peers once).
bench_peers_file() {
    local n=$1 i j k r drop list
    local -a suites
    IFS=: read -r -a suites <<<"$2"
    k=${#suites[@]}
    printf '# %s peers like the bank of the incident (written by tests/bench/run.sh)\n' "$n"
    for ((i = 1; i <= n; i++)); do
        r=$((i % k))
        drop=$(((i - 1) / k - 1))
        list=$(for ((j = 0; j < k; j++)); do
            [ "$j" = "$drop" ] && continue
            printf '%s\n' "${suites[$(((j + r) % k))]}"
        done | paste -sd: -)
        printf '\n[bank%02d]\n' "$i"
        printf 'description = like the bank of the incident, variant %d of %d\n' "$i" "$n"
        printf 'severity = critical\n'
        printf 'protocols = TLSv1.2\n'
        printf 'ciphers = %s\n' "$list"
    done
}

# bench_peers_summary FILE: the summary of check_tls_peers output (first
# line) without the prefix, the peer list and the perfdata:
# "OK - 10 of 10 peers negotiate",
# "CRITICAL - 10 of 10 critical peers cannot negotiate".
bench_peers_summary() {
    local line
    IFS= read -r line <"$1" || line=
    line=${line%% |*}
    line=${line%%: *}
    echo "${line#TLS PEERS }"
}

# bench_peers_causes FILE: the causes the summary gives for the failing
# peers, counted. The summary groups peers by cause ("bank01, bank02,
# bank03 and 47 more (no RSA certificate); pss (signature algorithm)"),
# so each group counts its names plus its "and N more": "50 × no RSA
# certificate" (several causes separated by ", "; nothing when no peer
# failed).
bench_peers_causes() {
    local line
    IFS= read -r line <"$1" || line=
    line=${line%% |*}
    case $line in
    *": "*) line=${line#*: } ;;
    *) return 0 ;;
    esac
    printf '%s' "$line" | sed -E 's/; [0-9]+ of [0-9]+ [a-z]+ peers? cannot negotiate: /; /' |
        awk -v RS='; ' '
            match($0, /\([^()]+\)$/) {
                cause = substr($0, RSTART + 1, RLENGTH - 2)
                names = substr($0, 1, RSTART - 2)
                n = 0
                if (match(names, / and [0-9]+ more$/)) {
                    more = substr(names, RSTART + 5)
                    n += more + 0
                    names = substr(names, 1, RSTART - 1)
                }
                n += split(names, parts, ", ")
                if (!(cause in count))
                    order[++k] = cause
                count[cause] += n
            }
            END {
                for (i = 1; i <= k; i++)
                    printf "%s%d × %s", (i > 1 ? ", " : ""), count[order[i]], order[i]
            }'
}

# bench_peers_lines FILE REGEX: how many lines of the long output (after
# the first line) match REGEX (grep -E).
bench_peers_lines() {
    tail -n +2 "$1" | grep -cE -- "$2" || true
}

# bench_peers_openssl FILE: "K N" from the last line of openssl-peers.sh
# ("K of N handshakes succeeded"); nothing when it is missing.
bench_peers_openssl() {
    sed -n -E '$ s/^([0-9]+) of ([0-9]+) handshakes succeeded$/\1 \2/p' "$1"
}

# bench_peers_openssl_reasons FILE: the reasons openssl-peers.sh gave for
# failed handshakes, counted: "50 × sslv3 alert handshake failure".
bench_peers_openssl_reasons() {
    sed -n -E 's/^[^ ]+ failed (.*)$/\1/p' "$1" | LC_ALL=C sort | uniq -c |
        awk '{ c = $1; $1 = ""; sub(/^ /, "")
            printf "%s%s × %s", (NR > 1 ? ", " : ""), c, $0 }'
}
