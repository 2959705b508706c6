/*
 * test_lib_ftp_url.c: what the FTP proxy and the ftp:// gateway add to
 * the protocol core: ftp:// request targets in lib/http.c (the login
 * allowed in the userinfo of that scheme alone), the userinfo decoder,
 * path resolution and URL formatting for the logs, the data-peer check
 * and the gateway client's active-only mode.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftp.h"
#include "http.h"
#include "unit.h"

static struct http_msg	 msg;

static int	req(const char *);
static int	span_eq(const char *, size_t, const char *);
static void	ip(const char *, uint16_t, struct addr *);

static int
req(const char *s)
{
	return (http_parse_request(&msg, s, strlen(s), NULL));
}

static int
span_eq(const char *p, size_t len, const char *s)
{
	return (p != NULL && len == strlen(s) && memcmp(p, s, len) == 0);
}

static void
ip(const char *s, uint16_t port, struct addr *a)
{
	const char	*cause;

	CU_ASSERT_EQUAL_FATAL(addr_parse(s, a, &cause), 0);
	a->port = port;
}

static void
test_http_ftp_target_plain(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET ftp://ftp.example/pub/f.txt HTTP/1.1\r\n"
	    "Host: ftp.example\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_FTP);
	CU_ASSERT_EQUAL(msg.port, 21);
	CU_ASSERT_PTR_NULL(msg.userinfo);
	CU_ASSERT(span_eq(msg.host, msg.host_len, "ftp.example"));
	CU_ASSERT(span_eq(msg.path, msg.path_len, "/pub/f.txt"));
	/* curl names the default port in Host: the same authority. */
	CU_ASSERT_EQUAL(req("GET ftp://198.18.0.200/pub/ HTTP/1.1\r\n"
	    "Host: 198.18.0.200:21\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(req("GET FTP://h.example:2121/ HTTP/1.1\r\n"
	    "Host: h.example:2121\r\n\r\n"), HTTP_DONE);
	CU_ASSERT_EQUAL(msg.scheme, HTTP_SCHEME_FTP);
	CU_ASSERT_EQUAL(msg.port, 2121);
	CU_ASSERT_EQUAL(req("GET ftp://h.example/ HTTP/1.1\r\n"
	    "Host: h.example:2121\r\n\r\n"), HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(msg.error, "conflicting Host");
}

