/*
 * mon_snap.c: the agent's snapshot of its peer: parsers of what the
 * daemons' control sockets answer (twin-ha "status", twin-proxy "stats"
 * and "cache stats", twin-wpad "status", twin-lb "lb servers"), the
 * status part of a report made from it, and the saved form of what the
 * events are derived from.
 *
 * The parsers read the daemons' output as twinctl shows it to people, so
 * they are lenient where the daemons may grow (an unknown line is
 * skipped) and strict where a value is read (a number that does not parse
 * fails the answer). Every copy is bounded by the snapshot's own sizes.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon_agent.h"

#define MAXWORDS	16
#define STATE_MAGIC	"twinproxy-agent-state 1"

/* A line split into words at single spaces. */
struct words {
	const char	*w[MAXWORDS];
	size_t		 len[MAXWORDS];
	size_t		 n;
};

static int	next_line(const char **, const char *, const char **,
		    size_t *);
static void	split(const char *, size_t, struct words *);
static int	word_is(const struct words *, size_t, const char *);
static int	starts(const char *, size_t, const char *);
static int	num(const char *, size_t, uint64_t *);
static void	copy(char *, size_t, const char *, size_t);
static int	token(const char *, size_t);
static enum mon_role ha_role(const char *, size_t);
static enum mon_default ha_default(const char *, size_t);
static enum mon_updown updown(const char *, size_t);
static const char *updown_name(enum mon_updown);
static int	kv(const char *, size_t, const char *, uint64_t *, int *);
static int	name_index(const char *const *, int, const char *, size_t);
static int	has_track(const struct mon_snap *, const char *, size_t);
static int	has_wproxy(const struct mon_snap *, const char *, size_t);
static int	has_lb(const struct mon_snap *, const char *, const char *);

static const char *const daemon_names[] = { "off", "down", "up" };
static const char *const updown_names[] = { "unknown", "down", "up" };
static const char *const default_names[] = { "unknown", "primary",
    "backup" };
static const char *const level_names[] = { "fine", "near", "past" };

const char *
mon_daemon_name(enum mon_daemon d)
{
	if ((unsigned int)d > MON_D_UP)
		return ("?");
	return (daemon_names[d]);
}

static const char *
updown_name(enum mon_updown s)
{
	if ((unsigned int)s > MON_S_UP)
		return ("?");
	return (updown_names[s]);
}

/* An empty snapshot: nothing configured, nothing seen. */
void
mon_snap_init(struct mon_snap *s)
{
	memset(s, 0, sizeof *s);
	s->ha = s->proxy = s->wpad = s->lb = MON_D_OFF;
	s->role = MON_ROLE_SINGLE;
	s->partner = MON_PARTNER_NONE;
}

/* Step through buf[..end) one line (LF, CR before it dropped) at a time. */
static int
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char	*nl;

	if (*p >= end)
		return (0);
	*line = *p;
	if ((nl = memchr(*p, '\n', end - *p)) == NULL) {
		*len = end - *p;
		*p = end;
	} else {
		*len = nl - *p;
		*p = nl + 1;
	}
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	return (1);
}

/* Split at spaces; runs of spaces count as one. */
static void
split(const char *s, size_t n, struct words *w)
{
	size_t	i = 0, start;

	w->n = 0;
	while (i < n && w->n < MAXWORDS) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && s[i] != ' ')
			i++;
		w->w[w->n] = s + start;
		w->len[w->n] = i - start;
		w->n++;
	}
}

static int
word_is(const struct words *w, size_t i, const char *s)
{
	return (i < w->n && w->len[i] == strlen(s) &&
	    memcmp(w->w[i], s, w->len[i]) == 0);
}

static int
starts(const char *s, size_t n, const char *prefix)
{
	size_t	pl = strlen(prefix);

	return (n >= pl && memcmp(s, prefix, pl) == 0);
}

