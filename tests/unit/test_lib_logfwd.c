/*
 * test_lib_logfwd.c: access-log forwarding: the RFC 5424 and local
 * formats and the octet-counting frame on golden output; the forwarder
 * against a loopback server, a refused one, and a local syslog socket.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "logfile.h"
#include "logfwd.h"
#include "unit.h"

static struct tm	 fw_tm(long);
static void	 fw_conf(struct logfwd_conf *, const struct addr *,
		    const char *);

/* 2026-12-01 14:50:25 at UTC offset <off> seconds. */
static struct tm
fw_tm(long off)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = 126;
	tm.tm_mon = 11;
	tm.tm_mday = 1;
	tm.tm_hour = 14;
	tm.tm_min = 50;
	tm.tm_sec = 25;
	tm.tm_gmtoff = off;
	return (tm);
}

/* Settings for one log server <a>, tagged <host>, as twin-proxy's. */
static void
fw_conf(struct logfwd_conf *conf, const struct addr *a, const char *host)
{
	memset(conf, 0, sizeof *conf);
	conf->server[0] = *a;
	conf->nserver = 1;
	conf->host = host;
	conf->app = "twin-proxy";
	conf->msgid = "access";
	conf->facility = LOGFWD_FACILITY_DEFAULT;
}

/* The RFC 5424 message, field by field. */
static void
test_logfwd_format_golden(void)
{
	struct tm	 tm = fw_tm(3600);
	char		 buf[512];
	const char	*line = "1764600625.123 5 198.18.1.1 TCP_MISS/200 1024 "
			    "GET http://o/x - HIER_DIRECT/198.18.2.1 "
			    "text/plain";
	size_t		 n;

	n = logfwd_format(buf, sizeof buf, 16 * 8 + 6, &tm, 42, "a",
	    "twin-proxy", 1234, "access", line, strlen(line));
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "<134>1 2026-12-01T14:50:25.000042+01:00 "
	    "a twin-proxy 1234 access - 1764600625.123 5 198.18.1.1 "
	    "TCP_MISS/200 1024 GET http://o/x - HIER_DIRECT/198.18.2.1 "
	    "text/plain");
	/* A negative offset, half hours; kern.info; empty and odd fields. */
	tm = fw_tm(-(5 * 3600 + 1800));
	n = logfwd_format(buf, sizeof buf, 6, &tm, 999999, "peer b\x01", "",
	    7, NULL, "m", 1);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "<6>1 2026-12-01T14:50:25.999999-05:30 "
	    "peer_b_ - 7 - - m");
}

/* Header fields are cut to their RFC bounds; the MSG to the buffer. */
static void
test_logfwd_format_bounds(void)
{
	struct tm	 tm = fw_tm(0);
	char		 host[400], app[100], msgid[60], buf[1024], *p;
	size_t		 n;

	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	memset(app, 'a', sizeof app - 1);
	app[sizeof app - 1] = '\0';
	memset(msgid, 'm', sizeof msgid - 1);
	msgid[sizeof msgid - 1] = '\0';
	n = logfwd_format(buf, sizeof buf, 134, &tm, 0, host, app, 1, msgid,
	    "xyz", 3);
	buf[n] = '\0';
	p = strchr(buf, ' ') + 1;		/* the timestamp */
	p = strchr(p, ' ') + 1;			/* HOSTNAME */
	CU_ASSERT_EQUAL(strchr(p, ' ') - p, LOGFWD_HOST_MAX);
	p = strchr(p, ' ') + 1;
	CU_ASSERT_EQUAL(strchr(p, ' ') - p, LOGFWD_APP_MAX);
	p = strchr(p, ' ') + 1;			/* PROCID */
	p = strchr(p, ' ') + 1;
	CU_ASSERT_EQUAL(strchr(p, ' ') - p, LOGFWD_MSGID_MAX);
	CU_ASSERT_STRING_EQUAL(buf + n - 6, " - xyz");
	/* A long MSG is cut to fit; a buffer too small for the header: 0. */
	n = logfwd_format(buf, 60, 134, &tm, 0, "a", "app", 1, "access",
	    "0123456789012345678901234567890123456789", 40);
	CU_ASSERT_EQUAL(n, 60);
	CU_ASSERT_EQUAL(memcmp(buf + 40, "a app 1 access - 012", 20), 0);
	CU_ASSERT_EQUAL(logfwd_format(buf, 20, 134, &tm, 0, "a", "app", 1,
	    "access", "x", 1), 0);
}

