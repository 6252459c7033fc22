#!/bin/bash
# deb.sh - the Debian package: build, lint, install, use, remove.
#
# Copies the source tree to a temporary directory (the files git knows
# plus new ones it does not ignore; a release tarball's files when there
# is no git), builds it with `dpkg-buildpackage -us -uc -b` (which runs the
# unit tests only), runs lintian on the result (no E: line; W: lines are
# shown), installs it with dpkg -i, and checks what it put where: the
# plugins in /usr/lib/nagios/plugins, the man pages (they render, `man
# check_tls_cert` finds them, they name every option of --help), the
# Icinga 2 CheckCommands where the ITL's contributed commands are (an
# Icinga 2 configuration with `include <plugins-contrib>` gets them and
# validates), the Nagios command definitions in /etc/nagios-plugins/config
# (nagios4 -v), the examples, the peers file example and the cron example,
# and the cache directory for learned peer profiles (owned by nagios).
# Then the installed plugins run against a private Postfix, also as
# nagios: the cron example's job learns a peer by its MX into the cache
# directory as nagios, and check_tls_peers with the bank of the incident
# is CRITICAL ("no RSA certificate") against ECDSA only and OK against
# RSA + ECDSA. --help of each plugin follows the monitoring-plugins
# layout, and the package is purged, the cache directory with it; files
# that were there before the test (an earlier `make install`) are put
# back.
set -u
# shellcheck source=../lib/common.sh
. "${MXTLS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
# shellcheck source=../lib/monitoring.sh
. "$MXTLS_SRCDIR/tests/lib/monitoring.sh"
mx_init
mon_need_root
mx_need_postfix
mon_need_cmd dpkg-buildpackage dpkg-dev
mon_need_cmd dh debhelper
mon_need_cmd lintian lintian
mon_need_cmd help2man help2man
mon_need_user
mx_certs

pkg=monitoring-plugins-mxtls
plugindir=/usr/lib/nagios/plugins
doc=/usr/share/doc/$pkg
itlfile=/usr/share/icinga2/include/plugins-contrib.d/mxtls.conf
nagioscfg=/etc/nagios-plugins/config/mxtls.cfg
cachedir=/var/cache/mxtls
cronexample=$doc/examples/cron/mxtls-learn
plugins="check_tls_cert check_tls_protocol check_tls_peers"
installed=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
case $installed in
*" installed") t_skip_all "$pkg is installed on this machine; the test would replace it" ;;
esac

# ---------------------------------------------------------------- build
version=$(sed -n '1s/^mxtls (\([^)]*\)).*/\1/p' "$MXTLS_SRCDIR/debian/changelog")
t_like "$version" '^[0-9]' "debian/changelog has a version"
t_is "$("$MXTLS_BUILDDIR/plugins/check_tls_cert" -V)" "check_tls_cert (mxtls $version)" \
    "debian/changelog's version is the plugins' version"

