/*
 * fuzz_tls_pem.c: libFuzzer target for the composite PEM parser
 * (tls_pem_parse in lib/tls_pem.c): every input is either refused with a
 * message naming the file, or yields a key that matches its certificate
 * and a chain that links, whose certificates can all be summed up.
 *
 * Build with `make fuzz`; seeds are made by twin-cert (see README).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls.h"
#include "fuzz.h"

static void
quiet(void *arg, const char *msg)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_cert_info	 ci;
	struct tls_pem		 pem;
	STACK_OF(X509)		*sorted;
	char			*cause = NULL;
	int			 i;

	if (tls_pem_parse("fuzz.pem", (const char *)data, size, NULL, &pem,
	    &cause) == -1) {
		CHECK(cause != NULL);
		CHECK(strncmp(cause, "fuzz.pem: ", 10) == 0);
		CHECK(pem.key == NULL && pem.cert == NULL &&
		    pem.chain == NULL && pem.path == NULL);
		free(cause);
		return (0);
	}
	CHECK(cause == NULL);
	CHECK(pem.key != NULL && pem.cert != NULL && pem.chain != NULL);
	CHECK(strcmp(pem.path, "fuzz.pem") == 0);
	CHECK(EVP_PKEY_eq(X509_get0_pubkey(pem.cert), pem.key) == 1);
	CHECK(tls_chain_link(pem.cert, pem.chain, &cause) == 0);
	for (i = -1; i < sk_X509_num(pem.chain); i++)
		(void)tls_cert_info(i == -1 ? pem.cert :
		    sk_X509_value(pem.chain, i), time(NULL), &ci);
	/* A linked chain is its own sorted order. */
	if (tls_chain_sort(pem.cert, pem.chain, &sorted, &cause) == 0) {
		CHECK(sk_X509_num(sorted) <= sk_X509_num(pem.chain));
		sk_X509_pop_free(sorted, X509_free);
	} else
		free(cause);
	(void)tls_pem_times(&pem, time(NULL), quiet, NULL);
	tls_pem_free(&pem);
	return (0);
}
