/* accept: whether an Accept-Encoding field value (RFC 9110 section 12.5.3) accepts gzip. */
#ifndef CRM_ACCEPT_H
#define CRM_ACCEPT_H

/*
 * Pure: 1 when hdr (NULL: no field) accepts the gzip coding: "gzip" (or
 * "x-gzip") with a qvalue above 0, or "*" above 0 when gzip is not named;
 * else 0.  Codings are compared without regard to case; a malformed
 * element or qvalue counts as not naming gzip.
 */
int accept_gzip(const char *hdr);

#endif
