/*
 * tapset-man: man pages from the tapset library's doc comments.
 *
 *   tapset-man [--strict] [--version V] [-o DIR] FILE|DIR...
 *
 * Reads each tapset file (*.stp; a directory: its *.stp files, sorted),
 * finds every public `function` and probe alias with a cheap scanner
 * (embedded C, comments and strings skipped; bodies skipped by brace
 * counting) and the kernel-doc comment before it (tapsets/README):
 *
 *   / **                                (no space)
 *    * sfunction execname - The name of the current process
 *    * @arg: what it means
 *    *
 *    * Description: free text; more sections as "Heading: text"
 *    * /
 *
 * With -o it writes DIR/function::NAME.3stap, DIR/probe::NAME.3stap and
 * one DIR/tapset::FILE.3stap per file.  --strict lists every public
 * function or alias without a doc comment, every documented one whose
 * comment leaves out a parameter (a variable the alias sets), and every
 * comment naming something
 * that does not follow it, and then exits 1.  Names starting with "_"
 * and `private` ones are internal and need no comment.
 *
 * The file is organised as: the scanner (struct scan), the doc comment
 * parser (parse_doc), the declaration readers (read_function,
 * read_probe), then the page writers (page_*).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- small helpers ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		perror("tapset-man");
		exit(2);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* A growable string. */
struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static char *buf_steal(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	memset(b, 0, sizeof(*b));
	return s;
}

/* A growable array of pointers. */
struct vec {
	void **v;
	size_t len;
};

static void vec_push(struct vec *v, void *p)
{
	v->v = xrealloc(v->v, (v->len + 1) * sizeof(void *));
	v->v[v->len++] = p;
}

static int problems;	/* --strict findings and errors */

static void complain(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	problems++;
}

/* ---- the data ---- */

/* One "Heading: text" section of a doc comment; text keeps its blank
 * lines (paragraph breaks) as "\n\n". */
struct section {
	char *heading;
	char *text;
};

/* A parsed doc comment. */
struct doc {
	char *kind;		/* "function", "sfunction" or "probe" */
	char *name;
	char *summary;
	struct vec params;	/* struct section *: heading = @name */
	struct vec sections;	/* struct section * */
	int line;
};

/* A documented thing: a function (its overloads' signatures) or a
 * probe alias (its names and the variables its body sets). */
struct entry {
	bool probe;
	char *name;
	char *file;		/* tapset name, "signal" */
	char *path;
	int line;
	struct vec sigs;	/* char *: "execname:string ()" */
	struct vec params;	/* char *: parameter names, all overloads */
	struct vec vars;	/* char *: an alias's variables */
	bool string;		/* a function declared :string */
	struct doc *doc;
};

/* One tapset file: its leading comment and its entries in order. */
struct tapset {
	char *name;
	char *intro;		/* the file's opening comment, or NULL */
	struct vec entries;	/* struct entry * (not owned) */
};

static struct vec all_entries;	/* struct entry *, first declaration */
static struct vec all_tapsets;	/* struct tapset * */

static struct entry *find_entry(bool probe, const char *name)
{
	for (size_t i = 0; i < all_entries.len; i++) {
		struct entry *e = all_entries.v[i];
		if (e->probe == probe && !strcmp(e->name, name))
			return e;
	}
	return NULL;
}

static void add_unique(struct vec *v, const char *s, size_t n)
{
	for (size_t i = 0; i < v->len; i++)
		if (strlen(v->v[i]) == n && !strncmp(v->v[i], s, n))
			return;
	vec_push(v, xstrndup(s, n));
}

/* ---- the scanner ---- */

/* A position in one file's text. */
struct scan {
	const char *path;
	const char *text;
	const char *p;
	struct doc *pending;	/* the last doc comment, not yet used */
	char *intro;		/* the file's leading comment */
	bool seen_code;		/* anything but comments so far */
};

static int line_of(const struct scan *sc, const char *at)
{
	int n = 1;
	for (const char *q = sc->text; q < at; q++)
		n += *q == '\n';
	return n;
}

static struct doc *parse_doc(struct scan *sc, const char *body, size_t n);

/* The file's leading comment: "// a\n// b" or a plain block comment,
 * as text. */
