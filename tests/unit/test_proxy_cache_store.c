/*
 * test_proxy_cache_store.c: the cache end to end without a network:
 * lookups, hits, validation, Vary, ranges, invalidation, collapsed
 * forwarding, the memory tier's LRU and the disk tier's persistence and
 * crash consistency.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "ev.h"
#include "proxy/proxy.h"
#include "proxy/proxy_cache.h"
#include "test_proxy_cache.h"
#include "proxy/proxy_cache_int.h"
#include "unit.h"

#define NOW	1700000000

struct fx {
	struct hset		 rq;
	struct hset		 rs;
	struct cache_req	 req;
	struct cache_resp	 resp;
};

static void	 mkreq(struct fx *, const char *, const char *, const char *);
static void	 mkresp(struct fx *, int, const char *, time_t);
static int	 store(struct cache *, struct fx *, const char *, size_t);
static int	 fetch(struct cache *, const char *, const char *, time_t,
		    struct cache_answer *);
static char	*fields_of(const struct cache_answer *);
static char	*body_of(const struct cache_answer *, size_t *);
static struct cache *mem_cache(uint64_t);
static struct cache *disk_cache(const char *, uint64_t, uint64_t);
static char	*tmpdir(void);
static void	 rmtree(const char *);
static int	 rm_cb(const char *, const struct stat *, int, struct FTW *);
static int	 count_files(const char *, const char *);
static int	 find_object(const char *, char *, size_t);

/* Build a request. */
static void
mkreq(struct fx *f, const char *method, const char *uri, const char *h)
{
	hs(&f->rq, h);
	f->req.method = method;
	f->req.uri = uri;
	f->req.hdrs = f->rq.h;
	f->req.nhdrs = f->rq.n;
}

/* Build a response received at t, with a Date of t. */
static void
mkresp(struct fx *f, int status, const char *h, time_t t)
{
	char	 text[4096], date[64];

	cache_date_format(t, date, sizeof date);
	snprintf(text, sizeof text, "Date: %s\n%s", date, h);
	hs(&f->rs, text);
	f->resp.status = status;
	f->resp.hdrs = f->rs.h;
	f->resp.nhdrs = f->rs.n;
	f->resp.request_time = t;
	f->resp.response_time = t;
}

/* Store a response with its body; 0 when stored. */
static int
store(struct cache *c, struct fx *f, const char *body, size_t len)
{
	struct cache_store	*st;
	const char		*why;
	size_t			 half = len / 2;

	if ((st = cache_store_begin(c, &f->req, &f->resp, &why)) == NULL)
		return (-1);
	if (cache_store_append(st, body, half) == -1 ||
	    cache_store_append(st, body + half, len - half) == -1) {
		cache_store_end(st, &why);
		return (-1);
	}
	return (cache_store_end(st, &why));
}

/* Look up a GET (or other method) with request fields h. */
static int
fetch(struct cache *c, const char *uri, const char *h, time_t now,
    struct cache_answer *ans)
{
	struct fx	 f;

	mkreq(&f, "GET", uri, h);
	return (cache_lookup(c, &f.req, now, NULL, NULL, ans));
}

/* Return the field lines of a hit as a string. */
static char *
fields_of(const struct cache_answer *ans)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;
	size_t		 len;

	CU_ASSERT_EQUAL(cache_hit_fields(ans, b), 0);
	len = evbuffer_get_length(b);
	s = calloc(1, len + 1);
	evbuffer_remove(b, s, len);
	evbuffer_free(b);
	return (s);
}

/* Return the body of a hit as a string. */
static char *
body_of(const struct cache_answer *ans, size_t *lenp)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;
	size_t		 len;

	CU_ASSERT_EQUAL(cache_hit_body(ans, b), 0);
	len = evbuffer_get_length(b);
	s = calloc(1, len + 1);
	CU_ASSERT_EQUAL(evbuffer_remove(b, s, len), (int)len);
	evbuffer_free(b);
	if (lenp != NULL)
		*lenp = len;
	return (s);
}

/* A memory-only cache. */
static struct cache *
mem_cache(uint64_t mem)
{
	struct cache_conf	 conf;
	char			*cause = NULL;

	memset(&conf, 0, sizeof conf);
	conf.mem_max = mem;
	conf.max_object = 1 << 20;
	conf.heuristic_max = 86400;
	return (cache_new(&conf, &cause));
}

/* A cache with a disk tier in dir. */
static struct cache *
disk_cache(const char *dir, uint64_t mem, uint64_t dmax)
{
	struct cache_conf	 conf;
	struct cache		*c;
	char			*cause = NULL;

	memset(&conf, 0, sizeof conf);
	conf.mem_max = mem;
	conf.dir = dir;
	conf.dir_max = dmax;
	conf.max_object = 1 << 20;
	conf.heuristic_max = 86400;
	c = cache_new(&conf, &cause);
	if (c == NULL)
		fprintf(stderr, "cache_new: %s\n", cause);
	free(cause);
	return (c);
}

/* Make a private temporary folder. */
static char *
tmpdir(void)
{
	char		 tmpl[] = "/tmp/twinproxy-cache.XXXXXX";
	const char	*t;
	char		*p;

	if ((t = getenv("TMPDIR")) != NULL && *t != '\0') {
		if (asprintf(&p, "%s/twinproxy-cache.XXXXXX", t) == -1)
			return (NULL);
	} else if ((p = strdup(tmpl)) == NULL)
		return (NULL);
	if (mkdtemp(p) == NULL) {
		free(p);
		return (NULL);
	}
	return (p);
}

/* Remove one file or folder while walking. */
static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

/* Remove a folder tree. */
static void
rmtree(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Count the files in dir/sub (or its subfolders for "objects"). */
static int
count_files(const char *dir, const char *sub)
{
	char		 cmd[1024];
	FILE		*p;
	int		 n = -1;

	snprintf(cmd, sizeof cmd, "find '%s/%s' -type f | wc -l", dir, sub);
	if ((p = popen(cmd, "r")) == NULL)
		return (-1);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return (n);
}

/* Find the path of the (only) object file. */
static int
find_object(const char *dir, char *buf, size_t len)
{
	char		 cmd[1024];
	FILE		*p;
	int		 rv = -1;

	snprintf(cmd, sizeof cmd, "find '%s/objects' -type f | head -1", dir);
	if ((p = popen(cmd, "r")) == NULL)
		return (-1);
	if (fgets(buf, len, p) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		rv = buf[0] != '\0' ? 0 : -1;
	}
	pclose(p);
	return (rv);
}

/*
 * Write an output buffer to a socket the way the proxy will (file
 * segments go out with sendfile) and read it back from the peer.
 */
static size_t
through_socket(struct evbuffer *out, char *dst, size_t len)
{
	int	 sv[2], i;
	size_t	 got = 0;
	ssize_t	 n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		return (0);
	for (i = 0; i < 100000 && got < len; i++) {
		if (evbuffer_get_length(out) > 0)
			evbuffer_write(out, sv[0]);
		while ((n = read(sv[1], dst + got, len - got)) > 0)
			got += n;
	}
	close(sv[0]);
	close(sv[1]);
	return (got);
}

#define U	"http://origin.example/a"

static void
test_cache_hit_from_memory(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct cache_stats	 st;
	struct fx		 f;
	char			*s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_MISS);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_MISS);
	CU_ASSERT_PTR_NOT_NULL(ans.pending);
	cache_count(c, ans.code);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\nContent-Length: 5\n"
	    "Connection: close, X-Hop\nX-Hop: 1\nKeep-Alive: 5\nAge: 10\n"
	    "Content-Type: text/plain\nSet-Cookie: id=1\nX-Priv: 2\n"
	    "Cache-Control: private=\"Set-Cookie, x-priv\"\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "hello", 5), 0);
	cache_pending_done(c, ans.pending, CACHE_PENDING_STORED);
	cache_answer_clear(&ans);

	fetch(c, "HTTP://ORIGIN.example:80/a", "", NOW + 20, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_MEM_HIT);
	CU_ASSERT_EQUAL(ans.status, 200);
	CU_ASSERT_EQUAL(ans.age, 30);
	cache_count(c, ans.code);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Age: 30\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 5\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Type: text/plain\r\n"));
	/* Hop-by-hop and Connection-listed fields were not stored. */
	CU_ASSERT_PTR_NULL(strstr(s, "Connection"));
	CU_ASSERT_PTR_NULL(strstr(s, "X-Hop"));
	CU_ASSERT_PTR_NULL(strstr(s, "Keep-Alive"));
	CU_ASSERT_PTR_NULL(strstr(s, "Age: 10"));
	/* Fields named by private="..." were not stored either. */
	CU_ASSERT_PTR_NULL(strstr(s, "Set-Cookie: "));
	CU_ASSERT_PTR_NULL(strstr(s, "X-Priv: "));
	free(s);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "hello");
	free(s);
	cache_answer_clear(&ans);

	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.mem_objects, 1);
	CU_ASSERT_EQUAL(st.hits, 1);
	CU_ASSERT_EQUAL(st.misses, 1);
	CU_ASSERT_EQUAL(st.stores, 1);
	CU_ASSERT_STRING_EQUAL(cache_code_name(CACHE_TCP_MEM_HIT),
	    "TCP_MEM_HIT");
	CU_ASSERT_STRING_EQUAL(cache_code_name(CACHE_TCP_REFRESH_UNMODIFIED),
	    "TCP_REFRESH_UNMODIFIED");
	CU_ASSERT_STRING_EQUAL(cache_code_name(CACHE_TCP_DENIED),
	    "TCP_DENIED");
	CU_ASSERT_STRING_EQUAL(cache_code_name(99), "NONE");
	cache_free(c);
}

