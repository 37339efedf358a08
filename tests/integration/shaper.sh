#!/bin/bash
# NAME
#	shaper.sh - campaign-shaper backs off from a provider that defers, and
#	always gives Postfix the table's values back
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/shaper.sh
# DESCRIPTION
#	The sandbox's Postfix with the project's syslog-ng fragment (so the
#	compact delivery log), two smtp(8) clones campaign-google and
#	campaign-yahoo (syslog_name postfix/campaign-NAME) routed by
#	transport_maps to campaign-testsink, which plays the providers:
#	gmail.test and googlemail.test answer 421 4.7.28 past 3 recipients an
#	hour, yahoo.test answers 421 4.7.0 [TSS04], outlook.test 451 4.7.650.  A table and rules of the
#	test's own:
#	  google /4\.7\.28/ concurrency=2 30s,  yahoo /\[TSS04\]/ suspend 6s.
#	Checks: the systemd unit passes systemd-analyze verify (exposure SAFE
#	or OK) and restores in ExecStopPost; -n refuses a malformed rule (exit 78, file:line) and a
#	malformed table line, and accepts the shipped rules (whose Google
#	4.7.28 rule is a concurrency step below the table's 5); the start writes
#	the table's values; the deferrals start both actions (postconf -c
#	shows concurrency 2 and campaign-yahoo in defer_transports, each
#	with its notice line); with the mail held, both end and the values
#	come back; after new deferrals SIGTERM writes the table's values
#	back and keeps the state; a restart applies the action still
#	running from the state; after kill -9, --restore writes the
#	table's values back.  Escalation: outlook.test answers 451 4.7.650
#	past 1 recipient an hour, and the rule
#	  microsoft /4\.7\.650/ escalate=2 concurrency=2,rate_delay=1s,suspend 60s
#	takes its three steps in turn (each in main.cf, its shape: line
#	step=K/3, the state naming the rule's line and the step); SIGTERM
#	while suspended gives every value back and keeps step 3 in the
#	state; a restart suspends again; a second SIGTERM leaves nothing
#	suspended.  Giving connections back: with
#	  google /4\.7\.28/ probe=3s concurrency=2 120s
#	a deferral gives 2, a quiet spell 3 (main.cf, a shape: line with
#	probe=3, the state), a deferral during that probe 2 again (its
#	shape: line with the queue id) and 3 the step's ceiling: the next
#	quiet spell gives 3 again, later ones nothing above it (the state
#	keeps the ceiling); SIGTERM gives the table's 5 back.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
SHAPER=$CAMPAIGN_BUILD/shaper/campaign-shaper

check "campaign-shaper is built" test -x "$SHAPER" || done_testing
"$SHAPER" --help > /dev/null; check_eq "--help exits 0" $? 0
"$SHAPER" -Z 2> /dev/null; check_eq "a usage error exits 64" $? 64

# the unit, with the build tree's program and man page
U=$(mktemp -d /tmp/campaign-unit.XXXXXX)
mkdir -p "$U/man8" && cp "$CAMPAIGN_SRC/shaper/campaign-shaper.8" "$U/man8/"
sed "s|/[^ ]*/sbin/campaign-shaper|$SHAPER|" "$CAMPAIGN_BUILD/shaper/campaign-shaper.service" \
	> "$U/campaign-shaper.service"
