/*
 * Pretty printing of target variables and &$var, for pass 2: the
 * generic part every family with typed variables gets (DWARF, BTF,
 * tracepoints), built from the family's variable list (probes.h
 * target_list) and the type model.
 *
 * Each form becomes, in place, the sprintf of ordinary target variable
 * reads (then resolved as any other), in upstream's formats
 * (stapprobes(3stap)):
 *
 *   $$vars, $$parms, $$locals: "a=%#x b=%#x" for integers and
 *	pointers, "s={...}" for a struct or union, "v=[...]" for an
 *	array, "x=?" for a variable with no value here;
 *   $$return: "return=%#x", or "" when there is no $return;
 *   with "$" / "$$" each variable is "name=" and its pretty form;
 *   $v$: a struct's members "{.a=%i, .b=%u, .c={...}, .d=[...]}"
 *	(signed %i, unsigned %u, 1-byte integers '%#c', pointers %p,
 *	char pointers and arrays as kernel_string_quoted (user_string_
 *	quoted for a user-space variable: tloc.user), anonymous
 *	members <union>= / <class>=); a pointer is followed first (a
 *	NULL one prints NULL);
 *   $v$$: the same, nested structs and arrays expanded ("[first, ...]")
 *	until 32 values are printed, "..." for the rest.
 *
 * A fault while reading a member ends the probe with the read fault
 * error naming the script location (upstream prints ERROR for the whole
 * variable instead).
 */
#include <stdlib.h>
#include <string.h>
#include "probes/probes.h"
#include "resolver.h"
#include "session.h"

/* Values one pretty-printed variable shows at most: upstream's. */
#define PRETTY_MAX_VALUES 32

/* One sprintf being built. */
struct pretty {
	struct srcloc loc;
	const char *name;	/* the variable, "$file" */
	struct strbuf fmt;
	struct vec args;	/* struct expr * */
	bool deep;		/* "$$" */
	bool full;		/* PRETTY_MAX_VALUES reached */
	bool user;		/* the variable is in user space: strings
				 * are read with user_string_quoted */
};

static struct expr *str_node(struct srcloc loc, const char *s)
{
	struct expr *e = expr_new(E_STR, loc);
	e->str = xstrdup(s);
	e->len = strlen(s);
	return e;
}

/* The target variable `name` with comps, and one more when extra. */
static struct expr *target_node(struct srcloc loc, const char *name,
				const struct vec *comps, struct comp *extra)
{
	struct expr *e = expr_new(E_TARGET, loc);

	e->name = xstrdup(name);
	for (size_t i = 0; i < comps->len; i++)
		vec_push(&e->comps, vec_at(comps, i));
	if (extra)
		vec_push(&e->comps, extra);
	return e;
}

static struct expr *call_node(struct srcloc loc, const char *fn,
			      struct expr *arg)
{
	struct expr *e = expr_new(E_CALL, loc);
	e->name = xstrdup(fn);
	if (arg)
		vec_push(&e->args, arg);
	return e;
}

static struct comp *field_comp(struct srcloc loc, const char *name)
{
	struct comp *c = xcalloc(1, sizeof(*c));
	c->kind = COMP_FIELD;
	c->loc = loc;
	c->field = xstrdup(name);
	return c;
}

static struct comp *index_comp(struct srcloc loc, int64_t n)
{
	struct comp *c = xcalloc(1, sizeof(*c));
	c->kind = COMP_INDEX_NUM;
	c->loc = loc;
	c->num = n;
	return c;
}

/* A comps vector: comps plus extra. */
static struct vec *comps_plus(const struct vec *comps, struct comp *extra)
{
	struct vec *v = xcalloc(1, sizeof(*v));
	for (size_t i = 0; i < comps->len; i++)
		vec_push(v, vec_at(comps, i));
	vec_push(v, extra);
	return v;
}

static bool is_char(const struct ctype *t)
{
	return t->kind == CT_INT && t->size == 1;
}

static void add_read(struct pretty *p, const char *conv,
		     const struct vec *comps)
{
	sb_puts(&p->fmt, conv);
	vec_push(&p->args, target_node(p->loc, p->name, comps, NULL));
}

static void add_string(struct pretty *p, const struct vec *comps)
{
	sb_puts(&p->fmt, "%s");
	vec_push(&p->args, call_node(p->loc, p->user ? "user_string_quoted"
					     : "kernel_string_quoted",
				     target_node(p->loc, p->name, comps,
						 NULL)));
}

static void value(struct pretty *p, const struct ctype *t,
		  const struct vec *comps, bool nested);

