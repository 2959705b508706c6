/*
 * mon_gw_io.c: the gateway's I/O helpers shared by both ends (mon_gw.h):
 * chunk framing out, a closing connection's last bytes, the clock of
 * the session limits, and the line each end logs when a session ends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "ev.h"
#include "log.h"
#include "mon_gw.h"

static void	gw_linger_cb(enum conn_linger_end, void *);

/* Move all of <in> to <out> as one chunk. */
void
mon_gw_chunk(struct evbuffer *out, struct evbuffer *in)
{
	size_t	n = evbuffer_get_length(in);

	if (n == 0)
		return;
	evbuffer_add_printf(out, "%zx\r\n", n);
	evbuffer_remove_buffer(in, out, n);
	evbuffer_add(out, "\r\n", 2);
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

/* Monotonic milliseconds: the session's duration and limits. */
uint64_t
mon_gw_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* The line both ends log when a session ends. */
void
mon_gw_log(const char *side, const char *sid, const char *op,
    const char *site, const char *peer, const struct addr *target,
    const struct mon_gw_tally *t, const char *why)
{
	char		buf[ADDR_STRLEN];
	uint64_t	d = mon_gw_mono() - t->started;

	log_info("gateway: %s session %s operator %s site %s peer %s target "
	    "%s bytes up %" PRIu64 " down %" PRIu64 " duration %" PRIu64
	    ".%03" PRIu64 "s end %s", side, sid, op, site, peer,
	    addr_fmt(target, buf, sizeof buf), t->up, t->down, d / 1000,
	    d % 1000, why);
}
