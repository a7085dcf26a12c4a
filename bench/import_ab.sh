#!/bin/sh
# import_ab.sh: the bench's full load, timed alone, for comparing builds of crmctl.
#
#   bench/import_ab.sh [BUILD_DIR ...]      (default: build)
#
# Loads every DATA/*.jsonl (BENCH_IMPORT_DATA, default var/bench/data: run `make bench` once
# with BENCH_KEEP_DATA=1 to keep the files) into an empty database, two imports at a time as
# `make bench` does, once per build dir given, in turn, BENCH_AB_ROUNDS times (2): alternating
# builds take the machine's drift out of the comparison.  Each run prints the wall time, the
# CPU seconds of the crmctl processes (user + system) and of mariadbd.  The database is a
# private MariaDB under var/import-ab (buffer pool CRM_DB_POOL, 2G), stopped at the end.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
DATA=${BENCH_IMPORT_DATA:-$ROOT/var/bench/data}
ROUNDS=${BENCH_AB_ROUNDS:-2}
V=$ROOT/var/import-ab
export CRM_DB_POOL="${CRM_DB_POOL:-2G}"
export CRM_DB_REDO="${CRM_DB_REDO:-1G}"
[ $# -gt 0 ] || set -- build
ls "$DATA"/*.jsonl >/dev/null 2>&1 || die "no JSON Lines files in $DATA (make bench with BENCH_KEEP_DATA=1)"
mkdir -p "$V"
db_start "$V/db"
trap 'db_stop "$V/db"' EXIT
db_users "$V/db"
[ -f "$V/crm.conf" ] || write_conf "$V/crm.conf" "$V/db" listen="$V/crm.sock" \
	jwt_secret="$(openssl rand -base64 48 | tr -d '\n')"
DB="mariadb --no-defaults --socket=$V/db/run/mysqld.sock -uroot"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# one_load BUILD_DIR: prints "wall crmctl_cpu mariadbd_cpu" in seconds
one_load() {
	$DB -e "DROP DATABASE IF EXISTS crm; CREATE DATABASE crm" || die "cannot empty the database"
	"$1/crmctl" -c "$V/crm.conf" migrate >/dev/null || die "migrate failed"
	mp=$(cat "$V/db/run/mysqld.pid")
	m0=$(ticks "$mp")
	t0=$(date +%s.%N)
	rm -f "$V"/times-*
	set -- "$1" "$DATA"/*.jsonl
	build=$1
	shift
	while [ $# -gt 0 ]; do
		pids=""
		for f in "$1" "${2:-}"; do
			[ -n "$f" ] || continue
			t=$(basename "$f" .jsonl)
			# the CPU of a finished child: `times` in a subshell of its own (not in a
			# pipeline, whose own subshell has no children)
			(
				"$build/crmctl" -c "$V/crm.conf" import --tenant "$t" "$f" >"$V/import-$t.log" 2>&1 ||
					{ echo "import of $t failed: $(tail -1 "$V/import-$t.log")" >&2; exit 1; }
				times >"$V/times-$t"
			) &
			pids="$pids $!"
		done
		for p in $pids; do wait "$p" || die "an import failed"; done
		shift
		[ $# -gt 0 ] && shift
	done
	t1=$(date +%s.%N)
	m1=$(ticks "$mp")
	awk -v a="$t0" -v b="$t1" -v m="$((m1 - m0))" -v hz="$HZ" '
		function s(t) { split(t, p, "m"); sub(/s$/, "", p[2]); return p[1] * 60 + p[2] }
		FNR == 2 { cpu += s($1) + s($2) }
		END { printf "%.1f %.1f %.1f\n", b - a, cpu, m / hz }' "$V"/times-*
}

echo "full load of $(find "$DATA" -maxdepth 1 -name "*.jsonl" | wc -l) files from $DATA, 2 at a time: wall s, crmctl CPU s, mariadbd CPU s"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for b in "$@"; do
		case $b in /*) ;; *) b=$ROOT/$b ;; esac
		echo "round $r  $b  $(one_load "$b")"
	done
	r=$((r + 1))
done
