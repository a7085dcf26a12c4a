/* config: defaults, then the file, then CRM_* environment variables, then checks. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "conf/config.h"

enum key_type { KEY_STR, KEY_INT, KEY_SIZE, KEY_OCTAL, KEY_ALG };

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size; /* buffer size for strings */
	long min, max;
};

#define STR(k)                                                                                     \
	{                                                                                          \
#k, KEY_STR, offsetof(struct config, k), sizeof(((struct config *)0)->k), 0, 0     \
	}
#define INT(k, lo, hi)                                                                             \
	{                                                                                          \
#k, KEY_INT, offsetof(struct config, k), 0, lo, hi                                 \
	}

static const struct key_def keys[] = {
        STR(listen),
        {"listen_mode", KEY_OCTAL, offsetof(struct config, listen_mode), 0, 0, 0777},
        INT(workers, 0, 256),
        INT(threads, 1, 64),
        STR(pid_file),
        STR(base_path),
        {"max_body", KEY_SIZE, offsetof(struct config, max_body), 0, 1, 16 * 1024 * 1024},
        INT(shutdown_timeout, 1, 3600),
        INT(write_timeout, 1, 3600),
        {"max_page_bytes", KEY_SIZE, offsetof(struct config, max_page_bytes), 0, 65536,
         256 * 1024 * 1024},
        {"max_customer_bytes", KEY_SIZE, offsetof(struct config, max_customer_bytes), 0, 16384,
         64 * 1024 * 1024},
        {"page_cache", KEY_SIZE, offsetof(struct config, page_cache), 0, 0,
         16L * 1024 * 1024 * 1024},
        STR(db_host),
        INT(db_port, 1, 65535),
        STR(db_socket),
        STR(db_name),
        STR(db_user),
        STR(db_password),
        STR(db_admin_user),
        STR(db_admin_password),
        INT(db_connect_timeout, 1, 600),
        INT(db_query_timeout, 1, 3600),
        INT(db_lock_wait_timeout, 1, 3600),
        INT(db_retries, 0, 100),
        STR(db_hosts),
        INT(db_sync_wait, 0, 15),
        {"jwt_alg", KEY_ALG, offsetof(struct config, jwt_alg), 0, 0, 0},
        STR(jwt_secret),
        STR(jwt_public_key_file),
        STR(jwt_private_key_file),
        STR(jwt_issuer),
        STR(jwt_audience),
        INT(jwt_leeway, 0, 3600),
        INT(jwt_max_ttl, 60, 366 * 86400),
        STR(cursor_key),
        INT(idempotency_ttl, 60, 366 * 86400),
        STR(status_listen),
        INT(scoreboard, 0, 1),
        INT(slow_request_ms, 0, 3600 * 1000),
        INT(request_timeout, 0, 86400),
        INT(queue_timeout, 0, 3600),
        INT(max_requests, 0, 1000000000),
        INT(crash_loop_threshold, 0, 1000),
        INT(crash_loop_interval, 1, 3600),
        INT(crash_loop_max_backoff, 1, 3600),
};

static void set_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "var/run/crm.sock");
	c->listen_mode = 0660;
	c->threads = 1;
	snprintf(c->pid_file, sizeof(c->pid_file), "var/run/crm-fcgi.pid");
	snprintf(c->base_path, sizeof(c->base_path), "/api/v1");
	c->max_body = 65536;
	c->shutdown_timeout = 10;
	c->write_timeout = 10;
	c->max_page_bytes = 4 * 1024 * 1024;
	c->max_customer_bytes = 1024 * 1024;
	c->page_cache = 96 * 1024 * 1024;
	snprintf(c->db_host, sizeof(c->db_host), "localhost");
	c->db_port = 3306;
	snprintf(c->db_name, sizeof(c->db_name), "crm");
	snprintf(c->db_user, sizeof(c->db_user), "crm_app");
	c->db_connect_timeout = 2;
	c->db_query_timeout = 5;
	c->db_lock_wait_timeout = 3;
	c->db_retries = 3;
	c->db_sync_wait = 1;
	c->jwt_alg = CONFIG_ALG_HS256;
	c->jwt_leeway = 60;
	c->jwt_max_ttl = 86400;
	c->idempotency_ttl = 86400;
	c->scoreboard = 1;
	c->slow_request_ms = 1000;
	c->request_timeout = 30;
	c->crash_loop_threshold = 5;
	c->crash_loop_interval = 10;
	c->crash_loop_max_backoff = 60;
}

