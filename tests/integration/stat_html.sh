#!/bin/bash
# NAME
#	stat_html.sh - campaignstat --html: self-contained, escaped, same counts
# DESCRIPTION
#	On fixture logs whose campaign id, host, domain and reasons hold
#	markup, quotes, ampersands, control bytes and invalid UTF-8: the page
#	parses with balanced elements, has no script and no reference outside
#	itself, shows every log string escaped, and its per-campaign and total
#	counts and chart bars agree with --json.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
export TZ=UTC
CS=$CAMPAIGN_BUILD/campaignstat/campaignstat
FX=$CAMPAIGN_SRC/tests/fixtures/stat
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# html_check HTML JSON - prints one "name<TAB>got<TAB>want" line per check
html_check() {
	python3 - "$1" "$2" <<-'PY'
	import html.parser, json, sys
	page = open(sys.argv[1], encoding="utf-8", errors="strict").read()
	d = json.load(open(sys.argv[2]))
	VOID = {"meta", "br", "line", "rect", "img", "link", "input", "hr"}
	class P(html.parser.HTMLParser):
	    def __init__(s):
	        super().__init__(convert_charrefs=True)
	        s.stack, s.bad, s.tags, s.ext, s.rows, s.row, s.cell, s.bars = [], 0, set(), [], [], None, None, 0
	    def handle_starttag(s, t, a):
	        s.tags.add(t)
	        for k, v in a:
	            if k in ("src", "href") and not (v or "").startswith("#"): s.ext.append(v)
	            if k.startswith("on"): s.ext.append(k)
	        if t == "rect" and ("class", "bar") in a: s.bars += 1
	        if t == "tr": s.row = []
	        if t in ("td", "th") and s.row is not None: s.cell = ""
	        if t not in VOID: s.stack.append(t)
	    def handle_startendtag(s, t, a): s.handle_starttag(t, a); s.handle_endtag(t) if t not in VOID else None
	    def handle_endtag(s, t):
	        if t in VOID: return
	        if not s.stack or s.stack[-1] != t: s.bad += 1; return
	        s.stack.pop()
	        if t in ("td", "th") and s.row is not None: s.row.append(s.cell); s.cell = None
	        if t == "tr": s.rows.append(s.row); s.row = None
	    def handle_data(s, x):
	        if s.cell is not None: s.cell += x
	p = P(); p.feed(page); p.close()
	out = [("balanced elements", p.bad + len(p.stack), 0),
	       ("no script, style only inline", sorted(p.tags & {"script", "iframe", "link", "img", "object", "embed"}), []),
	       ("no reference outside the page", p.ext, []),
	       ("one inline svg per campaign with deliveries", page.count("<svg"), sum(1 for c in d["campaigns"] if c["rate"])),
	       ("chart bars equal the rate slots", p.bars, sum(len(c["rate"]["deliveries"]) for c in d["campaigns"] if c["rate"]))]
	head = next(r for r in p.rows if r and r[0] == "campaign" and "delivered" in r)
	names = [h.replace(" ", "_") for h in head[4:]]
	byid = {r[0]: r for r in p.rows if r and len(r) == len(head)}
	for c in d["campaigns"] + [dict(d["totals"], campaign="total")]:
	    r = byid.get(c["campaign"])
	    # counts are integers; log bytes per delivered has one decimal
	    got = {k: round(float(v), 1) for k, v in zip(names, r[4:])} if r else None
	    out.append(("counts of " + c["campaign"], got, {k: round(float(c[k]), 1) for k in names}))
	print("\n".join("%s\t%s\t%s" % o for o in out))
	PY
}

run_checks() {
	local name got want
	html_check "$tmp/r.html" "$tmp/r.json" > "$tmp/checks"
	check_eq "$1: page and JSON compared" $? 0
	check "$1: at least 7 comparisons" test "$(wc -l < "$tmp/checks")" -ge 7
	while IFS=$'\t' read -r name got want; do
		check_eq "$1: $name" "$got" "$want"
	done < "$tmp/checks"
}

for fx in html-escape.log pipeline.log golden/tls/in.log; do
	"$CS" --html "$FX/$fx" > "$tmp/r.html"
	check_eq "$fx: --html exits 0" $? 0
	"$CS" --json "$FX/$fx" > "$tmp/r.json"
	run_checks "$fx"
done

"$CS" --html "$FX/html-escape.log" > "$tmp/r.html"
check "campaign id escaped" grep -qF '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp' "$tmp/r.html"
check "host escaped" grep -qF 'mx&lt;1&gt;' "$tmp/r.html"
# the reason table folds <...> to <> (addresses), so <b> shows as <>
check "reason markup and quotes escaped" grep -qF '&lt;&gt;bold&lt;&gt; &amp; &quot;quoted&quot; &#39;single&#39;' "$tmp/r.html"
check "control byte and invalid UTF-8 shown as U+FFFD" grep -qF 'bad&#xfffd;&#xfffd;.example' "$tmp/r.html"
check "valid UTF-8 kept" grep -qF $'450 \xe2\x82\xac &#xfffd;&#xfffd; ok' "$tmp/r.html"
check "no raw markup from the log" bash -c "! grep -q '<script\|<b>' '$tmp/r.html'"
"$CS" --html --campaign nosuch "$FX/pipeline.log" > "$tmp/e.html"
check "no campaign: still a page with the totals" grep -q '<tr class="total">' "$tmp/e.html"
done_testing
