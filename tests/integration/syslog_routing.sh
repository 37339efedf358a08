#!/bin/bash
# NAME
#	syslog_routing.sh - with syslog/postfix-campaign.conf in the sandbox's
#	syslog-ng, real Postfix traffic lands in the two files as documented
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/syslog_routing.sh
# DESCRIPTION
#	Sends SYSLOG_TEST_N messages (default 300) with smtp-source through
#	the sandbox Postfix to smtp-sink, one recipient refused by smtpd, one
#	deferred until it expires (maximal_queue_lifetime=0, connection
#	refused), one bounced by the error(8) transport (queued with sendmail(1)), and our notice lines
#	(logger -p mail.notice -t campaign-milter/campaign-filter, as the
#	milter and filter log them; campaign-bounce's verdict and
#	campaign-unsubscribe's unsubscribe line, which campaignstat counts)
#	plus info lines of the same programs.
#	Then checks:
#	- the maillog holds every notice line and no info line (no marker
#	  line sent at info, no Postfix info kind; Postfix lines in it are
#	  warning:/error:/fatal:/panic: only);
#	- the delivery log holds exactly one status=sent line per message the
#	  sink received, no queue id and recipient twice;
#	- the delivery log holds exactly the outcome lines the sandbox's
#	  catch-all log (everything syslog-ng got) holds, and nothing else;
#	- the reject, deferred, expired and bounced lines are there;
#	- every line of both files is in the format of syslog/README.md.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

