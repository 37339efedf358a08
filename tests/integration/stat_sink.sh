#!/bin/bash
# NAME
#	stat_sink.sh - campaignstat's counts against what the test sink saw
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/stat_sink.sh
# DESCRIPTION
#	The whole campaign path in the sandbox (tests/harness/faults.sh:
#	campaign-setup, campaign-milter, campaign-filter) with the project's
#	syslog-ng fragment and campaign-testsink as the relay.  Two campaigns
#	(ft-a, ft-b), one recipient per message, per campaign:
#	  OK   plain recipients (250),
#	  SOFT answered 451 at RCPT once, then 250 (one deferral each),
#	  HARD answered 550 5.1.1 at RCPT (bounced),
#	  EARLY in the suppression table before the feed (refused at RCPT),
#	  LATE  held in the queue (smtpd_end_of_data_restrictions HOLD),
#	       added to the table while held, then released: the filter
#	       drops them (suppressed=).
#	Checks, per campaign: campaignstat's delivered, deferral events and
#	bounced equal the sink's outcome log; suppressed before queue and late
#	equal the numbers above (and the feeder's rejections); nothing left
#	deferred.  The same per-campaign counts come out of the full log and
#	of the fragment's two files (maillog + compact delivery log, ISO time
#	stamps with microseconds).  On the full log, campaignstat's totals
#	equal pflogsumm's: delivered (campaignstat's delivered plus its
#	filter hops, since pflogsumm counts the pipe delivery to the filter
#	as one, plus the messages delivered to the return path, the DSNs
#	of the HARD bounces and the path probe, which pflogsumm counts as
#	deliveries and campaignstat never does), deferred messages and
#	bounced.  None of those returned messages is delivered under
#	"(unknown)".
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
OK=10 SOFT=3 HARD=2 EARLY=2 LATE=2

export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
ft_start || { fail "campaign path starts"; done_testing; }
MAILLOG=$SB_LOGDIR/maillog-campaign
DLOG=$SB_LOGDIR/maillog-delivery

