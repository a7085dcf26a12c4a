/* listen_queue: how many connections wait in the listening socket's backlog for a worker, read from the kernel. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "fcgi/scoreboard.h"

#define LISTENING 10 /* TCP_LISTEN, the state unix_diag reports for a listening socket */

/*
 * A unix socket: /proc/net/unix shows no queue, and ioctl(SIOCINQ) refuses
 * a listening socket, so we ask sock_diag over netlink (what `ss -xl`
 * does) for that one socket by its inode, with UDIAG_SHOW_RQLEN: for a
 * listening socket the kernel answers the connections waiting in its
 * accept queue (udiag_rqueue) and the backlog it was given (udiag_wqueue).
 */
static int unix_queue(int fd, long long *queue, long long *backlog)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -1;
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} ask;
	memset(&ask, 0, sizeof(ask));
	ask.nlh.nlmsg_len = sizeof(ask);
	ask.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	ask.nlh.nlmsg_flags = NLM_F_REQUEST;
	ask.req.sdiag_family = AF_UNIX;
	ask.req.udiag_states = 1u << LISTENING;
	ask.req.udiag_ino = (__u32)st.st_ino;
	ask.req.udiag_show = UDIAG_SHOW_RQLEN;
	ask.req.udiag_cookie[0] = INET_DIAG_NOCOOKIE;
	ask.req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	/* the answer: one message of a few dozen bytes; a timeout keeps a
	 * kernel that never answers from holding the master */
	struct timeval tv = {0, 200000};
	setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	long buf[256];
	ssize_t n = send(nl, &ask, sizeof(ask), 0) == (ssize_t)sizeof(ask)
	                    ? recv(nl, buf, sizeof(buf), 0)
	                    : -1;
	close(nl);
	int rc = -1;
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf;
	if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -1;
	struct unix_diag_msg *m = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)(void *)(m + 1);
	int left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type != UNIX_DIAG_RQLEN ||
		    RTA_PAYLOAD(a) < (int)sizeof(struct unix_diag_rqlen))
			continue;
		const struct unix_diag_rqlen *q = RTA_DATA(a);
		*queue = q->udiag_rqueue;
		*backlog = q->udiag_wqueue;
		rc = 0;
	}
	return rc;
}

/* TCP (a socket systemd passed): for a listening socket TCP_INFO reports the
 * accept queue in tcpi_unacked and the backlog in tcpi_sacked. */
static int tcp_queue(int fd, long long *queue, long long *backlog)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -1;
	*queue = ti.tcpi_unacked;
	*backlog = ti.tcpi_sacked;
	return 0;
}

int listen_queue_read(int fd, long long *queue, long long *backlog)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	if (sa.ss_family == AF_UNIX)
		return unix_queue(fd, queue, backlog);
	if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6)
		return tcp_queue(fd, queue, backlog);
	errno = EAFNOSUPPORT;
	return -1;
}
