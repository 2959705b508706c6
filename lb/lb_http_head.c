/*
 * lb_http_head.c: the heads twin-lb writes, on lib/http_head: the
 * request a server gets and the response a client gets, with what a
 * cluster adds and removes.
 *
 * The persistence cookie is the cluster's, not the application's: it is
 * taken out of the Cookie fields a server gets (the others are passed on
 * in order), so that servers never log, parse or vary on it, and the
 * value that names a server is seen by nobody but the client. A response
 * that gets the cookie (Set-Cookie added after the server's fields) and
 * says nothing of caching is marked Cache-Control: private, so that a
 * shared cache does not hand one client's server to every other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "http_field.h"
#include "lbd.h"

/* Cookie fields up to this size are rewritten on the stack. */
#define LBD_COOKIE_STACK	4096

static void	 lbd_head_cookies(struct evbuffer *, const struct http_msg *,
		    const char *);

/* Append the Cookie fields of <m> without the cookies called <name>. */
static void
lbd_head_cookies(struct evbuffer *out, const struct http_msg *m,
    const char *name)
{
	const struct http_header	*h;
	char				 stack[2 * LBD_COOKIE_STACK], *buf;
	size_t				 n;
	unsigned			 i;

	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		if (!http_header_is(h, "cookie"))
			continue;
		buf = stack;
		if (h->value_len > LBD_COOKIE_STACK &&
		    (buf = malloc(2 * h->value_len)) == NULL)
			continue;	/* no memory: the field is dropped */
		if ((n = lb_cookie_strip(h->value, h->value_len, name,
		    buf)) > 0) {
			evbuffer_add(out, "Cookie: ", 8);
			evbuffer_add(out, buf, n);
			evbuffer_add(out, "\r\n", 2);
		}
		if (buf != stack)
			free(buf);
	}
}

/*
 * Append the head of request <m> as a server gets it: the origin-form
 * request line (asterisk-form stays "*"), the fields as <o> says (Via,
 * X-Forwarded-For, Forwarded, Host), the Cookie fields without the
 * cookie <strip> (NULL: as received), the framing. HTTP/1.1 to the
 * server always: the connection is ours to keep alive.
 */
void
lbd_head_request(struct evbuffer *out, const struct http_msg *m,
    const struct http_head_opts *o, const char *strip)
{
	static const char *const drop_cookie[] = { "cookie", NULL };
	struct http_head_opts	 oo = *o;

	if (m->form == HTTP_FORM_ASTERISK) {
		evbuffer_add(out, m->method_str, m->method_len);
		evbuffer_add(out, " * HTTP/1.1\r\n", 13);
	} else
		http_head_request_line(out, m);
	if (strip != NULL && lb_cookie_header(m, strip) != NULL) {
		oo.drop = drop_cookie;
		http_head_fields(out, m->headers, m->nheaders, &oo);
		lbd_head_cookies(out, m, strip);
	} else
		http_head_fields(out, m->headers, m->nheaders, &oo);
	http_head_end(out, m->framing == HTTP_BODY_CHUNKED, HTTP_CONN_NONE);
}

/*
 * Append the head of response <m> as the client gets it: status line,
 * the fields as <o> says (Via), our Set-Cookie value <setcookie> (NULL:
 * none) and the framing with Connection <conn>.
 */
void
lbd_head_response(struct evbuffer *out, const struct http_msg *m,
    const struct http_head_opts *o, const char *setcookie, int chunked,
    enum http_conn conn)
{
	http_head_status_line(out, m);
	http_head_fields(out, m->headers, m->nheaders, o);
	if (setcookie != NULL) {
		evbuffer_add(out, "Set-Cookie: ", 12);
		evbuffer_add(out, setcookie, strlen(setcookie));
		evbuffer_add(out, "\r\n", 2);
		if (http_header_find(m, "cache-control") == NULL)
			evbuffer_add(out, "Cache-Control: private\r\n", 24);
	}
	http_head_end(out, chunked, conn);
}

/*
 * The Forwarded element (RFC 7239) for a client at <a>: "for=" the
 * address (an IPv6 one quoted in brackets) and the protocol it used.
 */
size_t
lbd_forwarded(char *buf, size_t len, const struct addr *a, int https)
{
	char	s[INET6_ADDRSTRLEN];
	int	n;

	addr_ntop(a, s, sizeof s);
	if (a->af == AF_INET6)
		n = snprintf(buf, len, "for=\"[%s]\";proto=%s", s,
		    https ? "https" : "http");
	else
		n = snprintf(buf, len, "for=%s;proto=%s", s,
		    https ? "https" : "http");
	return (n < 0 ? 0 : (size_t)n);
}

/*
 * The request line as the client sent it, for logs: "METHOD target
 * HTTP/1.x", cut to <len> - 1 bytes (the log escapes it).
 */
void
lbd_reqline(char *buf, size_t len, const struct http_msg *m)
{
	char	v[9] = " HTTP/1.1";
	size_t	n = 0, k;

	v[6] = '0' + m->version / 10 % 10;
	v[8] = '0' + m->version % 10;
	if (len == 0)
		return;
	k = m->method_len < len - 1 ? m->method_len : len - 1;
	memcpy(buf, m->method_str, k);
	n = k;
	if (n < len - 1)
		buf[n++] = ' ';
	k = m->target_len < len - 1 - n ? m->target_len : len - 1 - n;
	memcpy(buf + n, m->target, k);
	n += k;
	k = sizeof v < len - 1 - n ? sizeof v : len - 1 - n;
	memcpy(buf + n, v, k);
	n += k;
	buf[n] = '\0';
}

/*
 * Whether request <m> may be sent to a second server after the first
 * closed without answering: an idempotent method (RFC 9110 section
 * 9.2.2) and no body to send again.
 */
int
lbd_idempotent(const struct http_msg *m)
{
	switch (m->method) {
	case HTTP_METHOD_GET:
	case HTTP_METHOD_HEAD:
	case HTTP_METHOD_OPTIONS:
	case HTTP_METHOD_TRACE:
	case HTTP_METHOD_PUT:
	case HTTP_METHOD_DELETE:
		break;
	default:
		return (0);
	}
	return (m->framing == HTTP_BODY_NONE ||
	    (m->framing == HTTP_BODY_LENGTH && m->content_length == 0));
}
