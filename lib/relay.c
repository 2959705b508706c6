/*
 * relay.c: two bufferevents joined both ways. Direction d carries what
 * side d (0: A, 1: B) sends to side 1 - d.
 *
 * Plain sockets: each side is read with an event of our own. While the
 * destination's bufferevent still holds bytes (a reply written before the
 * relay began, early data), reads go into it, io_max at a time; from
 * then on splice(2) moves the bytes through a pipe inside the kernel. A
 * direction never has bytes in both places at once: its source is not
 * read while its pipe holds anything, so order is kept.
 */
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "relay.h"

/*
 * Both directions' timers run out at about the same time in a silent
 * relay; activity closer than this to the deadline does not count.
 */
#define RELAY_SLACK_MS	100

struct relay {
	struct bufferevent	*bev[2];
	struct relay_conf	 conf;
	relay_done_cb		 done;
	void			*arg;
	int			 copy;
	int			 eof[2];	/* side stopped sending */
	uint64_t		 bytes[2];
	struct timespec		 t[2];		/* last read from side */
	struct event		*rd[2];		/* side's socket readable */
	struct event		*wr[2];		/* direction's peer writable */
	int			 pipe[2][2];
	size_t			 inpipe[2];
	/* The bufferevents' own callbacks, given back by relay_free(). */
	bufferevent_data_cb	 own_rd[2], own_wr[2];
	bufferevent_event_cb	 own_ev[2];
	void			*own_arg[2];
};

static uint64_t	relay_since(const struct timespec *);
static void	relay_count(struct relay *, int, size_t);
static void	relay_release(struct relay *);
static void	relay_end(struct relay *, enum relay_end);
static void	relay_eof(struct relay *, int);
static void	relay_resume(struct relay *, int);
static void	relay_move(struct relay *, int);
static void	relay_read_cb(evutil_socket_t, short, void *);
static void	relay_read(struct relay *, int, short);
static int	relay_splice(struct relay *, int);
static int	relay_flush(struct relay *, int);
static void	relay_pipe_cb(evutil_socket_t, short, void *);
static void	relay_copy_cb(struct bufferevent *, void *);
static void	relay_write_cb(struct bufferevent *, void *);
static void	relay_event_cb(struct bufferevent *, short, void *);
static int	relay_side(struct relay *, struct bufferevent *);

/* Milliseconds since *t. */
static uint64_t
relay_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000);
}

/* Count n bytes read from side d and note the activity. */
static void
relay_count(struct relay *r, int d, size_t n)
{
	clock_gettime(CLOCK_MONOTONIC, &r->t[d]);
	r->bytes[d] += n;
	if (r->conf.count[d] != NULL)
		*r->conf.count[d] += n;
}

/* Which side a bufferevent is. */
static int
relay_side(struct relay *r, struct bufferevent *bev)
{
	return (bev == r->bev[0] ? 0 : 1);
}

/*
 * A weak reference: a daemon that makes TLS bufferevents links
 * libevent_openssl, and then this finds them; one that makes none does
 * not load libssl for it.
 */
#pragma weak bufferevent_openssl_get_ssl

/* Tell whether a bufferevent is a plain socket. */
int
relay_plain(struct bufferevent *bev)
{
	if (bufferevent_getfd(bev) == -1 ||
	    bufferevent_get_underlying(bev) != NULL)
		return (0);
	return (bufferevent_openssl_get_ssl == NULL ||
	    bufferevent_openssl_get_ssl(bev) == NULL);
}

