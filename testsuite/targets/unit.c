/*
 * Host-side unit test of the target-variable type model, chain walking
 * and lowering to C (translator/debuginfo/ctype.c, tvar.c,
 * tvar_emit.c), which no family exercises yet beyond procfs's $value:
 * it builds struct types with members, bitfields, an anonymous union
 * and arrays, resolves $p->in->arr[3] and friends, and checks each
 * step's offset and type, the final location and the C text.
 *
 * Prints "PASS: name" or "FAIL: name" (with what differed) per check;
 * exits 1 on any failure.  `unit exec FILE` instead writes a program
 * that runs lowered C over real objects (see write_exec).  Built by `make testsuite/targets/tvar-unit`
 * and run by testsuite/stap.targets/targets.exp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debuginfo/tvar.h"

static int failures;

static void check(const char *name, bool ok, const char *got,
		  const char *want)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
	if (!ok) {
		failures++;
		if (got || want)
			printf("  got:  %s\n  want: %s\n", got ? got : "(null)",
			       want ? want : "(null)");
	}
}

static void check_str(const char *name, const char *got, const char *want)
{
	check(name, got && want && !strcmp(got, want), got, want);
}

static void check_num(const char *name, long long got, long long want)
{
	char g[32], w[32];
	snprintf(g, sizeof(g), "%lld", got);
	snprintf(w, sizeof(w), "%lld", want);
	check(name, got == want, g, w);
}

/* ---- the types: what DWARF or BTF would describe ---- */

/*
 * struct inner { int x; unsigned char lo:3, hi:2; long arr[4]; };
 * struct outer {
 *	struct inner *in;	 0
 *	struct inner emb;	 8
 *	union { int u1; short u2; };	48
 *	struct outer *next;	56
 *	char name[16];		64
 * };				80
 */
static const struct ctype *t_int, *t_long, *t_inner, *t_outer, *t_voidp;

static void build_types(void)
{
	const struct ctype *uchar = ctype_int(1, false);
	struct ctype *inner = ctype_record(CT_STRUCT, "inner", 40);
	struct ctype *outer = ctype_record(CT_STRUCT, "outer", 80);
	struct ctype *un = ctype_record(CT_UNION, NULL, 4);

	t_int = ctype_int(4, true);
	t_long = ctype_int(8, true);
	ctype_add_member(inner, "x", t_int, 0, 0, 0);
	ctype_add_member(inner, "lo", uchar, 4, 0, 3);
	ctype_add_member(inner, "hi", uchar, 4, 3, 2);
	ctype_add_member(inner, "arr", ctype_array(t_long, 4), 8, 0, 0);
	ctype_add_member(un, "u1", t_int, 0, 0, 0);
	ctype_add_member(un, "u2", ctype_int(2, true), 0, 0, 0);
	ctype_add_member(outer, "in", ctype_pointer(inner), 0, 0, 0);
	ctype_add_member(outer, "emb", inner, 8, 0, 0);
	ctype_add_member(outer, NULL, un, 48, 0, 0);
	ctype_add_member(outer, "next", ctype_pointer(outer), 56, 0, 0);
	ctype_add_member(outer, "name", ctype_array(ctype_int(1, true), 16),
			 64, 0, 0);
	t_inner = inner;
	t_outer = outer;
	t_voidp = ctype_pointer(&ctype_void_type);
}

/* ---- chains, as the parser gives them ---- */

/* "in", "arr", "[3]", "[i]" (a run-time index: i is a script long). */
static struct vec chain(const char *spec)
{
	struct vec v = {0};
	char *s = xstrdup(spec), *tok, *save;

	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct comp *c = xcalloc(1, sizeof(*c));
		if (tok[0] == '[' && tok[1] >= '0' && tok[1] <= '9') {
			c->kind = COMP_INDEX_NUM;
			c->num = atoll(tok + 1);
		} else if (tok[0] == '[') {
			struct expr *e = xcalloc(1, sizeof(*e));
			e->kind = E_VAR;
			e->name = xstrndup(tok + 1, strlen(tok) - 2);
			c->kind = COMP_INDEX_EXPR;
			c->index = e;
		} else {
			c->kind = COMP_FIELD;
			c->field = xstrdup(tok);
		}
		vec_push(&v, c);
	}
	return v;
}

