# shellcheck shell=bash
#
# dovecot.sh - a private Dovecot 2.3 instance on loopback for the mxtls
# integration tests: its own configuration directory and base_dir under
# DIR, free ports, the test certificates, and Debian's TLS defaults
# (ssl_min_protocol TLSv1.2, Debian's ssl_cipher_list, no ssl_dh), so that
# it behaves as a freshly installed Dovecot does.
#
#   . "$top_srcdir/tests/lib/dovecot.sh"
#   dc_start DIR RSA_PEM ECDSA_PEM [EXTRA_CONF_LINE...]
#   port=$(dc_port DIR imap)     # imap imaps pop3 pop3s lmtp
#   dc_stop DIR
#
# Each PEM holds a private key followed by its certificate chain (as made
# by tests/certs/mkcerts.sh). dc_start returns 1 and prints the reason and
# the log's tail as "# " lines on stderr when the instance does not come
# up. The system's Dovecot service is not used.

# shellcheck source=postfix.sh
. "$(dirname "${BASH_SOURCE[0]}")/postfix.sh"

DC_DOVECOT=${DC_DOVECOT:-/usr/sbin/dovecot}

dc__say() {
    local l
    while IFS= read -r l; do printf '# %s\n' "$l" >&2; done <<<"$*"
}

dc_start() {
    local d=$1 rsa=$2 ecdsa=$3 p i ports name
    shift 3
    [ -x "$DC_DOVECOT" ] || {
        dc__say "dovecot not installed (packages dovecot-imapd dovecot-pop3d dovecot-lmtpd)"
        return 1
    }
    mkdir -p "$d/etc" "$d/run" "$d/mail"
    chmod 755 "$d" "$d/run"
    # the key and the certificate of each PEM, as Dovecot wants them apart
    for p in rsa ecdsa; do
        [ "$p" = rsa ] && i=$rsa || i=$ecdsa
        if ! openssl pkey -in "$i" -out "$d/etc/$p.key" 2>/dev/null ||
            ! openssl crl2pkcs7 -nocrl -certfile "$i" 2>/dev/null |
            openssl pkcs7 -print_certs 2>/dev/null |
                grep -v -e '^subject=' -e '^issuer=' -e '^$' >"$d/etc/$p.crt"; then
            dc__say "cannot split $i"
            return 1
        fi
    done
    mapfile -t ports < <(pf_free_ports 5) || return 1
    i=0
    for name in imap imaps pop3 pop3s lmtp; do
        echo "${ports[$i]}" >"$d/$name.port"
        i=$((i + 1))
    done
    {
        echo "base_dir = $d/run"
        echo "state_dir = $d/run/state"
        echo "protocols = imap pop3 lmtp"
        echo "listen = 127.0.0.1"
        echo "log_path = $d/dovecot.log"
        echo "default_internal_user = dovecot"
        echo "default_login_user = dovenull"
        echo "mail_location = maildir:$d/mail/%u"
        echo "auth_mechanisms = plain"
        echo "passdb {"
        echo "  driver = static"
        echo "  args = nopassword=y"
        echo "}"
        echo "userdb {"
        echo "  driver = static"
        echo "  args = uid=nobody gid=nogroup home=$d/mail/%u"
        echo "}"
        echo "ssl = yes"
        echo "ssl_cert = <$d/etc/rsa.crt"
        echo "ssl_key = <$d/etc/rsa.key"
        echo "ssl_alt_cert = <$d/etc/ecdsa.crt"
        echo "ssl_alt_key = <$d/etc/ecdsa.key"
        # Debian's defaults (10-ssl.conf and the package's build)
        echo "ssl_min_protocol = TLSv1.2"
        echo "ssl_cipher_list = ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH"
        echo "service imap-login {"
        echo "  inet_listener imap {"
        echo "    port = ${ports[0]}"
        echo "  }"
        echo "  inet_listener imaps {"
        echo "    port = ${ports[1]}"
        echo "    ssl = yes"
        echo "  }"
        echo "}"
        echo "service pop3-login {"
        echo "  inet_listener pop3 {"
        echo "    port = ${ports[2]}"
        echo "  }"
        echo "  inet_listener pop3s {"
        echo "    port = ${ports[3]}"
        echo "    ssl = yes"
        echo "  }"
        echo "}"
        echo "service lmtp {"
        echo "  unix_listener lmtp {"
        echo "    mode = 0600"
        echo "  }"
        echo "  inet_listener lmtp {"
        echo "    address = 127.0.0.1"
        echo "    port = ${ports[4]}"
        echo "  }"
        echo "}"
        echo "lmtp_save_to_detail_mailbox = no"
        for i in "$@"; do echo "$i"; done
    } >"$d/etc/dovecot.conf"
    if ! "$DC_DOVECOT" -c "$d/etc/dovecot.conf" >"$d/start.out" 2>&1; then
        dc__say "dovecot did not start: $(cat "$d/start.out")"
        return 1
    fi
    for ((i = 0; i < 100; i++)); do
        sleep 0.1
        for name in imap imaps pop3 pop3s lmtp; do
            pf__port_in_use "$(cat "$d/$name.port")" || continue 2
        done
        return 0
    done
    dc__say "dovecot does not listen: $(tail -n 20 "$d/dovecot.log" 2>/dev/null)"
    dc_stop "$d"
    return 1
}

dc_port() {
    cat "$1/$2.port"
}

dc_log() {
    echo "$1/dovecot.log"
}

dc_stop() {
    local d=$1
    [ -f "$d/etc/dovecot.conf" ] || return 0
    "$DC_DOVECOT" -c "$d/etc/dovecot.conf" stop >/dev/null 2>&1 || true
}
