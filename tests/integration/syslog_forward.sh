#!/bin/bash
# NAME
#	syslog_forward.sh - the forwarding pair: a sending box's syslog-ng
#	with postfix-campaign-forward.conf, a central syslog-ng with
#	postfix-campaign-central.conf, and an outage of the central one
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/syslog_forward.sh
# DESCRIPTION
#	A central syslog-ng (its own files, pid, control socket, persist file,
#	on a free loopback port) runs the central fragment; the sandbox's
#	syslog-ng runs the forward fragment pointed at it (disk buffer in a
#	private directory, time-reopen 1 s so the test stays short).  Checks:
#	- 100 messages through Postfix: the central delivery log holds one
#	  status=sent line per message the sink received, and exactly the
#	  outcome lines the sending box's syslog-ng received (same program,
#	  PID and text), host name kept; our notice lines reach the central
#	  maillog; both files are in the documented format;
#	- the central syslog-ng is stopped; 50 more messages and 10 notice
#	  lines are sent (Postfix does not stall: the lines wait in the
#	  sender's buffer); after the central one restarts, all of them
#	  arrive: nothing lost across the outage.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

STAMP_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2} [^ ]+ [^ []+(\[[0-9]+\])?: .'
KEPT_RE='^postfix[^[ ]*\[[0-9]+\]: [0-9A-Za-z]+: (to=<.*, status=(sent|deferred|bounced|expired|SOFTBOUNCE)[ ,]|from=<.*>, status=expired, |(milter-)?reject: |discard: )'
T=$(mktemp -d /tmp/syslog-forward.XXXXXX)
C_PID=
# called by sandbox_stop (sandbox_start makes that the EXIT trap)
sandbox_cleanup_hook() {
	[ -n "$C_PID" ] && kill "$C_PID" 2>/dev/null && wait "$C_PID" 2>/dev/null
	C_PID=
	rm -rf "$T"
}
trap sandbox_cleanup_hook EXIT
mkdir -p "$T/central" "$T/dbuf"
PORT=$(sandbox_free_port)

sed -e 's|^@define campaign-listen-ip .*|@define campaign-listen-ip "127.0.0.1"|' \
	-e "s|^@define campaign-central-port .*|@define campaign-central-port \"$PORT\"|" \
	-e 's|^@define campaign-time-reopen .*|@define campaign-time-reopen "1"|' \
	-e "s|/var/log/|$T/central/|g" \
	"$CAMPAIGN_SRC/syslog/postfix-campaign-central.conf" > "$T/central-frag.conf"
printf '@version: 3.38\noptions { stats_freq(0); };\n@include "%s"\n' "$T/central-frag.conf" > "$T/central.conf"
sed -e 's|^@define campaign-central-host .*|@define campaign-central-host "127.0.0.1"|' \
	-e "s|^@define campaign-central-port .*|@define campaign-central-port \"$PORT\"|" \
	-e 's|^@define campaign-time-reopen .*|@define campaign-time-reopen "1"|' \
	-e "s|^@define campaign-disk-buffer-dir .*|@define campaign-disk-buffer-dir \"$T/dbuf\"|" \
	"$CAMPAIGN_SRC/syslog/postfix-campaign-forward.conf" > "$T/forward-frag.conf"
CMAIL=$T/central/maillog-campaign
CDLOG=$T/central/maillog-delivery

# listening PORT - a socket listens on 127.0.0.1:PORT
listening() { grep -qE "^ *[0-9]+: 0100007F:$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp; }
central_start() {
	syslog-ng -F -f "$T/central.conf" -p "$T/c.pid" -c "$T/c.ctl" -R "$T/c.persist" \
		--no-caps >> "$T/central.out" 2>&1 &
	C_PID=$!
	wait_for 20 "central syslog-ng listens" listening "$PORT"
}
check "the central config passes syslog-ng -s" syslog-ng -s -f "$T/central.conf"
check "the central syslog-ng starts" central_start || done_testing

export SB_SYSLOG_FRAGMENT=$T/forward-frag.conf
check "sandbox starts with the forward fragment" sandbox_start || done_testing

sink_re="relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$SB_SINK_PORT, .*status=sent"
sent_is() { [ "$(grep -cE -- "$sink_re" "$CDLOG" 2>/dev/null)" -eq "$1" ]; }
notices() { grep -cE "campaign-milter\[$$\]: F[0-9]+: campaign=fwd " "$CMAIL" 2>/dev/null || true; }
notices_are() { [ "$(notices)" -eq "$1" ]; }
send_notices() {	# send_notices FROM TO
	local i
	for i in $(seq "$1" "$2"); do
		logger -p mail.notice -t campaign-milter --id=$$ -- "F$i: campaign=fwd nrcpt=1"
	done
}

check "smtp-source sends 100 messages" sandbox_send 100
send_notices 1 20
check "the sink receives them" sandbox_wait_sink_count 100 60
check "the central delivery log gets one line per message" \
	wait_for 30 "central delivery lines" sent_is "$(sandbox_sink_count)"
check "the central maillog gets the 20 notice lines" wait_for 20 "central notices" notices_are 20
got=$(cut -d' ' -f3- "$CDLOG" | sort)
want=$(sed -E 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ //' "$SB_LOG" | grep -E -- "$KEPT_RE" | sort)
check_eq "the central delivery log holds exactly the box's outcome lines" "$got" "$want"
check_eq "the host name is the sending box's" "$(cut -d' ' -f2 "$CDLOG" "$CMAIL" | sort -u)" "$(hostname -s)"
check "the sending box's stamps keep their microseconds" \
	test "$(cut -d' ' -f1 "$CDLOG" | grep -cv '\.000000')" -gt 0
check_eq "every central line is in the documented format" \
	"$(cat "$CMAIL" "$CDLOG" | grep -cvE "$STAMP_RE")" 0

# outage of the central syslog-ng
check "the central syslog-ng stops" kill "$C_PID"
wait "$C_PID" 2>/dev/null
C_PID=
check "smtp-source sends 50 more while it is down" sandbox_send 50
send_notices 21 30
check "Postfix keeps delivering" sandbox_wait_sink_count 150 60
check "the central syslog-ng restarts" central_start
check "after the outage every delivery line arrives" \
	wait_for 30 "central delivery lines" sent_is "$(sandbox_sink_count)"
check "after the outage every notice line arrives" wait_for 20 "central notices" notices_are 30
check_eq "no notice line twice" \
	"$(grep -oE "campaign-milter\[$$\]: F[0-9]+:" "$CMAIL" | sort | uniq -d | wc -l)" 0
done_testing
