#!/bin/bash
# NAME
#	providers_tls.sh - outgoing TLS of campaign delivery: opportunistic
#	by default, mandatory for a provider whose table line says
#	tls=encrypt; the "TLS connection established" lines reach the compact
#	delivery log
# DESCRIPTION
#	Two receiving servers on loopback: a second sandbox Postfix that
#	offers STARTTLS with a self-signed test certificate made here with
#	openssl (it relays on to smtp-sink), and smtp-sink itself, which
#	offers no STARTTLS.  campaign-setup --providers with a test table:
#	google (gmail.com) tls=encrypt, yahoo (yahoo.com) tls=may.  The
#	sandbox resolves nothing: the test gives each entry of campaign-setup's
#	providers-transport table (transport kept) a loopback next hop, one
#	receiver, then the other.  With syslog/postfix-campaign.conf as the
#	sandbox's fragment, the compact delivery log is checked too.
#	  STARTTLS offered: both copies delivered, over TLS (the sending
#	  side's and the receiving side's TLS lines).
#	  not offered: the yahoo.com copy is delivered in clear, the gmail.com
#	  copy is deferred "TLS is required, but was not offered" and never
#	  reaches the sink.
#	campaignstat --providers on the fragment's files (maillog-campaign and
#	the compact delivery log) and on the full log: google 1 delivered, 1
#	over TLS (100%); yahoo 8 delivered (one in clear, and six in a burst
#	to the STARTTLS receiver with the connection cache on, so that some
#	go over cached TLS connections, conn_use=N), 7 over TLS; the campaign
#	8 of 9 (cs_tls.h: smtp(8)'s TLS lines by process id, a connection
#	from the cache by its relay).
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

export SB_SYSLOG_FRAGMENT=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
sandbox_start || { fail "sandbox starts"; done_testing; }
DLOG=$SB_LOGDIR/maillog-delivery

# the receiver with STARTTLS: a test certificate, a second Postfix
K=$SB/tls
mkdir -p "$K"
check "test certificate made" openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	-subj /CN=rx.campaign.test -keyout "$K/key.pem" -out "$K/cert.pem" -batch 2>/dev/null
sandbox_start_postfix rx || { fail "receiving Postfix starts"; done_testing; }
RX=$SB_SMTP_PORT_rx
postconf -c "$SB_CONF_rx" -e "smtpd_tls_cert_file = $K/cert.pem" \
	"smtpd_tls_key_file = $K/key.pem" "smtpd_tls_security_level = may" \
	"smtpd_tls_loglevel = 1" && SB_CONF=$SB_CONF_rx sandbox_reload ||
	fail "receiver offers STARTTLS"
starttls_offered() {
	{ exec 9<>"/dev/tcp/127.0.0.1/$RX"; } 2>/dev/null || return 1
	local line ok=1
	read -r -t 5 line <&9
	printf 'EHLO probe.campaign.test\r\n' >&9
	while IFS= read -r -t 5 line <&9; do
		[[ $line == 250[-\ ]STARTTLS* ]] && ok=0
		[[ $line == 250\ * ]] && break
	done
	printf 'QUIT\r\n' >&9
	exec 9<&- 9>&-
	return $ok
}
check "receiver offers STARTTLS" wait_for 10 "STARTTLS in the EHLO reply" starttls_offered

cat > "$SB/providers" <<'TABLE'
# test table: one provider with mandatory TLS, one opportunistic
google domains=gmail.com mx=.google.com connections=2 per_connection=10 rate_delay=0 tls=encrypt
yahoo domains=yahoo.com mx=.yahoodns.net connections=2 per_connection=10 rate_delay=0 tls=may
TABLE
fl_setup --providers "$SB/providers" || { fail "campaign-setup --providers"; done_testing; }
pass "campaign-setup --providers"
sandbox_fast_retry || fail "fast retry"
TBL=$SB_CONF/campaign/providers-transport
cp "$TBL" "$TBL.setup"
# route_to PORT - every provider domain to 127.0.0.1:PORT, same transport
route_to() {
	sed "s/:\$/:[127.0.0.1]:$1/" "$TBL.setup" > "$TBL" &&
		postmap -c "$SB_CONF" "hash:$TBL" && sandbox_reload
}

fl_message "$SB/m" tls
# send RCPT - one campaign message; prints the queue id of the copy
send() {
	local qid new
	cm_send "$FL_PORT" sender@campaign.test "$1" < "$SB/m" || return 1
	qid=$CM_QID
	got_copy() {
		new=$(grep -E " $qid: campaign=tls .*requeued=" "$SB_LOG" |
			sed -n 's/.*requeued=\([0-9A-Za-z]*\).*/\1/p')
		[ -n "$new" ]
	}
	wait_for 30 "the filter's copy of $qid" got_copy || return 1
	echo "$new"
}
# outcome QID STATUS - the copy's delivery line with that status
outcome() { grep -E " $1: to=<.*status=$2" "$SB_LOG" | tail -n 1; }
has_outcome() { [ -n "$(outcome "$1" "$2")" ]; }

