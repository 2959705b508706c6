/*
 * cfg.c: the config file lexer and block parser.
 *
 * Errors never stop the parse: the parser reports `file:line: message`,
 * skips to the end of the statement and goes on, so one run lists every
 * mistake in the file. Nothing is returned unless there were no errors.
 */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "xmalloc.h"

#define CFG_MAXDEPTH	8	/* include nesting */
#define CFG_MAXARGS	32
#define CFG_MAXERRORS	100
#define CFG_MAXFILE	(4 << 20)

enum tok_type { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI };

struct token {
	enum tok_type	 type;
	char		*text;
	int		 line;
};

struct cfg_src {
	char		*path;
	char		*buf;
	size_t		 len;
	size_t		 pos;
	int		 line;
	struct token	 back;		/* pushed-back token */
	int		 hasback;
};

struct cfg_parser {
	struct cfg	*cfg;
	struct cfg_msgs	*msgs;
	int		 nerrors;
	struct cfg_src	*src;
	int		 depth;
	int		 tokline;
	int		 drop;		/* statement had a lexical error */
};

static void	msg_add(struct cfg_parser *, int, const char *, int,
		    const char *, va_list) __attribute__((format(printf, 5, 0)));
static int	lex(struct cfg_parser *, struct token *);
static void	unlex(struct cfg_parser *, struct token *);
static int	parse_file(struct cfg_parser *, const char *, int);
static void	parse_top(struct cfg_parser *);
static void	parse_block(struct cfg_parser *, const struct cfg_blockdef *,
		    void *, int);
static void	parse_setting(struct cfg_parser *, const struct cfg_blockdef *,
		    void *, struct token *);
static void	skip_statement(struct cfg_parser *);
static void	skip_block(struct cfg_parser *);
static void	apply(struct cfg_parser *, const struct cfg_blockdef *, void *,
		    const struct cfg_kw *, int, char **, int);
static void	blk_defaults(const struct cfg_blockdef *, void *);
static void	blk_free(const struct cfg_blockdef *, void *);
static void	multi_clear(const struct cfg_kw *, void *);
static void	*multi_append(const struct cfg_kw *, void *);
static struct cfg *cfg_new(const char *);
static struct cfg *cfg_finish(struct cfg_parser *);

/* Record a message, "file:line: text". */
static void
msg_add(struct cfg_parser *p, int warning, const char *file, int line,
    const char *fmt, va_list ap)
{
	struct cfg_msg	*m;
	char		*text;

	if (!warning && ++p->nerrors > CFG_MAXERRORS)
		return;
	if (vasprintf(&text, fmt, ap) == -1)
		fatal("vasprintf");
	m = xcalloc(1, sizeof *m);
	m->warning = warning;
	if (!warning && p->nerrors == CFG_MAXERRORS)
		xasprintf(&m->text, "%s:%d: too many errors, giving up",
		    file, line);
	else if (line > 0)
		xasprintf(&m->text, "%s:%d: %s%s", file, line,
		    warning ? "warning: " : "", text);
	else
		xasprintf(&m->text, "%s: %s%s", file,
		    warning ? "warning: " : "", text);
	free(text);
	TAILQ_INSERT_TAIL(p->msgs, m, entry);
}

/* Report an error at file:line. */
void
cfg_error(struct cfg_parser *p, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_add(p, 0, file, line, fmt, ap);
	va_end(ap);
}

/* Report a warning at file:line; it does not fail the load. */
void
cfg_warning(struct cfg_parser *p, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_add(p, 1, file, line, fmt, ap);
	va_end(ap);
}

/* The file being parsed (for custom keyword parsers). */
const char *
cfg_parser_file(struct cfg_parser *p)
{
	return (p->src != NULL ? p->src->path : p->cfg->file);
}

/* The line of the keyword being parsed. */
int
cfg_parser_line(struct cfg_parser *p)
{
	return (p->tokline);
}

