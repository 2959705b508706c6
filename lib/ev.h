/*
 * ev.h: libevent glue. The only header that includes <event2/...>; daemons
 * include this one (TLS connections: bufferevent_openssl_socket_new()
 * with an SSL from lib/tls.h).
 */
#ifndef EV_H
#define EV_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "addr.h"

struct ev_signal {
	int		 sig;
	void		(*cb)(evutil_socket_t, short, void *);
};

struct event_base *ev_base_new(void);
struct event_base *ev_base_new_batched(void);
void	ev_signals(struct event_base *, const struct ev_signal *, size_t,
	    void *);
void	ev_signals_free(void);
int	ev_listen_socket(const struct addr *, int, int, const char **);
void	ev_tv(struct timeval *, uint64_t);
/*
 * Why TLS bufferevent <bev> failed, into <why> (<len> bytes): the peer
 * certificate's check, else the first OpenSSL error queued on it (the
 * rest of the queue, which says the same less well, is dropped);
 * otherwise <why> is kept.
 */
void	ev_tls_why(struct bufferevent *, char *, size_t);

#endif
