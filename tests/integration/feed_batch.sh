#!/bin/bash
# NAME
#	feed_batch.sh - campaign-feed --batch: batch containers at a sink, kill -9, resume
# DESCRIPTION
#	No content filter: the test sinks take the batches as they are and
#	keep each message (-d), so the containers themselves are checked.
#	1. Two relays (test sinks, DATA with PIPELINING), 8 sessions, 1000
#	   recipients in batches of 50: 20 batch messages, each to the batch
#	   address, MIME with a message/rfc822 and a text/csv part; their CSV
#	   parts together hold every recipient exactly once with its merge
#	   field (a value with a comma and quotes arrives quoted); batch ids
#	   unique; MAIL gives each batch's SIZE; the journal has one A per
#	   recipient and 20 B records; the summary counts recipients.
#	2. --batch-to: a batch refused with 5xx is journaled R for each of
#	   its recipients with the batch's reply; exit 2.
#	3. A 4xx to a batch is retried: every recipient accepted once.
#	4. Through the sandbox's Postfix (CHUNKING: BDAT) to a sink: the
#	   batches arrive whole.
#	5. kill -9 of the feeder mid-run, then the same command again: the
#	   journal gives every recipient exactly one A (one accepted batch),
#	   every recipient is at the sink, duplicates at most sessions x
#	   batch (the batches in flight when killed), no batch id is used for
#	   two different batches, a batch sent again keeps its id (the
#	   journal's B record: no recipient is at the sink under two ids),
#	   and a third run sends nothing.
#	6. A journal whose B records name batches that were sent and not
#	   answered: the resumed run makes them again from the same lines
#	   with the same ids; a batch whose lines are not all in the list any
#	   more gets a new id.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
SINK=$CAMPAIGN_BUILD/sandbox/sink/campaign-testsink
sandbox_start || { fail "sandbox" "did not start"; done_testing; }
W=$SB/feed
mkdir -p "$W"
: > "$W/rules"

# start_sink NAME - a test sink keeping messages in $W/NAME.d
start_sink() {
	local port
	port=$(sandbox_free_port)
	mkdir -p "$W/$1.d"
	sb_bg "$W/$1.err" "$SINK" -p "$port" -r "$W/rules" -l "$W/$1.log" \
		-c "$W/$1.counts" -d "$W/$1.d"
	echo "$port" > "$W/$1.port"
	sb_wait_daemon "$SB_BG" "$port" 10
}

# csv_rcpts DIR... - the first column of every CSV record of the batches
# kept in DIRs (no value in these lists holds a line break)
csv_rcpts() {
	local f
	for f in $(find "$@" -name 'msg.*' -type f); do
		csv_rcpts_of "$f"
	done
}

# csv_rcpts_of FILE - the first column of the CSV records of one message
csv_rcpts_of() {
	awk '/^Content-Type: text\/csv/ { p = 1; next }
	     p == 1 && /^$/ { p = 2; getline; next }
	     p == 2 && /^--=_campaign[-_]batch_/ { exit }
	     p == 2 && NF { print }' "$1" | cut -d, -f1
}

# batch_ids DIR... - the X-Campaign-Batch of every message kept
batch_ids() { find "$@" -name 'msg.*' -type f -exec sed -n 's/^X-Campaign-Batch: //p' {} +; }

# id_lists DIR... - "BID RCPT,RCPT,..." per message kept
id_lists() {
	local f
	for f in $(find "$@" -name 'msg.*' -type f); do
		printf '%s %s\n' "$(sed -n 's/^X-Campaign-Batch: //p' "$f")" "$(csv_rcpts_of "$f" | paste -sd,)"
	done
}

# id_rcpts DIR... - "BID RCPT" per recipient of each message kept
id_rcpts() { id_lists "$@" | awk '{ n = split($2, r, ","); for (i = 1; i <= n; i++) print $1, r[i] }'; }

# msgs DIR... - messages kept
msgs() { find "$@" -name 'msg.*' -type f | wc -l; }

printf 'From: News <news@example.com>\nSubject: for {{name}}\n\nHello {{name}}\n.dot\n' > "$W/msg"

# --- 1. two relays, 20 batches of 50 ----------------------------------------------
N=1000
{ echo 'email,name'; seq 1 $N | sed 's/.*/u&@example.com,name&/'; } > "$W/list1"
sed -i 's/^u7@example.com,name7$/u7@example.com,"Smith, ""J"""/' "$W/list1"
start_sink a && start_sink b || fail "sinks" "did not start"
"$FEED" -C bt1 -m "$W/msg" -r "$W/list1" -j "$W/j1" -s 8 --batch 50 \
	-R "127.0.0.1:$(cat "$W/a.port")" -R "127.0.0.1:$(cat "$W/b.port")" \
	--no-progress --give-up 30 > "$W/out1" 2>&1
