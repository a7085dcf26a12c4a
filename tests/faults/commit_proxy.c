/* commit_proxy: a TCP proxy in front of MariaDB's socket that can lose a COMMIT, or its answer. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/faults/commit_proxy.h"

#define MAX_PAIRS 32
#define BUF_SIZE  65536
/* COM_QUERY "COMMIT": length 7 (little-endian), sequence 0, 0x03, the text */
static const unsigned char commit_packet[] = {0x07, 0x00, 0x00, 0x00, 0x03, 'C',
                                              'O',  'M',  'M',  'I',  'T'};
#define HEADER_SIZE      4
#define COM_QUERY        0x03
#define COM_STMT_PREPARE 0x16
#define COM_STMT_EXECUTE 0x17
/* the statement a change without If-Match commits itself with (model/stmt.c,
 * STMT_CUSTOMER_UPDATE_IF_TAG): its executions count as COMMITs */
static const char committing_marker[] = "AND list_tag = ?";
/* a packet's start held back to judge it: a COMMIT whole, an execution's statement id, or a
 * prepared statement's text whole (up to this) */
#define HOLD_MAX 8192

/* One client's connection and the proxy's to the server for it. */
struct pair {
	int client, server; /* -1: the slot is free */
	/* the client's stream: bytes of the current packet still to pass on, and the
	 * start of a packet held back until it is known whether it is a COMMIT */
	size_t left;
	unsigned char held[HOLD_MAX];
	size_t nheld;
	int awaiting_answer; /* CP_ANSWER_LOST: the COMMIT went through; drop what answers it */
	int preparing;       /* the committing statement is being prepared: the answer has its id */
	int has_committing;
	uint32_t committing_id; /* its statement id on this connection */
};

