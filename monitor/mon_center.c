/*
 * mon_center.c: the center's core: the report endpoint (both factors,
 * the report, the store, the alive timer), what alarms and events set
 * off (log line, notify script, mail), and the registry.
 *
 * The report endpoint, POST /report on an agent listener:
 *	403	the two factors do not match (mon_auth_decide: no or wrong
 *		device ID, another site's ID, unknown site, revoked device),
 *		or the report speaks for another site or device than the
 *		credentials; the log line names the reason
 *	400	the body is not a report (mon_report_decode's message)
 *	503	the store failed: nothing was acknowledged, the agent retries
 *	200	stored: the body is the acknowledgement, "ack" being the
 *		highest sequence number stored for the device, duplicates
 *		of a retried report included
 * Certificate problems (none, expired, revoked, another CA) never get
 * this far: TLS refuses them during the handshake, and mon_center_refused
 * logs them with the same reason names.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cfg.h"
#include "ev.h"
#include "http.h"
#include "http_field.h"
#include "log.h"
#include "mon_center.h"
#include "mon_dist.h"
#include "mon_renew.h"
#include "xmalloc.h"

static void	center_event_new(struct mon_center *, const char *,
		    const char *, const struct mon_event *);
static int	center_site_cb(void *, const struct mon_store_site *,
		    const struct mon_store_device *, size_t);
static void	center_alarm_timer_cb(evutil_socket_t, short, void *);

/* Wall-clock milliseconds: what reports, events and alarms are dated by. */
uint64_t
mon_center_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * Open the store and set up the alive timer of a center for <cfg>, in a
 * zeroed <c> (or one whose listeners are set up already: the daemon binds
 * them before dropping privileges, and opens the store after). A test can
 * run the endpoint on this alone, with a clock of its own in c->now.
 */
int
mon_center_init(struct mon_center *c, struct event_base *base,
    struct cfg *cfg, char **cause)
{
	int	from;

	c->base = base;
	c->cfg = cfg;
	if (c->now == NULL)
		c->now = mon_center_clock;
	if ((c->store = mon_store_open("sqlite", cfg->center.database,
	    cause)) == NULL)
		return (-1);
	if (mon_store_migrate(c->store, &from, cause) == -1) {
		mon_store_close(c->store);
		c->store = NULL;
		return (-1);
	}
	if (from != MON_STORE_SCHEMA_VERSION)
		log_info("database %s: schema version %d to %d",
		    cfg->center.database, from, MON_STORE_SCHEMA_VERSION);
	c->alarm = mon_alarm_new(mon_center_alarm_cb, c);
	c->notify = mon_notify_new();
	mon_notify_set(c->notify, cfg->center.notify, cfg->center.mail_to,
	    cfg->center.nmail_to, cfg->center.sendmail);
	if (base != NULL && (c->alarm_ev = evtimer_new(base,
	    center_alarm_timer_cb, c)) == NULL)
		fatalx("%s: out of memory", __func__);
	c->started = c->now();
	c->dist = mon_dist_center_new(c);
	return (0);
}

void
mon_center_fini(struct mon_center *c)
{
	if (c->alarm_ev != NULL)
		event_free(c->alarm_ev);
	mon_alarm_free(c->alarm);
	mon_notify_free(c->notify);
	mon_dist_center_free(c->dist);
	if (c->store != NULL)
		mon_store_close(c->store);
}

/* One registered site joins the alive timer. */
static int
center_site_cb(void *arg, const struct mon_store_site *s,
    const struct mon_store_device *d, size_t n)
{
	struct mon_center	*c = arg;

	if (mon_alarm_site_add(c->alarm, s->name,
	    c->cfg->center.alive_timeout, c->now()) == -1)
		mon_alarm_site_timeout(c->alarm, s->name,
		    c->cfg->center.alive_timeout, c->now());
	return (0);
}

/*
 * Watch every registered site (at start, and again on reload for a new
 * alive-timeout); a site first heard of now has a whole timeout to
 * report before its alarm.
 */
