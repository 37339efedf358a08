#!/bin/bash
# NAME
#	feed_protocol.sh - campaign-feed against the per-recipient test sink
# DESCRIPTION
#	4xx then 2xx on retry; 5xx recorded in the journal with its text;
#	retries run out -> deferred (exit 3); CSV merge fields with quoting;
#	a message with lines starting with "." and bare LF line ends; a 10 MB
#	message; malformed list lines reported with their line number; a
#	re-run with the same journal sends nothing; --dry-run; usage errors.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
FEED=$CAMPAIGN_BUILD/feeder/campaign-feed
SB_POSTFIX=no SB_SINK=no sandbox_start || { fail "sandbox" "did not start"; done_testing; }
W=$SB/feed
mkdir -p "$W"

# feed ARGS... - run the feeder against the test sink, status in $rc
feed() {
	"$FEED" --relay "127.0.0.1:$TESTSINK_PORT" --no-progress --retry-delay 0.05 \
		--timeout 30 --give-up 20 "$@" > "$W/out" 2>&1
	rc=$?
}

# --- usage ---------------------------------------------------------------
"$FEED" --help > /dev/null; check_eq "--help exits 0" "$?" 0
"$FEED" --campaign x > /dev/null 2>&1; check_eq "missing options exit 64" "$?" 64
"$FEED" -C 'bad id' -m /dev/null -r /dev/null -R 127.0.0.1:1 > /dev/null 2>&1
check_eq "bad campaign id exits 64" "$?" 64
printf 'From: a@example.com\n\nhi {{nosuch}}\n' > "$W/tagmsg"
printf 'no header line\n' > "$W/nohdr"
echo a@example.com > "$W/one"
"$FEED" -C x -m "$W/missing" -r "$W/one" -R 127.0.0.1:1 2> /dev/null
check_eq "unreadable message exits 66" "$?" 66
"$FEED" -C x -m "$W/nohdr" -r "$W/one" -R 127.0.0.1:1 2> /dev/null
check_eq "message without header exits 65" "$?" 65
"$FEED" -C x -m "$W/tagmsg" -r "$W/one" -R 127.0.0.1:1 2> /dev/null
check_eq "tag without column exits 65" "$?" 65
"$FEED" -C x -m "$W/nohdr" -r "$W/missing" -R 127.0.0.1:1 2> /dev/null
check "unreadable list or message: not 0" test $? -ne 0
"$FEED" -C x -m "$W/tagmsg" -r "$W/one" -R 127.0.0.1:1 -j "$W/no/such/dir" 2> /dev/null
check "journal in a missing directory: not 0" test $? -ne 0

# --- 4xx then 2xx, 5xx with text, deferred ---------------------------------
cat > "$W/rules" <<'EOF'
retry*@example.com first 2 451 4.3.0 try again later then 250 2.1.5 ok
gone*@example.com 550 5.1.1 no such user here
busy@example.com 452 4.2.2 mailbox busy
data: datarej* 554 5.7.1 content rejected
EOF
testsink_start "$W/rules" || { fail "testsink" "did not start"; done_testing; }
printf 'From: news@example.com\nSubject: hello\n\nbody\n' > "$W/msg"
printf 'ok1@example.com\nretry1@example.com\ngone1@example.com\nok2@example.com\nretry2@example.com\n' > "$W/list"
feed -C proto1 -m "$W/msg" -r "$W/list" -j "$W/j1" -s 2
check_eq "5xx only: exit 2" "$rc" 2
check_eq "retried recipients accepted after two 4xx" \
	"$(grep -c 'to=<retry[12]@example.com> stage=data attempt=3 reply=250' "$TESTSINK_LOG")" 2
check_eq "4xx attempts seen at the sink" \
	"$(grep -c 'to=<retry[12]@example.com> stage=rcpt .*reply=451' "$TESTSINK_LOG")" 4
check "5xx recorded in the journal with its text" \
	grep -q '^R 3 gone1@example.com 550 5.1.1 no such user here$' "$W/j1"
check_eq "journal: 4 accepted" "$(grep -c '^A ' "$W/j1")" 4
check "summary line" grep -q 'accepted=4 rejected=1 deferred=0' "$W/out"
n0=$(grep -c 'stage=data' "$TESTSINK_LOG")
feed -C proto1 -m "$W/msg" -r "$W/list" -j "$W/j1" -s 2
check_eq "re-run with the journal sends nothing" "$(grep -c 'stage=data' "$TESTSINK_LOG")" "$n0"
check "re-run skips all five" grep -q 'skipped=5' "$W/out"
feed -C other -m "$W/msg" -r "$W/list" -j "$W/j1"
check_eq "journal of another campaign: exit 65" "$rc" 65

printf 'busy@example.com\nok3@example.com\n' > "$W/list2"
feed -C proto2 -m "$W/msg" -r "$W/list2" -j "$W/j2" --max-tries 3
check_eq "out of tries: exit 3 (deferred)" "$rc" 3
check "deferred recorded with text" grep -q '^D 1 busy@example.com 452 4.2.2 mailbox busy$' "$W/j2"
check_eq "busy tried 3 times" "$(grep -c 'to=<busy@example.com> stage=rcpt' "$TESTSINK_LOG")" 3

printf 'datarej1@example.com\nok5@example.com\n' > "$W/list2b"
feed -C proto2b -m "$W/msg" -r "$W/list2b" -j "$W/j2b"
check_eq "5xx after DATA: exit 2" "$rc" 2
check "5xx after DATA recorded with text" \
	grep -q '^R 1 datarej1@example.com 554 5.7.1 content rejected$' "$W/j2b"
check "the other recipient accepted" grep -q '^A 2 ok5@example.com$' "$W/j2b"

