/*
 * proxy_log.c: the access log, one line per request in Squid's native
 * format so that existing tools (calamaris, SARG) read it:
 *
 *	time.ms elapsed client code/status bytes method URL user hier/peer type
 *
 * This file is the formatter; lib/logfile.h buffers the lines, writes
 * them at least once a second, and reopens the file on SIGUSR1 (and
 * SIGHUP) for log rotation; lib/logfwd.h forwards them to syslog or a
 * log server when the config says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "logfile.h"
#include "logfwd.h"
#include "proxy.h"

static void	proxy_log_word(char *, size_t, const char *);

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

	proxy_metrics_request(c);
	if (!logfile_active(px->log))
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
	logfile_write(px->log, line, n);
}

/*
 * Apply the forwarding settings of the config (start-up and SIGHUP). The
 * tag defaults to the peer's name: the two peers' lines must never meet
 * under one name at the log server.
 */
void
proxy_log_forward(struct proxy *px)
{
	struct logfwd_conf	conf;

	cfg_logfwd_conf(px->cfg, &px->cfg->proxy.access_fwd, "twin-proxy",
	    &conf);
	logfwd_configure(px->logfwd, &conf);
}
