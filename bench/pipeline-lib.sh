# NAME
#	bench/pipeline-lib.sh - what bench/pipeline and bench/tuning share
# SYNOPSIS
#	. "$src/bench/pipeline-lib.sh"	(after sandbox/sandbox.sh)
#	pl_message FILE BYTES CAMPAIGN	a campaign message of about BYTES
#	pl_tune [SETTINGS_FILE]		apply main.cf.campaign's main.cf lines
#	pl_campaign_path [SETUP-OPTION...]  milter + campaign-setup (needs the
#					milter and filter tests' libraries)
#	pl_measure PORT N SESSIONS RCPTS FILE	smtp-source into PORT; sets
#					R_SECS R_RATE; CPU per process in R_CPU
#	pl_measure_box PORT N SESSIONS RCPTS FILE SECS
#					the same, done when the queue is
#					empty or after SECS; rate in delivered
#					recipients/s (R_SENT of N*RCPTS, R_DONE)
#	pl_logging			SB_SYSLOG_* as a real campaign box logs
#					(syslog/'s fragment, no catch-all)
# DESCRIPTION
#	pl_measure starts a sampler that reads /proc/PID/stat of every
#	process whose working directory is under $SB (Postfix's daemons run
#	in the queue directory) plus syslog-ng, smtp-sink and the milter,
#	once a second, keeping the last CPU time (user + system) seen per
#	PID, and for pipe(8) also the CPU of the children it waited for (the
#	filter runs).  The clock runs from the first connection of
#	smtp-source until smtp-sink has counted every message and the queue
#	is empty.  R_CPU holds "name seconds" lines, largest first.  Times
#	are measured, never asserted.  PL_KEEP=yes: smtp-source -d, each
#	session keeps its connection for all its messages (as campaign-feed
#	does) instead of one per message.
#
#	pl_measure_box counts recipients, not messages (one multi-recipient
#	message reaches the sink as one or several transactions): the
#	"status=sent" lines to the sink in the delivery log that syslog/'s
#	fragment writes ($SB_LOGDIR/maillog-delivery, so pl_logging first).
PL_TICK=$(getconf CLK_TCK)

# pl_message FILE BYTES CAMPAIGN - headers as a feeder sends them, then a
# body of 72-character lines up to about BYTES in all
pl_message() {
	{
		echo "From: news@campaign.test"
		echo "To: subscriber@sink.test"
		echo "Subject: campaign $3"
		echo "X-Campaign-ID: $3"
		echo "X-Campaign-Feed-Batch: 1"
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=us-ascii"
		echo
	} > "$1"
	while [ "$(wc -c < "$1")" -lt "$2" ]; do
		printf '%s\n' "The quick brown fox jumps over the lazy dog, again and again and again." >> "$1"
	done
}

# pl_tune [FILE] - the "name = value" and "remove" lines of main.cf.campaign
pl_tune() {
	local line n
	while IFS= read -r line; do
		case $line in
		''|'#'*) ;;
		'remove '*) n=${line#remove }; postconf -c "$SB_CONF" -X "${n%% = *}" 2>/dev/null ;;
		*' = '*) postconf -c "$SB_CONF" -e "$line" ;;
		esac
	done < "${1:-$src/postfix-conf/main.cf.campaign}"
}

pl_ports_ready() { sb_smtp_ready "$FL_PORT" && sb_smtp_ready "$FL_RPORT"; }

# pl_campaign_path [SETUP-OPTION...] - the full path, configured by campaign-setup
pl_campaign_path() {
	fl_setup "$@"
}

# pl_smtp_hop - after pl_campaign_path: the campaign smtpd's content filter
# becomes Postfix's smtp client to the reinjection listener (bench/pipeline
# x-smtphop: the floor of a design without a filter exec per message)
pl_smtp_hop() {
	postconf -c "$SB_CONF" -P \
		"127.0.0.1:$FL_PORT/inet/content_filter=smtp:[127.0.0.1]:$FL_RPORT"
}

