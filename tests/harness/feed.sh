# NAME
#	tests/harness/feed.sh - what the feed_*.sh integration tests share
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/harness/lib.sh"	(sources this last)
#	fd_accepted LOG...		accepted-recipient lines in test-sink logs
#	fd_unique LOG...		distinct recipients accepted in them
#	fd_journal_accepted FILE N	journal FILE has N accepted records
#	fd_kill_mid_run JOURNAL AT OUT ARGS...
#					campaign-feed ARGS in the background
#					(output to OUT) until JOURNAL holds AT
#					accepted records (30 s at most), then
#					kill -9 and reap it; fails when AT was
#					not reached
# DESCRIPTION
#	The test sink (sandbox/sink/) logs one line per recipient and stage;
#	an accepted recipient is a " stage=data ... reply=250" line.
# ENVIRONMENT
#	CAMPAIGN_BUILD: the build tree whose campaign-feed is run.

fd_accepted() { cat "$@" | grep -c ' stage=data .*reply=250'; }

fd_unique() {
	cat "$@" | grep ' stage=data .*reply=250' |
		sed 's/.* to=<\([^>]*\)>.*/\1/' | sort -u | wc -l
}

fd_journal_accepted() {
	local n
	n=$(grep -c '^A ' "$1" 2>/dev/null)
	[ "${n:-0}" -ge "$2" ]
}

fd_kill_mid_run() {
	local journal=$1 at=$2 out=$3 pid st
	shift 3
	"$CAMPAIGN_BUILD/feeder/campaign-feed" "$@" > "$out" 2>&1 &
	pid=$!
	wait_for 30 "$at accepted" fd_journal_accepted "$journal" "$at"
	st=$?
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $st
}