/* Unsigned decimal, at most 20 digits, no overflow. */
static int
num(const char *s, size_t n, uint64_t *v)
{
	uint64_t	x = 0;
	size_t		i;

	if (n == 0 || n > 20)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return (-1);
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return (0);
}

/* Copy and cut to fit; bytes other than printable ASCII become '?'. */
static void
copy(char *dst, size_t size, const char *s, size_t n)
{
	size_t	i;

	if (size == 0)
		return;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] > 0x7e ? '?' : s[i];
	dst[n] = '\0';
}

/* A word of printable ASCII without spaces, short enough for a key. */
static int
token(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n >= MON_SNAP_KEY)
		return (0);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] > 0x7e)
			return (0);
	return (1);
}

/*
 * Whether a key is listed already: the diff pairs entries by key, so a
 * daemon listing one twice (it should not) keeps its first.
 */
static int
has_track(const struct mon_snap *s, const char *k, size_t n)
{
	size_t	i;

	for (i = 0; i < s->ntrack; i++)
		if (strlen(s->track[i].name) == n &&
		    memcmp(s->track[i].name, k, n) == 0)
			return (1);
	return (0);
}

static int
has_wproxy(const struct mon_snap *s, const char *k, size_t n)
{
	size_t	i;

	for (i = 0; i < s->nwproxy; i++)
		if (strlen(s->wproxy[i].name) == n &&
		    memcmp(s->wproxy[i].name, k, n) == 0)
			return (1);
	return (0);
}

static int
has_lb(const struct mon_snap *s, const char *cl, const char *sv)
{
	size_t	i;

	for (i = 0; i < s->nlbs; i++)
		if (strcmp(s->lbs[i].cluster, cl) == 0 &&
		    strcmp(s->lbs[i].server, sv) == 0)
			return (1);
	return (0);
}

/* twin-ha's state names (ha_state_name). */
static enum mon_role
ha_role(const char *s, size_t n)
{
	if (n == 6 && memcmp(s, "ACTIVE", 6) == 0)
		return (MON_ROLE_ACTIVE);
	if (n == 7 && memcmp(s, "STANDBY", 7) == 0)
		return (MON_ROLE_STANDBY);
	if (n == 5 && memcmp(s, "FAULT", 5) == 0)
		return (MON_ROLE_FAULT);
	return (MON_ROLE_STARTING);
}

static enum mon_default
ha_default(const char *s, size_t n)
{
	if (n == 7 && memcmp(s, "primary", 7) == 0)
		return (MON_DEF_PRIMARY);
	if (n == 6 && memcmp(s, "backup", 6) == 0)
		return (MON_DEF_BACKUP);
	return (MON_DEF_UNKNOWN);
}

static enum mon_updown
updown(const char *s, size_t n)
{
	if (n == 2 && memcmp(s, "up", 2) == 0)
		return (MON_S_UP);
	if (n == 4 && memcmp(s, "down", 4) == 0)
		return (MON_S_DOWN);
	return (MON_S_UNKNOWN);
}

/*
 * The answer of twin-ha's "status" (ha/ha_ctl.c): the reference display
 * lines, then "self NAME state STATE default ROLE ...", "reason TEXT",
 * "partner NAME state STATE default ROLE ...", "track ADDR STATE" and
 * "counters ... takeovers N ...". A peer without redundancy answers
 * "This server: redundancy off." alone.
 */
