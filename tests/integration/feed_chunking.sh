#!/bin/bash
# NAME
#	feed_chunking.sh - campaign-feed with CHUNKING (BDAT) into Postfix
# DESCRIPTION
#	The sandbox's Postfix smtpd offers CHUNKING; it relays to the test
#	sink.  campaign-feed sends BDAT transactions with a window of 4 per
#	session:
#	1. 600 recipients, a message with lines starting with "." and "..":
#	   smtpd logged bdat= commands, every recipient arrived once, the
#	   dots arrived as written (BDAT sends the message unstuffed); one
#	   recipient refused at RCPT by smtpd is journaled R with its text
#	   while the others of the window are accepted.
#	2. Merge tags with BDAT: each message carries its own value.
#	3. kill -9 of the feeder mid-run, then resume: every recipient
#	   arrives, duplicates <= sessions x window x rcpts-per-msg.
#	4. --window 1: DATA is used (smtpd logs data=, no bdat=).
#	5. --xverp: Postfix (smtpd_authorized_verp_clients) gives each
#	   recipient its own return path, sender+local=domain@host, as the
#	   test sink sees it in MAIL FROM; --xverp with --batch is a usage
#	   error.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
sandbox_start || { fail "sandbox" "did not start"; done_testing; }
: > "$SB/rules"
testsink_start -r "$SB/rules" || { fail "test sink" "did not start"; done_testing; }
echo 'refused@sink.test REJECT no such campaign user' > "$SB/refused"
sandbox_postconf "smtpd_recipient_restrictions=check_recipient_access texthash:$SB/refused, permit_mynetworks, reject"
sandbox_reload
W=$SB/feed
mkdir -p "$W"
RELAY=127.0.0.1:$SB_SMTP_PORT

# accepted_at_sink, unique_at_sink - recipients the test sink accepted
# (with repeats, distinct); sink_has N - at least N accepted
accepted_at_sink() { fd_accepted "$TESTSINK_LOG"; }
unique_at_sink() { fd_unique "$TESTSINK_LOG"; }
sink_has() { [ "$(accepted_at_sink)" -ge "$1" ]; }

# --- 1. BDAT window, dots, a refused recipient ---------------------------------
N=600
{ seq 1 299 | sed 's/.*/b&@sink.test/'; echo refused@sink.test; seq 300 599 | sed 's/.*/b&@sink.test/'; } > "$W/list1"
printf 'From: news@campaign.test\nSubject: dots\n\n.single\n..double\n.\nend\n' > "$W/msg1"
"$FEED" -C ch1 -m "$W/msg1" -r "$W/list1" -j "$W/j1" -R "$RELAY" -s 4 --window 4 \
	--no-progress --give-up 30 > "$W/out1" 2>&1
check_eq "bdat: exit 2 (one rejected)" "$?" 2
check "bdat: smtpd saw BDAT" sandbox_wait_log 'disconnect from .* bdat=[1-9]' 10
check "bdat: no DATA used" test "$(sandbox_log_count 'disconnect from .* data=')" -eq 0
check "bdat: refused recipient journaled with its text" \
	grep -q '^R 300 refused@sink.test 554 5.7.1 .*no such campaign user' "$W/j1"
check_eq "bdat: others accepted" "$(grep -c '^A ' "$W/j1")" $((N - 1))
sandbox_wait_queue_empty 60
check_eq "bdat: every recipient arrived once" "$(accepted_at_sink) $(unique_at_sink)" "$((N - 1)) $((N - 1))"
f=$(find "$TESTSINK_DIR/msg" -name 'msg.*' -type f | head -1)
check "bdat: dot lines arrived as written" \
	awk '/^\.single$/ {a=1} /^\.\.double$/ {b=1} /^\.$/ {c=1} END {exit !(a && b && c)}' "$f"

