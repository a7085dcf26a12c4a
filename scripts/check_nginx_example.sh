#!/bin/sh
# check_nginx_example.sh: `nginx -t` on nginx.conf.example as a user would install it (inside
# nginx's http block, with Debian's fastcgi_params), with a throwaway certificate in place of
# the placeholders, so that the production example can never drift into a file nginx refuses;
# then the same for the two parts of it that make install puts in place (scripts/nginx_part.sh)
# included by a minimal server block, as the README tells a user to include them.
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

# The two parts make install puts in place, as a user's server block includes them.
mkdir -p "$D/conf.d" "$D/snippets"
sh "$ROOT/scripts/nginx_part.sh" http >"$D/conf.d/crm-api.conf" || exit 1
sh "$ROOT/scripts/nginx_part.sh" snippet >"$D/snippets/crm-api.conf" || exit 1
{
	printf 'pid %s/nginx.pid;\nevents {}\nhttp {\n' "$D"
	printf 'client_body_temp_path %s/tmp; fastcgi_temp_path %s/tmp;\n' "$D" "$D"
	printf 'include %s/conf.d/*.conf;\n' "$D"
	printf 'server {\n\tlisten 127.0.0.1:8080;\n\tserver_name crm.example.com;\n'
	printf '\tinclude snippets/crm-api.conf;\n}\n}\n'
} >"$D/nginx-parts.conf"
if ! nginx -q -t -p "$D" -c "$D/nginx-parts.conf" -e "$D/logs/error.log" 2>"$D/out"; then
	cat "$D/out" >&2
	die "the installed nginx parts (scripts/nginx_part.sh) are not a valid nginx configuration"
fi
echo "nginx parts (conf.d/crm-api.conf, snippets/crm-api.conf): nginx -t ok"
