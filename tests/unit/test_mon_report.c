/*
 * test_mon_report.c: the report and acknowledgement format, by golden
 * files (tests/data/monitor/<report|ack>_<ok|bad>_*.in decoded, and the
 * result re-encoded or the error named, compared with its .out) and by
 * the limits, built in memory. UPDATE_GOLDEN=1 rewrites the .out files.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/mon_report.h"
#include "unit.h"

static char	*golden_text(const char *, const char *, size_t, int *);
static int	 golden_cmp(const char *, const char *);
static void	 report_fill(struct mon_report *);
static char	*minimal(void);
static char	*add(char *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Append to buf[..end), which must have room; return the new end. */
static char *
add(char *p, const char *end, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(p, end - p, fmt, ap);
	va_end(ap);
	CU_ASSERT_FATAL(n >= 0 && n < end - p);
	return (p + n);
}

/* A valid report with every field set. */
static void
report_fill(struct mon_report *r)
{
	memset(r, 0, sizeof *r);
	strlcpy(r->site, "osaka-01", sizeof r->site);
	strlcpy(r->peer, "a", sizeof r->peer);
	r->sent = 1714557600000ULL;
	strlcpy(r->software, "0.1.0", sizeof r->software);
	r->uptime = 86400;
	r->role = MON_ROLE_ACTIVE;
	r->partner = MON_PARTNER_UP;
	r->proxy = MON_SVC_UP;
	r->wpad = MON_SVC_DOWN;
	r->cache_bytes = UINT64_MAX;
}

