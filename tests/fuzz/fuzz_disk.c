/*
 * fuzz_disk.c: libFuzzer target for the disk tier's object loader
 * (proxy/proxy_cache_disk.c): the bytes of one object file are put in a
 * cache directory, which is then opened (the index is rebuilt from the
 * file's head) and the object looked up (the head read again, the body
 * checksummed, the stored fields parsed by cache_obj_new).
 *
 * An object file carries two checksums, so random bytes would never get
 * past the first test. Byte 0 of the input therefore asks the target to
 * make some fields consistent before the file is written: bit 0 sets the
 * head's body length from the file size, bit 1 the body checksum, bit 2
 * the head checksum (computed last); bit 3 asks for the body in memory
 * rather than as a file segment. The rest of the input is the file. The
 * target mirrors the head's layout for this; at start it writes an object
 * with the real writer and aborts if the mirror does not describe it.
 *
 * Invariants: at most the one object is indexed, a file the index took
 * has a head the mirror accepts, a looked-up object has the body length,
 * status and lifetime of its head, a refreshed head written over it
 * (cache_disk_rewrite, as after a 304) reads back with the same body,
 * and the directory is left empty.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy_cache_int.h"
#include "fuzz.h"

#define FIX_BODY_LEN	0x01
#define FIX_BODY_SUM	0x02
#define FIX_HEAD_SUM	0x04
#define IN_MEMORY	0x08

#define FUZZ_ID		((uint64_t)0x142)
#define FUZZ_NONE	UINT32_MAX

/* The head of an object file as proxy_cache_disk.c writes it. */
struct mirror_head {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 head_len;
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
	uint64_t	 head_sum;
};

static char	 dir[PATH_MAX];
static char	 path[PATH_MAX];

static uint64_t	mirror_head_sum(const uint8_t *, size_t);
static int	mirror_ok(const uint8_t *, size_t);
static void	write_file(const uint8_t *, size_t);
static void	check_layout(void);
static size_t	count_files(void);
static void	check_obj(struct cache_obj *, const struct mirror_head *);
static void	check_rewrite(struct cache_disk *, struct cache_obj *,
		    const char *, const struct cache_req *,
		    const struct mirror_head *);

/* The head checksum: the head with head_sum zero, then the strings. */
static uint64_t
mirror_head_sum(const uint8_t *file, size_t len)
{
	struct mirror_head	 h;

	(void)len;
	memcpy(&h, file, sizeof h);
	h.head_sum = 0;
	return (cache_sum(cache_sum(CACHE_SUM_INIT, &h, sizeof h),
	    file + sizeof h, h.head_len - sizeof h));
}

/* Would the loader take this file? (The same tests, for the invariant.) */
static int
mirror_ok(const uint8_t *file, size_t len)
{
	struct mirror_head	 h;
	uint64_t		 need;

	if (len < sizeof h)
		return (0);
	memcpy(&h, file, sizeof h);
	if (memcmp(h.magic, "TWCACHE1", 8) != 0 || h.version != 1 ||
	    h.head_len < sizeof h || h.head_len > 1024 * 1024 ||
	    (uint64_t)len != h.head_len + h.body_len)
		return (0);
	need = (uint64_t)h.key_len + h.fields_len +
	    (h.vary_len == FUZZ_NONE ? 0 : h.vary_len) +
	    (h.vkey_len == FUZZ_NONE ? 0 : h.vkey_len);
	return (need == h.head_len - sizeof h && h.key_len != 0 &&
	    mirror_head_sum(file, len) == h.head_sum);
}

/* Put the bytes where the loader looks for object FUZZ_ID. */
static void
write_file(const uint8_t *buf, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1);
	CHECK(write(fd, buf, len) == (ssize_t)len);
	CHECK(close(fd) == 0);
}

