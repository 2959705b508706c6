/*
 * mon_alarm.c: per-site alive timeouts (see mon_alarm.h). It does no I/O
 * and reads no clock. Deadlines live in one binary min-heap whose entries
 * know their own position, so a report moves one entry and a tick pops
 * only the expired ones. The callback must not call back into the timer.
 */
#include <sys/tree.h>
#include <stdlib.h>
#include <string.h>

/* tree.h's static generators use BSD's __unused. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#include "mon_alarm.h"
#include "xmalloc.h"

#define NOT_QUEUED	((size_t)-1)

struct al_site;
struct al_dev;

/* A deadline in the heap: a device's timeout or a site's first one. */
struct al_timer {
	uint64_t		 deadline;
	size_t			 hidx;		/* or NOT_QUEUED */
	struct al_site		*site;
	struct al_dev		*dev;		/* NULL: the site's grace */
};

struct al_dev {
	char			 name[MON_NAME_MAX + 1];
	enum mon_site_state	 state;
	uint64_t		 last;
	struct al_timer		 t;
};

struct al_site {
	char			 name[MON_SITE_MAX + 1];
	enum mon_site_state	 state;
	uint64_t		 timeout;
	uint64_t		 added;
	uint64_t		 last;		/* any device, 0 if never */
	struct al_timer		 grace;		/* UNKNOWN to SILENT */
	struct al_dev		*dev[MON_ALARM_MAXDEV];
	size_t			 ndev;
	RB_ENTRY(al_site)	 entry;
};

RB_HEAD(al_sites, al_site);

struct mon_alarm {
	struct al_sites		 sites;
	size_t			 nsites;
	struct al_timer		**heap;
	size_t			 nheap;
	size_t			 cap;
	mon_alarm_cb		 cb;
	void			*arg;
};

static int	site_cmp(struct al_site *, struct al_site *);
static struct al_site *site_find(const struct mon_alarm *, const char *);
static void	heap_swap(struct mon_alarm *, size_t, size_t);
static void	heap_up(struct mon_alarm *, size_t);
static void	heap_down(struct mon_alarm *, size_t);
static void	heap_set(struct mon_alarm *, struct al_timer *, uint64_t);
static void	heap_remove(struct mon_alarm *, struct al_timer *);
static void	expire(struct mon_alarm *, struct al_timer *);

RB_GENERATE_STATIC(al_sites, al_site, entry, site_cmp);

static const char *const state_names[] = { "unknown", "ok", "silent" };

const char *
mon_site_state_name(enum mon_site_state s)
{
	if ((unsigned int)s > MON_SITE_SILENT)
		return ("?");
	return (state_names[s]);
}

static int
site_cmp(struct al_site *a, struct al_site *b)
{
	return (strcmp(a->name, b->name));
}

static struct al_site *
site_find(const struct mon_alarm *al, const char *name)
{
	struct al_site	key;

	if (strlcpy(key.name, name, sizeof key.name) >= sizeof key.name)
		return (NULL);
	return (RB_FIND(al_sites, (struct al_sites *)&al->sites, &key));
}

static void
heap_swap(struct mon_alarm *al, size_t i, size_t j)
{
	struct al_timer	*t = al->heap[i];

	al->heap[i] = al->heap[j];
	al->heap[j] = t;
	al->heap[i]->hidx = i;
	al->heap[j]->hidx = j;
}

static void
heap_up(struct mon_alarm *al, size_t i)
{
	while (i > 0 && al->heap[(i - 1) / 2]->deadline >
	    al->heap[i]->deadline) {
		heap_swap(al, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct mon_alarm *al, size_t i)
{
	size_t	l, r, m;

	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < al->nheap &&
		    al->heap[l]->deadline < al->heap[m]->deadline)
			m = l;
		if (r < al->nheap &&
		    al->heap[r]->deadline < al->heap[m]->deadline)
			m = r;
		if (m == i)
			return;
		heap_swap(al, i, m);
		i = m;
	}
}

/* Queue <t> at <deadline>, or move it there if queued already. */
static void
heap_set(struct mon_alarm *al, struct al_timer *t, uint64_t deadline)
{
	if (t->hidx == NOT_QUEUED) {
		if (al->nheap == al->cap) {
			al->cap = al->cap == 0 ? 64 : al->cap * 2;
			al->heap = xreallocarray(al->heap, al->cap,
			    sizeof *al->heap);
		}
		t->hidx = al->nheap++;
		al->heap[t->hidx] = t;
	}
	t->deadline = deadline;
	heap_up(al, t->hidx);
	heap_down(al, t->hidx);
}

