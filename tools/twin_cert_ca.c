/*
 * twin_cert_ca.c: the site CA of twin-cert. It signs the monitoring
 * center's server certificate and every site's client certificate, and
 * keeps what `openssl ca` keeps, in the same formats:
 *
 *	DIR/ca.key	the CA's private key (0600)
 *	DIR/ca.crt	its self-signed certificate
 *	DIR/serial	the next serial number, hex
 *	DIR/index.txt	one line per issued certificate:
 *			status (V valid, R revoked) TAB expiry TAB revocation
 *			date TAB serial TAB "unknown" TAB subject
 *	DIR/crlnumber	the next CRL number, hex
 *	DIR/crl.pem	the current CRL
 *	DIR/certs/	a copy of each issued certificate, SERIAL.pem
 *
 * Every change takes an exclusive lock on DIR, and every file is replaced
 * atomically, so two runs at once cannot hand out one serial twice.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "tls.h"
#include "twin_cert.h"
#include "xmalloc.h"

#define CA_DAYS		3650	/* the CA's own certificate */
#define CA_SIGN_DAYS	365	/* what it issues: renewed yearly */
#define CA_CRL_DAYS	90	/* until a CRL's nextUpdate */
#define CA_MAXDAYS	36500
#define CA_BACKDATE	300	/* seconds: tolerate clocks a bit behind */
#define CA_MAXINDEX	100000	/* lines in index.txt */

struct ca {
	const char	*dir;
	int		 lockfd;
	EVP_PKEY	*key;
	X509		*cert;
};

/* One line of index.txt. */
struct ca_entry {
	char		 status;
	char		*expires;
	char		*revoked;
	char		*serial;
	char		*subject;
};

struct ca_index {
	struct ca_entry	*e;
	size_t		 n;
};

static char	*ca_path(const struct ca *, const char *);
static void	 ca_lock(struct ca *);
static void	 ca_open(struct ca *, const char *, const char *);
static BIGNUM	*ca_hex_read(const struct ca *, const char *);
static void	 ca_hex_write(const struct ca *, const char *, const BIGNUM *);
static void	 ca_index_read(const struct ca *, struct ca_index *);
static void	 ca_index_write(const struct ca *, const struct ca_index *);
static void	 ca_index_free(struct ca_index *);
static void	 ca_crl_write(const struct ca *, const struct ca_index *, int,
		    const char *);
static char	*ca_asn1_time(const ASN1_TIME *);
static void	 ca_serial_check(const char *, const char *, size_t);
static GENERAL_NAMES *ca_sans(X509_REQ *, const char *, const char *);
static int	 ca_init(int, char **);
static int	 ca_sign(int, char **);
static X509	*ca_sign_req(const char *, const char *, X509_REQ *,
		    const char *, int, int, char *, size_t, char **);
static int	 ca_issue(int, char **);
static int	 ca_revoke(int, char **);
static int	 ca_crl(int, char **);

static const struct option ca_longopts[] = {
	{ "client", no_argument, NULL, 'C' },
	{ "server", no_argument, NULL, 'S' },
	{ "days", required_argument, NULL, 'D' },
	{ NULL, 0, NULL, 0 }
};

static char *
ca_path(const struct ca *ca, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", ca->dir, name);
	return (p);
}

