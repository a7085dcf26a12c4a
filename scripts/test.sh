#!/bin/sh
# test.sh BUILD: unit tests, then the HTTP tests against a private MariaDB, the pool and nginx
# under var/test (port 18180).  Everything started here is stopped by PID on exit.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1

status=0
"$BUILD/unit-tests" --jobs 2 || status=1

T=$(short_dir "$ROOT/var/test")
rm -rf "$ROOT/var/test"
mkdir -p "$ROOT/var/test"
T=$(short_dir "$ROOT/var/test")

cleanup() {
	nginx_stop "$T/nginx"
	stop_pid "$T/crm.pid"
	stop_pid "$T/crm-rs.pid"
	db_stop "$T/db"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CRM_DB_POOL=128M db_start "$T/db"
db_users "$T/db"
write_conf "$T/crm.conf" "$T/db" "$T/crm.sock" "$(openssl rand -hex 32)" 2
"$BUILD/crmctl" -c "$T/crm.conf" migrate >/dev/null || die "migrate failed"

# make valgrind: the master and every worker it forks run under memcheck
wrapper=""
if [ "${CRM_TEST_VALGRIND:-0}" = 1 ]; then
	wrapper="valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
		--track-fds=no --num-callers=30 --log-file=$T/valgrind.%p.log"
fi
$wrapper "$BUILD/crm-fcgi" -c "$T/crm.conf" >"$T/crm-fcgi.log" 2>&1 &
wait_for test -S "$T/crm.sock" || { cat "$T/crm-fcgi.log"; die "crm-fcgi did not start"; }
# A second pool on 18181 verifies RS256 tokens, for the algorithm-confusion tests.
mkdir -p "$T/rs"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rs/private.pem" 2>/dev/null &&
	openssl pkey -in "$T/rs/private.pem" -pubout -out "$T/rs/public.pem" || die "cannot make an RSA key"
sed -e "s|^listen = .*|listen = $T/crm-rs.sock|" -e "s|^pid_file = .*|pid_file = $T/crm-rs.pid|" \
	-e "s|^workers = .*|workers = 1|" "$T/crm.conf" >"$T/crm-rs.conf"
printf 'jwt_alg = RS256\njwt_public_key_file = %s\njwt_private_key_file = %s\n' \
	"$T/rs/public.pem" "$T/rs/private.pem" >>"$T/crm-rs.conf"
"$BUILD/crm-fcgi" -c "$T/crm-rs.conf" >"$T/crm-rs.log" 2>&1 &
wait_for test -S "$T/crm-rs.sock" || { cat "$T/crm-rs.log"; die "the RS256 pool did not start"; }

mkdir -p "$T/nginx"
sed -e "s|@PREFIX@|$T/nginx|g" -e "s|@SOCKET@|$T/crm-rs.sock|g" -e "s|@HTTP_PORT@|18181|g" \
	-e "s|@TLS@||g" -e "s|@EXTRA@||g" -e "s|@HTTP_EXTRA@||g" conf/nginx.local.conf.in |
	sed -n '/^\tserver {/,/^\t}/p' >"$T/nginx/rs-server.conf"
nginx_conf conf/nginx.local.conf.in "$T/nginx/nginx.conf" "$T/nginx" "$T/crm.sock" 18180 "" "" \
	"$T/nginx/rs-server.conf"
nginx_start "$T/nginx"

. "$T/db/passwords"
export CRM_TEST_BASE_URL=http://127.0.0.1:18180/api/v1
export CRM_TEST_CONF="$T/crm.conf" CRM_TEST_CRMCTL="$ROOT/$BUILD/crmctl"
export CRM_TEST_DB_SOCKET="$T/db/run/mysqld.sock" CRM_TEST_DB_NAME=crm
export CRM_TEST_DB_USER=crm_admin CRM_TEST_DB_PASSWORD="$ADMIN_PW"
export CRM_TEST_MASTER_PID="$(cat "$T/crm.pid")" CRM_TEST_NGINX_PID="$(cat "$T/nginx/nginx.pid")"
export CRM_TEST_VAR="$T"
export CRM_TEST_RS_BASE_URL=http://127.0.0.1:18181/api/v1 CRM_TEST_RS_CONF="$T/crm-rs.conf"
export CRM_TEST_RS_PUBLIC_KEY="$T/rs/public.pem" CRM_TEST_RS_PRIVATE_KEY="$T/rs/private.pem"
export CRM_TEST_RS_MASTER_PID="$(cat "$T/crm-rs.pid")"

"$BUILD/http-tests" --jobs 1 || {
	status=1
	echo "--- last lines of the service log ($T/crm-fcgi.log) ---"
	grep -v ' request ' "$T/crm-fcgi.log" | tail -40
}

# Stop the service now so that sanitizers and valgrind write their exit reports.
nginx_stop "$T/nginx"
stop_pid "$T/crm.pid"
stop_pid "$T/crm-rs.pid"
if grep -l -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$T"/crm-fcgi.log "$T"/crm-rs.log >/dev/null 2>&1; then
	echo "sanitizer reports in the service logs:"
	grep -h -A30 -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$T"/crm-fcgi.log "$T"/crm-rs.log | head -80
	status=1
fi
if [ "${CRM_TEST_VALGRIND:-0}" = 1 ]; then
	bad=$(grep -L 'ERROR SUMMARY: 0 errors' "$T"/valgrind.*.log)
	echo "valgrind: $(ls "$T"/valgrind.*.log | wc -l) processes checked"
	if [ -n "$bad" ]; then
		for f in $bad; do echo "--- $f"; tail -60 "$f"; done
		status=1
	fi
fi
exit $status
