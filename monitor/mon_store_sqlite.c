/*
 * mon_store_sqlite.c: the SQLite backend of the center's store.
 *
 * Settings, and why: WAL, so the operator's listings never block the
 * reports being written; synchronous FULL for every transaction that
 * stores events, because an event is acknowledged to its agent once
 * committed and the agent then forgets it, so such a commit must survive
 * power loss (NORMAL in WAL mode may lose the last ones); NORMAL for an
 * alive report without events, whose status row the next report rewrites
 * anyway, so that a thousand sites' alive reports cost no fsync each (the
 * next FULL commit makes them durable too, and WAL stays consistent
 * either way), and NORMAL for alarms, which the alive timer makes again
 * after a restart if the site is still silent, so that a thousand sites
 * falling silent together do not stall the center on a thousand fsyncs;
 * FULL for the registry; a busy timeout, for the operator tools that
 * open the same file; foreign keys on, so removing a site removes what
 * hangs from it.
 * Every statement is prepared once with bound parameters, never built
 * from strings. The schema is versioned (schema_version) and migrated in
 * one transaction; a database newer than this program is refused.
 * Listing callbacks must not call the store.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mon_store.h"
#include "xmalloc.h"

#define BUSY_TIMEOUT_MS	5000

enum sid {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_HAS_VERSION,
	S_VERSION_INIT,
	S_VERSION_GET,
	S_VERSION_SET,
	S_SITE_ADD,
	S_SITE_DEL,
	S_SITE_ID,
	S_SITE_LIST,
	S_DEV_COUNT,
	S_DEV_ADD,
	S_DEV_REVOKE,
	S_DEV_DEL,
	S_VIEW_DEVS,
	S_VIEW_OWNER,
	S_STATUS_PUT,
	S_DEV_SEEN,
	S_EV_ADD,
	S_DEV_SEQ,
	S_DEV_GETSEQ,
	S_EV_LIST,
	S_AL_OPEN,
	S_AL_CLOSE,
	S_AL_LIST_OPEN,
	S_AL_LIST_SINCE,
	S_STATUS_LIST,
	S_EV_LAST,
	S_SYNC_NORMAL,
	S_SYNC_FULL,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_HAS_VERSION] = "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'schema_version'",
	[S_VERSION_INIT] = "CREATE TABLE schema_version "
	    "(version INTEGER NOT NULL)",
	[S_VERSION_GET] = "SELECT count(*), max(version) FROM schema_version",
	[S_VERSION_SET] = "INSERT OR REPLACE INTO schema_version "
	    "(rowid, version) VALUES (1, ?)",
	[S_SITE_ADD] = "INSERT INTO site (name, descr, created) "
	    "VALUES (?, ?, ?)",
	[S_SITE_DEL] = "DELETE FROM site WHERE name = ?",
	[S_SITE_ID] = "SELECT id FROM site WHERE name = ?",
	[S_SITE_LIST] = "SELECT s.id, s.name, s.descr, s.created, d.id, "
	    "d.name, d.revoked, d.created, d.last_report, d.last_seq, "
	    "t.role, t.partner, t.software FROM site s "
	    "LEFT JOIN device d ON d.site_id = s.id "
	    "LEFT JOIN status t ON t.device_id = d.id "
	    "ORDER BY s.name, d.name",
	[S_DEV_COUNT] = "SELECT count(*) FROM device WHERE site_id = ?",
	[S_DEV_ADD] = "INSERT INTO device (site_id, name, id_hash, created) "
	    "VALUES (?, ?, ?, ?)",
	[S_DEV_REVOKE] = "UPDATE device SET revoked = 1 WHERE name = ? AND "
	    "site_id = (SELECT id FROM site WHERE name = ?)",
	[S_DEV_DEL] = "DELETE FROM device WHERE name = ? AND "
	    "site_id = (SELECT id FROM site WHERE name = ?)",
	[S_VIEW_DEVS] = "SELECT d.id, d.id_hash, d.revoked, d.name "
	    "FROM device d JOIN site s ON d.site_id = s.id WHERE s.name = ? "
	    "ORDER BY d.id",
	[S_VIEW_OWNER] = "SELECT s.name FROM device d "
	    "JOIN site s ON d.site_id = s.id WHERE d.id_hash = ?",
	[S_STATUS_PUT] = "INSERT INTO status (device_id, received, sent, "
	    "software, uptime, role, partner, proxy, wpad, body) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (device_id) DO UPDATE SET "
	    "received = excluded.received, sent = excluded.sent, "
	    "software = excluded.software, uptime = excluded.uptime, "
	    "role = excluded.role, partner = excluded.partner, "
	    "proxy = excluded.proxy, wpad = excluded.wpad, "
	    "body = excluded.body",
	[S_DEV_SEEN] = "UPDATE device SET last_report = "
	    "max(coalesce(last_report, 0), ?) WHERE id = ?",
	[S_EV_ADD] = "INSERT INTO event (device_id, seq, time, received, "
	    "kind, level, text) VALUES (?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (device_id, seq) DO NOTHING",
	[S_DEV_SEQ] = "UPDATE device SET last_seq = max(last_seq, ?) "
	    "WHERE id = ?",
	[S_DEV_GETSEQ] = "SELECT last_seq FROM device WHERE id = ?",
	[S_EV_LIST] = "SELECT e.id, s.name, d.name, e.seq, e.time, "
	    "e.received, e.kind, e.level, e.text FROM event e "
	    "JOIN device d ON e.device_id = d.id "
	    "JOIN site s ON d.site_id = s.id WHERE e.time >= ? "
	    "ORDER BY e.time, e.device_id, e.seq LIMIT ?",
	[S_AL_OPEN] = "INSERT INTO alarm (site_id, device, kind, opened, "
	    "text) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
	[S_AL_CLOSE] = "UPDATE alarm SET closed = ? WHERE closed IS NULL "
	    "AND device = ? AND kind = ? AND "
	    "site_id = (SELECT id FROM site WHERE name = ?)",
	[S_AL_LIST_OPEN] = "SELECT a.id, s.name, a.device, a.kind, a.opened, "
	    "a.closed, a.text FROM alarm a JOIN site s ON a.site_id = s.id "
	    "WHERE a.closed IS NULL ORDER BY a.opened, a.id",
	[S_AL_LIST_SINCE] = "SELECT a.id, s.name, a.device, a.kind, "
	    "a.opened, a.closed, a.text FROM alarm a "
	    "JOIN site s ON a.site_id = s.id WHERE a.opened >= ? "
	    "ORDER BY a.opened, a.id",
	[S_STATUS_LIST] = "SELECT d.name, t.received, t.body FROM status t "
	    "JOIN device d ON t.device_id = d.id "
	    "JOIN site s ON d.site_id = s.id WHERE s.name = ? ORDER BY d.name",
	[S_EV_LAST] = "SELECT e.id, s.name, d.name, e.seq, e.time, "
	    "e.received, e.kind, e.level, e.text FROM event e "
	    "JOIN device d ON e.device_id = d.id "
	    "JOIN site s ON d.site_id = s.id WHERE ?1 IS NULL OR s.name = ?1 "
	    "ORDER BY e.time DESC, e.id DESC LIMIT ?2",
	[S_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous = FULL",
};

/* Schema migrations: migrations[i] takes version i to version i + 1. */
static const char *const migrations[] = {
	/* 0 -> 1: the registry, status, events and alarms. */
	"CREATE TABLE site ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  descr TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE device ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  id_hash BLOB NOT NULL UNIQUE CHECK (length(id_hash) = 32),"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  last_report INTEGER,"
	"  last_seq INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (site_id, name));"
	"CREATE TABLE status ("
	"  device_id INTEGER PRIMARY KEY"
	"    REFERENCES device (id) ON DELETE CASCADE,"
	"  received INTEGER NOT NULL,"
	"  sent INTEGER NOT NULL,"
	"  software TEXT NOT NULL,"
	"  uptime INTEGER NOT NULL,"
	"  role TEXT NOT NULL,"
	"  partner TEXT NOT NULL,"
	"  proxy TEXT NOT NULL,"
	"  wpad TEXT NOT NULL,"
	"  body TEXT NOT NULL);"
	"CREATE TABLE event ("
	"  id INTEGER PRIMARY KEY,"
	"  device_id INTEGER NOT NULL REFERENCES device (id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  level TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  UNIQUE (device_id, seq));"
	"CREATE INDEX event_time ON event (time);"
	"CREATE TABLE alarm ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
	"  device TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL,"
	"  opened INTEGER NOT NULL,"
	"  closed INTEGER,"
	"  text TEXT NOT NULL);"
	"CREATE UNIQUE INDEX alarm_one_open ON alarm (site_id, device, kind)"
	"  WHERE closed IS NULL;"
	"CREATE INDEX alarm_opened ON alarm (opened);",
};
#define NMIGRATIONS	(int)(sizeof migrations / sizeof migrations[0])

