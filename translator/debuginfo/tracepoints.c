#include <stdio.h>
/*
 * The target kernel's tracepoints (tracepoints.h): the index of the
 * build tree's trace headers, its cache, and the lookups pass 2 makes.
 *
 * The reader is a small scanner, not a C preprocessor: it follows
 * `#define TRACE_SYSTEM name`, skips every other directive (with its
 * continuation lines: events a macro body generates are not seen), and
 * reads the arguments of the event macros at the top level of a file
 * (TRACE_EVENT(name, TP_PROTO(...), ...) and its relatives), string
 * and character literals and comments skipped.  A `#define A B` where
 * B is an event macro makes A one too (sched.h's
 * DEFINE_EVENT_SCHEDSTAT), the first definition winning.  Events under
 * a configuration option the kernel lacks are indexed all the same: the
 * family checks them against the kernel's BTF.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>
#include "tracepoints.h"

#define CACHE_MAGIC "stap-tracepoints 1\n"

/* The index: events sorted by full name, each once. */
struct tp_index {
	struct vec events;	/* struct tp_event * */
	struct vec names;	/* const char *: each event's full name */
};

/* What an event macro's arguments are. */
enum tp_macro {
	M_NONE,
	M_EVENT,	/* (name, TP_PROTO(...), ...) */
	M_CLASS,	/* (class, TP_PROTO(...), ...) */
	M_DEFINE,	/* (class, name, TP_PROTO(...), ...) */
	M_NOP,		/* declares nothing the kernel has */
};

static const struct {
	const char *name;
	enum tp_macro kind;
} macros[] = {
	{ "TRACE_EVENT", M_EVENT }, { "TRACE_EVENT_FN", M_EVENT },
	{ "TRACE_EVENT_FN_COND", M_EVENT },
	{ "TRACE_EVENT_CONDITION", M_EVENT },
	{ "TRACE_EVENT_SYSCALL", M_EVENT }, { "DECLARE_TRACE", M_EVENT },
	{ "DECLARE_TRACE_CONDITION", M_EVENT },
	{ "DECLARE_EVENT_CLASS", M_CLASS }, { "DEFINE_EVENT", M_DEFINE },
	{ "DEFINE_EVENT_FN", M_DEFINE }, { "DEFINE_EVENT_CONDITION", M_DEFINE },
	{ "DEFINE_EVENT_PRINT", M_DEFINE },
	{ "DEFINE_EVENT_WRITABLE", M_DEFINE }, { "TRACE_EVENT_NOP", M_NOP },
	{ "DEFINE_EVENT_NOP", M_NOP }, { "DECLARE_EVENT_CLASS_NOP", M_NOP },
};

/* A function-like macro of a header, `#define NAME(a, b) body`. */
struct fmacro {
	struct vec params;	/* char * */
	char *body;		/* continuation backslashes blanked */
};

/* The state of reading one header. */
struct reader {
	char *system;		/* the current TRACE_SYSTEM, or NULL */
	struct hash aliases;	/* macro name -> (void *)(enum tp_macro) */
	struct hash classes;	/* class name -> struct tp_event * (its
				 * proto; system and name unused) */
	struct hash objects;	/* name -> char *: object-like macros
				 * that stand for a TP_PROTO(...) */
	struct hash fmacros;	/* name -> struct fmacro *: the file's
				 * function-like macros that may expand
				 * to events */
	struct vec *out;	/* struct tp_event * */
};

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static enum tp_macro macro_kind(struct reader *r, const char *name, size_t n)
{
	char *key = xstrndup(name, n);
	void *v = hash_get(&r->aliases, key);

	free(key);
	if (v)
		return (enum tp_macro)(intptr_t)v;
	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
		if (strlen(macros[i].name) == n &&
		    memcmp(macros[i].name, name, n) == 0)
			return macros[i].kind;
	return M_NONE;
}

/* Skips a comment, string or character literal at p; p unchanged when
 * there is none. */
static const char *skip_lexeme(const char *p, const char *end)
{
	if (p + 1 < end && p[0] == '/' && p[1] == '*') {
		const char *e = p + 2;
		while (e + 1 < end && !(e[0] == '*' && e[1] == '/'))
			e++;
		return e + 1 < end ? e + 2 : end;
	}
	if (p + 1 < end && p[0] == '/' && p[1] == '/') {
		while (p < end && *p != '\n')
			p++;
		return p;
	}
	if (*p == '"' || *p == '\'') {
		char q = *p++;
		while (p < end && *p != q) {
			if (*p == '\\')
				p++;
			p++;
		}
		return p < end ? p + 1 : end;
	}
	return p;
}

