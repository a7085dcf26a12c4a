/* app: the entry points the request layer calls; everything about customers is behind them. */
#ifndef CRM_APP_H
#define CRM_APP_H

#include "conf/config.h"
#include "fcgi/fcgi.h"

struct app;

/* Per accepting thread: its database connection, token verifier and buffers.
 * Returns NULL only when out of memory; the database is connected lazily. */
struct app *app_open(const struct config *cfg);
void app_close(struct app *app);

/* Answers one request into resp (status, headers, body).  Never fails:
 * every problem becomes an error response. */
void app_handle(struct app *app, struct request *req, struct response *resp);

#endif
