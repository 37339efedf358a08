#!/bin/bash
# NAME
#	feed_coalesce.sh - campaign-feed's pause that lets replies gather
# DESCRIPTION
#	The pause (--coalesce, campaign-feed(1) PERFORMANCE) must save
#	wake-ups where replies come fast and never stall a run where they
#	come slowly.  Every run is bounded by timeout(1) and checked with
#	--stats: wakeups= and sleeps= (counts) and pauses= and paused= (the
#	number and total length of the pauses the feeder chose).  No check
#	is a wall-clock time: a stall shows as paused=, which the feeder
#	decides, not as elapsed=, which the machine's load decides.  First,
#	--coalesce out of range is a usage error and --dry-run shows it.
#	1. One session, 300 messages into smtp-sink, the longest pause
#	   allowed (--coalesce 50000): no pause at all (one session has
#	   nobody to wait for; a pause before each wait would be 300 x 50 ms).
#	2. A slow trickle: 4 sessions, --rate 100, 150 messages, the longest
#	   pause: paused at most 0.5 s, a third of the 1.5 s the rate plans
#	   (an unadapted pause: 150 x 50 ms = 7.5 s).
#	3. Fast replies: 20 sessions, 20000 messages into smtp-sink: with
#	   --coalesce 0 no pause; with the default pause it pauses and each
#	   wake-up serves 4 messages or more on average (wakeups <= 5000;
#	   typically 12 a wake-up against one with --coalesce 0 on a quiet
#	   machine; a loaded machine gathers replies by itself, so this is
#	   a bound on the pause's result, not a ratio to a run whose
#	   wake-ups depend on the load).  With the longest pause allowed:
#	   paused at most 2.5 s, a twentieth of an unadapted pause's
#	   20000 / 20 x 50 ms = 50 s.
#	4. Slower replies, into Postfix's smtpd (a process per session,
#	   about a millisecond a message): 4 sessions, 400 messages, the
#	   longest pause: the process goes to sleep no more often than
#	   with --coalesce 0 (x 1.2 + 20: a pause that gathers nothing adds
#	   a sleep) and paused at most 2.5 s, half of an unadapted pause's
#	   400 / 4 x 50 ms = 5 s.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
SB_SINK_DUMP=no sandbox_start || { fail "sandbox" "did not start"; done_testing; }
W=$SB/feed
mkdir -p "$W"
printf 'From: news@campaign.test\nSubject: gather\n\nhello\n' > "$W/msg"
seq 1 20000 | sed 's/.*/g&@sink.test/' > "$W/list20000"
for n in 150 300 400; do head -n $n "$W/list20000" > "$W/list$n"; done

# run NAME PORT N ARGS... - one bounded run; sets RC, PAUSES, PAUSED (s),
# WAKEUPS, SLEEPS
run() {
	local name=$1 port=$2 n=$3
	shift 3
	timeout 60 "$FEED" -C co -m "$W/msg" -r "$W/list$n" -R "127.0.0.1:$port" \
		--no-progress --stats --give-up 20 "$@" > "$W/$name.out" 2>&1
	RC=$?
	PAUSES=$(sed -n 's/.* pauses=\([0-9]*\).*/\1/p' "$W/$name.out")
	PAUSED=$(sed -n 's/.* paused=\([0-9.]*\)s.*/\1/p' "$W/$name.out")
	WAKEUPS=$(sed -n 's/.* wakeups=\([0-9]*\).*/\1/p' "$W/$name.out")
	SLEEPS=$(sed -n 's/.* sleeps=\([0-9]*\).*/\1/p' "$W/$name.out")
	: "${PAUSES:=-1}" "${PAUSED:=999}" "${WAKEUPS:=999999}" "${SLEEPS:=999999}"
}
# le A B - A <= B (decimals)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# bound A K C - A * K + C
bound() { awk -v a="$1" -v k="$2" -v c="$3" 'BEGIN { print a * k + c }'; }

# --- usage ----------------------------------------------------------------------
"$FEED" -C co -m "$W/msg" -r "$W/list150" -R 127.0.0.1:1 --coalesce 50001 > /dev/null 2>&1
check_eq "--coalesce above 50000 exits 64" "$?" 64
"$FEED" -C co -m "$W/msg" -r "$W/list150" -n --coalesce 250 > "$W/dry.out" 2>&1
check "--dry-run shows the pause" grep -q ' coalesce=250us$' "$W/dry.out"

# --- 1. one session ------------------------------------------------------------
run one "$SB_SINK_PORT" 300 -s 1 --coalesce 50000
check_eq "one session: exit 0" "$RC" 0
check_eq "one session: no pause" "$PAUSES" 0

# --- 2. slow trickle -------------------------------------------------------------
run trickle "$SB_SINK_PORT" 150 -s 4 --rate 100 --coalesce 50000
check_eq "trickle: exit 0" "$RC" 0
check "trickle: paused ${PAUSED}s <= 0.5s ($PAUSES pauses)" le "$PAUSED" 0.5

# --- 3. fast replies ---------------------------------------------------------------
run fast0 "$SB_SINK_PORT" 20000 -s 20 --coalesce 0
base_wakeups=$WAKEUPS
check_eq "fast, no pause: exit 0" "$RC" 0
check_eq "fast, no pause: pauses=0" "$PAUSES" 0
run fast "$SB_SINK_PORT" 20000 -s 20
check_eq "fast: exit 0" "$RC" 0
check "fast: pauses (pauses=$PAUSES)" test "$PAUSES" -gt 0
check "fast: epoll_wait calls $WAKEUPS <= 20000 / 4 (--coalesce 0: $base_wakeups)" \
	test "$WAKEUPS" -le 5000
run fastmax "$SB_SINK_PORT" 20000 -s 20 --coalesce 50000
check_eq "fast, longest pause: exit 0" "$RC" 0
check "fast, longest pause: paused ${PAUSED}s <= 2.5s ($PAUSES pauses)" le "$PAUSED" 2.5

# --- 4. sparse replies: Postfix smtpd ------------------------------------------------
run pf0 "$SB_SMTP_PORT" 400 -s 4 --window 1 --coalesce 0
base_sleeps=$SLEEPS
check_eq "smtpd, no pause: exit 0" "$RC" 0
run pf "$SB_SMTP_PORT" 400 -s 4 --window 1 --coalesce 50000
check_eq "smtpd, longest pause: exit 0" "$RC" 0
check "smtpd: sleeps $SLEEPS (pauses $PAUSES) <= $base_sleeps x 1.2 + 20" \
	le "$SLEEPS" "$(bound "$base_sleeps" 1.2 20)"
check "smtpd: paused ${PAUSED}s <= 2.5s" le "$PAUSED" 2.5
sandbox_wait_queue_empty 60
done_testing
