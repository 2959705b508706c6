/*
 * check_acv.c: active content verification. Connect, send a string, and
 * look for an expected string in the first maxreply bytes of the reply;
 * the reply may come in any number of pieces. The stream is a plain
 * socket bufferevent, or whatever the configured transport (TLS) makes of
 * the connected socket.
 */
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "flow.h"
#include "log.h"
#include "xmalloc.h"

struct acv {
	char				*send;
	size_t				 sendlen;
	char				*expect;
	size_t				 expectlen;
	size_t				 maxreply;
	const struct check_transport	*tr;
	struct bufferevent		*bev;
	size_t				 scanned;	/* bytes searched */
	int				 connecting;
};

static int	acv_init(struct check *, const struct check_conf *, char **);
static void	acv_start(struct check *, const struct addr *);
static void	acv_expire(struct check *, uint64_t, char *, size_t);
static void	acv_stop(struct check *);
static void	acv_free(struct check *);
static void	acv_connected_cb(struct check *, int);
static void	acv_read_cb(struct bufferevent *, void *);
static void	acv_event_cb(struct bufferevent *, short, void *);
static int	acv_scan(struct check *, struct acv *);

const struct check_ops check_acv_ops = {
	.name = "acv",
	.init = acv_init,
	.start = acv_start,
	.expire = acv_expire,
	.stop = acv_stop,
	.free = acv_free,
};

/* Keep a copy of the strings. */
static int
acv_init(struct check *c, const struct check_conf *conf, char **cause)
{
	struct acv	*v;

	if (conf->expect == NULL || conf->expectlen == 0) {
		xasprintf(cause, "an acv check needs a string to expect");
		return (-1);
	}
	v = xcalloc(1, sizeof *v);
	v->maxreply = conf->maxreply != 0 ? conf->maxreply : CHECK_MAXREPLY;
	if (conf->expectlen > v->maxreply) {
		xasprintf(cause, "the expected string is longer than the %zu "
		    "bytes of reply looked at", v->maxreply);
		free(v);
		return (-1);
	}
	v->sendlen = conf->sendlen;
	if (v->sendlen != 0) {
		v->send = xmalloc(v->sendlen);
		memcpy(v->send, conf->send, v->sendlen);
	}
	v->expectlen = conf->expectlen;
	v->expect = xmalloc(v->expectlen);
	memcpy(v->expect, conf->expect, v->expectlen);
	v->tr = conf->transport;
	c->kind = v;
	return (0);
}

/* Free the copies. */
static void
acv_free(struct check *c)
{
	struct acv	*v = c->kind;

	if (v == NULL)
		return;
	free(v->send);
	free(v->expect);
	free(v);
	c->kind = NULL;
}

/* Start: connect first. */
static void
acv_start(struct check *c, const struct addr *a)
{
	struct acv	*v = c->kind;

	v->scanned = 0;
	v->connecting = 1;
	check_tcp_connect(c, a, acv_connected_cb);
}

/* Drop the connection of the probe under way. */
static void
acv_stop(struct check *c)
{
	struct acv	*v = c->kind;

	check_tcp_cancel(c);
	if (v->bev != NULL) {
		bufferevent_free(v->bev);
		v->bev = NULL;
	}
}

/* Say what the probe was waiting for when it ran out of time. */
static void
acv_expire(struct check *c, uint64_t ms, char *why, size_t len)
{
	struct acv	*v = c->kind;

	if (v->connecting)
		snprintf(why, len, "connect timed out after %" PRIu64 " ms",
		    ms);
	else if (v->scanned == 0)
		snprintf(why, len, "no reply within %" PRIu64 " ms", ms);
	else
		snprintf(why, len, "timed out after %" PRIu64 " ms: expected "
		    "string not in the %zu bytes of reply", ms, v->scanned);
}

