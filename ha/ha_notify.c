/*
 * ha_notify.c: the notify script, run on each transition with the new
 * state, the floating IP(s) and the reason as arguments. It runs in its own
 * process; the daemon never waits for it and reaps it on SIGCHLD.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ha.h"
#include "log.h"

/* Start <path> <state> <fip> <reason>; do not wait for it. */
void
ha_notify_run(const char *path, const char *state, const char *fip,
    const char *reason)
{
	pid_t	pid;
	int	fd;

	if (path == NULL)
		return;
	switch (pid = fork()) {
	case -1:
		log_warn("notify %s: fork", path);
		return;
	case 0:
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		execl(path, path, state, fip, reason, (char *)NULL);
		_exit(127);
	default:
		log_debug("notify %s %s %s \"%s\": pid %ld", path, state, fip,
		    reason, (long)pid);
	}
}

/* Collect finished scripts and log failures. */
void
ha_notify_reap(void)
{
	pid_t	pid;
	int	st, i;

	for (i = 0; i < 1000; i++) {
		if ((pid = waitpid(-1, &st, WNOHANG)) <= 0)
			break;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			log_debug("notify script (pid %ld) done", (long)pid);
		else if (WIFEXITED(st))
			log_warnx("notify script (pid %ld) exited with %d%s",
			    (long)pid, WEXITSTATUS(st),
			    WEXITSTATUS(st) == 127 ? " (could not run it)" :
			    "");
		else
			log_warnx("notify script (pid %ld) killed by signal "
			    "%d", (long)pid, WTERMSIG(st));
	}
}
