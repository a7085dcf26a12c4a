#!/bin/sh
# cluster_test.sh BUILD: `make cluster-test` — the service on a three-node MariaDB Galera
# cluster, with two pools behind one nginx upstream, under a steady keyed write load while a
# node, a pool and a pool's preferred node fail (README, "Scale out").
#
#   1. three Galera nodes on loopback under var/cluster (scripts/cluster.sh: ports
#      13306..13308, group communication 14567/14577/14587, rsync SST 14444/14454/14464),
#      the first bootstrapping the cluster, the others joining by SST; `crmctl migrate` once,
#      on one node; an import (the tenant lock of migration 10) through the third;
#   2. pool A (db_hosts: nodes 1, 2, 3) and pool B (nodes 2, 3, 1), two workers each, behind
#      one nginx upstream on 127.0.0.1:18720;
#   3. BUILD/cluster-load (tests/cluster/load.c): 4 clients for LOAD_S seconds, two thirds
#      creates and one third tags added to 12 customers every client changes, each write
#      keyed and retried with its key until acknowledged; meanwhile, in turn:
#        - node 2 (pool B's first) is killed (kill -9), then restarted by IST;
#        - pool A's master and workers are killed (kill -9), then pool A is restarted;
#        - node 1 (pool A's first) is stopped cleanly, then restarted (IST);
#   4. the checks: no answer a retry must never get; every acknowledged create is stored
#      exactly once (no customer twice, however often its POST was sent); every
#      acknowledged tag is there once with one TAG_ADDED event; CHECKSUM TABLE of every table
#      equal on the three nodes; no request slower than BOUND_MS; and a table of the faults:
#      failed requests during each and for how long.
#
# Skipped, with a line that says why, where galera-4 cannot be installed.  Everything started
# here is stopped by PID on exit.  CRM_CLUSTER_DIR (default var/cluster) and
# CRM_CLUSTER_HTTP_PORT (default 18720) move it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1
BUILD=$(build_dir "${1:-build}")
LOAD_S=${CRM_CLUSTER_LOAD_S:-65}
CLIENTS=4
BOUND_MS=${CRM_CLUSTER_BOUND_MS:-10000}
HTTP_PORT=${CRM_CLUSTER_HTTP_PORT:-18720}
CLUSTER_DIR=${CRM_CLUSTER_DIR:-var/cluster}
case $CLUSTER_DIR in /*) ;; *) CLUSTER_DIR=$ROOT/$CLUSTER_DIR ;; esac
conf_env_unset

# ---- galera-4: installed by the bootstrap where it can be --------------------------------------
. "$ROOT/scripts/cluster.sh"
if [ ! -f "$GALERA_LIB" ] || ! command -v rsync >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "cluster-test: installing galera-4 rsync socat"
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			galera-4 rsync socat >/tmp/crm-cluster-apt.log 2>&1 || true
	fi
fi
if [ ! -f "$GALERA_LIB" ] || ! command -v rsync >/dev/null 2>&1; then
	echo "cluster-test: SKIPPED: galera-4 (and rsync) cannot be installed here, so no Galera cluster can run"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "cluster-test: SKIPPED: it needs root (each node runs as the mysql user, which rsync SST needs, in a datadir it owns)"
	exit 0
fi
id mysql >/dev/null 2>&1 || die "there is no mysql user (mariadb-server makes it): rsync SST needs it"
for bin in crm-fcgi crmctl cluster-load; do
	[ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing (make cluster-test builds it)"
done

# ---- var/cluster: stop what an earlier run left, then wipe it ----------------------------------
mkdir -p "$CLUSTER_DIR"
CL=$(short_dir "$CLUSTER_DIR")
stop_all() {
	cluster_stop a b
	if [ -s "$CL/load.pid" ] && ours "$CL/load.pid" cluster-load; then stop_pid "$CL/load.pid"; fi
}
stop_all
rm -rf "$CLUSTER_DIR"
CL=$(short_dir "$CLUSTER_DIR")
mkdir -p "$CL/load" "$CL/nginx"
trap 'trap "" INT TERM; stop_all' EXIT
trap 'exit 130' INT TERM HUP
T0=$(date +%s)
say() { echo "cluster-test: [$(($(date +%s) - T0)) s] $*"; }

# ---- three Galera nodes -------------------------------------------------------------------------
for n in 1 2 3; do node_conf $n; done
mariadb-install-db --no-defaults --datadir="$(node_dir 1)/data" --user=mysql \
	--auth-root-authentication-method=socket --skip-test-db >"$CL/install.log" 2>&1 ||
	{
		tail -20 "$CL/install.log"
		die "mariadb-install-db failed"
	}
chown -R mysql:mysql "$(node_dir 1)"
node_start 1 --wsrep-new-cluster
node_wait_synced 1 30 || die "node 1 did not bootstrap the cluster"
ADMIN_PW=$(openssl rand -hex 16)
APP_PW=$(openssl rand -hex 16)
(umask 077 && printf 'ADMIN_PW=%s\nAPP_PW=%s\n' "$ADMIN_PW" "$APP_PW" >"$CL/passwords")
# the pools and crmctl reach every node over TCP: users for 127.0.0.1 (and the socket)
node_sql 1 "CREATE DATABASE crm CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'crm_admin'@'127.0.0.1' IDENTIFIED BY '$ADMIN_PW';
CREATE USER 'crm_admin'@'localhost' IDENTIFIED BY '$ADMIN_PW';
GRANT ALL PRIVILEGES ON crm.* TO 'crm_admin'@'127.0.0.1', 'crm_admin'@'localhost';
CREATE USER 'crm_app'@'127.0.0.1' IDENTIFIED BY '$APP_PW';
GRANT SELECT, INSERT, UPDATE, DELETE ON crm.* TO 'crm_app'@'127.0.0.1';" ||
	die "cannot create the database and its users"
cluster_join 90 || exit 1
say "3 Galera nodes Synced (cluster size 3): 127.0.0.1:$(node_port 1), :$(node_port 2), :$(node_port 3)"

# ---- the pools, migrations, nginx ---------------------------------------------------------------
H1=127.0.0.1:$(node_port 1)
H2=127.0.0.1:$(node_port 2)
H3=127.0.0.1:$(node_port 3)
JWT_SECRET=$(openssl rand -hex 32)
CURSOR_KEY=$(openssl rand -hex 32)
# pool_conf NAME HOSTS: the same keys for both pools; only their order of servers differs
pool_conf() {
	cluster_pool_conf "$1" "$CL" "$2" workers=2 threads=1 jwt_secret="$JWT_SECRET" \
		cursor_key="$CURSOR_KEY" db_connect_timeout=1 db_query_timeout=5 db_lock_wait_timeout=3 \
		db_retries=5 shutdown_timeout=5
}
pool_conf a "$H1,$H2,$H3"
pool_conf b "$H2,$H3,$H1"
write_conf "$CL/node3.conf" "$CL" db_socket= db_hosts="$H3" jwt_secret="$JWT_SECRET"
"$BUILD/crmctl" -c "$CL/pool-a.conf" migrate >"$CL/migrate.log" 2>&1 || {
	cat "$CL/migrate.log"
	die "crmctl migrate failed on the cluster"
}
say "migrations applied once, on node 1 (TOI): $(grep -c 'applied migration' "$CL/migrate.log")"
printf '%s\n' '{"users": [{"id": "imp-u1", "username": "imp1", "displayName": "Importer One"}],' \
	'"customers": [{"id": "imp-c1", "tenantId": "imp", "name": "Imported", "type": "COMPANY",' \
	'"crmStatus": "LEAD", "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z",' \
	'"createdBy": "imp-u1", "updatedBy": "imp-u1", "events": [], "tags": []}]}' >"$CL/import.json"
"$BUILD/crmctl" -c "$CL/node3.conf" import --tenant imp "$CL/import.json" >"$CL/import.log" 2>&1 || {
	cat "$CL/import.log"
	die "crmctl import failed on node 3"
}
say "an import through node 3: $(cat "$CL/import.log")"

start_pool() {
	cluster_pool_start "$1" "$BUILD/crm-fcgi" || die "pool $1 did not start"
}
start_pool a
start_pool b
cat >"$CL/nginx/nginx.conf" <<EOF
# nginx for the cluster test: one upstream of two pools.  A pool that refuses the connection
# (down) costs no request: nginx passes it to the other.  A request that reached a pool is
# never sent again by nginx (POST and PATCH are not idempotent); the client retries it.
user root;
worker_processes 1;
pid $CL/nginx/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	error_log $CL/nginx/logs/error.log warn;
	client_body_temp_path $CL/nginx/tmp/body;
	fastcgi_temp_path $CL/nginx/tmp/fastcgi;
	proxy_temp_path $CL/nginx/tmp/proxy;
	uwsgi_temp_path $CL/nginx/tmp/uwsgi;
	scgi_temp_path $CL/nginx/tmp/scgi;
	upstream crm_pools {
		server unix:$CL/pool-a.sock max_fails=1 fail_timeout=2s;
		server unix:$CL/pool-b.sock max_fails=1 fail_timeout=2s;
	}
	server {
		listen 127.0.0.1:$HTTP_PORT;
		location /api/v1/ {
			fastcgi_pass crm_pools;
			include /etc/nginx/fastcgi_params;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_param REQUEST_ID \$request_id;
			fastcgi_next_upstream error timeout;
			fastcgi_connect_timeout 2s;
			fastcgi_read_timeout 30s;
		}
	}
}
EOF
nginx_start "$CL/nginx"
API=http://127.0.0.1:$HTTP_PORT/api/v1
say "pool A (db_hosts $H1,$H2,$H3) and pool B ($H2,$H3,$H1) behind nginx on $API"

TOKEN=$("$BUILD/crmctl" -c "$CL/pool-a.conf" token --sub load-u1 --tenant load \
	--scope "crm:read crm:write" --ttl 3600) || die "crmctl token failed"
SHARED=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	loc=$(curl -s -o /dev/null -w '%header{location}' -X POST -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -d "{\"name\":\"shared $i\",\"type\":\"COMPANY\"}" \
		"$API/crm/customers")
	[ -n "$loc" ] || die "cannot create the shared customer $i"
	SHARED="$SHARED ${loc##*/}"
