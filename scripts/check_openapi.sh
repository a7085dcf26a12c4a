#!/bin/sh
# check_openapi.sh BUILD LOG OUT: the checks of docs/openapi.yaml that need the running test
# service, run by scripts/test.sh after the HTTP tests (CRM_TEST_BASE_URL, CRM_TEST_CRMCTL and
# CRM_TEST_CONF set), each ending with an "N passed, M failed" line:
#   1. every answer the HTTP tests received (LOG, written by tests/http/client.c) validated
#      against the document: operation, status, body schema and headers
#      (tools/openapi/validate_log.mjs);
#   2. the client generated from the document (`make openapi`) runs its scripted session
#      (tools/openapi/client_session.ts);
#   3. the docs page, opened from nginx in headless Chromium with every other host
#      unresolvable (so nothing can come from a CDN), renders every operation of the document
#      and every route of the service (BUILD/openapi/routes.txt, `make openapi` writes it):
#      its DOM is read for the ids Redoc gives them ("operation/<operationId>"), and a
#      screenshot is kept as OUT/docs.png and BUILD/openapi/docs.png (a CI artefact).
# The output of each goes to OUT/*.log; the exit status is 1 when any failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
BUILD=$(build_dir "${1:?usage: check_openapi.sh BUILD LOG OUT}")
LOG=${2:?}
OUT=${3:?}
DOC=$BUILD/openapi/openapi.json
mkdir -p "$OUT"
status=0

# run NAME COMMAND...: the check's output in OUT/NAME.log, its closing line on stdout
run() {
	r_name=$1
	shift
	"$@" >"$OUT/$r_name.log" 2>&1
	r_rc=$?
	if [ $r_rc != 0 ]; then
		grep -v ' passed, ' "$OUT/$r_name.log" | tail -40
		status=1
	fi
	grep -a ' passed, [0-9]* failed' "$OUT/$r_name.log" | tail -1 | grep . ||
		echo "$r_name: exited with status $r_rc before its summary line"
}

run openapi-responses node "$ROOT/tools/openapi/validate_log.mjs" "$DOC" "$LOG"
run client-session node "$BUILD/openapi/session/session.js"

# Headless Chromium (its dbus complaints on stderr are harmless).  It renders the page in a few
# seconds, but now and then never exits after writing a screenshot (seen on a loaded 2-core
# machine, 11 minutes asleep): each try is bounded, and a hung one is tried again.
browse() {
	for b_try in 1 2 3; do
		timeout -k 5 90 chromium --headless=new --no-sandbox --disable-gpu \
			--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
			--virtual-time-budget=5000 "$@" 2>/dev/null && return 0
		echo "chromium $*: no result in 90 s (try $b_try of 3)" >&2
	done
	return 1
}

# The page, as a browser gets it from nginx (without a token).
docs_page() {
	url=${CRM_TEST_BASE_URL%/}/docs
	code=$(curl -s -o "$OUT/docs.html" -w '%{http_code} %{content_type}' "$url")
	[ "$code" = "200 text/html; charset=utf-8" ] || {
		echo "GET $url: $code"
		return 1
	}
	# nothing the page loads may come from elsewhere: no host but 127.0.0.1 (nginx) resolves
	browse --dump-dom "$url" >"$OUT/docs-dom.html"
	browse --window-size=1400,1000 --screenshot="$OUT/docs.png" "$url" >/dev/null
	cp "$OUT/docs.png" "$BUILD/openapi/docs.png" 2>/dev/null
	node -e '
		// every operation of the document and every route of the service (crmctl routes,
		// by the name its operationId is made of) must have its element on the page
		const fs = require("fs");
		const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
		const dom = fs.readFileSync(process.argv[2], "utf8");
		const want = new Set();
		for (const item of Object.values(doc.paths))
			for (const op of Object.values(item)) if (op && op.operationId) want.add(op.operationId);
		for (const line of fs.readFileSync(process.argv[4], "utf8").split("\n"))
			if (line.trim()) want.add(line.trim().split(/\s+/)[2].replace(/[._]([a-z])/g, (_, c) => c.toUpperCase()));
		let passed = 0, failed = 0;
		for (const id of want) {
			if (dom.includes(`id="operation/${id}"`)) passed++;
			else { failed++; console.log(`FAIL the page does not render ${id}`); }
		}
		if (!fs.existsSync(process.argv[3])) { failed++; console.log("FAIL no screenshot"); }
		console.log(`docs-page: ${passed} passed, ${failed} failed`);
		process.exit(failed === 0 && passed > 0 ? 0 : 1);
	' "$DOC" "$OUT/docs-dom.html" "$OUT/docs.png" "$BUILD/openapi/routes.txt"
}
command -v chromium >/dev/null 2>&1 || die "chromium is missing (make bootstrap installs it)"
run docs-page docs_page
exit $status
