# NAME
#	filter/tests/lib.sh - what the filter_*.sh integration tests share
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/lib.sh"
#	. "$CAMPAIGN_SRC/tests/sandbox/sandbox.sh"
#	. "$CAMPAIGN_SRC/milter/tests/lib.sh"
#	. "$CAMPAIGN_SRC/filter/tests/lib.sh"
#	sandbox_start
#	fl_setup [CAMPAIGN-SETUP-OPTION...]	milter + campaign-setup + reload
#	fl_suppress ADDRESS...			add to the suppression table
#	fl_message FILE CAMPAIGN		a campaign message with feed headers
#	fl_rcpts_at_sink			"count recipient" of every dump
#	fl_filter_lines				campaign-filter notice lines
#	fl_probe [SECS]				one message through the campaign
#						path; the reason when it fails
# DESCRIPTION
#	fl_setup writes campaign.conf (milter settings from cm_write_conf,
#	plus reinject_to and suppression_table on free ports / the sandbox's
#	config directory), starts campaign-milter, and lets campaign-setup
#	itself configure the sandbox Postfix: the campaign smtpd on
#	$FL_PORT, the pipe transport running campaign-filter as nobody (the
#	sandbox's installed copy, $SB_BIN: pipe(8) runs it as nobody, who
#	cannot reach a build tree under /root), the reinjection listener on
#	$FL_RPORT.  mydestination is $myhostname so that devnull is local.
#	Then fl_probe sends one message through the whole path; when it does
#	not arrive, fl_setup prints why (the smtpd's reply or the deferral
#	reason Postfix logged, e.g. pipe(8)'s "execvp ...: Permission
#	denied") and fails, within seconds instead of a test's whole wait.
#	FL_PROBE=no skips the probe (a test that breaks the path on purpose).
#	FL_FILTER_CHMOD=MODE: after campaign-setup, chmod the directory of the
#	installed filter to MODE (700 breaks pipe(8)'s exec on purpose).

fl_ports_ready() { sb_smtp_ready "$FL_PORT" && sb_smtp_ready "$FL_RPORT"; }

fl_setup() {
	FL_FILTER=$(sb_prog filter/campaign-filter)
	FL_SETUP=$(sb_prog postfix-conf/campaign-setup)
	FL_PORT=$(sandbox_free_port) && FL_RPORT=$(sandbox_free_port) || return 1
	FL_TABLE=$SB_CONF/campaign/suppression
	cm_write_conf "reinject_to = 127.0.0.1:$FL_RPORT" \
		"suppression_table = hash:$FL_TABLE" "filter_deadline = 30s"
	cm_start || return 1
	sandbox_postconf "mydestination = \$myhostname" || return 1
	"$FL_SETUP" -c "$SB_CONF" --port "127.0.0.1:$FL_PORT" \
		--reinject-port "$FL_RPORT" --filter "$FL_FILTER" \
		--filter-user nobody --milter-user nobody --milter "unix:$CM_SOCK" \
		--campaign-conf "$CM_CONF" "$@" > "$SB/setup.out" 2>&1 ||
		{ sed 's/^/# setup: /' "$SB/setup.out"; return 1; }
	sandbox_reload && wait_for 20 "campaign ports" fl_ports_ready || return 1
	[ -z "${FL_FILTER_CHMOD:-}" ] || chmod "$FL_FILTER_CHMOD" "${FL_FILTER%/*}" || return 1
	[ "${FL_PROBE:-yes}" = no ] || fl_probe
}

FL_PROBE_CAMPAIGN=setup-probe

# fl_log_lines REGEX - lines of every sandbox log file matching REGEX (the
# catch-all log, or the fragment's logs when SB_SYSLOG_ALL=no)
fl_log_lines() { cat "$SB_LOGDIR"/* 2>/dev/null | grep -E -- "$1"; }

# fl_probe_done QID - 0 delivered, 2 failed (reason in FL_PROBE_WHY), 1 not yet
fl_probe_done() {
	local line
	line=$(fl_log_lines " $1: .*status=(deferred|bounced)" | head -1)
	if [ -n "$line" ]; then
		FL_PROBE_WHY=$(sed 's/.*status=[a-z]* (\(.*\))$/\1/' <<< "$line")
		return 2
	fi
	FL_PROBE_NEW=$(fl_log_lines " $1: campaign=$FL_PROBE_CAMPAIGN .*requeued=" |
		sed -n 's/.* requeued=\([0-9A-Za-z]*\).*/\1/p' | head -1)
	[ -n "$FL_PROBE_NEW" ] || return 1
	line=$(fl_log_lines " $FL_PROBE_NEW: .*status=(sent|deferred|bounced)" | head -1)
	case $line in
	*status=sent*) return 0 ;;
	'') return 1 ;;
	*) FL_PROBE_WHY="after the filter: ${line##*status=}"; return 2 ;;
	esac
}

