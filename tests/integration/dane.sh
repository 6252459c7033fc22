#!/bin/bash
# dane.sh - check_tls_cert --dane against a real Postfix on loopback and a
# real authoritative DNS server (Knot DNS, tests/lib/dns.sh) serving a
# zone signed with ldns-signzone; the validator gets the zone's key as
# its trust anchor (--dns-anchor) and asks that server (--dns-server).
#
# Postfix services: dual (RSA 2048 + ECDSA P-256), triple (+ Ed25519),
# soon (RSA 2048 expiring in 5 days); each also on ::1 when IPv6 loopback
# works, and every test host name has A 127.0.0.1 (and AAAA ::1), so that
# every address is checked. TLSA sets in every variant: 3 1 1, 3 0 1,
# 3 1 2, 3 1 0, 3 0 0, 2 1 1 for the intermediate CA (and for the root,
# which Postfix does not present, and on a name the chain does not
# cover), PKIX usages only, matching all / some / none of the
# certificates, a bogus signature, an unsigned delegated zone, a name
# without TLSA. Each certificate's verdict is compared with openssl
# s_client -dane_tlsa_domain/-dane_tlsa_rrdata on the same port, one
# handshake per certificate. Bad DNS (a server that stays silent, one
# that answers SERVFAIL, a wrong trust anchor) ends with the right state.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/dns.sh
. "$MXTLS_SRCDIR/tests/lib/dns.sh"
# shellcheck source=../lib/mtasts.sh
. "$MXTLS_SRCDIR/tests/lib/mtasts.sh"
mx_init
mx_need_postfix
mx_require knotd=knot kdig=knot-dnsutils ldns-signzone=ldnsutils \
    ldns-keygen=ldnsutils ss=iproute2 nginx=nginx-light curl=curl
mx_certs

c=$CERTS
ipv6=0
if pf_has_ipv6; then
    ipv6=1
fi
PF_IPV6=$ipv6 pf_start "$WORK/pf" \
    "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
    "0:triple:$c/rsa2048.pem,$c/ecdsa-p256.pem,$c/ed25519.pem" \
    "0:soon:$c/expiring-soon.pem" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
PD=$(pf_port "$WORK/pf" dual)
PT=$(pf_port "$WORK/pf" triple)
PS=$(pf_port "$WORK/pf" soon)

# ---- TLSA data from the certificates -----------------------------------
tlsa() { dns_tlsa "$@"; }
RSA=$c/rsa2048.crt
EC=$c/ecdsa-p256.crt
SOON=$c/expiring-soon.crt
INT=$c/intermediate.crt
ROOT=$c/ca.pem
OTHER=$c/ed448.crt # a key no service presents: a "next" key

