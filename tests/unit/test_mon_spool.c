/*
 * test_mon_spool.c: the agent's spool on real files: order and sequence
 * numbers across reopenings, acknowledgements and compaction, torn and
 * damaged records, the bound and its drop policy, and crash consistency
 * with a writer killed (SIGKILL) at random points, many times over.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/mon_spool.h"
#include "unit.h"

#define T0	1714557600000ULL	/* 2024-05-01T10:00:00.000Z */

static char	*tmpdir(const char *);
static void	 rmtree(const char *);
static struct mon_spool *sp_open(const char *, uint64_t);
static void	 add(struct mon_spool *, enum mon_ev_kind, const char *, int);
static int	 pending(struct mon_spool *, struct mon_event **);
static char	*slurp_file(const char *, const char *, size_t *);
static void	 put_file(const char *, const char *, const char *, size_t);

/* A fresh folder under <base> (TMPDIR if NULL). */
static char *
tmpdir(const char *base)
{
	char	*p;

	if (base == NULL && (base = getenv("TMPDIR")) == NULL)
		base = "/tmp";
	if (asprintf(&p, "%s/twinproxy-spool.XXXXXX", base) == -1)
		return (NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(p));
	return (p);
}

/* Remove a spool folder (flat: its files only). */
static void
rmtree(const char *dir)
{
	static const char *const names[] = { "events", "state", "lock",
	    "events.tmp", "state.tmp", NULL };
	char	path[4096];
	int	i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static struct mon_spool *
sp_open(const char *dir, uint64_t size)
{
	struct mon_spool_params	 p = { size, 0 };
	struct mon_spool	*sp;
	char			*cause = NULL;

	sp = mon_spool_open(dir, &p, T0, &cause);
	if (sp == NULL)
		fprintf(stderr, "\nmon_spool_open: %s\n", cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
	return (sp);
}

/* Append an event; <want> is the expected result. */
static void
add(struct mon_spool *sp, enum mon_ev_kind kind, const char *text, int want)
{
	struct mon_event	 ev;
	char			*cause = NULL;
	int			 rv;

	mon_event_set(&ev, kind, T0 + 1, text);
	rv = mon_spool_append(sp, &ev, T0 + 2, &cause);
	if (rv != want)
		fprintf(stderr, "\nappend: %d (%s)\n", rv, cause ? cause : "");
	CU_ASSERT_EQUAL(rv, want);
}

/* Every pending event, oldest first, in a malloc'd array. */
static int
pending(struct mon_spool *sp, struct mon_event **evs)
{
	struct mon_spool_stats	 st;
	char			*cause;
	int			 n;

	mon_spool_stats(sp, &st);
	*evs = calloc(st.pending + 1, sizeof **evs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*evs);
	n = mon_spool_peek(sp, *evs, st.pending + 1, &cause);
	CU_ASSERT_EQUAL(n, (int)st.pending);
	return (n);
}

static char *
slurp_file(const char *dir, const char *name, size_t *len)
{
	char	path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return (unit_slurp(path, len));
}

static void
put_file(const char *dir, const char *name, const char *buf, size_t len)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Events come back oldest first with their numbers, after reopening. */
static void
test_mon_spool_append_reopen(void)
{
	struct mon_spool	*sp;
	struct mon_event	*evs, ev;
	struct mon_spool_stats	 st;
	char			*dir = tmpdir(NULL), text[32], *cause;
	int			 i, n;

	sp = sp_open(dir, 1 << 20);
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof text, "event %d", i);
		mon_event_set(&ev, i % 2 ? MON_EV_PROXY_DOWN : MON_EV_PROXY_UP,
		    T0 + i, text);
		CU_ASSERT_EQUAL(mon_spool_append(sp, &ev, T0, &cause), 0);
		CU_ASSERT_EQUAL(ev.seq, (uint64_t)i + 1);
	}
	mon_spool_close(sp);
	sp = sp_open(dir, 1 << 20);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.pending, 10);
	CU_ASSERT_EQUAL(st.next_seq, 11);
	CU_ASSERT_EQUAL(st.torn_bytes, 0);
	n = pending(sp, &evs);
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof text, "event %d", i);
		CU_ASSERT_EQUAL(evs[i].seq, (uint64_t)i + 1);
		CU_ASSERT_EQUAL(evs[i].time, T0 + i);
		CU_ASSERT_STRING_EQUAL(evs[i].text, text);
		CU_ASSERT_EQUAL(evs[i].kind, i % 2 ? MON_EV_PROXY_DOWN :
		    MON_EV_PROXY_UP);
	}
	free(evs);
	/* Peek is bounded by its caller's array. */
	evs = calloc(3, sizeof *evs);
	CU_ASSERT_EQUAL(mon_spool_peek(sp, evs, 3, &cause), 3);
	CU_ASSERT_EQUAL(evs[2].seq, 3);
	free(evs);
	mon_spool_close(sp);
	rmtree(dir);
	free(dir);
}

