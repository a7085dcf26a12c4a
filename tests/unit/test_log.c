/* test_log: client-chosen values cannot forge a log line or a field of one. */
#include <string.h>

#include <criterion/criterion.h>

#include "fcgi/fcgi.h"

Test(log, keeps_plain_printable_ascii)
{
	char out[64];
	cr_assert_str_eq(log_escape(out, sizeof(out), "hollandtech-u1"), "hollandtech-u1");
}

Test(log, an_empty_or_missing_value_is_a_dash)
{
	char out[16];
	cr_assert_str_eq(log_escape(out, sizeof(out), ""), "-");
	cr_assert_str_eq(log_escape(out, sizeof(out), NULL), "-");
}

Test(log, a_space_cannot_start_a_forged_field)
{
	char out[128];
	cr_assert_str_eq(log_escape(out, sizeof(out), "acme status=200"),
	                 "acme\\x20status\\x3d200");
}

Test(log, line_breaks_of_every_kind_are_escaped)
{
	char out[128];
	/* CR, LF, U+2028 LINE SEPARATOR, U+0085 NEXT LINE */
	cr_assert_str_eq(log_escape(out, sizeof(out),
	                            "a\r\nb\xE2\x80\xA8"
	                            "c\xC2\x85"),
	                 "a\\x0d\\x0ab\\xe2\\x80\\xa8c\\xc2\\x85");
}

Test(log, quotes_and_backslashes_are_escaped)
{
	char out[128];
	cr_assert_str_eq(log_escape(out, sizeof(out), "a\"b\\x41"), "a\\x22b\\x5cx41");
}

Test(log, ansi_escapes_are_escaped)
{
	char out[128];
	cr_assert_str_eq(log_escape(out, sizeof(out), "\x1b[31mred"), "\\x1b[31mred");
}

Test(log, a_long_value_is_cut_with_an_ellipsis_within_the_buffer)
{
	char in[300], out[32];
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	log_escape(out, sizeof(out), in);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert_str_eq(out + strlen(out) - 3, "...");
	memset(in, '\n', sizeof(in) - 1);
	log_escape(out, sizeof(out), in);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert_str_eq(out + strlen(out) - 3, "...");
}

/* The app's fields as app_log_fields reports them: tenant and user, then the route. */
static struct log_fields app_fields(const char *tenant, const char *user, const char *route)
{
	struct log_fields f;
	memset(&f, 0, sizeof(f));
	f.n = 2;
	f.field[0].key = "tenant";
	f.field[0].value = tenant;
	f.field[1].key = "user";
	f.field[1].value = user;
	f.route = route;
	return f;
}

Test(log, the_request_line_keeps_its_fields_in_their_order)
{
	struct request req = {.method = "GET", .request_id = "3f2a9c"};
	struct log_fields f = app_fields("acme", "u-1", "customers.get");
	char line[1024];
	cr_assert_str_eq(log_request_line(line, sizeof(line), &req, &f, 200, 1.5, NULL),
	                 "id=3f2a9c tenant=acme user=u-1 GET customers.get status=200 ms=1.50");
}

Test(log, a_request_without_caller_or_route_logs_dashes)
{
	struct request req = {.method = "GET", .request_id = "-"};
	struct log_fields f = app_fields("", "", NULL);
	char line[1024];
	cr_assert_str_eq(log_request_line(line, sizeof(line), &req, &f, 404, 0.25, NULL),
	                 "id=- tenant=- user=- GET - status=404 ms=0.25");
}

Test(log, the_apps_values_cannot_forge_a_field_or_a_line)
{
	struct request req = {.method = "GET\r\n", .request_id = "a b"};
	struct log_fields f = app_fields("acme status=200", "u\n1", "x y");
	char line[1024];
	cr_assert_str_eq(log_request_line(line, sizeof(line), &req, &f, 401, 2, NULL),
	                 "id=a\\x20b tenant=acme\\x20status\\x3d200 user=u\\x0a1 GET\\x0d\\x0a "
	                 "x\\x20y status=401 ms=2.00");
}

Test(log, a_line_longer_than_its_buffer_is_cut_within_it)
{
	char tenant[257], line[64];
	memset(tenant, 't', sizeof(tenant) - 1);
	tenant[sizeof(tenant) - 1] = '\0';
	struct request req = {.method = "GET", .request_id = "r"};
	struct log_fields f = app_fields(tenant, "u", "customers.get");
	log_request_line(line, sizeof(line), &req, &f, 200, 1, NULL);
	cr_assert_eq(strlen(line), sizeof(line) - 1);
	cr_assert_eq(strncmp(line, "id=r tenant=ttt", 15), 0);
}

Test(log, the_pool_adds_worker_bytes_and_database_time)
{
	char line[256];
	struct request req = {.method = "GET", .request_id = "r1"};
	struct log_fields f = app_fields("acme", "u1", "customers.get");
	struct log_extra x = {4242, 5120, 1.5};
	cr_assert_str_eq(log_request_line(line, sizeof(line), &req, &f, 200, 2.25, &x),
	                 "id=r1 tenant=acme user=u1 GET customers.get status=200 ms=2.25 "
	                 "pid=4242 bytes=5120 db_ms=1.50");
}

Test(log, queue_wait_is_read_from_nginx_msec_only)
{
	double ms = -1;
	cr_assert_eq(queue_wait_ms("1000000000.000", &ms), 0);
	cr_assert_gt(ms, 1e9, "a start long ago waited long: %f", ms);
	static const char *const bad[] = {"", "abc", "-5", "12x", "1.5.6", " 12", NULL};
	cr_assert_eq(queue_wait_ms(NULL, &ms), -1);
	for (size_t i = 0; bad[i] != NULL; i++)
		cr_assert_eq(queue_wait_ms(bad[i], &ms), -1, "'%s' was taken", bad[i]);
}
