#!/bin/bash
# NAME
#	suppress_retry.sh - a recipient suppressed while its copy waits in the
#	deferred queue is discarded at the next retry, and campaignstat
#	counts it as suppressed
# DESCRIPTION
#	campaign-setup --discard-suppressed configures the sandbox Postfix
#	(the campaign path of fl_setup): transport_maps reads the suppression
#	table through pipemap and a regexp table, so a suppressed address
#	resolves to discard(8).  campaign-testsink is the relay and answers
#	the first RCPT of each defer-N address with 451, then 250.  A
#	campaign goes to defer-1..3 and ok-1: ok-1 is delivered, the three
#	defer-N copies (reinjected by the filter) are deferred.  Then
#	campaign-suppress adds defer-2 (the same lib/ write as the other
#	writers), trivial-rewrite notices the changed table by itself, an
#	ordinary message to other-1 is delivered (and replaces the one address
#	qmgr keeps resolved in its cache), and postqueue -f retries the
#	deferred queue: defer-1 and defer-3 reach the
#	sink, defer-2 is discarded and never reaches it; campaignstat
#	reports defer-2 as suppressed (late), not delivered.  Before that:
#	campaign-setup -n --discard-suppressed shows the change and makes
#	none, the option applies it, a second run changes nothing, and the
#	campaign path still delivers.  Last, what campaign-setup(8) and
#	OPERATIONS.md say of a box that is not dedicated to campaigns:
#	transport_maps is global, so an ordinary (non-campaign) message on
#	port 25 to the suppressed address is discarded too (and campaignstat
#	counts it as suppressed under "(none)").
. "$CAMPAIGN_SRC/tests/harness/lib.sh"

SUP=$CAMPAIGN_BUILD/suppress/campaign-suppress
STAT=$CAMPAIGN_BUILD/campaignstat/campaignstat
CAMP=retry-2026

# sr_line REGEX - the first sandbox log line matching REGEX
sr_line() { fl_log_lines "$1" | head -1; }
sr_has() { [ -n "$(sr_line "$1")" ]; }

# sr_copy RCPT - the queue id of RCPT's reinjected copy (its deferral line)
sr_copy() {
	sr_line "postfix/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<$1>,.* status=deferred" |
		sed 's/.*: \([0-9A-Za-z]*\): to=<.*/\1/'
}

# sr_stat FIELD - campaignstat's JSON count FIELD for the campaign
sr_stat() {
	"$STAT" --json "$SB_LOG" 2>/dev/null |
		jq -r --arg c "$CAMP" --arg f "$1" '.campaigns[] | select(.campaign == $c) | .[$f]'
}

sandbox_start || { fail "sandbox starts"; done_testing; }
cat > "$SB/sink-rules" <<'EOF'
defer-*@sink.test first 1 451 4.2.0 busy, try later then 250 2.1.5 ok
EOF
check "campaign-testsink is the relay" testsink_start -r "$SB/sink-rules"
fl_setup || { fail "fl_setup configures the campaign path"; done_testing; }
fl_setup_again -n --discard-suppressed
check "-n shows the transport_maps change" grep -q \
	'^would change: main.cf: transport_maps = pipemap:' "$SB/setup.out"
check "-n changes nothing" test -z "$(postconf -c "$SB_CONF" -nh transport_maps)"
check "-n writes no table" test ! -e "$SB_CONF/campaign/suppression-transport"
check "campaign-setup --discard-suppressed" fl_setup_again --discard-suppressed
sed 's/^/# setup: /' "$SB/setup.out"
check "transport_maps reads the suppression table through pipemap" grep -q \
	"pipemap:{hash:$FL_TABLE, regexp:$SB_CONF/campaign/suppression-transport}" \
	<<<"$(postconf -c "$SB_CONF" -h transport_maps)"
fl_setup_again --discard-suppressed
check "a second run changes nothing" grep -q '^0 change(s) made' "$SB/setup.out"
check "postfix reload" sandbox_reload
check "the campaign path still delivers" fl_probe

MSG=$SB/campaign.msg
fl_message "$MSG" "$CAMP"
fl_inject "$FL_PORT" "$MSG" 'defer-%d@sink.test' 1 3
fl_inject "$FL_PORT" "$MSG" 'ok-%d@sink.test' 1 1
for i in 1 2 3; do
	check "defer-$i's copy deferred by the sink" wait_for 60 "defer-$i deferred" \
		sr_has "postfix/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<defer-$i@sink.test>,.* status=deferred"
done
check "ok-1 delivered" wait_for 30 "ok-1 sent" sr_has "to=<ok-1@sink.test>,.* status=sent"
Q2=$(sr_copy defer-2@sink.test)
check "defer-2's copy is a reinjected copy of the campaign" \
	sr_has "campaign-filter\[[0-9]+\]: [0-9A-Za-z]+: campaign=$CAMP .*requeued=$Q2 "

