/*
 * lb_data.c: a cluster's runtime servers: building a cluster from the
 * config, and the state the rest of the daemon feeds in (health from the
 * checks, admin state, connections held, response times).
 */
#include <stdlib.h>
#include <string.h>

#include "lb.h"
#include "xmalloc.h"

/* Response time average: each sample counts for 1/8 (as TCP's SRTT). */
#define LB_RTT_SHIFT	3

static char	*dup_or_null(const char *);
static uint32_t	 server_id(const char *);

static const char *const lb_admin_names[] = {
	"enabled", "quiesced", "disabled"
};

/* Name an admin state, for status and logs. */
const char *
lb_admin_str(enum lb_admin a)
{
	if (a > LB_DISABLED)
		return ("?");
	return (lb_admin_names[a]);
}

static char *
dup_or_null(const char *s)
{
	return (s == NULL ? NULL : xstrdup(s));
}

/*
 * A server's stable identity: a hash of its name, so that sticky entries
 * and the hash ring survive a reload that reorders or adds servers.
 */
static uint32_t
server_id(const char *name)
{
	return ((uint32_t)lb_hash_key(name, strlen(name)));
}

/*
 * Start a cluster named <name>. Add its servers with lb_cluster_add, then
 * call lb_cluster_finish before the first lb_select. The secret in <p> is
 * used at once (to derive the cookie key) and not kept.
 */
struct lb_cluster *
lb_cluster_new(const char *name, const struct lb_params *p)
{
	struct lb_cluster	*cl;

	cl = xcalloc(1, sizeof *cl);
	cl->name = xstrdup(name);
	cl->p = *p;
	cl->p.secret = NULL;
	cl->p.secretlen = 0;
	cl->p.cookie.name = dup_or_null(p->cookie.name != NULL ?
	    p->cookie.name : "twinlb");
	cl->p.cookie.path = dup_or_null(p->cookie.path);
	cl->p.cookie.domain = dup_or_null(p->cookie.domain);
	if (cl->p.strikeout == 0)
		cl->p.strikeout = 1;
	if (cl->p.rise == 0)
		cl->p.rise = 1;
	if (p->secret != NULL) {
		lb_cookie_key(p->secret, p->secretlen, name, cl->ckey);
		cl->has_ckey = 1;
	}
	cl->cursor = UINT32_MAX;
	return (cl);
}

/*
 * Add a server; <flags> are the LB_SRV_* of the config. Servers start up
 * (the checks bring down the dead ones) with the admin state the flags
 * give. The pointer stays valid until lb_cluster_free, but only once the
 * cluster is finished: adding moves the array.
 */
struct lb_server *
lb_cluster_add(struct lb_cluster *cl, const char *name, const struct addr *a,
    unsigned int weight, unsigned int maxconn, int flags)
{
	struct lb_server	*s;

	if (cl->finished)
		return (NULL);
	cl->srv = xreallocarray(cl->srv, cl->nsrv + 1, sizeof *cl->srv);
	s = &cl->srv[cl->nsrv];
	memset(s, 0, sizeof *s);
	s->idx = cl->nsrv++;
	s->name = xstrdup(name);
	if (a != NULL)
		s->addr = *a;
	s->weight = weight == 0 ? 1 : weight;
	s->maxconn = maxconn;
	s->flags = flags;
	s->health = LB_UP;
	if (flags & LB_SRV_DISABLED)
		s->admin = LB_DISABLED;
	else if (flags & LB_SRV_QUIESCE)
		s->admin = LB_QUIESCED;
	s->id = server_id(name);
	return (s);
}

/*
 * Finish a cluster: fix the server array, give each server its cookie
 * token, start the scheduler and the sticky table. Two servers whose
 * identities collide (a 1 in 2^32 chance per pair) are refused rather
 * than silently sharing their clients.
 */