int
mon_snap_ha(struct mon_snap *s, const char *text, size_t len,
    const char **cause)
{
	const char	*p = text, *end = text + len, *line;
	struct words	 w;
	size_t		 n, i;
	uint64_t	 v;
	int		 seen = 0;

	s->ha = MON_D_UP;
	s->ha_err[0] = '\0';
	s->role = MON_ROLE_STARTING;
	s->partner = MON_PARTNER_UNKNOWN;
	s->self_name[0] = s->partner_name[0] = '\0';
	s->self_default = s->partner_default = MON_DEF_UNKNOWN;
	s->cfg_differs = 0;
	s->takeovers = 0;
	s->reason[0] = '\0';
	s->ntrack = 0;
	while (next_line(&p, end, &line, &n)) {
		if (n == 28 && memcmp(line, "This server: redundancy off.",
		    28) == 0) {
			s->role = MON_ROLE_SINGLE;
			s->partner = MON_PARTNER_NONE;
			seen = 1;
			continue;
		}
		if (starts(line, n, "Partner server: communication error")) {
			s->partner = MON_PARTNER_DOWN;
			continue;
		}
		if (starts(line, n, "Partner server: ")) {
			s->partner = MON_PARTNER_UP;
			continue;
		}
		if (starts(line, n, "partner-config MISMATCH")) {
			s->cfg_differs = 1;
			continue;
		}
		if (starts(line, n, "reason ")) {
			copy(s->reason, sizeof s->reason, line + 7, n - 7);
			continue;
		}
		split(line, n, &w);
		if (word_is(&w, 0, "self") && w.n >= 6 &&
		    word_is(&w, 2, "state") && word_is(&w, 4, "default")) {
			copy(s->self_name, sizeof s->self_name, w.w[1],
			    w.len[1]);
			s->role = ha_role(w.w[3], w.len[3]);
			s->self_default = ha_default(w.w[5], w.len[5]);
			seen = 1;
		} else if (word_is(&w, 0, "partner") && w.n >= 6 &&
		    word_is(&w, 2, "state") && word_is(&w, 4, "default")) {
			copy(s->partner_name, sizeof s->partner_name, w.w[1],
			    w.len[1]);
			s->partner_default = ha_default(w.w[5], w.len[5]);
		} else if (word_is(&w, 0, "track") && w.n >= 3 &&
		    s->ntrack < MON_SNAP_TRACK && token(w.w[1], w.len[1]) &&
		    !has_track(s, w.w[1], w.len[1])) {
			copy(s->track[s->ntrack].name,
			    sizeof s->track[s->ntrack].name, w.w[1], w.len[1]);
			s->track[s->ntrack].state = updown(w.w[2], w.len[2]);
			s->ntrack++;
		} else if (word_is(&w, 0, "counters")) {
			for (i = 1; i + 1 < w.n; i += 2) {
				if (!word_is(&w, i, "takeovers"))
					continue;
				if (num(w.w[i + 1], w.len[i + 1], &v) == -1) {
					*cause = "takeovers: not a number";
					return (-1);
				}
				s->takeovers = v;
			}
		}
	}
	if (!seen) {
		*cause = "not a twin-ha status (no 'self' line)";
		return (-1);
	}
	return (0);
}

/*
 * One "NAME VALUE" counter line: if it is <name>, store the number (-1
 * when it does not parse) and count it as seen.
 */
static int
kv(const char *line, size_t n, const char *name, uint64_t *v, int *seen)
{
	size_t	nl = strlen(name);

	if (n <= nl + 1 || memcmp(line, name, nl) != 0 || line[nl] != ' ')
		return (0);
	if (num(line + nl + 1, n - nl - 1, v) == -1)
		return (-1);
	(*seen)++;
	return (1);
}

/* twin-proxy's "stats": "requests N", "connections-open N", ... */
int
mon_snap_proxy(struct mon_snap *s, const char *text, size_t len,
    const char **cause)
{
	const char	*p = text, *end = text + len, *line;
	size_t		 n;
	int		 seen = 0;

	s->proxy = MON_D_UP;
	s->proxy_err[0] = '\0';
	s->requests = s->connections = 0;
	while (next_line(&p, end, &line, &n)) {
		if (kv(line, n, "requests", &s->requests, &seen) == -1 ||
		    kv(line, n, "connections-open", &s->connections,
		    &seen) == -1) {
			*cause = "a counter is not a number";
			return (-1);
		}
	}
	if (seen < 2) {
		*cause = "not twin-proxy stats (no requests and "
		    "connections-open)";
		return (-1);
	}
	return (0);
}