# pl_sink_count - messages smtp-sink -c counted (sandbox_sink_count reads
# only the sink log's tail: polled ten times a second during a run)
pl_sink_count() { sandbox_sink_count; }
pl_done() { [ "$(pl_sink_count)" -ge "$1" ] && sb_queue_empty; }

# pl_pids [PID...] - the processes a sample covers: syslog-ng, the sink,
# the milter, the PIDs given and every process working under $SB
# (Postfix's daemons run in its queue directory)
pl_pids() {
	echo ${SB_SYSLOG_PID:-} ${SB_SINK_PID:-} ${CM_PID:-} "$@"
	find /proc -mindepth 2 -maxdepth 2 -name cwd \( -lname "$SB" -o -lname "$SB/*" \) \
		2>/dev/null | cut -d/ -f3
}

# pl_sample_of [--io] PID... - one sample: "pid comm own_ticks child_ticks"
# per process, with --io its bytes written to storage too (write_bytes
# less cancelled_write_bytes).  /proc is read with bash's read, so a
# process that has ended (or a milter PID left from an earlier run) is
# skipped, and the sample costs one awk.
pl_sample_of() {
	local io=0 p st k v wb
	[ "${1:-}" = --io ] && { io=1; shift; }
	for p in "$@"; do
		{ read -r st < "/proc/$p/stat"; } 2>/dev/null || continue
		wb=
		if [ $io = 1 ]; then
			wb=0
			while read -r k v; do
				case $k in
				write_bytes:) wb=$((wb + v)) ;;
				cancelled_write_bytes:) wb=$((wb - v)) ;;
				esac
			done 2>/dev/null < "/proc/$p/io"
		fi
		printf '%s %s\n' "${wb:--}" "$st"
	done | awk -v io=$io '{
		i = index($0, ") "); rest = substr($0, i + 2); c = substr($0, 1, i - 1)
		sub(/^[^ ]+ [0-9]+ \(/, "", c); gsub(/ /, "_", c); split(rest, a, " ")
		printf "%s %s %d %d", $2, c, a[12] + a[13], a[14] + a[15]
		if (io) printf " %s", $1
		printf "\n"
	}'
}

# pl_sample - one sample of pl_pids
pl_sample() { pl_sample_of $(pl_pids); }

# pl_sampler OUT - sample once a second until killed
pl_sampler() {
	while :; do pl_sample >> "$1"; sleep 1; done
}

# pl_cpu_report SAMPLES - seconds per process name, largest first
pl_cpu_report() {
	awk -v t="$PL_TICK" '
		{ own[$1] = $3; kid[$1] = $4; name[$1] = $2 }
		END {
			for (p in own) {
				s[name[p]] += own[p]
				if (name[p] == "pipe") s["campaign-filter(pipe-children)"] += kid[p]
			}
			for (n in s) if (s[n] > 0) printf "%s %.2f\n", n, s[n] / t
		}' "$1" | sort -k2 -rn
}

# pl_measure PORT N SESSIONS RCPTS FILE - one injection, timed
pl_measure() {
	local port=$1 n=$2 sessions=$3 rcpts=$4 file=$5 t0 t1 spid limit
	limit=$(( n / 20 + 120 ))
	: > "$SB/cpu.samples"
	pl_sampler "$SB/cpu.samples" &
	spid=$!
	t0=$(sb_now_ms)
	smtp-source ${PL_KEEP:+-d} -m "$n" -s "$sessions" -r "$rcpts" -N -M sandbox.campaign.test \
		-F "$file" -f sender@campaign.test -t rcpt@sink.test "127.0.0.1:$port" ||
		{ kill "$spid"; wait "$spid" 2>/dev/null; echo "# smtp-source failed" >&2; return 1; }
	if ! sb_poll "$limit" pl_done "$(( n * rcpts ))"; then
		kill "$spid"; wait "$spid" 2>/dev/null
		echo "# the sink got $(pl_sink_count) of $(( n * rcpts ))" >&2
		return 1
	fi
	t1=$(sb_now_ms)
	pl_sample >> "$SB/cpu.samples"
	kill "$spid"; wait "$spid" 2>/dev/null
	R_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
	R_RATE=$(awk -v n="$n" -v s="$R_SECS" 'BEGIN { printf "%.0f", n / s }')
	R_CPU=$(pl_cpu_report "$SB/cpu.samples")
}

