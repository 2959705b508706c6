/* http.c: strict, incremental, zero-copy HTTP/1.1 message parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "http_field.h"

/* Chunked body states, in the order the grammar meets them. */
enum {
	CH_SIZE_START,		/* first HEXDIG of chunk-size */
	CH_SIZE,		/* more HEXDIG, ';', BWS or CR */
	CH_EXT_PRE,		/* BWS before ';' */
	CH_EXT_NAME_PRE,	/* BWS after ';' */
	CH_EXT_NAME,		/* chunk-ext-name */
	CH_EXT_NAME_POST,	/* BWS before '=' */
	CH_EXT_VAL_PRE,		/* BWS after '=' */
	CH_EXT_VAL_TOKEN,	/* token chunk-ext-val */
	CH_EXT_VAL_QUOTED,	/* quoted-string chunk-ext-val */
	CH_EXT_VAL_ESC,		/* after '\' in a quoted-string */
	CH_EXT_VAL_END,		/* after the closing '"' */
	CH_SIZE_LF,		/* LF ending the chunk line */
	CH_DATA,		/* chunk-data */
	CH_DATA_CR,		/* CR after chunk-data */
	CH_DATA_LF,		/* LF after chunk-data */
	CH_TRAILER_START,	/* a trailer field or the final CRLF */
	CH_TRAILER_NAME,	/* trailer field-name */
	CH_TRAILER_VALUE,	/* trailer field-value */
	CH_TRAILER_LF,		/* LF ending a trailer field */
	CH_END_LF,		/* LF ending the body */
	CH_DONE,
	CH_ERROR
};

/* A parsed uri-host [ ":" port ]. */
struct http_auth {
	const char	*text;		/* the whole authority */
	size_t		 text_len;
	const char	*host;
	size_t		 host_len;
	int		 ipv6;
	int		 has_port;
	unsigned	 port;
};

/* What the header section has shown so far. */
struct http_state {
	unsigned	 max_headers;
	int		 cl;		/* Content-Length seen */
	int		 te;		/* Transfer-Encoding seen */
	unsigned	 chunked;	/* "chunked" codings seen */
	int		 host;		/* Host seen */
	struct http_auth host_auth;
};

/* Authority parse results. */
#define AUTH_OK		0
#define AUTH_INVALID	1
#define AUTH_USERINFO	2

static const struct http_limits http_limits_default = HTTP_LIMITS_DEFAULT;

static int	http_tchar(unsigned char);
static int	http_fchar(unsigned char);
static int	http_digit(unsigned char);
static int	http_alpha(unsigned char);
static int	http_ows(unsigned char);
static int	http_hexval(unsigned char);
static int	http_fail(struct http_msg *, int, const char *);
static int	http_more(struct http_msg *, size_t,
		    const struct http_limits *);
static int	http_eol(const char *, const char *, const char **,
		    const char **);
static void	http_resume_save(struct http_resume *, const char *,
		    const char *, const char *, const struct http_msg *,
		    const struct http_state *);
static int	http_parse(struct http_msg *, struct http_resume *,
		    const char *, size_t, const struct http_limits *, int);
static int	http_version(struct http_msg *, const char *, size_t);
static int	http_request_line(struct http_msg *, const char *,
		    const char *);
static int	http_status_line(struct http_msg *, const char *,
		    const char *);
static enum http_method http_method_id(const char *, size_t);
static int	http_target(struct http_msg *);
static int	http_absolute(struct http_msg *, const char *, size_t);
static int	http_path_query(struct http_msg *, const char *, size_t);
static int	http_pchars(const char *, size_t);
static int	http_userinfo(const char *, size_t);
static int	http_authority(const char *, size_t, struct http_auth *, int);
static int	http_hostname(const char *, size_t);
static int	http_ipv4(const char *, size_t);
static int	http_ipv6(const char *, size_t);
static unsigned	http_default_port(enum http_scheme);
static int	http_header_line(struct http_msg *, struct http_state *,
		    const char *, const char *);
static int	http_content_length(struct http_msg *, struct http_state *,
		    const char *, size_t);
static int	http_transfer_encoding(struct http_msg *,
		    struct http_state *, const char *, size_t);
static int	http_finish_request(struct http_msg *, struct http_state *);
static int	http_finish_response(struct http_msg *, struct http_state *);
static int	http_chunked_fail(struct http_chunked *, const char *);

