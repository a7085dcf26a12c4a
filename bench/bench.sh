#!/bin/sh
# bench.sh BUILD: what `make bench` does after building — its own MariaDB, pool, fixed-fcgi and
# nginx under var/bench (127.0.0.1:18280), the data set loaded once, wrk against three ceilings
# and the API, import timings, a table on stdout and the same as JSON in
# bench/results/<timestamp>.json.
#
# Knobs (environment): BENCH_PORT (18280), CRM_WORKERS, CRM_THREADS (override the generated configuration; workers
# 0 = two per core; the ceilings get as many processes), CRM_DB_POOL (InnoDB buffer pool, default 2G), CRM_DB_REDO (its redo log, 1G), BENCH_DURATION (seconds per
# run, 10), BENCH_RUNS (3; every figure is the median), BENCH_WARMUP (seconds, 3),
# BENCH_CONNECTIONS (32), BENCH_THREADS (wrk threads, 2), BENCH_SCENARIOS (a subset, e.g.
# "ceiling2 get"), BENCH_IMPORT_JOBS (parallel imports, 2), BENCH_KEEP_DATA=1 (keep the JSON
# Lines files after the import), BENCH_HOLD=1 (keep it all running afterwards, for EXPLAIN and
# perf), BENCH_CUSTOMERS (size of the data set, 100000; opportunities, activities and the write
# set scale with it; a smaller one is for smoke tests, its figures are not comparable, and a
# size other than the loaded one loads the data set again), BENCH_NGINX_GZIP=1 (nginx itself
# compresses the list routes, gzip_comp_level 1, for clients that ask: the -gz list scenarios then
# measure nginx's compression instead of the service's).
# Ceiling 3 is fixed-fcgi answering a body as large as the median default list page of the data
# set (measured with curl once the pool runs); the list scenarios are quoted against it too.
# The -gz scenarios repeat get and the lists with Accept-Encoding: gzip; a curl probe before each
# says whether the answers really come back compressed, and the report compares them with the
# same scenario uncompressed in the same run.
# Import timings: the full load into an empty database and a re-import of the same files (both
# when the data set is loaded; kept in var/bench/loaded), and every run a one-customer import
# into the first tenant (median of 5).
# Every run of every scenario starts from the same data: the write mix changes only a "write set"
# of customers, which is restored before the scenarios, before each run of the write scenario (each
# of its changes adds an event: a run grows the documents it writes) and after it; the create
# scenario's customers (every id not of the data set's form TENANT-cNNNNNN) are deleted before
# the scenarios and after the create scenario.
# BENCH_CLUSTER=1 (`make bench CLUSTER=1`): after the scenarios above, the same scenarios (by
# default ceiling2 get by-status conditional my overdue write create) against nginx on
# 127.0.0.1:BENCH_CLUSTER_PORT (18380) -> two pools -> a three-node MariaDB Galera cluster under
# var/bench-cluster with the same data, then get, by-status and write again with the pools'
# db_sync_wait = 0 (wsrep_sync_wait off); a table puts the cluster's figures beside the
# single-node ones of this run, with their ratio, and the JSON carries "cluster": true, the
# topology and the cluster's figures (bench/cluster.sh says how, and why so).
# Everything started here is stopped by PID on exit.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1

PORT=${BENCH_PORT:-18280}
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_THREADS:-2}
IMPORT_JOBS=${BENCH_IMPORT_JOBS:-2}
KNOWN_SCENARIOS="ceiling1 ceiling2 ceiling3 get get-gz by-status by-status-gz conditional my my-gz overdue overdue-gz write create"
CLUSTER=${BENCH_CLUSTER:-0}
case $CLUSTER in 0 | 1) ;; *) die "BENCH_CLUSTER=$CLUSTER: expected 0 or 1" ;; esac
if [ "$CLUSTER" = 1 ]; then
	SCENARIOS=${BENCH_SCENARIOS:-ceiling2 get by-status conditional my overdue write create}
else
	SCENARIOS=${BENCH_SCENARIOS:-$KNOWN_SCENARIOS}
fi
CUSTOMERS=${BENCH_CUSTOMERS:-100000}
NGINX_GZIP=${BENCH_NGINX_GZIP:-0}
case $NGINX_GZIP in 0 | 1) ;; *) die "BENCH_NGINX_GZIP=$NGINX_GZIP: expected 0 or 1" ;; esac
[ "$NGINX_GZIP$CLUSTER" = 11 ] && die "BENCH_NGINX_GZIP=1 is for the single node only, not with BENCH_CLUSTER=1"
export CRM_DB_POOL=${CRM_DB_POOL:-2G}
# A redo log that holds a tenant's import: with MariaDB's small default (64-96M) InnoDB must
# flush dirty pages to free log space many times a tenant, and the full load took 31-35 s
# instead of 26 (README, "Speed"; the same advice for servers in "Install on a server").
export CRM_DB_REDO=${CRM_DB_REDO:-1G}
CORES=$(nproc)
WORKERS=${CRM_WORKERS:-0}
[ "$WORKERS" = 0 ] && WORKERS=$CORES # until the pool says how many it runs (below)
THREADS=${CRM_THREADS:-1}
# The bench runs with its own configuration, the two knobs above and CRM_PAGE_CACHE (the page
# cache's size, to measure what it buys) only: no other CRM_<KEY> of the caller's.
conf_env_unset workers threads page_cache

for s in $SCENARIOS; do
	case " $KNOWN_SCENARIOS " in *" $s "*) ;; *) die "unknown scenario $s (known: $KNOWN_SCENARIOS)" ;; esac
done
# gen-data: at least one customer per tenant (10), at most 999,999 per tenant
case $CUSTOMERS in '' | *[!0-9]* | 0*) die "BENCH_CUSTOMERS=$CUSTOMERS: expected a number" ;; esac
if [ "$CUSTOMERS" -lt 10 ] || [ "$CUSTOMERS" -gt 9999990 ]; then
	die "BENCH_CUSTOMERS=$CUSTOMERS: expected 10..9999990"
fi

for tool in wrk curl mariadb nginx; do
	command -v $tool >/dev/null 2>&1 || die "$tool is missing (make bootstrap installs it)"
