/*
 * mon_gw.h: the gateway: an operator at the center reaches a TCP service
 * of a site's peer (its sshd) through the agent's outbound HTTPS alone.
 *
 * HTTPS through the office's proxy is request and response, one way at a
 * time, so a session is two requests of the agent's, bundled by a
 * session ID (32 hex digits, 128 random bits) that the center made:
 *	POST /gw/poll		the agent's long poll for orders (held up to
 *				MON_GW_POLL_MS); the answer, 200, is one line
 *				"open SID TARGET OPERATOR IDLE-MS MAX-MS", or
 *				204 for nothing
 *	POST /gw/off		an agent whose gateway is off says so (at
 *				start, on reload, every MON_GW_OFF_MS); the
 *				answer is 204 at once, and an operator asking
 *				for that peer is refused at once (502) rather
 *				than after gateway-connect-timeout
 *	GET /gw/down/SID	the answer is chunked: the bytes to the
 *				target; the last chunk when the operator ends
 *	POST /gw/up/SID		a chunked body: the bytes from the target;
 *				the last chunk when the target closes. With
 *				Twinproxy-Gateway-Refused (and no body), why
 *				the agent did not open the session. Its
 *				Twinproxy-Gateway-Limits "IDLE-MS MAX-MS" are
 *				the agent's; the center runs the smaller
 *				limits and ends the session with an answer to
 *				this request, "session ended: REASON", so that
 *				both ends log one reason
 * Every one of them carries both factors of a device (mon_auth.h), and
 * the center gives a session only to the device it was ordered for.
 * The operator (twinctl center connect) speaks to the operators'
 * listener, with a certificate of the operators' CA and the operator ID
 * of a gateway-operator line in Twinproxy-Operator-ID:
 *	GET /gw/connect/SITE/PEER/TARGET  with "Upgrade: twin-gateway";
 *				101 once the agent reached the target, then
 *				the connection carries the stream both ways
 * TARGET is PORT (on the peer's loopback, 127.0.0.1) or ADDR:PORT.
 *
 * An end of file on either side ends the session once the bytes before
 * it are delivered. Every direction goes through lib/flow: a stalled
 * operator stops the center reading the up stream, TCP stops the agent
 * writing it, and the agent stops reading the target; so neither end
 * buffers more than the flow limits per direction.
 */
#ifndef MON_GW_H
#define MON_GW_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define MON_GW_SID_LEN		32	/* hex digits */
#define MON_GW_OP_MAX		63	/* an operator's name */
#define MON_GW_TARGET_MAX	64	/* "[v6]:port" */
#define MON_GW_ORDER_MAX	256	/* one order line */
#define MON_GW_POLL_MS		20000	/* a poll held at most */
#define MON_GW_REASON_MAX	200	/* a refusal's text */
#define MON_GW_LINGER_MS	5000	/* a closing stream's last bytes */
#define MON_GW_OFF_MS		600000	/* between an off agent's notices */
#define MON_GW_PIECE		65536	/* a read, a contiguous piece */
#define MON_GW_EVREAD		4096	/* libevent's most in one read */
#define MON_GW_OPID_FIELD	"Twinproxy-Operator-ID"
#define MON_GW_REFUSED_FIELD	"Twinproxy-Gateway-Refused"
#define MON_GW_LIMITS_FIELD	"Twinproxy-Gateway-Limits"
#define MON_GW_UPGRADE		"twin-gateway"

/* What an agent is told to open. */
struct mon_gw_order {
	char		 sid[MON_GW_SID_LEN + 1];
	struct addr	 target;
	char		 op[MON_GW_OP_MAX + 1];
	uint64_t	 idle_ms;
	uint64_t	 max_ms;
};

enum mon_gw_kind {
	MON_GW_POLL,
	MON_GW_UP,
	MON_GW_DOWN,
	MON_GW_CONNECT,
	MON_GW_OFF
};

