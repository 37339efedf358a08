# NAME
#	sandbox/campaign.sh - the campaign path in the sandbox: campaign-milter,
#	campaign-setup's services, campaign-filter, the path probe
# SYNOPSIS
#	. "$CAMPAIGN_SRC/sandbox/lib.sh"	(sources sandbox.sh, then this)
#	sandbox_start
# THE MILTER
#	cm_write_conf [name=value...]	$CM_CONF with the test settings, then
#					the arguments, then the lines of the
#					array CM_CONF_EXTRA (the last value of
#					a setting wins)
#	cm_start [OPTION...]		campaign-milter as a daemon, -u nobody
#	cm_campaign_service		the campaign smtpd on $CM_PORT
#	cm_discard_setup		virtual + aliases: the alias to /dev/null
#	cm_send PORT FROM RCPT... < MSG	one transaction; sets CM_REPLY
#	cm_dump_for RCPT		the smtp-sink dump file that has RCPT
#	cm_stop				SIGTERM, wait for a clean exit
# DESCRIPTION
#	The campaign service is an smtpd on its own free port with
#	smtpd_milters = the milter's unix socket and milter_default_action =
#	tempfail, set with postconf -M/-P; the ordinary smtpd
#	($SB_SMTP_PORT) has no milter.  The discard alias is
#	bounces@bounce.campaign.test; return_path is
#	bounces+%r@bounce.campaign.test with recipient_delimiter = +.
#
#	The milter runs as a daemon (syslog goes to the sandbox's
#	syslog-ng) under -u nobody, so Postfix reaches it only through the
#	socket's group.  Sanitizer reports, if the build has them, go to
#	files under $CM_SAN_DIR; cm_san_clean tells whether there are none
#	(no LeakSanitizer suppression: every leak counts).
# ENVIRONMENT
#	CAMPAIGN_BUILD: the build tree whose milter/campaign-milter is run.
CM_PROG=$CAMPAIGN_BUILD/milter/campaign-milter
CM_ALIAS=bounces@bounce.campaign.test
CM_PID=

cm_write_conf() {
	CM_DIR=$SB/cm
	mkdir -p "$CM_DIR" && chmod 755 "$CM_DIR"
	CM_CONF=$CM_DIR/campaign.conf
	CM_SOCK=$CM_DIR/milter.sock
	CM_SECRET=$CM_DIR/secret
	CM_SAN_DIR=$SB/san
	mkdir -p "$CM_SAN_DIR" && chmod 1777 "$CM_SAN_DIR"
	[ -f "$CM_SECRET" ] || { head -c 32 /dev/urandom | base64 > "$CM_SECRET"; }
	chown nobody:nogroup "$CM_SECRET" && chmod 440 "$CM_SECRET"
	{
		echo "return_path = bounces+%r@bounce.campaign.test"
		echo "default_campaign = house"
		echo "unsubscribe_url = https://unsub.campaign.test/u"
		echo "unsubscribe_mailto = unsubscribe+%c@campaign.test"
		echo "unsubscribe_secret_file = $CM_SECRET"
		echo "feedback_id = %c:campaign:sandbox"
		echo "milter_socket = unix:$CM_SOCK"
		local kv
		for kv in "$@" ${CM_CONF_EXTRA[@]+"${CM_CONF_EXTRA[@]}"}; do echo "$kv"; done
	} > "$CM_CONF"
	chmod 644 "$CM_CONF"
}

cm_sock_ready() { [ -S "$CM_SOCK" ]; }

# cm_start [OPTION...] - start the daemon; CM_PID from its pid file
cm_start() {
	local st
	sb_daemon campaign-milter "$CM_DIR" cm_sock_ready env \
		ASAN_OPTIONS=log_path=$CM_SAN_DIR/asan:detect_leaks=1:fast_unwind_on_malloc=0 \
		UBSAN_OPTIONS=log_path=$CM_SAN_DIR/ubsan:print_stacktrace=1 \
		"$CM_PROG" -c "$CM_CONF" -u nobody -P "$CM_DIR/pid" "$@"
	st=$?
	CM_PID=$SB_BG
	return $st
}

# cm_stop - SIGTERM; 0 when it exits within 20 s
cm_stop() {
	[ -n "$CM_PID" ] || return 0
	sb_stop_daemon campaign-milter "$CM_PID" || return 1
	CM_PID=
}

cm_port_ready() { sb_smtp_ready "$CM_PORT"; }

# cm_campaign_service - the campaign smtpd with the milter on a free port
cm_campaign_service() {
	CM_PORT=$(sandbox_free_port) || return 1
	local svc="127.0.0.1:$CM_PORT/inet"
	postconf -c "$SB_CONF" -M "$svc = 127.0.0.1:$CM_PORT inet n - n - - smtpd" &&
	postconf -c "$SB_CONF" -P "$svc/smtpd_milters=unix:$CM_SOCK" \
		"$svc/milter_default_action=tempfail" \
		"$svc/milter_protocol=6" || return 1
	sandbox_reload && wait_for 20 "campaign smtpd" cm_port_ready
}

