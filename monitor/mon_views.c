/*
 * mon_views.c: what the center's operators read on the operator
 * listeners: the dashboard page at "/" and a read-only JSON API:
 *	GET /api/sites			every site as one pair
 *	GET /api/site/ID		one site: devices with their latest
 *					status, open alarms, latest events
 *	GET /api/events[?since=MS][&limit=N]
 *					events from MS on (ms since 1970),
 *					else the latest N (100)
 *	GET /api/alarms[?all=1]		open alarms, or all of the last week
 * GET and HEAD only. Every value is escaped on the way out (mon_json.c);
 * the page has no script and a policy that allows none.
 *
 * A site is shown as one pair: its state (the alive timer's: ok, silent,
 * unknown before anything was heard), which peer is active (a device
 * whose last report says active and which is not silent), each peer's
 * role and the age of its last report, and its open alarms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ev.h"
#include "http.h"
#include "log.h"
#include "mon_center.h"
#include "xmalloc.h"

#define VIEW_EVENTS	50	/* on the dashboard */
#define VIEW_SITE_EV	20	/* in a site's view */
#define API_LIMIT_MAX	10000
#define WEEK_MS		(7ULL * 86400 * 1000)

struct evlist {
	struct mon_json		*j;
	struct evbuffer		*html;
	uint64_t		 now;
	size_t			 n;
};

static int	vsite_cb(void *, const struct mon_store_site *,
		    const struct mon_store_device *, size_t);
static int	valarm_count_cb(void *, const struct mon_store_alarm *);
static int	vsite_cmp(const void *, const void *);
static int	query_u64(const struct http_msg *, const char *, uint64_t *);
static void	json_site(struct mon_json *, const struct mon_vsite *,
		    uint64_t);
static void	api_sites(struct mon_center *, struct mon_httpd_resp *);
static void	api_site(struct mon_center *, const char *, size_t,
		    struct mon_httpd_resp *);
static void	api_events(struct mon_center *, const struct http_msg *,
		    struct mon_httpd_resp *);
static void	api_alarms(struct mon_center *, const struct http_msg *,
		    struct mon_httpd_resp *);
static int	json_event_cb(void *, const struct mon_store_event *);
static int	json_alarm_cb(void *, const struct mon_store_alarm *);
static int	json_status_cb(void *, const char *, uint64_t, const char *,
		    size_t);
static void	dashboard(struct mon_center *, struct mon_httpd_resp *);
static int	html_event_cb(void *, const struct mon_store_event *);
static int	html_alarm_cb(void *, const struct mon_store_alarm *);
static void	json_error(struct mon_httpd_resp *, int, const char *);

/* "1.2s", "4m05s", "3h07m", "2d05h"; "never" for 0. */
void
mon_views_age(uint64_t now, uint64_t t, char *buf, size_t len)
{
	uint64_t	d, s;

	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	d = now > t ? now - t : 0;
	s = d / 1000;
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s,
		    d % 1000 / 100);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60,
		    s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
		    s % 86400 / 3600);
}

struct vctx {
	struct mon_center	*c;
	struct mon_vsites	*vs;
	const char		*only;
};

static int
vsite_cb(void *arg, const struct mon_store_site *s,
    const struct mon_store_device *d, size_t n)
{
	struct vctx		*x = arg;
	struct mon_vsites	*vs = x->vs;
	struct mon_vsite	*v;
	size_t			 i;

	if (x->only != NULL && strcmp(x->only, s->name) != 0)
		return (0);
	if (vs->n == vs->cap) {
		vs->cap = vs->cap == 0 ? 16 : vs->cap * 2;
		vs->v = xreallocarray(vs->v, vs->cap, sizeof *vs->v);
	}
	v = &vs->v[vs->n++];
	memset(v, 0, sizeof *v);
	v->s = *s;
	v->state = mon_alarm_site_state(x->c->alarm, s->name);
	if (v->state == MON_SITE_SILENT)
		vs->silent++;
	for (i = 0; i < n && i < MON_AUTH_MAXDEV; i++) {
		v->dev[i].d = d[i];
		v->dev[i].state = mon_alarm_device_state(x->c->alarm, s->name,
		    d[i].name);
		if (strcmp(d[i].role, "active") == 0 &&
		    v->dev[i].state == MON_SITE_OK && !d[i].revoked) {
			if (v->active[0] != '\0')
				strlcat(v->active, ",", sizeof v->active);
			strlcat(v->active, d[i].name, sizeof v->active);
		}
	}
	v->ndev = i;
	return (0);
}