/* twin-proxy's "cache stats" (proxy/proxy_cache_ctl.c). */
int
mon_snap_cache(struct mon_snap *s, const char *text, size_t len,
    const char **cause)
{
	const char	*p = text, *end = text + len, *line;
	size_t		 n;
	int		 seen = 0, rv = 0;

	s->cache = 1;
	s->cache_hits = s->cache_misses = s->cache_objects = 0;
	s->cache_bytes = s->disk_rejected = 0;
	while (next_line(&p, end, &line, &n)) {
		if ((rv = kv(line, n, "objects", &s->cache_objects,
		    &seen)) != 0 ||
		    (rv = kv(line, n, "bytes", &s->cache_bytes, &seen)) != 0 ||
		    (rv = kv(line, n, "hits", &s->cache_hits, &seen)) != 0 ||
		    (rv = kv(line, n, "misses", &s->cache_misses,
		    &seen)) != 0 ||
		    (rv = kv(line, n, "disk-rejected", &s->disk_rejected,
		    &seen)) != 0) {
			if (rv == -1) {
				*cause = "a counter is not a number";
				return (-1);
			}
		}
	}
	if (seen < 4) {
		*cause = "not cache stats (no objects, bytes, hits, misses)";
		return (-1);
	}
	return (0);
}

/*
 * twin-wpad's "status": the lines "proxy HOST:PORT (this peer): STATE,
 * WHY" and "proxy HOST:PORT (partner): STATE, WHY" (wpad/wpad_ctl.c).
 */
int
mon_snap_wpad(struct mon_snap *s, const char *text, size_t len,
    const char **cause)
{
	const char		*p = text, *end = text + len, *line, *le;
	const char		*paren, *close, *st, *comma;
	struct mon_snap_wproxy	*wp;
	size_t			 n;
	int			 seen = 0;

	s->wpad = MON_D_UP;
	s->wpad_err[0] = '\0';
	s->nwproxy = 0;
	while (next_line(&p, end, &line, &n)) {
		if (starts(line, n, "script: "))
			seen = 1;
		if (!starts(line, n, "proxy ") || s->nwproxy == MON_SNAP_WPAD)
			continue;
		le = line + n;
		line += 6;
		if ((paren = memchr(line, '(', le - line)) == NULL ||
		    paren == line || paren[-1] != ' ' ||
		    (close = memchr(paren, ')', le - paren)) == NULL ||
		    le - close < 3 || close[1] != ':' || close[2] != ' ') {
			*cause = "a proxy line not as 'proxy HOST (WHO): "
			    "STATE, WHY'";
			return (-1);
		}
		if (!token(line, paren - 1 - line)) {
			*cause = "a proxy name with blanks or too long";
			return (-1);
		}
		if (has_wproxy(s, line, paren - 1 - line))
			continue;
		wp = &s->wproxy[s->nwproxy++];
		copy(wp->name, sizeof wp->name, line, paren - 1 - line);
		wp->self = close - paren - 1 == 9 &&
		    memcmp(paren + 1, "this peer", 9) == 0;
		st = close + 3;
		if ((comma = memchr(st, ',', le - st)) == NULL)
			comma = le;
		wp->state = updown(st, comma - st);
		wp->why[0] = '\0';
		if (le - comma >= 2 && comma[1] == ' ')
			copy(wp->why, sizeof wp->why, comma + 2,
			    le - comma - 2);
	}
	if (!seen) {
		*cause = "not a twin-wpad status (no 'script:' line)";
		return (-1);
	}
	return (0);
}

/*
 * twin-lb's "lb servers": one line per server, "CLUSTER SERVER STATE
 * ACTIVE REQUESTS" with STATE up, down, disabled or quiesced.
 */
