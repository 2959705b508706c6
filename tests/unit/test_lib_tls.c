/*
 * test_lib_tls.c: composite PEM loading, SNI, verification, client
 * certificates with a CRL, ticket rotation and reload, all on real
 * handshakes over socketpairs. Every key and certificate is made here at
 * run time with OpenSSL's API: a root, an intermediate, leaves, an
 * expired one, a mismatched key, a site CA for clients and its CRL.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "unit.h"

#define DAY	(24L * 3600)
#define PASS	"correct horse battery"

/* The PKI every test shares, made once. */
struct pki {
	EVP_PKEY	*root_k, *inter_k, *other_k, *twin_k, *oroot_k;
	EVP_PKEY	*a_k, *b_k, *w_k, *u_k, *site_k, *s1_k, *s2_k;
	X509		*root, *inter, *other, *twin, *oroot;
	X509		*a, *b, *w, *u, *expired, *future, *site, *s1, *s2;
	X509		*s1srv;
};

static struct pki	 P;
static char		 tdir[256];
static int		 ready;

/* A handshake between one server SSL and one client SSL. */
struct pair {
	SSL	*s, *c;
	int	 fd[2];
	int	 sfail, cfail;
};

/* Warnings the library reported, for the tests to inspect. */
static char	warned[2048];

static void
warn_cb(void *arg, const char *msg)
{
	strlcat(warned, msg, sizeof warned);
	strlcat(warned, "\n", sizeof warned);
}

/* Path of a file in the test directory (a ring of static buffers). */
static const char *
tp(const char *name)
{
	static char	buf[8][PATH_MAX];
	static int	n;

	n = (n + 1) % 8;
	if ((size_t)snprintf(buf[n], sizeof buf[n], "%s/%s", tdir, name) >=
	    sizeof buf[n])
		abort();
	return (buf[n]);
}

/* Remove the test directory at exit. */
static void
cleanup(void)
{
	struct dirent	*d;
	DIR		*dir;

	if (tdir[0] == '\0' || (dir = opendir(tdir)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (unlink(tp(d->d_name)) == -1 && errno == EISDIR)
			rmdir(tp(d->d_name));
	}
	closedir(dir);
	rmdir(tdir);
}

static EVP_PKEY *
mkkey(void)
{
	EVP_PKEY	*k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	if (k == NULL)
		abort();
	return (k);
}

static void
ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION	*e;

	if ((e = X509V3_EXT_nconf_nid(NULL, v3, nid, value)) == NULL ||
	    !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
}

/*
 * Make a certificate for <key> named <cn>, issued by <iss> (self-signed
 * when NULL), valid from now + <from> to now + <to> seconds.
 */
static X509 *
mkcert(const char *cn, EVP_PKEY *key, X509 *iss, EVP_PKEY *ikey, int ca,
    long from, long to, const char *san, const char *eku)
{
	static long	 serial = 100;
	X509V3_CTX	 v3;
	X509		*x;

	if ((x = X509_new()) == NULL)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, iss != NULL ? X509_get_subject_name(iss) :
	    X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, iss != NULL ? iss : x, x, NULL, NULL, 0);
	ext(x, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" :
	    "CA:FALSE");
	if (ca)
		ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	ext(x, &v3, NID_subject_key_identifier, "hash");
	if (iss != NULL)
		ext(x, &v3, NID_authority_key_identifier, "keyid");
	if (san != NULL)
		ext(x, &v3, NID_subject_alt_name, san);
	if (eku != NULL)
		ext(x, &v3, NID_ext_key_usage, eku);
	if (!X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()))
		abort();
	return (x);
}

/* A CRL of <ca> revoking <r1> and <r2> (either may be NULL). */
static X509_CRL *
mkcrl(X509 *ca, EVP_PKEY *cakey, X509 *r1, X509 *r2)
{
	X509_CRL	*crl = X509_CRL_new();
	X509_REVOKED	*r;
	ASN1_TIME	*now, *next;
	X509		*rv[2] = { r1, r2 };
	int		 i;

	now = ASN1_TIME_adj(NULL, time(NULL), 0, 0);
	next = ASN1_TIME_adj(NULL, time(NULL), 30, 0);
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_CRL_set1_lastUpdate(crl, now);
	X509_CRL_set1_nextUpdate(crl, next);
	for (i = 0; i < 2; i++) {
		if (rv[i] == NULL)
			continue;
		r = X509_REVOKED_new();
		X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(rv[i]));
		X509_REVOKED_set_revocationDate(r, now);
		X509_CRL_add0_revoked(crl, r);
	}
	X509_CRL_sort(crl);
	if (!X509_CRL_sign(crl, cakey, EVP_sha256()))
		abort();
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return (crl);
}

static BIO *
b_new(void)
{
	return (BIO_new(BIO_s_mem()));
}