/* Read the next token; 0 at the end of the file. */
static int
lex(struct cfg_parser *p, struct token *t)
{
	struct cfg_src	*s = p->src;
	size_t		 start, n;
	char		*out, c;

	if (s->hasback) {
		*t = s->back;
		s->hasback = 0;
		return (t->type != T_EOF);
	}
	memset(t, 0, sizeof *t);
again:
	while (s->pos < s->len) {
		c = s->buf[s->pos];
		if (c == '\n')
			s->line++;
		else if (c == '#') {
			while (s->pos < s->len && s->buf[s->pos] != '\n')
				s->pos++;
			continue;
		} else if (!isspace((unsigned char)c))
			break;
		s->pos++;
	}
	t->line = s->line;
	if (s->pos >= s->len) {
		t->type = T_EOF;
		return (0);
	}
	c = s->buf[s->pos];
	if (c == '{' || c == '}' || c == ';') {
		s->pos++;
		t->type = c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : T_SEMI;
		return (1);
	}
	if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
		cfg_error(p, s->path, s->line,
		    "invalid character 0x%02x (only printable ASCII)",
		    (unsigned char)c);
		s->pos++;
		goto again;
	}
	if (c == '"') {
		/* Strings do not span lines, so one stray quote costs one. */
		out = t->text = xmalloc(s->len - s->pos + 1);
		for (s->pos++; s->pos < s->len; s->pos++) {
			c = s->buf[s->pos];
			if (c == '"')
				break;
			if (c == '\n')
				break;
			if (c == '\\' && s->pos + 1 < s->len &&
			    s->buf[s->pos + 1] != '\n') {
				c = s->buf[++s->pos];
				if (c == 'n')
					c = '\n';
				else if (c == 'r')
					c = '\r';
				else if (c == 't')
					c = '\t';
				else if (c != '"' && c != '\\') {
					/*
					 * Taken as itself, "\d" would print
					 * back (cfg_dump) as "d": a file
					 * would not read as it was written.
					 */
					if (isprint((unsigned char)c))
						cfg_error(p, s->path, s->line,
						    "unknown escape \\%c in a "
						    "string (only \\\", \\\\, "
						    "\\n, \\r and \\t)", c);
					else
						cfg_error(p, s->path, s->line,
						    "invalid character 0x%02x "
						    "after a backslash in a "
						    "string", (unsigned char)c);
				}
			} else if (((unsigned char)c < 0x20 && c != '\t') ||
			    c == 0x7f) {
				/* No escape could print it back (cfg_dump). */
				cfg_error(p, s->path, s->line, "invalid "
				    "character 0x%02x in a string (only \\n, "
				    "\\r and \\t)", (unsigned char)c);
			}
			*out++ = c;
		}
		*out = '\0';
		if (s->pos >= s->len || s->buf[s->pos] != '"') {
			/*
			 * End the statement here and drop it, so the lines
			 * after it parse as they are meant to.
			 */
			cfg_error(p, s->path, t->line,
			    "unterminated string (missing closing '\"')");
			free(t->text);
			t->text = NULL;
			t->type = T_SEMI;
			p->drop = 1;
			return (1);
		}
		s->pos++;
		t->type = T_STRING;
		return (1);
	}
	start = s->pos;
	while (s->pos < s->len) {
		c = s->buf[s->pos];
		if (isspace((unsigned char)c) || c == '{' || c == '}' ||
		    c == ';' || c == '"' || (unsigned char)c < 0x20 ||
		    (unsigned char)c >= 0x7f)
			break;
		s->pos++;
	}
	n = s->pos - start;
	t->text = xstrndup(s->buf + start, n);
	t->type = T_WORD;
	return (1);
}

/* Push a token back; the next lex() returns it. */
static void
unlex(struct cfg_parser *p, struct token *t)
{
	p->src->back = *t;
	p->src->hasback = 1;
}

/* Describe a token for error messages. */
static const char *
tok_desc(struct token *t)
{
	switch (t->type) {
	case T_EOF:
		return ("end of file");
	case T_LBRACE:
		return ("'{'");
	case T_RBRACE:
		return ("'}'");
	case T_SEMI:
		return ("';'");
	case T_STRING:
		return ("a quoted string");
	default:
		return ("a word");
	}
}

