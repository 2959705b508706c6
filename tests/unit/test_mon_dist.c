/*
 * test_mon_dist.c: signed distribution's pure parts. The manifest and
 * agent-state parsers by golden files (tests/data/monitor/dist_*.in
 * parsed, the result or the error named, compared with its .out;
 * UPDATE_GOLDEN=1 rewrites them), signatures and digests with a key made
 * here, versions, applicability and the pair-order gate.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "monitor/mon_dist.h"
#include "monitor/mon_renew.h"
#include "unit.h"

static char	*golden_text(const char *, const char *, size_t);
static char	*bundle(EVP_PKEY *, const char *, const char *, size_t *);

/* What parsing <buf> gave, as the .out files hold it. */
static char *
golden_text(const char *name, const char *buf, size_t len)
{
	struct mon_dist_manifest	 m;
	struct mon_dist_state		 st;
	struct mon_perr			 e;
	char				*out, eb[256];
	char				 enc[MON_DIST_MANIFEST_MAX];
	size_t				 olen, i, n;
	FILE				*f;

	f = open_memstream(&out, &olen);
	if (strncmp(name, "dist_state_", 11) == 0) {
		if (mon_dist_state_parse(buf, len, &st, &e) == -1)
			fprintf(f, "error %s: %s\n", mon_perr_name(e.code),
			    mon_perr_fmt(&e, eb, sizeof eb));
		else {
			n = mon_dist_state_encode(&st, enc, sizeof enc);
			CU_ASSERT_FATAL(n > 0);
			fprintf(f, "ok\n%.*s", (int)n, enc);
			/* The encoding parses to the same state. */
			{
				struct mon_dist_state	st2;

				CU_ASSERT_EQUAL(mon_dist_state_parse(enc, n,
				    &st2, &e), 0);
				CU_ASSERT(memcmp(&st, &st2, sizeof st) == 0);
			}
		}
		fclose(f);
		return (out);
	}
	if (mon_dist_parse(buf, len, &m, &e) == -1) {
		fprintf(f, "error %s: %s\n", mon_perr_name(e.code),
		    mon_perr_fmt(&e, eb, sizeof eb));
		fclose(f);
		return (out);
	}
	fprintf(f, "ok\nname %s\nversion %s (", m.name, m.vtext);
	for (i = 0; i < m.version.n; i++)
		fprintf(f, "%s%u", i > 0 ? " " : "", m.version.part[i]);
	fprintf(f, ")\n");
	for (i = 0; i < m.nproduct; i++)
		fprintf(f, "product %s\n", m.product[i]);
	for (i = 0; i < m.nsite; i++)
		fprintf(f, "site %s\n", m.site[i]);
	fprintf(f, "roles%s%s%s\n", (m.roles & MON_DIST_ROLE_ACTIVE) ?
	    " active" : "", (m.roles & MON_DIST_ROLE_STANDBY) ? " standby" :
	    "", (m.roles & MON_DIST_ROLE_SINGLE) ? " single" : "");
	fprintf(f, "description %s\n", m.descr);
	fprintf(f, "payload-size %llu sha256 ",
	    (unsigned long long)m.payload_size);
	for (i = 0; i < sizeof m.sha256; i++)
		fprintf(f, "%02x", m.sha256[i]);
	fprintf(f, "\nsigned %zu payload at %zu, %zu bytes there\n",
	    m.signed_len, m.payload_off, len - m.payload_off);
	fclose(f);
	return (out);
}

