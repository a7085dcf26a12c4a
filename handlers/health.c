/* health: GET /health for load balancers — 200 when the database answers a round trip, else 503. */
#include "handlers/handlers.h"
#include "model/health.h"

/*
 * Public (no token: a load balancer has none) and cheap enough to call
 * every second: one "DO 1" on the thread's open connection, no statement
 * to prepare, nothing read.  While the database is down the reconnect
 * back-off answers at once, so a probe never queues behind the outage.
 * Any failure is a 503: the balancer should send traffic elsewhere.
 */
void health_get(struct call *c)
{
	enum db_rc rc = db_ping(c->app->db);
	if (rc != DB_OK) {
		log_msg("warn", "health: database: %s", db_last_error(c->app->db));
		resp_header(c->resp, "Retry-After", "1");
		resp_error(c->resp, 503, "The database does not answer; retry shortly.");
		return;
	}
	strbuf_reset(&c->resp->body);
	strbuf_append_str(&c->resp->body, "{\"status\":\"ok\"}");
	c->resp->status = 200;
}