static void
b_key(BIO *b, EVP_PKEY *k)
{
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static void
b_cert(BIO *b, X509 *x)
{
	PEM_write_bio_X509(b, x);
}

/* Write a memory BIO to a file with <mode>; keep the first <cut> bytes. */
static void
b_save(BIO *b, const char *name, mode_t mode, long cut)
{
	char	*data;
	long	 len;
	int	 fd;

	len = BIO_get_mem_data(b, &data);
	if (cut > 0 && cut < len)
		len = cut;
	unlink(tp(name));
	if ((fd = open(tp(name), O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    write(fd, data, len) != len || fchmod(fd, mode) == -1)
		abort();
	close(fd);
	BIO_free(b);
}

/* Write key, certificate and intermediates (NULL-terminated) to a file. */
static void
composite(const char *name, EVP_PKEY *k, X509 *x, X509 *i1)
{
	BIO	*b = b_new();

	b_key(b, k);
	b_cert(b, x);
	if (i1 != NULL)
		b_cert(b, i1);
	b_save(b, name, 0600, 0);
}

static void
text(const char *name, mode_t mode, const char *s)
{
	BIO	*b = b_new();

	BIO_puts(b, s);
	b_save(b, name, mode, 0);
}

/* Build the PKI and every test file, once. */
static void
fixture(void)
{
	const char	*srv = "serverAuth", *cli = "clientAuth";
	const char	*tmp;
	X509_CRL	*crl;
	BIO		*b;
	long		 len;
	char		*data;

	if (ready)
		return;
	ready = 1;
	tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	snprintf(tdir, sizeof tdir, "%s/tlsunit.XXXXXX", tmp);
	if (mkdtemp(tdir) == NULL)
		abort();
	atexit(cleanup);

	P.root_k = mkkey();
	P.root = mkcert("Test Root", P.root_k, NULL, NULL, 1, -DAY, 3650 * DAY,
	    NULL, NULL);
	P.inter_k = mkkey();
	P.inter = mkcert("Test Intermediate", P.inter_k, P.root, P.root_k, 1,
	    -DAY, 1000 * DAY, NULL, NULL);
	P.other_k = mkkey();
	P.other = mkcert("Other Intermediate", P.other_k, P.root, P.root_k, 1,
	    -DAY, 1000 * DAY, NULL, NULL);
	/* Same name as the intermediate, other key. */
	P.twin_k = mkkey();
	P.twin = mkcert("Test Intermediate", P.twin_k, P.root, P.root_k, 1,
	    -DAY, 1000 * DAY, NULL, NULL);
	P.oroot_k = mkkey();
	P.oroot = mkcert("Untrusted Root", P.oroot_k, NULL, NULL, 1, -DAY,
	    3650 * DAY, NULL, NULL);

	P.a_k = mkkey();
	P.a = mkcert("a.example", P.a_k, P.inter, P.inter_k, 0, -DAY,
	    90 * DAY, "DNS:a.example,DNS:www.a.example,IP:127.0.0.1", srv);
	P.b_k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	P.b = mkcert("b.example", P.b_k, P.inter, P.inter_k, 0, -DAY,
	    90 * DAY, "DNS:b.example", srv);
	P.w_k = mkkey();
	P.w = mkcert("wild.example", P.w_k, P.inter, P.inter_k, 0, -DAY,
	    90 * DAY, "DNS:*.wild.example,DNS:*.a.example", srv);
	P.u_k = mkkey();
	P.u = mkcert("a.example", P.u_k, P.oroot, P.oroot_k, 0, -DAY,
	    90 * DAY, "DNS:a.example", srv);
	P.expired = mkcert("a.example", P.a_k, P.inter, P.inter_k, 0,
	    -400 * DAY, -10 * DAY, "DNS:a.example", srv);
	P.future = mkcert("a.example", P.a_k, P.inter, P.inter_k, 0,
	    10 * DAY, 400 * DAY, "DNS:a.example", srv);

	P.site_k = mkkey();
	P.site = mkcert("Site CA", P.site_k, NULL, NULL, 1, -DAY, 3650 * DAY,
	    NULL, NULL);
	P.s1_k = mkkey();
	P.s1 = mkcert("site-1", P.s1_k, P.site, P.site_k, 0, -DAY, 365 * DAY,
	    NULL, cli);
	P.s2_k = mkkey();
	P.s2 = mkcert("site-2", P.s2_k, P.site, P.site_k, 0, -DAY, 365 * DAY,
	    NULL, cli);
	P.s1srv = mkcert("site-1", P.s1_k, P.site, P.site_k, 0, -DAY,
	    365 * DAY, NULL, srv);

	composite("good.pem", P.a_k, P.a, P.inter);
	composite("b.pem", P.b_k, P.b, P.inter);
	composite("wild.pem", P.w_k, P.w, P.inter);
	composite("untrusted.pem", P.u_k, P.u, P.oroot);
	composite("expired.pem", P.a_k, P.expired, P.inter);
	composite("future.pem", P.a_k, P.future, P.inter);
	composite("mismatch.pem", P.b_k, P.a, P.inter);
	composite("nolink.pem", P.a_k, P.a, P.other);
	composite("twin.pem", P.a_k, P.a, P.twin);
	composite("nointer.pem", P.a_k, P.a, NULL);
	composite("site1.pem", P.s1_k, P.s1, NULL);
	composite("site2.pem", P.s2_k, P.s2, NULL);
	composite("s1srv.pem", P.s1_k, P.s1srv, NULL);
	composite("clientasserver.pem", P.s1_k, P.s1, NULL);

	b = b_new();
	b_cert(b, P.a);
	b_key(b, P.a_k);
	b_cert(b, P.inter);
	b_save(b, "misordered.pem", 0600, 0);

	b = b_new();
	PEM_write_bio_PrivateKey(b, P.a_k, EVP_aes_256_cbc(),
	    (unsigned char *)PASS, strlen(PASS), NULL, NULL);
	b_cert(b, P.a);
	b_cert(b, P.inter);
	b_save(b, "enc.pem", 0600, 0);
	b = b_new();
	PEM_write_bio_PrivateKey_traditional(b, P.a_k, EVP_aes_128_cbc(),
	    (unsigned char *)PASS, strlen(PASS), NULL, NULL);
	b_cert(b, P.a);
	b_cert(b, P.inter);
	b_save(b, "enctrad.pem", 0600, 0);
	text("pass", 0600, PASS "\n");
	text("wrongpass", 0600, "incorrect horse\n");
	text("worldpass", 0644, PASS "\n");

	b = b_new();
	b_key(b, P.a_k);
	b_cert(b, P.a);
	b_cert(b, P.inter);
	len = BIO_get_mem_data(b, &data);
	b_save(b, "world.pem", 0644, 0);
	b = b_new();
	b_key(b, P.a_k);
	b_cert(b, P.a);
	b_cert(b, P.inter);
	b_save(b, "truncated.pem", 0600, len - 200);
	text("garbage.pem", 0600, "this is not a certificate\n\x01\x02\xff");
	text("empty.pem", 0600, "");
	if (symlink(tp("good.pem"), tp("link.pem")) == -1 ||
	    mkdir(tp("adir"), 0700) == -1)
		abort();

	b = b_new();
	b_cert(b, P.a);
	b_save(b, "certonly.pem", 0600, 0);
	b = b_new();
	b_cert(b, P.root);
	b_save(b, "root.crt", 0644, 0);
	b = b_new();
	b_cert(b, P.oroot);
	b_save(b, "oroot.crt", 0644, 0);
	b = b_new();
	b_cert(b, P.site);
	b_save(b, "site.crt", 0644, 0);
	b = b_new();
	crl = mkcrl(P.site, P.site_k, P.s2, NULL);
	PEM_write_bio_X509_CRL(b, crl);
	X509_CRL_free(crl);
	b_save(b, "crl.pem", 0644, 0);
	b = b_new();
	crl = mkcrl(P.site, P.site_k, P.s2, P.s1);
	PEM_write_bio_X509_CRL(b, crl);
	X509_CRL_free(crl);
	b_save(b, "crl2.pem", 0644, 0);
	b = b_new();
	crl = mkcrl(P.oroot, P.oroot_k, NULL, NULL);
	PEM_write_bio_X509_CRL(b, crl);
	X509_CRL_free(crl);
	b_save(b, "foreigncrl.pem", 0644, 0);
}

/* A server holder on <file>, or NULL with *cause. */
static struct tls_server *
server(const char *file, const char *passfile, const char *ca, char **cause)
{
	struct tls_server_conf	 conf;
	const char		*pem[1];

	memset(&conf, 0, sizeof conf);
	pem[0] = file;
	conf.pem = pem;
	conf.npem = 1;
	conf.passfile = passfile;
	conf.chain_ca = ca;
	conf.warn = warn_cb;
	*cause = NULL;
	return (tls_server_new(&conf, cause));
}

/*
 * Loading <file> must fail with a cause containing <what> and naming the
 * file at fault: <file>, or <passfile> when that is the one given.
 */
static void
refused(const char *file, const char *passfile, const char *ca,
    const char *what)
{
	struct tls_server	*srv;
	const char		*named;
	char			*cause = NULL;

	named = passfile != NULL && strstr(what, "passphrase") == NULL &&
	    strstr(what, "encrypted") == NULL ? passfile : file;
	srv = server(tp(file), passfile != NULL ? tp(passfile) : NULL,
	    ca != NULL ? tp(ca) : NULL, &cause);
	CU_ASSERT_PTR_NULL(srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	if (strstr(cause, what) == NULL || strstr(cause, tp(named)) == NULL)
		fprintf(stderr, "\n%s: want \"%s\" about %s, got \"%s\"\n",
		    file, what, named, cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, what));
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, tp(named)));
	free(cause);
	tls_server_free(srv);
}

/* Connect <s> and <c> over a non-blocking socketpair. */
static void
pair_new(struct pair *p, SSL *s, SSL *c)
{
	memset(p, 0, sizeof *p);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd) == -1 ||
	    fcntl(p->fd[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(p->fd[1], F_SETFL, O_NONBLOCK) == -1)
		abort();
	p->s = s;
	p->c = c;
	SSL_set_fd(s, p->fd[0]);
	SSL_set_fd(c, p->fd[1]);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
}

/* One step of a handshake: 1 done, 0 wants more, -1 failed. */
static int
step(SSL *ssl)
{
	int	r, e;

	if ((r = SSL_do_handshake(ssl)) == 1)
		return (1);
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return (0);
	ERR_clear_error();
	return (-1);
}

/* Run both handshakes; 0 when both completed. */
static int
pair_handshake(struct pair *p)
{
	int	sd = 0, cd = 0, i, r;

	for (i = 0; i < 1000 && (sd != 1 || cd != 1); i++) {
		if (cd == 0 && (r = step(p->c)) != 0)
			cd = r;
		if (sd == 0 && (r = step(p->s)) != 0)
			sd = r;
		if (sd == -1 || cd == -1)
			break;
	}
	p->sfail = sd != 1;
	p->cfail = cd != 1;
	return (sd == 1 && cd == 1 ? 0 : -1);
}

/*
 * Send <msg> from <from> and read it on <to>; 0 when it arrived whole.
 * Reading also takes in TLS 1.3 session tickets sent after the handshake.
 */
static int
xfer(SSL *from, SSL *to, const char *msg)
{
	char	buf[256];
	size_t	len = strlen(msg), got = 0;
	int	i, r, e;

	for (i = 0; i < 100; i++) {
		if ((r = SSL_write(from, msg, len)) > 0)
			break;
		e = SSL_get_error(from, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return (-1);
	}
	for (i = 0; i < 1000 && got < len; i++) {
		if ((r = SSL_read(to, buf + got, sizeof buf - got)) > 0) {
			got += r;
			continue;
		}
		e = SSL_get_error(to, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
		/* Let the sender take in whatever the reader wrote. */
		(void)SSL_read(from, buf + got, 0);
	}
	ERR_clear_error();
	return (got == len && memcmp(buf, msg, len) == 0 ? 0 : -1);
}

/*
 * Close both ends. The close_notify matters: OpenSSL marks the session of
 * an SSL freed without one as not resumable.
 */
static void
pair_free(struct pair *p)
{
	if (!p->cfail)
		SSL_shutdown(p->c);
	if (!p->sfail)
		SSL_shutdown(p->s);
	SSL_free(p->s);
	SSL_free(p->c);
	close(p->fd[0]);
	close(p->fd[1]);
	ERR_clear_error();
}

/* A client context trusting <ca> (NULL: no verification). */
static SSL_CTX *
client(const char *ca, const char *pem)
{
	struct tls_client_conf	 conf;
	SSL_CTX			*ctx;
	char			*cause = NULL;

	memset(&conf, 0, sizeof conf);
	conf.cafile = ca != NULL ? tp(ca) : NULL;
	conf.noverify = ca == NULL;
	conf.pem = pem != NULL ? tp(pem) : NULL;
	if ((ctx = tls_client_new(&conf, &cause)) == NULL)
		fprintf(stderr, "\nclient: %s\n", cause);
	free(cause);
	return (ctx);
}

/*
 * Handshake a server SSL from <srv> with a client from <cctx> for <host>;
 * leaves the pair open in <p>. Returns what pair_handshake() returns.
 */
static int
connect_to(struct pair *p, struct tls_server *srv, SSL_CTX *cctx,
    const char *host, SSL_SESSION *sess)
{
	char	*cause = NULL;
	SSL	*c;

	c = tls_client_ssl(cctx, host, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	if (sess != NULL)
		SSL_set_session(c, sess);
	pair_new(p, tls_server_ssl(srv), c);
	return (pair_handshake(p));
}

/* CN of the certificate the client was shown. */
static const char *
peer_cn(SSL *c)
{
	static struct tls_cert_info	 ci;
	X509				*x;

	if ((x = SSL_get0_peer_certificate(c)) == NULL ||
	    tls_cert_info(x, time(NULL), &ci) == -1)
		return ("(none)");
	return (ci.cn);
}

static void
test_tls_load_good(void)
{
	struct tls_cert_info	 ci;
	struct tls_server	*srv;
	char			*cause, serial[64];

	fixture();
	srv = server(tp("good.pem"), NULL, tp("root.crt"), &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_EQUAL(tls_server_count(srv), 1);
	CU_ASSERT_STRING_EQUAL(tls_server_path(srv, 0), tp("good.pem"));
	CU_ASSERT_EQUAL(tls_server_generation(srv), 1);
	CU_ASSERT_EQUAL(tls_cert_info(tls_server_cert(srv, 0), time(NULL),
	    &ci), 0);
	CU_ASSERT_STRING_EQUAL(ci.cn, "a.example");
	CU_ASSERT_STRING_EQUAL(ci.issuer, "CN=Test Intermediate");
	CU_ASSERT_STRING_EQUAL(ci.sans,
	    "DNS:a.example, DNS:www.a.example, IP:127.0.0.1");
	snprintf(serial, sizeof serial, "%02lX",
	    ASN1_INTEGER_get(X509_get0_serialNumber(P.a)));
	CU_ASSERT_STRING_EQUAL(ci.serial, serial);
	CU_ASSERT(ci.left > 90 * DAY - 60 && ci.left <= 90 * DAY);
	CU_ASSERT(ci.not_before < time(NULL));
	CU_ASSERT_PTR_NULL(tls_server_cert(srv, 1));
	tls_server_free(srv);

	/* Without a CA file a leaf alone is fine (nothing to reach). */
	srv = server(tp("nointer.pem"), NULL, NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL(srv);
	tls_server_free(srv);
	/* The key of an RSA leaf. */
	srv = server(tp("b.pem"), NULL, tp("root.crt"), &cause);
	CU_ASSERT_PTR_NOT_NULL(srv);
	tls_server_free(srv);
}

static void
test_tls_load_refused(void)
{
	fixture();
	refused("misordered.pem", NULL, NULL, "comes before the private key");
	refused("mismatch.pem", NULL, NULL, "does not match the certificate");
	refused("nolink.pem", NULL, NULL, "does not link");
	refused("twin.pem", NULL, NULL, "signature of CN=a.example");
	refused("nointer.pem", NULL, "root.crt", "chain is incomplete");
	refused("good.pem", NULL, "oroot.crt", "chain is incomplete");
	refused("untrusted.pem", NULL, "root.crt", "does not hold");
	refused("world.pem", NULL, NULL, "chmod 600");
	refused("link.pem", NULL, NULL, "symbolic link");
	refused("adir", NULL, NULL, "not a regular file");
	refused("missing.pem", NULL, NULL, "No such file");
	refused("truncated.pem", NULL, NULL, "truncated or corrupt");
	refused("garbage.pem", NULL, NULL, "no PEM data");
	refused("empty.pem", NULL, NULL, "empty file");
	refused("root.crt", NULL, NULL, "chmod 600");
	refused("clientasserver.pem", NULL, NULL, "not for TLS servers");
}

static void
test_tls_load_encrypted(void)
{
	struct tls_server	*srv;
	char			*cause;

	fixture();
	srv = server(tp("enc.pem"), tp("pass"), tp("root.crt"), &cause);
	CU_ASSERT_PTR_NOT_NULL(srv);
	tls_server_free(srv);
	srv = server(tp("enctrad.pem"), tp("pass"), NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL(srv);
	tls_server_free(srv);
	refused("enc.pem", "wrongpass", NULL, "wrong passphrase");
	refused("enctrad.pem", "wrongpass", NULL, "wrong passphrase");
	refused("enc.pem", NULL, NULL, "encrypted and no passphrase");
	refused("enc.pem", "worldpass", NULL, "chmod 600");
	refused("enc.pem", "missing", NULL, "No such file");
}

static void
test_tls_load_dates(void)
{
	struct tls_cert_info	 ci;
	struct tls_server	*srv;
	char			*cause;

	fixture();
	warned[0] = '\0';
	srv = server(tp("good.pem"), NULL, NULL, &cause);
	CU_ASSERT_STRING_EQUAL(warned, "");
	tls_server_free(srv);

	/* Expired: loaded with a warning (see tls.h for why). */
	srv = server(tp("expired.pem"), NULL, tp("root.crt"), &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_PTR_NOT_NULL(strstr(warned, "expired 10 days ago"));
	CU_ASSERT_PTR_NOT_NULL(strstr(warned, tp("expired.pem")));
	CU_ASSERT_EQUAL(tls_cert_info(tls_server_cert(srv, 0), time(NULL),
	    &ci), 0);
	CU_ASSERT(ci.left < -10 * DAY + 60 && ci.left > -11 * DAY);
	tls_server_free(srv);

	/* The soonest expiry of a listener is the expired file's. */
	{
		struct tls_server_conf	 conf;
		const char		*pem[2];
		size_t			 idx = 9;

		memset(&conf, 0, sizeof conf);
		pem[0] = tp("good.pem");
		pem[1] = tp("expired.pem");
		conf.pem = pem;
		conf.npem = 2;
		conf.warn = warn_cb;
		srv = tls_server_new(&conf, &cause);
		CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
		CU_ASSERT(tls_server_soonest(srv, time(NULL), &idx) <
		    -10 * DAY + 60);
		CU_ASSERT_EQUAL(idx, 1);
		CU_ASSERT(tls_server_soonest(srv, time(NULL) - 20 * DAY,
		    &idx) > 0);
		tls_server_free(srv);
	}

	warned[0] = '\0';
	srv = server(tp("future.pem"), NULL, NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL(srv);
	CU_ASSERT_PTR_NOT_NULL(strstr(warned, "is not valid before"));
	tls_server_free(srv);
}

/* SNI picks by exact name, then wildcard; the first file is the default. */
static void
test_tls_sni(void)
{
	struct tls_server_conf	 conf;
	struct tls_server	*srv;
	struct pair		 p;
	SSL_CTX			*cctx;
	char			*cause = NULL;
	const char		*pem[3];
	size_t			 i;
	static const struct {
		const char	*host;
		const char	*cn;
	} want[] = {
		{ "a.example", "a.example" },
		{ "WWW.A.Example", "a.example" },	/* exact over *.a */
		{ "ftp.a.example", "wild.example" },
		{ "x.wild.example", "wild.example" },
		{ "y.x.wild.example", "b.example" },	/* one label only */
		{ "wild.example", "b.example" },
		{ "unknown.example", "b.example" },
		{ NULL, "b.example" },			/* no SNI */
	};

	fixture();
	memset(&conf, 0, sizeof conf);
	pem[0] = tp("b.pem");
	pem[1] = tp("wild.pem");
	pem[2] = tp("good.pem");
	conf.pem = pem;
	conf.npem = 3;
	conf.chain_ca = tp("root.crt");
	srv = tls_server_new(&conf, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_EQUAL(tls_server_count(srv), 3);
	CU_ASSERT_STRING_EQUAL(tls_server_path(srv, 1), tp("wild.pem"));
	cctx = client(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cctx);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, want[i].host, NULL),
		    0);
		if (strcmp(peer_cn(p.c), want[i].cn) != 0)
			fprintf(stderr, "\nSNI %s: got %s, want %s\n",
			    want[i].host, peer_cn(p.c), want[i].cn);
		CU_ASSERT_STRING_EQUAL(peer_cn(p.c), want[i].cn);
		CU_ASSERT_EQUAL(xfer(p.c, p.s, "ping"), 0);
		pair_free(&p);
	}
	SSL_CTX_free(cctx);
	tls_server_free(srv);
}

/* The client verifies the chain and the host name by default. */
static void
test_tls_verify(void)
{
	struct tls_server	*srv, *usrv;
	struct pair		 p;
	SSL_CTX			*cctx;
	char			*cause = NULL;

	fixture();
	srv = server(tp("good.pem"), NULL, NULL, &cause);
	usrv = server(tp("untrusted.pem"), NULL, NULL, &cause);
	cctx = client("root.crt", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(usrv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cctx);

	CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", NULL), 0);
	CU_ASSERT_EQUAL(SSL_get_verify_result(p.c), X509_V_OK);
	CU_ASSERT_EQUAL(SSL_version(p.c), TLS1_3_VERSION);
	CU_ASSERT_EQUAL(xfer(p.c, p.s, "hello"), 0);
	CU_ASSERT_EQUAL(xfer(p.s, p.c, "world"), 0);
	pair_free(&p);

	CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "127.0.0.1", NULL), 0);
	pair_free(&p);

	CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "b.example", NULL), -1);
	CU_ASSERT(p.cfail);
	CU_ASSERT_EQUAL(SSL_get_verify_result(p.c),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	pair_free(&p);

	CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "127.0.0.2", NULL), -1);
	CU_ASSERT_EQUAL(SSL_get_verify_result(p.c),
	    X509_V_ERR_IP_ADDRESS_MISMATCH);
	pair_free(&p);

	/* A partial wildcard or a deeper name must not pass either. */
	CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "x.www.a.example", NULL), -1);
	pair_free(&p);

	CU_ASSERT_EQUAL(connect_to(&p, usrv, cctx, "a.example", NULL), -1);
	CU_ASSERT(p.cfail);
	CU_ASSERT_NOT_EQUAL(SSL_get_verify_result(p.c), X509_V_OK);
	pair_free(&p);

	/* Verification without a host name to check is refused. */
	CU_ASSERT_PTR_NULL(tls_client_ssl(cctx, NULL, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);

	SSL_CTX_free(cctx);
	tls_server_free(usrv);
	tls_server_free(srv);
}

/* TLS 1.2 and 1.3 only, no compression, no renegotiation. */
static void
test_tls_policy(void)
{
	struct tls_server	*srv;
	struct pair		 p;
	SSL_CTX			*cctx, *old, *oldsrv;
	SSL			*c;
	char			*cause = NULL;
	uint64_t		 want;

	fixture();
	srv = server(tp("good.pem"), NULL, NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	cctx = client(NULL, NULL);
	want = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
	CU_ASSERT_EQUAL(SSL_CTX_get_options(tls_server_ctx(srv)) & want, want);
	CU_ASSERT_EQUAL(SSL_CTX_get_options(cctx) & want, want);
	CU_ASSERT_EQUAL(SSL_CTX_get_min_proto_version(tls_server_ctx(srv)),
	    TLS1_2_VERSION);
	CU_ASSERT_EQUAL(SSL_CTX_get_min_proto_version(cctx), TLS1_2_VERSION);

	/* A client held to TLS 1.2 gets TLS 1.2. */
	c = tls_client_ssl(cctx, "a.example", &cause);
	SSL_set_max_proto_version(c, TLS1_2_VERSION);
	pair_new(&p, tls_server_ssl(srv), c);
	CU_ASSERT_EQUAL(pair_handshake(&p), 0);
	CU_ASSERT_EQUAL(SSL_version(p.s), TLS1_2_VERSION);
	pair_free(&p);

	/*
	 * A TLS 1.1 client is refused. The control case shows that this
	 * client does speak TLS 1.1: a server that allows it gets it.
	 */
	old = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_security_level(old, 0);
	SSL_CTX_set_cipher_list(old, "DEFAULT:@SECLEVEL=0");
	SSL_CTX_set_min_proto_version(old, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(old, TLS1_1_VERSION);
	oldsrv = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_security_level(oldsrv, 0);
	SSL_CTX_set_cipher_list(oldsrv, "DEFAULT:@SECLEVEL=0");
	SSL_CTX_set_min_proto_version(oldsrv, TLS1_VERSION);
	SSL_CTX_use_certificate(oldsrv, P.a);
	SSL_CTX_use_PrivateKey(oldsrv, P.a_k);
	pair_new(&p, SSL_new(oldsrv), SSL_new(old));
	CU_ASSERT_EQUAL(pair_handshake(&p), 0);
	CU_ASSERT_EQUAL(SSL_version(p.s), TLS1_1_VERSION);
	pair_free(&p);
	pair_new(&p, tls_server_ssl(srv), SSL_new(old));
	CU_ASSERT_EQUAL(pair_handshake(&p), -1);
	CU_ASSERT(p.sfail);
	pair_free(&p);

	SSL_CTX_free(oldsrv);
	SSL_CTX_free(old);
	SSL_CTX_free(cctx);
	tls_server_free(srv);
}

/* A server conf requiring client certificates of the site CA. */
static struct tls_server *
center(const char *crl, char **cause)
{
	struct tls_server_conf	 conf;
	const char		*pem[1];

	memset(&conf, 0, sizeof conf);
	pem[0] = tp("good.pem");
	conf.pem = pem;
	conf.npem = 1;
	conf.client_ca = tp("site.crt");
	conf.client_crl = crl != NULL ? tp(crl) : NULL;
	conf.warn = warn_cb;
	*cause = NULL;
	return (tls_server_new(&conf, cause));
}

static void
test_tls_client_cert(void)
{
	struct tls_server_conf	 conf;
	struct tls_server	*srv, *bad;
	struct pair		 p;
	SSL_CTX			*none, *s1, *s2, *s1tls12;
	SSL_SESSION		*sess;
	char			*cause = NULL;
	const char		*pem[1];
	int			 tls12;

	fixture();
	srv = center("crl.pem", &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	none = client("root.crt", NULL);
	s1 = client("root.crt", "site1.pem");
	s2 = client("root.crt", "site2.pem");
	s1tls12 = client("root.crt", "site1.pem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	SSL_CTX_set_max_proto_version(s1tls12, TLS1_2_VERSION);

	/* No certificate: refused by the server. */
	connect_to(&p, srv, none, "a.example", NULL);
	CU_ASSERT(p.sfail);
	pair_free(&p);

	/* A certificate of the site CA: accepted, in both versions. */
	CU_ASSERT_EQUAL(connect_to(&p, srv, s1, "a.example", NULL), 0);
	CU_ASSERT_STRING_EQUAL(peer_cn(p.s), "site-1");
	CU_ASSERT_EQUAL(SSL_get_verify_result(p.s), X509_V_OK);
	CU_ASSERT_EQUAL(xfer(p.c, p.s, "alive"), 0);
	pair_free(&p);
	CU_ASSERT_EQUAL(connect_to(&p, srv, s1tls12, "a.example", NULL), 0);
	CU_ASSERT_EQUAL(SSL_version(p.s), TLS1_2_VERSION);
	pair_free(&p);

	/* Revoked by the CRL: refused. */
	connect_to(&p, srv, s2, "a.example", NULL);
	CU_ASSERT(p.sfail);
	CU_ASSERT_EQUAL(SSL_get_verify_result(p.s), X509_V_ERR_CERT_REVOKED);
	pair_free(&p);

	/*
	 * site-1 revoked too, by a reload: its saved session must not resume
	 * past the new CRL, in either version.
	 */
	memset(&conf, 0, sizeof conf);
	pem[0] = tp("good.pem");
	conf.pem = pem;
	conf.npem = 1;
	conf.client_ca = tp("site.crt");
	for (tls12 = 0; tls12 < 2; tls12++) {
		conf.client_crl = tp("crl.pem");
		CU_ASSERT_EQUAL(tls_server_reload(srv, &conf, &cause), 0);
		CU_ASSERT_EQUAL(connect_to(&p, srv, tls12 ? s1tls12 : s1,
		    "a.example", NULL), 0);
		CU_ASSERT_EQUAL(xfer(p.s, p.c, "ticket"), 0);
		sess = SSL_get1_session(p.c);
		pair_free(&p);
		CU_ASSERT_EQUAL(connect_to(&p, srv, tls12 ? s1tls12 : s1,
		    "a.example", sess), 0);
		CU_ASSERT(SSL_session_reused(p.c));
		pair_free(&p);
		conf.client_crl = tp("crl2.pem");
		CU_ASSERT_EQUAL(tls_server_reload(srv, &conf, &cause), 0);
		connect_to(&p, srv, tls12 ? s1tls12 : s1, "a.example", sess);
		CU_ASSERT(!SSL_session_reused(p.c));
		CU_ASSERT(p.sfail);
		CU_ASSERT_EQUAL(SSL_get_verify_result(p.s),
		    X509_V_ERR_CERT_REVOKED);
		pair_free(&p);
		SSL_SESSION_free(sess);
	}

	/* A CRL of another CA, or a CRL without a CA, is refused at load. */
	bad = center("foreigncrl.pem", &cause);
	CU_ASSERT_PTR_NULL(bad);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "not signed by any CA") : NULL);
	free(cause);
	bad = center("garbage.pem", &cause);
	CU_ASSERT_PTR_NULL(bad);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "no CRL") : NULL);
	free(cause);

	SSL_CTX_free(none);
	SSL_CTX_free(s1);
	SSL_CTX_free(s2);
	SSL_CTX_free(s1tls12);
	tls_server_free(srv);
}

/* Sessions resume across one ticket-key rotation, not across two. */
static void
test_tls_tickets(void)
{
	struct tls_server	*srv;
	struct pair		 p;
	SSL_CTX			*cctx;
	SSL_SESSION		*s1, *s2;
	int			 v;

	fixture();
	for (v = 0; v < 2; v++) {
		char	*cause = NULL;

		srv = server(tp("good.pem"), NULL, NULL, &cause);
		CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
		cctx = client("root.crt", NULL);
		if (v == 1)
			SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);

		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", NULL),
		    0);
		CU_ASSERT(!SSL_session_reused(p.c));
		CU_ASSERT_EQUAL(xfer(p.s, p.c, "ticket"), 0);
		s1 = SSL_get1_session(p.c);
		CU_ASSERT(SSL_SESSION_is_resumable(s1));
		pair_free(&p);

		/* Same key. */
		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", s1), 0);
		CU_ASSERT(SSL_session_reused(p.c));
		pair_free(&p);

		/* The previous key still decrypts, and a new ticket comes. */
		tls_server_rotate(srv);
		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", s1), 0);
		CU_ASSERT(SSL_session_reused(p.c));
		CU_ASSERT_EQUAL(xfer(p.s, p.c, "ticket"), 0);
		s2 = SSL_get1_session(p.c);
		pair_free(&p);

		/* Two rotations later the first key is gone. */
		tls_server_rotate(srv);
		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", s1), 0);
		CU_ASSERT(!SSL_session_reused(p.c));
		pair_free(&p);
		/* The ticket issued under the second key still works. */
		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", s2), 0);
		CU_ASSERT(SSL_session_reused(p.c));
		pair_free(&p);

		/* Tickets outlive a reload (the keys belong to the holder). */
		CU_ASSERT_EQUAL(tls_server_reload(srv, &(struct tls_server_conf)
		    { .pem = (const char *[]){ tp("good.pem") }, .npem = 1 },
		    &cause), 0);
		CU_ASSERT_EQUAL(connect_to(&p, srv, cctx, "a.example", s2), 0);
		CU_ASSERT(SSL_session_reused(p.c));
		pair_free(&p);

		SSL_SESSION_free(s1);
		SSL_SESSION_free(s2);
		SSL_CTX_free(cctx);
		tls_server_free(srv);
	}
}

