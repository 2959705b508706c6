/*
 * mon_renew.h: renewal and revocation of the sites' client certificates.
 *
 * The agent watches its certificate's end. Once it is within
 * cert-renew-before, it makes a new key (EC P-256) and a request whose CN
 * is its site ID, and posts the request over its current, two-factor
 * authenticated session (POST /renew). The center checks that the CN is
 * the site the credentials prove, has its site CA sign it (twin-cert ca
 * sign on ca-dir: one CA, one index and serial, whoever signs) and
 * answers with the certificate. The agent checks the certificate against
 * its key, its site and the CA, writes key and certificate as a new
 * composite file, keeps the old one as FILE.old (a hard link) and renames
 * the new one over FILE: the switch is atomic, and a crash leaves either
 * file whole. The first report that passes with the new certificate
 * removes FILE.old and spools a cert-renewed event; three failures in a
 * row put FILE.old back.
 *
 * The center raises a "certificate" alarm for a device whose reports
 * come with a certificate that ends within certificate-alarm (renewal did
 * not happen), and clears it once a report comes with one that does not.
 * "twinctl center cert-revoke SERIAL" revokes a certificate in the CA
 * (twin-cert ca revoke writes the CRL) and reloads the center's TLS, so
 * the certificate is refused during the handshake from then on.
 */
#ifndef MON_RENEW_H
#define MON_RENEW_H

#include <stdint.h>
#include <time.h>

struct ctl_conn;
struct mon_agent;
struct mon_center;
struct mon_httpd_req;
struct mon_httpd_resp;
struct mon_renew;

/* mon_renew.c */
int		 mon_renew_due(int64_t, time_t, uint64_t);
struct mon_renew *mon_renew_new(struct mon_agent *);
void		 mon_renew_free(struct mon_renew *);
void		 mon_renew_check(struct mon_renew *);
void		 mon_renew_result(struct mon_renew *, int);
void		 mon_renew_status(struct mon_renew *, struct ctl_conn *);

/* mon_renew_center.c */
int		 mon_renew_center_handle(struct mon_center *,
		     const struct mon_httpd_req *, struct mon_httpd_resp *);
void		 mon_renew_center_seen(struct mon_center *,
		     const struct mon_httpd_req *, const char *, const char *);
int		 mon_renew_center_ctl(struct ctl_conn *, int, char **, void *);
void		 mon_renew_center_fini(void);

#endif
