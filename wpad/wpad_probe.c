/*
 * wpad_probe.c: TCP connect probes of the two proxies.
 *
 * One timer per round (check-interval); each round opens one non-blocking
 * connection per proxy, bounded by check-timeout. A proxy is up when the
 * connection is accepted and down when it is refused, times out or its
 * name does not resolve. On every change the scripts are rebuilt so that a
 * proxy that is down is listed last for every client.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "wpad.h"
#include "xmalloc.h"

static void	probe_round_cb(evutil_socket_t, short, void *);
static void	probe_event_cb(struct bufferevent *, short, void *);
static void	probe_connect(struct wpad_probe *);
static void	probe_done(struct wpad_probe *, int, const char *);
static const struct hostport *probe_target(const struct wpad_probe *);

/* Return the proxy probe <p> looks at, or NULL if none is configured. */
static const struct hostport *
probe_target(const struct wpad_probe *p)
{
	const struct cfg_wpad	*wc = &p->w->cfg->wpad;

	if (p->idx == WPAD_SELF)
		return (&wc->proxy);
	return (wc->partner_proxy.port != 0 ? &wc->partner_proxy : NULL);
}

/* Record a verdict; log and rebuild the scripts when it is a change. */
static void
probe_done(struct wpad_probe *p, int up, const char *why)
{
	struct wpad		*w = p->w;
	struct wpad_probe	*other;
	const char		*cause;
	char			 hp[HOST_MAXLEN + 16];
	int			 changed;

	if (p->bev != NULL) {
		bufferevent_free(p->bev);
		p->bev = NULL;
	}
	hostport_fmt(probe_target(p), hp, sizeof hp);
	changed = !p->known || p->up != up;
	p->known = 1;
	p->up = up;
	strlcpy(p->why, why, sizeof p->why);
	if (!changed) {
		log_debug("probe %s: %s", hp, why);
		return;
	}
	p->nchange++;
	other = &w->probe[p->idx == WPAD_SELF ? WPAD_PARTNER : WPAD_SELF];
	if (probe_target(other) == NULL)
		log_info("proxy %s is %s (%s); it is the only proxy",
		    hp, up ? "up" : "down", why);
	else if (up)
		log_info("proxy %s is up (%s): back in its place in the "
		    "scripts", hp, why);
	else if (other->known && !other->up)
		log_info("proxy %s is down (%s); both proxies are down, the "
		    "scripts keep the normal order", hp, why);
	else
		log_info("proxy %s is down (%s): scripts list it last for "
		    "every client", hp, why);
	if (wpad_rebuild(w, &w->cfg->wpad, &cause) == -1)
		log_warnx("proxy %s: scripts not rebuilt: %s", hp, cause);
}

/* The probe connection finished: connected, refused or timed out. */
static void
probe_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct wpad_probe	*p = arg;
	char			 why[128];
	int			 err, dnserr;

	if (what & BEV_EVENT_CONNECTED) {
		probe_done(p, 1, "TCP connect succeeded");
		return;
	}
	err = EVUTIL_SOCKET_ERROR();
	dnserr = bufferevent_socket_get_dns_error(bev);
	if (what & BEV_EVENT_TIMEOUT)
		strlcpy(why, "connect timed out", sizeof why);
	else if (dnserr != 0)
		snprintf(why, sizeof why, "name does not resolve: %s",
		    evutil_gai_strerror(dnserr));
	else
		snprintf(why, sizeof why, "connect failed: %s",
		    strerror(err));
	probe_done(p, 0, why);
}

/* Start one probe connection. */
static void
probe_connect(struct wpad_probe *p)
{
	const struct hostport	*hp = probe_target(p);
	struct sockaddr_storage	 ss;
	struct timeval		 tv;
	struct addr		 a;
	socklen_t		 len;
	const char		*cause;
	int			 rv;

	if (hp == NULL)
		return;
	if (p->bev != NULL) {
		log_debug("probe of %s still under way, round skipped",
		    hp->host);
		return;
	}
	p->bev = bufferevent_socket_new(p->w->base, -1,
	    BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL) {
		log_warnx("probe %s: cannot create a socket", hp->host);
		return;
	}
	ev_tv(&tv, p->w->cfg->wpad.check_timeout);
	bufferevent_set_timeouts(p->bev, &tv, &tv);
	bufferevent_setcb(p->bev, NULL, NULL, probe_event_cb, p);
	if (hp->af != 0 && addr_parse(hp->host, &a, &cause) == 0) {
		a.port = hp->port;
		len = addr_to_sa(&a, &ss);
		rv = bufferevent_socket_connect(p->bev,
		    (struct sockaddr *)&ss, (int)len);
	} else {
		if (p->w->dns == NULL)
			p->w->dns = evdns_base_new(p->w->base,
			    EVDNS_BASE_INITIALIZE_NAMESERVERS);
		rv = bufferevent_socket_connect_hostname(p->bev, p->w->dns,
		    AF_UNSPEC, hp->host, hp->port);
	}
	/* An immediate failure may already have freed the probe's bev. */
	if (rv == -1 && p->bev != NULL)
		probe_done(p, 0, "connect failed at once");
}

/* Start a probe round and re-arm the timer. */
static void
probe_round_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wpad	*w = arg;
	struct timeval	 tv;
	int		 i;

	for (i = 0; i < WPAD_NPROXY; i++)
		probe_connect(&w->probe[i]);
	ev_tv(&tv, w->cfg->wpad.check_interval);
	evtimer_add(w->probe_ev, &tv);
}

/* Start probing now and then every check-interval. */
void
wpad_probe_start(struct wpad *w)
{
	struct timeval	tv = { 0, 0 };

	if (w->probe_ev == NULL)
		w->probe_ev = evtimer_new(w->base, probe_round_cb, w);
	if (w->probe_ev == NULL)
		fatalx("evtimer_new");
	evtimer_add(w->probe_ev, &tv);
}

/* Stop probing; connections under way are dropped. */
void
wpad_probe_stop(struct wpad *w)
{
	int	i;

	for (i = 0; i < WPAD_NPROXY; i++) {
		if (w->probe[i].bev != NULL) {
			bufferevent_free(w->probe[i].bev);
			w->probe[i].bev = NULL;
		}
	}
	if (w->probe_ev != NULL)
		evtimer_del(w->probe_ev);
}

/* Fill <down> (by WPAD_SELF/PARTNER) from the last verdicts. */
void
wpad_probe_down(const struct wpad *w, int *down)
{
	int	i;

	for (i = 0; i < WPAD_NPROXY; i++)
		down[i] = w->probe[i].known && !w->probe[i].up;
}