/* The local form, as syslog(3) writes it. */
static void
test_logfwd_format_local_golden(void)
{
	struct tm	tm = fw_tm(0);
	char		buf[256];
	size_t		n;

	tm.tm_mday = 2;
	n = logfwd_format_local(buf, sizeof buf, 134, &tm, "twin-proxy", 99,
	    "line one", 8);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "<134>Dec  2 14:50:25 twin-proxy[99]: "
	    "line one");
	n = logfwd_format_local(buf, sizeof buf, 6, &tm, "a[b]:c", 1, "", 0);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "<6>Dec  2 14:50:25 a_b__c[1]: ");
}

/* The octet-counting prefix ends just before the message. */
static void
test_logfwd_frame_golden(void)
{
	char	buf[LOGFWD_PREFIX_MAX + 16];
	size_t	o;

	o = logfwd_frame(buf, 0);
	CU_ASSERT_EQUAL(o, LOGFWD_PREFIX_MAX - 2);
	CU_ASSERT_EQUAL(memcmp(buf + o, "0 ", 2), 0);
	o = logfwd_frame(buf, 7);
	CU_ASSERT_EQUAL(memcmp(buf + o, "7 ", 2), 0);
	o = logfwd_frame(buf, LOGFWD_MSG_MAX);
	CU_ASSERT_EQUAL(o, LOGFWD_PREFIX_MAX - 5);
	CU_ASSERT_EQUAL(memcmp(buf + o, "8000 ", 5), 0);
	o = logfwd_frame(buf, 123456);
	CU_ASSERT_EQUAL(memcmp(buf + o, "123456 ", 7), 0);
}

/*
 * Through a log file set to "none": lines reach a loopback server as
 * octet-counted frames, in order, each with its tag.
 */
static void
test_logfwd_tcp_frames(void)
{
	struct event_base	*base = event_base_new();
	struct logfwd_conf	 conf;
	struct logfwd_stats	 st;
	struct logfwd		*fw;
	struct logfile		*lf;
	struct addr		 a;
	char			 got[4096], *p, *end;
	ssize_t			 n;
	size_t			 len = 0, mlen;
	int			 l, s, lines = 0;

	l = unit_listen(&a);
	fw_conf(&conf, &a, "peer-a");
	fw = logfwd_new(base, "access log");
	lf = logfile_new(base, "access log", 100, 1000);
	CU_ASSERT_FALSE(logfile_active(lf));
	logfile_set_forward(lf, fw);
	CU_ASSERT_FALSE(logfile_active(lf));
	logfwd_configure(fw, &conf);
	CU_ASSERT_TRUE(logfile_active(lf));
	CU_ASSERT_EQUAL(logfile_write(lf, "first line\n", 11), 0);
	unit_run(base, 100);
	CU_ASSERT_EQUAL(logfile_write(lf, "second line\n", 12), 0);
	CU_ASSERT_EQUAL(logfile_write(lf, "third\n", 6), 0);
	unit_run(base, 100);
	s = accept(l, NULL, NULL);
	CU_ASSERT_FATAL(s != -1);
	while (len < sizeof got - 1 && (n = recv(s, got + len,
	    sizeof got - 1 - len, MSG_DONTWAIT)) > 0)
		len += n;
	got[len] = '\0';
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.connected, 1);
	CU_ASSERT_EQUAL(st.connects, 1);
	CU_ASSERT_EQUAL(st.dropped, 0);
	/* Parse the frames strictly: LEN SP MSG, LEN what follows. */
	for (p = got; p < got + len; p += mlen, lines++) {
		mlen = strtoul(p, &end, 10);
		CU_ASSERT_FATAL(end > p && *end == ' ');
		p = end + 1;
		CU_ASSERT_FATAL(p + mlen <= got + len);
		CU_ASSERT_EQUAL(strncmp(p, "<134>1 ", 7), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(p, " peer-a twin-proxy "));
		CU_ASSERT_NOT_EQUAL(p[mlen - 1], '\n');
		if (lines == 0)
			CU_ASSERT_EQUAL(memcmp(p + mlen - 19,
			    "access - first line", 19), 0);
		if (lines == 2)
			CU_ASSERT_EQUAL(memcmp(p + mlen - 6, " third", 6), 0);
	}
	CU_ASSERT_EQUAL(lines, 3);
	logfile_free(lf);
	logfwd_free(fw);
	close(s);
	close(l);
	event_base_free(base);
}