int
mon_center_sites_load(struct mon_center *c, char **cause)
{
	if (mon_store_site_list(c->store, center_site_cb, c, cause) == -1)
		return (-1);
	mon_center_tick(c);
	return (0);
}

/* Arm the alarm timer for the earliest deadline. */
void
mon_center_arm(struct mon_center *c)
{
	struct timeval	tv;
	uint64_t	next, now;

	if (c->alarm_ev == NULL)
		return;
	evtimer_del(c->alarm_ev);
	if ((next = mon_alarm_next(c->alarm)) == MON_ALARM_NEVER)
		return;
	now = c->now();
	ev_tv(&tv, next > now ? next - now : 0);
	evtimer_add(c->alarm_ev, &tv);
}

/* Time passes for the alarms. */
void
mon_center_tick(struct mon_center *c)
{
	mon_alarm_tick(c->alarm, c->now());
	mon_center_arm(c);
}

static void
center_alarm_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	mon_center_tick(arg);
}

/*
 * A site, or one of its devices, changed state. A silent site raises an
 * alarm (stored, logged, notified, mailed); a report clears it. A
 * device silent while its partner reports is an alarm of its own,
 * warning level and not mailed: the site is still watched.
 */
void
mon_center_alarm_cb(void *arg, const char *site, const char *device,
    enum mon_site_state from, enum mon_site_state to, uint64_t last,
    uint64_t at)
{
	struct mon_center	*c = arg;
	struct mon_note		 n;
	char			 text[MON_TEXT_MAX + 1], tb[MON_TIME_LEN + 1];
	char			*cause;
	uint64_t		 now = c->now();
	int			 done;

	if (to == MON_SITE_SILENT) {
		c->stats.late_n++;
		c->stats.late_sum += now > at ? now - at : 0;
		if (now > at && now - at > c->stats.late_max)
			c->stats.late_max = now - at;
	}
	memset(&n, 0, sizeof n);
	n.class = "alarm";
	n.site = site;
	n.device = device != NULL ? device : "";
	n.time = at;
	if (to == MON_SITE_SILENT) {
		if (last != 0)
			snprintf(text, sizeof text, "no report from %s%s for "
			    "%" PRIu64 " s, since %s", device != NULL ?
			    "device " : "any device", device != NULL ?
			    device : "", (at - last) / 1000,
			    mon_time_fmt(last, tb, sizeof tb));
		else
			snprintf(text, sizeof text, "no report from %s%s "
			    "within %" PRIu64 " s of the center's start",
			    device != NULL ? "device " : "any device",
			    device != NULL ? device : "",
			    c->cfg->center.alive_timeout / 1000);
		if (mon_store_alarm_open(c->store, site, n.device, "silent",
		    at, text, &done, &cause) == -1) {
			log_warnx("alarm %s %s: store: %s", site, n.device,
			    cause);
			c->stats.store_errors++;
			done = 1;
		}
		if (!done)
			return;		/* open already (center restarted) */
		n.what = "silent";
		n.level = device != NULL ? "warning" : "critical";
		n.text = text;
		if (device == NULL) {
			c->stats.alarms_raised++;
			log_warnx("ALARM site %s silent: %s", site, text);
		} else
			log_warnx("alarm site %s device %s silent: %s", site,
			    device, text);
		mon_notify_send(c->notify, &n, device == NULL);
		return;
	}
	if (to != MON_SITE_OK)
		return;
	/* Also after a restart: an alarm left open is closed now. */
	if (mon_store_alarm_close(c->store, site, n.device, "silent", at,
	    &done, &cause) == -1) {
		log_warnx("alarm %s %s: store: %s", site, n.device, cause);
		c->stats.store_errors++;
		return;
	}
	if (!done)
		return;
	snprintf(text, sizeof text, "%s%s reporting again",
	    device != NULL ? "device " : "site", device != NULL ? device : "");
	n.what = "ok";
	n.level = "info";
	n.text = text;
	if (device == NULL) {
		c->stats.alarms_cleared++;
		log_info("ALARM CLEARED site %s: %s", site, text);
	} else
		log_info("alarm cleared site %s device %s: %s", site, device,
		    text);
	mon_notify_send(c->notify, &n, device == NULL);
	(void)from;
}

