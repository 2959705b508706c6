/*
 * mon_spool.c: the agent's crash-consistent event spool (see mon_spool.h
 * for the guarantees and the files).
 *
 * Every change that must survive a crash is ordered so that a crash at
 * any point leaves either the old or the new state, never a mix:
 * - append: one record written at the end of the log, then fdatasync;
 *   a crash before the sync leaves at most a torn last record, which the
 *   length and CRC expose at open;
 * - acknowledge: the state file is written to state.tmp, synced, renamed
 *   over state and the folder synced; only then may the log lose records;
 * - compact (drop acknowledged and evicted records): the state file first
 *   (with the highest sequence assigned, so the numbers are never reused
 *   even when the log shrinks to nothing), then the kept records to
 *   events.tmp, synced and renamed over events.
 * A failed write or sync marks the spool broken: after a failed fsync the
 * kernel's view of the file is unknown, so nothing more is written until
 * the spool is opened again, which rescans the log.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon_spool.h"
#include "xmalloc.h"

#define REC_MAGIC	0x31455054U	/* "TPE1" little-endian */
#define REC_HDR		12		/* magic, length, CRC-32 */
#define REC_MAX		(REC_HDR + MON_EVENT_MAX)
#define STATE_MAX	512

/* One record of the log, as indexed at open and on append. */
struct rec {
	uint64_t	 off;
	uint32_t	 size;		/* header and payload */
	uint64_t	 seq;
	enum mon_level	 level;
	int		 drop_report;	/* an events-dropped event */
};

/* What the state file holds. */
struct spool_state {
	uint64_t	 acked;		/* every seq <= acked is delivered */
	uint64_t	 last;		/* highest seq assigned so far */
	uint64_t	 refused;	/* drops not yet reported: */
	uint64_t	 evicted;
	uint64_t	 evict_first;	/* seq range of the evicted */
	uint64_t	 evict_last;
	uint64_t	 since;		/* time of the first unreported drop */
};

struct mon_spool {
	int			 dirfd;
	int			 fd;		/* events, O_APPEND */
	int			 lockfd;
	struct mon_spool_params	 p;
	struct rec		*recs;
	size_t			 nrecs;
	size_t			 first;		/* recs[first..] pending */
	size_t			 cap;
	uint64_t		 size;		/* of the log file */
	uint64_t		 next_seq;
	struct spool_state	 st;
	uint64_t		 torn;
	uint64_t		 compactions;
	int			 broken;
	char			 errbuf[256];
};

static uint32_t	crc_update(uint32_t, const void *, size_t);
static void	put32(unsigned char *, uint32_t);
static uint32_t	get32(const unsigned char *);
static char	*fail(struct mon_spool *, const char *, int);
static int	write_all(int, const void *, size_t, size_t);
static int	state_parse(const char *, struct spool_state *);
static int	state_read(struct mon_spool *, char **);
static int	state_write(struct mon_spool *, const struct spool_state *,
		    char **);
static int	rec_read(struct mon_spool *, const struct rec *,
		    struct mon_event *, const char **);
static int	scan(struct mon_spool *, char **);
static void	index_add(struct mon_spool *, uint64_t, uint32_t,
		    const struct mon_event *);
static uint64_t	pending_bytes(const struct mon_spool *);
static int	compact(struct mon_spool *, const unsigned char *, char **);
static int	rec_append(struct mon_spool *, struct mon_event *, char **);
static int	make_room(struct mon_spool *, size_t, enum mon_level,
		    uint64_t, char **);
static int	drop_report(struct mon_spool *, uint64_t, char **);

/* CRC-32 (IEEE 802.3, reflected), bit by bit: records are short. */
static uint32_t
crc_update(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	int			 k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return (~crc);
}

