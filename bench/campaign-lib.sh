# NAME
#	bench/campaign-lib.sh - bench/campaign's measuring functions
# SYNOPSIS
#	. "$src/bench/campaign-lib.sh"	(bench/pipeline-lib.sh before use)
#	cb_recipients N			N addresses over 8 domains
#	cb_personal_list LIST		LIST as CSV "email,name" (one name each)
#	cb_message FILE BYTES CAMPAIGN PERSONAL
#					pl_message; with PERSONAL 1 the Subject
#					and first body line carry {{name}}
#	cb_suppress_list FILE EVERY	every EVERY-th address of FILE, as
#					suppression table lines
#	cb_second_box NAME TABLE	one more Postfix with the full
#					campaign path and a copy of TABLE
#	cb_measure N K SESSIONS SECS WANT PORT...
#					feed and time one campaign
#	cb_campaignstat CAMPAIGN	report on the run's logs, figures
#	cb_print MODE			print the R_* figures
#	cb_log_bytes			bytes of every file syslog-ng wrote
#	cb_record MODE ROUND FILE	append the run's figures to FILE
#	cb_summary FILE MODES		medians per mode over the rounds, ratios
# DESCRIPTION
#	cb_measure samples once a second the CPU (user + system) and the
#	bytes written to storage (/proc/PID/io write_bytes) of every process
#	pl_sample would, plus every campaign-milter in CB_PIDS, and the
#	number of queue files of every queue in CB_QUEUES (peak in R_PEAKQ).
#	(write_bytes less cancelled_write_bytes: queue files removed before
#	writeback never reach the disk).
#	It feeds the list in $SB/list.feed (or $SB/$CB_LIST) and the message
#	$SB/msg (or $SB/$CB_MSG) with campaign-feed and the options
#	in the array CB_FEED_ARGS (default --rcpts-per-msg K), one --relay per
#	PORT, under /usr/bin/time (the feeder's CPU seconds, exact); then
#	waits until every queue is empty (at most SECS) and then until the
#	delivery log has WANT deliveries to the sink (at most 30 s more).  The disk figure R_DISK is the difference
#	of sectors written of the block device (or partition) under $SB
#	(/sys/class/block/DEV/stat): it counts every writer of the
#	machine, so R_PWRITE (the sampled processes' own) is printed
#	beside it.  The
#	per-minute table counts the sink deliveries of the delivery log by
#	minute since the feeder's start (syslog-ng's receive stamps, UTC).
CB_PIDS=() CB_QUEUES=() CB_FEED_ARGS=()
CB_COMPONENTS="smtpd campaign-milter opendkim cleanup qmgr campaign-filter(pipe-children) smtp syslog-ng"

# cb_recipients N - rcptI@dJ.sink.test, 8 domains
cb_recipients() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "rcpt%d@d%d.sink.test\n", i, i % 8 }'
}

# cb_base_list LIST SECRET OUT - "email,name,token" CSV of a plain list in
# OUT: the token is computed here in one pass (HMAC-SHA256 over "bench" NUL
# lowercase(address), unpadded base64url), what a sender without the
# campaign path computes; the project's tool makes one token per process,
# so only the first and last rows are checked against campaign-suppress
# token (the one implementation, lib/hmac): a difference fails the bench
cb_base_list() {
	python3 - "$1" "$2" > "$3" <<'PY' || return 1
import base64, hashlib, hmac, sys
key = sys.argv[2].encode()
print("email,name,token")
for i, line in enumerate(open(sys.argv[1]), 1):
    a = line.strip()
    d = hmac.new(key, b"bench\0" + a.lower().encode(), hashlib.sha256).digest()
    print("%s,Name %d,%s" % (a, i, base64.urlsafe_b64encode(d).rstrip(b"=").decode()))
PY
	cb_check_tokens "$3" "$2"
}

