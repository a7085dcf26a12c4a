#!/bin/sh
# bootstrap.sh: installs the Debian 12 packages that the build, the tests, `make run`,
# `make bench`, `make lint` and `make deb` need, when any is missing.  One dpkg-query call, so it
# takes a fraction of a second when everything is there.  As root it runs apt-get;
# otherwise it prints the command to run and exits 1.
set -u

# nodejs, npm: the pinned tools that build and check the API document (tools/openapi,
# installed with `npm ci` by make; they need node >= 20); chromium: the test that renders
# its docs page.
# prometheus: its promtool checks the service's /metrics in make test (the server itself is
# never started).
# nginx: on Debian 12 the package `nginx` is the server itself (nginx-light/-full/-extras
# only add modules to it); the FastCGI module we need is built in.
PACKAGES="build-essential pkg-config libfcgi-dev libjansson-dev default-libmysqlclient-dev
libjwt-dev libssl-dev libutf8proc-dev libdeflate-dev zlib1g-dev libcriterion-dev libcurl4-openssl-dev mariadb-server mariadb-client
nginx openssl curl wrk clang clang-format valgrind cppcheck
libsystemd-dev debhelper lintian mandoc fakeroot python3
nodejs chromium prometheus"
# npm comes with a nodejs from NodeSource (this image's node 20), and as a package of its own
# with Debian's: ask for it only when there is no npm, so that apt never swaps a newer node.
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

# Packages dpkg knows as installed (the others are unknown or only half there).
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $PACKAGES 2>/dev/null |
	awk '$2 == "installed" { printf " %s", $1 }')
missing=""
for p in $PACKAGES; do
	case "$installed " in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "bootstrap: missing Debian packages:$missing" >&2
	echo "bootstrap: as root, run:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "bootstrap: installing$missing"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/crm-bootstrap.XXXXXX) || exit 1
apt-get update >"$log" 2>&1 || {
	tail -20 "$log" >&2
	echo "bootstrap: apt-get update failed (full log: $log)" >&2
	exit 1
}
# The packaged MariaDB and nginx services must not start by themselves (nor take port 80):
# we run private instances.  A policy-rc.d that denies every start does that for the
# length of the install; one that was there before is left alone.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	trap 'exit 130' INT TERM
fi
apt-get install -y --no-install-recommends $missing >>"$log" 2>&1 || {
	tail -20 "$log" >&2
	echo "bootstrap: apt-get install failed (full log: $log)" >&2
	exit 1
}
rm -f "$log"
echo "bootstrap: done"
