/*
 * mon_dist.c: the pure parts of signed distribution: the bundle manifest
 * and agent state parsers (untrusted bytes, fuzzed by fuzz_mon_dist),
 * versions, the Ed25519 signature and SHA-256 digest checks, whether a
 * bundle applies to a device, and the center's pair-order gate. See
 * mon_dist.h for the formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "mon_dist.h"

/* One "key: value" line as the lexer cut it. */
struct dline {
	const char	*key;
	size_t		 klen;
	const char	*val;
	size_t		 vlen;
	unsigned int	 no;
};

/* Manifest keys, a bit each for the single ones. */
enum {
	K_NAME = 0x01, K_VERSION = 0x02, K_DESCR = 0x04, K_SIZE = 0x08,
	K_SHA = 0x10
};

static void	derr(struct mon_perr *, enum mon_perr_code, unsigned int,
		    const char *, size_t, const char *);
static int	dline_next(const char *, size_t, size_t *, struct dline *,
		    struct mon_perr *);
static int	dkey(const struct dline *, const char *);
static int	dhex(const char *, size_t, uint8_t *, size_t);
static int	dmagic(const char *, size_t, size_t *, const char *,
		    struct mon_perr *);
static int	manifest_line(struct mon_dist_manifest *, const struct dline *,
		    unsigned int *, struct mon_perr *);
static int	dname_version(const struct dline *, char *, char *,
		    struct mon_perr *);

static const char *const verdicts[] = {
	[MON_DIST_OK] = "ok",
	[MON_DIST_MALFORMED] = "malformed",
	[MON_DIST_BAD_SIGNATURE] = "bad-signature",
	[MON_DIST_BAD_DIGEST] = "bad-digest",
	[MON_DIST_OTHER_SITE] = "other-site",
	[MON_DIST_OTHER_PRODUCT] = "other-product",
	[MON_DIST_OTHER_ROLE] = "other-role",
	[MON_DIST_DOWNGRADE] = "downgrade"
};

static const char *const gates[] = {
	[MON_GATE_OFFER] = "offer",
	[MON_GATE_WAIT_ROLE] = "wait-role",
	[MON_GATE_WAIT_STANDBY] = "wait-standby",
	[MON_GATE_STOPPED] = "stopped"
};

static void
derr(struct mon_perr *e, enum mon_perr_code code, unsigned int line,
    const char *field, size_t flen, const char *detail)
{
	memset(e, 0, sizeof *e);
	e->code = code;
	e->line = line;
	if (flen > MON_KEY_MAX)
		flen = MON_KEY_MAX;
	if (field != NULL)
		memcpy(e->field, field, flen);
	e->detail = detail;
}

/*
 * Cut the line at <*off> of <buf> into key and value, strictly: LF ends
 * it, printable ASCII only, "key: value" with a key of [a-z0-9-] and a
 * value neither empty nor with a space at either end. Returns 0 and
 * moves <*off> past the LF, or -1 with <e> set.
 */
static int
dline_next(const char *buf, size_t len, size_t *off, struct dline *l,
    struct mon_perr *e)
{
	const char	*p = buf + *off, *nl, *colon;
	size_t		 n, i;

	nl = memchr(p, '\n', len - *off);
	if (nl == NULL) {
		derr(e, MON_E_NO_NEWLINE, l->no, NULL, 0, NULL);
		return (-1);
	}
	n = (size_t)(nl - p);
	if (n > MON_DIST_LINE_MAX) {
		derr(e, MON_E_LINE_LONG, l->no, NULL, 0, NULL);
		return (-1);
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e) {
			derr(e, MON_E_CHAR, l->no, NULL, 0, NULL);
			return (-1);
		}
	if ((colon = memchr(p, ':', n)) == NULL || colon == p ||
	    (size_t)(colon - p) + 2 > n || colon[1] != ' ') {
		derr(e, MON_E_SYNTAX, l->no, NULL, 0, "not \"key: value\"");
		return (-1);
	}
	l->key = p;
	l->klen = (size_t)(colon - p);
	l->val = colon + 2;
	l->vlen = n - l->klen - 2;
	if (l->klen > MON_KEY_MAX) {
		derr(e, MON_E_KEY, l->no, p, l->klen, "too long");
		return (-1);
	}
	for (i = 0; i < l->klen; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-')) {
			derr(e, MON_E_KEY, l->no, p, l->klen, "bad character");
			return (-1);
		}
	if (l->vlen == 0 || l->val[0] == ' ' || l->val[l->vlen - 1] == ' ') {
		derr(e, MON_E_SYNTAX, l->no, p, l->klen,
		    "empty value or a space at an end");
		return (-1);
	}
	*off += n + 1;
	return (0);
}

