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
# DESCRIPTION
#	fl_setup writes campaign.conf (milter settings from cm_write_conf,
#	plus reinject_to and suppression_table on free ports / the sandbox's
#	config directory), starts campaign-milter, and lets campaign-setup
#	itself configure the sandbox Postfix: the campaign smtpd on
#	$FL_PORT, the pipe transport running $CAMPAIGN_BUILD's campaign-filter
#	as nobody, the reinjection listener on $FL_RPORT.  mydestination is
#	$myhostname so that devnull is local.
FL_FILTER=$CAMPAIGN_BUILD/filter/campaign-filter
FL_SETUP=$CAMPAIGN_BUILD/postfix-conf/campaign-setup

fl_ports_ready() { sb_smtp_ready "$FL_PORT" && sb_smtp_ready "$FL_RPORT"; }

fl_setup() {
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
	sandbox_reload && wait_for 20 "campaign ports" fl_ports_ready
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

# fl_batch FILE CAMPAIGN BID FIRST LAST [RECORD...] - a batch (lib/batch.h):
# a template with {{first}} and {{email}}, and CSV "email,first" records
# rN@sink.test,NameN for N in FIRST..LAST, then the extra RECORD lines as
# they are.  FL_BOUNDARY may change the boundary; FL_TEMPLATE_EXTRA adds
# template header lines.
fl_batch() {
	local file=$1 c=$2 b=$3 first=$4 last=$5 i r bd=${FL_BOUNDARY:-=_fb_boundary_1}
	shift 5
	{
		printf 'X-Campaign-ID: %s\r\nX-Campaign-Batch: %s\r\n' "$c" "$b"
		printf 'From: news@campaign.test\r\nSubject: campaign batch %s\r\n' "$b"
		printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="%s"\r\n\r\n' "$bd"
		printf -- '--%s\r\nContent-Type: message/rfc822\r\n\r\n' "$bd"
		printf 'From: news@campaign.test\r\nTo: {{email}}\r\nSubject: Hello {{first}}\r\n'
		[ -n "${FL_TEMPLATE_EXTRA:-}" ] && printf '%s\r\n' "$FL_TEMPLATE_EXTRA"
		printf '\r\nDear {{first}},\r\n.a line with a leading dot\r\nbye\r\n'
		printf -- '--%s\r\nContent-Type: text/csv; charset=utf-8; header=present\r\n\r\n' "$bd"
		printf 'email,first\r\n'
		for ((i = first; i <= last; i++)); do printf 'r%d@sink.test,Name%d\r\n' "$i" "$i"; done
		for r in "$@"; do printf '%s\r\n' "$r"; done
		printf -- '--%s--\r\n' "$bd"
	} > "$file"
}

# fl_setup_again [CAMPAIGN-SETUP-OPTION...] - run campaign-setup once more
# with fl_setup's arguments (after a change to campaign.conf); output in
# $SB/setup.out
fl_setup_again() {
	"$FL_SETUP" -c "$SB_CONF" --port "127.0.0.1:$FL_PORT" \
		--reinject-port "$FL_RPORT" --filter "$FL_FILTER" \
		--filter-user nobody --milter-user nobody --milter "unix:$CM_SOCK" \
		--campaign-conf "$CM_CONF" "$@" > "$SB/setup.out" 2>&1
}
