/*
 * mon_store.c: the storage interface: pick a backend by name, open and
 * migrate it, and pass each call to its ops.
 */
#include <stdio.h>
#include <string.h>

#include "mon_store.h"

static const struct mon_store_ops *const backends[] = {
	&mon_store_sqlite_ops,
	NULL
};

/*
 * Open the store of backend <name> ("sqlite") at <path> and bring its
 * schema up to date; a store written by a newer version is refused.
 */
struct mon_store *
mon_store_open(const char *name, const char *path, char **cause)
{
	static char			 errbuf[256];
	const struct mon_store_ops	*const *b;
	struct mon_store		*st;
	int				 from;

	for (b = backends; *b != NULL; b++)
		if (strcmp((*b)->name, name) == 0)
			break;
	if (*b == NULL) {
		snprintf(errbuf, sizeof errbuf, "no storage backend '%s'",
		    name);
		*cause = errbuf;
		return (NULL);
	}
	if ((st = (*b)->open(path, cause)) == NULL)
		return (NULL);
	if (st->ops->migrate(st, &from, cause) == -1) {
		/* The cause lives in the store: copy it before closing. */
		snprintf(errbuf, sizeof errbuf, "%s", *cause);
		*cause = errbuf;
		st->ops->close(st);
		return (NULL);
	}
	return (st);
}

void
mon_store_close(struct mon_store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

/* Bring the schema up to date; <from> gets the version found. */
int
mon_store_migrate(struct mon_store *st, int *from, char **cause)
{
	return (st->ops->migrate(st, from, cause));
}

/* Register site <name> with a description (may be NULL). */
int
mon_store_site_add(struct mon_store *st, const char *name, const char *descr,
    uint64_t now, char **cause)
{
	return (st->ops->site_add(st, name, descr, now, cause));
}

/* Remove a site with its devices, status, events and alarms. */
int
mon_store_site_remove(struct mon_store *st, const char *name, char **cause)
{
	return (st->ops->site_remove(st, name, cause));
}

/* Call <cb> for each site, by name, with its devices by name. */
int
mon_store_site_list(struct mon_store *st, mon_store_site_cb cb, void *arg,
    char **cause)
{
	return (st->ops->site_list(st, cb, arg, cause));
}

/* Register device <name> of <site> by the hash of its device ID. */
int
mon_store_device_add(struct mon_store *st, const char *site, const char *name,
    const uint8_t *hash, uint64_t now, char **cause)
{
	return (st->ops->device_add(st, site, name, hash, now, cause));
}

/* Revoke a device: it stays listed, its ID is refused. */
int
mon_store_device_revoke(struct mon_store *st, const char *site,
    const char *name, char **cause)
{
	return (st->ops->device_revoke(st, site, name, cause));
}

int
mon_store_device_remove(struct mon_store *st, const char *site,
    const char *name, char **cause)
{
	return (st->ops->device_remove(st, site, name, cause));
}

/*
 * Fill the view mon_auth_decide() needs: does <site> exist, its devices,
 * and which site owns a device with ID hash <hash> (NULL: do not look).
 */
int
mon_store_auth_view(struct mon_store *st, const char *site,
    const uint8_t *hash, struct mon_auth_view *v, char **cause)
{
	return (st->ops->auth_view(st, site, hash, v, cause));
}

/* Store a report of device <dev> and its events, in one transaction. */
int
mon_store_report_record(struct mon_store *st, int64_t dev,
    const struct mon_report *r, uint64_t received, struct mon_store_ack *ack,
    char **cause)
{
	return (st->ops->report_record(st, dev, r, received, ack, cause));
}

/* Store one event; *<dup> says whether it was there already. */
int
mon_store_event_record(struct mon_store *st, int64_t dev,
    const struct mon_event *ev, uint64_t received, int *dup, uint64_t *ack,
    char **cause)
{
	return (st->ops->event_record(st, dev, ev, received, dup, ack, cause));
}

/* Call <cb> for up to <limit> events that happened at or after <since>. */
int
mon_store_event_list(struct mon_store *st, uint64_t since, size_t limit,
    mon_store_event_cb cb, void *arg, char **cause)
{
	return (st->ops->event_list(st, since, limit, cb, arg, cause));
}

/*
 * Open alarm <kind> for <site> (and <device>, or NULL for the site);
 * *<opened> is 0 if the same alarm was open already.
 */
int
mon_store_alarm_open(struct mon_store *st, const char *site,
    const char *device, const char *kind, uint64_t now, const char *text,
    int *opened, char **cause)
{
	return (st->ops->alarm_open(st, site, device, kind, now, text, opened,
	    cause));
}

/* Close an open alarm; *<closed> is 0 if none was open. */
int
mon_store_alarm_close(struct mon_store *st, const char *site,
    const char *device, const char *kind, uint64_t now, int *closed,
    char **cause)
{
	return (st->ops->alarm_close(st, site, device, kind, now, closed,
	    cause));
}

/* Call <cb> for the open alarms, or all opened at or after <since>. */
int
mon_store_alarm_list(struct mon_store *st, int open_only, uint64_t since,
    mon_store_alarm_cb cb, void *arg, char **cause)
{
	return (st->ops->alarm_list(st, open_only, since, cb, arg, cause));
}

/*
 * Call <cb> for the latest status of each device of <site> that has
 * reported, in device name order.
 */
int
mon_store_status_list(struct mon_store *st, const char *site,
    mon_store_status_cb cb, void *arg, char **cause)
{
	return (st->ops->status_list(st, site, cb, arg, cause));
}

/*
 * Call <cb> for the <limit> latest events, of <site> or of every site
 * (NULL), newest first.
 */
int
mon_store_event_last(struct mon_store *st, const char *site, size_t limit,
    mon_store_event_cb cb, void *arg, char **cause)
{
	return (st->ops->event_last(st, site, limit, cb, arg, cause));
}
