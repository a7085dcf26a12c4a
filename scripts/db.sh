#!/bin/sh
# db.sh: the private MariaDB that `make run` and `make test` use, by hand.
#
#   scripts/db.sh start [DIR]   initialise DIR on first use, start mariadbd (unix socket only),
#                               create database crm and users crm_admin / crm_app
#   scripts/db.sh stop [DIR]    stop it by the PID in DIR/run/mysqld.pid
#   scripts/db.sh status [DIR]  say whether it runs
#   scripts/db.sh shell [DIR] [mariadb options]   a mariadb client as root on its socket
#
# DIR defaults to var/db (the data of `make run`); the test run uses var/test/db.  The
# passwords of crm_admin and crm_app are made on first start and kept in DIR/passwords.
# Sourced (`. scripts/db.sh`) it only defines the functions of scripts/lib.sh (db_start,
# db_stop, db_users, ...; ROOT is the repository, by default the current directory).
if [ -z "${ROOT:-}" ]; then
	case ${0##*/} in
	db.sh) ROOT=$(cd "$(dirname "$0")/.." && pwd) ;;
	*) ROOT=$(pwd) ;;
	esac
fi
. "$ROOT/scripts/lib.sh"

case ${0##*/} in
db.sh) ;;
*) return 0 2>/dev/null ;; # sourced: the functions are defined
esac
set -u

cmd=${1:-}
[ $# -gt 0 ] && shift
dir=${1:-$ROOT/var/db}
[ $# -gt 0 ] && shift
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac

case $cmd in
start)
	mkdir -p "$dir" || die "cannot create $dir"
	d=$(short_dir "$dir")
	db_start "$d"
	db_users "$d"
	echo "MariaDB runs: socket $d/run/mysqld.sock, pid $(cat "$d/run/mysqld.pid"), log $d/mysqld.log"
	echo "users crm_admin and crm_app: passwords in $dir/passwords"
	;;
stop)
	[ -d "$dir" ] || exit 0
	d=$(short_dir "$dir")
	if ours "$d/run/mysqld.pid" "$d/data"; then
		db_stop "$d"
		echo "MariaDB stopped"
	else
		rm -f "$d/run/mysqld.pid"
		echo "MariaDB does not run in $dir"
	fi
	;;
status)
	d=$dir
	[ -d "$dir" ] && d=$(short_dir "$dir")
	if ours "$d/run/mysqld.pid" "$d/data" && db_ping "$d"; then
		echo "MariaDB runs: pid $(cat "$d/run/mysqld.pid"), socket $d/run/mysqld.sock"
	else
		echo "MariaDB does not run in $dir"
		exit 1
	fi
	;;
shell)
	d=$(short_dir "$dir")
	exec mariadb --no-defaults --socket="$d/run/mysqld.sock" -uroot "$@"
	;;
*)
	echo "usage: $0 start|stop|status|shell [DIR] [mariadb options]" >&2
	exit 2
	;;
esac