static void
test_mon_dist_golden(void)
{
	struct dirent	**names;
	char		 path[1024], *in, *got, *want;
	size_t		 len, nl;
	int		 n, i, seen = 0;
	FILE		*f;

	n = scandir(unit_data("monitor"), &names, NULL, alphasort);
	CU_ASSERT_FATAL(n > 0);
	for (i = 0; i < n; i++) {
		nl = strlen(names[i]->d_name);
		if (strncmp(names[i]->d_name, "dist_", 5) != 0 || nl < 4 ||
		    strcmp(names[i]->d_name + nl - 3, ".in") != 0)
			goto next;
		snprintf(path, sizeof path, "monitor/%s", names[i]->d_name);
		in = unit_slurp(unit_data(path), &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		got = golden_text(names[i]->d_name, in, len);
		snprintf(path, sizeof path, "monitor/%.*s.out", (int)(nl - 3),
		    names[i]->d_name);
		if (getenv("UPDATE_GOLDEN") != NULL) {
			f = fopen(unit_data(path), "w");
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			fputs(got, f);
			fclose(f);
		}
		want = unit_slurp(unit_data(path), NULL);
		if (want == NULL || strcmp(want, got) != 0)
			fprintf(stderr, "\n%s differs:\n--- want\n%s"
			    "--- got\n%s", path, want != NULL ? want : "(none)\n", got);
		CU_ASSERT(want != NULL && strcmp(want, got) == 0);
		seen++;
		free(want);
		free(got);
		free(in);
next:
		free(names[i]);
	}
	free(names);
	CU_ASSERT(seen >= 20);
}

/* A bundle of <payload> signed by <k> for <site>. */
static char *
bundle(EVP_PKEY *k, const char *site, const char *payload, size_t *lenp)
{
	uint8_t		 md[32];
	unsigned int	 mdlen;
	char		 man[1024], sig[160], *b;
	size_t		 off, i, plen = strlen(payload);

	CU_ASSERT_FATAL(EVP_Digest(payload, plen, md, &mdlen, EVP_sha256(),
	    NULL) == 1);
	off = (size_t)snprintf(man, sizeof man, "twinproxy-bundle 1\nname: "
	    "app\nversion: 1.1\nproduct: *\nsite: %s\npayload-size: %zu\n"
	    "payload-sha256: ", site, plen);
	for (i = 0; i < sizeof md; i++)
		off += (size_t)snprintf(man + off, sizeof man - off, "%02x",
		    md[i]);
	off += (size_t)snprintf(man + off, sizeof man - off, "\n");
	CU_ASSERT_FATAL(mon_dist_sign(man, off, k, sig, sizeof sig) == 0);
	b = malloc(off + 200 + plen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	*lenp = (size_t)sprintf(b, "%ssignature: %s\n%s", man, sig, payload);
	return (b);
}

static void
test_mon_dist_verify(void)
{
	struct mon_dist_manifest	 m;
	struct mon_perr			 e;
	EVP_PKEY			*k, *other;
	char				*b;
	size_t				 len;

	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	b = bundle(k, "osaka-01", "the payload\n", &len);
	CU_ASSERT_EQUAL_FATAL(mon_dist_parse(b, len, &m, &e), 0);
	CU_ASSERT_EQUAL(mon_dist_verify(b, len, &m, k), MON_DIST_OK);
	/* Another key. */
	CU_ASSERT_EQUAL(mon_dist_verify(b, len, &m, other),
	    MON_DIST_BAD_SIGNATURE);
	/* A payload byte changed: the manifest still verifies. */
	b[len - 2] ^= 1;
	CU_ASSERT_EQUAL(mon_dist_verify(b, len, &m, k), MON_DIST_BAD_DIGEST);
	b[len - 2] ^= 1;
	/* A payload cut short, or longer. */
	CU_ASSERT_EQUAL(mon_dist_verify(b, len - 1, &m, k),
	    MON_DIST_BAD_DIGEST);
	/* A manifest byte changed (site osaka-01 to osaka-02). */
	*strstr(b, "osaka-01") = 'O';
	CU_ASSERT_EQUAL(mon_dist_parse(b, len, &m, &e), -1);
	*strstr(b, "Osaka-01") = 'o';
	strstr(b, "osaka-01")[7] = '2';
	CU_ASSERT_EQUAL_FATAL(mon_dist_parse(b, len, &m, &e), 0);
	CU_ASSERT_EQUAL(mon_dist_verify(b, len, &m, k),
	    MON_DIST_BAD_SIGNATURE);
	free(b);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

static void
test_mon_dist_version(void)
{
	struct mon_dist_version	a, b;

	CU_ASSERT_EQUAL(mon_dist_version_parse("1.2", 3, &a), 0);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1.2.0", 5, &b), 0);
	CU_ASSERT_EQUAL(mon_dist_version_cmp(&a, &b), 0);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1.10", 4, &b), 0);
	CU_ASSERT(mon_dist_version_cmp(&a, &b) < 0);
	CU_ASSERT(mon_dist_version_cmp(&b, &a) > 0);
	CU_ASSERT_EQUAL(mon_dist_version_parse("999999999", 9, &a), 0);
	CU_ASSERT_EQUAL(a.part[0], 999999999U);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1000000000", 10, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse("", 0, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1.", 2, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse(".1", 2, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1..2", 4, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse("01", 2, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse("0", 1, &a), 0);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1.2.3.4", 7, &a), 0);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1.2.3.4.5", 9, &a), -1);
	CU_ASSERT_EQUAL(mon_dist_version_parse("1-2", 3, &a), -1);
}

static void
test_mon_dist_applies(void)
{
	struct mon_dist_manifest	m;

	memset(&m, 0, sizeof m);
	strlcpy(m.site[0], "osaka-01", sizeof m.site[0]);
	m.nsite = 1;
	strlcpy(m.product[0], "0.1.0", sizeof m.product[0]);
	m.nproduct = 1;
	m.roles = MON_DIST_ROLE_STANDBY | MON_DIST_ROLE_ACTIVE;
	CU_ASSERT_EQUAL(mon_dist_version_parse("1.2", 3, &m.version), 0);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_STANDBY, NULL), MON_DIST_OK);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_ACTIVE, "1.1.9"), MON_DIST_OK);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "kyoto-02", "0.1.0",
	    MON_ROLE_STANDBY, NULL), MON_DIST_OTHER_SITE);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.2.0",
	    MON_ROLE_STANDBY, NULL), MON_DIST_OTHER_PRODUCT);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_SINGLE, NULL), MON_DIST_OTHER_ROLE);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_STARTING, NULL), MON_DIST_OTHER_ROLE);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_STANDBY, "1.2"), MON_DIST_DOWNGRADE);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_STANDBY, "1.2.0"), MON_DIST_DOWNGRADE);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "osaka-01", "0.1.0",
	    MON_ROLE_STANDBY, "2"), MON_DIST_DOWNGRADE);
	strlcpy(m.site[0], "*", sizeof m.site[0]);
	strlcpy(m.product[0], "*", sizeof m.product[0]);
	CU_ASSERT_EQUAL(mon_dist_applies(&m, "kyoto-02", "9.9",
	    MON_ROLE_STANDBY, NULL), MON_DIST_OK);
	CU_ASSERT_STRING_EQUAL(mon_dist_verdict_name(MON_DIST_DOWNGRADE),
	    "downgrade");
}

