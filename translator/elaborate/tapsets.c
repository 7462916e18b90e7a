/*
 * Lazy tapset loading: the search path, the name index and on-demand
 * parsing.  The index is built by scanning each file's lines for
 * `function NAME`, `global NAME, ...` (not private) and `probe
 * NAME... =` / `+=` at the start of a line;
 * it may over-approximate (a name in a comment) but a file is then
 * merely parsed without need.  Directories are searched most specific
 * first: <dir>/<kernel version>, <dir>/<arch>, <dir>/linux, <dir>; the
 * first file defining a name wins.  The *.stpm macro libraries of the
 * same path are indexed and read on pass 1's demand (at the end).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "parse/parse.h"
#include "parse/preprocess.h"
#include "session.h"
#include "tapsets.h"

struct tapset_file {
	char *path;
	struct file *parsed;	/* NULL until needed */
};

struct tapsets {
	struct session *s;
	struct vec files;	/* struct tapset_file *, search order */
	struct hash functions;	/* name -> struct vec * of tapset_file */
	struct hash aliases;	/* first component -> struct vec * */
	struct hash globals;	/* public global -> struct vec * */
	int parsed;
};

static void index_name(struct hash *h, char *name, struct tapset_file *f)
{
	struct vec *v = hash_get(h, name);
	if (!v) {
		v = xcalloc(1, sizeof(*v));
		hash_put(h, name, v);
	} else {
		free(name);	/* the key already in the table is kept */
	}
	for (size_t i = 0; i < v->len; i++)
		if (vec_at(v, i) == f)
			return;
	vec_push(v, f);
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t ident_len(const char *p)
{
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* `probe a.b, c.d = ...`: indexes first components a and c. */
static void scan_probe_line(struct tapsets *t, const char *p,
			    struct tapset_file *f)
{
	const char *eq = strchr(p, '=');
	const char *brace = strchr(p, '{');
	if (!eq || eq[1] == '=' || (brace && brace < eq))
		return;
	while (p < eq) {
		p = skip_space(p);
		size_t n = ident_len(p);
		if (n)
			index_name(&t->aliases, xstrndup(p, n), f);
		const char *comma = memchr(p, ',', (size_t)(eq - p));
		if (!comma)
			break;
		p = comma + 1;
	}
}

/* `global a, b[10], c% = 1`: indexes a, b and c. */
static void scan_global_line(struct tapsets *t, const char *p,
			     struct tapset_file *f)
{
	for (;;) {
		p = skip_space(p);
		size_t n = ident_len(p);
		if (!n)
			return;
		index_name(&t->globals, xstrndup(p, n), f);
		p = strchr(p + n, ',');
		if (!p)
			return;
		p++;
	}
}

static void scan_file(struct tapsets *t, struct tapset_file *f)
{
	char *text = read_file(f->path, NULL);
	if (!text)
		return;
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		const char *p = skip_space(line);
		bool private_ = false;
		if (strncmp(p, "private", 7) == 0 && isspace((unsigned char)p[7])) {
			p = skip_space(p + 7);
			private_ = true;
		}
		if (strncmp(p, "global", 6) == 0 && isspace((unsigned char)p[6])) {
			if (!private_)
				scan_global_line(t, p + 6, f);
		} else if (strncmp(p, "function", 8) == 0 && isspace((unsigned char)p[8])) {
			p = skip_space(p + 8);
			size_t n = ident_len(p);
			if (n)
				index_name(&t->functions, xstrndup(p, n), f);
		} else if (strncmp(p, "probe", 5) == 0 &&
			   isspace((unsigned char)p[5])) {
			scan_probe_line(t, p + 5, f);
		}
		line = next;
	}
	free(text);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Calls fn(ctx, path) on each file of dir whose name ends in ext, in
 * name order. */
static void each_file(const char *dir, const char *ext,
		      void (*fn)(void *ctx, char *path), void *ctx)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, by_name);
	size_t elen = strlen(ext);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);
		if (len > elen && strcmp(name + len - elen, ext) == 0)
			fn(ctx, xasprintf("%s/%s", dir, name));
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

static void add_file(void *ctx, char *path)
{
	struct tapsets *t = ctx;
	struct tapset_file *f = xcalloc(1, sizeof(*f));
	f->path = path;
	vec_push(&t->files, f);
	scan_file(t, f);
}

/* Adds dir's *.stp files to the index. */
static void add_dir(void *ctx, const char *dir)
{
	each_file(dir, ".stp", add_file, ctx);
}

/* Calls fn on each directory of the search path, most specific first:
 * for the tapset directory, then each -I directory,
 * <dir>/6.12.117, <dir>/6.12, <dir>/6, <dir>/x86_64, <dir>/linux, <dir> */
