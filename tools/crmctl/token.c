/* token: signs a development token with the configured key and algorithm. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>

#include "tools/crmctl/crmctl.h"

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = f ? calloc(1, 65537) : NULL;
	*len = buf ? fread(buf, 1, 65536, f) : 0;
	if (f)
		fclose(f);
	if (buf != NULL && *len == 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* --ttl: 1 s up to what the service accepts (jwt_max_ttl); default an hour, or less. */
static int parse_ttl(const char *s, long max, long *ttl)
{
	char *end = NULL;
	errno = 0;
	long n = s ? strtol(s, &end, 10) : (3600 < max ? 3600 : max);
	if (s != NULL && (errno != 0 || *end != '\0' || n < 1 || n > max))
		return -1;
	*ttl = n;
	return 0;
}

static int add_claims(jwt_t *jwt, const struct config *cfg, const char *sub, const char *tenant,
                      const char *scope, long ttl)
{
	time_t now = time(NULL);
	int rc = jwt_add_grant(jwt, "sub", sub) || jwt_add_grant(jwt, "tenantId", tenant) ||
	         jwt_add_grant(jwt, "scope", scope) || jwt_add_grant_int(jwt, "iat", now) ||
	         jwt_add_grant_int(jwt, "exp", now + ttl);
	if (rc == 0 && cfg->jwt_issuer[0])
		rc = jwt_add_grant(jwt, "iss", cfg->jwt_issuer);
	if (rc == 0 && cfg->jwt_audience[0])
		rc = jwt_add_grant(jwt, "aud", cfg->jwt_audience);
	return rc;
}

static int set_key(jwt_t *jwt, const struct config *cfg)
{
	if (cfg->jwt_alg == CONFIG_ALG_HS256) {
		size_t n = strlen(cfg->jwt_secret);
		if (n < 32) {
			fprintf(stderr, "crmctl: jwt_secret must hold at least 32 bytes\n");
			return -1;
		}
		return jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)cfg->jwt_secret,
		                   (int)n);
	}
	size_t len = 0;
	unsigned char *key =
	        cfg->jwt_private_key_file[0] ? read_file(cfg->jwt_private_key_file, &len) : NULL;
	if (key == NULL) {
		fprintf(stderr, "crmctl: %s tokens need a readable jwt_private_key_file\n",
		        config_alg_name(cfg->jwt_alg));
		return -1;
	}
	int rc = jwt_set_alg(jwt, cfg->jwt_alg == CONFIG_ALG_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256,
	                     key, (int)len);
	free(key);
	return rc;
}

int cmd_token(const struct config *cfg, int argc, char **argv)
{
	const char *sub = opt_value(argc, argv, "--sub");
	const char *tenant = opt_value(argc, argv, "--tenant");
	const char *scope = opt_value(argc, argv, "--scope");
	long ttl = 0;
	if (sub == NULL || tenant == NULL || sub[0] == '\0' || tenant[0] == '\0' ||
	    parse_ttl(opt_value(argc, argv, "--ttl"), cfg->jwt_max_ttl, &ttl) != 0) {
		fprintf(stderr,
		        "usage: crmctl token --sub ID --tenant ID [--scope \"crm:read crm:write\"]"
		        " [--ttl SECONDS]\n(SECONDS: 1 to jwt_max_ttl, %d; the service refuses "
		        "longer)\n",
		        cfg->jwt_max_ttl);
		return 2;
	}
	jwt_t *jwt = NULL;
	char *out = NULL;
	int rc = 1;
	if (jwt_new(&jwt) != 0 || set_key(jwt, cfg) != 0 ||
	    add_claims(jwt, cfg, sub, tenant, scope ? scope : "crm:read crm:write", ttl) != 0)
		goto out;
	out = jwt_encode_str(jwt);
	if (out == NULL)
		goto out;
	printf("%s\n", out);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "crmctl: could not sign the token\n");
	free(out);
	jwt_free(jwt);
	return rc;
}
