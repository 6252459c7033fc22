# shellcheck shell=bash disable=SC2034 # T_* variables are for the callers
#
# tap.sh - Test Anything Protocol helpers for the mxtls shell tests.
#
# Source it from a bash test script; every check prints one TAP line on
# stdout and t_done prints the plan at the end:
#
#   . "$top_srcdir/tests/lib/tap.sh"
#   t_plan_later
#   t_ok "plugin runs" ./check_foo -H 127.0.0.1
#   t_is "$rc" 0 "exit status is OK"
#   t_like "$out" '^TLS OK' "status line"
#   t_skip "IPv6 probe" "no IPv6 loopback"
#   t_done
#
# Functions:
#
#   t_plan_later          document that the plan comes at the end (no-op;
#                         t_done prints "1..N").
#   t_plan N              print the plan "1..N" now; t_done then checks that
#                         N checks ran instead of printing a plan.
#   t_ok NAME CMD...      run CMD; pass when it exits 0.  On failure its exit
#                         status and output (stdout and stderr) are shown as
#                         diagnostics.  CMD's output is not shown otherwise.
#                         CMD runs in a subshell: variables it sets are lost.
#   t_nok NAME CMD...     run CMD; pass when it exits non-zero.
#   t_is GOT WANT NAME    pass when the strings GOT and WANT are equal.
#   t_isnt GOT WANT NAME  pass when they differ.
#   t_like GOT REGEX NAME pass when some line of GOT matches REGEX (grep -E).
#   t_unlike GOT REGEX NAME
#                         pass when no line of GOT matches REGEX.
#   t_pass NAME / t_fail NAME [TEXT]
#                         an unconditional pass or failure.
#   t_skip NAME REASON    print "ok N - NAME # SKIP REASON".  With
#                         MXTLS_NO_SKIP=1 in the environment the skip counts
#                         as a failure ("not ok"), so that CI can forbid
#                         skipped checks.
#   t_skip_all REASON     skip the whole script: print "1..0 # SKIP REASON"
#                         and exit 0 (with MXTLS_NO_SKIP=1: one failing
#                         check, exit 1).  Use it before the first check.
#   t_diag TEXT...        print TEXT as diagnostics, each line as "# line".
#   t_bail REASON         print "Bail out! REASON" and exit 1.
#   t_done                print the plan (unless t_plan was used) and exit 0
#                         when every check passed, 1 otherwise.
#
# The helpers always return 0, so they are safe under "set -e"; the result
# of the latest check is in T_LAST_OK (1 passed, 0 failed or skipped), e.g.
#   t_ok "server up" nc -z 127.0.0.1 "$port"
#   [ "$T_LAST_OK" = 1 ] || t_bail "server is not up"
# Counters: T_N (checks so far), T_FAILED, T_SKIPPED.

T_N=0
T_FAILED=0
T_SKIPPED=0
T_PLANNED=
T_LAST_OK=0