static int
vsite_cmp(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct mon_vsite *)elem)->s.name));
}

static int
valarm_count_cb(void *arg, const struct mon_store_alarm *a)
{
	struct mon_vsites	*vs = arg;
	struct mon_vsite	*v;

	vs->alarms++;
	/* The store lists sites by name: the array is sorted. */
	if (vs->n > 0 && (v = bsearch(a->site, vs->v, vs->n, sizeof *vs->v,
	    vsite_cmp)) != NULL)
		v->alarms++;
	return (0);
}

/* Every site (or only <only>) with its devices, states and alarms. */
int
mon_views_sites(struct mon_center *c, const char *only, struct mon_vsites *vs,
    char **cause)
{
	struct vctx	x;

	memset(vs, 0, sizeof *vs);
	x.c = c;
	x.vs = vs;
	x.only = only;
	if (mon_store_site_list(c->store, vsite_cb, &x, cause) == -1 ||
	    mon_store_alarm_list(c->store, 1, 0, valarm_count_cb, vs,
	    cause) == -1) {
		mon_views_sites_free(vs);
		return (-1);
	}
	if (only != NULL) {
		vs->alarms = vs->n > 0 ? vs->v[0].alarms : 0;
		vs->silent = vs->n > 0 && vs->v[0].state == MON_SITE_SILENT;
	}
	return (0);
}

void
mon_views_sites_free(struct mon_vsites *vs)
{
	free(vs->v);
	memset(vs, 0, sizeof *vs);
}

/* A number from the query ("?since=5&limit=10"); 0 if absent. */
static int
query_u64(const struct http_msg *m, const char *name, uint64_t *v)
{
	const char	*p = m->query, *end = m->query + m->query_len, *amp;
	size_t		 nl = strlen(name), i;
	uint64_t	 x;

	if (m->query_len < 2)
		return (0);
	for (p++; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if ((size_t)(amp - p) <= nl + 1 || memcmp(p, name, nl) != 0 ||
		    p[nl] != '=')
			continue;
		x = 0;
		for (i = nl + 1; p + i < amp; i++) {
			if (p[i] < '0' || p[i] > '9' ||
			    x > (UINT64_MAX - 9) / 10)
				return (-1);
			x = x * 10 + (uint64_t)(p[i] - '0');
		}
		*v = x;
		return (1);
	}
	return (0);
}

static void
json_error(struct mon_httpd_resp *r, int status, const char *msg)
{
	struct mon_json	j;

	r->status = status;
	r->ctype = "application/json";
	mon_json_init(&j, r->body);
	mon_json_open(&j, '{');
	mon_json_key(&j, "error");
	mon_json_str(&j, msg);
	mon_json_close(&j, '}');
	evbuffer_add(r->body, "\n", 1);
}

/* One site as the API shows it. */
static void
json_site(struct mon_json *j, const struct mon_vsite *v, uint64_t now)
{
	const struct mon_vdev	*d;
	const char		*p, *comma;
	size_t			 i;

	mon_json_key(j, "site");
	mon_json_str(j, v->s.name);
	mon_json_key(j, "state");
	mon_json_str(j, mon_site_state_name(v->state));
	mon_json_key(j, "active");
	mon_json_open(j, '[');
	for (p = v->active; *p != '\0'; p = *comma != '\0' ? comma + 1 :
	    comma) {
		comma = p + strcspn(p, ",");
		mon_json_strn(j, p, comma - p);
	}
	mon_json_close(j, ']');
	mon_json_key(j, "open_alarms");
	mon_json_u64(j, v->alarms);
	mon_json_key(j, "devices");
	mon_json_open(j, '[');
	for (i = 0; i < v->ndev; i++) {
		d = &v->dev[i];
		mon_json_open(j, '{');
		mon_json_key(j, "name");
		mon_json_str(j, d->d.name);
		mon_json_key(j, "state");
		mon_json_str(j, mon_site_state_name(d->state));
		mon_json_key(j, "role");
		mon_json_str(j, d->d.role);
		mon_json_key(j, "partner");
		mon_json_str(j, d->d.partner);
		mon_json_key(j, "software");
		mon_json_str(j, d->d.software);
		mon_json_key(j, "last_report");
		if (d->d.last_report != 0)
			mon_json_u64(j, d->d.last_report);
		else
			mon_json_null(j);
		mon_json_key(j, "age_ms");
		if (d->d.last_report != 0)
			mon_json_u64(j, now > d->d.last_report ?
			    now - d->d.last_report : 0);
		else
			mon_json_null(j);
		mon_json_key(j, "last_seq");
		mon_json_u64(j, d->d.last_seq);
		mon_json_key(j, "revoked");
		mon_json_bool(j, d->d.revoked);
		mon_json_close(j, '}');
	}
	mon_json_close(j, ']');
}

