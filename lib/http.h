/*
 * http.h: strict, incremental, zero-copy HTTP/1.1 message parser.
 *
 * The parser is the gate against request smuggling: anything two HTTP
 * implementations could read differently (RFC 9112 section 11.2) is
 * rejected rather than repaired, so the bytes we forward can only mean
 * one thing. It never allocates and never reads past the length given;
 * every string it reports points into the caller's buffer, so the buffer
 * must stay put while the message is in use.
 *
 * Heads: the caller gathers bytes and calls http_parse_request() or
 * http_parse_response() on the contiguous buffer. Each call parses from
 * buf[0] and resets the message: it returns HTTP_MORE until the head is
 * complete, HTTP_DONE with m->head_len set, or HTTP_ERROR with m->error
 * (a static string for logs) and m->status (the status code to answer
 * with); after HTTP_MORE or HTTP_ERROR the other fields mean nothing.
 * A caller that reads a head piece by piece uses the _more() variants
 * with a struct http_resume of its own: each call then looks only at the
 * bytes past the lines earlier calls parsed, so a head that arrives a
 * byte at a time costs linear time, not quadratic. The result of every
 * call is the one the whole-buffer parser gives on the same bytes.
 *
 * Error status codes for requests (RFC 9110 section 15):
 *	400	every syntax or framing error, unless listed below
 *	414	request line longer than max_line (the target is what grows)
 *	431	head longer than max_head, or more than max_headers fields
 *	501	Transfer-Encoding naming a coding other than chunked
 *	505	well-formed HTTP-version other than HTTP/1.0 and HTTP/1.1
 * Errors in a response are always 502, what a proxy answers its client
 * when the upstream speaks badly.
 *
 * Deliberate strictness beyond the letter of RFC 9110/9112, each a known
 * smuggling or confusion vector:
 *	- Any repeated Content-Length, and any comma list in one, even with
 *	  equal values (RFC 9112 section 6.3 lets a recipient merge those).
 *	- Transfer-Encoding with any coding but one final "chunked" (we only
 *	  implement chunked), with Content-Length, in HTTP/1.0, or with empty
 *	  list elements.
 *	- A Host header that names another authority than an absolute-form
 *	  target: RFC 9112 section 3.2.2 says to ignore Host then, but a
 *	  request that points two ways is more likely an attack than a bug.
 *	  The same for CONNECT's authority-form target (as HAProxy does),
 *	  where Host may leave the port out.
 *	- userinfo ("user@host") in the target: deprecated by RFC 9110
 *	  section 4.2.4 and used to disguise the real host. The one
 *	  exception is an ftp:// target, where clients (curl, wget) pass the
 *	  FTP login "user:password" to an HTTP proxy; there it must be
 *	  unreserved, sub-delims, ':' and complete percent-encoding only,
 *	  with a user that is not empty, and it is reported apart from the
 *	  authority (see userinfo below) so that no caller mistakes it for
 *	  part of the host.
 *	- Hosts are letters, digits, '-', '.', '_' (no percent-encoding or
 *	  sub-delims); a name whose last label starts with a digit must be a
 *	  plain dotted quad, so "127.1" or "0x7f.1" cannot alias an address.
 *	  IPv6 literals may not carry a zone or be IPvFuture.
 *	- An empty port ("host:"), port 0, and an empty Host value.
 *	- '#' and malformed percent-encoding in the target, and the raw
 *	  characters '"' '<' '>' '\\' '`' that RFC 3986 excludes from URIs.
 *	- CONNECT with content (RFC 9110 section 9.3.6: it has none).
 * Tolerated: empty lines before a request line (RFC 9112 section 2.2),
 * and a status line without the SP after the code when the reason is
 * empty.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Return values of the parsers and the chunked decoder. */
#define HTTP_ERROR		(-1)
#define HTTP_MORE		0
#define HTTP_DONE		1

/* Most header fields one message may carry. */
#define HTTP_MAX_HEADERS	128
/* Content-Length must be below this; chunk-size below HTTP_CHUNK_MAX. */
#define HTTP_LENGTH_MAX		((uint64_t)1 << 63)
#define HTTP_CHUNK_MAX		((uint64_t)1 << 62)

struct http_limits {
	size_t		 max_line;	/* start line or chunk line, no CRLF */
	size_t		 max_head;	/* head (or trailers) with CRLFCRLF */
	unsigned	 max_headers;	/* fields, capped at HTTP_MAX_HEADERS */
};

