/*
 * mon_auth.c: the two-factor decision (certificate CN and device ID) and
 * the device ID file: generated once at install, read with the checks
 * due to a secret.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mon_auth.h"

static const struct {
	const char	*name;
	const char	*desc;
} results[] = {
	[MON_AUTH_OK] = { "ok", "accepted" },
	[MON_AUTH_NO_CERT] = { "no-certificate",
	    "no client certificate" },
	[MON_AUTH_CERT_UNTRUSTED] = { "certificate-untrusted",
	    "client certificate not issued by the site CA" },
	[MON_AUTH_CERT_REVOKED] = { "certificate-revoked",
	    "client certificate revoked" },
	[MON_AUTH_CERT_EXPIRED] = { "certificate-expired",
	    "client certificate expired" },
	[MON_AUTH_BAD_CN] = { "bad-cn",
	    "certificate CN is not a site ID" },
	[MON_AUTH_MALFORMED_ID] = { "malformed-device-id",
	    "device ID missing or not 32 lowercase hex digits" },
	[MON_AUTH_UNKNOWN_SITE] = { "unknown-site",
	    "certificate of a site not registered" },
	[MON_AUTH_DEVICE_REVOKED] = { "device-revoked",
	    "device revoked at the center" },
	[MON_AUTH_ID_OTHER_SITE] = { "device-of-other-site",
	    "device ID registered for another site than the certificate's" },
	[MON_AUTH_WRONG_ID] = { "wrong-device-id",
	    "good certificate but device ID not registered for the site" },
};

/* Short fixed name of a result, for counters and log keys. */
const char *
mon_auth_result_name(enum mon_auth_result r)
{
	if ((unsigned int)r > MON_AUTH_WRONG_ID)
		return ("?");
	return (results[r].name);
}

/* A sentence for the log. */
const char *
mon_auth_result_desc(enum mon_auth_result r)
{
	if ((unsigned int)r > MON_AUTH_WRONG_ID)
		return ("?");
	return (results[r].desc);
}

/* Parse 32 lowercase hex digits into 16 bytes. */
int
mon_devid_parse(const char *s, uint8_t *raw)
{
	static const char	hex[] = "0123456789abcdef";
	const char		*hi, *lo;
	size_t			 i;

	if (s == NULL || strlen(s) != MON_DEVID_HEXLEN)
		return (-1);
	for (i = 0; i < MON_DEVID_BYTES; i++) {
		if (s[2 * i] == '\0' || s[2 * i + 1] == '\0' ||
		    (hi = strchr(hex, s[2 * i])) == NULL ||
		    (lo = strchr(hex, s[2 * i + 1])) == NULL)
			return (-1);
		raw[i] = (uint8_t)((hi - hex) << 4 | (lo - hex));
	}
	return (0);
}

/* The registry's form of an ID: SHA-256 of its 16 bytes. */
void
mon_devid_hash(const uint8_t *raw, uint8_t *hash)
{
	unsigned int	len = MON_DEVID_HASHLEN;

	EVP_Digest(raw, MON_DEVID_BYTES, hash, &len, EVP_sha256(), NULL);
}

/* Hash an ID in text form; -1 if it is malformed. */
int
mon_devid_hash_str(const char *s, uint8_t *hash)
{
	uint8_t	raw[MON_DEVID_BYTES];

	if (mon_devid_parse(s, raw) == -1)
		return (-1);
	mon_devid_hash(raw, hash);
	OPENSSL_cleanse(raw, sizeof raw);
	return (0);
}

/*
 * Decide whether a device may talk to the center. <cn> is the verified
 * certificate's CN (NULL if none), <cert> what TLS said about the chain,
 * <devid> the presented device ID (NULL if none) and <v> the registry's
 * view of the CN's site. On MON_AUTH_OK, *<match> is the index in v->dev
 * of the device. Certificate problems come first: an untrusted chain's CN
 * means nothing, so no registry lookup result is reported for it.
 */
enum mon_auth_result
mon_auth_decide(const char *cn, enum mon_cert_status cert, const char *devid,
    const struct mon_auth_view *v, size_t *match)
{
	uint8_t		hash[MON_DEVID_HASHLEN];
	size_t		i, idx = 0;
	unsigned int	found = 0, eq;

	switch (cert) {
	case MON_CERT_OK:
		break;
	case MON_CERT_EXPIRED:
		return (MON_AUTH_CERT_EXPIRED);
	case MON_CERT_REVOKED:
		return (MON_AUTH_CERT_REVOKED);
	case MON_CERT_NONE:
		return (MON_AUTH_NO_CERT);
	default:
		return (MON_AUTH_CERT_UNTRUSTED);
	}
	if (cn == NULL || !mon_site_valid(cn))
		return (MON_AUTH_BAD_CN);
	if (mon_devid_hash_str(devid, hash) == -1)
		return (MON_AUTH_MALFORMED_ID);
	if (!v->site_exists)
		return (MON_AUTH_UNKNOWN_SITE);
	/* Every device is compared, without a branch on the outcome. */
	for (i = 0; i < v->ndev && i < MON_AUTH_MAXDEV; i++) {
		eq = CRYPTO_memcmp(hash, v->dev[i].hash, sizeof hash) == 0;
		idx |= i & ((size_t)0 - (eq & !found));
		found |= eq;
	}
	if (found) {
		if (v->dev[idx].revoked)
			return (MON_AUTH_DEVICE_REVOKED);
		if (match != NULL)
			*match = idx;
		return (MON_AUTH_OK);
	}
	if (v->id_site[0] != '\0' && strcmp(v->id_site, cn) != 0)
		return (MON_AUTH_ID_OTHER_SITE);
	return (MON_AUTH_WRONG_ID);
}