done
for bin in crm-fcgi crmctl fixed-fcgi gen-data; do
	[ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing (make bench builds it)"
done
if [ "$CLUSTER" = 1 ]; then
	. "$ROOT/bench/cluster.sh"
	bench_cluster_check # before anything is loaded or started
fi

mkdir -p "$ROOT/var/bench"
V=$(short_dir "$ROOT/var/bench")
CONF=$V/crm.conf
DB="mariadb --no-defaults --socket=$V/db/run/mysqld.sock -uroot"
mkdir -p "$V/run" "$V/nginx" "$V/tmp" "$ROOT/bench/results"

# Our own servers of an earlier run that did not stop: refuse rather than guess.
for f in "$V/db/run/mysqld.pid" "$V/run/crm.pid" "$V/run/fixed.pid" "$V/run/fixed3.pid" "$V/nginx/nginx.pid"; do
	if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
		die "$f: pid $(cat "$f") is still running (another bench?); stop it first"
	fi
	rm -f "$f"
done

samplers=""
SHM_MAX=0 # kB: the largest RssShmem of a worker (the shared page cache), over all scenarios
PSS_MAX=0 # kB: the largest Pss of a worker (its own pages and its share of the shared ones)
pids=""
stopping=0
cleanup() {
	[ $stopping = 1 ] && return
	stopping=1
	for p in $samplers; do kill "$p" 2>/dev/null; done
	for p in $pids; do kill "${p%%:*}" 2>/dev/null; done # imports under way
	[ "$CLUSTER" = 1 ] && bench_cluster_stop
	nginx_stop "$V/nginx"
	stop_pid "$V/run/fixed.pid"
	stop_pid "$V/run/fixed3.pid"
	rm -f "$V/run/fixed.sock" "$V/run/fixed3.sock"
	stop_pid "$V/run/crm.pid"
	db_stop "$V/db"
	rm -f "$V/tmp/sampling."*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# children PID: the pids whose parent is PID (from /proc, so procps need not be installed).
# Through cat: awk stops at the first file it cannot open, and a process that ended since the
# glob was expanded would hide every child listed after it (its CPU time then went missing).
children() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v ppid="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == ppid) print $1 }'
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
T_START=$(now)

# ---- the database and the data set ------------------------------------------------------------
db_start "$V/db"
db_users "$V/db"
if [ ! -f "$CONF" ]; then
	write_conf "$CONF" "$V/db" listen="$V/run/crm.sock" pid_file="$V/run/crm.pid" workers=0 \
		jwt_secret="$(openssl rand -base64 48 | tr -d '\n')"
fi
"$BUILD/crmctl" -c "$CONF" migrate >/dev/null || die "migrate failed"

DATA=$V/data
# import_all: imports every tenant's file of the data set, IMPORT_JOBS at a time; 0, or 1 when
# one failed (its log's tail on stderr).  An import that crmctl answers with "retry" (a deadlock
# or lock wait between the parallel imports: it imported nothing) is run again alone, up to twice,
# and counted in IMPORT_RETRIES, which the report shows: the time includes the retries.
IMPORT_RETRIES=0
import_all() {
	ia_failed=0
	set -- "$DATA"/*.jsonl
	while [ $# -gt 0 ]; do
		pids=""
		ia_i=0
		while [ $# -gt 0 ] && [ $ia_i -lt "$IMPORT_JOBS" ]; do
			ia_tenant=$(basename "$1" .jsonl)
			"$BUILD/crmctl" -c "$CONF" import --tenant "$ia_tenant" "$1" >"$V/import-$ia_tenant.log" 2>&1 &
			pids="$pids $!:$ia_tenant"
			ia_i=$((ia_i + 1))
			shift
		done
		for p in $pids; do
			wait "${p%%:*}" && continue
			ia_tenant=${p#*:}
			ia_try=0
			while [ $ia_try -lt 2 ] && grep -q ': retry$' "$V/import-$ia_tenant.log"; do
				ia_try=$((ia_try + 1))
				IMPORT_RETRIES=$((IMPORT_RETRIES + 1))
				echo "import of $ia_tenant: $(tail -1 "$V/import-$ia_tenant.log"); importing it again alone" >&2
				"$BUILD/crmctl" -c "$CONF" import --tenant "$ia_tenant" "$DATA/$ia_tenant.jsonl" \
					>"$V/import-$ia_tenant.log" 2>&1 && continue 2
			done
			ia_failed=1
			echo "import of $ia_tenant failed:" >&2
			tail -3 "$V/import-$ia_tenant.log" >&2
		done
	done
	pids=""
	return $ia_failed
}
count_rows() { $DB -N -e "SELECT COUNT(*) FROM crm.$1" 2>/dev/null || echo 0; }

# remove_created: deletes the customers the create scenario made (every id that is not of the
# data set's form TENANT-cNNNNNN: they are UUIDv7s) and prints how many.  Plain rows go, no
# tombstones: the API's DELETE would keep a row each.
remove_created() {
	$DB -N -e "DELETE FROM crm.customers WHERE id NOT LIKE CONCAT(tenant_id, '-c%'); SELECT ROW_COUNT()" ||
		die "deleting the customers of the create scenario failed"
}
# an interrupted create scenario leaves its customers: without them the data set is as loaded
n=$(remove_created) || exit 1
[ "$n" -gt 0 ] && echo "data set: deleted $n customers an earlier create scenario left"

# opportunities, activities and the write set scale with BENCH_CUSTOMERS (gen-data's defaults
# at 100,000, so the default data set is the same as before the knob)
GEN_ARGS="--customers $CUSTOMERS --opportunities $((CUSTOMERS / 2)) --activities $((CUSTOMERS * 2))"
GEN_ARGS="$GEN_ARGS --write-set $((CUSTOMERS / 200 > 0 ? CUSTOMERS / 200 : 1))"
DATA_VERSION=3 # bump when gen-data's output changes: the next run loads again
LOAD_NOTE=""
LOADED_VERSION=$(sed -n 's/^DATA_VERSION=//p' "$V/loaded" 2>/dev/null)
LOADED_CUSTOMERS=$(sed -n 's/^CUSTOMERS=//p' "$V/loaded" 2>/dev/null)
if [ "$LOADED_VERSION" = "$DATA_VERSION" ] && [ "${LOADED_CUSTOMERS:-100000}" = "$CUSTOMERS" ] &&
	[ -d "$DATA/reset" ] && [ "$(count_rows customers)" = "$CUSTOMERS" ]; then
	REIMPORT_S="" IMPORT_RETRY="" REIMPORT_RETRY=""
	. "$V/loaded"
	echo "data set: already loaded ($LOADED_AT; generated in ${GEN_S}s, imported in ${IMPORT_S}s, re-imported in ${REIMPORT_S:-?}s)"
	LOAD_NOTE="loaded earlier"
else
	rm -f "$V/loaded"
	anchor=$(date -u +%Y-%m-%dT00:00:00Z)
	echo "data set: generating $CUSTOMERS customers (anchor $anchor) into $DATA ..."
	t0=$(now)
	rm -rf "$DATA"
	# shellcheck disable=SC2086 # GEN_ARGS: options and numbers only
	"$BUILD/gen-data" --anchor "$anchor" $GEN_ARGS "$DATA" || die "gen-data failed"
	# the files on disk before the import starts: an operator imports files written long
	# before, not 700 MB of dirty pages that the kernel writes back while the import runs
	sync
	t1=$(now)
	echo "data set: generated $(du -sh "$DATA" | cut -f1) in $(elapsed "$t0" "$t1")s"
	# the full load is timed into an empty database: whatever an earlier load of another size
	# or version left goes first (the grants of db_users are on crm.*, so they stay)
	$DB -e "DROP DATABASE IF EXISTS crm" || die "emptying the database failed"
	db_users "$V/db"
	"$BUILD/crmctl" -c "$CONF" migrate >/dev/null || die "migrate failed"
	echo "data set: importing into an empty database ($IMPORT_JOBS at a time) ..."
	t1=$(now)
	import_all || die "the import failed (logs: $V/import-*.log)"
	t2=$(now)
	GEN_S=$(elapsed "$t0" "$t1")
	IMPORT_S=$(elapsed "$t1" "$t2")
	LOAD_S=$(elapsed "$t0" "$t2")
	IMPORT_RETRY=$IMPORT_RETRIES
	echo "data set: imported in ${IMPORT_S}s ($IMPORT_RETRY retried); generate + import: ${LOAD_S}s; importing the same files again ..."
	IMPORT_RETRIES=0
	t3=$(now)
	import_all || die "the re-import failed (logs: $V/import-*.log)"
	REIMPORT_S=$(elapsed "$t3" "$(now)")
	REIMPORT_RETRY=$IMPORT_RETRIES
	LOADED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	printf 'DATA_VERSION=%s\nCUSTOMERS=%s\nLOADED_AT=%s\nANCHOR=%s\nGEN_S=%s\nIMPORT_S=%s\nLOAD_S=%s\nREIMPORT_S=%s\nIMPORT_RETRY=%s\nREIMPORT_RETRY=%s\n' \
		"$DATA_VERSION" "$CUSTOMERS" "$LOADED_AT" "$anchor" "$GEN_S" "$IMPORT_S" "$LOAD_S" "$REIMPORT_S" \
		"$IMPORT_RETRY" "$REIMPORT_RETRY" >"$V/loaded"
	echo "data set: re-imported in ${REIMPORT_S}s ($REIMPORT_RETRY retried)"
	LOAD_NOTE="loaded now"
	[ "${BENCH_KEEP_DATA:-0}" = 1 ] || rm -f "$DATA"/*.jsonl
fi
ROWS="customers=$(count_rows customers) opportunities=$(count_rows opportunities) activities=$(count_rows activities) users=$(count_rows users)"
echo "data set: $ROWS"
# bring the stored documents into the buffer pool (a restarted MariaDB starts cold)
$DB -N -e "SELECT SUM(LENGTH(doc)) FROM crm.customers; SELECT SUM(LENGTH(doc)) FROM crm.opportunities;
	SELECT SUM(LENGTH(doc)) FROM crm.activities" >/dev/null

# ---- the pool, the fixed FastCGI program and nginx --------------------------------------------
[ -f "$V/crm-fcgi.log" ] && mv "$V/crm-fcgi.log" "$V/crm-fcgi.log.1"
pool_start "$V/run/crm.pid" "$V/run/crm.sock" "$V/crm-fcgi.log" 30 "$BUILD/crm-fcgi" -c "$CONF" || exit 1
# The ceiling programs get as many processes as the pool really runs: its first log line says
# ("generation 0: N workers x T threads"); workers = 0 is two per core in the service, not the
# one per core this script assumed, so nproc alone would give the ceilings fewer processes.
pool_line=$(sed -n 's/.* generation 0: \([0-9][0-9]*\) workers x \([0-9][0-9]*\) threads.*/\1 \2/p' "$V/crm-fcgi.log" | head -1)
if [ -n "$pool_line" ]; then
	WORKERS=${pool_line% *}
	THREADS=${pool_line#* }
else
	echo "bench: the pool did not log its worker count; the ceilings get $WORKERS processes" >&2
fi

"$BUILD/fixed-fcgi" "$V/run/fixed.sock" "$WORKERS" 2>>"$V/fixed-fcgi.log" &
echo $! >"$V/run/fixed.pid"
wait_for test -S "$V/run/fixed.sock" || die "fixed-fcgi did not start"

# Ceiling 1: nginx answers the fixed body itself (ceilings.conf).  Ceiling 2: fixed-fcgi behind
# the template's pool location, as the pool is, so both FastCGI paths are configured alike.
# Ceiling 3: a second fixed-fcgi behind another rendering of that location, answering a body as
# large as the median default list page (it starts once the page size is measured, below; nginx
# connects to its socket per request).
BODY=$("$BUILD/fixed-fcgi" - 1 --print-body)
{
	printf 'location = /ceiling/nginx {\n\tadd_header X-Request-Id $request_id always;\n'
	printf "\treturn 200 '%s';\n}\n" "$BODY"
} >"$V/nginx/ceilings.conf"
# BENCH_NGINX_GZIP=1: the list routes get a location of their own, rendered from the same
# template lines as the pool's (a regex location wins over the /api/v1/ prefix), with nginx's
# gzip added to it; every other route is served as without the knob.
LIST_LOCATION='~ ^/api/v1/crm/customers/(by-status/[^/]+|my|overdue-actions)$'
set -- /api/v1/ "$V/run/crm.sock" "= /ceiling/fcgi" "$V/run/fixed.sock" \
	"= /ceiling/fcgi-page" "$V/run/fixed3.sock"
[ "$NGINX_GZIP" = 1 ] && set -- "$@" "$LIST_LOCATION" "$V/run/crm.sock"
nginx_conf "$V/nginx/nginx.conf" "$V/nginx" "$PORT" "" "$V/nginx/ceilings.conf" "$@"
if [ "$NGINX_GZIP" = 1 ]; then
	awk -v loc="location $LIST_LOCATION {" '
		{ print }
		index($0, loc) { print "\t\t\tgzip on;\n\t\t\tgzip_comp_level 1;\n\t\t\tgzip_types application/json;"; n++ }
		END { if (n != 1) exit 1 }' "$V/nginx/nginx.conf" >"$V/nginx/nginx.conf.gz" ||
		die "BENCH_NGINX_GZIP: no list location in $V/nginx/nginx.conf"
	mv "$V/nginx/nginx.conf.gz" "$V/nginx/nginx.conf"
fi
nginx_start "$V/nginx"
BASE=http://127.0.0.1:$PORT
# What the scenarios measure, as the functions below see it (bench/cluster.sh points them at the
# cluster): the pools' pid files and logs, the database servers' pid files, nginx's prefix.
POOL_PIDFILES=$V/run/crm.pid
POOL_LOGS=$V/crm-fcgi.log
DB_PIDFILES=$V/db/run/mysqld.pid
NGINX_DIR=$V/nginx

# ---- tokens: one per user of every tenant -------------------------------------------------------
TOKENS=$V/tokens.txt
MANIFEST=$V/data/manifest.txt
[ -f "$MANIFEST" ] || die "$MANIFEST is missing: remove $V/loaded to load the data set again"
: >"$TOKENS.new"
WRITE_SET=500
while read -r kind a b; do
	case $kind in
	write_set) WRITE_SET=$a ;;
	tenant) eval "customers_$a=$b" ;;
	user)
		n=$(eval "echo \${customers_$a}")
		tok=$("$BUILD/crmctl" -c "$CONF" token --sub "$b" --tenant "$a" \
			--scope "crm:read crm:write" --ttl 14400) || die "crmctl token failed"
		echo "$a $b $n $tok" >>"$TOKENS.new"
		;;
	esac
done <"$MANIFEST"
mv "$TOKENS.new" "$TOKENS"
read -r T0 _ _ TOK0 <"$TOKENS"

# ---- ceiling 3: as many bytes as a default list page ------------------------------------------
# The default page of every by-status list, my and overdue-actions of the first three tenants
# (their first user's token), fetched before the scenarios; the median
# body size is what the second fixed-fcgi answers.
PAGE_SIZES=""
for pg_tok in $(awk '!seen[$1]++ { print $4 }' "$TOKENS" | head -3); do
	for pg_path in by-status/LEAD by-status/PROSPECT by-status/ACTIVE by-status/CUSTOMER \
		by-status/INACTIVE by-status/CHURNED my overdue-actions; do
		pg=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Authorization: Bearer $pg_tok" \
			"$BASE/api/v1/crm/customers/$pg_path")
		[ "${pg% *}" = 200 ] || die "GET $pg_path for ceiling 3's page size: status ${pg% *}"
		PAGE_SIZES="$PAGE_SIZES ${pg#* }"
	done
done
# shellcheck disable=SC2086 # numbers
PAGE_BYTES=$(printf '%s\n' $PAGE_SIZES | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
[ "$PAGE_BYTES" -lt 64 ] && PAGE_BYTES=64 # fixed-fcgi's smallest body
"$BUILD/fixed-fcgi" "$V/run/fixed3.sock" "$WORKERS" --size "$PAGE_BYTES" 2>>"$V/fixed-fcgi.log" &
echo $! >"$V/run/fixed3.pid"
wait_for test -S "$V/run/fixed3.sock" || die "fixed-fcgi for ceiling 3 did not start"
# shellcheck disable=SC2086 # numbers
set -- $(printf '%s\n' $PAGE_SIZES | sort -n)
eval "pg_max=\${$#}"
echo "ceiling 3: $PAGE_BYTES bytes, the median of $# default list pages (smallest $1, largest $pg_max)"

# ---- a one-customer import ------------------------------------------------------------------
# crmctl import of one customer (the first of the first tenant's write set, as generated: it is
# restored with the write set anyway) into that tenant, 5 times; the median, in ms, process start
# included, as an operator would run it.
ONE_FILE=$V/tmp/one-customer.jsonl
head -1 "$DATA/reset/$T0.jsonl" >"$ONE_FILE" || die "no write set file $DATA/reset/$T0.jsonl"
ONE_TENANT_CUSTOMERS=$(eval "echo \${customers_$T0}")
ONE_MS_L=""
while [ "$(echo $ONE_MS_L | wc -w)" -lt 5 ]; do
	t0=$(now)
	"$BUILD/crmctl" -c "$CONF" import --tenant "$T0" "$ONE_FILE" >"$V/import-one.log" 2>&1 ||
		die "the one-customer import failed (log: $V/import-one.log)"
	ONE_MS_L="$ONE_MS_L $(elapsed_ms "$t0" "$(now)")"
done
# shellcheck disable=SC2086 # numbers
ONE_MS=$(median $ONE_MS_L)
echo "import: one customer into $T0 ($ONE_TENANT_CUSTOMERS customers): ${ONE_MS} ms (median of:$ONE_MS_L)"

# ---- scenarios ---------------------------------------------------------------------------------
# name|label|how (url path for a ceiling, else crm.lua mode)|sample path|log routes|kind|expected
# status (empty: any status below 400 counts as a success, as wrk counts; else every other status
# is an error).  NAME-gz: NAME's requests with Accept-Encoding: gzip, kind gzip.
scenario_def() {
	case $1 in
	ceiling1) echo "ceiling 1: nginx return 200|/ceiling/nginx|/ceiling/nginx||ceiling|" ;;
	ceiling2) echo "ceiling 2: fixed-fcgi|/ceiling/fcgi|/ceiling/fcgi||ceiling|" ;;
	ceiling3) echo "ceiling 3: fixed-fcgi, list-page size|/ceiling/fcgi-page|/ceiling/fcgi-page||ceiling|" ;;
	get) echo "GET /customers/{id}|get|/api/v1/crm/customers/$T0-c000001|customers.get|get|" ;;
	by-status) echo "GET /by-status/{status}|by-status|/api/v1/crm/customers/by-status/LEAD|customers.by_status|list|" ;;
	conditional) echo "GET /by-status/{status} If-None-Match|conditional|/api/v1/crm/customers/by-status/LEAD|customers.by_status|conditional|304" ;;
	my) echo "GET /my|my|/api/v1/crm/customers/my|customers.my|list|" ;;
	overdue) echo "GET /overdue-actions|overdue|/api/v1/crm/customers/overdue-actions|customers.overdue|list|" ;;
	write) echo "write mix (tag add/remove, next action)|write|/api/v1/crm/customers/$T0-c000002|customers.add_tag customers.remove_tag customers.set_next_action|write|" ;;
	create) echo "POST /customers (create)|create|/api/v1/crm/customers|customers.create|create|201" ;;
	get-gz | by-status-gz | my-gz | overdue-gz)
		sd_base=$(scenario_def "${1%-gz}")
		echo "$(field "$sd_base" 1), gzip|$1|$(field "$sd_base" 3)|$(field "$sd_base" 4)|gzip|"
		;;
	*) die "unknown scenario $1 (known: $KNOWN_SCENARIOS)" ;;
	esac
}
field() { printf '%s\n' "$1" | cut -d'|' -f"$2"; }
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# kvn LINE KEY: the number KEY of a RESULT line, 0 when the line has none
kvn() {
	kvn_v=$(kv "$1" "$2")
	echo "${kvn_v:-0}"
}