struct sq_store {
	struct mon_store	 base;
	sqlite3			*db;
	sqlite3_stmt		*st[S_COUNT];
	int			 sync_full;	/* synchronous FULL now */
	char			 err[512];
};

static char	*sq_err(struct sq_store *, const char *);
static sqlite3_stmt *sq_stmt(struct sq_store *, enum sid, char **);
static int	sq_run(struct sq_store *, enum sid, char **);
static int	sq_script(struct sq_store *, const char *, char **);
static int	sq_pragma(struct sq_store *, const char *, const char *,
		    char **);
static void	sq_rollback(struct sq_store *);
static int	sq_sync(struct sq_store *, int, char **);
static void	col_text(sqlite3_stmt *, int, char *, size_t);
static uint64_t	col_u64(sqlite3_stmt *, int);
static int	bind_time(sqlite3_stmt *, int, uint64_t);
static int	site_id(struct sq_store *, const char *, int64_t *, char **);
static int	event_insert(struct sq_store *, int64_t,
		    const struct mon_event *, uint64_t, int *, char **);
static int	dev_seq(struct sq_store *, int64_t, uint64_t *, char **);
static int	dev_change(struct sq_store *, enum sid, const char *,
		    const char *, char **);
static enum mon_level level_parse(const char *);

static struct mon_store *sq_open(const char *, char **);
static void	sq_close(struct mon_store *);
static int	sq_migrate(struct mon_store *, int *, char **);
static int	sq_site_add(struct mon_store *, const char *, const char *,
		    uint64_t, char **);
