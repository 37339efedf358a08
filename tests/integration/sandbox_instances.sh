#!/bin/bash
# NAME
#	sandbox_instances.sh - sandboxes side by side: three at once in
#	separate namespaces, and a second Postfix beside the first
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/sandbox_instances.sh
# DESCRIPTION
#	Three nested ns-exec runs start their sandboxes at the same moment and
#	each sends 20 messages: every one must deliver its own 20 and see no
#	line of another's in its syslog file.  Then sandbox_start_postfix adds
#	an instance "out" with its own directories, port and syslog_name; the
#	first relays to it, it relays to smtp-sink; sandbox_stop stops both.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
NS=$CAMPAIGN_SRC/sandbox/ns-exec
tmp=$(mktemp -d /tmp/sb-instances.XXXXXX)
sandbox_cleanup_hook() { rm -rf "$tmp"; }

# one_sandbox N - a whole sandbox run; writes "sent sink foreign port" to $tmp/N
one_sandbox() {
	"$NS" bash -c '
		. "$CAMPAIGN_SRC/sandbox/lib.sh"
		sandbox_start || exit 1
		sandbox_send 20 "$SB_SMTP_PORT" -f "box'"$1"'@campaign.test" > /dev/null || exit 2
		sandbox_wait_queue_empty 60 && sandbox_wait_sink_count 20 20 || exit 3
		foreign=$(grep -c "from=<box[^'"$1"']@" "$SB_LOG")
		echo "$(sandbox_log_count status=sent) $(sandbox_sink_count) $foreign $SB_SMTP_PORT" > '"$tmp"'/'"$1"'
	' > "$tmp/out.$1" 2>&1
}

# test_count N REGEX - at least N lines of $SB_LOG match REGEX
test_count() { [ "$(sandbox_log_count "$2")" -ge "$1" ]; }

for n in 1 2 3; do one_sandbox $n & done
wait
for n in 1 2 3; do
	read -r sent sink foreign port < "$tmp/$n" 2>/dev/null
	check_eq "sandbox $n delivered 20 (Postfix log)" "${sent:-}" 20 ||
		sed 's/^/#   /' "$tmp/out.$n"
	check_eq "sandbox $n: 20 at its sink" "${sink:-}" 20
	check_eq "sandbox $n: no line of another sandbox" "${foreign:-}" 0
	ports+=" ${port:-}"
done
check_eq "three different smtpd ports" "$(tr ' ' '\n' <<< "$ports" | grep . | sort -u | wc -l)" 3

check "sandbox starts" sandbox_start || done_testing
check "a second Postfix starts" sandbox_start_postfix out || done_testing
check "it has its own config" test "$SB_CONF_out" != "$SB_CONF" -a -f "$SB_CONF_out/main.cf"
check "it has its own queue" test -d "$SB_QUEUE_out/incoming"
check "its smtpd answers" sb_smtp_ready "$SB_SMTP_PORT_out"
check_eq "its syslog_name" "$(postconf -c "$SB_CONF_out" -h syslog_name)" postfix-out
check "the first relays to it" sandbox_relay_to "$SB_SMTP_PORT_out"
check "send 5 into the first" sandbox_send 5
check "the first hands them to the second" \
	wait_for 30 "5 relayed" test_count 5 "postfix/smtp\[[0-9]+\]: .*relay=127.0.0.1\[127.0.0.1\]:$SB_SMTP_PORT_out, .*status=sent"
check "the second delivers them to the sink" \
	wait_for 30 "5 delivered" test_count 5 "postfix-out/smtp\[[0-9]+\]: .*relay=127.0.0.1\[127.0.0.1\]:$SB_SINK_PORT, .*status=sent"
check "the sink has 5" sandbox_wait_sink_count 5 10
SB_CONF=$SB_CONF_out sandbox_postconf "smtpd_banner = second ESMTP"
check_eq "postconf on the second with a prefix" \
	"$(postconf -c "$SB_CONF_out" -h smtpd_banner)" "second ESMTP"
check_eq "...changed only the second" "$(postconf -c "$SB_CONF" -h smtpd_banner)" '$myhostname ESMTP'
master2=$(sb_pf_master_pid "$SB_CONF_out")
sb=$SB
check "sandbox_stop succeeds" sandbox_stop
check "the second master is gone" sb_dead "${master2:-0}"
check_eq "nothing left running" "$(sb_pids_under "$sb")" ""
done_testing