# wrk_run SCENARIO SECONDS: one wrk run; prints its RESULT line.  BENCH_EXPECT_STATUS tells
# crm.lua which status to count (it must be known when wrk loads the script, before the arguments).
wrk_run() {
	wr_def=$(scenario_def "$1")
	how=$(field "$wr_def" 2)
	case $how in
	/*) BENCH_LUA_DIR=$ROOT/bench wrk -t"$WRK_THREADS" -c"$CONNS" -d"$2"s -s "$ROOT/bench/report.lua" "$BASE$how" ;;
	*) BENCH_LUA_DIR=$ROOT/bench BENCH_EXPECT_STATUS=$(field "$wr_def" 6) wrk -t"$WRK_THREADS" -c"$CONNS" \
		-d"$2"s -s "$ROOT/bench/crm.lua" "$BASE" -- "$how" "$TOKENS" "$WRITE_SET" "$ETAGS" ;;
	esac 2>&1 | grep '^RESULT' | tail -1
}

# The conditional scenario polls every (tenant, status) page that by-status reads, each with the
# ETag it has now: ETAGS holds "TENANT STATUS ETAG" lines, fetched with the tenant's first token.
ETAGS=$V/etags.txt
STATUSES="LEAD PROSPECT ACTIVE CUSTOMER INACTIVE CHURNED" # crm.lua's by-status picks from the same
fetch_etags() {
	: >"$ETAGS.new"
	awk '!seen[$1]++ { print $1, $4 }' "$TOKENS" | while read -r fe_tenant fe_tok; do
		for fe_status in $STATUSES; do
			fe_tag=$(curl -s -o /dev/null -D - -H "Authorization: Bearer $fe_tok" \
				"$BASE/api/v1/crm/customers/by-status/$fe_status" |
				tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
			[ -n "$fe_tag" ] || die "no ETag on GET by-status/$fe_status of $fe_tenant"
			echo "$fe_tenant $fe_status $fe_tag" >>"$ETAGS.new"
		done
	done || exit 1
	mv "$ETAGS.new" "$ETAGS"
}

# sample_request SCENARIO: one request as the scenario makes them, with the first token; prints
# "STATUS BYTES ENCODING" (BYTES: the body as sent, compressed or not; ENCODING: its
# Content-Encoding, "-" for none).  For a -gz scenario this is the probe that says whether the
# answers come back compressed.
CREATE_SAMPLE='{"name":"Bench sample customer","type":"COMPANY","email":"sample@example.com","tags":["bench"]}'
sample_request() {
	sr_path=$(field "$(scenario_def "$1")" 3)
	set -- "$1" -s -o /dev/null -D "$V/tmp/sample-headers" -w '%{http_code} %{size_download}' \
		-H "Authorization: Bearer $TOK0"
	case $1 in
	create) set -- "$@" -H 'Content-Type: application/json' --data-binary "$CREATE_SAMPLE" ;;
	conditional) set -- "$@" -H "If-None-Match: $(awk -v t="$T0" '$1 == t && $2 == "LEAD" { print $3; exit }' "$ETAGS")" ;;
	*-gz) set -- "$@" -H 'Accept-Encoding: gzip' ;;
	esac
	shift
	sr_out=$(curl "$@" "$BASE$sr_path")
	sr_enc=$(tr -d '\r' <"$V/tmp/sample-headers" | sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p' | tail -1)
	echo "$sr_out ${sr_enc:--}"
}

# rss_sampler OUT: the largest private RSS (RssAnon + RssFile, kB) of the pool's workers and the
# largest shared one (RssShmem: the pool's one page cache, mapped by every worker) and the largest
# Pss (smaps_rollup: private pages whole, shared ones divided among the processes that map them),
# sampled while the flag exists; "PRIVATE SHARED PSS" into OUT
rss_sampler() {
	flag=$V/tmp/sampling.$$
	max=0 shm_max=0 pss_max=0
	# shellcheck disable=SC2086 # pid files
	masters=$(cat $POOL_PIDFILES)
	while [ -f "$flag" ]; do
		for p in $(for m in $masters; do children "$m"; done); do
			set -- $(awk '/^RssAnon:|^RssFile:/ { own += $2 } /^RssShmem:/ { shm = $2 }
				END { print own + 0, shm + 0 }' "/proc/$p/status" 2>/dev/null) 0 0
			[ "$1" -gt "$max" ] && max=$1
			[ "$2" -gt "$shm_max" ] && shm_max=$2
			set -- $(awk '/^Pss:/ { print $2 + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null) 0
			[ "$1" -gt "$pss_max" ] && pss_max=$1
		done
		echo "$max $shm_max $pss_max" >"$OUT_RSS"
		sleep 0.5
	done
}

# log_marks: the size in bytes of each of POOL_LOGS, in their order
log_marks() {
	for lm_f in $POOL_LOGS; do printf '%s ' "$(log_size "$lm_f")"; done
}
# logs_between FROM TO: what the pools logged between two log_marks
logs_between() {
	lb_i=1
	for lb_f in $POOL_LOGS; do
		lb_from=$(echo "$1" | cut -d' ' -f$lb_i)
		lb_to=$(echo "$2" | cut -d' ' -f$lb_i)
		tail -c +$((lb_from + 1)) "$lb_f" | head -c $((lb_to - lb_from))
		lb_i=$((lb_i + 1))
	done
}
# server_ms FROM TO ROUTES [EXPECT]: p50, p99, non-2xx count, request count and the count of
# statuses other than EXPECT (without EXPECT: the non-2xx count again) of the pools' own timings
# logged between the log_marks FROM and TO
server_ms() {
	logs_between "$1" "$2" | awk -v routes=" $3 " -v expect="${4:-}" '
		$3 == "request" && index(routes, " " $8 " ") {
			ms = $10; sub(/^ms=/, "", ms); st = $9; sub(/^status=/, "", st)
			non2xx = (st >= 200 && st < 300) ? 0 : 1
			print ms, non2xx, expect == "" ? non2xx : (st == expect ? 0 : 1)
		}' | sort -g | awk '{ a[NR] = $1; bad += $2; other += $3 } END {
			if (NR == 0) { print "- - 0 0 0"; exit }
			i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
			i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
			print a[i50], a[i99], bad + 0, NR, other + 0 }'
}

# cpu_snap: "user nice system idle iowait irq softirq steal" jiffies of all cores
cpu_snap() { sed -n 's/^cpu  *//p' /proc/stat | cut -d' ' -f1-8; }
# cpu_share BEFORE AFTER: "busy% nice% idle%" between two snapshots (nice = niced background work)
cpu_share() {
	printf '%s\n%s\n' "$1" "$2" | awk '{ for (i = 1; i <= 8; i++) v[NR, i] = $i }
		END { for (i = 1; i <= 8; i++) { d[i] = v[2, i] - v[1, i]; t += d[i] }
		      if (t <= 0) t = 1
		      printf "%.0f %.0f %.0f", 100 * (t - d[2] - d[4] - d[5]) / t, 100 * d[2] / t, 100 * (d[4] + d[5]) / t }'
}
echo
echo "bench: $WORKERS workers x $THREADS threads, $CORES cores; wrk $WRK_THREADS threads, $CONNS connections,"
echo "       $RUNS x ${DURATION}s per figure (median) after ${WARMUP}s warm-up; load average $(cut -d' ' -f1-3 /proc/loadavg)"
snap0=$(cpu_snap)
sleep 1
niced=$(cpu_share "$snap0" "$(cpu_snap)" | awk '$2 >= 5 { printf "%s%% of the CPU", $2 }')
[ -n "$niced" ] && echo "       note: niced background work is taking $niced before the runs (figures may be CPU-starved)"

CPU_START=$(cpu_snap)
HZ=$(getconf CLK_TCK)

# CPU time (ticks) of each of our components, and where a request's CPU goes: "nginx app db rest"
component_pids() {
	# shellcheck disable=SC2086,SC2013 # pid files; one pid each
	case $1 in
	db) cat $DB_PIDFILES 2>/dev/null ;;
	*)
		shift
		for m in $(cat "$@" 2>/dev/null); do echo "$m $(children "$m")"; done
		;;
	esac
}
ticks_of() {
	for p in $(component_pids "$@"); do cat "/proc/$p/stat" 2>/dev/null; echo; done |
		awk 'NF > 15 { t += $14 + $15 } END { print t + 0 }'
}
# ticks_snap: "nginx app db busy" (app: the pools, or fixed-fcgi for ceilings 2 and 3; db: every
# database server; busy: all but niced)
ticks_snap() {
	app=$POOL_PIDFILES
	[ "$1" = ceiling2 ] && app=$V/run/fixed.pid
	[ "$1" = ceiling3 ] && app=$V/run/fixed3.pid
	busy=$(sed -n 's/^cpu  *//p' /proc/stat | awk '{ print $1 + $3 + $6 + $7 + $8 }')
	# shellcheck disable=SC2086 # pid files
	echo "$(ticks_of nginx "$NGINX_DIR/nginx.pid") $(ticks_of app $app) $(ticks_of db) $busy"
}
# snap_add ACC BEFORE AFTER: ACC (a snapshot's fields; empty: zeros) plus AFTER - BEFORE, field by
# field: the runs of a scenario are measured without what comes between them (the write set's reset)
snap_add() {
	printf '%s\n%s\n%s\n' "$2" "$3" "${1:-$(echo "$2" | sed 's/[0-9][0-9]*/0/g')}" |
		awk '{ for (i = 1; i <= NF; i++) v[NR, i] = $i; n = NF }
		END { for (i = 1; i <= n; i++) printf "%s%.0f", (i > 1 ? " " : ""), v[3, i] + v[2, i] - v[1, i]; print "" }'
}
# cpu_per_request BEFORE AFTER REQUESTS: microseconds of CPU per request, "nginx app db rest"
cpu_per_request() {
	printf '%s\n%s\n' "$1" "$2" | awk -v n="$3" -v hz="$HZ" '{ for (i = 1; i <= 4; i++) v[NR, i] = $i }
		END { if (n <= 0) n = 1
		      for (i = 1; i <= 4; i++) d[i] = (v[2, i] - v[1, i]) * 1e6 / hz / n
		      rest = d[4] - d[1] - d[2] - d[3]; if (rest < 0) rest = 0
		      printf "%.0f %.0f %.0f %.0f", d[1], d[2], d[3], rest }'
}

