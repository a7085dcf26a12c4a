/* test_hostile_text: the attack report's Unicode tags and single-line text, through nginx and crmctl import — each attack refused, the stored customer untouched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

/* What a refused tag's message says about its length. */
#define TAG_LENGTHS "1 to " LIMIT_TAG_CHARS_TEXT " characters"

/* Tags in UTF-8, as the tests name them (the requests percent-encode them). */
#define KLIENT_TITLE "\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82" /* Клиент */
#define KLIENT_UPPER "\xD0\x9A\xD0\x9B\xD0\x98\xD0\x95\xD0\x9D\xD0\xA2" /* КЛИЕНТ */
#define KLIENT_MIXED "\xD0\xBA\xD0\x9B\xD0\x98\xD0\xB5\xD0\xBD\xD0\xA2" /* кЛИенТ */
#define ATHENS_TITLE "\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1"         /* Αθήνα */
#define ATHENS_LOWER "\xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1"         /* αθήνα */
#define LODZ_TITLE   "\xC5\x81\xC3\xB3\x64\xC5\xBA"                     /* Łódź */
#define LODZ_LOWER   "\xC5\x82\xC3\xB3\x64\xC5\xBA"                     /* łódź */
#define FULL_AB      "\xEF\xBC\xA1\xEF\xBC\xA2"                         /* ＡＢ */
#define FULL_ab      "\xEF\xBD\x81\xEF\xBD\x82"                         /* ａｂ */
#define CAFE_NFC     "caf\xC3\xA9"                                      /* café, composed */
#define CAFE_NFD     "cafe\xCC\x81"                                     /* cafe + U+0301 */

/* ---- fixtures and requests ------------------------------------------------------ */

/* A fresh tenant holding one customer "c1" with the given tags (stolen; NULL: none). */
static void fixture(char *tenant, size_t cap, const char *prefix, json_t *tags)
{
	fresh_tenant(prefix, tenant, cap);
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, "tags", tags ? tags : json_array());
	wh_import_customer(tenant, c);
}