out=$(MANPATH=$U systemd-analyze verify "$U/campaign-shaper.service" 2>&1)
check_eq "systemd-analyze verify campaign-shaper.service" "$?:$out" "0:"
level=$(systemd-analyze security --offline=true "$U/campaign-shaper.service" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
echo "# campaign-shaper.service exposure: $level"
check "...exposure SAFE or OK" grep -qE ' (SAFE|OK)$' <<< "$level"
check "...ExecStopPost restores" grep -q "^ExecStopPost=$SHAPER --restore$" "$U/campaign-shaper.service"
rm -rf "$U"

export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
check "sandbox starts" sandbox_start || done_testing
DLOG=$SB_LOGDIR/maillog-delivery
W=$SB/shaper
mkdir -p "$W"

cat > "$W/providers" <<'EOF'
# the test's providers
google  domains=gmail.test,googlemail.test mx=.google.test connections=5 rate_delay=0 tls=may
yahoo   domains=yahoo.test mx=yahoodns.test connections=10 per_connection=20 rate_delay=0
microsoft domains=outlook.test connections=5 rate_delay=0
EOF
cat > "$W/rules" <<'EOF'
# the test's rules
google /4\.7\.28/       concurrency=2 30s
yahoo  /\[TSS04\]/      suspend       6s
EOF
printf 'google /x/ suspend 1h\n\nyahoo /[/ suspend 1h\nyahoo /y/ faster 1h\n%s\n' \
	'google /x/ escalate=3 suspend 1h' > "$W/bad.rules"
printf 'google domains=gmail.test connections=5\nyahoo domains=gmail.test connections=5\n' \
	> "$W/bad.providers"

# checks at start
err=$("$SHAPER" -n -p "$W/providers" -r "$W/bad.rules" 2>&1); st=$?
check_eq "a malformed rule: exit 78" "$st" 78
check "...named with its line" grep -q "bad.rules:3: bad regular expression" <<< "$err"
check "...and every other one" grep -q "bad.rules:4: unknown action" <<< "$err"
check "...escalate= without a second action" grep -q "bad.rules:5: escalate= needs two actions" <<< "$err"
err=$("$SHAPER" -n -p "$W/bad.providers" -r "$W/rules" 2>&1); st=$?
check_eq "a malformed table line: exit 78" "$st" 78
check "...named with its line" grep -q "bad.providers:2: domain gmail.test belongs to another provider" <<< "$err"
"$SHAPER" -n -p "$W/providers" -r "$CAMPAIGN_SRC/postfix-conf/shaper-rules" > "$W/n.out" 2>&1
check_eq "the shipped rules pass -n" "$?" 0
if [ -f "$CAMPAIGN_SRC/postfix-conf/providers" ]; then
	"$SHAPER" -n -p "$CAMPAIGN_SRC/postfix-conf/providers" \
		-r "$CAMPAIGN_SRC/postfix-conf/shaper-rules" > "$W/n.out" 2>&1
	check_eq "the shipped table and rules pass -n" "$?" 0 || cat "$W/n.out"
	check "...Google's 4.7.28 first gets a concurrency step below the table's 5, then a rate delay" \
		grep -qE "^rule $CAMPAIGN_SRC/postfix-conf/shaper-rules:$(grep -n '^google  */4\\\.7\\\.28/' \
			"$CAMPAIGN_SRC/postfix-conf/shaper-rules" | cut -d: -f1) google concurrency=[1-4],rate_delay=[0-9]+s[, ]" "$W/n.out"
fi

# the providers: a test sink playing them, one smtp(8) clone each
cat > "$W/sink.rules" <<'EOF'
*@gmail.test,*@googlemail.test rate 3/3600 421 4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail
*@yahoo.test for 3600 421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints
*@outlook.test rate 1/3600 451 4.7.650 The mail server [127.0.0.1] has exceeded the rate limit
EOF
check "the test sink starts" testsink_start -r "$W/sink.rules" || done_testing
tm=
for p in google yahoo microsoft; do
	postconf -c "$SB_CONF" -M "campaign-$p/unix=campaign-$p unix - - n - - smtp -o syslog_name=postfix/campaign-$p"
done
for d in gmail.test:google googlemail.test:google yahoo.test:yahoo outlook.test:microsoft; do
	tm="$tm${tm:+, }${d%:*}=campaign-${d#*:}:[127.0.0.1]:$TESTSINK_PORT"
done
check "transports for the providers" sandbox_postconf "transport_maps = inline:{$tm}"
check "fast retries" sandbox_fast_retry

# pc NAME - one setting of the sandbox Postfix, $names expanded
pc() { postconf -c "$SB_CONF" -xh "$1" 2>/dev/null; }
pc_is() { [ "$(pc "$1")" = "$2" ]; }
pc_has() { [[ " $(pc "$1") " == *" $2 "* ]]; }
pc_lacks() { ! pc_has "$@"; }
G=campaign-google_destination_concurrency_limit
shaper_start() {
	sb_bg "$W/shaper.out" "$SHAPER" -c "$SB_CONF" -p "$W/providers" -r "$W/rules" \
		-s "$W/state" -i 1 "$DLOG"
	SHAPER_PID=$SB_BG
}
# shapes P - notice lines of actions started for provider P
shapes() { sandbox_log_count "campaign-shaper\[[0-9]+\]: shape: provider=$1 "; }
shapes_ge() { [ "$(shapes "$1")" -ge "$2" ]; }
restores_ge() { [ "$(sandbox_log_count "campaign-shaper\[[0-9]+\]: restore: provider=$1 ")" -ge "$2" ]; }

shaper_start
check "the start writes the table's values" wait_for 20 "$G = 5" pc_is "$G" 5
check "...the rate delay too" pc_is campaign-yahoo_destination_rate_delay 0s
check "...the failed cohort limit Postfix's" \
	pc_is campaign-google_destination_concurrency_failed_cohort_limit 1
check "...with one reload line" sandbox_wait_log 'campaign-shaper\[[0-9]+\]: reload: changed=' 10

for i in 1 2 3 4 5 6; do
	printf 'Subject: g%s\n\nhello\n' "$i" |
		sandbox_smtp "$SB_SMTP_PORT" sender@campaign.test "g$i@gmail.test" > /dev/null
done
printf 'Subject: y\n\nhello\n' | sandbox_smtp "$SB_SMTP_PORT" sender@campaign.test y1@yahoo.test > /dev/null
check "google defers with 4.7.28" wait_for 30 "a deferral in the delivery log" \
	grep -q 'campaign-google/smtp.*status=deferred.*4\.7\.28' "$DLOG"
check "google: a notice line" wait_for 20 "shape line for google" shapes_ge google 1
check "google: concurrency 2 in main.cf" wait_for 10 "$G = 2" pc_is "$G" 2
check "yahoo: a notice line" wait_for 20 "shape line for yahoo" shapes_ge yahoo 1
check "yahoo: suspended in defer_transports" wait_for 10 "defer_transports" \
	pc_has defer_transports campaign-yahoo
line=$(grep -m1 'campaign-shaper\[[0-9]*\]: shape: provider=google ' "$SB_LOG")
check "the line names action, rule, queue id, recipient and text" grep -qE \
	"action=concurrency value=2 step=1/1 duration=30 until=[-0-9T:]+Z rule=$W/rules:2 qid=[0-9A-Za-z]+ to=<g[1-6]@gmail.test> reason=\".*4\.7\.28" <<< "$line"

# nothing more to send: the actions end and the table's values come back
postsuper -c "$SB_CONF" -h ALL 2> /dev/null
check "yahoo's suspension ends" wait_for 30 "restore line for yahoo" restores_ge yahoo 1
check "...defer_transports without campaign-yahoo" wait_for 10 "defer_transports" \
	pc_lacks defer_transports campaign-yahoo
check "google's action ends" wait_for 60 "restore line for google" restores_ge google 1
check "...concurrency 5 again" wait_for 10 "$G = 5" pc_is "$G" 5

# SIGTERM while actions run: the table's values, the state kept
postsuper -c "$SB_CONF" -H ALL 2> /dev/null
postqueue -c "$SB_CONF" -f
check "new deferrals: google shaped again" wait_for 30 "second shape line" shapes_ge google 2
postsuper -c "$SB_CONF" -h ALL 2> /dev/null
check "...concurrency 2" wait_for 10 "$G = 2" pc_is "$G" 2
kill -TERM "$SHAPER_PID"
check "SIGTERM stops the shaper" wait_for 20 "shaper exits" sb_dead "$SHAPER_PID"
wait "$SHAPER_PID"
check_eq "...with exit status 0" "$?" 0
check_eq "...and concurrency 5" "$(pc "$G")" 5
check "...and yahoo not suspended" pc_lacks defer_transports campaign-yahoo
check "the state keeps google's action (rule line 2, step 1)" \
	grep -q '^google concurrency 2 [0-9]* 2 0 [0-9]* 0$' "$W/state"

# a restart applies what is still running (its end moved ten minutes
# ahead, so that a slow machine cannot let it run out meanwhile); after
# kill -9, --restore
sed -i -E "s/^google concurrency 2 [0-9]+ 2 0 ([0-9]+ 0)\$/google concurrency 2 $(( $(date +%s) + 600 )) 2 0 \1/" "$W/state"
shaper_start
check "a restart applies the state: concurrency 2" wait_for 10 "$G = 2" pc_is "$G" 2
kill -KILL "$SHAPER_PID"
wait "$SHAPER_PID" 2> /dev/null
check_eq "after kill -9 the concurrency stays 2" "$(pc "$G")" 2
"$SHAPER" --restore -c "$SB_CONF" -p "$W/providers" > "$W/restore.out" 2>&1
check_eq "--restore exits 0" "$?" 0
check_eq "...and writes concurrency 5 back" "$(pc "$G")" 5
"$SHAPER" --restore -f -c "$SB_CONF" -p "$W/providers" > "$W/restore2.out" 2>&1
check_eq "a second --restore exits 0" "$?" 0
check_eq "...and changes nothing (no reload line)" "$(grep -c 'reload:' "$W/restore2.out")" 0
postsuper -c "$SB_CONF" -d ALL 2> /dev/null

# escalation: microsoft's 4.7.650 keeps coming while a step is in force,
# so the rule takes its next step (escalate=2: two matches), up to the
# suspension; SIGTERM then gives every value back, the state keeps the
# step, and a restart applies it again
cat >> "$W/rules" <<'EOF'
microsoft /4\.7\.650/ escalate=2 concurrency=2,rate_delay=1s,suspend 60s
EOF
M=campaign-microsoft_destination_concurrency_limit MR=campaign-microsoft_destination_rate_delay
steps() { sandbox_log_count "campaign-shaper\[[0-9]+\]: shape: provider=microsoft .*step=$1/3 "; }
steps_ge() { [ "$(steps "$1")" -ge 1 ]; }
L=$(grep -n '^microsoft' "$W/rules" | cut -d: -f1)
mstate() { grep -qE "^microsoft $1 $L $2 [0-9]+ [0-9]+\$" "$W/state"; }
shaper_start
for i in 1 2 3 4; do
	printf 'Subject: m%s\n\nhello\n' "$i" |
		sandbox_smtp "$SB_SMTP_PORT" sender@campaign.test "m$i@outlook.test" > /dev/null
done
check "microsoft: step 1, concurrency 2" wait_for 30 "$M = 2" pc_is "$M" 2
check "...its line says step=1/3" steps_ge 1
check "4.7.650 goes on: step 2, a rate delay" wait_for 60 "step 2 line" steps_ge 2
check "...rate delay 1s in main.cf" wait_for 10 "$MR = 1s" pc_is "$MR" 1s
check "...the concurrency step replaced (table's 5)" pc_is "$M" 5
check "...the state names the rule's line and step 2" mstate "rate_delay 1 [0-9]+" 1
check "4.7.650 goes on: step 3, suspended" wait_for 60 "step 3 line" steps_ge 3
check "...campaign-microsoft in defer_transports" wait_for 10 "defer_transports" \
	pc_has defer_transports campaign-microsoft
check "...the rate delay given back" pc_is "$MR" 0s
check "...the state names step 3" mstate "suspend 0 [0-9]+" 2
kill -TERM "$SHAPER_PID"
check "SIGTERM while suspended stops the shaper" wait_for 20 "shaper exits" sb_dead "$SHAPER_PID"
wait "$SHAPER_PID"
check_eq "...exit status 0" "$?" 0
check "...campaign-microsoft out of defer_transports" pc_lacks defer_transports campaign-microsoft
check_eq "...concurrency and rate delay the table's" "$(pc "$M") $(pc "$MR")" "5 0s"
check "...the state keeps step 3" mstate "suspend 0 [0-9]+" 2
sed -i -E "s/^(microsoft suspend 0) [0-9]+ ($L 2 [0-9]+)\$/\1 $(( $(date +%s) + 600 )) \2/" "$W/state"
postsuper -c "$SB_CONF" -h ALL 2> /dev/null
shaper_start
check "a restart applies step 3: suspended" wait_for 10 "defer_transports" \
	pc_has defer_transports campaign-microsoft
kill -TERM "$SHAPER_PID"
check "SIGTERM again" wait_for 20 "shaper exits" sb_dead "$SHAPER_PID"
wait "$SHAPER_PID"
check "...and nothing stays suspended" pc_lacks defer_transports campaign-microsoft
postsuper -c "$SB_CONF" -d ALL 2> /dev/null

# the probe: after a quiet spell (probe=3s) a concurrency step gives one
# connection back; a deferral while that is in force takes it back and
# makes 3 the ceiling: quiet spells give connections back up to it, not
# above it, while the step lasts (120 s after its last match)
printf '# the probe\ngoogle /4\\.7\\.28/ probe=3s concurrency=2 120s\n' > "$W/rules.probe"
sb_bg "$W/shaper.probe.out" "$SHAPER" -c "$SB_CONF" -p "$W/providers" -r "$W/rules.probe" \
	-s "$W/state.probe" -i 1 "$DLOG"
SHAPER_PID=$SB_BG
probes() { sandbox_log_count "campaign-shaper\[[0-9]+\]: shape: provider=google action=concurrency value=$1 .*probe=3 reason=\"probe: "; }
probes_ge() { [ "$(probes "$1")" -ge "$2" ]; }
drops() { sandbox_log_count "campaign-shaper\[[0-9]+\]: shape: provider=google action=concurrency value=2 step=1/1 .*rule=$W/rules.probe:2 qid="; }
drops_ge() { [ "$(drops)" -ge "$1" ]; }
check "probe rule: the start writes concurrency 5" wait_for 20 "$G = 5" pc_is "$G" 5
printf 'Subject: p\n\nhello\n' | sandbox_smtp "$SB_SMTP_PORT" sender@campaign.test p1@gmail.test > /dev/null
check "a deferral: concurrency 2" wait_for 30 "$G = 2" pc_is "$G" 2
postsuper -c "$SB_CONF" -h ALL 2> /dev/null
check "a quiet spell: the probe gives one back, concurrency 3" wait_for 30 "$G = 3" pc_is "$G" 3
check "...its shape: line value=3 probe=3" probes_ge 3 1
check "...the state holds concurrency 3, no ceiling" \
	grep -qE '^google concurrency 3 [0-9]+ 2 0 [0-9]+ 0$' "$W/state.probe"
n=$(drops)
postsuper -c "$SB_CONF" -H ALL 2> /dev/null
postqueue -c "$SB_CONF" -f
check "a deferral during the probe: concurrency 2 again" wait_for 30 "$G = 2" pc_is "$G" 2
check "...its shape: line value=2 with the deferral's queue id" drops_ge $((n + 1))
postsuper -c "$SB_CONF" -h ALL 2> /dev/null
check "a quiet spell: 3 again" wait_for 30 "$G = 3" pc_is "$G" 3
check "...the state holds the ceiling 3" \
	wait_for 10 "ceiling in the state" grep -qE '^google concurrency 3 [0-9]+ 2 0 [0-9]+ 3$' "$W/state.probe"
# three more probe spells (3 s each, reloads within 1 s): none above 3
sleep 10
check_eq "quiet spells: nothing above the ceiling" "$(pc "$G")" 3
check_eq "...no probe said 4" "$(probes 4)" 0
kill -TERM "$SHAPER_PID"
check "SIGTERM stops the probing shaper" wait_for 20 "shaper exits" sb_dead "$SHAPER_PID"
check "...and gives the table's 5 back" pc_is "$G" 5
wait "$SHAPER_PID"
postsuper -c "$SB_CONF" -d ALL 2> /dev/null

sb=$SB
check "sandbox_stop succeeds" sandbox_stop
check_eq "nothing left running" "$(sb_pids_under "$sb")" ""
done_testing