/* Tell whether out's first bytes are the stored body's own memory. */
static int
shares_memory(struct cache_obj *o, struct evbuffer *out, size_t off)
{
	struct evbuffer_iovec	 a, b;

	if (evbuffer_peek(cache_obj_membody(o), -1, NULL, &a, 1) < 1 ||
	    evbuffer_peek(out, -1, NULL, &b, 1) < 1)
		return (0);
	return ((char *)a.iov_base + off == b.iov_base);
}

static void
test_cache_hit_without_copy(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct evbuffer		*out;
	struct fx		 f;

	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "0123456789", 10), 0);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	out = evbuffer_new();
	CU_ASSERT_EQUAL(cache_hit_body(&ans, out), 0);
	CU_ASSERT(shares_memory(ans.obj, out, 0));
	evbuffer_free(out);
	cache_answer_clear(&ans);
	fetch(c, U, "Range: bytes=3-5\n", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.status, 206);
	out = evbuffer_new();
	CU_ASSERT_EQUAL(cache_hit_body(&ans, out), 0);
	CU_ASSERT(shares_memory(ans.obj, out, 3));
	CU_ASSERT_EQUAL(evbuffer_get_length(out), 3);
	cache_answer_clear(&ans);
	cache_free(c);
	/* The range reference keeps the object alive past cache_free. */
	CU_ASSERT_EQUAL(memcmp(evbuffer_pullup(out, 3), "345", 3), 0);
	evbuffer_free(out);
}

/*
 * A body stored in many small appends (as reads bring it) is kept as one
 * piece: a hit, whole or a range, adds one reference, not one per read.
 */
static void
test_cache_hit_one_piece(void)
{
	struct cache		*c = mem_cache(4 << 20);
	struct cache_store	*st;
	struct cache_answer	 ans;
	struct evbuffer		*out;
	struct fx		 f;
	const char		*why;
	static char		 body[200000];
	size_t			 i;

	for (i = 0; i < sizeof body; i++)
		body[i] = 'a' + i % 26;
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st = cache_store_begin(c, &f.req,
	    &f.resp, &why));
	for (i = 0; i < sizeof body; i += 1000)
		CU_ASSERT_EQUAL(cache_store_append(st, body + i, 1000), 0);
	CU_ASSERT_EQUAL_FATAL(cache_store_end(st, &why), 0);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(evbuffer_peek(cache_obj_membody(ans.obj), -1, NULL,
	    NULL, 0), 1);
	out = evbuffer_new();
	CU_ASSERT_EQUAL(cache_hit_body(&ans, out), 0);
	CU_ASSERT_EQUAL(evbuffer_peek(out, -1, NULL, NULL, 0), 1);
	CU_ASSERT(shares_memory(ans.obj, out, 0));
	CU_ASSERT_EQUAL_FATAL(evbuffer_get_length(out), sizeof body);
	CU_ASSERT_EQUAL(memcmp(evbuffer_pullup(out, -1), body, sizeof body),
	    0);
	evbuffer_free(out);
	cache_answer_clear(&ans);
	fetch(c, U, "Range: bytes=1000-150999\n", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.status, 206);
	out = evbuffer_new();
	CU_ASSERT_EQUAL(cache_hit_body(&ans, out), 0);
	CU_ASSERT_EQUAL(evbuffer_peek(out, -1, NULL, NULL, 0), 1);
	CU_ASSERT(shares_memory(ans.obj, out, 1000));
	CU_ASSERT_EQUAL_FATAL(evbuffer_get_length(out), 150000);
	CU_ASSERT_EQUAL(memcmp(evbuffer_pullup(out, -1), body + 1000, 150000),
	    0);
	evbuffer_free(out);
	cache_answer_clear(&ans);
	cache_free(c);
}

static void
test_cache_set_limits(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_conf	 conf;
	struct cache_stats	 st;
	struct fx		 f;
	const char		*why;
	char			 body[20000], uri[64];
	int			 i;

	memset(body, 'x', sizeof body);
	for (i = 0; i < 10; i++) {
		snprintf(uri, sizeof uri, "http://h.example/%d", i);
		mkreq(&f, "GET", uri, "");
		mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
		CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
	}
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.mem_objects, 10);
	/* Shrinking evicts the least recently used until it fits. */
	memset(&conf, 0, sizeof conf);
	conf.mem_max = 50000;
	conf.max_object = 1 << 20;
	conf.heuristic_max = 86400;
	CU_ASSERT_EQUAL(cache_set_limits(c, &conf, &why), 0);
	cache_get_stats(c, &st);
	CU_ASSERT(st.mem_objects >= 1 && st.mem_objects <= 2);
	CU_ASSERT(st.mem_bytes <= 50000);
	/* The newest survived. */
	CU_ASSERT_EQUAL(cache_purge(c, "http://h.example/9"), 1);
	CU_ASSERT_EQUAL(cache_purge(c, "http://h.example/0"), 0);
	/* A tier cannot come or go while running. */
	conf.mem_max = 0;
	CU_ASSERT_EQUAL(cache_set_limits(c, &conf, &why), -1);
	conf.mem_max = 50000;
	conf.dir = "/nonexistent";
	conf.dir_max = 1 << 20;
	CU_ASSERT_EQUAL(cache_set_limits(c, &conf, &why), -1);
	cache_free(c);
}

static void
test_cache_body_outlives_eviction(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct evbuffer		*out = evbuffer_new();
	struct fx		 f;
	char			 buf[8];

	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "abcdef", 6), 0);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(cache_hit_body(&ans, out), 0);
	cache_answer_clear(&ans);
	/* Purged and the cache gone: the output still holds the body. */
	CU_ASSERT_EQUAL(cache_purge(c, U), 1);
	cache_free(c);
	CU_ASSERT_EQUAL(evbuffer_get_length(out), 6);
	CU_ASSERT_EQUAL(evbuffer_remove(out, buf, 6), 6);
	CU_ASSERT(memcmp(buf, "abcdef", 6) == 0);
	evbuffer_free(out);
}

