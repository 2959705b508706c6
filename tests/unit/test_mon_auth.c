/*
 * test_mon_auth.c: the two-factor decision, row by row, and the device ID
 * file: generation, secrecy checks and strict reading.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/mon_auth.h"
#include "unit.h"

#define ID_A	"00112233445566778899aabbccddeeff"
#define ID_B	"ffeeddccbbaa99887766554433221100"
#define ID_C	"0123456789abcdef0123456789abcdef"	/* kyoto's */
#define ID_X	"deadbeefdeadbeefdeadbeefdeadbeef"	/* nobody's */

/* The registry's view of osaka-01 (devices a, b; b revoked if asked). */
static void
view_osaka(struct mon_auth_view *v, const char *presented, int b_revoked)
{
	uint8_t	h[MON_DEVID_HASHLEN];

	memset(v, 0, sizeof *v);
	v->site_exists = 1;
	CU_ASSERT_EQUAL_FATAL(mon_devid_hash_str(ID_A, v->dev[0].hash), 0);
	v->dev[0].id = 10;
	CU_ASSERT_EQUAL_FATAL(mon_devid_hash_str(ID_B, v->dev[1].hash), 0);
	v->dev[1].id = 11;
	v->dev[1].revoked = b_revoked;
	v->ndev = 2;
	/* What the store's lookup by hash would say. */
	if (mon_devid_hash_str(presented, h) == 0 &&
	    strcmp(presented, ID_C) == 0)
		strlcpy(v->id_site, "kyoto", sizeof v->id_site);
	else if (presented != NULL && (strcmp(presented, ID_A) == 0 ||
	    strcmp(presented, ID_B) == 0))
		strlcpy(v->id_site, "osaka-01", sizeof v->id_site);
}

static void
test_mon_auth_decide_table(void)
{
	static const struct {
		const char		*cn;
		enum mon_cert_status	 cert;
		const char		*id;
		int			 site_exists;
		int			 b_revoked;
		enum mon_auth_result	 want;
	} rows[] = {
		{ "osaka-01", MON_CERT_OK, ID_A, 1, 0, MON_AUTH_OK },
		{ "osaka-01", MON_CERT_OK, ID_B, 1, 0, MON_AUTH_OK },
		/* Certificate first: nothing else matters without it. */
		{ "osaka-01", MON_CERT_NONE, ID_A, 1, 0, MON_AUTH_NO_CERT },
		{ NULL, MON_CERT_NONE, NULL, 0, 0, MON_AUTH_NO_CERT },
		{ "osaka-01", MON_CERT_EXPIRED, ID_A, 1, 0,
		    MON_AUTH_CERT_EXPIRED },
		{ "osaka-01", MON_CERT_REVOKED, ID_A, 1, 0,
		    MON_AUTH_CERT_REVOKED },
		{ "osaka-01", MON_CERT_UNTRUSTED, ID_A, 1, 0,
		    MON_AUTH_CERT_UNTRUSTED },
		{ "osaka-01", (enum mon_cert_status)42, ID_A, 1, 0,
		    MON_AUTH_CERT_UNTRUSTED },
		{ NULL, MON_CERT_OK, ID_A, 1, 0, MON_AUTH_BAD_CN },
		{ "Osaka-01", MON_CERT_OK, ID_A, 1, 0, MON_AUTH_BAD_CN },
		{ "osaka-01.example", MON_CERT_OK, ID_A, 1, 0,
		    MON_AUTH_BAD_CN },
		/* Malformed IDs, before any registry answer is used. */
		{ "osaka-01", MON_CERT_OK, NULL, 1, 0, MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, "", 1, 0, MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, "00112233445566778899AABBCCDDEEFF",
		    1, 0, MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, "00112233445566778899aabbccddeef",
		    1, 0, MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, ID_A "0", 1, 0,
		    MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, "g0112233445566778899aabbccddeeff",
		    1, 0, MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, "00112233445566778899aabbccddee f",
		    1, 0, MON_AUTH_MALFORMED_ID },
		{ "osaka-01", MON_CERT_OK, ID_A, 0, 0, MON_AUTH_UNKNOWN_SITE },
		{ "osaka-01", MON_CERT_OK, ID_B, 1, 1,
		    MON_AUTH_DEVICE_REVOKED },
		{ "osaka-01", MON_CERT_OK, ID_A, 1, 1, MON_AUTH_OK },
		/* A good ID with another site's certificate. */
		{ "osaka-01", MON_CERT_OK, ID_C, 1, 0,
		    MON_AUTH_ID_OTHER_SITE },
		/* A wrong ID with a good certificate. */
		{ "osaka-01", MON_CERT_OK, ID_X, 1, 0, MON_AUTH_WRONG_ID },
	};
	struct mon_auth_view	 v;
	enum mon_auth_result	 got;
	size_t			 i, match;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		view_osaka(&v, rows[i].id, rows[i].b_revoked);
		v.site_exists = rows[i].site_exists;
		match = 99;
		got = mon_auth_decide(rows[i].cn, rows[i].cert, rows[i].id, &v,
		    &match);
		if (got != rows[i].want)
			fprintf(stderr, "\nrow %zu: got %s, want %s\n", i,
			    mon_auth_result_name(got),
			    mon_auth_result_name(rows[i].want));
		CU_ASSERT_EQUAL(got, rows[i].want);
		if (got == MON_AUTH_OK) {
			CU_ASSERT_EQUAL(v.dev[match].id,
			    strcmp(rows[i].id, ID_A) == 0 ? 10 : 11);
		} else {
			CU_ASSERT_EQUAL(match, 99);
		}
	}
}

