/*
 * lb_caps.c: the two privileges the packet engine of l4 clusters needs
 * after twin-lb gave up root: CAP_NET_RAW (AF_PACKET rings, opened again
 * when a reload changes the interfaces) and CAP_NET_ADMIN (blackhole
 * routes, the nftables table, written by nft(8), which inherits them as
 * ambient capabilities). Under systemd the unit grants both to the
 * daemon's user (AmbientCapabilities) and there is nothing to keep; a
 * daemon started as root keeps exactly these two across the switch of
 * user, and nothing else.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lbd.h"
#include "xmalloc.h"

static const int lbd_caps[] = { CAP_NET_RAW, CAP_NET_ADMIN };

/*
 * Before the switch of user: keep the permitted capabilities across it
 * (they are cut to lbd_caps[] by lbd_caps_raise). 0 when not root.
 */
int
lbd_caps_keep(void)
{
	if (geteuid() != 0)
		return (0);
	return (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
}

/*
 * After the switch of user: hold CAP_NET_RAW and CAP_NET_ADMIN, also as
 * ambient capabilities (for nft). <cut>: the daemon was root and is no
 * more: these two become the only capabilities it has. -1 with *cause
 * (allocated) when they are not permitted.
 */
int
lbd_caps_raise(int cut, char **cause)
{
	struct __user_cap_header_struct	 h;
	struct __user_cap_data_struct	 c[2];
	uint32_t			 want = 0;
	size_t				 i;

	memset(&h, 0, sizeof h);
	memset(c, 0, sizeof c);
	h.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &h, c) == -1) {
		xasprintf(cause, "capget: %s", strerror(errno));
		return (-1);
	}
	for (i = 0; i < sizeof lbd_caps / sizeof lbd_caps[0]; i++)
		want |= 1U << lbd_caps[i];
	if ((c[0].permitted & want) != want) {
		xasprintf(cause, "CAP_NET_RAW and CAP_NET_ADMIN are not "
		    "permitted");
		return (-1);
	}
	if (cut) {
		memset(c, 0, sizeof c);
		c[0].permitted = want;
	}
	c[0].effective |= want;
	c[0].inheritable |= want;
	if (syscall(SYS_capset, &h, c) == -1) {
		xasprintf(cause, "capset: %s", strerror(errno));
		return (-1);
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	for (i = 0; i < sizeof lbd_caps / sizeof lbd_caps[0]; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
		    (unsigned long)lbd_caps[i], 0, 0) == -1) {
			xasprintf(cause, "ambient capability %d: %s",
			    lbd_caps[i], strerror(errno));
			return (-1);
		}
	return (0);
}
