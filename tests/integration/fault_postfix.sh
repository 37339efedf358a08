#!/bin/bash
# NAME
#	fault_postfix.sh - postfix reload, and postfix stop/start, mid-campaign
# DESCRIPTION
#	campaign-feed sends through the campaign path (tests/harness/faults.sh).
#	1. 200 messages; after 60 are accepted, "postfix reload" three times
#	   while the feeder sends.  Expected: feeder exit 0, every recipient
#	   exactly once, none bounced.
#	2. 200 messages; after 60 are accepted, "postfix stop" (the feeder
#	   loses its relay and reconnects with backoff), then "postfix start"
#	   a few seconds later.  Expected: feeder exit 0, every recipient
#	   arrives; a duplicate is allowed only for what was in flight when
#	   Postfix went away: the feeder's transactions whose replies the
#	   closed connection lost (campaign-feed(1), RFC 1047: sessions x
#	   window x rcpts-per-msg = 16), and the filter runs that had
#	   reinjected a message when pipe(8) was stopped (campaign-filter(8):
#	   at most the campaign transport's concurrency, 20 here); none
#	   bounced, the queue empties.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
N=200

# --- 1. reload -------------------------------------------------------------
ft_feed_start reload r $N 60 50
for i in 1 2 3; do
	check "reload $i" sandbox_reload
	wait_for 20 "20 more accepted" ft_accepted_ge r $((60 + i * 20))
done
ft_feed_end "reload" r
ft_check_once "reload" r $N 0

# --- 2. stop and start -----------------------------------------------------
pf_down() { ! sb_pf_master_pid "$SB_CONF" > /dev/null; }
ft_feed_start stop p $N 60 50
check "postfix stop" postfix -c "$SB_CONF" stop
check "master is gone" wait_for 30 "master gone" pf_down
at_stop=$(ft_accepted p)
check "feeder notices the relay is gone" wait_for 30 "relay down" \
	grep -q "relay 127.0.0.1:$FL_PORT: .*retrying" "$FT/p.out"
check "postfix start" postfix -c "$SB_CONF" start
check "campaign ports answer again" wait_for 30 "campaign ports" fl_ports_ready
ft_feed_wait
check_eq "stop: feeder exit status" "$FT_FEED_ST" 0
[ "$FT_FEED_ST" = 0 ] || ft_show_feed p
check "stop: the feeder saw the relay come back" grep -q 'up again' "$FT/p.out"
check "stop: accepted more after the start" test "$(ft_accepted p)" -gt "$at_stop"
check "stop: queue empties" sandbox_wait_queue_empty 120
filter_flight=$(postconf -c "$SB_CONF" -xh campaign_destination_concurrency_limit)
ft_check_once "stop/start" p $N $(( FT_SESSIONS * FT_WINDOW + filter_flight ))
ft_end
