#!/bin/bash
# NAME
#	setup_dkim.sh - campaign-setup --dkim-milter: a real OpenDKIM on the
#	reinjection listener signs every copy once, after personalization,
#	and each signature verifies at the sink
# DESCRIPTION
#	Runs opendkim in signing mode (sandbox/dkim.sh: a test key, the
#	SignHeaders list of postfix-conf/OPERATIONS.md) and lets campaign-setup
#	place it.  Checked: the signer is on the reinjection listener only
#	(with milter_default_action=tempfail and milters enabled there), not
#	on the campaign smtpd; a second run changes nothing, -n changes
#	nothing and shows that a run without --dkim-milter takes the signer
#	off.  Then single-recipient campaign messages (with X-Campaign-Feed-*
#	headers, removed by the filter before signing) and batches (fl_batch:
#	each copy with its own To:, merge value, Message-ID and
#	List-Unsubscribe token) go through the whole path; every message at
#	smtp-sink has exactly one DKIM-Signature whose h= covers From, To,
#	Subject, Message-ID, List-Unsubscribe, List-Unsubscribe-Post and
#	Feedback-ID, and "opendkim -t" (the public key from TestPublicKeys:
#	no DNS) says dkim=pass.  Controls that can fail: a copy whose
#	List-Unsubscribe token, or whose To:, is altered after signing fails
#	verification.  With the signer stopped, a batch is deferred and no
#	copy reaches the sink unsigned; with the signer back, every copy
#	arrives once, signed.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

BATCH_RCPT=batch@batch.campaign.invalid

sandbox_start || { fail "sandbox starts"; done_testing; }
check "opendkim starts" dk_start
check_eq "the sandbox signs what OPERATIONS.md advises" \
	"$(sed -n 's/^ *SignHeaders  *//p' "$CAMPAIGN_SRC/postfix-conf/OPERATIONS.md")" "$DK_SIGN_HEADERS"
fl_setup --dkim-milter "unix:$DK_SOCK" || { fail "campaign-setup with --dkim-milter"; done_testing; }
pass "campaign-setup with --dkim-milter"
R=127.0.0.1:$FL_RPORT/inet
check_eq "signer on the reinjection listener" \
	"$(postconf -c "$SB_CONF" -Ph "$R/smtpd_milters")" "unix:$DK_SOCK"
check_eq "reinjection listener: tempfail when the signer fails" \
	"$(postconf -c "$SB_CONF" -Ph "$R/milter_default_action")" tempfail
check_eq "reinjection listener: milters not switched off" \
	"$(postconf -c "$SB_CONF" -Ph "$R/receive_override_options")" \
	no_unknown_recipient_checks,no_header_body_checks
check_eq "campaign smtpd: campaign-milter only (no first-pass signature)" \
	"$(postconf -c "$SB_CONF" -Ph "127.0.0.1:$FL_PORT/inet/smtpd_milters")" "unix:$CM_SOCK"

# the filter's progress files for batches, as filter_batch.sh
echo "filter_state_dir = $SB/filter-state" >> "$CM_CONF"
check "campaign-setup again, with filter_state_dir" fl_setup_again --dkim-milter "unix:$DK_SOCK"
check "campaign-setup a third time" fl_setup_again --dkim-milter "unix:$DK_SOCK"
check "third run: 0 changes" grep -q '^0 change(s) made' "$SB/setup.out"
before=$(md5sum "$SB_CONF/master.cf" "$SB_CONF/main.cf")
check "-n without --dkim-milter" fl_setup_again -n
check "-n shows the signer would be taken off" grep -q \
	"would change: master.cf: 127.0.0.1:$FL_RPORT .* -o smtpd_milters= -o receive_override_options=.*,no_milters" \
	"$SB/setup.out"
check_eq "-n changes nothing" "$(md5sum "$SB_CONF/master.cf" "$SB_CONF/main.cf")" "$before"
check_eq "--dkim-milter with a comma: usage error" \
	"$(fl_setup_again --dkim-milter "unix:$DK_SOCK,unix:/x"; echo $?)" 64
sandbox_fast_retry

# signed_ok LABEL DUMP - one signature, h= covers the copy's own fields,
# and it verifies; prints FAIL lines and returns 1 otherwise
signed_ok() {
	local h f ar
	[ "$(dk_sig_count "$2")" = 1 ] || { echo "# $1: $(dk_sig_count "$2") signatures"; return 1; }
	h=:$(dk_h "$2"):
	for f in from to subject message-id list-unsubscribe list-unsubscribe-post feedback-id; do
		[[ $h == *":$f:"* ]] || { echo "# $1: h= lacks $f: $h"; return 1; }
	done
	[[ $h != *x-campaign-feed* ]] || { echo "# $1: h= has a feed header"; return 1; }
	ar=$(dk_verify "$2")
	[ "$ar" = dkim=pass ] || { echo "# $1: $ar"; return 1; }
}