int
mon_snap_lb(struct mon_snap *s, const char *text, size_t len,
    const char **cause)
{
	const char	*p = text, *end = text + len, *line;
	struct mon_lbsrv *l;
	struct words	 w;
	size_t		 n;
	uint64_t	 v;
	char		 cl[MON_NAME_MAX + 1], sv[MON_NAME_MAX + 1];

	s->lb = MON_D_UP;
	s->lb_err[0] = '\0';
	s->nlbs = 0;
	while (next_line(&p, end, &line, &n)) {
		split(line, n, &w);
		if (w.n == 0)
			continue;
		if (w.n != 5 || w.len[0] > MON_NAME_MAX ||
		    w.len[1] > MON_NAME_MAX ||
		    num(w.w[3], w.len[3], &v) == -1 ||
		    num(w.w[4], w.len[4], &v) == -1) {
			*cause = "a line not as 'CLUSTER SERVER STATE ACTIVE "
			    "REQUESTS'";
			return (-1);
		}
		copy(cl, sizeof cl, w.w[0], w.len[0]);
		copy(sv, sizeof sv, w.w[1], w.len[1]);
		if (!mon_name_valid(cl) || !mon_name_valid(sv)) {
			*cause = "a cluster or server name that is not a name";
			return (-1);
		}
		if (s->nlbs == MON_LB_MAX || has_lb(s, cl, sv))
			continue;	/* the report holds no more, or twice */
		l = &s->lbs[s->nlbs];
		if (word_is(&w, 2, "up"))
			l->state = MON_LB_UP;
		else if (word_is(&w, 2, "down"))
			l->state = MON_LB_DOWN;
		else if (word_is(&w, 2, "quiesced"))
			l->state = MON_LB_QUIESCE;
		else if (word_is(&w, 2, "disabled"))
			l->state = MON_LB_DISABLED;
		else {
			*cause = "a server state other than up, down, "
			    "disabled or quiesced";
			return (-1);
		}
		strlcpy(l->cluster, cl, sizeof l->cluster);
		strlcpy(l->server, sv, sizeof l->server);
		s->nlbs++;
	}
	return (0);
}

/*
 * Place a certificate on the scale: past its notAfter, within <warn_ms>
 * of it, or fine; <warn_ms> 0 never warns.
 */
void
mon_snap_cert_level(struct mon_snap_cert *c, time_t now, uint64_t warn_ms)
{
	if (warn_ms == 0)
		c->level = MON_CL_FINE;
	else if (c->not_after <= (int64_t)now)
		c->level = MON_CL_PAST;
	else if ((uint64_t)(c->not_after - (int64_t)now) <= warn_ms / 1000)
		c->level = MON_CL_NEAR;
	else
		c->level = MON_CL_FINE;
}

/*
 * The status fields of a report (not site, peer, sent, software and
 * uptime, which are the agent's own). A peer whose twin-ha does not
 * answer is shown in fault: nothing vouches for the service there.
 */
void
mon_snap_report(const struct mon_snap *s, struct mon_report *r)
{
	size_t	i;

	switch (s->ha) {
	case MON_D_UP:
		r->role = s->role;
		r->partner = s->partner;
		break;
	case MON_D_DOWN:
		r->role = MON_ROLE_FAULT;
		r->partner = MON_PARTNER_UNKNOWN;
		break;
	default:
		r->role = MON_ROLE_SINGLE;
		r->partner = MON_PARTNER_NONE;
		break;
	}
	r->proxy = s->proxy == MON_D_UP ? MON_SVC_UP :
	    s->proxy == MON_D_DOWN ? MON_SVC_DOWN : MON_SVC_OFF;
	r->wpad = s->wpad == MON_D_UP ? MON_SVC_UP :
	    s->wpad == MON_D_DOWN ? MON_SVC_DOWN : MON_SVC_OFF;
	r->proxy_requests = s->requests;
	r->proxy_connections = s->connections;
	r->cache_hits = s->cache_hits;
	r->cache_misses = s->cache_misses;
	r->cache_objects = s->cache_objects;
	r->cache_bytes = s->cache_bytes;
	r->nlb = 0;
	for (i = 0; i < s->nlbs && i < MON_LB_MAX; i++)
		r->lb[r->nlb++] = s->lbs[i];
}

