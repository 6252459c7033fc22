#!/bin/sh
# mkman.sh - make a plugin's man page from its --help with help2man.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   mkman.sh HELP2MAN PLUGIN INCLUDE OUTPUT
#
# HELP2MAN is the help2man command, PLUGIN the built plugin, INCLUDE the
# help2man include file with the sections --help does not have (NAME,
# EXIT STATUS, ...), OUTPUT the man page to write. help2man reads the
# plugin's --help through a filter that drops the first line (name and
# version, which help2man takes from --version), turns each usage under
# "Usage:" (indented by two, continued by deeper indented lines) into one
# "Usage: ..." or "  or:  ..." line, which help2man turns into the
# SYNOPSIS, and puts a blank line between examples (help2man would fill
# them into one paragraph). Everything else is the --help text as it
# is, so the page says what --help says. The EXAMPLES section of the page
# is then set line by line, as --help shows it (see below).
#
#   mkman.sh --filter           the filter alone (stdin to stdout)
set -eu

if [ "${1:-}" = --filter ]; then
    exec awk '
        NR == 1 && /^[^ ]+ \(mxtls [^)]*\)$/ { next }
        /^Usage:$/ { usage = 1; line = ""; next }
        usage && /^  [^ ]/ {
            if (line != "")
                print line
            sub(/^ +/, "")
            line = (usage == 1 ? "Usage: " : "  or:  ") $0
            usage = 2
            next
        }
        usage && /^   / { sub(/^ +/, ""); line = line " " $0; next }
        usage { if (line != "") print line; usage = 0; line = "" }
        /^[A-Z][A-Za-z ]*:$/ { examples = ($0 == "Examples:") }
        examples && /^  [^ ]/ && shown { print "" }
        examples && /^  [^ ]/ { shown = 1 }
        { print }
        END { if (line != "") print line }'
fi

if [ $# -ne 4 ]; then
    echo "usage: $0 HELP2MAN PLUGIN INCLUDE OUTPUT" >&2
    exit 2
fi
help2man=$1
plugin=$2
include=$3
output=$4
case $plugin in
/*) ;;
*) plugin=$(pwd)/$plugin ;;
esac
case $0 in
/*) self=$0 ;;
*) self=$(pwd)/$0 ;;
esac
name=$(basename "$plugin")
[ -x "$plugin" ] || {
    echo "$0: $plugin is not built" >&2
    exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mxtls-mkman.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# help2man names the page after the program it runs: a wrapper of the same
# name that filters --help and passes everything else through.
cat >"$tmp/$name" <<WRAPPER
#!/bin/sh
if [ "\$1" = --help ]; then
    "$plugin" --help | sh "$self" --filter
else
    exec "$plugin" "\$@"
fi
WRAPPER
chmod 755 "$tmp/$name"
"$help2man" --no-info --section=1 --manual="Monitoring Plugins" \
    --include="$include" --output="$tmp/page" "$tmp/$name"
# help2man fills each example into a paragraph (so a long one wraps, and is
# justified, where the terminal ends) and starts a continuation line (the
# deeper indented line after a trailing backslash) as a paragraph of its
# own at the left margin. Examples are commands to paste: set them as
# lines, one blank line apart, continuation lines indented by four.
awk '
    /^\.SH / {
        if (ex) print ".fi\n.RE"
        ex = ($0 == ".SH EXAMPLES")
        print
        if (ex) { print ".RS\n.nf"; n = 0; cont = 0 }
        next
    }
    ex && /^\.IP$/ { if (n++) print ""; cont = 0; next }
    ex && /^\.HP$/ { cont = 1; next }
    ex && cont { print "    " $0; next }
    { print }
    END { if (ex) print ".fi\n.RE" }' "$tmp/page" >"$tmp/page2"
mv "$tmp/page2" "$output"