/* The right device is found wherever it sits among sixteen. */
static void
test_mon_auth_decide_many_devices(void)
{
	struct mon_auth_view	v;
	char			id[MON_DEVID_HEXLEN + 1];
	size_t			i, match;

	memset(&v, 0, sizeof v);
	v.site_exists = 1;
	for (i = 0; i < MON_AUTH_MAXDEV; i++) {
		snprintf(id, sizeof id, "%032zx", i + 1);
		CU_ASSERT_EQUAL(mon_devid_hash_str(id, v.dev[i].hash), 0);
		v.dev[i].id = (int64_t)i;
	}
	v.ndev = MON_AUTH_MAXDEV;
	for (i = 0; i < MON_AUTH_MAXDEV; i++) {
		snprintf(id, sizeof id, "%032zx", i + 1);
		CU_ASSERT_EQUAL(mon_auth_decide("s", MON_CERT_OK, id, &v,
		    &match), MON_AUTH_OK);
		CU_ASSERT_EQUAL(match, i);
	}
	snprintf(id, sizeof id, "%032x", 99);
	CU_ASSERT_EQUAL(mon_auth_decide("s", MON_CERT_OK, id, &v, &match),
	    MON_AUTH_WRONG_ID);
}

static void
test_mon_auth_names(void)
{
	int	i, j;

	for (i = MON_AUTH_OK; i <= MON_AUTH_WRONG_ID; i++) {
		CU_ASSERT_STRING_NOT_EQUAL(mon_auth_result_name(i), "?");
		CU_ASSERT_STRING_NOT_EQUAL(mon_auth_result_desc(i), "?");
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(mon_auth_result_name(i),
			    mon_auth_result_name(j));
	}
	CU_ASSERT_STRING_EQUAL(mon_auth_result_name(99), "?");
}