/* Tell whether c is a tchar (RFC 9110 section 5.6.2). */
static int
http_tchar(unsigned char c)
{
	if (http_alpha(c) || http_digit(c))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Tell whether c may appear in a field value (RFC 9110 section 5.5). */
static int
http_fchar(unsigned char c)
{
	/* VCHAR, obs-text, SP, HTAB: no other CTL and no DEL. */
	return (c == '\t' || (c >= 0x20 && c != 0x7f));
}

/* Tell whether c is a DIGIT. */
static int
http_digit(unsigned char c)
{
	return (c >= '0' && c <= '9');
}

/* Tell whether c is an ALPHA. */
static int
http_alpha(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/* Tell whether c is optional whitespace, SP or HTAB. */
static int
http_ows(unsigned char c)
{
	return (c == ' ' || c == '\t');
}

/* Return the value of HEXDIG c, or -1. */
static int
http_hexval(unsigned char c)
{
	if (http_digit(c))
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Record an error. */
static int
http_fail(struct http_msg *m, int status, const char *reason)
{
	m->status = status;
	m->error = reason;
	return (HTTP_ERROR);
}

/* Ask for more bytes unless the head could not fit anyway. */
static int
http_more(struct http_msg *m, size_t len, const struct http_limits *lim)
{
	if (len >= lim->max_head)
		return (http_fail(m, 431, "headers too large"));
	return (HTTP_MORE);
}

/*
 * Find the CRLF ending the line at p. Returns 1 with *eol at the CR, 0 if
 * the line is incomplete, -1 with *err if a CR or LF stands alone: RFC
 * 9112 section 2.2 lets a recipient take a bare LF as a line end, but
 * another hop may not, which is the classic smuggling split.
 */
static int
http_eol(const char *p, const char *end, const char **eol, const char **err)
{
	for (; p < end; p++) {
		if (*p == '\n') {
			*err = "bare LF";
			return (-1);
		}
		if (*p != '\r')
			continue;
		if (p + 1 == end)
			return (0);
		if (p[1] != '\n') {
			*err = "bare CR";
			return (-1);
		}
		*eol = p;
		return (1);
	}
	return (0);
}

/*
 * Remember where a parse stopped for want of bytes: <p> starts the first
 * line not parsed yet, <scan> is where the search for its end resumes.
 */
static void
http_resume_save(struct http_resume *r, const char *buf, const char *p,
    const char *scan, const struct http_msg *m, const struct http_state *st)
{
	r->pos = (size_t)(p - buf);
	r->scan = (size_t)(scan - buf);
	r->nheaders = m->nheaders;
	r->cl = st->cl;
	r->te = st->te;
	r->chunked = st->chunked;
	r->host = st->host;
}

/*
 * Parse a request or response head; see http.h. With <r> at the start of
 * a message this parses buf[0..len) whole. Otherwise the lines before
 * r->pos were parsed by earlier calls and only the rest is looked at;
 * what those lines told about the framing and Host is in r. Once the
 * head is complete and part of it was parsed earlier, it is parsed once
 * more whole: the earlier calls' pointers may point into a buffer that
 * has moved since, and the checks on the head as a whole need them.
 */
static int
http_parse(struct http_msg *m, struct http_resume *r, const char *buf,
    size_t len, const struct http_limits *lim, int response)
{
	struct http_state	 st;
	struct http_resume	 whole;
	const char		*p, *end, *from, *eol = NULL, *err = NULL;
	size_t			 cap, start;
	int			 rv;

	memset(m, 0, sizeof *m);
	memset(&st, 0, sizeof st);
	if (lim == NULL)
		lim = &http_limits_default;
	st.max_headers = lim->max_headers;
	if (st.max_headers > HTTP_MAX_HEADERS)
		st.max_headers = HTTP_MAX_HEADERS;
	cap = len < lim->max_head ? len : lim->max_head;
	/* A buffer shorter than last time is not the same message. */
	if (r->pos > cap || r->scan > cap || r->scan < r->pos)
		http_resume_init(r);
	start = r->pos;
	m->nheaders = r->nheaders;
	st.cl = r->cl;
	st.te = r->te;
	st.chunked = r->chunked;
	st.host = r->host;
	p = buf + r->pos;
	from = buf + r->scan;
	end = buf + cap;

	if (!r->started) {
		/* RFC 9112 section 2.2: skip empty lines before a request. */
		while (!response && p < end && *p == '\r') {
			if (p + 1 == end) {
				http_resume_save(r, buf, p, p, m, &st);
				return (http_more(m, len, lim));
			}
			if (p[1] != '\n')
				goto bare_cr;
			p += 2;
		}
		if (from < p)
			from = p;
		rv = http_eol(from, end, &eol, &err);
		if (rv < 0)
			goto fail;
		if (rv == 0) {
			/* A CR at the end may be the start of the CRLF. */
			eol = end;
			if (eol > p && eol[-1] == '\r')
				eol--;
		}
		if ((size_t)(eol - p) > lim->max_line) {
			http_resume_init(r);
			if (response)
				return (http_fail(m, 400,
				    "status line too long"));
			return (http_fail(m, 414, "request line too long"));
		}
		if (rv == 0) {
			http_resume_save(r, buf, p, eol, m, &st);
			return (http_more(m, len, lim));
		}
		if (response)
			rv = http_status_line(m, p, eol);
		else
			rv = http_request_line(m, p, eol);
		if (rv != 0) {
			http_resume_init(r);
			return (HTTP_ERROR);
		}
		r->started = 1;
		p = from = eol + 2;
	}

	for (;;) {
		if (from < p)
			from = p;
		rv = http_eol(from, end, &eol, &err);
		if (rv < 0)
			goto fail;
		if (rv == 0) {
			from = end > p && end[-1] == '\r' ? end - 1 : end;
			http_resume_save(r, buf, p, from, m, &st);
			return (http_more(m, len, lim));
		}
		if (eol == p)
			break;
		if (http_header_line(m, &st, p, eol) != 0) {
			http_resume_init(r);
			return (HTTP_ERROR);
		}
		p = eol + 2;
	}
	http_resume_init(r);
	if (start != 0) {
		/* The head is whole now: parse it once more, whole. */
		http_resume_init(&whole);
		return (http_parse(m, &whole, buf, (size_t)(eol + 2 - buf),
		    lim, response));
	}
	m->head_len = (size_t)(eol + 2 - buf);

	if (response)
		rv = http_finish_response(m, &st);
	else
		rv = http_finish_request(m, &st);
	if (rv != 0) {
		m->head_len = 0;
		return (HTTP_ERROR);
	}
	return (HTTP_DONE);
bare_cr:
	err = "bare CR";
fail:
	http_resume_init(r);
	return (http_fail(m, 400, err));
}

/* Start a resumable parse over. */
void
http_resume_init(struct http_resume *r)
{
	memset(r, 0, sizeof *r);
}

/* Parse a request head. */
int
http_parse_request(struct http_msg *m, const char *buf, size_t len,
    const struct http_limits *lim)
{
	struct http_resume	 r;

	http_resume_init(&r);
	return (http_parse(m, &r, buf, len, lim, 0));
}

/* Parse more of a request head. */
int
http_parse_request_more(struct http_msg *m, struct http_resume *r,
    const char *buf, size_t len, const struct http_limits *lim)
{
	return (http_parse(m, r, buf, len, lim, 0));
}

/* Parse a response head. */
int
http_parse_response(struct http_msg *m, const char *buf, size_t len,
    const struct http_limits *lim, enum http_method req)
{
	struct http_resume	 r;

	http_resume_init(&r);
	return (http_parse_response_more(m, &r, buf, len, lim, req));
}

/* Parse more of a response head. */
int
http_parse_response_more(struct http_msg *m, struct http_resume *r,
    const char *buf, size_t len, const struct http_limits *lim,
    enum http_method req)
{
	int	 rv;

	rv = http_parse(m, r, buf, len, lim, 1);
	m->method = req;
	if (rv == HTTP_ERROR)
		m->status = 502;
	else if (rv == HTTP_DONE)
		http_response_framing(m, req);
	return (rv);
}

/*
 * Check HTTP-version (RFC 9112 section 2.3). It is case-sensitive; we
 * speak 1.0 and 1.1 only, and answer other well-formed versions 505.
 */
static int
http_version(struct http_msg *m, const char *p, size_t len)
{
	if (len == 8 && memcmp(p, "HTTP/1.1", 8) == 0) {
		m->version = 11;
		return (0);
	}
	if (len == 8 && memcmp(p, "HTTP/1.0", 8) == 0) {
		m->version = 10;
		return (0);
	}
	if (len == 8 && memcmp(p, "HTTP/", 5) == 0 && http_digit(p[5]) &&
	    p[6] == '.' && http_digit(p[7])) {
		http_fail(m, 505, "unsupported version");
		return (-1);
	}
	http_fail(m, 400, "invalid version");
	return (-1);
}

/*
 * Parse request-line = method SP request-target SP HTTP-version (RFC 9112
 * section 3). Exactly one SP separates the parts: splitting on other
 * whitespace is allowed by the RFC but is where hops start to disagree.
 */
static int
http_request_line(struct http_msg *m, const char *p, const char *eol)
{
	const char	*s, *t;
	unsigned char	 c;

	for (s = p; s < eol && http_tchar(*s); s++)
		;
	if (s == p || s == eol || *s != ' ')
		return (http_fail(m, 400, "invalid method"));
	m->method_str = p;
	m->method_len = (size_t)(s - p);
	m->method = http_method_id(p, m->method_len);

	/* No CTL, SP, DEL or non-ASCII in a URI (RFC 3986 section 2). */
	for (t = ++s; s < eol && *s != ' '; s++) {
		c = *s;
		if (c <= 0x20 || c >= 0x7f)
			return (http_fail(m, 400, "invalid request-target"));
	}
	if (s == t)
		return (http_fail(m, 400, "invalid request-target"));
	m->target = t;
	m->target_len = (size_t)(s - t);
	if (s == eol)
		return (http_fail(m, 400, "invalid version"));
	s++;
	if (http_version(m, s, (size_t)(eol - s)) != 0)
		return (-1);
	return (http_target(m));
}

/*
 * Parse status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * (RFC 9112 section 4), accepting a missing last SP when the reason is
 * empty since many servers send that and it is unambiguous.
 */
static int
http_status_line(struct http_msg *m, const char *p, const char *eol)
{
	const char	*s;
	size_t		 len;

	len = (size_t)(eol - p);
	if (len < 9 || p[8] != ' ')
		return (http_fail(m, 400, "invalid version"));
	if (http_version(m, p, 8) != 0)
		return (-1);
	if (len < 12 || !http_digit(p[9]) || !http_digit(p[10]) ||
	    !http_digit(p[11]))
		return (http_fail(m, 400, "invalid status code"));
	m->code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (m->code < 100 || m->code > 599)
		return (http_fail(m, 400, "invalid status code"));
	if (len == 12)
		return (0);
	if (p[12] != ' ')
		return (http_fail(m, 400, "invalid status code"));
	for (s = p + 13; s < eol; s++)
		if (!http_fchar(*s))
			return (http_fail(m, 400, "invalid reason phrase"));
	m->reason = p + 13;
	m->reason_len = (size_t)(eol - m->reason);
	return (0);
}

/* Map a method token to its identifier; methods are case-sensitive. */
static enum http_method
http_method_id(const char *p, size_t len)
{
	static const struct {
		const char		*name;
		enum http_method	 id;
	} methods[] = {
		{ "GET", HTTP_METHOD_GET },
		{ "HEAD", HTTP_METHOD_HEAD },
		{ "POST", HTTP_METHOD_POST },
		{ "PUT", HTTP_METHOD_PUT },
		{ "DELETE", HTTP_METHOD_DELETE },
		{ "CONNECT", HTTP_METHOD_CONNECT },
		{ "OPTIONS", HTTP_METHOD_OPTIONS },
		{ "TRACE", HTTP_METHOD_TRACE },
		{ "PATCH", HTTP_METHOD_PATCH },
	};
	size_t	 i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strlen(methods[i].name) == len &&
		    memcmp(methods[i].name, p, len) == 0)
			return (methods[i].id);
	return (HTTP_METHOD_OTHER);
}

/*
 * Classify the request-target (RFC 9112 section 3.2): CONNECT takes
 * authority-form and nothing else, "*" goes with OPTIONS only, and any
 * other target is origin-form or absolute-form.
 */
static int
http_target(struct http_msg *m)
{
	struct http_auth	 a;
	const char		*t = m->target;
	size_t			 n = m->target_len;
	int			 r;

	if (m->method == HTTP_METHOD_CONNECT) {
		/* RFC 9112 section 3.2.3: uri-host ":" port, both needed. */
		if ((r = http_authority(t, n, &a, 1)) != AUTH_OK)
			return (http_fail(m, 400, r == AUTH_USERINFO ?
			    "userinfo in request-target" :
			    "invalid request-target"));
		m->form = HTTP_FORM_AUTHORITY;
		m->authority = t;
		m->authority_len = n;
		m->host = a.host;
		m->host_len = a.host_len;
		m->host_ipv6 = a.ipv6;
		m->port = a.port;
		return (0);
	}
	if (t[0] == '/') {
		m->form = HTTP_FORM_ORIGIN;
		return (http_path_query(m, t, n));
	}
	if (t[0] == '*') {
		if (n != 1 || m->method != HTTP_METHOD_OPTIONS)
			return (http_fail(m, 400, "invalid request-target"));
		m->form = HTTP_FORM_ASTERISK;
		return (0);
	}
	return (http_absolute(m, t, n));
}

/*
 * Parse absolute-form: scheme "://" authority path-abempty [ "?" query ]
 * (RFC 9110 section 4.2). Only hierarchical URIs with an authority make
 * sense through a proxy, so "scheme:" without "//" is refused.
 */
static int
http_absolute(struct http_msg *m, const char *t, size_t n)
{
	struct http_auth	 a;
	const char		*at;
	size_t			 i, s, e;
	int			 r;

	if (!http_alpha(t[0]))
		return (http_fail(m, 400, "invalid request-target"));
	for (i = 1; i < n; i++)
		if (!http_alpha(t[i]) && !http_digit(t[i]) && t[i] != '+' &&
		    t[i] != '-' && t[i] != '.')
			break;
	if (n - i < 3 || memcmp(t + i, "://", 3) != 0)
		return (http_fail(m, 400, "invalid request-target"));
	m->form = HTTP_FORM_ABSOLUTE;
	m->scheme_str = t;
	m->scheme_len = i;
	if (http_caseeq(t, i, "http", 4))
		m->scheme = HTTP_SCHEME_HTTP;
	else if (http_caseeq(t, i, "https", 5))
		m->scheme = HTTP_SCHEME_HTTPS;
	else if (http_caseeq(t, i, "ftp", 3))
		m->scheme = HTTP_SCHEME_FTP;
	else
		m->scheme = HTTP_SCHEME_OTHER;

	s = i + 3;
	for (e = s; e < n && t[e] != '/' && t[e] != '?'; e++)
		;
	/*
	 * ftp:// alone may carry a login: split it off at the first '@'
	 * (userinfo cannot hold one), so the host is checked on its own and
	 * a second '@' is refused below like any userinfo.
	 */
	if (m->scheme == HTTP_SCHEME_FTP &&
	    (at = memchr(t + s, '@', e - s)) != NULL) {
		if (!http_userinfo(t + s, (size_t)(at - (t + s))))
			return (http_fail(m, 400,
			    "invalid userinfo in ftp:// request-target"));
		m->userinfo = t + s;
		m->userinfo_len = (size_t)(at - (t + s));
		s = (size_t)(at - t) + 1;
	}
	/* userinfo is deprecated and hides the real host from the eye. */
	if ((r = http_authority(t + s, e - s, &a, 0)) != AUTH_OK)
		return (http_fail(m, 400, r == AUTH_USERINFO ?
		    "userinfo in request-target" : "invalid request-target"));
	m->authority = t + s;
	m->authority_len = e - s;
	m->host = a.host;
	m->host_len = a.host_len;
	m->host_ipv6 = a.ipv6;
	m->port = a.has_port ? a.port : http_default_port(m->scheme);

	if (e == n || t[e] == '?') {
		/* RFC 9112 section 3.2.1: an empty path is sent as "/". */
		if (!http_pchars(t + e, n - e))
			return (http_fail(m, 400, "invalid request-target"));
		m->path = "/";
		m->path_len = 1;
		m->query = t + e;
		m->query_len = n - e;
		return (0);
	}
	return (http_path_query(m, t + e, n - e));
}

/* Split and check absolute-path [ "?" query ]. */
static int
http_path_query(struct http_msg *m, const char *p, size_t n)
{
	const char	*q;

	if (!http_pchars(p, n))
		return (http_fail(m, 400, "invalid request-target"));
	if ((q = memchr(p, '?', n)) == NULL)
		q = p + n;
	m->path = p;
	m->path_len = (size_t)(q - p);
	m->query = q;
	m->query_len = n - m->path_len;
	return (0);
}

/*
 * Check path and query characters, already known to be visible ASCII:
 * no fragment, and percent-encoding must be complete, so that no hop
 * decodes "%" differently. Of the characters RFC 3986 excludes from
 * URIs, '"' '<' '>' '\\' and '`' are refused (every browser escapes
 * them; raw, they are quoting and markup tricks aimed at logs and other
 * parsers); '{' '}' '|' '^' are tolerated because browsers send them
 * unescaped in queries.
 */
static int
http_pchars(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (p[i] == '#' || p[i] == '"' || p[i] == '<' ||
		    p[i] == '>' || p[i] == '\\' || p[i] == '`')
			return (0);
		if (p[i] != '%')
			continue;
		if (n - i < 3 || http_hexval(p[i + 1]) < 0 ||
		    http_hexval(p[i + 2]) < 0)
			return (0);
		i += 2;
	}
	return (1);
}

/*
 * Check an ftp:// userinfo: unreserved, pct-encoded (complete), sub-delims
 * and ':' (RFC 3986 section 3.2.1), with a user before any ':'. Nothing
 * that quotes, spaces or ends a field gets through.
 */
static int
http_userinfo(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || p[0] == ':')
		return (0);
	for (i = 0; i < n; i++) {
		if (http_alpha(p[i]) || http_digit(p[i]) ||
		    (p[i] != '\0' && strchr("-._~!$&'()*+,;=:", p[i]) != NULL))
			continue;
		if (p[i] != '%' || n - i < 3 || http_hexval(p[i + 1]) < 0 ||
		    http_hexval(p[i + 2]) < 0)
			return (0);
		i += 2;
	}
	return (1);
}

