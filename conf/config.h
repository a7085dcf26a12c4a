/* config: the one configuration file, every key overridable as CRM_<KEY>. */
#ifndef CRM_CONFIG_H
#define CRM_CONFIG_H

#include <stddef.h>

enum config_alg { CONFIG_ALG_HS256, CONFIG_ALG_RS256, CONFIG_ALG_ES256 };

/* The most servers db_hosts may list. */
#define CONFIG_DB_SERVERS_MAX 8

/* Bytes of the AES-256-GCM key that seals paging cursors. */
#define CONFIG_CURSOR_KEY_BYTES 32

struct config {
	/* service */
	char listen[256]; /* unix socket path, or host:port */
	int listen_mode;  /* permissions of a unix socket (octal) */
	int workers;      /* worker processes; 0 = two per core */
	int threads;      /* accepting threads per worker */
	char pid_file[256];
	char base_path[64];    /* URI prefix nginx passes, e.g. /api/v1 */
	size_t max_body;       /* bytes; larger bodies get 413 */
	int shutdown_timeout;  /* seconds a draining worker may take */
	int write_timeout;     /* seconds a write to a stalled nginx connection may block */
	size_t max_page_bytes; /* a list page is cut before it grows past this */
	size_t page_cache;     /* bytes of list pages kept for the whole pool (lib/shm_cache.h) */
	size_t max_customer_bytes; /* a change may not make a stored document larger */
	/* database */
	char db_host[256];
	int db_port;
	char db_socket[256];
	char db_name[64];
	char db_user[64];
	char db_password[128];
	char db_admin_user[64]; /* for crmctl migrate; empty = db_user */
	char db_admin_password[128];
	int db_connect_timeout;   /* seconds */
	int db_query_timeout;     /* seconds a statement may take (503 after) */
	int db_lock_wait_timeout; /* seconds; innodb_lock_wait_timeout */
	int db_retries;           /* deadlock / lock-wait retries per change */
	/* db_hosts: servers tried in order ("host:port" or a socket path, separated
	 * by commas or spaces); empty = the one server of db_host/db_port/db_socket */
	char db_hosts[1024];
	int db_sync_wait; /* wsrep_sync_wait of a session on a Galera node; 0 = off */
	/* loaded, not configured: the servers of db_hosts (or the one of db_host,
	 * db_port, db_socket), in the order a worker tries them */
	struct config_db_server {
		char host[256];   /* "" for a socket */
		int port;         /* 0 for a socket */
		char socket[256]; /* "" for TCP */
	} db_servers[CONFIG_DB_SERVERS_MAX];
	int db_nservers;
	/* tokens */
	enum config_alg jwt_alg;
	char jwt_secret[512];           /* HS256 key, >= 32 bytes */
	char jwt_public_key_file[256];  /* RS256/ES256 verification key (PEM) */
	char jwt_private_key_file[256]; /* crmctl token signing key for RS/ES */
	char jwt_issuer[256];           /* empty = not checked */
	char jwt_audience[256];         /* empty = not checked */
	int jwt_leeway;                 /* seconds */
	int jwt_max_ttl;                /* seconds: exp may lie at most this far ahead */
	char cursor_key[256];           /* paging cursors are sealed with a key made from it */
	int idempotency_ttl;            /* seconds a keyed request's 2xx answer is kept */
	/* watching the pool (README, "Watching the pool"); 0 = off for each */
	char status_listen[256];    /* /status, /metrics: a socket path or ADDR:PORT; "" = off */
	int scoreboard;             /* 1: count every request in shared memory */
	int slow_request_ms;        /* a slower request is logged and counted */
	int request_timeout;        /* seconds; a worker stuck longer is replaced */
	int queue_timeout;          /* seconds a request may wait for a worker (503 after) */
	int max_requests;           /* a worker retires after this many */
	int crash_loop_threshold;   /* more deaths than this within the interval: back off */
	int crash_loop_interval;    /* seconds */
	int crash_loop_max_backoff; /* seconds: the longest pause before a fork */
	/* loaded, not configured */
	char *jwt_public_key; /* PEM text read from jwt_public_key_file */
	size_t jwt_public_key_len;
	/* AES-256-GCM key of the paging cursors: from cursor_key, else from
	 * jwt_secret (HS256), else random once per process (see config_load) */
	unsigned char cursor_aead_key[CONFIG_CURSOR_KEY_BYTES];
};

/*
 * Fills cfg with defaults, then the file at path (NULL = no file), then the
 * CRM_* environment.  On any unknown key, bad value, missing or weak key
 * material, returns -1 with a one-line reason in err.  On success 0; free
 * with config_free().  need_verify_key: also load and check the JWT key
 * (the service and `crmctl token` do; `crmctl migrate` does not).  On
 * success cfg->cursor_aead_key is set: made from cursor_key, else (HS256)
 * from jwt_secret, else drawn at random once per process, so the workers a
 * master forks share it, a SIGHUP reload keeps it and a restart changes it.
 */
int config_load(struct config *cfg, const char *path, int need_verify_key, char *err,
                size_t errlen);
void config_free(struct config *cfg);
const char *config_alg_name(enum config_alg alg);

#endif