/* The hash is SHA-256 of the 16 bytes, not of the text. */
static void
test_mon_devid_hash(void)
{
	uint8_t		raw[MON_DEVID_BYTES], h[MON_DEVID_HASHLEN];
	char		hex[2 * MON_DEVID_HASHLEN + 1];
	size_t		i;

	memset(raw, 0, sizeof raw);
	mon_devid_hash(raw, h);
	for (i = 0; i < sizeof h; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	CU_ASSERT_STRING_EQUAL(hex, "374708fff7719dd5979ec875d56cd2286f6d3cf7"
	    "ec317a3b25632aab28ec37bb");
	CU_ASSERT_EQUAL(mon_devid_parse(ID_A, raw), 0);
	CU_ASSERT_EQUAL(raw[0], 0x00);
	CU_ASSERT_EQUAL(raw[15], 0xff);
}

static void
test_mon_devid_file(void)
{
	struct stat	 sb;
	char		 dir[] = "/tmp/twinproxy-devid.XXXXXX", path[256];
	char		 link_path[300], id1[MON_DEVID_HEXLEN + 1];
	char		 id2[MON_DEVID_HEXLEN + 1], got[MON_DEVID_HEXLEN + 1];
	char		*cause;
	uint8_t		 raw[MON_DEVID_BYTES];
	FILE		*f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/device-id", dir);
	snprintf(link_path, sizeof link_path, "%s/link", dir);
	CU_ASSERT_EQUAL_FATAL(mon_devid_generate(path, id1, sizeof id1,
	    &cause), 0);
	CU_ASSERT_EQUAL(strlen(id1), MON_DEVID_HEXLEN);
	CU_ASSERT_EQUAL(mon_devid_parse(id1, raw), 0);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(sb.st_size, MON_DEVID_HEXLEN + 1);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), 0);
	CU_ASSERT_STRING_EQUAL(got, id1);
	/* Never replaced; no temporary left behind. */
	CU_ASSERT_EQUAL(mon_devid_generate(path, id2, sizeof id2, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "exists already"));
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), 0);
	CU_ASSERT_STRING_EQUAL(got, id1);
	snprintf(link_path, sizeof link_path, "%s.tmp", path);
	CU_ASSERT_EQUAL(access(link_path, F_OK), -1);
	/* Another file gets another ID. */
	snprintf(link_path, sizeof link_path, "%s/second", dir);
	CU_ASSERT_EQUAL(mon_devid_generate(link_path, id2, sizeof id2,
	    &cause), 0);
	CU_ASSERT_STRING_NOT_EQUAL(id1, id2);
	unlink(link_path);

	/* Secrecy: any access for group or others is refused. */
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "mode 640"));
	CU_ASSERT_EQUAL(chmod(path, 0604), 0);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), -1);
	CU_ASSERT_EQUAL(chmod(path, 0620), 0);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), -1);
	CU_ASSERT_EQUAL(chmod(path, 0400), 0);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), 0);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	/* Not through a symbolic link. */
	snprintf(link_path, sizeof link_path, "%s/link", dir);
	CU_ASSERT_EQUAL(symlink(path, link_path), 0);
	CU_ASSERT_EQUAL(mon_devid_read(link_path, got, sizeof got, &cause),
	    -1);
	unlink(link_path);

	/* Strict content: 32 lowercase hex digits, one optional newline. */
	f = fopen(path, "w");
	fputs(ID_A, f);
	fclose(f);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), 0);
	CU_ASSERT_STRING_EQUAL(got, ID_A);
	f = fopen(path, "w");
	fputs(ID_A "\n\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "not a device ID"));
	f = fopen(path, "w");
	fputs("00112233445566778899AABBCCDDEEFF\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), -1);
	CU_ASSERT_EQUAL(mon_devid_read(dir, got, sizeof got, &cause), -1);
	unlink(path);
	CU_ASSERT_EQUAL(mon_devid_read(path, got, sizeof got, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "No such file"));
	rmdir(dir);
}

static CU_TestInfo tests[] = {
	{ "test_mon_auth_decide_table", test_mon_auth_decide_table },
	{ "test_mon_auth_decide_many_devices",
	    test_mon_auth_decide_many_devices },
	{ "test_mon_auth_names", test_mon_auth_names },
	{ "test_mon_devid_hash", test_mon_devid_hash },
	{ "test_mon_devid_file", test_mon_devid_file },
	CU_TEST_INFO_NULL
};

UNIT_SUITE(mon_auth_suite, "mon_auth", tests)
