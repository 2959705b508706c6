/*
 * mon_gw_center.c: the center's side of the gateway (mon_gw.h): the
 * operators' connect requests, the agents' polls, and the relay between
 * an operator's connection and the site's two streams.
 *
 * A session goes through these states:
 *	WAIT	the operator is authenticated (certificate of the operators'
 *		CA, operator ID of its gateway-operator line); its order
 *		waits for a poll of the device named PEER of site SITE
 *	ORDERED	a poll took the order; the agent opens its streams
 *	OPEN	the up stream came: the operator has its 101 and the bytes
 *		go both ways (operator to down once that stream is there)
 * A session not OPEN within gateway-connect-timeout ends with 504; an
 * agent that refused it sends why, and the operator gets it with 502.
 * A peer whose agent said its gateway is off (and has not polled since)
 * is refused at once with 502: no order waits for it.
 * Each session has an idle timer (gateway-idle-timeout, no byte either
 * way) and an absolute one (gateway-max-time). Its end is logged once
 * with the operator, site, peer, target, bytes and duration.
 */
#include <sys/queue.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cfg.h"
#include "check.h"
#include "conn.h"
#include "ev.h"
#include "flow.h"
#include "http.h"
#include "http_body.h"
#include "http_field.h"
#include "http_status.h"
#include "log.h"
#include "mon_center.h"
#include "mon_gw.h"
#include "xmalloc.h"

enum cstate {
	CS_WAIT,
	CS_ORDERED,
	CS_OPEN
};

struct gw_csess {
	TAILQ_ENTRY(gw_csess)	 entry;
	struct mon_gw_center	*g;
	enum cstate		 state;
	struct mon_gw_order	 o;	/* sid, target, op and limits */
	char			 site[64];
	char			 peer[64];
	char			 from[ADDR_STRLEN];
	struct bufferevent	*opb;	/* the operator's connection */
	struct bufferevent	*up;	/* the agent's POST, from the target */
	struct bufferevent	*down;	/* the agent's GET, to the target */
	struct http_body	 upmv;
	struct event		*timer;	/* connect, then idle */
	struct event		*limit;	/* absolute */
	struct mon_gw_tally	 t;
};
TAILQ_HEAD(gw_csessq, gw_csess);

/* A poll held until an order comes or MON_GW_POLL_MS pass. */
struct gw_poll {
	TAILQ_ENTRY(gw_poll)	 entry;
	struct mon_gw_center	*g;
	struct bufferevent	*bev;
	struct event		*timer;
	char			 site[64];
	char			 peer[64];
};
TAILQ_HEAD(gw_pollq, gw_poll);

/*
 * A device that said its gateway is off (POST /gw/off), forgotten when
 * it polls, after GW_OFF_FORGET, or as the oldest of GW_OFF_MAX.
 */
struct gw_off {
	TAILQ_ENTRY(gw_off)	 entry;
	char			 site[64];
	char			 peer[64];
	uint64_t		 at;	/* monotonic ms */
};
TAILQ_HEAD(gw_offq, gw_off);

#define GW_OFF_FORGET	(3 * (uint64_t)MON_GW_OFF_MS)
#define GW_OFF_MAX	4096

struct mon_gw_center {
	struct mon_center	*c;
	struct gw_csessq	 sessions;
	struct gw_pollq		 polls;
	struct gw_offq		 offs;
	unsigned int		 noff;
	struct evbuffer		*scratch;	/* de-chunked, to coalesce */
	unsigned int		 nsessions;
	struct flow_limits	 flow;
};

static void	gw_linger(struct mon_gw_center *, struct bufferevent *);
static void	gw_reply(struct mon_gw_center *, struct bufferevent *, int,
		    const char *, size_t);
