/*
 * twin_cert.c: twin-cert, the certificate tool: private keys, requests,
 * composite PEM files (key, certificate, intermediates) and their check.
 * The site CA is in twin_cert_ca.c. Everything goes through OpenSSL's
 * API and lib/tls.c, so a file twin-cert passes is a file the daemons
 * load.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "addr.h"
#include "tls.h"
#include "twin_cert.h"
#include "xmalloc.h"

static int	cmd_key(int, char **);
static int	cmd_csr(int, char **);
static int	cmd_compose(int, char **);
static int	cmd_check(int, char **);
static void	usage(void) __attribute__((noreturn));
static void	note_cb(void *, const char *);

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} cmds[] = {
	{ "key", cmd_key },
	{ "csr", cmd_csr },
	{ "compose", cmd_compose },
	{ "check", cmd_check },
	{ "ca", tc_ca },
	{ "dist", tc_dist },
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: twin-cert key [-t rsa|ec] [-b bits] [-p passfile] "
	    "-o key.pem\n"
	    "       twin-cert csr -k key.pem [-p passfile] -s /CN=name[/O=org] "
	    "[-a DNS:name|IP:addr]... -o req.csr\n"
	    "       twin-cert compose [-p passfile] [-c cafile] key cert "
	    "[chain...] -o file.pem\n"
	    "       twin-cert check [-p passfile] [-c cafile] [-w days] "
	    "file.pem\n"
	    "       twin-cert ca init -d dir -s subject [-days n] "
	    "[-t rsa|ec] [-b bits] [-p passfile]\n"
	    "       twin-cert ca sign -d dir [-p passfile] [-days n] "
	    "[--client|--server] -o cert.pem req.csr\n"
	    "       twin-cert ca revoke -d dir [-p passfile] cert.pem|serial\n"
	    "       twin-cert ca crl -d dir [-p passfile] [-days n] "
	    "[-o crl.pem]\n"
	    "       twin-cert dist key|sign|show ...\n");
	exit(2);
}

/* Report a problem and exit 1; OpenSSL's queue is no longer needed. */
void
tc_die(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("twin-cert: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Report a problem the library described, and exit 1. */
void
tc_fail(char *cause)
{
	fflush(stdout);
	fprintf(stderr, "twin-cert: %s\n", cause);
	free(cause);
	exit(1);
}

/* Say what was done, or warn, on standard output. */
void
tc_note(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
note_cb(void *arg, const char *msg)
{
	int	*n = arg;

	tc_note("warning: %s", msg);
	if (n != NULL)
		(*n)++;
}

/* A memory BIO whose buffer is wiped when freed (it may hold a key). */
BIO *
tc_mem(void)
{
	BIO	*b;

	if ((b = BIO_new(BIO_s_secmem())) == NULL)
		tc_die("out of memory");
	return (b);
}

/*
 * Write <b> to <path> atomically: a new file next to it (O_EXCL and
 * O_NOFOLLOW, so nothing planted there is followed or reused), filled,
 * synced, then renamed over <path> or, with <noclobber>, linked to it so
 * an existing file is never replaced. Frees <b>.
 */
void
tc_write(const char *path, BIO *b, mode_t mode, int noclobber)
{
	char	*data, *tmp = NULL, *copy;
	long	 len;
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd = -1, i, e, dfd;

	len = BIO_get_mem_data(b, &data);
	for (i = 0; fd == -1; i++) {
		free(tmp);
		xasprintf(&tmp, "%s.tmp%ld.%d", path, (long)getpid(), i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1 && (errno != EEXIST || i == 100))
			tc_die("%s: cannot create: %s", tmp, strerror(errno));
	}
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < (size_t)len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (noclobber) {
		if (link(tmp, path) == -1) {
			e = errno;
			unlink(tmp);
			tc_die("%s: %s", path, e == EEXIST ? "exists already "
			    "(remove it first, or choose another name)" :
			    strerror(e));
		}
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		tc_die("%s: %s", path, strerror(e));
	}
	/* Make the new name itself durable. */
	copy = xstrdup(path);
	if ((dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(copy);
	free(tmp);
	BIO_free(b);
	return;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	tc_die("%s: cannot write: %s", path, strerror(e));
}

/* Make a key: "rsa" with <bits> (0: 2048) or "ec" on P-<bits> (0: 256). */
EVP_PKEY *
tc_keygen(const char *type, int bits)
{
	EVP_PKEY	*k = NULL;
	const char	*curve;

	if (strcmp(type, "rsa") == 0) {
		if (bits == 0)
			bits = 2048;
		if (bits < 2048 || bits > 16384)
			tc_die("RSA keys have 2048 to 16384 bits, not %d",
			    bits);
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (strcmp(type, "ec") == 0) {
		switch (bits) {
		case 0:
		case 256:
			curve = "P-256";
			break;
		case 384:
			curve = "P-384";
			break;
		case 521:
			curve = "P-521";
			break;
		default:
			tc_die("EC keys have 256, 384 or 521 bits, not %d",
			    bits);
		}
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	} else
		tc_die("key type must be rsa or ec, not \"%s\"", type);
	if (k == NULL)
		tc_die("cannot make a key: %s", tls_errstr());
	return (k);
}

/* Read the private key of a PEM file, or exit saying why not. */
EVP_PKEY *
tc_key_read(const char *path, const char *passfile)
{
	EVP_PKEY	*k;
	char		*cause;

	if ((k = tls_key_load(path, passfile, NULL, &cause)) == NULL)
		tc_fail(cause);
	return (k);
}

/* Read a passphrase to protect a new key with. */
char *
tc_pass_read(const char *path)
{
	char	*pass, *cause;

	if (tls_passphrase_read(path, &pass, &cause) == -1)
		tc_fail(cause);
	if (strlen(pass) < 4)
		tc_die("%s: the passphrase is shorter than 4 characters",
		    path);
	return (pass);
}

/* Describe a key: "RSA 2048 bits", "EC P-256". */
void
tc_key_desc(EVP_PKEY *k, char *buf, size_t size)
{
	char	group[64];

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		snprintf(buf, size, "RSA %d bits", EVP_PKEY_get_bits(k));
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(k,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1)
			strlcpy(group, "?", sizeof group);
		snprintf(buf, size, "EC %s (%d bits)", group,
		    EVP_PKEY_get_bits(k));
		break;
	default:
		snprintf(buf, size, "%s %d bits",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(k)), EVP_PKEY_get_bits(k));
		break;
	}
	ERR_clear_error();
}

/* Is a key too weak for the system's default policy (level 2)? */
int
tc_key_weak(EVP_PKEY *k)
{
	return (EVP_PKEY_get_security_bits(k) < 112);
}

/* Parse a number of days in [1, <max>]; <def> when <s> is NULL. */
int
tc_days(const char *s, int def, int max)
{
	const char	*errstr;
	long long	 n;

	if (s == NULL)
		return (def);
	n = strtonum(s, 1, max, &errstr);
	if (errstr != NULL)
		tc_die("days: \"%s\" is %s (1 to %d)", s, errstr, max);
	return ((int)n);
}

/*
 * Add an extension given in OpenSSL's text form (constant strings only:
 * nothing a user typed goes through this parser).
 */
void
tc_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509_EXTENSION	*e;
	X509V3_CTX	 v3;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_nconf_nid(NULL, &v3, nid, value)) == NULL ||
	    !X509_add_ext(x, e, -1))
		tc_die("cannot add extension %s: %s", OBJ_nid2sn(nid),
		    tls_errstr());
	X509_EXTENSION_free(e);
}

/* A random positive 128-bit serial number. */
void
tc_serial_rand(ASN1_INTEGER *ai)
{
	unsigned char	 b[16];
	BIGNUM		*bn;

	if (RAND_bytes(b, sizeof b) != 1)
		tc_die("RAND_bytes: %s", tls_errstr());
	b[0] &= 0x7f;
	b[0] |= 0x40;	/* always 16 bytes long */
	if ((bn = BN_bin2bn(b, sizeof b, NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, ai) == NULL)
		tc_die("out of memory");
	BN_free(bn);
}

/*
 * Parse a subject "/CN=name/O=org/..." ("\/" stands for a slash in a
 * value). It must name a CN: the CA copies it, and servers are found by
 * it.
 */
X509_NAME *
tc_name_parse(const char *s)
{
	X509_NAME	*name;
	char		*copy, *p, *q, *key, *val, *eq;
	int		 nid, cn = 0;

	if (*s != '/')
		tc_die("subject \"%s\": must look like /CN=name/O=org", s);
	if ((name = X509_NAME_new()) == NULL)
		tc_die("out of memory");
	copy = xstrdup(s);
	for (p = copy + 1; *p != '\0'; p = q) {
		/* Find the end of this component, unescaping "\/". */
		key = p;
		for (q = p, val = p; *q != '\0' && *q != '/'; q++) {
			if (*q == '\\' && q[1] != '\0')
				q++;
			*val++ = *q;
		}
		if (*q == '/')
			q++;
		*val = '\0';
		if ((eq = strchr(key, '=')) == NULL || eq == key ||
		    eq[1] == '\0')
			tc_die("subject \"%s\": \"%s\" is not KEY=value", s,
			    key);
		*eq = '\0';
		if ((nid = OBJ_txt2nid(key)) == NID_undef)
			tc_die("subject \"%s\": unknown attribute \"%s\"", s,
			    key);
		if (strpbrk(eq + 1, "\t\n\r") != NULL)
			tc_die("subject \"%s\": control character in %s", s,
			    key);
		if (!X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
		    (unsigned char *)eq + 1, -1, -1, 0))
			tc_die("subject \"%s\": bad value for %s: %s", s, key,
			    tls_errstr());
		if (nid == NID_commonName)
			cn++;
	}
	free(copy);
	if (cn != 1)
		tc_die("subject \"%s\": needs exactly one CN", s);
	return (name);
}

/* Is <s> a DNS name for a certificate ("*.example.com" allowed)? */
int
tc_dns_valid(const char *s)
{
	if (s[0] == '*' && s[1] == '.')
		s += 2;
	return (host_valid(s) && strchr(s, '.') != NULL);
}

/* Add "DNS:name" or "IP:addr" to <gens>. */
void
tc_san_add(GENERAL_NAMES *gens, const char *s)
{
	GENERAL_NAME	*g;
	ASN1_OCTET_STRING *os;
	ASN1_IA5STRING	*ia5;
	unsigned char	 ip[16];
	int		 len = 0;

	if ((g = GENERAL_NAME_new()) == NULL)
		tc_die("out of memory");
	if (strncmp(s, "DNS:", 4) == 0) {
		if (!tc_dns_valid(s + 4))
			tc_die("-a %s: not a host name", s);
		if ((ia5 = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(ia5, s + 4, -1))
			tc_die("out of memory");
		GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
	} else if (strncmp(s, "IP:", 3) == 0) {
		if (inet_pton(AF_INET, s + 3, ip) == 1)
			len = 4;
		else if (inet_pton(AF_INET6, s + 3, ip) == 1)
			len = 16;
		else
			tc_die("-a %s: not an IPv4 or IPv6 address", s);
		if ((os = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(os, ip, len))
			tc_die("out of memory");
		GENERAL_NAME_set0_value(g, GEN_IPADD, os);
	} else
		tc_die("-a %s: must be DNS:name or IP:address", s);
	if (!sk_GENERAL_NAME_push(gens, g))
		tc_die("out of memory");
}

/* twin-cert key: make a private key, optionally encrypted, mode 0600. */
static int
cmd_key(int argc, char **argv)
{
	const char	*type = "rsa", *out = NULL, *passfile = NULL;
	const char	*errstr;
	EVP_PKEY	*k;
	BIO		*b;
	char		*pass = NULL, desc[64];
	int		 ch, bits = 0;

	while ((ch = getopt(argc, argv, "b:o:p:t:")) != -1) {
		switch (ch) {
		case 'b':
			bits = (int)strtonum(optarg, 1, 65536, &errstr);
			if (errstr != NULL)
				tc_die("-b %s: %s", optarg, errstr);
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
			usage();
		}
	}
	if (optind != argc || out == NULL)
		usage();
	if (passfile != NULL)
		pass = tc_pass_read(passfile);
	k = tc_keygen(type, bits);
	b = tc_mem();
	if (!PEM_write_bio_PrivateKey(b, k, pass != NULL ?
	    EVP_aes_256_cbc() : NULL, (unsigned char *)pass,
	    pass != NULL ? (int)strlen(pass) : 0, NULL, NULL))
		tc_die("cannot encode the key: %s", tls_errstr());
	tc_write(out, b, 0600, 1);
	tc_key_desc(k, desc, sizeof desc);
	tc_note("%s: %s private key%s, mode 0600", out, desc,
	    pass != NULL ? ", encrypted with the passphrase" : "");
	if (pass != NULL)
		freezero(pass, strlen(pass));
	EVP_PKEY_free(k);
	return (0);
}

/*
 * A certificate request for <name> and key <k>, with the subjectAltNames
 * <gens> when there are any, signed with the key (SHA-256).
 */
X509_REQ *
tc_req_make(X509_NAME *name, EVP_PKEY *k, GENERAL_NAMES *gens)
{
	STACK_OF(X509_EXTENSION) *exts;
	X509_EXTENSION	*e;
	X509_REQ	*req;

	if ((req = X509_REQ_new()) == NULL ||
	    !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, k))
		tc_die("cannot build the request: %s", tls_errstr());
	if (sk_GENERAL_NAME_num(gens) > 0) {
		if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
		    (e = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) ==
		    NULL || !sk_X509_EXTENSION_push(exts, e) ||
		    !X509_REQ_add_extensions(req, exts))
			tc_die("cannot add the names: %s", tls_errstr());
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	if (X509_REQ_sign(req, k, EVP_sha256()) <= 0)
		tc_die("cannot sign the request: %s", tls_errstr());
	return (req);
}

/* twin-cert csr: a certificate request for a key. */
static int
cmd_csr(int argc, char **argv)
{
	const char	*keyfile = NULL, *passfile = NULL, *subject = NULL;
	const char	*out = NULL;
	GENERAL_NAMES	*gens;
	X509_NAME	*name;
	X509_REQ	*req;
	EVP_PKEY	*k;
	BIO		*b;
	int		 ch;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		tc_die("out of memory");
	while ((ch = getopt(argc, argv, "a:k:o:p:s:")) != -1) {
		switch (ch) {
		case 'a':
			if (sk_GENERAL_NAME_num(gens) == TC_MAXSAN)
				tc_die("more than %d names", TC_MAXSAN);
			tc_san_add(gens, optarg);
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 's':
			subject = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || keyfile == NULL || subject == NULL ||
	    out == NULL)
		usage();
	name = tc_name_parse(subject);
	k = tc_key_read(keyfile, passfile);
	req = tc_req_make(name, k, gens);
	b = tc_mem();
	if (!PEM_write_bio_X509_REQ(b, req))
		tc_die("cannot encode the request: %s", tls_errstr());
	tc_write(out, b, 0644, 0);
	tc_note("%s: request for %s with %d subjectAltName%s", out, subject,
	    sk_GENERAL_NAME_num(gens), sk_GENERAL_NAME_num(gens) == 1 ?
	    "" : "s");
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return (0);
}

/*
 * Read every PEM block of the compose inputs: certificates into <certs>,
 * and which file holds the one private key.
 */
static const char *
compose_read(int n, char **files, STACK_OF(X509) *certs)
{
	const unsigned char	*p;
	const char		*keyfile = NULL;
	BIO			*b;
	X509			*x;
	char			*buf, *cause, *name, *header;
	unsigned char		*data;
	size_t			 len;
	long			 dlen;
	int			 i, blk;

	for (i = 0; i < n; i++) {
		if (tls_file_read(files[i], 0, &buf, &len, &cause) == -1)
			tc_fail(cause);
		if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
			tc_die("out of memory");
		for (blk = 1;; blk++) {
			ERR_clear_error();
			if (!PEM_read_bio(b, &name, &header, &data, &dlen)) {
				if (ERR_GET_REASON(ERR_peek_last_error()) ==
				    PEM_R_NO_START_LINE && blk > 1)
					break;
				tc_die("%s: %s", files[i], blk == 1 ?
				    "no PEM data (not a PEM file?)" :
				    "a PEM block is truncated or corrupt");
			}
			if (strlen(name) >= 11 && strcmp(name +
			    strlen(name) - 11, "PRIVATE KEY") == 0) {
				if (keyfile != NULL)
					tc_die("more than one private key in "
					    "the inputs (%s and %s)", keyfile,
					    files[i]);
				keyfile = files[i];
			} else if (strcmp(name, "CERTIFICATE") == 0) {
				p = data;
				if ((x = d2i_X509(NULL, &p, dlen)) == NULL)
					tc_die("%s: certificate %d cannot be "
					    "decoded", files[i], blk);
				if (!sk_X509_push(certs, x))
					tc_die("out of memory");
			} else if (strcmp(name, "EC PARAMETERS") != 0)
				tc_die("%s: unexpected PEM block \"%s\"",
				    files[i], name);
			OPENSSL_free(name);
			OPENSSL_free(header);
			OPENSSL_clear_free(data, dlen);
		}
		BIO_free(b);
		freezero(buf, len);
	}
	ERR_clear_error();
	if (keyfile == NULL)
		tc_die("no private key in the inputs");
	return (keyfile);
}

/*
 * twin-cert compose: write key, certificate and intermediates in the
 * right order whatever order they came in, after checking that the key
 * matches and the chain links. The key block is copied as it was, so an
 * encrypted key stays encrypted.
 */
static int
cmd_compose(int argc, char **argv)
{
	const char	*out = NULL, *passfile = NULL, *cafile = NULL;
	const char	*keyfile;
	STACK_OF(X509)	*certs, *chain;
	struct tls_pem	 pem;
	X509		*leaf = NULL, *x;
	BIO		*raw, *b;
	char		*cause, *data, cn[256];
	long		 len;
	int		 ch, i, purpose;

	while ((ch = getopt(argc, argv, "c:o:p:")) != -1) {
		switch (ch) {
		case 'c':
			cafile = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2 || out == NULL)
		usage();
	if ((certs = sk_X509_new_null()) == NULL)
		tc_die("out of memory");
	keyfile = compose_read(argc - optind, argv + optind, certs);
	raw = tc_mem();
	memset(&pem, 0, sizeof pem);
	if ((pem.key = tls_key_load(keyfile, passfile, raw, &cause)) == NULL)
		tc_fail(cause);
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (EVP_PKEY_eq(X509_get0_pubkey(x), pem.key) != 1)
			continue;
		if (leaf != NULL && X509_cmp(leaf, x) != 0) {
			tls_name_cn(X509_get_subject_name(x), cn, sizeof cn);
			tc_die("several certificates match the private key "
			    "(%s among them): give only the one to serve",
			    cn);
		}
		leaf = x;
	}
	ERR_clear_error();
	if (leaf == NULL)
		tc_die("the private key in %s matches none of the "
		    "certificates given", keyfile);
	if (tls_chain_sort(leaf, certs, &chain, &cause) == -1)
		tc_fail(cause);
	X509_up_ref(leaf);
	pem.cert = leaf;
	pem.chain = chain;
	pem.path = xstrdup(out);
	if (tls_chain_link(pem.cert, pem.chain, &cause) == -1)
		tc_fail(cause);
	purpose = X509_check_purpose(leaf, X509_PURPOSE_SSL_SERVER, 0) == 1 ?
	    X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
	if (tls_pem_verify(&pem, cafile, purpose, &cause) == -1)
		tc_fail(cause);
	tls_pem_times(&pem, time(NULL), note_cb, NULL);

	b = tc_mem();
	len = BIO_get_mem_data(raw, &data);
	if (BIO_write(b, data, (int)len) <= 0 ||
	    !PEM_write_bio_X509(b, leaf))
		tc_die("out of memory");
	for (i = 0; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(chain, i)))
			tc_die("out of memory");
	tc_write(out, b, 0600, 0);
	BIO_free(raw);

	/* What the daemons will think of it. */
	tls_pem_free(&pem);
	if (tls_pem_load(out, passfile, &pem, &cause) == -1)
		tc_fail(cause);
	tls_name_cn(X509_get_subject_name(pem.cert), cn, sizeof cn);
	tc_note("%s: private key, certificate %s, %d intermediate%s; "
	    "mode 0600", out, cn, sk_X509_num(pem.chain),
	    sk_X509_num(pem.chain) == 1 ? "" : "s");
	if (sk_X509_num(pem.chain) > 0 && X509_check_issued(sk_X509_value(
	    pem.chain, sk_X509_num(pem.chain) - 1), sk_X509_value(pem.chain,
	    sk_X509_num(pem.chain) - 1)) == X509_V_OK)
		tc_note("note: the chain ends with its root, which clients "
		    "have already and need not be sent");
	ERR_clear_error();
	tls_pem_free(&pem);
	sk_X509_pop_free(certs, X509_free);
	return (0);
}

/*
 * twin-cert check: load a composite file as the daemons do and say what
 * it holds: key, certificate, names, dates with days left, the chain.
 * Exit 1 on any problem, a certificate expiring within <days> included.
 */
static int
cmd_check(int argc, char **argv)
{
	const char		*passfile = NULL, *cafile = NULL, *file;
	const char		*errstr;
	struct tls_cert_info	 ci, xi;
	struct tls_pem		 pem;
	struct tm		 tm;
	X509			*x;
	time_t			 now = time(NULL);
	char			*cause, desc[64], when[64], cn[256];
	int			 ch, i, warn = 30, problems = 0, purpose;
	int			 srv, cli;
	long long		 days;

	while ((ch = getopt(argc, argv, "c:p:w:")) != -1) {
		switch (ch) {
		case 'c':
			cafile = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 'w':
			warn = (int)strtonum(optarg, 0, 3650, &errstr);
			if (errstr != NULL)
				tc_die("-w %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	file = argv[optind];
	if (tls_pem_load(file, passfile, &pem, &cause) == -1) {
		printf("PROBLEM: %s\n", cause);
		free(cause);
		return (1);
	}
	tc_key_desc(pem.key, desc, sizeof desc);
	printf("%s: private key: %s, matches the certificate\n", file, desc);
	if (tc_key_weak(pem.key)) {
		printf("%s: PROBLEM: the key is too weak for the default "
		    "policy of clients\n", file);
		problems++;
	}
	if (tls_cert_info(pem.cert, now, &ci) == -1) {
		printf("%s: PROBLEM: cannot read the certificate's dates\n",
		    file);
		tls_pem_free(&pem);
		return (1);
	}
	printf("%s: certificate: CN=%s, serial %s, issued by %s\n", file,
	    ci.cn, ci.serial, ci.issuer);
	printf("%s: names: %s\n", file, ci.sans[0] != '\0' ? ci.sans :
	    "(no subjectAltName: clients will refuse it for any host)");
	srv = X509_check_purpose(pem.cert, X509_PURPOSE_SSL_SERVER, 0) == 1;
	cli = X509_check_purpose(pem.cert, X509_PURPOSE_SSL_CLIENT, 0) == 1;
	ERR_clear_error();
	printf("%s: use: %s\n", file, srv && cli ? "TLS server and client" :
	    srv ? "TLS server" : cli ? "TLS client" : "neither TLS server "
	    "nor client");
	if (!srv && !cli)
		problems++;
	gmtime_r(&ci.not_after, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	days = ci.left >= 0 ? ci.left / 86400 : -((-ci.left + 86399) / 86400);
	if (ci.not_before > now) {
		printf("%s: PROBLEM: not valid yet (from %s)\n", file, when);
		problems++;
	} else if (ci.left < 0) {
		printf("%s: PROBLEM: expired on %s, %lld days ago\n", file,
		    when, -days);
		problems++;
	} else if (days < warn) {
		printf("%s: PROBLEM: expires on %s, in %lld days (less than "
		    "%d)\n", file, when, days, warn);
		problems++;
	} else
		printf("%s: valid until %s, %lld days left\n", file, when,
		    days);
	for (i = 0; i < sk_X509_num(pem.chain); i++) {
		x = sk_X509_value(pem.chain, i);
		tls_name_cn(X509_get_subject_name(x), cn, sizeof cn);
		printf("%s: chain %d: %s\n", file, i + 1, cn);
		if (tls_cert_info(x, now, &xi) == -1 || xi.left < 0 ||
		    xi.not_before > now) {
			printf("%s: PROBLEM: intermediate %s is expired or "
			    "not valid yet\n", file, cn);
			problems++;
		}
	}
	purpose = srv ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
	if ((srv || cli) && tls_pem_verify(&pem, cafile, purpose, &cause) ==
	    -1) {
		printf("%s: PROBLEM: %s\n", file, cause);
		free(cause);
		problems++;
	} else if (cafile != NULL)
		printf("%s: chain: complete up to a CA of %s\n", file, cafile);
	else
		printf("%s: chain: links (give -c CAFILE to check it reaches "
		    "a trusted root)\n", file);
	printf("%s: %s\n", file, problems == 0 ? "ok" : "PROBLEM");
	tls_pem_free(&pem);
	return (problems == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	size_t	i;

	if (argc < 2)
		usage();
	umask(077);
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(argv[1], cmds[i].name) == 0)
			return (cmds[i].fn(argc - 1, argv + 1));
	}
	usage();
}
