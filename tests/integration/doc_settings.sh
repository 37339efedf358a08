#!/bin/bash
# NAME
#	doc_settings.sh - doc/DESIGN.md's settings table against lib/conf.c's
#	settings[], both ways
# SYNOPSIS
#	bash tests/integration/doc_settings.sh
# DESCRIPTION
#	Reads lib/conf.c as it is: every row {"name", TYPE, DEFAULT, ...} of
#	settings[] (a row may span lines).  Reads the table of doc/DESIGN.md
#	whose header is "| setting | default |": first cell `name`, second
#	cell `default`, or "none..." for a setting without one.  One test per
#	setting of conf.c (it has a row in the doc, with the same default)
#	and one per row of the doc (conf.c has that setting).  So a setting
#	added to conf.c fails here until its row is written, and a row left
#	behind fails until it is removed.
#
#	Then the check is run on altered copies (a setting added to conf.c, a
#	row taken out of the doc, a default changed) and must fail each time:
#	the test shows that it can fail.  Needs no sandbox.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
CONF=$CAMPAIGN_SRC/lib/conf.c
DOC=$CAMPAIGN_SRC/doc/DESIGN.md
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# conf_rows FILE - "name<TAB>default" per row of settings[]; default "-"
# for NULL, "?" when it is not a plain string literal
conf_rows() {
	awk '/^static const struct setting settings\[\] = \{/ { on = 1; next }
	     on && /^\};/ { exit }
	     on { printf "%s ", $0 }' "$1" |
	grep -o '{ *"[a-z0-9_]*" *, *[A-Z_]* *, *[^,]*' |
	sed -E 's/^\{ *"([a-z0-9_]*)" *, *[A-Z_]* *, *(.*[^ ])? *$/\1\t\2/' |
	awk -F '\t' '{ d = $2
		if (d == "NULL") d = "-"
		else if (d ~ /^"[^"]*"$/) d = substr(d, 2, length(d) - 2)
		else d = "?"
		print $1 "\t" d }'
}

# doc_rows FILE - "name<TAB>default" per row of the settings table; default
# "-" for a cell that starts with "none", "?" when it is not `value`
doc_rows() {
	awk -F '|' '/^\| *setting *\| *default *\|/ { on = 1; next }
	     on && !/^\|/ { exit }
	     on && /^\|---/ { next }
	     on { n = $2; d = $3
		gsub(/^ +| +$/, "", n); gsub(/^ +| +$/, "", d)
		if (n !~ /^`[a-z0-9_]+`$/) { print "?" n "\t?"; next }
		n = substr(n, 2, length(n) - 2)
		if (d ~ /^none/) d = "-"
		else if (d ~ /^`[^`]*`$/) d = substr(d, 2, length(d) - 2)
		else d = "?"
		print n "\t" d }' "$1"
}

# compare CONF DOC - prints one "ok NAME" / "FAIL NAME: why" line a test;
# returns 1 when any failed
compare() {
	local bad=0 name def want
	conf_rows "$1" > "$tmp/conf"
	doc_rows "$2" > "$tmp/doc"
	[ -s "$tmp/conf" ] || { echo "FAIL conf.c: no settings[] rows read"; return 1; }
	[ -s "$tmp/doc" ] || { echo "FAIL DESIGN.md: no settings table read"; return 1; }
	while IFS=$'\t' read -r name def; do
		want=$(awk -F '\t' -v n="$name" '$1 == n { print $2; exit }' "$tmp/doc")
		if [ -z "$want" ]; then
			echo "FAIL $name: in lib/conf.c, no row in DESIGN.md's settings table"; bad=1
		elif [ "$def" = "?" ]; then
			echo "FAIL $name: default in lib/conf.c is not a string literal or NULL"; bad=1
		elif [ "$want" != "$def" ]; then
			echo "FAIL $name: default '$def' in lib/conf.c, '$want' in DESIGN.md ('-' = none)"; bad=1
		else
			echo "ok $name: documented, default agrees"
		fi
	done < "$tmp/conf"
	while IFS=$'\t' read -r name def; do
		if awk -F '\t' -v n="$name" '$1 == n { f = 1 } END { exit !f }' "$tmp/conf"; then
			echo "ok row $name: in lib/conf.c"
		else
			echo "FAIL row $name: in DESIGN.md, not in lib/conf.c settings[]"; bad=1
		fi
	done < "$tmp/doc"
	return "$bad"
}

# the real files: each line of compare's output is one test
while IFS= read -r line; do
	case $line in
	"ok "*) pass "${line#ok }" ;;
	"FAIL "*) line=${line#FAIL }; fail "${line%%: *}" "${line#*: }" ;;
	esac
done < <(compare "$CONF" "$DOC")

# must_fail LABEL CONF DOC - the check on altered copies must fail
must_fail() {
	if compare "$2" "$3" > "$tmp/out"; then
		fail "can fail: $1" "the check passed on altered files"
	elif grep -q "$4" "$tmp/out"; then
		pass "can fail: $1"
	else
		fail "can fail: $1" "failed, but not naming $4: $(grep FAIL "$tmp/out" | head -3)"
	fi
}

sed 's/^\(static const struct setting settings\[\] = {\)$/\1\n\t{"made_up_setting", T_INT, "7", 0, 9,\n\t F(made_up), NULL},/' \
	"$CONF" > "$tmp/conf-added.c"
must_fail "a setting in conf.c without a row" "$tmp/conf-added.c" "$DOC" made_up_setting
first=$(doc_rows "$DOC" | head -1 | cut -f1)
grep -v "^| \`$first\` |" "$DOC" > "$tmp/doc-less.md"
must_fail "a setting's row taken out of the doc" "$CONF" "$tmp/doc-less.md" "$first"
sed 's/^| `filter_deadline` | `[^`]*` |/| `filter_deadline` | `301s` |/' "$DOC" > "$tmp/doc-def.md"
must_fail "a default that differs" "$CONF" "$tmp/doc-def.md" filter_deadline
sed 's/^| `syslog_facility` |/| `syslog_facility` |\n| `gone_setting` | none | - | - |/' "$DOC" > "$tmp/doc-extra.md"
must_fail "a row for a setting conf.c does not have" "$CONF" "$tmp/doc-extra.md" gone_setting

done_testing