static void
test_cache_stale_validation(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct evbuffer		*b;
	struct fx		 f, v;
	char			*s, date[64], text[512];

	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=10\nETag: \"v1\"\n"
	    "Content-Length: 3\nContent-Type: text/a\nX-Keep: yes\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "old", 3), 0);

	/* Fresh at 9 s, stale at 10 s. */
	fetch(c, U, "", NOW + 9, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	cache_answer_clear(&ans);
	fetch(c, U, "", NOW + 10, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_VALIDATE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans.obj);
	CU_ASSERT_PTR_NOT_NULL(ans.pending);
	b = evbuffer_new();
	CU_ASSERT_EQUAL(cache_validators(ans.obj, b), 1);
	s = calloc(1, evbuffer_get_length(b) + 1);
	evbuffer_remove(b, s, evbuffer_get_length(b));
	CU_ASSERT_STRING_EQUAL(s, "If-None-Match: \"v1\"\r\n");
	free(s);
	evbuffer_free(b);

	/* The origin answers 304 with new freshness and metadata. */
	mkreq(&v, "GET", U, "");
	cache_date_format(NOW + 20, date, sizeof date);
	snprintf(text, sizeof text, "Cache-Control: max-age=60\nETag: \"v1\"\n"
	    "Content-Length: 0\nContent-Type: text/b\nX-New: 1\n");
	mkresp(&v, 304, text, NOW + 20);
	CU_ASSERT_EQUAL(cache_revalidated(c, &ans, &v.req, &v.resp, NOW + 20),
	    0);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_REFRESH_UNMODIFIED);
	CU_ASSERT_EQUAL(ans.age, 0);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 3\r\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "Content-Length: 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Type: text/b\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "X-Keep: yes\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "X-New: 1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, date));
	free(s);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "old");
	free(s);
	cache_pending_done(c, ans.pending, CACHE_PENDING_STORED);
	cache_answer_clear(&ans);

	/* Fresh again for 60 s from the 304. */
	fetch(c, U, "", NOW + 79, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_MEM_HIT);
	cache_answer_clear(&ans);

	/* A 304 carrying another strong ETag does not select it. */
	fetch(c, U, "", NOW + 100, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_VALIDATE);
	mkresp(&v, 304, "ETag: \"v2\"\n", NOW + 100);
	CU_ASSERT_EQUAL(cache_revalidated(c, &ans, &v.req, &v.resp,
	    NOW + 100), -1);
	/* Origin down: stale-if-error absent, the error goes through. */
	CU_ASSERT_EQUAL(cache_stale_if_error(&ans, &v.req, NOW + 100), 0);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_REFRESH_FAIL_ERR);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);
	cache_free(c);
}

/* Store max-age=10 plus extra response fields at NOW. */
static struct cache *
stored(const char *extra)
{
	struct cache	*c = mem_cache(1 << 20);
	struct fx	 f;
	char		 text[512];

	snprintf(text, sizeof text, "Cache-Control: max-age=10%s\n"
	    "ETag: \"e\"\n", extra);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, text, NOW);
	CU_ASSERT_EQUAL(store(c, &f, "body", 4), 0);
	return (c);
}

/* The action a request with fields h gets at now. */
static enum cache_action
act(struct cache *c, const char *h, time_t now, enum cache_code *code)
{
	struct cache_answer	 ans;

	fetch(c, U, h, now, &ans);
	if (code != NULL)
		*code = ans.code;
	if (ans.pending != NULL)
		cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);
	return (ans.action);
}

static void
test_cache_client_directives(void)
{
	struct cache		*c = stored("");
	enum cache_code		 code;

	CU_ASSERT_EQUAL(act(c, "", NOW + 5, NULL), CACHE_ACT_HIT);
	/* max-age */
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-age=5\n", NOW + 5, NULL),
	    CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-age=4\n", NOW + 5, NULL),
	    CACHE_ACT_VALIDATE);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-age=0\n", NOW, NULL),
	    CACHE_ACT_VALIDATE);
	/* min-fresh */
	CU_ASSERT_EQUAL(act(c, "Cache-Control: min-fresh=5\n", NOW + 5, NULL),
	    CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: min-fresh=6\n", NOW + 5, NULL),
	    CACHE_ACT_VALIDATE);
	/* max-stale */
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-stale=5\n", NOW + 15, NULL),
	    CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-stale=4\n", NOW + 15, NULL),
	    CACHE_ACT_VALIDATE);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-stale\n", NOW + 9999, NULL),
	    CACHE_ACT_HIT);
	/* no-cache and Pragma */
	CU_ASSERT_EQUAL(act(c, "Cache-Control: no-cache\n", NOW, &code),
	    CACHE_ACT_VALIDATE);
	CU_ASSERT_EQUAL(code, CACHE_TCP_CLIENT_REFRESH_MISS);
	CU_ASSERT_EQUAL(act(c, "Pragma: no-cache\n", NOW, NULL),
	    CACHE_ACT_VALIDATE);
	/* no-store still reads the cache. */
	CU_ASSERT_EQUAL(act(c, "Cache-Control: no-store\n", NOW, NULL),
	    CACHE_ACT_HIT);
	/* only-if-cached */
	CU_ASSERT_EQUAL(act(c, "Cache-Control: only-if-cached\n", NOW, NULL),
	    CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: only-if-cached\n", NOW + 11,
	    NULL), CACHE_ACT_GATEWAY_TIMEOUT);
	cache_free(c);

	c = mem_cache(1 << 20);
	CU_ASSERT_EQUAL(act(c, "Cache-Control: only-if-cached\n", NOW, NULL),
	    CACHE_ACT_GATEWAY_TIMEOUT);
	cache_free(c);
}

static void
test_cache_response_directives(void)
{
	struct cache		*c;
	struct cache_answer	 ans;
	struct fx		 f;
	enum cache_code		 code;

	/* must-revalidate: max-stale cannot override it. */
	c = stored(", must-revalidate");
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-stale\n", NOW + 15, NULL),
	    CACHE_ACT_VALIDATE);
	cache_free(c);
	c = stored(", proxy-revalidate");
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-stale\n", NOW + 15, NULL),
	    CACHE_ACT_VALIDATE);
	cache_free(c);
	c = stored(", s-maxage=10");
	CU_ASSERT_EQUAL(act(c, "Cache-Control: max-stale\n", NOW + 15, NULL),
	    CACHE_ACT_VALIDATE);
	cache_free(c);
	/* no-cache: validate even when fresh. */
	c = stored(", no-cache");
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_VALIDATE);
	cache_free(c);

	/* stale-while-revalidate: one background revalidation. */
	c = stored(", stale-while-revalidate=30");
	CU_ASSERT_EQUAL(act(c, "", NOW + 5, NULL), CACHE_ACT_HIT);
	fetch(c, U, "", NOW + 20, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_STALE_REVALIDATE);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_STALE_HIT);
	CU_ASSERT_PTR_NOT_NULL(ans.pending);
	CU_ASSERT_EQUAL(act(c, "", NOW + 21, &code), CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(code, CACHE_TCP_STALE_HIT);
	cache_pending_done(c, ans.pending, CACHE_PENDING_STORED);
	cache_answer_clear(&ans);
	CU_ASSERT_EQUAL(act(c, "", NOW + 41, NULL), CACHE_ACT_VALIDATE);
	cache_free(c);

	/* stale-if-error from the response, and from the request. */
	c = stored(", stale-if-error=30");
	mkreq(&f, "GET", U, "");
	fetch(c, U, "", NOW + 20, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_VALIDATE);
	CU_ASSERT_EQUAL(cache_stale_if_error(&ans, &f.req, NOW + 20), 1);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_REFRESH_FAIL_OLD);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);
	fetch(c, U, "", NOW + 41, &ans);
	CU_ASSERT_EQUAL(cache_stale_if_error(&ans, &f.req, NOW + 41), 0);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);
	cache_free(c);
	c = stored("");
	mkreq(&f, "GET", U, "Cache-Control: stale-if-error=100\n");
	fetch(c, U, "", NOW + 50, &ans);
	CU_ASSERT_EQUAL(cache_stale_if_error(&ans, &f.req, NOW + 50), 1);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);
	cache_free(c);
	c = stored(", must-revalidate, stale-if-error=30");
	fetch(c, U, "", NOW + 20, &ans);
	CU_ASSERT_EQUAL(cache_stale_if_error(&ans, &f.req, NOW + 20), 0);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);
	cache_free(c);
}

