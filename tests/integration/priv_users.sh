#!/bin/bash
# NAME
#	priv_users.sh - the milter and the filter run as their own
#	unprivileged users; the milter's socket is Postfix's only; the HMAC
#	secret is refused when others can read it
# DESCRIPTION
#	/etc is replaced, inside ns-exec's private mount namespace only, by a
#	copy, so that users can be created without touching the machine.  The
#	copy starts without the project's users (campaign, campaign-milter:
#	campaign-setup, the package or an earlier run may have made them on
#	this machine), so that their creation is watched from the start.
#	The user campaign-milter is created as OPERATIONS.md says (the
#	systemd unit runs the milter with -u campaign-milter); campaign-setup
#	is run without --filter-user, so it creates its default filter user
#	"campaign" itself.
#	1. campaign-setup created the system user campaign; the pipe(8)
#	   transport runs the filter as that user.
#	2. campaign-milter, started as root with -u campaign-milter, runs with
#	   every uid and gid of campaign-milter, no supplementary group 0 and
#	   no capability.
#	3. Its socket is campaign-milter:postfix mode 0660; a campaign message
#	   through Postfix is tagged (Postfix reaches it); connecting as
#	   nobody or as the filter user fails with "Permission denied"; as
#	   the postfix user it succeeds.
#	4. A running campaign-filter (held by a listener that never answers)
#	   has every uid of the user campaign and no capability; the message
#	   is delivered once afterwards.
#	5. The unsubscribe secret with mode 0644, 0660 or 0604: campaign-milter
#	   -n exits 78 and names the file and the mode; 0600 and 0640 (shared
#	   with the file's group, as the filter and the milter share it on a
#	   real box) exit 0.  SIGHUP
#	   with a readable secret keeps the daemon and its old settings.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

MUSER=campaign-milter FUSER=campaign
PETC=$(mktemp -d /tmp/campaign-priv-etc.XXXXXX)
etc_restore() { umount -l /etc 2>/dev/null; rm -rf "$PETC"; }

# etc_forget NAME... - the copy of /etc ($PETC) without the users and
# groups NAME, nor NAME in any group's member list
etc_forget() {
	local f n
	for n in "$@"; do
		for f in passwd shadow group gshadow; do
			[ -f "$PETC/$f" ] || continue
			awk -F: -v OFS=: -v n="$n" -v members="${f%shadow}" '
				$1 == n { next }
				members ~ /^g/ {	# group, gshadow: the last field lists members
					k = split($NF, m, ","); out = ""
					for (i = 1; i <= k; i++)
						if (m[i] != n) out = out (out == "" ? "" : ",") m[i]
					$NF = out
				}
				{ print }' "$PETC/$f" > "$PETC/$f.new" &&
				cat "$PETC/$f.new" > "$PETC/$f" && rm -f "$PETC/$f.new" || return 1
		done
	done
}
if ! { cp -a /etc/. "$PETC/" && etc_forget "$MUSER" "$FUSER" &&
	mount --bind "$PETC" /etc; }; then
	fail "private /etc" "cannot bind a copy of /etc"; etc_restore; done_testing
fi
check "private /etc: no user $FUSER" test -z "$(getent passwd "$FUSER")"
check "private /etc: no user $MUSER" test -z "$(getent passwd "$MUSER")"
sandbox_start || { fail "sandbox starts"; etc_restore; done_testing; }
sandbox_cleanup_hook() { etc_restore; }
FL_FILTER=$(sb_prog filter/campaign-filter) FL_SETUP=$(sb_prog postfix-conf/campaign-setup)

