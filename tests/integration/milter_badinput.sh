#!/bin/bash
# NAME
#	milter_badinput.sh - campaign-milter against bad input, through the
#	sandbox's Postfix: each case has a defined outcome, nothing crashes
# DESCRIPTION
#	Outcomes checked (reply to the client, what reaches smtp-sink):
#	- X-Campaign-ID invalid (space, 65 characters, 8-bit, ";", empty,
#	  two different ones): 550 5.7.1 naming the header; nothing
#	  delivered; with a NUL in it, Postfix cuts the header at the NUL and
#	  the message goes out tagged with what is left;
#	- 10,000 headers over max_header_bytes: 552 5.3.4; 10,000 small
#	  headers under it: tagged and delivered;
#	- a 1 MB header line: Postfix keeps header_size_limit of it, the
#	  milter tags the message, delivered;
#	- NUL and 8-bit bytes in other headers: tagged and delivered;
#	- 1,000 recipients: plain alias, no List-Unsubscribe, nrcpt=1000,
#	  all 1,000 delivered;
#	- null sender and a quoted recipient: tagged, plain alias;
#	- senders table: found; corrupted: 4xx (tempfail) and the milter
#	  keeps running; rebuilt by postmap: found again without a restart.
#	At the end the milter still runs, and when CAMPAIGN_BUILD is a
#	sanitizer build no ASan/UBSan report was written.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

sandbox_start || { fail "sandbox starts"; done_testing; }
cm_write_conf
cm_start || { fail "milter starts"; done_testing; }
cm_campaign_service || { fail "campaign service"; done_testing; }
cm_discard_setup || { fail "discard alias set up"; done_testing; }
MSG=$SB/raw

# raw_send PORT FROM RCPT... - send $MSG (CRLF, dot-stuffed, no final dot)
# byte for byte; RAW_REPLY is the reply to the final dot (or the first
# refusal)
raw_send() {
	local port=$1 from=$2 r; shift 2
	exec 7<>"/dev/tcp/127.0.0.1/$port" || return 1
	RAW_REPLY=
	if sb_reply && sb_cmd 250 "EHLO client.campaign.test" && sb_cmd 250 "MAIL FROM:<$from>"; then
		for r in "$@"; do sb_cmd 250 "RCPT TO:<$r>" || break; done
		if [[ $SB_REPLY == 250* ]] && sb_cmd 354 DATA; then
			cat "$MSG" >&7
			printf '.\r\n' >&7
			sb_reply
		fi
	fi
	RAW_REPLY=$SB_REPLY
	printf 'QUIT\r\n' >&7 2>/dev/null
	exec 7<&- 7>&-
}

# crlf - LF to CRLF, dot-stuffing
crlf() { sed -e 's/^\./../' -e 's/$/\r/'; }

# expect NAME CODE - RAW_REPLY starts with CODE
expect() {
	if [[ $RAW_REPLY == "$2"* ]]; then pass "$1"; else fail "$1" "reply '$RAW_REPLY', want $2..."; fi
}

delivered() { wait_for 20 "dump for $1" cm_has_dump_for "<$1>"; }

# --- invalid X-Campaign-ID -------------------------------------------------------
n=0
bad_id() {	# bad_id NAME HEADER-VALUE-BYTES (printf format)
	n=$((n + 1))
	{ printf 'Subject: bad id\r\nX-Campaign-ID: '; printf "$2"; printf '\r\n\r\nbody\r\n'; } > "$MSG"
	raw_send "$CM_PORT" sender@campaign.test "bad$n@sink.test"
	expect "bad id ($1): 550 5.7.1" "550 5.7.1"
	check "bad id ($1): the reply names the header" grep -q "X-Campaign-ID" <<< "$RAW_REPLY"
}
bad_id "space" 'spring 2026'
bad_id "65 characters" '%065d' 0
bad_id "8-bit" 'caf\xc3\xa9'
bad_id "semicolon" 'a;b'
bad_id "empty" ''
printf 'X-Campaign-ID: one\r\nX-Campaign-ID: two\r\n\r\nbody\r\n' > "$MSG"
raw_send "$CM_PORT" sender@campaign.test bad-two@sink.test
expect "two different ids: 550 5.7.1" "550 5.7.1"
echo "# reply: $RAW_REPLY"

