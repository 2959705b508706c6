/*
 * tls.c: server and client SSL_CTXs with the project's policy, SNI
 * among several certificates, rotating session-ticket keys, and the
 * holder that swaps a listener's contexts on reload.
 *
 * One load of a listener's files is a generation: one SSL_CTX per file
 * (the first is the default, the one every SSL starts from) and the names
 * SNI matches. The default context owns its generation through ex_data,
 * so the generation lives exactly as long as the last SSL that started
 * from it: the holder drops its reference on reload, the connections
 * still open keep theirs (SSL_new takes one), and the last SSL_free frees
 * it all. An SSL that SNI moved to another context of the generation
 * still holds the default as its session context, which keeps the
 * generation alive too.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "tls.h"
#include "xmalloc.h"

#define TLS_SID_CTX	"twinproxy"

/* A session-ticket key: a name the ticket carries, a cipher and MAC key. */
struct tls_key {
	unsigned char	 name[16];
	unsigned char	 aes[32];
	unsigned char	 hmac[32];
};

/*
 * A holder's ticket keys, shared by its generations so that sessions
 * resume across a reload. Rotation is lazy: the first ticket operation
 * after <interval> seconds rotates, two intervals of silence drop both
 * keys. Sessions live one interval, so a key encrypts for one interval
 * and decrypts for at most two.
 */
struct tls_keys {
	int		 refs;
	unsigned int	 interval;
	time_t		 rotated;	/* monotonic seconds */
	int		 nkeys;		/* 1 or 2 */
	struct tls_key	 cur;
	struct tls_key	 prev;
};

/* One load of a listener's composite files. */
struct tls_gen {
	uint64_t	 id;
	size_t		 n;
	SSL_CTX		**ctx;		/* [0] is the default */
	char		**path;
	char		***names;	/* per file: lower-case DNS names */
	struct tls_keys	*keys;
};

struct tls_server {
	SSL_CTX		*ctx;		/* current default context (a ref) */
	struct tls_keys	*keys;
	uint64_t	 gens;
};

static int	tls_gen_idx = -1;	/* every context: its generation */
static int	tls_own_idx = -1;	/* default context: owns it */

static void	tls_init(void);
static void	tls_own_free_cb(void *, void *, CRYPTO_EX_DATA *, int, long,
		    void *);
static int	tls_policy(SSL_CTX *);
static time_t	tls_now(void);
static struct tls_keys *tls_keys_new(unsigned int);
static void	tls_keys_unref(struct tls_keys *);
static void	tls_keys_rotate(struct tls_keys *);
static void	tls_keys_tick(struct tls_keys *);
static int	tls_ticket_cb(SSL *, unsigned char *, unsigned char *,
		    EVP_CIPHER_CTX *, EVP_MAC_CTX *, int);
static int	tls_sni_cb(SSL *, int *, void *);
static int	tls_name_match(const char *, const char *);
static char	**tls_dns_names(X509 *);
static void	tls_gen_free(struct tls_gen *, int);
static struct tls_gen *tls_gen_new(const struct tls_server_conf *,
		    struct tls_keys *, uint64_t, char **);
static int	tls_client_auth(SSL_CTX *, STACK_OF(X509) *,
		    STACK_OF(X509_CRL) *);
static int	tls_crls_check(const char *, STACK_OF(X509_CRL) *,
		    STACK_OF(X509) *, const struct tls_server_conf *, char **);
static struct tls_gen *tls_ctx_gen(SSL_CTX *);

/* Register the ex_data slots once. */
static void
tls_init(void)
{
	if (tls_gen_idx != -1)
		return;
	tls_gen_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	tls_own_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
	    tls_own_free_cb);
	if (tls_gen_idx < 0 || tls_own_idx < 0)
		fatalx("%s: SSL_CTX_get_ex_new_index", __func__);
}