# cb_check_tokens CSV SECRET - the first and last rows' tokens are
# campaign-suppress token's; 1 and a message naming the row if not
cb_check_tokens() {
	local sec row want got st=0
	sec=$(mktemp) || return 1
	printf '%s' "$2" > "$sec"	# mktemp's mode is 600, as the tool asks
	for row in "$(sed -n 2p "$1")" "$(tail -n 1 "$1")"; do
		want=${row##*,}
		got=$("$CAMPAIGN_BUILD/suppress/campaign-suppress" -c /dev/null \
			-s "$sec" token bench "${row%%,*}") || { st=1; break; }
		if [ "$got" != "$want" ]; then
			echo "cb_check_tokens: $1: ${row%%,*}: token $want, campaign-suppress gives $got" >&2
			st=1
		fi
	done
	rm -f "$sec"
	return $st
}

# cb_base_message MSG OUT - MSG with the tag fields campaign-filter writes
# into every personal copy (sandbox/campaign.sh's campaign.conf: its
# List-Unsubscribe with the recipient's token, List-Unsubscribe-Post,
# Precedence, Feedback-ID) and To:, as merge tags: the same personal mail for a
# stock Postfix; campaign-feed adds X-Campaign-ID, Postfix the Message-ID
cb_base_message() {
	awk 'NR == 1 {
		print "List-Unsubscribe: <https://unsub.campaign.test/u?c=bench&r={{email}}&t={{token}}>, <mailto:unsubscribe+bench@campaign.test>"
		print "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
		print "Precedence: bulk"
		print "Feedback-ID: bench:campaign:sandbox" }
	/^To:/ && !body { print "To: <{{email}}>"; next }
	/^$/ { body = 1 }
	{ print }' "$1" > "$2"
}

# cb_personal_list LIST - "email,name" CSV of a plain list
cb_personal_list() {
	awk 'BEGIN { print "email,name" } { printf "%s,Name %d\n", $0, NR }' "$1"
}