/*
 * Parse uri-host [ ":" port ] (RFC 3986 section 3.2.2), with a port
 * required if need_port. Returns AUTH_OK, AUTH_USERINFO or AUTH_INVALID.
 */
static int
http_authority(const char *p, size_t n, struct http_auth *a, int need_port)
{
	size_t		 i, d;
	unsigned	 port;

	memset(a, 0, sizeof *a);
	a->text = p;
	a->text_len = n;
	if (memchr(p, '@', n) != NULL)
		return (AUTH_USERINFO);
	if (n > 0 && p[0] == '[') {
		for (i = 1; i < n && p[i] != ']'; i++)
			;
		if (i == n || !http_ipv6(p + 1, i - 1))
			return (AUTH_INVALID);
		a->host = p + 1;
		a->host_len = i - 1;
		a->ipv6 = 1;
		i++;
	} else {
		for (i = 0; i < n && p[i] != ':'; i++)
			;
		if (!http_hostname(p, i))
			return (AUTH_INVALID);
		a->host = p;
		a->host_len = i;
	}
	if (i == n)
		return (need_port ? AUTH_INVALID : AUTH_OK);
	if (p[i++] != ':')
		return (AUTH_INVALID);
	/* An empty port is legal URI syntax but means nothing to us. */
	if (n - i < 1 || n - i > 5)
		return (AUTH_INVALID);
	for (port = 0, d = i; d < n; d++) {
		if (!http_digit(p[d]))
			return (AUTH_INVALID);
		port = port * 10 + (unsigned)(p[d] - '0');
	}
	if (port < 1 || port > 65535)
		return (AUTH_INVALID);
	a->has_port = 1;
	a->port = port;
	return (AUTH_OK);
}