const char *config_alg_name(enum config_alg alg)
{
	switch (alg) {
	case CONFIG_ALG_RS256: return "RS256";
	case CONFIG_ALG_ES256: return "ES256";
	default: return "HS256";
	}
}

static const struct key_def *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int parse_long(const char *v, int base, long *out)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, base);
	if (errno != 0 || end == v || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

static int set_value(struct config *c, const struct key_def *k, const char *v, char *err,
                     size_t errlen)
{
	char *base = (char *)c + k->offset;
	long n = 0;

	switch (k->type) {
	case KEY_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "%s: value longer than %zu bytes", k->name,
			         k->size - 1);
			return -1;
		}
		memcpy(base, v, strlen(v) + 1);
		return 0;
	case KEY_ALG:
		if (strcmp(v, "HS256") == 0)
			c->jwt_alg = CONFIG_ALG_HS256;
		else if (strcmp(v, "RS256") == 0)
			c->jwt_alg = CONFIG_ALG_RS256;
		else if (strcmp(v, "ES256") == 0)
			c->jwt_alg = CONFIG_ALG_ES256;
		else {
			snprintf(err, errlen, "jwt_alg: '%s' is not HS256, RS256 or ES256", v);
			return -1;
		}
		return 0;
	default: break;
	}
	if (parse_long(v, k->type == KEY_OCTAL ? 8 : 10, &n) != 0 || n < k->min || n > k->max) {
		snprintf(err, errlen, "%s: '%s' is not a whole number from %ld to %ld", k->name, v,
		         k->min, k->max);
		return -1;
	}
	if (k->type == KEY_SIZE)
		*(size_t *)(void *)base = (size_t)n;
	else
		*(int *)(void *)base = (int)n;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_line(struct config *c, char *line, const char *path, int lineno, char *err,
                      size_t errlen)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	char *eq = strchr(s, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
		return -1;
	}
	*eq = '\0';
	char *name = trim(s), *value = trim(eq + 1);
	const struct key_def *k = find_key(name);
	if (k == NULL) {
		snprintf(err, errlen, "%s:%d: unknown key '%s'", path, lineno, name);
		return -1;
	}
	char sub[192];
	if (set_value(c, k, value, sub, sizeof(sub)) != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, lineno, sub);
		return -1;
	}
	return 0;
}

static int load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open configuration %s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		rc = parse_line(c, line, path, lineno, err, errlen);
	}
	fclose(f);
	return rc;
}

static int load_env(struct config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char envname[64] = "CRM_";
		size_t j = 4;
		for (const char *p = keys[i].name; *p && j < sizeof(envname) - 1; p++)
			envname[j++] = (char)toupper((unsigned char)*p);
		envname[j] = '\0';
		const char *v = getenv(envname);
		if (v == NULL)
			continue;
		char sub[192];
		if (set_value(c, &keys[i], v, sub, sizeof(sub)) != 0) {
			snprintf(err, errlen, "environment %s: %s", envname, sub);
			return -1;
		}
	}
	return 0;
}

