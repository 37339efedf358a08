# NAME
#	milter/tests/lib.sh - what the milter_*.sh integration tests share
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/lib.sh"
#	. "$CAMPAIGN_SRC/tests/sandbox/sandbox.sh"
#	. "$CAMPAIGN_SRC/milter/tests/lib.sh"
#	sandbox_start
#	cm_write_conf [name=value...]	$CM_CONF with the test settings
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
	chown nobody "$CM_SECRET" && chmod 600 "$CM_SECRET"
	{
		echo "return_path = bounces+%r@bounce.campaign.test"
		echo "default_campaign = house"
		echo "unsubscribe_url = https://unsub.campaign.test/u"
		echo "unsubscribe_mailto = unsubscribe+%c@campaign.test"
		echo "unsubscribe_secret_file = $CM_SECRET"
		echo "feedback_id = %c:campaign:sandbox"
		echo "milter_socket = unix:$CM_SOCK"
		local kv
		for kv in "$@"; do echo "$kv"; done
	} > "$CM_CONF"
	chmod 644 "$CM_CONF"
}

cm_sock_ready() { [ -S "$CM_SOCK" ]; }

# cm_start [OPTION...] - start the daemon; CM_PID from its pid file
cm_start() {
	rm -f "$CM_DIR/pid"
	ASAN_OPTIONS=log_path=$CM_SAN_DIR/asan:detect_leaks=1:fast_unwind_on_malloc=0 \
	UBSAN_OPTIONS=log_path=$CM_SAN_DIR/ubsan:print_stacktrace=1 \
		"$CM_PROG" -c "$CM_CONF" -u nobody -P "$CM_DIR/pid" "$@" \
		</dev/null >"$CM_DIR/start.out" 2>&1 || {
		echo "# campaign-milter did not start: $(cat "$CM_DIR/start.out")" >&2
		return 1
	}
	wait_for 10 "milter pid file" test -s "$CM_DIR/pid" || return 1
	read -r CM_PID < "$CM_DIR/pid"
	SB_PIDS+=("$CM_PID")
	wait_for 10 "milter socket" cm_sock_ready
}

cm_dead() { ! kill -0 "$1" 2>/dev/null; }

# cm_stop - SIGTERM; 0 when it exits within 20 s
cm_stop() {
	[ -n "$CM_PID" ] || return 0
	kill -TERM "$CM_PID" 2>/dev/null
	wait_for 20 "milter exit" cm_dead "$CM_PID" || return 1
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