static void
test_cache_vary_variants(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s;

	mkreq(&f, "GET", U, "Accept-Encoding: gzip\n");
	mkresp(&f, 200, "Cache-Control: max-age=100\nVary: Accept-Encoding\n",
	    NOW);
	CU_ASSERT_EQUAL(store(c, &f, "zipped", 6), 0);
	mkreq(&f, "GET", U, "");
	CU_ASSERT_EQUAL(store(c, &f, "plain", 5), 0);

	fetch(c, U, "accept-encoding:  gzip\n", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "zipped");
	free(s);
	cache_answer_clear(&ans);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "plain");
	free(s);
	cache_answer_clear(&ans);
	CU_ASSERT_EQUAL(act(c, "Accept-Encoding: br\n", NOW, NULL),
	    CACHE_ACT_MISS);

	/* A new response for the same secondary key replaces it. */
	mkreq(&f, "GET", U, "Accept-Encoding: gzip\n");
	CU_ASSERT_EQUAL(store(c, &f, "zipped2", 7), 0);
	fetch(c, U, "Accept-Encoding: gzip\n", NOW, &ans);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "zipped2");
	free(s);
	cache_answer_clear(&ans);
	CU_ASSERT_EQUAL(cache_purge(c, U), 2);

	/* Vary: * is never stored, so never matches. */
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\nVary: *\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "x", 1), -1);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);
	cache_free(c);
}