static int
dkey(const struct dline *l, const char *k)
{
	return (l->klen == strlen(k) && memcmp(l->key, k, l->klen) == 0);
}

/* <n> bytes from exactly 2n lowercase hex digits. */
static int
dhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (slen != 2 * n)
		return (-1);
	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		if (!((hi >= '0' && hi <= '9') || (hi >= 'a' && hi <= 'f')) ||
		    !((lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f')))
			return (-1);
		out[i] = (uint8_t)(((hi <= '9' ? hi - '0' : hi - 'a' + 10) <<
		    4) | (lo <= '9' ? lo - '0' : lo - 'a' + 10));
	}
	return (0);
}

/* The first line: "<magic> 1". */
static int
dmagic(const char *buf, size_t len, size_t *off, const char *magic,
    struct mon_perr *e)
{
	size_t	ml = strlen(magic);
	char	want[64];

	if (len == 0) {
		derr(e, MON_E_EMPTY, 0, NULL, 0, NULL);
		return (-1);
	}
	snprintf(want, sizeof want, "%s 1\n", magic);
	if (len < ml + 1 || memcmp(buf, magic, ml) != 0 || buf[ml] != ' ') {
		derr(e, MON_E_MAGIC, 1, NULL, 0, NULL);
		return (-1);
	}
	if (len < strlen(want) || memcmp(buf, want, strlen(want)) != 0) {
		derr(e, MON_E_VERSION, 1, NULL, 0, "only version 1");
		return (-1);
	}
	*off = strlen(want);
	return (0);
}

/* A version: 1 to 4 numbers of at most 9 digits, no leading zeros. */
int
mon_dist_version_parse(const char *s, size_t len, struct mon_dist_version *v)
{
	size_t		i = 0, start;
	uint32_t	x;

	memset(v, 0, sizeof *v);
	if (len == 0 || len > MON_DIST_VERSION_MAX)
		return (-1);
	for (;;) {
		if (v->n == MON_DIST_PARTS)
			return (-1);
		start = i;
		x = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (i - start == 9)
				return (-1);
			x = x * 10 + (uint32_t)(s[i] - '0');
			i++;
		}
		if (i == start || (s[start] == '0' && i - start > 1))
			return (-1);
		v->part[v->n++] = x;
		if (i == len)
			return (0);
		if (s[i] != '.')
			return (-1);
		i++;
	}
}

/* <0, 0, >0 as a is older, the same, newer than b (1.2 == 1.2.0). */
int
mon_dist_version_cmp(const struct mon_dist_version *a,
    const struct mon_dist_version *b)
{
	unsigned int	i;

	for (i = 0; i < MON_DIST_PARTS; i++) {
		if (a->part[i] != b->part[i])
			return (a->part[i] < b->part[i] ? -1 : 1);
	}
	return (0);
}

/* A bundle name: [a-z0-9], then [a-z0-9._-], at most 64. */
int
mon_dist_name_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > MON_DIST_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (i > 0 && (s[i] == '.' || s[i] == '_' || s[i] == '-'))
			continue;
		return (0);
	}
	return (1);
}