/* The end of the directive starting at p (continuation lines joined). */
static const char *directive_end(const char *p, const char *end)
{
	while (p < end && *p != '\n') {
		if (*p == '\\' && p + 1 < end && p[1] == '\n')
			p++;
		const char *q = skip_lexeme(p, end);
		p = q != p ? q : p + 1;
	}
	return p;
}

static const char *call_args(const char *p, const char *end, struct vec *args);

/* `# define NAME(params) body` in text (continuations blanked): kept
 * when its body names an event macro. */
static void function_macro(struct reader *r, char *text)
{
	char *p = strstr(text, "define");
	struct vec params = {0};

	if (!p)
		return;
	p += 6;
	while (*p == ' ')
		p++;
	char *name = p;
	while (is_ident(*p))
		p++;
	if (*p != '(' || p == name)
		return;
	*p = '\0';
	char *key = xstrdup(name);
	*p = '(';
	const char *body = call_args(p, p + strlen(p), &params);
	if (!body || (!strstr(body, "EVENT") && !strstr(body, "TRACE")) ||
	    hash_get(&r->fmacros, key)) {
		for (size_t i = 0; i < params.len; i++)
			free(vec_at(&params, i));
		vec_free(&params);
		free(key);
		return;
	}
	struct fmacro *m = xcalloc(1, sizeof(*m));
	m->params = params;
	m->body = xstrdup(body);
	hash_put(&r->fmacros, key, m);
}

/* `define NAME VALUE` in the directive [p, end): TRACE_SYSTEM or an
 * alias of an event macro. */
static void directive(struct reader *r, const char *p, const char *end)
{
	char word[128], name[128], value[128];
	char *text = xstrndup(p, end - p);

	for (char *c = text; *c; c++)
		if (*c == '\\' || *c == '\n' || *c == '\t')
			*c = ' ';
	if (sscanf(text, " # %127s", word) != 1 || strcmp(word, "define")) {
		free(text);
		return;
	}
	if (sscanf(text, " # define %127s %127s", name, value) != 2 ||
	    strchr(name, '(')) {
		function_macro(r, text);
		free(text);
		return;
	}
	char *rest = strstr(text, name) + strlen(name);
	while (*rest == ' ')
		rest++;
	if (strncmp(rest, "TP_PROTO", 8) == 0 &&
	    !hash_get(&r->objects, name)) {
		hash_put(&r->objects, xstrdup(name), xstrdup(rest));
		free(text);
		return;
	}
	char *v = value + (value[0] == '"');
	v[strcspn(v, "\"")] = '\0';
	if (strcmp(name, "TRACE_SYSTEM") == 0) {
		free(r->system);
		r->system = xstrdup(v);
	} else if (!hash_get(&r->aliases, name)) {
		enum tp_macro k = macro_kind(r, v, strlen(v));
		if (k != M_NONE)
			hash_put(&r->aliases, xstrdup(name),
				 (void *)(intptr_t)k);
	}
	free(text);
}

/* The arguments of the macro call whose '(' is at p, split at the
 * top-level commas and trimmed, into args (char *); returns the end of
 * the call, or NULL when it is unbalanced. */
static const char *call_args(const char *p, const char *end, struct vec *args)
{
	int depth = 0;
	const char *start = p + 1;

	for (; p < end; ) {
		const char *q = skip_lexeme(p, end);
		if (q != p) {
			p = q;
			continue;
		}
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if (*p == ')' || *p == ']' || *p == '}')
			depth--;
		if ((*p == ',' && depth == 1) || depth == 0) {
			const char *a = start, *b = p;
			while (a < b && strchr(" \t\n\\", *a))
				a++;
			while (b > a && strchr(" \t\n\\", b[-1]))
				b--;
			vec_push(args, xstrndup(a, b - a));
			start = p + 1;
		}
		p++;
		if (depth == 0)
			return p;
	}
	return NULL;
}

