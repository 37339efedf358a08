# NAME
#	tests/harness/lib.sh - the test harness: the one file a test sources
# SYNOPSIS
#	. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
# DESCRIPTION
#	Sources, in order:
#	- tests/harness/check.sh: check, check_eq, pass, fail, done_testing;
#	- sandbox/lib.sh: the built-in sandbox and the campaign path in it
#	  (sandbox_*, sb_*, wait_for, cm_*, fl_*), which the demo and the
#	  benchmarks use too;
#	- tests/harness/faults.sh: the fault tests' campaign runs (ft_*);
#	- tests/harness/feed.sh: the feeder tests' counts (fd_*).
#	Sourcing starts nothing; a test calls sandbox_start (under
#	sandbox/ns-exec, as tests/run runs every integration script).
# ENVIRONMENT
#	CAMPAIGN_SRC, CAMPAIGN_BUILD: set by tests/run; both default from
#	this file's place.
: "${CAMPAIGN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$CAMPAIGN_SRC/tests/harness/check.sh"
. "$CAMPAIGN_SRC/sandbox/lib.sh"
. "$CAMPAIGN_SRC/tests/harness/faults.sh"
. "$CAMPAIGN_SRC/tests/harness/feed.sh"