/* An event stored for the first time: log and notify (mail if critical). */
static void
center_event_new(struct mon_center *c, const char *site, const char *device,
    const struct mon_event *ev)
{
	struct mon_note	 n;
	enum mon_level	 level = mon_event_level(ev->kind);

	c->stats.events++;
	log_info("event %s %s #%" PRIu64 " %s %s: %s", site, device, ev->seq,
	    mon_level_name(level), ev->kind_name, ev->text);
	memset(&n, 0, sizeof n);
	n.class = "event";
	n.site = site;
	n.device = device;
	n.what = ev->kind_name;
	n.level = mon_level_name(level);
	n.time = ev->time;
	n.text = ev->text;
	mon_notify_send(c->notify, &n, level == MON_LEVEL_CRITICAL);
}

/*
 * TLS refused a client during the handshake: log it as the two-factor
 * decision would have named it.
 */
void
mon_center_refused(void *arg, const struct addr *peer,
    enum mon_cert_status cert, const char *cn, const char *why)
{
	struct mon_center	*c = arg;
	struct mon_auth_view	 v;
	enum mon_auth_result	 r;
	char			 buf[ADDR_STRLEN], safe[256];

	memset(&v, 0, sizeof v);
	r = mon_auth_decide(NULL, cert, NULL, &v, NULL);
	c->stats.refused[r]++;
	strlcpy(safe, cn, sizeof safe);
	mon_sanitize(safe);
	log_warnx("refused %s: %s: %s (certificate CN=%s; TLS: %s)",
	    addr_fmt(peer, buf, sizeof buf), mon_auth_result_name(r),
	    mon_auth_result_desc(r), safe[0] != '\0' ? safe : "-", why);
}

/* An operator's terminal refused by TLS (operator-ca-file). */
void
mon_center_operator_refused(void *arg, const struct addr *peer,
    enum mon_cert_status cert, const char *cn, const char *why)
{
	char	buf[ADDR_STRLEN], safe[256];

	strlcpy(safe, cn, sizeof safe);
	mon_sanitize(safe);
	log_warnx("operator refused %s: %s (certificate CN=%s; TLS: %s)",
	    addr_fmt(peer, buf, sizeof buf), cert == MON_CERT_NONE ?
	    "no client certificate" : cert == MON_CERT_EXPIRED ?
	    "certificate expired" : "certificate not of the operators' CA",
	    safe[0] != '\0' ? safe : "-", why);
}

/*
 * Both factors of a device's request, the same for every path an agent
 * uses: its certificate (checked by the TLS layer, req->cert and req->cn)
 * and the device ID field. 0 with the site and the device in <d>;
 * otherwise -1 after logging the refusal, <what> (such as " (/dist)")
 * after the peer's address, with the answer's status and words in <d>.
 */
