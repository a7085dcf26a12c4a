/* fuzz_auth: an Authorization header value through syntax, algorithm and claim checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	if (cfg.jwt_secret[0] == '\0') {
		strcpy(cfg.jwt_secret, "fuzz-secret-fuzz-secret-fuzz-secret-0123");
		strcpy(cfg.jwt_audience, "crm");
		cfg.jwt_leeway = 60;
		cfg.jwt_max_ttl = 86400;
	}
	struct principal p;
	auth_verify(&cfg, (const char *)data, size, 1700000000, &p);
	/* the same bytes as a claims document */
	json_t *claims = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (claims != NULL)
		auth_check_claims(claims, &cfg, 1700000000, &p);
	json_decref(claims);
	return 0;
}
