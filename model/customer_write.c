/* customer_write: one change to one customer — locked, applied, stored and audited in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/etag.h"
#include "lib/gzip.h"
#include "lib/json_read.h"
#include "lib/timefmt.h"
#include "lib/uuid7.h"
#include "model/change.h"
#include "model/doc_edit.h"
#include "model/model.h"
#include "model/stmt.h"

/* The locked row: its document to edit, and its enriched answer as it stands; or the row as
 * read without the lock (text, extra, tag), and doc what doc_edit parsed of it. */
struct locked {
	json_t *doc;
	int found;
	int complete;             /* the row held its enriched fragment (else the answer is read) */
	struct strbuf enriched;   /* the enriched customer as locked */
	size_t tail_at;           /* where its document ends and the owner begins */
	char *owner_key;          /* owner_id the owner was read by; NULL for none */
	char *stored;             /* the document this change stored, when it stored one */
	char tag[LIST_TAG_BYTES]; /* the row's list_tag, when read without the lock */
	char *text;               /* its document, when read without the lock */
	size_t text_len;
	char *extra; /* its list fragment, when read without the lock */
};

static void locked_free(struct locked *l)
{
	json_decref(l->doc);
	free(l->text);
	free(l->extra);
	strbuf_free(&l->enriched);
	free(l->owner_key);
	free(l->stored);
}

/* The list shape, whole: the document (doc_len bytes, '}' last) with the list fragment
 * (",...") before its closing brace; NULL when it is not JSON. */
static json_t *parse_whole(const char *doc, size_t doc_len, const char *extra, size_t extra_len)
{
	if (doc_len < 2 || doc[doc_len - 1] != '}')
		return NULL;
	char *text = malloc(doc_len + extra_len + 1);
	if (text == NULL)
		return NULL;
	memcpy(text, doc, doc_len - 1);
	memcpy(text + doc_len - 1, extra, extra_len);
	text[doc_len - 1 + extra_len] = '}';
	json_t *whole = json_read(text, doc_len + extra_len, NULL);
	free(text);
	return whole;
}

/* The enriched answer as the row stands, whose owner and fragment a change keeps. */
static enum db_rc keep_answer(struct locked *l, const struct db_row *row)
{
	l->found = 1;
	customer_append_open_object(&l->enriched, row->val[COL_LOCK_DOC], row->len[COL_LOCK_DOC]);
	l->tail_at = l->enriched.len;
	l->complete = customer_write_enriched_tail(&l->enriched, row) == 0;
	if (!row->is_null[COL_LOCK_OWNER_KEY]) {
		l->owner_key = strndup(row->val[COL_LOCK_OWNER_KEY], row->len[COL_LOCK_OWNER_KEY]);
		if (l->owner_key == NULL)
			return DB_ERROR;
	}
	return strbuf_failed(&l->enriched) ? DB_ERROR : DB_OK;
}

/* STMT_CUSTOMER_LOCK's row: the whole document, to edit. */
static enum db_rc locked_row(void *arg, const struct db_row *row)
{
	struct locked *l = arg;
	l->doc = parse_whole(row->val[COL_LOCK_DOC], row->len[COL_LOCK_DOC],
	                     row->val[COL_LOCK_EXTRA], row->len[COL_LOCK_EXTRA]);
	enum db_rc rc = keep_answer(l, row);
	return l->doc != NULL ? rc : DB_ERROR;
}

/* STMT_CUSTOMER_READ's row: the lock's columns, kept as text, then the row's list_tag. */
static enum db_rc read_row(void *arg, const struct db_row *row)
{
	struct locked *l = arg;
	if (row->ncols <= COL_READ_LIST_TAG || row->len[COL_READ_LIST_TAG] != LIST_TAG_BYTES)
		return DB_ERROR;
	memcpy(l->tag, row->val[COL_READ_LIST_TAG], LIST_TAG_BYTES);
	l->text_len = row->len[COL_LOCK_DOC];
	l->text = strndup(row->val[COL_LOCK_DOC], l->text_len);
	l->extra = strndup(row->val[COL_LOCK_EXTRA], row->len[COL_LOCK_EXTRA]);
	enum db_rc rc = keep_answer(l, row);
	return l->text != NULL && l->extra != NULL ? rc : DB_ERROR;
}