static void note_intro(struct scan *sc, const char *s, size_t n, bool line)
{
	struct buf b = {0};
	if (sc->seen_code || (sc->intro && !line))
		return;
	if (sc->intro) {
		buf_puts(&b, sc->intro);
		free(sc->intro);
	}
	while (n && (*s == ' ' || *s == '*'))
		s++, n--;
	buf_add(&b, s, n);
	buf_puts(&b, "\n");
	sc->intro = buf_steal(&b);
}

/* Skips a comment, a string or %{ ... %} at sc->p; whether it did.
 * A doc comment becomes sc->pending. */
static bool skip_noise(struct scan *sc)
{
	const char *p = sc->p, *end;

	if (p[0] == '/' && p[1] == '/') {
		end = strchr(p, '\n');
		end = end ? end : p + strlen(p);
		note_intro(sc, p + 2, end - p - 2, true);
	} else if (p[0] == '#') {
		end = strchr(p, '\n');
		end = end ? end : p + strlen(p);
	} else if (p[0] == '/' && p[1] == '*') {
		end = strstr(p + 2, "*/");
		end = end ? end + 2 : p + strlen(p);
		if (p[2] == '*' && p[3] != '/') {
			sc->pending = parse_doc(sc, p + 3, end - p - 5);
			sc->seen_code = true;
		} else if (!sc->seen_code && !sc->intro) {
			struct buf b = {0};
			for (const char *q = p + 2; q < end - 2;) {
				const char *nl = memchr(q, '\n', end - 2 - q);
				nl = nl ? nl : end - 2;
				while (q < nl && (*q == ' ' || *q == '\t' ||
						  *q == '*'))
					q++;
				buf_add(&b, q, nl - q);
				buf_puts(&b, "\n");
				q = nl + 1;
			}
			sc->intro = buf_steal(&b);
		}
	} else if (p[0] == '%' && p[1] == '{') {
		end = strstr(p + 2, "%}");
		end = end ? end + 2 : p + strlen(p);
		sc->seen_code = true;
	} else if (p[0] == '"') {
		for (end = p + 1; *end && *end != '"'; end++)
			if (*end == '\\' && end[1])
				end++;
		end += *end == '"';
	} else {
		return false;
	}
	sc->p = end;
	return true;
}

/* Skips white space and noise. */
static void skip_blank(struct scan *sc)
{
	for (;;) {
		while (isspace((unsigned char)*sc->p))
			sc->p++;
		if (!skip_noise(sc))
			return;
	}
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The identifier at sc->p (may be empty), advancing past it. */
static size_t ident(struct scan *sc, const char **start)
{
	*start = sc->p;
	while (is_ident(*sc->p))
		sc->p++;
	return sc->p - *start;
}

/* Skips a balanced { ... } at sc->p; with vars, records each
 * `NAME =` (not ==) statement at the body's top level. */
static void skip_body(struct scan *sc, struct vec *vars)
{
	int depth = 0;
	bool stmt_start = true;

	do {
		const char *before = sc->p;
		skip_blank(sc);
		if (memchr(before, '\n', sc->p - before))
			stmt_start = true;	/* a newline ends a statement */
		char c = *sc->p;
		if (!c)
			return;
		if (c == '{' || c == '}') {
			depth += c == '{' ? 1 : -1;
			sc->p++;
			stmt_start = true;
			continue;
		}
		if (c == ';') {
			sc->p++;
			stmt_start = true;
			continue;
		}
		if (is_ident(c)) {
			const char *id;
			size_t n = ident(sc, &id);
			const char *q = sc->p;
			while (*q == ' ' || *q == '\t')
				q++;
			if (vars && stmt_start && depth == 1 &&
			    !isdigit((unsigned char)*id) && q[0] == '=' &&
			    q[1] != '=' && id[0] != '_')
				add_unique(vars, id, n);
			stmt_start = false;
			continue;
		}
		sc->p++;
	} while (depth > 0);
}

/* Whitespace-collapsed text between a and b. */
static char *squeeze(const char *a, const char *b)
{
	struct buf out = {0};
	bool space = false;
	for (; a < b; a++) {
		if (isspace((unsigned char)*a)) {
			space = out.len > 0;
			continue;
		}
		if (space && *a != ')' && *a != ',' && *a != ':' &&
		    out.s[out.len - 1] != '(' && out.s[out.len - 1] != ':')
			buf_puts(&out, " ");
		space = false;
		buf_add(&out, a, 1);
	}
	return buf_steal(&out);
}

/* ---- doc comments ---- */

static char *trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static void append_text(char **to, const char *line)
{
	struct buf b = {0};
	buf_puts(&b, *to ? *to : "");
	if (b.len && b.s[b.len - 1] != '\n')
		buf_puts(&b, " ");
	buf_puts(&b, line);
	free(*to);
	*to = buf_steal(&b);
}

static struct section *new_section(const char *heading, const char *text)
{
	struct section *s = xrealloc(NULL, sizeof(*s));
	s->heading = xstrdup(heading);
	s->text = xstrdup(text);
	return s;
}

/* "Description: text" -> heading "Description"; NULL if the line is
 * not a heading (one to three capitalised words then a colon). */
static char *heading_of(const char *line, const char **rest)
{
	const char *p = line;
	int words = 0;
	if (!isupper((unsigned char)*p))
		return NULL;
	while (*p && *p != ':') {
		if (*p == ' ')
			words++;
		else if (!isalpha((unsigned char)*p) && *p != '-')
			return NULL;
		p++;
	}
	if (*p != ':' || words > 2 || (p[1] && p[1] != ' '))
		return NULL;
	*rest = p[1] ? p + 2 : p + 1;
	return xstrndup(line, p - line);
}

/* One line of the comment: what follows the " * ". */
static char *doc_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', end - *p);
	const char *q = *p, *e = nl ? nl : end;
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	if (q < e && *q == '*')
		q++;
	if (q < e && *q == ' ')
		q++;
	*p = nl ? nl + 1 : end;
	return trim(q, e - q);
}