check "campaign-suppress add defer-2" "$SUP" -c "$CM_CONF" add defer-2@sink.test unsubscribed while deferred
check "postmap -q sees it" test -n "$(postmap -c "$SB_CONF" -q defer-2@sink.test "hash:$FL_TABLE")"
# trivial-rewrite checks its tables every 10 s and restarts on a change;
# when none is running, the next one opens the new table anyway
wait_for 30 "trivial-rewrite notices the table" \
	sr_has "postfix/trivial-rewrite\[[0-9]+\]: table hash:$FL_TABLE has changed -- restarting" ||
	echo "# (no trivial-rewrite restart logged)"
# qmgr keeps the last address it resolved in a one-entry cache: other
# mail (here an ordinary message, which must still be delivered) replaces it
printf 'From: someone@example.com\nSubject: hello\n\nhello\n' > "$SB/other.msg"
check "an ordinary message to another address is accepted on port 25" \
	sandbox_smtp "$SB_SMTP_PORT" someone@example.com other-1@sink.test < "$SB/other.msg"
check "the ordinary message to another address is delivered" wait_for 30 "other-1 sent" \
	sr_has "postfix/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<other-1@sink.test>,.* status=sent"
check "postqueue -f" sandbox_postqueue -f

for i in 1 3; do
	check "defer-$i delivered at the retry" wait_for 60 "defer-$i sent" \
		sr_has "postfix/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<defer-$i@sink.test>,.* status=sent"
done
check "defer-2 discarded at the retry" wait_for 60 "defer-2 discarded" \
	sr_has "postfix/discard\[[0-9]+\]: $Q2: to=<defer-2@sink.test>,.* status=sent \(suppressed\)"
sr_line "postfix/discard\[" | sed 's/^/# /'
check "queue empties" sandbox_wait_queue_empty 60
check_eq "defer-2 never delivered by smtp" \
	"$(sandbox_log_count 'postfix/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<defer-2@sink.test>,.* status=sent')" 0
check_eq "defer-2 reached the sink once (the 451), never accepted" \
	"$(grep -c 'to=<defer-2@sink.test>' "$TESTSINK_LOG")/$(grep -c 'to=<defer-2@sink.test> .* reply=2' "$TESTSINK_LOG")" 1/0
check_eq "the sink accepted defer-1, defer-3, ok-1 and other-1" \
	"$(grep -cE 'to=<(defer-[13]|ok-1|other-1)@sink.test> .* reply=2' "$TESTSINK_LOG")" 4

check_eq "campaignstat: delivered" "$(sr_stat delivered)" 3
check_eq "campaignstat: suppressed (late) counts the discarded copy" "$(sr_stat suppressed_late)" 1
check_eq "campaignstat: nothing still deferred" "$(sr_stat still_deferred_recipients)" 0

# a box that is not dedicated to campaigns: ordinary mail is discarded too
printf 'From: someone@example.com\nSubject: password reset\n\nhello\n' > "$SB/plain.msg"
PLAIN=$(sandbox_smtp "$SB_SMTP_PORT" someone@example.com defer-2@sink.test < "$SB/plain.msg")
PLAIN=${PLAIN##* }
check "an ordinary message to defer-2 is accepted on port 25" test -n "$PLAIN"
check "the ordinary message is discarded too (documented: a dedicated campaign box)" \
	wait_for 30 "plain discard" sr_has "postfix/discard\[[0-9]+\]: $PLAIN: to=<defer-2@sink.test>,.* status=sent \(suppressed\)"
check_eq "two discard lines, none for another address" \
	"$(sandbox_log_count 'postfix/discard\[[0-9]+\]: .*status=sent')/$(sandbox_log_count 'postfix/discard\[[0-9]+\]: .*to=<defer-2@sink.test>')" 2/2
check_eq "campaignstat: the ordinary message is suppressed under (none)" \
	"$(CAMP='(none)' sr_stat suppressed_late)" 1
check_eq "the sink still never accepted defer-2" \
	"$(grep -c 'to=<defer-2@sink.test> .* reply=2' "$TESTSINK_LOG")" 0
# with --providers too: the suppression pipemap stays first in
# transport_maps (the first table that answers wins), whatever the order
# the options were first given in
PIPE="pipemap:{hash:$FL_TABLE, regexp:$SB_CONF/campaign/suppression-transport}"
echo "test domains=example.org mx=.example.org connections=2 per_connection=10 rate_delay=0 tls=may" > "$SB/providers"
check "campaign-setup --discard-suppressed --providers" \
	fl_setup_again --discard-suppressed --providers "$SB/providers"
check_eq "transport_maps: suppression first, then the provider table" \
	"$(postconf -c "$SB_CONF" -h transport_maps)" "$PIPE, hash:$SB_CONF/campaign/providers-transport"
postconf -c "$SB_CONF" -e "transport_maps = hash:$SB_CONF/campaign/providers-transport, $PIPE"
check "campaign-setup again after the provider table was put first" \
	fl_setup_again --discard-suppressed --providers "$SB/providers"
check_eq "transport_maps: the suppression pipemap moved back to the front" \
	"$(postconf -c "$SB_CONF" -h transport_maps)" "$PIPE, hash:$SB_CONF/campaign/providers-transport"
done_testing