static void	gw_answer(struct mon_gw_center *, struct bufferevent *, int,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static int	gw_device(struct mon_gw_center *, const struct mon_httpd_req *,
		    char *, size_t);
static struct gw_csess *gw_find(struct mon_gw_center *, const char *);
static void	gw_order(struct gw_csess *, struct gw_poll *);
static void	gw_poll_free(struct gw_poll *);
static void	gw_nothing(struct mon_gw_center *, struct bufferevent *);
static struct gw_off *gw_off_find(struct mon_gw_center *, const char *,
		    const char *);
static void	gw_off_del(struct mon_gw_center *, struct gw_off *);
static void	gw_off_note(struct mon_gw_center *, const char *,
		    const char *);
static void	gw_poll_timer_cb(evutil_socket_t, short, void *);
static void	gw_poll_event_cb(struct bufferevent *, short, void *);
static void	gw_end(struct gw_csess *, int, const char *);
static void	gw_idle(struct gw_csess *);
static void	gw_timer_cb(evutil_socket_t, short, void *);
static void	gw_limit_cb(evutil_socket_t, short, void *);
static void	gw_op_read_cb(struct bufferevent *, void *);
static void	gw_op_write_cb(struct bufferevent *, void *);
static void	gw_op_event_cb(struct bufferevent *, short, void *);
static void	gw_up_read_cb(struct bufferevent *, void *);
static void	gw_down_write_cb(struct bufferevent *, void *);
static void	gw_agent_event_cb(struct bufferevent *, short, void *);
static void	gw_down_read_cb(struct bufferevent *, void *);
static void	gw_stream_up(struct gw_csess *, struct bufferevent *,
		    const struct http_msg *);
static void	gw_stream_down(struct gw_csess *, struct bufferevent *);

struct mon_gw_center *
mon_gw_center_new(struct mon_center *c)
{
	static const struct flow_limits	 fl = FLOW_LIMITS_DEFAULT;
	struct mon_gw_center		*g;

	g = xcalloc(1, sizeof *g);
	g->c = c;
	g->flow = fl;
	TAILQ_INIT(&g->sessions);
	TAILQ_INIT(&g->polls);
	TAILQ_INIT(&g->offs);
	if ((g->scratch = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	return (g);
}

void
mon_gw_center_free(struct mon_gw_center *g)
{
	struct gw_csess	*s;
	struct gw_poll	*p;

	if (g == NULL)
		return;
	while ((s = TAILQ_FIRST(&g->sessions)) != NULL)
		gw_end(s, 503, "the center stops");
	while ((p = TAILQ_FIRST(&g->polls)) != NULL)
		gw_poll_free(p);
	while (TAILQ_FIRST(&g->offs) != NULL)
		gw_off_del(g, TAILQ_FIRST(&g->offs));
	evbuffer_free(g->scratch);
	free(g);
}

/* Send what <bev> holds, then free it. */
static void
gw_linger(struct mon_gw_center *g, struct bufferevent *bev)
{
	mon_gw_linger(g->c->base, bev);
}

/* A whole answer with a text body, and the connection closed. */
static void
gw_answer(struct mon_gw_center *g, struct bufferevent *bev, int status,
    const char *fmt, ...)
{
	char		 text[512];
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof text - 1)
		n = sizeof text - 2;
	text[n++] = '\n';
	gw_reply(g, bev, status, text, n);
}

/* Answer as the center's endpoints do (mon_httpd_answer), then close. */
static void
gw_reply(struct mon_gw_center *g, struct bufferevent *bev, int status,
    const char *body, size_t len)
{
	struct mon_httpd_resp	r;

	memset(&r, 0, sizeof r);
	r.status = status;
	if (len > 0) {
		r.body = evbuffer_new();
		evbuffer_add(r.body, body, len);
	}
	mon_httpd_answer(bufferevent_get_output(bev), &r, 0, 1);
	if (r.body != NULL)
		evbuffer_free(r.body);
	gw_linger(g, bev);
}

/*
 * Both factors of an agent's gateway request, as for its reports: the
 * device's name into <name>, or -1 after logging the refusal.
 */
static int
gw_device(struct mon_gw_center *g, const struct mon_httpd_req *req,
    char *name, size_t len)
{
	struct mon_center_dev	 d;

	if (mon_center_device(g->c, req, " (gateway)", &d) == -1)
		return (-1);
	strlcpy(name, d.name, len);
	return (0);
}

static struct gw_csess *
gw_find(struct mon_gw_center *g, const char *sid)
{
	struct gw_csess	*s;

	TAILQ_FOREACH(s, &g->sessions, entry)
		if (strcmp(s->o.sid, sid) == 0)
			return (s);
	return (NULL);
}

static void
gw_poll_free(struct gw_poll *p)
{
	TAILQ_REMOVE(&p->g->polls, p, entry);
	event_free(p->timer);
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	free(p);
}

/* A 204 answer, and the connection closed. */
static void
gw_nothing(struct mon_gw_center *g, struct bufferevent *bev)
{
	gw_reply(g, bev, 204, NULL, 0);
}

/* Nothing ordered within the poll's time: 204, and the agent polls on. */
static void
gw_poll_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_poll	*p = arg;

	gw_nothing(p->g, p->bev);
	p->bev = NULL;
	gw_poll_free(p);
}

/* The off notice of <site>/<peer> still standing, or NULL. */
static struct gw_off *
gw_off_find(struct mon_gw_center *g, const char *site, const char *peer)
{
	struct gw_off	*o;

	TAILQ_FOREACH(o, &g->offs, entry)
		if (strcmp(o->site, site) == 0 && strcmp(o->peer, peer) == 0)
			break;
	if (o != NULL && check_now() - o->at > GW_OFF_FORGET) {
		gw_off_del(g, o);
		o = NULL;
	}
	return (o);
}

static void
gw_off_del(struct mon_gw_center *g, struct gw_off *o)
{
	TAILQ_REMOVE(&g->offs, o, entry);
	g->noff--;
	free(o);
}

/* <site>/<peer> says its gateway is off: kept newest last. */
static void
gw_off_note(struct mon_gw_center *g, const char *site, const char *peer)
{
	struct gw_off	*o;

	if ((o = gw_off_find(g, site, peer)) != NULL)
		TAILQ_REMOVE(&g->offs, o, entry);
	else {
		if (g->noff >= GW_OFF_MAX)
			gw_off_del(g, TAILQ_FIRST(&g->offs));
		o = xcalloc(1, sizeof *o);
		strlcpy(o->site, site, sizeof o->site);
		strlcpy(o->peer, peer, sizeof o->peer);
		g->noff++;
	}
	o->at = check_now();
	TAILQ_INSERT_TAIL(&g->offs, o, entry);
}

static void
gw_poll_event_cb(struct bufferevent *bev, short what, void *arg)
{
	gw_poll_free(arg);
}

/* Give the order of <s> to the agent holding poll <p>. */
static void
gw_order(struct gw_csess *s, struct gw_poll *p)
{
	char			 line[MON_GW_ORDER_MAX];
	size_t			 n;

	n = mon_gw_order_encode(&s->o, line, sizeof line);
	gw_reply(s->g, p->bev, 200, line, n);
	p->bev = NULL;
	gw_poll_free(p);
	s->state = CS_ORDERED;
	log_debug("gateway: session %s ordered to %s/%s", s->o.sid, s->site,
	    s->peer);
}

/*
 * The session ends: <status> and <why> for an operator still waiting
 * for its 101; otherwise what is queued goes out and every connection
 * closes. Logged once.
 */
static void
gw_end(struct gw_csess *s, int status, const char *why)
{
	struct mon_gw_center	*g = s->g;

	mon_gw_log("center", s->o.sid, s->o.op, s->site, s->peer,
	    &s->o.target, &s->t, why);
	if (s->opb != NULL) {
		if (s->state != CS_OPEN || s->up == NULL)
			gw_answer(g, s->opb, status, "gateway: %s", why);
		else
			gw_linger(g, s->opb);
	}
	if (s->down != NULL) {
		evbuffer_add(bufferevent_get_output(s->down), "0\r\n\r\n", 5);
		gw_linger(g, s->down);
	}
	/* Answered even mid-body: the agent logs the same reason. */
	if (s->up != NULL)
		gw_answer(g, s->up, 200, "session ended: %s", why);
	event_free(s->timer);
	event_free(s->limit);
	TAILQ_REMOVE(&g->sessions, s, entry);
	g->nsessions--;
	free(s);
}

/* Bytes moved: the idle timer starts over. */
static void
gw_idle(struct gw_csess *s)
{
	struct timeval	tv;

	ev_tv(&tv, s->o.idle_ms);
	evtimer_add(s->timer, &tv);
}

static void
gw_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_csess	*s = arg;
	char		 why[256];

	if (s->state != CS_OPEN) {
		snprintf(why, sizeof why, "no agent of site %s peer %s opened "
		    "the session in time (gateway off, or the agent not "
		    "connected)", s->site, s->peer);
		gw_end(s, 504, why);
		return;
	}
	gw_end(s, 504, "idle-timeout");
}