/* A struct's or union's members, {.a=..., <union>={...}}. */
static void record(struct pretty *p, const struct ctype *t,
		   const struct vec *comps)
{
	const struct vec *items = ctype_items(t);

	sb_putc(&p->fmt, '{');
	for (size_t i = 0; i < items->len; i++) {
		const struct cmember *m = vec_at(items, i);
		if (i)
			sb_puts(&p->fmt, ", ");
		if (p->args.len >= PRETTY_MAX_VALUES || p->full) {
			p->full = true;
			sb_puts(&p->fmt, "...");
			break;
		}
		if (!m->name) {	/* its members are reached through t */
			sb_puts(&p->fmt, m->type->kind == CT_UNION
				? "<union>=" : "<class>=");
			value(p, m->type, comps, true);
			continue;
		}
		sb_printf(&p->fmt, ".%s=", m->name);
		value(p, m->type, comps_plus(comps, field_comp(p->loc,
							       m->name)),
		      true);
	}
	sb_putc(&p->fmt, '}');
}

/* The value of type t reached by comps; nested: inside a struct or
 * array, where "$" stops. */
static void value(struct pretty *p, const struct ctype *t,
		  const struct vec *comps, bool nested)
{
	switch (t->kind) {
	case CT_INT:
		add_read(p, is_char(t) ? "'%#c'" : t->is_signed ? "%i" : "%u",
			 comps);
		return;
	case CT_BOOL:
		add_read(p, "%u", comps);
		return;
	case CT_ENUM:
		add_read(p, t->is_signed ? "%i" : "%u", comps);
		return;
	case CT_POINTER:
		if (is_char(t->base))
			add_string(p, comps);
		else
			add_read(p, "%p", comps);
		return;
	case CT_ARRAY:
		if (is_char(t->base)) {
			add_string(p, comps);
		} else if (nested && !p->deep) {
			sb_puts(&p->fmt, "[...]");
		} else {
			sb_putc(&p->fmt, '[');
			value(p, t->base, comps_plus(comps, index_comp(p->loc,
								       0)),
			      true);
			sb_puts(&p->fmt, ", ...]");
		}
		return;
	case CT_STRUCT:
	case CT_UNION:
		if (nested && !p->deep)
			sb_puts(&p->fmt, ctype_items(t)->len ? "{...}" : "{}");
		else
			record(p, t, comps);
		return;
	case CT_STRING:
		sb_puts(&p->fmt, "%s");
		vec_push(&p->args, call_node(p->loc, "string_quoted",
					     target_node(p->loc, p->name,
							 comps, NULL)));
		return;
	default:
		sb_puts(&p->fmt, "?");
		return;
	}
}

/* sprintf(fmt, args...), or the format alone when it has no args. */
static struct expr *finish(struct pretty *p)
{
	struct expr *s = str_node(p->loc, p->fmt.buf ? p->fmt.buf : "");

	sb_free(&p->fmt);
	if (!p->args.len)
		return s;
	struct expr *e = call_node(p->loc, "sprintf", s);
	for (size_t i = 0; i < p->args.len; i++)
		vec_push(&e->args, vec_at(&p->args, i));
	return e;
}

/* The pretty form of variable name (of type t after comps): a
 * pointer is followed first, NULL printing "NULL". */
static struct expr *pretty_var(struct srcloc loc, const char *name,
			       const struct ctype *t, const struct vec *comps,
			       bool deep, bool user)
{
	struct pretty p = { .loc = loc, .name = name, .deep = deep,
			    .user = user };

	if (t->kind != CT_POINTER || is_char(t->base) ||
	    t->base->kind == CT_VOID || t->base->kind == CT_FUNC ||
	    !ctype_complete(t->base)->size) {
		value(&p, t, comps, false);
		return finish(&p);
	}
	if (t->base->kind == CT_STRUCT || t->base->kind == CT_UNION)
		record(&p, t->base, comps);	/* '->' follows it */
	else
		value(&p, t->base, comps_plus(comps, index_comp(loc, 0)),
		      false);
	struct expr *e = expr_new(E_TERNARY, loc);
	e->a = target_node(loc, name, comps, NULL);
	e->b = finish(&p);
	e->c = str_node(loc, "NULL");
	return e;
}

/* The type of use e (its comps walked), or NULL when it does not
 * resolve: resolve_target then says why. */