/* Files left under objects/ (the loader removes what it rejects). */
static size_t
count_files(void)
{
	char		 sub[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	snprintf(sub, sizeof sub, "%s/objects/%02x", dir,
	    (unsigned int)(FUZZ_ID & 0xff));
	if ((d = opendir(sub)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return (n);
}

/* Write an object with the real writer and read it with the mirror. */
static void
check_layout(void)
{
	static const char	 fields[] = "Content-Type: text/plain\r\n";
	struct cache_times	 t = { 100, 101, 99, 5, 60, 0 };
	struct cache_disk	*d;
	struct cache_disk_writer *w;
	struct cache_obj	*o;
	struct mirror_head	 h;
	struct stat		 st;
	char			 p[PATH_MAX], *cause = NULL;
	uint8_t			*file;
	uint64_t		 id = 0;
	int			 fd;

	d = cache_disk_open(dir, 1 << 20, &cause);
	CHECK(d != NULL);
	o = cache_obj_new("http://a.example/", NULL, NULL, 200, fields,
	    sizeof fields - 1, &t);
	CHECK(o != NULL);
	CHECK((w = cache_disk_write_begin(d, o)) != NULL);
	CHECK(cache_disk_write(w, "hello", 5) == 0);
	CHECK(cache_disk_write_end(w, &id) == 0);
	snprintf(p, sizeof p, "%s/objects/%02x/%016" PRIx64, dir,
	    (unsigned int)(id & 0xff), id);
	CHECK((fd = open(p, O_RDONLY)) != -1 && fstat(fd, &st) == 0);
	CHECK((file = malloc(st.st_size)) != NULL);
	CHECK(read(fd, file, st.st_size) == st.st_size);
	close(fd);
	memcpy(&h, file, sizeof h);
	if (!mirror_ok(file, st.st_size) || h.body_len != 5 ||
	    h.key_len != strlen("http://a.example/") ||
	    h.fields_len != sizeof fields - 1 || h.status != 200) {
		fprintf(stderr, "fuzz_disk: struct mirror_head no longer "
		    "matches the object files of proxy_cache_disk.c\n");
		abort();
	}
	free(file);
	unlink(p);
	cache_obj_unref(o);
	cache_disk_close(d);
}

/*
 * A loaded object says what its head says; the view of its stored fields
 * lies inside them. (Names are not checked: the loader reads back what
 * the cache wrote, and takes ": v" as a field with an empty name.)
 */
static void
check_obj(struct cache_obj *o, const struct mirror_head *h)
{
	const struct http_header	*hd;
	const char		*lo, *hi;
	size_t			 i, n;

	lo = o->fields;
	hi = o->fields + o->fields_len;
	CHECK(cache_obj_body_len(o) == h->body_len);
	CHECK(cache_obj_status(o) == h->status);
	CHECK(cache_obj_times(o)->lifetime == h->lifetime);
	hd = cache_obj_hdrs(o, &n);
	for (i = 0; i < n; i++) {
		CHECK(hd[i].name >= lo && hd[i].name + hd[i].name_len <= hi);
		CHECK(hd[i].value >= lo && hd[i].value + hd[i].value_len <= hi);
	}
}

/*
 * A refreshed head (as after a 304) written over a loaded object reads
 * back, with the same body.
 */
static void
check_rewrite(struct cache_disk *d, struct cache_obj *o, const char *key,
    const struct cache_req *rq, const struct mirror_head *h)
{
	struct cache_obj	*n, *again;
	int			 corrupt;

	n = cache_obj_new(o->key, o->vary, o->vkey, o->status, o->fields,
	    o->fields_len, &o->times);
	CHECK(n != NULL);
	if (cache_disk_rewrite(d, n, o) == 0) {
		CHECK(n->disk_id != 0);
		again = cache_disk_lookup(d, key, rq, UINT64_MAX, &corrupt);
		if (o->vary == NULL) {
			CHECK(again != NULL && !corrupt);
			check_obj(again, h);
		}
		cache_obj_unref(again);
	}
	cache_obj_unref(n);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/fuzz_disk.XXXXXX", tmp ? tmp : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	check_layout();
	snprintf(path, sizeof path, "%s/objects/%02x/%016" PRIx64, dir,
	    (unsigned int)(FUZZ_ID & 0xff), FUZZ_ID);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_header rqh[] = {
		{ "Accept-Encoding", 15, "gzip", 4 },
		{ "Accept-Language", 15, "en", 2 },
	};
	struct cache_req	 rq = { "GET", NULL, rqh, 2 };
	struct cache_disk	*d;
	struct cache_obj	*o;
	struct mirror_head	 h;
	uint64_t		 objects, bytes, evictions, rejected;
	uint8_t			*file;
	size_t			 len;
	char			*key, *cause = NULL;
	int			 flags, corrupt, ok;

	if (size < 1 || size > 256 * 1024)
		return (0);
	flags = data[0];
	len = size - 1;
	file = malloc(len ? len : 1);
	CHECK(file != NULL);
	memcpy(file, data + 1, len);
	if (len >= sizeof h) {
		memcpy(&h, file, sizeof h);
		if ((flags & FIX_BODY_LEN) && h.head_len <= len)
			h.body_len = len - h.head_len;
		if ((flags & FIX_BODY_SUM) && h.head_len <= len &&
		    h.body_len <= len - h.head_len)
			h.body_sum = cache_sum(CACHE_SUM_INIT,
			    file + h.head_len, h.body_len);
		memcpy(file, &h, sizeof h);
		if ((flags & FIX_HEAD_SUM) && h.head_len >= sizeof h &&
		    h.head_len <= len) {
			h.head_sum = mirror_head_sum(file, len);
			memcpy(file, &h, sizeof h);
		}
	}
	ok = mirror_ok(file, len);
	write_file(file, len);

	d = cache_disk_open(dir, 1 << 30, &cause);
	CHECK(d != NULL);
	cache_disk_stats(d, &objects, &bytes, &evictions, &rejected);
	CHECK(objects + rejected <= 1);
	CHECK(objects == (uint64_t)ok);
	if (objects == 1) {
		memcpy(&h, file, sizeof h);
		CHECK(bytes == len);
		key = strndup((const char *)file + sizeof h, h.key_len);
		CHECK(key != NULL);
		rq.uri = key;
		o = cache_disk_lookup(d, key, &rq,
		    (flags & IN_MEMORY) ? UINT64_MAX : 0, &corrupt);
		if (o != NULL) {
			CHECK(!corrupt);
			check_obj(o, &h);
			check_rewrite(d, o, key, &rq, &h);
			cache_obj_unref(o);
		}
		cache_disk_remove_key(d, key);
		free(key);
	}
	cache_disk_close(d);
	unlink(path);
	CHECK(count_files() == 0);
	free(file);
	return (0);
}