/* utf8 with every byte outside [A-Za-z0-9-._~] percent-encoded (malloc'd). */
static char *pct(const char *utf8)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(utf8);
	char *out = malloc(3 * n + 1), *o = out;
	cr_assert_not_null(out);
	for (const unsigned char *p = (const unsigned char *)utf8; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static struct http *tag_request(const char *tok, int add, const char *raw)
{
	return add ? wh_add_tag(tok, "c1", raw) : wh_remove_tag(tok, "c1", raw);
}

static json_t *tags_of(const char *const *list)
{
	json_t *a = json_array();
	for (; *list != NULL; list++)
		json_array_append_new(a, json_string(*list));
	return a;
}
#define TAGS(...) tags_of((const char *const[]){__VA_ARGS__, NULL})

/* Asserts the stored tags, and the response's when r is given, are exactly want (stolen). */
static void assert_tags(const char *tenant, const struct http *r, json_t *want, const char *what)
{
	json_t *doc = wh_doc(tenant, "c1");
	char *w = json_dumps(want, JSON_COMPACT);
	char *got = json_dumps(json_object_get(doc, "tags"), JSON_COMPACT);
	cr_assert(json_equal(json_object_get(doc, "tags"), want), "%s: stored tags %s, expected %s",
	          what, got, w);
	if (r != NULL)
		cr_assert(json_equal(json_object_get(r->json, "tags"), want),
		          "%s: response tags should be %s: %s", what, w, r->body);
	cr_assert_eq(db_count("SELECT JSON_LENGTH(doc, '$.tags') FROM customers"
	                      " WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant),
	             (long)json_array_size(want), "%s: JSON_LENGTH(tags)", what);
	free(got);
	free(w);
	json_decref(doc);
	json_decref(want);
}

/* The attack: status 400 in the error shape, detail mentioning needle, the row untouched. */
static void expect_tag_refused(const char *tenant, const char *tok, int add, const char *raw,
                               const char *needle, const char *what)
{
	char *row = wh_row(tenant, "c1");
	long events = wh_db_events(tenant, "c1");
	struct http *r = tag_request(tok, add, raw);
	wh_assert_error(r, 400, needle, what);
	cr_assert_not_null(strstr(wh_str(r->json, "detail"), "tag"), "%s: detail names the tag",
	                   what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	cr_assert_eq(wh_db_events(tenant, "c1"), events, "%s: no event", what);
	http_free(r);
	free(row);
}

/* Like expect_tag_refused with the tag given in UTF-8; tried with POST and DELETE. */
static void expect_utf8_tag_refused(const char *tenant, const char *tok, const char *tag,
                                    const char *needle, const char *what)
{
	char *raw = pct(tag);
	expect_tag_refused(tenant, tok, 1, raw, needle, what);
	expect_tag_refused(tenant, tok, 0, raw, needle, what);
	free(raw);
}

/* A 200 that changes nothing: tags stay want (stolen), the row byte for byte. */
static void expect_tag_noop(const char *tenant, const char *tok, int add, const char *tag,
                            json_t *want, const char *what)
{
	char *raw = pct(tag);
	char *row = wh_row(tenant, "c1");
	struct http *r = tag_request(tok, add, raw);
	wh_assert_ok(r, what);
	assert_tags(tenant, r, want, what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	http_free(r);
	free(row);
	free(raw);
}

/* A real change: 200, the enriched customer, tags become want (stolen), one event whose
 * description is exactly desc. */
static void expect_tag_change(const char *tenant, const char *tok, int add, const char *tag,
                              json_t *want, const char *desc, const char *what)
{
	char *raw = pct(tag);
	json_t *before = wh_doc(tenant, "c1");
	time_t t0 = time(NULL);
	struct http *r = tag_request(tok, add, raw);
	wh_assert_ok(r, what);
	json_t *after = wh_doc(tenant, "c1");
	wh_assert_enriched(r, tenant, "c1", after);
	assert_tags(tenant, r, want, what);
	wh_assert_one_new_event(before, after, add ? "TAG_ADDED" : "TAG_REMOVED", WH_ACTOR, desc, 1,
	                        t0);
	wh_assert_same_except(before, after, WH_CHANGED("tags"));
	json_decref(before);
	json_decref(after);
	http_free(r);
	free(raw);
}

/* The number of stored events of c1 with the given type. */
static int count_events(const char *tenant, const char *type)
{
	json_t *doc = wh_doc(tenant, "c1");
	size_t i;
	json_t *ev;
	int n = 0;
	json_array_foreach (json_object_get(doc, "events"), i, ev)
		n += wh_str(ev, "type") != NULL && strcmp(wh_str(ev, "type"), type) == 0;
	json_decref(doc);
	return n;
}

static char *repeat(const char *unit, size_t times)
{
	size_t n = strlen(unit);
	char *s = malloc(n * times + 1);
	cr_assert_not_null(s);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	s[n * times] = '\0';
	return s;
}

/* ==== tags: invisible, bidi and other characters that are not text ===================== */

Test(text_tags, rejects_a_tag_of_only_a_zero_width_space)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-zwsp", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "\xE2\x80\x8B", "format characters", "U+200B alone");
	expect_utf8_tag_refused(tenant, tok, " \xE2\x80\x8B ", "format characters",
	                        "U+200B between spaces");
	free(tok);
}

Test(text_tags, rejects_legacy_with_a_zero_width_space_beside_legacy)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-legacy", TAGS("legacy"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "legacy\xE2\x80\x8B", "format characters",
	                        "legacy + U+200B");
	expect_utf8_tag_refused(tenant, tok,
	                        "leg\xE2\x80\x8C"
	                        "acy",
	                        "format characters", "ZWNJ inside legacy");
	expect_utf8_tag_refused(tenant, tok, "\xE2\x81\xA0legacy", "format characters",
	                        "word joiner + legacy");
	assert_tags(tenant, NULL, TAGS("legacy"), "legacy stays alone");
	free(tok);
}

Test(text_tags, rejects_bidi_overrides_and_isolates)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-bidi", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok,
	                        "\xE2\x80\xAE"
	                        "ahpla",
	                        "format characters", "U+202E right-to-left override");
	expect_utf8_tag_refused(tenant, tok, "vip\xE2\x80\xAD", "format characters",
	                        "U+202D left-to-right override");
	expect_utf8_tag_refused(tenant, tok,
	                        "a\xE2\x81\xA7"
	                        "b",
	                        "format characters", "U+2067 right-to-left isolate");
	expect_utf8_tag_refused(tenant, tok, "a\xE2\x80\x8F", "format characters",
	                        "U+200F right-to-left mark");
	free(tok);
}

