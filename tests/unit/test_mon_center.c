/*
 * test_mon_center.c: the center's report endpoint on a real store (a
 * temporary SQLite database) and a clock of the test's own: requests
 * parsed by lib/http as the server parses them, each answer checked, the
 * store and the alive timer looked at afterwards; the operators' views
 * on the same data; the response head writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "cfg.h"
#include "ev.h"
#include "http.h"
#include "monitor/mon_center.h"
#include "unit.h"

#define T0	1714557600000ULL
#define ID_A	"00112233445566778899aabbccddeeff"
#define ID_B	"ffeeddccbbaa99887766554433221100"
#define ID_K	"0123456789abcdef0123456789abcdef"

static uint64_t		 now_ms;
static struct http_msg	 msg;
static char		 reqbuf[70000];

static uint64_t
fake_now(void)
{
	return (now_ms);
}

struct ctx {
	char			 dir[64];
	struct cfg		*cfg;
	struct mon_center	 c;
};

static void
hashhex(const char *id, char *out)
{
	uint8_t	h[MON_DEVID_HASHLEN];
	size_t	i;

	CU_ASSERT_EQUAL_FATAL(mon_devid_hash_str(id, h), 0);
	for (i = 0; i < MON_DEVID_HASHLEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* A center on a fresh database: osaka-01 (a, b) and kyoto-02 (k). */
static void
setup(struct ctx *x)
{
	struct cfg_msgs	 msgs;
	char		 conf[512], h[65], *cause = NULL;

	memset(x, 0, sizeof *x);
	strlcpy(x->dir, "/tmp/twinproxy-center.XXXXXX", sizeof x->dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(x->dir));
	snprintf(conf, sizeof conf, "peer { name c; address 198.19.0.10; }\n"
	    "center { listen 198.19.0.10:443; certificate /c.pem; "
	    "ca-file /ca.pem; database %s/center.db; alive-timeout 3s; }\n",
	    x->dir);
	TAILQ_INIT(&msgs);
	x->cfg = cfg_load_string("center.conf", conf, &msgs);
	cfg_msgs_free(&msgs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->cfg);
	now_ms = T0;
	x->c.now = fake_now;
	if (mon_center_init(&x->c, NULL, x->cfg, &cause) == -1)
		fprintf(stderr, "\n%s\n", cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->c.store);
	hashhex(ID_A, h);
	CU_ASSERT_EQUAL(mon_center_register(&x->c, "osaka-01", "a", h,
	    &cause), 0);
	hashhex(ID_B, h);
	CU_ASSERT_EQUAL(mon_center_register(&x->c, "osaka-01", "b", h,
	    &cause), 0);
	hashhex(ID_K, h);
	CU_ASSERT_EQUAL(mon_center_register(&x->c, "kyoto-02", "k", h,
	    &cause), 0);
	/* The same device twice, or a bad hash: refused. */
	CU_ASSERT_EQUAL(mon_center_register(&x->c, "kyoto-02", "k", h,
	    &cause), -1);
	CU_ASSERT_EQUAL(mon_center_register(&x->c, "kyoto-02", "z", "00",
	    &cause), -1);
}

static void
teardown(struct ctx *x)
{
	char	path[128];

	mon_center_fini(&x->c);
	cfg_free(x->cfg);
	snprintf(path, sizeof path, "%s/center.db", x->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/center.db-wal", x->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/center.db-shm", x->dir);
	unlink(path);
	rmdir(x->dir);
}

/* A report body of <site> <peer> with <events> (lines, may be ""). */
static size_t
body(char *buf, size_t len, const char *site, const char *peer,
    const char *role, const char *events)
{
	int	n;

	n = snprintf(buf, len, "twinproxy-report 1\nsite: %s\npeer: %s\n"
	    "sent: 2024-05-01T10:00:00.000Z\nsoftware: 0.1.0\nuptime: 5\n"
	    "role: %s\npartner: up\nproxy: up\nproxy-requests: 12\n"
	    "proxy-connections: 1\ncache-hits: 2\ncache-misses: 3\n"
	    "cache-objects: 4\ncache-bytes: 5\nwpad: off\n%s", site, peer,
	    role, events);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < len);
	return ((size_t)n);
}

/*
 * Run one request through the endpoint: METHOD PATH, the device ID
 * header when <id> is not NULL, the body; TLS said <cert> about a
 * certificate with <cn>. Returns the status; the body is in <out>.
 */