static void
test_cache_client_conditional_hit(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s;

	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\nETag: W/\"v\"\n"
	    "Last-Modified: Mon, 13 Nov 2023 00:00:00 GMT\n"
	    "Content-Type: text/x\nX-Other: 1\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "abc", 3), 0);

	fetch(c, U, "If-None-Match: \"v\"\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.status, 304);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_IMS_HIT);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "ETag: W/\"v\"\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Cache-Control: max-age=100\r\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "Content-Type"));
	CU_ASSERT_PTR_NULL(strstr(s, "X-Other"));
	CU_ASSERT_PTR_NULL(strstr(s, "Content-Length"));
	free(s);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	cache_answer_clear(&ans);

	fetch(c, U, "If-None-Match: \"w\"\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.status, 200);
	cache_answer_clear(&ans);
	fetch(c, U, "If-Modified-Since: Tue, 14 Nov 2023 00:00:00 GMT\n", NOW,
	    &ans);
	CU_ASSERT_EQUAL(ans.status, 304);
	cache_answer_clear(&ans);
	fetch(c, U, "If-Modified-Since: Sun, 12 Nov 2023 00:00:00 GMT\n", NOW,
	    &ans);
	CU_ASSERT_EQUAL(ans.status, 200);
	cache_answer_clear(&ans);
	/* Preconditions the cache cannot judge go to the origin. */
	CU_ASSERT_EQUAL(act(c, "If-Match: \"v\"\n", NOW, NULL),
	    CACHE_ACT_PASS);
	cache_free(c);
}

static void
test_cache_range_hits(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s;
	size_t			 len;

	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\nETag: \"r\"\n"
	    "Content-Length: 10\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "0123456789", 10), 0);

	fetch(c, U, "Range: bytes=2-5\n", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.status, 206);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Range: bytes 2-5/10\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 4\r\n"));
	free(s);
	s = body_of(&ans, &len);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_STRING_EQUAL(s, "2345");
	free(s);
	cache_answer_clear(&ans);

	fetch(c, U, "Range: bytes=-3\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.status, 206);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "789");
	free(s);
	cache_answer_clear(&ans);

	fetch(c, U, "Range: bytes=10-\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.status, 416);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Range: bytes */10\r\n"));
	free(s);
	cache_answer_clear(&ans);

	/* Several ranges: the whole object with 200 (documented). */
	fetch(c, U, "Range: bytes=0-1,4-5\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.status, 200);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "0123456789");
	free(s);
	cache_answer_clear(&ans);

	/* If-Range must match a strong validator. */
	fetch(c, U, "Range: bytes=0-1\nIf-Range: \"r\"\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.status, 206);
	cache_answer_clear(&ans);
	fetch(c, U, "Range: bytes=0-1\nIf-Range: \"other\"\n", NOW, &ans);
	CU_ASSERT_EQUAL(ans.status, 200);
	cache_answer_clear(&ans);

	/* A Range miss passes through: 206s are never stored. */
	CU_ASSERT_EQUAL(cache_purge(c, U), 1);
	CU_ASSERT_EQUAL(act(c, "Range: bytes=0-1\n", NOW, NULL),
	    CACHE_ACT_PASS);
	mkresp(&f, 206, "Cache-Control: max-age=100\n"
	    "Content-Range: bytes 0-1/10\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "01", 2), -1);
	cache_free(c);
}

static void
test_cache_range_across_chains(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_store	*st;
	struct cache_answer	 ans;
	struct fx		 f;
	const char		*why;
	char			*body, *s;
	size_t			 i, len, total = 200000;

	body = malloc(total);
	for (i = 0; i < total; i++)
		body[i] = (char)(i * 7 + i / 251);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	st = cache_store_begin(c, &f.req, &f.resp, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	/* Many small appends: the body spans many buffer chains. */
	for (i = 0; i < total; i += 1000)
		CU_ASSERT_EQUAL(cache_store_append(st, body + i, 1000), 0);
	CU_ASSERT_EQUAL(cache_store_end(st, &why), 0);
	fetch(c, U, "Range: bytes=1234-150000\n", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.status, 206);
	s = body_of(&ans, &len);
	CU_ASSERT_EQUAL(len, 150000 - 1234 + 1);
	CU_ASSERT(memcmp(s, body + 1234, len) == 0);
	free(s);
	cache_answer_clear(&ans);
	fetch(c, U, "", NOW, &ans);
	s = body_of(&ans, &len);
	CU_ASSERT_EQUAL(len, total);
	CU_ASSERT(memcmp(s, body, total) == 0);
	free(s);
	cache_answer_clear(&ans);
	free(body);
	cache_free(c);
}

static void
test_cache_head_from_get(void)
{
	struct cache		*c = stored("");
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s;

	mkreq(&f, "HEAD", U, "");
	cache_lookup(c, &f.req, NOW, NULL, NULL, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT(ans.head);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 4\r\n"));
	free(s);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	cache_answer_clear(&ans);
	/* A HEAD response is never stored. */
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "", 0), -1);
	/* A HEAD 200 with the same validator refreshes the stored GET. */
	mkresp(&f, 200, "Cache-Control: max-age=1000\nETag: \"e\"\n"
	    "Content-Length: 4\nX-Head: 1\n", NOW + 50);
	CU_ASSERT_EQUAL(cache_head_update(c, &f.req, &f.resp), 1);
	fetch(c, U, "", NOW + 500, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "X-Head: 1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 4\r\n"));
	free(s);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "body");
	free(s);
	cache_answer_clear(&ans);
	/* Another validator, or another length: the stored GET goes. */
	mkresp(&f, 200, "ETag: \"e\"\nContent-Length: 5\n", NOW + 60);
	CU_ASSERT_EQUAL(cache_head_update(c, &f.req, &f.resp), 0);
	CU_ASSERT_EQUAL(act(c, "", NOW + 60, NULL), CACHE_ACT_MISS);
	cache_free(c);
	c = stored("");
	mkreq(&f, "HEAD", U, "");
	mkresp(&f, 200, "ETag: \"other\"\n", NOW + 1);
	CU_ASSERT_EQUAL(cache_head_update(c, &f.req, &f.resp), 0);
	CU_ASSERT_EQUAL(act(c, "", NOW + 1, NULL), CACHE_ACT_MISS);
	cache_free(c);
}

static void
test_cache_invalidation(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct fx		 f;
	struct hset		 h;

	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	mkreq(&f, "GET", "http://o.example/x", "");
	CU_ASSERT_EQUAL(store(c, &f, "x", 1), 0);
	mkreq(&f, "GET", "http://o.example/loc", "");
	CU_ASSERT_EQUAL(store(c, &f, "l", 1), 0);
	mkreq(&f, "GET", "http://o.example/d/cl", "");
	CU_ASSERT_EQUAL(store(c, &f, "c", 1), 0);
	mkreq(&f, "GET", "http://other.example/loc", "");
	CU_ASSERT_EQUAL(store(c, &f, "o", 1), 0);

	/* Unsafe methods pass through. */
	mkreq(&f, "POST", "http://o.example/x", "");
	cache_lookup(c, &f.req, NOW, NULL, NULL, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_PASS);
	cache_answer_clear(&ans);
	/* A failed POST invalidates nothing. */
	hs(&h, "Location: /loc\n");
	CU_ASSERT_EQUAL(cache_invalidate(c, &f.req, 500, h.h, h.n), 0);
	/* A successful one: target, Location, Content-Location. */
	mkreq(&f, "POST", "http://o.example/d/x", "");
	hs(&h, "Location: /loc\nContent-Location: cl\n");
	CU_ASSERT_EQUAL(cache_invalidate(c, &f.req, 201, h.h, h.n), 2);
	mkreq(&f, "PUT", "http://o.example/x", "");
	hs(&h, "Location: http://other.example/loc\n");
	CU_ASSERT_EQUAL(cache_invalidate(c, &f.req, 204, h.h, h.n), 1);
	/* GET never invalidates. */
	mkreq(&f, "GET", "http://other.example/loc", "");
	CU_ASSERT_EQUAL(cache_invalidate(c, &f.req, 200, h.h, h.n), 0);

	fetch(c, "http://o.example/loc", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_MISS);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	fetch(c, "http://other.example/loc", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	cache_answer_clear(&ans);
	CU_ASSERT_EQUAL(cache_purge(c, "http://other.example/loc"), 1);
	CU_ASSERT_EQUAL(cache_purge(c, "http://other.example/loc"), 0);
	CU_ASSERT_EQUAL(cache_purge(c, "not a url"), -1);
	cache_free(c);
}

static void
test_cache_memory_lru(void)
{
	struct cache		*c = mem_cache(64 * 1024);
	struct cache_answer	 ans;
	struct cache_stats	 st;
	struct fx		 f;
	char			 uri[64], body[8192];
	int			 i;

	memset(body, 'b', sizeof body);
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	for (i = 0; i < 12; i++) {
		snprintf(uri, sizeof uri, "http://o.example/%d", i);
		mkreq(&f, "GET", uri, "");
		CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
		/* Keep object 0 hot. */
		fetch(c, "http://o.example/0", "", NOW, &ans);
		CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
		cache_answer_clear(&ans);
		cache_get_stats(c, &st);
		CU_ASSERT(st.mem_bytes <= 64 * 1024);
	}
	cache_get_stats(c, &st);
	CU_ASSERT(st.evictions >= 5);
	CU_ASSERT(st.mem_objects < 12);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);
	fetch(c, "http://o.example/1", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_MISS);	/* least recent */
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	fetch(c, "http://o.example/11", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	cache_answer_clear(&ans);

	/* Above the memory tier's object cap (a quarter): not stored. */
	{
		char	*big = calloc(1, 20000);

		mkreq(&f, "GET", "http://o.example/big", "");
		CU_ASSERT_EQUAL(store(c, &f, big, 20000), -1);
		free(big);
	}
	cache_free(c);
}

static void
test_cache_max_object_and_truncation(void)
{
	struct cache		*c = mem_cache(8 << 20);
	struct cache_store	*st;
	struct fx		 f;
	const char		*why;
	char			*big;

	big = calloc(1, (1 << 20) + 1);
	/* Known too large from Content-Length. */
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n"
	    "Content-Length: 1048577\n", NOW);
	CU_ASSERT_PTR_NULL(cache_store_begin(c, &f.req, &f.resp, &why));
	CU_ASSERT_STRING_EQUAL(why, "larger than cache-max-object");
	/* Found too large while streaming. */
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, big, (1 << 20) + 1), -1);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);
	CU_ASSERT_EQUAL(store(c, &f, big, 1 << 20), 0);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_HIT);
	cache_purge(c, U);
	free(big);

	/* Short of Content-Length: a truncated transfer is not stored. */
	mkresp(&f, 200, "Cache-Control: max-age=100\nContent-Length: 10\n",
	    NOW);
	CU_ASSERT_EQUAL(store(c, &f, "short", 5), -1);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);
	/* Aborted: nothing visible. */
	st = cache_store_begin(c, &f.req, &f.resp, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	cache_store_append(st, "01234", 5);
	cache_store_abort(st);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);
	cache_free(c);
}

struct waiter {
	int				 calls;
	enum cache_pending_result	 res;
};

/* Record a collapsed waiter's wake-up. */
static void
waiter_cb(enum cache_pending_result res, void *arg)
{
	struct waiter	*w = arg;

	w->calls++;
	w->res = res;
}

static void
test_cache_collapsed_forwarding(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 lead, a2, a3, a4;
	struct waiter		 w2 = { 0, 0 }, w3 = { 0, 0 }, w4 = { 0, 0 };
	struct fx		 f;

	mkreq(&f, "GET", U, "");
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &lead);
	CU_ASSERT_EQUAL(lead.action, CACHE_ACT_MISS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lead.pending);
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &a2);
	cache_lookup(c, &f.req, NOW, waiter_cb, &w3, &a3);
	cache_lookup(c, &f.req, NOW, waiter_cb, &w4, &a4);
	CU_ASSERT_EQUAL(a2.action, CACHE_ACT_WAIT);
	CU_ASSERT_EQUAL(a2.code, CACHE_TCP_CF_MISS);
	CU_ASSERT_EQUAL(a3.action, CACHE_ACT_WAIT);
	CU_ASSERT_EQUAL(a4.action, CACHE_ACT_WAIT);
	/* One client goes away. */
	cache_wait_cancel(c, a4.waiter);
	/* The leader's fetch completes and is stored. */
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "shared", 6), 0);
	CU_ASSERT_EQUAL(w2.calls, 0);
	cache_pending_done(c, lead.pending, CACHE_PENDING_STORED);
	CU_ASSERT_EQUAL(w2.calls, 1);
	CU_ASSERT_EQUAL(w2.res, CACHE_PENDING_STORED);
	CU_ASSERT_EQUAL(w3.calls, 1);
	CU_ASSERT_EQUAL(w4.calls, 0);
	/* Waking up, the waiters find the object. */
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_HIT);

	/* A fetch that fails releases its waiters to fetch alone. */
	cache_purge(c, U);
	memset(&w2, 0, sizeof w2);
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &lead);
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &a2);
	CU_ASSERT_EQUAL(a2.action, CACHE_ACT_WAIT);
	cache_pending_done(c, lead.pending, CACHE_PENDING_FAILED);
	CU_ASSERT_EQUAL(w2.calls, 1);
	CU_ASSERT_EQUAL(w2.res, CACHE_PENDING_FAILED);
	/* Requests with Authorization never collapse. */
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &lead);
	mkreq(&f, "GET", U, "Authorization: Basic eDp5\n");
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &a2);
	CU_ASSERT_EQUAL(a2.action, CACHE_ACT_MISS);
	CU_ASSERT_PTR_NULL(a2.pending);
	mkreq(&f, "GET", U, "Cache-Control: no-store\n");
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &a2);
	CU_ASSERT_EQUAL(a2.action, CACHE_ACT_MISS);
	CU_ASSERT_PTR_NULL(a2.pending);
	/* Neither do client conditionals that miss (a 304 is not shared). */
	mkreq(&f, "GET", U, "If-None-Match: \"x\"\n");
	cache_lookup(c, &f.req, NOW, waiter_cb, &w2, &a2);
	CU_ASSERT_EQUAL(a2.action, CACHE_ACT_MISS);
	CU_ASSERT_PTR_NULL(a2.pending);
	/* A waiter left at cache_free is dropped without a call. */
	mkreq(&f, "GET", U, "");
	cache_lookup(c, &f.req, NOW, waiter_cb, &w3, &a3);
	CU_ASSERT_EQUAL(a3.action, CACHE_ACT_WAIT);
	cache_free(c);
	CU_ASSERT_EQUAL(w3.calls, 1);
}

