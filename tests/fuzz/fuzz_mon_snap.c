/*
 * fuzz_mon_snap.c: libFuzzer target for the agent's parsers of what the
 * daemons' control sockets answer and of its saved snapshot
 * (monitor/mon_snap.c), and the diff between two snapshots
 * (monitor/mon_diff.c), checking their invariants on every input.
 *
 * The first input byte picks the parser ('h' twin-ha status, 'p' proxy
 * stats, 'c' cache stats, 'w' twin-wpad status, 'l' lb servers, 's' a
 * saved snapshot; anything else tries all of them); the rest is the text.
 * Whatever parses: every string in the snapshot is terminated and within
 * its field, a report made from it encodes, a saved form of it decodes to
 * one that encodes the same, and the diff against an empty snapshot and
 * itself calls back with valid event texts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mon_agent.h"

static struct mon_snap		 s, t, empty;
static struct mon_report	 r;
static char			 enc[MON_SNAP_MAX], enc2[MON_SNAP_MAX];
static char			 msg[MON_MSG_MAX];

static void
event_cb(void *arg, enum mon_ev_kind kind, const char *text)
{
	struct mon_event	ev;
	const char		*cause;
	char			buf[MON_EVENT_MAX + 1];
	size_t			len;

	CHECK((unsigned int)kind <= MON_EV_OTHER);
	CHECK(strlen(text) <= MON_TEXT_MAX);
	mon_event_set(&ev, kind, 1714557600000ULL, text);
	ev.seq = 1;
	CHECK(mon_event_encode(&ev, buf, sizeof buf, &len, &cause) == 0);
	(*(int *)arg)++;
}

static void
check(void)
{
	const char	*cause;
	unsigned int	 line;
	size_t		 i, len, len2;
	int		 n = 0;

	CHECK(s.ntrack <= MON_SNAP_TRACK && s.nwproxy <= MON_SNAP_WPAD);
	CHECK(s.nlbs <= MON_LB_MAX && s.ncert <= MON_SNAP_CERTS);
	CHECK(strlen(s.reason) <= MON_TEXT_MAX);
	for (i = 0; i < s.ntrack; i++)
		CHECK(strlen(s.track[i].name) < MON_SNAP_KEY);
	for (i = 0; i < s.nlbs; i++)
		CHECK(mon_name_valid(s.lbs[i].cluster) &&
		    mon_name_valid(s.lbs[i].server));
	memset(&r, 0, sizeof r);
	strlcpy(r.site, "fuzz", sizeof r.site);
	strlcpy(r.peer, "a", sizeof r.peer);
	strlcpy(r.software, "0.1.0", sizeof r.software);
	r.sent = 1714557600000ULL;
	mon_snap_report(&s, &r);
	CHECK(mon_report_encode(&r, msg, sizeof msg, &len, &cause) == 0);
	if ((len = mon_snap_encode(&s, enc, sizeof enc)) > 0) {
		CHECK(mon_snap_decode(&t, enc, len, &line) == 0);
		len2 = mon_snap_encode(&t, enc2, sizeof enc2);
		CHECK(len2 == len && memcmp(enc, enc2, len) == 0);
	}
	mon_snap_diff(&empty, &s, event_cb, &n);
	mon_snap_diff(&s, &empty, event_cb, &n);
	n = 0;
	mon_snap_diff(&s, &s, event_cb, &n);
	CHECK(n == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int		(*fns[])(struct mon_snap *, const char *, size_t,
			    const char **) = { mon_snap_ha, mon_snap_proxy,
			    mon_snap_cache, mon_snap_wpad, mon_snap_lb };
	static const char	 keys[] = "hpcwl";
	const char		*text, *cause, *k;
	unsigned int		 line;
	size_t			 len, i;

	if (size < 1)
		return (0);
	text = (const char *)data + 1;
	len = size - 1;
	mon_snap_init(&empty);
	if (data[0] == 's') {
		if (mon_snap_decode(&s, text, len, &line) == 0)
			check();
		return (0);
	}
	k = memchr(keys, data[0], 5);
	for (i = 0; i < 5; i++) {
		if (k != NULL && (size_t)(k - keys) != i)
			continue;
		mon_snap_init(&s);
		if (fns[i](&s, text, len, &cause) == 0)
			check();
		else
			CHECK(cause != NULL);
	}
	return (0);
}