/*
 * Check a reg-name host, stricter than RFC 3986: DNS labels of letters,
 * digits, '-' and '_' and an optional final dot. If the last label starts
 * with a digit the whole name must be a dotted quad, as resolvers would
 * otherwise read "127.1" or "0177.0.0.1" as addresses.
 */
static int
http_hostname(const char *p, size_t n)
{
	size_t		 i, label = 0;
	int		 dot = 0;
	unsigned char	 c;

	if (n == 0 || n > 255)
		return (0);
	if (p[n - 1] == '.') {
		dot = 1;
		n--;
	}
	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == '.') {
			if (i == label)
				return (0);
			label = i + 1;
			continue;
		}
		if (!http_alpha(c) && !http_digit(c) && c != '-' && c != '_')
			return (0);
		if (i - label >= 63)
			return (0);
	}
	if (label == n)
		return (0);
	if (http_digit(p[label]))
		return (!dot && http_ipv4(p, n));
	return (1);
}

/* Check a dotted-quad IPv4 address: four 0-255 parts, no leading 0. */
static int
http_ipv4(const char *p, size_t n)
{
	size_t		 i = 0, digits;
	unsigned	 v;
	int		 parts = 0;

	for (;;) {
		if (i >= n || !http_digit(p[i]))
			return (0);
		if (p[i] == '0' && i + 1 < n && http_digit(p[i + 1]))
			return (0);
		for (v = 0, digits = 0; i < n && http_digit(p[i]); i++) {
			if (++digits > 3)
				return (0);
			v = v * 10 + (unsigned)(p[i] - '0');
		}
		if (v > 255)
			return (0);
		parts++;
		if (i == n)
			break;
		if (p[i] != '.' || parts == 4)
			return (0);
		i++;
	}
	return (parts == 4);
}

