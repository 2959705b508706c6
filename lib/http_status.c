/*
 * http_status.c: one reason-phrase table for every status a daemon sends
 * or relays from a cache, and the error page.
 */
#include <stdio.h>
#include <string.h>

#include "ev.h"
#include "http_status.h"

struct http_status {
	int		 code;
	const char	*reason;
};

/* In code order, so a lookup can stop early. */
static const struct http_status http_statuses[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 103, "Early Hints" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 305, "Use Proxy" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 451, "Unavailable For Legal Reasons" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 0, NULL }
};

/* Return the reason phrase of a status code. */
const char *
http_status_reason(int code)
{
	const struct http_status	*s;

	for (s = http_statuses; s->code != 0 && s->code <= code; s++)
		if (s->code == code)
			return (s->reason);
	return ("Unknown");
}

/* Append a status line. */
void
http_status_line(struct evbuffer *out, int code)
{
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", code,
	    http_status_reason(code));
}

/* Append a complete error response with a short HTML page. */
void
http_error_page(struct evbuffer *out, int status, const char *reason,
    const char *server, const char *via, int keep)
{
	char		 body[512];
	const char	*phrase;
	int		 n;

	phrase = http_status_reason(status);
	n = snprintf(body, sizeof body,
	    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
	    "<body><h1>%d %s</h1>\n<p>%s</p>\n<hr><address>%s"
	    "</address></body></html>\n", status, phrase, status, phrase,
	    reason, server);
	if (n < 0 || (size_t)n >= sizeof body)
		n = strlen(body);
	http_status_line(out, status);
	evbuffer_add_printf(out,
	    "Content-Type: text/html; charset=us-ascii\r\n"
	    "Content-Length: %d\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s%s"
	    "Connection: %s\r\n\r\n", n,
	    via != NULL ? "Via: 1.1 " : "", via != NULL ? via : "",
	    via != NULL ? "\r\n" : "", keep ? "keep-alive" : "close");
	evbuffer_add(out, body, n);
}
