# cluster.sh: `make bench CLUSTER=1`: the bench's scenarios on a Galera cluster behind two pools.
# shellcheck shell=sh disable=SC2034,SC1091 # variables that bench.sh's functions read; loaded
#
# Sourced by bench/bench.sh when BENCH_CLUSTER=1 (POSIX sh): after the single-node scenarios,
# the same scenarios against
#
#   nginx 127.0.0.1:BENCH_CLUSTER_PORT (18380): one upstream of pool A and pool B (round robin)
#   pool A: db_hosts n1, n2, n3        pool B: db_hosts n2, n3, n1
#   MariaDB Galera n1 <-> n2 <-> n3 under var/bench-cluster (scripts/cluster.sh)
#
# then get, by-status and write again with the pools' db_sync_wait = 0 (the service's switch
# for the session's wsrep_sync_wait; 1, its default, in the first pass), and a table of the
# cluster's figures beside the single node's of the same run, with their ratio cluster/single.
# The same run, not an older results file: this machine is shared, and its load changes from
# one hour to the next.
#
# What differs from the single node is meant to be the cluster alone:
# - workers: the two pools share the single pool's workers, half each (on 2 cores: 2 + 2 for
#   its 4; a pool of 4 each would give the cluster twice the processes on the same cores);
#   threads as the single pool's;
# - nginx: the same template (conf/nginx.local.conf.in), its pool location passing to the
#   upstream instead of one socket; the ceilings are the single phase's fixed-fcgi, so
#   ceiling 2 here says whether the machine was as fast as during the single-node scenarios;
# - the pools reach the nodes over their unix sockets, as the single pool reaches its server
#   (db_hosts takes socket paths): the figures carry no TCP cost of the pools' own; the nodes
#   replicate to each other over loopback TCP;
# - each node gets the single server's InnoDB settings (buffer pool CRM_DB_POOL, 64M redo log,
#   flush at commit 2, 200 connections), appended to scripts/cluster.sh's my.cnf;
# - the data: the single server's datadir (the data set as bench.sh loads it), copied into
#   node 1 after a clean shutdown; node 1 bootstraps the cluster with it, nodes 2 and 3 get it
#   by SST (rsync).  var/bench-cluster/loaded names the load it was copied from; a later
#   single-node load (another LOADED_AT, size or DATA_VERSION) copies again.  Later runs start
#   the nodes on their own data (node 1 bootstraps, the others catch up by IST);
# - the same tokens, jwt_secret and cursor_key as the single pool; the write set is restored
#   and the create scenario's customers are deleted through node 1, as on the single node.
# The three nodes share this machine's cores: every write is applied on all three here, where
# three hosts would each apply it once, so the cost measured is an upper bound of a real
# cluster's (the CPU columns show where it goes).
#
# Ports, apart from cluster-test's and the single bench's: nodes 13406..13408, group
# communication 14667/14677/14687, SST 14544/14554/14564.  Everything is stopped by PID on exit
# (bench_cluster_stop, from bench.sh's trap).

BC_PORT=${BENCH_CLUSTER_PORT:-18380}
BC_DIR=$ROOT/var/bench-cluster
BC_SYNC_WAIT_0="get by-status write" # run again with db_sync_wait = 0 (those of SCENARIOS)
# shellcheck disable=SC2034 # read by scripts/cluster.sh
CRM_CLUSTER_DB_PORT=13406 CRM_CLUSTER_GCOMM_PORT=14667 CRM_CLUSTER_SST_PORT=14544
. "$ROOT/scripts/cluster.sh"
CL="" # set by bench_cluster_check

