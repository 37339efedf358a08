# NAME
#	bench/campaign-lib.sh - bench/campaign's measuring functions
# SYNOPSIS
#	. "$src/bench/campaign-lib.sh"	(after bench/pipeline-lib.sh)
#	cb_recipients N			N addresses over 8 domains
#	cb_measure PORT N K SESSIONS SECS	feed and time one campaign
#	cb_print MODE			print the R_* figures
# DESCRIPTION
#	cb_measure runs pl_sampler (CPU per process name), samples the
#	number of queue files once a second (peak in R_PEAKQ), feeds the
#	list in $SB/list with campaign-feed, then waits for an empty queue
#	and for every recipient in the delivery log (pl_sent_count).

# cb_recipients N - rcptI@dJ.sink.test, 8 domains
cb_recipients() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "rcpt%d@d%d.sink.test\n", i, i % 8 }'
}

# cb_queue_files - files in the queue directories that hold messages
cb_queue_files() {
	find "$SB_QUEUE/incoming" "$SB_QUEUE/active" "$SB_QUEUE/deferred" \
		"$SB_QUEUE/hold" -type f 2>/dev/null | wc -l
}

# cb_qsampler OUT - queue size once a second until killed
cb_qsampler() {
	while :; do cb_queue_files >> "$1"; sleep 1; done
}

# cb_all_sent N - the queue is empty and the log has N deliveries
cb_all_sent() { sb_queue_empty && pl_sent_is "$1"; }

# cb_measure PORT N K SESSIONS SECS - sets R_SECS R_RATE R_MRATE R_SENT R_CPU R_PEAKQ
cb_measure() {
	local port=$1 n=$2 k=$3 sessions=$4 limit=$5 t0 t1 spid qpid st=0
	: > "$SB/cpu.samples"; : > "$SB/q.samples"
	pl_sampler "$SB/cpu.samples" & spid=$!
	cb_qsampler "$SB/q.samples" & qpid=$!
	t0=$(pl_now_ms)
	timeout "$limit" "$FEED" -C bench -m "$SB/msg" -r "$SB/list" -q \
		-R "127.0.0.1:$port" -s "$sessions" --rcpts-per-msg "$k" || st=1
	sb_poll "$(( limit - ($(pl_now_ms) - t0) / 1000 ))" cb_all_sent "$n" || st=1
	t1=$(pl_now_ms)
	pl_sample >> "$SB/cpu.samples"
	kill "$spid" "$qpid"; wait "$spid" "$qpid" 2>/dev/null
	R_SENT=$(pl_sent_count)
	R_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
	R_RATE=$(awk -v n="$R_SENT" -v s="$R_SECS" 'BEGIN { printf "%.0f", n / s }')
	R_MRATE=$(awk -v n="$R_SENT" -v k="$k" -v s="$R_SECS" 'BEGIN { printf "%.1f", n / k / s }')
	R_PEAKQ=$(sort -n "$SB/q.samples" | tail -1)
	R_CPU=$(pl_cpu_report "$SB/cpu.samples")
	[ "$R_SENT" -eq "$n" ] || st=1
	return $st
}

# cb_print MODE - one result block
cb_print() {
	printf '%-9s %9s s %7s rcpt/s %7s msg/s peak queue %s files\n' \
		"$1" "$R_SECS" "$R_RATE" "$R_MRATE" "${R_PEAKQ:-0}"
	echo "$R_CPU" | head -12 | awk -v m="$1" '{ printf "    %-9s cpu %-28s %8s s\n", m, $1, $2 }'
}
