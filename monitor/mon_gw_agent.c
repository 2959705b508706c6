/*
 * mon_gw_agent.c: the agent's side of the gateway (mon_gw.h). With
 * "gateway off" it only tells the center so (POST /gw/off, now and then),
 * for operators to be refused at once. With "gateway on", one long poll
 * (POST /gw/poll, through the same proxies as the reports) waits for
 * orders; each order is checked
 * against gateway-allow and gateway-sessions, then the target is
 * connected (a literal address, never a name) and the two streams are
 * opened. A refusal goes back to the center in the up request's
 * Twinproxy-Gateway-Refused field and is logged here too.
 *
 * Per session:
 *	target -> up	chunks (mon_gw_chunk); the target is not read while
 *			the up stream's output is over the flow mark, and
 *			not at all before the up stream stands
 *	down -> target	de-chunked (lib/http_body); the down stream is not
 *			read while the target's output is over the mark
 * The idle timer (the smaller of gateway-idle-timeout and the center's)
 * restarts with every byte; the absolute one (gateway-max-time, or the
 * center's) does not. Both are sent to the center, which runs them;
 * ours fire GW_BACKSTOP later, for a center gone quiet. The end is
 * logged once, with the center's reason when it gave one.
 */
#include <sys/queue.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "check.h"
#include "conn.h"
#include "ev.h"
#include "flow.h"
#include "http.h"
#include "http_body.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_auth.h"
#include "mon_gw.h"
#include "xmalloc.h"

#define GW_RETRY_MIN	1000	/* ms after a failed poll, doubling */
#define GW_RETRY_MAX	30000
#define GW_REFUSED_WAIT	60000	/* ms after the center refused a poll */
#define GW_MAXHEAD	16384	/* the down stream's response head */
#define GW_ENDHEAD	4096	/* the center's answer ending the up stream */
#define GW_BACKSTOP	2000	/* ms past the center's timers, ours */
#define GW_END_WAIT	1000	/* ms for the center's reason of an end */

struct gw_asess {
	TAILQ_ENTRY(gw_asess)	 entry;
	struct mon_gw_agent	*g;
	struct mon_gw_order	 o;
	struct bufferevent	*tgt;
	struct bufferevent	*up;
	struct bufferevent	*down;
	struct mon_client	*cup;
	struct mon_client	*cdown;
	struct http_msg		 msg;
	struct http_body	 dmv;
	int			 down_body;	/* past its head */
	int			 ended;
	const char		*over;		/* down ended: why, for now */
	char			 why[MON_GW_REASON_MAX];	/* the center's */
	struct event		*idle;
	struct event		*limit;
	struct mon_gw_tally	 t;
};
TAILQ_HEAD(gw_asessq, gw_asess);

struct mon_gw_agent {
	struct event_base		*base;
	struct mon_gw_agent_params	 p;
	struct flow_limits		 flow;
	struct mon_client		*poll;
	struct mon_client		*poll_done;
	struct event			*retry;
	unsigned int			 failures;
	size_t				 route;
	struct gw_asessq		 sessions;
	unsigned int			 nsessions;
	struct gw_asessq		 done;	/* to free from the loop */
	struct evbuffer			*scratch;	/* a chunk in the making */
	struct event			*reap;
};

static void	gw_start(struct mon_gw_agent *);
static void	gw_poll(struct mon_gw_agent *);
static void	gw_poll_cb(void *, const struct mon_client_result *);
static void	gw_retry_cb(evutil_socket_t, short, void *);
static void	gw_retry(struct mon_gw_agent *, uint64_t);
static void	gw_params(struct mon_gw_agent *, struct mon_client_params *);
static void	gw_open(struct mon_gw_agent *, const struct mon_gw_order *);
static void	gw_refuse(struct gw_asess *, const char *);
static void	gw_refused_cb(void *, const struct mon_client_result *);
static struct mon_client *gw_stream(struct gw_asess *, int,
		    const char *);
