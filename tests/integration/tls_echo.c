/*
 * tls_echo.c: a TLS echo server on lib/tls.c and libevent's OpenSSL
 * bufferevents, for the tls_* scenarios. Once a handshake completes it
 * greets the client with "hello CN=<client certificate CN>" (or "hello
 * anonymous"), then echoes every line; after the line "bye" it closes
 * the connection (with a close_notify), so a client needs no timeout to
 * end. SIGHUP reloads the files the way a daemon does; SIGTERM stops it.
 *
 * usage: tls_echo -l addr:port -c file.pem [-c file.pem...] [-p passfile]
 *	  [-A chain-ca] [-C client-ca] [-R client-crl]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "addr.h"
#include "ev.h"
#include "log.h"
#include "tls.h"

#define MAXPEM	8

struct echo {
	struct event_base	*base;
	struct tls_server	*srv;
	struct tls_server_conf	 conf;
	const char		*pem[MAXPEM];
};

static void	accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	read_cb(struct bufferevent *, void *);
static void	drained_cb(struct bufferevent *, void *);
static void	event_cb(struct bufferevent *, short, void *);
static void	hup_cb(evutil_socket_t, short, void *);
static void	term_cb(evutil_socket_t, short, void *);

static void
usage(void)
{
	fprintf(stderr, "usage: tls_echo -l addr:port -c file.pem "
	    "[-c file.pem...] [-p passfile] [-A chain-ca] [-C client-ca] "
	    "[-R client-crl]\n");
	exit(2);
}

/* A new connection: TLS from the current contexts, whatever comes. */
static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct echo		*e = arg;
	struct bufferevent	*bev;
	struct timeval		 tv = { 10, 0 };
	SSL			*ssl;

	if ((ssl = tls_server_ssl(e->srv)) == NULL) {
		log_warnx("cannot make an SSL");
		evutil_closesocket(fd);
		return;
	}
	bev = bufferevent_openssl_socket_new(e->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("cannot make a bufferevent");
		SSL_free(ssl);
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(bev, read_cb, NULL, event_cb, e);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* Echo whole lines; "bye" closes once the output has gone. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		evbuffer_add_printf(bufferevent_get_output(bev), "%s\n", line);
		if (strcmp(line, "bye") == 0) {
			free(line);
			bufferevent_disable(bev, EV_READ);
			bufferevent_setcb(bev, NULL, drained_cb, event_cb, arg);
			return;
		}
		free(line);
	}
}

/* Everything sent: close with a close_notify. */
static void
drained_cb(struct bufferevent *bev, void *arg)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(bev);

	SSL_shutdown(ssl);
	log_info("connection closed (bye)");
	bufferevent_free(bev);
}

/* Handshake done: greet; error or end: say why and close. */
static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tls_cert_info	 ci;
	SSL			*ssl = bufferevent_openssl_get_ssl(bev);
	X509			*x;
	unsigned long		 err;
	char			 buf[256];

	if (what & BEV_EVENT_CONNECTED) {
		x = SSL_get0_peer_certificate(ssl);
		if (x != NULL && tls_cert_info(x, time(NULL), &ci) == 0)
			evbuffer_add_printf(bufferevent_get_output(bev),
			    "hello CN=%s\n", ci.cn);
		else
			evbuffer_add_printf(bufferevent_get_output(bev),
			    "hello anonymous\n");
		log_info("handshake done: %s, %s", SSL_get_version(ssl),
		    x != NULL ? ci.cn : "no client certificate");
		return;
	}
	while ((err = bufferevent_get_openssl_error(bev)) != 0) {
		if (ERR_GET_LIB(err) == 0)
			continue;	/* libevent's own errno marker */
		ERR_error_string_n(err, buf, sizeof buf);
		log_info("connection error: %s", buf);
	}
	if (SSL_get_verify_result(ssl) != X509_V_OK)
		log_info("client certificate refused: %s",
		    X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
	log_info("connection closed (%s)", what & BEV_EVENT_EOF ? "eof" :
	    what & BEV_EVENT_TIMEOUT ? "timeout" : "error");
	bufferevent_free(bev);
}

/* SIGHUP: load the files again; the running contexts stay on failure. */
static void
hup_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct echo	*e = arg;
	char		*cause;

	if (tls_server_reload(e->srv, &e->conf, &cause) == -1) {
		log_warnx("reload failed, keeping the old certificates: %s",
		    cause);
		free(cause);
		return;
	}
	log_info("reloaded (generation %llu)",
	    (unsigned long long)tls_server_generation(e->srv));
}

static void
term_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct echo	*e = arg;

	event_base_loopexit(e->base, NULL);
}

int
main(int argc, char **argv)
{
	static const struct ev_signal sigs[] = {
		{ SIGHUP, hup_cb },
		{ SIGTERM, term_cb },
		{ SIGINT, term_cb },
	};
	struct evconnlistener	*l;
	struct echo		 e;
	struct addr		 a;
	const char		*listen = NULL, *err;
	char			*cause, buf[ADDR_STRLEN];
	int			 ch, fd;

	memset(&e, 0, sizeof e);
	e.conf.pem = e.pem;
	while ((ch = getopt(argc, argv, "A:C:c:l:p:R:")) != -1) {
		switch (ch) {
		case 'A':
			e.conf.chain_ca = optarg;
			break;
		case 'C':
			e.conf.client_ca = optarg;
			break;
		case 'c':
			if (e.conf.npem == MAXPEM)
				usage();
			e.pem[e.conf.npem++] = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'p':
			e.conf.passfile = optarg;
			break;
		case 'R':
			e.conf.client_crl = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || listen == NULL || e.conf.npem == 0)
		usage();
	log_init("tls_echo", 1, 0);
	if (addr_parse_port(listen, &a, &err) == -1)
		fatalx("%s: %s", listen, err);
	if ((e.srv = tls_server_new(&e.conf, &cause)) == NULL)
		fatalx("%s", cause);
	e.base = ev_base_new();
	ev_signals(e.base, sigs, sizeof sigs / sizeof sigs[0], &e);
	if ((fd = ev_listen_socket(&a, 0, 16, &err)) == -1)
		fatalx("%s: %s", listen, err);
	if ((l = evconnlistener_new(e.base, accept_cb, &e,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd)) == NULL)
		fatalx("evconnlistener_new");
	log_info("listening on %s with %zu certificate file%s",
	    addr_fmt(&a, buf, sizeof buf), e.conf.npem,
	    e.conf.npem == 1 ? "" : "s");
	event_base_dispatch(e.base);
	evconnlistener_free(l);
	ev_signals_free();
	tls_server_free(e.srv);
	event_base_free(e.base);
	return (0);
}
