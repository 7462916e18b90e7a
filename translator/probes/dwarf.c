/*
 * DWARF probe points: kernel.function("PATTERN[@FILE[:LINE]]") with
 * .call, .return (.maxactive(N)), .inline, .exported and .label("NAME");
 * kernel.statement("FUNC@FILE:LINE[-LINE]") (.nearest),
 * kernel.statement(ADDRESS).absolute (guru mode); and the same under
 * module("NAME") for a module's functions, wildcards in module names.
 *
 * expand_dwarf() finds the debuginfo (debuginfo/dwarf_find.h), loads
 * its index (debuginfo/dwarf_index.h: built once per build-id, then
 * mmapped) and turns the user's point into one written-out point per
 * probed place: each out-of-line function and each inlined copy, each
 * label, each line; -l prints them as upstream does,
 * kernel.function("vfs_read@fs/read_write.c:450").  A place's address
 * is a symbol + offset the kernel resolves when the probe is armed, so
 * KASLR, module load addresses and the kprobe blacklist stay the
 * kernel's business.  .function probes the entry address, where the
 * compiler's location lists describe the parameters (kernel code is
 * optimized: upstream does not search for a prologue there either);
 * -P (--prologue-searching=always) moves it past the prologue the line
 * table marks.
 *
 * Each point keeps a struct dwarf_point (debuginfo/dwarf_vars.h): its
 * target variables are dwarf_point_var()/dwarf_point_vars().  The
 * runtime is runtime/linux/dwarf.c.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "util/cstring.h"
#include "util/suggest.h"
#include "debuginfo/dwarf_find.h"
#include "debuginfo/dwarf_index.h"
#include "debuginfo/dwarf_vars.h"
#include "debuginfo/symbols.h"
#include "kfunc_btf.h"
#include "dwarf.h"
#include "options.h"

/* One probed place, the family's rp->data. */
struct dwarf_pt {
	struct dwarf_point dp;	/* for target variables */
	const char *module;	/* NULL: the kernel; else as the script
				 * names it (a name or a .ko's path) */
	char *kmod;		/* the loaded module's name ("ext4") */
	char *symbol;		/* the kprobe's symbol_name ("vfs_read",
				 * "ext4:ext4_file_open"), or NULL for an
				 * absolute address */
	uint64_t offset;	/* from symbol */
	uint64_t addr;		/* .absolute */
	bool is_return;
	bool optional;		/* from a wildcard or an inlined copy:
				 * skipped with a warning when the kernel
				 * refuses it */
	int64_t maxactive;	/* .maxactive(N), or -1 */
	/* No kernel debuginfo: the variables of the function's BTF
	 * prototype (kfunc_btf.h), as kprobe.function has them. */
	bool from_btf;
	const struct kfunc_vars *btf;
	const char *btf_why;
	const struct kfunc_vars *btf_entry;	/* .return: the parameters
						 * at entry, for @entry */
};

/* A point as the user wrote it. */
struct spec {
	bool module_point;	/* module("M")... */
	const char *module;	/* its pattern */
	bool statement;		/* .statement, else .function */
	struct pp_comp *what;	/* the function/statement component */
	char *func, *file;	/* "FUNC@FILE:LINE" split; file may be NULL */
	long lo, hi;		/* line range, 0: none */
	const char *label;
	bool call, ret, inl, exported, nearest, absolute;
	bool prologue;		/* -P: .function after the prologue */
	int64_t maxactive;
};

/* The written-out points expand made, with their data, for resolve. */
static struct vec made_points;	/* struct probe_point * */
static struct vec made_data;	/* struct dwarf_pt *, parallel */

extern const struct probe_family kernel_function_family,
	kernel_statement_family, module_family;

/* The indexes loaded this run: the kernel's and each module's. */
static struct hash indexes;	/* module name ("" kernel) -> dwx_index */

