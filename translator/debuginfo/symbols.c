/*
 * The target kernel's function symbols (symbols.h): where the list comes
 * from, its cache, and the lookups pass 2 makes.
 *
 * target_ksyms() picks the source: this machine's kernel is read
 * directly; a remote is asked through stapsh, telling it which build's
 * list we have cached so that it sends nothing when that is current;
 * a target we cannot reach (-p2 for another kernel) gets the newest
 * cached list of its release, if any.  The list (staprun/ksyms.h) is
 * parsed in place into an array sorted by name (names are looked up by
 * binary search) and the probeable functions of the kernel itself, for
 * wildcards; the cache keeps it in that sorted form.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <utime.h>
#include "run/connection.h"
#include "run/remote.h"
#include "symbols.h"
#include "ksyms.h"
#include "man_hint.h"

/* The cache holds the list sorted by name, each name once: loading it
 * needs no sorting and no hashing. */
#define CACHE_MAGIC "stap-symbols 2 sorted\n"

/* One name of the list: the least probeable kind of its copies (the
 * kernel may pick either); module is a copy's module, NULL if any copy
 * is the kernel's own. */
struct ksym {
	const char *name;
	const char *module;
	enum ksym_kind kind;
};

struct ksyms {
	char *data;		/* the list; names point into it */
	struct ksym *syms;	/* sorted by name, each name once */
	size_t nsyms;
	struct vec functions;	/* const char *: the kernel's own probeable
				 * functions, sorted */
};

static char *missing_reason;

const char *ksyms_missing_reason(struct session *s)
{
	return missing_reason ? missing_reason : "no symbol list";
}

/* Section markers and cold parts share addresses with functions or lie
 * inside them, and thunks (retpolines, return thunks) are compiler-made
 * trampolines that no script means: never expand a wildcard to them. */
static bool probeable_name(const char *name)
{
	static const char *const markers[] = { "_text", "_stext", "_etext",
		"_sinittext", "_einittext" };

	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (strcmp(name, markers[i]) == 0)
			return false;
	return !strstr(name, ".cold") && !strstr(name, "text_start") &&
	       !strstr(name, "text_end") && !strstr(name, "thunk");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ksym *)a)->name,
		      ((const struct ksym *)b)->name);
}

/* Parses the list in data (taking it over); sorted: it is the cache's
 * form already. */
static struct ksyms *parse_list(char *data, size_t len, bool sorted)
{
	struct ksyms *ks = xcalloc(1, sizeof(*ks));
	char *p = data, *end = data + len;
	size_t cap = 0, n = 0;

	ks->data = data;
	while (p < end) {
		char *nl = memchr(p, '\n', end - p), *line = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
		if (line[0] == '\0' || line[1] != ' ')
			continue;
		char *name = line + 2, *mod = strchr(name, ' ');
		if (mod)
			*mod++ = '\0';
		if (ks->nsyms == cap) {
			cap = cap ? 2 * cap : 65536;
			ks->syms = xrealloc(ks->syms, cap * sizeof(*ks->syms));
		}
		ks->syms[ks->nsyms++] = (struct ksym){ name, mod,
			line[0] == 'b' ? KSYM_BLACKLISTED :
			line[0] == 'i' ? KSYM_INIT : KSYM_FUNC };
	}
	if (!sorted)
		qsort(ks->syms, ks->nsyms, sizeof(*ks->syms), by_name);
	for (size_t i = 0; i < ks->nsyms; i++) {
		struct ksym *s = &ks->syms[i], *last = n ? &ks->syms[n - 1] : NULL;
		if (last && strcmp(last->name, s->name) == 0) {
			if (s->kind > last->kind)
				last->kind = s->kind;
			if (!s->module)
				last->module = NULL;
			continue;
		}
		ks->syms[n++] = *s;
	}
	ks->nsyms = n;
	for (size_t i = 0; i < n; i++)
		if (ks->syms[i].kind == KSYM_FUNC && !ks->syms[i].module &&
		    probeable_name(ks->syms[i].name))
			vec_push(&ks->functions, (void *)ks->syms[i].name);
	return ks;
}

