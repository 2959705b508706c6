/* flow.c: stop reading one side while the other side's output is full. */
#include <sys/types.h>

#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ev.h"
#include "flow.h"
#include "relay.h"
#include "xmalloc.h"

/* The most a TLS record carries (RFC 8446 section 5.1). */
#define FLOW_TLS_RECORD		16384

static void	flow_write(struct bufferevent *, int);
static int	flow_tls_now(struct bufferevent *, struct evbuffer *,
		    const void *, size_t);

/* Arm the write callback at the low-water mark. */
void
flow_watch(struct bufferevent *dst, const struct flow_limits *fl)
{
	bufferevent_setwatermark(dst, EV_WRITE, fl->low, 0);
}

/* Tell whether out is at or above the high-water mark. */
int
flow_full(struct evbuffer *out, const struct flow_limits *fl)
{
	return (evbuffer_get_length(out) >= fl->high);
}

/* Stop reading src while out is full. */
int
flow_gate(struct bufferevent *src, struct evbuffer *out,
    const struct flow_limits *fl)
{
	if (!flow_full(out, fl))
		return (0);
	if (src != NULL)
		bufferevent_disable(src, EV_READ);
	return (1);
}

/* Read src again. */
void
flow_resume(struct bufferevent *src)
{
	if (src != NULL)
		bufferevent_enable(src, EV_READ);
}

/*
 * The outputs flow_send() left for the end of the turn, each holding a
 * reference, so that one whose owner freed it in the meantime is still
 * written (as a write made at once would have been) before it goes. One
 * loop runs in a process, so one queue serves it.
 */
static struct {
	struct bufferevent	**bev;
	size_t			  n, cap;
	int			  on;	/* flow_dispatch() runs the loop */
} flow_q;

/*
 * At most this many wait for the end of a long turn: the first message
 * of a turn does not wait for every other (a TLS turn decrypts each
 * request before it is sent on), and the peers still get them in groups.
 */
#define FLOW_BATCH	16

static void	flow_write_queued(void);

/* Write <dst>'s output at the end of the turn, or now; see flow.h. */
void
flow_send(struct bufferevent *dst, struct bufferevent *src,
    const struct flow_limits *fl)
{
	struct evbuffer	*out = bufferevent_get_output(dst);

	if (!flow_q.on || flow_full(out, fl))
		flow_write(dst, 0);
	else if (evbuffer_get_length(out) > 0) {
		if (flow_q.n == flow_q.cap) {
			flow_q.cap = flow_q.cap == 0 ? 64 : flow_q.cap * 2;
			flow_q.bev = xreallocarray(flow_q.bev, flow_q.cap,
			    sizeof *flow_q.bev);
		}
		bufferevent_incref(dst);
		flow_q.bev[flow_q.n++] = dst;
		if (flow_q.n >= FLOW_BATCH)
			flow_write_queued();
	}
	if (src != NULL && !flow_full(out, fl))
		flow_resume(src);
}

/*
 * In the middle of a turn: write the queued outputs whose write event is
 * off. One whose write event is on keeps its place: its callback may
 * have to hear that the output drained, and no callback runs from here,
 * inside someone else's.
 */
static void
flow_write_queued(void)
{
	size_t	i, k = 0;

	for (i = 0; i < flow_q.n; i++) {
		if (bufferevent_get_enabled(flow_q.bev[i]) & EV_WRITE)
			flow_q.bev[k++] = flow_q.bev[i];
		else {
			flow_write(flow_q.bev[i], 0);
			bufferevent_decref(flow_q.bev[i]);
		}
	}
	flow_q.n = k;
}

/* Run the loop, writing what flow_send() queued after each turn. */
void
flow_dispatch(struct event_base *base)
{
	size_t	i;

	flow_q.on = 1;
	do {
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
		/* A write may run a callback that queues more: by index. */
		for (i = 0; i < flow_q.n; i++) {
			flow_write(flow_q.bev[i], 1);
			bufferevent_decref(flow_q.bev[i]);
		}
		flow_q.n = 0;
	} while (!event_base_got_exit(base) && !event_base_got_break(base));
	flow_q.on = 0;
	free(flow_q.bev);
	flow_q.bev = NULL;
	flow_q.cap = 0;
}

/*
 * Write <dst>'s output: one writev for a plain socket, one record for a
 * small TLS output, and the write event only for what is left. <late>:
 * the write is flow_dispatch()'s, at the end of the turn; if the write
 * event was on (a lingering close waits for the output to drain), its
 * callback runs now, as it would have after libevent's own write.
 */
