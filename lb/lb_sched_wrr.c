/*
 * lb_sched_wrr.c: static weight, as smooth weighted round robin. Each
 * pick, every candidate earns its weight in credit; the richest is picked
 * and pays the sum of the weights. Over any run of picks each server's
 * share follows its weight exactly, and a heavy server's turns are spread
 * out (5:1:1 gives a a b a c a a, not a a a a a b c).
 */
#include "lb.h"

static struct lb_server *wrr_pick(struct lb_cluster *, struct lb_server **,
		    size_t, const struct lb_req *);

const struct lb_sched_ops lb_sched_wrr = {
	"static-weight", NULL, NULL, wrr_pick
};

static struct lb_server *
wrr_pick(struct lb_cluster *cl, struct lb_server **c, size_t n,
    const struct lb_req *rq)
{
	struct lb_server	*best = NULL;
	int64_t			 total = 0;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c[i]->wrr_cur += c[i]->weight;
		total += c[i]->weight;
		if (best == NULL || c[i]->wrr_cur > best->wrr_cur)
			best = c[i];
	}
	best->wrr_cur -= total;
	return (best);
}