static struct tvar_ref *walk(const char *name, const struct ctype *t,
			     const struct tloc *loc, const char *spec,
			     char **why)
{
	struct vec comps = chain(spec);
	const struct comp *bad;
	return tvar_resolve(name, t, loc, &comps, NULL, why, &bad);
}

/* ---- lowering into a string ---- */

static void print_expr(void *arg, const struct expr *e)
{
	fprintf(arg, "l->v_%s", e->name);
}

static void print_where(void *arg)
{
	fputs("WHERE", arg);
}

static char *lower(const struct tvar_ref *ref, const char *assign)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct tlower tl = { .out = f, .expr = print_expr,
			     .where = print_where, .arg = f };
	struct expr value = { .kind = E_VAR, .name = (char *)assign };

	if (assign)
		tvar_emit_write(&tl, ref, false, &value);
	else
		tvar_emit_read(&tl, ref);
	fclose(f);
	return buf;
}

/* What emit_kread prints, for building expected texts. */
static char *kread(int d, const char *addr, int size, const char *cast)
{
	return xasprintf("({ u64 v%d_ = 0; unsigned long a%d_ = %s; if "
			 "(copy_from_kernel_nofault(&v%d_, (const void *)a%d_, "
			 "%d)) { stap_errorf(c, WHERE, \"kernel read fault "
			 "[man error::fault] at 0x%%016lx\", a%d_); goto out; } (s64)(%s)v%d_; })",
			 d, d, addr, d, d, size, d, cast, d);
}

/* ---- the tests ---- */

static const struct tloc in_di = { .kind = TL_REGISTER, .regno = 5 };
/* The address $p (a struct outer * in di) holds, as C. */
static const char p_addr[] = "((unsigned long)((s64)(u64)c->regs->di))";

/* Resolves spec from a variable, checking that it does. */
static struct tvar_ref *resolves(const char *name, const struct ctype *t,
				 const struct tloc *loc, const char *spec)
{
	char *why, *what = xasprintf("%s %s resolves", name, spec);
	struct tvar_ref *r = walk(name, t, loc, spec, &why);

	check(what, r != NULL, why, NULL);
	free(what);
	return r;
}

/* The same from $p. */
static struct tvar_ref *p_resolves(const char *spec)
{
	return resolves("$p", ctype_pointer(t_outer), &in_di, spec);
}

static void test_model(void)
{
	uint64_t off = 0;
	const struct cmember *m = ctype_member(t_outer, "u2", &off);

	check("anonymous union member found", m != NULL, NULL, NULL);
	check_num("anonymous union member offset", (long long)off, 48);
	check_num("long script type", ctype_script_type(t_long), TYPE_LONG);
	check_num("struct has no script type", ctype_script_type(t_outer),
		  TYPE_UNKNOWN);
	check_num("string script type", ctype_script_type(&ctype_string_type),
		  TYPE_STRING);
	check_str("describe pointer", ctype_describe(ctype_pointer(t_outer)),
		  "struct outer *");
	check_str("describe array", ctype_describe(ctype_array(t_long, 4)),
		  "long[4]");
}

/* $p->in->arr[3], $p a struct outer * in di. */
static void test_pointer_chain(void)
{
	struct tvar_ref *r = p_resolves("in arr [3]");

	if (!r)
		return;
	const struct tvar_step *s0 = vec_at(&r->steps, 0),
		*s1 = vec_at(&r->steps, 1), *s2 = vec_at(&r->steps, 2);
	check_num("steps", (long long)r->steps.len, 3);
	check("->in follows $p", s0->deref && s0->offset == 0 &&
	      s0->type->kind == CT_POINTER && s0->type->base == t_inner,
	      NULL, NULL);
	check("->arr follows ->in, offset 8", s1->deref && s1->offset == 8 &&
	      s1->type->kind == CT_ARRAY, NULL, NULL);
	check("[3] in place, offset 24", !s2->deref && s2->offset == 24 &&
	      s2->type == t_long, NULL, NULL);
	check_num("final type long", r->type, TYPE_LONG);
	check("location: computed from computed from di",
	      r->loc.kind == TL_COMPUTED && r->loc.offset == 32 &&
	      r->loc.base->kind == TL_COMPUTED && r->loc.base->offset == 0 &&
	      r->loc.base->base->kind == TL_REGISTER &&
	      r->loc.base->base->regno == 5, NULL, NULL);

	char *inner = kread(1, p_addr, 8, "u64");
	char *addr = xasprintf("((unsigned long)%s + (32L))", inner);
	check_str("$p->in->arr[3] C", lower(r, NULL), kread(0, addr, 8, "s64"));
}