int
mon_center_device(struct mon_center *c, const struct mon_httpd_req *req,
    const char *what, struct mon_center_dev *d)
{
	const struct http_header	*h;
	struct mon_auth_view		 v;
	enum mon_auth_result		 ar;
	char				 devid[MON_DEVID_HEXLEN + 1];
	char				 peer[ADDR_STRLEN], cn[256], *cause;
	uint8_t				 hash[MON_DEVID_HASHLEN];
	size_t				 idx = 0;

	memset(d, 0, sizeof *d);
	addr_fmt(&req->peer, peer, sizeof peer);
	/* The second factor: the device ID, text of 32 hex digits. */
	devid[0] = '\0';
	if ((h = http_header_find(req->msg, MON_DEVID_FIELD)) != NULL &&
	    h->value_len == MON_DEVID_HEXLEN) {
		memcpy(devid, h->value, MON_DEVID_HEXLEN);
		devid[MON_DEVID_HEXLEN] = '\0';
	}
	strlcpy(cn, req->cn, sizeof cn);
	mon_sanitize(cn);
	memset(&v, 0, sizeof v);
	if (req->cert == MON_CERT_OK && mon_site_valid(cn) &&
	    mon_devid_hash_str(devid, hash) == 0 &&
	    mon_store_auth_view(c->store, cn, hash, &v, &cause) == -1) {
		OPENSSL_cleanse(devid, sizeof devid);
		log_warnx("request from %s%s: store: %s", peer, what, cause);
		c->stats.store_errors++;
		d->status = 503;
		strlcpy(d->why, "the center cannot read its registry now; "
		    "try again", sizeof d->why);
		return (-1);
	}
	ar = mon_auth_decide(req->cert == MON_CERT_OK ? cn : NULL, req->cert,
	    devid[0] != '\0' ? devid : NULL, &v, &idx);
	OPENSSL_cleanse(devid, sizeof devid);
	if (ar != MON_AUTH_OK) {
		c->stats.refused[ar]++;
		log_warnx("refused %s%s: %s: %s (certificate CN=%s%s%s)", peer,
		    what, mon_auth_result_name(ar), mon_auth_result_desc(ar),
		    cn[0] != '\0' ? cn : "-", v.id_site[0] != '\0' ?
		    ", device ID of site " : "", v.id_site);
		d->status = 403;
		snprintf(d->why, sizeof d->why, "refused: %s",
		    mon_auth_result_name(ar));
		return (-1);
	}
	strlcpy(d->site, cn, sizeof d->site);
	strlcpy(d->name, v.dev[idx].name, sizeof d->name);
	d->id = v.dev[idx].id;
	return (0);
}

/* The report endpoint: see the top of this file. */
void
mon_center_report(void *arg, const struct mon_httpd_req *req,
    struct mon_httpd_resp *resp)
{
	struct mon_center		*c = arg;
	const struct http_msg		*m = req->msg;
	struct mon_center_dev		 d;
	struct mon_report		*r = NULL;
	struct mon_store_ack		 sack;
	struct mon_perr			 perr;
	struct mon_ack			 ack;
	const char			*why, *cn = d.site;
	char				 peer[ADDR_STRLEN], ebuf[256];
	char				*cause, *out;
	size_t				 i, len;
	uint64_t			 now = c->now();

	addr_fmt(&req->peer, peer, sizeof peer);
	if (m->path_len != 7 || memcmp(m->path, "/report", 7) != 0) {
		/* Distribution and renewal (mon_dist_center.c). */
		if (mon_dist_center_handle(c, req, resp))
			return;
		mon_httpd_text(resp, 404, "not found: agents post to /report");
		return;
	}
	if (m->method != HTTP_METHOD_POST) {
		resp->allow = "POST";
		mon_httpd_text(resp, 405, "POST only");
		return;
	}
	if (mon_center_device(c, req, "", &d) == -1) {
		if (d.status == 403)
			resp->close = 1;
		mon_httpd_text(resp, d.status, "%s", d.why);
		goto out;
	}
	r = xmalloc(sizeof *r);
	if (mon_report_decode(req->body, req->body_len, r, &perr) == -1) {
		c->stats.bad_reports++;
		log_warnx("report from %s (site %s device %s): refused: %s",
		    peer, cn, d.name, mon_perr_fmt(&perr, ebuf,
		    sizeof ebuf));
		mon_httpd_text(resp, 400, "bad report: %s", ebuf);
		goto out;
	}
	why = NULL;
	if (strcmp(r->site, cn) != 0)
		why = "site-mismatch";
	else if (strcmp(r->peer, d.name) != 0)
		why = "device-mismatch";
	if (why != NULL) {
		c->stats.refused[MON_AUTH_WRONG_ID + 1]++;
		log_warnx("refused %s: %s: the report speaks for site %s "
		    "peer %s, the credentials are those of site %s device %s",
		    peer, why, r->site, r->peer, cn, d.name);
		resp->close = 1;
		mon_httpd_text(resp, 403, "refused: %s", why);
		goto out;
	}
	if (r->nunknown > 0)
		log_debug("report from %s/%s: %u unknown field(s), first %s",
		    cn, r->peer, r->nunknown, r->unknown);
	if (mon_store_report_record(c->store, d.id, r, now, &sack,
	    &cause) == -1) {
		c->stats.store_errors++;
		log_warnx("report from %s/%s: store: %s", cn, r->peer, cause);
		mon_httpd_text(resp, 503, "the center could not store the "
		    "report; try again");
		goto out;
	}
	c->stats.reports++;
	c->stats.duplicates += sack.duplicates;
	mon_renew_center_seen(c, req, cn, r->peer);
	for (i = 0; i < r->nev; i++)
		if (r->ev[i].seq > sack.prev)
			center_event_new(c, cn, r->peer, &r->ev[i]);
	if (mon_alarm_report(c->alarm, cn, r->peer, now, &why) == -1) {
		/* Registered after the timer was loaded: watch it now. */
		mon_alarm_site_add(c->alarm, cn, c->cfg->center.alive_timeout,
		    now);
		if (mon_alarm_report(c->alarm, cn, r->peer, now, &why) == -1)
			log_warnx("alive timer, site %s: %s", cn, why);
	}
	mon_center_arm(c);
	log_debug("report %s/%s: %zu event(s), %u new, %u duplicate, ack %"
	    PRIu64, cn, r->peer, r->nev, sack.stored, sack.duplicates,
	    sack.ack);
	memset(&ack, 0, sizeof ack);
	ack.ack = sack.ack;
	ack.time = now;
	out = xmalloc(MON_MSG_MAX);
	if (mon_ack_encode(&ack, out, MON_MSG_MAX, &len, &why) == -1)
		mon_httpd_text(resp, 500, "cannot encode the acknowledgement: "
		    "%s", why);
	else {
		resp->status = 200;
		resp->ctype = "text/plain; charset=us-ascii";
		evbuffer_add(resp->body, out, len);
	}
	free(out);
out:
	free(r);
}

