/*
 * check.c: the health-check driver. One checker watches one target: a
 * single timer wakes it when check_fsm.c wants a round started or a round
 * has run out of time; the kind (check_ops) runs the probe itself. A
 * target given by name is resolved with evdns at the start of every round,
 * so an address that moves is followed.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ev.h"
#include "log.h"
#include "xmalloc.h"

/*
 * A name lookup under way. It outlives its checker when the checker gives
 * up on it: evdns calls back even after a cancel, so the callback must
 * find something to free.
 */
struct check_resolve {
	struct check				*c;	/* NULL: abandoned */
	struct evdns_getaddrinfo_request	*req;
};

static void	check_timer_cb(evutil_socket_t, short, void *);
static void	check_resolve_cb(int, struct evutil_addrinfo *, void *);
static void	check_begin(struct check *);
static void	check_abort(struct check *);
static void	check_arm(struct check *);
static void	check_expire(struct check *, uint64_t);

/* Milliseconds of the monotonic clock. */
uint64_t
check_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Describe errno value <err> for a reason string: strerror's text with a
 * lower-case first letter ("connection refused"), after <prefix> and ": "
 * when there is one.
 */
void
check_errstr(int err, const char *prefix, char *buf, size_t len)
{
	char	msg[96];

	strlcpy(msg, strerror(err), sizeof msg);
	if (isupper((unsigned char)msg[0]) && !isupper((unsigned char)msg[1]))
		msg[0] = tolower((unsigned char)msg[0]);
	if (prefix != NULL)
		snprintf(buf, len, "%s: %s", prefix, msg);
	else
		strlcpy(buf, msg, len);
}

/*
 * Bind socket <fd> to the configured source address, if there is one.
 * Returns 0, or -1 with <why> filled.
 */
int
check_bind(struct check *c, int fd, char *why, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			buf[ADDR_STRLEN], pfx[ADDR_STRLEN + 48];
	int			one = 1;

	if (c->source.af == 0)
		return (0);
	/* Many checkers from one address: take the port only at connect. */
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof one);
	sslen = addr_to_sa(&c->source, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		snprintf(pfx, sizeof pfx, "cannot bind source address %s",
		    addr_ntop(&c->source, buf, sizeof buf));
		check_errstr(errno, pfx, why, len);
		return (-1);
	}
	return (0);
}

/*
 * Create a checker for <conf> on <base>; <dns> resolves a target given by
 * name and may be NULL otherwise. <cb> gets every change of state with
 * <arg>; it must not free the checker. The checker is idle until
 * check_start(). Returns NULL with <cause> (allocated) on a bad setting.
 */
struct check *
check_new(struct event_base *base, struct evdns_base *dns,
    const struct check_conf *conf, check_state_cb cb, void *arg,
    char **cause)
{
	struct check	*c;
	const char	*err;
	char		 buf[HOST_MAXLEN + 16];
	struct addr	 a;

	c = xcalloc(1, sizeof *c);
	c->base = base;
	c->dns = dns;
	c->fd = -1;
	c->result_cb = conf->result_cb;
	c->arg = arg;
	switch (conf->kind) {
	case CHECK_TCP:
		c->ops = &check_tcp_ops;
		break;
	case CHECK_ACV:
		c->ops = &check_acv_ops;
		break;
	case CHECK_ICMP:
		c->ops = &check_icmp_ops;
		break;
	default:
		xasprintf(cause, "unknown check kind %d", (int)conf->kind);
		goto fail;
	}
	c->source = conf->source;
	if (conf->host != NULL && addr_parse(conf->host, &a, &err) == 0) {
		c->addr = a;
		c->addr.port = conf->port;
	} else if (conf->host != NULL) {
		if (!host_valid(conf->host)) {
			xasprintf(cause, "bad host name \"%s\"", conf->host);
			goto fail;
		}
		if (dns == NULL) {
			xasprintf(cause, "%s: a host name needs a resolver",
			    conf->host);
			goto fail;
		}
		c->host = xstrdup(conf->host);
		c->port = conf->port;
	} else if (conf->addr.af == AF_INET || conf->addr.af == AF_INET6)
		c->addr = conf->addr;
	else {
		xasprintf(cause, "no address to check");
		goto fail;
	}
	if (conf->kind != CHECK_ICMP && c->addr.port == 0 && c->port == 0) {
		xasprintf(cause, "a %s check needs a port", c->ops->name);
		goto fail;
	}
	if (c->source.af != 0 && c->addr.af != 0 &&
	    c->source.af != c->addr.af) {
		xasprintf(cause, "source address and target are of different "
		    "families");
		goto fail;
	}
	if (conf->name != NULL)
		c->name = xstrdup(conf->name);
	else if (c->host != NULL) {
		snprintf(buf, sizeof buf, "%s:%u", c->host, c->port);
		c->name = xstrdup(buf);
	} else if (conf->kind == CHECK_ICMP)
		c->name = xstrdup(addr_ntop(&c->addr, buf, sizeof buf));
	else
		c->name = xstrdup(addr_fmt(&c->addr, buf, sizeof buf));
	if (c->ops->init != NULL && c->ops->init(c, conf, cause) == -1)
		goto fail;
	if ((c->timer = evtimer_new(base, check_timer_cb, c)) == NULL)
		fatalx("evtimer_new");
	check_fsm_init(&c->fsm, &conf->fsm, cb, arg, check_now());
	return (c);

fail:
	if (c->kind != NULL && c->ops->free != NULL)
		c->ops->free(c);
	free(c->host);
	free(c->name);
	free(c);
	return (NULL);
}