# A NUL inside X-Campaign-ID: Postfix's cleanup cuts the header there
# before the milter sees it, so the id is what Postfix delivers ("ab").
printf 'X-Campaign-ID: ab\x00cd\r\n\r\nbody\r\n' > "$MSG"
raw_send "$CM_PORT" sender@campaign.test nulid@sink.test
expect "NUL in the id: accepted as what Postfix keeps" 250
check "NUL in the id: delivered" delivered nulid@sink.test
check_eq "NUL in the id: delivered id" "$(cm_header "$(cm_dump_for '<nulid@sink.test>')" X-Campaign-ID | tr -d '\0')" ab
check "NUL in the id: logged with the same id" sandbox_wait_log 'campaign=ab from=<sender@campaign.test> return=<bounces\+nulid=' 10

# --- 10,000 headers ---------------------------------------------------------------
seq 10000 | awk '{ printf "X-Filler-%05d: a filler header of some length\r\n", $1 }' > "$MSG"
printf 'X-Campaign-ID: many\r\n\r\nbody\r\n' >> "$MSG"
raw_send "$CM_PORT" sender@campaign.test many1@sink.test
expect "10,000 headers over max_header_bytes: 552 5.3.4" "552 5.3.4"
seq 10000 | awk '{ printf "X%d: y\r\n", $1 }' > "$MSG"
printf 'X-Campaign-ID: many\r\n\r\nbody\r\n' >> "$MSG"
raw_send "$CM_PORT" sender@campaign.test many2@sink.test
expect "10,000 small headers: accepted" 250
check "10,000 small headers: delivered" delivered many2@sink.test
check_eq "10,000 small headers: tagged once" \
	"$(cm_header_count "$(cm_dump_for '<many2@sink.test>')" Precedence)" 1

# --- a 1 MB header -----------------------------------------------------------------
{ printf 'X-Campaign-ID: big\r\nX-Big: '; head -c 1048576 /dev/zero | tr '\0' 'a'; printf '\r\nSubject: big\r\n\r\nbody\r\n'; } > "$MSG"
raw_send "$CM_PORT" sender@campaign.test big@sink.test
expect "1 MB header: accepted" 250
check "1 MB header: delivered" delivered big@sink.test
check_eq "1 MB header: tagged" "$(cm_header "$(cm_dump_for '<big@sink.test>')" X-Campaign-ID)" big

# --- NUL and 8-bit in other headers --------------------------------------------------
printf 'X-Campaign-ID: bytes\r\nSubject: nul\x00here and 8-bit \xe9\xff\r\nX-Odd: \x01\x7f\r\n\r\nbody\r\n' > "$MSG"
raw_send "$CM_PORT" sender@campaign.test bytes@sink.test
expect "NUL and 8-bit in headers: accepted" 250
check "NUL and 8-bit in headers: delivered" delivered bytes@sink.test
check_eq "NUL and 8-bit in headers: tagged" \
	"$(cm_header_count "$(cm_dump_for '<bytes@sink.test>')" Feedback-ID)" 1

# --- 1,000 recipients ---------------------------------------------------------------
printf 'X-Campaign-ID: thousand\r\nSubject: many\r\n\r\nbody\r\n' > "$MSG"
raw_send "$CM_PORT" sender@campaign.test $(seq -f 'r%g@many.sink.test' 1000)
expect "1,000 recipients: accepted" 250
QID=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$RAW_REPLY")
check "1,000 recipients: notice nrcpt=1000, plain alias" sandbox_wait_log \
	"$QID: campaign=thousand from=<sender@campaign.test> return=<$CM_ALIAS> nrcpt=1000 tags=Precedence,Feedback-ID$" 10
