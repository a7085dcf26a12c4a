/* health: whether the database answers, for the load balancer's health check. */
#ifndef CRM_HEALTH_H
#define CRM_HEALTH_H

#include "model/model.h"

/*
 * One round trip on the thread's connection (connecting first if it has
 * none; a connection that died while idle is replaced once).  DB_OK when
 * the server answered; DB_UNAVAILABLE when it cannot be reached, within
 * db_connect_timeout, or at once during the reconnect back-off; DB_ERROR
 * for anything else.  db_last_error says why.
 */
enum db_rc db_ping(struct db *db);

#endif