/* Removes the words of a type that do not change its layout. */
static void drop_qualifiers(char *t)
{
	static const char *const quals[] = {
		"volatile", "__user", "__rcu", "__iomem", "__force",
		"__percpu", "restrict", "__restrict", NULL,
	};
	for (const char *const *q = quals; *q; q++) {
		size_t n = strlen(*q);
		char *s = t;
		while ((s = strstr(s, *q))) {
			if ((s == t || !is_ident(s[-1])) && !is_ident(s[n]))
				memmove(s, s + n, strlen(s + n) + 1);
			else
				s += n;
		}
	}
}

/* Collapses whitespace and writes pointers as "T *". */
static char *tidy_type(const char *t)
{
	struct strbuf sb = {0};
	bool space = false;

	for (; *t; t++) {
		if (strchr(" \t\n", *t)) {
			space = sb.len > 0;
			continue;
		}
		if (*t == '*' && sb.len && sb.buf[sb.len - 1] != '*')
			space = true;
		if (space)
			sb_putc(&sb, ' ');
		space = false;
		sb_putc(&sb, *t);
	}
	return sb.len ? sb_steal(&sb) : xstrdup("int");
}

/* One parameter "struct task_struct *prev" into arg. */
static bool parse_param(char *text, struct tp_arg *arg)
{
	char *fp = strstr(text, "(*");
	char *e, *b;

	drop_qualifiers(text);
	if (fp) {	/* a function pointer: void (*fn)(void *) */
		b = fp + 2;
		while (*b == ' ')
			b++;
		for (e = b; is_ident(*e); e++)
			;
		arg->name = xstrndup(b, e - b);
		arg->type = xstrdup("void *");
		return e > b;
	}
	bool array = false;
	e = text + strlen(text);
	while (e > text && (e[-1] == ' ' || e[-1] == ']')) {
		if (e[-1] == ']') {
			array = true;
			while (e > text && e[-1] != '[')
				e--;
		}
		e--;
	}
	if (e > text && e[-1] == '[')
		e--;
	for (b = e; b > text && is_ident(b[-1]); b--)
		;
	if (b == e)
		return false;
	arg->name = xstrndup(b, e - b);
	char *t = xstrndup(text, b - text);
	char *tt = tidy_type(t);
	arg->type = array ? xasprintf("%s *", tt) : tt;
	if (array)
		free(tt);
	free(t);
	return true;
}

size_t tp_parse_proto(const char *text, size_t len, struct tp_arg **out)
{
	struct vec params = {0};
	char *call = xasprintf("(%.*s)", (int)len, text);
	size_t n = 0;

	*out = NULL;
	if (!call_args(call, call + strlen(call), &params))
		goto out;
	if (params.len == 1 && (strcmp(vec_at(&params, 0), "void") == 0 ||
				!*(char *)vec_at(&params, 0)))
		goto out;
	*out = xcalloc(params.len, sizeof(**out));
	for (size_t i = 0; i < params.len; i++) {
		if (!parse_param(vec_at(&params, i), &(*out)[n]))
			break;
		n++;
	}
	if (n != params.len) {	/* not a prototype we can read */
		free(*out);
		*out = NULL;
		n = (size_t)-1;
	}
out:
	for (size_t i = 0; i < params.len; i++)
		free(vec_at(&params, i));
	vec_free(&params);
	free(call);
	return n;
}

/* TP_PROTO(...) as text (or a macro standing for it, or PARAMS() of
 * it), parsed into ev; false when it is not one. */
static bool proto(struct reader *r, const char *arg, struct tp_event *ev)
{
	const char *p = hash_get(&r->objects, arg);

	p = p ? p : arg;
	if (strncmp(p, "PARAMS(", 7) == 0)
		p += 7;

	if (strncmp(p, "TP_PROTO", 8) != 0)
		return false;
	p += 8;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\')
		p++;
	size_t n = strlen(p);
	while (n && strchr(" \t\n\\", p[n - 1]))
		n--;
	if (arg != p && strncmp(arg, "PARAMS(", 7) == 0 && n)
		n--;	/* PARAMS's own ')' */
	while (n && strchr(" \t\n\\", p[n - 1]))
		n--;
	if (*p != '(' || n < 2 || p[n - 1] != ')')
		return false;
	n = tp_parse_proto(p + 1, n - 2, &ev->args);
	if (n == (size_t)-1)
		return false;
	ev->nargs = n;
	return true;
}

static void add_event(struct reader *r, const char *name, const struct tp_event *pr)
{
	struct tp_event *ev;

	if (!r->system || !is_ident(*name))
		return;
	ev = xcalloc(1, sizeof(*ev));
	ev->system = xstrdup(r->system);
	ev->name = xstrdup(name);
	ev->full = xasprintf("%s:%s", ev->system, ev->name);
	ev->nargs = pr->nargs;
	ev->args = pr->args;
	vec_push(r->out, ev);
}

