# postfix-conf/local.mk - rules for postfix-conf/ (included by the top Makefile.am)
sbin_SCRIPTS = postfix-conf/campaign-setup
dist_pkgdata_DATA = postfix-conf/main.cf.campaign postfix-conf/bounce-rules \
	postfix-conf/providers
dist_man_MANS += postfix-conf/campaign-setup.8
EXTRA_DIST += postfix-conf/campaign-setup.in postfix-conf/OPERATIONS.md \
	postfix-conf/TUNING.md
CLEANFILES += postfix-conf/campaign-setup

postfix-conf/campaign-setup: $(srcdir)/postfix-conf/campaign-setup.in Makefile
	@$(MKDIR_P) postfix-conf
	$(AM_V_GEN)sed -e 's|@sbindir[@]|$(sbindir)|g' \
		-e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
		-e 's|@abs_top_srcdir[@]|$(abs_top_srcdir)|g' \
		$(srcdir)/postfix-conf/campaign-setup.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
