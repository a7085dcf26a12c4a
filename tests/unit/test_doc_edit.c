/* test_doc_edit: a change written into a document's text gives the bytes of a whole parse, edit and dump. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/doc_edit.h"
#include "model/stmt.h"

/* Stored documents as customer_split writes them (each is dumped with DOC_DUMP_FLAGS first). */
static const char *const docs[] = {
        /* a full one: nested objects, reals, events, an owner, tags in two scripts */
        "{\"avatar\":{\"blobId\":\"b1\",\"height\":256,\"width\":256},"
        "\"billingAddress\":{\"city\":\"Tilburg\",\"latitude\":51.56728,\"longitude\":5.11783,"
        "\"street\":\"Parallelweg\"},\"contacts\":[{\"email\":\"a@x.nl\",\"id\":\"c1\"}],"
        "\"created\":\"2026-06-20T11:46:02Z\",\"crmStatus\":\"LEAD\","
        "\"events\":[{\"authorId\":\"u5\",\"date\":\"2026-06-20T11:46:02Z\",\"description\":"
        "\"Customer created\",\"id\":\"e0\",\"type\":\"CREATE\"}],\"id\":\"c000001\","
        "\"name\":\"Hollands \\\"Groot\\\" / Handel\",\"nextAction\":null,"
        "\"nextActionDueDate\":null,\"ownerId\":\"u1\",\"tags\":[\"Beta\",\"\xc3\xbc" "ber\"],"
        "\"updated\":\"2026-06-20T11:46:02Z\",\"updatedBy\":\"u5\",\"website\":null}",
        /* without tags, events, updated and updatedBy: a change adds them last */
        "{\"crmStatus\":\"PROSPECT\",\"id\":\"c2\",\"name\":\"Z\"}",
        /* empty arrays, a next action set, members in another order */
        "{\"tags\":[],\"events\":[],\"crmStatus\":\"ACTIVE\",\"nextAction\":\"Call\","
        "\"nextActionDueDate\":\"2026-01-02T03:04:05Z\",\"ownerId\":null,\"name\":\"\"}",
        /* strings with escapes where the scan must not stop */
        "{\"crmStatus\":\"CUSTOMER\",\"events\":[{\"description\":\"a ] } , \\\" [\"}],"
        "\"notes\":\"{\\\"tags\\\":[1]}\",\"tags\":[\"a\\\"b\",\"line\\nbreak\"]}",
        /* none of them: every member a change writes comes new */
        "{}",
};

static struct change change_of(enum change_kind kind, const char *text)
{
	struct change ch = {.kind = kind, .text = text};
	ch.actor = "u-writer";
	ch.now = 1700000000000000LL;
	ch.event_id = "ev-new";
	return ch;
}

static struct change changes[16];
static size_t nchanges;

static void setup(void)
{
	nchanges = 0;
	struct change st = change_of(CHANGE_STATUS, NULL);
	for (int s = 0; s < 6; s++) {
		st.status = (enum crm_status)s;
		changes[nchanges++] = st;
	}
	struct change na = change_of(CHANGE_NEXT_ACTION, "Offerte \"nabellen\"");
	na.has_due = 1;
	na.due = 1700100000000000LL;
	changes[nchanges++] = na;
	changes[nchanges++] = change_of(CHANGE_NEXT_ACTION, "Call");
	changes[nchanges++] = change_of(CHANGE_NEXT_ACTION, NULL);
	changes[nchanges++] = change_of(CHANGE_OWNER_SET, "u2");
	changes[nchanges++] = change_of(CHANGE_OWNER_CLEAR, NULL);
	changes[nchanges++] = change_of(CHANGE_TAG_ADD, "Gamma");
	changes[nchanges++] = change_of(CHANGE_TAG_ADD, "beta");
	changes[nchanges++] = change_of(CHANGE_TAG_REMOVE, "BETA");
	changes[nchanges++] = change_of(CHANGE_TAG_REMOVE, "a\"b");
	changes[nchanges++] = change_of(CHANGE_TAG_REMOVE, "absent");
}

/* cppcheck-suppress unknownMacro */
TestSuite(doc_edit, .init = setup);

