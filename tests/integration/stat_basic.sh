#!/bin/bash
# NAME
#	stat_basic.sh - campaignstat on fixture logs, and against pflogsumm
# DESCRIPTION
#	A milter -> filter -> delivery fixture (hops not counted, bounce and
#	suppressed reject attributed), gzip input, garbage never fatal, and a
#	generated plain Postfix log whose delivered/deferred/bounced totals
#	must equal pflogsumm's.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
FX=$CAMPAIGN_SRC/tests/fixtures/stat
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
jget() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

"$CS" --json "$FX/pipeline.log" > "$tmp/p.json" 2>/dev/null
check "exit 0 with a garbage line" test $? -eq 0
check_eq "delivered excludes filter hops" "$(jget "$tmp/p.json" "d['totals']['delivered']")" 1
check_eq "filter hops" "$(jget "$tmp/p.json" "d['totals']['filter_hops']")" 2
check_eq "bounced" "$(jget "$tmp/p.json" "d['campaigns'][0]['bounced']")" 1
check_eq "suppressed before queue by sender" "$(jget "$tmp/p.json" "d['campaigns'][0]['suppressed_before_queue']")" 1
check_eq "unparsed counted" "$(jget "$tmp/p.json" "d['lines']['unparsed']")" 1
gzip -c "$FX/pipeline.log" > "$tmp/p.log.gz"
"$CS" --json "$tmp/p.log.gz" > "$tmp/g.json" 2>/dev/null
check_eq "gzip input gives the same delivered" "$(jget "$tmp/g.json" "d['totals']['delivered']")" 1
check_eq "bounced export: the suppression entry, its time once" \
	"$("$CS" --bounced --year 2026 --bounce-rules "$CAMPAIGN_SRC/postfix-conf/bounce-rules" "$FX/pipeline.log" 2>/dev/null)" \
	"v@e.example 550 5.7.1 suppressed: category=bad-mailbox campaign=spring time=2026-11-28T10:00:02Z"
"$CS" --help >/dev/null; check_eq "--help exits 0" $? 0
"$CS" --nonsense >/dev/null 2>&1; check_eq "usage error exits 64" $? 64

# a plain Postfix log: 300 messages, some deferred then sent, some bounced
awk 'BEGIN { for (i = 0; i < 300; i++) {
	q = sprintf("%010X", 4096 + i); t = sprintf("Nov 28 10:%02d:%02d", int(i / 60) % 60, i % 60)
	printf "%s mx1 postfix/qmgr[1]: %s: from=<bounces+c%d@ex.org>, size=900, nrcpt=1 (queue active)\n", t, q, i % 3
	if (i % 10 == 0) printf "%s mx1 postfix/smtp[2]: %s: to=<u%d@d%d.example>, relay=mx[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=4.2.0, status=deferred (host mx[1.2.3.4] said: 450 4.2.0 greylisted (in reply to RCPT TO command))\n", t, q, i, i % 7
	if (i % 17 == 0) printf "%s mx1 postfix/smtp[2]: %s: to=<u%d@d%d.example>, relay=mx[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx[1.2.3.4] said: 550 5.1.1 unknown (in reply to RCPT TO command))\n", t, q, i, i % 7
	else printf "%s mx1 postfix/smtp[2]: %s: to=<u%d@d%d.example>, relay=mx[1.2.3.4]:25, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (250 ok)\n", t, q, i, i % 7
	printf "%s mx1 postfix/qmgr[1]: %s: removed\n", t, q } }' > "$tmp/plain.log"
"$CS" --json "$tmp/plain.log" > "$tmp/plain.json"
/usr/sbin/pflogsumm --problems-first "$tmp/plain.log" > "$tmp/pf.txt" 2>/dev/null
pf() { awk -v w="$1" '$2 == w { print $1; exit }' "$tmp/pf.txt"; }
check_eq "delivered equals pflogsumm" "$(jget "$tmp/plain.json" "d['totals']['delivered']")" "$(pf delivered)"
check_eq "bounced equals pflogsumm" "$(jget "$tmp/plain.json" "d['totals']['bounced']")" "$(pf bounced)"
check_eq "deferred messages equal pflogsumm" "$(jget "$tmp/plain.json" "d['totals']['deferred_messages']")" "$(pf deferred)"
check_eq "three campaigns from the sender" "$(jget "$tmp/plain.json" "len(d['campaigns'])")" 3
done_testing
