#!/bin/bash
# NAME
#	fault_reinject.sh - campaign-filter's reinjection listener refusing,
#	timing out, answering garbage
# DESCRIPTION
#	campaign-feed sends through the campaign path (tests/harness/faults.sh);
#	for each phase, reinject_to in campaign.conf (read by every filter run)
#	points at a broken listener instead of the campaign reinjection smtpd:
#	  refuse421   smtp-sink -Q connect: "421" as the greeting
#	  rcpt550     campaign-testsink answering 550 to every RCPT
#	  data451     campaign-testsink answering 451 to the end of DATA
#	  silent      accepts the connection and never says anything
#	              (filter_deadline = 3s for this phase)
#	  greetjunk   a greeting of binary junk without a reply code
#	  replyjunk   a good greeting and EHLO, then "2X0 ..." to MAIL
#	  longline    a reply line of 100 KB without a line end
#	(the last four from a small Python server written by the test).
#	Expected for each: the feeder ends with exit 0 (the campaign smtpd
#	queued everything), pipe(8) defers the messages with the filter's
#	reason (exit 75), none bounced, nothing arrives at the sink; the
#	broken listener kept no message.  Then reinject_to is put back,
#	the queue flushed: every recipient of every phase arrives exactly
#	once, none bounced.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

ft_begin
N=30
cp "$CM_CONF" "$FT/campaign.conf.orig"

cat > "$FT/broken.py" <<'EOF'
# broken.py MODE PORT - an SMTP listener that misbehaves; stops after 300 s
import socket, sys, threading, signal
mode, port = sys.argv[1], int(sys.argv[2])
signal.alarm(300)

def reply_lines(c):
    f = c.makefile('rb')
    for line in f:
        cmd = line[:4].upper()
        if cmd == b'EHLO' or cmd == b'HELO':
            c.sendall(b'250 broken.test\r\n')
        elif mode == 'replyjunk':
            c.sendall(b'2X0 what\r\n')
        elif mode == 'longline':
            c.sendall(b'250 ' + b'x' * 100000)

def serve(c):
    try:
        if mode == 'silent':
            while c.recv(4096):
                pass
        elif mode == 'greetjunk':
            c.sendall(b'\x00\xff\xfe junk without a code\r\n')
            while c.recv(4096):
                pass
        else:
            c.sendall(b'220 broken.test ESMTP\r\n')
            reply_lines(c)
    except OSError:
        pass
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', port))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# broken_start MODE - start the listener for MODE; its port in BPORT
broken_start() {
	BPORT=$(sandbox_free_port) || return 1
	case $1 in
	refuse421)
		sb_bg "$FT/$1.out" smtp-sink -u postfix -Q connect "127.0.0.1:$BPORT" 100 ;;
	rcpt550|data451)
		if [ $1 = rcpt550 ]; then echo 'rcpt: * 550 5.1.1 no such user'
		else echo 'data: * 451 4.3.0 try later'; fi > "$FT/$1.rules"
		sb_bg "$FT/$1.out" "$CAMPAIGN_BUILD/sandbox/sink/campaign-testsink" \
			-p "$BPORT" -r "$FT/$1.rules" -d "$FT/$1.msgs" -l "$FT/$1.log" ;;
	*)
		sb_bg "$FT/$1.out" /usr/bin/python3 "$FT/broken.py" "$1" "$BPORT" ;;
	esac
	BPID=$SB_BG
	wait_for 10 "listener $1" sb_listens "$BPID" "$BPORT"
}

# defer_count NAME - pipe(8) deferrals for recipients of NAME
defer_count() { sandbox_log_count "to=<$1[0-9]+@sink.test>, relay=campaign, .*status=deferred"; }
defer_ge() { [ "$(defer_count "$1")" -ge "$2" ]; }

# phase MODE REASON-REGEX [CONF-LINE...] - one broken listener
phase() {
	local mode=$1 reason=$2 name; shift 2
	name=${mode//[0-9]/}
	broken_start "$mode" || { fail "$mode: listener starts"; return; }
	cp "$FT/campaign.conf.orig" "$CM_CONF"
	printf '%s\n' "reinject_to = 127.0.0.1:$BPORT" "$@" >> "$CM_CONF"
	ft_list "$name" $N
	ft_feed "$name" --rate 100
	check_eq "$mode: feeder exit status" "$FT_FEED_ST" 0
	check "$mode: pipe(8) defers every message" wait_for 240 "$N deferrals" defer_ge "$name" $N
	check "$mode: the reason is the filter's" sandbox_wait_log \
		"to=<$name[0-9]+@sink.test>, relay=campaign, .*status=deferred \(.*campaign-filter: .*$reason" 5
	check_eq "$mode: none bounced" "$(ft_bounced)" 0
	check_eq "$mode: nothing at the sink" "$(ft_delivered "$name")" 0
	check_eq "$mode: the listener kept no message" \
		"$(find "$FT/$mode.msgs" -type f 2>/dev/null | wc -l)" 0
	cp "$FT/campaign.conf.orig" "$CM_CONF"
	kill -TERM "$BPID"; wait "$BPID" 2>/dev/null
}

phase refuse421 '421'
phase rcpt550 '550 5\.1\.1 no such user'
phase data451 '451 4\.3\.0 try later'
phase silent 'timed out' 'filter_deadline = 3s'
phase greetjunk 'malformed reply'
phase replyjunk 'malformed reply'
phase longline 'reply line over'

sandbox_postqueue -f
check "queue empties with the listener back" sandbox_wait_queue_empty 120
for m in refuse rcpt data silent greetjunk replyjunk longline; do
	ft_check_once "$m" "$m" $N 0
done
ft_end
