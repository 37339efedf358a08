#!/bin/bash
# NAME
#	milter_postfix.sh - campaign-milter behind a real Postfix campaign
#	smtpd: tags, return path, discard alias, failure modes, reload
# DESCRIPTION
#	Starts the sandbox, campaign-milter (as a daemon, -u nobody, on a
#	unix socket), a campaign smtpd service with smtpd_milters and
#	milter_default_action = tempfail, and the discard alias (virtual
#	hash: made by postmap, aliases by postalias).  Then, at smtp-sink:
#	- one recipient: MAIL FROM is the VERP form of the alias, every tag
#	  exactly once, body byte-identical, the List-Unsubscribe token
#	  verifies, one notice line exactly as DESIGN.md gives it;
#	- two recipients: the plain alias, no List-Unsubscribe;
#	- headers already there are not added twice;
#	- the ordinary port passes mail untouched;
#	- DSNs to the alias and to a VERP form of it end in /dev/null;
#	- milter stopped, and killed mid-transaction: 4xx, nothing at the sink;
#	- SIGHUP rereads the configuration; a broken one is refused.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

sandbox_start || { fail "sandbox starts"; done_testing; }
cm_write_conf
cm_start || { fail "milter starts"; done_testing; }
cm_campaign_service || { fail "campaign service"; done_testing; }
cm_discard_setup || { fail "discard alias set up"; done_testing; }
MSG=$SB/msg
BODY=$SB/body

printf 'Hello,\n.a line with a leading dot\ntrailing spaces   \n\n\tlast line\n' > "$BODY"

# message FILE HEADER... - headers, a blank line, then $BODY
message() {
	local f=$1 h; shift
	{ for h in "$@"; do printf '%s\n' "$h"; done; echo; cat "$BODY"; } > "$f"
}

# notice_for QID - the milter's notice lines for QID
notice_for() { grep -E "campaign-milter\[[0-9]+\]: $1: " "$SB_LOG"; }

# --- one recipient -----------------------------------------------------------
message "$MSG" "From: news@campaign.test" "To: user1@sink.test" "Subject: one" \
	"X-Campaign-ID: spring-2026"
check "single: accepted" cm_send "$CM_PORT" sender@campaign.test user1@sink.test < "$MSG"
Q1=$CM_QID
wait_for 20 "dump for user1" cm_has_dump_for "<user1@sink.test>"
D=$(cm_dump_for "<user1@sink.test>")
check_eq "single: MAIL FROM is the VERP alias" "$(cm_header "$D" X-Mail-Args)" \
	"<bounces+user1=sink.test@bounce.campaign.test>"
for h in X-Campaign-ID Precedence Feedback-ID List-Unsubscribe List-Unsubscribe-Post; do
	check_eq "single: one $h" "$(cm_header_count "$D" "$h")" 1
done
check_eq "single: X-Campaign-ID kept" "$(cm_header "$D" X-Campaign-ID)" spring-2026
check_eq "single: Precedence" "$(cm_header "$D" Precedence)" bulk
check_eq "single: Feedback-ID" "$(cm_header "$D" Feedback-ID)" "spring-2026:campaign:sandbox"
check_eq "single: one-click" "$(cm_header "$D" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click"
check_eq "single: body byte-identical" \
	"$(sed '1,/^$/d' "$D" | head -n "$(wc -l < "$BODY")" | md5sum)" "$(md5sum < "$BODY")"
LU=$(cm_header "$D" List-Unsubscribe)
TOKEN=$(sed -n 's/.*[?&]t=\([A-Za-z0-9_-]*\).*/\1/p' <<< "$LU")
check_eq "single: List-Unsubscribe form" \
	"$(sed 's/t=[A-Za-z0-9_-]*/t=TOKEN/' <<< "$LU")" \
	"<https://unsub.campaign.test/u?c=spring-2026&r=user1%40sink.test&t=TOKEN>, <mailto:unsubscribe+spring-2026@campaign.test>"
check_eq "single: token verifies" \
	"$("$CM_PROG" -c "$CM_CONF" -V spring-2026 user1@sink.test "$TOKEN")" valid
check_eq "single: token is per recipient" \
	"$("$CM_PROG" -c "$CM_CONF" -V spring-2026 user2@sink.test "$TOKEN")" invalid
# a token is URL-safe base64, so one in 64 begins with '-': read as a token, not an option
check_eq "single: a token beginning with - is a token" \
	"$("$CM_PROG" -c "$CM_CONF" -V spring-2026 user1@sink.test "-vX$TOKEN" 2>&1)" invalid
