/*
 * mon_renew.c: the agent renews its client certificate (mon_renew.h):
 *	idle	every RENEW_EVERY seconds, read the certificate's end;
 *	asking	a new key and request posted to /renew;
 *	trying	the new composite file in place, FILE.old kept, until a
 *		report passes (FILE.old goes) or RENEW_TRIES fail (it
 *		comes back).
 * The files are the privileged helper's to write (mon_priv.c): the
 * composite file is root's, mode 0600, as the TLS loader wants a secret
 * file at the next start, and the agent never reads it again: it reports
 * with a context made from the key and certificate it holds.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cfg.h"
#include "ctl.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_renew.h"
#include "tls.h"
#include "xmalloc.h"

#define RENEW_EVERY	5	/* s between looks at the certificate */
#define RENEW_RETRY	600	/* s after a refused or failed renewal */
#define RENEW_TRIES	3	/* reports failed before going back */

enum renew_state { RN_IDLE, RN_ASKING, RN_TRYING };

struct mon_renew {
	struct mon_agent	*a;
	enum renew_state	 st;
	time_t			 next;		/* the next look */
	EVP_PKEY		*key;		/* the new key, while asking */
	SSL_CTX			*old_ctx;	/* the old one's, trying */
	struct mon_client	*cl;
	struct mon_client	*cl_done;
	unsigned int		 fails;		/* reports, while trying */
	char			 old_serial[64];
	char			 new_serial[64];
	time_t			 new_end;
	uint64_t		 renewed;
	char			 last[MON_TEXT_MAX + 16];
};

static void	renew_ask(struct mon_renew *);
static void	renew_result_cb(void *, const struct mon_client_result *);
static int	renew_install(struct mon_renew *, const char *, size_t,
		    char *, size_t);
static void	renew_back(struct mon_renew *, const char *);
static int	renew_place(struct mon_renew *, const char *, size_t, char *,
		    size_t);
static int	renew_old(struct mon_renew *, int, char *, size_t);

/*
 * Whether a certificate ending at <not_after> is due at <now> with
 * cert-renew-before <before> (ms; 0: never).
 */
int
mon_renew_due(int64_t not_after, time_t now, uint64_t before)
{
	if (before == 0)
		return (0);
	return (not_after - (int64_t)now <= (int64_t)(before / 1000));
}

struct mon_renew *
mon_renew_new(struct mon_agent *a)
{
	struct mon_renew	*r;

	r = xcalloc(1, sizeof *r);
	r->a = a;
	snprintf(r->last, sizeof r->last, "none");
	return (r);
}

void
mon_renew_free(struct mon_renew *r)
{
	if (r == NULL)
		return;
	mon_client_free(r->cl);
	mon_client_free(r->cl_done);
	EVP_PKEY_free(r->key);
	SSL_CTX_free(r->old_ctx);
	free(r);
}

/* After a poll (mon_agent.c): is the certificate due? */
void
mon_renew_check(struct mon_renew *r)
{
	struct cfg		*cfg = mon_agent_cfg(r->a);
	struct tls_cert_info	 ci;
	time_t			 now = time(NULL);

	if (r->st != RN_IDLE || now < r->next ||
	    cfg->report.cert_renew_before == 0)
		return;
	r->next = now + RENEW_EVERY;
	/* The one in use: the file itself may be root's alone. */
	if (mon_agent_cert(r->a) == NULL ||
	    tls_cert_info(mon_agent_cert(r->a), now, &ci) == -1)
		return;
	if (!mon_renew_due((int64_t)ci.not_after, now,
	    cfg->report.cert_renew_before))
		return;
	strlcpy(r->old_serial, ci.serial, sizeof r->old_serial);
	log_info("certificate %s (serial %s) ends in %" PRId64 " s, within "
	    "cert-renew-before: renewing", cfg->report.certificate, ci.serial,
	    ci.left);
	renew_ask(r);
}

/* A new key and request, posted to the center. */
static void
renew_ask(struct mon_renew *r)
{
	struct cfg			*cfg = mon_agent_cfg(r->a);
	struct mon_client_params	 p;
	X509_REQ			*req = NULL;
	X509_NAME			*name;
	BIO				*b = NULL;
	char				*pem;
	long				 len;

	EVP_PKEY_free(r->key);
	if ((r->key = EVP_EC_gen("P-256")) == NULL ||
	    (req = X509_REQ_new()) == NULL ||
	    !X509_REQ_set_version(req, 0) ||
	    (name = X509_REQ_get_subject_name(req)) == NULL ||
	    !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)cfg->report.site_id, -1, -1, 0) ||
	    !X509_REQ_set_pubkey(req, r->key) ||
	    X509_REQ_sign(req, r->key, EVP_sha256()) <= 0 ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_REQ(b, req)) {
		log_warnx("renewal: cannot make a request: %s", tls_errstr());
		r->next = time(NULL) + RENEW_RETRY;
		X509_REQ_free(req);
		BIO_free(b);
		return;
	}
	len = BIO_get_mem_data(b, &pem);
	mon_client_free(r->cl_done);
	r->cl_done = NULL;
	mon_agent_client_params(r->a, &p);
	p.path = "/renew";
	r->st = RN_ASKING;
	r->cl = mon_client_post(mon_agent_base(r->a), &p, pem, (size_t)len,
	    renew_result_cb, r);
	X509_REQ_free(req);
	BIO_free(b);
}

