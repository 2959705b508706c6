/*
 * ha_wire.c: the heartbeat wire format (see ha.h), its HMAC-SHA256
 * authentication and the config fingerprint. Whether an authentic
 * heartbeat is fresh is decided in ha_replay.c.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cfg.h"
#include "ha.h"

static void	put16(unsigned char *, uint16_t);
static void	put32(unsigned char *, uint32_t);
static void	put64(unsigned char *, uint64_t);
static uint32_t	get32(const unsigned char *);
static uint64_t	get64(const unsigned char *);
static void	put_addr(unsigned char *, const struct addr *);
static int	wire_inst(const unsigned char *, struct ha_hb_inst *);

static const char *const ha_wire_errnames[HA_RX_NERR] = {
	"ok", "truncated", "malformed", "forged", "other version",
	"wrong sender", "replayed", "out of window", "wrong challenge"
};

/* Name a receive error, for logs and counters. */
const char *
ha_wire_errname(enum ha_wire_err e)
{
	if (e < 0 || e >= HA_RX_NERR)
		return ("?");
	return (ha_wire_errnames[e]);
}

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
get64(const unsigned char *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

/* Write an address as 16 bytes, IPv4 first and zero-padded. */
static void
put_addr(unsigned char *p, const struct addr *a)
{
	memset(p, 0, 16);
	if (a->af == AF_INET)
		memcpy(p, &a->u.v4, 4);
	else if (a->af == AF_INET6)
		memcpy(p, &a->u.v6, 16);
}

/* Compute HMAC-SHA256 of <data> under <key> into <out> (32 bytes). */
int
ha_wire_hmac(const unsigned char *key, size_t keylen,
    const unsigned char *data, size_t len, unsigned char *out)
{
	unsigned int	outlen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out,
	    &outlen) == NULL || outlen != HA_WIRE_MACLEN)
		return (-1);
	return (0);
}

/*
 * Serialise and sign a heartbeat into <buf> (HA_WIRE_MAXLEN bytes, or
 * HA_WIRE_LEN for one without instances); return its length: version 2
 * when <hb> has no instance records, else version 3.
 */
size_t
ha_wire_encode(const struct ha_hb *hb, const unsigned char *key,
    size_t keylen, unsigned char *buf)
{
	unsigned char	*r;
	size_t		 i, n = hb->ninst > HA_MAXINST ? HA_MAXINST : hb->ninst;
	size_t		 body = HA_WIRE_BODY + n * HA_WIRE_INSTLEN;

	memset(buf, 0, body + HA_WIRE_MACLEN);
	memcpy(buf, HA_WIRE_MAGIC, 4);
	buf[4] = n > 0 ? HA_WIRE_VERSION_MULTI : HA_WIRE_VERSION;
	buf[5] = HA_WIRE_TYPE_HB;
	buf[6] = hb->sender.af == AF_INET6 ? 6 : 4;
	buf[7] = hb->flags;
	put_addr(buf + 8, &hb->sender);
	buf[24] = hb->role;
	buf[25] = hb->state;
	buf[26] = n;
	put32(buf + 28, hb->interval);
	put64(buf + 32, hb->fingerprint);
	put64(buf + 40, hb->seq);
	put64(buf + 48, hb->echo);
	for (i = 0; i < n; i++) {
		r = buf + HA_WIRE_BODY + i * HA_WIRE_INSTLEN;
		r[0] = hb->inst[i].fip.a.af == AF_INET6 ? 6 : 4;
		r[1] = hb->inst[i].fip.plen;
		r[2] = hb->inst[i].pref;
		r[3] = hb->inst[i].state;
		r[4] = hb->inst[i].flags;
		put_addr(r + 8, &hb->inst[i].fip.a);
	}
	if (ha_wire_hmac(key, keylen, buf, body, buf + body) == -1)
		memset(buf + body, 0, HA_WIRE_MACLEN);
	return (body + HA_WIRE_MACLEN);
}

