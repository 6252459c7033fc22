#!/bin/bash
# exim.sh - the plugins against a real private Exim 4.96 (Debian's
# exim4-daemon-light, a GnuTLS server; tests/lib/exim.sh), each answer
# compared with real clients one handshake at a time:
#
# - RSA, ECDSA, dual (RSA + ECDSA) and triple (RSA + ECDSA + Ed25519)
#   certificates: check_tls_cert finds the set openssl s_client gets key
#   type by key type;
# - the priority string SECURE256:-VERS-TLS1.3:%SERVER_PRECEDENCE: the
#   TLS 1.2 suites of check_tls_protocol --ciphers (also --raw-only, whose
#   hellos must list an FFDHE group Exim allows, ffdhe8192, to get the DHE
#   suites) equal one openssl s_client -cipher X and one gnutls-cli
#   --priority handshake per suite, and the order line says the server
#   decides, in the order of the priority string;
# - smtp_accept_max_per_host = 2: the plugins back off and give the table
#   and the answers of the unlimited server, and say they met a limit;
# - smtp_accept_max = 20 (Exim's default) under many parallel probes: the
#   full table, or a first line that says the table is incomplete;
# - a banner delayed by 3 s: --ciphers -t 10 completes, or says in its
#   first line that the table is incomplete and takes the timeout state;
# - check_tls_peers: the contrib peers, --peer-ciphers and recorded real
#   clients (openssl s_client, gnutls-cli, swaks) predicted as the real
#   client negotiates (read from the client, or from Exim's log).
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/exim.sh
. "$MXTLS_SRCDIR/tests/lib/exim.sh"
# shellcheck source=../lib/gnutls.sh
. "$MXTLS_SRCDIR/tests/lib/gnutls.sh"
MX_GUARD=120
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
mx_init
[ "$(id -u)" = 0 ] || t_skip_all "the Exim tests need root"
mx_require openssl=openssl gnutls-cli=gnutls-bin swaks=swaks \
    Net::SSLeay=libnet-ssleay-perl tcpdump=tcpdump
missing=0
while IFS='=' read -r name how; do
    [ -n "$name" ] || continue
    missing=1
    t_fail "$name is missing: $how" "tests/lib/exim.sh runs Exim from the cached .deb"
done <<<"$(ex_missing)"
[ "$missing" = 0 ] || t_done
mx_certs
c=$CERTS
CA=(--ca-file="$c/ca.pem")
SMTP=(-starttls smtp)
secure='tls_require_ciphers = SECURE256:-VERS-TLS1.3:%SERVER_PRECEDENCE'

# start NAME CERTS [CONFIG_LINE...]: an instance in $WORK/NAME. Unless
# the lines say otherwise, smtp_accept_max = 0 (no limit): Exim's default
# of 20 children at once is met by the s_client loops and plugin runs in
# a row (a child lingers after a dropped handshake), and the suite tables
# are compared here without that; the limits have their own instances.
start() {
    local name=$1
    shift
    case " $* " in
    *smtp_accept_max\ =*) ;;
    *) set -- "$@" 'smtp_accept_max = 0' ;;
    esac
    ex_start "$WORK/$name" "$@" || t_bail "cannot start Exim ($name)"
    mx_at_exit "ex_stop '$WORK/$name'"
}
port() { ex_port "$WORK/$1"; }

# ---------------------------------------------------------------- certificates
start rsa "$c/rsa2048.pem"
start ecdsa "$c/ecdsa-p256.pem"
start dual "$c/rsa2048.pem,$c/ecdsa-p256.pem"
start triple "$c/rsa2048.pem,$c/ecdsa-p256.pem,$c/ed25519.pem"
declare -A want=(
    [rsa]="RSA 2048"
    [ecdsa]="ECDSA P-256"
    [dual]="ECDSA P-256,RSA 2048"
    [triple]="ECDSA P-256,Ed25519,RSA 2048"
)
for svc in rsa ecdsa dual triple; do
    p=$(port "$svc")
    t_is "$(tg_sclient_labels "$p" "${SMTP[@]}")" "${want[$svc]}" \
        "$svc: openssl s_client gets the configured certificates"
    mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$p" -t 30 --require=none "${CA[@]}"
    t_is "$RC" 0 "$svc: check_tls_cert OK"
    t_is "$(tg_labels "$OUT")" "${want[$svc]}" "$svc: check_tls_cert finds every certificate"