static void
renew_result_cb(void *arg, const struct mon_client_result *res)
{
	struct mon_renew	*r = arg;
	char			 msg[MON_TEXT_MAX];

	r->cl_done = r->cl;
	r->cl = NULL;
	r->st = RN_IDLE;
	if (!res->ok || res->status != 200) {
		if (!res->ok)
			snprintf(msg, sizeof msg, "%s", res->err);
		else
			snprintf(msg, sizeof msg, "the center answered %d: "
			    "%.*s", res->status, (int)strcspn(res->body,
			    "\n"), res->body);
		mon_sanitize(msg);
		log_warnx("renewal failed: %s; again in %d s", msg,
		    RENEW_RETRY);
		snprintf(r->last, sizeof r->last, "failed: %s", msg);
		r->next = time(NULL) + RENEW_RETRY;
		return;
	}
	if (renew_install(r, res->body, res->body_len, msg,
	    sizeof msg) == -1) {
		log_warnx("renewal: %s; again in %d s", msg, RENEW_RETRY);
		snprintf(r->last, sizeof r->last, "failed: %s", msg);
		r->next = time(NULL) + RENEW_RETRY;
	}
	EVP_PKEY_free(r->key);
	r->key = NULL;
}

/*
 * Put the new composite file <data> in place of FILE, FILE.old kept: by
 * the privileged helper when there is one (the file is root's, and root
 * refuses a secret file of anyone else's at the next start), else, the
 * agent never root, by the agent itself.
 */
