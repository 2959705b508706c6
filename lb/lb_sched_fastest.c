/*
 * lb_sched_fastest.c: fastest response: the candidate with the lowest
 * response time average (lb_server_rtt), the one with the fewest connections
 * among equals, then in turn. A server not measured yet counts as the
 * fastest measured one, so it gets its share of clients and a measure
 * rather than all of them or none.
 */
#include "lb.h"

static struct lb_server *fastest_pick(struct lb_cluster *,
		    struct lb_server **, size_t, const struct lb_req *);
static int	 fastest_cmp(const struct lb_server *,
		    const struct lb_server *, uint64_t);

const struct lb_sched_ops lb_sched_fastest = {
	"fastest-response", NULL, NULL, fastest_pick
};

/* Compare two servers, <0 if a is better; <dflt> stands for no measure. */
static int
fastest_cmp(const struct lb_server *a, const struct lb_server *b,
    uint64_t dflt)
{
	uint64_t	ra = a->rtt_valid ? a->rtt : dflt;
	uint64_t	rb = b->rtt_valid ? b->rtt : dflt;

	if (ra != rb)
		return (ra < rb ? -1 : 1);
	if (a->active != b->active)
		return (a->active < b->active ? -1 : 1);
	return (0);
}

static struct lb_server *
fastest_pick(struct lb_cluster *cl, struct lb_server **c, size_t n,
    const struct lb_req *rq)
{
	struct lb_server	*best;
	uint64_t		 dflt = UINT64_MAX;
	size_t			 i, m = 0;

	for (i = 0; i < n; i++)
		if (c[i]->rtt_valid && c[i]->rtt < dflt)
			dflt = c[i]->rtt;
	if (dflt == UINT64_MAX)
		dflt = 0;
	best = c[0];
	for (i = 1; i < n; i++)
		if (fastest_cmp(c[i], best, dflt) < 0)
			best = c[i];
	for (i = 0; i < n; i++)
		if (fastest_cmp(c[i], best, dflt) == 0)
			c[m++] = c[i];
	return (lb_sched_rotate(cl, c, m));
}
