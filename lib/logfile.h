/*
 * logfile.h: a buffered log file, for access logs. Lines are appended to
 * a buffer and written out once a second, when the buffer passes a
 * threshold, and when the file is closed; a disk that stops taking them
 * costs dropped lines (counted and reported), never unbounded memory.
 * logfile_reopen() is for rotation (SIGUSR1): the same name, a new file.
 * What a line looks like is the caller's (a formatter per daemon).
 */
#ifndef LOGFILE_H
#define LOGFILE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct logfile;
struct logfwd;

/* Write out at 64 KiB; drop lines past 8 MiB while the disk is stuck. */
#define LOGFILE_FLUSH		(64 * 1024)
#define LOGFILE_MAXBUF		(8 * 1024 * 1024)

/*
 * A closed log file named <what> in messages ("access log"), flushed at
 * <flush_at> bytes and holding at most <max_buf>.
 */
struct logfile	*logfile_new(struct event_base *, const char *, size_t,
		    size_t);
void		 logfile_free(struct logfile *);
/*
 * Open <path> for appending (mode 0640) and start the flush timer;
 * "none" closes the log. The file is opened as fsafe.h says: no link
 * followed, a regular file of the user we run as, in a directory that
 * no one else may write. On failure the file in use, if any, stays and
 * -1 is returned with *cause (valid until the next call).
 */
int		 logfile_open(struct logfile *, const char *, const char **);
/*
 * Reopen under the same name, logging the outcome; after a failure,
 * counted, the old file stays and the reopen is tried again every 5 s.
 */
void		 logfile_reopen(struct logfile *);
/* Write out what is buffered. */
void		 logfile_flush(struct logfile *);
/* Flush and close the file (the object stays, closed). */
void		 logfile_close(struct logfile *);
/*
 * Buffer one line and hand it to the forwarder, if any; -1 when it was
 * dropped everywhere (buffer full, queue full, or closed).
 */
int		 logfile_write(struct logfile *, const char *, size_t);
/*
 * Also send every line to <fwd> (lib/logfwd.h; NULL: no longer), whether
 * a file is open or not ("none": forwarding instead of the file). The
 * forwarder stays the caller's.
 */
void		 logfile_set_forward(struct logfile *, struct logfwd *);
/* Whether a line would go anywhere: a file open or a forwarder set. */
int		 logfile_active(const struct logfile *);
/* The path in use (NULL when closed), its descriptor (-1). */
const char	*logfile_path(const struct logfile *);
int		 logfile_fd(const struct logfile *);
/* Lines dropped so far; reopens that failed so far. */
uint64_t	 logfile_dropped(const struct logfile *);
uint64_t	 logfile_reopen_failures(const struct logfile *);

#endif