/*
 * Encode what the diff compares into buf[0..len) (NUL-terminated):
 *
 *	twinproxy-agent-state 1
 *	ha up|down|off
 *	role ROLE
 *	partner PARTNER
 *	defaults SELF PARTNER
 *	takeovers N
 *	track ADDR STATE
 *	proxy DAEMON
 *	cache N DISK-REJECTED	(N: 1 configured, 0 not)
 *	wpad DAEMON
 *	wproxy NAME self|partner STATE
 *	lb DAEMON
 *	lbsrv CLUSTER SERVER STATE
 *	cert NOTAFTER LEVEL PATH
 *
 * Returns the length, or 0 if it does not fit.
 */
size_t
mon_snap_encode(const struct mon_snap *s, char *buf, size_t len)
{
	size_t	off = 0, i;
	int	n;

#define PUT(...) do {							\
	n = snprintf(buf + off, len - off, __VA_ARGS__);		\
	if (n < 0 || (size_t)n >= len - off)				\
		return (0);						\
	off += n;							\
} while (0)
	if (len == 0)
		return (0);
	PUT("%s\n", STATE_MAGIC);
	PUT("ha %s\nrole %s\npartner %s\ndefaults %s %s\ntakeovers %" PRIu64
	    "\n", mon_daemon_name(s->ha), mon_role_name(s->role),
	    mon_partner_name(s->partner), default_names[s->self_default],
	    default_names[s->partner_default], s->takeovers);
	for (i = 0; i < s->ntrack; i++)
		PUT("track %s %s\n", s->track[i].name,
		    updown_name(s->track[i].state));
	PUT("proxy %s\ncache %d %" PRIu64 "\nwpad %s\n",
	    mon_daemon_name(s->proxy), s->cache ? 1 : 0, s->disk_rejected,
	    mon_daemon_name(s->wpad));
	for (i = 0; i < s->nwproxy; i++)
		PUT("wproxy %s %s %s\n", s->wproxy[i].name,
		    s->wproxy[i].self ? "self" : "partner",
		    updown_name(s->wproxy[i].state));
	PUT("lb %s\n", mon_daemon_name(s->lb));
	for (i = 0; i < s->nlbs; i++)
		PUT("lbsrv %s %s %s\n", s->lbs[i].cluster, s->lbs[i].server,
		    mon_lbstate_name(s->lbs[i].state));
	for (i = 0; i < s->ncert; i++)
		PUT("cert %" PRId64 " %s %s\n", s->cert[i].not_after,
		    level_names[s->cert[i].level], s->cert[i].path);
#undef PUT
	return (off);
}

/* Find <s> (n bytes) in a list of <count> names; -1 if absent. */
static int
name_index(const char *const *names, int count, const char *s, size_t n)
{
	int	i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return (i);
	return (-1);
}

/*
 * Decode a saved snapshot into <s> (initialised first). Every line must
 * be one mon_snap_encode() writes; -1 otherwise, with <line> the line
 * number. Counters, errors and texts are not saved: they come back with
 * the next poll.
 */