static int
run(struct ctx *x, const char *method, const char *path, const char *id,
    enum mon_cert_status cert, const char *cn, const char *b, size_t blen,
    char *out, size_t outlen)
{
	struct mon_httpd_req	 req;
	struct mon_httpd_resp	 resp;
	size_t			 n, hl;

	n = (size_t)snprintf(reqbuf, sizeof reqbuf, "%s %s HTTP/1.1\r\n"
	    "Host: center.test\r\n%s%s%sContent-Length: %zu\r\n\r\n", method,
	    path, id != NULL ? "Twinproxy-Device-ID: " : "",
	    id != NULL ? id : "", id != NULL ? "\r\n" : "", blen);
	hl = n;
	memcpy(reqbuf + n, b, blen);
	n += blen;
	CU_ASSERT_EQUAL_FATAL(http_parse_request(&msg, reqbuf, hl, NULL),
	    HTTP_DONE);
	memset(&req, 0, sizeof req);
	req.msg = &msg;
	req.body = reqbuf + hl;
	req.body_len = blen;
	req.tls = 1;
	req.cert = cert;
	strlcpy(req.cn, cn, sizeof req.cn);
	memset(&resp, 0, sizeof resp);
	resp.status = 500;
	resp.body = evbuffer_new();
	mon_center_report(&x->c, &req, &resp);
	n = evbuffer_get_length(resp.body);
	if (n >= outlen)
		n = outlen - 1;
	evbuffer_remove(resp.body, out, n);
	out[n] = '\0';
	evbuffer_free(resp.body);
	return (resp.status);
}

static void
test_mon_center_report_accepted(void)
{
	struct ctx	 x;
	char		 b[4096], out[1024];
	size_t		 n;

	setup(&x);
	n = body(b, sizeof b, "osaka-01", "a", "active",
	    "event: 1 2024-05-01T09:59:58.120Z takeover a took over\n"
	    "event: 2 2024-05-01T09:59:59.000Z partner-error no heartbeat\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 200);
	CU_ASSERT_STRING_EQUAL(out, "twinproxy-ack 1\nack: 2\n"
	    "time: 2024-05-01T10:00:00.000Z\n");
	CU_ASSERT_EQUAL(x.c.stats.reports, 1);
	CU_ASSERT_EQUAL(x.c.stats.events, 2);
	/* The same report again (its ack was lost): the same ack, no row. */
	now_ms += 1000;
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nack: 2\n"));
	CU_ASSERT_EQUAL(x.c.stats.events, 2);
	CU_ASSERT_EQUAL(x.c.stats.duplicates, 2);
	/* b, the other peer, with the same certificate. */
	n = body(b, sizeof b, "osaka-01", "b", "standby", "");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_B, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nack: 0\n"));
	CU_ASSERT_EQUAL(mon_alarm_site_state(x.c.alarm, "osaka-01"),
	    MON_SITE_OK);
	CU_ASSERT_EQUAL(mon_alarm_device_state(x.c.alarm, "osaka-01", "b"),
	    MON_SITE_OK);
	teardown(&x);
}

static void
test_mon_center_report_refused(void)
{
	struct ctx	 x;
	char		 b[4096], out[1024];
	size_t		 n;

	setup(&x);
	n = body(b, sizeof b, "osaka-01", "a", "active", "");
	/* Wrong place or method. */
	CU_ASSERT_EQUAL(run(&x, "POST", "/", ID_A, MON_CERT_OK, "osaka-01", b,
	    n, out, sizeof out), 404);
	CU_ASSERT_EQUAL(run(&x, "GET", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", "", 0, out, sizeof out), 405);
	/* One factor wrong. */
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_K, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: device-of-other-site\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report",
	    "99999999999999999999999999999999", MON_CERT_OK, "osaka-01", b,
	    n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: wrong-device-id\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", NULL, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: malformed-device-id\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", "00112233", MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "nagoya-03", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: unknown-site\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "Osaka 01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: bad-cn\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_EXPIRED,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: certificate-expired\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_NONE, "",
	    b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: no-certificate\n");
	/* Both right, but the report speaks for another peer or site. */
	n = body(b, sizeof b, "osaka-01", "b", "active", "");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: device-mismatch\n");
	n = body(b, sizeof b, "kyoto-02", "a", "active", "");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: site-mismatch\n");
	/* Not a report. */
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", "hello\n", 6, out, sizeof out), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bad report: line 1: "));
	CU_ASSERT_EQUAL(x.c.stats.bad_reports, 1);
	/* A revoked device. */
	CU_ASSERT_EQUAL(mon_center_revoke(&x.c, "osaka-01", "a", &(char *){
	    NULL }), 0);
	n = body(b, sizeof b, "osaka-01", "a", "active", "");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 403);
	CU_ASSERT_STRING_EQUAL(out, "refused: device-revoked\n");
	/* Each counted by its reason; nothing was stored. */
	CU_ASSERT_EQUAL(x.c.stats.refused[MON_AUTH_ID_OTHER_SITE], 1);
	CU_ASSERT_EQUAL(x.c.stats.refused[MON_AUTH_WRONG_ID], 1);
	CU_ASSERT_EQUAL(x.c.stats.refused[MON_AUTH_MALFORMED_ID], 2);
	CU_ASSERT_EQUAL(x.c.stats.refused[MON_AUTH_WRONG_ID + 1], 2);
	CU_ASSERT_EQUAL(x.c.stats.reports, 0);
	CU_ASSERT_EQUAL(mon_alarm_site_state(x.c.alarm, "osaka-01"),
	    MON_SITE_UNKNOWN);
	/* What TLS refused is counted the same way. */
	mon_center_refused(&x.c, &(struct addr){ 0 }, MON_CERT_REVOKED,
	    "osaka-01", "certificate revoked");
	CU_ASSERT_EQUAL(x.c.stats.refused[MON_AUTH_CERT_REVOKED], 1);
	teardown(&x);
}

