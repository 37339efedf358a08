#!/bin/bash
# NAME
#	sandbox_nsexec.sh - ns-exec gives a private /dev/log without touching
#	/dev, passes status, stdin and signals, and reaps leftover processes
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/sandbox_nsexec.sh
# DESCRIPTION
#	Runs nested ns-exec calls from inside one: the outer namespace
#	stands for "the host".  A /dev/log made here must stay invisible to
#	and untouched by a nested sandbox, which gets its own.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
NS=$CAMPAIGN_SRC/sandbox/ns-exec
tmp=$(mktemp -d /tmp/nsexec-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check "this script runs under ns-exec" test -e /dev/.campaign-ns
"$NS" --help > /dev/null; check_eq "--help exits 0" $? 0
"$NS" > /dev/null 2>&1; check_eq "no command exits 64" $? 64
"$NS" true; check_eq "exit status 0 passes" $? 0
"$NS" bash -c 'exit 7'; check_eq "exit status 7 passes" $? 7
check_eq "stdin passes" "$(echo through | "$NS" cat)" through
check_eq "device nodes work" \
	"$("$NS" bash -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c' | tr '\n' ' ')" "4 4 "
check "/dev/pts, /dev/shm and /dev/fd are there" \
	"$NS" bash -c 'test -d /dev/pts && test -d /dev/shm && test -e /dev/fd/0'
check "the PID namespace shows only its own processes" \
	"$NS" bash -c '[ "$(ls -d /proc/[0-9]* | wc -l)" -lt 10 ]'

# a "host" /dev/log: a socket at /dev/log in this namespace
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/dev/log")' 2>/dev/null ||
	mknod /dev/log p
check "a host /dev/log exists here" test -e /dev/log
before=$(stat -c '%i %F' /dev/log)
check "a nested namespace starts without it" "$NS" bash -c '! test -e /dev/log'
out=$("$NS" bash -c '
	. "$CAMPAIGN_SRC/sandbox/lib.sh"
	sandbox_start || exit 1
	logger -u /dev/log -p mail.notice -t nstest "nested-token-$$" && sandbox_wait_log "nested-token-" 10 || exit 2
	echo captured
' 2>&1)
check_eq "a nested sandbox captures syslog" "$(tail -n 1 <<< "$out")" captured
check_eq "the host /dev/log is untouched" "$(stat -c '%i %F' /dev/log 2>&1)" "$before"
rm -f /dev/log

# leftovers are reported and killed
err=$("$NS" bash -c 'sleep 300 & echo $! > '"$tmp"'/pid' 2>&1); st=$?
check_eq "leftovers make a successful command exit 70" "$st" 70
check "leftover is named on stderr" grep -q 'ns-exec: leftover process .*sleep 300' <<< "$err"

# signals reach the command, and ns-exec waits for its clean-up
# (TERM only once the command has set its trap: on a loaded machine the
# namespace can take longer to set up than any fixed delay)
"$NS" bash -c 'trap "sleep 0.5; echo cleaned > '"$tmp"'/term; exit 0" TERM
	echo ready > '"$tmp"'/ready; sleep 30 & wait' 2>/dev/null &
nspid=$!
wait_for 30 "the command set its trap" test -s "$tmp/ready"
kill -TERM "$nspid"
wait "$nspid"
check_eq "SIGTERM reaches the command and its trap finishes" "$(cat "$tmp/term" 2>/dev/null)" cleaned

# a sandbox killed by SIGTERM still stops everything
# (TERM once the sandbox has started, whatever the load; at most 60 s;
# "wait" lets bash run the sandbox's TERM trap at once, a foreground
# sleep would hold it back)
"$NS" bash -c '
	. "$CAMPAIGN_SRC/sandbox/lib.sh"
	sandbox_start || exit 1
	echo "$SB" > '"$tmp"'/sb
	sleep 60 & wait' > /dev/null 2>&1 &
nspid=$!
wait_for 60 "the sandbox to start" test -s "$tmp/sb"
kill -TERM "$nspid" 2>/dev/null
wait "$nspid" 2>/dev/null
sb=$(cat "$tmp/sb" 2>/dev/null)
check "the killed sandbox had started" test -n "$sb"
check "its directory is removed" test ! -e "${sb:-/nonexistent}/conf"
check_eq "no process of it is left" "$(sb_pids_under "${sb:-/nonexistent}")" ""

# sandbox_start refuses to run outside ns-exec
out=$(unshare --mount --propagation private bash -c '
	mount -t tmpfs none /dev && . "$CAMPAIGN_SRC/sandbox/lib.sh" && sandbox_start' 2>&1)
check "sandbox_start refuses outside ns-exec" grep -q 'not inside sandbox/ns-exec' <<< "$out"
done_testing
