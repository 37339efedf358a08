#!/bin/bash
# NAME
#	sandbox_testsink.sh - the test sink answers per recipient; through
#	Postfix a 5xx recipient bounces, a 4xx one is deferred, a "first N"
#	one is deferred then delivered
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/sandbox_testsink.sh
# DESCRIPTION
#	Talks to campaign-testsink directly (replies, envelope files, the
#	outcome log, counters, SIGUSR1, the "rate" and "for" rules over a
#	comma-separated pattern list, a 421 ending the session, many
#	concurrent sessions, a bad rules file) and then makes it the sandbox Postfix's relayhost and checks
#	Postfix's status=sent/bounced/deferred lines and the bounce message
#	the sink receives.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
SINK=$CAMPAIGN_BUILD/sandbox/sink/campaign-testsink

check "campaign-testsink is built" test -x "$SINK" || done_testing
"$SINK" --help > /dev/null; check_eq "--help exits 0" $? 0
"$SINK" -p 1 -Z 2> /dev/null; check_eq "a usage error exits 64" $? 64
check "sandbox starts" sandbox_start || done_testing

printf 'x 999 bad\n# fine\nlonely\n' > "$SB/bad.rules"
err=$("$SINK" -n -r "$SB/bad.rules" 2>&1); st=$?
check_eq "a bad rules file exits 78" "$st" 78
check "every bad line is named" grep -q "bad.rules:1: .*bad.rules:3: " <<< "$(echo $err)"

cat > "$SB/rules" <<'EOF'
# recipients
*@bounce.test        550 5.1.1 no such user
*@defer.test         451 4.3.0 mailbox busy
*@retry.test         first 1 452 4.2.2 over quota then 250 2.1.5 ok
# providers: a rate per rule, a while from the first match
*@gmail.test,*@googlemail.test rate 2/3600 421 4.7.28 unusual rate
*@yahoo.test         for 3600 421 4.7.0 [TSS04] deferred
# whole messages
data: *@refuse.test  554 5.7.1 content refused
mail: spammer        550 5.7.1 sender refused
EOF
check "testsink starts" testsink_start "$SB/rules" || done_testing

# direct: per-recipient replies and the envelope record
rep=$(printf 'Subject: direct\n\n.dotted\n' |
	sandbox_smtp "$TESTSINK_PORT" alice@campaign.test ok1@sink.test ok2@sink.test)
