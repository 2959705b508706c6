/*
 * flow.h: backpressure, the one rule every path that writes to a peer
 * follows: while the peer's output holds <high> bytes or more, stop
 * reading the side that feeds it; once the output has drained to <low>,
 * the peer's write callback (armed by flow_watch()) resumes it. Relays,
 * body movers, cache hits and pages a daemon makes itself all pass their
 * output through here, so no peer can grow a buffer without bound.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>

struct bufferevent;
struct evbuffer;

struct flow_limits {
	size_t		 high;	/* stop reading the source at this */
	size_t		 low;	/* the write callback runs at this */
};

/* 256 KiB high, 64 KiB low. */
#define FLOW_LIMITS_DEFAULT	{ 256 * 1024, 64 * 1024 }

/* Arm <dst>'s write callback for when its output drains to low. */
void	flow_watch(struct bufferevent *, const struct flow_limits *);
/* Whether an output buffer is at or above the high-water mark. */
int	flow_full(struct evbuffer *, const struct flow_limits *);
/*
 * After writing to <out>: if it is full, stop reading <src> (which may
 * be NULL when the daemon makes the bytes itself) and return 1; else 0.
 */
int	flow_gate(struct bufferevent *, struct evbuffer *,
	    const struct flow_limits *);
/* From the write callback: read <src> again. */
void	flow_resume(struct bufferevent *);
/*
 * The same rule for what a peer sends ahead (pipelined requests waiting
 * for the one in progress): stop reading <src> while its own input holds
 * <cap> bytes or more, and return 1. Whoever takes the input reads it
 * again (flow_resume()).
 */
int	flow_hold(struct bufferevent *, size_t);
/*
 * The same, left to libevent, for a bufferevent whose callbacks are not
 * ours (evhttp's): it reads <src> only while its input is below <cap>.
 */
void	flow_cap_input(struct bufferevent *, size_t);

#endif