/* Hold the CA directory for this run (released at exit). */
static void
ca_lock(struct ca *ca)
{
	if ((ca->lockfd = open(ca->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		tc_die("%s: %s", ca->dir, strerror(errno));
	if (flock(ca->lockfd, LOCK_EX) == -1)
		tc_die("%s: cannot lock: %s", ca->dir, strerror(errno));
}

/* Lock a CA directory and load its key and certificate. */
static void
ca_open(struct ca *ca, const char *dir, const char *passfile)
{
	STACK_OF(X509)	*sk;
	char		*p, *cause;

	ca->dir = dir;
	ca_lock(ca);
	p = ca_path(ca, "ca.crt");
	if ((sk = tls_certs_load(p, &cause)) == NULL) {
		fprintf(stderr, "twin-cert: %s is not a CA made by "
		    "twin-cert ca init\n", dir);
		tc_fail(cause);
	}
	ca->cert = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	free(p);
	p = ca_path(ca, "ca.key");
	ca->key = tc_key_read(p, passfile);
	if (EVP_PKEY_eq(X509_get0_pubkey(ca->cert), ca->key) != 1)
		tc_die("%s does not match %s/ca.crt", p, dir);
	free(p);
	ERR_clear_error();
}

/* Read a hex number file (serial, crlnumber). */
static BIGNUM *
ca_hex_read(const struct ca *ca, const char *name)
{
	BIGNUM	*bn = NULL;
	FILE	*f;
	char	*p, buf[128];
	size_t	 len;

	p = ca_path(ca, name);
	if ((f = fopen(p, "r")) == NULL)
		tc_die("%s: %s", p, strerror(errno));
	if (fgets(buf, sizeof buf, f) == NULL)
		tc_die("%s: empty", p);
	fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	ca_serial_check(p, buf, len);
	if (BN_hex2bn(&bn, buf) == 0)
		tc_die("%s: not a hex number", p);
	free(p);
	return (bn);
}

/* Write a hex number file. */
static void
ca_hex_write(const struct ca *ca, const char *name, const BIGNUM *bn)
{
	BIO	*b = tc_mem();
	char	*hex, *p;

	if ((hex = BN_bn2hex(bn)) == NULL)
		tc_die("out of memory");
	BIO_printf(b, "%s\n", hex);
	OPENSSL_free(hex);
	p = ca_path(ca, name);
	tc_write(p, b, 0644, 0);
	free(p);
}

/* A serial number as the index and revoke take it: hex digits only. */
static void
ca_serial_check(const char *where, const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 64)
		tc_die("%s: \"%s\" is not a serial number", where, s);
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			tc_die("%s: \"%s\" is not a hex serial number", where,
			    s);
}

/* Read index.txt, refusing any line that is not what we write. */
static void
ca_index_read(const struct ca *ca, struct ca_index *ix)
{
	struct ca_entry	*e;
	FILE		*f;
	char		*p, *line = NULL, *fields[6], *s, *t;
	size_t		 size = 0, lineno = 0;
	ssize_t		 len;
	int		 i;

	memset(ix, 0, sizeof *ix);
	p = ca_path(ca, "index.txt");
	if ((f = fopen(p, "r")) == NULL)
		tc_die("%s: %s", p, strerror(errno));
	while ((len = getline(&line, &size, f)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno > CA_MAXINDEX)
			tc_die("%s: more than %d lines", p, CA_MAXINDEX);
		for (i = 0, s = line; i < 6; i++) {
			fields[i] = s;
			if ((t = strchr(s, '\t')) == NULL)
				break;
			*t = '\0';
			s = t + 1;
		}
		if (i != 5 || strchr(fields[5], '\t') != NULL ||
		    strlen(fields[0]) != 1 || strchr("VRE", fields[0][0]) ==
		    NULL)
			tc_die("%s:%zu: not an index line", p, lineno);
		ca_serial_check(p, fields[3], strlen(fields[3]));
		ix->e = xreallocarray(ix->e, ix->n + 1, sizeof *ix->e);
		e = &ix->e[ix->n++];
		e->status = fields[0][0];
		e->expires = xstrdup(fields[1]);
		e->revoked = xstrdup(fields[2]);
		e->serial = xstrdup(fields[3]);
		e->subject = xstrdup(fields[5]);
	}
	if (ferror(f))
		tc_die("%s: %s", p, strerror(errno));
	free(line);
	fclose(f);
	free(p);
}

static void
ca_index_write(const struct ca *ca, const struct ca_index *ix)
{
	BIO	*b = tc_mem();
	char	*p;
	size_t	 i;

	for (i = 0; i < ix->n; i++)
		BIO_printf(b, "%c\t%s\t%s\t%s\tunknown\t%s\n", ix->e[i].status,
		    ix->e[i].expires, ix->e[i].revoked, ix->e[i].serial,
		    ix->e[i].subject);
	p = ca_path(ca, "index.txt");
	tc_write(p, b, 0644, 0);
	free(p);
}

static void
ca_index_free(struct ca_index *ix)
{
	size_t	i;

	for (i = 0; i < ix->n; i++) {
		free(ix->e[i].expires);
		free(ix->e[i].revoked);
		free(ix->e[i].serial);
		free(ix->e[i].subject);
	}
	free(ix->e);
}

/* An ASN.1 time as its string ("YYMMDDHHMMSSZ"), as index.txt has it. */
static char *
ca_asn1_time(const ASN1_TIME *t)
{
	return (xstrndup((const char *)ASN1_STRING_get0_data(t),
	    ASN1_STRING_length(t)));
}

/*
 * Write a CRL listing every revoked certificate of the index, valid for
 * <days>, to <out> (NULL: DIR/crl.pem).
 */
static void
ca_crl_write(const struct ca *ca, const struct ca_index *ix, int days,
    const char *out)
{
	X509_CRL	*crl;
	X509_REVOKED	*r;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	ASN1_TIME	*now, *next, *when;
	ASN1_INTEGER	*ai;
	BIGNUM		*bn = NULL, *num;
	BIO		*b;
	char		*p;
	size_t		 i, n = 0;

	num = ca_hex_read(ca, "crlnumber");
	if ((crl = X509_CRL_new()) == NULL ||
	    (now = ASN1_TIME_adj(NULL, time(NULL), 0, 0)) == NULL ||
	    (next = ASN1_TIME_adj(NULL, time(NULL), days, 0)) == NULL ||
	    !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) ||
	    !X509_CRL_set1_lastUpdate(crl, now) ||
	    !X509_CRL_set1_nextUpdate(crl, next))
		tc_die("cannot build the CRL: %s", tls_errstr());
	for (i = 0; i < ix->n; i++) {
		if (ix->e[i].status != 'R')
			continue;
		if (BN_hex2bn(&bn, ix->e[i].serial) == 0 ||
		    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
		    (when = ASN1_TIME_new()) == NULL ||
		    (r = X509_REVOKED_new()) == NULL)
			tc_die("out of memory");
		if (!ASN1_TIME_set_string(when, ix->e[i].revoked))
			tc_die("%s/index.txt: serial %s: bad revocation date "
			    "\"%s\"", ca->dir, ix->e[i].serial,
			    ix->e[i].revoked);
		if (!X509_REVOKED_set_serialNumber(r, ai) ||
		    !X509_REVOKED_set_revocationDate(r, when) ||
		    !X509_CRL_add0_revoked(crl, r))
			tc_die("out of memory");
		ASN1_INTEGER_free(ai);
		ASN1_TIME_free(when);
		n++;
	}
	BN_free(bn);
	X509_CRL_sort(crl);
	X509V3_set_ctx(&v3, ca->cert, NULL, NULL, crl, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &v3,
	    NID_authority_key_identifier, "keyid:always")) == NULL ||
	    !X509_CRL_add_ext(crl, ext, -1) ||
	    (ai = BN_to_ASN1_INTEGER(num, NULL)) == NULL ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, ai, 0, 0))
		tc_die("cannot add the CRL extensions: %s", tls_errstr());
	X509_EXTENSION_free(ext);
	ASN1_INTEGER_free(ai);
	if (X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0)
		tc_die("cannot sign the CRL: %s", tls_errstr());
	b = tc_mem();
	if (!PEM_write_bio_X509_CRL(b, crl))
		tc_die("out of memory");
	p = out != NULL ? xstrdup(out) : ca_path(ca, "crl.pem");
	tc_write(p, b, 0644, 0);
	tc_note("%s: CRL with %zu revoked certificate%s, next update in %d "
	    "days", p, n, n == 1 ? "" : "s", days);
	free(p);
	if (!BN_add_word(num, 1))
		tc_die("out of memory");
	ca_hex_write(ca, "crlnumber", num);
	BN_free(num);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
}

