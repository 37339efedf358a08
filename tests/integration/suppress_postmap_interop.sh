#!/bin/bash
# NAME
#	suppress_postmap_interop - campaign-suppress and the real postmap read
#	and write the same hash: tables
# SYNOPSIS
#	CAMPAIGN_SRC=... CAMPAIGN_BUILD=... bash tests/integration/suppress_postmap_interop.sh
# DESCRIPTION
#	1. 12,000 random keys (mixed case, dots, plus signs, long ones) are
#	   written by postmap in its default mode, with -N and with -n; every
#	   one is found by "campaign-suppress check -" (lib/map_db.c through
#	   the CLI) with its exact value, absent keys are not, export gives
#	   back the source (keys folded to lower case).
#	2. The same keys imported by campaign-suppress are found by
#	   "postmap -q -" and listed by "postmap -s"; the file equals
#	   postmap's byte for byte except the 20-byte file id of the meta
#	   page.  add/remove and @domain entries are seen by postmap -q.
#	3. One "campaign-suppress check -" process stays open while the
#	   table is rebuilt by postmap (in place), rebuilt with postmap -n,
#	   replaced by rename, updated by another process, corrupted, removed
#	   and rebuilt: each answer reflects the table at that moment.
#	4. Bad input: missing table, garbage file, truncated file, garbage
#	   pages, too-long and NUL-carrying keys, bad import lines, token
#	   secrets: clear errors and sysexits codes, never a crash.
#	Needs postfix (postmap) only; no sandbox.  Postfix commands get a
#	minimal configuration directory of their own (postmap -c).
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

CS=$CAMPAIGN_BUILD/suppress/campaign-suppress
W=$(mktemp -d "${TMPDIR:-/tmp}/suppress_interop.XXXXXX")
cleanup() {
	[ -n "${RD_PID:-}" ] && kill "$RD_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
printf 'compatibility_level = 3.6\n' > "$W/main.cf"
touch -d "-1 min" "$W/main.cf"	# postmap waits while main.cf looks brand new
PM() { postmap -c "$W" "$@"; }
quiet() { "$@" > /dev/null; }
NKEYS=12000

# gen_keys - "key value" lines: random case, dots, plus signs, every
# 40th key long (64-byte local part, 180-byte domain); unique by index
gen_keys() {
	awk -v n="$NKEYS" 'BEGIN {
		srand(20261128)
		split("abcdefghijklmnopqrstuvwxyz0123456789", ch, "")
		for (i = 1; i <= n; i++) {
			if (i % 40 == 0) {
				l = "L" i "."; while (length(l) < 64) l = l ch[int(rand() * 36) + 1]
				d = "Sub" i; while (length(d) < 170) d = d "." word(9)
				d = d ".Example"
			} else {
				l = word(3 + int(rand() * 6)) "." word(2 + int(rand() * 8)) i
				if (rand() < 0.5) l = l "+" word(1 + int(rand() * 5))
				d = word(4 + int(rand() * 8)) "." (rand() < 0.3 ? word(5) "." : "") "Example" (i % 50) ".COM"
			}
			printf "%s@%s 550 5.7.1 suppressed: interop key %d\n", mixcase(l), mixcase(d), i
		}
	}
	function word(k,   s, j) { s = ""; for (j = 0; j < k; j++) s = s ch[int(rand() * 26) + 1]; return s }
	function mixcase(s,   o, j, c) {
		o = ""
		for (j = 1; j <= length(s); j++) {
			c = substr(s, j, 1); o = o (rand() < 0.4 ? toupper(c) : c)
		}
		return o
	}'
}

gen_keys > "$W/src"
cut -d' ' -f1 "$W/src" > "$W/keys"
sed 's/^[^ ]* /suppressed /' "$W/src" > "$W/want"
awk '{ printf "%s %s\n", tolower($1), substr($0, length($1) + 2) }' "$W/src" | sort > "$W/want_export"
seq 1 500 | sed 's/.*/absent&.x@nowhere&.example/' > "$W/absent"
check_eq "generated keys" "$(sort -fu "$W/keys" | wc -l)" "$NKEYS"
check "long keys present" grep -q '^L40\.' "$W/keys"

# mismatches GOT WANT - lines that differ
mismatches() { diff "$1" "$2" | grep -c '^<'; }