/* A gateway request path, parsed. */
struct mon_gw_path {
	enum mon_gw_kind kind;
	char		 sid[MON_GW_SID_LEN + 1];	/* up, down */
	char		 site[64];			/* connect */
	char		 peer[64];
	struct addr	 target;
};

/* A session's figures, for the log line both ends write. */
struct mon_gw_tally {
	uint64_t	 up;		/* bytes from the target */
	uint64_t	 down;		/* bytes to the target */
	uint64_t	 started;	/* monotonic ms */
};

struct bufferevent;
struct event_base;
struct evbuffer;
struct cfg;
struct mon_center;
struct mon_httpd_req;
struct mon_gw_agent;
struct mon_gw_center;
struct ssl_ctx_st;
struct evdns_base;

/* mon_gw_proto.c */
int		 mon_gw_sid_valid(const char *, size_t);
void		 mon_gw_sid_new(char *);
int		 mon_gw_name_valid(const char *, size_t);
int		 mon_gw_target_parse(const char *, size_t, struct addr *,
		     const char **);
int		 mon_gw_order_parse(const char *, size_t, struct mon_gw_order *,
		     const char **);
int		 mon_gw_limits_parse(const char *, size_t, uint64_t *,
		     uint64_t *);
size_t		 mon_gw_order_encode(const struct mon_gw_order *, char *,
		     size_t);
int		 mon_gw_path_parse(const char *, size_t, struct mon_gw_path *,
		     const char **);
int		 mon_gw_allowed(const struct addr *, const struct addr *,
		     size_t);
int		 mon_gw_opid_match(const char *, size_t, const char *const *,
		     size_t, const char *, const char **);

/* mon_gw_io.c */
void		 mon_gw_chunk(struct evbuffer *, struct evbuffer *);
void		 mon_gw_coalesce(struct evbuffer *, struct evbuffer *);
size_t		 mon_gw_read(struct bufferevent *, struct evbuffer *, size_t);
void		 mon_gw_nodelay(struct bufferevent *);
void		 mon_gw_linger(struct event_base *, struct bufferevent *);
void		 mon_gw_log(const char *, const char *, const char *,
		     const char *, const char *, const struct addr *,
		     const struct mon_gw_tally *, const char *);

/* mon_gw_agent.c: the agent's side, started when gateway is on. */
struct mon_gw_agent_params {
	const struct hostport	*center;
	const struct hostport	*proxies;	/* none: straight there */
	size_t			 nproxy;
	struct ssl_ctx_st	*ctx;
	struct evdns_base	*dns;
	const char		*devid;
	const char		*site;
	const char		*peer;
	const struct addr	*allow;
	size_t			 nallow;
	uint64_t		 idle_ms;
	uint64_t		 max_ms;
	unsigned int		 max_sessions;
	uint64_t		 timeout_ms;	/* connecting, each request */
	int			 off;		/* gateway off: notices only */
};
struct mon_gw_agent *mon_gw_agent_new(struct event_base *,
		     const struct mon_gw_agent_params *);
void		 mon_gw_agent_set(struct mon_gw_agent *,
		     const struct mon_gw_agent_params *);
void		 mon_gw_agent_free(struct mon_gw_agent *);
unsigned int	 mon_gw_agent_sessions(const struct mon_gw_agent *);

/* mon_gw_center.c: the center's side. */
struct mon_gw_center *mon_gw_center_new(struct mon_center *);
void		 mon_gw_center_free(struct mon_gw_center *);
int		 mon_gw_center_agent(void *, const struct mon_httpd_req *,
		     struct bufferevent *);
int		 mon_gw_center_operator(void *, const struct mon_httpd_req *,
		     struct bufferevent *);

/* mon_gw_op.c: the operator's end, twinctl center connect. */
struct mon_gw_op_params {
	const char	*center;	/* host:port of operator-listen */
	const char	*cafile;
	const char	*cert;
	const char	*idfile;
	const char	*site;
	const char	*peer;
	const char	*target;
	int		 in;		/* stdin */
	int		 out;		/* stdout */
};
int		 mon_gw_op_run(const struct mon_gw_op_params *);

#endif