# ---- the zone ------------------------------------------------------------
STS_DOMAINS="enf tst enfbad none malformed ctype redirect large slow notxt badtxt twotxt"
D=$WORK/dns
Z=$WORK/signed.body
{
    # hosts: every one with the addresses of the services
    for h in mail all some none v301 v312 v310 v300 tawrong taroot pkix bogus \
        notlsa tri roll1 roll2 roll3; do
        echo "$h IN A 127.0.0.1"
        [ "$ipv6" = 1 ] && echo "$h IN AAAA ::1"
    done
    # MTA-STS: a policy domain per case, its web server on 127.1.0.25
    for dom in $STS_DOMAINS; do
        echo "mta-sts.$dom IN A 127.1.0.25"
        case $dom in
        notxt) ;;
        badtxt) echo "_mta-sts.$dom IN TXT \"v=STSv1; id=not-alnum\"" ;;
        twotxt)
            echo "_mta-sts.$dom IN TXT \"v=STSv1; id=1\""
            echo "_mta-sts.$dom IN TXT \"v=STSv1; id=2\""
            ;;
        *) echo "_mta-sts.$dom IN TXT \"v=STSv1; id=20261203\"" ;;
        esac
    done
    # a second IPv4 address where nothing listens
    echo "twoaddr IN A 127.0.0.1"
    echo "twoaddr IN A 127.0.0.2"
    echo "_$PD._tcp.twoaddr IN TLSA $(tlsa 3 1 1 "$RSA")"
    echo "_$PD._tcp.twoaddr IN TLSA $(tlsa 3 1 1 "$EC")"
    echo "_$PD._tcp.all IN TLSA $(tlsa 3 1 1 "$RSA")"
    echo "_$PD._tcp.all IN TLSA $(tlsa 3 1 1 "$EC")"
    echo "_$PD._tcp.some IN TLSA $(tlsa 3 1 1 "$RSA")"
    echo "_$PD._tcp.none IN TLSA $(tlsa 3 1 1 "$OTHER")"
    echo "_$PD._tcp.v301 IN TLSA $(tlsa 3 0 1 "$RSA")"
    echo "_$PD._tcp.v301 IN TLSA $(tlsa 3 0 1 "$EC")"
    echo "_$PD._tcp.v312 IN TLSA $(tlsa 3 1 2 "$RSA")"
    echo "_$PD._tcp.v312 IN TLSA $(tlsa 3 1 2 "$EC")"
    echo "_$PD._tcp.v310 IN TLSA $(tlsa 3 1 0 "$RSA")"
    echo "_$PD._tcp.v310 IN TLSA $(tlsa 3 1 0 "$EC")"
    echo "_$PD._tcp.v300 IN TLSA $(tlsa 3 0 0 "$RSA")"
    echo "_$PD._tcp.v300 IN TLSA $(tlsa 3 0 0 "$EC")"
    echo "_$PD._tcp.mail IN TLSA $(tlsa 2 1 1 "$INT")"
    echo "_$PD._tcp.tawrong IN TLSA $(tlsa 2 1 1 "$INT")"
    echo "_$PD._tcp.taroot IN TLSA $(tlsa 2 1 1 "$ROOT")"
    echo "_$PD._tcp.pkix IN TLSA $(tlsa 0 0 1 "$ROOT")"
    echo "_$PD._tcp.pkix IN TLSA $(tlsa 1 1 1 "$RSA")"
    # signed with another key's digest, then given the right one below
    echo "_$PD._tcp.bogus IN TLSA $(tlsa 3 1 1 "$OTHER")"
    echo "_$PT._tcp.tri IN TLSA $(tlsa 3 1 1 "$RSA")"
    echo "_$PT._tcp.tri IN TLSA $(tlsa 3 1 1 "$EC")"
    echo "_$PS._tcp.roll1 IN TLSA $(tlsa 3 1 1 "$SOON")"
    echo "_$PS._tcp.roll2 IN TLSA $(tlsa 3 1 1 "$SOON")"
    echo "_$PS._tcp.roll2 IN TLSA $(tlsa 3 1 1 "$OTHER")"
    echo "_$PS._tcp.roll3 IN TLSA $(tlsa 3 0 1 "$SOON")"
    # aliases (RFC 7672 2.2.2), each with TLSA records for both keys at
    # its own name: a signed CNAME to a name with TLSA for RSA only, one
    # to a name without TLSA, one into the unsigned zone
    echo "cnexp IN CNAME some.example.test."
    echo "cnorig IN CNAME notlsa.example.test."
    echo "cnins IN CNAME mail.unsigned.example.test."
    for h in cnexp cnorig cnins; do
        echo "_$PD._tcp.$h IN TLSA $(tlsa 3 1 1 "$RSA")"
        echo "_$PD._tcp.$h IN TLSA $(tlsa 3 1 1 "$EC")"
    done
} >"$Z"
cat >"$WORK/unsigned.body" <<EOF
mail IN A 127.0.0.1
_$PD._tcp.mail IN TLSA $(tlsa 3 1 1 "$RSA")
EOF
good=$(tlsa 3 1 1 "$RSA" | cut -d' ' -f4)
bad=$(tlsa 3 1 1 "$OTHER" | cut -d' ' -f4)
# the bogus record: signed with another key's digest, then given the RSA's
mx_at_exit "dns_stop '$D'"
dns_test_zones "$D" "$Z" "$WORK/unsigned.body" "_$PD._tcp.bogus" "$bad" "$good" ||
    t_bail "cannot serve the test zones"
DNSP=$(dns_port "$D")
ANCHOR=$(dns_anchor "$D" example.test)
DNS=(--dns-anchor="$ANCHOR" --dns-server="127.0.0.1@$DNSP")
NADDR=$((1 + ipv6))

dane() { # HOST PORT [OPTIONS...]
    local h=$1 p=$2
    shift 2
    # names and trust are not what DANE-EE looks at
    mx_run "$CHECK_TLS_CERT" -H "$h" -p "$p" --require=none --trust=ok \
        --name=ok --dane "${DNS[@]}" -t 30 "$@"
}

