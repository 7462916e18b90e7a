/*
 * dvars-dump: the DWARF target variables (translator/debuginfo/
 * dwarf_vars.c) of one function in a real vmlinux or module, as a probe
 * at one of its addresses sees them.  The test driver of
 * testsuite/stap.dvars/dwarf.exp.
 *
 *   dvars-dump FILE FUNCTION [WHERE [return]] [CHAIN...]
 *   dvars-dump FILE @type NAME
 *   dvars-dump FILE @var NAME[@SRCFILE]
 *
 * WHERE is "entry" (the function's low pc, the default), "prologue"
 * (the end of its prologue, dwarf_entry_breakpoints) or "+OFFSET"
 * (bytes from the entry).  One line per variable:
 *   $name:SPELLING class=param|local|return type=C-TYPE loc=LOCATION
 * then, per CHAIN ("$file->f_path->dentry", "$a[3]"), the resolved type
 * and location, or the message tvar_resolve returned.  "@type NAME"
 * prints the type @cast would get (dwarf_type_named) with its members.
 */
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "debuginfo/dwarf_vars.h"
#include "debuginfo/dwarf_types.h"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "dvars-dump: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void print_loc(struct strbuf *sb, const struct tloc *l)
{
	switch (l->kind) {
	case TL_REGISTER:
		sb_printf(sb, "reg%d%+" PRId64, l->regno, l->offset);
		break;
	case TL_FRAME:
		sb_printf(sb, "mem[reg%d%+" PRId64 "]", l->regno, l->offset);
		break;
	case TL_MEMORY:
		sb_printf(sb, "mem[0x%" PRIx64 "%+" PRId64 "%s%s]", l->addr,
			  l->offset, l->anchor ? " via " : "",
			  l->anchor ? l->anchor : "");
		break;
	case TL_COMPUTED:
		sb_puts(sb, "mem[");
		print_loc(sb, l->base);
		sb_printf(sb, "%+" PRId64 "]", l->offset);
		break;
	case TL_CONSTANT:
		sb_printf(sb, "const 0x%" PRIx64 "%s", l->addr + l->offset,
			  l->anchor ? " via jiffies" : "");
		break;
	case TL_OPTIMIZED_OUT:
		sb_printf(sb, "optimized-out (%s)", l->why ? l->why : "?");
		break;
	case TL_ACCESSOR:
		sb_puts(sb, "accessor");
		break;
	default:
		sb_puts(sb, "other");
		break;
	}
	if (l->indexes.len)
		sb_printf(sb, " +%zu index terms", l->indexes.len);
}

static const char *class_name(enum target_var_class c)
{
	return c == TV_PARAM ? "param" : c == TV_LOCAL ? "local"
	       : c == TV_RETURN ? "return" : "own";
}

/* "$a->b[3]->c" as the comps the parser would make. */
static void parse_chain(const char *s, char **name, struct vec *comps)
{
	size_t n = strcspn(s + 1, "-[.") + 1;

	*name = xstrndup(s, n);
	s += n;
	while (*s) {
		struct comp *c = xcalloc(1, sizeof(*c));
		if (*s == '[') {
			c->kind = COMP_INDEX_NUM;
			c->num = strtoll(s + 1, (char **)&s, 0);
			s += *s == ']';
		} else {
			s += *s == '.' ? 1 : 2;
			n = strcspn(s, "-[.");
			c->kind = COMP_FIELD;
			c->field = xstrndup(s, n);
			s += n;
		}
		vec_push(comps, c);
	}
}

static void print_chain(const struct dwarf_point *pt, const char *chain)
{
	char *name, *why;
	struct vec comps = {0};
	const struct comp *bad;
	struct strbuf sb = {0};

	parse_chain(chain, &name, &comps);
	const struct target_var *tv = dwarf_point_var(pt, name);
	if (!tv) {
		printf("%s: no such variable\n", chain);
		return;
	}
	struct tvar_ref *ref = tvar_resolve(tv->name, tv->type, &tv->loc,
					    &comps, NULL, &why, &bad);
	if (!ref) {
		printf("%s: %s\n", chain, why);
		return;
	}
	char *t = ctype_describe(ref->ctype);
	print_loc(&sb, &ref->loc);
	printf("%s: type=%s loc=%s", chain, t, sb.buf);
	if (ref->bit_size)
		printf(" bits=%u+%u", ref->bit_offset, ref->bit_size);
	putchar('\n');
}