Test(text_tags, rejects_a_byte_order_mark)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-bom", TAGS("vip"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "\xEF\xBB\xBFvip", "format characters", "BOM + vip");
	expect_utf8_tag_refused(tenant, tok, "\xEF\xBB\xBF", "format characters", "BOM alone");
	free(tok);
}

Test(text_tags, rejects_a_line_or_paragraph_separator_inside)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-lsep", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "al\xE2\x80\xA8pha", "separators", "U+2028 inside");
	expect_utf8_tag_refused(tenant, tok, "al\xE2\x80\xA9pha", "separators", "U+2029 inside");
	expect_utf8_tag_refused(tenant, tok, "\xE2\x80\xA8", TAG_LENGTHS,
	                        "U+2028 alone is white space: nothing left");
	free(tok);
}

Test(text_tags, rejects_unicode_tag_characters)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-tagch", TAGS("vip"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "vip\xF3\xA0\x80\x81", "format characters",
	                        "U+E0001 language tag");
	expect_utf8_tag_refused(tenant, tok, "vip\xF3\xA0\x80\xA0", "format characters",
	                        "U+E0020 tag space");
	expect_utf8_tag_refused(tenant, tok, "vip\xF3\xA0\x81\xA1\xF3\xA0\x81\xA2",
	                        "format characters", "U+E0061 U+E0062 hidden 'ab'");
	expect_utf8_tag_refused(tenant, tok, "vip\xF3\xA0\x81\xBF", "format characters",
	                        "U+E007F cancel tag");
	free(tok);
}

Test(text_tags, rejects_escape_sequences_and_inner_control_characters)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-esc", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "\x1B[31mred", "control characters", "ANSI escape");
	expect_utf8_tag_refused(tenant, tok, "a\tb", "control characters", "tab inside");
	expect_utf8_tag_refused(tenant, tok,
	                        "a\xC2\x85"
	                        "b",
	                        "control characters", "NEL inside");
	expect_utf8_tag_refused(tenant, tok,
	                        "a\xC2\x9B"
	                        "b",
	                        "control characters", "C1 CSI");
	free(tok);
}

Test(text_tags, rejects_private_use_and_unassigned_code_points)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-pua", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "\xEE\x80\x80", "private-use", "U+E000");
	expect_utf8_tag_refused(tenant, tok, "a\xEF\xBF\xBF", "unassigned", "U+FFFF");
	expect_utf8_tag_refused(tenant, tok, "a\xCD\xB8", "unassigned", "U+0378");
	free(tok);
}

Test(text_tags, rejects_tags_of_only_unicode_white_space)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-blank", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_utf8_tag_refused(tenant, tok, "\xC2\xA0", TAG_LENGTHS, "NBSP");
	expect_utf8_tag_refused(tenant, tok, "\xE3\x80\x80\xE3\x80\x80", TAG_LENGTHS,
	                        "ideographic spaces");
	expect_utf8_tag_refused(tenant, tok, "\xE2\x80\x83\xE2\x80\xAF", TAG_LENGTHS,
	                        "em space, narrow NBSP");
	free(tok);
}

Test(text_tags, rejects_51_characters_counted_after_nfc)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-51", TAGS("alpha"));
	char *tok = wh_token(tenant);
	char *tag = repeat("e\xCC\x81", LIMIT_TAG_CHARS + 1);
	expect_utf8_tag_refused(tenant, tok, tag, TAG_LENGTHS, "one decomposed e-acute too many");
	free(tag);
	tag = repeat("\xD0\xAF", LIMIT_TAG_CHARS + 1);
	expect_utf8_tag_refused(tenant, tok, tag, TAG_LENGTHS, "one Cyrillic letter too many");
	free(tag);
	free(tok);
}

/* ==== tags: case folding in every script, NFC, Unicode trimming ========================= */