/* Does the stored document name the owner the row's owner was read by? */
static int same_owner(const struct locked *l)
{
	const char *owner = json_string_value(json_object_get(l->doc, "ownerId"));
	return (owner == NULL && l->owner_key == NULL) ||
	       (owner != NULL && l->owner_key != NULL && strcmp(owner, l->owner_key) == 0);
}

/*
 * The answer after the change, read where the row was locked: the document
 * stored (or the locked one, when none was) before the owner and fragment
 * the row held.  A change of owner names another user: that answer is read
 * again.
 */
static enum db_rc answer_of(struct db *db, const char *tenant, const char *id,
                            const struct locked *l, struct strbuf *answer)
{
	strbuf_reset(answer);
	if (!l->complete)
		return db_enriched_missing(db);
	if (l->stored == NULL) {
		strbuf_append(answer, l->enriched.data, l->enriched.len);
		return strbuf_failed(answer) ? DB_ERROR : DB_OK;
	}
	if (!same_owner(l))
		return db_customer_get_enriched(db, tenant, id, answer);
	customer_append_open_object(answer, l->stored, strlen(l->stored));
	strbuf_append(answer, l->enriched.data + l->tail_at, l->enriched.len - l->tail_at);
	return strbuf_failed(answer) ? DB_ERROR : DB_OK;
}

/* DB_CONFLICT (out->message says why) when the edited customer would grow past the limit. */
static enum db_rc check_size(struct db *db, const char *doc, const char *extra,
                             struct customer_change_out *out)
{
	size_t len = strlen(doc) + strlen(extra), max = db_max_doc_bytes(db);
	if (len <= max)
		return DB_OK;
	out->result = CHANGE_REFUSED;
	snprintf(out->message, sizeof(out->message),
	         "This change would make the customer's stored document %zu bytes, more "
	         "than the limit of %zu (max_customer_bytes); nothing was changed.",
	         len, max);
	return DB_CONFLICT;
}

/* The edited customer split as import splits it, no larger than the limit. */
static enum db_rc split(struct db *db, const json_t *item, struct customer_change_out *out,
                        char **doc, char **extra)
{
	if (customer_split(item, doc, extra) != 0)
		return DB_ERROR;
	return check_size(db, *doc, *extra, out);
}

/* Writes doc and extra back with the keys that order and find the customer: in the locked
 * row's transaction, or (tag: the list_tag read) only over that row, committing itself. */
static enum db_rc write_row(struct db *db, const char *tenant, const char *id, const json_t *item,
                            const char *doc, const char *extra, const char *tag,
                            unsigned long long *affected)
{
	struct customer_keys k;
	customer_keys(item, &k);
	struct db_param p[9] = {
	        k.sort_name,      k.owner,       k.status,
	        k.overdue,        dbp_cstr(doc), dbp_cstr(extra),
	        dbp_cstr(tenant), dbp_cstr(id),  tag ? dbp_str(tag, LIST_TAG_BYTES) : dbp_null(),
	};
	if (tag == NULL)
		return db_run(db, STMT_CUSTOMER_UPDATE, p, NULL, NULL, NULL);
	return db_run_committing(db, STMT_CUSTOMER_UPDATE_IF_TAG, p, affected);
}

/* Stores the edited customer in the locked row; *stored: the document stored. */
static enum db_rc store(struct db *db, const char *tenant, const char *id, const json_t *item,
                        struct customer_change_out *out, char **stored)
{
	char *doc = NULL, *extra = NULL;
	enum db_rc rc = split(db, item, out, &doc, &extra);
	if (rc == DB_OK)
		rc = write_row(db, tenant, id, item, doc, extra, NULL, NULL);
	if (rc == DB_OK)
		*stored = doc;
	else
		free(doc);
	free(extra);
	return rc;
}

/*
 * Does If-Match name the tag of the customer's gzip answer (enriched, its
 * bytes as customer_get compresses them)?  Browsers and fetch() ask for gzip
 * on their own, so the tag a client holds is often that one: it names the
 * same state, and is compared only when the plain tag did not match.
 */
