/*
 * tls_pem.c: reading composite PEM files, CA and CRL files, and checking
 * what they hold: order, key match, chain links, trust anchors, validity
 * dates. Every message names the file and says what is wrong with it.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "log.h"
#include "tls.h"
#include "xmalloc.h"

/* The passphrase given to OpenSSL's decoder, and whether it asked. */
struct tls_pass {
	const char	*pass;
	int		 asked;
};

static int	tls_pass_cb(char *, int, int, void *);
static int	tls_pem_eof(void);
static int	tls_pem_key(struct tls_pem *, const char *, const char *,
		    const char *, const unsigned char *, long, const char *,
		    int, char **);
static int	tls_is_key(const char *);
static void	tls_asn1_str(const ASN1_STRING *, char *, size_t);
static int	tls_time(const ASN1_TIME *, time_t *);
static void	tls_fmt_time(time_t, char *, size_t);
static int	tls_warn(tls_warn_fn *, void *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Return the most telling message of OpenSSL's error queue, and empty it.
 * The first error recorded is the cause; later ones are its consequences
 * ("bad decrypt" comes first, "unsupported" from the decoders after it).
 */
char *
tls_errstr(void)
{
	unsigned long	 e, first = 0;
	const char	*r;
	char		 buf[256];

	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first == 0)
		return (xstrdup("unknown error"));
	if ((r = ERR_reason_error_string(first)) != NULL)
		return (xstrdup(r));
	ERR_error_string_n(first, buf, sizeof buf);
	return (xstrdup(buf));
}

/*
 * Read a whole file. With <secret> (it holds a key or a passphrase), the
 * file must be the file itself, not a symbolic link, a regular file that
 * neither group nor others may read or write, owned by us or root: the
 * rule every key file of the project follows (relayd's
 * check_file_secrecy). Files may not exceed TLS_MAXFILE; the buffer gets a
 * NUL after the data.
 */
