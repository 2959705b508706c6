/*
 * test_mon_store.c: the center's store on a temporary SQLite database:
 * migration from empty and refusal of a newer schema, the registry and
 * the authentication view, reports with deduplicated events, listings
 * and their order, alarms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "monitor/mon_store.h"
#include "unit.h"

#define T0	1714557600000ULL
#define ID_A	"00112233445566778899aabbccddeeff"
#define ID_B	"ffeeddccbbaa99887766554433221100"
#define ID_C	"0123456789abcdef0123456789abcdef"

static char	 dbdir[] = "/tmp/twinproxy-store.XXXXXX";
static char	 dbpath[256];

static struct mon_store *
db_open(void)
{
	struct mon_store	*st;
	char			*cause = NULL;

	st = mon_store_open("sqlite", dbpath, &cause);
	if (st == NULL)
		fprintf(stderr, "\nmon_store_open: %s\n", cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return (st);
}

static void
db_remove(void)
{
	char	path[300];

	unlink(dbpath);
	snprintf(path, sizeof path, "%s-wal", dbpath);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", dbpath);
	unlink(path);
}

/* A fresh database path in a folder of its own. */
static void
db_fresh(void)
{
	static int	made;

	if (!made) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dbdir));
		made = 1;
	}
	snprintf(dbpath, sizeof dbpath, "%s/center.db", dbdir);
	db_remove();
}

/* Run one statement on the database behind the store's back. */
static char *
db_peek(const char *q)
{
	static char	 out[256];
	sqlite3		*db;
	sqlite3_stmt	*st;

	out[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(dbpath, &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, q, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(out, sizeof out, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (out);
}

static void
hash(const char *id, uint8_t *h)
{
	CU_ASSERT_EQUAL_FATAL(mon_devid_hash_str(id, h), 0);
}

/* The registry of the tests: osaka-01 (a, b), kyoto (c). */
static void
registry(struct mon_store *st)
{
	uint8_t	 h[MON_DEVID_HASHLEN];
	char	*cause;

	CU_ASSERT_EQUAL(mon_store_site_add(st, "osaka-01", "Osaka office",
	    T0, &cause), 0);
	CU_ASSERT_EQUAL(mon_store_site_add(st, "kyoto", NULL, T0, &cause), 0);
	hash(ID_A, h);
	CU_ASSERT_EQUAL(mon_store_device_add(st, "osaka-01", "a", h, T0,
	    &cause), 0);
	hash(ID_B, h);
	CU_ASSERT_EQUAL(mon_store_device_add(st, "osaka-01", "b", h, T0,
	    &cause), 0);
	hash(ID_C, h);
	CU_ASSERT_EQUAL(mon_store_device_add(st, "kyoto", "c", h, T0,
	    &cause), 0);
}

/* The device row of an ID, through the authentication view. */
static int64_t
device_of(struct mon_store *st, const char *site, const char *id)
{
	struct mon_auth_view	v;
	uint8_t			h[MON_DEVID_HASHLEN];
	char			*cause;
	size_t			m;

	hash(id, h);
	CU_ASSERT_EQUAL_FATAL(mon_store_auth_view(st, site, h, &v, &cause), 0);
	CU_ASSERT_EQUAL_FATAL(mon_auth_decide(site, MON_CERT_OK, id, &v, &m),
	    MON_AUTH_OK);
	return (v.dev[m].id);
}

static void
report_fill(struct mon_report *r, uint64_t first_seq, size_t nev)
{
	size_t	i;

	memset(r, 0, sizeof *r);
	strlcpy(r->site, "osaka-01", sizeof r->site);
	strlcpy(r->peer, "a", sizeof r->peer);
	strlcpy(r->software, "0.1.0", sizeof r->software);
	r->sent = T0;
	r->role = MON_ROLE_ACTIVE;
	r->partner = MON_PARTNER_UP;
	for (i = 0; i < nev; i++) {
		mon_event_set(&r->ev[i], i % 2 ? MON_EV_SERVICE_DOWN :
		    MON_EV_TAKEOVER, T0 + 1000 * (first_seq + i), "text");
		r->ev[i].seq = first_seq + i;
	}
	r->nev = nev;
}

static void
test_mon_store_migrate(void)
{
	struct mon_store	*st;
	char			*cause;
	int			 from = -1;

	db_fresh();
	CU_ASSERT_PTR_NULL(mon_store_open("nosuch", dbpath, &cause));
	CU_ASSERT_STRING_EQUAL(cause, "no storage backend 'nosuch'");
	st = db_open();
	/* Done once: a second run finds the current version. */
	CU_ASSERT_EQUAL(mon_store_migrate(st, &from, &cause), 0);
	CU_ASSERT_EQUAL(from, MON_STORE_SCHEMA_VERSION);
	mon_store_close(st);
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT version FROM schema_version"),
	    "1");
	CU_ASSERT_STRING_EQUAL(db_peek("PRAGMA journal_mode"), "wal");
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table'"), "6");
	/* A database from a newer version is left alone. */
	db_peek("UPDATE schema_version SET version = 99");
	CU_ASSERT_PTR_NULL(mon_store_open("sqlite", dbpath, &cause));
	CU_ASSERT_STRING_EQUAL(cause, "database schema version 99 is newer "
	    "than this program's (1)");
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT version FROM schema_version"),
	    "99");
	/* A file that is not a database is refused with its name. */
	db_remove();
	{
		FILE *f = fopen(dbpath, "w");

		fputs("this is not a database, it is much longer than the "
		    "header of one so sqlite reads it as one and fails\n", f);
		fclose(f);
	}
	CU_ASSERT_PTR_NULL(mon_store_open("sqlite", dbpath, &cause));
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "center.db"));
	db_remove();
}

