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

# sandbox/sink: the per-recipient SMTP test sink of the built-in sandbox
noinst_PROGRAMS += sandbox/sink/campaign-testsink
sandbox_sink_campaign_testsink_SOURCES = sandbox/sink/campaign-testsink.c \
	sandbox/sink/rules.c sandbox/sink/testsink.h
sandbox_sink_campaign_testsink_LDADD = $(CAMPAIGN_LIBS)
check_PROGRAMS += tests/unit/test_sink_rules
tests_unit_test_sink_rules_SOURCES = tests/unit/test_sink_rules.c \
	sandbox/sink/rules.c sandbox/sink/testsink.h tests/unit/testhelp.h
tests_unit_test_sink_rules_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-I$(top_srcdir)/sandbox/sink
tests_unit_test_sink_rules_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_sink_rules
