#!/bin/bash
# cert_addrs.sh - check_tls_cert checks every address of the host (A and
# AAAA): a sender may connect to any of them.
#
# The host names live in a hosts file bound over /etc/hosts in a mount
# namespace of the plugin's own (unshare -m), so the system's resolver
# gives them; nothing on the system changes. A real Postfix presents RSA
# 2048 and ECDSA P-256 on 127.0.0.1 (and ::1 when IPv6 loopback works);
# the fixture server presents an RSA 2048 certificate that expires in 5
# days on 127.0.0.2, same port. A name with both IPv4 addresses: the
# second is checked too, its expiry reported per address, and what the
# plugin says it presents equals what openssl s_client gets there. A
# name on 127.0.0.1 and ::1: the same certificates, said once, not
# checked twice. A name with an address where nothing listens: CRITICAL,
# naming it.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
mx_init
mx_need_postfix
mx_certs
mx_require unshare=util-linux mount=mount

c=$CERTS
ipv6=0
if pf_has_ipv6; then
    ipv6=1
fi
PF_IPV6=$ipv6 pf_start "$WORK/pf" "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
P=$(pf_port "$WORK/pf" dual)
mx_fixture good --listen 127.0.0.2 --port "$P" --cert "$c/expiring-soon.pem" \
    --concurrent
[ "$FPORT" = "$P" ] || t_bail "the fixture is not on port $P"

cat >"$WORK/hosts" <<EOF
127.0.0.1 localhost
127.0.0.1 split.example.test
127.0.0.2 split.example.test
127.0.0.1 gone.example.test
127.0.0.3 gone.example.test
127.0.0.1 same.example.test
EOF
[ "$ipv6" = 1 ] && echo "::1 same.example.test" >>"$WORK/hosts"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c 'mount --bind "$1" /etc/hosts && getent ahosts split.example.test' \
    sh "$WORK/hosts" | grep -q '127\.0\.0\.2' ||
    t_bail "cannot bind a hosts file over /etc/hosts in a mount namespace"

cert() { # the plugin with the hosts file, -p P and the test CA
    # shellcheck disable=SC2016 # expanded by the inner shell
    mx_run unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' \
        sh "$WORK/hosts" "$CHECK_TLS_CERT" -p "$P" --ca-file="$c/ca.pem" \
        --match=mail.example.test -t 30 "$@"
}

# ---- two IPv4 addresses, other certificates on the second ------------------
cert -H split.example.test -w 30 -c 2
t_is "$RC" 1 "second address's RSA certificate expires in 5 days: WARNING"
t_like "$LINE1" '^TLS CERT WARNING - RSA 2048 at 127\.0\.0\.2 certificate expires in [45] days \|' \
    "first line: the certificate and the address"
t_like "$OUT" '\[OK\] 127\.0\.0\.2 port [0-9]+: other certificates than 127\.0\.0\.1: RSA 2048 \(checked below\)' \
    "the second address presents other certificates, said so"
t_like "$OUT" '\[WARNING\] RSA 2048 at 127\.0\.0\.2: CN=mail\.example\.test; .*expires [0-9-]+ [0-9:]+ UTC \(in [45] days\)' \
    "the second address's certificate is checked: expiry"
t_like "$OUT" '  \[OK\] chain trusted by --ca-file' "trust is checked there too"
t_like "$OUT" '  \[OK\] covers mail\.example\.test' "the name is checked there too"
t_like "$OUT" '\[OK\] ECDSA P-256: CN=mail\.example\.test; .*\(in (89|90) days\)' \
    "the first address's certificates keep their own lines"
t_like "$LINE1" 'rsa_a2_days=[0-9.]+;30:;2: rsa_a2_bits=2048' \
    "perfdata of the second address's certificate"
# what openssl s_client gets at 127.0.0.2, one handshake
end=$(echo QUIT | timeout 10 openssl s_client -connect "127.0.0.2:$P" \
    -starttls smtp 2>/dev/null | openssl x509 -noout -enddate | cut -d= -f2)
t_like "$OUT" "RSA 2048 at 127\\.0\\.0\\.2: .*expires $(date -u -d "$end" '+%Y-%m-%d %H:%M') UTC" \
    "the second address's expiry equals openssl s_client's notAfter there"
t_like "$LINE1" 'connections=[0-9]+$' "connections counted"

# ---- an address where nothing listens ------------------------------------
cert -H gone.example.test
t_is "$RC" 2 "an address without a server: CRITICAL"
t_like "$OUT" '\[CRITICAL\] 127\.0\.0\.3 port [0-9]+: cannot connect to 127\.0\.0\.3' \
    "the address without a server is named"
t_like "$LINE1" '127\.0\.0\.3' "the first line names it"

# ---- 127.0.0.1 and ::1, the same certificates ------------------------------
cert -H same.example.test
t_is "$RC" 0 "the same certificates on every address: OK"
if [ "$ipv6" = 1 ]; then
    t_like "$OUT" '\[OK\] (::1|127\.0\.0\.1) port [0-9]+: the same 2 certificates as (127\.0\.0\.1|::1)' \
        "the second address: the same certificates, said once"
    t_like "$LINE1" 'every address checked' "the first line says every address was checked"
else
    t_pass "no IPv6 loopback here: one address"
    t_pass "no IPv6 loopback here: one address (first line)"
fi
t_is "$(grep -c ': CN=mail\.example\.test;' <<<"$OUT")" 2 \
    "each certificate is described once, not once per address"

t_done
