/*
 * http_head.c: writing the heads a daemon passes on.
 *
 * This runs twice for every request a proxy forwards (the request to the
 * origin, the response to the client), so it avoids what made it costly:
 * each field is named once (a table lookup by length, not a compare with
 * every special name), the names listed in Connection fields are
 * collected once per head (not searched again for every field), and the
 * lines are gathered in a local buffer and added to the output in one
 * piece (every evbuffer_add() runs the output's callbacks), without
 * printf.
 */
#include <string.h>

#include "ev.h"
#include "http.h"
#include "http_field.h"
#include "http_head.h"
#include "http_status.h"

/* The field names the writer acts on. */
enum http_head_name {
	HEAD_OTHER,
	HEAD_HOP,		/* the fixed hop-by-hop set */
	HEAD_CONNECTION,	/* hop-by-hop too, and lists more */
	HEAD_VIA,
	HEAD_XFF,
	HEAD_FORWARDED,
	HEAD_MAX_FORWARDS,
	HEAD_HOST,
	HEAD_CONTENT_LENGTH	/* never hop-by-hop, even when listed */
};

static const struct {
	const char		*name;
	size_t			 len;
	enum http_head_name	 kind;
} http_head_names[] = {
	{ "te", 2, HEAD_HOP },
	{ "via", 3, HEAD_VIA },
	{ "host", 4, HEAD_HOST },
	{ "trailer", 7, HEAD_HOP },
	{ "upgrade", 7, HEAD_HOP },
	{ "forwarded", 9, HEAD_FORWARDED },
	{ "connection", 10, HEAD_CONNECTION },
	{ "keep-alive", 10, HEAD_HOP },
	{ "max-forwards", 12, HEAD_MAX_FORWARDS },
	{ "content-length", 14, HEAD_CONTENT_LENGTH },
	{ "x-forwarded-for", 15, HEAD_XFF },
	{ "proxy-connection", 16, HEAD_HOP },
	{ "transfer-encoding", 17, HEAD_HOP },
	{ "proxy-authenticate", 18, HEAD_HOP },
	{ "proxy-authorization", 19, HEAD_HOP }
};
#define HEAD_NNAMES	(sizeof http_head_names / sizeof http_head_names[0])

/* Names listed by Connection fields kept at hand; more: search them. */
#define HEAD_LISTED	16

/* A head being written: lines gathered before they go to out. */
struct http_head_buf {
	struct evbuffer	*out;
	size_t		 len;
	char		 b[4096];
};

static enum http_head_name http_head_name(const struct http_header *);
static void	http_head_add(struct http_head_buf *, const void *, size_t);
static void	http_head_flush(struct http_head_buf *);
static void	http_head_num(struct http_head_buf *, unsigned long);
static void	http_head_field(struct http_head_buf *,
		    const struct http_header *);
static void	http_head_via(struct http_head_buf *,
		    const struct http_head_opts *);

/* Name a field. */
static enum http_head_name
http_head_name(const struct http_header *f)
{
	size_t	i;

	for (i = 0; i < HEAD_NNAMES && http_head_names[i].len <= f->name_len;
	    i++)
		if (http_head_names[i].len == f->name_len &&
		    http_caseeq(f->name, f->name_len, http_head_names[i].name,
		    http_head_names[i].len))
			return (http_head_names[i].kind);
	return (HEAD_OTHER);
}

/* Add bytes to a head; a piece larger than the buffer goes straight on. */
static void
http_head_add(struct http_head_buf *hb, const void *p, size_t len)
{
	if (hb->len + len > sizeof hb->b) {
		http_head_flush(hb);
		if (len > sizeof hb->b) {
			evbuffer_add(hb->out, p, len);
			return;
		}
	}
	memcpy(hb->b + hb->len, p, len);
	hb->len += len;
}

/* Pass what was gathered on to the output. */
static void
http_head_flush(struct http_head_buf *hb)
{
	if (hb->len > 0)
		evbuffer_add(hb->out, hb->b, hb->len);
	hb->len = 0;
}

/* Add a number in decimal. */
static void
http_head_num(struct http_head_buf *hb, unsigned long v)
{
	char	d[HTTP_DECIMAL_MAX], *p = http_decimal(d, v);

	http_head_add(hb, p, (size_t)(d + sizeof d - p));
}

