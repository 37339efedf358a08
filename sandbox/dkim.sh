# NAME
#	sandbox/dkim.sh - a real OpenDKIM signer in the sandbox, and checks of
#	the signatures smtp-sink received
# SYNOPSIS
#	. "$CAMPAIGN_SRC/sandbox/lib.sh"	(sources this file)
#	dk_key				a test key pair in $DK_DIR
#	dk_start [SIGNHEADERS]		opendkim -f signing on $DK_SOCK
#	dk_stop				SIGTERM, wait for its exit
#	dk_verify FILE			"opendkim -t" on an smtp-sink dump:
#					prints dkim=pass, dkim=fail, ...
#	dk_h FILE			the h= tag of FILE's first
#					DKIM-Signature, lower case, ":" between
#	dk_sig_count FILE		how many DKIM-Signature fields FILE has
# DESCRIPTION
#	The signer signs for the domain campaign.test (the sandbox's From:
#	domain) with selector "test" and a key made by opendkim-genkey under
#	$SB/dkim; it runs in the foreground, recorded by PID, so sandbox_stop
#	ends it.  SIGNHEADERS defaults to DK_SIGN_HEADERS, the SignHeaders
#	list of postfix-conf/OPERATIONS.md (tests/integration/setup_dkim.sh
#	checks that both say the same); From, List-Unsubscribe and
#	List-Unsubscribe-Post are also over-signed (a second copy of them
#	added later breaks the signature).  Canonicalization relaxed/relaxed.
#	Its Postfix milter address is "unix:$DK_SOCK".
#
#	dk_verify needs no DNS: the public key comes from a TestPublicKeys
#	file.  It removes smtp-sink's own X-Client-Addr ... X-Rcpt-Args
#	lines, which were never part of the message, and verifies the rest
#	with CRLF line ends.
# ENVIRONMENT
#	DK_SYSLOG_SUCCESS=yes: one log line per signed message (default no,
#	as OpenDKIM's own default).
DK_SIGN_HEADERS="From,Sender,Reply-To,To,Cc,Subject,Date,Message-ID,In-Reply-To,References,MIME-Version,Content-Type,Content-Transfer-Encoding,List-Id,List-Unsubscribe,List-Unsubscribe-Post,Feedback-ID,Precedence,X-Campaign-ID"
DK_DOMAIN=campaign.test
DK_PID=

# dk_key - DK_DIR, DK_SOCK, the key pair and the TestPublicKeys file
dk_key() {
	DK_DIR=$SB/dkim DK_SOCK=$SB/dkim/dkim.sock
	mkdir -p "$DK_DIR" && chmod 755 "$DK_DIR" || return 1
	[ -f "$DK_DIR/test.private" ] && return 0
	opendkim-genkey -D "$DK_DIR" -d "$DK_DOMAIN" -s test || return 1
	local pub
	pub=$(tr -d '\n\t"() ' < "$DK_DIR/test.txt" | sed 's/.*p=\([A-Za-z0-9+/=]*\).*/\1/')
	echo "test._domainkey.$DK_DOMAIN v=DKIM1; k=rsa; p=$pub" > "$DK_DIR/keys"
	printf 'Mode v\nTestPublicKeys %s\nSyslog no\n' "$DK_DIR/keys" > "$DK_DIR/verify.conf"
}

# dk_conf FILE SIGNHEADERS - the signer's configuration
dk_conf() {
	cat > "$1" <<CONF
Mode			s
Domain			$DK_DOMAIN
Selector		test
KeyFile			$DK_DIR/test.private
Socket			local:$DK_SOCK
UMask			000
Syslog			yes
SyslogSuccess		${DK_SYSLOG_SUCCESS:-no}
RequireSafeKeys		no
Canonicalization	relaxed/relaxed
SignHeaders		$2
OversignHeaders		From,List-Unsubscribe,List-Unsubscribe-Post
PidFile			$DK_DIR/opendkim.pid
CONF
}

dk_ready() { [ -S "$DK_SOCK" ]; }

# dk_start [SIGNHEADERS] - opendkim in the foreground; DK_PID
dk_start() {
	dk_key || return 1
	rm -f "$DK_SOCK"
	dk_conf "$DK_DIR/sign.conf" "${1:-$DK_SIGN_HEADERS}"
	sb_bg "$DK_DIR/opendkim.out" opendkim -f -x "$DK_DIR/sign.conf"
	DK_PID=$SB_BG
	wait_for 10 "opendkim socket" dk_ready
}

# dk_stop - SIGTERM; 0 when it exits within 20 s
dk_stop() {
	[ -n "$DK_PID" ] || return 0
	sb_stop_daemon opendkim "$DK_PID" || return 1
	DK_PID=
}

# dk_verify FILE - the verifier's result for the dump FILE
dk_verify() {
	sed '/^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):/d' "$1" |
		sed 's/\r*$/\r/' > "$DK_DIR/verify.msg"
	opendkim -x "$DK_DIR/verify.conf" -vvv -t "$DK_DIR/verify.msg" 2>&1 |
		grep -o 'dkim=[a-z]*' | head -1
}

# dk_h FILE - the h= tag of the first DKIM-Signature field
dk_h() {
	awk '/^\r?$/ { exit }
		/^DKIM-Signature:/ { s = 1; printf "%s", $0; next }
		s && /^[ \t]/ { printf "%s", $0; next }
		s { exit }' "$1" | tr -d ' \t\r' | sed -n 's/.*;h=\([^;]*\).*/\1/p' |
		tr 'A-Z' 'a-z'
}

# dk_sig_count FILE - DKIM-Signature fields in the header
dk_sig_count() {
	awk '/^\r?$/ { exit } /^DKIM-Signature:/ { n++ } END { print n + 0 }' "$1"
}