static int	sq_site_remove(struct mon_store *, const char *, char **);
static int	sq_site_list(struct mon_store *, mon_store_site_cb, void *,
		    char **);
static int	sq_device_add(struct mon_store *, const char *, const char *,
		    const uint8_t *, uint64_t, char **);
static int	sq_device_revoke(struct mon_store *, const char *,
		    const char *, char **);
static int	sq_device_remove(struct mon_store *, const char *,
		    const char *, char **);
static int	sq_auth_view(struct mon_store *, const char *, const uint8_t *,
		    struct mon_auth_view *, char **);
static int	sq_report_record(struct mon_store *, int64_t,
		    const struct mon_report *, uint64_t, struct mon_store_ack *,
		    char **);
static int	sq_event_record(struct mon_store *, int64_t,
		    const struct mon_event *, uint64_t, int *, uint64_t *,
		    char **);
static int	sq_event_list(struct mon_store *, uint64_t, size_t,
		    mon_store_event_cb, void *, char **);
static int	sq_alarm_open(struct mon_store *, const char *, const char *,
		    const char *, uint64_t, const char *, int *, char **);
static int	sq_alarm_close(struct mon_store *, const char *, const char *,
		    const char *, uint64_t, int *, char **);
static int	sq_alarm_list(struct mon_store *, int, uint64_t,
		    mon_store_alarm_cb, void *, char **);
static int	sq_status_list(struct mon_store *, const char *,
		    mon_store_status_cb, void *, char **);
static int	sq_event_last(struct mon_store *, const char *, size_t,
		    mon_store_event_cb, void *, char **);
static int	event_rows(struct sq_store *, sqlite3_stmt *,
		    mon_store_event_cb, void *, char **);

const struct mon_store_ops mon_store_sqlite_ops = {
	"sqlite",
	sq_open,
	sq_close,
	sq_migrate,
	sq_site_add,
	sq_site_remove,
	sq_site_list,
	sq_device_add,
	sq_device_revoke,
	sq_device_remove,
	sq_auth_view,
	sq_report_record,
	sq_event_record,
	sq_event_list,
	sq_alarm_open,
	sq_alarm_close,
	sq_alarm_list,
	sq_status_list,
	sq_event_last,
};

/* Describe the last SQLite error, "what: message". */
static char *
sq_err(struct sq_store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s: %s", what,
	    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
	return (s->err);
}

/* The prepared statement <id>, prepared on first use, reset and clear. */
static sqlite3_stmt *
sq_stmt(struct sq_store *s, enum sid id, char **cause)
{
	if (s->st[id] == NULL) {
		if (sqlite3_prepare_v3(s->db, sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL) != SQLITE_OK) {
			*cause = sq_err(s, "prepare");
			return (NULL);
		}
	}
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return (s->st[id]);
}

/* Run a statement without parameters or rows. */
static int
sq_run(struct sq_store *s, enum sid id, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = sq_stmt(s, id, cause)) == NULL)
		return (-1);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, sql[id]);
		return (-1);
	}
	return (0);
}

