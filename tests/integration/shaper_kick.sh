#!/bin/bash
# NAME
#	shaper_kick.sh - a delivery in flight at the shaper's reload is not
#	left in the incoming queue
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/shaper_kick.sh
# DESCRIPTION
#	The sandbox's Postfix with the compact delivery log, an smtp(8)
#	clone campaign-google routed to campaign-testsink, which holds its
#	reply to the data of slow@googlemail.test for 20 s and answers
#	gmail.test 421 4.7.28.  qmgr's wake-up comes once an hour (master.cf
#	wakeup 3600, not 300): master wakes a new qmgr a second after a
#	reload, and then no incoming scan comes unless someone asks for one.
#	With slow@googlemail.test's delivery held at the sink, a message to
#	gmail.test is deferred and campaign-shaper reloads Postfix: the new
#	qmgr finds the held message's queue file locked and puts it in the
#	incoming queue 60 s ahead (checked).  The sink then takes it, and
#	the file must leave the queue: only an incoming scan after those 60 s
#	does that, and the shaper's (postkick ... I, 61 s after the reload)
#	is the only one.  Without it the file stays for good and the last
#	check fails.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
SHAPER=$CAMPAIGN_BUILD/shaper/campaign-shaper
check "campaign-shaper is built" test -x "$SHAPER" || done_testing

export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
check "sandbox starts" sandbox_start || done_testing
W=$SB/shaper
mkdir -p "$W"
printf 'google domains=gmail.test,googlemail.test connections=5 rate_delay=0\n' > "$W/providers"
printf 'google /4\\.7\\.28/ probe=900s concurrency=2 900s\n' > "$W/rules"
cat > "$W/sink.rules" <<'EOF'
data: slow@googlemail.test delay 20000
*@gmail.test for 3600 421 4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail
EOF
check "the test sink starts" testsink_start -r "$W/sink.rules" || done_testing
postconf -c "$SB_CONF" -M "campaign-google/unix=campaign-google unix - - n - - smtp -o syslog_name=postfix/campaign-google"
check "transports for the provider" sandbox_postconf \
	"transport_maps = inline:{gmail.test=campaign-google:[127.0.0.1]:$TESTSINK_PORT, googlemail.test=campaign-google:[127.0.0.1]:$TESTSINK_PORT}"
check "qmgr wakes once an hour" postconf -c "$SB_CONF" -F "qmgr/unix/wakeup = 3600"
check "reload" sandbox_reload

sb_bg "$W/shaper.out" "$SHAPER" -c "$SB_CONF" -p "$W/providers" -r "$W/rules" \
	-s "$W/state" -i 1 "$SB_LOGDIR/maillog-delivery"
FL_SHAPER_PID=$SB_BG
reloads() { sandbox_log_count 'campaign-shaper\[[0-9]+\]: reload: changed='; }
reloads_ge() { [ "$(reloads)" -ge "$1" ]; }
check "the shaper's start reloads once" wait_for 20 "start reload" reloads_ge 1

# in_queue DIR QID - QID's file is in queue directory DIR (or any: "")
in_queue() { [ -n "$(find "$SB_QUEUE/${1:-}" -type f -name "$2" 2>/dev/null)" ]; }
gone() { ! in_queue "" "$1"; }
# ahead QID - QID's file is in the incoming queue, its time ahead
ahead() { [ -n "$(sb_stranded "$1")" ]; }

r=$(printf 'Subject: slow\n\nhello\n' |
	sandbox_smtp "$SB_SMTP_PORT" sender@campaign.test slow@googlemail.test)
QB=${r##* }
check "the held message is queued" test -n "$QB"
check "...and in delivery" wait_for 20 "$QB active" in_queue active "$QB"
n=$(reloads)
printf 'Subject: g\n\nhello\n' |
	sandbox_smtp "$SB_SMTP_PORT" sender@campaign.test g1@gmail.test > /dev/null
check "gmail.test defers, the shaper reloads" wait_for 15 "a reload" reloads_ge $((n + 1))
check "...and the held message's file goes to the incoming queue 60 s ahead" \
	wait_for 15 "$QB ahead in incoming" ahead "$QB"
check "the sink takes the held message" wait_for 30 "slow@ at the sink" \
	grep -q 'slow@googlemail.test' "$TESTSINK_LOG"
check "the shaper's incoming scan takes its file out of the queue" \
	wait_for 150 "$QB gone" gone "$QB"
check "...and Postfix logs its delivery" \
	sb_log_match "$QB: to=<slow@googlemail.test>.*status=sent"

check "SIGTERM stops the shaper" fl_shaper_stop
sb=$SB
check "sandbox_stop succeeds" sandbox_stop
check_eq "nothing left running" "$(sb_pids_under "$sb")" ""
done_testing
