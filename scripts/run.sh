#!/bin/sh
# run.sh BUILD: what `make run` does after building.  Under var/: a private MariaDB
# (var/db), the migrations, the demo data (loaded again on every run: it upserts), the
# worker pool (crm-fcgi -c var/crm.conf) and nginx on http://localhost:18080 and
# https://localhost:18443 (self-signed certificate in var/nginx/tls).  Prints a demo token
# and a curl line, then stays in the foreground.  Ctrl-C or SIGTERM stops nginx, crm-fcgi
# and MariaDB by PID, in that order, and exits 0; the data in var/ is kept.  When a step
# fails, whatever was started is stopped and the exit status is 1.
#
# var/crm.conf is made on the first run from conf/crm.conf.example with a random JWT
# secret and the database users' passwords; edit it, or override any key with CRM_<KEY>.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1
BUILD=$(build_dir "${1:-build}")

HTTP_PORT=18080
HTTPS_PORT=18443

for bin in crm-fcgi crmctl; do
	[ -x "$BUILD/$bin" ] || die "$BUILD/$bin is missing (make run builds it)"
done
for tool in mariadbd mariadb-install-db mariadb-admin mariadb nginx openssl curl; do
	command -v $tool >/dev/null 2>&1 || die "$tool is missing (make bootstrap installs it)"
done

V=$(short_dir "$ROOT/var") # $ROOT/var, or a short link to it when sockets would not fit
CONF=$V/crm.conf
mkdir -p "$V/run" "$V/nginx" || die "cannot create $V"

started=""  # what this run started: db fcgi nginx
ready=0
cleanup() {
	trap '' INT TERM
	[ -n "${waiter:-}" ] && kill "$waiter" 2>/dev/null
	[ -z "$started" ] && return
	echo
	echo "run: stopping$(echo " $started" | sed -e 's/ nginx/ nginx,/' -e 's/ fcgi/ crm-fcgi,/' -e 's/ db/ MariaDB/' -e 's/,$//')..."
	case " $started " in *" nginx "*) nginx_stop "$V/nginx" ;; esac
	case " $started " in *" fcgi "*) stop_pid "$PID_FILE" $((SHUTDOWN + 5)) ;; esac
	case " $started " in *" db "*) db_stop "$V/db" ;; esac
	started=""
	echo "run: stopped; the data in var/ is kept for the next run"
}
trap cleanup EXIT
# Interrupted while starting: a failure (130); once it is up: the way to stop it (0).
trap 'if [ $ready = 1 ]; then exit 0; else exit 130; fi' INT TERM HUP

# ---- MariaDB, the configuration, the schema and the demo data -------------------------------
db_start "$V/db"
started="db"
db_users "$V/db"
if [ ! -f "$CONF" ]; then
	write_conf "$CONF" "$V/db" listen="$V/run/crm.sock" pid_file="$V/run/crm.pid" workers=0 \
		jwt_secret="$(openssl rand -base64 48 | tr -d '\n')"
	echo "run: wrote var/crm.conf (from conf/crm.conf.example, with a new JWT secret)"
fi
# the settings the service will use (CRM_* variables win over the file)
SOCKET=$(conf_value "$CONF" listen var/run/crm.sock)
PID_FILE=$(conf_value "$CONF" pid_file var/run/crm-fcgi.pid)
SHUTDOWN=$(conf_value "$CONF" shutdown_timeout 10)
case $SHUTDOWN in '' | *[!0-9]*) SHUTDOWN=10 ;; esac
# The master's /status and /metrics (README, "Watching the pool"): on loopback unless the
# configuration names another status_listen.
STATUS_LISTEN=$(conf_value "$CONF" status_listen "")
if [ -z "$STATUS_LISTEN" ]; then
	STATUS_LISTEN=127.0.0.1:18090
	export CRM_STATUS_LISTEN=$STATUS_LISTEN
