# NAME
#	tests/harness/faults.sh - what the fault_*.sh integration tests share
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/harness/lib.sh"	(sources this after the
#					sandbox and the campaign path)
#	ft_begin			ft_start, or fail and end the script
#	ft_start			sandbox + the whole campaign path
#	ft_list NAME N			list $FT/NAME.list: NAME1@sink.test ...
#	ft_feed_bg NAME [OPTION...]	campaign-feed into the campaign smtpd
#	ft_feed_start LABEL NAME N AT RATE
#					list N, feed in the background at RATE
#					messages/s, check AT accepted within 60 s
#	ft_feed_wait			its exit status in FT_FEED_ST
#	ft_accepted_ge NAME N		its journal has N accepted records
#	ft_delivered NAME		recipients of NAME at the sink (distinct)
#	ft_check_once LABEL NAME N BOUND
#					every one of N recipients arrived, at
#					most BOUND of them twice or more
#	ft_untagged			sink messages without the milter's tag
#	ft_feed_end LABEL NAME		ft_feed_wait; check exit 0 (else show
#					its output); check the queue empties
#	ft_wait_queue_empty SECS	queue empty, flushing it every 2 s
#	ft_end				check nothing untagged, nothing bounced,
#					no milter sanitizer report; done_testing
#	ft_filter_pid			the running campaign-filter of $CM_CONF
# DESCRIPTION
#	ft_start starts the sandbox and configures the campaign path as
#	campaign-setup does (sandbox/campaign.sh fl_setup: campaign smtpd on
#	$FL_PORT with campaign-milter, pipe(8) running campaign-filter as
#	nobody, reinjection listener on $FL_RPORT), with short retry times.
#	The final destination is the sandbox's smtp-sink; each of its dump
#	files names its recipients (X-Rcpt-Args), which is how the tests count
#	arrivals per recipient.
#
#	ft_feed_bg runs campaign-feed in the background with a journal
#	($FT/NAME.journal), 4 sessions ($FT_SESSIONS) with up to 4 BDAT
#	transactions in flight each ($FT_WINDOW), one recipient per message, a retry
#	delay of 1 s and many tries, so a fault of a few seconds delays but
#	never defers a recipient for good.  Its output is in $FT/NAME.out.
#	FT_JOURNAL, when set, names the journal instead (fault_journal.sh
#	keeps it on a small file system).
# ENVIRONMENT
#	CAMPAIGN_BUILD: the build tree whose programs are run.
FT_FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
FT_SESSIONS=4
FT_WINDOW=4
FT_FEED_PID=
FT_FEED_ST=

ft_start() {
	sandbox_start || return 1
	FT=$SB/ft
	mkdir -p "$FT" || return 1
	fl_setup || return 1
	sandbox_fast_retry || return 1
	fl_message "$FT/msg" fault
}

ft_begin() { ft_start || { fail "campaign path starts"; done_testing; }; }

# ft_list NAME N - write $FT/NAME.list
ft_list() {
	seq 1 "$2" | sed "s/.*/$1&@sink.test/" > "$FT/$1.list"
}

# ft_feed_args NAME - the feeder's command line for list NAME
ft_feed_args() {
	FT_ARGS=(-C "ft-$1" -m "$FT/msg" -r "$FT/$1.list" -j "${FT_JOURNAL:-$FT/$1.journal}"
		-R "127.0.0.1:$FL_PORT" -s "$FT_SESSIONS" --window "$FT_WINDOW" -k 1 -f "sender@campaign.test"
		--retry-delay 1 --max-tries 12 --timeout 20 --give-up 90
		--no-progress --status-interval 5)
}

# ft_feed_bg NAME [OPTION...] - start the feeder; FT_FEED_PID
ft_feed_bg() {
	local name=$1; shift
	ft_feed_args "$name"
	"$FT_FEED" "${FT_ARGS[@]}" "$@" > "$FT/$name.out" 2>&1 &
	FT_FEED_PID=$!
}

# ft_feed_start LABEL NAME N AT RATE - a campaign under way, AT accepted
ft_feed_start() {
	ft_list "$2" "$3"
	ft_feed_bg "$2" --rate "$5"
	check "$1: $4 accepted first" wait_for 60 "$4 accepted" ft_accepted_ge "$2" "$4"
}

# ft_feed NAME [OPTION...] - run the feeder to its end; status in FT_FEED_ST
ft_feed() { ft_feed_bg "$@"; ft_feed_wait; }