int
tls_file_read(const char *path, int secret, char **bufp, size_t *lenp,
    char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, flags;

	*bufp = NULL;
	flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (secret)
		flags |= O_NOFOLLOW;
	if ((fd = open(path, flags)) == -1) {
		if (errno == ELOOP && secret)
			xasprintf(cause, "%s: is a symbolic link (a file "
			    "holding a key must be the file itself)", path);
		else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto fail;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		xasprintf(cause, "%s: holds a secret but group or others may "
		    "read or write it (chmod 600 it)", path);
		goto fail;
	}
	if (secret && st.st_uid != 0 && st.st_uid != geteuid()) {
		xasprintf(cause, "%s: holds a secret but is owned by another "
		    "user", path);
		goto fail;
	}
	if (st.st_size > TLS_MAXFILE) {
		xasprintf(cause, "%s: larger than %d bytes", path,
		    TLS_MAXFILE);
		goto fail;
	}
	/* Read up to one byte more than allowed, in case it grew. */
	buf = xmalloc(TLS_MAXFILE + 2);
	while (len <= TLS_MAXFILE) {
		n = read(fd, buf + len, TLS_MAXFILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len > TLS_MAXFILE) {
		xasprintf(cause, "%s: larger than %d bytes", path,
		    TLS_MAXFILE);
		goto fail;
	}
	if (len == 0) {
		xasprintf(cause, "%s: empty file", path);
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	*bufp = buf;
	*lenp = len;
	return (0);
fail:
	if (buf != NULL)
		freezero(buf, TLS_MAXFILE + 2);
	close(fd);
	return (-1);
}

/*
 * Read a passphrase: the first line of a secret file, as OpenSSL's
 * "-pass file:" takes it, so keys made with the openssl command open with
 * the same file. Free the result with freezero().
 */
int
tls_passphrase_read(const char *path, char **passp, char **cause)
{
	char	*buf;
	size_t	 len, n;

	if (tls_file_read(path, 1, &buf, &len, cause) == -1)
		return (-1);
	n = strcspn(buf, "\r\n");
	if (n == 0 || n > TLS_MAXPASS) {
		xasprintf(cause, "%s: %s", path, n == 0 ?
		    "the passphrase (first line) is empty" :
		    "the passphrase is too long");
		freezero(buf, len);
		return (-1);
	}
	*passp = xstrndup(buf, n);
	freezero(buf, len);
	return (0);
}

/* Hand the passphrase to OpenSSL's decoder; note that it was needed. */
static int
tls_pass_cb(char *buf, int size, int rwflag, void *arg)
{
	struct tls_pass	*p = arg;
	size_t		 len;

	p->asked = 1;
	if (p->pass == NULL)
		return (-1);
	len = strlen(p->pass);
	if (len > (size_t)size)
		return (-1);
	memcpy(buf, p->pass, len);
	return ((int)len);
}

/* Did the last PEM read stop at the end of the data (no more blocks)? */
static int
tls_pem_eof(void)
{
	unsigned long	e = ERR_peek_last_error();

	return (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

/* Is a PEM block of this type a private key? */
static int
tls_is_key(const char *name)
{
	size_t	len = strlen(name);

	return (len >= 11 && strcmp(name + len - 11, "PRIVATE KEY") == 0);
}

/*
 * Decode the private key of block <n>: PEM_read_bio() hands the block
 * back still encrypted, so it is written out again and given to the
 * decoder that knows every key format and both kinds of encryption.
 */
static int
tls_pem_key(struct tls_pem *pem, const char *path, const char *passfile,
    const char *name, const unsigned char *data, long len,
    const char *header, int n, char **cause)
{
	struct tls_pass	 pw = { NULL, 0 };
	BIO		*b;
	char		*pass = NULL, *err;
	int		 encrypted;

	encrypted = strcmp(name, "ENCRYPTED PRIVATE KEY") == 0 ||
	    strstr(header, "ENCRYPTED") != NULL;
	if (encrypted && passfile == NULL) {
		xasprintf(cause, "%s: the private key is encrypted and no "
		    "passphrase file is given", path);
		return (-1);
	}
	if (encrypted && tls_passphrase_read(passfile, &pass, cause) == -1)
		return (-1);
	pw.pass = pass;
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio(b, name, header, data, len) <= 0)
		fatalx("%s: out of memory", __func__);
	ERR_clear_error();
	pem->key = PEM_read_bio_PrivateKey(b, NULL, tls_pass_cb, &pw);
	BIO_free(b);
	if (pass != NULL)
		freezero(pass, strlen(pass));
	if (pem->key != NULL)
		return (0);
	err = tls_errstr();
	if (encrypted)
		xasprintf(cause, "%s: cannot decrypt the private key with "
		    "the passphrase from %s (wrong passphrase?): %s", path,
		    passfile, err);
	else
		xasprintf(cause, "%s: the private key (PEM block %d) cannot "
		    "be decoded: %s", path, n, err);
	free(err);
	return (-1);
}

/*
 * Load a composite PEM file: one private key, then the certificate, then
 * its intermediates, each issued by the next. <passfile> (may be NULL)
 * holds the passphrase of an encrypted key. On success <pem> owns what
 * was read; on failure it is empty.
 */
int
tls_pem_load(const char *path, const char *passfile, struct tls_pem *pem,
    char **cause)
{
	char	*buf;
	size_t	 len;
	int	 rv;

	memset(pem, 0, sizeof *pem);
	if (tls_file_read(path, 1, &buf, &len, cause) == -1)
		return (-1);
	rv = tls_pem_parse(path, buf, len, passfile, pem, cause);
	freezero(buf, len);
	return (rv);
}

/*
 * Parse and check the bytes of a composite file; <path> names it in
 * messages. The bytes need no NUL at the end.
 */
int
tls_pem_parse(const char *path, const char *buf, size_t len,
    const char *passfile, struct tls_pem *pem, char **cause)
{
	const unsigned char	*p;
	BIO			*b = NULL;
	X509			*x;
	char			*name = NULL, *header = NULL;
	char			*err, cn[256];
	unsigned char		*data = NULL;
	long			 dlen;
	int			 n;

	memset(pem, 0, sizeof *pem);
	if (len > TLS_MAXFILE) {
		xasprintf(cause, "%s: larger than %d bytes", path,
		    TLS_MAXFILE);
		return (-1);
	}
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (pem->chain = sk_X509_new_null()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (n = 1;; n++) {
		ERR_clear_error();
		if (!PEM_read_bio(b, &name, &header, &data, &dlen)) {
			if (tls_pem_eof())
				break;
			err = tls_errstr();
			xasprintf(cause, "%s: PEM block %d is truncated or "
			    "corrupt (%s)", path, n, err);
			free(err);
			goto fail;
		}
		if (tls_is_key(name)) {
			if (pem->key != NULL) {
				xasprintf(cause, "%s: more than one private "
				    "key (PEM block %d)", path, n);
				goto fail;
			}
			if (pem->cert != NULL) {
				xasprintf(cause, "%s: the certificate comes "
				    "before the private key; the order must "
				    "be private key, certificate, "
				    "intermediates", path);
				goto fail;
			}
			if (tls_pem_key(pem, path, passfile, name, data,
			    dlen, header, n, cause) == -1)
				goto fail;
		} else if (strcmp(name, "CERTIFICATE") == 0 ||
		    strcmp(name, "X509 CERTIFICATE") == 0) {
			p = data;
			if ((x = d2i_X509(NULL, &p, dlen)) == NULL ||
			    p != data + dlen) {
				X509_free(x);
				err = tls_errstr();
				xasprintf(cause, "%s: the certificate in PEM "
				    "block %d cannot be decoded (%s)", path, n,
				    err);
				free(err);
				goto fail;
			}
			if (pem->cert == NULL)
				pem->cert = x;
			else if (!sk_X509_push(pem->chain, x))
				fatalx("%s: out of memory", __func__);
		} else if (strcmp(name, "EC PARAMETERS") != 0) {
			/* "openssl ecparam -genkey" writes EC PARAMETERS. */
			xasprintf(cause, "%s: unexpected PEM block \"%s\" "
			    "(block %d); a composite file holds a private key "
			    "and certificates only", path, name, n);
			goto fail;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, dlen);
		name = header = NULL;
		data = NULL;
	}
	if (n == 1) {
		xasprintf(cause, "%s: no PEM data (not a PEM file?)", path);
		goto fail;
	}
	if (pem->key == NULL) {
		xasprintf(cause, "%s: no private key (a composite file starts "
		    "with the private key)", path);
		goto fail;
	}
	if (pem->cert == NULL) {
		xasprintf(cause, "%s: no certificate after the private key",
		    path);
		goto fail;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(pem->cert), pem->key) != 1) {
		tls_name_cn(X509_get_subject_name(pem->cert), cn, sizeof cn);
		xasprintf(cause, "%s: the private key does not match the "
		    "certificate (%s)", path, cn);
		goto fail;
	}
	if (tls_chain_link(pem->cert, pem->chain, &err) == -1) {
		xasprintf(cause, "%s: %s", path, err);
		free(err);
		goto fail;
	}
	BIO_free(b);
	pem->path = xstrdup(path);
	ERR_clear_error();
	return (0);
fail:
	OPENSSL_free(name);
	OPENSSL_free(header);
	if (data != NULL)
		OPENSSL_clear_free(data, dlen);
	BIO_free(b);
	tls_pem_free(pem);
	ERR_clear_error();
	return (-1);
}

/*
 * Load the one private key of a PEM file (a key file alone, or a
 * composite file) under the same secrecy rule. With <raw>, the key's PEM
 * block is also written there as it was, still encrypted if it was, so
 * a tool can copy it without decrypting it for good.
 */
EVP_PKEY *
tls_key_load(const char *path, const char *passfile, BIO *raw, char **cause)
{
	struct tls_pem	 pem;
	BIO		*b;
	char		*buf, *name = NULL, *header = NULL, *err;
	unsigned char	*data = NULL;
	size_t		 len;
	long		 dlen;
	int		 n;

	memset(&pem, 0, sizeof pem);
	if (tls_file_read(path, 1, &buf, &len, cause) == -1)
		return (NULL);
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		fatalx("%s: out of memory", __func__);
	for (n = 1;; n++) {
		ERR_clear_error();
		if (!PEM_read_bio(b, &name, &header, &data, &dlen)) {
			if (tls_pem_eof())
				break;
			err = tls_errstr();
			xasprintf(cause, "%s: PEM block %d is truncated or "
			    "corrupt (%s)", path, n, err);
			free(err);
			goto fail;
		}
		if (tls_is_key(name)) {
			if (pem.key != NULL) {
				xasprintf(cause, "%s: more than one private "
				    "key (PEM block %d)", path, n);
				goto fail;
			}
			if (tls_pem_key(&pem, path, passfile, name, data,
			    dlen, header, n, cause) == -1)
				goto fail;
			if (raw != NULL &&
			    PEM_write_bio(raw, name, header, data, dlen) <= 0)
				fatalx("%s: out of memory", __func__);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, dlen);
		name = header = NULL;
		data = NULL;
	}
	if (pem.key == NULL) {
		xasprintf(cause, "%s: %s", path, n == 1 ?
		    "no PEM data (not a PEM file?)" : "no private key");
		goto fail;
	}
	BIO_free(b);
	freezero(buf, len);
	ERR_clear_error();
	return (pem.key);
fail:
	OPENSSL_free(name);
	OPENSSL_free(header);
	if (data != NULL)
		OPENSSL_clear_free(data, dlen);
	EVP_PKEY_free(pem.key);
	BIO_free(b);
	freezero(buf, len);
	ERR_clear_error();
	return (NULL);
}

/* Free what a composite file held. */
void
tls_pem_free(struct tls_pem *pem)
{
	EVP_PKEY_free(pem->key);
	X509_free(pem->cert);
	sk_X509_pop_free(pem->chain, X509_free);
	free(pem->path);
	memset(pem, 0, sizeof *pem);
}

/*
 * Check that each certificate of <leaf> followed by <chain> was issued by
 * the next one: the issuer's name is the next subject, and the next key
 * verifies the signature.
 */
int
tls_chain_link(X509 *leaf, STACK_OF(X509) *chain, char **cause)
{
	X509	*sub, *iss;
	char	 a[256], b[256], c[256];
	int	 i;

	for (i = 0; i < sk_X509_num(chain); i++) {
		sub = i == 0 ? leaf : sk_X509_value(chain, i - 1);
		iss = sk_X509_value(chain, i);
		tls_name_cn(X509_get_subject_name(sub), a, sizeof a);
		tls_name_cn(X509_get_issuer_name(sub), b, sizeof b);
		tls_name_cn(X509_get_subject_name(iss), c, sizeof c);
		if (X509_NAME_cmp(X509_get_issuer_name(sub),
		    X509_get_subject_name(iss)) != 0) {
			xasprintf(cause, "the chain does not link: %s (%s %d) "
			    "was issued by %s, but the next certificate is "
			    "%s (wrong order, or an intermediate missing)",
			    a, i == 0 ? "the certificate, number" :
			    "intermediate", i == 0 ? 1 : i, b, c);
			return (-1);
		}
		if (X509_verify(sub, X509_get0_pubkey(iss)) != 1) {
			ERR_clear_error();
			xasprintf(cause, "the chain does not link: the "
			    "signature of %s does not verify with the key of "
			    "%s (same name, other CA key)", a, c);
			return (-1);
		}
	}
	return (0);
}

/*
 * Order <certs> as the chain of <leaf>: its issuer first, then that one's
 * issuer, and so on. Copies of the leaf and duplicates are dropped; a
 * certificate that belongs nowhere in the chain is an error (it would be
 * sent to every client for nothing, and usually means a wrong file). The
 * new stack holds references of its own.
 */
int
tls_chain_sort(X509 *leaf, STACK_OF(X509) *certs, STACK_OF(X509) **outp,
    char **cause)
{
	STACK_OF(X509)	*left, *out;
	X509		*cur, *x;
	char		 a[256], b[256];
	int		 i, found;

	if ((left = sk_X509_new_null()) == NULL ||
	    (out = sk_X509_new_null()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (X509_cmp(x, leaf) != 0 && !sk_X509_push(left, x))
			fatalx("%s: out of memory", __func__);
	}
	cur = leaf;
	while (sk_X509_num(left) > 0 &&
	    X509_check_issued(cur, cur) != X509_V_OK) {
		found = 0;
		for (i = 0; i < sk_X509_num(left); i++) {
			x = sk_X509_value(left, i);
			if (X509_NAME_cmp(X509_get_issuer_name(cur),
			    X509_get_subject_name(x)) != 0 ||
			    X509_verify(cur, X509_get0_pubkey(x)) != 1)
				continue;
			found = 1;
			break;
		}
		ERR_clear_error();
		if (!found)
			break;
		(void)sk_X509_delete(left, i);
		if (!X509_up_ref(x) || !sk_X509_push(out, x))
			fatalx("%s: out of memory", __func__);
		cur = x;
		/* Drop copies of the one just placed. */
		for (i = sk_X509_num(left) - 1; i >= 0; i--)
			if (X509_cmp(sk_X509_value(left, i), x) == 0)
				(void)sk_X509_delete(left, i);
	}
	if (sk_X509_num(left) > 0) {
		tls_name_cn(X509_get_subject_name(sk_X509_value(left, 0)), a,
		    sizeof a);
		tls_name_cn(X509_get_subject_name(leaf), b, sizeof b);
		xasprintf(cause, "%s does not belong to the chain of %s (it "
		    "issued none of its certificates)", a, b);
		sk_X509_free(left);
		sk_X509_pop_free(out, X509_free);
		return (-1);
	}
	sk_X509_free(left);
	*outp = out;
	return (0);
}

/*
 * Check a loaded file against its use: the certificate must be fit for
 * <purpose> (X509_PURPOSE_SSL_SERVER or _CLIENT: its extendedKeyUsage),
 * and with <cafile>, the chain must reach one of its certificates. Dates
 * are left to tls_pem_times().
 */
int
tls_pem_verify(const struct tls_pem *pem, const char *cafile, int purpose,
    char **cause)
{
	STACK_OF(X509)	*cas = NULL;
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*sctx = NULL;
	X509		*x;
	char		*err, cn[256];
	int		 i, e, rv = -1;

	if (X509_check_purpose(pem->cert, purpose, 0) != 1) {
		ERR_clear_error();
		tls_name_cn(X509_get_subject_name(pem->cert), cn, sizeof cn);
		xasprintf(cause, "%s: the certificate (%s) is not for TLS "
		    "%s (see its extendedKeyUsage)", pem->path, cn,
		    purpose == X509_PURPOSE_SSL_CLIENT ? "clients" :
		    "servers");
		return (-1);
	}
	if (cafile == NULL)
		return (0);
	if ((cas = tls_certs_load(cafile, &err)) == NULL) {
		*cause = err;
		return (-1);
	}
	if ((store = X509_STORE_new()) == NULL ||
	    (sctx = X509_STORE_CTX_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (i = 0; i < sk_X509_num(cas); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(cas, i)))
			ERR_clear_error();	/* a duplicate */
	if (!X509_STORE_CTX_init(sctx, store, pem->cert, pem->chain))
		fatalx("%s: X509_STORE_CTX_init", __func__);
	X509_STORE_CTX_set_purpose(sctx, purpose);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx),
	    X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(sctx) == 1) {
		rv = 0;
		goto out;
	}
	e = X509_STORE_CTX_get_error(sctx);
	if ((x = X509_STORE_CTX_get_current_cert(sctx)) == NULL)
		x = pem->cert;
	tls_name_cn(X509_get_subject_name(x), cn, sizeof cn);
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		xasprintf(cause, "%s: the chain is incomplete: the issuer of "
		    "%s is neither in the file nor in %s (an intermediate "
		    "certificate missing?)", pem->path, cn, cafile);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		xasprintf(cause, "%s: the chain ends at %s, which %s does "
		    "not hold", pem->path, cn, cafile);
		break;
	default:
		xasprintf(cause, "%s: the chain does not verify against %s: "
		    "%s (at %s)", pem->path, cafile,
		    X509_verify_cert_error_string(e), cn);
		break;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	sk_X509_pop_free(cas, X509_free);
	return (rv);
}

/* Send one warning to <fn>, or to the log without one; returns 1. */
static int
tls_warn(tls_warn_fn *fn, void *arg, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("%s: out of memory", __func__);
	va_end(ap);
	if (fn != NULL)
		fn(arg, msg);
	else
		log_warnx("%s", msg);
	free(msg);
	return (1);
}

/*
 * Warn about every certificate of the file that is expired or not valid
 * yet at <now>; return how many there are.
 */
int
tls_pem_times(const struct tls_pem *pem, time_t now, tls_warn_fn *fn,
    void *arg)
{
	struct tls_cert_info	 ci;
	X509			*x;
	char			 when[64];
	int			 i, n = 0;

	for (i = -1; i < sk_X509_num(pem->chain); i++) {
		x = i == -1 ? pem->cert : sk_X509_value(pem->chain, i);
		if (tls_cert_info(x, now, &ci) == -1) {
			n += tls_warn(fn, arg, "%s: cannot read the validity "
			    "dates of certificate %d", pem->path, i + 2);
			continue;
		}
		if (ci.left < 0) {
			tls_fmt_time(ci.not_after, when, sizeof when);
			n += tls_warn(fn, arg, "%s: %s %s expired %lld days "
			    "ago (%s); clients will refuse it", pem->path,
			    i == -1 ? "the certificate" : "intermediate", ci.cn,
			    (long long)(-ci.left / 86400), when);
		} else if (ci.not_before > now) {
			tls_fmt_time(ci.not_before, when, sizeof when);
			n += tls_warn(fn, arg, "%s: %s %s is not valid before "
			    "%s; clients will refuse it until then (is the "
			    "clock right?)", pem->path, i == -1 ?
			    "the certificate" : "intermediate", ci.cn, when);
		}
	}
	return (n);
}

/*
 * Load every certificate of a PEM file (a CA file: public, so any regular
 * file or link to one); NULL when it holds none or a block is damaged.
 */
STACK_OF(X509) *
tls_certs_load(const char *path, char **cause)
{
	STACK_OF(X509)	*sk;
	BIO		*b;
	X509		*x;
	char		*buf, *err;
	size_t		 len;

	if (tls_file_read(path, 0, &buf, &len, cause) == -1)
		return (NULL);
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (sk = sk_X509_new_null()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (;;) {
		ERR_clear_error();
		if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
			break;
		if (!sk_X509_push(sk, x))
			fatalx("%s: out of memory", __func__);
	}
	BIO_free(b);
	free(buf);
	if (!tls_pem_eof()) {
		err = tls_errstr();
		xasprintf(cause, "%s: certificate %d is truncated or corrupt "
		    "(%s)", path, sk_X509_num(sk) + 1, err);
		free(err);
		sk_X509_pop_free(sk, X509_free);
		return (NULL);
	}
	ERR_clear_error();
	if (sk_X509_num(sk) == 0) {
		xasprintf(cause, "%s: no certificate in the file", path);
		sk_X509_free(sk);
		return (NULL);
	}
	return (sk);
}

/* Load every CRL of a PEM file; NULL when it holds none or is damaged. */
STACK_OF(X509_CRL) *
tls_crls_load(const char *path, char **cause)
{
	STACK_OF(X509_CRL)	*sk;
	BIO			*b;
	X509_CRL		*crl;
	char			*buf, *err;
	size_t			 len;

	if (tls_file_read(path, 0, &buf, &len, cause) == -1)
		return (NULL);
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (sk = sk_X509_CRL_new_null()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (;;) {
		ERR_clear_error();
		if ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) ==
		    NULL)
			break;
		if (!sk_X509_CRL_push(sk, crl))
			fatalx("%s: out of memory", __func__);
	}
	BIO_free(b);
	free(buf);
	if (!tls_pem_eof()) {
		err = tls_errstr();
		xasprintf(cause, "%s: CRL %d is truncated or corrupt (%s)",
		    path, sk_X509_CRL_num(sk) + 1, err);
		free(err);
		sk_X509_CRL_pop_free(sk, X509_CRL_free);
		return (NULL);
	}
	ERR_clear_error();
	if (sk_X509_CRL_num(sk) == 0) {
		xasprintf(cause, "%s: no CRL in the file", path);
		sk_X509_CRL_free(sk);
		return (NULL);
	}
	return (sk);
}

/* Copy an ASN.1 string as text, anything unprintable shown as '?'. */
static void
tls_asn1_str(const ASN1_STRING *s, char *buf, size_t size)
{
	unsigned char	*u = NULL;
	int		 len, i;
	size_t		 n = 0;

	if (size == 0)
		return;
	if ((len = ASN1_STRING_to_UTF8(&u, s)) < 0) {
		ERR_clear_error();
		len = 0;
	}
	for (i = 0; i < len && n + 1 < size; i++)
		buf[n++] = u[i] >= 0x20 && u[i] != 0x7f ? (char)u[i] : '?';
	buf[n] = '\0';
	OPENSSL_free(u);
}

/*
 * Write a name's CN as "CN=x", or the whole name in one line when it has
 * none, for messages.
 */
void
tls_name_cn(const X509_NAME *name, char *buf, size_t size)
{
	X509_NAME_ENTRY	*e;
	char		 cn[256];
	int		 i;

	if ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) >= 0 &&
	    (e = X509_NAME_get_entry(name, i)) != NULL) {
		tls_asn1_str(X509_NAME_ENTRY_get_data(e), cn, sizeof cn);
		snprintf(buf, size, "CN=%s", cn);
		return;
	}
	if (X509_NAME_oneline(name, buf, (int)size) == NULL)
		strlcpy(buf, "(no name)", size);
}

/* Convert an ASN.1 time to seconds since the epoch. */
static int
tls_time(const ASN1_TIME *t, time_t *tp)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return (-1);
	}
	*tp = timegm(&tm);
	return (0);
}