static int read_key_file(struct config *c, char *err, size_t errlen)
{
	if (c->jwt_public_key_file[0] == '\0') {
		snprintf(err, errlen, "jwt_alg %s needs jwt_public_key_file (a PEM public key)",
		         config_alg_name(c->jwt_alg));
		return -1;
	}
	FILE *f = fopen(c->jwt_public_key_file, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open jwt_public_key_file %s: %s",
		         c->jwt_public_key_file, strerror(errno));
		return -1;
	}
	char *buf = calloc(1, 65537);
	size_t n = buf ? fread(buf, 1, 65536, f) : 0;
	fclose(f);
	if (buf == NULL || n == 0 || strstr(buf, "-----BEGIN PUBLIC KEY-----") == NULL) {
		free(buf);
		snprintf(err, errlen, "jwt_public_key_file %s holds no PEM public key",
		         c->jwt_public_key_file);
		return -1;
	}
	c->jwt_public_key = buf;
	c->jwt_public_key_len = n;
	return 0;
}

static int check_keys(struct config *c, char *err, size_t errlen)
{
	size_t ck = strlen(c->cursor_key);
	if (ck > 0 && ck < 32) {
		snprintf(err, errlen, "cursor_key is too weak: %zu bytes, at least 32 are needed",
		         ck);
		return -1;
	}
	if (c->jwt_alg != CONFIG_ALG_HS256)
		return read_key_file(c, err, errlen);
	size_t n = strlen(c->jwt_secret);
	if (n == 0) {
		snprintf(err, errlen,
		         "jwt_secret is not set (CRM_JWT_SECRET); it must hold at least 32 bytes");
		return -1;
	}
	if (n < 32) {
		snprintf(err, errlen, "jwt_secret is too weak: %zu bytes, at least 32 are needed",
		         n);
		return -1;
	}
	return 0;
}

/*
 * The cursors' AES-256-GCM key, made here, once, before the master forks:
 * HMAC-SHA256 keyed with cursor_key over a label; without one and with
 * HS256, keyed with jwt_secret over another label, so neither key tells
 * anything of the other.  Otherwise (RS256/ES256 and no cursor_key) a key
 * drawn at random once per process: a SIGHUP reload keeps the cursors of
 * the running service valid, a restart voids them.
 */
static int derive_cursor_key(struct config *c, char *err, size_t errlen)
{
	static unsigned char random_key[CONFIG_CURSOR_KEY_BYTES];
	static int have_random_key;
	const char *secret = NULL, *label = NULL;
	if (c->cursor_key[0] != '\0') {
		secret = c->cursor_key;
		label = "crm paging cursor key v1, from cursor_key";
	} else if (c->jwt_alg == CONFIG_ALG_HS256 && c->jwt_secret[0] != '\0') {
		secret = c->jwt_secret;
		label = "crm paging cursor key v1, from jwt_secret";
	}
	if (secret != NULL) {
		unsigned int n = 0;
		if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)label,
		         strlen(label), c->cursor_aead_key, &n) == NULL ||
		    n != CONFIG_CURSOR_KEY_BYTES) {
			snprintf(err, errlen, "cannot derive the cursor key (OpenSSL HMAC failed)");
			return -1;
		}
		return 0;
	}
	if (!have_random_key) {
		if (RAND_bytes(random_key, sizeof(random_key)) != 1) {
			snprintf(err, errlen,
			         "cannot draw a random cursor key (OpenSSL RAND_bytes)");
			return -1;
		}
		have_random_key = 1;
	}
	memcpy(c->cursor_aead_key, random_key, sizeof(random_key));
	return 0;
}