/* An event macro of kind k with arguments args. */
static void event_macro(struct reader *r, enum tp_macro k, struct vec *args)
{
	struct tp_event pr = {0};
	const char *a0 = args->len > 0 ? vec_at(args, 0) : "";
	const char *a1 = args->len > 1 ? vec_at(args, 1) : "";

	switch (k) {
	case M_EVENT:
		if (proto(r, a1, &pr))
			add_event(r, a0, &pr);
		return;
	case M_CLASS:
		if (proto(r, a1, &pr)) {
			struct tp_event *c = xmalloc(sizeof(*c));
			*c = pr;
			hash_put(&r->classes, xstrdup(a0), c);
		}
		return;
	case M_DEFINE:
		if (args->len > 2 && proto(r, vec_at(args, 2), &pr)) {
			add_event(r, a1, &pr);
		} else {
			const struct tp_event *c = hash_get(&r->classes, a0);
			if (c)
				add_event(r, a1, c);
		}
		return;
	default:
		return;
	}
}

static void scan(struct reader *r, const char *p, const char *end, int depth);

/* The body of m with its parameters replaced by args and `##` pasted. */
static char *expand(const struct fmacro *m, const struct vec *args)
{
	struct strbuf sb = {0};
	const char *p = m->body;

	while (*p) {
		if (p[0] == '#' && p[1] == '#') {
			while (sb.len && sb.buf[sb.len - 1] == ' ')
				sb.buf[--sb.len] = '\0';
			for (p += 2; *p == ' '; p++)
				;
			continue;
		}
		if (!is_ident(*p)) {
			const char *q = skip_lexeme(p, p + strlen(p));
			q = q != p ? q : p + 1;
			sb_add(&sb, p, q - p);
			p = q;
			continue;
		}
		const char *w = p;
		while (is_ident(*p))
			p++;
		size_t i;
		for (i = 0; i < m->params.len; i++) {
			const char *pn = vec_at(&m->params, i);
			if (strlen(pn) == (size_t)(p - w) &&
			    memcmp(pn, w, p - w) == 0)
				break;
		}
		if (i < m->params.len && i < args->len)
			sb_puts(&sb, vec_at(args, i));
		else
			sb_add(&sb, w, p - w);
	}
	return sb_steal(&sb);
}

/* A call of a macro at [w, p) (an event macro, or a function-like
 * macro of the file to expand and scan); the end of the call. */
static const char *macro_call(struct reader *r, const char *w, const char *p,
			      const char *end, int depth)
{
	char *key = xstrndup(w, p - w);
	enum tp_macro k = macro_kind(r, w, p - w);
	struct fmacro *m = k == M_NONE ? hash_get(&r->fmacros, key) : NULL;
	const char *b = p, *e = NULL;
	struct vec args = {0};

	free(key);
	if (k == M_NONE && (!m || depth > 8))
		return p;
	while (b < end && strchr(" \t\n", *b))
		b++;
	if (b >= end || *b != '(' || !(e = call_args(b, end, &args)))
		e = p;
	else if (k != M_NONE)
		event_macro(r, k, &args);
	else {
		char *text = expand(m, &args);
		scan(r, text, text + strlen(text), depth + 1);
		free(text);
	}
	for (size_t i = 0; i < args.len; i++)
		free(vec_at(&args, i));
	vec_free(&args);
	return e;
}

/* Scans [p, end) of a header (or a macro's expansion) for events. */
static void scan(struct reader *r, const char *p, const char *end, int depth)
{
	bool line_start = true;

	while (p < end) {
		const char *q = skip_lexeme(p, end);
		if (q != p) {
			p = q;
			continue;
		}
		char c = *p;
		if (c == '\n') {
			line_start = true;
			p++;
			continue;
		}
		if (c == ' ' || c == '\t') {
			p++;
			continue;
		}
		if (c == '#' && line_start && !depth) {
			const char *e = directive_end(p, end);
			directive(r, p, e);
			p = e;
			continue;
		}
		line_start = false;
		if (!is_ident(c)) {
			p++;
			continue;
		}
		const char *w = p;
		while (p < end && is_ident(*p))
			p++;
		p = macro_call(r, w, p, end, depth);
	}
}

