# dist.mk - what make dist adds to the sources automake already knows
# (every _SOURCES, dist_*, man page and local.mk): what it takes to build,
# run the demo and run the whole suite from the tarball.
#
# A folder named here is copied whole, from the source tree and then from
# the build tree when the build tree has a folder of that name (automake's
# distdir rule).  So only folders that never hold build products are named
# whole: nothing is compiled into them, in the source tree or out of it.
# Folders that do get objects or programs (sandbox/sink, tests/unit, every
# program's folder) are listed file by file or come in through _SOURCES.
# tests/integration/dist_contents.sh checks both: every tracked file is in
# the tarball, and no object, archive, ELF file or configure output is.
EXTRA_DIST += README.md .ci doc scripts fuzz
EXTRA_DIST += sandbox/ns-exec sandbox/lib.sh sandbox/sandbox.sh \
	sandbox/campaign.sh sandbox/unsubscribe.sh sandbox/dkim.sh
EXTRA_DIST += tests/run tests/harness tests/integration tests/fixtures
# debian/ file by file: dpkg-buildpackage leaves its products in there
EXTRA_DIST += debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/campaign.conf \
	debian/README.Debian debian/postfix-campaign.install \
	debian/postfix-campaign.docs debian/postfix-campaign.logrotate \
	debian/postfix-campaign.postinst debian/postfix-campaign.postrm \
	debian/postfix-campaign.lintian-overrides