/*
 * A refused server: lines wait up to the queue's bound, the rest are
 * dropped and counted; when it listens again the queue arrives.
 */
static void
test_logfwd_refused_bound(void)
{
	struct event_base	*base = event_base_new();
	struct logfwd_conf	 conf;
	struct logfwd_stats	 st;
	struct logfwd		*fw;
	struct addr		 a;
	char			 line[100], got[8192], *p;
	size_t			 len = 0;
	ssize_t			 n;
	int			 l, s, i, ok = 0;

	l = unit_listen(&a);
	close(l);			/* the port, refused */
	fw_conf(&conf, &a, "b");
	conf.queue_max = 1000;
	fw = logfwd_new(base, "access log");
	logfwd_configure(fw, &conf);
	unit_run(base, 100);
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.connected, 0);
	memset(line, 'x', sizeof line);
	for (i = 0; i < 20; i++)
		if (logfwd_send(fw, line, sizeof line) == 0)
			ok++;
	logfwd_stats(fw, &st);
	CU_ASSERT(ok >= 5 && ok < 20);
	CU_ASSERT_EQUAL(st.dropped, (uint64_t)(20 - ok));
	CU_ASSERT(st.queued <= 1000);
	/* Listening again on that port: the retry (1 s) delivers. */
	{
		struct sockaddr_storage	ss;
		socklen_t		sl = addr_to_sa(&a, &ss);
		int			on = 1;

		l = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		CU_ASSERT_FATAL(bind(l, (struct sockaddr *)&ss, sl) == 0);
		CU_ASSERT_FATAL(listen(l, 8) == 0);
	}
	/* Reopen (SIGUSR1) retries a server that is down at once. */
	logfwd_reopen(fw);
	unit_run(base, 300);
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.connected, 1);
	s = accept(l, NULL, NULL);
	CU_ASSERT_FATAL(s != -1);
	unit_run(base, 100);
	while (len < sizeof got && (n = recv(s, got + len, sizeof got - len,
	    MSG_DONTWAIT)) > 0)
		len += n;
	logfwd_stats(fw, &st);
	/* Every line queued arrived, each a frame. */
	for (i = 0, p = got; (p = memmem(p, got + len - p, " <134>1 ",
	    8)) != NULL; p++)
		i++;
	CU_ASSERT_EQUAL(i, ok);
	CU_ASSERT_EQUAL(st.sent, (uint64_t)ok);
	CU_ASSERT(len > 0 && len <= 1000);
	CU_ASSERT_EQUAL(st.queued, 0);
	/* The server goes away: the next lines queue again. */
	close(s);
	close(l);
	unit_run(base, 100);
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.connected, 0);
	logfwd_free(fw);
	event_base_free(base);
}

/*
 * A new destination (SIGHUP): what waited for the old one goes to the
 * new one; the tag applies from the next line.
 */
static void
test_logfwd_reconfigure(void)
{
	struct event_base	*base = event_base_new();
	struct logfwd_conf	 conf;
	struct logfwd_stats	 st;
	struct logfwd		*fw;
	struct addr		 dead, live;
	char			 got[4096];
	size_t			 len = 0;
	ssize_t			 n;
	int			 l, s;

	l = unit_listen(&dead);
	close(l);
	l = unit_listen(&live);
	fw_conf(&conf, &dead, "old-tag");
	fw = logfwd_new(base, "access log");
	logfwd_configure(fw, &conf);
	unit_run(base, 100);
	CU_ASSERT_EQUAL(logfwd_send(fw, "queued one", 10), 0);
	CU_ASSERT_EQUAL(logfwd_send(fw, "queued two", 10), 0);
	/* The same settings again: nothing changes, no connect. */
	logfwd_configure(fw, &conf);
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.connects, 0);
	conf.server[0] = live;
	conf.host = "new-tag";
	logfwd_configure(fw, &conf);
	CU_ASSERT_EQUAL(logfwd_send(fw, "after", 5), 0);
	unit_run(base, 200);
	s = accept(l, NULL, NULL);
	CU_ASSERT_FATAL(s != -1);
	unit_run(base, 100);
	while (len < sizeof got - 1 && (n = recv(s, got + len,
	    sizeof got - 1 - len, MSG_DONTWAIT)) > 0)
		len += n;
	got[len] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(got, " old-tag twin-proxy "));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, " - queued one"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, " - queued two"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, " new-tag twin-proxy "));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, " - after"));
	CU_ASSERT(strstr(got, "queued two") < strstr(got, "after"));
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.sent, 3);
	CU_ASSERT_EQUAL(st.dropped, 0);
	/* No server at all: the queue is given up, and counted. */
	conf.nserver = 0;
	logfwd_configure(fw, &conf);
	CU_ASSERT_FALSE(logfwd_active(fw));
	CU_ASSERT_EQUAL(logfwd_send(fw, "nowhere", 7), -1);
	logfwd_free(fw);
	close(s);
	close(l);
	event_base_free(base);
}