# ---- openssl s_client, one handshake per certificate ---------------------
# sclient_dane PORT BASE SIGALGS RR...: "ok" when OpenSSL's DANE check of
# the certificate the server presents for SIGALGS passes; DANE-EE without
# name checks (RFC 7672 3.1.1, as Postfix sets it).
sclient_dane() {
    local p=$1 base=$2 sig=$3 rr out
    shift 3
    local -a args=()
    for rr in "$@"; do
        args+=(-dane_tlsa_rrdata "$rr")
    done
    out=$(echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
        -starttls smtp -tls1_3 -sigalgs "$sig" -dane_tlsa_domain "$base" \
        -dane_ee_no_namechecks \
        "${args[@]}" 2>&1)
    if grep -q 'Verify return code: 0 (ok)' <<<"$out"; then
        echo ok
    else
        echo fail
    fi
}
RSA_SIG=rsa_pss_rsae_sha256:rsa_pss_rsae_sha384
EC_SIG=ecdsa_secp256r1_sha256
ED_SIG=ed25519
# plugin_dane LABEL: "ok" when the plugin says the certificate LABEL
# matches a record at 127.0.0.1, "fail" when it matches none there.
plugin_dane() {
    local block
    block=$(sed -n '/^ *\[[A-Z]*\] 127\.0\.0\.1 port/,/^ *\[[A-Z]*\] [0-9:]* port\|^ *\[[A-Z]*\] [0-9] [0-9] [0-9] /p' <<<"$OUT")
    if grep -q "] $1: matches [0-9] [0-9] [0-9]" <<<"$block"; then
        echo ok
    elif grep -q "] $1: matches no usable TLSA record" <<<"$block"; then
        echo fail
    else
        echo "absent"
    fi
}
# compare HOST PORT LABEL SIGALGS: the plugin's verdict for LABEL equals
# openssl s_client's with the same records (from the zone file).
compare() {
    local h=$1 p=$2 label=$3 sig=$4 base rrs
    base=$h.example.test
    mapfile -t rrs < <(sed -n "s/^_$p\._tcp\.$h IN TLSA //p" "$Z")
    t_is "$(plugin_dane "$label")" "$(sclient_dane "$p" "$base" "$sig" "${rrs[@]}")" \
        "$h: $label verdict equals openssl s_client -dane_tlsa_rrdata"
}

# ---- TLSA matching all, some, none ---------------------------------------
dane all.example.test "$PD"
t_is "$RC" 0 "all: both certificates match 3 1 1: OK"
t_like "$LINE1" "^TLS CERT OK - ECDSA P-256 and RSA 2048; .*; DANE: $((2 * NADDR)) of $((2 * NADDR)) certificates match TLSA \|" \
    "all: first line counts the matched certificates over every address"
t_like "$LINE1" "dane_matched=$((2 * NADDR));;;0;$((2 * NADDR)) dane_days=[0-9.]+;30:;14:" \
    "all: perfdata dane_matched and dane_days"
t_like "$OUT" '\[OK\] DANE: TLSA _[0-9]+\._tcp\.all\.example\.test: secure' \
    "all: the TLSA answer was validated (secure)"
t_like "$OUT" '\[OK\] 127\.0\.0\.1 port [0-9]+: 2 certificates' "all: 127.0.0.1 checked"
if [ "$ipv6" = 1 ]; then
    t_like "$OUT" '\[OK\] ::1 port [0-9]+: 2 certificates' "all: ::1 checked too"
else
    t_pass "all: no IPv6 loopback here, ::1 not checked"
fi
compare all "$PD" "RSA 2048" "$RSA_SIG"
compare all "$PD" "ECDSA P-256" "$EC_SIG"

dane twoaddr.example.test "$PD"
t_is "$RC" 2 "two addresses, nothing on 127.0.0.2: CRITICAL"
t_like "$OUT" '\[OK\] 127\.0\.0\.1 port [0-9]+: 2 certificates' \
    "two addresses: 127.0.0.1 checked and matching"
t_like "$OUT" '\[CRITICAL\] 127\.0\.0\.2 port [0-9]+: 0 certificates' \
    "two addresses: 127.0.0.2 checked too, and it fails"
t_like "$LINE1" '127\.0\.0\.2' "two addresses: the first line names the failing address"

