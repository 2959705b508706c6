/*
 * logfwd.c: access-log forwarding to syslog and to a log server over TCP
 * (RFC 5424 messages, RFC 6587 octet counting), through a bounded queue.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conn.h"
#include "ev.h"
#include "log.h"
#include "logfwd.h"
#include "metrics.h"
#include "tls.h"
#include "xmalloc.h"

/*
 * The connection to the server: none configured, connecting to one of
 * its addresses, up, or waiting for the next try.
 */
enum logfwd_state {
	LOGFWD_IDLE,
	LOGFWD_CONNECTING,
	LOGFWD_UP,
	LOGFWD_WAIT
};

struct logfwd {
	struct event_base	*base;
	char			*what;
	struct logfwd_conf	 conf;
	char			*host, *app, *msgid, *dev_log;
	char			*tls_ca, *tls_name;
	SSL_CTX			*tls;		/* when conf.tls */
	int			 handshake;	/* TCP up, TLS going */

	/* The server. */
	enum logfwd_state	 state;
	struct conn_addrs	 addrs;
	struct bufferevent	*bev;
	struct evbuffer		*q;		/* frames not yet on bev */
	uint64_t		 q_lines;
	uint64_t		 inflight;	/* lines on bev's output */
	struct event		*retry;
	uint64_t		 backoff_ms;
	time_t			 up_since;
	int			 down;		/* "down" was logged */
	uint64_t		 down_dropped;	/* dropped since then */
	char			 cur[ADDR_STRLEN];

	/* The local syslog; with none there, tried once a second. */
	int			 dfd;
	time_t			 dgram_next;
	int			 dgram_absent;	/* last drop: no socket */

	/* The drop warning, at most once every LOGFWD_WARN_S. */
	struct event		*warn;
	time_t			 warn_next;
	uint64_t		 warn_pending, warn_pending_local;

	/* The PROCID, taken at the first line (after a detach's fork). */
	long			 pid;

	/* The time, made once a second. */
	time_t			 tm_sec;
	struct tm		 tm;

	struct logfwd_stats	 st;
};

static void	logfwd_word(char *, size_t, const char *, size_t, size_t *);
static char	*logfwd_strdup(const char *);
static char	*logfwd_num(char *, unsigned long, int);
static void	logfwd_connect(struct logfwd *);
static void	logfwd_fail(struct logfwd *, const char *);
static void	logfwd_close(struct logfwd *);
static void	logfwd_push(struct logfwd *);
static void	logfwd_drop(struct logfwd *, int);
static void	logfwd_warn_flush(struct logfwd *);
static void	logfwd_dgram_open(struct logfwd *);
static int	logfwd_dgram_send(struct logfwd *, const char *, size_t);
static const struct tm *logfwd_now(struct logfwd *, long *);
static int	logfwd_tls_start(struct logfwd *, char *, size_t);
static int	logfwd_streq(const char *, const char *);
static void	logfwd_read_cb(struct bufferevent *, void *);
static void	logfwd_write_cb(struct bufferevent *, void *);
static void	logfwd_event_cb(struct bufferevent *, short, void *);
static void	logfwd_retry_cb(evutil_socket_t, short, void *);
static void	logfwd_warn_cb(evutil_socket_t, short, void *);

/*
 * Append header field <s> at buf + *off (within len): at most <max>
 * bytes of PRINTUSASCII, others as '_', "-" when empty; then a space.
 */
static void
logfwd_word(char *buf, size_t len, const char *s, size_t max, size_t *off)
{
	size_t	i, o = *off;

	for (i = 0; s != NULL && s[i] != '\0' && i < max && o < len; i++)
		buf[o++] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '_';
	if (i == 0 && o < len)
		buf[o++] = '-';
	if (o < len)
		buf[o++] = ' ';
	*off = o;
}

/* Write <v> as <width> digits (zero-padded, or more if it needs). */
static char *
logfwd_num(char *p, unsigned long v, int width)
{
	char	d[24];
	int	n = 0;

	do {
		d[n++] = '0' + v % 10;
		v /= 10;
	} while (v > 0 && n < (int)sizeof d);
	while (n < width)
		d[n++] = '0';
	while (n > 0)
		*p++ = d[--n];
	return (p);
}

