/*
 * mon_renew_center.c: the center's half of certificate renewal and
 * revocation (mon_renew.h).
 *
 * The signing itself is twin-cert's: the center runs "twin-cert ca sign"
 * on ca-dir, so the CA's serial, index and lock stay those of one tool
 * whether an operator or the center signs. The center waits for it (a
 * signature takes milliseconds, a renewal comes once a year per device,
 * and the child is killed after RC_TIMEOUT); the agents' requests in the
 * meantime wait in their sockets.
 *
 * POST /renew, authenticated with both factors, carries a PEM request:
 *	200	the certificate (PEM)
 *	400	not a request, its signature does not verify, or its CN is
 *		not the site the credentials prove
 *	404	renewal is off (no ca-dir)
 *	500	the CA failed (the log says why)
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cfg.h"
#include "ctl.h"
#include "ev.h"
#include "http.h"
#include "log.h"
#include "mon_center.h"
#include "mon_dist.h"
#include "mon_renew.h"
#include "tls.h"
#include "xmalloc.h"

#define RC_TIMEOUT	10000	/* ms for a twin-cert run */
#define RC_CSR_MAX	16384	/* bytes of a request */
#define RC_WATCH	4096	/* devices whose alarm state is kept */

/* Whether a device's certificate alarm is open, as last written. */
struct rc_watch {
	char		 site[MON_SITE_MAX + 1];
	char		 device[MON_NAME_MAX + 1];
	int		 open;
};

static struct rc_watch	*watch;
static size_t		 nwatch;

static int	rc_run(struct mon_center *, char *const [], const char *,
		    char *, size_t);
static int	rc_csr_check(const char *, size_t, const char *, char *,
		    size_t);

/*
 * Run twin-cert with <argv> (argv[0] is replaced by the twin-cert
 * setting), its stderr into <errfile>; 0 if it exited 0, else -1 with
 * its first line of error in <msg>.
 */
static int
rc_run(struct mon_center *c, char *const argv[], const char *errfile,
    char *msg, size_t len)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	pid_t		 pid;
	int		 status, fd, waited = 0;
	char		 buf[256];
	ssize_t		 n;

	if ((pid = fork()) == -1) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		if ((fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC,
		    0600)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(c->cfg->center.twin_cert, argv);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (waited >= RC_TIMEOUT) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(msg, len, "%s did not finish in %d ms",
			    c->cfg->center.twin_cert, RC_TIMEOUT);
			return (-1);
		}
		nanosleep(&ts, NULL);
		waited += 20;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	buf[0] = '\0';
	if ((fd = open(errfile, O_RDONLY)) != -1) {
		if ((n = read(fd, buf, sizeof buf - 1)) > 0)
			buf[n] = '\0';
		close(fd);
	}
	buf[strcspn(buf, "\n")] = '\0';
	mon_sanitize(buf);
	snprintf(msg, len, "%s %s failed (%s%d): %s",
	    c->cfg->center.twin_cert, argv[1], WIFEXITED(status) ? "exit " :
	    "signal ", WIFEXITED(status) ? WEXITSTATUS(status) :
	    WTERMSIG(status), buf[0] != '\0' ? buf : "no message");
	return (-1);
}

/* A request whose signature verifies and whose one CN is <site>. */
static int
rc_csr_check(const char *body, size_t len, const char *site, char *msg,
    size_t mlen)
{
	X509_REQ	*req = NULL;
	X509_NAME	*name;
	EVP_PKEY	*pub;
	BIO		*b;
	char		 cn[256];
	int		 rv = -1;

	if (len == 0 || len > RC_CSR_MAX ||
	    (b = BIO_new_mem_buf(body, (int)len)) == NULL) {
		snprintf(msg, mlen, "not a PEM certificate request");
		return (-1);
	}
	req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	if (req == NULL) {
		snprintf(msg, mlen, "not a PEM certificate request");
		goto out;
	}
	if ((pub = X509_REQ_get0_pubkey(req)) == NULL ||
	    X509_REQ_verify(req, pub) != 1) {
		snprintf(msg, mlen, "the request's signature does not verify");
		goto out;
	}
	/* One entry, a CN: what twin-cert ca sign copies is all there is. */
	name = X509_REQ_get_subject_name(req);
	cn[0] = '\0';
	if (X509_NAME_entry_count(name) == 1 &&
	    X509_NAME_get_index_by_NID(name, NID_commonName, -1) == 0)
		(void)X509_NAME_get_text_by_NID(name, NID_commonName, cn,
		    sizeof cn);
	if (strcmp(cn, site) != 0) {
		mon_sanitize(cn);
		snprintf(msg, mlen, "the request is for CN=%s, the credentials "
		    "are those of site %s", cn, site);
		goto out;
	}
	rv = 0;
out:
	X509_REQ_free(req);
	ERR_clear_error();
	return (rv);
}