static void
gw_limit_cb(evutil_socket_t fd, short what, void *arg)
{
	gw_end(arg, 504, "max-time");
}

/* Operator to target: chunks on the down stream. */
static void
gw_op_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_csess	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev), *out;
	size_t		 n;

	if (s->down == NULL) {
		/* Kept until the down stream is there (bounded by TCP). */
		bufferevent_disable(bev, EV_READ);
		return;
	}
	out = bufferevent_get_output(s->down);
	if ((n = evbuffer_get_length(in)) == 0)
		return;
	s->t.down += n;
	mon_gw_chunk(out, in);
	gw_idle(s);
	flow_gate(bev, out, &s->g->flow);
}

/* The operator took its output: read the up stream again. */
static void
gw_op_write_cb(struct bufferevent *bev, void *arg)
{
	struct gw_csess	*s = arg;

	if (s->up != NULL)
		flow_resume(s->up);
}

static void
gw_op_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_csess	*s = arg;

	/* Whatever it sent before is on its way already. */
	gw_op_read_cb(bev, s);
	gw_end(s, 499, (what & BEV_EVENT_EOF) ? "operator closed" :
	    "operator connection failed");
}

/*
 * Target to operator: the up stream's chunks, de-chunked, in one piece
 * (what TLS gave in small reads goes out in full records).
 */
