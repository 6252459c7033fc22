#!/bin/bash
# demo.sh - the incident, reproduced on this machine in a few seconds.
#
# Starts a private Postfix on loopback with two smtpd services: one with
# only an ECDSA certificate (the server in the incident: a bank's MX that
# offers only RSA-authenticated suites cannot deliver to it), and one with
# RSA and ECDSA certificates (the fix). Runs check_tls_peers (the bank's
# client) and check_tls_cert against both, and check_tls_protocol against
# the second, and shows the commands, their output and exit codes. Leaves
# nothing behind. Needs root (Postfix) and a built tree.
#
# Exit status: 0 when every check gave the expected state.
set -u

MXTLS_SRCDIR=${MXTLS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
MXTLS_BUILDDIR=${MXTLS_BUILDDIR:-$MXTLS_SRCDIR}
plugin=$MXTLS_BUILDDIR/plugins/check_tls_cert
protocol=$MXTLS_BUILDDIR/plugins/check_tls_protocol
peers=$MXTLS_BUILDDIR/plugins/check_tls_peers
bank="ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA"

# shellcheck source=lib/postfix.sh
. "$MXTLS_SRCDIR/tests/lib/postfix.sh"

if [ "$(id -u)" != 0 ]; then
    echo "demo: needs root (it starts a private Postfix on 127.0.0.1)" >&2
    exit 1
fi
if [ ! -x "$plugin" ] || [ ! -x "$protocol" ] || [ ! -x "$peers" ]; then
    echo "demo: the plugins are not built; run make first" >&2
    exit 1
fi

work=$(mktemp -d /tmp/mxtls-demo.XXXXXX) || exit 1
chmod 755 "$work"
trap 'pf_stop "$work"; rm -rf "$work"' EXIT

bash "$MXTLS_SRCDIR/tests/certs/mkcerts.sh" "$work/certs" || exit 1
chmod 755 "$work/certs"
pf_start "$work" \
    "0:incident:$work/certs/ecdsa-p256.pem" \
    "0:fixed:$work/certs/rsa2048.pem,$work/certs/ecdsa-p256.pem" || exit 1
incident=$(pf_port "$work" incident)
fixed=$(pf_port "$work" fixed)

show() {
    local want=$1 rc
    shift
    echo "\$ ${*#"$MXTLS_BUILDDIR/"}" | sed "s/$bank/<the bank's 12 suites>/"
    "$@"
    rc=$?
    echo "(exit code $rc)"
    echo
    [ "$rc" = "$want" ]
}

echo "Postfix with only an ECDSA certificate (port $incident), as in the incident."
echo "Will the bank's MX (TLSv1.2, 12 RSA-authenticated suites) get a handshake?"
echo
show 2 "$peers" -H 127.0.0.1 -p "$incident" --peer-name=arz \
    --peer-protocols=TLSv1.2 --peer-ciphers="$bank"
ok0=$?
echo "Which certificates does the server present?"
echo
show 2 "$plugin" -H 127.0.0.1 -p "$incident" --require=rsa --ca-file="$work/certs/ca.pem"
ok1=$?
echo "The same Postfix with smtpd_tls_chain_files = RSA key+cert, ECDSA key+cert (port $fixed):"
echo
show 0 "$plugin" -H 127.0.0.1 -p "$fixed" --require=rsa --ca-file="$work/certs/ca.pem"
ok2=$?
show 0 "$peers" -H 127.0.0.1 -p "$fixed" --peer-name=arz \
    --peer-protocols=TLSv1.2 --peer-ciphers="$bank"
ok4=$?
echo "Which protocol versions does it accept? (Postfix defaults: TLSv1 and up)"
echo
show 2 "$protocol" -H 127.0.0.1 -p "$fixed" --minimum=TLSv1.2
ok3=$?
[ "$ok0" = 0 ] && [ "$ok1" = 0 ] && [ "$ok2" = 0 ] && [ "$ok3" = 0 ] &&
    [ "$ok4" = 0 ]
