#!/bin/bash
# dovecot.sh - check_tls_protocol --ciphers against a real private Dovecot
# 2.3 with Debian's TLS defaults (no ssl_dh: DHE suites make it close the
# connection, and it closes instead of sending alerts). The suites it
# finds per version must be the set that one openssl s_client handshake
# per candidate suite finds (the candidates: the suites this OpenSSL
# knows for that version), on IMAP STARTTLS, IMAPS, POP3, POP3S and LMTP;
# and the fallback line is there although Dovecot closes instead of
# sending alert inappropriate_fallback; check_tls_peers diagnoses a
# DHE-first client by the suite and the missing DH parameters.
# Dovecot closes without an alert on every failed handshake: TLS 1.0 and
# 1.1 (below its ssl_min_protocol), SSLv3 and SSLv2 are each "no answer
# (closed), not verified", never refused and never an error; the groups
# per version equal one s_client handshake per group; no table is
# incomplete; and the run asks fewer connections than it did.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/dovecot.sh
. "$MXTLS_SRCDIR/tests/lib/dovecot.sh"
MX_GUARD=60
CHECK_TLS_PEERS=$MXTLS_BUILDDIR/plugins/check_tls_peers
mx_init
mx_certs
[ -x "$DC_DOVECOT" ] ||
    t_bail "dovecot missing: install dovecot-imapd dovecot-pop3d dovecot-lmtpd"

dc_start "$WORK/dc" "$CERTS/rsa2048.pem" "$CERTS/ecdsa-p256.pem" ||
    t_bail "cannot start Dovecot"
mx_at_exit "dc_stop '$WORK/dc'"

# the OpenSSL names of the suites found for version V in --ciphers output
ours() {
    awk -v want="$2" '/^\[/{v=$2} v == want && /^  \[[A-Z]+\] 0x[0-9A-F]+ /{print $3}' <<<"$1" |
        sort -u
}
# one s_client handshake per suite this OpenSSL knows for version V
truth() {
    local port=$1 st=$2 v=$3 s opt sel
    case $v in
    TLSv1.3) opt=-tls1_3 sel=-ciphersuites ;;
    TLSv1.2) opt=-tls1_2 sel=-cipher ;;
    esac
    for s in $(openssl ciphers -s "$opt" 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' | tr ':' ' '); do
        if [ "$v" = TLSv1.3 ]; then
            case $s in TLS_*) ;; *) continue ;; esac
        else
            case $s in TLS_*) continue ;; esac
        fi
        # shellcheck disable=SC2086
        if timeout 10 openssl s_client -connect "127.0.0.1:$port" $st "$opt" \
            "$sel" "$s" </dev/null 2>/dev/null | grep -q "^New, .*Cipher is $s\$"; then
            echo "$s"
        fi
    done | sort -u
}

# the groups found for version V in --ciphers output, one per line
our_groups() {
    awk -v want="$2" '/^\[/{v=$2} v == want && /^  \[OK\] groups: /{sub(/^  \[OK\] groups: /, ""); sub(/ \(may be incomplete\)$/, ""); gsub(/, /, "\n"); print}' <<<"$1" |
        sort -u
}
# one s_client handshake per group (TLS 1.2: ECDHE suites, so curves)
group_truth() {
    local port=$1 st=$2 v=$3 g opt extra=
    case $v in
    TLSv1.3) opt=-tls1_3 ;;
    TLSv1.2) opt=-tls1_2 extra="-cipher ECDHE" ;;
    esac
    for g in X25519 P-256 P-384 P-521 X448 ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192; do
        # shellcheck disable=SC2086
        if timeout 10 openssl s_client -connect "127.0.0.1:$port" $st "$opt" \
            $extra -groups "$g" </dev/null 2>/dev/null | grep -q '^New, TLSv'; then
            echo "$g"
        fi
    done | sort -u
}
# does one s_client handshake at version V (-tls1_1, -tls1) complete, and
# did the server send an alert? "accepted", "alert" or "closed"
one_version() {
    local port=$1 st=$2 opt=$3 out
    # shellcheck disable=SC2086
    out=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" $st "$opt" \
        -cipher 'ALL:@SECLEVEL=0' </dev/null 2>&1)
    if grep -q '^New, TLSv' <<<"$out"; then
        echo accepted
    elif grep -qi 'alert' <<<"$out"; then
        echo alert
    else
        echo closed
    fi
}

