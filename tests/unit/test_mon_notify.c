/*
 * test_mon_notify.c: what the center hands to the notify script (its
 * argument vector) and to sendmail (the message), for alarms and events;
 * and that a script really runs, with those arguments, without the
 * daemon waiting for it.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/mon_center.h"
#include "unit.h"

#define T0	1714557600000ULL

static void
test_mon_notify_argv_alarm(void)
{
	struct mon_note	 n = { "alarm", "osaka-01", "", "silent", "critical",
			    T0 + 123, "no report from any device for 180 s" };
	const char	*argv[MON_NOTIFY_ARGS];
	char		 tb[MON_TIME_LEN + 1];

	mon_notify_argv("/etc/twinproxy/notify", &n, tb, sizeof tb, argv);
	CU_ASSERT_STRING_EQUAL(argv[0], "/etc/twinproxy/notify");
	CU_ASSERT_STRING_EQUAL(argv[1], "alarm");
	CU_ASSERT_STRING_EQUAL(argv[2], "osaka-01");
	CU_ASSERT_STRING_EQUAL(argv[3], "");
	CU_ASSERT_STRING_EQUAL(argv[4], "silent");
	CU_ASSERT_STRING_EQUAL(argv[5], "critical");
	CU_ASSERT_STRING_EQUAL(argv[6], "2024-05-01T10:00:00.123Z");
	CU_ASSERT_STRING_EQUAL(argv[7], "no report from any device for 180 s");
	CU_ASSERT_PTR_NULL(argv[8]);
}

static void
test_mon_notify_argv_event(void)
{
	struct mon_note	 n = { "event", "osaka-01", "b", "takeover",
			    "warning", T0, NULL };
	const char	*argv[MON_NOTIFY_ARGS];
	char		 tb[MON_TIME_LEN + 1];

	mon_notify_argv("/bin/true", &n, tb, sizeof tb, argv);
	CU_ASSERT_STRING_EQUAL(argv[3], "b");
	CU_ASSERT_STRING_EQUAL(argv[4], "takeover");
	/* No text is an empty argument, never a missing one. */
	CU_ASSERT_STRING_EQUAL(argv[7], "");
	CU_ASSERT_PTR_NULL(argv[8]);
}

static void
test_mon_notify_mail(void)
{
	struct mon_note	 a = { "alarm", "osaka-01", "", "silent", "critical",
			    T0, "no report from any device for 180 s" };
	struct mon_note	 c = { "alarm", "osaka-01", "", "ok", "info", T0,
			    "site reporting again" };
	struct mon_note	 e = { "event", "osaka-01", "a", "proxy-down",
			    "critical", T0, "twin-proxy of this peer not "
			    "answering" };
	char		*to[] = { "ops@example.net", "oncall@example.net" };
	char		 buf[MON_MAIL_MAX];

	CU_ASSERT_TRUE(mon_mail_message(&a, to, 2, buf, sizeof buf) > 0);
	CU_ASSERT_STRING_EQUAL(buf,
	    "To: ops@example.net, oncall@example.net\n"
	    "Subject: [twinproxy] osaka-01: SILENT, alarm raised\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "Auto-Submitted: auto-generated\n\n"
	    "site:   osaka-01\n"
	    "alarm:  silent (critical)\n"
	    "time:   2024-05-01T10:00:00.000Z\n\n"
	    "no report from any device for 180 s\n");
	CU_ASSERT_TRUE(mon_mail_message(&c, to, 1, buf, sizeof buf) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Subject: [twinproxy] osaka-01: "
	    "reporting again, alarm cleared\n"));
	CU_ASSERT_TRUE(mon_mail_message(&e, to, 1, buf, sizeof buf) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Subject: [twinproxy] osaka-01 a: "
	    "proxy-down (critical)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "device: a\n"));
	/* Too small, or nobody to send to: nothing. */
	CU_ASSERT_EQUAL(mon_mail_message(&e, to, 1, buf, 40), 0);
	CU_ASSERT_EQUAL(mon_mail_message(&e, to, 0, buf, sizeof buf), 0);
}

/* A real script: started without waiting, reaped, its arguments kept. */
static void
test_mon_notify_run(void)
{
	struct mon_note		 n = { "event", "osaka-01", "b", "takeover",
				    "warning", T0, "b took over" };
	struct mon_notify_stats	 st;
	struct mon_notify	*nt;
	char			 dir[] = "/tmp/twinproxy-notify.XXXXXX";
	char			 script[128], out[128], *text;
	struct timespec		 ts = { 0, 20 * 1000000 };
	FILE			*f;
	int			 i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(script, sizeof script, "%s/notify", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	f = fopen(script, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\nfor a; do printf '[%%s]' \"$a\"; done >%s\n",
	    out);
	fclose(f);
	chmod(script, 0755);
	nt = mon_notify_new();
	mon_notify_set(nt, script, NULL, 0, NULL);
	mon_notify_send(nt, &n, 1);
	mon_notify_stats(nt, &st);
	CU_ASSERT_EQUAL(st.started, 1);
	for (i = 0; i < 250; i++) {
		mon_notify_reap(nt);
		mon_notify_stats(nt, &st);
		if (st.running == 0)
			break;
		nanosleep(&ts, NULL);
	}
	CU_ASSERT_EQUAL(st.running, 0);
	CU_ASSERT_EQUAL(st.failed, 0);
	text = unit_slurp(out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, "[event][osaka-01][b][takeover][warning]"
	    "[2024-05-01T10:00:00.000Z][b took over]");
	free(text);
	/* A program that cannot run is a failure, counted. */
	mon_notify_set(nt, "/nonexistent/notify", NULL, 0, NULL);
	mon_notify_send(nt, &n, 0);
	for (i = 0; i < 250; i++) {
		mon_notify_reap(nt);
		mon_notify_stats(nt, &st);
		if (st.running == 0)
			break;
		nanosleep(&ts, NULL);
	}
	CU_ASSERT_EQUAL(st.failed, 1);
	mon_notify_free(nt);
	unlink(out);
	unlink(script);
	rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "test_mon_notify_argv_alarm", test_mon_notify_argv_alarm },
	{ "test_mon_notify_argv_event", test_mon_notify_argv_event },
	{ "test_mon_notify_mail", test_mon_notify_mail },
	{ "test_mon_notify_run", test_mon_notify_run },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_notify_suite, "mon_notify", tests)
