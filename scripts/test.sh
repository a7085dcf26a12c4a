#!/bin/sh
# test.sh BUILD: what `make test` does after building.
#   1. BUILD/unit-tests (Criterion);
#   2. an integration environment under var/test (wiped first): its own MariaDB with users
#      crm_admin / crm_app, `crmctl migrate`, crm-fcgi (2 workers, a random HS256 secret),
#      a second pool that verifies RS256 tokens (base_path /rs256/api/v1), and nginx on
#      127.0.0.1:18180 (and HTTPS with HTTP/2 on 18543), passing /api/v1/ to the first and /rs256/api/v1/ to the
#      second;
#   3. BUILD/http-tests --jobs 1 against it (they share the database), with
#      CRM_TEST_BASE_URL, CRM_TEST_CONF, CRM_TEST_CRMCTL, CRM_TEST_DB_SOCKET, CRM_TEST_DB_NAME,
#      CRM_TEST_DB_USER / CRM_TEST_DB_PASSWORD (crm_admin), CRM_TEST_MASTER_PID,
#      CRM_TEST_NGINX_PID, CRM_TEST_VAR, CRM_TEST_STATUS_SOCKET (the first pool's
#      status_listen) and the CRM_TEST_RS_* of the RS256 pool.
# Everything started here is stopped by PID on exit, whatever happens.  The service's log is
# var/test/crm-fcgi.log; its warnings and errors are shown only when a test failed.  The
# output ends with Criterion's summary lines; the exit status is 1 when any test failed.
#
# CRM_TEST_VALGRIND=1 (make valgrind): the service runs under valgrind memcheck.
# CRM_TEST_ARGS: more Criterion options for the HTTP tests, e.g. --filter 'tags/*'.
# CRM_TEST_DIR (default var/test) and CRM_TEST_HTTP_PORT (default 18180): where the
# environment lives and listens, so that two checkouts or builds can test side by side
# (the HTTPS port is CRM_TEST_HTTP_PORT + 363).  CRM_TEST_SKIP_FAULTS=1 skips the
# fault-injection suite.
#
# The API document: nginx serves BUILD/openapi (`make openapi` builds it); when it is built,
# the HTTP tests log every exchange (CRM_TEST_HTTP_LOG) and scripts/check_openapi.sh then,
# with the service still up, validates every answer against docs/openapi.yaml, runs the
# generated client's session and renders the docs page in Chromium (output in
# var/test/openapi/, the page's screenshot var/test/openapi/docs.png).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1
BUILD=$(build_dir "${1:-build}")

