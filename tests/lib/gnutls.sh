# shellcheck shell=bash
#
# gnutls.sh - GnuTLS servers in the mxtls integration tests: a private
# gnutls-serv (gnutls-bin) on loopback, and the independent answers the
# plugins are compared with on any server (Exim with GnuTLS, gnutls-serv):
# one openssl s_client handshake per suite, one gnutls-cli handshake per
# suite, and the certificates openssl s_client gets key type by key type.
#
#   . "$top_srcdir/tests/lib/gnutls.sh"
#   gs_start DIR PRIORITY PEM...   # implicit TLS; PEM: key, then chain
#   port=$(gs_port DIR)
#   gs_stop DIR
#
#   tg_codes OUT VERSION           # suite codes of --ciphers output
#   tg_openssl_codes PORT VERSION [S_CLIENT_ARGS...]
#   tg_gnutls_codes PORT [GNUTLS_CLI_ARGS...]      # TLS 1.2 only
#   tg_order OUT VERSION           # the codes of VERSION, in output order
#   tg_gnutls_order PRIORITY       # TLS 1.2 codes of PRIORITY, its order
#   gnutls-cli -V ... | tg_gnutls_negotiated   # "TLSv1.2 0xC02C"
#   tg_ossl_code NAME              # the code of an OpenSSL suite name
#   openssl s_client ... | tg_sclient_result   # "TLSv1.2 AES128-SHA"
#   tg_labels OUT                  # certificate labels of check_tls_cert
#   tg_sclient_labels PORT [S_CLIENT_ARGS...]
#
# Codes are written as the plugins print them: 0xC02C, one per line,
# sorted (except for the *_order functions). VERSION is TLSv1.3 or
# TLSv1.2. S_CLIENT_ARGS are e.g. "-starttls smtp"; GNUTLS_CLI_ARGS e.g.
# "--starttls-proto=smtp".

# shellcheck source=postfix.sh
. "$(dirname "${BASH_SOURCE[0]}")/postfix.sh"

gs__say() {
    local l
    while IFS= read -r l; do printf '# %s\n' "$l" >&2; done <<<"$*"
}

gs_start() {
    local d=$1 prio=$2 f i port pid
    local -a args
    shift 2
    mkdir -p "$d/tls" || return 1
    i=0
    for f in "$@"; do
        if ! openssl pkey -in "$f" -out "$d/tls/$i.key" 2>/dev/null ||
            ! awk '/^-----BEGIN CERTIFICATE-----/{p=1} p' "$f" >"$d/tls/$i.crt" ||
            ! [ -s "$d/tls/$i.crt" ]; then
            gs__say "gs_start: cannot split $f into key and certificates"
            return 1
        fi
        args+=(--x509certfile "$d/tls/$i.crt" --x509keyfile "$d/tls/$i.key")
        i=$((i + 1))
    done
    port=$(pf_free_port) || return 1
    echo "$port" >"$d/port"
    gnutls-serv --echo --port "$port" --priority "$prio" "${args[@]}" \
        </dev/null >"$d/serv.log" 2>&1 &
    pid=$!
    echo "$pid" >"$d/pid"
    for ((i = 0; i < 100; i++)); do
        if ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid,"; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    gs__say "gs_start: gnutls-serv does not listen on $port: $(tail -n 20 "$d/serv.log")"
    gs_stop "$d"
    return 1
}

gs_port() {
    cat "$1/port"
}

gs_stop() {
    local pid
    [ -r "$1/pid" ] || return 0
    read -r pid <"$1/pid"
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -f "$1/pid"
    return 0
}

tg_codes() {
    awk -v want="$2" '/^\[/{v=$2} v == want && /^  \[[A-Z]+\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print $2}' <<<"$1" |
        sort -u
}

tg_order() {
    awk -v want="$2" '/^\[/{v=$2} v == want && /^  \[[A-Z]+\] 0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F] /{print $2}' <<<"$1"
}

