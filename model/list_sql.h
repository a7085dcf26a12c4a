/* list_sql: how a customer's list_tag and list_bytes are made from its doc and list_extra (SQL). */
#ifndef CRM_LIST_SQL_H
#define CRM_LIST_SQL_H

/*
 * A customer's list_tag and list_bytes (migrations 6, 8, 11) as SQL over its
 * doc and list_extra: every statement that writes those sets both from them,
 * and the CHECK constraint of migration 11 refuses any write, ours or an
 * operator's, whose list_tag or list_bytes does not match.  They were
 * generated columns, but MariaDB 10.11 then often reads the whole row for
 * an index-only statement that names them: whenever statements that read
 * doc have used the same table handles, which under load is most of the
 * time ("Using index condition" instead of "Using index": 3 page reads a
 * listed customer, and a list page at half the speed).
 *
 * The document without its closing brace is cut by bytes (doc as BINARY):
 * cut by characters, MariaDB counted the characters of every document twice,
 * and the whole expression cost 25 us a customer instead of 4, on every
 * insert and update and again in the CHECK (migration 12).  The bytes hashed,
 * and so every tag, are the same.
 */
#define LIST_TAG_SQL                                                                               \
	"UNHEX(LEFT(SHA2(CONCAT(LEFT(CAST(doc AS BINARY), LENGTH(doc) - 1),"                       \
	" list_extra, '}'), 256), 32))"
#define LIST_BYTES_SQL "LENGTH(doc) + LENGTH(list_extra)"

#endif
