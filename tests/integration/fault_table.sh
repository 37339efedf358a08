#!/bin/bash
# NAME
#	fault_table.sh - the suppression table corrupt, truncated, replaced
#	while in use, removed, mid-campaign
# DESCRIPTION
#	The suppression table (hash:, read by the campaign smtpd's
#	check_recipient_access and by every campaign-filter run) is broken
#	while campaign-feed sends 100 messages through the campaign path
#	(tests/harness/faults.sh), then repaired with postmap:
#	  corrupt    the .db overwritten in place with random bytes
#	  truncate   the .db cut to half its size
#	  remove     the .db removed
#	  replace    a new .db, listing five recipients at the end of the
#	             list, renamed over the old one
#	Documented outcome (DESIGN.md "Failure semantics", campaign-filter(8)):
#	a table that cannot be read is a temporary failure (Postfix answers
#	4xx or the filter defers), never a crash of our programs, never a
#	loss.  Each broken phase must show such a temporary failure while the
#	table is broken, then the feeder ends with exit 0 and every recipient
#	arrives exactly once.  replace: the five newly listed recipients are
#	refused at RCPT (journal R records, feeder exit 2) or dropped by the
#	filter (late suppression); every other recipient arrives exactly once.
#	Nothing bounces.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
N=100
DB=$FL_TABLE.db
check "table has an entry" fl_suppress someone@else.test

# trouble_count - lines telling of a table problem or a temporary failure
trouble_count() {
	sandbox_log_count "(suppression|$FL_TABLE).*(error|warning|fatal|corrupt|invalid|No such)|status=deferred|451 4\.3\.|reject: RCPT from .*: 4[0-9][0-9] "
}
trouble_after() { [ "$(trouble_count)" -gt "$1" ]; }

break_table() {
	case $1 in
	corrupt) head -c "$(stat -c %s "$DB")" /dev/urandom | dd of="$DB" conv=notrunc status=none ;;
	truncate) truncate -s $(( $(stat -c %s "$DB") / 2 )) "$DB" ;;
	remove) rm -f "$DB" ;;
	esac
}

# phase MODE - break the table mid-campaign, see a temporary failure, repair
phase() {
	local mode=$1 before
	ft_feed_start "$mode" "$mode" $N 30 40
	before=$(trouble_count)
	break_table "$mode"
	check "$mode: a temporary failure while broken" wait_for 30 "trouble" trouble_after "$before"
	wait_for 5 "more trouble" trouble_after $((before + 10)) 2>/dev/null
	check "$mode: postmap repairs the table" postmap -c "$SB_CONF" "hash:$FL_TABLE" 2>>"$FT/postmap.err"
	ft_feed_end "$mode" "$mode"
	ft_check_once "$mode" "$mode" $N 0
	check_eq "$mode: none bounced" "$(ft_bounced)" 0
}

phase corrupt
phase truncate
phase remove

# --- replace: a new table renamed over the one in use ---------------------
ft_feed_start replace replace $N 30 40
cp "$FL_TABLE" "$FT/new"
for i in 96 97 98 99 100; do
	printf 'replace%d@sink.test\t550 5.7.1 suppressed: test\n' $i >> "$FT/new"
done
postmap -c "$SB_CONF" "hash:$FT/new" && mv "$FT/new.db" "$DB"
check "replace: renamed over the table in use" test -s "$DB"
check "replace: still before the last five" test "$(ft_accepted replace)" -lt 90
ft_feed_wait
check "replace: feeder exit status 0 or 2 (rejected ones)" test "$FT_FEED_ST" = 0 -o "$FT_FEED_ST" = 2
check "replace: queue empties" sandbox_wait_queue_empty 120
late=$(sandbox_log_count 'late suppression: to=<replace(96|97|98|99|100)@sink.test>')
early=$(grep -cE '^R [0-9]+ replace(96|97|98|99|100)@sink.test 550' "$FT/replace.journal")
check_eq "replace: the five are suppressed (early $early + late $late)" $((early + late)) 5
check_eq "replace: none of the five arrived" \
	"$(ft_counts replace | grep -cE ' replace(96|97|98|99|100)@')" 0
check_eq "replace: no other recipient refused" "$(grep -c '^R ' "$FT/replace.journal")" "$early"
ft_check_once "replace" replace $((N - 5)) 0
ft_end
