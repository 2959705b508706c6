/*
 * metrics.c: the Prometheus text format writer and the /metrics endpoint
 * (see metrics.h).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "ev.h"
#include "http.h"
#include "http_status.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

/* How long a closing connection waits for the client to close first. */
#define METRICS_LINGER_MS	1000

struct metrics {
	struct evbuffer		*out;
	char			**names;	/* families so far */
	size_t			 nnames;
	const char		*cur;		/* current, or NULL */
	char			 err[160];
	int			 failed;
};

struct metrics_conn {
	struct metrics_server	*ms;
	struct bufferevent	*bev;
	struct event		*timer;
	struct conn_linger	*linger;
	struct http_resume	 r;
	TAILQ_ENTRY(metrics_conn) entry;
};
TAILQ_HEAD(metrics_conns, metrics_conn);

struct metrics_server {
	struct event_base	*base;
	const char		*name;
	metrics_cb		 cb;
	void			*arg;
	struct listener_set	*ls;
	struct listener_counters lcnt;
	struct metrics_counters	 cnt;
	struct addr		 listen;
	struct cidr		*allow;
	size_t			 nallow;
	uint64_t		 timeout;
	int			 warned;	/* writer error logged */
	struct metrics_conns	 conns;
};

static void	metrics_fail(struct metrics *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	metrics_label_valid(const char *);
static void	metrics_escape(struct evbuffer *, const char *, int);
static void	metrics_sample_v(struct metrics *, const char *, va_list);
static int	metrics_allowed(const struct metrics_server *,
		    const struct addr *);
static void	metrics_accept_cb(int, const struct sockaddr *, int, void *);
static void	metrics_read_cb(struct bufferevent *, void *);
static void	metrics_event_cb(struct bufferevent *, short, void *);
static void	metrics_timer_cb(evutil_socket_t, short, void *);
static void	metrics_linger_cb(enum conn_linger_end, void *);
static void	metrics_answer(struct metrics_conn *, int, int,
		    struct evbuffer *);
static void	metrics_conn_free(struct metrics_conn *);

/* Create a writer appending to out. */
struct metrics *
metrics_new(struct evbuffer *out)
{
	struct metrics	*m;

	m = xcalloc(1, sizeof *m);
	m->out = out;
	return (m);
}

/* Free a writer (not its buffer). */
void
metrics_free(struct metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->names);
	free(m);
}

/* Keep the first error. */
static void
metrics_fail(struct metrics *m, const char *fmt, ...)
{
	va_list	ap;

	if (m->failed)
		return;
	m->failed = 1;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof m->err, fmt, ap);
	va_end(ap);
}

/* Return the first error, or NULL. */
const char *
metrics_error(const struct metrics *m)
{
	return (m->failed ? m->err : NULL);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
int
metrics_name_valid(const char *s)
{
	static const char	 first[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:";
	static const char	 rest[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789";

	if (s == NULL || s[0] == '\0' || strchr(first, s[0]) == NULL)
		return (0);
	return (strspn(s, rest) == strlen(s));
}

/* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved). */
static int
metrics_label_valid(const char *s)
{
	if (!metrics_name_valid(s) || strchr(s, ':') != NULL)
		return (0);
	return (strncmp(s, "__", 2) != 0);
}

/*
 * Append s escaped: backslash and newline always, double quote in label
 * values only (the format escapes it there alone).
 */
static void
metrics_escape(struct evbuffer *out, const char *s, int quote)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*p == '\n')
			evbuffer_add(out, "\\n", 2);
		else if (*p == '"' && quote)
			evbuffer_add(out, "\\\"", 2);
		else
			evbuffer_add(out, p, 1);
	}
}