static void
api_sites(struct mon_center *c, struct mon_httpd_resp *r)
{
	struct mon_vsites	 vs;
	struct mon_json		 j;
	char			*cause;
	uint64_t		 now = c->now();
	size_t			 i;

	if (mon_views_sites(c, NULL, &vs, &cause) == -1) {
		log_warnx("api sites: store: %s", cause);
		json_error(r, 503, "the store cannot be read now");
		return;
	}
	r->status = 200;
	r->ctype = "application/json";
	mon_json_init(&j, r->body);
	mon_json_open(&j, '{');
	mon_json_key(&j, "time");
	mon_json_u64(&j, now);
	mon_json_key(&j, "sites");
	mon_json_open(&j, '[');
	for (i = 0; i < vs.n; i++) {
		mon_json_open(&j, '{');
		json_site(&j, &vs.v[i], now);
		mon_json_close(&j, '}');
	}
	mon_json_close(&j, ']');
	mon_json_close(&j, '}');
	evbuffer_add(r->body, "\n", 1);
	mon_views_sites_free(&vs);
}

void
mon_views_json_event(struct mon_json *j, const struct mon_store_event *e)
{
	mon_json_open(j, '{');
	mon_json_key(j, "site");
	mon_json_str(j, e->site);
	mon_json_key(j, "device");
	mon_json_str(j, e->device);
	mon_json_key(j, "seq");
	mon_json_u64(j, e->seq);
	mon_json_key(j, "time");
	mon_json_u64(j, e->time);
	mon_json_key(j, "received");
	mon_json_u64(j, e->received);
	mon_json_key(j, "level");
	mon_json_str(j, mon_level_name(e->level));
	mon_json_key(j, "kind");
	mon_json_str(j, e->kind);
	mon_json_key(j, "text");
	mon_json_str(j, e->text);
	mon_json_close(j, '}');
}

void
mon_views_json_alarm(struct mon_json *j, const struct mon_store_alarm *a)
{
	mon_json_open(j, '{');
	mon_json_key(j, "site");
	mon_json_str(j, a->site);
	mon_json_key(j, "device");
	mon_json_str(j, a->device);
	mon_json_key(j, "kind");
	mon_json_str(j, a->kind);
	mon_json_key(j, "opened");
	mon_json_u64(j, a->opened);
	mon_json_key(j, "closed");
	if (a->closed != 0)
		mon_json_u64(j, a->closed);
	else
		mon_json_null(j);
	mon_json_key(j, "text");
	mon_json_str(j, a->text);
	mon_json_close(j, '}');
}

static int
json_event_cb(void *arg, const struct mon_store_event *e)
{
	struct evlist	*l = arg;

	mon_views_json_event(l->j, e);
	return (0);
}

/* Alarms of one site only, when l->html holds its name. */
struct alfilter {
	struct mon_json		*j;
	const char		*site;
};

static int
json_alarm_cb(void *arg, const struct mon_store_alarm *a)
{
	struct alfilter	*f = arg;

	if (f->site == NULL || strcmp(f->site, a->site) == 0)
		mon_views_json_alarm(f->j, a);
	return (0);
}

/*
 * A device's latest status as an object: each "key: value" line of the
 * stored report, the lb-server lines as one list.
 */