static int
renew_place(struct mon_renew *r, const char *data, size_t len, char *msg,
    size_t msglen)
{
	const char	*file = mon_agent_cfg(r->a)->report.certificate;
	char		*newf, *oldf;
	int		 fd = -1, rv = -1;

	if (mon_agent_privfd(r->a) != -1)
		return (mon_priv_cert(mon_agent_privfd(r->a),
		    MON_PRIV_CERT_PUT, file, data, len, msg, msglen));
	xasprintf(&newf, "%s.new", file);
	xasprintf(&oldf, "%s.old", file);
	(void)unlink(newf);
	if ((fd = open(newf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || write(fd, data, len) != (ssize_t)len ||
	    fsync(fd) == -1) {
		snprintf(msg, msglen, "%s: %s", newf, strerror(errno));
		(void)unlink(newf);
		goto out;
	}
	/* The old file stays whole under its second name: a hard link. */
	(void)unlink(oldf);
	if (link(file, oldf) == -1 || rename(newf, file) == -1) {
		snprintf(msg, msglen, "%s: %s", file, strerror(errno));
		(void)unlink(newf);
		goto out;
	}
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	free(newf);
	free(oldf);
	return (rv);
}

/* FILE.old removed (<keep>: the new one works) or put back over FILE. */
static int
renew_old(struct mon_renew *r, int keep, char *msg, size_t msglen)
{
	const char	*file = mon_agent_cfg(r->a)->report.certificate;
	char		*oldf;
	int		 rv = 0;

	if (mon_agent_privfd(r->a) != -1)
		return (mon_priv_cert(mon_agent_privfd(r->a), keep ?
		    MON_PRIV_CERT_KEEP : MON_PRIV_CERT_BACK, file, NULL, 0,
		    msg, msglen));
	xasprintf(&oldf, "%s.old", file);
	if (keep ? unlink(oldf) == -1 && errno != ENOENT :
	    rename(oldf, file) == -1) {
		snprintf(msg, msglen, "%s: %s", oldf, strerror(errno));
		rv = -1;
	}
	free(oldf);
	return (rv);
}

/*
 * Check the certificate the center sent and switch to it: the new file
 * in place (renew_place), the agent's TLS context made from the key and
 * certificate in memory, the old context kept until a report passes.
 */
static int
renew_install(struct mon_renew *r, const char *pem, size_t len, char *msg,
    size_t msglen)
{
	struct cfg		*cfg = mon_agent_cfg(r->a);
	struct tls_cert_info	 ci;
	STACK_OF(X509)		*cas = NULL;
	X509			*x = NULL;
	BIO			*b = NULL, *out = NULL;
	SSL_CTX			*ctx = NULL;
	const char		*file = cfg->report.certificate;
	char			*data, *cause;
	long			 dlen;
	int			 i, ok = 0, rv = -1;

	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		snprintf(msg, msglen, "the answer is not a PEM certificate");
		goto out;
	}
	if (X509_check_private_key(x, r->key) != 1 ||
	    tls_cert_info(x, time(NULL), &ci) == -1 ||
	    strcmp(ci.cn, cfg->report.site_id) != 0) {
		snprintf(msg, msglen, "the certificate is not for the new key "
		    "and site %s", cfg->report.site_id);
		goto out;
	}
	if (cfg->report.ca_file != NULL) {
		if ((cas = tls_certs_load(cfg->report.ca_file, &cause)) ==
		    NULL) {
			snprintf(msg, msglen, "%s", cause);
			free(cause);
			goto out;
		}
		for (i = 0; i < sk_X509_num(cas) && !ok; i++)
			ok = X509_check_issued(sk_X509_value(cas, i), x) ==
			    X509_V_OK && X509_verify(x,
			    X509_get0_pubkey(sk_X509_value(cas, i))) == 1;
		if (!ok) {
			snprintf(msg, msglen, "the certificate is not of the "
			    "CA in %s", cfg->report.ca_file);
			goto out;
		}
	}
	if ((ctx = mon_agent_ctx_make(r->a, r->key, x, &cause)) == NULL) {
		snprintf(msg, msglen, "%s", cause);
		free(cause);
		goto out;
	}
	if ((out = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(out, r->key, NULL, NULL, 0, NULL,
	    NULL) || !PEM_write_bio_X509(out, x)) {
		snprintf(msg, msglen, "cannot encode: %s", tls_errstr());
		goto out;
	}
	dlen = BIO_get_mem_data(out, &data);
	if (renew_place(r, data, (size_t)dlen, msg, msglen) == -1)
		goto out;
	SSL_CTX_free(r->old_ctx);
	r->old_ctx = mon_agent_ctx_swap(r->a, ctx);
	ctx = NULL;
	strlcpy(r->new_serial, ci.serial, sizeof r->new_serial);
	r->new_end = ci.not_after;
	r->fails = 0;
	r->st = RN_TRYING;
	log_info("renewal: new certificate serial %s until %lld in %s; the "
	    "old one kept as %s.old until a report passes", ci.serial,
	    (long long)ci.not_after, file, file);
	snprintf(r->last, sizeof r->last, "trying serial %s", ci.serial);
	rv = 0;
out:
	SSL_CTX_free(ctx);
	sk_X509_pop_free(cas, X509_free);
	X509_free(x);
	BIO_free(b);
	BIO_free(out);
	ERR_clear_error();
	return (rv);
}

/* Put FILE.old back over FILE, and the context of the old one. */
static void
renew_back(struct mon_renew *r, const char *why)
{
	struct cfg	*cfg = mon_agent_cfg(r->a);
	char		 msg[MON_PRIV_MSG_MAX];

	if (renew_old(r, 0, msg, sizeof msg) == -1)
		log_warnx("renewal: cannot put %s.old back: %s",
		    cfg->report.certificate, msg);
	else
		log_warnx("renewal: %s; back to the old certificate (serial "
		    "%s)", why, r->old_serial);
	if (r->old_ctx != NULL)
		SSL_CTX_free(mon_agent_ctx_swap(r->a, r->old_ctx));
	r->old_ctx = NULL;
	snprintf(r->last, sizeof r->last, "back to serial %s: %s",
	    r->old_serial, why);
	r->st = RN_IDLE;
	r->next = time(NULL) + RENEW_RETRY;
}

/* A report ended (mon_agent.c): <ok> passed. */
void
mon_renew_result(struct mon_renew *r, int ok)
{
	struct cfg	*cfg = mon_agent_cfg(r->a);
	char		 msg[MON_PRIV_MSG_MAX], text[MON_TEXT_MAX + 1];

	if (r->st != RN_TRYING)
		return;
	if (!ok) {
		if (++r->fails >= RENEW_TRIES)
			renew_back(r, "reports fail with the new certificate");
		return;
	}
	if (renew_old(r, 1, msg, sizeof msg) == -1)
		log_warnx("renewal: %s", msg);
	SSL_CTX_free(r->old_ctx);
	r->old_ctx = NULL;
	r->st = RN_IDLE;
	r->renewed++;
	snprintf(text, sizeof text, "certificate of site %s renewed: serial "
	    "%s until %lld, replacing serial %s", cfg->report.site_id,
	    r->new_serial, (long long)r->new_end, r->old_serial);
	log_info("%s", text);
	snprintf(r->last, sizeof r->last, "renewed serial %s", r->new_serial);
	mon_agent_event(r->a, MON_EV_CERT_RENEWED, text);
}

void
mon_renew_status(struct mon_renew *r, struct ctl_conn *c)
{
	static const char *const names[] = { "idle", "asking", "trying" };
	struct tls_cert_info	 ci;

	ctl_printf(c, "renew %s renewed %" PRIu64 " last %s", names[r->st],
	    r->renewed, r->last);
	if (mon_agent_cert(r->a) != NULL &&
	    tls_cert_info(mon_agent_cert(r->a), time(NULL), &ci) == 0)
		ctl_printf(c, "cert-serial %s until %lld", ci.serial,
		    (long long)ci.not_after);
}
