# shellcheck shell=bash
#
# dns.sh - a private authoritative DNS server (Knot DNS) on loopback for
# the mxtls tests, serving zones signed with ldns-signzone.
#
#   . "$MXTLS_SRCDIR/tests/lib/dns.sh"
#   dns_keys DIR example.test          # a KSK and a ZSK (ECDSA P-256)
#   dns_sign DIR example.test ZONEFILE # ZONEFILE signed into
#                                      # DIR/example.test.signed
#   dns_start DIR example.test:DIR/example.test.signed \
#       unsigned.example.test:FILE ... # knotd on 127.0.0.1, a free port
#   dns_port DIR                       # that port
#   dns_anchor DIR example.test        # the zone's KSK (a DNSKEY record
#                                      # file) for --dns-anchor
#   dns_stop DIR
#   dns_tlsa USAGE SELECTOR MTYPE CERTFILE  # a TLSA record's data
#   dns_test_zones DIR SIGNED_BODY UNSIGNED_BODY [OWNER SIGNED SERVED]
#       # example.test (signed) and its unsigned delegation, served; a
#       # bogus record at OWNER
#   dns_fixture DIR NAME ZONEFILE      # tests/fixture/dnsfixture (silent,
#   dns_fixture_port DIR NAME          # SERVFAIL) and its port
#
# Everything lives under DIR: keys, signed zones, knot.conf, the server's
# database, log and pid. The server runs as root in the foreground of a
# background job; dns_stop ends it by its pid. Nothing outside DIR is
# written and the system's Knot service is not used.
#
# Functions print their reason on stderr and return 1 on failure.
#
# Needs: knotd, kdig (knot, knot-dnsutils), ldns-keygen, ldns-signzone
# (ldnsutils); dns_tlsa openssl; dns_fixture the built fixture and
# mx_at_exit (tests/lib/common.sh).

dns__say() {
    printf '# dns.sh: %s\n' "$*" >&2
}

# dns_keys DIR ZONE: make DIR/keys/ZONE.{ksk,zsk} (base names of ldns key
# pairs).
dns_keys() {
    local dir=$1 zone=$2 ksk zsk
    mkdir -p "$dir/keys" || return 1
    (
        cd "$dir/keys" || exit 1
        ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone" 2>/dev/null) || exit 1
        zsk=$(ldns-keygen -a ECDSAP256SHA256 "$zone" 2>/dev/null) || exit 1
        rm -f "$ksk.ds" "$zsk.ds"
        echo "$ksk" >"$zone.ksk"
        echo "$zsk" >"$zone.zsk"
    ) || {
        dns__say "ldns-keygen failed for $zone"
        return 1
    }
}

# dns_sign DIR ZONE FILE: sign FILE (origin ZONE) with ZONE's keys into
# DIR/ZONE.signed; signatures valid from a day ago for 30 days.
dns_sign() {
    local dir=$1 zone=$2 file=$3 ksk zsk now
    ksk=$(cat "$dir/keys/$zone.ksk") || return 1
    zsk=$(cat "$dir/keys/$zone.zsk") || return 1
    now=$(date -u +%s)
    (
        cd "$dir/keys" || exit 1
        ldns-signzone -o "$zone" -f "$dir/$zone.signed" \
            -i "$(date -u -d "@$((now - 86400))" +%Y%m%d%H%M%S)" \
            -e "$(date -u -d "@$((now + 30 * 86400))" +%Y%m%d%H%M%S)" \
            "$file" "$zsk" "$ksk"
    ) >"$dir/sign-$zone.log" 2>&1 || {
        dns__say "ldns-signzone failed for $zone: $(cat "$dir/sign-$zone.log")"
        return 1
    }
}

# dns_anchor DIR ZONE: print the path of ZONE's KSK (one DNSKEY record).
dns_anchor() {
    echo "$1/keys/$(cat "$1/keys/$2.ksk").key"
}

# dns_ds DIR ZONE: print the DS record of ZONE's KSK (SHA-256).
dns_ds() {
    (cd "$1/keys" && ldns-key2ds -n -2 "$(cat "$2.ksk").key")
}