/* Add one field line as received. */
static void
http_head_field(struct http_head_buf *hb, const struct http_header *f)
{
	http_head_add(hb, f->name, f->name_len);
	http_head_add(hb, ": ", 2);
	http_head_add(hb, f->value, f->value_len);
	http_head_add(hb, "\r\n", 2);
}

/* Add our Via entry: "1.1 name". */
static void
http_head_via(struct http_head_buf *hb, const struct http_head_opts *o)
{
	char	v[4];

	v[0] = '0' + o->version / 10 % 10;
	v[1] = '.';
	v[2] = '0' + o->version % 10;
	v[3] = ' ';
	http_head_add(hb, v, 4);
	http_head_add(hb, o->via, strlen(o->via));
}

/* Append the origin-form request line. */
void
http_head_request_line(struct evbuffer *out, const struct http_msg *m)
{
	struct http_head_buf	hb;

	hb.out = out;
	hb.len = 0;
	http_head_add(&hb, m->method_str, m->method_len);
	http_head_add(&hb, " ", 1);
	http_head_add(&hb, m->path, m->path_len);
	http_head_add(&hb, m->query, m->query_len);
	http_head_add(&hb, " HTTP/1.1\r\n", 11);
	http_head_flush(&hb);
}

/*
 * Append a relayed status line: the origin's reason phrase, or the
 * code's own when the origin sent none ("HTTP/1.1 204"). The heads on
 * every request's path are written in pieces, not through printf, which
 * costs more than the rest of the head.
 */
void
http_head_status_line(struct evbuffer *out, const struct http_msg *m)
{
	struct http_head_buf	 hb;
	const char		*reason;

	hb.out = out;
	hb.len = 0;
	http_head_add(&hb, "HTTP/1.1 ", 9);
	http_head_num(&hb, m->code < 0 ? 0 : (unsigned long)m->code);
	http_head_add(&hb, " ", 1);
	if (m->reason_len > 0)
		http_head_add(&hb, m->reason, m->reason_len);
	else {
		reason = http_status_reason(m->code);
		http_head_add(&hb, reason, strlen(reason));
	}
	http_head_add(&hb, "\r\n", 2);
	http_head_flush(&hb);
}

/*
 * Append the fields that go on, rewritten for the next hop. The first
 * pass names every field and finds the last Via, X-Forwarded-For and
 * Forwarded and the names Connection fields list; the second writes.
 */