Test(text_tags, cyrillic_tag_in_capitals_is_the_same_tag)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-cyr", TAGS("alpha"));
	char *tok = wh_token(tenant);
	long events = wh_db_events(tenant, "c1");
	expect_tag_change(tenant, tok, 1, KLIENT_TITLE, TAGS("alpha", KLIENT_TITLE),
	                  "Tag \"" KLIENT_TITLE "\" added", "add " KLIENT_TITLE);
	expect_tag_noop(tenant, tok, 1, KLIENT_UPPER, TAGS("alpha", KLIENT_TITLE),
	                "add " KLIENT_UPPER " after " KLIENT_TITLE);
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 1, "exactly one TAG_ADDED event");
	cr_assert_eq(count_events(tenant, "TAG_ADDED"), 1, "one TAG_ADDED event in the database");
	expect_tag_change(tenant, tok, 0, KLIENT_MIXED, TAGS("alpha"),
	                  "Tag \"" KLIENT_TITLE "\" removed", "remove " KLIENT_MIXED);
	expect_tag_noop(tenant, tok, 0, KLIENT_UPPER, TAGS("alpha"), "remove it again");
	free(tok);
}

/* stored is on c1; adding other is a no-op and removing other removes stored. */
static void expect_same_tag(const char *prefix, const char *stored, const char *other)
{
	char tenant[64], what[160], desc[64];
	fixture(tenant, sizeof(tenant), prefix, TAGS(stored));
	char *tok = wh_token(tenant);
	snprintf(what, sizeof(what), "add %s when %s exists", other, stored);
	expect_tag_noop(tenant, tok, 1, other, TAGS(stored), what);
	snprintf(what, sizeof(what), "remove %s removes %s", other, stored);
	snprintf(desc, sizeof(desc), "Tag \"%s\" removed", stored);
	expect_tag_change(tenant, tok, 0, other, json_array(), desc, what);
	free(tok);
}

Test(text_tags, greek_polish_and_fullwidth_casings_are_the_same_tag)
{
	expect_same_tag("ht-greek", ATHENS_TITLE, ATHENS_LOWER);
	expect_same_tag("ht-polish", LODZ_TITLE, LODZ_LOWER);
	expect_same_tag("ht-fullw", FULL_AB, FULL_ab);
	expect_same_tag("ht-sigma", "\xCE\xA3\xCE\x97\xCE\xA3", "\xCF\x83\xCE\xB7\xCF\x82");
}

Test(text_tags, sharp_s_is_ss_in_any_case)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-ss", json_array());
	char *tok = wh_token(tenant);
	expect_tag_change(tenant, tok, 1,
	                  "Stra\xC3\x9F"
	                  "e",
	                  TAGS("Stra\xC3\x9F"
	                       "e"),
	                  "Tag \"Stra\xC3\x9F"
	                  "e\" added",
	                  "add Straße");
	expect_tag_noop(tenant, tok, 1, "STRASSE",
	                TAGS("Stra\xC3\x9F"
	                     "e"),
	                "add STRASSE");
	expect_tag_noop(tenant, tok, 1, "strasse",
	                TAGS("Stra\xC3\x9F"
	                     "e"),
	                "add strasse");
	expect_tag_change(tenant, tok, 0,
	                  "STRA\xE1\xBA\x9E"
	                  "E",
	                  json_array(),
	                  "Tag \"Stra\xC3\x9F"
	                  "e\" removed",
	                  "remove STRAẞE");
	free(tok);
}

Test(text_tags, fullwidth_and_ascii_letters_stay_different_tags)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-fw", TAGS("AB"));
	char *tok = wh_token(tenant);
	expect_tag_change(tenant, tok, 1, FULL_ab, TAGS("AB", FULL_ab), "Tag \"" FULL_ab "\" added",
	                  "ａｂ beside AB");
	free(tok);
}

Test(text_tags, decomposed_cafe_after_composed_cafe_is_a_noop)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-nfc", json_array());
	char *tok = wh_token(tenant);
	expect_tag_change(tenant, tok, 1, CAFE_NFC, TAGS(CAFE_NFC), "Tag \"" CAFE_NFC "\" added",
	                  "caf%C3%A9");
	expect_tag_noop(tenant, tok, 1, CAFE_NFD, TAGS(CAFE_NFC), "cafe%CC%81 after caf%C3%A9");
	expect_tag_noop(tenant, tok, 1, "CAFE\xCC\x81", TAGS(CAFE_NFC), "CAFE%CC%81");
	free(tok);
}

