# syslog/local.mk - rules for syslog/ (included by the top Makefile.am)
#
# The single-box fragment goes where syslog-ng reads conf.d fragments:
# $(syslogngconfdir), set by configure --with-syslog-ng-confdir (default
# $(sysconfdir)/syslog-ng/conf.d, which is /etc/syslog-ng/conf.d, the one
# Debian's syslog-ng reads, only with --sysconfdir=/etc; debian/rules
# passes the option).  The forwarding pair must not be active beside it,
# so it is installed as documentation, to be copied to conf.d on the boxes
# that use it (syslog/README.md, "Several boxes").
dist_syslogngconf_DATA = syslog/postfix-campaign.conf
syslogngexampledir = $(docdir)/syslog
dist_syslogngexample_DATA = syslog/postfix-campaign-forward.conf \
	syslog/postfix-campaign-central.conf syslog/README.md