/* $p->emb->x, $p->u2: members of an embedded struct and union are
 * reached without following a pointer. */
static void test_embedded(void)
{
	struct tvar_ref *r = p_resolves("emb x");

	if (r)
		check("$p->emb->x at 8 through di", r->loc.offset == 8 &&
		      r->loc.base->kind == TL_REGISTER && r->ctype == t_int,
		      NULL, NULL);
	r = p_resolves("u2");
	if (r)
		check("$p->u2 a short at 48", r->loc.offset == 48 &&
		      r->ctype->size == 2 && r->ctype->is_signed, NULL, NULL);
}

/* $s->next->name: $s a struct outer in a frame slot at bp-40; an array
 * value is its address. */
static void test_frame_array(void)
{
	struct tloc slot = { .kind = TL_FRAME, .regno = 6, .offset = -40 };
	struct tvar_ref *r = resolves("$s", t_outer, &slot, "next name");

	if (!r)
		return;
	check("->next in the slot at bp+16", r->loc.kind == TL_COMPUTED &&
	      r->loc.base->kind == TL_FRAME && r->loc.base->offset == 16 &&
	      r->loc.offset == 64, NULL, NULL);
	char *next = kread(0, "((unsigned long)c->regs->bp + (16L))", 8,
			   "u64");
	check_str("$s->next->name C (an address)", lower(r, NULL),
		  xasprintf("((s64)((unsigned long)%s + (64L)))", next));
}

/* $p->in->arr[i]: a run-time index. */
static void test_runtime_index(void)
{
	struct tvar_ref *r = p_resolves("in arr [i]");

	if (!r)
		return;
	check("one index term, stride 8", r->loc.indexes.len == 1 &&
	      ((struct tindex *)vec_at(&r->loc.indexes, 0))->stride == 8 &&
	      r->loc.offset == 8, NULL, NULL);
	char *inner = kread(1, p_addr, 8, "u64");
	char *addr = xasprintf("((unsigned long)%s + (8L) + (unsigned long)"
			       "(l->v_i) * 8UL)", inner);
	check_str("$p->in->arr[i] C", lower(r, NULL), kread(0, addr, 8, "s64"));
}

/* $p->emb->hi: bits 3-4 of the byte at 12. */
static void test_bitfield(void)
{
	struct tvar_ref *r = p_resolves("emb hi");

	if (!r)
		return;
	check("bitfield bits 3+2 at 12", r->bit_offset == 3 &&
	      r->bit_size == 2 && r->loc.offset == 12, NULL, NULL);
	/* p_addr without its closing ')', plus the offset */
	char *addr = xasprintf("%.*s + (12L))", (int)strlen(p_addr) - 1,
			       p_addr);
	char *byte = kread(0, addr, 1, "u8");
	check_str("$p->emb->hi C", lower(r, NULL),
		  xasprintf("((s64)((u64)((u64)%s << 59) >> 62))", byte));
}

/* Registers, globals and assignment. */
static void test_locations(void)
{
	struct tloc glob = { .kind = TL_MEMORY, .addr = 0xffffffff81000000ULL };
	char *why;
	struct tvar_ref *r = walk("$i", t_int, &in_di, "", &why);

	check_str("$i in di C", r ? lower(r, NULL) : why,
		  "((s64)(s32)c->regs->di)");
	check_str("$i = v C", r ? lower(r, "v") : why,
		  "({ s64 w0_ = l->v_v; c->regs->di = (unsigned long)(u32)w0_;"
		  " w0_; })");
	r = walk("$g", t_int, &glob, "", &why);
	check_str("global int C", r ? lower(r, NULL) : why,
		  kread(0, "((unsigned long)0xffffffff81000000UL)", 4, "s32"));
	check_str("global int = v C", r ? lower(r, "v") : why,
		  "({ s64 w0_ = l->v_v; u32 t0_ = (u32)w0_; unsigned long a0_ = "
		  "((unsigned long)0xffffffff81000000UL); if (copy_to_kernel_"
		  "nofault((void *)a0_, &t0_, sizeof(t0_))) { stap_errorf(c, "
		  "WHERE, \"kernel write fault [man error::fault] at 0x%016lx\", a0_); goto out; }"
		  " w0_; })");
}