# pl_logging - the sandbox's syslog-ng configured as a campaign box's:
# syslog/postfix-campaign.conf, no catch-all file (the filter's notice
# lines are in $SB_LOGDIR/maillog-campaign).  SB_LOG gets the sandbox's
# readiness lines and master's start and reload lines (sandbox_reload
# waits for those), a few lines per run.  The caller removes
# $PL_FRAGMENT at its end.
pl_logging() {
	PL_FRAGMENT=$(mktemp "${TMPDIR:-/tmp}/pl-fragment.XXXXXX") || return 1
	{
		cat "$src/syslog/postfix-campaign.conf"
		echo 'filter f_pl_master { program("/master$") and message("^(reload|daemon started)"); };'
		echo 'log { source(s_src); filter(f_pl_master); destination(d_sb_all); };'
	} > "$PL_FRAGMENT"
	export SB_SYSLOG_ALL=no SB_SYSLOG_FRAGMENT=$PL_FRAGMENT
	PL_MAILLOG=maillog-campaign PL_DELIVERY=maillog-delivery
}

# pl_filter_lines - campaign-filter's notice lines in the campaign maillog
pl_filter_lines() {
	grep -E 'campaign-filter\[[0-9]+\]: [0-9A-Za-z]+: campaign=' \
		"$SB_LOGDIR/$PL_MAILLOG" 2>/dev/null
}

# pl_sent_count - recipients delivered to smtp-sink (delivery log)
pl_sent_count() {
	grep -F "relay=127.0.0.1[127.0.0.1]:$SB_SINK_PORT," \
		"$SB_LOGDIR/$PL_DELIVERY" 2>/dev/null | grep -c 'status=sent'
}
pl_sent_is() { [ "$(pl_sent_count)" -ge "$1" ]; }

# pl_measure_box PORT N SESSIONS RCPTS FILE SECS - one injection, timed
# until the queue is empty (or SECS); R_SECS R_RATE (recipients/s) R_SENT
# R_DONE R_CPU
pl_measure_box() {
	local port=$1 n=$2 sessions=$3 rcpts=$4 file=$5 limit=$6 t0 t1 spid
	: > "$SB/cpu.samples"
	pl_sampler "$SB/cpu.samples" &
	spid=$!
	t0=$(sb_now_ms)
	timeout "$limit" smtp-source ${PL_KEEP:+-d} -m "$n" -s "$sessions" -r "$rcpts" -N \
		-M sandbox.campaign.test -F "$file" -f sender@campaign.test \
		-t rcpt@sink.test "127.0.0.1:$port"
	R_DONE=no
	sb_poll "$(( limit - ($(sb_now_ms) - t0) / 1000 ))" sb_queue_empty && R_DONE=yes
	t1=$(sb_now_ms)
	pl_sample >> "$SB/cpu.samples"
	kill "$spid"; wait "$spid" 2>/dev/null
	# the log is buffered: give syslog-ng a moment to write the last lines
	[ $R_DONE = yes ] && sb_poll 10 pl_sent_is "$(( n * rcpts ))"
	R_SENT=$(pl_sent_count)
	R_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
	R_RATE=$(awk -v n="$R_SENT" -v s="$R_SECS" 'BEGIN { printf "%.0f", n / s }')
	R_CPU=$(pl_cpu_report "$SB/cpu.samples")
}
