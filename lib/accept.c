/* accept: whether an Accept-Encoding field value (RFC 9110 section 12.5.3) accepts gzip. */
#include "lib/accept.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The qvalue of the parameters at p (up to ',' or the end): 0..1000, -1 when malformed. */
static int qvalue(const char *p)
{
	int q = 1000;
	while (*(p = skip_ows(p)) == ';') {
		p = skip_ows(p + 1);
		if ((p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
			return -1; /* Accept-Encoding takes no parameter but q */
		p += 2;
		if (*p != '0' && *p != '1')
			return -1;
		q = (*p++ - '0') * 1000;
		if (*p == '.') {
			int scale = 100;
			for (p++; isdigit((unsigned char)*p) && scale > 0; p++, scale /= 10)
				q += (*p - '0') * scale;
		}
		if (q > 1000)
			return -1;
	}
	p = skip_ows(p);
	return *p == ',' || *p == '\0' ? q : -1;
}

int accept_gzip(const char *hdr)
{
	int gzip = -1, star = -1; /* -1: not named */
	for (const char *p = hdr; p != NULL && *p != '\0';) {
		p = skip_ows(p);
		size_t n = strcspn(p, " \t;,");
		int q = qvalue(p + n);
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			gzip = q > gzip ? q : gzip;
		else if (n == 1 && *p == '*')
			star = q;
		const char *comma = strchr(p + n, ',');
		p = comma ? comma + 1 : NULL;
	}
	return gzip >= 0 ? gzip > 0 : star > 0;
}
