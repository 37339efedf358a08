# lib/local.mk - the shared noinst library
noinst_LIBRARIES += lib/libcampaign.a
lib_libcampaign_a_SOURCES = \
	lib/cerr.c lib/cerr.h \
	lib/buf.c lib/buf.h \
	lib/clog.c lib/clog.h \
	lib/conf.c lib/conf.h \
	lib/hmac.c lib/hmac.h

# Every program links this, then its own needs.
CAMPAIGN_LIBS = lib/libcampaign.a $(LIBS) $(CRYPTO_LIBS)