/* The pair order: standby first, the active after, nobody after a failure. */
static void
test_mon_dist_gate(void)
{
	struct mon_dist_peer	p[2];

	memset(p, 0, sizeof p);
	p[0].role = MON_ROLE_ACTIVE;
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_STANDBY, p, 1),
	    MON_GATE_OFFER);
	p[0].role = MON_ROLE_STANDBY;
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_ACTIVE, p, 1),
	    MON_GATE_WAIT_STANDBY);
	p[0].holds = 1;
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_ACTIVE, p, 1), MON_GATE_OFFER);
	p[1].role = MON_ROLE_STANDBY;
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_ACTIVE, p, 2),
	    MON_GATE_WAIT_STANDBY);
	p[1].failed = 1;
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_STANDBY, p, 2),
	    MON_GATE_STOPPED);
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_ACTIVE, p, 2),
	    MON_GATE_STOPPED);
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_STARTING, NULL, 0),
	    MON_GATE_WAIT_ROLE);
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_FAULT, NULL, 0),
	    MON_GATE_WAIT_ROLE);
	/* Alone: a single peer, or an active whose partner is not known. */
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_SINGLE, NULL, 0),
	    MON_GATE_OFFER);
	CU_ASSERT_EQUAL(mon_dist_gate(MON_ROLE_ACTIVE, NULL, 0),
	    MON_GATE_OFFER);
	CU_ASSERT_STRING_EQUAL(mon_dist_gate_name(MON_GATE_WAIT_STANDBY),
	    "wait-standby");
}

/* A manifest over 8 KiB is refused before its end is looked for. */
static void
test_mon_dist_parse_too_large(void)
{
	struct mon_dist_manifest	 m;
	struct mon_perr			 e;
	char				*b;
	size_t				 off;
	size_t				 len = MON_DIST_MANIFEST_MAX + 4096;

	b = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	off = (size_t)sprintf(b, "twinproxy-bundle 1\n");
	while (off + 40 < len)
		off += (size_t)sprintf(b + off, "description: %024zu\n", off);
	CU_ASSERT_EQUAL(mon_dist_parse(b, off, &m, &e), -1);
	/* A second description is a duplicate before any size limit. */
	CU_ASSERT_EQUAL(e.code, MON_E_DUPLICATE);
	off = (size_t)sprintf(b, "twinproxy-bundle 1\n");
	while (off + 40 < len)
		off += (size_t)sprintf(b + off, "site: osaka-%024zu\n", off);
	CU_ASSERT_EQUAL(mon_dist_parse(b, off, &m, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_TOO_MANY);
	off = (size_t)sprintf(b, "twinproxy-bundle 1\n");
	while (off + 40 < len)
		off += (size_t)sprintf(b + off, "product: *\n");
	CU_ASSERT_EQUAL(mon_dist_parse(b, off, &m, &e), -1);
	CU_ASSERT_EQUAL(e.code, MON_E_TOO_MANY);
	/* Long lines that fit no limit. */
	memset(b, 'a', len);
	memcpy(b, "twinproxy-bundle 1\ndescription: ", 32);
	CU_ASSERT_EQUAL(mon_dist_parse(b, len, &m, &e), -1);
	CU_ASSERT(e.code == MON_E_LINE_LONG || e.code == MON_E_TOO_LARGE);
	free(b);
}

/* When a certificate is due for renewal. */
static void
test_mon_renew_due(void)
{
	const uint64_t	d30 = 30ULL * 86400 * 1000;

	CU_ASSERT(!mon_renew_due(1000 + 31 * 86400, 1000, d30));
	CU_ASSERT(mon_renew_due(1000 + 30 * 86400, 1000, d30));
	CU_ASSERT(mon_renew_due(1000 + 29 * 86400, 1000, d30));
	CU_ASSERT(mon_renew_due(500, 1000, 1000));	/* ended already */
	CU_ASSERT(!mon_renew_due(500, 1000, 0));	/* never */
}

static CU_TestInfo tests[] = {
	{ "test_mon_dist_golden", test_mon_dist_golden },
	{ "test_mon_dist_verify", test_mon_dist_verify },
	{ "test_mon_dist_version", test_mon_dist_version },
	{ "test_mon_dist_applies", test_mon_dist_applies },
	{ "test_mon_dist_gate", test_mon_dist_gate },
	{ "test_mon_dist_parse_too_large", test_mon_dist_parse_too_large },
	{ "test_mon_renew_due", test_mon_renew_due },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_dist_suite, "mon_dist", tests)
