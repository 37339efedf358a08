#!/bin/bash
# NAME
#	unsub_http.sh - campaign-unsubscribe's one-click endpoint with a real
#	HTTP client (curl), the real postmap and a Postfix smtpd reading the
#	table it writes
# DESCRIPTION
#	1. Options: --help, -n, a usage error, a configuration error.
#	2. One-click POST (RFC 8058) with a token made by lib/hmac.c: 200, no
#	   redirect, the entry (category, campaign, time) seen by postmap -q
#	   and refused by Postfix's check_recipient_access; a replay: 200 and
#	   the entry unchanged; multipart/form-data as well.
#	3. Forged token, malformed token and recipient, wrong and empty body,
#	   oversized body, URL and header block, other methods: 4xx, nothing
#	   written.  GET and HEAD: the confirmation page with its form, nothing
#	   written; posting that form's fields unsubscribes.
#	4. 1,000 distinct valid POSTs from 50 concurrent clients (curl
#	   --parallel), replayed once more, while campaign-suppress adds 100
#	   other entries (a second writer), postmap -q runs in a loop and
#	   smtp-source sends mail through an smtpd that looks up every
#	   recipient in the table: each valid address written exactly once,
#	   one notice line each, no lost write, no lookup error, no warning.
#	5. SIGTERM: a clean stop.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

sandbox_start || { fail "sandbox starts"; done_testing; }
us_write_conf || { fail "configuration written"; done_testing; }

# --- 1. options ---------------------------------------------------------
"$US_PROG" --help > "$US_DIR/help" 2>&1
check_eq "--help exits 0" "$?" 0
check "--help shows --mail" grep -q -- '--mail' "$US_DIR/help"
"$US_PROG" -c "$US_CONF" -n > "$US_DIR/n.out" 2>&1
check_eq "-n exits 0" "$?" 0
check "-n prints unsubscribe_listen" grep -qx "unsubscribe_listen = 127.0.0.1:$US_PORT" "$US_DIR/n.out"
"$US_PROG" -Z > /dev/null 2>&1
check_eq "unknown option exits 64" "$?" 64
"$US_PROG" -c "$US_CONF" -n -o unsubscribe_url= > "$US_DIR/bad.out" 2>&1
check_eq "no unsubscribe_url exits 78" "$?" 78
check "no unsubscribe_url: named" grep -q 'unsubscribe_url' "$US_DIR/bad.out"
"$US_PROG" -c "$US_CONF" -n -o 'unsubscribe_url=https://u.test/%c.%r/%t' > "$US_DIR/bad.out" 2>&1
check_eq "ambiguous URL template exits 78" "$?" 78

# Postfix reads the table: the sandbox smtpd checks every recipient in it
sandbox_postconf "smtpd_recipient_restrictions = check_recipient_access hash:$US_TABLE, permit_mynetworks, reject" &&
	sandbox_reload || fail "smtpd with the table"
# postmap waits while main.cf looks brand new; it is not
touch -d '-1 min' "$SB_CONF/main.cf"
us_start || { fail "campaign-unsubscribe starts"; done_testing; }
pass "campaign-unsubscribe starts"

# --- 2. one click -------------------------------------------------------
A='Alice+news@Example.COM' KEY='alice+news@example.com'
URL=$(us_url spring-2026 "$A")
check_eq "POST: 200" "$(us_post "$URL")" 200
check "POST: the page says unsubscribed" grep -q 'Unsubscribed' "$US_DIR/page"
check_eq "POST: no redirect" "$(curl -s -o /dev/null -w '%{redirect_url}' --data-binary 'List-Unsubscribe=One-Click' "$URL")" ""
got=$(us_q "$KEY")
check "postmap -q sees the entry" grep -qE '^550 5\.7\.1 suppressed: category=unsubscribe campaign=spring-2026 time=20[0-9-]{8}T[0-9:]{8}Z$' <<<"$got"
reply=$(sandbox_smtp "$SB_SMTP_PORT" news@campaign.test "$A" < /dev/null 2>&1)
check "Postfix refuses the unsubscribed recipient" grep -q '550 5.7.1' <<<"$reply"
check_eq "replay: 200" "$(us_post "$URL")" 200
check_eq "replay: entry unchanged" "$(us_q "$KEY")" "$got"
check_eq "one entry for the address" "$(us_keys | grep -cxF "$KEY")" 1
check_eq "notice lines: one added, then kept (two replays)" \
	"$(grep -E "campaign-unsubscribe\[[0-9]+\]: unsubscribe: campaign=spring-2026 rcpt=<" "$SB_LOG" |
	   grep -cE "<alice\+news@example\.com> via=http status=(added|kept)$")" 3
