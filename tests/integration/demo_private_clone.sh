#!/bin/bash
# NAME
#	demo_private_clone.sh - the demo from a clone in a 0700 directory, and
#	a broken filter path reported within seconds
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/demo_private_clone.sh
# DESCRIPTION
#	A new user clones into /root (mode 0700 on Debian) or a mktemp -d
#	directory: Postfix's unprivileged processes (pipe(8) runs
#	campaign-filter as the filter user) cannot reach anything there.
#	This clones the project (git clone of CAMPAIGN_SRC's HEAD, or a copy
#	when it is no git checkout) into a fresh mktemp -d directory (0700),
#	puts CAMPAIGN_BUILD's programs into the clone's build/ (the clone's
#	own build would make the same programs; copying saves the minute),
#	and runs the clone's scripts/demo there:
#	1. FL_FILTER_CHMOD=700 (the sandbox's copy of the filter made
#	   unreachable after set-up): the demo exits 1 before feeding, and
#	   prints pipe(8)'s reason ("execvp ...: Permission denied") before
#	   any other failure line.
#	2. -n 300 --per-message (demo_smoke.sh runs the default batch mode):
#	   exits 0 and its count check passes.
#	The directories of the clone keep mode 0700 throughout.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CLONE=$W/postfix-campaign

clone() {
	if git -C "$CAMPAIGN_SRC" rev-parse --git-dir >/dev/null 2>&1; then
		git clone -q "$CAMPAIGN_SRC" "$CLONE"
	else
		mkdir "$CLONE" && (cd "$CAMPAIGN_SRC" &&
			tar --exclude='./build*' -cf - .) | tar -xf - -C "$CLONE"
	fi && cp -a "$CAMPAIGN_BUILD" "$CLONE/build"
}

check_eq "the work directory is 0700" "$(stat -c %a "$W")" 700
check "cloned, with the programs in its build/" clone

# 1. a broken filter path
cd "$W" || exit 1
FL_FILTER_CHMOD=700 timeout -k 10 120 "$CLONE/scripts/demo" -n 100 -o "$W/r1" \
	> "$W/broken.out" 2>&1
st=$?
check_eq "broken filter path: the demo exits 1" "$st" 1
first=$(grep -m1 -E 'broken|FAILED|demo:' "$W/broken.out")
check "the first failure line gives pipe(8)'s reason" \
	grep -qE 'execvp .*/campaign-filter: Permission denied' <<<"$first"
check "it stopped before feeding" bash -c "! grep -q '^== feeding' '$W/broken.out'"
[ "$st" = 1 ] || sed 's/^/# demo: /' "$W/broken.out" | tail -n 30

# 2. the demo itself
timeout -k 10 300 "$CLONE/scripts/demo" -n 300 --per-message -o "$W/r2" > "$W/ok.out" 2>&1
st=$?
check_eq "from the 0700 clone: the demo exits 0" "$st" 0
check "its count check passed" grep -q '^== demo: counts agree' "$W/ok.out"
[ "$st" = 0 ] || sed 's/^/# demo: /' "$W/ok.out" | tail -n 40
check_eq "the clone's directories are still 0700" "$(stat -c %a "$W")" 700
done_testing