# ft_feed_wait - wait for the feeder (bounded by its --give-up); FT_FEED_ST
ft_feed_wait() {
	wait "$FT_FEED_PID"
	FT_FEED_ST=$?
	FT_FEED_PID=
}

# ft_accepted NAME - accepted records in NAME's journal
ft_accepted() {
	local n
	n=$(grep -c '^A ' "${FT_JOURNAL:-$FT/$1.journal}" 2>/dev/null)
	echo "${n:-0}"
}
ft_accepted_ge() { [ "$(ft_accepted "$1")" -ge "$2" ]; }

# ft_counts NAME - "count recipient" at the sink for the recipients of NAME
ft_counts() { fl_rcpts_at_sink | awk -v p="^$1[0-9]+@" '$2 ~ p'; }

# ft_delivered NAME - distinct recipients of NAME that arrived
ft_delivered() { ft_counts "$1" | wc -l; }
ft_delivered_ge() { [ "$(ft_delivered "$1")" -ge "$2" ]; }

# ft_check_once LABEL NAME N BOUND - all N arrived; at most BOUND more than once
ft_check_once() {
	local counts missing twice
	counts=$(ft_counts "$2")
	missing=$(( $3 - $(grep -c . <<< "$counts") ))
	twice=$(awk '$1 > 1' <<< "$counts" | wc -l)
	check_eq "$1: every recipient arrived (missing)" "$missing" 0
	if [ "$twice" -le "$4" ]; then
		pass "$1: arrived more than once: $twice (bound $4)"
	else
		fail "$1: arrived more than once" "$twice > bound $4: $(awk '$1 > 1' <<< "$counts" | head -5 | tr '\n' ' ')"
	fi
}

# ft_untagged - sink messages without the milter's X-Campaign-ID tag
ft_untagged() {
	local f n=0
	for f in "$SB_SINK_DIR"/msg.*; do
		[ -e "$f" ] || continue
		grep -q '^X-Campaign-ID: ' "$f" || n=$((n + 1))
	done
	echo "$n"
}

# ft_bounced - Postfix bounce lines so far
ft_bounced() { sandbox_log_count 'status=bounced'; }

# ft_feed_summary NAME - the feeder's summary line
ft_feed_summary() { grep 'campaign-feed: campaign=' "$FT/$1.out" | tail -n 1; }

# ft_show_feed NAME - its output as comments (for a failed check)
ft_show_feed() { tail -n 15 "$FT/$1.out" | sed 's/^/# feed: /'; }

# ft_feed_end LABEL NAME - the feeder ended with 0 and the queue empties
ft_feed_end() {
	ft_feed_wait
	check_eq "$1: feeder exit status" "$FT_FEED_ST" 0
	[ "$FT_FEED_ST" = 0 ] || ft_show_feed "$2"
	check "$1: queue empties" ft_wait_queue_empty 120
}

# ft_wait_queue_empty SECS - like sandbox_wait_queue_empty, but with a
# "postqueue -f" every 2 s: after "postfix reload", a message whose
# delivery the old qmgr did not see end is put back in incoming as "still
# being delivered" with a time stamp about a minute ahead, and the new
# qmgr only looks at it again on its next scan (two minutes later, seen
# under load); a flush makes that scan come as soon as the time is up.
ft_wait_queue_empty() {
	FT_POLLS=0
	wait_for "$1" "queue empty" ft_flushed_empty || {
		echo "# queue not empty after $1 s" >&2; return 1; }
}
ft_flushed_empty() {
	sb_queue_empty && return 0
	(( ++FT_POLLS % 20 )) || sandbox_postqueue -f > /dev/null 2>&1
	return 1
}

# ft_end - what every fault ends with; exits
ft_end() {
	check_eq "every message at the sink is tagged" "$(ft_untagged)" 0
	check_eq "none bounced" "$(ft_bounced)" 0
	check "milter left no sanitizer report" cm_san_clean
	done_testing
}

# ft_filter_pid - print the pid of the running campaign-filter of $CM_CONF
# (one pgrep, not two processes per /proc entry: it is polled)
ft_filter_pid() {
	local p
	p=$(pgrep -f -- "^$FL_FILTER -c $CM_CONF -f") || return 1
	echo "${p%%$'\n'*}"
}
ft_filter_running() { ft_filter_pid > /dev/null; }