sandbox_wait_queue_empty 60
check_eq "1,000 recipients: all delivered" \
	"$(cat "$SB_SINK_DIR"/msg.* | grep -c '^X-Rcpt-Args: <r[0-9]*@many.sink.test>')" 1000
check_eq "1,000 recipients: no List-Unsubscribe" \
	"$(grep -l 'many.sink.test' "$SB_SINK_DIR"/msg.* | xargs grep -l '^List-Unsubscribe' | wc -l)" 0

# --- odd envelopes --------------------------------------------------------------------
printf 'X-Campaign-ID: nullsender\r\n\r\nbody\r\n' > "$MSG"
raw_send "$CM_PORT" "" nullsender@sink.test
expect "null sender: accepted" 250
check "null sender: delivered with the VERP alias" delivered nullsender@sink.test
check "null sender: notice from=<>" sandbox_wait_log 'campaign=nullsender from=<> return=<bounces\+nullsender=sink.test@' 10
raw_send "$CM_PORT" sender@campaign.test '"odd user"@sink.test'
expect "quoted recipient: accepted" 250
wait_for 20 "quoted dump" cm_has_dump_for '"odd user"@sink.test'
check_eq "quoted recipient: plain alias" \
	"$(cm_header "$(cm_dump_for '"odd user"@sink.test')" X-Mail-Args)" "<$CM_ALIAS>"

# --- senders table: found, corrupt, rebuilt ----------------------------------------------
printf 'listed@campaign.test\tfrom-table\n' > "$CM_DIR/senders"
timeout 20 postmap -c "$SB_CONF" "hash:$CM_DIR/senders"
chmod 644 "$CM_DIR/senders.db"
echo "senders_table = hash:$CM_DIR/senders" >> "$CM_CONF"
kill -HUP "$CM_PID"
sandbox_wait_log 'configuration reloaded' 10
printf 'Subject: no id\r\n\r\nbody\r\n' > "$MSG"
raw_send "$CM_PORT" Listed@Campaign.test tab1@sink.test
expect "senders table: accepted" 250
check "senders table: campaign from the table" sandbox_wait_log 'campaign=from-table from=<Listed@Campaign.test>' 10
cp "$CM_DIR/senders.db" "$CM_DIR/senders.good"
head -c 8192 /dev/urandom > "$CM_DIR/senders.db.new" && chmod 644 "$CM_DIR/senders.db.new"
mv "$CM_DIR/senders.db.new" "$CM_DIR/senders.db"
raw_send "$CM_PORT" listed@campaign.test tab2@sink.test
expect "corrupt senders table: 451 tempfail" "451 4.3.0"
check "corrupt senders table: logged" sandbox_wait_log 'tempfail: senders table lookup failed' 10
check "corrupt senders table: milter still runs" kill -0 "$CM_PID"
check "corrupt senders table: postmap can rebuild it (lock released)" \
	timeout 20 postmap -c "$SB_CONF" "hash:$CM_DIR/senders" 2>"$SB/postmap.err"
chmod 644 "$CM_DIR/senders.db"
raw_send "$CM_PORT" listed@campaign.test tab3@sink.test
expect "rebuilt senders table: accepted without restart" 250

# --- the end --------------------------------------------------------------------------
sandbox_wait_queue_empty 30
check_eq "nothing with a bad id reached the sink" "$(grep -l '^X-Rcpt-Args: <bad' "$SB_SINK_DIR"/msg.* 2>/dev/null | wc -l)" 0
check "milter still running" kill -0 "$CM_PID"
check "milter stops cleanly" cm_stop
check "sanitizers: no report" cm_san_clean
for f in "$CM_SAN_DIR"/*; do [ -e "$f" ] && sed 's/^/# /' "$f" | head -40; done
done_testing