static void
test_mon_store_registry(void)
{
	struct mon_store	*st;
	struct mon_auth_view	 v;
	uint8_t			 h[MON_DEVID_HASHLEN];
	char			*cause;
	size_t			 m;

	db_fresh();
	st = db_open();
	registry(st);
	CU_ASSERT_EQUAL(mon_store_site_add(st, "kyoto", NULL, T0, &cause), -1);
	CU_ASSERT_STRING_EQUAL(cause, "site 'kyoto' exists already");
	CU_ASSERT_EQUAL(mon_store_site_add(st, "Kyoto", NULL, T0, &cause), -1);
	hash(ID_A, h);
	/* One ID belongs to one device. */
	CU_ASSERT_EQUAL(mon_store_device_add(st, "kyoto", "x", h, T0, &cause),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "registered already"));
	CU_ASSERT_EQUAL(mon_store_device_add(st, "nara", "x", h, T0, &cause),
	    -1);
	CU_ASSERT_STRING_EQUAL(cause, "no site 'nara'");
	CU_ASSERT_EQUAL(mon_store_device_add(st, "kyoto", "bad name", h, T0,
	    &cause), -1);

	/* The views mon_auth_decide() works on. */
	CU_ASSERT_EQUAL(mon_store_auth_view(st, "osaka-01", h, &v, &cause), 0);
	CU_ASSERT_TRUE(v.site_exists);
	CU_ASSERT_EQUAL(v.ndev, 2);
	CU_ASSERT_STRING_EQUAL(v.id_site, "osaka-01");
	CU_ASSERT_EQUAL(mon_auth_decide("osaka-01", MON_CERT_OK, ID_A, &v, &m),
	    MON_AUTH_OK);
	CU_ASSERT_EQUAL(mon_store_auth_view(st, "kyoto", h, &v, &cause), 0);
	CU_ASSERT_EQUAL(v.ndev, 1);
	CU_ASSERT_EQUAL(mon_auth_decide("kyoto", MON_CERT_OK, ID_A, &v, &m),
	    MON_AUTH_ID_OTHER_SITE);
	CU_ASSERT_EQUAL(mon_store_auth_view(st, "nara", h, &v, &cause), 0);
	CU_ASSERT_FALSE(v.site_exists);
	CU_ASSERT_EQUAL(mon_auth_decide("nara", MON_CERT_OK, ID_A, &v, &m),
	    MON_AUTH_UNKNOWN_SITE);

	CU_ASSERT_EQUAL(mon_store_device_revoke(st, "osaka-01", "b", &cause),
	    0);
	CU_ASSERT_EQUAL(mon_store_device_revoke(st, "osaka-01", "z", &cause),
	    -1);
	CU_ASSERT_STRING_EQUAL(cause, "no device 'z' in site 'osaka-01'");
	hash(ID_B, h);
	CU_ASSERT_EQUAL(mon_store_auth_view(st, "osaka-01", h, &v, &cause), 0);
	CU_ASSERT_EQUAL(mon_auth_decide("osaka-01", MON_CERT_OK, ID_B, &v, &m),
	    MON_AUTH_DEVICE_REVOKED);
	CU_ASSERT_EQUAL(mon_store_device_remove(st, "osaka-01", "b", &cause),
	    0);
	CU_ASSERT_EQUAL(mon_store_auth_view(st, "osaka-01", h, &v, &cause), 0);
	CU_ASSERT_EQUAL(v.ndev, 1);
	CU_ASSERT_EQUAL(mon_auth_decide("osaka-01", MON_CERT_OK, ID_B, &v, &m),
	    MON_AUTH_WRONG_ID);
	mon_store_close(st);

	/* It is all there after reopening. */
	st = db_open();
	CU_ASSERT_EQUAL(mon_store_auth_view(st, "osaka-01", NULL, &v, &cause),
	    0);
	CU_ASSERT_EQUAL(v.ndev, 1);
	CU_ASSERT_STRING_EQUAL(v.id_site, "");
	CU_ASSERT_EQUAL(mon_store_site_remove(st, "osaka-01", &cause), 0);
	CU_ASSERT_EQUAL(mon_store_site_remove(st, "osaka-01", &cause), -1);
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT count(*) FROM device"), "1");
	mon_store_close(st);
	db_remove();
}

