#!/bin/bash
# NAME
#	unsub_mail.sh - the mailto: unsubscribe through a real Postfix pipe(8)
#	transport set up by campaign-setup --unsubscribe
# DESCRIPTION
#	campaign-setup --unsubscribe adds the campaign-unsub pipe service and
#	routes unsubscribe@unsub.campaign.test (unsubscribe_mailto
#	unsubscribe+%c+%t@unsub.campaign.test without its extension) to it;
#	a second run changes nothing.  The transport hands each unsubscribe
#	to the running HTTP server.  Then mail into the sandbox Postfix:
#	by sendmail and by SMTP with the token in the address, with the token
#	in the Subject, with a forged token, with a token made for someone
#	else, and without any: each delivered (exit 0, never a bounce), only
#	the valid ones written, one notice line each (via=mail and the queue
#	id).  With the server stopped the mail is deferred (75), not bounced,
#	and goes through once it runs again.  Run by hand, --mail exits 0 or
#	75 only.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

SETUP=$CAMPAIGN_BUILD/postfix-conf/campaign-setup
sandbox_start || { fail "sandbox starts"; done_testing; }
sandbox_fast_retry || fail "fast retry"
RPORT=$(sandbox_free_port) CPORT=$(sandbox_free_port)
us_write_conf "reinject_to = 127.0.0.1:$RPORT" "return_path = bounces@bounce.campaign.test" ||
	{ fail "configuration written"; done_testing; }
setup() {
	"$SETUP" -c "$SB_CONF" --port "127.0.0.1:$CPORT" --reinject-port "$RPORT" \
		--filter "$CAMPAIGN_BUILD/filter/campaign-filter" --filter-user nobody --milter none \
		--campaign-conf "$US_CONF" --unsubscribe --unsubscribe-program "$US_PROG" \
		--unsubscribe-user nobody "$@" > "$US_DIR/setup.out" 2>&1
}
setup
st=$?
check_eq "campaign-setup --unsubscribe exits 0" "$st" 0
[ "$st" = 0 ] || sed 's/^/# setup: /' "$US_DIR/setup.out"
check "master.cf: the campaign-unsub pipe service" \
	grep -q 'argv=.*campaign-unsubscribe -c .* --mail -s ${sender} -q ${queue_id} -- ${original_recipient}' \
	<<<"$(postconf -c "$SB_CONF" -M campaign-unsub/unix)"
check_eq "transport: the address without its extension" \
	"$(postmap -c "$SB_CONF" -q unsubscribe@unsub.campaign.test "hash:$SB_CONF/campaign/transport")" "campaign-unsub:"
check "transport_maps lists it" grep -q "hash:$SB_CONF/campaign/transport" <<<"$(postconf -c "$SB_CONF" -h transport_maps)"
check_eq "recipient_delimiter" "$(postconf -c "$SB_CONF" -h recipient_delimiter)" "+"
check_eq "one recipient per run" "$(postconf -c "$SB_CONF" -h campaign-unsub_destination_recipient_limit)" 1
setup
check "second run: nothing to change" grep -q '^0 change(s) made' "$US_DIR/setup.out"
sandbox_reload || fail "reload"
touch -d '-1 min' "$SB_CONF/main.cf"	# postmap waits while main.cf looks brand new
us_start || { fail "campaign-unsubscribe starts"; done_testing; }

delivered() { sandbox_wait_log "postfix/pipe\[[0-9]+\]: $1: to=<[^>]*>, .*status=sent" 30; }
msg() { printf 'From: %s\nSubject: %s\n\nplease\n' "$1" "$2"; }
qid_of() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'; }

# token in the address, by sendmail
A=alice@example.com
TA=$(us_token spring-2026 $A)
msg "Alice <$A>" "unsubscribe" | sandbox_sendmail "$A" "unsubscribe+spring-2026+$TA@unsub.campaign.test"
check "sendmail: delivered by the pipe" sandbox_wait_log "campaign-unsubscribe\[[0-9]+\]: unsubscribe: campaign=spring-2026 rcpt=<$A> via=mail qid=[0-9A-Za-z]+ status=added" 30
check "sendmail: written" grep -q 'category=unsubscribe campaign=spring-2026 ' <<<"$(us_q $A)"
check "sendmail: status=sent by campaign-unsub" sandbox_wait_log "to=<unsubscribe\+spring-2026\+$TA@unsub.campaign.test>.*relay=campaign-unsub, .*status=sent" 10