static void
test_cache_disk_persistence(void)
{
	char			*dir = tmpdir();
	struct cache		*c;
	struct cache_answer	 ans;
	struct cache_stats	 st;
	struct fx		 f, v;
	char			*s, body[100000];
	size_t			 len, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	for (i = 0; i < sizeof body; i++)
		body[i] = 'a' + i % 26;
	c = disk_cache(dir, 256 << 10, 64 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\nETag: \"d\"\n"
	    "Content-Type: application/x\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
	mkreq(&f, "GET", "http://o.example/small", "");
	CU_ASSERT_EQUAL(store(c, &f, "tiny", 4), 0);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 2);
	CU_ASSERT_EQUAL(st.mem_objects, 1);	/* the big one: disk only */
	CU_ASSERT_EQUAL(st.objects, 2);
	CU_ASSERT_EQUAL(st.bytes, st.disk_bytes);
	cache_free(c);

	/* Reopen: both served from disk, the big one as a file segment. */
	c = disk_cache(dir, 256 << 10, 64 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 2);
	CU_ASSERT_EQUAL(st.mem_objects, 0);
	fetch(c, U, "", NOW + 10, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_HIT);
	CU_ASSERT_EQUAL(ans.age, 10);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Type: application/x\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 100000\r\n"));
	free(s);
	s = body_of(&ans, &len);
	CU_ASSERT_EQUAL(len, sizeof body);
	CU_ASSERT(memcmp(s, body, sizeof body) == 0);
	free(s);
	cache_answer_clear(&ans);
	/* The same hit written to a socket, as the proxy will. */
	fetch(c, U, "", NOW + 10, &ans);
	{
		struct evbuffer	*out = evbuffer_new();
		char		*got = calloc(1, sizeof body);

		/* As a socket bufferevent's output: sendfile, no mmap. */
		evbuffer_set_flags(out, EVBUFFER_FLAG_DRAINS_TO_FD);
		CU_ASSERT_EQUAL(cache_hit_body(&ans, out), 0);
		CU_ASSERT_EQUAL(through_socket(out, got, sizeof body),
		    sizeof body);
		CU_ASSERT(memcmp(got, body, sizeof body) == 0);
		CU_ASSERT_EQUAL(evbuffer_get_length(out), 0);
		free(got);
		evbuffer_free(out);
	}
	cache_answer_clear(&ans);
	/* A range from the disk segment. */
	fetch(c, U, "Range: bytes=26-51\n", NOW + 10, &ans);
	CU_ASSERT_EQUAL(ans.status, 206);
	s = body_of(&ans, &len);
	CU_ASSERT_STRING_EQUAL(s, "abcdefghijklmnopqrstuvwxyz");
	free(s);
	cache_answer_clear(&ans);
	/* The small one moves up to memory. */
	fetch(c, "http://o.example/small", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_HIT);
	cache_answer_clear(&ans);
	fetch(c, "http://o.example/small", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_MEM_HIT);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "tiny");
	free(s);
	cache_answer_clear(&ans);

	/* A 304 refresh is written to disk too. */
	fetch(c, U, "", NOW + 200, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_VALIDATE);
	mkreq(&v, "GET", U, "");
	mkresp(&v, 304, "Cache-Control: max-age=1000\nETag: \"d\"\n"
	    "X-Refreshed: yes\n", NOW + 200);
	CU_ASSERT_EQUAL(cache_revalidated(c, &ans, &v.req, &v.resp, NOW + 200),
	    0);
	cache_pending_done(c, ans.pending, CACHE_PENDING_STORED);
	cache_answer_clear(&ans);
	cache_free(c);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 2);
	c = disk_cache(dir, 256 << 10, 64 << 20);
	fetch(c, U, "", NOW + 900, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "X-Refreshed: yes\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Age: 700\r\n"));
	free(s);
	s = body_of(&ans, &len);
	CU_ASSERT_EQUAL(len, sizeof body);
	CU_ASSERT(memcmp(s, body, sizeof body) == 0);
	free(s);
	cache_answer_clear(&ans);
	/* Purge removes the file. */
	CU_ASSERT_EQUAL(cache_purge(c, U), 1);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 1);
	cache_free(c);
	rmtree(dir);
	free(dir);
}

static void
test_cache_disk_crash_consistency(void)
{
	char			*dir = tmpdir(), path[4096];
	struct cache		*c;
	struct cache_answer	 ans;
	struct cache_stats	 st;
	struct cache_store	*sto;
	struct fx		 f;
	const char		*why;
	struct stat		 sb;
	pid_t			 pid;
	int			 status, fd;
	char			 body[5000];

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	memset(body, 'k', sizeof body);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);

	/* A process killed in the middle of a store leaves no object. */
	if ((pid = fork()) == 0) {
		c = disk_cache(dir, 0, 1 << 20);
		sto = cache_store_begin(c, &f.req, &f.resp, &why);
		if (sto == NULL)
			_exit(2);
		cache_store_append(sto, body, 3000);
		_exit(0);	/* no end, no abort: like kill -9 */
	}
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(count_files(dir, "tmp"), 1);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 0);
	c = disk_cache(dir, 0, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(count_files(dir, "tmp"), 0);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);

	/* A truncated object file is rejected at load. */
	CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
	cache_free(c);
	CU_ASSERT_EQUAL_FATAL(find_object(dir, path, sizeof path), 0);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(truncate(path, sb.st_size - 1), 0);
	c = disk_cache(dir, 0, 1 << 20);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 0);
	CU_ASSERT_EQUAL(st.disk_rejected, 1);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 0);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);

	/* A corrupt body (same length) is caught before serving. */
	CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
	cache_free(c);
	CU_ASSERT_EQUAL_FATAL(find_object(dir, path, sizeof path), 0);
	fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(pwrite(fd, "X", 1, 4000), 1);
	close(fd);
	c = disk_cache(dir, 0, 1 << 20);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 1);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_MISS);
	CU_ASSERT_EQUAL(ans.code, CACHE_TCP_SWAPFAIL_MISS);
	CU_ASSERT_PTR_NULL(ans.obj);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 0);
	CU_ASSERT_EQUAL(st.disk_rejected, 1);

	/* A corrupt head is rejected at load; stray files are removed. */
	CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
	cache_free(c);
	CU_ASSERT_EQUAL_FATAL(find_object(dir, path, sizeof path), 0);
	fd = open(path, O_WRONLY);
	CU_ASSERT_EQUAL(pwrite(fd, "\377", 1, 130), 1);
	close(fd);
	snprintf(path, sizeof path, "%s/objects/00/junk", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	c = disk_cache(dir, 0, 1 << 20);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 0);
	CU_ASSERT_EQUAL(st.disk_rejected, 1);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 0);
	cache_free(c);
	rmtree(dir);
	free(dir);
}

