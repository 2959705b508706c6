/*
 * mon_priv.c: the agent's privilege separation. The daemons' control
 * sockets are mode 0600, owned by root, the client certificate is a
 * secret file of root's and the files a bundle installs are the
 * system's, while the agent talks to the internet and runs as an
 * unprivileged user. So before dropping privileges the agent forks a
 * helper that stays root and does a few fixed things on request, on one
 * SOCK_SEQPACKET channel (one request, one answer, in order):
 *
 *	connect	a request naming one of the peer's daemons by a number
 *		from a fixed list (so the unprivileged side cannot make it
 *		open anything else): it connects to that daemon's socket
 *		under the run directory and passes the connected descriptor
 *		back (SCM_RIGHTS);
 *	cert-put	a renewed composite file (mon_renew.c): only for the
 *		configured certificate path, at most MON_PRIV_PEM_MAX bytes,
 *		a key and a certificate that parse, match and name this
 *		site (CN), of the configured CA when there is one; written
 *		root's, mode 0600, in the certificate's folder (which no one
 *		but root may write) as FILE.new, FILE.old a hard link to
 *		FILE, then FILE.new renamed over FILE;
 *	cert-keep, cert-back	FILE.old removed, or renamed back over FILE;
 *	dist-install, dist-rollback	a bundle's install or its rollback,
 *		run as root by a child of the helper (mon_dist_priv.c),
 *		which checks the bundle's signature itself.
 *
 * Every answer is an errno value and a sentence. The helper reads no
 * network input and exits when the agent closes its end.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "cfg.h"
#include "ctl.h"
#include "fsafe.h"
#include "log.h"
#include "mon_agent.h"
#include "mon_dist.h"
#include "tls.h"
#include "xmalloc.h"

#define PRIV_TIMEOUT_MS		2000
#define PRIV_CERT_TIMEOUT_MS	10000	/* a file written and synced */
#define PRIV_REQ_MAX		(MON_PRIV_PEM_MAX + MON_SNAP_PATH + 16)

static const char *const priv_names[MON_PRIV_MAX] = { "ha", "proxy", "wpad",
    "lb" };

/* One answer: an errno value (0: done) and why. */
struct priv_answer {
	int		 err;
	char		 msg[MON_PRIV_MSG_MAX];
};

static void	priv_child(int, const struct cfg *) __attribute__((noreturn));
static int	priv_connect(const char *, const char *);
static void	priv_pass(struct msghdr *, char *, size_t, int);
static void	priv_answer(struct priv_answer *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	priv_cert_check(const struct cfg *, const char *,
		    const char *, size_t, struct priv_answer *);
static int	priv_cert_dir(const char *, char **, struct priv_answer *);
static void	priv_cert(const struct cfg *, unsigned char, const char *,
		    size_t, struct priv_answer *);
static int	priv_request(int, const void *, size_t, int, int,
		    struct priv_answer *, int *);

/* Pass descriptor <fd> with message <mh>, in control buffer <buf>. */
static void
priv_pass(struct msghdr *mh, char *buf, size_t len, int fd)
{
	struct cmsghdr	*cm;

	memset(buf, 0, len);
	mh->msg_control = buf;
	mh->msg_controllen = len;
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
}

/* The name of a daemon the helper connects to. */
const char *
mon_priv_name(enum mon_priv_sock s)
{
	return ((unsigned int)s < MON_PRIV_MAX ? priv_names[s] : "?");
}

static void
priv_answer(struct priv_answer *ans, int err, const char *fmt, ...)
{
	va_list	ap;

	ans->err = err;
	va_start(ap, fmt);
	vsnprintf(ans->msg, sizeof ans->msg, fmt, ap);
	va_end(ap);
}

/* Connect to <rundir>/<name>.sock; the descriptor, or -errno. */
static int
priv_connect(const char *rundir, const char *name)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s/%s.sock",
	    rundir, name) >= sizeof sun.sun_path)
		return (-ENAMETOOLONG);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (-errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return (-errno);
	}
	return (fd);
}

/*
 * Whether <pem> (<len> bytes) may become certificate file <path>: the
 * configured one, a key and its certificate for this site, of the CA.
 */
