/*
 * mon_dist_center.c: the center's half of signed distribution. Bundles
 * published with "twinctl center dist-publish" are kept in dist-dir as
 * NAME-VERSION.bundle; the center only relays them (it holds no key that
 * could sign one, and checks no signature: the agents do).
 *
 * POST /dist, authenticated as a report is, carries the device's held
 * versions (mon_dist_state) and is answered
 *	204	nothing for this device now, or
 *	200	the bundle: the newest that applies to the device's site,
 *		product and role, newer than what it holds, failed and
 *		refused, and that the pair order lets through
 *		(mon_dist_gate, with the roles of the latest reports and the
 *		held versions of the other devices' latest polls).
 * The held versions live in memory only: every poll brings them again,
 * so after a restart the center waits one poll of each device.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cfg.h"
#include "ctl.h"
#include "ev.h"
#include "http.h"
#include "log.h"
#include "mon_center.h"
#include "mon_dist.h"
#include "mon_renew.h"
#include "xmalloc.h"

#define DC_BUNDLES	256	/* published bundles kept */
#define DC_DEVICES	4096	/* devices whose held versions are known */

struct dc_bundle {
	char			*path;
	struct mon_dist_manifest m;
};

struct dc_device {
	char			 site[MON_SITE_MAX + 1];
	char			 name[MON_NAME_MAX + 1];
	struct mon_dist_state	 st;
};

struct mon_dist_center {
	struct mon_center	*c;
	struct dc_bundle	*b;
	size_t			 nb;
	struct dc_device	*d;
	size_t			 nd;
	uint64_t		 offered;
};

/* The devices of one site from the store, for the gate. */
struct dc_site {
	const char		*site;
	struct mon_store_device	 dev[MON_AUTH_MAXDEV];
	size_t			 n;
};

static int	dc_load(struct mon_dist_center *, const char *, char **);
static char	*dc_read(const char *, size_t, size_t *, char **);
static struct dc_device *dc_device(struct mon_dist_center *, const char *,
		    const char *, int);
static int	dc_site_cb(void *, const struct mon_store_site *,
		    const struct mon_store_device *, size_t);
static enum mon_role dc_role(const char *);
static int	dc_holds(const struct mon_dist_held *,
		    const struct mon_dist_version *);
static int	dc_blocked(const struct mon_dist_held *,
		    const struct mon_dist_version *);
static const struct dc_bundle *dc_choose(struct mon_dist_center *,
		    const char *, const char *, const struct dc_site *,
		    enum mon_dist_gate *);
static int	dc_publish(struct mon_dist_center *, const char *, char *,
		    size_t);

/*
 * Both factors of a request to an agents' endpoint, as for a report:
 * 0 with the certificate's site and the device's name in <site> and
 * <device>, or -1 with <resp> answered.
 */
int
mon_dist_center_auth(struct mon_center *c, const struct mon_httpd_req *req,
    struct mon_httpd_resp *resp, char *site, char *device)
{
	struct mon_center_dev	 d;
	char			 what[64];

	if (req->msg->method != HTTP_METHOD_POST) {
		resp->allow = "POST";
		mon_httpd_text(resp, 405, "POST only");
		return (-1);
	}
	snprintf(what, sizeof what, " (%.*s)", (int)req->msg->path_len,
	    req->msg->path);
	if (mon_center_device(c, req, what, &d) == -1) {
		if (d.status == 403)
			resp->close = 1;
		mon_httpd_text(resp, d.status, "%s", d.why);
		return (-1);
	}
	strlcpy(site, d.site, MON_SITE_MAX + 1);
	strlcpy(device, d.name, MON_NAME_MAX + 1);
	return (0);
}

