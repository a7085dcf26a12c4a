# lib.sh: shell functions shared by run.sh, test.sh, db.sh, faults.sh, bench/bench.sh and
# tests/faults/faultctl.sh (sourced; POSIX sh; callers set ROOT to the repository).
# Every server started here is recorded in a pid file and stopped by that PID, never by name.

# build_dir DIR: the build directory DIR (a script's first argument) as an absolute path.
build_dir() {
	case $1 in /*) printf '%s' "$1" ;; *) printf '%s' "$ROOT/$1" ;; esac
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# short_dir DIR: DIR itself, or, when DIR is so long that socket paths under it could pass
# the 108 bytes of sun_path, a short link to it under /tmp (made with mktemp -d, recorded in
# DIR/.short-path and reused while it still points at DIR).  Creates DIR.
short_dir() {
	mkdir -p "$1" || die "cannot create $1"
	# the longest name put under it is db/run/mysqld.sock (21 bytes)
	if [ ${#1} -le 80 ]; then
		printf '%s' "$1"
		return 0
	fi
	if [ -f "$1/.short-path" ]; then
		sd_link=$(cat "$1/.short-path")
		if [ -L "$sd_link" ] && [ "$(readlink "$sd_link")" = "$1" ] &&
			[ -O "${sd_link%/*}" ] && [ ! -L "${sd_link%/*}" ]; then
			printf '%s' "$sd_link"
			return 0
		fi
	fi
	sd_tmp=$(mktemp -d /tmp/crm-XXXXXX) || die "cannot create a directory under /tmp"
	ln -s "$1" "$sd_tmp/v" || die "cannot link $sd_tmp/v to $1"
	printf '%s\n' "$sd_tmp/v" >"$1/.short-path"
	printf '%s' "$sd_tmp/v"
}

# wait_for CMD...: runs CMD until it succeeds, for up to 30 s.
wait_for() {
	wf_i=0
	while ! "$@" >/dev/null 2>&1; do
		wf_i=$((wf_i + 1))
		[ $wf_i -gt 300 ] && return 1
		sleep 0.1
	done
	return 0
}

# pid_alive FILE: FILE names a running process.
pid_alive() {
	[ -s "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null
}

# ours FILE WORD: FILE names a running process whose command line contains WORD (a path of
# ours): a stale pid file must never make us signal somebody else's process.
ours() {
	pid_alive "$1" && tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" 2>/dev/null | grep -q -- "$2"
}

# stop_pid FILE [SECONDS]: SIGTERM the process whose pid is in FILE and wait for it to go
# (default 15 s, then SIGKILL); removes FILE.
stop_pid() {
	[ -f "$1" ] || return 0
	sp_pid=$(cat "$1" 2>/dev/null)
	case $sp_pid in '' | *[!0-9]*)
		rm -f "$1"
		return 0
		;;
	esac
	kill -TERM "$sp_pid" 2>/dev/null || {
		rm -f "$1"
		return 0
	}
	sp_i=0
	sp_max=$((${2:-15} * 10))
	while kill -0 "$sp_pid" 2>/dev/null; do
		sp_i=$((sp_i + 1))
		if [ $sp_i -gt $sp_max ]; then
			echo "${0##*/}: pid $sp_pid ($1) did not stop within ${2:-15} s: SIGKILL" >&2
			kill -KILL "$sp_pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	rm -f "$1"
}

# ---- MariaDB ------------------------------------------------------------------------------
# A private server under DIR: DIR/data (datadir), DIR/run/mysqld.sock and mysqld.pid,
# DIR/mysqld.log; unix socket only.  CRM_DB_POOL sets the InnoDB buffer pool (256M).

db_ping() {
	mariadb-admin --no-defaults --connect-timeout=2 --socket="$1/run/mysqld.sock" -uroot \
		ping >/dev/null 2>&1
}