# The write mix changes only the write set (the last WRITE_SET customers of each tenant);
# importing them again restores them as generated, so every run starts from the same data.
reset_write_set() {
	for f in "$DATA"/reset/*.jsonl; do
		"$BUILD/crmctl" -c "$CONF" import --tenant "$(basename "$f" .jsonl)" "$f" >/dev/null ||
			die "resetting the write set from $f failed"
	done
}
reset_write_set

# wait_settled: loading and re-importing leave InnoDB hundreds of thousands of old row versions
# to purge and a buffer pool of dirty pages to write, which it does in the background for
# minutes: scenarios run meanwhile would share the CPU with it and be charged its MariaDB time
# (a list page's 0.15 ms became 0.65 ms).  Flushes at full speed and waits (up to 300 s) until
# the history list is short and under 1% of the pages are dirty, then restores the settings.
wait_settled() {
	ws_t0=$(now) ws_len="" ws_dirty=""
	ws_pct=$($DB -N -e "SELECT @@innodb_max_dirty_pages_pct")
	ws_io=$($DB -N -e "SELECT CONCAT(@@innodb_io_capacity, ' ', @@innodb_io_capacity_max)")
	# with a redo log that holds the whole load nothing hurries the page cleaner, which
	# writes innodb_io_capacity pages a second (200): the wait took its 300 s
	$DB -e "SET GLOBAL innodb_max_dirty_pages_pct = 0; SET GLOBAL innodb_io_capacity_max = 20000;
		SET GLOBAL innodb_io_capacity = 20000" || die "cannot make InnoDB flush at full speed"
	while :; do
		ws_len=$($DB -N -e "SELECT count FROM information_schema.INNODB_METRICS
			WHERE name = 'trx_rseg_history_len'" 2>/dev/null)
		ws_dirty=$($DB -N -e "SELECT ROUND(100 * d.v / GREATEST(t.v, 1), 1) FROM
			(SELECT VARIABLE_VALUE v FROM information_schema.GLOBAL_STATUS
			 WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY') d,
			(SELECT VARIABLE_VALUE v FROM information_schema.GLOBAL_STATUS
			 WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_TOTAL') t" 2>/dev/null)
		[ "${ws_len:-0}" -lt 1000 ] && awk -v d="${ws_dirty:-0}" 'BEGIN { exit !(d < 1) }' && break
		[ "$(elapsed "$ws_t0" "$(now)" | cut -d. -f1)" -gt 300 ] && break
		sleep 1
	done
	$DB -e "SET GLOBAL innodb_max_dirty_pages_pct = $ws_pct; SET GLOBAL innodb_io_capacity = ${ws_io% *};
		SET GLOBAL innodb_io_capacity_max = ${ws_io#* }"
	echo "InnoDB settled: history list ${ws_len:-?}, ${ws_dirty:-?}% of the pages dirty, after waiting $(elapsed "$ws_t0" "$(now)")s"
}
wait_settled

# run_scenarios RESULTS SCENARIO...: each scenario against BASE (a sample request, the warm-up,
# RUNS runs of wrk), its line appended to RESULTS (the fields are listed below the loop)
run_scenarios() {
	RESULTS=$1
	shift
	: >"$RESULTS"
	for s in "$@"; do
		def=$(scenario_def "$s")
		label=$(field "$def" 1)
		routes=$(field "$def" 4)
		kind=$(field "$def" 5)
		expect=$(field "$def" 6)
		# the ETags of the pages as they are now, after the scenarios before this one
		[ "$s" = conditional ] && fetch_etags
		# one request first: it must work, and its size says much about the cost
		# shellcheck disable=SC2046 # "STATUS BYTES ENCODING"
		set -- $(sample_request "$s")
		sample_code=$1 sample_bytes=$2 sample_enc=$3 plain_bytes=-
		# the same request without Accept-Encoding: the probe's byte ratio
		[ "$kind" = gzip ] && plain_bytes=$(sample_request "${s%-gz}" | cut -d' ' -f2)
		if [ "$kind" = gzip ]; then
			printf '%-42s sample %s (%s bytes, Content-Encoding %s) ' "$label" "$sample_code" "$sample_bytes" "$sample_enc"
		else
			printf '%-42s sample %s (%s bytes) ' "$label" "$sample_code" "$sample_bytes"
		fi
		[ "$WARMUP" -gt 0 ] && wrk_run "$s" "$WARMUP" >/dev/null
		rps_l="" p50_l="" p99_l="" err_l="" bytes_l="" runs_json=""
		rss_max=0
		log_from=$(log_marks)
		cpu_acc="" ticks_acc=""
		nreq=0
		matched=0
		r=1
		while [ $r -le "$RUNS" ]; do
			rss=""
			if [ "$kind" != ceiling ]; then
				touch "$V/tmp/sampling.$$"
				OUT_RSS="$V/tmp/rss.$s" rss_sampler &
				samplers=$!
			fi
			[ "$kind" = write ] && reset_write_set
			cpu0=$(cpu_snap)
			ticks0=$(ticks_snap "$s")
			line=$(wrk_run "$s" "$DURATION")
			cpu_acc=$(snap_add "$cpu_acc" "$cpu0" "$(cpu_snap)")
			ticks_acc=$(snap_add "$ticks_acc" "$ticks0" "$(ticks_snap "$s")")
			if [ "$kind" != ceiling ]; then
				rm -f "$V/tmp/sampling.$$"
				wait "$samplers"
				samplers=""
				read -r rss shm pss <"$V/tmp/rss.$s" || rss=0 shm=0 pss=0
				[ "$rss" -gt "$rss_max" ] && rss_max=$rss
				[ "${shm:-0}" -gt "$SHM_MAX" ] && SHM_MAX=$shm
				[ "${pss:-0}" -gt "$PSS_MAX" ] && PSS_MAX=$pss
			fi
			[ -n "$line" ] || die "wrk gave no result for $s"
			req=$(kv "$line" requests)
			nreq=$((nreq + req))
			dur=$(kv "$line" duration_us)
			rps=$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.1f", (d > 0 ? r / (d / 1e6) : 0) }')
			p50=$(awk -v u="$(kv "$line" p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')
			p99=$(awk -v u="$(kv "$line" p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
			# status errors: wrk's (>= 400) and, for a scenario that expects one status, crm.lua's
			# count of the other statuses below 400
			st_err=$(($(kvn "$line" status) + $(kvn "$line" other)))
			err=$((st_err + $(kvn "$line" connect) + $(kvn "$line" read) + $(kvn "$line" write) + $(kvn "$line" timeout)))
			run_matched=null
			[ -n "$expect" ] && run_matched=$(kvn "$line" matched) && matched=$((matched + run_matched))
			bpr=$(awk -v b="$(kv "$line" bytes)" -v r="$req" 'BEGIN { printf "%d", (r > 0 ? b / r : 0) }')
			rps_l="$rps_l $rps" p50_l="$p50_l $p50" p99_l="$p99_l $p99" err_l="$err_l $err" bytes_l="$bytes_l $bpr"
			runs_json="$runs_json${runs_json:+,}{\"rps\":$rps,\"p50_ms\":$p50,\"p99_ms\":$p99,\"errors\":$err,\"status_errors\":$st_err,\"socket_errors\":$((err - st_err)),\"expected_responses\":$run_matched,\"bytes_per_response\":$bpr,\"worker_rss_kb\":${rss:-null}}"
			printf '.'
			r=$((r + 1))
		done
		log_to=$(log_marks)
		cpu=$(cpu_share "0 0 0 0 0 0 0 0" "$cpu_acc")
		cpureq=$(cpu_per_request "0 0 0 0" "$ticks_acc" "$nreq")
		srv="- - 0 0 0"
		[ -n "$routes" ] && srv=$(server_ms "$log_from" "$log_to" "$routes" "$expect")
		srv_other=$(echo "$srv" | cut -d' ' -f5)
		srv=$(echo "$srv" | cut -d' ' -f1-4 | tr ' ' '|')
		# shellcheck disable=SC2086
		echo "$s|$label|$kind|$(median $rps_l)|$(median $p50_l)|$(median $p99_l)|$(printf '%s\n' $err_l | awk '{ n += $1 } END { print n + 0 }')|$(median $bytes_l)|$rss_max|$srv|$(echo "$cpu" | tr ' ' '|')|$(echo "$cpureq" | tr ' ' '|')|$runs_json|${expect:--}|$matched|$srv_other|$sample_enc|$sample_bytes|$plain_bytes" >>"$RESULTS"
		# shellcheck disable=SC2086
		set -- $cpu $cpureq
		echo " $(median $rps_l) req/s"
		[ "$kind" = write ] && reset_write_set
		echo "    cpu: ${1}% ours, ${2}% niced background, ${3}% idle; per request: nginx ${4} us, app ${5} us, db ${6} us, rest (wrk, kernel) ${7} us"
		[ -n "$expect" ] && echo "    $matched responses with status $expect; the pool logged $srv_other with another status"
		if [ "$kind" = create ]; then
			n=$(remove_created) || exit 1
			echo "    deleted the $n customers it created (sample included)"
		fi
	done
}
SINGLE_RESULTS=$V/tmp/results.txt
# shellcheck disable=SC2086 # scenario names
run_scenarios "$SINGLE_RESULTS" $SCENARIOS
CPU_END=$(cpu_snap)
SHM_SINGLE=$SHM_MAX
PSS_SINGLE=$PSS_MAX
# the cluster's figures: its table (after this run's) and BENCH_CLUSTER_JSON for the JSON
export BENCH_CLUSTER_JSON=""
[ "$CLUSTER" = 1 ] && bench_cluster_run "$SINGLE_RESULTS"

# ---- the table and the JSON -------------------------------------------------------------------
# RESULTS fields: 1 name, 2 label, 3 kind, 4 req/s, 5 p50, 6 p99, 7 errors, 8 bytes/response,
# 9 RSS kB, 10-13 svc p50/p99/non2xx/requests, 14-16 cpu busy/niced/idle, 17-20 cpu us
# nginx/app/db/rest, 21 runs JSON, 22 expected status, 23 matched, 24 pool's other status,
# 25 the probe's Content-Encoding, 26 its body bytes, 27 the plain probe's (-gz scenarios)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/$STAMP.json
# shellcheck disable=SC2086 # numbers
awk -F'|' -v out="$OUT" -v stamp="$STAMP" -v workers="$WORKERS" \
	-v threads="$THREADS" -v cores="$CORES" -v conns="$CONNS" -v wthreads="$WRK_THREADS" \
	-v dur="$DURATION" -v runs="$RUNS" -v rows="$ROWS" -v loadtotal="${LOAD_S:-null}" \
	-v gen="${GEN_S:-null}" -v imp="${IMPORT_S:-null}" -v reimp="${REIMPORT_S:-null}" -v loadnote="$LOAD_NOTE" \
	-v loadedat="${LOADED_AT:-}" -v customers="$CUSTOMERS" -v one_ms="$ONE_MS" -v one_runs="$ONE_MS_L" \
	-v one_tenant="$T0" -v one_customers="$ONE_TENANT_CUSTOMERS" -v page_bytes="$PAGE_BYTES" \
	-v page_sizes="$PAGE_SIZES" -v nginx_gzip="$NGINX_GZIP" -v shm_max="$SHM_SINGLE" -v pss_max="$PSS_SINGLE" \
	-v imp_retry="${IMPORT_RETRY:-null}" -v reimp_retry="${REIMPORT_RETRY:-null}" \
	-v loadavg="$(cut -d' ' -f1-3 /proc/loadavg)" -v niced="$niced" -v cpu="$(cpu_share "$CPU_START" "$CPU_END")" '
# Targets (issue 11).  conditional is held to the list targets and create to the write one:
# borrowed, not targets of their own; get has no p99 target of its own and takes the lists 30 ms.
function target_c2(kind) { return kind == "get" ? 0.5 : kind == "write" || kind == "create" ? 0.15 : 0 }
function target_c3(kind) { return kind == "list" || kind == "conditional" ? 0.7 : 0 }
function base_of(name) { sub(/-gz$/, "", name); return name }
function is_list(name) { name = base_of(name); return name == "by-status" || name == "my" || name == "overdue" }
function num(v) { return v == "" || v == "-" ? "null" : v }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
NR == FNR { rps[$1] = $4; bytes[$1] = $8; next }
FNR == 1 {
	c2 = rps["ceiling2"] + 0
	c3 = rps["ceiling3"] + 0
	printf "\n%-40s %8s %7s %7s %6s %6s %6s %7s %6s %7s %7s %-19s  %s\n", "scenario", "req/s", "p50 ms", "p99 ms",
		"errors", "c2", "c3", "bytes", "RSS MB", "svc p50", "svc p99", "cpu us ngx/app/db/+", "targets"
	json = ""
	cond = ""
	gz = ""
	rss_lists = 0
}
{
	# without ceiling 2 (3) in the run there is no ratio to judge: "-" and null, not a miss
	r2 = c2 > 0 ? $4 / c2 : 0
	r2_s = c2 > 0 ? sprintf("%.3f", r2) : "-"
	with_c3 = c3 > 0 && ($3 == "list" || $3 == "conditional" || $1 == "ceiling3" || ($3 == "gzip" && is_list($1)))
	r3 = with_c3 ? $4 / c3 : 0
	r3_s = with_c3 ? sprintf("%.3f", r3) : "-"
	rss = $9 > 0 ? sprintf("%.1f", $9 / 1024) : "-"
	if (is_list($1) && $9 > rss_lists) rss_lists = $9
	# a -gz scenario against the same one uncompressed: req/s and bytes per response of the
	# same run (wrk, headers included); bytes from the two probes when the plain one did not run
	b = base_of($1)
	gz_rps = "null"; gz_bytes = "null"; gz_from = ""
	if ($3 == "gzip") {
		if (b in rps) {
			gz_rps = rps[b] > 0 ? sprintf("%.4f", $4 / rps[b]) : "null"
			gz_bytes = bytes[b] > 0 ? sprintf("%.4f", $8 / bytes[b]) : "null"
			gz_from = "wrk"
		} else if ($27 > 0) {
			gz_bytes = sprintf("%.4f", $26 / $27)
			gz_from = "probe"
		}
	}
	miss = ""
	if ($3 != "ceiling") {
		if (c2 > 0 && target_c2($3) > 0 && r2 < target_c2($3)) miss = miss sprintf(" c2<%.2f", target_c2($3))
		if (c3 > 0 && target_c3($3) > 0 && r3 < target_c3($3)) miss = miss sprintf(" c3<%.2f", target_c3($3))
		# the gzip targets are those of the lists (issue 11); the gzip of the enriched GET is
		# shown beside them, held only to being compressed (~240 bytes of headers are a third of it)
		if ($3 == "gzip" && b != "get") {
			if (gz_rps != "null" && gz_rps + 0 < 0.8) miss = miss " plain<0.80"
			if (gz_bytes != "null" && gz_bytes + 0 > 1 / 3) miss = miss " bytes>1/3"
		}
		if ($3 == "gzip" && $25 != "gzip") miss = miss " not-compressed"
		if ($3 != "write" && $3 != "create" && $6 > 30) miss = miss " p99>30ms"
		if ($7 > 0) miss = miss " errors"
		if ($9 > 32 * 1024) miss = miss " RSS>32MB"
		verdict = miss == "" ? "ok" : "MISS" miss
	} else verdict = "-"
	if ($3 == "conditional") {
		if (("by-status" in rps) && rps["by-status"] > 0)
			cond = sprintf("conditional: %.0f req/s of 304s = %.2f x the plain by-status GET of this run (%.0f req/s); %d instead of %d bytes per response", $4, $4 / rps["by-status"], rps["by-status"], $8, bytes["by-status"])
		else
			cond = "conditional: no by-status in this run, so no ratio to the plain GET"
	}
	if ($3 == "gzip")
		gz = gz sprintf("%-14s %-5s %8.0f %9s %8d %9s %10s  %s\n", $1, $25 == "gzip" ? "yes" : "no", $4,
			gz_rps == "null" ? "-" : sprintf("%.3f", gz_rps), $8, (b in bytes) ? bytes[b] : "-",
			gz_bytes == "null" ? "-" : sprintf("%.3f", gz_bytes) (gz_from == "probe" ? " (probe)" : ""), verdict)
	printf "%-40s %8.0f %7.2f %7.2f %6d %6s %6s %7d %6s %7s %7s %-19s  %s\n", substr($2, 1, 40), $4, $5, $6, $7, r2_s, r3_s, $8, rss, $10, $11, $17 "/" $18 "/" $19 "/" $20, verdict
	json = json (json == "" ? "" : ",\n    ") sprintf("{\"scenario\":%s,\"label\":%s,\"kind\":%s,\"rps\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"errors\":%s,\"ratio_to_ceiling2\":%s,\"ratio_to_ceiling3\":%s,\"bytes_per_response\":%s,\"worker_rss_kb_max\":%s,\"server_ms_p50\":%s,\"server_ms_p99\":%s,\"server_non2xx\":%s,\"server_requests\":%s,\"expected_status\":%s,\"expected_responses\":%s,\"server_other_status\":%s,\"ratio_to_by_status\":%s,\"gzip\":%s,\"verdict\":%s,\"cpu_busy_pct\":%s,\"cpu_niced_pct\":%s,\"cpu_idle_pct\":%s,\"cpu_us_per_request\":{\"nginx\":%s,\"app\":%s,\"db\":%s,\"rest\":%s},\"runs\":[%s]}",
		jstr($1), jstr($2), jstr($3), $4, $5, $6, $7, c2 > 0 ? sprintf("%.4f", r2) : "null", with_c3 ? sprintf("%.4f", r3) : "null", $8, $3 == "ceiling" ? "null" : $9,
		$10 == "-" ? "null" : $10, $11 == "-" ? "null" : $11, $12, $13,
		$22 == "-" ? "null" : $22, $22 == "-" ? "null" : $23, $22 == "-" ? "null" : $24,
		$3 == "conditional" && rps["by-status"] > 0 ? sprintf("%.4f", $4 / rps["by-status"]) : "null",
		$3 != "gzip" ? "null" : sprintf("{\"plain\":%s,\"probe_content_encoding\":%s,\"compressed\":%s,\"probe_bytes\":%s,\"probe_plain_bytes\":%s,\"ratio_to_plain\":%s,\"byte_ratio\":%s,\"byte_ratio_from\":%s,\"nginx_gzip\":%s}",
			jstr(b), jstr($25), $25 == "gzip" ? "true" : "false", num($26), num($27), gz_rps, gz_bytes, gz_from == "" ? "null" : jstr(gz_from), nginx_gzip == 1 && is_list($1) ? "true" : "false"),
		jstr(verdict), $14, $15, $16, $17, $18, $19, $20, $21)
}
END {
	if (cond != "")
		print "\n" cond
	if (gz != "") {
		printf "\ngzip (Accept-Encoding: gzip; \"gzip\": the Content-Encoding of a curl probe before the runs%s):\n", nginx_gzip == 1 ? "; BENCH_NGINX_GZIP=1: nginx compresses the lists at level 1" : ""
		printf "%-14s %-5s %8s %9s %8s %9s %10s  %s\n", "scenario", "gzip", "req/s", "vs plain", "bytes", "plain", "byte ratio", "targets: vs plain >= 0.8, byte ratio <= 1/3"
		printf "%s", gz
	}
	# imports: the full load and the re-import come from the load (now or earlier)
	full_ok = imp == "null" ? "-" : customers != 100000 ? "not judged below 100,000 customers" : imp < 30 ? "ok" : "MISS"
	one_ok = one_ms == "" ? "-" : one_customers < 10000 ? "not judged: the tenant has fewer than 10,000" : one_ms < 50 ? "ok" : "MISS"
	printf "\nimports (crmctl import; %s customers, %s%s):\n", customers, loadnote, loadnote == "loaded earlier" ? " " loadedat : ""
	printf "  full load into an empty database  %8s s  (generating the files: %s s; %s imports retried)  target < 30 s at 100,000: %s\n", imp, gen, imp_retry, full_ok
	printf "  re-import of the same files       %8s s  (%s imports retried)\n", reimp, reimp_retry
	printf "  one customer into %s (%d)       %8s ms (median of%s)  target < 50 ms: %s\n", one_tenant, one_customers, one_ms, one_runs, one_ok
	rss_ok = rss_lists == 0 ? "-" : rss_lists <= 32 * 1024 ? "ok" : "MISS"
	printf "worker RSS under the list scenarios: %s (target <= 32 MB): %s\n", (rss_lists > 0 ? sprintf("%.1f MB", rss_lists / 1024) : "not sampled"), rss_ok
	printf "shared page cache (RssShmem of a worker, the same pages in all): %.1f MB\n", shm_max / 1024
	printf "worker Pss (its own pages, and its share of the cache among the processes mapping it): %.1f MB\n", pss_max / 1024
	if (page_bytes != "") {
		np = split(page_sizes, pgs, " ")
		pmin = pmax = pgs[1] + 0
		for (i = 2; i <= np; i++) { if (pgs[i] + 0 < pmin) pmin = pgs[i] + 0; if (pgs[i] + 0 > pmax) pmax = pgs[i] + 0 }
		printf "ceiling 3 serves %d bytes: the median of %d default list pages (%d .. %d bytes)\n", page_bytes, np, pmin, pmax
	}
	print "\nc2, c3: req/s over ceiling 2 (1.5 KB) / ceiling 3 (a median list page) of this run; errors: status >= 400 +"
	print "socket errors, summed over the runs; create and conditional: every status but 201 / 304 is an error;"
	print "bytes: per response incl. headers; RSS MB: largest private RSS (RssAnon + RssFile) of a pool worker under"
	print "load (the shared page cache is counted apart, below);"
	print "svc p50/p99: ms inside the worker for the same requests (crm-fcgi.log);"
	print "cpu us: CPU microseconds per request in nginx / the pool (fixed-fcgi for ceilings 2, 3) / MariaDB / the rest (wrk, kernel);"
	print "targets: get c2 >= 0.5, lists c3 >= 0.7 and p99 <= 30 ms, write c2 >= 0.15 (create as write, conditional as a list),"
	print "gzip lists vs plain >= 0.8 and byte ratio <= 1/3 (the gzip GET only compressed), no errors, RSS <= 32 MB"
	printf "{\n  \"time\": %s,\n  \"workers\": %d, \"threads\": %d, \"cores\": %d, \"connections\": %d, \"wrk_threads\": %d,\n", jstr(stamp), workers, threads, cores, conns, wthreads > out
	printf "  \"duration_s\": %d, \"runs\": %d, \"figures\": \"median of the runs; errors summed\",\n", dur, runs > out
	printf "  \"data\": %s, \"customers\": %d, \"load\": {\"note\": %s, \"loaded_at\": %s, \"generate_s\": %s, \"import_s\": %s, \"total_s\": %s, \"reimport_s\": %s},\n", jstr(rows), customers, jstr(loadnote), jstr(loadedat), gen, imp, loadtotal, reimp > out
	gsub(/^ +| +$/, "", one_runs); gsub(/ +/, ",", one_runs)
	printf "  \"imports\": {\"full_load_s\": %s, \"full_load_retried\": %s, \"reimport_s\": %s, \"reimport_retried\": %s, \"one_customer_ms\": %s, \"one_customer_runs_ms\": [%s], \"one_customer_tenant\": %s, \"one_customer_tenant_customers\": %d,\n", imp, imp_retry, reimp, reimp_retry, num(one_ms), one_runs, jstr(one_tenant), one_customers > out
	printf "    \"targets\": {\"full_load_s_at_100000\": 30, \"one_customer_ms_at_10000\": 50}, \"verdict\": {\"full_load\": %s, \"one_customer\": %s}},\n", jstr(full_ok), jstr(one_ok) > out
	gsub(/^ +| +$/, "", page_sizes); gsub(/ +/, ",", page_sizes)
	printf "  \"ceiling3\": {\"body_bytes\": %s, \"page_bytes_measured\": [%s]},\n", num(page_bytes), page_sizes > out
	printf "  \"worker_rss_kb_max_lists\": %s, \"shared_page_cache_kb_max\": %d, \"worker_pss_kb_max\": %d, \"nginx_gzip\": %s,\n", (rss_lists > 0 ? rss_lists : "null"), shm_max, pss_max, (nginx_gzip == 1 ? "true" : "false") > out
	printf "  \"targets\": {\"get_ratio_to_ceiling2\": 0.5, \"list_ratio_to_ceiling3\": 0.7, \"list_p99_ms\": 30, \"write_ratio_to_ceiling2\": 0.15, \"gzip_ratio_to_plain\": 0.8, \"gzip_byte_ratio\": 0.3333, \"worker_rss_mb\": 32},\n" > out
	split(cpu, c, " ")
	printf "cpu over all scenarios: %s%% busy (ours), %s%% niced background, %s%% idle\n", c[1], c[2], c[3]
	printf "  \"loadavg_at_start\": %s, \"niced_background\": %s,\n", jstr(loadavg), jstr(niced) > out
	printf "  \"cpu_pct\": {\"busy\": %s, \"niced_background\": %s, \"idle\": %s},\n", c[1], c[2], c[3] > out
	# BENCH_CLUSTER=1: "results" stay those of the single node; the members of the cluster follow
	# (from the environment: awk -v would take the backslashes of JSON strings for escapes)
	cj = ENVIRON["BENCH_CLUSTER_JSON"]
	printf "  \"cluster\": %s,\n", cj == "" ? "false" : "true,\n  " cj > out
	printf "  \"results\": [\n    %s\n  ]\n}\n", json > out
	close(out)
}' "$SINGLE_RESULTS" "$SINGLE_RESULTS" || die "the report failed (results: $SINGLE_RESULTS)"
[ "$CLUSTER" = 1 ] && cat "$BC_TABLE"
echo
echo "results: $OUT"
echo "total time: $(elapsed "$T_START" "$(now)")s"
if [ "${BENCH_HOLD:-0}" = 1 ]; then
	echo "BENCH_HOLD=1: everything stays up for inspection until Ctrl-C (or SIGTERM to pid $$):"
	echo "  $BASE/api/v1/...  tokens: $TOKENS  logs: $POOL_LOGS  sql: $DB crm"
	while :; do
		sleep 1 &
		wait $!
	done
fi