static int
priv_cert_check(const struct cfg *cfg, const char *path, const char *pem,
    size_t len, struct priv_answer *ans)
{
	struct tls_pem		 p;
	struct tls_cert_info	 ci;
	STACK_OF(X509)		*cas;
	char			*cause;
	int			 i, ok = 0;

	if (cfg->report.certificate == NULL ||
	    strcmp(path, cfg->report.certificate) != 0) {
		priv_answer(ans, EPERM, "%s is not the configured certificate "
		    "file", path);
		return (-1);
	}
	if (len == 0 || len > MON_PRIV_PEM_MAX) {
		priv_answer(ans, EFBIG, "a renewed file of %zu bytes (at most "
		    "%d)", len, MON_PRIV_PEM_MAX);
		return (-1);
	}
	if (tls_pem_parse(path, pem, len, NULL, &p, &cause) == -1) {
		priv_answer(ans, EINVAL, "%s", cause);
		free(cause);
		return (-1);
	}
	if (p.key == NULL || p.cert == NULL ||
	    tls_cert_info(p.cert, time(NULL), &ci) == -1 ||
	    strcmp(ci.cn, cfg->report.site_id) != 0) {
		priv_answer(ans, EINVAL, "the renewed certificate is not for "
		    "site %s", cfg->report.site_id);
		tls_pem_free(&p);
		return (-1);
	}
	if (cfg->report.ca_file != NULL) {
		if ((cas = tls_certs_load(cfg->report.ca_file, &cause)) ==
		    NULL) {
			priv_answer(ans, EINVAL, "%s", cause);
			free(cause);
			tls_pem_free(&p);
			return (-1);
		}
		for (i = 0; i < sk_X509_num(cas) && !ok; i++)
			ok = X509_check_issued(sk_X509_value(cas, i), p.cert) ==
			    X509_V_OK && X509_verify(p.cert,
			    X509_get0_pubkey(sk_X509_value(cas, i))) == 1;
		sk_X509_pop_free(cas, X509_free);
		if (!ok) {
			priv_answer(ans, EINVAL, "the renewed certificate is "
			    "not of the CA in %s", cfg->report.ca_file);
			tls_pem_free(&p);
			ERR_clear_error();
			return (-1);
		}
	}
	tls_pem_free(&p);
	ERR_clear_error();
	return (0);
}

/*
 * The folder of certificate file <path>, checked (no one but root may
 * write it or any folder above), as a descriptor; its base name.
 */
static int
priv_cert_dir(const char *path, char **base, struct priv_answer *ans)
{
	char	*d, *b, *cause;
	int	 dfd;

	d = xstrdup(path);
	b = xstrdup(path);
	if ((dfd = fsafe_dir(dirname(d), (uid_t)-1, 0, 0, &cause)) == -1) {
		priv_answer(ans, EPERM, "%s", cause);
		free(cause);
		free(b);
	} else {
		*base = xstrdup(basename(b));
		free(b);
	}
	free(d);
	return (dfd);
}