/* CRC-32 of a buffer (the check value of "123456789" is cbf43926). */
uint32_t
mon_crc32(const void *buf, size_t len)
{
	return (crc_update(0, buf, len));
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* Mark the spool broken and describe why, with errno <err> if not 0. */
static char *
fail(struct mon_spool *sp, const char *what, int err)
{
	sp->broken = 1;
	if (err != 0)
		snprintf(sp->errbuf, sizeof sp->errbuf, "%s: %s", what,
		    strerror(err));
	else
		snprintf(sp->errbuf, sizeof sp->errbuf, "%s", what);
	return (sp->errbuf);
}

/* Write everything, in pieces of <chunk> bytes if not 0. */
static int
write_all(int fd, const void *buf, size_t len, size_t chunk)
{
	const char	*p = buf;
	size_t		 n;
	ssize_t		 w;

	while (len > 0) {
		n = chunk != 0 && chunk < len ? chunk : len;
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		len -= w;
	}
	return (0);
}

/* The lines of the state file, in order. */
static const struct {
	const char	*name;
	size_t		 off;
} state_lines[] = {
	{ "acked", offsetof(struct spool_state, acked) },
	{ "last", offsetof(struct spool_state, last) },
	{ "refused", offsetof(struct spool_state, refused) },
	{ "evicted", offsetof(struct spool_state, evicted) },
	{ "evict-first", offsetof(struct spool_state, evict_first) },
	{ "evict-last", offsetof(struct spool_state, evict_last) },
	{ "since", offsetof(struct spool_state, since) },
};
#define STATE_MAGIC	"twinproxy-spool 1\n"

/* Parse the state file strictly: magic, then each "name N" line. */
static int
state_parse(const char *p, struct spool_state *st)
{
	uint64_t	 x, *v;
	size_t		 i, n, k;

	memset(st, 0, sizeof *st);
	if (strncmp(p, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
		return (-1);
	p += strlen(STATE_MAGIC);
	for (i = 0; i < sizeof state_lines / sizeof state_lines[0]; i++) {
		n = strlen(state_lines[i].name);
		if (strncmp(p, state_lines[i].name, n) != 0 || p[n] != ' ')
			return (-1);
		p += n + 1;
		for (x = 0, k = 0; p[k] >= '0' && p[k] <= '9'; k++) {
			if (x > (UINT64_MAX - (p[k] - '0')) / 10)
				return (-1);
			x = x * 10 + (p[k] - '0');
		}
		if (k == 0 || p[k] != '\n')
			return (-1);
		v = (uint64_t *)((char *)st + state_lines[i].off);
		*v = x;
		p += k + 1;
	}
	return (*p == '\0' && st->acked <= st->last ? 0 : -1);
}

/* Read the state file; a missing one is an empty spool. */
static int
state_read(struct mon_spool *sp, char **cause)
{
	char	buf[STATE_MAX + 1];
	ssize_t	n;
	int	fd;

	memset(&sp->st, 0, sizeof sp->st);
	if ((fd = openat(sp->dirfd, "state", O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		*cause = fail(sp, "state", errno);
		return (-1);
	}
	n = read(fd, buf, STATE_MAX);
	close(fd);
	if (n == -1) {
		*cause = fail(sp, "state", errno);
		return (-1);
	}
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n || state_parse(buf, &sp->st) == -1) {
		/*
		 * Guessing would resend or lose events; the file is renamed
		 * into place whole, so this is damage, not a crash.
		 */
		memset(&sp->st, 0, sizeof sp->st);
		*cause = fail(sp, "state: not a spool state file (damaged?)",
		    0);
		return (-1);
	}
	return (0);
}

/* Replace the state file atomically; sp->st follows on success. */
static int
state_write(struct mon_spool *sp, const struct spool_state *st, char **cause)
{
	char		 buf[STATE_MAX];
	const uint64_t	*v;
	size_t		 i;
	int		 fd, n;

	n = snprintf(buf, sizeof buf, "%s", STATE_MAGIC);
	for (i = 0; i < sizeof state_lines / sizeof state_lines[0]; i++) {
		v = (const uint64_t *)((const char *)st + state_lines[i].off);
		n += snprintf(buf + n, sizeof buf - n, "%s %" PRIu64 "\n",
		    state_lines[i].name, *v);
	}
	fd = openat(sp->dirfd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		*cause = fail(sp, "state.tmp", errno);
		return (-1);
	}
	if (write_all(fd, buf, n, 0) == -1 || fsync(fd) == -1) {
		*cause = fail(sp, "state.tmp", errno);
		close(fd);
		return (-1);
	}
	close(fd);
	if (renameat(sp->dirfd, "state.tmp", sp->dirfd, "state") == -1 ||
	    fsync(sp->dirfd) == -1) {
		*cause = fail(sp, "state", errno);
		return (-1);
	}
	sp->st = *st;
	return (0);
}

/* Read, check and decode one indexed record. */
static int
rec_read(struct mon_spool *sp, const struct rec *r, struct mon_event *ev,
    const char **detail)
{
	unsigned char	buf[REC_MAX];
	uint32_t	len;

	if (r->size < REC_HDR || r->size > REC_MAX ||
	    pread(sp->fd, buf, r->size, r->off) != (ssize_t)r->size) {
		*detail = "short record";
		return (-1);
	}
	len = get32(buf + 4);
	if (get32(buf) != REC_MAGIC || len != r->size - REC_HDR ||
	    get32(buf + 8) != crc_update(crc_update(0, buf, 8), buf +
	    REC_HDR, len)) {
		*detail = "bad magic, length or CRC";
		return (-1);
	}
	return (mon_event_decode((char *)buf + REC_HDR, len, ev, detail));
}

static void
index_add(struct mon_spool *sp, uint64_t off, uint32_t size,
    const struct mon_event *ev)
{
	if (sp->nrecs == sp->cap) {
		sp->cap = sp->cap == 0 ? 64 : sp->cap * 2;
		sp->recs = xreallocarray(sp->recs, sp->cap, sizeof *sp->recs);
	}
	sp->recs[sp->nrecs].off = off;
	sp->recs[sp->nrecs].size = size;
	sp->recs[sp->nrecs].seq = ev->seq;
	sp->recs[sp->nrecs].level = mon_event_level(ev->kind);
	sp->recs[sp->nrecs].drop_report = ev->kind == MON_EV_EVENTS_DROPPED;
	sp->nrecs++;
}

/*
 * Index the log. The first record that is short, has a bad magic, length
 * or CRC, does not decode or does not follow its predecessor's sequence
 * number ends the log: the file is cut there (it can only be the record
 * being appended when the writer died).
 */
static int
scan(struct mon_spool *sp, char **cause)
{
	unsigned char		 hdr[REC_HDR];
	struct mon_event	 ev;
	struct stat		 sb;
	struct rec		 r;
	const char		*detail;
	uint64_t		 off = 0, prev = 0;
	uint32_t		 len;

	if (fstat(sp->fd, &sb) == -1) {
		*cause = fail(sp, "events", errno);
		return (-1);
	}
	if ((uint64_t)sb.st_size > MON_SPOOL_MAX * 2) {
		*cause = fail(sp, "events: larger than any spool", 0);
		return (-1);
	}
	while ((uint64_t)sb.st_size - off >= REC_HDR) {
		if (pread(sp->fd, hdr, REC_HDR, off) != REC_HDR)
			break;
		len = get32(hdr + 4);
		if (get32(hdr) != REC_MAGIC || len == 0 ||
		    len > MON_EVENT_MAX ||
		    (uint64_t)sb.st_size - off - REC_HDR < len)
			break;
		r.off = off;
		r.size = REC_HDR + len;
		if (rec_read(sp, &r, &ev, &detail) == -1 || ev.seq <= prev)
			break;
		index_add(sp, off, r.size, &ev);
		prev = ev.seq;
		off += r.size;
	}
	sp->size = off;
	if (off < (uint64_t)sb.st_size) {
		sp->torn = sb.st_size - off;
		if (ftruncate(sp->fd, off) == -1 || fsync(sp->fd) == -1) {
			*cause = fail(sp, "events: cutting the torn record",
			    errno);
			return (-1);
		}
	}
	return (0);
}

static uint64_t
pending_bytes(const struct mon_spool *sp)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = sp->first; i < sp->nrecs; i++)
		n += sp->recs[i].size;
	return (n);
}

/*
 * Rewrite the log with the pending records only, less those marked in
 * <evict> (indexed from sp->first; NULL for none).
 */
static int
compact(struct mon_spool *sp, const unsigned char *evict, char **cause)
{
	struct spool_state	 st = sp->st;
	unsigned char		 buf[REC_MAX];
	struct rec		*kept;
	size_t			 i, n = 0;
	uint64_t		 off = 0;
	int			 fd;

	st.last = sp->next_seq - 1;
	if (state_write(sp, &st, cause) == -1)
		return (-1);
	fd = openat(sp->dirfd, "events.tmp", O_RDWR | O_CREAT | O_TRUNC |
	    O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1) {
		*cause = fail(sp, "events.tmp", errno);
		return (-1);
	}
	kept = xreallocarray(NULL, sp->nrecs - sp->first + 1, sizeof *kept);
	for (i = sp->first; i < sp->nrecs; i++) {
		if (evict != NULL && evict[i - sp->first])
			continue;
		if (pread(sp->fd, buf, sp->recs[i].size, sp->recs[i].off) !=
		    (ssize_t)sp->recs[i].size ||
		    write_all(fd, buf, sp->recs[i].size, 0) == -1) {
			*cause = fail(sp, "events.tmp", errno);
			goto fail;
		}
		kept[n] = sp->recs[i];
		kept[n++].off = off;
		off += sp->recs[i].size;
	}
	if (fsync(fd) == -1) {
		*cause = fail(sp, "events.tmp", errno);
		goto fail;
	}
	if (renameat(sp->dirfd, "events.tmp", sp->dirfd, "events") == -1 ||
	    fsync(sp->dirfd) == -1) {
		*cause = fail(sp, "events", errno);
		goto fail;
	}
	close(sp->fd);
	sp->fd = fd;
	free(sp->recs);
	sp->recs = kept;
	sp->cap = sp->nrecs - sp->first + 1;
	sp->nrecs = n;
	sp->first = 0;
	sp->size = off;
	sp->compactions++;
	return (0);
fail:
	free(kept);
	close(fd);
	return (-1);
}

/* Write <ev> (seq set) as the last record and sync it. */
static int
rec_append(struct mon_spool *sp, struct mon_event *ev, char **cause)
{
	unsigned char	 buf[REC_MAX];
	const char	*detail;
	size_t		 len;

	if (mon_event_encode(ev, (char *)buf + REC_HDR, MON_EVENT_MAX + 1,
	    &len, &detail) == -1) {
		*cause = (char *)detail;
		return (-1);
	}
	put32(buf, REC_MAGIC);
	put32(buf + 4, len);
	put32(buf + 8, crc_update(crc_update(0, buf, 8), buf + REC_HDR, len));
	if (write_all(sp->fd, buf, REC_HDR + len, sp->p.write_chunk) == -1 ||
	    fdatasync(sp->fd) == -1) {
		*cause = fail(sp, "events", errno);
		/* Best effort: a later open cuts a torn record anyway. */
		if (ftruncate(sp->fd, sp->size) == 0)
			fdatasync(sp->fd);
		return (-1);
	}
	index_add(sp, sp->size, REC_HDR + len, ev);
	sp->size += REC_HDR + len;
	sp->next_seq++;
	return (0);
}

/*
 * Make room for a record of <need> bytes at <level>, within the bound
 * less the reserve kept for the drop report. Return 0 when it fits, 1 if
 * the event must be refused (counted here), -1 on error.
 */
static int
make_room(struct mon_spool *sp, size_t need, enum mon_level level,
    uint64_t now, char **cause)
{
	struct spool_state	 st;
	unsigned char		*evict = NULL;
	uint64_t		 limit = sp->p.size - REC_MAX, pend, freed = 0;
	uint64_t		 first = 0, last = 0, n = 0;
	size_t			 i;
	int			 rv;

	if (sp->size + need <= limit)
		return (0);
	pend = pending_bytes(sp);
	if (pend + need <= limit)
		return (compact(sp, NULL, cause));
	/* Evict the oldest info events for a more important one. */
	if (level != MON_LEVEL_INFO) {
		evict = xcalloc(sp->nrecs - sp->first + 1, 1);
		for (i = sp->first; i < sp->nrecs &&
		    pend - freed + need > limit; i++) {
			if (sp->recs[i].level != MON_LEVEL_INFO)
				continue;
			evict[i - sp->first] = 1;
			freed += sp->recs[i].size;
			if (n++ == 0)
				first = sp->recs[i].seq;
			last = sp->recs[i].seq;
		}
	}
	st = sp->st;
	if (st.refused == 0 && st.evicted == 0)
		st.since = now;
	if (evict != NULL && pend - freed + need <= limit) {
		st.evicted += n;
		if (st.evict_first == 0)
			st.evict_first = first;
		st.evict_last = last;
		/* Counted before the records go: over-report, never under. */
		rv = state_write(sp, &st, cause) == -1 ||
		    compact(sp, evict, cause) == -1 ? -1 : 0;
	} else {
		st.refused++;
		rv = state_write(sp, &st, cause) == -1 ? -1 : 1;
	}
	free(evict);
	return (rv);
}

/*
 * Report unreported drops as an events-dropped event, in the reserve.
 * One such report is pending at a time: while one waits for delivery,
 * later drops add up in the state file, so a long outage yields a report
 * per delivery, not one per refused event. The event is synced before the
 * counters are cleared, so a crash between the two reports the drops
 * twice rather than never.
 */
static int
drop_report(struct mon_spool *sp, uint64_t now, char **cause)
{
	struct spool_state	 st = sp->st;
	struct mon_event	 ev;
	char			 text[MON_TEXT_MAX + 1], tb[MON_TIME_LEN + 1];
	size_t			 i;

	if (st.refused == 0 && st.evicted == 0)
		return (0);
	for (i = sp->first; i < sp->nrecs; i++)
		if (sp->recs[i].drop_report)
			return (0);
	mon_time_fmt(st.since, tb, sizeof tb);
	if (st.evicted != 0)
		snprintf(text, sizeof text, "spool full since %s: %" PRIu64
		    " new events refused, %" PRIu64 " info events evicted "
		    "(seq %" PRIu64 "-%" PRIu64 ")", tb, st.refused,
		    st.evicted, st.evict_first, st.evict_last);
	else
		snprintf(text, sizeof text, "spool full since %s: %" PRIu64
		    " new events refused", tb, st.refused);
	mon_event_set(&ev, MON_EV_EVENTS_DROPPED, now, text);
	ev.seq = sp->next_seq;
	if (sp->size + REC_MAX > sp->p.size) {
		if (pending_bytes(sp) + REC_MAX > sp->p.size)
			return (0);
		if (compact(sp, NULL, cause) == -1)
			return (-1);
	}
	if (rec_append(sp, &ev, cause) == -1)
		return (-1);
	st = sp->st;
	st.refused = st.evicted = st.evict_first = st.evict_last = 0;
	st.since = 0;
	st.last = sp->next_seq - 1;
	return (state_write(sp, &st, cause));
}

/*
 * Open (creating if need be) the spool in folder <dir>. <now> dates a
 * drop report if one is due. Only one process may hold a spool.
 */
struct mon_spool *
mon_spool_open(const char *dir, const struct mon_spool_params *p,
    uint64_t now, char **cause)
{
	static char		 errbuf[256];
	struct mon_spool	*sp;
	uint64_t		 max;

	if (p->size < MON_SPOOL_MIN || p->size > MON_SPOOL_MAX) {
		*cause = "spool size out of range (16K to 1G)";
		return (NULL);
	}
	sp = xcalloc(1, sizeof *sp);
	sp->p = *p;
	sp->fd = sp->lockfd = -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", dir,
		    strerror(errno));
		*cause = errbuf;
		free(sp);
		return (NULL);
	}
	if ((sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", dir,
		    strerror(errno));
		*cause = errbuf;
		free(sp);
		return (NULL);
	}
	sp->lockfd = openat(sp->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
	    0600);
	if (sp->lockfd == -1 || flock(sp->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			*cause = fail(sp, "the spool is in use by another "
			    "process", 0);
		else
			*cause = fail(sp, "lock", errno);
		goto fail;
	}
	/* Left by a crash during a replacement: the old file is whole. */
	unlinkat(sp->dirfd, "state.tmp", 0);
	unlinkat(sp->dirfd, "events.tmp", 0);
	if (state_read(sp, cause) == -1)
		goto fail;
	sp->fd = openat(sp->dirfd, "events", O_RDWR | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600);
	if (sp->fd == -1 || fsync(sp->dirfd) == -1) {
		*cause = fail(sp, "events", errno);
		goto fail;
	}
	if (scan(sp, cause) == -1)
		goto fail;
	max = sp->st.last;
	if (sp->nrecs > 0 && sp->recs[sp->nrecs - 1].seq > max)
		max = sp->recs[sp->nrecs - 1].seq;
	sp->next_seq = max + 1;
	while (sp->first < sp->nrecs && sp->recs[sp->first].seq <=
	    sp->st.acked)
		sp->first++;
	if (sp->first == sp->nrecs && sp->size > 0 &&
	    compact(sp, NULL, cause) == -1)
		goto fail;
	if (drop_report(sp, now, cause) == -1)
		goto fail;
	return (sp);
fail:
	/* The cause may live in sp->errbuf: keep a copy. */
	snprintf(errbuf, sizeof errbuf, "%s", *cause);
	*cause = errbuf;
	mon_spool_close(sp);
	return (NULL);
}

/* Close a spool; everything spooled is on disk already. */
void
mon_spool_close(struct mon_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->fd != -1)
		close(sp->fd);
	if (sp->lockfd != -1)
		close(sp->lockfd);
	close(sp->dirfd);
	free(sp->recs);
	free(sp);
}

