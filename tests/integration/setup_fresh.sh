#!/bin/bash
# NAME
#	setup_fresh.sh - campaign-setup on a fresh Debian main.cf.dist and
#	master.cf.dist: applies, is idempotent, -n changes nothing, no warnings
# DESCRIPTION
#	Makes a configuration directory from /usr/share/postfix/*.dist with
#	the install-time parameters filled in as Debian's postinst does, plus
#	the HOWTO's old settings (qmgr_site_hog_factor, virtual_maps,
#	smtp_destination_concurrency_limit = 0) as an old box would have them.
#	Runs campaign-setup, then again, then with -n; checks the results with
#	postconf, postmap -q and postalias -q, never by reading the files.
#	Needs no running Postfix.  The milter's system user: with /etc
#	replaced by a copy inside ns-exec's private mount namespace only,
#	-n says it would create campaign-milter, a run creates it (system
#	uid, no login shell, no home), the next run finds it; --milter none
#	creates none.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
SETUP=$CAMPAIGN_BUILD/postfix-conf/campaign-setup
W=$(mktemp -d /tmp/setup-fresh.XXXXXX)
trap 'rm -rf "$W"' EXIT
# pipe(8) runs the filter as the filter user: a copy where nobody reaches
# it (the build tree may sit in a 0700 directory such as /root)
chmod 755 "$W" && install -D -m 755 "$CAMPAIGN_BUILD/filter/campaign-filter" "$W/bin/campaign-filter"
FILTER=$W/bin/campaign-filter
C=$W/conf

fresh_config() {
	mkdir -p "$C" "$W/queue" "$W/data" && chown postfix "$W/data" &&
	cp /usr/share/postfix/main.cf.dist "$C/main.cf" &&
	cp /usr/share/postfix/master.cf.dist "$C/master.cf" &&
	postconf -c "$C" -e queue_directory="$W/queue" data_directory="$W/data" \
		setgid_group=postdrop mail_owner=postfix \
		sendmail_path=/usr/sbin/sendmail newaliases_path=/usr/bin/newaliases \
		mailq_path=/usr/bin/mailq manpage_directory=/usr/share/man \
		html_directory=no sample_directory=/usr/share/doc/postfix \
		readme_directory=no myhostname=relay.campaign.test \
		"qmgr_site_hog_factor = 100" "virtual_maps = hash:$C/oldvirtual" \
		"smtp_destination_concurrency_limit = 0" "trigger_timeout = 5" \
		"default_process_limit = 1000" &&
	printf 'old@campaign.test kept@campaign.test\n' > "$C/oldvirtual" &&
	postmap -c "$C" "hash:$C/oldvirtual"
}

setup() {
	"$SETUP" -c "$C" --filter "$FILTER" --filter-user nobody \
		--milter-user nobody --port 127.0.0.1:2525 "$@"
}

# sums - checksums of everything campaign-setup may change
sums() { (cd "$C" && find . -path ./campaign-setup.backup -prune -o -type f -print |
	sort | xargs md5sum); }

check "fresh configuration prepared" fresh_config
# a filter its user cannot execute: refused before anything changes
mkdir -m 700 "$W/private" && cp "$FILTER" "$W/private/"
before=$(sums)
out=$("$SETUP" -c "$C" --filter "$W/private/campaign-filter" --filter-user nobody \
	--milter-user nobody --port 127.0.0.1:2525 --return-path 'bounces@campaign.test' 2>&1); st=$?
check_eq "unreachable filter: exit 77" "$st" 77
check "unreachable filter: says who cannot execute what" \
	grep -qF "$W/private/campaign-filter: user nobody cannot execute it" <<<"$out"
