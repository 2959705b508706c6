/*
 * listener.c: listening sockets: the set a daemon keeps in step with its
 * config, the EMFILE pause and the max-connections hold.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "listener.h"
#include "log.h"
#include "xmalloc.h"

struct listener_pause {
	struct event		*timer;
	uint64_t		 ms;
	listener_toggle_cb	 toggle;
	void			*arg;
};

struct listener {
	struct addr		 addr;
	struct evconnlistener	*lev;
	int			 keep;	/* sync bookkeeping */
	TAILQ_ENTRY(listener)	 entry;
};
TAILQ_HEAD(listeners, listener);

/* Why accepting is off; on when none. */
#define LISTENER_HOLD_PAUSE	0x1	/* EMFILE */
#define LISTENER_HOLD_FULL	0x2	/* max-connections */
#define LISTENER_HOLD_CLOSED	0x4	/* drained */

struct listener_set {
	struct event_base	*base;
	struct listener_conf	 conf;
	struct listener_counters *cnt;
	listener_accept_cb	 accept;
	void			*arg;
	struct listeners	 list;
	struct listener_pause	*pause;
	int			 hold;
};

static void	listener_pause_cb(evutil_socket_t, short, void *);
static void	listener_accept_cb_(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listener_error_cb(struct evconnlistener *, void *);
static void	listener_toggle(int, void *);
static void	listener_hold(struct listener_set *, int, int);
static void	listener_drop(struct listeners *, struct listener *);
static int	listener_same(const struct addr *, const struct addr *);

/* Create a pause of ms milliseconds that turns listeners off and on. */
struct listener_pause *
listener_pause_new(struct event_base *base, uint64_t ms,
    listener_toggle_cb toggle, void *arg)
{
	struct listener_pause	*p;

	p = xcalloc(1, sizeof *p);
	if ((p->timer = evtimer_new(base, listener_pause_cb, p)) == NULL)
		fatalx("evtimer_new");
	p->ms = ms;
	p->toggle = toggle;
	p->arg = arg;
	return (p);
}

/* Free a pause. */
void
listener_pause_free(struct listener_pause *p)
{
	if (p == NULL)
		return;
	event_free(p->timer);
	free(p);
}

/* accept() failed with err. */
int
listener_pause_error(struct listener_pause *p, int err)
{
	struct timeval	tv;

	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		log_warnx("accept: %s", strerror(err));
		return (0);
	}
	log_warnx("accept: %s; not accepting for %llu ms", strerror(err),
	    (unsigned long long)p->ms);
	p->toggle(0, p->arg);
	ev_tv(&tv, p->ms);
	evtimer_add(p->timer, &tv);
	return (1);
}

/* The pause is over. */
static void
listener_pause_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct listener_pause	*p = arg;

	p->toggle(1, p->arg);
}

/* Create an empty listener set. */
struct listener_set *
listener_set_new(struct event_base *base, const struct listener_conf *conf,
    struct listener_counters *cnt, listener_accept_cb accept, void *arg)
{
	struct listener_set	*ls;

	ls = xcalloc(1, sizeof *ls);
	ls->base = base;
	ls->conf = *conf;
	ls->cnt = cnt;
	ls->accept = accept;
	ls->arg = arg;
	TAILQ_INIT(&ls->list);
	ls->pause = listener_pause_new(base, conf->pause_ms, listener_toggle,
	    ls);
	return (ls);
}

/* Close and free a set. */
void
listener_set_free(struct listener_set *ls)
{
	if (ls == NULL)
		return;
	listener_set_close(ls);
	listener_pause_free(ls->pause);
	free(ls);
}

/* Same address and port (addr_eq ignores ports). */
static int
listener_same(const struct addr *a, const struct addr *b)
{
	return (addr_eq(a, b) && a->port == b->port);
}

/* Close one listener. */
static void
listener_drop(struct listeners *list, struct listener *l)
{
	TAILQ_REMOVE(list, l, entry);
	evconnlistener_free(l->lev);
	free(l);
}

/* A new connection. */
static void
listener_accept_cb_(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener_set	*ls = arg;

	if (ls->hold & LISTENER_HOLD_CLOSED) {
		close(fd);
		return;
	}
	ls->accept(fd, sa, salen, ls->arg);
}

/* accept() failed. */
static void
listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener_set	*ls = arg;

	if (listener_pause_error(ls->pause, EVUTIL_SOCKET_ERROR()) &&
	    ls->cnt != NULL)
		ls->cnt->pauses++;
}

/* The pause turns the set off or on. */
static void
listener_toggle(int on, void *arg)
{
	listener_hold(arg, LISTENER_HOLD_PAUSE, !on);
}