# part 1: postmap writes, campaign-suppress reads
for mode in default -N -n; do
	t=$W/pm$mode
	cp "$W/src" "$t"
	flag=; [ "$mode" = default ] || flag=$mode
	check "postmap $mode builds" PM $flag "hash:$t"
	"$CS" -t "hash:$t" check - < "$W/keys" > "$W/got" 2> "$W/err"
	check_eq "postmap $mode: check - exit" "$?" 0
	check_eq "postmap $mode: $NKEYS keys found with their values" "$(mismatches "$W/got" "$W/want")" 0
	"$CS" -t "hash:$t" check - < "$W/absent" | sort -u > "$W/got"
	check_eq "postmap $mode: absent keys not suppressed" "$(cat "$W/got")" "not-suppressed"
	long=$(grep -m1 '^L40\.' "$W/keys")
	check_eq "postmap $mode: check long key" "$("$CS" -t "hash:$t" check "$long")" \
		"550 5.7.1 suppressed: interop key 40"
	"$CS" -t "hash:$t" check "Absent@Nowhere.Example" > /dev/null
	check_eq "postmap $mode: check absent exits 1" "$?" 1
	"$CS" -t "hash:$t" export | sort > "$W/got"
	check_eq "postmap $mode: export equals source" "$(mismatches "$W/got" "$W/want_export")" 0
	"$CS" -t "hash:$t" add New.Key@Example.NET "added later"
	check_eq "postmap $mode: added key seen by postmap -q" \
		"$(PM -q new.key@example.net "hash:$t" | cut -d: -f1)" "550 5.7.1 suppressed"
done

# part 2: campaign-suppress writes, postmap reads
cs=$W/cs
"$CS" -t "hash:$cs" import "$W/src" 2> "$W/err"
check_eq "import exit" "$?" 0
check "import summary" grep -q "import: $NKEYS entries stored, 0 bad lines skipped, $NKEYS lines read" "$W/err"
PM -q - "hash:$cs" < "$W/keys" | cut -f2 > "$W/got"
cut -d' ' -f2- "$W/src" > "$W/want_values"
check_eq "postmap -q finds all $NKEYS imported keys" "$(mismatches "$W/got" "$W/want_values")" 0
check_eq "postmap -s lists $NKEYS entries" "$(PM -s "hash:$cs" | wc -l)" "$NKEYS"
check_eq "postmap -q absent" "$(PM -q - "hash:$cs" < "$W/absent" | wc -l)" 0
# a postmap twin of the imported table: same size, same records (the
# bytes differ only in the meta page's file id and in pages' free space,
# which Berkeley DB writes from uninitialised buffers)
cp "$W/src" "$W/twin" && PM "hash:$W/twin"
check_eq "imported file has postmap's size" "$(stat -c %s "$cs.db")" "$(stat -c %s "$W/twin.db")"
check_eq "imported file has postmap's records" "$(PM -s "hash:$cs" | sort | md5sum)" \
	"$(PM -s "hash:$W/twin" | sort | md5sum)"
"$CS" -t "hash:$cs" add '<"Quoted Local"@Example.ORG>' bounced
check_eq "quoted local part seen by postmap -q" \
	"$(PM -q '"quoted local"@example.org' "hash:$cs" | cut -d' ' -f1-4)" "550 5.7.1 suppressed: bounced"
"$CS" -t "hash:$cs" add @Whole.Example.NET
check_eq "@domain stored as the access(5) domain key" \
	"$(PM -q whole.example.net "hash:$cs" | cut -d: -f1)" "550 5.7.1 suppressed"
check_eq "@domain covers subdomains" \
	"$("$CS" -t "hash:$cs" check someone@mx.whole.example.net | cut -d: -f1)" "550 5.7.1 suppressed"
first=$(head -1 "$W/keys")
"$CS" -t "hash:$cs" remove "$first"
check_eq "removed key gone for postmap -q" "$(PM -q "$first" "hash:$cs"; echo "rc=$?")" "rc=1"
"$CS" -t "hash:$cs" add "$first" "REJECT kept as given"
check_eq "action kept as given" "$(PM -q "$first" "hash:$cs")" "REJECT kept as given"

