/* twinctl.h: the commands of twinctl, one function each. */
#ifndef TWINCTL_H
#define TWINCTL_H

struct cfg;

struct twinctl_cmd {
	const char	*name;
	const char	*usage;
	int		 needs_cfg;	/* load -f FILE before running */
	int		(*fn)(struct cfg *, int, char **);
};

extern const char	*twinctl_cfgfile;

/* twinctl_center.c */
int	twinctl_center(struct cfg *, int, char **);
int	twinctl_report(struct cfg *, int, char **);

/* twinctl_cache.c */
int	twinctl_cache(struct cfg *, int, char **);

/* twinctl.c */
int	twinctl_daemon(struct cfg *, const char *, const char *);

/* twinctl_wpad.c */
int	twinctl_pac(struct cfg *, int, char **);
/* twinctl_ha.c */
int	twinctl_ha_status(struct cfg *, int, char **);
int	twinctl_ha_takeover(struct cfg *, int, char **);
int	twinctl_ha_release(struct cfg *, int, char **);
int	twinctl_ha_pair_check(const struct cfg *, const struct cfg *,
	    const char *);
/* twinctl_proxy.c */
int	twinctl_proxy(struct cfg *, int, char **);
/* twinctl_lb.c */
int	twinctl_lb(struct cfg *, int, char **);
#endif