/* Read and parse one file (the main one or an include). */
static int
parse_file(struct cfg_parser *p, const char *path, int line)
{
	struct cfg_src	 src, *saved = p->src;
	struct stat	 st;
	FILE		*f;

	memset(&src, 0, sizeof src);
	if ((f = fopen(path, "r")) == NULL) {
		if (saved == NULL)
			cfg_error(p, path, 0, "%s", strerror(errno));
		else
			cfg_error(p, saved->path, line, "include %s: %s", path,
			    strerror(errno));
		return (-1);
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CFG_MAXFILE) {
		cfg_error(p, saved != NULL ? saved->path : path, line,
		    "%s: not a regular file of at most 4M", path);
		fclose(f);
		return (-1);
	}
	src.buf = xmalloc(st.st_size + 1);
	src.len = fread(src.buf, 1, st.st_size, f);
	fclose(f);
	src.path = xstrdup(path);
	src.line = 1;
	p->src = &src;
	p->depth++;
	parse_top(p);
	p->depth--;
	if (saved == NULL)
		p->tokline = src.line;	/* where a missing block belongs */
	p->src = saved;
	free(src.buf);
	free(src.path);
	return (0);
}

/* Resolve an include path relative to the including file. */
static char *
include_path(const char *from, const char *name)
{
	char	*dup, *dir, *path;

	if (name[0] == '/' || strchr(from, '/') == NULL)
		return (xstrdup(name));
	dup = xstrdup(from);
	dir = dirname(dup);
	xasprintf(&path, "%s/%s", dir, name);
	free(dup);
	return (path);
}

/* Parse top-level statements: blocks and includes. */
static void
parse_top(struct cfg_parser *p)
{
	const struct cfg_blockdef	*bd;
	struct cfg_cluster		*cl, *other;
	struct token			 t, t2;
	struct cfg_blk			*blk;
	char				*path;

	while (lex(p, &t)) {
		if (t.type != T_WORD) {
			cfg_error(p, p->src->path, t.line,
			    "expected a block name, not %s", tok_desc(&t));
			free(t.text);
			if (t.type == T_LBRACE)
				skip_block(p);
			continue;
		}
		if (strcmp(t.text, "include") == 0) {
			free(t.text);
			if (!lex(p, &t2) || (t2.type != T_WORD &&
			    t2.type != T_STRING)) {
				cfg_error(p, p->src->path, t.line,
				    "include: expected a file name");
				free(t2.text);
				skip_statement(p);
				continue;
			}
			if (!lex(p, &t) || t.type != T_SEMI) {
				cfg_error(p, p->src->path, t2.line,
				    "missing ';' after include");
				unlex(p, &t);
			}
			if (p->depth >= CFG_MAXDEPTH)
				cfg_error(p, p->src->path, t2.line,
				    "include: nested too deeply (loop?)");
			else {
				path = include_path(p->src->path, t2.text);
				parse_file(p, path, t2.line);
				free(path);
			}
			free(t2.text);
			continue;
		}
		if ((bd = cfg_blockdef_find(t.text)) == NULL) {
			cfg_error(p, p->src->path, t.line,
			    "unknown block '%s' (expected peer, ha, proxy, "
			    "wpad, cluster, report, center or include)",
			    t.text);
			free(t.text);
			skip_statement(p);
			continue;
		}
		free(t.text);
		cl = NULL;
		if (bd->named) {
			if (!lex(p, &t2) || t2.type != T_WORD) {
				cfg_error(p, p->src->path, t.line,
				    "%s: expected a name before '{'", bd->name);
				unlex(p, &t2);
				skip_statement(p);
				continue;
			}
			cl = xcalloc(1, sizeof *cl);
			blk_defaults(bd, cl);
			cl->name = t2.text;
			TAILQ_FOREACH(other, &p->cfg->clusters, entry)
				if (strcmp(other->name, cl->name) == 0)
					cfg_error(p, p->src->path, t.line,
					    "cluster '%s' defined twice "
					    "(first at %s:%d)", cl->name,
					    other->blk.file, other->blk.line);
			TAILQ_INSERT_TAIL(&p->cfg->clusters, cl, entry);
			blk = &cl->blk;
		} else
			blk = (struct cfg_blk *)((char *)p->cfg + bd->off);
		if (!lex(p, &t2) || t2.type != T_LBRACE) {
			cfg_error(p, p->src->path, t.line,
			    "expected '{' after '%s', not %s", bd->name,
			    tok_desc(&t2));
			unlex(p, &t2);
			skip_statement(p);
			continue;
		}
		if (blk->present) {
			cfg_error(p, p->src->path, t.line,
			    "block '%s' given twice (first at %s:%d)",
			    bd->name, blk->file, blk->line);
			skip_block(p);
			continue;
		}
		blk->present = 1;
		blk->file = xstrdup(p->src->path);
		blk->line = t.line;
		parse_block(p, bd, blk, t.line);
	}
}

