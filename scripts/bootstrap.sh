#!/bin/sh
# bootstrap: installs the Debian packages the build, the tests and `make run` need, if any is missing.
set -u

PACKAGES="build-essential pkg-config libfcgi-dev libjansson-dev default-libmysqlclient-dev
libjwt-dev libssl-dev libcriterion-dev libcurl4-openssl-dev mariadb-server mariadb-client
nginx openssl curl wrk clang valgrind cppcheck clang-format"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "bootstrap: missing packages:$missing" >&2
	echo "bootstrap: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "bootstrap: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "bootstrap: apt-get update failed" >&2; exit 1; }
# the packaged services must not start on their own: we run private instances
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing >/tmp/crm-bootstrap.log 2>&1 || {
	tail -20 /tmp/crm-bootstrap.log >&2
	echo "bootstrap: apt-get install failed" >&2
	exit 1
}