done

# ---- the load and the faults ---------------------------------------------------------------------
now_ms() { echo $(($(date +%s%N) / 1000000)); }
FAULTS=$CL/faults.txt
: >"$FAULTS"
# fault LABEL: a fault starts now (the table's rows)
fault() {
	printf '%s\t%s\n' "$(now_ms)" "$1" >>"$FAULTS"
	say "fault: $1"
}
# shellcheck disable=SC2086 # SHARED is a list of ids
"$BUILD/cluster-load" "$API" "$TOKEN" "$LOAD_S" "$CLIENTS" "$CL/load" $SHARED \
	>"$CL/load.out" 2>&1 &
echo $! >"$CL/load.pid"
LOAD_START=$(now_ms)
say "load: $CLIENTS clients writing for $LOAD_S s"
sleep 5

fault "node 2 (pool B's first) killed (kill -9), restarted by IST"
node_kill 2
sleep 6
node_recover_start 2
node_wait_synced 2 90 || die "node 2 did not rejoin"
grep -q -a 'IST received' "$(node_dir 2)/mysqld.log" && say "node 2 rejoined by IST" ||
	say "node 2 rejoined (no IST in its log: it took a full SST)"
sleep 5

fault "pool A killed (kill -9 of its master and workers), restarted"
a_master=$(cat "$CL/pool-a.pid")
a_workers=$(ps -o pid= --ppid "$a_master" 2>/dev/null)
# shellcheck disable=SC2086 # the workers' pids
kill -KILL "$a_master" $a_workers 2>/dev/null
sleep 4
start_pool a
sleep 5

