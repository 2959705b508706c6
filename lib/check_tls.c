/*
 * check_tls.c: the TLS transport of check.h: a connected socket becomes a
 * bufferevent_openssl client over an SSL of a lib/tls client context,
 * which verifies the server (unless the context was made with noverify)
 * against the name the target was asked for, or else the name the
 * transport was made with (a server's address or certificate name). A
 * daemon may open its own TLS connections to the same servers through
 * the same transport, so that checks and traffic trust alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "check.h"
#include "ev.h"
#include "tls.h"
#include "xmalloc.h"

struct check_tls {
	struct check_transport	 tr;	/* first: the transport is the object */
	SSL_CTX			*ctx;
	char			*name;
};

static struct bufferevent *check_tls_open(void *, struct event_base *, int,
		    const char *, char *, size_t);
static void	 check_tls_error(void *, struct bufferevent *, char *,
		    size_t);

/*
 * Make a transport over client context <ctx> (a reference is taken),
 * verifying servers against <name> (may be NULL: then only checks of a
 * target given by name, or a context without verification, work).
 */
struct check_transport *
check_tls_new(SSL_CTX *ctx, const char *name)
{
	struct check_tls	*t;

	t = xcalloc(1, sizeof *t);
	t->tr.name = "tls";
	t->tr.open = check_tls_open;
	t->tr.error = check_tls_error;
	t->tr.arg = t;
	SSL_CTX_up_ref(ctx);
	t->ctx = ctx;
	if (name != NULL)
		t->name = xstrdup(name);
	return (&t->tr);
}

/* Free a transport (its streams keep their own references). */
void
check_tls_free(struct check_transport *tr)
{
	struct check_tls	*t = (struct check_tls *)tr;

	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->name);
	free(t);
}

/* Start a TLS client on connected socket <fd>, which it owns. */
static struct bufferevent *
check_tls_open(void *arg, struct event_base *base, int fd, const char *host,
    char *why, size_t len)
{
	struct check_tls	*t = arg;
	struct bufferevent	*bev;
	SSL			*ssl;
	char			*cause = NULL;

	if ((ssl = tls_client_ssl(t->ctx, host != NULL ? host : t->name,
	    &cause)) == NULL) {
		snprintf(why, len, "tls: %s", cause);
		free(cause);
		close(fd);
		return (NULL);
	}
	bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		snprintf(why, len, "tls: out of memory");
		close(fd);
		return (NULL);
	}
	/* A server that closes without close_notify has still answered. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
}

/*
 * Say why a TLS stream failed: the certificate check, else the first
 * OpenSSL error queued on the bufferevent; otherwise keep <why>.
 */
static void
check_tls_error(void *arg, struct bufferevent *bev, char *why, size_t len)
{
	ev_tls_why(bev, why, len);
}