# cb_message FILE BYTES CAMPAIGN PERSONAL - the campaign message; with
# PERSONAL 1, Subject and the first body line carry the {{name}} tag
cb_message() {
	pl_message "$1" "$2" "$3"
	[ "$4" = 1 ] || return 0
	awk '/^Subject:/ { print "Subject: campaign for {{name}}"; next }
	     !body && /^$/ { print; print "Hello {{name}},"; body = 1; next }
	     { print }' "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

# cb_suppress_list FILE EVERY - "address<TAB>reply" for every EVERY-th line
cb_suppress_list() {
	awk -v e="$2" 'NR % e == 0 { printf "%s\t550 5.7.1 suppressed: bench\n", $0 }' "$1"
}

# cb_second_box NAME TABLE - sandbox_start_postfix NAME, then the campaign
# path on it (its own milter, filter, reinjection port) and a copy of the
# postmap'd TABLE; CB_PORT2 is its campaign smtpd
cb_second_box() {
	local name=$1 table=$2 conf queue st=0
	sandbox_start_postfix "$name" || return 1
	conf=SB_CONF_$name queue=SB_QUEUE_$name
	local SB=$SB/pf-$name SB_CONF=${!conf} SB_QUEUE=${!queue}
	local FL_PORT FL_RPORT FL_TABLE CM_PID CM_DIR CM_CONF CM_SOCK CM_SECRET
	mkdir -p "$SB_CONF/campaign" && cp "$table" "$table.db" "$SB_CONF/campaign/" ||
		return 1
	pl_campaign_path || st=1
	CB_PIDS+=("$CM_PID") CB_QUEUES+=("$SB_QUEUE")
	CB_PORT2=$FL_PORT
	return $st
}

# cb_queue_files - files in every queue's directories that hold messages
cb_queue_files() {
	local q
	for q in "${CB_QUEUES[@]}"; do
		find "$q/incoming" "$q/active" "$q/deferred" "$q/hold" -type f 2>/dev/null
	done | wc -l
}

# cb_qsampler OUT - queue size once a second until killed
cb_qsampler() {
	while :; do cb_queue_files >> "$1"; sleep 1; done
}

# cb_sample - "pid comm own_ticks child_ticks write_bytes" per process:
# pl_sample's processes plus every campaign-milter in CB_PIDS
cb_sample() { pl_sample_of --io $(pl_pids "${CB_PIDS[@]}"); }

cb_sampler() {
	while :; do cb_sample >> "$1"; sleep 1; done
}

# cb_pwrite SAMPLES - bytes written to storage by the sampled processes
cb_pwrite() {
	awk '{ w[$1] = $5 } END { for (p in w) s += w[p]; printf "%.0f\n", s }' "$1"
}

# cb_disk_sectors - sectors written so far by the block device under $SB
cb_disk_sectors() {
	local dev
	dev=$(df --output=source "$SB" | tail -1)
	awk '{ print $7 }' "/sys/class/block/${dev##*/}/stat" 2>/dev/null || echo 0
}

# cb_queues_empty - every queue in CB_QUEUES is empty
cb_queues_empty() {
	local q
	for q in "${CB_QUEUES[@]}"; do SB_QUEUE=$q sb_queue_empty || return 1; done
}

# cb_feed N K SESSIONS LIMIT PORT... - campaign-feed under /usr/bin/time
cb_feed() {
	local k=$2 sessions=$3 limit=$4 p relays=()
	shift 4
	for p in "$@"; do relays+=(-R "127.0.0.1:$p"); done
	[ ${#CB_FEED_ARGS[@]} -gt 0 ] || CB_FEED_ARGS=(--rcpts-per-msg "$k")
	/usr/bin/time -f '%U %S' -o "$SB/feed.time" timeout "$limit" "$FEED" \
		-C bench -m "$SB/${CB_MSG:-msg}" -r "$SB/${CB_LIST:-list.feed}" -q "${relays[@]}" \
		-s "$sessions" "${CB_FEED_ARGS[@]}" > "$SB/feed.out" 2>&1
	local st=$?
	cat "$SB/feed.out"
	# 2: some recipients were rejected (the suppressed ones)
	[ $st = 0 ] || [ $st = 2 ]
}

# cb_measure N K SESSIONS SECS WANT PORT... - sets R_SECS R_RATE R_MRATE
# R_SENT R_CPU R_PEAKQ R_DISK R_PWRITE R_FEEDCPU R_T0
cb_measure() {
	local n=$1 k=$2 sessions=$3 limit=$4 want=$5 t1 spid qpid st=0 d0
	shift 5
	: > "$SB/cpu.samples"; : > "$SB/q.samples"
	cb_sampler "$SB/cpu.samples" & spid=$!
	cb_qsampler "$SB/q.samples" & qpid=$!
	d0=$(cb_disk_sectors)
	R_T0=$(sb_now_ms)
	cb_feed "$n" "$k" "$sessions" "$limit" "$@" || st=1
	sb_poll "$(( limit - ($(sb_now_ms) - R_T0) / 1000 ))" cb_queues_empty || st=1
	# syslog-ng writes in batches: its last lines follow within moments;
	# a lost delivery must end the wait, not hold it until LIMIT
	sb_poll 30 pl_sent_is "$want" || st=1
	t1=$(sb_now_ms)
	cb_sample >> "$SB/cpu.samples"
	R_DISK=$(( ($(cb_disk_sectors) - d0) * 512 ))
	kill "$spid" "$qpid"; wait "$spid" "$qpid" 2>/dev/null
	R_SENT=$(pl_sent_count)
	R_SECS=$(awk -v a="$R_T0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
	R_RATE=$(awk -v n="$R_SENT" -v s="$R_SECS" 'BEGIN { printf "%.0f", n / s }')
	R_MRATE=$(awk -v n="$R_SENT" -v k="$k" -v s="$R_SECS" 'BEGIN { printf "%.1f", n / k / s }')
	R_PEAKQ=$(sort -n "$SB/q.samples" | tail -1)
	R_CPU=$(pl_cpu_report "$SB/cpu.samples")
	R_PWRITE=$(cb_pwrite "$SB/cpu.samples")
	R_FEEDCPU=$(tail -n 1 "$SB/feed.time" | awk '{ printf "%.2f", $1 + $2 }')
	[ "$R_SENT" -eq "$want" ] || st=1
	return $st
}

# cb_per_minute - "minute recipients rcpt/s" of the sink deliveries (the
# last minute's rate over its part up to R_SECS)
cb_per_minute() {
	grep -F "relay=127.0.0.1[127.0.0.1]:$SB_SINK_PORT," "$SB_LOGDIR/$PL_DELIVERY" |
		grep -F 'status=sent' |
		awk -v t0="$R_T0" -v secs="$R_SECS" '
		BEGIN { s0 = (t0 / 1000) % 86400 }
		{
			split(substr($1, 12, 15), t, ":")
			s = t[1] * 3600 + t[2] * 60 + t[3] - s0
			if (s < 0) s += 86400
			m = int(s / 60); n[m]++; if (m > last) last = m
		}
		END {
			for (m = 0; m <= last; m++) {
				d = secs - m * 60
				if (d > 60 || d <= 0) d = 60
				printf "%d %d %.0f\n", m + 1, n[m], n[m] / d
			}
		}'
}

# cb_campaignstat CAMPAIGN - the text report in R_REPORT; R_CS_DELIVERED,
# R_CS_SUPPRESSED from its JSON
cb_campaignstat() {
	local cs=$CAMPAIGN_BUILD/campaignstat/campaignstat
	local logs=("$SB_LOGDIR/$PL_MAILLOG" "$SB_LOGDIR/$PL_DELIVERY")
	R_REPORT=$("$cs" -C "$1" "${logs[@]}" 2>&1)
	"$cs" -C "$1" --json "${logs[@]}" > "$SB/cs.json" 2>/dev/null
	read -r R_CS_DELIVERED R_CS_SUPPRESSED R_CS_RCPTS R_CS_LOGPER < <(python3 - "$SB/cs.json" "$1" <<-'EOF' 2>/dev/null
	import json, sys
	d = json.load(open(sys.argv[1]))
	c = next((x for x in d["campaigns"] if x["campaign"] == sys.argv[2]), {})
	print(c.get("delivered", -1),
	      c.get("suppressed_before_queue", 0) + c.get("suppressed_late", 0),
	      c.get("recipients_injected", -1),
	      d.get("totals", {}).get("all_bytes_per_delivered", -1))
	EOF
	)
}

# cb_component NAME - CPU seconds of one process name in R_CPU (0 if none)
cb_component() {
	echo "$R_CPU" | awk -v n="$1" '$1 == n { s = $2 } END { printf "%.2f", s + 0 }'
}

# cb_print MODE - one result block
cb_print() {
	local m=$1 c
	printf '%-9s %9s s %7s rcpt/s %7s msg/s peak queue %s files\n' \
		"$m" "$R_SECS" "$R_RATE" "$R_MRATE" "${R_PEAKQ:-0}"
	printf '    %-9s disk written %.1f MB (device, whole machine); %.1f MB by the sampled processes\n' \
		"$m" "$(awk -v b="$R_DISK" 'BEGIN { print b / 1e6 }')" \
		"$(awk -v b="$R_PWRITE" 'BEGIN { print b / 1e6 }')"
	printf '    %-9s cpu %-28s %8s s %8s us/rcpt\n' "$m" feeder "${R_FEEDCPU:-?}" \
		"$(cb_per_rcpt "${R_FEEDCPU:-0}")"
	for c in $CB_COMPONENTS; do
		printf '    %-9s cpu %-28s %8s s %8s us/rcpt\n' "$m" "$c" "$(cb_component "$c")" \
			"$(cb_per_rcpt "$(cb_component "$c")")"
	done
	printf '    %-9s cpu %-28s %8s s %8s us/rcpt\n' "$m" "all (sampled + feeder)" \
		"$(cb_cpu_total)" "$(cb_per_rcpt "$(cb_cpu_total)")"
	printf '    %-9s log %s bytes, %s per delivered recipient\n' "$m" "${R_LOGBYTES:-0}" \
		"$(awk -v b="${R_LOGBYTES:-0}" -v n="$R_SENT" 'BEGIN { printf "%.0f", n ? b / n : 0 }')"
	echo "$R_CPU" | awk -v m="$m" '$1 !~ /^(smtpd|campaign-milter|opendkim|cleanup|qmgr|campaign-filter\(pipe-children\)|smtp|syslog-ng)$/ {
		printf "    %-9s cpu %-28s %8s s (other)\n", m, $1, $2 }'
	cb_per_minute | awk -v m="$m" '
		NR == 1 { printf "    %-9s per minute: minute recipients rcpt/s\n", m }
		{ printf "    %-9s minute %3d %9d %7d\n", m, $1, $2, $3 }'
}

# cb_per_rcpt SECONDS - microseconds per delivered recipient (R_SENT)
cb_per_rcpt() {
	awk -v s="$1" -v n="${R_SENT:-0}" 'BEGIN { printf "%.1f", n ? s * 1e6 / n : 0 }'
}

# cb_cpu_total - CPU seconds of every sampled process and the feeder
cb_cpu_total() {
	echo "$R_CPU" | awk -v f="${R_FEEDCPU:-0}" '{ s += $2 } END { printf "%.2f", s + f }'
}

# cb_log_bytes - bytes of every file syslog-ng wrote for the run
cb_log_bytes() {
	find "$SB_LOGDIR" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}

# cb_record MODE ROUND FILE - "MODE ROUND KEY VALUE" lines of the run
cb_record() {
	local c
	{
		echo "$1 $2 rcpt/s $R_RATE"
		echo "$1 $2 seconds $R_SECS"
		echo "$1 $2 cpu-us/rcpt:all $(cb_per_rcpt "$(cb_cpu_total)")"
		echo "$1 $2 cpu-us/rcpt:feeder $(cb_per_rcpt "${R_FEEDCPU:-0}")"
		for c in $CB_COMPONENTS; do
			echo "$1 $2 cpu-us/rcpt:$c $(cb_per_rcpt "$(cb_component "$c")")"
		done
		echo "$1 $2 log-bytes/rcpt $(awk -v b="${R_LOGBYTES:-0}" -v n="${R_SENT:-0}" \
			'BEGIN { printf "%.1f", n ? b / n : 0 }')"
	} >> "$3"
}

# cb_summary FILE MODES - the median of each figure per mode over the
# rounds, then the ratios batch/base, campaign/base (rate, CPU per
# recipient) and 2boxes/campaign (rate); each ratio is followed by the
# same ratio of the modes' +dkim twins (bench/campaign -D) when they ran.
# A ratio is given of the medians, then round by round (the two modes ran
# one after the other in each round) with the median of those: on a busy
# machine the two can differ
cb_summary() {
	echo "# medians over the rounds"
	awk -v modes="$2" '
		{ k = $1 SUBSEP $3; v[k, ++n[k]] = $4; if (!($3 in seen)) { seen[$3] = 1; keys[++nk] = $3 } }
		function median(k,   i, j, t, c, a) {
			c = n[k]
			if (c == 0) return ""
			for (i = 1; i <= c; i++) a[i] = v[k, i] + 0
			for (i = 2; i <= c; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
		}
		END {
			nm = split(modes, m, " ")
			printf "%-42s", "figure"
			for (i = 1; i <= nm; i++) printf " %12s", m[i]
			printf "\n"
			for (j = 1; j <= nk; j++) {
				printf "%-42s", keys[j]
				for (i = 1; i <= nm; i++) printf " %12s", median(m[i] SUBSEP keys[j])
				printf "\n"
				med[keys[j]] = 1
			}
			ratios("batch", "base", "rcpt/s", "rate")
			ratios("batch", "base", "cpu-us/rcpt:all", "CPU per recipient")
			ratios("campaign", "base", "rcpt/s", "rate")
			ratios("campaign", "base", "cpu-us/rcpt:all", "CPU per recipient")
			ratio("2boxes", "campaign", "rcpt/s", "rate")
		}
		function ratios(a, b, key, what) {
			ratio(a, b, key, what)
			ratio(a "+dkim", b "+dkim", key, what)
		}
		function ratio(a, b, key, what,   x, y, i, c, r, t, j, per, q) {
			x = median(a SUBSEP key); y = median(b SUBSEP key)
			if (x == "" || y == "" || y <= 0)
				return
			# each round ran both modes: the round-by-round ratios too
			c = n[a SUBSEP key] < n[b SUBSEP key] ? n[a SUBSEP key] : n[b SUBSEP key]
			per = ""
			for (i = 1; i <= c; i++) {
				r[i] = v[b SUBSEP key, i] > 0 ? v[a SUBSEP key, i] / v[b SUBSEP key, i] : 0
				per = per sprintf("%s%.2f", i > 1 ? " " : "", r[i])
			}
			for (i = 2; i <= c; i++)
				for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
			q = c % 2 ? r[(c + 1) / 2] : (r[c / 2] + r[c / 2 + 1]) / 2
			printf "ratio %s/%s %s: %.2f (of the medians; rounds %s, their median %.2f)\n", \
				a, b, what, x / y, per, q
		}' "$1"
}
