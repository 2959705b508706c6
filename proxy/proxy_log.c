/*
 * proxy_log.c: the access log, one line per request in Squid's native
 * format so that existing tools (calamaris, SARG) read it:
 *
 *	time.ms elapsed client code/status bytes method URL user hier/peer type
 *
 * Lines are buffered and written at least once a second, when the buffer
 * grows past a limit, and at exit. SIGUSR1 (and SIGHUP) reopen the file
 * for log rotation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "proxy.h"
#include "xmalloc.h"

/* Write the buffer out once it holds this much. */
#define PROXY_LOG_FLUSH		(64 * 1024)
/* Drop lines rather than grow past this while the disk is stuck. */
#define PROXY_LOG_MAXBUF	(8 * 1024 * 1024)

static void	proxy_log_timer_cb(evutil_socket_t, short, void *);
static void	proxy_log_word(char *, size_t, const char *);

/* Flush once a second. */
static void
proxy_log_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	proxy_log_flush(arg);
}

/*
 * Open the access log at <path> (appending) and start the flush timer.
 * On failure the old log, if any, stays in use.
 */
int
proxy_log_open(struct proxy *px, const char *path, const char **cause)
{
	struct timeval	tv = { 1, 0 };
	int		fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		*cause = strerror(errno);
		return (-1);
	}
	proxy_log_flush(px);
	if (px->log_fd != -1)
		close(px->log_fd);
	px->log_fd = fd;
	if (px->log_path != path) {
		free(px->log_path);
		px->log_path = xstrdup(path);
	}
	if (px->log_buf == NULL && (px->log_buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (px->log_timer == NULL) {
		px->log_timer = event_new(px->base, -1, EV_PERSIST,
		    proxy_log_timer_cb, px);
		if (px->log_timer == NULL)
			fatalx("event_new");
		evtimer_add(px->log_timer, &tv);
	}
	return (0);
}

/* Reopen the log under the same name (after rotation). */
void
proxy_log_reopen(struct proxy *px)
{
	const char	*cause;

	if (px->log_path == NULL)
		return;
	if (proxy_log_open(px, px->log_path, &cause) == -1)
		log_warnx("access log %s: cannot reopen: %s; keeping the old "
		    "file", px->log_path, cause);
	else
		log_info("access log %s reopened", px->log_path);
}

/* Write out whatever is buffered. */
void
proxy_log_flush(struct proxy *px)
{
	int	n, i;

	if (px->log_fd == -1 || px->log_buf == NULL)
		return;
	for (i = 0; i < 64 && evbuffer_get_length(px->log_buf) > 0; i++) {
		n = evbuffer_write(px->log_buf, px->log_fd);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			log_warn("access log %s: write", px->log_path);
			break;
		}
	}
}

/* Flush and close the log and its timer. */
void
proxy_log_close(struct proxy *px)
{
	proxy_log_flush(px);
	if (px->log_timer != NULL)
		event_free(px->log_timer);
	px->log_timer = NULL;
	if (px->log_buf != NULL)
		evbuffer_free(px->log_buf);
	px->log_buf = NULL;
	if (px->log_fd != -1)
		close(px->log_fd);
	px->log_fd = -1;
	free(px->log_path);
	px->log_path = NULL;
}

/*
 * Copy s into one log field: visible ASCII only, so a field can never
 * split into two or forge a line; empty becomes "-".
 */
static void
proxy_log_word(char *dst, size_t len, const char *s)
{
	size_t	i;

	for (i = 0; i + 1 < len && s != NULL && s[i] != '\0'; i++)
		dst[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '_';
	if (i == 0 && len > 1)
		dst[i++] = '-';
	dst[i] = '\0';
}

/*
 * Format one access log line (with its newline) into buf; returns its
 * length (truncated lines still end in a newline).
 */
size_t
proxy_log_format(char *buf, size_t len, const struct timespec *start,
    uint64_t elapsed_ms, const char *client, const char *code, int status,
    uint64_t bytes, const char *method, const char *url, const char *hier,
    const char *type)
{
	char	m[32], u[PROXY_URL_MAX], t[64];
	int	n;

	proxy_log_word(m, sizeof m, method);
	proxy_log_word(u, sizeof u, url);
	proxy_log_word(t, sizeof t, type);
	n = snprintf(buf, len, "%lld.%03ld %6llu %s %s/%03d %llu %s %s - %s "
	    "%s\n", (long long)start->tv_sec, start->tv_nsec / 1000000,
	    (unsigned long long)elapsed_ms, client, code, status,
	    (unsigned long long)bytes, m, u, hier, t);
	if (n < 0)
		return (0);
	if ((size_t)n >= len) {
		buf[len - 2] = '\n';
		buf[len - 1] = '\0';
		return (len - 1);
	}
	return (n);
}

/* Log the request a client connection has just finished. */
void
proxy_log_request(struct proxy_client *c)
{
	struct proxy	*px = c->px;
	struct timespec	 now;
	uint64_t	 ms;
	char		 line[PROXY_URL_MAX + 512];
	size_t		 n;

	if (px->log_buf == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - c->t_start.tv_sec) * 1000 +
	    (now.tv_nsec - c->t_start.tv_nsec) / 1000000;
	/* Squid stamps the line with the time the request completed. */
	clock_gettime(CLOCK_REALTIME, &now);
	n = proxy_log_format(line, sizeof line, &now, ms, c->addr_str,
	    c->code != NULL ? c->code : "TAG_NONE", c->status, c->bytes_out,
	    c->method_str[0] != '\0' ? c->method_str : "NONE",
	    c->url[0] != '\0' ? c->url : "error:invalid-request",
	    c->hier[0] != '\0' ? c->hier : "HIER_NONE/-", c->ctype);
	if (evbuffer_get_length(px->log_buf) + n > PROXY_LOG_MAXBUF) {
		log_warnx("access log %s: buffer full, line dropped",
		    px->log_path);
		return;
	}
	evbuffer_add(px->log_buf, line, n);
	if (evbuffer_get_length(px->log_buf) >= PROXY_LOG_FLUSH)
		proxy_log_flush(px);
}
