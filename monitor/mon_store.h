/*
 * mon_store.h: the center's storage, a small interface with one backend
 * per file behind an ops struct (mon_store_sqlite.c is the one there is).
 *
 * What it keeps: the registry (sites; their devices with the SHA-256 of
 * each device ID and a revoked flag), the latest status of each device
 * (one row per device, replaced by every report: keeping every alive
 * report of a thousand sites would grow by millions of rows a day and
 * tell nothing the events do not), the events (deduplicated by device and
 * sequence number, so a report retried after a lost acknowledgement is
 * recognised and acknowledged without a second row) and the alarms, open
 * and closed. Times are milliseconds since 1970 UTC.
 *
 * Every call returns 0 or -1 with <cause> (a string owned by the store,
 * valid until the next call). A report and its events are stored in one
 * transaction, and acknowledged only once it is committed.
 */
#ifndef MON_STORE_H
#define MON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mon_auth.h"
#include "mon_report.h"

#define MON_STORE_DESCR_MAX	128

struct mon_store;

struct mon_store_site {
	int64_t			 id;
	char			 name[MON_SITE_MAX + 1];
	char			 descr[MON_STORE_DESCR_MAX + 1];
	uint64_t		 created;
};

struct mon_store_device {
	int64_t			 id;
	int64_t			 site_id;
	char			 site[MON_SITE_MAX + 1];
	char			 name[MON_NAME_MAX + 1];
	int			 revoked;
	uint64_t		 created;
	uint64_t		 last_report;	/* received; 0 if never */
	uint64_t		 last_seq;	/* highest event stored */
	/* From the latest report, "" if none. */
	char			 role[16];
	char			 partner[16];
	char			 software[MON_SOFTWARE_MAX + 1];
};

struct mon_store_event {
	int64_t			 id;
	char			 site[MON_SITE_MAX + 1];
	char			 device[MON_NAME_MAX + 1];
	uint64_t		 seq;
	uint64_t		 time;		/* when it happened */
	uint64_t		 received;
	char			 kind[MON_KIND_MAX + 1];
	enum mon_level		 level;
	char			 text[MON_TEXT_MAX + 1];
};

struct mon_store_alarm {
	int64_t			 id;
	char			 site[MON_SITE_MAX + 1];
	char			 device[MON_NAME_MAX + 1];	/* "" site */
	char			 kind[MON_KIND_MAX + 1];
	uint64_t		 opened;
	uint64_t		 closed;	/* 0 while open */
	char			 text[MON_TEXT_MAX + 1];
};

/* What storing a report did. */
struct mon_store_ack {
	uint64_t		 prev;		/* highest seq stored before */
	uint64_t		 ack;		/* highest seq stored */
	unsigned int		 stored;
	unsigned int		 duplicates;
};

/* Listing callbacks; a non-zero return stops the listing. */
typedef int	(*mon_store_site_cb)(void *, const struct mon_store_site *,
		    const struct mon_store_device *, size_t);
typedef int	(*mon_store_event_cb)(void *, const struct mon_store_event *);
typedef int	(*mon_store_alarm_cb)(void *, const struct mon_store_alarm *);
/* A device's latest status: its name, when received, the status text. */
typedef int	(*mon_store_status_cb)(void *, const char *, uint64_t,
		    const char *, size_t);

struct mon_store_ops {
	const char	*name;
	struct mon_store *(*open)(const char *, char **);
	void		 (*close)(struct mon_store *);
	int		 (*migrate)(struct mon_store *, int *, char **);
	int		 (*site_add)(struct mon_store *, const char *,
			     const char *, uint64_t, char **);
	int		 (*site_remove)(struct mon_store *, const char *,
			     char **);
	int		 (*site_list)(struct mon_store *, mon_store_site_cb,
			     void *, char **);
	int		 (*device_add)(struct mon_store *, const char *,
			     const char *, const uint8_t *, uint64_t,
			     char **);
	int		 (*device_revoke)(struct mon_store *, const char *,
			     const char *, char **);
	int		 (*device_remove)(struct mon_store *, const char *,
			     const char *, char **);
	int		 (*auth_view)(struct mon_store *, const char *,
			     const uint8_t *, struct mon_auth_view *,
			     char **);
	int		 (*report_record)(struct mon_store *, int64_t,
			     const struct mon_report *, uint64_t,
			     struct mon_store_ack *, char **);
	int		 (*event_record)(struct mon_store *, int64_t,
			     const struct mon_event *, uint64_t, int *,
			     uint64_t *, char **);
	int		 (*event_list)(struct mon_store *, uint64_t, size_t,
			     mon_store_event_cb, void *, char **);
	int		 (*alarm_open)(struct mon_store *, const char *,
			     const char *, const char *, uint64_t,
			     const char *, int *, char **);
	int		 (*alarm_close)(struct mon_store *, const char *,
			     const char *, const char *, uint64_t, int *,
			     char **);
	int		 (*alarm_list)(struct mon_store *, int, uint64_t,
			     mon_store_alarm_cb, void *, char **);
	int		 (*status_list)(struct mon_store *, const char *,
			     mon_store_status_cb, void *, char **);
	int		 (*event_last)(struct mon_store *, const char *,
			     size_t, mon_store_event_cb, void *, char **);
};

/* Every backend's handle starts with this. */
struct mon_store {
	const struct mon_store_ops	*ops;
};

/* mon_store.c */
struct mon_store *mon_store_open(const char *, const char *, char **);
void		 mon_store_close(struct mon_store *);
int		 mon_store_migrate(struct mon_store *, int *, char **);
int		 mon_store_site_add(struct mon_store *, const char *,
		     const char *, uint64_t, char **);
int		 mon_store_site_remove(struct mon_store *, const char *,
		     char **);
int		 mon_store_site_list(struct mon_store *, mon_store_site_cb,
		     void *, char **);
int		 mon_store_device_add(struct mon_store *, const char *,
		     const char *, const uint8_t *, uint64_t, char **);
int		 mon_store_device_revoke(struct mon_store *, const char *,
		     const char *, char **);
int		 mon_store_device_remove(struct mon_store *, const char *,
		     const char *, char **);
int		 mon_store_auth_view(struct mon_store *, const char *,
		     const uint8_t *, struct mon_auth_view *, char **);
int		 mon_store_report_record(struct mon_store *, int64_t,
		     const struct mon_report *, uint64_t,
		     struct mon_store_ack *, char **);
int		 mon_store_event_record(struct mon_store *, int64_t,
		     const struct mon_event *, uint64_t, int *, uint64_t *,
		     char **);
int		 mon_store_event_list(struct mon_store *, uint64_t, size_t,
		     mon_store_event_cb, void *, char **);
int		 mon_store_alarm_open(struct mon_store *, const char *,
		     const char *, const char *, uint64_t, const char *, int *,
		     char **);
int		 mon_store_alarm_close(struct mon_store *, const char *,
		     const char *, const char *, uint64_t, int *, char **);
int		 mon_store_alarm_list(struct mon_store *, int, uint64_t,
		     mon_store_alarm_cb, void *, char **);
int		 mon_store_status_list(struct mon_store *, const char *,
		     mon_store_status_cb, void *, char **);
int		 mon_store_event_last(struct mon_store *, const char *, size_t,
		     mon_store_event_cb, void *, char **);

/* mon_store_sqlite.c */
extern const struct mon_store_ops mon_store_sqlite_ops;
#define MON_STORE_SCHEMA_VERSION	1

#endif