# t__name NAME: make NAME safe for a TAP line (one line, no directive).
t__name() {
    local n=$1
    n=${n//$'\n'/ }
    n=${n//\#/\\#}
    printf '%s' "$n"
}

# t__result OK NAME: print the TAP line for one check and count it.
t__result() {
    T_N=$((T_N + 1))
    if [ "$1" = 1 ]; then
        T_LAST_OK=1
        printf 'ok %d - %s\n' "$T_N" "$(t__name "$2")"
    else
        T_LAST_OK=0
        T_FAILED=$((T_FAILED + 1))
        printf 'not ok %d - %s\n' "$T_N" "$(t__name "$2")"
    fi
}

t_diag() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

# t__indent TEXT: TEXT as diagnostics, indented below a label.
t__indent() {
    local line
    while IFS= read -r line; do
        printf '#     %s\n' "$line"
    done <<<"$1"
}

# t__show LABEL VALUE: a labelled, quoted value as diagnostics.
t__show() {
    t_diag "  $1 '$2'"
}

# t__cmd CMD...: print CMD quoted so that it could be pasted into a shell.
t__cmd() {
    local q
    q=$(printf '%q ' "$@")
    printf '%s' "${q% }"
}

t_plan_later() {
    :
}

t_plan() {
    T_PLANNED=$1
    printf '1..%d\n' "$1"
}

t_pass() {
    t__result 1 "$1"
}

t_fail() {
    t__result 0 "$1"
    if [ $# -gt 1 ]; then
        shift
        t_diag "$*"
    fi
}

t_ok() {
    local name=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" = 0 ]; then
        t__result 1 "$name"
    else
        t__result 0 "$name"
        t_diag "  command: $(t__cmd "$@")"
        t_diag "  exit status: $rc"
        if [ -n "$out" ]; then
            t_diag "  output:"
            t__indent "$out"
        fi
    fi
}

t_nok() {
    local name=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" != 0 ]; then
        t__result 1 "$name"
    else
        t__result 0 "$name"
        t_diag "  command: $(t__cmd "$@")"
        t_diag "  exit status: 0, expected non-zero"
        if [ -n "$out" ]; then
            t_diag "  output:"
            t__indent "$out"
        fi
    fi
}

t_is() {
    if [ "$1" = "$2" ]; then
        t__result 1 "$3"
    else
        t__result 0 "$3"
        t__show "got: " "$1"
        t__show "want:" "$2"
    fi
}

t_isnt() {
    if [ "$1" != "$2" ]; then
        t__result 1 "$3"
    else
        t__result 0 "$3"
        t__show "got:     " "$1"
        t__show "want not:" "$2"
    fi
}

t_like() {
    local rc=0
    printf '%s\n' "$1" | grep -Eq -- "$2" 2>/dev/null || rc=$?
    if [ "$rc" = 0 ]; then
        t__result 1 "$3"
    else
        t__result 0 "$3"
        t__show "got:  " "$1"
        t__show "regex:" "$2"
        if [ "$rc" != 1 ]; then
            t_diag "  (grep -E failed with status $rc: bad regex?)"
        fi
    fi
}

t_unlike() {
    local rc=0
    printf '%s\n' "$1" | grep -Eq -- "$2" 2>/dev/null || rc=$?
    if [ "$rc" = 1 ]; then
        t__result 1 "$3"
    else
        t__result 0 "$3"
        t__show "got:           " "$1"
        t__show "unwanted regex:" "$2"
        if [ "$rc" != 0 ]; then
            t_diag "  (grep -E failed with status $rc: bad regex?)"
        fi
    fi
}

t_skip() {
    local name reason=${2:-no reason given}
    name=$(t__name "$1")
    reason=$(t__name "$reason")
    T_N=$((T_N + 1))
    T_LAST_OK=0
    if [ "${MXTLS_NO_SKIP:-0}" = 1 ]; then
        T_FAILED=$((T_FAILED + 1))
        printf 'not ok %d - %s (skip refused: %s)\n' "$T_N" "$name" "$reason"
        t_diag "  skips are not allowed (MXTLS_NO_SKIP=1)"
    else
        T_SKIPPED=$((T_SKIPPED + 1))
        printf 'ok %d - %s # SKIP %s\n' "$T_N" "$name" "$reason"
    fi
}

t_skip_all() {
    local reason
    reason=$(t__name "${1:-no reason given}")
    if [ "${MXTLS_NO_SKIP:-0}" = 1 ]; then
        printf 'not ok 1 - whole script skipped: %s\n1..1\n' "$reason"
        t_diag "  skips are not allowed (MXTLS_NO_SKIP=1)"
        exit 1
    fi
    printf '1..0 # SKIP %s\n' "$reason"
    exit 0
}

t_bail() {
    printf 'Bail out! %s\n' "$(t__name "${1:-}")"
    exit 1
}

t_done() {
    if [ -n "$T_PLANNED" ]; then
        if [ "$T_N" != "$T_PLANNED" ]; then
            t_diag "planned $T_PLANNED checks but ran $T_N"
            exit 1
        fi
    elif [ "$T_N" = 0 ]; then
        # An empty run is a broken script, not a success.
        printf 'not ok 1 - no checks were run\n1..1\n'
        exit 1
    else
        printf '1..%d\n' "$T_N"
    fi
    if [ "$T_FAILED" != 0 ]; then
        t_diag "failed $T_FAILED of $T_N checks"
        exit 1
    fi
    exit 0
}