/* Run each statement of a constant script, prepared one at a time. */
static int
sq_script(struct sq_store *s, const char *script, char **cause)
{
	sqlite3_stmt	*st;
	const char	*tail = script;
	int		 rc;

	while (*tail != '\0') {
		if (sqlite3_prepare_v2(s->db, tail, -1, &st, &tail) !=
		    SQLITE_OK) {
			*cause = sq_err(s, "migration");
			return (-1);
		}
		if (st == NULL)		/* blanks after the last ';' */
			break;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			*cause = sq_err(s, "migration");
			return (-1);
		}
	}
	return (0);
}

/* Set a pragma and check the value it reports, if any. */
static int
sq_pragma(struct sq_store *s, const char *pragma, const char *want,
    char **cause)
{
	sqlite3_stmt	*st;
	const char	*got;
	int		 rc, ok = 1;

	if (sqlite3_prepare_v2(s->db, pragma, -1, &st, NULL) != SQLITE_OK) {
		*cause = sq_err(s, pragma);
		return (-1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		got = (const char *)sqlite3_column_text(st, 0);
		if (want != NULL && (got == NULL ||
		    sqlite3_stricmp(got, want) != 0))
			ok = 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, pragma);
		return (-1);
	}
	if (!ok) {
		snprintf(s->err, sizeof s->err, "%s: not supported here",
		    pragma);
		*cause = s->err;
		return (-1);
	}
	return (0);
}

/* Set synchronous FULL (1) or NORMAL (0), outside a transaction. */
static int
sq_sync(struct sq_store *s, int full, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (s->sync_full == full)
		return (0);
	if ((st = sq_stmt(s, full ? S_SYNC_FULL : S_SYNC_NORMAL,
	    cause)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "synchronous");
		return (-1);
	}
	s->sync_full = full;
	return (0);
}

static void
sq_rollback(struct sq_store *s)
{
	char	*ignored;

	if (!sqlite3_get_autocommit(s->db))
		sq_run(s, S_ROLLBACK, &ignored);
}

static void
col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
}

static uint64_t
col_u64(sqlite3_stmt *st, int i)
{
	sqlite3_int64	v = sqlite3_column_int64(st, i);

	return (v < 0 ? 0 : (uint64_t)v);
}

/* SQLite integers are signed: refuse what would turn negative. */
static int
bind_time(sqlite3_stmt *st, int i, uint64_t v)
{
	if (v > INT64_MAX)
		return (SQLITE_RANGE);
	return (sqlite3_bind_int64(st, i, (sqlite3_int64)v));
}

static enum mon_level
level_parse(const char *s)
{
	if (strcmp(s, "critical") == 0)
		return (MON_LEVEL_CRITICAL);
	if (strcmp(s, "warning") == 0)
		return (MON_LEVEL_WARNING);
	return (MON_LEVEL_INFO);
}

static struct mon_store *
sq_open(const char *path, char **cause)
{
	static char	 errbuf[512];
	struct sq_store	*s;

	s = xcalloc(1, sizeof *s);
	s->base.ops = &mon_store_sqlite_ops;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	s->sync_full = 1;
	if (sq_pragma(s, "PRAGMA journal_mode = WAL", "wal", cause) == -1 ||
	    sq_pragma(s, "PRAGMA synchronous = FULL", NULL, cause) == -1 ||
	    sq_pragma(s, "PRAGMA foreign_keys = ON", NULL, cause) == -1) {
		snprintf(errbuf, sizeof errbuf, "%s: %s", path, *cause);
		goto fail;
	}
	return (&s->base);
fail:
	*cause = errbuf;
	sqlite3_close(s->db);
	free(s);
	return (NULL);
}