static int
json_status_cb(void *arg, const char *name, uint64_t received,
    const char *body, size_t len)
{
	struct mon_json	*j = arg;
	const char	*p, *end = body + len, *nl, *colon;
	int		 pass;

	mon_json_key(j, name);
	mon_json_open(j, '{');
	mon_json_key(j, "received");
	mon_json_u64(j, received);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			mon_json_key(j, "lb-servers");
			mon_json_open(j, '[');
		}
		for (p = body; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				nl = end;
			if ((colon = memchr(p, ':', nl - p)) == NULL ||
			    colon + 2 > nl)
				continue;
			if ((colon - p == 9 && memcmp(p, "lb-server", 9) ==
			    0) != pass)
				continue;
			if (pass == 0)
				mon_json_keyn(j, p, colon - p);
			mon_json_strn(j, colon + 2, nl - colon - 2);
		}
	}
	mon_json_close(j, ']');
	mon_json_close(j, '}');
	return (0);
}

static void
api_site(struct mon_center *c, const char *name, size_t n,
    struct mon_httpd_resp *r)
{
	struct mon_vsites	 vs;
	struct mon_json		 j;
	struct evlist		 l;
	struct alfilter		 f;
	char			 site[MON_SITE_MAX + 1], *cause;
	uint64_t		 now = c->now();

	if (n == 0 || n > MON_SITE_MAX) {
		json_error(r, 404, "no such site");
		return;
	}
	memcpy(site, name, n);
	site[n] = '\0';
	if (!mon_site_valid(site)) {
		json_error(r, 404, "no such site");
		return;
	}
	if (mon_views_sites(c, site, &vs, &cause) == -1) {
		log_warnx("api site: store: %s", cause);
		json_error(r, 503, "the store cannot be read now");
		return;
	}
	if (vs.n == 0) {
		mon_views_sites_free(&vs);
		json_error(r, 404, "no such site");
		return;
	}
	r->status = 200;
	r->ctype = "application/json";
	mon_json_init(&j, r->body);
	mon_json_open(&j, '{');
	mon_json_key(&j, "time");
	mon_json_u64(&j, now);
	json_site(&j, &vs.v[0], now);
	mon_json_key(&j, "status");
	mon_json_open(&j, '{');
	if (mon_store_status_list(c->store, site, json_status_cb, &j,
	    &cause) == -1)
		log_warnx("api site: store: %s", cause);
	mon_json_close(&j, '}');
	mon_json_key(&j, "alarms");
	mon_json_open(&j, '[');
	f.j = &j;
	f.site = site;
	if (mon_store_alarm_list(c->store, 1, 0, json_alarm_cb, &f,
	    &cause) == -1)
		log_warnx("api site: store: %s", cause);
	mon_json_close(&j, ']');
	mon_json_key(&j, "events");
	mon_json_open(&j, '[');
	memset(&l, 0, sizeof l);
	l.j = &j;
	if (mon_store_event_last(c->store, site, VIEW_SITE_EV, json_event_cb,
	    &l, &cause) == -1)
		log_warnx("api site: store: %s", cause);
	mon_json_close(&j, ']');
	mon_json_close(&j, '}');
	evbuffer_add(r->body, "\n", 1);
	mon_views_sites_free(&vs);
}

static void
api_events(struct mon_center *c, const struct http_msg *m,
    struct mon_httpd_resp *r)
{
	struct mon_json	 j;
	struct evlist	 l;
	uint64_t	 since = 0, limit = 100;
	char		*cause;
	int		 has, rv;

	if ((has = query_u64(m, "since", &since)) == -1 ||
	    query_u64(m, "limit", &limit) == -1) {
		json_error(r, 400, "since and limit are decimal numbers");
		return;
	}
	if (limit == 0 || limit > API_LIMIT_MAX)
		limit = API_LIMIT_MAX;
	r->status = 200;
	r->ctype = "application/json";
	mon_json_init(&j, r->body);
	mon_json_open(&j, '{');
	mon_json_key(&j, "events");
	mon_json_open(&j, '[');
	memset(&l, 0, sizeof l);
	l.j = &j;
	if (has)
		rv = mon_store_event_list(c->store, since, limit,
		    json_event_cb, &l, &cause);
	else
		rv = mon_store_event_last(c->store, NULL, limit,
		    json_event_cb, &l, &cause);
	if (rv == -1)
		log_warnx("api events: store: %s", cause);
	mon_json_close(&j, ']');
	mon_json_close(&j, '}');
	evbuffer_add(r->body, "\n", 1);
}