# part 3: one reader open across rebuilds
live=$W/live
# ask ADDRESS - one question to the open reader; answer in $ANSWER
ask() {
	printf '%s\n' "$1" >&"${RD[1]}"
	IFS= read -r -t 20 ANSWER <&"${RD[0]}" || ANSWER="(no answer)"
}
printf 'A@Example.com 550 one\nC@Example.com 550 c\n' > "$live"
PM "hash:$live"
coproc RD { exec "$CS" -t "hash:$live" check - 2>&1; }
ask a@example.com; check_eq "reader: initial value" "$ANSWER" "suppressed 550 one"
ask b@example.com; check_eq "reader: absent" "$ANSWER" "not-suppressed"
printf 'A@Example.com 550 two\nB@Example.com 550 b\n' > "$live"
PM "hash:$live"
ask a@example.com; check_eq "reader: sees postmap rebuild" "$ANSWER" "suppressed 550 two"
ask b@example.com; check_eq "reader: sees new key" "$ANSWER" "suppressed 550 b"
ask c@example.com; check_eq "reader: dropped key gone" "$ANSWER" "not-suppressed"
printf 'A@Example.com 550 three\n' > "$live"
PM -n "hash:$live"
ask a@example.com; check_eq "reader: sees postmap -n rebuild" "$ANSWER" "suppressed 550 three"
printf 'A@Example.com 550 four\n' > "$W/other"
PM "hash:$W/other" && mv "$W/other.db" "$live.db"
ask a@example.com; check_eq "reader: sees table replaced by rename" "$ANSWER" "suppressed 550 four"
"$CS" -t "hash:$live" add D@Example.com "550 d"
ask d@example.com; check_eq "reader: sees another process's add" "$ANSWER" "suppressed 550 d"
head -c 40000 /dev/urandom > "$live.db"
ask a@example.com; check "reader: garbage table is an error" test "${ANSWER%% *}" = error
printf 'A@Example.com 550 five\n' > "$live"
rm -f "$live.db"; PM "hash:$live"
ask a@example.com; check_eq "reader: rebuilt after garbage" "$ANSWER" "suppressed 550 five"
rm -f "$live.db"
ask a@example.com; check "reader: removed table is an error" grep -q "does not exist" <<< "$ANSWER"
PM "hash:$live"
ask a@example.com; check_eq "reader: table back" "$ANSWER" "suppressed 550 five"
ask "$(head -c 2000 /dev/zero | tr '\0' x)@example.com"
check "reader: too-long key is an error" test "${ANSWER%% *}" = error
ask a@example.com; check_eq "reader: goes on after a bad key" "$ANSWER" "suppressed 550 five"
pid=$RD_PID
eval "exec ${RD[1]}>&-"
wait_for 20 "reader exits at end of input" eval '! kill -0 "$pid" 2>/dev/null'
check "reader exits at end of input" test $? -eq 0
wait "$pid"; check_eq "reader exit status" "$?" 0
unset RD_PID

# part 4: bad input
"$CS" -t "hash:$W/missing" check a@example.com 2> "$W/err"
check_eq "missing table: EX_NOINPUT" "$?" 66
check "missing table: message" grep -q "missing.db: table does not exist" "$W/err"
head -c 100000 /dev/urandom > "$W/garbage.db"
"$CS" -t "hash:$W/garbage" check a@example.com 2> "$W/err"
check_eq "garbage file: EX_IOERR" "$?" 74
check "garbage file: message names it" grep -q "garbage.db" "$W/err"
head -c 8192 "$W/twin.db" > "$W/trunc.db"
"$CS" -t "hash:$W/trunc" check - < "$W/keys" > "$W/got" 2>&1
check_eq "truncated file: reader survives" "$?" 0
check_eq "truncated file: every line answered" "$(wc -l < "$W/got")" "$NKEYS"
# (not with an AddressSanitizer build: its memcmp interceptor reports
# libdb's own wild reads before map_db's fault guard can act)
if ! grep -q __asan_init "$CS"; then
	cp "$W/twin.db" "$W/garbled.db"
	head -c 200000 /dev/urandom | dd of="$W/garbled.db" bs=4096 seek=3 conv=notrunc status=none
	"$CS" -t "hash:$W/garbled" check - < "$W/keys" > "$W/got" 2>&1
	check_eq "garbage pages: reader survives" "$?" 0
	check_eq "garbage pages: every line answered" "$(wc -l < "$W/got")" "$NKEYS"