/* POST /renew: see the top of this file. 1: answered. */
int
mon_renew_center_handle(struct mon_center *c, const struct mon_httpd_req *req,
    struct mon_httpd_resp *resp)
{
	const struct cfg_center	*cc = &c->cfg->center;
	struct tls_cert_info	 ci;
	STACK_OF(X509)		*sk;
	char			 site[MON_SITE_MAX + 1], name[MON_NAME_MAX + 1];
	char			 dir[] = "/tmp/twin-monitord.XXXXXX", msg[512];
	char			*reqf, *certf, *errf, *days, *pem, *cause;
	char			*argv[16];
	size_t			 len;
	int			 n = 0, fd;

	if (cc->ca_dir == NULL) {
		mon_httpd_text(resp, 404,
		    "no renewal here (no ca-dir)");
		return (1);
	}
	if (mon_dist_center_auth(c, req, resp, site, name) == -1)
		return (1);
	if (rc_csr_check(req->body, req->body_len, site, msg,
	    sizeof msg) == -1) {
		log_warnx("renewal for site %s device %s refused: %s", site,
		    name, msg);
		mon_httpd_text(resp, 400, "refused: %s", msg);
		return (1);
	}
	if (mkdtemp(dir) == NULL) {
		log_warn("renewal: mkdtemp");
		mon_httpd_text(resp, 500, "the CA failed");
		return (1);
	}
	xasprintf(&reqf, "%s/req.csr", dir);
	xasprintf(&certf, "%s/cert.pem", dir);
	xasprintf(&errf, "%s/err", dir);
	xasprintf(&days, "%u", cc->renew_days);
	if ((fd = open(reqf, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, req->body, req->body_len) != (ssize_t)req->body_len) {
		log_warn("renewal: %s", reqf);
		mon_httpd_text(resp, 500, "the CA failed");
		if (fd != -1)
			close(fd);
		goto out;
	}
	close(fd);
	argv[n++] = "twin-cert";
	argv[n++] = "ca";
	argv[n++] = "sign";
	argv[n++] = "-d";
	argv[n++] = cc->ca_dir;
	if (cc->ca_pass_file != NULL) {
		argv[n++] = "-p";
		argv[n++] = cc->ca_pass_file;
	}
	argv[n++] = "-days";
	argv[n++] = days;
	argv[n++] = "--client";
	argv[n++] = "-o";
	argv[n++] = certf;
	argv[n++] = reqf;
	argv[n] = NULL;
	if (rc_run(c, argv, errf, msg, sizeof msg) == -1) {
		log_warnx("renewal for site %s device %s: %s", site, name, msg);
		mon_httpd_text(resp, 500, "the CA failed");
		goto out;
	}
	if ((sk = tls_certs_load(certf, &cause)) == NULL) {
		log_warnx("renewal: %s", cause);
		free(cause);
		mon_httpd_text(resp, 500, "the CA failed");
		goto out;
	}
	if (sk_X509_num(sk) > 0 &&
	    tls_cert_info(sk_X509_value(sk, 0), time(NULL), &ci) == 0)
		log_info("renewed the certificate of site %s device %s: serial "
		    "%s, valid until %lld", site, name, ci.serial,
		    (long long)ci.not_after);
	sk_X509_pop_free(sk, X509_free);
	if (tls_file_read(certf, 0, &pem, &len, &cause) == -1) {
		log_warnx("renewal: %s", cause);
		free(cause);
		mon_httpd_text(resp, 500, "the CA failed");
		goto out;
	}
	resp->status = 200;
	resp->ctype = "application/x-pem-file";
	evbuffer_add(resp->body, pem, len);
	free(pem);
out:
	(void)unlink(reqf);
	(void)unlink(certf);
	(void)unlink(errf);
	(void)rmdir(dir);
	free(reqf);
	free(certf);
	free(errf);
	free(days);
	return (1);
}

/*
 * A report passed (mon_center.c) with the certificate of <req>: open or
 * close the device's certificate alarm.
 */
void
mon_renew_center_seen(struct mon_center *c, const struct mon_httpd_req *req,
    const char *site, const char *device)
{
	struct tls_cert_info	 ci;
	struct rc_watch		*w = NULL;
	X509			*x;
	char			 text[MON_TEXT_MAX + 1], *cause;
	uint64_t		 now = c->now();
	size_t			 i;
	int			 near, done;

	if (c->cfg->center.certificate_alarm == 0 || req->ssl == NULL ||
	    (x = SSL_get0_peer_certificate(req->ssl)) == NULL ||
	    tls_cert_info(x, (time_t)(now / 1000), &ci) == -1)
		return;
	near = ci.left * 1000 < (int64_t)c->cfg->center.certificate_alarm;
	for (i = 0; i < nwatch; i++)
		if (strcmp(watch[i].site, site) == 0 &&
		    strcmp(watch[i].device, device) == 0) {
			w = &watch[i];
			break;
		}
	if (w == NULL) {
		if (nwatch == RC_WATCH)
			return;
		watch = xreallocarray(watch, nwatch + 1, sizeof *watch);
		w = &watch[nwatch++];
		strlcpy(w->site, site, sizeof w->site);
		strlcpy(w->device, device, sizeof w->device);
		/* Unknown after a start: the store is asked once. */
		w->open = -1;
	}
	if (near && w->open != 1) {
		snprintf(text, sizeof text, "client certificate serial %s ends "
		    "in %" PRId64 " days (%lld) and was not renewed", ci.serial,
		    ci.left / 86400, (long long)ci.not_after);
		if (mon_store_alarm_open(c->store, site, device, "certificate",
		    now, text, &done, &cause) == -1) {
			log_warnx("certificate alarm %s %s: store: %s", site,
			    device, cause);
			c->stats.store_errors++;
			return;
		}
		if (done)
			log_warnx("alarm site %s device %s certificate: %s",
			    site, device, text);
		w->open = 1;
	} else if (!near && w->open != 0) {
		if (mon_store_alarm_close(c->store, site, device,
		    "certificate", now, &done, &cause) == -1) {
			log_warnx("certificate alarm %s %s: store: %s", site,
			    device, cause);
			c->stats.store_errors++;
			return;
		}
		if (done)
			log_info("alarm cleared site %s device %s certificate: "
			    "serial %s ends %lld", site, device, ci.serial,
			    (long long)ci.not_after);
		w->open = 0;
	}
}

/* Forget the alarm states (at the center's end). */
void
mon_renew_center_fini(void)
{
	free(watch);
	watch = NULL;
	nwatch = 0;
}

/* "cert-revoke SERIAL": revoke in the CA, reload the CRL (SIGHUP). */
int
mon_renew_center_ctl(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	const struct cfg_center	*cf = &c->cfg->center;
	char			 dir[] = "/tmp/twin-monitord.XXXXXX", msg[512];
	char			*errf, *crl, *buf, *cause;
	char			*av[10];
	size_t			 len, i;
	int			 n = 0, rv = -1;

	if (argc != 2) {
		ctl_error(cc, "usage: cert-revoke SERIAL");
		return (-1);
	}
	for (i = 0; argv[1][i] != '\0'; i++)
		if (strchr("0123456789abcdefABCDEF", argv[1][i]) == NULL)
			break;
	if (i == 0 || i > 64 || argv[1][i] != '\0') {
		ctl_error(cc, "%s: not a serial number (hex)", argv[1]);
		return (-1);
	}
	if (cf->ca_dir == NULL) {
		ctl_error(cc, "no ca-dir: revoke with twin-cert ca revoke");
		return (-1);
	}
	if (mkdtemp(dir) == NULL) {
		ctl_error(cc, "mkdtemp: %s", strerror(errno));
		return (-1);
	}
	xasprintf(&errf, "%s/err", dir);
	av[n++] = "twin-cert";
	av[n++] = "ca";
	av[n++] = "revoke";
	av[n++] = "-d";
	av[n++] = cf->ca_dir;
	if (cf->ca_pass_file != NULL) {
		av[n++] = "-p";
		av[n++] = cf->ca_pass_file;
	}
	av[n++] = argv[1];
	av[n] = NULL;
	if (rc_run(c, av, errf, msg, sizeof msg) == -1) {
		ctl_error(cc, "%s", msg);
		goto out;
	}
	/* The CRL the listener reads, when it is not the CA's own file. */
	xasprintf(&crl, "%s/crl.pem", cf->ca_dir);
	if (cf->crl_file != NULL && strcmp(cf->crl_file, crl) != 0) {
		if (tls_file_read(crl, 0, &buf, &len, &cause) == -1) {
			ctl_error(cc, "%s", cause);
			free(cause);
			free(crl);
			goto out;
		}
		if (mon_dist_write(cf->crl_file, buf, len, 0644) == -1) {
			ctl_error(cc, "%s: %s", cf->crl_file, strerror(errno));
			free(buf);
			free(crl);
			goto out;
		}
		free(buf);
	}
	free(crl);
	log_info("revoked certificate serial %s; reloading the CRL",
	    argv[1]);
	/* The reload path reads the CRL with every other TLS file. */
	raise(SIGHUP);
	ctl_printf(cc, "revoked serial %s", argv[1]);
	rv = 0;
out:
	(void)unlink(errf);
	(void)rmdir(dir);
	free(errf);
	return (rv);
}