# status_ids PID FIELD - the four ids of the Uid: or Gid: line
status_ids() { awk -v f="$2:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$1/status"; }
cap_eff() { awk '$1 == "CapEff:" { print $2 }' "/proc/$1/status"; }
groups_of() { awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$1/status"; }

# --- set up as an operator would -------------------------------------------
check "milter user created" useradd --system --no-create-home \
	--home-dir /nonexistent --shell /usr/sbin/nologin "$MUSER"
FL_PORT=$(sandbox_free_port) FL_RPORT=$(sandbox_free_port)
FL_TABLE=$SB_CONF/campaign/suppression
cm_write_conf "reinject_to = 127.0.0.1:$FL_RPORT" \
	"suppression_table = hash:$FL_TABLE" "filter_deadline = 30s"
chown "$MUSER" "$CM_SECRET"
check "milter starts with -u $MUSER" cm_start -u "$MUSER"
sandbox_postconf "mydestination = \$myhostname"
"$FL_SETUP" -c "$SB_CONF" --port "127.0.0.1:$FL_PORT" --reinject-port "$FL_RPORT" \
	--filter "$FL_FILTER" --milter "unix:$CM_SOCK" --campaign-conf "$CM_CONF" \
	> "$SB/setup.out" 2>&1
check_eq "campaign-setup exit status" "$?" 0
sandbox_reload && wait_for 20 "campaign ports" fl_ports_ready
sandbox_fast_retry

# --- 1. the filter user ------------------------------------------------------
check "campaign-setup created the filter user" grep -q "create system user $FUSER" "$SB/setup.out"
fuid=$(id -u "$FUSER") muid=$(id -u "$MUSER") mgid=$(id -g "$MUSER")
check "filter user is a system user ($fuid)" test "$fuid" -gt 0 -a "$fuid" -lt 1000
check_eq "filter user cannot log in" "$(getent passwd "$FUSER" | cut -d: -f7)" /usr/sbin/nologin
check "pipe(8) runs the filter as $FUSER" \
	grep -q "user=$FUSER " <(postconf -c "$SB_CONF" -M campaign/unix)

# --- 2. the milter process ------------------------------------------------------
check_eq "milter uids" "$(status_ids "$CM_PID" Uid)" "$muid $muid $muid $muid"
check_eq "milter gids" "$(status_ids "$CM_PID" Gid)" "$mgid $mgid $mgid $mgid"
check "milter has no supplementary group 0" test -z "$(groups_of "$CM_PID" | grep -w 0)"
check_eq "milter has no capability" "$(cap_eff "$CM_PID")" 0000000000000000

# --- 3. the socket ---------------------------------------------------------------
check_eq "socket owner, group, mode" "$(stat -c '%U %G %a' "$CM_SOCK")" "$MUSER postfix 660"
fl_message "$SB/msg" priv
check "a campaign message through Postfix" sandbox_smtp "$FL_PORT" sender@campaign.test p1@sink.test < "$SB/msg" > /dev/null
check "it arrives" sandbox_wait_sink_count 1 60
check "it is tagged (Postfix reached the milter)" grep -q '^X-Campaign-ID: priv' "$SB_SINK_DIR"/msg.*
# connect_as USER - connect to the milter socket as USER; prints the error
connect_as() {
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(e.strerror); sys.exit(1)
print("connected")' "$CM_SOCK" 2>&1
}
check_eq "nobody cannot connect" "$(connect_as nobody)" "Permission denied"
check_eq "the filter user cannot connect" "$(connect_as "$FUSER")" "Permission denied"
check_eq "the postfix user can connect" "$(connect_as postfix)" "connected"

# --- 4. a running filter ---------------------------------------------------------
HOLD_PORT=$(sandbox_free_port)
sb_bg "$SB/hold.out" /usr/bin/python3 -c '
import socket, sys, signal, time
signal.alarm(120)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); time.sleep(60)' "$HOLD_PORT"
HOLD_PID=$SB_BG
wait_for 10 "holding listener" sb_listens "$HOLD_PID" "$HOLD_PORT"
cp "$CM_CONF" "$SB/campaign.conf.orig"
echo "reinject_to = 127.0.0.1:$HOLD_PORT" >> "$CM_CONF"
sandbox_smtp "$FL_PORT" sender@campaign.test p2@sink.test < "$SB/msg" > /dev/null
check "a filter runs" wait_for 30 "filter running" ft_filter_running
fpid=$(ft_filter_pid)
if [ -n "$fpid" ]; then
	check_eq "filter uids" "$(status_ids "$fpid" Uid)" "$fuid $fuid $fuid $fuid"
	check_eq "filter has no capability" "$(cap_eff "$fpid")" 0000000000000000
fi
cp "$SB/campaign.conf.orig" "$CM_CONF"
kill -TERM "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null
check "held message deferred, not bounced" \
	sandbox_wait_log 'to=<p2@sink.test>, relay=campaign, .*status=deferred' 30
sandbox_postqueue -f
check "held message delivered afterwards" sandbox_wait_sink_count 2 60

# --- 5. the secret file's mode --------------------------------------------------
for mode in 644 660 604; do
	chmod "$mode" "$CM_SECRET"
	out=$("$CM_PROG" -n -c "$CM_CONF" 2>&1); st=$?
	check_eq "secret mode $mode: exit status" "$st" 78
	check "secret mode $mode: message names the file and the mode" \
		grep -q "$CM_SECRET: secret file mode $mode lets others read it or its group write it" <<< "$out"
done
for mode in 640 600; do
	chmod "$mode" "$CM_SECRET"
	"$CM_PROG" -n -c "$CM_CONF" > /dev/null 2>&1
	check_eq "secret mode $mode: exit status" "$?" 0
done
chmod 644 "$CM_SECRET"
before=$(sandbox_log_count "campaign-milter.*secret file mode 644")
kill -HUP "$CM_PID"
hup_refused() { [ "$(sandbox_log_count "campaign-milter.*secret file mode 644")" -gt "$before" ]; }
check "SIGHUP with a readable secret: refused in the log" wait_for 10 "refusal logged" hup_refused
check "SIGHUP with a readable secret: the milter keeps running" sb_alive "$CM_PID"
chmod 600 "$CM_SECRET"
check "still tags with the old settings" sandbox_smtp "$FL_PORT" sender@campaign.test p3@sink.test < "$SB/msg" > /dev/null
check "third message arrives" sandbox_wait_sink_count 3 60
check_eq "all three tagged" "$(grep -l '^X-Campaign-ID: priv' "$SB_SINK_DIR"/msg.* | wc -l)" 3
check "milter left no sanitizer report" cm_san_clean
done_testing
