# NAME
#	tests/harness/check.sh - the assertions of the integration tests
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/harness/lib.sh"	(sources this first)
#	check "delivered to the sink" test "$n" -eq 10
#	pass "name"; fail "name" "why"
#	done_testing			prints "SCRIPT: N passed, N failed", exits
# DESCRIPTION
#	Each check is one test.  pass prints "ok NAME", fail prints
#	"FAIL NAME: why".  done_testing prints the summary line that tests/run
#	adds up and exits 1 when anything failed.
#	The clock and the bounded poll (sb_now_ms, sb_poll, wait_for) are
#	the sandbox's (sandbox/sandbox.sh): one of each.
# ENVIRONMENT
#	CAMPAIGN_SRC (source tree), CAMPAIGN_BUILD (build tree with the
#	programs), set by tests/run; both default from this file's place.
: "${CAMPAIGN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
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

done_testing() {
	echo "$T_NAME: $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}
