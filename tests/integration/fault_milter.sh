#!/bin/bash
# NAME
#	fault_milter.sh - kill -9 of campaign-milter mid-campaign, then restart
# DESCRIPTION
#	campaign-feed sends 200 messages through the campaign path
#	(tests/harness/faults.sh).  After 60 are accepted, the milter is
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
#	smtpd_hard_error_limit errors (1000 on the campaign service).  The
#	feeder therefore ends a session whose MAIL got a 4xx once its replies
#	are in and connects again at once; the new session reaches the
#	restarted milter.  The test keeps campaign-setup's error limits and
#	counts the 451s after the restart: at most the transactions in
#	flight then (sessions x window); a feeder that kept such sessions
#	would draw one for each of the remaining recipients, every retry.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
check_eq "campaign smtpd keeps campaign-setup's error limit" \
	"$(postconf -c "$SB_CONF" -Ph "127.0.0.1:$FL_PORT/inet/smtpd_hard_error_limit")" 1000
N=200
tempfails() { sandbox_log_count 'milter-reject: END-OF-MESSAGE|Service unavailable|451 4\.7\.1'; }
ft_feed_start "before the kill" m $N 60 60
old=$CM_PID
kill -KILL "$CM_PID"
check "milter is gone" wait_for 10 "milter gone" sb_dead "$old"
before=$(tempfails)
tempfailed() { [ "$(tempfails)" -gt "$before" ]; }
check "campaign smtpd tempfails while the milter is down" wait_for 30 "4xx" tempfailed
check "milter restarts on the same socket" cm_start
at_restart=$(tempfails)
ft_feed_end "milter killed" m
after=$(( $(tempfails) - at_restart ))
bound=$(( ${FT_SESSIONS:-4} * ${FT_WINDOW:-4} ))
if [ "$after" -le "$bound" ]; then
	pass "4xx after the restart: $after (bound $bound: the feeder left stale sessions)"
else
	fail "4xx after the restart" "$after > $bound: the feeder kept sessions smtpd had turned the milter off for"
fi
check "feeder retried" grep -Eq 'retries=[1-9]' "$FT/m.out"
ft_check_once "milter killed" m $N 0
ft_end
