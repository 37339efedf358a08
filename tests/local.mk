# tests/local.mk - unit tests (make check) and the test programs
UNIT_LDADD = $(CAMPAIGN_LIBS)
check_PROGRAMS += tests/unit/test_buf tests/unit/test_clog \
	tests/unit/test_conf tests/unit/test_hmac
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c tests/unit/testhelp.h
tests_unit_test_buf_LDADD = $(UNIT_LDADD)
tests_unit_test_clog_SOURCES = tests/unit/test_clog.c tests/unit/testhelp.h
tests_unit_test_clog_LDADD = $(UNIT_LDADD)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c tests/unit/testhelp.h
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
tests_unit_test_hmac_SOURCES = tests/unit/test_hmac.c tests/unit/testhelp.h
tests_unit_test_hmac_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_buf tests/unit/test_clog \
	tests/unit/test_conf tests/unit/test_hmac

# tests/sink: the per-recipient SMTP test sink used by the sandbox
noinst_PROGRAMS += tests/sink/campaign-testsink
tests_sink_campaign_testsink_SOURCES = tests/sink/campaign-testsink.c \
	tests/sink/rules.c tests/sink/testsink.h
tests_sink_campaign_testsink_LDADD = $(CAMPAIGN_LIBS)
check_PROGRAMS += tests/sink/test_rules
tests_sink_test_rules_SOURCES = tests/sink/test_rules.c tests/sink/rules.c \
	tests/sink/testsink.h tests/unit/testhelp.h
tests_sink_test_rules_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_sink_test_rules_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/sink/test_rules
