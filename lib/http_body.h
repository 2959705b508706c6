/*
 * http_body.h: moving a message body from one buffer to another as its
 * framing allows: a length, chunks passed on verbatim (validated), chunks
 * de-chunked for an HTTP/1.0 peer, or everything until the sender closes.
 * Bodies stream: nothing is held beyond what the buffers already hold.
 */
#ifndef HTTP_BODY_H
#define HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct bufferevent;
struct evbuffer;
struct flow_limits;

/* How far a body has come. */
enum http_move {
	HTTP_MOVE_DONE,		/* nothing (more) to move */
	HTTP_MOVE_LENGTH,	/* counting down left */
	HTTP_MOVE_CHUNKED,	/* passing chunks through to the last one */
	HTTP_MOVE_DECHUNK,	/* de-chunking (for an HTTP/1.0 peer) */
	HTTP_MOVE_CLOSE		/* until the sender closes */
};

struct http_body {
	enum http_move		 state;
	uint64_t		 left;		/* HTTP_MOVE_LENGTH */
	struct http_chunked	 ch;		/* chunked states */
	size_t			 tfed;		/* trailer bytes validated */
};

/*
 * Set a body up from the framing of a parsed head: <dechunk> asks for
 * chunks to be decoded rather than passed on. lim may be NULL.
 */
void	http_body_init(struct http_body *, enum http_framing, uint64_t, int,
	    const struct http_limits *);
/*
 * Move what src holds of the body to dst: up to left for a length, up
 * to the end of the last chunk for chunked (chunks verbatim, the trailer
 * section once whole, without the fields RFC 9110 section 6.5.1 keeps
 * out of trailers), the chunk data alone for de-chunking, everything
 * until close. *moved counts what dst got.
 * Returns -1 on a chunked syntax error (b->ch.error says which), else 0;
 * the state becomes HTTP_MOVE_DONE at the end of the body.
 */
int	http_body_move(struct http_body *, struct evbuffer *, struct evbuffer *,
	    size_t *);
/*
 * The same from src's input to dst's output, then stop reading src
 * while dst's output is full (flow.h). As http_body_move().
 */
int	http_body_relay(struct http_body *, struct bufferevent *,
	    struct bufferevent *, const struct flow_limits *, size_t *);
/*
 * Validate the chunked body bytes src holds already, without taking
 * them, so a smuggled message sent in one piece is refused before any
 * byte goes on. Returns the reason of a syntax error, else NULL.
 */
const char *http_body_check(const struct http_body *, struct evbuffer *);

#endif