# cm_discard_setup - virtual maps the alias (and its VERP forms through
# recipient_delimiter) to devnull, aliases devnull to /dev/null
cm_discard_setup() {
	printf '%s\tdevnull\n' "$CM_ALIAS" > "$SB_CONF/virtual"
	printf 'devnull: /dev/null\n' > "$SB_CONF/aliases"
	postmap -c "$SB_CONF" "hash:$SB_CONF/virtual" &&
	postalias -c "$SB_CONF" "hash:$SB_CONF/aliases" || return 1
	sandbox_postconf "virtual_alias_maps = hash:$SB_CONF/virtual" \
		"alias_maps = hash:$SB_CONF/aliases" \
		"alias_database = hash:$SB_CONF/aliases" \
		"recipient_delimiter = +" \
		"mydestination = \$myhostname" &&
	sandbox_reload
}

# cm_send PORT FROM RCPT... < MESSAGE - sets CM_REPLY to the final reply
# (the queue id in CM_QID), returns sandbox_smtp's status
cm_send() {
	local st
	CM_REPLY=$(sandbox_smtp "$@" 2>"$SB/cm_send.err"); st=$?
	[ $st -ne 0 ] && CM_REPLY=$(sed 's/^sandbox: port [0-9]*: //' "$SB/cm_send.err")
	CM_QID=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$CM_REPLY")
	return $st
}

# cm_dump_for RCPT - print the name of the smtp-sink dump holding RCPT
cm_dump_for() {
	grep -lF -- "$1" "$SB_SINK_DIR"/msg.* 2>/dev/null | head -1
}

cm_has_dump_for() { [ -n "$(cm_dump_for "$1")" ]; }

# cm_header_count FILE NAME - how many NAME: header lines FILE has
cm_header_count() {
	awk -v h="$2" 'BEGIN { h = tolower(h) ":" }
		/^\r?$/ { exit } tolower(substr($0, 1, length(h))) == h { n++ }
		END { print n + 0 }' "$1"
}

# cm_header FILE NAME - the first NAME: header's value
cm_header() {
	awk -v h="$2" 'BEGIN { h = tolower(h) ":" }
		/^\r?$/ { exit }
		tolower(substr($0, 1, length(h))) == h { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print; exit }' "$1"
}

# cm_san_clean - no sanitizer report was written
cm_san_clean() { [ -z "$(ls -A "$CM_SAN_DIR" 2>/dev/null)" ]; }

# --- the whole path: campaign-setup, the filter, the probe ---------------
# SYNOPSIS
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
#	FL_FILTER_DEADLINE: campaign.conf's filter_deadline (default 30s, so
#	that a test's retried batch comes back soon; bench/campaign uses 300s).
#	FL_FILTER_CHMOD=MODE: after campaign-setup, chmod the directory of the
#	installed filter to MODE (700 breaks pipe(8)'s exec on purpose).

fl_ports_ready() { sb_smtp_ready "$FL_PORT" && sb_smtp_ready "$FL_RPORT"; }

fl_setup() {
	FL_FILTER=$(sb_prog filter/campaign-filter)
	FL_SETUP=$(sb_prog postfix-conf/campaign-setup)
	FL_PORT=$(sandbox_free_port) && FL_RPORT=$(sandbox_free_port) || return 1
	FL_TABLE=$SB_CONF/campaign/suppression
	cm_write_conf "reinject_to = 127.0.0.1:$FL_RPORT" \
		"suppression_table = hash:$FL_TABLE" "filter_deadline = ${FL_FILTER_DEADLINE:-30s}"
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

# --- providers and campaign-shaper ---------------------------------------
# SYNOPSIS
#	fl_providers_to HOST:PORT	next hop of every provider route
#	fl_shaper_start RULES [OPTION...] campaign-shaper on the sandbox
#	fl_shaper_stop			SIGTERM; it writes the table's values back
# DESCRIPTION
#	After fl_setup --providers FILE (campaign-setup made the clones and
#	CONFIG_DIR/campaign/providers-transport, whose entries have an empty
#	next hop: the recipient domain's MX), fl_providers_to gives every
#	entry HOST:PORT instead, since the sandbox resolves nothing, and
#	reloads.  fl_shaper_start runs campaign-shaper (PID in
#	FL_SHAPER_PID, output in $SB/shaper.out) with the table in effect,
#	the RULES, a state file in $SB and the compact delivery log; OPTIONs
#	go before the log (-i SECS).  fl_shaper_stop sends SIGTERM and waits
#	(at most 20 s): 0 when it exited 0.  sandbox_stop stops a shaper
#	still running, as any sb_bg daemon.
fl_providers_to() {
	local t=$SB_CONF/campaign/providers-transport
	[ -f "$t" ] && sed -i "s/:\$/:$1/" "$t" && postmap -c "$SB_CONF" "hash:$t" &&
		sandbox_reload
}

fl_shaper_start() {
	local rules=$1
	shift
	sb_bg "$SB/shaper.out" "$CAMPAIGN_BUILD/shaper/campaign-shaper" -c "$SB_CONF" \
		-p "$SB_CONF/campaign/providers" -r "$rules" -s "$SB/shaper.state" \
		"$@" "$SB_LOGDIR/maillog-delivery"
	FL_SHAPER_PID=$SB_BG
}

fl_shaper_stop() {
	[ -n "${FL_SHAPER_PID:-}" ] || return 1
	kill -TERM "$FL_SHAPER_PID" 2>/dev/null
	sb_poll 20 sb_dead "$FL_SHAPER_PID" || return 1
	wait "$FL_SHAPER_PID"
}
