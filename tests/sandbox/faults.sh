# NAME
#	tests/sandbox/faults.sh - what the fault_*.sh integration tests share
# SYNOPSIS
#	. "$CAMPAIGN_SRC/tests/lib.sh"
#	. "$CAMPAIGN_SRC/tests/sandbox/sandbox.sh"
#	. "$CAMPAIGN_SRC/milter/tests/lib.sh"
#	. "$CAMPAIGN_SRC/filter/tests/lib.sh"
#	. "$CAMPAIGN_SRC/tests/sandbox/faults.sh"
#	ft_start			sandbox + the whole campaign path
#	ft_list NAME N			list $FT/NAME.list: NAME1@sink.test ...
#	ft_feed_bg NAME [OPTION...]	campaign-feed into the campaign smtpd
#	ft_feed_wait			its exit status in FT_FEED_ST
#	ft_accepted_ge NAME N		its journal has N accepted records
#	ft_delivered NAME		recipients of NAME at the sink (distinct)
#	ft_check_once LABEL NAME N BOUND
#					every one of N recipients arrived, at
#					most BOUND of them twice or more
#	ft_untagged			sink messages without the milter's tag
# DESCRIPTION
#	ft_start starts the sandbox and configures the campaign path as
#	campaign-setup does (filter/tests/lib.sh fl_setup: campaign smtpd on
#	$FL_PORT with campaign-milter, pipe(8) running campaign-filter as
#	nobody, reinjection listener on $FL_RPORT), with short retry times.
#	The final destination is the sandbox's smtp-sink; each of its dump
#	files names its recipients (X-Rcpt-Args), which is how the tests count
#	arrivals per recipient.
#
#	ft_feed_bg runs campaign-feed in the background with a journal
#	($FT/NAME.journal), 4 sessions, one recipient per message, a retry
#	delay of 1 s and many tries, so a fault of a few seconds delays but
#	never defers a recipient for good.  Its output is in $FT/NAME.out.
#	FT_JOURNAL, when set, names the journal instead (fault_journal.sh
#	keeps it on a small file system).
# ENVIRONMENT
#	CAMPAIGN_BUILD: the build tree whose programs are run.
FT_FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
FT_SESSIONS=4
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

# ft_list NAME N - write $FT/NAME.list
ft_list() {
	seq 1 "$2" | sed "s/.*/$1&@sink.test/" > "$FT/$1.list"
}

# ft_feed_args NAME - the feeder's command line for list NAME
ft_feed_args() {
	FT_ARGS=(-C "ft-$1" -m "$FT/msg" -r "$FT/$1.list" -j "${FT_JOURNAL:-$FT/$1.journal}"
		-R "127.0.0.1:$FL_PORT" -s "$FT_SESSIONS" -k 1 -f "sender@campaign.test"
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
