/*
 * mon_dist_key.c: reading the distribution key (mon_dist.h), apart from
 * the pure mon_dist.c so that its fuzz target links no file reader.
 */
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "log.h"
#include "mon_dist.h"
#include "tls.h"
#include "xmalloc.h"

/*
 * Read an Ed25519 key from PEM file <path>: the private key (<priv>) or
 * the public key (either file: a private key holds its public half).
 */
EVP_PKEY *
mon_dist_key_read(const char *path, int priv, char **cause)
{
	EVP_PKEY	*k = NULL;
	BIO		*b;
	char		*buf, *c;
	size_t		 len;

	if (tls_file_read(path, priv, &buf, &len, &c) == -1) {
		*cause = c;
		return (NULL);
	}
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		fatalx("%s: out of memory", __func__);
	if (priv)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	else if ((k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) == NULL) {
		(void)BIO_reset(b);
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	}
	BIO_free(b);
	OPENSSL_clear_free(buf, len);
	ERR_clear_error();
	if (k == NULL) {
		xasprintf(cause, "%s: not a PEM %s key", path, priv ?
		    "private" : "public");
		return (NULL);
	}
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		xasprintf(cause, "%s: not an Ed25519 key (the distribution "
		    "key is Ed25519: twin-cert dist key)", path);
		return (NULL);
	}
	return (k);
}