/*
 * Spool <ev> (its kind, time and text; the sequence number is assigned
 * here and written back). Return 0 once it is on disk, 1 if the spool is
 * full and it was refused (counted, reported later), -1 on a disk error:
 * then the event is not spooled and the spool must be reopened.
 */
int
mon_spool_append(struct mon_spool *sp, struct mon_event *ev, uint64_t now,
    char **cause)
{
	struct mon_event	 tmp;
	char			 buf[MON_EVENT_MAX + 1];
	const char		*detail;
	size_t			 len;
	int			 rv;

	if (sp->broken) {
		*cause = sp->errbuf;
		return (-1);
	}
	tmp = *ev;
	tmp.seq = sp->next_seq;
	if (mon_event_encode(&tmp, buf, sizeof buf, &len, &detail) == -1) {
		*cause = (char *)detail;
		return (-1);
	}
	if ((rv = make_room(sp, REC_HDR + len, mon_event_level(ev->kind), now,
	    cause)) == -1)
		return (-1);
	if (rv == 1) {
		if (drop_report(sp, now, cause) == -1)
			return (-1);
		return (1);
	}
	tmp.seq = sp->next_seq;
	if (rec_append(sp, &tmp, cause) == -1)
		return (-1);
	ev->seq = tmp.seq;
	if (drop_report(sp, now, cause) == -1)
		sp->broken = 1;	/* ev is spooled; the next call fails */
	return (0);
}

