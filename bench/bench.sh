#!/bin/sh
# bench.sh BUILD: what `make bench` does after building — its own MariaDB, pool, fixed-fcgi and
# nginx under var/bench (127.0.0.1:18280), the data set loaded once, wrk against two ceilings and
# the API, a table on stdout and the same as JSON in bench/results/<timestamp>.json.
#
# Knobs (environment): BENCH_PORT (18280), CRM_WORKERS, CRM_THREADS (override the generated configuration; workers
# 0 = one per core), CRM_DB_POOL (InnoDB buffer pool, default 2G), BENCH_DURATION (seconds per
# run, 10), BENCH_RUNS (3; every figure is the median), BENCH_WARMUP (seconds, 3),
# BENCH_CONNECTIONS (32), BENCH_THREADS (wrk threads, 2), BENCH_SCENARIOS (a subset, e.g.
# "ceiling2 get"), BENCH_IMPORT_JOBS (parallel imports, 2), BENCH_KEEP_DATA=1 (keep the JSON
# Lines files after the import), BENCH_HOLD=1 (keep it all running afterwards, for EXPLAIN and
# perf).  The write mix changes only a "write set" of customers, which is restored before the
# scenarios and after the write scenario, so every run starts from the same data.
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
SCENARIOS=${BENCH_SCENARIOS:-"ceiling1 ceiling2 get by-status my overdue write"}
export CRM_DB_POOL=${CRM_DB_POOL:-2G}
CORES=$(nproc)
WORKERS=${CRM_WORKERS:-0}
[ "$WORKERS" = 0 ] && WORKERS=$CORES
THREADS=${CRM_THREADS:-1}
# The bench runs with its own configuration and the two knobs above only: no other CRM_<KEY>
# of the caller's.
conf_env_unset workers threads

for tool in wrk curl mariadb nginx; do
	command -v $tool >/dev/null 2>&1 || die "$tool is missing (make bootstrap installs it)"
