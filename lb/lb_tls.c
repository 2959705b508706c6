/*
 * lb_tls.c: TLS of a cluster: the server side of an https cluster (a
 * lib/tls holder of its composite files, the client's SNI choosing among
 * them) and the client contexts its connections and ACV checks to the
 * servers use (re-encryption, check-tls), verifying the servers unless a
 * server says verify no.
 *
 * A reload loads every file into new objects first, so that a file that
 * does not load keeps the whole running configuration; then the running
 * holder is reloaded in place (lbd_tls_reload), keeping its ticket keys,
 * and every connection open on the old certificates carries on.
 */
#include <stdlib.h>
#include <string.h>

#include "lbd.h"
#include "log.h"
#include "tls.h"
#include "xmalloc.h"

static void	 lbd_tls_warn(void *, const char *);
static void	 lbd_tls_conf(const struct lbd_cluster *,
		    struct tls_server_conf *);

/* Warnings of lib/tls (an expired certificate) name the cluster. */
static void
lbd_tls_warn(void *arg, const char *msg)
{
	const struct lbd_cluster	*c = arg;

	log_warnx("cluster %s: %s", c->name, msg);
}

/* The holder's settings, from what the cluster kept of its block. */
static void
lbd_tls_conf(const struct lbd_cluster *c, struct tls_server_conf *tc)
{
	memset(tc, 0, sizeof *tc);
	tc->pem = (const char *const *)c->certs;
	tc->npem = c->ncerts;
	tc->passfile = c->passfile;
	tc->warn = lbd_tls_warn;
	tc->warn_arg = (void *)c;
}

/* Load the composite files of https cluster <c> into a new holder. */
int
lbd_tls_server(struct lbd_cluster *c, const struct cfg_cluster *cc,
    char **cause)
{
	struct tls_server_conf	 tc;
	char			*why;
	size_t			 i;

	c->ncerts = cc->ncertificate;
	c->certs = xcalloc(c->ncerts + 1, sizeof *c->certs);
	for (i = 0; i < c->ncerts; i++)
		c->certs[i] = xstrdup(cc->certificate[i]);
	if (cc->passphrase_file != NULL)
		c->passfile = xstrdup(cc->passphrase_file);
	lbd_tls_conf(c, &tc);
	if ((c->tls = tls_server_new(&tc, &why)) == NULL) {
		xasprintf(cause, "cluster %s: %s", c->name, why);
		free(why);
		return (-1);
	}
	return (0);
}

/*
 * Cluster <c> replaces <old>: reload <old>'s holder with <c>'s files and
 * make it <c>'s, so that sessions resume across the reload; <old> keeps
 * the holder <c> was checked with, to be freed with it. Should the files
 * have changed since <c> loaded them and no longer load, <c> keeps its
 * own (new certificates, new ticket keys): -1 with *cause then.
 */
int
lbd_tls_reload(struct lbd_cluster *c, struct lbd_cluster *old, char **cause)
{
	struct tls_server_conf	 tc;
	struct tls_server	*t;

	if (c->tls == NULL || old->tls == NULL)
		return (0);
	lbd_tls_conf(c, &tc);
	if (tls_server_reload(old->tls, &tc, cause) == -1)
		return (-1);
	t = c->tls;
	c->tls = old->tls;
	old->tls = t;
	return (0);
}

/*
 * Make the client contexts of cluster <c>'s servers: one that verifies
 * servers (against server-ca-file, else the system's CAs) and one that
 * does not (servers with verify no), each only if a server needs it,
 * and each TLS server's transport, through which both its connections
 * and its ACV check (check-tls) go.
 */
int
lbd_tls_clients(struct lbd_cluster *c, const struct cfg_cluster *cc,
    char **cause)
{
	struct tls_client_conf	 tc;
	struct lbd_server	*s;
	char			*why;
	size_t			 i;
	int			 k;

	for (i = 0; i < c->nsrv; i++) {
		s = &c->srv[i];
		if (!s->tls && !cc->check_tls)
			continue;
		k = s->verify ? 0 : 1;
		if (c->sctx[k] == NULL) {
			memset(&tc, 0, sizeof tc);
			tc.cafile = cc->server_ca_file;
			tc.noverify = !s->verify;
			tc.warn = lbd_tls_warn;
			tc.warn_arg = c;
			if ((c->sctx[k] = tls_client_new(&tc, &why)) == NULL) {
				xasprintf(cause, "cluster %s: server %s: %s",
				    c->name, s->name, why);
				free(why);
				return (-1);
			}
		}
		s->tr = check_tls_new(c->sctx[k], s->tls_name);
	}
	return (0);
}

/* Free a cluster's TLS objects (open connections hold their own). */
void
lbd_tls_free(struct lbd_cluster *c)
{
	size_t	i;

	tls_server_free(c->tls);
	c->tls = NULL;
	for (i = 0; i < 2; i++) {
		SSL_CTX_free(c->sctx[i]);
		c->sctx[i] = NULL;
	}
	for (i = 0; i < c->ncerts; i++)
		free(c->certs[i]);
	free(c->certs);
	c->certs = NULL;
	c->ncerts = 0;
	free(c->passfile);
	c->passfile = NULL;
}