Test(text_tags, a_decomposed_tag_alone_is_stored_in_nfc)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-nfd", json_array());
	char *tok = wh_token(tenant);
	expect_tag_change(tenant, tok, 1, CAFE_NFD, TAGS(CAFE_NFC), "Tag \"" CAFE_NFC "\" added",
	                  "cafe%CC%81 alone");
	char *hex = db_scalar("SELECT HEX(JSON_UNQUOTE(JSON_EXTRACT(doc, '$.tags[0]')))"
	                      " FROM customers WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant);
	cr_assert_str_eq(hex, "636166C3A9", "the stored bytes are NFC");
	free(hex);
	expect_tag_change(tenant, tok, 0, CAFE_NFD, json_array(), "Tag \"" CAFE_NFC "\" removed",
	                  "remove by the decomposed spelling");
	free(tok);
}

Test(text_tags, fifty_decomposed_characters_fit_and_are_stored_composed)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-50", json_array());
	char *tok = wh_token(tenant);
	char *nfd = repeat("e\xCC\x81", LIMIT_TAG_CHARS),
	     *nfc = repeat("\xC3\xA9", LIMIT_TAG_CHARS);
	char desc[2 * LIMIT_TAG_CHARS + 32];
	snprintf(desc, sizeof(desc), "Tag \"%s\" added", nfc);
	expect_tag_change(tenant, tok, 1, nfd, json_pack("[s]", nfc), desc,
	                  LIMIT_TAG_CHARS_TEXT " decomposed e-acute");
	free(nfd);
	free(nfc);
	free(tok);
}

Test(text_tags, nbsp_and_ideographic_space_around_a_tag_are_trimmed)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "ht-trim", json_array());
	char *tok = wh_token(tenant);
	expect_tag_change(tenant, tok, 1, "\xC2\xA0vip\xC2\xA0", TAGS("vip"), "Tag \"vip\" added",
	                  "NBSP vip NBSP");
	expect_tag_noop(tenant, tok, 1, "\xE3\x80\x80VIP\xE3\x80\x80", TAGS("vip"),
	                "ideographic space VIP ideographic space");
	expect_tag_change(tenant, tok, 1,
	                  "big\xC2\xA0"
	                  "deal",
	                  TAGS("vip", "big\xC2\xA0"
	                              "deal"),
	                  "Tag \"big\xC2\xA0"
	                  "deal\" added",
	                  "NBSP inside is kept");
	free(tok);
}

/* ==== nextAction: single-line, visible text ================================================ */

/* The attack: 400 in the error shape naming nextAction and needle; the row, its nextAction
 * and its events untouched (so nothing reached an event description). */
static void expect_next_action_refused(const char *tenant, const char *tok, const char *body,
                                       const char *needle, const char *what)
{
	char *row = wh_row(tenant, "c1");
	long events = wh_db_events(tenant, "c1");
	struct http *r = wh_set_next_action(tok, "c1", body);
	wh_assert_error(r, 400, needle, what);
	cr_assert_not_null(strstr(wh_str(r->json, "detail"), "nextAction"),
	                   "%s: detail names nextAction", what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	cr_assert_eq(wh_db_events(tenant, "c1"), events, "%s: no event", what);
	char *text = db_scalar("SELECT JSON_UNQUOTE(JSON_EXTRACT(doc, '$.nextAction'))"
	                       " FROM customers WHERE tenant_id = '%s' AND id = 'c1'",
	                       tenant);
	cr_assert_str_eq(text, "Call the architect", "%s: nextAction unchanged", what);
	free(text);
	http_free(r);
	free(row);
}

/* A fixture customer whose next action is "Call the architect". */
static char *next_action_fixture(char *tenant, size_t cap, const char *prefix)
{
	fresh_tenant(prefix, tenant, cap);
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, "nextAction", json_string("Call the architect"));
	wh_import_customer(tenant, c);
	return wh_token(tenant);
}

Test(text_next_action, rejects_ansi_escape_sequences)
{
	char tenant[64];
	char *tok = next_action_fixture(tenant, sizeof(tenant), "hn-esc");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"\\u001b[2J\\u001b[31mPAY NOW\"}",
	                           "control characters", "ESC [2J ESC [31m");
	expect_next_action_refused(tenant, tok,
	                           "{\"nextAction\":\"Call \\u001b]8;;http://evil\\u0007here\"}",
	                           "control characters", "OSC 8 hyperlink");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call \\u009b31m back\"}",
	                           "control characters", "C1 CSI");
	free(tok);
}