/* One line of a manifest into <m>; <seen> holds the single keys seen. */
static int
manifest_line(struct mon_dist_manifest *m, const struct dline *l,
    unsigned int *seen, struct mon_perr *e)
{
	unsigned int	 bit = 0;
	const char	*errstr;
	char		 num[24];

	if (dkey(l, "name"))
		bit = K_NAME;
	else if (dkey(l, "version"))
		bit = K_VERSION;
	else if (dkey(l, "description"))
		bit = K_DESCR;
	else if (dkey(l, "payload-size"))
		bit = K_SIZE;
	else if (dkey(l, "payload-sha256"))
		bit = K_SHA;
	if (bit != 0 && (*seen & bit)) {
		derr(e, MON_E_DUPLICATE, l->no, l->key, l->klen, NULL);
		return (-1);
	}
	*seen |= bit;
	if (bit == K_NAME) {
		if (!mon_dist_name_valid(l->val, l->vlen))
			goto bad;
		memcpy(m->name, l->val, l->vlen);
		m->name[l->vlen] = '\0';
	} else if (bit == K_VERSION) {
		if (mon_dist_version_parse(l->val, l->vlen, &m->version) == -1)
			goto bad;
		memcpy(m->vtext, l->val, l->vlen);
		m->vtext[l->vlen] = '\0';
	} else if (bit == K_DESCR) {
		if (l->vlen > MON_TEXT_MAX)
			goto bad;
		memcpy(m->descr, l->val, l->vlen);
		m->descr[l->vlen] = '\0';
	} else if (bit == K_SIZE) {
		if (l->vlen >= sizeof num || (l->vlen > 1 && l->val[0] == '0'))
			goto bad;
		memcpy(num, l->val, l->vlen);
		num[l->vlen] = '\0';
		m->payload_size = (uint64_t)strtonum(num, 0,
		    (long long)MON_DIST_PAYLOAD_MAX, &errstr);
		if (errstr != NULL)
			goto bad;
	} else if (bit == K_SHA) {
		if (dhex(l->val, l->vlen, m->sha256, sizeof m->sha256) == -1)
			goto bad;
	} else if (dkey(l, "product")) {
		if (m->nproduct == MON_DIST_PRODUCTS) {
			derr(e, MON_E_TOO_MANY, l->no, l->key, l->klen, NULL);
			return (-1);
		}
		if (l->vlen > MON_SOFTWARE_MAX)
			goto bad;
		memcpy(m->product[m->nproduct], l->val, l->vlen);
		m->product[m->nproduct++][l->vlen] = '\0';
	} else if (dkey(l, "site")) {
		if (m->nsite == MON_DIST_SITES) {
			derr(e, MON_E_TOO_MANY, l->no, l->key, l->klen, NULL);
			return (-1);
		}
		if (l->vlen > MON_SITE_MAX)
			goto bad;
		memcpy(m->site[m->nsite], l->val, l->vlen);
		m->site[m->nsite][l->vlen] = '\0';
		if (strcmp(m->site[m->nsite], "*") != 0 &&
		    !mon_site_valid(m->site[m->nsite]))
			goto bad;
		m->nsite++;
	} else if (dkey(l, "role")) {
		if (l->vlen == 6 && memcmp(l->val, "active", 6) == 0)
			bit = MON_DIST_ROLE_ACTIVE;
		else if (l->vlen == 7 && memcmp(l->val, "standby", 7) == 0)
			bit = MON_DIST_ROLE_STANDBY;
		else if (l->vlen == 6 && memcmp(l->val, "single", 6) == 0)
			bit = MON_DIST_ROLE_SINGLE;
		else
			goto bad;
		if (m->roles & bit) {
			derr(e, MON_E_DUPLICATE, l->no, l->key, l->klen,
			    "the same role twice");
			return (-1);
		}
		m->roles |= bit;
	} else {
		derr(e, MON_E_KEY, l->no, l->key, l->klen, "unknown key");
		return (-1);
	}
	return (0);
bad:
	derr(e, MON_E_VALUE, l->no, l->key, l->klen, NULL);
	return (-1);
}

/*
 * Parse the manifest at the start of bundle <buf>. On success <m> says
 * what the signature covers (m->signed_len) and where the payload starts;
 * the payload itself is checked by mon_dist_verify().
 */