# bench_cluster_check: dies unless a cluster can run here (galera-4, rsync, root, the mysql
# user) and when a server of an earlier run still runs under var/bench-cluster.
bench_cluster_check() {
	[ -f "$GALERA_LIB" ] || die "BENCH_CLUSTER=1: $GALERA_LIB is missing (galera-4: make cluster-test installs it as root)"
	command -v rsync >/dev/null 2>&1 || die "BENCH_CLUSTER=1: rsync is missing (the nodes' SST)"
	[ "$(id -u)" = 0 ] || die "BENCH_CLUSTER=1 needs root: each node runs as the mysql user (rsync SST) in a datadir it owns"
	id mysql >/dev/null 2>&1 || die "BENCH_CLUSTER=1: there is no mysql user (mariadb-server makes it)"
	CL=$(short_dir "$BC_DIR")
	mkdir -p "$CL/nginx" "$CL/tmp"
	for bc_f in nginx/nginx.pid:nginx pool-a.pid:pool-a.conf pool-b.pid:pool-b.conf \
		n1/run/start.pid:n1/my.cnf n2/run/start.pid:n2/my.cnf n3/run/start.pid:n3/my.cnf; do
		if ours "$CL/${bc_f%%:*}" "$CL/${bc_f#*:}"; then
			die "$CL/${bc_f%%:*}: pid $(cat "$CL/${bc_f%%:*}") is still running (another bench?); stop it first"
		fi
		rm -f "$CL/${bc_f%%:*}"
	done
}

bench_cluster_stop() {
	[ -n "$CL" ] && cluster_stop a b
}

# bc_sql N SQL: SQL as root on node N (the mariadb client's ordinary output)
bc_sql() { mariadb --no-defaults --socket="$(node_dir "$1")/run/mysqld.sock" -uroot -N -e "$2"; }

# bc_node_conf: my.cnf of the three nodes (scripts/cluster.sh), with the single server's
# InnoDB settings (scripts/lib.sh db_start) after it: the later line wins
bc_node_conf() {
	for bn_n in 1 2 3; do
		node_conf $bn_n
		cat >>"$(node_dir $bn_n)/my.cnf" <<EOF
# bench/cluster.sh: as the single-node bench's server, so that the figures differ by the cluster
innodb-buffer-pool-size = $CRM_DB_POOL
innodb-log-file-size = 64M
max-connections = 200
wsrep-cluster-name = crm-bench
EOF
	done
}

# bc_reuse: starts the nodes on the data of an earlier run (node 1 bootstraps: the nodes were
# stopped node 1 last, and nothing of this data must survive a run but the data set, which the
# bench restores); 1 when they do not come up with the data set (then the caller copies again).
bc_reuse() {
	sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$(node_dir 1)/data/grastate.dat" 2>/dev/null
	bc_node_conf # after sed -i, which may leave the file root's: node_conf gives the mysql user its node
	node_start 1 --wsrep-new-cluster
	node_wait_synced 1 120 || return 1
	cluster_join 900 || return 1
	[ "$(bc_sql 1 "SELECT COUNT(*) FROM crm.customers WHERE id LIKE CONCAT(tenant_id, '-c%')")" = "$CUSTOMERS" ]
}

# bc_counters: Galera's counters of what replication cost, summed over the nodes: "CERT BF FC"
# (transactions that failed certification, local ones aborted for a replicated one, flow control
# pauses the nodes asked for)
bc_counters() {
	for bc_n in 1 2 3; do
		for bc_v in wsrep_local_cert_failures wsrep_local_bf_aborts wsrep_flow_control_sent; do
			printf '%s ' "$(node_status $bc_n $bc_v)"
		done
		echo
	done | awk '{ c += $1; b += $2; f += $3 } END { printf "%d %d %d", c, b, f }'
}
# bc_counters_since BEFORE: prints what happened since the bc_counters BEFORE and appends it to
# BC_GALERA_JSON, with the pools' db_sync_wait BC_SYNC_WAIT
BC_GALERA_JSON=""
bc_counters_since() {
	# shellcheck disable=SC2046,SC2086 # numbers
	set -- $1 $(bc_counters)
	echo "cluster: over these scenarios (the three nodes): $(($4 - $1)) transactions failed certification, $(($5 - $2)) were aborted for a replicated one, flow control was asked for $(($6 - $3)) times"
	BC_GALERA_JSON="$BC_GALERA_JSON${BC_GALERA_JSON:+, }{\"db_sync_wait\": $BC_SYNC_WAIT, \"cert_failures\": $(($4 - $1)), \"bf_aborts\": $(($5 - $2)), \"flow_control_sent\": $(($6 - $3))}"
}

