/*
 * http_status.h: status codes and the short error pages daemons answer
 * with themselves.
 */
#ifndef HTTP_STATUS_H
#define HTTP_STATUS_H

struct evbuffer;

/*
 * Return the reason phrase of a status code: every code RFC 9110 section
 * 15 defines, plus 103 (RFC 8297), 428, 429, 431 (RFC 6585) and 451
 * (RFC 7725); "Unknown" for any other.
 */
const char	*http_status_reason(int);
/* Append "HTTP/1.1 <code> <reason>\r\n". */
void		 http_status_line(struct evbuffer *, int);
/*
 * Append a complete error response: status line, Content-Type,
 * Content-Length, Cache-Control: no-store, Via ("1.1 <via>", the
 * protocol of the response first, RFC 9110 section 7.6.3) when <via> is
 * not NULL,
 * Connection (keep-alive with <keep>, else close) and an HTML page naming
 * <reason> and the daemon <server> that sent it. <reason> and <server>
 * are our own static strings, never text from a peer: no escaping.
 */
void		 http_error_page(struct evbuffer *, int, const char *,
		    const char *, const char *, int);

#endif