static void
gw_up_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_csess	*s = arg;
	struct evbuffer	*out = bufferevent_get_output(s->opb);
	size_t		 moved = 0;
	int		 rv;

	rv = http_body_move(&s->upmv, bufferevent_get_input(bev),
	    s->g->scratch, &moved);
	mon_gw_coalesce(out, s->g->scratch);
	flow_gate(bev, out, &s->g->flow);
	if (rv == -1) {
		log_warnx("gateway: session %s: up stream: %s", s->o.sid,
		    s->upmv.ch.error);
		gw_end(s, 502, "bad up stream");
		return;
	}
	if (moved > 0) {
		s->t.up += moved;
		gw_idle(s);
	}
	if (s->upmv.state == HTTP_MOVE_DONE)
		gw_end(s, 502, "target closed");
}

/* The down stream took its output: read the operator again. */
static void
gw_down_write_cb(struct bufferevent *bev, void *arg)
{
	struct gw_csess	*s = arg;

	if (s->opb != NULL)
		flow_resume(s->opb);
}

/* The agent sends nothing on the down stream but its close. */
static void
gw_down_read_cb(struct bufferevent *bev, void *arg)
{
	evbuffer_drain(bufferevent_get_input(bev), (size_t)-1);
}

/*
 * An agent's stream closed. The down stream closing (the target ended
 * on the agent's side) ends only that direction: what the up stream
 * still carries is the target's last bytes, and the session ends with
 * the up stream's last chunk.
 */
static void
gw_agent_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_csess		*s = arg;
	struct mon_gw_center	*g = s->g;
	char			 sid[MON_GW_SID_LEN + 1];

	if (bev == s->down) {
		bufferevent_free(s->down);
		s->down = NULL;
		if (s->opb != NULL)
			bufferevent_disable(s->opb, EV_READ);
		if (s->up != NULL)
			return;
		gw_end(s, 502, "agent closed the down stream");
		return;
	}
	strlcpy(sid, s->o.sid, sizeof sid);
	gw_up_read_cb(bev, s);
	if (gw_find(g, sid) != s)
		return;
	gw_end(s, 502, "agent closed the up stream");
}