/*
 * Format an RFC 5424 message. Without printf: this runs for every
 * request, and printf would cost more than the rest of the line.
 */
size_t
logfwd_format(char *buf, size_t len, int pri, const struct tm *tm,
    long usec, const char *host, const char *app, long pid,
    const char *msgid, const char *msg, size_t msglen)
{
	char	 head[64], *p = head;
	long	 off = tm->tm_gmtoff / 60;
	size_t	 o;

	/* "<134>1 2026-12-01T14:50:25.123456+01:00 ": micros and offset. */
	*p++ = '<';
	p = logfwd_num(p, pri & 0xff, 1);
	memcpy(p, ">1 ", 3);
	p += 3;
	p = logfwd_num(p, (tm->tm_year + 1900) % 10000, 4);
	*p++ = '-';
	p = logfwd_num(p, (tm->tm_mon + 1) % 100, 2);
	*p++ = '-';
	p = logfwd_num(p, tm->tm_mday % 100, 2);
	*p++ = 'T';
	p = logfwd_num(p, tm->tm_hour % 100, 2);
	*p++ = ':';
	p = logfwd_num(p, tm->tm_min % 100, 2);
	*p++ = ':';
	p = logfwd_num(p, tm->tm_sec % 100, 2);
	*p++ = '.';
	p = logfwd_num(p, usec % 1000000, 6);
	*p++ = off < 0 ? '-' : '+';
	p = logfwd_num(p, (labs(off) / 60) % 100, 2);
	*p++ = ':';
	p = logfwd_num(p, labs(off) % 60, 2);
	*p++ = ' ';
	o = p - head;
	if (o >= len)
		return (0);
	memcpy(buf, head, o);
	logfwd_word(buf, len, host, LOGFWD_HOST_MAX, &o);
	logfwd_word(buf, len, app, LOGFWD_APP_MAX, &o);
	*logfwd_num(head, pid < 0 ? 0 : (unsigned long)pid, 1) = '\0';
	logfwd_word(buf, len, head, 128, &o);
	logfwd_word(buf, len, msgid, LOGFWD_MSGID_MAX, &o);
	/* No structured data. */
	if (o + 2 > len)
		return (0);
	buf[o++] = '-';
	buf[o++] = ' ';
	if (msglen > len - o)
		msglen = len - o;
	memcpy(buf + o, msg, msglen);
	return (o + msglen);
}

/* Format a message for /dev/log. */
size_t
logfwd_format_local(char *buf, size_t len, int pri, const struct tm *tm,
    const char *app, long pid, const char *msg, size_t msglen)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char	 tag[LOGFWD_APP_MAX + 1];
	size_t	 o, i;
	int	 n;

	for (i = 0; app != NULL && app[i] != '\0' && i < LOGFWD_APP_MAX; i++)
		tag[i] = (app[i] > ' ' && app[i] < 0x7f && app[i] != '[' &&
		    app[i] != ']' && app[i] != ':') ? app[i] : '_';
	tag[i] = '\0';
	n = snprintf(buf, len, "<%d>%s %2d %02d:%02d:%02d %s[%ld]: ", pri,
	    months[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min,
	    tm->tm_sec, tag, pid);
	if (n < 0 || (size_t)n >= len)
		return (0);
	o = n;
	if (msglen > len - o)
		msglen = len - o;
	memcpy(buf + o, msg, msglen);
	return (o + msglen);
}

/* Write the octet-counting prefix before buf + LOGFWD_PREFIX_MAX. */
size_t
logfwd_frame(char *buf, size_t msglen)
{
	size_t	o = LOGFWD_PREFIX_MAX;

	buf[--o] = ' ';
	do {
		buf[--o] = '0' + msglen % 10;
		msglen /= 10;
	} while (msglen > 0 && o > 0);
	return (o);
}

