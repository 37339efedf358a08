#!/bin/bash
# NAME
#	syslog_flowcontrol.sh - a process logging through glibc's syslog(3)
#	blocks while syslog-ng does not read /dev/log, and loses nothing
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/syslog_flowcontrol.sh
# DESCRIPTION
#	The claim of syslog/README.md, "Flow control", tested as Postfix
#	meets it: the sandbox's syslog-ng (with syslog/postfix-campaign.conf)
#	is stopped with SIGSTOP; a Python process (whose syslog module is
#	glibc's openlog/syslog, as Postfix's msg_syslog) logs M notice lines
#	with facility mail and records each call that returned.  It must end
#	up asleep in sendto(2) after at most net.unix.max_dgram_qlen + 1
#	lines.  After SIGCONT it finishes and every one of the M lines is in
#	the maillog, in order.  Two reloads (syslog-ng-ctl reload) while 5000
#	lines flow lose none.  Then, with syslog-ng gone entirely (the socket
#	file left with no reader), syslog(3) returns at once and the line is
#	lost: the other half of the README's claim.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

M=200
export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
export SB_SINK=no
check "sandbox starts with the fragment" sandbox_start || done_testing
MAILLOG=$SB_LOGDIR/maillog-campaign
PROGRESS=$SB/fc.progress
QLEN=$(cat /proc/sys/net/unix/max_dgram_qlen)

# logger_py COUNT TAG - COUNT syslog(3) calls; after each, the count so far
logger_py() {
	exec python3 -c '
import sys, syslog
n, tag, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
syslog.openlog(tag, syslog.LOG_PID, syslog.LOG_MAIL)
with open(out, "w") as f:
    for i in range(1, n + 1):
        syslog.syslog(syslog.LOG_NOTICE, "FC%d: campaign=flow n=%d" % (i, i))
        f.write("%d\n" % i); f.flush()
' "$1" "$2" "$PROGRESS"
}
progress() { tail -1 "$PROGRESS" 2>/dev/null || echo 0; }
# in_sendto PID - PID sleeps in sendto(2) (x86_64 syscall 44)
in_sendto() {
	local nr state
	read -r nr _ < "/proc/$1/syscall" 2>/dev/null || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ "$nr" = 44 ] && [ "$state" = S ]
}
gone() { ! kill -0 "$1" 2>/dev/null; }

check "syslog-ng stops (SIGSTOP)" kill -STOP "$SB_SYSLOG_PID"
logger_py "$M" fctest &
py=$!
check "the logging process blocks in sendto(2)" wait_for 10 "sender blocked" in_sendto "$py"
p1=$(progress)
check "it blocked before its last line ($p1 of $M returned)" test "$p1" -lt "$M"
check "it blocked after at most max_dgram_qlen+1 = $((QLEN + 1)) lines ($p1)" test "$p1" -le $((QLEN + 1))
check "it is still blocked a moment later" in_sendto "$py"
check_eq "no line returned meanwhile" "$(progress)" "$p1"
check "syslog-ng continues (SIGCONT)" kill -CONT "$SB_SYSLOG_PID"
check "the logging process finishes" wait_for 20 "sender done" gone "$py"
wait "$py"
check_eq "it logged all $M lines" "$(progress)" "$M"
check "the last line reaches the maillog" sandbox_wait_log "fctest\[$py\]: FC$M: campaign=flow" 20 "$MAILLOG"
check_eq "every line is in the maillog, in order" \
	"$(grep -oE "fctest\[$py\]: FC[0-9]+:" "$MAILLOG" | sed -E 's/.*FC([0-9]+):/\1/' | tr '\n' ' ')" \
	"$(seq -s ' ' 1 "$M") "

# a reload while lines flow keeps /dev/log open: nothing lost
progress_ge() { [ "$(progress)" -ge "$1" ]; }
reload() { syslog-ng-ctl reload -c "$SB/syslog-ng.ctl" >/dev/null; }
logger_py 5000 fcreload &
py=$!
wait_for 20 "1000 lines" progress_ge 1000 && check "syslog-ng reloads mid-stream" reload
wait_for 20 "2500 lines" progress_ge 2500 && check "syslog-ng reloads again" reload
check "the reload run finishes" wait_for 30 "sender done" gone "$py"
wait "$py"
check "its last line reaches the maillog" sandbox_wait_log "fcreload\[$py\]: FC5000: " 20 "$MAILLOG"
check_eq "across two reloads all 5000 lines arrive" "$(grep -c "fcreload\[$py\]: FC" "$MAILLOG")" 5000

# syslog-ng gone: /dev/log has no reader; glibc drops the line, never blocks
check "syslog-ng stops (SIGTERM)" kill -TERM "$SB_SYSLOG_PID"
check "syslog-ng is gone" wait_for 20 "syslog-ng exit" gone "$SB_SYSLOG_PID"
before=$(wc -l < "$MAILLOG")
check "with no reader, syslog(3) returns at once" timeout 10 bash -c "$(declare -f logger_py); PROGRESS=$PROGRESS logger_py 5 fclost"
check_eq "and the lines are lost" "$(grep -c 'fclost' "$MAILLOG")" 0
check_eq "the maillog did not change" "$(wc -l < "$MAILLOG")" "$before"
done_testing
