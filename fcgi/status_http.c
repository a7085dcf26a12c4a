/* status_http: the master's own small HTTP listener (status_listen) for /status and /metrics, apart from the workers' socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fcgi/fcgi.h"
#include "fcgi/scoreboard.h"

/*
 * Served by the master, never by a worker, so that it answers while every
 * worker is busy or stuck, or the database is down.  The master must never
 * wait on a client: every socket is non-blocking, a client has CLIENT_MS to
 * send its request line and take its answer, and at most MAX_CLIENTS are
 * served at once (more wait in the backlog).  HTTP/1.0-style: one GET, one
 * answer with Content-Length, then the connection is closed.
 */
#define MAX_CLIENTS 8
#define REQUEST_MAX 2048
#define CLIENT_MS   2000

struct client {
	int fd; /* -1: free */
	int64_t deadline_ns;
	char in[REQUEST_MAX];
	size_t in_len;
	struct strbuf out; /* the whole answer, once the request is read */
	size_t sent;
};

struct status_server {
	int fd;
	int sigfd;      /* the signals the master waits for, as a descriptor to poll */
	char path[108]; /* the unix socket we made, or "" */
	const struct status_view *view;
	struct client client[MAX_CLIENTS];
};

static int listen_unix(const char *path, int mode)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg("error", "status_listen: %s is longer than %zu bytes", path,
		        sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* a socket file nobody answers on is left over from a crash */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
			log_msg("error", "status_listen: another server is listening on %s", path);
			close(fd);
			return -1;
		}
		unlink(path);
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, (mode_t)mode) != 0 || listen(fd, 64) != 0) {
		log_msg("error", "status_listen: cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* "ADDRESS:PORT" with an IPv4 address (127.0.0.1 keeps it on this host). */
static int listen_inet(const char *spec)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	char *end = NULL;
	long port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host) || end == colon + 1 ||
	    *end != '\0' || port < 1 || port > 65535) {
		log_msg("error", "status_listen: '%s' is neither a socket path nor ADDRESS:PORT",
		        spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		log_msg("error", "status_listen: '%s' is not an IPv4 address", host);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0) {
		log_msg("error", "status_listen: cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct status_server *status_open(const char *spec, int mode, const struct status_view *view)
{
	struct status_server *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_msg("error", "status_listen: out of memory");
		return NULL;
	}
	s->view = view;
	s->sigfd = -1;
	for (int k = 0; k < MAX_CLIENTS; k++) {
		s->client[k].fd = -1;
		strbuf_init(&s->client[k].out);
	}
	int is_path = strchr(spec, '/') != NULL || strchr(spec, ':') == NULL;
	s->fd = is_path ? listen_unix(spec, mode) : listen_inet(spec);
	if (s->fd < 0) {
		status_close(s);
		return NULL;
	}
	if (is_path)
		snprintf(s->path, sizeof(s->path), "%s", spec);
	log_msg("info", "status and metrics on %s%s: GET /status, /status?full, /metrics",
	        is_path ? "unix:" : "http://", spec);
	return s;
}

static void drop(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_len = 0;
	c->sent = 0;
	strbuf_free(&c->out);
}

void status_close_in_child(struct status_server *s)
{
	if (s != NULL)
		s->path[0] = '\0'; /* the master's to remove */
	status_close(s);
}

void status_close(struct status_server *s)
{
	if (s == NULL)
		return;
	for (int k = 0; k < MAX_CLIENTS; k++)
		drop(&s->client[k]);
	if (s->fd >= 0)
		close(s->fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->path[0] != '\0')
		unlink(s->path);
	free(s);
}

static void answer(struct client *c, int status, const char *type, const struct strbuf *body,
                   int head)
{
	const char *reason = status == 200   ? "OK"
	                     : status == 404 ? "Not Found"
	                     : status == 405 ? "Method Not Allowed"
	                     : status == 400 ? "Bad Request"
	                                     : "Internal Server Error";
	strbuf_appendf(&c->out,
	               "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	               "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
	               status, reason, type, body->len,
	               status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head)
		strbuf_append(&c->out, body->data, body->len);
}

/* The request line is in: the answer, whole, into c->out. */
static void route(struct status_server *s, struct client *c)
{
	char method[8] = "", target[256] = "";
	struct strbuf body = STRBUF_INIT;
	int status = 200, head = 0;
	const char *type = "application/json";
	char minor = 0;
	if (sscanf(c->in, "%7s %255s HTTP/1.%c", method, target, &minor) != 3) {
		status = 400;
		strbuf_append_str(&body, "{\"error\":\"not an HTTP request line\"}\n");
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = 405;
		strbuf_append_str(&body, "{\"error\":\"only GET and HEAD\"}\n");
	} else if (strcmp(target, "/status") == 0 || strcmp(target, "/status?full") == 0 ||
	           strcmp(target, "/status?json") == 0 ||
	           strcmp(target, "/status?full&json") == 0 ||
	           strcmp(target, "/status?json&full") == 0) {
		status_render_json(s->view, strstr(target, "full") != NULL, &body);
	} else if (strcmp(target, "/metrics") == 0) {
		type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_render(s->view, &body);
	} else {
		status = 404;
		strbuf_append_str(&body, "{\"error\":\"GET /status, /status?full or /metrics\"}\n");
	}
	head = strcmp(method, "HEAD") == 0;
	if (strbuf_failed(&body)) {
		strbuf_reset(&body);
		status = 500;
		type = "application/json";
		strbuf_append_str(&body, "{\"error\":\"out of memory\"}\n");
	}
	answer(c, status, type, &body, head);
	strbuf_free(&body);
	if (strbuf_failed(&c->out))
		drop(c); /* nothing sensible can be sent */
}

/* Reads what c sent; once the head is complete (an empty line), makes the answer. */
static void client_read(struct status_server *s, struct client *c)
{
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(c);
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	/* a client of HTTP/1.0 style may end its head with LF alone */
	if (strstr(c->in, "\r\n\r\n") != NULL || strstr(c->in, "\n\n") != NULL)
		route(s, c);
	else if (c->in_len == sizeof(c->in) - 1)
		drop(c); /* a head this long is not for us */
}

static void client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			drop(c);
		return;
	}
	c->sent += (size_t)n;
	if (c->sent == c->out.len)
		drop(c);
}

