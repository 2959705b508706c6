/*
 * tls.h: TLS for every daemon and tool, on OpenSSL 3.
 *
 * Certificates come in *composite* PEM files: the private key, then the
 * certificate, then its intermediates in order (the form Equalizer and
 * HAProxy take). tls_pem_load() reads one and refuses, with a message that
 * names the file and the problem, a file others can read, the wrong order,
 * a key that does not match, a chain that does not link, truncation and
 * garbage. Expired and not yet valid certificates load with a warning:
 * the certificate runs out while the daemon runs anyway, so the "nearing
 * expiry" check (tls_cert_info) is what must catch it, and refusing it at
 * start-up would take every other listener of the daemon down with it.
 *
 * A server listener is a struct tls_server: a holder whose current
 * SSL_CTX is replaced only once a reload has loaded completely. Every SSL
 * made from it keeps a reference to the context it was made from, so
 * established connections survive any number of reloads. With several
 * composite files the client's SNI picks the file whose certificate names
 * the host (exact names first, then "*.domain" wildcards); the first file
 * is the default.
 *
 * Every context speaks TLS 1.2 and 1.3 only, with the system's default
 * cipher policy, no compression and no renegotiation. Servers resume
 * sessions through tickets alone (no server-side cache), whose keys
 * rotate: the current key encrypts, the previous one still decrypts; the
 * keys belong to the holder, so sessions survive a reload, except where
 * client certificates are required: there a reload ends resumption, so
 * a new CRL applies to every client at once.
 *
 * Nothing here is thread-safe: one holder per thread, as every daemon has
 * one event loop. Strings returned through <cause> are allocated: free
 * them.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TLS_TICKET_ROTATE	3600	/* seconds a ticket key encrypts */
#define TLS_MAXFILE		(1024 * 1024)	/* largest PEM file read */
#define TLS_MAXPASS		1024	/* longest passphrase */

/* Receives warnings (expired certificates, stale CRLs); NULL: log_warnx. */
typedef void	tls_warn_fn(void *, const char *);

/* A composite PEM file, parsed and checked. */
struct tls_pem {
	char		*path;
	EVP_PKEY	*key;
	X509		*cert;		/* the leaf */
	STACK_OF(X509)	*chain;		/* intermediates, leaf's issuer first */
};

/* What a server listener loads; every path is read during the call. */
struct tls_server_conf {
	const char *const *pem;		/* composite files, first = default */
	size_t		 npem;
	const char	*passfile;	/* passphrase of encrypted keys */
	const char	*chain_ca;	/* anchors the chains must reach */
	const char	*client_ca;	/* require client certificates */
	const char	*client_crl;	/* revoked client certificates */
	unsigned int	 ticket_rotate;	/* seconds; 0 = TLS_TICKET_ROTATE */
	tls_warn_fn	*warn;
	void		*warn_arg;
};

/* What a client context loads. */
struct tls_client_conf {
	const char	*cafile;	/* trusted CAs; NULL = system store */
	const char	*pem;		/* client certificate, or NULL */
	const char	*passfile;
	int		 noverify;	/* accept any server (never default) */
	tls_warn_fn	*warn;
	void		*warn_arg;
};

/* A certificate summed up for status output. */
struct tls_cert_info {
	char		 cn[256];	/* subject CN, "" when none */
	char		 issuer[256];	/* issuer CN (or the whole name) */
	char		 serial[64];	/* hex */
	char		 sans[512];	/* "DNS:a, IP:1.2.3.4", may end "..." */
	time_t		 not_before;
	time_t		 not_after;
	int64_t		 left;		/* seconds to notAfter, < 0: expired */
};

struct tls_server;

/* tls_pem.c */
int	 tls_file_read(const char *, int, char **, size_t *, char **);
int	 tls_passphrase_read(const char *, char **, char **);
int	 tls_pem_load(const char *, const char *, struct tls_pem *, char **);
int	 tls_pem_parse(const char *, const char *, size_t, const char *,
	    struct tls_pem *, char **);
EVP_PKEY *tls_key_load(const char *, const char *, BIO *, char **);
int	 tls_pem_verify(const struct tls_pem *, const char *, int, char **);
int	 tls_pem_times(const struct tls_pem *, time_t, tls_warn_fn *, void *);
void	 tls_pem_free(struct tls_pem *);
int	 tls_chain_link(X509 *, STACK_OF(X509) *, char **);
int	 tls_chain_sort(X509 *, STACK_OF(X509) *, STACK_OF(X509) **,
	    char **);
STACK_OF(X509) *tls_certs_load(const char *, char **);
STACK_OF(X509_CRL) *tls_crls_load(const char *, char **);
int	 tls_cert_info(X509 *, time_t, struct tls_cert_info *);
void	 tls_name_cn(const X509_NAME *, char *, size_t);
char	*tls_errstr(void);

/* tls.c */
struct tls_server *tls_server_new(const struct tls_server_conf *, char **);
int	 tls_server_reload(struct tls_server *, const struct tls_server_conf *,
	    char **);
void	 tls_server_free(struct tls_server *);
SSL	*tls_server_ssl(struct tls_server *);
SSL_CTX	*tls_server_ctx(struct tls_server *);
size_t	 tls_server_count(struct tls_server *);
X509	*tls_server_cert(struct tls_server *, size_t);
const char *tls_server_path(struct tls_server *, size_t);
void	 tls_server_rotate(struct tls_server *);
int64_t	 tls_server_soonest(struct tls_server *, time_t, size_t *);
uint64_t tls_server_generation(struct tls_server *);
SSL_CTX	*tls_client_new(const struct tls_client_conf *, char **);
SSL	*tls_client_ssl(SSL_CTX *, const char *, char **);

#endif