void
http_head_fields(struct evbuffer *out, const struct http_header *h,
    size_t n, const struct http_head_opts *o)
{
	struct http_head_buf		 hb;
	const struct http_header	*f;
	struct http_list		 l;
	enum http_head_name		 kind[HTTP_MAX_HEADERS], fk;
	const char			*listed[HEAD_LISTED], *el;
	size_t				 listed_len[HEAD_LISTED], elen;
	size_t				 i, k, nlisted = 0;
	size_t				 last_via = n, last_xff = n;
	size_t				 last_fwd = n;
	int				 host = 0, via = 0, xff = 0, fwd = 0;
	int				 overflow = 0, hop;

	hb.out = out;
	hb.len = 0;
	for (i = 0; i < n; i++) {
		f = &h[i];
		fk = http_head_name(f);
		if (i < HTTP_MAX_HEADERS)
			kind[i] = fk;
		switch (fk) {
		case HEAD_VIA:
			last_via = i;
			break;
		case HEAD_XFF:
			last_xff = i;
			break;
		case HEAD_FORWARDED:
			last_fwd = i;
			break;
		case HEAD_CONNECTION:
			http_list_init(&l, f->value, f->value_len,
			    HTTP_LIST_SKIP_EMPTY);
			while (http_list_next(&l, &el, &elen)) {
				if (nlisted == HEAD_LISTED) {
					overflow = 1;
					break;
				}
				listed[nlisted] = el;
				listed_len[nlisted++] = elen;
			}
			break;
		default:
			break;
		}
	}
	for (i = 0; i < n; i++) {
		f = &h[i];
		/* More fields than a parsed head has: named again. */
		fk = i < HTTP_MAX_HEADERS ? kind[i] : http_head_name(f);
		switch (fk) {
		case HEAD_HOP:
		case HEAD_CONNECTION:
			continue;
		case HEAD_HOST:
		case HEAD_CONTENT_LENGTH:
			hop = 0;
			break;
		default:
			if (overflow) {
				hop = http_field_hop(h, n, f->name,
				    f->name_len);
				break;
			}
			for (hop = 0, k = 0; k < nlisted && !hop; k++)
				hop = http_caseeq(listed[k], listed_len[k],
				    f->name, f->name_len);
			break;
		}
		if (hop)
			continue;
		for (k = 0; o->drop != NULL && o->drop[k] != NULL; k++)
			if (http_header_is(f, o->drop[k]))
				break;
		if (o->drop != NULL && o->drop[k] != NULL)
			continue;
		switch (fk) {
		case HEAD_XFF:
			if (o->xff == HTTP_XFF_DELETE)
				continue;
			if (o->xff == HTTP_XFF_APPEND && i == last_xff) {
				http_head_add(&hb, "X-Forwarded-For: ", 17);
				http_head_add(&hb, f->value, f->value_len);
				http_head_add(&hb, ", ", 2);
				http_head_add(&hb, o->client,
				    strlen(o->client));
				http_head_add(&hb, "\r\n", 2);
				xff = 1;
				continue;
			}
			break;
		case HEAD_FORWARDED:
			if (o->forwarded != NULL && i == last_fwd) {
				http_head_add(&hb, "Forwarded: ", 11);
				http_head_add(&hb, f->value, f->value_len);
				http_head_add(&hb, ", ", 2);
				http_head_add(&hb, o->forwarded,
				    strlen(o->forwarded));
				http_head_add(&hb, "\r\n", 2);
				fwd = 1;
				continue;
			}
			break;
		case HEAD_MAX_FORWARDS:
			if (o->max_forwards >= 0) {
				http_head_add(&hb, "Max-Forwards: ", 14);
				http_head_num(&hb, o->max_forwards);
				http_head_add(&hb, "\r\n", 2);
				continue;
			}
			break;
		case HEAD_HOST:
			host = 1;
			break;
		default:
			break;
		}
		/* Ours goes last: the list is in the order of hops. */
		if (o->via != NULL && i == last_via) {
			http_head_add(&hb, "Via: ", 5);
			http_head_add(&hb, f->value, f->value_len);
			http_head_add(&hb, ", ", 2);
			http_head_via(&hb, o);
			http_head_add(&hb, "\r\n", 2);
			via = 1;
			continue;
		}
		http_head_field(&hb, f);
	}
	if (o->host != NULL && !host) {
		http_head_add(&hb, "Host: ", 6);
		http_head_add(&hb, o->host, o->host_len);
		http_head_add(&hb, "\r\n", 2);
	}
	if (o->via != NULL && !via) {
		http_head_add(&hb, "Via: ", 5);
		http_head_via(&hb, o);
		http_head_add(&hb, "\r\n", 2);
	}
	if (o->xff == HTTP_XFF_APPEND && !xff) {
		http_head_add(&hb, "X-Forwarded-For: ", 17);
		http_head_add(&hb, o->client, strlen(o->client));
		http_head_add(&hb, "\r\n", 2);
	}
	if (o->forwarded != NULL && !fwd) {
		http_head_add(&hb, "Forwarded: ", 11);
		http_head_add(&hb, o->forwarded, strlen(o->forwarded));
		http_head_add(&hb, "\r\n", 2);
	}
	http_head_flush(&hb);
}

/* Choose the Connection field for a peer. */
enum http_conn
http_head_conn(int version, int close)
{
	if (close)
		return (HTTP_CONN_CLOSE);
	return (version < 11 ? HTTP_CONN_KEEP : HTTP_CONN_NONE);
}

/* End a head with its framing and Connection field. */
void
http_head_end(struct evbuffer *out, int chunked, enum http_conn conn)
{
	if (chunked)
		evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
	if (conn == HTTP_CONN_CLOSE)
		evbuffer_add(out, "Connection: close\r\n", 19);
	else if (conn == HTTP_CONN_KEEP)
		evbuffer_add(out, "Connection: keep-alive\r\n", 24);
	evbuffer_add(out, "\r\n", 2);
}
