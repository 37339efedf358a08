#!/bin/bash
# NAME
#	stat_follow.sh - campaignstat --follow on a growing log; --since/--until
# SYNOPSIS
#	bash tests/integration/stat_follow.sh
# DESCRIPTION
#	--follow --json --interval 1 on a log that a loop appends to: the
#	first report shows the first part, a later one the appended lines;
#	a delivery of a requeued queue id appended before the filter line
#	that links it, with a refresh in between, still counts for the
#	campaign once the filter line comes (a refresh does not release held
#	lines); SIGTERM (by PID) prints the final report and exits 0.
#	--since/--until on a log of one message a second: only the window is
#	counted, the rest is outside_time; the three TIME forms (local, ISO
#	with a zone, @EPOCH) give the same report; a bad TIME exits 64.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# msg I HH:MM:SS - one campaign message, milter -> filter -> delivery
msg() {
	local q r
	printf -v q 'A%05d' "$1"; printf -v r 'B%05d' "$1"
	cat <<-L
	2026-11-28T$2.000000+00:00 mx1 campaign-milter[1]: $q: campaign=grow from=<n@ex.org> return=<bounces+grow@ex.org> nrcpt=1 tags=X-Campaign-ID
	2026-11-28T$2.100000+00:00 mx1 campaign-filter[2]: $q: campaign=grow nrcpt=1 sent=1 suppressed=0 size=10 requeued=$r ms=1
	2026-11-28T$2.100000+00:00 mx1 postfix/pipe[3]: $q: to=<u$1@g.example>, relay=campaign, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered via campaign service)
	2026-11-28T$2.200000+00:00 mx1 postfix/smtp[4]: $r: to=<u$1@g.example>, relay=mx.g[10.0.0.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)
	L
}
# last KEY - that total in the last complete JSON document of the output
last() {
	python3 - "$tmp/out" "$1" <<-'PY'
	import json, sys
	s, dec, i, d, n = open(sys.argv[1]).read(), json.JSONDecoder(), 0, None, 0
	while True:
	    while i < len(s) and s[i].isspace(): i += 1
	    try: d, i = dec.raw_decode(s, i); n += 1
	    except ValueError: break
	if d is None: print("none"); sys.exit()
	c = [c for c in d["campaigns"] if c["campaign"] == "(unknown)"]
	print(n if sys.argv[2] == "reports" else
	      len(c) if sys.argv[2] == "unknown" else d["totals"][sys.argv[2]])
	PY
}
last_is() { [ "$(last "$1")" = "$2" ]; }

log=$tmp/maillog
for i in 1 2 3; do msg $i "10:00:0$i"; done > "$log"
"$CS" --follow --json --interval 1 "$log" > "$tmp/out" 2> "$tmp/err" &
pid=$!
check "the first report shows 3 delivered" wait_for 20 "first report" last_is delivered 3
for i in 4 5 6 7; do msg $i "10:00:0$i"; done >> "$log"
check "a refresh shows the appended lines: 7 delivered" wait_for 20 "refresh" last_is delivered 7
check_eq "7 messages injected" "$(last messages_injected)" 7
# the reinjected copy delivered and logged before the filter's line
msg 8 10:00:08 | sed -n 4p >> "$log"
n=$(last reports)
more() { [ "$(last reports)" -ge $((n + 2)) ]; }
check "two refreshes while the delivery is held" wait_for 20 "refreshes" more
check_eq "the held delivery is not counted yet" "$(last delivered)" 7
msg 8 10:00:08 | sed -n 1,3p >> "$log"
check "the filter line links it: 8 delivered" wait_for 20 "link" last_is delivered 8
check_eq "nothing under (unknown)" "$(last unknown)" 0
n=$(last reports)
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM: exit 0" $? 0
pid=
check "SIGTERM: a final report" test "$(last reports)" -gt "$n"
check_eq "the final report: 8 delivered" "$(last delivered)" 8
check_eq "no error output" "$(cat "$tmp/err")" ""

# --since/--until: one message a second, 10:00:00 .. 10:00:59
for i in $(seq 0 59); do printf -v t '10:00:%02d' $i; msg $i "$t"; done > "$tmp/minute.log"
win() { "$CS" --json "$@" "$tmp/minute.log"; }
win --since "2026-11-28 10:00:10" --until "2026-11-28 10:00:40" > "$tmp/out"
check_eq "window: 30 delivered" "$(last delivered)" 30
check_eq "window: 30 injected" "$(last messages_injected)" 30
check_eq "window: 120 lines outside" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"]["outside_time"])' "$tmp/out")" 120
cp "$tmp/out" "$tmp/local.json"
win --since 2026-11-28T11:00:10+01:00 --until 2026-11-28T10:00:40Z > "$tmp/iso.json" 2>&1
check_eq "ISO 8601 with zones: the same report" "$(cat "$tmp/iso.json")" "$(cat "$tmp/local.json")"
win --since @$(date -d '2026-11-28 10:00:10Z' +%s) --until @$(date -d '2026-11-28 10:00:40Z' +%s) > "$tmp/epoch.json"
check_eq "@EPOCH: the same report" "$(cat "$tmp/epoch.json")" "$(cat "$tmp/local.json")"
win --since "2026-11-28 10:00:30" > "$tmp/out"
check_eq "--since alone: 30 delivered" "$(last delivered)" 30
win --until "2026-11-28 10:00:05" > "$tmp/out"
check_eq "--until alone: 5 delivered" "$(last delivered)" 5
win --since "28 Nov" > /dev/null 2>&1
check_eq "a bad TIME exits 64" $? 64
done_testing