static void	gw_tgt_event_cb(struct bufferevent *, short, void *);
static void	gw_tgt_read_cb(struct bufferevent *, void *);
static void	gw_tgt_write_cb(struct bufferevent *, void *);
static void	gw_up_cb(void *, const struct mon_client_result *);
static void	gw_down_cb(void *, const struct mon_client_result *);
static void	gw_up_read_cb(struct bufferevent *, void *);
static void	gw_up_write_cb(struct bufferevent *, void *);
static void	gw_up_gone(struct gw_asess *);
static int	gw_up_answer(struct gw_asess *, struct evbuffer *);
static void	gw_down_over(struct gw_asess *, const char *);
static void	gw_down_read_cb(struct bufferevent *, void *);
static void	gw_stream_event_cb(struct bufferevent *, short, void *);
static void	gw_end(struct gw_asess *, const char *);
static void	gw_kick(struct gw_asess *);
static void	gw_idle_cb(evutil_socket_t, short, void *);
static void	gw_limit_cb(evutil_socket_t, short, void *);
static void	gw_reap_cb(evutil_socket_t, short, void *);
static void	gw_sess_free(struct gw_asess *);

struct mon_gw_agent *
mon_gw_agent_new(struct event_base *base, const struct mon_gw_agent_params *p)
{
	static const struct flow_limits	 fl = FLOW_LIMITS_DEFAULT;
	struct mon_gw_agent		*g;

	g = xcalloc(1, sizeof *g);
	g->base = base;
	g->p = *p;
	g->flow = fl;
	TAILQ_INIT(&g->sessions);
	TAILQ_INIT(&g->done);
	if ((g->retry = evtimer_new(base, gw_retry_cb, g)) == NULL ||
	    (g->reap = evtimer_new(base, gw_reap_cb, g)) == NULL ||
	    (g->scratch = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	gw_start(g);
	return (g);
}

/* Poll for orders, or (gateway off) tell the center so. */
static void
gw_start(struct mon_gw_agent *g)
{
	if (g->p.off)
		log_info("gateway off: the center is told so");
	else
		log_info("gateway on: targets allowed: %zu, at most %u "
		    "session%s", g->p.nallow, g->p.max_sessions,
		    g->p.max_sessions == 1 ? "" : "s");
	g->failures = 0;
	gw_poll(g);
}

/*
 * A reload: new limits and credentials for what comes next. Turned off,
 * the open sessions end; either way round, the poll starts over.
 */
void
mon_gw_agent_set(struct mon_gw_agent *g, const struct mon_gw_agent_params *p)
{
	struct gw_asess	*s;
	int		 was = g->p.off;

	g->p = *p;
	if (g->route >= (p->nproxy > 0 ? p->nproxy : 1))
		g->route = 0;
	if (was == p->off)
		return;
	if (p->off) {
		if (!TAILQ_EMPTY(&g->sessions))
			log_info("gateway off: open sessions end");
		while ((s = TAILQ_FIRST(&g->sessions)) != NULL)
			gw_end(s, "gateway off");
	}
	evtimer_del(g->retry);
	mon_client_free(g->poll);
	g->poll = NULL;
	gw_start(g);
}

void
mon_gw_agent_free(struct mon_gw_agent *g)
{
	struct gw_asess	*s;

	if (g == NULL)
		return;
	while ((s = TAILQ_FIRST(&g->sessions)) != NULL)
		gw_end(s, "the agent stops");
	gw_reap_cb(-1, 0, g);
	mon_client_free(g->poll);
	mon_client_free(g->poll_done);
	event_free(g->retry);
	event_free(g->reap);
	evbuffer_free(g->scratch);
	free(g);
}

unsigned int
mon_gw_agent_sessions(const struct mon_gw_agent *g)
{
	return (g->nsessions);
}

/* What every gateway exchange needs: the route and the credentials. */
static void
gw_params(struct mon_gw_agent *g, struct mon_client_params *cp)
{
	memset(cp, 0, sizeof *cp);
	cp->center = g->p.center;
	cp->proxy = g->p.nproxy > 0 ? &g->p.proxies[g->route] : NULL;
	cp->ctx = g->p.ctx;
	cp->dns = g->p.dns;
	cp->timeout_ms = g->p.timeout_ms;
	cp->devid = g->p.devid;
	cp->agent = "twin-report/" PACKAGE_VERSION;
}

/* Wait for the next order. */
static void
gw_poll(struct mon_gw_agent *g)
{
	struct mon_client_params	cp;

	mon_client_free(g->poll_done);
	g->poll_done = NULL;
	gw_params(g, &cp);
	if (g->p.off)
		cp.path = "/gw/off";
	else {
		cp.timeout_ms += MON_GW_POLL_MS;
		cp.path = "/gw/poll";
	}
	g->poll = mon_client_post(g->base, &cp, "", 0, gw_poll_cb, g);
}

static void
gw_retry(struct mon_gw_agent *g, uint64_t ms)
{
	struct timeval	tv;

	ev_tv(&tv, ms);
	evtimer_add(g->retry, &tv);
}

static void
gw_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	gw_poll(arg);
}

/* A poll's answer: an order, nothing (poll again), or a failure. */
static void
gw_poll_cb(void *arg, const struct mon_client_result *res)
{
	struct mon_gw_agent	*g = arg;
	struct mon_gw_order	 o;
	const char		*cause;
	uint64_t		 wait;

	g->poll_done = g->poll;
	g->poll = NULL;
	if (g->p.off && (!res->ok || res->status != 204)) {
		/*
		 * Only a courtesy: quiet, and seldom again from a center
		 * that does not know it.
		 */
		log_debug("gateway: off notice: %s", res->ok ?
		    "unexpected answer" : res->err);
		gw_retry(g, res->ok ? MON_GW_OFF_MS : GW_RETRY_MAX);
		return;
	}
	if (!res->ok || (res->status != 200 && res->status != 204)) {
		if (res->ok && res->status >= 400 && res->status < 500) {
			log_warnx("gateway: the center refused the poll: %d",
			    res->status);
			gw_retry(g, GW_REFUSED_WAIT);
			return;
		}
		log_warnx("gateway: poll failed: %s", res->ok ?
		    "unexpected answer" : res->err);
		if (!res->tls && g->p.nproxy > 1)
			g->route = (g->route + 1) % g->p.nproxy;
		wait = (uint64_t)GW_RETRY_MIN << (g->failures < 5 ?
		    g->failures : 5);
		g->failures++;
		gw_retry(g, wait < GW_RETRY_MAX ? wait : GW_RETRY_MAX);
		return;
	}
	g->failures = 0;
	if (g->p.off) {
		/* Again now and then, for a center that restarted. */
		gw_retry(g, MON_GW_OFF_MS);
		return;
	}
	if (res->status == 200) {
		if (mon_gw_order_parse(res->body, res->body_len, &o, &cause) ==
		    -1)
			log_warnx("gateway: the center's order: %s", cause);
		else
			gw_open(g, &o);
	}
	gw_retry(g, 0);
}

/* An order: check it, then reach the target. */
static void
gw_open(struct mon_gw_agent *g, const struct mon_gw_order *o)
{
	static const struct conn_cbs	 none;
	struct conn_cbs			 cbs = none;
	struct conn_limits		 lim = { 65536, FLOW_LIMITS_DEFAULT,
					    0 };
	struct gw_asess			*s;
	const char			*op;
	char				 t[ADDR_STRLEN], why[128];
	int				 err;

	s = xcalloc(1, sizeof *s);
	s->g = g;
	s->o = *o;
	if (s->o.idle_ms > g->p.idle_ms)
		s->o.idle_ms = g->p.idle_ms;
	if (s->o.max_ms > g->p.max_ms)
		s->o.max_ms = g->p.max_ms;
	s->t.started = check_now();
	if ((s->idle = evtimer_new(g->base, gw_idle_cb, s)) == NULL ||
	    (s->limit = evtimer_new(g->base, gw_limit_cb, s)) == NULL)
		fatalx("%s: out of memory", __func__);
	TAILQ_INSERT_TAIL(&g->sessions, s, entry);
	g->nsessions++;
	addr_fmt(&o->target, t, sizeof t);
	log_info("gateway: session %s asked: operator %s target %s", o->sid,
	    o->op, t);
	if (!mon_gw_allowed(&o->target, g->p.allow, g->p.nallow)) {
		snprintf(why, sizeof why, "target %s not in gateway-allow", t);
		gw_refuse(s, why);
		return;
	}
	if (g->nsessions > g->p.max_sessions) {
		snprintf(why, sizeof why, "%u sessions open already "
		    "(gateway-sessions)", g->nsessions - 1);
		gw_refuse(s, why);
		return;
	}
	lim.connect_ms = g->p.timeout_ms;
	cbs.read = gw_tgt_read_cb;
	cbs.write = gw_tgt_write_cb;
	cbs.event = gw_tgt_event_cb;
	cbs.arg = s;
	if ((s->tgt = conn_connect(g->base, &o->target, NULL, &lim, &cbs,
	    &err, &op)) == NULL) {
		snprintf(why, sizeof why, "%s %s: %s", op, t, strerror(err));
		gw_refuse(s, why);
	}
}

/*
 * Tell the center why the session is not opened (the up request with
 * the refusal and no body), log it, and end it once that is sent.
 */
static void
gw_refuse(struct gw_asess *s, const char *why)
{
	log_warnx("gateway: session %s refused: operator %s: %s", s->o.sid,
	    s->o.op, why);
	if (s->tgt != NULL) {
		bufferevent_free(s->tgt);
		s->tgt = NULL;
	}
	s->cup = gw_stream(s, 2, why);
}

static void
gw_refused_cb(void *arg, const struct mon_client_result *res)
{
	struct gw_asess	*s = arg;

	if (res->ok)
		mon_gw_linger(s->g->base, res->bev);
	if (!s->ended)
		gw_end(s, "refused");
}

/*
 * Open a stream of <s>: 0 down (GET), 1 up (chunked POST), 2 the up
 * request carrying the refusal <why>.
 */
static struct mon_client *
gw_stream(struct gw_asess *s, int kind, const char *why)
{
	struct mon_client_params	 cp;
	struct mon_client		*c;
	struct evbuffer			*req;
	struct http_header		 h[2];
	char				 auth[HOST_MAXLEN + 16], *buf;
	char				 path[64], limits[48];
	size_t				 len, n = 0;

	gw_params(s->g, &cp);
	cp.open = 1;
	if (s->g->p.center->port == 443)
		strlcpy(auth, s->g->p.center->host, sizeof auth);
	else
		hostport_fmt(s->g->p.center, auth, sizeof auth);
	if ((req = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	/* Nothing here comes from the network but the checked ID. */
	snprintf(path, sizeof path, "/gw/%s/%s", kind == 0 ? "down" : "up",
	    s->o.sid);
	if (kind == 1) {
		snprintf(limits, sizeof limits, "%" PRIu64 " %" PRIu64,
		    s->o.idle_ms, s->o.max_ms);
		mon_client_field(&h[n++], MON_GW_LIMITS_FIELD, limits);
		mon_client_field(&h[n++], "Content-Type",
		    "application/octet-stream");
	} else if (kind == 2) {
		mon_client_field(&h[n++], MON_GW_REFUSED_FIELD, why);
		mon_client_field(&h[n++], "Content-Length", "0");
	}
	mon_client_head(req, kind == 0 ? "GET" : "POST", auth, path,
	    cp.devid, cp.agent, h, n, kind == 1 ? MON_CLIENT_CHUNKED :
	    kind == 2 ? MON_CLIENT_CLOSE : 0);
	len = evbuffer_get_length(req);
	buf = xmalloc(len);
	evbuffer_remove(req, buf, len);
	evbuffer_free(req);
	c = mon_client_post(s->g->base, &cp, buf, len, kind == 0 ?
	    gw_down_cb : kind == 1 ? gw_up_cb : gw_refused_cb, s);
	free(buf);
	return (c);
}

/* The target answered the connect: open both streams. */
static void
gw_tgt_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_asess	*s = arg;
	char		 t[ADDR_STRLEN], why[128];
	int		 err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_set_timeouts(bev, NULL, NULL);
		mon_gw_nodelay(bev);
		bufferevent_set_max_single_write(bev, MON_GW_PIECE);
		/* Not read before the up stream is there to take it. */
		bufferevent_disable(bev, EV_READ);
		flow_watch(bev, &s->g->flow);
		s->cup = gw_stream(s, 1, NULL);
		s->cdown = gw_stream(s, 0, NULL);
		return;
	}
	if (s->up == NULL && s->down == NULL && s->cup == NULL) {
		addr_fmt(&s->o.target, t, sizeof t);
		snprintf(why, sizeof why, "connect %s: %s", t,
		    (what & BEV_EVENT_TIMEOUT) ? "timed out" : err != 0 ?
		    strerror(err) : "failed");
		gw_refuse(s, why);
		return;
	}
	gw_tgt_read_cb(bev, s);
	gw_end(s, (what & BEV_EVENT_EOF) ? "target closed" :
	    "target connection failed");
}

/*
 * Target to up stream, one chunk per read: what the bufferevent read and
 * as much more as the up stream takes (big chunks, full TLS records).
 */
static void
gw_tgt_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_asess	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev), *out;
	size_t		 n, queued;
	int		 more;

	if (s->up == NULL) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	out = bufferevent_get_output(s->up);
	/* Less than libevent's most: it took all there was (a keystroke). */
	more = evbuffer_get_length(in) >= MON_GW_EVREAD;
	evbuffer_add_buffer(s->g->scratch, in);
	queued = evbuffer_get_length(out) + evbuffer_get_length(s->g->scratch);
	if (more && queued < s->g->flow.high)
		mon_gw_read(bev, s->g->scratch, s->g->flow.high - queued);
	if ((n = evbuffer_get_length(s->g->scratch)) == 0)
		return;
	s->t.up += n;
	mon_gw_chunk(out, s->g->scratch);
	gw_kick(s);
	flow_gate(bev, out, &s->g->flow);
}

