/*
 * ha_track.c: service tracking. Each tracked address has a TCP connect
 * checker (lib/check.h) running every track-interval, bounded by
 * track-timeout; once every service has a verdict, and on every change
 * after that, the daemon learns whether all of them are up.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "check.h"
#include "ha.h"
#include "log.h"
#include "xmalloc.h"

struct ha_track;

struct track_target {
	struct ha_track		*t;
	struct addr		 addr;
	struct check		*chk;
};

struct ha_track {
	struct track_target	*tg;
	size_t			 ntg;
	void			(*cb)(void *, int, const char *);
	void			*arg;
};

static void	track_state_cb(void *, enum check_state, enum check_state,
		    const char *);
static void	track_report(struct ha_track *);

/*
 * Start tracking <n> addresses. <cb> gets (arg, healthy, culprit) once
 * every service has been checked and then on every change; culprit names
 * the first failed service and why.
 */
struct ha_track *
ha_track_new(struct event_base *base, const struct addr *addrs, size_t n,
    uint64_t interval, uint64_t timeout, void (*cb)(void *, int,
    const char *), void *arg)
{
	struct ha_track		*t;
	struct check_conf	 conf;
	char			*cause, buf[ADDR_STRLEN];
	size_t			 i;

	t = xcalloc(1, sizeof *t);
	t->cb = cb;
	t->arg = arg;
	t->ntg = n;
	t->tg = xcalloc(n ? n : 1, sizeof *t->tg);
	/* One failed connect is a failed service, as it always was. */
	memset(&conf, 0, sizeof conf);
	conf.kind = CHECK_TCP;
	conf.fsm.interval = interval;
	conf.fsm.timeout = timeout < interval ? timeout : interval;
	conf.fsm.rise = 1;
	conf.fsm.fall = 1;
	conf.fsm.initial = CHECK_UNKNOWN;
	for (i = 0; i < n; i++) {
		t->tg[i].t = t;
		t->tg[i].addr = addrs[i];
		conf.addr = addrs[i];
		t->tg[i].chk = check_new(base, NULL, &conf, track_state_cb,
		    &t->tg[i], &cause);
		if (t->tg[i].chk == NULL)
			fatalx("tracked service %s: %s", addr_fmt(&addrs[i],
			    buf, sizeof buf), cause);
	}
	for (i = 0; i < n; i++)
		check_start(t->tg[i].chk);
	return (t);
}

/* Stop tracking. */
void
ha_track_free(struct ha_track *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ntg; i++)
		check_free(t->tg[i].chk);
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
	switch (check_state(t->tg[i].chk)) {
	case CHECK_UP:
		return (1);
	case CHECK_DOWN:
		return (0);
	default:
		return (-1);
	}
}

/* A service went up or down: log it and tell the daemon. */
static void
track_state_cb(void *arg, enum check_state from, enum check_state to,
    const char *reason)
{
	struct track_target	*tg = arg;
	char			 buf[ADDR_STRLEN];

	addr_fmt(&tg->addr, buf, sizeof buf);
	if (to == CHECK_UP)
		log_info("tracked service %s is up", buf);
	else
		log_warnx("tracked service %s is down: %s", buf, reason);
	track_report(tg->t);
}

/*
 * Report healthy (all up) or not, with the first failed service, once
 * every service has a verdict: until then the daemon keeps its start-up
 * assumption, as when a whole round had to end first.
 */
static void
track_report(struct ha_track *t)
{
	char	buf[ADDR_STRLEN + CHECK_REASONLEN + 4];
	size_t	i;
	int	healthy = 1;

	buf[0] = '\0';
	for (i = 0; i < t->ntg; i++) {
		switch (check_state(t->tg[i].chk)) {
		case CHECK_UNKNOWN:
			return;
		case CHECK_UP:
			break;
		case CHECK_DOWN:
			if (healthy) {
				addr_fmt(&t->tg[i].addr, buf, sizeof buf);
				strlcat(buf, " (", sizeof buf);
				strlcat(buf, check_reason(t->tg[i].chk),
				    sizeof buf);
				strlcat(buf, ")", sizeof buf);
			}
			healthy = 0;
			break;
		}
	}
	t->cb(t->arg, healthy, buf);
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