static struct doc *parse_doc(struct scan *sc, const char *body, size_t n)
{
	struct doc *d = calloc(1, sizeof(*d));
	const char *p = body, *end = body + n;
	char **cur = NULL;	/* the text a continuation line extends */
	bool blank = false;

	d->line = line_of(sc, body);
	while (p < end) {
		char *l = doc_line(&p, end), *h;
		const char *rest;
		if (!d->kind) {
			char kind[16], name[256];
			int used = 0;
			if (!*l) {
				free(l);
				continue;
			}
			if (sscanf(l, "%15s %255s -%n", kind, name, &used) < 2 ||
			    !used || (strcmp(kind, "function") &&
				      strcmp(kind, "sfunction") &&
				      strcmp(kind, "probe"))) {
				complain(sc->path, d->line, "a doc comment "
					 "starts \"function NAME - summary\", "
					 "\"sfunction ...\" or \"probe ...\"");
				free(l);
				free(d);
				return NULL;
			}
			d->kind = xstrdup(kind);
			d->name = xstrdup(name);
			d->summary = trim(l + used, strlen(l + used));
			cur = &d->summary;
		} else if (!*l) {
			blank = true;
		} else if (l[0] == '@' && strchr(l, ':')) {
			char *colon = strchr(l, ':');
			struct section *s;
			*colon = '\0';
			s = new_section(l + 1, "");
			free(s->text);
			s->text = trim(colon + 1, strlen(colon + 1));
			vec_push(&d->params, s);
			cur = &s->text;
			blank = false;
		} else if ((h = heading_of(l, &rest))) {
			struct section *s = new_section(h, rest);
			free(h);
			vec_push(&d->sections, s);
			cur = &s->text;
			blank = false;
		} else {
			if (!cur || cur == &d->summary || blank) {
				if (!d->sections.len || cur == &d->summary ||
				    (cur && d->params.len &&
				     cur == &((struct section *)d->params.v
					      [d->params.len - 1])->text)) {
					vec_push(&d->sections,
						 new_section("Description", ""));
				} else if (blank) {
					append_text(&((struct section *)
						      d->sections.v[d->sections
						      .len - 1])->text, "\n");
				}
				cur = &((struct section *)
					d->sections.v[d->sections.len - 1])->text;
			}
			append_text(cur, l);
			blank = false;
		}
		free(l);
	}
	if (!d->kind) {
		complain(sc->path, d->line, "an empty doc comment");
		free(d);
		return NULL;
	}
	return d;
}