/* The canonical text of the golden report_ok_minimal.in. */
static char *
minimal(void)
{
	char	*s;

	s = unit_slurp(unit_data("monitor/report_ok_minimal.in"), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return (s);
}

/* Decode <buf> as <what> ("report" or "ack"); describe the outcome. */
static char *
golden_text(const char *what, const char *buf, size_t len, int *ok)
{
	static struct mon_report	 r, r2;
	struct mon_ack			 a, a2;
	struct mon_perr			 e;
	const char			*cause;
	char				*out, *enc, eb[256];
	size_t				 olen, elen;
	unsigned int			 nunknown;
	FILE				*f;
	int				 rv;

	enc = malloc(MON_MSG_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(enc);
	f = open_memstream(&out, &olen);
	if (strcmp(what, "report") == 0) {
		rv = mon_report_decode(buf, len, &r, &e);
		nunknown = r.nunknown;
	} else {
		rv = mon_ack_decode(buf, len, &a, &e);
		nunknown = a.nunknown;
	}
	*ok = rv == 0;
	if (rv == -1) {
		fprintf(f, "error %s: %s\n", mon_perr_name(e.code),
		    mon_perr_fmt(&e, eb, sizeof eb));
		goto done;
	}
	if (strcmp(what, "report") == 0)
		rv = mon_report_encode(&r, enc, MON_MSG_MAX, &elen, &cause);
	else
		rv = mon_ack_encode(&a, enc, MON_MSG_MAX, &elen, &cause);
	CU_ASSERT_EQUAL_FATAL(rv, 0);
	fprintf(f, "ok\n%.*s", (int)elen, enc);
	if (nunknown != 0)
		fprintf(f, "ignored %u unknown, first '%s'\n", nunknown,
		    strcmp(what, "report") == 0 ? r.unknown : a.unknown);
	/* The canonical form decodes to the same message. */
	if (strcmp(what, "report") == 0) {
		CU_ASSERT_EQUAL(mon_report_decode(enc, elen, &r2, &e), 0);
		r.nunknown = 0;
		memset(r.unknown, 0, sizeof r.unknown);
		CU_ASSERT(memcmp(&r, &r2, sizeof r) == 0);
	} else {
		CU_ASSERT_EQUAL(mon_ack_decode(enc, elen, &a2, &e), 0);
		CU_ASSERT_EQUAL(a.ack, a2.ack);
		CU_ASSERT_EQUAL(a.time, a2.time);
		CU_ASSERT_STRING_EQUAL(a.error, a2.error);
	}
done:
	fclose(f);
	free(enc);
	return (out);
}

/* Compare with golden file <path>, or rewrite it. */
static int
golden_cmp(const char *path, const char *got)
{
	char	*want;
	FILE	*f;
	int	 ok;

	if (getenv("UPDATE_GOLDEN") != NULL) {
		if ((f = fopen(path, "w")) == NULL)
			return (0);
		fputs(got, f);
		fclose(f);
		return (1);
	}
	if ((want = unit_slurp(path, NULL)) == NULL) {
		fprintf(stderr, "missing golden file %s\n", path);
		return (0);
	}
	ok = strcmp(want, got) == 0;
	if (!ok)
		fprintf(stderr, "\n%s differs:\n--- want\n%s--- got\n%s", path,
		    want, got);
	free(want);
	return (ok);
}

static void
test_mon_report_golden(void)
{
	struct dirent	**names;
	char		  dir[4096], in[8192], out[8192], *buf, *text;
	const char	 *what, *name;
	size_t		  len, nlen;
	int		  n, i, ok, want, count = 0;

	snprintf(dir, sizeof dir, "%s", unit_data("monitor"));
	n = scandir(dir, &names, NULL, alphasort);
	CU_ASSERT_FATAL(n > 0);
	for (i = 0; i < n; i++) {
		name = names[i]->d_name;
		nlen = strlen(name);
		if (nlen < 4 || strcmp(name + nlen - 3, ".in") != 0)
			goto next;
		if (strncmp(name, "report_", 7) == 0)
			what = "report";
		else if (strncmp(name, "ack_", 4) == 0)
			what = "ack";
		else
			goto next;
		snprintf(in, sizeof in, "%s/%s", dir, name);
		snprintf(out, sizeof out, "%s/%.*s.out", dir, (int)nlen - 3,
		    name);
		buf = unit_slurp(in, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		text = golden_text(what, buf, len, &ok);
		/* The file name says which outcome is expected. */
		want = strncmp(name + strlen(what) + 1, "ok", 2) == 0;
		if (ok != want)
			fprintf(stderr, "\n%s: unexpected %s\n%s", name,
			    ok ? "success" : "failure", text);
		CU_ASSERT_EQUAL(ok, want);
		CU_ASSERT_TRUE(golden_cmp(out, text));
		free(text);
		free(buf);
		count++;
next:
		free(names[i]);
	}
	free(names);
	CU_ASSERT_TRUE(count >= 30);
}

/* Message size: 64K is the most, whatever the content. */
static void
test_mon_report_decode_too_large(void)
{
	struct mon_report	*r = malloc(sizeof *r);
	struct mon_perr		 e;
	char			*buf = malloc(MON_MSG_MAX + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 'a', MON_MSG_MAX + 1);
	CU_ASSERT_EQUAL(mon_report_decode(buf, MON_MSG_MAX + 1, r, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_TOO_LARGE);
	/* At the limit, the next check speaks: the first line's length. */
	CU_ASSERT_EQUAL(mon_report_decode(buf, MON_MSG_MAX, r, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_LINE_LONG);
	CU_ASSERT_EQUAL(e.line, 1);
	free(buf);
	free(r);
}

/* Line length: 1024 bytes pass, 1025 do not, on any line. */
static void
test_mon_report_decode_line_limit(void)
{
	struct mon_report	*r = malloc(sizeof *r);
	struct mon_perr		 e;
	char			*base = minimal(), *buf;
	size_t			 blen = strlen(base);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	buf = malloc(blen + 2000);
	memcpy(buf, base, blen);
	memcpy(buf + blen, "x-long: ", 8);
	memset(buf + blen + 8, 'v', 1024 - 8);
	buf[blen + 1024] = '\n';
	CU_ASSERT_EQUAL(mon_report_decode(buf, blen + 1025, r, &e), 0);
	CU_ASSERT_EQUAL(r->nunknown, 1);
	CU_ASSERT_STRING_EQUAL(r->unknown, "x-long");
	buf[blen + 1024] = 'v';
	buf[blen + 1025] = '\n';
	CU_ASSERT_EQUAL(mon_report_decode(buf, blen + 1026, r, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_LINE_LONG);
	CU_ASSERT_EQUAL(e.line, 17);
	free(buf);
	free(base);
	free(r);
}

/* Line count: 256 lines pass, 257 do not, unknown keys included. */
static void
test_mon_report_decode_line_count(void)
{
	struct mon_report	*r = malloc(sizeof *r);
	struct mon_perr		 e;
	char			*base = minimal(), *buf, *p, *end;
	size_t			 blen = strlen(base);
	int			 i, extra = MON_LINES_MAX - 16;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	end = (buf = malloc(blen + (extra + 1) * 8 + 1)) + blen +
	    (extra + 1) * 8 + 1;
	memcpy(buf, base, blen);
	p = buf + blen;
	for (i = 0; i < extra; i++)
		p = add(p, end, "x-n: %d\n", i % 10);
	CU_ASSERT_EQUAL(mon_report_decode(buf, p - buf, r, &e), 0);
	CU_ASSERT_EQUAL(r->nunknown, (unsigned int)extra);
	p = add(p, end, "x-n: 1\n");
	CU_ASSERT_EQUAL(mon_report_decode(buf, p - buf, r, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_TOO_MANY_LINES);
	CU_ASSERT_EQUAL(e.line, MON_LINES_MAX + 1);
	free(buf);
	free(base);
	free(r);
}

/* 32 events and 64 lb servers pass; one more of either does not. */
static void
test_mon_report_decode_repeat_limits(void)
{
	struct mon_report	*r = malloc(sizeof *r);
	struct mon_perr		 e;
	char			*base = minimal(), *buf, *p, *end, eb[128];
	size_t			 blen = strlen(base);
	int			 i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	end = (buf = malloc(blen + 100 * 100)) + blen + 100 * 100;
	memcpy(buf, base, blen);
	p = buf + blen;
	for (i = 1; i <= MON_EVENTS_MAX; i++)
		p = add(p, end, "event: %d 2024-05-01T10:00:00.000Z "
		    "proxy-up\n", i);
	CU_ASSERT_EQUAL(mon_report_decode(buf, p - buf, r, &e), 0);
	CU_ASSERT_EQUAL(r->nev, MON_EVENTS_MAX);
	CU_ASSERT_EQUAL(r->ev[31].seq, 32);
	CU_ASSERT_EQUAL(r->ev[31].kind, MON_EV_PROXY_UP);
	CU_ASSERT_STRING_EQUAL(r->ev[31].text, "");
	p = add(p, end, "event: 99 2024-05-01T10:00:00.000Z proxy-up\n");
	CU_ASSERT_EQUAL(mon_report_decode(buf, p - buf, r, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_TOO_MANY);
	CU_ASSERT_STRING_EQUAL(e.field, "event");
	CU_ASSERT_STRING_EQUAL(mon_perr_fmt(&e, eb, sizeof eb), "line 49: "
	    "event: field repeated too often: at most 32 events in a report");

	p = buf + blen;
	for (i = 0; i < MON_LB_MAX; i++)
		p = add(p, end, "lb-server: c%d s up\n", i);
	CU_ASSERT_EQUAL(mon_report_decode(buf, p - buf, r, &e), 0);
	CU_ASSERT_EQUAL(r->nlb, MON_LB_MAX);
	CU_ASSERT_STRING_EQUAL(r->lb[63].cluster, "c63");
	p = add(p, end, "lb-server: c s down\n");
	CU_ASSERT_EQUAL(mon_report_decode(buf, p - buf, r, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_TOO_MANY);
	free(buf);
	free(base);
	free(r);
}

/* The largest report the encoder may build fits the decoder's limits. */
static void
test_mon_report_encode_largest(void)
{
	struct mon_report	*r = malloc(sizeof *r), *r2 = malloc(sizeof *r);
	struct mon_perr		 e;
	const char		*cause;
	char			*buf = malloc(MON_MSG_MAX);
	size_t			 i, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	report_fill(r);
	memset(r->site, 'z', MON_SITE_MAX);
	memset(r->peer, 'P', MON_NAME_MAX);
	memset(r->software, '9', MON_SOFTWARE_MAX);
	r->uptime = r->proxy_requests = r->cache_hits = UINT64_MAX;
	r->sent = 253402300799999ULL;	/* 9999-12-31T23:59:59.999Z */
	for (i = 0; i < MON_LB_MAX; i++) {
		memset(r->lb[i].cluster, 'c', MON_NAME_MAX);
		memset(r->lb[i].server, 's', MON_NAME_MAX);
		r->lb[i].state = MON_LB_QUIESCE;
	}
	r->nlb = MON_LB_MAX;
	for (i = 0; i < MON_EVENTS_MAX; i++) {
		r->ev[i].seq = UINT64_MAX - MON_EVENTS_MAX + i;
		r->ev[i].time = r->sent;
		r->ev[i].kind = MON_EV_OTHER;
		memset(r->ev[i].kind_name, 'k', MON_KIND_MAX);
		memset(r->ev[i].text, 't', MON_TEXT_MAX);
	}
	r->nev = MON_EVENTS_MAX;
	CU_ASSERT_EQUAL_FATAL(mon_report_encode(r, buf, MON_MSG_MAX, &len,
	    &cause), 0);
	CU_ASSERT(len < MON_MSG_MAX);
	CU_ASSERT_EQUAL_FATAL(mon_report_decode(buf, len, r2, &e), 0);
	CU_ASSERT(memcmp(r, r2, sizeof *r) == 0);
	/* A buffer one byte short is refused, not overrun. */
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, len, &len, &cause), -1);
	free(buf);
	free(r);
	free(r2);
}

/* The encoder refuses what the decoder would refuse. */
static void
test_mon_report_encode_refuses(void)
{
	struct mon_report	*r = malloc(sizeof *r);
	const char		*cause;
	char			*buf = malloc(MON_MSG_MAX);
	size_t			 len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	report_fill(r);
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    0);
	strlcpy(r->site, "Osaka", sizeof r->site);
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	report_fill(r);
	r->role = 7;
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	report_fill(r);
	mon_event_set(&r->ev[0], MON_EV_TAKEOVER, 1000, "x");
	r->nev = 1;
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	CU_ASSERT_STRING_EQUAL(cause, "event without a sequence number");
	r->ev[0].seq = 5;
	mon_event_set(&r->ev[1], MON_EV_TAKEOVER, 1000, "x");
	r->ev[1].seq = 5;
	r->nev = 2;
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	r->ev[1].seq = 6;
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    0);
	r->ev[1].text[0] = ' ';
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	r->ev[1].text[0] = '\t';
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	report_fill(r);
	r->sent = 253402300800000ULL;	/* the year 10000 */
	CU_ASSERT_EQUAL(mon_report_encode(r, buf, MON_MSG_MAX, &len, &cause),
	    -1);
	free(buf);
	free(r);
}

/* Text handed to events is made safe and bounded. */
static void
test_mon_event_set_sanitizes(void)
{
	struct mon_event	ev;
	char			long_text[600];

	mon_event_set(&ev, MON_EV_SERVICE_DOWN, 42,
	    "  tab\there\nnew \xc3\xa4 ");
	CU_ASSERT_STRING_EQUAL(ev.text, "tab?here?new ??");
	CU_ASSERT_STRING_EQUAL(ev.kind_name, "service-down");
	CU_ASSERT_EQUAL(ev.seq, 0);
	CU_ASSERT_EQUAL(ev.time, 42);
	memset(long_text, 'y', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	mon_event_set(&ev, MON_EV_TAKEOVER, 0, long_text);
	CU_ASSERT_EQUAL(strlen(ev.text), MON_TEXT_MAX);
	mon_event_set(&ev, (enum mon_ev_kind)99, 0, NULL);
	CU_ASSERT_EQUAL(ev.kind, MON_EV_OTHER);
	CU_ASSERT_STRING_EQUAL(ev.text, "");
}

/* One event alone, as the spool stores it. */
static void
test_mon_event_decode(void)
{
	struct mon_event	 ev;
	const char		*d, *s;
	char			 buf[MON_EVENT_MAX + 1];
	size_t			 len;

	s = "7 2024-05-01T10:00:00.000Z partner-error no heartbeat";
	CU_ASSERT_EQUAL(mon_event_decode(s, strlen(s), &ev, &d), 0);
	CU_ASSERT_EQUAL(ev.seq, 7);
	CU_ASSERT_EQUAL(ev.time, 1714557600000ULL);
	CU_ASSERT_EQUAL(ev.kind, MON_EV_PARTNER_ERROR);
	CU_ASSERT_EQUAL(mon_event_level(ev.kind), MON_LEVEL_CRITICAL);
	CU_ASSERT_STRING_EQUAL(ev.text, "no heartbeat");
	CU_ASSERT_EQUAL(mon_event_encode(&ev, buf, sizeof buf, &len, &d), 0);
	CU_ASSERT_EQUAL(len, strlen(s));
	CU_ASSERT(memcmp(buf, s, len) == 0);
	s = "7 2024-05-01T10:00:00.000Z partner-error ";
	CU_ASSERT_EQUAL(mon_event_decode(s, strlen(s), &ev, &d), -1);
	s = "7 2024-05-01T10:00:00.000Z";
	CU_ASSERT_EQUAL(mon_event_decode(s, strlen(s), &ev, &d), -1);
	s = "7 2024-05-01T10:00:00.000Z a\x01";
	CU_ASSERT_EQUAL(mon_event_decode(s, strlen(s), &ev, &d), -1);
	/* Not NUL-terminated: only len bytes are read. */
	CU_ASSERT_EQUAL(mon_event_decode("1 2024-05-01T10:00:00.000Z cache-"
	    "errorXXXX", 38, &ev, &d), 0);
	CU_ASSERT_EQUAL(ev.kind, MON_EV_CACHE_ERROR);
}

static void
test_mon_time_parse_format(void)
{
	static const struct {
		const char	*text;
		uint64_t	 ms;
	} good[] = {
		{ "1970-01-01T00:00:00.000Z", 0 },
		{ "2000-02-29T12:34:56.789Z", 951827696789ULL },
		{ "2024-05-01T10:00:00.000Z", 1714557600000ULL },
		{ "2100-03-01T00:00:00.000Z", 4107542400000ULL },
		{ "9999-12-31T23:59:59.999Z", 253402300799999ULL },
	};
	static const char *const bad[] = {
		"1969-12-31T23:59:59.999Z", "2024-13-01T00:00:00.000Z",
		"2024-00-01T00:00:00.000Z", "2024-04-31T00:00:00.000Z",
		"2100-02-29T00:00:00.000Z", "2024-05-01T24:00:00.000Z",
		"2024-05-01T10:60:00.000Z", "2024-05-01T10:00:60.000Z",
		"2024-05-01 10:00:00.000Z", "2024-05-01T10:00:00.000z",
		"2024-05-01T10:00:00Z", "+024-05-01T10:00:00.000Z",
		"2024-05-01T10:00:00.0000Z",
	};
	char		buf[MON_TIME_LEN + 1];
	uint64_t	ms;
	size_t		i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		CU_ASSERT_EQUAL(mon_time_parse(good[i].text,
		    strlen(good[i].text), &ms), 0);
		CU_ASSERT_EQUAL(ms, good[i].ms);
		CU_ASSERT_STRING_EQUAL(mon_time_fmt(good[i].ms, buf,
		    sizeof buf), good[i].text);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CU_ASSERT_EQUAL(mon_time_parse(bad[i], strlen(bad[i]), &ms),
		    -1);
	CU_ASSERT_STRING_EQUAL(mon_time_fmt(253402300800000ULL, buf,
	    sizeof buf), "");
	CU_ASSERT_STRING_EQUAL(mon_time_fmt(0, buf, 10), "");
}

/* Every error code has its own name; every kind its own name. */
static void
test_mon_report_names(void)
{
	const char	*a, *b;
	int		 i, j;

	for (i = MON_E_NONE; i <= MON_E_MISSING; i++) {
		a = mon_perr_name(i);
		CU_ASSERT_STRING_NOT_EQUAL(a, "?");
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(a, mon_perr_name(j));
	}
	CU_ASSERT_STRING_EQUAL(mon_perr_name(MON_E_MISSING + 1), "?");
	for (i = MON_EV_TAKEOVER; i <= MON_EV_OTHER; i++) {
		b = mon_event_kind_name(i);
		CU_ASSERT_STRING_NOT_EQUAL(b, "?");
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(b, mon_event_kind_name(j));
	}
	CU_ASSERT_EQUAL(mon_event_level(MON_EV_FAILBACK), MON_LEVEL_INFO);
	CU_ASSERT_EQUAL(mon_event_level(MON_EV_PROXY_DOWN),
	    MON_LEVEL_CRITICAL);
	CU_ASSERT_EQUAL(mon_event_level(MON_EV_OTHER), MON_LEVEL_WARNING);
	CU_ASSERT_STRING_EQUAL(mon_level_name(MON_LEVEL_CRITICAL), "critical");
	CU_ASSERT_TRUE(mon_site_valid("a"));
	CU_ASSERT_TRUE(mon_site_valid("osaka-01"));
	CU_ASSERT_FALSE(mon_site_valid("-a"));
	CU_ASSERT_FALSE(mon_site_valid("a.b"));
	CU_ASSERT_FALSE(mon_site_valid(""));
	CU_ASSERT_FALSE(mon_site_valid("0123456789012345678901234567890123456"
	    "789012345678901234567890123"));
}

static CU_TestInfo tests[] = {
	{ "test_mon_report_golden", test_mon_report_golden },
	{ "test_mon_report_decode_too_large",
	    test_mon_report_decode_too_large },
	{ "test_mon_report_decode_line_limit",
	    test_mon_report_decode_line_limit },
	{ "test_mon_report_decode_line_count",
	    test_mon_report_decode_line_count },
	{ "test_mon_report_decode_repeat_limits",
	    test_mon_report_decode_repeat_limits },
	{ "test_mon_report_encode_largest", test_mon_report_encode_largest },
	{ "test_mon_report_encode_refuses", test_mon_report_encode_refuses },
	{ "test_mon_event_set_sanitizes", test_mon_event_set_sanitizes },
	{ "test_mon_event_decode", test_mon_event_decode },
	{ "test_mon_time_parse_format", test_mon_time_parse_format },
	{ "test_mon_report_names", test_mon_report_names },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_report_suite, "mon_report", tests)