/* Sync the folder holding <path>, so a new name in it is durable. */
static int
sync_parent(const char *path)
{
	char	buf[PATH_MAX];
	int	fd, rv;

	if (strlcpy(buf, path, sizeof buf) >= sizeof buf)
		return (-1);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return (-1);
	rv = fsync(fd);
	close(fd);
	return (rv);
}

/*
 * Create the device ID file <path> with a new random ID, mode 0600, and
 * return the ID in <out> (at least 33 bytes). An existing file is never
 * replaced: the center knows the ID it holds.
 */
int
mon_devid_generate(const char *path, char *out, size_t outlen, char **cause)
{
	static char	 errbuf[PATH_MAX + 128];
	static const char hex[] = "0123456789abcdef";
	uint8_t		 raw[MON_DEVID_BYTES];
	char		 text[MON_DEVID_HEXLEN + 2], tmp[PATH_MAX];
	size_t		 i;
	ssize_t		 n;
	int		 fd = -1, rv = -1;

	*cause = errbuf;
	if (outlen < MON_DEVID_HEXLEN + 1 ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		snprintf(errbuf, sizeof errbuf, "%s: name too long", path);
		return (-1);
	}
	for (i = 0; i < sizeof raw; i += n)
		if ((n = getrandom(raw + i, sizeof raw - i, 0)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			snprintf(errbuf, sizeof errbuf, "getrandom: %s",
			    strerror(errno));
			goto out;
		}
	for (i = 0; i < sizeof raw; i++) {
		text[2 * i] = hex[raw[i] >> 4];
		text[2 * i + 1] = hex[raw[i] & 15];
	}
	text[MON_DEVID_HEXLEN] = '\n';
	text[MON_DEVID_HEXLEN + 1] = '\0';
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || fchmod(fd, 0600) == -1 ||
	    write(fd, text, MON_DEVID_HEXLEN + 1) != MON_DEVID_HEXLEN + 1 ||
	    fsync(fd) == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	/* link() fails on an existing name, where rename() would replace. */
	if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			snprintf(errbuf, sizeof errbuf, "%s: exists already; "
			    "a device ID is never replaced", path);
		else
			snprintf(errbuf, sizeof errbuf, "%s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (sync_parent(path) == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	memcpy(out, text, MON_DEVID_HEXLEN);
	out[MON_DEVID_HEXLEN] = '\0';
	rv = 0;
out:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(text, sizeof text);
	return (rv);
}

/*
 * Read the device ID from <path> into <out> (at least 33 bytes). The file
 * must be a regular file owned by root or by this user, with no access
 * for group or others, holding 32 lowercase hex digits and an optional
 * newline.
 */
int
mon_devid_read(const char *path, char *out, size_t outlen, char **cause)
{
	static char	 errbuf[PATH_MAX + 128];
	struct stat	 sb;
	uint8_t		 raw[MON_DEVID_BYTES];
	char		 buf[MON_DEVID_HEXLEN + 3];
	ssize_t		 n;
	int		 fd, rv = -1;

	*cause = errbuf;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(errbuf, sizeof errbuf, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(errbuf, sizeof errbuf, "%s: group or others may "
		    "access it (mode %03o); it must be 0600", path,
		    (unsigned int)sb.st_mode & 0777);
		goto out;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		snprintf(errbuf, sizeof errbuf, "%s: owned by uid %u, neither "
		    "root nor this user", path, (unsigned int)sb.st_uid);
		goto out;
	}
	n = read(fd, buf, sizeof buf - 1);
	if (n == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	if (n == MON_DEVID_HEXLEN + 1 && buf[MON_DEVID_HEXLEN] == '\n')
		buf[MON_DEVID_HEXLEN] = '\0';
	if (outlen < MON_DEVID_HEXLEN + 1 || mon_devid_parse(buf, raw) == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: not a device ID (32 "
		    "lowercase hex digits)", path);
		goto out;
	}
	memcpy(out, buf, MON_DEVID_HEXLEN + 1);
	rv = 0;
out:
	close(fd);
	OPENSSL_cleanse(buf, sizeof buf);
	OPENSSL_cleanse(raw, sizeof raw);
	return (rv);
}