/*
 * Check an IPv6address (RFC 3986 section 3.2.2): eight groups of 1-4
 * HEXDIG, or fewer with one "::", the last two possibly a dotted quad.
 * No zone identifier, no IPvFuture.
 */
static int
http_ipv6(const char *p, size_t n)
{
	size_t	 i = 0, s;
	int	 groups = 0, dcolon = 0;

	if (n >= 2 && p[0] == ':' && p[1] == ':') {
		dcolon = 1;
		i = 2;
		if (i == n)
			return (1);
	}
	for (;;) {
		s = i;
		while (i < n && i - s < 5 && http_hexval(p[i]) >= 0)
			i++;
		if (i < n && p[i] == '.') {
			if (!http_ipv4(p + s, n - s))
				return (0);
			groups += 2;
			break;
		}
		if (i == s || i - s > 4)
			return (0);
		groups++;
		if (i == n)
			break;
		if (p[i++] != ':' || i == n)
			return (0);
		if (p[i] == ':') {
			if (dcolon)
				return (0);
			dcolon = 1;
			if (++i == n)
				break;
		}
		if (groups > 8)
			return (0);
	}
	return (dcolon ? groups <= 7 : groups == 8);
}

/* Return the default port of a scheme; origin-form means plain http. */
static unsigned
http_default_port(enum http_scheme scheme)
{
	switch (scheme) {
	case HTTP_SCHEME_NONE:
	case HTTP_SCHEME_HTTP:
		return (80);
	case HTTP_SCHEME_HTTPS:
		return (443);
	case HTTP_SCHEME_FTP:
		return (21);
	default:
		return (0);
	}
}

