#!/bin/bash
# NAME
#	feed_coalesce.sh - campaign-feed's pause that lets replies gather
# DESCRIPTION
#	The pause (--coalesce, campaign-feed(1) PERFORMANCE) must save
#	wake-ups where replies come fast and never stall a run where they
#	come slowly.  Every run is bounded by timeout(1) and checked with
#	--stats (pauses=, wakeups=) and its summary (elapsed=).  First,
#	--coalesce out of range is a usage error and --dry-run shows it.
#	1. One session, 300 messages into smtp-sink, the longest pause
#	   allowed (--coalesce 50000): no pause at all (one session has
#	   nobody to wait for), every message accepted, the run within 2 x
#	   the --coalesce 0 run + 1 s (a pause before each wait would take
#	   300 x 50 ms).  No bound here is an absolute time: each compares
#	   with a --coalesce 0 run made just before it.
#	2. A slow trickle: 4 sessions, --rate 100, 150 messages, the longest
#	   pause: ends within 2.5 x the --coalesce 0 run + 1 s.
#	3. Fast replies: 20 sessions, 20000 messages into smtp-sink: with
#	   the default pause it pauses, calls epoll_wait less than 3/4 as
#	   often as --coalesce 0 (typically a fifth: a loaded machine
#	   gathers replies by itself) and is not slower than 2 x
#	   --coalesce 0 + 1 s; with the longest pause allowed still within that bound
#	   (an unadapted 50 ms pause: 20000 / 20 x 50 ms = 50 s).
#	4. Slower replies, into Postfix's smtpd (a process per session,
#	   about a millisecond a message): 4 sessions, 400 messages, the
#	   longest pause: the process goes to sleep no more often than
#	   with --coalesce 0 (x 1.2 + 20: a pause that gathers nothing adds
#	   a sleep) and the run is within 2 x the --coalesce 0 run + 2 s.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
SB_SINK_DUMP=no sandbox_start || { fail "sandbox" "did not start"; done_testing; }
W=$SB/feed
mkdir -p "$W"
printf 'From: news@campaign.test\nSubject: gather\n\nhello\n' > "$W/msg"
seq 1 20000 | sed 's/.*/g&@sink.test/' > "$W/list20000"
for n in 150 300 400; do head -n $n "$W/list20000" > "$W/list$n"; done

# run NAME PORT N ARGS... - one bounded run; sets RC, EL (s), PAUSES,
# WAKEUPS, SLEEPS
run() {
	local name=$1 port=$2 n=$3
	shift 3
	timeout 60 "$FEED" -C co -m "$W/msg" -r "$W/list$n" -R "127.0.0.1:$port" \
		--no-progress --stats --give-up 20 "$@" > "$W/$name.out" 2>&1
	RC=$?
	EL=$(sed -n 's/.* elapsed=\([0-9.]*\)s.*/\1/p' "$W/$name.out")
	PAUSES=$(sed -n 's/.* pauses=\([0-9]*\).*/\1/p' "$W/$name.out")
	WAKEUPS=$(sed -n 's/.* wakeups=\([0-9]*\).*/\1/p' "$W/$name.out")
	SLEEPS=$(sed -n 's/.* sleeps=\([0-9]*\).*/\1/p' "$W/$name.out")
	: "${EL:=999}" "${PAUSES:=-1}" "${WAKEUPS:=-1}" "${SLEEPS:=999999}"
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
run one0 "$SB_SINK_PORT" 300 -s 1 --coalesce 0
base=$EL
run one "$SB_SINK_PORT" 300 -s 1 --coalesce 50000
check_eq "one session: exit 0" "$RC" 0
check_eq "one session: no pause" "$PAUSES" 0
check "one session: ${EL}s within 2 x ${base}s (--coalesce 0) + 1" le "$EL" "$(bound "$base" 2 1)"

# --- 2. slow trickle -------------------------------------------------------------
run trickle0 "$SB_SINK_PORT" 150 -s 4 --rate 100 --coalesce 0
base=$EL
run trickle "$SB_SINK_PORT" 150 -s 4 --rate 100 --coalesce 50000
check_eq "trickle: exit 0" "$RC" 0
check "trickle: ${EL}s within 2.5 x ${base}s + 1" le "$EL" "$(bound "$base" 2.5 1)"

# --- 3. fast replies ---------------------------------------------------------------
run fast0 "$SB_SINK_PORT" 20000 -s 20 --coalesce 0
base=$EL base_wakeups=$WAKEUPS
check_eq "fast, no pause: exit 0" "$RC" 0
check_eq "fast, no pause: pauses=0" "$PAUSES" 0
run fast "$SB_SINK_PORT" 20000 -s 20
check_eq "fast: exit 0" "$RC" 0
check "fast: pauses (pauses=$PAUSES)" test "$PAUSES" -gt 0
check "fast: epoll_wait calls $WAKEUPS < 3/4 of $base_wakeups" \
	test $(( 4 * WAKEUPS )) -lt $(( 3 * base_wakeups ))
check "fast: ${EL}s within 2 x ${base}s + 1" le "$EL" "$(bound "$base" 2 1)"
run fastmax "$SB_SINK_PORT" 20000 -s 20 --coalesce 50000
check_eq "fast, longest pause: exit 0" "$RC" 0
check "fast, longest pause: ${EL}s within 2 x ${base}s + 1" le "$EL" "$(bound "$base" 2 1)"

# --- 4. sparse replies: Postfix smtpd ------------------------------------------------
run pf0 "$SB_SMTP_PORT" 400 -s 4 --window 1 --coalesce 0
base=$EL base_sleeps=$SLEEPS
check_eq "smtpd, no pause: exit 0" "$RC" 0
run pf "$SB_SMTP_PORT" 400 -s 4 --window 1 --coalesce 50000
check_eq "smtpd, longest pause: exit 0" "$RC" 0
check "smtpd: sleeps $SLEEPS (pauses $PAUSES) <= $base_sleeps x 1.2 + 20" \
	le "$SLEEPS" "$(bound "$base_sleeps" 1.2 20)"
check "smtpd: ${EL}s within 2 x ${base}s + 2" le "$EL" "$(bound "$base" 2 2)"
sandbox_wait_queue_empty 60
done_testing
