/*
 * twin_cert_dist.c: the distribution key of the monitoring center and
 * the bundles it signs (monitor/mon_dist.h). The key is Ed25519 and kept
 * apart from every TLS key: whoever holds it can install code on every
 * site, so it belongs offline, on the machine that builds the bundles,
 * and the center never needs it.
 *
 *	twin-cert dist key -o dist.key [-P dist.pub]
 *	twin-cert dist sign -k dist.key -n NAME -V VERSION [-r product]...
 *	    [-s site]... [-R role]... [-m text] -o bundle payload.tar
 *	twin-cert dist show [-P dist.pub] bundle
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "monitor/mon_dist.h"
#include "tls.h"
#include "twin_cert.h"
#include "xmalloc.h"

static int	dist_key(int, char **);
static int	dist_sign(int, char **);
static int	dist_show(int, char **);
static char	*dist_file(const char *, size_t *);

static const struct option dist_longopts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "public", required_argument, NULL, 'P' },
	{ "key", required_argument, NULL, 'k' },
	{ "name", required_argument, NULL, 'n' },
	{ "version", required_argument, NULL, 'V' },
	{ "product", required_argument, NULL, 'r' },
	{ "site", required_argument, NULL, 's' },
	{ "role", required_argument, NULL, 'R' },
	{ "description", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 }
};

/* A whole file, at most a bundle's size. */
static char *
dist_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		tc_die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		tc_die("%s: cannot seek", path);
	if ((unsigned long long)n > MON_DIST_PAYLOAD_MAX +
	    MON_DIST_MANIFEST_MAX)
		tc_die("%s: %ld bytes, more than a bundle may hold", path, n);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		tc_die("%s: short read", path);
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