HTTP_PORT=${CRM_TEST_HTTP_PORT:-18180}
TEST_DIR=${CRM_TEST_DIR:-var/test}
case $TEST_DIR in /*) ;; *) TEST_DIR=$ROOT/$TEST_DIR ;; esac
SHOWN_DIR=${TEST_DIR#"$ROOT"/} # as the messages name it
RS_PREFIX=/rs256/api/v1
VALGRIND=${CRM_TEST_VALGRIND:-0}

# The tests run with their own configuration only: no CRM_<KEY> of the caller's.
conf_env_unset

[ -x "$BUILD/unit-tests" ] || die "$BUILD/unit-tests is missing (make test builds it)"

# ---- var/test: stop what an earlier run may have left running, then wipe it -------------------
T=$(short_dir "$TEST_DIR")
if ours "$T/nginx/nginx.pid" "$T/nginx"; then nginx_stop "$T/nginx"; fi
if ours "$T/crm.pid" "$T/crm.conf"; then stop_pid "$T/crm.pid"; fi
if ours "$T/crm-rs.pid" "$T/crm-rs.conf"; then stop_pid "$T/crm-rs.pid"; fi
if ours "$T/db/run/mysqld.pid" "$T/db/data"; then db_stop "$T/db"; fi
rm -rf "$TEST_DIR"
T=$(short_dir "$TEST_DIR")

# The end of the output: notes (sanitizers, valgrind), then Criterion's summary lines.
SUMMARY=$T/summary.txt
NOTES=$T/notes.txt
: >"$SUMMARY"
: >"$NOTES"
finish() {
	echo
	cat "$NOTES" "$SUMMARY"
	exit "$1"
}
# criterion NAME BINARY ARGS...: runs a Criterion binary, its output also in T/NAME.log;
# keeps its summary line for the end; returns its exit status.
criterion() {
	c_name=$1
	shift
	{
		"$@" 2>&1
		echo $? >"$T/$c_name.rc"
	} | tee "$T/$c_name.log"
	grep -a 'Synthesis:' "$T/$c_name.log" | tail -1 >>"$SUMMARY"
	c_rc=$(cat "$T/$c_name.rc" 2>/dev/null)
	[ -n "$c_rc" ] || c_rc=1
	if [ "$c_rc" != 0 ] && ! grep -q -a 'Synthesis:' "$T/$c_name.log"; then
		echo "$c_name: exited with status $c_rc before its summary line" >>"$SUMMARY"
	fi
	return "$c_rc"
}

status=0
criterion unit-tests "$BUILD/unit-tests" --jobs 2 || status=1

if [ ! -x "$BUILD/http-tests" ]; then
	echo "test: $BUILD/http-tests is not built yet: the HTTP tests are skipped"
	echo "http-tests: not built, skipped" >>"$NOTES"
	finish $status
fi
for tool in mariadbd mariadb-install-db mariadb-admin mariadb nginx openssl; do
	command -v $tool >/dev/null 2>&1 || die "$tool is missing (make bootstrap installs it)"
done
for bin in crm-fcgi crmctl; do
	[ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing (make test builds it)"
done

cleanup() {
	trap '' INT TERM
	nginx_stop "$T/nginx"
	stop_pid "$T/crm.pid" 20
	stop_pid "$T/crm-rs.pid" 20
	db_stop "$T/db"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- the integration environment ---------------------------------------------------------------
CRM_DB_POOL=${CRM_DB_POOL:-128M} db_start "$T/db"
db_users "$T/db"
# pool_conf NAME WORKERS [KEY=VALUE...]: T/NAME.conf, a pool on T/NAME.sock (pid file
# T/NAME.pid) with this run's JWT secret and cursor key: every pool behind one nginx has the
# same cursor key.
JWT_SECRET=$(openssl rand -hex 32)
CURSOR_KEY=$(openssl rand -hex 32)
pool_conf() {
	pc_name=$1
	pc_workers=$2
	shift 2
	write_conf "$T/$pc_name.conf" "$T/db" listen="$T/$pc_name.sock" pid_file="$T/$pc_name.pid" \
		workers="$pc_workers" jwt_secret="$JWT_SECRET" cursor_key="$CURSOR_KEY" "$@"
}
# the first pool's master also answers /status and /metrics (tests/http/test_status.c)
pool_conf crm 2 status_listen="$T/status.sock"
"$BUILD/crmctl" -c "$T/crm.conf" migrate >"$T/migrate.log" 2>&1 || {
	cat "$T/migrate.log"
	die "crmctl migrate failed"
}

# start_pool NAME LOG: the pool of T/NAME.conf, its output in LOG (under valgrind memcheck with
# CRM_TEST_VALGRIND=1: the master and every worker it forks, given longer to start).
start_pool() {
	if [ "$VALGRIND" = 1 ]; then
		pool_start "$T/$1.pid" "$T/$1.sock" "$2" 120 \
			valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
			--track-fds=no --num-callers=30 --log-file="$T/valgrind.%p.log" \
			"$BUILD/crm-fcgi" -c "$T/$1.conf"
	else
		pool_start "$T/$1.pid" "$T/$1.sock" "$2" 30 "$BUILD/crm-fcgi" -c "$T/$1.conf"
	fi || exit 1
}
start_pool crm "$T/crm-fcgi.log"

# A second pool verifies RS256 tokens (the algorithm-confusion tests).  It answers below its
# own base path, so that the same nginx and port serve both pools.
mkdir -p "$T/rs"
(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$T/rs/private.pem" 2>/dev/null) &&
	openssl pkey -in "$T/rs/private.pem" -pubout -out "$T/rs/public.pem" 2>/dev/null ||
	die "cannot make an RSA key"
pool_conf crm-rs 1 base_path="$RS_PREFIX" jwt_alg=RS256 \
	jwt_public_key_file="$T/rs/public.pem" jwt_private_key_file="$T/rs/private.pem"
start_pool crm-rs "$T/crm-rs.log"

# nginx as `make run` has it (HTTPS with HTTP/2 on a second port, as a production server
# block has it), with the template's pool location once for each pool
HTTPS_PORT=$((HTTP_PORT + 363))
mkdir -p "$T/nginx"
export CRM_DOCS_DIR="$BUILD/openapi"
self_signed "$T/nginx"
nginx_conf "$T/nginx/nginx.conf" "$T/nginx" "$HTTP_PORT" "$HTTPS_PORT" "" \
	/api/v1/ "$T/crm.sock" "$RS_PREFIX/" "$T/crm-rs.sock"
nginx_start "$T/nginx"

# ---- the HTTP tests ------------------------------------------------------------------------------
. "$T/db/passwords"
export CRM_TEST_BASE_URL=http://127.0.0.1:$HTTP_PORT/api/v1
export CRM_TEST_HTTPS_URL=https://127.0.0.1:$HTTPS_PORT/api/v1 CRM_TEST_CA="$T/nginx/tls/cert.pem"
export CRM_TEST_CONF="$T/crm.conf" CRM_TEST_CRMCTL="$BUILD/crmctl"
export CRM_TEST_DB_SOCKET="$T/db/run/mysqld.sock" CRM_TEST_DB_NAME=crm
export CRM_TEST_DB_USER=crm_admin CRM_TEST_DB_PASSWORD="$ADMIN_PW"
CRM_TEST_MASTER_PID=$(cat "$T/crm.pid")
CRM_TEST_NGINX_PID=$(cat "$T/nginx/nginx.pid")
CRM_TEST_RS_MASTER_PID=$(cat "$T/crm-rs.pid")
export CRM_TEST_MASTER_PID CRM_TEST_NGINX_PID CRM_TEST_RS_MASTER_PID
export CRM_TEST_VAR="$T" CRM_TEST_STATUS_SOCKET="$T/status.sock"
export CRM_TEST_RS_BASE_URL=http://127.0.0.1:$HTTP_PORT$RS_PREFIX CRM_TEST_RS_CONF="$T/crm-rs.conf"
export CRM_TEST_RS_PUBLIC_KEY="$T/rs/public.pem" CRM_TEST_RS_PRIVATE_KEY="$T/rs/private.pem"

http_ok=1
OPENAPI_OK=0
[ -f "$BUILD/openapi/openapi.json" ] && [ -f "$BUILD/openapi/session/session.js" ] && OPENAPI_OK=1
[ $OPENAPI_OK = 1 ] && export CRM_TEST_HTTP_LOG="$T/http-exchanges.jsonl"
# shellcheck disable=SC2086 # CRM_TEST_ARGS holds several options
criterion http-tests "$BUILD/http-tests" --jobs 1 ${CRM_TEST_ARGS:-} || http_ok=0
unset CRM_TEST_HTTP_LOG

# The API document against what the service answered (see the top of this file).
if [ $OPENAPI_OK = 1 ]; then
	echo "--- the API document (docs/openapi.yaml) against the service (output: $SHOWN_DIR/openapi/) ---"
	sh "$ROOT/scripts/check_openapi.sh" "$BUILD" "$T/http-exchanges.jsonl" "$T/openapi" >"$T/openapi.out"
	o_rc=$?
	cat "$T/openapi.out"
	grep -a ' passed, [0-9]* failed' "$T/openapi.out" >>"$NOTES"
	[ $o_rc = 0 ] || status=1
else
	echo "openapi: $BUILD/openapi is not built (make openapi): its checks are skipped" >>"$NOTES"
fi

# Stop the service now so that sanitizers and valgrind write their exit reports.
nginx_stop "$T/nginx"
stop_pid "$T/crm.pid" 20
stop_pid "$T/crm-rs.pid" 20

if [ $http_ok = 0 ]; then
	status=1
	echo
	echo "--- warnings and errors of the service (whole log: $SHOWN_DIR/crm-fcgi.log) ---"
	grep -a -v ' request ' "$T/crm-fcgi.log" | tail -40
	if grep -q -a -E '\] (warn|error) ' "$T/crm-rs.log"; then
		echo "--- of the RS256 pool ($SHOWN_DIR/crm-rs.log) ---"
		grep -a -E '\] (warn|error) ' "$T/crm-rs.log" | tail -10
	fi
	echo "--- nginx: $SHOWN_DIR/nginx/logs/error.log; each test's output: $SHOWN_DIR/*.log ---"
fi
if grep -q -a -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' \
	"$T/crm-fcgi.log" "$T/crm-rs.log" 2>/dev/null; then
	echo
	echo "--- sanitizer reports in the service's logs ---"
	grep -h -a -A30 -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' \
		"$T/crm-fcgi.log" "$T/crm-rs.log" | head -80
	echo "the service: sanitizer reports (see above)" >>"$NOTES"
	status=1
fi
if [ "$VALGRIND" = 1 ]; then
	vg_n=0
	vg_bad=0
	for f in "$T"/valgrind.*.log; do
		[ -f "$f" ] || continue
		vg_n=$((vg_n + 1))
		if ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
			vg_bad=$((vg_bad + 1))
			echo "--- $f"
			tail -60 "$f"
		fi
	done
	if [ $vg_n = 0 ] || [ $vg_bad != 0 ]; then
		echo "valgrind: errors in $vg_bad of $vg_n processes (see above)" >>"$NOTES"
		status=1
	else
		echo "valgrind: $vg_n processes checked, no errors" >>"$NOTES"
	fi
fi

# The fault-injection suite kills and restarts things: it runs in its own
# environment under var/faults, after everything above has stopped.
if [ "$VALGRIND" != 1 ] && [ "${CRM_TEST_SKIP_FAULTS:-0}" != 1 ] && [ -x "$BUILD/fault-tests" ]; then
	# beside the suite's directory (faults.sh empties that one), so that runs
	# with their own CRM_FAULTS_DIR keep their own logs
	f_log=${CRM_FAULTS_DIR:-var/faults}.log
	case $f_log in /*) ;; *) f_log=$ROOT/$f_log ;; esac
	mkdir -p "$(dirname "$f_log")"
	echo "--- fault-injection suite (log: $f_log) ---"
	sh "$ROOT/scripts/faults.sh" "$BUILD" >"$f_log" 2>&1
	f_rc=$?
	grep -a -E '^\[FAIL\]|Synthesis:' "$f_log" | grep -a -v Synthesis
	grep -a 'Synthesis:' "$f_log" | tail -1 >>"$SUMMARY"
	if [ $f_rc != 0 ]; then
		tail -60 "$f_log"
		status=1
	fi
fi

finish $status
