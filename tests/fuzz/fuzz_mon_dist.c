/*
 * fuzz_mon_dist.c: libFuzzer target for the bundle manifest and the
 * agent-state parsers of signed distribution (monitor/mon_dist.c),
 * checking their invariants on every input.
 *
 * Build (from the top of the source tree) and run:
 *	make fuzz	(builds tests/fuzz/fuzz_mon_dist)
 *	./tests/fuzz/fuzz_mon_dist -max_total_time=60 \
 *	    tests/fuzz/corpus_mon_dist
 *
 * The first input byte picks the parser ('m' a bundle, 's' an agent's
 * state; anything else both); the rest is the input. A manifest that
 * parses must lie within the input, name a valid bundle and version, at
 * least one site and product and a role, and verify as a verdict (never
 * ok: no input carries a signature of the key made here); a state that
 * parses must encode to a form that parses back to the same state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mon_dist.h"
#include "fuzz.h"

static void	check_err(const struct mon_perr *, const char *, size_t);
static void	fuzz_manifest(const char *, size_t);
static void	fuzz_state(const char *, size_t);

static EVP_PKEY	*key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CHECK(key != NULL);
	return (0);
}

/* An error names a known code, a line inside the input and a field. */
static void
check_err(const struct mon_perr *e, const char *buf, size_t len)
{
	char	text[512];
	size_t	i, lines = 1;

	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK(e->code > MON_E_NONE && e->code <= MON_E_MISSING);
	CHECK(e->line <= lines + 1);
	CHECK(strlen(e->field) <= MON_KEY_MAX);
	mon_perr_fmt(e, text, sizeof text);
	CHECK(text[0] != '\0');
}

static void
fuzz_manifest(const char *buf, size_t len)
{
	struct mon_dist_manifest	m;
	struct mon_dist_version		v;
	struct mon_perr			e;
	enum mon_dist_verdict		vd;
	size_t				i;

	if (mon_dist_parse(buf, len, &m, &e) == -1) {
		check_err(&e, buf, len);
		return;
	}
	CHECK(m.signed_len < m.payload_off && m.payload_off <= len);
	CHECK(m.payload_off <= MON_DIST_MANIFEST_MAX);
	CHECK(mon_dist_name_valid(m.name, strlen(m.name)));
	CHECK(mon_dist_version_parse(m.vtext, strlen(m.vtext), &v) == 0);
	CHECK(mon_dist_version_cmp(&v, &m.version) == 0);
	CHECK(m.nsite > 0 && m.nsite <= MON_DIST_SITES);
	CHECK(m.nproduct > 0 && m.nproduct <= MON_DIST_PRODUCTS);
	CHECK(m.roles != 0 && (m.roles & ~MON_DIST_ROLE_ALL) == 0);
	CHECK(m.payload_size <= MON_DIST_PAYLOAD_MAX);
	for (i = 0; i < m.nsite; i++)
		CHECK(strcmp(m.site[i], "*") == 0 || mon_site_valid(m.site[i]));
	/* The signed part ends where the signature line starts. */
	CHECK(memcmp(buf + m.signed_len, "signature: ", 11) == 0);
	vd = mon_dist_verify(buf, len, &m, key);
	CHECK(vd == MON_DIST_BAD_SIGNATURE);
	vd = mon_dist_applies(&m, "osaka-01", "0.1.0", MON_ROLE_STANDBY,
	    m.vtext);
	CHECK(vd != MON_DIST_OK);
	CHECK(strcmp(mon_dist_verdict_name(vd), "?") != 0);
}

static void
fuzz_state(const char *buf, size_t len)
{
	static struct mon_dist_state	st, st2;
	static char			enc[MON_DIST_MANIFEST_MAX * 4];
	struct mon_perr			e;
	size_t				n;

	if (mon_dist_state_parse(buf, len, &st, &e) == -1) {
		check_err(&e, buf, len);
		return;
	}
	CHECK(st.n <= MON_DIST_STATE_MAX);
	n = mon_dist_state_encode(&st, enc, sizeof enc);
	CHECK(n > 0);
	CHECK(mon_dist_state_parse(enc, n, &st2, &e) == 0);
	CHECK(memcmp(&st, &st2, sizeof st) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data + 1;
	size_t		 len;

	if (size == 0)
		return (0);
	len = size - 1;
	switch (data[0]) {
	case 'm':
		fuzz_manifest(buf, len);
		break;
	case 's':
		fuzz_state(buf, len);
		break;
	default:
		fuzz_manifest(buf, len);
		fuzz_state(buf, len);
		break;
	}
	return (0);
}
