#!/bin/bash
# NAME
#	bounce_dsn.sh - real DSNs made by Postfix reach campaign-bounce
#	through the VERP return path, and the policy suppresses at the
#	campaign smtpd
# DESCRIPTION
#	campaign-setup --bounce configures the sandbox Postfix (the campaign
#	path of fl_setup, whose probe message now ends in campaign-bounce,
#	and the discard alias delivered by pipe(8) to the sandbox's copy of
#	campaign-bounce as nobody).  campaign-testsink is the relay and
#	answers the end of DATA with 550 5.1.1 for gone-*, 552 5.2.2 for
#	full-*, 554 5.7.1 (a Spamhaus block) for blocked-* and 451 4.3.0 for
#	late-* (with maximal_queue_lifetime = 0, so Postfix gives up at once,
#	as at the end of the queue lifetime), 250 for the rest: Postfix
#	itself bounces those messages, and its DSNs go to the
#	VERP return path bounces+CAMPAIGN+LOCAL=DOMAIN@bounce.campaign.test, through
#	virtual_alias_maps and transport_maps, to campaign-bounce.  Then:
#	one verdict line per DSN, in the documented format; the bad
#	mailboxes are in the suppression table (postmap -q) with category,
#	campaign and time; the quota address only after its second failure
#	(bounce_soft_limit = 2); the expired one is message-expired, counted
#	soft; the 5.7.1 block never; a next campaign
#	message to a suppressed address is refused at the campaign smtpd;
#	campaign-suppress why and lift; an ARF complaint sent to the return
#	path through the ordinary smtpd suppresses its recipient; nothing is
#	deferred, nothing bounces twice.
#	BD_MODE=lmtp (tests/integration/bounce_lmtp.sh) runs the same checks
#	with campaign-setup --bounce-lmtp: lmtp(8) to campaign-bounce -l
#	under spawn(8) instead of pipe(8).
. "$CAMPAIGN_SRC/tests/harness/lib.sh"

BD_MODE=${BD_MODE:-pipe}
BD_OPT=--bounce BD_RELAY='relay=campaign-bounce,'
[ "$BD_MODE" = lmtp ] && BD_OPT=--bounce-lmtp BD_RELAY='relay=[^ ]*private/campaign-bounce[^ ]*,'

SUP=$CAMPAIGN_BUILD/suppress/campaign-suppress

# bd_conf - campaign.conf gets the bounce settings too (cm_write_conf's
# lines, which fl_setup writes, then these; the last value of a setting wins)
eval "$(declare -f cm_write_conf | sed '1s/cm_write_conf/bd_write_conf_base/')"
cm_write_conf() {
	bd_write_conf_base "$@" "return_path = bounces+%c+%r@bounce.campaign.test" \
		"bounce_rules = $BD/bounce-rules" \
		"bounce_state_table = hash:$BD/state/bounce-state" \
		"bounce_soft_limit = 2"
}

# bd_lines - campaign-bounce's verdict lines (without the prefix), but
# those of the exit status checks run by hand (queue ids T1, T2) and of
# fl_setup's probe message (which ends at the discard alias too)
bd_lines() {
	grep -E 'campaign-bounce\[[0-9]+\]: [0-9A-Za-z]+: campaign=' "$SB_LOG" |
		sed 's/.*campaign-bounce\[[0-9]*\]: //' | grep -v '^T[0-9]: ' |
		grep -v "^${FL_PROBE_NEW:-none}: "
}
bd_count_ge() { [ "$(bd_lines | wc -l)" -ge "$1" ]; }

# bd_query ADDRESS - postmap -q on the suppression table
bd_query() { postmap -c "$SB_CONF" -q "$1" "hash:$FL_TABLE"; }