/* Reads one header's events into out. */
static void read_header(const char *text, size_t len, struct vec *out)
{
	struct reader r = { .out = out };

	scan(&r, text, text + len, 0);
	free(r.system);
	hash_free(&r.aliases);
	hash_free(&r.classes);	/* the classes' protos stay: events
				 * share them */
	hash_free(&r.fmacros);
	hash_free(&r.objects);
}

/* ---- the header files ------------------------------------------------ */

static bool has_trace_headers(const char *root)
{
	char *d = xasprintf("%s/include/trace/events", root);
	struct stat st;
	bool ok = stat(d, &st) == 0 && S_ISDIR(st.st_mode);

	free(d);
	return ok;
}

/* The source tree holding the build tree's headers: the build tree
 * itself, its "source" link, or what Debian's build Makefile includes
 * ("include /usr/src/linux-headers-R-common/Makefile"). */
static char *header_root(struct session *s)
{
	const char *build = s->kernel_build_tree;
	char *cand, *mk, *inc;
	size_t len;

	if (!build)
		return NULL;
	if (has_trace_headers(build))
		return xstrdup(build);
	cand = xasprintf("%s/source", build);
	if (has_trace_headers(cand))
		return cand;
	free(cand);
	cand = xasprintf("/lib/modules/%s/source", s->kernel_release);
	if (has_trace_headers(cand))
		return cand;
	free(cand);
	mk = xasprintf("%s/Makefile", build);
	char *text = read_file(mk, &len);
	free(mk);
	cand = NULL;
	for (char *l = text; l && (inc = strstr(l, "include ")); l = inc + 8) {
		char path[4096];
		if ((inc == text || inc[-1] == '\n') &&
		    sscanf(inc + 8, "%4095s", path) == 1) {
			char *slash = strrchr(path, '/');
			if (slash && strcmp(slash, "/Makefile") == 0) {
				*slash = '\0';
				if (has_trace_headers(path)) {
					cand = xstrdup(path);
					break;
				}
			}
		}
	}
	free(text);
	return cand;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The header files (char *, paths, sorted) and a hash of their names,
 * sizes and times. */
static uint64_t header_files(const char *root, struct vec *out)
{
	static const char *const dirs[] = {
		"include/trace/events", "arch/x86/include/asm/trace",
		"include/ras", "arch/x86/include/asm",
	};
	uint64_t h = hash_bytes(root, strlen(root), 1);

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *dir = xasprintf("%s/%s", root, dirs[i]);
		DIR *d = opendir(dir);
		struct dirent *de;
		size_t first = out->len;
		while (d && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n > 2 && strcmp(de->d_name + n - 2, ".h") == 0 &&
			    (i < 3 || strstr(de->d_name, "trace")))
				vec_push(out, xasprintf("%s/%s", dir,
							de->d_name));
		}
		if (d)
			closedir(d);
		qsort(out->items + first, out->len - first, sizeof(void *),
		      by_string);
		free(dir);
	}
	for (size_t i = 0; i < out->len; i++) {
		struct stat st;
		const char *f = vec_at(out, i);
		uint64_t meta[2] = { 0, 0 };
		if (stat(f, &st) == 0) {
			meta[0] = (uint64_t)st.st_size;
			meta[1] = (uint64_t)st.st_mtime;
		}
		h = hash_bytes(f, strlen(f), h);
		h = hash_bytes(meta, sizeof(meta), h);
	}
	return h;
}

static int by_full(const void *a, const void *b)
{
	const struct tp_event *x = *(struct tp_event *const *)a;
	const struct tp_event *y = *(struct tp_event *const *)b;
	return strcmp(x->full, y->full);
}

/* Sorts the events and drops repeats; fills the names. */
static struct tp_index *finish(struct vec *events)
{
	struct tp_index *ix = xcalloc(1, sizeof(*ix));

	if (events->len)
		qsort(events->items, events->len, sizeof(void *), by_full);
	for (size_t i = 0; i < events->len; i++) {
		struct tp_event *ev = vec_at(events, i);
		if (ix->events.len &&
		    strcmp(ev->full, ((struct tp_event *)vec_at(
			    &ix->events, ix->events.len - 1))->full) == 0)
			continue;
		vec_push(&ix->events, ev);
		vec_push(&ix->names, (void *)ev->full);
	}
	vec_free(events);
	return ix;
}

static struct tp_index *index_headers(const struct vec *files)
{
	struct vec events = {0};

