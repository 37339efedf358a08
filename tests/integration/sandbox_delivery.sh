#!/bin/bash
# NAME
#	sandbox_delivery.sh - the sandbox delivers through a real Postfix and
#	captures its syslog, then stops leaving nothing behind
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/sandbox_delivery.sh
# DESCRIPTION
#	Starts the sandbox, sends one message over SMTP (bash /dev/tcp) and
#	ten with smtp-source through the sandbox Postfix, and checks: the
#	message is at smtp-sink with its envelope and body, the queue empties,
#	Postfix's status=sent lines are in the syslog-ng file, and after
#	sandbox_stop no process names $SB, /dev/log is gone and $SB removed.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

check "sandbox starts" sandbox_start || done_testing
check "/dev/log is a socket inside the namespace" test -S /dev/log
check "syslog-ng owns /dev/log" sb_log_match "syslog-ng starting up"
check "master runs" kill -0 "$SB_MASTER_PID"
check_eq "master.cf has no chroot" \
	"$(postconf -c "$SB_CONF" -Fh '*/*/chroot' | sort -u)" "n"
check_eq "postconf -n prints no warning" \
	"$(postconf -c "$SB_CONF" -n 2>&1 >/dev/null)" ""

token="sandbox-delivery-$$-$RANDOM"
reply=$(printf 'Subject: %s\n\nbody line\n.leading dot\n' "$token" |
	sandbox_smtp "$SB_SMTP_PORT" alice@campaign.test bob@sink.test)
check "Postfix accepts the message" test -n "$reply"
qid=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$reply")
check "reply carries the queue id" test -n "$qid"

check "the queue empties" sandbox_wait_queue_empty 30
check "smtp-sink got it" sandbox_wait_sink_count 1 10
dump=$(grep -lF -- "$token" "$SB_SINK_DIR"/msg.* 2>/dev/null | head -1)
check "the dump holds the subject" test -n "$dump"
check "the dump holds the envelope sender" grep -q 'alice@campaign.test' "$dump"
check "the dump holds the recipient" grep -q 'bob@sink.test' "$dump"
check "dot-stuffing survives" grep -q '^\.leading dot' "$dump"
check "delivery line in the syslog-ng file" \
	sandbox_wait_log "postfix/smtp\[[0-9]+\]: $qid: to=<bob@sink.test>, relay=127.0.0.1\[127.0.0.1\]:$SB_SINK_PORT, .*status=sent" 10

check "smtp-source sends 10" sandbox_send 10
check "the queue empties again" sandbox_wait_queue_empty 30
check "smtp-sink has 11" sandbox_wait_sink_count 11 10
check_eq "11 status=sent lines" "$(sandbox_log_count 'status=sent')" 11

printf 'Subject: via sendmail\n\nhello\n' | sandbox_sendmail carol@campaign.test dave@sink.test
check "sendmail -C: pickup hands it to the sink" sandbox_wait_sink_count 12 20
check "sendmail -C: delivery line" sandbox_wait_log 'to=<dave@sink.test>,.*status=sent' 10

sb=$SB
check "sandbox_stop succeeds" sandbox_stop
left=$(sb_pids_under "$sb")
check_eq "no process has \$SB in its command line or cwd" "$left" ""
check "no master left" sb_dead "$SB_MASTER_PID"
check "/dev/log is gone" test ! -e /dev/log
check "\$SB is removed" test ! -e "$sb"
check "sandbox_stop twice is harmless" sandbox_stop
done_testing