/* cert-put, cert-keep, cert-back on the configured certificate file. */
static void
priv_cert(const struct cfg *cfg, unsigned char op, const char *body,
    size_t len, struct priv_answer *ans)
{
	const char	*path = body, *pem;
	char		*base = NULL, *newf = NULL, *oldf = NULL;
	size_t		 plen, off = 0;
	ssize_t		 n;
	int		 dfd, fd = -1;

	if ((plen = strnlen(body, len)) == len) {
		priv_answer(ans, EINVAL, "no file name");
		return;
	}
	pem = body + plen + 1;
	len -= plen + 1;
	if (op == MON_PRIV_CERT_PUT) {
		if (priv_cert_check(cfg, path, pem, len, ans) == -1)
			return;
	} else if (cfg->report.certificate == NULL ||
	    strcmp(path, cfg->report.certificate) != 0) {
		priv_answer(ans, EPERM, "%s is not the configured certificate "
		    "file", path);
		return;
	}
	if ((dfd = priv_cert_dir(path, &base, ans)) == -1)
		return;
	xasprintf(&newf, "%s.new", base);
	xasprintf(&oldf, "%s.old", base);
	switch (op) {
	case MON_PRIV_CERT_PUT:
		(void)unlinkat(dfd, newf, 0);
		if ((fd = openat(dfd, newf, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
		    fchown(fd, 0, 0) == -1 || fchmod(fd, 0600) == -1) {
			priv_answer(ans, errno, "%s.new: %s", path,
			    strerror(errno));
			break;
		}
		while (off < len) {
			if ((n = write(fd, pem + off, len - off)) == -1 &&
			    errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == 0)
					errno = EIO;
				break;
			}
			off += (size_t)n;
		}
		if (off != len || fsync(fd) == -1) {
			priv_answer(ans, errno, "%s.new: %s", path,
			    strerror(errno));
			(void)unlinkat(dfd, newf, 0);
			break;
		}
		/* The old file stays whole under its second name. */
		(void)unlinkat(dfd, oldf, 0);
		if (linkat(dfd, base, dfd, oldf, 0) == -1 && errno != ENOENT) {
			priv_answer(ans, errno, "%s.old: %s", path,
			    strerror(errno));
			(void)unlinkat(dfd, newf, 0);
			break;
		}
		if (renameat(dfd, newf, dfd, base) == -1) {
			priv_answer(ans, errno, "%s: %s", path,
			    strerror(errno));
			(void)unlinkat(dfd, newf, 0);
			break;
		}
		(void)fsync(dfd);
		priv_answer(ans, 0, "%s replaced, the old one kept as %s.old",
		    path, path);
		break;
	case MON_PRIV_CERT_KEEP:
		if (unlinkat(dfd, oldf, 0) == -1 && errno != ENOENT)
			priv_answer(ans, errno, "%s.old: %s", path,
			    strerror(errno));
		else
			priv_answer(ans, 0, "%s.old removed", path);
		break;
	case MON_PRIV_CERT_BACK:
		if (renameat(dfd, oldf, dfd, base) == -1)
			priv_answer(ans, errno, "%s.old: %s", path,
			    strerror(errno));
		else
			priv_answer(ans, 0, "%s.old put back", path);
		(void)fsync(dfd);
		break;
	}
	if (fd != -1)
		close(fd);
	close(dfd);
	free(base);
	free(newf);
	free(oldf);
}

/* The helper: answer requests until the agent goes away. */
static void
priv_child(int s, const struct cfg *cfg)
{
	struct msghdr		 mh;
	struct cmsghdr		*cm;
	struct iovec		 iov[2];
	struct priv_answer	 ans;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	char			*req;
	int			 fd, rfd;
	ssize_t			 n;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The children of installs are waited for by no one but init. */
	signal(SIGCHLD, SIG_IGN);
	req = xmalloc(PRIV_REQ_MAX + 1);
	for (;;) {
		memset(&mh, 0, sizeof mh);
		iov[0].iov_base = req;
		iov[0].iov_len = PRIV_REQ_MAX;
		mh.msg_iov = iov;
		mh.msg_iovlen = 1;
		memset(&cmsgbuf, 0, sizeof cmsgbuf);
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof cmsgbuf.buf;
		if ((n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		rfd = -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int)) && rfd == -1)
				memcpy(&rfd, CMSG_DATA(cm), sizeof rfd);
		req[n] = '\0';
		fd = -1;
		memset(&ans, 0, sizeof ans);
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			priv_answer(&ans, EMSGSIZE, "request too large");
		else if ((unsigned char)req[0] < MON_PRIV_MAX) {
			fd = priv_connect(cfg->peer.run_dir,
			    priv_names[(unsigned char)req[0]]);
			if (fd < 0)
				priv_answer(&ans, -fd, "%s.sock: %s",
				    priv_names[(unsigned char)req[0]],
				    strerror(-fd));
		} else if ((unsigned char)req[0] == MON_PRIV_CERT_PUT ||
		    (unsigned char)req[0] == MON_PRIV_CERT_KEEP ||
		    (unsigned char)req[0] == MON_PRIV_CERT_BACK)
			priv_cert(cfg, (unsigned char)req[0], req + 1,
			    (size_t)n - 1, &ans);
		else if ((unsigned char)req[0] == MON_PRIV_DIST_INSTALL ||
		    (unsigned char)req[0] == MON_PRIV_DIST_ROLLBACK)
			fd = mon_dist_priv(cfg, (unsigned char)req[0] ==
			    MON_PRIV_DIST_INSTALL, rfd, req + 1,
			    (size_t)n - 1, ans.msg, sizeof ans.msg, &ans.err);
		else
			priv_answer(&ans, EINVAL, "unknown request %u",
			    (unsigned char)req[0]);
		if (rfd != -1)
			close(rfd);
		memset(&mh, 0, sizeof mh);
		iov[0].iov_base = &ans;
		iov[0].iov_len = sizeof ans;
		mh.msg_iov = iov;
		mh.msg_iovlen = 1;
		if (fd >= 0)
			priv_pass(&mh, cmsgbuf.buf, sizeof cmsgbuf.buf, fd);
		n = sendmsg(s, &mh, 0);
		if (fd >= 0)
			close(fd);
		if (n == -1)
			_exit(0);
	}
}

/*
 * Fork the helper for the config <cfg> (its copy stays the one of the
 * start: a reload cannot widen what it does); the agent's end of the
 * channel, or -1. Call it while still root, before any thread or event
 * base holds descriptors the helper should not keep: it closes every
 * descriptor but its end.
 */
