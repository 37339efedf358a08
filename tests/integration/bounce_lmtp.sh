#!/bin/bash
# NAME
#	bounce_lmtp.sh - bounce_dsn.sh's checks with campaign-setup
#	--bounce-lmtp: Postfix's DSNs reach campaign-bounce -l through
#	lmtp(8) and spawn(8), the VERP recipient as ORCPT, the queue id by
#	XFORWARD IDENT
BD_MODE=lmtp
. "$CAMPAIGN_SRC/tests/integration/bounce_dsn.sh"
