#!/bin/bash
# NAME
#	setup_dkim.sh - campaign-setup --dkim-milter: a real OpenDKIM signs
#	after campaign-milter, and the signature verifies at the sink after
#	campaign-filter removed the feeder's headers
# DESCRIPTION
#	Makes a test key with opendkim-genkey, runs opendkim in signing mode
#	(Mode s, foreground) on a private unix socket under $SB with the
#	SignHeaders list from postfix-conf/OPERATIONS.md (it names
#	List-Unsubscribe and List-Unsubscribe-Post and leaves out the
#	X-Campaign-Feed-* headers, which the filter removes after signing),
#	lets campaign-setup put it after campaign-milter, sends campaign
#	messages carrying X-Campaign-Feed-* headers, and verifies each message
#	smtp-sink received with "opendkim -t" (verify mode, the public key
#	from TestPublicKeys: no DNS): dkim=pass, and h= covers
#	List-Unsubscribe and List-Unsubscribe-Post.  A control: the same
#	signer told to sign the feed headers too fails verification at the
#	sink, which is why the SignHeaders list matters.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

SIGN_HEADERS="From,Sender,Reply-To,To,Cc,Subject,Date,Message-ID,In-Reply-To,References,MIME-Version,Content-Type,Content-Transfer-Encoding,List-Id,List-Unsubscribe,List-Unsubscribe-Post,Feedback-ID,Precedence,X-Campaign-ID"

sandbox_start || { fail "sandbox starts"; done_testing; }
K=$SB/dkim
mkdir -p "$K" && chmod 755 "$K"
check "test key made" opendkim-genkey -D "$K" -d campaign.test -s test
pub=$(tr -d '\n\t"() ' < "$K/test.txt" | sed 's/.*p=\([A-Za-z0-9+/=]*\).*/\1/')
echo "test._domainkey.campaign.test v=DKIM1; k=rsa; p=$pub" > "$K/keys"

# dkim_conf FILE SIGNHEADERS - a signing configuration
dkim_conf() {
	cat > "$1" <<CONF
Mode			s
Domain			campaign.test
Selector		test
KeyFile			$K/test.private
Socket			local:$K/dkim.sock
UMask			000
Syslog			yes
SyslogSuccess		yes
RequireSafeKeys		no
Canonicalization	relaxed/relaxed
SignHeaders		$2
OversignHeaders		From,List-Unsubscribe,List-Unsubscribe-Post
PidFile			$K/opendkim.pid
CONF
}

dkim_ready() { [ -S "$K/dkim.sock" ]; }

# dkim_start SIGNHEADERS - opendkim in the foreground, recorded by PID
dkim_start() {
	rm -f "$K/dkim.sock"
	dkim_conf "$K/sign.conf" "$1"
	sb_bg "$K/opendkim.out" opendkim -f -x "$K/sign.conf"
	DKIM_PID=$SB_BG
	wait_for 10 "opendkim socket" dkim_ready
}

dkim_stop() {
	kill -TERM "$DKIM_PID" 2>/dev/null
	wait_for 10 "opendkim exit" sb_dead "$DKIM_PID"
}

# verify FILE - opendkim -t: prints the result, dkim=pass or dkim=fail
verify() {
	printf 'Mode v\nTestPublicKeys %s\nSyslog no\n' "$K/keys" > "$K/verify.conf"
	sed '/^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):/d' "$1" |
		sed 's/\r*$/\r/' > "$K/verify.msg"
	opendkim -x "$K/verify.conf" -vvv -t "$K/verify.msg" 2>&1 |
		grep -o 'dkim=[a-z]*' | head -1
}

check "opendkim starts" dkim_start "$SIGN_HEADERS"
fl_setup --dkim-milter "unix:$K/dkim.sock" || { fail "campaign-setup with --dkim-milter"; done_testing; }
pass "campaign-setup with --dkim-milter"
check_eq "signer placed after campaign-milter" \
	"$(postconf -c "$SB_CONF" -Ph "127.0.0.1:$FL_PORT/inet/smtpd_milters")" \
	"unix:$CM_SOCK,unix:$K/dkim.sock"

MSG=$SB/campaign.msg
fl_message "$MSG" dkim-1
fl_inject "$FL_PORT" "$MSG" 'k%d@sink.test' 1 3
check_eq "3 messages accepted" "$FL_ACCEPTED" 3
check "queue empties" sandbox_wait_queue_empty 30
check "3 at the sink" sandbox_wait_sink_count 3 10
for n in 1 2 3; do
	D=$(cm_dump_for "<k$n@sink.test>")
	check "k$n: signed" grep -q '^DKIM-Signature:' "$D"
	check_eq "k$n: feed headers removed by the filter" "$(grep -ci '^X-Campaign-Feed-' "$D")" 0
	h=$(awk '/^DKIM-Signature:/ { s = 1 } s && /^[^ \t]/ && !/^DKIM-Signature:/ { exit }
		s { printf "%s", $0 }' "$D" | tr -d ' \t\r' | sed 's/.*;h=\([^;]*\).*/\1/')
	check "k$n: h= covers List-Unsubscribe" grep -qi '\(^\|:\)list-unsubscribe\(:\|$\)' <<<"$h"
	check "k$n: h= covers List-Unsubscribe-Post" grep -qi '\(^\|:\)list-unsubscribe-post\(:\|$\)' <<<"$h"
	check "k$n: h= leaves out the feed headers" test -z "$(grep -i 'x-campaign-feed' <<<"$h")"
	ar=$(verify "$D")
	echo "# k$n: $ar"
	check "k$n: signature verifies at the sink" grep -q 'dkim=pass' <<<"$ar"
done

# control: signing the feed headers breaks the signature after the filter
dkim_stop
check "opendkim restarts signing the feed headers too" \
	dkim_start "$SIGN_HEADERS,X-Campaign-Feed-Batch,X-Campaign-Feed-Trace"
fl_inject "$FL_PORT" "$MSG" 'c%d@sink.test' 1 1
check "control: delivered" sandbox_wait_sink_count 4 30
ar=$(verify "$(cm_dump_for "<c1@sink.test>")")
echo "# control: $ar"
check "control: signature over removed headers fails" grep -q 'dkim=fail' <<<"$ar"
done_testing