/* ---- declarations ---- */

/* Attaches the pending doc comment to e if it names it. */
static void take_doc(struct scan *sc, struct entry *e, const struct vec *names)
{
	struct doc *d = sc->pending;
	bool match = false;

	sc->pending = NULL;
	if (!d)
		return;
	for (size_t i = 0; i < names->len; i++)
		match |= !strcmp(d->name, names->v[i]);
	if (!match || (e->probe != !strcmp(d->kind, "probe"))) {
		complain(sc->path, d->line, "the doc comment for %s '%s' is "
			 "followed by %s '%s'", d->kind, d->name,
			 e->probe ? "probe" : "function", e->name);
		return;
	}
	if (!e->doc) {
		e->doc = d;
		return;
	}
	/* An overload's own comment adds the parameters it names. */
	for (size_t i = 0; i < d->params.len; i++) {
		struct section *p = d->params.v[i];
		bool have = false;
		for (size_t j = 0; j < e->doc->params.len; j++)
			have |= !strcmp(((struct section *)
					 e->doc->params.v[j])->heading,
					p->heading);
		if (!have)
			vec_push(&e->doc->params, p);
	}
}

static struct tapset *cur_tapset;

static struct entry *new_entry(struct scan *sc, bool probe, const char *name,
			       const char *at)
{
	struct entry *e = find_entry(probe, name);
	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	e->probe = probe;
	e->name = xstrdup(name);
	e->file = cur_tapset->name;
	e->path = xstrdup(sc->path);
	e->line = line_of(sc, at);
	vec_push(&all_entries, e);
	vec_push(&cur_tapset->entries, e);
	return e;
}

/* `function NAME[:type] (params) body`, sc->p after "function". */
static void read_function(struct scan *sc, bool private, const char *at)
{
	const char *id, *sig_start, *q;
	size_t n;
	struct vec names = {0};

	skip_blank(sc);
	sig_start = sc->p;
	n = ident(sc, &id);
	if (!n)
		return;
	while (*sc->p && *sc->p != '(')
		sc->p++;
	q = sc->p;
	while (*sc->p && *sc->p != ')')
		sc->p++;
	if (*sc->p)
		sc->p++;
	char *name = xstrndup(id, n);
	if (private || name[0] == '_') {
		free(sc->pending);
		sc->pending = NULL;
	} else {
		struct entry *e = new_entry(sc, false, name, at);
		vec_push(&names, name);
		take_doc(sc, e, &names);
		char *sig = squeeze(sig_start, sc->p);
		add_unique(&e->sigs, sig, strlen(sig));
		free(sig);
		e->string = !strncmp(id + n, ":string", 7);
		/* The parameter names: "(a:long, b:string)". */
		for (const char *r = q + 1; r < sc->p;) {
			while (r < sc->p && !is_ident(*r))
				r++;
			const char *s = r;
			while (r < sc->p && is_ident(*r))
				r++;
			if (r > s)
				add_unique(&e->params, s, r - s);
			while (r < sc->p && *r != ',')
				r++;
		}
	}
	free(names.v);
	skip_blank(sc);		/* a %{ %} body is skipped as noise */
	if (*sc->p == '{')
		skip_body(sc, NULL);
}

/* `probe a.b, c.d = points { body }` (or +=); a probe with a body and
 * no `=` is not an alias and only skipped. */