# fl_probe [SECS] - one message through the campaign smtpd, its milter, the
# queue, pipe(8) and campaign-filter, the reinjection listener, to the
# discard alias (delivered locally to /dev/null: it never reaches a sink,
# and its filter line is left out of fl_filter_lines).  0 when delivered
# within SECS (default 20); otherwise prints the reason on stderr.
fl_probe() {
	local qid st end=$(( SECONDS + ${1:-20} ))
	printf 'From: probe@campaign.test\nSubject: campaign path probe\nX-Campaign-ID: %s\n\nprobe\n' \
		"$FL_PROBE_CAMPAIGN" > "$SB/probe.msg"
	if ! cm_send "$FL_PORT" probe@campaign.test "$CM_ALIAS" < "$SB/probe.msg"; then
		echo "campaign path broken: the campaign smtpd refused a message: $CM_REPLY" >&2
		return 1
	fi
	qid=$CM_QID FL_PROBE_WHY=
	while [ "$SECONDS" -le "$end" ]; do
		fl_probe_done "$qid"; st=$?
		[ $st = 0 ] && return 0
		[ $st = 2 ] && break
		sleep 0.1
	done
	echo "campaign path broken: message $qid ${FL_PROBE_WHY:+deferred: }${FL_PROBE_WHY:-not delivered within ${1:-20} s}" >&2
	return 1
}

# fl_suppress ADDRESS... - add entries and rebuild the table with postmap
fl_suppress() {
	local a
	for a in "$@"; do
		printf '%s\t550 5.7.1 suppressed: test\n' "$a" >> "$FL_TABLE"
	done
	postmap -c "$SB_CONF" "hash:$FL_TABLE"
}

# fl_message FILE CAMPAIGN - headers a feeder would send, with feed headers
fl_message() {
	{
		echo "From: news@campaign.test"
		echo "To: subscriber@sink.test"
		echo "Subject: campaign $2"
		echo "X-Campaign-ID: $2"
		echo "X-Campaign-Feed-Batch: 17"
		printf 'X-Campaign-Feed-Trace: abc\n\tfolded-continuation\n'
		echo
		echo "Hello,"
		echo ".a line with a leading dot"
		echo "bye"
	} > "$1"
}

# fl_rcpts_at_sink - "count recipient" over all smtp-sink dumps
fl_rcpts_at_sink() {
	cat "$SB_SINK_DIR"/msg.* 2>/dev/null | tr -d '\r' |
		sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' | sort | uniq -c
}

# fl_filter_lines - the filter's notice lines (without the prefix)
fl_filter_lines() {
	grep -E 'campaign-filter\[[0-9]+\]: [0-9A-Za-z]+: campaign=' "$SB_LOG" |
		grep -v " campaign=$FL_PROBE_CAMPAIGN " |
		sed 's/.*campaign-filter\[[0-9]*\]: //'
}

# fl_reply - one SMTP reply from fd 8 into FL_REPLY (its last line)
fl_reply() {
	local line
	while IFS= read -r -t 30 line <&8; do
		line=${line%$'\r'}
		[[ $line =~ ^[0-9]{3}- ]] && continue
		FL_REPLY=$line
		return 0
	done
	FL_REPLY="(no reply)"
	return 1
}

# fl_inject PORT FILE RCPT_TEMPLATE FIRST LAST - one session, one message
# per number N in FIRST..LAST to RCPT_TEMPLATE with N for "%d"; a refused
# recipient (early suppression) is counted, not fatal.  Sets FL_ACCEPTED,
# FL_REFUSED and FL_QIDS (queue ids, one per accepted message).
fl_inject() {
	local port=$1 file=$2 tmpl=$3 i rcpt body
	FL_ACCEPTED=0 FL_REFUSED=0 FL_QIDS=
	body=$(sed 's/^\./../; s/$/\r/' "$file")
	exec 8<>"/dev/tcp/127.0.0.1/$port" || return 1
	fl_reply && printf 'EHLO feeder.campaign.test\r\n' >&8 && fl_reply || return 1
	for ((i = $4; i <= $5; i++)); do
		printf -v rcpt "$tmpl" "$i"
		printf 'MAIL FROM:<sender@campaign.test>\r\n' >&8; fl_reply
		printf 'RCPT TO:<%s>\r\n' "$rcpt" >&8; fl_reply
		if [[ $FL_REPLY != 250* ]]; then
			FL_REFUSED=$((FL_REFUSED + 1))
			printf 'RSET\r\n' >&8; fl_reply
			continue
		fi
		printf 'DATA\r\n' >&8; fl_reply
		printf '%s\n.\r\n' "$body" >&8; fl_reply
		[[ $FL_REPLY == 250* ]] || { echo "# inject: $FL_REPLY" >&2; break; }
		FL_ACCEPTED=$((FL_ACCEPTED + 1))
		FL_QIDS="$FL_QIDS ${FL_REPLY##* }"
	done
	printf 'QUIT\r\n' >&8; fl_reply
	exec 8<&- 8>&-
}
