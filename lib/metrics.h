/*
 * metrics.h: counters and states in the Prometheus text exposition
 * format (version 0.0.4), and the HTTP endpoint that serves them.
 *
 * The writer: a daemon's callback starts a family with metrics_family()
 * (its "# HELP" and "# TYPE" lines, written once) and then writes the
 * family's samples with metrics_sample(), each with label name/value
 * pairs ending in NULL. Counters must be named ..._total. Names are
 * checked against [a-zA-Z_:][a-zA-Z0-9_:]* and label names against
 * [a-zA-Z_][a-zA-Z0-9_]* (no leading "__", reserved); label values are
 * escaped (backslash, double quote, newline). A family with a bad name,
 * given twice, or a counter not ending in _total is skipped with all its
 * samples and the first such error kept for metrics_error(): one bad
 * family never spoils the others, nor the scrape.
 *
 * The endpoint: one listening address, bound with lib/listener (so it
 * reloads all or nothing and holds at max-connections), requests read
 * with the strict lib/http parser (the same one the proxy uses, under
 * the same fuzzing). GET and HEAD of /metrics are answered, with
 * Content-Type "text/plain; version=0.0.4; charset=utf-8"; another path
 * gets 404, another method 405, a malformed or over-long request the
 * parser's 400/414/431. Every answer closes the connection. A client
 * outside the allowed networks is closed at once, unanswered.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct event_base;
struct evbuffer;
struct metrics;
struct metrics_server;

enum metrics_type {
	METRICS_COUNTER,
	METRICS_GAUGE
};

/* Writes the daemon's families into the writer, at every scrape. */
typedef void	(*metrics_cb)(struct metrics *, void *);

/* Bounds of a request head and of the endpoint. */
#define METRICS_MAX_LINE	1024
#define METRICS_MAX_HEAD	8192
#define METRICS_MAX_HEADERS	32

struct metrics_conf {
	struct addr		 listen;	/* af 0: off */
	const struct cidr	*allow;		/* none: itself, loopback */
	size_t			 nallow;
	uint64_t		 timeout;	/* ms, a whole request */
	unsigned int		 max_conns;
};

struct metrics_counters {
	uint64_t		 scrapes;	/* 200 answers */
	uint64_t		 refused;	/* outside allow */
	uint64_t		 bad;		/* 4xx answers */
	uint64_t		 timeouts;
};

/* The writer, appending to <out>, which the caller owns. */
struct metrics	*metrics_new(struct evbuffer *);
void		 metrics_free(struct metrics *);
/*
 * Start family <name> with its help text (any bytes; escaped). Returns
 * 0, or -1 when the family is skipped (see above).
 */
int		 metrics_family(struct metrics *, const char *,
		    enum metrics_type, const char *);
/*
 * A sample of the current family with label pairs "name", "value", ...,
 * NULL. Ignored after a skipped family or a bad label name (an error
 * too).
 */
void		 metrics_sample(struct metrics *, uint64_t, ...)
		    __attribute__((sentinel));
void		 metrics_sample_int(struct metrics *, int64_t, ...)
		    __attribute__((sentinel));
/* Milliseconds written as seconds ("1.250"). */
void		 metrics_sample_ms(struct metrics *, uint64_t, ...)
		    __attribute__((sentinel));
/* The first error, or NULL (static until the writer is freed). */
const char	*metrics_error(const struct metrics *);
/* Whether name is a valid metric name. */
int		 metrics_name_valid(const char *);
/* A family with one unlabelled sample. */
void		 metrics_one(struct metrics *, const char *,
		    enum metrics_type, const char *, uint64_t);

/*
 * The endpoint of daemon <name> ("twin-proxy", for logs), answering with
 * what <cb> writes. Not listening until metrics_server_sync().
 */
struct metrics_server *metrics_server_new(struct event_base *, const char *,
		    metrics_cb, void *);
void		 metrics_server_free(struct metrics_server *);
/*
 * Listen as <conf> says (listen af 0: stop), all or nothing: if the new
 * address cannot be bound nothing changes and -1 is returned with
 * *cause (static). The allow list is copied.
 */
int		 metrics_server_sync(struct metrics_server *,
		    const struct metrics_conf *, const char **);
/* Write the endpoint's own families, prefixed "twinproxy_<pfx>_". */
void		 metrics_server_families(struct metrics *,
		    const struct metrics_server *, const char *);

#endif