/*
 * The default context of a generation is being freed: no SSL uses the
 * generation any more, so it goes too. OpenSSL calls this for every
 * SSL_CTX, with NULL for those that own nothing.
 */
static void
tls_own_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	if (ptr != NULL)
		tls_gen_free(ptr, 0);
}

/* The generation a context belongs to (NULL for foreign contexts). */
static struct tls_gen *
tls_ctx_gen(SSL_CTX *ctx)
{
	if (tls_gen_idx == -1)
		return (NULL);
	return (SSL_CTX_get_ex_data(ctx, tls_gen_idx));
}

/*
 * Apply the policy of every context: TLS 1.2 and 1.3 only, the system's
 * cipher policy left alone, no compression, no renegotiation.
 */
static int
tls_policy(SSL_CTX *ctx)
{
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
		return (-1);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	return (0);
}

/* Seconds on a clock that does not jump. */
static time_t
tls_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* Make a holder's ticket keys: one current key, no previous one yet. */
static struct tls_keys *
tls_keys_new(unsigned int interval)
{
	struct tls_keys	*k;

	k = xcalloc(1, sizeof *k);
	k->refs = 1;
	k->interval = interval;
	tls_keys_rotate(k);
	k->nkeys = 1;
	return (k);
}

/* Drop a reference to ticket keys; the last one wipes them. */
static void
tls_keys_unref(struct tls_keys *k)
{
	if (k == NULL || --k->refs > 0)
		return;
	freezero(k, sizeof *k);
}

/* The current key becomes the previous one; a new key encrypts. */
static void
tls_keys_rotate(struct tls_keys *k)
{
	k->prev = k->cur;
	if (RAND_bytes(k->cur.name, sizeof k->cur.name) != 1 ||
	    RAND_priv_bytes(k->cur.aes, sizeof k->cur.aes) != 1 ||
	    RAND_priv_bytes(k->cur.hmac, sizeof k->cur.hmac) != 1)
		fatalx("%s: RAND_bytes failed", __func__);
	k->nkeys = 2;
	k->rotated = tls_now();
}

/*
 * Rotate if an interval has passed. After two intervals without a ticket
 * the key that was current is too old to decrypt, so it goes as well.
 */
static void
tls_keys_tick(struct tls_keys *k)
{
	time_t	idle = tls_now() - k->rotated;

	if (idle < (time_t)k->interval)
		return;
	tls_keys_rotate(k);
	if (idle >= 2 * (time_t)k->interval)
		k->nkeys = 1;
}

/*
 * Encrypt a new ticket with the current key (enc = 1), or find the key a
 * ticket names and decrypt with it (enc = 0): 1 = use it, 2 = use it and
 * issue a fresh ticket under the current key, 0 = unknown key (a full
 * handshake follows), -1 = error.
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls_gen	*gen;
	struct tls_keys	*k;
	struct tls_key	*key;
	OSSL_PARAM	 params[2];

	if ((gen = tls_ctx_gen(SSL_get_SSL_CTX(ssl))) == NULL)
		return (-1);
	k = gen->keys;
	tls_keys_tick(k);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (enc) {
		key = &k->cur;
		memcpy(name, key->name, sizeof key->name);
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    EVP_aes_256_cbc())) != 1)
			return (-1);
		if (!EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
		    key->aes, iv) ||
		    !EVP_MAC_init(hctx, key->hmac, sizeof key->hmac, params))
			return (-1);
		return (1);
	}
	if (memcmp(name, k->cur.name, sizeof k->cur.name) == 0)
		key = &k->cur;
	else if (k->nkeys == 2 &&
	    memcmp(name, k->prev.name, sizeof k->prev.name) == 0)
		key = &k->prev;
	else
		return (0);
	if (!EVP_MAC_init(hctx, key->hmac, sizeof key->hmac, params) ||
	    !EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, key->aes, iv))
		return (-1);
	/*
	 * Renew (2) a ticket of the previous key, and every TLS 1.3 ticket:
	 * TLS 1.3 clients use a ticket once (RFC 8446 appendix C.4), and
	 * OpenSSL sends no new one after a resumption unless asked to, so
	 * that every other connection of a client would be a full handshake.
	 */
	return (key == &k->prev || SSL_version(ssl) >= TLS1_3_VERSION ? 2 : 1);
}

