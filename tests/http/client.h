/* client: what the HTTP integration tests share — requests through nginx, tokens, imports, SQL checks. */
#ifndef CRM_TEST_CLIENT_H
#define CRM_TEST_CLIENT_H

#include <stddef.h>

#include <jansson.h>
#include <mysql.h>

/* A response as the client saw it. Free with http_free(). */
struct http {
	long status;
	char *body; /* NUL-terminated */
	size_t body_len;
	char *headers; /* raw header block, NUL-terminated */
	json_t *json;  /* parsed body, or NULL when it is not JSON */
};

/*
 * Sends method path (below CRM_TEST_BASE_URL, e.g. "/crm/customers/my?limit=2")
 * with "Authorization: Bearer <token>" when token is non-NULL, and the body
 * (with Content-Type content_type when both are non-NULL).  extra_headers is a
 * NULL-terminated list of raw "Name: value" lines, or NULL.  Aborts the test
 * (cr_assert) when the server cannot be reached.
 */
struct http *http_do(const char *method, const char *path, const char *token,
                     const char *content_type, const char *body, const char *const *extra_headers);
struct http *http_get(const char *path, const char *token);
void http_free(struct http *r);
/* The value of response header name (case-insensitive), malloc'd, or NULL. */
char *http_header(const struct http *r, const char *name);

/* Asserts the seed's error shape: status code, title, detail and time present. */
void assert_error_body(const struct http *r, long status);

/* A token signed with the test configuration's HS256 secret, carrying exactly
 * `claims` (a JSON object text; no exp is added for you). Free with free(). */
char *token_with_claims(const char *claims_json);
/* A token for sub/tenant with scope and exp = now + 600. Free with free(). */
char *token_for(const char *sub, const char *tenant, const char *scope);

/* A tenant id unique to this test run, e.g. "t-<prefix>-<pid>-<n>" (static storage per call: copy it). */
const char *fresh_tenant(const char *prefix, char *out, size_t cap);

/* Runs `crmctl -c CONF import --tenant T FILE` on a temporary file holding
 * document (a JSON text); returns crmctl's exit status; its stderr goes to *err
 * (malloc'd) when err is non-NULL. */
int crmctl_import(const char *tenant, const char *document, char **err);
/* Runs crmctl with the test configuration and the given arguments (NULL-terminated). */
int crmctl_run(const char *const *args, char **out, char **err);
/* The same with input on its standard input through a pipe (not a file: it cannot be rewound). */
int crmctl_run_input(const char *const *args, const char *input, char **out, char **err);

/* The pool's status listener (CRM_TEST_STATUS_SOCKET): method path's body (malloc'd), *status
 * and (when non-NULL) *seconds the answer's; /metrics's text; the value of the sample in text
 * whose line starts with `series ` (name and labels), or 0; the same read from /metrics now. */
char *status_get(const char *method, const char *path, long *status, double *seconds);
char *status_metrics(void);
double metric_sample(const char *text, const char *series);
double metric_now(const char *series);

/* SQL against the test database as the admin user: the first column of the
 * first row of a query (malloc'd text, NULL for no row or SQL NULL).  Tests
 * may build SQL text from their own constants here; the service never does. */
char *db_scalar(const char *sql_fmt, ...) __attribute__((format(printf, 1, 2)));
long db_count(const char *sql_fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a statement expected to fail: its MariaDB error number, 0 when it ran. */
unsigned db_refused(const char *sql_fmt, ...) __attribute__((format(printf, 1, 2)));
/* A new connection to the test database as the admin user; mysql_close() it. */
MYSQL *db_connect_new(void);

/* A customer in the seed's list shape with every field set, id and tenant given;
 * returns a new json_t the caller owns (tests change members as they need). */
json_t *sample_customer(const char *id, const char *name);
json_t *sample_opportunity(const char *id, const char *customer_id, const char *created);
json_t *sample_activity(const char *id, const char *customer_id, const char *scheduled_at);

/* The members of the seed's list-shape and enriched customer, sorted. */
extern const char *const seed_list_members[];
extern const size_t seed_list_count;
extern const char *const seed_enriched_members[];
extern const size_t seed_enriched_count;

#endif
