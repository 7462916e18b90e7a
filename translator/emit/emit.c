/*
 * The layout of a generated module, top to bottom:
 *
 *   limits (-D), runtime_defs.h
 *   struct of globals, one struct of locals per handler, their union
 *   runtime_core.h, the runtime file of each probe family in use
 *   global locks, initial values (module parameters, param.c) and
 *     stap_globals_init()
 *   one handler function per probe body
 *   the probe info table, one table per probe family and the
 *     families' ops table stap_families[] (runtime/core.c)
 *   runtime_main.c (session core, transport)
 *   the module parameters of the scalar globals (-G, staprun NAME=VALUE)
 *
 * Handlers are written to a side buffer first: only then is it known
 * how many string temporaries each needs for its locals struct.
 */
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "usyms.h"
#include "probes/probes.h"
#include "session.h"

static void emit_globals(FILE *out, const struct program *prog)
{
	fputs("static struct {\n", out);
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		if (agg_kind(g) != AGG_NONE)
			continue;
		if (g->type == TYPE_STRING)
			fprintf(out, "\tchar v_%s[MAXSTRINGLEN];\n", g->name);
		else
			fprintf(out, "\ts64 v_%s;\n", g->name);
	}
	fputs("\tchar unused_;\n} stap_g;\n\n", out);
}

/*
 * The initial value of each scalar global is a module parameter of the
 * global's name (runtime/param.c): stap_param_NAME holds the
 * initializer, which -G NAME=VALUE or staprun's NAME=VALUE replaces at
 * module load; stap_globals_init() copies it into the global when the
 * session starts, so a loader-given value wins over the initializer.
 */
static void emit_param_vars(FILE *out, const struct program *prog)
{
	bool any = false;

	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		const struct expr *init = g->global->init;
		if (agg_kind(g) != AGG_NONE)
			continue;
		if (!any)
			fputs("#include \"param.c\"\n", out);
		any = true;
		if (g->type == TYPE_STRING) {
			fprintf(out, "static char stap_param_%s[MAXSTRINGLEN] = ",
				g->name);
			if (init)
				emit_cstring(out, init->str, init->len);
			else
				fputs("\"\"", out);
			fputs(";\n", out);
		} else {
			fprintf(out, "static s64 stap_param_%s = %lldLL;\n",
				g->name, init ? (long long)init->num : 0LL);
		}
	}
	if (any)
		fputc('\n', out);
}

/* The parameters themselves, last in the module: a global may be named
 * like a kernel macro (`current`), which must not expand in them. */
static void emit_params(FILE *out, const struct program *prog)
{
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		if (agg_kind(g) != AGG_NONE)
			continue;
		fprintf(out, "#undef %s\nSTAP_PARAM_%s(%s, stap_param_%s);\n",
			g->name, g->type == TYPE_STRING ? "STRING" : "S64",
			g->name, g->name);
	}
}

static void emit_global_init(FILE *out, const struct program *prog)
{
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		fprintf(out, "static struct stap_rwlock stap_lock_%s = "
			"STAP_RWLOCK_INIT;\n", g->name);
	}
	emit_param_vars(out, prog);
	fputs("\nstatic void stap_globals_init(void)\n{\n", out);
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		if (agg_kind(g) != AGG_NONE)
			continue;
		if (g->type == TYPE_STRING)
			fprintf(out, "\tstap_strcpy(stap_g.v_%s, stap_param_%s);\n",
				g->name, g->name);
		else
			fprintf(out, "\tstap_g.v_%s = stap_param_%s;\n",
				g->name, g->name);
	}
	fputs("}\n\n", out);
}

static void emit_locals_struct(FILE *out, const struct pbody *b)
{
	fprintf(out, "struct stap_locals_%d {\n", b->id);
	for (size_t i = 0; i < b->locals.len; i++) {
		const struct sym *s = vec_at(&b->locals, i);
		if (s->type == TYPE_STRING)
			fprintf(out, "\tchar v_%s[MAXSTRINGLEN];\n", s->name);
		else
			fprintf(out, "\ts64 v_%s;\n", s->name);
	}
	if (b->fn)
		fputs(b->ret == TYPE_STRING ? "\tchar retval[MAXSTRINGLEN];\n"
					    : "\ts64 retval;\n", out);
	if (b->string_temps)
		fprintf(out, "\tchar tmp[%d][MAXSTRINGLEN];\n",
			b->string_temps);
	if (b->iters)
		fprintf(out, "\tstruct stap_map_iter it[%d];\n", b->iters);
	fputs("\tchar unused_;\n};\n", out);
}