# tg_ossl_code NAME: the code of an OpenSSL suite name (0xC02C), TLS 1.3
# names (TLS_AES_128_GCM_SHA256) too.
tg_ossl_code() {
    local -a sel=("$1")
    case $1 in TLS_*) sel=(-ciphersuites "$1" 'ALL:@SECLEVEL=0') ;; esac
    openssl ciphers -V "${sel[@]}" 2>/dev/null | awk -v n="$1" \
        '$3 == n {split($1, b, ","); print "0x" substr(b[1], 3) substr(b[2], 3); exit}'
}

# tg_sclient_result: read openssl s_client output on stdin, print the
# negotiated "VERSION SUITE": the protocol of the session block, not the
# version of the "New," line, which is the suite's own (SSLv3 for
# AES128-SHA). In TLS 1.3 the session block comes with a session ticket,
# which s_client may not wait for: a TLS 1.3 suite is TLSv1.3.
tg_sclient_result() {
    awk '/^New, .*Cipher is / {c = $NF} /^    Protocol  *: / {v = $NF}
         END {if (c ~ /^TLS_/) v = "TLSv1.3"
              if (c != "" && c != "(NONE)" && v != "") print v, c}'
}

tg_openssl_codes() {
    local port=$1 v=$2 s opt sel
    shift 2
    case $v in
    TLSv1.3) opt=-tls1_3 sel=-ciphersuites ;;
    TLSv1.2) opt=-tls1_2 sel=-cipher ;;
    *) return 1 ;;
    esac
    # every TLS 1.3 suite, not only those of OpenSSL's default list
    for s in $(openssl ciphers -s "$opt" \
        -ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256 \
        'ALL:COMPLEMENTOFALL:@SECLEVEL=0' | tr ':' ' '); do
        if [ "$v" = TLSv1.3 ]; then
            case $s in TLS_*) ;; *) continue ;; esac
        else
            case $s in TLS_*) continue ;; esac
            s="$s:@SECLEVEL=0"
        fi
        if echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" \
            "$opt" "$sel" "$s" 2>/dev/null | tg_sclient_result | grep -q "^$v "; then
            tg_ossl_code "${s%%:*}"
        fi
    done | sort -u
}

# The TLS 1.2 suites of a GnuTLS priority string, as "0xC02C" lines in the
# string's order.
tg_gnutls_order() {
    gnutls-cli --priority "$1" --list 2>/dev/null |
        awk '/^TLS_/ && $NF != "TLS1.3" {a = $2; b = $3; sub(/^0x/, "", a); sub(/,$/, "", a); sub(/^0x/, "", b);
             print "0x" toupper(a) toupper(b)}'
}

# tg_gnutls_negotiated: read gnutls-cli -V output on stdin, print the
# negotiated "VERSION CODE" (TLSv1.2 0xC02C), nothing when no handshake.
tg_gnutls_negotiated() {
    local out v kx c m p code
    out=$(cat)
    v=$(sed -n 's/^- Version: TLS\([0-9.]*\)$/\1/p' <<<"$out" | head -n 1)
    kx=$(sed -n 's/^- Key Exchange: \(.*\)$/\1/p' <<<"$out" | head -n 1)
    c=$(sed -n 's/^- Cipher: \(.*\)$/\1/p' <<<"$out" | head -n 1)
    m=$(sed -n 's/^- MAC: \(.*\)$/\1/p' <<<"$out" | head -n 1)
    [ -n "$v" ] && [ -n "$c" ] && [ -n "$m" ] || return 0
    if [ "$v" = 1.3 ]; then
        p="NONE:+VERS-TLS1.3:+$c:+$m:+GROUP-ALL:+SIGN-ALL:+COMP-NULL:+CTYPE-X509"
        code=$(gnutls-cli --priority "$p" --list 2>/dev/null |
            awk '/^TLS_/ && $NF == "TLS1.3" {a = $2; b = $3; sub(/^0x/, "", a); sub(/,$/, "", a);
                 sub(/^0x/, "", b); print "0x" toupper(a) toupper(b)}')
    else
        code=$(tg_gnutls_order "NONE:+VERS-TLS$v:+$kx:+$c:+$m:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509")
    fi
    [ "$(wc -l <<<"$code")" = 1 ] && echo "TLSv$v $code"
}

