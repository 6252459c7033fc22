#!/bin/sh
# quickstart.sh - on a fresh Debian 12 machine, as root: install what mxtls
# needs to build and test (make check), build it, and run the incident
# demo (a private Postfix with only an ECDSA certificate on 127.0.0.1,
# checked by check_tls_peers, check_tls_cert and check_tls_protocol).
# Nothing on the machine is reconfigured: the demo Postfix lives in a
# temporary directory and is gone when the script ends.
#
#   quickstart.sh [--monitoring]
#
# --monitoring also installs Icinga 2, Nagios 4 and NRPE, so that make
# check runs the plugins inside them (otherwise those tests are skipped),
# builds an NRPE daemon that takes command arguments for the tests
# (tests/setup/nrpe-args.sh: Debian's source, built with
# --enable-command-args, put in /usr/local/lib/mxtls-test; not started),
# and installs the Debian packaging tools for make check-package. The
# packages start their daemons with Debian's default configuration.
set -eu
cd "$(dirname "$0")"

monitoring=0
case ${1:-} in
"") ;;
--monitoring) monitoring=1 ;;
*)
    echo "usage: $0 [--monitoring]" >&2
    exit 2
    ;;
esac

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

# Everything make check uses (the tests fail, naming the package, when one
# is missing). swaks needs Net::SSLeay (libnet-ssleay-perl) for --tls;
# it is only a recommendation of the swaks package. msmtp, Java and Python
# are mail clients the client library records (tools/record-clients.sh).
packages="build-essential autoconf automake pkg-config libssl-dev libpcap-dev openssl
ca-certificates postfix iproute2 procps util-linux valgrind sslscan
tcpdump tshark wireshark-common xxd gnutls-bin swaks libnet-ssleay-perl
help2man man-db dovecot-imapd dovecot-pop3d dovecot-lmtpd
libunbound-dev libcurl4-openssl-dev dns-root-data
knot knot-dnsutils ldnsutils nginx-light curl
libnss-wrapper libevent-2.1-7 libdb5.3 libgnutls-dane0 libgnutls30 libidn12
libidn2-0 libnsl2 libpcre2-8-0 libcrypt1
msmtp openjdk-17-jdk-headless python3 libcap2-bin time"
if [ "$monitoring" = 1 ]; then
    packages="$packages icinga2 nagios4-core nagios-nrpe-server
nagios-nrpe-plugin curl jq debhelper dpkg-dev lintian fakeroot"
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh postfix package must not configure itself as a mail server.
{
    echo "postfix postfix/main_mailer_type select No configuration"
    echo "wireshark-common wireshark-common/install-setuid boolean false"
} | debconf-set-selections
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the list is intended
apt-get install -y -q --no-install-recommends $packages
# The tests run their own Dovecot, Knot DNS (DANE) and nginx (MTA-STS) on
# loopback; the system's instances the packages start are not used, and
# Dovecot's must not hold 143/993/110/995.
if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now dovecot.service dovecot.socket knot.service \
        nginx.service >/dev/null 2>&1 || true
fi
if [ -x /usr/sbin/dovecot ] && /usr/sbin/dovecot -c /etc/dovecot/dovecot.conf stop >/dev/null 2>&1; then
    echo "stopped the system's Dovecot (the tests run their own)"
fi

# Exim and OpenSMTPD conflict with Postfix as packages: the tests unpack
# their .debs (dpkg-deb -x) and run them from the test's directory. Their
# libraries are installed above; the .debs are fetched here.
debs=/var/cache/mxtls-test/debs
mkdir -p "$debs"
(cd "$debs" && apt-get download -q opensmtpd exim4-daemon-light) ||
    { echo "quickstart: cannot download the .debs for the tests into $debs" >&2; exit 1; }

# Debian's NRPE refuses command arguments; the tests of
# contrib/nrpe/mxtls-args.cfg need one built with them.
if [ "$monitoring" = 1 ]; then
    bash tests/setup/nrpe-args.sh
fi

autoreconf -fi
./configure --with-plugindir=/usr/lib/nagios/plugins
make -j"$(nproc)"
make demo