static void
test_cache_disk_bad_dir(void)
{
	struct cache_conf	 conf;
	char			*cause = NULL;

	memset(&conf, 0, sizeof conf);
	conf.dir = "/proc/self/no/such/cache";
	conf.dir_max = 1 << 20;
	conf.max_object = 1 << 20;
	CU_ASSERT_PTR_NULL(cache_new(&conf, &cause));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "/proc/self/no/such/cache"));
	free(cause);
}

static void
test_cache_disk_size_limit(void)
{
	char			*dir = tmpdir();
	struct cache		*c;
	struct cache_stats	 st;
	struct cache_answer	 ans;
	struct fx		 f;
	char			 uri[64], body[8192];
	int			 i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	memset(body, 'd', sizeof body);
	c = disk_cache(dir, 0, 64 * 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	for (i = 0; i < 20; i++) {
		snprintf(uri, sizeof uri, "http://o.example/%d", i);
		mkreq(&f, "GET", uri, "");
		CU_ASSERT_EQUAL(store(c, &f, body, sizeof body), 0);
		cache_get_stats(c, &st);
		CU_ASSERT(st.disk_bytes <= 64 * 1024);
	}
	CU_ASSERT(st.disk_objects >= 6 && st.disk_objects <= 7);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), (int)st.disk_objects);
	fetch(c, "http://o.example/0", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_MISS);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	fetch(c, "http://o.example/19", "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_HIT);
	cache_answer_clear(&ans);
	/* An object larger than the whole tier is refused. */
	{
		char	*big = calloc(1, 100000);

		mkreq(&f, "GET", "http://o.example/big", "");
		CU_ASSERT_EQUAL(store(c, &f, big, 100000), -1);
		free(big);
	}
	cache_get_stats(c, &st);
	CU_ASSERT(st.disk_bytes <= 64 * 1024);
	cache_free(c);
	/* A smaller limit at restart evicts down to it. */
	c = disk_cache(dir, 0, 20 * 1024);
	cache_get_stats(c, &st);
	CU_ASSERT(st.disk_bytes <= 20 * 1024);
	CU_ASSERT_EQUAL(st.disk_objects, 2);
	cache_free(c);
	rmtree(dir);
	free(dir);
}

static void
test_cache_disk_startup_time(void)
{
	char			*dir = tmpdir();
	struct cache		*c;
	struct cache_stats	 st;
	struct timeval		 t0, t1;
	struct fx		 f;
	char			 uri[64], body[512];
	int			 i, n = 10000;
	double			 ms;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	memset(body, 's', sizeof body);
	c = disk_cache(dir, 0, 1ULL << 30);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	mkresp(&f, 200, "Cache-Control: max-age=100\nContent-Type: text/x\n",
	    NOW);
	for (i = 0; i < n; i++) {
		snprintf(uri, sizeof uri, "http://o.example/obj/%d", i);
		mkreq(&f, "GET", uri, "");
		if (store(c, &f, body, sizeof body) != 0)
			break;
	}
	CU_ASSERT_EQUAL(i, n);
	cache_free(c);
	gettimeofday(&t0, NULL);
	c = disk_cache(dir, 0, 1ULL << 30);
	gettimeofday(&t1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, (uint64_t)n);
	ms = (t1.tv_sec - t0.tv_sec) * 1000.0 +
	    (t1.tv_usec - t0.tv_usec) / 1000.0;
	fprintf(stderr, "\n    disk index of %d objects rebuilt in %.1f ms\n",
	    n, ms);
	CU_ASSERT_EQUAL(act(c, "", NOW, NULL), CACHE_ACT_MISS);
	cache_free(c);
	rmtree(dir);
	free(dir);
}

static void
test_cache_date_added(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s, date[64];

	mkreq(&f, "GET", U, "");
	hs(&f.rs, "Cache-Control: max-age=100\n");
	f.resp.status = 200;
	f.resp.hdrs = f.rs.h;
	f.resp.nhdrs = f.rs.n;
	f.resp.request_time = f.resp.response_time = NOW;
	CU_ASSERT_EQUAL(store(c, &f, "d", 1), 0);
	fetch(c, U, "", NOW + 1, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	cache_date_format(NOW, date, sizeof date);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Date: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, date));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Age: 1\r\n"));
	free(s);
	cache_answer_clear(&ans);
	cache_free(c);
}

static void
test_cache_disk_duplicate_copy(void)
{
	char			*dir = tmpdir(), path[1024], cmd[4096];
	struct cache		*c;
	struct cache_stats	 st;
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s;

	/*
	 * A crash between renaming a new copy into place and removing the
	 * old one leaves two files for one variant: the newer one wins.
	 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	c = disk_cache(dir, 0, 1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "old", 3), 0);
	CU_ASSERT_EQUAL_FATAL(find_object(dir, path, sizeof path), 0);
	snprintf(cmd, sizeof cmd, "cp -p '%s' '%s.keep'", path, path);
	CU_ASSERT_EQUAL(system(cmd), 0);
	CU_ASSERT_EQUAL(store(c, &f, "new", 3), 0);
	cache_free(c);
	snprintf(cmd, sizeof cmd, "mv '%s.keep' '%s'", path, path);
	CU_ASSERT_EQUAL(system(cmd), 0);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 2);
	c = disk_cache(dir, 0, 1 << 20);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.disk_objects, 1);
	CU_ASSERT_EQUAL(count_files(dir, "objects"), 1);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "new");
	free(s);
	cache_answer_clear(&ans);
	cache_free(c);
	rmtree(dir);
	free(dir);
}

static void
test_cache_conf_from_config(void)
{
	struct cfg_proxy	 px;
	struct cache_conf	 conf;

	memset(&px, 0, sizeof px);
	px.cache_memory = 256ULL << 20;
	px.cache_dir = "/var/cache/twinproxy";
	px.cache_dir_size = 10ULL << 30;
	px.cache_max_object = 64ULL << 20;
	px.cache_heuristic_max = 86400 * 1000ULL;
	proxy_cache_conf(&px, &conf);
	CU_ASSERT_EQUAL(conf.mem_max, 256ULL << 20);
	CU_ASSERT_STRING_EQUAL(conf.dir, "/var/cache/twinproxy");
	CU_ASSERT_EQUAL(conf.dir_max, 10ULL << 30);
	CU_ASSERT_EQUAL(conf.max_object, 64ULL << 20);
	CU_ASSERT_EQUAL(conf.heuristic_max, 86400);
}

/* The proxy's "cache" control command, as its table will hold it. */
static int
ctl_cache_cb(struct ctl_conn *conn, int argc, char **argv, void *arg)
{
	return (cache_ctl(arg, conn, argc, argv));
}

/*
 * Send one control command from a child process while this process runs
 * the control server; return the client's output (malloc'd) and status.
 */
static char *
ctl_run(struct event_base *base, const char *path, const char *cmd,
    int *status)
{
	char		 out[] = "/tmp/twinproxy-ctl.XXXXXX", err[256];
	struct timeval	 tv = { 0, 20000 };
	pid_t		 pid;
	FILE		*f;
	char		*text;
	int		 fd, i, st = -1;

	if ((fd = mkstemp(out)) == -1)
		return (NULL);
	if ((pid = fork()) == 0) {
		f = fdopen(fd, "w");
		st = ctl_request(path, cmd, f, err, sizeof err, 5000);
		if (st != 0)
			fprintf(f, "ERR %s\n", err);
		fclose(f);
		_exit(st == 0 ? 0 : 1);
	}
	close(fd);
	/* Serve until the client is done: at most 250 rounds of 20 ms. */
	for (i = 0; i < 250; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
	}
	if (i == 250) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	text = unit_slurp(out, NULL);
	unlink(out);
	return (text);
}

static void
test_cache_ctl_commands(void)
{
	static const struct ctl_cmd cmds[] = {
		{ "cache", "stats | purge URL", ctl_cache_cb },
		{ NULL, NULL, NULL }
	};
	struct cache		*c = stored("");
	struct event_base	*base = event_base_new();
	struct ctl_server	*srv;
	struct cache_stats	 st;
	const char		*cause;
	char			*dir = tmpdir(), path[4096], *out, buf[512];
	int			 status;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof path, "%s/proxy.sock", dir);
	srv = ctl_server_new(base, path, cmds, c, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	cache_count(c, CACHE_TCP_MEM_HIT);
	cache_count(c, CACHE_TCP_MEM_HIT);
	cache_count(c, CACHE_TCP_HIT);
	cache_count(c, CACHE_TCP_MISS);

	out = ctl_run(base, path, "cache stats", &status);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "objects 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "hits 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "misses 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "hit-ratio 0.750\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "code TCP_MEM_HIT 2\n"));
	free(out);

	out = ctl_run(base, path, "cache purge " U, &status);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_PTR_NOT_NULL(out);
	CU_ASSERT_STRING_EQUAL(out, "purged 1 object\n");
	free(out);
	cache_get_stats(c, &st);
	CU_ASSERT_EQUAL(st.mem_objects, 0);
	out = ctl_run(base, path, "cache purge /relative", &status);
	CU_ASSERT_EQUAL(status, 1);
	CU_ASSERT_PTR_NOT_NULL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not an absolute http URL"));
	free(out);
	out = ctl_run(base, path, "cache frobnicate", &status);
	CU_ASSERT_EQUAL(status, 1);
	free(out);

	memset(&st, 0, sizeof st);
	CU_ASSERT(cache_stats_format(&st, buf, sizeof buf) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "hit-ratio 0.000\n"));
	ctl_server_free(srv);
	event_base_free(base);
	cache_free(c);
	rmtree(dir);
	free(dir);
}

