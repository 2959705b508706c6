/*
 * mon_notify.c: what the center does about an alarm or an event besides
 * storing it: run the notify script and send mail through the local
 * sendmail, with the conventions of twin-ha's notify (ha/ha_notify.c):
 * the program runs in its own process with its arguments on the command
 * line and /dev/null as input, the daemon never waits for it and reaps
 * it on SIGCHLD.
 *
 * The script is run as
 *	notify CLASS SITE DEVICE WHAT LEVEL TIME TEXT
 * CLASS	"alarm" or "event"
 * SITE		the site ID
 * DEVICE	the device (peer) name; "" for an alarm of the whole site
 * WHAT		for an alarm its new state, "silent" (raised) or "ok"
 *		(cleared); for an event its kind (takeover, proxy-down, ...)
 * LEVEL	"critical", "warning" or "info"
 * TIME		when it happened, 2024-05-01T10:00:00.000Z (UTC)
 * TEXT		one line of printable ASCII, possibly empty
 * Every argument is one of the center's validated strings (a site is a
 * DNS label, a device a name, texts are printable ASCII), and nothing
 * goes through a shell.
 *
 * A mail is a short plain-text message on sendmail's input, written into
 * an empty pipe in one go (MON_MAIL_MAX is below the pipe's capacity), so
 * that write never blocks either.
 *
 * Bounded: at most NOTIFY_RUNNING programs at once, NOTIFY_QUEUE more
 * waiting; past that a notification is dropped, counted and logged, so
 * a thousand sites falling silent together cost a bounded burst of
 * processes, not a fork bomb.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mon_center.h"
#include "xmalloc.h"

#define NOTIFY_RUNNING	8
#define NOTIFY_QUEUE	256
#define NOTIFY_MAXARGS	(MON_AUTH_MAXDEV + 8)

struct job {
	char			*argv[NOTIFY_MAXARGS + 1];
	char			*input;		/* stdin, or NULL */
	size_t			 inlen;
	TAILQ_ENTRY(job)	 entry;
};
TAILQ_HEAD(jobs, job);

struct mon_notify {
	char			*path;
	char			**mail_to;
	size_t			 nmail;
	char			*sendmail;
	struct jobs		 queue;
	pid_t			 pids[NOTIFY_RUNNING];
	struct mon_notify_stats	 st;
};

static void	job_free(struct job *);
static void	job_add(struct mon_notify *, struct job *);
static int	job_start(struct mon_notify *, struct job *);
static void	job_next(struct mon_notify *);

/*
 * The notify script's argument vector for <n>: argv[0..7] as above and
 * a NULL; <tbuf> (at least MON_TIME_LEN + 1 bytes) holds the time.
 */
void
mon_notify_argv(const char *path, const struct mon_note *n, char *tbuf,
    size_t tlen, const char **argv)
{
	argv[0] = path;
	argv[1] = n->class;
	argv[2] = n->site;
	argv[3] = n->device != NULL ? n->device : "";
	argv[4] = n->what;
	argv[5] = n->level;
	argv[6] = mon_time_fmt(n->time, tbuf, tlen);
	argv[7] = n->text != NULL ? n->text : "";
	argv[8] = NULL;
}

/*
 * A mail about <n> to to[0..nto) in buf[0..len): headers, an empty line
 * and the text. Returns its length, 0 if it does not fit. The header
 * values are the center's validated strings: no CR or LF can get in.
 */
