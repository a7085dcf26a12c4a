#!/bin/sh
# deb_test.sh BUILD: `make deb-test`, the test of the Debian package `make deb` left in BUILD/deb.
#   1. the package unpacked into a temporary root (dpkg-deb -x): its file list, conffiles,
#      control fields and maintainer scripts (a crm user, root:crm 0640 on the configuration,
#      units enabled but not started, no database touched), its configuration refused until
#      configured;
#   2. systemd-analyze verify on its units, and systemd-analyze security on the service
#      (rated OK or better; the figure is printed);
#   3. the unpacked crm-fcgi started by systemd-socket-activate -l SOCKET (LISTEN_FDS), with
#      NOTIFY_SOCKET pointing at a small listener, behind a test nginx and MariaDB: requests
#      answered, SIGHUP under load (wrk) with zero failures, READY, RELOADING, READY, STOPPING
#      received in that order, exit 0 on SIGTERM with the socket file still there; then the
#      same program given a listening socket on fd 0 (as spawn-fcgi does).
# Everything lives under var/deb-test (CRM_DEB_TEST_DIR) with nginx on 127.0.0.1:18200
# (CRM_DEB_TEST_HTTP_PORT); every server started here is stopped by PID.  A check that cannot
# run here prints a SKIP line with the reason and never counts as passed.  Exit status 1 when
# any check failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT" || exit 1
BUILD=$(build_dir "${1:-build}")
HTTP_PORT=${CRM_DEB_TEST_HTTP_PORT:-18200}
TEST_DIR=${CRM_DEB_TEST_DIR:-var/deb-test}
case $TEST_DIR in /*) ;; *) TEST_DIR=$ROOT/$TEST_DIR ;; esac
conf_env_unset

DEB=$(ls "$BUILD"/deb/crm-customer-api_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || die "no package in $BUILD/deb (make deb builds it)"

passed=0
failed=0
skipped=0
ok() {
	passed=$((passed + 1))
	echo "deb-test: ok: $*"
}
fail() {
	failed=$((failed + 1))
	echo "deb-test: FAIL: $*"
}
skip() {
	skipped=$((skipped + 1))
	echo "deb-test: SKIP: $*"
}
# check WHAT CMD...: ok WHAT when CMD succeeds, else fail WHAT.
check() {
	ck_what=$1
	shift
	if "$@"; then ok "$ck_what"; else fail "$ck_what"; fi
}

# ---- var/deb-test: stop what an earlier run left, then wipe it -------------------------------
T=$(short_dir "$TEST_DIR")
if ours "$T/nginx/nginx.pid" "$T/nginx"; then nginx_stop "$T/nginx"; fi
for f in crm.pid fd0.pid notify.pid; do
	if ours "$T/$f" "$T/"; then stop_pid "$T/$f"; fi
done
if ours "$T/db/run/mysqld.pid" "$T/db/data"; then db_stop "$T/db"; fi
rm -rf "$TEST_DIR"
T=$(short_dir "$TEST_DIR")
R=$T/root
echo "deb-test: $DEB (work: ${TEST_DIR#"$ROOT"/})"

# ---- 1. the package's contents -------------------------------------------------------------
dpkg-deb -x "$DEB" "$R" && dpkg-deb -e "$DEB" "$T/control" || die "cannot unpack $DEB"

cat >"$T/files.expected" <<'EOF'
etc/crm/crm.conf
etc/nginx/conf.d/crm-api.conf
etc/nginx/snippets/crm-api.conf
lib/systemd/system/crm-fcgi.service
lib/systemd/system/crm-fcgi.socket
usr/bin/crmctl
usr/sbin/crm-fcgi
usr/share/crm-customer-api/docs.html
usr/share/crm-customer-api/openapi.json
usr/share/doc/crm-customer-api/README.md.gz
usr/share/doc/crm-customer-api/changelog.gz
usr/share/doc/crm-customer-api/copyright
usr/share/doc/crm-customer-api/examples/crm.conf.example
usr/share/doc/crm-customer-api/examples/nginx.conf.example
usr/share/man/man1/crmctl.1.gz
usr/share/man/man8/crm-fcgi.8.gz
EOF
(cd "$R" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort) >"$T/files.actual"
if diff -u "$T/files.expected" "$T/files.actual" >"$T/files.diff"; then
	ok "file list: $(wc -l <"$T/files.actual" | tr -d ' ') files, as expected"
else
	fail "file list differs (- expected, + in the package):"
	sed '1,2d' "$T/files.diff"
fi
# every file the nginx snippet serves (alias) is in the package
for alias in $(sed -n 's/^[[:space:]]*alias[[:space:]]*\([^;]*\);.*/\1/p' "$R/etc/nginx/snippets/crm-api.conf"); do
	check "the snippet's $alias is in the package" test -s "$R$alias"
