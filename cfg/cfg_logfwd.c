/*
 * cfg_logfwd.c: a block's access-log-* settings as the forwarder takes
 * them (lib/logfwd.h), for twin-proxy's log and twin-lb's clusters.
 */
#include <string.h>

#include "cfg.h"
#include "conn.h"
#include "logfwd.h"

void
cfg_logfwd_conf(const struct cfg *cfg, const struct cfg_logfwd *f,
    const char *app, struct logfwd_conf *conf)
{
	size_t	i;

	memset(conf, 0, sizeof *conf);
	/* More are refused by cfg_check_logfwd(). */
	for (i = 0; i < f->nserver && i < CONN_MAXADDRS; i++)
		conf->server[conf->nserver++] = f->server[i];
	conf->source = cfg->peer.address;
	conf->syslog = f->syslog;
	conf->host = f->tag != NULL ? f->tag : cfg->peer.name;
	conf->app = app;
	conf->msgid = "access";
	conf->facility = f->facility;
	conf->queue_max = f->queue;
	conf->tls = f->tls;
	conf->tls_ca = f->ca_file;
	conf->tls_name = f->server_name;
}

/*
 * The forwarder tries its log servers in turn, CONN_MAXADDRS of them: a
 * longer list is refused rather than cut. TLS settings with nothing to
 * use them are warned of, where they were given.
 */
void
cfg_check_logfwd(struct cfg_parser *p, const struct cfg_blk *b,
    const struct cfg_kw *kws, const struct cfg_logfwd *f)
{
	static const char *const tls_kws[] = { "access-log-tls",
	    "access-log-ca-file", "access-log-server-name", NULL };
	int	i;

	if (f->nserver > CONN_MAXADDRS)
		cfg_error(p, b->file, cfg_kw_line(b, kws, "access-log-server"),
		    "access-log-server given %zu times: at most %d (each is "
		    "tried in turn when the one before fails)", f->nserver,
		    CONN_MAXADDRS);
	for (i = 0; tls_kws[i] != NULL; i++) {
		if (!cfg_kw_isset(b, kws, tls_kws[i]) || (i == 0 && !f->tls))
			continue;
		if (f->nserver == 0)
			cfg_warning(p, b->file, cfg_kw_line(b, kws,
			    tls_kws[i]), "%s without access-log-server: "
			    "not used (TLS is to a log server only)",
			    tls_kws[i]);
		else if (i > 0 && !f->tls)
			cfg_warning(p, b->file, cfg_kw_line(b, kws,
			    tls_kws[i]), "%s without access-log-tls yes: "
			    "not used (the log goes in plain TCP)",
			    tls_kws[i]);
	}
}
