/* test_db_hosts: db_hosts parsed into the servers a worker tries, in order, or refused with a reason. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "conf/config.h"

static struct config cfg;
static char err[512];

/* config_load without a file: defaults, then CRM_DB_HOSTS (Criterion runs each test in a
 * process of its own, so the environment is the test's). */
static int load(const char *hosts)
{
	setenv("CRM_DB_HOSTS", hosts, 1);
	err[0] = '\0';
	return config_load(&cfg, NULL, 0, err, sizeof(err));
}

static void teardown(void)
{
	config_free(&cfg);
	unsetenv("CRM_DB_HOSTS");
	unsetenv("CRM_DB_SOCKET");
}

TestSuite(db_hosts, .fini = teardown);

Test(db_hosts, lists_tcp_servers_in_their_order)
{
	cr_assert_eq(load("10.0.0.11:3306,10.0.0.12:3307, db3.example:3308"), 0, "%s", err);
	cr_assert_eq(cfg.db_nservers, 3);
	cr_assert_str_eq(cfg.db_servers[0].host, "10.0.0.11");
	cr_assert_eq(cfg.db_servers[0].port, 3306);
	cr_assert_str_eq(cfg.db_servers[1].host, "10.0.0.12");
	cr_assert_eq(cfg.db_servers[1].port, 3307);
	cr_assert_str_eq(cfg.db_servers[2].host, "db3.example");
	cr_assert_eq(cfg.db_servers[2].port, 3308);
	cr_assert_str_eq(cfg.db_servers[2].socket, "");
}

Test(db_hosts, mixes_sockets_and_hosts_and_takes_db_port_as_the_default)
{
	setenv("CRM_DB_PORT", "3310", 1);
	cr_assert_eq(load("/run/mysqld/a.sock db2"), 0, "%s", err);
	unsetenv("CRM_DB_PORT");
	cr_assert_eq(cfg.db_nservers, 2);
	cr_assert_str_eq(cfg.db_servers[0].socket, "/run/mysqld/a.sock");
	cr_assert_str_eq(cfg.db_servers[0].host, "");
	cr_assert_str_eq(cfg.db_servers[1].host, "db2");
	cr_assert_eq(cfg.db_servers[1].port, 3310);
}

Test(db_hosts, reads_a_bracketed_ipv6_address)
{
	cr_assert_eq(load("[::1]:13306,[fd00::2]"), 0, "%s", err);
	cr_assert_eq(cfg.db_nservers, 2);
	cr_assert_str_eq(cfg.db_servers[0].host, "::1");
	cr_assert_eq(cfg.db_servers[0].port, 13306);
	cr_assert_str_eq(cfg.db_servers[1].host, "fd00::2");
	cr_assert_eq(cfg.db_servers[1].port, 3306);
}

Test(db_hosts, empty_means_the_one_server_of_db_host_or_db_socket)
{
	cr_assert_eq(load(""), 0, "%s", err);
	cr_assert_eq(cfg.db_nservers, 1);
	cr_assert_str_eq(cfg.db_servers[0].host, "localhost");
	cr_assert_eq(cfg.db_servers[0].port, 3306);
	config_free(&cfg);
	setenv("CRM_DB_SOCKET", "/tmp/x.sock", 1);
	cr_assert_eq(load(" , "), 0, "%s", err);
	cr_assert_eq(cfg.db_nservers, 1);
	cr_assert_str_eq(cfg.db_servers[0].socket, "/tmp/x.sock");
}

Test(db_hosts, refuses_a_port_out_of_range)
{
	cr_assert_eq(load("db1:3306,db2:70000"), -1);
	cr_assert(strstr(err, "db2:70000") != NULL, "%s", err);
}

Test(db_hosts, refuses_a_port_that_is_not_a_number)
{
	cr_assert_eq(load("db1:33o6"), -1);
	cr_assert(strstr(err, "db_hosts") != NULL, "%s", err);
}

Test(db_hosts, refuses_a_colon_without_a_port)
{
	cr_assert_eq(load("db1:"), -1);
	cr_assert(strstr(err, "no port") != NULL, "%s", err);
}

Test(db_hosts, refuses_a_port_without_a_host)
{
	cr_assert_eq(load(":3306"), -1);
	cr_assert(strstr(err, "no host") != NULL, "%s", err);
}

Test(db_hosts, refuses_an_unclosed_bracket)
{
	cr_assert_eq(load("[::1:3306"), -1);
	cr_assert(strstr(err, "']'") != NULL, "%s", err);
}

Test(db_hosts, refuses_text_after_a_bracketed_address)
{
	cr_assert_eq(load("[::1]x"), -1);
	cr_assert(strstr(err, "[address]:port") != NULL, "%s", err);
}

Test(db_hosts, refuses_more_than_eight_servers)
{
	cr_assert_eq(load("a,b,c,d,e,f,g,h,i"), -1);
	cr_assert(strstr(err, "more than 8") != NULL, "%s", err);
}

Test(db_hosts, takes_eight_servers)
{
	cr_assert_eq(load("a,b,c,d,e,f,g,h"), 0, "%s", err);
	cr_assert_eq(cfg.db_nservers, 8);
	cr_assert_str_eq(cfg.db_servers[7].host, "h");
}

Test(db_hosts, db_sync_wait_is_one_by_default_and_checked)
{
	cr_assert_eq(load(""), 0, "%s", err);
	cr_assert_eq(cfg.db_sync_wait, 1);
	config_free(&cfg);
	setenv("CRM_DB_SYNC_WAIT", "16", 1);
	cr_assert_eq(load(""), -1);
	unsetenv("CRM_DB_SYNC_WAIT");
	cr_assert(strstr(err, "db_sync_wait") != NULL, "%s", err);
}