/* Check and parse one instance record of a version 3 heartbeat. */
static int
wire_inst(const unsigned char *r, struct ha_hb_inst *in)
{
	static const unsigned char	zero[12];

	if ((r[0] != 4 && r[0] != 6) || r[1] > (r[0] == 4 ? 32 : 128) ||
	    r[2] > 1 || r[3] > HA_FAULT ||
	    (r[4] & ~(HA_F_YIELD | HA_F_FORCE)) != 0 || r[5] != 0 ||
	    r[6] != 0 || r[7] != 0 ||
	    (r[0] == 4 && memcmp(r + 12, zero, sizeof zero) != 0))
		return (-1);
	memset(in, 0, sizeof *in);
	if (r[0] == 4) {
		in->fip.a.af = AF_INET;
		memcpy(&in->fip.a.u.v4, r + 8, 4);
	} else {
		in->fip.a.af = AF_INET6;
		memcpy(&in->fip.a.u.v6, r + 8, 16);
	}
	in->fip.plen = r[1];
	in->pref = r[2];
	in->state = r[3];
	in->flags = r[4];
	return (0);
}

/*
 * Check and parse a received heartbeat. Only the length and the magic are
 * looked at before the HMAC, which is verified in constant time: every
 * other byte, the version included, is trusted only once authentic, so a
 * forged packet cannot pass for an old peer. Freshness is checked
 * separately (ha_replay_check), once the sender is known to be the
 * partner. <hb> is filled only when HA_RX_OK is returned.
 */
enum ha_wire_err
ha_wire_decode(const unsigned char *buf, size_t len, const unsigned char *key,
    size_t keylen, struct ha_hb *hb)
{
	static const unsigned char	zero[12];
	unsigned char			mac[HA_WIRE_MACLEN];
	size_t				body, n = 0, i;
	uint8_t				flags;

	if (len < HA_WIRE_LEN || len > HA_WIRE_MAXLEN ||
	    (len - HA_WIRE_LEN) % HA_WIRE_INSTLEN != 0)
		return (HA_RX_TRUNCATED);
	if (memcmp(buf, HA_WIRE_MAGIC, 4) != 0)
		return (HA_RX_MALFORMED);
	body = len - HA_WIRE_MACLEN;
	if (ha_wire_hmac(key, keylen, buf, body, mac) == -1 ||
	    CRYPTO_memcmp(mac, buf + body, HA_WIRE_MACLEN) != 0)
		return (HA_RX_FORGED);
	if (buf[4] == HA_WIRE_VERSION) {
		if (len != HA_WIRE_LEN || buf[26] != 0)
			return (HA_RX_MALFORMED);
		flags = HA_F_HEALTHY | HA_F_YIELD | HA_F_FORCE | HA_F_HEARS;
	} else if (buf[4] == HA_WIRE_VERSION_MULTI) {
		n = buf[26];
		if (n == 0 || n > HA_MAXINST ||
		    len != HA_WIRE_LEN + n * HA_WIRE_INSTLEN)
			return (HA_RX_MALFORMED);
		flags = HA_F_HEALTHY | HA_F_HEARS;
	} else
		return (HA_RX_VERSION);
	if (buf[5] != HA_WIRE_TYPE_HB || (buf[6] != 4 && buf[6] != 6) ||
	    (buf[7] & ~flags) != 0 || buf[24] > 1 || buf[25] > HA_FAULT ||
	    buf[27] != 0)
		return (HA_RX_MALFORMED);
	/* An IPv4 address is zero-padded; the sequence starts at 1. */
	if ((buf[6] == 4 && memcmp(buf + 12, zero, sizeof zero) != 0) ||
	    get64(buf + 40) == 0)
		return (HA_RX_MALFORMED);
	memset(hb, 0, sizeof *hb);
	for (i = 0; i < n; i++)
		if (wire_inst(buf + HA_WIRE_BODY + i * HA_WIRE_INSTLEN,
		    &hb->inst[i]) == -1)
			return (HA_RX_MALFORMED);
	hb->ninst = n;
	if (buf[6] == 4) {
		hb->sender.af = AF_INET;
		memcpy(&hb->sender.u.v4, buf + 8, 4);
	} else {
		hb->sender.af = AF_INET6;
		memcpy(&hb->sender.u.v6, buf + 8, 16);
	}
	hb->flags = buf[7];
	hb->role = buf[24];
	hb->state = buf[25];
	hb->interval = get32(buf + 28);
	hb->fingerprint = get64(buf + 32);
	hb->seq = get64(buf + 40);
	hb->echo = get64(buf + 48);
	return (HA_RX_OK);
}

