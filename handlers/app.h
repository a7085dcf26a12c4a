/* app: the CRM's callbacks for the pool (struct pool_app); all about customers is behind them. */
#ifndef CRM_APP_H
#define CRM_APP_H

#include "conf/config.h"
#include "fcgi/fcgi.h"

/*
 * The state of one accepting thread: the handlers' struct app (database
 * connection, token cache) and, for the log line, who asked what last.
 * Connects to the database at once.  Returns NULL (logged) when out of
 * memory, or when the database refuses the configured user, password or
 * database (the worker then ends: no retry mends that); a database that is
 * down is no reason (it is connected again later).  app_close releases it
 * and takes NULL.
 */
void *app_open(const struct config *cfg);

/* The pool's list page cache (NULL: none), given before the pool forks; every app_open uses it. */
struct shm_cache;
void app_share_pages(struct shm_cache *pages);
void app_close(void *state);

/* Answers one request into resp (status, headers, body).  Never fails:
 * every problem becomes an error response; req->out_of_memory is a 500. */
void app_handle(void *state, struct request *req, struct response *resp);

/* The tenant and user of the request app_handle answered last (each ""
 * until a token was accepted) and its route's name (NULL when none
 * matched), raw: the pool escapes them.  They live in state until the next
 * app_handle. */
void app_log_fields(void *state, struct log_fields *out);

/* The route names app_log_fields gives (struct pool_app's route_names). */
size_t app_route_names(const char **names, size_t max);

#endif
