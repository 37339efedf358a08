#!/bin/bash
# NAME
#	feed_failover.sh - relay killed and restarted; feeder killed with -9
# DESCRIPTION
#	1. Two relays; one is killed mid-run and started again on the same
#	   port a second later: the run finishes with exit 0, every
#	   recipient arrives, and recipients received twice are at most the
#	   killed relay's sessions (the transactions in flight there).
#	2. kill -9 of campaign-feed mid-run, then the same command again:
#	   every recipient arrives, duplicates at most sessions x
#	   rcpts-per-msg (the bound campaign-feed(1) states), the journal
#	   ends with every recipient accepted once, and one more run sends
#	   nothing.
#	3. SIGTERM: transactions in flight finish, exit 75, the resumed run
#	   sends each remaining recipient once.
#	4. On a terminal the progress bar is drawn.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
SINK=$CAMPAIGN_BUILD/sandbox/sink/campaign-testsink
SB_POSTFIX=no SB_SINK=no sandbox_start || { fail "sandbox" "did not start"; done_testing; }
W=$SB/feed
mkdir -p "$W"
: > "$W/rules"

# start_sink NAME [PORT] - test sink logging outcomes to $W/NAME.log
start_sink() {
	local port=${2:-$(sandbox_free_port)}
	sb_bg "$W/$1.err" "$SINK" -p "$port" -r "$W/rules" -l "$W/$1.log" -c "$W/$1.counts"
	echo "$SB_BG" > "$W/$1.pid"
	echo "$port" > "$W/$1.port"
	sb_wait_daemon "$SB_BG" "$port" 10
}

accepted() { fd_accepted "$@"; }
unique() { fd_unique "$@"; }

printf 'From: news@example.com\nSubject: failover\n\nhello\n' > "$W/msg"

# --- 1. relay killed and restarted ---------------------------------------------
N=20000
seq 1 $N | sed 's/.*/r&@example.com/' > "$W/list1"
start_sink a && start_sink b || fail "sinks" "did not start"
"$FEED" -C fo1 -m "$W/msg" -r "$W/list1" -j "$W/j1" -s 8 --rate 5000 \
	-R "127.0.0.1:$(cat "$W/a.port")" -R "127.0.0.1:$(cat "$W/b.port")" \
	--no-progress --give-up 30 > "$W/out1" 2>&1 &
fpid=$!
wait_for 20 "3000 accepted" fd_journal_accepted "$W/j1" 3000
kill -KILL "$(cat "$W/a.pid")"
wait "$(cat "$W/a.pid")" 2>/dev/null
mv "$W/a.log" "$W/a1.log"
killed_at=$(grep -c '^A ' "$W/j1")
wait_for 10 "another 2000 through relay b" fd_journal_accepted "$W/j1" $((killed_at + 2000))
start_sink a "$(cat "$W/a.port")" || fail "sink a restart" "did not start"
wait "$fpid"
check_eq "relay restart: exit 0" "$?" 0
check "relay restart: the feeder saw the relay go and come back" \
	grep -q 'up again' "$W/out1"
check_eq "relay restart: every recipient arrived" "$(unique "$W"/a1.log "$W"/a.log "$W"/b.log)" $N
dups=$(( $(accepted "$W"/a1.log "$W"/a.log "$W"/b.log) - N ))
check "relay restart: duplicates $dups <= 4 (sessions of the killed relay)" test $dups -le 4
check "relay restart: restarted relay got work again" test "$(accepted "$W/a.log")" -gt 0
check_eq "relay restart: journal complete" "$(cut -d' ' -f2 "$W/j1" | grep -c '^[0-9]')" $N

# --- 2. kill -9 of the feeder, then resume ----------------------------------------
N=30000 S=6 K=3
seq 1 $N | sed 's/.*/k&@example.com/' > "$W/list2"
for x in c d; do start_sink $x || fail "sink $x" "did not start"; done
args2=(-C fo2 -m "$W/msg" -r "$W/list2" -j "$W/j2" -s $S -k $K
	-R "127.0.0.1:$(cat "$W/c.port")" -R "127.0.0.1:$(cat "$W/d.port")"
	--no-progress --give-up 30)
fd_kill_mid_run "$W/j2" 9000 "$W/out2" "${args2[@]}" --rate 2000
check "killed mid-run" test "$(grep -c '^A ' "$W/j2")" -lt $N
"$FEED" "${args2[@]}" > "$W/out3" 2>&1
check_eq "resume: exit 0" "$?" 0
check_eq "resume: every recipient arrived" "$(unique "$W"/c.log "$W"/d.log)" $N
dups=$(( $(accepted "$W"/c.log "$W"/d.log) - N ))
check "resume: duplicates $dups <= sessions x rcpts-per-msg = $((S * K))" test $dups -le $((S * K))
check "resume: skipped what the journal had" grep -q 'skipped=[1-9]' "$W/out3"
check_eq "resume: journal has every line accepted once" \
	"$(grep '^A ' "$W/j2" | cut -d' ' -f2 | sort -u | wc -l)" $N
"$FEED" "${args2[@]}" > "$W/out4" 2>&1
check "finished campaign: a re-run sends nothing" grep -q "accepted=0 .* skipped=$N messages=0" "$W/out4"

# --- 3. SIGTERM: in-flight transactions finish, exit 75, resume without duplicates ---
N=6000
seq 1 $N | sed 's/.*/t&@example.com/' > "$W/list3"
start_sink e || fail "sink e" "did not start"
args3=(-C fo3 -m "$W/msg" -r "$W/list3" -j "$W/j3" -s 4 -k 2
	-R "127.0.0.1:$(cat "$W/e.port")" --no-progress --give-up 30)
"$FEED" "${args3[@]}" --rate 1000 > "$W/out5" 2>&1 &
fpid=$!
wait_for 20 "1000 accepted" fd_journal_accepted "$W/j3" 1000
kill -TERM $fpid
wait $fpid
check_eq "SIGTERM: exit 75" "$?" 75
check "SIGTERM: reported" grep -q 'interrupted' "$W/out5"
"$FEED" "${args3[@]}" > "$W/out6" 2>&1
check_eq "after SIGTERM: resume exit 0" "$?" 0
check_eq "after SIGTERM: every recipient once, no duplicate" \
	"$(accepted "$W/e.log") $(unique "$W/e.log")" "$N $N"

# --- 4. progress bar on a terminal ---------------------------------------------
if command -v script > /dev/null; then
	script -qc "$FEED -C fo4 -m $W/msg -r $W/list3 -R 127.0.0.1:$(cat "$W/e.port") --rate 3000" \
		/dev/null < /dev/null > "$W/tty" 2>&1
	check "progress bar drawn on a terminal" grep -q '\[#*-*\] .*/6000 .* msg/s ETA .* deferred 0 rejected 0' "$W/tty"
fi
done_testing