done

# ---------------------------------------------------------------- SECURE256
start secure "$c/rsa2048.pem,$c/ecdsa-p256.pem" "$secure"
p=$(port secure)
ossl=$(tg_openssl_codes "$p" TLSv1.2 "${SMTP[@]}")
gtls=$(tg_gnutls_codes "$p" --starttls-proto=smtp)
prio=$(tg_gnutls_order 'SECURE256:-VERS-TLS1.3:%SERVER_PRECEDENCE')
t_is "$(wc -l <<<"$ossl")" 10 "SECURE256: s_client, one suite at a time, finds 10 TLS 1.2 suites"
t_is "$gtls" "$ossl" "SECURE256: gnutls-cli, one suite at a time, finds the same"
t_is "$(sort <<<"$prio")" "$ossl" "SECURE256: ... which are the TLS 1.2 suites of the priority string"
t_like "$ossl" '0x009F' "SECURE256: with DHE-RSA-AES256-GCM-SHA384"
for mode in handshakes raw; do
    extra=()
    [ "$mode" = raw ] && extra=(--raw-only)
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -t 60 --parallel 4 --ciphers "${extra[@]}"
    t_is "$RC" 0 "SECURE256 ($mode): OK"
    t_like "$LINE1" '^TLS PROTOCOL OK - TLSv1\.2 accepted' "SECURE256 ($mode): TLSv1.2 only"
    t_is "$(tg_codes "$OUT" TLSv1.2)" "$ossl" "SECURE256 ($mode): the TLS 1.2 suites of s_client and gnutls-cli"
    t_like "$OUT" '^  \[OK\] the server.s order decides' "SECURE256 ($mode): the server's order"
    t_is "$(tg_order "$OUT" TLSv1.2 | paste -sd' ')" "$(paste -sd' ' <<<"$prio")" \
        "SECURE256 ($mode): in the order of the priority string"
done

# Without %SERVER_PRECEDENCE (Exim's default priority) the client decides.
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(port dual)" -t 60 --parallel 4 --ciphers
t_like "$OUT" '^  \[OK\] the client.s order decides' "dual, default priority: the client's order"
for v in TLSv1.3 TLSv1.2; do
    t_is "$(tg_codes "$OUT" "$v")" "$(tg_openssl_codes "$(port dual)" "$v" "${SMTP[@]}")" \
        "dual, default priority: $v suites = one s_client per suite"
done
t_unlike "$LINE1" 'incomplete' "dual, default priority: a complete table"

# A server with its own DH parameters and no RFC 7919 group in its
# priority string takes DHE only from a client that lists no FFDHE group
# (gnutls-cli shows both); the enumeration must find DHE there too.
start noffdhe "$c/rsa2048.pem" \
    'tls_require_ciphers = NORMAL:-VERS-TLS1.3:-GROUP-FFDHE2048:-GROUP-FFDHE3072:-GROUP-FFDHE4096:-GROUP-FFDHE6144:-GROUP-FFDHE8192'
p=$(port noffdhe)
dhe="NORMAL:-VERS-TLS1.3:-KX-ALL:+DHE-RSA:-GROUP-ALL:+GROUP-SECP384R1"
t_like "$(timeout 10 gnutls-cli --insecure --starttls-proto=smtp -p "$p" --priority "$dhe" \
    127.0.0.1 </dev/null 2>&1)" '^- Description: \(TLS1\.2-X\.509\)-\(DHE-' \
    "no RFC 7919 group: gnutls-cli listing no FFDHE group gets DHE"
t_unlike "$(timeout 10 gnutls-cli --insecure --starttls-proto=smtp -p "$p" \
    --priority "$dhe:+GROUP-FFDHE2048:+GROUP-FFDHE3072:+GROUP-FFDHE4096:+GROUP-FFDHE6144:+GROUP-FFDHE8192" \
    127.0.0.1 </dev/null 2>&1)" '^- Description: ' \
    "no RFC 7919 group: gnutls-cli listing every FFDHE group does not"