/* At most MON_AUTH_MAXDEV devices a site, so the view is complete. */
static void
test_mon_store_device_limit(void)
{
	struct mon_store	*st;
	uint8_t			 h[MON_DEVID_HASHLEN];
	char			*cause, id[MON_DEVID_HEXLEN + 1], name[8];
	int			 i;

	db_fresh();
	st = db_open();
	CU_ASSERT_EQUAL(mon_store_site_add(st, "big", NULL, T0, &cause), 0);
	for (i = 0; i <= MON_AUTH_MAXDEV; i++) {
		snprintf(id, sizeof id, "%032x", i + 1);
		snprintf(name, sizeof name, "d%d", i);
		hash(id, h);
		CU_ASSERT_EQUAL(mon_store_device_add(st, "big", name, h, T0,
		    &cause), i < MON_AUTH_MAXDEV ? 0 : -1);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "the most there may be"));
	mon_store_close(st);
	db_remove();
}

/* A report retried after a lost acknowledgement adds no second row. */
static void
test_mon_store_report_dedup(void)
{
	struct mon_store	*st;
	struct mon_report	*r = malloc(sizeof *r);
	struct mon_store_ack	 ack;
	struct mon_event	 ev;
	char			*cause;
	uint64_t		 a;
	int64_t			 dev;
	int			 dup;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	db_fresh();
	st = db_open();
	registry(st);
	dev = device_of(st, "osaka-01", ID_A);
	report_fill(r, 1, 3);
	CU_ASSERT_EQUAL(mon_store_report_record(st, dev, r, T0 + 10, &ack,
	    &cause), 0);
	CU_ASSERT_EQUAL(ack.ack, 3);
	CU_ASSERT_EQUAL(ack.stored, 3);
	CU_ASSERT_EQUAL(ack.duplicates, 0);
	CU_ASSERT_EQUAL(mon_store_report_record(st, dev, r, T0 + 20, &ack,
	    &cause), 0);
	CU_ASSERT_EQUAL(ack.ack, 3);
	CU_ASSERT_EQUAL(ack.stored, 0);
	CU_ASSERT_EQUAL(ack.duplicates, 3);
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT count(*) FROM event"), "3");
	/* Overlapping: one old, one new. */
	report_fill(r, 3, 2);
	CU_ASSERT_EQUAL(mon_store_report_record(st, dev, r, T0 + 30, &ack,
	    &cause), 0);
	CU_ASSERT_EQUAL(ack.ack, 4);
	CU_ASSERT_EQUAL(ack.stored, 1);
	CU_ASSERT_EQUAL(ack.duplicates, 1);
	/* A status only report acknowledges what is there. */
	report_fill(r, 0, 0);
	CU_ASSERT_EQUAL(mon_store_report_record(st, dev, r, T0 + 40, &ack,
	    &cause), 0);
	CU_ASSERT_EQUAL(ack.ack, 4);
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT received FROM status"),
	    "1714557600040");
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT last_report FROM device WHERE "
	    "name = 'a'"), "1714557600040");
	/* One event on its own, the same way. */
	mon_event_set(&ev, MON_EV_PROXY_DOWN, T0, "x");
	ev.seq = 4;
	CU_ASSERT_EQUAL(mon_store_event_record(st, dev, &ev, T0, &dup, &a,
	    &cause), 0);
	CU_ASSERT_TRUE(dup);
	CU_ASSERT_EQUAL(a, 4);
	ev.seq = 9;
	CU_ASSERT_EQUAL(mon_store_event_record(st, dev, &ev, T0, &dup, &a,
	    &cause), 0);
	CU_ASSERT_FALSE(dup);
	CU_ASSERT_EQUAL(a, 9);
	/* Numbers SQLite cannot hold are refused, the report with them. */
	report_fill(r, (uint64_t)INT64_MAX, 2);
	CU_ASSERT_EQUAL(mon_store_report_record(st, dev, r, T0, &ack, &cause),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "out of range"));
	CU_ASSERT_STRING_EQUAL(db_peek("SELECT count(*) FROM event"), "5");
	CU_ASSERT_EQUAL(mon_store_report_record(st, 999, r, T0, &ack, &cause),
	    -1);
	CU_ASSERT_STRING_EQUAL(cause, "no device #999");
	mon_store_close(st);
	free(r);
	db_remove();
}

