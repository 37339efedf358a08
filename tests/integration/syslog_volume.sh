#!/bin/bash
# NAME
#	syslog_volume.sh - under a 20,000-message campaign the compact
#	delivery log loses no line
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/syslog_volume.sh
# DESCRIPTION
#	The sandbox with syslog/postfix-campaign.conf (catch-all file off,
#	smtp-sink counting without dump files) gets SYSLOG_VOLUME_N messages
#	(default 20000) from smtp-source over 10 sessions.  When the sink has
#	them all, the delivery log must hold exactly one status=sent line per
#	message, each queue id and recipient once, and every line syslog-ng
#	routed to the delivery log must be in it.  Bounded: the campaign may take at most
#	SYSLOG_VOLUME_LIMIT seconds (default 100).
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

N=${SYSLOG_VOLUME_N:-20000}
LIMIT=${SYSLOG_VOLUME_LIMIT:-100}
export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
export SB_SYSLOG_ALL=no SB_SINK_DUMP=no
check "sandbox starts with the fragment" sandbox_start || done_testing
DLOG=$SB_LOGDIR/maillog-delivery

sink_re="relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$SB_SINK_PORT, .*status=sent"
sent_lines() { grep -cE -- "$sink_re" "$DLOG" 2>/dev/null; }
sent_ge() { [ "$(sent_lines)" -ge "$1" ]; }

t0=$(date +%s%N)
check "smtp-source sends $N messages" smtp-source -m "$N" -s 10 -N -M sandbox.campaign.test \
	-f sender@campaign.test -t rcpt@sink.test "127.0.0.1:$SB_SMTP_PORT"
check "the sink receives $N messages within ${LIMIT}s" sandbox_wait_sink_count "$N" "$LIMIT"
t1=$(date +%s%N)
check "the delivery log catches up" wait_for 30 "delivery lines" sent_ge "$N"
check_eq "the sink received exactly $N" "$(sandbox_sink_count)" "$N"
check_eq "one delivery line per message, none lost" "$(sent_lines)" "$N"
check_eq "no queue id and recipient twice" \
	"$(grep -E -- "$sink_re" "$DLOG" | awk '{ print $4, $5 }' | sort | uniq -d | wc -l)" 0
check_eq "the queue is empty" "$(find "$SB_QUEUE"/{incoming,active,deferred} -type f | wc -l)" 0
# at the default stats-level syslog-ng counts, per destination, the
# messages routed to it; all of them must be in the file
stats=$(syslog-ng-ctl stats -c "$SB/syslog-ng.ctl" 2>/dev/null)
routed=$(awk -F';' '$1 == "destination" && $2 == "d_campaign_delivery" && $5 == "processed" { print $6 }' <<< "$stats")
check_eq "every line routed to the delivery log is in it" "$routed" "$(wc -l < "$DLOG")"
check_eq "syslog-ng dropped nothing" \
	"$(awk -F';' '$5 == "dropped" { n += $6 } END { print n + 0 }' <<< "$stats")" 0
echo "# $N messages in $(( (t1 - t0) / 1000000 )) ms; delivery log $(wc -l < "$DLOG") lines, $(wc -c < "$DLOG") bytes"
done_testing