check "two good recipients accepted" grep -q '^250 ' <<< "$rep"
f=$(grep -l 'Subject: direct' "$TESTSINK_DIR"/msg/msg.* 2>/dev/null | head -1)
check "envelope file written" test -n "$f"
check_eq "envelope: MAIL FROM" "$(grep '^MAIL FROM:' "$f")" "MAIL FROM:<alice@campaign.test>"
check_eq "envelope: RCPT TO" "$(grep -c '^RCPT TO:<ok[12]@sink.test>' "$f")" 2
check "message unstuffed" grep -qx '.dotted' "$f"
check_eq "outcome lines for both" "$(testsink_count 'to=<ok[12]@sink.test> stage=data attempt=1 reply=250')" 2
for r in bounce:550 defer:451; do
	printf 'Subject: x\n\nx\n' | sandbox_smtp "$TESTSINK_PORT" a@campaign.test "u@${r%:*}.test" 2>/dev/null
	check_eq "direct: u@${r%:*}.test gets ${r#*:}" \
		"$(testsink_count "to=<u@${r%:*}.test> stage=rcpt attempt=1 reply=${r#*:} ")" 1
done
printf 'Subject: x\n\nx\n' | sandbox_smtp "$TESTSINK_PORT" spammer@x.test u@sink.test 2>/dev/null
check_eq "mail: rule refuses the sender" "$(grep -c spammer "$TESTSINK_LOG")" 0
check_eq "counter rcpt_5xx" "$(testsink_counter rcpt_5xx)" 1
check_eq "counter rcpt_4xx" "$(testsink_counter rcpt_4xx)" 1
kill -USR1 "$TESTSINK_PID"
check "SIGUSR1 dumps the counters" wait_for 5 "counters on stderr" \
	grep -q '^messages 1$' "$TESTSINK_DIR/stderr"

# a provider's rate over its domains, a provider deferring for a while
for r in a@gmail.test b@googlemail.test c@gmail.test y@yahoo.test; do
	printf 'Subject: x\n\nx\n' | sandbox_smtp "$TESTSINK_PORT" p@campaign.test "$r" > /dev/null 2>&1
done
check_eq "rate 2/3600: two recipients of the group accepted" \
	"$(testsink_count 'to=<[ab]@(gmail|googlemail).test> stage=data .*reply=250')" 2
check_eq "...the third gets 421 4.7.28" \
	"$(testsink_count 'to=<c@gmail.test> stage=rcpt attempt=1 reply=421 4.7.28 unusual rate')" 1
check_eq "for 3600: 421 [TSS04]" \
	"$(testsink_count 'to=<y@yahoo.test> stage=rcpt attempt=1 reply=421 4.7.0 \[TSS04\]')" 1
{ exec 7<>"/dev/tcp/127.0.0.1/$TESTSINK_PORT"; } 2>/dev/null
sb_reply
sb_cmd 250 "HELO x" && sb_cmd 250 "MAIL FROM:<p@campaign.test>"
sb_cmd 421 "RCPT TO:<y2@yahoo.test>"; check "a 421 at RCPT" test $? = 0
read -r -t 10 line <&7; st=$?
check_eq "...and the sink closes the session (end of file)" "$st" 1
exec 7<&- 7>&-

# many concurrent sessions
before=$(testsink_msg_count)
check "smtp-source, 40 sessions, 400 messages" \
	smtp-source -s 40 -m 400 -N -t r@sink.test "127.0.0.1:$TESTSINK_PORT"
check_eq "400 more envelope files" "$(( $(testsink_msg_count) - before ))" 400

# big messages, the size limit, bare LF, an overlong command line
check "a 300 KB message" smtp-source -m 2 -l 300000 -t big@sink.test "127.0.0.1:$TESTSINK_PORT"
big=$(grep -l '^RCPT TO:<big@sink.test>' "$TESTSINK_DIR"/msg/msg.* | head -1)
check "is stored whole (CRLF as LF)" test "$(stat -c %s "${big:-/dev/null}")" -gt 290000
sink1=("$TESTSINK_PORT" "$TESTSINK_LOG" "$TESTSINK_DIR" "$TESTSINK_COUNTS")
check "a second test sink with -s 1000" testsink_start "$SB/rules" -s 1000
smtp-source -l 5000 -t large@sink.test "127.0.0.1:$TESTSINK_PORT" 2>/dev/null
check_eq "too big: 552" "$(testsink_count 'to=<large@sink.test> stage=data .*reply=552 5.3.4')" 1
{ exec 7<>"/dev/tcp/127.0.0.1/$TESTSINK_PORT"; } 2>/dev/null
sb_reply
printf 'HELO x\nMAIL FROM:<lf@x.test>\nRCPT TO:<lf@sink.test>\nDATA\n' >&7
for i in 1 2 3 4; do sb_reply; done
printf 'Subject: bare LF\n\n..two\n.\n' >&7
sb_reply
check "bare LF lines end DATA" grep -q '^250 ' <<< "$SB_REPLY"
printf '%05000d\r\n' 0 >&7
sb_reply
check_eq "an overlong command line" "$SB_REPLY" "500 5.5.2 Error: line too long"
exec 7<&- 7>&-
check "...and bare LF mail is stored" grep -qx '.two' "$TESTSINK_DIR"/msg/msg.*
TESTSINK_PORT=${sink1[0]} TESTSINK_LOG=${sink1[1]} TESTSINK_DIR=${sink1[2]} TESTSINK_COUNTS=${sink1[3]}

# through Postfix
check "Postfix relays to the test sink" sandbox_relay_to "$TESTSINK_PORT"
check "fast retries" sandbox_fast_retry
rep=$(printf 'Subject: mixed\n\nhello\n' | sandbox_smtp "$SB_SMTP_PORT" alice@campaign.test \
	good@sink.test bad@bounce.test slow@defer.test again@retry.test)
check "Postfix accepts all four" grep -q 'queued as' <<< "$rep"
check "good: status=sent" sandbox_wait_log 'to=<good@sink.test>,.*status=sent' 20
check "bad: status=bounced with the sink's text" \
	sandbox_wait_log 'to=<bad@bounce.test>,.*status=bounced .*550 5.1.1 no such user' 20
check "slow: status=deferred" sandbox_wait_log 'to=<slow@defer.test>,.*status=deferred .*451 4.3.0 mailbox busy' 20
check "again: deferred first" sandbox_wait_log 'to=<again@retry.test>,.*status=deferred .*452 4.2.2 over quota' 20
check "again: then sent" sandbox_wait_log 'to=<again@retry.test>,.*status=sent' 30
check "sink saw again@ refused then accepted" \
	grep -q 'to=<again@retry.test> stage=rcpt attempt=1 reply=452' "$TESTSINK_LOG"
check "sink accepted again@ at attempt 2" \
	grep -q 'to=<again@retry.test> stage=data attempt=2 reply=250' "$TESTSINK_LOG"
# bounce_file - the sink's copy of the bounce for bad@bounce.test
bounce_file() {
	grep -l '^MAIL FROM:<>' "$TESTSINK_DIR"/msg/msg.* 2>/dev/null |
		xargs -r grep -l 'bad@bounce.test' | head -1
}
have_bounce() { [ -n "$(bounce_file)" ]; }
check "the bounce reaches the sink, from <>" wait_for 20 "bounce message" have_bounce
check "the bounce is for alice" grep -q '^RCPT TO:<alice@campaign.test>' "$(bounce_file)"
queued() { sandbox_postqueue -p | grep -q "$1"; }
check "slow@ stays in the queue" queued slow@defer.test

rep=$(printf 'Subject: refused\n\nhello\n' |
	sandbox_smtp "$SB_SMTP_PORT" alice@campaign.test x@refuse.test)
check "data: refusal bounces in Postfix" \
	sandbox_wait_log 'to=<x@refuse.test>,.*status=bounced .*554 5.7.1 content refused' 20

sb=$SB
check "sandbox_stop succeeds" sandbox_stop
check_eq "nothing left running" "$(sb_pids_under "$sb")" ""
check "test sink stopped" sb_dead "$TESTSINK_PID"
done_testing