/* The target took its bytes: read the down stream again. */
static void
gw_tgt_write_cb(struct bufferevent *bev, void *arg)
{
	struct gw_asess	*s = arg;

	if (s->down != NULL)
		flow_resume(s->down);
}

static void
gw_up_cb(void *arg, const struct mon_client_result *res)
{
	struct gw_asess	*s = arg;
	struct timeval	 tv;

	if (s->ended) {
		if (res->ok)
			bufferevent_free(res->bev);
		return;
	}
	if (!res->ok) {
		log_warnx("gateway: session %s: up stream: %s", s->o.sid,
		    res->err);
		gw_end(s, "up stream failed");
		return;
	}
	s->up = res->bev;
	mon_gw_nodelay(s->up);
	flow_watch(s->up, &s->g->flow);
	bufferevent_setcb(s->up, gw_up_read_cb, gw_up_write_cb,
	    gw_stream_event_cb, s);
	bufferevent_enable(s->up, EV_READ | EV_WRITE);
	ev_tv(&tv, s->o.max_ms + GW_BACKSTOP);
	evtimer_add(s->limit, &tv);
	gw_kick(s);
	if (s->tgt != NULL) {
		bufferevent_enable(s->tgt, EV_READ);
		gw_tgt_read_cb(s->tgt, s);
	}
}

