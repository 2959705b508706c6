/*
 * check.h: health checks of one target (TCP connect, ACV send/expect over
 * TCP, ICMP echo) with rise and fall counts.
 *
 * Two layers: a pure state machine (check_fsm_*, check_fsm.c) that decides
 * when a probe starts, when it has timed out and when the target changes
 * state, on an abstract millisecond clock; and the driver (check_*, check.c)
 * that runs one checker on an event_base with one timer, handing the probes
 * to a kind (check_tcp.c, check_acv.c, check_icmp.c) through struct
 * check_ops.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct bufferevent;
struct event;
struct event_base;
struct evdns_base;
struct check_resolve;
struct ssl_ctx_st;

#define CHECK_REASONLEN		128
#define CHECK_MAXREPLY		16384	/* ACV: reply bytes looked at */

enum check_state {
	CHECK_UNKNOWN = 0,	/* no verdict yet */
	CHECK_UP,
	CHECK_DOWN
};

enum check_kind {
	CHECK_TCP = 0,		/* a TCP connect is accepted */
	CHECK_ACV,		/* send a string, expect one in the reply */
	CHECK_ICMP		/* an ICMP (or ICMPv6) echo is answered */
};

/* The socket an ICMP check uses. */
enum check_icmp_sock {
	CHECK_ICMP_AUTO = 0,	/* ping socket if allowed, else raw */
	CHECK_ICMP_PING,	/* SOCK_DGRAM (net.ipv4.ping_group_range) */
	CHECK_ICMP_RAW		/* SOCK_RAW (CAP_NET_RAW) */
};

/*
 * The state machine's settings. A round starts every <interval> ms (or as
 * soon as the previous one ends, when it took longer) and fails when it has
 * not ended after <timeout> ms. <rise> successes in a row make the target
 * up, <fall> failures in a row make it down; from UNKNOWN, whichever run is
 * complete first decides (with 1 and 1, the first result).
 */
struct check_fsm_params {
	uint64_t		 interval;	/* ms, at least 1 */
	uint64_t		 timeout;	/* ms, at least 1 */
	unsigned int		 rise;		/* at least 1 */
	unsigned int		 fall;		/* at least 1 */
	enum check_state	 initial;
};

/* Called on a change of state, with the reason of the deciding result. */
typedef void	(*check_state_cb)(void *, enum check_state, enum check_state,
		    const char *);

struct check_fsm {
	struct check_fsm_params	 p;
	enum check_state	 state;
	uint64_t		 since;		/* in state since (ms) */
	int			 probing;	/* a round is under way */
	uint64_t		 started;	/* ... since (ms) */
	uint64_t		 due;		/* next round starts (ms) */
	unsigned int		 nok;		/* successes in a row */
	unsigned int		 nfail;		/* failures in a row */
	int			 last;		/* last result: -1 none, 0, 1 */
	uint64_t		 rounds;
	uint64_t		 failures;
	uint64_t		 transitions;
	char			 reason[CHECK_REASONLEN]; /* last result */
	check_state_cb		 cb;
	void			*arg;
};

/*
 * A stream for ACV over a connected TCP socket: plain (NULL transport) or,
 * later, TLS. open() gets the connected socket <fd>, which it owns from
 * then on, and the name the target was asked for by (NULL for a literal
 * address, else for SNI and certificate checks); it returns a bufferevent
 * that closes <fd> when freed, or closes <fd> itself and returns NULL with
 * <why> filled. A TLS transport returns bufferevent_openssl_socket_new(...,
 * BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE) over an SSL from its
 * SSL_CTX (<arg>): ACV queues its string at once and only reads the reply,
 * so it needs nothing else, and its reasons name the transport. error(),
 * if set, may replace the reason a stream of the transport failed with a
 * better one (a certificate that did not verify, an alert received). The
 * transport must outlive the checkers that use it. check_tls_new() makes
 * the TLS transport of lib/tls client contexts (check_tls.c).
 */
struct check_transport {
	const char		*name;		/* "tls", in reasons */
	struct bufferevent	*(*open)(void *, struct event_base *, int,
				    const char *, char *, size_t);
	void			(*error)(void *, struct bufferevent *, char *,
				    size_t);
	void			*arg;
};

