/*
 * mon_load.c: many simulated sites reporting to a monitoring center, each
 * with its own client certificate and device ID, as twin-report does it
 * (one TLS connection per report, resuming the site's last session).
 * Built by make check, not run; tests/bench/mon_bench.sh drives it:
 *
 *   mon_load steady ADDR:PORT CAFILE SITES INTERVAL-MS SECONDS
 *       [QUIET-SITES QUIET-AFTER-S]
 *	every site reports every INTERVAL-MS, the sites spread evenly over
 *	the interval; the first QUIET-SITES sites stop after QUIET-AFTER-S
 *	seconds (their alarms are the ones the center must raise, on time)
 *   mon_load max ADDR:PORT CAFILE SITES SECONDS CONCURRENCY [full]
 *	reports as fast as CONCURRENCY connections in flight allow, round
 *	robin over the sites; "full" makes every handshake a full one
 *
 * SITES is a file of lines "SITE DEVICE DEVICE-ID CERT.pem". At the end
 * it prints one line of "key value" pairs: reports sent, answered 200,
 * failed, per second, latency percentiles (ms), how late the generator
 * itself got behind its schedule (ms), and resumed handshakes.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ev.h"

#define MAXSITES	20000
#define MAXLAT		(1 << 20)

struct site {
	char		 name[64];
	char		 dev[65];
	char		 id[33];
	SSL_CTX		*ctx;
	SSL_SESSION	*sess;
	uint64_t	 due;		/* steady: next report, ms */
	int		 quiet;
	struct event	*timer;
};

struct conn {
	struct site		*s;
	struct bufferevent	*bev;
	SSL			*ssl;
	uint64_t		 start;
	uint64_t		 sched;
	int			 got_head;
};

static struct event_base	*base;
static struct sockaddr_storage	 dst;
static int			 dstlen;
static struct site		*sites;
static size_t			 nsites;
static int			 full;
static int			 maxmode;
static size_t			 rr;
static uint64_t			 t_end, t_start, quiet_at;
static size_t			 nquiet;
static uint64_t			 interval;
static uint64_t			 sent, ok, failed, resumed, behind_max;
static uint32_t			*lat;
static size_t			 nlat;

static uint64_t	now_ms(void);
static void	start(struct site *, uint64_t);
static void	conn_done(struct conn *, int);
static void	read_cb(struct bufferevent *, void *);
static void	event_cb(struct bufferevent *, short, void *);
static void	timer_cb(evutil_socket_t, short, void *);
static void	stop_cb(evutil_socket_t, short, void *);
static int	cmp32(const void *, const void *);

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Start one report of site <s>, scheduled at <sched>. */
static void
start(struct site *s, uint64_t sched)
{
	struct conn	*c;
	struct evbuffer	*out;
	char		 body[1024], tb[32];
	struct tm	 tm;
	time_t		 t = time(NULL);
	int		 n, fd, on = 1;

	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->s = s;
	c->start = now_ms();
	c->sched = sched;
	if (c->start > sched && c->start - sched > behind_max)
		behind_max = c->start - sched;
	c->ssl = SSL_new(s->ctx);
	if (!full && s->sess != NULL)
		SSL_set_session(c->ssl, s->sess);
	/* As the agent's connections: no Nagle delay between TLS records. */
	if ((fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		abort();
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	c->bev = bufferevent_openssl_socket_new(base, fd, c->ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	gmtime_r(&t, &tm);
	strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	n = snprintf(body, sizeof body, "twinproxy-report 1\nsite: %s\n"
	    "peer: %s\nsent: %s\nsoftware: 0.1.0\nuptime: 1\nrole: active\n"
	    "partner: up\nproxy: up\nproxy-requests: %" PRIu64 "\n"
	    "proxy-connections: 1\ncache-hits: 0\ncache-misses: 0\n"
	    "cache-objects: 0\ncache-bytes: 0\nwpad: off\n", s->name, s->dev,
	    tb, sent);
	out = bufferevent_get_output(c->bev);
	evbuffer_add_printf(out, "POST /report HTTP/1.1\r\nHost: center\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %d\r\n"
	    "Twinproxy-Device-ID: %s\r\nConnection: close\r\n\r\n", n, s->id);
	evbuffer_add(out, body, n);
	sent++;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&dst,
	    dstlen) == -1)
		conn_done(c, 0);
}

/* A report ended: count it, start the next one in max mode. */
static void
conn_done(struct conn *c, int good)
{
	struct site	*s = c->s;
	SSL_SESSION	*sess;
	uint64_t	 now = now_ms();

	if (good) {
		ok++;
		if (nlat < MAXLAT)
			lat[nlat++] = (uint32_t)(now - c->start);
		if (SSL_session_reused(c->ssl))
			resumed++;
		/* Resumable only once this side sent its close_notify. */
		if (SSL_shutdown(c->ssl) < 0)
			ERR_clear_error();
		if ((sess = SSL_get1_session(c->ssl)) != NULL) {
			SSL_SESSION_free(s->sess);
			s->sess = sess;
		}
	} else
		failed++;
	bufferevent_free(c->bev);
	free(c);
	if (maxmode && now < t_end) {
		start(&sites[rr], now);
		rr = (rr + 1) % nsites;
	}
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 n;

	if (c->got_head)
		return;
	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL)
		return;
	c->got_head = 1;
	if (strncmp(line, "HTTP/1.1 200 ", 13) != 0) {
		fprintf(stderr, "%s/%s: %s\n", c->s->name, c->s->dev, line);
		free(line);
		conn_done(c, 0);
		return;
	}
	free(line);
	/* The answer is small: wait for the close (Connection: close). */
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (getenv("MON_LOAD_DEBUG") != NULL)
		fprintf(stderr, "%s: event 0x%x head %d err %lu\n", c->s->name,
		    what, c->got_head, bufferevent_get_openssl_error(bev));
	conn_done(c, c->got_head && (what & BEV_EVENT_EOF));
}