struct alarms {
	char	text[1024];
};

static int
alarm_cb(void *arg, const struct mon_store_alarm *a)
{
	struct alarms	*o = arg;
	size_t		 len = strlen(o->text);

	snprintf(o->text + len, sizeof o->text - len, "%s/%s %s %s\n",
	    a->site, a->device, a->kind, a->closed != 0 ? "closed" : "open");
	return (0);
}

/* Silence: an alarm stored once, for the site and the device; cleared. */
static void
test_mon_center_silence(void)
{
	struct ctx	 x;
	struct alarms	 o;
	char		 b[4096], out[1024], *cause;
	size_t		 n;

	setup(&x);
	n = body(b, sizeof b, "osaka-01", "a", "active", "");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 200);
	now_ms = T0 + 2999;
	mon_center_tick(&x.c);
	CU_ASSERT_EQUAL(x.c.stats.alarms_raised, 0);
	/* kyoto-02 never reported: silent at its first timeout. */
	now_ms = T0 + 3000;
	mon_center_tick(&x.c);
	CU_ASSERT_EQUAL(x.c.stats.alarms_raised, 2);
	CU_ASSERT_EQUAL(mon_alarm_site_state(x.c.alarm, "osaka-01"),
	    MON_SITE_SILENT);
	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_alarm_list(x.c.store, 1, 0, alarm_cb, &o,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.text, "osaka-01/a silent open\n"
	    "osaka-01/ silent open\nkyoto-02/ silent open\n");
	/* On time: the deadline was now. */
	CU_ASSERT_EQUAL(x.c.stats.late_max, 0);
	now_ms = T0 + 10000;
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 200);
	CU_ASSERT_EQUAL(x.c.stats.alarms_cleared, 1);
	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_alarm_list(x.c.store, 1, 0, alarm_cb, &o,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.text, "kyoto-02/ silent open\n");
	teardown(&x);
}

/* GET PATH on the operators' handler; the status, the body in <out>. */
static int
view(struct ctx *x, const char *method, const char *path, char *out,
    size_t outlen)
{
	struct mon_httpd_req	 req;
	struct mon_httpd_resp	 resp;
	size_t			 n;

	n = (size_t)snprintf(reqbuf, sizeof reqbuf, "%s %s HTTP/1.1\r\n"
	    "Host: center\r\n\r\n", method, path);
	CU_ASSERT_EQUAL_FATAL(http_parse_request(&msg, reqbuf, n, NULL),
	    HTTP_DONE);
	memset(&req, 0, sizeof req);
	req.msg = &msg;
	memset(&resp, 0, sizeof resp);
	resp.status = 500;
	resp.body = evbuffer_new();
	mon_views_handler(&x->c, &req, &resp);
	n = evbuffer_get_length(resp.body);
	if (n >= outlen)
		n = outlen - 1;
	evbuffer_remove(resp.body, out, n);
	out[n] = '\0';
	evbuffer_free(resp.body);
	return (resp.status);
}