# One gnutls-cli handshake per TLS 1.2 suite: a priority string with one
# key exchange, one cipher and one MAC names at most one suite; those that
# name exactly one are tried. Every group and signature scheme GnuTLS has
# is offered. A DHE suite refused so is asked again with no RFC 7919
# group listed: a GnuTLS server whose priority string has no FFDHE group
# but has DH parameters serves DHE only to such a client, one with FFDHE
# groups but no parameters (Exim's tls_dhparam = none) only to a client
# listing one of them; the suite is accepted when either client gets it.
tg_gnutls_codes() {
    local port=$1 kx c m p code g
    shift
    for kx in ECDHE-ECDSA ECDHE-RSA DHE-RSA DHE-DSS RSA; do
        for c in AES-256-GCM AES-128-GCM CHACHA20-POLY1305 AES-256-CCM AES-128-CCM \
            AES-256-CCM-8 AES-128-CCM-8 AES-256-CBC AES-128-CBC CAMELLIA-256-GCM \
            CAMELLIA-128-GCM CAMELLIA-256-CBC CAMELLIA-128-CBC 3DES-CBC ARCFOUR-128 NULL; do
            for m in AEAD SHA1 SHA256 SHA384 MD5; do
                p="NONE:+VERS-TLS1.2:+$kx:+$c:+$m:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509"
                code=$(tg_gnutls_order "$p")
                if [ -z "$code" ] || [ "$(wc -l <<<"$code")" != 1 ]; then
                    continue
                fi
                for g in "" -GROUP-FFDHE2048:-GROUP-FFDHE3072:-GROUP-FFDHE4096:-GROUP-FFDHE6144:-GROUP-FFDHE8192; do
                    if [ -n "$g" ]; then
                        case $kx in DHE-*) p="$p:$g" ;; *) break ;; esac
                    fi
                    if timeout 10 gnutls-cli --insecure "$@" --port "$port" \
                        --priority "$p" 127.0.0.1 </dev/null 2>&1 |
                        grep -q '^- Description: (TLS1\.2'; then
                        echo "$code"
                        break
                    fi
                done
            done
        done
    done | sort -u
}

# The certificate labels in check_tls_cert's long output, sorted, joined
# with commas.
tg_labels() {
    sed -n 's/^\[[A-Z]*\] \([A-Za-z0-9-]* [A-Za-z0-9-]*\|Ed25519\|Ed448\): CN=.*/\1/p' <<<"$1" |
        sort | paste -sd, -
}

tg__pem_label() {
    local text
    text=$(openssl x509 -noout -text 2>/dev/null) || return 1
    case $text in
    *"Public Key Algorithm: rsaEncryption"*)
        echo "RSA $(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' <<<"$text" | head -1)" ;;
    *"Public Key Algorithm: id-ecPublicKey"*)
        echo "ECDSA $(sed -n 's/.*NIST CURVE: \(P-[0-9]*\).*/\1/p' <<<"$text" | head -1)" ;;
    *"Public Key Algorithm: ED25519"*) echo "Ed25519" ;;
    *"Public Key Algorithm: ED448"*) echo "Ed448" ;;
    *) echo "other" ;;
    esac
}

# What openssl s_client gets out of a port, key type by key type (a GnuTLS
# server presents the first of its certificates that the client's
# signature schemes allow), sorted, joined with commas.
tg_sclient_labels() {
    local port=$1 args
    shift
    while IFS= read -r args; do
        # shellcheck disable=SC2086 # args is a word list on purpose
        echo QUIT | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" \
            $args 2>/dev/null |
            sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' |
            tg__pem_label
    done <<'LIST' | grep -v '^$' | sort -u | paste -sd, -
-tls1_3 -sigalgs rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512
-tls1_3 -sigalgs ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512
-tls1_3 -sigalgs ed25519
-tls1_2 -cipher aRSA:@SECLEVEL=0 -sigalgs RSA+SHA256:RSA+SHA384:rsa_pss_rsae_sha256
-tls1_2 -cipher aECDSA:@SECLEVEL=0 -sigalgs ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512
-tls1_2 -cipher aECDSA:@SECLEVEL=0 -sigalgs ed25519
LIST
}