int
mon_priv_start(const struct cfg *cfg, pid_t *pidp)
{
	int	sv[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return (-1);
	switch (pid = fork()) {
	case -1:
		close(sv[0]);
		close(sv[1]);
		return (-1);
	case 0:
		close(sv[0]);
		if (sv[1] != 3) {
			if (dup2(sv[1], 3) == -1)
				_exit(1);
			close(sv[1]);
		}
		closefrom(4);
		if ((sv[1] = open("/dev/null", O_RDWR)) != -1) {
			dup2(sv[1], STDIN_FILENO);
			close(sv[1]);
		}
		priv_child(3, cfg);
	default:
		break;
	}
	close(sv[1]);
	*pidp = pid;
	return (sv[0]);
}

/*
 * One request (<sfd>: a descriptor passed along, or -1) and its answer,
 * within <ms>; 0 with a descriptor in <fdp> (when one came), or -1 with
 * the reason in <ans>.
 */
static int
priv_request(int s, const void *req, size_t len, int sfd, int ms,
    struct priv_answer *ans, int *fdp)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	struct pollfd	 pfd;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	int		 fd = -1;
	ssize_t		 n;

	memset(&mh, 0, sizeof mh);
	iov.iov_base = (void *)req;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (sfd != -1)
		priv_pass(&mh, cmsgbuf.buf, sizeof cmsgbuf.buf, sfd);
	if (sendmsg(s, &mh, 0) != (ssize_t)len) {
		priv_answer(ans, errno, "privileged helper gone: %s",
		    strerror(errno));
		return (-1);
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) != 1) {
		priv_answer(ans, ETIMEDOUT, "privileged helper does not "
		    "answer");
		return (-1);
	}
	memset(&mh, 0, sizeof mh);
	iov.iov_base = ans;
	iov.iov_len = sizeof *ans;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof cmsgbuf.buf;
	if ((n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC)) != sizeof *ans) {
		priv_answer(ans, EPROTO, "privileged helper gone");
		return (-1);
	}
	ans->msg[sizeof ans->msg - 1] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (ans->err != 0) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (fdp != NULL)
		*fdp = fd;
	else if (fd != -1)
		close(fd);
	return (0);
}

/*
 * Ask the helper for a connection to daemon <which>: the descriptor, or
 * -1 with the reason in <err>. The helper answers at once (unix connects
 * do not wait), bounded by a short timeout all the same.
 */
int
mon_priv_connect(int s, enum mon_priv_sock which, char *err, size_t len)
{
	struct priv_answer	ans;
	unsigned char		req = (unsigned char)which;
	int			fd = -1;

	if (priv_request(s, &req, 1, -1, PRIV_TIMEOUT_MS, &ans, &fd) == -1 ||
	    fd == -1) {
		snprintf(err, len, "%s", ans.err != 0 ? ans.msg :
		    "privileged helper sent no descriptor");
		return (-1);
	}
	return (fd);
}

/*
 * Certificate request <op> (MON_PRIV_CERT_*) on file <path>, with the
 * new file's bytes for cert-put: 0, or -1 with the reason in <msg>.
 */
int
mon_priv_cert(int s, int op, const char *path, const char *pem, size_t len,
    char *msg, size_t msglen)
{
	struct priv_answer	 ans;
	char			*req;
	size_t			 plen = strlen(path), rlen;
	int			 rv;

	if (len > MON_PRIV_PEM_MAX || plen >= MON_SNAP_PATH) {
		snprintf(msg, msglen, "%s: too long for the privileged helper",
		    path);
		return (-1);
	}
	rlen = 1 + plen + 1 + len;
	req = xmalloc(rlen);
	req[0] = (char)op;
	memcpy(req + 1, path, plen + 1);
	if (len > 0)
		memcpy(req + 2 + plen, pem, len);
	rv = priv_request(s, req, rlen, -1, PRIV_CERT_TIMEOUT_MS, &ans, NULL);
	freezero(req, rlen);
	snprintf(msg, msglen, "%s", ans.msg);
	return (rv);
}

/*
 * Distribution request <op> (MON_PRIV_DIST_*) with bundle descriptor
 * <bfd> (install) and <body>: the descriptor the job's result comes on
 * (mon_dist_priv.c), or -1 with the reason in <msg>.
 */
int
mon_priv_dist(int s, int op, int bfd, const char *body, size_t len,
    char *msg, size_t msglen)
{
	struct priv_answer	 ans;
	char			 req[MON_PRIV_MSG_MAX + 1];
	int			 fd = -1;

	if (len > MON_PRIV_MSG_MAX) {
		snprintf(msg, msglen, "request too long");
		return (-1);
	}
	req[0] = (char)op;
	memcpy(req + 1, body, len);
	if (priv_request(s, req, len + 1, bfd, PRIV_TIMEOUT_MS, &ans,
	    &fd) == -1 || fd == -1) {
		snprintf(msg, msglen, "%s", ans.err != 0 ? ans.msg :
		    "privileged helper sent no descriptor");
		return (-1);
	}
	return (fd);
}
