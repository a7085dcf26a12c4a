# cluster.sh: a three-node MariaDB Galera cluster on loopback and the pools in front of it,
# for scripts/cluster_test.sh and bench/cluster.sh (sourced after lib.sh; POSIX sh).  Callers
# set CL to the cluster's directory.
#
# Node N (1..3) lives in $CL/nN: data/ (owned by mysql: rsync SST's daemon drops to the
# mysql user and must enter it), run/mysqld.sock and mysqld.pid, tmp/, mysqld.log and
# my.cnf.  It listens on 127.0.0.1:$((CL_PORT + N - 1)) (13306..13308), its group
# communication on 14567/14577/14587 (IST on the port above), its SST receiver on
# 14444/14454/14464.  Pool NAME: its configuration $CL/pool-NAME.conf, socket, pid file and log
# beside it.  Every server is stopped by the PID in its pid file, never by name.

CL_PORT=${CRM_CLUSTER_DB_PORT:-13306}
CL_GCOMM=${CRM_CLUSTER_GCOMM_PORT:-14567}
CL_SST=${CRM_CLUSTER_SST_PORT:-14444}
GALERA_LIB=/usr/lib/galera/libgalera_smm.so

node_dir() { printf '%s/n%s' "$CL" "$1"; }
node_port() { echo $((CL_PORT + $1 - 1)); }
node_pid() { cat "$(node_dir "$1")/run/mysqld.pid" 2>/dev/null; }

# node_sql N SQL: runs SQL as root on node N's socket; rows tab-separated, no headers.
node_sql() {
	mariadb --no-defaults --connect-timeout=3 -uroot --socket="$(node_dir "$1")/run/mysqld.sock" \
		-N -B -e "$2"
}

# node_status N VAR: a status variable of node N ('' when it does not answer).
node_status() {
	node_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}

node_synced() {
	[ "$(node_status "$1" wsrep_local_state_comment)" = Synced ]
}

# node_conf N: writes node N's my.cnf.  The group's failure detection is made quicker than
# Galera's defaults (suspect after 2 s, evicted after 3 s) so that a killed node stalls the
# others' commits for seconds, not the default 5-15.
node_conf() {
	nc_d=$(node_dir "$1")
	nc_gc=$((CL_GCOMM + ($1 - 1) * 10))
	mkdir -p "$nc_d/data" "$nc_d/run" "$nc_d/tmp"
	chown -R mysql:mysql "$nc_d"
	cat >"$nc_d/my.cnf" <<EOF
[mysqld]
user = mysql
datadir = $nc_d/data
socket = $nc_d/run/mysqld.sock
pid-file = $nc_d/run/mysqld.pid
tmpdir = $nc_d/tmp
log-error = $nc_d/mysqld.log
port = $(node_port "$1")
bind-address = 127.0.0.1
skip-name-resolve
max-connections = 100
innodb-buffer-pool-size = 64M
innodb-log-file-size = 32M
innodb-flush-log-at-trx-commit = 2
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
binlog-format = ROW
innodb-autoinc-lock-mode = 2
wsrep-on = ON
wsrep-provider = $GALERA_LIB
wsrep-cluster-name = crm-cluster-test
wsrep-node-name = n$1
wsrep-node-address = 127.0.0.1
wsrep-cluster-address = gcomm://127.0.0.1:$CL_GCOMM,127.0.0.1:$((CL_GCOMM + 10)),127.0.0.1:$((CL_GCOMM + 20))
wsrep-provider-options = "base_port=$nc_gc;gcache.size=32M;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT3S;evs.inactive_check_period=PT0.5S;evs.install_timeout=PT3S;pc.wait_prim_timeout=PT10S"
wsrep-sst-method = rsync
wsrep-sst-receive-address = 127.0.0.1:$((CL_SST + ($1 - 1) * 10))
wsrep-slave-threads = 2
EOF
}

# node_start N [MARIADBD-OPTION...]: starts node N in the background (as a child of this
# shell) and returns; node_wait_synced waits for it.
node_start() {
	ns_n=$1
	shift
	ns_d=$(node_dir "$ns_n")
	rm -f "$ns_d/run/mysqld.pid"
	mariadbd --defaults-file="$ns_d/my.cnf" "$@" </dev/null >>"$ns_d/mysqld.out" 2>&1 &
	echo $! >"$ns_d/run/start.pid"
}

