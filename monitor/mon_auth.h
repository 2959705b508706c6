/*
 * mon_auth.h: the two factors a device presents to the center.
 *
 * 1. A client certificate, issued by the center's own CA, whose CN is the
 *    site ID; both peers of a pair hold their site's certificate.
 * 2. A device ID: 128 random bits drawn with getrandom() at install,
 *    written as 32 lowercase hex digits to a file of mode 0600, and
 *    registered at the center for that site. The center keeps only the
 *    SHA-256 of the ID's bytes, so its database holds no credential; the
 *    device sends the ID in a request header, never in a report body.
 *
 * The decision is a pure function of what TLS verified and of the
 * registry's view of the certificate's site and of the presented ID; it
 * names the reason for every refusal so the center's log tells an expired
 * certificate from a copied one. The ID is compared in constant time
 * against every device of the site, matched or not.
 */
#ifndef MON_AUTH_H
#define MON_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "mon_report.h"

#define MON_DEVID_BYTES		16
#define MON_DEVID_HEXLEN	(MON_DEVID_BYTES * 2)
#define MON_DEVID_HASHLEN	32	/* SHA-256 */
#define MON_AUTH_MAXDEV		16	/* devices per site */
/* The request header field that carries the device ID. */
#define MON_DEVID_FIELD		"Twinproxy-Device-ID"

/* What TLS said about the client's certificate chain. */
enum mon_cert_status {
	MON_CERT_NONE,		/* no certificate presented */
	MON_CERT_OK,		/* verified against the site CA */
	MON_CERT_EXPIRED,	/* chain fine, validity period over */
	MON_CERT_REVOKED,	/* on the CA's revocation list */
	MON_CERT_UNTRUSTED	/* any other verification failure */
};

enum mon_auth_result {
	MON_AUTH_OK,
	MON_AUTH_NO_CERT,
	MON_AUTH_CERT_UNTRUSTED,
	MON_AUTH_CERT_REVOKED,
	MON_AUTH_CERT_EXPIRED,
	MON_AUTH_BAD_CN,	/* verified, but the CN is not a site ID */
	MON_AUTH_MALFORMED_ID,
	MON_AUTH_UNKNOWN_SITE,
	MON_AUTH_DEVICE_REVOKED,
	MON_AUTH_ID_OTHER_SITE,	/* a registered ID, of another site */
	MON_AUTH_WRONG_ID	/* good certificate, ID not registered */
};

/* One registered device of a site. */
struct mon_auth_dev {
	uint8_t		 hash[MON_DEVID_HASHLEN];
	int		 revoked;
	int64_t		 id;		/* the store's row, for the caller */
	char		 name[MON_NAME_MAX + 1];	/* for the caller */
};

/*
 * The registry's view: the certificate CN's site and its devices, and
 * which site (if any) has a device with the presented ID's hash.
 */
struct mon_auth_view {
	int			 site_exists;
	struct mon_auth_dev	 dev[MON_AUTH_MAXDEV];
	size_t			 ndev;
	char			 id_site[MON_SITE_MAX + 1]; /* "" if none */
};

/* mon_auth.c */
enum mon_auth_result mon_auth_decide(const char *, enum mon_cert_status,
		     const char *, const struct mon_auth_view *, size_t *);
const char	*mon_auth_result_name(enum mon_auth_result);
const char	*mon_auth_result_desc(enum mon_auth_result);
int		 mon_devid_parse(const char *, uint8_t *);
void		 mon_devid_hash(const uint8_t *, uint8_t *);
int		 mon_devid_hash_str(const char *, uint8_t *);
int		 mon_devid_generate(const char *, char *, size_t, char **);
int		 mon_devid_read(const char *, char *, size_t, char **);

#endif
