/* activation: the listening socket a parent handed us (systemd's LISTEN_FDS, or fd 0 as spawn-fcgi does). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include <systemd/sd-daemon.h>

#include "fcgi/fcgi.h"

/* A stream socket in the listening state: anything else on fd 0 is just our stdin. */
static int is_listening_stream(int fd)
{
	return sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0;
}

/*
 * The workers poll the socket and then accept: another worker may win the
 * connection, so accept(2) must return EAGAIN then instead of blocking.
 * systemd hands its sockets over blocking, spawn-fcgi too.
 */
static int make_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
		log_msg("error", "cannot make the inherited socket (fd %d) non-blocking: %s", fd,
		        strerror(errno));
		return -1;
	}
	return 0;
}

int activation_listen_fd(void)
{
	/* unset LISTEN_FDS and LISTEN_PID: they name this process only, and the
	 * workers and anything they run must not take them for their own */
	int n = sd_listen_fds(1);
	if (n < 0) {
		log_msg("error", "LISTEN_FDS cannot be used: %s", strerror(-n));
		return ACTIVATION_ERROR;
	}
	int fd = -1;
	if (n > 0) {
		fd = SD_LISTEN_FDS_START;
		if (n > 1)
			log_msg("warn", "%d sockets passed in LISTEN_FDS; serving the first only",
			        n);
		if (!is_listening_stream(fd)) {
			log_msg("error",
			        "the socket passed in LISTEN_FDS is not a listening stream socket");
			return ACTIVATION_ERROR;
		}
	} else if (is_listening_stream(0)) {
		fd = 0; /* spawn-fcgi, and anything else that starts FastCGI programs the libfcgi way */
	} else {
		return ACTIVATION_NONE;
	}
	return make_nonblocking(fd) == 0 ? fd : ACTIVATION_ERROR;
}
