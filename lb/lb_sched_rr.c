/*
 * lb_sched_rr.c: round robin: each candidate in turn, weights ignored.
 * The turn is kept as the position of the last server picked, not as a
 * count, so that servers leaving or joining the candidates (down, full,
 * back) do not make the next ones skip or repeat.
 */
#include "lb.h"

static struct lb_server *rr_pick(struct lb_cluster *, struct lb_server **,
		    size_t, const struct lb_req *);

const struct lb_sched_ops lb_sched_rr = {
	"round-robin", NULL, NULL, rr_pick
};

/*
 * The first of <n> candidates (in server order) after the last server
 * picked, wrapping round; schedulers use it to break ties.
 */
struct lb_server *
lb_sched_rotate(struct lb_cluster *cl, struct lb_server **c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (c[i]->idx > cl->cursor)
			return (c[i]);
	return (c[0]);
}

static struct lb_server *
rr_pick(struct lb_cluster *cl, struct lb_server **c, size_t n,
    const struct lb_req *rq)
{
	return (lb_sched_rotate(cl, c, n));
}