# bench_cluster_start: the three nodes, Synced, with the single node's data set (its server
# must be stopped: its datadir may be copied).  Sets BC_LOAD_NOTE and the BC_* of $CL/loaded.
bench_cluster_start() {
	BC_SOURCE_LOADED_AT="" BC_DATA_VERSION="" BC_CUSTOMERS="" BC_COPIED_AT="" BC_COPY_S="" BC_SST_S=""
	[ -f "$CL/loaded" ] && . "$CL/loaded"
	if [ "$BC_SOURCE_LOADED_AT" = "$LOADED_AT" ] && [ "$BC_DATA_VERSION" = "$DATA_VERSION" ] &&
		[ "$BC_CUSTOMERS" = "$CUSTOMERS" ] && [ -d "$(node_dir 1)/data/crm" ]; then
		echo "cluster: starting the nodes on the data set copied at $BC_COPIED_AT (from the load of $LOADED_AT) ..."
		if bc_reuse; then
			BC_LOAD_NOTE="copied earlier"
			return 0
		fi
		echo "cluster: the nodes did not come up with the data set; copying it again" >&2
		cluster_stop
	fi
	rm -f "$CL/loaded"
	rm -rf "$(node_dir 1)" "$(node_dir 2)" "$(node_dir 3)"
	bc_node_conf
	echo "cluster: copying the single node's datadir ($(du -sh "$V/db/data" | cut -f1)) into node 1 ..."
	bs_t0=$(now)
	cp -a "$V/db/data/." "$(node_dir 1)/data/" || die "copying $V/db/data failed"
	chown -R mysql:mysql "$(node_dir 1)"
	node_start 1 --wsrep-new-cluster
	node_wait_synced 1 120 || die "node 1 did not bootstrap the cluster"
	bs_t1=$(now)
	echo "cluster: node 1 bootstrapped in $(elapsed "$bs_t0" "$bs_t1")s; nodes 2 and 3 join by SST ..."
	cluster_join 900 || exit 1
	BC_COPY_S=$(elapsed "$bs_t0" "$bs_t1")
	BC_SST_S=$(elapsed "$bs_t1" "$(now)")
	BC_COPIED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	printf 'BC_SOURCE_LOADED_AT=%s\nBC_DATA_VERSION=%s\nBC_CUSTOMERS=%s\nBC_COPIED_AT=%s\nBC_COPY_S=%s\nBC_SST_S=%s\n' \
		"$LOADED_AT" "$DATA_VERSION" "$CUSTOMERS" "$BC_COPIED_AT" "$BC_COPY_S" "$BC_SST_S" >"$CL/loaded"
	echo "cluster: nodes 2 and 3 Synced after ${BC_SST_S}s of SST"
	BC_LOAD_NOTE="copied now"
}

# bench_cluster_pools SYNC_WAIT: (re)writes pool A's and pool B's configuration with
# db_sync_wait = SYNC_WAIT and (re)starts them; migrates the cluster's schema (once, through
# node 1) on the first call
BC_MIGRATED=0
bench_cluster_pools() {
	BC_SYNC_WAIT=$1
	for bp_p in a b; do
		if ours "$CL/pool-$bp_p.pid" "$CL/pool-$bp_p.conf"; then stop_pid "$CL/pool-$bp_p.pid" 20; fi
	done
	bp_s1=$(node_dir 1)/run/mysqld.sock
	bp_s2=$(node_dir 2)/run/mysqld.sock
	bp_s3=$(node_dir 3)/run/mysqld.sock
	set -- workers="$BC_WORKERS" threads="$THREADS" jwt_secret="$(conf_value "$CONF" jwt_secret "")" \
		cursor_key="$(conf_value "$CONF" cursor_key "")" db_sync_wait="$1"
	cluster_pool_conf a "$(node_dir 1)" "$bp_s1,$bp_s2,$bp_s3" "$@"
	cluster_pool_conf b "$(node_dir 1)" "$bp_s2,$bp_s3,$bp_s1" "$@"
	if [ $BC_MIGRATED = 0 ]; then
		"$BUILD/crmctl" -c "$CL/pool-a.conf" migrate >"$CL/migrate.log" 2>&1 ||
			die "crmctl migrate failed on the cluster (log: $CL/migrate.log)"
		BC_MIGRATED=1
	fi
	BC_FROM_a=$(log_size "$CL/pool-a.log") # where this start's log lines begin
	BC_FROM_b=$(log_size "$CL/pool-b.log")
	for bp_p in a b; do
		cluster_pool_start $bp_p "$BUILD/crm-fcgi" || die "pool $bp_p did not start"
	done
}