static int by_global_index(const void *a, const void *b)
{
	const struct sym *x = *(struct sym *const *)a;
	const struct sym *y = *(struct sym *const *)b;
	return x->index - y->index;
}

static bool body_writes(const struct pbody *b, const struct sym *g)
{
	for (size_t i = 0; i < b->globals_written.len; i++)
		if (vec_at(&b->globals_written, i) == g)
			return true;
	return false;
}

/*
 * The lock table `stap_locks_NAME` of a handler or guard body b: the
 * globals it uses, in declaration order (the one order every handler
 * locks in, runtime/lock.c), each for writing or for reading.
 */
static void emit_lock_table(FILE *out, const char *name, struct pbody *b)
{
	if (!b->globals_used.len)
		return;
	qsort(b->globals_used.items, b->globals_used.len, sizeof(void *),
	      by_global_index);
	fprintf(out, "static const struct stap_lock_use stap_locks_%s[] = {\n",
		name);
	for (size_t i = 0; i < b->globals_used.len; i++) {
		const struct sym *g = vec_at(&b->globals_used, i);
		fprintf(out, "\t{ &stap_lock_%s, %s },\n", g->name,
			body_writes(b, g) ? "true" : "false");
	}
	fputs("};\n\n", out);
}

/* Takes the locks of table stap_locks_NAME; on a timeout the probe is
 * a skipped one. */
static void emit_lock_globals(FILE *out, const char *name,
			      const struct pbody *b)
{
	if (!b->globals_used.len)
		return;
	fprintf(out, "\tif (!stap_lock_globals(stap_locks_%s, %zu)) {\n"
		"\t\tstap_skip_probe();\n\t\treturn;\n\t}\n", name,
		b->globals_used.len);
}

static void emit_unlock_globals(FILE *out, const char *name,
				const struct pbody *b)
{
	if (b->globals_used.len)
		fprintf(out, "\tstap_unlock_globals(stap_locks_%s, %zu);\n",
			name, b->globals_used.len);
}

/* Zeroes the locals that are not parameters (and a function's
 * return value): every run of a body starts from 0 and "". */
static void emit_locals_init(FILE *out, const struct pbody *b)
{
	for (size_t i = b->nparams; i < b->locals.len; i++) {
		const struct sym *s = vec_at(&b->locals, i);
		fprintf(out, s->type == TYPE_STRING ? "\tl->v_%s[0] = '\\0';\n"
						    : "\tl->v_%s = 0;\n", s->name);
	}
	if (b->fn)
		fputs(b->ret == TYPE_STRING ? "\tl->retval[0] = '\\0';\n"
					    : "\tl->retval = 0;\n", out);
}

/* The names embedded C inside body b's code may use: STAP_ARG_x for
 * a function's parameters and CONTEXT (undef: their #undefs).  Each
 * on a line of its own, so they may sit inside an expression. */
void emit_embedded_names(FILE *out, const struct pbody *b, bool undef)
{
	for (size_t i = 0; b->fn && i < b->nparams; i++) {
		const struct sym *s = vec_at(&b->locals, i);
		if (undef)
			fprintf(out, "\n#undef STAP_ARG_%s\n", s->name);
		else
			fprintf(out, "\n#define STAP_ARG_%s (l->v_%s)\n",
				s->name, s->name);
	}
	fputs(undef ? "\n#undef CONTEXT\n" : "\n#define CONTEXT c\n", out);
}

/* An embedded-C function's code, with upstream's STAP_ARG_ and
 * STAP_RETVALUE conventions. */
static void emit_embedded_fn(FILE *out, const struct pbody *b)
{
	emit_embedded_names(out, b, false);
	fputs("#define STAP_RETVALUE (l->retval)\n"
	      "#define STAP_RETURN(v) do { STAP_RETVALUE = (v); goto out; } while (0)\n"
	      "#define STAP_NEXT do { c->next_overload = true; goto out; } while (0)\n", out);
	fprintf(out, "\t{\n%s\n\t}\n", b->fn->embedded);
	emit_embedded_names(out, b, true);
	fputs("#undef STAP_RETVALUE\n#undef STAP_RETURN\n#undef STAP_NEXT\n", out);
}

/*
 * One body as a C function.  A handler runs in frame 0 and holds the
 * global locks; a script function runs in the frame of its depth (the
 * caller filled in the parameters) and takes no locks.
 */
