/*
 * lb_check.c: the health checks of a cluster's servers, on lib/check: an
 * ICMP echo checker (icmp-check yes) and a TCP connect or ACV checker
 * (check tcp, acv; over TLS with check-tls) per server, each with the
 * cluster's interval, timeout, strikeout (fall) and rise. A dont-probe
 * server gets the ICMP checker alone (Equalizer's rule: dont probe turns
 * off the L4 and L7 checks, not ICMP).
 *
 * A server is down while any of its checkers says down, up otherwise
 * (before the first verdict too: a new server takes traffic at once, and
 * the checks take it away if it is dead). Every change is logged with
 * the checker and the reason of the result that decided it; a reload
 * starts new checkers from the states the old ones had reached, so that
 * a reload neither revives a dead server nor drops a live one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lbd.h"
#include "log.h"

static void	 lbd_check_state_cb(void *, enum check_state,
		    enum check_state, const char *);
static struct check *lbd_check_new(struct lbd_server *, int,
		    struct event_base *, const struct cfg_cluster *);

/* A checker's verdict changed: recompute the server's health. */
static void
lbd_check_state_cb(void *arg, enum check_state from, enum check_state to,
    const char *reason)
{
	struct lbd_chkarg	*ca = arg;
	struct lbd_server	*s = ca->s;
	enum lb_health		 h = LB_UP;
	const char		*kind = s->chkname[ca->k];
	int			 k;

	s->cst[ca->k] = to;
	for (k = 0; k < LBD_CHK_MAX; k++)
		if (s->cst[k] == CHECK_DOWN)
			h = LB_DOWN;
	/*
	 * The reason shown is that of the verdict that counts now: a
	 * failure, or while up the service check's (it says more than a
	 * ping, whichever of the two answered last).
	 */
	if (to == CHECK_DOWN || (h == LB_UP && (ca->k == LBD_CHK_L4 ||
	    s->cst[LBD_CHK_L4] != CHECK_UP)))
		snprintf(s->reason, sizeof s->reason, "%s: %s", kind, reason);
	if (!lb_server_set_health(s->s, h)) {
		log_debug("cluster %s: server %s: %s check %s -> %s: %s",
		    s->c->name, s->name, kind, check_state_name(from),
		    check_state_name(to), reason);
		return;
	}
	s->since = time(NULL);
	if (h == LB_DOWN)
		log_warnx("cluster %s: server %s is down: %s", s->c->name,
		    s->name, s->reason);
	else
		log_info("cluster %s: server %s is up: %s", s->c->name,
		    s->name, s->reason);
}

/* Make checker <k> of server <s>, in the state its predecessor had. */
static struct check *
lbd_check_new(struct lbd_server *s, int k, struct event_base *base,
    const struct cfg_cluster *cc)
{
	struct check_conf	 conf;
	struct check		*chk;
	struct lbd_chkarg	*ca;
	char			*cause = NULL, name[160];

	memset(&conf, 0, sizeof conf);
	conf.addr = s->addr;
	conf.source = s->check_src;
	conf.fsm.interval = cc->check_interval;
	conf.fsm.timeout = cc->check_timeout;
	conf.fsm.rise = cc->check_rise;
	conf.fsm.fall = cc->check_strikeout;
	conf.fsm.initial = s->cst[k];
	if (k == LBD_CHK_ICMP) {
		conf.kind = CHECK_ICMP;
		conf.addr.port = 0;
		conf.icmp_sock = CHECK_ICMP_AUTO;
	} else if (cc->check == LB_CHECK_ACV) {
		conf.kind = CHECK_ACV;
		conf.send = cc->check_send;
		conf.sendlen = cc->check_send != NULL ?
		    strlen(cc->check_send) : 0;
		conf.expect = cc->check_expect;
		conf.expectlen = cc->check_expect != NULL ?
		    strlen(cc->check_expect) : 0;
		conf.transport = cc->check_tls ? s->tr : NULL;
	} else
		conf.kind = CHECK_TCP;
	s->chkname[k] = k == LBD_CHK_ICMP ? "icmp" :
	    conf.kind == CHECK_TCP ? "tcp" : conf.transport != NULL ?
	    "acv over tls" : "acv";
	snprintf(name, sizeof name, "%s/%s %s", s->c->name, s->name,
	    s->chkname[k]);
	conf.name = name;
	ca = &s->chkarg[k];
	ca->s = s;
	ca->k = k;
	if ((chk = check_new(base, NULL, &conf, lbd_check_state_cb, ca,
	    &cause)) == NULL) {
		/* The config was checked: only a resource can be missing. */
		log_warnx("cluster %s: server %s: no %s check: %s",
		    s->c->name, s->name, s->chkname[k], cause);
		free(cause);
		return (NULL);
	}
	return (chk);
}

/* Start the checks of every server of cluster <c> (block <cc>). */
void
lbd_check_start(struct lbd_cluster *c, struct event_base *base,
    const struct cfg_cluster *cc)
{
	struct lbd_server	*s;
	size_t			 i;

	for (i = 0; i < c->nsrv; i++) {
		s = &c->srv[i];
		if (cc->icmp_check)
			s->chk[LBD_CHK_ICMP] = lbd_check_new(s, LBD_CHK_ICMP,
			    base, cc);
		else
			s->cst[LBD_CHK_ICMP] = CHECK_UNKNOWN;
		if (cc->check != LB_CHECK_NONE &&
		    !(s->cfg_flags & LB_SRV_DONT_PROBE))
			s->chk[LBD_CHK_L4] = lbd_check_new(s, LBD_CHK_L4,
			    base, cc);
		else
			s->cst[LBD_CHK_L4] = CHECK_UNKNOWN;
		if (s->chk[LBD_CHK_ICMP] == NULL &&
		    s->chk[LBD_CHK_L4] == NULL) {
			strlcpy(s->reason, "not checked", sizeof s->reason);
			lb_server_set_health(s->s, LB_UP);
		}
		if (s->chk[LBD_CHK_ICMP] != NULL)
			check_start(s->chk[LBD_CHK_ICMP]);
		if (s->chk[LBD_CHK_L4] != NULL)
			check_start(s->chk[LBD_CHK_L4]);
	}
}

/* Stop and free the checks of cluster <c>; their states stay. */
void
lbd_check_stop(struct lbd_cluster *c)
{
	size_t	i;
	int	k;

	for (i = 0; i < c->nsrv; i++)
		for (k = 0; k < LBD_CHK_MAX; k++) {
			check_free(c->srv[i].chk[k]);
			c->srv[i].chk[k] = NULL;
		}
}
