#!/bin/bash
# manpages.sh - the man pages made by man/mkman.sh render as man(1) shows
# them on an 80-column terminal: the EXAMPLES section shows each example
# of --help as it is there, line by line (no filling, no justification, a
# continuation line after "\" indented below its command), so that it can
# be pasted; and every page has NAME, SYNOPSIS and EXIT STATUS.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_require man=man-db

# examples_help PLUGIN: the Examples of --help, without the indent of two,
# with a blank line between two examples.
examples_help() {
    "$1" --help | awk '
        /^Examples:$/ { ex = 1; next }
        ex && /^[^ ]/ { ex = 0 }
        ex && /^  [^ ]/ && n++ { print "" }
        ex && /^  / { print substr($0, 3) }'
}

# examples_man PAGE: the EXAMPLES section as man renders it in 80 columns,
# without its common indent and without the blank lines around it.
examples_man() {
    MANWIDTH=80 man -l "$1" 2>/dev/null | awk '
        /^[A-Z]/ { ex = ($0 == "EXAMPLES"); next }
        ex { line[n++] = $0 }
        END {
            min = 1000
            for (i = 0; i < n; i++)
                if (line[i] ~ /[^ ]/) {
                    match(line[i], /^ */)
                    if (RLENGTH < min) min = RLENGTH
                }
            first = 0; last = n - 1
            while (first < n && line[first] !~ /[^ ]/) first++
            while (last >= 0 && line[last] !~ /[^ ]/) last--
            for (i = first; i <= last; i++) print substr(line[i], min + 1)
        }'
}

for p in check_tls_cert check_tls_protocol check_tls_peers; do
    page=$MXTLS_BUILDDIR/man/$p.1
    plugin=$MXTLS_BUILDDIR/plugins/$p
    if [ ! -f "$page" ]; then
        t_skip "$p.1" "no man pages in this build (configure --disable-man)"
        continue
    fi
    text=$(MANWIDTH=80 man -l "$page" 2>&1)
    t_like "$text" '^NAME$' "$p.1: renders with man, NAME"
    t_like "$text" '^SYNOPSIS$' "$p.1: SYNOPSIS"
    t_like "$text" '^EXIT STATUS$' "$p.1: EXIT STATUS"
    t_is "$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)" "" \
        "$p.1: man renders it without warnings"
    want=$(examples_help "$plugin")
    t_like "$want" "^$p " "$p --help has examples"
    t_is "$(examples_man "$page")" "$want" \
        "$p.1: EXAMPLES are the examples of --help, line by line"
done
t_done
