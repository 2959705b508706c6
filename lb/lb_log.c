/*
 * lb_log.c: the access log of l7 and https clusters, one line per
 * request, in the combined format web log tools read, followed by what
 * the balancer adds:
 *
 *   client - - [time] "request line" status bytes "referer" "user-agent"
 *       cluster server ms how
 *
 * <bytes> counts the body sent (the page, for an answer of our own),
 * <server> is the server that answered ("-": none, as for a 503 of an
 * empty cluster; a server a reload removed keeps its name), <ms> the time from the first byte of the request to
 * the end of the response, <how> why that server: persistent, scheduled,
 * quiesced, spare-down, spare-full, once-only (the connection's server,
 * unexamined), none. Quoted fields escape '"', '\' and every byte that is
 * not printable ASCII (\xHH), so a client can neither split a line nor
 * forge one. lib/logfile.h buffers the lines and writes them at least
 * once a second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "lbd.h"
#include "logfile.h"

static size_t	 lbd_log_quote(char *, size_t, const char *);
static size_t	 lbd_log_time(char *, size_t, time_t);

/*
 * Copy <s> as a quoted log field (without the quotes) into <dst> of
 * <len> bytes; "-" for an empty one. Returns the length written.
 */
static size_t
lbd_log_quote(char *dst, size_t len, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	size_t			 o = 0;

	if (len == 0)
		return (0);
	if (s == NULL || *s == '\0')
		s = "-";
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			if (o + 3 > len)
				break;
			dst[o++] = '\\';
			dst[o++] = c;
		} else if (c < 0x20 || c >= 0x7f) {
			if (o + 5 > len)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		} else {
			if (o + 2 > len)
				break;
			dst[o++] = c;
		}
	}
	dst[o] = '\0';
	return (o);
}

/*
 * Format <t> as the common log format's time, local time with its
 * offset ("10/Oct/2000:13:55:36 -0700"), whatever the locale.
 */
static size_t
lbd_log_time(char *buf, size_t len, time_t t)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	tm;
	long		off;
	int		n;

	if (localtime_r(&t, &tm) == NULL)
		return (strlcpy(buf, "01/Jan/1970:00:00:00 +0000", len));
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, len, "%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
	return (n < 0 ? 0 : (size_t)n);
}

/*
 * Format one access log line, with its newline, into <buf>; returns its
 * length (a truncated line still ends in a newline). <status> 0 and
 * <bytes> 0 are written "-" as in the common log format.
 */
size_t
lbd_log_format(char *buf, size_t len, time_t t, const char *client,
    const char *reqline, int status, uint64_t bytes, const char *referer,
    const char *agent, const char *cluster, const char *server, uint64_t ms,
    const char *how)
{
	char	tm[40], rl[LBD_URL_MAX * 2], rf[LBD_FIELD_MAX * 2];
	char	ua[LBD_FIELD_MAX * 2], st[16], by[24];
	int	n;

	lbd_log_time(tm, sizeof tm, t);
	lbd_log_quote(rl, sizeof rl, reqline);
	lbd_log_quote(rf, sizeof rf, referer);
	lbd_log_quote(ua, sizeof ua, agent);
	if (status > 0)
		snprintf(st, sizeof st, "%d", status);
	else
		strlcpy(st, "-", sizeof st);
	if (bytes > 0)
		snprintf(by, sizeof by, "%llu", (unsigned long long)bytes);
	else
		strlcpy(by, "-", sizeof by);
	n = snprintf(buf, len, "%s - - [%s] \"%s\" %s %s \"%s\" \"%s\" %s %s "
	    "%llu %s\n", client != NULL && *client != '\0' ? client : "-", tm,
	    rl, st, by, rf, ua, cluster, server != NULL ? server : "-",
	    (unsigned long long)ms, how != NULL ? how : "-");
	if (n < 0 || len < 2)
		return (0);
	if ((size_t)n >= len) {
		buf[len - 2] = '\n';
		buf[len - 1] = '\0';
		return (len - 1);
	}
	return ((size_t)n);
}

/* Log the request client connection <cl> is done with. */
void
lbd_log_request(struct lbd_client *cl)
{
	struct lbd_xchg	*x = &cl->x;
	char		 line[LBD_URL_MAX * 2 + LBD_FIELD_MAX * 4 + 512];
	size_t		 n;

	if (x->logged)
		return;
	x->logged = 1;
	if (cl->c->log == NULL || logfile_fd(cl->c->log) == -1)
		return;
	n = lbd_log_format(line, sizeof line, x->t_start.tv_sec,
	    cl->addr_str, x->reqline[0] != '\0' ? x->reqline : NULL,
	    x->status, x->body_out, x->referer, x->agent, cl->c->name,
	    x->srvname[0] != '\0' ? x->srvname : NULL, check_now() - x->t0,
	    x->routed ? lb_route_token(x->how, &x->pk) : NULL);
	logfile_write(cl->c->log, line, n);
}