/*
 * Does host name <name> (lower case) match certificate name <pat>? With
 * <pat> "*.example.com", exactly one label may stand for the star.
 */
static int
tls_name_match(const char *pat, const char *name)
{
	const char	*dot;

	if (pat[0] != '*')
		return (strcmp(pat, name) == 0);
	if (pat[1] != '.' || (dot = strchr(name, '.')) == NULL ||
	    dot == name)
		return (0);
	return (strcmp(pat + 1, dot) == 0);
}

/*
 * Pick the context of the file whose certificate names the host the
 * client asked for: exact names first, then wildcards, each in file
 * order. No name, or no match: the default stays.
 */
static int
tls_sni_cb(SSL *ssl, int *alert, void *arg)
{
	struct tls_gen	*gen = arg;
	const char	*sn;
	char		 host[256];
	size_t		 i, j, len;
	int		 wild;

	if (gen->n < 2 ||
	    (sn = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) == NULL)
		return (SSL_TLSEXT_ERR_OK);
	if ((len = strlen(sn)) == 0 || len >= sizeof host)
		return (SSL_TLSEXT_ERR_OK);
	for (i = 0; i < len; i++)
		host[i] = tolower((unsigned char)sn[i]);
	host[len] = '\0';
	if (host[len - 1] == '.')
		host[len - 1] = '\0';
	for (wild = 0; wild < 2; wild++) {
		for (i = 0; i < gen->n; i++) {
			for (j = 0; gen->names[i][j] != NULL; j++) {
				if ((gen->names[i][j][0] == '*') != wild ||
				    !tls_name_match(gen->names[i][j], host))
					continue;
				if (i != 0 &&
				    SSL_set_SSL_CTX(ssl, gen->ctx[i]) == NULL)
					return (SSL_TLSEXT_ERR_ALERT_FATAL);
				return (SSL_TLSEXT_ERR_OK);
			}
		}
	}
	return (SSL_TLSEXT_ERR_OK);
}

/*
 * The DNS names a certificate answers to, lower case, NULL-terminated:
 * its subjectAltNames, or its CN when it has no DNS name (old practice
 * that clients no longer follow, but SNI can still pick by it).
 */
static char **
tls_dns_names(X509 *x)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	X509_NAME_ENTRY	*e;
	const unsigned char *d;
	char		**names;
	size_t		 n = 0, k;
	int		 i, len;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	names = xcalloc(sk_GENERAL_NAME_num(gens) + 2, sizeof *names);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		if (len <= 0 || memchr(d, '\0', len) != NULL)
			continue;
		names[n] = xstrndup((const char *)d, len);
		for (k = 0; names[n][k] != '\0'; k++)
			names[n][k] = tolower((unsigned char)names[n][k]);
		n++;
	}
	GENERAL_NAMES_free(gens);
	if (n == 0 && (i = X509_NAME_get_index_by_NID(
	    X509_get_subject_name(x), NID_commonName, -1)) >= 0) {
		e = X509_NAME_get_entry(X509_get_subject_name(x), i);
		d = ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(e));
		len = ASN1_STRING_length(X509_NAME_ENTRY_get_data(e));
		if (len > 0 && memchr(d, '\0', len) == NULL) {
			names[0] = xstrndup((const char *)d, len);
			for (k = 0; names[0][k] != '\0'; k++)
				names[0][k] =
				    tolower((unsigned char)names[0][k]);
		}
	}
	ERR_clear_error();
	return (names);
}

/*
 * Free a generation. From the owner callback (<all> = 0) its default
 * context is the one being freed already; otherwise it goes too.
 */
