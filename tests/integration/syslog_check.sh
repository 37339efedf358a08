#!/bin/bash
# NAME
#	syslog_check.sh - the syslog-ng fragments parse, agree with each other
#	and route each kind of mail log line where syslog/README.md says
# SYNOPSIS
#	sandbox/ns-exec bash tests/integration/syslog_check.sh
# DESCRIPTION
#	1. Every syslog/postfix-campaign*.conf passes `syslog-ng -s` inside a
#	   small main configuration and inside a copy of Debian's stock
#	   /etc/syslog-ng/syslog-ng.conf that includes it instead of conf.d.
#	2. The filter text is identical in the three files, the file
#	   destinations in the single-box and central files.
#	3. Table test: a private syslog-ng (its own socket, not /dev/log) with
#	   the single-box fragment gets one line of each kind through logger(1);
#	   the maillog and the delivery log must hold exactly the expected
#	   lines, in the documented line format.
#	4. The sandbox's own syslog-ng configuration with the fragment
#	   (SB_SYSLOG_FRAGMENT) passes `syslog-ng -s` and writes under $SB.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

FRAG=$CAMPAIGN_SRC/syslog/postfix-campaign.conf
FWD=$CAMPAIGN_SRC/syslog/postfix-campaign-forward.conf
CEN=$CAMPAIGN_SRC/syslog/postfix-campaign-central.conf
STAMP_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2} [^ ]+ [^ []+(\[[0-9]+\])?: .'
T=$(mktemp -d /tmp/syslog-check.XXXXXX)
NG_PID=
cleanup() {
	[ -n "$NG_PID" ] && kill "$NG_PID" 2>/dev/null && wait "$NG_PID" 2>/dev/null
	NG_PID=
	rm -rf "$T"
}
trap cleanup EXIT
# sandbox_start replaces the EXIT trap with sandbox_stop, which calls this
sandbox_cleanup_hook() { cleanup; }

# main_conf FRAGMENT - a minimal main configuration around FRAGMENT
main_conf() {
	printf '@version: 3.38\n'
	printf 'source s_src { unix-dgram("%s/log"); internal(); };\n' "$T"
	printf '@include "%s"\n' "$1"
}

# debian_conf FRAGMENT - Debian's syslog-ng.conf including FRAGMENT
debian_conf() {
	sed "s|^@include \"/etc/syslog-ng/conf.d/\*.conf\"|@include \"$1\"|" \
		/etc/syslog-ng/syslog-ng.conf
}

# syntax_ok CONF - syslog-ng -s passes, quietly: no warning but the one
# the sending-box files document (pass-unix-credentials is "obsoleted")
syntax_ok() {
	local out
	out=$(syslog-ng -s -f "$1" 2>&1) || { echo "$out" >&2; return 1; }
	out=$(printf '%s\n' "$out" | grep -v "obsoleted keyword.*keyword='pass_unix_credentials'")
	[ -z "$out" ] || { echo "$out" >&2; return 1; }
}

for f in "$FRAG" "$FWD" "$CEN"; do
	n=$(basename "$f" .conf)
	main_conf "$f" > "$T/main-$n.conf"
	check "$n passes syslog-ng -s in a minimal main config" syntax_ok "$T/main-$n.conf"
	if [ -f /etc/syslog-ng/syslog-ng.conf ]; then
		debian_conf "$f" > "$T/debian-$n.conf"
		check "$n passes syslog-ng -s in Debian's syslog-ng.conf" \
			syntax_ok "$T/debian-$n.conf"
	fi
done

# block FILE NAME - the text between "# --- NAME" and "# --- end NAME ---"
block() { sed -n "/^# --- $2:/,/^# --- end $2 ---/p" "$1"; }
check "the filters are there" test -n "$(block "$FRAG" filters)"
check_eq "forward file has the same filters" "$(block "$FWD" filters)" "$(block "$FRAG" filters)"
check_eq "central file has the same filters" "$(block "$CEN" filters)" "$(block "$FRAG" filters)"
check "the file destinations are there" test -n "$(block "$FRAG" files)"
check_eq "central file has the same file destinations" "$(block "$CEN" files)" "$(block "$FRAG" files)"
check "default maillog path" grep -q '^@define campaign-maillog "/var/log/maillog-campaign"$' "$FRAG"
check "default delivery log path" grep -q '^@define campaign-delivery-log "/var/log/maillog-delivery"$' "$FRAG"
check "no fsync anywhere" test -z "$(grep -n 'fsync(yes)' "$FRAG" "$FWD" "$CEN")"

# --- 3. the table test ----------------------------------------------------
# LEVEL|PROGRAM|MESSAGE|WHERE (M maillog, D delivery log, - nowhere)
cat > "$T/table" <<'EOF'
info|postfix/smtp|1A2B3C: to=<a@x.test>, relay=mx.x.test[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)|D
info|postfix/smtp|1A2B3D: to=<b@x.test>, orig_to=<B@x.test>, relay=mx.x.test[192.0.2.1]:25, conn_use=2, delay=3, delays=0/0/1/2, dsn=4.2.2, status=deferred (host said: 452 4.2.2 full)|D
info|postfix/smtp|1A2B3E: to=<c@x.test>, relay=mx.x.test[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user)|D
info|postfix/smtp|1A2B3F: to=<d@x.test>, relay=none, delay=9, delays=9/0/0/0, dsn=4.4.1, status=expired (connect refused)|D
info|postfix/smtp|1A2B40: to=<e@x.test>, relay=mx.x.test[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=SOFTBOUNCE (host said: 550 5.1.1 no)|D
info|postfix/qmgr|1A2B41: to=<f@x.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.3.0, status=deferred (delivery temporarily suspended: connect refused)|D
info|postfix/qmgr|1A2B42: from=<bounce@campaign.test>, status=expired, returned to sender|D
info|postfix/pipe|1A2B43: to=<g@x.test>, relay=campaign, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (delivered via campaign service)|D
info|postfix/local|1A2B44: to=<devnull@campaign.test>, orig_to=<bounce@campaign.test>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to file: /dev/null)|D
info|postfix/campaign/smtpd|NOQUEUE: reject: RCPT from feeder[127.0.0.1]: 550 5.7.1 <h@x.test>: Recipient address rejected: suppressed; from=<c1@campaign.test> to=<h@x.test> proto=ESMTP helo=<feeder>|D
info|postfix/smtpd|1A2B45: reject: RCPT from feeder[127.0.0.1]: 550 5.1.1 <i@x.test>: Recipient address rejected: no; from=<s@campaign.test> to=<i@x.test> proto=ESMTP helo=<feeder>|D
info|postfix/cleanup|1A2B46: milter-reject: END-OF-MESSAGE from feeder[127.0.0.1]: 4.7.1 Service unavailable - try again later; from=<s@campaign.test> to=<j@x.test> proto=ESMTP helo=<feeder>|D
info|postfix/smtpd|1A2B47: discard: RCPT from feeder[127.0.0.1]: <k@x.test>: Recipient address triggers DISCARD action; from=<s@campaign.test> to=<k@x.test> proto=ESMTP helo=<feeder>|D
info|postfix-out/smtp|4Q7xLb1Zk9z9sWd: to=<l@x.test>, relay=mx.x.test[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)|D
info|postfix/campaign-google/smtp|Untrusted TLS connection established to mx.x.test[192.0.2.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)|D
info|postfix/smtp|Anonymous TLS connection established to mx.x.test[192.0.2.1]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)|D
info|postfix/tlsproxy|Untrusted TLS connection established to mx.x.test[192.0.2.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)|-
info|postfix/smtpd|Anonymous TLS connection established from feeder[127.0.0.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)|-
info|postfix/smtpd|connect from feeder[127.0.0.1]|-
info|postfix/smtpd|disconnect from feeder[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5|-
info|postfix/smtpd|1A2B48: client=feeder[127.0.0.1]|-
info|postfix/cleanup|1A2B48: message-id=<a, status=sent (x)@y>|-
info|postfix/qmgr|1A2B48: from=<s@campaign.test>, size=2048, nrcpt=1 (queue active)|-
info|postfix/qmgr|1A2B48: removed|-
info|postfix/bounce|1A2B49: sender non-delivery notification: 1A2B4A|-
info|postfix/smtpd|NOQUEUE: reject_warning: RCPT from feeder[127.0.0.1]: 450 4.1.8 <m@x.test>: soft; from=<s@campaign.test> to=<m@x.test> proto=ESMTP helo=<feeder>|-
info|postfix/smtp|1A2B4B: to=<n@x.test>, relay=mx.x.test[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=deliverable (250 ok)|-
info|postfix/smtp|1A2B4C: lost connection with mx.x.test[192.0.2.1] while sending RCPT TO|-
info|opendkim|1A2B4D: to=<o@x.test>, relay=x, delay=0, dsn=2.0.0, status=sent (not Postfix)|-
info|campaign-milter|1A2B4E: an info line of ours|-
debug|postfix/smtpd|1A2B4F: reject: a debug line|-
notice|campaign-milter|1A2B50: campaign=c1 from=<news@campaign.test> return=<bounce@campaign.test> nrcpt=1 tags=list|M
notice|campaign-filter|1A2B51: campaign=c1 nrcpt=1 sent=1 suppressed=0 size=2048 requeued=1A2B52 ms=3|M
warning|postfix/smtpd|warning: hostname feeder does not resolve to address 127.0.0.1|M
err|postfix/qmgr|error: something|M
crit|postfix/master|fatal: something else|M
notice|postfix/smtp|1A2B53: to=<p@x.test>, relay=x, delay=0, dsn=2.0.0, status=sent (a notice-level status line)|M
EOF

sed "s|/var/log/|$T/out/|g" "$FRAG" > "$T/frag.conf"
mkdir -p "$T/out"
# cred_probe OUT - a path writing every line's sender PID as syslog-ng saw
# it through SO_PASSCRED (empty when the fragment switched that off)
cred_probe() {
	printf 'destination d_cred { file("%s" template("pid=${.unix.pid} ${MSG}\\n")); };\n' "$1"
	printf 'log { source(s_src); destination(d_cred); };\n'
}
{ main_conf "$T/frag.conf"; cred_probe "$T/out/cred"; } > "$T/ng.conf"
syslog-ng -F -f "$T/ng.conf" -p "$T/ng.pid" -c "$T/ng.ctl" -R "$T/ng.persist" \
	--no-caps > "$T/ng.out" 2>&1 &
NG_PID=$!
check "private syslog-ng listens" wait_for 20 "socket $T/log" test -S "$T/log"

send() {	# send LEVEL PROGRAM MESSAGE
	logger -u "$T/log" -d --socket-errors=on -p "mail.$1" -t "$2" --id=4711 -- "$3"
}
nm=0 nd=0
while IFS='|' read -r lev prog msg where; do
	send "$lev" "$prog" "$msg"
	case $where in M) nm=$((nm + 1)) ;; D) nd=$((nd + 1)) ;; esac