/* 8 KiB line, 64 KiB head, 100 fields; used when lim is NULL. */
#define HTTP_LIMITS_DEFAULT	{ 8192, 65536, 100 }

enum http_method {
	HTTP_METHOD_OTHER = 0,	/* a valid token we do not know */
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST,
	HTTP_METHOD_PUT,
	HTTP_METHOD_DELETE,
	HTTP_METHOD_CONNECT,
	HTTP_METHOD_OPTIONS,
	HTTP_METHOD_TRACE,
	HTTP_METHOD_PATCH
};

/* Request-target forms, RFC 9112 section 3.2. */
enum http_form {
	HTTP_FORM_ORIGIN = 0,	/* /path?query */
	HTTP_FORM_ABSOLUTE,	/* scheme://host[:port]/path?query */
	HTTP_FORM_AUTHORITY,	/* host:port, CONNECT only */
	HTTP_FORM_ASTERISK	/* *, OPTIONS only */
};

enum http_scheme {
	HTTP_SCHEME_NONE = 0,	/* no scheme in the target */
	HTTP_SCHEME_HTTP,
	HTTP_SCHEME_HTTPS,
	HTTP_SCHEME_FTP,	/* the proxy's ftp:// gateway */
	HTTP_SCHEME_OTHER	/* see scheme/scheme_len; the proxy refuses */
};

/* How the body after the head is delimited, RFC 9112 section 6.3. */
enum http_framing {
	HTTP_BODY_NONE = 0,	/* no body */
	HTTP_BODY_LENGTH,	/* content_length bytes (may be 0) */
	HTTP_BODY_CHUNKED,	/* chunked; see http_chunked_feed() */
	HTTP_BODY_CLOSE		/* responses only: until the peer closes */
};

/* One field line; value has leading and trailing OWS removed. */
struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;
	size_t		 value_len;
};

struct http_msg {
	int			 status;	/* on error: status to answer */
	const char		*error;		/* on error: static reason */
	size_t			 head_len;	/* on done: with CRLFCRLF */
	int			 version;	/* 10 or 11 */

	/*
	 * Request line. For a response, method is the request method it
	 * answers, as given to http_parse_response().
	 */
	enum http_method	 method;
	const char		*method_str;
	size_t			 method_len;
	enum http_form		 form;
	const char		*target;	/* request-target as sent */
	size_t			 target_len;
	enum http_scheme	 scheme;
	const char		*scheme_str;	/* absolute-form only */
	size_t			 scheme_len;

	/*
	 * Authority of the target URI: from the target in absolute- and
	 * authority-form, otherwise from Host (NULL if there is none).
	 * host has IPv6 brackets removed (host_ipv6 set); authority is the
	 * host[:port] text as sent. port is the explicit port, else 80 for
	 * http and origin-form, 443 for https, 21 for ftp, 0 for another
	 * scheme. userinfo (ftp:// only, else NULL) is what came before '@',
	 * still percent-encoded; authority starts after it.
	 */
	const char		*authority;
	size_t			 authority_len;
	const char		*host;
	size_t			 host_len;
	int			 host_ipv6;
	unsigned		 port;
	const char		*userinfo;
	size_t			 userinfo_len;

	/*
	 * Origin-form pieces: path is the absolute path ("/" when an
	 * absolute-form target has none: it then points to a static
	 * string), query starts with '?' or is empty; forwarding path then
	 * query gives the origin-form. Both empty for authority- and
	 * asterisk-form.
	 */
	const char		*path;
	size_t			 path_len;
	const char		*query;
	size_t			 query_len;

	/* Status line. */
	int			 code;		/* 100-599; 0 for a request */
	const char		*reason;
	size_t			 reason_len;

	/* Header section, in order. */
	struct http_header	 headers[HTTP_MAX_HEADERS];
	unsigned		 nheaders;

	/* Framing. */
	enum http_framing	 framing;
	uint64_t		 content_length; /* HTTP_BODY_LENGTH */
};

/* Chunked body validator state; set up with http_chunked_init(). */
struct http_chunked {
	int			 state;
	uint64_t		 size;		/* data left in this chunk */
	size_t			 line;		/* bytes in this chunk line */
	size_t			 trailer;	/* bytes of trailer section */
	unsigned		 ntrailers;
	size_t			 max_line;
	size_t			 max_trailer;
	unsigned		 max_trailers;
	uint64_t		 total;		/* chunk data bytes so far */
	const char		*error;		/* on error: static reason */
	/*
	 * Set by the caller: stop once before the trailer section (see
	 * http_chunked_feed()), for a caller that rewrites trailers.
	 */
	int			 stop_trailers;
};