dane some.example.test "$PD"
t_is "$RC" 2 "some: TLSA covers only RSA: CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - the ECDSA P-256 certificate matches no TLSA record: DANE senders defer mail \|' \
    "some: first line names the ECDSA certificate"
t_like "$OUT" '\[CRITICAL\] ECDSA P-256: matches no usable TLSA record of _[0-9]+\._tcp\.some\.example\.test: DANE senders that get it defer mail' \
    "some: the long output says who defers"
t_like "$LINE1" "dane_matched=$NADDR;;;0;$((2 * NADDR)) " "some: perfdata counts the RSA certificates"
compare some "$PD" "RSA 2048" "$RSA_SIG"
compare some "$PD" "ECDSA P-256" "$EC_SIG"

dane none.example.test "$PD"
t_is "$RC" 2 "none: no certificate matches: CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - matches no TLSA record \((ECDSA P-256, RSA 2048|RSA 2048, ECDSA P-256)\)' \
    "none: first line names both certificates"
t_like "$OUT" '\[OK\] 3 1 1 [0-9a-f.]+: matches no presented certificate' \
    "none: the record is listed as matching nothing"
compare none "$PD" "RSA 2048" "$RSA_SIG"
compare none "$PD" "ECDSA P-256" "$EC_SIG"

dane tri.example.test "$PT"
t_is "$RC" 2 "triple: TLSA for RSA and ECDSA, not Ed25519: CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - the Ed25519 certificate matches no TLSA record' \
    "triple: first line names the Ed25519 certificate"
compare tri "$PT" "Ed25519" "$ED_SIG"
compare tri "$PT" "ECDSA P-256" "$EC_SIG"

# ---- aliases: the TLSA base domain after CNAMEs (RFC 7672 2.2.2) ----------
dane cnexp.example.test "$PD"
t_is "$RC" 2 "signed CNAME to some: the expanded name's TLSA (RSA only) is used: CRITICAL"
t_like "$OUT" '\[CRITICAL\] DANE: TLSA _[0-9]+\._tcp\.some\.example\.test: secure' \
    "signed CNAME: the TLSA name asked and used is the expanded one"
t_like "$OUT" 'TLSA name _[0-9]+\._tcp\.some\.example\.test: the CNAME-expanded name of cnexp\.example\.test \(signed CNAME\), asked before the original name' \
    "signed CNAME: the long output says which TLSA name and why"
t_like "$LINE1" 'the ECDSA P-256 certificate matches no TLSA record' \
    "signed CNAME: the ECDSA certificate fails against the expanded name's records"
compare some "$PD" "RSA 2048" "$RSA_SIG"
compare some "$PD" "ECDSA P-256" "$EC_SIG"
dane cnorig.example.test "$PD"
t_is "$RC" 0 "signed CNAME to a name without TLSA: the original name's records: OK"
t_like "$OUT" 'TLSA name _[0-9]+\._tcp\.cnorig\.example\.test: cnorig\.example\.test is an alias of notlsa\.example\.test \(signed CNAME\), which has no TLSA records, so the original name is used' \
    "CNAME, no TLSA at the target: the original name, said so"
compare cnorig "$PD" "ECDSA P-256" "$EC_SIG"
dane cnins.example.test "$PD"
t_is "$RC" 0 "CNAME into the unsigned zone: only the original name: OK"
t_like "$OUT" '\[OK\] DANE: TLSA _[0-9]+\._tcp\.cnins\.example\.test: secure' \
    "insecure CNAME: the original name's TLSA"
t_like "$OUT" 'cnins\.example\.test is an alias of mail\.unsigned\.example\.test through a CNAME chain that is not DNSSEC-signed, so the original name is used' \
    "insecure CNAME: the long output says why the expanded name is not used"
t_like "$LINE1" '; DANE: 2 of 2 certificates match TLSA' \
    "insecure CNAME: both certificates match the original name's records"
compare cnins "$PD" "ECDSA P-256" "$EC_SIG"

# ---- every selector and matching type ------------------------------------
for v in v301 v312 v310 v300; do
    dane "$v.example.test" "$PD"
    t_is "$RC" 0 "$v: both certificates match: OK"
    compare "$v" "$PD" "RSA 2048" "$RSA_SIG"
    compare "$v" "$PD" "ECDSA P-256" "$EC_SIG"
done

