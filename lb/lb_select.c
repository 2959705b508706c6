/*
 * lb_select.c: choosing a server for a new connection (l4) or request
 * (l7, https), with Equalizer's semantics:
 *
 *  1. persistence: a client's entry is honoured if its server is up and
 *     not disabled, even when quiesced or a hot spare; a cookie even when
 *     the server is at its maxconn, a sticky entry not. An entry pointing
 *     to a dont-persist server is never honoured.
 *  2. the scheduler, among enabled, up, non-spare servers below their cap;
 *  3. quiesced servers, when no enabled non-spare server is up at all;
 *  4. the hot spares (by the same two rules among themselves), when the
 *     others are all down or all full;
 *  5. nothing: the client is refused.
 *
 * A retry passes the servers it has tried in the request (lb_req.avoid):
 * they count as down for it, so the next choice follows the same order.
 */
#include <string.h>

#include "lb.h"

static int	 avoided(const struct lb_req *, const struct lb_server *);
static size_t	 tier(struct lb_cluster *, const struct lb_req *, int, int *,
		    int *);
static int	 persistent(struct lb_cluster *, const struct lb_req *,
		    struct lb_pick *);
static void	 give(struct lb_cluster *, struct lb_pick *,
		    struct lb_server *, enum lb_reason);

static const char *const lb_reason_names[LB_R_MAX] = {
	"persistent",
	"scheduled",
	"quiesced (only quiesced up)",
	"hot spare (all down)",
	"hot spare (all full)",
	"no server available"
};

/* Name a reason, for the log. */
const char *
lb_reason_str(enum lb_reason r)
{
	if (r >= LB_R_MAX)
		return ("?");
	return (lb_reason_names[r]);
}

/* The scheduler of a LB_SCHED_* value. */
const struct lb_sched_ops *
lb_sched_get(int sched)
{
	switch (sched) {
	case LB_SCHED_RR:
		return (&lb_sched_rr);
	case LB_SCHED_WRR:
		return (&lb_sched_wrr);
	case LB_SCHED_LEASTCONN:
		return (&lb_sched_lc);
	case LB_SCHED_FASTEST:
		return (&lb_sched_fastest);
	case LB_SCHED_HASH_URI:
	case LB_SCHED_HASH_HOST:
		return (&lb_sched_hash);
	}
	return (NULL);
}

/* Return 1 if the request has tried <s> already. */
static int
avoided(const struct lb_req *rq, const struct lb_server *s)
{
	size_t	i;

	if (rq == NULL)
		return (0);
	for (i = 0; i < rq->navoid; i++)
		if (rq->avoid[i] == s)
			return (1);
	return (0);
}

/*
 * Gather into cl->cand the servers of one tier (<spare>: the hot spares,
 * else the others) that may take a new client, marking them. Enabled
 * servers go first; quiesced ones only when no enabled server of the tier
 * is up, full or not. *full is set when a server was skipped at its cap,
 * *quiesced when the candidates are quiesced ones.
 */
static size_t
tier(struct lb_cluster *cl, const struct lb_req *rq, int spare, int *full,
    int *quiesced)
{
	struct lb_server	*s;
	size_t			 i, n = 0;
	int			 enabled_up = 0, pass;

	*quiesced = 0;
	for (pass = 0; pass < 2 && n == 0 && !enabled_up; pass++) {
		for (i = 0; i < cl->nsrv; i++) {
			s = &cl->srv[i];
			if (((s->flags & LB_SRV_HOTSPARE) != 0) != spare ||
			    !lb_server_usable(s) || avoided(rq, s))
				continue;
			if (s->admin != (pass == 0 ? LB_ENABLED : LB_QUIESCED))
				continue;
			if (pass == 0)
				enabled_up = 1;
			if (lb_server_full(s)) {
				s->st.full++;
				*full = 1;
				continue;
			}
			s->mark = cl->mark;
			cl->cand[n++] = s;
		}
		if (pass == 1)
			*quiesced = n > 0;
	}
	return (n);
}

/* Hand <s> to the client: count it, take a connection slot. */
static void
give(struct lb_cluster *cl, struct lb_pick *pk, struct lb_server *s,
    enum lb_reason r)
{
	pk->srv = s;
	pk->reason = r;
	cl->st.reason[r]++;
	s->st.picks++;
	if (r == LB_R_PERSISTENT)
		s->st.persistent++;
	else if (r == LB_R_SPARE_DOWN || r == LB_R_SPARE_FULL)
		s->st.spare++;
	lb_server_take(s);
}

/*
 * Honour the request's persistence if it may be. Return 1 when the
 * client goes to its server; otherwise say whether to drop the entry.
 */
static int
persistent(struct lb_cluster *cl, const struct lb_req *rq, struct lb_pick *pk)
{
	struct lb_server	*s;

	if (cl->p.persist == LB_PERSIST_NONE || rq == NULL ||
	    rq->psrv == NULL || rq->pkind == LB_PK_NONE)
		return (0);
	s = rq->psrv;
	if (s->cl != cl || avoided(rq, s))
		return (0);
	if (s->flags & LB_SRV_DONT_PERSIST) {
		cl->st.persist_ignored++;
		pk->drop = 1;
		return (0);
	}
	if (!lb_server_usable(s)) {
		cl->st.persist_lost++;
		pk->drop = 1;
		return (0);
	}
	/* Equalizer caps sticky clients, but lets cookies through. */
	if (rq->pkind == LB_PK_STICKY && lb_server_full(s)) {
		cl->st.sticky_capped++;
		s->st.full++;
		pk->drop = 1;
		return (0);
	}
	give(cl, pk, s, LB_R_PERSISTENT);
	pk->record = 1;
	return (1);
}