static void
tls_gen_free(struct tls_gen *gen, int all)
{
	size_t	i, j;

	for (i = 0; i < gen->n; i++) {
		if (gen->ctx[i] != NULL && (i != 0 || all))
			SSL_CTX_free(gen->ctx[i]);
		free(gen->path[i]);
		if (gen->names[i] != NULL) {
			for (j = 0; gen->names[i][j] != NULL; j++)
				free(gen->names[i][j]);
			free(gen->names[i]);
		}
	}
	free(gen->ctx);
	free(gen->path);
	free(gen->names);
	tls_keys_unref(gen->keys);
	free(gen);
}

/*
 * Require client certificates issued by one of <cas>, checked against
 * <crls> when there are any (the leaf only: the site CA issues leaves).
 */
static int
tls_client_auth(SSL_CTX *ctx, STACK_OF(X509) *cas, STACK_OF(X509_CRL) *crls)
{
	STACK_OF(X509_NAME)	*names;
	X509_STORE		*store = SSL_CTX_get_cert_store(ctx);
	X509_NAME		*nm;
	int			 i;

	if ((names = sk_X509_NAME_new_null()) == NULL)
		return (-1);
	for (i = 0; i < sk_X509_num(cas); i++) {
		if (!X509_STORE_add_cert(store, sk_X509_value(cas, i)))
			ERR_clear_error();	/* a duplicate */
		if ((nm = X509_NAME_dup(X509_get_subject_name(
		    sk_X509_value(cas, i)))) == NULL ||
		    !sk_X509_NAME_push(names, nm)) {
			X509_NAME_free(nm);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			return (-1);
		}
	}
	/* The names of acceptable CAs go out in the CertificateRequest. */
	SSL_CTX_set_client_CA_list(ctx, names);
	for (i = 0; i < sk_X509_CRL_num(crls); i++)
		if (!X509_STORE_add_crl(store, sk_X509_CRL_value(crls, i)))
			return (-1);
	if (sk_X509_CRL_num(crls) > 0)
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	if (!SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT))
		return (-1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return (0);
}

/*
 * Every CRL must come from one of the client CAs, or every client would
 * fail with "unable to get certificate CRL"; a CRL past its nextUpdate
 * fails every client too, which deserves a warning.
 */
static int
tls_crls_check(const char *path, STACK_OF(X509_CRL) *crls,
    STACK_OF(X509) *cas, const struct tls_server_conf *conf, char **cause)
{
	X509_CRL	*crl;
	X509		*ca;
	char		 cn[256];
	int		 i, j, ok;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		crl = sk_X509_CRL_value(crls, i);
		ok = 0;
		for (j = 0; j < sk_X509_num(cas) && !ok; j++) {
			ca = sk_X509_value(cas, j);
			ok = X509_NAME_cmp(X509_CRL_get_issuer(crl),
			    X509_get_subject_name(ca)) == 0 &&
			    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1;
		}
		ERR_clear_error();
		tls_name_cn(X509_CRL_get_issuer(crl), cn, sizeof cn);
		if (!ok) {
			xasprintf(cause, "%s: the CRL of %s was not signed by "
			    "any CA of the client CA file", path, cn);
			return (-1);
		}
		if (X509_CRL_get0_nextUpdate(crl) != NULL &&
		    X509_cmp_current_time(X509_CRL_get0_nextUpdate(crl)) <
		    0) {
			char	*msg;

			xasprintf(&msg, "%s: the CRL of %s is past its next "
			    "update: every client certificate will be "
			    "refused until a new CRL is loaded", path, cn);
			if (conf->warn != NULL)
				conf->warn(conf->warn_arg, msg);
			else
				log_warnx("%s", msg);
			free(msg);
		}
	}
	return (0);
}

/*
 * Load every file of a listener into a new generation. Nothing is left
 * behind on failure.
 */