# bench_cluster_nginx: nginx on BC_PORT from the single bench's template and ceilings, its pool
# location passing to the upstream of both pools
bench_cluster_nginx() {
	nginx_conf "$CL/nginx/nginx.conf.in" "$CL/nginx" "$BC_PORT" "" "$V/nginx/ceilings.conf" \
		/api/v1/ CRM_BENCH_POOLS "= /ceiling/fcgi" "$V/run/fixed.sock" \
		"= /ceiling/fcgi-page" "$V/run/fixed3.sock"
	awk -v a="$CL/pool-a.sock" -v b="$CL/pool-b.sock" '
		/^http {/ { print; printf "\tupstream crm_pools {\n\t\tserver unix:%s;\n\t\tserver unix:%s;\n\t}\n", a, b; n++; next }
		sub(/fastcgi_pass unix:CRM_BENCH_POOLS;/, "fastcgi_pass crm_pools;") { m++ }
		{ print }
		END { exit !(n == 1 && m == 1) }' "$CL/nginx/nginx.conf.in" >"$CL/nginx/nginx.conf" ||
		die "$CL/nginx/nginx.conf: no http block or no pool location to pass to the upstream"
	nginx_start "$CL/nginx"
}

# bench_cluster_run SINGLE_RESULTS: the cluster phase (see the top); the single node's pool,
# nginx and MariaDB stop first, so that the cluster runs alone.  Leaves its table in BC_TABLE
# and its JSON members in BENCH_CLUSTER_JSON.
bench_cluster_run() {
	echo
	stop_pid "$V/run/crm.pid"
	nginx_stop "$V/nginx"
	db_stop "$V/db"
	BC_WORKERS=$(((WORKERS + 1) / 2))
	# the single pool's CRM_WORKERS and CRM_THREADS would override the pools' files
	unset CRM_WORKERS CRM_THREADS
	bench_cluster_start
	# the users of the single server's passwords (the copy has them; a newer passwords file
	# changes them), through node 1 to all
	cp "$V/db/passwords" "$(node_dir 1)/passwords"
	db_users "$(node_dir 1)"
	for bn_p in a b; do
		[ -f "$CL/pool-$bn_p.log" ] && mv "$CL/pool-$bn_p.log" "$CL/pool-$bn_p.log.1"
	done
	bench_cluster_pools 1
	bench_cluster_nginx

	# the scenarios' view of the system under test: the cluster
	BASE=http://127.0.0.1:$BC_PORT
	POOL_PIDFILES="$CL/pool-a.pid $CL/pool-b.pid"
	POOL_LOGS="$CL/pool-a.log $CL/pool-b.log"
	DB_PIDFILES="$(node_dir 1)/run/mysqld.pid $(node_dir 2)/run/mysqld.pid $(node_dir 3)/run/mysqld.pid"
	NGINX_DIR=$CL/nginx
	CONF=$CL/pool-a.conf
	DB="mariadb --no-defaults --socket=$(node_dir 1)/run/mysqld.sock -uroot"
	n=$(remove_created) || exit 1
	[ "$n" -gt 0 ] && echo "cluster: deleted $n customers an earlier create scenario left"
	reset_write_set
	# every node warm (2 and 3 come cold from SST or a restart) and settled
	bn_db=$DB
	for bn_n in 1 2 3; do
		DB="mariadb --no-defaults --socket=$(node_dir $bn_n)/run/mysqld.sock -uroot"
		$DB -N -e "SELECT SUM(LENGTH(doc)) FROM crm.customers; SELECT SUM(LENGTH(doc)) FROM crm.opportunities;
			SELECT SUM(LENGTH(doc)) FROM crm.activities" >/dev/null
		printf 'node %s: ' $bn_n
		wait_settled
	done
	DB=$bn_db
	BC_ROWS="customers=$(count_rows customers) opportunities=$(count_rows opportunities) activities=$(count_rows activities) users=$(count_rows users)"
	BC_GALERA=$(node_status 1 wsrep_provider_version)
	BC_MARIADB=$(bc_sql 1 "SELECT VERSION()")
	# what each pool's first log lines of this start say: its workers, and the servers they use
	for bn_p in a b; do
		bn_from=$BC_FROM_a
		[ $bn_p = b ] && bn_from=$BC_FROM_b
		bn_log=$(tail -c +$((bn_from + 1)) "$CL/pool-$bn_p.log" | grep -a -v ' request ')
		bn_line=$(echo "$bn_log" | sed -n 's/.* generation 0: \([0-9][0-9]*\) workers x \([0-9][0-9]*\) threads.*/\1 x \2/p' | head -1)
		echo "cluster: pool $bn_p: ${bn_line:-?} workers x threads; its workers on$(echo "$bn_log" |
			sed -n 's|.* uses .*/\(n[0-9]\)/run/mysqld.sock (server.*|\1|p' | sort | uniq -c |
			awk '{ printf " %s (%d)", $2, $1 }')"
	done
	echo "cluster: nginx $BASE -> pools A (db_hosts n1,n2,n3) and B (n2,n3,n1), $BC_WORKERS workers x $THREADS threads each -> 3 Galera nodes ($BC_GALERA, MariaDB $BC_MARIADB)"
	echo "cluster: $BC_ROWS; db_sync_wait = 1 (wsrep_sync_wait on every session)"
	bn_c0=$(bc_counters)
	# shellcheck disable=SC2086 # scenario names
	run_scenarios "$CL/results-1.txt" $SCENARIOS
	bc_counters_since "$bn_c0"

	bc_sw0=""
	for s in $BC_SYNC_WAIT_0; do
		case " $SCENARIOS " in *" $s "*) bc_sw0="$bc_sw0 $s" ;; esac
	done
	: >"$CL/results-0.txt"
	if [ -n "$bc_sw0" ]; then
		echo "cluster: the pools again with db_sync_wait = 0 (wsrep_sync_wait off):$bc_sw0"
		bench_cluster_pools 0
		bn_c0=$(bc_counters)
		# shellcheck disable=SC2086 # scenario names
		run_scenarios "$CL/results-0.txt" $bc_sw0
		bc_counters_since "$bn_c0"
	fi
	BC_TABLE=$CL/tmp/table.txt
	bench_cluster_report "$1" "$CL/results-1.txt" "$CL/results-0.txt" >"$BC_TABLE" ||
		die "the cluster's report failed"
	BENCH_CLUSTER_JSON=$(cat "$CL/tmp/json.txt")
}

