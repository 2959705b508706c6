/*
 * mon_dist.h: signed distribution. The center publishes bundles; each
 * agent polls for them, decides whether one applies, downloads it,
 * verifies it and installs it in stages with a rollback, and reports the
 * outcome as an event.
 *
 * A bundle is one file: a manifest of strict text lines, its last line
 * the Ed25519 signature of every byte before that line, then the payload
 * (a tar archive) of exactly payload-size bytes:
 *
 *	twinproxy-bundle 1
 *	name: proxy-fix
 *	version: 1.2.0
 *	product: 0.1.0
 *	site: osaka-01
 *	role: standby
 *	role: active
 *	description: the cache keeps Vary
 *	payload-size: 10240
 *	payload-sha256: 64 lowercase hex digits
 *	signature: 128 lowercase hex digits
 *	<payload bytes>
 *
 * product and site repeat (at least one each; "*" is any); role may
 * repeat (active, standby, single; none means every role). Versions are
 * one to four dot-separated numbers and compare numerically; a bundle is
 * installed only when its version is newer than the one installed of the
 * same name. The grammar is that of the reports (mon_report.h: LF alone,
 * printable ASCII, "key: value"), but unknown keys are refused: a
 * manifest says what may be installed where, and an agent that skipped a
 * condition it did not understand would install where it should not.
 *
 * The distribution key is the center's own, distinct from every TLS key,
 * and kept offline (twin-cert dist): the center only relays bundles, so
 * taking over the center does not let anyone install code on the sites.
 *
 * An agent tells the center what it holds in every poll, in the same
 * line grammar, which is also what it keeps on disk across restarts:
 *
 *	twinproxy-dist 1
 *	installed: proxy-fix 1.2.0
 *	failed: proxy-fix 1.3.0
 *	refused: other 2.0
 *
 * The center offers a device the newest bundle that applies to its site
 * and that is newer than what the device holds, failed and refused (a
 * newer bundle supersedes a bad one, an older one is not tried); it never
 * updates the two peers of a pair at once: the standby first, the active
 * only once every other device of the site holds the version (it reports
 * "installed" only after its health check passed). mon_dist_gate() is
 * that decision, a pure function of the roles the reports gave.
 */
#ifndef MON_DIST_H
#define MON_DIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "mon_report.h"

#define MON_DIST_MAGIC		"twinproxy-bundle"
#define MON_DIST_STATE_MAGIC	"twinproxy-dist"
#define MON_DIST_MANIFEST_MAX	8192	/* bytes of a manifest */
#define MON_DIST_LINE_MAX	512
#define MON_DIST_PRODUCTS	16
#define MON_DIST_SITES		64
#define MON_DIST_PARTS		4	/* numbers in a version */
#define MON_DIST_VERSION_MAX	48	/* "1.2.3.4" as text */
#define MON_DIST_NAME_MAX	64
#define MON_DIST_PAYLOAD_MAX	(64ULL << 20)	/* bytes */
#define MON_DIST_SHA256_LEN	32
#define MON_DIST_SIG_LEN	64	/* Ed25519 */
#define MON_DIST_STATE_MAX	32	/* bundle names an agent keeps */
#define MON_DIST_BUNDLE_MAX	(MON_DIST_PAYLOAD_MAX + MON_DIST_MANIFEST_MAX)

/* A version: up to four numbers. */
struct mon_dist_version {
	uint32_t		 part[MON_DIST_PARTS];
	unsigned int		 n;
};

/* The roles a bundle applies to, a bit each. */
#define MON_DIST_ROLE_ACTIVE	0x1
#define MON_DIST_ROLE_STANDBY	0x2
#define MON_DIST_ROLE_SINGLE	0x4
#define MON_DIST_ROLE_ALL	0x7

struct mon_dist_manifest {
	char			 name[MON_DIST_NAME_MAX + 1];
	struct mon_dist_version	 version;
	char			 vtext[MON_DIST_VERSION_MAX + 1];
	char		 product[MON_DIST_PRODUCTS][MON_SOFTWARE_MAX + 1];
	size_t			 nproduct;
	char			 site[MON_DIST_SITES][MON_SITE_MAX + 1];
	size_t			 nsite;
	unsigned int		 roles;
	char			 descr[MON_TEXT_MAX + 1];
	uint64_t		 payload_size;
	uint8_t			 sha256[MON_DIST_SHA256_LEN];
	uint8_t			 sig[MON_DIST_SIG_LEN];
	size_t			 signed_len;	/* bytes the signature covers */
	size_t			 payload_off;	/* where the payload starts */
};

