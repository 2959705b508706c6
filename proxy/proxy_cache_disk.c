/*
 * proxy_cache_disk.c: the disk tier (cache-dir PATH SIZE).
 *
 * Layout: PATH/objects/XX/<id> holds one complete object, PATH/tmp/ holds
 * objects being written. An object file is a fixed binary head (magic,
 * lengths, times, checksums of the head and of the body), the key, the
 * Vary names, the secondary key, the stored field lines, then the body.
 *
 * Crash consistency: an object is written to PATH/tmp/, its head is
 * written last (pwrite at offset 0, magic included), and only a complete
 * file is renamed into PATH/objects/, so a process killed at any moment
 * leaves either no object or a whole one; PATH/tmp/ is emptied at start.
 * Files are not fsync'ed: a killed process loses nothing the kernel has,
 * and after a power loss a file whose data did not reach the disk fails
 * the length or checksum test and is discarded, never served. The index
 * is rebuilt at start from the heads alone (one pread per file); a body's
 * checksum is verified the first time the object is read, before any byte
 * of it is served. The LRU order after a restart is the files' mtime.
 *
 * Disk I/O is synchronous and done from the caller's thread.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "fsafe.h"
#include "log.h"
#include "xmalloc.h"
#include "proxy_cache_int.h"

#define DISK_MAGIC	"TWCACHE1"
#define DISK_VERSION	1
#define DISK_NONE	UINT32_MAX	/* absent string */
#define DISK_HEAD_MAX	(1024 * 1024)
#define DISK_IO		65536

/* The fixed head of an object file, in host byte order. */
struct disk_head {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 head_len;	/* this struct and the strings */
	uint64_t	 body_len;
	uint64_t	 body_sum;
	int64_t		 request_time;
	int64_t		 response_time;
	int64_t		 date_value;
	int64_t		 age_value;
	int64_t		 lifetime;
	int32_t		 heuristic;
	int32_t		 status;
	uint32_t	 key_len;
	uint32_t	 vary_len;
	uint32_t	 vkey_len;
	uint32_t	 fields_len;
	uint64_t	 head_sum;	/* with this field zero, and strings */
};

struct disk_key;

struct disk_ent {
	uint64_t			 id;
	char				*vary;
	char				*vkey;
	uint64_t			 size;
	time_t				 mtime;
	int				 verified;
	struct disk_key			*dk;
	TAILQ_ENTRY(disk_ent)		 variants;
	TAILQ_ENTRY(disk_ent)		 lru;
};

struct disk_key {
	char				*key;
	TAILQ_HEAD(, disk_ent)		 variants;
	RB_ENTRY(disk_key)		 entry;
};

RB_HEAD(disk_tree, disk_key);

struct cache_disk {
	char				*dir;
	uint64_t			 max;
	uint64_t			 bytes;
	uint64_t			 objects;
	uint64_t			 evictions;
	uint64_t			 rejected;
	uint64_t			 next_id;
	struct disk_tree		 tree;
	TAILQ_HEAD(, disk_ent)		 lru;
};

struct cache_disk_writer {
	struct cache_disk		*d;
	int				 fd;
	uint64_t			 id;
	char				 tmp[PATH_MAX];
	struct disk_head		 h;
	char				*key;
	char				*vary;
	char				*vkey;
	uint64_t			 sum;
	int				 failed;
};

static int	disk_key_cmp(struct disk_key *, struct disk_key *);
static void	disk_path(struct cache_disk *, uint64_t, char *, size_t);
static int	disk_write_all(int, const void *, size_t);
static int	disk_read_all(int, void *, size_t, off_t);
static uint64_t	disk_head_sum(const struct disk_head *, const char *);
static int	disk_read_head(int, struct disk_head *, char **, off_t);
static int	disk_load(struct cache_disk *, uint64_t, const char *);
static struct disk_ent *disk_add(struct cache_disk *, uint64_t, const char *,
		    const char *, const char *, uint64_t, time_t);
