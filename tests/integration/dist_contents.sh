#!/bin/bash
# NAME
#	dist_contents.sh - the tarball holds every source file and no build
#	product
# DESCRIPTION
#	Runs make distdir from $CAMPAIGN_BUILD (a built tree: objects,
#	programs and test binaries beside the Makefiles, as when make dist
#	leaked them) into a scratch directory, without the tar and gzip of
#	make dist, then checks: every file git tracks is there (when the
#	sources are a git checkout), and the files the build, the demo and
#	the suite need; no object, archive, ELF file, configure output or
#	generated file is.  The full check, make distcheck, builds twice and
#	runs the unit tests: README.md, "Installing".  No sandbox needed.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"
TMP=$(mktemp -d /tmp/campaign-dist.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
D=$TMP/dist
make -C "$CAMPAIGN_BUILD" -s distdir distdir="$D" > "$TMP/make.out" 2>&1
st=$?
check_eq "make distdir exit status" "$st" 0
[ $st = 0 ] || tail -n 20 "$TMP/make.out" | sed 's/^/# /'
[ -d "$D" ] || { done_testing; exit; }

(cd "$D" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort) > "$TMP/have"

# every tracked file (.gitignore alone stays out)
if git -C "$CAMPAIGN_SRC" rev-parse --git-dir > /dev/null 2>&1; then
	git -C "$CAMPAIGN_SRC" ls-files | grep -vx '.gitignore' | sort > "$TMP/tracked"
	check_eq "tracked files missing from the tarball" \
		"$(comm -23 "$TMP/tracked" "$TMP/have" | head -n 20 | tr '\n' ' ')" ""
fi

# what the build, the demo and the suite need, tarball or checkout alike
for f in configure Makefile.in config.h.in build-aux/install-sh \
	README.md .ci/run doc/DESIGN.md scripts/build scripts/demo \
	scripts/install-deps tests/run tests/harness/lib.sh \
	tests/integration/dist_contents.sh tests/unit/testhelp.h \
	sandbox/ns-exec sandbox/lib.sh sandbox/sandbox.sh \
	sandbox/sink/campaign-testsink.c fuzz/run bench/pipeline \
	milter/campaign-milter.service.in syslog/postfix-campaign.conf \
	debian/control debian/rules; do
	check "tarball has $f" grep -qx -- "$f" "$TMP/have"
done
for d in tests/integration tests/fixtures tests/unit fuzz/corpus doc; do
	check "tarball has files in $d/" grep -q "^$d/" "$TMP/have"
done

# no build product: objects, archives, ELF files, configure's outputs,
# files made by make, dpkg-buildpackage's output
check_eq "objects, archives, configure or make outputs" "$(grep -E \
	-e '\.(o|a|so|Po|trs|deb|buildinfo|changes)$' \
	-e '(^|/)(config\.status|config\.log|config\.h|Makefile|stamp-h1|test-suite\.log)$' \
	-e '(^|/)(\.deps|\.dirstamp)(/|$)' \
	-e '^postfix-conf/campaign-setup$|^milter/campaign-milter\.service$' \
	-e '^debian/(tmp|\.debhelper|files|postfix-campaign|debhelper-build-stamp)(/|$)' \
	"$TMP/have" | head -n 10 | tr '\n' ' ')" ""
elf=$(cd "$D" && while IFS= read -r f; do
	[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && echo "$f"
done < "$TMP/have" | head -n 10 | tr '\n' ' ')
check_eq "ELF files" "$elf" ""
done_testing