# list P - recipients of campaign ft-P: P-KIND-N@sink.test
list() {
	local k n
	for k in ok:$OK soft:$SOFT hard:$HARD early:$EARLY late:$LATE; do
		for ((n = 1; n <= ${k#*:}; n++)); do echo "$1-${k%:*}-$n@sink.test"; done
	done > "$FT/$1.list"
}
cat > "$FT/rules" <<'EOF'
*-soft-*@sink.test first 1 451 4.3.0 try again later then 250 2.1.5 ok
*-hard-*@sink.test 550 5.1.1 no such user
EOF
check "campaign-testsink is the relay" testsink_start -r "$FT/rules"
holds=$(for p in a b; do for ((n = 1; n <= LATE; n++)); do printf '{%s-late-%d@sink.test=HOLD},' $p $n; done; done)
check "late recipients are held" sandbox_postconf \
	"smtpd_end_of_data_restrictions = check_recipient_access inline:{${holds%,}}"
list a; list b
# smtpd notices a changed table only after its current session: fill it before the reload
check "early recipients are in the table" fl_suppress $(grep -h -- '-early-' "$FT"/[ab].list)
check "Postfix reloads" sandbox_reload
for p in a b; do
	ft_feed $p -f 'bounces+%c@campaign.test'
	# exit 2: finished, some recipients rejected (the early ones)
	check_eq "feeder ft-$p ends" "$FT_FEED_ST" 2 || ft_show_feed $p
done

echo "# $(date +%T) fed"
held() { [ "$(find "$SB_QUEUE/hold" -type f | wc -l)" -eq $((2 * LATE)) ]; }
check "the late recipients wait in the hold queue" wait_for 20 "held mail" held
check "late recipients go into the table while held" fl_suppress $(grep -h -- '-late-' "$FT"/[ab].list)
postsuper -c "$SB_CONF" -H ALL 2>/dev/null
postqueue -c "$SB_CONF" -f
check "the queue empties" sandbox_wait_queue_empty 90
late_done() { [ "$(fl_filter_lines | grep -c 'suppressed=1')" -ge $((2 * LATE)) ]; }
check "the filter suppressed the late ones" wait_for 20 "filter lines" late_done
# the logs are buffered: wait for the last line the full log has
last=$(grep -E 'status=(sent|bounced)' "$SB_LOG" | tail -n 1 | sed -E 's/.*: ([0-9A-Za-z]+: to=<[^>]*>).*/\1/')
in_dlog() { grep -qF -- "$last" "$DLOG"; }
check "the delivery log catches up" wait_for 20 "delivery log" in_dlog
check "the maillog holds the filter's lines" sandbox_wait_log 'campaign-filter\[[0-9]+\]: .*suppressed=1' 20 "$MAILLOG"
check "the compact log has ISO stamps with microseconds" \
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}[+-]' "$DLOG"

echo "# $(date +%T) logs complete"
"$CS" -v --json "$SB_LOG" > "$FT/full.json" 2> "$FT/full.err"
check_eq "campaignstat on the full log exits 0" $? 0
"$CS" --json "$MAILLOG" "$DLOG" > "$FT/compact.json" 2> "$FT/compact.err"
check_eq "campaignstat on maillog + delivery log exits 0" $? 0

# sink P STAGE CODE - outcome lines of campaign P at the sink
sink() { grep -cE -- "to=<$1-[a-z]+-[0-9]+@sink.test> stage=$2 .*reply=$3" "$TESTSINK_LOG"; }
# flat JSON... - "FILE CAMPAIGN KEY VALUE" for every count (one python run)
flat() {
	python3 -c 'import json,sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    for c in d["campaigns"] + [dict(d["totals"], campaign="totals")]:
        for k, v in c.items():
            if isinstance(v, int): print(f, c["campaign"], k, v)
    print(f, "lines", "unparsed", d["lines"]["unparsed"])
    print(f, "top", "returned", d["returned_to_return_path"])' "$@"
}
flat "$FT/full.json" "$FT/compact.json" > "$FT/flat"
# cs FILE CAMPAIGN KEY
cs() { awk -v f="$1" -v c="$2" -v k="$3" '$1 == f && $2 == c && $3 == k { print $4; n++ } END { if (!n) print "none" }' "$FT/flat"; }
for p in a b; do
	for f in full compact; do
		j=$FT/$f.json
		check_eq "$f ft-$p: delivered = sink's 250 at DATA" "$(cs "$j" ft-$p delivered)" "$(sink $p data 2)"
		check_eq "$f ft-$p: deferral events = sink's 4xx at RCPT" "$(cs "$j" ft-$p deferral_events)" "$(sink $p rcpt 4)"
		check_eq "$f ft-$p: bounced = sink's 5xx at RCPT" "$(cs "$j" ft-$p bounced)" "$(sink $p rcpt 5)"
		check_eq "$f ft-$p: suppressed before queue" "$(cs "$j" ft-$p suppressed_before_queue)" $EARLY
		check_eq "$f ft-$p: suppressed late" "$(cs "$j" ft-$p suppressed_late)" $LATE
		check_eq "$f ft-$p: recipients injected" "$(cs "$j" ft-$p recipients_injected)" $((OK + SOFT + HARD + LATE))
		check_eq "$f ft-$p: deferred messages" "$(cs "$j" ft-$p deferred_messages)" $SOFT
		check_eq "$f ft-$p: still deferred" "$(cs "$j" ft-$p still_deferred_recipients)" 0
	done
	check_eq "ft-$p: the sink delivered the expected number" "$(sink $p data 2)" $((OK + SOFT))
	check_eq "ft-$p: the feeder saw the early refusals" \
		"$(grep -c '^R ' "$FT/$p.journal")" $EARLY
done

both() { echo $(($(cs "$FT/full.json" ft-a "$1") + $(cs "$FT/full.json" ft-b "$1"))); }
check_eq "the sink's messages = delivered of both campaigns" "$(testsink_msg_count)" "$(both delivered)"
check_eq "the sink's rcpt_4xx counter = deferral events of both" "$(testsink_counter rcpt_4xx)" "$(both deferral_events)"
check_eq "the sink's rcpt_5xx counter = bounced of both" "$(testsink_counter rcpt_5xx)" "$(both bounced)"

/usr/sbin/pflogsumm "$SB_LOG" > "$FT/pf.txt" 2> /dev/null
pf() { awk -v w="$1" '$2 == w { print $1; exit }' "$FT/pf.txt"; }
# tot KEY... - the sum of these totals in the full log's report
tot() {
	local k n=0
	for k in "$@"; do n=$((n + $(cs "$FT/full.json" totals "$k"))); done
	echo $n
}
check_eq "delivered + filter hops + returned to the return path = pflogsumm's delivered" \
	"$(( $(tot delivered filter_hops) + $(cs "$FT/full.json" top returned) ))" "$(pf delivered)"
check_eq "returned to the return path: the HARD bounces' DSNs and the probe" \
	"$(cs "$FT/full.json" top returned)" $(( 2 * HARD + 1 ))
check_eq "nothing delivered under (unknown)" "$(cs "$FT/full.json" "(unknown)" delivered)" none
check_eq "deferred messages = pflogsumm's deferred" "$(tot deferred_messages)" "$(pf deferred)"
check_eq "bounced = pflogsumm's bounced" "$(tot bounced)" "$(pf bounced)"
check_eq "no unparsed line in the full log" "$(cs "$FT/full.json" lines unparsed)" 0
sed 's/^/# unparsed: /' "$FT/full.err"
echo "# $(date +%T) full log $(wc -l < "$SB_LOG") lines, maillog $(wc -l < "$MAILLOG"), delivery log $(wc -l < "$DLOG")"
if [ "$T_FAILED" -gt 0 ]; then
	keep=$(mktemp -d "${TMPDIR:-/tmp}/stat_sink.XXXXXX")
	cp "$SB_LOG" "$MAILLOG" "$DLOG" "$TESTSINK_LOG" "$FT"/*.json "$keep"/
	echo "# logs kept in $keep"
fi
done_testing
