/* proxy_page.c: the short HTML pages the proxy answers errors with. */
#include <stdio.h>
#include <string.h>

#include "ev.h"
#include "proxy.h"

/* Return the reason phrase of a status code the proxy sends itself. */
const char *
proxy_page_reason(int status)
{
	switch (status) {
	case 200:
		return ("OK");
	case 400:
		return ("Bad Request");
	case 403:
		return ("Forbidden");
	case 414:
		return ("URI Too Long");
	case 431:
		return ("Request Header Fields Too Large");
	case 501:
		return ("Not Implemented");
	case 502:
		return ("Bad Gateway");
	case 503:
		return ("Service Unavailable");
	case 504:
		return ("Gateway Timeout");
	case 505:
		return ("HTTP Version Not Supported");
	default:
		return ("Error");
	}
}

/*
 * Append a complete error response to out: status line, headers and a
 * short HTML page naming <reason>. The reason comes from our own static
 * strings, never from the request, so it needs no escaping. With
 * <keep> the connection stays open, otherwise the page says close.
 */
void
proxy_page_error(struct evbuffer *out, int status, const char *reason,
    const char *via, int keep)
{
	char		 body[512];
	const char	*phrase;
	int		 n;

	phrase = proxy_page_reason(status);
	n = snprintf(body, sizeof body,
	    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
	    "<body><h1>%d %s</h1>\n<p>%s</p>\n<hr><address>twin-proxy"
	    "</address></body></html>\n", status, phrase, status, phrase,
	    reason);
	if (n < 0 || (size_t)n >= sizeof body)
		n = strlen(body);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n"
	    "Content-Length: %d\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s%s"
	    "Connection: %s\r\n\r\n", status, phrase, n,
	    via != NULL ? "Via: " : "", via != NULL ? via : "",
	    via != NULL ? "\r\n" : "", keep ? "keep-alive" : "close");
	evbuffer_add(out, body, n);
}
