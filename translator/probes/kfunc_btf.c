/*
 * A kernel function's entry and return variables from its BTF
 * prototype (kfunc_btf.h): the x86-64 calling convention places the
 * parameters, the return type types $return in rax.
 *
 * Placement (System V AMD64, the kernel's): each parameter takes one
 * 8-byte word, or two for a struct or union of 9..16 bytes passed by
 * value; words go to rdi rsi rdx rcx r8 r9 while they last (a two-word
 * one only if both fit), the rest to the stack above the return
 * address, in order.  A struct of more than 16 bytes is passed in
 * memory on the stack.  A struct passed in registers has no address
 * to read its members from: it is left out, and asking for it says so.
 */
#include <stdlib.h>
#include <string.h>
#include "kfunc_btf.h"
#include "debuginfo/btf.h"
#include "session.h"

/* The DWARF numbers (tvar.h) of rdi rsi rdx rcx r8 r9, and of rax/sp. */
static const int arg_regs[] = { 5, 4, 1, 2, 8, 9 };
#define REG_AX 0
#define REG_SP 7

struct kfunc_vars {
	struct vec vars;	/* const struct target_var *, in order */
	struct vec in_regs;	/* const char *: by-value structs left out */
	bool is_return;
	bool returns_record;	/* a struct or union: no $return */
};

/* ---- interning -------------------------------------------------------- */

static struct hash interned;	/* key -> struct target_var * */

static const struct target_var *intern(const char *name,
				       const struct ctype *type,
				       const char *spelling,
				       const struct tloc *loc,
				       enum target_var_class class)
{
	char *key = xasprintf("%s %p %s %d %d %lld %d", name,
			      (const void *)type, spelling ? spelling : "",
			      loc->kind, loc->regno, (long long)loc->offset,
			      class);
	struct target_var *tv = hash_get(&interned, key);

	if (tv) {
		free(key);
		return tv;
	}
	tv = xcalloc(1, sizeof(*tv));
	tv->name = xstrdup(name);
	tv->type = type;
	tv->spelling = spelling ? xstrdup(spelling) : NULL;
	tv->loc = *loc;
	tv->access = TARGET_READ;
	tv->rule = "kernel function parameters from BTF are read-only";
	tv->class = class;
	hash_put(&interned, key, tv);
	return tv;
}

/* ---- placement -------------------------------------------------------- */

static bool is_record(const struct ctype *t)
{
	return t->kind == CT_STRUCT || t->kind == CT_UNION;
}

/* Appends the variables of params, placed by the calling convention. */
static void place_params(struct kfunc_vars *kv, const struct vec *params)
{
	size_t reg = 0;
	int64_t stack = 8;	/* sp + 8: the first word above the return
				 * address */

	for (size_t i = 0; i < params->len; i++) {
		const struct kbtf_param *p = vec_at(params, i);
		const struct ctype *t = p->type;
		uint64_t words = t->size > 8 ? (t->size + 7) / 8 : 1;
		struct tloc loc = {0};
		char *name = xasprintf("$%s", p->name ? p->name : "");

		if (is_record(t) && t->size > 16) {
			loc.kind = TL_FRAME;	/* by value, in memory */
			loc.regno = REG_SP;
			loc.offset = stack;
			stack += words * 8;
		} else if (reg + words <= 6) {
			if (is_record(t) || words > 1) {
				vec_push(&kv->in_regs, name);
				reg += words;
				continue;
			}
			loc.kind = TL_REGISTER;
			loc.regno = arg_regs[reg++];
		} else {
			reg = 6;	/* no later one goes to a register */
			loc.kind = TL_FRAME;
			loc.regno = REG_SP;
			loc.offset = stack;
			stack += words * 8;
		}
		if (p->name)
			vec_push(&kv->vars, (void *)intern(name, t, p->spelling,
							   &loc, TV_PARAM));
		free(name);
	}
}

static struct hash computed;	/* "func\n0|1" -> struct kfunc_vars * */

