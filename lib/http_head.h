/*
 * http_head.h: the head writer. Every head a daemon passes on (a request
 * to an origin, a response to a client, a stored response, a request it
 * makes itself) is written here: hop-by-hop fields removed, Via and
 * X-Forwarded-For added or extended, the framing and the Connection field
 * set, in one place.
 */
#ifndef HTTP_HEAD_H
#define HTTP_HEAD_H

#include <stddef.h>

struct evbuffer;
struct http_header;
struct http_msg;

/* What to do with X-Forwarded-For. */
enum http_xff {
	HTTP_XFF_KEEP,		/* pass on as received */
	HTTP_XFF_APPEND,	/* add the client's address */
	HTTP_XFF_DELETE		/* remove */
};

/* The Connection field of a head. */
enum http_conn {
	HTTP_CONN_NONE,		/* none: HTTP/1.1 persists by default */
	HTTP_CONN_CLOSE,	/* "close" */
	HTTP_CONN_KEEP		/* "keep-alive", for an HTTP/1.0 peer */
};

struct http_head_opts {
	const char	*via;		/* our Via entry, NULL: no Via */
	int		 version;	/* received as, for Via: 10 or 11 */
	enum http_xff	 xff;
	const char	*client;	/* for X-Forwarded-For */
	/* An element to add to Forwarded (RFC 7239), NULL: none. */
	const char	*forwarded;
	long		 max_forwards;	/* >= 0: replaces Max-Forwards */
	const char	*host;		/* Host to add if none, or NULL */
	size_t		 host_len;
	/* More fields never passed on (lower case, NULL-terminated). */
	const char *const *drop;
};

/* Append the origin-form request line of m ("GET /p?q HTTP/1.1"). */
void	http_head_request_line(struct evbuffer *, const struct http_msg *);
/*
 * Append the status line of m with its own reason phrase, or the code's
 * (http_status.h) when it has none.
 */
void	http_head_status_line(struct evbuffer *, const struct http_msg *);
/*
 * Append the fields h[0..n) that go on to the next hop: without the
 * hop-by-hop ones (the fixed set and those Connection names) and
 * o->drop, with Max-Forwards replaced, our Via entry appended to the
 * last Via field (or a Via field added), X-Forwarded-For as o->xff
 * says, o->forwarded appended to the last Forwarded field (or one
 * added), and Host added when o->host is set and none was given.
 */
void	http_head_fields(struct evbuffer *, const struct http_header *,
	    size_t, const struct http_head_opts *);
/* The Connection field for a peer of <version>, closing or not. */
enum http_conn http_head_conn(int, int);
/*
 * End a head: "Transfer-Encoding: chunked" with <chunked>, the
 * Connection field, and the empty line.
 */
void	http_head_end(struct evbuffer *, int, enum http_conn);

#endif