Test(text_next_action, rejects_cr_lf_and_tab)
{
	char tenant[64];
	char *tok = next_action_fixture(tenant, sizeof(tenant), "hn-crlf");
	expect_next_action_refused(tenant, tok,
	                           "{\"nextAction\":\"Call\\r\\nStatus changed from LEAD to "
	                           "CUSTOMER\"}",
	                           "control characters", "CR LF and a forged event line");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call\\n\"}",
	                           "control characters", "trailing LF");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call\\rback\"}",
	                           "control characters", "CR");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call\\tback\"}",
	                           "control characters", "tab");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call\\u0085back\"}",
	                           "control characters", "NEL");
	free(tok);
}

Test(text_next_action, rejects_line_and_paragraph_separators)
{
	char tenant[64];
	char *tok = next_action_fixture(tenant, sizeof(tenant), "hn-lsep");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call\\u2028back\"}",
	                           "separators", "U+2028");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"Call\\u2029\"}", "separators",
	                           "U+2029");
	free(tok);
}

Test(text_next_action, rejects_blank_text)
{
	char tenant[64];
	char *tok = next_action_fixture(tenant, sizeof(tenant), "hn-blank");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\" \"}", "not blank", "a space");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"   \"}", "not blank",
	                           "three spaces");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"\\u00a0\\u3000\"}", "not blank",
	                           "NBSP and ideographic space");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"\\u200b\"}", "not blank",
	                           "a zero-width space");
	expect_next_action_refused(tenant, tok, "{\"nextAction\":\"\\ufeff \\u202e\"}", "not blank",
	                           "BOM and RLO");
	expect_next_action_refused(tenant, tok,
	                           "{\"nextAction\":\" \",\"nextActionDueDate\":"
	                           "\"2031-01-01T00:00:00Z\"}",
	                           "not blank", "blank text with a due date");
	free(tok);
}

Test(text_next_action, text_in_any_script_is_stored_and_described_as_given)
{
	char tenant[64];
	char *tok = next_action_fixture(tenant, sizeof(tenant), "hn-ok");
	static const char text[] = "\xD0\x9F\xD0\xB5\xD1\x80\xD0\xB5\xD0\xB7\xD0\xB2\xD0\xBE\xD0"
	                           "\xBD\xD0\xB8\xD1\x82\xD1\x8C " LODZ_TITLE " \xF0\x9F\x91\xA9"
	                           "\xE2\x80\x8D\xF0\x9F\x92\xBB";
	json_t *body = json_pack("{s:s}", "nextAction", text);
	char *b = json_dumps(body, JSON_COMPACT);
	json_t *before = wh_doc(tenant, "c1");
	time_t t0 = time(NULL);
	struct http *r = wh_set_next_action(tok, "c1", b);
	wh_assert_ok(r, "Cyrillic, Polish and a ZWJ emoji");
	json_t *after = wh_doc(tenant, "c1");
	wh_assert_enriched(r, tenant, "c1", after);
	cr_assert_str_eq(wh_str(after, "nextAction"), text);
	char desc[256];
	snprintf(desc, sizeof(desc), "Next action set to \"%s\"", text);
	wh_assert_one_new_event(before, after, "NEXT_ACTION", WH_ACTOR, desc, 1, t0);
	json_decref(before);
	json_decref(after);
	json_decref(body);
	http_free(r);
	free(b);
	free(tok);
}

/* ==== import: the same rules ================================================================ */

/* Imports customer c1 (stolen) and expects crmctl to refuse it with a message holding needle. */
static void expect_import_refused(const char *tenant, json_t *customer, const char *needle)
{
	json_t *doc = json_pack("{s:[o]}", "customers", customer);
	char *text = json_dumps(doc, JSON_COMPACT);
	char *err = NULL;
	int rc = crmctl_import(tenant, text, &err);
	cr_assert_neq(rc, 0, "crmctl imported %s", text);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err, needle), "crmctl said \"%s\", not \"%s\"", err, needle);
	free(err);
	free(text);
	json_decref(doc);
}

/* The import of c1 with member set to value (stolen) is refused naming needle; the stored
 * c1 (imported clean before) is byte for byte what it was. */
