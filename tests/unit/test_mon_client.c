/*
 * test_mon_client.c: the requests the agent writes (the report's POST
 * and the CONNECT to a proxy), read back with the strict parser the
 * center and the proxy use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "http.h"
#include "monitor/mon_agent.h"
#include "monitor/mon_auth.h"
#include "unit.h"

#define ID_A	"00112233445566778899aabbccddeeff"

static struct http_msg	m;

static void
test_mon_client_post(void)
{
	struct evbuffer			*b = evbuffer_new();
	const struct http_header	*h;
	char				 buf[2048];
	size_t				 n;

	mon_client_request(b, "center.example.net", "/report", ID_A,
	    "twin-report/0.1.0", 1234);
	n = evbuffer_get_length(b);
	evbuffer_remove(b, buf, n);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "POST /report HTTP/1.1\r\n"
	    "Host: center.example.net\r\n"
	    "User-Agent: twin-report/0.1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Length: 1234\r\n"
	    "Twinproxy-Device-ID: " ID_A "\r\n"
	    "Connection: close\r\n\r\n");
	CU_ASSERT_EQUAL_FATAL(http_parse_request(&m, buf, n, NULL), HTTP_DONE);
	CU_ASSERT_EQUAL(m.method, HTTP_METHOD_POST);
	CU_ASSERT_EQUAL(m.framing, HTTP_BODY_LENGTH);
	CU_ASSERT_EQUAL(m.content_length, 1234);
	CU_ASSERT_FALSE(http_keep_alive(&m));
	h = http_header_find(&m, MON_DEVID_FIELD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->value_len, MON_DEVID_HEXLEN);
	evbuffer_free(b);
}

static void
test_mon_client_connect(void)
{
	struct evbuffer	*b = evbuffer_new();
	char		 buf[1024];
	size_t		 n;

	mon_client_connect_request(b, "198.19.0.10:443", "twin-report/0.1.0");
	n = evbuffer_get_length(b);
	evbuffer_remove(b, buf, n);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "CONNECT 198.19.0.10:443 HTTP/1.1\r\n"
	    "Host: 198.19.0.10:443\r\n"
	    "User-Agent: twin-report/0.1.0\r\n\r\n");
	CU_ASSERT_EQUAL_FATAL(http_parse_request(&m, buf, n, NULL), HTTP_DONE);
	CU_ASSERT_EQUAL(m.method, HTTP_METHOD_CONNECT);
	CU_ASSERT_EQUAL(m.form, HTTP_FORM_AUTHORITY);
	CU_ASSERT_EQUAL(m.port, 443);
	evbuffer_free(b);
}

static CU_TestInfo tests[] = {
	{ "test_mon_client_post", test_mon_client_post },
	{ "test_mon_client_connect", test_mon_client_connect },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_client_suite, "mon_client", tests)