struct list_out {
	char	 text[2048];
	size_t	 n;
};

static int
site_cb(void *arg, const struct mon_store_site *s,
    const struct mon_store_device *d, size_t nd)
{
	struct list_out	*o = arg;
	size_t		 i, len = strlen(o->text);

	len += snprintf(o->text + len, sizeof o->text - len, "%s(%s):",
	    s->name, s->descr);
	for (i = 0; i < nd; i++)
		len += snprintf(o->text + len, sizeof o->text - len,
		    " %s=%llu/%s/%s", d[i].name,
		    (unsigned long long)d[i].last_report, d[i].role,
		    d[i].revoked ? "revoked" : "ok");
	snprintf(o->text + len, sizeof o->text - len, "\n");
	o->n++;
	return (0);
}

static int
event_cb(void *arg, const struct mon_store_event *e)
{
	struct list_out	*o = arg;
	size_t		 len = strlen(o->text);

	snprintf(o->text + len, sizeof o->text - len, "%s/%s#%llu %s %s\n",
	    e->site, e->device, (unsigned long long)e->seq, e->kind,
	    mon_level_name(e->level));
	o->n++;
	return (0);
}

static int
alarm_cb(void *arg, const struct mon_store_alarm *a)
{
	struct list_out	*o = arg;
	size_t		 len = strlen(o->text);

	snprintf(o->text + len, sizeof o->text - len, "%s/%s %s %llu-%llu "
	    "%s\n", a->site, a->device, a->kind,
	    (unsigned long long)(a->opened - T0),
	    (unsigned long long)(a->closed ? a->closed - T0 : 0), a->text);
	o->n++;
	return (0);
}