/* Read at most <max> bytes of <path>. */
static char *
dc_read(const char *path, size_t max, size_t *lenp, char **cause)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0, want;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &sb) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (NULL);
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size >
	    MON_DIST_PAYLOAD_MAX + MON_DIST_MANIFEST_MAX) {
		xasprintf(cause, "%s: not a bundle-sized regular file", path);
		close(fd);
		return (NULL);
	}
	want = (size_t)sb.st_size < max ? (size_t)sb.st_size : max;
	buf = xmalloc(want + 1);
	while (off < want) {
		if ((n = read(fd, buf + off, want - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			xasprintf(cause, "%s: short read", path);
			free(buf);
			close(fd);
			return (NULL);
		}
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*lenp = off;
	return (buf);
}

/* Add bundle file <path> to the list: its manifest must parse. */
static int
dc_load(struct mon_dist_center *dc, const char *path, char **cause)
{
	struct mon_dist_manifest m;
	struct mon_perr		 e;
	char			*buf, ebuf[256];
	size_t			 len;

	if ((buf = dc_read(path, MON_DIST_MANIFEST_MAX, &len, cause)) == NULL)
		return (-1);
	/* The payload's length is checked by the agents; the head here. */
	if (mon_dist_parse(buf, len, &m, &e) == -1) {
		xasprintf(cause, "%s: %s", path, mon_perr_fmt(&e, ebuf,
		    sizeof ebuf));
		free(buf);
		return (-1);
	}
	free(buf);
	if (dc->nb == DC_BUNDLES) {
		xasprintf(cause, "more than %d bundles published", DC_BUNDLES);
		return (-1);
	}
	dc->b = xreallocarray(dc->b, dc->nb + 1, sizeof *dc->b);
	dc->b[dc->nb].path = xstrdup(path);
	dc->b[dc->nb].m = m;
	dc->nb++;
	return (0);
}

/* The center's distribution: the bundles of dist-dir. */
struct mon_dist_center *
mon_dist_center_new(struct mon_center *c)
{
	struct mon_dist_center	*dc;
	struct dirent		*de;
	DIR			*dir;
	const char		*dd = c->cfg->center.dist_dir;
	char			*path, *cause;
	size_t			 n;

	dc = xcalloc(1, sizeof *dc);
	dc->c = c;
	/* Made by the first publication, not here: nothing published yet. */
	if ((dir = opendir(dd)) == NULL) {
		if (errno != ENOENT)
			log_warn("dist-dir %s", dd);
		return (dc);
	}
	while ((de = readdir(dir)) != NULL) {
		n = strlen(de->d_name);
		if (n < 8 || strcmp(de->d_name + n - 7, ".bundle") != 0)
			continue;
		xasprintf(&path, "%s/%s", dd, de->d_name);
		if (dc_load(dc, path, &cause) == -1) {
			log_warnx("dist-dir: %s; not offered", cause);
			free(cause);
		}
		free(path);
	}
	closedir(dir);
	log_info("dist-dir %s: %zu bundle%s published", dd, dc->nb,
	    dc->nb == 1 ? "" : "s");
	return (dc);
}

void
mon_dist_center_free(struct mon_dist_center *dc)
{
	size_t	i;

	if (dc == NULL)
		return;
	for (i = 0; i < dc->nb; i++)
		free(dc->b[i].path);
	free(dc->b);
	free(dc->d);
	free(dc);
	mon_renew_center_fini();
}

/* A device's held versions; <add>: a new entry (NULL when full). */
static struct dc_device *
dc_device(struct mon_dist_center *dc, const char *site, const char *name,
    int add)
{
	size_t	i;

	for (i = 0; i < dc->nd; i++)
		if (strcmp(dc->d[i].site, site) == 0 &&
		    strcmp(dc->d[i].name, name) == 0)
			return (&dc->d[i]);
	if (!add || dc->nd == DC_DEVICES)
		return (NULL);
	dc->d = xreallocarray(dc->d, dc->nd + 1, sizeof *dc->d);
	memset(&dc->d[dc->nd], 0, sizeof dc->d[dc->nd]);
	strlcpy(dc->d[dc->nd].site, site, sizeof dc->d[dc->nd].site);
	strlcpy(dc->d[dc->nd].name, name, sizeof dc->d[dc->nd].name);
	return (&dc->d[dc->nd++]);
}

static int
dc_site_cb(void *arg, const struct mon_store_site *s,
    const struct mon_store_device *d, size_t n)
{
	struct dc_site	*ds = arg;

	if (strcmp(s->name, ds->site) != 0)
		return (0);
	ds->n = n < MON_AUTH_MAXDEV ? n : MON_AUTH_MAXDEV;
	memcpy(ds->dev, d, ds->n * sizeof *d);
	return (1);
}

/* A role as the store keeps it (the report's word). */
static enum mon_role
dc_role(const char *s)
{
	int	r;

	for (r = MON_ROLE_STARTING; r <= MON_ROLE_SINGLE; r++)
		if (strcmp(s, mon_role_name((enum mon_role)r)) == 0)
			return ((enum mon_role)r);
	return (MON_ROLE_STARTING);
}

/* Whether held entry <h> has version <v> or newer installed. */
static int
dc_holds(const struct mon_dist_held *h, const struct mon_dist_version *v)
{
	struct mon_dist_version	have;

	return (h != NULL && h->installed[0] != '\0' &&
	    mon_dist_version_parse(h->installed, strlen(h->installed),
	    &have) == 0 && mon_dist_version_cmp(&have, v) >= 0);
}

/*
 * Whether version <v> is at or below what the device failed or refused:
 * a newer bundle supersedes a bad one, an older one is not tried again.
 */
static int
dc_blocked(const struct mon_dist_held *h, const struct mon_dist_version *v)
{
	struct mon_dist_version	bad;

	if (h == NULL)
		return (0);
	if (h->failed[0] != '\0' && mon_dist_version_parse(h->failed,
	    strlen(h->failed), &bad) == 0 &&
	    mon_dist_version_cmp(v, &bad) <= 0)
		return (1);
	if (h->refused[0] != '\0' && mon_dist_version_parse(h->refused,
	    strlen(h->refused), &bad) == 0 &&
	    mon_dist_version_cmp(v, &bad) <= 0)
		return (1);
	return (0);
}

/*
 * The bundle for device <name> of <site> now, or NULL with the gate that
 * held the best one back in <gate> (MON_GATE_OFFER: nothing to offer).
 */
static const struct dc_bundle *
dc_choose(struct mon_dist_center *dc, const char *site, const char *name,
    const struct dc_site *ds, enum mon_dist_gate *gate)
{
	const struct dc_bundle	*best = NULL;
	struct dc_device	*self, *od;
	struct mon_dist_held	*h;
	struct mon_dist_peer	 peers[MON_AUTH_MAXDEV];
	const char		*software = "", *inst;
	enum mon_role		 role = MON_ROLE_STARTING;
	size_t			 i, j, np;

	*gate = MON_GATE_OFFER;
	self = dc_device(dc, site, name, 0);
	for (i = 0; i < ds->n; i++)
		if (strcmp(ds->dev[i].name, name) == 0) {
			role = dc_role(ds->dev[i].role);
			software = ds->dev[i].software;
		}
	for (i = 0; i < dc->nb; i++) {
		const struct mon_dist_manifest *m = &dc->b[i].m;

		h = self != NULL ? mon_dist_state_get(&self->st, m->name, 0) :
		    NULL;
		inst = h != NULL ? h->installed : NULL;
		if (mon_dist_applies(m, site, software, role, inst) !=
		    MON_DIST_OK)
			continue;
		if (dc_blocked(h, &m->version))
			continue;
		if (best != NULL && strcmp(best->m.name, m->name) == 0 &&
		    mon_dist_version_cmp(&best->m.version, &m->version) >= 0)
			continue;
		/* The pair order, against every other device of the site. */
		for (j = 0, np = 0; j < ds->n; j++) {
			if (strcmp(ds->dev[j].name, name) == 0 ||
			    ds->dev[j].revoked)
				continue;
			od = dc_device(dc, site, ds->dev[j].name, 0);
			h = od != NULL ? mon_dist_state_get(&od->st, m->name,
			    0) : NULL;
			peers[np].role = dc_role(ds->dev[j].role);
			peers[np].holds = dc_holds(h, &m->version);
			peers[np].failed = dc_blocked(h, &m->version);
			np++;
		}
		if ((*gate = mon_dist_gate(role, peers, np)) != MON_GATE_OFFER)
			continue;
		best = &dc->b[i];
	}
	if (best != NULL)
		*gate = MON_GATE_OFFER;
	return (best);
}

/* POST /dist (and whatever mon_renew_center.c takes); 0: not ours. */
int
mon_dist_center_handle(struct mon_center *c, const struct mon_httpd_req *req,
    struct mon_httpd_resp *resp)
{
	struct mon_dist_center	*dc = c->dist;
	const struct http_msg	*m = req->msg;
	const struct dc_bundle	*b;
	struct mon_dist_state	 st;
	struct dc_device	*dev;
	struct dc_site		 ds;
	struct mon_perr		 e;
	enum mon_dist_gate	 gate;
	char			 site[MON_SITE_MAX + 1];
	char			 name[MON_NAME_MAX + 1], ebuf[256];
	char			*buf, *cause;
	size_t			 len;

	if (m->path_len == 6 && memcmp(m->path, "/renew", 6) == 0)
		return (mon_renew_center_handle(c, req, resp));
	if (m->path_len != 5 || memcmp(m->path, "/dist", 5) != 0)
		return (0);
	if (dc == NULL) {
		mon_httpd_text(resp, 404, "no distribution here");
		return (1);
	}
	if (mon_dist_center_auth(c, req, resp, site, name) == -1)
		return (1);
	if (mon_dist_state_parse(req->body, req->body_len, &st, &e) == -1) {
		log_warnx("dist poll of %s/%s: %s", site, name,
		    mon_perr_fmt(&e, ebuf, sizeof ebuf));
		mon_httpd_text(resp, 400, "bad poll: %s", ebuf);
		return (1);
	}
	if ((dev = dc_device(dc, site, name, 1)) != NULL)
		dev->st = st;
	memset(&ds, 0, sizeof ds);
	ds.site = site;
	if (mon_store_site_list(c->store, dc_site_cb, &ds, &cause) == -1) {
		log_warnx("dist poll of %s/%s: store: %s", site, name, cause);
		mon_httpd_text(resp, 503, "try again");
		return (1);
	}
	if ((b = dc_choose(dc, site, name, &ds, &gate)) == NULL) {
		if (gate != MON_GATE_OFFER)
			log_debug("dist %s/%s: a bundle waits: %s", site, name,
			    mon_dist_gate_name(gate));
		resp->status = 204;
		return (1);
	}
	if ((buf = dc_read(b->path, MON_DIST_PAYLOAD_MAX +
	    MON_DIST_MANIFEST_MAX, &len, &cause)) == NULL) {
		log_warnx("dist %s/%s: %s", site, name, cause);
		mon_httpd_text(resp, 503, "try again");
		return (1);
	}
	dc->offered++;
	log_info("dist: bundle %s %s to site %s device %s", b->m.name,
	    b->m.vtext, site, name);
	resp->status = 200;
	resp->ctype = "application/octet-stream";
	evbuffer_add(resp->body, buf, len);
	free(buf);
	return (1);
}

/* Copy bundle <file> into dist-dir and offer it. */
static int
dc_publish(struct mon_dist_center *dc, const char *file, char *msg,
    size_t len)
{
	struct mon_dist_manifest m;
	struct mon_perr		 e;
	const char		*dd = dc->c->cfg->center.dist_dir;
	char			*buf, *cause, *path, *tmp, ebuf[256];
	size_t			 n, i, off = 0;
	ssize_t			 w;
	int			 fd;

	if ((buf = dc_read(file, MON_DIST_PAYLOAD_MAX + MON_DIST_MANIFEST_MAX,
	    &n, &cause)) == NULL) {
		snprintf(msg, len, "%s", cause);
		free(cause);
		return (-1);
	}
	if (mon_dist_parse(buf, n, &m, &e) == -1) {
		snprintf(msg, len, "%s: %s", file, mon_perr_fmt(&e, ebuf,
		    sizeof ebuf));
		free(buf);
		return (-1);
	}
	for (i = 0; i < dc->nb; i++)
		if (strcmp(dc->b[i].m.name, m.name) == 0 &&
		    mon_dist_version_cmp(&dc->b[i].m.version, &m.version) ==
		    0) {
			snprintf(msg, len, "bundle %s %s is published already "
			    "(a new bundle needs a new version)", m.name,
			    m.vtext);
			free(buf);
			return (-1);
		}
	if (mkdir(dd, 0755) == -1 && errno != EEXIST) {
		snprintf(msg, len, "dist-dir %s: %s", dd, strerror(errno));
		free(buf);
		return (-1);
	}
	xasprintf(&path, "%s/%s-%s.bundle", dd, m.name, m.vtext);
	xasprintf(&tmp, "%s.new", path);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1)
		goto fail;
	while (off < n) {
		if ((w = write(fd, buf + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1)
		goto fail;
	free(buf);
	free(tmp);
	if (dc_load(dc, path, &cause) == -1) {
		snprintf(msg, len, "%s", cause);
		free(cause);
		free(path);
		return (-1);
	}
	free(path);
	log_info("published bundle %s %s (%" PRIu64 " bytes of payload)",
	    m.name, m.vtext, m.payload_size);
	snprintf(msg, len, "published bundle %s %s", m.name, m.vtext);
	return (0);
fail:
	snprintf(msg, len, "%s: %s", tmp, strerror(errno));
	(void)unlink(tmp);
	free(tmp);
	free(path);
	free(buf);
	return (-1);
}

/* "dist-publish FILE", "dist-list": the control socket's commands. */
int
mon_dist_center_ctl(struct ctl_conn *cc, int argc, char **argv, void *arg)
{
	struct mon_center	*c = arg;
	struct mon_dist_center	*dc = c->dist;
	struct mon_dist_held	*h;
	char			 msg[512];
	size_t			 i, j;

	if (strcmp(argv[0], "dist-publish") == 0) {
		if (argc != 2) {
			ctl_error(cc, "usage: dist-publish BUNDLE-FILE");
			return (-1);
		}
		if (dc_publish(dc, argv[1], msg, sizeof msg) == -1) {
			ctl_error(cc, "%s", msg);
			return (-1);
		}
		ctl_printf(cc, "%s", msg);
		return (0);
	}
	for (i = 0; i < dc->nb; i++)
		ctl_printf(cc, "bundle %s %s sites %zu payload %" PRIu64,
		    dc->b[i].m.name, dc->b[i].m.vtext, dc->b[i].m.nsite,
		    dc->b[i].m.payload_size);
	for (i = 0; i < dc->nd; i++)
		for (j = 0; j < dc->d[i].st.n; j++) {
			h = &dc->d[i].st.h[j];
			ctl_printf(cc, "device %s %s bundle %s installed %s "
			    "failed %s refused %s", dc->d[i].site,
			    dc->d[i].name, h->name, h->installed[0] != '\0' ?
			    h->installed : "-", h->failed[0] != '\0' ?
			    h->failed : "-", h->refused[0] != '\0' ?
			    h->refused : "-");
		}
	ctl_printf(cc, "offered %" PRIu64, dc->offered);
	return (0);
}