check_eq "one 'added' line" "$(grep -cF "rcpt=<$KEY> via=http status=added" "$SB_LOG")" 1
B=bob@example.org
check_eq "multipart/form-data POST: 200" \
	"$(curl -s -o /dev/null -w '%{http_code}' -F 'List-Unsubscribe=One-Click' "$(us_url c2 $B)")" 200
check "multipart: written" test -n "$(us_q $B)"

# --- 3. refused, nothing written ----------------------------------------
C=carol@example.net
TOK=$(us_token c3 $C)
flip=${TOK:0:42}$([ "${TOK:42}" = A ] && echo B || echo A)
check_eq "forged token: 403" "$(us_post "$(us_url c3 $C "$flip")")" 403
check_eq "token for another campaign: 403" "$(us_post "$(us_url c4 $C "$TOK")")" 403
check_eq "token for another recipient: 403" "$(us_post "$(us_url c3 dave@example.net "$TOK")")" 403
check_eq "short token: 400" "$(us_post "$(us_url c3 $C "${TOK:0:42}")")" 400
check_eq "long token: 400" "$(us_post "$(us_url c3 $C "${TOK}A")")" 400
check_eq "token with a bad byte: 400" "$(us_post "$(us_url c3 $C "${TOK:0:42}%")")" 400
check_eq "recipient without domain: 400" "$(us_post "http://127.0.0.1:$US_PORT/u?c=c3&r=carol&t=$TOK")" 400
check_eq "recipient with CRLF: 400" "$(us_post "http://127.0.0.1:$US_PORT/u?c=c3&r=carol%0D%0A%40example.net&t=$TOK")" 400
check_eq "other path: 404" "$(us_post "http://127.0.0.1:$US_PORT/x?c=c3&r=$(us_enc $C)&t=$TOK")" 404
GOOD=$(us_url c3 $C)
check_eq "wrong body: 400" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'List-Unsubscribe=Yes' "$GOOD")" 400
check_eq "wrong field: 400" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'Unsubscribe=One-Click' "$GOOD")" 400
check_eq "empty body: 400" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$GOOD")" 400
check_eq "JSON body: 400" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary '{"List-Unsubscribe":"One-Click"}' "$GOOD")" 400
head -c 100000 /dev/zero | tr '\0' a > "$US_DIR/big"
check_eq "oversized body: 413" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$US_DIR/big" "$GOOD")" 413
check_eq "oversized chunked body: 413" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$US_DIR/big" "$GOOD")" 413
check_eq "oversized URL (3 kB): 414" "$(us_post "$GOOD&x=$(head -c 3000 "$US_DIR/big")")" 414
check_eq "oversized URL (30 kB): 414" "$(us_post "$GOOD&x=$(head -c 30000 "$US_DIR/big")")" 414
check_eq "oversized header block: 431" "$(us_post "$GOOD" -H "X-Pad: $(head -c 20000 "$US_DIR/big")")" 431
check_eq "PUT: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'List-Unsubscribe=One-Click' "$GOOD")" 405
check_eq "GET: 200" "$(us_get "$GOOD")" 200
check "GET: a form that POSTs" grep -q '<form method="post">' "$US_DIR/page"
check "GET: the one-click field" grep -q 'name="List-Unsubscribe" value="One-Click"' "$US_DIR/page"
check "GET: the address on the page" grep -q "$C" "$US_DIR/page"
check_eq "GET: no-store" "$(curl -s -D - -o /dev/null "$GOOD" | tr -d '\r' | grep -ci '^cache-control: no-store$')" 1
check_eq "HEAD: 200" "$(curl -s -o /dev/null -w '%{http_code}' -I "$GOOD")" 200
check_eq "GET with a forged token: 403" "$(us_get "$(us_url c3 $C "$flip")")" 403
check_eq "nothing written for carol by any of these" "$(us_q $C)" ""
check_eq "nothing written for dave" "$(us_q dave@example.net)" ""
check_eq "table: only the two unsubscribes so far" "$(us_entries .)" 2
# what a browser sends when the button is pressed: the form's fields, urlencoded
check_eq "the form's POST: 200" "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode 'List-Unsubscribe=One-Click' "$GOOD")" 200
check "the form's POST: written" test -n "$(us_q $C)"

# --- 4. 1,000 concurrent POSTs while Postfix and postmap read -----------
N=1000
for ((i = 1; i <= N; i++)); do echo "load-$((i % 7)) u$i@load.example"; done | us_urls > "$US_DIR/urls"
check_eq "bulk URLs agree with lib/hmac.c" "$(sed -n 77p "$US_DIR/urls")" "$(us_url load-0 u77@load.example)"
# curl: "next" between the groups (one after the last would be an empty group)
awk '{ if (NR > 1) print "next"
	printf "url = \"%s\"\ndata-binary = \"List-Unsubscribe=One-Click\"\n", $0
	print "output = \"/dev/null\""; print "write-out = \"%{http_code}\\n\"" }' \
	"$US_DIR/urls" > "$US_DIR/curl.cfg"
