#!/bin/sh
# nginx_part.sh http|snippet: prints a part of nginx.conf.example as make install puts it in
# place, so that the installed files can never drift from the example nginx -t checks:
#   http     the lines between "# @crm-http-begin" and "# @crm-http-end" (maps and the upstream),
#            for /etc/nginx/conf.d/crm-api.conf;
#   snippet  the lines between "# @crm-snippet-begin" and "# @crm-snippet-end" of the API's
#            server block (headers, limits, error pages, the /api/v1/ locations), one tab
#            less indented, for /etc/nginx/snippets/crm-api.conf.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
case ${1:-} in
http) part=http what="its http block (Debian's nginx.conf includes conf.d/*.conf there)" ;;
snippet) part=snippet what="the API's server block: include snippets/crm-api.conf;" ;;
*) die "usage: $0 http|snippet" ;;
esac
printf '# crm-api.conf: installed from nginx.conf.example of crm-customer-api; nginx includes\n'
printf '# it in %s.\n' "$what"
if [ "$part" = http ]; then
	printf '# The server-level part is /etc/nginx/snippets/crm-api.conf.\n'
else
	printf '# It needs /etc/nginx/conf.d/crm-api.conf (the maps and the crm_pool upstream).\n'
fi
awk -v part="$part" '
	$0 ~ "^[ \t]*# @crm-" part "-begin[ \t]*$" { inside = 1; found++; next }
	$0 ~ "^[ \t]*# @crm-" part "-end[ \t]*$" { inside = 0; ended++; next }
	inside { if (part == "snippet") sub(/^\t/, ""); print }
	END { if (found != 1 || ended != 1 || inside) exit 1 }
' "$ROOT/nginx.conf.example" || die "nginx.conf.example needs one @crm-$part-begin ... @crm-$part-end"
