/*
 * mon_gw_io.c: the gateway's I/O helpers shared by both ends (mon_gw.h):
 * chunk framing out, a closing connection's last bytes, the clock of
 * the session limits, and the line each end logs when a session ends.
 *
 * Throughput: bufferevent_openssl makes one TLS record of every piece
 * (evbuffer chain) of its output, and a socket bufferevent reads at most
 * 4 KiB at a time; so what goes to TLS is made contiguous here (a chunk
 * with its framing, or what the other side's small reads gave), and the
 * plain target is read in bigger pieces.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "conn.h"
#include "ev.h"
#include "log.h"
#include "mon_gw.h"

static void	gw_linger_cb(enum conn_linger_end, void *);

/* Move all of <in> to <out> as one chunk, in one piece. */
void
mon_gw_chunk(struct evbuffer *out, struct evbuffer *in)
{
	struct evbuffer_iovec	 v;
	char			 head[24];
	size_t			 n = evbuffer_get_length(in), h;
	char			*p;

	if (n == 0)
		return;
	h = (size_t)snprintf(head, sizeof head, "%zx\r\n", n);
	if (evbuffer_reserve_space(out, h + n + 2, &v, 1) != 1)
		fatalx("%s: out of memory", __func__);
	p = v.iov_base;
	memcpy(p, head, h);
	evbuffer_remove(in, p + h, n);
	memcpy(p + h + n, "\r\n", 2);
	v.iov_len = h + n + 2;
	evbuffer_commit_space(out, &v, 1);
}

/*
 * Move all of <in> to the end of <out> in one piece, with room for more
 * after it, so that what TLS sends of it goes in full records.
 */
void
mon_gw_coalesce(struct evbuffer *out, struct evbuffer *in)
{
	struct evbuffer_iovec	 v;
	size_t			 n = evbuffer_get_length(in);

	if (n == 0)
		return;
	if (evbuffer_reserve_space(out, n > MON_GW_PIECE ? n : MON_GW_PIECE,
	    &v, 1) != 1)
		fatalx("%s: out of memory", __func__);
	evbuffer_remove(in, v.iov_base, n);
	v.iov_len = n;
	evbuffer_commit_space(out, &v, 1);
}

/*
 * Read more of a plain socket bufferevent's input than libevent's 4 KiB
 * at a time, into <in> (the bufferevent's own input takes bytes only in
 * its read callback): up to <max> bytes in MON_GW_PIECE reads, until it
 * would block. An end of file or an error is left for the bufferevent
 * to see on its next read.
 */
size_t
mon_gw_read(struct bufferevent *bev, struct evbuffer *in, size_t max)
{
	struct evbuffer_iovec	 v;
	evutil_socket_t		 fd = bufferevent_getfd(bev);
	size_t			 got = 0;
	ssize_t			 r;

	while (fd != -1 && got < max) {
		if (evbuffer_reserve_space(in, MON_GW_PIECE, &v, 1) != 1)
			fatalx("%s: out of memory", __func__);
		if ((r = read(fd, v.iov_base, MON_GW_PIECE)) <= 0) {
			evbuffer_commit_space(in, &v, 0);
			break;
		}
		v.iov_len = (size_t)r;
		evbuffer_commit_space(in, &v, 1);
		got += (size_t)r;
		if ((size_t)r < MON_GW_PIECE)
			break;	/* nothing more for now */
	}
	return (got);
}

/* Small writes go at once: a keystroke is not held back (Nagle). */
void
mon_gw_nodelay(struct bufferevent *bev)
{
	evutil_socket_t	fd;
	int		one = 1;

	if (bev != NULL && (fd = bufferevent_getfd(bev)) != -1)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
}

/* A connection closing: its output sent, then freed. */
struct gw_linger {
	struct conn_linger	*l;
	struct bufferevent	*bev;
};

static void
gw_linger_cb(enum conn_linger_end why, void *arg)
{
	struct gw_linger	*l = arg;

	conn_linger_free(l->l);
	bufferevent_free(l->bev);
	free(l);
}

/* Send what <bev> holds within MON_GW_LINGER_MS, then free it. */
void
mon_gw_linger(struct event_base *base, struct bufferevent *bev)
{
	struct gw_linger	*l;

	if (bev == NULL)
		return;
	if ((l = calloc(1, sizeof *l)) == NULL) {
		bufferevent_free(bev);
		return;
	}
	l->bev = bev;
	if ((l->l = conn_linger_new(base, bev, MON_GW_LINGER_MS, 200,
	    gw_linger_cb, l)) == NULL) {
		bufferevent_free(bev);
		free(l);
	}
}

/* The line both ends log when a session ends. */
void
mon_gw_log(const char *side, const char *sid, const char *op,
    const char *site, const char *peer, const struct addr *target,
    const struct mon_gw_tally *t, const char *why)
{
	char		buf[ADDR_STRLEN];
	uint64_t	d = check_now() - t->started;

	log_info("gateway: %s session %s operator %s site %s peer %s target "
	    "%s bytes up %" PRIu64 " down %" PRIu64 " duration %" PRIu64
	    ".%03" PRIu64 "s end %s", side, sid, op, site, peer,
	    addr_fmt(target, buf, sizeof buf), t->up, t->down, d / 1000,
	    d % 1000, why);
}