/*
 * Parse field-line = field-name ":" OWS field-value OWS (RFC 9112
 * section 5) and check the fields that decide framing and routing.
 */
static int
http_header_line(struct http_msg *m, struct http_state *st, const char *p,
    const char *eol)
{
	struct http_header	*h;
	const char		*s, *v, *e, *q;

	/* RFC 9112 section 5.2: obs-fold is rejected, not unfolded. */
	if (http_ows(*p))
		return (http_fail(m, 400, "obs-fold"));
	for (s = p; s < eol && http_tchar(*s); s++)
		;
	/* RFC 9112 section 5.1: no whitespace before the colon. */
	if (s < eol && http_ows(*s) && s > p)
		return (http_fail(m, 400, "whitespace before colon"));
	if (s == p || s == eol || *s != ':')
		return (http_fail(m, 400, "invalid header name"));
	for (v = s + 1; v < eol && http_ows(*v); v++)
		;
	for (e = eol; e > v && http_ows(e[-1]); e--)
		;
	for (q = v; q < e; q++)
		if (!http_fchar(*q))
			return (http_fail(m, 400, "invalid header value"));
	if (m->nheaders >= st->max_headers)
		return (http_fail(m, 431, "too many headers"));
	h = &m->headers[m->nheaders++];
	h->name = p;
	h->name_len = (size_t)(s - p);
	h->value = v;
	h->value_len = (size_t)(e - v);

	if (http_caseeq(h->name, h->name_len, "content-length", 14))
		return (http_content_length(m, st, h->value, h->value_len));
	if (http_caseeq(h->name, h->name_len, "transfer-encoding", 17))
		return (http_transfer_encoding(m, st, h->value,
		    h->value_len));
	if (http_caseeq(h->name, h->name_len, "host", 4)) {
		/* RFC 9112 section 3.2: more than one Host is a 400. */
		if (st->host)
			return (http_fail(m, 400, "duplicate Host"));
		st->host = 1;
		if (http_authority(h->value, h->value_len, &st->host_auth,
		    0) != AUTH_OK)
			return (http_fail(m, 400, "invalid Host"));
	}
	return (0);
}

/*
 * Check Content-Length = 1*DIGIT (RFC 9110 section 8.6). RFC 9112
 * section 6.3 allows merging repeated equal values; we refuse any
 * repetition, since two hops that disagree on the length disagree on
 * where the next request starts.
 */
static int
http_content_length(struct http_msg *m, struct http_state *st,
    const char *v, size_t len)
{
	uint64_t	 n = 0;
	unsigned	 d;
	size_t		 i;

	if (st->cl || memchr(v, ',', len) != NULL)
		return (http_fail(m, 400, "duplicate Content-Length"));
	st->cl = 1;
	if (len == 0)
		return (http_fail(m, 400, "invalid Content-Length"));
	for (i = 0; i < len; i++) {
		if (!http_digit(v[i]))
			return (http_fail(m, 400, "invalid Content-Length"));
		d = (unsigned)(v[i] - '0');
		if (n > (HTTP_LENGTH_MAX - 1 - d) / 10)
			return (http_fail(m, 400, "invalid Content-Length"));
		n = n * 10 + d;
	}
	m->content_length = n;
	return (0);
}

/*
 * Check Transfer-Encoding (RFC 9112 section 6.1). We implement chunked
 * only, so the codings across all the field lines must be exactly one
 * "chunked": other codings get 501 as the RFC suggests, repeated chunked
 * and empty or malformed elements get 400.
 */
static int
http_transfer_encoding(struct http_msg *m, struct http_state *st,
    const char *v, size_t len)
{
	struct http_list	 l;
	const char		*el;
	size_t			 elen, n;

	st->te = 1;
	http_list_init(&l, v, len, 0);
	while (http_list_next(&l, &el, &elen)) {
		for (n = 0; n < elen && http_tchar(el[n]); n++)
			;
		if (n == 0)
			return (http_fail(m, 400,
			    "invalid Transfer-Encoding"));
		if (!http_caseeq(el, n, "chunked", 7))
			return (http_fail(m, 501,
			    "unsupported Transfer-Encoding"));
		if (n != elen)
			return (http_fail(m, 400,
			    "invalid Transfer-Encoding"));
		if (++st->chunked > 1)
			return (http_fail(m, 400, "chunked more than once"));
	}
	return (0);
}

/* Check the request as a whole and set its framing. */
static int
http_finish_request(struct http_msg *m, struct http_state *st)
{
	struct http_auth	*a = &st->host_auth;
	unsigned		 port;

	/* RFC 9112 section 6.1: a 1.0 peer cannot mean chunked. */
	if (st->te && m->version == 10)
		return (http_fail(m, 400, "Transfer-Encoding in HTTP/1.0"));
	/* RFC 9112 section 6.3: allowed, but the textbook smuggle. */
	if (st->te && st->cl)
		return (http_fail(m, 400,
		    "Transfer-Encoding with Content-Length"));
	if (m->method == HTTP_METHOD_CONNECT &&
	    (st->te || (st->cl && m->content_length > 0)))
		return (http_fail(m, 400, "CONNECT with content"));

	if (!st->host && m->version == 11)
		return (http_fail(m, 400, "missing Host"));
	if (st->host && m->form == HTTP_FORM_ABSOLUTE) {
		port = a->has_port ? a->port : http_default_port(m->scheme);
		if (a->ipv6 != m->host_ipv6 || port != m->port ||
		    !http_caseeq(a->host, a->host_len, m->host, m->host_len))
			return (http_fail(m, 400, "conflicting Host"));
	} else if (st->host && m->form == HTTP_FORM_AUTHORITY) {
		/*
		 * CONNECT: Host may leave the port out (RFC 9110 section
		 * 9.3.6 does), but it may not name another place to go.
		 */
		if (a->ipv6 != m->host_ipv6 || (a->has_port &&
		    a->port != m->port) ||
		    !http_caseeq(a->host, a->host_len, m->host, m->host_len))
			return (http_fail(m, 400, "conflicting Host"));
	} else if (st->host && (m->form == HTTP_FORM_ORIGIN ||
	    m->form == HTTP_FORM_ASTERISK)) {
		/* RFC 9112 section 3.3: the authority comes from Host. */
		m->authority = a->text;
		m->authority_len = a->text_len;
		m->host = a->host;
		m->host_len = a->host_len;
		m->host_ipv6 = a->ipv6;
		m->port = a->has_port ? a->port : 80;
	}

	if (m->method == HTTP_METHOD_CONNECT)
		m->framing = HTTP_BODY_NONE;
	else if (st->te)
		m->framing = HTTP_BODY_CHUNKED;
	else if (st->cl)
		m->framing = HTTP_BODY_LENGTH;
	else
		m->framing = HTTP_BODY_NONE;
	return (0);
}

