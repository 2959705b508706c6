/*
 * cfg_ftp.c: the checks of the FTP settings of the proxy block (the FTP
 * proxy's listeners, its data-port range and login delimiter, and the
 * ftp:// gateway's anonymous password). The keywords themselves are in
 * the proxy table of cfg_blocks.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ftp.h"

static int	ftp_line(const struct cfg_proxy *, const char *);
static int	ftp_port_num(const char *, size_t, unsigned int *);
static void	check_data_ports(struct cfg_parser *, struct cfg_proxy *);
static void	check_listen(struct cfg_parser *, const struct cfg_proxy *);

/* The line where <kw> of the proxy block was set, else the block's. */
static int
ftp_line(const struct cfg_proxy *px, const char *kw)
{
	return (cfg_kw_line(&px->blk, cfg_blockdef_find("proxy")->kws, kw));
}

/* Parse a port number of 1-5 digits; -1 if it is not one. */
static int
ftp_port_num(const char *s, size_t n, unsigned int *port)
{
	unsigned int	v = 0;
	size_t		i;

	if (n == 0 || n > 5)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > 65535)
		return (-1);
	*port = v;
	return (0);
}

/*
 * ftp-data-ports FIRST-LAST: the ports the proxy's own data sockets use.
 * Ports below 1024 are refused, as the proxy refuses them in PORT: a
 * privileged port is never an FTP data port.
 */
static void
check_data_ports(struct cfg_parser *p, struct cfg_proxy *px)
{
	const char	*s = px->ftp_data_ports, *dash;
	unsigned int	 lo, hi;

	if (s == NULL || (dash = strchr(s, '-')) == NULL ||
	    ftp_port_num(s, (size_t)(dash - s), &lo) == -1 ||
	    ftp_port_num(dash + 1, strlen(dash + 1), &hi) == -1 ||
	    lo < 1024 || hi < lo) {
		cfg_error(p, px->blk.file, ftp_line(px, "ftp-data-ports"),
		    "ftp-data-ports: expected FIRST-LAST with 1024 <= FIRST "
		    "<= LAST <= 65535");
		return;
	}
	px->ftp_data_port_min = lo;
	px->ftp_data_port_max = hi;
}

/* FTP listeners: not twice, and not where the HTTP proxy listens. */
static void
check_listen(struct cfg_parser *p, const struct cfg_proxy *px)
{
	char	 buf[ADDR_STRLEN];
	size_t	 i, j;
	int	 line = ftp_line(px, "ftp-listen");

	for (i = 0; i < px->nftp_listen; i++) {
		addr_fmt(&px->ftp_listen[i], buf, sizeof buf);
		for (j = 0; j < i; j++)
			if (addr_eq(&px->ftp_listen[i], &px->ftp_listen[j]) &&
			    px->ftp_listen[i].port == px->ftp_listen[j].port)
				cfg_error(p, px->blk.file, line,
				    "ftp-listen %s given twice", buf);
		for (j = 0; j < px->nlisten; j++)
			if (addr_eq(&px->ftp_listen[i], &px->listen[j]) &&
			    px->ftp_listen[i].port == px->listen[j].port)
				cfg_error(p, px->blk.file, line,
				    "ftp-listen %s is also a listen address "
				    "of the HTTP proxy", buf);
	}
}

/* Check the FTP settings of the proxy block. */
void
cfg_check_ftp(struct cfg *cfg, struct cfg_parser *p)
{
	struct cfg_proxy	*px = &cfg->proxy;
	const char		*s;
	size_t			 i;

	if (!px->blk.present)
		return;
	check_data_ports(p, px);
	check_listen(p, px);
	s = px->ftp_delimiter;
	if (s == NULL || strlen(s) != 1 || !ftp_login_delim_ok(s[0]))
		cfg_error(p, px->blk.file, ftp_line(px, "ftp-delimiter"),
		    "ftp-delimiter: one visible character that cannot be "
		    "part of a host name (such as @ or %%)");
	/* The password goes into a PASS command: no CR, LF or spaces. */
	s = px->ftp_anonymous_password;
	for (i = 0; s != NULL && s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			break;
	if (s == NULL || s[i] != '\0' || i == 0 || i > 128)
		cfg_error(p, px->blk.file, ftp_line(px,
		    "ftp-anonymous-password"), "ftp-anonymous-password: 1 to "
		    "128 visible ASCII characters");
}
