/* http_body.c: the body mover and the early chunk check. */
#include <string.h>

#include "ev.h"
#include "flow.h"
#include "http_body.h"
#include "http_field.h"

/* Chunks of a buffer looked at per pass. */
#define HTTP_BODY_IOV	8

static int	http_body_chunked(struct http_body *, struct evbuffer *,
		    struct evbuffer *, size_t *);
static int	http_body_dechunk(struct http_body *, struct evbuffer *,
		    struct evbuffer *, size_t *);
static int	http_body_trailers(struct http_body *, struct evbuffer *,
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
		/* Chunks pass verbatim; trailers are rewritten. */
		b->ch.stop_trailers = !dechunk;
		break;
	case HTTP_BODY_CLOSE:
		b->state = HTTP_MOVE_CLOSE;
		break;
	default:
		b->state = HTTP_MOVE_DONE;
		break;
	}
}

/*
 * Pass whole chunks on verbatim, up to the trailer section, which
 * http_body_trailers() passes on.
 */
static int
http_body_chunked(struct http_body *b, struct evbuffer *src,
    struct evbuffer *dst, size_t *moved)
{
	struct evbuffer_iovec	 v[HTTP_BODY_IOV];
	size_t			 take = 0, consumed;
	int			 i, nv, rv = HTTP_MORE;

	if (!http_chunked_in_trailers(&b->ch)) {
		nv = evbuffer_peek(src, -1, NULL, v, HTTP_BODY_IOV);
		for (i = 0; i < nv && i < HTTP_BODY_IOV && rv == HTTP_MORE;
		    i++) {
			rv = http_chunked_feed(&b->ch, v[i].iov_base,
			    v[i].iov_len, &consumed, NULL, NULL);
			take += consumed;
			if (http_chunked_in_trailers(&b->ch))
				break;
		}
		if (rv == HTTP_ERROR)
			return (-1);
		evbuffer_remove_buffer(src, dst, take);
		*moved = take;
		if (rv == HTTP_DONE) {
			b->state = HTTP_MOVE_DONE;
			return (0);
		}
		if (!http_chunked_in_trailers(&b->ch))
			return (0);
		b->tfed = 0;
	}
	return (http_body_trailers(b, src, dst, moved));
}

/*
 * The trailer section: validated as its bytes come (each fed once), and
 * passed on once it is whole (the validator bounds it by max_head),
 * without the fields a trailer may not carry (http_field.h), which a
 * recipient merging trailers into the head would otherwise take.
 */
static int
http_body_trailers(struct http_body *b, struct evbuffer *src,
    struct evbuffer *dst, size_t *moved)
{
	struct evbuffer_iovec	 v[HTTP_BODY_IOV];
	struct evbuffer_ptr	 ptr;
	const char		*p, *line, *end, *eol, *colon;
	size_t			 consumed, n;
	int			 i, nv, rv = HTTP_MORE;

	while (rv == HTTP_MORE && b->tfed < evbuffer_get_length(src)) {
		if (evbuffer_ptr_set(src, &ptr, b->tfed,
		    EVBUFFER_PTR_SET) == -1 ||
		    (nv = evbuffer_peek(src, -1, &ptr, v, HTTP_BODY_IOV)) <= 0)
			break;
		for (i = 0; i < nv && i < HTTP_BODY_IOV && rv == HTTP_MORE;
		    i++) {
			rv = http_chunked_feed(&b->ch, v[i].iov_base,
			    v[i].iov_len, &consumed, NULL, NULL);
			b->tfed += consumed;
		}
	}
	if (rv == HTTP_ERROR)
		return (-1);
	if (rv != HTTP_DONE)
		return (0);
	if ((p = (const char *)evbuffer_pullup(src, b->tfed)) == NULL) {
		b->ch.error = "out of memory";
		return (-1);
	}
	/* Valid: every line is "name:value" CRLF, the last one empty. */
	end = p + b->tfed;
	for (line = p; (eol = memmem(line, end - line, "\r\n", 2)) != NULL &&
	    eol != line; line = eol + 2) {
		n = (size_t)(eol - line) + 2;
		colon = memchr(line, ':', n);
		if (colon != NULL &&
		    http_trailer_forbidden(line, (size_t)(colon - line)))
			continue;
		evbuffer_add(dst, line, n);
		*moved += n;
	}
	evbuffer_add(dst, "\r\n", 2);
	*moved += 2;
	evbuffer_drain(src, b->tfed);
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
	ch.stop_trailers = 0;
	nv = evbuffer_peek(src, -1, NULL, v, HTTP_BODY_IOV);
	for (i = 0; i < nv && i < HTTP_BODY_IOV && rv == HTTP_MORE; i++)
		rv = http_chunked_feed(&ch, v[i].iov_base, v[i].iov_len,
		    &consumed, NULL, NULL);
	return (rv == HTTP_ERROR ? ch.error : NULL);
}