static void read_probe(struct scan *sc, bool private, const char *at)
{
	struct vec names = {0};
	const char *start = sc->p;
	bool alias = false;

	while (*sc->p && *sc->p != '{') {
		if (*sc->p == '"' || (sc->p[0] == '/' && sc->p[1] == '/')) {
			skip_noise(sc);
			continue;
		}
		if (*sc->p == '=' && sc->p[1] != '=' && !alias) {
			const char *e = sc->p - (sc->p[-1] == '+');
			char *list = xstrndup(start, e - start);
			for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
				char *name = trim(t, strlen(t));
				if (*name)
					vec_push(&names, name);
			}
			free(list);
			alias = true;
		}
		sc->p++;
	}
	if (!alias || private) {
		free(sc->pending);
		sc->pending = NULL;
		skip_body(sc, NULL);
		return;
	}
	struct entry *first = NULL;
	for (size_t i = 0; i < names.len; i++) {
		struct entry *e = new_entry(sc, true, names.v[i], at);
		first = first ? first : e;
	}
	if (first) {
		take_doc(sc, first, &names);
		skip_body(sc, &first->vars);
		for (size_t i = 0; i < names.len; i++) {
			struct entry *e = find_entry(true, names.v[i]);
			if (e != first) {
				e->doc = e->doc ? e->doc : first->doc;
				for (size_t j = 0; j < first->vars.len; j++)
					add_unique(&e->vars, first->vars.v[j],
						   strlen(first->vars.v[j]));
			}
		}
	}
}

static void scan_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf text = {0};
	char chunk[4096];
	size_t n;
	const char *base;

	if (!f) {
		fprintf(stderr, "tapset-man: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);

	cur_tapset = calloc(1, sizeof(*cur_tapset));
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	cur_tapset->name = xstrndup(base, strcspn(base, "."));
	vec_push(&all_tapsets, cur_tapset);

	struct scan sc = { .path = path, .text = text.s ? text.s : "" };
	sc.p = sc.text;
	for (;;) {
		skip_blank(&sc);
		if (!*sc.p)
			break;
		const char *at = sc.p, *id;
		bool private = false;
		size_t len = ident(&sc, &id);
		sc.seen_code = true;
		if (len == 7 && !strncmp(id, "private", 7)) {
			private = true;
			skip_blank(&sc);
			len = ident(&sc, &id);
		}
		if (len == 8 && !strncmp(id, "function", 8))
			read_function(&sc, private, at);
		else if (len == 5 && !strncmp(id, "probe", 5))
			read_probe(&sc, private, at);
		else if (*sc.p == '{')
			skip_body(&sc, NULL);
		else if (!len)
			sc.p++;
	}
	if (sc.pending)
		complain(path, sc.pending->line, "the doc comment for '%s' is "
			 "followed by no function or probe alias",
			 sc.pending->name);
	cur_tapset->intro = sc.intro;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or a directory's *.stp files in name order. */
static void scan_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	struct vec names = {0};

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		scan_file(path);
		return;
	}
	if (!(d = opendir(path))) {
		perror(path);
		exit(2);
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, ".stp")) {
			struct buf b = {0};
			buf_puts(&b, path);
			buf_puts(&b, "/");
			buf_puts(&b, de->d_name);
			vec_push(&names, buf_steal(&b));
		}
	}
	closedir(d);
	qsort(names.v, names.len, sizeof(void *), by_string);
	for (size_t i = 0; i < names.len; i++)
		scan_file(names.v[i]);
}

/* ---- --strict ---- */

static void check_entry(const struct entry *e)
{
	const char *what = e->probe ? "probe" : "function";
	if (!e->doc) {
		complain(e->path, e->line, "undocumented %s %s", what, e->name);
		return;
	}
	/* sfunction for a string result, function for any other. */
	if (!e->probe && e->string != !strcmp(e->doc->kind, "sfunction"))
		complain(e->path, e->line, "function %s returns %s: its doc "
			 "comment says \"%s\", not \"%s\"", e->name,
			 e->string ? "a string" : "no string", e->doc->kind,
			 e->string ? "sfunction" : "function");
	/* Every parameter of a function, every variable an alias sets,
	 * has its @name line. */
	const struct vec *names = e->probe ? &e->vars : &e->params;
	for (size_t i = 0; i < names->len; i++) {
		bool found = false;
		for (size_t j = 0; j < e->doc->params.len; j++)
			found |= !strcmp(((struct section *)
					  e->doc->params.v[j])->heading,
					 names->v[i]);
		if (!found)
			complain(e->path, e->line, "%s %s: %s @%s is not "
				 "documented", what, e->name,
				 e->probe ? "variable" : "parameter",
				 (char *)names->v[i]);
	}
}

/* ---- the pages ---- */

static const char *version = "";

/* The doc comment whose page is being written: its @names are set in
 * italics, any other @word (a macro) is printed as it is. */
static const struct doc *cur_doc;