dns__udp_free() {
    ! ss -Hlun "sport = :$1" 2>/dev/null | grep -q . &&
        ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# dns_start DIR ZONE:FILE...: serve the zones from 127.0.0.1 on a free
# port (UDP and TCP); wait until every zone answers its SOA.
dns_start() {
    local dir=$1 spec zone file port try i ok
    shift
    mkdir -p "$dir/db" || return 1
    for ((try = 0; try < 20; try++)); do
        port=$((20000 + RANDOM % 30000))
        dns__udp_free "$port" && break
    done
    {
        printf 'server:\n    listen: 127.0.0.1@%s\n    rundir: "%s"\n' \
            "$port" "$dir"
        printf '    pidfile: "%s/knot.pid"\n' "$dir"
        printf 'database:\n    storage: "%s/db"\n' "$dir"
        printf 'log:\n  - target: "%s/knot.log"\n    any: info\n' "$dir"
        printf 'template:\n  - id: default\n    storage: "%s"\n' "$dir"
        printf '    zonefile-sync: -1\n    zonefile-load: whole\n'
        printf '    journal-content: none\n'
        printf 'zone:\n'
        for spec in "$@"; do
            zone=${spec%%:*}
            file=${spec#*:}
            printf '  - domain: %s\n    file: "%s"\n' "$zone" "$file"
        done
    } >"$dir/knot.conf"
    knotd -c "$dir/knot.conf" >"$dir/knotd.out" 2>&1 &
    echo $! >"$dir/knotd.job"
    echo "$port" >"$dir/port"
    for ((i = 0; i < 100; i++)); do
        ok=1
        for spec in "$@"; do
            zone=${spec%%:*}
            kdig +short +time=1 +retry=0 @127.0.0.1 -p "$port" SOA "$zone" 2>/dev/null |
                grep -q . || ok=0
        done
        [ "$ok" = 1 ] && return 0
        kill -0 "$(cat "$dir/knotd.job")" 2>/dev/null || break
        sleep 0.1
    done
    dns__say "knotd did not serve the zones on port $port:"
    sed 's/^/#   /' "$dir/knotd.out" "$dir/knot.log" >&2 2>/dev/null
    dns_stop "$dir"
    return 1
}

dns_port() {
    cat "$1/port"
}

# dns_stop DIR: end the server started by dns_start (by its pid).
dns_stop() {
    local pid i
    [ -s "$1/knotd.job" ] || return 0
    pid=$(cat "$1/knotd.job")
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    rm -f "$1/knotd.job"
    return 0
}

# dns_tlsa USAGE SELECTOR MTYPE CERTFILE: print "U S M DATA" for the
# certificate (selector 0) or its key (1), in full (0), SHA-256 (1) or
# SHA-512 (2).
dns_tlsa() {
    local data
    case $3 in
    0) data=$(dns__der "$2" "$4" | dns__hex) ;;
    1) data=$(dns__der "$2" "$4" | openssl dgst -sha256 -binary | dns__hex) ;;
    2) data=$(dns__der "$2" "$4" | openssl dgst -sha512 -binary | dns__hex) ;;
    *) return 1 ;;
    esac
    [ -n "$data" ] || return 1
    echo "$1 $2 $3 $data"
}

dns__hex() { od -An -v -tx1 | tr -d ' \n'; }

# dns__der SELECTOR CERTFILE: the DER the selector picks
dns__der() {
    if [ "$1" = 0 ]; then
        openssl x509 -in "$2" -outform DER
    else
        openssl x509 -in "$2" -noout -pubkey | openssl pkey -pubin -outform DER
    fi
}

# dns__head ORIGIN: the SOA and NS of a test zone (served by ns.example.test)
dns__head() {
    printf '\044ORIGIN %s.\n\044TTL 300\n' "$1"
    printf '@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300\n'
    printf '@ IN NS ns.example.test.\n'
}

# dns_test_zones DIR SIGNED_BODY UNSIGNED_BODY [OWNER SIGNED SERVED]: the
# zones of the DANE and MTA-STS tests. example.test (keys made, signed)
# holds ns (127.0.0.1), the delegation of unsigned.example.test and the
# records of the file SIGNED_BODY (names relative to example.test);
# unsigned.example.test (not signed) those of the file UNSIGNED_BODY. With
# OWNER, the record data SIGNED at OWNER (relative) is replaced by SERVED
# in the signed zone: its signature no longer matches (bogus). Both zones
# are served by dns_start; dns_port and dns_anchor DIR example.test follow.
dns_test_zones() {
    local dir=$1 sbody=$2 ubody=$3 owner=${4:-} signed=${5:-} served=${6:-}
    mkdir -p "$dir" || return 1
    dns_keys "$dir" example.test || return 1
    {
        dns__head example.test
        echo "ns IN A 127.0.0.1"
        echo "unsigned IN NS ns.example.test."
        cat "$sbody"
    } >"$dir/example.test.zone" || return 1
    dns_sign "$dir" example.test "$dir/example.test.zone" || return 1
    if [ -n "$owner" ]; then
        sed -i "/^${owner//./\\.}\\.example\\.test\\./s/$signed/$served/I" \
            "$dir/example.test.signed"
        grep -qi "^${owner//./\\.}\\.example\\.test\\..*$served" \
            "$dir/example.test.signed" || {
            dns__say "cannot break the signature of $owner's record"
            return 1
        }
    fi
    {
        dns__head unsigned.example.test
        cat "$ubody"
    } >"$dir/unsigned.zone" || return 1
    dns_start "$dir" "example.test:$dir/example.test.signed" \
        "unsigned.example.test:$dir/unsigned.zone"
}

# dns_fixture DIR NAME ZONEFILE: start tests/fixture/dnsfixture answering
# as ZONEFILE says ("NAME SILENT", "NAME SERVFAIL": see the fixture) on a
# free port of 127.0.0.1, ended at exit (mx_at_exit); dns_fixture_port
# DIR NAME prints the port.
dns_fixture() {
    local dir=$1 name=$2 zone=$3 pid i
    mkdir -p "$dir" || return 1
    "$MXTLS_BUILDDIR/tests/fixture/dnsfixture" --zone "$zone" \
        --port-file "$dir/$name.port" 2>"$dir/$name.err" &
    pid=$!
    mx_at_exit "kill $pid"
    for ((i = 0; i < 100; i++)); do
        [ -s "$dir/$name.port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    dns__say "dnsfixture did not start: $(cat "$dir/$name.err")"
    return 1
}

dns_fixture_port() {
    cat "$1/$2.port"
}
