/* http_body.c: the body mover and the early chunk check. */
#include <string.h>

#include "ev.h"
#include "flow.h"
#include "http_body.h"

/* Chunks of a buffer looked at per pass. */
#define HTTP_BODY_IOV	8

static int	http_body_chunked(struct http_body *, struct evbuffer *,
		    struct evbuffer *, size_t *);
static int	http_body_dechunk(struct http_body *, struct evbuffer *,
		    struct evbuffer *, size_t *);

/* Set a body up from a head's framing. */
void
http_body_init(struct http_body *b, enum http_framing framing,
    uint64_t length, int dechunk, const struct http_limits *lim)
{
	memset(b, 0, sizeof *b);
	switch (framing) {
	case HTTP_BODY_LENGTH:
		b->state = length > 0 ? HTTP_MOVE_LENGTH : HTTP_MOVE_DONE;
		b->left = length;
		break;
	case HTTP_BODY_CHUNKED:
		b->state = dechunk ? HTTP_MOVE_DECHUNK : HTTP_MOVE_CHUNKED;
		http_chunked_init(&b->ch, lim);
		break;
	case HTTP_BODY_CLOSE:
		b->state = HTTP_MOVE_CLOSE;
		break;
	default:
		b->state = HTTP_MOVE_DONE;
		break;
	}
}

/* Pass whole chunks on verbatim, up to the end of the body. */
static int
http_body_chunked(struct http_body *b, struct evbuffer *src,
    struct evbuffer *dst, size_t *moved)
{
	struct evbuffer_iovec	 v[HTTP_BODY_IOV];
	size_t			 take = 0, consumed;
	int			 i, nv, rv = HTTP_MORE;

	nv = evbuffer_peek(src, -1, NULL, v, HTTP_BODY_IOV);
	for (i = 0; i < nv && i < HTTP_BODY_IOV && rv == HTTP_MORE; i++) {
		rv = http_chunked_feed(&b->ch, v[i].iov_base, v[i].iov_len,
		    &consumed, NULL, NULL);
		take += consumed;
	}
	if (rv == HTTP_ERROR)
		return (-1);
	evbuffer_remove_buffer(src, dst, take);
	*moved = take;
	if (rv == HTTP_DONE)
		b->state = HTTP_MOVE_DONE;
	return (0);
}

/* Pass the chunk data alone on, up to the end of the body. */
static int
http_body_dechunk(struct http_body *b, struct evbuffer *src,
    struct evbuffer *dst, size_t *moved)
{
	struct evbuffer_iovec	 v[HTTP_BODY_IOV];
	size_t			 take = 0, consumed, off, doff, dlen;
	int			 i, nv, rv = HTTP_MORE;

	nv = evbuffer_peek(src, -1, NULL, v, HTTP_BODY_IOV);
	for (i = 0; i < nv && i < HTTP_BODY_IOV && rv == HTTP_MORE; i++) {
		off = 0;
		while (off < v[i].iov_len) {
			rv = http_chunked_feed(&b->ch,
			    (char *)v[i].iov_base + off, v[i].iov_len - off,
			    &consumed, &doff, &dlen);
			if (rv == HTTP_ERROR)
				return (-1);
			if (dlen > 0) {
				evbuffer_add(dst, (char *)v[i].iov_base + off +
				    doff, dlen);
				*moved += dlen;
			}
			off += consumed;
			take += consumed;
			if (rv == HTTP_DONE || consumed == 0)
				break;
		}
	}
	evbuffer_drain(src, take);
	if (rv == HTTP_DONE)
		b->state = HTTP_MOVE_DONE;
	return (0);
}

/* Move body bytes from src to dst as the framing allows. */
int
http_body_move(struct http_body *b, struct evbuffer *src,
    struct evbuffer *dst, size_t *moved)
{
	size_t	len, take;

	*moved = 0;
	len = evbuffer_get_length(src);
	switch (b->state) {
	case HTTP_MOVE_DONE:
		return (0);
	case HTTP_MOVE_LENGTH:
		take = len < b->left ? len : b->left;
		evbuffer_remove_buffer(src, dst, take);
		b->left -= take;
		*moved = take;
		if (b->left == 0)
			b->state = HTTP_MOVE_DONE;
		return (0);
	case HTTP_MOVE_CLOSE:
		evbuffer_remove_buffer(src, dst, len);
		*moved = len;
		return (0);
	case HTTP_MOVE_CHUNKED:
		return (http_body_chunked(b, src, dst, moved));
	case HTTP_MOVE_DECHUNK:
		return (http_body_dechunk(b, src, dst, moved));
	}
	return (0);
}

/* Move from one bufferevent to the other, with backpressure. */
int
http_body_relay(struct http_body *b, struct bufferevent *src,
    struct bufferevent *dst, const struct flow_limits *fl, size_t *moved)
{
	struct evbuffer	*out = bufferevent_get_output(dst);

	if (http_body_move(b, bufferevent_get_input(src), out, moved) == -1)
		return (-1);
	if (b->state != HTTP_MOVE_DONE)
		flow_gate(src, out, fl);
	return (0);
}

/* Validate the chunked bytes already in src, taking none. */
const char *
http_body_check(const struct http_body *b, struct evbuffer *src)
{
	struct evbuffer_iovec	 v[HTTP_BODY_IOV];
	struct http_chunked	 ch;
	size_t			 consumed;
	int			 i, nv, rv = HTTP_MORE;

	if (b->state != HTTP_MOVE_CHUNKED && b->state != HTTP_MOVE_DECHUNK)
		return (NULL);
	ch = b->ch;
	nv = evbuffer_peek(src, -1, NULL, v, HTTP_BODY_IOV);
	for (i = 0; i < nv && i < HTTP_BODY_IOV && rv == HTTP_MORE; i++)
		rv = http_chunked_feed(&ch, v[i].iov_base, v[i].iov_len,
		    &consumed, NULL, NULL);
	return (rv == HTTP_ERROR ? ch.error : NULL);
}
