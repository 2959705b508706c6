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
 * Queue all of <buf> (emptied) after what <dst>'s output holds. A large
 * answer (<low> bytes or more) finding that output empty goes to the
 * socket at once: what the kernel takes leaves in this call, without
 * waiting for the next turn of the loop, and only the rest is queued,
 * where the high-water mark applies as to any write. Small answers are
 * queued, to leave together with the others of the same turn. Only a
 * plain socket is written to directly; TLS output is just queued.
 * Returns the bytes sent at once.
 */
size_t	flow_send(struct bufferevent *, struct evbuffer *,
	    const struct flow_limits *);

#endif