static bool is_param(const char *s)
{
	size_t n = 0;
	while (is_ident(s[n]))
		n++;
	for (size_t i = 0; n && cur_doc && i < cur_doc->params.len; i++) {
		const char *h = ((struct section *)cur_doc->params.v[i])->heading;
		if (strlen(h) == n && !strncmp(h, s, n))
			return true;
	}
	return false;
}

/* Text for roff: backslashes doubled, a leading . or ' guarded, @name
 * (a parameter of cur_doc) as italics, a paragraph break ("\n\n") as .PP. */
static void roff(FILE *out, const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		bol = false;
		if (*s == '\\') {
			fputs("\\e", out);
		} else if (*s == '-') {
			fputs("\\-", out);
		} else if (*s == '@' && is_param(s + 1)) {
			fputs("\\fI", out);
			while (is_ident(s[1]))
				fputc(*++s, out);
			fputs("\\fR", out);
		} else if (*s == '\n') {
			bool para = s[1] == '\n';
			while (s[1] == '\n' || s[1] == ' ')
				s++;
			fputs(para && s[1] ? "\n.PP\n" : "\n", out);
			bol = true;
		} else {
			fputc(*s, out);
		}
	}
	fputc('\n', out);
}

static FILE *open_page(const char *dir, const char *kind, const char *name)
{
	struct buf b = {0};
	buf_puts(&b, dir);
	buf_puts(&b, "/");
	buf_puts(&b, kind);
	buf_puts(&b, "::");
	buf_puts(&b, name);
	buf_puts(&b, ".3stap");
	FILE *f = fopen(b.s, "w");
	if (!f) {
		fprintf(stderr, "tapset-man: %s: %s\n", b.s, strerror(errno));
		exit(2);
	}
	free(b.s);
	return f;
}

static void page_head(FILE *out, const char *kind, const char *name,
		      const char *summary, const char *manual)
{
	fputs(".\\\" Generated by tapset-man from the tapset's doc comments.\n",
	      out);
	fputs(".TH \"", out);
	for (const char *p = kind; *p; p++)
		fputc(toupper((unsigned char)*p), out);
	fputs("::", out);
	for (const char *p = name; *p; p++)
		fputc(toupper((unsigned char)*p), out);
	fprintf(out, "\" 3stap \"stap %s\" \"stap\" \"%s\"\n", version, manual);
	fprintf(out, ".SH NAME\n%s::%s \\- ", kind, name);
	roff(out, summary ? summary : "");
}

static void page_sections(FILE *out, const struct doc *d)
{
	for (size_t i = 0; i < d->sections.len; i++) {
		const struct section *s = d->sections.v[i];
		fputs(".SH ", out);
		for (const char *p = s->heading; *p; p++)
			fputc(toupper((unsigned char)*p), out);
		fputs("\n", out);
		roff(out, s->text);
	}
}

/* Where @name comes in order (a function's parameters in signature
 * order), the ones order does not name last. */
static size_t rank(const struct vec *order, const char *name)
{
	for (size_t i = 0; order && i < order->len; i++)
		if (!strcmp(order->v[i], name))
			return i;
	return (size_t)-1;
}

static void page_params(FILE *out, const char *heading, const struct doc *d,
			const struct vec *order)
{
	bool *done = calloc(d->params.len + 1, sizeof(bool));

	fprintf(out, ".SH %s\n", heading);
	if (!d->params.len)
		fputs("None\n", out);
	for (size_t n = 0; n < d->params.len; n++) {
		size_t best = 0, best_rank = (size_t)-1;
		bool any = false;
		for (size_t i = 0; i < d->params.len; i++) {
			const struct section *s = d->params.v[i];
			size_t r = rank(order, s->heading);
			if (!done[i] && (!any || r < best_rank)) {
				best = i;
				best_rank = r;
				any = true;
			}
		}
		done[best] = true;
		const struct section *s = d->params.v[best];
		fprintf(out, ".TP\n\\fI%s\\fR\n", s->heading);
		roff(out, s->text);
	}
	free(done);
}

