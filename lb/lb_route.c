/*
 * lb_route.c: the server of one HTTP request, from its parsed head. This
 * is where an L7 request meets lb_select: the hash key the scheduler
 * reads, the persistence the request carries (its cookie, or the sticky
 * entry of its client), the servers a retry has tried, and once-only,
 * under which the requests after the first of a connection are not
 * examined at all and go to the connection's server.
 *
 * Pure like the rest of lb.h: the caller passes the time, and the slot
 * lb_select takes on the server is the caller's to give back.
 */
#include <string.h>

#include "http_field.h"
#include "lb.h"

static size_t	 hash_key(const struct lb_cluster *, const struct http_msg *,
		    char *, size_t, const void **);

/*
 * The bytes the hash schedulers read: the path and query for hash-uri
 * (the origin-form target, whatever form the client sent), the host
 * folded to lower case for hash-host (names are not case-sensitive).
 */
static size_t
hash_key(const struct lb_cluster *cl, const struct http_msg *m, char *buf,
    size_t len, const void **key)
{
	size_t	i, n;

	*key = NULL;
	switch (cl->p.scheduler) {
	case LB_SCHED_HASH_URI:
		if (m->path == NULL)
			return (0);
		*key = m->path;
		n = m->path_len;
		/* The query follows the path in the head (origin-form). */
		if (m->query_len > 0 && m->query == m->path + m->path_len)
			n += m->query_len;
		return (n);
	case LB_SCHED_HASH_HOST:
		if (m->host == NULL)
			return (0);
		n = m->host_len < len ? m->host_len : len;
		for (i = 0; i < n; i++)
			buf[i] = (m->host[i] >= 'A' && m->host[i] <= 'Z') ?
			    m->host[i] - 'A' + 'a' : m->host[i];
		*key = buf;
		return (n);
	}
	return (0);
}

/*
 * Route request <rr> of cluster <cl> (finished). With once-only, a
 * request after the first of its connection goes to the connection's
 * server while that one is usable, unexamined, and without a new slot
 * (the connection holds one). Otherwise lb_select chooses, with the
 * request's cookie or its client's sticky entry, and takes a slot.
 * Returns how it was decided; pk->srv is NULL when no server can take
 * the request.
 */
enum lb_route_how
lb_route(struct lb_cluster *cl, const struct lb_route_req *rr,
    struct lb_pick *pk)
{
	const struct http_header	*h;
	struct lb_req			 rq;
	struct lb_key			 k;
	char				 host[HOST_MAXLEN];
	size_t				 i;
	int				 tried = 0;

	for (i = 0; i < rr->navoid; i++)
		if (rr->avoid[i] == rr->bound)
			tried = 1;
	if (cl->p.once_only && rr->bound != NULL && !tried &&
	    lb_server_usable(rr->bound)) {
		memset(pk, 0, sizeof *pk);
		pk->srv = rr->bound;
		pk->reason = LB_R_PERSISTENT;
		return (LB_ROUTE_BOUND);
	}
	memset(&rq, 0, sizeof rq);
	rq.hkeylen = hash_key(cl, rr->m, host, sizeof host, &rq.hkey);
	rq.avoid = rr->avoid;
	rq.navoid = rr->navoid;
	switch (cl->p.persist) {
	case LB_PERSIST_COOKIE:
		h = lb_cookie_header(rr->m, cl->p.cookie.name);
		lb_req_cookie(cl, h != NULL ? h->value : NULL,
		    h != NULL ? h->value_len : 0, &rq);
		lb_select(cl, &rq, pk);
		pk->cookie_ok = pk->reason == LB_R_PERSISTENT;
		break;
	case LB_PERSIST_STICKY:
		if (rr->client != NULL && rr->client->af != 0) {
			lb_key_addr(&k, rr->client, cl->p.plen4, cl->p.plen6);
			lb_select_sticky_req(cl, &k, &rq, rr->now, pk);
		} else
			lb_select(cl, &rq, pk);
		break;
	default:
		lb_select(cl, &rq, pk);
		break;
	}
	return (LB_ROUTE_SELECTED);
}

/*
 * A one-word name of how a request was routed, for the access log:
 * once-only, or lb_select's reason.
 */
const char *
lb_route_token(enum lb_route_how how, const struct lb_pick *pk)
{
	static const char *const tokens[LB_R_MAX] = {
		"persistent", "scheduled", "quiesced", "spare-down",
		"spare-full", "none"
	};

	if (how == LB_ROUTE_BOUND)
		return ("once-only");
	if (pk->reason >= LB_R_MAX)
		return ("-");
	return (tokens[pk->reason]);
}