fault "node 1 (pool A's first) stopped cleanly, restarted (IST)"
node_stop 1
sleep 5
node_start 1
node_wait_synced 1 90 || die "node 1 did not rejoin"
say "node 1 rejoined"

fault "none: all nodes and pools back (the rest of the load)"
while kill -0 "$(cat "$CL/load.pid")" 2>/dev/null; do sleep 0.5; done
wait "$(cat "$CL/load.pid")" 2>/dev/null
LOAD_END=$(now_ms)
rm -f "$CL/load.pid"
say "load finished"

# ---- the checks -----------------------------------------------------------------------------------
status=0
fail() {
	echo "cluster-test: FAIL: $*"
	status=1
}
for n in 1 2 3; do node_wait_synced $n 60 || fail "node $n is not Synced at the end"; done
cat "$CL"/load/client-*.log >"$CL/all.log"
if grep -a '^bad ' "$CL/all.log" | head -5 | grep -q .; then
	grep -a '^bad ' "$CL/all.log" | head -5
	fail "answers that no retry should get (above)"
fi
lost=$(grep -c -a '^lost ' "$CL/all.log")
[ "$lost" = 0 ] || fail "$lost writes were never acknowledged within 60 s of retrying"

# every acknowledged create once; no customer created twice (by a retry of its POST)
awk '$1 == "ack" && $2 == "create" { print $4 }' "$CL/all.log" | sort >"$CL/acked-ids.txt"
node_sql 1 "SET SESSION wsrep_sync_wait = 1; SELECT id FROM crm.customers WHERE tenant_id = 'load'
	AND sort_name LIKE 'w %'" | sort >"$CL/stored-ids.txt"