# --- 2. merge tags with BDAT ------------------------------------------------------
printf 'email,name\nm1@sink.test,Ann\nm2@sink.test,".Bob"\n' > "$W/list2"
printf 'From: news@campaign.test\nSubject: hi\n\n{{name}} here\n.x\n' > "$W/msg2"
"$FEED" -C ch2 -m "$W/msg2" -r "$W/list2" -R "$RELAY" -s 1 --window 4 \
	--no-progress --give-up 30 > "$W/out2" 2>&1
check_eq "merge: exit 0" "$?" 0
sandbox_wait_queue_empty 30
check "merge: Ann's message" grep -lq '^Ann here$' "$TESTSINK_DIR"/msg/msg.*
check "merge: .Bob's message, dot kept single" grep -lq '^\.Bob here$' "$TESTSINK_DIR"/msg/msg.*

# --- 3. kill -9 and resume with a window of 4 -----------------------------------
N=3000 S=4 WIN=4
base=$(accepted_at_sink)
seq 1 $N | sed 's/.*/k&@sink.test/' > "$W/list3"
printf 'From: news@campaign.test\nSubject: kill\n\nhello\n' > "$W/msg3"
args=(-C ch3 -m "$W/msg3" -r "$W/list3" -j "$W/j3" -R "$RELAY" -s $S --window $WIN
	--no-progress --give-up 30)
fd_kill_mid_run "$W/j3" 600 "$W/out3" "${args[@]}" --rate 400
check "kill: stopped mid-run" test "$(grep -c '^A ' "$W/j3")" -lt $N
"$FEED" "${args[@]}" > "$W/out4" 2>&1
check_eq "kill: resume exit 0" "$?" 0
sandbox_wait_queue_empty 60
sb_poll 30 sink_has $((base + N))
got=$(grep ' stage=data .*reply=250' "$TESTSINK_LOG" | grep -c ' to=<k[0-9]*@sink.test>')
uniq=$(grep ' stage=data .*reply=250' "$TESTSINK_LOG" | sed -n 's/.* to=<\(k[0-9]*@sink.test\)>.*/\1/p' | sort -u | wc -l)
check_eq "kill: every recipient arrived" "$uniq" $N
check "kill: duplicates $((got - N)) <= sessions x window = $((S * WIN))" test $((got - N)) -le $((S * WIN))
check_eq "kill: journal complete" "$(grep '^A ' "$W/j3" | cut -d' ' -f2 | sort -u | wc -l)" $N

# --- 4. --window 1 uses DATA ----------------------------------------------------
before=$(sandbox_log_count 'disconnect from .* data=[1-9]')
"$FEED" -C ch4 -m "$W/msg3" -r "$W/list2" -R "$RELAY" -s 1 --window 1 \
	--no-progress --give-up 30 > "$W/out5" 2>&1
check_eq "window 1: exit 0" "$?" 0
check "window 1: DATA used" sb_poll 10 sb_log_count_gt 'disconnect from .* data=[1-9]' "$before"

# --- 5. --xverp: one return path per recipient, made by Postfix -----------------
"$FEED" -C ch5 -m "$W/msg2" -r "$W/list2" -R "$RELAY" --xverp --batch 10 > "$W/out6" 2>&1
check_eq "xverp: with --batch a usage error" "$?" 64
check "xverp: ...that says so" grep -q -- '--batch and --xverp do not go together' "$W/out6"
sandbox_postconf "smtpd_authorized_verp_clients = 127.0.0.0/8" && sandbox_reload
"$FEED" -C ch5 -m "$W/msg2" -r "$W/list2" -R "$RELAY" -s 1 -f 'news@campaign.test' --xverp \
	--no-progress --give-up 30 > "$W/out7" 2>&1
check_eq "xverp: exit 0" "$?" 0
sandbox_wait_queue_empty 30
for r in m1 m2; do
	check "xverp: $r's return path news+$r=sink.test@campaign.test" \
		sb_poll 10 grep -lq "^MAIL FROM:<news+$r=sink.test@campaign.test>" "$TESTSINK_DIR"/msg/msg.*
done
done_testing
