/* commit_proxy: a TCP proxy in front of MariaDB's socket that can lose a COMMIT, or its answer. */
#ifndef CRM_TEST_COMMIT_PROXY_H
#define CRM_TEST_COMMIT_PROXY_H

/*
 * The service's pool connects to 127.0.0.1:cp_port() (db_hosts); each
 * connection is forwarded, byte for byte both ways, to MariaDB's unix socket.
 * Armed, the proxy watches what clients send for a COM_QUERY "COMMIT" (a
 * packet of 3-byte little-endian length 7, sequence 0, payload 0x03
 * "COMMIT": how mysql_real_query sends it; no TLS, no compression here) and
 * breaks the connection that sends the next one.  An execution of the
 * statement a change without If-Match commits itself with (prepared on the
 * same connection, its text holding "AND list_tag = ?") counts as a COMMIT:
 * it is the change's commit.
 *   CP_ANSWER_LOST   the COMMIT goes to the server; once the server answers
 *                    (it has committed), both sockets are closed without
 *                    passing the answer on: the change is stored, the client
 *                    cannot know;
 *   CP_REQUEST_LOST  both sockets are closed without passing the COMMIT on:
 *                    the server rolls the transaction back.
 * Once fired, the proxy is disarmed: later connections are forwarded as they are.
 * One thread runs the proxy; the functions below may be called from the test thread.
 */
enum cp_mode { CP_PASS, CP_ANSWER_LOST, CP_REQUEST_LOST };

struct commit_proxy;

/* Listens on 127.0.0.1 (a port the kernel picks) and forwards to upstream_socket.
 * NULL (with the reason on stderr) when it cannot. */
struct commit_proxy *cp_start(const char *upstream_socket);
int cp_port(const struct commit_proxy *p);
/* The next COMMIT on any connection gets mode (CP_PASS: disarm). */
void cp_arm(struct commit_proxy *p, enum cp_mode mode);
/* How many COMMITs the proxy has broken since it started. */
int cp_fired(const struct commit_proxy *p);
/* Stops the thread, closes every socket and frees p (NULL-safe). */
void cp_stop(struct commit_proxy *p);

#endif
