/* reply: maps model results to the API's error responses. */
#include "handlers/handlers.h"

void reply_db_error(struct call *c, enum db_rc rc, const char *not_found)
{
	switch (rc) {
	case DB_NOT_FOUND: resp_error(c->resp, 404, not_found); break;
	case DB_UNAVAILABLE:
	case DB_RETRY:
		log_msg("error", "database: %s", db_last_error(c->app->db));
		resp_header(c->resp, "Retry-After", "1");
		resp_error(c->resp, 503, "The database is unavailable or busy; retry shortly.");
		break;
	case DB_CONFLICT:
		resp_error(c->resp, 409, "The change conflicts with the current state.");
		break;
	default:
		log_msg("error", "database: %s", db_last_error(c->app->db));
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		break;
	}
}