static void
api_alarms(struct mon_center *c, const struct http_msg *m,
    struct mon_httpd_resp *r)
{
	struct mon_json	 j;
	struct alfilter	 f;
	uint64_t	 all = 0, now = c->now();
	char		*cause;

	if (query_u64(m, "all", &all) == -1) {
		json_error(r, 400, "all is 0 or 1");
		return;
	}
	r->status = 200;
	r->ctype = "application/json";
	mon_json_init(&j, r->body);
	mon_json_open(&j, '{');
	mon_json_key(&j, "alarms");
	mon_json_open(&j, '[');
	f.j = &j;
	f.site = NULL;
	if (mon_store_alarm_list(c->store, !all, now > WEEK_MS ? now -
	    WEEK_MS : 0, json_alarm_cb, &f, &cause) == -1)
		log_warnx("api alarms: store: %s", cause);
	mon_json_close(&j, ']');
	mon_json_close(&j, '}');
	evbuffer_add(r->body, "\n", 1);
}

static int
html_event_cb(void *arg, const struct mon_store_event *e)
{
	struct evlist	*l = arg;
	char		 tb[MON_TIME_LEN + 1];

	evbuffer_add_printf(l->html, "<tr class=\"%s\"><td>",
	    mon_level_name(e->level));
	mon_html(l->html, mon_time_fmt(e->time, tb, sizeof tb));
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, e->site);
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, e->device);
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, mon_level_name(e->level));
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, e->kind);
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, e->text);
	evbuffer_add(l->html, "</td></tr>\n", 11);
	l->n++;
	return (0);
}

static int
html_alarm_cb(void *arg, const struct mon_store_alarm *a)
{
	struct evlist	*l = arg;
	char		 tb[MON_TIME_LEN + 1], age[32];

	evbuffer_add(l->html, "<tr class=\"critical\"><td>", 26);
	mon_html(l->html, a->site);
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, a->device[0] != '\0' ? a->device : "(site)");
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, a->kind);
	evbuffer_add(l->html, "</td><td>", 9);
	mon_html(l->html, mon_time_fmt(a->opened, tb, sizeof tb));
	mon_views_age(l->now, a->opened, age, sizeof age);
	evbuffer_add(l->html, " (", 2);
	mon_html(l->html, age);
	evbuffer_add(l->html, " ago)</td><td>", 14);
	mon_html(l->html, a->text);
	evbuffer_add(l->html, "</td></tr>\n", 11);
	l->n++;
	return (0);
}

