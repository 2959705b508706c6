/* logfile.c: buffered log files, flushed every second, reopened on demand. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "logfile.h"
#include "xmalloc.h"

struct logfile {
	struct event_base	*base;
	char			*what;
	size_t			 flush_at;
	size_t			 max_buf;
	char			*path;
	int			 fd;
	struct evbuffer		*buf;
	struct event		*timer;
	uint64_t		 dropped;
};

static void	logfile_timer_cb(evutil_socket_t, short, void *);

/* Flush once a second. */
static void
logfile_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	logfile_flush(arg);
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
	int		fd;

	if (strcmp(path, "none") == 0) {
		logfile_close(lf);
		return (0);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		*cause = strerror(errno);
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

/* Reopen the file under the same name (after rotation). */
void
logfile_reopen(struct logfile *lf)
{
	const char	*cause;

	if (lf->path == NULL)
		return;
	if (logfile_open(lf, lf->path, &cause) == -1)
		log_warnx("%s %s: cannot reopen: %s; keeping the old file",
		    lf->what, lf->path, cause);
	else
		log_info("%s %s reopened", lf->what, lf->path);
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
	if (lf->buf == NULL)
		return (-1);
	if (evbuffer_get_length(lf->buf) + len > lf->max_buf) {
		lf->dropped++;
		log_warnx("%s %s: buffer full, line dropped", lf->what,
		    lf->path);
		return (-1);
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

/* Return how many lines were dropped. */
uint64_t
logfile_dropped(const struct logfile *lf)
{
	return (lf->dropped);
}