static void emit_body_fn(struct emitter *em, struct pbody *b)
{
	FILE *out = em->out;
	char *lock_name = xasprintf("%d", b->id);

	em->body = b;
	em->temps = 0;
	em->iters = 0;
	if (b->fn) {
		fprintf(out, "static void stap_fn_%d(struct context *c)\n{\n",
			b->id);
		fprintf(out, "\tstruct stap_locals_%d *l = "
			"&c->locals[c->nesting].b%d;\n", b->id, b->id);
	} else {
		emit_entry_fn(em, b);
		emit_lock_table(out, lock_name, b);
		fprintf(out, "static void stap_handler_%d(struct context *c)\n{\n",
			b->id);
		fprintf(out, "\tstruct stap_locals_%d *l = &c->locals[0].b%d;\n",
			b->id, b->id);
	}
	fputs("\ts64 cond_ __maybe_unused;\n\n", out);
	emit_locals_init(out, b);
	if (!b->fn)
		emit_lock_globals(out, lock_name, b);
	if (b->fn && b->fn->embedded)
		emit_embedded_fn(out, b);
	else
		emit_stmt(em, b->stmts);
	fputs("leave_: __attribute__((unused));\n", out);
	fputs("out: __attribute__((unused));\n", out);
	if (!b->fn)
		emit_unlock_globals(out, lock_name, b);
	fputs("\t(void)l;\n}\n\n", out);
	free(lock_name);
	b->string_temps = em->temps;
	b->iters = em->iters;
}

static bool body_used(const struct program *prog, const struct pbody *b)
{
	for (size_t i = 0; i < prog->rprobes.len; i++)
		if (((struct rprobe *)vec_at(&prog->rprobes, i))->body == b)
			return true;
	return false;
}

/*
 * The guard of a conditional probe point: evaluates the condition under
 * the locks of the globals it reads, then runs the handler if it holds.
 */
static void emit_guard(struct emitter *em, const struct rprobe *rp)
{
	FILE *out = em->out;
	struct pbody *b = rp->cond;
	char *lock_name = xasprintf("guard_%d", rp->id);

	em->body = rp->body;	/* no locals: only for the frame type */
	em->temps = 0;
	emit_lock_table(out, lock_name, b);
	fprintf(out, "static void stap_guard_%d(struct context *c)\n{\n"
		"\tstruct stap_locals_%d *l __maybe_unused = &c->locals[0].b%d;\n"
		"\ts64 cond_ = 0;\n\n", rp->id, rp->body->id, rp->body->id);
	emit_lock_globals(out, lock_name, b);
	fputs("\tcond_ = (", out);
	emit_expr(em, rp->pp->cond);
	fputs(");\nleave_: __attribute__((unused));\nout: __attribute__((unused));\n", out);
	emit_unlock_globals(out, lock_name, b);
	free(lock_name);
	fprintf(out, "\tif (cond_ && !c->last_error)\n\t\tstap_handler_%d(c);\n}\n\n",
		rp->body->id);
	if (em->temps)
		diag_error(rp->pp->cond->loc, "not supported yet: string "
			   "operations in a probe condition");
}

/* The families of prog's probes, in order of first appearance. */
static void families_used(const struct program *prog, struct vec *out)
{
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		bool seen = false;
		for (size_t j = 0; j < out->len; j++)
			seen |= vec_at(out, j) == rp->family;
		if (!seen)
			vec_push(out, (void *)rp->family);
	}
}

static int by_arm_order(const void *a, const void *b)
{
	const struct probe_family *x = *(const struct probe_family *const *)a;
	const struct probe_family *y = *(const struct probe_family *const *)b;
	return x->arm_order - y->arm_order;
}

/* The families of prog's probes, in arm order. */
static void families_armed(const struct program *prog, struct vec *out)
{
	families_used(prog, out);
	qsort(out->items, out->len, sizeof(void *), by_arm_order);
}

/* The runtime file of each family in use, once each. */
static void emit_family_includes(FILE *out, const struct program *prog)
{
	struct vec fams = {0}, files = {0};

	families_armed(prog, &fams);
	for (size_t j = 0; j < fams.len; j++) {
		const struct probe_family *f = vec_at(&fams, j);
		bool seen = !f->runtime;
		for (size_t k = 0; k < files.len && !seen; k++)
			seen = !strcmp(vec_at(&files, k), f->runtime);
		if (seen)
			continue;
		vec_push(&files, (void *)f->runtime);
		fprintf(out, "#include \"linux/%s.c\"\n", f->runtime);
	}
	vec_free(&files);
	vec_free(&fams);
}

/* stap_families[]: what runtime/core.c arms, runs and disarms, in arm
 * order, ending with an entry without points. */
static void emit_family_ops(FILE *out, const struct program *prog)
{
	struct vec fams = {0};

	families_armed(prog, &fams);
	fputs("\nstatic const struct stap_family_ops stap_families[] = {\n",
	      out);
	for (size_t j = 0; j < fams.len; j++) {
		const struct probe_family *f = vec_at(&fams, j);
		if (f->ops)
			fprintf(out, "\t%s,\n", f->ops);
	}
	fputs("\t{ NULL },\n};\n", out);
	vec_free(&fams);
}