/* Connected: open the stream and send the string. */
static void
acv_connected_cb(struct check *c, int fd)
{
	struct acv	*v = c->kind;
	char		 why[CHECK_REASONLEN];

	v->connecting = 0;
	if (v->tr != NULL) {
		why[0] = '\0';
		v->bev = v->tr->open(v->tr->arg, c->base, fd, c->host, why,
		    sizeof why);
		if (v->bev == NULL) {
			if (why[0] == '\0')
				snprintf(why, sizeof why, "cannot start %s",
				    v->tr->name);
			check_done(c, 0, why);
			return;
		}
	} else if ((v->bev = bufferevent_socket_new(c->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		check_done(c, 0, "cannot create a bufferevent");
		return;
	}
	/*
	 * No bufferevent timeouts: the checker's timer bounds the round. The
	 * high-water mark stops reading once maxreply bytes are in.
	 */
	bufferevent_setcb(v->bev, acv_read_cb, NULL, acv_event_cb, c);
	flow_cap_input(v->bev, v->maxreply);
	if ((v->sendlen != 0 && bufferevent_write(v->bev, v->send,
	    v->sendlen) == -1) || bufferevent_enable(v->bev,
	    EV_READ | EV_WRITE) == -1) {
		check_done(c, 0, "cannot send the check string");
		return;
	}
}

/*
 * Search the reply bytes not searched yet (and the few before them that
 * a match could start in) within the first maxreply bytes. Returns 1 if
 * the expected string is there, 0 if not yet, -1 if the bound is reached
 * without it.
 */
static int
acv_scan(struct check *c, struct acv *v)
{
	struct evbuffer	*in = bufferevent_get_input(v->bev);
	unsigned char	*p;
	size_t		 len, from;

	len = evbuffer_get_length(in);
	if (len > v->maxreply)
		len = v->maxreply;
	if (len < v->expectlen || len == v->scanned) {
		v->scanned = len;
		return (len >= v->maxreply ? -1 : 0);
	}
	if ((p = evbuffer_pullup(in, len)) == NULL)
		return (-1);
	from = v->scanned >= v->expectlen ? v->scanned - v->expectlen + 1 : 0;
	v->scanned = len;
	if (memmem(p + from, len - from, v->expect, v->expectlen) != NULL)
		return (1);
	return (len >= v->maxreply ? -1 : 0);
}

/* More of the reply arrived. */
static void
acv_read_cb(struct bufferevent *bev, void *arg)
{
	struct check	*c = arg;
	struct acv	*v = c->kind;
	char		 why[CHECK_REASONLEN];

	switch (acv_scan(c, v)) {
	case 1:
		check_done(c, 1, "expected string found in reply");
		break;
	case -1:
		snprintf(why, sizeof why, "expected string not found in the "
		    "first %zu bytes of the reply", v->maxreply);
		check_done(c, 0, why);
		break;
	}
}

/* The stream ended or failed before the expected string came. */
static void
acv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct check	*c = arg;
	struct acv	*v = c->kind;
	char		 why[CHECK_REASONLEN];
	int		 err;

	if (what & BEV_EVENT_CONNECTED)
		return;
	err = EVUTIL_SOCKET_ERROR();
	/* Whatever came with the end counts. */
	if (acv_scan(c, v) == 1) {
		check_done(c, 1, "expected string found in reply");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		if (v->scanned == 0)
			check_done(c, 0, "connection closed without a reply");
		else
			check_done(c, 0, "expected string not found in reply");
		return;
	}
	if (err != 0)
		check_errstr(err, v->scanned == 0 ? "no reply" :
		    "reply cut short", why, sizeof why);
	else
		snprintf(why, sizeof why, "%s error",
		    v->tr != NULL ? v->tr->name : "connection");
	/* The transport may know better (a certificate, an alert). */
	if (v->tr != NULL && v->tr->error != NULL)
		v->tr->error(v->tr->arg, bev, why, sizeof why);
	check_done(c, 0, why);
}
