#!/bin/sh
# check_nginx_example.sh: `nginx -t` on nginx.conf.example as a user would install it (inside
# nginx's http block, with Debian's fastcgi_params), with a throwaway certificate in place of
# the placeholders, so that the production example can never drift into a file nginx refuses.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
command -v nginx >/dev/null 2>&1 || die "nginx is missing (make bootstrap installs it)"
D=$(mktemp -d /tmp/crm-nginx-check.XXXXXX) || die "cannot make a directory under /tmp"
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/logs" "$D/tmp"
self_signed "$D"
cp /etc/nginx/fastcgi_params "$D/fastcgi_params" || die "no /etc/nginx/fastcgi_params"
{
	printf 'pid %s/nginx.pid;\nevents {}\nhttp {\n' "$D"
	printf 'client_body_temp_path %s/tmp; fastcgi_temp_path %s/tmp;\n' "$D" "$D"
	sed -e "s|/etc/ssl/crm/fullchain.pem|$D/tls/cert.pem|" \
		-e "s|/etc/ssl/crm/privkey.pem|$D/tls/key.pem|" "$ROOT/nginx.conf.example"
	printf '}\n'
} >"$D/nginx.conf"
# listen 80/443 need no privilege for -t; the check only parses and opens files
if ! nginx -q -t -p "$D" -c "$D/nginx.conf" -e "$D/logs/error.log" 2>"$D/out"; then
	cat "$D/out" >&2
	die "nginx.conf.example is not a valid nginx configuration"
fi
echo "nginx.conf.example: nginx -t ok"