want_nf=$(tg_gnutls_codes "$p" --starttls-proto=smtp)
t_like "$want_nf" '0x009F' "no RFC 7919 group: gnutls-cli gets DHE (listing no FFDHE group)"
for mode in handshakes raw; do
    extra=()
    [ "$mode" = raw ] && extra=(--raw-only)
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -t 60 --parallel 4 --ciphers "${extra[@]}"
    t_is "$(tg_codes "$OUT" TLSv1.2)" "$want_nf" \
        "no RFC 7919 group ($mode): the TLS 1.2 suites of gnutls-cli, DHE too"
done

# The mirror image: no DH parameters (tls_dhparam = none), DHE only with
# an RFC 7919 group the client lists.
start nodh "$c/rsa2048.pem" 'tls_dhparam = none'
p=$(port nodh)
want_nd=$(tg_gnutls_codes "$p" --starttls-proto=smtp)
t_like "$want_nd" '0x009F' "tls_dhparam = none: gnutls-cli gets DHE (it lists FFDHE groups)"
for mode in handshakes raw; do
    extra=()
    [ "$mode" = raw ] && extra=(--raw-only)
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -t 60 --parallel 4 --ciphers "${extra[@]}"
    t_is "$(tg_codes "$OUT" TLSv1.2)" "$want_nd" \
        "tls_dhparam = none ($mode): the TLS 1.2 suites of gnutls-cli, DHE too"
done

# ---------------------------------------------------------------- limits
# The limit, pile-up and slow-banner instances have the RSA certificate
# only: with an ECDSA one beside it the TLS 1.2 group table is cut short
# on every GnuTLS server (see the dual checks above), and these checks are
# about the connections, not about that.
pairs() {
    awk '/^\[/{v=$2} /^  \[[A-Z]+\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print v, $2}' <<<"$1" | sort
}
plain() { # output without perfdata, timings and the limit line
    sed -e 's/ |.*//' -e 's/[0-9.]* ms\b/N ms/g' -e 's/ port [0-9]* / port N /' \
        -e 's/[0-9][0-9]* connections/N connections/' <<<"$1" |
        grep -v 'refused connections beyond'
}
refusals() { # NAME AFTER: Exim's refusals for too many connections
    tail -n "+$(($2 + 1))" "$(ex_log "$WORK/$1")" | grep -c 'refused: too many connections'
}
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(port rsa)" -t 60 --parallel 4 --ciphers
rsa_out=$OUT rsa_rc=$RC
t_unlike "$LINE1" 'incomplete' "rsa: a complete table"
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(port rsa)" -t 60 --parallel 4 --ciphers --raw-only
rsa_raw=$OUT rsa_raw_rc=$RC
t_unlike "$LINE1" 'incomplete' "rsa (raw): a complete table"
t_is "$(pairs "$rsa_raw")" "$(pairs "$rsa_out")" "rsa: the same table by raw probes and by handshakes"

start limit "$c/rsa2048.pem" 'smtp_accept_max = 100' 'smtp_accept_max_per_host = 2'
p=$(port limit)
n0=$(wc -l <"$(ex_log "$WORK/limit")")
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -t 60 --ciphers
t_is "$RC" "$rsa_rc" "limit 2: the exit status of the unlimited server"
t_is "$(pairs "$OUT")" "$(pairs "$rsa_out")" "limit 2: the whole suite table of the unlimited server"
t_unlike "$LINE1" 'incomplete' "limit 2: a complete table"
t_like "$OUT" '^\[OK\] the server refused connections beyond [12] at once \(.*\): parallelism lowered from 8 to [12]' \
    "limit 2: check_tls_protocol reports the limit it met"
t_isnt "$(refusals limit "$n0")" 0 "limit 2: Exim refused connections (its log says so)"

pf=$WORK/peers.conf
: >"$pf"
for s in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 AES128-SHA AES256-SHA \
    ECDHE-RSA-AES128-SHA ECDHE-RSA-CHACHA20-POLY1305 AES128-GCM-SHA256 DHE-RSA-AES128-SHA; do
    printf '[%s]\nprotocols = TLSv1.2\nciphers = %s\n\n' "$s" "$s" >>"$pf"