wait_for 10 "notice line" notice_for "$Q1" >/dev/null
check_eq "single: notice line exactly" "$(notice_for "$Q1" | sed 's/.*campaign-milter\[[0-9]*\]: //')" \
	"$Q1: campaign=spring-2026 from=<sender@campaign.test> return=<bounces+user1=sink.test@bounce.campaign.test> nrcpt=1 tags=Precedence,Feedback-ID,List-Unsubscribe,List-Unsubscribe-Post"

# --- several recipients --------------------------------------------------------
message "$MSG" "From: news@campaign.test" "Subject: two" "X-Campaign-ID: c2"
check "several: accepted" cm_send "$CM_PORT" sender@campaign.test u2a@sink.test u2b@sink.test < "$MSG"
Q2=$CM_QID
wait_for 20 "dump for u2a" cm_has_dump_for "<u2a@sink.test>"
D=$(cm_dump_for "<u2a@sink.test>")
check_eq "several: MAIL FROM is the plain alias" "$(cm_header "$D" X-Mail-Args)" "<$CM_ALIAS>"
check_eq "several: no List-Unsubscribe" "$(cm_header_count "$D" List-Unsubscribe)" 0
check_eq "several: no List-Unsubscribe-Post" "$(cm_header_count "$D" List-Unsubscribe-Post)" 0
check_eq "several: one Precedence" "$(cm_header_count "$D" Precedence)" 1
wait_for 10 "notice line" notice_for "$Q2" >/dev/null
check "several: notice nrcpt=2" grep -qE "$Q2: campaign=c2 from=<sender@campaign.test> return=<$CM_ALIAS> nrcpt=2 tags=Precedence,Feedback-ID$" "$SB_LOG"

# --- headers already present ---------------------------------------------------
message "$MSG" "From: news@campaign.test" "Subject: has tags" "X-Campaign-ID: c3" \
	"Precedence: list" "List-Unsubscribe: <mailto:own@campaign.test>"
check "present: accepted" cm_send "$CM_PORT" sender@campaign.test user3@sink.test < "$MSG"
Q3=$CM_QID
wait_for 20 "dump for user3" cm_has_dump_for "<user3@sink.test>"
D=$(cm_dump_for "<user3@sink.test>")
for h in X-Campaign-ID Precedence List-Unsubscribe Feedback-ID; do
	check_eq "present: one $h" "$(cm_header_count "$D" "$h")" 1
done
check_eq "present: own Precedence kept" "$(cm_header "$D" Precedence)" list
check_eq "present: own List-Unsubscribe kept" "$(cm_header "$D" List-Unsubscribe)" "<mailto:own@campaign.test>"
check_eq "present: no one-click without our URL" "$(cm_header_count "$D" List-Unsubscribe-Post)" 0
wait_for 10 "notice line" notice_for "$Q3" >/dev/null
check "present: tags=Feedback-ID only" grep -qE "$Q3: .* nrcpt=1 tags=Feedback-ID$" "$SB_LOG"

# --- the ordinary port ---------------------------------------------------------
message "$MSG" "From: news@campaign.test" "Subject: plain"
check "ordinary: accepted" cm_send "$SB_SMTP_PORT" sender@campaign.test user4@sink.test < "$MSG"
Q4=$CM_QID
wait_for 20 "dump for user4" cm_has_dump_for "<user4@sink.test>"
D=$(cm_dump_for "<user4@sink.test>")
check_eq "ordinary: sender untouched" "$(cm_header "$D" X-Mail-Args)" "<sender@campaign.test>"
check_eq "ordinary: no tags" \
	"$(( $(cm_header_count "$D" X-Campaign-ID) + $(cm_header_count "$D" Precedence) + $(cm_header_count "$D" Feedback-ID) ))" 0
check "ordinary: no notice line" test -z "$(notice_for "$Q4")"

# --- DSNs to the discard alias -------------------------------------------------
sandbox_wait_queue_empty 20
before=$(sandbox_sink_count)
message "$MSG" "From: MAILER-DAEMON@remote.test" "Subject: Undelivered Mail DSNTEST" \
	"Content-Type: text/plain"
check "dsn: to the alias accepted" cm_send "$SB_SMTP_PORT" "" "$CM_ALIAS" < "$MSG"
check "dsn: to a VERP form accepted" cm_send "$SB_SMTP_PORT" "" \
	"bounces+someone=example.org@bounce.campaign.test" < "$MSG"
