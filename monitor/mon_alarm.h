/*
 * mon_alarm.h: the center's alive timer, a pure state machine on an
 * abstract clock like ha/ha_fsm.c: every entry point takes the current
 * time in milliseconds, transitions are reported through a callback.
 *
 * Each device of a site is ok until nothing came from it for the site's
 * alive-timeout, then silent. A site is
 *	UNKNOWN	registered, nothing heard yet and its first timeout not over;
 *	OK	at least one of its devices is ok;
 *	SILENT	every device silent (or none ever heard within the timeout):
 *		the alarm is raised; a report from any device clears it.
 * Device transitions are reported too (one peer of a pair silent while
 * the other reports is worth knowing), with the device's name.
 *
 * Cost: the devices that are ok sit in a min-heap of deadlines, so a
 * report is O(log n), a tick pops only what expired, and the daemon arms
 * a single timer for mon_alarm_next(); nothing scans every site. Sites
 * are found by name in a red-black tree.
 */
#ifndef MON_ALARM_H
#define MON_ALARM_H

#include <stddef.h>
#include <stdint.h>

#include "mon_report.h"

#define MON_ALARM_MAXDEV	16	/* devices per site */
#define MON_ALARM_NEVER		UINT64_MAX

enum mon_site_state {
	MON_SITE_UNKNOWN,
	MON_SITE_OK,
	MON_SITE_SILENT
};

struct mon_alarm;

/*
 * A transition of a site (<device> NULL) or of one of its devices; <last>
 * is the time of the last report from it (0 if never).
 */
typedef void	(*mon_alarm_cb)(void *, const char *, const char *,
		    enum mon_site_state, enum mon_site_state, uint64_t,
		    uint64_t);

/* mon_alarm.c */
struct mon_alarm *mon_alarm_new(mon_alarm_cb, void *);
void		 mon_alarm_free(struct mon_alarm *);
int		 mon_alarm_site_add(struct mon_alarm *, const char *, uint64_t,
		     uint64_t);
int		 mon_alarm_site_remove(struct mon_alarm *, const char *);
int		 mon_alarm_site_timeout(struct mon_alarm *, const char *,
		     uint64_t, uint64_t);
int		 mon_alarm_report(struct mon_alarm *, const char *,
		     const char *, uint64_t, const char **);
void		 mon_alarm_tick(struct mon_alarm *, uint64_t);
uint64_t	 mon_alarm_next(const struct mon_alarm *);
enum mon_site_state mon_alarm_site_state(const struct mon_alarm *,
		     const char *);
enum mon_site_state mon_alarm_device_state(const struct mon_alarm *,
		     const char *, const char *);
size_t		 mon_alarm_nsites(const struct mon_alarm *);
size_t		 mon_alarm_nsites_state(const struct mon_alarm *,
		     enum mon_site_state);
const char	*mon_site_state_name(enum mon_site_state);

#endif
