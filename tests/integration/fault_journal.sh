#!/bin/bash
# NAME
#	fault_journal.sh - the feeder's journal file system full mid-campaign
# DESCRIPTION
#	The journal lives on a 4 KB tmpfs mounted by the test (inside
#	ns-exec's private mount namespace), room for about 200 records.
#	campaign-feed sends 400 messages through the campaign path
#	(tests/harness/faults.sh).  Documented (campaign-feed(1)): an I/O
#	error writing the journal stops the run with exit 74.  Expected:
#	exit 74 with the reason on stderr; the file system is then made
#	larger (remount), the same command runs again and ends with exit 0;
#	every recipient arrives, at most sessions x window x rcpts-per-msg
#	(4 x 4 x 1 = 16, campaign-feed(1), JOURNAL: the smtpd offers
#	CHUNKING, so BDAT) of them twice (records the full file system could
#	not take); the journal
#	has at most one record cut short (the write that failed) and every
#	recipient accepted.  A third run sends nothing.  Nothing bounces.
#	Last, a journal with a record cut before its address ("A 5"): that
#	line is not taken as done (campaign-feed used to skip it).
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
N=400
JFS=$FT/jfs
mkdir -p "$JFS"
check "small file system mounted" mount -t tmpfs -o size=4k ft-journal "$JFS"
sandbox_cleanup_hook() { umount -l "$JFS" 2>/dev/null; }
FT_JOURNAL=$JFS/j.journal

ft_list j $N
ft_feed j --rate 100
check_eq "full: feeder exit status" "$FT_FEED_ST" 74
check "full: the reason is on stderr" grep -q 'No space left on device' "$FT/j.out"
first=$(ft_accepted j)
cp "$FT_JOURNAL" "$FT/j.journal.full"
check "full: stopped before the end ($first records)" test "$first" -lt $N

check "file system made larger" mount -o remount,size=1m "$JFS"
cp "$FT/j.out" "$FT/j.out.1"
ft_feed j
check_eq "resumed: feeder exit status" "$FT_FEED_ST" 0
[ "$FT_FEED_ST" = 0 ] || ft_show_feed j
check "resumed: skipped what the journal had" grep -q 'skipped=[1-9]' "$FT/j.out"
check "queue empties" sandbox_wait_queue_empty 120
ft_check_once "journal full" j $N $((FT_SESSIONS * FT_WINDOW))
check "journal: at most one record cut short (by the full file system)" test \
	"$(grep -cvE '^(# campaign-feed journal 1 campaign=ft-j|[ARD] [0-9]+ j[0-9]+@sink\.test( .*)?)$' "$FT_JOURNAL")" -le 1
check_eq "journal: every recipient accepted" \
	"$(grep -E '^A [0-9]+ j[0-9]+@sink\.test$' "$FT_JOURNAL" | cut -d' ' -f3 | sort -u | wc -l)" $N
ft_feed j
check "a third run sends nothing" grep -q "accepted=0 .* skipped=$N messages=0" "$FT/j.out"
check_eq "every message at the sink is tagged" "$(ft_untagged)" 0
check_eq "none bounced" "$(ft_bounced)" 0

# A record cut before its address ("A 5", the newline added by the next
# open) must not mark line 5 done: a third run would skip that recipient.
printf 'c1@sink.test\nc2@sink.test\nc3@sink.test\nc4@sink.test\nc5@sink.test\n' > "$FT/cut.list"
printf '# campaign-feed journal 1 campaign=ft-cut\nA 1 c1@sink.test\nA 5\nA 3 c\n' > "$FT/cut.journal"
"$FT_FEED" -C ft-cut -m "$FT/msg" -r "$FT/cut.list" -j "$FT/cut.journal" -n > "$FT/cut.out" 2>&1
check "a record cut before its address is not taken as done" \
	grep -q 'to_send=3 already_done=2 ' "$FT/cut.out"
done_testing