int
lb_cluster_finish(struct lb_cluster *cl, const char **cause)
{
	struct lb_server	*s;
	size_t			 i, j;

	if (cl->finished)
		return (0);
	if (cl->nsrv == 0) {
		*cause = "no servers";
		return (-1);
	}
	for (i = 0; i < cl->nsrv; i++) {
		s = &cl->srv[i];
		s->cl = cl;
		if (cl->has_ckey)
			s->token = lb_cookie_token(cl->ckey, s->name);
		for (j = 0; j < i; j++) {
			if (strcmp(cl->srv[j].name, s->name) == 0) {
				*cause = "two servers have the same name";
				return (-1);
			}
			if (cl->srv[j].id == s->id || (cl->has_ckey &&
			    cl->srv[j].token == s->token)) {
				*cause = "two server names hash alike; rename "
				    "one";
				return (-1);
			}
		}
	}
	if ((cl->sched = lb_sched_get(cl->p.scheduler)) == NULL) {
		*cause = "unknown scheduler";
		return (-1);
	}
	if (cl->sched->init != NULL && cl->sched->init(cl, cause) == -1)
		return (-1);
	if ((cl->p.persist == LB_PERSIST_STICKY ||
	    cl->p.persist == LB_PERSIST_MIP6) && (cl->sticky =
	    lb_sticky_new(cl->p.sticky_max, cl->p.sticky_timeout,
	    cl->p.sticky_overflow)) == NULL) {
		*cause = "out of memory for the sticky table";
		return (-1);
	}
	cl->cand = xcalloc(cl->nsrv, sizeof *cl->cand);
	cl->finished = 1;
	return (0);
}

/*
 * Build a cluster from its config block. <secret> is the content of its
 * secret-file, needed only with persist cookie.
 */
struct lb_cluster *
lb_cluster_from_cfg(const struct cfg_cluster *cc, const unsigned char *secret,
    size_t secretlen, const char **cause)
{
	struct lb_cluster	*cl;
	struct lb_params	 p;
	const struct cfg_server	*cs;
	size_t			 i;

	if (cc->persist == LB_PERSIST_COOKIE && secret == NULL) {
		*cause = "persist cookie needs the secret-file's key";
		return (NULL);
	}
	memset(&p, 0, sizeof p);
	p.mode = cc->mode;
	p.scheduler = cc->scheduler;
	p.persist = cc->persist;
	p.strikeout = cc->check_strikeout;
	p.rise = cc->check_rise;
	if (cc->persist == LB_PERSIST_COOKIE) {
		p.secret = secret;
		p.secretlen = secretlen;
	}
	p.generation = cc->cookie_generation;
	p.cookie.name = cc->cookie_name;
	p.cookie.path = cc->cookie_path;
	p.cookie.domain = cc->cookie_domain;
	p.cookie.age = cc->cookie_age;
	p.cookie.secure = cc->mode == LB_MODE_HTTPS;
	p.cookie_always = cc->cookie_always;
	p.once_only = cc->once_only;
	p.sticky_max = cc->sticky_table_size;
	p.sticky_timeout = cc->persist == LB_PERSIST_MIP6 ?
	    cc->persist_lifetime : cc->sticky_timeout;
	p.sticky_overflow = cc->sticky_overflow;
	p.plen4 = cc->sticky_netmask;
	p.plen6 = cc->sticky_netmask6;
	cl = lb_cluster_new(cc->name, &p);
	for (i = 0; i < cc->nserver; i++) {
		cs = &cc->server[i];
		lb_cluster_add(cl, cs->name, &cs->addr, cs->weight,
		    cs->maxconn, cs->flags);
	}
	if (lb_cluster_finish(cl, cause) == -1) {
		lb_cluster_free(cl);
		return (NULL);
	}
	return (cl);
}

/* Free a cluster and everything it owns. */
void
lb_cluster_free(struct lb_cluster *cl)
{
	size_t	i;

	if (cl == NULL)
		return;
	if (cl->sched != NULL && cl->sched->free != NULL)
		cl->sched->free(cl);
	lb_sticky_free(cl->sticky);
	for (i = 0; i < cl->nsrv; i++)
		free(cl->srv[i].name);
	free(cl->srv);
	free(cl->cand);
	free((char *)cl->p.cookie.name);
	free((char *)cl->p.cookie.path);
	free((char *)cl->p.cookie.domain);
	explicit_bzero(cl->ckey, sizeof cl->ckey);
	free(cl->name);
	free(cl);
}

/*
 * Carry the running state of cluster <f> over to <to>, its successor
 * after a reload (both finished): each server of <to> that <f> has by
 * name gets its health, check counts, response time, scheduler credit,
 * connections held and counters; the cluster its counters and, when the
 * sticky settings are the same, its sticky table (entries name servers
 * by their stable identity, so they stay right). Admin states are the
 * new config's. <f> is left with what <to> had, to be freed.
 */
