#!/bin/bash
# matrix.sh - the misbehaving-server matrix: each row of matrix.tsv runs one
# plugin against the fixture server in one mode and checks the exit status
# and the first output line (see matrix.tsv for the columns). Every mode
# the fixture knows must appear in the table, so that a new misbehaviour
# is one mode and its rows. The fixture serves each connection in its own
# process; a run past MX_GUARD seconds ignored its deadline.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
MX_GUARD=20 # -t is 2 or less in the table
mx_init
mx_certs
[ -x "$FIXTURE" ] || t_bail "fixture not built: $FIXTURE"
table=$MXTLS_SRCDIR/tests/integration/matrix.tsv
[ -r "$table" ] || t_bail "cannot read $table"
crt=$CERTS/rsa2048.pem
peer=(--peer-name=p --peer-ciphers=ECDHE-RSA-AES128-GCM-SHA256)

# Every mode of the fixture has a row.
modes=$("$FIXTURE" --help 2>&1 | sed -n '/^modes:/,$p' | tail -n +2 | tr -s ' \n' '\n' | sed '/^$/d')
t_isnt "$modes" "" "the fixture lists its modes"
for m in $modes; do
    t_like "$(cut -f1 "$table")" "^$m\$" "mode $m has rows in matrix.tsv"
done

# start MODE FIXTURE-OPTIONS: a fixture for the rows that follow.
fpid=
start() {
    local pf=$WORK/matrix.port i
    [ -n "$fpid" ] && kill "$fpid" && wait "$fpid" 2>/dev/null
    rm -f "$pf"
    # shellcheck disable=SC2086 # the options are words
    "$FIXTURE" --mode "$1" --concurrent --cert "$crt" --port-file "$pf" $2 \
        2>>"$WORK/fixture.err" &
    fpid=$!
    for ((i = 0; i < 100; i++)); do
        [ -s "$pf" ] && break
        sleep 0.05
    done
    [ -s "$pf" ] || t_bail "fixture $1 $2 did not start: $(cat "$WORK/fixture.err")"
    FPORT=$(cat "$pf")
}
# shellcheck disable=SC2016 # $fpid is read at exit
mx_at_exit '[ -n "$fpid" ] && kill "$fpid"'

current=
rows=0
tab=$'\t'
while IFS=$tab read -r mode fopts plugin opts want first any; do
    case $mode in '' | '#'*) continue ;; esac
    [ "$fopts" = - ] && fopts=
    [ "$opts" = - ] && opts=
    if [ "$current" != "$mode $fopts" ]; then
        start "$mode" "$fopts"
        current="$mode $fopts"
    fi
    case $plugin in
    cert) bin=$CHECK_TLS_CERT ;;
    protocol) bin=$CHECK_TLS_PROTOCOL ;;
    peers) bin=$MXTLS_BUILDDIR/plugins/check_tls_peers ;;
    *) t_bail "matrix.tsv: unknown plugin '$plugin'" ;;
    esac
    read -ra args <<<"$opts"
    if [ "$plugin" = peers ] && [[ " $opts" != *" --peer"* ]]; then
        args+=("${peer[@]}")
    fi
    # The fixture's certificate chains to the test CA, which the system
    # store does not hold: check_tls_cert is given it, so that its rows
    # are about the server's behaviour, not about trust.
    if [ "$plugin" = cert ] && [[ " $opts" != *" --ca-"* ]]; then
        args+=("--ca-file=$CERTS/ca.pem")
    fi
    name="$mode${fopts:+ $fopts} / $plugin${opts:+ $opts}"
    mx_run "$bin" -H 127.0.0.1 -p "$FPORT" -t 6 "${args[@]}"
    t_is "$RC" "$want" "$name: exit $want"
    if [ "$first" != - ]; then
        t_like "${LINE1%% | *}" "$first" "$name: first line"
    fi
    if [ -n "${any:-}" ]; then
        t_like "$OUT" "$any" "$name: a line of the output"
    fi
    rows=$((rows + 1))
done <"$table"
t_isnt "$rows" 0 "matrix.tsv has rows"
printf '# %d rows, %d modes\n' "$rows" "$(printf '%s\n' "$modes" | wc -l)"

t_done