/*
 * Acknowledged events go; the log is compacted when all are; sequence
 * numbers continue after the log shrank to nothing.
 */
static void
test_mon_spool_ack_compact(void)
{
	struct mon_spool	*sp;
	struct mon_event	*evs;
	struct mon_spool_stats	 st;
	char			*dir = tmpdir(NULL), *cause, *state;
	int			 i;

	sp = sp_open(dir, 1 << 20);
	for (i = 0; i < 10; i++)
		add(sp, MON_EV_TAKEOVER, "t", 0);
	CU_ASSERT_EQUAL(mon_spool_ack(sp, 5, T0, &cause), 0);
	CU_ASSERT_EQUAL(pending(sp, &evs), 5);
	CU_ASSERT_EQUAL(evs[0].seq, 6);
	free(evs);
	/* An older acknowledgement changes nothing. */
	CU_ASSERT_EQUAL(mon_spool_ack(sp, 3, T0, &cause), 0);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.acked, 5);
	CU_ASSERT_EQUAL(st.compactions, 0);
	mon_spool_close(sp);
	sp = sp_open(dir, 1 << 20);
	CU_ASSERT_EQUAL(pending(sp, &evs), 5);
	CU_ASSERT_EQUAL(evs[0].seq, 6);
	free(evs);
	CU_ASSERT_EQUAL(mon_spool_ack(sp, 10, T0, &cause), 0);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.pending, 0);
	CU_ASSERT_EQUAL(st.file_bytes, 0);
	CU_ASSERT_EQUAL(st.compactions, 1);
	mon_spool_close(sp);
	state = slurp_file(dir, "state", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(state);
	CU_ASSERT_STRING_EQUAL(state, "twinproxy-spool 1\nacked 10\nlast 10\n"
	    "refused 0\nevicted 0\nevict-first 0\nevict-last 0\nsince 0\n");
	free(state);
	sp = sp_open(dir, 1 << 20);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.next_seq, 11);
	add(sp, MON_EV_FAILBACK, NULL, 0);
	CU_ASSERT_EQUAL(pending(sp, &evs), 1);
	CU_ASSERT_EQUAL(evs[0].seq, 11);
	free(evs);
	/* Acknowledging a number never given out is refused. */
	CU_ASSERT_EQUAL(mon_spool_ack(sp, 12, T0, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "never spooled"));
	mon_spool_close(sp);
	rmtree(dir);
	free(dir);
}

/*
 * A log cut anywhere inside its last record (a writer that died in the
 * middle of an append) opens with that record dropped and the others
 * whole; the next append reuses the torn record's number, which was
 * never handed out.
 */