/* Start a family: its HELP and TYPE lines. */
int
metrics_family(struct metrics *m, const char *name, enum metrics_type type,
    const char *help)
{
	size_t	len, i;

	m->cur = NULL;
	if (!metrics_name_valid(name)) {
		metrics_fail(m, "bad metric name \"%s\"", name != NULL ? name :
		    "(null)");
		return (-1);
	}
	len = strlen(name);
	if (type == METRICS_COUNTER && (len < 6 ||
	    strcmp(name + len - 6, "_total") != 0)) {
		metrics_fail(m, "counter %s does not end in _total", name);
		return (-1);
	}
	for (i = 0; i < m->nnames; i++)
		if (strcmp(m->names[i], name) == 0) {
			metrics_fail(m, "family %s written twice", name);
			return (-1);
		}
	m->names = xreallocarray(m->names, m->nnames + 1, sizeof *m->names);
	m->names[m->nnames] = xstrdup(name);
	m->cur = m->names[m->nnames++];
	evbuffer_add_printf(m->out, "# HELP %s ", name);
	metrics_escape(m->out, help != NULL ? help : "", 0);
	evbuffer_add_printf(m->out, "\n# TYPE %s %s\n", name,
	    type == METRICS_COUNTER ? "counter" : "gauge");
	return (0);
}

/*
 * Write the sample's name and labels up to the value; the labels are
 * checked first so that a bad one writes nothing.
 */
static void
metrics_sample_v(struct metrics *m, const char *value, va_list ap)
{
	const char	*lname[16], *lval[16];
	size_t		 n = 0, i;

	if (m->cur == NULL)
		return;
	while ((lname[n] = va_arg(ap, const char *)) != NULL) {
		lval[n] = va_arg(ap, const char *);
		if (!metrics_label_valid(lname[n]) || lval[n] == NULL) {
			metrics_fail(m, "%s: bad label \"%s\"", m->cur,
			    lname[n]);
			return;
		}
		for (i = 0; i < n; i++)
			if (strcmp(lname[i], lname[n]) == 0) {
				metrics_fail(m, "%s: label %s twice", m->cur,
				    lname[n]);
				return;
			}
		if (++n == sizeof lname / sizeof lname[0]) {
			metrics_fail(m, "%s: too many labels", m->cur);
			return;
		}
	}
	evbuffer_add(m->out, m->cur, strlen(m->cur));
	for (i = 0; i < n; i++) {
		evbuffer_add_printf(m->out, "%s%s=\"", i == 0 ? "{" : ",",
		    lname[i]);
		metrics_escape(m->out, lval[i], 1);
		evbuffer_add(m->out, "\"", 1);
	}
	evbuffer_add_printf(m->out, "%s %s\n", n > 0 ? "}" : "", value);
}

/* A sample with an unsigned value. */
void
metrics_sample(struct metrics *m, uint64_t v, ...)
{
	char	buf[32];
	va_list	ap;

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	va_start(ap, v);
	metrics_sample_v(m, buf, ap);
	va_end(ap);
}

/* A sample with a signed value (a gauge that may go below zero). */
void
metrics_sample_int(struct metrics *m, int64_t v, ...)
{
	char	buf[32];
	va_list	ap;

	snprintf(buf, sizeof buf, "%" PRId64, v);
	va_start(ap, v);
	metrics_sample_v(m, buf, ap);
	va_end(ap);
}

/*
 * A sample of a duration kept in milliseconds, written in seconds (the
 * base unit the conventions want) with three decimals, exactly.
 */
void
metrics_sample_ms(struct metrics *m, uint64_t ms, ...)
{
	char	buf[32];
	va_list	ap;

	snprintf(buf, sizeof buf, "%" PRIu64 ".%03" PRIu64, ms / 1000,
	    ms % 1000);
	va_start(ap, ms);
	metrics_sample_v(m, buf, ap);
	va_end(ap);
}

/* A family of one sample without labels. */
void
metrics_one(struct metrics *m, const char *name, enum metrics_type type,
    const char *help, uint64_t v)
{
	if (metrics_family(m, name, type, help) == 0)
		metrics_sample(m, v, NULL);
}

/* Create an endpoint, not listening yet. */
struct metrics_server *
metrics_server_new(struct event_base *base, const char *name, metrics_cb cb,
    void *arg)
{
	struct metrics_server	*ms;
	struct listener_conf	 lc = { 16, 1, LISTENER_PAUSE_MS, 0 };

	ms = xcalloc(1, sizeof *ms);
	ms->base = base;
	ms->name = name;
	ms->cb = cb;
	ms->arg = arg;
	TAILQ_INIT(&ms->conns);
	ms->ls = listener_set_new(base, &lc, &ms->lcnt, metrics_accept_cb,
	    ms);
	return (ms);
}