/* Why a bundle is not installed. */
enum mon_dist_verdict {
	MON_DIST_OK,
	MON_DIST_MALFORMED,	/* the manifest does not parse */
	MON_DIST_BAD_SIGNATURE,
	MON_DIST_BAD_DIGEST,	/* payload size or SHA-256 wrong */
	MON_DIST_OTHER_SITE,
	MON_DIST_OTHER_PRODUCT,
	MON_DIST_OTHER_ROLE,
	MON_DIST_DOWNGRADE	/* not newer than the installed version */
};

/* What an agent holds of one bundle name. */
struct mon_dist_held {
	char			 name[MON_DIST_NAME_MAX + 1];
	char			 installed[MON_DIST_VERSION_MAX + 1]; /* "" */
	char			 failed[MON_DIST_VERSION_MAX + 1];
	char			 refused[MON_DIST_VERSION_MAX + 1];
};

struct mon_dist_state {
	struct mon_dist_held	 h[MON_DIST_STATE_MAX];
	size_t			 n;
};

/* Another device of the site, as the center sees it for the gate. */
struct mon_dist_peer {
	enum mon_role		 role;
	int			 holds;		/* has the version installed */
	int			 failed;	/* failed or refused it */
};

enum mon_dist_gate {
	MON_GATE_OFFER,
	MON_GATE_WAIT_ROLE,	/* starting or fault: no role to go by */
	MON_GATE_WAIT_STANDBY,	/* active: the others first */
	MON_GATE_STOPPED	/* another device failed the version */
};

/* mon_dist.c */
int		 mon_dist_parse(const char *, size_t,
		     struct mon_dist_manifest *, struct mon_perr *);
int		 mon_dist_version_parse(const char *, size_t,
		     struct mon_dist_version *);
int		 mon_dist_version_cmp(const struct mon_dist_version *,
		     const struct mon_dist_version *);
int		 mon_dist_name_valid(const char *, size_t);
enum mon_dist_verdict mon_dist_verify(const char *, size_t,
		     const struct mon_dist_manifest *, EVP_PKEY *);
enum mon_dist_verdict mon_dist_applies(const struct mon_dist_manifest *,
		     const char *, const char *, enum mon_role, const char *);
const char	*mon_dist_verdict_name(enum mon_dist_verdict);
unsigned int	 mon_dist_role_bit(enum mon_role);
int		 mon_dist_sign(const char *, size_t, EVP_PKEY *, char *,
		     size_t);
EVP_PKEY	*mon_dist_key_read(const char *, int, char **);
int		 mon_dist_state_parse(const char *, size_t,
		     struct mon_dist_state *, struct mon_perr *);
size_t		 mon_dist_state_encode(const struct mon_dist_state *, char *,
		     size_t);
struct mon_dist_held *mon_dist_state_get(struct mon_dist_state *,
		     const char *, int);
enum mon_dist_gate mon_dist_gate(enum mon_role,
		     const struct mon_dist_peer *, size_t);
const char	*mon_dist_gate_name(enum mon_dist_gate);

struct mon_agent;
struct mon_center;
struct mon_dist_agent;
struct mon_dist_center;
struct mon_httpd_req;
struct mon_httpd_resp;
struct ctl_conn;
struct mon_snap;

/* mon_dist_agent.c */
struct mon_dist_agent *mon_dist_agent_new(struct mon_agent *, char **);
void		 mon_dist_agent_free(struct mon_dist_agent *);
void		 mon_dist_agent_polled(struct mon_dist_agent *,
		     const struct mon_snap *);
int		 mon_dist_agent_local(struct mon_dist_agent *, const char *,
		     char *, size_t);
void		 mon_dist_agent_status(struct mon_dist_agent *,
		     struct ctl_conn *);

/* mon_dist_priv.c */
struct cfg;
char		*mon_dist_workdir(const struct cfg *);
int		 mon_dist_job(const struct cfg *, int, int, const char *,
		     size_t, pid_t *, char *, size_t, int *);
int		 mon_dist_priv(const struct cfg *, int, int, const char *,
		     size_t, char *, size_t, int *);
int		 mon_dist_write(const char *, const char *, size_t, mode_t);
char		*mon_dist_read(const char *, size_t *, char *, size_t);
void		 mon_dist_msgf(char *, size_t, const char *, ...)
		     __attribute__((format(printf, 3, 4)));

/* mon_dist_center.c */
struct mon_dist_center *mon_dist_center_new(struct mon_center *);
void		 mon_dist_center_free(struct mon_dist_center *);
int		 mon_dist_center_handle(struct mon_center *,
		     const struct mon_httpd_req *, struct mon_httpd_resp *);
int		 mon_dist_center_ctl(struct ctl_conn *, int, char **, void *);
int		 mon_dist_center_auth(struct mon_center *,
		     const struct mon_httpd_req *, struct mon_httpd_resp *,
		     char *, char *);

#endif