check_eq "batches: exit 0" "$?" 0
check_eq "batches: 20 messages at the sinks" "$(msgs "$W/a.d" "$W/b.d")" 20
check "batches: both relays used" test "$(msgs "$W/a.d")" -gt 0 -a "$(msgs "$W/b.d")" -gt 0
check_eq "batches: all to the batch address" \
	"$(cat "$W"/a.d/msg.* "$W"/b.d/msg.* | grep -c '^RCPT TO:<batch@batch.campaign.invalid>$')" 20
check_eq "batches: each is multipart with the template and the CSV" \
	"$(grep -l '^Content-Type: message/rfc822' "$W"/a.d/msg.* "$W"/b.d/msg.* |
	   xargs grep -l '^Content-Type: text/csv' | xargs grep -l '^Content-Type: multipart/mixed' | wc -l)" 20
check_eq "batches: every recipient in the CSV parts" "$(csv_rcpts "$W/a.d" "$W/b.d" | sort -u | wc -l)" $N
check_eq "batches: none twice" "$(csv_rcpts "$W/a.d" "$W/b.d" | wc -l)" $N
check "batches: merge field with comma and quotes arrives quoted" \
	grep -qx 'u7@example.com,"Smith, ""J"""' "$W"/a.d/msg.* "$W"/b.d/msg.*
check_eq "batches: MAIL says each batch's SIZE" \
	"$(cat "$W"/a.d/msg.* "$W"/b.d/msg.* | grep -c '^MAIL FROM:<[^>]*> BODY=8BITMIME SIZE=[1-9][0-9]*$')" 20
check "batches: tags left in the template" grep -q '^Hello {{name}}$' "$W"/a.d/msg.* "$W"/b.d/msg.*
check_eq "batches: ids unique" "$(batch_ids "$W/a.d" "$W/b.d" | sort -u | wc -l)" 20
check_eq "batches: journal A per recipient" "$(grep -c '^A [0-9]* u[0-9]*@example.com b0000[0-9][0-9]$' "$W/j1")" $N
check_eq "batches: journal B per batch" "$(grep -c '^B [0-9]* 50 [0-9,-]*$' "$W/j1")" 20
check "batches: summary counts recipients" grep -q 'accepted=1000 .* messages=20 ' "$W/out1"
check "batches: summary line for batches" grep -q 'batches=20 ' "$W/out1"

# --- 2. a batch refused with 5xx ----------------------------------------------------
echo 'rcpt: refused-batch@example.com 550 5.7.1 no batches here' > "$W/rules"
start_sink c || fail "sink c" "did not start"
head -11 "$W/list1" > "$W/list2"
"$FEED" -C bt2 -m "$W/msg" -r "$W/list2" -j "$W/j2" -s 1 --batch 4 \
	--batch-to refused-batch@example.com -R "127.0.0.1:$(cat "$W/c.port")" \
	--no-progress --give-up 30 > "$W/out2" 2>&1
check_eq "5xx: exit 2" "$?" 2
check_eq "5xx: every recipient journaled R with the batch's reply" \
	"$(grep -c '^R [0-9]* u[0-9]*@example.com batch b00000[1-3]: 550 5.7.1 no batches here$' "$W/j2")" 10
check "5xx: summary" grep -q 'accepted=0 rejected=10 ' "$W/out2"

# --- 3. a 4xx to a batch is retried ----------------------------------------------------
echo 'data: slow-batch@example.com first 1 451 4.3.0 try later then 250 2.0.0 ok' > "$W/rules"
start_sink d || fail "sink d" "did not start"
"$FEED" -C bt3 -m "$W/msg" -r "$W/list2" -j "$W/j3" -s 2 --batch 5 --retry-delay 0.2 \
	--batch-to slow-batch@example.com -R "127.0.0.1:$(cat "$W/d.port")" \
	--no-progress --give-up 30 > "$W/out3" 2>&1
check_eq "4xx: exit 0" "$?" 0
check_eq "4xx: every recipient accepted once" "$(csv_rcpts "$W/d.d" | sort | uniq -c | awk '$1 == 1' | wc -l)" 10
check "4xx: retried" grep -q 'retries=[1-9]' "$W/out3"
: > "$W/rules"