/* Create a forwarder that sends nothing yet. */
struct logfwd *
logfwd_new(struct event_base *base, const char *what)
{
	struct logfwd	*lf;

	lf = xcalloc(1, sizeof *lf);
	lf->base = base;
	lf->what = xstrdup(what);
	lf->dfd = -1;
	lf->tm_sec = -1;
	if ((lf->q = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if ((lf->retry = evtimer_new(base, logfwd_retry_cb, lf)) == NULL ||
	    (lf->warn = evtimer_new(base, logfwd_warn_cb, lf)) == NULL)
		fatalx("evtimer_new");
	return (lf);
}

/* Send what goes without waiting, then free. */
void
logfwd_free(struct logfwd *lf)
{
	int	fd, i;

	if (lf == NULL)
		return;
	/*
	 * Shutting down: one last non-blocking try, so little is lost
	 * (plain TCP only: under TLS the socket's bytes are records).
	 */
	if (lf->state == LOGFWD_UP && !lf->handshake &&
	    (fd = bufferevent_getfd(lf->bev)) != -1) {
		logfwd_push(lf);
		evbuffer_add_buffer(bufferevent_get_output(lf->bev), lf->q);
		lf->inflight += lf->q_lines;
		lf->q_lines = 0;
		for (i = 0; i < 16 && evbuffer_get_length(
		    bufferevent_get_output(lf->bev)) > 0; i++)
			if (evbuffer_write(bufferevent_get_output(lf->bev),
			    fd) <= 0)
				break;
	}
	logfwd_warn_flush(lf);
	logfwd_close(lf);
	if (lf->dfd != -1)
		close(lf->dfd);
	event_free(lf->retry);
	event_free(lf->warn);
	evbuffer_free(lf->q);
	free(lf->host);
	free(lf->app);
	free(lf->msgid);
	free(lf->dev_log);
	free(lf->tls_ca);
	free(lf->tls_name);
	if (lf->tls != NULL)
		SSL_CTX_free(lf->tls);
	free(lf->what);
	free(lf);
}

/* Copy a string setting, NULL for none. */
static char *
logfwd_strdup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

/* Whether two settings are the same string (or both unset). */
static int
logfwd_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Apply a configuration. */
void
logfwd_configure(struct logfwd *lf, const struct logfwd_conf *conf)
{
	int	same = 1, i;

	if (conf->nserver != lf->conf.nserver ||
	    conf->source.af != lf->conf.source.af ||
	    (conf->source.af != 0 && !addr_eq(&conf->source,
	    &lf->conf.source)))
		same = 0;
	for (i = 0; same && i < conf->nserver; i++)
		if (!addr_eq(&conf->server[i], &lf->conf.server[i]) ||
		    conf->server[i].port != lf->conf.server[i].port)
			same = 0;
	if (conf->tls != lf->conf.tls || !logfwd_streq(conf->tls_ca,
	    lf->tls_ca) || !logfwd_streq(conf->tls_name, lf->tls_name))
		same = 0;
	free(lf->host);
	free(lf->app);
	free(lf->msgid);
	lf->host = logfwd_strdup(conf->host);
	lf->app = logfwd_strdup(conf->app);
	lf->msgid = logfwd_strdup(conf->msgid);
	if (lf->dev_log == NULL || conf->dev_log == NULL ||
	    strcmp(lf->dev_log, conf->dev_log) != 0 ||
	    conf->syslog != lf->conf.syslog) {
		free(lf->dev_log);
		lf->dev_log = xstrdup(conf->dev_log != NULL ? conf->dev_log :
		    LOGFWD_DEV_LOG);
		if (lf->dfd != -1)
			close(lf->dfd);
		lf->dfd = -1;
		lf->dgram_next = 0;
		if (conf->syslog)
			logfwd_dgram_open(lf);
	}
	if (!same) {
		free(lf->tls_ca);
		free(lf->tls_name);
		lf->tls_ca = logfwd_strdup(conf->tls_ca);
		lf->tls_name = logfwd_strdup(conf->tls_name);
		if (lf->tls != NULL)
			SSL_CTX_free(lf->tls);
		lf->tls = NULL;
	}
	lf->conf = *conf;
	lf->conf.host = lf->conf.app = lf->conf.msgid = NULL;
	lf->conf.dev_log = lf->conf.tls_ca = lf->conf.tls_name = NULL;
	if (lf->conf.queue_max == 0)
		lf->conf.queue_max = LOGFWD_QUEUE_DEFAULT;
	if (lf->conf.nserver > CONN_MAXADDRS)
		lf->conf.nserver = CONN_MAXADDRS;
	lf->st.configured = conf->syslog || conf->nserver > 0;
	if (same && lf->state != LOGFWD_IDLE)
		return;
	if (same && conf->nserver == 0)
		return;
	/* A new destination: what is queued goes there. */
	logfwd_warn_flush(lf);		/* the old one's drops, by its name */
	logfwd_close(lf);
	lf->down = 0;
	lf->down_dropped = 0;
	lf->backoff_ms = LOGFWD_BACKOFF_MIN_MS;
	conn_addrs_clear(&lf->addrs);
	for (i = 0; i < lf->conf.nserver; i++)
		conn_addrs_add(&lf->addrs, &lf->conf.server[i]);
	if (lf->conf.nserver == 0) {
		/* Nowhere to go any more. */
		lf->st.dropped += lf->q_lines;
		lf->q_lines = 0;
		evbuffer_drain(lf->q, evbuffer_get_length(lf->q));
		lf->state = LOGFWD_IDLE;
		return;
	}
	logfwd_connect(lf);
}

/* Whether anything is configured. */
int
logfwd_active(const struct logfwd *lf)
{
	return (lf != NULL && lf->st.configured);
}

/* The local time of now, made once a second; the microseconds. */
static const struct tm *
logfwd_now(struct logfwd *lf, long *usec)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != lf->tm_sec) {
		if (localtime_r(&tv.tv_sec, &lf->tm) == NULL)
			memset(&lf->tm, 0, sizeof lf->tm);
		lf->tm_sec = tv.tv_sec;
	}
	*usec = tv.tv_usec;
	return (&lf->tm);
}

