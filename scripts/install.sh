#!/bin/sh
# install.sh BUILD: what `make install` does (the Debian package's rules call it too, with
# DESTDIR set).  Puts in place, under $DESTDIR:
#   $SBINDIR/crm-fcgi, $BINDIR/crmctl, the manuals crm-fcgi(8) and crmctl(1) in $MANDIR,
#   $SYSCONFDIR/crm/crm.conf (made from conf/crm.conf.example for a server: the socket
#     /run/crm/crm.sock, no pid file, MariaDB's Debian socket), never overwriting one there,
#   $UNITDIR/crm-fcgi.socket and crm-fcgi.service (their paths made to match $SBINDIR and
#     $SYSCONFDIR),
#   $SYSCONFDIR/nginx/conf.d/crm-api.conf and snippets/crm-api.conf (scripts/nginx_part.sh),
#   $DOCDIR: README.md and the configuration and nginx examples,
#   $PREFIX/share/crm-customer-api: the API document openapi.json and its page docs.html,
#     which nginx serves (nginx.conf.example), when `make docs` has built them.
# An existing file under $SYSCONFDIR that differs from the new one is kept; the new one is
# written beside it as FILE.dist and named on stderr.  The variables come from the Makefile.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
BUILD=$(build_dir "${1:-build}")
D=${DESTDIR:-}
: "${PREFIX:=/usr/local}" "${BINDIR:=$PREFIX/bin}" "${SBINDIR:=$PREFIX/sbin}"
: "${MANDIR:=$PREFIX/share/man}" "${DOCDIR:=$PREFIX/share/doc/crm-customer-api}"
: "${SYSCONFDIR:=/etc}" "${UNITDIR:=$PREFIX/lib/systemd/system}"
for bin in crm-fcgi crmctl; do
	[ -x "$BUILD/$bin" ] || die "$BUILD/$bin is not built (make all)"
done
TMP=$(mktemp -d /tmp/crm-install.XXXXXX) || die "cannot make a directory under /tmp"
trap 'rm -rf "$TMP"' EXIT

# put MODE SRC DEST: installs SRC as $D/DEST (directories made 0755).
put() {
	install -d -m 0755 "$D${3%/*}" && install -m "$1" "$2" "$D$3" || die "cannot install $D$3"
}

# put_conf MODE SRC DEST: put, but an existing DEST is never overwritten.
put_conf() {
	if [ -e "$D$3" ]; then
		cmp -s "$2" "$D$3" && return 0
		install -m "$1" "$2" "$D$3.dist" || die "cannot install $D$3.dist"
		echo "install: kept $D$3 as it is; the new one is $D$3.dist" >&2
		return 0
	fi
	put "$@"
}

put 0755 "$BUILD/crm-fcgi" "$SBINDIR/crm-fcgi"
put 0755 "$BUILD/crmctl" "$BINDIR/crmctl"
put 0644 "$ROOT/man/crm-fcgi.8" "$MANDIR/man8/crm-fcgi.8"
put 0644 "$ROOT/man/crmctl.1" "$MANDIR/man1/crmctl.1"

# The server's configuration: the example with the three lines a server needs changed.
{
	echo "# crm-fcgi and crmctl on this server: installed from conf/crm.conf.example, and never"
	echo "# overwritten by an upgrade.  Set db_password and jwt_secret (or CRM_* in a drop-in of"
	echo "# crm-fcgi.service), then: crmctl -c $SYSCONFDIR/crm/crm.conf migrate"
	echo
	sed -e 's|^listen[[:space:]]*=.*|listen = /run/crm/crm.sock|' \
		-e 's|^pid_file[[:space:]]*=.*|pid_file =|' \
		-e 's|^db_socket[[:space:]]*=.*|db_socket = /run/mysqld/mysqld.sock|' \
		"$ROOT/conf/crm.conf.example"
} >"$TMP/crm.conf"
for want in 'listen /run/crm/crm.sock' 'pid_file ' 'db_socket /run/mysqld/mysqld.sock'; do
	[ "$(conf_value "$TMP/crm.conf" "${want%% *}" '?')" = "${want#* }" ] ||
		die "conf/crm.conf.example: no '${want%% *} = ' line to set for a server"
done
put_conf 0640 "$TMP/crm.conf" "$SYSCONFDIR/crm/crm.conf"

for unit in crm-fcgi.socket crm-fcgi.service; do
	sed -e "s|/usr/sbin/crm-fcgi|$SBINDIR/crm-fcgi|g" -e "s|/etc/crm/|$SYSCONFDIR/crm/|g" \
		"$ROOT/conf/systemd/$unit" >"$TMP/$unit"
	put 0644 "$TMP/$unit" "$UNITDIR/$unit"
done

sh "$ROOT/scripts/nginx_part.sh" http >"$TMP/nginx-http.conf" || exit 1
sh "$ROOT/scripts/nginx_part.sh" snippet >"$TMP/nginx-snippet.conf" || exit 1
put_conf 0644 "$TMP/nginx-http.conf" "$SYSCONFDIR/nginx/conf.d/crm-api.conf"
put_conf 0644 "$TMP/nginx-snippet.conf" "$SYSCONFDIR/nginx/snippets/crm-api.conf"

put 0644 "$ROOT/README.md" "$DOCDIR/README.md"
put 0644 "$ROOT/conf/crm.conf.example" "$DOCDIR/examples/crm.conf.example"
put 0644 "$ROOT/nginx.conf.example" "$DOCDIR/examples/nginx.conf.example"
for f in openapi.json docs.html; do
	[ -f "$BUILD/openapi/$f" ] && put 0644 "$BUILD/openapi/$f" "$PREFIX/share/crm-customer-api/$f"
done

# On this machine as root (not into a package's tree): the configuration holds secrets, so
# only root and the service's group may read it (README, "Install on a server").
if [ -z "$D" ] && [ "$(id -u)" = 0 ]; then
	if getent group crm >/dev/null 2>&1; then
		chown root:crm "$SYSCONFDIR/crm/crm.conf" && chmod 0640 "$SYSCONFDIR/crm/crm.conf"
	else
		chmod 0600 "$SYSCONFDIR/crm/crm.conf"
		echo "install: no group crm yet: $SYSCONFDIR/crm/crm.conf is root's alone; after" \
			"'adduser --system --group crm': chgrp crm $SYSCONFDIR/crm/crm.conf" >&2
	fi
fi
echo "install: crm-fcgi, crmctl, $SYSCONFDIR/crm/crm.conf, the units in $UNITDIR and the nginx" \
	"parts are in place${D:+ under $D}"