/* The up stream: the target is reached; the operator gets its 101. */
static void
gw_stream_up(struct gw_csess *s, struct bufferevent *bev,
    const struct http_msg *m)
{
	const struct http_header *h;
	struct evbuffer	*out;
	struct timeval	 tv;
	char		 t[ADDR_STRLEN];
	uint64_t	 idle, max;

	if (m->method != HTTP_METHOD_POST ||
	    m->framing != HTTP_BODY_CHUNKED) {
		gw_answer(s->g, bev, 400, "the up stream is a chunked POST");
		gw_end(s, 502, "bad up stream");
		return;
	}
	/*
	 * The smaller limits apply, and they run here: the agent's timers
	 * are a backstop a little later, so that both ends log one reason.
	 */
	if ((h = http_header_find(m, MON_GW_LIMITS_FIELD)) != NULL) {
		if (mon_gw_limits_parse(h->value, h->value_len, &idle, &max) ==
		    -1) {
			gw_answer(s->g, bev, 400, "bad " MON_GW_LIMITS_FIELD);
			gw_end(s, 502, "bad up stream");
			return;
		}
		if (idle < s->o.idle_ms)
			s->o.idle_ms = idle;
		if (max < s->o.max_ms)
			s->o.max_ms = max;
	}
	s->up = bev;
	s->state = CS_OPEN;
	mon_gw_nodelay(bev);
	mon_gw_nodelay(s->opb);
	http_body_init(&s->upmv, HTTP_BODY_CHUNKED, 0, 1, NULL);
	evbuffer_drain(bufferevent_get_input(bev), m->head_len);
	bufferevent_setcb(bev, gw_up_read_cb, NULL, gw_agent_event_cb, s);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	out = bufferevent_get_output(s->opb);
	evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Server: twin-monitord\r\nConnection: Upgrade\r\n"
	    "Upgrade: " MON_GW_UPGRADE "\r\n\r\n");
	flow_watch(s->opb, &s->g->flow);
	bufferevent_setcb(s->opb, gw_op_read_cb, gw_op_write_cb,
	    gw_op_event_cb, s);
	bufferevent_enable(s->opb, EV_WRITE);
	if (s->down != NULL)
		bufferevent_enable(s->opb, EV_READ);
	ev_tv(&tv, s->o.max_ms);
	evtimer_add(s->limit, &tv);
	gw_idle(s);
	log_info("gateway: session %s open: operator %s site %s peer %s "
	    "target %s", s->o.sid, s->o.op, s->site, s->peer,
	    addr_fmt(&s->o.target, t, sizeof t));
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		gw_up_read_cb(bev, s);
}

/* The down stream: a chunked answer that carries the operator's bytes. */
static void
gw_stream_down(struct gw_csess *s, struct bufferevent *bev)
{
	struct evbuffer	*out = bufferevent_get_output(bev);

	s->down = bev;
	mon_gw_nodelay(bev);
	evbuffer_drain(bufferevent_get_input(bev), (size_t)-1);
	http_status_line(out, 200);
	evbuffer_add_printf(out, "Server: twin-monitord\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Cache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n");
	flow_watch(bev, &s->g->flow);
	bufferevent_setcb(bev, gw_down_read_cb, gw_down_write_cb,
	    gw_agent_event_cb, s);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (s->state == CS_OPEN) {
		bufferevent_enable(s->opb, EV_READ);
		gw_op_read_cb(s->opb, s);
	}
}

/* An agent's gateway request: its poll, or a stream of a session. */
int
mon_gw_center_agent(void *arg, const struct mon_httpd_req *req,
    struct bufferevent *bev)
{
	struct mon_center	*c = arg;
	struct mon_gw_center	*g = c->gw;
	const struct http_msg	*m = req->msg;
	const struct http_header *h;
	struct mon_gw_path	 gp;
	struct gw_csess		*s;
	struct gw_poll		*p;
	struct gw_off		*o;
	struct timeval		 tv;
	const char		*cause;
	char			 dev[MON_NAME_MAX + 1], why[MON_GW_REASON_MAX];
	char			 peer[ADDR_STRLEN];
	size_t			 n;