# 1. the receiver offers STARTTLS
route_to "$RX" || fail "route to the TLS receiver"
g1=$(send a1@gmail.com) && y1=$(send b1@yahoo.com)
check "STARTTLS: gmail.com copy sent (mandatory TLS)" wait_for 30 "gmail.com copy sent" has_outcome "$g1" sent
check "STARTTLS: yahoo.com copy sent" wait_for 30 "yahoo.com copy sent" has_outcome "$y1" sent
check "gmail.com copy left through campaign-google" grep -qE "postfix/campaign-google/smtp\[[0-9]+\]: $g1: to=<a1@gmail.com>, relay=127.0.0.1\[127.0.0.1\]:$RX" "$SB_LOG"
check "sender logged the TLS connection" grep -qE "TLS connection established to 127.0.0.1\[127.0.0.1\]:$RX: TLSv1" "$SB_LOG"
check "receiver logged the TLS connection" grep -qE "postfix-rx/smtpd\[[0-9]+\]: .*TLS connection established from" "$SB_LOG"
check "TLS line in the compact delivery log" grep -qE "TLS connection established to 127.0.0.1\[127.0.0.1\]:$RX" "$DLOG"
check_eq "compact log: no other info noise" "$(grep -vcE 'TLS connection established to|: to=<|: from=<.*status=expired|reject: ' "$DLOG")" 0

# six more yahoo.com copies in a burst, with the connection cache on for
# the receiver: deliveries over cached TLS connections (conn_use=N, by
# whichever process takes them) still count as over TLS
postconf -c "$SB_CONF" -e "smtp_connection_cache_destinations = [127.0.0.1]:$RX" &&
	sandbox_reload || fail "connection cache for the receiver"
for k in 1 2 3 4 5 6; do cm_send "$FL_PORT" sender@campaign.test "r$k@yahoo.com" < "$SB/m"; done
burst_sent() { [ "$(grep -cE "/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<r[1-6]@yahoo.com>, relay=127.0.0.1\[127.0.0.1\]:$RX,.*status=sent" "$SB_LOG")" -eq 6 ]; }
check "burst: six yahoo.com copies sent over TLS" wait_for 60 "six copies sent" burst_sent
echo "# over a cached connection: $(grep -cE "to=<r[1-6]@yahoo.com>, relay=127.0.0.1\[127.0.0.1\]:$RX, conn_use=" "$SB_LOG") of 6"
postconf -c "$SB_CONF" -e "smtp_connection_cache_destinations =" && sandbox_reload ||
	fail "connection cache off again"

# 2. the receiver offers no STARTTLS (smtp-sink)
route_to "$SB_SINK_PORT" || fail "route to smtp-sink"
y2=$(send b2@yahoo.com) && g2=$(send a2@gmail.com)
check "no STARTTLS: yahoo.com copy delivered in clear" wait_for 30 "yahoo.com copy sent" has_outcome "$y2" sent
check "no STARTTLS: yahoo.com copy relayed to smtp-sink" grep -qE " $y2: to=<b2@yahoo.com>, relay=127.0.0.1\[127.0.0.1\]:$SB_SINK_PORT,.*status=sent" "$SB_LOG"
check_eq "no TLS line towards smtp-sink" "$(grep -c "TLS connection established to 127.0.0.1\[127.0.0.1\]:$SB_SINK_PORT" "$SB_LOG")" 0
check "no STARTTLS: gmail.com copy deferred" wait_for 30 "gmail.com copy deferred" has_outcome "$g2" deferred
check "deferred with a clear reason" grep -qE " $g2: to=<a2@gmail.com>.*status=deferred \(TLS is required, but was not offered by host 127.0.0.1\[127.0.0.1\]\)" "$SB_LOG"
check_eq "gmail.com copy never reached smtp-sink" "$(fl_rcpts_at_sink | grep -c 'a2@gmail.com')" 0
check "yahoo.com copy at smtp-sink" test "$(fl_rcpts_at_sink | grep -c 'b2@yahoo.com')" -eq 1
check "deferral in the compact delivery log" grep -qF "$g2: to=<a2@gmail.com>" "$DLOG"

# 3. campaignstat's share over TLS per provider: google 1 of 1 (g1),
# yahoo 7 of 8 (y1 and the burst over TLS, y2 in clear), the campaign 8 of 9
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
# tls_shares LOG... - "PROVIDER DELIVERED OVER_TLS PERCENT" lines, then the campaign's
tls_shares() {
	"$CS" --json --providers "$SB/providers" --campaign tls "$@" | python3 -c '
import json, sys
c = json.load(sys.stdin)["campaigns"][0]
for p in sorted(c["providers"], key=lambda p: p["provider"]):
    print(p["provider"], p["delivered"], p["delivered_tls"], p["tls_percent"])
print("campaign", c["delivered"], c["delivered_tls"], c["tls_percent"])'
}
y2_in_dlog() { grep -qE " $y2: to=<b2@yahoo.com>.*status=sent" "$DLOG"; }
check "y2's delivery in the compact delivery log" wait_for 30 "y2 in $DLOG" y2_in_dlog
# the fragment's two files (maillog + compact delivery log), and the full log
for logs in "$SB_LOGDIR/maillog-campaign $DLOG" "$SB_LOG"; do
	what=$(basename "${logs##* }")
	tls_shares $logs > "$SB/shares" 2> "$SB/shares.err"
	check_eq "$what: campaignstat reads it" "$?" 0
	check_eq "$what: google 1 delivered, over TLS 100%" "$(grep '^google ' "$SB/shares")" "google 1 1 100.0"
	check_eq "$what: yahoo 8 delivered, 7 over TLS" "$(grep '^yahoo ' "$SB/shares")" "yahoo 8 7 87.5"
	check_eq "$what: campaign 9 delivered, 8 over TLS" "$(grep '^campaign ' "$SB/shares")" "campaign 9 8 88.9"
done
"$CS" --providers "$SB/providers" --campaign tls "$SB_LOGDIR/maillog-campaign" "$DLOG" > "$SB/shares.txt"
check "text report: over TLS line" grep -qE '^  over TLS      8, 88\.9% of delivered$' "$SB/shares.txt"
done_testing