check_eq "unreachable filter: nothing changed" "$(sums)" "$before"
out=$(setup --return-path 'bounces+%c@campaign.test' 2>&1); st=$?
echo "$out" | sed 's/^/# /'
check_eq "first run exits 0" "$st" 0
check "first run made changes" grep -q "change(s) made" <<<"$out"
check "backup saved" test -f "$(ls -d "$C"/campaign-setup.backup/*/ | head -1)main.cf"
check "postconf -n prints no warning" test -z "$(postconf -c "$C" -n 2>&1 >/dev/null)"
check_eq "qmgr_site_hog_factor removed" "$(grep -c qmgr_site_hog_factor "$C/main.cf")" 0
check_eq "virtual_maps folded into virtual_alias_maps" \
	"$(postconf -c "$C" -h virtual_alias_maps)" "hash:$C/oldvirtual, hash:$C/campaign/virtual"
check_eq "old virtual entry still resolves" \
	"$(postmap -c "$C" -q old@campaign.test "$(postconf -c "$C" -h virtual_alias_maps | cut -d, -f1)")" \
	kept@campaign.test
check_eq "smtp_destination_concurrency_limit = 0 dropped" \
	"$(postconf -c "$C" -nh smtp_destination_concurrency_limit)" ""
check_eq "administrator's trigger_timeout kept" "$(postconf -c "$C" -h trigger_timeout)" 5
check_eq "hash_queue_names: Postfix's default" "$(postconf -c "$C" -nh hash_queue_names)" ""
check_eq "HOWTO's default_process_limit = 1000 dropped" \
	"$(postconf -c "$C" -nh default_process_limit)" ""
check_eq "recipient_delimiter for the VERP return path" \
	"$(postconf -c "$C" -h recipient_delimiter)" +
check_eq "discard alias -> devnull" \
	"$(postmap -c "$C" -q bounces@campaign.test "hash:$C/campaign/virtual")" devnull
check_eq "devnull -> /dev/null" \
	"$(postalias -c "$C" -q devnull "hash:$C/campaign/aliases")" /dev/null
check_eq "suppression table exists and is empty" \
	"$(postmap -c "$C" -s "hash:$C/campaign/suppression" | wc -l)" 0
check_eq "campaign smtpd: content filter" \
	"$(postconf -c "$C" -Ph 127.0.0.1:2525/inet/content_filter)" campaign:
check_eq "campaign smtpd: milter_default_action" \
	"$(postconf -c "$C" -Ph 127.0.0.1:2525/inet/milter_default_action)" tempfail
check_eq "campaign smtpd: no error sleep (refused recipients must not throttle the feeder)" \
	"$(postconf -c "$C" -Ph 127.0.0.1:2525/inet/smtpd_error_sleep_time)" 0
check_eq "campaign smtpd: hard error limit raised" \
	"$(postconf -c "$C" -Ph 127.0.0.1:2525/inet/smtpd_hard_error_limit)" 1000
check_eq "campaign smtpd: never the soft-limit slowdown" \
	"$(postconf -c "$C" -Ph 127.0.0.1:2525/inet/smtpd_soft_error_limit)" 1001
check_eq "reinjection: no milters" \
	"$(postconf -c "$C" -Ph 127.0.0.1:10026/inet/receive_override_options)" \
	no_unknown_recipient_checks,no_header_body_checks,no_milters
check_eq "reinjection: no content filter" \
	"$(postconf -c "$C" -Ph 127.0.0.1:10026/inet/content_filter)" ""
check "pipe transport flags and argv" grep -qF 'pipe flags=Rq null_sender= user=nobody argv=' \
	<<<"$(postconf -c "$C" -M campaign/unix)"
check_eq "filter reads the table smtpd checks" \
	"$("$FILTER" -c "$C/campaign/campaign.conf" -n | sed -n 's/^suppression_table = //p')" \
	"hash:$C/campaign/suppression"