done < "$T/table"
send notice campaign-test "END-OF-TABLE"
send info postfix/smtp "END0: to=<end@x.test>, relay=none, delay=0, dsn=2.0.0, status=sent (end of table)"
check "end marker reached the maillog" wait_for 20 "maillog marker" grep -q END-OF-TABLE "$T/out/maillog-campaign"
check "end marker reached the delivery log" wait_for 20 "delivery marker" grep -q 'END0:' "$T/out/maillog-delivery"

# expected FILE-LETTER - the expected "PROGRAM[4711]: MESSAGE" lines
expected() {
	awk -F'|' -v w="$1" '$4 == w { print $2 "[4711]: " $3 }' "$T/table"
}
strip() { grep -v -e END-OF-TABLE -e 'END0:' "$1" | cut -d' ' -f3-; }
check_eq "maillog holds exactly the notice-and-above lines" \
	"$(strip "$T/out/maillog-campaign")" "$(expected M)"
check_eq "delivery log holds exactly the outcome lines" \
	"$(strip "$T/out/maillog-delivery")" "$(expected D)"
check_eq "maillog line count" "$(strip "$T/out/maillog-campaign" | wc -l)" "$nm"
check_eq "delivery log line count" "$(strip "$T/out/maillog-delivery" | wc -l)" "$nd"
check_eq "every line is in the documented format" \
	"$(cat "$T/out/maillog-campaign" "$T/out/maillog-delivery" | grep -cvE "$STAMP_RE")" 0
