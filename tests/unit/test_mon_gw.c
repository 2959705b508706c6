/*
 * test_mon_gw.c: the gateway's parsers on golden inputs (order lines and
 * request paths in tests/data/mon_gw/), targets, the allow-list, the
 * operator's second factor and chunk framing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "monitor/mon_auth.h"
#include "monitor/mon_gw.h"
#include "unit.h"

#define SID	"0123456789abcdef0123456789abcdef"
/* The SHA-256 of the 16 bytes 00 11 .. ff. */
#define ID_A	"00112233445566778899aabbccddeeff"

/*
 * Run <fn> on every line of <name>.in and compare what it writes with
 * <name>.out, line for line.
 */
static void
golden(const char *name, void (*fn)(const char *, size_t, FILE *))
{
	char	 path[256], *in, *out, *got = NULL, *line, *next;
	size_t	 len, glen = 0;
	FILE	*f;

	snprintf(path, sizeof path, "mon_gw/%s.in", name);
	in = unit_slurp(unit_data(path), &len);
	snprintf(path, sizeof path, "mon_gw/%s.out", name);
	out = unit_slurp(unit_data(path), &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	f = open_memstream(&got, &glen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (line = in; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		fn(line, next - line, f);
	}
	fclose(f);
	if (strcmp(got, out) != 0)
		fprintf(stderr, "\n%s: got\n%s", name, got);
	CU_ASSERT_STRING_EQUAL(got, out);
	free(got);
	free(in);
	free(out);
}

/* One order line, with its newline, as the agent gets it. */
static void
order_line(const char *line, size_t len, FILE *f)
{
	struct mon_gw_order	 o, o2;
	const char		*cause;
	char			 t[ADDR_STRLEN], enc[MON_GW_ORDER_MAX];
	size_t			 n;

	if (mon_gw_order_parse(line, len, &o, &cause) == -1) {
		fprintf(f, "error: %s\n", cause);
		return;
	}
	fprintf(f, "sid %s target %s op %s idle %llu max %llu\n", o.sid,
	    addr_fmt(&o.target, t, sizeof t), o.op,
	    (unsigned long long)o.idle_ms, (unsigned long long)o.max_ms);
	n = mon_gw_order_encode(&o, enc, sizeof enc);
	CU_ASSERT(n > 0);
	CU_ASSERT_EQUAL(mon_gw_order_parse(enc, n, &o2, &cause), 0);
	CU_ASSERT_STRING_EQUAL(o.sid, o2.sid);
	CU_ASSERT(addr_eq(&o.target, &o2.target));
}

static void
path_line(const char *line, size_t len, FILE *f)
{
	static const char *const kinds[] = { "poll", "up", "down", "connect",
	    "off" };
	struct mon_gw_path	 g;
	const char		*cause;
	char			 t[ADDR_STRLEN];

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (mon_gw_path_parse(line, len, &g, &cause) == -1) {
		fprintf(f, "error: %s\n", cause);
		return;
	}
	fprintf(f, "%s", kinds[g.kind]);
	if (g.kind == MON_GW_UP || g.kind == MON_GW_DOWN)
		fprintf(f, " %s", g.sid);
	if (g.kind == MON_GW_CONNECT)
		fprintf(f, " site %s peer %s target %s", g.site, g.peer,
		    addr_fmt(&g.target, t, sizeof t));
	fprintf(f, "\n");
}

static void
test_mon_gw_order_parse_golden(void)
{
	golden("orders", order_line);
}

static void
test_mon_gw_path_parse_golden(void)
{
	golden("paths", path_line);
}

static void
test_mon_gw_order_parse_framing(void)
{
	struct mon_gw_order	 o;
	const char		*cause;
	static const char	 two[] = "open " SID " 22 a 1 1\nopen " SID
				    " 22 a 1 1\n";
	static const char	 cr[] = "open " SID " 22 a 1 1\r\n";
	static const char	 nul[] = "open " SID " 22 a\0 1 1\n";
	char			 big[400];

	CU_ASSERT_EQUAL(mon_gw_order_parse(two, sizeof two - 1, &o, &cause),
	    -1);
	CU_ASSERT_EQUAL(mon_gw_order_parse(cr, sizeof cr - 1, &o, &cause),
	    -1);
	CU_ASSERT_EQUAL(mon_gw_order_parse(nul, sizeof nul - 1, &o, &cause),
	    -1);
	CU_ASSERT_EQUAL(mon_gw_order_parse("open " SID " 22 a 1 1", 42, &o,
	    &cause), -1);	/* no newline */
	memset(big, 'a', sizeof big);
	big[sizeof big - 1] = '\n';
	CU_ASSERT_EQUAL(mon_gw_order_parse(big, sizeof big, &o, &cause), -1);
	CU_ASSERT_EQUAL(mon_gw_order_parse("", 0, &o, &cause), -1);
}

static void
test_mon_gw_allowed_exact(void)
{
	struct addr	 allow[2], t;
	const char	*cause;

	CU_ASSERT_EQUAL_FATAL(mon_gw_target_parse("22", 2, &allow[0], &cause),
	    0);
	CU_ASSERT_EQUAL_FATAL(addr_parse_port("[::1]:22", &allow[1], &cause),
	    0);
	CU_ASSERT_EQUAL(mon_gw_target_parse("127.0.0.1:22", 12, &t, &cause),
	    0);
	CU_ASSERT(mon_gw_allowed(&t, allow, 2));
	CU_ASSERT(!mon_gw_allowed(&t, allow, 0));
	CU_ASSERT_EQUAL(mon_gw_target_parse("127.0.0.1:2222", 14, &t,
	    &cause), 0);
	CU_ASSERT(!mon_gw_allowed(&t, allow, 2));
	CU_ASSERT_EQUAL(mon_gw_target_parse("127.0.0.2:22", 12, &t, &cause),
	    0);
	CU_ASSERT(!mon_gw_allowed(&t, allow, 2));
	CU_ASSERT_EQUAL(mon_gw_target_parse("[::1]:22", 8, &t, &cause), 0);
	CU_ASSERT(mon_gw_allowed(&t, allow, 2));
}

static void
test_mon_gw_opid_match_factors(void)
{
	static const char *const ops[] = {
	    "alice=9a0d3a6c6d6e3b0f0e2e5ce5c5b4b66cd22a8f0e8b8d6cc1e46e5f8a2a2f03d1",
	    "bob=0000000000000000000000000000000000000000000000000000000000000000"
	};
	uint8_t		 h[32];
	char		 line[128];
	const char	*why, *myops[1];
	size_t		 i;

	/* alice's line with the real hash of ID_A. */
	CU_ASSERT_EQUAL_FATAL(mon_devid_hash_str(ID_A, h), 0);
	strlcpy(line, "alice=", sizeof line);
	for (i = 0; i < sizeof h; i++)
		snprintf(line + 6 + 2 * i, 3, "%02x", h[i]);
	myops[0] = line;
	CU_ASSERT_EQUAL(mon_gw_opid_match("alice", 32, myops, 1, ID_A, &why),
	    0);
	CU_ASSERT_EQUAL(mon_gw_opid_match("alice", 32, ops, 2, ID_A, &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "wrong-operator-id");
	CU_ASSERT_EQUAL(mon_gw_opid_match("bob", 32, ops, 2, ID_A, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "wrong-operator-id");
	CU_ASSERT_EQUAL(mon_gw_opid_match("carol", 32, myops, 1, ID_A, &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "unknown-operator");
	/* A prefix of a name is not the name. */
	CU_ASSERT_EQUAL(mon_gw_opid_match("alic", 32, myops, 1, ID_A, &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "unknown-operator");
	CU_ASSERT_EQUAL(mon_gw_opid_match("alice", 0, myops, 1, NULL, &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "malformed-operator-id");
	CU_ASSERT_EQUAL(mon_gw_opid_match("alice", 31, myops, 1, ID_A, &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "malformed-operator-id");
	CU_ASSERT_EQUAL(mon_gw_opid_match("alice", 32, myops, 1,
	    "0011223344556677889900aabbccddeeffXX" + 4, &why), -1);
}

static void
test_mon_gw_sid_new_valid(void)
{
	char	a[MON_GW_SID_LEN + 1], b[MON_GW_SID_LEN + 1];

	mon_gw_sid_new(a);
	mon_gw_sid_new(b);
	CU_ASSERT(mon_gw_sid_valid(a, strlen(a)));
	CU_ASSERT(mon_gw_sid_valid(b, strlen(b)));
	CU_ASSERT(strcmp(a, b) != 0);
	CU_ASSERT(!mon_gw_sid_valid("0123456789ABCDEF0123456789abcdef", 32));
}

static void
test_mon_gw_chunk_framing(void)
{
	struct evbuffer	*in = evbuffer_new(), *out = evbuffer_new();
	char		 buf[64];
	size_t		 n;

	evbuffer_add(in, "hello, world", 12);
	mon_gw_chunk(out, in);
	mon_gw_chunk(out, in);	/* nothing: no empty chunk, the last one */
	CU_ASSERT_EQUAL(evbuffer_get_length(in), 0);
	n = evbuffer_remove(out, buf, sizeof buf - 1);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "c\r\nhello, world\r\n");
	evbuffer_free(in);
	evbuffer_free(out);
}

static void
test_mon_gw_limits_parse(void)
{
	uint64_t	i, m;

	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000 3000", 9, &i, &m), 0);
	CU_ASSERT_EQUAL(i, 2000);
	CU_ASSERT_EQUAL(m, 3000);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("1 999999999999", 14, &i, &m), 0);
	CU_ASSERT_EQUAL(m, 999999999999ULL);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("0 3000", 6, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000 0", 6, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000", 4, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000 3000 1", 11, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000  3000", 10, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000 3000 ", 10, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("2000 -1", 7, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("1 1000000000000", 15, &i, &m),
	    -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("", 0, &i, &m), -1);
	CU_ASSERT_EQUAL(mon_gw_limits_parse("20\0 3000", 7, &i, &m), -1);
}

/* TLS makes a record of every piece: a chunk, and coalesced bytes, are one. */
static void
test_mon_gw_one_piece(void)
{
	struct evbuffer	*in = evbuffer_new(), *out = evbuffer_new();
	char		 buf[64];
	size_t		 n;
	int		 i;

	for (i = 0; i < 4; i++)
		evbuffer_add_reference(in, "abcd", 4, NULL, NULL);
	CU_ASSERT(evbuffer_peek(in, -1, NULL, NULL, 0) > 1);
	mon_gw_chunk(out, in);
	CU_ASSERT_EQUAL(evbuffer_peek(out, -1, NULL, NULL, 0), 1);
	n = evbuffer_remove(out, buf, sizeof buf - 1);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "10\r\nabcdabcdabcdabcd\r\n");
	for (i = 0; i < 4; i++)
		evbuffer_add_reference(in, "wxyz", 4, NULL, NULL);
	mon_gw_coalesce(out, in);
	evbuffer_add_reference(in, "1234", 4, NULL, NULL);
	mon_gw_coalesce(out, in);	/* into the room left after it */
	CU_ASSERT_EQUAL(evbuffer_get_length(in), 0);
	CU_ASSERT_EQUAL(evbuffer_peek(out, -1, NULL, NULL, 0), 1);
	n = evbuffer_remove(out, buf, sizeof buf - 1);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "wxyzwxyzwxyzwxyz1234");
	evbuffer_free(in);
	evbuffer_free(out);
}

static CU_TestInfo tests[] = {
	{ "order_parse_golden", test_mon_gw_order_parse_golden },
	{ "path_parse_golden", test_mon_gw_path_parse_golden },
	{ "order_parse_framing", test_mon_gw_order_parse_framing },
	{ "allowed_exact", test_mon_gw_allowed_exact },
	{ "opid_match_factors", test_mon_gw_opid_match_factors },
	{ "sid_new_valid", test_mon_gw_sid_new_valid },
	{ "chunk_framing", test_mon_gw_chunk_framing },
	{ "limits_parse", test_mon_gw_limits_parse },
	{ "one_piece", test_mon_gw_one_piece },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_gw_suite, "mon_gw", tests)