/* Start relaying between a and b. */
struct relay *
relay_new(struct event_base *base, struct bufferevent *a,
    struct bufferevent *b, const struct relay_conf *conf, relay_done_cb done,
    void *arg)
{
	struct relay	*r;
	struct timeval	 tv;
	int		 d, fd[2];

	if ((r = calloc(1, sizeof *r)) == NULL)
		return (NULL);
	r->bev[0] = a;
	r->bev[1] = b;
	r->conf = *conf;
	r->done = done;
	r->arg = arg;
	r->copy = conf->copy || !relay_plain(a) || !relay_plain(b);
	for (d = 0; d < 2; d++) {
		r->pipe[d][0] = r->pipe[d][1] = -1;
		fd[d] = bufferevent_getfd(r->bev[d]);
	}
	if (!r->copy) {
		for (d = 0; d < 2; d++) {
			r->rd[d] = event_new(base, fd[d], EV_READ | EV_PERSIST,
			    relay_read_cb, r);
			r->wr[d] = event_new(base, fd[1 - d], EV_WRITE |
			    EV_PERSIST, relay_pipe_cb, r);
			if (r->rd[d] == NULL || r->wr[d] == NULL)
				goto fail;
			/* Without pipes (out of descriptors), copy instead. */
			if (pipe2(r->pipe[d], O_NONBLOCK | O_CLOEXEC) == -1) {
				r->pipe[d][0] = r->pipe[d][1] = -1;
				continue;
			}
			fcntl(r->pipe[d][1], F_SETPIPE_SZ, (int)conf->io_max);
		}
	}
	for (d = 0; d < 2; d++) {
		bufferevent_getcb(r->bev[d], &r->own_rd[d], &r->own_wr[d],
		    &r->own_ev[d], &r->own_arg[d]);
		bufferevent_setcb(r->bev[d], r->copy ? relay_copy_cb : NULL,
		    relay_write_cb, relay_event_cb, r);
		flow_watch(r->bev[d], &conf->flow);
		ev_tv(&tv, conf->idle_ms);
		bufferevent_set_timeouts(r->bev[d], r->copy ? &tv : NULL,
		    &tv);
		bufferevent_disable(r->bev[d], EV_READ);
		bufferevent_enable(r->bev[d], EV_WRITE);
		clock_gettime(CLOCK_MONOTONIC, &r->t[d]);
	}
	/* What either side sent early is already in a bufferevent. */
	for (d = 0; d < 2; d++)
		relay_move(r, d);
	for (d = 0; d < 2; d++)
		relay_resume(r, d);
	return (r);
fail:
	relay_release(r);
	free(r);
	return (NULL);
}

/* Stop relaying and give the callbacks back. */
void
relay_free(struct relay *r)
{
	int	d;

	if (r == NULL)
		return;
	relay_release(r);
	for (d = 0; d < 2; d++)
		bufferevent_setcb(r->bev[d], r->own_rd[d], r->own_wr[d],
		    r->own_ev[d], r->own_arg[d]);
	free(r);
}

/* Free the relay's events and pipes. */
static void
relay_release(struct relay *r)
{
	int	d;

	for (d = 0; d < 2; d++) {
		if (r->rd[d] != NULL)
			event_free(r->rd[d]);
		if (r->wr[d] != NULL)
			event_free(r->wr[d]);
		if (r->pipe[d][0] != -1) {
			close(r->pipe[d][0]);
			close(r->pipe[d][1]);
		}
	}
}

/* Return the bytes read from one side. */
uint64_t
relay_bytes(const struct relay *r, int d)
{
	return (r->bytes[d]);
}

/* Tell whether the relay copies. */
int
relay_copying(const struct relay *r)
{
	return (r->copy);
}

/* Name a reason. */
const char *
relay_end_str(enum relay_end why)
{
	switch (why) {
	case RELAY_END_A_EOF:
		return ("A closed");
	case RELAY_END_B_EOF:
		return ("B closed");
	case RELAY_END_IDLE:
		return ("idle timeout");
	case RELAY_END_A_STALLED:
		return ("A stopped reading");
	case RELAY_END_B_STALLED:
		return ("B stopped reading");
	case RELAY_END_A_ERROR:
		return ("connection error on A");
	case RELAY_END_B_ERROR:
		return ("connection error on B");
	case RELAY_END_NOMEM:
		return ("out of memory");
	}
	return ("?");
}