/* Close every connection and the listener. */
void
metrics_server_free(struct metrics_server *ms)
{
	struct metrics_conn	*c;

	if (ms == NULL)
		return;
	while ((c = TAILQ_FIRST(&ms->conns)) != NULL)
		metrics_conn_free(c);
	listener_set_free(ms->ls);
	free(ms->allow);
	free(ms);
}

/* Listen as conf says, all or nothing. */
int
metrics_server_sync(struct metrics_server *ms, const struct metrics_conf *conf,
    const char **cause)
{
	if (listener_set_sync(ms->ls, &conf->listen, conf->listen.af != 0 ?
	    1 : 0, cause) == -1)
		return (-1);
	ms->listen = conf->listen;
	free(ms->allow);
	ms->allow = NULL;
	ms->nallow = conf->nallow;
	if (conf->nallow > 0) {
		ms->allow = xreallocarray(NULL, conf->nallow,
		    sizeof *ms->allow);
		memcpy(ms->allow, conf->allow, conf->nallow *
		    sizeof *ms->allow);
	}
	ms->timeout = conf->timeout;
	listener_set_max(ms->ls, conf->max_conns);
	return (0);
}

/* Whether a client may scrape: allow, else the listen host and loopback. */
static int
metrics_allowed(const struct metrics_server *ms, const struct addr *a)
{
	struct cidr	 lo;
	size_t		 i;

	for (i = 0; i < ms->nallow; i++)
		if (cidr_contains(&ms->allow[i], a))
			return (1);
	if (ms->nallow > 0)
		return (0);
	if (addr_eq(&ms->listen, a))
		return (1);
	if (a->af == AF_INET) {
		cidr_parse("127.0.0.0/8", &lo, &(const char *){ NULL });
		return (cidr_contains(&lo, a));
	}
	cidr_parse("::1/128", &lo, &(const char *){ NULL });
	return (cidr_contains(&lo, a));
}

