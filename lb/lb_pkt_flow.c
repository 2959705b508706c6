/*
 * lb_pkt_flow.c: the connection table of the L4 engine. Each flow is
 * found by either of its two keys (the packet as the client sent it, and
 * the reply as the server sends it), follows TCP far enough for IPVS-like
 * timeouts, and sits on the timeout queue of its state: all flows of a
 * state share one timeout, so a queue kept in order of last use is also in
 * order of expiry, and both touching and expiring cost O(1).
 *
 * Like ha_fsm.c it reads no clock: every call takes the time in ms, so
 * the engine passes the monotonic clock and the unit tests a fake one.
 * The table is bounded: when full, new flows are refused (and counted)
 * while existing ones go on as before.
 */
#include <stdlib.h>
#include <string.h>

#include "lb_pkt.h"

static uint32_t	flow_hash(const struct lb_flow_table *,
		    const struct lb_pkt_key *);
static void	flow_enqueue(struct lb_flow_table *, struct lb_flow *);
static void	flow_end(struct lb_flow_table *, struct lb_flow *);

static const char *const lb_flow_states[] = {
	"SYN", "ESTABLISHED", "FIN_WAIT", "CLOSE", "UDP"
};

/* Name a state. */
const char *
lb_flow_state_name(enum lb_flow_state s)
{
	if (s >= LB_FS_MAX)
		return ("?");
	return (lb_flow_states[s]);
}

/* IPVS's defaults, except a shorter half-open time against SYN floods. */
void
lb_flow_timeouts_default(struct lb_flow_timeouts *to)
{
	to->t[LB_FS_SYN] = 30 * 1000;
	to->t[LB_FS_EST] = 900 * 1000;
	to->t[LB_FS_FIN] = 120 * 1000;
	to->t[LB_FS_CLOSE] = 10 * 1000;
	to->t[LB_FS_UDP] = 300 * 1000;
}

/* Hash a key (murmur3's mixing over its ten 32-bit words). */
static uint32_t
flow_hash(const struct lb_flow_table *t, const struct lb_pkt_key *k)
{
	const uint8_t	*p = (const uint8_t *)k;
	uint32_t	 h = t->seed, w;
	size_t		 i;

	for (i = 0; i < sizeof *k; i += 4) {
		memcpy(&w, p + i, 4);
		w *= 0xcc9e2d51;
		w = (w << 15) | (w >> 17);
		w *= 0x1b873593;
		h ^= w;
		h = (h << 13) | (h >> 19);
		h = h * 5 + 0xe6546b64;
	}
	h ^= sizeof *k;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return (h);
}

/*
 * Set up an empty table for at most <max> flows with the timeouts <to>;
 * <seed> varies the hash so that remote hosts cannot aim at one bucket.
 */
int
lb_flow_table_init(struct lb_flow_table *t, uint32_t max,
    const struct lb_flow_timeouts *to, uint32_t seed)
{
	uint32_t	n = 64;
	size_t		i;

	memset(t, 0, sizeof *t);
	while (n < max && n < (1U << 24))
		n <<= 1;
	if ((t->buckets = calloc(n, sizeof *t->buckets)) == NULL)
		return (-1);
	t->nbuckets = n;
	t->max = max;
	t->to = *to;
	t->seed = seed;
	for (i = 0; i < LB_FS_MAX; i++)
		TAILQ_INIT(&t->queue[i]);
	return (0);
}

/* Free every flow (ending each) and the table. */
void
lb_flow_table_free(struct lb_flow_table *t)
{
	struct lb_flow	*f;
	size_t		 i;

	if (t->buckets == NULL)
		return;
	for (i = 0; i < LB_FS_MAX; i++)
		while ((f = TAILQ_FIRST(&t->queue[i])) != NULL)
			lb_flow_del(t, f);
	free(t->buckets);
	t->buckets = NULL;
}

/* The key of the other direction: addresses and ports swapped. */
void
lb_flow_key_reverse(struct lb_pkt_key *r, const struct lb_pkt_key *k)
{
	*r = *k;
	r->src = k->dst;
	r->dst = k->src;
	r->sport = k->dport;
	r->dport = k->sport;
}

/* Find the flow with key <k>; *dirp says which of its keys matched. */
struct lb_flow *
lb_flow_lookup(struct lb_flow_table *t, const struct lb_pkt_key *k, int *dirp)
{
	struct lb_flow_ent	*e;
	struct lb_flow		*f;
	uint32_t		 h = flow_hash(t, k);

	LIST_FOREACH(e, &t->buckets[h & (t->nbuckets - 1)], link) {
		if (e->hash != h || memcmp(&e->key, k, sizeof *k) != 0)
			continue;
		/* ent[] is the flow's first member: step back to it. */
		f = (struct lb_flow *)(void *)(e - e->dir);
		*dirp = e->dir;
		return (f);
	}
	return (NULL);
}

/* Put <f> at the tail of its state's queue (the latest to expire). */
static void
flow_enqueue(struct lb_flow_table *t, struct lb_flow *f)
{
	TAILQ_INSERT_TAIL(&t->queue[f->state], f, qlink);
}

/*
 * Create a flow with keys <orig> and <reply> in state <state> at <now>.
 * Returns NULL when the table is full (counted) or memory is short.
 */
