# NAME
#	sandbox/sandbox.sh - a private Postfix, syslog-ng and sinks
# SYNOPSIS
#	(run the script under sandbox/ns-exec)
#	. "$CAMPAIGN_SRC/sandbox/lib.sh"
#	sandbox_start
#	sandbox_send 10                      # smtp-source into the sandbox smtpd
#	sandbox_wait_queue_empty 30 && sandbox_sink_count
#	sandbox_wait_log 'status=sent' 10
#	sandbox_stop                         # also runs by itself on EXIT
# DESCRIPTION
#	sandbox_start makes a fresh directory $SB (mktemp -d) and starts, all
#	under it and on loopback ports picked at random:
#	- a private syslog-ng that owns /dev/log inside the namespace made by
#	  sandbox/ns-exec and writes every line it receives to $SB_LOG;
#	- smtp-sink on 127.0.0.1:$SB_SINK_PORT, one dump file per message in
#	  $SB_SINK_DIR;
#	- a private Postfix: config $SB_CONF, queue $SB_QUEUE, data
#	  $SB/data, chroot off, inet_interfaces=127.0.0.1, mydestination
#	  empty, mynetworks=127.0.0.0/8, relayhost=[127.0.0.1]:$SB_SINK_PORT,
#	  the "smtp inet" service replaced by smtpd on 127.0.0.1:$SB_SMTP_PORT.
#	syslog_name stays "postfix", so log lines look as on a stock box
#	(a second instance logs as postfix-NAME).  pickup only reads the
#	sandbox's own maildrop, so no mail of the machine is touched.
#	It registers sandbox_stop on EXIT (and turns TERM, INT, HUP into an
#	exit), so everything stops even when a test fails.  A test that needs
#	its own clean-up defines a function sandbox_cleanup_hook, which
#	sandbox_stop calls first.  Readiness is always a bounded poll (a port
#	answering, a log line); every daemon is recorded by PID and stopped by
#	PID.  One sandbox per namespace at a time (it owns /dev/log); use
#	sandbox_start_postfix for more Postfix instances beside it.
#
#	Every function returns 0 on success and non-zero with a message on
#	stderr ("sandbox: ...") otherwise.
# FUNCTIONS
#	sandbox_start
#	sandbox_stop
#	sandbox_free_port		print a free 127.0.0.1 TCP port
#	sandbox_postconf K=V...		postconf -c $SB_CONF -e K=V...
#	sandbox_reload			postfix reload, waits for master's log line
#	sandbox_fast_retry		short queue_run_delay and backoff times, qmgr wake-up 10 s
#					(1s..2s) so deferred mail is retried soon
#	sb_stranded [QID]		incoming files more than 2 s ahead
#	sb_unstrand			incoming files qmgr put 60 s ahead (it
#					found them locked: "still being
#					delivered") and left there made due
#					now, and an incoming scan; prints how
#					many
#	sandbox_wait_queue_empty SECS	incoming, active, deferred and maildrop
#					hold no file (hold is not counted)
#	sandbox_wait_log REGEX SECS [FILE]  grep -E REGEX in FILE ($SB_LOG)
#	sandbox_log_count REGEX [FILE]	print how many lines match
#	sandbox_sink_count		messages smtp-sink has received
#	sandbox_wait_sink_count N SECS	wait until smtp-sink has N messages
#	sandbox_send N [PORT [SMTP-SOURCE-OPTION...]]
#					smtp-source -m N -s 4 (unique recipients
#					N@sink.test) into PORT ($SB_SMTP_PORT)
#	sandbox_smtp PORT FROM RCPT... < MESSAGE
#					one SMTP transaction (bash /dev/tcp);
#					prints the final reply ("250 ... queued
#					as QID"); fails on any other reply
#	sandbox_sendmail FROM RCPT... < MESSAGE
#					sendmail -C $SB_CONF (maildrop, pickup)
#	sandbox_postqueue [ARG...]	postqueue -c $SB_CONF ARG... (default -p)
#	sandbox_relay_to PORT		relayhost=[127.0.0.1]:PORT and reload
#	sandbox_start_postfix NAME	one more Postfix beside the first, with
#					its own directories and port; sets
#					SB_CONF_NAME, SB_QUEUE_NAME,
#					SB_SMTP_PORT_NAME; syslog_name
#					postfix-NAME; relays to smtp-sink; stopped
#					by sandbox_stop.  Other functions act on
#					it with a prefix: SB_CONF=$SB_CONF_NAME
#					SB_QUEUE=$SB_QUEUE_NAME sandbox_postconf ...
#	testsink_start [-r] RULES [OPTION...]
#					start sandbox/sink/campaign-testsink with
#					RULES (a file, see its header) on a free
#					port; sets TESTSINK_PORT, TESTSINK_DIR
#					(messages), TESTSINK_LOG (one line per
#					recipient outcome), TESTSINK_COUNTS
#					(counters), TESTSINK_PID; -r also
#					makes it the sandbox's relayhost.
#					Several may run; the variables name
#					the last one started.
#	testsink_count REGEX		lines of TESTSINK_LOG matching REGEX
#	testsink_msg_count		messages in TESTSINK_DIR/msg
#	testsink_counter NAME		a counter: connections, messages,
#					rcpt_2xx, rcpt_4xx, rcpt_5xx, data_2xx...
# HELPERS (stable; tests may use them)
#	sb_poll SECS CMD...		run CMD every 0.1 s until it succeeds
#	wait_for SECS WHAT CMD...	sb_poll; says what timed out on stderr
#	sb_now_ms			milliseconds since the epoch
#	sb_bg OUTFILE CMD...		start a daemon in the background; its PID
#					is in SB_BG and sandbox_stop stops it
#	sb_alive PID, sb_dead PID	kill -0
#	sb_daemon NAME DIR READY CMD...	start a daemon that writes DIR/pid;
#					wait for it and for READY; PID in SB_BG
#	sb_stop_daemon NAME PID		SIGTERM, wait (20 s) until it is gone
#	sb_smtp_ready PORT		a 220 greeting on 127.0.0.1:PORT
#	sb_ready PID PORT		PID itself listens on PORT and greets
#	sb_wait_daemon PID PORT SECS	wait for sb_ready, fail fast if PID exits
#	sb_pf_master_pid CONF		the running master of that Postfix
#	sb_pids_under DIR		PIDs whose cwd or command line names DIR
#	sb_prog PATH			the sandbox's installed copy of a program
#					of the build tree (PATH relative to
#					CAMPAIGN_BUILD, e.g. filter/campaign-filter),
#					or the build tree's own when not installed
#	fd 7 SMTP dialogue: sb_reply (reads one reply into SB_REPLY),
#	sb_cmd CODE LINE (sends LINE, expects CODE)
# VARIABLES (set by sandbox_start)
#	SB SB_CONF SB_QUEUE SB_LOG SB_LOGDIR SB_SMTP_PORT SB_SINK_PORT
#	SB_SINK_DIR SB_SYSLOG_PID SB_SINK_PID SB_MASTER_PID SB_BIN
# ENVIRONMENT (read by sandbox_start)
#	SB_SYSLOG_FRAGMENT=FILE	a syslog-ng conf.d fragment (such as
#		syslog/'s) included after the sandbox's own catch-all path.
#		Contract: the fragment reads from the source s_src (as
#		Debian's syslog-ng.conf names it), and every path beginning
#		/var/log/ in it is rewritten to $SB_LOGDIR/ (so
#		/var/log/maillog becomes $SB_LOGDIR/maillog).  The fragment
#		may also use the @define'd variables `sb_logdir` and `sb`.
#		The included copy is $SB/syslog-fragment.conf.
#	SB_SYSLOG_ALL=no	no catch-all path: $SB_LOG then only gets the
#		sandbox's own readiness lines (for measuring a fragment's cost).
#	SB_SINK=no		no smtp-sink (relayhost is then set by the test).
#	SB_POSTFIX=no		no Postfix: only syslog-ng and smtp-sink (a
#		test may still add instances with sandbox_start_postfix).
#	SB_SINK_DUMP=no		smtp-sink without dump files (fast, for
#		benchmarks); sandbox_sink_count then reads its counters.
#	SB_KEEP=1		keep $SB after sandbox_stop (it is removed
#		otherwise); on a failure the tail of $SB_LOG is printed.
#	CAMPAIGN_BUILD		where campaign-testsink and the project's
#		programs are built.  sandbox_start installs every program of
#		it (campaign-* and campaignstat, tests excepted) into $SB_BIN
#		($SB/bin, mode 755 in the world-traversable $SB), because
#		Postfix runs some of them as unprivileged users (pipe(8) runs
#		campaign-filter as the filter user) who cannot reach a build
#		tree in a 0700 directory such as /root.  The permissions of
#		the user's own directories are never changed.
#	ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS: when set, each Postfix
#		instance is configured (import_environment,
#		export_environment) to pass them on to pipe(8)'s commands, so a
#		sanitizer build of campaign-filter reports where tests/run looks.
# FILES
#	$SB/conf/{main,master}.cf, $SB/queue, $SB/log/all.log,
#	$SB/syslog-ng.conf, $SB/sink/, $SB/testsink.*/
# SEE ALSO
#	sandbox/ns-exec, sandbox/sink/campaign-testsink.c, sandbox/lib.sh

