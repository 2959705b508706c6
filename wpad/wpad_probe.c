/*
 * wpad_probe.c: health checks of the two proxies.
 *
 * Each proxy has a TCP connect checker (lib/check.h): one round every
 * check-interval, bounded by check-timeout, the name (if it is one)
 * resolved again each round. A proxy is up when its connection is accepted
 * and down when it is refused, times out or its name does not resolve. On
 * every change the scripts are rebuilt so that a proxy that is down is
 * listed last for every client.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ev.h"
#include "log.h"
#include "wpad.h"

static void	probe_state_cb(void *, enum check_state, enum check_state,
		    const char *);
static void	probe_result_cb(void *, int, const char *);
static void	probe_new(struct wpad_probe *);
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

/* Keep the reason of the last verdict for the status display. */
static void
probe_result_cb(void *arg, int ok, const char *why)
{
	struct wpad_probe	*p = arg;

	strlcpy(p->why, why, sizeof p->why);
}

/* A proxy went up or down: log it and rebuild the scripts. */
static void
probe_state_cb(void *arg, enum check_state from, enum check_state to,
    const char *why)
{
	struct wpad_probe	*p = arg;
	struct wpad		*w = p->w;
	struct wpad_probe	*other;
	const char		*cause;
	char			 hp[HOST_MAXLEN + 16];
	int			 up = to == CHECK_UP;

	hostport_fmt(probe_target(p), hp, sizeof hp);
	p->known = 1;
	p->up = up;
	strlcpy(p->why, why, sizeof p->why);
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

/*
 * Create and start the checker of probe <p>. It starts from what is known
 * of the proxy, so that a reload with the same proxies logs nothing until
 * one of them really changes; one failed connect marks a proxy down.
 */
static void
probe_new(struct wpad_probe *p)
{
	const struct hostport	*hp = probe_target(p);
	const struct cfg_wpad	*wc = &p->w->cfg->wpad;
	struct check_conf	 conf;
	char			 name[HOST_MAXLEN + 16], *cause;

	if (hp == NULL || p->chk != NULL)
		return;
	/* Names are looked up afresh each round, as the browsers do. */
	if (hp->af == 0 && p->w->dns == NULL)
		p->w->dns = evdns_base_new(p->w->base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS);
	memset(&conf, 0, sizeof conf);
	conf.kind = CHECK_TCP;
	conf.name = hostport_fmt(hp, name, sizeof name);
	conf.host = hp->host;
	conf.port = hp->port;
	conf.fsm.interval = wc->check_interval;
	conf.fsm.timeout = wc->check_timeout;
	conf.fsm.rise = 1;
	conf.fsm.fall = 1;
	conf.fsm.initial = !p->known ? CHECK_UNKNOWN : p->up ? CHECK_UP :
	    CHECK_DOWN;
	conf.result_cb = probe_result_cb;
	p->chk = check_new(p->w->base, p->w->dns, &conf, probe_state_cb, p,
	    &cause);
	if (p->chk == NULL) {
		log_warnx("proxy %s cannot be probed: %s", name, cause);
		free(cause);
		return;
	}
	check_start(p->chk);
}

/* Start probing now and then every check-interval. */
void
wpad_probe_start(struct wpad *w)
{
	int	i;

	for (i = 0; i < WPAD_NPROXY; i++)
		probe_new(&w->probe[i]);
}

/* Stop probing; checks under way are dropped, verdicts are kept. */
void
wpad_probe_stop(struct wpad *w)
{
	int	i;

	for (i = 0; i < WPAD_NPROXY; i++) {
		check_free(w->probe[i].chk);
		w->probe[i].chk = NULL;
	}
}

/* Fill <down> (by WPAD_SELF/PARTNER) from the last verdicts. */
void
wpad_probe_down(const struct wpad *w, int *down)
{
	int	i;

	for (i = 0; i < WPAD_NPROXY; i++)
		down[i] = w->probe[i].known && !w->probe[i].up;
}