/* procfs's $value: a string behind accessors. */
static void test_accessor(void)
{
	struct tloc acc = { .kind = TL_ACCESSOR,
			    .acc = { "stap_procfs_value", "stap_procfs_set",
				     "stap_procfs_append" } };
	char *why;
	struct tvar_ref *r = walk("$value", &ctype_string_type, &acc, "", &why);

	check("$value is a string", r && r->type == TYPE_STRING, why, NULL);
	check_str("$value C", r ? lower(r, NULL) : why, "stap_procfs_value(c)");
	check_str("$value = v C", r ? lower(r, "v") : why,
		  "stap_procfs_set(c, l->v_v)");
	r = walk("$value", &ctype_string_type, &acc, "x", &why);
	check_str("$value->x error", why, "is a string: '->', '[...]' and '$' "
		  "do not apply to it");
}

/* Chains that do not resolve, from a variable in di, and why. */
static void test_errors(void)
{
	const struct ctype *po = ctype_pointer(t_outer);
	const struct {
		const char *var;
		const struct ctype *type;
		const char *spec, *why;
	} cases[] = {
		{ "$p", po, "nosuch",
		  "has no member 'nosuch' in struct outer ($p)" },
		{ "$i", t_int, "x",
		  "is an int: '->', '[...]' and '$' do not apply to it" },
		{ "$p", po, "emb x y", "has $p->emb->x as an int: '->' and "
		  "'[...]' do not apply to it" },
		{ "$p", po, "emb", "has $p->emb as a struct inner, which has "
		  "no script value: pick a member with '->'" },
		{ "$v", t_voidp, "[1]",
		  "cannot index $v, a void *: its elements have no size" },
		{ "$p", po, "emb lo x", "has the bitfield $p->emb->lo: '->' "
		  "and '[...]' do not apply to it" },
		{ "$s", t_outer, "emb",
		  "holds $s in a register: its parts cannot be reached yet" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *why, *name = xasprintf("error: %s %s", cases[i].var,
					     cases[i].spec);
		walk(cases[i].var, cases[i].type, &in_di, cases[i].spec, &why);
		check_str(name, why, cases[i].why);
		free(name);
	}
}

/*
 * `unit exec FILE`: writes a C program that runs the lowered C of
 * chains over real objects of the same layout (registers, memory and
 * the kernel's copies mocked) and compares each value with what C
 * itself reads; targets.exp compiles and runs it.
 */
static const struct {
	const char *var, *spec, *want;
} exec_cases[] = {
	{ "$p", "in arr [3]", "p->in->arr[3]" },
	{ "$p", "in arr [i]", "p->in->arr[l->v_i]" },
	{ "$p", "emb x", "p->emb.x" },
	{ "$p", "emb lo", "p->emb.lo" },
	{ "$p", "emb hi", "p->emb.hi" },
	{ "$p", "u2", "p->u2" },
	{ "$p", "next in x", "p->next->in->x" },
	{ "$s", "next name", "(s64)(unsigned long)s->next->name" },
	{ "$s", "emb arr [1]", "s->emb.arr[1]" },
};

static const char exec_prologue[] =
	"#include <stdarg.h>\n#include <stdint.h>\n#include <stdio.h>\n"
	"#include <string.h>\n"
	"typedef int8_t s8; typedef int16_t s16; typedef int32_t s32;\n"
	"typedef int64_t s64; typedef uint8_t u8; typedef uint16_t u16;\n"
	"typedef uint32_t u32; typedef uint64_t u64;\n"
	"struct pt_regs { unsigned long ax, dx, cx, bx, si, di, bp, sp, r8, "
	"r9, r10, r11, r12, r13, r14, r15, ip; };\n"
	"struct context { struct pt_regs *regs; };\n"
	"struct locals { s64 v_i, v_v; };\n"
	"static int faults;\n"
	"static int copy_from_kernel_nofault(void *d, const void *s, size_t n)"
	" { if (!s) return -14; memcpy(d, s, n); return 0; }\n"
	"static int copy_to_kernel_nofault(void *d, const void *s, size_t n)"
	" { if (!d) return -14; memcpy(d, s, n); return 0; }\n"
	"static void stap_errorf(struct context *c, const char *loc, "
	"const char *fmt, ...) { faults++; }\n"
	"struct inner { int x; unsigned char lo:3, hi:2; long arr[4]; };\n"
	"struct outer { struct inner *in; struct inner emb; union { int u1; "
	"short u2; }; struct outer *next; char name[16]; };\n"
	"static struct inner in0 = { -5, 5, 3, { 10, -20, 30, -40 } };\n"
	"static struct outer o1 = { &in0, { 7, 1, 2, { 1, 2, 3, 4 } }, "
	"{ .u1 = 0xfffe }, NULL, \"one\" };\n"
	"static struct outer o0 = { &in0, { -9, 6, 1, { -1, -2, -3, -4 } }, "
	"{ .u1 = 0xfffe }, &o1, \"zero\" };\n"
	"static unsigned char frame[128];\n"
	"#define WHERE \"here\"\n";

static void write_exec(FILE *f)
{
	struct tloc slot = { .kind = TL_FRAME, .regno = 6, .offset = -40 };
	size_t n = sizeof(exec_cases) / sizeof(exec_cases[0]);
	char *why;

	fputs(exec_prologue, f);
	for (size_t i = 0; i < n; i++) {
		bool p = exec_cases[i].var[1] == 'p';
		struct tvar_ref *r = walk(exec_cases[i].var,
					  p ? ctype_pointer(t_outer) : t_outer,
					  p ? &in_di : &slot,
					  exec_cases[i].spec, &why);
		fprintf(f, "static s64 eval%zu(struct context *c, struct locals "
			"*l)\n{\n\treturn %s;\nout:\n\treturn -999;\n}\n",
			i, r ? lower(r, NULL) : "/* unresolved */ -998");
	}
	struct tvar_ref *w = walk("$p", ctype_pointer(t_outer), &in_di,
				  "in x", &why);
	fprintf(f, "static s64 store(struct context *c, struct locals *l)\n"
		"{\n\treturn %s;\nout:\n\treturn -999;\n}\n",
		w ? lower(w, "v") : "-998");
	fputs("int main(void)\n{\n\tstruct pt_regs regs = { 0 };\n"
	      "\tstruct context ctx = { &regs }, *c = &ctx;\n"
	      "\tstruct locals loc = { .v_i = 2 }, *l = &loc;\n"
	      "\tstruct outer *p = &o0, *s = (struct outer *)(frame + 8);\n"
	      "\tint bad = 0;\n\tmemcpy(s, &o0, sizeof(o0));\n"
	      "\tregs.di = (unsigned long)p;\n"
	      "\tregs.bp = (unsigned long)s + 40;\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\tif (eval%zu(c, l) != (s64)(%s)) { bad++; printf("
			"\"FAIL: %s%s: %%lld, want %%lld\\n\", (long long)"
			"eval%zu(c, l), (long long)(%s)); } else printf(\"PASS:"
			" %s %s\\n\");\n", i, exec_cases[i].want,
			exec_cases[i].var, exec_cases[i].spec, i,
			exec_cases[i].want, exec_cases[i].var,
			exec_cases[i].spec);
	fputs("\tloc.v_v = -77;\n\tif (store(c, l) != -77 || in0.x != -77) "
	      "{ bad++; printf(\"FAIL: $p->in->x = -77\\n\"); } else "
	      "printf(\"PASS: $p->in->x = -77\\n\");\n"
	      "\treturn bad || faults;\n}\n", f);
}

int main(int argc, char **argv)
{
	build_types();
	if (argc == 3 && !strcmp(argv[1], "exec")) {
		FILE *f = fopen(argv[2], "w");
		if (!f)
			return 2;
		write_exec(f);
		return fclose(f) ? 2 : 0;
	}
	test_model();
	test_pointer_chain();
	test_embedded();
	test_frame_array();
	test_runtime_index();
	test_bitfield();
	test_locations();
	test_accessor();
	test_errors();
	printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