SB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CAMPAIGN_BUILD:=$SB_SRC/build}"
SB=
SB_STOPPED=1
SB_SINK_NODUMP=0
SB_PIDS=()		# daemons started in the background, stopped by PID
SB_PF_CONFS=()		# Postfix config directories started
SB_PORTS_GIVEN=" "

sb_err() { echo "sandbox: $*" >&2; }

# sb_lo_mtu - the loopback's MTU in this network namespace (from ip(8):
# /sys shows the namespace that mounted it, not this one)
sb_lo_mtu() { ip -o link show lo 2>/dev/null | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }

# sb_now_ms - milliseconds since the epoch
# (bash's EPOCHREALTIME, "SECONDS.MICROSECONDS": no date process per poll)
sb_now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $(( 10#$t / 1000 )); }

# sb_poll SECS CMD... - run CMD every 0.1 s until it succeeds or SECS
# (may have decimals) pass: the one bounded poll of the project's scripts
sb_poll() {
	local ms deadline
	if [[ $1 =~ ^[0-9]+$ ]]; then
		ms=$(( $1 * 1000 ))
	else
		ms=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }')
	fi
	deadline=$(( $(sb_now_ms) + ms ))
	shift
	until "$@"; do
		[ "$(sb_now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# wait_for SECS WHAT CMD... - sb_poll, saying on stderr what timed out
wait_for() {
	local secs=$1 what=$2
	shift 2
	sb_poll "$secs" "$@" && return 0
	echo "# timed out after ${secs}s waiting for: $what" >&2
	return 1
}

# sb_port_in_use PORT - some TCP socket (any state) uses local PORT
sb_port_in_use() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -q -- "^ *[0-9]*: [0-9A-F]*$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# sandbox_free_port - print a free port in 20000..32767, below the
# ephemeral range so no outgoing connection can take it meanwhile
sandbox_free_port() {
	local i p
	for i in $(seq 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12768 ))
		case $SB_PORTS_GIVEN in *" $p "*) continue ;; esac
		sb_port_in_use "$p" && continue
		SB_PORTS_GIVEN="$SB_PORTS_GIVEN$p "
		echo "$p"
		return 0
	done
	sb_err "no free port found"
	return 1
}

# sb_smtp_ready PORT - a server on PORT sends a 220 greeting
sb_smtp_ready() {
	local line
	{ exec 7<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	read -r -t 2 line <&7
	printf 'QUIT\r\n' >&7 2>/dev/null
	exec 7<&- 7>&-
	[[ $line == 220* ]]
}

# sb_listens PID PORT - process PID holds the socket listening on PORT
# (so a readiness probe cannot be answered by a stranger on that port)
sb_listens() {
	local inode f
	inode=$(awk -v p="$(printf ':%04X' "$2")" \
		'$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }' \
		/proc/net/tcp 2>/dev/null)
	[ -n "$inode" ] || return 1
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "socket:[$inode]" ] && return 0
	done
	return 1
}

# sb_ready PID PORT - PID listens on PORT and answers with a 220 greeting
sb_ready() { sb_listens "$1" "$2" && sb_smtp_ready "$2"; }

sb_ready_or_gone() { sb_dead "$1" || sb_ready "$1" "$2"; }

# sb_wait_daemon PID PORT SECS - wait until PID serves PORT; fails at once
# when PID exits (a port taken meanwhile, say)
sb_wait_daemon() {
	sb_poll "$3" sb_ready_or_gone "$1" "$2" && sb_alive "$1"
}

# sb_pf_ready CONF PORT - that Postfix's master listens on PORT, smtpd greets
sb_pf_ready() {
	local pid
	pid=$(sb_pf_master_pid "$1") && sb_ready "$pid" "$2"
}

sb_alive() { kill -0 "$1" 2>/dev/null; }
sb_dead() { ! kill -0 "$1" 2>/dev/null; }

# sb_daemon NAME DIR READY-CMD CMD... - start CMD, a daemon that writes its
# PID to DIR/pid and detaches; its output in DIR/start.out.  Waits (10 s
# each) for the pid file, then for READY-CMD.  The PID is in SB_BG (empty
# when there is none) and recorded for sandbox_stop.
sb_daemon() {
	local name=$1 dir=$2 ready=$3
	shift 3
	SB_BG=
	rm -f "$dir/pid"
	"$@" </dev/null >"$dir/start.out" 2>&1 || {
		echo "# $name did not start: $(cat "$dir/start.out")" >&2
		return 1
	}
	wait_for 10 "$name pid file" test -s "$dir/pid" || return 1
	read -r SB_BG < "$dir/pid"
	SB_PIDS+=("$SB_BG")
	wait_for 10 "$name ready" "$ready"
}

# sb_stop_daemon NAME PID - SIGTERM; 0 when PID is gone within 20 s
sb_stop_daemon() {
	kill -TERM "$2" 2>/dev/null
	wait_for 20 "$1 exits" sb_dead "$2"
}

# sb_bg LOGFILE CMD... - start CMD in the background, record its PID in SB_BG
sb_bg() {
	local out=$1; shift
	"$@" </dev/null >>"$out" 2>&1 &
	SB_BG=$!
	SB_PIDS+=("$SB_BG")
}

# --- syslog-ng ------------------------------------------------------------

sb_syslog_conf() {
	cat <<EOF
@version: 3.38
@define sb "$SB"
@define sb_logdir "$SB_LOGDIR"
options { keep_hostname(yes); chain_hostnames(no); stats_freq(0);
	create_dirs(yes); flush_lines(0); log_msg_size(65536); };
source s_src { unix-dgram("/dev/log"); internal(); };
EOF
	if [ "${SB_SYSLOG_ALL:-yes}" = no ]; then
		echo 'filter f_sb_ready { program("sandbox"); };'
		echo 'log { source(s_src); filter(f_sb_ready); destination(d_sb_all); };'
	else
		echo 'log { source(s_src); destination(d_sb_all); };'
	fi | sed '1i destination d_sb_all { file("`sb_logdir`/all.log"); };'
	if [ -n "${SB_SYSLOG_FRAGMENT:-}" ]; then
		sed "s|/var/log/|$SB_LOGDIR/|g" "$SB_SYSLOG_FRAGMENT" \
			> "$SB/syslog-fragment.conf" || return 1
		echo "@include \"$SB/syslog-fragment.conf\""
	fi
}

# sb_log_has FIXED - $SB_LOG contains the fixed string
sb_log_has() { grep -qF -- "$1" "$SB_LOG" 2>/dev/null; }

# sb_syslog_ready TOKEN - send TOKEN through /dev/log, see it in $SB_LOG
sb_syslog_ready() {
	sb_alive "$SB_SYSLOG_PID" || return 2
	[ -S /dev/log ] || return 1
	sb_log_has "$1" && return 0
	logger -u /dev/log -t sandbox -p mail.notice "$1" 2>/dev/null
	sb_log_has "$1"
}

sb_start_syslog() {
	local token="sandbox syslog ready $SB"
	if [ -e /dev/log ]; then
		sb_err "/dev/log exists: another sandbox runs in this namespace"
		return 1
	fi
	sb_syslog_conf > "$SB/syslog-ng.conf" || return 1
	# (syslog/'s sending-box files draw one documented WARNING, dropped)
	syslog-ng -s -f "$SB/syslog-ng.conf" 2>&1 |
		grep -v "obsoleted keyword.*keyword='pass_unix_credentials'" >&2
	[ "${PIPESTATUS[0]}" = 0 ] || { sb_err "bad syslog-ng config"; return 1; }
	sb_bg "$SB/syslog-ng.out" syslog-ng -F -f "$SB/syslog-ng.conf" \
		-p "$SB/syslog-ng.pid" -c "$SB/syslog-ng.ctl" \
		-R "$SB/syslog-ng.persist" --no-caps
	SB_SYSLOG_PID=$SB_BG
	if ! sb_poll 20 sb_syslog_ready "$token"; then
		sb_err "syslog-ng did not start: $(tail -5 "$SB/syslog-ng.out")"
		return 1
	fi
}

# --- smtp-sink ------------------------------------------------------------

sb_start_sink() {
	local try
	SB_SINK_DIR=$SB/sink
	SB_SINK_NODUMP=0
	[ "${SB_SINK_DUMP:-yes}" = no ] && SB_SINK_NODUMP=1
	mkdir -p "$SB_SINK_DIR" && chown postfix "$SB_SINK_DIR" || return 1
	for try in 1 2 3; do
		SB_SINK_PORT=$(sandbox_free_port) || return 1
		SB_PORTS_GIVEN="$SB_PORTS_GIVEN$SB_SINK_PORT "
		if [ "$SB_SINK_NODUMP" = 1 ]; then
			sb_bg "$SB/sink.out" smtp-sink -c -u postfix \
				"127.0.0.1:$SB_SINK_PORT" 1000
		else
			sb_bg "$SB/sink.out" smtp-sink -u postfix \
				-d "$SB_SINK_DIR/msg." "127.0.0.1:$SB_SINK_PORT" 1000
		fi
		SB_SINK_PID=$SB_BG
		sb_wait_daemon "$SB_SINK_PID" "$SB_SINK_PORT" 10 && return 0
		sb_alive "$SB_SINK_PID" && break
	done
	sb_err "smtp-sink did not start: $(tail -3 "$SB/sink.out")"
	return 1
}

# sandbox_sink_count - messages smtp-sink has received
sandbox_sink_count() {
	local t
	if [ "$SB_SINK_NODUMP" = 1 ]; then
		# -c keeps appending "sess=N quit=N mesg=N" after a \r: the last
		# one is in the file's tail (reading the whole file on every poll
		# took a core once it held 100,000 counters)
		t=$(tail -c 256 "$SB/sink.out" 2>/dev/null)
		case $t in *mesg=[0-9]*) ;; *) echo 0; return ;; esac
		t=${t##*mesg=}
		t=${t%%[!0-9]*}
		echo $(( 10#$t ))
		return
	fi
	find "$SB_SINK_DIR" -type f -name 'msg.*' | wc -l
}

sb_sink_count_ge() { [ "$(sandbox_sink_count)" -ge "$1" ]; }

# sandbox_wait_sink_count N SECS
sandbox_wait_sink_count() { sb_poll "$2" sb_sink_count_ge "$1"; }

# --- Postfix --------------------------------------------------------------

# sb_pf_files DIR NAME SMTP_PORT - write main.cf and master.cf into DIR/conf
sb_pf_files() {
	local dir=$1 name=$2 port=$3 conf=$1/conf proto
	mkdir -p "$conf" "$dir/queue" "$dir/data" || return 1
	chown postfix "$dir/data"
	proto=/etc/postfix/master.cf.proto
	[ -f "$proto" ] || proto=/usr/share/postfix/master.cf.dist
	cp "$proto" "$conf/master.cf" && : > "$conf/main.cf" || return 1
	postconf -c "$conf" -e \
		"compatibility_level = 3.6" \
		"queue_directory = $dir/queue" \
		"data_directory = $dir/data" \
		"mail_owner = postfix" \
		"setgid_group = postdrop" \
		"syslog_name = $name" \
		"myhostname = sandbox.campaign.test" \
		"mydomain = campaign.test" \
		"myorigin = \$myhostname" \
		"mydestination =" \
		"inet_interfaces = 127.0.0.1" \
		"inet_protocols = ipv4" \
		"mynetworks = 127.0.0.0/8" \
		"relayhost = [127.0.0.1]:${SB_SINK_PORT:-25}" \
		"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
		"alias_maps =" "alias_database =" "biff = no" \
		"append_dot_mydomain = no" \
		"smtpd_banner = \$myhostname ESMTP" || return 1
	sb_pf_san_env "$conf" || return 1
	postconf -c "$conf" -MX smtp/inet &&
	postconf -c "$conf" -M "127.0.0.1:$port/inet = 127.0.0.1:$port inet n - n - - smtpd" &&
	postconf -c "$conf" -F '*/*/chroot = n'
}

# sb_pf_san_env CONF - when the test runs with sanitizer options, Postfix
# passes them on to the commands pipe(8) runs (campaign-filter); otherwise
# master(8) and pipe(8) would strip them from the environment
sb_pf_san_env() {
	local v names=
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!v:-}" ] && names="$names $v"
	done
	[ -n "$names" ] || return 0
	postconf -c "$1" -e \
		"import_environment = $(postconf -dh import_environment)$names" \
		"export_environment = $(postconf -dh export_environment)$names"
}

# sb_pf_master_pid CONF - print the running master's PID
sb_pf_master_pid() {
	local q pid
	q=$(postconf -c "$1" -h queue_directory) || return 1
	read -r pid < "$q/pid/master.pid" 2>/dev/null || return 1
	sb_alive "$pid" && echo "$pid"
}

# sb_pf_start DIR NAME PORT - configure, check and start one Postfix
sb_pf_start() {
	local dir=$1 conf=$1/conf
	sb_pf_files "$@" || { sb_err "cannot write the Postfix configuration"; return 1; }
	if ! postfix -c "$conf" check 2>"$dir/check.err" || [ -s "$dir/check.err" ]; then
		sb_err "postfix check: $(cat "$dir/check.err")"
		return 1
	fi
	SB_PF_CONFS+=("$conf")
	# the check above did what "postfix start" would check again
	touch "$dir/queue/quick-start"
	postfix -c "$conf" start 2>"$dir/start.err" ||
		{ sb_err "postfix start: $(cat "$dir/start.err")$(grep -E 'fatal|error' "$SB_LOG" | tail -n 2)"; return 1; }
	if ! sb_poll 30 sb_pf_ready "$conf" "$3"; then
		sb_err "Postfix smtpd on port $3 did not answer"
		return 1
	fi
}

# sb_pf_stop CONF - stop one Postfix by its master PID
sb_pf_stop() {
	local conf=$1 pid
	pid=$(sb_pf_master_pid "$conf") || return 0
	postfix -c "$conf" stop >/dev/null 2>&1
	sb_poll 20 sb_dead "$pid" && return 0
	postfix -c "$conf" abort >/dev/null 2>&1
	sb_poll 5 sb_dead "$pid" && return 0
	kill -KILL "$pid" 2>/dev/null
	sb_poll 5 sb_dead "$pid"
}

# sb_pf_start_port DIR NAME - sb_pf_start on a free port, left in
# SB_PF_PORT; when another program took the port meanwhile, tries another
sb_pf_start_port() {
	local try
	for try in 1 2 3; do
		SB_PF_PORT=$(sandbox_free_port) || return 1
		SB_PORTS_GIVEN="$SB_PORTS_GIVEN$SB_PF_PORT "
		sb_pf_start "$1" "$2" "$SB_PF_PORT" && return 0
		sb_pf_master_pid "$1/conf" > /dev/null && return 1
		sb_port_in_use "$SB_PF_PORT" || return 1
		sb_err "port $SB_PF_PORT was taken meanwhile, trying another"
	done
	return 1
}

# sandbox_start_postfix NAME - another Postfix beside the first
sandbox_start_postfix() {
	local name=$1 dir port
	[[ $name =~ ^[A-Za-z0-9_]+$ ]] || { sb_err "bad instance name '$name'"; return 1; }
	[ -n "$SB" ] || { sb_err "sandbox_start first"; return 1; }
	dir=$SB/pf-$name
	sb_pf_start_port "$dir" "postfix-$name" || return 1
	port=$SB_PF_PORT
	printf -v "SB_CONF_$name" %s "$dir/conf"
	printf -v "SB_QUEUE_$name" %s "$dir/queue"
	printf -v "SB_SMTP_PORT_$name" %s "$port"
}

sandbox_postconf() { postconf -c "$SB_CONF" -e "$@"; }

# sandbox_sendmail FROM RCPT... < MESSAGE - submit through the sandbox's
# maildrop and pickup (as root: a non-root sendmail -C is refused unless
# the directory is in the default main.cf's alternate_config_directories)
sandbox_sendmail() {
	local from=$1; shift
	sendmail -C "$SB_CONF" -f "$from" -- "$@"
}

sandbox_postqueue() {
	if [ $# -eq 0 ]; then set -- -p; fi
	postqueue -c "$SB_CONF" "$@"
}

# sandbox_reload - postfix reload; waits until master logs the reload
sandbox_reload() {
	local before
	before=$(sandbox_log_count 'postfix[-A-Za-z0-9_]*/master\[[0-9]+\]: reload')
	postfix -c "$SB_CONF" reload >/dev/null 2>&1 || { sb_err "postfix reload failed"; return 1; }
	sb_poll 10 sb_log_count_gt 'postfix[-A-Za-z0-9_]*/master\[[0-9]+\]: reload' "$before" ||
		{ sb_err "no reload line in $SB_LOG"; return 1; }
}

# (and qmgr's wake-up from 300 s to 10 s: a queue file that qmgr finds
# locked, after a reload or a quick retry, goes back to the incoming queue
# 60 s ahead, and only an incoming scan after that time takes it; new
# mail or the wake-up starts one, so at 300 s such a file could outlast
# a test's wait for an empty queue)
sandbox_fast_retry() {
	sandbox_postconf queue_run_delay=1s minimal_backoff_time=1s \
		maximal_backoff_time=2s &&
		postconf -c "$SB_CONF" -F "qmgr/unix/wakeup = 10" && sandbox_reload
}

# sb_stranded [NAME] - the files of the incoming queue whose time is more
# than 2 s ahead (named NAME, a queue id, when given): see sb_unstrand
sb_stranded() {
	find "$SB_QUEUE/incoming" -type f ${1:+-name "$1"} \
		-newermt "@$(( $(date +%s) + 2 ))" 2>/dev/null
}

# sb_unstrand - qmgr(8) puts a queue file it finds locked back in the
# incoming queue with its time 60 s ahead (qmgr_active.c: after a qmgr
# restart, i.e. a reload, or when a deferred file is rescanned before
# the smtp(8) process that deferred it has let it go, which the 1 s
# retries make likely on a loaded machine); only the next incoming scan
# after those 60 s (new mail, qmgr's 300 s wake-up) brings it back.  A
# file of the incoming queue whose time is more than 2 s ahead is such a
# file (call this at least once a minute: past its time it looks like any
# file waiting for room in the active queue): it gets the time now, and
# qmgr an incoming scan (postkick I).
sb_unstrand() {
	local f n=0
	for f in $(sb_stranded); do
		touch "$f" && n=$(( n + 1 ))
	done
	[ "$n" -eq 0 ] || postkick -c "$SB_CONF" public qmgr I 2>/dev/null
	echo "$n"
}

sandbox_relay_to() {
	sandbox_postconf "relayhost = [127.0.0.1]:$1" && sandbox_reload
}

sb_queue_empty() {
	local d n
	for d in incoming active deferred maildrop; do
		[ -d "$SB_QUEUE/$d" ] || continue
		n=$(find "$SB_QUEUE/$d" -type f -print -quit)
		[ -z "$n" ] || return 1
	done
}

# sandbox_wait_queue_empty SECS
sandbox_wait_queue_empty() {
	sb_poll "$1" sb_queue_empty && return 0
	sb_err "queue not empty after $1 s; what is left (mode, age, file):"
	sb_queue_left >&2
	return 1
}

# sb_queue_left - the files left in the mail queues, with their mode and
# age in seconds (a complete queue file has mode 0700; an incomplete one,
# left by a cleanup(8) that was stopped, has not), then postqueue -p
sb_queue_left() {
	local now d
	now=$(date +%s)
	for d in incoming active deferred maildrop hold; do
		[ -d "$SB_QUEUE/$d" ] || continue
		find "$SB_QUEUE/$d" -type f -printf "%m %T@ %p\n" | head -20 |
			while read -r m t f; do echo "  $m $((now - ${t%.*}))s $f"; done
	done
	postqueue -c "$SB_CONF" -p 2>&1 | head -30 | sed 's/^/  /'
}

# sandbox_log_count REGEX [FILE]
sandbox_log_count() { grep -cE -- "$1" "${2:-$SB_LOG}" 2>/dev/null || true; }

sb_log_count_gt() { [ "$(sandbox_log_count "$1")" -gt "$2" ]; }
sb_log_match() { grep -qE -- "$1" "${2:-$SB_LOG}" 2>/dev/null; }

# sandbox_wait_log REGEX SECS [FILE]
sandbox_wait_log() {
	sb_poll "$2" sb_log_match "$1" "${3:-$SB_LOG}" ||
		{ sb_err "no line matching '$1' in ${3:-$SB_LOG} after $2 s"; return 1; }
}

# sandbox_send N [PORT [SMTP-SOURCE-OPTION...]]
sandbox_send() {
	local n=$1 port=${2:-$SB_SMTP_PORT}
	shift; [ $# -gt 0 ] && shift
	smtp-source -m "$n" -s 4 -N -M sandbox.campaign.test \
		-f sender@campaign.test -t rcpt@sink.test "$@" "127.0.0.1:$port"
}

# sb_reply - read one SMTP reply from fd 7 into SB_REPLY (last line)
sb_reply() {
	local line
	while IFS= read -r -t 30 line <&7; do
		line=${line%$'\r'}
		[[ $line =~ ^[0-9]{3}- ]] && continue
		SB_REPLY=$line
		return 0
	done
	SB_REPLY="(no reply)"
	return 1
}

# sb_cmd CODE LINE - send LINE, expect a reply starting with CODE
sb_cmd() {
	printf '%s\r\n' "$2" >&7
	sb_reply && [[ $SB_REPLY == "$1"* ]]
}

# sandbox_smtp PORT FROM RCPT... < MESSAGE - one SMTP transaction, message
# on stdin (dot-stuffed here); prints the final reply (250 ... queued as
# QID); fails on any unexpected reply, which it prints on stderr
sandbox_smtp() {
	local port=$1 from=$2 r line ok=1; shift 2
	{ exec 7<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null ||
		{ sb_err "cannot connect to port $port"; return 1; }
	sb_reply && [[ $SB_REPLY == 220* ]] && sb_cmd 250 "EHLO client.campaign.test" &&
		sb_cmd 250 "MAIL FROM:<$from>" || ok=0
	for r in "$@"; do
		[ $ok = 1 ] && { sb_cmd 250 "RCPT TO:<$r>" || ok=0; }
	done
	if [ $ok = 1 ] && sb_cmd 354 DATA; then
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%$'\r'}
			[[ $line == .* ]] && line=.$line
			printf '%s\r\n' "$line" >&7
		done
		sb_cmd 250 . || ok=0
	else
		ok=0
	fi
	[ $ok = 1 ] && echo "$SB_REPLY" || sb_err "port $port: $SB_REPLY"
	printf 'QUIT\r\n' >&7 2>/dev/null
	exec 7<&- 7>&-
	[ $ok = 1 ]
}

# --- the test sink --------------------------------------------------------

# testsink_start [-r] RULES [OPTION...]
testsink_start() {
	local relay=0 prog=$CAMPAIGN_BUILD/sandbox/sink/campaign-testsink try
	[ "${1:-}" = -r ] && { relay=1; shift; }
	[ -x "$prog" ] || { sb_err "$prog is not built"; return 1; }
	TESTSINK_DIR=$(mktemp -d "$SB/testsink.XXXXXX") || return 1
	TESTSINK_LOG=$TESTSINK_DIR/outcomes.log
	TESTSINK_COUNTS=$TESTSINK_DIR/counts
	for try in 1 2 3; do
		TESTSINK_PORT=$(sandbox_free_port) || return 1
		SB_PORTS_GIVEN="$SB_PORTS_GIVEN$TESTSINK_PORT "
		sb_bg "$TESTSINK_DIR/stderr" "$prog" -p "$TESTSINK_PORT" \
			-r "$1" -d "$TESTSINK_DIR/msg" -l "$TESTSINK_LOG" \
			-c "$TESTSINK_COUNTS" "${@:2}"
		TESTSINK_PID=$SB_BG
		sb_wait_daemon "$TESTSINK_PID" "$TESTSINK_PORT" 10 && break
		sb_alive "$TESTSINK_PID" ||
			{ [ $try -lt 3 ] && continue; }
		sb_err "campaign-testsink did not start: $(tail -3 "$TESTSINK_DIR/stderr")"
		return 1
	done
	[ $relay = 1 ] && sandbox_relay_to "$TESTSINK_PORT"
	return 0
}

# testsink_count REGEX - outcome lines matching REGEX
testsink_count() { sandbox_log_count "$1" "$TESTSINK_LOG"; }

# testsink_msg_count - messages the test sink accepted
testsink_msg_count() { find "$TESTSINK_DIR/msg" -name 'msg.*' -type f 2>/dev/null | wc -l; }

# testsink_counter NAME - one counter of the test sink (e.g. rcpt_5xx)
testsink_counter() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"$TESTSINK_COUNTS" 2>/dev/null || echo 0
}

# --- the programs, where unprivileged users reach them -----------------

# sb_install_programs - copy the build tree's programs into $SB_BIN,
# keeping their relative paths (filter/campaign-filter); a program that
# is not built is simply not there
sb_install_programs() {
	local f rel
	SB_BIN=$SB/bin
	mkdir -p "$SB_BIN" && chmod 755 "$SB_BIN" || return 1
	[ -d "$CAMPAIGN_BUILD" ] || return 0
	for f in "$CAMPAIGN_BUILD"/*/campaign-* "$CAMPAIGN_BUILD"/*/campaignstat; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		rel=${f#"$CAMPAIGN_BUILD"/}
		mkdir -p "$SB_BIN/${rel%/*}" && chmod 755 "$SB_BIN/${rel%/*}" &&
			install -m 755 "$f" "$SB_BIN/$rel" ||
			{ sb_err "cannot install $f into $SB_BIN"; return 1; }
	done
}

# sb_prog PATH - the installed copy of CAMPAIGN_BUILD/PATH, else the original
sb_prog() {
	if [ -n "${SB_BIN:-}" ] && [ -x "$SB_BIN/$1" ]; then
		echo "$SB_BIN/$1"
	else
		echo "$CAMPAIGN_BUILD/$1"
	fi
}

# --- start and stop -------------------------------------------------------

# sb_on_signal STATUS - exit (which runs sandbox_stop); a second signal
# must not cut the clean-up short, so the handlers become no-ops
sb_on_signal() {
	trap : TERM INT HUP
	exit "$1"
}

sandbox_start() {
	if [ ! -e /dev/.campaign-ns ]; then
		sb_err "not inside sandbox/ns-exec (run: sandbox/ns-exec bash $0)"
		return 1
	fi
	[ "$SB_STOPPED" = 1 ] || { sb_err "a sandbox is already running"; return 1; }
	SB=$(mktemp -d /tmp/campaign-sb.XXXXXX) || return 1
	chmod 755 "$SB"
	SB_STOPPED=0 SB_PIDS=() SB_PF_CONFS=()
	SB_SMTP_PORT= SB_MASTER_PID= SB_SINK_PORT= SB_SINK_PID=
	trap sandbox_stop EXIT
	trap 'sb_on_signal 143' TERM
	trap 'sb_on_signal 130' INT
	trap 'sb_on_signal 129' HUP
	SB_LOGDIR=$SB/log SB_LOG=$SB/log/all.log
	SB_CONF=$SB/conf SB_QUEUE=$SB/queue
	mkdir -p "$SB_LOGDIR" || return 1
	sb_install_programs || return 1
	sb_start_syslog || return 1
	if [ "${SB_SINK:-yes}" != no ]; then
		sb_start_sink || return 1
	fi
	if [ "${SB_POSTFIX:-yes}" != no ]; then
		sb_pf_start_port "$SB" postfix || return 1
		SB_SMTP_PORT=$SB_PF_PORT
		SB_MASTER_PID=$(sb_pf_master_pid "$SB_CONF")
	fi
	export SB SB_CONF SB_QUEUE SB_LOG SB_LOGDIR SB_SMTP_PORT SB_SINK_PORT SB_SINK_DIR SB_BIN
}

# sb_pids_under DIR - PIDs of processes whose cwd or command line names DIR
sb_pids_under() {
	local p cwd
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		[ "$p" = "$BASHPID" ] && continue
		cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
		if [[ $cwd == "$1" || $cwd == "$1"/* ]] ||
			tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then
			echo "$p"
		fi
	done
}

sb_none_under() { [ -z "$(sb_pids_under "$1")" ]; }

# sb_kill_recorded - TERM every recorded daemon, wait, then KILL
sb_kill_recorded() {
	local p
	for p in "${SB_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${SB_PIDS[@]}"; do
		sb_poll 10 sb_dead "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

sandbox_stop() {
	local st=$? i p failed=0
	local -		# a caller's set -e or -u must not cut the clean-up short
	set +e +u
	[ "$SB_STOPPED" = 1 ] && return 0
	SB_STOPPED=1
	if declare -F sandbox_cleanup_hook >/dev/null; then sandbox_cleanup_hook; fi
	for (( i = ${#SB_PF_CONFS[@]} - 1; i >= 0; i-- )); do
		sb_pf_stop "${SB_PF_CONFS[i]}" || failed=1
	done
	sb_kill_recorded
	# what is left (Postfix children, a daemon that forked): by PID
	if ! sb_poll 10 sb_none_under "$SB"; then
		for p in $(sb_pids_under "$SB"); do
			sb_err "killing leftover process $p: $(tr '\0' ' ' < "/proc/$p/cmdline")"
			kill -KILL "$p" 2>/dev/null
		done
		failed=1
	fi
	rm -f /dev/log
	if [ "$st" != 0 ] || [ "${T_FAILED:-0}" != 0 ]; then
		echo "# sandbox log tail ($SB_LOG):"
		tail -n 25 "$SB_LOG" 2>/dev/null | sed 's/^/#   /'
	fi
	if [ "${SB_KEEP:-}" = 1 ]; then
		echo "# sandbox kept in $SB"
	else
		rm -rf "$SB"
	fi
	return $failed
}