static void	disk_drop(struct cache_disk *, struct disk_ent *, int);
static void	disk_evict(struct cache_disk *, struct disk_ent *);
static int	disk_mtime_cmp(const void *, const void *);
static int	disk_clean_tmp(struct cache_disk *);
static int	disk_mkdir(const char *, char **);

RB_GENERATE_STATIC(disk_tree, disk_key, entry, disk_key_cmp);

/* Order keys. */
static int
disk_key_cmp(struct disk_key *a, struct disk_key *b)
{
	return (strcmp(a->key, b->key));
}

/* Build the path of an object file. */
static void
disk_path(struct cache_disk *d, uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/objects/%02x/%016" PRIx64, d->dir,
	    (unsigned int)(id & 0xff), id);
}

/* Write a whole buffer. */
static int
disk_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

/* Read exactly len bytes at off; -1 on error or short file. */
static int
disk_read_all(int fd, void *buf, size_t len, off_t off)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = pread(fd, p, len, off)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			return (-1);
		p += n;
		len -= n;
		off += n;
	}
	return (0);
}

/* Checksum a head and its strings. */
static uint64_t
disk_head_sum(const struct disk_head *h, const char *strings)
{
	struct disk_head	 c = *h;
	uint64_t		 sum;

	c.head_sum = 0;
	sum = cache_sum(CACHE_SUM_INIT, &c, sizeof c);
	return (cache_sum(sum, strings, h->head_len - sizeof c));
}

/*
 * Read and check a head: magic, version, sane lengths, checksum, and a
 * file length equal to head plus body (truncation). *strings is malloc'd.
 */
static int
disk_read_head(int fd, struct disk_head *h, char **strings, off_t fsize)
{
	uint64_t	 slen, need;

	*strings = NULL;
	if (disk_read_all(fd, h, sizeof *h, 0) == -1 ||
	    memcmp(h->magic, DISK_MAGIC, 8) != 0 ||
	    h->version != DISK_VERSION || h->head_len < sizeof *h ||
	    h->head_len > DISK_HEAD_MAX)
		return (-1);
	if ((uint64_t)fsize != h->head_len + h->body_len)
		return (-1);
	slen = h->head_len - sizeof *h;
	need = (uint64_t)h->key_len + h->fields_len +
	    (h->vary_len == DISK_NONE ? 0 : h->vary_len) +
	    (h->vkey_len == DISK_NONE ? 0 : h->vkey_len);
	if (need != slen || h->key_len == 0)
		return (-1);
	if ((*strings = malloc(slen + 1)) == NULL)
		return (-1);
	if (disk_read_all(fd, *strings, slen, sizeof *h) == -1 ||
	    disk_head_sum(h, *strings) != h->head_sum) {
		free(*strings);
		*strings = NULL;
		return (-1);
	}
	return (0);
}

/* Add an index entry, replacing the same variant. */
static struct disk_ent *
disk_add(struct cache_disk *d, uint64_t id, const char *key, const char *vary,
    const char *vkey, uint64_t size, time_t mtime)
{
	struct disk_key		 find, *dk;
	struct disk_ent		*e, *v;
	char			 path[PATH_MAX];

	find.key = (char *)key;
again:
	if ((dk = RB_FIND(disk_tree, &d->tree, &find)) != NULL) {
		TAILQ_FOREACH(v, &dk->variants, variants) {
			if (v->vary == NULL || vary == NULL ||
			    (v->vkey != NULL && vkey != NULL &&
			    strcmp(v->vkey, vkey) == 0)) {
				/*
				 * Ids grow, so the higher one is the newer
				 * copy (two can exist after a crash between
				 * the rename and the unlink).
				 */
				if (v->id > id) {
					disk_path(d, id, path, sizeof path);
					unlink(path);
					return (NULL);
				}
				disk_drop(d, v, 1);
				goto again;
			}
		}
	}
	if ((e = calloc(1, sizeof *e)) == NULL)
		return (NULL);
	if ((vary != NULL && (e->vary = strdup(vary)) == NULL) ||
	    (vkey != NULL && (e->vkey = strdup(vkey)) == NULL))
		goto fail;
	if (dk == NULL) {
		if ((dk = calloc(1, sizeof *dk)) == NULL)
			goto fail;
		if ((dk->key = strdup(key)) == NULL) {
			free(dk);
			goto fail;
		}
		TAILQ_INIT(&dk->variants);
		RB_INSERT(disk_tree, &d->tree, dk);
	}
	e->id = id;
	e->size = size;
	e->mtime = mtime;
	e->dk = dk;
	TAILQ_INSERT_TAIL(&dk->variants, e, variants);
	TAILQ_INSERT_TAIL(&d->lru, e, lru);
	d->bytes += size;
	d->objects++;
	return (e);
fail:
	free(e->vary);
	free(e->vkey);
	free(e);
	return (NULL);
}