# ---- DANE-TA --------------------------------------------------------------
dane mail.example.test "$PD"
t_is "$RC" 0 "2 1 1 intermediate on the certificate's name: OK"
t_like "$OUT" 'RSA 2048: matches 2 1 1 [0-9a-f.]+ \(DANE-TA: .* depth 1' \
    "2 1 1: matched through the presented intermediate"
compare mail "$PD" "RSA 2048" "$RSA_SIG"
compare mail "$PD" "ECDSA P-256" "$EC_SIG"
dane tawrong.example.test "$PD"
t_is "$RC" 2 "2 1 1 on a name the chain does not cover: CRITICAL"
t_like "$OUT" 'the chain does not verify to it: [^)]*[Hh]ostname mismatch' \
    "2 1 1 wrong name: the chain's name is why"
compare tawrong "$PD" "RSA 2048" "$RSA_SIG"
dane taroot.example.test "$PD"
t_is "$RC" 2 "2 1 1 for a root Postfix does not present: CRITICAL"
compare taroot "$PD" "RSA 2048" "$RSA_SIG"

# ---- PKIX usages ------------------------------------------------------------
dane pkix.example.test "$PD"
t_is "$RC" 1 "PKIX-TA/PKIX-EE only: WARNING (no usable record)"
t_like "$LINE1" '^TLS CERT WARNING - no usable TLSA record at _[0-9]+\._tcp\.pkix\.example\.test' \
    "pkix: first line says no usable record"
t_like "$OUT" '0 0 1 [0-9a-f.]+: unusable: PKIX-TA \(usage 0\) is unusable for SMTP' \
    "pkix: usage 0 is named unusable"
t_like "$OUT" '1 1 1 [0-9a-f.]+: unusable: PKIX-EE \(usage 1\) is unusable for SMTP' \
    "pkix: usage 1 is named unusable"

# ---- DNSSEC states ------------------------------------------------------------
dane bogus.example.test "$PD"
t_is "$RC" 2 "bogus signature: CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - TLSA records of _[0-9]+\._tcp\.bogus\.example\.test are bogus' \
    "bogus: first line says bogus"
t_unlike "$OUT" 'matches no' "bogus: the (right) data is not used"

dane mail.unsigned.example.test "$PD"
t_is "$RC" 0 "unsigned zone: OK with a note"
t_like "$OUT" '\[OK\] _[0-9]+\._tcp\.mail\.unsigned\.example\.test is not DNSSEC-signed \(insecure\)' \
    "unsigned: the note says insecure"
t_like "$LINE1" '; DANE: not signed' "unsigned: first line says not signed"
dane mail.unsigned.example.test "$PD" --dane=required
t_is "$RC" 2 "unsigned zone with --dane=required: CRITICAL"
t_like "$LINE1" 'CRITICAL - _[0-9]+\._tcp\.mail\.unsigned\.example\.test is not DNSSEC-signed' \
    "unsigned, required: first line"

dane notlsa.example.test "$PD"
t_is "$RC" 0 "no TLSA records (signed NXDOMAIN): OK with a note"
t_like "$OUT" 'no TLSA records at _[0-9]+\._tcp\.notlsa\.example\.test \(signed NXDOMAIN\)' \
    "no TLSA: the note names the signed denial"
dane notlsa.example.test "$PD" --dane=required
t_is "$RC" 2 "no TLSA records with --dane=required: CRITICAL"

# ---- rollover -----------------------------------------------------------------
dane roll1.example.test "$PS" -w 30 -c 2
t_is "$RC" 1 "rollover: expires in 5 days, only the current key: WARNING"
t_like "$OUT" 'rollover: the RSA 2048 certificate expires in [45] days and the TLSA records match only the keys in use \(3 1 1 [^)]*\): the renewal breaks DANE; publish the next key first \("3 1 1 current \+ 3 1 1 next"\), or use "2 1 1"' \
    "rollover: names the safe schemes"
dane roll2.example.test "$PS" -w 30 -c 2
t_is "$RC" 1 "rollover ready (next key published): WARNING for the expiry only"
t_unlike "$OUT" 'rollover:' "rollover ready: no rollover warning"
dane roll3.example.test "$PS" -w 30 -c 2
t_like "$OUT" 'rollover: .*a 3 0 x record changes with every new certificate' \
    "rollover 3 0 1: says the record changes at every renewal"
dane roll1.example.test "$PS" -w 3 -c 2
t_is "$RC" 0 "rollover outside the warning window: OK"