src=$WORK/build/mxtls-$version
mkdir -p "$src"
top=$(git -C "$MXTLS_SRCDIR" rev-parse --show-toplevel 2>/dev/null)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$MXTLS_SRCDIR" && pwd -P)" ]; then
    # Tracked files and new ones git does not ignore, as they are in the
    # work tree; no built program (an in-tree build leaves some that
    # .gitignore does not name).
    (
        cd "$MXTLS_SRCDIR" || exit 1
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                [ -f "$f" ] || continue
                [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && continue
                printf '%s\0' "$f"
            done | tar --null -T - -cf -
    ) | tar -xf - -C "$src"
else
    # A release tarball (make distcheck builds in _build and installs in
    # _inst inside it: not those).
    tar -C "$MXTLS_SRCDIR" --exclude=./_build --exclude=./_inst -cf - . |
        tar -xf - -C "$src"
    chmod -R u+w "$src"
fi
t_ok "the source tree is copied, with debian/" test -x "$src/debian/rules"

start=$SECONDS
(
    cd "$src" || exit 1
    # Not the make of `make check` that runs this test: no jobserver.
    unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
    DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
        timeout 900 dpkg-buildpackage -us -uc -b
) >"$WORK/build.log" 2>&1
rc=$?
t_is "$rc" 0 "dpkg-buildpackage -us -uc -b builds the package"
[ "$rc" = 0 ] || t_diag "$(tail -n 40 "$WORK/build.log")"
t_diag "package built in $((SECONDS - start)) s"
deb=$(find "$WORK/build" -maxdepth 1 -name "${pkg}_${version}_*.deb" | head -n 1)
[ -n "$deb" ] || t_bail "no ${pkg}_${version}_*.deb was built"
t_like "$(grep -E '^# (PASS|FAIL|ERROR|SKIP|TOTAL):' "$WORK/build.log")" '^# FAIL: +0$' \
    "dh_auto_test ran the unit tests, and they passed"
t_unlike "$(grep -E '^(PASS|FAIL|SKIP|ERROR): ' "$WORK/build.log")" 'integration/' \
    "dh_auto_test ran no integration test"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in $plugins; do
    t_like "$contents" "^$plugindir/$f\$" "the package has $plugindir/$f"
    t_like "$contents" "^/usr/share/man/man1/$f\\.1\\.gz\$" "the package has the man page of $f"
done
t_like "$contents" "^$itlfile\$" "the package has the Icinga 2 CheckCommands"
t_like "$contents" "^$nagioscfg\$" "the package has the Nagios command definitions"
t_like "$contents" "^$doc/examples/peers\\.conf\\.example(\\.gz)?\$" "the package has the example peers file"
for f in icinga2/mxtls-services.conf icinga2/mxtls-distributed.conf \
    nagios/mxtls.cfg nagios/mxtls-services.cfg nrpe/mxtls.cfg nrpe/mxtls-args.cfg \
    cron/mxtls-learn; do
    t_like "$contents" "^$doc/examples/$f\$" "the package has the example $f"
done
t_like "$contents" "^$cachedir/\$" "the package has the cache directory $cachedir"
t_unlike "$contents" '^/etc/cron' "the package has no active cron job"
t_like "$contents" "^$doc/copyright\$" "the package has its copyright file"
t_like "$(dpkg-deb -f "$deb" Depends)" 'libssl3' "Depends: the OpenSSL library, from shlibs"

start=$SECONDS
changes=$(find "$WORK/build" -maxdepth 1 -name "mxtls_${version}_*.changes" | head -n 1)
lintian --fail-on error --no-tag-display-limit "${changes:-$deb}" >"$WORK/lintian.log" 2>&1
t_is "$?" 0 "lintian runs and fails on nothing"
errors=$(grep -E '^E: ' "$WORK/lintian.log")
t_is "$errors" "" "lintian: no errors"
t_diag "lintian took $((SECONDS - start)) s; its warnings and notes:"
t_diag "$(grep -E '^[WIP]: ' "$WORK/lintian.log" || echo '(none)')"

# -------------------------------------------------------------- install
# Files that are there without the package (an earlier make install) go
# aside and come back at the end.
i=0
while read -r f; do
    if [ -f "$f" ] && ! dpkg -S "$f" >/dev/null 2>&1; then
        i=$((i + 1))
        mkdir -p "$WORK/saved"
        mv "$f" "$WORK/saved/$i"
        mx_at_exit "mv -f '$WORK/saved/$i' '$f'"
        t_diag "set aside until the end: $f (no package owns it)"
    fi
done < <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|')
# So does a cache directory that no package owns (its profiles would go
# with the purge).
if [ -e "$cachedir" ] && ! dpkg -S "$cachedir" >/dev/null 2>&1; then
    mv "$cachedir" "$WORK/saved-cache"
    mx_at_exit "rm -rf '$cachedir'; mv '$WORK/saved-cache' '$cachedir'"
    t_diag "set aside until the end: $cachedir (no package owns it)"
fi
mx_at_exit "dpkg --purge $pkg"
dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1
t_is "$?" 0 "dpkg -i installs the package"
[ "$T_LAST_OK" = 1 ] || t_diag "$(cat "$WORK/dpkg.log")"

for f in $plugins; do
    t_ok "$plugindir/$f is installed and runs" "$plugindir/$f" -V
    t_is "$(dpkg -S "$plugindir/$f" 2>/dev/null | cut -d: -f1)" "$pkg" "$f belongs to $pkg"
    t_is "$(man -w "$f" 2>/dev/null)" "/usr/share/man/man1/$f.1.gz" "man $f finds the page"
    LC_ALL=C mon_man_check "/usr/share/man/man1/$f.1.gz" "$plugindir/$f"
    mon_help_check "$plugindir/$f" "installed"
done
t_ok "the Icinga 2 file is installed" test -s "$itlfile"
t_ok "the Nagios file is installed" test -s "$nagioscfg"
t_ok "the example peers file is installed" \
    test -s "$doc/examples/peers.conf.example" -o -s "$doc/examples/peers.conf.example.gz"
t_ok "the cron example is installed" test -s "$cronexample"
t_ok "$cachedir is installed" test -d "$cachedir"
t_is "$(dpkg -S "$cachedir" 2>/dev/null | cut -d: -f1)" "$pkg" "$cachedir belongs to $pkg"
t_is "$(stat -c '%U:%G %a' "$cachedir")" "$MON_USER:$MON_GROUP 755" \
    "$cachedir: owned by $MON_USER (postinst), readable by all"
t_like "$("$plugindir/check_tls_peers" --help)" "^    Learned peer profiles \\(default $cachedir\\)\\.\$" \
    "installed check_tls_peers: $cachedir is its default cache directory"

# The installed plugins against a private Postfix, also as the
# monitoring user.
c=$CERTS
bank_suites=$MX_BANK_SUITES
only12="smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2;smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2"
pf_start "$WORK/pf" \
    "0:dual:$c/rsa2048.pem,$c/ecdsa-p256.pem" \
    "0:ecdsa:$c/ecdsa-p256.pem" \
    "0:bank:$c/rsa2048.pem:$only12;smtpd_tls_ciphers=medium;tls_medium_cipherlist=$bank_suites" ||
    t_bail "cannot start Postfix"
mx_at_exit "pf_stop '$WORK/pf'"
p_dual=$(pf_port "$WORK/pf" dual)
p_ecdsa=$(pf_port "$WORK/pf" ecdsa)
p_bank=$(pf_port "$WORK/pf" bank)
mx_run "$plugindir/check_tls_cert" -H 127.0.0.1 -p "$p_dual" --ca-file="$CERTS/ca.pem"
t_is "$RC" 0 "installed check_tls_cert: RSA + ECDSA -> OK"
t_like "$LINE1" '^TLS CERT OK - ECDSA P-256 and RSA 2048' "installed check_tls_cert: output"
mx_run "$plugindir/check_tls_cert" -H 127.0.0.1 -p "$p_ecdsa"
t_is "$RC" 2 "installed check_tls_cert: ECDSA only -> CRITICAL"
t_like "$LINE1" '^TLS CERT CRITICAL - no RSA certificate' "installed check_tls_cert: no RSA certificate"
mx_run "$plugindir/check_tls_protocol" -H 127.0.0.1 -p "$p_dual"
t_is "$RC" 0 "installed check_tls_protocol: default minimum -> OK"
mx_run "$plugindir/check_tls_protocol" -H 127.0.0.1 -p "$p_dual" --minimum=TLSv1.2
t_is "$RC" 2 "installed check_tls_protocol: TLSv1.0 accepted, --minimum=TLSv1.2 -> CRITICAL"
mx_run runuser -u "$MON_USER" -- "$plugindir/check_tls_cert" -H 127.0.0.1 -p "$p_dual" \
    --ca-file="$CERTS/ca.pem"
t_is "$RC" 0 "installed check_tls_cert runs as the user $MON_USER"

# check_tls_peers: the bank of the incident twice, by its 12 suites
# (contrib/peers.conf.example's [arz]) and learned from a Postfix set up
# like its MX ("bankmx"), learned by the cron example's job into the
# package's cache directory.
cat >"$WORK/peers.conf" <<EOF
[arz]
description = the bank of the incident
protocols = TLSv1.2
ciphers = $bank_suites

[bankmx]
description = the bank, learned from its MX
mx = [127.0.0.1]:$p_bank
EOF
cat >"$WORK/peers-down.conf" <<EOF
[down]
mx = [127.0.0.1]:$(pf_free_port)
EOF
chmod 644 "$WORK/peers.conf" "$WORK/peers-down.conf"
mx_run runuser -u "$MON_USER" -- "$plugindir/check_tls_peers" -H 127.0.0.1 -p "$p_dual" -f "$WORK/peers.conf"
t_is "$RC" 3 "installed check_tls_peers: a peer by MX not learned yet -> UNKNOWN"
t_like "$OUT" "^\\[UNKNOWN\\] bankmx: no learned profile in $cachedir; run: /usr/lib/nagios/plugins/check_tls_peers --learn -f $WORK/peers.conf --peer=bankmx\$" \
    "installed check_tls_peers: says how to learn it"

# The cron example: one active weekly job, as nagios, whose command (the
# peers file replaced by the test's) runs with cron's shell. logger is
# replaced by a stand-in that keeps what would go to syslog (there may
# be no syslog here); the real one must be in the job's PATH.
jobs=$(grep -E '^[0-9*]' "$cronexample")
t_is "$(wc -l <<<"$jobs")" 1 "cron example: one active job"
read -r c_min c_hour c_dom c_mon c_dow c_user c_cmd <<<"$jobs"
t_like "$c_min $c_hour $c_dom $c_mon $c_dow" '^[0-9]+ [0-9]+ \* \* [0-7]$' "cron example: weekly"
t_is "$c_user" "$MON_USER" "cron example: runs as $MON_USER"
t_like "$c_cmd" "^\\[ ! -r /etc/mxtls/peers\\.conf \\] \\|\\| $plugindir/check_tls_peers --learn -f /etc/mxtls/peers\\.conf( |\$)" \
    "cron example: check_tls_peers --learn with /etc/mxtls/peers.conf"
t_unlike "$c_cmd" '(^|[^\\])%' "cron example: no % that cron would turn into a newline"
c_path=$(sed -n 's/^PATH=//p' "$cronexample")
t_ok "cron example: logger is in the job's PATH" env PATH="$c_path" sh -c 'command -v logger'
mkdir -p "$WORK/bin"
cat >"$WORK/bin/logger" <<EOF
#!/bin/sh
printf '%s\n' "logger \$*" >>"$WORK/syslog"
cat >>"$WORK/syslog"
EOF
chmod 755 "$WORK/bin/logger"
: >"$WORK/syslog"
chown "$MON_USER" "$WORK/syslog"
cronjob() {
    local cmd=$1 peers=$2
    cmd=${cmd//\/etc\/mxtls\/peers.conf/$peers}
    cmd=${cmd//\\%/%}
    mx_run runuser -u "$MON_USER" -- env -i HOME=/ LOGNAME="$MON_USER" \
        PATH="$WORK/bin:$c_path" "$(sed -n 's/^SHELL=//p' "$cronexample")" -c "$cmd"
}
cronjob "$c_cmd" "$WORK/no-such-file"
t_is "$RC$OUT$(cat "$WORK/syslog")" 0 "cron job without a peers file: does nothing, quietly"
cronjob "$c_cmd" "$WORK/peers.conf"
t_is "$RC" 0 "cron job as $MON_USER: exit status 0"
t_is "$OUT$ERR" "" "cron job: prints nothing (nothing for cron to mail)"
t_like "$(cat "$WORK/syslog")" '^logger -t mxtls-learn$' "cron job: the output goes to logger, tag mxtls-learn"
t_like "$(cat "$WORK/syslog")" "^TLS PEERS OK - learned 1 peer into $cachedir " "cron job: learned the peer"
t_is "$(stat -c '%U %a' "$cachedir/bankmx.profile" 2>&1)" "$MON_USER 644" \
    "cron job: $cachedir/bankmx.profile written by $MON_USER, readable by all"
t_is "$(find "$cachedir" -mindepth 1 | sort | paste -sd' ')" "$cachedir/bankmx.profile" \
    "cron job: nothing else in $cachedir (no temporary file left)"
# The commented-out variant for mail: prints only when learning failed.
mailjob=$(sed -n 's/^#\([0-9*][^ ]* .*\)$/\1/p' "$cronexample")
read -r _ _ _ _ _ m_user m_cmd <<<"$mailjob"
t_is "$m_user" "$MON_USER" "cron example, mail variant: runs as $MON_USER"
: >"$WORK/syslog"
cronjob "$m_cmd" "$WORK/peers.conf"
t_is "$RC $OUT" "0 " "cron job, mail variant: learning works, nothing printed (no mail)"
cronjob "$m_cmd" "$WORK/peers-down.conf"
t_like "$OUT" '^TLS PEERS WARNING - down: cannot connect' "cron job, mail variant: a failure is printed (mailed)"
t_like "$OUT" '^\[WARNING\] down: cannot learn from ' "cron job, mail variant: with its details"
t_is "$(cat "$WORK/syslog")" "" "cron job, mail variant: nothing to syslog"

for u in root "$MON_USER"; do
    if [ "$u" = root ]; then run=(); else run=(runuser -u "$u" --); fi
    mx_run "${run[@]}" "$plugindir/check_tls_peers" -H 127.0.0.1 -p "$p_ecdsa" -f "$WORK/peers.conf"
    t_is "$RC" 2 "installed check_tls_peers as $u: the bank against ECDSA only -> CRITICAL"
    t_like "$LINE1" '^TLS PEERS CRITICAL - 2 of 2 critical peers cannot negotiate: arz, bankmx \(no RSA certificate\)' \
        "installed check_tls_peers as $u: no RSA certificate, for the listed and the learned bank"
    mx_run "${run[@]}" "$plugindir/check_tls_peers" -H 127.0.0.1 -p "$p_dual" -f "$WORK/peers.conf"
    t_is "$RC" 0 "installed check_tls_peers as $u: RSA + ECDSA -> OK"
    t_like "$OUT" '^\[OK\] bankmx: TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384, ' \
        "installed check_tls_peers as $u: the learned profile from $cachedir is used"
done

# Icinga 2: the default `include <plugins-contrib>` brings the commands.
if command -v icinga2 >/dev/null 2>&1; then
    i2=$WORK/i2
    mon_i2_init "$i2"
    cat >"$i2/etc/icinga2.conf" <<EOF
const NodeName = "mxtls-deb-test"
const ZoneName = NodeName
const PluginDir = "/usr/lib/nagios/plugins"
const PluginContribDir = "/usr/lib/nagios/plugins"
const TicketSalt = ""
include <itl>
include <plugins>
include <plugins-contrib>
template Host "generic-host" {
	check_command = "dummy"
}
template Service "generic-service" {
}
include "$doc/examples/icinga2/mxtls-services.conf"
object Host "mx" {
	import "generic-host"
	address = "127.0.0.1"
	vars.mxtls_starttls = "smtp"
	vars.mxtls_peers_file = "$WORK/peers.conf"
}
EOF
    mon_i2_validate "$i2"
    t_is "$?" 0 "icinga2 daemon -C: include <plugins-contrib> and the installed example"
    [ "$T_LAST_OK" = 1 ] || t_diag "$(grep -E 'critical' "$i2/validate.log")"
    cmds=$(mon_i2 "$i2" object list --type CheckCommand --name 'tls_*' 2>&1 |
        sed -n "s/^Object '\(.*\)' of type 'CheckCommand':\$/\1/p" | sort | paste -sd' ')
    t_is "$cmds" "tls_cert tls_peers tls_peers_outbound tls_protocol" \
        "Icinga 2 finds tls_cert, tls_peers, tls_peers_outbound and tls_protocol in the installed file"
    objs=$(mon_i2 "$i2" object list --type Service 2>&1 |
        sed -n "s/^Object '\(.*\)' of type 'Service':\$/\1/p" | sort | paste -sd' ')
    t_is "$objs" "mx!tls-cert mx!tls-peers mx!tls-protocol" \
        "Icinga 2: the installed example's apply rules give the host its services"
    t_like "$(mon_i2 "$i2" object list --type CheckCommand --name tls_cert 2>&1)" \
        "declared in '$itlfile'" "tls_cert comes from $itlfile"
else
    t_fail "Icinga 2 sees the installed CheckCommands" "icinga2 is not installed (apt-get install icinga2)"
fi

# Nagios 4: the installed command definitions and examples.
if command -v nagios4 >/dev/null 2>&1; then
    n=$WORK/nagios
    mkdir -p "$n"
    cat >"$n/test.cfg" <<'EOF'
define timeperiod {
    timeperiod_name         24x7
    alias                   always
    monday                  00:00-24:00
}
define command {
    command_name            mxtls-test-true
    command_line            /bin/true
}
define contact {
    contact_name            mxtls-test
    host_notification_period 24x7
    service_notification_period 24x7
    host_notification_options n
    service_notification_options n
    host_notification_commands mxtls-test-true
    service_notification_commands mxtls-test-true
}
define service {
    name                    generic-service
    register                0
    check_period            24x7
    max_check_attempts      1
    check_interval          60
    retry_interval          60
    notification_period     24x7
    contacts                mxtls-test
}
define host {
    use                     mxtls-peers,mxtls-mx
    host_name               mx
    address                 127.0.0.1
    check_command           mxtls-test-true
    max_check_attempts      1
    notification_period     24x7
    contacts                mxtls-test
}
EOF
    mon_nagios_write "$n" "$plugindir" "$nagioscfg" \
        "$doc/examples/nagios/mxtls-services.cfg" "$n/test.cfg"
    mon_nagios_verify "$n"
    t_is "$?" 0 "nagios4 -v: the installed $nagioscfg and example"
    [ "$T_LAST_OK" = 1 ] || t_diag "$(cat "$n/verify.log")"
    t_like "$(cat "$n/verify.log")" 'Checked 3 services\.' \
        "nagios4 -v: the host gets the services of mxtls-mx and mxtls-peers"
else
    t_fail "nagios4 -v accepts the installed file" "nagios4 is not installed (apt-get install nagios4)"
fi

# --------------------------------------------------------------- remove
dpkg --purge "$pkg" >"$WORK/purge.log" 2>&1
t_is "$?" 0 "dpkg --purge removes the package"
for f in $plugins; do
    t_nok "$plugindir/$f is gone" test -e "$plugindir/$f"
done
t_nok "$itlfile is gone" test -e "$itlfile"
t_nok "$cachedir and the learned profile are gone after purge" test -e "$cachedir"
t_nok "$nagioscfg (a conffile) is gone after purge" test -e "$nagioscfg"
t_done