static struct tls_gen *
tls_gen_new(const struct tls_server_conf *conf, struct tls_keys *keys,
    uint64_t id, char **cause)
{
	STACK_OF(X509)		*cas = NULL;
	STACK_OF(X509_CRL)	*crls = NULL;
	struct tls_pem		 pem;
	struct tls_gen		*gen;
	SSL_CTX			*ctx;
	char			 sid[64];
	size_t			 i;

	memset(&pem, 0, sizeof pem);
	if (conf->npem == 0) {
		*cause = xstrdup("no certificate file");
		return (NULL);
	}
	if (conf->client_crl != NULL && conf->client_ca == NULL) {
		xasprintf(cause, "%s: a client CRL needs a client CA file",
		    conf->client_crl);
		return (NULL);
	}
	if (conf->client_ca != NULL &&
	    (cas = tls_certs_load(conf->client_ca, cause)) == NULL)
		return (NULL);
	if (conf->client_crl != NULL &&
	    ((crls = tls_crls_load(conf->client_crl, cause)) == NULL ||
	    tls_crls_check(conf->client_crl, crls, cas, conf, cause) == -1)) {
		sk_X509_CRL_pop_free(crls, X509_CRL_free);
		sk_X509_pop_free(cas, X509_free);
		return (NULL);
	}
	/*
	 * A session made under other client CAs or an older CRL must not
	 * resume: the session ID context differs per generation then, and
	 * OpenSSL refuses to resume across contexts.
	 */
	if (cas != NULL)
		snprintf(sid, sizeof sid, "%s/%llu", TLS_SID_CTX,
		    (unsigned long long)id);
	else
		strlcpy(sid, TLS_SID_CTX, sizeof sid);

	gen = xcalloc(1, sizeof *gen);
	gen->id = id;
	gen->n = conf->npem;
	gen->ctx = xcalloc(gen->n, sizeof *gen->ctx);
	gen->path = xcalloc(gen->n, sizeof *gen->path);
	gen->names = xcalloc(gen->n, sizeof *gen->names);
	gen->keys = keys;
	keys->refs++;
	for (i = 0; i < gen->n; i++) {
		if (tls_pem_load(conf->pem[i], conf->passfile, &pem,
		    cause) == -1)
			goto fail;
		if (tls_pem_verify(&pem, conf->chain_ca,
		    X509_PURPOSE_SSL_SERVER, cause) == -1) {
			tls_pem_free(&pem);
			goto fail;
		}
		tls_pem_times(&pem, time(NULL), conf->warn, conf->warn_arg);
		gen->path[i] = xstrdup(conf->pem[i]);
		gen->names[i] = tls_dns_names(pem.cert);
		if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
			goto ossl;
		gen->ctx[i] = ctx;
		if (tls_policy(ctx) == -1 ||
		    SSL_CTX_use_certificate(ctx, pem.cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, pem.key) != 1 ||
		    SSL_CTX_set1_chain(ctx, pem.chain) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1 ||
		    SSL_CTX_set_session_id_context(ctx,
		    (const unsigned char *)sid, strlen(sid)) != 1)
			goto ossl;
		tls_pem_free(&pem);
		/* Tickets only: no server cache to grow or to share. */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_timeout(ctx, keys->interval);
		SSL_CTX_set_dh_auto(ctx, 1);
		SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb);
		if (cas != NULL && tls_client_auth(ctx, cas, crls) == -1)
			goto ossl;
		if (!SSL_CTX_set_ex_data(ctx, tls_gen_idx, gen))
			goto ossl;
	}
	SSL_CTX_set_tlsext_servername_callback(gen->ctx[0], tls_sni_cb);
	SSL_CTX_set_tlsext_servername_arg(gen->ctx[0], gen);
	if (!SSL_CTX_set_ex_data(gen->ctx[0], tls_own_idx, gen))
		goto ossl;
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	sk_X509_pop_free(cas, X509_free);
	return (gen);