# ---- bad DNS ends within -t with the right state -------------------------------
dane some.example.test "$PD" --dns-anchor="$(dns_anchor "$D" example.test).none" 2>/dev/null
t_is "$RC" 3 "unreadable anchor file: UNKNOWN"
printf 'example.test. IN DNSKEY 257 3 13 %s\n' \
    "$(head -c 64 /dev/urandom | base64 -w0)" >"$WORK/wrong.key"
mx_run "$CHECK_TLS_CERT" -H some.example.test -p "$PD" --require=none \
    --dane --dns-anchor="$WORK/wrong.key" --dns-server="127.0.0.1@$DNSP" -t 30
t_is "$RC" 2 "a wrong trust anchor makes the answers bogus: CRITICAL"
t_like "$LINE1" 'bogus' "wrong anchor: first line says bogus"

echo "example.test SILENT" >"$WORK/bad.zone"
dns_fixture "$WORK/df" silent "$WORK/bad.zone" || t_bail "cannot start dnsfixture"
DFP=$(dns_fixture_port "$WORK/df" silent)
mx_run "$CHECK_TLS_CERT" -H some.example.test -p "$PD" --require=none \
    --dane --dns-anchor="$ANCHOR" --dns-server="127.0.0.1@$DFP" -t 3
t_is "$RC" 3 "a DNS server that never answers: UNKNOWN at the deadline"
t_like "$LINE1" '^TLS CERT UNKNOWN - DANE: no DNS answer before the deadline \(-t\) for .*TLSA.* from 127\.0\.0\.1@' \
    "silent DNS: first line names the open lookups and the server"

cat >"$WORK/fail.zone" <<EOF
example.test SERVFAIL
some.example.test SERVFAIL
_$PD._tcp.some.example.test SERVFAIL
EOF
dns_fixture "$WORK/df" servfail "$WORK/fail.zone" || t_bail "cannot start dnsfixture"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 --sni=some.example.test -p "$PD" \
    --require=none --name=ok --trust=ok --dane --dns-anchor="$ANCHOR" \
    --dns-server="127.0.0.1@$(dns_fixture_port "$WORK/df" servfail)" -t 30
t_is "$RC" 3 "SERVFAIL: UNKNOWN"
t_like "$OUT" 'TLSA lookup of _[0-9]+\._tcp\.some\.example\.test failed' \
    "SERVFAIL: the TLSA lookup failed, said so"


# ---- MTA-STS ---------------------------------------------------------------
# nginx on 127.1.0.25:443 with a private CA serves a policy per domain
# (mta-sts.DOMAIN.example.test); the plugin resolves that name through the
# test zone and is given both CAs with --ca-file.
W=$WORK/www
policy() { sts_policy "$W" "$@"; }
# shellcheck disable=SC2086 # one domain a word
sts_web_start "$W" 127.1.0.25 $STS_DOMAINS || t_bail "cannot start nginx"
cat "$c/ca.pem" "$W/ca/ca.pem" >"$W/cas.pem"
policy enf 'version: STSv1\nmode: enforce\nmx: mail.example.test\nmax_age: 604800\n'
policy tst 'version: STSv1\nmode: testing\nmx: other.example.test\nmax_age: 86400\n'
policy enfbad 'version: STSv1\nmode: enforce\nmx: *.other.test\nmax_age: 86400\n'
policy none 'version: STSv1\nmode: none\nmax_age: 86400\n'
policy malformed 'version: STSv1\nmode: enforce\nmx mail.example.test\nmax_age: 86400\n'
policy ctype 'version: STSv1\nmode: enforce\nmx: mail.example.test\nmax_age: 86400\n'
policy large "version: STSv1\nmode: enforce\nmx: mail.example.test\nmax_age: 86400\n$(head -c 70000 /dev/zero | tr '\0' 'x')"
policy slow "version: STSv1\nmode: enforce\nmx: mail.example.test\nmax_age: 86400\nx_pad: $(head -c 4000 /dev/zero | tr '\0' 'x')\n"
policy notxt 'version: STSv1\nmode: enforce\nmx: mail.example.test\nmax_age: 86400\n'
sts() { # DOMAIN [OPTIONS...]
    local dom=$1
    shift
    mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 --sni=mail.example.test -p "$PD" \
        --require=none --ca-file="$W/cas.pem" "${DNS[@]}" -t 30 \
        --mta-sts="$dom.example.test" "$@"
}
sts enf
t_is "$RC" 0 "MTA-STS enforce, host listed, certificates valid: OK"
t_like "$OUT" '\[OK\] MTA-STS enf\.example\.test: id 20261203, mode enforce, max_age 604800, mx mail\.example\.test' \
    "MTA-STS: mode, max_age, id and mx in the long output"
