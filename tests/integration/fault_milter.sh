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
#
#	Postfix keeps a milter that failed off for the rest of the SMTP
#	session: a feeder session opened before the kill answers 451 to
#	every MAIL FROM, even after the restart, until smtpd ends it after
#	smtpd_hard_error_limit errors (1000 on the campaign service).  With
#	200 recipients, those 451s only come from retries, whose delay
#	doubles, so the run took minutes; here the campaign service ends
#	such a session after 5 errors, the feeder reconnects (a lost session
#	costs no try) and the new session reaches the restarted milter.
. "$CAMPAIGN_SRC/tests/sandbox/faults.sh"

ft_begin
svc=127.0.0.1:$FL_PORT/inet
check "campaign smtpd drops a session after 5 errors" postconf -c "$SB_CONF" \
	-P "$svc/smtpd_soft_error_limit=4" "$svc/smtpd_hard_error_limit=5"
check "reload" sandbox_reload
N=200
tempfails() { sandbox_log_count 'milter-reject: END-OF-MESSAGE|Service unavailable|451 4\.7\.1'; }
ft_feed_start "before the kill" m $N 60 60
old=$CM_PID
kill -KILL "$CM_PID"
check "milter is gone" wait_for 10 "milter gone" cm_dead "$old"
before=$(tempfails)
tempfailed() { [ "$(tempfails)" -gt "$before" ]; }
check "campaign smtpd tempfails while the milter is down" wait_for 30 "4xx" tempfailed
check "milter restarts on the same socket" cm_start
ft_feed_end "milter killed" m
check "feeder retried" grep -Eq 'retries=[1-9]' "$FT/m.out"
ft_check_once "milter killed" m $N 0
ft_end