int
mon_snap_decode(struct mon_snap *s, const char *buf, size_t len,
    unsigned int *lineno)
{
	static const char *const roles[] = { "starting", "standby", "active",
	    "fault", "single" };
	static const char *const partners[] = { "up", "down", "unknown",
	    "none" };
	static const char *const lbstates[] = { "up", "down", "quiesce",
	    "disabled" };
	const char	*p = buf, *end = buf + len, *line;
	struct words	 w;
	size_t		 n;
	uint64_t	 v;
	int		 i, j, k;

	mon_snap_init(s);
	*lineno = 0;
	if (len > MON_SNAP_MAX)
		return (-1);
	while (next_line(&p, end, &line, &n)) {
		++*lineno;
		if (*lineno == 1) {
			if (n != strlen(STATE_MAGIC) ||
			    memcmp(line, STATE_MAGIC, n) != 0)
				return (-1);
			continue;
		}
		if (memchr(line, '\0', n) != NULL)
			return (-1);
		split(line, n, &w);
		if (w.n == 2 && (word_is(&w, 0, "ha") ||
		    word_is(&w, 0, "proxy") || word_is(&w, 0, "wpad") ||
		    word_is(&w, 0, "lb"))) {
			if ((i = name_index(daemon_names, 3, w.w[1],
			    w.len[1])) == -1)
				return (-1);
			if (word_is(&w, 0, "ha"))
				s->ha = i;
			else if (word_is(&w, 0, "proxy"))
				s->proxy = i;
			else if (word_is(&w, 0, "wpad"))
				s->wpad = i;
			else
				s->lb = i;
		} else if (w.n == 2 && word_is(&w, 0, "role")) {
			if ((i = name_index(roles, 5, w.w[1], w.len[1])) == -1)
				return (-1);
			s->role = i;
		} else if (w.n == 2 && word_is(&w, 0, "partner")) {
			if ((i = name_index(partners, 4, w.w[1],
			    w.len[1])) == -1)
				return (-1);
			s->partner = i;
		} else if (w.n == 3 && word_is(&w, 0, "defaults")) {
			if ((i = name_index(default_names, 3, w.w[1],
			    w.len[1])) == -1 ||
			    (j = name_index(default_names, 3, w.w[2],
			    w.len[2])) == -1)
				return (-1);
			s->self_default = i;
			s->partner_default = j;
		} else if (w.n == 2 && word_is(&w, 0, "takeovers")) {
			if (num(w.w[1], w.len[1], &s->takeovers) == -1)
				return (-1);
		} else if (w.n == 3 && word_is(&w, 0, "track")) {
			if (s->ntrack == MON_SNAP_TRACK ||
			    !token(w.w[1], w.len[1]) ||
			    has_track(s, w.w[1], w.len[1]) ||
			    (i = name_index(updown_names, 3, w.w[2],
			    w.len[2])) == -1)
				return (-1);
			copy(s->track[s->ntrack].name,
			    sizeof s->track[s->ntrack].name, w.w[1], w.len[1]);
			s->track[s->ntrack++].state = i;
		} else if (w.n == 3 && word_is(&w, 0, "cache")) {
			if ((!word_is(&w, 1, "0") && !word_is(&w, 1, "1")) ||
			    num(w.w[2], w.len[2], &s->disk_rejected) == -1)
				return (-1);
			s->cache = w.w[1][0] == '1';
		} else if (w.n == 4 && word_is(&w, 0, "wproxy")) {
			if (s->nwproxy == MON_SNAP_WPAD ||
			    !token(w.w[1], w.len[1]) ||
			    has_wproxy(s, w.w[1], w.len[1]) ||
			    (!word_is(&w, 2, "self") &&
			    !word_is(&w, 2, "partner")) ||
			    (i = name_index(updown_names, 3, w.w[3],
			    w.len[3])) == -1)
				return (-1);
			copy(s->wproxy[s->nwproxy].name,
			    sizeof s->wproxy[s->nwproxy].name, w.w[1],
			    w.len[1]);
			s->wproxy[s->nwproxy].self = word_is(&w, 2, "self");
			s->wproxy[s->nwproxy++].state = i;
		} else if (w.n == 4 && word_is(&w, 0, "lbsrv")) {
			if (s->nlbs == MON_LB_MAX ||
			    w.len[1] > MON_NAME_MAX ||
			    w.len[2] > MON_NAME_MAX ||
			    (i = name_index(lbstates, 4, w.w[3],
			    w.len[3])) == -1)
				return (-1);
			copy(s->lbs[s->nlbs].cluster,
			    sizeof s->lbs[s->nlbs].cluster, w.w[1], w.len[1]);
			copy(s->lbs[s->nlbs].server,
			    sizeof s->lbs[s->nlbs].server, w.w[2], w.len[2]);
			if (!mon_name_valid(s->lbs[s->nlbs].cluster) ||
			    !mon_name_valid(s->lbs[s->nlbs].server) ||
			    has_lb(s, s->lbs[s->nlbs].cluster,
			    s->lbs[s->nlbs].server))
				return (-1);
			s->lbs[s->nlbs++].state = i;
		} else if (w.n >= 4 && word_is(&w, 0, "cert")) {
			/* The path is the rest of the line, blanks and all. */
			k = (int)(w.w[3] - line);
			if (s->ncert == MON_SNAP_CERTS ||
			    num(w.w[1], w.len[1], &v) == -1 ||
			    v > INT64_MAX ||
			    (i = name_index(level_names, 3, w.w[2],
			    w.len[2])) == -1 ||
			    n - k >= MON_SNAP_PATH)
				return (-1);
			s->cert[s->ncert].not_after = (int64_t)v;
			s->cert[s->ncert].level = i;
			copy(s->cert[s->ncert].path,
			    sizeof s->cert[s->ncert].path, line + k, n - k);
			for (j = 0; j < (int)s->ncert; j++)
				if (strcmp(s->cert[j].path,
				    s->cert[s->ncert].path) == 0)
					return (-1);
			s->ncert++;
		} else
			return (-1);
	}
	return (*lineno == 0 ? -1 : 0);
}