/* A new connection: refuse it or start reading its request. */
static void
metrics_accept_cb(int fd, const struct sockaddr *sa, int salen, void *arg)
{
	struct metrics_server	*ms = arg;
	struct metrics_conn	*c;
	struct addr		 peer;
	struct timeval		 tv;
	char			 buf[ADDR_STRLEN];

	if (addr_from_sa(&peer, sa, salen) == -1 ||
	    !metrics_allowed(ms, &peer)) {
		ms->cnt.refused++;
		log_debug("%s: metrics: refused %s (not allowed)", ms->name,
		    peer.af != 0 ? addr_ntop(&peer, buf, sizeof buf) : "?");
		close(fd);
		return;
	}
	if (evutil_make_socket_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->ms = ms;
	http_resume_init(&c->r);
	if ((c->bev = bufferevent_socket_new(ms->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->timer = evtimer_new(ms->base, metrics_timer_cb, c)) == NULL) {
		log_warnx("%s: metrics: out of memory for a connection",
		    ms->name);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ms->conns, c, entry);
	listener_set_conn(ms->ls, 1);
	bufferevent_setcb(c->bev, metrics_read_cb, NULL, metrics_event_cb, c);
	/* A bound on the input, past what the parser accepts in a head. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, METRICS_MAX_HEAD + 1);
	bufferevent_enable(c->bev, EV_READ);
	ev_tv(&tv, ms->timeout);
	evtimer_add(c->timer, &tv);
}

/* Request bytes: parse the head so far and answer once it is complete. */
static void
metrics_read_cb(struct bufferevent *bev, void *arg)
{
	static struct http_msg		 msg;	/* large; scratch */
	const struct http_limits	 lim = { METRICS_MAX_LINE,
					    METRICS_MAX_HEAD,
					    METRICS_MAX_HEADERS };
	struct metrics_conn		*c = arg;
	struct metrics_server		*ms = c->ms;
	struct evbuffer			*in = bufferevent_get_input(bev);
	struct evbuffer			*body;
	struct metrics			*m;
	size_t				 len = evbuffer_get_length(in);
	const char			*data;
	int				 rc;

	data = (const char *)evbuffer_pullup(in, -1);
	rc = http_parse_request_more(&msg, &c->r, data, len, &lim);
	if (rc == HTTP_MORE) {
		if (len <= METRICS_MAX_HEAD)
			return;
		/* Cannot happen: the parser stops at max_head. */
		msg.status = 431;
		rc = HTTP_ERROR;
	}
	if (rc == HTTP_ERROR) {
		log_debug("%s: metrics: bad request: %s", ms->name,
		    msg.error != NULL ? msg.error : "too long");
		metrics_answer(c, msg.status, 0, NULL);
		return;
	}
	if (msg.method != HTTP_METHOD_GET && msg.method != HTTP_METHOD_HEAD) {
		metrics_answer(c, 405, 0, NULL);
		return;
	}
	if (msg.path_len != 8 || memcmp(msg.path, "/metrics", 8) != 0) {
		metrics_answer(c, 404, msg.method == HTTP_METHOD_HEAD, NULL);
		return;
	}
	body = evbuffer_new();
	if (body == NULL) {
		metrics_answer(c, 503, 0, NULL);
		return;
	}
	m = metrics_new(body);
	ms->cb(m, ms->arg);
	if (metrics_error(m) != NULL && !ms->warned) {
		/* A defect of ours: say it once, not at every scrape. */
		log_warnx("%s: metrics: %s", ms->name, metrics_error(m));
		ms->warned = 1;
	}
	metrics_free(m);
	ms->cnt.scrapes++;
	metrics_answer(c, 200, msg.method == HTTP_METHOD_HEAD, body);
	evbuffer_free(body);
}

/*
 * Answer with code and close: the body (200) or a line of text naming the
 * status, none for HEAD.
 */
static void
metrics_answer(struct metrics_conn *c, int code, int head,
    struct evbuffer *body)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	char		 text[64];
	size_t		 len;

	if (code >= 400 && code < 500)
		c->ms->cnt.bad++;
	snprintf(text, sizeof text, "%d %s\n", code, http_status_reason(code));
	len = body != NULL ? evbuffer_get_length(body) : strlen(text);
	http_status_line(out, code);
	evbuffer_add_printf(out, "Content-Type: %s\r\n", code == 200 ?
	    "text/plain; version=0.0.4; charset=utf-8" :
	    "text/plain; charset=utf-8");
	if (code == 405)
		evbuffer_add_printf(out, "Allow: GET, HEAD\r\n");
	evbuffer_add_printf(out, "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n\r\n", len);
	if (!head) {
		if (body != NULL)
			evbuffer_add_buffer(out, body);
		else
			evbuffer_add(out, text, len);
	}
	c->linger = conn_linger_new(c->ms->base, c->bev, c->ms->timeout,
	    METRICS_LINGER_MS, metrics_linger_cb, c);
	if (c->linger == NULL)
		metrics_conn_free(c);
}

/* The client closed or failed before its request was complete. */
static void
metrics_event_cb(struct bufferevent *bev, short what, void *arg)
{
	metrics_conn_free(arg);
}

/* A request that took too long, or an answer the client did not take. */
static void
metrics_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_conn	*c = arg;

	c->ms->cnt.timeouts++;
	metrics_conn_free(c);
}

/* The lingering close is over. */
static void
metrics_linger_cb(enum conn_linger_end end, void *arg)
{
	metrics_conn_free(arg);
}

/* Close and free a connection. */
static void
metrics_conn_free(struct metrics_conn *c)
{
	struct metrics_server	*ms = c->ms;

	TAILQ_REMOVE(&ms->conns, c, entry);
	if (c->linger != NULL)
		conn_linger_free(c->linger);
	bufferevent_free(c->bev);
	event_free(c->timer);
	free(c);
	listener_set_conn(ms->ls, -1);
}

/* The endpoint's own counters, as families. */
void
metrics_server_families(struct metrics *m, const struct metrics_server *ms,
    const char *pfx)
{
	char	name[128];

	snprintf(name, sizeof name, "twinproxy_%s_metrics_scrapes_total", pfx);
	metrics_one(m, name, METRICS_COUNTER, "Scrapes of this endpoint "
	    "answered, not counting this one.", ms->cnt.scrapes);
	snprintf(name, sizeof name, "twinproxy_%s_metrics_errors_total", pfx);
	if (metrics_family(m, name, METRICS_COUNTER, "Requests to this "
	    "endpoint not answered with metrics, by reason.") == 0) {
		metrics_sample(m, ms->cnt.refused, "reason", "refused", NULL);
		metrics_sample(m, ms->cnt.bad, "reason", "bad_request", NULL);
		metrics_sample(m, ms->cnt.timeouts, "reason", "timeout", NULL);
	}
}