	if (g == NULL || mon_gw_path_parse(m->path, m->path_len, &gp,
	    &cause) == -1 || gp.kind == MON_GW_CONNECT)
		return (0);
	addr_fmt(&req->peer, peer, sizeof peer);
	if (gw_device(g, req, dev, sizeof dev) == -1) {
		gw_answer(g, bev, 403, "refused");
		return (1);
	}
	if (gp.kind == MON_GW_OFF) {
		if (m->method != HTTP_METHOD_POST ||
		    m->framing == HTTP_BODY_CHUNKED || m->content_length > 0) {
			gw_answer(g, bev, 400, "an off notice is a POST with "
			    "no body");
			return (1);
		}
		if (gw_off_find(g, req->cn, dev) == NULL)
			log_info("gateway: %s/%s says its gateway is off",
			    req->cn, dev);
		gw_off_note(g, req->cn, dev);
		gw_nothing(g, bev);
		return (1);
	}
	if (gp.kind == MON_GW_POLL) {
		if ((o = gw_off_find(g, req->cn, dev)) != NULL)
			gw_off_del(g, o);
		if (m->method != HTTP_METHOD_POST ||
		    m->framing == HTTP_BODY_CHUNKED || m->content_length > 0) {
			gw_answer(g, bev, 400, "a poll is a POST with no body");
			return (1);
		}
		evbuffer_drain(bufferevent_get_input(bev), m->head_len);
		p = xcalloc(1, sizeof *p);
		p->g = g;
		p->bev = bev;
		strlcpy(p->site, req->cn, sizeof p->site);
		strlcpy(p->peer, dev, sizeof p->peer);
		if ((p->timer = evtimer_new(c->base, gw_poll_timer_cb, p)) ==
		    NULL)
			fatalx("%s: out of memory", __func__);
		TAILQ_INSERT_TAIL(&g->polls, p, entry);
		bufferevent_setcb(bev, NULL, NULL, gw_poll_event_cb, p);
		bufferevent_set_timeouts(bev, NULL, NULL);
		bufferevent_enable(bev, EV_READ);
		TAILQ_FOREACH(s, &g->sessions, entry)
			if (s->state == CS_WAIT && strcmp(s->site, p->site) ==
			    0 && strcmp(s->peer, p->peer) == 0) {
				gw_order(s, p);
				return (1);
			}
		ev_tv(&tv, MON_GW_POLL_MS);
		evtimer_add(p->timer, &tv);
		log_debug("gateway: %s/%s polls from %s", p->site, p->peer,
		    peer);
		return (1);
	}
	s = gw_find(g, gp.sid);
	if (s == NULL || s->state == CS_WAIT || strcmp(s->site, req->cn) !=
	    0 || strcmp(s->peer, dev) != 0 ||
	    (gp.kind == MON_GW_UP && s->up != NULL) ||
	    (gp.kind == MON_GW_DOWN && s->down != NULL)) {
		log_warnx("gateway: %s (%s/%s): no such session %s", peer,
		    req->cn, dev, gp.sid);
		gw_answer(g, bev, 404, "no such session");
		return (1);
	}
	if (gp.kind == MON_GW_UP && (h = http_header_find(m,
	    MON_GW_REFUSED_FIELD)) != NULL) {
		n = h->value_len < sizeof why - 1 ? h->value_len :
		    sizeof why - 1;
		memcpy(why, h->value, n);
		why[n] = '\0';
		mon_sanitize(why);
		gw_answer(g, bev, 200, "noted");
		gw_end(s, 502, why);
		return (1);
	}
	if (gp.kind == MON_GW_UP)
		gw_stream_up(s, bev, m);
	else
		gw_stream_down(s, bev);
	return (1);
}

/* An operator's connect request: both factors, then a waiting order. */
int
mon_gw_center_operator(void *arg, const struct mon_httpd_req *req,
    struct bufferevent *bev)
{
	struct mon_center	*c = arg;
	struct mon_gw_center	*g = c->gw;
	const struct cfg_center	*cc = &c->cfg->center;
	const struct http_msg	*m = req->msg;
	const struct http_header *h;
	struct mon_gw_path	 gp;
	struct gw_csess		*s;
	struct gw_poll		*p;
	struct gw_off		*o;
	struct timeval		 tv;
	const char		*cause, *why;
	char			 peer[ADDR_STRLEN], cn[256], t[ADDR_STRLEN];