done
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port rsa)" -t 60 -f "$pf"
rc0=$RC out0=$OUT
t_is "$RC" 0 "peers, unlimited: OK"
n0=$(wc -l <"$(ex_log "$WORK/limit")")
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$p" -t 60 -f "$pf"
t_is "$RC" "$rc0" "peers, limit 2: the exit status of the unlimited server"
t_is "$(plain "$OUT")" "$(plain "$out0")" "peers, limit 2: the same answer"
t_diag "peers, limit 2: Exim refused $(refusals limit "$n0") connections"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$(port rsa)" -t 60 --require=none "${CA[@]}"
rc0=$RC out0=$OUT
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$p" -t 60 --require=none "${CA[@]}"
t_is "$RC" "$rc0" "cert, limit 2: the exit status of the unlimited server"
t_is "$(plain "$OUT")" "$(plain "$out0")" "cert, limit 2: the same answer"

# Exim's default smtp_accept_max = 20 (set here as it is by default) and
# more probes at once than that (raw probes, whose dropped connections
# leave Exim's children busy a while longer): Exim refuses with 421. The
# whole table, or a first line that says it is incomplete; never a short
# table without saying so.
start pileup "$c/rsa2048.pem" 'smtp_accept_max = 20'
n0=$(wc -l <"$(ex_log "$WORK/pileup")")
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$(port pileup)" -t 60 --parallel 64 --raw-only --ciphers
t_isnt "$(refusals pileup "$n0")" 0 "pile-up: Exim refused connections (too many at once)"
if [[ $LINE1 == *incomplete* ]]; then
    t_isnt "$RC" 0 "pile-up: an incomplete table is not OK"
    t_pass "pile-up: the first line says the table is incomplete"
else
    t_is "$(pairs "$OUT")" "$(pairs "$rsa_raw")" \
        "pile-up: without 'incomplete' in the first line, the whole table"
    t_is "$RC" "$rsa_raw_rc" "pile-up: the exit status of the unlimited server"
fi

# ---------------------------------------------------------------- slow banner
start slow "$c/rsa2048.pem" 'acl_smtp_connect = slow'
p=$(port slow)
t0=$SECONDS
mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -t 10 --ciphers
t_diag "slow banner: --ciphers -t 10 took $((SECONDS - t0)) s: $LINE1"
if [[ $LINE1 == *incomplete* ]]; then
    t_is "$RC" 2 "slow banner: incomplete, the timeout state (CRITICAL)"
    t_like "$LINE1" '^TLS PROTOCOL CRITICAL - .*table incomplete \(timeout\)' \
        "slow banner: the first line says the table is incomplete by the timeout"
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$p" -t 10 --ciphers --timeout-result=UNKNOWN
    if [[ $LINE1 == *incomplete* ]]; then
        t_is "$RC" 3 "slow banner: --timeout-result=UNKNOWN gives UNKNOWN"
    else
        t_is "$(pairs "$OUT")" "$(pairs "$rsa_out")" "slow banner (2nd run): the whole table"
    fi
else
    t_is "$(pairs "$OUT")" "$(pairs "$rsa_out")" "slow banner: complete, the whole table"
    t_is "$RC" "$rsa_rc" "slow banner: complete, the exit status of the fast server"
    t_pass "slow banner: (the run fitted the deadline)"
fi

# ---------------------------------------------------------------- peers
# The negotiated "VERSION SUITE" of the latest TLS session in an Exim log
# after line AFTER, in OpenSSL's names (Exim logs the standard names).
negotiated() { # NAME AFTER
    local log v std
    log=$(ex_log "$WORK/$1")
    for _ in $(seq 50); do
        read -r v std < <(tail -n "+$(($2 + 1))" "$log" |
            sed -n 's/.* mxtls-tls \(TLS[0-9.]*\) \([A-Z0-9_]*\)$/\1 \2/p' | tail -n 1)
        [ -n "${std:-}" ] && break
        sleep 0.1
    done
    [ -n "${std:-}" ] || return 0
    if [ "$v" = TLS1.3 ]; then
        # Exim 4.96 with GnuTLS names a TLS 1.3 session's suite as if it
        # were TLS 1.2 (TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384): its cipher
        # part is the TLS 1.3 suite
        std=${std#*_WITH_}
        case $std in
        AES_128_CCM | AES_128_CCM_8) std=${std}_SHA256 ;;
        esac
        std=TLS_$std
    else
        std=$(openssl ciphers -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' |
            awk -v s="$std" '$1 == s {print $3; exit}')
    fi
    echo "${v/TLS/TLSv} $std"
}
predicted() { # OUT of check_tls_peers -> "VERSION SUITE"
    sed -n 's/^\[OK\] [^:]*: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p' <<<"$1"
}
replay() { # NAME SERVICE AFTER
    local name=$1 svc=$2 real
    real=$(negotiated "$svc" "$3")
    t_isnt "$real" "" "$name: Exim logged the negotiated version and suite"
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$(port "$svc")" -t 30 \
        --peer-name="$name" --peer-clienthello="$WORK/$name.pcap"
    t_is "$RC" 0 "$name: replayed against Exim ($svc), the peer negotiates"
    t_is "$(predicted "$OUT")" "$real" "$name: predicted version and suite = what $name negotiated"
}
lines() { wc -l <"$(ex_log "$WORK/$1")"; }