# the readers: postmap -q in a loop (exit 0 found, 1 not found, else an error)
reader() {
	local n=0 bad=0 r
	while [ ! -f "$US_DIR/stop" ]; do
		postmap -c "$SB_CONF" -q "u$((RANDOM % N + 1))@load.example" "hash:$US_TABLE" > /dev/null 2>>"$US_DIR/reader.err"
		r=$?; n=$((n + 1))
		[ $r -le 1 ] || bad=$((bad + 1))
	done
	echo "$n $bad" > "$US_DIR/reader.out"
}
# a second writer: campaign-suppress add
writer2() {
	local i
	for ((i = 1; i <= 100; i++)); do
		"$US_SUPPRESS" -c "$US_CONF" add "w$i@other.example" "second writer" || echo "add $i failed"
	done > "$US_DIR/writer2.out" 2>&1
}
reader & RD=$!
writer2 & WR=$!
sandbox_send 300 > "$US_DIR/smtp-source.out" 2>&1 & SS=$!
t0=$(sb_now_ms)
curl -sS --parallel --parallel-max 50 -K "$US_DIR/curl.cfg" > "$US_DIR/codes" 2>"$US_DIR/curl.err"
t1=$(sb_now_ms)
curl -sS --parallel --parallel-max 50 -K "$US_DIR/curl.cfg" > "$US_DIR/codes2" 2>>"$US_DIR/curl.err"
wait "$WR" "$SS"
touch "$US_DIR/stop"; wait "$RD"
echo "# $N POSTs, 50 clients: $((t1 - t0)) ms"
read -r lookups lookup_errors < "$US_DIR/reader.out"
echo "# postmap -q lookups during the load: $lookups"
check_eq "1,000 POSTs: all 200" "$(grep -c '^200$' "$US_DIR/codes")" $N
check_eq "1,000 replays: all 200" "$(grep -c '^200$' "$US_DIR/codes2")" $N
check_eq "every address in the table" "$(us_entries '^u[0-9]+@load\.example$')" $N
# the log is written asynchronously (syslog-ng's flush-lines): wait,
# bounded, for the replays' lines before counting; a lost line still fails
kept_count() { grep -cE 'rcpt=<u[0-9]+@load\.example> via=http status=kept' "$SB_LOG"; }
kept_lines() { [ "$(kept_count)" -ge $N ]; }
wait_for 30 "$N status=kept lines in the log" kept_lines
check_eq "each written once (one 'added' line per address)" \
	"$(grep -oE 'rcpt=<u[0-9]+@load\.example> via=http status=added' "$SB_LOG" | sort | uniq -c | awk '$1 == 1' | wc -l)" $N
check_eq "replays kept the entries" "$(kept_count)" $N
check_eq "entries name their campaign" "$(postmap -c "$SB_CONF" -s "hash:$US_TABLE" | grep -c 'category=unsubscribe campaign=load-[0-6] ')" $N
check_eq "second writer: no failure" "$(cat "$US_DIR/writer2.out")" ""
check_eq "second writer: no lost write" "$(us_entries '^w[0-9]+@other\.example$')" 100
check "postmap -q ran during the load" test "$lookups" -gt 0
check_eq "postmap -q: no lookup error" "$lookup_errors" 0
check_eq "postmap -q: nothing on stderr" "$(cat "$US_DIR/reader.err")" ""
check "smtpd looked up 300 recipients meanwhile" sandbox_wait_sink_count 300 60
check_eq "no Postfix warning (table lookups)" "$(grep -E 'postfix/[a-z]+\[[0-9]+\]: (warning|error|fatal)' "$SB_LOG" | grep -vc 'file system clock')" 0
# (libmicrohttpd's own 414 and 431 answers above are logged at info)
others=$(grep -E 'campaign-unsubscribe\[[0-9]+\]: ' "$SB_LOG" |
	grep -vE ': (unsubscribe: |refused |listening |signal |libmicrohttpd: Error processing request \(HTTP response code is 4)')
[ -n "$others" ] && sed 's/^/# /' <<<"$others" | head -5
check_eq "no campaign-unsubscribe warning" "$(grep -c . <<<"$others")" 0

# --- 5. stop --------------------------------------------------------------
pid=$US_PID
check "SIGTERM stops it" us_stop
check "stop logged" grep -qE "campaign-unsubscribe\[$pid\]: signal 15: stopping" "$SB_LOG"
done_testing