fi
case $STATUS_LISTEN in
*/* | [!0-9]*) STATUS_URL="curl --unix-socket $STATUS_LISTEN http://localhost" ;;
*) STATUS_URL=http://$STATUS_LISTEN ;;
esac

"$BUILD/crmctl" -c "$CONF" migrate || die "crmctl migrate failed (database log: var/db/mysqld.log)"
"$BUILD/crmctl" -c "$CONF" demo || die "crmctl demo (loading the demo data) failed"

# ---- the pool ----------------------------------------------------------------------------------
# One of an earlier run that was killed (not stopped) would keep serving: stop it first.
if ours "$PID_FILE" "$CONF"; then
	echo "run: crm-fcgi of an earlier run still runs (pid $(cat "$PID_FILE")); stopping it"
	stop_pid "$PID_FILE" $((SHUTDOWN + 5))
fi
[ -f "$V/crm-fcgi.log" ] && [ "$(wc -c <"$V/crm-fcgi.log")" -gt 50000000 ] &&
	mv "$V/crm-fcgi.log" "$V/crm-fcgi.log.1"
echo "--- run.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$V/crm-fcgi.log"
started="fcgi $started"
pool_start "$PID_FILE" "$SOCKET" "$V/crm-fcgi.log" 30 "$BUILD/crm-fcgi" -c "$CONF" || exit 1
fcgi_pid=$POOL_PID

# ---- nginx -------------------------------------------------------------------------------------
if ours "$V/nginx/nginx.pid" "$V/nginx"; then
	echo "run: nginx of an earlier run still runs (pid $(cat "$V/nginx/nginx.pid")); stopping it"
	nginx_stop "$V/nginx"
fi
self_signed "$V/nginx"
# the API document and its page (`make run` builds them: make docs)
export CRM_DOCS_DIR="$BUILD/openapi"
nginx_conf "$V/nginx/nginx.conf" "$V/nginx" $HTTP_PORT $HTTPS_PORT "" /api/v1/ "$SOCKET"
nginx_start "$V/nginx"
started="nginx $started"

# ---- ready -------------------------------------------------------------------------------------
TOKEN=$("$BUILD/crmctl" -c "$CONF" token --sub hollandtech-u1 --tenant hollandtech \
	--scope "crm:read crm:write" --ttl 86400) || die "crmctl token failed"
[ -n "$TOKEN" ] || die "crmctl token printed no token"
URL=http://localhost:$HTTP_PORT/api/v1/crm/customers/my
check=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $TOKEN" "$URL")

cat <<MSG

The CRM API runs:  http://localhost:$HTTP_PORT/api/v1
                   https://localhost:$HTTPS_PORT/api/v1  (self-signed: curl -k, or --cacert var/nginx/tls/cert.pem)
API document:      http://localhost:$HTTP_PORT/api/v1/docs  (the page; no token)
                   http://localhost:$HTTP_PORT/api/v1/openapi.json  (OpenAPI 3.1)
Pool status:       $STATUS_URL/status  (JSON; /status?full: each worker)
Metrics:           $STATUS_URL/metrics  (Prometheus)
Demo caller: user hollandtech-u1 of tenant hollandtech, scope "crm:read crm:write", valid 24 h.
Other tokens: ${BUILD#"$ROOT"/}/crmctl -c var/crm.conf token --sub ID --tenant ID [--scope ...] [--ttl S]

export TOKEN=$TOKEN

curl -H "Authorization: Bearer \$TOKEN" $URL

Logs: var/crm-fcgi.log (one line per request), var/nginx/logs/error.log, var/db/mysqld.log.
Ctrl-C stops everything; the data stays in var/.
MSG
if [ "$check" != 200 ]; then
	echo "run: warning: that curl line got HTTP $check instead of 200 (see var/crm-fcgi.log)" >&2
fi
ready=1

# ---- wait, watching the pool and nginx ----------------------------------------------------------
while :; do
	sleep 1 &
	waiter=$!
	wait $waiter 2>/dev/null
	waiter=""
	if ! kill -0 $fcgi_pid 2>/dev/null; then
		grep -v ' request ' "$V/crm-fcgi.log" | tail -5 >&2
		ready=0
		die "crm-fcgi (pid $fcgi_pid) exited by itself (log: var/crm-fcgi.log)"
	fi
	if ! pid_alive "$V/nginx/nginx.pid"; then
		tail -5 "$V/nginx/logs/error.log" >&2
		ready=0
		die "nginx exited by itself (log: var/nginx/logs/error.log)"
	fi
done
