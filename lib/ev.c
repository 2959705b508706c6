/*
 * ev.c: one event_base per daemon, libevent's messages routed to our log,
 * signals as events, and listening sockets that may bind addresses this
 * host does not hold yet (the floating IP on the standby).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ev.h"
#include "log.h"
#include "xmalloc.h"

#define EV_MAXSIG	16

static struct event	*ev_sigev[EV_MAXSIG];
static size_t		 ev_nsig;

static struct event_base *ev_base_make(int);

static void	ev_log_cb(int, const char *);
static void	ev_fatal_cb(int);

/* Route libevent's messages into our log. */
static void
ev_log_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

/* Libevent hit an internal error; nothing sane remains but to exit. */
static void
ev_fatal_cb(int err)
{
	fatalx("libevent fatal error %d", err);
}

/*
 * Create the daemon's event base. Daemons are single-threaded, so the base
 * needs no locks.
 */
struct event_base *
ev_base_new(void)
{
	return (ev_base_make(0));
}

/*
 * An event base whose epoll changes wait for the next turn of the loop
 * (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST): an event armed and disarmed in
 * one turn, as TLS writes made at once are (flow_send), costs no system
 * call. Only for a daemon that never watches a dup()ed descriptor,
 * which epoll cannot tell from its original (twin-lb).
 */
struct event_base *
ev_base_new_batched(void)
{
	return (ev_base_make(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST));
}

static struct event_base *
ev_base_make(int flags)
{
	struct event_config	*cfg;
	struct event_base	*base;

	event_set_log_callback(ev_log_cb);
	event_set_fatal_callback(ev_fatal_cb);
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK | flags);
	if ((base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new_with_config");
	event_config_free(cfg);
	return (base);
}

/* Install signal handlers as persistent events; SIGPIPE is ignored. */
void
ev_signals(struct event_base *base, const struct ev_signal *sigs, size_t n,
    void *arg)
{
	size_t	i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n && ev_nsig < EV_MAXSIG; i++) {
		ev_sigev[ev_nsig] = evsignal_new(base, sigs[i].sig,
		    sigs[i].cb, arg);
		if (ev_sigev[ev_nsig] == NULL ||
		    evsignal_add(ev_sigev[ev_nsig], NULL) == -1)
			fatalx("cannot install handler for signal %d",
			    sigs[i].sig);
		ev_nsig++;
	}
}

/* Remove the signal events (before freeing the base). */
void
ev_signals_free(void)
{
	size_t	i;

	for (i = 0; i < ev_nsig; i++)
		event_free(ev_sigev[i]);
	ev_nsig = 0;
}

/*
 * Open a non-blocking listening TCP socket. With <freebind>, the address need
 * not be on this host yet (IP_FREEBIND), so a standby can listen on the
 * floating IP before it arrives. IPv6 sockets are IPv6-only, so v4 and v6
 * listeners on the same port do not collide.
 */
int
ev_listen_socket(const struct addr *a, int freebind, int backlog,
    const char **cause)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, on = 1;

	len = addr_to_sa(a, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		*cause = "socket";
		return (-1);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	if (freebind) {
		if (a->af == AF_INET6) {
#ifdef IPV6_FREEBIND
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on,
			    sizeof on) == -1)
				goto fail;
#else
			if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on,
			    sizeof on) == -1)
				goto fail;
#endif
		} else if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on,
		    sizeof on) == -1)
			goto fail;
	}
	if (a->af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof on) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		*cause = errno == EADDRINUSE ? "address already in use" :
		    errno == EADDRNOTAVAIL ? "address not available" :
		    errno == EACCES ? "permission denied" : "bind failed";
		close(fd);
		return (-1);
	}
	if (listen(fd, backlog) == -1) {
		*cause = "listen failed";
		close(fd);
		return (-1);
	}
	return (fd);
fail:
	*cause = "setsockopt failed";
	close(fd);
	return (-1);
}

/* Fill a timeval from milliseconds. */
void
ev_tv(struct timeval *tv, uint64_t ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

void
ev_tls_why(struct bufferevent *bev, char *why, size_t len)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long	 e;
	long		 vr;
	const char	*r;

	if (ssl == NULL)
		return;
	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(why, len, "tls: server certificate not accepted: %s",
		    X509_verify_cert_error_string(vr));
		return;
	}
	if ((e = bufferevent_get_openssl_error(bev)) == 0)
		return;
	if ((r = ERR_reason_error_string(e)) == NULL)
		r = "handshake failed";
	snprintf(why, len, "tls: %s", r);
	while (bufferevent_get_openssl_error(bev) != 0)
		;
}