# db_start DIR: initialises DIR/data on first use, starts mariadbd in the background and
# returns once it answers (at most 30 s).  A server of ours that still runs there is reused.
db_start() {
	ds_d=$1
	mkdir -p "$ds_d/data" "$ds_d/run" "$ds_d/tmp" || die "cannot create $ds_d"
	if pid_alive "$ds_d/run/mysqld.pid" && db_ping "$ds_d"; then
		echo "MariaDB already runs on $ds_d/run/mysqld.sock (pid $(cat "$ds_d/run/mysqld.pid")); using it" >&2
		return 0
	fi
	if [ ! -d "$ds_d/data/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$ds_d/data" --user=root \
			--auth-root-authentication-method=socket --skip-test-db >"$ds_d/install.log" 2>&1 || {
			tail -20 "$ds_d/install.log" >&2
			die "mariadb-install-db failed (log: $ds_d/install.log)"
		}
	fi
	# Sized for a small machine: one buffer pool, a modest redo log (CRM_DB_REDO: the bench's
	# is larger, for its bulk imports), no binary log, and
	# commits flushed once a second (this is development and test data).  Each server has
	# its own tmpdir: a starting mariadbd deletes every #sql* file in its tmpdir, and in a
	# shared /tmp that was the live temporary tables of other servers' statements.
	mariadbd --no-defaults --datadir="$ds_d/data" --socket="$ds_d/run/mysqld.sock" \
		--tmpdir="$ds_d/tmp" \
		--pid-file="$ds_d/run/mysqld.pid" --skip-networking --skip-name-resolve --user=root \
		--innodb-buffer-pool-size="${CRM_DB_POOL:-256M}" --innodb-log-file-size="${CRM_DB_REDO:-64M}" \
		--innodb-flush-log-at-trx-commit=2 --max-connections=200 \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
		--log-error="$ds_d/mysqld.log" </dev/null >/dev/null 2>&1 &
	ds_pid=$!
	ds_i=0
	while ! db_ping "$ds_d"; do
		if ! kill -0 $ds_pid 2>/dev/null; then
			tail -20 "$ds_d/mysqld.log" >&2
			die "MariaDB exited at start (log: $ds_d/mysqld.log)"
		fi
		ds_i=$((ds_i + 1))
		if [ $ds_i -gt 300 ]; then
			tail -20 "$ds_d/mysqld.log" >&2
			kill -TERM $ds_pid 2>/dev/null
			die "MariaDB did not answer within 30 s (log: $ds_d/mysqld.log)"
		fi
		sleep 0.1
	done
	# mariadbd writes its pid file itself; make sure stop finds it even if it did not yet
	[ -s "$ds_d/run/mysqld.pid" ] || echo $ds_pid >"$ds_d/run/mysqld.pid"
}

# db_stop DIR: a clean shutdown by PID (InnoDB may take a while to flush: 60 s at most).
db_stop() {
	stop_pid "$1/run/mysqld.pid" 60
}

# db_users DIR: database `crm`, user crm_admin (ALL on crm.*: migrations, import, demo) and
# crm_app (SELECT, INSERT, UPDATE, DELETE on crm.*: the service), with random passwords made
# on first use and kept in DIR/passwords (ADMIN_PW=..., APP_PW=...; mode 600).
db_users() {
	if [ ! -s "$1/passwords" ]; then
		(
			umask 077
			printf 'ADMIN_PW=%s\nAPP_PW=%s\n' "$(openssl rand -hex 16)" "$(openssl rand -hex 16)" \
				>"$1/passwords"
		) || die "cannot write $1/passwords"
	fi
	. "$1/passwords"
	mariadb --no-defaults --connect-timeout=5 --socket="$1/run/mysqld.sock" -uroot <<SQL || die "cannot create the database and its users"
CREATE DATABASE IF NOT EXISTS crm CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'crm_admin'@'localhost' IDENTIFIED BY '$ADMIN_PW';
ALTER USER 'crm_admin'@'localhost' IDENTIFIED BY '$ADMIN_PW';
GRANT ALL PRIVILEGES ON crm.* TO 'crm_admin'@'localhost';
CREATE USER IF NOT EXISTS 'crm_app'@'localhost' IDENTIFIED BY '$APP_PW';
ALTER USER 'crm_app'@'localhost' IDENTIFIED BY '$APP_PW';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'crm_app'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON crm.* TO 'crm_app'@'localhost';
SQL
}

# ---- the service's configuration ------------------------------------------------------------

# conf_keys: the service's configuration keys, one a line: those of the `key = value` lines of
# conf/crm.conf.example, which documents every key.
conf_keys() {
	sed -n 's/^\([a-z0-9_]*\)[[:space:]]*=.*/\1/p' "$ROOT/conf/crm.conf.example"
}

# conf_env_unset [KEY...]: unsets the CRM_<KEY> environment variable of every key of
# conf_keys but the KEYs named, so that a caller's settings cannot point a run at another
# environment (the service and crmctl let CRM_<KEY> override the file).
conf_env_unset() {
	for ce_key in $(conf_keys); do
		case " $* " in *" $ce_key "*) continue ;; esac
		unset "CRM_$(printf '%s' "$ce_key" | tr '[:lower:]' '[:upper:]')"
	done
}

