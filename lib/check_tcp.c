/*
 * check_tcp.c: the TCP connect check, and the non-blocking connect that
 * the ACV check builds on. A target is up when its connect is accepted;
 * the connection is closed at once.
 */
#include <sys/socket.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "log.h"

static void	tcp_start(struct check *, const struct addr *);
static void	tcp_expire(struct check *, uint64_t, char *, size_t);
static void	tcp_connected_cb(struct check *, int);
static void	tcp_conn_cb(evutil_socket_t, short, void *);

const struct check_ops check_tcp_ops = {
	.name = "tcp",
	.start = tcp_start,
	.expire = tcp_expire,
	.stop = check_tcp_cancel,
};

/* Start a TCP check. */
static void
tcp_start(struct check *c, const struct addr *a)
{
	check_tcp_connect(c, a, tcp_connected_cb);
}

/* The connect was accepted: that is all this check asks. */
static void
tcp_connected_cb(struct check *c, int fd)
{
	close(fd);
	check_done(c, 1, "TCP connect succeeded");
}

/* Say why a TCP check ran out of time. */
static void
tcp_expire(struct check *c, uint64_t ms, char *why, size_t len)
{
	snprintf(why, len, "connect timed out after %" PRIu64 " ms", ms);
}

/*
 * Connect to <a> from the source address without blocking. When the
 * connection is up, <connected> gets the socket and owns it from then on;
 * a failure is reported with check_done() ("connection refused").
 */
void
check_tcp_connect(struct check *c, const struct addr *a,
    void (*connected)(struct check *, int))
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			why[CHECK_REASONLEN];
	int			fd;

	len = addr_to_sa(a, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		check_errstr(errno, "cannot create a socket", why, sizeof why);
		check_done(c, 0, why);
		return;
	}
	if (check_bind(c, fd, why, sizeof why) == -1) {
		close(fd);
		check_done(c, 0, why);
		return;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		connected(c, fd);
		return;
	}
	if (errno != EINPROGRESS) {
		check_errstr(errno, NULL, why, sizeof why);
		close(fd);
		check_done(c, 0, why);
		return;
	}
	/* No timeout here: the checker's timer bounds the whole round. */
	c->conn_ev = event_new(c->base, fd, EV_WRITE, tcp_conn_cb, c);
	if (c->conn_ev == NULL || event_add(c->conn_ev, NULL) == -1) {
		if (c->conn_ev != NULL)
			event_free(c->conn_ev);
		c->conn_ev = NULL;
		close(fd);
		check_done(c, 0, "cannot wait for the connection");
		return;
	}
	c->fd = fd;
	c->connected = connected;
}

/* Drop a connect under way. */
void
check_tcp_cancel(struct check *c)
{
	if (c->conn_ev != NULL) {
		event_free(c->conn_ev);
		c->conn_ev = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
}

/* The connect ended: accepted or refused. */
static void
tcp_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check	*c = arg;
	socklen_t	 len = sizeof(int);
	char		 why[CHECK_REASONLEN];
	int		 err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		check_errstr(err, NULL, why, sizeof why);
		check_done(c, 0, why);
		return;
	}
	/* The socket is the caller's now. */
	event_free(c->conn_ev);
	c->conn_ev = NULL;
	c->fd = -1;
	c->connected(c, fd);
}
