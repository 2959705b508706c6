/*
 * cfg_dump.c: print the effective config, defaults filled in, in the
 * config syntax itself, so the output can be read back unchanged.
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"

static void	dump_value(FILE *, const struct cfg_kw *, const void *);
static void	dump_block(FILE *, const struct cfg_blockdef *, const void *,
		    const char *);

/* Print one value. */
static void
dump_value(FILE *f, const struct cfg_kw *kw, const void *p)
{
	char	buf[HOST_MAXLEN + 16];

	switch (kw->type) {
	case CFG_BOOL:
		fputs(*(const int *)p ? "yes" : "no", f);
		break;
	case CFG_UINT:
	case CFG_PORT:
		fprintf(f, "%u", *(const unsigned int *)p);
		break;
	case CFG_DURATION:
		fputs(cfg_fmt_duration(*(const uint64_t *)p, buf, sizeof buf),
		    f);
		break;
	case CFG_SIZE:
		fputs(cfg_fmt_size(*(const uint64_t *)p, buf, sizeof buf), f);
		break;
	case CFG_ENUM:
		fputs(cfg_enum_name(kw, *(const int *)p, buf, sizeof buf), f);
		break;
	case CFG_NAME:
	case CFG_DOMAIN:
	case CFG_STRING:
	case CFG_PATH:
		cfg_print_string(f, *(char *const *)p);
		break;
	case CFG_ADDR:
	case CFG_ADDRPORT:
		fputs(addr_fmt(p, buf, sizeof buf), f);
		break;
	case CFG_HOSTPORT:
		fputs(hostport_fmt(p, buf, sizeof buf), f);
		break;
	case CFG_CIDR:
	case CFG_IFADDR:
		fputs(cidr_fmt(p, buf, sizeof buf), f);
		break;
	case CFG_CUSTOM:
		break;
	}
}

/* Return 1 if a single value holds something worth printing. */
static int
has_value(const struct cfg_kw *kw, const void *p)
{
	switch (kw->type) {
	case CFG_NAME:
	case CFG_DOMAIN:
	case CFG_STRING:
	case CFG_PATH:
		return (*(char *const *)p != NULL);
	case CFG_ADDR:
	case CFG_ADDRPORT:
		return (((const struct addr *)p)->af != 0);
	case CFG_HOSTPORT:
		return (((const struct hostport *)p)->port != 0);
	case CFG_ENUM:
		return (kw->def != NULL || *(const int *)p >= 0);
	default:
		return (1);
	}
}

/* Print a block with all its settings. */
static void
dump_block(FILE *f, const struct cfg_blockdef *bd, const void *blk,
    const char *name)
{
	const struct cfg_kw	*kw;
	const struct cfg_blk	*b = blk;
	const char		*p;
	size_t			 n, i, sz;

	fprintf(f, "%s%s%s {\n", bd->name, name ? " " : "", name ? name : "");
	for (kw = bd->kws; kw->name != NULL; kw++) {
		if (kw->type == CFG_CUSTOM) {
			kw->dump(f, kw, blk);
			continue;
		}
		p = (const char *)blk + kw->off;
		if (!(kw->flags & CFG_MULTI)) {
			/* An enum without default that was never set. */
			if (kw->type == CFG_ENUM && kw->def == NULL &&
			    !(b->set & (1ULL << (kw - bd->kws))))
				continue;
			if (!has_value(kw, p))
				continue;
			fprintf(f, "\t%s ", kw->name);
			dump_value(f, kw, p);
			fputs(";\n", f);
			continue;
		}
		n = *(const size_t *)((const char *)blk + kw->noff);
		if (n == 0)
			continue;
		sz = cfg_elem_size(kw->type);
		for (i = 0; i < n; i++) {
			fprintf(f, "\t%s ", kw->name);
			dump_value(f, kw, *(char *const *)p + i * sz);
			fputs(";\n", f);
		}
	}
	fputs("}\n", f);
}

/* Print the effective configuration. */
void
cfg_dump(FILE *f, const struct cfg *cfg)
{
	const struct cfg_blockdef	*bd;
	const struct cfg_cluster	*cl;
	const struct cfg_blk		*b;
	int				 first = 1;

	for (bd = cfg_blockdefs; bd->name != NULL; bd++) {
		if (bd->named) {
			TAILQ_FOREACH(cl, &cfg->clusters, entry) {
				fputs(first ? "" : "\n", f);
				first = 0;
				dump_block(f, bd, cl, cl->name);
			}
			continue;
		}
		b = (const struct cfg_blk *)((const char *)cfg + bd->off);
		/* The ha block is shown even when absent: its defaults matter. */
		if (!b->present && strcmp(bd->name, "ha") != 0)
			continue;
		fputs(first ? "" : "\n", f);
		first = 0;
		dump_block(f, bd, b, NULL);
	}
}

