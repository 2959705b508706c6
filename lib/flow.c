/* flow.c: stop reading one side while the other side's output is full. */
#include <sys/types.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ev.h"
#include "flow.h"
#include "relay.h"

/* The most a TLS record carries (RFC 8446 section 5.1). */
#define FLOW_TLS_RECORD		16384

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

/* Write <dst>'s output now; see flow.h. */
void
flow_send(struct bufferevent *dst, struct bufferevent *src,
    const struct flow_limits *fl)
{
	struct evbuffer	*out = bufferevent_get_output(dst);
	size_t		 len = evbuffer_get_length(out);

	if (!relay_plain(dst)) {
		/*
		 * bufferevent_openssl writes a record per chain, and only
		 * in the next turn of the loop, arming the write event and
		 * disarming it after. A reply that fits one record goes at
		 * once instead (flow_tls_now); in an event base with
		 * batched changes that costs no epoll_ctl at all.
		 */
		if (len > 0 && len <= FLOW_TLS_RECORD &&
		    flow_tls_now(dst, out, evbuffer_pullup(out, -1), len))
			bufferevent_disable(dst, EV_WRITE);
		else if (len > 0)
			bufferevent_enable(dst, EV_WRITE);
	} else if (len > 0) {
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
	if (src != NULL && !flow_full(out, fl))
		flow_resume(src);
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