# --- single-recipient campaign messages ------------------------------------
MSG=$SB/campaign.msg
fl_message "$MSG" dkim-1
fl_inject "$FL_PORT" "$MSG" 'k%d@sink.test' 1 3
check_eq "3 messages accepted" "$FL_ACCEPTED" 3
check "3 at the sink" sandbox_wait_sink_count 3 30
for n in 1 2 3; do
	D=$(cm_dump_for "<k$n@sink.test>")
	check_eq "k$n: feed headers removed by the filter" "$(grep -ci '^X-Campaign-Feed-' "$D")" 0
	check "k$n: one signature over its own fields, verifies" signed_ok "k$n" "$D"
done

# --- batches: every copy signed after personalization ------------------------
# send FILE - one batch into the campaign smtpd; prints the queue id
send() {
	local r
	r=$(sandbox_smtp "$FL_PORT" sender@campaign.test "$BATCH_RCPT" < "$1") || return 1
	echo "${r##* }"
}
dump_for() { grep -l "^X-Rcpt-Args: <$1>" "$SB_SINK_DIR"/msg.* 2>/dev/null | head -1; }

fl_batch "$SB/b1.batch" dkim-batch b000001 1 40
fl_batch "$SB/b2.batch" dkim-batch b000002 41 41
check "batch of 40 accepted" test -n "$(send "$SB/b1.batch")"
check "batch of 1 accepted" test -n "$(send "$SB/b2.batch")"
check "44 at the sink" sandbox_wait_sink_count 44 60
bad=0 tos=
for ((i = 1; i <= 41; i++)); do
	D=$(dump_for "r$i@sink.test")
	if [ -z "$D" ] || [ "$(cm_header "$D" To)" != "<r$i@sink.test>" ] ||
		[ "$(cm_header "$D" Subject)" != "Hello Name$i" ] || ! signed_ok "r$i" "$D"; then
		bad=$((bad + 1))
	fi
	tos+=$(cm_header "$D" List-Unsubscribe)$'\n'
done
check_eq "41 copies: each its own To: and merge value, signed once, verifies" "$bad" 0
check_eq "41 copies: 41 distinct List-Unsubscribe values under the signatures" \
	"$(sort -u <<<"$tos" | grep -c .)" 41

# --- controls: a copy altered after signing fails ------------------------------
D=$(dump_for r7@sink.test)
cp "$D" "$SB/altered.1"
sed -i '/^List-Unsubscribe:/s/t=\([A-Za-z0-9_-]\)/t=Z\1/' "$SB/altered.1"
check "control: the token was altered" test "$(cm_header "$SB/altered.1" List-Unsubscribe)" != \
	"$(cm_header "$D" List-Unsubscribe)"
check_eq "control: altered List-Unsubscribe fails verification" "$(dk_verify "$SB/altered.1")" dkim=fail
sed 's/^To: <r7@sink.test>/To: <r8@sink.test>/' "$D" > "$SB/altered.2"
check_eq "control: another recipient's To: fails verification" "$(dk_verify "$SB/altered.2")" dkim=fail

# --- the signer down: deferred, never sent unsigned ----------------------------
check "opendkim stopped" dk_stop
fl_batch "$SB/b3.batch" dkim-batch b000003 101 105
Q=$(send "$SB/b3.batch")
check "signer down: batch accepted by the campaign smtpd" test -n "$Q"
check "signer down: batch deferred" wait_for 60 "deferral of $Q" sb_log_match "$Q: deferred: batch b000003"
check_eq "signer down: no copy at the sink" "$(fl_rcpts_at_sink | grep -c ' r10[0-9]@')" 0
check "opendkim started again" dk_start
sandbox_postqueue -f >/dev/null 2>&1
check "signer back: 5 more at the sink" sandbox_wait_sink_count 49 60
at_sink=$(fl_rcpts_at_sink | grep -E ' r10[1-5]@sink.test$')
check_eq "signer back: 5 recipients, each once" "$(awk '$1 == 1' <<<"$at_sink" | wc -l)" 5
bad=0
for ((i = 101; i <= 105; i++)); do
	D=$(dump_for "r$i@sink.test")
	[ -n "$D" ] && signed_ok "r$i" "$D" || bad=$((bad + 1))
done
check_eq "signer back: every copy signed once, verifies" "$bad" 0
done_testing