acked=$(grep -c . "$CL/acked-ids.txt")
missing=$(comm -23 "$CL/acked-ids.txt" "$CL/stored-ids.txt" | grep -c .)
[ "$missing" = 0 ] || fail "$missing acknowledged creates are not in the database"
dups=$(node_sql 1 "SELECT COUNT(*) FROM (SELECT sort_name FROM crm.customers WHERE tenant_id = 'load'
	GROUP BY sort_name HAVING COUNT(*) > 1) d")
[ "$dups" = 0 ] || fail "$dups customers were created more than once"
extra=$(($(grep -c . "$CL/stored-ids.txt") - acked))
retried=$(awk '$1 == "ack" && (($2 == "create" && $5 > 1) || ($2 == "tag" && $6 > 1))' "$CL/all.log" | grep -c .)
replayed=$(awk '$1 == "ack" && (($2 == "create" && $6 == 1) || ($2 == "tag" && $7 == 1))' "$CL/all.log" | grep -c .)

# every acknowledged tag once, with exactly one TAG_ADDED event per tag
tags_acked=$(awk '$1 == "ack" && $2 == "tag"' "$CL/all.log" | grep -c .)
for id in $SHARED; do
	row=$(node_sql 1 "SELECT JSON_LENGTH(doc, '\$.tags'), JSON_EXTRACT(doc, '\$.tags')
		FROM crm.customers WHERE tenant_id = 'load' AND id = '$id'")
	ntags=$(printf '%s' "$row" | cut -f1)
	nevents=$(node_sql 1 "SELECT COUNT(*) FROM crm.customers c, JSON_TABLE(c.doc, '\$.events[*]'
		COLUMNS (type VARCHAR(20) PATH '\$.type')) e WHERE c.tenant_id = 'load' AND c.id = '$id'
		AND e.type = 'TAG_ADDED'")
	[ "$ntags" = "$nevents" ] || fail "customer $id: $ntags tags but $nevents TAG_ADDED events"
	tags=$(printf '%s' "$row" | cut -f2)
	for t in $(awk -v id="$id" '$1 == "ack" && $2 == "tag" && $4 == id { print $5 }' "$CL/all.log"); do
		n=$(printf '%s' "$tags" | grep -o "\"$t\"" | grep -c .)
		[ "$n" = 1 ] || fail "customer $id: acknowledged tag $t is there $n times"
	done
done

# a keyed write sent again, as a client does when its answer was lost: nginx passes the two
# to the two pools in turn (round robin), so the second reaches the other pool and another
# node, and is answered from the key's row there, byte for byte, without a second customer
for i in 1 2; do
	curl -s -D "$CL/replay.$i.h" -o "$CL/replay.$i.b" -X POST -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: replay-$T0" \
		-d '{"name":"replay check","type":"PERSON"}' "$API/crm/customers"
done
if grep -q -i '^HTTP/1.1 201' "$CL/replay.1.h" && grep -q -i '^HTTP/1.1 201' "$CL/replay.2.h" &&
	grep -q -i '^Idempotent-Replayed: true' "$CL/replay.2.h" && cmp -s "$CL/replay.1.b" "$CL/replay.2.b" &&
	[ "$(node_sql 3 "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM crm.customers
		WHERE tenant_id = 'load' AND sort_name = 'replay check'")" = 1 ]; then
	say "a keyed POST sent twice (through both pools): one customer, the second answer replayed byte for byte"
else
	fail "a keyed POST sent twice was not answered once and replayed once (var/cluster/replay.*)"
fi

# the same data on every node
TABLES="customers users opportunities activities idempotency_keys import_locks schema_migrations"
for n in 1 2 3; do
	for t in $TABLES; do
		node_sql $n "SET SESSION wsrep_sync_wait = 1; CHECKSUM TABLE crm.$t" | cut -f2 | tr '\n' ' '
	done >"$CL/checksums.$n"
done
if cmp -s "$CL/checksums.1" "$CL/checksums.2" && cmp -s "$CL/checksums.1" "$CL/checksums.3"; then
	say "CHECKSUM TABLE of $TABLES: equal on the 3 nodes"
else
	for n in 1 2 3; do echo "node $n: $(cat "$CL/checksums.$n")"; done
	fail "the nodes' data differ (CHECKSUM TABLE above)"
fi

# the latency bound and the fault table
max_ms=$(awk '$1 == "req" && $3 > m { m = $3 } END { print m + 0 }' "$CL/all.log")
reqs=$(grep -c -a '^req ' "$CL/all.log")
[ "$max_ms" -le "$BOUND_MS" ] || fail "a request took $max_ms ms, more than the bound of $BOUND_MS ms"
echo
echo "cluster-test: fault table ($reqs requests; a failed request is one without a 2xx answer, which its client retried)"
awk -v end="$LOAD_END" -v start="$LOAD_START" '
	NR == FNR { tab = index($0, "\t"); n++; at[n] = substr($0, 1, tab - 1) + 0
	            label[n] = substr($0, tab + 1); next }
	$1 == "req" {
		t = $2 + 0; ms = $3 + 0; st = $5 + 0
		w = 0
		for (i = 1; i <= n; i++) if (t >= at[i]) w = i
		reqs[w]++
		if (ms > worst[w]) worst[w] = ms
		if (st < 200 || st > 299) {
			failed[w]++
			if (!(w in first) || t < first[w]) first[w] = t
			if (t + ms > last[w]) last[w] = t + ms
		}
	}
	END {
		at[0] = start; label[0] = "none: before the first fault"; at[n + 1] = end
		printf "%-66s %7s %7s %8s %9s\n", "fault (from its start to the next row)", "reqs", "failed", "for (s)", "max (ms)"
		for (i = 0; i <= n; i++) {
			span = (i in first) ? (last[i] - first[i]) / 1000 : 0
			printf "%-66s %7d %7d %8.1f %9d\n", label[i], reqs[i], failed[i], span, worst[i]
		}
	}' "$FAULTS" "$CL/all.log"
echo
say "$acked creates and $tags_acked tags acknowledged; $retried writes were retried (sent more than once), $replayed of them answered from their Idempotency-Key; $extra unacknowledged creates stored; slowest request $max_ms ms (bound $BOUND_MS ms)"
grep -a -h 'uses 127.0.0.1' "$CL"/pool-*.log | sed 's/^/  /' | tail -4
if [ $status = 0 ]; then
	say "PASSED: no acknowledged write lost, none done twice, the 3 nodes identical"
else
	say "FAILED (logs under ${CLUSTER_DIR#"$ROOT"/})"
fi
exit $status
