#!/bin/bash
# NAME
#	deb_package.sh - the Debian package builds, is lintian-clean and puts
#	every file where Debian expects it
# DESCRIPTION
#	make distdir from $CAMPAIGN_BUILD (so the package is built from what
#	the tarball holds) into a scratch directory, dpkg-buildpackage -us
#	-uc -b there (nocheck: the unit tests run in the suite's own build),
#	then checks the .deb without installing it on this machine:
#	- programs in /usr/sbin and /usr/bin, each page in the man section of
#	  its directory, the unit in /lib/systemd/system, the syslog-ng
#	  fragment in /etc/syslog-ng/conf.d, campaign.conf in
#	  /etc/postfix/campaign (the programs' default) mode 0644 root:root,
#	  nothing under /usr/local; the /etc files are conffiles;
#	- postinst creates the users with adduser --system, postrm removes
#	  them on purge; no maintainer script runs postconf or names main.cf
#	  or master.cf outside a comment; the unit is not enabled or started;
#	- unpacked into a scratch root: every program answers --help with 0;
#	  the unit passes systemd-analyze verify and its exposure level
#	  (systemd-analyze security --offline) is SAFE or OK; the fragment
#	  passes syslog-ng -s;
#	- installed with dpkg -i in a private mount namespace whose /etc, /usr
#	  and /var are overlays on a tmpfs (this machine's stay untouched):
#	  the users campaign and campaign-milter exist as system users, Postfix's
#	  *.cf files are unchanged, the unit is not enabled, the installed unit
#	  verifies; dpkg --purge removes the users and the conffiles;
#	- lintian reports no error (warnings are printed; each is explained
#	  in debian/*.lintian-overrides).
#	Runs alone (SERIAL in tests/run): it compiles the whole project.
#	No sandbox needed.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
TMP=$(mktemp -d /tmp/campaign-deb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
S=$TMP/postfix-campaign
make -C "$CAMPAIGN_BUILD" -s distdir distdir="$S" > "$TMP/dist.out" 2>&1
check_eq "make distdir exit status" "$?" 0
(cd "$S" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) > "$TMP/build.out" 2>&1
st=$?
check_eq "dpkg-buildpackage exit status" "$st" 0
[ $st = 0 ] || tail -n 30 "$TMP/build.out" | sed 's/^/# /'
deb=$(ls "$TMP"/postfix-campaign_*.deb 2>/dev/null | head -n 1)
check "postfix-campaign .deb built" test -f "$deb"
[ -f "$deb" ] || { done_testing; exit; }

dpkg-deb -c "$deb" | awk '{ sub(/^\./, "", $6); print $1, $2, $6 }' > "$TMP/list"
has() { grep -q " $1\$" "$TMP/list"; }
for p in campaign-milter campaign-filter campaign-suppress campaign-setup; do
	check "/usr/sbin/$p" has "/usr/sbin/$p"
	check "man8/$p.8.gz" has "/usr/share/man/man8/$p.8.gz"
done
for p in campaign-feed campaignstat; do
	check "/usr/bin/$p" has "/usr/bin/$p"
	check "man1/$p.1.gz" has "/usr/share/man/man1/$p.1.gz"
done
for u in campaign-milter campaign-unsubscribe campaign-shaper; do
	check "$u unit in /lib/systemd/system" has "/lib/systemd/system/$u.service"
done
check "syslog-ng fragment in /etc/syslog-ng/conf.d" \
	has /etc/syslog-ng/conf.d/postfix-campaign.conf
check_eq "campaign.conf mode and owner" \
	"$(grep ' /etc/postfix/campaign/campaign.conf$' "$TMP/list" | cut -d' ' -f1,2)" \
	"-rw-r--r-- root/root"
check_eq "files under /usr/local" "$(grep -c ' /usr/local' "$TMP/list")" 0

dpkg-deb -e "$deb" "$TMP/ctl"
for f in /etc/postfix/campaign/campaign.conf /etc/syslog-ng/conf.d/postfix-campaign.conf; do
	check "conffile $f" grep -qx "$f" "$TMP/ctl/conffiles"
done
check "postinst: adduser --system" grep -q 'adduser .*--system' "$TMP/ctl/postinst"
check "postrm: deluser --system on purge" grep -q 'deluser .*--system' "$TMP/ctl/postrm"
check_eq "maintainer scripts touching Postfix's configuration" "$(cat "$TMP"/ctl/{pre,post}{inst,rm} \
	2>/dev/null | sed 's/#.*//' | grep -cE 'postconf|main\.cf|master\.cf')" 0
check_eq "unit enabled or started by postinst" \
	"$(grep -cE 'deb-systemd-invoke (start|restart)|systemctl (enable|start)' "$TMP/ctl/postinst")" 0

R=$TMP/root
dpkg-deb -x "$deb" "$R"
for p in "$R"/usr/sbin/* "$R"/usr/bin/*; do
	"$p" --help > /dev/null 2>&1
	check_eq "$(basename "$p") --help exit status" "$?" 0
done
# the units with their programs' paths in the scratch root
for u in campaign-milter campaign-unsubscribe campaign-shaper; do
	sed "s|/usr/sbin/|$R/usr/sbin/|g" "$R/lib/systemd/system/$u.service" > "$TMP/$u.service"
	out=$(MANPATH=$R/usr/share/man systemd-analyze verify "$TMP/$u.service" 2>&1)
	check_eq "systemd-analyze verify $u.service" "$?:$out" "0:"
	level=$(systemd-analyze security --offline=true "$TMP/$u.service" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	echo "# $u.service exposure: $level"
	check "$u.service exposure SAFE or OK" grep -qE ' (SAFE|OK)$' <<< "$level"
done
if command -v syslog-ng > /dev/null; then
	printf '@version: 3.38\nsource s_src { unix-dgram("%s/log"); internal(); };\n@include "%s"\n' \
		"$TMP" "$R/etc/syslog-ng/conf.d/postfix-campaign.conf" > "$TMP/syslog-ng.conf"
	check "fragment passes syslog-ng -s" syslog-ng -s -f "$TMP/syslog-ng.conf"
fi

# install_purge DEB - in a private mount namespace, with /etc, /usr and
# /var as overlays whose changes go to a tmpfs: dpkg -i, look, dpkg
# --purge, look.  Prints NAME=VALUE lines for the checks below.
install_purge() {
	local t d u
	t=$(mktemp -d /tmp/campaign-ovl.XXXXXX) && mount -t tmpfs tmpfs "$t" || return 1
	for d in etc usr var; do
		mkdir -p "$t/$d.up" "$t/$d.wk"
		mount -t overlay overlay \
			-o "lowerdir=/$d,upperdir=$t/$d.up,workdir=$t/$d.wk" "/$d" || return 1
	done
	cf_before=$(cat /etc/postfix/*.cf 2>/dev/null | md5sum)
	DEBIAN_FRONTEND=noninteractive dpkg -i "$1" > "$t/dpkg.out" 2>&1
	echo "install=$?"
	for u in campaign campaign-milter; do
		echo "user_$u=$(getent passwd "$u" | awk -F: '{ print ($3 < 1000 ? "system" : "uid " $3) ":" $7 }')"
	done
	echo "cf_unchanged=$([ "$(cat /etc/postfix/*.cf 2>/dev/null | md5sum)" = "$cf_before" ] && echo yes)"
	echo "enabled=$(ls /etc/systemd/system/*.wants/campaign-milter.service 2>/dev/null | wc -l)"
	echo "verify=$(systemd-analyze verify /lib/systemd/system/campaign-milter.service 2>&1 | tr '\n' ' ')"
	echo "conf_mode=$(stat -c '%a %U:%G' /etc/postfix/campaign/campaign.conf)"
	DEBIAN_FRONTEND=noninteractive dpkg --purge postfix-campaign > "$t/purge.out" 2>&1
	echo "purge=$?"
	echo "left_users=$(getent passwd campaign campaign-milter | wc -l)"
	echo "left_conf=$(ls /etc/postfix/campaign/campaign.conf /etc/syslog-ng/conf.d/postfix-campaign.conf 2>/dev/null | wc -l)"
}

unshare -m --propagation private bash -c "$(declare -f install_purge); install_purge '$deb'" \
	> "$TMP/install.out" 2>&1
v() { sed -n "s/^$1=//p" "$TMP/install.out"; }
check_eq "dpkg -i exit status" "$(v install)" 0
check_eq "user campaign: system, nologin" "$(v user_campaign)" "system:/usr/sbin/nologin"
check_eq "user campaign-milter: system, nologin" "$(v user_campaign-milter)" "system:/usr/sbin/nologin"
check_eq "Postfix's *.cf files unchanged by dpkg -i" "$(v cf_unchanged)" yes
check_eq "campaign-milter.service enabled by dpkg -i" "$(v enabled)" 0
check_eq "installed unit: systemd-analyze verify" "$(v verify)" ""
check_eq "installed campaign.conf mode" "$(v conf_mode)" "644 root:root"
check_eq "dpkg --purge exit status" "$(v purge)" 0
check_eq "users left after purge" "$(v left_users)" 0
check_eq "conffiles left after purge" "$(v left_conf)" 0
grep -q '^purge=' "$TMP/install.out" || sed 's/^/# /' "$TMP/install.out" | tail -n 20

lintian "$deb" > "$TMP/lintian.out" 2>&1
sed 's/^/# lintian: /' "$TMP/lintian.out"
check_eq "lintian errors" "$(grep -c '^E:' "$TMP/lintian.out")" 0
done_testing
