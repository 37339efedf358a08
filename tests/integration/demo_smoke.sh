#!/bin/bash
# NAME
#	demo_smoke.sh - scripts/demo end to end with 500 recipients
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/demo_smoke.sh
# DESCRIPTION
#	Runs "scripts/demo --no-install -B $CAMPAIGN_BUILD -n 500" (batch
#	mode, the default: one batch, expanded by the filter) from an
#	empty directory (already inside ns-exec, so the demo neither builds
#	nor nests another namespace) and checks: exit 0; the campaignstat
#	report printed and its count check passed; demo-report/report.json
#	parses (python3 -m json.tool) and holds the expected counts for
#	campaign "demo" (500 recipients in one batch: 3 suppressed by the
#	filter, 10 bounced by the sink, 15 deferred once with 451 (10 to 15:
#	the 5 at example.com meet its 421 4.7.28 first), 487 delivered, one
#	personal copy each, none still deferred; the deferral events are the
#	451s and the 4.7.28s, which are google's deferrals; google delivered
#	example.com's 120; the shaper's google concurrency=2 action is in
#	the JSON and marked on the text and HTML charts, and the count check
#	saw the shaper exit 0 leaving the table's values; then 3 one-click
#	unsubscribes (one replayed), the 10 DSNs Postfix made back through
#	campaign-bounce as bad-mailbox and suppressed, 2 ARF complaints:
#	0.41% of delivered, flagged "above 0.3%"; nothing delivered under
#	"(unknown)"); the text report shows those lines;
#	report.html holds an <svg> chart; and no process of the demo is
#	left in this PID namespace.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

N=500
SUPPRESSED=3 BOUNCED=10 DEFERRED=15 UNSUBS=3 COMPLAINTS=2
# example.com (i % 4 == 0) is google's: 5 of the 15 slow recipients
# (i % 100 == 40) are there and meet the 421 window first; none of the 3
# suppressed (i % 100 == 7) is
DEFERRED_NOT_GOOGLE=10 SUPPRESSED_GOOGLE=0
W=$(mktemp -d /tmp/demo-smoke.XXXXXX)
trap 'rm -rf "$W"' EXIT

# jget EXPR - a value of the JSON report (c: the demo campaign)
jget() {
	python3 - "$W/demo-report/report.json" "$1" <<-'EOF' 2>/dev/null
	import json, sys
	d = json.load(open(sys.argv[1]))
	c = next(x for x in d["campaigns"] if x["campaign"] == "demo")
	print(eval(sys.argv[2]))
	EOF
}

# leftovers - processes of this PID namespace that a demo starts
leftovers() {
	local p comm
	for p in /proc/[0-9]*; do
		comm=$(cat "$p/comm" 2>/dev/null) || continue
		case $comm in
		master|qmgr|pickup|smtpd|smtp|cleanup|pipe|local|bounce|trivial-rewrite|\
		tlsmgr|anvil|scache|proxymap|syslog-ng|smtp-sink|campaign-*)
			echo "${p#/proc/}:$comm" ;;
		esac
	done
}

cd "$W" || exit 1
start=$(date +%s)
timeout -k 10 240 "$CAMPAIGN_SRC/scripts/demo" --no-install -B "$CAMPAIGN_BUILD" \
	-n "$N" > "$W/out" 2>&1
st=$?
check_eq "the demo exits 0" "$st" 0
[ "$st" = 0 ] || sed 's/^/# demo: /' "$W/out" | tail -n 40
echo "# the demo took $(( $(date +%s) - start )) s"
check "it does not nest a namespace or build" \
	bash -c "! grep -qE '^== (building|installing)' '$W/out'"
check "the report is printed" grep -q '^campaign demo ' "$W/out"
check "the report shows the delivery-rate chart" grep -q 'delivery rate' "$W/out"
check "the count check passed" grep -q '^== demo: counts agree' "$W/out"
check "it says where the report is" grep -qF "report in $W/demo-report" "$W/out"