/* What a checker does; check_new() copies everything it keeps. */
struct check_conf {
	enum check_kind		 kind;
	const char		*name;		/* for logs; NULL: the target */
	struct addr		 addr;		/* target; port for TCP, ACV */
	const char		*host;		/* or a name, resolved */
	uint16_t		 port;		/* ... with this port */
	struct addr		 source;	/* af 0: chosen by the kernel */
	struct check_fsm_params	 fsm;
	/* ACV */
	const void		*send;
	size_t			 sendlen;
	const void		*expect;	/* must not be empty */
	size_t			 expectlen;
	size_t			 maxreply;	/* 0: CHECK_MAXREPLY */
	const struct check_transport *transport;	/* NULL: plain TCP */
	/* ICMP */
	enum check_icmp_sock	 icmp_sock;
	/* Called with every result (ok 0 or 1); may be NULL. */
	void			(*result_cb)(void *, int, const char *);
};

struct check;

/*
 * A kind of check. start() begins one probe at <target> and reports it
 * with check_done(), possibly before returning; expire() describes a probe
 * that ran out of time; stop() drops whatever a probe under way holds (it
 * is called after every probe, and must be safe when none is under way).
 */
struct check_ops {
	const char		*name;
	int			 (*init)(struct check *,
				    const struct check_conf *, char **);
	void			 (*start)(struct check *, const struct addr *);
	void			 (*expire)(struct check *, uint64_t, char *,
				    size_t);
	void			 (*stop)(struct check *);
	void			 (*free)(struct check *);
};

/* For the kind files only: the driver's state of one checker. */
struct check {
	struct event_base	*base;
	struct evdns_base	*dns;
	const struct check_ops	*ops;
	char			*name;
	struct addr		 addr;
	char			*host;
	uint16_t		 port;
	struct addr		 source;
	struct check_fsm	 fsm;
	struct event		*timer;		/* the one timer of a round */
	struct check_resolve	*resolve;	/* a name lookup under way */
	int			 fd;		/* TCP: a connect under way */
	struct event		*conn_ev;
	void			(*connected)(struct check *, int);
	void			*kind;		/* the kind's own state */
	int			 running;
	void			(*result_cb)(void *, int, const char *);
	void			*arg;
};

/* check_fsm.c */
void		 check_fsm_init(struct check_fsm *,
		     const struct check_fsm_params *, check_state_cb, void *,
		     uint64_t);
int		 check_fsm_tick(struct check_fsm *, uint64_t);
int		 check_fsm_expired(const struct check_fsm *, uint64_t);
void		 check_fsm_result(struct check_fsm *, int, const char *,
		     uint64_t);
void		 check_fsm_timeout(struct check_fsm *, uint64_t);
void		 check_fsm_cancel(struct check_fsm *, uint64_t);
uint64_t	 check_fsm_next(const struct check_fsm *);
const char	*check_state_name(enum check_state);

/* check.c */
uint64_t	 check_now(void);
struct check	*check_new(struct event_base *, struct evdns_base *,
		     const struct check_conf *, check_state_cb, void *,
		     char **);
void		 check_free(struct check *);
void		 check_start(struct check *);
void		 check_stop(struct check *);
enum check_state check_state(const struct check *);
const char	*check_reason(const struct check *);
const char	*check_name(const struct check *);
const struct check_fsm *check_get_fsm(const struct check *);
void		 check_done(struct check *, int, const char *);
int		 check_bind(struct check *, int, char *, size_t);
void		 check_errstr(int, const char *, char *, size_t);

/* What an echo reply must carry to be the answer to our request. */
#define CHECK_ICMP_HDRLEN	8
#define CHECK_ICMP_PKTLEN	(CHECK_ICMP_HDRLEN + 16) /* cookie, time */

struct check_icmp_echo {
	struct addr		 target;
	int			 iphdr;		/* IPv4 raw: IP header first */
	uint16_t		 id;
	uint16_t		 seq;
	unsigned char		 cookie[8];
};

/* check_icmp_pkt.c */
void		 check_icmp_request(const struct check_icmp_echo *,
		     uint64_t, unsigned char *);
int		 check_icmp_reply(const struct check_icmp_echo *,
		     const unsigned char *, size_t, const struct addr *);

/* check_tls.c */
struct check_transport *check_tls_new(struct ssl_ctx_st *, const char *);
void		 check_tls_free(struct check_transport *);

/* check_tcp.c, check_acv.c, check_icmp.c */
extern const struct check_ops check_tcp_ops;
extern const struct check_ops check_acv_ops;
extern const struct check_ops check_icmp_ops;

void		 check_tcp_connect(struct check *, const struct addr *,
		     void (*)(struct check *, int));
void		 check_tcp_cancel(struct check *);

#endif
