/* accept: what Accept-Encoding (gzip?) and Accept (problem details?) field values accept (RFC 9110 section 12.5). */
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

/* The qvalue of the parameters at p (up to ',' or the end): 0..1000, -1 when malformed.
 * Accept-Encoding takes no parameter but q; with other_params (Accept), media type
 * parameters before q ("; charset=utf-8") are skipped. */
static int qvalue_of(const char *p, int other_params)
{
	int q = 1000;
	while (*(p = skip_ows(p)) == ';') {
		p = skip_ows(p + 1);
		if ((p[0] != 'q' && p[0] != 'Q') || p[1] != '=') {
			if (!other_params)
				return -1;
			p += strcspn(p, ";,"); /* a media type parameter: not the weight */
			continue;
		}
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

static int qvalue(const char *p)
{
	return qvalue_of(p, 0);
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

int accept_problem(const char *hdr)
{
	static const char type[] = "application/problem+json";
	const size_t n_type = sizeof(type) - 1;
	for (const char *p = hdr; p != NULL && *p != '\0';) {
		p = skip_ows(p);
		size_t n = strcspn(p, " \t;,");
		if (n == n_type && strncasecmp(p, type, n) == 0 && qvalue_of(p + n, 1) > 0)
			return 1;
		const char *comma = strchr(p + n, ',');
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}
