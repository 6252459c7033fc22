#!/bin/bash
# run.sh - build the first-flight fuzz target with clang's libFuzzer and
# run it for SECONDS (default 60) on a copy of the seed corpus, in a
# temporary directory that is removed afterwards. Exit 0 when the fuzzer
# found nothing; 1 when it crashed (the input is copied to
# $MXTLS_FUZZ_ARTIFACTS, default ./fuzz-artifacts).
set -u
secs=${1:-60}
src=${MXTLS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${MXTLS_FUZZ_CC:-$(command -v clang-14 || command -v clang)}
if [ -z "$cc" ]; then
    echo "fuzz: clang is not installed (apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 1
fi
work=$(mktemp -d /tmp/mxtls-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE \
    -Wall -Wextra -Werror -I"$src/common" \
    "$src/tests/fuzz/fuzz_flight.c" "$src/common/hello.c" \
    "$src/common/err.c" "$src/common/state.c" -o "$work/fuzz_flight" || exit 1
mkdir "$work/corpus" "$work/artifacts"
cp "$src"/tests/fuzz/corpus/* "$work/corpus/"
"$work/fuzz_flight" -max_total_time="$secs" -max_len=20000 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" \
    2>"$work/log"
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' \
    "$work/log" | tail -n 3
if [ "$rc" != 0 ]; then
    tail -n 40 "$work/log"
    out=${MXTLS_FUZZ_ARTIFACTS:-fuzz-artifacts}
    mkdir -p "$out" && cp "$work"/artifacts/* "$out"/ 2>/dev/null
    echo "fuzz: the fuzzer failed; inputs in $out" >&2
    exit 1
fi
echo "fuzz: ${secs}s, no crash"
