#!/bin/bash
# NAME
#	fault_syslog.sh - kill -9 of syslog-ng mid-campaign, then restart
# DESCRIPTION
#	campaign-feed sends 250 messages through the campaign path
#	(tests/harness/faults.sh).  After 60 are accepted, the sandbox's
#	syslog-ng (the one that owns /dev/log) is killed with SIGKILL.  As
#	syslog/README.md documents, with no reader on /dev/log syslog(3)
#	fails at once and drops the line, so Postfix, campaign-milter and
#	campaign-filter keep working: mail must keep flowing while no
#	syslog-ng runs (the sink receives more), log lines of the gap are
#	lost.  syslog-ng is then started again and logging resumes.
#	Expected: feeder exit 0, every recipient exactly once (no duplicate
#	allowed: no component failed), none bounced, new log lines after the
#	restart.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
N=250
ft_feed_start "before the kill" s $N 60 50
kill -KILL "$SB_SYSLOG_PID"
wait "$SB_SYSLOG_PID" 2>/dev/null
check "syslog-ng is gone" wait_for 10 "syslog-ng gone" sb_dead "$SB_SYSLOG_PID"
at_kill=$(ft_delivered s)
lines_at_kill=$(wc -l < "$SB_LOG")
check "mail keeps flowing without syslog-ng (50 more at the sink)" \
	wait_for 60 "50 more delivered" ft_delivered_ge s $((at_kill + 50))
check "feeder kept going" ft_accepted_ge s $((at_kill + 50))
check_eq "nothing was logged meanwhile" "$(wc -l < "$SB_LOG")" "$lines_at_kill"
rm -f /dev/log
check "syslog-ng starts again" sb_start_syslog
ft_feed_end "syslog-ng killed" s
ft_check_once "syslog-ng killed" s $N 0
check_eq "every message at the sink is tagged" "$(ft_untagged)" 0
check_eq "none bounced" "$(ft_bounced)" 0
logged_again() { [ "$(sandbox_log_count 'postfix/smtp\[[0-9]+\]: .*status=sent')" -gt 0 ] &&
	tail -n +"$((lines_at_kill + 1))" "$SB_LOG" | grep -q 'status=sent'; }
# (syslog-ng writes its file asynchronously: give it a bounded while)
check "delivery lines are logged again after the restart" \
	wait_for 15 "delivery lines after the restart" logged_again
check "milter left no sanitizer report" cm_san_clean
done_testing