done
check "the API document in the package is JSON naming /health" \
	python3 -c 'import json, sys; sys.exit(0 if "/health" in json.load(open(sys.argv[1]))["paths"] else 1)' \
	"$R/usr/share/crm-customer-api/openapi.json"
printf '/etc/crm/crm.conf\n/etc/nginx/conf.d/crm-api.conf\n/etc/nginx/snippets/crm-api.conf\n' \
	>"$T/conffiles.expected"
check "conffiles: the configuration and the two nginx parts" \
	cmp -s "$T/conffiles.expected" "$T/control/conffiles"
field() { sed -n "s/^$1: //p" "$T/control/control"; }
check "control: package crm-customer-api" [ "$(field Package)" = crm-customer-api ]
case ", $(field Depends), " in
*", adduser, "*) ok "control: depends on adduser (the postinst makes the crm user)" ;;
*) fail "control: Depends lacks adduser: $(field Depends)" ;;
esac
check "binaries are executable" test -x "$R/usr/sbin/crm-fcgi" -a -x "$R/usr/bin/crmctl"

P=$T/control/postinst
check "postinst: creates the crm system user" grep -q 'adduser --system --group .*crm$' "$P"
check "postinst: /etc/crm/crm.conf root:crm 0640 (a stat override)" \
	grep -q 'dpkg-statoverride --update --add root crm 0640 /etc/crm/crm.conf' "$P"
check "postinst: enables crm-fcgi.socket and crm-fcgi.service" \
	sh -c "grep -q \"deb-systemd-helper enable 'crm-fcgi.socket'\" '$P' &&
	       grep -q \"deb-systemd-helper enable 'crm-fcgi.service'\" '$P'"
check "postinst: starts nothing on a fresh install" \
	sh -c "! grep -E 'deb-systemd-invoke (start|restart|\\\$_dh_action)' '$P'"
check "postinst: tells the operator to run crmctl migrate" \
	grep -q 'crmctl -c /etc/crm/crm.conf migrate' "$P"
# what the postinst runs, leaving out the message it prints
sed "/<<'MSG'/,/^MSG\$/d" "$P" >"$T/postinst.code"
check "postinst: touches no database (no crmctl, mariadb or mysql run)" \
	sh -c "! grep -n -E '(crmctl|mariadb|mysql)' '$T/postinst.code'"

C=$R/etc/crm/crm.conf
check "crm.conf: made for a server (the socket in /run/crm, no pid file, MariaDB's socket)" \
	test "$(conf_value "$C" listen '')|$(conf_value "$C" pid_file x)|$(conf_value "$C" db_socket '')" \
	= "/run/crm/crm.sock||/run/mysqld/mysqld.sock"
check "crm.conf: ships no secret" \
	test -z "$(conf_value "$C" jwt_secret '')$(conf_value "$C" db_password '')"
if "$R/usr/sbin/crm-fcgi" -t -c "$C" >"$T/check.out" 2>&1; then
	fail "crm-fcgi -t accepts the unconfigured crm.conf: $(cat "$T/check.out")"
else
	ok "an unconfigured install refuses to start: $(head -1 "$T/check.out")"
fi

# ---- 2. the units --------------------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze verify and security: systemd-analyze is not installed"
else
	# The package's root plus what its units name from the rest of a system: the host's
	# units (sysinit.target, ...) and /bin/kill (ExecReload).  Manuals are checked below.
	V=$T/verify-root
	cp -a "$R" "$V" && mkdir -p "$V/bin" && cp /bin/kill "$V/bin/kill" || die "cannot make $V"
	for u in /lib/systemd/system/*; do
		[ -f "$u" ] && [ ! -e "$V/lib/systemd/system/${u##*/}" ] && cp -P "$u" "$V/lib/systemd/system/"
	done
	if systemd-analyze verify --man=no --root="$V" crm-fcgi.socket crm-fcgi.service \
		>"$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ]; then
		ok "systemd-analyze verify crm-fcgi.socket crm-fcgi.service: no finding"
	else
		fail "systemd-analyze verify:"
		cat "$T/verify.out"
	fi
	for page in $(sed -n 's/^Documentation=//p' "$R"/lib/systemd/system/crm-fcgi.* | tr ' ' '\n' |
		sed -n 's/^man:\(.*\)(\(.*\))$/\2:\1/p' | sort -u); do
		check "Documentation=man:${page#*:}(${page%%:*}) is in the package" \
			sh -c "MANPATH='$R/usr/share/man' man -w '${page%%:*}' '${page#*:}' | grep -q '^$R/'"
	done
	systemd-analyze security --offline=yes --root="$V" crm-fcgi.service >"$T/security.out" 2>&1
	sec_rc=$?
	figure=$(sed -n 's/.*Overall exposure level for crm-fcgi.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' \
		"$T/security.out")
	case "$sec_rc:$figure" in
	0:*" OK" | 0:*" SAFE" | 0:*" PERFECT")
		ok "systemd-analyze security crm-fcgi.service: $figure (OK or better)" ;;
	0:?*) fail "systemd-analyze security crm-fcgi.service: $figure (worse than OK)" ;;
	*) skip "systemd-analyze security: it could not rate the unit here: $(tail -1 "$T/security.out")" ;;
	esac
