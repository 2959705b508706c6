/*
 * http_field.h: header fields as every HTTP component sees them: name
 * compares, comma lists (RFC 9110 section 5.6.1) and the fixed set of
 * hop-by-hop fields (RFC 9110 section 7.6.1). No allocation, no locale.
 */
#ifndef HTTP_FIELD_H
#define HTTP_FIELD_H

#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

struct http_header;

/* The pieces of a field line: name, ": ", value, CRLF. */
#define HTTP_FIELD_IOV		4

/*
 * A cursor over a comma-separated list. Elements are trimmed of OWS;
 * commas inside quoted strings do not split. With HTTP_LIST_SKIP_EMPTY
 * empty elements are skipped (what RFC 9110 asks of recipients);
 * without it they are reported too (an empty value is one empty
 * element), for a parser that rejects them.
 */
struct http_list {
	const char	*p;
	const char	*end;
	int		 flags;
	int		 done;
};
#define HTTP_LIST_SKIP_EMPTY	0x1

/* ASCII compare ignoring case of two counted strings. */
int	http_caseeq(const char *, size_t, const char *, size_t);
/* The same against a C string (a literal, usually lower case). */
int	http_streq(const char *, size_t, const char *);
/* Strip spaces and tabs from both ends of a counted string. */
void	http_trim(const char **, size_t *);

void	http_list_init(struct http_list *, const char *, size_t, int);
/* Step to the next element; 0 at the end of the list. */
int	http_list_next(struct http_list *, const char **, size_t *);

/* Point v[] at the pieces of the field line "Name: value\r\n". */
/* Room for any uint64_t in decimal (http_decimal). */
#define HTTP_DECIMAL_MAX	20
char	*http_decimal(char [HTTP_DECIMAL_MAX], uint64_t);
void	http_field_iov(const struct http_header *,
	    struct iovec [HTTP_FIELD_IOV]);
/* Whether a field has this name (any case). */
int	http_header_is(const struct http_header *, const char *);
/*
 * Whether name[0..len) is one of the fixed hop-by-hop fields, those a
 * proxy never forwards nor stores whatever Connection says.
 */
int	http_hop_field(const char *, size_t);

/*
 * Whether field name[0..len) is hop-by-hop among the fields h[0..n): one
 * of the fixed set, or named by a Connection field. Host and
 * Content-Length never are, so a sender cannot have the routing or the
 * framing of what is passed on stripped.
 */
int	http_field_hop(const struct http_header *, size_t, const char *,
	    size_t);

/*
 * Whether field name[0..len) is one a trailer section may not carry
 * (RFC 9110 section 6.5.1: framing, routing, request modifiers,
 * authentication, response control data, content processing) or a
 * hop-by-hop one: such trailers are dropped, never passed on.
 */
int	http_trailer_forbidden(const char *, size_t);

#endif