/* Check the response as a whole; framing is set by the caller. */
static int
http_finish_response(struct http_msg *m, struct http_state *st)
{
	if (st->te && m->version == 10)
		return (http_fail(m, 400, "Transfer-Encoding in HTTP/1.0"));
	if (st->te && st->cl)
		return (http_fail(m, 400,
		    "Transfer-Encoding with Content-Length"));
	return (0);
}

/* Decide how a response body is delimited (RFC 9112 section 6.3). */
enum http_framing
http_response_framing(struct http_msg *m, enum http_method req)
{
	if (req == HTTP_METHOD_HEAD || (m->code >= 100 && m->code < 200) ||
	    m->code == 204 || m->code == 304)
		m->framing = HTTP_BODY_NONE;
	else if (req == HTTP_METHOD_CONNECT && m->code >= 200 &&
	    m->code < 300)
		m->framing = HTTP_BODY_NONE;	/* now a tunnel */
	else if (http_header_find(m, "transfer-encoding") != NULL)
		m->framing = HTTP_BODY_CHUNKED;
	else if (http_header_find(m, "content-length") != NULL)
		m->framing = HTTP_BODY_LENGTH;
	else
		m->framing = HTTP_BODY_CLOSE;
	return (m->framing);
}

/* Tell whether the connection persists after this message. */
int
http_keep_alive(const struct http_msg *m)
{
	if (m->code != 0 && m->framing == HTTP_BODY_CLOSE)
		return (0);
	if (http_header_has_token(m, "connection", "close"))
		return (0);
	if (m->version >= 11)
		return (1);
	return (http_header_has_token(m, "connection", "keep-alive"));
}

/* Tell whether a field is hop-by-hop for this message. */
int
http_hop_by_hop(const struct http_msg *m, const char *name, size_t len)
{
	return (http_field_hop(m->headers, m->nheaders, name, len));
}

/* Find the first field with a name. */
const struct http_header *
http_header_find(const struct http_msg *m, const char *name)
{
	size_t		 len;
	unsigned	 i;

	len = strlen(name);
	for (i = 0; i < m->nheaders; i++)
		if (http_caseeq(m->headers[i].name, m->headers[i].name_len,
		    name, len))
			return (&m->headers[i]);
	return (NULL);
}

/* Tell whether a comma-list field holds a token. */
int
http_header_has_token(const struct http_msg *m, const char *name,
    const char *token)
{
	const struct http_header	*h;
	const char			*el, *semi;
	struct http_list		 l;
	size_t				 nlen, tlen, elen;
	unsigned			 i;

	nlen = strlen(name);
	tlen = strlen(token);
	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		if (!http_caseeq(h->name, h->name_len, name, nlen))
			continue;
		http_list_init(&l, h->value, h->value_len, 0);
		while (http_list_next(&l, &el, &elen)) {
			if ((semi = memchr(el, ';', elen)) != NULL)
				elen = (size_t)(semi - el);
			while (elen > 0 && http_ows(el[elen - 1]))
				elen--;
			if (http_caseeq(el, elen, token, tlen))
				return (1);
		}
	}
	return (0);
}

/* Prepare a chunked body validator. */
void
http_chunked_init(struct http_chunked *c, const struct http_limits *lim)
{
	if (lim == NULL)
		lim = &http_limits_default;
	memset(c, 0, sizeof *c);
	c->state = CH_SIZE_START;
	c->max_line = lim->max_line;
	c->max_trailer = lim->max_head;
	c->max_trailers = lim->max_headers;
	if (c->max_trailers > HTTP_MAX_HEADERS)
		c->max_trailers = HTTP_MAX_HEADERS;
}

/* Tell whether the validator is in the trailer section. */
int
http_chunked_in_trailers(const struct http_chunked *c)
{
	return (c->state >= CH_TRAILER_START && c->state < CH_DONE);
}

/* Record a chunked body error; errors are sticky. */
static int
http_chunked_fail(struct http_chunked *c, const char *reason)
{
	c->state = CH_ERROR;
	c->error = reason;
	return (HTTP_ERROR);
}