/*
 * A response that sets a cookie is not stored (cache-set-cookie
 * no-store), or is stored without the cookie (strip); a 304 never adds
 * one to a stored object.
 */
static void
test_cache_set_cookie(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_conf	 conf;
	struct cache_answer	 ans;
	struct fx		 f;
	const char		*why;
	char			*s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 200, "Cache-Control: max-age=100\nSet-Cookie: sid=alice\n"
	    "Content-Length: 2\n", NOW);
	CU_ASSERT_PTR_NULL(cache_store_begin(c, &f.req, &f.resp, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "sets a cookie"));
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL(ans.action, CACHE_ACT_MISS);
	cache_pending_done(c, ans.pending, CACHE_PENDING_FAILED);
	cache_answer_clear(&ans);

	/* strip: the body is shared, the cookie is not. */
	memset(&conf, 0, sizeof conf);
	conf.mem_max = 1 << 20;
	conf.max_object = 1 << 20;
	conf.heuristic_max = 86400;
	conf.strip_cookies = 1;
	CU_ASSERT_EQUAL(cache_set_limits(c, &conf, &why), 0);
	CU_ASSERT_EQUAL(store(c, &f, "ok", 2), 0);
	fetch(c, U, "", NOW + 1, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NULL(strstr(s, "Set-Cookie"));
	CU_ASSERT_PTR_NULL(strstr(s, "alice"));
	free(s);
	cache_answer_clear(&ans);

	/* A validation's 304 that sets a cookie leaves the object as it was. */
	mkresp(&f, 200, "Cache-Control: max-age=0\nETag: \"e\"\n"
	    "Content-Length: 2\n", NOW);
	CU_ASSERT_EQUAL(store(c, &f, "ok", 2), 0);
	fetch(c, U, "", NOW + 5, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_VALIDATE);
	mkresp(&f, 304, "Cache-Control: max-age=60\nETag: \"e\"\n"
	    "Set-Cookie: sid=bob\n", NOW + 5);
	CU_ASSERT_EQUAL(cache_revalidated(c, &ans, &f.req, &f.resp, NOW + 5),
	    0);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NULL(strstr(s, "bob"));
	free(s);
	cache_pending_done(c, ans.pending, CACHE_PENDING_STORED);
	cache_answer_clear(&ans);
	fetch(c, U, "", NOW + 6, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NULL(strstr(s, "Set-Cookie"));
	free(s);
	cache_answer_clear(&ans);
	cache_free(c);
}

/*
 * A stored 416 is the origin's answer and is served as stored; only the
 * cache's own answer to an unsatisfiable range invents Content-Range.
 */
static void
test_cache_stored_416(void)
{
	struct cache		*c = mem_cache(1 << 20);
	struct cache_answer	 ans;
	struct fx		 f;
	char			*s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	mkreq(&f, "GET", U, "");
	mkresp(&f, 416, "Cache-Control: max-age=100\n"
	    "Content-Range: bytes */1234\nContent-Length: 6\n", NOW);
	CU_ASSERT_EQUAL_FATAL(store(c, &f, "range?", 6), 0);
	fetch(c, U, "", NOW, &ans);
	CU_ASSERT_EQUAL_FATAL(ans.action, CACHE_ACT_HIT);
	CU_ASSERT_EQUAL(ans.status, 416);
	CU_ASSERT_EQUAL(ans.range_bad, 0);
	s = fields_of(&ans);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Range: bytes */1234\r\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "*/6"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Content-Length: 6\r\n"));
	free(s);
	s = body_of(&ans, NULL);
	CU_ASSERT_STRING_EQUAL(s, "range?");
	free(s);
	cache_answer_clear(&ans);
	cache_free(c);
}

static CU_TestInfo tests[] = {
	{ "hit from memory", test_cache_hit_from_memory },
	{ "body outlives eviction", test_cache_body_outlives_eviction },
	{ "set limits", test_cache_set_limits },
	{ "hit without copy", test_cache_hit_without_copy },
	{ "hit in one piece", test_cache_hit_one_piece },
	{ "stale validation", test_cache_stale_validation },
	{ "client directives", test_cache_client_directives },
	{ "response directives", test_cache_response_directives },
	{ "vary variants", test_cache_vary_variants },
	{ "client conditional hit", test_cache_client_conditional_hit },
	{ "range hits", test_cache_range_hits },
	{ "range across chains", test_cache_range_across_chains },
	{ "head from get", test_cache_head_from_get },
	{ "invalidation", test_cache_invalidation },
	{ "memory lru", test_cache_memory_lru },
	{ "max object, truncation", test_cache_max_object_and_truncation },
	{ "collapsed forwarding", test_cache_collapsed_forwarding },
	{ "disk persistence", test_cache_disk_persistence },
	{ "disk crash consistency", test_cache_disk_crash_consistency },
	{ "disk size limit", test_cache_disk_size_limit },
	{ "disk bad folder", test_cache_disk_bad_dir },
	{ "disk startup time", test_cache_disk_startup_time },
	{ "control commands", test_cache_ctl_commands },
	{ "date added", test_cache_date_added },
	{ "conf from config", test_cache_conf_from_config },
	{ "disk duplicate copy", test_cache_disk_duplicate_copy },
	{ "set cookie", test_cache_set_cookie },
	{ "stored 416", test_cache_stored_416 },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(proxy_cache_store_suite, "proxy_cache_store", tests)
