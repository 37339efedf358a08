#!/bin/bash
# NAME
#	priv_install.sh - no installed program is setuid or setgid
# DESCRIPTION
#	make install DESTDIR=TMP from $CAMPAIGN_BUILD, then:
#	every program of the project is installed; no installed file is
#	setuid or setgid (find -perm /6000), none is writable by group or
#	others, none carries file capabilities (getcap, when installed);
#	each installed program answers --help with exit 0.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
DEST=$(mktemp -d /tmp/campaign-install.XXXXXX)
trap 'rm -rf "$DEST"' EXIT
make -C "$CAMPAIGN_BUILD" -s install DESTDIR="$DEST" > "$DEST.out" 2>&1
st=$?
check_eq "make install DESTDIR= exit status" "$st" 0
[ $st = 0 ] || sed 's/^/# /' "$DEST.out" | tail -n 20
rm -f "$DEST.out"

progs=$(find "$DEST" -type f -path '*bin/*' | sort)
for p in campaign-milter campaign-filter campaign-feed campaignstat campaign-suppress campaign-setup; do
	check "$p installed" grep -q "/$p\$" <<< "$progs"
done
check_eq "setuid or setgid files" "$(find "$DEST" -perm /6000 | sed "s|^$DEST||")" ""
check_eq "files writable by group or others" \
	"$(find "$DEST" -type f -perm /022 | sed "s|^$DEST||")" ""
if command -v getcap > /dev/null; then
	check_eq "files with capabilities" "$(getcap -r "$DEST" 2>/dev/null)" ""
fi
for p in $progs; do
	"$p" --help > /dev/null 2>&1
	check_eq "$(basename "$p") --help exit status" "$?" 0
done
done_testing