static void
test_mon_store_listing(void)
{
	struct mon_store	*st;
	struct mon_report	*r = malloc(sizeof *r);
	struct mon_store_ack	 ack;
	struct list_out		 o;
	char			*cause;
	int64_t			 a, c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	db_fresh();
	st = db_open();
	registry(st);
	CU_ASSERT_EQUAL(mon_store_site_add(st, "empty", NULL, T0, &cause), 0);
	a = device_of(st, "osaka-01", ID_A);
	c = device_of(st, "kyoto", ID_C);
	/* Events of two devices, interleaved in time; ties by device. */
	report_fill(r, 1, 3);
	CU_ASSERT_EQUAL(mon_store_report_record(st, a, r, T0 + 7, &ack,
	    &cause), 0);
	report_fill(r, 2, 2);		/* times T0+2000, T0+3000 */
	strlcpy(r->site, "kyoto", sizeof r->site);
	r->role = MON_ROLE_STANDBY;
	r->ev[0].time = T0 + 1500;
	CU_ASSERT_EQUAL(mon_store_report_record(st, c, r, T0 + 9, &ack,
	    &cause), 0);

	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_site_list(st, site_cb, &o, &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.text,
	    "empty():\n"
	    "kyoto(): c=1714557600009/standby/ok\n"
	    "osaka-01(Osaka office): a=1714557600007/active/ok b=0//ok\n");

	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_event_list(st, 0, 100, event_cb, &o,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.text,
	    "osaka-01/a#1 takeover warning\n"
	    "kyoto/c#2 takeover warning\n"
	    "osaka-01/a#2 service-down critical\n"
	    "osaka-01/a#3 takeover warning\n"
	    "kyoto/c#3 service-down critical\n");
	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_event_list(st, T0 + 2000, 2, event_cb, &o,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.text,
	    "osaka-01/a#2 service-down critical\n"
	    "osaka-01/a#3 takeover warning\n");
	mon_store_close(st);
	free(r);
	db_remove();
}

static void
test_mon_store_alarms(void)
{
	struct mon_store	*st;
	struct list_out		 o;
	char			*cause;
	int			 opened, closed;

	db_fresh();
	st = db_open();
	registry(st);
	CU_ASSERT_EQUAL(mon_store_alarm_open(st, "osaka-01", NULL, "silent",
	    T0 + 100, "no report for 180s", &opened, &cause), 0);
	CU_ASSERT_TRUE(opened);
	/* Open already: not a second alarm. */
	CU_ASSERT_EQUAL(mon_store_alarm_open(st, "osaka-01", NULL, "silent",
	    T0 + 200, "again", &opened, &cause), 0);
	CU_ASSERT_FALSE(opened);
	CU_ASSERT_EQUAL(mon_store_alarm_open(st, "osaka-01", "b", "silent",
	    T0 + 150, "device b", &opened, &cause), 0);
	CU_ASSERT_TRUE(opened);
	CU_ASSERT_EQUAL(mon_store_alarm_open(st, "nara", NULL, "silent",
	    T0, "", &opened, &cause), -1);
	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_alarm_list(st, 1, 0, alarm_cb, &o, &cause),
	    0);
	CU_ASSERT_STRING_EQUAL(o.text,
	    "osaka-01/ silent 100-0 no report for 180s\n"
	    "osaka-01/b silent 150-0 device b\n");
	CU_ASSERT_EQUAL(mon_store_alarm_close(st, "osaka-01", NULL, "silent",
	    T0 + 300, &closed, &cause), 0);
	CU_ASSERT_TRUE(closed);
	CU_ASSERT_EQUAL(mon_store_alarm_close(st, "osaka-01", NULL, "silent",
	    T0 + 400, &closed, &cause), 0);
	CU_ASSERT_FALSE(closed);
	CU_ASSERT_EQUAL(mon_store_alarm_open(st, "osaka-01", NULL, "silent",
	    T0 + 500, "later", &opened, &cause), 0);
	CU_ASSERT_TRUE(opened);
	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_alarm_list(st, 0, T0 + 120, alarm_cb, &o,
	    &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.text,
	    "osaka-01/b silent 150-0 device b\n"
	    "osaka-01/ silent 500-0 later\n");
	memset(&o, 0, sizeof o);
	CU_ASSERT_EQUAL(mon_store_alarm_list(st, 0, 0, alarm_cb, &o, &cause),
	    0);
	CU_ASSERT_EQUAL(o.n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.text, "100-300"));
	mon_store_close(st);
	db_remove();
	rmdir(dbdir);
}

static CU_TestInfo tests[] = {
	{ "test_mon_store_migrate", test_mon_store_migrate },
	{ "test_mon_store_registry", test_mon_store_registry },
	{ "test_mon_store_device_limit", test_mon_store_device_limit },
	{ "test_mon_store_report_dedup", test_mon_store_report_dedup },
	{ "test_mon_store_listing", test_mon_store_listing },
	{ "test_mon_store_alarms", test_mon_store_alarms },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_store_suite, "mon_store", tests)
