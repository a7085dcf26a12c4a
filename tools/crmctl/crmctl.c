/* crmctl: entry point — global options, then one command. */
#include <stdio.h>
#include <string.h>

#include "tools/crmctl/crmctl.h"

static void usage(void)
{
	fprintf(stderr,
	        "usage: crmctl [-c FILE] COMMAND ...\n"
	        "  migrate                                   apply pending schema migrations\n"
	        "  import --tenant T FILE                    load a JSON document or JSON Lines "
	        "file\n"
	        "  export --tenant T                         write the tenant's items to stdout "
	        "as JSON Lines (import's format)\n"
	        "  demo                                      load the demo data set (two tenants)\n"
	        "  token --sub ID --tenant ID [--scope S] [--ttl SECONDS]\n"
	        "                                            print a signed token\n"
	        "  user add --tenant T --id ID --username U --name \"Display Name\"\n"
	        "  lifecycle                                 print the status lifecycle "
	        "(Markdown)\n"
	        "  routes                                    print the route table "
	        "(METHOD /pattern name)\n"
	        "every configuration key can also be set as CRM_<KEY> in the environment\n");
}

const char *opt_value(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

struct command {
	const char *name;
	int (*run)(const struct config *, int, char **);
	int needs_key; /* load and check the token key */
};

static const struct command commands[] = {
        {"migrate", cmd_migrate, 0},     {"import", cmd_import, 0}, {"export", cmd_export, 0},
        {"demo", cmd_demo, 0},           {"token", cmd_token, 0},   {"user", cmd_user, 0},
        {"lifecycle", cmd_lifecycle, 0}, {"routes", cmd_routes, 0},
};

int main(int argc, char **argv)
{
	const char *path = NULL;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
		path = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) != 0)
			continue;
		static struct config cfg;
		char err[512];
		if (config_load(&cfg, path, commands[k].needs_key, err, sizeof(err)) != 0) {
			fprintf(stderr, "crmctl: %s\n", err);
			return 1;
		}
		if (db_library_init() != 0) {
			fprintf(stderr, "crmctl: cannot initialise the MariaDB client library\n");
			return 1;
		}
		int rc = commands[k].run(&cfg, argc - i - 1, argv + i + 1);
		config_free(&cfg);
		db_library_end();
		return rc;
	}
	fprintf(stderr, "crmctl: unknown command '%s'\n", argv[i]);
	usage();
	return 2;
}
