#!/bin/sh
# quickstart.sh - on a fresh Debian 12 machine, as root: install what mxtls
# needs to build and test (make check), build it, and run the incident demo (a private
# Postfix with only an ECDSA certificate on 127.0.0.1, checked by
# check_tls_cert). Nothing on the machine is reconfigured: the demo Postfix
# lives in a temporary directory and is gone when the script ends.
set -eu
cd "$(dirname "$0")"

if [ "$(id -u)" != 0 ]; then
    echo "quickstart: run as root (apt-get, and a private Postfix on 127.0.0.1)" >&2
    exit 1
fi

# Installing the postfix package replaces another MTA (exim4, ...). Do not
# do that behind an administrator's back.
if ! dpkg -s postfix >/dev/null 2>&1 && [ -e /usr/sbin/sendmail ] &&
    [ "${MXTLS_ALLOW_MTA_SWAP:-0}" != 1 ]; then
    echo "quickstart: another MTA provides /usr/sbin/sendmail; installing" >&2
    echo "postfix would remove it. Install postfix yourself, or set" >&2
    echo "MXTLS_ALLOW_MTA_SWAP=1 on a machine where that is fine." >&2
    exit 1
fi

packages="build-essential autoconf automake pkg-config libssl-dev libpcap-dev openssl
ca-certificates postfix iproute2 procps util-linux valgrind sslscan
tcpdump tshark xxd gnutls-bin swaks"

export DEBIAN_FRONTEND=noninteractive
# A fresh postfix package must not configure itself as a mail server.
{
    echo "postfix postfix/main_mailer_type select No configuration"
    echo "wireshark-common wireshark-common/install-setuid boolean false"
} | debconf-set-selections
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the list is intended
apt-get install -y -q --no-install-recommends $packages

autoreconf -fi
./configure --with-plugindir=/usr/lib/nagios/plugins
make -j"$(nproc)"
make demo