static int gzip_tag_matches(const struct precondition *pre, const struct strbuf *enriched)
{
	struct strbuf gz = STRBUF_INIT;
	char tag[ETAG_SIZE];
	int match = gz_compress(enriched->data, enriched->len, GZ_LEVEL_ONCE, &gz) == 0 &&
	            etag_of(gz.data, gz.len, tag) == 0 &&
	            etag_list_match(pre->if_match, pre->if_match_len, tag, ETAG_STRONG) ==
	                    ETAG_LIST_MATCH;
	strbuf_free(&gz);
	return match;
}

enum db_rc db_precondition_check(struct db *db, const struct precondition *pre,
                                 const struct strbuf *enriched, struct customer_change_out *out)
{
	if (pre == NULL || pre->if_match == NULL)
		return DB_OK;
	if (enriched == NULL)
		return db_enriched_missing(db);
	char tag[ETAG_SIZE];
	if (etag_of(enriched->data, enriched->len, tag) != 0) {
		db_note_error(db, "the customer's ETag could not be computed");
		return DB_ERROR;
	}
	if (etag_list_match(pre->if_match, pre->if_match_len, tag, ETAG_STRONG) ==
	            ETAG_LIST_MATCH ||
	    gzip_tag_matches(pre, enriched))
		return DB_OK;
	out->precondition_failed = 1;
	snprintf(out->message, sizeof(out->message),
	         "The customer changed since you read it (If-Match does not match its ETag); "
	         "read it again.");
	return DB_CONFLICT;
}

/* Does doc (a customer document) hold the event of id event_id? */
static int holds_event(const json_t *doc, const char *event_id)
{
	const json_t *events = json_object_get(doc, "events");
	for (size_t i = 0; i < json_array_size(events); i++) {
		const char *id =
		        json_string_value(json_object_get(json_array_get(events, i), "id"));
		if (id != NULL && strcmp(id, event_id) == 0)
			return 1;
	}
	return 0;
}

/* The effect of a change, for lost_commit.c: its event (arg: the event id) is in the row's
 * document.  Every applied change appends one, with the id made once per request. */
static int event_stored(const struct db_row *row, const void *arg)
{
	if (row->is_null[COL_ANY_DOC])
		return 0;
	json_t *doc = json_read(row->val[COL_ANY_DOC], row->len[COL_ANY_DOC], NULL);
	if (doc == NULL)
		return -1;
	int held = holds_event(doc, arg);
	json_decref(doc);
	return held;
}

static enum db_rc check_owner(struct db *db, const char *tenant, const struct change *ch,
                              struct customer_change_out *out)
{
	if (ch->kind != CHANGE_OWNER_SET)
		return DB_OK;
	int found = 0;
	struct db_param p[2] = {dbp_cstr(tenant), dbp_cstr(ch->text)};
	enum db_rc rc = db_run(db, STMT_USER_GET_ACTIVE, p, db_row_found, &found, NULL);
	out->user_missing = rc == DB_OK && !found;
	return out->user_missing ? DB_NOT_FOUND : rc;
}

/* What change_apply's out->result means for the attempt. */
static enum db_rc result_rc(struct db *db, const struct customer_change_out *out)
{
	if (out->result == CHANGE_REFUSED)
		return DB_CONFLICT;
	if (out->result == CHANGE_INVALID)
		return DB_INVALID;
	if (out->result == CHANGE_FAILED) {
		db_note_error(db, "customer document could not be edited");
		return DB_ERROR;
	}
	return DB_OK;
}

/* Checks ch and applies it to the locked document (l->doc, edited in place); out->result says
 * whether it changed it. */
static enum db_rc edit(struct db *db, const char *tenant, struct locked *l, const struct change *ch,
                       const struct precondition *pre, struct customer_change_out *out)
{
	enum db_rc rc = db_precondition_check(db, pre, l->complete ? &l->enriched : NULL, out);
	if (rc == DB_OK)
		rc = check_owner(db, tenant, ch, out);
	if (rc != DB_OK)
		return rc;
	out->result = change_apply(l->doc, ch, out->message, sizeof(out->message));
	return result_rc(db, out);
}

