#!/bin/bash
# NAME
#	providers_setup.sh - campaign-setup --providers: the shipped provider
#	table becomes smtp(8) clones, main.cf limits and a transport table
#	that routes the reinjected copies (never the first pass)
# DESCRIPTION
#	Runs campaign-setup on the sandbox Postfix (fl_setup) with the
#	shipped postfix-conf/providers plus one test line with a rate delay,
#	and checks master.cf (process limit, connection reuse, TLS level),
#	main.cf (concurrency, rate delay and failed-cohort limit, outgoing
#	TLS, TLS logging), the providers-transport table (postmap -q) and
#	transport_maps; that a second run changes nothing, -n changes no file,
#	a malformed line is refused with FILE:LINE before anything changes,
#	and a provider dropped from the table loses its clone.  Then one
#	campaign message to a yahoo.com and one to a sink.test recipient:
#	the first pass of both goes to the campaign filter (content_filter
#	wins over transport_maps), the yahoo.com copy leaves through
#	campaign-yahoo, the other through the default smtp transport (the
#	sandbox resolves nothing, so the table's entries get smtp-sink as
#	next hop for this part).
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

sandbox_start || { fail "sandbox starts"; done_testing; }
fl_setup || { fail "campaign path set up"; done_testing; }
pass "campaign path set up"

C=$SB_CONF TBL=$SB_CONF/campaign/providers-transport
P=$SB/providers
{ cat "$CAMPAIGN_SRC/postfix-conf/providers"
  echo "# test: a rate delay"
  echo "slow domains=slow.test,slow2.test mx=.slow.test connections=2 per_connection=3 rate_delay=1s tls=may"
} > "$P"

# sums - checksums of what campaign-setup may change
sums() { (cd "$C" && find . -path ./campaign-setup.backup -prune -o -type f -print |
	sort | xargs md5sum); }
pf() { postconf -c "$C" "$@" 2>/dev/null; }

# a malformed line: refused with file and line, nothing changed
sed '0,/^google /s/connections=5/connections=five/' "$P" > "$SB/bad"
badline=$(grep -n '^google ' "$SB/bad" | cut -d: -f1)
before=$(sums)
fl_setup_again --providers "$SB/bad"; st=$?
check_eq "malformed line: exit 78" "$st" 78
check "malformed line: names file and line" \
	grep -qF "$SB/bad:$badline: connections=five: not a number" "$SB/setup.out"
check_eq "malformed line: nothing changed" "$(sums)" "$before"
printf 'a domains=a.test mx=.a connections=1 per_connection=1 rate_delay=0 tls=may\nb domains=b.test,a.test mx=.b connections=1 per_connection=1 rate_delay=0 tls=may\n' > "$SB/dup"
fl_setup_again --providers "$SB/dup"
check "a domain of two providers: refused" grep -qF "$SB/dup:2: domain a.test is listed twice" "$SB/setup.out"

if fl_setup_again --providers "$P"; then
	pass "--providers applies"
else
	fail "--providers applies" "$(tail -n 3 "$SB/setup.out")"
fi
check_eq "the table in effect is copied" "$(cmp "$P" "$C/campaign/providers" && echo same)" same
# the sandbox relays through relayhost (smtp-sink): the clones bypass it
check "relayhost: a note says the clones bypass it" \
	grep -qF "note: relayhost is $(pf -h relayhost), but the provider transports deliver to each provider's MX hosts directly" "$SB/setup.out"

# master.cf: one clone per provider
check_eq "clone per provider" \
	"$(pf -M | awk '$1 ~ /^campaign-/ && $8 == "smtp" { print $1 }' | sort | tr '\n' ' ')" \
	"campaign-apple campaign-comcast campaign-google campaign-microsoft campaign-orange campaign-slow campaign-yahoo "
check_eq "google: process limit = connections" "$(pf -Fh campaign-google/unix/process_limit)" 5
check_eq "google: connection reuse limit" "$(pf -Ph campaign-google/unix/smtp_connection_reuse_count_limit)" 50
check_eq "google: mandatory TLS" "$(pf -Ph campaign-google/unix/smtp_tls_security_level)" encrypt
check_eq "google: TLS connections reused too" "$(pf -Ph campaign-google/unix/smtp_tls_connection_reuse)" yes
check_eq "google: its own syslog name" "$(pf -Ph campaign-google/unix/syslog_name)" postfix/campaign-google
check_eq "yahoo: main.cf's TLS level (no override)" "$(pf -Ph campaign-yahoo/unix/smtp_tls_security_level)" ""
check_eq "yahoo: 20 messages a connection" "$(pf -Ph campaign-yahoo/unix/smtp_connection_reuse_count_limit)" 20
check "tlsproxy service for TLS connection reuse" test -n "$(pf -M tlsproxy/unix)"

# main.cf
check_eq "google: concurrency limit" "$(pf -h campaign-google_destination_concurrency_limit)" 5
check_eq "google: no rate delay" "$(pf -nh campaign-google_destination_rate_delay)" ""
check_eq "slow: rate delay" "$(pf -h campaign-slow_destination_rate_delay)" 1s
check_eq "slow: failed cohort limit raised" "$(pf -h campaign-slow_destination_concurrency_failed_cohort_limit)" 10
check_eq "opportunistic TLS" "$(pf -h smtp_tls_security_level)" may
check_eq "TLS connections logged" "$(pf -h smtp_tls_loglevel)" 1
check "transport_maps names the table" grep -qF "hash:$TBL" <<< "$(pf -h transport_maps)"
check_eq "postconf -n: no warning" "$(postconf -c "$C" -n 2>&1 >/dev/null | grep -v 'clock is')" ""

