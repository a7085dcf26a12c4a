/* limits: every limit of the contract, written once: the API, crmctl import and the tests use these. */
#ifndef CRM_LIMITS_H
#define CRM_LIMITS_H

/*
 * CONTRACT.md's limits.  Lengths count characters (Unicode scalar values),
 * not bytes, unless the name says bytes.  Each is a plain decimal literal so
 * that LIMIT_STR() can put it into SQL and messages as text; the lower bound
 * of every length is 1 (nothing empty or blank).  The sizes that operators
 * tune (max_body, max_page_bytes, max_customer_bytes, jwt_max_ttl,
 * jwt_leeway, idempotency_ttl) are configuration (conf/crm.conf.example).
 */
#define LIMIT_ID_CHARS          64  /* ids in paths and imports; sub and tenantId claims */
#define LIMIT_TAG_CHARS         50  /* one tag, after NFC and trimming */
#define LIMIT_TAGS              100 /* tags per customer */
#define LIMIT_TEXT_CHARS        500 /* nextAction */
#define LIMIT_NAME_CHARS        200 /* a customer's name (create, patch) */
#define LIMIT_PAGE_MIN          1   /* limit= of a list */
#define LIMIT_PAGE_MAX          1000
#define LIMIT_PAGE_DEFAULT      100
#define LIMIT_RECENT_ACTIVITIES 10  /* recentActivities of the enriched customer */
#define LIMIT_IDEMPOTENCY_KEY   255 /* bytes of visible ASCII */

/* A limit as a string literal: "ids of 1.." LIMIT_STR(LIMIT_ID_CHARS) " characters". */
#define LIMIT_STR(limit)  LIMIT_STR_(limit)
#define LIMIT_STR_(limit) #limit

/* The same, ready to sit between two literals: "1 to " LIMIT_TAG_CHARS_TEXT " characters". */
#define LIMIT_ID_CHARS_TEXT          LIMIT_STR(LIMIT_ID_CHARS)
#define LIMIT_TAG_CHARS_TEXT         LIMIT_STR(LIMIT_TAG_CHARS)
#define LIMIT_TAGS_TEXT              LIMIT_STR(LIMIT_TAGS)
#define LIMIT_TEXT_CHARS_TEXT        LIMIT_STR(LIMIT_TEXT_CHARS)
#define LIMIT_NAME_CHARS_TEXT        LIMIT_STR(LIMIT_NAME_CHARS)
#define LIMIT_PAGE_MIN_TEXT          LIMIT_STR(LIMIT_PAGE_MIN)
#define LIMIT_PAGE_MAX_TEXT          LIMIT_STR(LIMIT_PAGE_MAX)
#define LIMIT_PAGE_DEFAULT_TEXT      LIMIT_STR(LIMIT_PAGE_DEFAULT)
#define LIMIT_RECENT_ACTIVITIES_TEXT LIMIT_STR(LIMIT_RECENT_ACTIVITIES)
#define LIMIT_IDEMPOTENCY_KEY_TEXT   LIMIT_STR(LIMIT_IDEMPOTENCY_KEY)

#endif
