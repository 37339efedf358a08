#!/bin/bash
# NAME
#	feed_volume.sh - 100,000 recipients, two relays, each accepted once
# DESCRIPTION
#	Two test sinks (outcome log only, no message files) share the load
#	of one campaign-feed run of 100,000 recipients, 2 per message.
#	Counted at the sinks: every recipient accepted exactly once, both
#	relays used; the journal holds 100,000 accepted records; a re-run
#	with the journal sends nothing and needs no relay.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
SINK=$CAMPAIGN_BUILD/sandbox/sink/campaign-testsink
N=100000
SB_POSTFIX=no SB_SINK=no sandbox_start || { fail "sandbox" "did not start"; done_testing; }
W=$SB/feed
mkdir -p "$W"
: > "$W/rules"

# start_sink NAME - a test sink logging outcomes to $W/NAME.log; port in $W/NAME.port
start_sink() {
	local port
	port=$(sandbox_free_port)
	sb_bg "$W/$1.err" "$SINK" -p "$port" -r "$W/rules" -l "$W/$1.log" -c "$W/$1.counts"
	sb_wait_daemon "$SB_BG" "$port" 10 || return 1
	echo "$port" > "$W/$1.port"
}
start_sink a || fail "sink a" "did not start"
start_sink b || fail "sink b" "did not start"
seq 1 $N | sed 's/.*/user&@example.com/' > "$W/list"
printf 'From: news@example.com\nSubject: volume\n\nhello\n' > "$W/msg"

"$FEED" -C vol1 -m "$W/msg" -r "$W/list" -j "$W/journal" -s 16 -k 2 \
	-R "127.0.0.1:$(cat "$W/a.port")" -R "127.0.0.1:$(cat "$W/b.port")" \
	--no-progress --give-up 30 > "$W/out" 2>&1
check_eq "exit 0" "$?" 0
cat "$W/out"
accepted=$(cat "$W/a.log" "$W/b.log" | grep -c ' stage=data .*reply=250')
unique=$(cat "$W/a.log" "$W/b.log" | grep ' stage=data .*reply=250' |
	sed 's/.* to=<\([^>]*\)>.*/\1/' | sort -u | wc -l)
check_eq "accepted at the sinks" "$accepted" $N
check_eq "each recipient once" "$unique" $N
a=$(grep -c ' stage=data' "$W/a.log")
b=$(grep -c ' stage=data' "$W/b.log")
check "both relays carried load (a=$a b=$b)" test "$a" -gt $((N / 10)) -a "$b" -gt $((N / 10))
check_eq "journal: $N accepted" "$(grep -c '^A ' "$W/journal")" $N
check "summary: messages" grep -q "accepted=$N rejected=0 deferred=0 malformed=0 skipped=0 messages=$((N / 2))" "$W/out"

"$FEED" -C vol1 -m "$W/msg" -r "$W/list" -j "$W/journal" -s 16 -k 2 \
	-R "127.0.0.1:$(sandbox_free_port)" --give-up 10 --no-progress > "$W/out2" 2>&1
check_eq "re-run, relay down: exit 0 (nothing to send, no connection)" "$?" 0
check "re-run: all skipped, nothing sent" grep -q "accepted=0 .* skipped=$N messages=0" "$W/out2"
done_testing
