#!/bin/bash
# fresh-root.sh - prove the README's front door: on a minimal Debian 12
# root made by debootstrap from Debian's archive, with nothing of mxtls
# installed, run exactly the README's two commands (./quickstart.sh, then
# make check) in a clean clone of the committed HEAD, as root in a chroot.
#
#   tests/setup/fresh-root.sh [-o DIR]     (make check-fresh runs it)
#   MXTLS_FRESH_TESTS="tests/x.sh ..." tests/setup/fresh-root.sh   (those only)
#
# -o DIR  copy the chroot's test-suite.log and the logs of both commands
#         into DIR (default: the current directory, as fresh-*.log).
#
# The last lines are the automake summary of the make check inside
# ("# TOTAL: ...", "# PASS: ...", ...), so that CI can count its tests.
# Exit status: 0 when both commands succeeded, 1 otherwise, 2 when the
# root could not be made at all.
#
# How:
# - The bare base (debootstrap --variant=minbase bookworm, from the first
#   Debian mirror in /etc/apt/sources.list*, or $MXTLS_FRESH_MIRROR) is
#   cached as a tarball under /var/cache/mxtls-fresh, one per day: nothing
#   of the project is ever installed into the cached base, only into a
#   throw-away copy of it under /var/tmp.
# - Everything runs in private mount and PID namespaces (unshare): /proc,
#   /sys, /dev and a new /dev/pts are mounted for the chroot only, and
#   every process started inside (a Postfix from a test, a daemon started
#   by a package) dies with the namespace. The mounts are also undone by
#   a trap on every exit path before the copy is removed, and the copy is
#   removed only when nothing is mounted below it.
# - ./quickstart.sh needs the network (apt-get). make check runs in a
#   network namespace of its own that has only the loopback interface, so
#   the test suite can reach nothing but loopback (127.0.0.0/8, ::1).
# - /etc/resolv.conf and /etc/hosts come from this machine (apt needs
#   DNS; Postfix needs localhost); /usr/sbin/policy-rc.d stops packages
#   from starting daemons on this machine's network (Debian's usual
#   chroot setting; the tests start their own private Postfix).
set -euo pipefail

outdir=$PWD
case ${1:-} in
"") ;;
-o)
    outdir=${2:?usage: $0 [-o DIR]}
    ;;
*)
    echo "usage: $0 [-o DIR]" >&2
    exit 2
    ;;
esac

die() {
    echo "fresh-root: $*" >&2
    exit 2
}

src=$(cd "$(dirname "$0")/../.." && pwd)
outdir=$(cd "$outdir" && pwd)

if [ -z "${MXTLS_FRESH_INNER:-}" ]; then
    [ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mounts)"
    for c in debootstrap:debootstrap git:git unshare:util-linux \
        chroot:coreutils ip:iproute2; do
        command -v "${c%%:*}" >/dev/null 2>&1 ||
            die "${c%%:*} is not installed (apt-get install ${c#*:})"
    done
    git -C "$src" rev-parse --verify -q HEAD >/dev/null ||
        die "$src is not a git checkout with a commit"
    # Private mount and PID namespaces: mounts stay invisible to the
    # machine, and no process started inside outlives this script.
    exec unshare --mount --propagation private --pid --fork \
        env MXTLS_FRESH_INNER=1 bash "$0" -o "$outdir"
fi

# mirror: the first Debian archive (not security) apt uses here.
mirror() {
    local m
    if [ -n "${MXTLS_FRESH_MIRROR:-}" ]; then
        echo "$MXTLS_FRESH_MIRROR"
        return
    fi
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v '^ *#' |
        grep -Eo '(https?|ftp)://[^ ]*/debian/?( |$)' |
        grep -v -- '-security' | head -n 1 | tr -d ' ')
    echo "${m:-http://deb.debian.org/debian}"
}

cache=/var/cache/mxtls-fresh
base=$cache/bookworm-minbase-$(date -u +%Y%m%d).tar
root=
mounted=()