/* Format a time as "2026-01-31 12:00:00 UTC". */
static void
tls_fmt_time(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		strlcpy(buf, "?", size);
}

/*
 * Sum a certificate up: subject CN, issuer, serial, subjectAltNames and
 * validity, with the seconds left until notAfter counted from <now>.
 */
int
tls_cert_info(X509 *x, time_t now, struct tls_cert_info *ci)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	BIGNUM		*bn;
	char		*hex, one[300], ip[INET6_ADDRSTRLEN];
	const unsigned char *d;
	size_t		 len = 0;
	int		 i, n, af;

	memset(ci, 0, sizeof *ci);
	i = X509_NAME_get_index_by_NID(X509_get_subject_name(x),
	    NID_commonName, -1);
	if (i >= 0)
		tls_asn1_str(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(
		    X509_get_subject_name(x), i)), ci->cn, sizeof ci->cn);
	tls_name_cn(X509_get_issuer_name(x), ci->issuer, sizeof ci->issuer);
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) !=
	    NULL && (hex = BN_bn2hex(bn)) != NULL) {
		strlcpy(ci->serial, hex, sizeof ci->serial);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) !=
	    NULL) {
		n = sk_GENERAL_NAME_num(gens);
		for (i = 0; i < n; i++) {
			g = sk_GENERAL_NAME_value(gens, i);
			one[0] = '\0';
			if (g->type == GEN_DNS) {
				memcpy(one, "DNS:", 4);
				tls_asn1_str(g->d.dNSName, one + 4,
				    sizeof one - 4);
			} else if (g->type == GEN_IPADD) {
				d = ASN1_STRING_get0_data(g->d.iPAddress);
				af = ASN1_STRING_length(g->d.iPAddress) == 4 ?
				    AF_INET : ASN1_STRING_length(
				    g->d.iPAddress) == 16 ? AF_INET6 : 0;
				if (af == 0 ||
				    inet_ntop(af, d, ip, sizeof ip) == NULL)
					strlcpy(ip, "?", sizeof ip);
				snprintf(one, sizeof one, "IP:%s", ip);
			} else if (g->type == GEN_EMAIL) {
				memcpy(one, "email:", 6);
				tls_asn1_str(g->d.rfc822Name, one + 6,
				    sizeof one - 6);
			} else if (g->type == GEN_URI) {
				memcpy(one, "URI:", 4);
				tls_asn1_str(g->d.uniformResourceIdentifier,
				    one + 4, sizeof one - 4);
			} else
				continue;
			if (len + strlen(one) + 2 + 4 >= sizeof ci->sans) {
				strlcat(ci->sans, "...", sizeof ci->sans);
				break;
			}
			if (len != 0)
				strlcat(ci->sans, ", ", sizeof ci->sans);
			strlcat(ci->sans, one, sizeof ci->sans);
			len = strlen(ci->sans);
		}
		GENERAL_NAMES_free(gens);
	}
	ERR_clear_error();
	if (tls_time(X509_get0_notBefore(x), &ci->not_before) == -1 ||
	    tls_time(X509_get0_notAfter(x), &ci->not_after) == -1)
		return (-1);
	ci->left = (int64_t)ci->not_after - (int64_t)now;
	return (0);
}