static void
gw_down_cb(void *arg, const struct mon_client_result *res)
{
	struct gw_asess	*s = arg;

	if (s->ended) {
		if (res->ok)
			bufferevent_free(res->bev);
		return;
	}
	if (!res->ok) {
		log_warnx("gateway: session %s: down stream: %s", s->o.sid,
		    res->err);
		gw_end(s, "down stream failed");
		return;
	}
	s->down = res->bev;
	mon_gw_nodelay(s->down);
	bufferevent_setcb(s->down, gw_down_read_cb, NULL, gw_stream_event_cb,
	    s);
	bufferevent_enable(s->down, EV_READ | EV_WRITE);
}

/*
 * The center answers the up stream only to end it, with why ("session
 * ended: max-time"): that direction is over, and the session ends with
 * the down stream's last chunk, which carries the operator's last bytes.
 */
static void
gw_up_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_asess	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (!gw_up_answer(s, in) && evbuffer_get_length(in) < GW_ENDHEAD)
		return;
	gw_up_gone(s);
}

/*
 * The center's answer on the up stream: the reason it gives into
 * s->why when it is whole and well-formed. Return 0 while more of it is
 * to come (head and body may come in separate TLS records), else 1: one
 * that cannot parse is as whole as it will be.
 */
static int
gw_up_answer(struct gw_asess *s, struct evbuffer *in)
{
	static const char	 pfx[] = "session ended: ";
	struct http_msg		*m;
	const char		*buf, *body;
	size_t			 len, n;
	int			 rv, whole;

	if (s->why[0] != '\0')
		return (1);
	if ((len = evbuffer_get_length(in)) > GW_ENDHEAD)
		len = GW_ENDHEAD;
	buf = (const char *)evbuffer_pullup(in, len);
	m = xcalloc(1, sizeof *m);
	rv = buf != NULL ? http_parse_response(m, buf, len, NULL,
	    HTTP_METHOD_POST) : HTTP_MORE;
	whole = rv != HTTP_MORE && !(rv == HTTP_DONE &&
	    m->framing == HTTP_BODY_LENGTH &&
	    m->content_length > len - m->head_len);
	if (whole && rv == HTTP_DONE && m->code == 200 &&
	    m->framing == HTTP_BODY_LENGTH) {
		body = buf + m->head_len;
		n = m->content_length;
		if (n > sizeof pfx - 1 && memcmp(body, pfx, sizeof pfx - 1) ==
		    0) {
			body += sizeof pfx - 1;
			n -= sizeof pfx - 1;
			if (n >= sizeof s->why)
				n = sizeof s->why - 1;
			memcpy(s->why, body, n);
			s->why[n] = '\0';
			s->why[strcspn(s->why, "\r\n")] = '\0';
			mon_sanitize(s->why);
		}
	}
	free(m);
	return (whole);
}