struct commit_proxy {
	pthread_t tid;
	int started;
	int listener;
	int wake[2]; /* cp_stop writes to wake[1] */
	int port;
	atomic_int mode;
	atomic_int fired;
	struct pair pairs[MAX_PAIRS];
	unsigned char buf[BUF_SIZE]; /* the proxy thread's */
	char upstream[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int send_all(int fd, const unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static void pair_close(struct pair *x)
{
	if (x->client >= 0)
		close(x->client);
	if (x->server >= 0)
		close(x->server);
	memset(x, 0, sizeof(*x));
	x->client = x->server = -1;
}

static int connect_upstream(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void accept_one(struct commit_proxy *p)
{
	int c = accept4(p->listener, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	struct pair *x = NULL;
	for (int i = 0; i < MAX_PAIRS && x == NULL; i++)
		if (p->pairs[i].client < 0)
			x = &p->pairs[i];
	int s = x != NULL ? connect_upstream(p->upstream) : -1;
	if (s < 0) {
		fprintf(stderr, "commit_proxy: %s\n",
		        x == NULL ? "no free slot" : "cannot connect to the server");
		close(c);
		return;
	}
	x->client = c;
	x->server = s;
}

static size_t packet_len(const unsigned char *h)
{
	return (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
}

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* How much of the packet whose start is held to hold before judging it. */
static size_t hold_for(const struct pair *x)
{
	size_t whole = HEADER_SIZE + packet_len(x->held);
	size_t want = HEADER_SIZE + 1; /* the command */
	if (x->nheld > HEADER_SIZE) {
		unsigned char cmd = x->held[HEADER_SIZE];
		if (cmd == COM_QUERY && whole == sizeof(commit_packet))
			want = whole;
		else if (cmd == COM_STMT_EXECUTE)
			want = HEADER_SIZE + 5; /* and its statement id */
		else if (cmd == COM_STMT_PREPARE)
			want = whole;
	}
	if (x->held[3] != 0) /* not a command's first packet */
		want = HEADER_SIZE;
	want = want < whole ? want : whole;
	return want < HOLD_MAX ? want : HOLD_MAX;
}

/*
 * The held start of a packet is complete enough to judge: 0 to go on, 1 when
 * the pair is to be closed (the armed mode broke this COMMIT).
 */
static int judge_held(struct commit_proxy *p, struct pair *x)
{
	size_t len = packet_len(x->held);
	int is_commit = x->nheld == sizeof(commit_packet) &&
	                memcmp(x->held, commit_packet, sizeof(commit_packet)) == 0;
	int command = x->held[3] == 0 && x->nheld > HEADER_SIZE; /* a command's first packet */
	is_commit = is_commit || (command && x->has_committing && x->nheld >= HEADER_SIZE + 5 &&
	                          x->held[HEADER_SIZE] == COM_STMT_EXECUTE &&
	                          le32(x->held + HEADER_SIZE + 1) == x->committing_id);
	if (command && x->held[HEADER_SIZE] == COM_STMT_PREPARE &&
	    memmem(x->held + HEADER_SIZE + 1, x->nheld - HEADER_SIZE - 1, committing_marker,
	           sizeof(committing_marker) - 1) != NULL)
		x->preparing = 1;
	enum cp_mode mode = is_commit ? (enum cp_mode)atomic_exchange(&p->mode, CP_PASS) : CP_PASS;
	if (mode == CP_REQUEST_LOST) {
		atomic_fetch_add(&p->fired, 1);
		return 1;
	}
	if (send_all(x->server, x->held, x->nheld) != 0)
		return 1;
	if (mode == CP_ANSWER_LOST) {
		atomic_fetch_add(&p->fired, 1);
		x->awaiting_answer = 1;
	}
	x->left = HEADER_SIZE + len - x->nheld;
	x->nheld = 0;
	return 0;
}

/* Passes n bytes of the client's stream on, a packet's start held until judged; 1: close. */
static int from_client(struct commit_proxy *p, struct pair *x, const unsigned char *b, size_t n)
{
	while (n > 0) {
		if (x->left > 0) {
			size_t k = n < x->left ? n : x->left;
			if (send_all(x->server, b, k) != 0)
				return 1;
			x->left -= k;
			b += k;
			n -= k;
			continue;
		}
		/* a packet starts: its header is held, and as much of it as judging takes */
		x->held[x->nheld++] = *b++;
		n--;
		if (x->nheld < HEADER_SIZE || x->nheld < hold_for(x))
			continue;
		if (judge_held(p, x) != 0)
			return 1;
	}
	return 0;
}

/* Moves what fd has to its peer; 1 when the pair is to be closed. */
static int relay(struct commit_proxy *p, struct pair *x, int from_server)
{
	unsigned char *buf = p->buf;
	ssize_t n = recv(from_server ? x->server : x->client, buf, sizeof(p->buf), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return 1;
	if (!from_server)
		return from_client(p, x, buf, (size_t)n);
	/* COM_STMT_PREPARE_OK of the committing statement: 0x00, then its id */
	if (x->preparing && n >= HEADER_SIZE + 5 && buf[HEADER_SIZE] == 0x00) {
		x->committing_id = le32(buf + HEADER_SIZE + 1);
		x->has_committing = 1;
	}
	x->preparing = 0;
	/* the server answered the COMMIT: it has committed; the client never hears it */
	if (x->awaiting_answer)
		return 1;
	return send_all(x->client, buf, (size_t)n) != 0;
}

static void *proxy_main(void *arg)
{
	struct commit_proxy *p = arg;
	struct pollfd fds[2 + 2 * MAX_PAIRS];
	struct pair *owner[2 + 2 * MAX_PAIRS];
	for (;;) {
		nfds_t n = 0;
		fds[n++] = (struct pollfd){p->wake[0], POLLIN, 0};
		fds[n++] = (struct pollfd){p->listener, POLLIN, 0};
		for (int i = 0; i < MAX_PAIRS; i++) {
			struct pair *x = &p->pairs[i];
			if (x->client < 0)
				continue;
			owner[n] = x;
			fds[n++] = (struct pollfd){x->client, POLLIN, 0};
			owner[n] = x;
			fds[n++] = (struct pollfd){x->server, POLLIN, 0};
		}
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents != 0)
			break;
		if (fds[1].revents & POLLIN)
			accept_one(p);
		for (nfds_t i = 2; i < n; i++) {
			struct pair *x = owner[i];
			/* x->client < 0: the pair was closed earlier in this round */
			if (fds[i].revents == 0 || x->client < 0)
				continue;
			if (relay(p, x, fds[i].fd == x->server) != 0)
				pair_close(x);
		}
	}
	for (int i = 0; i < MAX_PAIRS; i++)
		if (p->pairs[i].client >= 0)
			pair_close(&p->pairs[i]);
	return NULL;
}

struct commit_proxy *cp_start(const char *upstream_socket)
{
	struct commit_proxy *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->listener = p->wake[0] = p->wake[1] = -1;
	for (int i = 0; i < MAX_PAIRS; i++)
		p->pairs[i].client = p->pairs[i].server = -1;
	atomic_init(&p->mode, CP_PASS);
	atomic_init(&p->fired, 0);
	snprintf(p->upstream, sizeof(p->upstream), "%s", upstream_socket);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	const char *failed = NULL;
	p->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->listener < 0 || bind(p->listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(p->listener, 16) != 0 ||
	    getsockname(p->listener, (struct sockaddr *)&a, &alen) != 0)
		failed = "listen on 127.0.0.1";
	else if (pipe2(p->wake, O_CLOEXEC) != 0)
		failed = "pipe";
	else if (pthread_create(&p->tid, NULL, proxy_main, p) != 0)
		failed = "pthread_create";
	if (failed != NULL) {
		fprintf(stderr, "commit_proxy: %s: %s\n", failed, strerror(errno));
		cp_stop(p);
		return NULL;
	}
	p->started = 1;
	p->port = ntohs(a.sin_port);
	return p;
}

int cp_port(const struct commit_proxy *p)
{
	return p->port;
}

void cp_arm(struct commit_proxy *p, enum cp_mode mode)
{
	atomic_store(&p->mode, mode);
}

int cp_fired(const struct commit_proxy *p)
{
	return atomic_load(&((struct commit_proxy *)p)->fired);
}

void cp_stop(struct commit_proxy *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		ssize_t w;
		do
			w = write(p->wake[1], "x", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(p->tid, NULL);
	}
	if (p->listener >= 0)
		close(p->listener);
	for (int i = 0; i < 2; i++)
		if (p->wake[i] >= 0)
			close(p->wake[i]);
	free(p);
}