check "report.json parses" python3 -m json.tool "$W/demo-report/report.json" /dev/null
check_eq "json: recipients injected (the batches' recipients)" "$(jget "c['recipients_injected']")" "$N"
check_eq "json: suppressed by the filter (batch mode)" "$(jget "c['suppressed_late']")" "$SUPPRESSED"
check_eq "json: nothing suppressed before the queue" "$(jget "c['suppressed_before_queue']")" 0
check_eq "json: one batch (500 recipients, batches of 1000)" "$(jget "c['batches']")" 1
check "the count check saw one personal copy per recipient" \
	grep -qE 'personal copies: distinct List-Unsubscribe +487 +want +487 +ok' "$W/out"
check_eq "json: delivered" "$(jget "c['delivered']")" $(( N - SUPPRESSED - BOUNCED ))
check_eq "json: bounced" "$(jget "c['bounced']")" "$BOUNCED"
echo "# reasons (dsn, status, count, reason): $(jget "[(r['dsn'], r['status'], r['count'], r['reason'][:80]) for r in c['reasons']]")"
check_eq "json: deferral events = the 451s and the 421 4.7.28s" "$(jget "c['deferral_events']")" \
	"$(jget "sum(r['count'] for r in c['reasons'] if r['dsn'] in ('4.2.2', '4.7.28'))")"
check "json: 451 once for each slow recipient not first throttled (10 to 15)" \
	test "$(jget "sum(r['count'] for r in c['reasons'] if r['dsn'] == '4.2.2')")" -ge "$DEFERRED_NOT_GOOGLE" -a \
	"$(jget "sum(r['count'] for r in c['reasons'] if r['dsn'] == '4.2.2')")" -le "$DEFERRED"
check_eq "json: google's deferrals are the 4.7.28s" \
	"$(jget "[p['deferrals'] for p in c['providers'] if p['provider'] == 'google']")" \
	"$(jget "[sum(r['count'] for r in c['reasons'] if r['dsn'] == '4.7.28')]")"
check "json: google delivered example.com's $(( N / 4 - SUPPRESSED_GOOGLE - BOUNCED / 2 ))" test \
	"$(jget "[p['delivered'] for p in c['providers'] if p['provider'] == 'google']")" = "[$(( N / 4 - SUPPRESSED_GOOGLE - BOUNCED / 2 ))]"
check "json: the shaper's google concurrency=2 action" \
	test "$(jget "sum(1 for a in c['shaper_actions'] if (a['provider'], a['action'], a['value']) == ('google', 'concurrency', '2'))")" -ge 1
check "the text report marks it on the chart" \
	grep -qE ' [0-9]+  << shaper: google concurrency=2 for 600s$' "$W/demo-report/report.txt"
check "report.html marks it on the rate chart" \
	grep -qE '<line class="shape" [^>]*><title>[-0-9: ]+: shaper: google concurrency=2 for 600 s</title></line>' "$W/demo-report/report.html"
check "the count check covered the shaper and its stop" bash -c \
	"grep -qE 'shaper stopped \(exit status\) +0 +want +0 +ok' '$W/out' &&
	 grep -qE 'google concurrency limit after the stop \(table\) +5 +want +5 +ok' '$W/out' &&
	 grep -qE 'suspended transports after the stop +none +want +none +ok' '$W/out'"
check_eq "json: still deferred" "$(jget "c['still_deferred_recipients']")" 0
check_eq "json: nothing left in the queue" "$(jget "c['in_queue_messages']")" 0
check "json: a delivery-rate series" test "$(jget "sum(c['rate']['deliveries'])")" = $(( N - SUPPRESSED - BOUNCED ))
check_eq "json: unsubscribes (one-click POSTs)" "$(jget "c['unsubscribes']")" "$UNSUBS"
check_eq "json: the replayed POST changed nothing" "$(jget "c['unsubscribes_repeated']")" 1
check_eq "json: bounces returned as DSNs" "$(jget "c['bounces_async']")" "$BOUNCED"
check_eq "json: bad-mailbox: bounced/refused/returned/suppressed" \
	"$(jget "'/'.join(str(x[k]) for x in c['bounce_categories'] if x['category'] == 'bad-mailbox' for k in ('bounced', 'refused', 'returned', 'suppressed'))")" \
	"$BOUNCED/0/$BOUNCED/$BOUNCED"