/*
 * Checks ch and applies it to the row read without the lock: to its text
 * (doc_edit) where it can, else to the whole document parsed.  On
 * CHANGE_APPLIED l->stored and *extra are the new document and list
 * fragment, and l->doc holds (at least) the members customer_keys reads.
 */
static enum db_rc edit_read(struct db *db, const char *tenant, struct locked *l,
                            const struct change *ch, struct customer_change_out *out, char **extra)
{
	enum db_rc rc = check_owner(db, tenant, ch, out);
	if (rc != DB_OK)
		return rc;
	enum change_result r = CHANGE_FAILED;
	if (doc_edit(l->text, l->text_len, ch, out->message, sizeof(out->message), &r, &l->stored,
	             &l->doc) == 0) {
		out->result = r;
		rc = result_rc(db, out);
		if (rc == DB_OK && r == CHANGE_APPLIED) {
			*extra =
			        l->extra; /* unchanged: no change of these touches the list fragment */
			l->extra = NULL;
			rc = check_size(db, l->stored, *extra, out);
		}
		return rc;
	}
	l->doc = parse_whole(l->text, l->text_len, l->extra, strlen(l->extra));
	if (l->doc == NULL) {
		db_note_error(db, "customer document could not be read");
		return DB_ERROR;
	}
	out->result = change_apply(l->doc, ch, out->message, sizeof(out->message));
	rc = result_rc(db, out);
	if (rc == DB_OK && out->result == CHANGE_APPLIED)
		rc = split(db, l->doc, out, &l->stored, extra);
	return rc;
}

/*
 * One attempt: DB_RETRY and DB_UNAVAILABLE leave nothing behind.  The answer
 * (the enriched customer) is made inside the transaction, before COMMIT, so
 * a change is never stored while the client is told it failed.  after_lost:
 * an earlier attempt's COMMIT got no answer and was found without effect;
 * should it have taken effect since (its server finished it late), the
 * locked document holds its event, and the change is not applied again.
 */
static enum db_rc attempt(struct db *db, const char *tenant, const char *id,
                          const struct change *ch, const struct precondition *pre,
                          struct keyed *keyed, int after_lost, struct customer_change_out *out,
                          struct strbuf *answer)
{
	struct locked l = {.enriched = STRBUF_INIT};
	struct db_param key[2] = {dbp_cstr(tenant), dbp_cstr(id)};
	enum db_rc rc = db_keyed_begin(db, keyed, answer);
	if (rc == DB_OK)
		rc = db_run(db, STMT_CUSTOMER_LOCK, key, locked_row, &l, NULL);
	if (rc == DB_OK && !l.found)
		rc = DB_NOT_FOUND;
	if (rc == DB_OK && after_lost && holds_event(l.doc, ch->event_id)) {
		db_log("warn",
		       "database: the change (event %s) of customer %s (tenant %s): its COMMIT,"
		       " found without effect, took effect after all: answered as committed",
		       ch->event_id, id, tenant);
		out->result = CHANGE_APPLIED;
	} else if (rc == DB_OK) {
		/* after the lock: no other change can come between If-Match's check and the write */
		rc = edit(db, tenant, &l, ch, pre, out);
		if (rc == DB_OK && out->result == CHANGE_APPLIED)
			rc = store(db, tenant, id, l.doc, out, &l.stored);
	}
	if (rc == DB_OK)
		rc = answer_of(db, tenant, id, &l, answer);
	locked_free(&l);
	/* a no-op stores nothing, but its answer is kept for its key */
	if (rc == DB_OK && (out->result == CHANGE_APPLIED || keyed != NULL))
		return db_keyed_commit(db, keyed, answer);
	db_rollback(db);
	return rc;
}

