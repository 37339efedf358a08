#!/bin/bash
# NAME
#	filter_campaign.sh - 1,000 campaign messages through the whole
#	campaign path, some to suppressed recipients; ordinary mail bypasses it
# DESCRIPTION
#	campaign-setup configures the sandbox Postfix (campaign smtpd with
#	campaign-milter and the suppression check, the campaign pipe
#	transport, the reinjection listener).  One session injects 1,000
#	single-recipient messages (r1..r1000@sink.test), every tenth
#	recipient listed in the suppression table, plus one message with three
#	recipients, one of them suppressed.  Then: every other recipient is at
#	smtp-sink exactly once, tagged, with the VERP return path and without
#	the feeder's X-Campaign-Feed-* headers; no suppressed one is; the
#	filter logged exactly one notice line per queued message and the
#	milter's queue ids and the filter's agree; the requeued ids are
#	distinct.  A message through the ordinary smtpd reaches the sink
#	untouched and never meets the filter.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

sandbox_start || { fail "sandbox starts"; done_testing; }
fl_setup || { fail "campaign-setup configures the sandbox"; done_testing; }
pass "campaign-setup configures the sandbox"

for ((i = 10; i <= 1000; i += 10)); do sup+=("r$i@sink.test"); done
check "suppression table built" fl_suppress "${sup[@]}" "m2@sink.test"
MSG=$SB/campaign.msg
fl_message "$MSG" spring-2026
start=$(date +%s)
fl_inject "$FL_PORT" "$MSG" 'r%d@sink.test' 1 1000
check_eq "900 messages accepted" "$FL_ACCEPTED" 900
check_eq "100 suppressed before the queue" "$FL_REFUSED" 100
multi=$(sandbox_smtp "$FL_PORT" sender@campaign.test m1@sink.test m2@sink.test m3@sink.test < "$MSG" 2>&1)
check "three-recipient message: suppressed RCPT refused, so rejected as a whole by sandbox_smtp" \
	grep -q "550 5.7.1" <<<"$multi"
# the feeder goes on with the others: a transaction with the two left
multi=$(sandbox_smtp "$FL_PORT" sender@campaign.test m1@sink.test m3@sink.test < "$MSG")
mqid=${multi##* }
check "two-recipient message accepted" test -n "$mqid"

check "queue empties" sandbox_wait_queue_empty 100
check "sink has 901 messages" sandbox_wait_sink_count 901 30
echo "# 1,000 campaign messages through the campaign path in $(( $(date +%s) - start )) s"
at_sink=$(fl_rcpts_at_sink)
check_eq "902 distinct recipients at the sink" "$(wc -l <<<"$at_sink")" 902
check_eq "each exactly once" "$(awk '$1 != 1' <<<"$at_sink" | wc -l)" 0
check_eq "no suppressed recipient at the sink" \
	"$(grep -cE ' (r[0-9]*0|m2)@sink.test$' <<<"$at_sink")" 0
dumps=("$SB_SINK_DIR"/msg.*)
tagged=$(grep -l '^X-Campaign-ID: spring-2026' "${dumps[@]}" | wc -l)
check_eq "every message tagged" "$tagged" 901
check_eq "every message has List-Unsubscribe-Post" \
	"$(grep -l '^List-Unsubscribe-Post: List-Unsubscribe=One-Click' "${dumps[@]}" | wc -l)" 900
check_eq "no X-Campaign-Feed-* header left" \
	"$(grep -li '^X-Campaign-Feed-' "${dumps[@]}" | wc -l)" 0
check_eq "no folded feed continuation left" \
	"$(grep -l 'folded-continuation' "${dumps[@]}" | wc -l)" 0
check_eq "VERP return path on every single-recipient message" \
	"$(grep -l '^X-Mail-Args: <bounces+r[0-9]*=sink.test@bounce.campaign.test>' "${dumps[@]}" | wc -l)" 900
check_eq "body dot-stuffing survives" \
	"$(grep -l '^\.a line with a leading dot' "${dumps[@]}" | wc -l)" 901

lines=$(fl_filter_lines)
check_eq "one filter notice line per queued message" "$(wc -l <<<"$lines")" 901
check_eq "filter: sent adds up" "$(sed 's/.* sent=\([0-9]*\).*/\1/' <<<"$lines" | awk '{ s += $1 } END { print s }')" 902
check_eq "filter: nothing suppressed late" "$(grep -vc ' suppressed=0 ' <<<"$lines")" 0
check_eq "filter: campaign id from X-Campaign-ID" "$(grep -vc ' campaign=spring-2026 ' <<<"$lines")" 0
check_eq "filter: requeued ids distinct" \
	"$(sed 's/.* requeued=\([0-9A-Za-z]*\).*/\1/' <<<"$lines" | sort -u | wc -l)" 901
check "filter: line format" grep -qE "^$mqid: campaign=spring-2026 nrcpt=2 sent=2 suppressed=0 size=[0-9]+ requeued=[0-9A-Za-z]+ ms=[0-9]+$" <<<"$lines"
milter_q=$(grep -E 'campaign-milter\[[0-9]+\]: [0-9A-Za-z]+: campaign=' "$SB_LOG" |
	grep -v " campaign=$FL_PROBE_CAMPAIGN " | sed 's/.*campaign-milter\[[0-9]*\]: \([0-9A-Za-z]*\):.*/\1/' | sort)
check_eq "every milter queue id has one filter line" \
	"$(cut -d: -f1 <<<"$lines" | sort)" "$milter_q"
check_eq "reinjected mail skipped the filter (no line for a requeued id)" \
	"$(sed 's/.* requeued=\([0-9A-Za-z]*\).*/\1/' <<<"$lines" | grep -cxF -f <(cut -d: -f1 <<<"$lines"))" 0
check_eq "nothing bounced" "$(sandbox_log_count 'status=bounced')" 0

# --- ordinary mail --------------------------------------------------------
printf 'Subject: ordinary\nX-Campaign-Feed-Batch: 1\n\nplain\n' > "$SB/plain.msg"
reply=$(sandbox_smtp "$SB_SMTP_PORT" alice@campaign.test plain@sink.test < "$SB/plain.msg")
pq=${reply##* }
check "ordinary mail accepted" test -n "$pq"
wait_for 20 "plain at sink" cm_has_dump_for "<plain@sink.test>"
D=$(cm_dump_for "<plain@sink.test>")
check_eq "ordinary mail: return path untouched" "$(cm_header "$D" X-Mail-Args)" "<alice@campaign.test>"
check_eq "ordinary mail: no tag" "$(cm_header_count "$D" X-Campaign-ID)" 0
check_eq "ordinary mail: its headers untouched" "$(cm_header_count "$D" X-Campaign-Feed-Batch)" 1
check_eq "ordinary mail: no filter line" "$(fl_filter_lines | grep -c "^$pq:")" 0
check "ordinary mail: delivered straight by smtp" \
	sandbox_wait_log "postfix/smtp\[[0-9]+\]: $pq: to=<plain@sink.test>, relay=127.0.0.1" 10
check "milter left no sanitizer report" cm_san_clean
done_testing