sandbox_start || { fail "sandbox starts"; done_testing; }
BPROG=$(sb_prog bounce/campaign-bounce)
BD=$SB/bd
mkdir -p "$BD/state" && chown nobody "$BD/state" && chmod 755 "$BD"
cp "$CAMPAIGN_SRC/postfix-conf/bounce-rules" "$BD/bounce-rules" && chmod 644 "$BD/bounce-rules"
cat > "$BD/sink-rules" <<'EOF'
data: gone-*@sink.test 550 5.1.1 <gone>: Recipient address rejected: User unknown
data: full-*@sink.test 552 5.2.2 Mailbox full
data: blocked-*@sink.test 554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.example
data: late-*@sink.test 451 4.3.0 Temporary local problem
EOF
check "campaign-testsink is the relay" testsink_start -r "$BD/sink-rules"
# one delivery attempt: a 4xx makes Postfix return the message at once
# with Action: failed and the 4.X.X status, as at the end of its lifetime
check "maximal_queue_lifetime = 0" sandbox_postconf "maximal_queue_lifetime = 0"
fl_setup "$BD_OPT" --bounce-program "$BPROG" --bounce-user nobody ||
	{ fail "campaign-setup --bounce configures the sandbox"; done_testing; }
pass "campaign-setup --bounce configures the sandbox"
check "the discard alias goes to campaign-bounce" \
	grep -q 'campaign-bounce@campaign-bounce.invalid' "$SB_CONF/campaign/virtual"
check "the campaign-bounce $BD_MODE transport is in master.cf" \
	grep -q "argv=$BPROG " "$SB_CONF/master.cf"
check "campaign-bounce -n accepts the configuration" "$BPROG" -c "$CM_CONF" -n
"$BPROG" --help > /dev/null; check_eq "campaign-bounce --help: exit 0" "$?" 0
"$BPROG" 2>/dev/null; check_eq "campaign-bounce without arguments: exit 64" "$?" 64
"$BPROG" -c "$SB/nonexistent.conf" -q T1 -- x@y < /dev/null 2>/dev/null
check_eq "delivery with a missing configuration: exit 75, never 1" "$?" 75
head -c 20000 /dev/urandom | "$BPROG" -c "$CM_CONF" -q T2 -- bounces@bounce.campaign.test 2>/dev/null
check_eq "delivery of random bytes: handled, exit 0" "$?" 0
chown nobody "$FL_TABLE.db"

MSG=$SB/campaign.msg
fl_message "$MSG" spring-2026
fl_inject "$FL_PORT" "$MSG" 'gone-%d@sink.test' 1 2
fl_inject "$FL_PORT" "$MSG" 'full-%d@sink.test' 1 1
fl_inject "$FL_PORT" "$MSG" 'blocked-%d@sink.test' 1 1
fl_inject "$FL_PORT" "$MSG" 'ok-%d@sink.test' 1 2
fl_inject "$FL_PORT" "$MSG" 'late-%d@sink.test' 1 1
check "five DSNs reach campaign-bounce" wait_for 60 "5 verdict lines" bd_count_ge 5
check "the good recipients reach the sink" sandbox_wait_log 'to=<ok-2@sink.test>.*status=sent' 30

lines=$(bd_lines)
echo "$lines" | sed 's/^/# /'
check_eq "one verdict line per DSN" "$(wc -l <<<"$lines")" 5
check "line format (gone-1)" grep -qE \
	'^[0-9A-Za-z]+: campaign=spring-2026 recipient=<gone-1@sink.test> kind=dsn category=bad-mailbox status=5\.1\.1 code=550 action=suppressed rcpt_via=verp campaign_via=verp$' <<<"$lines"
check "quota: soft 1/2, not suppressed" grep -qE \
	'recipient=<full-1@sink.test> kind=dsn category=quota status=5\.2\.2 code=552 action=soft soft=1/2 ' <<<"$lines"
check "expired (failed, 4.3.0): message-expired, soft 1/2" grep -qE \
	'recipient=<late-1@sink.test> kind=dsn category=message-expired status=4\.3\.0 code=451 action=soft soft=1/2 ' <<<"$lines"
check "5.7.1 spam block: counted" grep -qE \
	'recipient=<blocked-1@sink.test> kind=dsn category=spam-related status=5\.7\.1 code=554 action=counted ' <<<"$lines"
check "Postfix delivered each DSN to campaign-bounce" \
	test "$(sandbox_log_count "to=<campaign-bounce\+spring-2026\+.*$BD_RELAY .*status=sent")" -eq 5