	if (g == NULL || mon_gw_path_parse(m->path, m->path_len, &gp,
	    &cause) == -1 || gp.kind != MON_GW_CONNECT) {
		if (g != NULL && m->path_len > 11 &&
		    memcmp(m->path, "/gw/connect", 11) == 0) {
			gw_answer(g, bev, 400, "%s", cause);
			return (1);
		}
		return (0);
	}
	addr_fmt(&req->peer, peer, sizeof peer);
	strlcpy(cn, req->cn, sizeof cn);
	mon_sanitize(cn);
	h = http_header_find(m, MON_GW_OPID_FIELD);
	why = NULL;
	if (req->cert != MON_CERT_OK)
		why = "no-certificate";
	else if (!mon_gw_name_valid(cn, strlen(cn)))
		why = "unknown-operator";
	else
		mon_gw_opid_match(cn, h != NULL ? h->value_len : 0,
		    (const char *const *)cc->gateway_operator,
		    cc->ngateway_operator, h != NULL ? h->value : NULL, &why) ==
		    0 ? (void)(why = NULL) : (void)0;
	if (why != NULL) {
		log_warnx("gateway: operator refused %s: %s (certificate "
		    "CN=%s) for site %s peer %s", peer, why, cn[0] != '\0' ?
		    cn : "-", gp.site, gp.peer);
		gw_answer(g, bev, 403, "refused: %s", why);
		return (1);
	}
	if (m->method != HTTP_METHOD_GET) {
		gw_answer(g, bev, 405, "connect is a GET");
		return (1);
	}
	TAILQ_FOREACH(p, &g->polls, entry)
		if (strcmp(p->site, gp.site) == 0 &&
		    strcmp(p->peer, gp.peer) == 0)
			break;
	if (p == NULL && (o = gw_off_find(g, gp.site, gp.peer)) != NULL) {
		log_warnx("gateway: operator %s from %s: site %s peer %s has "
		    "its gateway off", cn, peer, gp.site, gp.peer);
		gw_answer(g, bev, 502, "gateway: site %s peer %s has its "
		    "gateway off (its agent said so %" PRIu64 "s ago)",
		    gp.site, gp.peer, (check_now() - o->at) / 1000);
		return (1);
	}
	if (g->nsessions >= cc->gateway_sessions) {
		log_warnx("gateway: operator %s from %s: %u sessions open "
		    "already (gateway-sessions)", cn, peer, g->nsessions);
		gw_answer(g, bev, 503, "too many sessions");
		return (1);
	}
	s = xcalloc(1, sizeof *s);
	s->g = g;
	s->state = CS_WAIT;
	mon_gw_sid_new(s->o.sid);
	strlcpy(s->site, gp.site, sizeof s->site);
	strlcpy(s->peer, gp.peer, sizeof s->peer);
	strlcpy(s->o.op, cn, sizeof s->o.op);
	strlcpy(s->from, peer, sizeof s->from);
	s->o.target = gp.target;
	s->o.idle_ms = cc->gateway_idle_timeout;
	s->o.max_ms = cc->gateway_max_time;
	s->t.started = check_now();
	s->opb = bev;
	if ((s->timer = evtimer_new(c->base, gw_timer_cb, s)) == NULL ||
	    (s->limit = evtimer_new(c->base, gw_limit_cb, s)) == NULL)
		fatalx("%s: out of memory", __func__);
	TAILQ_INSERT_TAIL(&g->sessions, s, entry);
	g->nsessions++;
	evbuffer_drain(bufferevent_get_input(bev), m->head_len);
	bufferevent_setcb(bev, NULL, NULL, gw_op_event_cb, s);
	bufferevent_set_timeouts(bev, NULL, NULL);
	/* Its bytes wait in the kernel until the streams are there. */
	bufferevent_disable(bev, EV_READ);
	bufferevent_enable(bev, EV_WRITE);
	ev_tv(&tv, cc->gateway_connect_timeout);
	evtimer_add(s->timer, &tv);
	log_info("gateway: operator %s from %s: session %s to site %s peer %s "
	    "target %s", cn, peer, s->o.sid, s->site, s->peer,
	    addr_fmt(&s->o.target, t, sizeof t));
	if (p != NULL)
		gw_order(s, p);
	return (1);
}