/* The local syslog: one datagram per line, never waiting. */
static void
test_logfwd_syslog_dgram(void)
{
	struct event_base	*base = event_base_new();
	struct logfwd_conf	 conf;
	struct logfwd_stats	 st;
	struct logfwd		*fw;
	struct sockaddr_un	 sun;
	char			 dir[64], path[128], got[512];
	ssize_t			 n;
	int			 d, i, sent = 0;

	strlcpy(dir, "/tmp/test_logfwd.XXXXXX", sizeof dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/log", dir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(bind(d, (struct sockaddr *)&sun, sizeof sun) == 0);
	memset(&conf, 0, sizeof conf);
	conf.syslog = 1;
	conf.dev_log = path;
	conf.app = "twin-lb";
	conf.facility = 23;
	fw = logfwd_new(base, "access log");
	logfwd_configure(fw, &conf);
	CU_ASSERT_TRUE(logfwd_active(fw));
	CU_ASSERT_EQUAL(logfwd_send(fw, "hello\n", 6), 0);
	n = recv(d, got, sizeof got - 1, MSG_DONTWAIT);
	CU_ASSERT_FATAL(n > 0);
	got[n] = '\0';
	CU_ASSERT_EQUAL(strncmp(got, "<190>", 5), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, " twin-lb["));
	CU_ASSERT_STRING_EQUAL(got + n - 8, "]: hello");
	/* Nobody reads: the socket fills, lines drop, nothing blocks. */
	for (i = 0; i < 5000; i++)
		if (logfwd_send(fw, "filler line", 11) == 0)
			sent++;
	logfwd_stats(fw, &st);
	CU_ASSERT(sent < 5000);
	CU_ASSERT_EQUAL(st.syslog_sent, (uint64_t)sent + 1);
	CU_ASSERT_EQUAL(st.syslog_dropped, (uint64_t)(5000 - sent));
	logfwd_free(fw);
	close(d);
	unlink(path);
	/*
	 * No syslog daemon: every line is dropped and counted (the socket
	 * is tried again once a second, not for every line); once one
	 * listens, SIGUSR1 (reopen) reaches it at once.
	 */
	fw = logfwd_new(base, "access log");
	logfwd_configure(fw, &conf);
	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(logfwd_send(fw, "lost", 4), -1);
	logfwd_stats(fw, &st);
	CU_ASSERT_EQUAL(st.syslog_sent, 0);
	CU_ASSERT_EQUAL(st.syslog_dropped, 100);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(bind(d, (struct sockaddr *)&sun, sizeof sun) == 0);
	logfwd_reopen(fw);
	CU_ASSERT_EQUAL(logfwd_send(fw, "back", 4), 0);
	n = recv(d, got, sizeof got - 1, MSG_DONTWAIT);
	CU_ASSERT_FATAL(n > 0);
	got[n] = '\0';
	CU_ASSERT_STRING_EQUAL(got + n - 7, "]: back");
	logfwd_free(fw);
	close(d);
	unlink(path);
	rmdir(dir);
	event_base_free(base);
}

static CU_TestInfo tests[] = {
	{ "format_golden", test_logfwd_format_golden },
	{ "format_bounds", test_logfwd_format_bounds },
	{ "format_local_golden", test_logfwd_format_local_golden },
	{ "frame_golden", test_logfwd_frame_golden },
	{ "tcp_frames", test_logfwd_tcp_frames },
	{ "refused_bound", test_logfwd_refused_bound },
	{ "reconfigure", test_logfwd_reconfigure },
	{ "syslog_dgram", test_logfwd_syslog_dgram },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(lib_logfwd_suite, "lib_logfwd", tests)
