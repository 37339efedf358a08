# NAME
#	sandbox/unsubscribe.sh - campaign-unsubscribe in the sandbox
# SYNOPSIS
#	. "$CAMPAIGN_SRC/sandbox/lib.sh"	(sources this after campaign.sh)
#	sandbox_start
#	us_write_conf [name=value...]	$US_CONF, secret, an empty table
#	us_attach CONF TABLE PORT	use an existing campaign.conf instead
#					(the campaign path's: its secret signs
#					the tokens the milter and filter wrote)
#	us_start			campaign-unsubscribe as a daemon
#	us_url CAMPAIGN RCPT [TOKEN]	the one-click URL the milter writes
#	us_urls < "CAMPAIGN RCPT" lines	the same for many, in one process
#	us_post URL [CURL-OPTION...]	POST the one-click body; prints the status
#	us_get URL [CURL-OPTION...]	GET; the page in $US_DIR/page, prints the status
#	us_q ADDRESS			postmap -q ADDRESS hash:$US_TABLE
#	us_entries PATTERN		table entries whose key matches PATTERN
#	us_keys				the table's keys, one a line
#	us_stop				SIGTERM, wait (20 s) until it is gone
# DESCRIPTION
#	The daemon listens on a free loopback port ($US_PORT) and logs through
#	syslog to the sandbox's log.  The table is $SB_CONF/campaign/suppression,
#	made by postmap; tokens come from campaign-suppress token (lib/hmac.c,
#	the milter's code), and URLs have the milter's default form
#	unsubscribe_url?c=ID&r=RECIPIENT&t=TOKEN, RECIPIENT percent-encoded.
US_PROG=$CAMPAIGN_BUILD/unsubscribe/campaign-unsubscribe
US_SUPPRESS=$CAMPAIGN_BUILD/suppress/campaign-suppress
US_PID=

us_write_conf() {
	US_DIR=$SB/unsub
	mkdir -p "$US_DIR" "$SB_CONF/campaign" && chmod 755 "$US_DIR"
	US_CONF=$US_DIR/campaign.conf
	US_SECRET=$US_DIR/secret
	US_TABLE=$SB_CONF/campaign/suppression
	US_PORT=$(sandbox_free_port) || return 1
	[ -f "$US_SECRET" ] || head -c 32 /dev/urandom | base64 > "$US_SECRET"
	chmod 600 "$US_SECRET"
	[ -f "$US_TABLE.db" ] || { : > "$US_TABLE" && postmap -c "$SB_CONF" "hash:$US_TABLE"; } || return 1
	{
		echo "unsubscribe_url = https://unsub.campaign.test/u"
		echo "unsubscribe_mailto = unsubscribe+%c+%t@unsub.campaign.test"
		echo "unsubscribe_secret_file = $US_SECRET"
		echo "suppression_table = hash:$US_TABLE"
		echo "unsubscribe_listen = 127.0.0.1:$US_PORT"
		local kv
		for kv in "$@"; do echo "$kv"; done
	} > "$US_CONF"
	chmod 644 "$US_CONF"
}

# us_attach CONF TABLE PORT - the daemon on CONF (whose unsubscribe_listen
# is 127.0.0.1:PORT and suppression_table hash:TABLE), not us_write_conf's
us_attach() {
	US_DIR=$SB/unsub
	mkdir -p "$US_DIR" && chmod 755 "$US_DIR" || return 1
	US_CONF=$1 US_TABLE=$2 US_PORT=$3
}

us_ready() { sb_port_in_use "$US_PORT"; }

# us_start [OPTION...] - the daemon; US_PID from its pid file
us_start() {
	local st
	sb_daemon campaign-unsubscribe "$US_DIR" us_ready \
		"$US_PROG" -c "$US_CONF" -P "$US_DIR/pid" "$@"
	st=$?
	US_PID=$SB_BG
	return $st
}

# us_stop - SIGTERM; 0 when it is gone within 20 s
us_stop() {
	[ -n "$US_PID" ] || return 0
	sb_stop_daemon campaign-unsubscribe "$US_PID" || return 1
	US_PID=
}

us_token() { "$US_SUPPRESS" -c "$US_CONF" token "$1" "$2"; }

# us_enc ADDRESS - percent-encoded as milter/tag.c does (unreserved kept)
us_enc() {
	local s=$1 out= c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c"; out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

us_url() {
	local tok=${3:-$(us_token "$1" "$2")}
	printf 'http://127.0.0.1:%s/u?c=%s&r=%s&t=%s' "$US_PORT" "$1" "$(us_enc "$2")" "$tok"
}

# us_urls - one URL per "CAMPAIGN RCPT" line of stdin, made in one python3
# process (HMAC-SHA256 over campaign NUL lowercase(rcpt), base64url, as
# lib/hmac.c; a process per token is too slow for a thousand); the caller
# checks a sample against us_url
us_urls() {
	python3 -c '
import sys, hmac, hashlib, base64, urllib.parse
key = open(sys.argv[1], "rb").read().rstrip(b"\r\n")
for line in sys.stdin:
    c, r = line.split()
    mac = hmac.new(key, c.encode() + b"\0" + r.lower().encode(), hashlib.sha256).digest()
    tok = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    print("http://127.0.0.1:%s/u?c=%s&r=%s&t=%s" % (sys.argv[2], c, urllib.parse.quote(r, safe=""), tok))
' "$US_SECRET" "$US_PORT"
}

us_post() {
	local url=$1; shift
	curl -s -m 10 -o "$US_DIR/page" -w '%{http_code}' --data-binary 'List-Unsubscribe=One-Click' \
		-H 'Content-Type: application/x-www-form-urlencoded' "$@" "$url"
}

us_get() {
	local url=$1; shift
	curl -s -m 10 -o "$US_DIR/page" -w '%{http_code}' "$@" "$url"
}

us_q() { postmap -c "$SB_CONF" -q "$1" "hash:$US_TABLE"; }

us_keys() { postmap -c "$SB_CONF" -s "hash:$US_TABLE" | awk '{ print $1 }'; }

# us_entries PATTERN - how many keys of the table match the grep -E PATTERN
us_entries() { us_keys | grep -cE "$1"; }