static void
gw_up_gone(struct gw_asess *s)
{
	if (s->up != NULL)
		gw_up_answer(s, bufferevent_get_input(s->up));
	bufferevent_free(s->up);
	s->up = NULL;
	if (s->tgt != NULL)
		bufferevent_disable(s->tgt, EV_READ);
	if (s->over == NULL && s->down != NULL && s->down_body &&
	    s->dmv.state != HTTP_MOVE_DONE)
		return;
	gw_end(s, s->why[0] != '\0' ? s->why : s->over != NULL ? s->over :
	    "up stream closed");
}

/*
 * The down stream ended (<why>): the center ends the up stream too, with
 * its reason, which is worth a short wait for the log; the target keeps
 * what the down stream carried.
 */
static void
gw_down_over(struct gw_asess *s, const char *why)
{
	struct timeval	tv;

	if (s->down != NULL) {
		bufferevent_free(s->down);
		s->down = NULL;
	}
	if (s->up == NULL || s->over != NULL) {
		gw_end(s, s->why[0] != '\0' ? s->why : why);
		return;
	}
	s->over = why;
	evtimer_del(s->idle);
	ev_tv(&tv, GW_END_WAIT);
	evtimer_add(s->limit, &tv);
}

/* The up stream took its output: read the target again. */
static void
gw_up_write_cb(struct bufferevent *bev, void *arg)
{
	struct gw_asess	*s = arg;

	if (s->tgt != NULL)
		flow_resume(s->tgt);
}