/* Steady mode: a site's report is due. */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct site	*s = arg;
	struct timeval	 tv;
	uint64_t	 now = now_ms(), sched = s->due;

	if (now >= t_end)
		return;
	if (s->quiet && now >= quiet_at) {
		printf("quiet %s %" PRIu64 "\n", s->name, now);
		return;
	}
	s->due += interval;
	tv.tv_sec = (s->due > now ? s->due - now : 0) / 1000;
	tv.tv_usec = (s->due > now ? s->due - now : 0) % 1000 * 1000;
	evtimer_add(s->timer, &tv);
	start(s, sched);
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopexit(base, NULL);
}

static int
cmp32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

static void
usage(void)
{
	fprintf(stderr, "usage: mon_load steady ADDR:PORT CAFILE SITES "
	    "INTERVAL-MS SECONDS [QUIET-SITES QUIET-AFTER-S]\n"
	    "       mon_load max ADDR:PORT CAFILE SITES SECONDS CONCURRENCY "
	    "[full]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct timeval	 tv;
	struct site	*s;
	FILE		*f;
	char		 line[1024], cert[512];
	uint64_t	 secs, conc = 0, last_due;
	size_t		 i;
	double		 el;

	if (argc < 7)
		usage();
	maxmode = strcmp(argv[1], "max") == 0;
	if (!maxmode && strcmp(argv[1], "steady") != 0)
		usage();
	dstlen = sizeof dst;
	if (evutil_parse_sockaddr_port(argv[2], (struct sockaddr *)&dst,
	    &dstlen) == -1)
		usage();
	if ((sites = calloc(MAXSITES, sizeof *sites)) == NULL ||
	    (lat = calloc(MAXLAT, sizeof *lat)) == NULL)
		abort();
	if ((f = fopen(argv[4], "r")) == NULL) {
		perror(argv[4]);
		return (1);
	}
	while (nsites < MAXSITES && fgets(line, sizeof line, f) != NULL) {
		s = &sites[nsites];
		if (sscanf(line, "%63s %64s %32s %511s", s->name, s->dev, s->id,
		    cert) != 4)
			continue;
		if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    SSL_CTX_load_verify_locations(s->ctx, argv[3], NULL) != 1 ||
		    SSL_CTX_use_certificate_file(s->ctx, cert,
		    SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_use_PrivateKey_file(s->ctx, cert,
		    SSL_FILETYPE_PEM) != 1) {
			ERR_print_errors_fp(stderr);
			return (1);
		}
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		nsites++;
	}
	fclose(f);
	if (nsites == 0)
		usage();
	base = event_base_new();
	t_start = now_ms();
	if (maxmode) {
		secs = strtoull(argv[5], NULL, 10);
		conc = strtoull(argv[6], NULL, 10);
		full = argc > 7 && strcmp(argv[7], "full") == 0;
		t_end = t_start + secs * 1000;
		for (i = 0; i < conc; i++) {
			start(&sites[rr], t_start);
			rr = (rr + 1) % nsites;
		}
	} else {
		interval = strtoull(argv[5], NULL, 10);
		secs = strtoull(argv[6], NULL, 10);
		if (argc > 8) {
			nquiet = strtoull(argv[7], NULL, 10);
			quiet_at = t_start + strtoull(argv[8], NULL, 10) * 1000;
		}
		t_end = t_start + secs * 1000;
		for (i = 0; i < nsites; i++) {
			s = &sites[i];
			s->quiet = i < nquiet;
			s->due = t_start + interval * i / nsites;
			s->timer = evtimer_new(base, timer_cb, s);
			tv.tv_sec = (s->due - t_start) / 1000;
			tv.tv_usec = (s->due - t_start) % 1000 * 1000;
			evtimer_add(s->timer, &tv);
		}
	}
	/* Let the last reports end before counting. */
	tv.tv_sec = secs + 2;
	tv.tv_usec = 0;
	event_base_once(base, -1, EV_TIMEOUT, stop_cb, NULL, &tv);
	event_base_dispatch(base);
	el = (double)((maxmode ? t_end : now_ms()) - t_start) / 1000.0;
	qsort(lat, nlat, sizeof *lat, cmp32);
	last_due = nlat > 0 ? lat[nlat - 1] : 0;
	printf("sites %zu sent %" PRIu64 " ok %" PRIu64 " failed %" PRIu64
	    " per-second %.1f resumed %" PRIu64 " p50-ms %u p99-ms %u "
	    "max-ms %" PRIu64 " behind-max-ms %" PRIu64 "\n", nsites, sent, ok,
	    failed, (double)ok / (el > 0 ? el : 1), resumed,
	    nlat > 0 ? lat[nlat / 2] : 0, nlat > 0 ? lat[nlat * 99 / 100] : 0,
	    last_due, behind_max);
	return (failed > 0 && !maxmode ? 1 : 0);
}