fi

# ---- 3. the unpacked service, socket-activated ----------------------------------------------
missing=""
for tool in systemd-socket-activate python3 wrk curl mariadbd mariadb-install-db nginx openssl; do
	command -v $tool >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	skip "the socket-activated service: missing here:$missing (make bootstrap installs them)"
	echo "deb-test: $passed passed, $failed failed, $skipped skipped"
	[ $failed = 0 ]
	exit
fi

cleanup() {
	trap '' INT TERM
	nginx_stop "$T/nginx"
	stop_pid "$T/crm.pid" 20
	stop_pid "$T/fd0.pid" 20
	stop_pid "$T/notify.pid" 5
	db_stop "$T/db"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

CRM_DB_POOL=64M db_start "$T/db"
db_users "$T/db"
. "$T/db/passwords"
# The package's configuration, with this test's values after it (the last line for a key
# wins).  `listen` names a path that must never appear: the passed socket is served instead.
cp "$C" "$T/crm.conf" && chmod 600 "$T/crm.conf"
cat >>"$T/crm.conf" <<EOF
db_socket = $T/db/run/mysqld.sock
db_password = $APP_PW
db_admin_user = crm_admin
db_admin_password = $ADMIN_PW
jwt_secret = $(openssl rand -hex 32)
cursor_key = $(openssl rand -hex 32)
workers = 2
listen = $T/unused.sock
EOF
"$R/usr/bin/crmctl" -c "$T/crm.conf" migrate >"$T/migrate.log" 2>&1 || {
	cat "$T/migrate.log"
	die "the package's crmctl migrate failed"
}
ok "the package's crmctl migrate: $(grep -c . "$T/migrate.log") migration(s) applied"

# A service manager's side of NOTIFY_SOCKET: one line per datagram, its fields joined by "|".
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' >"$T/notify.err" 2>&1 &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(65536).decode("utf-8", "replace").strip().replace("\n", "|") + "\n")
PY
echo $! >"$T/notify.pid"
wait_for test -S "$T/notify.sock" || die "the notify listener did not start: $(cat "$T/notify.err")"

# notified KEY: the order in which READY=1, RELOADING=1 and STOPPING=1 came, space-separated.
notified() {
	tr '|' '\n' <"$T/notify.log" | sed -n 's/^\(READY\|RELOADING\|STOPPING\)=1$/\1/p' | tr '\n' ' ' |
		sed 's/ $//'
}
wait_notified() { # wait_notified SEQUENCE: up to 15 s
	wn_i=0
	while [ "$(notified)" != "$1" ]; do
		wn_i=$((wn_i + 1))
		[ $wn_i -gt 150 ] && return 1
		sleep 0.1
	done
}

# systemd-socket-activate listens, and execs crm-fcgi in its own process at the first connection.
systemd-socket-activate -l "$T/crm.sock" -E NOTIFY_SOCKET="$T/notify.sock" \
	"$R/usr/sbin/crm-fcgi" -c "$T/crm.conf" </dev/null >>"$T/crm-fcgi.log" 2>&1 &
SA_PID=$!
echo $SA_PID >"$T/crm.pid"
wait_for test -S "$T/crm.sock" || die "systemd-socket-activate did not listen on $T/crm.sock"

mkdir -p "$T/nginx"
nginx_conf "$T/nginx/nginx.conf" "$T/nginx" "$HTTP_PORT" "" "" /api/v1/ "$T/crm.sock" \
	/fd0/api/v1/ "$T/fd0.sock"
nginx_start "$T/nginx"
API=http://127.0.0.1:$HTTP_PORT/api/v1

# get PATH [TOKEN]: "STATUS BODY" of a GET through nginx.
get() {
	curl -s --max-time 30 ${2:+-H "Authorization: Bearer $2"} -o "$T/body" -w '%{http_code}' \
		"http://127.0.0.1:$HTTP_PORT$1"
	printf ' %s' "$(cat "$T/body" 2>/dev/null)"
}
answer=$(get /api/v1/health)
check "the first request starts the service and is answered: $answer" \
	[ "$answer" = '200 {"status":"ok"}' ]
check "crm-fcgi runs in the process systemd-socket-activate exec'd (pid $SA_PID)" \
	sh -c "readlink /proc/$SA_PID/exe | grep -q 'usr/sbin/crm-fcgi\$'"
check "READY=1 once the workers run" wait_notified READY
TOKEN=$("$R/usr/bin/crmctl" -c "$T/crm.conf" token --sub u-1 --tenant deb-test) ||
	die "the package's crmctl token failed"
answer=$(get /api/v1/crm/customers/my "$TOKEN")
check "a request with the package's token is answered: $answer" [ "$answer" = '200 []' ]
check "a STATUS line: $(grep -o 'STATUS=workers[^|]*' "$T/notify.log" | tail -1)" \
	grep -q 'STATUS=workers 2 busy [0-9]* idle [0-9]*, [0-9,]* requests' "$T/notify.log"

# SIGHUP in the middle of 4 s of load: not one request may fail.
wrk -t2 -c8 -d4s -H "Authorization: Bearer $TOKEN" "$API/crm/customers/my" >"$T/wrk.log" 2>&1 &
WRK_PID=$!
sleep 1.5
kill -HUP $SA_PID
wait $WRK_PID
requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.log")
bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T/wrk.log")
errors=$(grep -c 'Socket errors' "$T/wrk.log")
if [ "${requests:-0}" -gt 100 ] && [ -z "$bad" ] && [ "$errors" = 0 ]; then
	ok "SIGHUP under load: $requests requests in 4 s, none failed"
else
	fail "SIGHUP under load: ${requests:-0} requests, ${bad:-0} non-2xx, socket errors: $errors"
	cat "$T/wrk.log"
fi
check "the reload was logged" grep -q 'SIGHUP: configuration reloaded' "$T/crm-fcgi.log"
check "RELOADING=1, then READY=1 again" wait_notified "READY RELOADING READY"
answer=$(get /api/v1/health)
check "answered after the reload on the same socket: $answer" [ "$answer" = '200 {"status":"ok"}' ]
# status_requests: the requests of the last STATUS line (the master sends one a second).
status_requests() {
	grep -o 'STATUS=workers[^|]*' "$T/notify.log" | tail -1 | sed -n 's/.*, \([0-9,]*\) requests.*/\1/p' |
		tr -d ,
}
status_caught_up() { [ "$(status_requests)" -ge "$1" ]; }
wait_for status_caught_up "${requests:-0}"
check "STATUS counts the requests across the reload: $(status_requests) >= ${requests:-0}" \
	[ "$(status_requests)" -ge "${requests:-0}" ]

kill -TERM $SA_PID
wait $SA_PID
sa_rc=$?
rm -f "$T/crm.pid"
check "SIGTERM: exit status 0 (it was $sa_rc)" [ $sa_rc = 0 ]
check "SIGTERM: the socket file it was given is still there" [ -S "$T/crm.sock" ]
check "the configured listen path was never made" [ ! -e "$T/unused.sock" ]
check "READY, RELOADING, READY, STOPPING, in that order (got: $(notified))" \
	[ "$(notified)" = "READY RELOADING READY STOPPING" ]

# The same program given its socket on fd 0, as spawn-fcgi and libfcgi's FCGI_LISTENSOCK do.
echo "base_path = /fd0/api/v1" >>"$T/crm.conf"
python3 - "$T/fd0.sock" "$R/usr/sbin/crm-fcgi" "$T/crm.conf" <<'PY' >>"$T/crm-fd0.log" 2>&1 &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(128)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], [sys.argv[2], "-c", sys.argv[3]])
PY
FD0_PID=$!
echo $FD0_PID >"$T/fd0.pid"
wait_for sh -c "curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$HTTP_PORT/fd0/api/v1/health' |
	grep -q 200"
answer=$(get /fd0/api/v1/health)
check "a socket on fd 0 is served: $answer" [ "$answer" = '200 {"status":"ok"}' ]
kill -TERM $FD0_PID
wait $FD0_PID
fd0_rc=$?
rm -f "$T/fd0.pid"
check "fd 0: exit status 0 on SIGTERM (it was $fd0_rc)" [ $fd0_rc = 0 ]
check "fd 0: the socket file it was given is still there" [ -S "$T/fd0.sock" ]

if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/crm-fcgi.log" "$T/crm-fd0.log"; then
	fail "sanitizer reports in the service's logs"
fi
echo "deb-test: $passed passed, $failed failed, $skipped skipped"
if [ $failed != 0 ]; then
	echo "--- the service's warnings and errors ($T/crm-fcgi.log) ---"
	grep -a -v ' request ' "$T/crm-fcgi.log" | tail -20
	exit 1
fi
exit 0