/* Stop and free checker <c>; a probe under way is dropped uncounted. */
void
check_free(struct check *c)
{
	if (c == NULL)
		return;
	check_stop(c);
	if (c->ops->free != NULL)
		c->ops->free(c);
	event_free(c->timer);
	free(c->host);
	free(c->name);
	free(c);
}

/*
 * Start checking: the first round at once, unless one is due later (a
 * checker stopped and started again keeps its schedule and state).
 */
void
check_start(struct check *c)
{
	uint64_t	now = check_now();

	c->running = 1;
	if (c->fsm.due < now)
		c->fsm.due = now;
	check_arm(c);
}

/* Stop checking; a probe under way is dropped and not counted. */
void
check_stop(struct check *c)
{
	c->running = 0;
	evtimer_del(c->timer);
	if (c->fsm.probing) {
		check_abort(c);
		check_fsm_cancel(&c->fsm, check_now());
	}
}

/* The checker's state. */
enum check_state
check_state(const struct check *c)
{
	return (c->fsm.state);
}

/* The reason of the last result. */
const char *
check_reason(const struct check *c)
{
	return (c->fsm.reason);
}

/* The name in logs: the configured one, or the target. */
const char *
check_name(const struct check *c)
{
	return (c->name);
}

/* The state machine, for counters. */
const struct check_fsm *
check_get_fsm(const struct check *c)
{
	return (&c->fsm);
}

/* Drop whatever the round under way holds: a lookup, the kind's sockets. */
static void
check_abort(struct check *c)
{
	struct check_resolve	*r;

	if ((r = c->resolve) != NULL) {
		c->resolve = NULL;
		r->c = NULL;
		/* The callback still runs (and frees <r>). */
		evdns_getaddrinfo_cancel(r->req);
	}
	c->ops->stop(c);
}

/* Wake up for the state machine's next deadline. */
static void
check_arm(struct check *c)
{
	struct timeval	tv;
	uint64_t	now, next;

	if (!c->running)
		return;
	now = check_now();
	next = check_fsm_next(&c->fsm);
	ev_tv(&tv, next > now ? next - now : 0);
	evtimer_add(c->timer, &tv);
}

/*
 * Report the result of the round under way: <ok> 1 for a success, with
 * <reason>. Called by the kinds; a result for a round that has already
 * ended is ignored.
 */
void
check_done(struct check *c, int ok, const char *reason)
{
	if (!c->fsm.probing)
		return;
	check_abort(c);
	check_fsm_result(&c->fsm, ok, reason, check_now());
	log_debug("check %s: %s", c->name, c->fsm.reason);
	if (c->result_cb != NULL)
		c->result_cb(c->arg, c->fsm.last, c->fsm.reason);
	check_arm(c);
}

/* The round ran out of time: let the kind say what it was waiting for. */
static void
check_expire(struct check *c, uint64_t now)
{
	char	why[CHECK_REASONLEN];

	why[0] = '\0';
	if (c->resolve != NULL)
		snprintf(why, sizeof why, "name resolution timed out after "
		    "%" PRIu64 " ms", c->fsm.p.timeout);
	else if (c->ops->expire != NULL)
		c->ops->expire(c, c->fsm.p.timeout, why, sizeof why);
	check_abort(c);
	if (why[0] == '\0')
		check_fsm_timeout(&c->fsm, now);
	else
		check_fsm_result(&c->fsm, 0, why, now);
	log_debug("check %s: %s", c->name, c->fsm.reason);
	if (c->result_cb != NULL)
		c->result_cb(c->arg, 0, c->fsm.reason);
}

/* The timer: end a round that ran out of time, start one that is due. */
static void
check_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check	*c = arg;
	uint64_t	 now = check_now();

	if (check_fsm_expired(&c->fsm, now))
		check_expire(c, now);
	if (check_fsm_tick(&c->fsm, now))
		check_begin(c);
	check_arm(c);
}

/* Start a round: resolve the name first if there is one. */
static void
check_begin(struct check *c)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*req;
	struct check_resolve			*r;

	if (c->host == NULL) {
		c->ops->start(c, &c->addr);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = c->source.af != 0 ? c->source.af : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = xcalloc(1, sizeof *r);
	r->c = c;
	c->resolve = r;
	req = evdns_getaddrinfo(c->dns, c->host, NULL, &hints,
	    check_resolve_cb, r);
	/* NULL: answered at once, and <r> is already gone. */
	if (req != NULL)
		r->req = req;
}

/* The name lookup of a round ended. */
static void
check_resolve_cb(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct check_resolve	*r = arg;
	struct check		*c = r->c;
	struct addr		 a;
	char			 why[CHECK_REASONLEN];

	free(r);
	if (c == NULL) {
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	c->resolve = NULL;
	if (err != 0 || ai == NULL) {
		snprintf(why, sizeof why, "name does not resolve: %s",
		    err != 0 ? evutil_gai_strerror(err) : "no address");
		check_done(c, 0, why);
		return;
	}
	if (addr_from_sa(&a, ai->ai_addr, ai->ai_addrlen) == -1) {
		evutil_freeaddrinfo(ai);
		check_done(c, 0, "name resolves to an unusable address");
		return;
	}
	evutil_freeaddrinfo(ai);
	a.port = c->port;
	c->ops->start(c, &a);
}