/* Remove an entry from the index, and its file if unlink_file. */
static void
disk_drop(struct cache_disk *d, struct disk_ent *e, int unlink_file)
{
	struct disk_key	*dk = e->dk;
	char		 path[PATH_MAX];

	if (unlink_file) {
		disk_path(d, e->id, path, sizeof path);
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("cache: unlink %s", path);
	}
	TAILQ_REMOVE(&dk->variants, e, variants);
	TAILQ_REMOVE(&d->lru, e, lru);
	d->bytes -= e->size;
	d->objects--;
	if (TAILQ_EMPTY(&dk->variants)) {
		RB_REMOVE(disk_tree, &d->tree, dk);
		free(dk->key);
		free(dk);
	}
	free(e->vary);
	free(e->vkey);
	free(e);
}

/* Evict least recently used objects (never keep) until under the limit. */
static void
disk_evict(struct cache_disk *d, struct disk_ent *keep)
{
	struct disk_ent	*e;

	while (d->bytes > d->max && (e = TAILQ_FIRST(&d->lru)) != NULL) {
		if (e == keep) {
			if ((e = TAILQ_NEXT(e, lru)) == NULL)
				break;
		}
		log_debug("cache: disk full, evicting %s", e->dk->key);
		disk_drop(d, e, 1);
		d->evictions++;
	}
}

/* Change the size limit, evicting least recently used objects to fit. */
void
cache_disk_resize(struct cache_disk *d, uint64_t max)
{
	d->max = max;
	disk_evict(d, NULL);
}

/* Load one object file into the index; a bad file is removed. */
static int
disk_load(struct cache_disk *d, uint64_t id, const char *path)
{
	struct disk_head	 h;
	struct stat		 st;
	char			*s = NULL, *key = NULL, *vary = NULL;
	char			*vkey = NULL;
	const char		*p;
	int			 fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		log_warn("cache: open %s", path);
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    disk_read_head(fd, &h, &s, st.st_size) == -1)
		goto bad;
	p = s;
	if ((key = strndup(p, h.key_len)) == NULL)
		goto done;
	p += h.key_len;
	if (h.vary_len != DISK_NONE) {
		if ((vary = strndup(p, h.vary_len)) == NULL)
			goto done;
		p += h.vary_len;
	}
	if (h.vkey_len != DISK_NONE &&
	    (vkey = strndup(p, h.vkey_len)) == NULL)
		goto done;
	if (disk_add(d, id, key, vary, vkey, st.st_size, st.st_mtime) ==
	    NULL)
		goto done;
	if (id >= d->next_id)
		d->next_id = id + 1;
	rv = 0;
	goto done;
bad:
	log_warnx("cache: %s is truncated or corrupt, removed", path);
	d->rejected++;
	unlink(path);
done:
	close(fd);
	free(s);
	free(key);
	free(vary);
	free(vkey);
	return (rv);
}

