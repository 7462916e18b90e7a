/*
 * Brace expansion of probe points, as the grammar reads them:
 * `kernel.{function("a"), trace("b")!}.call` stands for each
 * alternative in turn, nested braces included, in product order
 * (`{a,b}.{c,d}` is a.c, a.d, b.c, b.d).  A pattern is a vec of
 * partial struct probe_point *, each a list of components with the
 * '?' or '!' written after its last one; only the last component of a
 * whole point may carry one.
 */
#include "grammar.h"
#include "util/diag.h"
#include "util/util.h"

static struct probe_point *partial(struct vec comps, bool optional,
				   bool sufficient)
{
	struct probe_point *pp = xcalloc(1, sizeof(*pp));
	pp->loc = ((struct pp_comp *)vec_at(&comps, 0))->loc;
	pp->comps = comps;
	pp->optional = optional;
	pp->sufficient = sufficient;
	return pp;
}

struct vec vec_concat(struct vec a, struct vec b)
{
	for (size_t i = 0; i < b.len; i++)
		vec_push(&a, vec_at(&b, i));
	vec_free(&b);
	return a;
}

struct vec pp_single(struct pp_comp *c)
{
	return vec1(partial(vec1(c), false, false));
}

struct vec pp_product(struct vec heads, struct vec tails)
{
	struct vec out = {0};

	for (size_t i = 0; i < heads.len; i++) {
		struct probe_point *h = vec_at(&heads, i);
		if (h->optional || h->sufficient)
			diag("parse error", h->loc, "'%c' may only follow the "
			     "last component of a probe point",
			     h->optional ? '?' : '!');
		for (size_t j = 0; j < tails.len; j++) {
			struct probe_point *t = vec_at(&tails, j);
			struct vec comps = {0};
			for (size_t k = 0; k < h->comps.len; k++)
				vec_push(&comps, vec_at(&h->comps, k));
			for (size_t k = 0; k < t->comps.len; k++)
				vec_push(&comps, vec_at(&t->comps, k));
			vec_push(&out, partial(comps, t->optional,
					       t->sufficient));
		}
	}
	return out;
}

struct vec pp_flagged(struct vec alts, int flag)
{
	for (size_t i = 0; flag && i < alts.len; i++) {
		struct probe_point *pp = vec_at(&alts, i);
		if (pp->optional || pp->sufficient) {
			diag("parse error", pp->loc, "a probe point may carry "
			     "one '?' or '!', not two");
			continue;
		}
		pp->optional = flag == '?';
		pp->sufficient = flag == '!';
	}
	return alts;
}

struct vec pp_finish(struct vec points, int flag, struct expr *cond)
{
	for (size_t i = 0; i < points.len; i++) {
		struct probe_point *pp = vec_at(&points, i);
		if (flag && !pp->optional && !pp->sufficient) {
			pp->optional = flag == '?';
			pp->sufficient = flag == '!';
		} else if (flag) {
			diag("parse error", pp->loc, "a probe point may carry "
			     "one '?' or '!', not two");
		}
		pp->cond = i ? expr_clone(cond) : cond;
	}
	return points;
}