# write_conf FILE DBDIR [KEY=VALUE...]: a configuration for a local run, made from
# conf/crm.conf.example (so every key stays documented): db_socket and the users crm_app and
# crm_admin with their passwords from the MariaDB under DBDIR (db_users), a new random
# cursor_key, then each KEY=VALUE in place of the example's line (a later one wins).  Dies on
# a KEY the example does not have.  Mode 600.
write_conf() {
	wc_file=$1
	wc_db=$2
	shift 2
	[ -f "$ROOT/conf/crm.conf.example" ] || die "$ROOT/conf/crm.conf.example is missing"
	for wc_kv; do
		case $wc_kv in
		*"
"*) die "write_conf: ${wc_kv%%=*}: a value on more than one line" ;;
		[a-z]*=*) ;;
		*) die "write_conf: '$wc_kv' is not KEY=VALUE" ;;
		esac
	done
	. "$wc_db/passwords"
	(
		umask 077
		{
			echo "# Made by scripts/lib.sh from conf/crm.conf.example on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
			echo "# for a local run.  CRM_<KEY> environment variables override every key."
			printf '%s\n' "db_socket=$wc_db/run/mysqld.sock" db_user=crm_app "db_password=$APP_PW" \
				db_admin_user=crm_admin "db_admin_password=$ADMIN_PW" \
				"cursor_key=$(openssl rand -hex 32)" "$@" |
				awk '
				NR == FNR { i = index($0, "="); val[substr($0, 1, i - 1)] = substr($0, i + 1); next }
				/^[a-z0-9_]+[ \t]*=/ { key = $0; sub(/[ \t]*=.*/, "", key)
				                        if (key in val) { print key " = " val[key]; seen[key] = 1; next } }
				{ print }
				END { for (k in val) if (!(k in seen)) {
				          print "write_conf: " k " is not a key of conf/crm.conf.example" >"/dev/stderr"
				          bad = 1 }
				      exit bad }
				' - "$ROOT/conf/crm.conf.example"
		} >"$wc_file.tmp" && mv "$wc_file.tmp" "$wc_file"
	) || {
		rm -f "$wc_file.tmp"
		die "cannot write $wc_file"
	}
}

# conf_value FILE KEY DEFAULT: the value the service will use for KEY: the environment's
# CRM_<KEY> when set, else the last `KEY = value` line of FILE, else DEFAULT.
conf_value() {
	cv_env=CRM_$(printf '%s' "$2" | tr '[:lower:]' '[:upper:]')
	if eval "[ -n \"\${$cv_env+set}\" ]"; then
		eval "printf '%s' \"\$$cv_env\""
		return 0
	fi
	awk -v key="$2" -v def="$3" '
		{ line = $0; sub(/^[ \t]+/, "", line) }
		line ~ /^#/ { next }
		{ i = index(line, "="); if (i == 0) next
		  k = substr(line, 1, i - 1); sub(/[ \t]+$/, "", k); if (k != key) next
		  val = substr(line, i + 1); sub(/^[ \t]+/, "", val); sub(/[ \t\r]+$/, "", val)
		  last = val; found = 1 }
		END { printf "%s", found ? last : def }' "$1"
}

# ---- the pool (crm-fcgi) --------------------------------------------------------------------