static void
flow_write(struct bufferevent *dst, int late)
{
	struct evbuffer	*out = bufferevent_get_output(dst);
	size_t		 len = evbuffer_get_length(out);
	int		 armed;

	/* Sent already, by an earlier entry or by libevent? */
	if (len == 0)
		return;
	armed = (bufferevent_get_enabled(dst) & EV_WRITE) != 0;
	if (!relay_plain(dst)) {
		/*
		 * bufferevent_openssl writes a record per chain, and only
		 * in the next turn of the loop, arming the write event and
		 * disarming it after. A reply that fits one record goes at
		 * once instead (flow_tls_now); in an event base with
		 * batched changes that costs no epoll_ctl at all.
		 */
		if (len <= FLOW_TLS_RECORD &&
		    flow_tls_now(dst, out, evbuffer_pullup(out, -1), len))
			bufferevent_disable(dst, EV_WRITE);
		else
			bufferevent_enable(dst, EV_WRITE);
	} else {
		/* A bufferevent's output is drained by itself alone: thaw. */
		evbuffer_unfreeze(out, 1);
		(void)evbuffer_write(out, bufferevent_getfd(dst));
		evbuffer_freeze(out, 1);
		/*
		 * What is left waits for the write event, which also reports
		 * errors; an empty output needs no event at all.
		 */
		if (evbuffer_get_length(out) > 0)
			bufferevent_enable(dst, EV_WRITE);
		else
			bufferevent_disable(dst, EV_WRITE);
	}
	if (late && armed && evbuffer_get_length(out) == 0)
		bufferevent_trigger(dst, EV_WRITE, 0);
}

/*
 * Write the <len> bytes of TLS bufferevent <dst>'s output <out>, in one
 * piece at <p>, with one SSL_write, now. Return 1 if they all went. Otherwise
 * nothing is taken from <out>, and the bufferevent's own write (which
 * offers the same first piece, so that OpenSSL's retry of a record it
 * could not finish gets the same bytes) goes on, or reports the error.
 */
static int
flow_tls_now(struct bufferevent *dst, struct evbuffer *out, const void *p,
    size_t len)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(dst);

	/* What bufferevent_openssl would offer in one SSL_write. */
	if (ssl == NULL || p == NULL ||
	    len > (size_t)bufferevent_get_max_single_write(dst) ||
	    SSL_in_init(ssl) || SSL_get_shutdown(ssl) != 0)
		return (0);
	ERR_clear_error();
	if (SSL_write(ssl, p, (int)len) != (int)len)
		return (0);
	evbuffer_drain(out, len);
	return (1);
}

/* Stop reading src while its own input holds cap bytes or more. */
int
flow_hold(struct bufferevent *src, size_t cap)
{
	if (evbuffer_get_length(bufferevent_get_input(src)) < cap)
		return (0);
	bufferevent_disable(src, EV_READ);
	return (1);
}

/* Have libevent read src only while its input is below cap. */
void
flow_cap_input(struct bufferevent *src, size_t cap)
{
	bufferevent_setwatermark(src, EV_READ, 0, cap);
}

/*
 * Send buf now if nothing waits before it, then queue what is left (see
 * flow.h). The writes are those the output would make (writev over its
 * pieces, sendfile for a file segment), one turn of the loop earlier; a
 * full socket (EAGAIN) or an error ends them, and the error is found
 * again by the bufferevent's own write. Small answers wait for the turn:
 * written one by one as they are made, each would wake the client for
 * itself, which costs the client more than the wait costs us (measured
 * with 1 KiB cache hits: about 20% fewer requests per second).
 */
size_t
flow_add(struct bufferevent *dst, struct evbuffer *buf,
    const struct flow_limits *fl)
{
	struct evbuffer	*out = bufferevent_get_output(dst);
	evutil_socket_t	 fd;
	size_t		 sent = 0;
	int		 n;

	if (evbuffer_get_length(buf) >= fl->low &&
	    evbuffer_get_length(out) == 0 &&
	    (bufferevent_get_enabled(dst) & EV_WRITE) && relay_plain(dst)) {
		fd = bufferevent_getfd(dst);
		while (evbuffer_get_length(buf) > 0) {
			if ((n = evbuffer_write(buf, fd)) <= 0)
				break;
			sent += n;
		}
	}
	evbuffer_add_buffer(out, buf);
	return (sent);
}