static void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->data);
	free(ks->syms);
	vec_free(&ks->functions);
	free(ks);
}

/* ---- the cache -------------------------------------------------------- */

static char *cache_dir(struct session *s)
{
	return xasprintf("%s/symbols", s->cache_dir);
}

static char *cache_file(struct session *s, const char *ident)
{
	return xasprintf("%s/symbols/%s-%s", s->cache_dir, s->kernel_release,
			 ident);
}

char *cache_newest_ident(const char *dir, const char *release,
			 const char *inside)
{
	char *prefix = xasprintf("%s-", release), *best = NULL;
	size_t plen = strlen(prefix);
	time_t best_t = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		const char *ident = de->d_name + plen;
		struct stat st, in;
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    strlen(ident) != 16 || strspn(ident, "0123456789abcdef") != 16)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		char *file = inside ? xasprintf("%s/%s", path, inside) : NULL;
		if (stat(path, &st) == 0 && (!file || stat(file, &in) == 0) &&
		    (!best || st.st_mtime > best_t)) {
			free(best);
			best = xstrdup(ident);
			best_t = st.st_mtime;
		}
		free(file);
		free(path);
	}
	if (d)
		closedir(d);
	free(prefix);
	return best;
}

/* The identity of the most recently used cached list of this release,
 * or NULL. */
static char *newest_cached(struct session *s)
{
	char *dir = cache_dir(s);
	char *best = cache_newest_ident(dir, s->kernel_release, NULL);

	free(dir);
	return best;
}

/* The cached list of build ident (marked as just used), or NULL. */
static struct ksyms *load_cached(struct session *s, const char *ident)
{
	char *path = cache_file(s, ident);
	size_t len;
	char *data = read_file(path, &len);
	size_t m = strlen(CACHE_MAGIC);

	if (data && (len < m || memcmp(data, CACHE_MAGIC, m) != 0)) {
		free(data);
		data = NULL;
	}
	if (data)
		utime(path, NULL);
	free(path);
	if (!data)
		return NULL;
	memmove(data, data + m, len - m);
	return parse_list(data, len - m, true);
}

/* Writes ks in its sorted form. */
static void store_cached(struct session *s, const char *ident,
			 const struct ksyms *ks)
{
	static const char kinds[] = { [KSYM_FUNC] = 't', [KSYM_INIT] = 'i',
				      [KSYM_BLACKLISTED] = 'b' };
	char *dir = cache_dir(s), *path = cache_file(s, ident);
	struct strbuf sb = {0};

	sb_puts(&sb, CACHE_MAGIC);
	for (size_t i = 0; i < ks->nsyms; i++) {
		const struct ksym *k = &ks->syms[i];
		sb_printf(&sb, "%c %s%s%s\n", kinds[k->kind], k->name,
			  k->module ? " " : "", k->module ? k->module : "");
	}
	if (mkdir_p(dir))
		write_file_atomic(path, sb.buf, sb.len);
	sb_free(&sb);
	free(path);
	free(dir);
}

/* ---- the sources ------------------------------------------------------ */

static bool target_is_local(struct session *s)
{
	struct utsname u;

	return !target_url(s) && uname(&u) == 0 &&
	       strcmp(u.release, s->kernel_release) == 0;
}

/* This machine's kernel: the cache if it has this build, else kallsyms. */
static struct ksyms *local_symbols(struct session *s, const char **from)
{
	char ident[17], *list;
	size_t len;
	struct ksyms *ks;

