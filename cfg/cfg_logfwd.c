/*
 * cfg_logfwd.c: a block's access-log-* settings as the forwarder takes
 * them (lib/logfwd.h), for twin-proxy's log and twin-lb's clusters.
 */
#include <string.h>

#include "cfg.h"
#include "conn.h"
#include "log.h"
#include "logfwd.h"

void
cfg_logfwd_conf(const struct cfg *cfg, const struct cfg_logfwd *f,
    const char *app, const char *where, struct logfwd_conf *conf)
{
	size_t	i;

	memset(conf, 0, sizeof *conf);
	for (i = 0; i < f->nserver && i < CONN_MAXADDRS; i++)
		conf->server[conf->nserver++] = f->server[i];
	if (f->nserver > CONN_MAXADDRS)
		log_warnx("%s: access-log-server: only the first %d "
		    "addresses are used", where, CONN_MAXADDRS);
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