static void
heap_remove(struct mon_alarm *al, struct al_timer *t)
{
	struct al_timer	*m;
	size_t		 i = t->hidx;

	if (i == NOT_QUEUED)
		return;
	t->hidx = NOT_QUEUED;
	if (i == --al->nheap)
		return;
	m = al->heap[i] = al->heap[al->nheap];
	m->hidx = i;
	heap_up(al, i);
	heap_down(al, m->hidx);
}

/* Saturating a + b: a timeout far in the future never wraps around. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return (a > MON_ALARM_NEVER - b ? MON_ALARM_NEVER : a + b);
}

/* A timer with no transitions to report. */
struct mon_alarm *
mon_alarm_new(mon_alarm_cb cb, void *arg)
{
	struct mon_alarm	*al;

	al = xcalloc(1, sizeof *al);
	RB_INIT(&al->sites);
	al->cb = cb;
	al->arg = arg;
	return (al);
}

void
mon_alarm_free(struct mon_alarm *al)
{
	struct al_site	*s;
	size_t		 i;

	if (al == NULL)
		return;
	while ((s = RB_ROOT(&al->sites)) != NULL) {
		RB_REMOVE(al_sites, &al->sites, s);
		for (i = 0; i < s->ndev; i++)
			free(s->dev[i]);
		free(s);
	}
	free(al->heap);
	free(al);
}

/*
 * Watch site <name> from <now>, silent after <timeout> ms without a
 * report. Return -1 if it is watched already or the name is invalid.
 */
int
mon_alarm_site_add(struct mon_alarm *al, const char *name, uint64_t timeout,
    uint64_t now)
{
	struct al_site	*s;

	if (!mon_site_valid(name) || timeout == 0 ||
	    site_find(al, name) != NULL)
		return (-1);
	s = xcalloc(1, sizeof *s);
	strlcpy(s->name, name, sizeof s->name);
	s->state = MON_SITE_UNKNOWN;
	s->timeout = timeout;
	s->added = now;
	s->grace.hidx = NOT_QUEUED;
	s->grace.site = s;
	RB_INSERT(al_sites, &al->sites, s);
	al->nsites++;
	heap_set(al, &s->grace, add_sat(now, timeout));
	return (0);
}

/* Stop watching a site; no transition is reported. */
int
mon_alarm_site_remove(struct mon_alarm *al, const char *name)
{
	struct al_site	*s;
	size_t		 i;

	if ((s = site_find(al, name)) == NULL)
		return (-1);
	heap_remove(al, &s->grace);
	for (i = 0; i < s->ndev; i++) {
		heap_remove(al, &s->dev[i]->t);
		free(s->dev[i]);
	}
	RB_REMOVE(al_sites, &al->sites, s);
	al->nsites--;
	free(s);
	return (0);
}

/*
 * Change a site's timeout (on reload): deadlines are recomputed from the
 * last reports; call mon_alarm_tick() afterwards for what is now overdue.
 */
int
mon_alarm_site_timeout(struct mon_alarm *al, const char *name,
    uint64_t timeout, uint64_t now)
{
	struct al_site	*s;
	struct al_dev	*d;
	size_t		 i;

	if ((s = site_find(al, name)) == NULL || timeout == 0)
		return (-1);
	s->timeout = timeout;
	if (s->grace.hidx != NOT_QUEUED)
		heap_set(al, &s->grace, add_sat(s->added, timeout));
	for (i = 0; i < s->ndev; i++) {
		d = s->dev[i];
		if (d->t.hidx != NOT_QUEUED)
			heap_set(al, &d->t, add_sat(d->last, timeout));
	}
	return (0);
}

/*
 * A report from <device> of <site> at <now>. Return -1 with <cause> for
 * a site not watched or a site with too many devices.
 */