# pool_wait PID PIDFILE SOCKET LOG SECONDS [FROM]: waits until the crm-fcgi master PID wrote
# its pid to PIDFILE (it does so once it listens) and SOCKET exists, for up to SECONDS.
# Returns 1 when PID exits first or the time runs out, after printing what this start wrote
# to LOG (from byte FROM on, default 0; request lines left out); then PID is written to
# PIDFILE, so that stop_pid still finds a master that is slow rather than gone.
pool_wait() {
	pw_i=0
	while [ "$(cat "$2" 2>/dev/null)" != "$1" ] || [ ! -S "$3" ]; do
		if ! kill -0 "$1" 2>/dev/null; then
			tail -c +$((${6:-0} + 1)) "$4" | grep -a -v ' request ' | tail -20 >&2
			echo "${0##*/}: crm-fcgi (pid $1) exited while starting (log: $4)" >&2
			return 1
		fi
		pw_i=$((pw_i + 1))
		if [ $pw_i -gt $(($5 * 20)) ]; then
			echo "$1" >"$2"
			tail -c +$((${6:-0} + 1)) "$4" | grep -a -v ' request ' | tail -20 >&2
			echo "${0##*/}: crm-fcgi (pid $1) did not listen on $3 within $5 s (log: $4)" >&2
			return 1
		fi
		sleep 0.05
	done
}

