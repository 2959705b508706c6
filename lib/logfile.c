/* logfile.c: buffered log files, flushed every second, reopened on demand. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "fsafe.h"
#include "log.h"
#include "logfile.h"
#include "logfwd.h"
#include "xmalloc.h"

/* A failed reopen is tried again this often (seconds). */
#define LOGFILE_RETRY_S	5

struct logfile {
	struct event_base	*base;
	char			*what;
	size_t			 flush_at;
	size_t			 max_buf;
	char			*path;
	int			 fd;
	struct evbuffer		*buf;
	struct event		*timer;
	struct logfwd		*fwd;		/* the caller's, or NULL */
	uint64_t		 dropped;
	uint64_t		 reopen_failures;
	int			 retry;		/* a reopen failed */
	time_t			 retry_at;
	char			 err[512];	/* the last open error */
};

static void	logfile_timer_cb(evutil_socket_t, short, void *);

/* Flush once a second; try a failed reopen again now and then. */
static void
logfile_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct logfile	*lf = arg;

	logfile_flush(lf);
	if (lf->retry && time(NULL) >= lf->retry_at)
		logfile_reopen(lf);
}

/* Create a closed log file. */
struct logfile *
logfile_new(struct event_base *base, const char *what, size_t flush_at,
    size_t max_buf)
{
	struct logfile	*lf;

	lf = xcalloc(1, sizeof *lf);
	lf->base = base;
	lf->what = xstrdup(what);
	lf->flush_at = flush_at;
	lf->max_buf = max_buf;
	lf->fd = -1;
	return (lf);
}

/* Close and free a log file. */
void
logfile_free(struct logfile *lf)
{
	if (lf == NULL)
		return;
	logfile_close(lf);
	free(lf->what);
	free(lf);
}

/* Open a path for appending. */
int
logfile_open(struct logfile *lf, const char *path, const char **cause)
{
	struct timeval	tv = { 1, 0 };
	char		*why;
	int		fd;

	if (strcmp(path, "none") == 0) {
		logfile_close(lf);
		return (0);
	}
	/*
	 * Never through a link, never a file of someone else's: the
	 * directory may be writable by the user we run as (fsafe.h).
	 */
	fd = fsafe_open(path, O_WRONLY | O_APPEND | O_CREAT, 0640, (uid_t)-1,
	    &why);
	if (fd == -1) {
		strlcpy(lf->err, why, sizeof lf->err);
		free(why);
		*cause = lf->err;
		return (-1);
	}
	logfile_flush(lf);
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = fd;
	if (lf->path != path) {
		free(lf->path);
		lf->path = xstrdup(path);
	}
	if (lf->buf == NULL && (lf->buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (lf->timer == NULL) {
		lf->timer = event_new(lf->base, -1, EV_PERSIST,
		    logfile_timer_cb, lf);
		if (lf->timer == NULL)
			fatalx("event_new");
		evtimer_add(lf->timer, &tv);
	}
	return (0);
}

/*
 * Reopen the file under the same name (after rotation). A failure keeps
 * the old file (lines are not lost, they go to the rotated name), is
 * counted and logged, and is tried again every LOGFILE_RETRY_S until it
 * works: a rotation that silently kept writing to the old file would
 * fill a disk nobody watches.
 */
void
logfile_reopen(struct logfile *lf)
{
	const char	*cause;

	if (lf->path == NULL)
		return;
	if (logfile_open(lf, lf->path, &cause) == -1) {
		lf->reopen_failures++;
		lf->retry = 1;
		lf->retry_at = time(NULL) + LOGFILE_RETRY_S;
		log_warnx("%s: cannot reopen: %s; still writing to the "
		    "file it was (failure %llu, trying again in %d s)",
		    lf->what, cause,
		    (unsigned long long)lf->reopen_failures, LOGFILE_RETRY_S);
		return;
	}
	if (lf->retry)
		log_info("%s %s reopened after %llu failures", lf->what,
		    lf->path, (unsigned long long)lf->reopen_failures);
	else
		log_info("%s %s reopened", lf->what, lf->path);
	lf->retry = 0;
}

/* Write out whatever is buffered. */
void
logfile_flush(struct logfile *lf)
{
	int	n, i;

	if (lf->fd == -1 || lf->buf == NULL)
		return;
	for (i = 0; i < 64 && evbuffer_get_length(lf->buf) > 0; i++) {
		n = evbuffer_write(lf->buf, lf->fd);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			log_warn("%s %s: write", lf->what, lf->path);
			break;
		}
	}
}

/* Flush and close the file and its timer. */
void
logfile_close(struct logfile *lf)
{
	lf->retry = 0;
	logfile_flush(lf);
	if (lf->timer != NULL)
		event_free(lf->timer);
	lf->timer = NULL;
	if (lf->buf != NULL)
		evbuffer_free(lf->buf);
	lf->buf = NULL;
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = -1;
	free(lf->path);
	lf->path = NULL;
}

/* Buffer a line. */
int
logfile_write(struct logfile *lf, const char *line, size_t len)
{
	int	fwd = -1;

	if (lf->fwd != NULL)
		fwd = logfwd_send(lf->fwd, line, len);
	if (lf->buf == NULL)
		return (fwd);
	if (evbuffer_get_length(lf->buf) + len > lf->max_buf) {
		lf->dropped++;
		log_warnx("%s %s: buffer full, line dropped", lf->what,
		    lf->path);
		return (fwd);
	}
	evbuffer_add(lf->buf, line, len);
	if (evbuffer_get_length(lf->buf) >= lf->flush_at)
		logfile_flush(lf);
	return (0);
}

/* Return the path in use. */
const char *
logfile_path(const struct logfile *lf)
{
	return (lf->path);
}

/* Return the descriptor in use. */
int
logfile_fd(const struct logfile *lf)
{
	return (lf->fd);
}

/* Return how many reopens failed. */
uint64_t
logfile_reopen_failures(const struct logfile *lf)
{
	return (lf->reopen_failures);
}

/* Return how many lines were dropped. */
uint64_t
logfile_dropped(const struct logfile *lf)
{
	return (lf->dropped);
}

/* Forward every line to a forwarder too. */
void
logfile_set_forward(struct logfile *lf, struct logfwd *fwd)
{
	lf->fwd = fwd;
}

/* Return whether lines go anywhere. */
int
logfile_active(const struct logfile *lf)
{
	return (lf != NULL && (lf->fd != -1 || logfwd_active(lf->fwd)));
}
