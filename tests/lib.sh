# NAME
#	tests/lib.sh - what every integration test script sources
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/lib.sh"
#	check "delivered to the sink" test "$n" -eq 10
#	pass "name"; fail "name" "why"
#	wait_for 30 "sink has 10 messages" sink_count_is 10
#	done_testing			prints "SCRIPT: N passed, N failed", exits
# DESCRIPTION
#	Each check is one test.  pass prints "ok NAME", fail prints
#	"FAIL NAME: why".  done_testing prints the summary line that tests/run
#	adds up and exits 1 when anything failed.
#	wait_for TIMEOUT WHAT CMD... polls CMD every 0.1 s until it succeeds
#	(returns 0) or TIMEOUT seconds pass (returns 1): bounded polling,
#	never a fixed sleep.
# ENVIRONMENT
#	CAMPAIGN_SRC (source tree), CAMPAIGN_BUILD (build tree with the
#	programs), set by tests/run; both default from this file's place.
: "${CAMPAIGN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CAMPAIGN_BUILD:=$CAMPAIGN_SRC/build}"
export CAMPAIGN_SRC CAMPAIGN_BUILD
T_PASSED=0
T_FAILED=0
T_NAME=$(basename "$0" .sh)

pass() { T_PASSED=$((T_PASSED + 1)); echo "ok $1"; }
fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL $1: ${2:-}"; }

# check NAME CMD... - one test: passes when CMD succeeds
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# now_ms - milliseconds since the epoch, from bash's EPOCHREALTIME
# ("SECONDS.MICROSECONDS"): no date process on every poll
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $(( 10#$t / 1000 )); }

# wait_for TIMEOUT WHAT CMD... - bounded poll
wait_for() {
	local timeout=$1 what=$2 deadline; shift 2
	deadline=$(( $(now_ms) + timeout * 1000 ))
	while ! "$@"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			echo "# timed out after ${timeout}s waiting for: $what" >&2
			return 1
		fi
		sleep 0.1
	done
}

done_testing() {
	echo "$T_NAME: $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}
