#!/bin/bash
# NAME
#	stat_golden.sh - campaignstat --json against checked expected outputs
# SYNOPSIS
#	bash tests/integration/stat_golden.sh
# DESCRIPTION
#	For every case in tests/fixtures/stat/golden/ (see its README.md):
#	campaignstat --json ARGS in*.log must print expected.json byte for
#	byte; so must the same inputs gzip-compressed, and, for cases of
#	several files, the files named in reverse order (merged in time order
#	all the same).  A mismatch prints the diff.  Also: -v shows exactly
#	the lines the JSON counts as unparsed.  The bounce categories come
#	from the shipped rules (--bounce-rules postfix-conf/bounce-rules), never
#	from whatever the machine has in /etc.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
GD=$CAMPAIGN_SRC/tests/fixtures/stat/golden
RULES=$CAMPAIGN_SRC/postfix-conf/bounce-rules
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# same LABEL CASE FILE... - campaignstat on FILEs prints CASE/expected.json
same() {
	local label=$1 c=$2 args
	shift 2
	read -ra args < "$GD/$c/args"
	"$CS" --json --bounce-rules "$RULES" "${args[@]}" "$@" > "$tmp/out.json" 2> "$tmp/err"
	if diff -u "$GD/$c/expected.json" "$tmp/out.json" > "$tmp/diff"; then
		pass "$label"
	else
		fail "$label" "output differs from $c/expected.json:"
		sed 's/^/# /' "$tmp/diff"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}

cases=0
for dir in "$GD"/*/; do
	c=$(basename "$dir")
	[ -f "$dir/expected.json" ] || continue
	cases=$((cases + 1))
	files=("$dir"in*.log)
	same "$c" "$c" "${files[@]}"
	gz=()
	for f in "${files[@]}"; do
		gzip -c "$f" > "$tmp/$(basename "$f").gz" && gz+=("$tmp/$(basename "$f").gz")
	done
	same "$c, gzip input" "$c" "${gz[@]}"
	if [ ${#files[@]} -gt 1 ]; then
		rev=()
		for ((i = ${#files[@]} - 1; i >= 0; i--)); do rev+=("${files[i]}"); done
		same "$c, files in reverse order" "$c" "${rev[@]}"
		same "$c, gzip and plain mixed, reversed" "$c" "${files[-1]}" "${gz[@]:0:${#gz[@]}-1}"
	fi
done
check "at least 6 cases" test "$cases" -ge 6

read -ra args < "$GD/truncated/args"
shown=$("$CS" -v --json --bounce-rules "$RULES" "${args[@]}" "$GD/truncated/in.log" 2>&1 >/dev/null | grep -c ': unparsed (')
check_eq "-v shows each unparsed line" "$shown" \
	"$(sed -n 's/.*"unparsed": \([0-9]*\).*/\1/p' "$GD/truncated/expected.json")"
done_testing
