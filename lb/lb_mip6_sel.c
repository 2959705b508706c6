/*
 * lb_mip6_sel.c: persist mobile-ipv6 in the selection module. The L4
 * engine hands the selector the persistence keys of a packet (lb_mip6.c:
 * SPI, home address, interface identifier, source, those of the
 * cluster's list that apply, in that order); they are looked up in the
 * cluster's sticky table in turn, and the first one with an entry is the
 * client's persistence, judged by lb_select exactly as an L4 sticky entry
 * is (a server down, disabled, dont-persist or at its maxconn loses the
 * client; a quiesced one keeps it). The server chosen is then recorded
 * under each key without an entry of its own, so that the next packet
 * finds it by any of them: IKE over UDP records the home address, the
 * first ESP packet of its security association finds it there and
 * records its SPI.
 *
 * Time is the caller's (ms of a monotonic clock): the entries' lifetimes
 * are the sticky table's, counted down by its periodic expiry
 * (lb_sticky_expire) and refreshed by the packets that use them
 * (lb_mip6_touch).
 */
#include <string.h>

#include "lb.h"
#include "lb_pkt.h"

/* The engine's key kinds and bits are the selection module's. */
_Static_assert(LB_PKT_PK_IP6 == LB_KEY_IP6 && LB_PKT_PK_HOA == LB_KEY_HOA &&
    LB_PKT_PK_IID == LB_KEY_IID && LB_PKT_PK_SPI == LB_KEY_SPI,
    "key kinds of lb_pkt.h and lb.h differ");
_Static_assert(LB_MIP6_K_SPI == LB_PKEY_SPI && LB_MIP6_K_HOA == LB_PKEY_HOA &&
    LB_MIP6_K_IID == LB_PKEY_IID && LB_MIP6_K_SRC == LB_PKEY_SRC,
    "key bits of lb_pkt.h and cfg.h differ");
_Static_assert(LB_MIP6_TRANSLATE == LB_HOA_TRANSLATE &&
    LB_MIP6_PASS == LB_HOA_PASS, "home-address values differ");
_Static_assert(sizeof(((struct lb_pkt_pkey *)0)->b) <= LB_KEY_MAXLEN,
    "an engine key does not fit a sticky key");

struct walk_arg {
	struct lb_cluster	*cl;
	void			(*cb)(void *, const struct lb_persist_info *);
	void			*arg;
};

static size_t	keys_in(struct lb_key *, const struct lb_pkt_pkey *, size_t);
static void	walk_cb(void *, const struct lb_sticky_info *);

/* The sticky key of engine key <pk>. */
void
lb_key_from_pkey(struct lb_key *k, const struct lb_pkt_pkey *pk)
{
	if (pk->len > sizeof pk->b ||
	    lb_key_set(k, pk->kind, pk->b, pk->len) == -1)
		memset(k, 0, sizeof *k);
}

/* Convert at most LB_MIP6_NKEYS engine keys; return how many. */
static size_t
keys_in(struct lb_key *k, const struct lb_pkt_pkey *pk, size_t n)
{
	size_t	i;

	if (n > LB_MIP6_NKEYS)
		n = LB_MIP6_NKEYS;
	for (i = 0; i < n; i++)
		lb_key_from_pkey(&k[i], &pk[i]);
	return (n);
}

/*
 * lb_select for a new flow of cluster <cl> whose first packet has the <n>
 * keys <pk>, at <now>. As lb_select returns; the table is updated: the
 * entry used refreshed or forgotten, the others filled in.
 */