# --- a relay without PIPELINING; no relay reachable ----------------------------
port=$(sandbox_free_port)
sb_bg "$W/sinkp.out" smtp-sink -u postfix -p -c "127.0.0.1:$port" 100
if sb_wait_daemon "$SB_BG" "$port" 10; then
	seq 1 300 | sed 's/.*/np&@example.com/' > "$W/list6"
	"$FEED" -C nopipe -m "$W/msg" -r "$W/list6" -R "127.0.0.1:$port" -s 3 -k 4 \
		--no-progress > "$W/out" 2>&1
	check_eq "no PIPELINING: exit 0" "$?" 0
	check "no PIPELINING: 300 recipients in 75 messages" \
		grep -q 'accepted=300 .* messages=75 ' "$W/out"
else
	fail "smtp-sink -p" "did not start"
fi
"$FEED" -C nobody -m "$W/msg" -r "$W/list6" -R "127.0.0.1:$(sandbox_free_port)" \
	--give-up 1 --no-progress > "$W/out" 2>&1
check_eq "no relay reachable: exit 69" "$?" 69
check "no relay reachable: reported" grep -q 'Connection refused; retrying' "$W/out"

# --- malformed lines ---------------------------------------------------------
printf 'a1@example.com\nnot an address\n\n# comment\n<>\na2@example.com\n@nolocal.example\n' > "$W/list3"
feed -C proto3 -m "$W/msg" -r "$W/list3"
check_eq "malformed lines: exit 2" "$rc" 2
check "line 2 reported" grep -q "list3:2: .*skipped" "$W/out"
check "line 5 (null address) reported" grep -q "list3:5: null address" "$W/out"
check "line 7 reported" grep -q "list3:7: " "$W/out"
check "summary counts 3 malformed, 2 accepted" grep -q 'accepted=2 rejected=0 deferred=0 malformed=3' "$W/out"
"$FEED" -n -C proto3 -m "$W/msg" -r "$W/list3" > "$W/out" 2>&1
check "dry run counts" grep -q 'to_send=2 already_done=0 malformed=3' "$W/out"

# --- CSV merge fields with quoting -------------------------------------------
cat > "$W/list.csv" <<'EOF'
name,email,city
"Smith, Anna",anna@example.com,"Paris"
"He said ""hi""", bob@example.com ,Berlin
"Multi
Line",carol@example.com,.Rome
broken "quote",dave@example.com,X
EOF
printf 'From: news@example.com\nSubject: for {{name}}\n\nDear {{name}} <{{email}}>,\n{{city}} awaits.\n' > "$W/merge"
testsink_start "$W/rules" || fail "testsink 2" "did not start"
feed -C merge1 -m "$W/merge" -r "$W/list.csv" -s 3 -k 5
check_eq "CSV: one malformed record -> exit 2" "$rc" 2
check "CSV: malformed record reported with its line" grep -q 'list.csv:6: quote inside an unquoted field' "$W/out"
m_anna=$(grep -l 'RCPT TO:<anna@example.com>' "$TESTSINK_DIR"/msg/msg.* 2>/dev/null)
m_bob=$(grep -l 'RCPT TO:<bob@example.com>' "$TESTSINK_DIR"/msg/msg.* 2>/dev/null)
m_carol=$(grep -l 'RCPT TO:<carol@example.com>' "$TESTSINK_DIR"/msg/msg.* 2>/dev/null)
check "CSV: comma inside quotes" grep -q '^Subject: for Smith, Anna$' $m_anna
check "CSV: email tag and field" grep -q '^Dear Smith, Anna <anna@example.com>,$' $m_anna
check "CSV: doubled quotes" grep -q '^Dear He said "hi" <bob@example.com>,$' $m_bob
check "CSV: line break in a field becomes a space" grep -q '^Subject: for Multi Line$' $m_carol
check "CSV: value starting with . at line start survives" grep -q '^\.Rome awaits\.$' $m_carol
check_eq "CSV: one recipient per merged message" "$(grep -c '^RCPT TO' $m_anna)" 1
check "X-Campaign-ID added" grep -q '^X-Campaign-ID: merge1$' $m_anna

# --- dots, bare LF, X-Campaign-ID replaced ------------------------------------
printf 'X-Campaign-ID: old\n  continued\nFrom: a@example.com\nSubject: dots\n\n.leading dot\n..two dots\n.\nlast\n' > "$W/dots"
printf 'dots@example.com\n' > "$W/list4"
feed -C dots1 -m "$W/dots" -r "$W/list4"
m=$(grep -l 'RCPT TO:<dots@example.com>' "$TESTSINK_DIR"/msg/msg.*)
check_eq "dots: exit 0" "$rc" 0
check "dots: body arrives unstuffed and whole" \
	diff <(sed -n '/^$/,$p' "$W/dots") <(sed -n '/^$/,$p' $m)
check_eq "old X-Campaign-ID and its continuation dropped" "$(grep -c -e 'old' -e continued $m)" 0

# --- a 10 MB message ----------------------------------------------------------
testsink_start "$W/rules" -s 20000000 || fail "testsink 3" "did not start"
{ printf 'From: a@example.com\nSubject: big\n\n'
  head -c 7500000 /dev/urandom | base64 -w 76; } > "$W/big"
printf 'big1@example.com\nbig2@example.com\nbig3@example.com\n' > "$W/list5"
feed -C big1 -m "$W/big" -r "$W/list5" -s 2
check_eq "10 MB: exit 0" "$rc" 0
check_eq "10 MB: three messages" "$(testsink_counter messages)" 3
m=$(ls "$TESTSINK_DIR"/msg/msg.* | head -1)
check "10 MB: body intact" diff <(sed -n '/^$/,$p' "$W/big") <(sed -n '/^$/,$p' "$m")
done_testing