static void
test_mon_center_views(void)
{
	struct ctx	 x;
	char		 b[4096], out[16384];
	size_t		 n;

	setup(&x);
	n = body(b, sizeof b, "osaka-01", "a", "active",
	    "event: 1 2024-05-01T09:59:58.120Z takeover <b>\"x\"</b> & y\n");
	CU_ASSERT_EQUAL(run(&x, "POST", "/report", ID_A, MON_CERT_OK,
	    "osaka-01", b, n, out, sizeof out), 200);
	now_ms += 1500;
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/sites", out, sizeof out), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"site\":\"osaka-01\","
	    "\"state\":\"ok\",\"active\":[\"a\"],\"open_alarms\":0,"
	    "\"devices\":[{\"name\":\"a\",\"state\":\"ok\",\"role\":\"active\","
	    "\"partner\":\"up\",\"software\":\"0.1.0\",\"last_report\":"
	    "1714557600000,\"age_ms\":1500,\"last_seq\":1,\"revoked\":false},"
	    "{\"name\":\"b\",\"state\":\"unknown\",\"role\":\"\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"site\":\"kyoto-02\","
	    "\"state\":\"unknown\",\"active\":[]"));
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/site/osaka-01", out,
	    sizeof out), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"status\":{\"a\":{\"received\":"
	    "1714557600000,\"site\":\"osaka-01\",\"peer\":\"a\","));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"proxy-requests\":\"12\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"lb-servers\":[]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"text\":\"\\u003cb\\u003e\\\"x\\\""
	    "\\u003c/b\\u003e \\u0026 y\""));
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/site/nagoya-03", out,
	    sizeof out), 404);
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/site/%3Cx%3E", out, sizeof out),
	    404);
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/events?since=1714557598000",
	    out, sizeof out), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"kind\":\"takeover\""));
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/events?since=1714557599000",
	    out, sizeof out), 200);
	CU_ASSERT_STRING_EQUAL(out, "{\"events\":[]}\n");
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/events?since=x", out,
	    sizeof out), 400);
	CU_ASSERT_EQUAL(view(&x, "GET", "/api/alarms", out, sizeof out), 200);
	CU_ASSERT_STRING_EQUAL(out, "{\"alarms\":[]}\n");
	CU_ASSERT_EQUAL(view(&x, "DELETE", "/api/sites", out, sizeof out),
	    405);
	CU_ASSERT_EQUAL(view(&x, "GET", "/etc/passwd", out, sizeof out), 404);
	/* The page: escaped text, no markup of the event's. */
	CU_ASSERT_EQUAL(view(&x, "GET", "/", out, sizeof out), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "<td>&lt;b&gt;&quot;x&quot;"
	    "&lt;/b&gt; &amp; y</td>"));
	CU_ASSERT_PTR_NULL(strstr(out, "<b>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "<tr class=\"ok\"><td>osaka-01"
	    "</td><td>ok</td><td>a</td><td>a: active, 1.5s ago<br>b: -, "
	    "never</td><td>0</td></tr>"));
	teardown(&x);
}

/* The head the server writes for its answers. */
static void
test_mon_center_answer(void)
{
	struct mon_httpd_resp	 r;
	struct evbuffer		*out;
	char			 buf[2048];
	size_t			 n;

	memset(&r, 0, sizeof r);
	r.status = 403;
	r.body = evbuffer_new();
	evbuffer_add_printf(r.body, "refused: wrong-device-id\n");
	out = evbuffer_new();
	mon_httpd_answer(out, &r, 0, 1);
	n = evbuffer_get_length(out);
	evbuffer_remove(out, buf, n);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "HTTP/1.1 403 Forbidden\r\n"
	    "Server: twin-monitord\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Length: 25\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n\r\n"
	    "refused: wrong-device-id\n");
	/* A page: its policy; HEAD: the length, no body. */
	evbuffer_add_printf(r.body, "<p>x</p>");
	r.status = 200;
	r.ctype = "text/html; charset=us-ascii";
	r.html = 1;
	mon_httpd_answer(out, &r, 1, 0);
	n = evbuffer_get_length(out);
	evbuffer_remove(out, buf, n);
	buf[n] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Content-Security-Policy: "
	    "default-src 'none'; "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Content-Length: 8\r\n"));
	CU_ASSERT_PTR_NULL(strstr(buf, "Connection:"));
	CU_ASSERT_PTR_NULL(strstr(buf, "<p>"));
	evbuffer_free(out);
	evbuffer_free(r.body);
	/* What verification found, as the two factors see it. */
	CU_ASSERT_EQUAL(mon_httpd_cert_status(X509_V_OK, 1), MON_CERT_NONE);
	CU_ASSERT_EQUAL(mon_httpd_cert_status(X509_V_ERR_CERT_HAS_EXPIRED, 0),
	    MON_CERT_EXPIRED);
	CU_ASSERT_EQUAL(mon_httpd_cert_status(X509_V_ERR_CERT_REVOKED, 0),
	    MON_CERT_REVOKED);
	CU_ASSERT_EQUAL(mon_httpd_cert_status(
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0),
	    MON_CERT_UNTRUSTED);
}

static CU_TestInfo tests[] = {
	{ "test_mon_center_report_accepted", test_mon_center_report_accepted },
	{ "test_mon_center_report_refused", test_mon_center_report_refused },
	{ "test_mon_center_silence", test_mon_center_silence },
	{ "test_mon_center_views", test_mon_center_views },
	{ "test_mon_center_answer", test_mon_center_answer },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_center_suite, "mon_center", tests)
