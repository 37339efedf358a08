#!/bin/bash
# NAME
#	stat_providers.sh - campaignstat --providers: deliveries and
#	deferrals per provider, and campaign-shaper's actions on the report
# DESCRIPTION
#	A fixture log (tests/fixtures/stat/providers/in.log) with a copy
#	delivered through the provider clone campaign-google (deferred once
#	with 421 4.7.28, then sent), one through the default smtp transport
#	to a hosted domain whose MX is under google's mx= suffix, one to a
#	domain of no provider, and campaign-shaper's shape: line for google
#	(and one cut short).  Checked in text, JSON, CSV and HTML: google has
#	2 delivered and 1 deferral, the other domain no provider; the
#	action appears after its chart row, in shaper_actions, as a marker on
#	the SVG chart; the cut line is unparsed; a malformed table exits 78
#	naming file and line.  On the TLS fixture (golden/tls): google has 7
#	delivered, 5 over TLS (71.4%), the campaign 5 of 9 (55.6%) in each
#	format.  No sandbox needed.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
FX=$CAMPAIGN_SRC/tests/fixtures/stat/providers
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cs() { "$CS" --year 2026 --providers "$FX/providers" "$@" "$FX/in.log"; }

cs > "$W/text" 2> "$W/err"
check_eq "text: exit 0" "$?" 0
check "text: google 2 delivered, 1 deferral (by transport and by MX)" \
	grep -qE '^  google +2 +1 +0 +0$' "$W/text"
check "text: the shaper's action after its chart row" \
	grep -qE '^    10:00:05 \|#+\| [0-9]+  << shaper: google rate_delay=1s for 600s$' "$W/text"
check "text: the shape: line cut short is unparsed" grep -q '(14 used, 1 other, 1 unparsed)' "$W/text"

cs --json > "$W/json"
jget() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["campaigns"][0]; print(eval(sys.argv[2]))' "$W/json" "$1"; }
check_eq "json: providers" "$(jget "[(p['provider'], p['delivered'], p['deferrals']) for p in c['providers']]")" "[('google', 2, 1)]"
check_eq "json: shaper_actions" \
	"$(jget "[(s['time'], s['provider'], s['action'], s['value'], s['duration_s']) for s in c['shaper_actions']]")" \
	"[('2026-12-03 10:00:01', 'google', 'rate_delay', '1s', 600)]"

cs --csv > "$W/csv"
col() { python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[0]; print(r[sys.argv[2]])' "$W/csv" "$1"; }
check_eq "csv: providers" "$(col providers)" "google 2/1/0/0"
check_eq "csv: shaper_actions" "$(col shaper_actions)" 1

cs --html > "$W/html"
check "html: provider table" grep -q '<h3>Providers (--providers)</h3>' "$W/html"
check "html: the action marked on the rate chart" \
	grep -qE '<line class="shape" [^>]*><title>2026-12-03 10:00:01: shaper: google rate_delay=1s for 600 s</title></line>' "$W/html"

# the share over TLS (tests/fixtures/stat/golden/tls: 5 of google's 7)
TLSLOG=$CAMPAIGN_SRC/tests/fixtures/stat/golden/tls/in.log
tcs() { "$CS" --providers "$FX/providers" "$@" "$TLSLOG"; }
tcs > "$W/tls"
check "tls: text provider row with over TLS and its share" \
	grep -qE '^  google +7 +1 +0 +0 +5 +71\.4$' "$W/tls"
check "tls: text campaign line" grep -qE '^  over TLS      5, 55\.6% of delivered$' "$W/tls"
check_eq "without TLS lines: no TLS column" "$(grep -c 'over TLS' "$W/text")" 0
tcs --json > "$W/json"
check_eq "tls: json provider" \
	"$(jget "[(p['provider'], p['delivered'], p['delivered_tls'], p['tls_percent']) for p in c['providers']]")" \
	"[('google', 7, 5, 71.4)]"
check_eq "tls: json campaign" "$(jget "(c['delivered'], c['delivered_tls'], c['tls_percent'])")" "(9, 5, 55.6)"
tcs --csv > "$W/csv"
check_eq "tls: csv providers" "$(col providers)" "google 7/1/0/5"
check_eq "tls: csv share" "$(col tls_percent)" "55.6"
tcs --html > "$W/html"
check "tls: html provider row" \
	grep -qF '<tr><td class="k">google</td><td>7</td><td>1</td><td>0</td><td>0</td><td>5</td><td>71.4</td></tr>' "$W/html"

"$CS" --year 2026 "$FX/in.log" > "$W/plain"
check_eq "without --providers: no provider rows" "$(grep -c '^  provider ' "$W/plain")" 0
printf 'google domains=gmail.test connections=five\n' > "$W/bad"
"$CS" --providers "$W/bad" "$FX/in.log" > /dev/null 2> "$W/bad.err"
check_eq "a malformed table: exit 78" "$?" 78
check "a malformed table: file and line named" grep -q "^$W/bad:1: " "$W/bad.err"
done_testing