done
for bin in crm-fcgi crmctl fixed-fcgi gen-data; do
	[ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing (make bench builds it)"
done

mkdir -p "$ROOT/var/bench"
V=$(short_dir "$ROOT/var/bench")
CONF=$V/crm.conf
DB="mariadb --no-defaults --socket=$V/db/run/mysqld.sock -uroot"
mkdir -p "$V/run" "$V/nginx" "$V/tmp" "$ROOT/bench/results"

# Our own servers of an earlier run that did not stop: refuse rather than guess.
for f in "$V/db/run/mysqld.pid" "$V/run/crm.pid" "$V/run/fixed.pid" "$V/nginx/nginx.pid"; do
	if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
		die "$f: pid $(cat "$f") is still running (another bench?); stop it first"
	fi
	rm -f "$f"
done

samplers=""
pids=""
stopping=0
cleanup() {
	[ $stopping = 1 ] && return
	stopping=1
	for p in $samplers; do kill "$p" 2>/dev/null; done
	for p in $pids; do kill "${p%%:*}" 2>/dev/null; done # imports under way
	nginx_stop "$V/nginx"
	stop_pid "$V/run/fixed.pid"
	rm -f "$V/run/fixed.sock"
	stop_pid "$V/run/crm.pid"
	db_stop "$V/db"
	rm -f "$V/tmp/sampling."*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# children PID: the pids whose parent is PID (from /proc, so procps need not be installed)
children() {
	awk -v ppid="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == ppid) print $1 }' \
		/proc/[0-9]*/stat 2>/dev/null
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
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
EXPECT_CUSTOMERS=100000
count_rows() { $DB -N -e "SELECT COUNT(*) FROM crm.$1" 2>/dev/null || echo 0; }

DATA_VERSION=3 # bump when gen-data's output changes: the next run loads again
LOAD_NOTE=""
LOADED_VERSION=$(sed -n 's/^DATA_VERSION=//p' "$V/loaded" 2>/dev/null)
if [ "$LOADED_VERSION" = "$DATA_VERSION" ] && [ -d "$DATA/reset" ] &&
	[ "$(count_rows customers)" = "$EXPECT_CUSTOMERS" ]; then
	. "$V/loaded"
	echo "data set: already loaded ($LOADED_AT; generated in ${GEN_S}s, imported in ${IMPORT_S}s)"
	LOAD_NOTE="loaded earlier"
else
	rm -f "$V/loaded"
	anchor=$(date -u +%Y-%m-%dT00:00:00Z)
	echo "data set: generating (anchor $anchor) into $DATA ..."
	t0=$(now)
	rm -rf "$DATA"
	"$BUILD/gen-data" --anchor "$anchor" "$DATA" || die "gen-data failed"
	t1=$(now)
	echo "data set: generated $(du -sh "$DATA" | cut -f1) in $(elapsed "$t0" "$t1")s; importing ($IMPORT_JOBS at a time) ..."
	failed=0
	set -- "$DATA"/*.jsonl
	while [ $# -gt 0 ]; do
		pids=""
		i=0
		while [ $# -gt 0 ] && [ $i -lt "$IMPORT_JOBS" ]; do
			tenant=$(basename "$1" .jsonl)
			"$BUILD/crmctl" -c "$CONF" import --tenant "$tenant" "$1" >"$V/import-$tenant.log" 2>&1 &
			pids="$pids $!:$tenant"
			i=$((i + 1))
			shift
		done
		for p in $pids; do
			wait "${p%%:*}" || { failed=1; echo "import of ${p#*:} failed:" >&2; tail -3 "$V/import-${p#*:}.log" >&2; }
		done
	done
	pids=""
	t2=$(now)
	[ $failed = 0 ] || die "the import failed (logs: $V/import-*.log)"
	GEN_S=$(elapsed "$t0" "$t1")
	IMPORT_S=$(elapsed "$t1" "$t2")
	LOAD_S=$(elapsed "$t0" "$t2")
	LOADED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	printf 'DATA_VERSION=%s\nLOADED_AT=%s\nANCHOR=%s\nGEN_S=%s\nIMPORT_S=%s\nLOAD_S=%s\n' \
		"$DATA_VERSION" "$LOADED_AT" "$anchor" "$GEN_S" "$IMPORT_S" "$LOAD_S" >"$V/loaded"
	echo "data set: imported in ${IMPORT_S}s; generate + import: ${LOAD_S}s (target < 180 s)"
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

"$BUILD/fixed-fcgi" "$V/run/fixed.sock" "$WORKERS" 2>>"$V/fixed-fcgi.log" &
echo $! >"$V/run/fixed.pid"
wait_for test -S "$V/run/fixed.sock" || die "fixed-fcgi did not start"

# Ceiling 1: nginx answers the fixed body itself (ceilings.conf).  Ceiling 2: fixed-fcgi behind
# the template's pool location, as the pool is, so both FastCGI paths are configured alike.
BODY=$("$BUILD/fixed-fcgi" - 1 --print-body)
{
	printf 'location = /ceiling/nginx {\n\tadd_header X-Request-Id $request_id always;\n'
	printf "\treturn 200 '%s';\n}\n" "$BODY"
} >"$V/nginx/ceilings.conf"
nginx_conf "$V/nginx/nginx.conf" "$V/nginx" "$PORT" "" "$V/nginx/ceilings.conf" \
	/api/v1/ "$V/run/crm.sock" "= /ceiling/fcgi" "$V/run/fixed.sock"
nginx_start "$V/nginx"
BASE=http://127.0.0.1:$PORT

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

# ---- scenarios ---------------------------------------------------------------------------------
# name|label|how (url path for a ceiling, else crm.lua mode)|sample path|log routes|kind
scenario_def() {
	case $1 in
	ceiling1) echo "ceiling 1: nginx return 200|/ceiling/nginx|/ceiling/nginx||ceiling" ;;
	ceiling2) echo "ceiling 2: fixed-fcgi|/ceiling/fcgi|/ceiling/fcgi||ceiling" ;;
	get) echo "GET /customers/{id}|get|/api/v1/crm/customers/$T0-c000001|customers.get|get" ;;
	by-status) echo "GET /by-status/{status}|by-status|/api/v1/crm/customers/by-status/LEAD|customers.by_status|list" ;;
	my) echo "GET /my|my|/api/v1/crm/customers/my|customers.my|list" ;;
	overdue) echo "GET /overdue-actions|overdue|/api/v1/crm/customers/overdue-actions|customers.overdue|list" ;;
	write) echo "write mix (tag add/remove, next action)|write|/api/v1/crm/customers/$T0-c000002|customers.add_tag customers.remove_tag customers.set_next_action|write" ;;
	*) die "unknown scenario $1 (known: ceiling1 ceiling2 get by-status my overdue write)" ;;
	esac
}
field() { printf '%s\n' "$1" | cut -d'|' -f"$2"; }
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# wrk_run SCENARIO SECONDS: one wrk run; prints its RESULT line
wrk_run() {
	how=$(field "$(scenario_def "$1")" 2)
	case $how in
	/*) BENCH_LUA_DIR=$ROOT/bench wrk -t"$WRK_THREADS" -c"$CONNS" -d"$2"s -s "$ROOT/bench/report.lua" "$BASE$how" ;;
	*) BENCH_LUA_DIR=$ROOT/bench wrk -t"$WRK_THREADS" -c"$CONNS" -d"$2"s -s "$ROOT/bench/crm.lua" "$BASE" -- "$how" "$TOKENS" "$WRITE_SET" ;;
	esac 2>&1 | grep '^RESULT' | tail -1
}

# rss_sampler OUT: the largest VmRSS (kB) of the pool's workers, sampled while the flag exists
rss_sampler() {
	flag=$V/tmp/sampling.$$
	max=0
	master=$(cat "$V/run/crm.pid")
	while [ -f "$flag" ]; do
		for p in $(children "$master"); do
			r=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null)
			[ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
		done
		echo "$max" >"$1"
		sleep 0.5
	done
}

# server_ms FROM TO ROUTES: p50, p99 and non-2xx count of the pool's own timings in log lines FROM..TO
server_ms() {
	sed -n "$1,$2p" "$V/crm-fcgi.log" | awk -v routes=" $3 " '
		$3 == "request" && index(routes, " " $8 " ") {
			ms = $10; sub(/^ms=/, "", ms); st = $9; sub(/^status=/, "", st)
			print ms, (st >= 200 && st < 300) ? 0 : 1
		}' | sort -g | awk '{ a[NR] = $1; bad += $2 } END {
			if (NR == 0) { print "- - 0 0"; exit }
			i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
			i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
			print a[i50], a[i99], bad + 0, NR }'
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
	case $1 in
	db) cat "$V/db/run/mysqld.pid" 2>/dev/null ;;
	*)
		m=$(cat "$2" 2>/dev/null) || return 0
		echo "$m $(children "$m")"
		;;
	esac
}
ticks_of() {
	for p in $(component_pids "$@"); do cat "/proc/$p/stat" 2>/dev/null; echo; done |
		awk 'NF > 15 { t += $14 + $15 } END { print t + 0 }'
}
# ticks_snap: "nginx app db busy" (app: the pool, or fixed-fcgi for ceiling 2; busy: all but niced)
ticks_snap() {
	app=$V/run/crm.pid
	[ "$1" = ceiling2 ] && app=$V/run/fixed.pid
	busy=$(sed -n 's/^cpu  *//p' /proc/stat | awk '{ print $1 + $3 + $6 + $7 + $8 }')
	echo "$(ticks_of nginx "$V/nginx/nginx.pid") $(ticks_of app "$app") $(ticks_of db) $busy"
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

RESULTS=$V/tmp/results.txt
: >"$RESULTS"
for s in $SCENARIOS; do
	def=$(scenario_def "$s")
	label=$(field "$def" 1)
	sample=$(field "$def" 3)
	routes=$(field "$def" 4)
	kind=$(field "$def" 5)
	# one request first: it must work, and its size says much about the cost
	code_size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' \
		-H "Authorization: Bearer $TOK0" "$BASE$sample")
	printf '%-42s sample %s (%s bytes) ' "$label" "${code_size% *}" "${code_size#* }"
	[ "$WARMUP" -gt 0 ] && wrk_run "$s" "$WARMUP" >/dev/null
	rps_l="" p50_l="" p99_l="" err_l="" bytes_l="" runs_json=""
	rss_max=0
	log_from=$(($(wc -l <"$V/crm-fcgi.log") + 1))
	cpu0=$(cpu_snap)
	ticks0=$(ticks_snap "$s")
	nreq=0
	r=1
	while [ $r -le "$RUNS" ]; do
		rss=""
		if [ "$kind" != ceiling ]; then
			touch "$V/tmp/sampling.$$"
			rss_sampler "$V/tmp/rss.$s" &
			samplers=$!
		fi
		line=$(wrk_run "$s" "$DURATION")
		if [ "$kind" != ceiling ]; then
			rm -f "$V/tmp/sampling.$$"
			wait "$samplers"
			samplers=""
			rss=$(cat "$V/tmp/rss.$s" 2>/dev/null || echo 0)
			[ "$rss" -gt "$rss_max" ] && rss_max=$rss
		fi
		[ -n "$line" ] || die "wrk gave no result for $s"
		req=$(kv "$line" requests)
		nreq=$((nreq + req))
		dur=$(kv "$line" duration_us)
		rps=$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.1f", (d > 0 ? r / (d / 1e6) : 0) }')
		p50=$(awk -v u="$(kv "$line" p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')
		p99=$(awk -v u="$(kv "$line" p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
		err=$(($(kv "$line" status) + $(kv "$line" connect) + $(kv "$line" read) + $(kv "$line" write) + $(kv "$line" timeout)))
		bpr=$(awk -v b="$(kv "$line" bytes)" -v r="$req" 'BEGIN { printf "%d", (r > 0 ? b / r : 0) }')
		rps_l="$rps_l $rps" p50_l="$p50_l $p50" p99_l="$p99_l $p99" err_l="$err_l $err" bytes_l="$bytes_l $bpr"
		runs_json="$runs_json${runs_json:+,}{\"rps\":$rps,\"p50_ms\":$p50,\"p99_ms\":$p99,\"errors\":$err,\"status_errors\":$(kv "$line" status),\"socket_errors\":$((err - $(kv "$line" status))),\"bytes_per_response\":$bpr,\"worker_rss_kb\":${rss:-null}}"
		printf '.'
		r=$((r + 1))
	done
	log_to=$(wc -l <"$V/crm-fcgi.log")
	cpu=$(cpu_share "$cpu0" "$(cpu_snap)")
	cpureq=$(cpu_per_request "$ticks0" "$(ticks_snap "$s")" "$nreq")
	srv="- - 0 0"
	[ -n "$routes" ] && srv=$(server_ms "$log_from" "$log_to" "$routes")
	srv=$(echo "$srv" | tr ' ' '|')
	# shellcheck disable=SC2086
	echo "$s|$label|$kind|$(median $rps_l)|$(median $p50_l)|$(median $p99_l)|$(printf '%s\n' $err_l | awk '{ n += $1 } END { print n + 0 }')|$(median $bytes_l)|$rss_max|$srv|$(echo "$cpu" | tr ' ' '|')|$(echo "$cpureq" | tr ' ' '|')|$runs_json" >>"$RESULTS"
	set -- $cpu $cpureq
	echo " $(median $rps_l) req/s"
	[ "$kind" = write ] && reset_write_set
	echo "    cpu: ${1}% ours, ${2}% niced background, ${3}% idle; per request: nginx ${4} us, app ${5} us, db ${6} us, rest (wrk, kernel) ${7} us"
done

# ---- the table and the JSON -------------------------------------------------------------------
C2=$(awk -F'|' '$1 == "ceiling2" { print $4 }' "$RESULTS")
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/$STAMP.json
awk -F'|' -v c2="${C2:-0}" -v out="$OUT" -v stamp="$STAMP" -v workers="$WORKERS" \
	-v threads="$THREADS" -v cores="$CORES" -v conns="$CONNS" -v wthreads="$WRK_THREADS" \
	-v dur="$DURATION" -v runs="$RUNS" -v rows="$ROWS" -v loadtotal="${LOAD_S:-null}" \
	-v gen="${GEN_S:-null}" -v imp="${IMPORT_S:-null}" -v loadnote="$LOAD_NOTE" \
	-v loadavg="$(cut -d' ' -f1-3 /proc/loadavg)" -v niced="$niced" -v cpu="$(cpu_share "$CPU_START" "$(cpu_snap)")" '
function ratio_target(kind) { return kind == "get" ? 0.25 : kind == "list" ? 0.08 : kind == "write" ? 0.05 : 0 }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
BEGIN {
	printf "\n%-40s %8s %7s %7s %6s %6s %7s %6s %7s %7s %-19s  %s\n", "scenario", "req/s", "p50 ms", "p99 ms",
		"errors", "ratio", "bytes", "RSS MB", "svc p50", "svc p99", "cpu us ngx/app/db/+", "targets"
	json = ""
}
{
	ratio = c2 > 0 ? $4 / c2 : 0
	rss = $9 > 0 ? sprintf("%.1f", $9 / 1024) : "-"
	miss = ""
	if ($3 != "ceiling") {
		t = ratio_target($3)
		if (ratio < t) miss = miss sprintf(" ratio<%.2f", t)
		if ($3 != "write" && $6 > 25) miss = miss " p99>25ms"
		if ($7 > 0) miss = miss " errors"
		if ($9 > 16 * 1024) miss = miss " RSS>16MB"
		verdict = miss == "" ? "ok" : "MISS" miss
	} else verdict = "-"
	printf "%-40s %8.0f %7.2f %7.2f %6d %6.3f %7d %6s %7s %7s %-19s  %s\n", substr($2, 1, 40), $4, $5, $6, $7, ratio, $8, rss, $10, $11, $17 "/" $18 "/" $19 "/" $20, verdict
	json = json (json == "" ? "" : ",\n    ") sprintf("{\"scenario\":%s,\"label\":%s,\"kind\":%s,\"rps\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"errors\":%s,\"ratio_to_ceiling2\":%.4f,\"bytes_per_response\":%s,\"worker_rss_kb_max\":%s,\"server_ms_p50\":%s,\"server_ms_p99\":%s,\"server_non2xx\":%s,\"server_requests\":%s,\"verdict\":%s,\"cpu_busy_pct\":%s,\"cpu_niced_pct\":%s,\"cpu_idle_pct\":%s,\"cpu_us_per_request\":{\"nginx\":%s,\"app\":%s,\"db\":%s,\"rest\":%s},\"runs\":[%s]}",
		jstr($1), jstr($2), jstr($3), $4, $5, $6, $7, ratio, $8, $3 == "ceiling" ? "null" : $9,
		$10 == "-" ? "null" : $10, $11 == "-" ? "null" : $11, $12, $13, jstr(verdict), $14, $15, $16, $17, $18, $19, $20, $21)
}
END {
	print "\nratio: req/s over ceiling 2; errors: non-2xx + socket errors, summed over the runs;"
	print "bytes: per response incl. headers; RSS MB: largest VmRSS of a pool worker sampled under load;"
	print "svc p50/p99: ms inside the worker for the same requests (crm-fcgi.log);"
	print "cpu us: CPU microseconds per request in nginx / the pool (fixed-fcgi for ceiling 2) / MariaDB / the rest (wrk, kernel)"
	printf "{\n  \"time\": %s,\n  \"workers\": %d, \"threads\": %d, \"cores\": %d, \"connections\": %d, \"wrk_threads\": %d,\n", jstr(stamp), workers, threads, cores, conns, wthreads > out
	printf "  \"duration_s\": %d, \"runs\": %d, \"figures\": \"median of the runs; errors summed\",\n", dur, runs > out
	printf "  \"data\": %s, \"load\": {\"note\": %s, \"generate_s\": %s, \"import_s\": %s, \"total_s\": %s},\n", jstr(rows), jstr(loadnote), gen, imp, loadtotal > out
	split(cpu, c, " ")
	printf "cpu over all scenarios: %s%% busy (ours), %s%% niced background, %s%% idle\n", c[1], c[2], c[3]
	printf "  \"loadavg_at_start\": %s, \"niced_background\": %s,\n", jstr(loadavg), jstr(niced) > out
	printf "  \"cpu_pct\": {\"busy\": %s, \"niced_background\": %s, \"idle\": %s},\n", c[1], c[2], c[3] > out
	printf "  \"results\": [\n    %s\n  ]\n}\n", json > out
	close(out)
}' "$RESULTS"
echo
echo "results: $OUT"
echo "total time: $(elapsed "$T_START" "$(now)")s"
if [ "${BENCH_HOLD:-0}" = 1 ]; then
	echo "BENCH_HOLD=1: everything stays up for inspection until Ctrl-C (or SIGTERM to pid $$):"
	echo "  $BASE/api/v1/...  tokens: $TOKENS  log: $V/crm-fcgi.log  sql: $DB crm"
	while :; do
		sleep 1 &
		wait $!
	done
fi
