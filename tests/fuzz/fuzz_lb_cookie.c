/*
 * fuzz_lb_cookie.c: libFuzzer target for the persistence cookie parsers
 * of lb/lb_cookie.c, which read what clients send in their Cookie header.
 * The input is a Cookie header value: the whole of it is checked as one
 * cookie value, then every cookie of our name found in it, with the
 * invariants asserted (values inside the input, the search moving on,
 * only a canonical encoding accepted); then the value servers get is
 * made from it (lb_cookie_strip): within its bound, without our cookie,
 * and unchanged by stripping it again.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb.h"
#include "fuzz.h"

/* The key of the seeds in corpus_lb_cookie/ (see the README). */
static const char fuzz_secret[] = "fuzzing secret of 32 bytes......";

static unsigned char	key[LB_COOKIE_KEYLEN];
static int		keyed;

/* Check one value; a good one must be exactly what we would have made. */
static void
check_value(const char *val, size_t len)
{
	enum lb_cookie_verdict	 v;
	uint32_t		 token = 0;
	char			 again[LB_COOKIE_VALLEN + 1];

	v = lb_cookie_decode(key, 1, val, len, &token);
	assert(v == LB_COOKIE_OK || v == LB_COOKIE_MALFORMED ||
	    v == LB_COOKIE_FORGED || v == LB_COOKIE_STALE);
	assert(strcmp(lb_cookie_verdict_str(v), "?") != 0);
	if (v != LB_COOKIE_OK)
		return;
	assert(len == LB_COOKIE_VALLEN);
	assert(lb_cookie_encode(key, 1, token, again) == 0);
	assert(memcmp(again, val, LB_COOKIE_VALLEN) == 0);
}

/* Strip our cookie from <hdr>: bounded, gone, and a fixed point. */
static void
check_strip(const char *hdr, size_t size)
{
	char	*out, *again;
	size_t	 n, m, pos = 0, vlen;
	const char *val;

	if ((out = malloc(2 * size + 1)) == NULL ||
	    (again = malloc(4 * size + 1)) == NULL) {
		free(out);
		return;
	}
	n = lb_cookie_strip(hdr, size, "twinlb", out);
	assert(n <= 2 * size);
	assert(!lb_cookie_find(out, n, "twinlb", &pos, &val, &vlen));
	m = lb_cookie_strip(out, n, "twinlb", again);
	assert(m == n && memcmp(again, out, n) == 0);
	free(out);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*hdr = (const char *)data, *val;
	size_t		 pos = 0, last = 0, vlen, found = 0;

	if (!keyed) {
		lb_cookie_key((const unsigned char *)fuzz_secret,
		    sizeof fuzz_secret - 1, "web", key);
		keyed = 1;
	}
	check_value(hdr, size);
	while (lb_cookie_find(hdr, size, "twinlb", &pos, &val, &vlen)) {
		assert(val >= hdr && val + vlen <= hdr + size);
		assert(pos > last && pos <= size);
		assert(vlen == 0 || memchr(val, ';', vlen) == NULL);
		last = pos;
		check_value(val, vlen);
		assert(++found <= size);
	}
	assert(pos == size);
	check_strip(hdr, size);
	return (0);
}
