/*
 * ha_track.c: service tracking. Each tracked address is checked by a
 * non-blocking TCP connect every track-interval, bounded by track-timeout;
 * after each round the daemon learns whether all of them answered.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ev.h"
#include "ha.h"
#include "log.h"
#include "xmalloc.h"

struct ha_track;

struct track_target {
	struct ha_track		*t;
	struct addr		 addr;
	struct event		*ev;
	int			 fd;
	int			 up;		/* -1 unknown, 0 down, 1 up */
	int			 pending;
	char			 err[64];
};

struct ha_track {
	struct event_base	*base;
	struct track_target	*tg;
	size_t			 ntg;
	struct event		*timer;
	uint64_t		 interval;
	uint64_t		 timeout;
	size_t			 pending;
	void			(*cb)(void *, int, const char *);
	void			*arg;
};

static void	track_round_cb(evutil_socket_t, short, void *);
static void	track_conn_cb(evutil_socket_t, short, void *);
static void	track_done(struct track_target *, int, const char *);
static void	track_finish(struct ha_track *);

/*
 * Start tracking <n> addresses. <cb> gets (arg, healthy, culprit) after
 * every round; culprit names the first failed service.
 */
struct ha_track *
ha_track_new(struct event_base *base, const struct addr *addrs, size_t n,
    uint64_t interval, uint64_t timeout, void (*cb)(void *, int,
    const char *), void *arg)
{
	struct ha_track	*t;
	struct timeval	 tv;
	size_t		 i;

	t = xcalloc(1, sizeof *t);
	t->base = base;
	t->interval = interval;
	t->timeout = timeout < interval ? timeout : interval;
	t->cb = cb;
	t->arg = arg;
	t->ntg = n;
	t->tg = xcalloc(n ? n : 1, sizeof *t->tg);
	for (i = 0; i < n; i++) {
		t->tg[i].t = t;
		t->tg[i].addr = addrs[i];
		t->tg[i].fd = -1;
		t->tg[i].up = -1;
	}
	if (n == 0)
		return (t);
	t->timer = evtimer_new(base, track_round_cb, t);
	if (t->timer == NULL)
		fatalx("evtimer_new");
	ev_tv(&tv, 0);
	evtimer_add(t->timer, &tv);
	return (t);
}

/* Stop tracking. */
void
ha_track_free(struct ha_track *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ntg; i++) {
		if (t->tg[i].ev != NULL)
			event_free(t->tg[i].ev);
		if (t->tg[i].fd != -1)
			close(t->tg[i].fd);
	}
	if (t->timer != NULL)
		event_free(t->timer);
	free(t->tg);
	free(t);
}

/* Number of tracked services. */
size_t
ha_track_count(const struct ha_track *t)
{
	return (t == NULL ? 0 : t->ntg);
}

/* State of service <i> (-1 unknown, 0 down, 1 up); its address in <a>. */
int
ha_track_status(const struct ha_track *t, size_t i, struct addr *a)
{
	*a = t->tg[i].addr;
	return (t->tg[i].up);
}

/* Start a round: one connect per service. */
static void
track_round_cb(evutil_socket_t unused, short what, void *arg)
{
	struct ha_track		*t = arg;
	struct track_target	*tg;
	struct sockaddr_storage	 ss;
	struct timeval		 tv;
	socklen_t		 len;
	size_t			 i;

	t->pending = t->ntg;
	for (i = 0; i < t->ntg; i++) {
		tg = &t->tg[i];
		tg->pending = 1;
		len = addr_to_sa(&tg->addr, &ss);
		tg->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (tg->fd == -1) {
			track_done(tg, 0, strerror(errno));
			continue;
		}
		if (connect(tg->fd, (struct sockaddr *)&ss, len) == 0) {
			track_done(tg, 1, NULL);
			continue;
		}
		if (errno != EINPROGRESS) {
			track_done(tg, 0, strerror(errno));
			continue;
		}
		tg->ev = event_new(t->base, tg->fd, EV_WRITE, track_conn_cb,
		    tg);
		ev_tv(&tv, t->timeout);
		if (tg->ev == NULL || event_add(tg->ev, &tv) == -1) {
			track_done(tg, 0, "cannot wait for the connection");
			continue;
		}
	}
}