size_t
mon_mail_message(const struct mon_note *n, char *const *to, size_t nto,
    char *buf, size_t len)
{
	char	tb[MON_TIME_LEN + 1];
	size_t	off = 0, i;
	int	r;

#define PUT(...) do {							\
	r = snprintf(buf + off, len - off, __VA_ARGS__);		\
	if (r < 0 || (size_t)r >= len - off)				\
		return (0);						\
	off += r;							\
} while (0)
	if (len == 0 || nto == 0)
		return (0);
	PUT("To: ");
	for (i = 0; i < nto; i++)
		PUT("%s%s", i > 0 ? ", " : "", to[i]);
	PUT("\n");
	if (strcmp(n->class, "alarm") == 0)
		PUT("Subject: [twinproxy] %s%s%s: %s\n", n->site,
		    n->device[0] != '\0' ? " " : "", n->device,
		    strcmp(n->what, "silent") == 0 ? "SILENT, alarm raised" :
		    "reporting again, alarm cleared");
	else
		PUT("Subject: [twinproxy] %s %s: %s (%s)\n", n->site,
		    n->device, n->what, n->level);
	PUT("Content-Type: text/plain; charset=us-ascii\n"
	    "Auto-Submitted: auto-generated\n\n");
	PUT("site:   %s\n", n->site);
	if (n->device[0] != '\0')
		PUT("device: %s\n", n->device);
	PUT("%s:  %s (%s)\ntime:   %s\n\n%s\n", n->class, n->what, n->level,
	    mon_time_fmt(n->time, tb, sizeof tb), n->text != NULL ?
	    n->text : "");
#undef PUT
	return (off);
}

struct mon_notify *
mon_notify_new(void)
{
	struct mon_notify	*nt;

	nt = xcalloc(1, sizeof *nt);
	TAILQ_INIT(&nt->queue);
	return (nt);
}

static void
job_free(struct job *j)
{
	size_t	i;

	for (i = 0; j->argv[i] != NULL; i++)
		free(j->argv[i]);
	free(j->input);
	free(j);
}

void
mon_notify_free(struct mon_notify *nt)
{
	struct job	*j;
	size_t		 i;

	if (nt == NULL)
		return;
	while ((j = TAILQ_FIRST(&nt->queue)) != NULL) {
		TAILQ_REMOVE(&nt->queue, j, entry);
		job_free(j);
	}
	for (i = 0; i < nt->nmail; i++)
		free(nt->mail_to[i]);
	free(nt->mail_to);
	free(nt->path);
	free(nt->sendmail);
	free(nt);
}

/* Set the script (NULL: none), the mail recipients and sendmail. */
void
mon_notify_set(struct mon_notify *nt, const char *path, char *const *to,
    size_t nto, const char *sendmail)
{
	size_t	i;

	for (i = 0; i < nt->nmail; i++)
		free(nt->mail_to[i]);
	free(nt->mail_to);
	free(nt->path);
	free(nt->sendmail);
	nt->path = path != NULL ? xstrdup(path) : NULL;
	if (nto > MON_AUTH_MAXDEV)
		nto = MON_AUTH_MAXDEV;	/* the argument vector's room */
	nt->mail_to = xcalloc(nto + 1, sizeof *nt->mail_to);
	for (i = 0; i < nto; i++)
		nt->mail_to[i] = xstrdup(to[i]);
	nt->nmail = nto;
	nt->sendmail = sendmail != NULL ? xstrdup(sendmail) : NULL;
}

/* Queue a job, or drop it (counted) when the queue is full. */
static void
job_add(struct mon_notify *nt, struct job *j)
{
	if (nt->st.queued >= NOTIFY_QUEUE) {
		nt->st.dropped++;
		log_warnx("notify: %llu programs waiting already; dropped "
		    "%s %s %s (%llu dropped so far)",
		    (unsigned long long)nt->st.queued, j->argv[0],
		    j->argv[1] != NULL ? j->argv[1] : "",
		    j->argv[2] != NULL ? j->argv[2] : "",
		    (unsigned long long)nt->st.dropped);
		job_free(j);
		return;
	}
	TAILQ_INSERT_TAIL(&nt->queue, j, entry);
	nt->st.queued++;
	job_next(nt);
}

/*
 * Run the notify script for <n>, and when <mail> and recipients are set
 * send the mail too.
 */
