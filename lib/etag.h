/* etag: the entity-tag of a response body and the If-Match / If-None-Match lists (RFC 9110). */
#ifndef CRM_ETAG_H
#define CRM_ETAG_H

#include <stddef.h>

/*
 * A tag is the first 128 bits of SHA-256 of the body's exact bytes in
 * base64url, quoted: "\"" + 22 characters + "\"" (strong, never "W/").
 * Two bodies have the same tag exactly when their bytes are equal (up to a
 * 2^-128 accident).  ETAG_SIZE holds one with its NUL.
 */
#define ETAG_SIZE 25

/* The tag of body[0..len), NUL-terminated in out.  0, or -1 when OpenSSL
 * fails (out of memory): out is then "". */
int etag_of(const void *body, size_t len, char out[ETAG_SIZE]);

/* How a list's tags are compared with ours (RFC 9110 section 8.8.3.2). */
enum etag_cmp {
	ETAG_STRONG, /* If-Match: a W/ tag never matches */
	ETAG_WEAK,   /* If-None-Match: W/"x" matches "x" */
};

enum etag_list {
	ETAG_LIST_NO_MATCH = 0, /* a well-formed list that does not name tag */
	ETAG_LIST_MATCH,        /* "*", or a list naming tag (under cmp) */
	ETAG_LIST_MALFORMED,    /* not "*" / #entity-tag: it names nothing */
};

/*
 * Pure: reads the field value hdr[0..len) of If-Match or If-None-Match:
 * "*" alone, or a comma-separated list of entity-tags (optional "W/", a
 * double-quoted opaque tag of %x21 / %x23-7E / obs-text), with optional
 * spaces and tabs around the commas; empty elements are skipped (RFC 9110
 * section 5.6.1).  tag is ours (etag_of).  A malformed value, or one with no
 * element at all, is ETAG_LIST_MALFORMED, which callers treat as matching
 * nothing: a GET is answered in full, a change is refused with 412.
 */
enum etag_list etag_list_match(const char *hdr, size_t len, const char *tag, enum etag_cmp cmp);

#endif
