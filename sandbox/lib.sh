# NAME
#	sandbox/lib.sh - the built-in sandbox: the one file to source
# SYNOPSIS
#	(inside sandbox/ns-exec)
#	. "$CAMPAIGN_SRC/sandbox/lib.sh"
#	sandbox_start; fl_setup; ...
# DESCRIPTION
#	Sources, in order:
#	- sandbox/sandbox.sh: a private syslog-ng, Postfix, smtp-sink and the
#	  test sink (sandbox/sink/) on loopback; the project's one clock
#	  (sb_now_ms) and one bounded poll (sb_poll, wait_for);
#	- sandbox/campaign.sh: the campaign path in it (campaign-milter,
#	  campaign-setup's services, campaign-filter, the path probe);
#	- sandbox/unsubscribe.sh: campaign-unsubscribe (us_*);
#	- sandbox/dkim.sh: an OpenDKIM signer and verification (dk_*).
#	scripts/demo and bench/ source this file; the tests source
#	tests/harness/lib.sh, which sources this one.  Nothing here depends
#	on a test file.
# ENVIRONMENT
#	CAMPAIGN_SRC (source tree; default: this file's parent),
#	CAMPAIGN_BUILD (build tree; default CAMPAIGN_SRC/build).
: "${CAMPAIGN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CAMPAIGN_BUILD:=$CAMPAIGN_SRC/build}"
export CAMPAIGN_SRC CAMPAIGN_BUILD
. "$CAMPAIGN_SRC/sandbox/sandbox.sh"
. "$CAMPAIGN_SRC/sandbox/campaign.sh"
. "$CAMPAIGN_SRC/sandbox/unsubscribe.sh"
. "$CAMPAIGN_SRC/sandbox/dkim.sh"