/* Validate the next fragment of a chunked body. */
int
http_chunked_feed(struct http_chunked *c, const char *buf, size_t len,
    size_t *consumed, size_t *data_off, size_t *data_len)
{
	size_t		 i = 0, n;
	unsigned char	 ch;
	int		 d, split;

	split = data_off != NULL && data_len != NULL;
	if (split)
		*data_off = *data_len = 0;
	*consumed = 0;
	if (c->state == CH_ERROR)
		return (HTTP_ERROR);
	if (c->state == CH_DONE)
		return (HTTP_DONE);

	while (i < len) {
		if (c->state == CH_DATA) {
			n = len - i;
			if (n > c->size)
				n = (size_t)c->size;
			if (split) {
				*data_off = i;
				*data_len = n;
			}
			i += n;
			c->size -= n;
			c->total += n;
			if (c->size == 0)
				c->state = CH_DATA_CR;
			if (split)
				break;
			continue;
		}
		ch = buf[i++];
		*consumed = i;

		/* The chunk line, chunk-size to CR, is bounded as a whole. */
		if (c->state <= CH_EXT_VAL_END && ch != '\r' &&
		    ++c->line > c->max_line)
			return (http_chunked_fail(c, "chunk line too long"));
		if (c->state >= CH_TRAILER_START &&
		    ++c->trailer > c->max_trailer)
			return (http_chunked_fail(c, "trailers too large"));
		if (ch == '\n' && c->state != CH_SIZE_LF &&
		    c->state != CH_DATA_LF && c->state != CH_TRAILER_LF &&
		    c->state != CH_END_LF)
			return (http_chunked_fail(c, "bare LF"));

		switch (c->state) {
		case CH_SIZE_START:
			if ((d = http_hexval(ch)) < 0)
				return (http_chunked_fail(c,
				    "invalid chunk size"));
			c->size = (uint64_t)d;
			c->state = CH_SIZE;
			break;
		case CH_SIZE:
			if ((d = http_hexval(ch)) >= 0) {
				/* RFC 9112 section 7.1: guard overflow. */
				if (c->size > (HTTP_CHUNK_MAX - 1 - d) / 16)
					return (http_chunked_fail(c,
					    "chunk size too large"));
				c->size = c->size * 16 + (uint64_t)d;
			} else if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';')
				c->state = CH_EXT_NAME_PRE;
			else if (http_ows(ch))
				c->state = CH_EXT_PRE;
			else
				return (http_chunked_fail(c,
				    "invalid chunk size"));
			break;
		case CH_EXT_PRE:
			/* BWS is allowed only before a ';'. */
			if (ch == ';')
				c->state = CH_EXT_NAME_PRE;
			else if (!http_ows(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_NAME_PRE:
			if (http_tchar(ch))
				c->state = CH_EXT_NAME;
			else if (!http_ows(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_NAME:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';')
				c->state = CH_EXT_NAME_PRE;
			else if (ch == '=')
				c->state = CH_EXT_VAL_PRE;
			else if (http_ows(ch))
				c->state = CH_EXT_NAME_POST;
			else if (!http_tchar(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_NAME_POST:
			if (ch == ';')
				c->state = CH_EXT_NAME_PRE;
			else if (ch == '=')
				c->state = CH_EXT_VAL_PRE;
			else if (!http_ows(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_VAL_PRE:
			if (ch == '"')
				c->state = CH_EXT_VAL_QUOTED;
			else if (http_tchar(ch))
				c->state = CH_EXT_VAL_TOKEN;
			else if (!http_ows(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_VAL_TOKEN:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';')
				c->state = CH_EXT_NAME_PRE;
			else if (http_ows(ch))
				c->state = CH_EXT_PRE;
			else if (!http_tchar(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_VAL_QUOTED:
			/* qdtext, RFC 9110 section 5.6.4. */
			if (ch == '"')
				c->state = CH_EXT_VAL_END;
			else if (ch == '\\')
				c->state = CH_EXT_VAL_ESC;
			else if (!http_fchar(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_EXT_VAL_ESC:
			if (!http_fchar(ch))
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			c->state = CH_EXT_VAL_QUOTED;
			break;
		case CH_EXT_VAL_END:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';')
				c->state = CH_EXT_NAME_PRE;
			else if (http_ows(ch))
				c->state = CH_EXT_PRE;
			else
				return (http_chunked_fail(c,
				    "invalid chunk extension"));
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return (http_chunked_fail(c, "bare CR"));
			c->line = 0;
			c->state = c->size == 0 ? CH_TRAILER_START : CH_DATA;
			if (c->state == CH_TRAILER_START && c->stop_trailers) {
				*consumed = i;
				return (HTTP_MORE);
			}
			break;
		case CH_DATA_CR:
			if (ch != '\r')
				return (http_chunked_fail(c,
				    "missing CRLF after chunk data"));
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return (http_chunked_fail(c,
				    "missing CRLF after chunk data"));
			c->state = CH_SIZE_START;
			break;
		case CH_TRAILER_START:
			if (ch == '\r')
				c->state = CH_END_LF;
			else if (http_ows(ch))
				return (http_chunked_fail(c, "obs-fold"));
			else if (!http_tchar(ch))
				return (http_chunked_fail(c,
				    "invalid header name"));
			else if (++c->ntrailers > c->max_trailers)
				return (http_chunked_fail(c,
				    "too many trailers"));
			else
				c->state = CH_TRAILER_NAME;
			break;
		case CH_TRAILER_NAME:
			if (ch == ':')
				c->state = CH_TRAILER_VALUE;
			else if (http_ows(ch))
				return (http_chunked_fail(c,
				    "whitespace before colon"));
			else if (!http_tchar(ch))
				return (http_chunked_fail(c,
				    "invalid header name"));
			break;
		case CH_TRAILER_VALUE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (!http_fchar(ch))
				return (http_chunked_fail(c,
				    "invalid header value"));
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return (http_chunked_fail(c, "bare CR"));
			c->state = CH_TRAILER_START;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return (http_chunked_fail(c, "bare CR"));
			c->state = CH_DONE;
			return (HTTP_DONE);
		default:
			return (http_chunked_fail(c, "internal error"));
		}
	}
	*consumed = i;
	return (HTTP_MORE);
}