check_eq "json: complaints" "$(jget "c['complaints']")" "$COMPLAINTS"
check_eq "json: complaint rate" "$(jget "'%.4f' % c['complaint_rate']")" 0.0041
check_eq "json: complaint flag" "$(jget "c['complaint_flag']")" "above 0.3%"
check_eq "json: suppressed by the policy" "$(jget "c['suppressed_by_policy']")" $(( BOUNCED + COMPLAINTS ))
check "the text report shows the unsubscribes" \
	grep -qE "^  unsubscribed  $UNSUBS \(1 already suppressed\)$" "$W/demo-report/report.txt"
check "the text report shows the complaints, flagged" \
	grep -qE "^  complaints    $COMPLAINTS, 0\.41% of delivered \(above 0\.3%\)$" "$W/demo-report/report.txt"
check "the text report shows the bad-mailbox category" \
	grep -qE "^  bad-mailbox +$BOUNCED +0 +$BOUNCED +$BOUNCED$" "$W/demo-report/report.txt"
check "the count check covered unsubscribes, DSNs and complaints" bash -c \
	"grep -qE 'campaignstat unsubscribes +$UNSUBS +want +$UNSUBS +ok' '$W/out' &&
	 grep -qE 'campaignstat bounces returned as DSNs +$BOUNCED +want +$BOUNCED +ok' '$W/out' &&
	 grep -qE 'campaignstat complaints +$COMPLAINTS +want +$COMPLAINTS +ok' '$W/out' &&
	 grep -qE 'campaignstat \(unknown\) delivered +0 +want +0 +ok' '$W/out'"
check "report.html shows the flagged complaint rate" \
	grep -q 'class="flag">0.41% of delivered (above 0.3%)' "$W/demo-report/report.html"

check "report.html has an <svg> chart" grep -q '<svg' "$W/demo-report/report.html"
check "report.html is self-contained (no external script or style)" \
	bash -c "test -s '$W/demo-report/report.html' &&
		! grep -qiE '<(script|link|img)[^>]+(src|href)=\"?https?:' '$W/demo-report/report.html'"
check "the logs are kept, gzipped" \
	gzip -t "$W/demo-report/maillog-campaign.gz" "$W/demo-report/maillog-delivery.gz"

# the race the demo meets: Postfix delivers the reinjected queue id, and
# logs it, before campaign-filter logs the requeued= line naming it
cat > "$W/early.log" <<'EOF'
2026-11-28T10:00:00.100000+00:00 mx1 campaign-milter[9]: 4A1B2C3D4E: campaign=early from=<n@ex.org> return=<b@ex.org> nrcpt=1 tags=list
2026-11-28T10:00:00.200000+00:00 mx1 postfix/pipe[15]: 4A1B2C3D4E: to=<u@d.example>, relay=campaign, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered via campaign service)
2026-11-28T10:00:00.300000+00:00 mx1 postfix/smtp[16]: 5F6A7B8C9D: to=<u@d.example>, relay=x[127.0.0.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)
2026-11-28T10:00:00.400000+00:00 mx1 campaign-filter[14]: 4A1B2C3D4E: campaign=early nrcpt=1 sent=1 suppressed=0 size=10 requeued=5F6A7B8C9D ms=3
EOF
check_eq "campaignstat: a delivery logged before the filter's line counts for its campaign" \
	"$("$CAMPAIGN_BUILD/campaignstat/campaignstat" --csv "$W/early.log" | cut -d, -f1 | tail -n +2 | tr '\n' ' ')" "early "

check "the demo says no process is left" grep -q 'no process of the demo is left' "$W/out"
left=$(leftovers)
check_eq "no process of the demo is left in the namespace" "$left" ""
check "/dev/log is gone (the sandbox's syslog-ng stopped)" test ! -e /dev/log
done_testing