# log_size FILE: FILE's size in bytes (0 when it does not exist).
log_size() {
	if [ -f "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi
}

# pool_start PIDFILE SOCKET LOG SECONDS COMMAND...: runs COMMAND (crm-fcgi -c FILE, or a
# program that execs it, such as valgrind) in the background of this shell, its output
# appended to LOG, and waits for it as pool_wait does.  Sets POOL_PID to its pid.
pool_start() {
	ps_pid_file=$1
	ps_socket=$2
	ps_log=$3
	ps_seconds=$4
	shift 4
	ps_from=$(log_size "$ps_log")
	"$@" </dev/null >>"$ps_log" 2>&1 &
	POOL_PID=$!
	pool_wait "$POOL_PID" "$ps_pid_file" "$ps_socket" "$ps_log" "$ps_seconds" "$ps_from"
}

# ---- nginx --------------------------------------------------------------------------------

# The TLS 1.2 suites nginx.conf.example allows (TLS 1.3's are all AEAD with forward secrecy).
CRM_TLS12_CIPHERS=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305

# nginx_conf OUT PREFIX HTTP_PORT HTTPS_PORT INCLUDE LOCATION SOCKET [LOCATION SOCKET]...:
# renders conf/nginx.local.conf.in into OUT for the instance under PREFIX, listening on
# 127.0.0.1:HTTP_PORT and, unless HTTPS_PORT is empty, HTTPS_PORT (PREFIX/tls must then hold
# cert.pem and key.pem: self_signed makes them); INCLUDE, unless empty, is a file included in
# the server.  The template's pool location is rendered once for each LOCATION (what it
# matches: /api/v1/, = /ceiling/fcgi) and the SOCKET of the pool that serves it.
# CRM_DOCS_DIR (default build/openapi) is the directory whose openapi.json and docs.html
# nginx serves at /api/v1/openapi.json and /api/v1/docs (`make docs` builds them).
nginx_conf() {
	if [ $# -lt 7 ] || [ $(($# % 2)) = 0 ]; then
		die "nginx_conf: no pool, or a LOCATION without its SOCKET"
	fi
	nc_out=$1
	nc_prefix=$2
	nc_http_port=$3
	nc_tls=""
	if [ -n "$4" ]; then
		# as nginx.conf.example: HTTP/2, TLS 1.2 only with forward secrecy and AEAD
		nc_tls="listen 127.0.0.1:$4 ssl http2; ssl_certificate $2/tls/cert.pem; ssl_certificate_key $2/tls/key.pem; ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers $CRM_TLS12_CIPHERS; ssl_prefer_server_ciphers off;"
	fi
	nc_extra=""
	[ -n "$5" ] && nc_extra="include $5;"
	shift 5
	# one "LOCATION<tab>SOCKET" line per pool, read by awk before the template
	nc_pools=$(while [ $# -gt 0 ]; do
		printf '%s\t%s\n' "$1" "$2"
		shift 2
	done)
	nc_docs=${CRM_DOCS_DIR:-$ROOT/build/openapi}
	case $nc_docs in /*) ;; *) nc_docs=$ROOT/$nc_docs ;; esac
	if ! printf '%s\n' "$nc_pools" | NC_PREFIX=$nc_prefix NC_HTTP_PORT=$nc_http_port NC_TLS=$nc_tls \
		NC_EXTRA=$nc_extra NC_DOCS=$nc_docs awk -F '\t' '
		# lit(S, FROM, TO): S with every FROM replaced by TO, taken literally (comment
		# lines are copied as they are)
		function lit(s, from, to,   out, i) {
			out = ""
			while ((i = index(s, from)) > 0) {
				out = out substr(s, 1, i - 1) to
				s = substr(s, i + length(from))
			}
			return out s
		}
		function fill(s) {
			s = lit(s, "@PREFIX@", ENVIRON["NC_PREFIX"])
			s = lit(s, "@HTTP_PORT@", ENVIRON["NC_HTTP_PORT"])
			s = lit(s, "@TLS@", ENVIRON["NC_TLS"])
			s = lit(s, "@DOCS@", ENVIRON["NC_DOCS"])
			return lit(s, "@EXTRA@", ENVIRON["NC_EXTRA"])
		}
		NR == FNR { np++; loc[np] = $1; sock[np] = $2; next }
		/^[ \t]*#@pool-begin[ \t]*$/ { inpool = 1; found++; n = 0; next }
		/^[ \t]*#@pool-end[ \t]*$/ {
			inpool = 0
			for (p = 1; p <= np; p++)
				for (i = 1; i <= n; i++)
					if (line[i] ~ /^[ \t]*#/)
						print line[i]
					else
						print lit(lit(fill(line[i]), "@LOCATION@", loc[p]), "@SOCKET@", sock[p])
			next
		}
		inpool { line[++n] = $0; next }
		/^[ \t]*#/ { print; next }
		{ print fill($0) }
		END { if (found != 1 || inpool) exit 1 }
	' - "$ROOT/conf/nginx.local.conf.in" >"$nc_out.tmp"; then
		rm -f "$nc_out.tmp"
		die "cannot write $nc_out (conf/nginx.local.conf.in needs one #@pool-begin ... #@pool-end)"
	fi
	if grep -n '^[[:space:]]*[^#[:space:]].*@[A-Z_]*@' "$nc_out.tmp" >&2; then
		die "$nc_out.tmp: placeholders are left (above)"
	fi
	mv "$nc_out.tmp" "$nc_out" || die "cannot write $nc_out"
}

# nginx_start PREFIX: checks PREFIX/nginx.conf, then runs nginx in the background in the
# foreground mode (a child of this shell, in its process group) with TZ=UTC; returns once
# it wrote PREFIX/nginx.pid, which it does only after binding its ports.
nginx_start() {
	mkdir -p "$1/logs" "$1/tmp" || die "cannot create $1/logs"
	TZ=UTC nginx -q -t -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log" -g 'daemon off;' ||
		die "nginx: $1/nginx.conf is not valid"
	if pid_alive "$1/nginx.pid"; then
		die "nginx already runs with $1/nginx.conf (pid $(cat "$1/nginx.pid")); stop it first"
	fi
	rm -f "$1/nginx.pid"
	TZ=UTC nginx -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log" -g 'daemon off;' \
		</dev/null >"$1/logs/stderr.log" 2>&1 &
	ns_pid=$!
	ns_i=0
	while [ "$(cat "$1/nginx.pid" 2>/dev/null)" != "$ns_pid" ]; do
		if ! kill -0 $ns_pid 2>/dev/null; then
			tail -5 "$1/logs/stderr.log" >&2
			die "nginx did not start (log: $1/logs/error.log)"
		fi
		ns_i=$((ns_i + 1))
		if [ $ns_i -gt 300 ]; then
			kill -TERM $ns_pid 2>/dev/null
			die "nginx did not start within 30 s (log: $1/logs/error.log)"
		fi
		sleep 0.1
	done
}

nginx_stop() {
	stop_pid "$1/nginx.pid"
}

# self_signed PREFIX: PREFIX/tls/cert.pem and key.pem for localhost, made once.
self_signed() {
	[ -s "$1/tls/cert.pem" ] && [ -s "$1/tls/key.pem" ] && return 0
	mkdir -p "$1/tls" || die "cannot create $1/tls"
	(
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout "$1/tls/key.pem" -out "$1/tls/cert.pem" >/dev/null 2>&1
	) || die "cannot create the self-signed certificate in $1/tls"
}
