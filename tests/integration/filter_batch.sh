#!/bin/bash
# NAME
#	filter_batch.sh - batches through the whole campaign path: one copy
#	per recipient, personalized, exactly once, also across a kill -9
# DESCRIPTION
#	campaign-setup configures the sandbox Postfix as in filter_campaign.sh
#	and campaign.conf gets a filter_state_dir.  Batches (lib/batch.h
#	format, built by fl_batch) go to the campaign smtpd addressed to
#	batch_address.  Checked at smtp-sink and in the log: a batch of 1 and
#	one of 200 with merge fields, a suppressed recipient and a bad record;
#	every recipient once, with its own To:, merge value, List-Unsubscribe
#	token (verified by campaign-milter -V, lib/hmac's rules) and VERP
#	return path; malformed batches are deferred with a reason and send
#	nothing; a filter killed with SIGKILL mid-batch, then retried, still
#	delivers every recipient exactly once.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

BATCH_RCPT=batch@batch.campaign.invalid

ft_begin
pass "campaign-setup configures the sandbox"
STATE=$SB/filter-state
# two reinjection connections (the default is one): the copies in turn
# over both, and a kill's bound is twice the window
printf 'filter_state_dir = %s\nreinject_connections = 2\n' "$STATE" >> "$CM_CONF"
check "campaign-setup again, with filter_state_dir" fl_setup_again
check_eq "campaign-setup: state dir owned by the filter user" "$(stat -c '%U %a' "$STATE" 2>&1)" "nobody 700"
check_eq "campaign-setup: campaign_time_limit = filter_deadline + 60 s" \
	"$(postconf -c "$SB_CONF" -h campaign_time_limit)" 90s
check_eq "campaign-setup: one filter per CPU at once" \
	"$(postconf -c "$SB_CONF" -h campaign_destination_concurrency_limit)" "$(getconf _NPROCESSORS_ONLN)"
check_eq "campaign-setup: long queue ids (campaignstat joins copies by id)" \
	"$(postconf -c "$SB_CONF" -h enable_long_queue_ids)" yes
check "campaign-setup a third time changes nothing" fl_setup_again
check "campaign-setup: 0 changes" grep -q '^0 change(s) made' "$SB/setup.out"
check "campaign-setup --filter-concurrency 0 is a usage error" \
	test "$(fl_setup_again --filter-concurrency 0; echo $?)" = 64
check "campaign-setup says which option" grep -q -- '--filter-concurrency: not a number from 1: 0' "$SB/setup.out"
check "campaign-setup --filter-concurrency 3" fl_setup_again --filter-concurrency 3
check_eq "campaign-setup: concurrency 3 set" \
	"$(postconf -c "$SB_CONF" -h campaign_destination_concurrency_limit)" 3
check "campaign-setup: back to the default" fl_setup_again
echo "batch_max_recipients = 5000" >> "$CM_CONF"
check "campaign-setup refuses batch_max_recipients that does not fit" \
	test "$(fl_setup_again; echo $?)" = 78
check "campaign-setup says why" grep -q 'batch_max_recipients = 5000 does not fit filter_deadline = 30s' "$SB/setup.out"
sed -i '/^batch_max_recipients = 5000$/d' "$CM_CONF"
sandbox_reload

# send FILE - one batch into the campaign smtpd; prints the queue id
send() {
	local r
	r=$(sandbox_smtp "$FL_PORT" sender@campaign.test "$BATCH_RCPT" < "$1") || return 1
	echo "${r##* }"
}

# dump_for RCPT - the sink dump of RCPT's copy (the first one)
dump_for() { grep -l "^X-Rcpt-Args: <$1>" "$SB_SINK_DIR"/msg.* 2>/dev/null | head -1; }

# batch_line QID - the filter's summary line of batch QID
batch_line() {
	grep -E "campaign-filter\[[0-9]+\]: $1: campaign=[^ ]* batch=[^ ]* nrcpt=" "$SB_LOG" |
		sed 's/.*campaign-filter\[[0-9]*\]: //'
}
has_batch_line() { [ -n "$(batch_line "$1")" ]; }

# --- a batch of one --------------------------------------------------------
B=$SB/b1.batch
fl_batch "$B" spring-2026 b000001 1 1
Q=$(send "$B")
Q1=$Q
check "batch of one accepted" test -n "$Q"
check "batch of one: summary line" wait_for 30 "summary of $Q" has_batch_line "$Q"
check "batch of one: line format" grep -qE \
	"^$Q: campaign=spring-2026 batch=b000001 nrcpt=1 sent=1 suppressed=0 bad=0 size=[0-9]+ ms=[0-9]+$" \
	<<<"$(batch_line "$Q")"
