#!/bin/bash
# NAME
#	milter_miltertest.sh - campaign-milter's protocol tests with miltertest
# DESCRIPTION
#	Runs every tests/fixtures/miltertest/t-*.lua against a campaign-milter started
#	in the foreground on a private unix socket with the .conf beside the
#	script (@DIR@ replaced by a fresh directory holding the secret).
#	The scripts check negotiation (steps, no-reply flags, actions), the
#	headers added and their values, replies (550, 552) and per-message
#	state; miltertest cannot see a change of envelope sender, which
#	milter_postfix.sh checks at the sink.  Each script is one test; the
#	milter must then stop cleanly on SIGTERM and leave no sanitizer
#	report, and every "-- expect-log: REGEX" line of the script must
#	match what the milter logged (this miltertest cannot read reply
#	texts back, so rejects are checked there and at the SMTP client).  Also: the command line (--help, usage and configuration
#	errors, -n, -V).
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
PROG=$CAMPAIGN_BUILD/milter/campaign-milter
TDIR=$CAMPAIGN_SRC/tests/fixtures/miltertest
WORK=$(mktemp -d /tmp/milter-mt.XXXXXX)
MPID=
cleanup() { [ -n "$MPID" ] && kill -KILL "$MPID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
printf 'miltertest-secret\n' > "$WORK/secret"
chmod 600 "$WORK/secret"
export ASAN_OPTIONS=log_path=$WORK/asan UBSAN_OPTIONS=log_path=$WORK/ubsan:print_stacktrace=1

gone() { ! kill -0 "$1" 2>/dev/null; }

# run_script LUA - one scenario with its own conf and milter
run_script() {
	local lua=$1 name conf sock token st
	name=$(basename "$lua" .lua)
	conf=$WORK/$name.conf sock=$WORK/$name.sock
	sed "s|@DIR@|$WORK|g" "$TDIR/$name.conf" > "$conf"
	token=$("$PROG" -c "$conf" -T spring-2026 user@dest.example)
	"$PROG" -f -c "$conf" -p "unix:$sock" 2>"$WORK/$name.err" &
	MPID=$!
	if ! wait_for 10 "socket" test -S "$sock"; then
		fail "$name" "milter did not start: $(cat "$WORK/$name.err")"; return
	fi
	miltertest -D "sock=unix:$sock" -D "token=$token" -s "$lua" > "$WORK/$name.out" 2>&1
	st=$?
	kill -TERM "$MPID"
	wait_for 20 "milter exit" gone "$MPID"; wait "$MPID"; local mst=$?
	MPID=
	if [ $st -ne 0 ]; then
		fail "$name" "$(tr '\n' ' ' < "$WORK/$name.out")"
	elif [ $mst -ne 0 ]; then
		fail "$name" "milter exit status $mst: $(tail -3 "$WORK/$name.err")"
	elif ! expect_logs "$lua" "$WORK/$name.err"; then
		fail "$name" "missing log line: $MISSING"
	else
		pass "$name"
	fi
}

# expect_logs LUA ERRFILE - every "-- expect-log: REGEX" of LUA matches
expect_logs() {
	local re
	while IFS= read -r re; do
		grep -qE -- "$re" "$2" || { MISSING=$re; return 1; }
	done < <(sed -n 's/^-- expect-log: //p' "$1")
}

for lua in "$TDIR"/t-*.lua; do run_script "$lua"; done

# --- the command line ---------------------------------------------------------
C=$WORK/t-tag-single.conf
"$PROG" --help > "$WORK/help" 2>&1; check_eq "--help exits 0" $? 0
check "--help prints the usage" grep -q '^usage: campaign-milter' "$WORK/help"
"$PROG" -Z > /dev/null 2>&1; check_eq "unknown option exits 64" $? 64
"$PROG" -c "$C" extra > /dev/null 2>&1; check_eq "stray argument exits 64" $? 64
"$PROG" -c "$C" -n > "$WORK/n.out" 2>&1; check_eq "-n exits 0" $? 0
check "-n prints the settings" grep -q '^return_path = bounces+%r@bounce.example$' "$WORK/n.out"
"$PROG" -c "$WORK/missing.conf" -n > /dev/null 2>&1; check_eq "missing config exits 78" $? 78
chmod 660 "$WORK/secret"
"$PROG" -c "$C" -n > "$WORK/perm.out" 2>&1; check_eq "group-writable secret exits 78" $? 78
check "... and says why" grep -q 'unsubscribe_secret_file: .*lets others read it or its group write it' "$WORK/perm.out"
chmod 640 "$WORK/secret"
"$PROG" -c "$C" -n > /dev/null 2>&1; check_eq "group-readable secret (shared with the filter) exits 0" $? 0
chmod 600 "$WORK/secret"
"$PROG" -c "$C" -o 'return_path=bounces+%x@b.example' -o 'unsubscribe_url=http://u.example/' \
	-o 'default_campaign=no spaces' -n > "$WORK/bad.out" 2>&1
check_eq "bad settings exit 78" $? 78
check_eq "every bad setting reported" "$(grep -c "^$C: " "$WORK/bad.out")" 3
"$PROG" -c "$C" -o 'return_path=' -n > /dev/null 2>&1; check_eq "no return_path exits 78" $? 78
tok=$("$PROG" -c "$C" -T c1 User@Example.COM)
check_eq "-V accepts a token (case folded)" "$("$PROG" -c "$C" -V c1 user@example.com "$tok")" valid
"$PROG" -c "$C" -V c2 user@example.com "$tok" > /dev/null; check_eq "-V refuses another campaign's token (exit 1)" $? 1
check "no sanitizer report" test -z "$(ls "$WORK" | grep -E '^(asan|ubsan)')"
for f in "$WORK"/asan* "$WORK"/ubsan*; do [ -e "$f" ] && sed 's/^/# /' "$f" | head -30; done
done_testing
