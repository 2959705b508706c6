/*
 * twinctl_ha.c: twinctl commands for the HA monitor: status, takeover,
 * release (each sends one command to twin-ha's control socket), and the
 * check that two peers' files make one pair.
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "twinctl.h"

static int	pair_holder(const struct cfg *, size_t);

/* Show both servers' roles, the last heartbeat and the counters. */
int
twinctl_ha_status(struct cfg *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: twinctl status\n");
		return (2);
	}
	return (twinctl_daemon(cfg, "ha", "status"));
}

/* Send <cmd>, with the floating IP of argv[1] if given. */
static int
ha_cmd_addr(struct cfg *cfg, const char *cmd, int argc, char **argv)
{
	char	buf[128];

	if (argc > 2 || (argc == 2 && strpbrk(argv[1], " \t\r\n") != NULL)) {
		fprintf(stderr, "usage: twinctl %s [floating-ip]\n", cmd);
		return (2);
	}
	if (argc == 1)
		return (twinctl_daemon(cfg, "ha", cmd));
	if ((size_t)snprintf(buf, sizeof buf, "%s %s", cmd, argv[1]) >=
	    sizeof buf) {
		fprintf(stderr, "twinctl: %s: address too long\n", cmd);
		return (2);
	}
	return (twinctl_daemon(cfg, "ha", buf));
}

/*
 * Make this server active for every floating IP, or for the one named;
 * the partner releases it.
 */
int
twinctl_ha_takeover(struct cfg *cfg, int argc, char **argv)
{
	return (ha_cmd_addr(cfg, "takeover", argc, argv));
}

/* Hand every floating IP this server holds, or the one named, over. */
int
twinctl_ha_release(struct cfg *cfg, int argc, char **argv)
{
	return (ha_cmd_addr(cfg, "release", argc, argv));
}

/*
 * Which peer of <cfg> normally holds its floating IP <i>: 1 the peer
 * itself, 0 its partner.
 */
static int
pair_holder(const struct cfg *cfg, size_t i)
{
	switch (cfg->ha.floating_prefer[i]) {
	case FIP_PREFER_SELF:
		return (1);
	case FIP_PREFER_PARTNER:
		return (0);
	default:
		return (cfg->ha.role == HA_ROLE_PRIMARY);
	}
}

/*
 * Check that <c> and the partner's file <p> (named <pfile>) make one
 * pair: each names the other, the same floating IPs with the same
 * prefixes, the same heartbeat settings, and every address normally held
 * by exactly one of them (a's 'prefer self' is b's 'prefer partner').
 * Print each disagreement; return the number found.
 */
int
twinctl_ha_pair_check(const struct cfg *c, const struct cfg *p,
    const char *pfile)
{
	const struct cfg_ha	*ha = &c->ha, *pha = &p->ha;
	char			 buf[ADDR_STRLEN];
	size_t			 i, j;
	int			 bad = 0, hc, hp;

	if (!addr_eq(&c->peer.address, &p->peer.partner) ||
	    !addr_eq(&c->peer.partner, &p->peer.address)) {
		fprintf(stderr, "%s: the peer blocks do not name each other "
		    "(address and partner)\n", pfile);
		bad++;
	}
	if (ha->redundancy != pha->redundancy || ha->port != pha->port ||
	    ha->interval != pha->interval || ha->count != pha->count) {
		fprintf(stderr, "%s: redundancy, port, interval or count "
		    "differ\n", pfile);
		bad++;
	}
	if (ha->floating_multi != pha->floating_multi) {
		fprintf(stderr, "%s: only one of the files gives floating IPs "
		    "a 'prefer'\n", pfile);
		bad++;
	}
	if (!ha->floating_multi && ha->redundancy && ha->role == pha->role) {
		fprintf(stderr, "%s: both peers have role %s\n", pfile,
		    ha->role == HA_ROLE_PRIMARY ? "primary" : "backup");
		bad++;
	}
	for (i = 0; i < ha->nfloating_ip; i++) {
		addr_ntop(&ha->floating_ip[i].a, buf, sizeof buf);
		for (j = 0; j < pha->nfloating_ip; j++)
			if (addr_eq(&ha->floating_ip[i].a,
			    &pha->floating_ip[j].a))
				break;
		if (j == pha->nfloating_ip) {
			fprintf(stderr, "%s: floating-ip %s is missing\n",
			    pfile, buf);
			bad++;
			continue;
		}
		if (ha->floating_ip[i].plen != pha->floating_ip[j].plen) {
			fprintf(stderr, "%s: floating-ip %s has another "
			    "prefix\n", pfile, buf);
			bad++;
		}
		if (!ha->floating_multi || !pha->floating_multi)
			continue;
		hc = pair_holder(c, i);
		hp = pair_holder(p, j);
		if (hc == hp) {
			fprintf(stderr, "%s: floating-ip %s: %s normally "
			    "(one file must say 'prefer self', the other "
			    "'prefer partner')\n", pfile, buf, hc ?
			    "both peers would hold it" :
			    "neither peer would hold it");
			bad++;
		}
	}
	for (j = 0; j < pha->nfloating_ip; j++) {
		for (i = 0; i < ha->nfloating_ip; i++)
			if (addr_eq(&ha->floating_ip[i].a,
			    &pha->floating_ip[j].a))
				break;
		if (i == ha->nfloating_ip) {
			fprintf(stderr, "%s: floating-ip %s is only in this "
			    "file\n", pfile, addr_ntop(&pha->floating_ip[j].a,
			    buf, sizeof buf));
			bad++;
		}
	}
	if (bad == 0)
		fprintf(stderr, "%s: makes one pair with %s\n", pfile,
		    twinctl_cfgfile);
	return (bad);
}
