/*
 * http_field.c: header field names and comma lists, shared by the
 * parser, the head writer and the cache rules.
 */
#include <string.h>

#include "http.h"
#include "http_field.h"

static int	http_field_ows(char);

/* The fields RFC 9110 section 7.6.1 has a proxy remove, and their kin. */
static const char *const http_hop_names[] = {
	"connection", "keep-alive", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade", "proxy-authenticate",
	"proxy-authorization", NULL
};

/* Optional whitespace (RFC 9110 section 5.6.3). */
static int
http_field_ows(char c)
{
	return (c == ' ' || c == '\t');
}

/* Compare two ASCII strings ignoring case. */
int
http_caseeq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		 i;
	unsigned char	 x, y;

	if (alen != blen)
		return (0);
	for (i = 0; i < alen; i++) {
		x = a[i];
		y = b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return (0);
	}
	return (1);
}

/* Compare a counted string with a C string ignoring case. */
int
http_streq(const char *s, size_t len, const char *lit)
{
	return (http_caseeq(s, len, lit, strlen(lit)));
}

/* Strip optional whitespace on both ends. */
void
http_trim(const char **s, size_t *len)
{
	while (*len > 0 && http_field_ows(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && http_field_ows((*s)[*len - 1]))
		(*len)--;
}

/* Start a cursor over the list v[0..len). */
void
http_list_init(struct http_list *l, const char *v, size_t len, int flags)
{
	l->p = v;
	l->end = v + len;
	l->flags = flags;
	l->done = 0;
}

/* Return the next element of the list. */
int
http_list_next(struct http_list *l, const char **elem, size_t *elen)
{
	const char	*start;
	size_t		 len;
	int		 quoted;

	while (!l->done) {
		start = l->p;
		quoted = 0;
		while (l->p < l->end && (quoted || *l->p != ',')) {
			if (*l->p == '"')
				quoted = !quoted;
			else if (*l->p == '\\' && quoted && l->p + 1 < l->end)
				l->p++;
			l->p++;
		}
		len = l->p - start;
		/* A trailing comma still ends one (empty) element. */
		if (l->p < l->end)
			l->p++;
		else
			l->done = 1;
		http_trim(&start, &len);
		if (len == 0 && (l->flags & HTTP_LIST_SKIP_EMPTY))
			continue;
		*elem = start;
		*elen = len;
		return (1);
	}
	return (0);
}

/*
 * Write <v> in decimal at the end of <d>, without printf (it is on every
 * cache hit); returns where the digits start: they run to d +
 * HTTP_DECIMAL_MAX, with no NUL.
 */
char *
http_decimal(char d[HTTP_DECIMAL_MAX], uint64_t v)
{
	char	*p = d + HTTP_DECIMAL_MAX;

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v > 0);
	return (p);
}

/* Point v[] at the pieces of a field line. */
void
http_field_iov(const struct http_header *h, struct iovec v[HTTP_FIELD_IOV])
{
	v[0].iov_base = (void *)h->name;
	v[0].iov_len = h->name_len;
	v[1].iov_base = (void *)": ";
	v[1].iov_len = 2;
	v[2].iov_base = (void *)h->value;
	v[2].iov_len = h->value_len;
	v[3].iov_base = (void *)"\r\n";
	v[3].iov_len = 2;
}

/* Tell whether a field has the given name. */
int
http_header_is(const struct http_header *h, const char *name)
{
	return (http_streq(h->name, h->name_len, name));
}

/* Tell whether a field is one of the fixed hop-by-hop set. */
int
http_hop_field(const char *name, size_t len)
{
	int	i;

	for (i = 0; http_hop_names[i] != NULL; i++)
		if (http_streq(name, len, http_hop_names[i]))
			return (1);
	return (0);
}

/* Tell whether a field is hop-by-hop among these fields. */
int
http_field_hop(const struct http_header *h, size_t n, const char *name,
    size_t len)
{
	struct http_list	 l;
	const char		*el;
	size_t			 i, elen;

	if (http_hop_field(name, len))
		return (1);
	if (http_streq(name, len, "host") ||
	    http_streq(name, len, "content-length"))
		return (0);
	for (i = 0; i < n; i++) {
		if (!http_header_is(&h[i], "connection"))
			continue;
		http_list_init(&l, h[i].value, h[i].value_len,
		    HTTP_LIST_SKIP_EMPTY);
		while (http_list_next(&l, &el, &elen))
			if (http_caseeq(el, elen, name, len))
				return (1);
	}
	return (0);
}

/*
 * Fields a sender must not put in a trailer section (RFC 9110 section
 * 6.5.1), because a recipient that merged them into the head would let
 * them change what the head already settled: framing, routing, request
 * modifiers, authentication, response control data and what says how
 * to process the content; the hop-by-hop ones, which a trailer never
 * carries further, with them.
 */
static const char *const http_trailer_names[] = {
	/* framing */
	"content-length", "transfer-encoding", "trailer",
	/* routing */
	"host",
	/* request modifiers: controls and conditionals */
	"cache-control", "expect", "max-forwards", "pragma", "range", "te",
	"if-match", "if-none-match", "if-modified-since",
	"if-unmodified-since", "if-range",
	/* authentication, and the cookies that act as it */
	"authorization", "proxy-authorization", "www-authenticate",
	"proxy-authenticate", "cookie", "set-cookie",
	/* response control data */
	"age", "expires", "date", "location", "retry-after", "vary",
	"warning",
	/* how to process the content */
	"content-encoding", "content-type", "content-range",
	/* hop-by-hop */
	"connection", "keep-alive", "proxy-connection", "upgrade",
	NULL
};

/* Tell whether a field may not be a trailer. */
int
http_trailer_forbidden(const char *name, size_t len)
{
	int	i;

	for (i = 0; http_trailer_names[i] != NULL; i++)
		if (http_streq(name, len, http_trailer_names[i]))
			return (1);
	return (0);
}
