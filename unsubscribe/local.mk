# unsubscribe/local.mk - campaign-unsubscribe (issue 14)
sbin_PROGRAMS += unsubscribe/campaign-unsubscribe
unsubscribe_campaign_unsubscribe_SOURCES = \
	unsubscribe/campaign-unsubscribe.c unsubscribe/unsub.h \
	unsubscribe/request.c unsubscribe/page.c unsubscribe/store.c \
	unsubscribe/http.c unsubscribe/mail.c unsubscribe/client.c
unsubscribe_campaign_unsubscribe_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) -pthread
unsubscribe_campaign_unsubscribe_LDADD = $(CAMPAIGN_LIBS) $(MHD_LIBS) $(PTHREAD_LIBS)
dist_man_MANS += unsubscribe/campaign-unsubscribe.8
# campaign-unsubscribe.service: made from its .in (edit_unit, Makefile.am)
systemdsystemunit_DATA += unsubscribe/campaign-unsubscribe.service
CLEANFILES += unsubscribe/campaign-unsubscribe.service
unsubscribe/campaign-unsubscribe.service: $(srcdir)/unsubscribe/campaign-unsubscribe.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) unsubscribe && \
	$(edit_unit) $(srcdir)/unsubscribe/campaign-unsubscribe.service.in > $@.tmp && mv $@.tmp $@
EXTRA_DIST += unsubscribe/campaign-unsubscribe.service.in \
	tests/integration/unsub_http.sh tests/integration/unsub_mail.sh \
	tests/integration/unsub_tls.sh tests/integration/unsub_browser.sh

# Unit tests: the parsing (request.c, page.c) and the entry (lib/supentry.c)
check_PROGRAMS += tests/unit/test_unsub_request tests/unit/test_unsub_entry
tests_unit_test_unsub_request_SOURCES = tests/unit/test_unsub_request.c \
	unsubscribe/request.c unsubscribe/page.c unsubscribe/unsub.h \
	tests/unit/testhelp.h
tests_unit_test_unsub_request_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/unsubscribe \
	-I$(top_srcdir)/tests/unit
tests_unit_test_unsub_request_LDADD = $(CAMPAIGN_LIBS)
tests_unit_test_unsub_entry_SOURCES = tests/unit/test_unsub_entry.c tests/unit/testhelp.h
tests_unit_test_unsub_entry_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_unit_test_unsub_entry_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_unsub_request tests/unit/test_unsub_entry
