#!/bin/sh
# faults.sh BUILD: the fault-injection tests (tests/faults) against their own MariaDB, pool and
# nginx under var/faults (port 18190).  The tests kill and restart crm-fcgi and MariaDB through
# tests/faults/faultctl.sh; everything is stopped by PID on exit.
# CRM_FAULTS_DIR (default var/faults) and CRM_FAULTS_HTTP_PORT (default 18190): where the
# suite's environment lives and listens, so that two checkouts or builds can run it side by side.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1
BUILD=$(build_dir "${1:-build}")
[ -x "$BUILD/fault-tests" ] || die "$BUILD/fault-tests is not built (make $BUILD/fault-tests)"

# The suite runs with its own configuration only: no CRM_<KEY> of the caller's.
conf_env_unset

FAULTS_DIR=${CRM_FAULTS_DIR:-var/faults}
case $FAULTS_DIR in /*) ;; *) FAULTS_DIR=$ROOT/$FAULTS_DIR ;; esac
HTTP_PORT=${CRM_FAULTS_HTTP_PORT:-18190}
rm -rf "$FAULTS_DIR"
mkdir -p "$FAULTS_DIR"
F=$(short_dir "$FAULTS_DIR")
CTL="$ROOT/tests/faults/faultctl.sh"

# faultctl.sh reads these (the tests pass them on to it); CRM_DB_POOL sizes MariaDB for
# scripts/lib.sh db_start, here and at every restart by a test.
export CRM_FAULT_ROOT="$ROOT" CRM_FAULT_DIR="$F" CRM_FAULT_FCGI="$BUILD/crm-fcgi" CRM_DB_POOL=64M

cleanup() {
	nginx_stop "$F/nginx"
	if ours "$F/crm.pid" "$F/crm.conf"; then stop_pid "$F/crm.pid"; fi
	if ours "$F/db/run/mysqld.pid" "$F/db/data"; then
		# a test that failed half-way may have left MariaDB stopped (SIGSTOP)
		kill -CONT "$(cat "$F/db/run/mysqld.pid")" 2>/dev/null
		db_stop "$F/db"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# MariaDB and crm-fcgi are started by faultctl.sh (not as children of this shell), exactly
# as the tests restart them, so that a stopped server is reaped and never lingers as a zombie.
sh "$CTL" db-start || die "MariaDB did not start"
db_users "$F/db"
# small timeouts so that every fault shows within seconds
write_conf "$F/crm.conf" "$F/db" listen="$F/crm.sock" pid_file="$F/crm.pid" workers=2 \
	status_listen="$F/status.sock" \
	jwt_secret="$(openssl rand -hex 32)" threads=1 shutdown_timeout=5 db_connect_timeout=1 \
	db_query_timeout=2 db_lock_wait_timeout=1 db_retries=1 write_timeout=2
"$BUILD/crmctl" -c "$F/crm.conf" migrate >/dev/null || die "migrate failed"
sh "$CTL" crm-start >/dev/null || die "crm-fcgi did not start"

mkdir -p "$F/nginx"
nginx_conf "$F/nginx/nginx.conf" "$F/nginx" "$HTTP_PORT" "" "" /api/v1/ "$F/crm.sock"
nginx_start "$F/nginx"

. "$F/db/passwords"
export CRM_TEST_BASE_URL=http://127.0.0.1:$HTTP_PORT/api/v1
export CRM_TEST_CONF="$F/crm.conf" CRM_TEST_CRMCTL="$BUILD/crmctl"
export CRM_TEST_DB_SOCKET="$F/db/run/mysqld.sock" CRM_TEST_DB_NAME=crm
export CRM_TEST_DB_USER=crm_admin CRM_TEST_DB_PASSWORD="$ADMIN_PW"
# what the tests kill, watch and restart
export CRM_FAULT_CTL="$CTL"
export CRM_FAULT_FCGI_CMD="$BUILD/crm-fcgi -c $F/crm.conf"
export CRM_FAULT_PID_FILE="$F/crm.pid" CRM_FAULT_SOCKET="$F/crm.sock"
export CRM_FAULT_STATUS_SOCKET="$F/status.sock"
export CRM_FAULT_EXIT_FILE="$F/crm.exit" CRM_FAULT_LOG="$F/crm-fcgi.log"
export CRM_FAULT_DB_PID_FILE="$F/db/run/mysqld.pid"
export CRM_FAULT_NGINX_LOG="$F/nginx/logs/error.log"

# CRM_FAULT_ARGS: more Criterion options, e.g. CRM_FAULT_ARGS='--filter db_outage/*'
status=0
"$BUILD/fault-tests" --jobs 1 ${CRM_FAULT_ARGS:-} || {
	status=1
	echo "--- last warnings and errors of the service ($F/crm-fcgi.log; each failure above quotes its own) ---"
	grep -E '\] (warn|error) ' "$F/crm-fcgi.log" | grep -v "Can't connect" | tail -20
}
if grep -q -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$F/crm-fcgi.log" 2>/dev/null; then
	echo "sanitizer reports in the service log:"
	grep -h -A30 -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$F/crm-fcgi.log" | head -80
	status=1
fi
exit $status