/* End: quiet every event of ours, then tell the caller (last act). */
static void
relay_end(struct relay *r, enum relay_end why)
{
	int	d;

	for (d = 0; d < 2; d++) {
		if (r->rd[d] != NULL)
			event_del(r->rd[d]);
		if (r->wr[d] != NULL)
			event_del(r->wr[d]);
		bufferevent_disable(r->bev[d], EV_READ);
	}
	r->done(r, why, r->arg);
}

/*
 * Side d stopped sending. B: end now (its bytes are in A's output). A:
 * end once B has taken everything A sent.
 */
static void
relay_eof(struct relay *r, int d)
{
	if (d == 1) {
		relay_end(r, RELAY_END_B_EOF);
		return;
	}
	r->eof[0] = 1;
	if (r->rd[0] != NULL)
		event_del(r->rd[0]);
	bufferevent_disable(r->bev[0], EV_READ);
	if (r->inpipe[0] > 0)
		return;		/* relay_flush() ends it */
	if (evbuffer_get_length(bufferevent_get_output(r->bev[1])) > 0) {
		/* The write callback ends it once the output is empty. */
		bufferevent_setwatermark(r->bev[1], EV_WRITE, 0, 0);
		return;
	}
	relay_end(r, RELAY_END_A_EOF);
}

/*
 * Read side d again, unless its destination's output is full or its
 * pipe holds bytes: the destination's write callback resumes it then.
 */
static void
relay_resume(struct relay *r, int d)
{
	struct evbuffer	*out = bufferevent_get_output(r->bev[1 - d]);
	struct timeval	 tv;

	if (r->eof[d] || flow_full(out, &r->conf.flow))
		return;
	if (r->copy) {
		flow_resume(r->bev[d]);
		return;
	}
	if (r->inpipe[d] > 0 || event_pending(r->rd[d], EV_READ, NULL))
		return;
	ev_tv(&tv, r->conf.idle_ms);
	event_add(r->rd[d], &tv);
}

/* Move what side d's bufferevent input holds to the other side. */
static void
relay_move(struct relay *r, int d)
{
	struct evbuffer	*in = bufferevent_get_input(r->bev[d]);
	struct evbuffer	*out = bufferevent_get_output(r->bev[1 - d]);
	size_t		 n;

	if ((n = evbuffer_get_length(in)) == 0)
		return;
	evbuffer_remove_buffer(in, out, n);
	relay_count(r, d, n);
	flow_gate(r->bev[d], out, &r->conf.flow);
}

/* A socket is readable, or has been silent for the idle timeout. */
static void
relay_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay	*r = arg;

	relay_read(r, fd == bufferevent_getfd(r->bev[0]) ? 0 : 1, what);
}

/* Read side d into the other side's output (or its pipe). */
static void
relay_read(struct relay *r, int d, short what)
{
	struct evbuffer		*out = bufferevent_get_output(r->bev[1 - d]);
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	ssize_t			 n;
	size_t			 left;
	int			 i, nv;

	if (what & EV_TIMEOUT) {
		/* Silent, but the other direction may still be busy. */
		if (relay_since(&r->t[1 - d]) + RELAY_SLACK_MS <
		    r->conf.idle_ms)
			return;
		relay_end(r, RELAY_END_IDLE);
		return;
	}
	if (r->pipe[d][0] != -1 && evbuffer_get_length(out) == 0) {
		relay_splice(r, d);
		return;
	}
	nv = evbuffer_reserve_space(out, r->conf.io_max, v, 2);
	if (nv <= 0) {
		relay_end(r, RELAY_END_NOMEM);
		return;
	}
	left = r->conf.io_max;
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len < left ? v[i].iov_len : left;
		left -= iov[i].iov_len;
	}
	n = readv(bufferevent_getfd(r->bev[d]), iov, nv);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)) {
		evbuffer_commit_space(out, v, 0);
		return;
	}
	if (n <= 0) {
		evbuffer_commit_space(out, v, 0);
		if (n == 0)
			relay_eof(r, d);
		else
			relay_end(r, d == 0 ? RELAY_END_A_ERROR :
			    RELAY_END_B_ERROR);
		return;
	}
	for (i = 0, left = n; i < nv; i++) {
		v[i].iov_len = iov[i].iov_len < left ? iov[i].iov_len : left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(out, v, nv);
	relay_count(r, d, n);
	if (flow_full(out, &r->conf.flow))
		event_del(r->rd[d]);
}

