/*
 * fuzz_mon_gw.c: libFuzzer target for the gateway's parsers of network
 * bytes (monitor/mon_gw_proto.c): the center's order line (the agent
 * parses it), the request paths (the center parses them), targets and
 * the operator's second factor, checking their invariants.
 *
 * The first input byte picks the parser ('o' order, 'p' path, 't'
 * target, 'i' operator ID, 'l' the agent's limits; anything else tries all of them); the rest is
 * the text. Whatever parses: the strings are terminated and valid, an
 * order encodes and parses back to the same, a target has a port.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mon_gw.h"
#include "mon_report.h"

static void	fuzz_order(const char *, size_t);
static void	fuzz_path(const char *, size_t);
static void	fuzz_target(const char *, size_t);
static void	fuzz_opid(const char *, size_t);
static void	fuzz_limits(const char *, size_t);

static void
fuzz_order(const char *buf, size_t len)
{
	struct mon_gw_order	 o, o2;
	const char		*cause = NULL;
	char			 enc[MON_GW_ORDER_MAX];
	size_t			 n;

	if (mon_gw_order_parse(buf, len, &o, &cause) == -1) {
		CHECK(cause != NULL);
		return;
	}
	CHECK(mon_gw_sid_valid(o.sid, strlen(o.sid)));
	CHECK(mon_gw_name_valid(o.op, strlen(o.op)));
	CHECK(o.target.port != 0 && o.idle_ms > 0 && o.max_ms > 0);
	n = mon_gw_order_encode(&o, enc, sizeof enc);
	CHECK(n > 0);
	CHECK(mon_gw_order_parse(enc, n, &o2, &cause) == 0);
	CHECK(strcmp(o.sid, o2.sid) == 0 && strcmp(o.op, o2.op) == 0);
	CHECK(addr_eq(&o.target, &o2.target) && o.target.port ==
	    o2.target.port);
	CHECK(o.idle_ms == o2.idle_ms && o.max_ms == o2.max_ms);
}

static void
fuzz_path(const char *buf, size_t len)
{
	struct mon_gw_path	 g;
	const char		*cause = NULL;

	if (mon_gw_path_parse(buf, len, &g, &cause) == -1) {
		CHECK(cause != NULL);
		return;
	}
	switch (g.kind) {
	case MON_GW_POLL:
		CHECK(len == 8);
		break;
	case MON_GW_OFF:
		CHECK(len == 7);
		break;
	case MON_GW_UP:
	case MON_GW_DOWN:
		CHECK(mon_gw_sid_valid(g.sid, strlen(g.sid)));
		break;
	case MON_GW_CONNECT:
		CHECK(mon_site_valid(g.site));
		CHECK(mon_gw_name_valid(g.peer, strlen(g.peer)));
		CHECK(g.target.port != 0);
		break;
	default:
		CHECK(0);
	}
}

static void
fuzz_target(const char *buf, size_t len)
{
	struct addr	 a;
	const char	*cause = NULL;

	if (mon_gw_target_parse(buf, len, &a, &cause) == 0)
		CHECK(a.port != 0 && (a.af == AF_INET || a.af == AF_INET6));
	else
		CHECK(cause != NULL);
}

/* CN, then a NUL, then the presented ID, against one fixed operator. */
static void
fuzz_opid(const char *buf, size_t len)
{
	static const char *const ops[] = { "operator-1=00112233445566778899"
	    "aabbccddeeff00112233445566778899aabbccddeeff" };
	const char	*nul, *why = NULL;
	char		 cn[64];
	size_t		 n;

	if ((nul = memchr(buf, '\0', len)) == NULL ||
	    (n = (size_t)(nul - buf)) >= sizeof cn)
		return;
	memcpy(cn, buf, n);
	cn[n] = '\0';
	if (mon_gw_opid_match(cn, len - n - 1, ops, 1, nul + 1, &why) == -1)
		CHECK(why != NULL);
}

static void
fuzz_limits(const char *buf, size_t len)
{
	uint64_t	idle, max;

	if (mon_gw_limits_parse(buf, len, &idle, &max) == 0)
		CHECK(idle > 0 && max > 0 && memchr(buf, '\0', len) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data + 1;
	size_t		 len = size > 0 ? size - 1 : 0;

	if (size == 0)
		return (0);
	switch (data[0]) {
	case 'o':
		fuzz_order(buf, len);
		break;
	case 'p':
		fuzz_path(buf, len);
		break;
	case 't':
		fuzz_target(buf, len);
		break;
	case 'i':
		fuzz_opid(buf, len);
		break;
	case 'l':
		fuzz_limits(buf, len);
		break;
	default:
		fuzz_order(buf, len);
		fuzz_path(buf, len);
		fuzz_target(buf, len);
	}
	return (0);
}