static void print_type(Dwarf *dbg, const char *name)
{
	const struct ctype *t = dwarf_type_named(dbg, name);

	if (!t) {
		printf("@type %s: none\n", name);
		return;
	}
	char *d = ctype_describe(t);
	printf("@type %s: %s size=%" PRIu64 "\n", name, d,
	       ctype_complete(t)->size);
	if (t->kind != CT_STRUCT && t->kind != CT_UNION && t->kind != CT_ENUM)
		return;
	const struct vec *items = ctype_items(t);
	for (size_t i = 0; i < items->len; i++) {
		if (t->kind == CT_ENUM) {
			const struct cenum *e = vec_at(items, i);
			printf("  %s=%" PRId64 "\n", e->name, e->value);
			continue;
		}
		const struct cmember *m = vec_at(items, i);
		char *md = ctype_describe(m->type);
		printf("  %s: %s @%" PRIu64, m->name ? m->name : "<anon>", md,
		       m->offset);
		if (m->bit_size)
			printf(" bits=%u+%u", m->bit_offset, m->bit_size);
		putchar('\n');
	}
}

/* The DIE of function fn: through the symbol table to its CU. */
static bool find_function(Dwfl_Module *mod, Dwarf *dbg, Dwarf_Addr bias,
			  const char *fn, Dwarf_Die *out)
{
	int n = dwfl_module_getsymtab(mod);

	for (int i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr,
							   NULL, NULL, NULL);
		if (!name || strcmp(name, fn) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		Dwarf_Die cu, *scopes;
		if (!dwarf_addrdie(dbg, addr - bias, &cu))
			continue;
		int ns = dwarf_getscopes(&cu, addr - bias, &scopes);
		for (int j = ns - 1; j >= 0; j--) {
			if (dwarf_tag(&scopes[j]) == DW_TAG_subprogram) {
				*out = scopes[j];
				free(scopes);
				return true;
			}
		}
		free(scopes);
	}
	return false;
}

/* "@stats N": every variable of the first N functions of the symbol
 * table at the prologue end and at the middle of the function, counted
 * by location kind and by why it is out: what the evaluator covers. */
static Dwarf_Addr probe_pc(Dwarf_Die *fn, const char *where);

static void stats(Dwfl_Module *mod, Dwarf *dbg, Dwarf_Addr bias, int max)
{
	static const char *const kinds[] = { "register", "frame", "memory",
		"computed", "optimized-out", "accessor", "constant" };
	int n = dwfl_module_getsymtab(mod), nfn = 0, nvars = 0;
	long count[7] = {0};
	struct hash whys = {0};
	struct vec why_keys = {0};

	for (int i = 0; i < n && nfn < max; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		Dwarf_Die cu, *scopes;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr,
							   NULL, NULL, NULL);
		if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    !sym.st_size || !dwarf_addrdie(dbg, addr - bias, &cu))
			continue;
		int ns = dwarf_getscopes(&cu, addr - bias, &scopes);
		if (ns <= 0)
			continue;
		int j = ns - 1;
		while (j >= 0 && dwarf_tag(&scopes[j]) != DW_TAG_subprogram)
			j--;
		Dwarf_Die fn = scopes[j < 0 ? 0 : j];
		free(scopes);
		if (j < 0)
			continue;
		nfn++;
		Dwarf_Addr pcs[2] = { probe_pc(&fn, "prologue"),
				      addr - bias + sym.st_size / 2 };
		for (int k = 0; k < 2; k++) {
			struct dwarf_point pt = { .dbg = dbg, .pc = pcs[k],
				.scope = dwarf_dieoffset(&fn) };
			struct vec vars = {0};
			dwarf_point_vars(&pt, &vars);
			for (size_t v = 0; v < vars.len; v++) {
				const struct target_var *tv = vec_at(&vars, v);
				nvars++;
				count[tv->loc.kind]++;
				if (tv->loc.kind != TL_OPTIMIZED_OUT)
					continue;
				const char *w = tv->loc.why ? tv->loc.why : "?";
				long c = (long)hash_get(&whys, w);
				if (!c)
					vec_push(&why_keys, (void *)w);
				hash_put(&whys, w, (void *)(c + 1));
			}
			vec_free(&vars);
		}
	}
	printf("functions %d, variables %d\n", nfn, nvars);
	for (int k = 0; k < 7; k++)
		printf("  %s: %ld\n", kinds[k], count[k]);
	for (size_t k = 0; k < why_keys.len; k++)
		printf("  out: %ld %s\n", (long)hash_get(&whys,
		       vec_at(&why_keys, k)), (char *)vec_at(&why_keys, k));
}