/*
 * Splice what side d's socket has into its pipe and on to the other
 * side. Returns -1 when the relay ended.
 */
static int
relay_splice(struct relay *r, int d)
{
	ssize_t	n;

	n = splice(bufferevent_getfd(r->bev[d]), NULL, r->pipe[d][1], NULL,
	    r->conf.io_max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		if (n == 0)
			relay_eof(r, d);
		else
			relay_end(r, d == 0 ? RELAY_END_A_ERROR :
			    RELAY_END_B_ERROR);
		return (-1);
	}
	r->inpipe[d] += n;
	relay_count(r, d, n);
	return (relay_flush(r, d));
}

/*
 * Move what direction d's pipe holds to its destination. While some is
 * left, wait for the destination to take more instead of reading the
 * source. Returns -1 when the relay ended.
 */
static int
relay_flush(struct relay *r, int d)
{
	struct timeval	tv;
	ssize_t		n;

	while (r->inpipe[d] > 0) {
		n = splice(r->pipe[d][0], NULL, bufferevent_getfd(r->bev[1 -
		    d]), NULL, r->inpipe[d], SPLICE_F_MOVE |
		    SPLICE_F_NONBLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			relay_end(r, d == 0 ? RELAY_END_B_ERROR :
			    RELAY_END_A_ERROR);
			return (-1);
		}
		r->inpipe[d] -= n;
	}
	if (r->inpipe[d] > 0) {
		event_del(r->rd[d]);
		ev_tv(&tv, r->conf.stall_ms);
		event_add(r->wr[d], &tv);
		return (0);
	}
	event_del(r->wr[d]);
	if (d == 0 && r->eof[0]) {
		relay_end(r, RELAY_END_A_EOF);
		return (-1);
	}
	relay_resume(r, d);
	return (0);
}

/* The destination of a direction can take more of its pipe. */
static void
relay_pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay	*r = arg;
	int		 d;

	d = fd == bufferevent_getfd(r->bev[0]) ? 1 : 0;
	if (what & EV_TIMEOUT) {
		relay_end(r, d == 0 ? RELAY_END_B_STALLED :
		    RELAY_END_A_STALLED);
		return;
	}
	relay_flush(r, d);
}

/* Copying: bytes from a side's bufferevent. */
static void
relay_copy_cb(struct bufferevent *bev, void *arg)
{
	struct relay	*r = arg;

	relay_move(r, relay_side(r, bev));
}

/* A side's output drained to the low-water mark (or, at A's EOF, to 0). */
static void
relay_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay	*r = arg;
	int		 s = relay_side(r, bev);

	if (s == 1 && r->eof[0] && r->inpipe[0] == 0 &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		relay_end(r, RELAY_END_A_EOF);
		return;
	}
	relay_resume(r, 1 - s);
}

/* EOF, error or timeout on a side's bufferevent. */
static void
relay_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay	*r = arg;
	int		 s = relay_side(r, bev);

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		/* Copying: silent, but the other side may be busy. */
		if (relay_since(&r->t[1 - s]) + RELAY_SLACK_MS <
		    r->conf.idle_ms) {
			relay_resume(r, s);
			return;
		}
		relay_end(r, RELAY_END_IDLE);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		relay_end(r, s == 0 ? RELAY_END_A_STALLED :
		    RELAY_END_B_STALLED);
		return;
	}
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING)) {
		/* What came before the EOF goes on first. */
		relay_move(r, s);
		relay_eof(r, s);
		return;
	}
	relay_end(r, s == 0 ? RELAY_END_A_ERROR : RELAY_END_B_ERROR);
}
