#!/bin/sh
# run.sh BUILD: what `make run` does after building — a private MariaDB, migrations, demo data,
# the pool and nginx on 18080 (HTTP) and 18443 (HTTPS), all under var/; Ctrl-C stops it all.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1

mkdir -p "$ROOT/var"
V=$(short_dir "$ROOT/var")

stopping=0
cleanup() {
	[ $stopping = 1 ] && return
	stopping=1
	echo
	echo "stopping nginx, the pool and MariaDB..."
	nginx_stop "$V/nginx"
	stop_pid "$V/run/crm-fcgi.pid"
	db_stop "$V/db"
	echo "stopped; the data in var/ is kept for the next run"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

db_start "$V/db"
db_users "$V/db"
if [ ! -f "$V/crm.conf" ]; then
	mkdir -p "$V/run"
	write_conf "$V/crm.conf" "$V/db" "$V/run/crm.sock" "$(openssl rand -base64 48 | tr -d '\n')" 0
	echo "wrote $V/crm.conf (configuration of this local run; CRM_* variables override it)"
fi
"$BUILD/crmctl" -c "$V/crm.conf" migrate || die "migrate failed"
"$BUILD/crmctl" -c "$V/crm.conf" demo || die "loading the demo data failed"

"$BUILD/crm-fcgi" -c "$V/crm.conf" 2>>"$V/crm-fcgi.log" &
wait_for test -S "$V/run/crm.sock" || { tail -20 "$V/crm-fcgi.log"; die "crm-fcgi did not start"; }
self_signed "$V/nginx"
nginx_conf conf/nginx.local.conf.in "$V/nginx/nginx.conf" "$V/nginx" "$V/run/crm.sock" 18080 18443
nginx_start "$V/nginx"

TOKEN=$("$BUILD/crmctl" -c "$V/crm.conf" token --sub hollandtech-u1 --tenant hollandtech \
	--scope "crm:read crm:write" --ttl 86400) || die "cannot make the demo token"
cat <<MSG

The CRM API is up:  http://localhost:18080/api/v1   https://localhost:18443/api/v1 (self-signed)
Demo caller: user hollandtech-u1 of tenant hollandtech (tokens: $BUILD/crmctl -c var/crm.conf token ...)

TOKEN=$TOKEN

curl -H "Authorization: Bearer \$TOKEN" http://localhost:18080/api/v1/crm/customers/my

Logs: var/crm-fcgi.log (one line per request), var/nginx/logs/error.log.  Ctrl-C stops everything.
MSG
while :; do
	sleep 1 &
	wait $! 2>/dev/null
done