/*
 * A change without If-Match or Idempotency-Key, in two round trips where the
 * locked attempt takes four: the row read as committed, the change applied
 * to it, and an UPDATE that commits itself only while the row's list_tag is
 * the one read.  Every write of doc or list_extra changes list_tag (a change
 * adds an event), so a row changed or deleted in between is left alone: the
 * attempt declines (*declined), having written nothing, and the caller takes
 * the lock.  So does a change of a row locked by another (the UPDATE does
 * not wait for it), and a merge patch that changes the owner, whose answer
 * is read after the write (the owner's own changes take the lock at once).  The answer is made before the UPDATE: no change is committed that
 * its client is told failed.  A change of other columns in between (an
 * import's enriched fragment, the owner's name) does not touch what this one
 * writes: its answer is the customer as this change left it, before that.
 */
static enum db_rc attempt_unlocked(struct db *db, const char *tenant, const char *id,
                                   const struct change *ch, struct customer_change_out *out,
                                   struct strbuf *answer, int *declined)
{
	struct locked l = {.enriched = STRBUF_INIT};
	struct db_param key[2] = {dbp_cstr(tenant), dbp_cstr(id)};
	char *extra = NULL;
	unsigned long long affected = 0;
	*declined = 0;
	enum db_rc rc = db_run(db, STMT_CUSTOMER_READ, key, read_row, &l, NULL);
	if (rc == DB_OK && !l.found)
		rc = DB_NOT_FOUND;
	if (rc == DB_OK)
		rc = edit_read(db, tenant, &l, ch, out, &extra);
	int applied = rc == DB_OK && out->result == CHANGE_APPLIED;
	if (applied && !same_owner(&l))
		*declined = 1;
	else if (rc == DB_OK)
		rc = answer_of(db, tenant, id, &l, answer);
	if (rc == DB_OK && applied && !*declined) {
		rc = write_row(db, tenant, id, l.doc, l.stored, extra, l.tag, &affected);
		/* DB_RETRY: the row is locked (the UPDATE does not wait) or a deadlock; the
		 * statement wrote nothing */
		*declined = (rc == DB_OK && affected == 0) || rc == DB_RETRY;
		if (rc == DB_RETRY)
			rc = DB_OK;
	}
	if (*declined)
		strbuf_reset(answer);
	free(extra);
	locked_free(&l);
	return rc;
}

enum db_rc db_customer_change(struct db *db, const char *tenant, const char *id, struct change *ch,
                              const struct precondition *pre, struct keyed *keyed,
                              struct strbuf *answer, struct customer_change_out *out)
{
	char event_id[UUID7_STR_SIZE];
	if (uuid7_generate(event_id) != 0)
		return DB_ERROR;
	ch->event_id = event_id;
	char what[UUID7_STR_SIZE + 32];
	snprintf(what, sizeof(what), "the change (event %s) of customer", event_id);
	struct lost_commit lc = {.tenant = tenant,
	                         .id = id,
	                         .what = what,
	                         .effect = event_stored,
	                         .arg = event_id,
	                         .keyed = keyed,
	                         .answer = answer,
	                         .late = DB_OK}; /* attempt() finds its event itself */
	enum db_rc rc = DB_RETRY;
	/* Deadlocks, lock waits, certification conflicts and a lost server are
	 * normal in a cluster under contention: start over a few times.  A no-op
	 * commits nothing, so only a change that was applied can lose its
	 * COMMIT; its out->result stays the attempt's when it took effect. */
	/* a change of owner is answered with the new owner, read after its write: locked */
	int unlocked = keyed == NULL && (pre == NULL || pre->if_match == NULL) &&
	               ch->kind != CHANGE_OWNER_SET && ch->kind != CHANGE_OWNER_CLEAR;
	for (int i = 0;; i++) {
		int declined = 1;
		ch->now = timefmt_now() / 1000 * 1000;
		if (unlocked && !lc.settled) {
			memset(out, 0, sizeof(*out));
			rc = attempt_unlocked(db, tenant, id, ch, out, answer, &declined);
		}
		if (declined) {
			unlocked = 0; /* a row in contention: the lock from here on */
			memset(out, 0, sizeof(*out));
			rc = attempt(db, tenant, id, ch, pre, keyed, lc.settled, out, answer);
		}
		rc = db_lost_commit_settle(db, &lc, rc);
		if (!db_retry_keyed(db, rc, i, keyed))
			break;
	}
	ch->event_id = NULL;
	return rc;
}
