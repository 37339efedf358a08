# syslog/local.mk - rules for syslog/ (included by the top Makefile.am)
#
# The single-box fragment goes where syslog-ng reads conf.d fragments:
# $(sysconfdir)/syslog-ng/conf.d, i.e. /etc/syslog-ng/conf.d when
# configured with --sysconfdir=/etc (or: make install
# syslogngconfdir=/etc/syslog-ng/conf.d).  The forwarding pair must not be
# active beside it, so it is installed as documentation, to be copied to
# conf.d on the boxes that use it (syslog/README.md, "Several boxes").
syslogngconfdir = $(sysconfdir)/syslog-ng/conf.d
dist_syslogngconf_DATA = syslog/postfix-campaign.conf
syslogngexampledir = $(docdir)/syslog
dist_syslogngexample_DATA = syslog/postfix-campaign-forward.conf \
	syslog/postfix-campaign-central.conf syslog/README.md