static void
sq_close(struct mon_store *base)
{
	struct sq_store	*s = (struct sq_store *)base;
	int		 i;

	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

static int
sq_migrate(struct mon_store *base, int *from, char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	int		 version = 0, i;

	if (sq_run(s, S_BEGIN, cause) == -1)
		return (-1);
	if ((st = sq_stmt(s, S_HAS_VERSION, cause)) == NULL)
		goto fail;
	if (sqlite3_step(st) != SQLITE_ROW) {
		*cause = sq_err(s, "schema_version");
		goto fail;
	}
	i = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (i == 0) {
		if (sq_run(s, S_VERSION_INIT, cause) == -1)
			goto fail;
	} else {
		if ((st = sq_stmt(s, S_VERSION_GET, cause)) == NULL)
			goto fail;
		if (sqlite3_step(st) != SQLITE_ROW ||
		    sqlite3_column_int(st, 0) != 1) {
			sqlite3_reset(st);
			snprintf(s->err, sizeof s->err, "schema_version: "
			    "expected one row");
			*cause = s->err;
			goto fail;
		}
		version = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
	}
	*from = version;
	if (version > NMIGRATIONS || version < 0) {
		snprintf(s->err, sizeof s->err, "database schema version %d "
		    "is newer than this program's (%d)", version,
		    NMIGRATIONS);
		*cause = s->err;
		goto fail;
	}
	for (i = version; i < NMIGRATIONS; i++)
		if (sq_script(s, migrations[i], cause) == -1)
			goto fail;
	if ((st = sq_stmt(s, S_VERSION_SET, cause)) == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, NMIGRATIONS);
	if (sqlite3_step(st) != SQLITE_DONE) {
		*cause = sq_err(s, "schema_version");
		goto fail;
	}
	sqlite3_reset(st);
	return (sq_run(s, S_COMMIT, cause));
fail:
	sq_rollback(s);
	return (-1);
}

static int
site_id(struct sq_store *s, const char *name, int64_t *id, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = sq_stmt(s, S_SITE_ID, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return (0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		snprintf(s->err, sizeof s->err, "no site '%s'", name);
		*cause = s->err;
	} else
		*cause = sq_err(s, "site");
	return (-1);
}

static int
sq_site_add(struct mon_store *base, const char *name, const char *descr,
    uint64_t now, char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	int		 rc;

	if (!mon_site_valid(name)) {
		snprintf(s->err, sizeof s->err, "'%s' is not a site ID "
		    "(lowercase letters, digits, '-', at most 63)", name);
		*cause = s->err;
		return (-1);
	}
	if (descr != NULL && strlen(descr) > MON_STORE_DESCR_MAX) {
		snprintf(s->err, sizeof s->err, "description longer than %d",
		    MON_STORE_DESCR_MAX);
		*cause = s->err;
		return (-1);
	}
	if (sq_sync(s, 1, cause) == -1 ||
	    (st = sq_stmt(s, S_SITE_ADD, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, descr != NULL ? descr : "", -1,
	    SQLITE_STATIC);
	bind_time(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		snprintf(s->err, sizeof s->err, "site '%s' exists already",
		    name);
		*cause = s->err;
		return (-1);
	}
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "site");
		return (-1);
	}
	return (0);
}

static int
sq_site_remove(struct mon_store *base, const char *name, char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	int		 rc;

	if (sq_sync(s, 1, cause) == -1 ||
	    (st = sq_stmt(s, S_SITE_DEL, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "site");
		return (-1);
	}
	if (sqlite3_changes(s->db) == 0) {
		snprintf(s->err, sizeof s->err, "no site '%s'", name);
		*cause = s->err;
		return (-1);
	}
	return (0);
}

static int
sq_site_list(struct mon_store *base, mon_store_site_cb cb, void *arg,
    char **cause)
{
	struct sq_store		*s = (struct sq_store *)base;
	struct mon_store_site	 site;
	struct mon_store_device	 dev[MON_AUTH_MAXDEV], *d;
	sqlite3_stmt		*st;
	size_t			 ndev = 0;
	int			 rc, have = 0, stop = 0;

	if ((st = sq_stmt(s, S_SITE_LIST, cause)) == NULL)
		return (-1);
	memset(&site, 0, sizeof site);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!have || sqlite3_column_int64(st, 0) != site.id) {
			if (have)
				stop = cb(arg, &site, dev, ndev);
			memset(&site, 0, sizeof site);
			site.id = sqlite3_column_int64(st, 0);
			col_text(st, 1, site.name, sizeof site.name);
			col_text(st, 2, site.descr, sizeof site.descr);
			site.created = col_u64(st, 3);
			ndev = 0;
			have = 1;
		}
		if (sqlite3_column_type(st, 4) == SQLITE_NULL ||
		    ndev == MON_AUTH_MAXDEV)
			continue;
		d = &dev[ndev++];
		memset(d, 0, sizeof *d);
		d->id = sqlite3_column_int64(st, 4);
		d->site_id = site.id;
		strlcpy(d->site, site.name, sizeof d->site);
		col_text(st, 5, d->name, sizeof d->name);
		d->revoked = sqlite3_column_int(st, 6);
		d->created = col_u64(st, 7);
		d->last_report = col_u64(st, 8);
		d->last_seq = col_u64(st, 9);
		col_text(st, 10, d->role, sizeof d->role);
		col_text(st, 11, d->partner, sizeof d->partner);
		col_text(st, 12, d->software, sizeof d->software);
	}
	if (stop) {
		sqlite3_reset(st);
		return (0);
	}
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "site list");
		sqlite3_reset(st);
		return (-1);
	}
	sqlite3_reset(st);
	if (have)
		cb(arg, &site, dev, ndev);
	return (0);
}