for svc in imap imaps pop3 pop3s lmtp; do
    port=$(dc_port "$WORK/dc" "$svc")
    case $svc in
    imap) sx=imap st="-starttls imap" ;;
    pop3) sx=pop3 st="-starttls pop3" ;;
    lmtp) sx=lmtp st="-starttls lmtp" ;;
    *) sx=none st="" ;;
    esac
    before=$(grep -c 'Disconnect' "$(dc_log "$WORK/dc")")
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" -S "$sx" --ciphers -t 50
    conns=$(sed -nE 's/.* connections=([0-9]+).*/\1/p' <<<"$OUT")
    # (Dovecot writes a connection's line when it has ended: wait for it)
    for ((i = 0; i < 100; i++)); do
        after=$(grep -c 'Disconnect' "$(dc_log "$WORK/dc")")
        [ "$((after - before))" -ge "${conns:-0}" ] && break
        sleep 0.1
    done
    for v in TLSv1.3 TLSv1.2; do
        want=$(truth "$port" "$st" "$v")
        got=$(ours "$OUT" "$v")
        t_ok "$svc $v: openssl finds suites" test -n "$want"
        t_is "$got" "$want" "$svc $v: the suites equal one s_client per suite"
        want=$(group_truth "$port" "$st" "$v")
        got=$(our_groups "$OUT" "$v")
        t_ok "$svc $v: openssl finds groups" test -n "$want"
        t_is "$got" "$want" "$svc $v: the groups equal one s_client per group"
    done
    # TLS 1.1 and 1.0: one s_client handshake each fails without an alert,
    # and the plugin says no answer (closed), not refused, not an error
    for v in TLSv1.1:-tls1_1 TLSv1.0:-tls1; do
        t_is "$(one_version "$port" "$st" "${v#*:}")" closed \
            "$svc ${v%%:*}: one s_client handshake is closed without an alert"
        t_like "$OUT" "^\\[OK\\] ${v%%:*} not accepted: no answer \\(closed\\): the server closed the connection without an alert, to a complete handshake and to a raw ClientHello; no handshake completed, no alert$" \
            "$svc ${v%%:*}: not accepted, no answer (closed)"
    done
    for v in SSLv3 SSLv2; do
        t_like "$OUT" "^\\[OK\\] $v not accepted: no answer \\(closed\\): the server closed the connection without an alert, twice; no handshake completed, no alert$" \
            "$svc $v: not accepted, no answer (closed), OK below the minimum"
    done
    t_unlike "$OUT" 'refused: server closed|table incomplete|^\[CRITICAL\]' \
        "$svc: no close is taken as a refusal or an error"
    # versions that only close are not accepted: Debian's Dovecot is OK
    t_is "$RC" 0 "$svc: OK (what only closes is not accepted)"
    t_like "$LINE1" '^TLS PROTOCOL OK - TLSv1\.3, TLSv1\.2 accepted; [0-9]+ suites close the connection \(neither accepted nor refused\) \| ' \
        "$svc: the first line names the versions accepted"
    # the connections the run opened, as Dovecot's log counts them
    t_is "$((after - before))" "$conns" "$svc: the connections counted equal Dovecot's log"
    t_diag "$svc: $conns connections for --ciphers"
    # once the server is known to close, the suites left that close
    # together are asked one at a time: about one connection per suite
    # accepted or closing (halving each closing suite out took 393 here)
    nfound=$(grep -cE '^  \[[A-Z]+\] 0x[0-9A-F]+ ' <<<"$OUT")
    nclose=$(sed -nE 's/^  \[OK\] ([0-9]+) suites? close the connection when offered alone.*/\1/p' <<<"$OUT" |
        awk '{n += $1} END {print n + 0}')
    t_ok "$svc: $conns connections, at most two per suite found or closing ($nfound, $nclose) and 40" \
        test "$conns" -le $((2 * (nfound + nclose) + 40))
    # the order: s_client with two accepted TLS 1.2 suites, both ways
    pair=ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384
    rpair=ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256
    # shellcheck disable=SC2086
    a=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" $st -tls1_2 \
        -cipher "$pair" </dev/null 2>/dev/null | sed -n 's/^New, TLSv1.2, Cipher is //p')
    # shellcheck disable=SC2086
    b=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" $st -tls1_2 \
        -cipher "$rpair" </dev/null 2>/dev/null | sed -n 's/^New, TLSv1.2, Cipher is //p')
    t_is "$a $b" "${pair%%:*} ${rpair%%:*}" "$svc: s_client gets its first suite either way"
    t_is "$(awk '/^\[/{v=$2} v == "TLSv1.2" && /order decides/' <<<"$OUT")" \
        "  [OK] the client's order decides" "$svc TLSv1.2: the client's order decides"
    # TLS_FALLBACK_SCSV: one s_client handshake at TLS 1.2 with it is closed
    # without an alert
    # shellcheck disable=SC2086
    t_nok "$svc: s_client -fallback_scsv -tls1_2 is not accepted" \
        bash -c "timeout 10 openssl s_client -connect 127.0.0.1:$port $st -tls1_2 \
            -fallback_scsv </dev/null 2>&1 | grep -qE '^New, TLSv|alert'"

    # Dovecot answers TLS_FALLBACK_SCSV by closing, not with alert 86
    t_like "$OUT" '^\[OK\] TLS_FALLBACK_SCSV honoured \(the server closes the connection instead' \
        "$svc: the fallback line says honoured, by a close"
done

# A DHE-first client really fails against Dovecot without ssl_dh (the
# real client's handshake says so), and check_tls_peers names the DHE
# suite and the missing DH parameters, as an inference from the close.
port=$(dc_port "$WORK/dc" imap)
dhe_first=DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384
t_nok "a DHE-first openssl client fails on IMAP STARTTLS" \
    bash -c "openssl s_client -connect 127.0.0.1:$port -starttls imap -tls1_2 \
        -cipher $dhe_first </dev/null 2>/dev/null | grep -q '^New, TLSv'"
mx_run "$CHECK_TLS_PEERS" -H 127.0.0.1 -p "$port" -S imap \
    --peer-ciphers="$dhe_first" --peer-protocols=TLSv1.2
t_is "$RC" 2 "DHE-first peer: CRITICAL, as the real client fails"
t_like "$OUT" 'closed the connection without an alert .*offers DHE-RSA-AES256-GCM-SHA384 first.*no DH parameters \(an inference from the close.*ssl_dh = </etc/dovecot/dh\.pem' \
    "DHE-first peer: the diagnosis names the DHE suite and the DH parameters"
t_done