check_eq "host is this host's short name" \
	"$(cut -d' ' -f2 "$T/out/maillog-delivery" | sort -u)" "$(hostname -s)"
check_eq "the fragment switches sender credentials off: no line has a PID" \
	"$(grep -c '^pid=[0-9]' "$T/out/cred")" 0
# (the probe also gets syslog-ng's own internal() lines: at least)
check "every table line reached the credentials probe" \
	test "$(grep -c '^pid= ' "$T/out/cred")" -ge "$(( $(wc -l < "$T/table") + 2 ))"
kill "$NG_PID" && wait "$NG_PID" 2>/dev/null
NG_PID=

# the control: without the fragment's options block syslog-ng does look
# the sender up, so the probe above can fail
sed '/^options { pass-unix-credentials(no); };$/d' "$T/frag.conf" > "$T/frag-cred.conf"
{ main_conf "$T/frag-cred.conf"; cred_probe "$T/out/cred-on"; } > "$T/ng-cred.conf"
rm -f "$T/log"
syslog-ng -F -f "$T/ng-cred.conf" -p "$T/ng.pid" -c "$T/ng.ctl" -R "$T/ng.persist" \
	--no-caps > "$T/ng.out" 2>&1 &
NG_PID=$!
check "control syslog-ng listens" wait_for 20 "socket $T/log" test -S "$T/log"
send notice campaign-test "CRED-CONTROL"
check "without the option the sender's PID is there" \
	wait_for 20 "control line" grep -q '^pid=[0-9][0-9]* CRED-CONTROL' "$T/out/cred-on"
kill "$NG_PID" && wait "$NG_PID" 2>/dev/null
NG_PID=

# --- 4. the sandbox's syslog-ng with the fragment ---------------------------
export SB_SYSLOG_FRAGMENT=$FRAG
if check "sandbox starts with the fragment" sandbox_start; then
	check "the sandbox's syslog-ng.conf passes syslog-ng -s" syntax_ok "$SB/syslog-ng.conf"
	check "the sandbox includes the fragment" grep -qF "$SB/syslog-fragment.conf" "$SB/syslog-ng.conf"
	check_eq "the fragment's files are under \$SB_LOGDIR" \
		"$(grep -c "^@define campaign-.*\"$SB_LOGDIR/maillog-" "$SB/syslog-fragment.conf")" 2
	logger -p mail.notice -t campaign-milter --id=$$ -- "SBCHECK: campaign=check"
	check "the sandbox's maillog gets a notice line" \
		sandbox_wait_log 'campaign-milter\[[0-9]+\]: SBCHECK: campaign=check' 10 "$SB_LOGDIR/maillog-campaign"
fi
done_testing