/* stap_probe_infos[], then each family's table. */
static void emit_probe_tables(FILE *out, const struct program *prog)
{
	fputs("static const struct stap_probe_info stap_probe_infos[] = {\n",
	      out);
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		fputs("\t{ ", out);
		emit_cstring(out, rp->text, strlen(rp->text));
		if (rp->cond)
			fprintf(out, ", stap_guard_%d", rp->id);
		else
			fprintf(out, ", stap_handler_%d", rp->body->id);
		emit_entry_info(out, rp->body);
		fputs(", ", out);
		emit_cstring(out, rp->pn, strlen(rp->pn));
		const char *type = probe_handler_type(rp);
		fputs(", ", out);
		emit_cstring(out, type, strlen(type));
		fputs(" },\n", out);
	}
	fputs("};\n\n", out);

	/* group the probes by family, in order of first appearance */
	struct vec families = {0};
	families_used(prog, &families);
	for (size_t j = 0; j < families.len; j++) {
		const struct probe_family *f = vec_at(&families, j);
		struct vec mine = {0};
		for (size_t i = 0; i < prog->rprobes.len; i++) {
			struct rprobe *rp = vec_at(&prog->rprobes, i);
			if (rp->family == f)
				vec_push(&mine, rp);
		}
		f->emit_table(out, &mine);
		vec_free(&mine);
	}
	vec_free(&families);
	emit_family_ops(out, prog);
}

static void emit_defines(FILE *out, const struct session *s)
{
	for (size_t i = 0; i < s->defines.len; i++) {
		const char *d = vec_at(&s->defines, i);
		const char *eq = strchr(d, '=');
		if (eq)
			fprintf(out, "#define %.*s %s\n", (int)(eq - d), d, eq + 1);
		else
			fprintf(out, "#define %s 1\n", d);
	}
}

char *emit_program(struct session *s, struct program *prog)
{
	char *handlers = NULL, *text = NULL;
	size_t hlen, tlen;
	struct emitter em = {0};

	em.out = open_memstream(&handlers, &hlen);
	for (size_t i = 0; i < prog->functions.len; i++)
		fprintf(em.out, "static void stap_fn_%d(struct context *c);\n",
			((struct pbody *)vec_at(&prog->functions, i))->id);
	for (size_t i = 0; i < prog->functions.len; i++)
		emit_body_fn(&em, vec_at(&prog->functions, i));
	for (size_t i = 0; i < prog->bodies.len; i++) {
		struct pbody *b = vec_at(&prog->bodies, i);
		if (body_used(prog, b))
			emit_body_fn(&em, b);
	}
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		struct rprobe *rp = vec_at(&prog->rprobes, i);
		if (rp->cond)
			emit_guard(&em, rp);
	}
	fclose(em.out);

	FILE *out = open_memstream(&text, &tlen);
	fprintf(out, "/* Generated by stap %s for kernel %s. */\n", STAP_VERSION,
		s->kernel_release);
	emit_defines(out, s);
	if (em.regex)
		fputs("#define STAP_NEED_REGEX 1\n", out);
	fputs("#include \"runtime_defs.h\"\n\n", out);
	emit_globals(out, prog);
	for (size_t i = 0; i < prog->bodies.len; i++)
		emit_locals_struct(out, vec_at(&prog->bodies, i));
	for (size_t i = 0; i < prog->functions.len; i++)
		emit_locals_struct(out, vec_at(&prog->functions, i));
	fputs("\nunion stap_locals {\n", out);
	size_t nbodies = prog->bodies.len + prog->functions.len;
	for (size_t i = 0; i < nbodies; i++)
		fprintf(out, "\tstruct stap_locals_%d b%d;\n", (int)i, (int)i);
	fputs("};\n\n#include \"runtime_core.h\"\n", out);
	emit_family_includes(out, prog);
	emit_usyms(out, s, prog);
	fputc('\n', out);
	emit_aggregate_globals(out, prog);
	for (size_t i = 0; i < prog->embeds.len; i++)
		fprintf(out, "%s\n", ((struct embed *)vec_at(&prog->embeds, i))->code);
	emit_global_init(out, prog);
	fputs(handlers, out);
	emit_probe_tables(out, prog);
	fputs("\n#include \"runtime_main.c\"\n", out);
	emit_params(out, prog);
	fclose(out);
	free(handlers);
	vec_free(&em.loop_continue);
	return text;
}
