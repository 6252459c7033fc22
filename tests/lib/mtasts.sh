# shellcheck shell=bash
#
# mtasts.sh - a private HTTPS server (nginx) on loopback serving MTA-STS
# policy files under a private web CA, for the --mta-sts tests.
#
#   . "$MXTLS_SRCDIR/tests/lib/mtasts.sh"
#   sts_web_start DIR ADDRESS DOMAIN...  # nginx on ADDRESS:443 for
#                                        # mta-sts.DOMAIN.example.test
#   sts_policy DIR DOMAIN TEXT           # the policy file (printf %b TEXT)
#
# sts_web_start makes a CA (DIR/ca/ca.pem) and one certificate for every
# mta-sts.DOMAIN.example.test, and serves DIR/mta-sts.DOMAIN.example.test/
# with text/plain for .txt. Some domains are served in a special way:
# ctype (text/html), redirect (301 to enf's policy), slow (100 bytes/s).
# nginx runs in the foreground of a background job, ended at exit
# (mx_at_exit of tests/lib/common.sh). Policies may be written before or
# after the start. Functions print their reason on stderr and return 1 on
# failure.
#
# Needs: nginx (nginx-light), openssl, curl.

sts__say() {
    printf '# mtasts.sh: %s\n' "$*" >&2
}

sts_policy() { # DIR DOMAIN TEXT
    mkdir -p "$1/mta-sts.$2.example.test/.well-known" || return 1
    printf '%b' "$3" >"$1/mta-sts.$2.example.test/.well-known/mta-sts.txt"
}

sts_web_start() {
    local w=$1 addr=$2 san="" dom pid i
    shift 2
    mkdir -p "$w/ca" "$w/tmp" || return 1
    for dom in "$@"; do
        san="$san${san:+,}DNS:mta-sts.$dom.example.test"
    done
    {
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$w/ca/key.pem" -out "$w/ca/ca.pem" -days 30 \
            -subj "/CN=mxtls test web CA" &&
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                -keyout "$w/web.key" -out "$w/web.csr" -subj "/CN=mta-sts web" &&
            printf 'subjectAltName=%s\n' "$san" >"$w/ext" &&
            openssl x509 -req -in "$w/web.csr" -CA "$w/ca/ca.pem" \
                -CAkey "$w/ca/key.pem" -CAcreateserial -days 30 \
                -extfile "$w/ext" -out "$w/web.crt"
    } >"$w/openssl.log" 2>&1 || {
        sts__say "cannot make the web CA and certificate: $(cat "$w/openssl.log")"
        return 1
    }
    cat >"$w/nginx.conf" <<NGINX
user root;
worker_processes 1;
pid $w/nginx.pid;
error_log $w/error.log;
events { worker_connections 64; }
http {
    access_log $w/access.log;
    client_body_temp_path $w/tmp;
    proxy_temp_path $w/tmp;
    fastcgi_temp_path $w/tmp;
    uwsgi_temp_path $w/tmp;
    scgi_temp_path $w/tmp;
    types { text/plain txt; }
    default_type application/octet-stream;
    ssl_certificate $w/web.crt;
    ssl_certificate_key $w/web.key;
    server {
        listen $addr:443 ssl default_server;
        root $w/\$host;
    }
    server {
        listen $addr:443 ssl;
        server_name mta-sts.ctype.example.test;
        root $w/\$host;
        types { text/html txt; }
    }
    server {
        listen $addr:443 ssl;
        server_name mta-sts.redirect.example.test;
        return 301 https://mta-sts.enf.example.test/.well-known/mta-sts.txt;
    }
    server {
        listen $addr:443 ssl;
        server_name mta-sts.slow.example.test;
        root $w/\$host;
        limit_rate 100;
    }
}
NGINX
    nginx -c "$w/nginx.conf" -p "$w" -g 'daemon off;' 2>"$w/nginx.err" &
    pid=$!
    mx_at_exit "kill $pid"
    # ready when it answers TLS for the first domain (any HTTP status)
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null --cacert "$w/ca/ca.pem" \
            --resolve "mta-sts.$1.example.test:443:$addr" \
            "https://mta-sts.$1.example.test/" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    sts__say "nginx did not serve on $addr:443: $(cat "$w/nginx.err")"
    return 1
}