/* twin-cert ca init: key, self-signed certificate, empty index and CRL. */
static int
ca_init(int argc, char **argv)
{
	const char	*subject = NULL, *passfile = NULL, *type = "rsa";
	const char	*errstr, *days_s = NULL;
	struct ca_index	 ix;
	struct ca	 ca;
	struct stat	 st;
	X509_NAME	*name;
	BIGNUM		*bn;
	unsigned char	 rnd[8];
	X509		*x;
	BIO		*b;
	char		*pass = NULL, *p, desc[64];
	int		 ch, bits = 0, days;

	memset(&ca, 0, sizeof ca);
	while ((ch = getopt_long_only(argc, argv, "b:d:p:s:t:", ca_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			bits = (int)strtonum(optarg, 1, 65536, &errstr);
			if (errstr != NULL)
				tc_die("-b %s: %s", optarg, errstr);
			break;
		case 'd':
			ca.dir = optarg;
			break;
		case 'D':
			days_s = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 's':
			subject = optarg;
			break;
		case 't':
			type = optarg;
			break;
		default:
			return (2);
		}
	}
	if (optind != argc || ca.dir == NULL || subject == NULL)
		return (2);
	days = tc_days(days_s, CA_DAYS, CA_MAXDAYS);
	name = tc_name_parse(subject);
	if (passfile != NULL)
		pass = tc_pass_read(passfile);
	if (mkdir(ca.dir, 0700) == -1 && errno != EEXIST)
		tc_die("%s: %s", ca.dir, strerror(errno));
	ca_lock(&ca);
	p = ca_path(&ca, "ca.key");
	if (lstat(p, &st) == 0)
		tc_die("%s already holds a CA (%s exists)", ca.dir, p);
	free(p);
	/* A CA key outlives what it signs: 3072 bits for RSA. */
	ca.key = tc_keygen(type, bits == 0 && strcmp(type, "rsa") == 0 ?
	    3072 : bits);

	if ((x = X509_new()) == NULL || !X509_set_version(x, 2) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    !X509_set_pubkey(x, ca.key) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -CA_BACKDATE) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL)
		tc_die("cannot build the CA certificate: %s", tls_errstr());
	tc_serial_rand(X509_get_serialNumber(x));
	tc_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
	tc_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	tc_ext(x, x, NID_subject_key_identifier, "hash");
	tc_ext(x, x, NID_authority_key_identifier, "keyid:always");
	if (X509_sign(x, ca.key, EVP_sha256()) <= 0)
		tc_die("cannot sign the CA certificate: %s", tls_errstr());
	ca.cert = x;

	b = tc_mem();
	if (!PEM_write_bio_PrivateKey(b, ca.key, pass != NULL ?
	    EVP_aes_256_cbc() : NULL, (unsigned char *)pass,
	    pass != NULL ? (int)strlen(pass) : 0, NULL, NULL))
		tc_die("cannot encode the key: %s", tls_errstr());
	p = ca_path(&ca, "ca.key");
	tc_write(p, b, 0600, 1);
	free(p);
	b = tc_mem();
	if (!PEM_write_bio_X509(b, x))
		tc_die("out of memory");
	p = ca_path(&ca, "ca.crt");
	tc_write(p, b, 0644, 0);
	free(p);

	/* Serials start at a random 64-bit number, then count up. */
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		tc_die("RAND_bytes: %s", tls_errstr());
	rnd[0] = (rnd[0] & 0x7f) | 0x10;
	if ((bn = BN_bin2bn(rnd, sizeof rnd, NULL)) == NULL)
		tc_die("out of memory");
	ca_hex_write(&ca, "serial", bn);
	if (!BN_set_word(bn, 1))
		tc_die("out of memory");
	ca_hex_write(&ca, "crlnumber", bn);
	BN_free(bn);
	b = tc_mem();
	p = ca_path(&ca, "index.txt");
	tc_write(p, b, 0644, 0);
	free(p);
	p = ca_path(&ca, "certs");
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		tc_die("%s: %s", p, strerror(errno));
	free(p);
	memset(&ix, 0, sizeof ix);
	ca_crl_write(&ca, &ix, CA_CRL_DAYS, NULL);
	tc_key_desc(ca.key, desc, sizeof desc);
	tc_note("%s: CA %s, %s key%s, valid %d days", ca.dir, subject, desc,
	    pass != NULL ? " (encrypted)" : "", days);
	if (pass != NULL)
		freezero(pass, strlen(pass));
	X509_NAME_free(name);
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
	return (0);
}

