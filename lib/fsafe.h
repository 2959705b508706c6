/*
 * fsafe.h: opening files where a less privileged user could have been
 * first. A daemon started as root writes into the run directory, a pid
 * file, its logs and its cache; any of them may sit in a directory the
 * service user (or someone else) can write, where a symbolic link or a
 * hard link planted in advance would turn the daemon's write into a
 * write to a file of the attacker's choosing, and a directory others can
 * write lets them replace what the daemon stored (cache objects served
 * as hits).
 *
 * The rules, checked on descriptors (openat, O_NOFOLLOW at every step),
 * so that nothing can be swapped between the check and the use:
 *  - every directory from / down to the file's own belongs to root or to
 *    <user> (the service user, or the user the daemon runs as), and is
 *    writable by no one else: not by others, not by a group other than
 *    root's, unless it is sticky (/tmp); this is logrotate's rule for
 *    the directories it rotates in;
 *  - a private directory (FSAFE_PRIVATE: the cache) belongs to the user
 *    the daemon runs as and is writable by no one else at all, sticky or
 *    not;
 *  - a file is opened without following a symbolic link and must be a
 *    regular file with no other hard link, owned by the user the daemon
 *    runs as.
 * Failures come with a sentence naming the path and what is wrong.
 */
#ifndef FSAFE_H
#define FSAFE_H

#include <sys/types.h>

/* fsafe_dir() flags. */
#define FSAFE_MKDIR	0x1	/* create the last directory if missing */
#define FSAFE_PRIVATE	0x2	/* the daemon's own, no one else may write */

/*
 * Check directory <path> and those above it for <user> (a uid trusted
 * besides root; (uid_t)-1 for none); with FSAFE_MKDIR create it with
 * <mode> when missing. Returns an O_DIRECTORY descriptor of it, or -1
 * with *cause (allocated).
 */
int	fsafe_dir(const char *, uid_t, int, mode_t, char **);
/*
 * Open file <path> (its directory checked as by fsafe_dir()) with
 * open(2) <flags> and <mode>, never following a symbolic link, and check
 * the file itself. Returns the descriptor (blocking, close-on-exec), or
 * -1 with *cause (allocated).
 */
int	fsafe_open(const char *, int, mode_t, uid_t, char **);
/* The uid of user <name>, or (uid_t)-1 when there is none. */
uid_t	fsafe_uid(const char *);

#endif