	for (size_t i = 0; i < files->len; i++) {
		size_t len;
		char *text = read_file(vec_at(files, i), &len);
		if (!text)
			continue;
		read_header(text, len, &events);
		free(text);
	}
	return finish(&events);
}

/* ---- the cache ------------------------------------------------------- */

static char *cache_file(struct session *s, uint64_t ident)
{
	return xasprintf("%s/tracepoints/%s-%016llx", s->cache_dir,
			 s->kernel_release, (unsigned long long)ident);
}

static void store_cached(struct session *s, uint64_t ident,
			 const struct tp_index *ix)
{
	char *path = cache_file(s, ident);
	char *dir = xasprintf("%s/tracepoints", s->cache_dir);
	struct strbuf sb = {0};

	sb_puts(&sb, CACHE_MAGIC);
	for (size_t i = 0; i < ix->events.len; i++) {
		const struct tp_event *ev = vec_at(&ix->events, i);
		sb_printf(&sb, "E %s %s %zu\n", ev->system, ev->name,
			  ev->nargs);
		for (size_t j = 0; j < ev->nargs; j++)
			sb_printf(&sb, "A %s %s\n", ev->args[j].name,
				  ev->args[j].type);
	}
	if (mkdir_p(dir))
		write_file_atomic(path, sb.buf, sb.len);
	sb_free(&sb);
	free(dir);
	free(path);
}

/* The cached index of build ident, or NULL. */
static struct tp_index *load_cached(struct session *s, uint64_t ident)
{
	char *path = cache_file(s, ident);
	size_t len, m = strlen(CACHE_MAGIC);
	char *data = read_file(path, &len);
	struct vec events = {0};
	struct tp_event *ev = NULL;
	size_t argi = 0;

	if (data)
		utime(path, NULL);
	free(path);
	if (!data || len < m || memcmp(data, CACHE_MAGIC, m) != 0) {
		free(data);
		return NULL;
	}
	for (char *l = data + m, *nl; l < data + len; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (l[0] == 'E') {
			char *sys = l + 2, *name = strchr(sys, ' ');
			*name++ = '\0';
			char *num = strchr(name, ' ');
			*num++ = '\0';
			ev = xcalloc(1, sizeof(*ev));
			ev->system = sys;
			ev->name = name;
			ev->full = xasprintf("%s:%s", sys, name);
			ev->nargs = strtoul(num, NULL, 10);
			ev->args = xcalloc(ev->nargs + 1, sizeof(*ev->args));
			argi = 0;
			vec_push(&events, ev);
		} else if (l[0] == 'A' && ev && argi < ev->nargs) {
			char *name = l + 2, *type = strchr(name, ' ');
			*type++ = '\0';
			ev->args[argi].name = name;
			ev->args[argi++].type = type;
		}
	}
	return finish(&events);	/* data stays: the strings live in it */
}

/* ---- the lookups ----------------------------------------------------- */

static struct tp_index *loaded;
static bool tried;
static char *missing;

const struct tp_index *target_tracepoints(struct session *s)
{
	struct vec files = {0};

	if (tried)
		return loaded;
	tried = true;
	char *root = header_root(s);
	if (!root) {
		missing = xasprintf("the build tree %s has no trace headers "
				    "(include/trace/events)",
				    s->kernel_build_tree ? s->kernel_build_tree
				    : "of the target kernel");
		return NULL;
	}
	uint64_t ident = header_files(root, &files);
	loaded = load_cached(s, ident);
	if (!loaded) {
		loaded = index_headers(&files);
		store_cached(s, ident, loaded);
	}
	for (size_t i = 0; i < files.len; i++)
		free(vec_at(&files, i));
	vec_free(&files);
	free(root);
	return loaded;
}

const char *tracepoints_missing_reason(struct session *s)
{
	(void)s;
	return missing ? missing : "no tracepoints";
}

void tp_match(const struct tp_index *ix, const char *sys, const char *name,
	      struct vec *out)
{
	for (size_t i = 0; i < ix->events.len; i++) {
		const struct tp_event *ev = vec_at(&ix->events, i);
		if ((!sys || fnmatch(sys, ev->system, 0) == 0) &&
		    fnmatch(name, ev->name, 0) == 0)
			vec_push(out, (void *)ev);
	}
}

const struct vec *tp_names(const struct tp_index *ix)
{
	return &ix->names;
}