	if (ksyms_identity(ident) < 0) {
		missing_reason = xstrdup("cannot read /proc/version");
		return NULL;
	}
	if ((ks = load_cached(s, ident))) {
		*from = "the cache";
		return ks;
	}
	if (ksyms_read_local(&list, &len) < 0) {
		missing_reason = xstrdup("cannot read /proc/kallsyms");
		return NULL;
	}
	ks = parse_list(list, len, false);
	store_cached(s, ident, ks);
	*from = "/proc/kallsyms";
	return ks;
}

/* The remote's kernel, through stapsh, which sends the list only when
 * the newest cached one of the release is not its build's. */
static struct ksyms *remote_symbols_of(struct session *s, const char **from)
{
	struct remote *r = open_target(s);
	char *have, *ident, *list;
	size_t len;
	struct ksyms *ks = NULL, *cached = NULL;

	if (!r) {
		missing_reason = xasprintf("cannot connect to %s",
					   target_url(s));
		return NULL;
	}
	have = newest_cached(s);
	if (have && !(cached = load_cached(s, have))) {
		free(have);
		have = NULL;
	}
	int rc = remote_symbols(r, have, &ident, &list, &len);
	if (rc == 0 && remote_peer_version(r) >= 2) {
		missing_reason = xstrdup("this stap speaks stapsh protocol "
			"version 1 only, which cannot list symbols");
	} else if (rc == 0) {
		missing_reason = xasprintf("the target's stapsh is too old to "
			"list symbols (it speaks protocol version %d; version "
			"2 can): update stapsh on the target",
			remote_peer_version(r));
	} else if (rc < 0) {
		missing_reason = xstrdup("fetching the symbols failed");
	} else if (!list) {
		ks = cached;
		cached = NULL;
		*from = "the cache (current for the target's build)";
	} else {
		ks = parse_list(list, len, false);
		store_cached(s, ident, ks);
		*from = "the target";
	}
	ksyms_free(cached);
	free(have);
	free(ident);
	return ks;
}

/* A kernel we cannot reach now: its newest cached list. */
static struct ksyms *cached_symbols(struct session *s, const char **from)
{
	char *ident = newest_cached(s);
	struct ksyms *ks = ident ? load_cached(s, ident) : NULL;

	if (!ks)
		missing_reason = xasprintf("no symbol list of kernel %s is "
			"cached and no --remote reaches it (a run with "
			"--remote=vm:%s or on that machine caches one)",
			s->kernel_release, s->kernel_release);
	*from = "the cache (the target was not contacted)";
	free(ident);
	return ks;
}

struct ksyms *target_ksyms(struct session *s)
{
	const char *from = NULL;

	if (s->ksyms_tried)
		return s->ksyms;
	s->ksyms_tried = true;
	if (target_is_local(s))
		s->ksyms = local_symbols(s, &from);
	else if (target_url(s))
		s->ksyms = remote_symbols_of(s, &from);
	else
		s->ksyms = cached_symbols(s, &from);
	if (s->verbose && s->ksyms)
		fprintf(stderr, "Pass 2: %zu kernel functions of %s from %s\n",
			s->ksyms->functions.len, s->kernel_release, from);
	else if (s->verbose)
		fprintf(stderr, "Pass 2: no kernel symbols: %s; kprobe "
			"functions are not checked "
			STAP_MAN_HINT("warning::symbols") "\n", ksyms_missing_reason(s));
	return s->ksyms;
}

enum ksym_kind ksym_kind(const struct ksyms *ks, const char *name)
{
	struct ksym key = { .name = name };
	const struct ksym *k = bsearch(&key, ks->syms, ks->nsyms,
				       sizeof(*ks->syms), by_name);
	return k ? k->kind : KSYM_NONE;
}

void ksyms_match(const struct ksyms *ks, const char *pattern, struct vec *out)
{
	for (size_t i = 0; i < ks->functions.len; i++)
		if (fnmatch(pattern, vec_at(&ks->functions, i), 0) == 0)
			vec_push(out, vec_at(&ks->functions, i));
}

const struct vec *ksyms_functions(const struct ksyms *ks)
{
	return &ks->functions;
}