int
mon_dist_parse(const char *buf, size_t len, struct mon_dist_manifest *m,
    struct mon_perr *e)
{
	struct dline	 l;
	unsigned int	 seen = 0;
	size_t		 off, lim = len < MON_DIST_MANIFEST_MAX ? len :
			    MON_DIST_MANIFEST_MAX;
	static const struct {
		unsigned int	 bit;
		const char	*name;
	} need[] = {
		{ K_NAME, "name" }, { K_VERSION, "version" },
		{ K_SIZE, "payload-size" }, { K_SHA, "payload-sha256" }
	};
	size_t		 i;

	memset(m, 0, sizeof *m);
	memset(e, 0, sizeof *e);
	if (dmagic(buf, lim, &off, MON_DIST_MAGIC, e) == -1)
		return (-1);
	memset(&l, 0, sizeof l);
	l.no = 1;
	for (;;) {
		l.no++;
		if (off == lim) {
			derr(e, lim == len ? MON_E_MISSING : MON_E_TOO_LARGE,
			    lim == len ? 0 : l.no, "signature", 9, NULL);
			return (-1);
		}
		m->signed_len = off;
		if (dline_next(buf, lim, &off, &l, e) == -1) {
			if (e->code == MON_E_NO_NEWLINE && lim < len)
				derr(e, MON_E_TOO_LARGE, l.no, NULL, 0,
				    "manifest over 8192 bytes");
			return (-1);
		}
		if (dkey(&l, "signature"))
			break;
		if (manifest_line(m, &l, &seen, e) == -1)
			return (-1);
	}
	if (dhex(l.val, l.vlen, m->sig, sizeof m->sig) == -1) {
		derr(e, MON_E_VALUE, l.no, l.key, l.klen, NULL);
		return (-1);
	}
	for (i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!(seen & need[i].bit)) {
			derr(e, MON_E_MISSING, 0, need[i].name,
			    strlen(need[i].name), NULL);
			return (-1);
		}
	if (m->nproduct == 0) {
		derr(e, MON_E_MISSING, 0, "product", 7, NULL);
		return (-1);
	}
	if (m->nsite == 0) {
		derr(e, MON_E_MISSING, 0, "site", 4, NULL);
		return (-1);
	}
	if (m->roles == 0)
		m->roles = MON_DIST_ROLE_ALL;
	m->payload_off = off;
	return (0);
}

/*
 * Check a parsed bundle: the signature over the manifest with the
 * distribution's public key <pub>, then the payload's size and digest.
 */
enum mon_dist_verdict
mon_dist_verify(const char *buf, size_t len,
    const struct mon_dist_manifest *m, EVP_PKEY *pub)
{
	EVP_MD_CTX	*ctx;
	uint8_t		 md[MON_DIST_SHA256_LEN];
	unsigned int	 mdlen = 0;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (MON_DIST_BAD_SIGNATURE);
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, m->sig, sizeof m->sig,
	    (const unsigned char *)buf, m->signed_len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return (MON_DIST_BAD_SIGNATURE);
	if (len - m->payload_off != m->payload_size)
		return (MON_DIST_BAD_DIGEST);
	if (EVP_Digest(buf + m->payload_off, m->payload_size, md, &mdlen,
	    EVP_sha256(), NULL) != 1 || mdlen != sizeof md ||
	    CRYPTO_memcmp(md, m->sha256, sizeof md) != 0)
		return (MON_DIST_BAD_DIGEST);
	return (MON_DIST_OK);
}

unsigned int
mon_dist_role_bit(enum mon_role r)
{
	switch (r) {
	case MON_ROLE_ACTIVE:
		return (MON_DIST_ROLE_ACTIVE);
	case MON_ROLE_STANDBY:
		return (MON_DIST_ROLE_STANDBY);
	case MON_ROLE_SINGLE:
		return (MON_DIST_ROLE_SINGLE);
	default:
		return (0);
	}
}

/*
 * Whether bundle <m> applies to a device of <site> running <product> in
 * <role> that holds version <installed> ("" or NULL: none) of its name.
 */