static void accept_clients(struct status_server *s)
{
	for (int k = 0; k < MAX_CLIENTS; k++) {
		struct client *c = &s->client[k];
		if (c->fd >= 0)
			continue;
		c->fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c->fd < 0)
			return;
		c->deadline_ns = sb_now_ns() + (int64_t)CLIENT_MS * 1000000;
		c->in_len = 0;
		c->sent = 0;
		strbuf_init(&c->out);
	}
}

/* The signals the master waits for, read from its signalfd; 0 for none. */
static int read_signal(int sigfd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(sigfd, &si, sizeof(si));
	return n == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
}

static int wait_signal_only(const sigset_t *set, int timeout_ms)
{
	struct timespec tick = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
	int sig = sigtimedwait(set, NULL, &tick);
	return sig > 0 ? sig : 0;
}

/* The descriptors to wait on: the signals, the listener (while a client's place
 * is free), each client; map[k] is the client of pfd[k].  Returns how many. */
static int poll_set(struct status_server *s, struct pollfd *pfd, int *map)
{
	int n = 0, room = 0;
	pfd[n++] = (struct pollfd){s->sigfd, POLLIN, 0};
	pfd[n++] = (struct pollfd){s->fd, 0, 0};
	for (int k = 0; k < MAX_CLIENTS; k++) {
		struct client *c = &s->client[k];
		room |= c->fd < 0;
		if (c->fd < 0)
			continue;
		map[n] = k;
		pfd[n++] = (struct pollfd){c->fd, c->out.len > 0 ? POLLOUT : POLLIN, 0};
	}
	/* with every place taken, new clients wait in the backlog: polling the
	 * listener then would wake us at once, again and again */
	pfd[1].events = room ? POLLIN : 0;
	return n;
}

/* Reads, answers or drops each client poll reported on, and any past its time. */
static void serve_clients(struct status_server *s, const struct pollfd *pfd, const int *map, int n)
{
	for (int k = 2; k < n; k++) {
		struct client *c = &s->client[map[k]];
		if (pfd[k].revents & (POLLERR | POLLHUP | POLLNVAL) && c->out.len == 0)
			drop(c);
		else if (pfd[k].revents & POLLOUT)
			client_write(c);
		else if (pfd[k].revents & POLLIN)
			client_read(s, c);
		if (c->fd >= 0 && sb_now_ns() > c->deadline_ns)
			drop(c); /* too slow: it must not hold a place for ever */
	}
	if (pfd[1].revents & POLLIN)
		accept_clients(s);
}

int status_wait(struct status_server *s, const sigset_t *set, int timeout_ms)
{
	if (s == NULL)
		return wait_signal_only(set, timeout_ms);
	if (s->sigfd < 0)
		s->sigfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return wait_signal_only(set, timeout_ms);
	int64_t end = sb_now_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		struct pollfd pfd[2 + MAX_CLIENTS];
		int map[2 + MAX_CLIENTS];
		int n = poll_set(s, pfd, map);
		int64_t left_ms = (end - sb_now_ns()) / 1000000;
		if (poll(pfd, (nfds_t)n, left_ms > 0 ? (int)left_ms : 0) < 0 && errno != EINTR)
			return wait_signal_only(set, 0);
		serve_clients(s, pfd, map, n);
		int sig = pfd[0].revents & POLLIN ? read_signal(s->sigfd) : 0;
		if (sig != 0 || sb_now_ns() >= end)
			return sig;
	}
}
