/* crm-fcgi: the entry point — the configuration, the MariaDB library, the pool serving the app. */
#include <stdio.h>
#include <string.h>

#include "conf/config.h"
#include "fcgi/fcgi.h"
#include "handlers/app.h"
#include "lib/shm_cache.h"
#include "model/model.h"

/*
 * The one place that knows every layer.  A request's way:
 *
 *   nginx --FastCGI--> fcgi/ (pool, worker: accept, read and limit, decode the URI)
 *     --struct pool_app--> app_handle (handlers/app.c: route, 404/405/413, token, scope, body)
 *       --> the route's handler (handlers/customers_*.c) --> model/ (SQL) --> MariaDB
 *   and back: a struct response that fcgi/ writes, then logs with app_log_fields.
 *
 * Includes point one way, down: service/ -> handlers/ -> model/, fcgi/ -> conf/, lib/.
 * fcgi/ reaches the app only through this table.
 */
static const struct pool_app crm_app = {
        .open = app_open,
        .handle = app_handle,
        .log_fields = app_log_fields,
        .close = app_close,
        .route_names = app_route_names,
};

/* The model's own log lines (which database server a worker uses) in the service's log. */
static void db_log_line(const char *level, const char *text)
{
	log_msg(level, "%s", text);
}

static void usage(void)
{
	fprintf(stderr, "usage: crm-fcgi [-c FILE] [-t]\n"
	                "  -c FILE  configuration file (every key also as CRM_<KEY>)\n"
	                "  -t       check the configuration and exit\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int check_only = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "-t") == 0)
			check_only = 1;
		else {
			usage();
			return 2;
		}
	}
	static struct config cfg;
	char err[512];
	if (config_load(&cfg, path, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "crm-fcgi: refusing to start: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("crm-fcgi: configuration ok\n");
		config_free(&cfg);
		return 0;
	}
	/* The client library must be initialised once, before any thread exists. */
	if (db_library_init() != 0) {
		fprintf(stderr, "crm-fcgi: cannot initialise the MariaDB client library\n");
		return 1;
	}
	db_set_log(db_log_line);
	/* Made before the pool forks, so that all of its workers share it. */
	struct shm_cache *pages = shm_cache_create(cfg.page_cache);
	if (pages == NULL && cfg.page_cache > 0)
		fprintf(stderr, "crm-fcgi: no page cache: cannot map %zu bytes\n", cfg.page_cache);
	app_share_pages(pages);
	int rc = pool_run(&cfg, path, &crm_app);
	shm_cache_destroy(pages);
	config_free(&cfg);
	db_library_end();
	return rc;
}