struct lb_flow *
lb_flow_new(struct lb_flow_table *t, const struct lb_pkt_key *orig,
    const struct lb_pkt_key *reply, enum lb_flow_state state, uint64_t now)
{
	struct lb_flow	*f;
	int		 d;

	if (t->count >= t->max) {
		t->refused++;
		t->log_full = 1;
		return (NULL);
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		t->refused++;
		return (NULL);
	}
	f->ent[LB_FLOW_ORIG].key = *orig;
	f->ent[LB_FLOW_REPLY].key = *reply;
	for (d = 0; d < 2; d++) {
		f->ent[d].dir = d;
		f->ent[d].hash = flow_hash(t, &f->ent[d].key);
	}
	f->state = state;
	f->created = f->last = now;
	for (d = 0; d < 2; d++)
		LIST_INSERT_HEAD(&t->buckets[f->ent[d].hash &
		    (t->nbuckets - 1)], &f->ent[d], link);
	flow_enqueue(t, f);
	t->count++;
	t->created++;
	return (f);
}

/* Tell the owner, once, that <f> no longer counts as active. */
static void
flow_end(struct lb_flow_table *t, struct lb_flow *f)
{
	if (f->flags & LB_FLOW_F_ENDED)
		return;
	f->flags |= LB_FLOW_F_ENDED;
	if (t->end_cb != NULL)
		t->end_cb(t->arg, f);
}

/* Remove and free <f>. */
void
lb_flow_del(struct lb_flow_table *t, struct lb_flow *f)
{
	flow_end(t, f);
	if (t->free_cb != NULL)
		t->free_cb(t->arg, f);
	LIST_REMOVE(&f->ent[0], link);
	LIST_REMOVE(&f->ent[1], link);
	TAILQ_REMOVE(&t->queue[f->state], f, qlink);
	t->count--;
	free(f);
}

/* Move <f> to <state>; FIN and CLOSE end its active life. */
void
lb_flow_set_state(struct lb_flow_table *t, struct lb_flow *f,
    enum lb_flow_state state, uint64_t now)
{
	TAILQ_REMOVE(&t->queue[f->state], f, qlink);
	f->state = state;
	f->last = now;
	flow_enqueue(t, f);
	if (state == LB_FS_FIN || state == LB_FS_CLOSE)
		flow_end(t, f);
}

/*
 * A packet of <len> bytes went through <f> in direction <dir> with TCP
 * flags <tcp> (0 for UDP): count it, follow the handshake and the close,
 * and restart the flow's timeout.
 */
void
lb_flow_touch(struct lb_flow_table *t, struct lb_flow *f, int dir,
    uint8_t tcp, size_t len, uint64_t now)
{
	enum lb_flow_state	s = f->state;

	f->pkts[dir]++;
	f->bytes[dir] += len;
	if (s != LB_FS_UDP) {
		if (tcp & LB_TCP_RST)
			s = LB_FS_CLOSE;
		else if (tcp & LB_TCP_FIN) {
			f->flags |= dir == LB_FLOW_ORIG ? LB_FLOW_F_FIN_ORIG :
			    LB_FLOW_F_FIN_REPLY;
			if (s != LB_FS_CLOSE)
				s = LB_FS_FIN;
		} else if (s == LB_FS_SYN && dir == LB_FLOW_ORIG &&
		    (tcp & (LB_TCP_SYN | LB_TCP_ACK)) == LB_TCP_ACK)
			s = LB_FS_EST;
	}
	if (s != f->state) {
		lb_flow_set_state(t, f, s, now);
		return;
	}
	/*
	 * Half-open, only the client's (re)transmissions restart the clock:
	 * servers retransmit their SYN-ACKs to spoofed sources for half a
	 * minute, which would keep a SYN flood's flows in the table.
	 */
	if (s == LB_FS_SYN && dir == LB_FLOW_REPLY)
		return;
	f->last = now;
	TAILQ_REMOVE(&t->queue[s], f, qlink);
	flow_enqueue(t, f);
}

/* When <f> expires (ms, on the table's clock). */
uint64_t
lb_flow_expires(const struct lb_flow_table *t, const struct lb_flow *f)
{
	return (f->last + t->to.t[f->state]);
}

/*
 * Expire flows idle past their state's timeout at <now>, at most <budget>
 * of them (0: no limit) so one tick never stalls the packet path. Returns
 * how many went.
 */
size_t
lb_flow_tick(struct lb_flow_table *t, uint64_t now, size_t budget)
{
	struct lb_flow	*f;
	size_t		 i, n = 0;

	for (i = 0; i < LB_FS_MAX; i++) {
		while ((f = TAILQ_FIRST(&t->queue[i])) != NULL) {
			if (budget != 0 && n >= budget)
				return (n);
			if (f->last + t->to.t[i] > now)
				break;
			lb_flow_del(t, f);
			t->expired++;
			n++;
		}
	}
	return (n);
}

/*
 * Return 1 when a full table should be logged now: a refusal happened and
 * the last such log is 10 s old or more.
 */
int
lb_flow_full_log(struct lb_flow_table *t, uint64_t now)
{
	if (!t->log_full)
		return (0);
	if (t->last_full_log != 0 && now - t->last_full_log < 10000)
		return (0);
	t->log_full = 0;
	t->last_full_log = now;
	return (1);
}