static void
test_mon_spool_torn_tail(void)
{
	struct mon_spool	*sp;
	struct mon_event	*evs;
	struct mon_spool_stats	 st;
	char			*dir = tmpdir(NULL), *log, *cut;
	size_t			 len, two, k;

	sp = sp_open(dir, 1 << 20);
	add(sp, MON_EV_TAKEOVER, "one", 0);
	add(sp, MON_EV_SERVICE_DOWN, "two", 0);
	mon_spool_stats(sp, &st);
	two = st.file_bytes;
	add(sp, MON_EV_CACHE_ERROR, "three", 0);
	mon_spool_close(sp);
	log = slurp_file(dir, "events", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	cut = slurp_file(dir, "state", NULL);
	CU_ASSERT_PTR_NULL(cut);	/* nothing acknowledged yet */
	for (k = two; k < len; k++) {
		put_file(dir, "events", log, k);
		sp = sp_open(dir, 1 << 20);
		mon_spool_stats(sp, &st);
		CU_ASSERT_EQUAL(st.pending, 2);
		CU_ASSERT_EQUAL(st.torn_bytes, k - two);
		CU_ASSERT_EQUAL(st.file_bytes, two);
		CU_ASSERT_EQUAL(st.next_seq, 3);
		CU_ASSERT_EQUAL(pending(sp, &evs), 2);
		CU_ASSERT_STRING_EQUAL(evs[1].text, "two");
		free(evs);
		if (k == len - 1) {
			add(sp, MON_EV_PROXY_UP, "again", 0);
			CU_ASSERT_EQUAL(pending(sp, &evs), 3);
			CU_ASSERT_EQUAL(evs[2].seq, 3);
			CU_ASSERT_STRING_EQUAL(evs[2].text, "again");
			free(evs);
		}
		mon_spool_close(sp);
	}
	free(log);
	rmtree(dir);
	free(dir);
}

/* A damaged byte ends the log at the damaged record. */
static void
test_mon_spool_damaged_record(void)
{
	struct mon_spool	*sp;
	struct mon_spool_stats	 st;
	char			*dir = tmpdir(NULL), *log;
	size_t			 len, one;

	sp = sp_open(dir, 1 << 20);
	add(sp, MON_EV_TAKEOVER, "one", 0);
	mon_spool_stats(sp, &st);
	one = st.file_bytes;
	add(sp, MON_EV_TAKEOVER, "two", 0);
	add(sp, MON_EV_TAKEOVER, "three", 0);
	mon_spool_close(sp);
	log = slurp_file(dir, "events", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	log[one + 20] ^= 0x20;		/* inside the second record */
	put_file(dir, "events", log, len);
	sp = sp_open(dir, 1 << 20);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.pending, 1);
	CU_ASSERT_EQUAL(st.torn_bytes, len - one);
	CU_ASSERT_EQUAL(st.next_seq, 2);
	mon_spool_close(sp);
	free(log);
	rmtree(dir);
	free(dir);
}

/* A state file that does not parse stops the open, with the reason. */
static void
test_mon_spool_state_damaged(void)
{
	struct mon_spool_params	 p = { 1 << 20, 0 };
	char			*dir = tmpdir(NULL), *cause = NULL;
	static const char *const bad[] = {
		"garbage\n",
		"twinproxy-spool 1\nacked -1\nlast 0\nrefused 0\nevicted 0\n"
		    "evict-first 0\nevict-last 0\nsince 0\n",
		"twinproxy-spool 1\nacked 5\nlast 4\nrefused 0\nevicted 0\n"
		    "evict-first 0\nevict-last 0\nsince 0\n",
		"twinproxy-spool 1\nacked 1\nlast 4\nrefused 0\nevicted 0\n"
		    "evict-first 0\nevict-last 0\n",
		"twinproxy-spool 1\nacked 1\nlast 4\nrefused 0\nevicted 0\n"
		    "evict-first 0\nevict-last 0\nsince 0\nextra 1\n",
	};
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put_file(dir, "state", bad[i], strlen(bad[i]));
		CU_ASSERT_PTR_NULL(mon_spool_open(dir, &p, T0, &cause));
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, "not a spool state"));
	}
	p.size = 1024;
	CU_ASSERT_PTR_NULL(mon_spool_open(dir, &p, T0, &cause));
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "out of range"));
	rmtree(dir);
	free(dir);
}

/* One process per spool. */
static void
test_mon_spool_lock(void)
{
	struct mon_spool_params	 p = { 1 << 20, 0 };
	struct mon_spool	*sp;
	char			*dir = tmpdir(NULL), *cause = NULL;

	sp = sp_open(dir, 1 << 20);
	CU_ASSERT_PTR_NULL(mon_spool_open(dir, &p, T0, &cause));
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "in use by another process"));
	mon_spool_close(sp);
	sp = sp_open(dir, 1 << 20);
	mon_spool_close(sp);
	rmtree(dir);
	free(dir);
}

/*
 * Full: new info events are refused, a critical one evicts the oldest
 * info event, and the losses come back as events-dropped events: the
 * first at once (in the reserve), the next once that one is delivered,
 * the counts waiting in the state file meanwhile, across a restart too.
 */
