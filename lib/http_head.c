/* http_head.c: writing the heads a daemon passes on. */
#include <string.h>

#include "ev.h"
#include "http.h"
#include "http_field.h"
#include "http_head.h"
#include "http_status.h"

static int	http_head_dropped(const struct http_header *, size_t,
		    const struct http_header *, const struct http_head_opts *);
static void	http_head_field(struct evbuffer *, const struct http_header *);
static void	http_head_list(struct evbuffer *, const char *,
		    const struct http_header *, const char *, const char *,
		    size_t);
static void	http_head_version(char *, int);
static size_t	http_head_last(const struct http_header *, size_t,
		    const char *);

/* Append the origin-form request line. */
void
http_head_request_line(struct evbuffer *out, const struct http_msg *m)
{
	evbuffer_add(out, m->method_str, m->method_len);
	evbuffer_add(out, " ", 1);
	evbuffer_add(out, m->path, m->path_len);
	evbuffer_add(out, m->query, m->query_len);
	evbuffer_add(out, " HTTP/1.1\r\n", 11);
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
	char	code[13] = "HTTP/1.1 000 ";
	int	c = m->code;

	if (m->reason_len == 0) {
		http_status_line(out, m->code);
		return;
	}
	if (c < 100 || c > 999) {	/* the parser allows 100-599 */
		evbuffer_add_printf(out, "HTTP/1.1 %d %.*s\r\n", m->code,
		    (int)m->reason_len, m->reason);
		return;
	}
	code[9] = '0' + c / 100;
	code[10] = '0' + c / 10 % 10;
	code[11] = '0' + c % 10;
	evbuffer_add(out, code, sizeof code);
	evbuffer_add(out, m->reason, m->reason_len);
	evbuffer_add(out, "\r\n", 2);
}

/* "1.1 " for version 11, into <v> (5 bytes with the NUL). */
static void
http_head_version(char *v, int version)
{
	v[0] = '0' + version / 10 % 10;
	v[1] = '.';
	v[2] = '0' + version % 10;
	v[3] = ' ';
	v[4] = '\0';
}

/*
 * Append the field line "<name>: [<f's value>, ]<pre><add>\r\n": a list
 * field <f> (NULL: none yet) with one element more.
 */
static void
http_head_list(struct evbuffer *out, const char *name,
    const struct http_header *f, const char *pre, const char *add,
    size_t addlen)
{
	evbuffer_add(out, name, strlen(name));
	evbuffer_add(out, ": ", 2);
	if (f != NULL) {
		evbuffer_add(out, f->value, f->value_len);
		evbuffer_add(out, ", ", 2);
	}
	if (pre != NULL)
		evbuffer_add(out, pre, strlen(pre));
	evbuffer_add(out, add, addlen);
	evbuffer_add(out, "\r\n", 2);
}

/* Append one field line as received. */
static void
http_head_field(struct evbuffer *out, const struct http_header *f)
{
	struct iovec	v[HTTP_FIELD_IOV];
	int		i;

	http_field_iov(f, v);
	for (i = 0; i < HTTP_FIELD_IOV; i++)
		evbuffer_add(out, v[i].iov_base, v[i].iov_len);
}

/* Return the index of the last field named name, or n. */
static size_t
http_head_last(const struct http_header *h, size_t n, const char *name)
{
	size_t	i, last = n;

	for (i = 0; i < n; i++)
		if (http_header_is(&h[i], name))
			last = i;
	return (last);
}

/* Tell whether field f of h[0..n) stops at this hop. */
static int
http_head_dropped(const struct http_header *h, size_t n,
    const struct http_header *f, const struct http_head_opts *o)
{
	size_t	i;

	if (http_field_hop(h, n, f->name, f->name_len))
		return (1);
	for (i = 0; o->drop != NULL && o->drop[i] != NULL; i++)
		if (http_header_is(f, o->drop[i]))
			return (1);
	return (0);
}

/* Append the fields that go on, rewritten for the next hop. */
void
http_head_fields(struct evbuffer *out, const struct http_header *h,
    size_t n, const struct http_head_opts *o)
{
	const struct http_header	*f;
	size_t				 i, last_via, last_xff, last_fwd;
	int				 host = 0, via = 0, xff = 0, fwd = 0;
	char				 v[5];

	last_via = http_head_last(h, n, "via");
	last_xff = http_head_last(h, n, "x-forwarded-for");
	last_fwd = http_head_last(h, n, "forwarded");
	http_head_version(v, o->version);
	for (i = 0; i < n; i++) {
		f = &h[i];
		if (http_head_dropped(h, n, f, o))
			continue;
		if (http_header_is(f, "x-forwarded-for")) {
			if (o->xff == HTTP_XFF_DELETE)
				continue;
			if (o->xff == HTTP_XFF_APPEND && i == last_xff) {
				http_head_list(out, "X-Forwarded-For", f, NULL,
				    o->client, strlen(o->client));
				xff = 1;
				continue;
			}
		} else if (o->forwarded != NULL && i == last_fwd) {
			http_head_list(out, "Forwarded", f, NULL,
			    o->forwarded, strlen(o->forwarded));
			fwd = 1;
			continue;
		} else if (o->max_forwards >= 0 &&
		    http_header_is(f, "max-forwards")) {
			evbuffer_add_printf(out, "Max-Forwards: %ld\r\n",
			    o->max_forwards);
			continue;
		} else if (o->via != NULL && i == last_via) {
			/* Ours goes last: the list is in the order of hops. */
			http_head_list(out, "Via", f, v, o->via,
			    strlen(o->via));
			via = 1;
			continue;
		} else if (http_header_is(f, "host"))
			host = 1;
		http_head_field(out, f);
	}
	if (o->host != NULL && !host) {
		evbuffer_add(out, "Host: ", 6);
		evbuffer_add(out, o->host, o->host_len);
		evbuffer_add(out, "\r\n", 2);
	}
	if (o->via != NULL && !via)
		http_head_list(out, "Via", NULL, v, o->via, strlen(o->via));
	if (o->xff == HTTP_XFF_APPEND && !xff)
		http_head_list(out, "X-Forwarded-For", NULL, NULL, o->client,
		    strlen(o->client));
	if (o->forwarded != NULL && !fwd)
		http_head_list(out, "Forwarded", NULL, NULL, o->forwarded,
		    strlen(o->forwarded));
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
