/*
 * relay.h: a relay joins two bufferevents, A and B, both ways: what one
 * sends goes to the other, with backpressure (flow.h), an idle timeout,
 * byte counts and one done callback that says why it ended.
 *
 * Between two plain sockets the relay reads each socket itself, io_max
 * at a time (a bufferevent reads 4 KiB), and once nothing is queued in
 * the destination's bufferevent, splice(2) moves the bytes through a
 * pipe inside the kernel. When either end is TLS (a bufferevent_openssl,
 * or any filtered bufferevent), or the caller asks for it, bytes are
 * copied through the bufferevents' own buffers instead. Either way, a
 * direction's source is not read while its destination's output is
 * above the high-water mark.
 *
 * While it runs, the relay owns both bufferevents' callbacks; relay_free()
 * gives back the ones they had. The bufferevents stay the caller's.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct bufferevent;
struct event_base;
struct relay;

struct relay_conf {
	size_t			 io_max;	/* largest read or splice */
	struct flow_limits	 flow;
	uint64_t		 idle_ms;	/* both ways silent: end */
	uint64_t		 stall_ms;	/* a peer takes nothing */
	int			 copy;		/* never splice */
	uint64_t		*count[2];	/* live totals, or NULL */
};

/*
 * Why a relay ended. A closing (EOF) ends it once what A sent has been
 * delivered to B. B closing ends it at once: what B sent is queued in
 * A's output, for the caller to flush before it closes A.
 */
enum relay_end {
	RELAY_END_A_EOF,
	RELAY_END_B_EOF,
	RELAY_END_IDLE,		/* both silent for idle_ms */
	RELAY_END_A_STALLED,	/* A stopped reading */
	RELAY_END_B_STALLED,
	RELAY_END_A_ERROR,
	RELAY_END_B_ERROR,
	RELAY_END_NOMEM
};

/*
 * Called once, when the relay ends; it may free the relay and both
 * bufferevents, and the relay does nothing more after it returns.
 */
typedef void	(*relay_done_cb)(struct relay *, enum relay_end, void *);

/*
 * Start relaying between <a> and <b>; what their input buffers hold
 * already goes first. NULL when out of memory (nothing changed then).
 */
struct relay	*relay_new(struct event_base *, struct bufferevent *,
		    struct bufferevent *, const struct relay_conf *,
		    relay_done_cb, void *);
/* Stop, and give the bufferevents their own callbacks back. */
void		 relay_free(struct relay *);
/* Bytes read from A (dir 0, sent to B) or from B (dir 1). */
uint64_t	 relay_bytes(const struct relay *, int);
/* Whether the relay copies rather than splices. */
int		 relay_copying(const struct relay *);
/* Whether a bufferevent is a plain socket the relay may read itself. */
int		 relay_plain(struct bufferevent *);
const char	*relay_end_str(enum relay_end);

#endif