enum mon_dist_verdict
mon_dist_applies(const struct mon_dist_manifest *m, const char *site,
    const char *product, enum mon_role role, const char *installed)
{
	struct mon_dist_version	v;
	size_t			i;

	for (i = 0; i < m->nsite; i++)
		if (strcmp(m->site[i], "*") == 0 ||
		    strcmp(m->site[i], site) == 0)
			break;
	if (i == m->nsite)
		return (MON_DIST_OTHER_SITE);
	for (i = 0; i < m->nproduct; i++)
		if (strcmp(m->product[i], "*") == 0 ||
		    strcmp(m->product[i], product) == 0)
			break;
	if (i == m->nproduct)
		return (MON_DIST_OTHER_PRODUCT);
	if (!(m->roles & mon_dist_role_bit(role)))
		return (MON_DIST_OTHER_ROLE);
	if (installed != NULL && installed[0] != '\0' &&
	    mon_dist_version_parse(installed, strlen(installed), &v) == 0 &&
	    mon_dist_version_cmp(&m->version, &v) <= 0)
		return (MON_DIST_DOWNGRADE);
	return (MON_DIST_OK);
}

const char *
mon_dist_verdict_name(enum mon_dist_verdict v)
{
	if ((unsigned int)v >= sizeof verdicts / sizeof verdicts[0])
		return ("?");
	return (verdicts[v]);
}

/*
 * Sign manifest bytes <buf> with Ed25519 key <key>: the signature as 128
 * hex digits into <out>. For twin-cert dist sign and the tests.
 */
int
mon_dist_sign(const char *buf, size_t len, EVP_PKEY *key, char *out,
    size_t outlen)
{
	EVP_MD_CTX	*ctx;
	uint8_t		 sig[MON_DIST_SIG_LEN];
	size_t		 siglen = sizeof sig, i;
	int		 ok;

	if (outlen < 2 * sizeof sig + 1 || (ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)buf,
	    len) == 1 && siglen == sizeof sig;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (-1);
	for (i = 0; i < sizeof sig; i++)
		snprintf(out + 2 * i, 3, "%02x", sig[i]);
	return (0);
}

/* "NAME VERSION" of a state line. */
static int
dname_version(const struct dline *l, char *name, char *version,
    struct mon_perr *e)
{
	struct mon_dist_version	 v;
	const char		*sp;
	size_t			 nl;

	if ((sp = memchr(l->val, ' ', l->vlen)) == NULL)
		goto bad;
	nl = (size_t)(sp - l->val);
	if (!mon_dist_name_valid(l->val, nl) ||
	    mon_dist_version_parse(sp + 1, l->vlen - nl - 1, &v) == -1)
		goto bad;
	memcpy(name, l->val, nl);
	name[nl] = '\0';
	memcpy(version, sp + 1, l->vlen - nl - 1);
	version[l->vlen - nl - 1] = '\0';
	return (0);
bad:
	derr(e, MON_E_VALUE, l->no, l->key, l->klen, "not \"NAME VERSION\"");
	return (-1);
}

/* The held entry for bundle <name>; <add>: made if missing (NULL: full). */
struct mon_dist_held *
mon_dist_state_get(struct mon_dist_state *st, const char *name, int add)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->h[i].name, name) == 0)
			return (&st->h[i]);
	if (!add || st->n == MON_DIST_STATE_MAX)
		return (NULL);
	memset(&st->h[st->n], 0, sizeof st->h[st->n]);
	strlcpy(st->h[st->n].name, name, sizeof st->h[st->n].name);
	return (&st->h[st->n++]);
}

/* Parse an agent's state: what it polls with and what it keeps. */
int
mon_dist_state_parse(const char *buf, size_t len, struct mon_dist_state *st,
    struct mon_perr *e)
{
	struct mon_dist_held	*h;
	struct dline		 l;
	char			 name[MON_DIST_NAME_MAX + 1];
	char			 ver[MON_DIST_VERSION_MAX + 1], *slot;
	size_t			 off;