static char *stored(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	cr_assert_not_null(j, "fixture is not JSON: %s", text);
	char *s = json_dumps(j, DOC_DUMP_FLAGS);
	json_decref(j);
	return s;
}

static void assert_same_keys(const json_t *a, const json_t *b, const char *what)
{
	struct customer_keys ka, kb;
	customer_keys(a, &ka);
	customer_keys(b, &kb);
	const struct db_param *pa[4] = {&ka.sort_name, &ka.owner, &ka.status, &ka.overdue};
	const struct db_param *pb[4] = {&kb.sort_name, &kb.owner, &kb.status, &kb.overdue};
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pa[i]->type, pb[i]->type, "%s: key %d", what, i);
		cr_assert_eq(pa[i]->num, pb[i]->num, "%s: key %d", what, i);
		cr_assert_eq(pa[i]->len, pb[i]->len, "%s: key %d", what, i);
		if (pa[i]->type == DBP_STR)
			cr_assert(memcmp(pa[i]->str, pb[i]->str, pa[i]->len) == 0, "%s: key %d",
			          what, i);
	}
}

Test(doc_edit, every_change_of_every_document_gives_the_bytes_of_a_whole_edit)
{
	for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		char *doc = stored(docs[d]);
		for (size_t c = 0; c < nchanges; c++) {
			char what[64], msg_whole[320] = "", msg_text[320] = "";
			snprintf(what, sizeof(what), "document %zu, change %zu", d, c);
			json_t *whole = json_loads(doc, 0, NULL);
			enum change_result want =
			        change_apply(whole, &changes[c], msg_whole, sizeof(msg_whole));
			enum change_result got = CHANGE_FAILED;
			char *edited = NULL;
			json_t *keys = NULL;
			cr_assert_eq(doc_edit(doc, strlen(doc), &changes[c], msg_text,
			                      sizeof(msg_text), &got, &edited, &keys),
			             0, "%s: not editable", what);
			cr_assert_eq(got, want, "%s", what);
			cr_assert_str_eq(msg_text, msg_whole, "%s", what);
			if (want == CHANGE_APPLIED) {
				char *dumped = json_dumps(whole, DOC_DUMP_FLAGS);
				cr_assert_str_eq(edited, dumped, "%s", what);
				free(dumped);
			} else {
				cr_assert_null(edited, "%s", what);
			}
			assert_same_keys(whole, keys, what);
			free(edited);
			json_decref(keys);
			json_decref(whole);
		}
		free(doc);
	}
}

Test(doc_edit, a_document_it_cannot_edit_is_left_to_a_whole_parse)
{
	static const char *const odd[] = {
	        "{\"t\\u0061gs\":[]}",                      /* a key with an escape */
	        "{\"tags\":[],\"tags\":[\"x\"]}",           /* a member twice */
	        "{\"events\":null,\"crmStatus\":\"LEAD\"}", /* events not an array */
	        "[1,2]",                                    /* not an object */
	        "{\"tags\":[]} x",                          /* text after it */
	        "{\"tags\":[\"open}",                       /* a string that does not end */
	        "{\"tags\":[]",                             /* no closing brace */
	        "{\"tags\" []}",                            /* no colon */
	        "",
	};
	struct change ch = changes[11]; /* add a tag */
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char msg[320];
		enum change_result r;
		char *edited = (char *)"unset";
		json_t *keys = json_object();
		json_t *before = keys;
		cr_assert_eq(
		        doc_edit(odd[i], strlen(odd[i]), &ch, msg, sizeof(msg), &r, &edited, &keys),
		        -1, "%s", odd[i]);
		cr_assert_null(edited, "%s", odd[i]);
		cr_assert_null(keys, "%s", odd[i]);
		json_decref(before);
	}
	struct change patch = change_of(CHANGE_MERGE_PATCH, NULL);
	char msg[320], *edited = NULL;
	enum change_result r;
	json_t *keys = NULL;
	cr_assert_eq(doc_edit("{}", 2, &patch, msg, sizeof(msg), &r, &edited, &keys), -1,
	             "a merge patch needs the whole document");
}