/*
 * Fingerprint what both peers must agree on: the pair of real addresses
 * (in canonical order, so both sides compute the same value) and the
 * floating IPs with their prefixes, in config order. The first 8 bytes of
 * a SHA-256.
 */
uint64_t
ha_wire_fingerprint(const struct addr *self, const struct addr *partner,
    const struct cidr *fip, size_t nfip)
{
	EVP_MD_CTX		*ctx;
	const struct addr	*lo = self, *hi = partner;
	unsigned char		 b[18], md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	size_t			 i;

	if (addr_cmp(self, partner) > 0) {
		lo = partner;
		hi = self;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (0);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "twinproxy-ha-1", 14);
	b[0] = lo->af == AF_INET6 ? 6 : 4;
	put_addr(b + 1, lo);
	EVP_DigestUpdate(ctx, b, 17);
	b[0] = hi->af == AF_INET6 ? 6 : 4;
	put_addr(b + 1, hi);
	EVP_DigestUpdate(ctx, b, 17);
	for (i = 0; i < nfip; i++) {
		b[0] = fip[i].a.af == AF_INET6 ? 6 : 4;
		put_addr(b + 1, &fip[i].a);
		b[17] = fip[i].plen;
		EVP_DigestUpdate(ctx, b, 18);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	return (get64(md));
}

/*
 * Fingerprint a pair with per-address preferences: the real addresses as
 * above, then each floating IP with its prefix and which of the two real
 * addresses normally holds it (<self_holds>[i]), sorted by address, so
 * two mirrored files (a's 'prefer self' is b's 'prefer partner') give the
 * same value whatever their order, and any disagreement a different one.
 */
uint64_t
ha_wire_fingerprint_multi(const struct addr *self, const struct addr *partner,
    const struct cidr *fip, const int *self_holds, size_t nfip)
{
	EVP_MD_CTX		*ctx;
	const struct addr	*lo = self, *hi = partner;
	unsigned char		 b[19], md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	size_t			 i, j, k, ord[HA_MAXINST];
	int			 self_lo = 1;

	if (nfip > HA_MAXINST)
		nfip = HA_MAXINST;
	if (addr_cmp(self, partner) > 0) {
		lo = partner;
		hi = self;
		self_lo = 0;
	}
	/* Insertion sort of at most HA_MAXINST indexes. */
	for (i = 0; i < nfip; i++) {
		for (j = i; j > 0 && addr_cmp(&fip[ord[j - 1]].a,
		    &fip[i].a) > 0; j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (0);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "twinproxy-ha-3", 14);
	b[0] = lo->af == AF_INET6 ? 6 : 4;
	put_addr(b + 1, lo);
	EVP_DigestUpdate(ctx, b, 17);
	b[0] = hi->af == AF_INET6 ? 6 : 4;
	put_addr(b + 1, hi);
	EVP_DigestUpdate(ctx, b, 17);
	for (k = 0; k < nfip; k++) {
		i = ord[k];
		b[0] = fip[i].a.af == AF_INET6 ? 6 : 4;
		put_addr(b + 1, &fip[i].a);
		b[17] = fip[i].plen;
		/* 0: the lower real address holds it, 1: the higher. */
		b[18] = (self_holds[i] != 0) != self_lo;
		EVP_DigestUpdate(ctx, b, 19);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	return (get64(md));
}