check "batch of one: copy at the sink" sandbox_wait_sink_count 1 30
D=$(dump_for r1@sink.test)
check "batch of one: dump found" test -n "$D"
check_eq "batch of one: To:" "$(cm_header "$D" To)" "<r1@sink.test>"
check_eq "batch of one: merged subject" "$(cm_header "$D" Subject)" "Hello Name1"
check "batch of one: merged body" grep -q "^Dear Name1,"$'\r'"\?$" "$D"
check "batch of one: dot line survives" grep -q '^\.a line with a leading dot' "$D"
check "batch of one: VERP return path" grep -q '^X-Mail-Args: <bounces+r1=sink.test@bounce.campaign.test>' "$D"
check_eq "batch of one: X-Campaign-ID" "$(cm_header "$D" X-Campaign-ID)" spring-2026
check_eq "batch of one: Precedence" "$(cm_header "$D" Precedence)" bulk
check_eq "batch of one: Feedback-ID" "$(cm_header "$D" Feedback-ID)" "spring-2026:campaign:sandbox"
check_eq "batch of one: one-click" "$(cm_header "$D" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click"
LU=$(cm_header "$D" List-Unsubscribe)
TOKEN=$(sed -n 's/.*[?&]t=\([A-Za-z0-9_-]*\).*/\1/p' <<< "$LU")
check_eq "batch of one: token verifies" \
	"$("$CM_PROG" -c "$CM_CONF" -V -- spring-2026 r1@sink.test "$TOKEN")" valid
check_eq "batch of one: no batch header in the copy" "$(grep -ci '^X-Campaign-Batch' "$D")" 0


# --- 200 recipients, one suppressed, two bad records -------------------------
check "suppression table built" fl_suppress r1007@sink.test
B=$SB/b200.batch
fl_batch "$B" spring-2026 b000002 1001 1200 'not-an-address,Bad' 'r1300@sink.test'
Q=$(send "$B")
check "batch of 200 accepted" test -n "$Q"
check "batch of 200: summary line" wait_for 60 "summary of $Q" has_batch_line "$Q"
check "batch of 200: counts" grep -qE \
	"^$Q: campaign=spring-2026 batch=b000002 nrcpt=202 sent=199 suppressed=1 bad=2 size=[0-9]+ ms=[0-9]+$" \
	<<<"$(batch_line "$Q")"