/* Set or clear one reason to hold; apply the outcome to every socket. */
static void
listener_hold(struct listener_set *ls, int why, int set)
{
	struct listener	*l;
	int		 was = ls->hold;

	if (set)
		ls->hold |= why;
	else
		ls->hold &= ~why;
	if ((was == 0) == (ls->hold == 0))
		return;
	TAILQ_FOREACH(l, &ls->list, entry) {
		if (ls->hold == 0)
			evconnlistener_enable(l->lev);
		else
			evconnlistener_disable(l->lev);
	}
}

/* Make the set listen on exactly addrs[0..n), all or nothing. */
int
listener_set_sync(struct listener_set *ls, const struct addr *addrs,
    size_t n, const char **cause)
{
	static char		 msg[ADDR_STRLEN + 64];
	struct listeners	 fresh;
	struct listener		*l, *next;
	const char		*why;
	char			 buf[ADDR_STRLEN];
	size_t			 i;
	int			 fd;

	TAILQ_INIT(&fresh);
	TAILQ_FOREACH(l, &ls->list, entry)
		l->keep = 0;
	for (i = 0; i < n; i++) {
		TAILQ_FOREACH(l, &ls->list, entry)
			if (listener_same(&l->addr, &addrs[i]))
				break;
		if (l != NULL) {
			l->keep = 1;
			continue;
		}
		TAILQ_FOREACH(l, &fresh, entry)
			if (listener_same(&l->addr, &addrs[i]))
				break;
		if (l != NULL)
			continue;
		addr_fmt(&addrs[i], buf, sizeof buf);
		fd = ev_listen_socket(&addrs[i], ls->conf.freebind,
		    ls->conf.backlog, &why);
		if (fd == -1) {
			snprintf(msg, sizeof msg, "listen %s: %s", buf, why);
			goto fail;
		}
		l = xcalloc(1, sizeof *l);
		l->addr = addrs[i];
		l->keep = 1;
		l->lev = evconnlistener_new(ls->base, listener_accept_cb_, ls,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
		if (l->lev == NULL) {
			close(fd);
			free(l);
			snprintf(msg, sizeof msg, "listen %s: "
			    "evconnlistener_new failed", buf);
			goto fail;
		}
		evconnlistener_set_error_cb(l->lev, listener_error_cb);
		if (ls->hold != 0)
			evconnlistener_disable(l->lev);
		TAILQ_INSERT_TAIL(&fresh, l, entry);
	}
	TAILQ_FOREACH_SAFE(l, &ls->list, entry, next) {
		if (l->keep)
			continue;
		log_info("no longer listening on %s",
		    addr_fmt(&l->addr, buf, sizeof buf));
		listener_drop(&ls->list, l);
	}
	while ((l = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, l, entry);
		log_info("listening on %s", addr_fmt(&l->addr, buf,
		    sizeof buf));
		TAILQ_INSERT_TAIL(&ls->list, l, entry);
	}
	return (0);
fail:
	while ((l = TAILQ_FIRST(&fresh)) != NULL)
		listener_drop(&fresh, l);
	*cause = msg;
	return (-1);
}

/* Apply a new max-connections. */
void
listener_set_max(struct listener_set *ls, uint64_t max)
{
	ls->conf.max_conns = max;
	listener_set_conn(ls, 0);
}

/* Count a connection and hold accepting at max-connections. */
void
listener_set_conn(struct listener_set *ls, int delta)
{
	struct listener_counters	*c = ls->cnt;
	int				 full;

	if (delta > 0) {
		c->open++;
		c->total++;
	} else if (delta < 0)
		c->open--;
	full = ls->conf.max_conns != 0 && c->open >= ls->conf.max_conns;
	if (full && !(ls->hold & LISTENER_HOLD_FULL))
		log_warnx("%llu connections open (max-connections); not "
		    "accepting more for now", (unsigned long long)c->open);
	else if (!full && (ls->hold & LISTENER_HOLD_FULL) &&
	    !(ls->hold & LISTENER_HOLD_CLOSED))
		log_info("below max-connections again; accepting");
	listener_hold(ls, LISTENER_HOLD_FULL, full);
}

/* Close every listener (drain); accepting never resumes. */
void
listener_set_close(struct listener_set *ls)
{
	struct listener	*l;

	listener_hold(ls, LISTENER_HOLD_CLOSED, 1);
	while ((l = TAILQ_FIRST(&ls->list)) != NULL)
		listener_drop(&ls->list, l);
}

/* Tell whether the set accepts. */
int
listener_set_accepting(const struct listener_set *ls)
{
	return (ls->hold == 0 && !TAILQ_EMPTY(&ls->list));
}

/* Return how many sockets the set has. */
size_t
listener_set_count(const struct listener_set *ls)
{
	const struct listener	*l;
	size_t			 n = 0;

	TAILQ_FOREACH(l, &ls->list, entry)
		n++;
	return (n);
}
