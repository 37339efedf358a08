#!/bin/bash
# NAME
#	fault_milter.sh - kill -9 of campaign-milter mid-campaign, then restart
# DESCRIPTION
#	campaign-feed sends 200 messages through the campaign path
#	(tests/sandbox/faults.sh).  After 60 are accepted, the milter is
#	killed with SIGKILL; the campaign smtpd (milter_default_action =
#	tempfail) answers 4xx, the feeder retries; after the feeder has seen
#	those 4xx replies the milter is started again on the same socket.
#	Expected: the feeder ends with exit 0, every recipient arrives
#	exactly once (Postfix never queued a message it answered 4xx to, so
#	no duplicate is allowed), every message at the sink carries the
#	milter's tag (none slipped through untagged), none bounced.
. "$CAMPAIGN_SRC/tests/lib.sh"
. "$CAMPAIGN_SRC/tests/sandbox/sandbox.sh"
. "$CAMPAIGN_SRC/milter/tests/lib.sh"
. "$CAMPAIGN_SRC/filter/tests/lib.sh"
. "$CAMPAIGN_SRC/tests/sandbox/faults.sh"

ft_start || { fail "campaign path starts"; done_testing; }
N=200
ft_list m $N
tempfails() { sandbox_log_count 'milter-reject: END-OF-MESSAGE|Service unavailable|451 4\.7\.1'; }
ft_feed_bg m --rate 60
check "60 accepted before the kill" wait_for 60 "60 accepted" ft_accepted_ge m 60
old=$CM_PID
kill -KILL "$CM_PID"
check "milter is gone" wait_for 10 "milter gone" cm_dead "$old"
before=$(tempfails)
tempfailed() { [ "$(tempfails)" -gt "$before" ]; }
check "campaign smtpd tempfails while the milter is down" wait_for 30 "4xx" tempfailed
check "milter restarts on the same socket" cm_start
ft_feed_wait
check_eq "feeder exit status" "$FT_FEED_ST" 0
[ "$FT_FEED_ST" = 0 ] || ft_show_feed m
check "feeder retried" grep -Eq 'retries=[1-9]' "$FT/m.out"
check "queue empties" sandbox_wait_queue_empty 120
ft_check_once "milter killed" m $N 0
check_eq "every message at the sink is tagged" "$(ft_untagged)" 0
check_eq "none bounced" "$(ft_bounced)" 0
check "restarted milter left no sanitizer report" cm_san_clean
done_testing