/* A connect finished or timed out. */
static void
track_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct track_target	*tg = arg;
	socklen_t		 len = sizeof(int);
	int			 err = 0;

	if (what & EV_TIMEOUT) {
		track_done(tg, 0, "connect timed out");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	track_done(tg, err == 0, err == 0 ? NULL : strerror(err));
}

/* Record one result; log changes; finish the round after the last one. */
static void
track_done(struct track_target *tg, int up, const char *err)
{
	struct ha_track	*t = tg->t;
	char		 buf[ADDR_STRLEN];

	if (tg->ev != NULL) {
		event_free(tg->ev);
		tg->ev = NULL;
	}
	if (tg->fd != -1) {
		close(tg->fd);
		tg->fd = -1;
	}
	if (!tg->pending)
		return;
	tg->pending = 0;
	addr_fmt(&tg->addr, buf, sizeof buf);
	if (up && tg->up != 1)
		log_info("tracked service %s is up", buf);
	else if (!up && tg->up != 0)
		log_warnx("tracked service %s is down: %s", buf, err);
	tg->up = up;
	strlcpy(tg->err, up ? "" : err, sizeof tg->err);
	if (--t->pending == 0)
		track_finish(t);
}

/* All answered: report and schedule the next round. */
static void
track_finish(struct ha_track *t)
{
	struct timeval	 tv;
	char		 buf[ADDR_STRLEN + 80];
	size_t		 i;
	int		 healthy = 1;

	buf[0] = '\0';
	for (i = 0; i < t->ntg; i++)
		if (t->tg[i].up != 1) {
			if (healthy) {
				addr_fmt(&t->tg[i].addr, buf, sizeof buf);
				strlcat(buf, " (", sizeof buf);
				strlcat(buf, t->tg[i].err, sizeof buf);
				strlcat(buf, ")", sizeof buf);
			}
			healthy = 0;
		}
	t->cb(t->arg, healthy, buf);
	ev_tv(&tv, t->interval);
	evtimer_add(t->timer, &tv);
}

/*
 * The services tracked when the ha block names none: the proxy's and the
 * WPAD server's listen addresses from the same config file. A floating IP
 * is skipped (the standby does not hold it, so a local check of it cannot
 * work); a wildcard address is checked on loopback. Returns the count and
 * an allocated array in <out>.
 */
size_t
ha_track_defaults(const struct cfg *cfg, struct addr **out)
{
	const struct addr	*src[2];
	size_t			 nsrc[2], i, j, k, n = 0;
	struct addr		*v = NULL, a;
	int			 skip;

	src[0] = cfg->proxy.blk.present ? cfg->proxy.listen : NULL;
	nsrc[0] = cfg->proxy.blk.present ? cfg->proxy.nlisten : 0;
	src[1] = cfg->wpad.blk.present ? cfg->wpad.listen : NULL;
	nsrc[1] = cfg->wpad.blk.present ? cfg->wpad.nlisten : 0;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < nsrc[k]; i++) {
			a = src[k][i];
			skip = 0;
			for (j = 0; j < cfg->ha.nfloating_ip; j++)
				if (addr_eq(&a, &cfg->ha.floating_ip[j].a))
					skip = 1;
			if (a.af == AF_INET && a.u.v4.s_addr == INADDR_ANY)
				a.u.v4.s_addr = htonl(INADDR_LOOPBACK);
			else if (a.af == AF_INET6 &&
			    IN6_IS_ADDR_UNSPECIFIED(&a.u.v6))
				a.u.v6 = in6addr_loopback;
			for (j = 0; j < n; j++)
				if (addr_eq(&v[j], &a) && v[j].port == a.port)
					skip = 1;
			if (skip)
				continue;
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = a;
		}
	}
	*out = v;
	return (n);
}