/* One entry of db_hosts: a socket path (it starts with '/'), or host[:port] ([v6]:port). */
static int parse_server(struct config *c, const char *s, size_t n, char *err, size_t errlen)
{
	if (c->db_nservers >= CONFIG_DB_SERVERS_MAX) {
		snprintf(err, errlen, "db_hosts: more than %d servers", CONFIG_DB_SERVERS_MAX);
		return -1;
	}
	struct config_db_server *sv = &c->db_servers[c->db_nservers];
	memset(sv, 0, sizeof(*sv));
	if (s[0] == '/') {
		if (n >= sizeof(sv->socket)) {
			snprintf(err, errlen, "db_hosts: a socket path longer than %zu bytes",
			         sizeof(sv->socket) - 1);
			return -1;
		}
		memcpy(sv->socket, s, n);
		c->db_nservers++;
		return 0;
	}
	const char *host = s, *colon = NULL;
	size_t host_len = n;
	if (s[0] == '[') { /* [v6 address]:port */
		const char *close = memchr(s, ']', n);
		if (close == NULL) {
			snprintf(err, errlen, "db_hosts: '%.*s' lacks its ']'", (int)n, s);
			return -1;
		}
		host = s + 1;
		host_len = (size_t)(close - host);
		colon = close + 1 < s + n && close[1] == ':' ? close + 1 : NULL;
		if (colon == NULL && close + 1 != s + n) {
			snprintf(err, errlen, "db_hosts: '%.*s' is not [address]:port", (int)n, s);
			return -1;
		}
	} else {
		colon = memchr(s, ':', n);
		host_len = colon ? (size_t)(colon - s) : n;
	}
	long port = c->db_port;
	if (colon != NULL) {
		char digits[8] = "";
		size_t dn = (size_t)(s + n - colon - 1);
		if (dn == 0 || dn >= sizeof(digits)) {
			snprintf(err, errlen, "db_hosts: '%.*s' has no port after ':'", (int)n, s);
			return -1;
		}
		memcpy(digits, colon + 1, dn);
		if (parse_long(digits, 10, &port) != 0 || port < 1 || port > 65535) {
			snprintf(err, errlen, "db_hosts: '%.*s': the port is not 1..65535", (int)n,
			         s);
			return -1;
		}
	}
	if (host_len == 0 || host_len >= sizeof(sv->host)) {
		snprintf(err, errlen, "db_hosts: '%.*s' has no host name of 1..%zu bytes", (int)n,
		         s, sizeof(sv->host) - 1);
		return -1;
	}
	memcpy(sv->host, host, host_len);
	sv->port = (int)port;
	c->db_nservers++;
	return 0;
}

/* cfg->db_servers from db_hosts, or the one server of db_host/db_port/db_socket. */
static int parse_servers(struct config *c, char *err, size_t errlen)
{
	c->db_nservers = 0;
	const char *p = c->db_hosts;
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, ", \t\r\n");
		if (parse_server(c, p, n, err, errlen) != 0)
			return -1;
		p += n;
	}
	if (c->db_nservers > 0)
		return 0;
	struct config_db_server *sv = &c->db_servers[0];
	memset(sv, 0, sizeof(*sv));
	if (c->db_socket[0] != '\0')
		snprintf(sv->socket, sizeof(sv->socket), "%s", c->db_socket);
	else {
		snprintf(sv->host, sizeof(sv->host), "%s", c->db_host);
		sv->port = c->db_port;
	}
	c->db_nservers = 1;
	return 0;
}

int config_load(struct config *cfg, const char *path, int need_verify_key, char *err, size_t errlen)
{
	set_defaults(cfg);
	if (path != NULL && load_file(cfg, path, err, errlen) != 0)
		return -1;
	if (load_env(cfg, err, errlen) != 0)
		return -1;
	if (cfg->base_path[0] != '/' || cfg->base_path[strlen(cfg->base_path) - 1] == '/') {
		snprintf(err, errlen, "base_path must start with '/' and not end with one");
		return -1;
	}
	if (parse_servers(cfg, err, errlen) != 0)
		return -1;
	if (need_verify_key && check_keys(cfg, err, errlen) != 0)
		return -1;
	return derive_cursor_key(cfg, err, errlen);
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->jwt_public_key);
	cfg->jwt_public_key = NULL;
	OPENSSL_cleanse(cfg->cursor_aead_key, sizeof(cfg->cursor_aead_key));
}