# --- 4. through Postfix with BDAT -------------------------------------------------------
testsink_start -r "$W/rules" || fail "test sink" "did not start"
"$FEED" -C bt4 -m "$W/msg" -r "$W/list1" -s 2 --window 4 --batch 100 \
	-R "127.0.0.1:$SB_SMTP_PORT" --no-progress --give-up 30 > "$W/out4" 2>&1
check_eq "bdat: exit 0" "$?" 0
check "bdat: smtpd saw BDAT" sandbox_wait_log 'disconnect from .* bdat=[1-9]' 10
sandbox_wait_queue_empty 60
check_eq "bdat: 10 batches relayed" "$(find "$TESTSINK_DIR/msg" -name 'msg.*' -type f | wc -l)" 10
check_eq "bdat: every recipient once in the CSV parts" \
	"$(csv_rcpts "$TESTSINK_DIR/msg" | sort -u | wc -l) $(csv_rcpts "$TESTSINK_DIR/msg" | wc -l)" "$N $N"

# --- 5. kill -9 and resume ----------------------------------------------------------------
N=3000 S=4 B=10
{ echo 'email,name'; seq 1 $N | sed 's/.*/k&@example.com,n&/'; } > "$W/list5"
start_sink e || fail "sink e" "did not start"
args=(-C bt5 -m "$W/msg" -r "$W/list5" -j "$W/j5" -s $S --batch $B
	-R "127.0.0.1:$(cat "$W/e.port")" --no-progress --give-up 30)
fd_kill_mid_run "$W/j5" 1000 "$W/out5" "${args[@]}" --rate 40
check "kill: stopped mid-run" test "$(grep -c '^A ' "$W/j5")" -lt $N
"$FEED" "${args[@]}" > "$W/out6" 2>&1
check_eq "kill: resume exit 0" "$?" 0
check_eq "kill: journal: every recipient in exactly one accepted batch" \
	"$(grep '^A ' "$W/j5" | cut -d' ' -f2 | sort | uniq -c | awk '$1 == 1' | wc -l) $(grep -c '^A ' "$W/j5")" "$N $N"
check_eq "kill: every recipient at the sink" "$(csv_rcpts "$W/e.d" | sort -u | wc -l)" $N
dups=$(( $(csv_rcpts "$W/e.d" | wc -l) - N ))
check "kill: duplicates $dups <= sessions x batch = $((S * B))" test "$dups" -le $((S * B))
check_eq "kill: no batch id given to two different batches" \
	"$(id_lists "$W/e.d" | sort -u | cut -d' ' -f1 | uniq -d | wc -l)" 0
check_eq "kill: no recipient in two batches with different ids (a batch sent again keeps its id)" \
	"$(id_rcpts "$W/e.d" | sort -u | cut -d' ' -f2 | sort | uniq -d | wc -l)" 0
"$FEED" "${args[@]}" > "$W/out7" 2>&1
check "kill: a third run sends nothing" grep -q "accepted=0 .* skipped=$N messages=0" "$W/out7"

# --- 6. batches made again with their ids --------------------------------------------------
start_sink f || fail "sink f" "did not start"
{ echo 'email,name'; seq 1 10 | sed 's/.*/m&@example.com,n&/'; } > "$W/list6"
printf '# campaign-feed journal 1 campaign=bt6\nB 1 3 2-4\nA 2 m1@example.com b000001\nA 3 m2@example.com b000001\nA 4 m3@example.com b000001\nB 2 3 5-7\nB 3 3 8,9,30\n' > "$W/j6"
"$FEED" -C bt6 -m "$W/msg" -r "$W/list6" -j "$W/j6" -s 1 --batch 3 \
	-R "127.0.0.1:$(cat "$W/f.port")" --no-progress --give-up 30 > "$W/out8" 2>&1
check_eq "again: exit 0" "$?" 0
check "again: b000002 made again from lines 5-7" grep -qx 'b000002 m4@example.com,m5@example.com,m6@example.com' <(id_lists "$W/f.d")
check "again: b000003 lost a line: its others in a new batch" \
	grep -qE '^b00000[45] m7@example.com,m8@example.com$' <(id_lists "$W/f.d")
check "again: no B record for the batch made again, one for the new" \
	test "$(grep -c '^B 2 ' "$W/j6") $(grep -cE '^B [45] 2 8-9$' "$W/j6")" = "1 1"
check_eq "again: every recipient accepted once" "$(grep -c '^A ' "$W/j6")" 10
done_testing