# bench_cluster_report SINGLE CLUSTER SYNC_WAIT_0: the table (stdout) and the JSON members
# ($CL/tmp/json.txt) of the cluster's figures beside the single node's; the files are
# run_scenarios' (fields as listed in bench.sh)
bench_cluster_report() {
	awk -F'|' -v out="$CL/tmp/json.txt" -v workers="$WORKERS" -v bcw="$BC_WORKERS" -v threads="$THREADS" \
		-v port="$BC_PORT" -v galera="$BC_GALERA" -v mariadb="$BC_MARIADB" -v pool="$CRM_DB_POOL" \
		-v rows="$BC_ROWS" -v note="$BC_LOAD_NOTE" -v copied="$BC_COPIED_AT" -v copy_s="$BC_COPY_S" \
		-v sst_s="$BC_SST_S" -v cores="$CORES" -v counters="$BC_GALERA_JSON" '
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function ratio(a, b) { return b > 0 ? sprintf("%.3f", a / b) : "-" }
function jnum(v) { return v == "-" || v == "" ? "null" : v }
# group(S, W): S centred in W characters of dashes, over the columns it names
function group(s, w,   l, r, i, out) {
	l = int((w - length(s) - 2) / 2); r = w - length(s) - 2 - l; out = ""
	for (i = 0; i < l; i++) out = out "-"
	out = out " " s " "
	for (i = 0; i < r; i++) out = out "-"
	return out
}
FILENAME == ARGV[1] { s_rps[$1] = $4; s_p99[$1] = $6; s_svc[$1] = $11; s_db[$1] = $19; next }
FILENAME == ARGV[2] { n1++; name1[n1] = $1; line1[n1] = $0; next }
FILENAME == ARGV[3] { n0++; name0[n0] = $1; line0[n0] = $0; next }
# row(LINE, SYNC_WAIT): the JSON of one cluster scenario
function row(l, sw,   f, base) {
	split(l, f, "|")
	base = (f[1] in s_rps) ? sprintf(",\"single_rps\":%s,\"single_p99_ms\":%s,\"ratio_rps\":%s,\"ratio_p99\":%s", s_rps[f[1]], s_p99[f[1]], jnum(ratio(f[4], s_rps[f[1]])), jnum(ratio(f[6], s_p99[f[1]]))) : ""
	if (sw == 0 && (f[1] in c_rps))
		base = base sprintf(",\"ratio_rps_to_sync_wait_1\":%s,\"ratio_p99_to_sync_wait_1\":%s", jnum(ratio(f[4], c_rps[f[1]])), jnum(ratio(f[6], c_p99[f[1]])))
	return sprintf("{\"scenario\":%s,\"db_sync_wait\":%d,\"rps\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"errors\":%s,\"server_ms_p50\":%s,\"server_ms_p99\":%s,\"cpu_us_per_request\":{\"nginx\":%s,\"app\":%s,\"db\":%s,\"rest\":%s}%s,\"runs\":[%s]}",
		jstr(f[1]), sw, f[4], f[5], f[6], f[7], jnum(f[10]), jnum(f[11]), f[17], f[18], f[19], f[20], base, f[21])
}
END {
	printf "\ncluster: nginx -> 2 pools x %d workers x %d threads -> 3 Galera nodes on this machine (db_sync_wait = 1),\n", bcw, threads
	printf "beside the single node of this run (1 pool x %d workers x %d threads -> 1 MariaDB); ratio = cluster / single\n", workers, threads
	printf "%-14s %s   %s   %6s   %-15s %s\n", "", group("req/s", 26), group("p99 ms", 24), "", "svc p99 ms", "db cpu us"
	printf "%-14s %9s %9s %6s   %8s %8s %6s   %6s   %-15s %s\n", "scenario", "single", "cluster", "ratio", "single", "cluster", "ratio", "errors", "single/cluster", "single/cluster"
	json = ""
	for (i = 1; i <= n1; i++) {
		split(line1[i], f, "|")
		c_rps[f[1]] = f[4]; c_p99[f[1]] = f[6]; c_db[f[1]] = f[19]
		in_single = f[1] in s_rps
		printf "%-14s %9s %9.0f %6s   %8s %8.2f %6s   %6d   %-15s %s\n", f[1],
			in_single ? sprintf("%.0f", s_rps[f[1]]) : "-", f[4], in_single ? ratio(f[4], s_rps[f[1]]) : "-",
			in_single ? s_p99[f[1]] : "-", f[6], in_single ? ratio(f[6], s_p99[f[1]]) : "-", f[7],
			(in_single ? s_svc[f[1]] : "-") "/" f[11], (in_single ? s_db[f[1]] : "-") "/" f[19]
		json = json (json == "" ? "" : ",\n    ") row(line1[i], 1)
	}
	if (("ceiling2" in s_rps) && ("ceiling2" in c_rps) && s_rps["ceiling2"] > 0)
		printf "ceiling 2 touches no database: its ratio %s is how much faster (> 1) or slower (< 1) the machine itself\nwas during the cluster'"'"'s scenarios than during the single node'"'"'s\n", ratio(c_rps["ceiling2"], s_rps["ceiling2"])
	if (n0 > 0) {
		print "\nwsrep_sync_wait: the pools with db_sync_wait = 1 (above) and = 0 (reads do not wait for the node to apply"
		print "what the cluster committed before them); ratio = 0 / 1"
		printf "%-14s %s   %s   %6s   %-15s %s\n", "", group("req/s", 26), group("p99 ms", 24), "", "db cpu us", "req/s"
		printf "%-14s %9s %9s %6s   %8s %8s %6s   %6s   %-15s %s\n", "scenario", "wait=1", "wait=0", "ratio", "wait=1", "wait=0", "ratio", "errors", "wait=1/wait=0", "wait=0 / single"
		for (i = 1; i <= n0; i++) {
			split(line0[i], f, "|")
			have1 = f[1] in c_rps
			printf "%-14s %9s %9.0f %6s   %8s %8.2f %6s   %6d   %-15s %s\n", f[1], have1 ? sprintf("%.0f", c_rps[f[1]]) : "-",
				f[4], have1 ? ratio(f[4], c_rps[f[1]]) : "-", have1 ? c_p99[f[1]] : "-", f[6],
				have1 ? ratio(f[6], c_p99[f[1]]) : "-", f[7], (have1 ? c_db[f[1]] : "-") "/" f[19],
				(f[1] in s_rps) ? ratio(f[4], s_rps[f[1]]) : "-"
			json = json (json == "" ? "" : ",\n    ") row(line0[i], 0)
		}
	}
	print "\nsingle/cluster: req/s of the same scenario, median of the runs; errors: the cluster'"'"'s; svc p99: ms inside the"
	print "workers; db cpu us: CPU microseconds per request of the database servers (the cluster: its three nodes, all on"
	print "this machine, so each write is applied three times on the same cores)"
	printf "\"topology\": {\"nginx\": %s, \"pools\": [{\"name\": \"a\", \"db_hosts\": [\"n1\", \"n2\", \"n3\"]}, {\"name\": \"b\", \"db_hosts\": [\"n2\", \"n3\", \"n1\"]}],\n", jstr("127.0.0.1:" port ", one upstream of both pools, round robin") > out
	printf "    \"workers_per_pool\": %d, \"threads\": %d, \"pool_to_node\": \"unix socket\", \"nodes\": 3, \"same_host\": true, \"cores\": %d,\n", bcw, threads, cores > out
	printf "    \"galera\": %s, \"mariadb\": %s, \"innodb_buffer_pool_per_node\": %s, \"data\": %s,\n", jstr(galera), jstr(mariadb), jstr(pool), jstr(rows) > out
	printf "    \"load\": {\"how\": \"the single node'"'"'s datadir copied into node 1, SST (rsync) to nodes 2 and 3\", \"note\": %s, \"copied_at\": %s, \"copy_and_bootstrap_s\": %s, \"sst_s\": %s},\n", jstr(note), jstr(copied), jnum(copy_s), jnum(sst_s) > out
	printf "    \"single\": {\"pools\": 1, \"workers\": %d, \"threads\": %d, \"servers\": 1}},\n", workers, threads > out
	printf "  \"galera_counters\": [%s],\n", counters > out
	printf "  \"cluster_baseline\": \"results: the single node in the same run; ratio_* = cluster / single\",\n" > out
	printf "  \"cluster_results\": [\n    %s\n  ]\n", json > out
	close(out)
}' "$1" "$2" "$3"
}