static Dwarf_Addr probe_pc(Dwarf_Die *fn, const char *where)
{
	Dwarf_Addr pc, *bk;

	Dwarf_Addr base, end;
	if (dwarf_entrypc(fn, &pc) != 0 &&
	    dwarf_ranges(fn, 0, &base, &pc, &end) <= 0)
		die("%s has no entry address", dwarf_diename(fn));
	if (!where || !strcmp(where, "entry"))
		return pc;
	if (where[0] == '+')
		return pc + strtoull(where + 1, NULL, 0);
	if (!strcmp(where, "prologue") &&
	    dwarf_entry_breakpoints(fn, &bk) > 0) {
		pc = bk[0];
		free(bk);
		return pc;
	}
	if (!strcmp(where, "prologue"))
		return pc;	/* no line information: the entry */
	die("bad address: %s", where);
	return 0;
}

static const Dwfl_Callbacks callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: %s", "dvars-dump FILE FUNCTION [WHERE [return]] "
		    "[CHAIN...]");
	Dwfl *dwfl = dwfl_begin(&callbacks);
	Dwfl_Module *mod = dwfl_report_offline(dwfl, "m", argv[1], -1);
	Dwarf_Addr bias;
	Dwarf *dbg = mod ? dwfl_module_getdwarf(mod, &bias) : NULL;
	Dwarf_Die fn;
	int a = 3;

	dwfl_report_end(dwfl, NULL, NULL);
	if (!dbg)
		die("no DWARF in %s", argv[1]);
	if (!strcmp(argv[2], "@type")) {
		for (; a < argc; a++)
			print_type(dbg, argv[a]);
		return 0;
	}
	if (!strcmp(argv[2], "@var")) {
		for (; a < argc; a++) {
			char *n = xstrdup(argv[a]), *at = strchr(n, '@');
			if (at)
				*at++ = 0;
			const struct target_var *tv = dwarf_global_var(dbg, n, at);
			struct strbuf sb = {0};
			if (!tv) {
				printf("@var %s: none\n", argv[a]);
				continue;
			}
			char *t = ctype_describe(tv->type);
			print_loc(&sb, &tv->loc);
			printf("%s:%s type=%s loc=%s\n", tv->name, tv->spelling,
			       t, sb.buf);
		}
		return 0;
	}
	if (!strcmp(argv[2], "@stats")) {
		stats(mod, dbg, bias, a < argc ? atoi(argv[a]) : 1000);
		return 0;
	}
	if (!find_function(mod, dbg, bias, argv[2], &fn))
		die("no function %s", argv[2]);
	struct dwarf_point pt = { .dbg = dbg, .scope = dwarf_dieoffset(&fn) };
	const char *where = a < argc && argv[a][0] != '$' ? argv[a++] : NULL;
	pt.pc = probe_pc(&fn, where);
	if (a < argc && !strcmp(argv[a], "return")) {
		pt.is_return = true;
		a++;
	}
	printf("%s at +0x%" PRIx64 "%s\n", argv[2],
	       pt.pc - probe_pc(&fn, "entry"), pt.is_return ? " return" : "");
	struct vec vars = {0};
	dwarf_point_vars(&pt, &vars);
	for (size_t i = 0; i < vars.len; i++) {
		const struct target_var *tv = vec_at(&vars, i);
		struct strbuf sb = {0};
		char *t = ctype_describe(tv->type);
		print_loc(&sb, &tv->loc);
		printf("%s:%s class=%s type=%s loc=%s\n", tv->name,
		       tv->spelling, class_name(tv->class), t, sb.buf);
		if (dwarf_point_var(&pt, tv->name) != tv)
			printf("FAIL: %s looked up is another description\n",
			       tv->name);
	}
	for (; a < argc; a++)
		print_chain(&pt, argv[a]);
	dwfl_end(dwfl);
	return 0;
}
