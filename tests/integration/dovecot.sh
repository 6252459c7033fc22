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

for svc in imap imaps pop3 pop3s lmtp; do
    port=$(dc_port "$WORK/dc" "$svc")
    case $svc in
    imap) sx=imap st="-starttls imap" ;;
    pop3) sx=pop3 st="-starttls pop3" ;;
    lmtp) sx=lmtp st="-starttls lmtp" ;;
    *) sx=none st="" ;;
    esac
    mx_run "$CHECK_TLS_PROTOCOL" -H 127.0.0.1 -p "$port" -S "$sx" --ciphers -t 50
    for v in TLSv1.3 TLSv1.2; do
        want=$(truth "$port" "$st" "$v")
        got=$(ours "$OUT" "$v")
        t_ok "$svc $v: openssl finds suites" test -n "$want"
        t_is "$got" "$want" "$svc $v: the suites equal one s_client per suite"
    done
    # a verdict resting on closes says so in the first line
    t_like "$LINE1" 'close the connection|incomplete|no verdict' \
        "$svc: the first line says the table rests on closes"
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
