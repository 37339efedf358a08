#!/bin/bash
# NAME
#	unsub_browser.sh - the confirmation page in a real browser (Debian's
#	chromium, headless)
# DESCRIPTION
#	chromium --headless opens a valid one-click link (a GET, as a person
#	clicking it in a mail client would): the page renders (a screenshot
#	is made and is a PNG of the window's size), its DOM as the browser
#	built it holds the form that POSTs List-Unsubscribe=One-Click and the
#	address, and the browser's visit wrote nothing (a GET never
#	unsubscribes, whatever the browser fetches besides).  The form's POST
#	itself is tested with curl in unsub_http.sh.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

CHROMIUM=$(command -v chromium || echo /usr/bin/chromium)
[ -x "$CHROMIUM" ] || { fail "chromium installed (scripts/install-deps)"; done_testing; }
sandbox_start || { fail "sandbox starts"; done_testing; }
us_write_conf || { fail "configuration written"; done_testing; }
us_start || { fail "campaign-unsubscribe starts"; done_testing; }
touch -d '-1 min' "$SB_CONF/main.cf"	# postmap waits while main.cf looks brand new

A='o.neil+news@example.com'
URL=$(us_url spring-2026 "$A")
B=$SB/browser
mkdir -p "$B/home"
# browse URL ARG... - chromium headless with a throw-away profile, bounded
browse() {
	HOME=$B/home timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--no-first-run --disable-extensions --disable-background-networking \
		--user-data-dir="$B/profile" "$@" "$URL"
}
browse --dump-dom > "$B/dom.html" 2> "$B/dom.err"
check "chromium built the page" grep -q '</html>' "$B/dom.html"
check "DOM: a form that POSTs" grep -q '<form method="post">' "$B/dom.html"
check "DOM: the one-click field" grep -q 'name="List-Unsubscribe" value="One-Click"' "$B/dom.html"
check "DOM: the button" grep -q '<button type="submit" id="unsubscribe">Unsubscribe</button>' "$B/dom.html"
check "DOM: the address" grep -q "o.neil+news@example.com" "$B/dom.html"
browse --screenshot="$B/page.png" --window-size=800,600 > "$B/shot.out" 2>&1
check "screenshot made" test -s "$B/page.png"
check_eq "screenshot is an 800x600 PNG" "$(od -An -tx1 -j16 -N8 "$B/page.png" | tr -d ' \n')" "0000032000000258"
check_eq "the browser's visit wrote nothing" "$(us_q "$A")" ""
check_eq "GET lines only: no unsubscribe logged" "$(grep -c 'campaign-unsubscribe\[[0-9]*\]: unsubscribe:' "$SB_LOG")" 0
[ -n "${UNSUB_SCREENSHOT:-}" ] && cp "$B/page.png" "$UNSUB_SCREENSHOT"
done_testing