# token in the address, by SMTP, case of the domain changed; a replay
B=bob@example.org
TB=$(us_token c2 $B)
q=$(msg "$B" "x" | sandbox_smtp "$SB_SMTP_PORT" "$B" "unsubscribe+c2+$TB@UNSUB.campaign.test" | qid_of)
check "SMTP: accepted" test -n "$q"
check "SMTP: delivered" delivered "$q"
check "SMTP: written" test -n "$(us_q $B)"
q=$(msg "$B" "x" | sandbox_smtp "$SB_SMTP_PORT" "$B" "unsubscribe+c2+$TB@unsub.campaign.test" | qid_of)
check "replay: delivered" delivered "$q"
check "replay: kept" sandbox_wait_log "rcpt=<$B> via=mail qid=$q status=kept" 10

# token in the Subject only
C=carol@example.net
TC=$(us_token c3 $C)
q=$(msg "$C" "Unsubscribe: mailto:unsubscribe+c3+$TC@unsub.campaign.test" | sandbox_smtp "$SB_SMTP_PORT" "$C" unsubscribe@unsub.campaign.test | qid_of)
check "Subject: delivered" delivered "$q"
check "Subject: written" test -n "$(us_q $C)"

# envelope sender empty: the From: address
D=dave@example.net
TD=$(us_token c4 $D)
msg "Dave <$D>" "x" | sandbox_sendmail "" "unsubscribe+c4+$TD@unsub.campaign.test"
check "null sender, From: used" sandbox_wait_log "rcpt=<$D> via=mail qid=[0-9A-Za-z]+ status=added" 30

# refused: forged, someone else's token, no token; delivered (no bounce), nothing written
E=erin@example.net
TE=$(us_token c5 $E)
flip=${TE:0:42}$([ "${TE:42}" = A ] && echo B || echo A)
q1=$(msg "$E" "x" | sandbox_smtp "$SB_SMTP_PORT" "$E" "unsubscribe+c5+$flip@unsub.campaign.test" | qid_of)
q2=$(msg "mallory@example.net" "x" | sandbox_smtp "$SB_SMTP_PORT" mallory@example.net "unsubscribe+c5+$TE@unsub.campaign.test" | qid_of)
q3=$(msg "$E" "hello" | sandbox_smtp "$SB_SMTP_PORT" "$E" unsubscribe@unsub.campaign.test | qid_of)
check "forged token: delivered, not bounced" delivered "$q1"
check "someone else's token: delivered" delivered "$q2"
check "no token: delivered" delivered "$q3"
check "forged: logged" sandbox_wait_log "$q1: campaign=c5: the token was not made for the sender" 5
check "no token: logged" sandbox_wait_log "$q3: no unsubscribe token" 5
check_eq "nothing written for erin" "$(us_q $E)" ""
check_eq "nothing written for mallory" "$(us_q mallory@example.net)" ""
check_eq "no bounce" "$(sandbox_log_count 'status=bounced')" 0

# the server stopped: deferred (75), then delivered
F=frank@example.com
TF=$(us_token c6 $F)
check "server stops" us_stop
q=$(msg "$F" "x" | sandbox_smtp "$SB_SMTP_PORT" "$F" "unsubscribe+c6+$TF@unsub.campaign.test" | qid_of)
check "server down: deferred" sandbox_wait_log "$q: to=<.*status=deferred" 30
check_eq "server down: nothing written" "$(us_q $F)" ""
us_start || fail "server starts again"
sandbox_postqueue -f
check "server up: delivered" delivered "$q"
check "server up: written" test -n "$(us_q $F)"
check_eq "still no bounce" "$(sandbox_log_count 'status=bounced')" 0
check_eq "the secret still mode 600" "$(stat -c %a "$US_SECRET")" 600

# by hand: 0 or 75 only
"$US_PROG" --mail -c "$US_CONF" -Z < /dev/null > /dev/null 2>&1
check_eq "--mail, usage error: 75" "$?" 75
"$US_PROG" --mail -c /nonexistent < /dev/null > /dev/null 2>&1
check_eq "--mail, no configuration: 75" "$?" 75
head -c 300000 /dev/urandom | "$US_PROG" --mail -c "$US_CONF" -s x@y -- unsubscribe@unsub.campaign.test > /dev/null 2>&1
check_eq "--mail, binary garbage: 0" "$?" 0
done_testing