check "batch of 200: 200 copies at the sink" sandbox_wait_sink_count 200 60
at_sink=$(fl_rcpts_at_sink | grep -E ' r1[0-9]{3}@sink.test$')
check_eq "batch of 200: 199 distinct recipients" "$(wc -l <<<"$at_sink")" 199
check_eq "batch of 200: each exactly once" "$(awk '$1 != 1' <<<"$at_sink" | wc -l)" 0
check_eq "batch of 200: suppressed one absent" "$(grep -c ' r1007@' <<<"$at_sink")" 0
check_eq "batch of 200: bad records absent" "$(grep -c ' r1300@' <<<"$at_sink")" 0
# the copies go over reinject_connections (2 here) connections at once:
# the reinjection smtpd processes that logged the copies' queue ids
conns=$(grep -E "campaign-filter\[[0-9]+\]: $Q: campaign=spring-2026 batch=b000002 copies=" "$SB_LOG" |
	sed 's/.* copies=//' | tr ',' '\n' | awk 'NR == FNR { id[$1] = 1; next }
	match($0, /postfix\/reinject\/smtpd\[[0-9]+\]: [0-9A-Za-z]+: client=/) {
		split(substr($0, RSTART, RLENGTH), f, /[][]|: /)
		if (f[4] in id) pid[f[2]] = 1 }
	END { print length(pid) }' - "$SB_LOG")
check_eq "batch of 200: copies over 2 reinjection connections (reinject_connections)" "$conns" 2
bad=$(grep -E "campaign-filter\[[0-9]+\]: $Q: batch=b000002 bad record " "$SB_LOG" |
	sed 's/.*campaign-filter\[[0-9]*\]: //')
check_eq "batch of 200: one line per bad record" "$(wc -l <<<"$bad")" 2
check "batch of 200: bad address named with its line" grep -qE \
	"^$Q: batch=b000002 bad record line=202 to=- reason=\"bad address" <<<"$bad"
check "batch of 200: missing field named with its line" grep -qE \
	"^$Q: batch=b000002 bad record line=203 to=- reason=\"1 fields, the header has 2\"" <<<"$bad"
ids=$(grep -E "campaign-filter\[[0-9]+\]: $Q: campaign=spring-2026 batch=b000002 copies=" "$SB_LOG" |
	sed 's/.* copies=//' | tr ',' '\n')
check_eq "batch of 200: copies= lines name 199 distinct queue ids" "$(sort -u <<<"$ids" | grep -c .)" 199
check_eq "batch of 200: 199 ids on 2 copies= lines (100 a line, no first-copy line)" \
	"$(grep -cE "campaign-filter\[[0-9]+\]: $Q: campaign=spring-2026 batch=b000002 copies=" "$SB_LOG")" 2
# every copy: its own To:, merge value, VERP return path, token, Message-ID
wrong=0 tokbad=0 mids=
for ((i = 1001; i <= 1200; i++)); do
	[ $i = 1007 ] && continue
	D=$(dump_for "r$i@sink.test")
	[ -n "$D" ] || { wrong=$((wrong + 1)); continue; }
	[ "$(cm_header "$D" To)" = "<r$i@sink.test>" ] &&
		[ "$(cm_header "$D" Subject)" = "Hello Name$i" ] &&
		grep -q "^X-Mail-Args: <bounces+r$i=sink.test@bounce.campaign.test>" "$D" ||
		wrong=$((wrong + 1))
	mids+="$(cm_header "$D" Message-ID)"$'\n'
	if ((i % 20 == 3)); then
		TOKEN=$(cm_header "$D" List-Unsubscribe | sed -n 's/.*[?&]t=\([A-Za-z0-9_-]*\).*/\1/p')
		[ "$("$CM_PROG" -c "$CM_CONF" -V -- spring-2026 "r$i@sink.test" "$TOKEN")" = valid ] ||
			tokbad=$((tokbad + 1))
	fi
done
check_eq "batch of 200: every copy has its To:, merge value and VERP" "$wrong" 0
check_eq "batch of 200: sampled tokens verify" "$tokbad" 0
check_eq "batch of 200: Message-IDs unique" "$(sort -u <<<"$mids" | grep -c .)" 199
check_eq "batch of 200: progress file removed" "$(ls "$STATE" | wc -l)" 0

# --- malformed batches: a reason, nothing sent ----------------------------------
# malformed LABEL FILE REASON-REGEX FIRST
malformed() {
	local q
	q=$(send "$2")
	check "$1: accepted by smtpd (the body is the filter's to read)" test -n "$q" || return
	check "$1: deferred with the reason" wait_for 30 "reason" sb_log_match \
		"$q: deferred: malformed batch: $3"
	check_eq "$1: nothing sent" "$(fl_rcpts_at_sink | grep -c " r$4@")" 0
	postsuper -c "$SB_CONF" -d "$q" > /dev/null 2>&1
}
B=$SB/bad1.batch
fl_batch "$B" spring-2026 b000003 2001 2005
sed -i '$d' "$B"
malformed "no closing boundary" "$B" 'part 2 \(text/csv\): no closing boundary' 2001
B=$SB/bad2.batch
fl_batch "$B.in" spring-2026 b000004 2011 2015
awk '/^--=_fb_boundary_1\r$/ && ++n == 2 { print "--=_fb_boundary_1--\r"; exit } { print }' \
	"$B.in" > "$B"
malformed "recipient part missing" "$B" 'part 2 \(text/csv recipients\) is missing' 2011
B=$SB/bad3.batch
FL_TEMPLATE_EXTRA='X-City: {{city}}' fl_batch "$B" spring-2026 b000005 2021 2025
malformed "merge column missing" "$B" 'the template uses \{\{city\}\}, the CSV has no such column' 2021
B=$SB/bad4.batch
fl_batch "$B" spring-2026 b000006 2031 2035
sed -i 's/^Content-Type: message\/rfc822/Content-Type: text\/plain/' "$B"
malformed "template part not message/rfc822" "$B" 'part 1 line 1: Content-Type is' 2031

# --- what the milter refuses at the campaign smtpd ---------------------------------
# refused LABEL FILE REPLY-REGEX
refused() {
	local r
	r=$(sandbox_smtp "$FL_PORT" sender@campaign.test "$BATCH_RCPT" < "$2" 2>&1)
	check "$1: refused with 5xx" grep -qE "$3" <<<"$r"
}
B=$SB/bad5.batch
fl_batch "$B" spring-2026 'b/8' 2041 2045
refused "bad batch id" "$B" '550 5.6.0 malformed campaign batch'
B=$SB/bad6.batch
fl_batch "$B" spring-2026 b000009 2051 2055
sed -i 's/^Content-Type: multipart\/mixed;.*/Content-Type: text\/plain\r/' "$B"
refused "container not multipart" "$B" '550 5.6.0 malformed campaign batch'
check_eq "refused batches: nothing sent" "$(fl_rcpts_at_sink | grep -cE ' r20[45][0-9]@')" 0
check "milter: batch tagged once, plain return path" sb_log_match \
	"campaign-milter\[[0-9]+\]: $Q1: campaign=spring-2026 from=<sender@campaign.test> return=<bounces@bounce.campaign.test> nrcpt=1 batch=b000001 tags=Precedence,Feedback-ID\$"

# --- a listener without CHUNKING that defers one copy and refuses one -------------
# reinject_to points at campaign-testsink (DATA only): r7010 is deferred the
# first time, r7020 refused for good, r7030 answered with a reply that has no
# place there (354 to RCPT: tried again, not refused); the retry sends only
# what is missing
cat > "$SB/listener.rules" <<'RULES'
r7010@sink.test first 1 451 4.3.0 busy then 250 2.1.5 ok
r7020@sink.test 550 5.1.1 no such user
r7030@sink.test first 1 354 out of place then 250 2.1.5 ok
RULES
if testsink_start "$SB/listener.rules"; then
	cp "$CM_CONF" "$SB/campaign.conf.orig"
	sed -i "s/^reinject_to = .*/reinject_to = 127.0.0.1:$TESTSINK_PORT/" "$CM_CONF"
	B=$SB/listener.batch
	fl_batch "$B" spring-2026 b000010 7001 7050
	Q=$(send "$B")
	check "listener faults: batch accepted" test -n "$Q"
	check "listener faults: deferred for the 451" wait_for 60 "deferral" sb_log_match \
		"$Q: deferred: batch b000010: 2 of 50 recipients not done \(to=<r70[13]0@sink.test>: RCPT TO: (451|354) "
	check "listener faults: summary line after the retry" wait_for 180 "summary" has_batch_line "$Q"
	# a 5xx for one copy is that recipient's verdict (doc/DESIGN.md
	# "Batches"): logged with the reply, counted as rejected, not retried,
	# not a bad record; the batch's other copies go on and it is not bounced
	check "listener faults: counts" grep -qE \
		"^$Q: campaign=spring-2026 batch=b000010 nrcpt=50 sent=49 suppressed=0 bad=0 rejected=1 size=" <<<"$(batch_line "$Q")"
	check "listener faults: refused copy logged as rejected with the reply" sb_log_match \
		"$Q: batch=b000010 rejected line=21 to=<r7020@sink.test> reply=\"RCPT TO: 550 5\\.1\\.1 no such user\""
	check_eq "listener faults: refused copy logged once (not retried)" \
		"$(sandbox_log_count "$Q: batch=b000010 rejected ")" 1
	check "listener faults: the batch is not bounced" ft_wait_queue_empty 60
	check_eq "listener faults: no bounce for the batch" "$(grep -cE "$Q: .*status=bounced" "$SB_LOG")" 0
	grep -F "$Q: " "$SB_LOG" > "$SB/listener.log"
	"$CAMPAIGN_BUILD/campaignstat/campaignstat" --json "$SB/listener.log" > "$SB/listener.json" 2>/dev/null
	cs_count() { python3 -c "import json; d=json.load(open('$SB/listener.json')); print([c['$1'] for c in d['campaigns'] if c['campaign'] == 'spring-2026'][0])"; }
	check_eq "listener faults: campaignstat counts the copy as rejected" "$(cs_count rejected)" 1
	check_eq "listener faults: campaignstat counts no bad record" "$(cs_count batch_bad_records)" 0
	check_eq "listener faults: campaignstat gives the refused copy's reply as its reason" \
		"$(python3 -c "import json; d=json.load(open('$SB/listener.json')); c=[c for c in d['campaigns'] if c['campaign'] == 'spring-2026'][0]; print(';'.join('%d %s %s %s' % (r['count'], r['dsn'], r['status'], r['reason']) for r in c['reasons'] if r['status'] == 'rejected'))")" \
		"1 5.1.1 rejected RCPT TO: 550 5.1.1 no such user"
	got=$(cat "$TESTSINK_DIR"/msg/msg.* 2>/dev/null | sed -n 's/^RCPT TO:<\(r70[0-9]*@sink.test\)>.*/\1/p' | sort | uniq -c)
	check_eq "listener faults: 49 recipients at the listener" "$(grep -c . <<<"$got")" 49
	check_eq "listener faults: each exactly once" "$(awk '$1 != 1' <<<"$got" | wc -l)" 0
	check "listener faults: DATA used (no CHUNKING offered)" grep -q '^DATA' "$(ls "$TESTSINK_DIR"/msg/msg.* | head -1)"
	cp "$SB/campaign.conf.orig" "$CM_CONF"
else
	fail "listener faults: test sink starts"
fi

# --- filter_deadline reached mid-batch: exit 75 with progress, the retry resumes -------
# filter_deadline = 2s leaves 1.5 s of sending per run (soft deadline), far
# less than 2,000 copies need here, so the batch takes several runs
cp "$CM_CONF" "$SB/campaign.conf.orig"
printf 'filter_deadline = 2s\nbatch_max_recipients = 2000\n' >> "$CM_CONF"
B=$SB/deadline.batch
fl_batch "$B" spring-2026 b000011 8001 10000
Q=$(send "$B")
check "deadline: batch accepted" test -n "$Q"
check "deadline: deferred with progress kept" wait_for 60 "deadline deferral" sb_log_match \
	"$Q: deferred: batch b000011: [0-9]+ of 2000 recipients not done \(filter_deadline near\); progress kept"
check "deadline: summary line after the retries" wait_for 240 "summary" has_batch_line "$Q"
check "deadline: counts" grep -qE \
	"^$Q: campaign=spring-2026 batch=b000011 nrcpt=2000 sent=2000 suppressed=0 bad=0 " <<<"$(batch_line "$Q")"
echo "# runs: $(sandbox_log_count "$Q: deferred: batch b000011") deferred, then one done"
cp "$SB/campaign.conf.orig" "$CM_CONF"
check "deadline: queue empties" ft_wait_queue_empty 120
at_sink=$(fl_rcpts_at_sink | grep -E ' r(8[0-9]{3}|9[0-9]{3}|10000)@sink.test$')
check_eq "deadline: all 2000 recipients arrived" "$(wc -l <<<"$at_sink")" 2000
check_eq "deadline: each exactly once" "$(awk '$1 != 1' <<<"$at_sink" | wc -l)" 0
check_eq "deadline: copies= ids distinct and complete" "$(grep -E "campaign-filter\[[0-9]+\]: $Q: campaign=spring-2026 batch=b000011 copies=" "$SB_LOG" |
	sed 's/.* copies=//' | tr ',' '\n' | sort -u | grep -c .)" 2000

