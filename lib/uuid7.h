/* uuid7: time-ordered UUIDv7 ids in canonical 36-character form. */
#ifndef CRM_UUID7_H
#define CRM_UUID7_H

#define UUID7_STR_SIZE 37

/* Writes a new UUIDv7 (RFC 9562: 48-bit ms timestamp, version 7, variant
 * 10, random rest from getrandom) as lower-case "xxxxxxxx-xxxx-7xxx-..."
 * into out.  Ids made by one process are strictly increasing.  Returns 0,
 * or -1 when no randomness could be had. */
int uuid7_generate(char out[UUID7_STR_SIZE]);

#endif
