#!/bin/bash
# run.sh - build the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, and run each for
# SECONDS (default 20) on a copy of its seeds (tests/fuzz/corpus/TARGET),
# in a temporary directory that is removed afterwards.
#
#   run.sh [SECONDS] [TARGET...]      (TARGET: flight, capture, ...)
#
# Prints the executions of each target. Exit 0 when no target found
# anything; 1 when one crashed, leaked or hung (its input is copied to
# $MXTLS_FUZZ_ARTIFACTS, default ./fuzz-artifacts). With
# MXTLS_FUZZ_KEEP=DIR the grown corpora are kept in DIR/TARGET and used
# again next time (make fuzz-long).
set -u
secs=${1:-20}
shift || true
src=${MXTLS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${MXTLS_FUZZ_CC:-$(command -v clang-14 || command -v clang)}
if [ -z "$cc" ]; then
    echo "fuzz: clang is not installed (apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 1
fi
case $secs in
'' | *[!0-9]*)
    echo "fuzz: SECONDS must be a whole number, not '$secs'" >&2
    exit 1
    ;;
esac

# target and the longest input it is given
all="flight:20000 capture:70000 peers:8192 profile:8192 ini:8192 reply:8192
dns:4096 numbers:256 lists:4096 certinfo:8192 mtasts:8192 tlsa:4096
anchor:8192 fingerprint:20000"
if [ $# -gt 0 ]; then
    want=" $* "
    sel=
    for t in $all; do
        case $want in *" ${t%%:*} "*) sel="$sel $t" ;; esac
    done
    all=$sel
    if [ -z "$all" ]; then
        echo "fuzz: no such target: $*" >&2
        exit 1
    fi
fi

work=$(mktemp -d /tmp/mxtls-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
flags=(-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
    -fno-sanitize-recover=undefined -I"$src/common")
libs=(-lssl -lcrypto -lpcap -lunbound -lcurl -lm)

# The library once, instrumented; each target links what it needs.
mkdir "$work/obj"
for f in "$src"/common/*.c; do
    "$cc" "${flags[@]}" -fsanitize=fuzzer-no-link,address,undefined \
        -c "$f" -o "$work/obj/$(basename "${f%.c}").o" || exit 1
done

status=0
out=${MXTLS_FUZZ_ARTIFACTS:-fuzz-artifacts}
for t in $all; do
    name=${t%%:*}
    maxlen=${t#*:}
    "$cc" "${flags[@]}" -fsanitize=fuzzer,address,undefined \
        "$src/tests/fuzz/fuzz_$name.c" "$work"/obj/*.o "${libs[@]}" \
        -o "$work/fuzz_$name" || exit 1
    corpus=$work/corpus-$name
    if [ -n "${MXTLS_FUZZ_KEEP:-}" ]; then
        corpus=$MXTLS_FUZZ_KEEP/$name
    fi
    mkdir -p "$corpus" "$work/artifacts-$name" "$work/run-$name"
    cp "$src/tests/fuzz/corpus/$name"/* "$corpus/" 2>/dev/null
    # in an empty directory: a peers file may name files to read
    (cd "$work/run-$name" &&
        "$work/fuzz_$name" -max_total_time="$secs" -max_len="$maxlen" \
            -timeout=10 -artifact_prefix="$work/artifacts-$name/" \
            -print_final_stats=1 "$corpus" 2>"$work/log-$name")
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log-$name")
    if [ "$rc" != 0 ]; then
        tail -n 40 "$work/log-$name"
        mkdir -p "$out" && cp "$work/artifacts-$name"/* "$out"/ 2>/dev/null
        echo "fuzz $name: FAILED after ${execs:-?} executions; inputs in $out" >&2
        status=1
    else
        echo "fuzz $name: ${execs:-?} executions in ${secs}s, no crash"
    fi
done
exit $status