# --- the filter killed with SIGKILL mid-batch, then retried ----------------------
B=$SB/kill.batch
fl_batch "$B" spring-2026 b000007 5001 6000
progress_lines() { cat "$STATE"/spring-2026+b000007 2>/dev/null | wc -l; }
progress_ge() { [ "$(progress_lines)" -ge "$1" ]; }
Q=$(send "$B")
check "batch of 1000 accepted" test -n "$Q"
if wait_for 60 "copies under way" progress_ge 50; then
	pid=$(ft_filter_pid) && kill -KILL "$pid"
	check "filter killed mid-batch" test -n "$pid"
	done_before=$(progress_lines)
	check "killed before the end" test "$done_before" -lt 1000
else
	fail "filter killed mid-batch" "no progress seen"
fi
check "retried batch: summary line" wait_for 120 "summary of $Q" has_batch_line "$Q"
check "retried batch: counts" grep -qE \
	"^$Q: campaign=spring-2026 batch=b000007 nrcpt=1000 sent=1000 suppressed=0 bad=0 " \
	<<<"$(batch_line "$Q")"
check "retried batch: deferred once by the kill" sb_log_match "$Q: .*status=deferred.*signal"
check "retried batch: queue empties" ft_wait_queue_empty 60
at_sink=$(fl_rcpts_at_sink | grep -E ' r[56][0-9]{3}@sink.test$')
check_eq "retried batch: all 1000 recipients arrived" "$(wc -l <<<"$at_sink")" 1000
twice=$(awk '$1 != 1' <<<"$at_sink" | wc -l)
echo "# recipients delivered twice after the kill: $twice (bound: the pipeline window, 8, times reinject_connections, 2)"
check "retried batch: duplicates within the window bound" test "$twice" -le 16
check_eq "retried batch: progress file removed" "$(ls "$STATE" | wc -l)" 0
ft_end