/*
 * The names of a server certificate: the DNS and IP names the request
 * asks for, else its CN when that is a host name.
 */
static GENERAL_NAMES *
ca_sans(X509_REQ *req, const char *reqfile, const char *cn)
{
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES	*asked, *gens;
	GENERAL_NAME	*g;
	ASN1_IA5STRING	*ia5;
	const unsigned char *d;
	char		*s;
	int		 i, len;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		tc_die("out of memory");
	exts = X509_REQ_get_extensions(req);
	asked = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	for (i = 0; i < sk_GENERAL_NAME_num(asked); i++) {
		g = sk_GENERAL_NAME_value(asked, i);
		if (g->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(g->d.dNSName);
			len = ASN1_STRING_length(g->d.dNSName);
			s = xstrndup((const char *)d, len);
			if ((int)strlen(s) != len || !tc_dns_valid(s))
				tc_die("%s: asks for a bad DNS name \"%s\"",
				    reqfile, s);
			free(s);
		} else if (g->type == GEN_IPADD) {
			len = ASN1_STRING_length(g->d.iPAddress);
			if (len != 4 && len != 16)
				tc_die("%s: asks for a bad IP address",
				    reqfile);
		} else
			tc_die("%s: asks for a name other than DNS or IP, "
			    "which this CA does not issue", reqfile);
		if ((g = GENERAL_NAME_dup(g)) == NULL ||
		    !sk_GENERAL_NAME_push(gens, g))
			tc_die("out of memory");
	}
	GENERAL_NAMES_free(asked);
	ERR_clear_error();
	if (sk_GENERAL_NAME_num(gens) > 0)
		return (gens);
	if (!tc_dns_valid(cn))
		tc_die("%s: a server certificate needs a DNS or IP name: make "
		    "the request with -a DNS:name, or with a CN that is a "
		    "host name", reqfile);
	if ((g = GENERAL_NAME_new()) == NULL ||
	    (ia5 = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(ia5, cn, -1))
		tc_die("out of memory");
	GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
	if (!sk_GENERAL_NAME_push(gens, g))
		tc_die("out of memory");
	tc_note("%s: no subjectAltName asked for: using DNS:%s from the CN",
	    reqfile, cn);
	return (gens);
}

/*
 * Sign <req> (named <reqfile> in messages) with the CA in <dir>: a
 * certificate for <days>, recorded in the index and in certs/. Only the
 * CN is copied from the request's subject: a site CA vouches for names
 * it checked, and the center knows sites by CN alone. Client
 * certificates get clientAuth, server certificates serverAuth and the
 * request's DNS and IP names.
 */
static X509 *
ca_sign_req(const char *dir, const char *passfile, X509_REQ *req,
    const char *reqfile, int server, int days, char *cn, size_t cnlen,
    char **serialhex)
{
	struct ca_index	 ix;
	struct ca_entry	*e;
	struct ca	 ca;
	X509_NAME	*name;
	GENERAL_NAMES	*gens = NULL;
	EVP_PKEY	*pub;
	BIGNUM		*serial;
	X509		*x;
	BIO		*b;
	char		*p, *hex;
	unsigned char	*u = NULL;
	time_t		 now = time(NULL);
	int		 i, n;

	memset(&ca, 0, sizeof ca);
	if ((pub = X509_REQ_get0_pubkey(req)) == NULL ||
	    X509_REQ_verify(req, pub) != 1)
		tc_die("%s: the request's signature does not verify (damaged, "
		    "or not made with its key)", reqfile);
	if (tc_key_weak(pub))
		tc_die("%s: the key is too weak (RSA needs 2048 bits)",
		    reqfile);
	name = X509_REQ_get_subject_name(req);
	if ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		tc_die("%s: the subject must have exactly one CN", reqfile);
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, i)));
	if (n <= 0 || n > 64 || (size_t)n >= cnlen)
		tc_die("%s: the CN is empty or longer than 64 bytes", reqfile);
	memcpy(cn, u, n);
	cn[n] = '\0';
	OPENSSL_free(u);
	for (i = 0; i < n; i++)
		if ((unsigned char)cn[i] < 0x20 || cn[i] == 0x7f ||
		    cn[i] == '/')
			tc_die("%s: the CN holds a control character or '/'",
			    reqfile);
	ERR_clear_error();
	if (server)
		gens = ca_sans(req, reqfile, cn);

	ca_open(&ca, dir, passfile);
	ca_index_read(&ca, &ix);
	serial = ca_hex_read(&ca, "serial");
	if ((x = X509_new()) == NULL || !X509_set_version(x, 2) ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca.cert)) ||
	    !X509_NAME_add_entry_by_NID(X509_get_subject_name(x),
	    NID_commonName, MBSTRING_UTF8, (unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_pubkey(x, pub) ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -CA_BACKDATE,
	    &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &now) == NULL)
		tc_die("cannot build the certificate: %s", tls_errstr());
	/* Nothing the CA signs may outlive it. */
	if (ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(ca.cert)) > 0) {
		if (!X509_set1_notAfter(x, X509_get0_notAfter(ca.cert)))
			tc_die("out of memory");
		tc_note("note: valid only until the CA expires");
	}
	tc_ext(x, ca.cert, NID_basic_constraints, "critical,CA:FALSE");
	tc_ext(x, ca.cert, NID_key_usage,
	    EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA ?
	    "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature");
	tc_ext(x, ca.cert, NID_ext_key_usage, server ? "serverAuth" :
	    "clientAuth");
	tc_ext(x, ca.cert, NID_subject_key_identifier, "hash");
	tc_ext(x, ca.cert, NID_authority_key_identifier, "keyid:always");
	if (gens != NULL &&
	    !X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0))
		tc_die("cannot add the names: %s", tls_errstr());
	if (X509_sign(x, ca.key, EVP_sha256()) <= 0)
		tc_die("cannot sign: %s", tls_errstr());

	/* Count the serial as used before anything leaves the CA. */
	if ((hex = BN_bn2hex(serial)) == NULL || !BN_add_word(serial, 1))
		tc_die("out of memory");
	ca_hex_write(&ca, "serial", serial);
	ix.e = xreallocarray(ix.e, ix.n + 1, sizeof *ix.e);
	e = &ix.e[ix.n++];
	e->status = 'V';
	e->expires = ca_asn1_time(X509_get0_notAfter(x));
	e->revoked = xstrdup("");
	e->serial = xstrdup(hex);
	xasprintf(&e->subject, "/CN=%s", cn);
	ca_index_write(&ca, &ix);
	b = tc_mem();
	if (!PEM_write_bio_X509(b, x))
		tc_die("out of memory");
	xasprintf(&p, "%s/certs/%s.pem", ca.dir, hex);
	tc_write(p, b, 0644, 1);
	free(p);
	*serialhex = xstrdup(hex);
	OPENSSL_free(hex);
	GENERAL_NAMES_free(gens);
	ca_index_free(&ix);
	BN_free(serial);
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
	close(ca.lockfd);
	return (x);
}