void
lb_cluster_carry(struct lb_cluster *to, struct lb_cluster *f)
{
	struct lb_sticky	*t;
	struct lb_server	*s, *o;
	size_t			 i;

	for (i = 0; i < to->nsrv; i++) {
		s = &to->srv[i];
		if ((o = lb_server_find(f, s->name)) == NULL)
			continue;
		s->health = o->health;
		s->fails = o->fails;
		s->oks = o->oks;
		s->rtt = o->rtt;
		s->rtt_valid = o->rtt_valid;
		s->wrr_cur = o->wrr_cur;
		s->active = o->active;
		s->st = o->st;
	}
	to->st = f->st;
	if (to->sticky != NULL && f->sticky != NULL &&
	    to->p.sticky_max == f->p.sticky_max &&
	    to->p.sticky_timeout == f->p.sticky_timeout &&
	    to->p.sticky_overflow == f->p.sticky_overflow &&
	    to->p.plen4 == f->p.plen4 && to->p.plen6 == f->p.plen6) {
		t = to->sticky;
		to->sticky = f->sticky;
		f->sticky = t;
	}
}

/* Find a server by name. */
struct lb_server *
lb_server_find(struct lb_cluster *cl, const char *name)
{
	size_t	i;

	for (i = 0; i < cl->nsrv; i++)
		if (strcmp(cl->srv[i].name, name) == 0)
			return (&cl->srv[i]);
	return (NULL);
}

/*
 * Find a server by its stable identity (sticky entries). Clusters have
 * tens of servers, not thousands: a scan is cheaper than an index.
 */
struct lb_server *
lb_server_by_id(struct lb_cluster *cl, uint32_t id)
{
	size_t	i;

	for (i = 0; i < cl->nsrv; i++)
		if (cl->srv[i].id == id)
			return (&cl->srv[i]);
	return (NULL);
}

/* Find a server by its cookie token. */
struct lb_server *
lb_server_by_token(struct lb_cluster *cl, uint32_t token)
{
	size_t	i;

	if (!cl->has_ckey)
		return (NULL);
	for (i = 0; i < cl->nsrv; i++)
		if (cl->srv[i].token == token)
			return (&cl->srv[i]);
	return (NULL);
}

/* Return 1 if a server is at its cap. */
int
lb_server_full(const struct lb_server *s)
{
	return (s->maxconn != 0 && s->active >= s->maxconn);
}

/* Return 1 if a server may take anything at all: up and not disabled. */
int
lb_server_usable(const struct lb_server *s)
{
	return (s->health == LB_UP && s->admin != LB_DISABLED);
}

/*
 * Count a connection on a server. lb_select does this for its picks;
 * every connection counted is given back with lb_server_release.
 */
void
lb_server_take(struct lb_server *s)
{
	s->active++;
	if (s->active > s->st.peak)
		s->st.peak = s->active;
}

/* A connection (or request) of a server ended, or failed to open. */
void
lb_server_release(struct lb_server *s)
{
	if (s->active > 0)
		s->active--;
}

/* Set a server's health directly; return 1 if it changed. */
int
lb_server_set_health(struct lb_server *s, enum lb_health h)
{
	s->fails = s->oks = 0;
	if (s->health == h)
		return (0);
	if (h == LB_DOWN)
		s->st.downs++;
	s->health = h;
	return (1);
}

/*
 * Count one health check result (<ok> nonzero for a pass). An up server
 * goes down after check-strikeout consecutive failures, a down one comes
 * back after check-rise consecutive passes. Return 1 on a change.
 */
int
lb_server_check(struct lb_server *s, int ok)
{
	struct lb_cluster	*cl = s->cl;

	if (ok) {
		s->fails = 0;
		if (s->health == LB_UP || ++s->oks < cl->p.rise)
			return (0);
		s->health = LB_UP;
		s->oks = 0;
		return (1);
	}
	s->oks = 0;
	if (s->health == LB_DOWN || ++s->fails < cl->p.strikeout)
		return (0);
	s->health = LB_DOWN;
	s->fails = 0;
	s->st.downs++;
	return (1);
}

/* Change a server's admin state; its open connections are kept. */
void
lb_server_set_admin(struct lb_server *s, enum lb_admin a)
{
	s->admin = a;
}

/*
 * Feed one response time in microseconds (a request's time to first
 * byte, or a health check's), for fastest-response.
 */
void
lb_server_rtt(struct lb_server *s, uint64_t us)
{
	int64_t	diff;

	if (!s->rtt_valid) {
		s->rtt = us;
		s->rtt_valid = 1;
		return;
	}
	diff = (int64_t)us - (int64_t)s->rtt;
	s->rtt = (uint64_t)((int64_t)s->rtt + diff / (1 << LB_RTT_SHIFT));
}