# the transport table
q() { postmap -c "$C" -q "$1" "hash:$TBL"; }
check_eq "gmail.com -> campaign-google" "$(q gmail.com)" campaign-google:
check_eq "aol.com -> campaign-yahoo" "$(q aol.com)" campaign-yahoo:
check_eq "hotmail.com -> campaign-microsoft" "$(q hotmail.com)" campaign-microsoft:
check_eq "me.com -> campaign-apple" "$(q me.com)" campaign-apple:
check_eq "slow2.test -> campaign-slow" "$(q slow2.test)" campaign-slow:
check_eq "sink.test: not a provider" "$(q sink.test)" ""

# idempotent; -n
before=$(sums)
fl_setup_again --providers "$P"
check_eq "second run changes nothing" "$(tail -n 1 "$SB/setup.out")" "0 change(s) made"
check_eq "second run: files unchanged" "$(sums)" "$before"
sed 's/^slow .*/slow domains=slow.test mx=.slow.test connections=4 per_connection=3 rate_delay=0 tls=encrypt/' "$P" > "$SB/p2"
fl_setup_again -n --providers "$SB/p2"
check "-n shows the clone's change" grep -q "^would change: master.cf: campaign-slow unix .* 4 smtp .*smtp_tls_security_level=encrypt" "$SB/setup.out"
check_eq "-n changes no file" "$(sums)" "$before"
fl_setup_again --providers "$SB/p2"
check_eq "rate delay dropped: parameter removed" "$(pf -nh campaign-slow_destination_rate_delay)" ""
check_eq "rate delay dropped: cohort limit removed" "$(pf -nh campaign-slow_destination_concurrency_failed_cohort_limit)" ""

# a provider dropped from the table
grep -v '^slow ' "$P" > "$SB/p3"
fl_setup_again --providers "$SB/p3"
check_eq "dropped provider: clone removed" "$(pf -M campaign-slow/unix)" ""
check_eq "dropped provider: limits removed" "$(grep -c '^campaign-slow_' "$C/main.cf")" 0
check_eq "dropped provider: domains unrouted" "$(q slow.test)" ""
fl_setup_again --providers "$SB/p3"
check_eq "then idempotent again" "$(tail -n 1 "$SB/setup.out")" "0 change(s) made"

# tls=dane: DANE only when the administrator says the resolver validates
sed 's/^microsoft \(.*\) tls=may$/microsoft \1 tls=dane/' "$SB/p3" > "$SB/p4"
before=$(sums)
fl_setup_again -n --providers "$SB/p4"
check "dane line without --dane: says it stays opportunistic" \
	grep -q "^note: microsoft: tls=dane needs a DNSSEC-validating resolver (--dane)" "$SB/setup.out"
check "dane line without --dane: clone unchanged" \
	test -z "$(grep '^would change: master.cf: campaign-microsoft ' "$SB/setup.out")"
fl_setup_again -n --dane --providers "$SB/p4"
check "--dane: main.cf level dane" grep -qF "would change: main.cf: smtp_tls_security_level = dane (was: may)" "$SB/setup.out"
check "--dane: DNSSEC lookups" grep -qF "would change: main.cf: smtp_dns_support_level = dnssec" "$SB/setup.out"
check "--dane: the dane line's clone" grep -q "^would change: master.cf: campaign-microsoft .*smtp_tls_security_level=dane" "$SB/setup.out"
check_eq "--dane -n: no file changed" "$(sums)" "$before"

# the routes: first pass to the filter, the copies per provider.  The
# sandbox resolves nothing: each entry of the table gets a loopback next
# hop (smtp-sink), its transport as campaign-setup wrote it
fl_providers_to "[127.0.0.1]:$SB_SINK_PORT" || fail "next hops for the sandbox"
fl_message "$SB/m1" prov
cm_send "$FL_PORT" sender@campaign.test someone@yahoo.com < "$SB/m1"; q1=$CM_QID
cm_send "$FL_PORT" sender@campaign.test someone@sink.test < "$SB/m1"; q2=$CM_QID
check "both accepted" test -n "$q1" -a -n "$q2"
at_sink() { [ "$(fl_rcpts_at_sink | grep -c 'someone@')" -ge 2 ]; }
check "both copies at the sink" wait_for 30 "two copies at the sink" at_sink
check_eq "first pass: yahoo.com recipient to the filter" \
	"$(grep -E " $q1: to=<someone@yahoo.com>" "$SB_LOG" | grep -o 'relay=[a-z]*' | head -1)" relay=campaign
new1=$(grep -E " $q1: campaign=prov .*requeued=" "$SB_LOG" | sed -n 's/.*requeued=\([0-9A-Za-z]*\).*/\1/p')
new2=$(grep -E " $q2: campaign=prov .*requeued=" "$SB_LOG" | sed -n 's/.*requeued=\([0-9A-Za-z]*\).*/\1/p')
check "the yahoo.com copy leaves through campaign-yahoo" \
	grep -qE "postfix/campaign-yahoo/smtp\[[0-9]+\]: $new1: to=<someone@yahoo.com>.*status=sent" "$SB_LOG"
check "the sink.test copy through the default smtp" \
	grep -qE "postfix/smtp\[[0-9]+\]: $new2: to=<someone@sink.test>.*status=sent" "$SB_LOG"
done_testing