dsn_discarded() {
	[ "$(sandbox_log_count 'orig_to=<bounces(\+someone=example.org)?@bounce.campaign.test>.*relay=local.*status=sent \(delivered to file: /dev/null\)')" -ge 2 ]
}
check "dsn: both delivered to /dev/null" wait_for 20 "discard lines" dsn_discarded
sandbox_wait_queue_empty 20
check_eq "dsn: nothing reached the sink" "$(sandbox_sink_count)" "$before"
check_eq "dsn: nothing bounced" "$(sandbox_log_count 'status=bounced')" 0

# --- SIGHUP ---------------------------------------------------------------------
sed -i 's/^feedback_id = .*/feedback_id = %c:reloaded:sandbox/' "$CM_CONF"
kill -HUP "$CM_PID"
check "reload: logged" sandbox_wait_log 'campaign-milter\[[0-9]+\]: configuration reloaded' 10
message "$MSG" "From: news@campaign.test" "Subject: reload" "X-Campaign-ID: c5"
cm_send "$CM_PORT" sender@campaign.test user5@sink.test < "$MSG"
wait_for 20 "dump for user5" cm_has_dump_for "<user5@sink.test>"
check_eq "reload: new Feedback-ID" "$(cm_header "$(cm_dump_for "<user5@sink.test>")" Feedback-ID)" \
	"c5:reloaded:sandbox"
echo "return_path = no-at-sign" >> "$CM_CONF"
kill -HUP "$CM_PID"
check "reload: broken file refused" sandbox_wait_log 'campaign-milter\[[0-9]+\]: reload failed; keeping' 10
check "reload: still running" kill -0 "$CM_PID"
cm_send "$CM_PORT" sender@campaign.test user6@sink.test < "$MSG"
wait_for 20 "dump for user6" cm_has_dump_for "<user6@sink.test>"
check_eq "reload: old settings still in effect" \
	"$(cm_header "$(cm_dump_for "<user6@sink.test>")" X-Mail-Args)" \
	"<bounces+user6=sink.test@bounce.campaign.test>"
sed -i '$d' "$CM_CONF"

# --- privileges -------------------------------------------------------------------
check_eq "privileges: runs as nobody" "$(awk '/^Uid:/ { print $2 }' "/proc/$CM_PID/status")" 65534
check_eq "privileges: socket nobody:postfix 0660" "$(stat -c '%U:%G %a' "$CM_SOCK")" "nobody:postfix 660"

# --- milter stopped -----------------------------------------------------------------
check "stop: SIGTERM ends it" cm_stop
check "stop: logged" sandbox_wait_log 'campaign-milter\[[0-9]+\]: stopped' 10
message "$MSG" "From: news@campaign.test" "Subject: milter down" "X-Campaign-ID: c7"
cm_send "$CM_PORT" sender@campaign.test user7@sink.test < "$MSG"
check "stopped: client gets 4xx" grep -qE '^4[0-9][0-9] ' <<< "$CM_REPLY"
echo "# reply with the milter down: $CM_REPLY"

# --- milter killed mid-transaction -----------------------------------------------------
cm_start || fail "restart" "milter did not start again"
killed_mid_transaction() {
	exec 7<>"/dev/tcp/127.0.0.1/$CM_PORT" || return 1
	sb_reply && sb_cmd 250 "EHLO client.campaign.test" &&
		sb_cmd 250 "MAIL FROM:<sender@campaign.test>" &&
		sb_cmd 250 "RCPT TO:<user8@sink.test>" && sb_cmd 354 DATA || return 1
	printf 'X-Campaign-ID: c8\r\nSubject: killed\r\n' >&7
	kill -KILL "$CM_PID"
	wait_for 10 "milter gone" sb_dead "$CM_PID"
	printf '\r\nbody\r\n' >&7
	sb_cmd 4 . ; local st=$?
	echo "# reply after kill -9 mid-transaction: $SB_REPLY"
	printf 'QUIT\r\n' >&7; exec 7<&- 7>&-
	return $st
}
check "killed: client gets 4xx at end of data" killed_mid_transaction
CM_PID=
sandbox_wait_queue_empty 20
check "down: nothing at the sink for user7/user8" test -z "$(cm_dump_for '<user7@sink.test>')$(cm_dump_for '<user8@sink.test>')"
check_eq "down: the only original sender at the sink is the ordinary port's" \
	"$(grep -l '^X-Mail-Args: <sender@campaign.test>' "$SB_SINK_DIR"/msg.* | wc -l)" 1
cm_start || fail "restart" "milter did not start again"
check "restarted: campaign mail flows again" cm_send "$CM_PORT" sender@campaign.test user9@sink.test < "$MSG"
check "restarted: tagged" wait_for 20 "dump for user9" cm_has_dump_for "<user9@sink.test>"
check "sanitizers: no report" cm_san_clean
done_testing
