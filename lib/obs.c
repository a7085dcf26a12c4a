/* obs: the per-thread hooks through which the model and handlers report to the pool's scoreboard. */
#include <stddef.h>

#include "lib/obs.h"

static _Thread_local const struct obs_sink *sink;
static _Thread_local void *sink_arg;

const char *obs_db_error_name(enum obs_db_error kind)
{
	static const char *const names[OBS_DB__MAX] = {
	        [OBS_DB_CONNECT] = "connect",     [OBS_DB_LOST] = "lost",
	        [OBS_DB_TIMEOUT] = "timeout",     [OBS_DB_DEADLOCK] = "deadlock",
	        [OBS_DB_LOCK_WAIT] = "lock_wait", [OBS_DB_DUPLICATE] = "duplicate",
	        [OBS_DB_OTHER] = "other",
	};
	return (unsigned)kind < OBS_DB__MAX ? names[kind] : "other";
}

const char *obs_auth_name(enum obs_auth reason)
{
	static const char *const names[OBS_AUTH__MAX] = {
	        [OBS_AUTH_MISSING] = "missing",     [OBS_AUTH_MALFORMED] = "malformed",
	        [OBS_AUTH_ALGORITHM] = "algorithm", [OBS_AUTH_SIGNATURE] = "signature",
	        [OBS_AUTH_EXPIRED] = "expired",     [OBS_AUTH_CLAIMS] = "claims",
	        [OBS_AUTH_SCOPE] = "scope",
	};
	return (unsigned)reason < OBS_AUTH__MAX ? names[reason] : "claims";
}

void obs_attach(const struct obs_sink *s, void *arg)
{
	sink = s;
	sink_arg = arg;
}

void obs_db_begin(const char *statement)
{
	if (sink != NULL && sink->db_begin != NULL)
		sink->db_begin(sink_arg, statement);
}

void obs_db_end(void)
{
	if (sink != NULL && sink->db_end != NULL)
		sink->db_end(sink_arg);
}

void obs_db_error(enum obs_db_error kind)
{
	if (sink != NULL && sink->db_error != NULL)
		sink->db_error(sink_arg, kind);
}

void obs_db_retry(void)
{
	if (sink != NULL && sink->db_retry != NULL)
		sink->db_retry(sink_arg);
}

void obs_route(const char *name)
{
	if (sink != NULL && sink->route != NULL)
		sink->route(sink_arg, name);
}

void obs_auth_failure(enum obs_auth reason)
{
	if (sink != NULL && sink->auth_failure != NULL)
		sink->auth_failure(sink_arg, reason);
}

void obs_db_errno(unsigned err)
{
	/* the numbers of mysqld_error.h and errmsg.h: only model/ includes them */
	enum obs_db_error kind = OBS_DB_OTHER;
	switch (err) {
	case 0:
	case 1053: /* ER_SERVER_SHUTDOWN */
	case 1927: /* ER_CONNECTION_KILLED */
	case 1047: /* ER_UNKNOWN_COM_ERROR: a Galera node not ready */
	case 2006: /* CR_SERVER_GONE_ERROR */
	case 2013: /* CR_SERVER_LOST */
	case 2026: /* CR_SSL_CONNECTION_ERROR */
	case 2055: /* CR_SERVER_LOST_EXTENDED */
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */ kind = OBS_DB_LOST; break;
	case 2002: /* CR_CONNECTION_ERROR */
	case 2003: /* CR_CONN_HOST_ERROR */
	case 1044: /* ER_DBACCESS_DENIED_ERROR */
	case 1045: /* ER_ACCESS_DENIED_ERROR */ kind = OBS_DB_CONNECT; break;
	case 1969: /* ER_STATEMENT_TIMEOUT */ kind = OBS_DB_TIMEOUT; break;
	case 1213: /* ER_LOCK_DEADLOCK */ kind = OBS_DB_DEADLOCK; break;
	case 1205: /* ER_LOCK_WAIT_TIMEOUT */ kind = OBS_DB_LOCK_WAIT; break;
	case 1062: /* ER_DUP_ENTRY */ kind = OBS_DB_DUPLICATE; break;
	default: break;
	}
	obs_db_error(kind);
}