ossl:
	{
		char	*err = tls_errstr();

		xasprintf(cause, "%s: cannot set up TLS with it: %s",
		    conf->pem[i], err);
		free(err);
		if (pem.key != NULL)
			tls_pem_free(&pem);
	}
fail:
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	sk_X509_pop_free(cas, X509_free);
	tls_gen_free(gen, 1);
	return (NULL);
}

/* Load a listener's files; NULL with <cause> if any of them is wrong. */
struct tls_server *
tls_server_new(const struct tls_server_conf *conf, char **cause)
{
	struct tls_server	*srv;
	struct tls_gen		*gen;

	tls_init();
	srv = xcalloc(1, sizeof *srv);
	srv->keys = tls_keys_new(conf->ticket_rotate != 0 ?
	    conf->ticket_rotate : TLS_TICKET_ROTATE);
	if ((gen = tls_gen_new(conf, srv->keys, ++srv->gens, cause)) == NULL) {
		tls_keys_unref(srv->keys);
		free(srv);
		return (NULL);
	}
	srv->ctx = gen->ctx[0];
	return (srv);
}

/*
 * Load the files again and swap the new contexts in once all of them have
 * loaded. Connections already open keep the contexts they started with.
 * On failure the running contexts stay and <cause> says why.
 */
int
tls_server_reload(struct tls_server *srv, const struct tls_server_conf *conf,
    char **cause)
{
	struct tls_gen	*gen;

	if (conf->ticket_rotate != 0)
		srv->keys->interval = conf->ticket_rotate;
	if ((gen = tls_gen_new(conf, srv->keys, srv->gens + 1, cause)) ==
	    NULL)
		return (-1);
	srv->gens++;
	SSL_CTX_free(srv->ctx);		/* open connections hold their own */
	srv->ctx = gen->ctx[0];
	return (0);
}

/* Free the holder; contexts still used by connections live on. */
void
tls_server_free(struct tls_server *srv)
{
	if (srv == NULL)
		return;
	SSL_CTX_free(srv->ctx);
	tls_keys_unref(srv->keys);
	free(srv);
}

/*
 * A new server-side SSL for one connection, from the current contexts.
 * It holds its own reference to them (SSL_new takes one), so a reload
 * while it is open changes nothing for it.
 */
SSL *
tls_server_ssl(struct tls_server *srv)
{
	SSL	*ssl;

	if ((ssl = SSL_new(srv->ctx)) == NULL)
		ERR_clear_error();
	return (ssl);
}

/* The current default context (borrowed). */
SSL_CTX *
tls_server_ctx(struct tls_server *srv)
{
	return (srv->ctx);
}

/* How many composite files the current contexts hold. */
size_t
tls_server_count(struct tls_server *srv)
{
	return (tls_ctx_gen(srv->ctx)->n);
}

/* The certificate of file <i> (borrowed), for status and expiry checks. */
X509 *
tls_server_cert(struct tls_server *srv, size_t i)
{
	struct tls_gen	*gen = tls_ctx_gen(srv->ctx);

	if (i >= gen->n)
		return (NULL);
	return (SSL_CTX_get0_certificate(gen->ctx[i]));
}

/* The path of file <i>. */
const char *
tls_server_path(struct tls_server *srv, size_t i)
{
	struct tls_gen	*gen = tls_ctx_gen(srv->ctx);

	if (i >= gen->n)
		return (NULL);
	return (gen->path[i]);
}

/*
 * The seconds left to the certificate that expires first (negative once
 * expired), for a "certificate nearing expiry" alarm; its file index in
 * <idx> when not NULL.
 */