	memset(st, 0, sizeof *st);
	memset(e, 0, sizeof *e);
	if (len > MON_DIST_MANIFEST_MAX) {
		derr(e, MON_E_TOO_LARGE, 0, NULL, 0, NULL);
		return (-1);
	}
	if (dmagic(buf, len, &off, MON_DIST_STATE_MAGIC, e) == -1)
		return (-1);
	memset(&l, 0, sizeof l);
	l.no = 1;
	while (off < len) {
		l.no++;
		if (dline_next(buf, len, &off, &l, e) == -1)
			return (-1);
		if (dname_version(&l, name, ver, e) == -1)
			return (-1);
		if ((h = mon_dist_state_get(st, name, 1)) == NULL) {
			derr(e, MON_E_TOO_MANY, l.no, l.key, l.klen, NULL);
			return (-1);
		}
		if (dkey(&l, "installed"))
			slot = h->installed;
		else if (dkey(&l, "failed"))
			slot = h->failed;
		else if (dkey(&l, "refused"))
			slot = h->refused;
		else {
			derr(e, MON_E_KEY, l.no, l.key, l.klen, "unknown key");
			return (-1);
		}
		if (*slot != '\0') {
			derr(e, MON_E_DUPLICATE, l.no, l.key, l.klen,
			    "the same bundle twice");
			return (-1);
		}
		strlcpy(slot, ver, MON_DIST_VERSION_MAX + 1);
	}
	return (0);
}

/* Encode <st>; the length, 0 if it does not fit <len>. */
size_t
mon_dist_state_encode(const struct mon_dist_state *st, char *buf, size_t len)
{
	const struct mon_dist_held	*h;
	size_t				 off, i;
	int				 n;

	n = snprintf(buf, len, "%s 1\n", MON_DIST_STATE_MAGIC);
	if (n < 0 || (size_t)n >= len)
		return (0);
	off = (size_t)n;
	for (i = 0; i < st->n; i++) {
		h = &st->h[i];
		n = snprintf(buf + off, len - off, "%s%s%s%s%s%s%s%s%s%s%s%s",
		    h->installed[0] != '\0' ? "installed: " : "",
		    h->installed[0] != '\0' ? h->name : "",
		    h->installed[0] != '\0' ? " " : "", h->installed,
		    h->installed[0] != '\0' ? "\n" : "",
		    h->failed[0] != '\0' ? "failed: " : "",
		    h->failed[0] != '\0' ? h->name : "",
		    h->failed[0] != '\0' ? " " : "", h->failed,
		    h->failed[0] != '\0' ? "\n" : "",
		    h->refused[0] != '\0' ? "refused: " : "",
		    h->refused[0] != '\0' ? h->name : "");
		if (n < 0 || (size_t)n >= len - off)
			return (0);
		off += (size_t)n;
		if (h->refused[0] != '\0') {
			n = snprintf(buf + off, len - off, " %s\n", h->refused);
			if (n < 0 || (size_t)n >= len - off)
				return (0);
			off += (size_t)n;
		}
	}
	return (off);
}

/*
 * The pair order: may a device in <role> get a version now, given the
 * other devices of its site? A standby (or a single peer) goes first;
 * the active only once every other device holds the version; nobody
 * once another device failed it. A device starting up or at fault
 * waits for a role.
 */
enum mon_dist_gate
mon_dist_gate(enum mon_role role, const struct mon_dist_peer *others,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (others[i].failed)
			return (MON_GATE_STOPPED);
	switch (role) {
	case MON_ROLE_STANDBY:
	case MON_ROLE_SINGLE:
		return (MON_GATE_OFFER);
	case MON_ROLE_ACTIVE:
		for (i = 0; i < n; i++)
			if (!others[i].holds)
				return (MON_GATE_WAIT_STANDBY);
		return (MON_GATE_OFFER);
	default:
		return (MON_GATE_WAIT_ROLE);
	}
}

const char *
mon_dist_gate_name(enum mon_dist_gate g)
{
	if ((unsigned int)g >= sizeof gates / sizeof gates[0])
		return ("?");
	return (gates[g]);
}
