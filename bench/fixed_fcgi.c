/* fixed_fcgi: the benchmark's second ceiling — a minimal libfcgi program answering a fixed JSON. */
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

/* The same 1.5 KB JSON that nginx serves by itself for ceiling 1. */
static char body[1600];

static void make_body(void)
{
	size_t n = (size_t)snprintf(body, sizeof(body), "{\"items\":[");
	for (int i = 0; n < 1450; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		                      "%s{\"id\":%d,\"name\":\"item %04d\"}", i ? "," : "", i, i);
	snprintf(body + n, sizeof(body) - n, "]}");
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
	        strlen(body));
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(head, hn, req.out);
		FCGX_PutStr(body, (int)strlen(body), req.out);
		FCGX_Finish_r(&req);
	}
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fixed_fcgi SOCKET PROCESSES [--print-body]\n");
		return 2;
	}
	make_body();
	if (argc > 3 && strcmp(argv[3], "--print-body") == 0) {
		fputs(body, stdout);
		return 0;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
		perror("fixed_fcgi: listen");
		return 1;
	}
	long n = strtol(argv[2], NULL, 10);
	for (long i = 0; i < (n > 0 && n < 64 ? n : 1); i++)
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM); /* die with the parent */
			serve(fd);
		}
	while (wait(NULL) > 0)
		;
	return 0;
}