/* The down stream: the center's head, then chunks for the target. */
static void
gw_down_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_asess		*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	size_t			 len, moved = 0;
	char			*buf;
	int			 rv;

	if (!s->down_body) {
		len = evbuffer_get_length(in);
		end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (end.pos == -1 && len < GW_MAXHEAD)
			return;
		if (len > GW_MAXHEAD)
			len = GW_MAXHEAD;
		buf = (char *)evbuffer_pullup(in, len);
		rv = http_parse_response(&s->msg, buf, len, NULL,
		    HTTP_METHOD_GET);
		if (rv != HTTP_DONE || s->msg.code != 200 ||
		    s->msg.framing != HTTP_BODY_CHUNKED) {
			log_warnx("gateway: session %s: the center's down "
			    "stream: %s", s->o.sid, rv == HTTP_ERROR ?
			    s->msg.error : rv == HTTP_MORE ? "head too long" :
			    "not a chunked 200");
			gw_end(s, "bad down stream");
			return;
		}
		evbuffer_drain(in, s->msg.head_len);
		http_body_init(&s->dmv, HTTP_BODY_CHUNKED, 0, 1, NULL);
		s->down_body = 1;
	}
	if (s->tgt == NULL)
		return;
	if (http_body_relay(&s->dmv, bev, s->tgt, &s->g->flow, &moved) ==
	    -1) {
		log_warnx("gateway: session %s: down stream: %s", s->o.sid,
		    s->dmv.ch.error);
		gw_end(s, "bad down stream");
		return;
	}
	if (moved > 0) {
		s->t.down += moved;
		gw_kick(s);
	}
	if (s->dmv.state == HTTP_MOVE_DONE)
		gw_down_over(s, "operator closed");
}

