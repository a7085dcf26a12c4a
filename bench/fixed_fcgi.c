/* fixed_fcgi: the benchmark's ceilings 2 and 3 — a minimal libfcgi program answering a fixed JSON. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

/*
 * Usage: fixed_fcgi SOCKET PROCESSES [--size BYTES] [--print-body]
 *
 * Without --size the body is the 1.5 KB JSON that nginx serves by itself for
 * ceiling 1 (and fixed-fcgi for ceiling 2).  With --size it is a JSON of
 * exactly BYTES bytes (64 ..  64 MiB) made the same way and padded: ceiling 3,
 * sized by bench.sh like the median default list page of the data set, so that
 * a list scenario is compared with moving the same bytes through libfcgi,
 * nginx and the socket.
 */
#define BODY_DEFAULT_SIZE 1450
#define BODY_MIN_SIZE     64
#define BODY_MAX_SIZE     (64L * 1024 * 1024)

static char *body;
static size_t body_len;

/* make_body: a JSON of items up to about SIZE bytes; with EXACT, padded to SIZE exactly.
 * Returns 0, or -1 when out of memory.  The body lives until exit. */
static int make_body(size_t size, int exact)
{
	static const char tail[] = "],\"pad\":\"\"}";
	size_t cap = size + 64;
	body = malloc(cap);
	if (body == NULL)
		return -1;
	size_t n = (size_t)snprintf(body, cap, "{\"items\":[");
	char item[64];
	for (int i = 0;; i++) {
		int k = snprintf(item, sizeof(item), "%s{\"id\":%d,\"name\":\"item %04d\"}",
		                 i ? "," : "", i, i);
		/* the default body: items while below its size, as it always was */
		if (!exact && n >= size)
			break;
		if (exact && n + (size_t)k + sizeof(tail) - 1 > size)
			break;
		memcpy(body + n, item, (size_t)k);
		n += (size_t)k;
	}
	if (!exact) {
		n += (size_t)snprintf(body + n, cap - n, "]}");
	} else {
		/* ],"pad":"xxx"} up to SIZE bytes */
		n += (size_t)snprintf(body + n, cap - n, "],\"pad\":\"");
		while (n < size - 2)
			body[n++] = 'x';
		n += (size_t)snprintf(body + n, cap - n, "\"}");
	}
	body_len = n;
	return 0;
}

static void serve(int fd)
{
	FCGX_Request req;
	FCGX_Init();
	FCGX_InitRequest(&req, fd, 0);
	char head[160];
	int hn = snprintf(
	        head, sizeof(head),
	        "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	        body_len);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(head, hn, req.out);
		FCGX_PutStr(body, (int)body_len, req.out);
		FCGX_Finish_r(&req);
	}
	exit(0);
}

/* parse_long: S as a decimal number in MIN..MAX into OUT; 0, or -1 when it is not one. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr,
		        "usage: fixed_fcgi SOCKET PROCESSES [--size BYTES] [--print-body]\n");
		return 2;
	}
	long size = BODY_DEFAULT_SIZE;
	int exact = 0, print = 0;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--print-body") == 0) {
			print = 1;
		} else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc &&
		           parse_long(argv[i + 1], BODY_MIN_SIZE, BODY_MAX_SIZE, &size) == 0) {
			exact = 1;
			i++;
		} else {
			fprintf(stderr, "fixed_fcgi: bad argument %s (--size: %d..%ld bytes)\n",
			        argv[i], BODY_MIN_SIZE, BODY_MAX_SIZE);
			return 2;
		}
	}
	if (make_body((size_t)size, exact) != 0) {
		perror("fixed_fcgi: body");
		return 1;
	}
	if (print) {
		fwrite(body, 1, body_len, stdout);
		return 0;
	}
	/* as many processes as the pool has workers; outside 1..63 one, as it always was */
	long n = 1;
	if (parse_long(argv[2], 1, 63, &n) != 0)
		fprintf(stderr, "fixed_fcgi: PROCESSES %s: not in 1..63, running 1\n", argv[2]);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
		perror("fixed_fcgi: listen");
		return 1;
	}
	for (long i = 0; i < n; i++)
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM); /* die with the parent */
			serve(fd);
		}
	while (wait(NULL) > 0)
		;
	return 0;
}