t_like "$OUT" 'every certificate \(2\) is valid for mail\.example\.test' \
    "MTA-STS: both certificates valid"
t_like "$LINE1" 'sts_valid=2;;;0;2' "MTA-STS: perfdata sts_valid"
sts tst
t_is "$RC" 1 "MTA-STS testing, host not listed: WARNING"
t_like "$LINE1" 'mail\.example\.test is not in the MTA-STS policy \(testing\) \|' \
    "MTA-STS testing: names the host"
sts enfbad
t_is "$RC" 2 "MTA-STS enforce, host not listed: CRITICAL"
t_like "$LINE1" 'mail\.example\.test is not in the MTA-STS policy \(enforce\): senders defer mail \|' \
    "MTA-STS enforce: senders defer"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 --sni=mail.example.test -p "$PD" \
    --require=none --ca-file="$W/ca/ca.pem" --trust=ok "${DNS[@]}" -t 30 \
    --mta-sts=enf.example.test
t_is "$RC" 2 "MTA-STS enforce, SMTP chain not trusted: CRITICAL (whatever --trust says)"
t_like "$LINE1" 'fails MTA-STS' "MTA-STS untrusted: first line"
sts none
t_is "$RC" 0 "MTA-STS mode none: OK"
t_like "$OUT" 'mode none: senders do not apply the policy' "MTA-STS none: noted"
sts notxt
t_is "$RC" 0 "MTA-STS: no TXT record, no policy: OK"
t_like "$OUT" 'MTA-STS: no policy for notxt\.example\.test' "MTA-STS notxt: noted"
sts malformed
t_is "$RC" 1 "MTA-STS: malformed policy: WARNING"
t_like "$OUT" "policy line 3: no ':' in 'mx mail\\.example\\.test'" \
    "MTA-STS malformed: names the line"
sts ctype
t_is "$RC" 1 "MTA-STS: wrong content type: WARNING"
t_like "$OUT" 'Content-Type text/html' "MTA-STS ctype: names the type"
sts redirect
t_is "$RC" 1 "MTA-STS: redirect: WARNING"
t_like "$OUT" 'a redirect \(HTTP 301 to https://mta-sts\.enf\.example\.test/\.well-known/mta-sts\.txt\), which senders do not follow' \
    "MTA-STS redirect: not followed, said so"
sts large
t_is "$RC" 1 "MTA-STS: policy over 64 KiB: WARNING"
t_like "$OUT" 'is larger than 64 KiB' "MTA-STS large: said so"
sts badtxt
t_is "$RC" 1 "MTA-STS: malformed TXT id: WARNING"
t_like "$OUT" "id 'not-alnum' has a character other than a letter or digit" \
    "MTA-STS badtxt: names the id"
sts twotxt
t_is "$RC" 1 "MTA-STS: two STSv1 TXT records: WARNING"
t_like "$OUT" '2 STSv1 TXT records at _mta-sts\.twotxt\.example\.test' \
    "MTA-STS twotxt: said so"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 --sni=mail.example.test -p "$PD" \
    --require=none --ca-file="$W/cas.pem" "${DNS[@]}" -t 4 \
    --mta-sts=slow.example.test
t_is "$RC" 1 "MTA-STS: a policy served too slowly for -t: WARNING"
t_like "$OUT" 'no complete answer before the deadline' \
    "MTA-STS slow: the deadline is named"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$PD" --mta-sts=enf.example.test "${DNS[@]}"
t_is "$RC" 3 "--mta-sts with an address and no --sni: UNKNOWN"

# ---- usage --------------------------------------------------------------------
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$PD" --dane "${DNS[@]}"
t_is "$RC" 3 "--dane with an address and no --sni: UNKNOWN"
t_like "$LINE1" '--dane needs the host.s name' "usage: says what is missing"
mx_run "$CHECK_TLS_CERT" -H 127.0.0.1 -p "$PD" --dane=maybe
t_is "$RC" 3 "--dane=maybe: UNKNOWN"

t_done