/* Forward a line. */
int
logfwd_send(struct logfwd *lf, const char *line, size_t len)
{
	char		 buf[LOGFWD_PREFIX_MAX + LOGFWD_MSG_MAX];
	const struct tm	*tm;
	size_t		 n, o, queued;
	long		 usec;
	int		 pri, ok = 0;

	if (lf == NULL || !lf->st.configured)
		return (-1);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	pri = lf->conf.facility * 8 + LOGFWD_SEVERITY;
	tm = logfwd_now(lf, &usec);
	if (lf->pid == 0)
		lf->pid = (long)getpid();
	if (lf->conf.syslog) {
		n = logfwd_format_local(buf, LOGFWD_MSG_MAX, pri, tm, lf->app,
		    lf->pid, line, len);
		if (logfwd_dgram_send(lf, buf, n) == 0)
			ok = 1;
	}
	if (lf->state == LOGFWD_IDLE)
		return (ok ? 0 : -1);
	queued = evbuffer_get_length(lf->q);
	if (lf->bev != NULL)
		queued += evbuffer_get_length(bufferevent_get_output(lf->bev));
	/* Full already (the server is down): not worth formatting. */
	if (queued + len > lf->conf.queue_max) {
		logfwd_drop(lf, 0);
		return (ok ? 0 : -1);
	}
	n = logfwd_format(buf + LOGFWD_PREFIX_MAX, LOGFWD_MSG_MAX, pri, tm,
	    usec, lf->host, lf->app, lf->pid, lf->msgid, line, len);
	o = logfwd_frame(buf, n);
	n += LOGFWD_PREFIX_MAX - o;
	if (queued + n > lf->conf.queue_max) {
		logfwd_drop(lf, 0);
		return (ok ? 0 : -1);
	}
	evbuffer_add(lf->q, buf + o, n);
	lf->q_lines++;
	logfwd_push(lf);
	return (0);
}

