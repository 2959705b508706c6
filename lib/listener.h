/*
 * listener.h: the sockets a daemon accepts on.
 *
 * A listener set is the daemon's listening sockets for a list of
 * addresses, bound with IP_FREEBIND (the floating IP need not be here
 * yet). listener_set_sync() makes it match a new list all or nothing: a
 * reload that cannot bind one new address changes nothing.
 *
 * Accepting stops for three reasons, each held separately, and resumes
 * when none is left: out of descriptors (EMFILE and kin; a timed pause,
 * rather than spinning on a connection that cannot be taken), the
 * daemon's max-connections reached (listener_set_conn()), and a drain
 * (listener_set_close()). The timed pause alone (struct listener_pause)
 * serves listeners a daemon did not open itself (evhttp's).
 */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct event_base;
struct evconnlistener;
struct listener_pause;
struct listener_set;
struct sockaddr;

/* How long accepting stops after EMFILE. */
#define LISTENER_PAUSE_MS	1000

/* Called with the accepted descriptor, which it then owns. */
typedef void	(*listener_accept_cb)(int, const struct sockaddr *, int,
		    void *);
/* Turns every listener of a daemon on (1) or off (0). */
typedef void	(*listener_toggle_cb)(int, void *);

struct listener_conf {
	int		 backlog;
	int		 freebind;
	uint64_t	 pause_ms;	/* after EMFILE */
	uint64_t	 max_conns;	/* 0: no limit */
};

struct listener_counters {
	uint64_t	 open;		/* connections open now */
	uint64_t	 total;		/* accepted since start */
	uint64_t	 pauses;	/* EMFILE pauses */
};

/* The timed pause after EMFILE, for any listeners. */
struct listener_pause *listener_pause_new(struct event_base *, uint64_t,
		    listener_toggle_cb, void *);
void		 listener_pause_free(struct listener_pause *);
/*
 * From a listener's error callback, with the accept() error: out of
 * descriptors or memory, turn the listeners off for the pause and return
 * 1; another error is logged and 0 returned.
 */
int		 listener_pause_error(struct listener_pause *, int);

struct listener_set *listener_set_new(struct event_base *,
		    const struct listener_conf *, struct listener_counters *,
		    listener_accept_cb, void *);
void		 listener_set_free(struct listener_set *);
/*
 * Listen on exactly addrs[0..n): keep the sockets of addresses still
 * listed, open the new ones, close the others. If a new one cannot be
 * opened nothing changes: -1 with *cause (static).
 */
int		 listener_set_sync(struct listener_set *, const struct addr *,
		    size_t, const char **);
/* Apply a new max-connections (0: none). */
void		 listener_set_max(struct listener_set *, uint64_t);
/* A connection opened (+1) or closed (-1): hold at max-connections. */
void		 listener_set_conn(struct listener_set *, int);
/* Close every listener for good (drain). */
void		 listener_set_close(struct listener_set *);
/* Whether accepting is on; how many sockets are open. */
int		 listener_set_accepting(const struct listener_set *);
size_t		 listener_set_count(const struct listener_set *);

#endif
