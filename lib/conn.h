/*
 * conn.h: connections as every daemon opens and closes them: the
 * outgoing connect (from a source address, to each address of a name in
 * turn) and the lingering close.
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "flow.h"

struct bufferevent;
struct conn_linger;
struct event_base;

/* Addresses tried for one name. */
#define CONN_MAXADDRS		4

struct conn_limits {
	size_t			 io_max;	/* largest read or write */
	struct flow_limits	 flow;
	uint64_t		 connect_ms;	/* connect timeout */
};

/* The addresses of a name and the one being tried. */
struct conn_addrs {
	struct addr	 a[CONN_MAXADDRS];
	int		 n;
	int		 idx;
};

/* The bufferevent callbacks of a connection. */
struct conn_cbs {
	void	(*read)(struct bufferevent *, void *);
	void	(*write)(struct bufferevent *, void *);
	void	(*event)(struct bufferevent *, short, void *);
	void	*arg;
};

/*
 * Start a non-blocking TCP connection to <dst> from <src> (when of the
 * same family; the port is left to connect(), IP_BIND_ADDRESS_NO_PORT),
 * as a bufferevent with the limits applied and the callbacks set; its
 * event callback hears BEV_EVENT_CONNECTED or the failure, timed by
 * connect_ms. NULL with *err and *op (the step that failed) otherwise.
 */
struct bufferevent *conn_connect(struct event_base *, const struct addr *,
		    const struct addr *, const struct conn_limits *,
		    const struct conn_cbs *, int *, const char **);

/* Start over with no addresses; add one (0: the list is full). */
void		 conn_addrs_clear(struct conn_addrs *);
int		 conn_addrs_add(struct conn_addrs *, const struct addr *);
/* The address being tried; step to the next (0: none left). */
const struct addr *conn_addrs_cur(const struct conn_addrs *);
int		 conn_addrs_next(struct conn_addrs *);

/* How a lingering close ended. */
enum conn_linger_end {
	CONN_LINGER_SENT,	/* all sent, half-closed, time is up */
	CONN_LINGER_CLOSED,	/* the peer closed */
	CONN_LINGER_STALLED,	/* not all sent within send_ms */
	CONN_LINGER_TIMEOUT,	/* the bufferevent's write timeout */
	CONN_LINGER_ERROR
};
typedef void	(*conn_linger_cb)(enum conn_linger_end, void *);

/*
 * Close a connection gracefully: stop taking input (what comes is
 * dropped), send what is queued within <send_ms>, half-close, then wait
 * up to <linger_ms> for the peer to close, so that request bytes it is
 * still sending do not turn the last response into a reset. The done
 * callback says how it ended; the caller then frees the linger and the
 * bufferevent. The linger owns the bufferevent's callbacks meanwhile.
 */
struct conn_linger *conn_linger_new(struct event_base *, struct bufferevent *,
		    uint64_t, uint64_t, conn_linger_cb, void *);
void		 conn_linger_free(struct conn_linger *);
const char	*conn_linger_str(enum conn_linger_end);

#endif