const struct kfunc_vars *kfunc_btf_vars(struct session *s, const char *func,
					bool is_return, const char **why)
{
	char *key = xasprintf("%s\n%d", func, is_return);
	struct kfunc_vars *kv = hash_get(&computed, key);
	struct kbtf *b;
	const struct ctype *ret;
	struct vec params = {0};

	*why = NULL;
	if (kv) {
		free(key);
		return kv;
	}
	if (!(b = target_btf(s))) {
		*why = btf_missing_reason(s);
		free(key);
		return NULL;
	}
	if (!kbtf_func(b, func, &ret, &params)) {
		*why = "the kernel's BTF has no prototype of this function";
		free(key);
		return NULL;
	}
	kv = xcalloc(1, sizeof(*kv));
	kv->is_return = is_return;
	if (is_return && ret->kind != CT_VOID) {
		struct tloc loc = { .kind = TL_REGISTER, .regno = REG_AX };
		char *sp = kbtf_func_ret_spelling(b, func);
		if (!is_record(ret))
			vec_push(&kv->vars, (void *)intern("$return", ret, sp,
							   &loc, TV_RETURN));
		free(sp);
		kv->returns_record = is_record(ret);
	} else if (!is_return) {
		place_params(kv, &params);
	}
	for (size_t i = 0; i < params.len; i++) {
		struct kbtf_param *p = vec_at(&params, i);
		free(p->spelling);
		free(p);
	}
	vec_free(&params);
	hash_put(&computed, key, kv);
	return kv;
}

const struct target_var *kfunc_btf_var(const struct kfunc_vars *vars,
				       const char *name)
{
	for (size_t i = 0; vars && i < vars->vars.len; i++) {
		const struct target_var *tv = vec_at(&vars->vars, i);
		if (!strcmp(tv->name, name))
			return tv;
	}
	return NULL;
}

void kfunc_btf_list(const struct kfunc_vars *vars, struct vec *out)
{
	for (size_t i = 0; vars && i < vars->vars.len; i++)
		vec_push(out, vec_at(&vars->vars, i));
}

/* The parameter names of func, "$a $b", or NULL. */
static char *param_names(struct session *s, const char *func)
{
	const struct kfunc_vars *entry;
	const char *why;
	struct strbuf sb = {0};

	if (!(entry = kfunc_btf_vars(s, func, false, &why)))
		return NULL;
	for (size_t i = 0; i < entry->vars.len; i++) {
		const struct target_var *tv = vec_at(&entry->vars, i);
		sb_printf(&sb, "%s%s", sb.len ? " " : "", tv->name);
	}
	return sb.len ? sb_steal(&sb) : NULL;
}

char *kfunc_btf_missing(struct session *s, const struct kfunc_vars *vars,
			const char *func, bool is_return, const char *why,
			const char *name)
{
	char *params, *msg;

	if (!strncmp(name, "$$", 2))
		return xasprintf("'%s' is a pretty-printed list of the "
				 "variables, not supported yet", name);
	if (!vars)
		return xasprintf("no BTF prototype of '%s' (%s), and target "
				 "variables without BTF need DWARF debuginfo: "
				 "install it with 'stap-prep %s'", func, why,
				 s->kernel_release);
	for (size_t i = 0; i < vars->in_regs.len; i++)
		if (!strcmp(vec_at(&vars->in_regs, i), name))
			return xasprintf("'%s' is a struct passed by value in "
					 "registers, which BTF alone cannot "
					 "read: not supported yet", name);
	params = param_names(s, func);
	if (is_return && params && strstr(params, name) &&
	    kfunc_btf_var(kfunc_btf_vars(s, func, false, &why), name))
		msg = xasprintf("'%s' is a parameter: a .return probe reads "
				"it as at entry (@entry(%s)) when all the "
				"handler's points are .return points", name,
				name);
	else if (!strcmp(name, "$return") && !is_return)
		msg = xasprintf("$return exists in .return probes only");
	else if (!strcmp(name, "$return"))
		msg = xasprintf("'%s' returns %s", func, vars->returns_record ?
				"a struct, which BTF alone cannot read from "
				"registers" : "void");
	else
		msg = xasprintf("'%s' has no parameter '%s' in BTF (%s%s); "
				"locals and other variables need DWARF "
				"debuginfo: install it with 'stap-prep %s'",
				func, name, params ? "its parameters: " :
				"it has no parameters", params ? params : "",
				s->kernel_release);
	free(params);
	return msg;
}