/* Order entries by mtime, oldest first. */
static int
disk_mtime_cmp(const void *a, const void *b)
{
	const struct disk_ent	*x = *(struct disk_ent *const *)a;
	const struct disk_ent	*y = *(struct disk_ent *const *)b;

	if (x->mtime != y->mtime)
		return (x->mtime < y->mtime ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

/* Remove what a killed process left in tmp/. */
static int
disk_clean_tmp(struct cache_disk *d)
{
	char		 path[PATH_MAX];
	DIR		*dir;
	struct dirent	*de;

	snprintf(path, sizeof path, "%s/tmp", d->dir);
	if ((dir = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/tmp/%s", d->dir, de->d_name);
		log_info("cache: removing incomplete %s", path);
		unlink(path);
	}
	closedir(dir);
	return (0);
}

/*
 * Open a disk tier in dir, limited to max bytes, creating its folders,
 * emptying tmp/ and rebuilding the index. NULL with *cause on error.
 */
struct cache_disk *
cache_disk_open(const char *dirname, uint64_t max, char **cause)
{
	struct cache_disk	 *d;
	struct disk_ent		 *e, **v = NULL;
	char			  path[PATH_MAX];
	DIR			 *dir;
	struct dirent		 *de;
	char			 *end;
	uint64_t		  id, n, i;
	int			  sub;

	if ((d = calloc(1, sizeof *d)) == NULL ||
	    (d->dir = strdup(dirname)) == NULL) {
		free(d);
		xasprintf(cause, "out of memory");
		return (NULL);
	}
	d->max = max;
	d->next_id = 1;
	RB_INIT(&d->tree);
	TAILQ_INIT(&d->lru);
	/*
	 * Whoever can write in these could plant objects served as hits:
	 * each must be ours alone, as must every folder above (fsafe.h).
	 */
	if (disk_mkdir(dirname, cause) == -1)
		goto unsafe;
	snprintf(path, sizeof path, "%s/tmp", dirname);
	if (disk_mkdir(path, cause) == -1)
		goto unsafe;
	snprintf(path, sizeof path, "%s/objects", dirname);
	if (disk_mkdir(path, cause) == -1)
		goto unsafe;
	if (disk_clean_tmp(d) == -1)
		goto fail;
	for (sub = 0; sub < 256; sub++) {
		snprintf(path, sizeof path, "%s/objects/%02x", dirname, sub);
		if (disk_mkdir(path, cause) == -1)
			goto unsafe;
		if ((dir = opendir(path)) == NULL)
			goto fail;
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/objects/%02x/%s",
			    dirname, sub, de->d_name);
			errno = 0;
			id = strtoull(de->d_name, &end, 16);
			if (*end != '\0' || errno != 0 || id == 0 ||
			    (int)(id & 0xff) != sub) {
				log_warnx("cache: stray file %s removed", path);
				unlink(path);
				continue;
			}
			disk_load(d, id, path);
		}
		closedir(dir);
	}

	/* Rebuild the LRU order from modification times. */
	if (d->objects > 0 && (v = calloc(d->objects, sizeof *v)) != NULL) {
		n = 0;
		TAILQ_FOREACH(e, &d->lru, lru)
			v[n++] = e;
		qsort(v, n, sizeof *v, disk_mtime_cmp);
		TAILQ_INIT(&d->lru);
		for (i = 0; i < n; i++)
			TAILQ_INSERT_TAIL(&d->lru, v[i], lru);
		free(v);
	}
	disk_evict(d, NULL);
	log_info("cache: %s: %" PRIu64 " objects, %" PRIu64 " bytes, %"
	    PRIu64 " rejected", dirname, d->objects, d->bytes, d->rejected);
	return (d);
fail:
	xasprintf(cause, "%s: %s", path, strerror(errno));
unsafe:
	cache_disk_close(d);
	return (NULL);
}

/* Make (if missing) and check one folder of the cache. */
static int
disk_mkdir(const char *path, char **cause)
{
	int	fd;

	if ((fd = fsafe_dir(path, (uid_t)-1, FSAFE_MKDIR | FSAFE_PRIVATE, 0700,
	    cause)) == -1)
		return (-1);
	close(fd);
	return (0);
}

/* Close a disk tier (the files stay). */
void
cache_disk_close(struct cache_disk *d)
{
	struct disk_ent	*e;

	if (d == NULL)
		return;
	while ((e = TAILQ_FIRST(&d->lru)) != NULL)
		disk_drop(d, e, 0);
	free(d->dir);
	free(d);
}

/*
 * Start writing an object (head taken from o) into tmp/. NULL when the
 * file cannot be created; the caller stores in memory only.
 */
struct cache_disk_writer *
cache_disk_write_begin(struct cache_disk *d, const struct cache_obj *o)
{
	struct cache_disk_writer	*w;
	struct disk_head		*h;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return (NULL);
	w->d = d;
	w->fd = -1;
	w->id = d->next_id++;
	w->sum = CACHE_SUM_INIT;
	if ((w->key = strdup(o->key)) == NULL ||
	    (o->vary != NULL && (w->vary = strdup(o->vary)) == NULL) ||
	    (o->vkey != NULL && (w->vkey = strdup(o->vkey)) == NULL))
		goto fail;
	h = &w->h;
	memcpy(h->magic, DISK_MAGIC, 8);
	h->version = DISK_VERSION;
	h->request_time = o->times.request_time;
	h->response_time = o->times.response_time;
	h->date_value = o->times.date_value;
	h->age_value = o->times.age_value;
	h->lifetime = o->times.lifetime;
	h->heuristic = o->times.heuristic;
	h->status = o->status;
	h->key_len = strlen(o->key);
	h->vary_len = o->vary ? strlen(o->vary) : DISK_NONE;
	h->vkey_len = o->vkey ? strlen(o->vkey) : DISK_NONE;
	h->fields_len = o->fields_len;
	h->head_len = sizeof *h + h->key_len + o->fields_len +
	    (o->vary ? h->vary_len : 0) + (o->vkey ? h->vkey_len : 0);
	if (h->head_len > DISK_HEAD_MAX)
		goto fail;

	snprintf(w->tmp, sizeof w->tmp, "%s/tmp/%016" PRIx64, d->dir, w->id);
	if ((w->fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("cache: %s", w->tmp);
		goto fail;
	}
	/* A zero head until the object is complete: never valid. */
	{
		struct disk_head	 zero;

		memset(&zero, 0, sizeof zero);
		if (disk_write_all(w->fd, &zero, sizeof zero) == -1)
			goto fail_io;
	}
	if (disk_write_all(w->fd, o->key, h->key_len) == -1 ||
	    (o->vary != NULL && disk_write_all(w->fd, o->vary,
	    h->vary_len) == -1) ||
	    (o->vkey != NULL && disk_write_all(w->fd, o->vkey,
	    h->vkey_len) == -1) ||
	    disk_write_all(w->fd, o->fields, o->fields_len) == -1)
		goto fail_io;
	return (w);
fail_io:
	log_warn("cache: write %s", w->tmp);
fail:
	cache_disk_write_abort(w);
	return (NULL);
}

/* Append body bytes; -1 (and the object is dropped at the end) on error. */
int
cache_disk_write(struct cache_disk_writer *w, const void *buf, size_t len)
{
	if (w->failed)
		return (-1);
	if (w->h.head_len + w->h.body_len + len > w->d->max) {
		log_debug("cache: %s larger than the cache directory",
		    w->key);
		w->failed = 1;
		return (-1);
	}
	if (disk_write_all(w->fd, buf, len) == -1) {
		log_warn("cache: write %s", w->tmp);
		w->failed = 1;
		return (-1);
	}
	w->sum = cache_sum(w->sum, buf, len);
	w->h.body_len += len;
	return (0);
}

/*
 * Complete an object: write the real head, rename into objects/, index it
 * (replacing the same variant) and evict to the limit. *idp gets its id.
 */
int
cache_disk_write_end(struct cache_disk_writer *w, uint64_t *idp)
{
	struct cache_disk	*d = w->d;
	struct disk_ent		*e;
	char			 path[PATH_MAX], *strings;
	size_t			 slen;
	int			 rv = -1;

	if (w->failed)
		goto done;
	w->h.body_sum = w->sum;
	slen = w->h.head_len - sizeof w->h;
	if ((strings = malloc(slen + 1)) == NULL ||
	    disk_read_all(w->fd, strings, slen, sizeof w->h) == -1) {
		free(strings);
		goto done;
	}
	w->h.head_sum = disk_head_sum(&w->h, strings);
	free(strings);
	if (pwrite(w->fd, &w->h, sizeof w->h, 0) != sizeof w->h) {
		log_warn("cache: write %s", w->tmp);
		goto done;
	}
	close(w->fd);
	w->fd = -1;
	disk_path(d, w->id, path, sizeof path);
	if (rename(w->tmp, path) == -1) {
		log_warn("cache: rename %s", path);
		goto done;
	}
	w->tmp[0] = '\0';
	if ((e = disk_add(d, w->id, w->key, w->vary, w->vkey,
	    w->h.head_len + w->h.body_len, time(NULL))) == NULL) {
		unlink(path);
		goto done;
	}
	e->verified = 1;
	disk_evict(d, e);
	if (idp != NULL)
		*idp = w->id;
	rv = 0;
done:
	cache_disk_write_abort(w);
	return (rv);
}

/* Give up a write: the temporary file is removed. */
void
cache_disk_write_abort(struct cache_disk_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	if (w->tmp[0] != '\0')
		unlink(w->tmp);
	free(w->key);
	free(w->vary);
	free(w->vkey);
	free(w);
}

/*
 * Store a refreshed head (after a 304) for an object already on disk: a
 * new file with the new head and the old body, replacing the old one.
 */
int
cache_disk_rewrite(struct cache_disk *d, struct cache_obj *nobj,
    const struct cache_obj *old)
{
	struct cache_disk_writer	*w;
	struct disk_head		 h;
	struct stat			 st;
	char				 path[PATH_MAX], *s = NULL, *buf;
	uint64_t			 off, left;
	size_t				 n;
	int				 fd;

	if (old->disk_id == 0)
		return (-1);
	disk_path(d, old->disk_id, path, sizeof path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || disk_read_head(fd, &h, &s,
	    st.st_size) == -1 || (buf = malloc(DISK_IO)) == NULL) {
		free(s);
		close(fd);
		return (-1);
	}
	free(s);
	if ((w = cache_disk_write_begin(d, nobj)) == NULL) {
		free(buf);
		close(fd);
		return (-1);
	}
	for (off = h.head_len, left = h.body_len; left > 0; left -= n) {
		n = left > DISK_IO ? DISK_IO : left;
		if (disk_read_all(fd, buf, n, off) == -1 ||
		    cache_disk_write(w, buf, n) == -1) {
			w->failed = 1;
			break;
		}
		off += n;
	}
	free(buf);
	close(fd);
	if (w->sum != h.body_sum)
		w->failed = 1;
	return (cache_disk_write_end(w, &nobj->disk_id));
}

/*
 * Find the variant serving a request and open it as an object: its body
 * is read into memory when at most promote bytes, else a file segment.
 * A corrupt or truncated file is removed and *corrupt set.
 */
struct cache_obj *
cache_disk_lookup(struct cache_disk *d, const char *key,
    const struct cache_req *rq, uint64_t promote, int *corrupt)
{
	struct disk_key		 find, *dk;
	struct disk_ent		*e;
	struct disk_head	 h;
	struct stat		 st;
	struct cache_times	 t;
	struct cache_obj	*o = NULL;
	char			 path[PATH_MAX], *s = NULL, *k, *buf = NULL;
	const char		*fields;
	uint64_t		 off, left, sum;
	size_t			 n;
	int			 fd = -1, match;

	*corrupt = 0;
	find.key = (char *)key;
	if ((dk = RB_FIND(disk_tree, &d->tree, &find)) == NULL)
		return (NULL);
	TAILQ_FOREACH(e, &dk->variants, variants) {
		if (e->vary == NULL)
			break;
		if (cache_vary_key(e->vary, rq->hdrs, rq->nhdrs, &k) != 0)
			continue;
		match = (k != NULL && e->vkey != NULL &&
		    strcmp(k, e->vkey) == 0);
		free(k);
		if (match)
			break;
	}
	if (e == NULL)
		return (NULL);

	disk_path(d, e->id, path, sizeof path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &st) == -1 ||
	    disk_read_head(fd, &h, &s, st.st_size) == -1 ||
	    h.key_len != strlen(key) || memcmp(s, key, h.key_len) != 0)
		goto bad;
	if (!e->verified || h.body_len <= promote) {
		if (h.body_len <= promote) {
			if ((buf = malloc(h.body_len ? h.body_len : 1)) ==
			    NULL ||
			    disk_read_all(fd, buf, h.body_len,
			    h.head_len) == -1)
				goto bad;
			sum = cache_sum(CACHE_SUM_INIT, buf, h.body_len);
		} else {
			if ((buf = malloc(DISK_IO)) == NULL)
				goto fail;
			sum = CACHE_SUM_INIT;
			for (off = h.head_len, left = h.body_len; left > 0;
			    left -= n) {
				n = left > DISK_IO ? DISK_IO : left;
				if (disk_read_all(fd, buf, n, off) == -1)
					goto bad;
				sum = cache_sum(sum, buf, n);
				off += n;
			}
			free(buf);
			buf = NULL;
		}
		if (sum != h.body_sum)
			goto bad;
		e->verified = 1;
	}

	memset(&t, 0, sizeof t);
	t.request_time = h.request_time;
	t.response_time = h.response_time;
	t.date_value = h.date_value;
	t.age_value = h.age_value;
	t.lifetime = h.lifetime;
	t.heuristic = h.heuristic;
	fields = s + h.head_len - sizeof h - h.fields_len;
	/* The strings are key, vary, vkey, fields: the index has copies. */
	if ((o = cache_obj_new(dk->key, e->vary, e->vkey, h.status, fields,
	    h.fields_len, &t)) == NULL)
		goto fail;
	o->body_len = h.body_len;
	o->disk_id = e->id;
	if (buf != NULL) {
		if ((o->body = evbuffer_new()) == NULL ||
		    evbuffer_add(o->body, buf, h.body_len) == -1)
			goto fail;
		evbuffer_freeze(o->body, 0);
		evbuffer_freeze(o->body, 1);
	} else {
		if ((o->seg = evbuffer_file_segment_new(fd, h.head_len,
		    h.body_len, EVBUF_FS_CLOSE_ON_FREE)) == NULL)
			goto fail;
		fd = -1;
	}
	TAILQ_REMOVE(&d->lru, e, lru);
	TAILQ_INSERT_TAIL(&d->lru, e, lru);
	free(s);
	free(buf);
	if (fd != -1)
		close(fd);
	return (o);
bad:
	log_warnx("cache: %s is truncated or corrupt, removed", path);
	d->rejected++;
	*corrupt = 1;
	disk_drop(d, e, 1);
fail:
	cache_obj_unref(o);
	free(s);
	free(buf);
	if (fd != -1)
		close(fd);
	return (NULL);
}

/* Remove every variant of a key with its files; returns how many. */
int
cache_disk_remove_key(struct cache_disk *d, const char *key)
{
	struct disk_key	 find, *dk;
	int		 n = 0;

	find.key = (char *)key;
	while ((dk = RB_FIND(disk_tree, &d->tree, &find)) != NULL) {
		disk_drop(d, TAILQ_FIRST(&dk->variants), 1);
		n++;
	}
	return (n);
}

/* Report objects, bytes, evictions and rejected files. */
void
cache_disk_stats(const struct cache_disk *d, uint64_t *objects,
    uint64_t *bytes, uint64_t *evictions, uint64_t *rejected)
{
	*objects = d->objects;
	*bytes = d->bytes;
	*evictions = d->evictions;
	*rejected = d->rejected;
}