/*
 * Copy up to <max> of the oldest pending events to <evs>, oldest first;
 * return how many, or -1 if a record no longer reads back.
 */
int
mon_spool_peek(struct mon_spool *sp, struct mon_event *evs, size_t max,
    char **cause)
{
	const char	*detail;
	size_t		 i, n = 0;

	if (sp->broken) {
		*cause = sp->errbuf;
		return (-1);
	}
	for (i = sp->first; i < sp->nrecs && n < max; i++, n++)
		if (rec_read(sp, &sp->recs[i], &evs[n], &detail) == -1) {
			snprintf(sp->errbuf, sizeof sp->errbuf, "events: "
			    "record of seq %" PRIu64 " unreadable: %s",
			    sp->recs[i].seq, detail);
			sp->broken = 1;
			*cause = sp->errbuf;
			return (-1);
		}
	return ((int)n);
}

/*
 * The center stored every event up to <seq>: record that, and compact the
 * log once everything is acknowledged or acknowledged records fill half
 * the bound. An acknowledgement of a number never assigned is refused.
 */
int
mon_spool_ack(struct mon_spool *sp, uint64_t seq, uint64_t now, char **cause)
{
	struct spool_state	 st;

	if (sp->broken) {
		*cause = sp->errbuf;
		return (-1);
	}
	if (seq >= sp->next_seq) {
		snprintf(sp->errbuf, sizeof sp->errbuf, "acknowledgement of "
		    "seq %" PRIu64 ", never spooled (next is %" PRIu64 ")",
		    seq, sp->next_seq);
		*cause = sp->errbuf;
		return (-1);
	}
	if (seq > sp->st.acked) {
		st = sp->st;
		st.acked = seq;
		st.last = sp->next_seq - 1;
		if (state_write(sp, &st, cause) == -1)
			return (-1);
		while (sp->first < sp->nrecs &&
		    sp->recs[sp->first].seq <= seq)
			sp->first++;
		if (sp->size > 0 && (sp->first == sp->nrecs ||
		    sp->size - pending_bytes(sp) >= sp->p.size / 2) &&
		    compact(sp, NULL, cause) == -1)
			return (-1);
	}
	return (drop_report(sp, now, cause));
}

void
mon_spool_stats(const struct mon_spool *sp, struct mon_spool_stats *s)
{
	memset(s, 0, sizeof *s);
	s->pending = sp->nrecs - sp->first;
	s->pending_bytes = pending_bytes(sp);
	s->file_bytes = sp->size;
	s->next_seq = sp->next_seq;
	s->acked = sp->st.acked;
	s->refused = sp->st.refused;
	s->evicted = sp->st.evicted;
	s->torn_bytes = sp->torn;
	s->compactions = sp->compactions;
}