/* Parse the settings of a block up to its closing brace. */
static void
parse_block(struct cfg_parser *p, const struct cfg_blockdef *bd, void *blk,
    int openline)
{
	struct token	t;

	for (;;) {
		if (!lex(p, &t)) {
			cfg_error(p, p->src->path, openline,
			    "block '%s' is not closed (missing '}')", bd->name);
			unlex(p, &t);
			return;
		}
		switch (t.type) {
		case T_RBRACE:
			return;
		case T_SEMI:
			continue;
		case T_WORD:
			parse_setting(p, bd, blk, &t);
			continue;
		default:
			cfg_error(p, p->src->path, t.line,
			    "expected a keyword, not %s", tok_desc(&t));
			free(t.text);
			if (t.type == T_LBRACE)
				skip_block(p);
			continue;
		}
	}
}

/* Parse "keyword arg...;" and apply it. */
static void
parse_setting(struct cfg_parser *p, const struct cfg_blockdef *bd, void *blk,
    struct token *kwt)
{
	const struct cfg_kw	*kw;
	struct token		 t;
	char			*argv[CFG_MAXARGS];
	int			 argc = 0, ok = 1, i;

	for (;;) {
		if (!lex(p, &t) || t.type == T_RBRACE || t.type == T_LBRACE) {
			cfg_error(p, p->src->path, kwt->line,
			    "missing ';' after '%s'", kwt->text);
			if (t.type == T_LBRACE) {
				skip_block(p);
				ok = 0;
			} else
				unlex(p, &t);
			break;
		}
		if (t.type == T_SEMI)
			break;
		if (argc == CFG_MAXARGS) {
			if (ok)
				cfg_error(p, p->src->path, t.line,
				    "%s: too many values", kwt->text);
			ok = 0;
			free(t.text);
			continue;
		}
		argv[argc++] = t.text;
	}
	kw = cfg_kw_find(bd->kws, kwt->text);
	if (p->drop) {
		p->drop = 0;
		if (kw != NULL)
			((struct cfg_blk *)blk)->seen |= 1ULL << (kw - bd->kws);
	} else if (kw == NULL) {
		cfg_error(p, p->src->path, kwt->line,
		    "unknown keyword '%s' in block '%s'", kwt->text, bd->name);
	} else if (ok) {
		p->tokline = kwt->line;
		apply(p, bd, blk, kw, argc, argv, kwt->line);
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(kwt->text);
}

/* Skip tokens to the end of the current statement (';' or a block). */
static void
skip_statement(struct cfg_parser *p)
{
	struct token	t;

	while (lex(p, &t)) {
		free(t.text);
		if (t.type == T_SEMI)
			return;
		if (t.type == T_LBRACE) {
			skip_block(p);
			return;
		}
		if (t.type == T_RBRACE)
			return;
	}
}

/* Skip a block's body, braces balanced; the '{' was read. */
static void
skip_block(struct cfg_parser *p)
{
	struct token	t;
	int		depth = 1;

	while (depth > 0 && lex(p, &t)) {
		free(t.text);
		if (t.type == T_LBRACE)
			depth++;
		else if (t.type == T_RBRACE)
			depth--;
	}
}

/* Size of one element of a repeatable keyword's array. */
size_t
cfg_elem_size(enum cfg_type type)
{
	switch (type) {
	case CFG_ADDR:
	case CFG_ADDRPORT:
		return (sizeof(struct addr));
	case CFG_CIDR:
	case CFG_IFADDR:
		return (sizeof(struct cidr));
	case CFG_HOSTPORT:
		return (sizeof(struct hostport));
	case CFG_NAME:
	case CFG_DOMAIN:
	case CFG_STRING:
	case CFG_PATH:
		return (sizeof(char *));
	default:
		return (sizeof(unsigned int));
	}
}

/* Empty a repeatable keyword's array. */
static void
multi_clear(const struct cfg_kw *kw, void *blk)
{
	void	**arr = (void **)((char *)blk + kw->off);
	size_t	 *n = (size_t *)((char *)blk + kw->noff), i;

	for (i = 0; i < *n; i++)
		cfg_value_free(kw, (char *)*arr + i * cfg_elem_size(kw->type));
	free(*arr);
	*arr = NULL;
	*n = 0;
}

/* Add a zeroed element to a repeatable keyword's array. */
static void *
multi_append(const struct cfg_kw *kw, void *blk)
{
	void	**arr = (void **)((char *)blk + kw->off);
	size_t	 *n = (size_t *)((char *)blk + kw->noff), sz;
	char	 *e;

	sz = cfg_elem_size(kw->type);
	*arr = xreallocarray(*arr, *n + 1, sz);
	e = (char *)*arr + *n * sz;
	memset(e, 0, sz);
	(*n)++;
	return (e);
}

/* Apply one setting's values to a block. */
static void
apply(struct cfg_parser *p, const struct cfg_blockdef *bd, void *blk,
    const struct cfg_kw *kw, int argc, char **argv, int line)
{
	struct cfg_blk	*b = blk;
	const char	*file = p->src->path, *cause = NULL;
	size_t		*n;
	int		 idx = kw - bd->kws, i;
	void		*dst;

	b->seen |= 1ULL << idx;
	if ((b->set & (1ULL << idx)) && !(kw->flags & CFG_MULTI)) {
		cfg_error(p, file, line, "'%s' given twice (first on line %d)",
		    kw->name, b->kwline[idx]);
		return;
	}
	if (kw->type == CFG_CUSTOM) {
		if (kw->parse(p, blk, argc, argv, &cause) == -1)
			cfg_error(p, file, line, "%s: %s", kw->name, cause);
		else {
			b->set |= 1ULL << idx;
			b->kwline[idx] = line;
		}
		return;
	}
	if (argc == 0) {
		cfg_error(p, file, line, "%s: expected a value", kw->name);
		return;
	}
	if (!(kw->flags & CFG_MULTI) && argc > 1) {
		cfg_error(p, file, line, "%s: expected one value, got %d",
		    kw->name, argc);
		return;
	}
	if (kw->flags & CFG_MULTI) {
		/* The first time a setting is given replaces its default. */
		if (!(b->set & (1ULL << idx)))
			multi_clear(kw, blk);
		n = (size_t *)((char *)blk + kw->noff);
		for (i = 0; i < argc; i++) {
			dst = multi_append(kw, blk);
			if (cfg_value_parse(kw, argv[i], dst, &cause) == -1) {
				cfg_error(p, file, line,
				    "%s: invalid value '%s': %s", kw->name,
				    argv[i], cause);
				(*n)--;
			}
		}
	} else {
		dst = (char *)blk + kw->off;
		cfg_value_free(kw, dst);
		if (cfg_value_parse(kw, argv[0], dst, &cause) == -1) {
			cfg_error(p, file, line, "%s: invalid value '%s': %s",
			    kw->name, argv[0], cause);
			return;
		}
	}
	b->set |= 1ULL << idx;
	b->kwline[idx] = line;
}

/* Fill a block with its keywords' defaults. */
static void
blk_defaults(const struct cfg_blockdef *bd, void *blk)
{
	const struct cfg_kw	*kw;
	const char		*cause;
	void			*dst;

	for (kw = bd->kws; kw->name != NULL; kw++) {
		if (kw->def == NULL)
			continue;
		dst = (kw->flags & CFG_MULTI) ? multi_append(kw, blk) :
		    (char *)blk + kw->off;
		if (cfg_value_parse(kw, kw->def, dst, &cause) == -1)
			fatalx("default of %s %s: %s", bd->name, kw->name,
			    cause);
	}
}

/* Free what a block owns (not the block itself). */
static void
blk_free(const struct cfg_blockdef *bd, void *blk)
{
	const struct cfg_kw	*kw;

	for (kw = bd->kws; kw->name != NULL; kw++) {
		if (kw->type == CFG_CUSTOM)
			kw->free(blk);
		else if (kw->flags & CFG_MULTI)
			multi_clear(kw, blk);
		else
			cfg_value_free(kw, (char *)blk + kw->off);
	}
	free(((struct cfg_blk *)blk)->file);
}

/* Return 1 if keyword <name> of a block was given in the file. */
int
cfg_kw_isset(const struct cfg_blk *b, const struct cfg_kw *kws,
    const char *name)
{
	const struct cfg_kw	*kw;

	if ((kw = cfg_kw_find(kws, name)) == NULL)
		return (0);
	return ((b->set & (1ULL << (kw - kws))) != 0);
}

/* A config with every default filled in. */
static struct cfg *
cfg_new(const char *file)
{
	const struct cfg_blockdef	*bd;
	struct cfg			*cfg;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->file = xstrdup(file);
	TAILQ_INIT(&cfg->clusters);
	for (bd = cfg_blockdefs; bd->name != NULL; bd++)
		if (!bd->named)
			blk_defaults(bd, (char *)cfg + bd->off);
	return (cfg);
}

/* Free a config. */
void
cfg_free(struct cfg *cfg)
{
	const struct cfg_blockdef	*bd;
	struct cfg_cluster		*cl;

	if (cfg == NULL)
		return;
	for (bd = cfg_blockdefs; bd->name != NULL; bd++) {
		if (!bd->named) {
			blk_free(bd, (char *)cfg + bd->off);
			continue;
		}
		while ((cl = TAILQ_FIRST(&cfg->clusters)) != NULL) {
			TAILQ_REMOVE(&cfg->clusters, cl, entry);
			blk_free(bd, cl);
			free(cl->name);
			free(cl);
		}
	}
	free(cfg->file);
	free(cfg);
}

/* Run the checks; return the config, or NULL if anything was wrong. */
static struct cfg *
cfg_finish(struct cfg_parser *p)
{
	cfg_check(p->cfg, p);
	if (p->nerrors != 0) {
		cfg_free(p->cfg);
		return (NULL);
	}
	return (p->cfg);
}

/*
 * Load a config file. Errors and warnings are appended to <msgs>, which the
 * caller initialises and frees; NULL is returned if there was any error.
 */
struct cfg *
cfg_load(const char *path, struct cfg_msgs *msgs)
{
	struct cfg_parser	p;

	memset(&p, 0, sizeof p);
	p.msgs = msgs;
	p.cfg = cfg_new(path);
	if (parse_file(&p, path, 0) == -1) {
		cfg_free(p.cfg);
		return (NULL);
	}
	return (cfg_finish(&p));
}

/* Load a config from memory, named <name> in messages (for tests). */
struct cfg *
cfg_load_string(const char *name, const char *text, struct cfg_msgs *msgs)
{
	struct cfg_parser	p;
	struct cfg_src		src;

	memset(&p, 0, sizeof p);
	memset(&src, 0, sizeof src);
	p.msgs = msgs;
	p.cfg = cfg_new(name);
	src.path = p.cfg->file;
	src.buf = xstrdup(text);
	src.len = strlen(text);
	src.line = 1;
	p.src = &src;
	p.depth = 1;
	parse_top(&p);
	p.tokline = src.line;
	p.src = NULL;
	free(src.buf);
	return (cfg_finish(&p));
}

/* Print messages, one a line. */
void
cfg_msgs_print(FILE *f, struct cfg_msgs *msgs)
{
	struct cfg_msg	*m;

	TAILQ_FOREACH(m, msgs, entry)
		fprintf(f, "%s\n", m->text);
}

/* Count the errors among the messages. */
int
cfg_msgs_errors(struct cfg_msgs *msgs)
{
	struct cfg_msg	*m;
	int		 n = 0;

	TAILQ_FOREACH(m, msgs, entry)
		n += !m->warning;
	return (n);
}

/* Free messages. */
void
cfg_msgs_free(struct cfg_msgs *msgs)
{
	struct cfg_msg	*m;

	while ((m = TAILQ_FIRST(msgs)) != NULL) {
		TAILQ_REMOVE(msgs, m, entry);
		free(m->text);
		free(m);
	}
}

/*
 * Load the config at start-up: log every message, exit if any is an error.
 * Daemons use this; reload uses cfg_load() and keeps the old config.
 */
struct cfg *
cfg_load_or_die(const char *path)
{
	struct cfg_msgs	 msgs;
	struct cfg_msg	*m;
	struct cfg	*cfg;

	TAILQ_INIT(&msgs);
	cfg = cfg_load(path, &msgs);
	TAILQ_FOREACH(m, &msgs, entry)
		log_warnx("%s", m->text);
	cfg_msgs_free(&msgs);
	if (cfg == NULL)
		fatalx("%s: configuration has errors, not starting", path);
	return (cfg);
}