/* The dashboard: sites, open alarms, recent events; reloads itself. */
static void
dashboard(struct mon_center *c, struct mon_httpd_resp *r)
{
	static const char	 style[] =
	    "body{font-family:sans-serif;margin:1.5em;color:#222}"
	    "table{border-collapse:collapse;margin-bottom:1.5em}"
	    "th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left;"
	    "vertical-align:top}th{background:#eee}"
	    "tr.silent td,tr.critical td{background:#fdd}"
	    "tr.unknown td,tr.warning td{background:#ffd}"
	    "tr.ok td{background:#dfd}.meta{color:#555}";
	struct mon_vsites	 vs;
	struct mon_vsite	*v;
	struct evbuffer		*b = r->body;
	struct evlist		 l;
	char			 tb[MON_TIME_LEN + 1], age[32], *cause;
	uint64_t		 now = c->now();
	size_t			 i, k;

	if (mon_views_sites(c, NULL, &vs, &cause) == -1) {
		log_warnx("dashboard: store: %s", cause);
		r->status = 503;
		evbuffer_add_printf(b, "the store cannot be read now\n");
		return;
	}
	r->status = 200;
	r->ctype = "text/html; charset=us-ascii";
	r->html = 1;
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"us-ascii\">"
	    "<meta http-equiv=\"refresh\" content=\"5\">"
	    "<title>twinproxy monitoring center</title>"
	    "<style>%s</style></head><body>\n"
	    "<h1>twinproxy monitoring center</h1>\n", style);
	evbuffer_add_printf(b, "<p class=\"meta\" id=\"summary\">%zu "
	    "site%s, %u silent, %u open alarm%s; updated ", vs.n,
	    vs.n == 1 ? "" : "s", vs.silent, vs.alarms,
	    vs.alarms == 1 ? "" : "s");
	mon_html(b, mon_time_fmt(now, tb, sizeof tb));
	evbuffer_add_printf(b, "</p>\n<h2>Sites</h2>\n<table id=\"sites\">"
	    "<tr><th>Site</th><th>State</th><th>Active peer</th>"
	    "<th>Peers: role, last report</th><th>Open alarms</th></tr>\n");
	for (i = 0; i < vs.n; i++) {
		v = &vs.v[i];
		evbuffer_add_printf(b, "<tr class=\"%s\"><td>",
		    mon_site_state_name(v->state));
		mon_html(b, v->s.name);
		evbuffer_add(b, "</td><td>", 9);
		mon_html(b, v->state == MON_SITE_SILENT ? "SILENT" :
		    mon_site_state_name(v->state));
		evbuffer_add(b, "</td><td>", 9);
		mon_html(b, v->active[0] != '\0' ? v->active : "none");
		evbuffer_add(b, "</td><td>", 9);
		for (k = 0; k < v->ndev; k++) {
			if (k > 0)
				evbuffer_add(b, "<br>", 4);
			mon_html(b, v->dev[k].d.name);
			evbuffer_add(b, ": ", 2);
			mon_html(b, v->dev[k].d.revoked ? "revoked" :
			    v->dev[k].d.role[0] != '\0' ? v->dev[k].d.role :
			    "-");
			mon_views_age(now, v->dev[k].d.last_report, age,
			    sizeof age);
			evbuffer_add(b, ", ", 2);
			mon_html(b, age);
			if (v->dev[k].d.last_report != 0)
				evbuffer_add(b, " ago", 4);
			if (v->dev[k].state == MON_SITE_SILENT)
				evbuffer_add(b, " (silent)", 9);
		}
		evbuffer_add_printf(b, "</td><td>%u</td></tr>\n", v->alarms);
	}
	evbuffer_add_printf(b, "</table>\n<h2>Open alarms</h2>\n"
	    "<table id=\"alarms\"><tr><th>Site</th><th>Device</th>"
	    "<th>Kind</th><th>Since</th><th>Text</th></tr>\n");
	memset(&l, 0, sizeof l);
	l.html = b;
	l.now = now;
	if (mon_store_alarm_list(c->store, 1, 0, html_alarm_cb, &l,
	    &cause) == -1)
		log_warnx("dashboard: store: %s", cause);
	evbuffer_add_printf(b, "</table>\n<h2>Recent events</h2>\n"
	    "<table id=\"events\"><tr><th>Time</th><th>Site</th>"
	    "<th>Device</th><th>Level</th><th>Kind</th><th>Text</th></tr>\n");
	if (mon_store_event_last(c->store, NULL, VIEW_EVENTS, html_event_cb,
	    &l, &cause) == -1)
		log_warnx("dashboard: store: %s", cause);
	evbuffer_add_printf(b, "</table>\n</body></html>\n");
	mon_views_sites_free(&vs);
}

/* The operators' listener: the dashboard and the JSON API. */
void
mon_views_handler(void *arg, const struct mon_httpd_req *req,
    struct mon_httpd_resp *r)
{
	struct mon_center	*c = arg;
	const struct http_msg	*m = req->msg;
	const char		*p = m->path;
	size_t			 n = m->path_len;

	if (m->method != HTTP_METHOD_GET && m->method != HTTP_METHOD_HEAD) {
		r->allow = "GET, HEAD";
		json_error(r, 405, "read-only: GET and HEAD only");
		return;
	}
	if ((n == 1 && p[0] == '/') || (n == 11 &&
	    memcmp(p, "/index.html", 11) == 0))
		dashboard(c, r);
	else if (n == 10 && memcmp(p, "/api/sites", 10) == 0)
		api_sites(c, r);
	else if (n > 10 && memcmp(p, "/api/site/", 10) == 0)
		api_site(c, p + 10, n - 10, r);
	else if (n == 11 && memcmp(p, "/api/events", 11) == 0)
		api_events(c, m, r);
	else if (n == 11 && memcmp(p, "/api/alarms", 11) == 0)
		api_alarms(c, m, r);
	else
		json_error(r, 404, "not found");
}