/*
 * Where a parse of a head stopped for want of bytes: offsets into the
 * caller's buffer (which may move between calls: pullup) and what the
 * lines parsed so far said. Small, so that a connection keeps its own
 * while the big struct http_msg is shared scratch.
 */
struct http_resume {
	size_t		 pos;		/* first line not parsed yet */
	size_t		 scan;		/* its end is searched from here */
	int		 started;	/* start line parsed */
	unsigned	 nheaders;
	int		 cl, te, host;
	unsigned	 chunked;
};

/* Start a resumable parse (a new message). */
void	 http_resume_init(struct http_resume *);

/*
 * Parse a request head in buf[0..len). lim may be NULL for the defaults.
 * Returns HTTP_DONE, HTTP_MORE or HTTP_ERROR as described above.
 */
int	 http_parse_request(struct http_msg *, const char *, size_t,
	    const struct http_limits *);

/*
 * Parse a response head answering a request with method req (the
 * framing of responses to HEAD and CONNECT depends on it).
 */
int	 http_parse_response(struct http_msg *, const char *, size_t,
	    const struct http_limits *, enum http_method);

/*
 * The same, resuming where the last call with <r> stopped: buf[0..len)
 * must hold the bytes that call saw, unchanged, and possibly more (it
 * may have moved). Returns what http_parse_request() (or _response())
 * returns on buf[0..len). After HTTP_DONE or HTTP_ERROR, <r> is ready
 * for the next message; to drop a message half read, http_resume_init().
 */
int	 http_parse_request_more(struct http_msg *, struct http_resume *,
	    const char *, size_t, const struct http_limits *);
int	 http_parse_response_more(struct http_msg *, struct http_resume *,
	    const char *, size_t, const struct http_limits *,
	    enum http_method);

/* Set and return the framing of a parsed response to a req request. */
enum http_framing http_response_framing(struct http_msg *,
	    enum http_method);

/*
 * Whether the connection stays open after this message: HTTP/1.1 unless
 * "Connection: close", HTTP/1.0 only with "Connection: keep-alive"; never
 * after a response delimited by close.
 */
int	 http_keep_alive(const struct http_msg *);

/*
 * Whether field name[0..len) is hop-by-hop: one of the fixed RFC 9110
 * section 7.6.1 set, or listed in the message's Connection header. Host
 * and Content-Length are never hop-by-hop even when listed, so a sender
 * cannot make us strip the routing or framing of what we forward.
 */
int	 http_hop_by_hop(const struct http_msg *, const char *, size_t);

/* Return the first field named name (any case), or NULL. */
const struct http_header *http_header_find(const struct http_msg *,
	    const char *);

/*
 * Whether any field named name holds token in its comma-separated list
 * (case-insensitive; parameters after ';' are ignored).
 */
int	 http_header_has_token(const struct http_msg *, const char *,
	    const char *);

/* Prepare a chunked body validator; lim may be NULL for the defaults. */
void	 http_chunked_init(struct http_chunked *, const struct http_limits *);
/* Whether the validator is within the trailer section. */
int	 http_chunked_in_trailers(const struct http_chunked *);

/*
 * Validate the next fragment buf[0..len) of a chunked body (RFC 9112
 * section 7.1). The decoder keeps no bytes: a proxy forwards the
 * fragment verbatim and only learns where the body ends.
 *
 * *consumed is set to the bytes of buf that belong to the body so far.
 * If data_off and data_len are not NULL, the call also stops after each
 * run of chunk data and reports it as buf[*data_off..+*data_len)
 * (*data_len is 0 if there was none), for a caller that de-chunks; call
 * again with buf + *consumed. With NULL, the whole fragment is taken.
 *
 * Returns HTTP_MORE (the body goes on; bytes of buf past *consumed, if
 * any, are still to be fed), HTTP_DONE (the last chunk and trailers
 * ended at *consumed; what follows is the next message) or HTTP_ERROR
 * (c->error says why; errors are sticky).
 *
 * Chunk extensions are checked against their grammar and bounded with
 * the chunk line by max_line; trailers are checked like header fields
 * and bounded by max_head and max_headers.
 *
 * With c->stop_trailers set, the call that reaches the end of the last
 * chunk's line returns HTTP_MORE there, *consumed short of len; the
 * calls after it go on into the trailers.
 */
int	 http_chunked_feed(struct http_chunked *, const char *, size_t,
	    size_t *, size_t *, size_t *);

#endif
