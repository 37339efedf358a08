#!/bin/bash
# NAME
#	filter_faults.sh - late suppression, reinjection listener down, the
#	filter killed mid-message: nothing lost, nothing doubled, never bounced
# DESCRIPTION
#	The sandbox is configured by campaign-setup as in filter_campaign.sh.
#	1. Late suppression: mail held (an end-of-data HOLD restriction),
#	   recipients added to the table and postmap'ed, mail released with
#	   postsuper -H: the filter drops exactly those and counts them.
#	2. Listener down: the reinjection service removed from master.cf;
#	   messages are deferred by pipe(8) (filter exit 75), none bounced;
#	   campaign-setup puts the listener back, postqueue -f: each delivered
#	   once.
#	3. Killed mid-message: reinject_to points at an smtp-sink that
#	   delays its DATA reply; the running filter is killed with SIGKILL;
#	   pipe(8) defers; with the real listener back every message arrives
#	   exactly once and the slow sink holds no message.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

sandbox_start || { fail "sandbox starts"; done_testing; }
fl_setup || { fail "campaign-setup configures the sandbox"; done_testing; }
pass "campaign-setup configures the sandbox"
check "short retry times" sandbox_fast_retry
MSG=$SB/campaign.msg
fl_message "$MSG" late-1

# held_count - messages in the hold queue
held_count() { find "$SB_QUEUE/hold" -type f | wc -l; }
held_is() { [ "$(held_count)" -eq "$1" ]; }
sink_has() { [ "$(fl_rcpts_at_sink | grep -c " $1$")" -ge 1 ]; }
once() { [ "$(fl_rcpts_at_sink | awk -v r="$1" '$2 == r { print $1 }')" = 1 ]; }

# --- 1. late suppression -------------------------------------------------------
sandbox_postconf "smtpd_end_of_data_restrictions = check_client_access static:HOLD" &&
	sandbox_reload
fl_inject "$FL_PORT" "$MSG" 'l%d@sink.test' 1 20
multi=$(sandbox_smtp "$FL_PORT" sender@campaign.test lm1@sink.test lm2@sink.test lm3@sink.test < "$MSG")
check_eq "late: 20 single-recipient messages accepted" "$FL_ACCEPTED" 20
check "late: three-recipient message accepted" test -n "$multi"
check "late: all 21 held" wait_for 20 "21 held" held_is 21
check_eq "late: nothing at the sink yet" "$(sandbox_sink_count)" 0
check "late: recipients suppressed while held" fl_suppress l5@sink.test l6@sink.test lm2@sink.test
sandbox_postconf "smtpd_end_of_data_restrictions =" && sandbox_reload
postsuper -c "$SB_CONF" -H ALL 2>/dev/null
check "late: queue empties after release" sandbox_wait_queue_empty 60
check "late: 19 messages at the sink" sandbox_wait_sink_count 19 20
check_eq "late: suppressed ones never arrive" \
	"$(fl_rcpts_at_sink | grep -cE ' (l5|l6|lm2)@sink.test$')" 0
check_eq "late: 20 others, once each" \
	"$(fl_rcpts_at_sink | grep -E ' l' | awk '$1 == 1' | wc -l)" 20
lines=$(fl_filter_lines)
check_eq "late: one line per message" "$(wc -l <<<"$lines")" 21
check_eq "late: suppressed adds up" \
	"$(sed 's/.* suppressed=\([0-9]*\).*/\1/' <<<"$lines" | awk '{ s += $1 } END { print s }')" 3
check_eq "late: all-suppressed messages requeue nothing" \
	"$(grep -c 'nrcpt=1 sent=0 suppressed=1 .* requeued=none ' <<<"$lines")" 2
check_eq "late: the three-recipient message" \
	"$(grep -c 'nrcpt=3 sent=2 suppressed=1 ' <<<"$lines")" 1
check "late: each dropped recipient logged" \
	sandbox_wait_log 'campaign-filter\[[0-9]+\]: [0-9A-Za-z]+: late suppression: to=<lm2@sink.test>' 5

# --- 2. reinjection listener down ------------------------------------------------
postconf -c "$SB_CONF" -MX "127.0.0.1:$FL_RPORT/inet" && sandbox_reload
base=$(sandbox_sink_count)
deferred_before=$(sandbox_log_count 'relay=campaign, .*status=deferred')
fl_inject "$FL_PORT" "$MSG" 'd%d@sink.test' 1 10
check_eq "down: 10 accepted" "$FL_ACCEPTED" 10
deferred_ge() { [ $(( $(sandbox_log_count 'relay=campaign, .*status=deferred') - deferred_before )) -ge "$1" ]; }
check "down: deferred by pipe" wait_for 30 "10 deferrals" deferred_ge 10
check "down: reason names the filter" \
	sandbox_wait_log 'relay=campaign, .*status=deferred \(temporary failure. Command output: campaign-filter: 127.0.0.1:[0-9]+: connect: Connection refused' 5
check_eq "down: none bounced" "$(sandbox_log_count 'status=bounced')" 0
check_eq "down: nothing at the sink" "$(sandbox_sink_count)" "$base"
check "down: campaign-setup restores the listener" \
	"$FL_SETUP" -c "$SB_CONF" --port "127.0.0.1:$FL_PORT" --reinject-port "$FL_RPORT" \
	--filter "$FL_FILTER" --filter-user nobody --milter-user nobody --milter "unix:$CM_SOCK" \
	--campaign-conf "$CM_CONF"
sandbox_reload && wait_for 20 "listener" fl_ports_ready
sandbox_postqueue -f
check "down: queue empties" sandbox_wait_queue_empty 60
check "down: all 10 delivered" sandbox_wait_sink_count $((base + 10)) 20
check_eq "down: each once" "$(fl_rcpts_at_sink | grep -E ' d[0-9]+@' | awk '$1 == 1' | wc -l)" 10
check_eq "down: still none bounced" "$(sandbox_log_count 'status=bounced')" 0

# --- 3. filter killed mid-message ----------------------------------------------
SLOW_PORT=$(sandbox_free_port)
mkdir -p "$SB/slow" && chown postfix "$SB/slow"
sb_bg "$SB/slow.out" smtp-sink -u postfix -w 60 -d "$SB/slow/msg." "127.0.0.1:$SLOW_PORT" 100
wait_for 10 "slow sink" sb_smtp_ready "$SLOW_PORT"
cp "$CM_CONF" "$SB/campaign.conf.orig"
echo "reinject_to = 127.0.0.1:$SLOW_PORT" >> "$CM_CONF"
base=$(sandbox_sink_count)
fl_inject "$FL_PORT" "$MSG" 'k%d@sink.test' 1 1
check_eq "kill: accepted" "$FL_ACCEPTED" 1

check "kill: filter is waiting for the slow listener" wait_for 20 "filter running" ft_filter_running
pid=$(ft_filter_pid) && kill -KILL "$pid"
check "kill: pipe defers on the signal" \
	sandbox_wait_log 'relay=campaign, .*status=deferred \(.*(signal|Command died)' 20
check_eq "kill: not bounced" "$(sandbox_log_count 'status=bounced')" 0
cp "$SB/campaign.conf.orig" "$CM_CONF"
sandbox_postqueue -f
check "kill: queue empties" sandbox_wait_queue_empty 60
check "kill: delivered" sandbox_wait_sink_count $((base + 1)) 20
check "kill: exactly once" once k1@sink.test
check_eq "kill: the slow listener got no message data" \
	"$(cat "$SB"/slow/msg.* 2>/dev/null | grep -c '^Hello,')" 0
check "milter left no sanitizer report" cm_san_clean
done_testing