/* A reload swaps the certificate; an open connection carries on. */
static void
test_tls_reload(void)
{
	struct tls_server_conf	 conf;
	struct tls_server	*srv;
	struct pair		 p1, p2, p3;
	SSL_CTX			*cctx;
	char			*cause = NULL;
	const char		*pem[1];

	fixture();
	srv = server(tp("good.pem"), NULL, NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	cctx = client("root.crt", NULL);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	CU_ASSERT_EQUAL(connect_to(&p1, srv, cctx, "a.example", NULL), 0);
	CU_ASSERT_STRING_EQUAL(peer_cn(p1.c), "a.example");

	memset(&conf, 0, sizeof conf);
	pem[0] = tp("b.pem");
	conf.pem = pem;
	conf.npem = 1;
	CU_ASSERT_EQUAL(tls_server_reload(srv, &conf, &cause), 0);
	CU_ASSERT_EQUAL(tls_server_generation(srv), 2);
	CU_ASSERT_EQUAL(connect_to(&p2, srv, cctx, "b.example", NULL), 0);
	CU_ASSERT_STRING_EQUAL(peer_cn(p2.c), "b.example");
	CU_ASSERT_EQUAL(xfer(p1.c, p1.s, "still here"), 0);
	CU_ASSERT_EQUAL(xfer(p1.s, p1.c, "yes"), 0);

	/* A failed reload keeps the running certificate and says why. */
	pem[0] = tp("garbage.pem");
	CU_ASSERT_EQUAL(tls_server_reload(srv, &conf, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "garbage.pem: no PEM data") : NULL);
	free(cause);
	pem[0] = tp("mismatch.pem");
	CU_ASSERT_EQUAL(tls_server_reload(srv, &conf, &cause), -1);
	free(cause);
	CU_ASSERT_EQUAL(tls_server_generation(srv), 2);
	CU_ASSERT_EQUAL(connect_to(&p3, srv, cctx, "b.example", NULL), 0);
	CU_ASSERT_STRING_EQUAL(peer_cn(p3.c), "b.example");
	pair_free(&p3);

	/* Even the holder may go: each connection keeps its context. */
	tls_server_free(srv);
	CU_ASSERT_EQUAL(xfer(p1.c, p1.s, "after free"), 0);
	CU_ASSERT_EQUAL(xfer(p2.s, p2.c, "after free"), 0);
	pair_free(&p1);
	pair_free(&p2);
	SSL_CTX_free(cctx);
}

/* The key of a file, its PEM block kept as it was (still encrypted). */
static void
test_tls_key_load(void)
{
	EVP_PKEY	*k;
	BIO		*raw;
	char		*cause = NULL, *data;
	long		 len;

	fixture();
	raw = BIO_new(BIO_s_mem());
	k = tls_key_load(tp("good.pem"), NULL, raw, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, P.a_k), 1);
	len = BIO_get_mem_data(raw, &data);
	CU_ASSERT(len > 27 && strncmp(data, "-----BEGIN PRIVATE KEY-----",
	    27) == 0);
	EVP_PKEY_free(k);
	BIO_free(raw);

	raw = BIO_new(BIO_s_mem());
	k = tls_key_load(tp("enc.pem"), tp("pass"), raw, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, P.a_k), 1);
	len = BIO_get_mem_data(raw, &data);
	CU_ASSERT(len > 37 && strncmp(data,
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
	EVP_PKEY_free(k);
	BIO_free(raw);

	CU_ASSERT_PTR_NULL(tls_key_load(tp("enc.pem"), tp("wrongpass"), NULL,
	    &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "wrong passphrase") : NULL);
	free(cause);
	CU_ASSERT_PTR_NULL(tls_key_load(tp("site.crt"), NULL, NULL, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "chmod") : NULL);
	free(cause);
	CU_ASSERT_PTR_NULL(tls_key_load(tp("certonly.pem"), NULL, NULL,
	    &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "certonly.pem: no private key") : NULL);
	free(cause);
	CU_ASSERT_PTR_NULL(tls_key_load(tp("garbage.pem"), NULL, NULL,
	    &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "no PEM") : NULL);
	free(cause);
}

/* Chains put in order whatever order they came in. */
static void
test_tls_chain_sort(void)
{
	STACK_OF(X509)	*in, *out;
	char		*cause = NULL;

	fixture();
	in = sk_X509_new_null();
	sk_X509_push(in, P.root);
	sk_X509_push(in, P.a);		/* the leaf itself: dropped */
	sk_X509_push(in, P.inter);
	sk_X509_push(in, P.root);	/* a duplicate: dropped */
	CU_ASSERT_EQUAL_FATAL(tls_chain_sort(P.a, in, &out, &cause), 0);
	CU_ASSERT_EQUAL(sk_X509_num(out), 2);
	CU_ASSERT(sk_X509_value(out, 0) == P.inter);
	CU_ASSERT(sk_X509_value(out, 1) == P.root);
	CU_ASSERT_EQUAL(tls_chain_link(P.a, out, &cause), 0);
	sk_X509_pop_free(out, X509_free);

	/* Same name, other key: the twin does not belong. */
	sk_X509_push(in, P.twin);
	CU_ASSERT_EQUAL(tls_chain_sort(P.a, in, &out, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "does not belong to the chain of CN=a.example") :
	    NULL);
	free(cause);
	sk_X509_free(in);
}

/* A client composite file for mutual TLS is checked the same way. */
static void
test_tls_client_conf(void)
{
	struct tls_client_conf	 conf;
	SSL_CTX			*ctx;
	char			*cause = NULL;

	fixture();
	memset(&conf, 0, sizeof conf);
	conf.pem = tp("mismatch.pem");
	CU_ASSERT_PTR_NULL(ctx = tls_client_new(&conf, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "does not match") : NULL);
	free(cause);
	conf.pem = tp("good.pem");	/* a server certificate */
	CU_ASSERT_PTR_NULL(ctx = tls_client_new(&conf, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "not for TLS clients") : NULL);
	free(cause);
	conf.pem = NULL;
	conf.cafile = tp("garbage.pem");
	CU_ASSERT_PTR_NULL(ctx = tls_client_new(&conf, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause != NULL ?
	    strstr(cause, "no certificate") : NULL);
	free(cause);
	/* The system store, verification on. */
	conf.cafile = NULL;
	ctx = tls_client_new(&conf, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT(SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER);
	SSL_CTX_free(ctx);
}

static CU_TestInfo tls_tests[] = {
	{ "test_tls_load_good", test_tls_load_good },
	{ "test_tls_load_refused", test_tls_load_refused },
	{ "test_tls_load_encrypted", test_tls_load_encrypted },
	{ "test_tls_load_dates", test_tls_load_dates },
	{ "test_tls_sni", test_tls_sni },
	{ "test_tls_verify", test_tls_verify },
	{ "test_tls_policy", test_tls_policy },
	{ "test_tls_client_cert", test_tls_client_cert },
	{ "test_tls_tickets", test_tls_tickets },
	{ "test_tls_reload", test_tls_reload },
	{ "test_tls_key_load", test_tls_key_load },
	{ "test_tls_chain_sort", test_tls_chain_sort },
	{ "test_tls_client_conf", test_tls_client_conf },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(tls_suite, "lib_tls", tls_tests)