fi
"$CS" -t "hash:$cs" check "$(head -c 300 /dev/zero | tr '\0' a)@example.com" 2> "$W/err"
check_eq "too-long address: EX_DATAERR" "$?" 65
check "too-long address: message" grep -q "too long" "$W/err"
printf 'a\0b@example.com\nc\001d@example.com\n\n' | "$CS" -t "hash:$cs" check - > "$W/got"
check_eq "NUL, control byte, empty line: named errors" "$(cut -d: -f1 "$W/got" | tr '\n' '|')" \
	"error bad address|error bad address|error empty address|"
check "NUL named" grep -q "NUL byte" "$W/got"
check "control byte named" grep -q "control character" "$W/got"
printf 'good@example.com fine\nbad address here\n<broken@example.com\n%s\nctl@example.com a\001b\n# comment\n\n' \
	"$(head -c 5000 /dev/zero | tr '\0' y)" > "$W/badimport"
"$CS" -t "hash:$W/imp" import "$W/badimport" 2> "$W/err"
check_eq "import with bad lines: EX_DATAERR" "$?" 65
check "import names line 2" grep -q "badimport:2: bad address" "$W/err"
check "import names line 3" grep -q "badimport:3: bad address: missing or unbalanced angle bracket" "$W/err"
check "import names long line 4" grep -q "badimport:4: line too long" "$W/err"
check "import names line 5" grep -q "badimport:5: control character in reason" "$W/err"
check "import summary with bad lines" grep -q "1 entries stored, 4 bad lines skipped, 7 lines read" "$W/err"
check "good line imported" quiet "$CS" -t "hash:$W/imp" check good@example.com
"$CS" -t "hash:$cs" add '<>' 2> /dev/null
check_eq "null address refused" "$?" 65
"$CS" -t "btree:$W/x" check a@b.example 2> "$W/err"
check "unsupported table type" grep -q "unsupported table type" "$W/err"

# tokens
umask 077; printf 'secret-for-tests\n' > "$W/secret"; umask 022
tok=$("$CS" -s "$W/secret" token spring User@Example.COM)
check_eq "token length" "${#tok}" 43
check "verify-token valid (case-insensitive recipient)" "$CS" -s "$W/secret" verify-token spring '<user@example.com>' "$tok"
"$CS" -s "$W/secret" verify-token autumn user@example.com "$tok"
check_eq "verify-token other campaign: invalid" "$?" 1
"$CS" -s "$W/secret" verify-token spring user@example.com "${tok%?}A"
check_eq "verify-token altered token: invalid" "$?" 1
"$CS" -s "$W/secret" verify-token spring 'not an address' "$tok" 2> /dev/null
check_eq "verify-token bad recipient: invalid" "$?" 1
chmod 644 "$W/secret"
"$CS" -s "$W/secret" token spring user@example.com 2> /dev/null
check_eq "world-readable secret: EX_CONFIG" "$?" 78
"$CS" -c /dev/null token spring user@example.com 2> /dev/null
check_eq "no secret configured: EX_CONFIG" "$?" 78

# options
check "--help exits 0" quiet "$CS" --help
"$CS" > /dev/null 2>&1; check_eq "no command: EX_USAGE" "$?" 64
"$CS" -t "hash:$cs" frobnicate > /dev/null 2>&1; check_eq "unknown command: EX_USAGE" "$?" 64
printf 'suppression_table = hash:%s\nbogus = 1\n' "$cs" > "$W/campaign.conf"
"$CS" -c "$W/campaign.conf" list > /dev/null 2> "$W/err"
check_eq "bad config: EX_CONFIG" "$?" 78
check "bad config: file:line" grep -q "campaign.conf:2:" "$W/err"
printf 'suppression_table = hash:%s\n' "$cs" > "$W/campaign.conf"
check "-n prints the table" grep -q "^suppression_table = hash:$cs" <("$CS" -c "$W/campaign.conf" -n)
check "table from campaign.conf" quiet "$CS" -c "$W/campaign.conf" check "$first"

done_testing