int
mon_alarm_report(struct mon_alarm *al, const char *site, const char *device,
    uint64_t now, const char **cause)
{
	struct al_site		*s;
	struct al_dev		*d = NULL;
	enum mon_site_state	 from;
	size_t			 i;

	if ((s = site_find(al, site)) == NULL) {
		*cause = "site not watched";
		return (-1);
	}
	for (i = 0; i < s->ndev; i++)
		if (strcmp(s->dev[i]->name, device) == 0) {
			d = s->dev[i];
			break;
		}
	if (d == NULL) {
		if (s->ndev == MON_ALARM_MAXDEV) {
			*cause = "too many devices for one site";
			return (-1);
		}
		if (!mon_name_valid(device)) {
			*cause = "invalid device name";
			return (-1);
		}
		d = xcalloc(1, sizeof *d);
		strlcpy(d->name, device, sizeof d->name);
		d->state = MON_SITE_UNKNOWN;
		d->t.hidx = NOT_QUEUED;
		d->t.site = s;
		d->t.dev = d;
		s->dev[s->ndev++] = d;
	}
	d->last = now;
	if (now > s->last)
		s->last = now;
	heap_set(al, &d->t, add_sat(now, s->timeout));
	if (d->state != MON_SITE_OK) {
		from = d->state;
		d->state = MON_SITE_OK;
		if (al->cb != NULL)
			al->cb(al->arg, s->name, d->name, from, MON_SITE_OK,
			    now, now);
	}
	if (s->state != MON_SITE_OK) {
		heap_remove(al, &s->grace);
		from = s->state;
		s->state = MON_SITE_OK;
		if (al->cb != NULL)
			al->cb(al->arg, s->name, NULL, from, MON_SITE_OK, now,
			    now);
	}
	return (0);
}

/*
 * A deadline passed: its device goes silent, and the site with it when no
 * device is left ok; or the site's first timeout passed with nothing
 * heard. Transitions are dated at the deadline, not when noticed.
 */
static void
expire(struct mon_alarm *al, struct al_timer *t)
{
	struct al_site		*s = t->site;
	enum mon_site_state	 from;
	size_t			 i;

	if (t->dev != NULL) {
		t->dev->state = MON_SITE_SILENT;
		if (al->cb != NULL)
			al->cb(al->arg, s->name, t->dev->name, MON_SITE_OK,
			    MON_SITE_SILENT, t->dev->last, t->deadline);
		for (i = 0; i < s->ndev; i++)
			if (s->dev[i]->state == MON_SITE_OK)
				return;
	}
	if (s->state == MON_SITE_SILENT)
		return;
	from = s->state;
	s->state = MON_SITE_SILENT;
	if (al->cb != NULL)
		al->cb(al->arg, s->name, NULL, from, MON_SITE_SILENT, s->last,
		    t->deadline);
}

/* Time passes: raise what expired by <now>. */
void
mon_alarm_tick(struct mon_alarm *al, uint64_t now)
{
	struct al_timer	*t;

	while (al->nheap > 0 && al->heap[0]->deadline <= now) {
		t = al->heap[0];
		heap_remove(al, t);
		expire(al, t);
	}
}

/* When the next tick has something to do (MON_ALARM_NEVER if never). */
uint64_t
mon_alarm_next(const struct mon_alarm *al)
{
	return (al->nheap > 0 ? al->heap[0]->deadline : MON_ALARM_NEVER);
}

enum mon_site_state
mon_alarm_site_state(const struct mon_alarm *al, const char *name)
{
	struct al_site	*s;

	if ((s = site_find(al, name)) == NULL)
		return (MON_SITE_UNKNOWN);
	return (s->state);
}

enum mon_site_state
mon_alarm_device_state(const struct mon_alarm *al, const char *site,
    const char *device)
{
	struct al_site	*s;
	size_t		 i;

	if ((s = site_find(al, site)) == NULL)
		return (MON_SITE_UNKNOWN);
	for (i = 0; i < s->ndev; i++)
		if (strcmp(s->dev[i]->name, device) == 0)
			return (s->dev[i]->state);
	return (MON_SITE_UNKNOWN);
}

size_t
mon_alarm_nsites(const struct mon_alarm *al)
{
	return (al->nsites);
}

/* How many sites are in state st (the metrics' sites by state). */
size_t
mon_alarm_nsites_state(const struct mon_alarm *al, enum mon_site_state st)
{
	struct al_site	*s;
	size_t		 n = 0;

	RB_FOREACH(s, al_sites, (struct al_sites *)&al->sites)
		if (s->state == st)
			n++;
	return (n);
}