static int
sq_device_add(struct mon_store *base, const char *site, const char *name,
    const uint8_t *hash, uint64_t now, char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	int64_t		 sid;
	int		 rc;

	if (!mon_name_valid(name)) {
		snprintf(s->err, sizeof s->err, "'%s' is not a device name "
		    "(letters, digits, - _ ., at most 64)", name);
		*cause = s->err;
		return (-1);
	}
	if (sq_sync(s, 1, cause) == -1 || sq_run(s, S_BEGIN, cause) == -1)
		return (-1);
	if (site_id(s, site, &sid, cause) == -1)
		goto fail;
	if ((st = sq_stmt(s, S_DEV_COUNT, cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	if (sqlite3_step(st) != SQLITE_ROW) {
		*cause = sq_err(s, "device");
		goto fail;
	}
	rc = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	/* The auth view holds every device of a site. */
	if (rc >= MON_AUTH_MAXDEV) {
		snprintf(s->err, sizeof s->err, "site '%s' has %d devices "
		    "already, the most there may be", site, MON_AUTH_MAXDEV);
		*cause = s->err;
		goto fail;
	}
	if ((st = sq_stmt(s, S_DEV_ADD, cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, MON_DEVID_HASHLEN, SQLITE_STATIC);
	bind_time(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		snprintf(s->err, sizeof s->err, "device '%s' of site '%s' or "
		    "its device ID is registered already", name, site);
		*cause = s->err;
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "device");
		goto fail;
	}
	return (sq_run(s, S_COMMIT, cause));
fail:
	sq_rollback(s);
	return (-1);
}

/* Run a device statement of (name, site) that must touch one row. */
static int
dev_change(struct sq_store *s, enum sid id, const char *site,
    const char *name, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sq_sync(s, 1, cause) == -1 || (st = sq_stmt(s, id, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, site, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "device");
		return (-1);
	}
	if (sqlite3_changes(s->db) == 0) {
		snprintf(s->err, sizeof s->err, "no device '%s' in site '%s'",
		    name, site);
		*cause = s->err;
		return (-1);
	}
	return (0);
}

static int
sq_device_revoke(struct mon_store *base, const char *site, const char *name,
    char **cause)
{
	return (dev_change((struct sq_store *)base, S_DEV_REVOKE, site, name,
	    cause));
}

static int
sq_device_remove(struct mon_store *base, const char *site, const char *name,
    char **cause)
{
	return (dev_change((struct sq_store *)base, S_DEV_DEL, site, name,
	    cause));
}

static int
sq_auth_view(struct mon_store *base, const char *site, const uint8_t *hash,
    struct mon_auth_view *v, char **cause)
{
	struct sq_store		*s = (struct sq_store *)base;
	struct mon_auth_dev	*d;
	sqlite3_stmt		*st;
	int			 rc;

	memset(v, 0, sizeof *v);
	if ((st = sq_stmt(s, S_SITE_ID, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = sq_err(s, "site");
		return (-1);
	}
	v->site_exists = rc == SQLITE_ROW;
	if ((st = sq_stmt(s, S_VIEW_DEVS, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    v->ndev < MON_AUTH_MAXDEV) {
		d = &v->dev[v->ndev];
		if (sqlite3_column_bytes(st, 1) != MON_DEVID_HASHLEN)
			continue;
		d->id = sqlite3_column_int64(st, 0);
		memcpy(d->hash, sqlite3_column_blob(st, 1), MON_DEVID_HASHLEN);
		d->revoked = sqlite3_column_int(st, 2);
		col_text(st, 3, d->name, sizeof d->name);
		v->ndev++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = sq_err(s, "devices");
		return (-1);
	}
	if (hash == NULL)
		return (0);
	if ((st = sq_stmt(s, S_VIEW_OWNER, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, hash, MON_DEVID_HASHLEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, v->id_site, sizeof v->id_site);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = sq_err(s, "device owner");
		return (-1);
	}
	return (0);
}

/* Insert one event unless (device, seq) is there; inside a transaction. */
static int
event_insert(struct sq_store *s, int64_t dev, const struct mon_event *ev,
    uint64_t received, int *dup, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (ev->seq == 0 || ev->seq > INT64_MAX || ev->time > INT64_MAX) {
		snprintf(s->err, sizeof s->err, "event seq %" PRIu64 ": "
		    "sequence number or time out of range", ev->seq);
		*cause = s->err;
		return (-1);
	}
	if ((st = sq_stmt(s, S_EV_ADD, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, dev);
	bind_time(st, 2, ev->seq);
	bind_time(st, 3, ev->time);
	bind_time(st, 4, received);
	sqlite3_bind_text(st, 5, ev->kind_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, mon_level_name(mon_event_level(ev->kind)), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ev->text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "event");
		return (-1);
	}
	*dup = sqlite3_changes(s->db) == 0;
	if (*dup)
		return (0);
	if ((st = sq_stmt(s, S_DEV_SEQ, cause)) == NULL)
		return (-1);
	bind_time(st, 1, ev->seq);
	sqlite3_bind_int64(st, 2, dev);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "device");
		return (-1);
	}
	return (0);
}

/* The device's highest stored seq; an unknown device is an error. */
static int
dev_seq(struct sq_store *s, int64_t dev, uint64_t *seq, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = sq_stmt(s, S_DEV_GETSEQ, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, dev);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = col_u64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		snprintf(s->err, sizeof s->err, "no device #%" PRId64, dev);
		*cause = s->err;
		return (-1);
	}
	if (rc != SQLITE_ROW) {
		*cause = sq_err(s, "device");
		return (-1);
	}
	return (0);
}

static int
sq_report_record(struct mon_store *base, int64_t dev,
    const struct mon_report *r, uint64_t received, struct mon_store_ack *ack,
    char **cause)
{
	struct sq_store		*s = (struct sq_store *)base;
	struct mon_report	*status;
	sqlite3_stmt		*st;
	const char		*detail;
	char			*body;
	size_t			 i, len;
	int			 rc, dup;

	memset(ack, 0, sizeof *ack);
	/* The status is kept as its canonical text, without the events. */
	status = xmalloc(sizeof *status);
	*status = *r;
	status->nev = 0;
	body = xmalloc(MON_MSG_MAX);
	if (mon_report_encode(status, body, MON_MSG_MAX, &len, &detail) ==
	    -1) {
		snprintf(s->err, sizeof s->err, "report: %s", detail);
		*cause = s->err;
		goto out;
	}
	if (sq_sync(s, r->nev > 0, cause) == -1 ||
	    sq_run(s, S_BEGIN, cause) == -1)
		goto out;
	if (dev_seq(s, dev, &ack->prev, cause) == -1)
		goto fail;
	ack->ack = ack->prev;
	if ((st = sq_stmt(s, S_STATUS_PUT, cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, dev);
	bind_time(st, 2, received);
	bind_time(st, 3, r->sent);
	sqlite3_bind_text(st, 4, r->software, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->uptime > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)r->uptime);
	sqlite3_bind_text(st, 6, mon_role_name(r->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, mon_partner_name(r->partner), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 8, mon_svc_name(r->proxy), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, mon_svc_name(r->wpad), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, body, len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "status");
		goto fail;
	}
	if ((st = sq_stmt(s, S_DEV_SEEN, cause)) == NULL)
		goto fail;
	bind_time(st, 1, received);
	sqlite3_bind_int64(st, 2, dev);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "device");
		goto fail;
	}
	for (i = 0; i < r->nev; i++) {
		if (event_insert(s, dev, &r->ev[i], received, &dup, cause) ==
		    -1)
			goto fail;
		if (dup)
			ack->duplicates++;
		else
			ack->stored++;
	}
	if (dev_seq(s, dev, &ack->ack, cause) == -1)
		goto fail;
	if (sq_run(s, S_COMMIT, cause) == -1)
		goto fail;
	free(body);
	free(status);
	return (0);
fail:
	sq_rollback(s);
out:
	memset(ack, 0, sizeof *ack);
	free(body);
	free(status);
	return (-1);
}

static int
sq_event_record(struct mon_store *base, int64_t dev,
    const struct mon_event *ev, uint64_t received, int *dup, uint64_t *ack,
    char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;

	if (sq_sync(s, 1, cause) == -1 || sq_run(s, S_BEGIN, cause) == -1)
		return (-1);
	if (dev_seq(s, dev, ack, cause) == -1 ||
	    event_insert(s, dev, ev, received, dup, cause) == -1 ||
	    dev_seq(s, dev, ack, cause) == -1 ||
	    sq_run(s, S_COMMIT, cause) == -1) {
		sq_rollback(s);
		return (-1);
	}
	return (0);
}

/* Hand every row of an event listing to <cb>. */
static int
event_rows(struct sq_store *s, sqlite3_stmt *st, mon_store_event_cb cb,
    void *arg, char **cause)
{
	struct mon_store_event	 e;
	char			 level[16];
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof e);
		e.id = sqlite3_column_int64(st, 0);
		col_text(st, 1, e.site, sizeof e.site);
		col_text(st, 2, e.device, sizeof e.device);
		e.seq = col_u64(st, 3);
		e.time = col_u64(st, 4);
		e.received = col_u64(st, 5);
		col_text(st, 6, e.kind, sizeof e.kind);
		col_text(st, 7, level, sizeof level);
		e.level = level_parse(level);
		col_text(st, 8, e.text, sizeof e.text);
		if (cb(arg, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "event list");
		return (-1);
	}
	return (0);
}

static int
sq_event_list(struct mon_store *base, uint64_t since, size_t limit,
    mon_store_event_cb cb, void *arg, char **cause)
{
	struct sq_store		*s = (struct sq_store *)base;
	sqlite3_stmt		*st;

	if ((st = sq_stmt(s, S_EV_LIST, cause)) == NULL)
		return (-1);
	bind_time(st, 1, since > INT64_MAX ? INT64_MAX : since);
	sqlite3_bind_int64(st, 2, limit > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)limit);
	return (event_rows(s, st, cb, arg, cause));
}

static int
sq_event_last(struct mon_store *base, const char *site, size_t limit,
    mon_store_event_cb cb, void *arg, char **cause)
{
	struct sq_store		*s = (struct sq_store *)base;
	sqlite3_stmt		*st;

	if ((st = sq_stmt(s, S_EV_LAST, cause)) == NULL)
		return (-1);
	if (site != NULL)
		sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)limit);
	return (event_rows(s, st, cb, arg, cause));
}

static int
sq_alarm_open(struct mon_store *base, const char *site, const char *device,
    const char *kind, uint64_t now, const char *text, int *opened,
    char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	int64_t		 sid;
	int		 rc;

	*opened = 0;
	if (sq_sync(s, 0, cause) == -1 || site_id(s, site, &sid, cause) == -1)
		return (-1);
	if ((st = sq_stmt(s, S_AL_OPEN, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_text(st, 2, device != NULL ? device : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	bind_time(st, 4, now);
	sqlite3_bind_text(st, 5, text != NULL ? text : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "alarm");
		return (-1);
	}
	*opened = sqlite3_changes(s->db) != 0;
	return (0);
}

static int
sq_alarm_close(struct mon_store *base, const char *site, const char *device,
    const char *kind, uint64_t now, int *closed, char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	int		 rc;

	*closed = 0;
	if (sq_sync(s, 0, cause) == -1 ||
	    (st = sq_stmt(s, S_AL_CLOSE, cause)) == NULL)
		return (-1);
	bind_time(st, 1, now);
	sqlite3_bind_text(st, 2, device != NULL ? device : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, site, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "alarm");
		return (-1);
	}
	*closed = sqlite3_changes(s->db) != 0;
	return (0);
}

static int
sq_alarm_list(struct mon_store *base, int open_only, uint64_t since,
    mon_store_alarm_cb cb, void *arg, char **cause)
{
	struct sq_store		*s = (struct sq_store *)base;
	struct mon_store_alarm	 a;
	sqlite3_stmt		*st;
	int			 rc;

	st = sq_stmt(s, open_only ? S_AL_LIST_OPEN : S_AL_LIST_SINCE, cause);
	if (st == NULL)
		return (-1);
	if (!open_only)
		bind_time(st, 1, since > INT64_MAX ? INT64_MAX : since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof a);
		a.id = sqlite3_column_int64(st, 0);
		col_text(st, 1, a.site, sizeof a.site);
		col_text(st, 2, a.device, sizeof a.device);
		col_text(st, 3, a.kind, sizeof a.kind);
		a.opened = col_u64(st, 4);
		a.closed = col_u64(st, 5);
		col_text(st, 6, a.text, sizeof a.text);
		if (cb(arg, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "alarm list");
		return (-1);
	}
	return (0);
}

static int
sq_status_list(struct mon_store *base, const char *site,
    mon_store_status_cb cb, void *arg, char **cause)
{
	struct sq_store	*s = (struct sq_store *)base;
	sqlite3_stmt	*st;
	const char	*body;
	char		 name[MON_NAME_MAX + 1];
	int		 rc;

	if ((st = sq_stmt(s, S_STATUS_LIST, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		col_text(st, 0, name, sizeof name);
		if ((body = (const char *)sqlite3_column_text(st, 2)) == NULL)
			body = "";
		if (cb(arg, name, col_u64(st, 1), body,
		    (size_t)sqlite3_column_bytes(st, 2)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = sq_err(s, "status list");
		return (-1);
	}
	return (0);
}