/* twin-cert ca sign: a certificate for a request file. */
static int
ca_sign(int argc, char **argv)
{
	const char	*passfile = NULL, *out = NULL, *reqfile, *days_s = NULL;
	const char	*dir = NULL;
	X509_REQ	*req;
	X509		*x;
	BIO		*b;
	char		*buf, *cause, *hex, cn[256];
	size_t		 len;
	int		 ch, days, server = -1;

	while ((ch = getopt_long_only(argc, argv, "d:o:p:", ca_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'C':
		case 'S':
			if (server != -1 && server != (ch == 'S'))
				tc_die("--client and --server exclude each "
				    "other");
			server = ch == 'S';
			break;
		case 'd':
			dir = optarg;
			break;
		case 'D':
			days_s = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		default:
			return (2);
		}
	}
	if (argc - optind != 1 || dir == NULL || out == NULL)
		return (2);
	if (server == -1)
		server = 1;
	reqfile = argv[optind];
	days = tc_days(days_s, CA_SIGN_DAYS, CA_MAXDAYS);

	if (tls_file_read(reqfile, 0, &buf, &len, &cause) == -1)
		tc_fail(cause);
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		tc_die("out of memory");
	req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	free(buf);
	if (req == NULL)
		tc_die("%s: not a PEM certificate request", reqfile);
	x = ca_sign_req(dir, passfile, req, reqfile, server, days, cn,
	    sizeof cn, &hex);
	b = tc_mem();
	if (!PEM_write_bio_X509(b, x))
		tc_die("out of memory");
	tc_write(out, b, 0644, 0);
	tc_note("%s: %s certificate for CN=%s, serial %s, %d days%s", out,
	    server ? "server" : "client", cn, hex, days, server ?
	    ", with its names" : "");
	free(hex);
	X509_free(x);
	X509_REQ_free(req);
	return (0);
}

/*
 * twin-cert ca issue: key, certificate and composite file in one go, for
 * a site (a client certificate whose CN is the site ID, the default), an
 * operator, or the center itself (--server with its names). The key
 * never leaves the composite file, which is mode 0600 and is loaded
 * again as the daemons load it before the command succeeds.
 */
static int
ca_issue(int argc, char **argv)
{
	const char	*passfile = NULL, *out = NULL, *days_s = NULL;
	const char	*dir = NULL, *type = "rsa", *errstr, *subj = NULL;
	struct tls_pem	 pem;
	GENERAL_NAMES	*gens;
	X509_NAME	*name;
	X509_REQ	*req;
	EVP_PKEY	*k;
	X509		*x;
	BIO		*b;
	char		*hex, *cause, cn[256], desc[64], *s;
	int		 ch, days, server = 0, bits = 0;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		tc_die("out of memory");
	while ((ch = getopt_long_only(argc, argv, "a:b:d:n:o:p:t:",
	    ca_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (sk_GENERAL_NAME_num(gens) == TC_MAXSAN)
				tc_die("more than %d names", TC_MAXSAN);
			tc_san_add(gens, optarg);
			break;
		case 'b':
			bits = (int)strtonum(optarg, 1, 65536, &errstr);
			if (errstr != NULL)
				tc_die("-b %s: %s", optarg, errstr);
			break;
		case 'C':
		case 'S':
			server = ch == 'S';
			break;
		case 'd':
			dir = optarg;
			break;
		case 'D':
			days_s = optarg;
			break;
		case 'n':
			subj = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 't':
			type = optarg;
			break;
		default:
			return (2);
		}
	}
	if (optind != argc || dir == NULL || out == NULL || subj == NULL)
		return (2);
	if (!server && sk_GENERAL_NAME_num(gens) > 0)
		tc_die("-a: names are for --server certificates");
	days = tc_days(days_s, CA_SIGN_DAYS, CA_MAXDAYS);
	if (access(out, F_OK) == 0)
		tc_die("%s exists already; a composite file is never "
		    "replaced", out);
	xasprintf(&s, "/CN=%s", subj);
	name = tc_name_parse(s);
	free(s);
	k = tc_keygen(type, bits);
	req = tc_req_make(name, k, gens);
	x = ca_sign_req(dir, passfile, req, out, server, days, cn, sizeof cn,
	    &hex);
	b = tc_mem();
	if (!PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509(b, x))
		tc_die("cannot encode the composite file: %s", tls_errstr());
	tc_write(out, b, 0600, 1);
	memset(&pem, 0, sizeof pem);
	if (tls_pem_load(out, NULL, &pem, &cause) == -1)
		tc_fail(cause);
	tls_pem_free(&pem);
	tc_key_desc(k, desc, sizeof desc);
	tc_note("%s: %s key and %s certificate for CN=%s, serial %s, %d "
	    "days, mode 0600", out, desc, server ? "server" : "client", cn,
	    hex, days);
	free(hex);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_REQ_free(req);
	X509_free(x);
	EVP_PKEY_free(k);
	return (0);
}

/*
 * twin-cert ca revoke: mark a certificate revoked (given as its file or
 * its serial) and write a new DIR/crl.pem. Revoking one twice only
 * writes the CRL again.
 */
static int
ca_revoke(int argc, char **argv)
{
	const char	*passfile = NULL, *arg;
	struct ca_index	 ix;
	struct ca	 ca;
	struct stat	 st;
	ASN1_TIME	*now;
	BIGNUM		*want = NULL, *have = NULL;
	X509		*x;
	BIO		*b;
	char		*buf, *cause, *hex;
	size_t		 len, i;
	int		 ch;

	memset(&ca, 0, sizeof ca);
	while ((ch = getopt_long_only(argc, argv, "d:p:", ca_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			ca.dir = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		default:
			return (2);
		}
	}
	if (argc - optind != 1 || ca.dir == NULL)
		return (2);
	arg = argv[optind];
	ca_open(&ca, ca.dir, passfile);
	if (stat(arg, &st) == 0) {
		if (tls_file_read(arg, 0, &buf, &len, &cause) == -1)
			tc_fail(cause);
		if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
			tc_die("out of memory");
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
		free(buf);
		if (x == NULL)
			tc_die("%s: not a PEM certificate", arg);
		if (X509_check_issued(ca.cert, x) != X509_V_OK ||
		    X509_verify(x, X509_get0_pubkey(ca.cert)) != 1)
			tc_die("%s was not issued by the CA in %s", arg,
			    ca.dir);
		if ((want = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x),
		    NULL)) == NULL)
			tc_die("out of memory");
		X509_free(x);
	} else {
		if (strncasecmp(arg, "0x", 2) == 0)
			arg += 2;
		for (i = 0; arg[i] != '\0'; i++)
			if (!isxdigit((unsigned char)arg[i]))
				break;
		if (i == 0 || arg[i] != '\0' || i > 64)
			tc_die("%s: neither a certificate file nor a serial "
			    "number", argv[optind]);
		if (BN_hex2bn(&want, arg) == 0)
			tc_die("out of memory");
	}
	ERR_clear_error();
	if ((hex = BN_bn2hex(want)) == NULL)
		tc_die("out of memory");
	ca_index_read(&ca, &ix);
	for (i = 0; i < ix.n; i++) {
		if (BN_hex2bn(&have, ix.e[i].serial) == 0)
			tc_die("out of memory");
		if (BN_cmp(have, want) == 0)
			break;
	}
	if (i == ix.n)
		tc_die("serial %s is not in %s/index.txt (not issued by this "
		    "CA?)", hex, ca.dir);
	if (ix.e[i].status == 'R')
		tc_note("serial %s (%s) was revoked already (%s)", hex,
		    ix.e[i].subject, ix.e[i].revoked);
	else {
		if ((now = ASN1_TIME_adj(NULL, time(NULL), 0, 0)) == NULL)
			tc_die("out of memory");
		ix.e[i].status = 'R';
		free(ix.e[i].revoked);
		ix.e[i].revoked = ca_asn1_time(now);
		ASN1_TIME_free(now);
		ca_index_write(&ca, &ix);
		tc_note("serial %s (%s) revoked", hex, ix.e[i].subject);
	}
	ca_crl_write(&ca, &ix, CA_CRL_DAYS, NULL);
	OPENSSL_free(hex);
	BN_free(want);
	BN_free(have);
	ca_index_free(&ix);
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
	return (0);
}

/* twin-cert ca crl: write the CRL again (before its next update). */
static int
ca_crl(int argc, char **argv)
{
	const char	*passfile = NULL, *out = NULL, *days_s = NULL;
	struct ca_index	 ix;
	struct ca	 ca;
	int		 ch;

	memset(&ca, 0, sizeof ca);
	while ((ch = getopt_long_only(argc, argv, "d:o:p:", ca_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			ca.dir = optarg;
			break;
		case 'D':
			days_s = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		default:
			return (2);
		}
	}
	if (optind != argc || ca.dir == NULL)
		return (2);
	ca_open(&ca, ca.dir, passfile);
	ca_index_read(&ca, &ix);
	ca_crl_write(&ca, &ix, tc_days(days_s, CA_CRL_DAYS, CA_MAXDAYS), out);
	ca_index_free(&ix);
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
	return (0);
}

/* twin-cert ca SUBCOMMAND ... */
int
tc_ca(int argc, char **argv)
{
	int	rv = 2;

	if (argc >= 2) {
		if (strcmp(argv[1], "init") == 0)
			rv = ca_init(argc - 1, argv + 1);
		else if (strcmp(argv[1], "sign") == 0)
			rv = ca_sign(argc - 1, argv + 1);
		else if (strcmp(argv[1], "issue") == 0)
			rv = ca_issue(argc - 1, argv + 1);
		else if (strcmp(argv[1], "revoke") == 0)
			rv = ca_revoke(argc - 1, argv + 1);
		else if (strcmp(argv[1], "crl") == 0)
			rv = ca_crl(argc - 1, argv + 1);
	}
	if (rv == 2) {
		fprintf(stderr, "usage: twin-cert ca init -d dir -s subject "
		    "[-days n] [-t rsa|ec] [-b bits] [-p passfile]\n"
		    "       twin-cert ca sign -d dir [-p passfile] [-days n] "
		    "[--client|--server] -o cert.pem req.csr\n"
		    "       twin-cert ca issue -d dir [-p passfile] [-days n] "
		    "[--client|--server]\n"
		    "           [-t rsa|ec] [-b bits] [-a name]... -n CN -o "
		    "file.pem\n"
		    "       twin-cert ca revoke -d dir [-p passfile] "
		    "cert.pem|serial\n"
		    "       twin-cert ca crl -d dir [-p passfile] [-days n] "
		    "[-o crl.pem]\n");
	}
	return (rv);
}