check_eq "no DSN deferred or bounced by campaign-bounce" \
	"$(sandbox_log_count "$BD_RELAY .*status=(deferred|bounced)")" 0

v=$(bd_query gone-1@sink.test)
check "gone-1 suppressed: category, campaign, time" grep -qE \
	'^550 5\.7\.1 suppressed: category=bad-mailbox campaign=spring-2026 time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<<"$v"
check "gone-2 suppressed" test -n "$(bd_query gone-2@sink.test)"
check "full-1 not suppressed after one quota failure" test -z "$(bd_query full-1@sink.test)"
check "blocked-1 (5.7.1) never suppressed" test -z "$(bd_query blocked-1@sink.test)"
check "ok-1 not suppressed" test -z "$(bd_query ok-1@sink.test)"

fl_inject "$FL_PORT" "$MSG" 'gone-%d@sink.test' 1 1
check_eq "next message to gone-1 refused at the campaign smtpd" "$FL_REFUSED/$FL_ACCEPTED" "1/0"
fl_inject "$FL_PORT" "$MSG" 'full-%d@sink.test' 1 1
check_eq "second message to full-1 accepted" "$FL_ACCEPTED" 1
check "second quota DSN" wait_for 60 "6 verdict lines" bd_count_ge 6
check "quota: suppressed at 2/2" grep -qE \
	'recipient=<full-1@sink.test> kind=dsn category=quota status=5\.2\.2 code=552 action=suppressed soft=2/2 ' <<<"$(bd_lines)"
check "full-1 now suppressed as quota" grep -q 'category=quota campaign=spring-2026' <<<"$(bd_query full-1@sink.test)"
fl_inject "$FL_PORT" "$MSG" 'blocked-%d@sink.test' 1 1
check_eq "blocked-1 still accepted" "$FL_ACCEPTED" 1
check "second block DSN" wait_for 60 "7 verdict lines" bd_count_ge 7
check "blocked-1 still not suppressed" test -z "$(bd_query blocked-1@sink.test)"

why=$("$SUP" -c "$CM_CONF" why gone-2@sink.test)
check "campaign-suppress why" grep -qE \
	'^gone-2@sink.test category=bad-mailbox campaign=spring-2026 time=[0-9T:Z-]+ action=' <<<"$why"
check "campaign-suppress lift" "$SUP" -c "$CM_CONF" lift gone-2@sink.test
check "lifted: postmap -q finds nothing" test -z "$(bd_query gone-2@sink.test)"
"$SUP" -c "$CM_CONF" why gone-2@sink.test >/dev/null
check_eq "why after lift: exit 1" "$?" 1

# an ARF complaint, as a feedback loop sends it, to the VERP return path
ARF=$SB/arf.msg
cat > "$ARF" <<'EOF'
From: fbl@isp.example
To: bounces+spring-2026+ok-1=sink.test@bounce.campaign.test
Subject: abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1
User-Agent: fbl/1.0

--F
Content-Type: text/rfc822-headers

From: news@campaign.test
To: ok-1@sink.test
X-Campaign-ID: spring-2026

--F--
EOF
check "complaint accepted by the ordinary smtpd" \
	sandbox_smtp "$SB_SMTP_PORT" fbl@isp.example bounces+spring-2026+ok-1=sink.test@bounce.campaign.test < "$ARF"
check "complaint verdict" wait_for 60 "8 verdict lines" bd_count_ge 8
check "complaint line" grep -qE \
	'recipient=<ok-1@sink.test> kind=arf category=complaint status="" code="" action=suppressed rcpt_via=verp campaign_via=verp' <<<"$(bd_lines)"
check "ok-1 suppressed as complaint" grep -q 'category=complaint campaign=spring-2026' <<<"$(bd_query ok-1@sink.test)"
check "queue empties" sandbox_wait_queue_empty 60
check_eq "no warning from campaign-bounce" "$(sandbox_log_count 'campaign-bounce\[[0-9]+\]: warning')" 0
done_testing
