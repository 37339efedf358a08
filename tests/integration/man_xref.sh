#!/bin/bash
# NAME
#	man_xref.sh - man page sections match where programs install; every
#	SEE ALSO reference resolves
# DESCRIPTION
#	make install DESTDIR=TMP from $CAMPAIGN_BUILD, then:
#	every program installed in sbin has its page in man8 and every one in
#	bin its page in man1, and each page's .TH names the section of its
#	file; every NAME(SECTION) in the SEE ALSO section of each installed
#	page is a page the project installs or one installed on this machine
#	(/usr/share/man: Postfix's, systemd's, pflogsumm's Debian packages,
#	all installed by scripts/install-deps).  No sandbox needed.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
DEST=$(mktemp -d /tmp/campaign-man.XXXXXX)
trap 'rm -rf "$DEST"' EXIT
make -C "$CAMPAIGN_BUILD" -s install DESTDIR="$DEST" > "$DEST/make.out" 2>&1
st=$?
check_eq "make install DESTDIR= exit status" "$st" 0
[ $st = 0 ] || tail -n 20 "$DEST/make.out" | sed 's/^/# /'
man=$(find "$DEST" -type d -name man | head -n 1)
check "man pages installed" test -n "$man"
[ -n "$man" ] || { done_testing; exit; }

# programs in sbin have section 8 pages, in bin section 1
for dir in sbin:8 bin:1; do
	for p in $(find "$DEST" -path "*/${dir%:*}/*" \( -type f -o -type l \) | sort); do
		n=$(basename "$p")
		check "$n (${dir%:*}) has $n.${dir#*:}" test -f "$man/man${dir#*:}/$n.${dir#*:}"
	done
done

# each page's .TH section is its file's
for f in "$man"/man*/*; do
	sec=${f##*.}
	th=$(awk '/^\.TH/ { print $3; exit }' "$f")
	check_eq "$(basename "$f") .TH section" "$th" "$sec"
done

# see_also FILE - the NAME(SECTION) references of the SEE ALSO section
see_also() {
	sed -n '/^\.SH "*SEE ALSO/,/^\.SH/p' "$1" | sed '1d;/^\.SH/d' |
		sed -e 's/^\.[BIR][BIR]* *//' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' \
			-e 's/ (\([0-9]\)/(\1/g' |
		grep -oE '[A-Za-z0-9_.+-]+\([1-9][a-z]*\)'
}

# resolves NAME(SECTION) - a page of the project or of this machine
resolves() {
	local name=${1%(*} sec=${1#*(}
	sec=${sec%)}
	[ -e "$man/man${sec:0:1}/$name.$sec" ] && return 0
	compgen -G "/usr/share/man/man${sec:0:1}/$name.$sec*" > /dev/null
}

for f in "$man"/man*/*; do
	refs=$(see_also "$f")
	check "$(basename "$f") has SEE ALSO references" test -n "$refs"
	for r in $refs; do
		check "$(basename "$f"): SEE ALSO $r resolves" resolves "$r"
	done
done
done_testing
