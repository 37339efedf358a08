#!/bin/bash
# NAME
#	milter_leak.sh - campaign-milter after 10,000 messages: no growth, no leak
# DESCRIPTION
#	A campaign smtpd with campaign-milter (sandbox/campaign.sh) takes
#	10,000 single-recipient campaign messages from smtp-source (8
#	sessions); the queue hands them to discard(8), so the milter is the
#	only work of ours.  Every message gets the full treatment: campaign
#	from X-Campaign-ID, VERP return path, List-Unsubscribe with an HMAC
#	token, Feedback-ID.
#	- Normal build: the milter's resident set (VmRSS) is read after 1,000
#	  messages (warm: every thread and table allocated) and after 10,000;
#	  it must not grow by more than 1 MB (a leak of 100 bytes a message
#	  would add 900 KB; what is read is printed).
#	- Sanitizer build (tests/run's second pass): RSS means nothing under
#	  ASan's quarantine, so the check is LeakSanitizer's at the milter's
#	  exit after SIGTERM: no report in the milter's report directory.
#	In both: every message was tagged (the milter's notice lines) and the
#	milter is still running after 10,000 messages.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

SB_SINK_DUMP=no sandbox_start || { fail "sandbox starts"; done_testing; }
cm_write_conf
cm_start || { fail "milter starts"; done_testing; }
sandbox_postconf "default_transport = discard" "relay_transport = discard" \
	"mydestination =" || fail "discard transport"
cm_campaign_service || { fail "campaign smtpd"; done_testing; }
SAN=0
grep -q __asan_init "$CM_PROG" && SAN=1

rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$CM_PID/status"; }
tagged() { sandbox_log_count 'campaign-milter\[[0-9]+\]: [0-9A-Za-z]+: campaign=leak '; }
tagged_ge() { [ "$(tagged)" -ge "$1" ]; }

printf 'From: news@campaign.test\nTo: subscriber@sink.test\nSubject: leak\nX-Campaign-ID: leak\n\nHello\n' > "$SB/leak.msg"

# feed N - N messages into the campaign smtpd, each to one recipient
feed() {
	smtp-source -m "$1" -s 8 -d -N -M sandbox.campaign.test -f sender@campaign.test \
		-t rcpt@sink.test -F "$SB/leak.msg" \
		"127.0.0.1:$CM_PORT" > /dev/null 2>"$SB/source.err"
}

check "1,000 messages" feed 1000
check "1,000 tagged" wait_for 120 "1000 tagged" tagged_ge 1000
r1=$(rss)
check "9,000 more" feed 9000
check "10,000 tagged" wait_for 300 "10000 tagged" tagged_ge 10000
r2=$(rss)
echo "# campaign-milter VmRSS: ${r1} kB after 1,000 messages, ${r2} kB after 10,000"
check "milter still running" sb_alive "$CM_PID"
if [ $SAN = 0 ]; then
	check "RSS growth $((r2 - r1)) kB <= 1024 kB" test $((r2 - r1)) -le 1024
fi
check "milter stops cleanly" cm_stop
check "no sanitizer or leak report" cm_san_clean
cm_san_clean || head -n 30 "$CM_SAN_DIR"/* | sed 's/^/# /'
check_eq "no bounce" "$(sandbox_log_count 'status=bounced')" 0
done_testing
