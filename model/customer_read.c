/* customer_read: the enriched customer, written from stored JSON by concatenation. */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/stmt.h"

/* A stored document is a JSON object: everything but its closing brace. */
void customer_append_open_object(struct strbuf *out, const char *doc, unsigned long len)
{
	if (len > 0 && doc[len - 1] == '}')
		len--;
	strbuf_append(out, doc, len);
}

struct enriched_ctx {
	struct strbuf *out;
	int found;
	int complete; /* the row held its opportunities-and-activities fragment */
};

/* The owner's members (OWNER_MEMBERS) in the order they are written. */
static const struct {
	const char *member;
	enum enriched_col col;
} owner_members[] = {
#define OWNER_MEMBER(member, col) {member, col},
        OWNER_MEMBERS(OWNER_MEMBER)
#undef OWNER_MEMBER
};

static void append_member_name(struct strbuf *out, char before, const char *member)
{
	strbuf_append_char(out, before);
	strbuf_append_json_string(out, member, strlen(member));
	strbuf_append_char(out, ':');
}

static void append_owner(struct strbuf *out, const struct db_row *row)
{
	append_member_name(out, ',', ENRICHED_OWNER);
	if (row->is_null[COL_OWNER_ID]) {
		strbuf_append_str(out, "null");
		return;
	}
	for (size_t i = 0; i < sizeof(owner_members) / sizeof(owner_members[0]); i++) {
		enum enriched_col col = owner_members[i].col;
		append_member_name(out, i == 0 ? '{' : ',', owner_members[i].member);
		if (row->is_null[col])
			strbuf_append_str(out, "null");
		else
			strbuf_append_json_string(out, row->val[col], row->len[col]);
	}
	strbuf_append_char(out, '}');
}

int customer_write_enriched_tail(struct strbuf *out, const struct db_row *row)
{
	if (row->is_null[COL_ENRICHED_EXTRA])
		return -1;
	append_owner(out, row);
	strbuf_append(out, row->val[COL_ENRICHED_EXTRA], row->len[COL_ENRICHED_EXTRA]);
	strbuf_append_char(out, '}');
	return 0;
}

int customer_write_enriched(struct strbuf *out, const struct db_row *row)
{
	if (row->is_null[COL_ENRICHED_EXTRA])
		return -1;
	customer_append_open_object(out, row->val[COL_ENRICHED_DOC], row->len[COL_ENRICHED_DOC]);
	return customer_write_enriched_tail(out, row);
}

static enum db_rc customer_row(void *arg, const struct db_row *row)
{
	struct enriched_ctx *c = arg;
	c->found = 1;
	c->complete = customer_write_enriched(c->out, row) == 0;
	return DB_OK;
}

enum db_rc db_enriched_missing(struct db *db)
{
	/* every import and migration 2 write it: a row without one was not stored by this
	 * program's import */
	db_note_error(db, "customer without enriched_extra; run crmctl migrate or import");
	return DB_ERROR;
}

enum db_rc db_customer_enriched_by(struct db *db, enum stmt st, const char *tenant, const char *id,
                                   struct strbuf *out)
{
	struct enriched_ctx c = {out, 0, 0};
	struct db_param p[2] = {dbp_cstr(tenant), dbp_cstr(id)};
	enum db_rc rc = db_run(db, st, p, customer_row, &c, NULL);
	if (rc == DB_OK && !c.found)
		return DB_NOT_FOUND;
	if (rc == DB_OK && !c.complete)
		return db_enriched_missing(db);
	return rc;
}

enum db_rc db_customer_get_enriched(struct db *db, const char *tenant, const char *id,
                                    struct strbuf *out)
{
	return db_customer_enriched_by(db, STMT_CUSTOMER_GET_ENRICHED, tenant, id, out);
}
