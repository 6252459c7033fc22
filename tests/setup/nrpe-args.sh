#!/bin/bash
# nrpe-args.sh - build an NRPE daemon that accepts command arguments, for
# the tests of contrib/nrpe/mxtls-args.cfg.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   nrpe-args.sh [DEST]
#
# Debian builds nagios-nrpe-server without command arguments (see its
# README.Debian), so its daemon refuses "check_nrpe -c CMD -a ARGS" even
# with dont_blame_nrpe=1. This fetches Debian's own source of nagios-nrpe
# (apt-get source, through a deb-src list used only for this), builds it
# with --enable-command-args, and installs the daemon alone as DEST
# (default /usr/local/lib/mxtls-test/nrpe). Nothing is configured,
# enabled or started; tests/integration/nrpe.sh starts it on loopback
# with a configuration of its own. Run as root, with network access to
# deb.debian.org (quickstart.sh --monitoring runs it).
set -euo pipefail

dest=${1:-/usr/local/lib/mxtls-test/nrpe}

# takes_args NRPE: does this nrpe say it was built with command arguments?
takes_args() {
    local help
    help=$("$1" --help 2>&1) || true
    [[ $help == *"COMMAND ARGUMENTS ARE SUPPORTED"* ]]
}

if [ -x "$dest" ] && takes_args "$dest"; then
    echo "nrpe-args: $dest is there"
    exit 0
fi

work=$(mktemp -d /tmp/mxtls-nrpe.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial"
. /etc/os-release
cat >"$work/sources/deb-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME:-bookworm}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt=(apt-get -q -o Dir::Etc::SourceList=/dev/null
    -o "Dir::Etc::SourceParts=$work/sources"
    -o "Dir::State::Lists=$work/lists"
    -o APT::Sandbox::User=root)
"${apt[@]}" update >/dev/null
(cd "$work" && "${apt[@]}" source --download-only nagios-nrpe >/dev/null)
tar -C "$work" -xzf "$work"/nagios-nrpe_*.orig.tar.gz
src=$(find "$work" -maxdepth 1 -type d -name 'nrpe-*' | head -n 1)
[ -n "$src" ] || {
    echo "nrpe-args: no source tree in the nagios-nrpe source package" >&2
    exit 1
}
(
    cd "$src"
    ./configure --enable-command-args >"$work/configure.log" 2>&1 ||
        { tail -n 20 "$work/configure.log" >&2; exit 1; }
    make -j"$(nproc)" nrpe >"$work/make.log" 2>&1 ||
        { tail -n 20 "$work/make.log" >&2; exit 1; }
)
install -D -m 0755 "$src/src/nrpe" "$dest.tmp"
mv "$dest.tmp" "$dest"
takes_args "$dest" || {
    echo "nrpe-args: $dest does not say it takes command arguments" >&2
    exit 1
}
echo "nrpe-args: built $dest"
