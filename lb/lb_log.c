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

/*
 * A line being built: it keeps two bytes for the newline and the NUL, and
 * once something does not fit, takes what fits and nothing more. Lines
 * are written on every request's path, so without printf, which would
 * cost more than the rest of the line.
 */
struct lbd_line {
	char	*b;
	size_t	 len;
	size_t	 n;
	int	 full;
};

static void	 lbd_put(struct lbd_line *, const char *, size_t);
static void	 lbd_puts(struct lbd_line *, const char *);
static void	 lbd_putu(struct lbd_line *, uint64_t);
static void	 lbd_putq(struct lbd_line *, const char *);
static const char *lbd_log_time(time_t, size_t *);

/* Append <n> bytes, or what fits of them. */
static void
lbd_put(struct lbd_line *l, const char *s, size_t n)
{
	if (l->full)
		return;
	if (l->n + n + 2 > l->len) {
		n = l->len - 2 - l->n;
		l->full = 1;
	}
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

/* Append a string, "-" for an empty one. */
static void
lbd_puts(struct lbd_line *l, const char *s)
{
	if (s == NULL || *s == '\0')
		s = "-";
	lbd_put(l, s, strlen(s));
}

/* Append a number, "-" for 0 (as the common log format writes it). */
static void
lbd_putu(struct lbd_line *l, uint64_t v)
{
	char	buf[24];
	size_t	i = sizeof buf;

	if (v == 0) {
		lbd_put(l, "-", 1);
		return;
	}
	while (v > 0 && i > 0) {
		buf[--i] = '0' + v % 10;
		v /= 10;
	}
	lbd_put(l, buf + i, sizeof buf - i);
}

/*
 * Append <s> as a quoted field: '"' and '\' escaped with a backslash,
 * bytes outside printable ASCII as \xHH; "-" for an empty one.
 */
static void
lbd_putq(struct lbd_line *l, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run;
	unsigned char		 c;
	char			 esc[4];

	lbd_put(l, "\"", 1);
	if (s == NULL || *s == '\0')
		s = "-";
	for (run = s; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		lbd_put(l, run, (size_t)(s - run));
		esc[0] = '\\';
		if (c == '"' || c == '\\') {
			esc[1] = c;
			lbd_put(l, esc, 2);
		} else {
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			lbd_put(l, esc, 4);
		}
		run = s + 1;
	}
	lbd_put(l, run, (size_t)(s - run));
	lbd_put(l, "\"", 1);
}

/*
 * The common log format's time of <t>, local time with its offset
 * ("10/Oct/2000:13:55:36 -0700"), whatever the locale; made once a
 * second.
 */
static const char *
lbd_log_time(time_t t, size_t *lenp)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static char	 buf[40];
	static size_t	 len;
	static time_t	 last = -1;
	struct tm	 tm;
	long		 off;
	int		 n;

	if (t != last) {
		if (localtime_r(&t, &tm) == NULL)
			n = snprintf(buf, sizeof buf,
			    "01/Jan/1970:00:00:00 +0000");
		else {
			off = tm.tm_gmtoff / 60;
			n = snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:"
			    "%02d %c%02ld%02ld", tm.tm_mday,
			    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
			    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
			    labs(off) / 60, labs(off) % 60);
		}
		len = n < 0 ? 0 : (size_t)n;
		last = t;
	}
	*lenp = len;
	return (buf);
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
	struct lbd_line	 l = { buf, len, 0, 0 };
	const char	*tm;
	size_t		 tmlen;

	if (len < 2)
		return (0);
	tm = lbd_log_time(t, &tmlen);
	lbd_puts(&l, client);
	lbd_put(&l, " - - [", 6);
	lbd_put(&l, tm, tmlen);
	lbd_put(&l, "] ", 2);
	lbd_putq(&l, reqline);
	lbd_put(&l, " ", 1);
	lbd_putu(&l, status > 0 ? (uint64_t)status : 0);
	lbd_put(&l, " ", 1);
	lbd_putu(&l, bytes);
	lbd_put(&l, " ", 1);
	lbd_putq(&l, referer);
	lbd_put(&l, " ", 1);
	lbd_putq(&l, agent);
	lbd_put(&l, " ", 1);
	lbd_puts(&l, cluster);
	lbd_put(&l, " ", 1);
	lbd_puts(&l, server);
	lbd_put(&l, " ", 1);
	if (ms == 0)
		lbd_put(&l, "0", 1);
	else
		lbd_putu(&l, ms);
	lbd_put(&l, " ", 1);
	lbd_puts(&l, how);
	/* Cut short or not, a whole line. */
	buf[l.n++] = '\n';
	buf[l.n] = '\0';
	return (l.n);
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
	if (!logfile_active(cl->c->log))
		return;
	n = lbd_log_format(line, sizeof line, x->t_start.tv_sec,
	    cl->addr_str, x->reqline[0] != '\0' ? x->reqline : NULL,
	    x->status, x->body_out, x->referer, x->agent, cl->c->name,
	    x->srvname[0] != '\0' ? x->srvname : NULL, check_now() - x->t0,
	    x->routed ? lb_route_token(x->how, &x->pk) : NULL);
	logfile_write(cl->c->log, line, n);
}