/*
 * Register devices of a site (the site too if it is new): <name> with
 * the SHA-256 <hashhex> of its device ID (64 hex digits).
 */
int
mon_center_register(struct mon_center *c, const char *site,
    const char *name, const char *hashhex, char **cause)
{
	static char	 err[128];
	uint8_t		 hash[MON_DEVID_HASHLEN];
	unsigned int	 hi, lo;
	size_t		 i;
	char		*e;

	if (strlen(hashhex) != MON_DEVID_HASHLEN * 2) {
		snprintf(err, sizeof err, "a device ID hash is %d hex digits",
		    MON_DEVID_HASHLEN * 2);
		*cause = err;
		return (-1);
	}
	for (i = 0; i < MON_DEVID_HASHLEN; i++) {
		hi = (unsigned char)hashhex[2 * i];
		lo = (unsigned char)hashhex[2 * i + 1];
		if (strchr("0123456789abcdef", hi) == NULL ||
		    strchr("0123456789abcdef", lo) == NULL || hi == 0 ||
		    lo == 0) {
			snprintf(err, sizeof err, "a device ID hash is "
			    "lowercase hex digits");
			*cause = err;
			return (-1);
		}
		hash[i] = (uint8_t)(((hi <= '9' ? hi - '0' : hi - 'a' + 10)
		    << 4) | (lo <= '9' ? lo - '0' : lo - 'a' + 10));
	}
	if (mon_store_site_add(c->store, site, NULL, c->now(), &e) == -1 &&
	    strstr(e, "exists already") == NULL) {
		*cause = e;
		return (-1);
	}
	if (mon_store_device_add(c->store, site, name, hash, c->now(),
	    cause) == -1)
		return (-1);
	if (mon_alarm_site_add(c->alarm, site, c->cfg->center.alive_timeout,
	    c->now()) == 0)
		mon_center_arm(c);
	log_info("registered device %s of site %s", name, site);
	return (0);
}

/* Revoke a device: its ID is refused from now on. */
int
mon_center_revoke(struct mon_center *c, const char *site, const char *name,
    char **cause)
{
	if (mon_store_device_revoke(c->store, site, name, cause) == -1)
		return (-1);
	log_info("revoked device %s of site %s", name, site);
	return (0);
}