# node_wait_synced N SECONDS: returns once node N is Synced; 1 when it exited or the time ran out.
node_wait_synced() {
	nw_i=0
	while ! node_synced "$1"; do
		nw_p=$(cat "$(node_dir "$1")/run/start.pid" 2>/dev/null)
		if [ -n "$nw_p" ] && ! kill -0 "$nw_p" 2>/dev/null; then
			tail -15 "$(node_dir "$1")/mysqld.log" >&2
			echo "${0##*/}: node $1 exited while starting (log: $(node_dir "$1")/mysqld.log)" >&2
			return 1
		fi
		nw_i=$((nw_i + 1))
		if [ $nw_i -gt $(($2 * 5)) ]; then
			tail -15 "$(node_dir "$1")/mysqld.log" >&2
			echo "${0##*/}: node $1 not Synced within $2 s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# node_kill N: kill -9, by the PID of its pid file; waits until it is gone.
node_kill() {
	nk_p=$(cat "$(node_dir "$1")/run/start.pid" 2>/dev/null)
	[ -n "$nk_p" ] || return 0
	kill -KILL "$nk_p" 2>/dev/null
	while kill -0 "$nk_p" 2>/dev/null; do sleep 0.05; done
}

# node_stop N: a clean shutdown (SIGTERM), at most 60 s.
node_stop() {
	ns_p=$(cat "$(node_dir "$1")/run/start.pid" 2>/dev/null)
	[ -n "$ns_p" ] || return 0
	kill -TERM "$ns_p" 2>/dev/null
	ns_i=0
	while kill -0 "$ns_p" 2>/dev/null; do
		ns_i=$((ns_i + 1))
		if [ $ns_i -gt 600 ]; then
			kill -KILL "$ns_p" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	rm -f "$(node_dir "$1")/run/start.pid"
}

# node_recover_start N: after a kill -9 its grastate.dat says seqno -1, and a plain start
# would copy the whole data set (SST).  `mariadbd --wsrep-recover` reads the last committed
# position from InnoDB; started from there the node receives only what it missed (IST).
node_recover_start() {
	nr_d=$(node_dir "$1")
	nr_from=$(log_size "$nr_d/mysqld.log")
	mariadbd --defaults-file="$nr_d/my.cnf" --wsrep-recover </dev/null >>"$nr_d/mysqld.out" 2>&1
	nr_pos=$(tail -c +$((nr_from + 1)) "$nr_d/mysqld.log" |
		sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:[0-9-]*\).*/\1/p' | tail -1)
	if [ -z "$nr_pos" ]; then
		echo "${0##*/}: node $1: --wsrep-recover found no position; starting it as it is" >&2
		node_start "$1"
	else
		node_start "$1" --wsrep-start-position="$nr_pos"
	fi
}

# cluster_join SECONDS: starts nodes 2 and 3, which join the cluster node 1 runs (by IST, or by
# SST when they have no state or another one), waits up to SECONDS for each to be Synced, then
# checks that the cluster has 3 nodes; 1, with a line on stderr, when not.
cluster_join() {
	for cj_n in 2 3; do
		node_start $cj_n
		if ! node_wait_synced $cj_n "$1"; then
			echo "${0##*/}: node $cj_n did not join the cluster" >&2
			return 1
		fi
	done
	cj_size=$(node_status 1 wsrep_cluster_size)
	if [ "$cj_size" != 3 ]; then
		echo "${0##*/}: the cluster has $cj_size nodes, not 3" >&2
		return 1
	fi
}

# cluster_pool_conf NAME DBDIR HOSTS [KEY=VALUE...]: writes $CL/pool-NAME.conf (write_conf: the
# users of DBDIR/passwords) for pool NAME, listening on $CL/pool-NAME.sock, its pid in
# $CL/pool-NAME.pid, reaching the servers of HOSTS (db_hosts: in the order this pool prefers
# them); each KEY=VALUE as write_conf takes it.
cluster_pool_conf() {
	cc_name=$1
	cc_db=$2
	cc_hosts=$3
	shift 3
	write_conf "$CL/pool-$cc_name.conf" "$cc_db" listen="$CL/pool-$cc_name.sock" \
		pid_file="$CL/pool-$cc_name.pid" db_socket= db_hosts="$cc_hosts" "$@"
}

# cluster_pool_start NAME CRM_FCGI: starts pool NAME (CRM_FCGI -c $CL/pool-NAME.conf), its
# output appended to $CL/pool-NAME.log, as pool_start does; 1 when it did not listen within 30 s.
cluster_pool_start() {
	pool_start "$CL/pool-$1.pid" "$CL/pool-$1.sock" "$CL/pool-$1.log" 30 "$2" -c "$CL/pool-$1.conf"
}

# cluster_stop [POOL...]: stops what runs of ours under $CL, each only when its pid file names a
# process of ours (a stale one may name somebody else's): nginx ($CL/nginx), the pools named,
# then the nodes, node 1 last, so that it is the one safe to bootstrap the cluster again from.
cluster_stop() {
	if ours "$CL/nginx/nginx.pid" "$CL/nginx"; then nginx_stop "$CL/nginx"; fi
	for cs_p; do
		if ours "$CL/pool-$cs_p.pid" "$CL/pool-$cs_p.conf"; then stop_pid "$CL/pool-$cs_p.pid" 20; fi
	done
	for cs_n in 3 2 1; do
		if ours "$(node_dir $cs_n)/run/start.pid" "$(node_dir $cs_n)/my.cnf"; then node_stop $cs_n; fi
	done
}