int64_t
tls_server_soonest(struct tls_server *srv, time_t now, size_t *idx)
{
	struct tls_cert_info	 ci;
	int64_t			 min = INT64_MAX;
	size_t			 i;

	for (i = 0; i < tls_server_count(srv); i++) {
		if (tls_cert_info(tls_server_cert(srv, i), now, &ci) == -1 ||
		    ci.left >= min)
			continue;
		min = ci.left;
		if (idx != NULL)
			*idx = i;
	}
	return (min);
}

/* Rotate the ticket keys now (the interval restarts). */
void
tls_server_rotate(struct tls_server *srv)
{
	tls_keys_rotate(srv->keys);
}

/* How many loads the holder has made: 1 after start, +1 per reload. */
uint64_t
tls_server_generation(struct tls_server *srv)
{
	return (srv->gens);
}

/*
 * A client context. The server is verified unless <noverify>: against
 * <cafile>, else the system's store; tls_client_ssl() adds the host name
 * check. <pem> is a composite file for mutual TLS.
 */
SSL_CTX *
tls_client_new(const struct tls_client_conf *conf, char **cause)
{
	STACK_OF(X509)	*cas = NULL;
	struct tls_pem	 pem;
	SSL_CTX		*ctx;
	X509_STORE	*store;
	char		*err;
	int		 i;

	tls_init();
	memset(&pem, 0, sizeof pem);
	if (!conf->noverify && conf->cafile != NULL &&
	    (cas = tls_certs_load(conf->cafile, cause)) == NULL)
		return (NULL);
	if (conf->pem != NULL) {
		if (tls_pem_load(conf->pem, conf->passfile, &pem,
		    cause) == -1)
			goto fail;
		if (tls_pem_verify(&pem, NULL, X509_PURPOSE_SSL_CLIENT,
		    cause) == -1)
			goto fail;
		tls_pem_times(&pem, time(NULL), conf->warn, conf->warn_arg);
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    tls_policy(ctx) == -1)
		goto ossl;
	if (conf->noverify)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		store = SSL_CTX_get_cert_store(ctx);
		for (i = 0; i < sk_X509_num(cas); i++)
			if (!X509_STORE_add_cert(store, sk_X509_value(cas, i)))
				ERR_clear_error();
		if (cas == NULL && SSL_CTX_set_default_verify_paths(ctx) != 1)
			goto ossl;
	}
	if (conf->pem != NULL &&
	    (SSL_CTX_use_certificate(ctx, pem.cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pem.key) != 1 ||
	    SSL_CTX_set1_chain(ctx, pem.chain) != 1))
		goto ossl;
	tls_pem_free(&pem);
	sk_X509_pop_free(cas, X509_free);
	return (ctx);
ossl:
	err = tls_errstr();
	xasprintf(cause, "cannot set up a TLS client context: %s", err);
	free(err);
	SSL_CTX_free(ctx);
fail:
	tls_pem_free(&pem);
	sk_X509_pop_free(cas, X509_free);
	return (NULL);
}

/*
 * A client SSL for a connection to <host>: sent as SNI, and checked
 * against the server's certificate (an address literal against its IP
 * names). A verifying context needs a host, or any certificate the CA
 * ever issued would pass.
 */
SSL *
tls_client_ssl(SSL_CTX *ctx, const char *host, char **cause)
{
	unsigned char	 buf[sizeof(struct in6_addr)];
	SSL		*ssl;
	int		 ip;

	if (host == NULL && (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER)) {
		*cause = xstrdup("no host name to verify the server against");
		return (NULL);
	}
	if ((ssl = SSL_new(ctx)) == NULL)
		goto ossl;
	if (host == NULL)
		return (ssl);
	ip = inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
	if (ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) != 1)
			goto ossl;
		return (ssl);
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set_tlsext_host_name(ssl, host) != 1 ||
	    SSL_set1_host(ssl, host) != 1)
		goto ossl;
	return (ssl);
ossl:
	{
		char	*err = tls_errstr();

		xasprintf(cause, "%s: %s", host, err);
		free(err);
	}
	SSL_free(ssl);
	return (NULL);
}
