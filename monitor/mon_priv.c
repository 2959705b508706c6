/*
 * mon_priv.c: the agent's privilege separation. The daemons' control
 * sockets are mode 0600, owned by root, while the agent talks to the
 * internet and runs as an unprivileged user. So before dropping
 * privileges the agent forks a helper that stays root and does one
 * thing: on a request naming one of the peer's daemons (by a number, from
 * a fixed list, so the unprivileged side cannot make it open anything
 * else), it connects to that daemon's socket under the run directory and
 * passes the connected descriptor back (SCM_RIGHTS). It reads no network
 * input, parses nothing but one byte, and exits when the agent closes
 * its end.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "mon_agent.h"

#define PRIV_TIMEOUT_MS	2000

static const char *const priv_names[MON_PRIV_MAX] = { "ha", "proxy", "wpad",
    "lb" };

static void	priv_child(int, const char *) __attribute__((noreturn));
static int	priv_connect(const char *, const char *);

/* The name of a daemon the helper connects to. */
const char *
mon_priv_name(enum mon_priv_sock s)
{
	return ((unsigned int)s < MON_PRIV_MAX ? priv_names[s] : "?");
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

/* The helper: answer requests until the agent goes away. */
static void
priv_child(int s, const char *rundir)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	unsigned char	 req;
	int		 fd, err;
	ssize_t		 n;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if ((n = read(s, &req, 1)) == -1 && errno == EINTR)
			continue;
		if (n != 1)
			_exit(0);
		fd = req < MON_PRIV_MAX ? priv_connect(rundir,
		    priv_names[req]) : -EINVAL;
		err = fd < 0 ? -fd : 0;
		memset(&mh, 0, sizeof mh);
		iov.iov_base = &err;
		iov.iov_len = sizeof err;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (fd >= 0) {
			memset(&cmsgbuf, 0, sizeof cmsgbuf);
			mh.msg_control = cmsgbuf.buf;
			mh.msg_controllen = sizeof cmsgbuf.buf;
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof fd);
		}
		n = sendmsg(s, &mh, 0);
		if (fd >= 0)
			close(fd);
		if (n == -1)
			_exit(0);
	}
}

/*
 * Fork the helper for the sockets under <rundir>; the agent's end of the
 * channel, or -1. Call it while still root, before any thread or event
 * base holds descriptors the helper should not keep: it closes every
 * descriptor but its end.
 */
int
mon_priv_start(const char *rundir, pid_t *pidp)
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
		priv_child(3, rundir);
	default:
		break;
	}
	close(sv[1]);
	*pidp = pid;
	return (sv[0]);
}

/*
 * Ask the helper for a connection to daemon <which>: the descriptor, or
 * -1 with the reason in <err>. The helper answers at once (unix connects
 * do not wait), bounded by a short timeout all the same.
 */
int
mon_priv_connect(int s, enum mon_priv_sock which, char *err, size_t len)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	struct pollfd	 pfd;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	unsigned char	 req = (unsigned char)which;
	int		 fd = -1, e = 0;
	ssize_t		 n;

	if (write(s, &req, 1) != 1) {
		snprintf(err, len, "privileged helper gone: %s",
		    strerror(errno));
		return (-1);
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, PRIV_TIMEOUT_MS) != 1) {
		snprintf(err, len, "privileged helper does not answer");
		return (-1);
	}
	memset(&mh, 0, sizeof mh);
	iov.iov_base = &e;
	iov.iov_len = sizeof e;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof cmsgbuf.buf;
	if ((n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC)) != sizeof e) {
		snprintf(err, len, "privileged helper gone");
		return (-1);
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (fd == -1) {
		snprintf(err, len, "%s.sock: %s", priv_names[which],
		    strerror(e != 0 ? e : EPROTO));
		return (-1);
	}
	return (fd);
}
