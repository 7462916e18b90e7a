/*
 * Walking a target variable's ->member / [index] chain over the type
 * model, for pass 2 (tvar.h): each step yields the next type and
 * moves the location, in place while the object stays the same (a
 * member of a struct in memory: its offset is added) and through a
 * TL_COMPUTED location where a pointer is followed.
 *
 * The messages returned complete "target variable '$p' of probe P ...".
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "tvar.h"

/* The walker's state: the type reached and the text of the chain so
 * far ("$p->a[2]"), for messages. */
struct walk {
	struct tvar_ref *ref;
	const struct ctype *type;
	struct strbuf text;
	char *why;
};

static void fail(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = {0};

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	w->why = sb_steal(&sb);
}

/* "a string", "an int", "a struct foo *". */
static char *a_type(const struct ctype *t)
{
	char *d = ctype_describe(t);
	char *s = xasprintf("%s %s", strchr("aeiou", d[0]) ? "an" : "a", d);
	free(d);
	return s;
}

/* dst = l, with an index list of its own (a walk appends to it). */
static void loc_copy(struct tloc *dst, const struct tloc *l)
{
	*dst = *l;
	memset(&dst->indexes, 0, sizeof(dst->indexes));
	for (size_t i = 0; i < l->indexes.len; i++)
		vec_push(&dst->indexes, vec_at(&l->indexes, i));
}

static bool in_memory(const struct tloc *l)
{
	return l->kind == TL_FRAME || l->kind == TL_MEMORY ||
	       l->kind == TL_COMPUTED || l->kind == TL_EXPR ||
	       l->kind == TL_ARGUMENT;
}

/* The location now points where the pointer held there points. */
static void follow_pointer(struct tloc *l)
{
	if (l->kind == TL_OPTIMIZED_OUT)
		return;
	struct tloc *base = xmalloc(sizeof(*base));

	*base = *l;	/* it takes over l's index list */
	memset(l, 0, sizeof(*l));
	l->kind = TL_COMPUTED;
	l->user = base->user;	/* a user pointer points to user memory */
	l->base = base;
}

/* A part of a small struct, union or array held in a register itself
 * (not a register plus an offset): it is the register's bits from the
 * part's offset on, when the part ends within the register. */
static bool in_register(const struct tloc *l, int64_t offset,
			const struct expr *index, const struct ctype *part)
{
	return l->kind == TL_REGISTER && !l->offset && !index &&
	       offset >= 0 && l->shift / 8 + offset + part->size <= 8;
}

/* Moves the location inside the same object: offset bytes, plus a
 * run-time index term.  False for a value not in memory. */
static bool move_within(struct walk *w, int64_t offset,
			const struct expr *index, uint64_t stride)
{
	struct tloc *l = &w->ref->loc;

	if (l->kind == TL_OPTIMIZED_OUT)
		return true;
	if (in_register(l, offset, index, w->type)) {
		l->shift += (unsigned)offset * 8;
		return true;
	}
	if (!in_memory(l)) {
		fail(w, "holds %s in a %s: its parts cannot be reached yet",
		     w->text.buf, l->kind == TL_REGISTER ? "register"
				  : l->kind == TL_CONSTANT ? "constant"
							   : "family accessor");
		return false;
	}
	l->offset += offset;
	if (index) {
		struct tindex *ti = xmalloc(sizeof(*ti));
		ti->index = index;
		ti->stride = stride;
		vec_push(&l->indexes, ti);
	}
	return true;
}

static bool walkable(const struct ctype *t)
{
	return t->kind == CT_STRUCT || t->kind == CT_UNION ||
	       t->kind == CT_ARRAY || t->kind == CT_POINTER;
}

/* A type no chain applies to, reached at step n. */
static void fail_scalar(struct walk *w, size_t n)
{
	char *t = a_type(w->type);
	if (n == 0)
		fail(w, "is %s: '->', '[...]' and '$' do not apply to it", t);
	else
		fail(w, "has %s as %s: '->' and '[...]' do not apply to it",
		     w->text.buf, t);
	free(t);
}

/* ->name (or .name): through a pointer to a struct or union first. */
static bool step_member(struct walk *w, struct tvar_step *st)
{
	const char *name = st->comp->field;
	uint64_t off;

	if (w->type->kind == CT_POINTER && (w->type->base->kind == CT_STRUCT ||
					    w->type->base->kind == CT_UNION)) {
		follow_pointer(&w->ref->loc);
		w->type = w->type->base;
		st->deref = true;
	}
	if (w->type->kind != CT_STRUCT && w->type->kind != CT_UNION) {
		char *t = a_type(w->type);
		fail(w, "has %s as %s: '->%s' needs a struct or union",
		     w->text.buf, t, name);
		free(t);
		return false;
	}
	const struct cmember *m = ctype_member(w->type, name, &off);
	if (!m) {
		char *t = ctype_describe(w->type);
		fail(w, "has no member '%s' in %s (%s)", name, t, w->text.buf);
		free(t);
		return false;
	}
	st->offset = (int64_t)off;
	w->ref->bit_offset = m->bit_offset;
	w->ref->bit_size = m->bit_size;
	w->type = m->type;
	return move_within(w, st->offset, NULL, 0);
}

/* [n] or [expr]: an element of an array in place, or through a
 * pointer. */
