#!/bin/bash
# NAME
#	stat_signals.sh - campaignstat's deliverability signals in every
#	format, mail to the return path, and the --bounced export
# SYNOPSIS
#	bash tests/integration/stat_signals.sh
# DESCRIPTION
#	On the golden case tests/fixtures/stat/golden/signals (its README
#	entry gives the figures): the text report, the CSV and the HTML page
#	show unsubscribes, complaints with the complaint rate and its flag,
#	the bounces DSNs brought back, what the policy suppressed and the
#	bounce categories; the DSNs delivered to the return path are never
#	deliveries (no "(unknown)" delivered).  The --bounced export is
#	lib/supentry's entry, imported by campaign-suppress as it is: the
#	reason has one time, "why" reads category, campaign and time back,
#	and a 5.7.1 block is not exported.  --bounce-rules: a missing file
#	is an error (78); without the default file the categories are
#	"other" and stderr says why.  Needs no sandbox.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
SUP=$CAMPAIGN_BUILD/suppress/campaign-suppress
LOG=$CAMPAIGN_SRC/tests/fixtures/stat/golden/signals/in.log
RULES=$CAMPAIGN_SRC/postfix-conf/bounce-rules
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cs() { "$CS" --year 2026 --bounce-rules "$RULES" "$@" "$LOG"; }

# the text report
cs > "$W/text" 2> "$W/err"
check_eq "text: exit 0" "$?" 0
block=$(sed -n '/^campaign spring/,/^$/p' "$W/text")
check "text: unsubscribes" grep -qE '^  unsubscribed  1 \(1 already suppressed\)$' <<<"$block"
check "text: complaints, rate and flag" \
	grep -qE '^  complaints    1, 100\.00% of delivered \(above 0\.3%\)$' <<<"$block"
check "text: returned bounces and policy suppressions" \
	grep -qE '^  returned      2 bounces \(DSN\), 0 other reports; 2 addresses suppressed by the policy$' <<<"$block"
check "text: category bad-mailbox: 1 bounced, 1 returned, 1 suppressed" \
	grep -qE '^  bad-mailbox +1 +0 +1 +1$' <<<"$block"
check "text: category bad-domain: 1 refused at RCPT" grep -qE '^  bad-domain +0 +1 +0 +0$' <<<"$block"
check "text: category spam-related: never suppressed" grep -qE '^  spam-related +1 +0 +1 +0$' <<<"$block"
check "text: mail to the return path is said apart" \
	grep -q '^campaignstat: 4 messages delivered to the return path' "$W/text"
check "text: delivered 1 (the DSNs are not deliveries)" grep -qE '^  delivered     1$' <<<"$block"
check_eq "text: nothing delivered under (unknown)" \
	"$(sed -n '/^campaign (unknown)/,/^$/p' "$W/text" | grep -c '^  delivered     [1-9]')" 0
check_eq "nothing on stderr" "$(cat "$W/err")" ""

# CSV: the counts and the rate, by column name
cs --csv > "$W/csv"
col() { python3 -c 'import csv,sys; r=[x for x in csv.DictReader(open(sys.argv[1])) if x["campaign"]==sys.argv[2]][0]; print(r[sys.argv[3]])' "$W/csv" "$1" "$2"; }
check_eq "csv: unsubscribes" "$(col spring unsubscribes)" 1
check_eq "csv: complaints" "$(col spring complaints)" 1
check_eq "csv: bounces_async" "$(col spring bounces_async)" 2
check_eq "csv: suppressed_by_policy" "$(col spring suppressed_by_policy)" 2
check_eq "csv: complaint_rate" "$(col spring complaint_rate)" 1.000000
check_eq "csv: complaint_flag" "$(col spring complaint_flag)" "above 0.3%"
check_eq "csv: (unknown) delivered nothing" "$(col '(unknown)' delivered)" 0
check_eq "csv: bounce categories (bounced/refused/returned/suppressed), most returned first" \
	"$(col spring bounce_categories)" \
	"bad-mailbox 1/0/1/1; complaint 0/0/1/1; spam-related 1/0/1/0; bad-domain 0/1/0/0"

# HTML: the summary columns, the flagged rate, the categories table
cs --html > "$W/html"
check "html: unsubscribes column" grep -q '<th>unsubscribes</th>' "$W/html"
check "html: complaint rate flagged" grep -q '<span class="flag">100.00% of delivered (above 0.3%)</span>' "$W/html"
check "html: bounce categories table" grep -q '<h3>Bounce categories</h3>' "$W/html"
check "html: a category row" grep -q '<td class="k">bad-mailbox</td><td>1</td><td>0</td><td>1</td><td>1</td>' "$W/html"

# --bounced | campaign-suppress import: one time in the reason
cs --bounced > "$W/bounced"
check_eq "--bounced: the supentry entry of the 5.1.1 bounce only (not the 5.7.1 block)" \
	"$(cat "$W/bounced")" \
	"gone@d.example 550 5.7.1 suppressed: category=bad-mailbox campaign=spring time=2026-12-03T10:00:00Z"
"$SUP" -t "hash:$W/sup" import - < "$W/bounced" 2> "$W/import.err"
check_eq "campaign-suppress import: exit 0" "$?" 0
check_eq "the stored reason has the time once" "$("$SUP" -t "hash:$W/sup" export)" "$(cat "$W/bounced")"
check "why: category, campaign, time" grep -qE \
	'^gone@d.example category=bad-mailbox campaign=spring time=2026-12-03T10:00:00Z' \
	<<<"$("$SUP" -t "hash:$W/sup" why gone@d.example)"

# the rules file
"$CS" --bounce-rules "$W/absent" "$LOG" > /dev/null 2> "$W/err"
check_eq "--bounce-rules FILE missing: exit 78" "$?" 78
check "... and says which file" grep -q "$W/absent" "$W/err"
printf 'BAD_CATEGORY x\n' > "$W/badrules"
"$CS" --bounce-rules "$W/badrules" "$LOG" > /dev/null 2> "$W/err"
check_eq "--bounce-rules with a malformed rule: exit 78" "$?" 78
check "... naming file and line" grep -q "$W/badrules:1:" "$W/err"
if [ ! -e /etc/postfix/campaign/bounce-rules ]; then
	"$CS" --year 2026 --json "$LOG" > "$W/norules.json" 2> "$W/err"
	check_eq "no default rules: exit 0" "$?" 0
	check "no default rules: stderr says the failures are \"other\"" \
		grep -q 'failures in category "other": no bounce rules' "$W/err"
	check "no default rules: the synchronous failures are \"other\"" \
		grep -q '"category": "other", "bounced": 2, "refused": 1' "$W/norules.json"
else
	echo "# skipped: /etc/postfix/campaign/bounce-rules exists here"
fi
done_testing