N=${SYSLOG_TEST_N:-300}
NOTICES=100
STAMP_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2} [^ ]+ [^ []+(\[[0-9]+\])?: .'
KEPT_RE='^postfix[^[ ]*\[[0-9]+\]: [0-9A-Za-z]+: (to=<.*, status=(sent|deferred|bounced|expired|SOFTBOUNCE)[ ,]|from=<.*>, status=expired, |(milter-)?reject: |discard: )'
INFO_KINDS='(: connect from |: disconnect from |: client=|: message-id=|: removed$|, size=[0-9]+, nrcpt=|status=)'

export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
check "sandbox starts with the fragment" sandbox_start || done_testing
MAILLOG=$SB_LOGDIR/maillog-campaign
DLOG=$SB_LOGDIR/maillog-delivery

closed=$(sandbox_free_port)
check "refusal, deferral and bounce are configured" sandbox_postconf \
	"smtpd_recipient_restrictions = check_recipient_access inline:{blocked@sink.test=REJECT}, permit_mynetworks, reject" \
	"transport_maps = inline:{defer.test=smtp:[127.0.0.1]:$closed, {bounce.test=error:5.1.1 test bounce}}" \
	"maximal_queue_lifetime = 0" "bounce_queue_lifetime = 0"
check "Postfix reloads" sandbox_reload

check "smtp-source sends $N messages" sandbox_send "$N"
msg=$'Subject: syslog routing\n\nbody\n'
check "Postfix refuses blocked@sink.test" \
	test -z "$(sandbox_smtp "$SB_SMTP_PORT" s@campaign.test blocked@sink.test <<< "$msg" 2>/dev/null)"
check "Postfix accepts a message for defer.test" \
	test -n "$(sandbox_smtp "$SB_SMTP_PORT" s@campaign.test x@defer.test <<< "$msg")"
# smtpd would refuse an address that resolves to error(8): use sendmail(1)
check "sendmail queues a message for bounce.test" \
	sendmail -C "$SB_CONF" -f s@campaign.test y@bounce.test <<< "$msg"

for i in $(seq "$NOTICES"); do
	logger -p mail.notice -t campaign-milter --id=$$ -- \
		"R$i: campaign=route from=<s@campaign.test> return=<b@campaign.test> nrcpt=1 tags=list"
	logger -p mail.info -t campaign-filter --id=$$ -- "R$i: INFOMARK an info line of ours"
done
logger -p mail.notice -t campaign-bounce --id=$$ -- "RB1: campaign=route recipient=<gone@sink.test> kind=dsn category=bad-mailbox status=5.1.1 code=550 action=suppressed rcpt_via=verp campaign_via=verp"
logger -p mail.notice -t campaign-unsubscribe --id=$$ -- "unsubscribe: campaign=route rcpt=<u@sink.test> via=http status=added"
logger -p mail.notice -t campaign-filter --id=$$ -- "RLAST: campaign=route nrcpt=1 sent=1 suppressed=0 size=1 requeued=RX ms=1"

check "the queue empties" sandbox_wait_queue_empty 90
# the sink got N messages plus the two non-delivery notices to s@campaign.test
want=$((N + 2))
check "the sink received $want messages" sandbox_wait_sink_count "$want" 30
sink=$(sandbox_sink_count)
sink_re="relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$SB_SINK_PORT, .*status=sent"
sent_lines() { grep -cE -- "$sink_re" "$DLOG" 2>/dev/null; }
sent_is() { [ "$(sent_lines)" -eq "$1" ]; }
check "the delivery log catches up" wait_for 20 "delivery lines" sent_is "$sink"
check "the maillog catches up" sandbox_wait_log 'RLAST: campaign=route' 20 "$MAILLOG"

# --- the maillog ----------------------------------------------------------
check_eq "every notice line of ours is in the maillog" \
	"$(grep -cE "campaign-milter\[$$\]: R[0-9]+: campaign=route " "$MAILLOG")" "$NOTICES"
check_eq "the notice lines are all different" \
	"$(grep -oE "campaign-milter\[$$\]: R[0-9]+:" "$MAILLOG" | sort -u | wc -l)" "$NOTICES"
check_eq "campaign-bounce's verdict is in the maillog" \
	"$(grep -cE "campaign-bounce\[$$\]: RB1: campaign=route recipient=<gone@sink.test> kind=dsn .* campaign_via=verp$" "$MAILLOG")" 1
check_eq "campaign-unsubscribe's line is in the maillog" \
	"$(grep -cE "campaign-unsubscribe\[$$\]: unsubscribe: campaign=route rcpt=<u@sink.test> via=http status=added$" "$MAILLOG")" 1
check_eq "no info line of ours in the maillog" "$(grep -c INFOMARK "$MAILLOG")" 0
check "info lines of ours did reach syslog-ng" test "$(grep -c INFOMARK "$SB_LOG")" -eq "$NOTICES"
# (campaign-bounce's and campaign-unsubscribe's notice lines have status= of their own)
check_eq "no Postfix info kind in the maillog" \
	"$(grep -vE " campaign-(bounce|unsubscribe)\[$$\]: " "$MAILLOG" | grep -cE -- "$INFO_KINDS")" 0
check_eq "Postfix lines in the maillog are warnings or worse" \
	"$(grep -E '^[^ ]+ [^ ]+ postfix' "$MAILLOG" | grep -cvE ']: (warning|error|fatal|panic): ')" 0

# --- the delivery log -----------------------------------------------------
check_eq "one sent line per message the sink received" "$(sent_lines)" "$sink"
check_eq "no queue id and recipient twice" \
	"$(grep -E -- "$sink_re" "$DLOG" | sed -E 's/^[^ ]+ [^ ]+ [^ ]+ ([^ ]+) (to=<[^>]*>).*/\1 \2/' | sort | uniq -d | wc -l)" 0
# the same lines, by content, as syslog-ng received them (all.log: "Mmm dd hh:mm:ss host PROG[PID]: MSG")
got=$(cut -d' ' -f3- "$DLOG" | sort)
want_lines=$(sed -E 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ //' "$SB_LOG" | grep -E -- "$KEPT_RE" | sort)
check "the catch-all log has outcome lines" test -n "$want_lines"
check_eq "the delivery log holds exactly the outcome lines syslog-ng received" "$got" "$want_lines"
check "the refusal is there" grep -qE 'postfix/smtpd\[[0-9]+\]: NOQUEUE: reject: RCPT from .*<blocked@sink.test>' "$DLOG"
check "the deferral is there" grep -qE ': to=<x@defer.test>, .*status=deferred ' "$DLOG"
check "the expiry is there" grep -qE 'postfix/qmgr\[[0-9]+\]: [0-9A-Za-z]+: from=<s@campaign.test>, status=expired, returned to sender' "$DLOG"
# campaignstat on Postfix's real expiry (the catch-all log: qmgr's nrcpt= line says
# how many recipients it returned): message-expired under the shipped rules
check_eq "campaignstat: Postfix's expiry is message-expired (1 recipient)" \
	"$("$CAMPAIGN_BUILD/campaignstat/campaignstat" --json \
		--bounce-rules "$CAMPAIGN_SRC/postfix-conf/bounce-rules" "$SB_LOG" |
		grep -oE '\{"category": "message-expired", "bounced": [0-9]+' | sort -u)" \
	'{"category": "message-expired", "bounced": 1'
check "the bounce is there" grep -qE ': to=<y@bounce.test>, .*dsn=5.1.1, status=bounced ' "$DLOG"
check_eq "no other Postfix info kind in the delivery log" \
	"$(grep -cE -- '(: connect from |: client=|: message-id=|: removed$|, size=[0-9]+, nrcpt=)' "$DLOG")" 0

check_eq "every line of both files is in the documented format" \
	"$(cat "$MAILLOG" "$DLOG" | grep -cvE "$STAMP_RE")" 0
echo "# $N+2 messages: all.log $(wc -l < "$SB_LOG") lines, maillog $(wc -l < "$MAILLOG"), delivery log $(wc -l < "$DLOG")"
done_testing