/*
 * Move the queue to the socket's output when that is empty: a batch at a
 * time, so that the lines a broken connection takes with it are known
 * (the batch in flight).
 */
static void
logfwd_push(struct logfwd *lf)
{
	struct evbuffer	*out;

	if (lf->state != LOGFWD_UP || lf->q_lines == 0)
		return;
	out = bufferevent_get_output(lf->bev);
	if (evbuffer_get_length(out) > 0)
		return;
	lf->st.sent += lf->inflight;
	evbuffer_add_buffer(out, lf->q);
	lf->inflight = lf->q_lines;
	lf->q_lines = 0;
}

/* Count a dropped line; warn now or when the quiet time is over. */
static void
logfwd_drop(struct logfwd *lf, int local)
{
	struct timeval	tv = { 0, 0 };
	time_t		now;

	if (local) {
		lf->st.syslog_dropped++;
		lf->warn_pending_local++;
	} else {
		lf->st.dropped++;
		lf->warn_pending++;
		if (lf->down)
			lf->down_dropped++;
	}
	if (evtimer_pending(lf->warn, NULL))
		return;
	now = time(NULL);
	if (now >= lf->warn_next) {
		logfwd_warn_flush(lf);
		return;
	}
	tv.tv_sec = lf->warn_next - now;
	evtimer_add(lf->warn, &tv);
}

/* Log the drops not reported yet. */
static void
logfwd_warn_flush(struct logfwd *lf)
{
	if (lf->warn_pending > 0)
		log_warnx("%s: log server %s: %llu line%s dropped (%s, "
		    "queue of %zu bytes full)", lf->what, lf->cur,
		    (unsigned long long)lf->warn_pending,
		    lf->warn_pending == 1 ? "" : "s",
		    lf->state == LOGFWD_UP ? "server slow" : "server down",
		    (size_t)lf->conf.queue_max);
	if (lf->warn_pending_local > 0)
		log_warnx("%s: syslog %s: %llu line%s dropped (%s)",
		    lf->what, lf->dev_log,
		    (unsigned long long)lf->warn_pending_local,
		    lf->warn_pending_local == 1 ? "" : "s", lf->dgram_absent ?
		    "no syslog daemon listening there" : "not taken: the "
		    "syslog daemon is behind");
	if (lf->warn_pending > 0 || lf->warn_pending_local > 0)
		lf->warn_next = time(NULL) + LOGFWD_WARN_S;
	lf->warn_pending = lf->warn_pending_local = 0;
}

/* The quiet time is over. */
static void
logfwd_warn_cb(evutil_socket_t fd, short ev, void *arg)
{
	logfwd_warn_flush(arg);
}

/* Connect to the address being tried. */
static void
logfwd_connect(struct logfwd *lf)
{
	struct conn_limits	 lim = { 16384, FLOW_LIMITS_DEFAULT,
				     LOGFWD_CONNECT_MS };
	struct conn_cbs		 cbs = { logfwd_read_cb, logfwd_write_cb,
				     logfwd_event_cb, lf };
	const char		*op;
	char			 why[160];
	int			 err;

	addr_fmt(conn_addrs_cur(&lf->addrs), lf->cur, sizeof lf->cur);
	lf->state = LOGFWD_CONNECTING;
	lf->handshake = 0;
	lf->bev = conn_connect(lf->base, conn_addrs_cur(&lf->addrs),
	    lf->conf.source.af != 0 ? &lf->conf.source : NULL, &lim, &cbs,
	    &err, &op);
	if (lf->bev == NULL) {
		snprintf(why, sizeof why, "%s: %s", op, strerror(err));
		logfwd_fail(lf, why);
		return;
	}
	/* The write callback is for an empty output: the batch is out. */
	bufferevent_setwatermark(lf->bev, EV_WRITE, 0, 0);
	bufferevent_enable(lf->bev, EV_READ);
}