static void
test_mon_spool_full_policy(void)
{
	struct mon_spool	*sp;
	struct mon_event	*evs, ev;
	struct mon_spool_stats	 st;
	char			*dir = tmpdir(NULL), *cause, text[200];
	int			 i, n, ninfo;

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	sp = sp_open(dir, MON_SPOOL_MIN);
	for (ninfo = 0;; ninfo++) {
		mon_event_set(&ev, MON_EV_PROXY_UP, T0, text);
		if (mon_spool_append(sp, &ev, T0 + 5, &cause) != 0)
			break;
		CU_ASSERT_FATAL(ninfo < 1000);
	}
	/* The first refusal is reported at once, in the reserve. */
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 0);
	CU_ASSERT_EQUAL(st.pending, (uint64_t)ninfo + 1);
	CU_ASSERT(st.file_bytes <= MON_SPOOL_MIN);
	add(sp, MON_EV_PROXY_UP, text, 1);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	mon_spool_close(sp);

	/* The count survives a restart, still waiting. */
	sp = sp_open(dir, MON_SPOOL_MIN);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(st.pending, (uint64_t)ninfo + 1);
	/* Longer than the room left: one info event must go. */
	text[150] = '\0';
	add(sp, MON_EV_PROXY_DOWN, text, 0);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(st.evicted, 1);
	CU_ASSERT(st.file_bytes <= MON_SPOOL_MIN);
	n = pending(sp, &evs);
	CU_ASSERT_EQUAL_FATAL(n, ninfo + 1);
	CU_ASSERT_EQUAL(evs[0].seq, 2);		/* seq 1 was evicted */
	for (i = 1; i < n; i++)
		CU_ASSERT(evs[i].seq > evs[i - 1].seq);
	CU_ASSERT_EQUAL(evs[n - 2].kind, MON_EV_EVENTS_DROPPED);
	CU_ASSERT_EQUAL(evs[n - 2].seq, (uint64_t)ninfo + 1);
	CU_ASSERT_EQUAL(evs[n - 2].time, T0 + 5);
	CU_ASSERT_STRING_EQUAL(evs[n - 2].text, "spool full since "
	    "2024-05-01T10:00:00.005Z: 1 new events refused");
	CU_ASSERT_EQUAL(evs[n - 1].kind, MON_EV_PROXY_DOWN);
	CU_ASSERT_EQUAL(evs[n - 1].seq, (uint64_t)ninfo + 2);
	free(evs);

	/* The first report delivered, the second follows. */
	CU_ASSERT_EQUAL(mon_spool_ack(sp, ninfo + 1, T0 + 9, &cause), 0);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 0);
	CU_ASSERT_EQUAL(st.evicted, 0);
	n = pending(sp, &evs);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(evs[0].kind, MON_EV_PROXY_DOWN);
	CU_ASSERT_EQUAL(evs[1].kind, MON_EV_EVENTS_DROPPED);
	CU_ASSERT_EQUAL(evs[1].seq, (uint64_t)ninfo + 3);
	CU_ASSERT_EQUAL(evs[1].time, T0 + 9);
	CU_ASSERT_STRING_EQUAL(evs[1].text, "spool full since "
	    "2024-05-01T10:00:00.002Z: 1 new events refused, 1 info events "
	    "evicted (seq 1-1)");
	free(evs);
	mon_spool_close(sp);
	rmtree(dir);
	free(dir);
}