for svc in dual triple secure; do
    before=$(lines "$svc")
    mx_capture_start "$WORK/swaks-$svc.pcap" "$(port "$svc")"
    timeout 20 swaks --server "127.0.0.1:$(port "$svc")" --tls --quit-after HELO >/dev/null 2>&1
    mx_capture_stop
    cp "$WORK/swaks-$svc.pcap" "$WORK/swaks.pcap"
    replay swaks "$svc" "$before"

    before=$(lines "$svc")
    mx_capture_start "$WORK/gnutls.pcap" "$(port "$svc")"
    printf 'EHLO client.example.test\r\nQUIT\r\n' | timeout 20 gnutls-cli --insecure \
        --starttls-proto=smtp --port "$(port "$svc")" 127.0.0.1 >/dev/null 2>&1
    mx_capture_stop
    replay gnutls "$svc" "$before"

    before=$(lines "$svc")
    mx_capture_start "$WORK/openssl.pcap" "$(port "$svc")"
    printf 'EHLO client.example.test\r\nQUIT\r\n' | timeout 20 openssl s_client -ign_eof \
        -connect "127.0.0.1:$(port "$svc")" -starttls smtp >/dev/null 2>&1
    mx_capture_stop
    replay openssl "$svc" "$before"
done

# The contrib peers and single suite lists, each compared with openssl
# s_client configured the same way: the same version and suite, or both
# fail.
real_sclient() { # PORT ARGS... -> "VERSION SUITE" or nothing
    echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$1" "${SMTP[@]}" "${@:2}" 2>/dev/null |
        tg_sclient_result
}
appl=(-tls1_2 -cipher 'ECDHE-RSA-AES128-SHA:AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0'
    -groups P-256:P-384 -sigalgs 'RSA+SHA256:RSA+SHA1:RSA+SHA384')
for svc in rsa ecdsa dual triple secure; do
    p=$(port "$svc")
    mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$p" -t 30 -f "$MXTLS_SRCDIR/contrib/peers.conf.example"
    for peer in arz appliance; do
        if [ "$peer" = arz ]; then
            real=$(real_sclient "$p" -tls1_2 -cipher "$MX_BANK_SUITES")
        else
            real=$(real_sclient "$p" "${appl[@]}")
        fi
        got=$(sed -n "s/^\[OK\] $peer: \(TLSv[0-9.]*\) \([^ ,]*\),.*/\1 \2/p" <<<"$OUT")
        t_is "$got" "$real" "contrib $peer vs $svc: predicted = openssl s_client (empty: both fail)"
        if [ -z "$real" ]; then
            t_like "$OUT" "^\\[(CRITICAL|WARNING)\\] $peer: " "contrib $peer vs $svc: fails as s_client does"
        fi
    done
    for s in ECDHE-ECDSA-AES128-GCM-SHA256 DHE-RSA-AES256-GCM-SHA384 AES128-SHA CAMELLIA256-SHA; do
        real=$(real_sclient "$p" -tls1_2 -cipher "$s:@SECLEVEL=0")
        mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$p" -t 30 --peer-name=x \
            --peer-protocols=TLSv1.2 --peer-ciphers="$s"
        t_is "$(predicted "$OUT")" "$real" "--peer-ciphers=$s vs $svc: predicted = openssl s_client"
        if [ -z "$real" ]; then
            t_is "$RC" 2 "--peer-ciphers=$s vs $svc: CRITICAL, as s_client fails"
        fi
    done
done
t_done