/* Free the connection; the lines on it are lost. */
static void
logfwd_close(struct logfwd *lf)
{
	if (lf->bev != NULL) {
		if (evbuffer_get_length(bufferevent_get_output(lf->bev)) == 0)
			lf->st.sent += lf->inflight;
		else {
			lf->st.dropped += lf->inflight;
			if (lf->down)
				lf->down_dropped += lf->inflight;
		}
		bufferevent_free(lf->bev);
		lf->bev = NULL;
	}
	lf->inflight = 0;
	lf->handshake = 0;
	if (lf->state == LOGFWD_UP)
		lf->st.connected = 0;
	evtimer_del(lf->retry);
	lf->state = LOGFWD_IDLE;
}

/*
 * A connect failed or the connection broke: try the next address now, or
 * wait and start over from the first; log going down once.
 */
static void
logfwd_fail(struct logfwd *lf, const char *why)
{
	struct timeval	 tv;
	uint64_t	 before = lf->st.dropped;
	int		 was_up = lf->state == LOGFWD_UP;
	char		 at[ADDR_STRLEN];

	strlcpy(at, lf->cur, sizeof at);
	logfwd_close(lf);
	/* The lines the connection took with it: dropped while down. */
	before = lf->st.dropped - before;
	/*
	 * A connection that lasted starts the backoff over; one that a
	 * server closes at once (flapping, or refusing us after accepting)
	 * keeps doubling it, so the log does not hear of it every second.
	 */
	if (was_up && time(NULL) - lf->up_since >= LOGFWD_BACKOFF_MAX_MS /
	    1000)
		lf->backoff_ms = LOGFWD_BACKOFF_MIN_MS;
	else if (!was_up && conn_addrs_next(&lf->addrs)) {
		log_debug("%s: log server %s: %s; trying the next address",
		    lf->what, at, why);
		logfwd_connect(lf);
		return;
	}
	lf->addrs.idx = 0;
	if (!lf->down) {
		lf->down = 1;
		lf->down_dropped = before;
		log_warnx("%s: log server %s down: %s; dropping lines past "
		    "%zu bytes queued, retrying in %llus", lf->what, at, why,
		    lf->conf.queue_max,
		    (unsigned long long)lf->backoff_ms / 1000);
	} else
		log_debug("%s: log server %s still down: %s; retrying in "
		    "%llus", lf->what, at, why,
		    (unsigned long long)lf->backoff_ms / 1000);
	lf->state = LOGFWD_WAIT;
	ev_tv(&tv, lf->backoff_ms);
	evtimer_add(lf->retry, &tv);
	lf->backoff_ms *= 2;
	if (lf->backoff_ms > LOGFWD_BACKOFF_MAX_MS)
		lf->backoff_ms = LOGFWD_BACKOFF_MAX_MS;
}

/* Time for the next try. */
static void
logfwd_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct logfwd	*lf = arg;

	if (lf->state == LOGFWD_WAIT)
		logfwd_connect(lf);
}

/* The server sends nothing we want; what it does send is dropped. */
static void
logfwd_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/* The batch is out: the next one. */
static void
logfwd_write_cb(struct bufferevent *bev, void *arg)
{
	struct logfwd	*lf = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	lf->st.sent += lf->inflight;
	lf->inflight = 0;
	logfwd_push(lf);
}

/* Connected, or the connection failed. */
static void
logfwd_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct logfwd	*lf = arg;
	struct timeval	 tv;
	char		 why[128];
	int		 err = EVUTIL_SOCKET_ERROR();

	if ((what & BEV_EVENT_CONNECTED) && lf->conf.tls && !lf->handshake) {
		/* TCP is up: the TLS handshake next, on top of it. */
		if (logfwd_tls_start(lf, why, sizeof why) == -1)
			logfwd_fail(lf, why);
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		lf->state = LOGFWD_UP;
		lf->st.connected = 1;
		lf->st.connects++;
		lf->up_since = time(NULL);
		lf->addrs.idx = 0;
		ev_tv(&tv, LOGFWD_STALL_MS);
		bufferevent_set_timeouts(bev, NULL, &tv);
		/* Over TLS, the TCP stream's own (still connect_ms). */
		if (lf->handshake)
			bufferevent_set_timeouts(
			    bufferevent_get_underlying(bev), NULL, &tv);
		if (lf->down)
			log_info("%s: log server %s up again, %llu lines "
			    "dropped while down", lf->what, lf->cur,
			    (unsigned long long)lf->down_dropped);
		else
			log_info("%s: log server %s connected", lf->what,
			    lf->cur);
		lf->down = 0;
		lf->down_dropped = 0;
		logfwd_push(lf);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		strlcpy(why, lf->state == LOGFWD_UP ? "not reading for "
		    "30s" : "connect timed out", sizeof why);
	else if (what & BEV_EVENT_EOF)
		strlcpy(why, "connection closed", sizeof why);
	else
		strlcpy(why, err != 0 ? strerror(err) : "connection error",
		    sizeof why);
	if (lf->handshake)
		ev_tls_why(bev, why, sizeof why);
	logfwd_fail(lf, why);
}