/* twin-cert dist key: a new Ed25519 distribution key. */
static int
dist_key(int argc, char **argv)
{
	const char	*out = NULL, *pub = NULL;
	EVP_PKEY	*k;
	BIO		*b;
	int		 ch;

	while ((ch = getopt_long_only(argc, argv, "o:P:", dist_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'P':
			pub = optarg;
			break;
		default:
			return (2);
		}
	}
	if (optind != argc || out == NULL)
		return (2);
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		tc_die("cannot make an Ed25519 key: %s", tls_errstr());
	b = tc_mem();
	if (!PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		tc_die("cannot encode the key: %s", tls_errstr());
	tc_write(out, b, 0600, 1);
	if (pub != NULL) {
		b = tc_mem();
		if (!PEM_write_bio_PUBKEY(b, k))
			tc_die("cannot encode the public key: %s",
			    tls_errstr());
		tc_write(pub, b, 0644, 0);
	}
	tc_note("%s: Ed25519 distribution key, mode 0600%s%s", out,
	    pub != NULL ? "; public key " : "", pub != NULL ? pub : "");
	EVP_PKEY_free(k);
	return (0);
}

/* twin-cert dist sign: a bundle of a payload, signed. */
static int
dist_sign(int argc, char **argv)
{
	struct mon_dist_manifest m;
	struct mon_perr		 e;
	const char		*keyfile = NULL, *out = NULL, *name = NULL;
	const char		*version = NULL, *descr = NULL;
	EVP_PKEY		*k;
	BIO			*b;
	uint8_t			 md[MON_DIST_SHA256_LEN];
	unsigned int		 mdlen;
	char			*man = NULL, *payload, *cause, sig[160];
	char			*s, *bundle, ebuf[256], *extra = xstrdup("");
	size_t			 plen, i, blen;
	int			 ch, nprod = 0, nsite = 0;

	while ((ch = getopt_long_only(argc, argv, "k:m:n:o:r:R:s:V:",
	    dist_longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keyfile = optarg;
			break;
		case 'm':
			descr = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'r':
		case 's':
		case 'R':
			xasprintf(&s, "%s%s: %s\n", extra, ch == 'r' ?
			    "product" : ch == 's' ? "site" : "role", optarg);
			free(extra);
			extra = s;
			if (ch == 'r')
				nprod++;
			else if (ch == 's')
				nsite++;
			break;
		case 'V':
			version = optarg;
			break;
		default:
			return (2);
		}
	}
	if (argc - optind != 1 || keyfile == NULL || out == NULL ||
	    name == NULL || version == NULL)
		return (2);
	if (nprod == 0 || nsite == 0)
		tc_die("a bundle names at least one -product and one -site "
		    "(\"*\": any)");
	if ((k = mon_dist_key_read(keyfile, 1, &cause)) == NULL)
		tc_fail(cause);
	payload = dist_file(argv[optind], &plen);
	if (plen > MON_DIST_PAYLOAD_MAX)
		tc_die("%s: a payload holds at most %llu bytes", argv[optind],
		    (unsigned long long)MON_DIST_PAYLOAD_MAX);
	if (EVP_Digest(payload, plen, md, &mdlen, EVP_sha256(), NULL) != 1)
		tc_die("cannot hash the payload: %s", tls_errstr());
	xasprintf(&man, "%s 1\nname: %s\nversion: %s\n%s%s%s%s"
	    "payload-size: %zu\npayload-sha256: ", MON_DIST_MAGIC, name,
	    version, extra, descr != NULL ? "description: " : "",
	    descr != NULL ? descr : "", descr != NULL ? "\n" : "", plen);
	for (i = 0; i < sizeof md; i++) {
		xasprintf(&s, "%s%02x", man, md[i]);
		free(man);
		man = s;
	}
	xasprintf(&s, "%s\n", man);
	free(man);
	man = s;
	if (mon_dist_sign(man, strlen(man), k, sig, sizeof sig) == -1)
		tc_die("cannot sign: %s", tls_errstr());
	blen = strlen(man) + strlen("signature: \n") + strlen(sig) + plen;
	bundle = xmalloc(blen);
	snprintf(bundle, blen, "%ssignature: %s\n", man, sig);
	memcpy(bundle + blen - plen, payload, plen);
	/* What the agents will check, checked before it leaves. */
	if (mon_dist_parse(bundle, blen, &m, &e) == -1)
		tc_die("the manifest does not parse: %s",
		    mon_perr_fmt(&e, ebuf, sizeof ebuf));
	if (mon_dist_verify(bundle, blen, &m, k) != MON_DIST_OK)
		tc_die("the bundle does not verify");
	b = tc_mem();
	if (BIO_write(b, bundle, (int)blen) != (int)blen)
		tc_die("out of memory");
	tc_write(out, b, 0644, 0);
	tc_note("%s: bundle %s %s, payload %zu bytes, signed", out, m.name,
	    m.vtext, plen);
	free(bundle);
	free(payload);
	free(man);
	free(extra);
	EVP_PKEY_free(k);
	return (0);
}

/* twin-cert dist show: a bundle's manifest, and its check with -P. */
static int
dist_show(int argc, char **argv)
{
	struct mon_dist_manifest m;
	struct mon_perr		 e;
	enum mon_dist_verdict	 v;
	const char		*pub = NULL;
	EVP_PKEY		*k;
	char			*buf, *cause, ebuf[256];
	size_t			 len;
	int			 ch;

	while ((ch = getopt_long_only(argc, argv, "P:", dist_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'P':
			pub = optarg;
			break;
		default:
			return (2);
		}
	}
	if (argc - optind != 1)
		return (2);
	buf = dist_file(argv[optind], &len);
	if (mon_dist_parse(buf, len, &m, &e) == -1)
		tc_die("%s: %s", argv[optind], mon_perr_fmt(&e, ebuf,
		    sizeof ebuf));
	fwrite(buf, 1, m.signed_len, stdout);
	if (pub != NULL) {
		if ((k = mon_dist_key_read(pub, 0, &cause)) == NULL)
			tc_fail(cause);
		v = mon_dist_verify(buf, len, &m, k);
		printf("verify: %s\n", mon_dist_verdict_name(v));
		EVP_PKEY_free(k);
		free(buf);
		return (v == MON_DIST_OK ? 0 : 1);
	}
	free(buf);
	return (0);
}

/* twin-cert dist SUBCOMMAND ... */
int
tc_dist(int argc, char **argv)
{
	int	rv = 2;

	if (argc >= 2) {
		if (strcmp(argv[1], "key") == 0)
			rv = dist_key(argc - 1, argv + 1);
		else if (strcmp(argv[1], "sign") == 0)
			rv = dist_sign(argc - 1, argv + 1);
		else if (strcmp(argv[1], "show") == 0)
			rv = dist_show(argc - 1, argv + 1);
	}
	if (rv == 2)
		fprintf(stderr, "usage: twin-cert dist key -o dist.key "
		    "[-P dist.pub]\n"
		    "       twin-cert dist sign -k dist.key -n name -V version "
		    "-r product... -s site...\n"
		    "           [-R active|standby|single]... [-m description] "
		    "-o bundle payload\n"
		    "       twin-cert dist show [-P dist.pub] bundle\n");
	return (rv);
}
