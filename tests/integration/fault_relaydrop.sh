#!/bin/bash
# NAME
#	fault_relaydrop.sh - a receiving server that takes the message and
#	drops the connection before its final reply
# DESCRIPTION
#	campaign-feed sends 150 messages through the campaign path
#	(tests/harness/faults.sh) while Postfix's relayhost is an smtp-sink
#	run with -q . : it reads the whole message and closes the connection
#	instead of answering the final ".".  Postfix's smtp(8) must defer
#	each such message ("lost connection ... while sending end of data"),
#	never bounce it and never count it delivered.  Then the relayhost is
#	pointed back at the sandbox's ordinary smtp-sink and the queue is
#	flushed.  Expected: feeder exit 0 (the campaign smtpd took everything
#	at once), every recipient arrives exactly once at the working sink,
#	none bounced.  What the dropping server may have kept before it
#	dropped the connection is the duplicate SMTP itself allows (RFC
#	1047; Postfix logs "message may be sent more than once"); the test
#	prints how many it wrote, but counts arrivals at the working sink.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
N=150
DROP_PORT=$(sandbox_free_port)
mkdir -p "$SB/drop" && chown postfix "$SB/drop"
sb_bg "$SB/drop.out" smtp-sink -u postfix -q . -d "$SB/drop/msg." "127.0.0.1:$DROP_PORT" 100
check "dropping server starts" sb_wait_daemon "$SB_BG" "$DROP_PORT" 10
check "relayhost is the dropping server" sandbox_relay_to "$DROP_PORT"

lost='status=deferred \(lost connection with 127\.0\.0\.1\[127\.0\.0\.1\] while sending end of data'
lost_ge() { [ "$(sandbox_log_count "$lost")" -ge "$1" ]; }
ft_list d $N
ft_feed d --rate 100
check_eq "feeder exit status" "$FT_FEED_ST" 0
[ "$FT_FEED_ST" = 0 ] || ft_show_feed d
check "smtp(8) defers messages whose final reply was lost" wait_for 60 "20 lost" lost_ge 20
check_eq "nothing arrived at the working sink meanwhile" "$(ft_delivered d)" 0
check_eq "none bounced while the server drops" "$(ft_bounced)" 0
check_eq "none counted as sent to the dropping server" \
	"$(sandbox_log_count "relay=127\.0\.0\.1\[127\.0\.0\.1\]:$DROP_PORT, .*status=sent")" 0

echo "# the dropping server wrote $(find "$SB/drop" -type f | wc -l) copies before dropping"
check "relayhost back to the working sink" sandbox_relay_to "$SB_SINK_PORT"
sandbox_postqueue -f
check "queue empties" sandbox_wait_queue_empty 120
ft_check_once "dropped before the final reply" d $N 0
ft_end