static void each_search_dir(struct session *s,
			    void (*fn)(void *ctx, const char *dir), void *ctx)
{
	for (size_t d = 0; d <= s->include_dirs.len; d++) {
		const char *dir = d ? vec_at(&s->include_dirs, d - 1)
				    : s->tapset_dir;
		if (!dir)
			continue;
		const char *rel = s->kernel_release ? s->kernel_release : "";
		size_t vlen = strspn(rel, "0123456789.");
		while (vlen > 0) {
			char *sub = xasprintf("%s/%.*s", dir, (int)vlen, rel);
			fn(ctx, sub);
			free(sub);
			while (vlen > 0 && rel[vlen - 1] != '.')
				vlen--;
			if (vlen > 0)
				vlen--;
		}
		if (s->arch) {
			char *sub = xasprintf("%s/%s", dir, s->arch);
			fn(ctx, sub);
			free(sub);
		}
		char *linux_dir = xasprintf("%s/linux", dir);
		fn(ctx, linux_dir);
		free(linux_dir);
		fn(ctx, dir);
	}
}

struct tapsets *tapsets_open(struct session *s)
{
	struct tapsets *t = xcalloc(1, sizeof(*t));
	t->s = s;
	each_search_dir(s, add_dir, t);
	return t;
}

static void load(struct tapsets *t, struct vec *files, struct vec *out)
{
	for (size_t i = 0; files && i < files->len; i++) {
		struct tapset_file *f = vec_at(files, i);
		if (f->parsed)
			continue;
		f->parsed = parse_path(t->s, f->path, true);
		if (!f->parsed)
			continue;
		t->parsed++;
		vec_push(out, f->parsed);
	}
}

void tapsets_for_function(struct tapsets *t, const char *name, struct vec *out)
{
	load(t, hash_get(&t->functions, name), out);
}

void tapsets_for_alias(struct tapsets *t, const char *first, struct vec *out)
{
	load(t, hash_get(&t->aliases, first), out);
}

void tapsets_for_global(struct tapsets *t, const char *name, struct vec *out)
{
	load(t, hash_get(&t->globals, name), out);
}

void tapsets_parse_all(struct tapsets *t, struct vec *out)
{
	for (size_t i = 0; i < t->files.len; i++) {
		struct tapset_file *f = vec_at(&t->files, i);
		if (!f->parsed && (f->parsed = parse_path(t->s, f->path, true)))
			t->parsed++;
		if (f->parsed)
			vec_push(out, f->parsed);
	}
}

void tapsets_names(const struct tapsets *t, bool functions, struct vec *out)
{
	const struct hash *h = functions ? &t->functions : &t->aliases;
	for (size_t i = 0; i < h->cap; i++)
		if (h->keys[i])
			vec_push(out, (void *)h->keys[i]);
}

int tapsets_indexed(const struct tapsets *t)
{
	return (int)t->files.len;
}

int tapsets_parsed(const struct tapsets *t)
{
	return t->parsed;
}

void tapsets_close(struct tapsets *t)
{
	free(t);	/* parsed files stay: the program points into them */
}

/*
 * Macro libraries: the *.stpm files of the same search path define
 * @macros that every script and tapset sees.  Pass 1 asks for one only
 * when a file uses an @name that nothing defined; the first time, the
 * .stpm files are indexed by a scan for `@define NAME`, and a file is
 * read (all its @define's at once) when a name it defines is wanted.
 * A script that uses no library macro reads none of them.
 */
struct macro_file {
	char *path;
	bool loaded;
};

static struct hash macro_index;	/* name -> struct macro_file *, first wins */
static bool macros_indexed;

static void scan_macro_file(struct macro_file *f)
{
	char *text = read_file(f->path, NULL);
	for (const char *p = text; p && (p = strstr(p, "@define"));) {
		p = skip_space(p + 7);
		size_t n = ident_len(p);
		char *name = xstrndup(p, n);
		if (n && !hash_get(&macro_index, name))
			hash_put(&macro_index, name, f);
		else
			free(name);
		p += n;
	}
	free(text);
}

static void add_macro_file(void *ctx, char *path)
{
	struct macro_file *f = xcalloc(1, sizeof(*f));
	(void)ctx;
	f->path = path;
	scan_macro_file(f);
}

static void add_macro_dir(void *ctx, const char *dir)
{
	each_file(dir, ".stpm", add_macro_file, ctx);
}

bool tapset_macro_load(struct session *s, const char *name)
{
	if (!s)
		return false;
	if (!macros_indexed) {
		macros_indexed = true;
		each_search_dir(s, add_macro_dir, NULL);
	}
	struct macro_file *f = hash_get(&macro_index, name);
	if (!f || f->loaded)
		return false;
	f->loaded = true;
	struct source *src = xcalloc(1, sizeof(*src));
	src->name = f->path;
	src->text = read_file(f->path, &src->len);
	if (!src->text)
		return false;
	pp_load_library_macros(s, src);
	return true;
}