/*
 * Start TLS over the connection just made: the context is built at the
 * first connection after a change (a CA file that does not load is the
 * server's failure, retried with the rest); the server's certificate is
 * checked against its name, or the address connected to.
 */
static int
logfwd_tls_start(struct logfwd *lf, char *why, size_t len)
{
	struct tls_client_conf	 tc;
	struct bufferevent	*fbev;
	struct timeval		 tv;
	char			*cause = NULL, ip[ADDR_STRLEN];
	SSL			*ssl;

	if (lf->tls == NULL) {
		memset(&tc, 0, sizeof tc);
		tc.cafile = lf->tls_ca;
		if ((lf->tls = tls_client_new(&tc, &cause)) == NULL) {
			snprintf(why, len, "tls: %s", cause);
			free(cause);
			return (-1);
		}
	}
	addr_ntop(conn_addrs_cur(&lf->addrs), ip, sizeof ip);
	if ((ssl = tls_client_ssl(lf->tls, lf->tls_name != NULL ?
	    lf->tls_name : ip, &cause)) == NULL) {
		snprintf(why, len, "tls: %s", cause);
		free(cause);
		return (-1);
	}
	fbev = bufferevent_openssl_filter_new(lf->base, lf->bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (fbev == NULL) {
		SSL_free(ssl);
		snprintf(why, len, "tls: out of memory");
		return (-1);
	}
	/* The filter owns the TCP bufferevent now. */
	lf->bev = fbev;
	lf->handshake = 1;
	bufferevent_setcb(fbev, logfwd_read_cb, logfwd_write_cb,
	    logfwd_event_cb, lf);
	bufferevent_setwatermark(fbev, EV_WRITE, 0, 0);
	ev_tv(&tv, LOGFWD_CONNECT_MS);
	bufferevent_set_timeouts(fbev, &tv, &tv);
	bufferevent_enable(fbev, EV_READ | EV_WRITE);
	return (0);
}

/* Open the datagram socket to the local syslog. */
static void
logfwd_dgram_open(struct logfwd *lf)
{
	struct sockaddr_un	sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, lf->dev_log, sizeof sun.sun_path) >=
	    sizeof sun.sun_path)
		return;
	lf->dfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (lf->dfd == -1)
		return;
	if (connect(lf->dfd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		/* Tried again on the next line. */
		close(lf->dfd);
		lf->dfd = -1;
	}
}

/*
 * Send a datagram to /dev/log without waiting: a syslog daemon that
 * does not keep up costs the line (EAGAIN), never the daemon's time.
 */