before=$(sums)
out=$(setup 2>&1); st=$?
check_eq "second run exits 0" "$st" 0
check_eq "second run changes nothing" "$(echo "$out" | tail -1)" "0 change(s) made"
check_eq "files unchanged by the second run" "$(sums)" "$before"
out=$(setup -n --dkim-milter unix:/run/opendkim/opendkim.sock 2>&1); st=$?
check_eq "-n exits 0" "$st" 0
check "-n shows the DKIM change" grep -q "would change: master.cf: 127.0.0.1:10026 .*-o smtpd_milters=unix:/run/opendkim/opendkim.sock -o milter_default_action=tempfail" <<<"$out"
check_eq "-n changes no file" "$(sums)" "$before"
check_eq "one backup only" "$(ls "$C/campaign-setup.backup" | wc -l)" 1
out=$(setup --dkim-milter unix:/run/opendkim/opendkim.sock 2>&1); st=$?
check_eq "DKIM run exits 0" "$st" 0
check_eq "DKIM signer on the reinjection listener" \
	"$(postconf -c "$C" -Ph 127.0.0.1:10026/inet/smtpd_milters)" \
	unix:/run/opendkim/opendkim.sock
check_eq "campaign smtpd keeps campaign-milter only" \
	"$(postconf -c "$C" -Ph 127.0.0.1:2525/inet/smtpd_milters)" \
	unix:/run/campaign-milter/milter.sock
out=$(setup --dkim-milter unix:/run/opendkim/opendkim.sock 2>&1)
check_eq "DKIM run again changes nothing" "$(echo "$out" | tail -1)" "0 change(s) made"
"$SETUP" -c "$C" --bogus >/dev/null 2>&1
check_eq "usage error exits 64" "$?" 64
"$SETUP" -c "$W/nonexistent" >/dev/null 2>&1
check_eq "missing directory exits 66" "$?" 66
postconf -c "$C" -e "qmgr_site_hog_factor = 100"
: > "$W/empty.cf"
out=$(setup --settings "$W/empty.cf" 2>&1); st=$?
check_eq "a postconf warning fails the run (78)" "$st" 78
check "and names the line" grep -q "unused parameter: qmgr_site_hog_factor" <<<"$out"
out=$("$SETUP" -c "$C" --check-spool 2>&1); st=$?
echo "$out" | sed 's/^/# /'
check_eq "--check-spool exits 0" "$st" 0
check "--check-spool names the file system" grep -q "^queue_directory $W/queue: file system" <<<"$out"

# --- the milter's user, in a private copy of /etc --------------------------
PETC=$(mktemp -d /tmp/setup-fresh-etc.XXXXXX)
trap 'umount -l /etc 2>/dev/null; rm -rf "$W" "$PETC"' EXIT
MU=campaign-milter
if [ ! -e /dev/.campaign-ns ] || ! { cp -a /etc/. "$PETC/" && mount --bind "$PETC" /etc; }; then
	fail "private /etc for the milter user" "not inside ns-exec, or bind mount failed"
	done_testing
fi
userdel "$MU" >/dev/null 2>&1
no_user() { ! id "$1" >/dev/null 2>&1; }
before=$(sums)
out=$(setup -n --milter-user "$MU" 2>&1); st=$?
check_eq "-n with the milter user absent exits 0" "$st" 0
check "-n says it would create $MU" grep -qx "would change: create system user $MU" <<<"$out"
check "-n created no user" no_user "$MU"
check_eq "-n changed no file" "$(sums)" "$before"
out=$(setup --milter-user "$MU" --milter none 2>&1)
check "--milter none: no milter user" no_user "$MU"
out=$(setup --milter-user "$MU" 2>&1); st=$?
echo "$out" | sed 's/^/# /'
check_eq "run with the milter user absent exits 0" "$st" 0
check "says it creates $MU" grep -qx "change: create system user $MU" <<<"$out"
check "$MU exists" id -u "$MU"
IFS=: read -r _ _ uid _ _ home shell <<<"$(getent passwd "$MU")"
check "$MU is a system user (uid $uid)" test "$uid" -lt \
	"$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs)"
check_eq "$MU has no login shell" "$shell" /usr/sbin/nologin
check_eq "$MU has no home" "$home" /nonexistent
check "no home directory made" test ! -e /nonexistent
out=$(setup --milter-user "$MU" 2>&1)
check_eq "next run changes nothing" "$(echo "$out" | tail -1)" "0 change(s) made"
done_testing