void
mon_notify_send(struct mon_notify *nt, const struct mon_note *n, int mail)
{
	const char	*argv[MON_NOTIFY_ARGS];
	struct job	*j;
	char		 tb[MON_TIME_LEN + 1], buf[MON_MAIL_MAX];
	size_t		 i, len;

	if (nt->path != NULL) {
		mon_notify_argv(nt->path, n, tb, sizeof tb, argv);
		j = xcalloc(1, sizeof *j);
		for (i = 0; argv[i] != NULL; i++)
			j->argv[i] = xstrdup(argv[i]);
		job_add(nt, j);
	}
	if (!mail || nt->nmail == 0 || nt->sendmail == NULL)
		return;
	if ((len = mon_mail_message(n, nt->mail_to, nt->nmail, buf,
	    sizeof buf)) == 0) {
		log_warnx("notify: mail about %s %s too long, not sent",
		    n->site, n->what);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->argv[0] = xstrdup(nt->sendmail);
	j->argv[1] = xstrdup("-oi");
	j->argv[2] = xstrdup("--");
	for (i = 0; i < nt->nmail; i++)
		j->argv[3 + i] = xstrdup(nt->mail_to[i]);
	j->input = xmalloc(len);
	memcpy(j->input, buf, len);
	j->inlen = len;
	job_add(nt, j);
}

/* Start a job; -1 if it could not be. */
static int
job_start(struct mon_notify *nt, struct job *j)
{
	pid_t	pid;
	int	fd, p[2] = { -1, -1 };

	if (j->input != NULL && pipe2(p, O_CLOEXEC) == -1) {
		log_warn("notify %s: pipe", j->argv[0]);
		return (-1);
	}
	switch (pid = fork()) {
	case -1:
		log_warn("notify %s: fork", j->argv[0]);
		if (p[0] != -1) {
			close(p[0]);
			close(p[1]);
		}
		return (-1);
	case 0:
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		if (p[0] != -1)
			fd = p[0];
		else
			fd = open("/dev/null", O_RDONLY);
		if (fd != -1 && fd != STDIN_FILENO)
			dup2(fd, STDIN_FILENO);
		execv(j->argv[0], j->argv);
		_exit(127);
	default:
		break;
	}
	if (p[0] != -1) {
		close(p[0]);
		/* An empty pipe takes the whole message without blocking. */
		if (fcntl(p[1], F_SETFL, O_NONBLOCK) == -1 ||
		    write(p[1], j->input, j->inlen) != (ssize_t)j->inlen)
			log_warn("notify %s: writing the message", j->argv[0]);
		close(p[1]);
	}
	log_debug("notify %s %s %s %s: pid %ld", j->argv[0],
	    j->argv[1] != NULL ? j->argv[1] : "",
	    j->argv[2] != NULL ? j->argv[2] : "",
	    j->argv[3] != NULL ? j->argv[3] : "", (long)pid);
	return ((int)pid);
}

/* Start waiting jobs while there is room. */
static void
job_next(struct mon_notify *nt)
{
	struct job	*j;
	size_t		 i;
	int		 pid;

	for (i = 0; i < NOTIFY_RUNNING; i++) {
		if (nt->pids[i] != 0)
			continue;
		if ((j = TAILQ_FIRST(&nt->queue)) == NULL)
			return;
		TAILQ_REMOVE(&nt->queue, j, entry);
		nt->st.queued--;
		if ((pid = job_start(nt, j)) > 0) {
			nt->pids[i] = pid;
			nt->st.started++;
			nt->st.running++;
		} else
			nt->st.failed++;
		job_free(j);
	}
}

/* SIGCHLD: collect finished programs, log failures, start waiting ones. */
void
mon_notify_reap(struct mon_notify *nt)
{
	pid_t	pid;
	size_t	i;
	int	st, n;

	for (n = 0; n < 1000; n++) {
		if ((pid = waitpid(-1, &st, WNOHANG)) <= 0)
			break;
		for (i = 0; i < NOTIFY_RUNNING; i++)
			if (nt->pids[i] == pid) {
				nt->pids[i] = 0;
				nt->st.running--;
				break;
			}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			log_debug("notify program (pid %ld) done", (long)pid);
		else if (WIFEXITED(st)) {
			nt->st.failed++;
			log_warnx("notify program (pid %ld) exited with %d%s",
			    (long)pid, WEXITSTATUS(st),
			    WEXITSTATUS(st) == 127 ? " (could not run it)" :
			    "");
		} else {
			nt->st.failed++;
			log_warnx("notify program (pid %ld) killed by signal "
			    "%d", (long)pid, WTERMSIG(st));
		}
	}
	job_next(nt);
}

void
mon_notify_stats(const struct mon_notify *nt, struct mon_notify_stats *s)
{
	*s = nt->st;
}
