#!/bin/sh
# faultctl.sh: starts and stops the fault suite's crm-fcgi and MariaDB, always by PID.
#
# The fault tests (tests/faults/*.c) kill and restart these servers; they call
# this script with one command.  scripts/faults.sh exports what it reads:
#   CRM_FAULT_ROOT  the repository (for scripts/lib.sh)
#   CRM_FAULT_DIR   var/faults: crm.conf, crm.pid, crm.sock, crm-fcgi.log, db/
#   CRM_FAULT_FCGI  the crm-fcgi binary
#
#   crm-start        start crm-fcgi -c $CRM_FAULT_DIR/crm.conf in its own session, as it is
#                    (a stale socket or pid file is left for crm-fcgi to handle); returns
#                    once the new master wrote its pid file and listens (scripts/lib.sh
#                    pool_wait) and prints its pid; its exit status will be in crm.exit (a
#                    link to this start's own file)
#   crm-wait-exit S  wait up to S seconds for the running crm-fcgi to end; prints its status
#   db-start         start MariaDB with the same command as the suite did (scripts/lib.sh
#                    db_start); returns once it answers a ping
#   db-stop          SIGTERM mariadbd by its pid file (SIGCONT first, in case a test
#                    stopped it) and wait until it is gone
set -u
ROOT=${CRM_FAULT_ROOT:?run through scripts/faults.sh}
F=${CRM_FAULT_DIR:?run through scripts/faults.sh}
FCGI=${CRM_FAULT_FCGI:?run through scripts/faults.sh}
. "$ROOT/scripts/lib.sh"

pid_of() { [ -f "$1" ] && cat "$1" 2>/dev/null; }

case "${1:-}" in
crm-start)
	# Each start has its own exit file; crm.exit links to the running one's, so a
	# start that is refused (another server listens) never hides the running one's.
	exitf=$F/crm.exit.$$
	childf=$F/crm.child.$$
	rm -f "$exitf" "$childf"
	from=$(log_size "$F/crm-fcgi.log")
	# The wrapper, in a session of its own, runs crm-fcgi as its child, says which pid that
	# is, and records its exit status.
	setsid sh -c '"$0" -c "$1" >>"$2" 2>&1 </dev/null & echo $! >"$4"; wait $!; echo $? >"$3"' \
		"$FCGI" "$F/crm.conf" "$F/crm-fcgi.log" "$exitf" "$childf" </dev/null >/dev/null 2>&1 &
	wait_for test -s "$childf" || die "crm-fcgi was not started"
	new=$(cat "$childf")
	rm -f "$childf"
	if pool_wait "$new" "$F/crm.pid" "$F/crm.sock" "$F/crm-fcgi.log" 10 "$from"; then
		ln -sfn "$exitf" "$F/crm.exit"
		echo "$new"
		exit 0
	fi
	if ! kill -0 "$new" 2>/dev/null && wait_for test -s "$exitf"; then
		echo "crm-fcgi exited with status $(cat "$exitf") at start" >&2
		rm -f "$exitf"
	fi
	exit 1
	;;
crm-wait-exit)
	limit=$((${2:-10} * 20))
	i=0
	while [ ! -s "$F/crm.exit" ]; do
		i=$((i + 1))
		[ $i -gt $limit ] && die "crm-fcgi still runs after ${2:-10} s"
		sleep 0.05
	done
	cat "$F/crm.exit"
	;;
db-start)
	db_start "$F/db"
	;;
db-stop)
	pid=$(pid_of "$F/db/run/mysqld.pid")
	[ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null
	db_stop "$F/db"
	;;
*)
	die "usage: $0 crm-start | crm-wait-exit SECONDS | db-start | db-stop"
	;;
esac