static void expect_member_import_refused(const char *tenant, const char *member, json_t *value,
                                         const char *needle)
{
	char *row = wh_row(tenant, "c1");
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, member, value);
	expect_import_refused(tenant, c, needle);
	wh_assert_row_unchanged(tenant, "c1", row, needle);
	free(row);
}

Test(text_import, refuses_tags_the_api_refuses_and_keeps_the_stored_customer)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "hi-tags", TAGS("legacy"));
	expect_member_import_refused(tenant, "tags", TAGS("legacy\xE2\x80\x8B"),
	                             "customers[0]: tags[0]: must not contain invisible format");
	expect_member_import_refused(tenant, "tags",
	                             TAGS("ok", "\xE2\x80\xAE"
	                                        "piv"),
	                             "customers[0]: tags[1]: must not contain invisible format");
	expect_member_import_refused(tenant, "tags", TAGS("vip\xF3\xA0\x80\x81"),
	                             "customers[0]: tags[0]: must not contain invisible format");
	expect_member_import_refused(tenant, "tags",
	                             TAGS("a\xE2\x80\xA8"
	                                  "b"),
	                             "customers[0]: tags[0]: must not contain line or paragraph");
	expect_member_import_refused(tenant, "tags", TAGS("\xC2\xA0vip"),
	                             "customers[0]: tags[0]: must not begin or end with white");
	assert_tags(tenant, NULL, TAGS("legacy"), "after the refused imports");
}

Test(text_import, refuses_duplicate_tags_in_any_case_or_normal_form)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "hi-dup", TAGS("x"));
	expect_member_import_refused(tenant, "tags", TAGS(KLIENT_TITLE, KLIENT_UPPER),
	                             "customers[0]: tags[1]: duplicate of tag '" KLIENT_TITLE "'");
	expect_member_import_refused(tenant, "tags",
	                             TAGS("Stra\xC3\x9F"
	                                  "e",
	                                  "STRASSE"),
	                             "customers[0]: tags[1]: duplicate of tag");
	expect_member_import_refused(tenant, "tags", TAGS(CAFE_NFC, CAFE_NFD),
	                             "customers[0]: tags[1]: duplicate of tag");
	assert_tags(tenant, NULL, TAGS("x"), "after the refused imports");
}

Test(text_import, refuses_a_next_action_or_name_the_api_refuses)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "hi-text", NULL);
	expect_member_import_refused(tenant, "nextAction", json_string("\x1B[31mPAY NOW"),
	                             "customers[0]: nextAction: must not contain control");
	expect_member_import_refused(tenant, "nextAction", json_string("Call\r\nback"),
	                             "customers[0]: nextAction: must not contain control");
	expect_member_import_refused(
	        tenant, "nextAction", json_string("\xC2\xA0"),
	        "customers[0]: nextAction: expected 1 to " LIMIT_TEXT_CHARS_TEXT " characters");
	expect_member_import_refused(tenant, "name", json_string("ACME\nBV"),
	                             "customers[0]: name: must not contain control");
	expect_member_import_refused(tenant, "name", json_string("  "),
	                             "customers[0]: name: must not be empty or blank");
}

Test(text_import, a_new_customer_with_a_refused_tag_is_not_stored)
{
	char tenant[64];
	fresh_tenant("hi-new", tenant, sizeof(tenant));
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, "tags", TAGS("\xE2\x80\x8B"));
	expect_import_refused(tenant, c, "customers[0]: tags[0]");
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", tenant), 0);
}

Test(text_import, a_decomposed_tag_is_kept_as_given_and_the_api_finds_it_in_any_form)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "hi-nfd", TAGS(CAFE_NFD));
	char *tok = wh_token(tenant);
	assert_tags(tenant, NULL, TAGS(CAFE_NFD), "imported as given");
	expect_tag_noop(tenant, tok, 1, CAFE_NFC, TAGS(CAFE_NFD), "add café (composed)");
	expect_tag_noop(tenant, tok, 1, "CAF\xC3\x89", TAGS(CAFE_NFD), "add CAFÉ");
	expect_tag_change(tenant, tok, 0, "CAF\xC3\x89", json_array(),
	                  "Tag \"" CAFE_NFD "\" removed",
	                  "remove CAFÉ removes the stored spelling");
	free(tok);
}