static void page_function(const char *dir, const struct entry *e)
{
	FILE *out = open_page(dir, "function", e->name);
	cur_doc = e->doc;
	page_head(out, "function", e->name, e->doc->summary,
		  "Tapset Functions");
	fputs(".SH SYNOPSIS\n.nf\n", out);
	for (size_t i = 0; i < e->sigs.len; i++) {
		fputs("    ", out);
		roff(out, e->sigs.v[i]);
	}
	fputs(".fi\n", out);
	page_params(out, "ARGUMENTS", e->doc, &e->params);
	page_sections(out, e->doc);
	fprintf(out, ".SH SEE ALSO\n.IR tapset::%s (3stap),\n"
		".IR stapfuncs (3stap)\n", e->file);
	fclose(out);
}

static void page_probe(const char *dir, const struct entry *e)
{
	FILE *out = open_page(dir, "probe", e->name);
	cur_doc = e->doc;
	page_head(out, "probe", e->name, e->doc->summary,
		  "Tapset Probe Aliases");
	fprintf(out, ".SH SYNOPSIS\n.nf\n    %s\n.fi\n", e->name);
	page_params(out, "VALUES", e->doc, NULL);
	page_sections(out, e->doc);
	fprintf(out, ".SH SEE ALSO\n.IR tapset::%s (3stap),\n"
		".IR stapprobes (3stap)\n", e->file);
	fclose(out);
}

static void page_list(FILE *out, const struct tapset *t, bool probes)
{
	bool any = false;
	for (size_t i = 0; i < t->entries.len; i++) {
		const struct entry *e = t->entries.v[i];
		if (e->probe != probes || !e->doc)
			continue;
		if (!any)
			fprintf(out, ".SH %s\n", probes ? "PROBES" : "FUNCTIONS");
		any = true;
		fprintf(out, ".TP\n.BR %s::%s (3stap)\n",
			probes ? "probe" : "function", e->name);
		roff(out, e->doc->summary);
	}
}

/* The text up to the first full stop, on one line. */
static char *first_sentence(const char *text)
{
	struct buf b = {0};
	bool space = false;
	for (const char *p = text; *p; p++) {
		if (*p == '.' && (!p[1] || isspace((unsigned char)p[1])) &&
		    (p == text || p[-1] != '.') &&	/* not "a .. b" */
		    (p - text < 3 || strncmp(p - 3, "e.g", 3)))
			break;
		if (isspace((unsigned char)*p)) {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_puts(&b, " ");
		space = false;
		buf_add(&b, p, 1);
	}
	return buf_steal(&b);
}

static void page_tapset(const char *dir, const struct tapset *t)
{
	FILE *out = open_page(dir, "tapset", t->name);
	cur_doc = NULL;
	char *first = t->intro ? first_sentence(t->intro) : NULL;
	page_head(out, "tapset", t->name, first ? first : t->name,
		  "Tapset Library");
	free(first);
	if (t->intro) {
		fputs(".SH DESCRIPTION\n", out);
		roff(out, t->intro);
	}
	page_list(out, t, false);
	page_list(out, t, true);
	fputs(".SH SEE ALSO\n.IR stapprobes (3stap),\n"
	      ".IR stapfuncs (3stap)\n", out);
	fclose(out);
}

static void usage(void)
{
	fputs("usage: tapset-man [--strict] [--version V] [-o DIR] "
	      "FILE|DIR...\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	bool strict = false;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--strict"))
			strict = true;
		else if (!strcmp(argv[i], "--version") && i + 1 < argc)
			version = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else
			usage();
	}
	if (i == argc)
		usage();
	for (; i < argc; i++)
		scan_path(argv[i]);

	if (strict) {
		for (size_t k = 0; k < all_entries.len; k++)
			check_entry(all_entries.v[k]);
	}
	if (dir) {
		mkdir(dir, 0777);
		for (size_t k = 0; k < all_entries.len; k++) {
			const struct entry *e = all_entries.v[k];
			if (!e->doc)
				continue;
			if (e->probe)
				page_probe(dir, e);
			else
				page_function(dir, e);
		}
		for (size_t k = 0; k < all_tapsets.len; k++)
			page_tapset(dir, all_tapsets.v[k]);
	}
	if (strict && problems) {
		fprintf(stderr, "tapset-man: %d problem%s\n", problems,
			problems == 1 ? "" : "s");
		return 1;
	}
	return 0;
}