/*
 * Save a snapshot to <path>: a new file, fsync'd, renamed over the old
 * one, the folder synced, so a crash leaves the old or the new one.
 */
int
mon_snap_save(const char *path, const struct mon_snap *s, char **cause)
{
	static char	 err[PATH_MAX + 64];
	char		 tmp[PATH_MAX], dir[PATH_MAX], *buf;
	size_t		 len;
	int		 fd = -1, dfd, rv = -1;

	*cause = err;
	buf = malloc(MON_SNAP_MAX);
	if (buf == NULL) {
		snprintf(err, sizeof err, "out of memory");
		return (-1);
	}
	if ((len = mon_snap_encode(s, buf, MON_SNAP_MAX)) == 0) {
		snprintf(err, sizeof err, "%s: snapshot too large", path);
		goto out;
	}
	if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp ||
	    strlcpy(dir, path, sizeof dir) >= sizeof dir) {
		snprintf(err, sizeof err, "%s: name too long", path);
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 ||
	    write(fd, buf, len) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, sizeof err, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	if (rv == -1)
		unlink(tmp);
	free(buf);
	return (rv);
}

/*
 * Load a saved snapshot; -1 if there is none (ENOENT, *cause NULL) or it
 * does not decode (*cause says where).
 */
int
mon_snap_load(const char *path, struct mon_snap *s, char **cause)
{
	static char	 err[PATH_MAX + 64];
	char		*buf;
	ssize_t		 n;
	unsigned int	 line;
	int		 fd, rv = -1;

	*cause = err;
	mon_snap_init(s);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			*cause = NULL;
		else
			snprintf(err, sizeof err, "%s: %s", path,
			    strerror(errno));
		return (-1);
	}
	if ((buf = malloc(MON_SNAP_MAX + 1)) == NULL) {
		close(fd);
		snprintf(err, sizeof err, "out of memory");
		return (-1);
	}
	n = read(fd, buf, MON_SNAP_MAX + 1);
	close(fd);
	if (n < 0)
		snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
	else if (n > MON_SNAP_MAX)
		snprintf(err, sizeof err, "%s: larger than %d bytes", path,
		    MON_SNAP_MAX);
	else if (mon_snap_decode(s, buf, (size_t)n, &line) == -1) {
		snprintf(err, sizeof err, "%s:%u: not a saved snapshot",
		    path, line);
		mon_snap_init(s);
	} else
		rv = 0;
	free(buf);
	return (rv);
}