static bool step_index(struct walk *w, struct tvar_step *st)
{
	const struct comp *c = st->comp;
	const struct ctype *elem = ctype_complete(w->type->base);

	if (w->type->kind != CT_ARRAY && w->type->kind != CT_POINTER) {
		char *t = a_type(w->type);
		fail(w, "has %s as %s: '[...]' needs an array or a pointer",
		     w->text.buf, t);
		free(t);
		return false;
	}
	if (!elem->size) {
		char *t = a_type(w->type);
		fail(w, "cannot index %s, %s: its elements have no size",
		     w->text.buf, t);
		free(t);
		return false;
	}
	if (w->type->kind == CT_POINTER) {
		follow_pointer(&w->ref->loc);
		st->deref = true;
	}
	w->type = elem;
	if (c->kind == COMP_INDEX_NUM) {
		st->offset = c->num * (int64_t)elem->size;
		return move_within(w, st->offset, NULL, 0);
	}
	return move_within(w, 0, c->index, elem->size);
}

/* @cast(p, "T")[i]: the cast's address taken as a pointer to T, so
 * element i is the T at p + i * sizeof(T) (an index first on a cast
 * of any type that is not an array or a pointer already). */
static bool cast_index_first(struct walk *w, size_t i, const struct comp *c)
{
	return i == 0 && c->kind != COMP_FIELD &&
	       w->ref->loc.kind == TL_EXPR && w->type->kind != CT_ARRAY &&
	       w->type->kind != CT_POINTER;
}

static bool step_cast_index(struct walk *w, struct tvar_step *st)
{
	const struct comp *c = st->comp;
	const struct ctype *t = ctype_complete(w->type);

	if (!t->size) {
		char *d = a_type(w->type);
		fail(w, "cannot index %s, %s: it has no size", w->text.buf, d);
		free(d);
		return false;
	}
	w->type = t;
	if (c->kind == COMP_INDEX_NUM) {
		st->offset = c->num * (int64_t)t->size;
		return move_within(w, st->offset, NULL, 0);
	}
	return move_within(w, 0, c->index, t->size);
}

static void note_step(struct walk *w, const struct comp *c)
{
	if (c->kind == COMP_FIELD)
		sb_printf(&w->text, "->%s", c->field);
	else if (c->kind == COMP_INDEX_NUM)
		sb_printf(&w->text, "[%lld]", (long long)c->num);
	else
		sb_puts(&w->text, "[...]");
}

static bool walk_chain(struct walk *w, const struct vec *comps,
		       const struct comp **bad)
{
	for (size_t i = 0; i < comps->len; i++) {
		const struct comp *c = vec_at(comps, i);
		struct tvar_step *st = xcalloc(1, sizeof(*st));

		*bad = c;
		st->comp = c;
		vec_push(&w->ref->steps, st);
		if (w->ref->bit_size) {
			fail(w, "has the bitfield %s: '->' and '[...]' do not "
			     "apply to it", w->text.buf);
			return false;
		}
		if (cast_index_first(w, i, c)) {
			if (!step_cast_index(w, st))
				return false;
			st->type = w->type;
			note_step(w, c);
			continue;
		}
		if (!walkable(w->type)) {
			fail_scalar(w, i);
			if (i == 0)
				*bad = NULL;	/* about the variable */
			return false;
		}
		if (!(c->kind == COMP_FIELD ? step_member(w, st)
					    : step_index(w, st)))
			return false;
		st->type = w->type;
		note_step(w, c);
	}
	*bad = NULL;
	return true;
}

/* The value the chain ends at: one the script can hold; with suffix
 * "&" its address instead (any type, in memory); with "$" or "$$" any
 * type (pass 2 expands the pretty printing before resolving). */
static bool check_value(struct walk *w, const char *suffix)
{
	const struct ctype *t = w->type;
	const struct tloc *l = &w->ref->loc;

	if (suffix && !strcmp(suffix, "&")) {
		if (w->ref->bit_size) {
			fail(w, "has the bitfield %s: it has no address",
			     w->text.buf);
			return false;
		}
		if (!in_memory(l) && l->kind != TL_OPTIMIZED_OUT) {
			fail(w, "holds %s outside memory: it has no address",
			     w->text.buf);
			return false;
		}
		w->ref->addr_of = true;
		return true;
	}
	if (suffix)
		return true;
	if (ctype_script_type(t) == TYPE_UNKNOWN) {
		char *d = a_type(t);
		fail(w, "has %s as %s, which has no script value: pick a "
		     "member with '->'", w->text.buf, d);
		free(d);
		return false;
	}
	if (t->kind == CT_ARRAY && !in_memory(l) &&
	    l->kind != TL_OPTIMIZED_OUT) {
		fail(w, "has %s as an array outside memory: it has no address",
		     w->text.buf);
		return false;
	}
	return true;
}

struct tvar_ref *tvar_resolve(const char *name, const struct ctype *t,
			      const struct tloc *loc, const struct vec *comps,
			      const char *suffix, char **why,
			      const struct comp **bad)
{
	struct tvar_ref *ref = xcalloc(1, sizeof(*ref));
	struct walk w = { .ref = ref, .type = t };

	ref->name = name;
	loc_copy(&ref->loc, loc);
	sb_puts(&w.text, name);
	*why = NULL;
	*bad = NULL;
	if (!walk_chain(&w, comps, bad) || !check_value(&w, suffix)) {
		*why = w.why;
		sb_free(&w.text);
		return NULL;
	}
	sb_free(&w.text);
	ref->ctype = w.type;
	ref->type = ref->addr_of ? TYPE_LONG : ctype_script_type(w.type);
	return ref;
}