static bool is_wild(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

/* ---- parsing the user's point ---- */

/* "FUNC@FILE:LINE" / "FUNC@FILE:LO-HI" into spec. */
static bool split_pattern(struct spec *sp)
{
	const struct expr *a = sp->what->arg;
	char *at, *colon;

	sp->func = xstrdup(a->str);
	at = strchr(sp->func, '@');
	if (!at)
		return true;
	*at = '\0';
	sp->file = at + 1;
	colon = strrchr(sp->file, ':');
	if (!colon)
		return true;
	*colon = '\0';
	if (strcmp(colon + 1, "*") == 0)	/* every line */
		return true;
	char *end;
	sp->lo = sp->hi = strtol(colon + 1, &end, 10);
	if (*end == '-')
		sp->hi = strtol(end + 1, &end, 10);
	if (*end || sp->lo <= 0 || sp->hi < sp->lo) {
		diag_error(a->loc, "bad line number '%s' in '%s' (expected "
			   "FUNC@FILE:LINE or FUNC@FILE:FIRST-LAST)", colon + 1,
			   a->str);
		return false;
	}
	return true;
}

/* The suffixes after .function(...) or .statement(...). */
static bool parse_suffixes(const struct probe_point *pp, size_t i,
			   struct spec *sp)
{
	for (; i < pp->comps.len; i++) {
		struct pp_comp *c = pp_comp_at(pp, i);
		const char *n = c->name;
		bool fn = !sp->statement, ok = true;

		if (fn && strcmp(n, "label") == 0 && !sp->label && !sp->ret &&
		    !sp->call && !sp->inl && !sp->exported) {
			if (!c->arg || c->arg->kind != E_STR) {
				diag_error(c->loc, ".label needs a name string, "
					   "as in .label(\"out\")");
				return false;
			}
			sp->label = c->arg->str;
			continue;
		}
		if (fn && strcmp(n, "maxactive") == 0 && sp->ret) {
			if (!pp_num_arg(c, 1, 1 << 20, &sp->maxactive))
				return false;
			continue;
		}
		bool *flag = NULL;
		if (fn && strcmp(n, "call") == 0)
			flag = &sp->call;
		else if (fn && strcmp(n, "return") == 0)
			flag = &sp->ret;
		else if (fn && strcmp(n, "inline") == 0)
			flag = &sp->inl;
		else if (fn && strcmp(n, "exported") == 0)
			flag = &sp->exported;
		else if (!fn && strcmp(n, "nearest") == 0)
			flag = &sp->nearest;
		else if (!fn && strcmp(n, "absolute") == 0 && !sp->module_point)
			flag = &sp->absolute;
		ok = flag && !sp->call && !sp->ret && !sp->inl &&
		     !sp->exported && !sp->label && !sp->nearest && !sp->absolute;
		if (!ok) {
			diag_error(c->loc, "unexpected '.%s' in a %s probe point "
				   "(see stapprobes(3stap): %s)", n,
				   sp->statement ? "statement" : "function",
				   sp->statement ? ".nearest or .absolute"
				   : ".call, .return[.maxactive(N)], .inline, "
				   ".exported or .label(\"NAME\")");
			return false;
		}
		if (!pp_no_arg(c))
			return false;
		*flag = true;
	}
	return true;
}

static bool parse_point(const struct probe_point *pp, struct spec *sp)
{
	struct pp_comp *first = pp_comp_at(pp, 0);
	struct pp_comp *what = pp_comp_at(pp, 1);

	memset(sp, 0, sizeof(*sp));
	sp->maxactive = -1;
	/* process("PATH") (dwarf_expand_user) is a module of user space */
	sp->module_point = strcmp(first->name, "module") == 0 ||
			   strcmp(first->name, "process") == 0;
	if (sp->module_point) {
		if (!first->arg || first->arg->kind != E_STR || !first->arg->len) {
			diag_error(first->loc, "module needs a module name "
				   "string, as in module(\"ext4\")");
			return false;
		}
		sp->module = first->arg->str;
	} else if (!pp_no_arg(first)) {
		return false;
	}
	if (!what || (strcmp(what->name, "function") != 0 &&
		      strcmp(what->name, "statement") != 0)) {
		diag_error(what ? what->loc : first->loc, "expected "
			   ".function(\"PATTERN\") or .statement(\"PATTERN\") "
			   "after '%s'", first->name);
		return false;
	}
	sp->what = what;
	sp->statement = what->name[0] == 's';
	if (!parse_suffixes(pp, 2, sp))
		return false;
	if (sp->absolute) {
		if (!what->arg || what->arg->kind != E_NUM) {
			diag_error(what->loc, ".absolute needs an address "
				   "number, as in kernel.statement(0xffffffff81000000)"
				   ".absolute");
			return false;
		}
		return true;
	}
	if (!what->arg || what->arg->kind != E_STR || !what->arg->len) {
		diag_error(what->loc, "%s needs a pattern string, as in "
			   "%s(\"vfs_read\")%s", what->name, what->name,
			   sp->statement ? " or a number with .absolute" : "");
		return false;
	}
	return split_pattern(sp);
}

/* ---- the index ---- */

/* The index of the kernel (module NULL) or of a module; NULL when it
 * has no debuginfo, saying so at where when report is set. */
static struct dwx_index *index_for(struct session *s, const char *module,
				   const struct pp_comp *where, bool report)
{
	struct dwx_index *x = hash_get(&indexes, module ? module : "");
	char *why = NULL, *path;
	uint64_t t0 = now_us();

	if (x)
		return x;
	path = dwarf_find_debuginfo(s, module, &why);
	if (path)
		x = dwx_open(s, path, &why);
	if (!x && !report) {
		free(why);
		free(path);
		return NULL;
	}
	if (!x) {
		char *what = module ? xasprintf("module(\"%s\")", module)
			     : xstrdup("kernel.function/kernel.statement");
		diag_error(where->loc, "%s needs debuginfo: %s%s", what, why,
			   module ? "" : " (kprobe.function(\"NAME\") probes and "
			   "their parameters work without it, through BTF)");
		free(what);
		free(why);
		free(path);
		return NULL;
	}
	if (s->verbose)
		fprintf(stderr, "DWARF index of %s (%s): %zu entries, %s in "
			"%.3f s\n", path, dwx_build_id(x), dwx_count(x),
			dwx_was_built(x) ? "built" : "loaded",
			(now_us() - t0) / 1e6);
	hash_put(&indexes, xstrdup(module ? module : ""), x);
	free(path);
	return x;
}

/* Whether decl file f matches the user's FILE pattern: the whole path
 * or its tail after a '/'. */
static bool file_ok(const char *pat, const char *f)
{
	if (!pat)
		return true;
	if (fnmatch(pat, f, 0) == 0)
		return true;
	for (const char *p = strchr(f, '/'); p; p = strchr(p + 1, '/'))
		if (fnmatch(pat, p + 1, 0) == 0)
			return true;
	return false;
}

/* Whether entry e is what spec asks for (function points). */
static bool entry_ok(const struct dwx_index *x, const struct spec *sp,
		     const struct dwx_entry *e)
{
	const char *name = dwx_str(x, sp->label ? e->func : e->name);

	if (sp->label) {
		if (e->kind != DWX_LABEL ||
		    fnmatch(sp->label, dwx_str(x, e->name), 0) != 0)
			return false;
	} else if (e->kind == DWX_LABEL) {
		return false;
	} else if (e->kind == DWX_INLINE && (sp->call || sp->ret ||
					     sp->exported)) {
		return false;
	} else if (e->kind == DWX_FUNC && sp->inl) {
		return false;
	}
	if (sp->exported && !(e->flags & DWX_EXPORTED))
		return false;
	if (fnmatch(sp->func, name, 0) != 0)
		return false;
	if (!file_ok(sp->file, dwx_str(x, e->file)))
		return false;
	if (sp->lo && !sp->label && (e->line < sp->lo || e->line > sp->hi))
		return false;
	return true;
}

/* Appends the entries (size_t index + 1) a function point matches. */
static void match_entries(const struct dwx_index *x, const struct spec *sp,
			  struct vec *out)
{
	size_t n = dwx_count(x);

	if (!is_wild(sp->func) && !sp->label) {
		for (size_t i = dwx_find(x, sp->func); i < n &&
		     strcmp(dwx_str(x, dwx_at(x, i)->name), sp->func) == 0; i++)
			if (entry_ok(x, sp, dwx_at(x, i)))
				vec_push(out, (void *)(i + 1));
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (entry_ok(x, sp, dwx_at(x, i)))
			vec_push(out, (void *)(i + 1));
}

/* The names of the index's functions, for "did you mean". */
static void function_names(const struct dwx_index *x, struct vec *out)
{
	const char *last = NULL;

	for (size_t i = 0; i < dwx_count(x); i++) {
		const struct dwx_entry *e = dwx_at(x, i);
		const char *name = dwx_str(x, e->name);
		if (e->kind == DWX_LABEL || (last && strcmp(last, name) == 0))
			continue;
		vec_push(out, (void *)name);
		last = name;
	}
}

/* ---- making the written-out points ---- */

/* pp with component i's argument the string text (module i = 0, the
 * function or statement i = 1). */
static struct probe_point *written_out(const struct probe_point *pp,
				       const char *module, const char *what)
{
	struct probe_point *np = xmalloc(sizeof(*np));

	*np = *pp;
	np->comps = (struct vec){0};
	for (size_t i = 0; i < pp->comps.len; i++) {
		struct pp_comp *c = vec_at(&pp->comps, i);
		const char *text = i == 0 ? module : i == 1 ? what : NULL;
		if (text && c->arg && c->arg->kind == E_STR) {
			struct pp_comp *nc = xmalloc(sizeof(*nc));
			*nc = *c;
			nc->arg = expr_new(E_STR, c->arg->loc);
			nc->arg->str = xstrdup(text);
			nc->arg->len = strlen(text);
			c = nc;
		}
		vec_push(&np->comps, c);
	}
	return np;
}

static void add_point(struct vec *out, struct probe_point *np,
		      struct dwarf_pt *pt)
{
	vec_push(&made_points, np);
	vec_push(&made_data, pt);
	vec_push(out, np);
}

/* The data of a point at entry e (or at pc inside e's function). */
static struct dwarf_pt *point_data(struct dwx_index *x, const struct spec *sp,
				   const char *module,
				   const struct dwx_entry *e, uint64_t pc)
{
	struct dwarf_pt *pt = xcalloc(1, sizeof(*pt));
	const char *sym = dwx_str(x, e->sym);

	pt->dp.dbg = NULL;	/* opened in resolve, when needed */
	pt->dp.scope = e->kind == DWX_LABEL ? 0 : e->die;
	pt->dp.pc = pc;
	pt->dp.is_return = sp->ret;
	pt->module = module;
	pt->kmod = module ? dwarf_module_name(module) : NULL;
	pt->symbol = module ? xasprintf("%s:%s", pt->kmod, sym) : xstrdup(sym);
	pt->offset = e->sym_off + (pc - e->pc);
	pt->is_return = sp->ret;
	pt->maxactive = sp->maxactive;
	pt->optional = e->kind == DWX_INLINE;
	return pt;
}

/* A label's scope: the function (or inlined copy) around it is found
 * by pc; the index keeps the label's own DIE. */
static void label_scope(struct dwx_index *x, const struct dwx_entry *e,
			struct dwarf_pt *pt)
{
	const char *func = dwx_str(x, e->func);
	uint64_t best = 0;

	for (size_t i = dwx_find(x, func); i < dwx_count(x) &&
	     strcmp(dwx_str(x, dwx_at(x, i)->name), func) == 0; i++) {
		const struct dwx_entry *f = dwx_at(x, i);
		if (f->kind != DWX_LABEL && f->cu == e->cu && f->pc <= e->pc &&
		    f->pc >= best) {
			best = f->pc;
			pt->dp.scope = f->die;
		}
	}
}

/* Why entry e of the kernel (module NULL) or of a module cannot be
 * probed, or NULL.  A module's init code can: it runs when the module
 * is loaded, after its points are armed (the kernel drops them when it
 * frees that code). */
static const char *unprobeable(const struct dwx_entry *e, const char *module)
{
	if ((e->flags & DWX_INIT) && !module)
		return "it is init code, freed after boot";
	if (e->flags & DWX_NOSYM)
		return "no symbol covers its address";
	return NULL;
}

/* kernel.function / module().function points of one index. */
static bool expand_functions(struct dwx_index *x,
			     const struct spec *sp, const char *module,
			     struct probe_point *pp, bool wild,
			     struct vec *out)
{
	struct vec found = {0};
	size_t skipped = 0;
	const char *why = NULL;

	match_entries(x, sp, &found);
	for (size_t i = 0; i < found.len; i++) {
		const struct dwx_entry *e = dwx_at(x, (size_t)vec_at(&found, i) - 1);
		const char *no = unprobeable(e, module);
		if (no) {
			skipped++;
			why = no;
			continue;
		}
		uint64_t pc = e->pc;
		if (sp->prologue && e->kind == DWX_FUNC && !sp->ret)
			pc = dwx_prologue_end(x, e->cu, pc);
		struct dwarf_pt *pt = point_data(x, sp, module, e, pc);
		const char *fname = dwx_str(x, sp->label ? e->func : e->name);
		char *text = xasprintf("%s@%s:%u", fname, dwx_str(x, e->file),
				       e->line);
		if (sp->label)
			label_scope(x, e, pt);
		struct probe_point *np = written_out(pp, module, text);
		np->from_wildcard = wild;
		if (sp->label) {	/* the label's name written out */
			struct pp_comp *lc = xmalloc(sizeof(*lc));
			*lc = *(struct pp_comp *)vec_at(&np->comps, 2);
			lc->arg = expr_new(E_STR, lc->loc);
			lc->arg->str = xstrdup(dwx_str(x, e->name));
			lc->arg->len = strlen(lc->arg->str);
			np->comps.items[2] = lc;
		}
		pt->optional |= wild;
		add_point(out, np, pt);
		free(text);
	}
	if (skipped && found.len == skipped)
		diag_warn(sp->what->arg->loc, "skipped %zu place%s matching "
			  "'%s' that cannot be probed (%s)", skipped,
			  skipped == 1 ? "" : "s", sp->what->arg->str, why);
	bool any = found.len > skipped;
	vec_free(&found);
	return any;
}

static int by_pc(const void *a, const void *b)
{
	const struct dwx_entry *x = *(const struct dwx_entry *const *)a;
	const struct dwx_entry *y = *(const struct dwx_entry *const *)b;

	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* The out-of-line functions of CU cu (const struct dwx_entry *), by
 * entry address, and in decls every function or inlined copy. */
static void cu_functions(const struct dwx_index *x, uint64_t cu,
			 struct vec *out, struct vec *decls)
{
	for (size_t i = 0; i < dwx_count(x); i++) {
		const struct dwx_entry *e = dwx_at(x, i);
		if (e->kind == DWX_LABEL || e->cu != cu)
			continue;
		vec_push(decls, (void *)e);
		if (e->kind == DWX_FUNC)
			vec_push(out, (void *)e);
	}
	qsort(out->items, out->len, sizeof(void *), by_pc);
}

/* The function of fns (by_pc order) whose code holds pc: the one with
 * the greatest entry address at or below it. */
static const struct dwx_entry *function_at(const struct vec *fns, uint64_t pc)
{
	size_t lo = 0, hi = fns->len;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (((const struct dwx_entry *)vec_at(fns, mid))->pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? vec_at(fns, lo - 1) : NULL;
}

/* The first line after function f's body in its file: the next
 * function declared there (decls: the CU's functions and inlined
 * copies), as upstream bounds a function's lines. */
static uint32_t function_end(const struct vec *fns, const struct dwx_entry *f)
{
	uint32_t end = UINT32_MAX;

	for (size_t i = 0; i < fns->len; i++) {
		const struct dwx_entry *g = vec_at(fns, i);
		if (g->file == f->file && g->line > f->line && g->line < end)
			end = g->line;
	}
	return end;
}

/* One statement point: function f at line l. */
static void add_statement(struct dwx_index *x, struct spec *sp,
			  const char *module, struct probe_point *pp,
			  bool wild, const struct dwx_entry *f,
			  const struct dwx_line *l, struct vec *out)
{
	struct dwarf_pt *pt = point_data(x, sp, module, f, l->pc);
	uint32_t line = sp->nearest ? (uint32_t)sp->lo : l->line;
	char *text = xasprintf("%s@%s:%u", dwx_str(x, f->name),
			       dwx_str(x, f->file), line);
	struct probe_point *np = written_out(pp, module, text);

	np->from_wildcard = wild;
	pt->optional = wild;
	add_point(out, np, pt);
	free(text);
}

/* The lines with code of function f (lowest address of each), in
 * [lo, hi]; with .nearest and none there, the next line that has. */
static void function_lines(struct dwx_index *x, struct spec *sp,
			   const char *module, struct probe_point *pp,
			   bool wild, const struct dwx_entry *f,
			   const struct vec *fns, const struct vec *decls,
			   struct vec *out)
{
	uint32_t end = function_end(decls, f);
	uint32_t lo = sp->lo ? (uint32_t)sp->lo : f->line;
	uint32_t hi = sp->lo ? (uint32_t)sp->hi : end - 1;
	struct vec rows = {0};
	struct dwx_line **best;
	uint32_t span;

	if (lo < f->line)
		lo = f->line;
	if (hi >= end)
		hi = end - 1;
	if (sp->nearest)
		hi = end - 1;
	if (lo > hi)
		return;
	if (hi - lo >= 100000)	/* the file's last function: no next
				 * declaration bounds it */
		hi = lo + 99999;
	span = hi - lo + 1;
	dwx_lines(x, f->cu, dwx_str(x, f->file), lo, hi, &rows);
	best = xcalloc(span, sizeof(*best));
	for (size_t j = 0; j < rows.len; j++) {
		struct dwx_line *l = vec_at(&rows, j);
		if (function_at(fns, l->pc) != f)
			continue;
		struct dwx_line **b = &best[l->line - lo];
		if (!*b || l->pc < (*b)->pc)
			*b = l;
	}
	bool found = false;
	uint32_t want_hi = sp->lo ? (uint32_t)sp->hi : hi;
	for (uint32_t ln = lo; ln <= hi; ln++) {
		if (!best[ln - lo])
			continue;
		if (ln > want_hi && (found || !sp->nearest))
			break;
		add_statement(x, sp, module, pp, wild, f, best[ln - lo], out);
		found = true;
		if (ln > want_hi)
			break;
	}
	free(best);
	for (size_t j = 0; j < rows.len; j++)
		free(vec_at(&rows, j));
	vec_free(&rows);
}

/* kernel.statement("FUNC@FILE:LINE[-LINE]") points of one index: each
 * line with code in the out-of-line functions matching FUNC (every
 * function of the file for "*"), bounded by the function's declaration
 * and the next function's; ":*" every line of the function. */
static bool expand_statements(struct dwx_index *x, struct spec *sp,
			      const char *module, struct probe_point *pp,
			      bool wild, struct vec *out)
{
	struct vec funcs = {0};
	struct spec fsp = *sp;
	size_t before = out->len;
	uint64_t cu = 0;
	struct vec fns = {0}, decls = {0};

	if (!sp->file)	/* statement("FUNC"): the function's entry */
		return expand_functions(x, sp, module, pp, wild, out);
	fsp.lo = fsp.hi = 0;
	fsp.call = true;	/* out-of-line copies */
	match_entries(x, &fsp, &funcs);
	for (size_t i = 0; i < funcs.len; i++) {
		const struct dwx_entry *f = dwx_at(x, (size_t)vec_at(&funcs, i) - 1);
		if (unprobeable(f, module))
			continue;
		if (f->cu != cu || !fns.len) {
			fns.len = decls.len = 0;
			cu = f->cu;
			cu_functions(x, cu, &fns, &decls);
		}
		function_lines(x, sp, module, pp, wild, f, &fns, &decls, out);
	}
	vec_free(&fns);
	vec_free(&decls);
	vec_free(&funcs);
	return out->len > before;
}

/* The error for a point that matches nothing, with did-you-mean. */
static void no_match(struct dwx_index *x, const struct spec *sp,
		     const char *module)
{
	struct vec names = {0};
	const char *near = NULL;
	const char *in = module ? module : "the kernel";

	if ((sp->call || sp->ret) && !is_wild(sp->func)) {
		size_t i = dwx_find(x, sp->func);
		if (i < dwx_count(x) && dwx_at(x, i)->kind == DWX_INLINE) {
			diag_error(sp->what->arg->loc, "probe point mismatch: "
				   "'%s' is only inlined in %s: .call and .return "
				   "need an out-of-line copy (.inline probes its "
				   "inlined copies)", sp->func, in);
			return;
		}
	}
	if (!sp->file && !sp->label && !is_wild(sp->func) && !sp->exported &&
	    !sp->inl) {
		function_names(x, &names);
		near = suggest(sp->func, &names);
	}
	if (near)
		diag_error(sp->what->arg->loc, "probe point mismatch: no "
			   "function '%s' in %s's debuginfo (did you mean "
			   "'%s'?)", sp->what->arg->str, in, near);
	else
		diag_error(sp->what->arg->loc, "probe point mismatch: nothing "
			   "matches '%s'%s%s%s in %s's debuginfo",
			   sp->what->arg->str, sp->label ? " with label " : "",
			   sp->label ? sp->label : "", sp->exported ?
			   " among the exported functions" : sp->inl ?
			   " among the inlined copies" : "", in);
	vec_free(&names);
}

/* A point at the entry or return of kernel function name, its
 * variables those of the BTF prototype vars. */
static struct dwarf_pt *btf_point(const struct spec *sp, const char *name,
				  const struct kfunc_vars *vars,
				  const char *why)
{
	struct dwarf_pt *pt = xcalloc(1, sizeof(*pt));

	pt->symbol = xstrdup(name);
	pt->is_return = sp->ret;
	pt->maxactive = sp->maxactive;
	pt->from_btf = true;
	pt->btf = vars;
	pt->btf_why = why;
	return pt;
}

/*
 * Without kernel debuginfo, kernel.function("PATTERN")[.call|.return]
 * probes the entry or return of each function the pattern names (the
 * target's symbols expand a wildcard) as kprobe.function does, their
 * variables the parameters and $return of their BTF prototypes.  False
 * when the point asks for more than that (a file, a line, a label,
 * inlined copies) or nothing matches with a BTF prototype.
 */
static bool expand_btf(struct session *s, const struct spec *sp,
		       struct probe_point *pp, struct vec *out)
{
	struct vec names = {0};
	bool wild = is_wild(sp->func);
	size_t n = 0;

	if (sp->module_point || sp->statement || sp->file || sp->label ||
	    sp->inl || sp->exported)
		return false;
	if (wild) {
		const struct ksyms *ks = target_ksyms(s);
		if (!ks)
			return false;
		ksyms_match(ks, sp->func, &names);
	} else {
		vec_push(&names, (void *)sp->func);
	}
	for (size_t i = 0; i < names.len; i++) {
		const char *name = vec_at(&names, i), *why = NULL;
		const struct kfunc_vars *vars = kfunc_btf_vars(s, name, sp->ret,
							       &why);
		if (!vars)
			continue;
		struct dwarf_pt *pt = btf_point(sp, name, vars, why);
		if (sp->ret)
			pt->btf_entry = kfunc_btf_vars(s, name, false, &why);
		pt->optional = wild;
		struct probe_point *np = wild ? written_out(pp, NULL, name) : pp;
		np->from_wildcard |= wild;
		add_point(out, np, pt);
		n++;
	}
	vec_free(&names);
	if (n && s->verbose)
		fprintf(stderr, "kernel.function(\"%s\"): no kernel debuginfo: "
			"%zu function%s probed with the variables of %s BTF "
			"prototype%s\n", sp->func, n, n == 1 ? "" : "s",
			n == 1 ? "its" : "their", n == 1 ? "" : "s");
	return n > 0;
}

static bool expand_in(struct session *s, struct spec *sp, const char *module,
		      struct probe_point *pp, bool quiet, struct vec *out)
{
	struct dwx_index *x = index_for(s, module, sp->what, module != NULL);
	/* an optional point, or one a wildcard alias reached, stands for
	 * nothing on a kernel without debuginfo, as for a missing function */
	bool may_lack = pp_optional(pp) || pp->from_wildcard;

	if (!x && !module) {
		if (expand_btf(s, sp, pp, out))
			return true;
		x = index_for(s, module, sp->what, !may_lack);
		if (!x)
			return may_lack;
	}
	bool wild = is_wild(sp->func) || is_wild(sp->file) ||
		    is_wild(sp->label) || (sp->module && is_wild(sp->module)) ||
		    pp->from_wildcard;
	bool any;

	if (!x)
		return false;
	if (sp->statement)
		any = expand_statements(x, sp, module, pp, wild, out);
	else
		any = expand_functions(x, sp, module, pp, wild, out);
	if (!any && !quiet && !pp_optional(pp))
		no_match(x, sp, module);
	return any || pp_optional(pp);
}

static bool expand_absolute(struct session *s, struct spec *sp,
			    struct probe_point *pp, struct vec *out)
{
	struct dwarf_pt *pt = xcalloc(1, sizeof(*pt));

	if (!s->guru) {
		diag_error(pp->loc, "kernel.statement(ADDRESS).absolute needs "
			   "guru mode (-g)");
		return false;
	}
	pt->addr = (uint64_t)sp->what->arg->num;
	pt->maxactive = -1;
	add_point(out, pp, pt);
	return true;
}

static bool expand_dwarf(struct session *s, struct probe_point *pp,
			 struct vec *out)
{
	struct spec sp;

	if (!parse_point(pp, &sp))
		return false;
	sp.prologue = s->prologue_searching &&
		      strcmp(s->prologue_searching, "always") == 0;
	if (sp.absolute)
		return expand_absolute(s, &sp, pp, out);
	if (!sp.module_point)
		return expand_in(s, &sp, NULL, pp, false, out);
	if (!is_wild(sp.module))
		return expand_in(s, &sp, sp.module, pp, false, out);

	struct vec mods = {0};
	bool any = false;
	dwarf_find_modules(s, sp.module, &mods);
	for (size_t i = 0; i < mods.len; i++)
		any |= expand_in(s, &sp, vec_at(&mods, i), pp, true, out);
	vec_free(&mods);
	if (!any && !pp_optional(pp))
		diag_error(sp.what->arg->loc, "probe point mismatch: no module "
			   "matching '%s' with debuginfo has '%s'", sp.module,
			   sp.what->arg->str);
	return any || pp_optional(pp);
}

bool dwarf_expand_user(struct session *s, struct dwx_index *x,
		       const char *path, struct probe_point *pp, bool quiet,
		       struct vec *out, struct vec *places)
{
	struct spec sp;
	size_t before = made_data.len;
	bool any, wild;

	if (!parse_point(pp, &sp))
		return false;
	sp.prologue = s->prologue_searching &&
		      strcmp(s->prologue_searching, "always") == 0;
	wild = is_wild(sp.func) || is_wild(sp.file) || is_wild(sp.label) ||
	       pp->from_wildcard;
	if (sp.statement)
		any = expand_statements(x, &sp, path, pp, wild, out);
	else
		any = expand_functions(x, &sp, path, pp, wild, out);
	if (!any && !pp_optional(pp) && !quiet)
		no_match(x, &sp, path);
	for (size_t i = before; i < made_data.len; i++) {
		struct dwarf_pt *pt = vec_at(&made_data, i);
		pt->dp.dbg = dwx_dwarf(x);
		vec_push(places, &pt->dp);
	}
	return any || pp_optional(pp);
}

/* ---- resolve, target variables, the table ---- */

static bool resolve_dwarf(struct rprobe *rp)
{
	static size_t next;	/* points are resolved in the order made */

	for (size_t k = 0; k < made_points.len; k++) {
		size_t i = (next + k) % made_points.len;
		if (vec_at(&made_points, i) != rp->pp)
			continue;
		next = i + 1;
		struct dwarf_pt *pt = vec_at(&made_data, i);
		if (pt->symbol) {
			struct dwx_index *x = hash_get(&indexes, pt->module ?
						       pt->module : "");
			pt->dp.dbg = x ? dwx_dwarf(x) : NULL;
		}
		rp->data = pt;
		return true;
	}
	diag_error(rp->pp->loc, "internal error: DWARF point '%s' was not "
		   "expanded", rp->text);
	return false;
}

static const struct target_var *dwarf_target(const struct rprobe *rp,
					     const char *name)
{
	const struct dwarf_pt *pt = rp->data;

	if (pt && pt->from_btf)
		return kfunc_btf_var(pt->btf, name);
	if (!pt || !pt->dp.dbg || !pt->dp.scope)
		return NULL;
	return dwarf_point_var(&pt->dp, name);
}

static void dwarf_target_list(const struct rprobe *rp, struct vec *out)
{
	const struct dwarf_pt *pt = rp->data;

	if (pt && pt->from_btf)
		kfunc_btf_list(pt->btf, out);
	else if (pt && pt->dp.dbg && pt->dp.scope)
		dwarf_point_vars(&pt->dp, out);
}

/* The point's variables come from its debuginfo (DWARF or BTF). */
static bool dwarf_lists_all(const struct rprobe *rp)
{
	const struct dwarf_pt *pt = rp->data;

	return pt && (pt->from_btf || (pt->dp.dbg && pt->dp.scope));
}

/* A .return point: its kretprobe's entry handler saves @entry's
 * values (elaborate/entry.c). */
static bool dwarf_at_return(const struct rprobe *rp)
{
	const struct dwarf_pt *pt = rp->data;

	return pt && pt->is_return;
}

/* The variable as at a .return point's function entry: the DWARF
 * variables at the entry pc (the kretprobe's address), or the BTF
 * prototype's parameters. */
static const struct target_var *dwarf_entry_target(const struct rprobe *rp,
						   const char *name)
{
	const struct dwarf_pt *pt = rp->data;
	struct dwarf_point at;

	if (!pt || !pt->is_return)
		return NULL;
	if (pt->from_btf)
		return kfunc_btf_var(pt->btf_entry, name);
	if (!pt->dp.dbg || !pt->dp.scope)
		return NULL;
	at = pt->dp;
	at.is_return = false;
	return dwarf_point_var(&at, name);
}

static void dwarf_entry_target_list(const struct rprobe *rp, struct vec *out)
{
	const struct dwarf_pt *pt = rp->data;
	struct dwarf_point at;

	if (!pt || !pt->is_return)
		return;
	if (pt->from_btf) {
		kfunc_btf_list(pt->btf_entry, out);
	} else if (pt->dp.dbg && pt->dp.scope) {
		at = pt->dp;
		at.is_return = false;
		dwarf_point_vars(&at, out);
	}
}

static void emit_dwarf(FILE *out, const struct vec *rps)
{
	const struct rprobe *first = vec_at(rps, 0);

	fprintf(out, "static struct stap_dwarf_probe stap_dwarf_%s[] = {\n",
		first->family == &module_family ? "module" :
		first->family == &kernel_statement_family ? "statement" :
		"function");
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct dwarf_pt *pt = rp->data;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], ", rp->id);
		if (pt->symbol) {
			fputs(".symbol = ", out);
			emit_cstring(out, pt->symbol, strlen(pt->symbol));
			fprintf(out, ", .offset = %#llx",
				(unsigned long long)pt->offset);
		} else {
			fprintf(out, ".addr = %#llxULL",
				(unsigned long long)pt->addr);
		}
		if (pt->kmod) {
			fputs(", .module = ", out);
			emit_cstring(out, pt->kmod, strlen(pt->kmod));
		}
		fprintf(out, ", .is_return = %d, .maxactive = %lld%s },\n",
			pt->is_return, (long long)pt->maxactive,
			pt->optional ? ", .optional = 1" : "");
	}
	fputs("};\n", out);
}

static const char *const kernel_function_shapes[] = {
	"kernel.function(S)", "kernel.function(S).call",
	"kernel.function(S).return", "kernel.function(S).inline",
	"kernel.function(S).exported", "kernel.function(S).label(S)",
	"kernel.function(S).return.maxactive(N)", NULL
};

static const char *const kernel_statement_shapes[] = {
	"kernel.statement(S)", "kernel.statement(S).nearest",
	"kernel.statement(N).absolute", NULL
};

static const char *const module_shapes[] = {
	"module(S).function(S)", "module(S).function(S).call",
	"module(S).function(S).return", "module(S).function(S).inline",
	"module(S).function(S).exported", "module(S).function(S).label(S)",
	"module(S).function(S).return.maxactive(N)", "module(S).statement(S)",
	"module(S).statement(S).nearest", NULL
};

static const char *dwarf_handler_type(const struct rprobe *rp)
{
	return dwarf_at_return(rp) ? "kretprobe" : "kprobe";
}

/* The three families share everything but their names and tables. */
#define DWARF_FAMILY(var, fname, sh, table)				\
const struct probe_family var = {					\
	.name = fname, .shapes = sh, .expand = expand_dwarf,		\
	.resolve = resolve_dwarf, .emit_table = emit_dwarf,		\
	.target = dwarf_target, .target_list = dwarf_target_list,	\
	.lists_all = dwarf_lists_all,					\
	.at_return = dwarf_at_return, .entry_target = dwarf_entry_target, \
	.entry_target_list = dwarf_entry_target_list,			\
	.handler_type_of = dwarf_handler_type,				\
	.runtime = "dwarf", .arm_order = 1,				\
	.ops = "{ .arm = stap_dwarf_arm, .disarm = stap_dwarf_disarm, "	\
	       ".points = " table ", .n = ARRAY_SIZE(" table ") }",	\
}

DWARF_FAMILY(kernel_function_family, "kernel.function",
	     kernel_function_shapes, "stap_dwarf_function");
DWARF_FAMILY(kernel_statement_family, "kernel.statement",
	     kernel_statement_shapes, "stap_dwarf_statement");
DWARF_FAMILY(module_family, "module", module_shapes, "stap_dwarf_module");