static void
gw_stream_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_asess	*s = arg;

	if (bev == s->up) {
		gw_up_gone(s);
		return;
	}
	gw_down_read_cb(bev, s);
	if (!s->ended && s->over == NULL)
		gw_down_over(s, "down stream closed");
}

/* A byte moved: the idle timer starts over. */
static void
gw_kick(struct gw_asess *s)
{
	struct timeval	tv;

	if (s->over != NULL)
		return;
	ev_tv(&tv, s->o.idle_ms + GW_BACKSTOP);
	evtimer_add(s->idle, &tv);
}

static void
gw_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	gw_end(arg, "idle-timeout");
}

/* The absolute limit, or the end of the wait for the center's reason. */
static void
gw_limit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_asess	*s = arg;

	gw_end(s, s->over != NULL ? s->over : "max-time");
}

/*
 * End a session: the target gets what is queued for it, the up stream
 * its last chunk; logged once. The exchanges are freed from the loop,
 * since this may run inside one of their callbacks.
 */
static void
gw_end(struct gw_asess *s, const char *why)
{
	struct mon_gw_agent	*g = s->g;
	struct timeval		 tv = { 0, 0 };

	if (s->ended)
		return;
	s->ended = 1;
	mon_gw_log("site", s->o.sid, s->o.op, g->p.site, g->p.peer,
	    &s->o.target, &s->t, why);
	if (s->tgt != NULL)
		mon_gw_linger(g->base, s->tgt);
	if (s->up != NULL) {
		evbuffer_add(bufferevent_get_output(s->up), "0\r\n\r\n", 5);
		mon_gw_linger(g->base, s->up);
	}
	if (s->down != NULL)
		bufferevent_free(s->down);
	s->tgt = s->up = s->down = NULL;
	evtimer_del(s->idle);
	evtimer_del(s->limit);
	TAILQ_REMOVE(&g->sessions, s, entry);
	g->nsessions--;
	TAILQ_INSERT_TAIL(&g->done, s, entry);
	evtimer_add(g->reap, &tv);
}

static void
gw_sess_free(struct gw_asess *s)
{
	mon_client_free(s->cup);
	mon_client_free(s->cdown);
	event_free(s->idle);
	event_free(s->limit);
	free(s);
}

static void
gw_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_gw_agent	*g = arg;
	struct gw_asess		*s;

	while ((s = TAILQ_FIRST(&g->done)) != NULL) {
		TAILQ_REMOVE(&g->done, s, entry);
		gw_sess_free(s);
	}
}
