/*
 * lb_sched_lc.c: least connections, weighted: the candidate with the
 * fewest connections for its weight (active / weight, compared without
 * division). Equals take turns.
 */
#include "lb.h"

static struct lb_server *lc_pick(struct lb_cluster *, struct lb_server **,
		    size_t, const struct lb_req *);
static int	 lc_cmp(const struct lb_server *, const struct lb_server *);

const struct lb_sched_ops lb_sched_lc = {
	"least-connections", NULL, NULL, lc_pick
};

/* Compare the load of two servers: <0 if a has less per unit of weight. */
static int
lc_cmp(const struct lb_server *a, const struct lb_server *b)
{
	uint64_t	wa = (uint64_t)a->active * b->weight;
	uint64_t	wb = (uint64_t)b->active * a->weight;

	return (wa < wb ? -1 : wa > wb);
}

static struct lb_server *
lc_pick(struct lb_cluster *cl, struct lb_server **c, size_t n,
    const struct lb_req *rq)
{
	struct lb_server	*best = c[0];
	size_t			 i, m = 0;

	for (i = 1; i < n; i++)
		if (lc_cmp(c[i], best) < 0)
			best = c[i];
	/* Keep the least loaded only, in order, and take turns among them. */
	for (i = 0; i < n; i++)
		if (lc_cmp(c[i], best) == 0)
			c[m++] = c[i];
	return (lb_sched_rotate(cl, c, m));
}