/* Full of important events: a new one is refused, none evicted. */
static void
test_mon_spool_full_of_warnings(void)
{
	struct mon_spool	*sp;
	struct mon_spool_stats	 st;
	struct mon_event	*evs, ev;
	char			*dir = tmpdir(NULL), *cause, text[200];
	int			 n, nw;

	memset(text, 'w', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	sp = sp_open(dir, MON_SPOOL_MIN);
	for (nw = 0; nw < 1000; nw++) {
		mon_event_set(&ev, MON_EV_TAKEOVER, T0, text);
		if (mon_spool_append(sp, &ev, T0, &cause) != 0)
			break;
	}
	add(sp, MON_EV_PARTNER_ERROR, "critical", 1);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(st.evicted, 0);
	CU_ASSERT_EQUAL(st.pending, (uint64_t)nw + 1);
	/* Delivering some, the first report among them, lets the next in. */
	CU_ASSERT_EQUAL(mon_spool_ack(sp, 1, T0, &cause), 0);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(mon_spool_ack(sp, nw + 1, T0 + 3, &cause), 0);
	mon_spool_stats(sp, &st);
	CU_ASSERT_EQUAL(st.refused, 0);
	CU_ASSERT(st.compactions >= 1);
	n = pending(sp, &evs);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(evs[0].seq, (uint64_t)nw + 2);
	CU_ASSERT_EQUAL(evs[0].kind, MON_EV_EVENTS_DROPPED);
	CU_ASSERT_STRING_EQUAL(evs[0].text, "spool full since "
	    "2024-05-01T10:00:00.002Z: 1 new events refused");
	free(evs);
	mon_spool_close(sp);
	rmtree(dir);
	free(dir);
}

/*
 * The writer, in a child: append forever (in 1-byte writes so a kill
 * often tears a record), acknowledging now and then, and tell the parent
 * each append and acknowledgement that returned, through <fd>.
 */
static void __attribute__((noreturn))
crash_writer(const char *dir, int fd)
{
	struct mon_spool_params	 p = { 1 << 20, 1 };
	struct mon_spool	*sp;
	struct mon_event	 ev;
	char			*cause, text[64];
	uint64_t		 msg;
	int			 i;

	if ((sp = mon_spool_open(dir, &p, T0, &cause)) == NULL)
		_exit(2);
	for (i = 0; i < 100000; i++) {
		snprintf(text, sizeof text, "event number %d", i);
		mon_event_set(&ev, i % 3 ? MON_EV_TAKEOVER : MON_EV_PROXY_UP,
		    T0 + i, text);
		if (mon_spool_append(sp, &ev, T0, &cause) != 0)
			_exit(3);
		msg = ev.seq;
		if (write(fd, &msg, sizeof msg) != sizeof msg)
			_exit(4);
		if (i % 16 == 15 && ev.seq > 8) {
			if (mon_spool_ack(sp, ev.seq - 8, T0, &cause) != 0)
				_exit(5);
			msg = (ev.seq - 8) | 1ULL << 63;
			if (write(fd, &msg, sizeof msg) != sizeof msg)
				_exit(6);
		}
	}
	_exit(0);
}

static void
test_mon_spool_crash_sigkill(void)
{
	struct mon_spool	*sp;
	struct mon_spool_stats	 st;
	struct mon_event	*evs;
	const char		*base = "/dev/shm";
	char			*dir;
	uint64_t		 msg, appended = 0, acked = 0, next = 1;
	uint64_t		 torn = 0, total = 0;
	int			 fds[2], iter, status, n, i, flags;
	pid_t			 pid;

	/*
	 * tmpfs makes fdatasync cheap, so the kill lands inside the writes
	 * rather than in the sync; a killed process loses nothing of the
	 * page cache, so this is the crash being tested, not power loss.
	 */
	if (access(base, W_OK) == -1)
		base = NULL;
	dir = tmpdir(base);
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	for (iter = 0; iter < 60; iter++) {
		CU_ASSERT_FATAL(pipe(fds) == 0);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			crash_writer(dir, fds[1]);
		}
		CU_ASSERT_FATAL(pid > 0);
		close(fds[1]);
		usleep(500 + random() % 15000);
		kill(pid, SIGKILL);
		CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
		CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		flags = fcntl(fds[0], F_GETFL);
		fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
		while (read(fds[0], &msg, sizeof msg) == sizeof msg) {
			if (msg >> 63)
				acked = msg & ~(1ULL << 63);
			else {
				/* Numbers go on from the last run, in order. */
				CU_ASSERT_EQUAL(msg, next);
				next = msg + 1;
				appended = msg;
				total++;
			}
		}
		close(fds[0]);

		sp = sp_open(dir, 1 << 20);
		mon_spool_stats(sp, &st);
		torn += st.torn_bytes != 0;
		CU_ASSERT(st.acked >= acked);
		/* At most one append finished without its report. */
		CU_ASSERT(st.next_seq == appended + 1 ||
		    st.next_seq == appended + 2);
		n = pending(sp, &evs);
		/* Every returned, unacknowledged append, once, in order. */
		CU_ASSERT_EQUAL((uint64_t)n, st.next_seq - 1 - st.acked);
		for (i = 0; i < n; i++)
			CU_ASSERT_EQUAL(evs[i].seq, st.acked + 1 + i);
		free(evs);
		next = st.next_seq;
		appended = st.next_seq - 1;
		acked = st.acked;
		mon_spool_close(sp);
	}
	fprintf(stderr, "\n%" PRIu64 " appends in 60 crashes, %" PRIu64
	    " with a torn record ", total, torn);
	CU_ASSERT(total > 60);
	CU_ASSERT(torn > 0);
	rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
	{ "test_mon_spool_append_reopen", test_mon_spool_append_reopen },
	{ "test_mon_spool_ack_compact", test_mon_spool_ack_compact },
	{ "test_mon_spool_torn_tail", test_mon_spool_torn_tail },
	{ "test_mon_spool_damaged_record", test_mon_spool_damaged_record },
	{ "test_mon_spool_state_damaged", test_mon_spool_state_damaged },
	{ "test_mon_spool_lock", test_mon_spool_lock },
	{ "test_mon_spool_full_policy", test_mon_spool_full_policy },
	{ "test_mon_spool_full_of_warnings",
	    test_mon_spool_full_of_warnings },
	{ "test_mon_spool_crash_sigkill", test_mon_spool_crash_sigkill },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_spool_suite, "mon_spool", tests)