static const struct ctype *use_type(const struct target_var *tv,
				    const struct expr *e)
{
	char *why;
	const struct comp *bad;
	struct tvar_ref *ref = tvar_resolve(tv->name, tv->type, &tv->loc,
					    &e->comps, "$", &why, &bad);
	free(why);
	return ref && ref->loc.kind != TL_OPTIMIZED_OUT ? ref->ctype : NULL;
}

static bool in_list(const char *which, enum target_var_class c)
{
	if (!strcmp(which, "$$vars"))
		return c != TV_RETURN;
	if (!strcmp(which, "$$parms"))
		return c == TV_PARAM;
	if (!strcmp(which, "$$locals"))
		return c == TV_LOCAL;
	return c == TV_RETURN;
}

/* "name=..." for one variable of a $$ list. */
static void list_entry(struct pretty *p, const struct target_var *tv,
		       const char *suffix)
{
	const struct ctype *t = tv->type;
	static const struct vec none;

	sb_printf(&p->fmt, "%s%s=", p->fmt.len ? " " : "", tv->name + 1);
	if (tv->loc.kind == TL_OPTIMIZED_OUT) {
		sb_putc(&p->fmt, '?');
	} else if (suffix) {
		sb_puts(&p->fmt, "%s");
		vec_push(&p->args, pretty_var(p->loc, tv->name, t, &none,
					      !strcmp(suffix, "$$"),
					      tv->loc.user));
	} else if (t->kind == CT_STRUCT || t->kind == CT_UNION) {
		sb_puts(&p->fmt, "{...}");
	} else if (t->kind == CT_ARRAY) {
		sb_puts(&p->fmt, "[...]");
	} else if (t->kind == CT_STRING) {
		sb_puts(&p->fmt, "%s");
		vec_push(&p->args, call_node(p->loc, "string_quoted",
					     target_node(p->loc, tv->name,
							 &none, NULL)));
	} else if (ctype_script_type(t) == TYPE_LONG) {
		sb_puts(&p->fmt, "%#x");
		vec_push(&p->args, target_node(p->loc, tv->name, &none, NULL));
	} else {
		sb_putc(&p->fmt, '?');
	}
}

/* $$vars and friends: false when body's points list no variables
 * (resolve_target then reports it). */
static bool expand_list(struct resolver *r, struct expr *e)
{
	struct vec all = {0};
	struct pretty p = { .loc = e->loc };

	/* in a .return probe the variables but $return are those at the
	 * function's entry, each read then becoming an @entry */
	if (!target_vars(r->prog, r->body, e->at_entry ||
			 (strcmp(e->name, "$$return") &&
			  target_at_return(r->prog, r->body)), &all))
		return false;
	for (size_t i = 0; i < all.len; i++) {
		const struct target_var *tv = vec_at(&all, i);
		if (in_list(e->name, tv->class))
			list_entry(&p, tv, e->suffix);
	}
	vec_free(&all);
	*e = *finish(&p);
	return true;
}

bool target_pretty(struct resolver *r, struct expr *e)
{
	const struct rprobe *rp;

	if (!strcmp(e->name, "$$vars") || !strcmp(e->name, "$$parms") ||
	    !strcmp(e->name, "$$locals") || !strcmp(e->name, "$$return"))
		return expand_list(r, e);
	if (!strncmp(e->name, "$$", 2))
		return false;	/* a family's own: $$name, $$system ... */
	if (!e->suffix)
		return false;
	const struct target_var *tv = target_lookup(r->prog, r->body, e->name,
						    e->at_entry, &rp);
	const struct ctype *t = tv ? use_type(tv, e) : NULL;
	if (!t)
		return false;
	*e = *pretty_var(e->loc, e->name, t, &e->comps,
			 !strcmp(e->suffix, "$$"), tv->loc.user);
	return true;
}

void target_addrof(struct resolver *r, struct expr *e)
{
	struct expr *t = e->a;

	if (t->kind == E_CAST && !t->suffix) {	/* &@cast(p, "T")->m */
		resolve_expr(r, t->a);
		t->suffix = "&";
		resolve_cast(r->s, t);
		t->suffix = NULL;
		*e = *t;
		return;
	}
	if (t->kind != E_TARGET || t->suffix || !strncmp(t->name, "$$", 2)) {
		diag_error(e->loc, "'&' applies to a target variable "
			   "($var, $var->member, $var[index]) or an @cast "
			   "only");
		return;
	}
	t->suffix = "&";
	t->at_entry |= r->in_entry;	/* @entry(&$q->key) */
	resolve_target(r->prog, r->body, t, TARGET_READ, NULL, r->s->guru);
	t->suffix = NULL;
	*e = *t;
}
