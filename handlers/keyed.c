/* keyed: a change request's Idempotency-Key — checked, bound to its request, and its replay. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "handlers/handlers.h"

/* 1..LIMIT_IDEMPOTENCY_KEY visible ASCII characters (CONTRACT.md, "Idempotent retries"). */
static int key_is_valid(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > LIMIT_IDEMPOTENCY_KEY)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e)
			return 0;
	return 1;
}

/* Hex SHA-256 of method, path and body, each ended by a NUL so none can pass for another. */
static int request_hash(const struct request *req, char out[KEYED_HASH_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, req->method, strlen(req->method) + 1) == 1 &&
	         EVP_DigestUpdate(ctx, req->raw_uri, strlen(req->raw_uri) + 1) == 1 &&
	         (req->body_len == 0 || EVP_DigestUpdate(ctx, req->body, req->body_len) == 1) &&
	         EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	hex_encode(md, md_len, out);
	return 0;
}

int keyed_read(const struct request *req, const struct call *c, struct keyed *out,
               struct response *resp)
{
	if (req->idempotency_key == NULL)
		return 0;
	if (req->idempotency_key_count > 1 || !key_is_valid(req->idempotency_key)) {
		resp_error(resp, 400,
		           "Idempotency-Key must be one header of 1 to " LIMIT_IDEMPOTENCY_KEY_TEXT
		           " visible ASCII characters (no spaces).");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (request_hash(req, out->request_hash) != 0) {
		log_msg("error", "the request's SHA-256 could not be computed (OpenSSL)");
		resp_error(resp, 500, "Internal error; it has been logged.");
		return -1;
	}
	out->tenant = c->who->tenant;
	out->sub = c->who->sub;
	out->key = req->idempotency_key;
	out->ttl_us = (long long)c->app->cfg->idempotency_ttl * 1000000;
	return 0;
}

struct keyed *keyed_answer(struct call *c, int status, const char *location)
{
	if (c->keyed == NULL)
		return NULL;
	c->keyed->status = status;
	c->keyed->location = location;
	c->keyed->keep_body = status != 204;
	return c->keyed;
}

void keyed_replay(struct call *c)
{
	const struct keyed *k = c->keyed;
	c->resp->status = k->kept_status;
	if (k->kept_etag[0] != '\0')
		resp_header(c->resp, "ETag", k->kept_etag);
	if (k->kept_location[0] != '\0')
		resp_header(c->resp, "Location", k->kept_location);
	/* after this request's own COMMIT got no answer, the kept answer is its own */
	if (!k->after_lost_commit)
		resp_header(c->resp, "Idempotent-Replayed", "true");
}
