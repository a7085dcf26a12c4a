/* accept: what Accept-Encoding (gzip?) and Accept (problem details?) field values accept (RFC 9110 section 12.5). */
#ifndef CRM_ACCEPT_H
#define CRM_ACCEPT_H

/*
 * Pure: 1 when hdr (NULL: no field) accepts the gzip coding: "gzip" (or
 * "x-gzip") with a qvalue above 0, or "*" above 0 when gzip is not named;
 * else 0.  Codings are compared without regard to case; a malformed
 * element or qvalue counts as not naming gzip.
 */
int accept_gzip(const char *hdr);

/*
 * Pure: 1 when an Accept field value hdr (NULL: no field) names the media
 * type application/problem+json (any case, with any parameters) with a
 * qvalue above 0, so that errors are answered as RFC 9457 problem details;
 * else 0.  Wildcards do not count: a client that accepts any type, or only
 * application/json, gets the API's usual error shape.  A malformed element
 * counts as not naming it.
 */
int accept_problem(const char *hdr);

#endif
