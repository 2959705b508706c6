/*
 * fuzz_mon_report.c: libFuzzer target for the monitoring report, the
 * acknowledgement and the single-event decoders (monitor/mon_report.c),
 * checking their invariants on every input.
 *
 * Build (from the top of the source tree) and run:
 *	clang -fsanitize=fuzzer,address,undefined -I monitor \
 *	    tests/fuzz/fuzz_mon_report.c monitor/mon_report.c
 *	./a.out -max_total_time=60 tests/fuzz/corpus_mon_report
 *
 * The first input byte picks the decoder ('r' report, 'a' ack, 'e' one
 * event as in the spool, and the same bytes as the text of a new event;
 * anything else tries all of them); the rest is the message. What decodes
 * must encode, and its encoding must decode to the same thing and encode
 * to the same bytes (the canonical form).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon_report.h"
#include "fuzz.h"

static void	check_err(const struct mon_perr *, const char *, size_t);
static void	fuzz_report(const char *, size_t);
static void	fuzz_ack(const char *, size_t);
static void	fuzz_event(const char *, size_t);
static void	fuzz_event_set(const char *, size_t);

static struct mon_report	r, r2;
static char			enc[MON_MSG_MAX], enc2[MON_MSG_MAX];

/* An error names a known code, a line inside the input and a field. */
static void
check_err(const struct mon_perr *e, const char *buf, size_t len)
{
	char		text[512];
	size_t		i, lines = 1;

	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK(e->code > MON_E_NONE && e->code <= MON_E_MISSING);
	CHECK(e->line <= lines);
	CHECK(strlen(e->field) <= MON_KEY_MAX);
	CHECK(strcmp(mon_perr_name(e->code), "?") != 0);
	mon_perr_fmt(e, text, sizeof text);
	CHECK(text[0] != '\0');
}

static void
fuzz_report(const char *buf, size_t len)
{
	struct mon_perr	 e;
	const char	*cause;
	size_t		 n, n2, i;
	unsigned int	 unknown;

	if (mon_report_decode(buf, len, &r, &e) == -1) {
		check_err(&e, buf, len);
		return;
	}
	CHECK(r.nlb <= MON_LB_MAX && r.nev <= MON_EVENTS_MAX);
	for (i = 0; i < r.nev; i++) {
		CHECK(i == 0 || r.ev[i].seq > r.ev[i - 1].seq);
		CHECK(strcmp(mon_event_kind_name(r.ev[i].kind), "?") != 0);
		CHECK(strcmp(mon_level_name(mon_event_level(r.ev[i].kind)),
		    "?") != 0);
	}
	for (i = 0; i < r.nlb; i++)
		CHECK(strcmp(mon_lbstate_name(r.lb[i].state), "?") != 0);
	CHECK(strcmp(mon_role_name(r.role), "?") != 0);
	CHECK(strcmp(mon_partner_name(r.partner), "?") != 0);
	CHECK(strcmp(mon_svc_name(r.proxy), "?") != 0);
	CHECK(strcmp(mon_svc_name(r.wpad), "?") != 0);
	CHECK(mon_site_valid(r.site) && mon_name_valid(r.peer));
	CHECK(mon_report_encode(&r, enc, sizeof enc, &n, &cause) == 0);
	/*
	 * Values have one spelling each, so without unknown lines the
	 * encoding is the input's lines, maybe in another order.
	 */
	unknown = r.nunknown;
	if (unknown == 0)
		CHECK(n == len);
	CHECK(mon_report_decode(enc, n, &r2, &e) == 0);
	CHECK(r2.nunknown == 0);
	r.nunknown = 0;
	memset(r.unknown, 0, sizeof r.unknown);
	CHECK(memcmp(&r, &r2, sizeof r) == 0);
	CHECK(mon_report_encode(&r2, enc2, sizeof enc2, &n2, &cause) == 0);
	CHECK(n2 == n && memcmp(enc, enc2, n) == 0);
}

static void
fuzz_ack(const char *buf, size_t len)
{
	struct mon_ack	 a, a2;
	struct mon_perr	 e;
	const char	*cause;
	size_t		 n, n2;

	if (mon_ack_decode(buf, len, &a, &e) == -1) {
		check_err(&e, buf, len);
		return;
	}
	CHECK(mon_ack_encode(&a, enc, sizeof enc, &n, &cause) == 0);
	CHECK(mon_ack_decode(enc, n, &a2, &e) == 0);
	CHECK(a.ack == a2.ack && a.time == a2.time &&
	    strcmp(a.error, a2.error) == 0);
	CHECK(mon_ack_encode(&a2, enc2, sizeof enc2, &n2, &cause) == 0);
	CHECK(n2 == n && memcmp(enc, enc2, n) == 0);
}

static void
fuzz_event(const char *buf, size_t len)
{
	struct mon_event	 ev, ev2;
	const char		*detail;
	char			 out[MON_EVENT_MAX + 1];
	size_t			 n;

	if (mon_event_decode(buf, len, &ev, &detail) == -1) {
		CHECK(detail != NULL);
		return;
	}
	CHECK(ev.seq != 0);
	CHECK(mon_event_encode(&ev, out, sizeof out, &n, &detail) == 0);
	/* The single event form is canonical already. */
	CHECK(n == len && memcmp(out, buf, n) == 0);
	CHECK(mon_event_decode(out, n, &ev2, &detail) == 0);
	CHECK(memcmp(&ev, &ev2, sizeof ev) == 0);
}

/* Whatever text an agent hands over, the event it makes encodes. */
static void
fuzz_event_set(const char *buf, size_t len)
{
	struct mon_event	 ev, ev2;
	const char		*detail;
	char			 text[1024], out[MON_EVENT_MAX + 1];
	size_t			 n;

	if (len >= sizeof text)
		len = sizeof text - 1;
	memcpy(text, buf, len);
	text[len] = '\0';
	mon_event_set(&ev, (enum mon_ev_kind)(len % (MON_EV_OTHER + 2)),
	    (uint64_t)len * 1000, text);
	ev.seq = len + 1;
	CHECK(mon_event_encode(&ev, out, sizeof out, &n, &detail) == 0);
	CHECK(mon_event_decode(out, n, &ev2, &detail) == 0);
	CHECK(strcmp(ev.text, ev2.text) == 0 && ev.seq == ev2.seq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data + 1;
	char		 tb[MON_TIME_LEN + 1];
	uint64_t	 ms;
	size_t		 len;

	if (size == 0)
		return (0);
	len = size - 1;
	switch (data[0]) {
	case 'r':
		fuzz_report(buf, len);
		break;
	case 'a':
		fuzz_ack(buf, len);
		break;
	case 'e':
		fuzz_event(buf, len);
		fuzz_event_set(buf, len);
		break;
	default:
		fuzz_report(buf, len);
		fuzz_ack(buf, len);
		fuzz_event(buf, len);
		fuzz_event_set(buf, len);
		if (mon_time_parse(buf, len, &ms) == 0) {
			mon_time_fmt(ms, tb, sizeof tb);
			CHECK(len == MON_TIME_LEN && memcmp(tb, buf, len) == 0);
		}
		break;
	}
	return (0);
}