int
lb_mip6_select(struct lb_cluster *cl, const struct lb_pkt_pkey *pk, size_t n,
    uint64_t now, struct lb_pick *pick)
{
	struct lb_key	 k[LB_MIP6_NKEYS];
	struct lb_req	 rq;
	uint32_t	 id;
	size_t		 i, hit;
	int		 rv;

	n = keys_in(k, pk, n);
	hit = n;
	memset(&rq, 0, sizeof rq);
	if (cl->sticky != NULL && n > 0) {
		rq.pkind = LB_PK_STICKY;
		for (i = 0; i < n && hit == n; i++) {
			if (lb_sticky_get(cl->sticky, &k[i], now, &id) != 1)
				continue;
			if ((rq.psrv = lb_server_by_id(cl, id)) != NULL)
				hit = i;
			else			/* server removed */
				lb_sticky_del(cl->sticky, &k[i]);
		}
	}
	rv = lb_select(cl, &rq, pick);
	if (cl->sticky == NULL || n == 0)
		return (rv);
	if (pick->drop && hit < n)
		lb_sticky_del(cl->sticky, &k[hit]);
	if (!pick->record)
		return (rv);
	for (i = 0; i < n; i++) {
		if (pick->reason == LB_R_PERSISTENT && (i == hit ||
		    lb_sticky_peek(cl->sticky, &k[i], now, &id)))
			continue;
		lb_sticky_put(cl->sticky, &k[i], pick->srv->id, now);
	}
	return (rv);
}

/* A packet of a flow had keys <pk>: refresh their entries; how many. */
size_t
lb_mip6_touch(struct lb_cluster *cl, const struct lb_pkt_pkey *pk, size_t n,
    uint64_t now)
{
	struct lb_key	 k[LB_MIP6_NKEYS];
	size_t		 i, done = 0;

	if (cl->sticky == NULL)
		return (0);
	n = keys_in(k, pk, n);
	for (i = 0; i < n; i++)
		done += lb_sticky_touch(cl->sticky, &k[i], now);
	return (done);
}

/*
 * A binding update: each key to[i] gets the server of from[i] (its
 * node's old address), unless it has one; the old entries stay as they
 * are and run out on their own. Return how many were copied.
 */
size_t
lb_mip6_bind(struct lb_cluster *cl, const struct lb_pkt_pkey *from,
    const struct lb_pkt_pkey *to, size_t n, uint64_t now)
{
	struct lb_key	 kf[LB_MIP6_NKEYS], kt[LB_MIP6_NKEYS];
	size_t		 i, done = 0;

	if (cl->sticky == NULL)
		return (0);
	n = keys_in(kf, from, n);
	(void)keys_in(kt, to, n);
	for (i = 0; i < n; i++)
		if (lb_sticky_copy(cl->sticky, &kf[i], &kt[i], now) == 1)
			done++;
	return (done);
}

static void
walk_cb(void *arg, const struct lb_sticky_info *si)
{
	struct walk_arg		*w = arg;
	struct lb_persist_info	 pi;

	pi.key = si->key;
	pi.srv = lb_server_by_id(w->cl, si->id);
	pi.left = si->left;
	pi.from = si->from;
	w->cb(w->arg, &pi);
}

/*
 * The persist table of <cl> at <now>, for `twinctl lb persist`: each
 * live entry's key, server, lifetime left and origin if it is a copy.
 */
void
lb_mip6_walk(struct lb_cluster *cl, uint64_t now,
    void (*cb)(void *, const struct lb_persist_info *), void *arg)
{
	struct walk_arg	w;

	if (cl->sticky == NULL)
		return;
	w.cl = cl;
	w.cb = cb;
	w.arg = arg;
	lb_sticky_walk(cl->sticky, now, walk_cb, &w);
}

/* The engine's Mobile IPv6 settings of configured cluster <cc>. */
void
lb_mip6_conf_from_cfg(struct lb_mip6_conf *m, const struct cfg_cluster *cc)
{
	memset(m, 0, sizeof *m);
	if (cc->persist != LB_PERSIST_MIP6)
		return;
	m->keys = cc->persist_keys != 0 ? cc->persist_keys : LB_PKEY_DEFAULT;
	m->hoa_mode = cc->home_address;
	m->bu = cc->binding_updates;
}