# shellcheck disable=SC2317 # reached through the trap
cleanup() {
    local i
    set +e
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -l "${mounted[$i]}" 2>/dev/null
    done
    if [ -n "$root" ] && [ -d "$root" ]; then
        if awk -v r="$root" '$5 == r || index($5, r "/") == 1 { f = 1 }
            END { exit !f }' /proc/self/mountinfo; then
            echo "fresh-root: something is still mounted below $root;" \
                "not removing it" >&2
        else
            rm -rf --one-file-system "$root"
        fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mnt() { # mnt TARGET MOUNT-ARGS...: mount and remember it for cleanup
    local t=$1
    shift
    mount "$@" "$t"
    mounted+=("$t")
}

t0=$(date +%s)
mkdir -p "$cache"
if [ ! -s "$base" ]; then
    m=$(mirror)
    echo "fresh-root: debootstrap --variant=minbase bookworm from $m"
    tmp=$(mktemp -d /var/tmp/mxtls-base.XXXXXX)
    if ! debootstrap --variant=minbase bookworm "$tmp" "$m" \
        >"$outdir/fresh-debootstrap.log" 2>&1; then
        tail -n 20 "$outdir/fresh-debootstrap.log" >&2
        rm -rf --one-file-system "$tmp"
        die "debootstrap failed (log: $outdir/fresh-debootstrap.log)"
    fi
    tar --numeric-owner -C "$tmp" -cf "$base.part" . &&
        mv "$base.part" "$base"
    rm -rf --one-file-system "$tmp"
    # Older bases are not needed any more.
    find "$cache" -name 'bookworm-minbase-*.tar' ! -path "$base" -delete
fi
echo "fresh-root: base $base ($(($(date +%s) - t0)) s)"

root=$(mktemp -d /var/tmp/mxtls-fresh.XXXXXX)
tar --numeric-owner -C "$root" -xpf "$base"
# The root directory of the chroot is mktemp's (mode 0700): Postfix's
# user must be able to reach everything below it.
chmod 755 "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
grep -q '127\.0\.0\.1.*localhost' "$root/etc/hosts" ||
    echo "127.0.0.1 localhost" >>"$root/etc/hosts"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# A clean clone: only what is committed, at HEAD.
head=$(git -C "$src" rev-parse HEAD)
git clone -q --no-checkout "$src" "$root/root/mxtls"
git -C "$root/root/mxtls" checkout -q --detach "$head"
echo "fresh-root: clone of $head"

# The root of a real system is a mount point; the chroot's is made one by
# a bind mount of itself (invisible outside: this script has a mount
# namespace of its own), so that what the tests do there, such as a mount
# namespace with private propagation (unshare -m), works as on a machine.
mnt "$root" --bind "$root"
mnt "$root/proc" -t proc proc
mnt "$root/sys" -t sysfs sysfs
mnt "$root/dev" --rbind /dev
mnt "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts
mount --bind "$root/dev/pts/ptmx" "$root/dev/ptmx"
mounted+=("$root/dev/ptmx")

# inside LOG CMD [WRAPPER...]: run the shell command CMD in the clone, as
# root, in the chroot (through WRAPPER, a command that runs its arguments).
inside() {
    local log=$1 cmd=$2
    shift 2
    "$@" chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/sh -c "cd /root/mxtls && $cmd" >"$log" 2>&1
}

status=0
t1=$(date +%s)
echo "fresh-root: ./quickstart.sh"
if ! inside "$outdir/fresh-quickstart.log" ./quickstart.sh; then
    tail -n 30 "$outdir/fresh-quickstart.log"
    echo "fresh-root: ./quickstart.sh failed (log: $outdir/fresh-quickstart.log)"
    exit 1
fi
t2=$(date +%s)
echo "fresh-root: quickstart took $((t2 - t1)) s"

# make check with only the loopback interface.
echo "fresh-root: make check (loopback only)"
# Nothing but lo: with no address other than loopback, getaddrinfo's
# AI_ADDRCONFIG finds no IPv4 at all, and the plugins must still resolve
# "localhost" (they ask again without it).
# shellcheck disable=SC2016 # $@ is for the inner shell
# MXTLS_FRESH_TESTS, when set, is the TESTS of that make check (a few
# test scripts, to look into one failure without running everything).
check="make check"
[ -n "${MXTLS_FRESH_TESTS:-}" ] && check="make check TESTS='$MXTLS_FRESH_TESTS'"
inside "$outdir/fresh-check.log" "$check" \
    unshare --net sh -c 'ip link set lo up && exec "$@"' sh || status=1
t3=$(date +%s)
echo "fresh-root: make check took $((t3 - t2)) s"
cp "$root/root/mxtls/test-suite.log" "$outdir/fresh-test-suite.log" 2>/dev/null || true
if [ "$status" != 0 ]; then
    grep -E '^(FAIL|ERROR|XPASS)' "$outdir/fresh-check.log" || true
    echo "fresh-root: make check failed (logs: $outdir/fresh-check.log," \
        "$outdir/fresh-test-suite.log)"
fi
echo "fresh-root: $((t3 - t0)) s in all"
grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$outdir/fresh-check.log" ||
    echo "# FAIL: 1 (no automake summary from make check)"
exit "$status"