static void
test_http_ftp_target_userinfo(void)
{
	CU_ASSERT_EQUAL_FATAL(req("GET ftp://bob:s%40cret@198.18.0.200/a "
	    "HTTP/1.1\r\nHost: 198.18.0.200:21\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.userinfo, msg.userinfo_len, "bob:s%40cret"));
	CU_ASSERT(span_eq(msg.authority, msg.authority_len, "198.18.0.200"));
	CU_ASSERT(span_eq(msg.host, msg.host_len, "198.18.0.200"));
	CU_ASSERT_EQUAL(msg.port, 21);
	CU_ASSERT_EQUAL(req("GET ftp://anonymous@[::1]:2121/ HTTP/1.1\r\n"
	    "Host: [::1]:2121\r\n\r\n"), HTTP_DONE);
	CU_ASSERT(span_eq(msg.userinfo, msg.userinfo_len, "anonymous"));
	CU_ASSERT(msg.host_ipv6);
	CU_ASSERT_EQUAL(msg.port, 2121);
	/* Every sub-delim and ':' in the password. */
	CU_ASSERT_EQUAL(req("GET ftp://u:!$&'()*+,;=:-._~@h/ HTTP/1.1\r\n"
	    "Host: h\r\n\r\n"), HTTP_DONE);
}

static void
test_http_ftp_target_userinfo_refused(void)
{
	static const char *const bad[] = {
		"GET ftp://@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET ftp://:pw@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET ftp://u%zz@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET ftp://u%4@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET ftp://u[x]@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET ftp://u|x@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET ftp://u^x@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
	};
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(req(bad[i]), HTTP_ERROR);
		CU_ASSERT_EQUAL(msg.status, 400);
		CU_ASSERT_STRING_EQUAL(msg.error,
		    "invalid userinfo in ftp:// request-target");
	}
	/* A second '@' leaves one in the host part: still userinfo. */
	CU_ASSERT_EQUAL(req("GET ftp://a@good.example@evil.example/ "
	    "HTTP/1.1\r\nHost: evil.example\r\n\r\n"), HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(msg.error, "userinfo in request-target");
	/* The other schemes keep refusing userinfo. */
	CU_ASSERT_EQUAL(req("GET http://u:p@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	    HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(msg.error, "userinfo in request-target");
	CU_ASSERT_EQUAL(req("GET ftps://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	    HTTP_ERROR);
	CU_ASSERT_STRING_EQUAL(msg.error, "userinfo in request-target");
	/* Host must name the host, not the login. */
	CU_ASSERT_EQUAL(req("GET ftp://u@h/ HTTP/1.1\r\nHost: u@h\r\n\r\n"),
	    HTTP_ERROR);
	/* An '@' after the authority is a path byte. */
	CU_ASSERT_EQUAL(req("GET ftp://h/a@b HTTP/1.1\r\nHost: h\r\n\r\n"),
	    HTTP_DONE);
	CU_ASSERT_PTR_NULL(msg.userinfo);
}

static void
test_ftp_userinfo_decode(void)
{
	char		 user[FTP_LINE_MAX + 1], pass[FTP_LINE_MAX + 1];
	const char	*cause;
	int		 has;

	CU_ASSERT_EQUAL(ftp_userinfo_decode("bob:s%40cret", 12, user, pass,
	    &has, &cause), 0);
	CU_ASSERT_STRING_EQUAL(user, "bob");
	CU_ASSERT_STRING_EQUAL(pass, "s@cret");
	CU_ASSERT(has);
	CU_ASSERT_EQUAL(ftp_userinfo_decode("a%20b", 5, user, pass, &has,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(user, "a b");
	CU_ASSERT_STRING_EQUAL(pass, "");
	CU_ASSERT(!has);
	CU_ASSERT_EQUAL(ftp_userinfo_decode("u:", 2, user, pass, &has,
	    &cause), 0);
	CU_ASSERT(has);
	CU_ASSERT_STRING_EQUAL(pass, "");
	/* A colon in the password is the password's. */
	CU_ASSERT_EQUAL(ftp_userinfo_decode("u:a:b", 5, user, pass, &has,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(pass, "a:b");
	/* CR LF would end the USER or PASS command: never. */
	CU_ASSERT_EQUAL(ftp_userinfo_decode("u%0D%0ADELE%20x", 15, user, pass,
	    &has, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "invalid FTP user name in URL");
	CU_ASSERT_EQUAL(ftp_userinfo_decode("u:p%0A", 6, user, pass, &has,
	    &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "invalid FTP password in URL");
	CU_ASSERT_EQUAL(ftp_userinfo_decode("u:p%00", 6, user, pass, &has,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_userinfo_decode(":p", 2, user, pass, &has,
	    &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "empty FTP user name");
}

static void
test_ftp_basic_decode(void)
{
	char		 user[FTP_LINE_MAX + 1], pass[FTP_LINE_MAX + 1];
	const char	*cause;

	/* "tpuser:tp-Secret.1" and "a:" */
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic dHB1c2VyOnRwLVNlY3JldC4x", 30,
	    user, pass, &cause), 0);
	CU_ASSERT_STRING_EQUAL(user, "tpuser");
	CU_ASSERT_STRING_EQUAL(pass, "tp-Secret.1");
	CU_ASSERT_EQUAL(ftp_basic_decode("basic   YTo=", 12, user, pass,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(user, "a");
	CU_ASSERT_STRING_EQUAL(pass, "");
	/* "u:p\r\nDELE x": a command smuggled in a password. */
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic dTpwDQpERUxFIHg=", 22, user,
	    pass, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "control character in Basic "
	    "credentials");
	/* ":p", "nocolon", bytes that are not base64, bad padding. */
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic OnA=", 10, user, pass,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic bm9jb2xvbg==", 18, user, pass,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic dTp*", 10, user, pass,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic dT=w", 10, user, pass,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic dTp", 9, user, pass,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_basic_decode("Basic AAAA", 10, user, pass,
	    &cause), -1);
	CU_ASSERT_EQUAL(ftp_basic_decode("Digest x", 8, user, pass, &cause),
	    -1);
	CU_ASSERT_STRING_EQUAL(cause, "not Basic credentials");
}

static void
test_ftp_path_resolve(void)
{
	static const struct {
		const char	*cwd, *arg, *want;
	} t[] = {
		{ "/", "file.bin", "/file.bin" },
		{ "/pub", "file.bin", "/pub/file.bin" },
		{ "/pub/", "sub/x", "/pub/sub/x" },
		{ "/pub", "/etc/motd", "/etc/motd" },
		{ "/pub", "..", "/" },
		{ "/", "../../x", "/x" },
		{ "/a/b", "../c/./d//e", "/a/c/d/e" },
		{ "/a", "", "/a" },
		{ "/a", ".", "/a" },
		{ "/", "read me.txt", "/read me.txt" },
	};
	char	 out[64];
	size_t	 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		CU_ASSERT_EQUAL(ftp_path_resolve(t[i].cwd, t[i].arg, out,
		    sizeof out), 0);
		if (strcmp(out, t[i].want) != 0)
			fprintf(stderr, "\n%s + %s: %s, not %s\n", t[i].cwd,
			    t[i].arg, out, t[i].want);
		CU_ASSERT_STRING_EQUAL(out, t[i].want);
	}
	CU_ASSERT_EQUAL(ftp_path_resolve("/", "abcdefgh", out, 8), -1);
	CU_ASSERT_EQUAL(ftp_path_resolve("/", "abcdef", out, 8), 0);
}

static void
test_ftp_url_format(void)
{
	char	 b[128];

	ftp_url_format(b, sizeof b, "anonymous", "198.18.0.200", AF_INET, 21,
	    "/pub/file.bin");
	CU_ASSERT_STRING_EQUAL(b, "ftp://anonymous@198.18.0.200/pub/file.bin");
	ftp_url_format(b, sizeof b, "a@b c", "h.example", 0, 2121,
	    "/read me.txt");
	CU_ASSERT_STRING_EQUAL(b, "ftp://a%40b%20c@h.example:2121/"
	    "read%20me.txt");
	ftp_url_format(b, sizeof b, NULL, "::1", AF_INET6, 21, NULL);
	CU_ASSERT_STRING_EQUAL(b, "ftp://[::1]/");
	ftp_url_format(b, sizeof b, "u", "h", 0, 21, "/%\n\"<>");
	CU_ASSERT_STRING_EQUAL(b, "ftp://u@h/%25%0A%22%3C%3E");
	/* Truncated, still a string. */
	CU_ASSERT(ftp_url_format(b, 12, "user", "host", 0, 21, "/x") < 12);
	CU_ASSERT_EQUAL(strlen(b), 11);
}

static void
test_ftp_data_peer_check(void)
{
	struct addr	 ctrl, conn;
	const char	*cause;

	ip("198.18.0.11", 40000, &ctrl);
	ip("198.18.0.11", 123, &conn);
	/* The client's own port does not matter, only its host. */
	CU_ASSERT_EQUAL(ftp_data_peer_check(&conn, &ctrl, &cause), 0);
	ip("198.18.0.12", 50000, &conn);
	CU_ASSERT_EQUAL(ftp_data_peer_check(&conn, &ctrl, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "another host"));
	ip("::ffff:198.18.0.11", 50000, &conn);
	CU_ASSERT_EQUAL(ftp_data_peer_check(&conn, &ctrl, &cause), 0);
	/* PORT, by contrast, may not name a privileged port. */
	ip("198.18.0.11", 25, &conn);
	CU_ASSERT_EQUAL(ftp_data_addr_check(&conn, &ctrl, &cause), -1);
}

static void
test_ftp_client_active_only(void)
{
	struct ftp_client		 cl;
	struct ftp_client_params	 p;
	struct addr			 a;
	size_t				 used;
	const char			*s;

	memset(&p, 0, sizeof p);
	p.path = "/f";
	p.path_len = 2;
	p.ctrl_af = AF_INET;
	p.active_only = 1;
	ftp_client_init(&cl, &p);
	CU_ASSERT_EQUAL(ftp_client_start(&cl), FTP_STEP_WAIT);
	s = "220 x\r\n";
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_SEND);
	s = "230 in\r\n";
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_SEND);
	s = "500 no FEAT\r\n";
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_SEND);
	s = "200 binary\r\n";
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_SEND);
	s = "213 5\r\n";
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_SEND);
	s = "550 no MDTM\r\n";
	CU_ASSERT_EQUAL(ftp_client_feed(&cl, s, strlen(s), &used),
	    FTP_STEP_LISTEN);
	ip("198.18.0.1", 30000, &a);
	CU_ASSERT_EQUAL(ftp_client_listening(&cl, &a), FTP_STEP_SEND);
	CU_ASSERT_EQUAL(cl.out_len, strlen("PORT 198,18,0,1,117,48\r\n"));
	CU_ASSERT(memcmp(cl.out, "PORT 198,18,0,1,117,48\r\n",
	    cl.out_len) == 0);
}

static CU_TestInfo tests[] = {
	{ "test_http_ftp_target_plain", test_http_ftp_target_plain },
	{ "test_http_ftp_target_userinfo", test_http_ftp_target_userinfo },
	{ "test_http_ftp_target_userinfo_refused",
	    test_http_ftp_target_userinfo_refused },
	{ "test_ftp_userinfo_decode", test_ftp_userinfo_decode },
	{ "test_ftp_basic_decode", test_ftp_basic_decode },
	{ "test_ftp_path_resolve", test_ftp_path_resolve },
	{ "test_ftp_url_format", test_ftp_url_format },
	{ "test_ftp_data_peer_check", test_ftp_data_peer_check },
	{ "test_ftp_client_active_only", test_ftp_client_active_only },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(suite_lib_ftp_url, "lib_ftp_url", tests)