static int
logfwd_dgram_send(struct logfwd *lf, const char *msg, size_t len)
{
	int	tries;

	for (tries = 0; tries < 2; tries++) {
		if (lf->dfd == -1) {
			/* Not two failing system calls for every line. */
			if (time(NULL) < lf->dgram_next)
				break;
			logfwd_dgram_open(lf);
		}
		if (lf->dfd == -1) {
			lf->dgram_next = time(NULL) + 1;
			break;
		}
		if (send(lf->dfd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			lf->st.syslog_sent++;
			return (0);
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			break;
		/* The daemon restarted (ECONNREFUSED): connect again. */
		close(lf->dfd);
		lf->dfd = -1;
	}
	lf->dgram_absent = lf->dfd == -1;
	logfwd_drop(lf, 1);
	return (-1);
}

/* SIGUSR1: reconnect the local syslog; retry a server that is down. */
void
logfwd_reopen(struct logfwd *lf)
{
	if (lf == NULL)
		return;
	if (lf->conf.syslog) {
		if (lf->dfd != -1)
			close(lf->dfd);
		lf->dfd = -1;
		lf->dgram_next = 0;
		logfwd_dgram_open(lf);
	}
	if (lf->state == LOGFWD_WAIT) {
		evtimer_del(lf->retry);
		lf->backoff_ms = LOGFWD_BACKOFF_MIN_MS;
		logfwd_connect(lf);
	}
}

/* Return the counters. */
void
logfwd_stats(const struct logfwd *lf, struct logfwd_stats *st)
{
	*st = lf->st;
	st->queued = evbuffer_get_length(lf->q);
	if (lf->bev != NULL)
		st->queued += evbuffer_get_length(
		    bufferevent_get_output(lf->bev));
}

/* One sample, labelled <label>=<value> when <label> is set, then k=v. */
static void
logfwd_sample(struct metrics *m, uint64_t v, const char *label,
    const char *value, const char *k, const char *kv)
{
	if (label == NULL && k == NULL)
		metrics_sample(m, v, NULL);
	else if (label == NULL)
		metrics_sample(m, v, k, kv, NULL);
	else if (k == NULL)
		metrics_sample(m, v, label, value, NULL);
	else
		metrics_sample(m, v, label, value, k, kv, NULL);
}

void
logfwd_metrics(struct metrics *m, const char *pfx, const char *label,
    const char *const *values, struct logfwd *const *fwds, size_t n)
{
	static const struct {
		const char	*name;
		enum metrics_type type;
		const char	*help;
	} fam[] = {
		{ "forward_lines_total", METRICS_COUNTER,
		    "Access-log lines the log server's socket took or lost." },
		{ "syslog_lines_total", METRICS_COUNTER,
		    "Access-log datagrams /dev/log took or lost." },
		{ "forward_connected", METRICS_GAUGE,
		    "Whether the log server is connected." },
		{ "forward_connects_total", METRICS_COUNTER,
		    "Connections made to the log server." },
		{ "forward_queued_bytes", METRICS_GAUGE,
		    "Bytes waiting for the log server." }
	};
	struct logfwd_stats	 st;
	char			 name[128];
	const char		*v;
	size_t			 f, i, any = 0;

	for (i = 0; i < n; i++)
		if (fwds[i] != NULL && logfwd_active(fwds[i]))
			any++;
	if (any == 0)
		return;
	for (f = 0; f < sizeof fam / sizeof fam[0]; f++) {
		(void)snprintf(name, sizeof name, "twinproxy_%s_log_%s", pfx,
		    fam[f].name);
		if (metrics_family(m, name, fam[f].type, fam[f].help) != 0)
			continue;
		for (i = 0; i < n; i++) {
			if (fwds[i] == NULL || !logfwd_active(fwds[i]))
				continue;
			logfwd_stats(fwds[i], &st);
			v = label != NULL ? values[i] : NULL;
			switch (f) {
			case 0:
				logfwd_sample(m, st.sent, label, v, "result",
				    "sent");
				logfwd_sample(m, st.dropped, label, v,
				    "result", "dropped");
				break;
			case 1:
				logfwd_sample(m, st.syslog_sent, label, v,
				    "result", "sent");
				logfwd_sample(m, st.syslog_dropped, label, v,
				    "result", "dropped");
				break;
			case 2:
				logfwd_sample(m, st.connected, label, v, NULL,
				    NULL);
				break;
			case 3:
				logfwd_sample(m, st.connects, label, v, NULL,
				    NULL);
				break;
			default:
				logfwd_sample(m, st.queued, label, v, NULL,
				    NULL);
				break;
			}
		}
	}
}