/*
 * Choose a server for a new client of <cl> (finished) described by <rq>
 * (NULL for nothing known). Return 0 with the server in pk->srv, holding
 * one connection slot of it, given back with lb_server_release;
 * or -1 when no server is available (pk->srv NULL). In both cases
 * pk->record says to record persistence to pk->srv (a new or refreshed
 * entry, a cookie to insert), pk->drop to forget the entry the request
 * carried.
 */
int
lb_select(struct lb_cluster *cl, const struct lb_req *rq, struct lb_pick *pk)
{
	struct lb_server	*s;
	enum lb_reason		 r;
	size_t			 n;
	int			 full = 0, spare_full = 0, quiesced;

	memset(pk, 0, sizeof pk[0]);
	pk->reason = LB_R_NONE;
	if (!cl->finished)
		return (-1);
	cl->st.picks++;
	if (persistent(cl, rq, pk))
		return (0);
	cl->mark++;
	if ((n = tier(cl, rq, 0, &full, &quiesced)) > 0)
		r = quiesced ? LB_R_QUIESCED : LB_R_SCHEDULED;
	else if ((n = tier(cl, rq, 1, &spare_full, &quiesced)) > 0)
		/* The reason is why the others could not take the client. */
		r = full ? LB_R_SPARE_FULL : LB_R_SPARE_DOWN;
	else {
		cl->st.reason[LB_R_NONE]++;
		return (-1);
	}
	s = n == 1 ? cl->cand[0] : cl->sched->pick(cl, cl->cand, n, rq);
	cl->cursor = s->idx;
	give(cl, pk, s, r);
	pk->record = cl->p.persist != LB_PERSIST_NONE &&
	    !(s->flags & LB_SRV_DONT_PERSIST);
	return (0);
}

/*
 * lb_select for a client known by its sticky key <k> (persist sticky;
 * other clusters just schedule). The table is updated at <now> (ms): the
 * entry refreshed, moved to the new server, or forgotten.
 */
int
lb_select_sticky(struct lb_cluster *cl, const struct lb_key *k,
    const void *hkey, size_t hkeylen, uint64_t now, struct lb_pick *pk)
{
	struct lb_req	 rq;

	memset(&rq, 0, sizeof rq);
	rq.hkey = hkey;
	rq.hkeylen = hkeylen;
	return (lb_select_sticky_req(cl, k, &rq, now, pk));
}

/*
 * lb_select_sticky for a request <base> that says already what else it
 * carries (the hash key, the servers to avoid); its persistence is the
 * sticky entry's.
 */
int
lb_select_sticky_req(struct lb_cluster *cl, const struct lb_key *k,
    const struct lb_req *base, uint64_t now, struct lb_pick *pk)
{
	struct lb_req	 rq = *base;
	uint32_t	 id;
	int		 rv;

	rq.pkind = LB_PK_NONE;
	rq.psrv = NULL;
	if (cl->sticky != NULL && k != NULL) {
		rq.pkind = LB_PK_STICKY;
		if (lb_sticky_get(cl->sticky, k, now, &id) == 1 &&
		    (rq.psrv = lb_server_by_id(cl, id)) == NULL)
			lb_sticky_del(cl->sticky, k);	/* server removed */
	}
	rv = lb_select(cl, &rq, pk);
	if (cl->sticky == NULL || k == NULL)
		return (rv);
	if (pk->record && pk->reason != LB_R_PERSISTENT)
		lb_sticky_put(cl->sticky, k, pk->srv->id, now);
	else if (pk->drop)
		lb_sticky_del(cl->sticky, k);
	return (rv);
}

/*
 * lb_select for an HTTP request whose Cookie header value is <hdr> (NULL
 * for none). The first cookie of the cluster's name that verifies and
 * names a server of the cluster is used; the others are counted.
 */
int
lb_select_cookie(struct lb_cluster *cl, const char *hdr, size_t len,
    const void *hkey, size_t hkeylen, struct lb_pick *pk)
{
	struct lb_req		 rq;
	int			 rv;

	memset(&rq, 0, sizeof rq);
	rq.hkey = hkey;
	rq.hkeylen = hkeylen;
	lb_req_cookie(cl, hdr, len, &rq);
	rv = lb_select(cl, &rq, pk);
	pk->cookie_ok = pk->reason == LB_R_PERSISTENT;
	return (rv);
}

/*
 * Fill the persistence of request <rq> from the Cookie header value <hdr>
 * (NULL for none), as lb_select_cookie does; the rest of <rq> is kept.
 * After lb_select, pk->cookie_ok is pk->reason == LB_R_PERSISTENT.
 */
void
lb_req_cookie(struct lb_cluster *cl, const char *hdr, size_t len,
    struct lb_req *rq)
{
	enum lb_cookie_verdict	 v;
	const char		*val;
	size_t			 vlen, pos = 0;
	uint32_t		 token;

	rq->pkind = LB_PK_NONE;
	rq->psrv = NULL;
	if (cl->p.persist != LB_PERSIST_COOKIE || !cl->has_ckey || hdr == NULL)
		return;
	rq->pkind = LB_PK_COOKIE;
	while (rq->psrv == NULL && lb_cookie_find(hdr, len, cl->p.cookie.name,
	    &pos, &val, &vlen)) {
		v = lb_cookie_decode(cl->ckey, cl->p.generation, val, vlen,
		    &token);
		if (v == LB_COOKIE_OK) {
			if ((rq->psrv = lb_server_by_token(cl, token)) == NULL)
				cl->st.cookie_stale++;
		} else if (v == LB_COOKIE_STALE)
			cl->st.cookie_stale++;
		else
			cl->st.cookie_bad++;
	}
}
